/* form.c: urlencoded and multipart/form-data bodies (see form.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form.h"
#include "util.h"

void
form_free(struct form *f)
{
  for (size_t i = 0; i < f->n; i++) {
    free(f->fields[i].name);
    free(f->fields[i].value);
  }
  free(f->fields);
  f->fields = NULL;
  f->n = 0;
}

const char *
form_get(const struct form *f, const char *name)
{
  for (size_t i = 0; i < f->n; i++)
    if (!strcmp(f->fields[i].name, name))
      return f->fields[i].value;
  return NULL;
}

/* A decoded name or value becomes a C string for the store and the
 * templates: an embedded NUL would cut it silently, and invalid UTF-8
 * would reach a page. */
static int
text_ok(const char *s, size_t n)
{
  return memchr(s, '\0', n) == NULL && util_utf8_valid(s, n);
}

/* Appends a field, taking ownership of name and value (freed on
 * failure too). */
static enum sm_status
add_field(struct form *f, char *name, char *value, char *err, size_t errlen)
{
  struct form_field *nf;

  if (!name || !value) {
    free(name);
    free(value);
    return SM_ERR_NOMEM;
  }
  if (f->n >= FORM_MAX_FIELDS) {
    snprintf(err, errlen, "more than %d form fields", FORM_MAX_FIELDS);
    free(name);
    free(value);
    return SM_ERR_LIMIT;
  }
  nf = realloc(f->fields, (f->n + 1) * sizeof(*nf));
  if (!nf) {
    free(name);
    free(value);
    return SM_ERR_NOMEM;
  }
  f->fields = nf;
  f->fields[f->n].name = name;
  f->fields[f->n].value = value;
  f->n++;
  return SM_OK;
}

static int
hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes n bytes of percent-encoding ("+" is a space) into a new
 * string in *out. SM_ERR_DATA for a bad escape or text. */
static enum sm_status
url_decode(const char *s, size_t n, char **out, char *err, size_t errlen)
{
  char *d = malloc(n + 1);
  size_t j = 0;

  *out = NULL;
  if (!d)
    return SM_ERR_NOMEM;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '+')
      d[j++] = ' ';
    else if (s[i] == '%') {
      int hi = -1, lo = -1;
      if (n - i >= 3) {
        hi = hexval(s[i + 1]);
        lo = hexval(s[i + 2]);
      }
      if (hi < 0 || lo < 0) {
        snprintf(err, errlen, "bad percent escape at byte %zu", i);
        free(d);
        return SM_ERR_DATA;
      }
      d[j++] = (char)(hi * 16 + lo);
      i += 2;
    } else
      d[j++] = s[i];
  }
  d[j] = '\0';
  if (!text_ok(d, j)) {
    snprintf(err, errlen, "a form field is not UTF-8 text");
    free(d);
    return SM_ERR_DATA;
  }
  *out = d;
  return SM_OK;
}

static enum sm_status
parse_urlencoded(const char *body, size_t len, struct form *out, char *err,
                 size_t errlen)
{
  size_t i = 0;
  enum sm_status rc = SM_OK;

  while (i < len && rc == SM_OK) {
    const char *amp = memchr(body + i, '&', len - i);
    size_t end = amp ? (size_t)(amp - body) : len;
    const char *eq = memchr(body + i, '=', end - i);
    size_t nend = eq ? (size_t)(eq - body) : end;
    char *name = NULL, *value = NULL;

    /* "a=1&&b=2" and a trailing "&" are harmless: skip empty pairs. */
    if (end > i) {
      rc = url_decode(body + i, nend - i, &name, err, errlen);
      if (rc == SM_OK)
        rc = eq ? url_decode(body + nend + 1, end - nend - 1, &value, err,
                             errlen)
                : url_decode("", 0, &value, err, errlen);
      if (rc == SM_OK)
        rc = add_field(out, name, value, err, errlen);
      else {
        free(name);
        free(value);
      }
    }
    i = end + 1;
  }
  return rc;
}

/* ---- header values: media types and their parameters -------------- */

