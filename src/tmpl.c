/* tmpl.c: mustache templates: the value tree, the compiler (source ->
 * node tree), the renderer, and template sets over a loader or a
 * directory. See tmpl.h for the contract. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tmpl.h"
#include "util.h"

#define NPOS ((size_t)-1)
#define MSG_NAME_MAX 64 /* bytes of a tag name quoted in a message */
#define DELIM_MAX 16    /* bytes of a delimiter set by {{=<% %>=}} */

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;

  if (!err || !errlen)
    return;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* Makes room for one more element of an array; the caller bumps *n. */
static int
grow(void **v, size_t *cap, size_t n, size_t size)
{
  size_t ncap;
  void *p;

  if (n < *cap)
    return 0;
  ncap = *cap ? *cap * 2 : 8;
  if (ncap > ((size_t)-1) / size)
    return -1;
  p = realloc(*v, ncap * size);
  if (!p)
    return -1;
  *v = p;
  *cap = ncap;
  return 0;
}

/* ---- Values ------------------------------------------------------------ */

struct tmpl_member {
  char *key; /* owned, NUL-terminated */
  size_t keylen;
  struct tmpl_value *v; /* owned */
};

struct tmpl_value {
  enum tmpl_type type;
  int b;      /* TMPL_BOOL */
  double num; /* TMPL_NUMBER, for truthiness */
  char *s;    /* TMPL_STRING bytes or TMPL_NUMBER text; owned, NUL-ended */
  size_t len;
  struct tmpl_value **items;   /* TMPL_LIST; owned */
  struct tmpl_member *members; /* TMPL_MAP, in insertion order; owned */
  size_t n, cap;
};

static struct tmpl_value *
value_new(enum tmpl_type type)
{
  struct tmpl_value *v = calloc(1, sizeof(*v));

  if (v)
    v->type = type;
  return v;
}

struct tmpl_value *
tmpl_new_null(void)
{
  return value_new(TMPL_NULL);
}

struct tmpl_value *
tmpl_new_bool(int b)
{
  struct tmpl_value *v = value_new(TMPL_BOOL);

  if (v)
    v->b = !!b;
  return v;
}

static struct tmpl_value *
number_from_text(const char *text, size_t len, double d)
{
  struct tmpl_value *v = value_new(TMPL_NUMBER);

  if (!v)
    return NULL;
  v->s = malloc(len + 1);
  if (!v->s) {
    free(v);
    return NULL;
  }
  memcpy(v->s, text, len);
  v->s[len] = '\0';
  v->len = len;
  v->num = d;
  return v;
}

struct tmpl_value *
tmpl_new_int(int64_t n)
{
  char text[32];
  int len = snprintf(text, sizeof(text), "%lld", (long long)n);

  return number_from_text(text, (size_t)len, (double)n);
}

/* JavaScript's Number.prototype.toString, which the spec's expected
 * outputs follow, in the cases that matter: integers print without a
 * decimal point, others with the fewest significant digits that read
 * back as the same double. */
static void
format_double(double d, char *out, size_t outlen)
{
  int prec;

  if (isnan(d)) {
    snprintf(out, outlen, "NaN");
    return;
  }
  if (isinf(d)) {
    snprintf(out, outlen, "%s", d < 0 ? "-Infinity" : "Infinity");
    return;
  }
  if (d == 0) { /* also -0, which JavaScript prints as "0" */
    snprintf(out, outlen, "0");
    return;
  }
  if (d == trunc(d) && fabs(d) < 1e21) {
    snprintf(out, outlen, "%.0f", d);
    return;
  }
  for (prec = 1; prec <= 17; prec++) {
    snprintf(out, outlen, "%.*g", prec, d);
    if (strtod(out, NULL) == d)
      break;
  }
}

struct tmpl_value *
tmpl_new_double(double d)
{
  char text[48];

  format_double(d, text, sizeof(text));
  return number_from_text(text, strlen(text), d);
}

static int
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

struct tmpl_value *
tmpl_new_number(const char *text)
{
  const char *p = text;
  int integer = 1;
  double d;
  char out[48];

  if (!p)
    return NULL;
  /* RFC 8259 number grammar; strtod alone would also take hex, "inf",
   * leading blanks and '+'. */
  if (*p == '-')
    p++;
  if (*p == '0')
    p++;
  else if (is_digit(*p))
    while (is_digit(*p))
      p++;
  else
    return NULL;
  if (*p == '.') {
    p++;
    if (!is_digit(*p))
      return NULL;
    while (is_digit(*p))
      p++;
    integer = 0;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-')
      p++;
    if (!is_digit(*p))
      return NULL;
    while (is_digit(*p))
      p++;
    integer = 0;
  }
  if (*p)
    return NULL;
  d = strtod(text, NULL);
  if (integer) /* keeps integers beyond 2^53 exact */
    return number_from_text(text, strlen(text), d);
  format_double(d, out, sizeof(out));
  return number_from_text(out, strlen(out), d);
}

struct tmpl_value *
tmpl_new_strn(const char *s, size_t n)
{
  struct tmpl_value *v;

  if (!s)
    return tmpl_new_null();
  v = value_new(TMPL_STRING);
  if (!v)
    return NULL;
  v->s = malloc(n + 1);
  if (!v->s) {
    free(v);
    return NULL;
  }
  if (n)
    memcpy(v->s, s, n);
  v->s[n] = '\0';
  v->len = n;
  return v;
}

struct tmpl_value *
tmpl_new_str(const char *s)
{
  return tmpl_new_strn(s, s ? strlen(s) : 0);
}

struct tmpl_value *
tmpl_new_list(void)
{
  return value_new(TMPL_LIST);
}

struct tmpl_value *
tmpl_new_map(void)
{
  return value_new(TMPL_MAP);
}

