/* cmd_send.c: `shortmail send`: deliver what the outbox holds. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd.h"
#include "deliver.h"
#include "log.h"
#include "store.h"
#include "util.h"

static const char usage[] =
    "usage: shortmail send [--max N] [--rate R] [--connections C]\n"
    "\n"
    "Deliver the outbox (digests, replies, confirmations) through the relay\n"
    "of [smtp], batches of [send] batch messages per session. 2xx: sent;\n"
    "4xx or no answer: retried with backoff until [send] max_age; 5xx:\n"
    "failed. Killed at any point, a later run resends at most the message\n"
    "that was in flight and loses nothing; several senders at once never\n"
    "send the same message. A reader who unsubscribed since a digest was\n"
    "queued does not get it.\n"
    "\n"
    "  --max N          stop after N attempts\n"
    "  --rate R         at most R messages a second ([send] rate)\n"
    "  --connections C  C sessions at once, one process each\n"
    "                   ([send] connections)\n";

/* Reads the AUTH password from [smtp] password_file: never argv. */
static enum sm_status
read_password(const struct conf *c, char **out)
{
  struct buf b = BUF_INIT(4096);
  enum sm_status rc;

  *out = NULL;
  if (!c->smtp.user)
    return SM_OK;
  if (!c->smtp.password_file) {
    log_error("[smtp] user is set but password_file is not");
    return SM_ERR_CONFIG;
  }
  rc = util_read_file(c->smtp.password_file, &b);
  if (rc != SM_OK) {
    log_error("%s: cannot read the SMTP password ([smtp] password_file): %s",
              c->smtp.password_file,
              rc == SM_ERR_LIMIT   ? "the file is too large for a password"
              : rc == SM_ERR_NOMEM ? "out of memory"
                                   : strerror(errno));
    buf_free(&b);
    return SM_ERR_CONFIG;
  }
  while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
    b.data[--b.len] = '\0';
  *out = buf_detach(&b);
  return SM_OK;
}

/* One sender: its own store handle and SMTP client. */
static enum sm_status
send_one(struct cmd_ctx *ctx, const struct deliver_opts *o,
         struct deliver_stats *stats)
{
  struct cmd_mail mail;
  struct store *st = NULL;
  struct smtp_client *smtp = NULL;
  struct smtp_config sc;
  struct env env;
  char err[SM_ERRLEN], *password = NULL;
  enum sm_status rc;

  memset(stats, 0, sizeof(*stats));
  /* glibc gave freed heap back to the system after statements and
   * faulted it in again on the next. The big churn (SQLite's temporary
   * b-trees for the outbox's IN lists, 16 page faults a message) went
   * with migration 0010; since then keeping 64 MB measured 1-3% more
   * msg/s (bench/send 1000 3), within the noise, so it stays only as a
   * cheap guard. */
  mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
  rc = cmd_mail_open_signing(ctx, &mail);
  if (rc != SM_OK)
    return rc;
  rc = read_password(&ctx->conf, &password);
  if (rc != SM_OK)
    goto out;
  smtp_config_from_conf(&sc, &ctx->conf, password);
  sc.max_messages = (size_t)ctx->conf.send.batch;
  rc = smtp_client_new(&smtp, &sc, err, sizeof(err));
  if (rc != SM_OK) {
    log_error("%s", err);
    goto out;
  }
  rc = cmd_store_open(ctx, STORE_SYNC_NORMAL, &st);
  if (rc != SM_OK)
    goto out;
  cmd_env(ctx, st, &mail, &env);
  rc = deliver_run(st, &env, smtp, o, stats);
out:
  store_close(st);
  smtp_client_free(smtp);
  cmd_mail_close(&mail);
  if (password) {
    memset(password, 0, strlen(password));
    free(password);
  }
  return rc;
}

