/* test-progress.c: the progress line's words and figures. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "progress.h"
#include "tap.h"

int
main(void)
{
  struct progress p;
  char line[224];

  progress_start(&p, "send", "messages", 5000, 0);
  ok(!p.on, "no line when not enabled");
  p.done = 1200;
  progress_format(&p, 2.0, line, sizeof(line));
  is_str(line, "send: 1200/5000 messages (24%), 600/s, 6 s left",
         "done/total, percent, rate and time left");
  p.done = 100;
  progress_format(&p, 10.0, line, sizeof(line));
  is_str(line, "send: 100/5000 messages (2%), 10/s, 8 min left",
         "minutes when over a minute");
  p.done = 10;
  progress_format(&p, 20.0, line, sizeof(line));
  is_str(line, "send: 10/5000 messages (0%), 0/s, 2 h 46 min left",
         "hours and minutes when over an hour");
  p.done = 5000;
  progress_format(&p, 4.0, line, sizeof(line));
  is_str(line, "send: 5000/5000 messages (100%), 1250/s, 0 s left",
         "nothing left at the end");
  p.done = 0;
  progress_format(&p, 0.0, line, sizeof(line));
  is_str(line, "send: 0/5000 messages (0%), 0/s, ? left",
         "no guess before the first unit");
  progress_start(&p, "ingest", "items", 0, 0);
  p.done = 42;
  progress_format(&p, 2.0, line, sizeof(line));
  is_str(line, "ingest: 42 items, 21/s",
         "an unknown total shows count and rate");
  progress_update(&p, 43);
  is_int(p.done, 43, "update records the count even when nothing is drawn");
  progress_start(&p, "send", "messages", 100, 0);
  snprintf(p.note, sizeof(p.note), "%d deferred, %d failed", 3, 1);
  p.done = 50;
  progress_format(&p, 5.0, line, sizeof(line));
  is_str(line,
         "send: 50/100 messages (50%), 10/s, 5 s left, 3 deferred, 1 failed",
         "a note follows the figures");
  progress_update(&p, 120);
  is_int(p.total, 120, "work that arrived during the run grows the total");
  progress_format(&p, 12.0, line, sizeof(line));
  is_str(line,
         "send: 120/120 messages (100%), 10/s, 0 s left, 3 deferred, 1 failed",
         "never more than 100%");
  progress_end(&p);
  return done_testing();
}
