/* fuzz-commands.c: the command language on arbitrary text. Every command
 * found must be one of the verbs, come from a line within the limits,
 * and never more than INBOUND_MAX_COMMANDS run. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inbound_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct inbound_cmds c;
  char *text = malloc(size + 1);
  size_t split;

  if (!text)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  /* The first line is the Subject, the rest the body. */
  split = strcspn(text, "\n");
  if (text[split])
    text[split++] = '\0';
  if (inbound_cmd_parse(text, text + split, &c) == SM_OK) {
    if (c.n > INBOUND_MAX_COMMANDS)
      abort();
    for (size_t i = 0; i < c.n; i++) {
      if (strlen(c.cmds[i].line) > INBOUND_MAX_LINE || !c.cmds[i].args ||
          strcmp(inbound_verb_name(c.cmds[i].verb), "?") == 0)
        abort();
      if (!inbound_verb_takes_keywords(c.cmds[i].verb) && *c.cmds[i].args)
        abort();
    }
    inbound_cmds_free(&c);
  }
  free(text);
  return 0;
}
