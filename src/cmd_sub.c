/* cmd_sub.c: `shortmail sub`: the operators' view of the readers: add,
 * del, list, show, export and import. The rules of subscribing live in
 * sub.c, shared with `receive`; this file parses, checks and prints. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "address.h"
#include "cmd.h"
#include "import.h"
#include "csv.h"
#include "json.h"
#include "log.h"
#include "store.h"
#include "sub.h"
#include "tmpl.h"
#include "token.h"
#include "util.h"

/* RFC 5321: a path is at most 256 octets, angle brackets included. */
/* One CSV line of export: 50 keywords of 100 characters, quoted. */
#define SUB_EXPORT_LINE_MAX (256 * 1024)

static const char usage[] =
    "usage: shortmail sub add [--confirmed] ADDRESS [KEYWORD...]\n"
    "       shortmail sub del ADDRESS\n"
    "       shortmail sub list [--json] [--status S] [--keyword K]\n"
    "       shortmail sub show ADDRESS [--json]\n"
    "       shortmail sub export\n"
    "       shortmail sub import [--confirmed] [--send-confirmations] "
    "FILE\n"
    "       shortmail sub forget ADDRESS\n"
    "\n"
    "Manage the list's readers.\n"
    "\n"
    "add      Make ADDRESS a reader of KEYWORDs (the keyword language of\n"
    "         shortmail(1): cs.LG, '\"batch normalization\"', author:hinton;\n"
    "         options go before ADDRESS, so -gan is a keyword). As if\n"
    "         the reader had mailed \"subscribe\": a new reader is pending\n"
    "         and is sent one request to confirm (at most one a day); a\n"
    "         known reader gets the keywords added. A bad keyword changes\n"
    "         nothing and exits 65.\n"
    "  --confirmed           you vouch for the address: confirmed at\n"
    "                        once, and no mail is sent\n"
    "del      Remove ADDRESS with their keywords and tokens (exit 66 if\n"
    "         there is no such reader).\n"
    "list     Every reader: status, frequency, paused, number of\n"
    "         keywords, date subscribed.\n"
    "  --status S            only readers in state S (pending, confirmed,\n"
    "                        unsubscribed, disabled)\n"
    "  --keyword K           only readers who follow keyword K (any case)\n"
    "show     One reader: everything, keywords in the order added.\n"
    "  --json                one JSON value (list: an array), for scripts\n"
    "export   Every reader as CSV on standard output, with the header\n"
    "         address,status,frequency,paused,keywords,created_at,"
    "confirmed_at\n"
    "         (keywords separated by spaces in one field).\n"
    "import   Readers from FILE (\"-\": standard input), CSV with a header\n"
    "         line naming its columns, those of export in any order; only\n"
    "         address is required. All or nothing: a bad line is reported\n"
    "         as FILE:LINE and nothing is imported. Readers already known\n"
    "         get the keywords added and keep their status.\n"
    "  --confirmed           take the status column as it is (confirmed\n"
    "                        when there is none) and keep confirmed_at;\n"
    "                        only for readers who confirmed elsewhere.\n"
    "                        Without it, \"confirmed\" and \"pending\" rows\n"
    "                        become pending, \"unsubscribed\" and\n"
    "                        \"disabled\" ones stay so: a file cannot make\n"
    "                        anyone a reader who did not ask\n"
    "  --send-confirmations  queue a request to confirm to each pending\n"
    "                        reader imported. Without it no mail at all is\n"
    "                        queued, so that a bulk import does not mail\n"
    "                        thousands at once; pending readers confirm\n"
    "                        when they subscribe by mail or `sub add`\n"
    "forget   Erase ADDRESS: the reader, their keywords, tokens, bounces,\n"
    "         the mail sent or queued to them and the mail received that\n"
    "         names them, with the freed space zeroed. Only a hash of the\n"
    "         address is kept, so that add and import skip it; the\n"
    "         reader's own \"subscribe\" by mail still works.\n"
    "\n"
    "Addresses have one @, no spaces, control characters or angle\n"
    "brackets, and a domain with a dot; the domain is stored in lower\n"
    "case. Limits: 50 keywords a reader; a CSV record of at most 10000\n"
    "characters. A file of any size is read in bounded memory.\n";

