/* test-http-head.c: the response head as the http module reads it from
 * libcurl (http_head_line, through http_head_parse): status lines of
 * HTTP/1.0, 1.1 and 2, redirects and 100 Continue before the answer,
 * ETag and Last-Modified, folded and duplicate fields, the forms of
 * Retry-After; and the body sink's bound over chunked pieces. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "http.h"
#include "http_int.h"
#include "tap.h"

/* 2026-11-23T02:34:08Z, a Monday */
#define NOW 1795401248

static void
head(struct http_head *h, const char *text)
{
  http_head_init(h, NOW);
  http_head_parse(h, text, strlen(text));
}

static void
test_status(void)
{
  struct http_head h;

  head(&h, "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
           "ETag: \"5f3a-1b2c\"\r\n"
           "Last-Modified: Mon, 23 Nov 2026 02:00:00 GMT\r\n\r\n");
  is_int(h.status, 200, "1.1: status");
  is_str(h.reason, "OK", "1.1: reason");
  is_str(h.etag ? h.etag : "(null)", "\"5f3a-1b2c\"", "ETag kept, quoted");
  is_str(h.last_modified ? h.last_modified : "(null)",
         "Mon, 23 Nov 2026 02:00:00 GMT", "Last-Modified kept");
  is_int(h.retry_after, -1, "no Retry-After");
  http_head_free(&h);

  head(&h, "HTTP/2 200 \r\netag: W/\"abc\"\r\n\r\n");
  is_int(h.status, 200, "HTTP/2: status");
  is_str(h.reason, "", "HTTP/2: no reason (libcurl adds a space)");
  is_str(h.etag ? h.etag : "(null)", "W/\"abc\"", "a lower-case weak etag");
  http_head_free(&h);

  head(&h, "HTTP/1.0 503 Service Unavailable\n");
  is_int(h.status, 503, "1.0 and a bare LF: status");
  is_str(h.reason, "Service Unavailable", "1.0: reason");

  head(&h, "HTTP/1.1 404\r\n");
  is_int(h.status, 404, "no reason phrase at all");
  is_str(h.reason, "", "empty reason");

  head(&h, "HTTP/1.1 500 Bad\x01\xc3\xa9 thing   \r\n");
  is_str(h.reason, "Bad??? thing", "controls and non-ASCII shown as '?'");

  head(&h, "HTTP/1.1 2000 Huh\r\n");
  is_int(h.status, 0, "four digits: no status");
  head(&h, "HTTP/1.1 20x OK\r\n");
  is_int(h.status, 0, "a letter: no status");
  /* Found by fuzz-http-resp: "039" was taken for a status. */
  head(&h, "HTTP/1.1 039 Odd\r\n");
  is_int(h.status, 0, "a first digit 0: no status");
  head(&h, "HTTP/1.1 600 Odd\r\n");
  is_int(h.status, 0, "a first digit 6: no status");
  head(&h, "HTTP/1.1\r\n");
  is_int(h.status, 0, "no code: no status");

  /* A redirect, then 100 Continue, then the answer: only the last counts. */
  head(&h, "HTTP/1.1 301 Moved Permanently\r\nLocation: /b\r\n"
           "ETag: \"old\"\r\nRetry-After: 5\r\n\r\n"
           "HTTP/1.1 100 Continue\r\n\r\n"
           "HTTP/1.1 200 OK\r\nLast-Modified: x\r\n\r\n");
  is_int(h.status, 200, "the last response's status");
  ok(h.etag == NULL, "the redirect's ETag forgotten");
  is_int(h.retry_after, -1, "and its Retry-After");
  is_str(h.last_modified ? h.last_modified : "(null)", "x",
         "the last response's field kept");
  http_head_free(&h);
}

