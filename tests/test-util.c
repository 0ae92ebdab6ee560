/* test-util.c: dates, UTF-8, HTML escaping, trimming. */
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

/* util_utf8_decode of the n bytes s: want_len and, when it is not 0,
 * want_cp. */
static void
decode_is(const char *s, size_t n, size_t want_len, uint32_t want_cp,
          const char *name)
{
  uint32_t cp = 0xFFFFFFFF;
  size_t k = util_utf8_decode(s, n, &cp);

  is_int((long long)k, (long long)want_len, name);
  if (want_len)
    is_int((long long)cp, (long long)want_cp, name);
  /* The validator is the decoder's loop: the same verdict. */
  ok(util_utf8_valid(s, n) == (want_len == n), name);
}

/* util_utf8_encode of cp: the bytes want (NULL: refused), and the
 * decoder reads them back as cp. */
static void
encode_is(uint32_t cp, const char *want, const char *name)
{
  char out[4];
  size_t k = util_utf8_encode(cp, out);

  if (!want) {
    is_int((long long)k, 0, name);
    return;
  }
  is_int((long long)k, (long long)strlen(want), name);
  ok(k && memcmp(out, want, k) == 0, name);
  if (k) {
    uint32_t back = 0;
    is_int((long long)util_utf8_decode(out, k, &back), (long long)k, name);
    is_int((long long)back, (long long)cp, name);
  }
}

