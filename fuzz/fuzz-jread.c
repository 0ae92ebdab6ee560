/* fuzz-jread.c: the JSON reader on arbitrary bytes: it accepts or
 * refuses with a message, and an accepted tree is walkable. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
walk(const struct jread_value *v, int depth)
{
  size_t n = 1;

  if (depth > JREAD_MAX_DEPTH + 1)
    abort();
  if ((v->type == JREAD_STRING || v->type == JREAD_NUMBER) && !v->s)
    abort();
  for (size_t i = 0; i < v->n; i++)
    n += walk(&v->items[i], depth + 1);
  return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct jread_value *v = NULL;
  char err[SM_ERRLEN] = "";

  if (jread_parse((const char *)data, size, "fuzz", &v, err, sizeof(err)) ==
      SM_OK) {
    walk(v, 0);
    jread_free(v);
  } else if (strncmp(err, "fuzz", 4) != 0)
    abort();
  return 0;
}
