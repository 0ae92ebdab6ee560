/* cmd_comments.c: `shortmail comments`: readers' comments and their
 * posting to the site; release held ones, retry failed ones. */
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
#include "thread.h"
#include "util.h"

static const char usage[] =
    "usage: shortmail comments [SUMMARY] [--json]\n"
    "       shortmail comments release ID\n"
    "       shortmail comments retry ID\n"
    "\n"
    "List the comments readers sent by mail, oldest first: the summary,\n"
    "the reader, the Message-ID, the text, and the posting to the site\n"
    "(state pending, posted, held or failed; attempts; last error).\n"
    "\n"
    "  SUMMARY     only this summary's comments: its number in the store,\n"
    "              the feed's guid or its link\n"
    "  --json      one JSON array, for scripts\n"
    "  release ID  a held comment becomes pending: posted at the next run,\n"
    "              and queued for the thread's followers\n"
    "  retry ID    a failed comment becomes pending again\n";

struct list_ctx {
  struct cmd_list list;
};

/* Prints outside text for a terminal: a control byte could move the
 * cursor or rewrite what the operator sees. */
static void
put_text(const char *s, const char *indent)
{
  fputs(indent, stdout);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;

    if (ch == '\n') {
      if (s[1])
        printf("\n%s", indent);
      continue;
    }
    putchar(ch < 0x20 && ch != '\t' ? '?' : ch == 0x7F ? '?' : ch);
  }
  putchar('\n');
}

static int
print_row(void *vctx, const struct store_post_row *r)
{
  struct list_ctx *c = vctx;
  struct json *j;
  char created[32], posted[32], next[32];

  util_format_time(r->created_at, created, sizeof(created));
  util_format_time(r->posted_at, posted, sizeof(posted));
  util_format_time(r->next_post_at, next, sizeof(next));
  j = cmd_list_row(&c->list);
  if (j) {
    json_begin_object(j);
    json_key(j, "id");
    json_int(j, r->id);
    json_key(j, "summary_id");
    json_int(j, r->summary_id);
    json_key(j, "summary");
    json_string(j, r->summary_ref);
    json_key(j, "title");
    json_string(j, r->title);
    json_key(j, "reader");
    json_string(j, r->author);
    json_key(j, "message_id");
    json_string(j, r->message_id);
    json_key(j, "text");
    json_string(j, r->body);
    json_key(j, "state");
    json_string(j, r->state);
    json_key(j, "attempts");
    json_int(j, r->attempts);
    json_key(j, "last_error");
    json_string(j, r->last_error);
    json_key(j, "created_at");
    json_string(j, created);
    json_key(j, "posted_at");
    json_string(j, r->posted_at ? posted : NULL);
    json_key(j, "next_attempt_at");
    json_string(j,
                !strcmp(r->state, "pending") && r->next_post_at ? next : NULL);
    json_end_object(j);
    return 0;
  }
  if (c->list.n > 1)
    putchar('\n');
  printf("comment %lld  %s  attempts %ld", (long long)r->id, r->state,
         r->attempts);
  if (!strcmp(r->state, "posted") && r->posted_at)
    printf("  posted %s", posted);
  else if (!strcmp(r->state, "pending") && r->next_post_at)
    printf("  next attempt %s", next);
  putchar('\n');
  printf("  summary:    %lld ", (long long)r->summary_id);
  put_text(r->summary_ref ? r->summary_ref : "", "");
  put_text(r->title ? r->title : "", "  title:      ");
  put_text(r->author ? r->author : "(reader removed)", "  reader:     ");
  put_text(r->message_id ? r->message_id : "", "  message-id: ");
  printf("  received:   %s\n", created);
  if (r->last_error)
    put_text(r->last_error, "  last error: ");
  put_text(r->body ? r->body : "", "    | ");
  return 0;
}

/* release: a held comment becomes pending and, as it was never sent,
 * goes to the thread's followers now; retry: a failed post is tried
 * again (its followers had it already). One transaction. */
static int
act(struct cmd_ctx *ctx, const char *what, const char *idtext)
{
  int release = !strcmp(what, "release");
  struct cmd_mail mail;
  struct store *st = NULL;
  char *end;
  long long id = strtoll(idtext, &end, 10);
  long queued = 0;
  enum sm_status rc;

  memset(&mail, 0, sizeof(mail));
  if (*end || id <= 0)
    return cmd_usage_error(ctx, "\"%s\" is not a comment ID", idtext);
  rc = cmd_store_open(ctx, 0, &st);
  if (rc == SM_OK && release)
    rc = cmd_mail_open(ctx, &mail);
  if (rc != SM_OK)
    goto out;
  rc = store_begin(st);
  if (rc == SM_OK)
    rc = store_post_requeue(st, id, release ? "held" : "failed");
  if (rc == SM_OK && release) {
    struct env env;
    cmd_env(ctx, st, &mail, &env);
    rc = thread_comment_added(&env, id, &queued);
  }
  if (rc == SM_OK)
    rc = store_commit(st);
  else
    store_rollback(st);
  if (rc == SM_ERR_NOTFOUND)
    log_error("no %s comment %lld", release ? "held" : "failed", id);
  else if (rc != SM_OK)
    log_error("%s", store_errmsg(st));
  else if (release)
    printf("comment %lld is pending: it will be posted at the next run, "
           "and %ld follower%s will get it\n",
           id, queued, queued == 1 ? "" : "s");
  else
    printf("comment %lld is pending: it will be posted at the next run\n", id);
out:
  cmd_mail_close(&mail);
  store_close(st);
  return sm_exit_code(rc);
}

static int
cmd_comments(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  struct list_ctx lc;
  struct store *st = NULL;
  const char *summary = NULL;
  enum sm_status rc;
  int c;

  memset(&lc, 0, sizeof(lc));
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'j':
      lc.list.json = 1;
      break;
    default:
      return cmd_usage_error(ctx, "unknown option");
    }
  }
  if (optind < argc &&
      (!strcmp(argv[optind], "release") || !strcmp(argv[optind], "retry"))) {
    if (optind + 2 != argc || lc.list.json)
      return cmd_usage_error(ctx, "expected: %s ID", argv[optind]);
    return act(ctx, argv[optind], argv[optind + 1]);
  }
  if (optind < argc)
    summary = argv[optind++];
  if (optind < argc)
    return cmd_usage_error(ctx, "unexpected argument: %s", argv[optind]);
  rc = cmd_store_open(ctx, STORE_READONLY, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  cmd_list_begin(&lc.list);
  rc = store_post_list(st, summary, print_row, &lc);
  if (cmd_list_end(&lc.list) && rc == SM_OK)
    printf("no comments%s%s\n", summary ? " on " : "", summary ? summary : "");
  if (rc != SM_OK)
    log_error("%s", store_errmsg(st));
  store_close(st);
  return sm_exit_code(rc);
}

const struct cmd_def cmd_comments_def = {
    "comments", cmd_comments, "list readers' comments; release or retry one",
    usage, 0};
