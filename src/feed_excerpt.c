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

char *
feed_excerpt(const char *s, size_t len)
{
  size_t n = whole_part(s, len);
  char *out;

  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
                   s[n - 1] == '\r'))
    n--;
  out = malloc(n + 4);
  if (!out)
    return NULL;
  memcpy(out, s, n);
  memcpy(out + n, "\xE2\x80\xA6", 4);
  return out;
}
