/* smtp-send: a driver of the smtp module for the tests and the benchmark.
 *
 *   smtp-send [options] HOST PORT [RCPT=]FILE...
 *
 * Sends each FILE (a whole message, CRLF line ends) as message N (N from
 * 1, in argument order) from "bounce+N@lists.example.org" to RCPT, or to
 * "rcpt+N@example.com", in sessions of at most -n messages, and prints one
 * line per message as the module reports it (on_result):
 *
 *   N OUTCOME CODE ENHANCED STAGE REPLY
 *   3 deferred 421 4.3.0 mail Error: ...
 *
 * (ENHANCED is "-" when there is none.) Each session's problem goes to
 * stderr as "smtp-send: session K: ERROR", and its TLS and AUTH state as
 * "smtp-send: session K: tls=verified auth=PLAIN".
 *
 * Options: -t no|if-offered|required (default no), -C CAFILE, -u USER,
 * -p PASSWORD-FILE, -H EHLO-NAME, -n MAX-PER-SESSION (100), -T MS (the
 * greeting, command and data timeouts), -c MS (connect timeout), -N (no
 * TCP_NODELAY), -v (the protocol, less AUTH's secrets, on stderr), -r COUNT
 * (benchmark: COUNT messages cycling through the files, no per-message lines,
 * one summary line "sent=.. deferred=.. failed=.. invalid=.. seconds=..
 * rate=.." instead).
 *
 * A message reported other than exactly once, or reported with another
 * outcome than its final one, is an error on stderr.
 *
 * Exit status: 0 when every session ended normally and every message was
 * reported once, 1 otherwise, 2 for usage errors. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "smtp.h"
#include "util.h"

static const char *
stage_name(enum smtp_stage s)
{
  switch (s) {
  case SMTP_STAGE_NONE:
    return "none";
  case SMTP_STAGE_CONNECT:
    return "connect";
  case SMTP_STAGE_MAIL:
    return "mail";
  case SMTP_STAGE_RCPT:
    return "rcpt";
  case SMTP_STAGE_DATA:
    return "data";
  case SMTP_STAGE_DOT:
    return "dot";
  }
  return "?";
}

static const char *
tls_name(enum smtp_tls t)
{
  return t == SMTP_TLS_VERIFIED     ? "verified"
         : t == SMTP_TLS_UNVERIFIED ? "unverified"
                                    : "none";
}

static void
usage(void)
{
  fprintf(stderr, "usage: smtp-send [-t no|if-offered|required] [-C CA] "
                  "[-u USER -p PWFILE] [-H HELO] [-n MAX] [-T MS] [-c MS] "
                  "[-N] [-r COUNT] HOST PORT [RCPT=]FILE...\n");
  exit(2);
}

static long
number(const char *s)
{
  char *end;
  long v = strtol(s, &end, 10);

  if (*end || end == s || v < 0)
    usage();
  return v;
}

/* What on_result saw, to check that each message is reported once and
 * that the report is the final outcome. */
struct seen {
  int count;
  enum smtp_outcome outcome;
  int code;
};

struct report_ctx {
  struct seen *seen; /* indexed like the batch */
  size_t first;      /* the batch's first message number, less one */
  int quiet;
};

/* The batch's on_result: prints the message's line as soon as the module
 * reports it. */
static void
report(void *arg, size_t i, const struct smtp_msg *m)
{
  struct report_ctx *rc = arg;
  struct seen *s = &rc->seen[i];

  s->count++;
  s->outcome = m->outcome;
  s->code = m->code;
  if (rc->quiet)
    return;
  printf("%zu %s %d %s %s %s\n", rc->first + i + 1,
         smtp_outcome_name(m->outcome), m->code,
         m->enhanced[0] ? m->enhanced : "-", stage_name(m->stage), m->reply);
  fflush(stdout);
}

struct input {
  struct buf data;
  char *rcpt; /* NULL: the default */
};

