/* fuzz-render.c: renders arbitrary bytes as a summary, to HTML and to
 * text, at two widths and with cutting, and as TeX math; every output
 * must keep the module's promises, else abort():
 *   - HTML: only the tags and attributes the renderer makes (so no
 *     <script>, no on* handlers), and every href/src is http(s), mailto,
 *     ftp, tel or a data: image, never javascript:;
 *   - text: valid UTF-8, lines end in "\n" without trailing spaces, and a
 *     line wider than the width is a single word (after its indentation,
 *     quote marks, list marker or reference number) or a code line copied
 *     from the input;
 *   - a cut summary says so and links to the full one;
 *   - math is either converted or returned unchanged. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "render.h"
#include "status.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MORE "https://example.org/full"

static int
ieq_prefix(const char *s, size_t n, const char *lower)
{
  size_t i;

  for (i = 0; lower[i]; i++) {
    char c;

    if (i >= n)
      return 0;
    c = s[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != lower[i])
      return 0;
  }
  return 1;
}

static int
in_list(const char *s, size_t n, const char *const *list)
{
  for (; *list; list++)
    if (strlen(*list) == n && memcmp(s, *list, n) == 0)
      return 1;
  return 0;
}

static void
check_url(const char *v, size_t n)
{
  static const char *const ok[] = {"http:",
                                   "https:",
                                   "mailto:",
                                   "ftp:",
                                   "tel:",
                                   "data:image/png",
                                   "data:image/gif",
                                   "data:image/jpeg",
                                   "data:image/webp",
                                   NULL};

  for (const char *const *p = ok; *p; p++)
    if (ieq_prefix(v, n, *p))
      return;
  abort();
}

/* Every '<' in the output starts a tag the renderer writes: text has its
 * '<' escaped. */
static void
check_html(const char *h, size_t len)
{
  static const char *const tags[] = {
      "p",  "em", "strong", "code", "pre",        "a",    "img",
      "br", "hr", "h1",     "h2",   "h3",         "h4",   "h5",
      "h6", "ul", "ol",     "li",   "blockquote", "span", NULL};
  static const char *const attrs[] = {"href",  "src",   "alt",   "title",
                                      "class", "style", "start", NULL};
  size_t i = 0;

  if (!util_utf8_valid(h, len))
    abort();
  while (i < len) {
    const char *lt = memchr(h + i, '<', len - i);
    size_t j, k;

    if (!lt)
      break;
    i = (size_t)(lt - h) + 1;
    if (i < len && h[i] == '/')
      i++;
    for (j = i; j < len &&
                ((h[j] >= 'a' && h[j] <= 'z') || (h[j] >= '0' && h[j] <= '9'));
         j++)
      ;
    if (!in_list(h + i, j - i, tags))
      abort();
    /* Attributes: name="value" until '>' (values have '>' escaped). */
    for (i = j; i < len && h[i] != '>';) {
      if (h[i] == ' ' || h[i] == '/') {
        i++;
        continue;
      }
      for (j = i; j < len && h[j] >= 'a' && h[j] <= 'z'; j++)
        ;
      if (!in_list(h + i, j - i, attrs) || j + 1 >= len || h[j] != '=' ||
          h[j + 1] != '"')
        abort();
      for (k = j + 2; k < len && h[k] != '"'; k++)
        if (h[k] == '<' || h[k] == '>')
          abort();
      if (k >= len)
        abort();
      if ((j - i == 4 && memcmp(h + i, "href", 4) == 0) ||
          (j - i == 3 && memcmp(h + i, "src", 3) == 0))
        check_url(h + j + 2, k - j - 2);
      i = k + 1;
    }
    if (i >= len)
      abort();
  }
}

/* The part of a text line after its indentation, quote marks, list
 * markers and reference number: the words of the line. */
