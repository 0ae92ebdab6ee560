/* json.h: a streaming JSON writer for --json output. Strings are escaped
 * per RFC 8259; invalid UTF-8 is replaced by U+FFFD, never copied. */
#ifndef SM_JSON_H
#define SM_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
  FILE *fp;
  int depth;
  int count[JSON_MAX_DEPTH]; /* members written at each level */
  int after_key;
};

void json_init(struct json *j, FILE *fp);
void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s); /* NULL writes null */
void json_int(struct json *j, int64_t v);
void json_double(struct json *j, double v); /* NaN, infinity: null */
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* Writes a final newline after the top-level value. */
void json_finish(struct json *j);

#endif
