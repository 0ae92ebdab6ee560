/* cmd_fetch.c: `shortmail fetch`: inbound mail from an IMAP mailbox,
 * for operators who cannot give shortmail a pipe from their MTA. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <sysexits.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "mailbox.h"
#include "store.h"

static const char usage[] =
    "usage: shortmail fetch [--loop SECONDS]\n"
    "\n"
    "Take the mail waiting in the IMAP mailbox of [imap] and act on each\n"
    "message exactly as `shortmail receive` does, oldest first, at most\n"
    "[imap] max_messages of them; each leaves the mailbox for the [imap]\n"
    "done folder once its effect is committed (quarantined mail, and mail\n"
    "over [imap] max_size, unread, for [imap] rejected). Exit 0 when\n"
    "everything looked at was dealt with, 75 when the rest waits for the\n"
    "next run (server unreachable, store busy), 77 when the server refused\n"
    "the user or password, 78 for a configuration error.\n"
    "\n"
    "  --loop SECONDS  keep going: another pass SECONDS after each one;\n"
    "                  stop only for a refused password or a\n"
    "                  configuration error\n"
    "\n"
    "See doc/mta.md, \"Without MTA access\", for Gmail, Fastmail and\n"
    "Dovecot set-ups.\n";

static void
sleep_seconds(long s)
{
  struct timespec ts = {s, 0};

  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

static int
cmd_fetch(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{"loop", required_argument, NULL, 'l'},
                                       {NULL, 0, NULL, 0}};
  struct cmd_mail mail;
  struct store *st = NULL;
  struct env env;
  struct mailbox_stats stats;
  char err[SM_ERRLEN], *end;
  long loop = 0;
  enum sm_status rc;
  int c;

  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'l':
      errno = 0;
      loop = strtol(optarg, &end, 10);
      if (errno || *end || end == optarg || loop < 1 || loop > 86400)
        return cmd_usage_error(ctx, "--loop takes 1 to 86400 seconds");
      break;
    default:
      return cmd_usage_error(ctx, "unknown option");
    }
  }
  if (optind < argc)
    return cmd_usage_error(ctx, "unexpected argument \"%s\"", argv[optind]);
  if (mailbox_check(&ctx->conf, err, sizeof(err)) != SM_OK) {
    log_error("%s", err);
    return EX_CONFIG;
  }
  rc = cmd_mail_open(ctx, &mail);
  if (rc == SM_OK)
    rc = cmd_store_open(ctx, 0, &st);
  if (rc == SM_OK)
    cmd_env(ctx, st, &mail, &env);
  while (rc == SM_OK) {
    rc = mailbox_run(&env, &stats);
    if (stats.listed || rc != SM_OK)
      log_info("%s: %ld looked at, %ld taken (%ld rejected), %ld moved "
               "after an earlier pass%s%s",
               ctx->conf.imap.mailbox, stats.listed, stats.applied,
               stats.rejected, stats.again, rc == SM_OK ? "" : "; stopped: ",
               rc == SM_OK ? "" : sm_strerror(rc));
    if (!loop || rc == SM_ERR_AUTH || rc == SM_ERR_CONFIG)
      break;
    rc = SM_OK;
    sleep_seconds(loop);
  }
  store_close(st);
  cmd_mail_close(&mail);
  return sm_exit_code(rc);
}

const struct cmd_def cmd_fetch_def = {
    "fetch", cmd_fetch, "take mail from an IMAP mailbox", usage, 0};
