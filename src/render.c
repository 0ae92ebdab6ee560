/* render.c: a summary's markdown as safe HTML and as plain text (see
 * render.h for what each looks like).
 *
 * The pipeline, for both outputs:
 *   1. clean the bytes: valid UTF-8, no control characters, none of the
 *      noncharacters we use as placeholders;
 *   2. find the math ($…$, $$…$$, \(…\), \[…\]) in the markdown source and
 *      replace each formula by a placeholder, U+FDD0 INDEX U+FDD1. This
 *      has to happen before cmark parses, which would otherwise eat the
 *      _ * and \ inside formulas. Code blocks are found by a first cmark
 *      parse (an indented code block cannot be told from a list
 *      continuation without one); code spans, autolinks and escapes by
 *      the scanner itself. Noncharacters are meant for internal use,
 *      are neither punctuation nor white space to cmark, and survive it;
 *   3. parse with cmark and fix the tree: check and absolutise URLs,
 *      drop raw HTML, put placeholders that ended up in URLs or code back
 *      to their source text, cut long summaries after a top-level block;
 *   4. HTML: turn placeholders into custom nodes holding the math spans
 *      and let cmark render (in its safe mode, as a second line of
 *      defence); text: walk the tree with cmark's iterator (no recursion,
 *      so deep nesting cannot exhaust the stack) and wrap paragraphs.
 * Every step is linear in the input: failed searches for a closing
 * delimiter are remembered so that many unmatched openers cost one scan. */
#include "config.h"

#include <cmark.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "render.h"
#include "util.h"

/* Bound for the internal buffers (they hold a transformed copy of the
 * input, which is at most RENDER_MAX_INPUT). */
#define R_SCRATCH_MAX (64u * 1024 * 1024)

/* The placeholder for formula N is PH_OPEN "N" PH_CLOSE. */
#define PH_OPEN "\xef\xb7\x90"  /* U+FDD0 */
#define PH_CLOSE "\xef\xb7\x91" /* U+FDD1 */
#define PH_LEN 3

/* Markers inside a paragraph's text while it is being wrapped; the
 * cleaned input has no control characters, so they cannot collide. */
#define T_GLUE '\x01' /* a space that breaks only when it must */
#define T_BRK '\x02'  /* a forced line break */
#define T_DISP '\x03' /* the following line (up to T_BRK) is display math */

/* ---- UTF-8 and display width ---------------------------------------------
 */

/* Decodes one character; returns its length, 0 when invalid. */
static size_t
r_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
  return util_utf8_decode((const char *)s, n, cp);
}

struct wrange {
  uint32_t lo, hi;
};

/* Generated from Python's unicodedata (Unicode 14.0.0): zero width is
 * general category Mn, Me or Cf (but U+00AD, which terminals show) and
 * the Hangul jungseong/jongseong U+1160-11FF; wide is East Asian Width W
 * or F. Runs separated only by unassigned code points are merged.
 * Code points below U+0300 never appear here. */
static const struct wrange zero_width_ranges[] = {
    {0x300, 0x36f},     {0x483, 0x489},     {0x591, 0x5bd},
    {0x5bf, 0x5bf},     {0x5c1, 0x5c2},     {0x5c4, 0x5c5},
    {0x5c7, 0x5c7},     {0x600, 0x605},     {0x610, 0x61a},
    {0x61c, 0x61c},     {0x64b, 0x65f},     {0x670, 0x670},
    {0x6d6, 0x6dd},     {0x6df, 0x6e4},     {0x6e7, 0x6e8},
    {0x6ea, 0x6ed},     {0x70f, 0x70f},     {0x711, 0x711},
    {0x730, 0x74a},     {0x7a6, 0x7b0},     {0x7eb, 0x7f3},
    {0x7fd, 0x7fd},     {0x816, 0x819},     {0x81b, 0x823},
    {0x825, 0x827},     {0x829, 0x82d},     {0x859, 0x85b},
    {0x890, 0x89f},     {0x8ca, 0x902},     {0x93a, 0x93a},
    {0x93c, 0x93c},     {0x941, 0x948},     {0x94d, 0x94d},
    {0x951, 0x957},     {0x962, 0x963},     {0x981, 0x981},
    {0x9bc, 0x9bc},     {0x9c1, 0x9c4},     {0x9cd, 0x9cd},
    {0x9e2, 0x9e3},     {0x9fe, 0xa02},     {0xa3c, 0xa3c},
    {0xa41, 0xa51},     {0xa70, 0xa71},     {0xa75, 0xa75},
    {0xa81, 0xa82},     {0xabc, 0xabc},     {0xac1, 0xac8},
    {0xacd, 0xacd},     {0xae2, 0xae3},     {0xafa, 0xb01},
    {0xb3c, 0xb3c},     {0xb3f, 0xb3f},     {0xb41, 0xb44},
    {0xb4d, 0xb56},     {0xb62, 0xb63},     {0xb82, 0xb82},
    {0xbc0, 0xbc0},     {0xbcd, 0xbcd},     {0xc00, 0xc00},
    {0xc04, 0xc04},     {0xc3c, 0xc3c},     {0xc3e, 0xc40},
    {0xc46, 0xc56},     {0xc62, 0xc63},     {0xc81, 0xc81},
    {0xcbc, 0xcbc},     {0xcbf, 0xcbf},     {0xcc6, 0xcc6},
    {0xccc, 0xccd},     {0xce2, 0xce3},     {0xd00, 0xd01},
    {0xd3b, 0xd3c},     {0xd41, 0xd44},     {0xd4d, 0xd4d},
    {0xd62, 0xd63},     {0xd81, 0xd81},     {0xdca, 0xdca},
    {0xdd2, 0xdd6},     {0xe31, 0xe31},     {0xe34, 0xe3a},
    {0xe47, 0xe4e},     {0xeb1, 0xeb1},     {0xeb4, 0xebc},
    {0xec8, 0xecd},     {0xf18, 0xf19},     {0xf35, 0xf35},
    {0xf37, 0xf37},     {0xf39, 0xf39},     {0xf71, 0xf7e},
    {0xf80, 0xf84},     {0xf86, 0xf87},     {0xf8d, 0xfbc},
    {0xfc6, 0xfc6},     {0x102d, 0x1030},   {0x1032, 0x1037},
    {0x1039, 0x103a},   {0x103d, 0x103e},   {0x1058, 0x1059},
    {0x105e, 0x1060},   {0x1071, 0x1074},   {0x1082, 0x1082},
    {0x1085, 0x1086},   {0x108d, 0x108d},   {0x109d, 0x109d},
    {0x1160, 0x11ff},   {0x135d, 0x135f},   {0x1712, 0x1714},
    {0x1732, 0x1733},   {0x1752, 0x1753},   {0x1772, 0x1773},
    {0x17b4, 0x17b5},   {0x17b7, 0x17bd},   {0x17c6, 0x17c6},
    {0x17c9, 0x17d3},   {0x17dd, 0x17dd},   {0x180b, 0x180f},
    {0x1885, 0x1886},   {0x18a9, 0x18a9},   {0x1920, 0x1922},
    {0x1927, 0x1928},   {0x1932, 0x1932},   {0x1939, 0x193b},
    {0x1a17, 0x1a18},   {0x1a1b, 0x1a1b},   {0x1a56, 0x1a56},
    {0x1a58, 0x1a60},   {0x1a62, 0x1a62},   {0x1a65, 0x1a6c},
    {0x1a73, 0x1a7f},   {0x1ab0, 0x1b03},   {0x1b34, 0x1b34},
    {0x1b36, 0x1b3a},   {0x1b3c, 0x1b3c},   {0x1b42, 0x1b42},
    {0x1b6b, 0x1b73},   {0x1b80, 0x1b81},   {0x1ba2, 0x1ba5},
    {0x1ba8, 0x1ba9},   {0x1bab, 0x1bad},   {0x1be6, 0x1be6},
    {0x1be8, 0x1be9},   {0x1bed, 0x1bed},   {0x1bef, 0x1bf1},
    {0x1c2c, 0x1c33},   {0x1c36, 0x1c37},   {0x1cd0, 0x1cd2},
    {0x1cd4, 0x1ce0},   {0x1ce2, 0x1ce8},   {0x1ced, 0x1ced},
    {0x1cf4, 0x1cf4},   {0x1cf8, 0x1cf9},   {0x1dc0, 0x1dff},
    {0x200b, 0x200f},   {0x202a, 0x202e},   {0x2060, 0x206f},
    {0x20d0, 0x20f0},   {0x2cef, 0x2cf1},   {0x2d7f, 0x2d7f},
    {0x2de0, 0x2dff},   {0x302a, 0x302d},   {0x3099, 0x309a},
    {0xa66f, 0xa672},   {0xa674, 0xa67d},   {0xa69e, 0xa69f},
    {0xa6f0, 0xa6f1},   {0xa802, 0xa802},   {0xa806, 0xa806},
    {0xa80b, 0xa80b},   {0xa825, 0xa826},   {0xa82c, 0xa82c},
    {0xa8c4, 0xa8c5},   {0xa8e0, 0xa8f1},   {0xa8ff, 0xa8ff},
    {0xa926, 0xa92d},   {0xa947, 0xa951},   {0xa980, 0xa982},
    {0xa9b3, 0xa9b3},   {0xa9b6, 0xa9b9},   {0xa9bc, 0xa9bd},
    {0xa9e5, 0xa9e5},   {0xaa29, 0xaa2e},   {0xaa31, 0xaa32},
    {0xaa35, 0xaa36},   {0xaa43, 0xaa43},   {0xaa4c, 0xaa4c},
    {0xaa7c, 0xaa7c},   {0xaab0, 0xaab0},   {0xaab2, 0xaab4},
    {0xaab7, 0xaab8},   {0xaabe, 0xaabf},   {0xaac1, 0xaac1},
    {0xaaec, 0xaaed},   {0xaaf6, 0xaaf6},   {0xabe5, 0xabe5},
    {0xabe8, 0xabe8},   {0xabed, 0xabed},   {0xfb1e, 0xfb1e},
    {0xfe00, 0xfe0f},   {0xfe20, 0xfe2f},   {0xfeff, 0xfeff},
    {0xfff9, 0xfffb},   {0x101fd, 0x101fd}, {0x102e0, 0x102e0},
    {0x10376, 0x1037a}, {0x10a01, 0x10a0f}, {0x10a38, 0x10a3f},
    {0x10ae5, 0x10ae6}, {0x10d24, 0x10d27}, {0x10eab, 0x10eac},
    {0x10f46, 0x10f50}, {0x10f82, 0x10f85}, {0x11001, 0x11001},
    {0x11038, 0x11046}, {0x11070, 0x11070}, {0x11073, 0x11074},
    {0x1107f, 0x11081}, {0x110b3, 0x110b6}, {0x110b9, 0x110ba},
    {0x110bd, 0x110bd}, {0x110c2, 0x110cd}, {0x11100, 0x11102},
    {0x11127, 0x1112b}, {0x1112d, 0x11134}, {0x11173, 0x11173},
    {0x11180, 0x11181}, {0x111b6, 0x111be}, {0x111c9, 0x111cc},
    {0x111cf, 0x111cf}, {0x1122f, 0x11231}, {0x11234, 0x11234},
    {0x11236, 0x11237}, {0x1123e, 0x1123e}, {0x112df, 0x112df},
    {0x112e3, 0x112ea}, {0x11300, 0x11301}, {0x1133b, 0x1133c},
    {0x11340, 0x11340}, {0x11366, 0x11374}, {0x11438, 0x1143f},
    {0x11442, 0x11444}, {0x11446, 0x11446}, {0x1145e, 0x1145e},
    {0x114b3, 0x114b8}, {0x114ba, 0x114ba}, {0x114bf, 0x114c0},
    {0x114c2, 0x114c3}, {0x115b2, 0x115b5}, {0x115bc, 0x115bd},
    {0x115bf, 0x115c0}, {0x115dc, 0x115dd}, {0x11633, 0x1163a},
    {0x1163d, 0x1163d}, {0x1163f, 0x11640}, {0x116ab, 0x116ab},
    {0x116ad, 0x116ad}, {0x116b0, 0x116b5}, {0x116b7, 0x116b7},
    {0x1171d, 0x1171f}, {0x11722, 0x11725}, {0x11727, 0x1172b},
    {0x1182f, 0x11837}, {0x11839, 0x1183a}, {0x1193b, 0x1193c},
    {0x1193e, 0x1193e}, {0x11943, 0x11943}, {0x119d4, 0x119db},
    {0x119e0, 0x119e0}, {0x11a01, 0x11a0a}, {0x11a33, 0x11a38},
    {0x11a3b, 0x11a3e}, {0x11a47, 0x11a47}, {0x11a51, 0x11a56},
    {0x11a59, 0x11a5b}, {0x11a8a, 0x11a96}, {0x11a98, 0x11a99},
    {0x11c30, 0x11c3d}, {0x11c3f, 0x11c3f}, {0x11c92, 0x11ca7},
    {0x11caa, 0x11cb0}, {0x11cb2, 0x11cb3}, {0x11cb5, 0x11cb6},
    {0x11d31, 0x11d45}, {0x11d47, 0x11d47}, {0x11d90, 0x11d91},
    {0x11d95, 0x11d95}, {0x11d97, 0x11d97}, {0x11ef3, 0x11ef4},
    {0x13430, 0x13438}, {0x16af0, 0x16af4}, {0x16b30, 0x16b36},
    {0x16f4f, 0x16f4f}, {0x16f8f, 0x16f92}, {0x16fe4, 0x16fe4},
    {0x1bc9d, 0x1bc9e}, {0x1bca0, 0x1cf46}, {0x1d167, 0x1d169},
    {0x1d173, 0x1d182}, {0x1d185, 0x1d18b}, {0x1d1aa, 0x1d1ad},
    {0x1d242, 0x1d244}, {0x1da00, 0x1da36}, {0x1da3b, 0x1da6c},
    {0x1da75, 0x1da75}, {0x1da84, 0x1da84}, {0x1da9b, 0x1daaf},
    {0x1e000, 0x1e02a}, {0x1e130, 0x1e136}, {0x1e2ae, 0x1e2ae},
    {0x1e2ec, 0x1e2ef}, {0x1e8d0, 0x1e8d6}, {0x1e944, 0x1e94a},
    {0xe0001, 0xe01ef},
};
static const struct wrange wide_ranges[] = {
    {0x1100, 0x115f},   {0x231a, 0x231b},   {0x2329, 0x232a},
    {0x23e9, 0x23ec},   {0x23f0, 0x23f0},   {0x23f3, 0x23f3},
    {0x25fd, 0x25fe},   {0x2614, 0x2615},   {0x2648, 0x2653},
    {0x267f, 0x267f},   {0x2693, 0x2693},   {0x26a1, 0x26a1},
    {0x26aa, 0x26ab},   {0x26bd, 0x26be},   {0x26c4, 0x26c5},
    {0x26ce, 0x26ce},   {0x26d4, 0x26d4},   {0x26ea, 0x26ea},
    {0x26f2, 0x26f3},   {0x26f5, 0x26f5},   {0x26fa, 0x26fa},
    {0x26fd, 0x26fd},   {0x2705, 0x2705},   {0x270a, 0x270b},
    {0x2728, 0x2728},   {0x274c, 0x274c},   {0x274e, 0x274e},
    {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
    {0x27b0, 0x27b0},   {0x27bf, 0x27bf},   {0x2b1b, 0x2b1c},
    {0x2b50, 0x2b50},   {0x2b55, 0x2b55},   {0x2e80, 0x3029},
    {0x302e, 0x303e},   {0x3041, 0x3096},   {0x309b, 0x3247},
    {0x3250, 0x4dbf},   {0x4e00, 0xa4c6},   {0xa960, 0xa97c},
    {0xac00, 0xd7a3},   {0xf900, 0xfad9},   {0xfe10, 0xfe19},
    {0xfe30, 0xfe6b},   {0xff01, 0xff60},   {0xffe0, 0xffe6},
    {0x16fe0, 0x16fe3}, {0x16ff0, 0x1b2fb}, {0x1f004, 0x1f004},
    {0x1f0cf, 0x1f0cf}, {0x1f18e, 0x1f18e}, {0x1f191, 0x1f19a},
    {0x1f200, 0x1f320}, {0x1f32d, 0x1f335}, {0x1f337, 0x1f37c},
    {0x1f37e, 0x1f393}, {0x1f3a0, 0x1f3ca}, {0x1f3cf, 0x1f3d3},
    {0x1f3e0, 0x1f3f0}, {0x1f3f4, 0x1f3f4}, {0x1f3f8, 0x1f43e},
    {0x1f440, 0x1f440}, {0x1f442, 0x1f4fc}, {0x1f4ff, 0x1f53d},
    {0x1f54b, 0x1f54e}, {0x1f550, 0x1f567}, {0x1f57a, 0x1f57a},
    {0x1f595, 0x1f596}, {0x1f5a4, 0x1f5a4}, {0x1f5fb, 0x1f64f},
    {0x1f680, 0x1f6c5}, {0x1f6cc, 0x1f6cc}, {0x1f6d0, 0x1f6d2},
    {0x1f6d5, 0x1f6df}, {0x1f6eb, 0x1f6ec}, {0x1f6f4, 0x1f6fc},
    {0x1f7e0, 0x1f7f0}, {0x1f90c, 0x1f93a}, {0x1f93c, 0x1f945},
    {0x1f947, 0x1f9ff}, {0x1fa70, 0x1faf6}, {0x20000, 0x3134a},
};

static int
r_in(const struct wrange *t, size_t n, uint32_t c)
{
  size_t lo = 0, hi = n;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;

    if (c < t[mid].lo)
      hi = mid;
    else if (c > t[mid].hi)
      lo = mid + 1;
    else
      return 1;
  }
  return 0;
}

