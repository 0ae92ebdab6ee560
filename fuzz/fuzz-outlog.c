/* fuzz-outlog.c: arbitrary bytes as a dead sender's journal, read the
 * way the next sender reads it (outlog_parse). Never a crash, and the
 * promises hold, else abort():
 *   - either the input is refused as no journal, or it has an owner with
 *     no line break in it;
 *   - every outcome has an id above 0, an outcome of the three, a code
 *     0..999, and a reply inside the input, with no line break;
 *   - outcomes and refused lines together are at most the lines there. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = malloc(size + 1);
  const char *owner;
  struct store_result *res;
  size_t n, bad, lines = 0;
  enum sm_status rc;

  if (!text)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  for (size_t i = 0; i < size; i++)
    lines += data[i] == '\n';
  rc = outlog_parse(text, size, &owner, &res, &n, &bad);
  if (rc == SM_ERR_DATA) {
    free(text);
    return 0;
  }
  if (rc != SM_OK || !owner || strchr(owner, '\n') || !*owner)
    abort();
  if (n + bad > lines)
    abort();
  for (size_t i = 0; i < n; i++) {
    const struct store_result *r = &res[i];

    if (r->id <= 0 || (unsigned)r->outcome > STORE_FAILED ||
        r->smtp_code < 0 || r->smtp_code > 999 || !r->reply ||
        r->reply < text || r->reply > text + size || strchr(r->reply, '\n'))
      abort();
  }
  free(res);
  free(text);
  return 0;
}
