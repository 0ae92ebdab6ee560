/* assemble.c: how fast queued digests become messages, for bench/digest.
 *
 *   assemble CONF STORE NOW [RUNS]
 *
 * Reads every digest queued in STORE's outbox (not timed), then, RUNS
 * times (default 3), composes each with compose_message() as `send` does
 * (with a DKIM signature when CONF's [dkim] key_file is set),
 * on one thread, with a new composer per run (its render cache lives for
 * one run). Prints each run's digests/s (CPU time of this process) and
 * the median, and checks that the composer rendered each summary exactly
 * once per run: compose_rendered() must equal the number of distinct
 * summaries across the queued digests. So that the check does not rest
 * on the composer's own count, the program is linked with
 * -Wl,--wrap=render_html (mk/bench.am): every markdown rendering goes
 * through __wrap_render_html below, which counts them. Exits 1 if the
 * counts differ, or if a message fails to compose. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compose.h"
#include "conf.h"
#include "outbox.h"
#include "render.h"
#include "signer.h"
#include "store.h"
#include "tmpl.h"
#include "token.h"

#define MAX_MESSAGE (64 * 1024 * 1024)

/* The linker sends compose.c's calls to render_html here. */
enum sm_status __real_render_html(const char *markdown, size_t len,
                                  const struct render_opts *o, struct buf *out,
                                  int *was_cut);
enum sm_status __wrap_render_html(const char *markdown, size_t len,
                                  const struct render_opts *o, struct buf *out,
                                  int *was_cut);

static size_t html_renders;

enum sm_status
__wrap_render_html(const char *markdown, size_t len,
                   const struct render_opts *o, struct buf *out, int *was_cut)
{
  html_renders++;
  return __real_render_html(markdown, len, o, out, was_cut);
}

struct row {
  int64_t sub;
  char *recipient, *issue, *message_id, *payload;
};

struct rows {
  struct row *v;
  size_t n, cap;
  int64_t *ids; /* every summary id in every digest, for the distinct count */
  size_t nids, capids;
  enum sm_status rc;
  char err[256];
};

static double
cpu_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
wall_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

  return x < y ? -1 : x > y;
}

