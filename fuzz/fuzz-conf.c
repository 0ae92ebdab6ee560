/* fuzz-conf.c: the configuration parser on arbitrary text. An accepted
 * file must have the derived fields filled; a rejected one must say
 * where. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct conf c;
  char err[SM_ERRLEN] = "";
  char *text = malloc(size + 1);

  if (!text)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  if (conf_parse(&c, "fuzz.conf", text, err, sizeof(err)) == SM_OK) {
    if (!c.list.local || !c.list.domain || !c.site.url)
      abort();
    conf_free(&c);
  } else if (strncmp(err, "fuzz.conf", 9) != 0)
    abort();
  free(text);
  return 0;
}