static size_t
r_cpwidth(uint32_t c)
{
  if (c < 0x20 || (c >= 0x7f && c < 0xa0))
    return 0;
  if (c < 0x300)
    return 1;
  if (r_in(zero_width_ranges,
           sizeof(zero_width_ranges) / sizeof(zero_width_ranges[0]), c))
    return 0;
  if (r_in(wide_ranges, sizeof(wide_ranges) / sizeof(wide_ranges[0]), c))
    return 2;
  return 1;
}

static int
r_is_wide(uint32_t c)
{
  return c >= 0x1100 && r_cpwidth(c) == 2;
}

size_t
render_text_width(const char *utf8, size_t len)
{
  const unsigned char *s = (const unsigned char *)utf8;
  size_t w = 0, i = 0, k;
  uint32_t c;

  while (i < len) {
    if (s[i] < 0x80) {
      w += s[i] >= 0x20 && s[i] != 0x7f;
      i++;
      continue;
    }
    k = r_decode(s + i, len - i, &c);
    if (k == 0) {
      w++;
      i++;
      continue;
    }
    w += r_cpwidth(c);
    i += k;
  }
  return w;
}

/* ---- Wrapping
 * --------------------------------------------------------------- */

/* Line breaking around CJK text (a simplified UAX #14): a line may break
 * between two characters when either is wide, except before closing
 * punctuation and small kana and after opening punctuation. */
static int
r_no_break_before(uint32_t c)
{
  static const uint32_t cl[] = {
      ')',    ',',    '.',    ':',    ';',    '?',    ']',    '}',    '!',
      '%',    0x2019, 0x201d, 0x2025, 0x2026, 0x3001, 0x3002, 0x3005, 0x3009,
      0x300b, 0x300d, 0x300f, 0x3011, 0x3015, 0x3017, 0x3019, 0x301c, 0x301f,
      0x3041, 0x3043, 0x3045, 0x3047, 0x3049, 0x3063, 0x3083, 0x3085, 0x3087,
      0x308e, 0x309d, 0x309e, 0x30a1, 0x30a3, 0x30a5, 0x30a7, 0x30a9, 0x30c3,
      0x30e3, 0x30e5, 0x30e7, 0x30ee, 0x30f5, 0x30f6, 0x30fb, 0x30fc, 0x30fd,
      0x30fe, 0xff01, 0xff09, 0xff0c, 0xff0e, 0xff1a, 0xff1b, 0xff1f, 0xff3d,
      0xff5d, 0xff70};

  for (size_t i = 0; i < sizeof(cl) / sizeof(cl[0]); i++)
    if (cl[i] == c)
      return 1;
  return r_cpwidth(c) == 0;
}

static int
r_no_break_after(uint32_t c)
{
  static const uint32_t op[] = {'(',    '[',    '{',    0x2018, 0x201c, 0x3008,
                                0x300a, 0x300c, 0x300e, 0x3010, 0x3014, 0x3016,
                                0x3018, 0x301d, 0xff08, 0xff3b, 0xff5b};

  for (size_t i = 0; i < sizeof(op) / sizeof(op[0]); i++)
    if (op[i] == c)
      return 1;
  return 0;
}

static int
r_cjk_break(uint32_t a, uint32_t b)
{
  return (r_is_wide(a) || r_is_wide(b)) && !r_no_break_before(b) &&
         !r_no_break_after(a);
}

/* The wrapper sees a paragraph as chunks between spaces; a chunk may
 * hold glue and CJK break points. It hands finished lines to `emit`. */
struct wrap {
  size_t avail_first, avail_rest; /* columns for content */
  int markers;                    /* T_GLUE, T_BRK, T_DISP are markers */
  enum sm_status (*emit)(void *ctx, const char *line, size_t len, int disp);
  void *ctx;
  struct buf *line; /* the line being filled (the caller's, reused) */
  size_t linew;     /* its width */
  size_t maxw;      /* widest line emitted */
  int first;        /* no line emitted yet */
  int disp;         /* inside display math: 4 columns less */
  enum sm_status st;
};

static size_t
w_avail(const struct wrap *w)
{
  size_t a = w->first ? w->avail_first : w->avail_rest;

  if (w->disp)
    a = a > 4 + 8 ? a - 4 : 8;
  return a ? a : 1;
}

static void
w_flush(struct wrap *w)
{
  if (w->st != SM_OK || w->line->len == 0)
    return;
  w->st = w->emit(w->ctx, w->line->data, w->line->len, w->disp);
  if (w->linew > w->maxw)
    w->maxw = w->linew;
  w->first = 0;
  buf_reset(w->line);
  w->linew = 0;
}

/* Appends p[0..n) to the line, glue as spaces. */
static void
w_put(struct wrap *w, const char *p, size_t n, size_t width)
{
  size_t i, j;

  for (i = 0; i < n && w->st == SM_OK; i = j + 1) {
    for (j = i; j < n && p[j] != T_GLUE; j++)
      ;
    w->st = buf_append(w->line, p + i, j - i);
    if (j < n && w->st == SM_OK)
      w->st = buf_putc(w->line, ' ');
  }
  w->linew += width;
}

/* Width of a chunk; *breaks is set if it holds glue or a CJK break. */
static size_t
w_measure(const struct wrap *w, const char *p, size_t n, int *glue, int *cjk)
{
  const unsigned char *s = (const unsigned char *)p;
  size_t width = 0, i = 0, k;
  uint32_t c, prev = 0;

  *glue = *cjk = 0;
  while (i < n) {
    if (w->markers && s[i] == T_GLUE) {
      *glue = 1;
      width++;
      i++;
      prev = 0;
      continue;
    }
    if (s[i] < 0x80 && prev < 0x1100) {
      /* ASCII after a narrow character: one column, no CJK break. */
      width += s[i] >= 0x20 && s[i] != 0x7f;
      prev = s[i++];
      continue;
    }
    k = r_decode(s + i, n - i, &c);
    if (k == 0) {
      c = 0xfffd;
      k = 1;
    }
    if (prev && r_cjk_break(prev, c))
      *cjk = 1;
    width += r_cpwidth(c);
    prev = c;
    i += k;
  }
  return width;
}

/* Places a chunk piece by piece, breaking at glue (a space) and at CJK
 * break points (nothing) wherever the line is full. */
static void
w_pieces(struct wrap *w, const char *p, size_t n, int gap)
{
  const unsigned char *s = (const unsigned char *)p;
  size_t i = 0, start = 0, pw = 0, k;
  uint32_t c, prev = 0;
  int pgap = gap;

  while (i <= n && w->st == SM_OK) {
    int cut = 0, glue = 0;

    if (i == n) {
      cut = 1;
    } else if (w->markers && s[i] == T_GLUE) {
      cut = glue = 1;
    } else {
      k = r_decode(s + i, n - i, &c);
      if (k == 0) {
        c = 0xfffd;
        k = 1;
      }
      if (prev && r_cjk_break(prev, c))
        cut = 1;
    }
    if (cut && i > start) {
      if (w->line->len && w->linew + (size_t)pgap + pw > w_avail(w))
        w_flush(w);
      if (w->line->len && pgap)
        w_put(w, " ", 1, 1);
      w_put(w, p + start, i - start, pw);
      pw = 0;
      pgap = 0;
      start = i;
    }
    if (i == n)
      break;
    if (glue) {
      pgap = 1;
      prev = 0;
      i++;
      start = i;
      continue;
    }
    pw += r_cpwidth(c);
    prev = c;
    i += k;
  }
}

static void
w_chunk(struct wrap *w, const char *p, size_t n, int gap)
{
  int glue, cjk;
  size_t width = w_measure(w, p, n, &glue, &cjk);
  size_t avail = w_avail(w);

  if (w->line->len == 0) {
    if (width <= avail || (!glue && !cjk))
      w_put(w, p, n, width);
    else
      w_pieces(w, p, n, 0);
    return;
  }
  if (w->linew + (size_t)gap + width <= avail) {
    if (gap)
      w_put(w, " ", 1, 1);
    w_put(w, p, n, width);
  } else if (cjk) {
    w_pieces(w, p, n, gap);
  } else if (width <= avail || !glue) {
    /* Glue holds "text [1]" together: move the chunk whole when it fits
     * a line of its own. */
    w_flush(w);
    w_put(w, p, n, width);
  } else {
    w_pieces(w, p, n, gap);
  }
}

static int
w_is_space(int c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Wraps s[0..n); returns the status, w->maxw is the widest line. */
static enum sm_status
w_run(struct wrap *w, const char *s, size_t n)
{
  size_t i = 0, j;
  int gap = 0;

  buf_reset(w->line);
  w->linew = w->maxw = 0;
  w->first = 1;
  w->disp = 0;
  w->st = SM_OK;
  while (i < n && w->st == SM_OK) {
    unsigned char c = (unsigned char)s[i];

    if (c != ' ' && w_is_space(c)) {
      c = ' ';
    }
    if (c == ' ') {
      gap = 1;
      i++;
      continue;
    }
    if (w->markers && (c == T_BRK || c == T_DISP)) {
      w_flush(w);
      w->disp = c == T_DISP;
      gap = 0;
      i++;
      continue;
    }
    if (c < 0x20 || c == 0x7f) {
      i++; /* control characters have no place in a mail body */
      continue;
    }
    for (j = i; j < n; j++) {
      c = (unsigned char)s[j];
      if (c > ' ' && c != 0x7f)
        continue; /* the common case: part of a word */
      if (c == ' ' || c == 0x7f || !(w->markers && c == T_GLUE))
        break;
    }
    w_chunk(w, s + i, j - i, gap);
    gap = 0;
    i = j;
  }
  w_flush(w);
  return w->st;
}

struct wrap_plain {
  struct buf *out;
  const char *first_prefix, *prefix;
  int first;
};

static enum sm_status
wrap_plain_emit(void *ctx, const char *line, size_t len, int disp)
{
  struct wrap_plain *wp = ctx;
  const char *pfx = wp->first ? wp->first_prefix : wp->prefix;
  enum sm_status st;

  wp->first = 0;
  st = buf_puts(wp->out, pfx);
  if (st == SM_OK)
    st = buf_append(wp->out, line, len);
  if (st == SM_OK)
    st = buf_putc(wp->out, '\n');
  return st;
}

static size_t
r_avail(size_t width, const char *prefix)
{
  size_t pw = render_text_width(prefix, strlen(prefix));

  return pw + 1 < width ? width - pw : 1;
}

enum sm_status
render_wrap(const char *utf8, size_t len, size_t width,
            const char *first_prefix, const char *prefix, struct buf *out)
{
  struct buf line = BUF_INIT(R_SCRATCH_MAX);
  struct wrap_plain wp;
  struct wrap w;
  enum sm_status st;

  if (width == 0)
    width = RENDER_DEFAULT_WIDTH;
  wp.out = out;
  wp.first_prefix = first_prefix ? first_prefix : "";
  wp.prefix = prefix ? prefix : "";
  wp.first = 1;
  memset(&w, 0, sizeof(w));
  w.avail_first = r_avail(width, wp.first_prefix);
  w.avail_rest = r_avail(width, wp.prefix);
  w.emit = wrap_plain_emit;
  w.ctx = &wp;
  w.line = &line;
  st = w_run(&w, utf8, len);
  buf_free(&line);
  return st;
}

/* ---- The document being rendered -----------------------------------------
 */

struct rmath {
  size_t src, srclen; /* the formula with its delimiters, in r->src */
  size_t tex, texlen; /* the TeX inside them */
  size_t uni, unilen; /* what to show, in r->mathtext */
  int display;
  int complete;
};

struct render {
  const struct render_opts *o;
  struct buf src;     /* the cleaned markdown */
  struct buf md;      /* the same with placeholders for the math */
  struct rmath *math; /* the formulas, in order */
  size_t nmath, mathcap;
  struct buf mathtext; /* their Unicode (or original) text */
  cmark_node *root;
  size_t nlinks; /* links and images left after the fixes */
  int was_cut;
  struct buf tmp; /* scratch */
  int charrefs;   /* the source has "&#": cmark may decode those to
                     control characters or noncharacters */
};

/* Copies the input as valid UTF-8 (an invalid byte becomes U+FFFD) with
 * no control characters but tab and line ends (NUL becomes U+FFFD as
 * CommonMark says) and no U+FDD0-U+FDEF, which we use ourselves. */
static enum sm_status
r_clean(const char *in, size_t n, struct buf *dst)
{
  const unsigned char *s = (const unsigned char *)in;
  size_t i = 0, run = 0, k;
  enum sm_status st = SM_OK;
  uint32_t c;

  while (i < n && st == SM_OK) {
    if (s[i] >= 0x20 && s[i] < 0x7f) {
      i++;
      continue;
    }
    if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
      i++;
      continue;
    }
    if (s[i] >= 0x80) {
      k = r_decode(s + i, n - i, &c);
      if (k && !(c >= 0x80 && c < 0xa0) && !(c >= 0xfdd0 && c <= 0xfdef)) {
        i += k;
        continue;
      }
    } else {
      k = 1;
      c = s[i];
    }
    /* s[i] needs replacing: flush the good run first. */
    st = buf_append(dst, in + run, i - run);
    if (st == SM_OK && (k == 0 || c == 0 || c >= 0xfdd0))
      st = buf_append(dst, "\xef\xbf\xbd", 3);
    i += k ? k : 1;
    run = i;
  }
  if (st == SM_OK)
    st = buf_append(dst, in + run, n - run);
  return st;
}

