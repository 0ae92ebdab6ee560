/* fuzz-html.c: arbitrary bytes through the HTML-to-text converter
 * (src/html.c), then the text through the comment extractor, as an
 * HTML-only reply goes. Promises, else abort():
 *   - html_to_text succeeds, its text is valid UTF-8 without NUL bytes,
 *     ends with a newline when not empty, and is at most a fixed multiple
 *     of the input (quote marks are capped per line, so deep nesting
 *     cannot blow it up);
 *   - the extractor accepts that text. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "reply.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Worst case: "<br>" (4 bytes) inside 16 levels of <blockquote> writes
 * 16 "> " marks and a newline; a paragraph end may add a blank line. */
#define GROWTH 24
#define SLACK 1024

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct buf out = BUF_INIT(GROWTH * size + SLACK),
             comment = BUF_INIT(GROWTH * size + SLACK);
  struct reply_info info;
  enum sm_status st;

  st = html_to_text((const char *)data, size, &out);
  if (st != SM_OK)
    abort(); /* SM_ERR_LIMIT here means the growth bound was broken */
  if (strlen(buf_str(&out)) != out.len ||
      !util_utf8_valid(buf_str(&out), out.len))
    abort();
  if (out.len && out.data[out.len - 1] != '\n')
    abort();
  if (reply_extract(buf_str(&out), "You get this because", &comment, &info) !=
      SM_OK)
    abort();
  buf_free(&out);
  buf_free(&comment);
  return 0;
}
