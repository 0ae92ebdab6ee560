/* cmd_summaries.c: `shortmail summaries`: what the store holds. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "json.h"
#include "log.h"
#include "match.h"
#include "store.h"
#include "util.h"

static const char usage[] =
    "usage: shortmail summaries [--since DATE] [--match QUERY] [--limit N]\n"
    "                           [--json]\n"
    "\n"
    "List the summaries in the store, newest first.\n"
    "\n"
    "  --since DATE   only those new since DATE (2026-11-16, or RFC 3339)\n"
    "  --match QUERY  only those a reader with these keywords would get:\n"
    "                 words (stemmed), \"quoted phrases\", tags such as\n"
    "                 cs.LG or tag:imagenet, author:NAME, -word to exclude\n"
    "  --limit N      at most N summaries\n"
    "  --json         one JSON array, for scripts\n";

struct list_ctx {
  struct cmd_list list;
};

/* Copies at most `cols` characters (UTF-8 sequences, not bytes) of s. */
static void
print_clipped(const char *s, size_t cols)
{
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t n = 0, shown = 0;

  while (p[n] && shown < cols) {
    n++;
    while ((p[n] & 0xC0) == 0x80)
      n++;
    shown++;
  }
  if (p[n] && shown == cols) {
    /* Leave room for the ellipsis. */
    size_t back = util_utf8_cut((const char *)p, n - 1);

    fwrite(p, 1, back, stdout);
    fputs("…", stdout);
  } else {
    fwrite(p, 1, n, stdout);
    for (; shown < cols; shown++)
      putchar(' ');
  }
}

static int
print_row(void *vctx, const struct store_summary_row *r)
{
  struct list_ctx *c = vctx;
  struct json *j = cmd_list_row(&c->list);
  char when[32];

  if (j) {
    json_begin_object(j);
    json_key(j, "id");
    json_int(j, r->id);
    json_key(j, "title");
    json_string(j, r->s.title);
    json_key(j, "authors");
    json_string(j, r->s.authors);
    json_key(j, "venue");
    json_string(j, r->s.venue);
    json_key(j, "year");
    if (r->s.year)
      json_int(j, r->s.year);
    else
      json_null(j);
    json_key(j, "arxiv_id");
    json_string(j, r->s.arxiv_id);
    json_key(j, "bibtex_key");
    json_string(j, r->s.bibtex_key);
    json_key(j, "summarizer");
    json_string(j, r->s.summarizer);
    json_key(j, "link");
    json_string(j, r->s.link);
    json_key(j, "guid");
    json_string(j, r->s.guid);
    json_key(j, "keywords");
    json_begin_array(j);
    for (size_t i = 0; i < r->s.nkeywords; i++)
      json_string(j, r->s.keywords[i]);
    json_end_array(j);
    json_key(j, "votes");
    json_int(j, r->s.votes);
    json_key(j, "published");
    if (r->s.published) {
      char pub[32];
      util_format_time(r->s.published, pub, sizeof(pub));
      json_string(j, pub);
    } else
      json_null(j);
    json_key(j, "first_seen");
    util_format_time(r->first_seen, when, sizeof(when));
    json_string(j, when);
    json_key(j, "fresh_at");
    util_format_time(r->fresh_at, when, sizeof(when));
    json_string(j, when);
    json_key(j, "markdown");
    json_string(j, r->s.markdown);
    json_end_object(j);
    return 0;
  }
  if (c->list.n == 1)
    printf("%6s  %-10s  %5s  %-50s  %s\n", "ID", "PUBLISHED", "VOTES", "TITLE",
           "KEYWORDS");
  util_format_time(r->s.published ? r->s.published : r->first_seen, when,
                   sizeof(when));
  when[10] = '\0';
  printf("%6lld  %-10s  %5ld  ", (long long)r->id, when, r->s.votes);
  print_clipped(r->s.title, 50);
  fputs("  ", stdout);
  for (size_t i = 0; i < r->s.nkeywords; i++)
    printf("%s%s", i ? ", " : "", r->s.keywords[i]);
  putchar('\n');
  return 0;
}

static int
cmd_summaries(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{"since", required_argument, NULL, 's'},
                                       {"match", required_argument, NULL, 'm'},
                                       {"limit", required_argument, NULL, 'n'},
                                       {"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  struct store_query q = {0, 0, NULL, 0, 0};
  struct match_term *terms = NULL;
  struct list_ctx lc;
  struct store *st = NULL;
  const char *match = NULL;
  char err[SM_ERRLEN];
  enum sm_status rc;
  int c;

  memset(&lc, 0, sizeof(lc));
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 's':
      if (util_parse_date(optarg, &q.since) < 0)
        return cmd_usage_error(ctx, "--since: \"%s\" is not a date", optarg);
      break;
    case 'm':
      match = optarg;
      break;
    case 'n': {
      char *end;
      long n = strtol(optarg, &end, 10);
      if (*end || n <= 0)
        return cmd_usage_error(ctx,
                               "--limit: \"%s\" is not a positive "
                               "number",
                               optarg);
      q.limit = (size_t)n;
      break;
    }
    case 'j':
      lc.list.json = 1;
      break;
    default:
      return cmd_usage_error(ctx, "unknown option");
    }
  }
  if (optind < argc)
    return cmd_usage_error(ctx, "unexpected argument \"%s\"", argv[optind]);
  if (match) {
    rc = match_parse_query(match, &terms, &q.nterms, err, sizeof(err));
    if (rc != SM_OK)
      return cmd_usage_error(ctx, "--match: %s", err);
    q.terms = terms;
  }
  rc = cmd_store_open(ctx, 0, &st);
  if (rc != SM_OK)
    goto out;
  cmd_list_begin(&lc.list);
  rc = store_summaries(st, &q, print_row, &lc);
  if (cmd_list_end(&lc.list) && rc == SM_OK)
    printf("no summaries%s\n", match || q.since ? " match" : " yet");
  if (rc != SM_OK)
    log_error("%s", store_errmsg(st));
out:
  store_close(st);
  match_terms_free(terms, q.nterms);
  return sm_exit_code(rc);
}

const struct cmd_def cmd_summaries_def = {
    "summaries", cmd_summaries, "list the summaries in the store", usage, 0};