/* Whether s[0..n) contains needle. glibc's memmem is general and slow
 * for the short needles here; memchr finds the rare first byte fast. */
static int
r_contains(const char *s, size_t n, const char *needle)
{
  size_t k = strlen(needle);
  const char *p = s, *end = s + n;

  while ((size_t)(end - p) >= k &&
         (p = memchr(p, needle[0], (size_t)(end - p) - k + 1)) != NULL) {
    if (memcmp(p, needle, k) == 0)
      return 1;
    p++;
  }
  return 0;
}

/* ---- Finding math in the source ----------------------------------------- */

/* Byte ranges of the source that are code or HTML blocks, in order. */
struct skip {
  size_t *lo, *hi;
  size_t n, cap;
};

struct scan {
  const char *s;
  size_t n;
  struct skip sk;
  size_t nextskip; /* first skip range not yet passed */
  /* Where a failed search for a closing delimiter stopped: a later
   * search of the same kind that starts before that point fails too. */
  size_t miss_dollar, miss_ddollar, miss_paren, miss_bracket;
  size_t miss_tick[65]; /* by backtick run length */
};

static enum sm_status
skip_add(struct skip *sk, size_t lo, size_t hi)
{
  if (sk->n == sk->cap) {
    size_t ncap = sk->cap ? sk->cap * 2 : 16;
    size_t *nlo = realloc(sk->lo, ncap * sizeof(*nlo));

    if (!nlo)
      return SM_ERR_NOMEM;
    sk->lo = nlo;
    nlo = realloc(sk->hi, ncap * sizeof(*nlo));
    if (!nlo)
      return SM_ERR_NOMEM;
    sk->hi = nlo;
    sk->cap = ncap;
  }
  sk->lo[sk->n] = lo;
  sk->hi[sk->n] = hi;
  sk->n++;
  return SM_OK;
}

/* Where line `line` (1-based, as cmark counts: \n, \r\n and \r end a
 * line) starts, scanning on from (*pos, *cur). */
static size_t
r_line_start(const char *s, size_t n, size_t *pos, int *cur, int line)
{
  size_t i = *pos;

  while (*cur < line && i < n) {
    if (s[i] == '\n' || s[i] == '\r') {
      if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
        i++;
      (*cur)++;
    }
    i++;
  }
  *pos = i;
  return i;
}

/* Parses the source once to learn which lines are code or HTML blocks;
 * math is never looked for there. */
static enum sm_status
r_find_code(struct scan *sc)
{
  cmark_node *doc = cmark_parse_document(sc->s, sc->n, CMARK_OPT_DEFAULT);
  cmark_iter *it = NULL;
  cmark_event_type ev;
  enum sm_status st = SM_OK;
  size_t pos = 0;
  int cur = 1;

  if (!doc)
    return SM_ERR_NOMEM;
  it = cmark_iter_new(doc);
  if (!it) {
    st = SM_ERR_NOMEM;
    goto done;
  }
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE && st == SM_OK) {
    cmark_node *nd = cmark_iter_get_node(it);
    cmark_node_type t = cmark_node_get_type(nd);
    size_t lo, hi;

    if (ev != CMARK_EVENT_ENTER ||
        (t != CMARK_NODE_CODE_BLOCK && t != CMARK_NODE_HTML_BLOCK))
      continue;
    /* Blocks come in source order, so one forward scan serves all. */
    lo = r_line_start(sc->s, sc->n, &pos, &cur, cmark_node_get_start_line(nd));
    hi = r_line_start(sc->s, sc->n, &pos, &cur,
                      cmark_node_get_end_line(nd) + 1);
    st = skip_add(&sc->sk, lo, hi);
  }
done:
  cmark_iter_free(it);
  cmark_node_free(doc);
  return st;
}

static int
r_is_blankc(int c)
{
  return c == ' ' || c == '\t';
}

static int
r_is_eol(int c)
{
  return c == '\n' || c == '\r';
}

static int
r_is_digit(int c)
{
  return c >= '0' && c <= '9';
}

/* Whether the line starting at i begins a new block (blank line, heading,
 * quote, list item) or a code block: math does not continue into it. */
static int
r_barrier_line(const struct scan *sc, size_t i)
{
  const char *s = sc->s;
  size_t n = sc->n, k = 0, d;

  for (size_t j = sc->nextskip; j < sc->sk.n && sc->sk.lo[j] <= i; j++)
    if (sc->sk.hi[j] > i)
      return 1;
  while (k < 3 && i < n && s[i] == ' ')
    i++, k++;
  for (d = i; d < n && r_is_blankc((unsigned char)s[d]); d++)
    ;
  if (d >= n || r_is_eol(s[d]))
    return 1; /* blank */
  if (s[i] == '#' || s[i] == '>')
    return 1;
  if (s[i] == '-' || s[i] == '*' || s[i] == '+')
    return i + 1 >= n || r_is_blankc(s[i + 1]) || r_is_eol(s[i + 1]);
  for (d = 0; d < 9 && i + d < n && r_is_digit((unsigned char)s[i + d]); d++)
    ;
  if (d > 0 && i + d < n && (s[i + d] == '.' || s[i + d] == ')'))
    return i + d + 1 >= n || r_is_blankc(s[i + d + 1]) ||
           r_is_eol(s[i + d + 1]);
  return 0;
}

/* Whether i is a line end after which the paragraph goes on. */
static int
r_continues(const struct scan *sc, size_t *i)
{
  size_t j = *i;

  if (sc->s[j] == '\r' && j + 1 < sc->n && sc->s[j + 1] == '\n')
    j++;
  j++;
  if (j >= sc->n || r_barrier_line(sc, j))
    return 0;
  *i = j - 1;
  return 1;
}

static int
r_escaped(const char *s, size_t i, size_t from)
{
  size_t k = 0;

  while (i > from && s[i - 1] == '\\')
    i--, k++;
  return k % 2 == 1;
}

/* Looks for the closing delimiter of kind `kind` from `from` to the end
 * of the paragraph; returns its offset, or (size_t)-1 and remembers how
 * far the search went in *miss. */
enum closer { C_DOLLAR, C_DDOLLAR, C_PAREN, C_BRACKET };

static size_t
r_find_closer(struct scan *sc, size_t from, enum closer kind, size_t *miss)
{
  const char *s = sc->s;
  size_t i;

  if (from < *miss)
    return (size_t)-1;
  for (i = from; i < sc->n; i++) {
    char c = s[i];

    if (r_is_eol(c)) {
      if (!r_continues(sc, &i))
        break;
      continue;
    }
    /* TeX has no use for backticks; one here starts a code span, and
     * "costs $5 … `$x$`" must not pair the price with the code. */
    if (c == '`')
      break;
    switch (kind) {
    case C_DOLLAR:
      if (c == '$' && !r_is_blankc(s[i - 1]) && !r_is_eol(s[i - 1]) &&
          !r_escaped(s, i, from) && !(i + 1 < sc->n && r_is_digit(s[i + 1])))
        return i;
      break;
    case C_DDOLLAR:
      if (c == '$' && i + 1 < sc->n && s[i + 1] == '$' &&
          !r_escaped(s, i, from))
        return i;
      break;
    case C_PAREN:
      if (c == '\\' && i + 1 < sc->n && s[i + 1] == ')' &&
          !r_escaped(s, i, from))
        return i;
      break;
    case C_BRACKET:
      if (c == '\\' && i + 1 < sc->n && s[i + 1] == ']' &&
          !r_escaped(s, i, from)) {
        size_t j = i + 2;

        while (j < sc->n && r_is_blankc(s[j]))
          j++;
        if (j >= sc->n || r_is_eol(s[j]))
          return i;
      }
      break;
    }
    if (c == '\\' && i + 1 < sc->n && !r_is_eol(s[i + 1]))
      i++; /* an escaped character is never a delimiter */
  }
  *miss = i;
  return (size_t)-1;
}

/* A code span: `from` is the start of a backtick run of length r; returns
 * the end of the closing run, or `from` + r when there is none. */
static size_t
r_code_span(struct scan *sc, size_t from, size_t r)
{
  const char *s = sc->s;
  size_t i = from + r, k;

  /* Very long runs are not worth remembering; cmark would make them
   * code spans only with an equally long closer. */
  if (r > 64 || i < sc->miss_tick[r])
    return from + r;
  while (i < sc->n) {
    if (r_is_eol(s[i])) {
      if (!r_continues(sc, &i))
        break;
      i++;
      continue;
    }
    if (s[i] != '`') {
      i++;
      continue;
    }
    for (k = 0; i + k < sc->n && s[i + k] == '`'; k++)
      ;
    if (k == r)
      return i + k;
    i += k;
  }
  sc->miss_tick[r] = i;
  return from + r;
}

/* An autolink <scheme:…> on one line: its end, or `from` when it is none. */
static size_t
r_autolink(const struct scan *sc, size_t from)
{
  const char *s = sc->s;
  size_t i = from + 1, k = 0;

  while (i < sc->n && k < 32 &&
         ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
          (k > 0 &&
           (r_is_digit(s[i]) || s[i] == '+' || s[i] == '.' || s[i] == '-'))))
    i++, k++;
  if (k < 2 || i >= sc->n || s[i] != ':')
    return from;
  for (; i < sc->n; i++) {
    unsigned char c = (unsigned char)s[i];

    if (c == '>')
      return i + 1;
    if (c <= ' ' || c == '<')
      return from;
  }
  return from;
}

static enum sm_status
r_add_math(struct render *r, size_t src, size_t srclen, size_t tex,
           size_t texlen, int display)
{
  struct rmath *m;

  if (r->nmath == r->mathcap) {
    size_t ncap = r->mathcap ? r->mathcap * 2 : 16;

    m = realloc(r->math, ncap * sizeof(*m));
    if (!m)
      return SM_ERR_NOMEM;
    r->math = m;
    r->mathcap = ncap;
  }
  m = &r->math[r->nmath++];
  memset(m, 0, sizeof(*m));
  m->src = src;
  m->srclen = srclen;
  m->tex = tex;
  m->texlen = texlen;
  m->display = display;
  return SM_OK;
}

/* Whether s might hold a code block: a fence, or a line indented by 4
 * columns or more (inside quotes too) after a blank line, a heading, a
 * rule or at the start, which is where an indented code block can
 * begin. Tight nested lists do not count, and most summaries have
 * neither, so they are parsed once instead of twice. Errs on the side of
 * "maybe". */
