/* deliver.h: emptying the outbox through the relay, losing nothing.
 *
 * Rows are claimed in small batches with a lease, composed, sent in one
 * SMTP session per batch, and each message's result is recorded in its
 * own transaction as soon as the server answers its final dot: killed at
 * any moment, a sender leaves at most the message in flight to be sent
 * again (the lease runs out and the next sender takes the batch back).
 * 4xx and no verdict: retried with exponential backoff and jitter until
 * [send] max_age, then failed. 5xx: failed at once (a hard bounce). */
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
 * store failed or the brake stopped it (SM_ERR_TEMP: the operator should
 * look; the rest stays queued). */
enum sm_status deliver_run(struct store *st, const struct compose_env *env,
                           struct smtp_client *smtp,
                           const struct deliver_opts *opts,
                           struct deliver_stats *stats);

/* When a message that was deferred `attempts` times (this one included)
 * is tried next: retry_base * 2^(attempts-1), at most 6 hours, with up
 * to 20% jitter from `seed`. */
int64_t deliver_next_attempt(int64_t now, long attempts, long retry_base,
                             unsigned seed);

#endif
