/* test-token.c: signed tokens: round trips, purposes, tampering, case,
 * expiry, length, garbage, the secret file. The known answers were
 * computed with an independent Python implementation of the layout in
 * token.h (hmac, hashlib and a bit string). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"
#include "token.h"

#define SECRET "0123456789abcdef-test-secret"
#define HOUR 3600
#define E0 TOKEN_EPOCH

static struct token_secret sec;

/* Verifies s (of length n) for purpose p; returns the reason. */
static enum token_reason
check(enum token_purpose p, const char *s, size_t n, int64_t now, int64_t *sub,
      int64_t *obj, int64_t *exp)
{
  enum token_reason why = TOKEN_VALID;
  enum sm_status st = token_verify(&sec, p, s, n, now, sub, obj, exp, &why);

  if ((st == SM_OK) != (why == TOKEN_VALID))
    return (enum token_reason) - 1; /* status and reason disagree */
  return why;
}

static enum token_reason
check_str(enum token_purpose p, const char *s, int64_t now)
{
  return check(p, s, strlen(s), now, NULL, NULL, NULL);
}

static void
test_known_answers(void)
{
  char *t = NULL;

  token_make(&sec, TOKEN_COMMENT, 12345, 678, E0 + 50000L * HOUR, &t);
  is_str(t, "j3aojkuyamguc6yrxbwg47wknqgmi", "known answer: comment token");
  free(t);
  token_make(&sec, TOKEN_CONFIRM, 0, 0, E0 + HOUR, &t);
  is_str(t, "iaaaaaahmgl6uhdrxsmckd7u", "known answer: ids 0, 0");
  free(t);
  token_make(&sec, TOKEN_UNSUBSCRIBE, 1LL << 40, 1LL << 40,
             E0 + ((1LL << 24) - 1) * HOUR, &t);
  is_str(t, "ngaaaaaaabjqaaaaaaap7777tfyl2konecfuuuha",
         "known answer: ids 2^40, last expiry");
  free(t);
}

static void
test_round_trips(void)
{
  int64_t exp = E0 + 60000L * HOUR, now = exp - 7 * 24 * HOUR;

  for (int p = 0; p < TOKEN_PURPOSE_LAST; p++) {
    int64_t sub = -1, obj = -1, e = -1;
    char name[100];
    char *t = NULL;

    snprintf(name, sizeof(name), "make a %s token", token_purpose_name(p));
    is_int(token_make(&sec, p, 4242 + p, 99 * p, exp, &t), SM_OK, name);
    snprintf(name, sizeof(name), "%s token verifies", token_purpose_name(p));
    is_int(check(p, t, strlen(t), now, &sub, &obj, &e), TOKEN_VALID, name);
    snprintf(name, sizeof(name), "%s token gives back its values",
             token_purpose_name(p));
    ok(sub == 4242 + p && obj == 99 * p && e == exp, name);
    snprintf(name, sizeof(name), "%s token is lower-case base32",
             token_purpose_name(p));
    ok(strspn(t, "abcdefghijklmnopqrstuvwxyz234567") == strlen(t), name);
    for (int q = 0; q < TOKEN_PURPOSE_LAST; q++) {
      if (q == p)
        continue;
      snprintf(name, sizeof(name), "a %s token is refused as %s",
               token_purpose_name(p), token_purpose_name(q));
      is_int(check(q, t, strlen(t), now, &sub, &obj, &e), TOKEN_BAD_MAC, name);
      ok(sub == 0 && obj == 0 && e == 0, "refusal clears the outputs");
    }
    free(t);
  }
}

static void
test_tampering(void)
{
  int64_t exp = E0 + 60000L * HOUR, now = exp - HOUR;
  static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
  int accepted = 0, odd = 0, tried = 0, malformed = 0;
  char *t = NULL, *u;
  size_t n;

  token_make(&sec, TOKEN_COMMENT, 987654321, 123456, exp, &t);
  n = strlen(t);
  u = malloc(n + 1);
  /* Every other character at every position, lower and upper case: the
   * filler bits of the last character included. */
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < 64; k++) {
      enum token_reason r;
      char c = alpha[k % 32];

      if (k >= 32 && c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
      if ((c | 0x20) == t[i])
        continue;
      memcpy(u, t, n + 1);
      u[i] = c;
      tried++;
      r = check(TOKEN_COMMENT, u, n, now, NULL, NULL, NULL);
      if (r == TOKEN_VALID || r == TOKEN_EXPIRED)
        accepted++;
      else if (r == TOKEN_MALFORMED)
        malformed++;
      else if (r != TOKEN_BAD_MAC)
        odd++;
    }
  diag("%d single-character changes: %d malformed, the rest bad MAC", tried,
       malformed);
  ok(tried > 1000, "tried every single-character change");
  is_int(accepted, 0, "no single-character change is accepted");
  is_int(odd, 0, "each refusal is malformed or bad MAC");
  ok(malformed > 0 && malformed < tried,
     "changes to the layout are malformed, to the contents bad MAC");

  /* Dropping or adding a character. */
  is_int(check(TOKEN_COMMENT, t, n - 1, now, NULL, NULL, NULL),
         TOKEN_MALFORMED, "a token missing its last character is malformed");
  memcpy(u, t, n + 1);
  {
    char *v = malloc(n + 2);
    memcpy(v, t, n);
    v[n] = 'a';
    v[n + 1] = '\0';
    is_int(check_str(TOKEN_COMMENT, v, now), TOKEN_MALFORMED,
           "a token with an extra character is malformed");
    free(v);
  }
  /* Embedded NUL: same length, a NUL in the middle. */
  u[n / 2] = '\0';
  is_int(check(TOKEN_COMMENT, u, n, now, NULL, NULL, NULL), TOKEN_MALFORMED,
         "a token with an embedded NUL is malformed");
  free(u);
  free(t);
}

