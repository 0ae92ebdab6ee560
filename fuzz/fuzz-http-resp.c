/* fuzz-http-resp.c: arbitrary bytes as what a server answers, read the
 * way the http module reads libcurl's callbacks: the head line by line
 * (http_head_line, the header callback of src/http.c), Retry-After
 * values, the body through the bounded sink (the write callback, in
 * pieces as a chunked or compressed transfer hands them over), and each
 * line as an IMAP server's tagged answer (http_imap_refusal, the debug
 * callback of src/http_imap.c). Never a crash, and the promises hold,
 * else abort():
 *   - the status is 0 or 100..599, the reason printable ASCII without a
 *     trailing space; ETag and Last-Modified are non-empty, at most
 *     HTTP_HEADER_MAX bytes, without CR, LF or NUL;
 *   - Retry-After is -1 or 0..HTTP_RETRY_AFTER_MAX + 1, and so is
 *     http_retry_after on any value;
 *   - the same head read line by line or through http_head_parse gives
 *     the same result;
 *   - the sink keeps at most its bound, and stops exactly when a piece
 *     would pass it;
 *   - a refusal copied is printable ASCII within its buffer. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_field(const char *v)
{
  size_t n;

  if (!v)
    return;
  n = strnlen(v, HTTP_HEADER_MAX + 1);
  if (n == 0 || n > HTTP_HEADER_MAX || strpbrk(v, "\r\n"))
    abort();
}

static void
check_head(const struct http_head *h)
{
  size_t n = strnlen(h->reason, sizeof(h->reason));

  if (h->status != 0 && (h->status < 100 || h->status > 599))
    abort();
  if (n == sizeof(h->reason) || (n && h->reason[n - 1] == ' '))
    abort();
  for (size_t i = 0; i < n; i++)
    if (h->reason[i] < 0x20 || h->reason[i] > 0x7e)
      abort();
  check_field(h->etag);
  check_field(h->last_modified);
  if (h->retry_after < -1 || h->retry_after > HTTP_RETRY_AFTER_MAX + 1)
    abort();
}

static int
same(const char *a, const char *b)
{
  return (!a && !b) || (a && b && !strcmp(a, b));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *p = (const char *)data, *end = p + size, *lf;
  struct http_head a, b;
  struct buf body = BUF_INIT(1 + (size ? data[0] : 0) * 16);
  struct http_sink sink = {&body, 0, 0};
  char refusal[64];
  size_t off = 0, i = 0;
  long secs;

  /* The head as one text, and line by line as libcurl calls back. */
  http_head_init(&a, 1795401248);
  http_head_parse(&a, p, size);
  check_head(&a);
  http_head_init(&b, 1795401248);
  for (const char *q = p; q < end; q = lf) {
    lf = memchr(q, '\n', (size_t)(end - q));
    lf = lf ? lf + 1 : end;
    http_head_line(&b, q, (size_t)(lf - q));
    check_head(&b);
    if (http_imap_refusal(q, (size_t)(lf - q), refusal, 1 + (i++ % 64))) {
      for (const char *r = refusal; *r; r++)
        if (*r < 0x20 || *r > 0x7e)
          abort();
    }
  }
  if (a.status != b.status || strcmp(a.reason, b.reason) ||
      !same(a.etag, b.etag) || !same(a.last_modified, b.last_modified) ||
      a.retry_after != b.retry_after)
    abort();
  http_head_free(&a);
  http_head_free(&b);

  /* The whole input as one Retry-After value. */
  secs = http_retry_after(p, size, 1795401248);
  if (secs < -1 || secs > HTTP_RETRY_AFTER_MAX + 1)
    abort();

  /* The input as a body, in pieces of sizes taken from it. */
  i = 0;
  while (off < size) {
    size_t n = 1 + (size_t)(data[i++ % size] % 200), before = body.len;
    if (n > size - off)
      n = size - off;
    if (http_sink_write((char *)(uintptr_t)(p + off), 1, n, &sink) != n) {
      if (!sink.too_large || before + n <= body.max)
        abort();
      break;
    }
    if (body.len != before + n || body.len > body.max)
      abort();
    off += n;
  }
  buf_free(&body);
  return 0;
}
