/* feed_excerpt.c: the site's cut texts made into excerpts.
 *
 * /rss.xml and /rss-all.xml carry the first 500 bytes of each summary and
 * then "...". The cut falls anywhere: inside a formula, whose lone `$`
 * would then pair with the next dollar a reader's renderer sees (or run
 * to the end as TeX), inside a code span, a link or a \cite. The excerpt
 * keeps what is whole: the text up to the first construct the cut left
 * open. Inputs are at most a few hundred bytes, so the scans for closers
 * need no index. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "feed.h"

static int
is_punct(char c)
{
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
         (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

/* The next unescaped occurrence of the delimiter d (dlen bytes) at or
 * after i, or n. */
static size_t
find_delim(const char *s, size_t n, size_t i, const char *d, size_t dlen)
{
  while (i + dlen <= n) {
    if (s[i] == '\\' && i + 1 < n) {
      i += 2;
      continue;
    }
    if (!memcmp(s + i, d, dlen))
      return i;
    i++;
  }
  return n;
}

/* After a run of k backticks at i: where the closing run of exactly k
 * backticks ends, or n when there is none. */
static size_t
code_end(const char *s, size_t n, size_t i, size_t k)
{
  size_t j = i + k;

  while (j < n) {
    size_t r = 0;
    if (s[j] != '`') {
      j++;
      continue;
    }
    while (j + r < n && s[j + r] == '`')
      r++;
    if (r == k)
      return j + r;
    j += r;
  }
  return n;
}

/* After "[" at i: where the link or bracketed text ends (past "]" and a
 * "(...)" right after it), or n when the cut left it open: no "]", an
 * open "(", or "]" the very last byte (the "(" may have been next). */
static size_t
link_end(const char *s, size_t n, size_t i)
{
  size_t j = i + 1;
  int depth = 1;

  while (j < n && depth > 0) {
    if (s[j] == '\\' && j + 1 < n)
      j++;
    else if (s[j] == '[')
      depth++;
    else if (s[j] == ']')
      depth--;
    j++;
  }
  if (depth > 0 || j >= n)
    return n;
  if (s[j] != '(')
    return j;
  while (j < n && s[j] != ')')
    j++;
  return j < n ? j + 1 : n;
}

/* Where the whole part of the cut text ends. */
static size_t
whole_part(const char *s, size_t n)
{
  size_t i = 0, e;

  while (i < n) {
    char c = s[i];
    if (c == '\\' && i + 1 < n && !strncmp(s + i, "\\cite{", 6)) {
      e = find_delim(s, n, i + 6, "}", 1);
      if (e >= n)
        return i;
      i = e + 1;
    } else if (c == '\\' && i + 1 < n && is_punct(s[i + 1])) {
      i += 2;
    } else if (c == '`') {
      size_t k = 0;
      while (i + k < n && s[i + k] == '`')
        k++;
      e = code_end(s, n, i, k);
      if (e >= n)
        return i;
      i = e;
    } else if (c == '$') {
      size_t k = i + 1 < n && s[i + 1] == '$' ? 2 : 1;
      e = find_delim(s, n, i + k, k == 2 ? "$$" : "$", k);
      if (e >= n)
        return i;
      i = e + k;
    } else if (c == '[' || (c == '!' && i + 1 < n && s[i + 1] == '[')) {
      e = link_end(s, n, c == '!' ? i + 1 : i);
      if (e >= n)
        return i;
      i = e;
    } else {
      i++;
    }
  }
  return n;
}

static int
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t
trim_end(const char *s, size_t n)
{
  while (n > 0 && is_space(s[n - 1]))
    n--;
  return n;
}

/* Where the line that ends at n starts. */
static size_t
line_start(const char *s, size_t n)
{
  while (n > 0 && s[n - 1] != '\n' && s[n - 1] != '\r')
    n--;
  return n;
}

/* How a last line left by the cut reads in markdown: a heading (its text
 * is cut, and an excerpt never ends in a heading), a list marker with
 * nothing after it, or a run of one of - = * _ (a rule or a setext
 * underline the cut shortened: with the ellipsis after it, it would read
 * as literal dashes). Each of these would show its markup as text. */
enum last_line { LINE_TEXT, LINE_HEADING, LINE_MARKER, LINE_RULE };

static enum last_line
last_line_kind(const char *s, size_t b, size_t e)
{
  size_t i = b, k = 0;
  char c;

  while (i < e && i - b < 3 && s[i] == ' ')
    i++;
  if (i == e)
    return LINE_TEXT;
  c = s[i];
  if (c == '\0')
    return LINE_TEXT;
  while (i + k < e && s[i + k] == '#')
    k++;
  if (k >= 1 && k <= 6 && (i + k == e || s[i + k] == ' ' || s[i + k] == '\t'))
    return LINE_HEADING;
  if (strchr("-=*_", c)) {
    size_t j = i;
    while (j < e && (s[j] == c || s[j] == ' ' || s[j] == '\t'))
      j++;
    if (j == e)
      return c == '*' && trim_end(s, e) == i + 1 ? LINE_MARKER : LINE_RULE;
  }
  if (c == '+' && trim_end(s, e) == i + 1)
    return LINE_MARKER;
  k = 0;
  while (i + k < e && k < 9 && s[i + k] >= '0' && s[i + k] <= '9')
    k++;
  if (k > 0 && i + k < e && (s[i + k] == '.' || s[i + k] == ')') &&
      trim_end(s, e) == i + k + 1)
    return LINE_MARKER;
  return LINE_TEXT;
}

/* Drops the last lines that the cut left as bare markup. */
static size_t
drop_cut_markup(const char *s, size_t n)
{
  for (;;) {
    size_t b, lead;
    enum last_line kind;
    n = trim_end(s, n);
    if (n == 0)
      return 0;
    b = line_start(s, n);
    kind = last_line_kind(s, b, n);
    if (kind == LINE_TEXT)
      return n;
    lead = b;
    while (lead < n && s[lead] == ' ')
      lead++;
    /* A shortened underline of - or = (two or more) right below a line
     * of text, with no blank line between, made that line a heading:
     * it goes too. */
    if (kind == LINE_RULE && (s[lead] == '-' || s[lead] == '=') &&
        n - lead >= 2 && b >= 2 && s[b - 1] == '\n' && s[b - 2] != '\n' &&
        last_line_kind(s, line_start(s, b - 1), b - 1) == LINE_TEXT)
      b = line_start(s, b - 1);
    n = b;
  }
}

char *
feed_excerpt(const char *s, size_t len)
{
  size_t n = drop_cut_markup(s, whole_part(s, len));
  char *out;

  out = malloc(n + 4);
  if (!out)
    return NULL;
  memcpy(out, s, n);
  memcpy(out + n, "\xE2\x80\xA6", 4);
  return out;
}