static void
test_case(void)
{
  int64_t exp = E0 + 60000L * HOUR, now = exp - HOUR, sub = 0, obj = 0;
  char h1[TOKEN_HASH_LEN + 1], h2[TOKEN_HASH_LEN + 1];
  char *t = NULL, *u;
  size_t n;

  token_make(&sec, TOKEN_CONFIRM, 31337, 7, exp, &t);
  n = strlen(t);
  u = strdup(t);
  for (size_t i = 0; i < n; i++)
    if (u[i] >= 'a' && u[i] <= 'z')
      u[i] = (char)(u[i] - 'a' + 'A');
  is_int(check(TOKEN_CONFIRM, u, n, now, &sub, &obj, NULL), TOKEN_VALID,
         "an upper-cased token verifies");
  ok(sub == 31337 && obj == 7, "and gives the same values");
  for (size_t i = 0; i < n; i += 2)
    u[i] = t[i];
  is_int(check_str(TOKEN_CONFIRM, u, now), TOKEN_VALID,
         "a mixed-case token verifies");
  is_int(token_hash(t, n, h1), SM_OK, "hash a token");
  is_int(token_hash(u, n, h2), SM_OK, "hash it in mixed case");
  is_str(h2, h1, "the hash ignores case");
  is_int(strlen(h1), TOKEN_HASH_LEN, "the hash is 64 hex digits");
  token_hash("ABC", 3, h1);
  is_str(h1,
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
         "token_hash(\"ABC\") is SHA-256 of \"abc\"");
  free(u);
  free(t);
}

static void
test_expiry(void)
{
  int64_t e = E0 + 1000L * HOUR, got = 0, sub = 0;
  char *t = NULL;

  token_make(&sec, TOKEN_BOUNCE, 5, 6, e, &t);
  is_int(check(TOKEN_BOUNCE, t, strlen(t), e, NULL, NULL, &got), TOKEN_VALID,
         "valid at the second of its expiry");
  is_int(got, e, "expiry on an hour boundary is kept exactly");
  is_int(check(TOKEN_BOUNCE, t, strlen(t), e + 1, &sub, NULL, &got),
         TOKEN_EXPIRED, "expired one second later");
  ok(sub == 5 && got == e, "an expired token still says whose it is");
  is_int(check(TOKEN_BOUNCE, t, strlen(t), E0 - 1000000, NULL, NULL, NULL),
         TOKEN_VALID, "valid long before its expiry");
  free(t);

  token_make(&sec, TOKEN_BOUNCE, 5, 6, e + 1, &t);
  is_int(check(TOKEN_BOUNCE, t, strlen(t), e + 1, NULL, NULL, &got),
         TOKEN_VALID, "an expiry between hours is valid at that second");
  is_int(got, e + HOUR, "and is rounded up to the next hour");
  is_int(check_str(TOKEN_BOUNCE, t, e + HOUR + 1), TOKEN_EXPIRED,
         "expired after the rounded-up hour");
  free(t);

  t = (char *)"unchanged";
  is_int(token_make(&sec, TOKEN_BOUNCE, 1, 1, E0 - 1, &t), SM_ERR_LIMIT,
         "an expiry before 2020 is refused");
  ok(t == NULL, "and gives no token");
  is_int(token_make(&sec, TOKEN_BOUNCE, 1, 1, E0 + (1LL << 24) * HOUR, &t),
         SM_ERR_LIMIT, "an expiry past the 24-bit hour range is refused");
  is_int(token_make(&sec, TOKEN_BOUNCE, -1, 1, e, &t), SM_ERR_LIMIT,
         "a negative subscriber id is refused");
  is_int(token_make(&sec, TOKEN_BOUNCE, 1, -5, e, &t), SM_ERR_LIMIT,
         "a negative object id is refused");
}