static const char *
line_words(const char *s, const char *end)
{
  for (;;) {
    const char *p = s;

    while (p < end && (*p == ' ' || *p == '>'))
      p++;
    if (p + 1 < end && *p == '*' && p[1] == ' ') {
      s = p + 2;
      continue;
    }
    if (p < end && *p >= '0' && *p <= '9') {
      const char *q = p;

      while (q < end && *q >= '0' && *q <= '9')
        q++;
      if (q + 1 < end && (*q == '.' || *q == ')') && q[1] == ' ') {
        s = q + 2;
        continue;
      }
    }
    if (p < end && *p == '[') {
      const char *q = p + 1;

      while (q < end && *q >= '0' && *q <= '9')
        q++;
      if (q > p + 1 && q + 1 < end && *q == ']' && q[1] == ' ') {
        s = q + 2;
        continue;
      }
    }
    return p;
  }
}

/* Checks text lines; `code` (the input, or NULL) is where a long line
 * with spaces may come from: code blocks are never wrapped. */
static void
check_text(const char *t, size_t len, size_t width, const char *code,
           size_t codelen, int check_width)
{
  const char *line = t, *end = t + len;

  if (!util_utf8_valid(t, len) || (len && t[len - 1] != '\n'))
    abort();
  while (line < end) {
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    const char *w;

    if (!nl)
      abort();
    if (nl > line && (nl[-1] == ' ' || nl[-1] == '\t'))
      abort();
    for (const char *p = line; p < nl; p++)
      if ((unsigned char)*p < 0x20 && *p != '\t')
        abort();
    if (check_width && render_text_width(line, (size_t)(nl - line)) > width) {
      w = line_words(line, nl);
      if (memchr(w, ' ', (size_t)(nl - w)) &&
          !(code && memmem(code, codelen, w, (size_t)(nl - w))))
        abort();
    }
    line = nl + 1;
  }
}

static int
is_clean(const char *s, size_t n)
{
  if (!util_utf8_valid(s, n))
    return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];

    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
      return 0;
    /* C1 controls and our placeholder noncharacters are cleaned too. */
    if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0)
      return 0;
    if (c == 0xef && i + 1 < n && (unsigned char)s[i + 1] == 0xb7)
      return 0;
  }
  return 1;
}

/* \cite{KEY}: a title full of markdown and HTML for keys starting with
 * "a", which must come out as text; no title for the others. */
static const char *
fuzz_cite_title(void *ctx, const char *key)
{
  (void)ctx;
  return key[0] == 'a' ? "[x](javascript:alert(1)) <script>*$y$*</script> `"
                       : NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const size_t widths[] = {72, 30};
  const char *in = (const char *)data;
  struct buf out = BUF_INIT(1 << 24);
  struct render_opts o = {
      "https://example.org/dir/", 72, 0, MORE, 0, fuzz_cite_title, NULL};
  int clean, cut, complete;

  if (size > 1 << 16)
    return 0;
  clean = is_clean(in, size);

  for (size_t k = 0; k < 2; k++) {
    o.width = widths[k];
    o.max_words = k ? 30 : 0;

    buf_reset(&out);
    cut = -1;
    if (render_html(in, size, &o, &out, &cut) != SM_OK || cut < 0)
      abort();
    check_html(buf_str(&out), out.len);
    if (cut && !strstr(buf_str(&out), "<a href=\"" MORE "\">"))
      abort();
    if (!k && cut)
      abort();

    buf_reset(&out);
    cut = -1;
    if (render_text(in, size, &o, &out, &cut) != SM_OK || cut < 0)
      abort();
    /* Cleaned input (invalid UTF-8, controls) cannot be compared with
     * code lines, so its widths are not checked. */
    check_text(buf_str(&out), out.len, o.width, in, size, clean);
    if (cut && !strstr(buf_str(&out), "Read the full summary:"))
      abort();
  }

  /* The whole input as one formula. */
  buf_reset(&out);
  complete = -1;
  if (render_math(in, size, &out, &complete) != SM_OK || complete < 0)
    abort();
  if (!complete && (out.len != size || memcmp(buf_str(&out), in, size)))
    abort();
  if (complete && clean && !util_utf8_valid(out.data, out.len))
    abort();

  /* And as a paragraph to wrap. */
  buf_reset(&out);
  if (render_wrap(in, size, 40, "> ", "  ", &out) != SM_OK)
    abort();
  if (clean) /* invalid UTF-8 passes through render_wrap */
    check_text(buf_str(&out), out.len, 40, NULL, 0, 1);

  buf_free(&out);
  return 0;
}