static int
r_maybe_code(const char *s, size_t n)
{
  size_t i = 0;
  int prev_open = 1; /* the previous line lets indented code start */

  if (r_contains(s, n, "```") || r_contains(s, n, "~~~"))
    return 1;
  while (i < n) {
    size_t col = 0, j = i;
    int blank;
    char c;

    /* Quote markers, then the indentation. */
    for (;;) {
      while (j < n && (s[j] == ' ' || s[j] == '\t')) {
        col = s[j] == '\t' ? (col + 4) & ~(size_t)3 : col + 1;
        j++;
      }
      if (j < n && s[j] == '>' && col < 4) {
        j++;
        col = 0;
        continue;
      }
      break;
    }
    blank = j >= n || r_is_eol(s[j]);
    if (!blank && col >= 4 && prev_open)
      return 1;
    c = j < n ? s[j] : '\0';
    /* After a blank line, an ATX heading, a line of -, =, * or _ (a
     * rule or a setext underline) or HTML, indented code may start. */
    prev_open = blank || (col < 4 && (c == '#' || c == '-' || c == '=' ||
                                      c == '*' || c == '_' || c == '<'));
    while (j < n && !r_is_eol(s[j]))
      j++;
    if (j < n && s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')
      j++;
    i = j + 1;
  }
  return 0;
}

/* Whether only white space and '>' precede i on its line. */
static int
r_line_lead(const char *s, size_t i)
{
  while (i > 0 && !r_is_eol(s[i - 1])) {
    i--;
    if (!r_is_blankc(s[i]) && s[i] != '>')
      return 0;
  }
  return 1;
}

/* ---- Citations ------------------------------------------------------------
 */

#define R_CITE_MAX 1024 /* the longest \cite{...} taken as one */

/* Where "\cite{...}" at s[i] ends (past its '}'), or 0 when there is
 * none: the keys are on one line, not empty, without markup. */
static size_t
r_cite_end(const char *s, size_t n, size_t i)
{
  size_t j;

  if (n - i < 8 || memcmp(s + i, "\\cite{", 6))
    return 0;
  for (j = i + 6; j < n && j - i < R_CITE_MAX; j++) {
    char c = s[j];
    if (c == '}')
      return j > i + 6 ? j + 1 : 0;
    if (c == '\n' || c == '\r' || c == '[' || c == ']' || c == '(' ||
        c == ')' || c == '<' || c == '>' || c == '{' || c == '\\' ||
        c == '`' || c == '$')
      return 0;
  }
  return 0;
}

/* Appends text as markdown that reads as exactly that text (every ASCII
 * punctuation character escaped, line ends and control characters made
 * spaces, our placeholder characters dropped). */
static enum sm_status
r_md_text(const char *t, size_t n, struct buf *dst)
{
  enum sm_status st = SM_OK;

  for (size_t i = 0; i < n && st == SM_OK; i++) {
    unsigned char c = (unsigned char)t[i];
    if (c == 0xEF && i + 2 < n && (unsigned char)t[i + 1] == 0xB7 &&
        (unsigned char)t[i + 2] >= 0x90 && (unsigned char)t[i + 2] <= 0xAF) {
      i += 2;
      continue;
    }
    if (c < 0x20 || c == 0x7f)
      st = buf_putc(dst, ' ');
    else if ((c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
             (c >= '[' && c <= '`') || (c >= '{' && c <= '~'))
      st = buf_printf(dst, "\\%c", c);
    else
      st = buf_putc(dst, (char)c);
  }
  return st;
}

/* The keys of one \cite (k bytes at keys, comma-separated) as markdown
 * links to the papers' pages, into r->md. */
static enum sm_status
r_cite(struct render *r, const char *keys, size_t k)
{
  static const char hex[] = "0123456789ABCDEF";
  enum sm_status st = SM_OK;
  char key[R_CITE_MAX];
  const char *base = r->o->base_url ? r->o->base_url : "";
  size_t a = 0, nkeys = 0, blen = strlen(base);

  while (blen > 0 && base[blen - 1] == '/')
    blen--;

  while (a < k && st == SM_OK) {
    size_t b = a, e, kl = 0;
    const char *title = NULL;

    while (b < k && keys[b] != ',')
      b++;
    e = b;
    while (a < e && (keys[a] == ' ' || keys[a] == '\t'))
      a++;
    while (e > a && (keys[e - 1] == ' ' || keys[e - 1] == '\t'))
      e--;
    if (e > a) {
      memcpy(key, keys + a, e - a);
      kl = e - a;
      key[kl] = '\0';
      if (r->o->cite_title)
        title = r->o->cite_title(r->o->cite_ctx, key);
      st = buf_puts(&r->md, nkeys++ ? ", [" : "[");
      if (st == SM_OK)
        st =
            r_md_text(title ? title : key, title ? strlen(title) : kl, &r->md);
      if (st == SM_OK)
        st = buf_printf(&r->md, "](%.*s/paper?bibtexKey=", (int)blen, base);
      for (size_t i = 0; i < kl && st == SM_OK; i++) {
        unsigned char c = (unsigned char)key[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || strchr("-._~/:", c))
          st = buf_putc(&r->md, (char)c);
        else
          st = buf_printf(&r->md, "%%%c%c", hex[c >> 4], hex[c & 15]);
      }
      if (st == SM_OK)
        st = buf_putc(&r->md, ')');
    }
    a = b + 1;
  }
  return st;
}

/* Finds the formulas in r->src and writes r->md with placeholders. */
static enum sm_status
r_scan_math(struct render *r)
{
  struct scan sc;
  const char *s = r->src.data;
  size_t n = r->src.len, i = 0, copied = 0, open, close, t0, t1;
  enum sm_status st = SM_OK;
  int display;
  char ph[40];

  memset(&sc, 0, sizeof(sc));
  sc.s = s;
  sc.n = n;
  /* Most summaries have no math: nothing to do for them. */
  if (!memchr(s, '$', n) && !memchr(s, '\\', n))
    return buf_append(&r->md, s, n);
  if (r_maybe_code(s, n))
    st = r_find_code(&sc);
  while (i < n && st == SM_OK) {
    size_t lim = sc.nextskip < sc.sk.n ? sc.sk.lo[sc.nextskip] : n;
    char c;

    /* Only these bytes can start anything we look for. */
    while (i < lim && s[i] != '$' && s[i] != '\\' && s[i] != '`' &&
           s[i] != '<')
      i++;
    if (i >= n)
      break;
    c = s[i];
    if (sc.nextskip < sc.sk.n && i >= sc.sk.lo[sc.nextskip]) {
      if (i < sc.sk.hi[sc.nextskip])
        i = sc.sk.hi[sc.nextskip];
      sc.nextskip++;
      continue;
    }
    open = i;
    close = (size_t)-1;
    display = 0;
    if (c == '\\') {
      char d = i + 1 < n ? s[i + 1] : '\0';
      size_t e = r_cite_end(s, n, i);

      if (e) {
        st = buf_append(&r->md, s + copied, i - copied);
        if (st == SM_OK)
          st = r_cite(r, s + i + 6, e - i - 7);
        copied = i = e;
        continue;
      }
      if (d == '(') {
        close = r_find_closer(&sc, i + 2, C_PAREN, &sc.miss_paren);
      } else if (d == '[' && r_line_lead(s, i)) {
        close = r_find_closer(&sc, i + 2, C_BRACKET, &sc.miss_bracket);
        display = 1;
      }
      if (close == (size_t)-1) {
        i += (d > ' ' && d < 0x7f) ? 2 : 1;
        continue;
      }
      t0 = i + 2;
      t1 = close;
      close += 2;
    } else if (c == '$' && i + 1 < n && s[i + 1] == '$') {
      close = r_find_closer(&sc, i + 2, C_DDOLLAR, &sc.miss_ddollar);
      if (close == (size_t)-1) {
        i += 2;
        continue;
      }
      t0 = i + 2;
      t1 = close;
      close += 2;
      display = 1;
    } else if (c == '$') {
      if (i + 1 >= n || r_is_blankc(s[i + 1]) || r_is_eol(s[i + 1]))
        close = (size_t)-1;
      else
        close = r_find_closer(&sc, i + 1, C_DOLLAR, &sc.miss_dollar);
      if (close == (size_t)-1) {
        i++;
        continue;
      }
      t0 = i + 1;
      t1 = close;
      close += 1;
    } else if (c == '`') {
      size_t k = 0;

      while (i + k < n && s[i + k] == '`')
        k++;
      i = r_code_span(&sc, i, k);
      continue;
    } else if (c == '<') {
      size_t e = r_autolink(&sc, i);

      i = e > i ? e : i + 1;
      continue;
    } else {
      i++;
      continue;
    }
    /* An empty display formula is not one. */
    while (t0 < t1 && (r_is_blankc(s[t0]) || r_is_eol(s[t0])))
      t0++;
    while (t1 > t0 && (r_is_blankc(s[t1 - 1]) || r_is_eol(s[t1 - 1])))
      t1--;
    if (t0 == t1) {
      i = close;
      continue;
    }
    st = buf_append(&r->md, s + copied, open - copied);
    if (st == SM_OK)
      st = r_add_math(r, open, close - open, t0, t1 - t0, display);
    snprintf(ph, sizeof(ph), PH_OPEN "%zu" PH_CLOSE, r->nmath - 1);
    if (st == SM_OK)
      st = buf_puts(&r->md, ph);
    copied = i = close;
  }
  if (st == SM_OK)
    st = buf_append(&r->md, s + copied, n - copied);
  free(sc.sk.lo);
  free(sc.sk.hi);
  return st;
}

/* Converts every formula once; both renderings use the result. */
static enum sm_status
r_convert_math(struct render *r)
{
  enum sm_status st = SM_OK;

  for (size_t k = 0; k < r->nmath && st == SM_OK; k++) {
    struct rmath *m = &r->math[k];
    int complete = 0;

    m->uni = r->mathtext.len;
    st = render_math(r->src.data + m->tex, m->texlen, &r->mathtext, &complete);
    if (st != SM_OK)
      break;
    m->complete = complete;
    if (!complete) {
      /* Shown as written, delimiters and all, so it reads as TeX. */
      r->mathtext.len = m->uni;
      st = buf_append(&r->mathtext, r->src.data + m->src, m->srclen);
    }
    m->unilen = r->mathtext.len - m->uni;
  }
  return st;
}

/* Finds the next placeholder in s[*pos..n): returns 1 with the text
 * before it as [*pos, *at), the formula index in *idx and *pos after it;
 * returns 0 when there is none (the rest is text). A malformed one (from
 * a character reference in the input) counts as text. */
static int
r_next_ph(const struct render *r, const char *s, size_t n, size_t *pos,
          size_t *at, size_t *idx)
{
  size_t i = *pos;

  while (i + PH_LEN <= n) {
    const char *p = memchr(s + i, '\xef', n - i);
    size_t j, v = 0;

    if (!p || (size_t)(p - s) + PH_LEN > n)
      break;
    i = (size_t)(p - s);
    if (memcmp(p, PH_OPEN, PH_LEN) != 0) {
      i++;
      continue;
    }
    for (j = i + PH_LEN; j < n && r_is_digit(s[j]) && j - i < PH_LEN + 9; j++)
      v = v * 10 + (size_t)(s[j] - '0');
    if (j > i + PH_LEN && j + PH_LEN <= n &&
        memcmp(s + j, PH_CLOSE, PH_LEN) == 0 && v < r->nmath) {
      *at = i;
      *idx = v;
      *pos = j + PH_LEN;
      return 1;
    }
    i++;
  }
  *at = n;
  return 0;
}

/* Appends s[0..n) with each placeholder put back to its source text. */
static enum sm_status
r_unplace(const struct render *r, const char *s, size_t n, struct buf *dst)
{
  size_t pos = 0, at, idx;
  enum sm_status st = SM_OK;

  while (st == SM_OK) {
    size_t from = pos;
    int found = r_next_ph(r, s, n, &pos, &at, &idx);

    st = buf_append(dst, s + from, at - from);
    if (!found || st != SM_OK)
      break;
    st = buf_append(dst, r->src.data + r->math[idx].src, r->math[idx].srclen);
  }
  return st;
}

/* ---- URLs ------------------------------------------------------------------
 */

/* Length of the scheme of u (letters, digits, + - . after a letter, then
 * ':'), 0 when u has none (a relative reference). */
static size_t
r_scheme_len(const char *u, size_t n)
{
  size_t i = 0;

  if (n == 0 ||
      !((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z')))
    return 0;
  for (i = 1; i < n; i++) {
    char c = u[i];

    if (c == ':')
      return i;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || r_is_digit(c) ||
          c == '+' || c == '-' || c == '.'))
      return 0;
  }
  return 0;
}

static int
r_ieq(const char *a, size_t n, const char *lower)
{
  size_t i;

  for (i = 0; i < n && lower[i]; i++) {
    char c = a[i];

    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != lower[i])
      return 0;
  }
  return i == n && lower[i] == '\0';
}

/* Whether a destination may be used: allowed schemes only (a mail
 * reader has no business with javascript:, vbscript:, file: or any
 * scheme we do not know), data: only for common image types. */
static int
r_url_allowed(const char *u, size_t n, int image)
{
  static const char *const ok[] = {"http", "https", "mailto", "ftp", "tel"};
  static const char *const img[] = {"png", "gif", "jpeg", "webp"};
  size_t k = r_scheme_len(u, n);

  if (k == 0)
    return 1;
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
    if (r_ieq(u, k, ok[i]))
      return 1;
  if (image && r_ieq(u, k, "data") && n > 11 && r_ieq(u + 5, 6, "image/")) {
    for (size_t i = 0; i < sizeof(img) / sizeof(img[0]); i++) {
      size_t m = strlen(img[i]);

      if (n > 11 + m && r_ieq(u + 11, m, img[i]) &&
          (u[11 + m] == ';' || u[11 + m] == ','))
        return 1;
    }
  }
  return 0;
}

/* Appends path p[0..n) with "." and ".." segments removed (RFC 3986
 * 5.2.4) to dst, which already holds the part before the path. */
static enum sm_status
r_remove_dots(const char *p, size_t n, struct buf *dst)
{
  size_t base = dst->len, i = 0;
  enum sm_status st = SM_OK;

  while (i < n && st == SM_OK) {
    size_t rest = n - i, j;

    if (rest >= 3 && memcmp(p + i, "../", 3) == 0) {
      i += 3;
    } else if (rest >= 2 && memcmp(p + i, "./", 2) == 0) {
      i += 2;
    } else if (rest >= 3 && memcmp(p + i, "/./", 3) == 0) {
      i += 2;
    } else if (rest == 2 && memcmp(p + i, "/.", 2) == 0) {
      st = buf_putc(dst, '/');
      i = n;
    } else if ((rest >= 4 && memcmp(p + i, "/../", 4) == 0) ||
               (rest == 3 && memcmp(p + i, "/..", 3) == 0)) {
      /* Drop the last output segment; the "/" stays as input. */
      while (dst->len > base && dst->data[dst->len - 1] != '/')
        dst->len--;
      if (dst->len > base)
        dst->len--;
      dst->data[dst->len] = '\0';
      if (rest == 3) {
        st = buf_putc(dst, '/');
        i = n;
      } else {
        i += 3;
      }
    } else if ((rest == 1 && p[i] == '.') ||
               (rest == 2 && memcmp(p + i, "..", 2) == 0)) {
      i = n;
    } else {
      for (j = i + 1; j < n && p[j] != '/'; j++)
        ;
      st = buf_append(dst, p + i, j - i);
      i = j;
    }
  }
  return st;
}

/* Resolves the relative reference ref[0..n) against base (RFC 3986 5.2)
 * into dst. A base without a scheme leaves ref as it is. */
static enum sm_status
r_resolve(const char *base, const char *ref, size_t n, struct buf *dst)
{
  size_t bl = strlen(base), sl = r_scheme_len(base, bl), a0, a1, p1, q1;
  size_t rp;
  enum sm_status st;

  if (sl == 0)
    return buf_append(dst, ref, n);
  /* base = scheme ":" ["//" authority] path ["?" query] ["#" fragment] */
  a0 = a1 = sl + 1;
  if (bl >= sl + 3 && base[sl + 1] == '/' && base[sl + 2] == '/') {
    a0 = sl + 3;
    for (a1 = a0; a1 < bl && !strchr("/?#", base[a1]); a1++)
      ;
  }
  for (p1 = a1; p1 < bl && base[p1] != '?' && base[p1] != '#'; p1++)
    ;
  for (q1 = p1; q1 < bl && base[q1] != '#'; q1++)
    ;
  if (n >= 2 && ref[0] == '/' && ref[1] == '/') {
    st = buf_append(dst, base, sl + 1);
    return st == SM_OK ? buf_append(dst, ref, n) : st;
  }
  if (n > 0 && ref[0] == '#') {
    st = buf_append(dst, base, q1);
    return st == SM_OK ? buf_append(dst, ref, n) : st;
  }
  if (n > 0 && ref[0] == '?') {
    st = buf_append(dst, base, p1);
    return st == SM_OK ? buf_append(dst, ref, n) : st;
  }
  for (rp = 0; rp < n && ref[rp] != '?' && ref[rp] != '#'; rp++)
    ;
  st = buf_append(dst, base, a1); /* scheme and authority */
  if (st != SM_OK)
    return st;
  if (n > 0 && ref[0] == '/') {
    st = r_remove_dots(ref, rp, dst);
  } else {
    /* Merge: the base path up to its last '/', then the reference. */
    struct buf merged = BUF_INIT(R_SCRATCH_MAX);
    size_t last = p1;

    while (last > a1 && base[last - 1] != '/')
      last--;
    if (a1 > a0 && last == a1)
      st = buf_putc(&merged, '/');
    else
      st = buf_append(&merged, base + a1, last - a1);
    if (st == SM_OK)
      st = buf_append(&merged, ref, rp);
    if (st == SM_OK)
      st = r_remove_dots(merged.data, merged.len, dst);
    buf_free(&merged);
  }
  if (st == SM_OK)
    st = buf_append(dst, ref + rp, n - rp);
  return st;
}

/* The destination to use for a link or image, into dst (reset first):
 * placeholders back to source text; no control characters (browsers drop
 * tabs and line ends anywhere in a URL, so "java\tscript:" must be judged
 * as "javascript:"); no surrounding spaces; relative ones made absolute.
 * *allowed is 0 when it must not be used (also when empty). */
static enum sm_status
r_url(struct render *r, const char *url, int image, struct buf *dst,
      int *allowed)
{
  size_t i, a, b;
  enum sm_status st;

  *allowed = 0;
  buf_reset(&r->tmp);
  buf_reset(dst);
  st = r_unplace(r, url, strlen(url), &r->tmp);
  if (st != SM_OK)
    return st;
  /* Drop control characters in place. */
  for (i = a = 0; i < r->tmp.len; i++)
    if ((unsigned char)r->tmp.data[i] >= 0x20 && r->tmp.data[i] != 0x7f)
      r->tmp.data[a++] = r->tmp.data[i];
  b = a;
  a = 0;
  while (a < b && r->tmp.data[a] == ' ')
    a++;
  while (b > a && r->tmp.data[b - 1] == ' ')
    b--;
  if (a == b || !r_url_allowed(r->tmp.data + a, b - a, image))
    return buf_append(dst, "", 0);
  *allowed = 1;
  if (r_scheme_len(r->tmp.data + a, b - a) || !r->o->base_url)
    return buf_append(dst, r->tmp.data + a, b - a);
  return r_resolve(r->o->base_url, r->tmp.data + a, b - a, dst);
}

/* A URL as printed in the text: bytes that mail readers would not take
 * as part of a URL are percent-encoded. */
static enum sm_status
r_url_print(const char *u, struct buf *dst)
{
  static const char hex[] = "0123456789ABCDEF";
  enum sm_status st = SM_OK;

  for (; *u && st == SM_OK; u++) {
    unsigned char c = (unsigned char)*u;

    if (c <= ' ' || c >= 0x7f || strchr("\"<>\\^`{|}", c)) {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};

      st = buf_append(dst, e, 3);
    } else {
      st = buf_putc(dst, (char)c);
    }
  }
  return st;
}

/* ---- Fixing the tree ------------------------------------------------------
 */

enum fix_kind {
  FIX_UNWRAP, /* a link or image that may not be used: keep its text */
  FIX_DROP,   /* raw HTML, an image without a source */
  FIX_BR      /* inline <br>: a hard line break */
};

struct fix {
  cmark_node *node;
  enum fix_kind kind;
};

/* Removes control characters (from character references such as
 * "&#1;") from a literal, and turns noncharacters that are not our
 * placeholders ("&#xFDD0;") into U+FFFD; code blocks keep their line
 * ends. */
static enum sm_status
r_fix_literal(struct render *r, cmark_node *nd, int keep_nl)
{
  const char *lit = cmark_node_get_literal(nd);
  size_t i, n, pos, at, idx;
  enum sm_status st = SM_OK;
  int bad = 0;

  if (!lit || !r->charrefs)
    return SM_OK;
  n = strlen(lit);
  for (i = 0; i < n && !bad; i++) {
    unsigned char c = (unsigned char)lit[i];

    bad = (c < 0x20 && c != '\t' && !(keep_nl && c == '\n')) ||
          (c == 0xef && i + 1 < n && (unsigned char)lit[i + 1] == 0xb7);
  }
  if (!bad)
    return SM_OK;
  buf_reset(&r->tmp);
  for (i = 0; i < n && st == SM_OK;) {
    unsigned char c = (unsigned char)lit[i];

    if (c == 0xef && i + 2 < n && (unsigned char)lit[i + 1] == 0xb7) {
      /* Look only here: a placeholder is at most 3 + 9 + 3 bytes. */
      size_t lim = n - i > 2 * PH_LEN + 9 ? i + 2 * PH_LEN + 9 : n;

      pos = i;
      if (r_next_ph(r, lit, lim, &pos, &at, &idx) && at == i) {
        st = buf_append(&r->tmp, lit + i, pos - i);
        i = pos;
      } else {
        st = buf_append(&r->tmp, "\xef\xbf\xbd", 3);
        i += 3;
      }
      continue;
    }
    if (c >= 0x20 || c == '\t' || (keep_nl && c == '\n'))
      st = buf_putc(&r->tmp, (char)c);
    i++;
  }
  if (st == SM_OK && !cmark_node_set_literal(nd, buf_str(&r->tmp)))
    st = SM_ERR_NOMEM;
  return st;
}

/* Puts placeholders in a code span, code block or URL back to source. */
static enum sm_status
r_unplace_literal(struct render *r, cmark_node *nd)
{
  const char *lit = cmark_node_get_literal(nd);
  enum sm_status st;

  if (!lit || !r->nmath || !strstr(lit, PH_OPEN))
    return SM_OK;
  buf_reset(&r->tmp);
  st = r_unplace(r, lit, strlen(lit), &r->tmp);
  if (st == SM_OK && !cmark_node_set_literal(nd, buf_str(&r->tmp)))
    st = SM_ERR_NOMEM;
  return st;
}

static int
r_is_br(const char *html)
{
  size_t i = 3;

  if (!html || strlen(html) < 4 || !r_ieq(html, 3, "<br"))
    return 0;
  while (html[i] == ' ' || html[i] == '\t' || html[i] == '\n')
    i++;
  if (html[i] == '/')
    i++;
  return html[i] == '>' && html[i + 1] == '\0';
}

static enum sm_status
r_apply_fix(const struct fix *f)
{
  cmark_node *nd = f->node, *child, *br;

  switch (f->kind) {
  case FIX_UNWRAP:
    while ((child = cmark_node_first_child(nd)) != NULL)
      if (!cmark_node_insert_before(nd, child))
        return SM_ERR_INTERNAL;
    break;
  case FIX_BR:
    br = cmark_node_new(CMARK_NODE_LINEBREAK);
    if (!br)
      return SM_ERR_NOMEM;
    if (!cmark_node_insert_before(nd, br)) {
      cmark_node_free(br);
      return SM_ERR_INTERNAL;
    }
    break;
  case FIX_DROP:
    break;
  }
  cmark_node_free(nd); /* unlinks it first */
  return SM_OK;
}

/* Checks and absolutises URLs, drops raw HTML and restores placeholders
 * outside text. Changes to the tree's shape wait until the walk is over
 * (cmark's iterator must not lose its current node), and are applied
 * innermost first so that no node is touched after its parent is gone. */
static enum sm_status
r_fix_tree(struct render *r)
{
  cmark_iter *it = cmark_iter_new(r->root);
  struct buf url = BUF_INIT(R_SCRATCH_MAX);
  struct fix *fixes = NULL;
  size_t nfix = 0, capfix = 0;
  enum sm_status st = SM_OK;
  cmark_event_type ev;

  if (!it)
    return SM_ERR_NOMEM;
  while (st == SM_OK && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *nd = cmark_iter_get_node(it);
    cmark_node_type t = cmark_node_get_type(nd);
    enum fix_kind kind;
    int allowed, fix = 0;

    if (ev != CMARK_EVENT_ENTER)
      continue;
    switch (t) {
    case CMARK_NODE_LINK:
    case CMARK_NODE_IMAGE:
      st = r_url(r, cmark_node_get_url(nd), t == CMARK_NODE_IMAGE, &url,
                 &allowed);
      if (st != SM_OK)
        break;
      if (!allowed) {
        fix = 1;
        /* An image with no source at all shows nothing. */
        kind = t == CMARK_NODE_IMAGE && !cmark_node_get_url(nd)[0]
                   ? FIX_DROP
                   : FIX_UNWRAP;
        break;
      }
      r->nlinks++;
      if (!cmark_node_set_url(nd, buf_str(&url))) {
        st = SM_ERR_NOMEM;
        break;
      }
      buf_reset(&url);
      st = r_unplace(r, cmark_node_get_title(nd),
                     strlen(cmark_node_get_title(nd)), &url);
      if (st == SM_OK && !cmark_node_set_title(nd, buf_str(&url)))
        st = SM_ERR_NOMEM;
      break;
    case CMARK_NODE_HTML_INLINE:
      fix = 1;
      kind = r_is_br(cmark_node_get_literal(nd)) ? FIX_BR : FIX_DROP;
      break;
    case CMARK_NODE_HTML_BLOCK:
      fix = 1;
      kind = FIX_DROP;
      break;
    case CMARK_NODE_CODE_BLOCK:
      /* The info string would become a class, and says nothing to a
       * reader of mail. */
      if (!cmark_node_set_fence_info(nd, "")) {
        st = SM_ERR_NOMEM;
        break;
      }
      st = r_unplace_literal(r, nd);
      if (st == SM_OK)
        st = r_fix_literal(r, nd, 1);
      break;
    case CMARK_NODE_CODE:
      st = r_unplace_literal(r, nd);
      if (st == SM_OK)
        st = r_fix_literal(r, nd, 0);
      break;
    case CMARK_NODE_TEXT:
      st = r_fix_literal(r, nd, 0);
      break;
    default:
      break;
    }
    if (fix && st == SM_OK) {
      if (nfix == capfix) {
        size_t ncap = capfix ? capfix * 2 : 16;
        struct fix *nf = realloc(fixes, ncap * sizeof(*nf));

        if (!nf) {
          st = SM_ERR_NOMEM;
          break;
        }
        fixes = nf;
        capfix = ncap;
      }
      fixes[nfix].node = nd;
      fixes[nfix].kind = kind;
      nfix++;
    }
  }
  cmark_iter_free(it);
  while (nfix > 0 && st == SM_OK)
    st = r_apply_fix(&fixes[--nfix]);
  free(fixes);
  buf_free(&url);
  return st;
}

static cmark_node *
r_new_text(const char *s, size_t n, struct buf *tmp)
{
  cmark_node *t;

  buf_reset(tmp);
  if (buf_append(tmp, s, n) != SM_OK)
    return NULL;
  t = cmark_node_new(CMARK_NODE_TEXT);
  if (t && !cmark_node_set_literal(t, buf_str(tmp))) {
    cmark_node_free(t);
    t = NULL;
  }
  return t;
}

/* ---- Excerpts ----------------------------------------------------------
 *
 * A summary longer than max_words words is cut to an excerpt: at the last
 * sentence end (or end of a paragraph or list item) in the last third
 * before the limit, else at the last word boundary within it, with an
 * ellipsis. Words are runs of non-space characters of the visible text;
 * a formula, a code span, a link and an image are each one unit that is
 * kept whole or dropped whole, and so is a heading, a code block, a
 * table-like HTML block or a rule. An excerpt never ends in a heading. */

/* Whether a word ends a sentence: it ends in . ! or ? (maybe followed by
 * closing quotes or brackets) and is not an abbreviation or an initial
 * ("e.g.", "Fig.", "J."). */
static int
r_sentence_end(const char *w, size_t n)
{
  static const char *const abbrev[] = {
      "e.g.", "i.e.",    "cf.",   "vs.",  "al.",  "fig.", "eq.",
      "etc.", "approx.", "resp.", "sec.", "ref.", "no.",  "dr.",
      "mr.",  "ms.",     "prof.", "st.",  NULL};
  size_t k = n;

  while (k > 0 && strchr("\"')]*_", w[k - 1]))
    k--;
  if (k >= 3 && !memcmp(w + k - 3, "\xe2\x80\x9d", 3)) /* ” */
    k -= 3;
  if (k == 0 || !strchr(".!?", w[k - 1]))
    return 0;
  if (k == 2 && w[0] >= 'A' && w[0] <= 'Z')
    return 0; /* an initial */
  for (size_t i = 0; abbrev[i]; i++)
    if (r_ieq(w, k, abbrev[i]))
      return 0;
  return 1;
}

/* Words in a literal (placeholders are inside words). */
static size_t
r_words(const char *s)
{
  size_t count = 0;
  int in = 0;

  for (; *s; s++) {
    int sp = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';
    if (!sp && !in)
      count++;
    in = !sp;
  }
  return count;
}

/* Words of every text, code and alt text under nd. */
static size_t
r_node_words(cmark_node *nd)
{
  cmark_iter *it = cmark_iter_new(nd);
  cmark_event_type ev;
  size_t count = 0;

  if (!it)
    return 0;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *c = cmark_iter_get_node(it);
    const char *lit;
    if (ev == CMARK_EVENT_ENTER && (lit = cmark_node_get_literal(c)) != NULL)
      count += r_words(lit);
  }
  cmark_iter_free(it);
  return count;
}