/* ---- checking what operators type ------------------------------------ */

/* t in RFC 3339 into out, or NULL for 0 (never). */
static const char *
time_or_null(int64_t t, char *out, size_t outlen)
{
  if (!t)
    return NULL;
  util_format_time(t, out, outlen);
  return out;
}

/* The secret and templates (cmd_mail_open) for the parts of sub.c that
 * mail: only add and import --send-confirmations need them, so list and
 * export work without. A missing or bad secret is a setup problem: 78. */
static enum sm_status
mailer_open(struct cmd_ctx *ctx, struct cmd_mail *m)
{
  enum sm_status rc = cmd_mail_open(ctx, m);

  if (rc != SM_OK && rc != SM_ERR_NOMEM)
    rc = SM_ERR_CONFIG;
  return rc;
}

/* Opens what a writing action needs (the mailer only when it may mail),
 * fills env and starts the transaction. Opening failures are logged
 * (*logged = 1); a failure to begin is left for finish() to report. */
static enum sm_status
begin_write(struct cmd_ctx *ctx, int mail, struct cmd_mail *m,
            struct store **st, struct env *env, int *in_tx, int *logged)
{
  enum sm_status rc;

  *logged = 1;
  if (mail && (rc = mailer_open(ctx, m)) != SM_OK)
    return rc;
  rc = cmd_store_open(ctx, 0, st);
  if (rc != SM_OK)
    return rc;
  *logged = 0;
  cmd_env(ctx, *st, m, env);
  rc = store_begin(*st);
  if (rc == SM_OK)
    *in_tx = 1;
  return rc;
}

/* Ends a command: rolls back an open transaction and, unless a message
 * was logged already, says what failed (the store names its file).
 * Returns the exit code for rc. */
static int
finish(struct store *st, enum sm_status rc, int in_tx, int logged)
{
  if (in_tx)
    store_rollback(st);
  if (rc != SM_OK && !logged) {
    if (st && *store_errmsg(st))
      log_error("%s", store_errmsg(st));
    else
      log_error("%s", sm_strerror(rc));
  }
  return sm_exit_code(rc);
}

/* ---- add ------------------------------------------------------------- */

