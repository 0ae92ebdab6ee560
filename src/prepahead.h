/* prepahead.h: messages composed (and DKIM-signed) ahead of the SMTP
 * conversation.
 *
 * Composing a digest and signing it are most of what a message costs the
 * sender's CPU, and the send loop spends much of each message waiting for
 * the relay's replies. A worker thread composes a batch's messages in
 * order, signs each when a signer is set, and checks that libesmtp would
 * send the bytes unchanged and that they are 7-bit (the session declares
 * no BODY=8BITMIME for bytes it has not seen), while the loop's own
 * thread talks SMTP and records outcomes; the loop waits for message i
 * only right before its data goes out (prepahead_wait), by which time it
 * is usually made.
 *
 * The worker has its own composer (each summary rendered once per run)
 * and its own read-only connection to the store (an SQLite connection
 * serves one thread): the composer reads summaries, titles and interests,
 * which sending never writes. It borrows the signer and the templates,
 * which no other thread may use meanwhile, and blocks every signal, so
 * the session's timers and SIGPIPE stay with the thread that runs the
 * session. */
#ifndef SM_PREPAHEAD_H
#define SM_PREPAHEAD_H

#include <stddef.h>

#include "compose.h"
#include "env.h"
#include "status.h"

struct prepahead;

/* Opens the worker's store connection (to env->st's file) and starts the
 * worker, which composes with env's configuration, secret, templates and
 * signer (all borrowed until prepahead_free). `max` is the largest batch.
 * On error `err` says why. */
enum sm_status prepahead_new(const struct env *env, long busy_timeout_ms,
                             size_t max, struct prepahead **out, char *err,
                             size_t errlen);
/* Stops the worker (after the message it is making) and frees it. */
void prepahead_free(struct prepahead *pa);

/* Hands over a batch of n (at most max) rows, made in order. The rows and
 * the strings they point to are borrowed until prepahead_stop. The
 * previous batch must be stopped. */
void prepahead_start(struct prepahead *pa, size_t n,
                     const struct compose_row *rows);

/* Waits until message i of the batch is made: SM_OK with *data and *len
 * set (the bytes stay valid until prepahead_stop), or the reason it
 * cannot be sent in `err` (composing or signing failed, or the bytes are
 * not sendable as they are: a bug upstream). */
enum sm_status prepahead_wait(struct prepahead *pa, size_t i,
                              const char **data, size_t *len, char *err,
                              size_t errlen);

/* Ends the batch: the messages not made yet are dropped, and on return
 * the worker no longer touches the batch. */
void prepahead_stop(struct prepahead *pa);

/* Distinct summaries rendered so far (the worker's composer). Only
 * between batches (after prepahead_stop). */
size_t prepahead_rendered(const struct prepahead *pa);

#endif