void
tmpl_value_free(struct tmpl_value *v)
{
  size_t i;

  if (!v)
    return;
  for (i = 0; i < v->n; i++) {
    if (v->type == TMPL_LIST) {
      tmpl_value_free(v->items[i]);
    } else {
      free(v->members[i].key);
      tmpl_value_free(v->members[i].v);
    }
  }
  free(v->items);
  free(v->members);
  free(v->s);
  free(v);
}

static struct tmpl_member *
map_find(const struct tmpl_value *map, const char *key, size_t keylen)
{
  size_t i;

  /* Linear: contexts are records of a few dozen fields, built by code. */
  for (i = 0; i < map->n; i++)
    if (map->members[i].keylen == keylen &&
        memcmp(map->members[i].key, key, keylen) == 0)
      return &map->members[i];
  return NULL;
}

enum sm_status
tmpl_map_set(struct tmpl_value *map, const char *key, struct tmpl_value *v)
{
  struct tmpl_member *m;
  size_t keylen;
  char *k;

  if (!v)
    return SM_ERR_NOMEM;
  if (!map || map->type != TMPL_MAP || !key) {
    tmpl_value_free(v);
    return SM_ERR_INTERNAL;
  }
  keylen = strlen(key);
  m = map_find(map, key, keylen);
  if (m) {
    tmpl_value_free(m->v);
    m->v = v;
    return SM_OK;
  }
  k = malloc(keylen + 1);
  if (!k || grow((void **)&map->members, &map->cap, map->n,
                 sizeof(*map->members)) < 0) {
    free(k);
    tmpl_value_free(v);
    return SM_ERR_NOMEM;
  }
  memcpy(k, key, keylen + 1);
  m = &map->members[map->n++];
  m->key = k;
  m->keylen = keylen;
  m->v = v;
  return SM_OK;
}

enum sm_status
tmpl_map_set_str(struct tmpl_value *map, const char *key, const char *s)
{
  return tmpl_map_set(map, key, tmpl_new_str(s));
}

enum sm_status
tmpl_map_set_strn(struct tmpl_value *map, const char *key, const char *s,
                  size_t n)
{
  return tmpl_map_set(map, key, tmpl_new_strn(s, n));
}

enum sm_status
tmpl_map_set_int(struct tmpl_value *map, const char *key, int64_t n)
{
  return tmpl_map_set(map, key, tmpl_new_int(n));
}

enum sm_status
tmpl_map_set_bool(struct tmpl_value *map, const char *key, int b)
{
  return tmpl_map_set(map, key, tmpl_new_bool(b));
}

static struct tmpl_value *
map_add(struct tmpl_value *map, const char *key, struct tmpl_value *v)
{
  /* v stays valid after the call: the map only stores the pointer. */
  return tmpl_map_set(map, key, v) == SM_OK ? v : NULL;
}

struct tmpl_value *
tmpl_map_add_list(struct tmpl_value *map, const char *key)
{
  return map_add(map, key, tmpl_new_list());
}

struct tmpl_value *
tmpl_map_add_map(struct tmpl_value *map, const char *key)
{
  return map_add(map, key, tmpl_new_map());
}

enum sm_status
tmpl_list_append(struct tmpl_value *list, struct tmpl_value *v)
{
  if (!v)
    return SM_ERR_NOMEM;
  if (!list || list->type != TMPL_LIST) {
    tmpl_value_free(v);
    return SM_ERR_INTERNAL;
  }
  if (grow((void **)&list->items, &list->cap, list->n, sizeof(*list->items)) <
      0) {
    tmpl_value_free(v);
    return SM_ERR_NOMEM;
  }
  list->items[list->n++] = v;
  return SM_OK;
}

enum sm_status
tmpl_list_append_str(struct tmpl_value *list, const char *s)
{
  return tmpl_list_append(list, tmpl_new_str(s));
}

struct tmpl_value *
tmpl_list_add_map(struct tmpl_value *list)
{
  struct tmpl_value *v = tmpl_new_map();

  return tmpl_list_append(list, v) == SM_OK ? v : NULL;
}

struct tmpl_value *
tmpl_list_add_list(struct tmpl_value *list)
{
  struct tmpl_value *v = tmpl_new_list();

  return tmpl_list_append(list, v) == SM_OK ? v : NULL;
}

enum tmpl_type
tmpl_value_type(const struct tmpl_value *v)
{
  return v ? v->type : TMPL_NULL;
}

const struct tmpl_value *
tmpl_map_get(const struct tmpl_value *map, const char *key)
{
  const struct tmpl_member *m;

  if (!map || map->type != TMPL_MAP || !key)
    return NULL;
  m = map_find(map, key, strlen(key));
  return m ? m->v : NULL;
}

size_t
tmpl_value_count(const struct tmpl_value *v)
{
  return v && (v->type == TMPL_LIST || v->type == TMPL_MAP) ? v->n : 0;
}

const struct tmpl_value *
tmpl_list_get(const struct tmpl_value *list, size_t i)
{
  if (!list || list->type != TMPL_LIST || i >= list->n)
    return NULL;
  return list->items[i];
}

const char *
tmpl_value_text(const struct tmpl_value *v, size_t *len)
{
  const char *s = "";
  size_t n = 0;

  if (v) {
    switch (v->type) {
    case TMPL_BOOL:
      s = v->b ? "true" : "false";
      n = strlen(s);
      break;
    case TMPL_NUMBER:
    case TMPL_STRING:
      s = v->s;
      n = v->len;
      break;
    default:
      break;
    }
  }
  if (len)
    *len = n;
  return s;
}

