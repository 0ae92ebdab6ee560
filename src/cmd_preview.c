/* cmd_preview.c: `shortmail preview`: the digest a reader would get
 * next, exactly, without queueing it. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "compose.h"
#include "digest.h"
#include "log.h"
#include "outbox.h"
#include "store.h"
#include "util.h"

static const char usage[] =
    "usage: shortmail preview [--now TIME] [--eml FILE] [--html FILE] "
    "ADDRESS\n"
    "\n"
    "Render the digest ADDRESS would get next, byte for byte what\n"
    "`shortmail send` would deliver, without queueing anything. The\n"
    "message goes to standard output unless --eml names a file.\n"
    "\n"
    "  --eml FILE   write the whole message (RFC 5322) to FILE\n"
    "  --html FILE  also write its HTML part to FILE, to open in a browser\n"
    "  --now TIME   as if it were TIME (2026-11-23 or RFC 3339)\n";

struct preview {
  struct compose *comp;
  const char *recipient;
  int64_t now;
  struct buf msg, html;
  char err[SM_ERRLEN];
  enum sm_status rc;
  int found;
};

static void
chosen(void *ctx, const struct digest_choice *c)
{
  struct preview *p = ctx;
  struct compose_row row = {outbox_kind_name(OUTBOX_DIGEST),
                            c->sub,
                            c->address,
                            c->issue,
                            c->message_id,
                            c->payload,
                            p->now};

  p->found = 1;
  p->rc = compose_message(p->comp, &row, &p->msg, &p->html, p->err,
                          sizeof(p->err));
}

/* Writes b to path; logs why not and returns the status. */
static enum sm_status
write_file(const char *opt, const char *path, const struct buf *b)
{
  char err[SM_ERRLEN];
  enum sm_status rc =
      util_write_file(path, buf_str(b), b->len, err, sizeof(err));

  if (rc != SM_OK)
    log_error("%s %s", opt, err);
  return rc;
}

static int
cmd_preview(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{"eml", required_argument, NULL, 'e'},
                                       {"html", required_argument, NULL, 'H'},
                                       {"now", required_argument, NULL, 't'},
                                       {NULL, 0, NULL, 0}};
  const char *eml = NULL, *html = NULL;
  struct cmd_mail mail;
  struct store *st = NULL;
  struct store_subscriber s;
  struct env env;
  struct digest_opts o;
  struct digest_stats stats;
  struct preview p;
  enum sm_status rc;
  int c, code = EX_OK;

  memset(&p, 0, sizeof(p));
  memset(&o, 0, sizeof(o));
  memset(&s, 0, sizeof(s));
  o.now = util_now();
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'e':
      eml = optarg;
      break;
    case 'H':
      html = optarg;
      break;
    case 't':
      if (util_parse_date(optarg, &o.now) < 0)
        return cmd_usage_error(ctx, "--now: \"%s\" is not a time", optarg);
      break;
    default:
      return cmd_usage_error(ctx, "unknown option");
    }
  }
  if (optind != argc - 1)
    return cmd_usage_error(ctx, "expected one ADDRESS");
  rc = cmd_mail_open_signing(ctx, &mail);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  rc = cmd_store_open(ctx, 0, &st);
  if (rc == SM_OK)
    rc = store_sub_get(st, argv[optind], &s);
  if (rc == SM_ERR_NOTFOUND)
    log_error("%s: no such reader", argv[optind]);
  if (rc != SM_OK) {
    code = sm_exit_code(rc);
    goto out;
  }
  cmd_env(ctx, st, &mail, &env);
  rc = compose_new(&env, &p.comp);
  if (rc != SM_OK) {
    code = sm_exit_code(rc);
    goto out;
  }
  buf_init(&p.msg, 64 * 1024 * 1024);
  buf_init(&p.html, 64 * 1024 * 1024);
  p.now = o.now;
  o.dry_run = 1;
  o.only = s.id;
  o.report = chosen;
  o.report_ctx = &p;
  rc = digest_run(st, &ctx->conf, &o, &stats);
  if (rc == SM_OK)
    rc = p.rc;
  if (rc != SM_OK) {
    log_error("%s", *p.err ? p.err : store_errmsg(st));
    code = sm_exit_code(rc);
  } else if (!p.found) {
    printf("%s: nothing new matches this reader's keywords (%s, %s): no "
           "digest\n",
           s.address, model_status_name(s.status),
           s.paused ? "paused" : model_frequency_name(s.frequency));
  } else {
    if (eml)
      rc = write_file("--eml", eml, &p.msg);
    else if (fwrite(buf_str(&p.msg), 1, p.msg.len, stdout) != p.msg.len ||
             fflush(stdout) != 0) {
      log_error("standard output: cannot write: %s", strerror(errno));
      clearerr(stdout); /* said: main need not say it again */
      rc = SM_ERR_IO;
    }
    if (rc == SM_OK && html)
      rc = write_file("--html", html, &p.html);
    code = sm_exit_code(rc);
  }
out:
  buf_free(&p.msg);
  buf_free(&p.html);
  compose_free(p.comp);
  store_subscriber_free(&s);
  store_close(st);
  cmd_mail_close(&mail);
  return code;
}

const struct cmd_def cmd_preview_def = {
    "preview", cmd_preview, "show the digest a reader would get next", usage,
    0};
