/* mime.c: outgoing messages by hand: header folding, RFC 2047 encoded
 * words, quoted-printable, multipart/alternative. See mime.h for what
 * the output promises. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "mime.h"
#include "util.h"

static const char hex_upper[] = "0123456789ABCDEF";

/* ---- message ---- */

void
mime_msg_init(struct mime_msg *m)
{
  memset(m, 0, sizeof(*m));
  buf_init(&m->head, MIME_HEAD_MAX);
  for (int k = 0; k < MIME_KINDS; k++)
    buf_init(&m->part[k].own, MIME_PART_MAX);
}

void
mime_msg_reset(struct mime_msg *m)
{
  m->flowed = 0;
  buf_reset(&m->head);
  for (int k = 0; k < MIME_KINDS; k++) {
    buf_reset(&m->part[k].own);
    m->part[k].nfrags = 0;
  }
}

static void qpc_free(struct mime_qp_cache *c);

void
mime_msg_free(struct mime_msg *m)
{
  qpc_free(m->qpc);
  m->qpc = NULL;
  buf_free(&m->head);
  for (int k = 0; k < MIME_KINDS; k++) {
    buf_free(&m->part[k].own);
    free(m->part[k].frags);
    m->part[k].frags = NULL;
    m->part[k].nfrags = m->part[k].cap = 0;
  }
}

/* Cuts b back to len after a failed call, so the call adds nothing. */
static void
cut_back(struct buf *b, size_t len)
{
  b->len = len;
  if (b->data)
    b->data[len] = '\0';
}

/* ---- header lines and folding ---- */

/* The field being written: white space and "units" (words, encoded
 * words, <addr>) go on the current line while it stays within `soft`,
 * else a CRLF before the white space starts a continuation line. */
struct fold {
  struct buf *b;
  size_t line;  /* length of the current line */
  size_t soft;  /* fold beyond this: 78, 76 once encoded words appear */
  size_t units; /* units written so far */
};

static enum sm_status
fold_put(struct fold *f, const char *ws, size_t wslen, const char *u,
         size_t ulen)
{
  enum sm_status st;

  if (wslen == 0) {
    ws = " ";
    wslen = 1;
  }
  /* Never fold before the first unit: "Subject:" alone on a line is
   * legal but confuses readers; a long first unit costs one long line. */
  if (f->units > 0 && f->line + wslen + ulen > f->soft) {
    if ((st = buf_append(f->b, "\r\n", 2)) != SM_OK)
      return st;
    f->line = 0;
  }
  if (f->line + wslen + ulen > MIME_LINE_HARD)
    return SM_ERR_LIMIT;
  if ((st = buf_append(f->b, ws, wslen)) != SM_OK ||
      (st = buf_append(f->b, u, ulen)) != SM_OK)
    return st;
  f->line += wslen + ulen;
  f->units++;
  return SM_OK;
}

static int
valid_name(const char *name)
{
  size_t n = strlen(name);

  if (n == 0 || n > 76)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (name[i] < 33 || name[i] > 126 || name[i] == ':')
      return 0;
  return 1;
}

static enum sm_status
field_begin(struct mime_msg *m, struct fold *f, const char *name)
{
  if (!valid_name(name))
    return SM_ERR_INTERNAL;
  f->b = &m->head;
  f->line = strlen(name) + 1;
  f->soft = MIME_LINE_SOFT;
  f->units = 0;
  if (buf_puts(&m->head, name) != SM_OK || buf_putc(&m->head, ':') != SM_OK)
    return SM_ERR_LIMIT;
  return SM_OK;
}

/* Writes printable ASCII split at runs of space and tab, keeping each
 * run (so unfolding gives the text back exactly). s is trimmed. */
static enum sm_status
put_words(struct fold *f, const char *s, size_t n)
{
  size_t i = 0;

  while (i < n) {
    size_t ws = i, w;
    enum sm_status st;

    while (i < n && (s[i] == ' ' || s[i] == '\t'))
      i++;
    w = i;
    while (i < n && s[i] != ' ' && s[i] != '\t')
      i++;
    if ((st = fold_put(f, s + ws, w - ws, s + w, i - w)) != SM_OK)
      return st;
  }
  return SM_OK;
}

/* ---- cleaning text for headers ---- */

