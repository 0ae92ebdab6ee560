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
#include "csv.h"
#include "json.h"
#include "log.h"
#include "store.h"
#include "sub.h"
#include "tmpl.h"
#include "token.h"
#include "util.h"

/* An import is read whole: this bounds the memory it takes. */
#define SUB_IMPORT_MAX_BYTES (100UL * 1024 * 1024)
/* RFC 5321: a path is at most 256 octets, angle brackets included. */
/* One CSV line of export: 50 keywords of 100 characters, quoted. */
#define SUB_EXPORT_LINE_MAX (256 * 1024)

static const char usage[] =
    "usage: shortmail sub add [--confirmed] ADDRESS [KEYWORD...]\n"
    "       shortmail sub del ADDRESS\n"
    "       shortmail sub list [--json]\n"
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
    "characters, a file of at most 100 MB.\n";

/* ---- checking what operators type ------------------------------------ */

/* Checks an address typed by an operator or read from a file (the one
 * grammar of address.h) and writes it into out (at least ADDRESS_MAX + 1
 * bytes) with its domain in lower case. 0, or -1 with err saying why. */
static int
address_normalize_arg(const char *in, char *out, size_t outlen, char *err,
                      size_t errlen)
{
  enum address_fault f = address_normalize(in, strlen(in), out, outlen);

  if (f == ADDRESS_OK)
    return 0;
  address_explain(in, f, err, errlen);
  return -1;
}

/* The canonical forms of the keywords of args[0..nargs-1], each parsed
 * as a query (so '"batch norm" cs.LG' is two). *kw is a new array of new
 * strings (sub_keywords_free). SM_ERR_DATA or SM_ERR_LIMIT with err
 * naming the keyword at fault. */
static enum sm_status
parse_keywords(char *const *args, size_t nargs, char ***kw, size_t *n,
               char *err, size_t errlen)
{
  enum sm_status rc = SM_OK;
  char why[SM_ERRLEN / 2]; /* room for it in err with the place */

  *kw = NULL;
  *n = 0;
  for (size_t a = 0; a < nargs && rc == SM_OK; a++)
    rc = sub_keywords_parse(args[a], kw, n, why, sizeof(why));
  if (rc == SM_ERR_DATA)
    snprintf(err, errlen, "bad keyword: %s", why);
  else if (rc == SM_ERR_LIMIT)
    snprintf(err, errlen, "%s", why);
  if (rc != SM_OK) {
    sub_keywords_free(*kw, *n);
    *kw = NULL;
    *n = 0;
  }
  return rc;
}

/* The status a file names (any case), or -1. */
static int
status_among(const char *s)
{
  for (int i = 0; i < MODEL_NSTATUS; i++)
    if (!strcasecmp(s, model_status_name((enum model_status)i)))
      return i;
  return -1;
}

/* The frequency a file names (any case), or -1. */
static int
frequency_among(const char *s)
{
  for (int i = 0; i < MODEL_NFREQUENCY; i++)
    if (!strcasecmp(s, model_frequency_name((enum model_frequency)i)))
      return i;
  return -1;
}

