/* fuzz-authres.c: arbitrary bytes as Authentication-Results fields.
 * The parser must not read outside the input and must keep its promises,
 * else abort():
 *   - on SM_OK every string slot is NUL-terminated within its size, the
 *     method and result are non-empty lower-case keywords, at most
 *     AUTHRES_MAX_RESULTS are kept and "none" comes with no result;
 *   - the same field parses the same way twice;
 *   - authres_dmarc believes at most the fields given, nothing without
 *     an authserv-id, and only fields that parse with that id. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_keyword(const char *s, size_t cap)
{
  size_t n = strnlen(s, cap);

  if (n == 0 || n == cap)
    abort();
  for (size_t i = 0; i < n; i++)
    if (s[i] >= 'A' && s[i] <= 'Z')
      abort();
}

static void
check(const char *field, size_t len)
{
  static struct authres a, b;
  enum sm_status rc = authres_parse(field, len, &a);

  if (rc != authres_parse(field, len, &b))
    abort();
  if (rc != SM_OK)
    return;
  if (memcmp(&a, &b, sizeof(a)))
    abort();
  if (strnlen(a.authserv_id, sizeof(a.authserv_id)) == 0 ||
      strnlen(a.authserv_id, sizeof(a.authserv_id)) == sizeof(a.authserv_id))
    abort();
  if (a.n > AUTHRES_MAX_RESULTS || (a.no_result && (a.n || a.dropped)))
    abort();
  for (size_t i = 0; i < a.n; i++) {
    check_keyword(a.r[i].method, sizeof(a.r[i].method));
    check_keyword(a.r[i].result, sizeof(a.r[i].result));
    if (strnlen(a.r[i].header_from, sizeof(a.r[i].header_from)) ==
        sizeof(a.r[i].header_from))
      abort();
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* Lines of the input are the fields of one header, top first; the
   * first line is the authserv-id to believe. */
  char *text = malloc(size + 1), *fields[16], *id, *p;
  size_t n = 0, believed = 0;
  struct authres a;

  if (!text)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  check(text, strlen(text)); /* the whole, up to a NUL, as one field */
  id = text;
  p = strchr(text, '\n');
  if (p)
    *p++ = '\0';
  while (p && n < 16) {
    fields[n++] = p;
    p = strchr(p, '\n');
    if (p)
      *p++ = '\0';
  }
  for (size_t i = 0; i < n; i++)
    check(fields[i], strlen(fields[i]));
  (void)authres_dmarc((const char *const *)fields, n, id, "example.org",
                      &believed);
  if (believed > n || (!*id && believed))
    abort();
  for (size_t i = 0; i < believed; i++)
    if (authres_parse(fields[i], strlen(fields[i]), &a) != SM_OK ||
        strcasecmp(a.authserv_id, id))
      abort();
  free(text);
  return 0;
}