/* False for what the header lists: missing, null, false, "", 0, []. */
static int
value_truthy(const struct tmpl_value *v)
{
  if (!v)
    return 0;
  switch (v->type) {
  case TMPL_NULL:
    return 0;
  case TMPL_BOOL:
    return v->b;
  case TMPL_NUMBER:
    return v->num != 0;
  case TMPL_STRING:
    return v->len > 0;
  case TMPL_LIST:
    return v->n > 0;
  case TMPL_MAP:
    return 1;
  }
  return 0;
}

/* ---- Compiled form --------------------------------------------------- */

enum node_type {
  NODE_TEXT,
  NODE_VAR,      /* {{name}}: escaped unless TMPL_TEXT */
  NODE_RAW,      /* {{{name}}}, {{&name}} */
  NODE_SECTION,  /* {{#name}}...{{/name}} */
  NODE_INVERTED, /* {{^name}}...{{/name}} */
  NODE_PARTIAL   /* {{>name}} */
};

struct span {
  const char *s;
  size_t len;
};

/* Where a line of the source begins. A partial included on a line of its
 * own is indented: the whitespace before its tag goes in front of each of
 * its lines. Rather than rewriting the partial's source per inclusion,
 * the nodes that begin a line carry this mark and the renderer writes the
 * current indentation there. Lines removed as standalone carry none. */
enum bol {
  BOL_NO = 0,
  BOL_YES,  /* begins a line */
  BOL_FIRST /* begins the template's first line: not indented when the
               partial is included inline, in the middle of a line */
};

struct node {
  enum node_type type;
  enum bol bol;
  unsigned line;
  const char *s; /* TEXT: the bytes; tags: the name as written */
  size_t len;
  struct span *parts; /* the dotted name, split; none for "."; owned */
  size_t nparts;
  struct node *kids; /* SECTION, INVERTED: the body; owned */
  size_t nkids;
  char *partial;      /* PARTIAL: the name, NUL-terminated; owned */
  const char *indent; /* PARTIAL: whitespace before a standalone tag */
  size_t indentlen;
  int standalone; /* PARTIAL: on a line of its own, so indented */
};

struct tmpl {
  char *name; /* owned */
  char *src;  /* a copy of the source that nodes point into; owned */
  unsigned flags;
  struct node *nodes; /* owned */
  size_t nnodes;
};

static void
nodes_free(struct node *v, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    free(v[i].parts);
    free(v[i].partial);
    nodes_free(v[i].kids, v[i].nkids);
  }
  free(v);
}

void
tmpl_free(struct tmpl *t)
{
  if (!t)
    return;
  nodes_free(t->nodes, t->nnodes);
  free(t->src);
  free(t->name);
  free(t);
}

const char *
tmpl_name(const struct tmpl *t)
{
  return t->name;
}

/* ---- Compiler ------------------------------------------------------- */

struct nodelist {
  struct node *v;
  size_t n, cap;
};

struct open_section {
  struct nodelist body;
  enum node_type type;
  enum bol bol;
  const char *name;
  size_t namelen;
  struct span *parts;
  size_t nparts;
  unsigned line;
};

struct parser {
  struct tmpl *t;
  const char *src; /* t->src */
  size_t len;
  const char *otag, *ctag; /* the current delimiters */
  size_t olen, clen;
  size_t text; /* start of text not yet turned into nodes */
  size_t lpos; /* line counting: offset lpos is on line lno */
  unsigned lno;
  struct nodelist top;
  struct open_section stack[TMPL_MAX_NESTING];
  int depth;
  char *err;
  size_t errlen;
};

static unsigned
line_at(struct parser *p, size_t pos)
{
  if (pos < p->lpos) { /* not expected: offsets only grow */
    p->lpos = 0;
    p->lno = 1;
  }
  for (; p->lpos < pos && p->lpos < p->len; p->lpos++)
    if (p->src[p->lpos] == '\n')
      p->lno++;
  return p->lno;
}

static enum sm_status perr(struct parser *p, size_t pos, enum sm_status st,
                           const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum sm_status
perr(struct parser *p, size_t pos, enum sm_status st, const char *fmt, ...)
{
  char msg[256];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  seterr(p->err, p->errlen, "%s:%u: %s", p->t->name, line_at(p, pos), msg);
  return st;
}

/* A name for a message: at most MSG_NAME_MAX bytes, control characters
 * shown as '?' so that a name cannot forge log lines. */
struct qname {
  char s[MSG_NAME_MAX + 1];
};

static const char *
qname(struct qname *q, const char *s, size_t len)
{
  size_t i;

  if (len > MSG_NAME_MAX)
    len = MSG_NAME_MAX;
  for (i = 0; i < len; i++)
    q->s[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
  q->s[len] = '\0';
  return q->s;
}

static struct nodelist *
cur_list(struct parser *p)
{
  return p->depth ? &p->stack[p->depth - 1].body : &p->top;
}

/* Appends *nd to the current list; on failure frees what *nd owns. */
static enum sm_status
add_node(struct parser *p, struct node *nd)
{
  struct nodelist *l = cur_list(p);

  if (grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v)) < 0) {
    nodes_free(nd->kids, nd->nkids);
    free(nd->parts);
    free(nd->partial);
    return SM_ERR_NOMEM;
  }
  l->v[l->n++] = *nd;
  return SM_OK;
}

static int
at_bol(const struct parser *p, size_t pos)
{
  return pos == 0 || p->src[pos - 1] == '\n';
}

static enum bol
bol_of(const struct parser *p, size_t pos)
{
  if (pos == 0)
    return BOL_FIRST;
  return at_bol(p, pos) ? BOL_YES : BOL_NO;
}

static enum sm_status
emit_text(struct parser *p, size_t a, size_t b)
{
  struct node nd;

  if (a >= b)
    return SM_OK;
  memset(&nd, 0, sizeof(nd));
  nd.type = NODE_TEXT;
  nd.bol = bol_of(p, a);
  nd.line = line_at(p, a);
  nd.s = p->src + a;
  nd.len = b - a;
  return add_node(p, &nd);
}