static void
test_fields(void)
{
  struct http_head h;
  char big[HTTP_HEADER_MAX + 64];

  head(&h, "HTTP/1.1 200 OK\r\nETag: \"a\"\r\nETag: \"a\"\r\n\r\n");
  is_str(h.etag ? h.etag : "(null)", "\"a\"", "the same ETag twice: kept");
  http_head_free(&h);
  head(&h, "HTTP/1.1 200 OK\r\nETag: \"a\"\r\nETag: \"b\"\r\nETag: \"a\"\r\n");
  ok(h.etag == NULL, "two ETags that differ: none believed");
  head(&h, "HTTP/1.1 200 OK\r\nLast-Modified: Mon, 23 Nov 2026\r\n"
           "  02:00:00 GMT\r\nETag: \"e\"\r\n");
  ok(h.last_modified == NULL, "a folded Last-Modified: not believed");
  is_str(h.etag ? h.etag : "(null)", "\"e\"", "the next field still read");
  http_head_free(&h);
  head(&h, "HTTP/1.1 200 OK\r\nX-Long: a\r\n\tb\r\nETag: \"f\"\r\n");
  is_str(h.etag ? h.etag : "(null)", "\"f\"",
         "a fold of another field changes nothing");
  http_head_free(&h);
  head(&h, "HTTP/1.1 200 OK\r\nETag:\r\nETag :\"x\"\r\nETagX: \"y\"\r\n");
  ok(h.etag == NULL, "empty, space before the colon, a longer name: none");
  head(&h, "HTTP/1.1 200 OK\r\nETag: \"a\"");
  is_str(h.etag ? h.etag : "(null)", "\"a\"", "a last line without CR LF");
  http_head_free(&h);
  memset(big, 'e', sizeof(big));
  memcpy(big, "ETag: ", 6);
  big[sizeof(big) - 1] = '\0';
  head(&h, big);
  ok(h.etag == NULL, "an ETag over HTTP_HEADER_MAX: none");
  /* Found by fuzz-http-resp: libcurl splits at LF only, so a CR (or a
   * NUL, or a byte over 0x7E) can sit inside a value. */
  head(&h, "HTTP/1.1 200 OK\r\nETag: \"5f3a\r\"c\r\n"
           "Last-Modified: Mon, 23\x01Nov\r\n");
  ok(h.etag == NULL, "an ETag with a CR inside: none");
  ok(h.last_modified == NULL, "a Last-Modified with a control: none");
  head(&h, "HTTP/1.1 200 OK\r\nETag: \"caf\xc3\xa9\"\r\n");
  ok(h.etag == NULL, "an ETag with non-ASCII bytes: none (never sent back)");
  head(&h, "HTTP/1.1 200 OK\r\nETag: \"a\"\r\n\r\n0\r\n\r\n");
  is_str(h.etag ? h.etag : "(null)", "\"a\"",
         "lines that are no fields (a chunk's size) are skipped");
  http_head_free(&h);
}

static void
test_retry_after(void)
{
  struct http_head h;

  is_int(http_retry_after("120", 3, NOW), HTTP_RETRY_AFTER_MAX + 1,
         "120 s: more than the most one run waits");
  is_int(http_retry_after("30", 2, NOW), 30, "delta-seconds");
  is_int(http_retry_after("0", 1, NOW), 0, "zero");
  is_int(http_retry_after("99999999999999999999999", 23, NOW),
         HTTP_RETRY_AFTER_MAX + 1, "an endless number: longer, no overflow");
  is_int(http_retry_after("Mon, 23 Nov 2026 02:34:48 GMT", 29, NOW), 40,
         "an IMF-fixdate 40 s ahead");
  is_int(http_retry_after("Mon, 23 Nov 2026 02:00:00 GMT", 29, NOW), 0,
         "a date past: at once");
  is_int(http_retry_after("Tue, 24 Nov 2026 02:34:08 GMT", 29, NOW),
         HTTP_RETRY_AFTER_MAX + 1, "a date a day ahead: longer");
  is_int(http_retry_after("Monday, 23-Nov-26 02:34:48 GMT", 30, NOW), -1,
         "RFC 850 date: not read");
  is_int(http_retry_after("Mon Nov 23 02:34:48 2026", 24, NOW), -1,
         "asctime date: not read");
  is_int(http_retry_after("-5", 2, NOW), -1, "negative: not read");
  is_int(http_retry_after("5s", 2, NOW), -1, "a unit: not read");
  is_int(http_retry_after("1.5", 3, NOW), -1, "a fraction: not read");
  is_int(http_retry_after("", 0, NOW), -1, "empty: not read");

  head(&h, "HTTP/1.1 503 Service Unavailable\r\nRetry-After:  7 \r\n\r\n");
  is_int(h.retry_after, 7, "in a head, spaces around");
  head(&h, "HTTP/1.1 429 Too Many Requests\r\nretry-after: 7\r\n"
           "Retry-After: 7\r\n");
  is_int(h.retry_after, 7, "the same twice");
  head(&h, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\n"
           "Retry-After: 9\r\n");
  is_int(h.retry_after, -1, "two that differ: none");
  head(&h, "HTTP/1.1 503 x\r\nRetry-After: Mon, 23 Nov 2026\r\n"
           " 02:34:48 GMT\r\n");
  is_int(h.retry_after, -1, "folded: none");
  head(&h, "HTTP/1.1 503 x\r\nRetry-After: soon\r\n");
  is_int(h.retry_after, -1, "garbage: none");
}

/* The body as libcurl hands it over, chunked or not: pieces appended
 * until the bound, then the transfer is stopped. */
static void
test_sink(void)
{
  struct buf body = BUF_INIT(10);
  struct http_sink sink = {&body, 0, 0};
  char piece[] = "abcd";

  is_int(http_sink_write(piece, 1, 4, &sink), 4, "a first piece taken");
  is_int(http_sink_write(piece, 2, 2, &sink), 4, "size * n counted");
  is_int(http_sink_write(piece, 1, 4, &sink), 0,
         "the piece past the bound stops the transfer");
  ok(sink.too_large && !sink.nomem, "as too large");
  is_int(body.len, 8, "what came before is kept");
  is_int(http_sink_write(piece, 1, 0, &sink), 0, "an empty piece");
  buf_free(&body);
}

int
main(void)
{
  test_status();
  test_fields();
  test_retry_after();
  test_sink();
  return done_testing();
}
