/* cmd_config.c: `shortmail config`: print the configuration in effect. */
#include "config.h"

#include <stdio.h>
#include <sysexits.h>

#include "cmd.h"

static const char usage[] =
    "usage: shortmail config\n"
    "\n"
    "Print every setting in effect (the file's values over the defaults)\n"
    "as a configuration file. The file read is named in the first line;\n"
    "see shortmail.conf(5).\n";

static int
cmd_config(struct cmd_ctx *ctx, int argc, char **argv)
{
  (void)argv;
  if (argc > 1)
    return cmd_usage_error(ctx, "takes no arguments");
  printf("# read from %s\n",
         ctx->conf.path ? ctx->conf.path : "(defaults: no file)");
  conf_dump(&ctx->conf, stdout);
  return EX_OK;
}

const struct cmd_def cmd_config_def = {
    "config", cmd_config, "print the configuration in effect", usage, 0};