/* Copies UTF-8 text into out with each run of CR, LF and tab made one
 * space and the ends trimmed. SM_ERR_DATA for invalid UTF-8 or another
 * control character: those have no place in a header, and guessing
 * what they meant is how header injection starts. */
static enum sm_status
clean_text(const char *in, struct buf *out)
{
  size_t n = strlen(in), i = 0, end;
  enum sm_status st;

  if (!util_utf8_valid(in, n))
    return SM_ERR_DATA;
  buf_reset(out);
  while (i < n &&
         (in[i] == ' ' || in[i] == '\t' || in[i] == '\r' || in[i] == '\n'))
    i++;
  end = n;
  while (end > i && (in[end - 1] == ' ' || in[end - 1] == '\t' ||
                     in[end - 1] == '\r' || in[end - 1] == '\n'))
    end--;
  while (i < end) {
    unsigned char c = (unsigned char)in[i];

    if (c == '\r' || c == '\n' || c == '\t') {
      while (i < end && (in[i] == '\r' || in[i] == '\n' || in[i] == '\t'))
        i++;
      c = ' ';
    } else {
      if (c < 0x20 || c == 0x7f)
        return SM_ERR_DATA;
      i++;
    }
    if ((st = buf_putc(out, (char)c)) != SM_OK)
      return st;
  }
  return buf_append(out, "", 0); /* never NULL data */
}

static int
printable_ascii(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
      return 0;
  return 1;
}

/* ---- RFC 2047 encoded words ---- */

/* The characters Q may leave as they are in every context, phrases
 * included (RFC 2047 5(3)); all else is =XX, space is '_'. */
static int
q_safe(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
         c == '-' || c == '/';
}

#define EW_PREFIX_LEN 10 /* "=?UTF-8?Q?" */
#define EW_OVERHEAD 12   /* with "?=" */

/* How many bytes of s, in whole characters, encode to at most `max`
 * characters of encoded word. */
static size_t
ew_take(const char *s, size_t n, int q, size_t max)
{
  size_t i = 0, enc = EW_OVERHEAD;

  while (i < n) {
    uint32_t cp;
    size_t cl = util_utf8_decode(s + i, n - i, &cp), add;

    /* s is valid UTF-8 (clean_text): cl is 0 only for a bug's input,
     * which then goes a byte at a time. */
    if (cl == 0)
      cl = 1;
    if (q) {
      add = 0;
      for (size_t j = 0; j < cl; j++)
        add += q_safe((unsigned char)s[i + j]) || s[i + j] == ' ' ? 1 : 3;
      if (enc + add > max)
        break;
      enc += add;
    } else if (EW_OVERHEAD + (i + cl + 2) / 3 * 4 > max) {
      break;
    }
    i += cl;
  }
  return i;
}

