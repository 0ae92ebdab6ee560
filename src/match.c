/* match.c: the keyword language readers subscribe with: parsing one
 * keyword or a line of them, canonical forms, FTS5 expressions and tag
 * comparison. No SQLite here: the store runs the expressions. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "match.h"
#include "util.h"

/* Anything built from one keyword (its text, its canonical form) is at
 * most the keyword's MATCH_MAX_KEYWORD characters of at most 4 bytes,
 * plus a prefix and quotes. */
#define MATCH_MAX_BYTES (MATCH_MAX_KEYWORD * 4 + 32)

static void match_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats an error message. Messages quote the reader's keyword and go
 * back to the reader by mail, so a truncated one must not end in half a
 * UTF-8 sequence. */
static void
match_err(char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (!err || errlen == 0)
    return;
  va_start(ap, fmt);
  n = vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n < errlen)
    return;
  err[util_utf8_whole(err, errlen - 1)] = '\0';
}

static int
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
         c == '\f';
}

/* Whether s[0..n) is only spaces and tabs. */
static int
is_blank(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t')
      return 0;
  return 1;
}

/* Decodes the code point at s into *cp; returns its length, or 0 when the
 * bytes there are not valid UTF-8 (or run past end). */
static size_t
utf8_next(const char *s, const char *end, unsigned *cp)
{
  uint32_t c = 0;
  size_t len = util_utf8_decode(s, (size_t)(end - s), &c);

  *cp = c;
  return len;
}

/* Simple lower-case mapping for the scripts paper keywords and author
 * names mostly use. Every result is outside the mapped ranges, so folding
 * twice changes nothing: canonical forms re-parse to themselves. */
static unsigned
fold(unsigned c)
{
  if (c < 0x80)
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) /* Latin-1 */
    return c + 32;
  if (c == 0x130) /* capital I with dot: plain i */
    return 'i';
  if (c >= 0x100 && c <= 0x137) /* Latin Extended-A: even upper, odd lower */
    return c | 1;
  if (c >= 0x139 && c <= 0x148) /* odd upper, even lower */
    return c & 1 ? c + 1 : c;
  if (c >= 0x14A && c <= 0x177)
    return c | 1;
  if (c == 0x178) /* Y with diaeresis */
    return 0xFF;
  if (c >= 0x179 && c <= 0x17E)
    return c & 1 ? c + 1 : c;
  if (c >= 0x1CD && c <= 0x1DC) /* Latin Extended-B, the regular runs */
    return c & 1 ? c + 1 : c;
  if ((c >= 0x1DE && c <= 0x1EF) || (c >= 0x1F8 && c <= 0x21F) ||
      (c >= 0x222 && c <= 0x233))
    return c | 1;
  if (c == 0x386) /* Greek with tonos */
    return 0x3AC;
  if (c >= 0x388 && c <= 0x38A)
    return c + 37;
  if (c == 0x38C)
    return 0x3CC;
  if (c == 0x38E || c == 0x38F)
    return c + 63;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) /* Greek */
    return c + 32;
  if (c >= 0x400 && c <= 0x40F) /* Cyrillic */
    return c + 0x50;
  if (c >= 0x410 && c <= 0x42F)
    return c + 32;
  return c;
}

/* Whether c counts as a letter or digit. Outside ASCII this is rough:
 * the punctuation and symbol blocks that FTS5's unicode61 tokenizer
 * treats as separators are not, everything else is. It only decides what
 * is rejected as "no letter or digit"; safety never depends on it. */
