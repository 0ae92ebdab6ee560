/* test-rank.c: the ranking of a digest as golden data: summaries (tags,
 * votes, age), readers and a time in; the ranked ids out, worked out by
 * hand from the formula in digest.c:
 *
 *   weight(k)  = 1 + ln(fresh / hits(k))        rarer keywords count more
 *   relevance  = sum of the weights of the reader's keywords that hit
 *   score      = relevance * ln(e + votes) / (1 + age_days / 7)
 *   ties       : the newer summary (higher id) first
 *
 * "fresh" is the last two weeks (the weights count there); a first
 * weekly digest lists the last week. Eight summaries are fresh (S8 is 8
 * days old: weighed, not listed); alpha tags S1 S2 S3 S6 S7 S8 (6), beta
 * S3 S4 S8 (3), gamma S5. So weight(alpha) = 1 + ln(8/6) = 1.2877 and
 * weight(beta) = 1 + ln(8/3) = 1.9808, and for a reader of tag:alpha
 * tag:beta ("today" is a minute old, the same for all):
 *
 *   S2  alpha, 10 votes, today       1.2877 * ln(e + 10) = 3.2748
 *   S3  alpha+beta, 0 votes, today   1.2877 + 1.9808     = 3.2685
 *   S4  beta, 0 votes, 3.5 days old  1.9808 / 1.5        = 1.3206
 *   S7  alpha, 0 votes, today        1.2877 (ties S1: newer first)
 *   S1  alpha, 0 votes, today        1.2877
 *   S6  alpha, 0 votes, 6 days old   1.2877 / (13/7)     = 0.6934
 *   S5  gamma, 100 votes: not the reader's; S8: before the window */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "match.h"
#include "outbox.h"
#include "store.h"
#include "tap.h"

#define NOW 1795435200LL /* 2026-11-23T12:00:00Z, a Monday */
#define DAY 86400

struct got {
  int64_t ids[3][16];
  size_t n[3], more[3];
  char payload[3][2048];
};

static void
record(void *ctx, const struct digest_choice *c)
{
  struct got *g = ctx;
  int64_t r = c->sub;

  if (r < 1 || r > 3)
    return;
  g->n[r - 1] = c->n < 16 ? c->n : 16;
  memcpy(g->ids[r - 1], c->ids, g->n[r - 1] * sizeof(int64_t));
  g->more[r - 1] = c->more;
  snprintf(g->payload[r - 1], sizeof(g->payload[0]), "%s", c->payload);
}

static void
add_summary(struct store *st, int i, const char *tag1, const char *tag2,
            long votes, int64_t seen)
{
  struct model_summary s;
  enum store_upsert_result res;
  char tmp[128];
  int64_t id;

  memset(&s, 0, sizeof(s));
  snprintf(tmp, sizeof(tmp), "guid-%d", i);
  s.guid = strdup(tmp);
  snprintf(tmp, sizeof(tmp), "https://example.org/s/%d", i);
  s.link = strdup(tmp);
  snprintf(tmp, sizeof(tmp), "Paper number %d", i);
  s.title = strdup(tmp);
  s.markdown = strdup("Some text about nothing in particular.");
  s.nkeywords = tag2 ? 2 : 1;
  s.keywords = calloc(2, sizeof(char *));
  s.keywords[0] = strdup(tag1);
  if (tag2)
    s.keywords[1] = strdup(tag2);
  s.votes = votes;
  store_summary_upsert(st, &s, seen, &res, &id);
  model_summary_free(&s);
}

static void
reader(struct store *st, const char *addr, const char *const *kw, size_t n)
{
  char err[SM_ERRLEN];
  int64_t id;
  int added;

  store_sub_create(st, addr, MODEL_CONFIRMED, 0, &id);
  for (size_t i = 0; i < n; i++) {
    struct match_term t;
    if (match_parse_keyword(kw[i], &t, err, sizeof(err)) == SM_OK) {
      store_interest_add(st, id, t.canonical, 50, 0, &added);
      match_term_free(&t);
    }
  }
}