static size_t
ew_encode(const char *s, size_t n, int q, char *out)
{
  static const char b64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;

  memcpy(out, q ? "=?UTF-8?Q?" : "=?UTF-8?B?", EW_PREFIX_LEN);
  o = EW_PREFIX_LEN;
  if (q) {
    for (size_t i = 0; i < n; i++) {
      unsigned char c = (unsigned char)s[i];

      if (c == ' ') {
        out[o++] = '_';
      } else if (q_safe(c)) {
        out[o++] = (char)c;
      } else {
        out[o++] = '=';
        out[o++] = hex_upper[c >> 4];
        out[o++] = hex_upper[c & 15];
      }
    }
  } else {
    const unsigned char *u = (const unsigned char *)s;

    for (size_t i = 0; i < n; i += 3) {
      unsigned v = (unsigned)u[i] << 16;

      if (i + 1 < n)
        v |= (unsigned)u[i + 1] << 8;
      if (i + 2 < n)
        v |= u[i + 2];
      out[o++] = b64[v >> 18];
      out[o++] = b64[(v >> 12) & 63];
      out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
      out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
  }
  out[o++] = '?';
  out[o++] = '=';
  return o;
}

/* Writes all of s as encoded words, each sized to the room left on its
 * line (RFC 2047 2: lines with encoded words stay within 76), none over
 * 75. Q, readable in the raw message, when at most a third of the bytes
 * are 8-bit ("mostly ASCII"); B, shorter, otherwise (CJK, emoji). */
static enum sm_status
put_encoded_words(struct fold *f, const char *s, size_t n)
{
  size_t high = 0, i = 0;
  char word[MIME_EW_MAX + 1];
  int q;

  for (size_t j = 0; j < n; j++)
    high += (unsigned char)s[j] >= 0x80;
  q = high * 3 <= n;
  f->soft = MIME_QP_LINE;
  while (i < n) {
    size_t max = MIME_EW_MAX, take, wl;
    size_t room = f->soft > f->line + 1 ? f->soft - f->line - 1 : 0;
    enum sm_status st;

    /* Fill the current line if a character fits there; else a full word
     * goes on the next line (or, as the first unit, on this one). */
    if (room < MIME_EW_MAX && ew_take(s + i, n - i, q, room) > 0)
      max = room;
    take = ew_take(s + i, n - i, q, max);
    if (take == 0)
      return SM_ERR_INTERNAL; /* a character always fits in 75 */
    wl = ew_encode(s + i, take, q, word);
    if ((st = fold_put(f, " ", 1, word, wl)) != SM_OK)
      return st;
    i += take;
  }
  return SM_OK;
}

/* ---- phrases (display names) ---- */

/* Atoms separated by single spaces: writable as they are. */
static int
is_atoms(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (s[i] == ' ') {
      if (i == 0 || i + 1 == n || s[i + 1] == ' ')
        return 0;
    } else if (!address_is_atext((unsigned char)s[i])) {
      return 0;
    }
  }
  return n > 0;
}

/* The longest run without white space: a unit that cannot fold. */
static size_t
longest_run(const char *s, size_t n)
{
  size_t best = 0, cur = 0;

  for (size_t i = 0; i < n; i++) {
    cur = s[i] == ' ' ? 0 : cur + 1;
    if (cur > best)
      best = cur;
  }
  return best;
}

/* Writes cleaned text s as a phrase: atoms if it is all atoms, else a
 * quoted string if it is ASCII (white space inside a quoted string may
 * fold too), else encoded words. Runs too long to fit a line are
 * encoded, so a phrase always folds within 78. Phrases prefer atoms and quoted
 * strings for another reason: some parsers (CPython before gh-128110)
 * wrongly keep the space between adjacent encoded words in a phrase. */
static enum sm_status
put_phrase(struct fold *f, const char *s, size_t n)
{
  struct buf qs = BUF_INIT(2 * MIME_HEAD_MAX);
  enum sm_status st = SM_OK;

  if (!printable_ascii(s, n) || strstr(s, "=?") ||
      longest_run(s, n) > MIME_EW_MAX)
    return put_encoded_words(f, s, n);
  if (is_atoms(s, n))
    return put_words(f, s, n);
  st = buf_putc(&qs, '"');
  for (size_t i = 0; st == SM_OK && i < n; i++) {
    if (s[i] == '"' || s[i] == '\\')
      st = buf_putc(&qs, '\\');
    if (st == SM_OK)
      st = buf_putc(&qs, s[i]);
  }
  if (st == SM_OK)
    st = buf_putc(&qs, '"');
  if (st == SM_OK)
    st = put_words(f, qs.data, qs.len);
  buf_free(&qs);
  return st;
}

/* ---- adding fields ---- */

static enum sm_status
field_end(struct fold *f)
{
  return buf_append(f->b, "\r\n", 2);
}

enum sm_status
mime_add_header(struct mime_msg *m, const char *name, const char *value)
{
  size_t mark = m->head.len, n, start = 0;
  struct fold f;
  enum sm_status st;

  n = strlen(value);
  for (size_t i = 0; i < n; i++)
    if (value[i] != '\t' &&
        ((unsigned char)value[i] < 0x20 || (unsigned char)value[i] > 0x7e))
      return SM_ERR_DATA;
  while (start < n && (value[start] == ' ' || value[start] == '\t'))
    start++;
  while (n > start && (value[n - 1] == ' ' || value[n - 1] == '\t'))
    n--;
  if (n == start)
    return SM_ERR_DATA;
  if ((st = field_begin(m, &f, name)) == SM_OK &&
      (st = put_words(&f, value + start, n - start)) == SM_OK &&
      (st = field_end(&f)) == SM_OK)
    return SM_OK;
  cut_back(&m->head, mark);
  return st;
}