/* What a block after the first adds to the count: the rest of the line
 * it leaves and the space between blocks, so that a list of short items
 * is not three times as tall as a paragraph of as many words. */
#define R_BLOCK_WORDS 5

/* A place to cut: inside a text node after `off` bytes (node a text
 * node), or before `node` (off == (size_t)-1), or after `node`. */
enum cut_kind { CUT_NONE, CUT_IN_TEXT, CUT_BEFORE, CUT_AFTER };

struct cut_at {
  enum cut_kind kind;
  cmark_node *node;
  size_t off;
  size_t words; /* words kept */
};

static int
r_is_block_atom(cmark_node_type t)
{
  return t == CMARK_NODE_HEADING || t == CMARK_NODE_CODE_BLOCK ||
         t == CMARK_NODE_HTML_BLOCK || t == CMARK_NODE_THEMATIC_BREAK;
}

static int
r_is_inline_atom(cmark_node_type t)
{
  return t == CMARK_NODE_CODE || t == CMARK_NODE_LINK ||
         t == CMARK_NODE_IMAGE || t == CMARK_NODE_HTML_INLINE;
}

/* Removes what follows nd, at every level up to the document. */
static void
r_drop_after(struct render *r, cmark_node *nd)
{
  for (; nd && nd != r->root; nd = cmark_node_parent(nd))
    while (cmark_node_next(nd))
      cmark_node_free(cmark_node_next(nd));
}

