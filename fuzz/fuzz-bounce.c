/* fuzz-bounce.c: the bounce parser on arbitrary input. The input is cut
 * at NUL bytes into the DSN part, the text, the subject,
 * X-Failed-Recipients and the returned header block (missing parts are
 * NULL), as inbound hands them over; the returned Message-ID is looked
 * for too. Every result must be a clean
 * address (one '@', no control characters or spaces, valid UTF-8, domain
 * in lower case, unique), of a valid kind, with a status of digits and
 * dots and a one-line diagnostic within its bound. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_clean(const char *s, size_t max)
{
  size_t len;

  if (!s)
    abort();
  len = strlen(s);
  if (len > max || !util_utf8_valid(s, len))
    abort();
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
      abort();
}

static void
check(const struct bounce_result *r, size_t n)
{
  if (n > BOUNCE_MAX_RESULTS || (n == 0) != (r == NULL))
    abort();
  for (size_t i = 0; i < n; i++) {
    const char *a = r[i].address, *at, *st = r[i].status;

    check_clean(a, BOUNCE_ADDR_MAX);
    at = strchr(a, '@');
    if (!at || at == a || strchr(at + 1, '@') || strchr(a, ' ') ||
        !strchr(at + 1, '.'))
      abort();
    for (const char *p = at; *p; p++)
      if (*p >= 'A' && *p <= 'Z')
        abort();
    for (size_t j = 0; j < i; j++)
      if (strcasecmp(r[j].address, a) == 0)
        abort();
    if (r[i].kind != BOUNCE_PERMANENT && r[i].kind != BOUNCE_TEMPORARY &&
        r[i].kind != BOUNCE_DELAYED)
      abort();
    if (strnlen(st, sizeof(r[i].status)) >= sizeof(r[i].status))
      abort();
    if (st[0] && st[0] != '2' && st[0] != '4' && st[0] != '5')
      abort();
    for (const char *p = st; *p; p++)
      if (!(*p >= '0' && *p <= '9') && *p != '.')
        abort();
    check_clean(r[i].diagnostic, BOUNCE_DIAG_MAX);
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *buf = malloc(size + 1), *parts[5] = {NULL, NULL, NULL, NULL, NULL};
  struct bounce_input in;
  char id[256];
  struct bounce_result *r;
  size_t n, k = 0, start = 0;

  if (!buf)
    return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  for (size_t i = 0; i <= size && k < 5; i++)
    if (i == size || buf[i] == '\0') {
      parts[k++] = buf + start;
      start = i + 1;
    }
  /* An empty first part means "no DSN", as for most messages. */
  if (parts[0] && !parts[0][0])
    parts[0] = NULL;
  in.dsn = parts[0];
  in.text = parts[1];
  in.subject = parts[2];
  in.failed_recipients = parts[3];
  in.returned = parts[4];
  if (bounce_parse(&in, &r, &n) != SM_OK)
    abort();
  check(r, n);
  bounce_results_free(r, n);
  if (bounce_returned_id(&in, id, sizeof(id)) &&
      (strlen(id) >= sizeof(id) || !util_utf8_valid(id, strlen(id)) ||
       strchr(id, '<') || strchr(id, '>') || strchr(id, ' ')))
    abort();
  /* The whole input as text alone: the heuristics on everything. */
  memset(&in, 0, sizeof(in));
  in.text = buf;
  if (bounce_parse(&in, &r, &n) != SM_OK)
    abort();
  check(r, n);
  bounce_results_free(r, n);
  free(buf);
  return 0;
}
