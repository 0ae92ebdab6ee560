/* cmd.c: helpers shared by the subcommands. */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "store.h"
#include "util.h"

enum sm_status
cmd_store_open(struct cmd_ctx *ctx, int flags, struct store **out)
{
  const char *path = ctx->db_path ? ctx->db_path : ctx->conf.store.path;
  char err[SM_ERRLEN];
  enum sm_status st;

  st = store_open(path, ctx->conf.store.busy_timeout, flags, out, err,
                  sizeof(err));
  if (st != SM_OK)
    log_error("%s", err);
  return st;
}

int
cmd_usage_error(struct cmd_ctx *ctx, const char *fmt, ...)
{
  va_list ap;

  fprintf(stderr, "shortmail %s: ", ctx->name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'shortmail %s --help'.\n", ctx->name);
  return 64; /* EX_USAGE */
}

int
cmd_wants_help(const struct cmd_def *def, int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--"))
      break;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(def->usage, stdout);
      return 1;
    }
  }
  return 0;
}

int
cmd_interactive(void)
{
  return isatty(STDERR_FILENO);
}

enum sm_status
cmd_mail_open(struct cmd_ctx *ctx, struct cmd_mail *m)
{
  const struct conf *c = &ctx->conf;
  char err[SM_ERRLEN];
  enum sm_status rc;

  memset(m, 0, sizeof(*m));
  rc = token_secret_load(c->secret.file, &m->secret, err, sizeof(err));
  if (rc == SM_OK)
    rc = tmpl_set_open(c->templates.dir, &m->tmpl, err, sizeof(err));
  if (rc != SM_OK) {
    log_error("%s", err);
    cmd_mail_close(m);
  }
  return rc;
}

void
cmd_list_begin(struct cmd_list *l)
{
  l->n = 0;
  if (l->json) {
    json_init(&l->j, stdout);
    json_begin_array(&l->j);
  }
}

struct json *
cmd_list_row(struct cmd_list *l)
{
  l->n++;
  return l->json ? &l->j : NULL;
}

int
cmd_list_end(struct cmd_list *l)
{
  if (!l->json)
    return l->n == 0;
  json_end_array(&l->j);
  json_finish(&l->j);
  return 0;
}

void
cmd_env(struct cmd_ctx *ctx, struct store *st, const struct cmd_mail *m,
        struct env *out)
{
  memset(out, 0, sizeof(*out));
  out->conf = &ctx->conf;
  out->st = st;
  if (m) {
    out->secret = &m->secret;
    out->tmpl = m->tmpl;
    out->signer = m->signer;
  }
  out->now = util_now();
}

void
cmd_mail_close(struct cmd_mail *m)
{
  if (m->signer && m->signer_free)
    m->signer_free(m->signer);
  tmpl_set_free(m->tmpl);
  token_secret_free(&m->secret);
  memset(m, 0, sizeof(*m));
}
