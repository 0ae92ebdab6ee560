/* digest-loop.c: the per-reader FTS5 query loop that bench/digest sets
 * beside `shortmail digest`, and the check that both chose the same.
 *
 *   digest-loop STORE NOW READERS SAMPLE
 *
 * STORE is a store in which `shortmail digest --now NOW` has just queued
 * the first digests of readers 1..READERS. For SAMPLE readers spread
 * evenly over the ids, the loop does what a digest without percolation
 * would do for each: read the reader, their keywords, parse them, and run
 * store_summaries (the reference query, as tests/test-digest.c uses it)
 * over the reader's window (a first digest: one period back). Only that
 * loop is timed (wall and CPU time). Then each reader's result is
 * compared with the outbox row digest queued: every match counted
 * (listed + "more"), each listed summary one the query found, and no
 * digest where nothing matched.
 *
 * Prints the loop's time and `identical: yes`; exits 1 with the first
 * differences otherwise. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "match.h"
#include "outbox.h"
#include "store.h"

#define WEEK (7 * 86400)
#define DAY 86400

/* A reader of the sample: what digest queued, then what the loop found. */
struct sample {
  int64_t sub;
  int queued;
  int64_t *listed;
  size_t nlisted;
  long more;
  int64_t *found;
  size_t nfound, capfound;
};

struct run {
  struct sample *s;
  size_t n;
  int64_t step;
  enum sm_status rc;
  char err[256];
};

static double
now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

  return x < y ? -1 : x > y;
}

/* The sample index of reader `sub`, or -1: readers 1, 1 + step, ... */
static long
sample_index(const struct run *r, int64_t sub)
{
  if (sub < 1 || (sub - 1) % r->step)
    return -1;
  return (sub - 1) / r->step < (int64_t)r->n ? (long)((sub - 1) / r->step)
                                             : -1;
}

static int
take_digest(void *ctx, const struct store_outbox_row *row)
{
  struct run *r = ctx;
  long i = sample_index(r, row->subscriber_id);
  struct outbox_digest d;
  struct sample *s;

  if (i < 0 || strcmp(row->kind, "digest"))
    return 0;
  s = &r->s[i];
  /* Through the payload's owner, as send reads it. */
  r->rc = outbox_digest_parse(row->payload, &d, r->err, sizeof(r->err));
  if (r->rc != SM_OK) {
    outbox_digest_free(&d);
    return 1;
  }
  s->queued++;
  s->more = (long)d.more;
  s->listed = calloc(d.n ? d.n : 1, sizeof(*s->listed));
  if (!s->listed) {
    r->rc = SM_ERR_NOMEM;
    outbox_digest_free(&d);
    return 1;
  }
  for (size_t k = 0; k < d.n; k++)
    s->listed[s->nlisted++] = d.items[k].id;
  outbox_digest_free(&d);
  return 0;
}

static int
collect(void *ctx, const struct store_summary_row *row)
{
  struct sample *s = ctx;

  if (s->nfound == s->capfound) {
    size_t cap = s->capfound ? s->capfound * 2 : 64;
    int64_t *p = realloc(s->found, cap * sizeof(*p));
    if (!p)
      return 1;
    s->found = p;
    s->capfound = cap;
  }
  s->found[s->nfound++] = row->id;
  return 0;
}

/* One reader, as a loop over readers would do it. */
static enum sm_status
query_reader(struct store *st, int64_t now, struct sample *s)
{
  struct store_subscriber sub;
  struct match_term terms[MATCH_MAX_TERMS];
  char **kw = NULL, err[256];
  size_t nkw = 0, nt = 0;
  struct store_query q;
  enum sm_status rc;

  memset(&sub, 0, sizeof(sub));
  rc = store_sub_get_id(st, s->sub, &sub);
  if (rc == SM_OK)
    rc = store_interests(st, s->sub, &kw, &nkw);
  for (size_t i = 0; i < nkw; i++) {
    if (rc == SM_OK && nt < MATCH_MAX_TERMS &&
        match_parse_keyword(kw[i], &terms[nt], err, sizeof(err)) == SM_OK)
      nt++;
    free(kw[i]);
  }
  free(kw);
  if (rc == SM_OK) {
    memset(&q, 0, sizeof(q));
    q.since = now - (sub.frequency == MODEL_DAILY ? DAY : WEEK);
    q.terms = terms;
    q.nterms = nt;
    rc = store_summaries(st, &q, collect, s);
  }
  for (size_t i = 0; i < nt; i++)
    match_term_free(&terms[i]);
  store_subscriber_free(&sub);
  return rc;
}