static int
is_alnum(unsigned c)
{
  static const struct {
    unsigned lo, hi;
  } sep[] = {
      {0x0300, 0x036F},   /* combining diacritics */
      {0x2000, 0x206F},   /* general punctuation */
      {0x20A0, 0x20CF},   /* currency */
      {0x2190, 0x23FF},   /* arrows, mathematical operators, technical */
      {0x2500, 0x2BFF},   /* box drawing to miscellaneous arrows */
      {0x2E00, 0x2E7F},   /* supplemental punctuation */
      {0x3000, 0x3003},   /* CJK punctuation */
      {0x3008, 0x3020},   /* CJK brackets */
      {0xFE10, 0xFE1F},   /* vertical forms */
      {0xFE30, 0xFE6F},   /* compatibility and small forms */
      {0xFF01, 0xFF0F},   /* fullwidth punctuation */
      {0xFF1A, 0xFF20},   /* fullwidth punctuation */
      {0xFF3B, 0xFF40},   /* fullwidth punctuation */
      {0xFF5B, 0xFF65},   /* fullwidth punctuation */
      {0xFFF0, 0xFFFF},   /* specials */
      {0x1F000, 0x1FAFF}, /* emoji and other pictographs */
  };

  if (c < 0x80)
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
  if (c < 0xC0) /* Latin-1 punctuation, but ª µ º ² ³ ¹ ¼ ½ ¾ */
    return c == 0xAA || c == 0xB5 || c == 0xBA || c == 0xB2 || c == 0xB3 ||
           c == 0xB9 || (c >= 0xBC && c <= 0xBE);
  if (c == 0xD7 || c == 0xF7)
    return 0;
  for (size_t i = 0; i < sizeof(sep) / sizeof(sep[0]); i++)
    if (c >= sep[i].lo && c <= sep[i].hi)
      return 0;
  return 1;
}

/* C0 controls but tab (white space, between phrase words), C1 controls,
 * DEL, and the Unicode line and paragraph separators:
 * none belongs in a keyword, and each could break the reply mail or a
 * log line that quotes it. */
static int
is_control(unsigned c)
{
  return (c < 0x20 && c != '\t') || c == 0x7F || (c >= 0x80 && c < 0xA0) ||
         c == 0x2028 || c == 0x2029;
}

/* Whether s (NUL-terminated or not, n bytes) starts with the ASCII prefix
 * pre, ignoring case. */
static int
has_prefix(const char *s, size_t n, const char *pre)
{
  size_t k = strlen(pre);

  if (n < k)
    return 0;
  for (size_t i = 0; i < k; i++) {
    char c = s[i];

    if (c >= 'A' && c <= 'Z')
      c = (char)(c + 32);
    if (c != pre[i])
      return 0;
  }
  return 1;
}

/* Whether s[0..n), valid UTF-8, holds a letter or digit. */
static int
has_alnum(const char *s, size_t n)
{
  const char *end = s + n;

  while (s < end) {
    unsigned cp;
    size_t len = utf8_next(s, end, &cp);

    if (len == 0)
      return 0;
    if (is_alnum(cp))
      return 1;
    s += len;
  }
  return 0;
}

/* Appends s[0..n), valid UTF-8, lower-cased. */
static enum sm_status
put_folded(struct buf *b, const char *s, size_t n)
{
  const char *end = s + n;
  enum sm_status st;

  while (s < end) {
    unsigned cp;
    char enc[4];
    size_t len = utf8_next(s, end, &cp);

    if (len == 0)
      return SM_ERR_INTERNAL; /* validated before */
    st = buf_append(b, enc, util_utf8_encode(fold(cp), enc));
    if (st != SM_OK)
      return st;
    s += len;
  }
  return SM_OK;
}

/* The normalised text of a keyword's value: its words (split at spaces
 * and tabs) lower-cased and joined by one space. Words without a letter
 * or digit are dropped unless keep_punct (a tag is compared literally);
 * *nwords counts those kept, *alnum says if any letter or digit was. */
static enum sm_status
words_text(struct buf *out, const char *s, size_t n, int keep_punct,
           size_t *nwords, int *alnum)
{
  const char *p = s, *end = s + n;
  enum sm_status st;

  *nwords = 0;
  *alnum = 0;
  while (p < end) {
    const char *w;
    int has;

    while (p < end && (*p == ' ' || *p == '\t'))
      p++;
    if (p == end)
      break;
    w = p;
    while (p < end && *p != ' ' && *p != '\t')
      p++;
    has = has_alnum(w, (size_t)(p - w));
    if (!has && !keep_punct)
      continue;
    if (*nwords > 0 && (st = buf_putc(out, ' ')) != SM_OK)
      return st;
    if ((st = put_folded(out, w, (size_t)(p - w))) != SM_OK)
      return st;
    *alnum |= has;
    (*nwords)++;
  }
  return SM_OK;
}

/* How a TAG's text is written so that it parses back to the same tag:
 * bare when it looks like a tag by itself (cs.lg), else with tag: and,
 * around white space, quotes. */
