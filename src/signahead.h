/* signahead.h: DKIM signatures made ahead of the SMTP conversation.
 *
 * The RSA signature is most of what a signed message costs, and the send
 * loop spends much of each message waiting for the relay's replies. A
 * worker thread signs a batch's messages in order while the loop's own
 * thread talks SMTP; the loop waits for message i's signature only right
 * before its data goes out (signahead_wait), by which time it is usually
 * made. The thread does nothing but sign: it reads the batch's unsigned
 * messages, which nobody changes meanwhile, writes each signed copy into
 * its own output buffer, and blocks every signal, so the session's
 * timers and SIGPIPE stay with the thread that runs the session. */
#ifndef SM_SIGNAHEAD_H
#define SM_SIGNAHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "signer.h"
#include "status.h"

struct signahead;

/* Starts the worker for `s` (borrowed: no other thread may use it until
 * signahead_free). */
enum sm_status signahead_new(struct signer *s, struct signahead **out);
/* Stops the worker (after the message it is signing) and frees it. */
void signahead_free(struct signahead *sa);

/* Hands over a batch of n messages: in[i] (read only, unchanged until
 * signahead_stop) is signed as of t[i] into out[i]. The arrays are
 * borrowed until signahead_stop. The previous batch must be stopped. */
void signahead_start(struct signahead *sa, size_t n, const struct buf *in,
                     const int64_t *t, struct buf *out);

/* Waits until message i of the batch is signed: SM_OK, or the signer's
 * error with `err` set. */
enum sm_status signahead_wait(struct signahead *sa, size_t i, char *err,
                              size_t errlen);

/* Ends the batch: the messages not signed yet are dropped, and on return
 * the worker no longer touches the batch's buffers. */
void signahead_stop(struct signahead *sa);

#endif
