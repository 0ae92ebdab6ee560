/* jread.h: a small JSON reader (RFC 8259): the outbox payloads that
 * `send` and `preview` assemble messages from, and the mustache spec the
 * tests run. (json.h writes JSON.) Strings are decoded to UTF-8 (\u
 * escapes, surrogate pairs); numbers are kept as their text. */
#ifndef SM_JREAD_H
#define SM_JREAD_H

#include <stddef.h>

#include "status.h"

#define JREAD_MAX_DEPTH 64

enum jread_type {
  JREAD_NULL,
  JREAD_BOOL,
  JREAD_NUMBER,
  JREAD_STRING,
  JREAD_ARRAY,
  JREAD_OBJECT
};

struct jread_value {
  enum jread_type type;
  int b;   /* JREAD_BOOL */
  char *s; /* JREAD_STRING (may hold NUL) or JREAD_NUMBER text; owned */
  size_t len;
  struct jread_value *items; /* array elements or member values; owned */
  char **keys;               /* JREAD_OBJECT: member names; owned */
  size_t *keylens;
  size_t n;
};

/* Parses len bytes of text (UTF-8) as one JSON document. On SM_OK *out
 * is a tree the caller frees with jread_free. SM_ERR_DATA with a message
 * naming label and the line otherwise. */
enum sm_status jread_parse(const char *text, size_t len, const char *label,
                           struct jread_value **out, char *err, size_t errlen);
void jread_free(struct jread_value *v); /* NULL is fine */

/* The member named key of an object (the last one if repeated), or NULL;
 * owned by obj. */
const struct jread_value *jread_get(const struct jread_value *obj,
                                    const char *key);

#endif
