/* jread.c: a recursive-descent JSON reader (see jread.h). Strict: no trailing
 * commas, no comments, no leading zeros, no raw control characters in strings,
 * no lone surrogates. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jread.h"
#include "util.h"

struct reader {
  const char *s;
  size_t len, pos;
  const char *label;
  char *err;
  size_t errlen;
  int depth;
};

static enum sm_status fail(struct reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum sm_status
fail(struct reader *r, const char *fmt, ...)
{
  char msg[200];
  size_t i;
  unsigned line = 1;
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  for (i = 0; i < r->pos && i < r->len; i++)
    if (r->s[i] == '\n')
      line++;
  if (r->err && r->errlen)
    snprintf(r->err, r->errlen, "%s:%u: %s", r->label, line, msg);
  return SM_ERR_DATA;
}

static void
skip_ws(struct reader *r)
{
  while (r->pos < r->len && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' ||
                             r->s[r->pos] == '\n' || r->s[r->pos] == '\r'))
    r->pos++;
}

static int
peek(const struct reader *r)
{
  return r->pos < r->len ? (unsigned char)r->s[r->pos] : -1;
}

static void
value_clear(struct jread_value *v)
{
  size_t i;

  for (i = 0; i < v->n; i++) {
    value_clear(&v->items[i]);
    if (v->keys)
      free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->keylens);
  free(v->s);
  memset(v, 0, sizeof(*v));
}

void
jread_free(struct jread_value *v)
{
  if (!v)
    return;
  value_clear(v);
  free(v);
}

static int
hex4(const char *p, unsigned *out)
{
  unsigned v = 0;
  int i;

  for (i = 0; i < 4; i++) {
    char c = p[i];

    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

/* cp is a scalar value: surrogates were paired or refused. */
static enum sm_status
put_utf8(struct buf *b, unsigned cp)
{
  char u[4];
  size_t n = util_utf8_encode(cp, u);

  return n ? buf_append(b, u, n) : SM_ERR_INTERNAL;
}

/* A string at r->pos (the opening quote); its decoded bytes into *s. */
static enum sm_status
read_string(struct reader *r, char **s, size_t *len)
{
  struct buf b = BUF_INIT(r->len + 1);
  enum sm_status st = SM_OK;
  size_t start;

  r->pos++;                           /* the quote */
  if (buf_append(&b, "", 0) != SM_OK) /* "" is a string too */
    goto nomem;
  for (;;) {
    unsigned char c;
    unsigned cp, lo;

    start = r->pos;
    while (r->pos < r->len && r->s[r->pos] != '"' && r->s[r->pos] != '\\' &&
           (unsigned char)r->s[r->pos] >= 0x20)
      r->pos++;
    if (buf_append(&b, r->s + start, r->pos - start) != SM_OK)
      goto nomem;
    if (r->pos >= r->len) {
      st = fail(r, "unterminated string");
      goto out;
    }
    c = (unsigned char)r->s[r->pos];
    if (c == '"') {
      r->pos++;
      break;
    }
    if (c < 0x20) {
      st = fail(r, "control character 0x%02x in a string", c);
      goto out;
    }
    /* a backslash */
    if (r->pos + 1 >= r->len) {
      st = fail(r, "unterminated string");
      goto out;
    }
    c = (unsigned char)r->s[r->pos + 1];
    r->pos += 2;
    switch (c) {
    case '"':
    case '\\':
    case '/':
      st = buf_putc(&b, (char)c);
      break;
    case 'b':
      st = buf_putc(&b, '\b');
      break;
    case 'f':
      st = buf_putc(&b, '\f');
      break;
    case 'n':
      st = buf_putc(&b, '\n');
      break;
    case 'r':
      st = buf_putc(&b, '\r');
      break;
    case 't':
      st = buf_putc(&b, '\t');
      break;
    case 'u':
      if (r->pos + 4 > r->len || hex4(r->s + r->pos, &cp) < 0) {
        st = fail(r, "bad \\u escape");
        goto out;
      }
      r->pos += 4;
      if (cp >= 0xDC00 && cp <= 0xDFFF) {
        st = fail(r, "lone low surrogate \\u%04X", cp);
        goto out;
      }
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        /* UTF-16 pair: the high half must be followed by \uDC00-DFFF */
        if (r->pos + 6 > r->len || r->s[r->pos] != '\\' ||
            r->s[r->pos + 1] != 'u' || hex4(r->s + r->pos + 2, &lo) < 0 ||
            lo < 0xDC00 || lo > 0xDFFF) {
          st = fail(r, "lone high surrogate \\u%04X", cp);
          goto out;
        }
        r->pos += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      }
      st = put_utf8(&b, cp);
      break;
    default:
      st = fail(r, "bad escape \\%c", c);
      goto out;
    }
    if (st != SM_OK)
      goto nomem;
  }
  *len = b.len;
  *s = buf_detach(&b);
  return SM_OK;

nomem:
  st = fail(r, "out of memory");
out:
  buf_free(&b);
  return st;
}

static int
digit(int c)
{
  return c >= '0' && c <= '9';
}