static void
is_ranked(const struct got *g, int r, const int64_t *want, size_t n,
          const char *name)
{
  char got[256] = "", exp[256] = "";
  size_t gl = 0, el = 0;

  for (size_t i = 0; i < g->n[r]; i++)
    gl += (size_t)snprintf(got + gl, sizeof(got) - gl, "%s%lld", i ? " " : "",
                           (long long)g->ids[r][i]);
  for (size_t i = 0; i < n; i++)
    el += (size_t)snprintf(exp + el, sizeof(exp) - el, "%s%lld", i ? " " : "",
                           (long long)want[i]);
  is_str(got, exp, name);
}

static int
count_row(void *ctx, const struct store_summary_row *r)
{
  (void)r;
  ++*(int *)ctx;
  return 0;
}

/* Tags fold case across Latin, Greek and Cyrillic (match.h) where the
 * store matches them, for digests and for `summaries --match`: a reader
 * of tag:ωmega gets the paper tagged Ωmega. (SQL's NOCASE folds ASCII
 * only, and matched nothing here.) */
static void
test_fold(void)
{
  static const char *const omega[] = {"tag:ωmega"};
  static const char *const phys[] = {"tag:физика"};
  static const int64_t want1[] = {1}, want2[] = {2};
  struct store *st;
  struct conf conf;
  struct digest_opts o;
  struct digest_stats stats;
  struct match_term t;
  struct store_query q;
  struct got g;
  char err[SM_ERRLEN], path[256];
  const char *tmp = getenv("TMPDIR");
  int n = 0;

  snprintf(path, sizeof(path), "%s/test-fold-%ld.db", tmp ? tmp : "/tmp",
           (long)getpid());
  unlink(path);
  conf_defaults(&conf);
  if (!ok(store_open(path, 1000, 0, &st, err, sizeof(err)) == SM_OK,
          "open a second store"))
    return;
  store_begin(st);
  add_summary(st, 1, "Ωmega", NULL, 0, NOW - 60);
  add_summary(st, 2, "ФИЗИКА", "Cs.LG", 0, NOW - 60);
  reader(st, "omega@example.org", omega, 1);
  reader(st, "phys@example.org", phys, 1);
  store_commit(st);
  memset(&o, 0, sizeof(o));
  memset(&g, 0, sizeof(g));
  o.now = NOW;
  o.dry_run = 1;
  o.report = record;
  o.report_ctx = &g;
  is_int(digest_run(st, &conf, &o, &stats), SM_OK, "digest over folded tags");
  is_ranked(&g, 0, want1, 1, "tag:ωmega gets the paper tagged Ωmega");
  is_ranked(&g, 1, want2, 1, "tag:физика gets the paper tagged ФИЗИКА");

  memset(&q, 0, sizeof(q));
  if (ok(match_parse_keyword("tag:cs.lg", &t, err, sizeof(err)) == SM_OK,
         "parse tag:cs.lg")) {
    q.terms = &t;
    q.nterms = 1;
    is_int(store_summaries(st, &q, count_row, &n), SM_OK, "summaries --match");
    is_int(n, 1, "finds the paper tagged Cs.LG");
    match_term_free(&t);
  }
  n = 0;
  if (ok(match_parse_keyword("tag:ΩMEGA", &t, err, sizeof(err)) == SM_OK,
         "parse tag:ΩMEGA")) {
    q.terms = &t;
    q.nterms = 1;
    is_int(store_summaries(st, &q, count_row, &n), SM_OK, "summaries --match");
    is_int(n, 1, "finds the paper tagged Ωmega");
    match_term_free(&t);
  }
  store_close(st);
  conf_free(&conf);
  unlink(path);
}

