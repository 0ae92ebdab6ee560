/* cmd_receive.c: `shortmail receive`: one message from the MTA. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "receive.h"
#include "store.h"
#include "tmpl.h"
#include "token.h"
#include "util.h"

static const char usage[] =
    "usage: shortmail receive [--recipient ADDR] [--sender ADDR] "
    "[--dry-run]\n"
    "\n"
    "Read one message on standard input, as an MTA's pipe delivery hands\n"
    "it over, and act on it: commands to LIST-request@, confirmations to\n"
    "LIST+confirm-TOKEN@. Exit 0 once the effect is committed (or the\n"
    "message was quarantined), 75 when the MTA should try again later.\n"
    "\n"
    "  --recipient ADDR  the envelope recipient (Postfix: ${recipient});\n"
    "                    default: $RECIPIENT, Delivered-To, X-Original-To\n"
    "  --sender ADDR     the envelope sender (Postfix: ${sender}); an empty\n"
    "                    one is the null sender; default: $SENDER, then\n"
    "                    Return-Path\n"
    "  --dry-run         show the commands and the mail that would be\n"
    "                    queued; change nothing\n"
    "\n"
    "See doc/mta.md for Postfix, Exim, OpenSMTPD and procmail set-ups.\n";

/* Reads at most max + 1 bytes and discards the rest, so the MTA's pipe
 * is drained either way; *total is the full size. */
static enum sm_status
read_message(struct buf *raw, size_t max, size_t *total)
{
  char chunk[65536];
  ssize_t n;

  *total = 0;
  while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
    if (n < 0)
      return SM_ERR_TEMP;
    *total += (size_t)n;
    /* Past max, the rest is counted, not kept: receive sees the size
     * and quarantines the message as too large. */
    if (raw->len <= max) {
      size_t room = max + 1 - raw->len;
      enum sm_status rc =
          buf_append(raw, chunk, (size_t)n < room ? (size_t)n : room);
      if (rc != SM_OK)
        return rc;
    }
  }
  return buf_append(raw, "", 0);
}

static int
cmd_receive(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {
      {"recipient", required_argument, NULL, 'r'},
      {"sender", required_argument, NULL, 's'},
      {"dry-run", no_argument, NULL, 'n'},
      {NULL, 0, NULL, 0}};
  struct env env;
  struct receive_result res;
  struct cmd_mail mail;
  struct buf raw;
  struct store *st = NULL;
  const char *recipient = NULL, *sender = NULL;
  size_t total = 0;
  enum sm_status rc;
  int c, dry_run = 0;

  memset(&mail, 0, sizeof(mail));
  log_set_stderr(0);
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'r':
      recipient = optarg;
      break;
    case 's':
      sender = optarg;
      break;
    case 'n':
      dry_run = 1;
      break;
    default:
      /* A mistake in the MTA's configuration: keep the mail queued. */
      cmd_usage_error(ctx, "unknown option");
      return EX_TEMPFAIL;
    }
  }
  if (optind < argc) {
    cmd_usage_error(ctx, "unexpected argument \"%s\"", argv[optind]);
    return EX_TEMPFAIL;
  }
  /* Postfix's local(8), Exim and OpenSMTPD put the envelope in the
   * environment of a pipe: a .forward needs no options. */
  if (!recipient)
    recipient = getenv("RECIPIENT");
  if (!sender)
    sender = getenv("SENDER");
  if (dry_run)
    log_set_stderr(1);
  buf_init(&raw, ctx->conf.receive.max_size + 2);
  rc = read_message(&raw, ctx->conf.receive.max_size, &total);
  if (rc != SM_OK) {
    log_error("reading the message: %s", sm_strerror(rc));
    goto out;
  }
  rc = cmd_mail_open(ctx, &mail);
  if (rc != SM_OK)
    goto out;
  rc = cmd_store_open(ctx, STORE_LAZY_CHECKPOINT, &st);
  if (rc != SM_OK)
    goto out;
  cmd_env(ctx, st, &mail, &env);
  env.dry_run = dry_run;
  rc = receive_one(&env, raw.data, raw.len, total, recipient, sender, NULL,
                   NULL, &res);
  if (dry_run)
    printf("route: %s\noutcome: %s (%s)\n%s", res.route,
           receive_outcome_name(res.outcome), res.detail,
           buf_str(&res.report));
  buf_free(&res.report);
out:
  store_close(st);
  cmd_mail_close(&mail);
  buf_free(&raw);
  /* 0 only once the effect is committed; anything else is for the MTA to
   * retry. Never 1: Postfix would bounce the mail. */
  return rc == SM_OK ? EX_OK : EX_TEMPFAIL;
}

const struct cmd_def cmd_receive_def = {"receive", cmd_receive,
                                        "take one message from the MTA", usage,
                                        CMD_TEMPFAIL};
