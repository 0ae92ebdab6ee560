/* authres.c: Authentication-Results (RFC 8601) fields; see authres.h. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "authres.h"

/* The unread part of a field. */
struct lex {
  const char *p, *end;
};

static int
is_wsp(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skips white space and comments (nested, with quoted pairs). -1 when a
 * comment is not closed. */
static int
skip_cfws(struct lex *l)
{
  for (;;) {
    while (l->p < l->end && is_wsp(*l->p))
      l->p++;
    if (l->p == l->end || *l->p != '(')
      return 0;
    /* A loop rather than recursion: nesting depth is only a counter, so
     * "((((..." cannot exhaust the stack. */
    for (size_t depth = 0; l->p < l->end;) {
      char c = *l->p++;
      if (c == '\\' && l->p < l->end)
        l->p++;
      else if (c == '(')
        depth++;
      else if (c == ')' && --depth == 0)
        break;
      if (l->p == l->end && depth)
        return -1;
    }
  }
}

static int
at(const struct lex *l, char c)
{
  return l->p < l->end && *l->p == c;
}

/* Copies n bytes to dst (cap bytes with the NUL), folded to lower case
 * when lower is set. */
static enum sm_status
put(char *dst, size_t cap, const char *s, size_t n, int lower)
{
  if (n >= cap)
    return SM_ERR_LIMIT;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    dst[i] = lower && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
  }
  dst[n] = '\0';
  return SM_OK;
}

static int
is_keyword_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* A Keyword (RFC 5321: letters, digits, hyphens; underscores are seen
 * in the wild) into dst, lower case. SM_ERR_DATA when there is none. */
static enum sm_status
keyword(struct lex *l, char *dst, size_t cap)
{
  const char *s = l->p;

  while (l->p < l->end && is_keyword_char(*l->p))
    l->p++;
  if (l->p == s)
    return SM_ERR_DATA;
  return put(dst, cap, s, (size_t)(l->p - s), 1);
}

/* RFC 2045 token characters; bytes above 127 are let through, as some
 * authserv-ids are internationalised domain names. */
static int
is_token_char(char c)
{
  unsigned char u = (unsigned char)c;

  if (u <= 32 || u == 127)
    return 0;
  return !strchr("()<>@,;:\\\"/[]?=", c);
}

/* A quoted string's content, unescaped, into dst (may be NULL). */
static enum sm_status
quoted(struct lex *l, char *dst, size_t cap)
{
  size_t n = 0;

  l->p++; /* the opening quote */
  while (l->p < l->end && *l->p != '"') {
    char c = *l->p++;
    if (c == '\\') {
      if (l->p == l->end)
        return SM_ERR_DATA;
      c = *l->p++;
    }
    if (dst) {
      if (n + 1 >= cap)
        return SM_ERR_LIMIT;
      dst[n] = c;
    }
    n++;
  }
  if (l->p == l->end)
    return SM_ERR_DATA;
  l->p++;
  if (dst)
    dst[n] = '\0';
  return SM_OK;
}

/* A value: token or quoted-string (dst may be NULL to skip it). */
static enum sm_status
value(struct lex *l, char *dst, size_t cap, int lower)
{
  const char *s = l->p;

  if (at(l, '"'))
    return quoted(l, dst, cap);
  while (l->p < l->end && is_token_char(*l->p))
    l->p++;
  if (l->p == s)
    return SM_ERR_DATA;
  return dst ? put(dst, cap, s, (size_t)(l->p - s), lower) : SM_OK;
}

/* A property value: a value, or [[local-part] "@"] domain-name, which
 * may hold '@' and '/' a token may not: read up to white space, a
 * comment or the next ';'. */
static enum sm_status
pvalue(struct lex *l, char *dst, size_t cap)
{
  const char *s = l->p;

  if (at(l, '"'))
    return quoted(l, dst, cap);
  while (l->p < l->end && !is_wsp(*l->p) && *l->p != ';' && *l->p != '(' &&
         *l->p != '"')
    l->p++;
  if (l->p == s)
    return SM_ERR_DATA;
  return dst ? put(dst, cap, s, (size_t)(l->p - s), 0) : SM_OK;
}

static int
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

/* The properties after a method's result, up to the next ';'. */
static enum sm_status
properties(struct lex *l, struct authres_result *r)
{
  enum sm_status rc;

  for (;;) {
    char ptype[64], prop[64];
    if (skip_cfws(l))
      return SM_ERR_DATA;
    if (l->p == l->end || at(l, ';'))
      return SM_OK;
    rc = keyword(l, ptype, sizeof(ptype));
    if (rc != SM_OK)
      return rc;
    if (skip_cfws(l))
      return SM_ERR_DATA;
    if (!strcmp(ptype, "reason")) {
      if (!at(l, '='))
        return SM_ERR_DATA;
      l->p++;
      if (skip_cfws(l))
        return SM_ERR_DATA;
      rc = value(l, NULL, 0, 0);
      if (rc != SM_OK)
        return rc;
      continue;
    }
    if (!at(l, '.'))
      return SM_ERR_DATA;
    l->p++;
    if (skip_cfws(l))
      return SM_ERR_DATA;
    rc = keyword(l, prop, sizeof(prop));
    if (rc == SM_OK && skip_cfws(l))
      rc = SM_ERR_DATA;
    if (rc == SM_OK && !at(l, '='))
      rc = SM_ERR_DATA;
    if (rc != SM_OK)
      return rc;
    l->p++;
    if (skip_cfws(l))
      return SM_ERR_DATA;
    if (r && !strcmp(ptype, "header") && !strcmp(prop, "from"))
      rc = pvalue(l, r->header_from, sizeof(r->header_from));
    else
      rc = pvalue(l, NULL, 0);
    if (rc != SM_OK)
      return rc;
  }
}

