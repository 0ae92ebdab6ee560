/* progress.c: the progress line of long runs. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

/* Redraw at most this often, and not before the run is this old. */
#define PROGRESS_EVERY 0.2
#define PROGRESS_AFTER 0.5

/* Whether every update draws (tests: SHORTMAIL_PROGRESS_ALL=1 in builds
 * with test hooks), so that a short run shows its line. */
static int
draw_all(void)
{
#ifdef SM_TEST_HOOKS
  const char *s = getenv("SHORTMAIL_PROGRESS_ALL");
  return s && *s == '1';
#else
  return 0;
#endif
}

void
progress_start(struct progress *p, const char *what, const char *unit,
               size_t total, int enabled)
{
  p->what = what;
  p->unit = unit;
  p->total = total;
  p->done = 0;
  p->start = p->last = util_monotonic();
  p->on = enabled && isatty(STDERR_FILENO);
  p->note[0] = '\0';
  p->all = draw_all();
}

/* "1 h 5 min", "4 min", "12 s". */
static void
format_left(double s, char *out, size_t outlen)
{
  long n = (long)(s + 0.5);

  if (n >= 3600)
    snprintf(out, outlen, "%ld h %ld min", n / 3600, (n % 3600) / 60);
  else if (n >= 60)
    snprintf(out, outlen, "%ld min", (n + 30) / 60);
  else
    snprintf(out, outlen, "%ld s", n);
}

void
progress_format(const struct progress *p, double elapsed, char *out,
                size_t outlen)
{
  double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
  const char *sep = p->note[0] ? ", " : "";
  char left[32];

  if (!p->total) {
    snprintf(out, outlen, "%s: %zu %s, %.0f/s%s%s", p->what, p->done, p->unit,
             rate, sep, p->note);
    return;
  }
  if (rate > 0 && p->done < p->total)
    format_left((double)(p->total - p->done) / rate, left, sizeof(left));
  else
    snprintf(left, sizeof(left), "%s", p->done >= p->total ? "0 s" : "?");
  snprintf(out, outlen, "%s: %zu/%zu %s (%d%%), %.0f/s, %s left%s%s", p->what,
           p->done, p->total, p->unit,
           (int)(100.0 * (double)p->done / (double)p->total), rate, left, sep,
           p->note);
}

void
progress_update(struct progress *p, size_t done)
{
  char line[224];
  double t;

  p->done = done;
  if (p->total && done > p->total)
    p->total = done;
  if (!p->on)
    return;
  t = util_monotonic();
  if ((t - p->start < PROGRESS_AFTER || t - p->last < PROGRESS_EVERY) &&
      !p->all)
    return;
  p->last = t;
  progress_format(p, t - p->start, line, sizeof(line));
  fprintf(stderr, "\r%s\033[K", line);
}

void
progress_end(struct progress *p)
{
  /* Only a line that was drawn needs clearing. */
  if (p->on && (p->last > p->start || p->all))
    fputs("\r\033[K", stderr);
  p->on = 0;
}