static int
is_tchar(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *
skip_ows(const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  return p;
}

/* Looks for parameter `want` in the ";"-separated parameters starting
 * at p (up to end) and copies its value (token or quoted-string,
 * unescaped) into out. 1 when found and it fits, 0 when absent, -1 when
 * the parameters are malformed or the value too long. */
static int
find_param(const char *p, const char *end, const char *want, char *out,
           size_t outlen)
{
  while (p < end) {
    const char *name;
    size_t nlen, olen = 0;
    int match;

    p = skip_ows(p, end);
    if (p == end)
      return 0;
    if (*p++ != ';')
      return -1;
    p = skip_ows(p, end);
    if (p == end)
      return 0; /* a trailing ";" */
    name = p;
    while (p < end && is_tchar(*p))
      p++;
    nlen = (size_t)(p - name);
    if (!nlen || p == end || *p != '=')
      return -1;
    p++;
    match = nlen == strlen(want) && !strncasecmp(name, want, nlen);
    if (p < end && *p == '"') {
      for (p++; p < end && *p != '"'; p++) {
        if (*p == '\\' && p + 1 < end)
          p++;
        if (match && olen + 1 < outlen)
          out[olen++] = *p;
        else if (match)
          return -1;
      }
      if (p == end)
        return -1;
      p++;
    } else {
      const char *v = p;
      while (p < end && is_tchar(*p))
        p++;
      if (p == v)
        return -1;
      if (match && (size_t)(p - v) >= outlen)
        return -1;
      if (match) {
        memcpy(out, v, (size_t)(p - v));
        olen = (size_t)(p - v);
      }
    }
    if (match) {
      out[olen] = '\0';
      return 1;
    }
  }
  return 0;
}

/* Whether the header value s starts with media type `type`
 * (case-insensitive); *params points after it. */
static int
media_type_is(const char *s, const char *type, const char **params)
{
  size_t n = strlen(type);
  const char *end = s + strlen(s);

  s = skip_ows(s, end);
  if (strncasecmp(s, type, n))
    return 0;
  s += n;
  if (*s && *s != ';' && *s != ' ' && *s != '\t')
    return 0;
  *params = s;
  return 1;
}

/* ---- multipart/form-data --------------------------------------------- */

/* The next delimiter "\r\n--boundary" from p, or NULL. */
static const char *
find_delim(const char *p, const char *end, const char *delim, size_t dlen)
{
  if ((size_t)(end - p) < dlen)
    return NULL;
  return memmem(p, (size_t)(end - p), delim, dlen);
}

/* Reads the part headers in [p, end) (without the blank line) and finds
 * the Content-Disposition's name and filename. *name is a new string,
 * or NULL when the part has none; *file is 1 for an upload. */
static enum sm_status
part_headers(const char *p, const char *end, char **name, int *file, char *err,
             size_t errlen)
{
  *name = NULL;
  *file = 0;
  while (p < end) {
    const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
    const char *le = eol ? eol : end;
    static const char cd[] = "content-disposition:";
    size_t cdlen = sizeof(cd) - 1;

    if ((size_t)(le - p) > cdlen && !strncasecmp(p, cd, cdlen)) {
      const char *v = skip_ows(p + cdlen, le), *params;
      char vbuf[1024], nbuf[256], fbuf[8];
      size_t vlen = (size_t)(le - v);
      int r;

      if (vlen >= sizeof(vbuf)) {
        snprintf(err, errlen, "Content-Disposition too long");
        return SM_ERR_DATA;
      }
      memcpy(vbuf, v, vlen);
      vbuf[vlen] = '\0';
      if (!media_type_is(vbuf, "form-data", &params)) {
        snprintf(err, errlen, "a part is not form-data");
        return SM_ERR_DATA;
      }
      r = find_param(params, vbuf + vlen, "name", nbuf, sizeof(nbuf));
      if (r < 0 || (r == 1 && !text_ok(nbuf, strlen(nbuf)))) {
        snprintf(err, errlen, "bad Content-Disposition parameters");
        return SM_ERR_DATA;
      }
      /* Only its presence matters: a filename, even empty or long,
       * marks an upload. */
      if (find_param(params, vbuf + vlen, "filename", fbuf, sizeof(fbuf)) != 0)
        *file = 1;
      if (r == 1) {
        free(*name);
        *name = strdup(nbuf);
        if (!*name)
          return SM_ERR_NOMEM;
      }
    }
    p = eol ? eol + 2 : end;
  }
  return SM_OK;
}

static enum sm_status
parse_multipart(const char *params, const char *body, size_t len,
                struct form *out, char *err, size_t errlen)
{
  const char *pend = params + strlen(params), *end = body + len, *p;
  char boundary[FORM_MAX_BOUNDARY + 1], delim[FORM_MAX_BOUNDARY + 5];
  size_t dlen;
  int r = find_param(params, pend, "boundary", boundary, sizeof(boundary));

  if (r != 1 || !*boundary) {
    snprintf(err, errlen, "multipart/form-data without a usable boundary");
    return SM_ERR_PROTOCOL;
  }
  /* The delimiter is CRLF "--" boundary; the first may open the body
   * without the CRLF, so search from a virtual CRLF before it. */
  dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
  if (len >= dlen - 2 && !memcmp(body, delim + 2, dlen - 2))
    p = body + dlen - 2;
  else {
    p = find_delim(body, end, delim, dlen);
    if (!p) {
      snprintf(err, errlen, "no multipart delimiter");
      return SM_ERR_DATA;
    }
    p += dlen;
  }
  for (;;) {
    const char *hend, *next;
    char *name = NULL, *value = NULL;
    int file = 0;
    enum sm_status rc;

    /* After a delimiter: "--" closes the body; else padding and CRLF. */
    if (end - p >= 2 && p[0] == '-' && p[1] == '-')
      return SM_OK;
    p = skip_ows(p, end);
    if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
      snprintf(err, errlen, "bad multipart delimiter line");
      return SM_ERR_DATA;
    }
    p += 2;
    /* A part with no headers starts with the blank line itself. */
    if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
      hend = p;
    else {
      const char *lim =
          end - p > FORM_MAX_HEADERS ? p + FORM_MAX_HEADERS : end;
      hend = memmem(p, (size_t)(lim - p), "\r\n\r\n", 4);
      if (!hend) {
        snprintf(err, errlen, "a multipart part's headers do not end");
        return SM_ERR_DATA;
      }
    }
    rc = part_headers(p, hend, &name, &file, err, errlen);
    if (rc != SM_OK)
      return rc;
    p = hend == p ? p + 2 : hend + 4;
    next = find_delim(p, end, delim, dlen);
    if (!next) {
      free(name);
      snprintf(err, errlen, "a multipart body is not closed");
      return SM_ERR_DATA;
    }
    if (name && !file) {
      if (!text_ok(p, (size_t)(next - p))) {
        free(name);
        snprintf(err, errlen, "a form field is not UTF-8 text");
        return SM_ERR_DATA;
      }
      value = strndup(p, (size_t)(next - p));
      rc = add_field(out, name, value, err, errlen);
      if (rc != SM_OK)
        return rc;
    } else
      free(name);
    p = next + dlen;
  }
}

enum sm_status
form_parse(const char *content_type, const char *body, size_t len,
           struct form *out, char *err, size_t errlen)
{
  const char *params;
  enum sm_status rc;

  out->fields = NULL;
  out->n = 0;
  if (!body)
    body = "";
  if (content_type &&
      media_type_is(content_type, "application/x-www-form-urlencoded",
                    &params))
    rc = parse_urlencoded(body, len, out, err, errlen);
  else if (content_type &&
           media_type_is(content_type, "multipart/form-data", &params))
    rc = parse_multipart(params, body, len, out, err, errlen);
  else {
    snprintf(err, errlen, "Content-Type %s is not a form",
             content_type ? content_type : "(none)");
    rc = SM_ERR_PROTOCOL;
  }
  if (rc != SM_OK)
    form_free(out);
  return rc;
}
