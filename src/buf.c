/* buf.c: bounded growable buffers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t max)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max;
}

static enum sm_status
buf_reserve(struct buf *b, size_t extra)
{
  size_t need, ncap;
  char *p;

  if (extra > b->max || b->len > b->max - extra)
    return SM_ERR_LIMIT;
  need = b->len + extra + 1;
  if (need <= b->cap)
    return SM_OK;
  ncap = b->cap ? b->cap : 64;
  while (ncap < need)
    ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
  p = realloc(b->data, ncap);
  if (!p)
    return SM_ERR_NOMEM;
  b->data = p;
  b->cap = ncap;
  return SM_OK;
}

enum sm_status
buf_append(struct buf *b, const void *p, size_t n)
{
  enum sm_status st = buf_reserve(b, n);

  if (st != SM_OK)
    return st;
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return SM_OK;
}

enum sm_status
buf_puts(struct buf *b, const char *s)
{
  return buf_append(b, s, strlen(s));
}

enum sm_status
buf_putc(struct buf *b, char c)
{
  return buf_append(b, &c, 1);
}

enum sm_status
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
  va_list ap2;
  int n;
  enum sm_status st;

  va_copy(ap2, ap);
  n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return SM_ERR_INTERNAL;
  st = buf_reserve(b, (size_t)n);
  if (st != SM_OK)
    return st;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return SM_OK;
}

enum sm_status
buf_printf(struct buf *b, const char *fmt, ...)
{
  va_list ap;
  enum sm_status st;

  va_start(ap, fmt);
  st = buf_vprintf(b, fmt, ap);
  va_end(ap);
  return st;
}

const char *
buf_str(const struct buf *b)
{
  return b->data ? b->data : "";
}

void
buf_reset(struct buf *b)
{
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

char *
buf_detach(struct buf *b)
{
  char *p = b->data;

  if (!p)
    p = calloc(1, 1);
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}
