/* deliver.h: emptying the outbox through the relay, losing nothing.
 *
 * Rows are claimed in small batches with a lease, composed, sent in one
 * SMTP session per batch, and each message's result is recorded in its
 * own transaction as soon as the server answers its final dot: killed at
 * any moment, a sender leaves at most the message in flight to be sent
 * again (the lease runs out and the next sender takes the batch back).
 * A live sender renews its leases every half lease and, right before
 * each message's data, checks that the row is still its own, so a batch
 * that outlives a lease is not sent twice. An outcome that cannot be
 * recorded ends the run at once (SM_ERR_TEMP from the store).
 * 4xx and no verdict: retried with exponential backoff and jitter until
 * [send] max_age, then failed. 5xx: failed (a hard bounce), once a
 * message accepted after it shows the relay works; the failure brake:
 * five 5xx in a row with none accepted (or [send] pause_percent of the
 * recent attempts failing) is the relay's problem, not the readers': the
 * session stops, those messages are deferred without a bounce, and send
 * stays paused (store_send_pause_set) across runs: a paused run sends one
 * probe message and returns SM_ERR_TEMP unless the relay accepts it,
 * until `queue resume` (store_send_pause_clear).
 * A worker thread composes (and, with DKIM, signs) the batch in order
 * while the session runs (prepahead.h), so this thread only talks SMTP
 * and records; each message waits for its bytes right before its data,
 * after the last look above. A message that cannot be composed is
 * recorded as failed there, and the session stops: the rest of the
 * batch goes back to the queue for the next claim. */
#ifndef SM_DELIVER_H
#define SM_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "compose.h"
#include "conf.h"
#include "smtp.h"
#include "status.h"
#include "store.h"
#include "token.h"

struct deliver_opts {
  size_t max;        /* stop after this many attempts; 0: until empty */
  long rate;         /* per second; 0: [send] rate */
  int progress;      /* draw a progress line on stderr */
  const char *owner; /* claim owner; NULL: "host:pid" */
};

struct deliver_stats {
  size_t sent, deferred, failed, skipped;
  size_t rendered; /* distinct summaries rendered (each once per run) */
  double seconds;
  int paused; /* stopped by the failure-rate brake */
};

/* Runs until the outbox has nothing due (or opts->max). SM_OK unless the
 * store failed or the brake stopped it or send is paused (SM_ERR_TEMP:
 * the operator should look; the rest stays queued). */
enum sm_status deliver_run(struct store *st, const struct env *env,
                           struct smtp_client *smtp,
                           const struct deliver_opts *opts,
                           struct deliver_stats *stats);

/* When a message that was deferred `attempts` times (this one included)
 * is tried next: retry_base * 2^(attempts-1), at most 6 hours, with up
 * to 20% jitter from `seed`. */
int64_t deliver_next_attempt(int64_t now, long attempts, long retry_base,
                             unsigned seed);

#endif
