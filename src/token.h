/* token.h: HMAC-signed tokens carried in addresses and links
 * (digest+confirm-TOKEN@, digest+c-TOKEN@, digest+bounce-TOKEN@, and the
 * unsubscribe and keyword-page URLs), over crypto's HMAC-SHA256.
 *
 * A token says "subscriber S may do PURPOSE to object O until time E".
 * It is HMAC-SHA256 under the site secret over
 *
 *   "shortmail-token" NUL purpose-name NUL version(1 byte)
 *   subscriber(8 bytes BE) object(8 bytes BE) expiry-hours(4 bytes BE)
 *
 * so the purpose is bound into the MAC but not written into the token:
 * a token made for one purpose never verifies for another.
 *
 * Encoding: a bit string, most significant bit first, written in base32
 * (RFC 4648 alphabet in lower case, no padding), because MTAs and people
 * change the case of local parts: decoding ignores case. Fields:
 *
 *   bits  field
 *   2     version, 1
 *   6     L = bit length of the subscriber id (0 for id 0)
 *   L     subscriber id, most significant bit first (its top bit is 1)
 *   6     M = bit length of the object id
 *   M     object id
 *   24    expiry, in hours since 2020-01-01T00:00:00Z (to year 3933)
 *   80    the first 10 bytes of the MAC
 *   0-4   zero bits filling the last base32 character
 *
 * Ids of up to 2^40 (41 bits) give at most 200 bits, 40 characters, so
 * "digest+confirm-" + TOKEN stays well inside the 64 octets RFC 5321
 * allows for a local part. The largest ids (2^63 - 1) give 49.
 *
 * Decoding is strict, so each (purpose, ids, expiry) has exactly one
 * token up to case: lengths must be minimal, filler bits zero, nothing
 * may follow. That keeps token_hash() a sound key for single-use. */
#ifndef SM_TOKEN_H
#define SM_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* The longest token token_make can produce (ids of 2^63 - 1). */
#define TOKEN_MAX_LEN 49
/* The length of token_hash's output, without the NUL. */
#define TOKEN_HASH_LEN 64
/* A secret shorter than this is refused. */
#define TOKEN_SECRET_MIN 16

/* Seconds since the epoch of 2020-01-01T00:00:00Z: expiries are counted
 * in hours from here. */
#define TOKEN_EPOCH 1577836800

enum token_purpose {
  TOKEN_CONFIRM,     /* "confirm": double opt-in */
  TOKEN_COMMENT,     /* "c": reply to a summary in a digest */
  TOKEN_BOUNCE,      /* "bounce": VERP return path */
  TOKEN_UNSUBSCRIBE, /* "unsub": one-click unsubscribe */
  TOKEN_KEYWORDS,    /* "k": the keywords page */
  TOKEN_PURPOSE_LAST
};

/* Why token_verify refused (TOKEN_VALID when it did not). */
enum token_reason {
  TOKEN_VALID = 0,
  TOKEN_MALFORMED, /* not a token at all: wrong length, alphabet, layout */
  TOKEN_BAD_MAC,   /* well-formed but forged, tampered, other purpose or
                      other secret */
  TOKEN_EXPIRED    /* authentic but past its expiry */
};

/* The site secret. `key` is owned; token_secret_free wipes and frees. */
struct token_secret {
  unsigned char *key;
  size_t len;
};

/* Reads the secret from `path` (the [secret] file). One trailing
 * newline (LF or CRLF) is not part of it; what remains must be at least
 * TOKEN_SECRET_MIN bytes. SM_ERR_CONFIG (or SM_ERR_NOINPUT when missing)
 * with a message naming the path. A file readable by group or others is
 * accepted with a warning in the log. */
enum sm_status token_secret_load(const char *path, struct token_secret *out,
                                 char *err, size_t errlen);
/* Copies `len` bytes as the secret (tests, fuzzing). SM_ERR_CONFIG when
 * shorter than TOKEN_SECRET_MIN. */
enum sm_status token_secret_set(struct token_secret *out, const void *key,
                                size_t len);
void token_secret_free(struct token_secret *s);
/* Creates the secret file at `path` with 32 random bytes (64 hex digits
 * and a newline), mode 0600, owned by uid:gid when uid >= 0 (root making
 * it for the service user). An existing file is left alone: *created
 * says which. SM_ERR_CANTCREAT when the directory is missing,
 * SM_ERR_NOPERM when it is not writable. */
enum sm_status token_secret_create(const char *path, long uid, long gid,
                                   int *created, char *err, size_t errlen);

/* The name used in addresses ("confirm", "c", "bounce", "unsub", "k");
 * static, NULL for an out-of-range value. */
const char *token_purpose_name(enum token_purpose p);
/* The purpose named by the `len` bytes at `name` (case-insensitive);
 * -1 when none. */
int token_purpose_parse(const char *name, size_t len);
/* A static English description of a reason. */
const char *token_reason_str(enum token_reason r);

/* Makes a token. Ids must be in 0 .. 2^63 - 1 and `expires_at` (seconds)
 * in 2020-01-01 .. year 3933, else SM_ERR_LIMIT. The expiry is rounded
 * up to the next whole hour: the token is valid at least until
 * `expires_at`, at most an hour longer. *out is NUL-terminated lower-case
 * base32, at most TOKEN_MAX_LEN characters; the caller frees it. */
enum sm_status token_make(const struct token_secret *secret,
                          enum token_purpose purpose, int64_t subscriber,
                          int64_t object, int64_t expires_at, char **out);

/* Checks the `len` bytes at `token` (not necessarily NUL-terminated)
 * as a token of `purpose` at time `now`. SM_OK with *reason TOKEN_VALID
 * when it is valid (valid up to and including the second *expires_at).
 * SM_ERR_DATA when it is not, with *reason telling why; for
 * TOKEN_EXPIRED the outputs are still set (the token is authentic, so
 * the caller may tell that subscriber it expired); otherwise they are 0.
 * SM_ERR_INTERNAL if libcrypto fails. The MAC is compared in constant
 * time. Output pointers may be NULL. */
enum sm_status token_verify(const struct token_secret *secret,
                            enum token_purpose purpose, const char *token,
                            size_t len, int64_t now, int64_t *subscriber,
                            int64_t *object, int64_t *expires_at,
                            enum token_reason *reason);

/* The hex SHA-256 of the token folded to lower case, for the store's
 * table of used single-use tokens: the same token in any case gives the
 * same key. `out` receives TOKEN_HASH_LEN characters and a NUL. */
enum sm_status token_hash(const char *token, size_t len,
                          char out[TOKEN_HASH_LEN + 1]);

#endif
