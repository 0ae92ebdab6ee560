/* digest.h: choosing what each due reader gets this period, ranking it,
 * and queueing one outbox row per reader.
 *
 * Cost grows with matches, not readers x summaries: the summaries that
 * are new are indexed apart (store_fresh_load), each distinct keyword of
 * the due readers is evaluated once against them, and each reader is a
 * merge of their keywords' hit lists. */
#ifndef SM_DIGEST_H
#define SM_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "status.h"
#include "store.h"

#define DIGEST_WEEK (7 * 86400)
#define DIGEST_DAY 86400

/* One reader's digest, as chosen. Everything is owned by the run and
 * valid during the report call only. */
struct digest_choice {
  int64_t sub;
  const char *address;
  const char *issue;      /* "2026-W48" or "2026-11-23" */
  const char *message_id; /* without angle brackets */
  const char *payload;    /* the outbox row's JSON */
  const int64_t *ids;     /* ranked */
  size_t n;
  size_t more; /* matched but not listed */
};

struct digest_opts {
  int64_t now;
  int dry_run;  /* choose, report, queue nothing */
  size_t batch; /* readers per write transaction; 0 for 5000 */
  int64_t only; /* only this reader (and due whatever the day), or 0 */
  int progress; /* a progress line on stderr when it is a terminal */
  /* Called for each reader with a digest (--dry-run, preview, tests).
   * May be NULL. */
  void (*report)(void *ctx, const struct digest_choice *c);
  void *report_ctx;
};

struct digest_stats {
  size_t fresh;    /* new summaries considered */
  size_t keywords; /* distinct keywords evaluated */
  size_t readers;  /* due readers with keywords */
  size_t queued;   /* digests queued (or, dry run, that would be) */
  size_t empty;    /* due readers whom nothing matched */
};

/* The issue names of a time: "2026-W48" (ISO week) and "2026-11-23". */
void digest_issue_names(int64_t now, char *weekly, size_t wlen, char *daily,
                        size_t dlen);

/* Runs the selection for the readers due at opts->now (daily readers
 * always; weekly ones on [list] weekday) and queues their digests. */
enum sm_status digest_run(struct store *st, const struct conf *conf,
                          const struct digest_opts *opts,
                          struct digest_stats *stats);

#endif