/* Offset of the first `prefix` (if not 0) immediately followed by the
 * closing delimiter, at or after from; NPOS if none. */
static size_t
find_close(const struct parser *p, size_t from, char prefix)
{
  size_t need = p->clen + (prefix ? 1 : 0);
  size_t i;

  for (i = from; i + need <= p->len; i++) {
    const char *q = p->src + i;

    if (prefix) {
      if (*q != prefix)
        continue;
      q++;
    }
    if (memcmp(q, p->ctag, p->clen) == 0)
      return i;
  }
  return NPOS;
}

static size_t
find_open(const struct parser *p, size_t from)
{
  size_t i;

  for (i = from; i + p->olen <= p->len; i++) {
    const char *q = memchr(p->src + i, p->otag[0], p->len - i);

    if (!q)
      return NPOS;
    i = (size_t)(q - p->src);
    if (i + p->olen <= p->len && memcmp(q, p->otag, p->olen) == 0)
      return i;
  }
  return NPOS;
}

static int
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

static void
trim(const char **s, size_t *len)
{
  while (*len && is_space(**s)) {
    (*s)++;
    (*len)--;
  }
  while (*len && is_space((*s)[*len - 1]))
    (*len)--;
}

/* Checks a tag's name and splits "a.b.c" into its parts. */
static enum sm_status
parse_name(struct parser *p, size_t pos, const char *s, size_t len,
           struct span **parts, size_t *nparts)
{
  size_t i, n = 1, k = 0, start = 0;
  struct span *v;
  struct qname q;

  *parts = NULL;
  *nparts = 0;
  if (len == 0)
    return perr(p, pos, SM_ERR_DATA, "empty tag name");
  for (i = 0; i < len; i++) {
    if (is_space(s[i]))
      return perr(p, pos, SM_ERR_DATA, "bad tag name \"%s\"",
                  qname(&q, s, len));
    if (s[i] == '.')
      n++;
  }
  if (len == 1 && s[0] == '.') /* the implicit iterator */
    return SM_OK;
  v = calloc(n, sizeof(*v));
  if (!v)
    return SM_ERR_NOMEM;
  for (i = 0; i <= len; i++) {
    if (i < len && s[i] != '.')
      continue;
    if (i == start) {
      free(v);
      return perr(p, pos, SM_ERR_DATA, "bad tag name \"%s\"",
                  qname(&q, s, len));
    }
    v[k].s = s + start;
    v[k].len = i - start;
    k++;
    start = i + 1;
  }
  *parts = v;
  *nparts = k;
  return SM_OK;
}

/* {{=<% %>=}}: content is what lies between the '=' signs. */
static enum sm_status
set_delimiters(struct parser *p, size_t pos, const char *s, size_t len)
{
  const char *e, *o, *c;
  size_t olen, clen;

  trim(&s, &len);
  e = s + len;
  o = s;
  while (s < e && !is_space(*s))
    s++;
  olen = (size_t)(s - o);
  while (s < e && is_space(*s))
    s++;
  c = s;
  while (s < e && !is_space(*s))
    s++;
  clen = (size_t)(s - c);
  /* Short delimiters also keep the search for them linear. */
  if (olen == 0 || clen == 0 || s != e || olen > DELIM_MAX || clen > DELIM_MAX)
    return perr(p, pos, SM_ERR_DATA, "bad set-delimiter tag");
  p->otag = o;
  p->olen = olen;
  p->ctag = c;
  p->clen = clen;
  return SM_OK;
}

static enum sm_status
section_open(struct parser *p, size_t pos, enum node_type type, enum bol bol,
             const char *name, size_t namelen)
{
  struct open_section *os;
  struct span *parts;
  size_t nparts;
  enum sm_status st;

  if (p->depth >= TMPL_MAX_NESTING)
    return perr(p, pos, SM_ERR_LIMIT, "sections nested deeper than %d",
                TMPL_MAX_NESTING);
  st = parse_name(p, pos, name, namelen, &parts, &nparts);
  if (st != SM_OK)
    return st;
  os = &p->stack[p->depth++];
  memset(os, 0, sizeof(*os));
  os->type = type;
  os->bol = bol;
  os->name = name;
  os->namelen = namelen;
  os->parts = parts;
  os->nparts = nparts;
  os->line = line_at(p, pos);
  return SM_OK;
}

static enum sm_status
section_close(struct parser *p, size_t pos, const char *name, size_t namelen)
{
  struct open_section *os;
  struct node nd;
  struct qname q1, q2;

  if (p->depth == 0)
    return perr(p, pos, SM_ERR_DATA,
                "closing tag \"%s\" without an open section",
                qname(&q1, name, namelen));
  os = &p->stack[p->depth - 1];
  if (os->namelen != namelen || memcmp(os->name, name, namelen) != 0)
    return perr(p, pos, SM_ERR_DATA,
                "mismatched closing tag \"%s\" (expected \"%s\")",
                qname(&q1, name, namelen), qname(&q2, os->name, os->namelen));
  memset(&nd, 0, sizeof(nd));
  nd.type = os->type;
  nd.bol = os->bol;
  nd.line = os->line;
  nd.s = os->name;
  nd.len = os->namelen;
  nd.parts = os->parts;
  nd.nparts = os->nparts;
  nd.kids = os->body.v;
  nd.nkids = os->body.n;
  p->depth--; /* the node owns the section's parts and body now */
  return add_node(p, &nd);
}