static int
sub_add_cmd(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{"confirmed", no_argument, NULL, 'C'},
                                       {NULL, 0, NULL, 0}};
  struct cmd_mail m = {{NULL, 0}, NULL, NULL, NULL};
  struct sub_added done;
  struct env env;
  struct store *st = NULL;
  char addr[ADDRESS_MAX + 1], err[SM_ERRLEN];
  char **kw = NULL;
  size_t nkw = 0;
  enum sm_status rc;
  int c, confirmed = 0, in_tx = 0, logged = 0, code;

  memset(&done, 0, sizeof(done));
  /* '+': stop at ADDRESS, so that a negated keyword (-gan) is no option. */
  while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
    if (c != 'C')
      return cmd_usage_error(ctx, "add: unknown option");
    confirmed = 1;
  }
  if (optind >= argc)
    return cmd_usage_error(ctx, "add: which address?");
  /* One of our options after the address is an option in the wrong
   * place, not a bad keyword (--gan stays a bad keyword). */
  for (int i = optind + 1; i < argc; i++)
    if (argv[i][0] == '-' && argv[i][1] == '-' &&
        !strcmp(argv[i] + 2, opts[0].name))
      return cmd_usage_error(ctx,
                             "add: options go before the address (%s after "
                             "%s): shortmail sub add %s %s KEYWORD...",
                             argv[i], argv[optind], argv[i], argv[optind]);
  if (address_normalize_said(argv[optind], addr, sizeof(addr), err,
                             sizeof(err))) {
    log_error("%s", err);
    return EX_DATAERR;
  }
  rc = sub_keywords_parse_args(argv + optind + 1, (size_t)(argc - optind - 1),
                               &kw, &nkw, err, sizeof(err));
  if (rc != SM_OK) {
    if (rc != SM_ERR_NOMEM)
      log_error("%s: %s; nothing changed", addr, err);
    return sm_exit_code(rc);
  }
  rc = begin_write(ctx, !confirmed, &m, &st, &env, &in_tx, &logged);
  if (rc != SM_OK)
    goto out;
  rc = sub_add(&env, addr, confirmed, kw, nkw, &done);
  if (rc == SM_ERR_DATA) {
    log_error("%s: forgotten at the reader's request (sub forget); not "
              "added (they may subscribe again by mail themselves)",
              addr);
    logged = 1;
    goto out;
  }
  if (rc == SM_ERR_LIMIT) {
    log_error("%s: would have more than %d keywords; nothing changed",
              done.address, SUB_MAX_INTERESTS);
    logged = 1;
    goto out;
  }
  if (rc != SM_OK)
    goto out;
  rc = store_commit(st);
  in_tx = 0;
  if (rc != SM_OK)
    goto out;
  if (confirmed)
    printf("%s: %s; no mail sent\n", done.address,
           done.before < 0                  ? "new reader, confirmed"
           : done.before != MODEL_CONFIRMED ? "confirmed now"
                                            : "confirmed already");
  else if (done.before == MODEL_CONFIRMED)
    printf("%s: confirmed already; no mail sent\n", done.address);
  else
    printf("%s: %s; %s\n", done.address,
           done.before < 0                ? "new reader, pending"
           : done.before == MODEL_PENDING ? "pending"
                                          : "pending again",
           done.sent ? "a request to confirm was queued"
                     : "no request to confirm queued: one went out in the "
                       "last 24 hours");
  if (done.added.len)
    printf("keywords added: %s\n", buf_str(&done.added));
  if (done.there.len)
    printf("keywords there already: %s\n", buf_str(&done.there));
out:
  code = finish(st, rc, in_tx, logged);
  store_close(st);
  cmd_mail_close(&m);
  sub_keywords_free(kw, nkw);
  sub_added_free(&done);
  return code;
}

/* ---- del ------------------------------------------------------------- */

static int
sub_del(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{NULL, 0, NULL, 0}};
  struct store_subscriber s;
  struct env env;
  struct store *st = NULL;
  size_t nkw = 0;
  enum sm_status rc;
  int code, in_tx = 0, logged = 0;

  memset(&s, 0, sizeof(s));
  if (getopt_long(argc, argv, "", opts, NULL) != -1)
    return cmd_usage_error(ctx, "del: unknown option");
  if (optind >= argc)
    return cmd_usage_error(ctx, "del: which address?");
  if (optind + 1 < argc)
    return cmd_usage_error(ctx, "del: one address at a time");
  rc = cmd_store_open(ctx, 0, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  rc = store_begin(st);
  if (rc != SM_OK)
    goto out;
  in_tx = 1;
  cmd_env(ctx, st, NULL, &env);
  rc = sub_remove(&env, argv[optind], &s, &nkw);
  if (rc == SM_ERR_NOTFOUND) {
    log_error("no reader %s", argv[optind]);
    logged = 1;
    goto out;
  }
  if (rc != SM_OK)
    goto out;
  rc = store_commit(st);
  in_tx = 0;
  if (rc != SM_OK)
    goto out;
  printf("%s: removed (was %s, %zu keyword%s)\n", s.address,
         model_status_name(s.status), nkw, nkw == 1 ? "" : "s");
out:
  code = finish(st, rc, in_tx, logged);
  store_close(st);
  store_subscriber_free(&s);
  return code;
}

/* ---- list and show ----------------------------------------------------- */

