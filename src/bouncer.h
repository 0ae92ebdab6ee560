/* bouncer.h: what a bounce does to a reader. `receive` hands every bounce
 * it believes (VERP, or a report at LIST-bounces@ about an address we
 * mailed) to bouncer_record, and `send` the relay's 5xx to a reader's
 * RCPT TO (a 5xx to MAIL FROM is about us, one to the data about the
 * content: neither says the address is dead); the policy lives here.
 *
 * The score, like Mailman's:
 *   - a permanent bounce counts 1, a temporary one 0.5, a delay warning
 *     0 (recorded: the MTA still tries, nothing has failed yet);
 *   - at most one bounce counts per reader per UTC calendar day; a later
 *     bounce the same day is recorded with 0, except that a permanent one
 *     after a temporary one raises that day's 0.5 to 1 (the day counts as
 *     permanent);
 *   - when the last counted bounce is more than [bounce] stale_days old,
 *     the score starts again from 0;
 *   - reaching [bounce] threshold disables a confirmed reader (status
 *     'disabled'), once: they get one notice (templates/disabled.txt) and
 *     later bounces are recorded without counting;
 *   - temporary bounces alone never disable anyone: a temporary bounce
 *     can raise the score at most to threshold - 0.5, so only a permanent
 *     one can reach the threshold;
 *   - only confirmed readers are scored; a reader confirmed again after
 *     being disabled starts from 0.
 *
 * Log lines an operator can grep: "bounce: ADDRESS: permanent 5.1.1
 * (verp, outbox 12): score 2/5", "bounce: ADDRESS: disabled: score 5
 * reached [bounce] threshold 5". */
#ifndef SM_BOUNCER_H
#define SM_BOUNCER_H

#include <stddef.h>
#include <stdint.h>

#include "bounce.h"
#include "status.h"
#include "store.h"
#include "sub.h"

/* A bounce believed to be about reader `subscriber_id`. Borrowed. */
struct bouncer_event {
  int64_t subscriber_id;
  const char *address; /* the address that failed */
  enum bounce_kind kind;
  const char *status;     /* "5.1.1", "550", "" or NULL */
  const char *diagnostic; /* "" or NULL when none */
  const char *source;     /* "verp", "parsed" or "smtp" */
  int64_t outbox_id;      /* the message that bounced, 0 if unknown */
};

struct bouncer_outcome {
  double counted;     /* what the bounce added to the score */
  double score;       /* the score after it */
  int disabled;       /* this bounce disabled the reader */
  int notice_queued;  /* and they were told so */
  const char *reason; /* why it did not count, or NULL; static */
};

/* The score as of `now`: 0 once the last counted bounce is more than
 * stale_days old. */
double bouncer_current(const struct store_bounce_score *s, long stale_days,
                       int64_t now);

/* Applies one bounce of `kind` at `now` to *s under the rules above
 * (for a confirmed reader) and returns what it added. Pure. */
double bouncer_apply(struct store_bounce_score *s, enum bounce_kind kind,
                     long threshold, long stale_days, int64_t now);

/* Records the bounce, scores it, and disables (and tells) the reader
 * when the score reaches the threshold. Runs in the caller's write
 * transaction. env->tmpl is needed for the notice. */
enum sm_status bouncer_record(const struct env *env,
                              const struct bouncer_event *ev,
                              struct bouncer_outcome *out);

/* What a message that came back to a VERP address (which names the
 * reader and message already) says about `reader_address`, given the
 * parser's results: the result for that address, else the first
 * permanent one, else the first that is no delay, else the first (a
 * forwarded address bounces under
 * another name). Without results it counts as a permanent failure only
 * when it reads as a bounce: no delivery-status part (a DSN that names
 * no failed recipient reports a delivery or a relay), and a subject of
 * the failure notices of common MTAs ("Undelivered Mail Returned to
 * Sender", "failure notice", "Mail delivery failed", ...); a subject of
 * a delay warning makes it a delay. Auto-replies and anything else
 * count nothing. Returns 1 and fills *kind, status (at most statuslen)
 * and *diagnostic (pointing into results, or static) when it counts. */
int bouncer_verp_verdict(const struct bounce_result *results, size_t n,
                         const char *reader_address, int has_dsn,
                         const char *subject, enum bounce_kind *kind,
                         char *status, size_t statuslen,
                         const char **diagnostic);

#endif
