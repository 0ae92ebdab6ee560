/* listaddr.h: the list's addresses, both ways, and the tokens they carry
 * with their lifetimes. The only code that knows the shapes
 *
 *   LIST@DOMAIN                  the list itself (From: of digests)
 *   LIST-request@DOMAIN          commands
 *   LIST-bounces@DOMAIN          bounces without a usable VERP address
 *   LIST+confirm-TOKEN@DOMAIN    confirming a subscription
 *   LIST+c-TOKEN@DOMAIN          a reply to a summary (a comment)
 *   LIST+bounce-TOKEN@DOMAIN     a VERP return path
 *   LIST+unsub-TOKEN@DOMAIN      List-Unsubscribe by mail
 *
 * (LIST@DOMAIN is [list] address). Reading, the local part's fixed words
 * and the domain compare without case; the token is returned as written
 * (tokens decode without case). */
#ifndef SM_LISTADDR_H
#define SM_LISTADDR_H

#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "conf.h"
#include "status.h"
#include "token.h"

/* How long each token is valid, from the moment the message that
 * carries it is made (its outbox row's created_at, or now). */
#define LISTADDR_CONFIRM_TTL (72 * 3600)  /* a confirmation request */
#define LISTADDR_COMMENT_TTL (90 * 86400) /* replying to a summary */
#define LISTADDR_UNSUB_TTL (365 * 86400)  /* unsubscribe and keyword pages */
/* A bounce may come weeks late (queues retry for days, then report). */
#define LISTADDR_BOUNCE_TTL (60 * 86400)

/* A buffer that takes every list address: a local part and domain of a
 * valid [list] address, the longest "+confirm-" and token. */
#define LISTADDR_MAX (ADDRESS_MAX + 16 + TOKEN_MAX_LEN)

enum listaddr_kind {
  LISTADDR_NONE, /* not one of ours */
  LISTADDR_LIST,
  LISTADDR_REQUEST,
  LISTADDR_BOUNCES,
  LISTADDR_CONFIRM,
  LISTADDR_COMMENT,
  LISTADDR_BOUNCE,
  LISTADDR_UNSUB
};

/* The lifetime of a purpose's tokens, in seconds. */
int64_t listaddr_ttl(enum token_purpose p);

/* Mints the token of purpose p for (subscriber, object), valid for
 * listaddr_ttl(p) from `from`, into out; *expires (may be NULL) gets the
 * expiry. */
enum sm_status listaddr_token(const struct token_secret *secret,
                              enum token_purpose p, int64_t subscriber,
                              int64_t object, int64_t from,
                              char out[TOKEN_MAX_LEN + 1], int64_t *expires);

/* Writes the address of `kind` into out (outlen bytes; LISTADDR_MAX takes
 * every one). token: the token of the token kinds, NULL for the others.
 * SM_ERR_LIMIT when it does not fit, SM_ERR_DATA for LISTADDR_NONE or a
 * token where none belongs (or none where one does). */
enum sm_status listaddr_make(const struct conf *c, enum listaddr_kind kind,
                             const char *token, char *out, size_t outlen);

/* Mints the token of a token kind (CONFIRM, COMMENT, BOUNCE, UNSUB) for
 * (subscriber, object) from `from` and writes its address into out. */
enum sm_status listaddr_mint(const struct conf *c,
                             const struct token_secret *secret,
                             enum listaddr_kind kind, int64_t subscriber,
                             int64_t object, int64_t from, char *out,
                             size_t outlen);

/* Which of the list LOCAL@DOMAIN's addresses `address` is. For the token
 * kinds, *token / *tokenlen point into address (else NULL and 0). */
enum listaddr_kind listaddr_parse(const char *address, const char *local,
                                  const char *domain, const char **token,
                                  size_t *tokenlen);

/* A short name for logs: "none", "list", "request", "bounces",
 * "confirm", "comment", "bounce", "unsub". Static. */
const char *listaddr_kind_name(enum listaddr_kind k);

/* The token purpose of a token kind; -1 for the others. */
int listaddr_purpose(enum listaddr_kind k);

#endif
