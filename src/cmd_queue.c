/* cmd_queue.c: `shortmail queue`: what the outbox holds; retry, drop;
 * resume after the failure brake. */
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
    "usage: shortmail queue [--state STATE] [--limit N] [--json]\n"
    "       shortmail queue retry ID\n"
    "       shortmail queue drop ID\n"
    "       shortmail queue resume\n"
    "\n"
    "List the outbox: by default everything not yet sent (queued, claimed,\n"
    "deferred, failed), oldest first, with counts by state.\n"
    "\n"
    "  --state STATE  only rows in STATE (queued, claimed, sent, deferred,\n"
    "                 failed)\n"
    "  --limit N      at most N rows (default 100)\n"
    "  --json         one JSON array, for scripts\n"
    "  retry ID       send a deferred or failed message at the next run\n"
    "  drop ID        delete a message that is not being sent\n"
    "  resume         lift the pause of the failure brake: the next send\n"
    "                 sends again without waiting for a probe\n";

struct list_ctx {
  struct cmd_list list;
};

static int
print_row(void *vctx, const struct store_queue_row *r)
{
  struct list_ctx *c = vctx;
  struct json *j = cmd_list_row(&c->list);
  char created[32], next[32];

  util_format_time(r->created_at, created, sizeof(created));
  util_format_time(r->next_attempt_at, next, sizeof(next));
  if (j) {
    json_begin_object(j);
    json_key(j, "id");
    json_int(j, r->id);
    json_key(j, "kind");
    json_string(j, r->kind);
    json_key(j, "recipient");
    json_string(j, r->recipient);
    json_key(j, "state");
    json_string(j, r->state);
    json_key(j, "message_id");
    json_string(j, r->message_id);
    json_key(j, "attempts");
    json_int(j, r->attempts);
    json_key(j, "created_at");
    json_string(j, created);
    json_key(j, "next_attempt_at");
    json_string(j, r->next_attempt_at ? next : NULL);
    json_key(j, "last_error");
    json_string(j, r->last_error);
    json_end_object(j);
    return 0;
  }
  if (c->list.n == 1)
    printf("%8s  %-8s  %-8s  %3s  %-20s  %s\n", "ID", "KIND", "STATE", "TRY",
           "NEXT ATTEMPT", "RECIPIENT / LAST ERROR");
  printf("%8lld  %-8s  %-8s  %3ld  %-20s  %s%s%s\n", (long long)r->id, r->kind,
         r->state, r->attempts, strcmp(r->state, "deferred") ? "-" : next,
         r->recipient, r->last_error ? "  " : "",
         r->last_error ? r->last_error : "");
  return 0;
}

static int
act(struct cmd_ctx *ctx, const char *what, const char *idtext)
{
  struct store *st = NULL;
  char *end;
  long long id = strtoll(idtext, &end, 10);
  enum sm_status rc;

  if (*end || id <= 0)
    return cmd_usage_error(ctx, "\"%s\" is not a message ID", idtext);
  rc = cmd_store_open(ctx, 0, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  rc = !strcmp(what, "retry") ? store_queue_retry(st, id, util_now())
                              : store_queue_drop(st, id);
  if (rc == SM_ERR_NOTFOUND)
    log_error("no message %lld that can be %s", id,
              !strcmp(what, "retry") ? "retried (deferred or failed)"
                                     : "dropped (it may be being sent)");
  else if (rc != SM_OK)
    log_error("%s", store_errmsg(st));
  else
    printf("message %lld %s\n", id,
           !strcmp(what, "retry") ? "will be sent at the next run"
                                  : "dropped");
  store_close(st);
  return sm_exit_code(rc);
}

/* `queue resume`: the operator fixed the relay. */
static int
resume(struct cmd_ctx *ctx)
{
  struct store *st = NULL;
  enum sm_status rc;
  int was = 0;

  rc = cmd_store_open(ctx, 0, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  rc = store_send_pause_clear(st, &was);
  if (rc != SM_OK)
    log_error("%s", store_errmsg(st));
  else
    printf("%s\n", was ? "send resumed: the next run sends again"
                       : "send was not paused");
  store_close(st);
  return sm_exit_code(rc);
}

static int
cmd_queue(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{"state", required_argument, NULL, 's'},
                                       {"limit", required_argument, NULL, 'n'},
                                       {"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  static const char *const states[] = {"queued", "claimed", "sent", "deferred",
                                       "failed"};
  struct list_ctx lc;
  struct store *st = NULL;
  const char *state = "";
  long counts[5];
  size_t limit = 100;
  enum sm_status rc;
  int c;

  memset(&lc, 0, sizeof(lc));
  while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
    switch (c) {
    case 's': {
      int known = 0;
      for (int i = 0; i < 5; i++)
        known |= !strcmp(optarg, states[i]);
      if (!known)
        return cmd_usage_error(ctx, "--state: \"%s\" is not a state", optarg);
      state = optarg;
      break;
    }
    case 'n':
      limit = (size_t)strtoul(optarg, NULL, 10);
      break;
    case 'j':
      lc.list.json = 1;
      break;
    default:
      return cmd_usage_error(ctx, "unknown option");
    }
  }
  if (optind + 1 == argc && !strcmp(argv[optind], "resume"))
    return resume(ctx);
  if (optind < argc) {
    if ((strcmp(argv[optind], "retry") && strcmp(argv[optind], "drop")) ||
        optind + 2 != argc)
      return cmd_usage_error(ctx, "expected: retry ID, drop ID or resume");
    return act(ctx, argv[optind], argv[optind + 1]);
  }
  rc = cmd_store_open(ctx, STORE_READONLY, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  cmd_list_begin(&lc.list);
  rc = store_queue_list(st, state, limit, print_row, &lc);
  cmd_list_end(&lc.list);
  if (!lc.list.json && rc == SM_OK) {
    int64_t since = 0;
    char *why = NULL, when[32];
    rc = store_queue_counts(st, counts);
    if (rc == SM_OK)
      printf("%squeued %ld, being sent %ld, sent %ld, deferred %ld, "
             "failed %ld\n",
             lc.list.n ? "\n" : "", counts[0], counts[1], counts[2], counts[3],
             counts[4]);
    if (rc == SM_OK)
      rc = store_send_pause_get(st, &since, &why);
    if (rc == SM_OK && since) {
      util_format_time(since, when, sizeof(when));
      printf("send is paused since %s: %s\n(`shortmail queue resume` once "
             "the relay is fixed)\n",
             when, why);
    }
    free(why);
  }
  if (rc != SM_OK)
    log_error("%s", store_errmsg(st));
  store_close(st);
  return sm_exit_code(rc);
}

const struct cmd_def cmd_queue_def = {
    "queue", cmd_queue, "list, retry or drop outgoing mail", usage, 0};
