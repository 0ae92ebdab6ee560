/* thread-fanout: the discussion list's entry points for shell tests
 * (tests/thread.sh), each run in its own write transaction at
 * util_now() (so SHORTMAIL_NOW applies), as `shortmail receive` runs
 * them inside its own:
 *
 *   thread-fanout CONFIG follow SUB SUMMARY 1|0   prints "changed N"
 *   thread-fanout CONFIG added COMMENT            prints "queued N"
 *   thread-fanout CONFIG verify PURPOSE TOKEN     prints "SUB OBJECT EXPIRES"
 *                                                 or "invalid: REASON"
 *
 * Exit status: 0 on success (an invalid token included), 1 on error,
 * 2 for usage. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "store.h"
#include "thread.h"
#include "token.h"
#include "util.h"

static int
usage(void)
{
  fprintf(stderr, "usage: thread-fanout CONFIG follow SUB SUMMARY 1|0\n"
                  "       thread-fanout CONFIG added COMMENT\n"
                  "       thread-fanout CONFIG verify PURPOSE TOKEN\n");
  return 2;
}

static int
verify(const struct token_secret *secret, const char *purpose,
       const char *token)
{
  int p = token_purpose_parse(purpose, strlen(purpose));
  int64_t sub = 0, obj = 0, exp = 0;
  enum token_reason why = TOKEN_VALID;

  if (p < 0)
    return usage();
  if (token_verify(secret, (enum token_purpose)p, token, strlen(token),
                   util_now(), &sub, &obj, &exp, &why) == SM_OK)
    printf("%lld %lld %lld\n", (long long)sub, (long long)obj, (long long)exp);
  else
    printf("invalid: %s\n", token_reason_str(why));
  return 0;
}

int
main(int argc, char **argv)
{
  struct conf conf;
  struct token_secret secret = {NULL, 0};
  struct store *st = NULL;
  struct env env = {0};
  char err[SM_ERRLEN];
  const char *what;
  int ret = 1;
  enum sm_status rc;

  if (argc < 3)
    return usage();
  what = argv[2];
  if (!((!strcmp(what, "follow") && argc == 6) ||
        (!strcmp(what, "added") && argc == 4) ||
        (!strcmp(what, "verify") && argc == 5)))
    return usage();
  rc = conf_load(&conf, argv[1], 1, err, sizeof(err));
  if (rc != SM_OK) {
    fprintf(stderr, "thread-fanout: %s\n", err);
    return 1;
  }
  rc = token_secret_load(conf.secret.file, &secret, err, sizeof(err));
  if (rc == SM_OK && !strcmp(what, "verify")) {
    ret = verify(&secret, argv[3], argv[4]);
    goto out;
  }
  if (rc == SM_OK)
    rc = store_open(conf.store.path, conf.store.busy_timeout, 0, &st, err,
                    sizeof(err));
  if (rc != SM_OK) {
    fprintf(stderr, "thread-fanout: %s\n", err);
    goto out;
  }
  env.st = st;
  env.conf = &conf;
  env.secret = &secret;
  env.now = util_now();
  rc = store_begin(st);
  if (rc == SM_OK && !strcmp(what, "follow")) {
    int changed = 0;
    rc = thread_follow(&env, strtoll(argv[3], NULL, 10),
                       strtoll(argv[4], NULL, 10),
                       (int)strtol(argv[5], NULL, 10), &changed);
    if (rc == SM_OK)
      printf("changed %d\n", changed);
  } else if (rc == SM_OK) {
    long queued = 0;
    rc = thread_comment_added(&env, strtoll(argv[3], NULL, 10), &queued);
    if (rc == SM_OK)
      printf("queued %ld\n", queued);
  }
  if (rc == SM_OK)
    rc = store_commit(st);
  else
    store_rollback(st);
  if (rc != SM_OK)
    fprintf(stderr, "thread-fanout: %s: %s\n", sm_strerror(rc),
            store_errmsg(st));
  else
    ret = 0;
out:
  store_close(st);
  token_secret_free(&secret);
  conf_free(&conf);
  return ret;
}