int
main(void)
{
  static const char *const both[] = {"tag:alpha", "tag:beta"};
  static const char *const minus[] = {"tag:alpha", "-tag:beta"};
  static const char *const gam[] = {"tag:gamma"};
  static const int64_t want_both[] = {2, 3, 4, 7, 1, 6};
  static const int64_t want_minus[] = {2, 7, 1, 6};
  static const int64_t want_gam[] = {5};
  struct store *st;
  struct conf conf;
  struct digest_opts o;
  struct digest_stats stats;
  struct got g;
  char err[SM_ERRLEN], path[256];
  const char *tmp = getenv("TMPDIR");

  snprintf(path, sizeof(path), "%s/test-rank-%ld.db", tmp ? tmp : "/tmp",
           (long)getpid());
  unlink(path);
  conf_defaults(&conf);
  conf.digest.max_items = 10;
  if (!ok(store_open(path, 1000, 0, &st, err, sizeof(err)) == SM_OK,
          "open store"))
    return done_testing();
  store_begin(st);
  add_summary(st, 1, "alpha", NULL, 0, NOW - 60);
  add_summary(st, 2, "alpha", NULL, 10, NOW - 60);
  add_summary(st, 3, "alpha", "beta", 0, NOW - 60);
  add_summary(st, 4, "beta", NULL, 0, NOW - DAY * 7 / 2);
  add_summary(st, 5, "gamma", NULL, 100, NOW - 60);
  add_summary(st, 6, "alpha", NULL, 0, NOW - 6 * DAY);
  add_summary(st, 7, "alpha", NULL, 0, NOW - 60);
  /* Weighed (fresh: two weeks), not listed (a first weekly digest
   * looks back one week). */
  add_summary(st, 8, "alpha", "beta", 500, NOW - 8 * DAY);
  reader(st, "both@example.org", both, 2);
  reader(st, "minus@example.org", minus, 2);
  reader(st, "gamma@example.org", gam, 1);
  is_int(store_commit(st), SM_OK, "eight summaries, three readers");

  memset(&o, 0, sizeof(o));
  memset(&g, 0, sizeof(g));
  o.now = NOW;
  o.dry_run = 1;
  o.report = record;
  o.report_ctx = &g;
  is_int(digest_run(st, &conf, &o, &stats), SM_OK, "dry run");
  is_int(stats.fresh, 8, "eight summaries are fresh");
  is_ranked(&g, 0, want_both, 6,
            "relevance x votes / age, rarer keywords first, ties newest "
            "first");
  is_int(g.more[0], 0, "nothing more");
  {
    struct outbox_digest d;
    char perr[256];
    size_t i3 = 0;
    is_int(outbox_digest_parse(g.payload[0], &d, perr, sizeof(perr)), SM_OK,
           "the payload parses");
    while (i3 < d.n && d.items[i3].id != 3)
      i3++;
    ok(d.n > 0 && d.items[0].id == 2 && d.items[0].nkw == 1 &&
           !strcmp(d.items[0].kw[0], "tag:alpha") && i3 < d.n &&
           d.items[i3].nkw == 2 &&
           strcmp(d.items[i3].kw[0], d.items[i3].kw[1]) &&
           (!strcmp(d.items[i3].kw[0], "tag:alpha") ||
            !strcmp(d.items[i3].kw[0], "tag:beta")) &&
           (!strcmp(d.items[i3].kw[1], "tag:alpha") ||
            !strcmp(d.items[i3].kw[1], "tag:beta")),
       "the payload lists each item with the keywords that hit it");
    outbox_digest_free(&d);
  }
  is_ranked(&g, 1, want_minus, 4, "a negated keyword drops what it hits");
  is_ranked(&g, 2, want_gam, 1, "a reader of one keyword");

  conf.digest.max_items = 3;
  memset(&g, 0, sizeof(g));
  is_int(digest_run(st, &conf, &o, &stats), SM_OK, "dry run, 3 items");
  is_ranked(&g, 0, want_both, 3, "max_items keeps the head of the ranking");
  is_int(g.more[0], 3, "and counts the rest");

  store_close(st);
  conf_free(&conf);
  unlink(path);
  test_fold();
  return done_testing();
}
