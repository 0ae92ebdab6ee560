/* fuzz-smtp-reply.c: arbitrary bytes as an SMTP server's replies, read
 * the way a session reads them (smtp_reply_feed, smtp_reply_parse,
 * smtp_reply_clean: the protocol monitor of src/smtp.c). Never a crash,
 * and the promises hold, else abort():
 *   - the lines handed over do not depend on how the bytes were cut into
 *     reads (all at once, or in pieces sized by the input);
 *   - each line ends in LF and is at most SMTP_RLINE_MAX bytes;
 *   - a reply line's code is 200..559, its text lies inside the line
 *     and ends in neither CR nor LF; a continuation ('-') is never last;
 *   - cleaned text is NUL-terminated inside its buffer, with no control
 *     character, no leading, trailing or doubled space. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A digest of the lines seen, in order, and their number. */
struct trace {
  uint64_t hash;
  size_t lines;
};

static void
check_clean(const char *in, size_t n, size_t outlen)
{
  char out[SMTP_RLINE_MAX + 1];
  size_t k;

  memset(out, 'Z', sizeof out);
  smtp_reply_clean(out, outlen, in, n);
  k = strnlen(out, outlen);
  if (k >= outlen)
    abort();
  for (size_t i = 0; i < k; i++) {
    unsigned char c = (unsigned char)out[i];
    if (c < 0x20 || c == 0x7f)
      abort();
    if (c == ' ' && (i == 0 || i + 1 == k || out[i - 1] == ' '))
      abort();
  }
  if (outlen < sizeof out && out[outlen] != 'Z')
    abort(); /* wrote past its buffer */
}

static void
on_line(void *ctx, const char *line, size_t len)
{
  struct trace *t = ctx;
  struct smtp_reply_line rl;

  if (len == 0 || len > SMTP_RLINE_MAX || line[len - 1] != '\n')
    abort();
  for (size_t i = 0; i < len; i++)
    t->hash = (t->hash ^ (unsigned char)line[i]) * 1099511628211u;
  t->hash = (t->hash ^ 0x100) * 1099511628211u; /* the line's end */
  t->lines++;
  if (smtp_reply_parse(line, len, &rl)) {
    if (rl.code < 200 || rl.code > 559 || rl.code % 100 > 59)
      abort();
    if (rl.text < line + 3 || rl.text + rl.textlen > line + len)
      abort();
    if (rl.textlen &&
        (rl.text[rl.textlen - 1] == '\r' || rl.text[rl.textlen - 1] == '\n'))
      abort();
    if (len > 3 && line[3] == '-' && rl.last)
      abort();
    check_clean(rl.text, rl.textlen, 1 + (len % SMTP_REPLY_MAX));
  }
  check_clean(line, len, SMTP_REPLY_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *p = (const char *)data;
  struct smtp_reply_reader r;
  struct trace whole = {14695981039346656037u, 0};
  struct trace cut = {14695981039346656037u, 0};
  size_t off = 0, i = 0, lines = 0;

  r.len = 0;
  lines = smtp_reply_feed(&r, p, size, on_line, &whole);
  if (lines != whole.lines || r.len > SMTP_RLINE_MAX)
    abort();
  /* The same bytes in reads of 1 to 64 bytes, sizes taken from the input
   * itself so that the fuzzer steers the cuts too. */
  r.len = 0;
  while (off < size) {
    size_t n = 1 + (size_t)(data[i++ % size] % 64);
    if (n > size - off)
      n = size - off;
    smtp_reply_feed(&r, p + off, n, on_line, &cut);
    off += n;
  }
  if (cut.lines != whole.lines || cut.hash != whole.hash)
    abort();
  return 0;
}
