/* buf.h: a growable, NUL-terminated byte buffer with a hard maximum.
 * Every buffer that grows from outside input has a bound: appending past
 * `max` fails with SM_ERR_LIMIT and leaves the buffer as it was. */
#ifndef SM_BUF_H
#define SM_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "status.h"

struct buf {
  char *data; /* NUL-terminated once anything was appended; owned */
  size_t len;
  size_t cap;
  size_t max; /* largest len allowed */
};

#define BUF_INIT(maxlen)                                                      \
  {                                                                           \
    NULL, 0, 0, (maxlen)                                                      \
  }

/* An append that fails (SM_ERR_NOMEM, or SM_ERR_LIMIT past max) leaves
 * the buffer as it was: a caller that ignores it sends a message with a
 * part silently missing, so the compiler insists the result is looked
 * at. */
#define BUF_MUST_CHECK __attribute__((warn_unused_result))

void buf_init(struct buf *b, size_t max);
BUF_MUST_CHECK enum sm_status buf_append(struct buf *b, const void *p,
                                         size_t n);
BUF_MUST_CHECK enum sm_status buf_puts(struct buf *b, const char *s);
BUF_MUST_CHECK enum sm_status buf_putc(struct buf *b, char c);
BUF_MUST_CHECK enum sm_status buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
BUF_MUST_CHECK enum sm_status buf_vprintf(struct buf *b, const char *fmt,
                                          va_list ap);
/* The contents as a string: "" when empty, never NULL. Owned by b. */
const char *buf_str(const struct buf *b);
void buf_reset(struct buf *b); /* len = 0, keeps the memory */
void buf_free(struct buf *b);
/* Hands the contents over: the caller frees. Never NULL on success. */
char *buf_detach(struct buf *b);

#endif
