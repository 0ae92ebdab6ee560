/* fuzz-dkim.c: the relaxed canonicalizations of the DKIM signer on
 * arbitrary bytes (a digest's body and headers carry text from feeds and
 * readers). The first byte splits the input into a header field and a
 * body. Each result must be bounded (a body grows by at most a final
 * CRLF, a field never grows), a fixed point (canonicalizing it again
 * changes nothing), free of white space before a CRLF or at the end,
 * and a non-empty body must end in CRLF with no empty line before it.
 * The body's must also equal that of a plain rendering of RFC 6376
 * 3.4.4 here, line by line (the signer copies most lines whole). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "signer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 6376 3.4.4 as it reads, into out (room for n + 2): each CRLF line
 * with its runs of white space made one space and none at its end, then
 * no empty lines at the end of the body. */
static size_t
reference_body(const char *b, size_t n, char *out)
{
  size_t i = 0, o = 0, kept = 0;

  while (i < n) {
    size_t j = i, start = o;
    int wsp = 0;

    while (j < n && !(b[j] == '\r' && j + 1 < n && b[j + 1] == '\n'))
      j++;
    for (size_t k = i; k < j; k++) {
      if (b[k] == ' ' || b[k] == '\t') {
        wsp = 1;
        continue;
      }
      if (wsp)
        out[o++] = ' ';
      wsp = 0;
      out[o++] = b[k];
    }
    out[o++] = '\r';
    out[o++] = '\n';
    if (o - start > 2)
      kept = o;
    i = j < n ? j + 2 : n;
  }
  return kept;
}

static void
check_body(const char *p, size_t n)
{
  struct buf a = BUF_INIT(n + 3), b = BUF_INIT(n + 3);
  char *ref = malloc(n + 3);
  size_t rlen;

  if (!ref)
    return;
  rlen = reference_body(p, n, ref);

  if (signer_canon_body(p, n, &a) != SM_OK || a.len > n + 2)
    abort();
  if (a.len != rlen || (rlen && memcmp(a.data, ref, rlen)))
    abort();
  free(ref);
  if (a.len) {
    if (a.len < 3 || memcmp(a.data + a.len - 2, "\r\n", 2) ||
        (a.len >= 4 && !memcmp(a.data + a.len - 4, "\r\n\r\n", 4)))
      abort();
    for (size_t i = 0; i + 2 < a.len + 1; i++)
      if ((a.data[i] == ' ' || a.data[i] == '\t') &&
          (a.data[i + 1] == '\r' && a.data[i + 2] == '\n'))
        abort();
  }
  if (signer_canon_body(buf_str(&a), a.len, &b) != SM_OK || a.len != b.len ||
      (a.len && memcmp(a.data, b.data, a.len)))
    abort();
  buf_free(&a);
  buf_free(&b);
}

static void
check_header(const char *p, size_t n)
{
  struct buf a = BUF_INIT(n + 1), b = BUF_INIT(n + 1);

  if (signer_canon_header(p, n, &a) != SM_OK || a.len > n)
    abort();
  if (a.len && (a.data[a.len - 1] == ' ' || a.data[a.len - 1] == '\t'))
    abort();
  if (signer_canon_header(buf_str(&a), a.len, &b) != SM_OK || a.len != b.len ||
      (a.len && memcmp(a.data, b.data, a.len)))
    abort();
  buf_free(&a);
  buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  size_t cut;

  if (size == 0)
    return 0;
  cut = data[0] < size ? data[0] : size - 1;
  check_header((const char *)data + 1, cut);
  check_body((const char *)data + 1 + cut, size - 1 - cut);
  return 0;
}
