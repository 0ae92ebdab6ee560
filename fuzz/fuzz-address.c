/* fuzz-address.c: the address grammar on arbitrary bytes. It must never
 * crash, and what it takes must hold together: an address it takes
 * normalises to one it takes again, unchanged by a second pass, the same
 * reader as the input, with a mailbox key that is itself an address. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char in[ADDRESS_MAX + 2], out[ADDRESS_MAX + 1], again[ADDRESS_MAX + 1];
  char key[ADDRESS_MAX + 1], err[512];
  const char *s = (const char *)data;
  enum address_fault f = address_check(s, size);

  address_explain(size < sizeof(in) ? "x" : "y", f, err, sizeof(err));
  if (f != ADDRESS_OK) {
    if (address_normalize(s, size, out, sizeof(out)) == ADDRESS_OK)
      abort();
    return 0;
  }
  if (size > ADDRESS_MAX || memchr(data, '\0', size))
    abort();
  memcpy(in, data, size);
  in[size] = '\0';
  if (!address_sendable(in) ||
      address_normalize(in, size, out, sizeof(out)) != ADDRESS_OK ||
      address_normalize(out, strlen(out), again, sizeof(again)) !=
          ADDRESS_OK ||
      strcmp(out, again) || !address_same(in, out))
    abort();
  if (address_mailbox_key(in, key, sizeof(key)) != ADDRESS_OK ||
      !address_sendable(key) || strlen(key) > size)
    abort();
  return 0;
}