/* yes/no, true/false, 1/0: 1 or 0, -1 for anything else. */
static int
parse_bool(const char *s)
{
  if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1"))
    return 1;
  if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0"))
    return 0;
  return -1;
}

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
  enum sm_status rc = cmd_mail_open(ctx, m, 0);

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
sub_add(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{"confirmed", no_argument, NULL, 'C'},
                                       {NULL, 0, NULL, 0}};
  struct cmd_mail m = {{NULL, 0}, NULL, NULL};
  struct store_subscriber s;
  struct env env;
  struct store *st = NULL;
  struct buf added = BUF_INIT(64 * 1024), there = BUF_INIT(64 * 1024);
  char addr[ADDRESS_MAX + 1], err[SM_ERRLEN];
  int before = -1; /* the reader's status before, -1 when new */
  char **kw = NULL;
  size_t nkw = 0;
  int64_t id = 0;
  enum sm_status rc;
  int c, confirmed = 0, in_tx = 0, sent = 0, logged = 0, code;
  int forgotten = 0;

  memset(&s, 0, sizeof(s));
  /* '+': stop at ADDRESS, so that a negated keyword (-gan) is no option. */
  while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
    if (c != 'C')
      return cmd_usage_error(ctx, "add: unknown option");
    confirmed = 1;
  }
  if (optind >= argc)
    return cmd_usage_error(ctx, "add: which address?");
  if (address_normalize_arg(argv[optind], addr, sizeof(addr), err,
                            sizeof(err))) {
    log_error("%s", err);
    return EX_DATAERR;
  }
  rc = parse_keywords(argv + optind + 1, (size_t)(argc - optind - 1), &kw,
                      &nkw, err, sizeof(err));
  if (rc != SM_OK) {
    if (rc != SM_ERR_NOMEM)
      log_error("%s: %s; nothing changed", addr, err);
    return sm_exit_code(rc);
  }
  rc = begin_write(ctx, !confirmed, &m, &st, &env, &in_tx, &logged);
  if (rc != SM_OK)
    goto out;
  rc = sub_is_forgotten(st, addr, &forgotten);
  if (rc == SM_OK && forgotten) {
    log_error("%s: forgotten at the reader's request (sub forget); not "
              "added (they may subscribe again by mail themselves)",
              addr);
    logged = 1;
    rc = SM_ERR_DATA;
    goto out;
  }
  if (rc == SM_OK)
    rc = store_sub_get(st, addr, &s);
  if (rc == SM_ERR_NOTFOUND) {
    rc = store_sub_create(
        st, addr, confirmed ? MODEL_CONFIRMED : MODEL_PENDING, env.now, &id);
    if (rc == SM_OK)
      rc = store_sub_get_id(st, id, &s);
  } else if (rc == SM_OK) {
    before = (int)s.status;
    if (confirmed && s.status != MODEL_CONFIRMED)
      rc = store_sub_set_status(st, s.id, MODEL_CONFIRMED, env.now);
  }
  if (rc != SM_OK)
    goto out;
  id = s.id;
  for (size_t i = 0; i < nkw && rc == SM_OK; i++) {
    int was_added = 0;
    rc = store_interest_add(st, id, kw[i], SUB_MAX_INTERESTS, env.now,
                            &was_added);
    if (rc == SM_OK)
      rc = buf_printf(was_added ? &added : &there, "%s%s",
                      (was_added ? added.len : there.len) ? " " : "", kw[i]);
  }
  if (rc == SM_ERR_LIMIT) {
    log_error("%s: would have more than %d keywords; nothing changed",
              s.address, SUB_MAX_INTERESTS);
    logged = 1;
    goto out;
  }
  /* Everything a subscribe by mail does: pending again after an
   * unsubscribe, one request to confirm a day. */
  if (rc == SM_OK && !confirmed)
    rc = sub_request(&env, s.address, NULL, &id, &sent);
  if (rc != SM_OK)
    goto out;
  rc = store_commit(st);
  in_tx = 0;
  if (rc != SM_OK)
    goto out;
  if (confirmed)
    printf("%s: %s; no mail sent\n", s.address,
           before < 0                  ? "new reader, confirmed"
           : before != MODEL_CONFIRMED ? "confirmed now"
                                       : "confirmed already");
  else if (before == MODEL_CONFIRMED)
    printf("%s: confirmed already; no mail sent\n", s.address);
  else
    printf("%s: %s; %s\n", s.address,
           before < 0                ? "new reader, pending"
           : before == MODEL_PENDING ? "pending"
                                     : "pending again",
           sent ? "a request to confirm was queued"
                : "no request to confirm queued: one went out in the "
                  "last 24 hours");
  if (added.len)
    printf("keywords added: %s\n", buf_str(&added));
  if (there.len)
    printf("keywords there already: %s\n", buf_str(&there));
out:
  code = finish(st, rc, in_tx, logged);
  store_close(st);
  cmd_mail_close(&m);
  store_subscriber_free(&s);
  sub_keywords_free(kw, nkw);
  buf_free(&added);
  buf_free(&there);
  return code;
}

/* ---- del ------------------------------------------------------------- */

static int
sub_del(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{NULL, 0, NULL, 0}};
  struct store_subscriber s;
  struct store *st = NULL;
  char **kw = NULL;
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
  /* Looked up as given: the store compares addresses without case, and
   * one that mail brought in may not pass the checks of `add`. */
  rc = store_sub_get(st, argv[optind], &s);
  if (rc == SM_ERR_NOTFOUND) {
    log_error("no reader %s", argv[optind]);
    logged = 1;
    goto out;
  }
  if (rc == SM_OK)
    rc = store_interests(st, s.id, &kw, &nkw);
  if (rc == SM_OK)
    rc = store_sub_delete(st, s.id);
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
  sub_keywords_free(kw, nkw);
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
  int json;
  struct json j;
  long count;
  long by_status[MODEL_NSTATUS];
};