enum sm_status
mime_add_text_header(struct mime_msg *m, const char *name, const char *value)
{
  struct buf clean = BUF_INIT(MIME_HEAD_MAX);
  size_t mark = m->head.len;
  struct fold f;
  enum sm_status st;

  if ((st = clean_text(value, &clean)) != SM_OK)
    goto done;
  if ((st = field_begin(m, &f, name)) != SM_OK)
    goto done;
  if (clean.len == 0) {
    st = field_end(&f);
    goto done;
  }
  /* A word longer than an encoded word could not fold within 78; encoded
   * words can be split anywhere. */
  if (printable_ascii(clean.data, clean.len) && !strstr(clean.data, "=?") &&
      longest_run(clean.data, clean.len) <= MIME_EW_MAX) {
    st = put_words(&f, clean.data, clean.len);
    if (st != SM_ERR_LIMIT)
      goto end;
    /* White space too long for a line: encode it too. */
    cut_back(&m->head, mark);
    if ((st = field_begin(m, &f, name)) != SM_OK)
      goto done;
  }
  st = put_encoded_words(&f, clean.data, clean.len);
end:
  if (st == SM_OK)
    st = field_end(&f);
done:
  if (st != SM_OK)
    cut_back(&m->head, mark);
  buf_free(&clean);
  return st;
}

/* Printable ASCII without white space, for a tail unit. */
static int
valid_unit(const char *s)
{
  for (; *s; s++)
    if (*s <= ' ' || *s > '~')
      return 0;
  return 1;
}

/* "name: PHRASE TAIL" with the phrase cleaned and encoded as needed; an
 * empty phrase leaves TAIL alone (or bare_tail when given). */
static enum sm_status
add_phrase_field(struct mime_msg *m, const char *name, const char *phrase,
                 const char *tail, const char *bare_tail)
{
  struct buf clean = BUF_INIT(MIME_HEAD_MAX);
  size_t mark = m->head.len;
  struct fold f;
  enum sm_status st;

  if ((st = clean_text(phrase ? phrase : "", &clean)) != SM_OK)
    goto done;
  if ((st = field_begin(m, &f, name)) != SM_OK)
    goto done;
  if (clean.len == 0) {
    st = fold_put(&f, " ", 1, bare_tail, strlen(bare_tail));
  } else if ((st = put_phrase(&f, clean.data, clean.len)) == SM_OK) {
    st = fold_put(&f, " ", 1, tail, strlen(tail));
  }
  if (st == SM_OK)
    st = field_end(&f);
done:
  if (st != SM_OK)
    cut_back(&m->head, mark);
  buf_free(&clean);
  return st;
}

enum sm_status
mime_add_address(struct mime_msg *m, const char *name, const char *display,
                 const char *addr)
{
  char angle[260];

  if (!address_sendable(addr))
    return SM_ERR_DATA;
  snprintf(angle, sizeof(angle), "<%s>", addr);
  return add_phrase_field(m, name, display, angle, addr);
}

enum sm_status
mime_add_phrase_header(struct mime_msg *m, const char *name,
                       const char *phrase, const char *tail)
{
  if (!valid_unit(tail) || strlen(tail) > MIME_LINE_SOFT)
    return SM_ERR_DATA;
  return add_phrase_field(m, name, phrase, tail, tail);
}

void
mime_format_date(int64_t t, char *out, size_t outlen)
{
  static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                     "Thu", "Fri", "Sat"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};
  time_t tt = (time_t)t;
  struct tm tm;

  if (!gmtime_r(&tt, &tm)) {
    tt = 0;
    gmtime_r(&tt, &tm);
  }
  snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d +0000",
           days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
           tm.tm_hour, tm.tm_min, tm.tm_sec);
}

enum sm_status
mime_add_date(struct mime_msg *m, int64_t t)
{
  char date[64];

  mime_format_date(t, date, sizeof(date));
  return mime_add_header(m, "Date", date);
}

