/* sha256.h: SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) in plain C,
 * with the constant-time compare and the wipe that MACs need. For the
 * tokens (token.c), so that receiving mail loads no crypto library:
 * OpenSSL's libcrypto cost a received message 0.7 ms to load and 1.5 ms
 * to set up its providers for one hash (callgrind: 22% of a receive).
 * The DKIM signer keeps OpenSSL's SHA-256 (crypto.h), which uses the
 * CPU's SHA instructions on whole message bodies; tokens are 100 bytes. */
#ifndef SM_SHA256_H
#define SM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
  uint32_t h[8];
  uint64_t bytes; /* hashed so far */
  unsigned char block[64];
  size_t nblock; /* bytes waiting in block */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *p, size_t n);
/* Writes the digest; c must be initialised again before reuse. */
void sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN]);

/* HMAC-SHA256 of msg under key (any length). */
void sha256_hmac(const void *key, size_t keylen, const void *msg, size_t n,
                 unsigned char out[SHA256_LEN]);

/* 1 when the n bytes at a and b are equal, in time that depends on n
 * only. */
int sha256_memeq(const void *a, const void *b, size_t n);

/* Overwrites n bytes in a way the compiler keeps. */
void sha256_wipe(void *p, size_t n);

#endif