/* One resinfo after its ';': method[/version] = result, properties. */
static enum sm_status
resinfo(struct lex *l, struct authres *out, int first)
{
  struct authres_result scratch, *r;
  char method[sizeof(scratch.method)];
  enum sm_status rc;

  rc = keyword(l, method, sizeof(method));
  if (rc != SM_OK)
    return rc;
  if (skip_cfws(l))
    return SM_ERR_DATA;
  if (at(l, '/')) {
    const char *s;
    l->p++;
    if (skip_cfws(l))
      return SM_ERR_DATA;
    s = l->p;
    while (l->p < l->end && is_digit(*l->p))
      l->p++;
    if (l->p == s || skip_cfws(l))
      return SM_ERR_DATA;
  }
  if (!at(l, '=')) {
    /* "authserv-id; none": no authentication was done. */
    if (first && !strcmp(method, "none") && (l->p == l->end || at(l, ';'))) {
      out->no_result = 1;
      return SM_OK;
    }
    return SM_ERR_DATA;
  }
  l->p++;
  r = out->n < AUTHRES_MAX_RESULTS ? &out->r[out->n] : &scratch;
  memset(r, 0, sizeof(*r));
  memcpy(r->method, method, strlen(method) + 1); /* not the stale tail */
  if (skip_cfws(l))
    return SM_ERR_DATA;
  rc = keyword(l, r->result, sizeof(r->result));
  if (rc == SM_OK)
    rc = properties(l, r);
  if (rc != SM_OK)
    return rc;
  if (r == &scratch)
    out->dropped++;
  else
    out->n++;
  return SM_OK;
}

enum sm_status
authres_parse(const char *field, size_t len, struct authres *out)
{
  struct lex l = {field, field + len};
  enum sm_status rc;
  int first = 1;

  memset(out, 0, sizeof(*out));
  if (len > AUTHRES_MAX_FIELD)
    return SM_ERR_LIMIT;
  if (skip_cfws(&l))
    return SM_ERR_DATA;
  rc = value(&l, out->authserv_id, sizeof(out->authserv_id), 0);
  if (rc != SM_OK)
    return rc;
  if (!out->authserv_id[0] || skip_cfws(&l))
    return SM_ERR_DATA;
  if (l.p < l.end && is_digit(*l.p)) {
    /* authres-version: only version 1 exists. */
    while (l.p < l.end && is_digit(*l.p))
      l.p++;
    if (skip_cfws(&l))
      return SM_ERR_DATA;
  }
  if (!at(&l, ';'))
    return SM_ERR_DATA; /* neither "none" nor any result */
  while (l.p < l.end) {
    if (!at(&l, ';'))
      return SM_ERR_DATA;
    l.p++;
    if (skip_cfws(&l))
      return SM_ERR_DATA;
    /* Tolerated: an empty resinfo, as a trailing ';' some MTAs write. */
    if (l.p == l.end || at(&l, ';'))
      continue;
    if (out->no_result)
      return SM_ERR_DATA; /* "none" and results together */
    rc = resinfo(&l, out, first);
    if (rc != SM_OK)
      return rc;
    first = 0;
    if (skip_cfws(&l))
      return SM_ERR_DATA;
  }
  return SM_OK;
}

/* The domain of a header.from property, which some verifiers write as
 * an address. */
static const char *
domain_of(const char *v)
{
  const char *at_sign = strrchr(v, '@');

  return at_sign ? at_sign + 1 : v;
}

enum authres_verdict
authres_dmarc(const char *const *fields, size_t n, const char *authserv_id,
              const char *from_domain, size_t *believed)
{
  struct authres a;
  int pass = 0, fail = 0;
  size_t i;

  if (believed)
    *believed = 0;
  if (!authserv_id || !*authserv_id)
    return AUTHRES_NONE;
  for (i = 0; i < n; i++) {
    if (!fields[i] ||
        authres_parse(fields[i], strlen(fields[i]), &a) != SM_OK ||
        strcasecmp(a.authserv_id, authserv_id))
      break; /* not ours: neither it nor anything below counts */
    for (size_t k = 0; k < a.n; k++) {
      const struct authres_result *r = &a.r[k];
      if (strcmp(r->method, "dmarc"))
        continue;
      if (r->header_from[0] && from_domain &&
          strcasecmp(domain_of(r->header_from), from_domain))
        continue;
      if (!strcmp(r->result, "fail"))
        fail = 1;
      else if (!strcmp(r->result, "pass"))
        pass = 1;
    }
  }
  if (believed)
    *believed = i;
  return fail ? AUTHRES_FAIL : pass ? AUTHRES_PASS : AUTHRES_NONE;
}

const char *
authres_verdict_str(enum authres_verdict v)
{
  switch (v) {
  case AUTHRES_PASS:
    return "pass";
  case AUTHRES_FAIL:
    return "fail";
  case AUTHRES_NONE:
    break;
  }
  return "none";
}
