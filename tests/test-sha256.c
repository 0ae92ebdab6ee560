/* test-sha256.c: sha256.h against known answers (FIPS 180-4's examples,
 * RFC 4231's HMAC cases) and against OpenSSL's SHA-256 (crypto.h) on
 * every length to 300 bytes, fed in uneven pieces. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "sha256.h"
#include "tap.h"

static void
hex(const unsigned char *p, size_t n, char *out)
{
  static const char d[] = "0123456789abcdef";

  for (size_t i = 0; i < n; i++) {
    out[2 * i] = d[p[i] >> 4];
    out[2 * i + 1] = d[p[i] & 15];
  }
  out[2 * n] = '\0';
}

static void
unhex(const char *s, unsigned char *out, size_t *n)
{
  *n = 0;
  for (; s[0] && s[1]; s += 2) {
    unsigned v;

    sscanf(s, "%2x", &v);
    out[(*n)++] = (unsigned char)v;
  }
}

static void
digest_is(const void *p, size_t n, const char *want, const char *name)
{
  unsigned char md[SHA256_LEN];
  char got[2 * SHA256_LEN + 1];
  struct sha256 c;

  sha256_init(&c);
  sha256_update(&c, p, n);
  sha256_final(&c, md);
  hex(md, sizeof(md), got);
  is_str(got, want, name);
}

int
main(void)
{
  unsigned char md[SHA256_LEN], ref[CRYPTO_SHA256_LEN];
  char got[2 * SHA256_LEN + 1];
  struct sha256 c;

  digest_is("", 0,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "the empty string");
  digest_is("abc", 3,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "abc (FIPS 180-4 B.1)");
  digest_is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            "two blocks, padding alone in the second (B.2)");
  {
    static unsigned char a[1000];

    memset(a, 'a', sizeof(a));
    sha256_init(&c);
    for (int i = 0; i < 1000; i++)
      sha256_update(&c, a, sizeof(a));
    sha256_final(&c, md);
    hex(md, sizeof(md), got);
    is_str(got,
           "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
           "a million a's, 1000 bytes at a time (B.3)");
  }

  /* RFC 4231, test cases 1-4, 6 and 7 (5 truncates the MAC); the keys
   * of 6 and 7 are 131 bytes of 0xaa, longer than a block. */
  {
    static const struct {
      const char *key, *data, *mac;
    } cases[] = {
        {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"4a656665", "what do ya want for nothing?",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL,
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {"0102030405060708090a0b0c0d0e0f10111213141516171819", NULL,
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {NULL, "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {NULL,
         "This is a test using a larger than block-size key and a larger "
         "than block-size data. The key needs to be hashed before being "
         "used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    static const int number[] = {1, 2, 3, 4, 6, 7};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
      unsigned char key[200], data[200];
      size_t klen, dlen;
      char name[64];

      if (cases[i].key) {
        unhex(cases[i].key, key, &klen);
      } else {
        klen = 131;
        memset(key, 0xaa, klen);
      }
      if (cases[i].data) {
        dlen = strlen(cases[i].data);
        memcpy(data, cases[i].data, dlen);
      } else {
        /* 3 and 4: 50 bytes of 0xdd, 50 of 0xcd. */
        dlen = 50;
        memset(data, i == 2 ? 0xdd : 0xcd, dlen);
      }
      sha256_hmac(key, klen, data, dlen, md);
      hex(md, sizeof(md), got);
      snprintf(name, sizeof(name), "HMAC, RFC 4231 case %d", number[i]);
      is_str(got, cases[i].mac, name);
    }
  }

  /* Every length to 300 (each padding case: 55, 56, 63, 64, ...), fed
   * in pieces of 1 to 70 bytes, against OpenSSL's. */
  {
    unsigned char buf[300];
    struct crypto_sha256 *h;
    int same = 1;

    srand(7);
    for (size_t i = 0; i < sizeof(buf); i++)
      buf[i] = (unsigned char)rand();
    must(crypto_sha256_new(&h));
    for (size_t n = 0; n <= sizeof(buf) && same; n++) {
      sha256_init(&c);
      for (size_t at = 0; at < n;) {
        size_t step = 1 + (size_t)rand() % 70;

        if (step > n - at)
          step = n - at;
        sha256_update(&c, buf + at, step);
        at += step;
      }
      sha256_final(&c, md);
      must(crypto_sha256_init(h));
      must(crypto_sha256_update(h, buf, n));
      must(crypto_sha256_final(h, ref));
      if (memcmp(md, ref, sizeof(md))) {
        diag("differs from OpenSSL at %zu bytes", n);
        same = 0;
      }
    }
    crypto_sha256_free(h);
    ok(same, "the same digest as OpenSSL's for every length 0..300");
  }

  ok(sha256_memeq("abcd", "abcd", 4), "memeq: equal");
  ok(!sha256_memeq("abcd", "abce", 4), "memeq: the last byte differs");
  ok(!sha256_memeq("xbcd", "abcd", 4), "memeq: the first byte differs");
  return done_testing();
}
