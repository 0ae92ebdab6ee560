/* test-json.c: the JSON writer's escaping and structure. */
#include "config.h"

#include <stdlib.h>

#include "json.h"
#include "tap.h"

int
main(void)
{
  char *out = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&out, &len);
  struct json j;

  json_init(&j, fp);
  json_begin_array(&j);
  json_begin_object(&j);
  json_key(&j, "s");
  json_string(&j, "a\"b\\c\n\t\x01 é");
  json_key(&j, "n");
  json_int(&j, -42);
  json_key(&j, "t");
  json_bool(&j, 1);
  json_key(&j, "z");
  json_string(&j, NULL);
  json_key(&j, "list");
  json_begin_array(&j);
  json_string(&j, "x");
  json_string(&j, "bad \xff byte");
  json_end_array(&j);
  json_end_object(&j);
  json_begin_object(&j);
  json_end_object(&j);
  json_end_array(&j);
  json_finish(&j);
  fclose(fp);
  is_str(out,
         "[{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001 é\",\"n\":-42,\"t\":true,"
         "\"z\":null,\"list\":[\"x\",\"bad \\ufffd byte\"]},{}]\n",
         "escaped, nested, invalid UTF-8 replaced");
  free(out);
  return done_testing();
}
