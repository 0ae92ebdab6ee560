/* cmd_config.c: `shortmail config`: print the configuration in effect. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"

static const char usage[] =
    "usage: shortmail config [--sample]\n"
    "\n"
    "Print every setting in effect (the file's values over the defaults)\n"
    "as a configuration file. The file read is named in the first line;\n"
    "see shortmail.conf(5).\n"
    "\n"
    "  --sample  print a sample file instead: every key commented out at\n"
    "            its default (what `make install` puts in place)\n";

static int
cmd_config(struct cmd_ctx *ctx, int argc, char **argv)
{
  if (argc == 2 && !strcmp(argv[1], "--sample")) {
    conf_sample(stdout);
    return EX_OK;
  }
  if (argc > 1)
    return cmd_usage_error(ctx, "unexpected argument \"%s\"", argv[1]);
  printf("# read from %s\n",
         ctx->conf.path ? ctx->conf.path : "(defaults: no file)");
  conf_dump(&ctx->conf, stdout);
  return EX_OK;
}

const struct cmd_def cmd_config_def = {
    "config", cmd_config, "print the configuration in effect", usage, 0};
