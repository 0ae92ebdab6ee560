/* cmd_stats.c: `shortmail stats`: the list's figures for the weeks
 * behind us. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "json.h"
#include "log.h"
#include "store.h"
#include "util.h"

static const char usage[] =
    "usage: shortmail stats [--json] [--weeks N]\n"
    "\n"
    "What an operator checks on Monday: readers by state and frequency,\n"
    "the keywords with the most followers, summaries (all and new), mail\n"
    "sent per week and kind, what waits in the queue, bounces and\n"
    "comments, over the last N weeks (default 4).\n"
    "\n"
    "  --json     one JSON object, a member per section\n"
    "  --weeks N  the window, 1 to 520 weeks\n";

struct stats_ctx {
  int json;
  struct json j;
  const char *section; /* the section being written */
  char week[16];       /* the open week of the "sent" section */
  int items;           /* figures written on the current line */
};

static int
stats_row(void *vctx, const char *section, const char *key, const char *sub,
          int64_t n)
{
  struct stats_ctx *c = vctx;

  if (c->json) {
    if (!key) { /* a new section */
      if (c->section) {
        if (c->week[0])
          json_end_object(&c->j);
        json_end_object(&c->j);
      }
      c->section = section;
      c->week[0] = '\0';
      json_key(&c->j, section);
      json_begin_object(&c->j);
      return 0;
    }
    if (sub) {
      if (strcmp(c->week, key)) {
        if (c->week[0])
          json_end_object(&c->j);
        snprintf(c->week, sizeof(c->week), "%s", key);
        json_key(&c->j, key);
        json_begin_object(&c->j);
      }
      json_key(&c->j, sub);
    } else
      json_key(&c->j, key);
    json_int(&c->j, n);
    return 0;
  }
  if (!key) {
    if (c->section)
      fputs(c->items ? "\n" : "none\n", stdout);
    printf("%-10s ", section);
    c->section = section;
    c->week[0] = '\0';
    c->items = 0;
    return 0;
  }
  if (sub && strcmp(c->week, key)) {
    if (c->week[0])
      printf("\n%-10s ", "");
    snprintf(c->week, sizeof(c->week), "%s", key);
    printf("week of %s: ", key);
    c->items = 0;
  }
  printf("%s%s %lld", c->items ? ", " : "", sub ? sub : key, (long long)n);
  c->items++;
  return 0;
}

static int
cmd_stats(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                       {"weeks", required_argument, NULL, 'w'},
                                       {NULL, 0, NULL, 0}};
  struct stats_ctx c;
  struct store *st = NULL;
  enum sm_status rc;
  long weeks = 4;
  int o;

  memset(&c, 0, sizeof(c));
  while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (o) {
    case 'j':
      c.json = 1;
      break;
    case 'w': {
      char *end;
      weeks = strtol(optarg, &end, 10);
      if (end == optarg || *end || weeks < 1 || weeks > 520)
        return cmd_usage_error(ctx, "--weeks: \"%s\" is not 1 to 520", optarg);
      break;
    }
    default:
      return cmd_usage_error(ctx, "unknown option");
    }
  }
  if (optind < argc)
    return cmd_usage_error(ctx, "unexpected argument \"%s\"", argv[optind]);
  rc = cmd_store_open(ctx, STORE_READONLY, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  if (c.json) {
    json_init(&c.j, stdout);
    json_begin_object(&c.j);
    json_key(&c.j, "weeks");
    json_int(&c.j, weeks);
  }
  rc = store_stats(st, util_now(), (int)weeks, stats_row, &c);
  if (c.json) {
    if (c.section) {
      if (c.week[0])
        json_end_object(&c.j);
      json_end_object(&c.j);
    }
    json_end_object(&c.j);
    json_finish(&c.j);
  } else if (c.section)
    fputs(c.items ? "\n" : "none\n", stdout);
  if (rc != SM_OK)
    log_error("%s", store_errmsg(st));
  store_close(st);
  return sm_exit_code(rc);
}

const struct cmd_def cmd_stats_def = {
    "stats", cmd_stats, "the list's figures: readers, keywords, mail, bounces",
    usage, 0};