enum sm_status
mime_message_id(char *out, size_t outlen, const char *kind, int64_t a,
                int64_t b, const char *domain)
{
  size_t kn = strlen(kind);
  int n;

  if (outlen)
    out[0] = '\0';
  if (kn == 0 ||
      strspn(kind, "abcdefghijklmnopqrstuvwxyz"
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != kn ||
      address_check_domain(domain, strlen(domain)) != ADDRESS_OK)
    return SM_ERR_DATA;
  n = snprintf(out, outlen, "<%s.%" PRId64 ".%" PRId64 "@%s>", kind, a, b,
               domain);
  if (n < 0 || (size_t)n >= outlen || n >= MIME_MSGID_MAX) {
    if (outlen)
      out[0] = '\0';
    return SM_ERR_LIMIT;
  }
  return SM_OK;
}

/* ---- quoted-printable ---- */

/* Does a line break (LF or CRLF) start at in[i]? */
static int
at_break(const char *in, size_t len, size_t i)
{
  return i < len && (in[i] == '\n' ||
                     (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n'));
}

/* A byte quoted-printable keeps as it is anywhere on a line. */
static int
qp_literal(unsigned char c)
{
  return c >= 33 && c <= 126 && c != '=';
}

enum sm_status
mime_qp_encode(const char *in, size_t len, struct buf *out)
{
  char stage[4096];
  size_t sn = 0, col = 0, mark = out->len;
  enum sm_status st;

/* Staged so the common case costs no call per byte; 8 bytes of room
 * is enough for one step (a soft break and an =XX). */
#define QP_FLUSH()                                                            \
  do {                                                                        \
    if ((st = buf_append(out, stage, sn)) != SM_OK)                           \
      goto fail;                                                              \
    sn = 0;                                                                   \
  } while (0)

  for (size_t i = 0; i < len; i++) {
    unsigned char c;
    int last, enc;
    size_t tl, limit;

    /* The common case first: a printable byte that stands for itself,
     * with room for it and for a soft break after it on the line (the
     * rules below would copy it too). */
    while (i < len && col < MIME_QP_LINE - 1 && sn <= sizeof(stage) - 8 &&
           qp_literal((unsigned char)in[i]) && (col > 0 || in[i] != 'F')) {
      stage[sn++] = in[i++];
      col++;
    }
    if (i == len)
      break;
    c = (unsigned char)in[i];
    if (sn > sizeof(stage) - 8)
      QP_FLUSH();
    if (at_break(in, len, i)) {
      if (c == '\r')
        i++;
      stage[sn++] = '\r';
      stage[sn++] = '\n';
      col = 0;
      continue;
    }
    /* The last byte before a hard break may use column 76; any other
     * must leave room for the '=' of a soft break, and so must the last
     * byte of input without a newline (one follows). */
    last = at_break(in, len, i + 1);
    limit = last ? MIME_QP_LINE : MIME_QP_LINE - 1;
    enc = !((c >= 33 && c <= 126 && c != '=') ||
            ((c == ' ' || c == '\t') && !last && i + 1 < len));
    tl = enc ? 3 : 1;
    if (col + tl > limit) {
      stage[sn++] = '=';
      stage[sn++] = '\r';
      stage[sn++] = '\n';
      col = 0;
    }
    /* "From " at the start of a line is mangled by mbox writers. */
    if (col == 0 && c == 'F' && len - i >= 5 && !memcmp(in + i, "From ", 5))
      enc = 1, tl = 3;
    if (enc) {
      stage[sn++] = '=';
      stage[sn++] = hex_upper[c >> 4];
      stage[sn++] = hex_upper[c & 15];
    } else {
      stage[sn++] = (char)c;
    }
    col += tl;
  }
  if (sn > sizeof(stage) - 8)
    QP_FLUSH();
  if (col > 0) {
    stage[sn++] = '=';
    stage[sn++] = '\r';
    stage[sn++] = '\n';
  }
  QP_FLUSH();
#undef QP_FLUSH
  return buf_append(out, "", 0);

fail:
  cut_back(out, mark);
  return st;
}

static int
is_hex_upper(char c)
{
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* Bytes that stand for themselves in quoted-printable: tab, space and
 * '!'..'~' except '='. Bytes from 128 up are 0. */
static const unsigned char qp_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, /* tab */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* controls */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* space ! .. / */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, /* 0 .. ? but = */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* @ .. O */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* P .. _ */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* ` .. o */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, /* p .. ~, not DEL */
};

/* The digest checks every glued fragment of every message, so this is
 * on the hot path: lines are found with memchr and bytes classed by a
 * table (twice as fast as comparisons). */
int
mime_qp_check(const char *qp, size_t len)
{
  const char *p = qp, *end = qp + len;

  while (p < end) {
    const char *cr = memchr(p, '\r', (size_t)(end - p));
    size_t n;

    if (!cr || cr + 1 >= end || cr[1] != '\n')
      return 0; /* no CRLF at the end, or a bare CR */
    n = (size_t)(cr - p);
    if (n > MIME_QP_LINE || (n > 0 && (cr[-1] == ' ' || cr[-1] == '\t')))
      return 0;
    for (size_t i = 0; i < n; i++) {
      if (qp_plain[(unsigned char)p[i]])
        continue;
      if (p[i] != '=')
        return 0;
      if (i + 1 == n)
        break; /* a soft line break */
      if (i + 2 >= n || !is_hex_upper(p[i + 1]) || !is_hex_upper(p[i + 2]))
        return 0;
      i += 2;
    }
    p = cr + 2;
  }
  return 1;
}

/* ---- bodies ---- */

static enum sm_status
part_add(struct mime_part *p, const char *data, size_t off, size_t len)
{
  if (p->nfrags == p->cap) {
    size_t ncap = p->cap ? p->cap * 2 : 16;
    struct mime_frag *nf;

    if (p->cap >= MIME_FRAGS_MAX)
      return SM_ERR_LIMIT;
    if (ncap > MIME_FRAGS_MAX)
      ncap = MIME_FRAGS_MAX;
    nf = realloc(p->frags, ncap * sizeof(*nf));
    if (!nf)
      return SM_ERR_NOMEM;
    p->frags = nf;
    p->cap = ncap;
  }
  p->frags[p->nfrags].data = data;
  p->frags[p->nfrags].off = off;
  p->frags[p->nfrags].len = len;
  p->nfrags++;
  return SM_OK;
}

/* ---- the line cache (mime_msg_cache_lines) ---- */

#define QPC_SLOTS 8192 /* a power of 2 */
#define QPC_PROBES 8
#define QPC_BYTES (8u * 1024 * 1024)
/* Shorter lines cost less to encode than to look up. */
#define QPC_MIN 24

struct qpc_line {
  uint64_t hash;
  size_t len, qlen;
  char *line; /* len bytes of the line, then qlen of its encoding */
};

struct mime_qp_cache {
  struct qpc_line slot[QPC_SLOTS];
  size_t used, bytes;
};

static void
qpc_clear(struct mime_qp_cache *c)
{
  for (size_t i = 0; i < QPC_SLOTS; i++) {
    free(c->slot[i].line);
    c->slot[i].line = NULL;
  }
  c->used = c->bytes = 0;
}

static void
qpc_free(struct mime_qp_cache *c)
{
  if (c)
    qpc_clear(c);
  free(c);
}

enum sm_status
mime_msg_cache_lines(struct mime_msg *m)
{
  if (!m->qpc && !(m->qpc = calloc(1, sizeof(*m->qpc))))
    return SM_ERR_NOMEM;
  return SM_OK;
}

/* A 64-bit hash of a line, eight bytes at a step. */
static uint64_t
qpc_hash(const char *p, size_t n)
{
  uint64_t h = 0x9e3779b97f4a7c15u ^ n, w;

  for (; n >= 8; p += 8, n -= 8) {
    memcpy(&w, p, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdu;
    h ^= h >> 32;
  }
  w = 0;
  memcpy(&w, p, n);
  h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
  return h ^ (h >> 29);
}

/* One line, ending in '\n': its cached encoding, or a new one kept. */
static enum sm_status
qpc_line(struct mime_qp_cache *c, const char *p, size_t n, struct buf *out)
{
  uint64_t h = qpc_hash(p, n);
  struct qpc_line *free_slot = NULL;
  size_t off = out->len, q;
  enum sm_status st;

  for (size_t k = 0; k < QPC_PROBES; k++) {
    struct qpc_line *e = &c->slot[(h + k) & (QPC_SLOTS - 1)];

    if (!e->line) {
      free_slot = e;
      break;
    }
    if (e->hash == h && e->len == n && !memcmp(e->line, p, n))
      return buf_append(out, e->line + n, e->qlen);
  }
  if ((st = mime_qp_encode(p, n, out)) != SM_OK)
    return st;
  q = out->len - off;
  if (c->bytes + n + q > QPC_BYTES || c->used >= QPC_SLOTS / 4 * 3) {
    qpc_clear(c); /* full of lines that were not seen again */
    free_slot = &c->slot[h & (QPC_SLOTS - 1)];
  }
  if (free_slot && (free_slot->line = malloc(n + q))) {
    memcpy(free_slot->line, p, n);
    memcpy(free_slot->line + n, out->data + off, q);
    free_slot->hash = h;
    free_slot->len = n;
    free_slot->qlen = q;
    c->used++;
    c->bytes += n + q;
  }
  return SM_OK;
}

/* mime_qp_encode through the cache, line by line. */
static enum sm_status
qpc_encode(struct mime_qp_cache *c, const char *in, size_t len,
           struct buf *out)
{
  const char *p = in, *end = in + len, *nl;
  enum sm_status st = SM_OK;

  while (p < end && st == SM_OK) {
    size_t n;

    nl = memchr(p, '\n', (size_t)(end - p));
    n = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);
    st = nl && n >= QPC_MIN ? qpc_line(c, p, n, out)
                            : mime_qp_encode(p, n, out);
    p += n;
  }
  return st;
}

enum sm_status
mime_add_body_text(struct mime_msg *m, enum mime_kind kind, const char *text,
                   size_t len)
{
  struct mime_part *p;
  size_t off;
  enum sm_status st;

  if ((unsigned)kind >= MIME_KINDS)
    return SM_ERR_INTERNAL;
  p = &m->part[kind];
  off = p->own.len;
  st = m->qpc ? qpc_encode(m->qpc, text, len, &p->own)
              : mime_qp_encode(text, len, &p->own);
  if (st != SM_OK) {
    cut_back(&p->own, off);
    return st;
  }
  if ((st = part_add(p, NULL, off, p->own.len - off)) != SM_OK)
    cut_back(&p->own, off);
  return st;
}

/* Lines shorter than this keep their break: they were not wrapped. */
#define MIME_FLOW_MIN 50

/* Whether a line (without its end) breaks a flowed paragraph where it
 * stands: blank, indented, quoted, a list item or a signature. */
static int
flow_breaks(const char *l, size_t n)
{
  size_t d = 0;

  if (n == 0 || l[0] == ' ' || l[0] == '\t' || l[0] == '>')
    return 1;
  /* A link stands on its own line, where programs find it whole. */
  if ((n >= 7 && !memcmp(l, "http://", 7)) ||
      (n >= 8 && !memcmp(l, "https://", 8)))
    return 1;
  if (n == 3 && !memcmp(l, "-- ", 3))
    return 1;
  if (n >= 2 && (l[0] == '*' || l[0] == '-' || l[0] == '+') && l[1] == ' ')
    return 1;
  while (d < n && l[d] >= '0' && l[d] <= '9')
    d++;
  return d > 0 && d + 1 < n && (l[d] == '.' || l[d] == ')') && l[d + 1] == ' ';
}

enum sm_status
mime_add_body_flowed(struct mime_msg *m, const char *text, size_t len)
{
  struct buf out = BUF_INIT(MIME_PART_MAX);
  const char *p = text, *end = text + len;
  enum sm_status st = SM_OK;

  while (p < end && st == SM_OK) {
    const char *e = memchr(p, '\n', (size_t)(end - p));
    const char *next = e ? e + 1 : end;
    size_t n = e ? (size_t)(e - p) : (size_t)(end - p);
    size_t nn;
    int sig, soft;

    if (n && p[n - 1] == '\r')
      n--;
    sig = n == 3 && !memcmp(p, "-- ", 3);
    while (!sig && n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
      n--;
    nn = (size_t)(end - next);
    if (nn) {
      const char *ne = memchr(next, '\n', nn);
      nn = ne ? (size_t)(ne - next) : nn;
      if (nn && next[nn - 1] == '\r')
        nn--;
    }
    /* A short line ends where its writer ended it (a comment's own
     * line breaks); a long one was wrapped and flows on. */
    soft = next < end && n >= MIME_FLOW_MIN && !flow_breaks(p, n) &&
           p[n - 1] != ':' && !flow_breaks(next, nn);
    if (n &&
        (p[0] == ' ' || p[0] == '>' || (n >= 5 && !memcmp(p, "From ", 5))))
      st = buf_putc(&out, ' ');
    if (st == SM_OK)
      st = buf_append(&out, p, n);
    if (st == SM_OK && soft)
      st = buf_putc(&out, ' ');
    if (st == SM_OK && (e || soft))
      st = buf_putc(&out, '\n');
    p = next;
  }
  if (st == SM_OK)
    st = mime_add_body_text(m, MIME_PLAIN, out.data ? out.data : "", out.len);
  if (st == SM_OK)
    m->flowed = 1;
  buf_free(&out);
  return st;
}

enum sm_status
mime_add_body_qp(struct mime_msg *m, enum mime_kind kind, const char *qp,
                 size_t len)
{
  if ((unsigned)kind >= MIME_KINDS || !mime_qp_check(qp, len))
    return SM_ERR_INTERNAL;
  return part_add(&m->part[kind], qp ? qp : "", 0, len);
}

/* ---- output ---- */

static enum sm_status
put_part_body(const struct mime_part *p, struct buf *out)
{
  enum sm_status st = SM_OK;

  for (size_t i = 0; i < p->nfrags && st == SM_OK; i++) {
    const struct mime_frag *fr = &p->frags[i];
    const char *d = fr->data ? fr->data : p->own.data + fr->off;

    if (fr->len)
      st = buf_append(out, d, fr->len);
  }
  return st;
}

static const char *const part_headers[MIME_KINDS] = {
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n",
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n",
};

enum sm_status
mime_render(const struct mime_msg *m, struct buf *out)
{
  size_t mark = out->len;
  int used[MIME_KINDS], n = 0;
  char boundary[32];
  enum sm_status st;

  for (int k = 0; k < MIME_KINDS; k++)
    n += used[k] = m->part[k].nfrags > 0;
  if (n == 0)
    return SM_ERR_INTERNAL;

  if ((st = buf_append(out, m->head.data, m->head.len)) != SM_OK ||
      (st = buf_puts(out, "MIME-Version: 1.0\r\n")) != SM_OK)
    goto fail;
  if (n == 1) {
    int k = used[MIME_PLAIN] ? MIME_PLAIN : MIME_HTML;
    const char *ph = part_headers[k];

    if (k == MIME_PLAIN && m->flowed)
      ph = "Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n";
    if ((st = buf_puts(out, ph)) != SM_OK ||
        (st = buf_puts(out, "\r\n")) != SM_OK ||
        (st = put_part_body(&m->part[k], out)) != SM_OK)
      goto fail;
    return SM_OK;
  }

  /* FNV-1a of the header fields: the Message-ID makes it differ per
   * message, and being a function of the fields keeps retries
   * byte-identical. Uniqueness against the parts does not rest on the
   * hash: "=_" never occurs in quoted-printable. */
  {
    uint64_t h = 14695981039346656037ULL;

    for (size_t i = 0; i < m->head.len; i++)
      h = (h ^ (unsigned char)m->head.data[i]) * 1099511628211ULL;
    snprintf(boundary, sizeof(boundary), "=_sm%016" PRIx64, h);
  }
  if ((st = buf_printf(out,
                       "Content-Type: multipart/alternative;\r\n"
                       " boundary=\"%s\"\r\n\r\n",
                       boundary)) != SM_OK)
    goto fail;
  /* text/plain first: RFC 2046 5.1.4 puts the preferred part last. */
  for (int k = 0; k < MIME_KINDS; k++) {
    if ((st = buf_printf(out, "--%s\r\n", boundary)) != SM_OK ||
        (st = buf_puts(out, part_headers[k])) != SM_OK ||
        (st = buf_puts(out, "\r\n")) != SM_OK ||
        (st = put_part_body(&m->part[k], out)) != SM_OK ||
        (st = buf_puts(out, "\r\n")) != SM_OK)
      goto fail;
  }
  if ((st = buf_printf(out, "--%s--\r\n", boundary)) != SM_OK)
    goto fail;
  return SM_OK;

fail:
  cut_back(out, mark);
  return st;
}