int
main(int argc, char **argv)
{
  struct smtp_config cfg;
  struct smtp_client *client = NULL;
  struct input *in = NULL;
  struct smtp_msg *msgs = NULL;
  char(*addrs)[2][SMTP_ADDR_MAX + 1] = NULL;
  struct seen *seen = NULL;
  struct buf pw = BUF_INIT(4096);
  char err[SM_ERRLEN];
  size_t nin, total, i, sent = 0, deferred = 0, failed = 0, invalid = 0;
  size_t session = 0;
  long bench = 0, t;
  int opt, rc = 0;
  struct timespec t0, t1;

  smtp_config_defaults(&cfg);
  cfg.starttls = CONF_TLS_NO;
  cfg.helo = "client.example.org";
  log_init("smtp-send");
  while ((opt = getopt(argc, argv, "t:C:u:p:H:n:T:c:Nr:v")) != -1) {
    switch (opt) {
    case 'v':
      log_set_level(LOG_LEVEL_DEBUG);
      break;
    case 't':
      if (strcmp(optarg, "no") == 0)
        cfg.starttls = CONF_TLS_NO;
      else if (strcmp(optarg, "if-offered") == 0)
        cfg.starttls = CONF_TLS_IF_OFFERED;
      else if (strcmp(optarg, "required") == 0)
        cfg.starttls = CONF_TLS_REQUIRED;
      else
        usage();
      break;
    case 'C':
      cfg.ca_file = optarg;
      break;
    case 'u':
      cfg.user = optarg;
      break;
    case 'p':
      if (util_read_file(optarg, &pw) != SM_OK) {
        fprintf(stderr, "smtp-send: cannot read %s\n", optarg);
        return 2;
      }
      while (pw.len &&
             (pw.data[pw.len - 1] == '\n' || pw.data[pw.len - 1] == '\r'))
        pw.data[--pw.len] = '\0';
      cfg.password = buf_str(&pw);
      break;
    case 'H':
      cfg.helo = optarg;
      break;
    case 'n':
      cfg.max_messages = (size_t)number(optarg);
      break;
    case 'T':
      t = number(optarg);
      cfg.greeting_timeout_ms = cfg.command_timeout_ms = cfg.data_timeout_ms =
          t;
      break;
    case 'c':
      cfg.connect_timeout_ms = number(optarg);
      break;
    case 'N':
      cfg.tcp_nodelay = 0;
      break;
    case 'r':
      bench = number(optarg);
      break;
    default:
      usage();
    }
  }
  if (argc - optind < 3)
    usage();
  cfg.host = argv[optind];
  cfg.port = number(argv[optind + 1]);
  nin = (size_t)(argc - optind - 2);
  in = calloc(nin, sizeof *in);
  if (!in)
    return 2;
  for (i = 0; i < nin; i++) {
    char *arg = argv[optind + 2 + i];
    char *eq = strchr(arg, '=');

    if (eq && memchr(arg, '@', (size_t)(eq - arg))) {
      *eq = '\0';
      in[i].rcpt = arg;
      arg = eq + 1;
    }
    buf_init(&in[i].data, SMTP_MESSAGE_MAX);
    if (util_read_file(arg, &in[i].data) != SM_OK) {
      fprintf(stderr, "smtp-send: cannot read %s\n", arg);
      return 2;
    }
  }
  total = bench > 0 ? (size_t)bench : nin;
  msgs = calloc(total, sizeof *msgs);
  addrs = calloc(total, sizeof *addrs);
  seen = calloc(cfg.max_messages ? cfg.max_messages : 1, sizeof *seen);
  if (!msgs || !addrs || !seen)
    return 2;
  for (i = 0; i < total; i++) {
    struct input *src = &in[i % nin];

    snprintf(addrs[i][0], sizeof addrs[i][0], "bounce+%zu@lists.example.org",
             i + 1);
    if (src->rcpt)
      snprintf(addrs[i][1], sizeof addrs[i][1], "%s", src->rcpt);
    else
      snprintf(addrs[i][1], sizeof addrs[i][1], "rcpt+%zu@example.com", i + 1);
    msgs[i].sender = addrs[i][0];
    msgs[i].recipient = addrs[i][1];
    msgs[i].data = src->data.data;
    msgs[i].len = src->data.len;
  }

  if (smtp_client_new(&client, &cfg, err, sizeof err) != SM_OK) {
    fprintf(stderr, "smtp-send: %s\n", err);
    return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (i = 0; i < total; i += cfg.max_messages) {
    struct smtp_batch b;
    struct report_ctx rctx;
    enum sm_status st;
    size_t k;

    memset(&b, 0, sizeof b);
    b.msgs = msgs + i;
    b.n = total - i < cfg.max_messages ? total - i : cfg.max_messages;
    memset(seen, 0, b.n * sizeof *seen);
    rctx.seen = seen;
    rctx.first = i;
    rctx.quiet = bench > 0;
    b.on_result = report;
    b.ctx = &rctx;
    session++;
    st = smtp_client_send(client, &b, err, sizeof err);
    if (st != SM_OK) {
      rc = 1;
      fprintf(stderr, "smtp-send: session %zu: %s\n", session, err);
    }
    fprintf(stderr, "smtp-send: session %zu: tls=%s auth=%s\n", session,
            tls_name(b.tls), b.authenticated ? b.mechanism : "none");
    sent += b.nsent;
    deferred += b.ndeferred;
    failed += b.nfailed;
    invalid += b.ninvalid;
    for (k = 0; k < b.n; k++) {
      struct smtp_msg *m = &b.msgs[k];

      if (seen[k].count != 1 || seen[k].outcome != m->outcome ||
          seen[k].code != m->code) {
        fprintf(stderr,
                "smtp-send: message %zu: reported %d times, last as %s %d; "
                "final outcome %s %d\n",
                i + k + 1, seen[k].count, smtp_outcome_name(seen[k].outcome),
                seen[k].code, smtp_outcome_name(m->outcome), m->code);
        rc = 1;
      }
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (bench) {
    double secs =
        (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

    printf("sent=%zu deferred=%zu failed=%zu invalid=%zu seconds=%.3f "
           "rate=%.1f\n",
           sent, deferred, failed, invalid, secs,
           secs > 0 ? (double)sent / secs : 0.0);
  }
  smtp_client_free(client);
  for (i = 0; i < nin; i++)
    buf_free(&in[i].data);
  free(in);
  free(msgs);
  free(addrs);
  free(seen);
  buf_free(&pw);
  return rc;
}