static enum sm_status
put_tag_canonical(struct buf *b, const char *t)
{
  if (strchr(t, ' '))
    return buf_printf(b, "tag:\"%s\"", t);
  if (t[0] != '-' && strpbrk(t, ".:") && !has_prefix(t, strlen(t), "tag:") &&
      !has_prefix(t, strlen(t), "author:"))
    return buf_puts(b, t);
  return buf_printf(b, "tag:%s", t);
}

/* Parses the keyword s[0..n) (not NUL-terminated: it may be a piece of a
 * query line) into *out. */
static enum sm_status
parse(const char *s, size_t n, struct match_term *out, char *err,
      size_t errlen)
{
  struct buf text = BUF_INIT(MATCH_MAX_BYTES);
  struct buf canon = BUF_INIT(MATCH_MAX_BYTES);
  const char *p, *end, *val;
  size_t vn, nchars = 0, nwords;
  int quoted = 0, alnum;
  enum match_kind kind;
  enum sm_status st = SM_ERR_DATA;

  memset(out, 0, sizeof(*out));
  while (n > 0 && is_space(s[0])) {
    s++;
    n--;
  }
  while (n > 0 && is_space(s[n - 1]))
    n--;
  if (n == 0) {
    match_err(err, errlen, "empty keyword");
    goto fail;
  }
  /* Validate before echoing the keyword into any message. */
  if (!util_utf8_valid(s, n)) {
    match_err(err, errlen, "keyword is not valid UTF-8");
    goto fail;
  }
  end = s + n;
  for (p = s; p < end; nchars++) {
    unsigned cp;
    size_t len = utf8_next(p, end, &cp);

    if (len == 0 || is_control(cp)) {
      match_err(err, errlen, "control character in keyword");
      goto fail;
    }
    p += len;
  }
  if (nchars > MATCH_MAX_KEYWORD) {
    match_err(err, errlen, "keyword longer than %d characters",
              MATCH_MAX_KEYWORD);
    st = SM_ERR_LIMIT;
    goto fail;
  }

  p = s;
  if (*p == '-') {
    out->negated = 1;
    p++;
    if (p == end) {
      match_err(err, errlen,
                "'-' alone is not a keyword: write -word to exclude a word");
      goto fail;
    }
    if (*p == '-') {
      match_err(err, errlen, "double '-' in %.*s", (int)n, s);
      goto fail;
    }
  }
  if (has_prefix(p, (size_t)(end - p), "author:")) {
    kind = MATCH_AUTHOR;
    val = p + 7;
  } else if (has_prefix(p, (size_t)(end - p), "tag:")) {
    kind = MATCH_TAG;
    val = p + 4;
  } else {
    kind = MATCH_WORD;
    val = p;
  }
  vn = (size_t)(end - val);
  if (vn == 0) {
    match_err(err, errlen, "%.*s needs %s after it", (int)n, s,
              kind == MATCH_AUTHOR ? "a name" : "a keyword");
    goto fail;
  }

  if (val[0] == '"') {
    const char *close = memchr(val + 1, '"', vn - 1);

    if (!close) {
      match_err(err, errlen, "unbalanced quote in %.*s", (int)n, s);
      goto fail;
    }
    if (close + 1 != end) {
      if (memchr(close + 1, '"', (size_t)(end - close - 1)))
        match_err(err, errlen, "nested quotes in %.*s", (int)n, s);
      else
        match_err(err, errlen, "text after the closing quote in %.*s", (int)n,
                  s);
      goto fail;
    }
    quoted = 1;
    val++;
    vn = (size_t)(close - val);
  } else {
    if (memchr(val, '"', vn)) {
      match_err(err, errlen,
                "misplaced quote in %.*s: quotes go around a whole phrase",
                (int)n, s);
      goto fail;
    }
    if (memchr(val, ' ', vn) || memchr(val, '\t', vn)) {
      match_err(err, errlen, "white space in %.*s: put a phrase in quotes",
                (int)n, s);
      goto fail;
    }
    /* A bare word with a dot or colon names a tag: cs.LG, thema:x. */
    if (kind == MATCH_WORD && (memchr(val, '.', vn) || memchr(val, ':', vn)))
      kind = MATCH_TAG;
  }

  st = words_text(&text, val, vn, kind == MATCH_TAG, &nwords, &alnum);
  if (st != SM_OK)
    goto fail;
  st = SM_ERR_DATA;
  if (quoted && text.len == 0 && is_blank(val, vn)) {
    match_err(err, errlen, "empty quotes in %.*s", (int)n, s);
    goto fail;
  }
  if (!alnum) {
    match_err(err, errlen, "no letter or digit in %.*s", (int)n, s);
    goto fail;
  }
  if (kind == MATCH_WORD && nwords > 1)
    kind = MATCH_PHRASE;

  if (out->negated && (st = buf_putc(&canon, '-')) != SM_OK)
    goto fail;
  switch (kind) {
  case MATCH_WORD:
    /* Quote a word that would otherwise read as a negation or a tag. */
    if (text.data[0] == '-' || strpbrk(text.data, ".:"))
      st = buf_printf(&canon, "\"%s\"", text.data);
    else
      st = buf_puts(&canon, text.data);
    break;
  case MATCH_PHRASE:
    st = buf_printf(&canon, "\"%s\"", text.data);
    break;
  case MATCH_AUTHOR:
    st = buf_printf(&canon,
                    strchr(text.data, ' ') ? "author:\"%s\"" : "author:%s",
                    text.data);
    break;
  case MATCH_TAG:
    st = put_tag_canonical(&canon, text.data);
    break;
  }
  if (st != SM_OK)
    goto fail;

  out->kind = kind;
  out->text = buf_detach(&text);
  out->canonical = buf_detach(&canon);
  if (!out->text || !out->canonical) {
    match_term_free(out);
    st = SM_ERR_NOMEM;
    goto fail;
  }
  return SM_OK;

fail:
  if (st == SM_ERR_NOMEM)
    match_err(err, errlen, "out of memory");
  else if (st != SM_ERR_DATA && st != SM_ERR_LIMIT)
    match_err(err, errlen, "%s", sm_strerror(st));
  buf_free(&text);
  buf_free(&canon);
  memset(out, 0, sizeof(*out));
  return st;
}

