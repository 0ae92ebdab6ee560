/* progress.h: a progress line on a terminal for long runs (send, digest,
 * ingest, sub import): done/total, rate and time left, redrawn at most a
 * few times a second on stderr, and nothing at all when stderr is not a
 * terminal (cron, systemd, pipes keep clean logs). */
#ifndef SM_PROGRESS_H
#define SM_PROGRESS_H

#include <stddef.h>

struct progress {
  const char *what; /* "send", "ingest": the line's prefix (not owned) */
  const char *unit; /* "messages", "items" (not owned) */
  size_t total;     /* 0: unknown, shows done and rate only */
  size_t done;
  double start, last;
  int on;
  int all;       /* draw every update (test hook), read once at the start */
  char note[64]; /* "3 deferred, 1 failed": appended when not empty */
};

/* Starts a line for `total` units of work when stderr is a terminal and
 * `enabled`; shows nothing until the work has run a moment, so short runs
 * stay quiet. */
void progress_start(struct progress *p, const char *what, const char *unit,
                    size_t total, int enabled);
/* Records that `done` units are finished; redraws when due. A total
 * passed by (work that arrived during the run) grows to `done`. */
void progress_update(struct progress *p, size_t done);
/* Clears the line. */
void progress_end(struct progress *p);
/* Formats the line into out (for tests): "WHAT: DONE/TOTAL UNIT (P%),
 * R/s, T left[, NOTE]" with `elapsed` seconds since the start. */
void progress_format(const struct progress *p, double elapsed, char *out,
                     size_t outlen);

#endif