/* Removes nd, then its ancestors left without children. */
static void
r_drop_empty_up(struct render *r, cmark_node *nd)
{
  while (nd && nd != r->root) {
    cmark_node *parent = cmark_node_parent(nd);
    cmark_node_free(nd);
    if (cmark_node_first_child(parent))
      break;
    nd = parent;
  }
}

/* Whether a word of a paragraph is block markup that lost its line end
 * (text pasted or copied with its line ends folded to spaces: "... the
 * training data. #### What is DRAW: ...", "Advantages: * Learning ...
 * * No vanishing gradient"): a run of one to six '#', or a bullet after
 * a word that ends a sentence or a clause. Markdown can only show it as
 * the literal characters, so an excerpt ends before it. */
static int
r_lost_markup(const char *w, size_t n, int after_stop)
{
  size_t k = 0;

  while (k < n && w[k] == '#')
    k++;
  if (k == n && k >= 1 && k <= 6)
    return 1;
  return after_stop && n == 1 && (w[0] == '*' || w[0] == '-' || w[0] == '+');
}

/* Finds the cut; returns 1 when the summary is longer than max, or when
 * it holds markup that lost its line end. */
static int
r_find_cut(struct render *r, cmark_iter *it, size_t max, struct cut_at *best,
           struct cut_at *hard)
{
  size_t words = 0, near = max - max / 3, blocks = 0;
  int stop = 0; /* how the last word ended: . : ! or ?, else 0 */
  struct cut_at sentence = {CUT_NONE, NULL, 0, 0}; /* the last sentence end */
  cmark_event_type ev;

  best->kind = CUT_NONE;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *nd = cmark_iter_get_node(it);
    cmark_node_type t = cmark_node_get_type(nd);
    size_t n;

    if (ev == CMARK_EVENT_EXIT) {
      /* The end of a paragraph or an item ends a sentence. */
      if ((t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_ITEM) && words > 0) {
        sentence.kind = CUT_AFTER;
        sentence.node = nd;
        sentence.words = words;
        if (words >= near)
          *best = sentence;
      }
      continue;
    }
    /* A block after the first starts a line of its own: it costs the
     * words that line could have held. */
    if ((t == CMARK_NODE_PARAGRAPH || r_is_block_atom(t)) && blocks++ > 0) {
      words += R_BLOCK_WORDS;
      if (words > max) {
        /* Before it (and before its list item, when it is the item's
         * first: r_cut drops what it leaves empty). */
        hard->kind = CUT_BEFORE;
        hard->node = nd;
        hard->words = words - R_BLOCK_WORDS;
        return 1;
      }
    }
    if (t == CMARK_NODE_PARAGRAPH || r_is_block_atom(t) || r_is_inline_atom(t))
      stop = 0;
    if (r_is_block_atom(t) || r_is_inline_atom(t)) {
      n = r_node_words(nd);
      /* Alone it may exceed the limit: then it is kept if it comes
       * first. */
      if (words + n > max && words > 0) {
        hard->kind = CUT_BEFORE;
        hard->node = nd;
        hard->words = words;
        return 1;
      }
      words += n;
      if (cmark_node_first_child(nd))
        cmark_iter_reset(it, nd, CMARK_EVENT_EXIT);
      continue;
    }
    if (t == CMARK_NODE_TEXT) {
      const char *s = cmark_node_get_literal(nd);
      size_t i = 0, len = strlen(s);
      while (i < len) {
        size_t b;
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
          i++;
        if (i == len)
          break;
        if (words + 1 > max) {
          hard->kind = CUT_IN_TEXT;
          hard->node = nd;
          hard->off = i;
          hard->words = words;
          return 1;
        }
        b = i;
        while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
          i++;
        if (words > 0 && r_lost_markup(s + b, i - b, stop)) {
          /* A list that lost its line ends is announced by a clause
           * ("Advantages:"), which goes with it when a sentence ends
           * before. */
          if (stop == ':' && sentence.kind != CUT_NONE) {
            *best = sentence;
          } else {
            best->kind = b > 0 ? CUT_IN_TEXT : CUT_BEFORE;
            best->node = nd;
            best->off = b;
            best->words = words;
          }
          return 1;
        }
        stop = i > b && strchr(".:!?", s[i - 1]) ? s[i - 1] : 0;
        words++;
        if (r_sentence_end(s + b, i - b)) {
          sentence.kind = CUT_IN_TEXT;
          sentence.node = nd;
          sentence.off = i;
          sentence.words = words;
          if (words >= near)
            *best = sentence;
        }
      }
    }
  }
  return 0;
}

/* A heading this long is a heading line that swallowed its paragraph
 * (the site's feeds and pasted text lose line ends: "## Results We
 * find that ..."). */
#define R_HEADING_MAX_WORDS 12

/* Moves nd's children from `from` on into a new paragraph after `after`. */
static enum sm_status
r_move_to_paragraph(cmark_node *from, cmark_node *after)
{
  cmark_node *p = cmark_node_new(CMARK_NODE_PARAGRAPH), *next;

  if (!p || !cmark_node_insert_after(after, p)) {
    cmark_node_free(p);
    return SM_ERR_NOMEM;
  }
  for (; from; from = next) {
    next = cmark_node_next(from);
    cmark_node_unlink(from);
    if (!cmark_node_append_child(p, from))
      return SM_ERR_NOMEM;
  }
  return SM_OK;
}

/* A heading never swallows the text after it: a long heading keeps what
 * comes before a colon in its first few words ("#### What is DRAW: The
 * deep ...") and gives the rest to a paragraph; without such a colon it
 * becomes a paragraph. */
static enum sm_status
r_fix_headings(struct render *r)
{
  cmark_node *nd = cmark_node_first_child(r->root), *next;
  enum sm_status st = SM_OK;

  for (; nd && st == SM_OK; nd = next) {
    cmark_node *first = cmark_node_first_child(nd);
    const char *lit, *colon;
    next = cmark_node_next(nd);
    if (cmark_node_get_type(nd) != CMARK_NODE_HEADING ||
        r_node_words(nd) <= R_HEADING_MAX_WORDS)
      continue;
    lit = first && cmark_node_get_type(first) == CMARK_NODE_TEXT
              ? cmark_node_get_literal(first)
              : NULL;
    colon = lit ? strchr(lit, ':') : NULL;
    if (colon && colon > lit) {
      size_t head = (size_t)(colon - lit);
      buf_reset(&r->tmp);
      if (buf_append(&r->tmp, lit, head) != SM_OK)
        return SM_ERR_NOMEM;
      if (r_words(buf_str(&r->tmp)) > R_HEADING_MAX_WORDS / 2 + 1)
        colon = NULL;
    } else {
      colon = NULL;
    }
    if (colon) {
      const char *rest = colon + 1;
      cmark_node *t;
      while (*rest == ' ' || *rest == '\t')
        rest++;
      /* "### What is BN: * Batch ...": the bullet of a list item that
       * lost its line end would start the paragraph as a literal. */
      if (strchr("*-+", *rest) && *rest && (rest[1] == ' ' || rest[1] == '\t'))
        for (rest++; *rest == ' ' || *rest == '\t'; rest++)
          ;
      t = r_new_text(rest, strlen(rest), &r->tmp);
      if (!t || !cmark_node_insert_after(first, t)) {
        cmark_node_free(t);
        return SM_ERR_NOMEM;
      }
      buf_reset(&r->tmp);
      if (buf_append(&r->tmp, lit, (size_t)(colon - lit)) != SM_OK ||
          !cmark_node_set_literal(first, buf_str(&r->tmp)))
        return SM_ERR_NOMEM;
      st = r_move_to_paragraph(t, nd);
    } else {
      st = r_move_to_paragraph(first, nd);
      if (st == SM_OK)
        cmark_node_free(nd);
    }
  }
  return st;
}