static enum sm_status
add_tag(struct parser *p, size_t pos, enum node_type type, enum bol bol,
        const char *name, size_t namelen)
{
  struct node nd;
  enum sm_status st;

  memset(&nd, 0, sizeof(nd));
  nd.type = type;
  nd.bol = bol;
  nd.line = line_at(p, pos);
  nd.s = name;
  nd.len = namelen;
  st = parse_name(p, pos, name, namelen, &nd.parts, &nd.nparts);
  if (st != SM_OK)
    return st;
  return add_node(p, &nd);
}

static enum sm_status
add_partial(struct parser *p, size_t pos, enum bol bol, const char *name,
            size_t namelen, size_t indent, int standalone)
{
  struct node nd;
  struct qname q;

  memset(&nd, 0, sizeof(nd));
  nd.type = NODE_PARTIAL;
  nd.bol = bol;
  nd.line = line_at(p, pos);
  nd.s = name;
  nd.len = namelen;
  nd.partial = malloc(namelen + 1);
  if (!nd.partial)
    return SM_ERR_NOMEM;
  memcpy(nd.partial, name, namelen);
  nd.partial[namelen] = '\0';
  /* Refused here, with a line number, rather than when a render would
   * try to open "../something". */
  if (memchr(name, '\0', namelen) || !tmpl_name_valid(nd.partial)) {
    free(nd.partial);
    return perr(p, pos, SM_ERR_DATA, "bad partial name \"%s\"",
                qname(&q, name, namelen));
  }
  if (standalone) {
    nd.standalone = 1;
    nd.indent = p->src + indent;
    nd.indentlen = pos - indent;
  }
  return add_node(p, &nd);
}

/* One tag at pos (its opening delimiter). Returns where text resumes in
 * *next. */
static enum sm_status
parse_tag(struct parser *p, size_t pos, size_t *next)
{
  const char *src = p->src;
  size_t c = pos + p->olen, cs, ce, end, ls, r;
  char type = c < p->len ? src[c] : '\0';
  int standalone = 0;
  const char *name;
  size_t namelen;
  enum bol bol;
  enum sm_status st;

  switch (type) {
  case '{': /* {{{name}}}: closes with '}' + the closing delimiter */
  case '=': /* {{=<% %>=}} likewise with '=' */
    cs = c + 1;
    ce = find_close(p, cs, type == '{' ? '}' : '=');
    end = ce == NPOS ? NPOS : ce + 1 + p->clen;
    break;
  case '!':
  case '#':
  case '^':
  case '/':
  case '>':
  case '&':
  case '<':
  case '$':
    cs = c + 1;
    ce = find_close(p, cs, '\0');
    end = ce == NPOS ? NPOS : ce + p->clen;
    break;
  default:
    cs = c;
    ce = find_close(p, cs, '\0');
    end = ce == NPOS ? NPOS : ce + p->clen;
    break;
  }
  if (ce == NPOS)
    return perr(p, pos, SM_ERR_DATA, "unterminated tag");

  /* Standalone: a tag other than an interpolation alone on its line but
   * for blanks is removed with the whole line, so control tags can sit
   * on lines of their own without leaving empty lines behind. */
  ls = pos;
  while (ls > p->text && (src[ls - 1] == ' ' || src[ls - 1] == '\t'))
    ls--;
  *next = end;
  if (strchr("#^/!>=", type) && type != '\0' && at_bol(p, ls)) {
    r = end;
    while (r < p->len && (src[r] == ' ' || src[r] == '\t'))
      r++;
    if (r == p->len) {
      standalone = 1;
      *next = r;
    } else if (src[r] == '\n') {
      standalone = 1;
      *next = r + 1;
    } else if (src[r] == '\r' && r + 1 < p->len && src[r + 1] == '\n') {
      standalone = 1;
      *next = r + 2;
    }
  }
  st = emit_text(p, p->text, standalone ? ls : pos);
  if (st != SM_OK)
    return st;
  bol = standalone ? BOL_NO : bol_of(p, pos);

  name = src + cs;
  namelen = ce - cs;
  if (type != '!' && type != '=')
    trim(&name, &namelen);
  switch (type) {
  case '!':
    return SM_OK;
  case '=':
    return set_delimiters(p, pos, name, namelen);
  case '#':
    return section_open(p, pos, NODE_SECTION, bol, name, namelen);
  case '^':
    return section_open(p, pos, NODE_INVERTED, bol, name, namelen);
  case '/':
    return section_close(p, pos, name, namelen);
  case '>':
    if (namelen == 0)
      return perr(p, pos, SM_ERR_DATA, "empty partial name");
    return add_partial(p, pos, bol, name, namelen, ls, standalone);
  case '<':
  case '$':
    return perr(p, pos, SM_ERR_DATA,
                "unsupported tag \"%c\" (template inheritance)", type);
  case '{':
  case '&':
    return add_tag(p, pos, NODE_RAW, bol, name, namelen);
  default:
    return add_tag(p, pos, NODE_VAR, bol, name, namelen);
  }
}

enum sm_status
tmpl_compile(const char *name, const char *src, size_t len, unsigned flags,
             struct tmpl **out, char *err, size_t errlen)
{
  struct parser *p = NULL;
  struct tmpl *t = NULL;
  enum sm_status st = SM_ERR_NOMEM;
  size_t pos = 0, next = 0;
  int i;

  *out = NULL;
  if (!name)
    name = "template";
  if (len > TMPL_MAX_SOURCE) {
    seterr(err, errlen, "%s: template larger than %d bytes", name,
           TMPL_MAX_SOURCE);
    return SM_ERR_LIMIT;
  }
  t = calloc(1, sizeof(*t));
  p = calloc(1, sizeof(*p));
  if (!t || !p)
    goto fail;
  t->flags = flags;
  t->name = util_strdup0(name);
  t->src = malloc(len + 1);
  if (!t->name || !t->src)
    goto fail;
  if (len)
    memcpy(t->src, src, len);
  t->src[len] = '\0';