enum sm_status
match_parse_keyword(const char *s, struct match_term *out, char *err,
                    size_t errlen)
{
  return parse(s, strlen(s), out, err, errlen);
}

enum sm_status
match_parse_query(const char *s, struct match_term **terms, size_t *n,
                  char *err, size_t errlen)
{
  struct match_term *arr = NULL;
  size_t count = 0;
  const char *p = s;
  enum sm_status st = SM_OK;

  *terms = NULL;
  *n = 0;
  if (!util_utf8_valid(s, strlen(s))) {
    match_err(err, errlen, "keywords are not valid UTF-8");
    return SM_ERR_DATA;
  }
  for (;;) {
    const char *start;
    int inquote = 0;

    while (*p && is_space(*p))
      p++;
    if (!*p)
      break;
    /* A keyword runs to white space outside quotes; an unbalanced quote
     * takes the rest of the line, and parse() says so. */
    start = p;
    while (*p && (inquote || !is_space(*p))) {
      if (*p == '"')
        inquote = !inquote;
      p++;
    }
    if (count == MATCH_MAX_TERMS) {
      match_err(err, errlen, "more than %d keywords", MATCH_MAX_TERMS);
      st = SM_ERR_LIMIT;
      goto fail;
    }
    if (!arr && !(arr = calloc(MATCH_MAX_TERMS, sizeof(*arr)))) {
      match_err(err, errlen, "out of memory");
      st = SM_ERR_NOMEM;
      goto fail;
    }
    st = parse(start, (size_t)(p - start), &arr[count], err, errlen);
    if (st != SM_OK)
      goto fail;
    count++;
  }
  *terms = arr;
  *n = count;
  return SM_OK;

fail:
  match_terms_free(arr, count);
  return st;
}

