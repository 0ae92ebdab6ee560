/* main_receive.c: `shortmail-receive`, the entry an MTA pipes mail into.
 * The same command line as `shortmail ... receive ...`, the same exit
 * codes, and 75 for any mistake in it; it knows only `receive` (and
 * help), so it links only what receiving needs: no libcurl, libesmtp,
 * OpenSSL's libssl or libmicrohttpd, whose loading was half of every
 * received message's cost (bench/receive). */
#include "config.h"

#include "cmd.h"
#include "dispatch.h"
#include "inbound.h"

static const struct cmd_def *const commands[] = {&cmd_receive_def,
                                                 &cmd_help_def};

static void
init(void)
{
  inbound_global_init();
}

int
main(int argc, char **argv)
{
  static const struct dispatch d = {
      .prog = "shortmail-receive",
      .cmds = commands,
      .ncmds = sizeof(commands) / sizeof(commands[0]),
      .init = init,
      .mta = 1,
  };

  return dispatch_main(&d, argc, argv);
}
