/* inbound_cmd.h: the command language of the request address.
 *
 * One command per line, case-insensitive; a lone command may stand in the
 * Subject ("Re:"/"Fwd:" prefixes ignored), also inside a polite sentence:
 * "Subscribe to the digest please" is "subscribe" without keywords (the
 * rest are stop words), "unsubscribe me please" is "unsubscribe". A body
 * line that repeats the Subject's command is not run twice. Reading stops at
 * the first line that is not a command, at a signature ("-- "), at quoted text
 * ("> ") and at "end", so a reply that quotes our help text does not run it.
 * Blank lines before and between commands are skipped. */
#ifndef SM_INBOUND_CMD_H
#define SM_INBOUND_CMD_H

#include <stddef.h>

#include "status.h"

#define INBOUND_MAX_COMMANDS 100 /* command lines run from one message */
#define INBOUND_MAX_LINE 1000    /* characters in one command line */

enum inbound_verb {
  VERB_SUBSCRIBE,
  VERB_ADD,
  VERB_DEL,
  VERB_KEYWORDS, /* also "list" */
  VERB_WEEKLY,
  VERB_DAILY,
  VERB_PAUSE,
  VERB_RESUME,
  VERB_UNSUBSCRIBE,
  VERB_HELP,
  VERB_FOLLOW,
  VERB_UNFOLLOW
};

struct inbound_cmd {
  enum inbound_verb verb;
  char *line;      /* the line as written (trimmed), for the reply; owned */
  char *args;      /* what follows the verb, trimmed; "" when none; owned */
  unsigned lineno; /* 0 for the Subject, else the body line */
};

struct inbound_cmds {
  struct inbound_cmd *cmds; /* owned */
  size_t n;
  size_t dropped; /* command lines past INBOUND_MAX_COMMANDS, not run */
};

/* Reads the commands of a message. Never fails on content (no commands
 * is a valid, empty result); SM_ERR_NOMEM only. */
enum sm_status inbound_cmd_parse(const char *subject, const char *body,
                                 struct inbound_cmds *out);
void inbound_cmds_free(struct inbound_cmds *c);

/* The verb's canonical name ("subscribe"). */
const char *inbound_verb_name(enum inbound_verb v);

/* Whether the verb takes keywords as arguments (subscribe, add, del). */
int inbound_verb_takes_keywords(enum inbound_verb v);

#endif