  p->t = t;
  p->src = t->src;
  p->len = len;
  p->otag = "{{";
  p->olen = 2;
  p->ctag = "}}";
  p->clen = 2;
  p->lno = 1;
  p->err = err;
  p->errlen = errlen;

  while ((pos = find_open(p, pos)) != NPOS) {
    st = parse_tag(p, pos, &next);
    if (st != SM_OK)
      goto fail;
    p->text = pos = next;
  }
  st = emit_text(p, p->text, len);
  if (st != SM_OK)
    goto fail;
  if (p->depth) {
    struct open_section *os = &p->stack[p->depth - 1];
    struct qname q;

    seterr(err, errlen, "%s:%u: unclosed section \"%s\"", t->name, os->line,
           qname(&q, os->name, os->namelen));
    st = SM_ERR_DATA;
    goto fail;
  }
  t->nodes = p->top.v;
  t->nnodes = p->top.n;
  free(p);
  *out = t;
  return SM_OK;

fail:
  if (st == SM_ERR_NOMEM)
    seterr(err, errlen, "%s: out of memory", name);
  if (p) {
    for (i = 0; i < p->depth; i++) {
      nodes_free(p->stack[i].body.v, p->stack[i].body.n);
      free(p->stack[i].parts);
    }
    nodes_free(p->top.v, p->top.n);
    free(p);
  }
  tmpl_free(t);
  return st;
}

/* ---- Renderer --------------------------------------------------------- */

/* The context stack and the indentation live on the C stack, one frame
 * per section or partial: both are bounded by the nesting limits. */
struct ctx {
  const struct tmpl_value *v;
  const struct ctx *up;
};

struct indent {
  const char *s;
  size_t len;
  const struct indent *up; /* the including partial's; written first */
};

struct render {
  struct tmpl_set *set;
  int escape;
  struct buf *out;
  unsigned long steps;
  int depth; /* partials being rendered */
  char *err;
  size_t errlen;
};

