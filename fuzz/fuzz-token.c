/* fuzz-token.c: token_verify on arbitrary bytes, for every purpose, under
 * a fixed secret: it must never crash and never accept (a forgery would
 * need the 80-bit MAC), and every refusal must be malformed or bad MAC.
 * The same bytes, read as ids and an expiry, must make a token that
 * verifies back to exactly those values and no other purpose. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_secret[] = "fuzz-secret-0123456789abcdef";

static uint64_t
get64(const uint8_t *p)
{
  uint64_t v = 0;

  for (int i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return v;
}

static void
round_trip(const struct token_secret *sec, const uint8_t *data)
{
  int64_t sub = (int64_t)(get64(data) >> (1 + data[19] % 63));
  int64_t obj = (int64_t)(get64(data + 8) >> (1 + data[20] % 63));
  int64_t hours = ((int64_t)data[16] << 16) | (data[17] << 8) | data[18];
  int64_t exp = TOKEN_EPOCH + hours * 3600, s2, o2, e2;
  enum token_purpose p = (enum token_purpose)(data[21] % TOKEN_PURPOSE_LAST);
  enum token_reason why;
  char *t = NULL;
  size_t n;

  if (token_make(sec, p, sub, obj, exp, &t) != SM_OK)
    abort();
  n = strlen(t);
  if (n > TOKEN_MAX_LEN ||
      (sub <= (1LL << 40) && obj <= (1LL << 40) && n > 40))
    abort();
  if (token_verify(sec, p, t, n, exp, &s2, &o2, &e2, &why) != SM_OK ||
      why != TOKEN_VALID || s2 != sub || o2 != obj || e2 != exp)
    abort();
  if (token_verify(sec, p, t, n, exp + 1, &s2, &o2, &e2, &why) !=
          SM_ERR_DATA ||
      why != TOKEN_EXPIRED)
    abort();
  for (int q = 0; q < TOKEN_PURPOSE_LAST; q++)
    if (q != (int)p &&
        token_verify(sec, q, t, n, exp, NULL, NULL, NULL, &why) != SM_ERR_DATA)
      abort();
  free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct token_secret sec;
  char hash[TOKEN_HASH_LEN + 1];

  if (token_secret_set(&sec, fuzz_secret, sizeof(fuzz_secret) - 1) != SM_OK)
    abort();
  for (int p = 0; p < TOKEN_PURPOSE_LAST; p++) {
    enum token_reason why = TOKEN_VALID;
    int64_t s = -1, o = -1, e = -1;
    enum sm_status st = token_verify(&sec, p, (const char *)data, size,
                                     TOKEN_EPOCH, &s, &o, &e, &why);

    if (st != SM_ERR_DATA ||
        (why != TOKEN_MALFORMED && why != TOKEN_BAD_MAC) || s || o || e)
      abort();
  }
  if (token_hash((const char *)data, size, hash) != SM_OK ||
      strlen(hash) != TOKEN_HASH_LEN ||
      strspn(hash, "0123456789abcdef") != TOKEN_HASH_LEN)
    abort();
  if (size >= 22)
    round_trip(&sec, data);
  token_secret_free(&sec);
  return 0;
}