static int
list_row(void *vctx, const struct store_subscriber *s, char *const *kw,
         size_t nkw)
{
  struct list_ctx *c = vctx;
  char created[32];

  c->count++;
  c->by_status[s->status]++;
  if (c->json) {
    reader_json(&c->j, s, kw, nkw);
    return 0;
  }
  if (c->count == 1)
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
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  struct list_ctx lc;
  struct store *st = NULL;
  enum sm_status rc;
  int c, code;

  memset(&lc, 0, sizeof(lc));
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c != 'j')
      return cmd_usage_error(ctx, "list: unknown option");
    lc.json = 1;
  }
  if (optind < argc)
    return cmd_usage_error(ctx, "list: unexpected argument \"%s\"",
                           argv[optind]);
  rc = cmd_store_open(ctx, 0, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  if (lc.json) {
    json_init(&lc.j, stdout);
    json_begin_array(&lc.j);
  }
  rc = store_sub_list_keywords(st, list_row, &lc);
  if (lc.json) {
    json_end_array(&lc.j);
    json_finish(&lc.j);
  } else if (rc == SM_OK && lc.count == 0)
    printf("no readers yet\n");
  else if (rc == SM_OK) {
    printf("%ld reader%s:", lc.count, lc.count == 1 ? "" : "s");
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

enum sub_column {
  COL_ADDRESS,
  COL_STATUS,
  COL_FREQUENCY,
  COL_PAUSED,
  COL_KEYWORDS,
  COL_CREATED,
  COL_CONFIRMED,
  NCOLUMNS
};

static const char *const column_names[NCOLUMNS] = {
    "address",  "status",     "frequency",   "paused",
    "keywords", "created_at", "confirmed_at"};

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
  const char *f[NCOLUMNS];
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
  f[COL_ADDRESS] = s->address;
  f[COL_STATUS] = model_status_name(s->status);
  f[COL_FREQUENCY] = model_frequency_name(s->frequency);
  f[COL_PAUSED] = s->paused ? "yes" : "no";
  f[COL_KEYWORDS] = buf_str(&kwb);
  f[COL_CREATED] = time_or_null(s->created_at, created, sizeof(created));
  f[COL_CONFIRMED] =
      time_or_null(s->confirmed_at, confirmed, sizeof(confirmed));
  if (!f[COL_CREATED])
    f[COL_CREATED] = "";
  if (!f[COL_CONFIRMED])
    f[COL_CONFIRMED] = "";
  buf_reset(&c->line);
  if (c->rc == SM_OK)
    c->rc = csv_put_record(&c->line, f, NCOLUMNS);
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
  rc = csv_put_record(&ec.line, column_names, NCOLUMNS);
  if (rc == SM_OK &&
      fwrite(ec.line.data, 1, ec.line.len, stdout) != ec.line.len)
    rc = SM_ERR_IO;
  if (rc == SM_OK)
    rc = store_sub_list_keywords(st, export_row, &ec);
  if (rc == SM_OK)
    rc = ec.rc;
  if (rc == SM_OK && fflush(stdout) != 0)
    rc = SM_ERR_IO;
  if (rc == SM_ERR_IO)
    log_error("writing to standard output: %s", strerror(errno));
  else if (rc == SM_ERR_LIMIT || rc == SM_ERR_NOMEM)
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

/* ---- import ------------------------------------------------------------ */

/* One line of the file, checked. */
struct import_row {
  size_t line;
  char address[ADDRESS_MAX + 1];
  int status;    /* enum model_status; -1 when not given */
  int frequency; /* enum model_frequency; -1 when not given */
  int paused;    /* -1 when not given */
  char **kw;     /* canonical forms */
  size_t nkw;
  int64_t created_at, confirmed_at; /* 0 when not given */
};

struct import {
  const char *name; /* FILE as given, for messages */
  struct import_row *rows;
  size_t nrows, cap;
  int col[NCOLUMNS]; /* the field of each column, -1 when absent */
};

static void
import_free(struct import *im)
{
  for (size_t i = 0; i < im->nrows; i++)
    sub_keywords_free(im->rows[i].kw, im->rows[i].nkw);
  free(im->rows);
}

/* Reads the header: which field is which column. */
static enum sm_status
import_header(struct import *im, const struct csv_record *rec, char *err,
              size_t errlen)
{
  for (size_t k = 0; k < NCOLUMNS; k++)
    im->col[k] = -1;
  for (size_t i = 0; i < rec->nfields; i++) {
    const char *name = util_trim(rec->fields[i]);
    size_t k;
    for (k = 0; k < NCOLUMNS; k++)
      if (!strcasecmp(name, column_names[k]))
        break;
    if (k == NCOLUMNS) {
      snprintf(err, errlen,
               "%s:%zu: unknown column \"%s\" (the columns are address, "
               "status, frequency, paused, keywords, created_at, "
               "confirmed_at)",
               im->name, rec->line, name);
      return SM_ERR_DATA;
    }
    if (im->col[k] >= 0) {
      snprintf(err, errlen, "%s:%zu: column \"%s\" twice", im->name, rec->line,
               column_names[k]);
      return SM_ERR_DATA;
    }
    im->col[k] = (int)i;
  }
  if (im->col[COL_ADDRESS] < 0) {
    snprintf(err, errlen,
             "%s:%zu: no \"address\" column (the first line must name the "
             "columns)",
             im->name, rec->line);
    return SM_ERR_DATA;
  }
  return SM_OK;
}

/* A field of a column, trimmed; "" when the file has no such column. */
static const char *
field(const struct import *im, const struct csv_record *rec, enum sub_column k)
{
  return im->col[k] < 0 ? "" : util_trim(rec->fields[im->col[k]]);
}

/* Checks one record into a new row. */
static enum sm_status
import_record(struct import *im, const struct csv_record *rec, char *err,
              size_t errlen)
{
  struct import_row *row;
  const char *v;
  char why[SM_ERRLEN / 2]; /* room for it in err with the place */
  char *one[1];
  enum sm_status rc;
  size_t ncols = 0;

  for (size_t k = 0; k < NCOLUMNS; k++)
    ncols += im->col[k] >= 0;
  if (rec->nfields != ncols) {
    snprintf(err, errlen, "%s:%zu: %zu field%s, but the header names %zu",
             im->name, rec->line, rec->nfields, rec->nfields == 1 ? "" : "s",
             ncols);
    return SM_ERR_DATA;
  }
  if (im->nrows == im->cap) {
    size_t ncap = im->cap ? im->cap * 2 : 64;
    struct import_row *p = realloc(im->rows, ncap * sizeof(*p));
    if (!p)
      return SM_ERR_NOMEM;
    im->rows = p;
    im->cap = ncap;
  }
  row = &im->rows[im->nrows];
  memset(row, 0, sizeof(*row));
  row->line = rec->line;
  row->paused = -1;
  row->status = row->frequency = -1;
  /* The address as written, untrimmed: " ada@example.org" is refused
   * here as by sub add and every other door (address.h). */
  if (address_normalize_arg(rec->fields[im->col[COL_ADDRESS]], row->address,
                            sizeof(row->address), why, sizeof(why))) {
    snprintf(err, errlen, "%s:%zu: %s", im->name, rec->line, why);
    return SM_ERR_DATA;
  }
  v = field(im, rec, COL_STATUS);
  if (*v && (row->status = status_among(v)) < 0) {
    snprintf(err, errlen,
             "%s:%zu: status \"%s\" is not pending, confirmed, "
             "unsubscribed or disabled",
             im->name, rec->line, v);
    return SM_ERR_DATA;
  }
  v = field(im, rec, COL_FREQUENCY);
  if (*v && (row->frequency = frequency_among(v)) < 0) {
    snprintf(err, errlen, "%s:%zu: frequency \"%s\" is not weekly or daily",
             im->name, rec->line, v);
    return SM_ERR_DATA;
  }
  v = field(im, rec, COL_PAUSED);
  if (*v && (row->paused = parse_bool(v)) < 0) {
    snprintf(err, errlen, "%s:%zu: paused \"%s\" is not yes or no", im->name,
             rec->line, v);
    return SM_ERR_DATA;
  }
  v = field(im, rec, COL_CREATED);
  if (*v && util_parse_date(v, &row->created_at) < 0) {
    snprintf(err, errlen,
             "%s:%zu: created_at \"%s\" is not a date (2026-11-23 or "
             "RFC 3339)",
             im->name, rec->line, v);
    return SM_ERR_DATA;
  }
  v = field(im, rec, COL_CONFIRMED);
  if (*v && util_parse_date(v, &row->confirmed_at) < 0) {
    snprintf(err, errlen,
             "%s:%zu: confirmed_at \"%s\" is not a date (2026-11-23 or "
             "RFC 3339)",
             im->name, rec->line, v);
    return SM_ERR_DATA;
  }
  one[0] = (char *)field(im, rec, COL_KEYWORDS);
  rc = parse_keywords(one, 1, &row->kw, &row->nkw, why, sizeof(why));
  if (rc == SM_ERR_NOMEM)
    return rc;
  if (rc != SM_OK) {
    snprintf(err, errlen, "%s:%zu: %s", im->name, rec->line, why);
    return rc;
  }
  im->nrows++;
  return SM_OK;
}

static int
cmp_row(const void *a, const void *b)
{
  const struct import_row *x = *(const struct import_row *const *)a;
  const struct import_row *y = *(const struct import_row *const *)b;
  int c = strcasecmp(x->address, y->address);

  return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* The store compares addresses without case: two rows of one address
 * would be merged silently, so they are an error. */
static enum sm_status
import_duplicates(struct import *im, char *err, size_t errlen)
{
  struct import_row **by = NULL;
  enum sm_status rc = SM_OK;

  if (im->nrows < 2)
    return SM_OK;
  by = malloc(im->nrows * sizeof(*by));
  if (!by)
    return SM_ERR_NOMEM;
  for (size_t i = 0; i < im->nrows; i++)
    by[i] = &im->rows[i];
  qsort(by, im->nrows, sizeof(*by), cmp_row);
  for (size_t i = 1; i < im->nrows; i++)
    if (!strcasecmp(by[i - 1]->address, by[i]->address)) {
      snprintf(err, errlen, "%s:%zu: %s is on line %zu already", im->name,
               by[i]->line, by[i]->address, by[i - 1]->line);
      rc = SM_ERR_DATA;
      break;
    }
  free(by);
  return rc;
}

/* Reads and checks the whole file before anything is written. */
static enum sm_status
import_read(struct import *im, const char *data, size_t len, char *err,
            size_t errlen)
{
  struct csv_reader r;
  struct csv_record rec;
  enum sm_status rc;

  csv_init(&r, im->name, data, len);
  rc = csv_next(&r, &rec, err, errlen);
  if (rc == SM_OK && rec.nfields == 0) {
    snprintf(err, errlen, "%s: empty; the first line must name the columns",
             im->name);
    rc = SM_ERR_DATA;
  }
  if (rc == SM_OK)
    rc = import_header(im, &rec, err, errlen);
  while (rc == SM_OK) {
    rc = csv_next(&r, &rec, err, errlen);
    if (rc != SM_OK || rec.nfields == 0)
      break;
    rc = import_record(im, &rec, err, errlen);
  }
  csv_free(&r);
  if (rc == SM_OK)
    rc = import_duplicates(im, err, errlen);
  return rc;
}

struct import_counts {
  long created, updated, sent, forgotten;
  long by_status[MODEL_NSTATUS];
};

/* Writes one checked row. */
static enum sm_status
import_apply(const struct env *env, const struct import *im,
             const struct import_row *row, int confirmed, int send,
             struct import_counts *n, char *err, size_t errlen)
{
  struct store_subscriber s;
  enum sm_status rc;
  enum model_status status;

  memset(&s, 0, sizeof(s));
  rc = store_sub_get(env->st, row->address, &s);
  if (rc == SM_ERR_NOTFOUND) {
    struct store_subscriber ins;
    int forgotten = 0;
    /* A reader who asked to be forgotten is not brought back by a file
     * (an old export, a list from elsewhere). */
    rc = sub_is_forgotten(env->st, row->address, &forgotten);
    if (rc != SM_OK)
      return rc;
    if (forgotten) {
      log_warning("%s:%zu: %s: skipped: forgotten at the reader's request "
                  "(sub forget)",
                  im->name, row->line, row->address);
      n->forgotten++;
      return SM_OK;
    }
    memset(&ins, 0, sizeof(ins));
    ins.address = (char *)row->address;
    if (confirmed)
      status =
          row->status >= 0 ? (enum model_status)row->status : MODEL_CONFIRMED;
    else if (row->status == MODEL_UNSUBSCRIBED ||
             row->status == MODEL_DISABLED)
      status = (enum model_status)row->status; /* an opt-out is never
                                                  undone by a file */
    else
      status = MODEL_PENDING;
    ins.status = status;
    ins.frequency = row->frequency >= 0 ? (enum model_frequency)row->frequency
                                        : MODEL_WEEKLY;
    ins.paused = row->paused > 0;
    ins.created_at = row->created_at;
    /* A confirmation elsewhere counts only when the operator says so. */
    if (confirmed)
      ins.confirmed_at = row->confirmed_at           ? row->confirmed_at
                         : status == MODEL_CONFIRMED ? env->now
                                                     : 0;
    rc = store_sub_insert(env->st, &ins, env->now, &s.id);
    if (rc != SM_OK)
      return rc;
    n->created++;
  } else if (rc == SM_OK) {
    status = s.status;
    if (confirmed) {
      enum model_status want =
          row->status >= 0 ? (enum model_status)row->status : MODEL_CONFIRMED;
      if (want != s.status)
        rc = store_sub_set_status(env->st, s.id, want, env->now);
      status = want;
    }
    if (rc == SM_OK && row->frequency >= 0 &&
        (enum model_frequency)row->frequency != s.frequency)
      rc = store_sub_set_frequency(
          env->st, s.id, (enum model_frequency)row->frequency, env->now);
    if (rc == SM_OK && row->paused >= 0 && row->paused != s.paused)
      rc = store_sub_set_paused(env->st, s.id, row->paused, env->now);
    n->updated++;
  }
  for (size_t i = 0; rc == SM_OK && i < row->nkw; i++) {
    int added;
    rc = store_interest_add(env->st, s.id, row->kw[i], SUB_MAX_INTERESTS,
                            env->now, &added);
    if (rc == SM_ERR_LIMIT)
      snprintf(err, errlen, "%s:%zu: %s would have more than %d keywords",
               im->name, row->line, row->address, SUB_MAX_INTERESTS);
  }
  if (rc == SM_OK)
    n->by_status[status]++;
  if (rc == SM_OK && send && status == MODEL_PENDING) {
    struct store_subscriber who = s;
    int sent = 0;
    who.address = (char *)row->address;
    who.status = MODEL_PENDING;
    rc = sub_send_confirmation(env, &who, NULL, &sent);
    n->sent += sent;
  }
  store_subscriber_free(&s);
  return rc;
}

static int
sub_import(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {
      {"confirmed", no_argument, NULL, 'C'},
      {"send-confirmations", no_argument, NULL, 'S'},
      {NULL, 0, NULL, 0}};
  struct buf data = BUF_INIT(SUB_IMPORT_MAX_BYTES);
  struct import im;
  struct import_counts n;
  struct cmd_mail m = {{NULL, 0}, NULL, NULL};
  struct env env;
  struct store *st = NULL;
  const char *path;
  char err[SM_ERRLEN] = "";
  enum sm_status rc;
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
  rc = strcmp(path, "-") ? util_read_file(path, &data)
                         : util_read_fd(STDIN_FILENO, &data);
  /* Until the store is open, every failure is logged where it happens. */
  if (rc != SM_OK) {
    if (rc == SM_ERR_LIMIT)
      log_error("%s: larger than %lu MB", im.name,
                SUB_IMPORT_MAX_BYTES / (1024 * 1024));
    else if (rc == SM_ERR_NOINPUT)
      log_error("%s: no such file", im.name);
    else
      log_error("%s: %s", im.name,
                rc == SM_ERR_IO ? strerror(errno) : sm_strerror(rc));
    goto out;
  }
  rc = import_read(&im, data.data, data.len, err, sizeof(err));
  if (rc != SM_OK) {
    log_error("%s; nothing imported", *err ? err : sm_strerror(rc));
    goto out;
  }
  rc = begin_write(ctx, send, &m, &st, &env, &in_tx, &logged);
  if (rc != SM_OK)
    goto out;
  for (size_t i = 0; i < im.nrows && rc == SM_OK; i++)
    rc = import_apply(&env, &im, &im.rows[i], confirmed, send, &n, err,
                      sizeof(err));
  if (rc == SM_ERR_LIMIT) {
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
  buf_free(&data);
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
    {"add", sub_add},           {"del", sub_del},       {"list", sub_list},
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
