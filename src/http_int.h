/* http_int.h: what the files of the http module (http.c for HTTP,
 * http_imap.c for IMAP) share; nothing outside the module includes it. */
#ifndef SM_HTTP_INT_H
#define SM_HTTP_INT_H

#include <stddef.h>

#include "buf.h"

/* Where a transfer's bytes go: body, bounded by body->max. */
struct http_sink {
  struct buf *body;
  int too_large; /* the transfer was cut at body->max */
  int nomem;
};

/* A CURLOPT_WRITEFUNCTION over a struct http_sink (CURLOPT_WRITEDATA):
 * it stops the transfer at once when the body would pass its maximum. */
size_t http_sink_write(char *p, size_t size, size_t n, void *ud);

#endif
