/* receive_int.h: what the files of the receive orchestrator share.
 * receive.c checks, deduplicates, routes and logs each message and runs
 * the request and confirm routes itself; each other route has its own
 * file and runs inside receive.c's write transaction. A handler sets the
 * outcome (receive_set_outcome): RECEIVE_QUARANTINED makes receive.c keep the
 * raw message for an operator; any other outcome is logged as is. A
 * handler returns SM_OK when its effect (or the quarantine) should be
 * committed, another status to roll back and have the MTA retry. */
#ifndef SM_RECEIVE_INT_H
#define SM_RECEIVE_INT_H

#include <stddef.h>

#include "inbound.h"
#include "listaddr.h"
#include "receive.h"

void receive_set_outcome(struct receive_result *res,
                         enum receive_outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* LIST+c-TOKEN@: a reply to a summary or a discussion message
 * (src/receive_comment.c). raw/len are the whole message, kept with the
 * comment for audit. */
enum sm_status receive_comment(const struct env *env,
                               const struct inbound_msg *m, const char *token,
                               size_t tokenlen, const char *key,
                               const char *raw, size_t len,
                               struct receive_result *res);

/* LIST@: the list's own address, where a reply to a whole digest goes.
 * Taken as a comment on one item when the reader answered under that
 * item's quoted heading; otherwise answered with how to comment
 * (src/receive_comment.c). */
enum sm_status receive_list_reply(const struct env *env,
                                  const struct inbound_msg *m, const char *key,
                                  const char *raw, size_t len,
                                  struct receive_result *res);

/* LIST+bounce-TOKEN@ (LISTADDR_BOUNCE, the reader named by the VERP token)
 * and LIST-bounces@ (LISTADDR_BOUNCES, the report parsed)
 * (src/receive_bounce.c). token is NULL for LISTADDR_BOUNCES. */
enum sm_status receive_bounce(const struct env *env,
                              const struct inbound_msg *m,
                              enum listaddr_kind route, const char *token,
                              size_t tokenlen, const char *key,
                              struct receive_result *res);

/* LIST+unsub-TOKEN@: List-Unsubscribe by mail, whatever the body
 * (src/receive_bounce.c). */
enum sm_status receive_unsub(const struct env *env,
                             const struct inbound_msg *m, const char *token,
                             size_t tokenlen, const char *key,
                             struct receive_result *res);

#endif
