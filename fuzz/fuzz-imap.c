/* fuzz-imap.c: the readers of IMAP answers that `shortmail fetch` takes
 * from libcurl (http_imap_parse_status, http_imap_parse_list) on
 * arbitrary bytes: never a crash, and what they accept holds what they
 * promise (UIDs sorted, unique and non-zero, at most max items, a
 * non-zero UIDVALIDITY). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *p = (const char *)data;
  struct http_imap_status st;
  struct http_imap_item *items = NULL;
  size_t n = 0, bad = 0, max = 1 + (size ? data[0] % 64 : 0);

  if (http_imap_parse_status(p, size, &st) == SM_OK && st.uidvalidity == 0)
    abort();
  if (http_imap_parse_list(p, size, max, &items, &n, &bad) == SM_OK) {
    if (n > max || (n == 0) != (items == NULL))
      abort();
    for (size_t i = 0; i < n; i++)
      if (items[i].uid == 0 || (i && items[i].uid <= items[i - 1].uid))
        abort();
  }
  free(items);
  return 0;
}