char *
match_term_fts(const struct match_term *t)
{
  struct buf b;

  if (!t || !t->text || t->kind == MATCH_TAG)
    return NULL;
  buf_init(&b, 2 * strlen(t->text) + 32);
  if (t->kind == MATCH_AUTHOR && buf_puts(&b, "authors : ") != SM_OK)
    goto fail;
  if (buf_putc(&b, '"') != SM_OK)
    goto fail;
  /* Inside an FTS5 string only '"' is special, written twice. The parser
   * never puts one in a text, but terms may come from elsewhere. */
  for (const char *p = t->text; *p; p++)
    if ((*p == '"' && buf_putc(&b, '"') != SM_OK) || buf_putc(&b, *p) != SM_OK)
      goto fail;
  if (buf_putc(&b, '"') != SM_OK)
    goto fail;
  return buf_detach(&b);

fail:
  buf_free(&b);
  return NULL;
}

char *
match_tag_normalize(const char *s)
{
  size_t n = strlen(s);
  const char *p = s, *end = s + n;
  struct buf b = BUF_INIT(n + 8); /* folding never lengthens */
  int pending = 0;

  if (!util_utf8_valid(s, n))
    return NULL;
  if (buf_append(&b, "", 0) != SM_OK)
    goto fail;
  while (p < end) {
    unsigned cp;
    char enc[4];
    size_t len;

    if (is_space(*p)) {
      pending = b.len > 0;
      p++;
      continue;
    }
    len = utf8_next(p, end, &cp);
    if (len == 0)
      goto fail;
    if (pending && buf_putc(&b, ' ') != SM_OK)
      goto fail;
    pending = 0;
    if (buf_append(&b, enc, util_utf8_encode(fold(cp), enc)) != SM_OK)
      goto fail;
    p += len;
  }
  return buf_detach(&b);

fail:
  buf_free(&b);
  return NULL;
}

/* Whether text equals kw normalised as by match_tag_normalize, compared
 * as it goes: percolation calls this for every tag of every paper. */
static int
tag_equal(const char *text, const char *kw)
{
  const char *k = kw, *end = kw + strlen(kw), *t = text;
  int pending = 0;

  while (k < end) {
    unsigned cp;
    char enc[4];
    size_t len, m;

    if (is_space(*k)) {
      pending = t > text;
      k++;
      continue;
    }
    len = utf8_next(k, end, &cp);
    if (len == 0)
      return 0;
    if (pending) {
      if (*t != ' ')
        return 0;
      t++;
      pending = 0;
    }
    m = util_utf8_encode(fold(cp), enc);
    /* enc holds no NUL (kw is a C string), so strncmp stops at text's. */
    if (strncmp(t, enc, m) != 0)
      return 0;
    t += m;
    k += len;
  }
  return *t == '\0';
}

int
match_tag_matches(const struct match_term *t, char *const *keywords, size_t n)
{
  if (!t || t->kind != MATCH_TAG || !t->text)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (keywords[i] && tag_equal(t->text, keywords[i]))
      return 1;
  return 0;
}

void
match_term_free(struct match_term *t)
{
  if (!t)
    return;
  free(t->text);
  free(t->canonical);
  t->text = NULL;
  t->canonical = NULL;
}

void
match_terms_free(struct match_term *terms, size_t n)
{
  if (!terms)
    return;
  for (size_t i = 0; i < n; i++)
    match_term_free(&terms[i]);
  free(terms);
}

int
match_stop_word(const char *word, size_t len)
{
  /* English function words, the politeness of a request, and the words
   * that name the list itself. */
  static const char *const stop[] = {
      "a",         "about",        "all",     "an",         "and",  "any",
      "are",       "as",           "at",      "be",         "by",   "can",
      "could",     "digest",       "do",      "email",      "for",  "from",
      "get",       "hello",        "hi",      "i",          "in",   "into",
      "is",        "it",           "its",     "just",       "like", "list",
      "mail",      "me",           "my",      "newsletter", "no",   "not",
      "now",       "of",           "on",      "or",         "our",  "please",
      "pls",       "plz",          "receive", "send",       "so",   "some",
      "subscribe", "subscription", "thank",   "thanks",     "that", "the",
      "them",      "this",         "to",      "up",         "us",   "want",
      "we",        "weekly",       "with",    "would",      "you",  "your",
      NULL};

  for (size_t i = 0; stop[i]; i++)
    if (strlen(stop[i]) == len && !strncasecmp(word, stop[i], len))
      return 1;
  return 0;
}

int
match_term_is_stop_word(const struct match_term *t)
{
  return t->kind == MATCH_WORD && !t->negated && t->text &&
         match_stop_word(t->text, strlen(t->text));
}
