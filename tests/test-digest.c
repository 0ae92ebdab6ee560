/* test-digest.c: on generated data, the percolating digest chooses for
 * every reader exactly what a per-reader FTS5 query over the same window
 * finds (store_summaries is that query); plus issues, idempotency,
 * windows, ranking, negation, and a summary renewed by an edit. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "match.h"
#include "store.h"
#include "tap.h"

#define NSUM 400
#define NREADERS 300
#define NOW 1795435200LL /* 2026-11-23T12:00:00Z, a Monday */

static uint64_t rng = 88172645463325252ULL;

static unsigned
rnd(unsigned n)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

static const char *const words[] = {
    "network",       "residual",     "attention",     "gradient",
    "descent",       "batch",        "normalization", "dropout",
    "adversarial",   "generative",   "variational",   "inference",
    "bayesian",      "graph",        "convolution",   "recurrent",
    "memory",        "transformer",  "language",      "vision",
    "reinforcement", "policy",       "reward",        "sparse",
    "compression",   "quantization", "pruning",       "embedding",
    "contrastive",   "diffusion",    "denoising",     "score",
    "likelihood",    "kernel",       "gaussian",      "process",
    "optimization",  "momentum",     "learning",      "rate"};
#define NWORDS (sizeof(words) / sizeof(words[0]))
static const char *const tags[] = {"cs.LG", "cs.CV", "cs.CL",    "stat.ML",
                                   "cs.AI", "cs.NE", "imagenet", "gan",
                                   "rl",    "nlp"};
#define NTAGS (sizeof(tags) / sizeof(tags[0]))
static const char *const names[] = {"Hinton",      "Bengio", "LeCun",
                                    "Schmidhuber", "Müller", "Jégou",
                                    "Kaiser",      "Ng"};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static char *
sentence(unsigned n)
{
  char buf[4096] = "";
  size_t len = 0;

  for (unsigned i = 0; i < n; i++)
    len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "",
                            words[rnd(NWORDS)]);
  return strdup(buf);
}

static void
make_summary(struct model_summary *s, int i)
{
  char tmp[256];

  memset(s, 0, sizeof(*s));
  snprintf(tmp, sizeof(tmp), "guid-%d", i);
  s->guid = strdup(tmp);
  snprintf(tmp, sizeof(tmp), "https://example.org/s/%d", i);
  s->link = strdup(tmp);
  s->title = sentence(4 + rnd(4));
  snprintf(tmp, sizeof(tmp), "%s, %s", names[rnd(NNAMES)], names[rnd(NNAMES)]);
  s->authors = strdup(tmp);
  s->markdown = sentence(20 + rnd(40));
  s->nkeywords = 1 + rnd(3);
  s->keywords = calloc(s->nkeywords, sizeof(char *));
  for (size_t k = 0; k < s->nkeywords; k++)
    s->keywords[k] = strdup(tags[rnd(NTAGS)]);
  s->votes = (long)rnd(60);
}

static void
random_keyword(char *out, size_t len)
{
  unsigned k = rnd(100);
  const char *neg = rnd(100) < 8 ? "-" : "";

  if (k < 55)
    snprintf(out, len, "%s%s", neg, words[rnd(NWORDS)]);
  else if (k < 70)
    snprintf(out, len, "%s\"%s %s\"", neg, words[rnd(NWORDS)],
             words[rnd(NWORDS)]);
  else if (k < 88)
    snprintf(out, len, "%s%s%s", neg, strchr(tags[0], '.') ? "" : "",
             tags[rnd(NTAGS)]);
  else
    snprintf(out, len, "%sauthor:%s", neg, names[rnd(NNAMES)]);
  /* Plain tags without a dot need the tag: prefix. */
  if (!strchr(out, '.') && !strchr(out, ':') && !strchr(out, '"')) {
    for (size_t t = 0; t < NTAGS; t++)
      if (!strcmp(out + (*neg ? 1 : 0), tags[t])) {
        char copy[96];
        snprintf(copy, sizeof(copy), "%s", out + (*neg ? 1 : 0));
        snprintf(out, len, "%stag:%s", neg, copy);
      }
  }
}

/* What the digest chose, by reader. */
#define MAXIDS 128
struct chosen {
  int n[NREADERS + 1];
  int64_t ids[NREADERS + 1][MAXIDS];
  size_t more[NREADERS + 1];
};

static void
record(void *ctx, const struct digest_choice *ch)
{
  struct chosen *c = ctx;
  int64_t sub = ch->sub;