static enum sm_status rerr(struct render *r, const struct tmpl *t,
                           const struct node *nd, enum sm_status st,
                           const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static enum sm_status
rerr(struct render *r, const struct tmpl *t, const struct node *nd,
     enum sm_status st, const char *fmt, ...)
{
  char msg[256];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  seterr(r->err, r->errlen, "%s:%u: %s", t->name, nd->line, msg);
  return st;
}

static enum sm_status
out_err(struct render *r, const struct tmpl *t, const struct node *nd,
        enum sm_status st)
{
  if (st == SM_ERR_LIMIT)
    return rerr(r, t, nd, st, "output larger than %zu bytes", r->out->max);
  return rerr(r, t, nd, st, "%s", sm_strerror(st));
}

static enum sm_status
put_indent(struct render *r, const struct indent *ind)
{
  enum sm_status st;

  if (!ind)
    return SM_OK;
  st = put_indent(r, ind->up);
  if (st != SM_OK)
    return st;
  return buf_append(r->out, ind->s, ind->len);
}

/* Text of a partial that is indented gets the indentation after each of
 * its newlines but a final one (the next line's node carries its own
 * mark, or the partial ends there). */
static enum sm_status
put_text(struct render *r, const struct node *nd, const struct indent *ind)
{
  const char *s = nd->s, *e = nd->s + nd->len, *nl;
  enum sm_status st;

  if (!ind)
    return buf_append(r->out, s, nd->len);
  while ((nl = memchr(s, '\n', (size_t)(e - s))) && nl + 1 < e) {
    st = buf_append(r->out, s, (size_t)(nl + 1 - s));
    if (st == SM_OK)
      st = put_indent(r, ind);
    if (st != SM_OK)
      return st;
    s = nl + 1;
  }
  return buf_append(r->out, s, (size_t)(e - s));
}

static int
span_eq(const struct tmpl_member *m, const struct span *sp)
{
  return m->keylen == sp->len && memcmp(m->key, sp->s, sp->len) == 0;
}

static const struct tmpl_value *
map_get_span(const struct tmpl_value *v, const struct span *sp)
{
  size_t i;

  if (!v || v->type != TMPL_MAP)
    return NULL;
  for (i = 0; i < v->n; i++)
    if (span_eq(&v->members[i], sp))
      return v->members[i].v;
  return NULL;
}

/* The spec's name resolution: "." is the top of the stack; otherwise the
 * first part is looked up from the top down, and the other parts only in
 * what it found (no falling back to outer contexts). */
static const struct tmpl_value *
lookup(const struct ctx *ctx, const struct node *nd)
{
  const struct tmpl_value *v = NULL;
  size_t i;

  if (nd->nparts == 0)
    return ctx ? ctx->v : NULL;
  for (; ctx; ctx = ctx->up)
    if ((v = map_get_span(ctx->v, &nd->parts[0])))
      break;
  for (i = 1; v && i < nd->nparts; i++)
    v = map_get_span(v, &nd->parts[i]);
  return v;
}

static enum sm_status render_nodes(struct render *r, const struct tmpl *t,
                                   const struct node *nodes, size_t n,
                                   const struct ctx *ctx,
                                   const struct indent *ind, int inline_p);

static enum sm_status
render_partial(struct render *r, const struct tmpl *t, const struct node *nd,
               const struct ctx *ctx, const struct indent *ind)
{
  const struct tmpl *pt;
  struct indent sub;
  enum sm_status st;

  if (!r->set)
    return SM_OK;
  st = tmpl_set_get(r->set, nd->partial, &pt, r->err, r->errlen);
  if (st == SM_ERR_NOTFOUND) /* the spec: renders as the empty string */
    return SM_OK;
  if (st != SM_OK)
    return st;
  if (r->depth >= TMPL_MAX_PARTIAL_DEPTH)
    return rerr(r, t, nd, SM_ERR_LIMIT,
                "partials nested deeper than %d (does \"%s\" include "
                "itself?)",
                TMPL_MAX_PARTIAL_DEPTH, nd->partial);
  if (nd->standalone) {
    sub.s = nd->indent;
    sub.len = nd->indentlen;
    sub.up = ind;
    ind = &sub;
  }
  r->depth++;
  st = render_nodes(r, pt, pt->nodes, pt->nnodes, ctx, ind, !nd->standalone);
  r->depth--;
  return st;
}

/* Counts one unit of work against TMPL_MAX_STEPS. */
static enum sm_status
step(struct render *r, const struct tmpl *t, const struct node *nd)
{
  if (++r->steps > TMPL_MAX_STEPS)
    return rerr(r, t, nd, SM_ERR_LIMIT, "rendering takes more than %lu steps",
                TMPL_MAX_STEPS);
  return SM_OK;
}

static enum sm_status
render_node(struct render *r, const struct tmpl *t, const struct node *nd,
            const struct ctx *ctx, const struct indent *ind, int inline_p)
{
  const struct tmpl_value *v;
  const char *s;
  struct ctx sub;
  size_t i, len;
  enum sm_status st;

  st = step(r, t, nd);
  if (st != SM_OK)
    return st;
  if (ind && (nd->bol == BOL_YES || (nd->bol == BOL_FIRST && !inline_p))) {
    st = put_indent(r, ind);
    if (st != SM_OK)
      return out_err(r, t, nd, st);
  }
  switch (nd->type) {
  case NODE_TEXT:
    st = put_text(r, nd, ind);
    return st == SM_OK ? st : out_err(r, t, nd, st);
  case NODE_VAR:
  case NODE_RAW:
    s = tmpl_value_text(lookup(ctx, nd), &len);
    if (nd->type == NODE_VAR && r->escape)
      st = util_html_escape(r->out, s, len, UTIL_HTML_QUOTES);
    else
      st = buf_append(r->out, s, len);
    return st == SM_OK ? st : out_err(r, t, nd, st);
  case NODE_SECTION:
    v = lookup(ctx, nd);
    if (!value_truthy(v))
      return SM_OK;
    sub.up = ctx;
    if (v->type != TMPL_LIST) {
      sub.v = v;
      return render_nodes(r, t, nd->kids, nd->nkids, &sub, ind, 0);
    }
    for (i = 0; i < v->n; i++) {
      sub.v = v->items[i];
      st = step(r, t, nd); /* an empty body still costs an iteration */
      if (st == SM_OK)
        st = render_nodes(r, t, nd->kids, nd->nkids, &sub, ind, 0);
      if (st != SM_OK)
        return st;
    }
    return SM_OK;
  case NODE_INVERTED:
    if (value_truthy(lookup(ctx, nd)))
      return SM_OK;
    return render_nodes(r, t, nd->kids, nd->nkids, ctx, ind, 0);
  case NODE_PARTIAL:
    return render_partial(r, t, nd, ctx, ind);
  }
  return SM_ERR_INTERNAL;
}

static enum sm_status
render_nodes(struct render *r, const struct tmpl *t, const struct node *nodes,
             size_t n, const struct ctx *ctx, const struct indent *ind,
             int inline_p)
{
  size_t i;
  enum sm_status st;

  for (i = 0; i < n; i++) {
    st = render_node(r, t, &nodes[i], ctx, ind, inline_p);
    if (st != SM_OK)
      return st;
  }
  return SM_OK;
}

enum sm_status
tmpl_render(const struct tmpl *t, const struct tmpl_value *ctx,
            struct tmpl_set *partials, unsigned flags, struct buf *out,
            char *err, size_t errlen)
{
  struct render r;
  struct ctx bottom;
  size_t len0 = out->len;
  enum sm_status st;

  memset(&r, 0, sizeof(r));
  r.set = partials;
  r.escape = !((t->flags | flags) & TMPL_TEXT);
  r.out = out;
  r.err = err;
  r.errlen = errlen;
  bottom.v = ctx;
  bottom.up = NULL;
  /* A buffer that stays empty still reads as "" afterwards. */
  st = buf_append(out, "", 0);
  if (st == SM_OK)
    st = render_nodes(&r, t, t->nodes, t->nnodes, ctx ? &bottom : NULL, NULL,
                      0);
  if (st != SM_OK && out->data) {
    out->len = len0;
    out->data[len0] = '\0';
  }
  return st;
}

/* ---- Template sets ---------------------------------------------------- */

struct set_entry {
  char *name;     /* owned */
  char *label;    /* for messages: the path; owned */
  struct tmpl *t; /* owned; NULL when the loader found none */
};

struct tmpl_set {
  tmpl_load_fn load;
  void *arg;
  char *dir; /* tmpl_set_open's directory; owned */
  struct set_entry *v;
  size_t n, cap;
};

int
tmpl_name_valid(const char *name)
{
  size_t i, n;

  if (!name)
    return 0;
  n = strlen(name);
  if (n == 0 || n > 255 || name[0] == '.' || strstr(name, ".."))
    return 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];

    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
      return 0;
  }
  return 1;
}

enum sm_status
tmpl_set_new(tmpl_load_fn load, void *arg, struct tmpl_set **out)
{
  struct tmpl_set *set = calloc(1, sizeof(*set));

  *out = NULL;
  if (!set)
    return SM_ERR_NOMEM;
  set->load = load;
  set->arg = arg;
  *out = set;
  return SM_OK;
}

