/* cmd_post.c: `shortmail post`: readers' comments to the site's API. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd.h"
#include "json.h"
#include "log.h"
#include "site.h"
#include "store.h"
#include "util.h"

static const char usage[] =
    "usage: shortmail post [--once] [--json]\n"
    "\n"
    "Post the comments readers sent by mail to the site's API ([site]\n"
    "api_url), every pending comment that is due, one at a time, each\n"
    "marked posted only once the site answered 2xx. The Idempotency-Key\n"
    "header (the comment's Message-ID) lets the site recognise a repeat.\n"
    "A comment the site cannot take now (5xx, 429, timeout, refused\n"
    "connection) stays pending and is tried again after a backoff (1 min,\n"
    "doubling, at most 6 h); the run then stops. One it refuses (another\n"
    "4xx) is marked failed: see 'shortmail comments retry'. Held comments\n"
    "are never posted.\n"
    "\n"
    "  --once  one attempt per comment, no retries within the run\n"
    "          (default: two more after 1 s and 2 s)\n"
    "  --json  the outcome of each comment and the counts, as JSON\n"
    "\n"
    "Exit status: 0 when no comment is left pending, 75 when some are\n"
    "(run it again later), 78 when [site] api_url is not set or the token\n"
    "file cannot be used.\n";

struct post_ctx {
  int json;
  struct json j;
};

static const char *
outcome_name(enum site_outcome o)
{
  return o == SITE_POSTED    ? "posted"
         : o == SITE_PENDING ? "pending"
                             : "failed";
}

static void
report(void *vctx, const struct site_report *r)
{
  struct post_ctx *c = vctx;
  char next[32];

  util_format_time(r->next_attempt, next, sizeof(next));
  if (r->outcome == SITE_POSTED)
    log_info("comment %lld %s: posted", (long long)r->id, r->message_id);
  else if (r->outcome == SITE_PENDING)
    log_warning("comment %lld %s: %s; still pending, next attempt after "
                "%s",
                (long long)r->id, r->message_id, r->error, next);
  else
    log_warning("comment %lld %s: failed: %s", (long long)r->id, r->message_id,
                r->error);
  if (!c->json)
    return;
  json_begin_object(&c->j);
  json_key(&c->j, "id");
  json_int(&c->j, r->id);
  json_key(&c->j, "message_id");
  json_string(&c->j, r->message_id);
  json_key(&c->j, "outcome");
  json_string(&c->j, outcome_name(r->outcome));
  json_key(&c->j, "attempts");
  json_int(&c->j, r->attempts);
  json_key(&c->j, "http_status");
  if (r->http_status)
    json_int(&c->j, r->http_status);
  else
    json_null(&c->j);
  json_key(&c->j, "error");
  json_string(&c->j, r->error);
  json_key(&c->j, "next_attempt_at");
  json_string(&c->j, r->outcome == SITE_PENDING ? next : NULL);
  json_end_object(&c->j);
}

static int
cmd_post(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{"once", no_argument, NULL, 'o'},
                                       {"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  const struct conf *cf = &ctx->conf;
  struct post_ctx pc;
  struct site_opts so;
  struct site_run_stats stats;
  struct store *st = NULL;
  char err[SM_ERRLEN], owner[128], host[64];
  char *token = NULL;
  long pending = 0, due = 0;
  enum sm_status rc;
  int c, once = 0, ex;

  memset(&pc, 0, sizeof(pc));
  while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
    switch (c) {
    case 'o':
      once = 1;
      break;
    case 'j':
      pc.json = 1;
      break;
    default:
      return cmd_usage_error(ctx, "unknown option");
    }
  }
  if (optind < argc)
    return cmd_usage_error(ctx, "unexpected argument: %s", argv[optind]);
  if (!cf->site.api_url) {
    log_error("%s: [site] api_url is not set: comments are kept, not "
              "posted",
              cf->path ? cf->path : "the configuration");
    return EX_CONFIG;
  }
  if (cf->site.api_token_file) {
    rc = site_token_load(cf->site.api_token_file, &token, err, sizeof(err));
    if (rc != SM_OK) {
      log_error("%s", err);
      return EX_CONFIG;
    }
  }
  rc = cmd_store_open(ctx, 0, &st);
  if (rc != SM_OK) {
    ex = sm_exit_code(rc);
    goto done;
  }
  memset(&so, 0, sizeof(so));
  so.api_url = cf->site.api_url;
  so.token = token;
  so.timeout = cf->site.api_timeout;
  so.retries = once ? 0 : 2;
  so.site_url = cf->site.url;
  /* Names this run in the claims it takes, for an operator reading the
   * store while two runs overlap. */
  if (gethostname(host, sizeof(host)) != 0)
    snprintf(host, sizeof(host), "localhost");
  host[sizeof(host) - 1] = '\0';
  snprintf(owner, sizeof(owner), "post/%ld@%s", (long)getpid(), host);

  if (pc.json) {
    json_init(&pc.j, stdout);
    json_begin_object(&pc.j);
    json_key(&pc.j, "comments");
    json_begin_array(&pc.j);
  }
  rc = site_run(st, &so, owner, report, &pc, &stats, err, sizeof(err));
  if (rc != SM_OK)
    log_error("%s", err);
  if (store_post_pending(st, util_now(), &pending, &due) != SM_OK) {
    log_error("%s", store_errmsg(st));
    if (rc == SM_OK)
      rc = SM_ERR_TEMP;
  }
  if (pc.json) {
    json_end_array(&pc.j);
    json_key(&pc.j, "posted");
    json_int(&pc.j, stats.posted);
    json_key(&pc.j, "pending");
    json_int(&pc.j, stats.pending);
    json_key(&pc.j, "failed");
    json_int(&pc.j, stats.failed);
    json_key(&pc.j, "left_pending");
    json_int(&pc.j, pending);
    json_end_object(&pc.j);
    json_finish(&pc.j);
  } else {
    printf("post: %ld posted, %ld pending, %ld failed; %ld left pending%s\n",
           stats.posted, stats.pending, stats.failed, pending,
           stats.stopped ? " (stopped: the site is not taking comments now)"
                         : "");
  }
  if (rc == SM_ERR_USAGE)
    ex = EX_CONFIG; /* api_url is not a URL we can post to */
  else if (rc != SM_OK)
    ex = sm_exit_code(rc);
  else
    ex = pending > 0 ? EX_TEMPFAIL : EX_OK;

done:
  store_close(st);
  if (token) {
    memset(token, 0, strlen(token));
    free(token);
  }
  return ex;
}

const struct cmd_def cmd_post_def = {
    "post", cmd_post, "post readers' comments to the site", usage, 0};
