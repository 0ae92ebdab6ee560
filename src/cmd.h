/* cmd.h: what every subcommand gets, and the helpers they share. Each
 * cmd_NAME.c is thin: parse options, call modules, print. */
#ifndef SM_CMD_H
#define SM_CMD_H

#include <stdio.h>

#include "conf.h"
#include "env.h"
#include "json.h"
#include "status.h"
#include "tmpl.h"
#include "token.h"

struct store;
struct signer;

struct cmd_ctx {
  struct conf conf;    /* loaded before the command runs */
  const char *db_path; /* --db or SHORTMAIL_DB, overrides [store] path */
  const char *name;    /* the subcommand's name */
  int verbose;
};

/* A command returns a sysexits.h exit code. */
typedef int (*cmd_fn)(struct cmd_ctx *ctx, int argc, char **argv);

struct cmd_def {
  const char *name;
  cmd_fn fn;
  const char *summary; /* one line for `shortmail help` */
  const char *usage;   /* the full --help text */
  int flags;
};

#define CMD_NOCONF 0x1 /* needs no configuration (help) */
#define CMD_TEMPFAIL                                                          \
  0x2 /* a configuration error exits 75, not 78:                              \
         the MTA must keep the mail */

/* Opens the store named by --db, SHORTMAIL_DB or [store] path, creating
 * its directory's file and migrating it. Logs the error on failure. */
enum sm_status cmd_store_open(struct cmd_ctx *ctx, int flags,
                              struct store **out);
/* What every command that writes mail needs: the site secret, the
 * templates, and for the commands that sign the DKIM signer when
 * [dkim] key_file is set. */
struct cmd_mail {
  struct token_secret secret;
  struct tmpl_set *tmpl;
  struct signer *signer; /* NULL unless signing with [dkim] key_file */
  /* Frees signer: set by cmd_mail_open_signing, so that cmd.c does not
   * name the signer and programs that never sign do not link it. */
  void (*signer_free)(struct signer *s);
};
/* Loads the secret and the templates; logs what failed. */
enum sm_status cmd_mail_open(struct cmd_ctx *ctx, struct cmd_mail *m);
/* The same and the DKIM signer (cmd_sign.c). Least privilege: only send
 * and preview sign, so only they read the private key; receive parses
 * hostile mail and serve faces the network, and neither has the key in
 * memory. */
enum sm_status cmd_mail_open_signing(struct cmd_ctx *ctx, struct cmd_mail *m);
void cmd_mail_close(struct cmd_mail *m);

/* The library's environment (env.h), built once by the command from what
 * it opened: st and m may be NULL; now is the current time. Borrows
 * everything. */
void cmd_env(struct cmd_ctx *ctx, struct store *st, const struct cmd_mail *m,
             struct env *out);

/* A listing's output (bounces, comments, queue, summaries): one JSON
 * array with --json, else a table on stdout. */
struct cmd_list {
  int json;      /* set by the command before cmd_list_begin */
  struct json j; /* the array's writer */
  size_t n;      /* rows so far */
};
/* Opens the JSON array (with --json). */
void cmd_list_begin(struct cmd_list *l);
/* Counts a row. With --json, the writer for the row's object; NULL for a
 * table row (the first, l->n == 1, prints the header). */
struct json *cmd_list_row(struct cmd_list *l);
/* Closes the JSON array. 1 when a table listed nothing (the command
 * says so in its words), else 0. */
int cmd_list_end(struct cmd_list *l);

/* Prints "shortmail CMD: MESSAGE" and a hint to --help; returns 64. */
int cmd_usage_error(struct cmd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* If argv[1] is --help or -h, prints usage and returns 1. */
int cmd_wants_help(const struct cmd_def *def, int argc, char **argv);
/* Whether progress may be drawn (stderr is a terminal). */
int cmd_interactive(void);

/* Delivers the outbox with `conns` sender processes and prints the
 * summary line; `shortmail send`, and `digest --send`. Exit code. */
struct deliver_opts;
int cmd_send_run(struct cmd_ctx *ctx, struct deliver_opts *o, long conns);

/* The running program's command table (dispatch.c). */
const struct cmd_def *cmd_find(const char *name);

/* Each subcommand's definition, in its cmd_NAME.c. */
extern const struct cmd_def cmd_ingest_def;
extern const struct cmd_def cmd_summaries_def;
extern const struct cmd_def cmd_db_def;
extern const struct cmd_def cmd_stats_def;
extern const struct cmd_def cmd_config_def;
extern const struct cmd_def cmd_dkim_record_def;
extern const struct cmd_def cmd_receive_def;
extern const struct cmd_def cmd_fetch_def;
extern const struct cmd_def cmd_digest_def;
extern const struct cmd_def cmd_preview_def;
extern const struct cmd_def cmd_send_def;
extern const struct cmd_def cmd_queue_def;
extern const struct cmd_def cmd_sub_def;
extern const struct cmd_def cmd_bounces_def;
extern const struct cmd_def cmd_serve_def;
extern const struct cmd_def cmd_post_def;
extern const struct cmd_def cmd_comments_def;

#endif
