/* csv.c: RFC 4180 CSV; see csv.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "util.h"

void
csv_init(struct csv_reader *r, const char *name, const char *data, size_t len)
{
  memset(r, 0, sizeof(*r));
  r->name = name ? name : "-";
  r->data = data;
  r->len = data ? len : 0;
  r->line = 1;
  r->max_record = CSV_MAX_RECORD;
  r->max_fields = CSV_MAX_FIELDS;
  buf_init(&r->text, 0);
  /* Spreadsheets mark UTF-8 with a byte order mark; it belongs to no
   * field (else the first column's name would not be "address"). */
  if (r->len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
    r->pos = 3;
}

void
csv_free(struct csv_reader *r)
{
  buf_free(&r->text);
  free(r->offsets);
  free(r->fields);
  r->offsets = NULL;
  r->fields = NULL;
  r->cap = 0;
}

static enum sm_status fail(const struct csv_reader *r, enum sm_status rc,
                           size_t line, char *err, size_t errlen,
                           const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Writes "NAME:LINE: why" into err; returns rc. */
static enum sm_status
fail(const struct csv_reader *r, enum sm_status rc, size_t line, char *err,
     size_t errlen, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (!err || !errlen)
    return rc;
  n = snprintf(err, errlen, "%s:%zu: ", r->name, line);
  if (n >= 0 && (size_t)n < errlen) {
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return rc;
}

/* Starts field number *n of the record: remembers where its text begins. */
static enum sm_status
begin_field(struct csv_reader *r, size_t *n)
{
  if (*n == r->cap) {
    size_t ncap = r->cap ? r->cap * 2 : 8;
    size_t *o;
    char **f;
    if (ncap > r->max_fields)
      ncap = r->max_fields;
    o = realloc(r->offsets, ncap * sizeof(*o));
    if (!o)
      return SM_ERR_NOMEM;
    r->offsets = o;
    f = realloc(r->fields, ncap * sizeof(*f));
    if (!f)
      return SM_ERR_NOMEM;
    r->fields = f;
    r->cap = ncap;
  }
  r->offsets[(*n)++] = r->text.len;
  return SM_OK;
}

/* Whether data[pos] ends a line: LF, or CR LF. */
static int
at_line_end(const struct csv_reader *r, size_t pos)
{
  return pos < r->len &&
         (r->data[pos] == '\n' || (r->data[pos] == '\r' && pos + 1 < r->len &&
                                   r->data[pos + 1] == '\n'));
}

/* Counts the byte c of a record in n[0] (characters: UTF-8 sequences,
 * not bytes: the limit is on what a person sees) and n[1] (bytes); 1 once
 * that passes the limit, or the bytes pass 4 a character (stray
 * continuation bytes, which count as no character, must not make a
 * record longer than csv_file's window). */
static int
too_long(const struct csv_reader *r, char c, size_t n[2])
{
  if (++n[1] > 4 * r->max_record)
    return 1;
  if (((unsigned char)c & 0xC0) == 0x80)
    return 0;
  return ++n[0] > r->max_record;
}

enum sm_status
csv_next(struct csv_reader *r, struct csv_record *rec, char *err,
         size_t errlen)
{
  const char *d = r->data;
  size_t pos = r->pos, line = r->line, chars[2] = {0, 0}, n = 0;
  enum sm_status rc;

  rec->nfields = 0;
  rec->fields = NULL;
  /* Empty lines between records (a blank line at the end, above all)
   * are no records. */
  while (at_line_end(r, pos)) {
    pos += d[pos] == '\r' ? 2 : 1;
    line++;
  }
  rec->line = line;
  if (pos == r->len) {
    r->pos = pos;
    r->line = line;
    return SM_OK;
  }
  if (r->max_fields == 0)
    return fail(r, SM_ERR_LIMIT, line, err, errlen, "no field is allowed");
  buf_reset(&r->text);
  /* A character is at most 4 bytes of text; each field adds a NUL. */
  r->text.max = r->max_record > ((size_t)-1 - r->max_fields) / 4
                    ? (size_t)-1
                    : r->max_record * 4 + r->max_fields;
  for (;;) {
    if (n == r->max_fields)
      return fail(r, SM_ERR_LIMIT, line, err, errlen,
                  "more than %zu fields in a record", r->max_fields);
    rc = begin_field(r, &n);
    if (rc != SM_OK)
      return rc;
    if (pos < r->len && d[pos] == '"') {
      size_t opened = line;
      if (too_long(r, d[pos++], chars))
        goto long_record;
      for (;;) {
        if (pos == r->len)
          return fail(r, SM_ERR_DATA, opened, err, errlen,
                      "the quoted field opened on this line is not closed");
        if (d[pos] == '\0')
          return fail(r, SM_ERR_DATA, line, err, errlen, "a NUL byte");
        if (too_long(r, d[pos], chars))
          goto long_record;
        if (d[pos] == '"') {
          if (pos + 1 == r->len || d[pos + 1] != '"') {
            pos++;
            break;
          }
          pos++;
          if (too_long(r, d[pos], chars))
            goto long_record;
        } else if (d[pos] == '\n')
          line++;
        rc = buf_putc(&r->text, d[pos++]);
        if (rc != SM_OK)
          return rc;
      }
      if (pos < r->len && d[pos] != ',' && !at_line_end(r, pos))
        return fail(r, SM_ERR_DATA, line, err, errlen,
                    "text after the closing quote of a field (a quote "
                    "inside a quoted field is written twice: \"\")");
    } else {
      size_t from = pos;
      while (pos < r->len && d[pos] != ',' && !at_line_end(r, pos)) {
        if (d[pos] == '\r')
          return fail(r, SM_ERR_DATA, line, err, errlen,
                      "a CR not followed by LF outside quotes");
        if (d[pos] == '"')
          return fail(r, SM_ERR_DATA, line, err, errlen,
                      "a quote inside a field that does not start with "
                      "one (quote the whole field and write the quote "
                      "twice)");
        if (d[pos] == '\0')
          return fail(r, SM_ERR_DATA, line, err, errlen, "a NUL byte");
        if (too_long(r, d[pos++], chars))
          goto long_record;
      }
      rc = buf_append(&r->text, d + from, pos - from);
      if (rc != SM_OK)
        return rc;
    }
    rc = buf_putc(&r->text, '\0');
    if (rc != SM_OK)
      return rc;
    if (pos < r->len && d[pos] == ',') {
      if (too_long(r, d[pos++], chars))
        goto long_record;
      continue;
    }
    if (pos < r->len) {
      pos += d[pos] == '\r' ? 2 : 1;
      line++;
    }
    break;
  }
  for (size_t i = 0; i < n; i++) {
    const char *f = r->text.data + r->offsets[i];
    if (!util_utf8_valid(f, strlen(f)))
      return fail(r, SM_ERR_DATA, rec->line, err, errlen,
                  "field %zu is not valid UTF-8", i + 1);
    r->fields[i] = r->text.data + r->offsets[i];
  }
  rec->nfields = n;
  rec->fields = r->fields;
  r->pos = pos;
  r->line = line;
  return SM_OK;
long_record:
  return fail(r, SM_ERR_LIMIT, line, err, errlen,
              "record longer than %zu characters", r->max_record);
}

void
csv_file_init(struct csv_file *f, const char *name, FILE *fp)
{
  memset(f, 0, sizeof(*f));
  csv_init(&f->r, name, NULL, 0);
  f->fp = fp;
}

void
csv_file_free(struct csv_file *f)
{
  csv_free(&f->r);
  free(f->buf);
  f->buf = NULL;
}

/* Keeps at least `need` bytes past the reader's position in the window,
 * or the rest of the file: what was read moves to the front and the
 * window is topped up. */
static enum sm_status
fill(struct csv_file *f, size_t need)
{
  struct csv_reader *r = &f->r;
  size_t keep = r->len - r->pos;

  if (f->eof || keep >= need)
    return SM_OK;
  if (f->cap < 2 * need) {
    char *b = malloc(2 * need);

    if (!b)
      return SM_ERR_NOMEM;
    if (keep)
      memcpy(b, r->data + r->pos, keep);
    free(f->buf);
    f->buf = b;
    f->cap = 2 * need;
  } else if (keep && r->pos) {
    memmove(f->buf, r->data + r->pos, keep);
  }
  r->data = f->buf;
  r->len = keep;
  r->pos = 0;
  while (r->len < f->cap && !f->eof) {
    size_t got = fread(f->buf + r->len, 1, f->cap - r->len, f->fp);

    r->len += got;
    if (got == 0) {
      if (ferror(f->fp)) {
        f->err = errno;
        return SM_ERR_IO;
      }
      f->eof = 1;
    }
  }
  /* The byte order mark is looked for at the very start only. */
  if (!f->started) {
    f->started = 1;
    if (r->len >= 3 && !memcmp(r->data, "\xEF\xBB\xBF", 3))
      r->pos = 3;
  }
  return SM_OK;
}

enum sm_status
csv_file_next(struct csv_file *f, struct csv_record *rec, char *err,
              size_t errlen)
{
  struct csv_reader *r = &f->r;
  /* A record's bytes at most, its NULs, and the LF after a CR. */
  size_t need = r->max_record * 4 + r->max_fields + 2;
  enum sm_status rc;

  if (need < (f->window ? f->window : 64 * 1024))
    need = f->window ? f->window : 64 * 1024;
  /* Empty lines are skipped here, a window at a time, so that the record
   * after them starts with `need` bytes of window (or the rest of the
   * file) behind it: csv_next must never see a record cut by the window's
   * end, which it would take for the end of the input. */
  for (;;) {
    rc = fill(f, need);
    if (rc == SM_ERR_IO)
      return fail(r, rc, r->line, err, errlen, "cannot read: %s",
                  strerror(f->err));
    if (rc != SM_OK)
      return rc;
    if (!at_line_end(r, r->pos))
      break;
    r->pos += r->data[r->pos] == '\r' ? 2 : 1;
    r->line++;
  }
  return csv_next(r, rec, err, errlen);
}

/* Undoes a partial append: out as it was at `mark`. */
static void
truncate_to(struct buf *out, size_t mark)
{
  out->len = mark;
  if (out->data)
    out->data[mark] = '\0';
}

enum sm_status
csv_put_field(struct buf *out, const char *s)
{
  size_t n = strlen(s), mark = out->len;
  enum sm_status rc = SM_OK;
  int quote;

  /* A leading U+FEFF is quoted too: first in a file, the reader would
   * take it for a byte order mark. */
  quote = strpbrk(s, ",\"\r\n") != NULL ||
          (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
                 s[n - 1] == '\t')) ||
          !strncmp(s, "\xEF\xBB\xBF", 3);
  if (!quote)
    return buf_append(out, s, n);
  rc = buf_putc(out, '"');
  for (const char *p = s; rc == SM_OK && *p; p++) {
    const char *q = strchr(p, '"');
    size_t run = q ? (size_t)(q - p) : strlen(p);
    rc = buf_append(out, p, run);
    p += run;
    if (rc == SM_OK && *p == '"')
      rc = buf_append(out, "\"\"", 2);
    if (!*p)
      break;
  }
  if (rc == SM_OK)
    rc = buf_putc(out, '"');
  if (rc != SM_OK)
    truncate_to(out, mark);
  return rc;
}

enum sm_status
csv_put_record(struct buf *out, const char *const *fields, size_t n)
{
  size_t mark = out->len;
  enum sm_status rc = SM_OK;

  if (n == 1 && !*fields[0])
    rc = buf_append(out, "\"\"", 2);
  else
    for (size_t i = 0; i < n && rc == SM_OK; i++) {
      if (i)
        rc = buf_putc(out, ',');
      if (rc == SM_OK)
        rc = csv_put_field(out, fields[i]);
    }
  if (rc == SM_OK)
    rc = buf_putc(out, '\n');
  if (rc != SM_OK)
    truncate_to(out, mark);
  return rc;
}