/* Cuts the summary to an excerpt of at most max_words words. */
static enum sm_status
r_cut(struct render *r)
{
  size_t max = r->o->max_words;
  struct cut_at best, hard, *c;
  cmark_iter *it;
  int over;
  cmark_node *nd, *last;

  if (max == 0)
    return SM_OK;
  it = cmark_iter_new(r->root);
  if (!it)
    return SM_ERR_NOMEM;
  over = r_find_cut(r, it, max, &best, &hard);
  cmark_iter_free(it);
  if (!over)
    return SM_OK;
  r->was_cut = 1;
  c = best.kind != CUT_NONE ? &best : &hard;
  nd = c->node;
  if (c->kind == CUT_AFTER) {
    r_drop_after(r, nd);
  } else if (c->kind == CUT_IN_TEXT) {
    const char *s = cmark_node_get_literal(nd);
    size_t end = c->off;
    buf_reset(&r->tmp);
    while (end > 0 &&
           (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\n'))
      end--;
    if (buf_append(&r->tmp, s, end) != SM_OK ||
        (c == &hard && buf_puts(&r->tmp, " \xe2\x80\xa6") != SM_OK) ||
        !cmark_node_set_literal(nd, buf_str(&r->tmp)))
      return SM_ERR_NOMEM;
    r_drop_after(r, nd);
  } else {
    cmark_node *prev = cmark_node_previous(nd);
    r_drop_after(r, nd);
    if (prev && cmark_node_get_type(prev) != CMARK_NODE_SOFTBREAK &&
        r_is_inline_atom(cmark_node_get_type(nd))) {
      cmark_node *ell = r_new_text(" \xe2\x80\xa6", 4, &r->tmp);
      if (!ell || !cmark_node_insert_before(nd, ell)) {
        cmark_node_free(ell);
        return SM_ERR_NOMEM;
      }
    }
    r_drop_empty_up(r, nd);
  }
  /* An excerpt never ends with a heading, whose text is not in it. */
  while ((last = cmark_node_last_child(r->root)) != NULL &&
         cmark_node_get_type(last) == CMARK_NODE_HEADING &&
         cmark_node_previous(last))
    cmark_node_free(last);
  return SM_OK;
}

static void
r_free(struct render *r)
{
  buf_free(&r->src);
  buf_free(&r->md);
  buf_free(&r->mathtext);
  buf_free(&r->tmp);
  free(r->math);
  if (r->root)
    cmark_node_free(r->root);
}

/* Everything both renderings share: clean, find math, convert it, parse,
 * fix the tree, cut. */
static enum sm_status
r_prepare(struct render *r, const char *markdown, size_t len,
          const struct render_opts *o)
{
  static const struct render_opts defaults;
  enum sm_status st;

  memset(r, 0, sizeof(*r));
  r->o = o ? o : &defaults;
  buf_init(&r->src, R_SCRATCH_MAX);
  buf_init(&r->md, R_SCRATCH_MAX);
  buf_init(&r->mathtext, R_SCRATCH_MAX);
  buf_init(&r->tmp, R_SCRATCH_MAX);
  if (len > RENDER_MAX_INPUT)
    return SM_ERR_LIMIT;
  st = r_clean(markdown ? markdown : "", markdown ? len : 0, &r->src);
  if (st == SM_OK)
    st = buf_append(&r->src, "", 0); /* data is never NULL after this */
  if (st == SM_OK) {
    r->charrefs = r_contains(r->src.data, r->src.len, "&#");
    st = r_scan_math(r);
  }
  if (st == SM_OK)
    st = buf_append(&r->md, "", 0);
  if (st == SM_OK)
    st = r_convert_math(r);
  if (st != SM_OK)
    return st;
  r->root = cmark_parse_document(r->md.data, r->md.len, CMARK_OPT_DEFAULT);
  if (!r->root)
    return SM_ERR_NOMEM;
  st = r_fix_tree(r);
  if (st == SM_OK)
    st = r_fix_headings(r);
  if (st == SM_OK)
    st = r_cut(r);
  if (r->o->excerpt)
    r->was_cut = 1;
  return st;
}

/* ---- HTML ------------------------------------------------------------------
 */

/* The HTML for formula idx: as a span in running text, a centred block
 * inside a paragraph, or a centred paragraph of its own. */
enum math_place { MATH_INLINE, MATH_BLOCK, MATH_PARAGRAPH };

static enum sm_status
r_math_html(const struct render *r, size_t idx, enum math_place place,
            struct buf *dst)
{
  const struct rmath *m = &r->math[idx];
  enum sm_status st;

  if (place == MATH_PARAGRAPH)
    st = buf_puts(dst, "<p style=\"text-align:center\">"
                       "<span class=\"math display\" title=\"");
  else if (m->display)
    st = buf_puts(dst, "<span class=\"math display\" "
                       "style=\"display:block;text-align:center\" title=\"");
  else
    st = buf_puts(dst, "<span class=\"math\" title=\"");
  if (st == SM_OK)
    st = util_html_escape(dst, r->src.data + m->tex, m->texlen,
                          UTIL_HTML_QUOTES);
  if (st == SM_OK)
    st = buf_puts(dst, "\">");
  if (st == SM_OK)
    st = util_html_escape(dst, r->mathtext.data + m->uni, m->unilen,
                          UTIL_HTML_QUOTES);
  if (st == SM_OK)
    st = buf_puts(dst, place == MATH_PARAGRAPH ? "</span></p>" : "</span>");
  return st;
}

/* Replaces a text node holding placeholders: in an image's alt text by
 * plain text (an attribute cannot hold markup); a paragraph that is just
 * one display formula by a centred paragraph; elsewhere by text nodes and
 * custom inline nodes carrying the math spans. */
static enum sm_status
r_html_text(struct render *r, cmark_node *nd, int in_image)
{
  const char *lit = cmark_node_get_literal(nd);
  size_t n = strlen(lit), pos = 0, at, idx;
  struct buf html = BUF_INIT(R_SCRATCH_MAX);
  cmark_node *parent = cmark_node_parent(nd), *nn;
  enum sm_status st = SM_OK;
  char *copy = NULL;

  if (in_image) {
    buf_reset(&r->tmp);
    for (;;) {
      size_t from = pos;
      int found = r_next_ph(r, lit, n, &pos, &at, &idx);

      st = buf_append(&r->tmp, lit + from, at - from);
      if (!found || st != SM_OK)
        break;
      st = buf_append(&r->tmp, r->mathtext.data + r->math[idx].uni,
                      r->math[idx].unilen);
    }
    if (st == SM_OK && !cmark_node_set_literal(nd, buf_str(&r->tmp)))
      st = SM_ERR_NOMEM;
    return st;
  }
  if (r_next_ph(r, lit, n, &pos, &at, &idx) && at == 0 && pos == n &&
      r->math[idx].display &&
      cmark_node_get_type(parent) == CMARK_NODE_PARAGRAPH &&
      cmark_node_first_child(parent) == nd && cmark_node_next(nd) == NULL) {
    st = r_math_html(r, idx, MATH_PARAGRAPH, &html);
    nn = st == SM_OK ? cmark_node_new(CMARK_NODE_CUSTOM_BLOCK) : NULL;
    if (st == SM_OK && (!nn || !cmark_node_set_on_enter(nn, html.data) ||
                        !cmark_node_insert_before(parent, nn)))
      st = SM_ERR_NOMEM;
    if (st == SM_OK)
      cmark_node_free(parent);
    else if (nn)
      cmark_node_free(nn);
    buf_free(&html);
    return st;
  }
  /* The literal belongs to nd, which goes at the end: work on a copy. */
  copy = malloc(n + 1);
  if (!copy)
    return SM_ERR_NOMEM;
  memcpy(copy, lit, n + 1);
  pos = 0;
  while (st == SM_OK) {
    size_t from = pos;
    int found = r_next_ph(r, copy, n, &pos, &at, &idx);

    if (at > from) {
      nn = r_new_text(copy + from, at - from, &r->tmp);
      if (!nn || !cmark_node_insert_before(nd, nn)) {
        cmark_node_free(nn);
        st = SM_ERR_NOMEM;
        break;
      }
    }
    if (!found)
      break;
    buf_reset(&html);
    st = r_math_html(r, idx, MATH_INLINE, &html);
    if (st != SM_OK)
      break;
    nn = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
    if (!nn || !cmark_node_set_on_enter(nn, html.data) ||
        !cmark_node_insert_before(nd, nn)) {
      cmark_node_free(nn);
      st = SM_ERR_NOMEM;
    }
  }
  if (st == SM_OK)
    cmark_node_free(nd);
  free(copy);
  buf_free(&html);
  return st;
}

struct pending {
  cmark_node *node;
  int in_image;
};

/* Mail clients that drop <style> (Gmail keeps only inline styles) would
 * let a wide image or code line widen the whole digest, and show a
 * summary's headings larger than its title: give those tags their style
 * inline. cmark escapes every '<' of the text, so a "<img " or "<pre>" in
 * its output is always one of its own tags. */
static enum sm_status
r_inline_styles(const char *html, struct buf *out)
{
  static const struct {
    const char *tag, *with;
  } subst[] = {
      {"<img ", "<img style=\"max-width:100%;height:auto\" "},
      {"<pre>", "<pre style=\"white-space:pre-wrap;word-wrap:break-word;"
                "overflow-x:auto\">"},
      {"<h1>", "<h1 style=\"font-size:17px;margin:12px 0 4px 0\">"},
      {"<h2>", "<h2 style=\"font-size:16px;margin:12px 0 4px 0\">"},
      {"<h3>", "<h3 style=\"font-size:15px;margin:10px 0 4px 0\">"},
      {"<h4>", "<h4 style=\"font-size:15px;margin:10px 0 4px 0\">"},
      {"<h5>", "<h5 style=\"font-size:15px;margin:10px 0 4px 0\">"},
      {"<h6>", "<h6 style=\"font-size:15px;margin:10px 0 4px 0\">"},
  };
  enum sm_status st = SM_OK;
  const char *p = html;

  while (*p && st == SM_OK) {
    const char *lt = strchr(p, '<');
    size_t i;

    if (!lt)
      return buf_puts(out, p);
    st = buf_append(out, p, (size_t)(lt - p));
    for (i = 0; i < sizeof(subst) / sizeof(subst[0]); i++)
      if (!strncmp(lt, subst[i].tag, strlen(subst[i].tag)))
        break;
    if (st != SM_OK)
      break;
    if (i < sizeof(subst) / sizeof(subst[0])) {
      st = buf_puts(out, subst[i].with);
      p = lt + strlen(subst[i].tag);
    } else {
      st = buf_putc(out, '<');
      p = lt + 1;
    }
  }
  return st;
}

static enum sm_status
r_html(struct render *r, struct buf *out)
{
  cmark_iter *it = cmark_iter_new(r->root);
  struct pending *todo = NULL;
  size_t ntodo = 0, cap = 0;
  enum sm_status st = SM_OK;
  cmark_event_type ev;
  int in_image = 0;
  char *html = NULL;

  if (!it)
    return SM_ERR_NOMEM;
  /* Collect first: splitting text nodes during the walk would pull the
   * iterator's current node away. */
  while (st == SM_OK && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *nd = cmark_iter_get_node(it);
    cmark_node_type t = cmark_node_get_type(nd);
    int add = 0;

    if (t == CMARK_NODE_IMAGE) {
      in_image += ev == CMARK_EVENT_ENTER ? 1 : -1;
      /* Alt text for images that have none. */
      add = ev == CMARK_EVENT_ENTER && !cmark_node_first_child(nd);
    } else if (t == CMARK_NODE_TEXT && r->nmath) {
      add = strstr(cmark_node_get_literal(nd), PH_OPEN) != NULL;
    }
    if (!add)
      continue;
    if (ntodo == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      struct pending *np = realloc(todo, ncap * sizeof(*np));

      if (!np) {
        st = SM_ERR_NOMEM;
        break;
      }
      todo = np;
      cap = ncap;
    }
    todo[ntodo].node = nd;
    todo[ntodo].in_image = in_image > 0;
    ntodo++;
  }
  cmark_iter_free(it);
  for (size_t i = 0; i < ntodo && st == SM_OK; i++) {
    cmark_node *nd = todo[i].node;

    if (cmark_node_get_type(nd) == CMARK_NODE_IMAGE) {
      cmark_node *alt = r_new_text("image", 5, &r->tmp);

      if (!alt || !cmark_node_append_child(nd, alt)) {
        cmark_node_free(alt);
        st = SM_ERR_NOMEM;
      }
    } else {
      st = r_html_text(r, nd, todo[i].in_image);
    }
  }
  free(todo);
  if (st != SM_OK)
    return st;
  /* Safe mode is a second line of defence: raw HTML and unsafe URLs are
   * gone already. */
  html = cmark_render_html(r->root, CMARK_OPT_SAFE);
  if (!html)
    return SM_ERR_NOMEM;
  st = r_inline_styles(html, out);
  free(html);
  if (st == SM_OK && r->was_cut && r->o->more_url) {
    struct buf url = BUF_INIT(R_SCRATCH_MAX);
    int allowed;

    st = r_url(r, r->o->more_url, 0, &url, &allowed);
    if (st == SM_OK && allowed) {
      st = buf_puts(out, "<p><a href=\"");
      if (st == SM_OK)
        st = util_html_escape(out, url.data, url.len, UTIL_HTML_QUOTES);
      if (st == SM_OK)
        st = buf_puts(out, "\">Read the full summary</a></p>\n");
    }
    buf_free(&url);
  }
  return st;
}

enum sm_status
render_html(const char *markdown, size_t len, const struct render_opts *o,
            struct buf *out, int *was_cut)
{
  struct render r;
  enum sm_status st = r_prepare(&r, markdown, len, o);

  if (st == SM_OK)
    st = r_html(&r, out);
  if (was_cut)
    *was_cut = r.was_cut;
  r_free(&r);
  return st;
}

/* ---- Plain text -----------------------------------------------------------
 */

enum tframe_kind { TF_QUOTE, TF_LIST, TF_ITEM, TF_LINK, TF_IMAGE };

struct tframe {
  enum tframe_kind kind;
  size_t pfx_len; /* t->pfx.len to go back to */
  int tight;      /* lists and items: the list is tight */
  int ordered;    /* lists */
  long number;    /* lists: the next item's number */
  int numwidth;   /* lists: digits of the largest number */
  char delim;     /* lists: '.' or ')' */
  size_t run_pos; /* links, images: where their text starts in t->run */
};

struct refs {
  struct buf urls; /* each printed URL, NUL-terminated */
  size_t *off;     /* offsets into urls, by number - 1 */
  size_t n, cap;
  size_t *slot; /* hash table of number, 0 for empty */
  size_t nslot; /* a power of two, more than twice the links */
};

struct text {
  struct render *r;
  struct buf *out;
  size_t width;
  size_t budget;    /* prefixes stop growing past this width */
  struct buf pfx;   /* the prefix of every line at this depth */
  struct buf first; /* the next line's prefix when has_first: an item's
                       marker waits for the item's first line */
  int has_first;
  int need_blank; /* a block ended: a blank line before the next */
  int any;        /* a line was written */
  struct tframe *stack;
  size_t depth, cap;
  struct buf run;  /* the paragraph or heading being gathered */
  struct buf line; /* the wrapper's line */
  struct refs refs;
  struct buf tmp;
  enum sm_status st;
};

static void
t_put(struct text *t, const char *p, size_t n)
{
  if (t->st == SM_OK)
    t->st = buf_append(t->out, p, n);
}

/* One output line: prefix, content, no trailing space, newline. */
static enum sm_status
t_emit(void *ctx, const char *line, size_t len, int disp)
{
  struct text *t = ctx;
  struct buf *pf = t->has_first ? &t->first : &t->pfx;
  size_t start = t->out->len; /* never trim what the caller had */

  t->has_first = 0;
  t_put(t, pf->data ? pf->data : "", pf->len);
  if (disp)
    t_put(t, "    ", 4);
  t_put(t, line, len);
  while (t->st == SM_OK && t->out->len > start &&
         (t->out->data[t->out->len - 1] == ' ' ||
          t->out->data[t->out->len - 1] == '\t'))
    t->out->len--;
  t_put(t, "\n", 1);
  t->any = 1;
  return t->st;
}

static struct tframe *
t_top(struct text *t)
{
  return t->depth ? &t->stack[t->depth - 1] : NULL;
}

/* Before a block: the blank line a previous block asked for, unless
 * both sit in a tight list. */
static void
t_block_start(struct text *t)
{
  struct tframe *f = t_top(t);

  if (t->need_blank && t->any &&
      !(f && (f->kind == TF_LIST || f->kind == TF_ITEM) && f->tight)) {
    int had = t->has_first;

    t->has_first = 0;
    t_emit(t, "", 0, 0);
    t->has_first = had;
  }
  t->need_blank = 0;
}

static struct tframe *
t_push(struct text *t, enum tframe_kind kind)
{
  struct tframe *f;

  if (t->depth == t->cap) {
    size_t ncap = t->cap ? t->cap * 2 : 16;

    f = realloc(t->stack, ncap * sizeof(*f));
    if (!f) {
      t->st = SM_ERR_NOMEM;
      return NULL;
    }
    t->stack = f;
    t->cap = ncap;
  }
  f = &t->stack[t->depth++];
  memset(f, 0, sizeof(*f));
  f->kind = kind;
  f->pfx_len = t->pfx.len;
  return f;
}

static void
t_pop(struct text *t)
{
  struct tframe *f = t_top(t);

  t->pfx.len = f->pfx_len;
  if (t->pfx.data)
    t->pfx.data[t->pfx.len] = '\0';
  t->depth--;
}

/* Deepens the prefix: `mark` on the next line, `cont` on the others.
 * Past the budget nesting stops indenting: a line needs room. */
static void
t_indent(struct text *t, const char *mark, const char *cont)
{
  size_t w = render_text_width(t->pfx.data ? t->pfx.data : "", t->pfx.len);

  if (t->st != SM_OK || w + strlen(mark) > t->budget)
    return;
  if (!t->has_first) {
    buf_reset(&t->first);
    t->st = buf_append(&t->first, t->pfx.data ? t->pfx.data : "", t->pfx.len);
    t->has_first = 1;
  }
  if (t->st == SM_OK)
    t->st = buf_puts(&t->first, mark);
  if (t->st == SM_OK)
    t->st = buf_puts(&t->pfx, cont);
}

static void
t_run(struct text *t, const char *p, size_t n)
{
  if (t->st == SM_OK)
    t->st = buf_append(&t->run, p, n);
}

static void
t_runc(struct text *t, char c)
{
  t_run(t, &c, 1);
}

/* Text with its formulas: inline ones glued together, display ones on a
 * line of their own. Tabs become spaces; control characters go. */
static void
t_text(struct text *t, const char *s)
{
  const struct render *r = t->r;
  size_t n = strlen(s), pos = 0, at, idx;

  while (t->st == SM_OK) {
    size_t from = pos;
    int found = r_next_ph(r, s, n, &pos, &at, &idx);

    for (size_t i = from, run = from; i <= at; i++) {
      unsigned char c = i < at ? (unsigned char)s[i] : 0;

      if (c >= 0x20)
        continue;
      t_run(t, s + run, i - run);
      if (c == '\t' || c == '\n')
        t_runc(t, ' ');
      run = i + 1;
    }
    if (!found)
      break;
    const struct rmath *m = &r->math[idx];
    const char *u = r->mathtext.data + m->uni;

    if (m->display) {
      t_runc(t, T_BRK);
      t_runc(t, T_DISP);
    }
    for (size_t i = 0; i < m->unilen; i++) {
      unsigned char c = (unsigned char)u[i];

      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        /* One glue for a run of spaces: never two spaces in a row. */
        if (!m->display && t->run.len && t->run.data[t->run.len - 1] != T_GLUE)
          t_runc(t, T_GLUE);
        else if (m->display)
          t_runc(t, ' ');
      } else if (c >= 0x20) {
        t_runc(t, (char)c);
      }
    }
    if (m->display)
      t_runc(t, T_BRK);
  }
}

/* The number of a URL in the reference list, adding it if new. */
static size_t
t_ref(struct text *t, const char *url)
{
  struct refs *rf = &t->refs;
  uint64_t h = 1469598103934665603ull;
  size_t i, num;

  buf_reset(&t->tmp);
  t->st = r_url_print(url, &t->tmp);
  if (t->st != SM_OK)
    return 0;
  for (i = 0; i < t->tmp.len; i++)
    h = (h ^ (unsigned char)t->tmp.data[i]) * 1099511628211ull;
  for (i = (size_t)h & (rf->nslot - 1); rf->slot[i];
       i = (i + 1) & (rf->nslot - 1))
    if (strcmp(rf->urls.data + rf->off[rf->slot[i] - 1], t->tmp.data) == 0)
      return rf->slot[i];
  if (rf->n == rf->cap) {
    /* Cannot happen: there are fewer URLs than links. */
    t->st = SM_ERR_INTERNAL;
    return 0;
  }
  rf->off[rf->n] = rf->urls.len;
  t->st = buf_append(&rf->urls, t->tmp.data, t->tmp.len + 1);
  num = ++rf->n;
  rf->slot[i] = num;
  return num;
}

static void
t_ref_mark(struct text *t, const char *url)
{
  char mark[32];
  size_t num = t_ref(t, url);

  if (t->st != SM_OK)
    return;
  snprintf(mark, sizeof(mark), "%c[%zu]", T_GLUE, num);
  t_run(t, mark, strlen(mark));
}

static void
t_inline(struct text *t, cmark_node *nd, cmark_event_type ev)
{
  const char *lit, *url, *fence;
  struct tframe *f;
  size_t len, pos;

  switch (cmark_node_get_type(nd)) {
  case CMARK_NODE_TEXT:
    t_text(t, cmark_node_get_literal(nd));
    break;
  case CMARK_NODE_CODE:
    lit = cmark_node_get_literal(nd);
    fence = strchr(lit, '`') ? "``" : "`";
    t_run(t, fence, strlen(fence));
    if (fence[1])
      t_runc(t, ' ');
    t_text(t, lit);
    if (fence[1])
      t_runc(t, ' ');
    t_run(t, fence, strlen(fence));
    break;
  case CMARK_NODE_SOFTBREAK:
    t_runc(t, ' ');
    break;
  case CMARK_NODE_LINEBREAK:
    t_runc(t, T_BRK);
    break;
  case CMARK_NODE_EMPH:
    t_runc(t, '*');
    break;
  case CMARK_NODE_STRONG:
    t_run(t, "**", 2);
    break;
  case CMARK_NODE_LINK:
    if (ev == CMARK_EVENT_ENTER) {
      f = t_push(t, TF_LINK);
      if (f)
        f->run_pos = t->run.len;
      break;
    }
    pos = t_top(t)->run_pos;
    t_pop(t);
    len = t->run.len - pos;
    url = cmark_node_get_url(nd);
    if (len == 0) {
      t_text(t, url); /* [](url): the URL is all there is to show */
    } else if ((strlen(url) == len &&
                memcmp(url, t->run.data + pos, len) == 0) ||
               (strncmp(url, "mailto:", 7) == 0 && strlen(url) == len + 7 &&
                memcmp(url + 7, t->run.data + pos, len) == 0)) {
      /* An autolink or a URL written out: shown already. */
    } else {
      t_ref_mark(t, url);
    }
    break;
  case CMARK_NODE_IMAGE:
    if (ev == CMARK_EVENT_ENTER) {
      t_run(t, "[image: ", 8);
      f = t_push(t, TF_IMAGE);
      if (f)
        f->run_pos = t->run.len;
      break;
    }
    pos = t_top(t)->run_pos;
    t_pop(t);
    if (t->run.len == pos)
      t->run.len -= 2; /* no alt text: "[image]" */
    t_runc(t, ']');
    url = cmark_node_get_url(nd);
    /* A data: URL is the image itself, useless (and long) as a link. */
    if (!r_ieq(url, strlen(url) < 5 ? strlen(url) : 5, "data:"))
      t_ref_mark(t, url);
    break;
  default:
    break;
  }
}

/* Wraps the gathered paragraph or heading; returns the widest line. */
static size_t
t_flush_run(struct text *t, int *lines)
{
  struct wrap w;
  const struct buf *pf = t->has_first ? &t->first : &t->pfx;
  size_t before = t->out->len;

  memset(&w, 0, sizeof(w));
  w.avail_first = r_avail(t->width, pf->data ? pf->data : "");
  w.avail_rest = r_avail(t->width, t->pfx.data ? t->pfx.data : "");
  w.markers = 1;
  w.emit = t_emit;
  w.ctx = t;
  w.line = &t->line;
  if (t->st == SM_OK)
    t->st = w_run(&w, t->run.data ? t->run.data : "", t->run.len);
  *lines = t->out->len > before;
  return w.maxw;
}

static void
t_code_block(struct text *t, const char *lit)
{
  size_t n = strlen(lit), i = 0, j;

  if (n && lit[n - 1] == '\n')
    n--;
  if (n == 0)
    return;
  buf_reset(&t->tmp);
  while (i <= n && t->st == SM_OK) {
    for (j = i; j < n && lit[j] != '\n'; j++)
      ;
    buf_reset(&t->tmp);
    t->st = buf_puts(&t->tmp, "    ");
    if (t->st == SM_OK)
      t->st = buf_append(&t->tmp, lit + i, j - i);
    if (t->st == SM_OK)
      t_emit(t, t->tmp.data, t->tmp.len, 0);
    i = j + 1;
  }
  t->need_blank = 1;
}

static void
t_rule(struct text *t, char c, size_t width)
{
  buf_reset(&t->tmp);
  for (size_t i = 0; i < width && t->st == SM_OK; i++)
    t->st = buf_putc(&t->tmp, c);
  if (t->st == SM_OK)
    t_emit(t, t->tmp.data ? t->tmp.data : "", t->tmp.len, 0);
}

static void
t_list_enter(struct text *t, cmark_node *nd)
{
  struct tframe *f = t_push(t, TF_LIST);
  long items = 0, last;
  cmark_node *c;

  if (!f)
    return;
  for (c = cmark_node_first_child(nd); c; c = cmark_node_next(c))
    items++;
  f->tight = cmark_node_get_list_tight(nd);
  f->ordered = cmark_node_get_list_type(nd) == CMARK_ORDERED_LIST;
  f->number = cmark_node_get_list_start(nd);
  f->delim = cmark_node_get_list_delim(nd) == CMARK_PAREN_DELIM ? ')' : '.';
  last = f->number + (items > 0 ? items - 1 : 0);
  for (f->numwidth = 1; last >= 10; last /= 10)
    f->numwidth++;
}

static void
t_item_enter(struct text *t)
{
  struct tframe *list = t_top(t), *f;
  char mark[48], cont[48];
  int tight = 1;
  size_t w;

  /* Copy what is needed from the list: pushing may move the stack. */
  if (list && list->kind == TF_LIST && list->ordered)
    snprintf(mark, sizeof(mark), "  %*ld%c ", list->numwidth, list->number++,
             list->delim);
  else
    snprintf(mark, sizeof(mark), "  * ");
  if (list && list->kind == TF_LIST)
    tight = list->tight;
  w = strlen(mark);
  memset(cont, ' ', w);
  cont[w] = '\0';
  f = t_push(t, TF_ITEM); /* always: the item's exit pops it */
  if (!f)
    return;
  f->tight = tight;
  t_indent(t, mark, cont);
}

static void
t_leaf_done(struct text *t, cmark_node *nd)
{
  int lines = 0;
  size_t maxw = t_flush_run(t, &lines);

  if (!lines)
    return;
  if (cmark_node_get_type(nd) == CMARK_NODE_HEADING)
    t_rule(t, cmark_node_get_heading_level(nd) == 1 ? '=' : '-', maxw);
  t->need_blank = 1;
}

static void
t_finish(struct text *t)
{
  const struct render_opts *o = t->r->o;

  if (t->r->was_cut && o->more_url && t->st == SM_OK) {
    struct buf url = BUF_INIT(R_SCRATCH_MAX);
    int allowed;

    t->st = r_url(t->r, o->more_url, 0, &url, &allowed);
    if (t->st == SM_OK && allowed) {
      t_block_start(t);
      buf_reset(&t->run);
      /* Glued: the phrase breaks only when the line is too narrow. */
      t_run(t,
            "Read\x01"
            "the\x01"
            "full\x01"
            "summary: ",
            23);
      buf_reset(&t->tmp);
      if (t->st == SM_OK)
        t->st = r_url_print(url.data, &t->tmp);
      t_run(t, t->tmp.data, t->tmp.len);
      if (t->st == SM_OK) {
        int lines;

        t_flush_run(t, &lines);
        t->need_blank = 1;
      }
    }
    buf_free(&url);
  }
  if (t->refs.n == 0)
    return;
  t_block_start(t);
  for (size_t i = 0; i < t->refs.n && t->st == SM_OK; i++) {
    char num[32];

    snprintf(num, sizeof(num), "[%zu] ", i + 1);
    buf_reset(&t->tmp);
    t->st = buf_puts(&t->tmp, num);
    if (t->st == SM_OK)
      t->st = buf_puts(&t->tmp, t->refs.urls.data + t->refs.off[i]);
    if (t->st == SM_OK)
      t_emit(t, t->tmp.data, t->tmp.len, 0);
  }
}

static enum sm_status
r_text(struct render *r, struct buf *out)
{
  struct text t;
  cmark_iter *it = NULL;
  cmark_node *leaf = NULL;
  cmark_event_type ev;
  size_t links = r->nlinks + 2;

  memset(&t, 0, sizeof(t));
  t.r = r;
  t.out = out;
  t.width = r->o->width ? r->o->width : RENDER_DEFAULT_WIDTH;
  if (t.width < RENDER_MIN_WIDTH)
    t.width = RENDER_MIN_WIDTH;
  t.budget = t.width / 2;
  buf_init(&t.pfx, R_SCRATCH_MAX);
  buf_init(&t.first, R_SCRATCH_MAX);
  buf_init(&t.run, R_SCRATCH_MAX);
  buf_init(&t.line, R_SCRATCH_MAX);
  buf_init(&t.tmp, R_SCRATCH_MAX);
  buf_init(&t.refs.urls, R_SCRATCH_MAX);
  t.refs.cap = links;
  for (t.refs.nslot = 16; t.refs.nslot < 2 * links; t.refs.nslot *= 2)
    ;
  t.refs.off = malloc(links * sizeof(size_t));
  t.refs.slot = calloc(t.refs.nslot, sizeof(size_t));
  it = cmark_iter_new(r->root);
  if (!t.refs.off || !t.refs.slot || !it)
    t.st = SM_ERR_NOMEM;
  while (t.st == SM_OK && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *nd = cmark_iter_get_node(it);
    int enter = ev == CMARK_EVENT_ENTER;

    if (leaf) {
      if (nd == leaf) {
        t_leaf_done(&t, leaf);
        leaf = NULL;
      } else {
        t_inline(&t, nd, ev);
      }
      continue;
    }
    switch (cmark_node_get_type(nd)) {
    case CMARK_NODE_BLOCK_QUOTE:
      if (enter) {
        t_block_start(&t);
        if (t_push(&t, TF_QUOTE))
          t_indent(&t, "> ", "> ");
      } else {
        /* An empty quote still shows its marker; and its pending first
         * prefix must not leak onto the next block. */
        if (t.has_first)
          t_emit(&t, "", 0, 0);
        t_pop(&t);
        t.need_blank = 1;
      }
      break;
    case CMARK_NODE_LIST:
      if (enter) {
        t_block_start(&t);
        t_list_enter(&t, nd);
      } else {
        t_pop(&t);
        t.need_blank = 1;
      }
      break;
    case CMARK_NODE_ITEM:
      if (enter) {
        t_block_start(&t);
        t_item_enter(&t);
      } else {
        if (t.has_first)
          t_emit(&t, "", 0, 0); /* an empty item still shows its marker */
        t_pop(&t);
        t.need_blank = 1;
      }
      break;
    case CMARK_NODE_PARAGRAPH:
    case CMARK_NODE_HEADING:
      if (enter) {
        t_block_start(&t);
        buf_reset(&t.run);
        leaf = nd;
      }
      break;
    case CMARK_NODE_CODE_BLOCK:
      t_block_start(&t);
      t_code_block(&t, cmark_node_get_literal(nd));
      break;
    case CMARK_NODE_THEMATIC_BREAK: {
      const struct buf *pf = t.has_first ? &t.first : &t.pfx;

      t_block_start(&t);
      t_rule(&t, '-', r_avail(t.width, pf->data ? pf->data : ""));
      t.need_blank = 1;
      break;
    }
    default:
      break;
    }
  }
  if (t.st == SM_OK)
    t_finish(&t);
  cmark_iter_free(it);
  free(t.stack);
  free(t.refs.off);
  free(t.refs.slot);
  buf_free(&t.refs.urls);
  buf_free(&t.pfx);
  buf_free(&t.first);
  buf_free(&t.run);
  buf_free(&t.line);
  buf_free(&t.tmp);
  return t.st;
}

enum sm_status
render_text(const char *markdown, size_t len, const struct render_opts *o,
            struct buf *out, int *was_cut)
{
  struct render r;
  enum sm_status st = r_prepare(&r, markdown, len, o);

  if (st == SM_OK)
    st = r_text(&r, out);
  if (was_cut)
    *was_cut = r.was_cut;
  r_free(&r);
  return st;
}
