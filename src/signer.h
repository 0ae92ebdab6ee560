/* signer.h: DKIM signatures (RFC 6376) of our own messages:
 * relaxed/relaxed canonicalization, rsa-sha256 or ed25519-sha256 (RFC
 * 8463) after the key's type, and the list headers among the signed ones
 * (RFC 8058 requires List-Unsubscribe and List-Unsubscribe-Post to be
 * signed for one-click unsubscribe to count).
 *
 * The key is loaded once (signer_new) and each message then costs its
 * canonicalization, two SHA-256 passes and one signature; the hashing and
 * the key are crypto's. The messages signed are the ones compose built:
 * CRLF lines, a header block, an empty line. */
#ifndef SM_SIGNER_H
#define SM_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "status.h"

struct signer;

/* Loads the PEM private key (RSA or Ed25519) at key_file for d=domain,
 * s=selector. SM_ERR_CONFIG with err naming the file when it cannot. *out
 * is freed with signer_free. */
enum sm_status signer_new(const char *key_file, const char *selector,
                          const char *domain, struct signer **out, char *err,
                          size_t errlen);
void signer_free(struct signer *s);

/* Signs the message in `msg` (CRLF, header and body) as of time `t` (the
 * signature's t= tag: the message's own Date keeps a retry's bytes
 * identical) and prepends the DKIM-Signature field to it in place. */
enum sm_status signer_sign(struct signer *s, struct buf *msg, int64_t t,
                           char *err, size_t errlen);

/* The same for the message m[0..mlen), which is only read: `out` gets the
 * DKIM-Signature field and then the message (its content replaced; it
 * keeps its allocation, so a reused buffer costs no allocation). A signer
 * is used by one thread at a time. */
enum sm_status signer_sign_into(struct signer *s, const char *m, size_t mlen,
                                int64_t t, struct buf *out, char *err,
                                size_t errlen);

/* Appends the DNS record that publishes the key, one line ending in a
 * newline:
 *   SELECTOR._domainkey.DOMAIN. IN TXT "v=DKIM1; k=rsa; p=..." "..."
 * (k=ed25519 for an Ed25519 key), the text split into strings of at most
 * 255 bytes, as a TXT record's strings must be (RFC 1035 3.3.14). */
enum sm_status signer_dns_record(const struct signer *s, struct buf *out);

/* The header fields signed, lower case, NULL-terminated. */
extern const char *const signer_headers[];

/* The relaxed canonicalizations, for the tests: a header field (its name,
 * colon and value, folded or not, without the final CRLF) as
 * "name:value" without CRLF (RFC 6376 3.4.2), and a body (3.4.4).
 * Appended to out. */
enum sm_status signer_canon_header(const char *field, size_t n,
                                   struct buf *out);
enum sm_status signer_canon_body(const char *body, size_t n, struct buf *out);

#endif