static void
reader_json(struct json *j, const struct store_subscriber *s, char *const *kw,
            size_t nkw)
{
  char t[32];

  json_begin_object(j);
  json_key(j, "id");
  json_int(j, s->id);
  json_key(j, "address");
  json_string(j, s->address);
  json_key(j, "status");
  json_string(j, model_status_name(s->status));
  json_key(j, "frequency");
  json_string(j, model_frequency_name(s->frequency));
  json_key(j, "paused");
  json_bool(j, s->paused);
  json_key(j, "keywords");
  json_begin_array(j);
  for (size_t i = 0; i < nkw; i++)
    json_string(j, kw[i]);
  json_end_array(j);
  json_key(j, "created_at");
  json_string(j, time_or_null(s->created_at, t, sizeof(t)));
  json_key(j, "confirmed_at");
  json_string(j, time_or_null(s->confirmed_at, t, sizeof(t)));
  json_key(j, "changed_at");
  json_string(j, time_or_null(s->changed_at, t, sizeof(t)));
  json_key(j, "last_digest_at");
  json_string(j, time_or_null(s->last_digest_at, t, sizeof(t)));
  json_end_object(j);
}

struct list_ctx {
  struct cmd_list list;
  long by_status[MODEL_NSTATUS];
};

static int
list_row(void *vctx, const struct store_subscriber *s, char *const *kw,
         size_t nkw)
{
  struct list_ctx *c = vctx;
  struct json *j = cmd_list_row(&c->list);
  char created[32];

  c->by_status[s->status]++;
  if (j) {
    reader_json(j, s, kw, nkw);
    return 0;
  }
  if (c->list.n == 1)
    printf("%-36s  %-12s  %-6s  %-6s  %8s  %s\n", "ADDRESS", "STATUS", "FREQ",
           "PAUSED", "KEYWORDS", "CREATED");
  util_format_time(s->created_at, created, sizeof(created));
  created[10] = '\0';
  /* A long address pushes the columns right rather than being cut:
   * operators copy addresses from here. */
  printf("%-36s  %-12s  %-6s  %-6s  %8zu  %s\n", s->address,
         model_status_name(s->status), model_frequency_name(s->frequency),
         s->paused ? "yes" : "no", nkw, created);
  return 0;
}

static int
sub_list(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {
      {"json", no_argument, NULL, 'j'},
      {"status", required_argument, NULL, 's'},
      {"keyword", required_argument, NULL, 'k'},
      {NULL, 0, NULL, 0}};
  struct list_ctx lc;
  struct store *st = NULL;
  const char *status = NULL, *keyword = NULL;
  enum model_status want;
  enum sm_status rc;
  int c, code;

  memset(&lc, 0, sizeof(lc));
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'j':
      lc.list.json = 1;
      break;
    case 's':
      if ((want = (enum model_status)model_status_parse(optarg)) ==
          (enum model_status) - 1)
        return cmd_usage_error(ctx,
                               "list: --status \"%s\" is not one of "
                               "pending, confirmed, unsubscribed, disabled",
                               optarg);
      status = model_status_name(want);
      break;
    case 'k':
      keyword = optarg;
      break;
    default:
      return cmd_usage_error(ctx, "list: unknown option");
    }
  }
  if (optind < argc)
    return cmd_usage_error(ctx, "list: unexpected argument \"%s\"",
                           argv[optind]);
  rc = cmd_store_open(ctx, 0, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  cmd_list_begin(&lc.list);
  rc = store_sub_list_keywords(st, status, keyword, list_row, &lc);
  if (cmd_list_end(&lc.list)) {
    if (rc == SM_OK)
      printf("no readers yet\n");
  } else if (rc == SM_OK && !lc.list.json) {
    printf("%zu reader%s:", lc.list.n, lc.list.n == 1 ? "" : "s");
    for (size_t i = 0, first = 1; i < MODEL_NSTATUS; i++)
      if (lc.by_status[i]) {
        printf("%s %ld %s", first ? "" : ",", lc.by_status[i],
               model_status_name((enum model_status)i));
        first = 0;
      }
    putchar('\n');
  }
  code = finish(st, rc, 0, 0);
  store_close(st);
  return code;
}

