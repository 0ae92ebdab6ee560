/* fuzz-form.c: form_parse on arbitrary bytes, as urlencoded and as
 * multipart with the boundary named in the input's first line: it must
 * never crash, and what it accepts must be well-formed C strings. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct form *f)
{
  for (size_t i = 0; i < f->n; i++) {
    const char *n = f->fields[i].name, *v = f->fields[i].value;
    if (!util_utf8_valid(n, strlen(n)) || !util_utf8_valid(v, strlen(v)))
      abort();
    if (form_get(f, n) == NULL)
      abort();
  }
  if (f->n > FORM_MAX_FIELDS)
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *p = (const char *)data;
  const char *nl = memchr(p, '\n', size);
  char type[256], err[SM_ERRLEN];
  struct form f;
  size_t hl;

  if (form_parse("application/x-www-form-urlencoded", p, size, &f, err,
                 sizeof(err)) == SM_OK)
    check(&f);
  form_free(&f);
  /* First line: the Content-Type parameters; the rest: the body. */
  hl = nl ? (size_t)(nl - p) : size;
  if (hl > 200)
    hl = 200;
  memcpy(type, "multipart/form-data", 19);
  memcpy(type + 19, p, hl);
  type[19 + hl] = '\0';
  if (memchr(type, '\0', 19 + hl) == type + 19 + hl &&
      form_parse(type, nl ? nl + 1 : "", nl ? size - hl - 1 : 0, &f, err,
                 sizeof(err)) == SM_OK)
    check(&f);
  form_free(&f);
  return 0;
}