static int
cmpd(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

/* Keeps the summary ids of a payload, for the distinct count. */
static enum sm_status
add_ids(struct rows *rs, const struct row *r)
{
  struct outbox_digest d;
  enum sm_status rc;

  /* Through the payload's owner, as send reads it. */
  rc = outbox_digest_parse(r->payload, &d, rs->err, sizeof(rs->err));
  for (size_t k = 0; k < d.n && rc == SM_OK; k++) {
    if (rs->nids == rs->capids) {
      size_t cap = rs->capids ? rs->capids * 2 : 4096;
      int64_t *p = realloc(rs->ids, cap * sizeof(*p));
      if (!p) {
        rc = SM_ERR_NOMEM;
        break;
      }
      rs->ids = p;
      rs->capids = cap;
    }
    rs->ids[rs->nids++] = d.items[k].id;
  }
  outbox_digest_free(&d);
  return rc;
}

static int
take(void *ctx, const struct store_outbox_row *o)
{
  struct rows *rs = ctx;
  struct row *r;

  if (strcmp(o->kind, "digest"))
    return 0;
  if (rs->n == rs->cap) {
    size_t cap = rs->cap ? rs->cap * 2 : 1024;
    struct row *p = realloc(rs->v, cap * sizeof(*p));
    if (!p) {
      rs->rc = SM_ERR_NOMEM;
      return 1;
    }
    rs->v = p;
    rs->cap = cap;
  }
  r = &rs->v[rs->n++];
  r->sub = o->subscriber_id;
  r->recipient = strdup(o->recipient);
  r->issue = strdup(o->issue ? o->issue : "");
  r->message_id = strdup(o->message_id);
  r->payload = strdup(o->payload);
  if (!r->recipient || !r->issue || !r->message_id || !r->payload) {
    rs->rc = SM_ERR_NOMEM;
    return 1;
  }
  rs->rc = add_ids(rs, r);
  return rs->rc != SM_OK;
}

int
main(int argc, char **argv)
{
  struct conf conf;
  struct token_secret secret = {NULL, 0};
  struct tmpl_set *tmpl = NULL;
  struct store *st = NULL;
  struct signer *signer = NULL;
  struct env env;
  struct rows rs;
  struct buf msg;
  double rate[16];
  char err[SM_ERRLEN];
  size_t distinct = 0, runs = 3;
  int64_t now;
  int code = 1, conf_ok = 0;

  memset(&rs, 0, sizeof(rs));
  buf_init(&msg, MAX_MESSAGE);
  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: assemble CONF STORE NOW [RUNS]\n");
    return 2;
  }
  now = strtoll(argv[3], NULL, 10);
  if (argc == 5)
    runs = (size_t)strtoul(argv[4], NULL, 10);
  if (runs < 1 || runs > sizeof(rate) / sizeof(rate[0])) {
    fprintf(stderr, "assemble: RUNS must be 1 to 16\n");
    return 2;
  }
  if (conf_load(&conf, argv[1], 1, err, sizeof(err)) != SM_OK) {
    fprintf(stderr, "assemble: %s\n", err);
    return 1;
  }
  conf_ok = 1;
  if (token_secret_load(conf.secret.file, &secret, err, sizeof(err)) !=
          SM_OK ||
      tmpl_set_open(conf.templates.dir, &tmpl, err, sizeof(err)) != SM_OK ||
      (conf.dkim.key_file &&
       signer_new(conf.dkim.key_file, conf.dkim.selector,
                  conf.dkim.domain ? conf.dkim.domain : conf.list.domain,
                  &signer, err, sizeof(err)) != SM_OK) ||
      store_open(argv[2], 5000, STORE_NOMIGRATE, &st, err, sizeof(err)) !=
          SM_OK) {
    fprintf(stderr, "assemble: %s\n", err);
    goto out;
  }
  if (store_outbox_after(st, 0, take, &rs) != SM_OK || rs.rc != SM_OK) {
    fprintf(stderr, "assemble: reading the outbox: %s\n",
            *rs.err ? rs.err : store_errmsg(st));
    goto out;
  }
  if (!rs.n) {
    fprintf(stderr, "assemble: no digest queued in %s\n", argv[2]);
    goto out;
  }
  qsort(rs.ids, rs.nids, sizeof(*rs.ids), cmp64);
  for (size_t i = 0; i < rs.nids; i++)
    distinct += !i || rs.ids[i] != rs.ids[i - 1];

  memset(&env, 0, sizeof(env));
  env.conf = &conf;
  env.st = st;
  env.secret = &secret;
  env.tmpl = tmpl;
  env.signer = signer; /* as `send` does: signed when [dkim] says so */
  for (size_t run = 0; run < runs; run++) {
    struct compose *c = NULL;
    double c0, c1, w0, w1;
    size_t bytes = 0, rendered;

    html_renders = 0;
    c0 = cpu_s();
    w0 = wall_s();
    if (compose_new(&env, &c) != SM_OK)
      goto out;
    for (size_t i = 0; i < rs.n; i++) {
      const struct row *r = &rs.v[i];
      struct compose_row row = {"digest", r->sub,        r->recipient,
                                r->issue, r->message_id, r->payload,
                                now};
      buf_reset(&msg);
      if (compose_message(c, &row, &msg, NULL, err, sizeof(err)) != SM_OK) {
        fprintf(stderr, "assemble: %s\n", err);
        compose_free(c);
        goto out;
      }
      bytes += msg.len;
    }
    rendered = compose_rendered(c);
    compose_free(c);
    c1 = cpu_s();
    w1 = wall_s();
    rate[run] = (double)rs.n / (c1 - c0);
    printf("assemble run %zu: %zu digests in %.2f s CPU (%.2f s wall), "
           "%.0f digests/s, %.1f KB each; compose_rendered() %zu, "
           "render_html calls %zu\n",
           run + 1, rs.n, c1 - c0, w1 - w0, rate[run],
           (double)bytes / (double)rs.n / 1024.0, rendered, html_renders);
    if (rendered != distinct || html_renders != distinct) {
      fprintf(stderr,
              "assemble: compose_rendered() %zu and %zu markdown renderings, "
              "but the digests hold %zu distinct summaries: not exactly once "
              "each\n",
              rendered, html_renders, distinct);
      goto out;
    }
  }
  qsort(rate, runs, sizeof(rate[0]), cmpd);
  printf("assemble: median %.0f digests/s on one core (CPU time); %zu "
         "distinct summaries, each rendered exactly once per run\n",
         runs % 2 ? rate[runs / 2] : (rate[runs / 2 - 1] + rate[runs / 2]) / 2,
         distinct);
  code = 0;
out:
  for (size_t i = 0; i < rs.n; i++) {
    free(rs.v[i].recipient);
    free(rs.v[i].issue);
    free(rs.v[i].message_id);
    free(rs.v[i].payload);
  }
  free(rs.v);
  free(rs.ids);
  buf_free(&msg);
  store_close(st);
  signer_free(signer);
  tmpl_set_free(tmpl);
  token_secret_free(&secret);
  if (conf_ok)
    conf_free(&conf);
  return code;
}