static void
escape_is(const char *s, enum util_html_quotes q, const char *want,
          const char *name)
{
  struct buf b = BUF_INIT(1024);

  ok(util_html_escape(&b, s, strlen(s), q) == SM_OK, name);
  is_str(b.data ? b.data : "", want, name);
  buf_free(&b);
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
  is_int((long long)util_utf8_valid_prefix("caf\xE9 au lait", 12), 3,
         "valid prefix: up to the Latin-1 byte");
  is_int((long long)util_utf8_valid_prefix("ré\xC0\xAFsumé", 11), 3,
         "valid prefix: up to the overlong, after a two-byte sequence");
  is_int((long long)util_utf8_valid_prefix("Schölkopf \xE2\x84", 13), 11,
         "valid prefix: a sequence cut at the end is not counted");
  is_int((long long)util_utf8_valid_prefix("plain", 5), 5,
         "valid prefix: all of valid text");

  /* The decoder at each boundary of each length. */
  decode_is("\x00", 1, 1, 0, "NUL is one byte");
  decode_is("\x7F", 1, 1, 0x7F, "U+007F");
  decode_is("\xC2\x80", 2, 2, 0x80, "U+0080, the first of two bytes");
  decode_is("\xDF\xBF", 2, 2, 0x7FF, "U+07FF");
  decode_is("\xE0\xA0\x80", 3, 3, 0x800, "U+0800, the first of three");
  decode_is("\xED\x9F\xBF", 3, 3, 0xD7FF, "U+D7FF, below the surrogates");
  decode_is("\xEE\x80\x80", 3, 3, 0xE000, "U+E000, above them");
  decode_is("\xEF\xBF\xBD", 3, 3, 0xFFFD, "U+FFFD");
  decode_is("\xF0\x90\x80\x80", 4, 4, 0x10000, "U+10000, the first of four");
  decode_is("\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF, "U+10FFFF, the last");
  decode_is("\xC0\x80", 2, 0, 0, "overlong NUL (C0 80)");
  decode_is("\xC1\xBF", 2, 0, 0, "overlong U+007F");
  decode_is("\xE0\x9F\xBF", 3, 0, 0, "overlong U+07FF in three bytes");
  decode_is("\xF0\x8F\xBF\xBF", 4, 0, 0, "overlong U+FFFF in four bytes");
  decode_is("\xED\xA0\x80", 3, 0, 0, "high surrogate U+D800");
  decode_is("\xED\xBF\xBF", 3, 0, 0, "low surrogate U+DFFF");
  decode_is("\xF4\x90\x80\x80", 4, 0, 0, "U+110000");
  decode_is("\xF5\x80\x80\x80", 4, 0, 0, "lead byte F5");
  decode_is("\xFF", 1, 0, 0, "byte FF");
  decode_is("\x80", 1, 0, 0, "a lone continuation byte");
  decode_is("\xE2\x82", 2, 0, 0, "three-byte sequence cut after two");
  decode_is("\xF0\x9F\x99", 3, 0, 0, "four-byte sequence cut after three");
  decode_is("\xE2\x82\xAC", 2, 0, 0, "n shorter than the sequence");
  decode_is("\xE2\x41\xAC", 3, 0, 0, "ASCII where a continuation goes");
  {
    uint32_t cp = 0;
    is_int((long long)util_utf8_decode("\xC3\xA9x", 3, &cp), 2,
           "one sequence of a longer text: its length");
    is_int((long long)cp, 0xE9, "and its code point");
  }
  decode_is("", 0, 0, 0, "nothing");

  encode_is(0x41, "A", "encode U+0041");
  encode_is(0x7F, "\x7F", "encode U+007F");
  encode_is(0x80, "\xC2\x80", "encode U+0080");
  encode_is(0x7FF, "\xDF\xBF", "encode U+07FF");
  encode_is(0x800, "\xE0\xA0\x80", "encode U+0800");
  encode_is(0xD7FF, "\xED\x9F\xBF", "encode U+D7FF");
  encode_is(0xE000, "\xEE\x80\x80", "encode U+E000");
  encode_is(0xFFFF, "\xEF\xBF\xBF", "encode U+FFFF");
  encode_is(0x10000, "\xF0\x90\x80\x80", "encode U+10000");
  encode_is(0x1F642, "🙂", "encode U+1F642");
  encode_is(0x10FFFF, "\xF4\x8F\xBF\xBF", "encode U+10FFFF");
  encode_is(0xD800, NULL, "no encoding of a high surrogate");
  encode_is(0xDFFF, NULL, "no encoding of a low surrogate");
  encode_is(0x110000, NULL, "no encoding beyond U+10FFFF");
  encode_is(0xFFFFFFFF, NULL, "no encoding of 2^32 - 1");

  is_int((long long)util_utf8_cut("h\xC3\xA9llo", 2), 1,
         "a cut inside é goes back before it");
  is_int((long long)util_utf8_cut("h\xC3\xA9llo", 3), 3,
         "a cut after é stays");
  is_int((long long)util_utf8_cut("\xF0\x9F\x99\x82", 3), 0,
         "a cut inside the first character leaves nothing");
  /* util_utf8_whole sees only the n bytes, as after snprintf. */
  is_int((long long)util_utf8_whole("h\xC3", 2), 1,
         "whole: half an é at the end goes");
  is_int((long long)util_utf8_whole("h\xC3\xA9", 3), 3,
         "whole: a whole é at the end stays");
  is_int((long long)util_utf8_whole("ab\xF0\x9F\x99", 5), 2,
         "whole: three bytes of a four-byte emoji go");
  is_int((long long)util_utf8_whole("ab\xE2\x82\xAC", 5), 5,
         "whole: a whole euro sign stays");
  is_int((long long)util_utf8_whole("abc", 3), 3, "whole: ASCII stays");
  is_int((long long)util_utf8_whole("\x80\x80", 2), 2,
         "whole: stray continuation bytes are not ours to cut");
  is_int((long long)util_utf8_count("h\xC3\xA9llo \xF0\x9F\x99\x82", 10), 7,
         "count: characters, not bytes");
  is_int((long long)util_utf8_count("", 0), 0, "count: nothing");

  escape_is("a & b < c > d \"e\" 'f'", UTIL_HTML_QUOTES,
            "a &amp; b &lt; c &gt; d &quot;e&quot; &#39;f&#39;",
            "escape all five");
  escape_is("a & b < c > d \"e\" 'f'", UTIL_HTML_DQUOTE,
            "a &amp; b &lt; c &gt; d &quot;e&quot; 'f'",
            "escape for a double-quoted attribute");
  escape_is("a & b < c > d \"e\" 'f'", UTIL_HTML_TEXT,
            "a &amp; b &lt; c &gt; d \"e\" 'f'", "escape text");
  escape_is("&amp;", UTIL_HTML_QUOTES, "&amp;amp;",
            "an entity is escaped again: the input is text");
  escape_is("Schölkopf 🙂", UTIL_HTML_QUOTES, "Schölkopf 🙂",
            "UTF-8 passes through");
  escape_is("", UTIL_HTML_QUOTES, "", "empty");
  escape_is("<<>>", UTIL_HTML_TEXT, "&lt;&lt;&gt;&gt;", "runs of markup");
  {
    struct buf small = BUF_INIT(8);
    ok(util_html_escape(&small, "<<<", 3, UTIL_HTML_TEXT) == SM_ERR_LIMIT,
       "escaping past the buffer's maximum is SM_ERR_LIMIT");
    buf_free(&small);
  }
  return done_testing();
}
