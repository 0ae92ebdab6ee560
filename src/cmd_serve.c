/* cmd_serve.c: `shortmail serve`: the web endpoint for one-click
 * unsubscribe, confirmation and keyword links (src/web.c). */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "log.h"
#include "store.h"
#include "web.h"

static const char usage[] =
    "usage: shortmail serve [--listen ADDR:PORT]\n"
    "\n"
    "Answer the links in digests and confirmation requests over plain\n"
    "HTTP, behind the TLS reverse proxy of [site] url: /u/TOKEN (one-click\n"
    "unsubscribe, RFC 8058), /confirm/TOKEN, /k/TOKEN (the keywords page)\n"
    "and /web.css. Runs until SIGTERM or SIGINT.\n"
    "\n"
    "  --listen ADDR:PORT  where to listen ([serve] listen;\n"
    "                      [::1]:8025 for IPv6)\n";

static int
cmd_serve(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {
      {"listen", required_argument, NULL, 'l'}, {NULL, 0, NULL, 0}};
  const char *listen = ctx->conf.serve.listen;
  struct store *st = NULL;
  struct cmd_mail m;
  struct env env;
  struct web *w = NULL;
  char err[SM_ERRLEN];
  sigset_t stop;
  int c, sig = 0, mail_open = 0;
  enum sm_status rc;

  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c != 'l')
      return cmd_usage_error(ctx, "unknown option");
    listen = optarg;
  }
  if (optind < argc)
    return cmd_usage_error(ctx, "unexpected argument: %s", argv[optind]);
  /* Blocked before the server's thread starts, which inherits the mask:
   * the signals then wait for sigwait here instead of interrupting a
   * request halfway through its transaction. */
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, NULL);
  rc = cmd_store_open(ctx, 0, &st);
  if (rc == SM_OK) {
    rc = cmd_mail_open(ctx, &m);
    mail_open = rc == SM_OK;
  }
  if (rc != SM_OK)
    goto out;
  cmd_env(ctx, st, &m, &env);
  rc = web_start(&env, listen, &w, err, sizeof(err));
  if (rc != SM_OK) {
    log_error("%s", err);
    goto out;
  }
  log_info("listening on %s", listen);
  sigwait(&stop, &sig);
  log_info("stopping (%s)", strsignal(sig));
  web_stop(w);
out:
  if (mail_open)
    cmd_mail_close(&m);
  store_close(st);
  return sm_exit_code(rc);
}

const struct cmd_def cmd_serve_def = {
    "serve", cmd_serve,
    "answer unsubscribe, confirmation and keyword links over HTTP", usage, 0};
