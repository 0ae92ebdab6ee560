/* digest.c: percolation, ranking and queueing of digests. */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "buf.h"
#include "digest.h"
#include "log.h"
#include "match.h"
#include "mime.h"
#include "outbox.h"
#include "progress.h"

/* ---- keywords: parsed once, evaluated once -------------------------- */

struct kw {
  char *text;             /* the canonical keyword, the table's key */
  struct match_term term; /* parsed; term.text NULL if it did not parse */
  char *json;             /* text as a JSON string, for payloads */
  uint32_t *hits;         /* indexes into the fresh summaries, ascending */
  size_t nhits, cap;
  double weight; /* rarer keywords count for more */
};

/* Keywords by index (which stays valid as the table grows, so readers
 * can keep indexes), found by text through open addressing. */
struct kwtab {
  struct kw *v;
  size_t n, cap;
  uint32_t *slots; /* index + 1; 0 for empty */
  size_t size;
};

static uint64_t
hash_str(const char *s)
{
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */

  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* The index of `text`, adding it (unparsed, zeroed) when new: *created
 * says so. -1 when out of memory. */
static long
kw_find(struct kwtab *t, const char *text, int *created)
{
  size_t i;

  *created = 0;
  if ((t->n + 1) * 2 > t->size) {
    size_t nsize = t->size ? t->size * 2 : 1024;
    uint32_t *n = calloc(nsize, sizeof(*n));
    if (!n)
      return -1;
    for (size_t k = 0; k < t->n; k++) {
      size_t j = hash_str(t->v[k].text) & (nsize - 1);
      while (n[j])
        j = (j + 1) & (nsize - 1);
      n[j] = (uint32_t)k + 1;
    }
    free(t->slots);
    t->slots = n;
    t->size = nsize;
  }
  i = hash_str(text) & (t->size - 1);
  while (t->slots[i]) {
    if (!strcmp(t->v[t->slots[i] - 1].text, text))
      return (long)t->slots[i] - 1;
    i = (i + 1) & (t->size - 1);
  }
  if (t->n == t->cap) {
    size_t ncap = t->cap ? t->cap * 2 : 1024;
    struct kw *v = realloc(t->v, ncap * sizeof(*v));
    if (!v)
      return -1;
    t->v = v;
    t->cap = ncap;
  }
  memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
  t->v[t->n].text = strdup(text);
  if (!t->v[t->n].text)
    return -1;
  t->slots[i] = (uint32_t)t->n + 1;
  *created = 1;
  return (long)t->n++;
}

static void
kwtab_free(struct kwtab *t)
{
  for (size_t i = 0; i < t->n; i++) {
    free(t->v[i].text);
    free(t->v[i].json);
    free(t->v[i].hits);
    if (t->v[i].term.text)
      match_term_free(&t->v[i].term);
  }
  free(t->v);
  free(t->slots);
  memset(t, 0, sizeof(*t));
}

/* ---- the run's state ------------------------------------------------ */

/* A due reader, as read in the single pass over readers and keywords. */
struct reader {
  int64_t sub;
  int64_t last_digest_at;
  size_t address; /* offset into run.names */
  size_t kw;      /* their first keyword's place in run.rkw */
  uint32_t nkw;
  int weekly;
};

struct ranked {
  uint32_t idx;
  double score;
};

/* One reader's tally for one summary; the parts side by side, so that a
 * hit touches one place in memory, not four arrays. */
struct acc {
  double score;   /* the weights of the keywords that hit it */
  uint64_t which; /* bit m: the reader's keyword m hit it (the first 64) */
  uint32_t stamp; /* the rest is this reader's when stamp == run.epoch */
  uint8_t banned; /* a negated keyword hit it */
};

struct run {
  struct store *st;
  const struct conf *conf;
  const struct digest_opts *o;
  struct digest_stats *stats;
  struct store_fresh *fresh; /* the new summaries, by id */
  size_t nfresh, capfresh;
  double *community, *decay; /* by fresh index: the parts of item_score
                                that do not depend on the reader */
  struct kwtab kws;
  enum sm_status rc;
  /* the due readers, their addresses and keyword indexes */
  struct reader *readers;
  size_t nreaders, capreaders;
  struct buf names;
  uint32_t *rkw;
  size_t nrkw, caprkw;
  /* per reader */
  int64_t sub;
  const char *address;
  int64_t last_digest_at;
  int weekly_reader;
  struct kw **mine; /* the reader's keywords */
  size_t nmine, capmine;
  const char **kwjson; /* the JSON of those not negated, for the payload */
  uint32_t *kwpos;     /* by keyword of the reader: its index in kwjson */
  uint32_t *itemkw;    /* one item's keywords, as kwjson indexes */
  struct acc *acc;     /* by fresh index */
  uint32_t epoch;
  uint32_t *touched;
  size_t ntouched;
  struct ranked *top; /* the best max_items so far: a heap, worst first */
  int64_t *ids;       /* their summary ids, ranked */
  struct buf pbuf;    /* their payload */
  /* digests chosen, written `batch` at a time: each payload is malloc'd
   * with its Message-ID after it; the address is in run.names */
  struct store_digest_row *pend;
  size_t npend, cappend;
  /* Set while a worker thread chooses ahead of the writes (choose_ahead):
   * then only the worker chooses, only the main thread uses st, and the
   * worker reads earlier digests through its own connection, hadst. */
  struct ahead *ahead;
  struct store *hadst;
  char weekly[16], daily[16];
  int64_t weekly_num, daily_num;
  /* Message-IDs, by weekly (1) or not (0): what comes before the reader's
   * number and after it, made by the first one (mime_message_id checks
   * the domain once, not once per reader). */
  char mid_head[2][MIME_MSGID_MAX], mid_tail[2][MIME_MSGID_MAX];
  size_t mid_headlen[2], mid_taillen[2];
};

/* The Message-ID of a reader's digest, without angle brackets: one per
 * (issue, reader), so a re-run or a retry never makes another. */
static enum sm_status
digest_message_id(struct run *r, int weekly, int64_t sub, char *out,
                  size_t outlen)
{
  char num[24], *p = num + sizeof(num);
  uint64_t u = sub < 0 ? 0 - (uint64_t)sub : (uint64_t)sub;
  size_t numlen, head, tail, len;
  enum sm_status rc;

  weekly = weekly ? 1 : 0;
  if (!r->mid_headlen[weekly]) {
    /* The first: made and checked by mime, then split around the
     * reader's number ("<digest.ISSUE.SUB@DOMAIN>" without brackets). */
    char *dot, *at;
    rc = mime_message_id(out, outlen, "digest",
                         weekly ? r->weekly_num : r->daily_num, sub,
                         r->conf->list.domain);
    if (rc != SM_OK)
      return rc;
    len = strlen(out);
    memmove(out, out + 1, len - 2);
    out[len - 2] = '\0';
    at = strchr(out, '@');
    *at = '\0';
    dot = strrchr(out, '.');
    *at = '@';
    r->mid_headlen[weekly] = (size_t)(dot + 1 - out);
    memcpy(r->mid_head[weekly], out, r->mid_headlen[weekly]);
    r->mid_taillen[weekly] = strlen(at);
    memcpy(r->mid_tail[weekly], at, r->mid_taillen[weekly]);
    return SM_OK;
  }
  do
    *--p = (char)('0' + u % 10);
  while ((u /= 10) != 0);
  if (sub < 0)
    *--p = '-';
  numlen = (size_t)(num + sizeof(num) - p);
  head = r->mid_headlen[weekly];
  tail = r->mid_taillen[weekly];
  len = head + numlen + tail;
  /* As mime_message_id: with its brackets, shorter than MIME_MSGID_MAX. */
  if (len + 2 >= MIME_MSGID_MAX || len + 2 >= outlen) {
    if (outlen)
      out[0] = '\0';
    return SM_ERR_LIMIT;
  }
  memcpy(out, r->mid_head[weekly], head);
  memcpy(out + head, p, numlen);
  memcpy(out + head + numlen, r->mid_tail[weekly], tail);
  out[len] = '\0';
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

/* One (reader, keyword) row of the due readers, ordered by reader: the
 * readers and the distinct keywords come out of this one pass. */
static int
collect_due(void *ctx, const struct store_due *d)
{
  struct run *r = ctx;
  struct reader *rd;
  struct kw *k;
  char err[SM_ERRLEN];
  int created;
  long i;

  if (!r->nreaders || r->readers[r->nreaders - 1].sub != d->id) {
    if (r->nreaders == r->capreaders) {
      size_t n = r->capreaders ? r->capreaders * 2 : 1024;
      struct reader *p = realloc(r->readers, n * sizeof(*p));
      if (!p)
        goto nomem;
      r->readers = p;
      r->capreaders = n;
    }
    rd = &r->readers[r->nreaders++];
    rd->sub = d->id;
    rd->last_digest_at = d->last_digest_at;
    rd->weekly = d->weekly;
    rd->address = r->names.len;
    rd->kw = r->nrkw;
    rd->nkw = 0;
    r->rc = buf_append(&r->names, d->address, strlen(d->address) + 1);
    if (r->rc != SM_OK)
      return 1;
  }
  rd = &r->readers[r->nreaders - 1];
  i = kw_find(&r->kws, d->keyword, &created);
  if (i < 0)
    goto nomem;
  k = &r->kws.v[i];
  if (created &&
      match_parse_keyword(d->keyword, &k->term, err, sizeof(err)) != SM_OK) {
    /* Stored keywords were validated on entry; one that no longer parses
     * (the language changed) matches nothing rather than stopping the
     * run. */
    log_warning("keyword %s: %s: ignored", d->keyword, err);
    memset(&k->term, 0, sizeof(k->term));
  }
  if (!k->term.text)
    return 0;
  if (r->nrkw == r->caprkw) {
    size_t n = r->caprkw ? r->caprkw * 2 : 4096;
    uint32_t *p = realloc(r->rkw, n * sizeof(*p));
    if (!p)
      goto nomem;
    r->rkw = p;
    r->caprkw = n;
  }
  r->rkw[r->nrkw++] = (uint32_t)i;
  rd->nkw++;
  return 0;
nomem:
  r->rc = SM_ERR_NOMEM;
  return 1;
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

  for (size_t i = 0; i < r->kws.n && rc == SM_OK; i++) {
    struct kw *k = &r->kws.v[i];
    struct hit_ctx h = {r, k};
    if (!k->term.text)
      continue;
    /* Its JSON form once per run, not once per reader. */
    rc = outbox_json_string(k->text, &k->json);
    if (rc == SM_OK)
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

/* The reader-independent parts of item_score, once per summary rather
 * than once per match (log() was a tenth of a run). */
static void
score_parts(struct run *r)
{
  for (size_t i = 0; i < r->nfresh; i++) {
    const struct store_fresh *f = &r->fresh[i];
    double age_days = (double)(r->o->now - f->fresh_at) / 86400.0;

    if (age_days < 0)
      age_days = 0;
    r->community[i] = log(M_E + (f->votes > 0 ? (double)f->votes : 0));
    r->decay[i] = 1.0 + age_days / 7.0;
  }
}

/* Relevance x community x recency (the same operations in the same
 * order as computing the parts here, so the same doubles). */
static double
item_score(const struct run *r, uint32_t idx, double relevance)
{
  return relevance * r->community[idx] / r->decay[idx];
}

/* Whether a ranks after b in cmp_ranked's order, computed without a
 * branch: which of two candidates ranks last is a coin toss, and the
 * branches of cmp_ranked mispredicted in the heap below. */
static int
ranks_after(const struct ranked *a, const struct ranked *b)
{
  return (a->score < b->score) | ((a->score == b->score) & (a->idx < b->idx));
}

/* The best `keep` candidates in cmp_ranked's order, kept in a heap whose
 * root is the one that ranks last: a digest lists max_items of what may
 * be hundreds of matches, and sorting them all was half of a run. As
 * cmp_ranked is a total order (indexes differ), the heap sorted is
 * exactly the head of the whole list sorted. */
static void
top_sift_down(struct ranked *h, size_t n, size_t i)
{
  struct ranked t = h[i];

  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n)
      break;
    /* The child that ranks last, then whether it ranks after t. */
    if (c + 1 < n)
      c += (size_t)ranks_after(&h[c + 1], &h[c]);
    if (!ranks_after(&h[c], &t))
      break;
    h[i] = h[c];
    i = c;
  }
  h[i] = t;
}

static void
top_add(struct ranked *h, size_t *n, size_t keep, const struct ranked *c)
{
  size_t i;

  if (*n < keep) {
    /* Sift up: parents rank after their children. */
    i = (*n)++;
    h[i] = *c;
    while (i > 0 && cmp_ranked(&h[i], &h[(i - 1) / 2]) > 0) {
      struct ranked t = h[i];
      h[i] = h[(i - 1) / 2];
      h[(i - 1) / 2] = t;
      i = (i - 1) / 2;
    }
  } else if (cmp_ranked(c, &h[0]) < 0) {
    h[0] = *c;
    top_sift_down(h, *n, 0);
  }
}

/* Summaries of one paper go together, where the best of them ranks: a
 * digest shows the paper once with its summaries under it (compose), and
 * the reader can tell them apart. Stable otherwise; keep is at most
 * [digest] max_items (100). */
static void
group_papers(const struct run *r, struct ranked *list, size_t keep)
{
  for (size_t i = 0; i + 1 < keep; i++) {
    int64_t paper = r->fresh[list[i].idx].paper_id;
    for (size_t j = i + 1; j < keep; j++)
      if (r->fresh[list[j].idx].paper_id == paper) {
        struct ranked t = list[j];
        memmove(list + i + 2, list + i + 1, (j - i - 1) * sizeof(*list));
        list[++i] = t;
      }
  }
}

/* Whether the reader had summary in an earlier digest. A worker choosing
 * ahead asks its own connection, opened for the first such question (a
 * summary renewed by an edit): the main thread's is busy writing. Earlier
 * digests are all committed before a run starts, so both see them. */
static enum sm_status
digest_had(struct run *r, int64_t summary, int *had)
{
  enum sm_status rc;

  if (r->ahead && !r->hadst) {
    char err[SM_ERRLEN];
    rc = store_open(store_path(r->st), r->conf->store.busy_timeout,
                    STORE_READONLY, &r->hadst, err, sizeof(err));
    if (rc != SM_OK) {
      log_error("%s", err);
      return rc;
    }
  }
  if (!r->ahead)
    return store_digest_had(r->st, r->sub, summary, had);
  rc = store_digest_had(r->hadst, r->sub, summary, had);
  if (rc != SM_OK) /* the caller reports the main connection's message */
    log_error("%s", store_errmsg(r->hadst));
  return rc;
}

static enum sm_status
finish_reader(struct run *r)
{
  int weekly;
  int64_t period, start;
  struct ranked *list = r->top;
  size_t n = 0, keep, nkw, max = (size_t)r->conf->digest.max_items;
  const char *payload;
  int64_t *ids = r->ids;
  enum sm_status rc = SM_OK;

  if (!r->sub)
    return SM_OK;
  r->stats->readers++;
  if (++r->epoch == 0) {
    for (size_t i = 0; i < r->nfresh; i++)
      r->acc[i].stamp = 0;
    r->epoch = 1;
  }
  r->ntouched = 0;
  for (size_t i = 0; i < r->nmine; i++) {
    struct kw *k = r->mine[i];
    for (size_t h = 0; h < k->nhits; h++) {
      uint32_t x = k->hits[h];
      struct acc *a = &r->acc[x];
      if (a->stamp != r->epoch) {
        a->stamp = r->epoch;
        a->score = 0;
        a->banned = 0;
        a->which = 0;
        r->touched[r->ntouched++] = x;
      }
      if (k->term.negated)
        a->banned = 1;
      else
        a->score += k->weight;
      if (i < 64)
        a->which |= (uint64_t)1 << i;
    }
  }
  /* The reader's window: since their last digest, at most two periods
   * back; a first digest covers the last period. */
  weekly = r->weekly_reader;
  period = weekly ? DIGEST_WEEK : DIGEST_DAY;
  /* Since the last digest means after it: a summary first seen in the
   * same second went out with it. */
  start = r->last_digest_at && r->last_digest_at >= r->o->now - 2 * period
              ? r->last_digest_at + 1
              : r->o->now - period;
  keep = 0;
  for (size_t i = 0; i < r->ntouched && rc == SM_OK; i++) {
    struct ranked c;
    uint32_t x = r->touched[i];
    const struct store_fresh *f = &r->fresh[x];
    if (r->acc[x].banned || r->acc[x].score <= 0 || f->fresh_at < start)
      continue;
    if (f->fresh_at != f->first_seen) {
      /* Renewed by an edit: only for readers who never had it. */
      int had = 0;
      rc = digest_had(r, f->id, &had);
      if (had)
        continue;
    }
    c.idx = x;
    c.score = item_score(r, x, r->acc[x].score);
    top_add(list, &keep, max, &c);
    n++;
  }
  if (rc != SM_OK || n == 0) {
    if (rc == SM_OK)
      r->stats->empty++;
    return rc;
  }
  /* The heap sorted in place: the last-ranking to the end, one at a
   * time (qsort's calls through a pointer were a twentieth of a
   * reader). */
  for (size_t end = keep; end > 1; end--) {
    struct ranked t = list[0];
    list[0] = list[end - 1];
    list[end - 1] = t;
    top_sift_down(list, end - 1, 0);
  }
  group_papers(r, list, keep);
  /* The payload from each keyword's JSON form made once per run:
   * writing every reader's keywords through stdio a character at a time
   * was a tenth of a run. The keywords go in once, the items name them
   * by index. */
  nkw = 0;
  for (size_t m = 0; m < r->nmine; m++)
    if (!r->mine[m]->term.negated) {
      r->kwpos[m] = (uint32_t)nkw;
      r->kwjson[nkw++] = r->mine[m]->json;
    }
  buf_reset(&r->pbuf);
  rc = outbox_digest_begin(&r->pbuf, r->kwjson, nkw);
  for (size_t i = 0; i < keep && rc == SM_OK; i++) {
    size_t nik = 0;
    ids[i] = r->fresh[list[i].idx].id;
    for (size_t m = 0; m < r->nmine; m++)
      if (!r->mine[m]->term.negated &&
          (m < 64 ? (int)((r->acc[list[i].idx].which >> m) & 1)
                  : has_hit(r->mine[m], list[i].idx)))
        r->itemkw[nik++] = r->kwpos[m];
    rc = outbox_digest_item(&r->pbuf, i, ids[i], r->itemkw, nik);
  }
  if (rc == SM_OK)
    rc = outbox_digest_end(&r->pbuf, (int64_t)(n - keep));
  if (rc != SM_OK)
    goto out;
  payload = buf_str(&r->pbuf);
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
    struct store_digest_row *p;
    char mid[MIME_MSGID_MAX], *mem;
    size_t midlen;
    if (r->npend == r->cappend) {
      size_t c = r->cappend ? r->cappend * 2 : 1024;
      struct store_digest_row *np = realloc(r->pend, c * sizeof(*np));
      if (!np) {
        rc = SM_ERR_NOMEM;
        goto out;
      }
      r->pend = np;
      r->cappend = c;
    }
    rc = digest_message_id(r, weekly, r->sub, mid, sizeof(mid));
    if (rc != SM_OK)
      goto out;
    midlen = strlen(mid) + 1;
    mem = malloc(r->pbuf.len + 1 + midlen);
    if (!mem) {
      rc = SM_ERR_NOMEM;
      goto out;
    }
    memcpy(mem, payload, r->pbuf.len + 1);
    memcpy(mem + r->pbuf.len + 1, mid, midlen);
    p = &r->pend[r->npend++];
    p->payload = mem;
    p->message_id = mem + r->pbuf.len + 1;
    p->sub = r->sub;
    p->issue = weekly ? r->weekly : r->daily;
    p->address = r->address;
  }
out:
  return rc;
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

/* Writes n chosen digests in one transaction and frees their payloads. */
static enum sm_status
write_rows(struct run *r, struct store_digest_row *rows, size_t n)
{
  enum sm_status rc = SM_OK;
  size_t added = 0;

  if (!n)
    return SM_OK;
  rc = store_begin(r->st);
  if (rc == SM_OK)
    rc = store_digest_queue(r->st, rows, n, r->o->now, &added);
  if (rc == SM_OK)
    rc = store_commit(r->st);
  else
    store_rollback(r->st);
  for (size_t k = 0; k < n; k++)
    free((char *)rows[k].payload);
  return rc;
}

/* Writes the digests chosen so far and forgets them. Called every `batch`
 * readers with a digest, so what waits in memory is one batch, not every
 * reader's payload. */
static enum sm_status
write_pending(struct run *r)
{
  enum sm_status rc = write_rows(r, r->pend, r->npend);

  r->npend = 0;
  return rc;
}

/* Chooses each due reader's digest from their keywords' hits, giving
 * them to flush a batch at a time, and the rest at the end. */
static enum sm_status
choose_all(struct run *r, enum sm_status (*flush)(struct run *r))
{
  size_t batch = r->o->batch ? r->o->batch : 5000;
  enum sm_status rc = SM_OK;
  struct progress pr;

  progress_start(&pr, "digest", "readers", r->nreaders, r->o->progress);
  for (size_t i = 0; i < r->nreaders && rc == SM_OK; i++) {
    const struct reader *rd = &r->readers[i];
    if (rd->nkw > r->capmine) {
      struct kw **p = realloc(r->mine, rd->nkw * sizeof(*p));
      const char **j;
      uint32_t *pos;
      if (p)
        r->mine = p;
      j = p ? realloc(r->kwjson, rd->nkw * sizeof(*j)) : NULL;
      if (j)
        r->kwjson = j;
      pos = j ? realloc(r->kwpos, rd->nkw * sizeof(*pos)) : NULL;
      if (pos)
        r->kwpos = pos;
      pos = pos ? realloc(r->itemkw, rd->nkw * sizeof(*pos)) : NULL;
      if (!pos)
        return SM_ERR_NOMEM;
      r->itemkw = pos;
      r->capmine = rd->nkw;
    }
    for (uint32_t k = 0; k < rd->nkw; k++)
      r->mine[k] = &r->kws.v[r->rkw[rd->kw + k]];
    r->nmine = rd->nkw;
    r->sub = rd->sub;
    r->address = buf_str(&r->names) + rd->address;
    r->last_digest_at = rd->last_digest_at;
    r->weekly_reader = rd->weekly;
    rc = finish_reader(r);
    if (rc == SM_OK && r->npend >= batch)
      rc = flush(r);
    /* Every 1024 readers (the clock is read only that often) and the
     * last. */
    if ((i & 1023) == 1023 || i + 1 == r->nreaders)
      progress_update(&pr, i + 1);
  }
  if (rc == SM_OK && r->npend)
    rc = flush(r);
  progress_end(&pr);
  return rc;
}

/* ---- choosing ahead of the writes ----------------------------------- */

/* A worker thread chooses the next batch of digests while the main
 * thread writes the last one: choosing is all computation, writing is
 * mostly SQLite's B-trees and the kernel's, and at a million readers
 * each took about half of a run (4.3 s and 3.6 s of 9 s). The batches
 * keep their order, so the outbox rows are the same, in the same order,
 * as when one thread does both. */
struct ahead {
  pthread_mutex_t mu;
  pthread_cond_t cv;             /* any change below */
  struct store_digest_row *rows; /* a batch chosen, not yet taken */
  size_t n, cap;
  int full;                       /* rows holds a batch */
  struct store_digest_row *spare; /* an empty array the writer gave back */
  size_t sparecap;
  int done;          /* the worker has handed over all it will */
  int stop;          /* a write failed: choose no more */
  enum sm_status rc; /* the worker's */
};

/* The worker's flush: waits until the last batch was taken, and leaves
 * this one in its place. */
static enum sm_status
hand_over(struct run *r)
{
  struct ahead *a = r->ahead;
  enum sm_status rc = SM_OK;

  pthread_mutex_lock(&a->mu);
  while (a->full && !a->stop)
    pthread_cond_wait(&a->cv, &a->mu);
  if (a->stop) {
    rc = SM_ERR_INTERNAL; /* not reported: the write's failure is */
  } else {
    a->rows = r->pend;
    a->n = r->npend;
    a->cap = r->cappend;
    a->full = 1;
    r->pend = a->spare;
    r->cappend = a->sparecap;
    r->npend = 0;
    a->spare = NULL;
    a->sparecap = 0;
    pthread_cond_broadcast(&a->cv);
  }
  pthread_mutex_unlock(&a->mu);
  return rc;
}

static void *
chooser(void *arg)
{
  struct run *r = arg;
  enum sm_status rc = choose_all(r, hand_over);

  pthread_mutex_lock(&r->ahead->mu);
  r->ahead->rc = rc;
  r->ahead->done = 1;
  pthread_cond_broadcast(&r->ahead->cv);
  pthread_mutex_unlock(&r->ahead->mu);
  return NULL;
}

/* The main thread's part: writes each batch the worker hands over, in
 * turn, until the worker is done or a write fails. */
static enum sm_status
write_ahead(struct run *r)
{
  struct ahead *a = r->ahead;
  enum sm_status rc = SM_OK;

  pthread_mutex_lock(&a->mu);
  for (;;) {
    struct store_digest_row *rows;
    size_t n, cap;

    while (!a->full && !a->done)
      pthread_cond_wait(&a->cv, &a->mu);
    if (!a->full)
      break;
    rows = a->rows;
    n = a->n;
    cap = a->cap;
    a->rows = NULL;
    a->full = 0;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    rc = write_rows(r, rows, n);
    pthread_mutex_lock(&a->mu);
    if (!a->spare) {
      a->spare = rows;
      a->sparecap = cap;
    } else {
      free(rows);
    }
    if (rc != SM_OK) {
      a->stop = 1;
      pthread_cond_broadcast(&a->cv);
      break;
    }
  }
  pthread_mutex_unlock(&a->mu);
  return rc;
}

/* Chooses in a worker thread and writes in this one; both in this thread
 * (choose_all with write_pending) when no thread can be had. */
static enum sm_status
choose_ahead(struct run *r)
{
  struct ahead a;
  pthread_t t;
  enum sm_status rc;

  memset(&a, 0, sizeof(a));
  if (pthread_mutex_init(&a.mu, NULL))
    return choose_all(r, write_pending);
  if (pthread_cond_init(&a.cv, NULL)) {
    pthread_mutex_destroy(&a.mu);
    return choose_all(r, write_pending);
  }
  r->ahead = &a;
  if (pthread_create(&t, NULL, chooser, r)) {
    r->ahead = NULL;
    rc = choose_all(r, write_pending);
  } else {
    rc = write_ahead(r);
    pthread_join(t, NULL);
    if (rc == SM_OK)
      rc = a.rc;
    r->ahead = NULL;
  }
  free(a.spare);
  pthread_cond_destroy(&a.cv);
  pthread_mutex_destroy(&a.mu);
  if (r->hadst) {
    store_close(r->hadst);
    r->hadst = NULL;
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
  size_t nf;
  const char *path;
  enum sm_status rc;

  memset(stats, 0, sizeof(*stats));
  memset(&r, 0, sizeof(r));
  r.st = st;
  r.conf = conf;
  r.o = opts;
  r.stats = stats;
  /* Addresses of the due readers: RFC 5321 caps one at 254 bytes. */
  buf_init(&r.names, (size_t)1 << 30);
  /* One payload: max_items (at most 100) ids, each with at most
   * MATCH_MAX_TERMS keywords of at most MATCH_MAX_KEYWORD characters. */
  buf_init(&r.pbuf, 64 * 1024 * 1024);
  gmtime_r(&t, &tm);
  weekly_due = tm.tm_wday == conf->list.weekday;
  /* Numbers for Message-IDs: 202648 for a week, 20261123 for a day. */
  {
    char g[8];
    strftime(g, sizeof(g), "%G%V", &tm);
    r.weekly_num = strtol(g, NULL, 10);
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
  /* One pass over the due readers and their keywords gives both the
   * readers and the distinct keywords: a second pass for the keywords
   * alone (SELECT DISTINCT, in keyword order, each row a lookup of its
   * reader) cost more than everything else at a million readers. */
  rc = store_due(st, weekly_due, 1, r.weekly, r.daily, opts->only, 0,
                 collect_due, &r);
  if (rc == SM_OK)
    rc = r.rc;
  if (rc == SM_OK)
    rc = evaluate_keywords(&r);
  if (rc != SM_OK)
    goto out;
  nf = r.nfresh ? r.nfresh : 1;
  r.acc = calloc(nf, sizeof(*r.acc));
  r.touched = calloc(nf, sizeof(*r.touched));
  r.community = calloc(nf, sizeof(*r.community));
  r.decay = calloc(nf, sizeof(*r.decay));
  r.top = calloc((size_t)conf->digest.max_items + 1, sizeof(*r.top));
  r.ids = calloc((size_t)conf->digest.max_items + 1, sizeof(*r.ids));
  if (!r.acc || !r.touched || !r.community || !r.decay || !r.top || !r.ids) {
    rc = SM_ERR_NOMEM;
    goto out;
  }
  score_parts(&r);
  /* A dry run writes nothing to overlap with. An in-memory store is one
   * connection's alone (the worker could not read earlier digests). */
  path = store_path(st);
  if (opts->dry_run || !*path || !strcmp(path, ":memory:"))
    rc = choose_all(&r, write_pending);
  else
    rc = choose_ahead(&r);
out:
  for (size_t i = 0; i < r.npend; i++)
    free((char *)r.pend[i].payload);
  free(r.pend);
  free(r.readers);
  buf_free(&r.names);
  free(r.rkw);
  free(r.mine);
  free(r.kwjson);
  free(r.kwpos);
  free(r.itemkw);
  free(r.fresh);
  free(r.acc);
  free(r.touched);
  free(r.community);
  free(r.decay);
  free(r.top);
  free(r.ids);
  buf_free(&r.pbuf);
  kwtab_free(&r.kws);
  return rc;
}