static void
test_lengths(void)
{
  int64_t ids[] = {
      0, 1, 127, 128, 1000000, (1LL << 32) + 5, (1LL << 40) - 1, 1LL << 40};
  int64_t e = E0 + ((1LL << 24) - 1) * HOUR;
  size_t longest = 0;
  int all_ok = 1;

  for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
    for (size_t j = 0; j < sizeof(ids) / sizeof(ids[0]); j++)
      for (int p = 0; p < TOKEN_PURPOSE_LAST; p++) {
        int64_t sub = -1, obj = -1;
        char *t = NULL;

        if (token_make(&sec, p, ids[i], ids[j], e, &t) != SM_OK) {
          all_ok = 0;
          continue;
        }
        if (strlen(t) > longest)
          longest = strlen(t);
        if (check(p, t, strlen(t), E0, &sub, &obj, NULL) != TOKEN_VALID ||
            sub != ids[i] || obj != ids[j])
          all_ok = 0;
        free(t);
      }
  ok(all_ok, "ids from 0 to 2^40 round-trip for every purpose");
  ok(longest <= 40, "tokens for ids up to 2^40 have at most 40 characters");
  diag("longest: %zu", longest);
  ok(strlen("digest+confirm-") + longest <= 64,
     "digest+confirm-TOKEN fits in a 64-octet local part");

  {
    int64_t big = INT64_MAX, sub = 0, obj = 0;
    char *t = NULL;

    is_int(token_make(&sec, TOKEN_KEYWORDS, big, big, e, &t), SM_OK,
           "ids of 2^63 - 1 are accepted");
    is_int(strlen(t), TOKEN_MAX_LEN, "and give TOKEN_MAX_LEN characters");
    is_int(check(TOKEN_KEYWORDS, t, strlen(t), E0, &sub, &obj, NULL),
           TOKEN_VALID, "and verify");
    ok(sub == big && obj == big, "with their values");
    free(t);
  }
}

static void
test_secrets(void)
{
  struct token_secret other;
  int64_t e = E0 + 1000L * HOUR;
  char *t = NULL, *t2 = NULL;
  enum token_reason why;

  token_secret_set(&other, "another-secret-of-enough-bytes", 30);
  token_make(&other, TOKEN_COMMENT, 1, 2, e, &t);
  is_int(check_str(TOKEN_COMMENT, t, E0), TOKEN_BAD_MAC,
         "a token made with another secret is refused");
  token_make(&sec, TOKEN_COMMENT, 1, 2, e, &t2);
  ok(strcmp(t, t2) != 0, "secrets give different tokens");
  is_int(token_verify(&other, TOKEN_COMMENT, t2, strlen(t2), E0, NULL, NULL,
                      NULL, &why),
         SM_ERR_DATA, "and the other way round");
  is_int(why, TOKEN_BAD_MAC, "as bad MAC");
  free(t);
  free(t2);
  token_secret_free(&other);
  ok(other.key == NULL && other.len == 0, "secret freed");
  is_int(token_secret_set(&other, "fifteen-bytes!!", 15), SM_ERR_CONFIG,
         "token_secret_set refuses 15 bytes");
}

static void
test_garbage(void)
{
  static const char *const bad[] = {
      "",
      "a",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 50 */
      "j3aojkuyamguc6yrxbwg47wknqgm1",                      /* '1' */
      "j3aojkuyamguc6yrxbwg47wknqgm0",
      "j3aojkuyamguc6yrxbwg47wknqgm8",
      "j3aojkuyamguc6yrxbwg47wknqgm=",
      "j3aojkuyamguc6yrxbwg47wknqg-i",
      "j3aojkuyamguc6yrxbwg47wknqg i",
      "j3aojkuyamguc6yrxbwg47wknqgmi=",
      "j3aojkuyamguc6yrxbwg47wknqgmi\n",
      "j3aojkuyamguc6yrxbwg47wknqgm\xc3\xa9",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* version 0 */
      "77777777777777777777777777777", /* lengths past the end */
      "iaaaaaahmgl6uhdrxsmckd7v",      /* ids 0, 0 with a filler bit set */
      "iaaaaaahmgl6uhdrxsmckd7",       /* truncated */
      "iaaaaaaahmgl6uhdrxsmckd7u",     /* an inserted 'a' */
      "ieaaaaahmgl6uhdrxsmckd7u",      /* non-minimal id length */
  };
  int64_t now = E0;

  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char name[200];

    snprintf(name, sizeof(name), "garbage #%zu is malformed", i);
    is_int(check_str(TOKEN_COMMENT, bad[i], now), TOKEN_MALFORMED, name);
  }
  is_int(check(TOKEN_COMMENT, "j3aojkuyamguc6yrxbwg47wknqgmi\0", 30, now, NULL,
               NULL, NULL),
         TOKEN_MALFORMED, "a valid token followed by a NUL is malformed");
  is_int(check(TOKEN_COMMENT, "j3aojkuyamguc6yrxbwg47wknqgmi", 29, now, NULL,
               NULL, NULL),
         TOKEN_VALID, "while the token itself is valid");
}

