/* cmd_bounces.c: `shortmail bounces`: the bounces received and each
 * reader's score. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "bouncer.h"
#include "cmd.h"
#include "json.h"
#include "log.h"
#include "store.h"
#include "util.h"

static const char usage[] =
    "usage: shortmail bounces [--json] [ADDRESS]\n"
    "\n"
    "List the bounces received (oldest first), or only those of the reader\n"
    "at ADDRESS: the address that failed, permanent or temporary, the\n"
    "status code, when, what it counted, where it came from (verp: the\n"
    "return path named the reader; parsed: a report to LIST-bounces@;\n"
    "smtp: the relay refused the address while sending), and the\n"
    "reader's status and current score (0 once their last counted\n"
    "bounce is older than [bounce] stale_days). A score reaching [bounce]\n"
    "threshold disables the reader.\n"
    "\n"
    "  --json  one JSON array of the events, for scripts\n";

struct list_ctx {
  const struct conf *conf;
  int64_t now;
  struct cmd_list list;
};

static int
print_row(void *vctx, const struct store_bounce_row *r)
{
  struct list_ctx *c = vctx;
  double score =
      bouncer_current(&r->score, c->conf->bounce.stale_days, c->now);
  struct json *j = cmd_list_row(&c->list);
  char at[32];

  util_format_time(r->e.received_at, at, sizeof(at));
  if (j) {
    json_begin_object(j);
    json_key(j, "address");
    json_string(j, r->e.address);
    json_key(j, "reader");
    json_string(j, r->reader_address);
    json_key(j, "kind");
    json_string(j, r->e.kind);
    json_key(j, "status");
    json_string(j, r->e.status);
    json_key(j, "diagnostic");
    json_string(j, r->e.diagnostic);
    json_key(j, "source");
    json_string(j, r->e.source);
    json_key(j, "outbox_id");
    if (r->e.outbox_id)
      json_int(j, r->e.outbox_id);
    else
      json_null(j);
    json_key(j, "received_at");
    json_string(j, at);
    json_key(j, "counted");
    json_double(j, r->e.counted);
    json_key(j, "score");
    json_double(j, score);
    json_key(j, "reader_status");
    json_string(j, r->reader_status);
    json_end_object(j);
    return 0;
  }
  if (c->list.n == 1)
    printf("%-20s  %-9s  %-6s  %5s  %5s  %-6s  %-12s  %s\n", "RECEIVED",
           "KIND", "STATUS", "COUNT", "SCORE", "SOURCE", "READER", "ADDRESS");
  printf("%-20s  %-9s  %-6s  %5g  %5g  %-6s  %-12s  %s\n", at, r->e.kind,
         r->e.status ? r->e.status : "-", r->e.counted, score, r->e.source,
         r->reader_status, r->e.address);
  return 0;
}

static int
cmd_bounces(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  struct list_ctx lc;
  struct store *st = NULL;
  const char *address = NULL;
  enum sm_status rc;
  int c;

  memset(&lc, 0, sizeof(lc));
  lc.conf = &ctx->conf;
  lc.now = util_now();
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c != 'j')
      return cmd_usage_error(ctx, "unknown option");
    lc.list.json = 1;
  }
  if (optind < argc)
    address = argv[optind++];
  if (optind < argc)
    return cmd_usage_error(ctx, "one address at a time");
  rc = cmd_store_open(ctx, STORE_READONLY, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  cmd_list_begin(&lc.list);
  rc = store_bounce_list(st, address, print_row, &lc);
  if (cmd_list_end(&lc.list) && rc == SM_OK)
    printf("no bounces%s%s\n", address ? " for " : "", address ? address : "");
  if (rc != SM_OK)
    log_error("%s", store_errmsg(st));
  store_close(st);
  return sm_exit_code(rc);
}

const struct cmd_def cmd_bounces_def = {
    "bounces", cmd_bounces, "list bounces and readers' bounce scores", usage,
    0};