int
cmd_send_run(struct cmd_ctx *ctx, struct deliver_opts *o, long conns)
{
  struct deliver_stats total;
  enum sm_status rc = SM_OK;
  int paused = 0, start_failed = 0;

  memset(&total, 0, sizeof(total));
  /* One line per message goes to the log file or syslog; the terminal
   * gets the progress line, warnings and the summary (-v shows all). */
  if (!ctx->verbose)
    log_set_stderr(0);
  if (conns <= 1) {
    o->progress = cmd_interactive();
    rc = send_one(ctx, o, &total);
    paused = total.paused;
  } else {
    /* Parallel sessions are processes: the store's claims keep them
     * apart, and libesmtp's signal-driven timeouts stay per process. */
    int fds[64][2];
    pid_t pids[64];
    long started = 0;
    if (o->max)
      o->max = (o->max + (size_t)conns - 1) / (size_t)conns;
    for (long i = 0; i < conns; i++) {
      if (pipe(fds[i]) < 0) {
        start_failed = errno;
        break;
      }
      if ((pids[i] = fork()) < 0) {
        start_failed = errno;
        close(fds[i][0]);
        close(fds[i][1]);
        break;
      }
      if (pids[i] == 0) {
        struct deliver_stats s;
        enum sm_status r;
        close(fds[i][0]);
        r = send_one(ctx, o, &s);
        s.paused |= r != SM_OK;
        if (write(fds[i][1], &s, sizeof(s)) != (ssize_t)sizeof(s))
          _exit(EX_OSERR);
        _exit(r == SM_OK ? 0 : sm_exit_code(r));
      }
      close(fds[i][1]);
      started++;
    }
    /* The senders already started are at work: they finish their share
     * and are reaped below, rather than left behind unwaited. */
    if (start_failed) {
      log_error("cannot start sender %ld of %ld: %s; waiting for the %ld "
                "started",
                started + 1, conns, strerror(start_failed), started);
      rc = SM_ERR_TEMP;
    }
    for (long i = 0; i < started; i++) {
      struct deliver_stats s;
      int status = 0;
      if (read(fds[i][0], &s, sizeof(s)) == (ssize_t)sizeof(s)) {
        total.sent += s.sent;
        total.deferred += s.deferred;
        total.failed += s.failed;
        total.skipped += s.skipped;
        total.rendered += s.rendered;
        if (s.seconds > total.seconds)
          total.seconds = s.seconds;
        paused |= s.paused;
      }
      close(fds[i][0]);
      waitpid(pids[i], &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        rc = SM_ERR_TEMP;
    }
  }
  printf("send: %zu sent, %zu deferred, %zu failed, %zu not sent "
         "(reader left) in %.1f s (%.0f/s), %zu summaries rendered%s\n",
         total.sent, total.deferred, total.failed, total.skipped,
         total.seconds,
         total.seconds > 0
             ? (double)(total.sent + total.deferred + total.failed) /
                   total.seconds
             : 0.0,
         total.rendered, paused ? "; stopped early, see the log" : "");
  /* Mail was due and the relay took none of it (down, unreachable,
   * answering 4xx to all): cron and monitoring must see a failure to
   * retry, not a clean exit over "0 sent". */
  if (rc == SM_OK && !start_failed && total.sent == 0 && total.failed == 0 &&
      total.deferred > 0) {
    log_error("the relay %s:%ld took none of the %zu due messages; they "
              "wait for the next run (`shortmail queue` shows why)",
              ctx->conf.smtp.host, ctx->conf.smtp.port, total.deferred);
    rc = SM_ERR_TEMP;
  }
  return start_failed ? EX_OSERR : sm_exit_code(rc);
}

static int
cmd_send(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {
      {"max", required_argument, NULL, 'm'},
      {"rate", required_argument, NULL, 'r'},
      {"connections", required_argument, NULL, 'c'},
      {NULL, 0, NULL, 0}};
  struct deliver_opts o;
  long conns = ctx->conf.send.connections;
  int c;

  memset(&o, 0, sizeof(o));
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    char *end;
    long v = strtol(optarg ? optarg : "", &end, 10);
    if (c != '?' && (*end || v <= 0))
      return cmd_usage_error(ctx, "--%s: \"%s\" is not a positive number",
                             c == 'm'   ? "max"
                             : c == 'r' ? "rate"
                                        : "connections",
                             optarg);
    switch (c) {
    case 'm':
      o.max = (size_t)v;
      break;
    case 'r':
      o.rate = v;
      break;
    case 'c':
      conns = v;
      break;
    default:
      return cmd_usage_error(ctx, "unknown option");
    }
  }
  if (optind < argc)
    return cmd_usage_error(ctx, "unexpected argument \"%s\"", argv[optind]);
  if (conns > 64)
    return cmd_usage_error(ctx, "--connections: at most 64");
  return cmd_send_run(ctx, &o, conns);
}

const struct cmd_def cmd_send_def = {
    "send", cmd_send, "deliver the outbox through SMTP", usage, 0};
