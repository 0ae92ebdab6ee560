/* crypto.h: the one user of OpenSSL's libcrypto (smtp's TLS session is
 * libssl's), for the DKIM signer: SHA-256 over message bodies (with the
 * CPU's SHA instructions), and the private key, loaded from its PEM file
 * once per process, so a message costs one signature and nothing else
 * (parsing the key and setting up RSA blinding per message cost three
 * times the signature). Tokens hash and MAC with sha256.h, so that
 * receiving mail loads no libcrypto.
 *
 * Nothing here keeps global state of its own: the digest algorithm is
 * fetched once per hash context or key. */
#ifndef SM_CRYPTO_H
#define SM_CRYPTO_H

#include <stddef.h>

#include "buf.h"
#include "status.h"

#define CRYPTO_SHA256_LEN 32

/* An incremental SHA-256, reusable: crypto_sha256_init starts over.
 * *out is freed with crypto_sha256_free. */
struct crypto_sha256;
enum sm_status crypto_sha256_new(struct crypto_sha256 **out);
enum sm_status crypto_sha256_init(struct crypto_sha256 *h);
enum sm_status crypto_sha256_update(struct crypto_sha256 *h, const void *p,
                                    size_t n);
enum sm_status crypto_sha256_final(struct crypto_sha256 *h,
                                   unsigned char out[CRYPTO_SHA256_LEN]);
void crypto_sha256_free(struct crypto_sha256 *h);

/* Appends the base64 (RFC 4648, with padding, no line breaks) of n
 * bytes to out. */
enum sm_status crypto_base64(const void *p, size_t n, struct buf *out);

enum crypto_key_type {
  CRYPTO_KEY_RSA,     /* signs RSASSA-PKCS1-v1_5 with SHA-256 */
  CRYPTO_KEY_ED25519, /* signs with Ed25519 (RFC 8032, pure) */
};

/* A private key, from a PEM file (PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA
 * PRIVATE KEY"), RSA of at least 1024 bits or Ed25519. SM_ERR_CONFIG with
 * err naming the file when it cannot be read or is of another kind. *out
 * is freed with crypto_key_free. */
struct crypto_key;
enum sm_status crypto_key_load(const char *path, struct crypto_key **out,
                               char *err, size_t errlen);
void crypto_key_free(struct crypto_key *k);
enum crypto_key_type crypto_key_type(const struct crypto_key *k);

/* Signs a SHA-256 digest and appends the signature's base64 to out:
 * for RSA the PKCS#1 v1.5 signature of the digest; for Ed25519 the
 * signature of the 32 digest bytes as the message (what RFC 8463's
 * ed25519-sha256 asks). */
enum sm_status crypto_key_sign(struct crypto_key *k,
                               const unsigned char digest[CRYPTO_SHA256_LEN],
                               struct buf *out);

/* Appends the public half's base64 to out as a DKIM record's p= has it
 * (RFC 6376 3.6.1, RFC 8463 4.2): the DER SubjectPublicKeyInfo of an RSA
 * key, the 32 raw bytes of an Ed25519 key. */
enum sm_status crypto_key_public(const struct crypto_key *k, struct buf *out);

#endif
