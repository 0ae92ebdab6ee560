/* test-deliver.c: the retry backoff of a deferred message, which only the
 * send benchmarks reached: it doubles from the base with each attempt,
 * stops at six hours, and its jitter stays within 20% above. */
#include "config.h"

#include <stdio.h>

#include "deliver.h"
#include "tap.h"

#define NOW 1795000000
#define CAP (6 * 3600)

int
main(void)
{
  /* Seed 0 gives no jitter: the delays themselves. */
  static const long base300[] = {300,  600,   1200, 2400, 4800,
                                 9600, 19200, CAP,  CAP};
  char name[128];
  int within = 1, spread = 0;
  int64_t first = -1;

  for (size_t i = 0; i < sizeof(base300) / sizeof(base300[0]); i++) {
    snprintf(name, sizeof(name), "attempt %zu waits %ld s", i + 1, base300[i]);
    is_int(deliver_next_attempt(NOW, (long)i + 1, 300, 0) - NOW, base300[i],
           name);
  }
  is_int(deliver_next_attempt(NOW, 1, 60, 0) - NOW, 60,
         "the first retry waits the base");
  is_int(deliver_next_attempt(NOW, 2, 60, 0) - NOW, 120, "the second, twice");
  is_int(deliver_next_attempt(NOW, 1000, 300, 0) - NOW, CAP,
         "a thousandth attempt waits the cap, without overflow");
  is_int(deliver_next_attempt(NOW, 1, 40000, 0) - NOW, CAP,
         "a base above the cap is cut to it");
  is_int(deliver_next_attempt(NOW, 0, 300, 0) - NOW, 300,
         "attempt 0 is taken as the first");

  /* Jitter: up to 20% more, never less, and it does spread. */
  for (unsigned seed = 0; seed < 200; seed++) {
    int64_t d = deliver_next_attempt(NOW, 3, 300, seed) - NOW;
    within &= d >= 1200 && d <= 1200 + 1200 / 5;
    if (first < 0)
      first = d;
    spread |= d != first;
  }
  ok(within, "jitter keeps every delay between 100% and 120%");
  ok(spread, "and different seeds retry at different times");
  return done_testing();
}
