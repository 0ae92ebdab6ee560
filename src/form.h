/* form.h: HTML form bodies as browsers and mail programs POST them,
 * application/x-www-form-urlencoded and multipart/form-data (RFC 7578).
 * Outside input: the parser is pure (no I/O, no globals), bounded, and
 * fuzzed (fuzz/fuzz-form.c). Used by the web module (src/web.c).
 *
 * Only what the pages need: named text fields. A multipart part with a
 * filename is a file upload and is skipped; names and values must be
 * UTF-8 without NUL, so that they are safe C strings for the store and
 * the templates. A name given twice keeps both; form_get finds the
 * first. */
#ifndef SM_FORM_H
#define SM_FORM_H

#include <stddef.h>

#include "status.h"

#define FORM_MAX_FIELDS 64    /* fields in one body */
#define FORM_MAX_BOUNDARY 70  /* RFC 2046: 1 to 70 characters */
#define FORM_MAX_HEADERS 8192 /* bytes of one part's header block */

struct form_field {
  char *name;  /* owned, NUL-terminated */
  char *value; /* owned, NUL-terminated */
};

struct form {
  struct form_field *fields; /* owned array of n fields */
  size_t n;
};

/* Parses `len` bytes of `body` sent with the Content-Type header
 * `content_type` (may be NULL: then nothing is accepted). On SM_OK *out
 * holds the fields, freed with form_free. Errors, with err saying why:
 * SM_ERR_PROTOCOL for a media type other than the two above (or a
 * multipart without a usable boundary), SM_ERR_DATA for a malformed body
 * (bad percent escape, missing delimiter, invalid UTF-8, NUL),
 * SM_ERR_LIMIT for more than FORM_MAX_FIELDS fields, SM_ERR_NOMEM. On
 * error *out is empty. */
enum sm_status form_parse(const char *content_type, const char *body,
                          size_t len, struct form *out, char *err,
                          size_t errlen);

/* The value of the first field called `name` (compared exactly), or
 * NULL. Owned by f. */
const char *form_get(const struct form *f, const char *name);

void form_free(struct form *f);

#endif
