/* test-util.c: dates, UTF-8, trimming. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util.h"

static void
date_is(const char *s, long long want)
{
  int64_t t = 0;
  char name[200];

  snprintf(name, sizeof(name), "date \"%s\"", s);
  if (want < 0)
    ok(util_parse_date(s, &t) < 0, name);
  else {
    ok(util_parse_date(s, &t) == 0, name);
    is_int(t, want, name);
  }
}

int
main(void)
{
  char s1[] = "  \t hello world \r\n";
  char ts[32];

  is_str(util_trim(s1), "hello world", "trim both ends");
  date_is("Mon, 23 Nov 2026 02:34:08 +0000", 1795401248LL);
  date_is("Mon, 23 Nov 2026 02:34:08 GMT", 1795401248LL);
  date_is("23 Nov 2026 03:34:08 +0100", 1795401248LL);
  date_is("Sun, 22 Nov 2026 21:34:08 EST", 1795401248LL);
  date_is("2026-11-23T02:34:08Z", 1795401248LL);
  date_is("2026-11-23T04:34:08.123+02:00", 1795401248LL);
  date_is("2026-11-23", 1795392000LL);
  date_is("1970-01-01T00:00:00Z", 0);
  date_is("2024-02-29", 1709164800LL);
  date_is("not a date", -1);
  date_is("2026-13-01", -1);
  date_is("Mon, 23 Foo 2026 02:34:08 +0000", -1);
  date_is("2026-11-23T02:34:08 bogus", -1);
  date_is("", -1);
  util_format_time(1795401248LL, ts, sizeof(ts));
  is_str(ts, "2026-11-23T02:34:08Z", "format time");

  ok(util_utf8_valid("plain", 5), "ASCII is UTF-8");
  ok(util_utf8_valid("Schölkopf ℝ¹²⁸ 🙂",
                     strlen("Schölkopf ℝ¹²⁸ 🙂")),
     "multi-byte UTF-8");
  ok(!util_utf8_valid("\xC3", 1), "truncated sequence");
  ok(!util_utf8_valid("\xC0\xAF", 2), "overlong encoding");
  ok(!util_utf8_valid("\xED\xA0\x80", 3), "surrogate");
  ok(!util_utf8_valid("\xF4\x90\x80\x80", 4), "beyond U+10FFFF");
  ok(!util_utf8_valid("caf\xE9", 4), "Latin-1 byte");
  return done_testing();
}
