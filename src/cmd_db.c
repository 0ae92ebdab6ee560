/* cmd_db.c: `shortmail db init|migrate|check|version`. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "store.h"
#include "token.h"

static const char usage[] =
    "usage: shortmail db init | migrate | check | version\n"
    "\n"
    "  init     create the store and, if it is missing, the [secret] file\n"
    "           (32 random bytes, mode 0600, owned by the store's owner)\n"
    "  migrate  create the store, or bring it to this version's schema\n"
    "           (every command does this on open; this says what it did)\n"
    "  check    run SQLite's integrity and foreign key checks and the\n"
    "           full-text index check; exit 65 if anything is wrong\n"
    "  version  print the store's schema version and this binary's\n";

static void
report(void *ctx, const char *problem)
{
  (void)ctx;
  printf("problem: %s\n", problem);
}

/* The store first: as root it is created for its directory's owner,
 * and the secret then goes to the same user, who must read it. */
static int
db_init(struct cmd_ctx *ctx)
{
  const char *path = ctx->db_path ? ctx->db_path : ctx->conf.store.path;
  const char *secret = ctx->conf.secret.file;
  char err[SM_ERRLEN];
  struct store *st = NULL;
  enum sm_status rc;
  struct stat sb;
  long uid = -1, gid = -1;
  int created;

  rc = cmd_store_open(ctx, 0, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  printf("store %s at schema version %d\n", path, store_schema_version(st));
  store_close(st);
  if (geteuid() == 0 && stat(path, &sb) == 0 && sb.st_uid != 0) {
    uid = (long)sb.st_uid;
    gid = (long)sb.st_gid;
  }
  rc = token_secret_create(secret, uid, gid, &created, err, sizeof(err));
  if (rc != SM_OK) {
    log_error("%s", err);
    return sm_exit_code(rc);
  }
  printf(created ? "secret %s created (mode 0600)\n"
                 : "secret %s exists: left as it is\n",
         secret);
  return EX_OK;
}

static int
cmd_db(struct cmd_ctx *ctx, int argc, char **argv)
{
  struct store *st = NULL;
  enum sm_status rc;
  const char *what;
  int from, to;

  if (argc != 2)
    return cmd_usage_error(ctx, "expected one of migrate, check, version");
  what = argv[1];
  if (strcmp(what, "init") && strcmp(what, "migrate") &&
      strcmp(what, "check") && strcmp(what, "version"))
    return cmd_usage_error(ctx, "unknown action \"%s\"", what);
  if (!strcmp(what, "init"))
    return db_init(ctx);
  rc = cmd_store_open(ctx, STORE_NOMIGRATE, &st);
  if (rc != SM_OK)
    return sm_exit_code(rc);
  if (!strcmp(what, "migrate")) {
    rc = store_migrate(st, &from, &to);
    if (rc != SM_OK)
      log_error("%s", store_errmsg(st));
    else if (from == to)
      printf("store is at schema version %d: nothing to do\n", to);
    else
      printf("store migrated from schema version %d to %d\n", from, to);
  } else if (!strcmp(what, "version")) {
    printf("store schema version %d; this shortmail knows %d\n",
           store_schema_version(st), store_schema_latest());
  } else {
    rc = store_check(st, report, NULL);
    if (rc == SM_OK)
      printf("store is consistent\n");
    else
      log_error("the store has problems (listed above)");
  }
  store_close(st);
  return sm_exit_code(rc);
}

const struct cmd_def cmd_db_def = {
    "db", cmd_db, "create, migrate or check the store", usage, 0};