static int
sub_show(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  struct store_subscriber s;
  struct store *st = NULL;
  char **kw = NULL, t[32];
  size_t nkw = 0;
  enum sm_status rc;
  int c, json = 0, logged = 0, code;

  memset(&s, 0, sizeof(s));
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c != 'j')
      return cmd_usage_error(ctx, "show: unknown option");
    json = 1;
  }
  if (optind >= argc)
    return cmd_usage_error(ctx, "show: which address?");
  if (optind + 1 < argc)
    return cmd_usage_error(ctx, "show: one address at a time");
  rc = cmd_store_open(ctx, 0, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  rc = store_sub_get(st, argv[optind], &s);
  if (rc == SM_ERR_NOTFOUND) {
    log_error("no reader %s", argv[optind]);
    logged = 1;
  }
  if (rc == SM_OK)
    rc = store_interests(st, s.id, &kw, &nkw);
  if (rc != SM_OK)
    goto out;
  if (json) {
    struct json j;
    json_init(&j, stdout);
    reader_json(&j, &s, kw, nkw);
    json_finish(&j);
    goto out;
  }
  printf("address:      %s\n", s.address);
  printf("status:       %s\n", model_status_name(s.status));
  printf("frequency:    %s\n", model_frequency_name(s.frequency));
  printf("paused:       %s\n", s.paused ? "yes" : "no");
  /* Written as a reader would type them, so they can be pasted back. */
  printf("keywords:     ");
  for (size_t i = 0; i < nkw; i++)
    printf("%s%s", i ? " " : "", kw[i]);
  printf("%s\n", nkw ? "" : "(none)");
  printf("created:      %s\n",
         time_or_null(s.created_at, t, sizeof(t)) ? t : "-");
  printf("confirmed:    %s\n",
         time_or_null(s.confirmed_at, t, sizeof(t)) ? t : "never");
  printf("changed:      %s\n",
         time_or_null(s.changed_at, t, sizeof(t)) ? t : "-");
  printf("last digest:  %s\n",
         time_or_null(s.last_digest_at, t, sizeof(t)) ? t : "never");
out:
  code = finish(st, rc, 0, logged);
  store_close(st);
  store_subscriber_free(&s);
  sub_keywords_free(kw, nkw);
  return code;
}

/* ---- export ------------------------------------------------------------ */

struct export_ctx {
  struct buf line;
  enum sm_status rc;
  long count;
};

