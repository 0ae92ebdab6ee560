/* crypto.c: SHA-256 and the DKIM private key, over OpenSSL's libcrypto
 * (see crypto.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "util.h"

/* A key file larger than this is no key file (an RSA-16384 PEM is about
 * 13 KB). */
#define CRYPTO_KEY_FILE_MAX (64 * 1024)
/* The largest signature we make: RSA-16384. */
#define CRYPTO_SIG_MAX 2048

/* ---- SHA-256 ---- */

struct crypto_sha256 {
  EVP_MD *md; /* fetched once: an implicit fetch per init costs a lookup */
  EVP_MD_CTX *ctx;
};

void
crypto_sha256_free(struct crypto_sha256 *h)
{
  if (!h)
    return;
  EVP_MD_CTX_free(h->ctx);
  EVP_MD_free(h->md);
  free(h);
}

enum sm_status
crypto_sha256_new(struct crypto_sha256 **out)
{
  struct crypto_sha256 *h = calloc(1, sizeof(*h));

  *out = NULL;
  if (!h)
    return SM_ERR_NOMEM;
  h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
  h->ctx = EVP_MD_CTX_new();
  if (!h->md || !h->ctx) {
    crypto_sha256_free(h);
    ERR_clear_error();
    return SM_ERR_NOMEM;
  }
  if (crypto_sha256_init(h) != SM_OK) {
    crypto_sha256_free(h);
    return SM_ERR_INTERNAL;
  }
  *out = h;
  return SM_OK;
}

enum sm_status
crypto_sha256_init(struct crypto_sha256 *h)
{
  if (!EVP_DigestInit_ex(h->ctx, h->md, NULL)) {
    ERR_clear_error();
    return SM_ERR_INTERNAL;
  }
  return SM_OK;
}

enum sm_status
crypto_sha256_update(struct crypto_sha256 *h, const void *p, size_t n)
{
  if (n && !EVP_DigestUpdate(h->ctx, p, n)) {
    ERR_clear_error();
    return SM_ERR_INTERNAL;
  }
  return SM_OK;
}

enum sm_status
crypto_sha256_final(struct crypto_sha256 *h,
                    unsigned char out[CRYPTO_SHA256_LEN])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;

  if (!EVP_DigestFinal_ex(h->ctx, md, &n) || n != CRYPTO_SHA256_LEN) {
    ERR_clear_error();
    return SM_ERR_INTERNAL;
  }
  memcpy(out, md, CRYPTO_SHA256_LEN);
  return SM_OK;
}

enum sm_status
crypto_base64(const void *p, size_t n, struct buf *out)
{
  size_t need = (n + 2) / 3 * 4;
  unsigned char *tmp;
  enum sm_status rc;
  int got;

  if (n > (size_t)INT32_MAX / 2)
    return SM_ERR_LIMIT;
  tmp = malloc(need + 1);
  if (!tmp)
    return SM_ERR_NOMEM;
  got = EVP_EncodeBlock(tmp, p, (int)n);
  rc = got >= 0 && (size_t)got == need ? buf_append(out, tmp, need)
                                       : SM_ERR_INTERNAL;
  free(tmp);
  return rc;
}

/* ---- the private key ---- */

struct crypto_key {
  enum crypto_key_type type;
  EVP_PKEY *pkey;
  /* RSA: a context set up for PKCS#1 v1.5 over SHA-256 once, reused for
   * every signature. Ed25519: a digest context, re-initialised per
   * signature (Ed25519 is one-shot). */
  EVP_PKEY_CTX *pctx;
  EVP_MD_CTX *mctx;
};

void
crypto_key_free(struct crypto_key *k)
{
  if (!k)
    return;
  EVP_PKEY_CTX_free(k->pctx);
  EVP_MD_CTX_free(k->mctx);
  EVP_PKEY_free(k->pkey);
  free(k);
}

enum crypto_key_type
crypto_key_type(const struct crypto_key *k)
{
  return k->type;
}

static enum sm_status
key_refuse(const char *path, const char *why, char *err, size_t errlen)
{
  snprintf(err, errlen, "%s: %s", path, why);
  ERR_clear_error();
  return SM_ERR_CONFIG;
}