int
main(int argc, char **argv)
{
  struct store *st = NULL;
  struct run r;
  char err[256];
  int64_t now, readers;
  size_t bad = 0, nonempty = 0, matches = 0;
  double t0, t1, c0, c1;
  int code = 1;

  memset(&r, 0, sizeof(r));
  if (argc != 5) {
    fprintf(stderr, "usage: digest-loop STORE NOW READERS SAMPLE\n");
    return 2;
  }
  now = strtoll(argv[2], NULL, 10);
  readers = strtoll(argv[3], NULL, 10);
  r.n = (size_t)strtoul(argv[4], NULL, 10);
  if (now <= 0 || readers < 1 || r.n < 1) {
    fprintf(stderr, "digest-loop: bad arguments\n");
    return 2;
  }
  if ((int64_t)r.n > readers)
    r.n = (size_t)readers;
  r.step = readers / (int64_t)r.n;
  r.s = calloc(r.n, sizeof(*r.s));
  if (!r.s)
    return 1;
  for (size_t i = 0; i < r.n; i++)
    r.s[i].sub = 1 + (int64_t)i * r.step;
  if (store_open(argv[1], 5000, STORE_NOMIGRATE, &st, err, sizeof(err)) !=
      SM_OK) {
    fprintf(stderr, "digest-loop: %s\n", err);
    goto out;
  }

  /* What digest queued for the sample (not timed). */
  if (store_outbox_after(st, 0, take_digest, &r) != SM_OK || r.rc != SM_OK) {
    fprintf(stderr, "digest-loop: reading the outbox: %s\n",
            *r.err ? r.err : store_errmsg(st));
    goto out;
  }

  t0 = now_s();
  c0 = cpu_s();
  for (size_t i = 0; i < r.n; i++)
    if (query_reader(st, now, &r.s[i]) != SM_OK) {
      fprintf(stderr, "digest-loop: reader %" PRId64 ": %s\n", r.s[i].sub,
              store_errmsg(st));
      goto out;
    }
  t1 = now_s();
  c1 = cpu_s();

  for (size_t i = 0; i < r.n; i++) {
    struct sample *s = &r.s[i];
    int same = 1;

    qsort(s->found, s->nfound, sizeof(*s->found), cmp64);
    if (s->queued > 1)
      same = 0;
    else if (!s->queued)
      same = s->nfound == 0;
    else {
      same = s->nfound == s->nlisted + (size_t)s->more && s->nlisted > 0;
      for (size_t k = 0; k < s->nlisted && same; k++)
        same = bsearch(&s->listed[k], s->found, s->nfound, sizeof(int64_t),
                       cmp64) != NULL;
    }
    nonempty += s->nfound > 0;
    matches += s->nfound;
    if (!same && bad++ < 5)
      fprintf(stderr,
              "digest-loop: reader %" PRId64 ": %d digest(s), %zu listed + "
              "%ld more; the query found %zu\n",
              s->sub, s->queued, s->nlisted, s->more, s->nfound);
  }
  printf("loop: %zu readers (every %" PRId64 "th), %zu with matches, "
         "%.1f matches each; %.3f s wall, %.3f s CPU; per reader %.1f us "
         "wall, %.1f us CPU\n",
         r.n, r.step, nonempty, (double)matches / (double)r.n, t1 - t0,
         c1 - c0, (t1 - t0) * 1e6 / (double)r.n,
         (c1 - c0) * 1e6 / (double)r.n);
  if (bad) {
    printf("identical: no (%zu of %zu readers differ)\n", bad, r.n);
    goto out;
  }
  printf("identical: yes (%zu readers: every match counted, each listed "
         "one found)\n",
         r.n);
  code = 0;
out:
  for (size_t i = 0; r.s && i < r.n; i++) {
    free(r.s[i].listed);
    free(r.s[i].found);
  }
  free(r.s);
  store_close(st);
  return code;
}