static int
cmp_str(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
export_row(void *vctx, const struct store_subscriber *s, char *const *kw,
           size_t nkw)
{
  struct export_ctx *c = vctx;
  struct buf kwb = BUF_INIT(SUB_EXPORT_LINE_MAX);
  const char *f[IMPORT_NCOLUMNS];
  const char **sorted = NULL;
  char created[32], confirmed[32];

  /* Sorted, not in the order added: an import adds them all at once, so
   * only a sorted list reads back the same. */
  if (nkw && !(sorted = malloc(nkw * sizeof(*sorted)))) {
    c->rc = SM_ERR_NOMEM;
    return 1;
  }
  for (size_t i = 0; i < nkw; i++)
    sorted[i] = kw[i];
  if (nkw)
    qsort(sorted, nkw, sizeof(*sorted), cmp_str);
  for (size_t i = 0; i < nkw && c->rc == SM_OK; i++)
    c->rc = buf_printf(&kwb, "%s%s", i ? " " : "", sorted[i]);
  free(sorted);
  f[IMPORT_ADDRESS] = s->address;
  f[IMPORT_STATUS] = model_status_name(s->status);
  f[IMPORT_FREQUENCY] = model_frequency_name(s->frequency);
  f[IMPORT_PAUSED] = s->paused ? "yes" : "no";
  f[IMPORT_KEYWORDS] = buf_str(&kwb);
  f[IMPORT_CREATED] = time_or_null(s->created_at, created, sizeof(created));
  f[IMPORT_CONFIRMED] =
      time_or_null(s->confirmed_at, confirmed, sizeof(confirmed));
  if (!f[IMPORT_CREATED])
    f[IMPORT_CREATED] = "";
  if (!f[IMPORT_CONFIRMED])
    f[IMPORT_CONFIRMED] = "";
  buf_reset(&c->line);
  if (c->rc == SM_OK)
    c->rc = csv_put_record(&c->line, f, IMPORT_NCOLUMNS);
  buf_free(&kwb);
  if (c->rc != SM_OK)
    return 1;
  if (fwrite(c->line.data, 1, c->line.len, stdout) != c->line.len) {
    c->rc = SM_ERR_IO;
    return 1;
  }
  c->count++;
  return 0;
}

static int
sub_export(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{NULL, 0, NULL, 0}};
  struct export_ctx ec = {BUF_INIT(SUB_EXPORT_LINE_MAX), SM_OK, 0};
  struct store *st = NULL;
  enum sm_status rc;
  int code = EX_OK;

  if (getopt_long(argc, argv, "", opts, NULL) != -1)
    return cmd_usage_error(ctx, "export: unknown option");
  if (optind < argc)
    return cmd_usage_error(ctx, "export: unexpected argument \"%s\"",
                           argv[optind]);
  rc = cmd_store_open(ctx, 0, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  rc = csv_put_record(&ec.line, import_columns, IMPORT_NCOLUMNS);
  if (rc == SM_OK &&
      fwrite(ec.line.data, 1, ec.line.len, stdout) != ec.line.len)
    rc = SM_ERR_IO;
  if (rc == SM_OK)
    rc = store_sub_list_keywords(st, NULL, NULL, export_row, &ec);
  if (rc == SM_OK)
    rc = ec.rc;
  if (rc == SM_OK && fflush(stdout) != 0)
    rc = SM_ERR_IO;
  if (rc == SM_ERR_IO) {
    log_error("standard output: cannot write: %s", strerror(errno));
    clearerr(stdout); /* said: main need not say it again */
  } else if (rc == SM_ERR_LIMIT || rc == SM_ERR_NOMEM)
    log_error("%s", sm_strerror(rc));
  else if (rc != SM_OK)
    log_error("%s", store_errmsg(st));
  else
    log_info("exported %ld reader%s", ec.count, ec.count == 1 ? "" : "s");
  if (rc != SM_OK)
    code = sm_exit_code(rc);
  store_close(st);
  buf_free(&ec.line);
  return code;
}

static int
sub_import(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {
      {"confirmed", no_argument, NULL, 'C'},
      {"send-confirmations", no_argument, NULL, 'S'},
      {NULL, 0, NULL, 0}};
  struct import im;
  struct import_counts n;
  struct cmd_mail m = {{NULL, 0}, NULL, NULL, NULL};
  struct env env;
  struct store *st = NULL;
  const char *path;
  char err[SM_ERRLEN] = "";
  enum sm_status rc;
  FILE *fp = NULL;
  size_t total = 0;
  int c, confirmed = 0, send = 0, in_tx = 0, logged = 1, code;

  memset(&im, 0, sizeof(im));
  memset(&n, 0, sizeof(n));
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'C')
      confirmed = 1;
    else if (c == 'S')
      send = 1;
    else
      return cmd_usage_error(ctx, "import: unknown option");
  }
  if (optind >= argc)
    return cmd_usage_error(ctx, "import: which file? (\"-\" for standard "
                                "input)");
  if (optind + 1 < argc)
    return cmd_usage_error(ctx, "import: one file at a time");
  path = argv[optind];
  im.name = strcmp(path, "-") ? path : "stdin";
  fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
  /* Until the store is open, every failure is logged where it happens. */
  if (!fp) {
    rc = errno == ENOENT ? SM_ERR_NOINPUT : SM_ERR_IO;
    if (rc == SM_ERR_NOINPUT)
      log_error("%s: no such file", im.name);
    else
      log_error("%s: cannot open: %s", im.name, strerror(errno));
    goto out;
  }
  /* A file (not a pipe) is counted first, for the progress line's
   * total: one more read, in the same bounded memory. */
  if (fp != stdin && cmd_interactive())
    total = import_count(fp);
  rc = begin_write(ctx, send, &m, &st, &env, &in_tx, &logged);
  if (rc != SM_OK)
    goto out;
  rc = import_run(&env, &im, fp, confirmed, send, total, cmd_interactive(), &n,
                  err, sizeof(err));
  if (rc == SM_ERR_DATA || rc == SM_ERR_LIMIT || rc == SM_ERR_IO) {
    log_error("%s; nothing imported", *err ? err : sm_strerror(rc));
    logged = 1;
  }
  if (rc != SM_OK)
    goto out;
  rc = store_commit(st);
  in_tx = 0;
  if (rc != SM_OK)
    goto out;
  printf("%s: %ld reader%s imported (%ld new, %ld known", im.name,
         n.created + n.updated, n.created + n.updated == 1 ? "" : "s",
         n.created, n.updated);
  if (n.forgotten)
    printf("; %ld forgotten, skipped", n.forgotten);
  printf("):");
  for (size_t i = 0, first = 1; i < MODEL_NSTATUS; i++)
    if (n.by_status[i]) {
      printf("%s %ld %s", first ? "" : ",", n.by_status[i],
             model_status_name((enum model_status)i));
      first = 0;
    }
  if (send)
    printf("; %ld request%s to confirm queued\n", n.sent,
           n.sent == 1 ? "" : "s");
  else
    printf("; no mail queued%s\n",
           n.by_status[0] ? " (--send-confirmations asks the pending ones "
                            "to confirm)"
                          : "");