static enum sm_status
read_number(struct reader *r, struct jread_value *v)
{
  size_t start = r->pos;

  if (peek(r) == '-')
    r->pos++;
  if (peek(r) == '0') {
    r->pos++;
  } else if (digit(peek(r))) {
    while (digit(peek(r)))
      r->pos++;
  } else {
    return fail(r, "bad number");
  }
  if (peek(r) == '.') {
    r->pos++;
    if (!digit(peek(r)))
      return fail(r, "bad number");
    while (digit(peek(r)))
      r->pos++;
  }
  if (peek(r) == 'e' || peek(r) == 'E') {
    r->pos++;
    if (peek(r) == '+' || peek(r) == '-')
      r->pos++;
    if (!digit(peek(r)))
      return fail(r, "bad number");
    while (digit(peek(r)))
      r->pos++;
  }
  v->type = JREAD_NUMBER;
  v->len = r->pos - start;
  v->s = malloc(v->len + 1);
  if (!v->s)
    return fail(r, "out of memory");
  memcpy(v->s, r->s + start, v->len);
  v->s[v->len] = '\0';
  return SM_OK;
}

static int
literal(struct reader *r, const char *word)
{
  size_t n = strlen(word);

  if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n) != 0)
    return 0;
  r->pos += n;
  return 1;
}

static enum sm_status read_value(struct reader *r, struct jread_value *v);

/* Makes room for item n of v (and its key, for objects). */
static enum sm_status
grow_items(struct reader *r, struct jread_value *v, size_t *cap, int keys)
{
  size_t ncap = *cap ? *cap * 2 : 4;
  void *p;

  if (v->n < *cap)
    return SM_OK;
  p = realloc(v->items, ncap * sizeof(*v->items));
  if (!p)
    return fail(r, "out of memory");
  v->items = p;
  if (keys) {
    p = realloc(v->keys, ncap * sizeof(*v->keys));
    if (!p)
      return fail(r, "out of memory");
    v->keys = p;
    p = realloc(v->keylens, ncap * sizeof(*v->keylens));
    if (!p)
      return fail(r, "out of memory");
    v->keylens = p;
  }
  *cap = ncap;
  return SM_OK;
}

static enum sm_status
read_container(struct reader *r, struct jread_value *v, int object)
{
  char close = object ? '}' : ']';
  size_t cap = 0;
  enum sm_status st;

  v->type = object ? JREAD_OBJECT : JREAD_ARRAY;
  if (++r->depth > JREAD_MAX_DEPTH)
    return fail(r, "nested deeper than %d", JREAD_MAX_DEPTH);
  r->pos++;
  skip_ws(r);
  if (peek(r) == close) {
    r->pos++;
    r->depth--;
    return SM_OK;
  }
  for (;;) {
    struct jread_value *item;

    st = grow_items(r, v, &cap, object);
    if (st != SM_OK)
      return st;
    item = &v->items[v->n];
    memset(item, 0, sizeof(*item));
    if (object) {
      skip_ws(r);
      if (peek(r) != '"')
        return fail(r, "expected a member name");
      st = read_string(r, &v->keys[v->n], &v->keylens[v->n]);
      if (st != SM_OK)
        return st;
      v->n++; /* counted now so that an error frees the key */
      skip_ws(r);
      if (peek(r) != ':')
        return fail(r, "expected ':'");
      r->pos++;
      st = read_value(r, item);
    } else {
      v->n++;
      st = read_value(r, item);
    }
    if (st != SM_OK)
      return st;
    skip_ws(r);
    if (peek(r) == ',') {
      r->pos++;
      continue;
    }
    if (peek(r) == close) {
      r->pos++;
      break;
    }
    return fail(r, "expected ',' or '%c'", close);
  }
  r->depth--;
  return SM_OK;
}

static enum sm_status
read_value(struct reader *r, struct jread_value *v)
{
  skip_ws(r);
  switch (peek(r)) {
  case '{':
    return read_container(r, v, 1);
  case '[':
    return read_container(r, v, 0);
  case '"':
    v->type = JREAD_STRING;
    return read_string(r, &v->s, &v->len);
  case 't':
  case 'f':
  case 'n':
    if (literal(r, "true")) {
      v->type = JREAD_BOOL;
      v->b = 1;
    } else if (literal(r, "false")) {
      v->type = JREAD_BOOL;
    } else if (literal(r, "null")) {
      v->type = JREAD_NULL;
    } else {
      return fail(r, "unexpected word");
    }
    return SM_OK;
  case -1:
    return fail(r, "unexpected end of input");
  default:
    if (peek(r) == '-' || digit(peek(r)))
      return read_number(r, v);
    return fail(r, "unexpected character '%c'", peek(r));
  }
}

enum sm_status
jread_parse(const char *text, size_t len, const char *label,
            struct jread_value **out, char *err, size_t errlen)
{
  struct reader r;
  struct jread_value *v;
  enum sm_status st;

  memset(&r, 0, sizeof(r));
  r.s = text;
  r.len = len;
  r.label = label ? label : "json";
  r.err = err;
  r.errlen = errlen;
  *out = NULL;
  if (!util_utf8_valid(text, len))
    return fail(&r, "not valid UTF-8");
  v = calloc(1, sizeof(*v));
  if (!v)
    return fail(&r, "out of memory");
  st = read_value(&r, v);
  if (st == SM_OK) {
    skip_ws(&r);
    if (r.pos != len)
      st = fail(&r, "trailing characters after the value");
  }
  if (st != SM_OK) {
    jread_free(v);
    return st;
  }
  *out = v;
  return SM_OK;
}

const struct jread_value *
jread_get(const struct jread_value *obj, const char *key)
{
  size_t i, n = strlen(key);
  const struct jread_value *found = NULL;

  if (!obj || obj->type != JREAD_OBJECT)
    return NULL;
  for (i = 0; i < obj->n; i++)
    if (obj->keylens[i] == n && memcmp(obj->keys[i], key, n) == 0)
      found = &obj->items[i];
  return found;
}