enum sm_status
crypto_key_load(const char *path, struct crypto_key **out, char *err,
                size_t errlen)
{
  struct buf text = BUF_INIT(CRYPTO_KEY_FILE_MAX);
  struct crypto_key *k = NULL;
  enum sm_status rc;
  BIO *bio = NULL;

  *out = NULL;
  rc = util_read_file(path, &text);
  if (rc != SM_OK || !strstr(buf_str(&text), "PRIVATE KEY-----")) {
    snprintf(err, errlen, "%s: cannot read a PEM private key for DKIM: %s",
             path,
             rc == SM_OK          ? "no \"PRIVATE KEY\" block in the file"
             : rc == SM_ERR_LIMIT ? "the file is too large for a key"
             : rc == SM_ERR_NOMEM ? "out of memory"
                                  : strerror(errno));
    rc = SM_ERR_CONFIG;
    goto done;
  }
  k = calloc(1, sizeof(*k));
  if (!k) {
    rc = SM_ERR_NOMEM;
    goto done;
  }
  bio = BIO_new_mem_buf(text.data, (int)text.len);
  if (bio)
    k->pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
  if (!k->pkey) {
    rc = key_refuse(path, "cannot read a PEM private key for DKIM", err,
                    errlen);
    goto done;
  }
  if (EVP_PKEY_is_a(k->pkey, "RSA")) {
    k->type = CRYPTO_KEY_RSA;
    if (EVP_PKEY_get_bits(k->pkey) < 1024) {
      rc = key_refuse(path, "an RSA key for DKIM needs 1024 bits or more", err,
                      errlen);
      goto done;
    }
    k->pctx = EVP_PKEY_CTX_new(k->pkey, NULL);
    if (!k->pctx || EVP_PKEY_sign_init(k->pctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(k->pctx, RSA_PKCS1_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(k->pctx, EVP_sha256()) <= 0) {
      rc = key_refuse(path, "the RSA key cannot sign", err, errlen);
      goto done;
    }
  } else if (EVP_PKEY_is_a(k->pkey, "ED25519")) {
    k->type = CRYPTO_KEY_ED25519;
    k->mctx = EVP_MD_CTX_new();
    if (!k->mctx) {
      rc = SM_ERR_NOMEM;
      goto done;
    }
  } else {
    rc = key_refuse(path, "a DKIM key must be RSA or Ed25519", err, errlen);
    goto done;
  }
  *out = k;
  k = NULL;
  rc = SM_OK;

done:
  BIO_free(bio);
  if (text.data)
    OPENSSL_cleanse(text.data, text.len);
  buf_free(&text);
  crypto_key_free(k);
  return rc;
}

enum sm_status
crypto_key_sign(struct crypto_key *k,
                const unsigned char digest[CRYPTO_SHA256_LEN], struct buf *out)
{
  unsigned char sig[CRYPTO_SIG_MAX];
  size_t n = sizeof(sig);
  int ok;

  if (k->type == CRYPTO_KEY_RSA)
    ok = EVP_PKEY_sign(k->pctx, sig, &n, digest, CRYPTO_SHA256_LEN) > 0;
  else
    ok = EVP_DigestSignInit(k->mctx, NULL, NULL, NULL, k->pkey) > 0 &&
         EVP_DigestSign(k->mctx, sig, &n, digest, CRYPTO_SHA256_LEN) > 0;
  if (!ok) {
    ERR_clear_error();
    return SM_ERR_INTERNAL;
  }
  return crypto_base64(sig, n, out);
}

enum sm_status
crypto_key_public(const struct crypto_key *k, struct buf *out)
{
  unsigned char raw[64], *der = NULL;
  size_t n = sizeof(raw);
  enum sm_status rc;
  int len;

  if (k->type == CRYPTO_KEY_ED25519) {
    if (!EVP_PKEY_get_raw_public_key(k->pkey, raw, &n)) {
      ERR_clear_error();
      return SM_ERR_INTERNAL;
    }
    return crypto_base64(raw, n, out);
  }
  len = i2d_PUBKEY(k->pkey, &der);
  if (len <= 0) {
    ERR_clear_error();
    return SM_ERR_INTERNAL;
  }
  rc = crypto_base64(der, (size_t)len, out);
  OPENSSL_free(der);
  return rc;
}