out:
  code = finish(st, rc, in_tx, logged);
  store_close(st);
  cmd_mail_close(&m);
  import_free(&im);
  if (fp && fp != stdin)
    fclose(fp);
  return code;
}

/* ---- forget ---------------------------------------------------------- */

static int
sub_forget_cmd(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{NULL, 0, NULL, 0}};
  struct store_forget_counts n;
  struct store *st = NULL;
  enum sm_status rc;
  int code;

  if (getopt_long(argc, argv, "", opts, NULL) != -1)
    return cmd_usage_error(ctx, "forget: unknown option");
  if (optind >= argc)
    return cmd_usage_error(ctx, "forget: which address?");
  if (optind + 1 < argc)
    return cmd_usage_error(ctx, "forget: one address at a time");
  rc = cmd_store_open(ctx, 0, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  /* Taken as given, like del: an address that mail brought in may not
   * pass the checks of add, and must still be erasable. */
  rc = sub_forget(st, argv[optind], util_now(), &n);
  if (rc == SM_OK) {
    printf("%s: forgotten: %s, %ld outgoing message%s, %ld bounce%s, %ld "
           "received message%s erased; only a hash of the address is kept\n",
           argv[optind], n.readers ? "the reader" : "no reader", n.outbox,
           n.outbox == 1 ? "" : "s", n.bounces, n.bounces == 1 ? "" : "s",
           n.received, n.received == 1 ? "" : "s");
    if (!n.checkpointed)
      log_warning("the WAL was not truncated: another process is reading "
                  "the store; old pages stay in the WAL until its next "
                  "checkpoint");
  }
  code = finish(st, rc, 0, 0);
  store_close(st);
  return code;
}

/* ---- dispatch ---------------------------------------------------------- */

static const struct {
  const char *name;
  cmd_fn fn;
} actions[] = {
    {"add", sub_add_cmd},       {"del", sub_del},       {"list", sub_list},
    {"show", sub_show},         {"export", sub_export}, {"import", sub_import},
    {"forget", sub_forget_cmd},
};

static int
cmd_sub(struct cmd_ctx *ctx, int argc, char **argv)
{
  if (argc < 2)
    return cmd_usage_error(ctx, "which action? add, del, list, show, "
                                "export, import or forget");
  for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
    if (!strcmp(argv[1], actions[i].name)) {
      /* The action's options start after its name. */
      optind = 0;
      return actions[i].fn(ctx, argc - 1, argv + 1);
    }
  return cmd_usage_error(ctx,
                         "\"%s\" is not an action (add, del, list, "
                         "show, export, import, forget)",
                         argv[1]);
}

const struct cmd_def cmd_sub_def = {"sub", cmd_sub,
                                    "manage readers: add, del, list, show, "
                                    "import, export",
                                    usage, 0};
