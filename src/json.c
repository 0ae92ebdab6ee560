/* json.c: the streaming JSON writer. */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "util.h"

void
json_init(struct json *j, FILE *fp)
{
  memset(j, 0, sizeof(*j));
  j->fp = fp;
}

/* Separator before a value or a key at the current level. */
static void
json_sep(struct json *j)
{
  if (j->after_key) {
    j->after_key = 0;
    return;
  }
  if (j->depth > 0 && j->count[j->depth - 1]++ > 0)
    fputc(',', j->fp);
}

static void
json_open(struct json *j, char c)
{
  json_sep(j);
  fputc(c, j->fp);
  if (j->depth < JSON_MAX_DEPTH)
    j->count[j->depth] = 0;
  j->depth++;
}

static void
json_close(struct json *j, char c)
{
  if (j->depth > 0)
    j->depth--;
  fputc(c, j->fp);
}

void
json_begin_object(struct json *j)
{
  json_open(j, '{');
}

void
json_end_object(struct json *j)
{
  json_close(j, '}');
}

void
json_begin_array(struct json *j)
{
  json_open(j, '[');
}

void
json_end_array(struct json *j)
{
  json_close(j, ']');
}

static void
json_quoted(struct json *j, const char *s)
{
  const unsigned char *p = (const unsigned char *)s;

  fputc('"', j->fp);
  while (*p) {
    unsigned c = *p;
    if (c == '"' || c == '\\') {
      fputc('\\', j->fp);
      fputc((int)c, j->fp);
      p++;
    } else if (c < 0x20) {
      switch (c) {
      case '\n':
        fputs("\\n", j->fp);
        break;
      case '\r':
        fputs("\\r", j->fp);
        break;
      case '\t':
        fputs("\\t", j->fp);
        break;
      default:
        fprintf(j->fp, "\\u%04x", c);
        break;
      }
      p++;
    } else if (c < 0x80) {
      fputc((int)c, j->fp);
      p++;
    } else {
      uint32_t cp;
      size_t len =
          util_utf8_decode((const char *)p, strnlen((const char *)p, 4), &cp);
      if (len)
        fwrite(p, 1, len, j->fp);
      else {
        fputs("\\ufffd", j->fp);
        len = 1;
      }
      p += len;
    }
  }
  fputc('"', j->fp);
}

void
json_key(struct json *j, const char *key)
{
  json_sep(j);
  json_quoted(j, key);
  fputc(':', j->fp);
  j->after_key = 1;
}

void
json_string(struct json *j, const char *s)
{
  json_sep(j);
  if (s)
    json_quoted(j, s);
  else
    fputs("null", j->fp);
}

void
json_int(struct json *j, int64_t v)
{
  json_sep(j);
  fprintf(j->fp, "%" PRId64, v);
}

void
json_double(struct json *j, double v)
{
  json_sep(j);
  /* JSON has no NaN or infinity; %.17g gives back the same double. */
  if (v != v || v > 1e308 || v < -1e308)
    fputs("null", j->fp);
  else
    fprintf(j->fp, "%.17g", v);
}

void
json_bool(struct json *j, int v)
{
  json_sep(j);
  fputs(v ? "true" : "false", j->fp);
}

void
json_null(struct json *j)
{
  json_sep(j);
  fputs("null", j->fp);
}

void
json_finish(struct json *j)
{
  fputc('\n', j->fp);
}