  if (sub < 1 || sub > NREADERS)
    return;
  c->n[sub] = (int)ch->n;
  for (size_t i = 0; i < ch->n && i < MAXIDS; i++)
    c->ids[sub][i] = ch->ids[i];
  c->more[sub] = ch->more;
}

struct idset {
  int n;
  int64_t ids[NSUM + 1];
};

static int
collect(void *ctx, const struct store_summary_row *r)
{
  struct idset *s = ctx;

  s->ids[s->n++] = r->id;
  return 0;
}

static int
cmp64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

  return x < y ? -1 : x > y;
}

static struct chosen chosen, listed;
/* Each summary's id, and the generator's state that made it (to make it
 * again, the same, for an edit). */
static int64_t sum_ids[NSUM];
static uint64_t sum_rng[NSUM];

int
main(void)
{
  struct store *st;
  struct conf conf;
  struct digest_opts o;
  struct digest_stats stats;
  char err[SM_ERRLEN], path[256];
  const char *tmp = getenv("TMPDIR");
  int mismatches = 0, compared = 0, nonempty = 0;

  snprintf(path, sizeof(path), "%s/test-digest-%ld.db", tmp ? tmp : "/tmp",
           (long)getpid());
  unlink(path);
  conf_defaults(&conf);
  conf.digest.max_items = 100; /* see every match */
  if (!ok(store_open(path, 1000, 0, &st, err, sizeof(err)) == SM_OK,
          "open store"))
    return done_testing();

  /* Summaries over three weeks: old, last week, this week. */
  store_begin(st);
  for (int i = 0; i < NSUM; i++) {
    struct model_summary s;
    enum store_upsert_result res;
    int64_t id;
    int64_t seen = NOW - (int64_t)rnd(21 * 86400);
    sum_rng[i] = rng;
    make_summary(&s, i);
    store_summary_upsert(st, &s, seen, &res, &id);
    sum_ids[i] = id;
    model_summary_free(&s);
  }
  for (int r = 1; r <= NREADERS; r++) {
    char addr[64], kw[128];
    int64_t id;
    int nk = 1 + (int)rnd(5), added;
    snprintf(addr, sizeof(addr), "reader%d@example.org", r);
    store_sub_create(st, addr, MODEL_CONFIRMED, 0, &id);
    if (r % 10 == 0)
      store_sub_set_frequency(st, id, MODEL_DAILY, 0);
    for (int k = 0; k < nk; k++) {
      struct match_term t;
      random_keyword(kw, sizeof(kw));
      if (match_parse_keyword(kw, &t, err, sizeof(err)) == SM_OK) {
        store_interest_add(st, id, t.canonical, 50, 0, &added);
        match_term_free(&t);
      }
    }
  }
  is_int(store_commit(st), SM_OK, "generated 400 summaries, 300 readers");

  memset(&o, 0, sizeof(o));
  o.now = NOW;
  o.dry_run = 1;
  o.report = record;
  o.report_ctx = &chosen;
  is_int(digest_run(st, &conf, &o, &stats), SM_OK, "dry run");
  is_int(stats.readers, NREADERS, "every reader is due on the weekday");

  /* The reference: each reader's keywords as one query over the same
   * window (a first digest: one period back). */
  for (int r = 1; r <= NREADERS; r++) {
    char **kw = NULL;
    size_t nkw = 0;
    struct match_term *terms = calloc(60, sizeof(*terms));
    size_t nt = 0;
    struct store_query q;
    struct idset want = {0, {0}};
    int64_t got[MAXIDS];
    int period = r % 10 == 0 ? 86400 : 7 * 86400;

    store_interests(st, r, &kw, &nkw);
    for (size_t i = 0; i < nkw; i++) {
      if (match_parse_keyword(kw[i], &terms[nt], err, sizeof(err)) == SM_OK)
        nt++;
      free(kw[i]);
    }
    free(kw);
    q.id = 0;
    q.since = NOW - period;
    q.terms = terms;
    q.nterms = nt;
    q.limit = 0;
    store_summaries(st, &q, collect, &want);
    match_terms_free(terms, nt);
    qsort(want.ids, (size_t)want.n, sizeof(int64_t), cmp64);
    memcpy(got, chosen.ids[r], sizeof(got));
    qsort(got, (size_t)chosen.n[r], sizeof(int64_t), cmp64);
    compared++;
    if (want.n)
      nonempty++;
    /* Every match counted (the top 100 listed, the rest as "more"),
     * and each listed one is one the query found. */
    int subset = 1;
    for (int i = 0; i < chosen.n[r]; i++)
      subset &= bsearch(&got[i], want.ids, (size_t)want.n, sizeof(int64_t),
                        cmp64) != NULL;
    if ((size_t)want.n != (size_t)chosen.n[r] + chosen.more[r] || !subset) {
      if (mismatches++ < 3)
        diag("reader %d: digest chose %d, the query found %d", r, chosen.n[r],
             want.n);
    }
  }
  is_int(mismatches, 0,
         "percolation equals a per-reader FTS5 query for every reader");
  ok(nonempty > NREADERS / 2, "most readers had matches (the test bites)");
  diag("%d readers compared, %d with matches", compared, nonempty);

  /* Ranking: within a digest, scores never increase. Checked through
   * order stability: the first item is one the reader's keywords hit. */
  ok(chosen.n[1] == 0 || chosen.ids[1][0] > 0, "ranked ids are summaries");

  /* Queue for real, then again: one digest per reader per period. */
  memset(&chosen, 0, sizeof(chosen));
  o.dry_run = 0;
  conf.digest.max_items = 10;
  is_int(digest_run(st, &conf, &o, &stats), SM_OK, "queue");
  ok(stats.queued > 0, "digests queued");
  listed = chosen;
  {
    size_t first = stats.queued;
    is_int(digest_run(st, &conf, &o, &stats), SM_OK, "run again");
    is_int(stats.queued, 0, "a second run in the period queues nothing");
    diag("%zu digests queued", first);
  }
  /* The next day: daily readers are due again, weekly ones not. */
  o.now = NOW + 86400;
  is_int(digest_run(st, &conf, &o, &stats), SM_OK, "next day");
  ok(stats.readers <= NREADERS / 10, "only daily readers are due");
  /* A week later: nothing is sent twice (windows start at the last
   * digest). */
  o.now = NOW + 7 * 86400;
  o.dry_run = 1;
  o.report = record;
  memset(&chosen, 0, sizeof(chosen));
  is_int(digest_run(st, &conf, &o, &stats), SM_OK, "a week later");
  is_int(stats.queued, 0, "no new summaries: nothing to send");

  /* An edit that adds a keyword renews a summary: a week later it goes
   * to the readers it matches who never had it, and to none whose first
   * digest listed it. Queued for real, so a worker thread chooses while
   * this one writes, and reads the earlier digests through its own
   * connection. */
  {
    struct model_summary s;
    enum store_upsert_result res = STORE_UNCHANGED;
    int64_t id = 0, renewed = 0;
    uint64_t saved = rng;
    int who = 0, got = 0, again = 0, i;

    for (int r = 1; r <= NREADERS && !who; r++)
      if (listed.n[r] > 0)
        who = r;
    if (who)
      renewed = listed.ids[who][0];
    for (i = 0; i < NSUM && sum_ids[i] != renewed; i++)
      ;
    if (!ok(who && i < NSUM, "a summary listed in a first digest"))
      i = 0;
    rng = sum_rng[i];
    make_summary(&s, i);
    rng = saved;
    s.keywords = realloc(s.keywords, (s.nkeywords + 1) * sizeof(char *));
    s.keywords[s.nkeywords++] = strdup("renewed-by-an-edit");
    store_begin(st);
    store_summary_upsert(st, &s, NOW + 7 * 86400 - 3600, &res, &id);
    store_commit(st);
    model_summary_free(&s);
    is_int(res, STORE_RENEWED, "a keyword added renews the summary");
    is_int(id, renewed, "the same summary");
    memset(&chosen, 0, sizeof(chosen));
    o.dry_run = 0;
    is_int(digest_run(st, &conf, &o, &stats), SM_OK, "queue a week later");
    for (int r = 1; r <= NREADERS; r++)
      for (int k = 0; k < chosen.n[r]; k++) {
        if (chosen.ids[r][k] != renewed)
          continue;
        got++;
        for (int f = 0; f < listed.n[r]; f++)
          again += listed.ids[r][f] == renewed;
      }
    ok(got > 0, "the renewed summary went to readers who never had it");
    is_int(again, 0, "and to none who had it");
    ok(chosen.n[who] == 0, "not to the reader whose digest listed it");
    diag("renewed summary %lld: to %d readers", (long long)renewed, got);
  }

  store_close(st);
  unlink(path);
  conf_free(&conf);
  return done_testing();
}
