/* fuzz-reply.c: arbitrary text through the comment extractor and the
 * whole-digest item finder. Every result must keep the module's
 * promises, else abort():
 *   - valid UTF-8 text in gives SM_OK and valid UTF-8 out, no NUL;
 *   - each line ends in "\n" with no trailing white space, no blank line
 *     first or last, never more than two blank lines in a row;
 *   - was_empty exactly when nothing was written;
 *   - quoted ("> ") lines appear only as the context of inline answers
 *     (or as a Python prompt the reader typed, ">>> "), and never in
 *     reply_extract_ours();
 *   - the output is at most a small multiple of the input (context lines
 *     re-space quote marks, blocks get a blank line between them);
 *   - a reply that quoted nothing gives a comment that is its own
 *     comment: extracting it again changes nothing (with a quote this
 *     need not hold: an attribution whose quote the reader deleted is
 *     recognised only at the end of the text);
 *   - the item found under a heading is one of the titles given. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "reply.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FOOTER "You get this because"

static void
check_shape(const char *s, size_t len, const struct reply_info *info)
{
  size_t blanks = 0;

  if (strlen(s) != len || !util_utf8_valid(s, len))
    abort();
  if (info->was_empty != (len == 0))
    abort();
  if (len == 0)
    return;
  if (s[0] == '\n' || s[len - 1] != '\n' || (len >= 2 && s[len - 2] == '\n'))
    abort();
  for (const char *p = s; *p;) {
    const char *e = strchr(p, '\n');

    if (!e)
      abort();
    if (e == p) {
      if (++blanks > 2)
        abort();
    } else {
      blanks = 0;
      if (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')
        abort();
      /* A Python prompt (">>> ") the reader typed is text. */
      if (*p == '>' && info->inline_answers == 0 && strncmp(p, ">>> ", 4))
        abort();
    }
    p = e + 1;
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const titles[] = {"Deep Residual Learning",
                                       "Generative Adversarial Networks", "",
                                       NULL, "x"};
  struct buf out = BUF_INIT(1 << 22), again = BUF_INIT(1 << 22);
  struct reply_info info, info2;
  char *text = malloc(size + 1);
  size_t len, which = 99;
  enum sm_status st;

  if (!text)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  len = strlen(text);
  st = reply_extract(text, FOOTER, &out, &info);
  if (!util_utf8_valid(text, len)) {
    if (st != SM_ERR_DATA)
      abort();
    goto done;
  }
  if (st != SM_OK)
    abort();
  check_shape(buf_str(&out), out.len, &info);
  if (out.len > 3 * len + 8)
    abort();
  if (!info.had_quote && !info.was_empty) {
    if (reply_extract(buf_str(&out), FOOTER, &again, &info2) != SM_OK ||
        strcmp(buf_str(&again), buf_str(&out)) || info2.inline_answers)
      abort();
  }
  /* In a reply to our own mail, no quoted line is kept at all. */
  buf_reset(&again);
  if (reply_extract_ours(text, FOOTER, &again, &info2) != SM_OK)
    abort();
  check_shape(buf_str(&again), again.len, &info2);
  for (const char *p = buf_str(&again); *p;) {
    const char *e = strchr(p, '\n');

    if ((*p == '>' && strncmp(p, ">>> ", 4)) || !strncmp(p, "&gt;", 4))
      abort();
    p = e ? e + 1 : p + strlen(p);
  }
  /* Without inline answers there was no quoted line to leave out. */
  if (!info.inline_answers && strcmp(buf_str(&again), buf_str(&out)))
    abort();
  st = reply_quoted_heading(text, FOOTER, titles,
                            sizeof(titles) / sizeof(titles[0]), &which);
  if (st == SM_OK ? which >= sizeof(titles) / sizeof(titles[0]) ||
                        !titles[which] || !*titles[which]
                  : st != SM_ERR_NOTFOUND)
    abort();
done:
  buf_free(&out);
  buf_free(&again);
  free(text);
  return 0;
}
