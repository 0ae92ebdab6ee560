/* digest.c: percolation, ranking and queueing of digests. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "json.h"
#include "log.h"
#include "match.h"
#include "mime.h"

/* ---- keywords: parsed once, evaluated once -------------------------- */

struct kw {
  char *text;             /* the canonical keyword, the table's key */
  struct match_term term; /* parsed; term.text NULL if it did not parse */
  uint32_t *hits;         /* indexes into the fresh summaries, ascending */
  size_t nhits, cap;
  double weight; /* rarer keywords count for more */
};

struct kwtab {
  struct kw *slots; /* open addressing; text NULL for empty */
  size_t size, used;
};

static uint64_t
hash_str(const char *s)
{
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */

  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static struct kw *
kw_find(struct kwtab *t, const char *text, int insert)
{
  size_t i;

  if (insert && (t->used + 1) * 2 > t->size) {
    struct kwtab n = {NULL, t->size ? t->size * 2 : 1024, 0};
    n.slots = calloc(n.size, sizeof(*n.slots));
    if (!n.slots)
      return NULL;
    for (size_t k = 0; k < t->size; k++)
      if (t->slots[k].text) {
        size_t j = hash_str(t->slots[k].text) & (n.size - 1);
        while (n.slots[j].text)
          j = (j + 1) & (n.size - 1);
        n.slots[j] = t->slots[k];
        n.used++;
      }
    free(t->slots);
    *t = n;
  }
  if (!t->size)
    return NULL;
  i = hash_str(text) & (t->size - 1);
  while (t->slots[i].text) {
    if (!strcmp(t->slots[i].text, text))
      return &t->slots[i];
    i = (i + 1) & (t->size - 1);
  }
  if (!insert)
    return NULL;
  t->slots[i].text = strdup(text);
  if (!t->slots[i].text)
    return NULL;
  t->used++;
  return &t->slots[i];
}

static void
kwtab_free(struct kwtab *t)
{
  for (size_t i = 0; i < t->size; i++)
    if (t->slots[i].text) {
      free(t->slots[i].text);
      free(t->slots[i].hits);
      if (t->slots[i].term.text)
        match_term_free(&t->slots[i].term);
    }
  free(t->slots);
  memset(t, 0, sizeof(*t));
}

/* ---- the run's state ------------------------------------------------ */

struct run {
  struct store *st;
  const struct conf *conf;
  const struct digest_opts *o;
  struct digest_stats *stats;
  struct store_fresh *fresh; /* the new summaries, by id */
  size_t nfresh, capfresh;
  struct kwtab kws;
  enum sm_status rc;
  /* per reader */
  int64_t sub;
  char *address;
  int64_t last_digest_at;
  int weekly_reader;
  struct kw **mine; /* the reader's keywords */
  size_t nmine, capmine;
  double *score;   /* by fresh index */
  uint32_t *stamp; /* score[i] is this reader's when stamp[i] == epoch */
  uint8_t *banned; /* by fresh index, valid with stamp */
  uint32_t epoch;
  uint32_t *touched;
  size_t ntouched;
  /* digests chosen, written after the scan */
  struct pending *pend;
  size_t npend, cappend;
  char weekly[16], daily[16];
  int64_t weekly_num, daily_num;
};

struct pending {
  int64_t sub;
  char *address;
  int weekly;
  char *payload;
};

/* The Message-ID of a reader's digest, without angle brackets: one per
 * (issue, reader), so a re-run or a retry never makes another. */
static enum sm_status
digest_message_id(const struct run *r, int weekly, int64_t sub, char *out,
                  size_t outlen)
{
  enum sm_status rc;

  rc = mime_message_id(out, outlen, "digest",
                       weekly ? r->weekly_num : r->daily_num, sub,
                       r->conf->list.domain);
  if (rc != SM_OK)
    return rc;
  memmove(out, out + 1, strlen(out) - 1);
  out[strlen(out) - 2] = '\0';
  return SM_OK;
}

static int
add_fresh(void *ctx, const struct store_fresh *f)
{
  struct run *r = ctx;

  if (r->nfresh == r->capfresh) {
    size_t n = r->capfresh ? r->capfresh * 2 : 256;
    struct store_fresh *p = realloc(r->fresh, n * sizeof(*p));
    if (!p) {
      r->rc = SM_ERR_NOMEM;
      return 1;
    }
    r->fresh = p;
    r->capfresh = n;
  }
  r->fresh[r->nfresh++] = *f;
  return 0;
}

/* The index of a fresh summary id (ids are loaded ascending). */
static long
fresh_index(const struct run *r, int64_t id)
{
  size_t lo = 0, hi = r->nfresh;

  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (r->fresh[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < r->nfresh && r->fresh[lo].id == id ? (long)lo : -1;
}

static int
add_keyword(void *ctx, const struct store_due *d)
{
  struct run *r = ctx;
  struct kw *k = kw_find(&r->kws, d->keyword, 1);
  char err[SM_ERRLEN];

  if (!k) {
    r->rc = SM_ERR_NOMEM;
    return 1;
  }
  if (match_parse_keyword(d->keyword, &k->term, err, sizeof(err)) != SM_OK) {
    /* Stored keywords were validated on entry; one that no longer parses
     * (the language changed) matches nothing rather than stopping the
     * run. */
    log_warning("keyword %s: %s: ignored", d->keyword, err);
    memset(&k->term, 0, sizeof(k->term));
  }
  return 0;
}

struct hit_ctx {
  struct run *r;
  struct kw *k;
};

static int
add_hit(void *ctx, int64_t id)
{
  struct hit_ctx *h = ctx;
  struct kw *k = h->k;
  long i = fresh_index(h->r, id);

  if (i < 0)
    return 0;
  if (k->nhits == k->cap) {
    size_t n = k->cap ? k->cap * 2 : 8;
    uint32_t *p = realloc(k->hits, n * sizeof(*p));
    if (!p) {
      h->r->rc = SM_ERR_NOMEM;
      return 1;
    }
    k->hits = p;
    k->cap = n;
  }
  k->hits[k->nhits++] = (uint32_t)i;
  return 0;
}

static enum sm_status
evaluate_keywords(struct run *r)
{
  enum sm_status rc = SM_OK;

  for (size_t i = 0; i < r->kws.size && rc == SM_OK; i++) {
    struct kw *k = &r->kws.slots[i];
    struct hit_ctx h = {r, k};
    if (!k->text || !k->term.text)
      continue;
    rc = store_fresh_match(r->st, &k->term, add_hit, &h);
    if (rc == SM_OK && r->rc != SM_OK)
      rc = r->rc;
    /* Hits arrive ordered by id, and fresh indexes follow ids. */
    k->weight = k->nhits ? 1.0 + log((double)r->nfresh / (double)k->nhits) : 0;
    r->stats->keywords++;
  }
  return rc;
}

/* ---- one reader ----------------------------------------------------- */

struct ranked {
  uint32_t idx;
  double score;
};

static int
cmp_ranked(const void *a, const void *b)
{
  const struct ranked *x = a, *y = b;

  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return x->idx > y->idx ? -1 : x->idx < y->idx; /* newer first */
}

static int
has_hit(const struct kw *k, uint32_t idx)
{
  size_t lo = 0, hi = k->nhits;

  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (k->hits[mid] < idx)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < k->nhits && k->hits[lo] == idx;
}

/* Relevance x community x recency. */
static double
item_score(const struct run *r, uint32_t idx, double relevance)
{
  const struct store_fresh *f = &r->fresh[idx];
  double age_days = (double)(r->o->now - f->fresh_at) / 86400.0;
  double community = log(M_E + (f->votes > 0 ? (double)f->votes : 0));

  if (age_days < 0)
    age_days = 0;
  return relevance * community / (1.0 + age_days / 7.0);
}

static enum sm_status
finish_reader(struct run *r)
{
  int weekly;
  int64_t period, start;
  struct ranked *list = NULL;
  size_t n = 0, keep;
  char *payload = NULL;
  size_t plen = 0;
  FILE *fp = NULL;
  struct json j;
  int64_t *ids = NULL;
  enum sm_status rc = SM_OK;

  if (!r->sub)
    return SM_OK;
  r->stats->readers++;
  if (++r->epoch == 0) {
    memset(r->stamp, 0, r->nfresh * sizeof(*r->stamp));
    r->epoch = 1;
  }
  r->ntouched = 0;
  for (size_t i = 0; i < r->nmine; i++) {
    struct kw *k = r->mine[i];
    for (size_t h = 0; h < k->nhits; h++) {
      uint32_t x = k->hits[h];
      if (r->stamp[x] != r->epoch) {
        r->stamp[x] = r->epoch;
        r->score[x] = 0;
        r->banned[x] = 0;
        r->touched[r->ntouched++] = x;
      }
      if (k->term.negated)
        r->banned[x] = 1;
      else
        r->score[x] += k->weight;
    }
  }
  /* The reader's window: since their last digest, at most two periods
   * back; a first digest covers the last period. */
  weekly = r->weekly_reader;
  period = weekly ? DIGEST_WEEK : DIGEST_DAY;
  start = r->last_digest_at && r->last_digest_at >= r->o->now - 2 * period
              ? r->last_digest_at
              : r->o->now - period;
  list = malloc((r->ntouched ? r->ntouched : 1) * sizeof(*list));
  if (!list)
    return SM_ERR_NOMEM;
  for (size_t i = 0; i < r->ntouched && rc == SM_OK; i++) {
    uint32_t x = r->touched[i];
    const struct store_fresh *f = &r->fresh[x];
    if (r->banned[x] || r->score[x] <= 0 || f->fresh_at < start)
      continue;
    if (f->fresh_at != f->first_seen) {
      /* Renewed by an edit: only for readers who never had it. */
      int had = 0;
      rc = store_digest_had(r->st, r->sub, f->id, &had);
      if (had)
        continue;
    }
    list[n].idx = x;
    list[n].score = item_score(r, x, r->score[x]);
    n++;
  }
  if (rc != SM_OK || n == 0) {
    if (rc == SM_OK)
      r->stats->empty++;
    free(list);
    return rc;
  }
  qsort(list, n, sizeof(*list), cmp_ranked);
  keep = n < (size_t)r->conf->digest.max_items
             ? n
             : (size_t)r->conf->digest.max_items;
  ids = malloc(keep * sizeof(*ids));
  fp = open_memstream(&payload, &plen);
  if (!ids || !fp) {
    rc = SM_ERR_NOMEM;
    goto out;
  }
  json_init(&j, fp);
  json_begin_object(&j);
  json_key(&j, "items");
  json_begin_array(&j);
  for (size_t i = 0; i < keep; i++) {
    ids[i] = r->fresh[list[i].idx].id;
    json_begin_object(&j);
    json_key(&j, "id");
    json_int(&j, ids[i]);
    json_key(&j, "kw");
    json_begin_array(&j);
    for (size_t m = 0; m < r->nmine; m++)
      if (!r->mine[m]->term.negated && has_hit(r->mine[m], list[i].idx))
        json_string(&j, r->mine[m]->text);
    json_end_array(&j);
    json_end_object(&j);
  }
  json_end_array(&j);
  json_key(&j, "more");
  json_int(&j, (int64_t)(n - keep));
  json_end_object(&j);
  fclose(fp);
  fp = NULL;
  if (r->o->report) {
    struct digest_choice c;
    char mid[MIME_MSGID_MAX];
    rc = digest_message_id(r, weekly, r->sub, mid, sizeof(mid));
    if (rc != SM_OK)
      goto out;
    c.sub = r->sub;
    c.address = r->address;
    c.issue = weekly ? r->weekly : r->daily;
    c.message_id = mid;
    c.payload = payload;
    c.ids = ids;
    c.n = keep;
    c.more = n - keep;
    r->o->report(r->o->report_ctx, &c);
  }
  r->stats->queued++;
  if (!r->o->dry_run) {
    struct pending *p;
    if (r->npend == r->cappend) {
      size_t c = r->cappend ? r->cappend * 2 : 1024;
      struct pending *np = realloc(r->pend, c * sizeof(*np));
      if (!np) {
        rc = SM_ERR_NOMEM;
        goto out;
      }
      r->pend = np;
      r->cappend = c;
    }
    p = &r->pend[r->npend++];
    p->sub = r->sub;
    p->weekly = weekly;
    p->address = r->address;
    r->address = NULL;
    p->payload = payload;
    payload = NULL;
  }
out:
  if (fp)
    fclose(fp);
  free(payload);
  free(ids);
  free(list);
  return rc;
}

static int
add_due(void *ctx, const struct store_due *d)
{
  struct run *r = ctx;
  struct kw *k;

  if (d->id != r->sub) {
    r->rc = finish_reader(r);
    if (r->rc != SM_OK)
      return 1;
    free(r->address);
    r->sub = d->id;
    r->address = strdup(d->address);
    r->last_digest_at = d->last_digest_at;
    r->weekly_reader = d->weekly;
    r->nmine = 0;
    if (!r->address) {
      r->rc = SM_ERR_NOMEM;
      return 1;
    }
  }
  k = kw_find(&r->kws, d->keyword, 0);
  if (!k || !k->term.text)
    return 0;
  if (r->nmine == r->capmine) {
    size_t n = r->capmine ? r->capmine * 2 : 16;
    struct kw **p = realloc(r->mine, n * sizeof(*p));
    if (!p) {
      r->rc = SM_ERR_NOMEM;
      return 1;
    }
    r->mine = p;
    r->capmine = n;
  }
  r->mine[r->nmine++] = k;
  return 0;
}

void
digest_issue_names(int64_t now, char *weekly, size_t wlen, char *daily,
                   size_t dlen)
{
  time_t t = (time_t)now;
  struct tm tm;

  gmtime_r(&t, &tm);
  strftime(weekly, wlen, "%G-W%V", &tm);
  strftime(daily, dlen, "%Y-%m-%d", &tm);
}

/* Writes the chosen digests, `batch` readers per transaction. */
static enum sm_status
write_pending(struct run *r)
{
  size_t batch = r->o->batch ? r->o->batch : 5000;
  enum sm_status rc = SM_OK;

  for (size_t i = 0; i < r->npend && rc == SM_OK; i += batch) {
    size_t end = i + batch < r->npend ? i + batch : r->npend;
    rc = store_begin(r->st);
    for (size_t k = i; k < end && rc == SM_OK; k++) {
      struct pending *p = &r->pend[k];
      char mid[MIME_MSGID_MAX];
      int added = 0;
      rc = digest_message_id(r, p->weekly, p->sub, mid, sizeof(mid));
      if (rc != SM_OK)
        break;
      rc = store_digest_queue(r->st, p->sub, p->address,
                              p->weekly ? r->weekly : r->daily, mid,
                              p->payload, r->o->now, &added);
    }
    if (rc == SM_OK)
      rc = store_commit(r->st);
    else
      store_rollback(r->st);
  }
  return rc;
}

enum sm_status
digest_run(struct store *st, const struct conf *conf,
           const struct digest_opts *opts, struct digest_stats *stats)
{
  struct run r;
  time_t t = (time_t)opts->now;
  struct tm tm;
  int weekly_due;
  enum sm_status rc;

  memset(stats, 0, sizeof(*stats));
  memset(&r, 0, sizeof(r));
  r.st = st;
  r.conf = conf;
  r.o = opts;
  r.stats = stats;
  gmtime_r(&t, &tm);
  weekly_due = tm.tm_wday == conf->list.weekday;
  /* Numbers for Message-IDs: 202648 for a week, 20261123 for a day. */
  {
    char g[8];
    strftime(g, sizeof(g), "%G%V", &tm);
    r.weekly_num = atol(g);
    r.daily_num =
        (tm.tm_year + 1900) * 10000L + (tm.tm_mon + 1) * 100L + tm.tm_mday;
  }
  digest_issue_names(opts->now, r.weekly, sizeof(r.weekly), r.daily,
                     sizeof(r.daily));
  if (opts->only)
    weekly_due = 1; /* a preview is due whatever the day */
  rc = store_fresh_load(st, opts->now - 2 * DIGEST_WEEK, add_fresh, &r);
  if (rc == SM_OK)
    rc = r.rc;
  if (rc != SM_OK)
    goto out;
  stats->fresh = r.nfresh;
  rc = store_due(st, weekly_due, 1, r.weekly, r.daily, opts->only, 1,
                 add_keyword, &r);
  if (rc == SM_OK)
    rc = r.rc;
  if (rc == SM_OK)
    rc = evaluate_keywords(&r);
  if (rc != SM_OK)
    goto out;
  r.score = calloc(r.nfresh ? r.nfresh : 1, sizeof(*r.score));
  r.stamp = calloc(r.nfresh ? r.nfresh : 1, sizeof(*r.stamp));
  r.banned = calloc(r.nfresh ? r.nfresh : 1, sizeof(*r.banned));
  r.touched = calloc(r.nfresh ? r.nfresh : 1, sizeof(*r.touched));
  if (!r.score || !r.stamp || !r.banned || !r.touched) {
    rc = SM_ERR_NOMEM;
    goto out;
  }
  rc = store_due(st, weekly_due, 1, r.weekly, r.daily, opts->only, 0, add_due,
                 &r);
  if (rc == SM_OK)
    rc = r.rc;
  if (rc == SM_OK)
    rc = finish_reader(&r);
  if (rc == SM_OK)
    rc = write_pending(&r);
out:
  for (size_t i = 0; i < r.npend; i++) {
    free(r.pend[i].address);
    free(r.pend[i].payload);
  }
  free(r.pend);
  free(r.address);
  free(r.mine);
  free(r.fresh);
  free(r.score);
  free(r.stamp);
  free(r.banned);
  free(r.touched);
  kwtab_free(&r.kws);
  return rc;
}