static enum sm_status
dir_load(void *arg, const char *name, struct buf *src, char *label,
         size_t labellen, char *err, size_t errlen)
{
  const char *dir = arg;
  int n = snprintf(label, labellen, "%s/%s", dir, name);
  enum sm_status st;

  if (n < 0 || (size_t)n >= labellen) {
    seterr(err, errlen, "%s/%s: path too long", dir, name);
    return SM_ERR_LIMIT;
  }
  st = util_read_file(label, src);
  switch (st) {
  case SM_OK:
    return SM_OK;
  case SM_ERR_NOINPUT:
    seterr(err, errlen, "%s: no such template", label);
    return SM_ERR_NOTFOUND;
  case SM_ERR_LIMIT:
    seterr(err, errlen, "%s: template larger than %d bytes", label,
           TMPL_MAX_SOURCE);
    return st;
  case SM_ERR_NOMEM:
    seterr(err, errlen, "%s: out of memory", label);
    return st;
  default:
    seterr(err, errlen, "%s: %s", label, strerror(errno));
    return st;
  }
}

enum sm_status
tmpl_set_open(const char *dir, struct tmpl_set **out, char *err, size_t errlen)
{
  struct stat sb;
  struct tmpl_set *set;
  size_t n;
  enum sm_status st;

  *out = NULL;
  if (!dir || !*dir) {
    seterr(err, errlen, "no templates directory configured");
    return SM_ERR_CONFIG;
  }
  if (stat(dir, &sb) < 0) {
    seterr(err, errlen, "templates directory %s: %s", dir, strerror(errno));
    return SM_ERR_CONFIG;
  }
  if (!S_ISDIR(sb.st_mode)) {
    seterr(err, errlen, "templates directory %s: not a directory", dir);
    return SM_ERR_CONFIG;
  }
  st = tmpl_set_new(dir_load, NULL, &set);
  if (st != SM_OK)
    goto nomem;
  set->dir = util_strdup0(dir);
  if (!set->dir) {
    tmpl_set_free(set);
    goto nomem;
  }
  /* "dir/" would make paths in messages read "dir//digest.html". */
  n = strlen(set->dir);
  while (n > 1 && set->dir[n - 1] == '/')
    set->dir[--n] = '\0';
  set->arg = set->dir;
  *out = set;
  return SM_OK;

nomem:
  seterr(err, errlen, "templates directory %s: out of memory", dir);
  return SM_ERR_NOMEM;
}

void
tmpl_set_free(struct tmpl_set *set)
{
  size_t i;

  if (!set)
    return;
  for (i = 0; i < set->n; i++) {
    free(set->v[i].name);
    free(set->v[i].label);
    tmpl_free(set->v[i].t);
  }
  free(set->v);
  free(set->dir);
  free(set);
}

static int
ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);

  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Remembers name -> t (NULL: not found). Takes t. */
static enum sm_status
set_add(struct tmpl_set *set, const char *name, const char *label,
        struct tmpl *t)
{
  struct set_entry *e;
  char *n = util_strdup0(name), *l = util_strdup0(label);

  if (!n || !l ||
      grow((void **)&set->v, &set->cap, set->n, sizeof(*set->v)) < 0) {
    free(n);
    free(l);
    tmpl_free(t);
    return SM_ERR_NOMEM;
  }
  e = &set->v[set->n++];
  e->name = n;
  e->label = l;
  e->t = t;
  return SM_OK;
}

enum sm_status
tmpl_set_get(struct tmpl_set *set, const char *name, const struct tmpl **out,
             char *err, size_t errlen)
{
  char label[4096];
  struct buf src;
  struct tmpl *t = NULL;
  size_t i;
  enum sm_status st;

  *out = NULL;
  if (!tmpl_name_valid(name)) {
    struct qname q;

    seterr(err, errlen, "bad template name \"%s\"",
           qname(&q, name ? name : "", name ? strlen(name) : 0));
    return SM_ERR_DATA;
  }
  for (i = 0; i < set->n; i++) {
    if (strcmp(set->v[i].name, name) != 0)
      continue;
    if (!set->v[i].t) {
      seterr(err, errlen, "%s: no such template", set->v[i].label);
      return SM_ERR_NOTFOUND;
    }
    *out = set->v[i].t;
    return SM_OK;
  }

  buf_init(&src, TMPL_MAX_SOURCE);
  label[0] = '\0';
  if (err && errlen)
    err[0] = '\0';
  st = set->load(set->arg, name, &src, label, sizeof(label), err, errlen);
  label[sizeof(label) - 1] = '\0';
  if (!label[0])
    snprintf(label, sizeof(label), "%s", name);
  if (st == SM_ERR_NOTFOUND) {
    seterr(err, errlen, "%s: no such template", label);
    st = set_add(set, name, label, NULL);
    if (st == SM_OK)
      st = SM_ERR_NOTFOUND;
    goto done;
  }
  if (st != SM_OK) {
    if (err && errlen && !err[0])
      seterr(err, errlen, "%s: %s", label, sm_strerror(st));
    goto done;
  }
  st = tmpl_compile(label, buf_str(&src), src.len,
                    ends_with(name, ".txt") ? TMPL_TEXT : 0, &t, err, errlen);
  if (st != SM_OK)
    goto done;
  st = set_add(set, name, label, t);
  if (st == SM_OK)
    *out = t;
  else
    seterr(err, errlen, "%s: out of memory", label);

done:
  buf_free(&src);
  return st;
}

enum sm_status
tmpl_set_render(struct tmpl_set *set, const char *name,
                const struct tmpl_value *ctx, unsigned flags, struct buf *out,
                char *err, size_t errlen)
{
  const struct tmpl *t;
  enum sm_status st = tmpl_set_get(set, name, &t, err, errlen);

  if (st != SM_OK)
    return st;
  return tmpl_render(t, ctx, set, flags, out, err, errlen);
}
