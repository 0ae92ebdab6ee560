/* signer.h: DKIM signatures (RFC 6376) with libopendkim, its only user:
 * rsa-sha256, relaxed/relaxed canonicalization, and the list headers
 * among the signed ones (RFC 8058 requires List-Unsubscribe and
 * List-Unsubscribe-Post to be signed for one-click unsubscribe to count).
 *
 * (The module is "signer": libopendkim owns the dkim_ prefix.) */
#ifndef SM_SIGNER_H
#define SM_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "status.h"

struct signer;

/* Loads the PEM private key at key_file for d=domain, s=selector.
 * SM_ERR_CONFIG with err naming the file when it cannot. *out is freed
 * with signer_free. */
enum sm_status signer_new(const char *key_file, const char *selector,
                          const char *domain, struct signer **out, char *err,
                          size_t errlen);
void signer_free(struct signer *s);

/* Signs the message in `msg` (CRLF, header and body) as of time `t` (the
 * signature's t= tag: the message's own Date keeps a retry's bytes
 * identical) and prepends the DKIM-Signature field to it in place. */
enum sm_status signer_sign(struct signer *s, struct buf *msg, int64_t t,
                           char *err, size_t errlen);

/* The header fields signed, lower case, NULL-terminated. */
extern const char *const signer_headers[];

#endif