static void
test_secret_file(void)
{
  char dir[] = "/tmp/test-token.XXXXXX";
  char path[300], err[SM_ERRLEN];
  struct token_secret s = {NULL, 0};
  FILE *f;

  if (!mkdtemp(dir)) {
    ok(0, "mkdtemp");
    return;
  }
  snprintf(path, sizeof(path), "%s/secret", dir);
  err[0] = '\0';
  is_int(token_secret_load(path, &s, err, sizeof(err)), SM_ERR_NOINPUT,
         "a missing secret file is SM_ERR_NOINPUT");
  ok(strstr(err, path) != NULL, "the message names the path");
  ok(s.key == NULL, "and no secret is set");

  f = fopen(path, "w");
  fputs("fifteen-bytes!!\n", f);
  fclose(f);
  chmod(path, 0600);
  err[0] = '\0';
  is_int(token_secret_load(path, &s, err, sizeof(err)), SM_ERR_CONFIG,
         "a 15-byte secret (and a newline) is refused");
  ok(strstr(err, path) && strstr(err, "15 bytes"),
     "the message names the path and the length");
  diag("%s", err);

  f = fopen(path, "w");
  fputs("sixteen-bytes!!!\r\n", f);
  fclose(f);
  is_int(token_secret_load(path, &s, err, sizeof(err)), SM_OK,
         "a 16-byte secret and CRLF loads");
  ok(s.len == 16 && memcmp(s.key, "sixteen-bytes!!!", 16) == 0,
     "the line end is not part of the secret");
  token_secret_free(&s);

  f = fopen(path, "w");
  fputs(SECRET "\n", f);
  fclose(f);
  is_int(token_secret_load(path, &s, err, sizeof(err)), SM_OK,
         "the test secret loads from a file");
  {
    char *t = NULL;
    int64_t e = E0 + 50000L * HOUR;

    token_make(&s, TOKEN_COMMENT, 12345, 678, e, &t);
    is_str(t, "j3aojkuyamguc6yrxbwg47wknqgmi",
           "and makes the same tokens as the same bytes set directly");
    free(t);
  }
  token_secret_free(&s);

  /* Readable by others: loads, with a warning naming the file. */
  {
    char logpath[300], line[1000] = "";
    FILE *lf;

    snprintf(logpath, sizeof(logpath), "%s/log", dir);
    chmod(path, 0644);
    log_set_file(logpath);
    is_int(token_secret_load(path, &s, err, sizeof(err)), SM_OK,
           "a secret file readable by others loads");
    log_set_file(NULL);
    lf = fopen(logpath, "r");
    if (lf) {
      if (!fgets(line, sizeof(line), lf))
        line[0] = '\0';
      fclose(lf);
    }
    ok(strstr(line, "warning") && strstr(line, path) &&
           strstr(line, "readable by group or others"),
       "with a warning naming it");
    unlink(logpath);
    token_secret_free(&s);
    chmod(path, 0600);
  }

  f = fopen(path, "w");
  fputs("binary\n\nsecret\x01with newlines\n\n", f);
  fclose(f);
  is_int(token_secret_load(path, &s, err, sizeof(err)), SM_OK,
         "a secret with inner newlines loads");
  is_int(s.len, strlen("binary\n\nsecret\x01with newlines\n"),
         "only one trailing newline is dropped");
  token_secret_free(&s);
  unlink(path);
  rmdir(dir);
}

int
main(void)
{
  is_int(token_secret_set(&sec, SECRET, strlen(SECRET)), SM_OK,
         "set the test secret");
  is_str(token_purpose_name(TOKEN_COMMENT), "c", "comment tokens are 'c'");
  is_str(token_purpose_name(TOKEN_UNSUBSCRIBE), "unsub", "unsub");
  is_str(token_purpose_name(TOKEN_KEYWORDS), "k", "keywords page is 'k'");
  ok(token_purpose_name(TOKEN_PURPOSE_LAST) == NULL, "no name past the end");
  is_int(token_purpose_parse("Confirm", 7), TOKEN_CONFIRM,
         "purpose names parse case-insensitively");
  is_int(token_purpose_parse("bounce-x", 6), TOKEN_BOUNCE,
         "a purpose parses from a prefix of the local part");
  is_int(token_purpose_parse("co", 2), -1, "an unknown purpose is -1");

  test_known_answers();
  test_round_trips();
  test_tampering();
  test_case();
  test_expiry();
  test_lengths();
  test_secrets();
  test_garbage();
  test_secret_file();
  token_secret_free(&sec);
  return done_testing();
}
