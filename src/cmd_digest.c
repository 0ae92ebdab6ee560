/* cmd_digest.c: `shortmail digest`: queue this period's digests. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "deliver.h"
#include "digest.h"
#include "log.h"
#include "store.h"
#include "util.h"

static const char usage[] =
    "usage: shortmail digest [--dry-run] [--now TIME] [--send]\n"
    "\n"
    "Choose, for every reader due a digest now, the new summaries that\n"
    "match their keywords, rank them, and queue one message per reader\n"
    "in the outbox (`shortmail send` delivers them). Daily readers are due\n"
    "every day, weekly ones on [list] weekday. Running twice in one period\n"
    "queues nothing new; a reader whom nothing matched gets no message.\n"
    "\n"
    "  --dry-run   list what each reader would get; queue nothing\n"
    "  --now TIME  act as if it were TIME (2026-11-23 or RFC 3339)\n"
    "  --send      run `shortmail send` straight after\n";

static void
report(void *ctx, const struct digest_choice *c)
{
  (void)ctx;
  printf("%s (reader %" PRId64 ", %s): %zu summar%s:", c->address, c->sub,
         c->issue, c->n, c->n == 1 ? "y" : "ies");
  for (size_t i = 0; i < c->n; i++)
    printf(" %" PRId64, c->ids[i]);
  if (c->more)
    printf(" (and %zu more)", c->more);
  putchar('\n');
}

static int
cmd_digest(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'},
                                       {"now", required_argument, NULL, 't'},
                                       {"send", no_argument, NULL, 's'},
                                       {NULL, 0, NULL, 0}};
  struct digest_opts o;
  struct digest_stats stats;
  struct store *st = NULL;
  char weekly[16], daily[16];
  enum sm_status rc;
  int c, send = 0;

  memset(&o, 0, sizeof(o));
  o.now = util_now();
  o.progress = cmd_interactive();
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'n':
      o.dry_run = 1;
      o.report = report;
      break;
    case 't':
      if (util_parse_date(optarg, &o.now) < 0)
        return cmd_usage_error(ctx, "--now: \"%s\" is not a time", optarg);
      break;
    case 's':
      send = 1;
      break;
    default:
      return cmd_usage_error(ctx, "unknown option");
    }
  }
  if (optind < argc)
    return cmd_usage_error(ctx, "unexpected argument \"%s\"", argv[optind]);
  if (send && o.dry_run)
    return cmd_usage_error(ctx, "--send and --dry-run exclude each other");
  rc = cmd_store_open(ctx, 0, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  rc = digest_run(st, &ctx->conf, &o, &stats);
  digest_issue_names(o.now, weekly, sizeof(weekly), daily, sizeof(daily));
  if (rc != SM_OK)
    log_error("digest: %s: %s", sm_strerror(rc), store_errmsg(st));
  else
    printf("digest %s/%s: %zu new summaries, %zu keywords, %zu readers due, "
           "%zu digests %s, %zu with nothing new\n",
           weekly, daily, stats.fresh, stats.keywords, stats.readers,
           stats.queued, o.dry_run ? "would be queued" : "queued",
           stats.empty);
  store_close(st);
  if (rc == SM_OK && send) {
    struct deliver_opts d;
    memset(&d, 0, sizeof(d));
    return cmd_send_run(ctx, &d, ctx->conf.send.connections);
  }
  return sm_exit_code(rc);
}

const struct cmd_def cmd_digest_def = {
    "digest", cmd_digest, "queue this period's digests", usage, 0};
