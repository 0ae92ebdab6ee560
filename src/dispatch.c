/* dispatch.c: a program's main, shared by the full program and the lean
 * receive entry (dispatch.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "conf.h"
#include "dispatch.h"
#include "log.h"

/* The running program's table, for cmd_find and help. */
static const struct dispatch *running;

static int cmd_help(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_def cmd_help_def = {
    "help", cmd_help, "show the commands, or one command's help",
    "usage: shortmail help [COMMAND]\n", CMD_NOCONF};

static const char main_usage[] =
    "usage: %s [-c FILE] [--db PATH] [-v] COMMAND [ARGS]\n"
    "\n"
    "  -c, --config FILE  configuration file (default %s;\n"
    "                     also SHORTMAIL_CONFIG)\n"
    "      --db PATH      the store, overriding [store] path (also\n"
    "                     SHORTMAIL_DB)\n"
    "  -v, --verbose      log debug messages\n"
    "  -q, --quiet        log only warnings and errors\n"
    "      --version      print the version\n"
    "  -h, --help         this help\n"
    "\n"
    "Commands:\n";

static void
print_main_usage(FILE *fp)
{
  fprintf(fp, main_usage, running->prog, conf_default_path());
  for (size_t i = 0; i < running->ncmds; i++)
    fprintf(fp, "  %-10s %s\n", running->cmds[i]->name,
            running->cmds[i]->summary);
  fprintf(fp,
          "\n'%s COMMAND --help' shows a command's options;"
          " see shortmail(1).\n",
          running->prog);
}

const struct cmd_def *
cmd_find(const char *name)
{
  for (size_t i = 0; running && i < running->ncmds; i++)
    if (!strcmp(running->cmds[i]->name, name))
      return running->cmds[i];
  return NULL;
}

static int
cmd_help(struct cmd_ctx *ctx, int argc, char **argv)
{
  const struct cmd_def *def;

  if (argc < 2) {
    print_main_usage(stdout);
    return EX_OK;
  }
  def = cmd_find(argv[1]);
  if (!def)
    return cmd_usage_error(ctx, "no such command: %s", argv[1]);
  fputs(def->usage, stdout);
  return EX_OK;
}

/* The exit status for a mistake on the command line. A command whose
 * caller is an MTA (CMD_TEMPFAIL: receive) must exit 75 for any mistake
 * in its argv, global options included, so that the MTA keeps the mail
 * instead of bouncing it; the command name may be anywhere in argv, since
 * a bad option can stop the parse before it or swallow it as its
 * argument. The MTA's own entry (shortmail-receive) exits 75 whatever
 * the mistake. */
static int
usage_status(int argc, char **argv)
{
  if (running->mta)
    return EX_TEMPFAIL;
  for (int i = 1; i < argc; i++) {
    const struct cmd_def *def = cmd_find(argv[i]);
    if (def && (def->flags & CMD_TEMPFAIL))
      return EX_TEMPFAIL;
  }
  return EX_USAGE;
}

int
dispatch_main(const struct dispatch *d, int argc, char **argv)
{
  static const struct option opts[] = {
      {"config", required_argument, NULL, 'c'},
      {"db", required_argument, NULL, 'd'},
      {"verbose", no_argument, NULL, 'v'},
      {"quiet", no_argument, NULL, 'q'},
      {"version", no_argument, NULL, 'V'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  struct cmd_ctx ctx;
  const char *conf_path = getenv("SHORTMAIL_CONFIG");
  const struct cmd_def *def;
  char err[SM_ERRLEN];
  enum sm_status st;
  int c, quiet = 0, rc;

  running = d;
  memset(&ctx, 0, sizeof(ctx));
  ctx.name = "";
  ctx.db_path = getenv("SHORTMAIL_DB");
  if (ctx.db_path && !*ctx.db_path)
    ctx.db_path = NULL;
  if (conf_path && !*conf_path)
    conf_path = NULL;
  /* '+': options after the command name belong to the command. */
  while ((c = getopt_long(argc, argv, "+c:d:vqh", opts, NULL)) != -1) {
    switch (c) {
    case 'c':
      conf_path = optarg;
      break;
    case 'd':
      ctx.db_path = optarg;
      break;
    case 'v':
      ctx.verbose = 1;
      break;
    case 'q':
      quiet = 1;
      break;
    case 'V':
      printf("%s %s\n", d->prog, PACKAGE_VERSION);
      return EX_OK;
    case 'h':
      print_main_usage(stdout);
      return EX_OK;
    default:
      fprintf(stderr, "Try '%s --help'.\n", d->prog);
      return usage_status(argc, argv);
    }
  }
  if (optind >= argc) {
    print_main_usage(stderr);
    return usage_status(argc, argv);
  }
  def = cmd_find(argv[optind]);
  if (!def) {
    fprintf(stderr, "%s: '%s' is not a command. See '%s help'.\n", d->prog,
            argv[optind], d->prog);
    return usage_status(argc, argv);
  }
  ctx.name = def->name;
  log_init(def->name);
  if (cmd_wants_help(def, argc - optind, argv + optind))
    return EX_OK;
  if (!(def->flags & CMD_NOCONF)) {
    /* The default file may be absent (defaults apply); a named one must
     * exist. */
    int named = conf_path != NULL;
    st = conf_load(&ctx.conf, named ? conf_path : conf_default_path(), named,
                   err, sizeof(err));
    if (st != SM_OK) {
      log_error("%s", err);
      return (def->flags & CMD_TEMPFAIL) ? EX_TEMPFAIL : EX_CONFIG;
    }
    /* A log file we cannot open does not stop the command (receive
     * must not bounce mail over it): stderr and syslog still carry
     * every message. */
    if (ctx.conf.log.file && log_set_file(ctx.conf.log.file) < 0)
      log_warning("%s: cannot open the log file ([log] file): %s",
                  ctx.conf.log.file, strerror(errno));
    log_set_syslog(ctx.conf.log.syslog);
    if (!strcmp(ctx.conf.log.level, "error"))
      log_set_level(LOG_LEVEL_ERROR);
    else if (!strcmp(ctx.conf.log.level, "warning"))
      log_set_level(LOG_LEVEL_WARNING);
    else if (!strcmp(ctx.conf.log.level, "debug"))
      log_set_level(LOG_LEVEL_DEBUG);
  }
  if (quiet)
    log_set_level(LOG_LEVEL_WARNING);
  if (ctx.verbose)
    log_set_level(LOG_LEVEL_DEBUG);
  if (d->init)
    d->init();
  argc -= optind;
  argv += optind;
  /* getopt in the command starts over on its own argv. */
  optind = 0;
  rc = def->fn(&ctx, argc, argv);
  {
    /* Output that never reached its file (a full disk) fails the
     * command, once; a command that said so itself cleared the error. */
    int e = fflush(stdout) != 0 ? errno : 0;

    if (e || ferror(stdout)) {
      log_error("standard output: cannot write%s%s", e ? ": " : "",
                e ? strerror(e) : "");
      if (rc == EX_OK)
        rc = (def->flags & CMD_TEMPFAIL) ? EX_TEMPFAIL : EX_IOERR;
    }
  }
  if (d->cleanup)
    d->cleanup();
  conf_free(&ctx.conf);
  return rc;
}
