/* dispatch.h: a program's main: global options, the configuration, the
 * log, and the subcommand. Two programs share it: `shortmail`, with every
 * command, and `shortmail-receive`, the MTA's entry, with `receive` alone
 * and so linked with only what receiving needs (a third of the shared
 * libraries, half the start-up). */
#ifndef SM_DISPATCH_H
#define SM_DISPATCH_H

#include <stddef.h>

#include "cmd.h"

struct dispatch {
  const char *prog; /* the program's name in messages */
  const struct cmd_def *const *cmds;
  size_t ncmds;
  /* Process-wide set-up and tear-down of the libraries the commands
   * use, around the command; either may be NULL. */
  void (*init)(void);
  void (*cleanup)(void);
  /* Every mistake on the command line exits 75 (the MTA's entry: the
   * mail is kept, never bounced over a typo in master.cf). */
  int mta;
};

/* The whole program: parses the global options, finds the command, loads
 * the configuration and runs it. Returns the exit status. */
int dispatch_main(const struct dispatch *d, int argc, char **argv);

/* The `help` command; it lists the running program's commands. */
extern const struct cmd_def cmd_help_def;

#endif
