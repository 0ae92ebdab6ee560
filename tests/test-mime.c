/* test-mime.c: outgoing messages: exact bytes of small messages, RFC 2047
 * (checked by a small decoder here), display names, header injection,
 * quoted-printable edge cases (checked by a decoder here), gluing
 * pre-encoded fragments, determinism. The boundary in the expected
 * message was computed independently (FNV-1a 64 in Python). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "tap.h"
#include "util.h"

#define T0 1795401248 /* Mon, 23 Nov 2026 02:34:08 +0000 */

/* ---- helpers: independent decoders and line checks ---- */

/* 1 if every line ends in CRLF (the last one too, unless allow_open)
 * and has at most max octets. */
static int
lines_within(const char *s, size_t n, size_t max)
{
  size_t col = 0;

  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\r') {
      if (i + 1 >= n || s[i + 1] != '\n')
        return 0;
      i++;
      col = 0;
    } else if (s[i] == '\n') {
      return 0;
    } else if (++col > max) {
      return 0;
    }
  }
  return col == 0;
}

static int
hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes quoted-printable; hard breaks give "\n". -1 on bad input. */
static int
qp_decode(const char *s, size_t n, struct buf *out)
{
  buf_reset(out);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
      i += 2;
    } else if (s[i] == '=') {
      int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
      int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return -1;
      must(buf_putc(out, (char)(hi * 16 + lo)));
      i += 2;
    } else if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
      must(buf_putc(out, '\n'));
      i++;
    } else {
      must(buf_putc(out, s[i]));
    }
  }
  must(buf_append(out, "", 0));
  return 0;
}

static int
b64val(char c)
{
  const char *a =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *p = c ? strchr(a, c) : NULL;
  return p ? (int)(p - a) : -1;
}

/* Decodes the unfolded value of an unstructured field: encoded words
 * (white space between two of them dropped, RFC 2047 6.2) and plain
 * text. Each encoded word must be at most 75 characters and decode to
 * valid UTF-8 by itself (split between whole characters). -1 if not. */
static int
ew_decode(const char *v, struct buf *out)
{
  const char *p = v;
  int prev_ew = 0;

  buf_reset(out);
  while (*p) {
    const char *ws = p, *e;
    struct buf word = BUF_INIT(1000);
    int q;

    while (*p == ' ' || *p == '\t')
      p++;
    if (strncmp(p, "=?UTF-8?", 8) != 0 || (p[8] != 'Q' && p[8] != 'B') ||
        p[9] != '?') {
      /* plain text up to the next white space */
      must(buf_append(out, ws, (size_t)(p - ws)));
      while (*p && *p != ' ' && *p != '\t')
        must(buf_putc(out, *p++));
      prev_ew = 0;
      continue;
    }
    if (!prev_ew)
      must(buf_append(out, ws, (size_t)(p - ws)));
    q = p[8] == 'Q';
    e = strstr(p + 10, "?=");
    if (!e || e + 2 - p > MIME_EW_MAX)
      return -1;
    for (const char *c = p + 10; c < e;) {
      if (q && *c == '_') {
        must(buf_putc(&word, ' '));
        c++;
      } else if (q && *c == '=') {
        int hi = hexval(c[1]), lo = hi < 0 ? -1 : hexval(c[2]);
        if (lo < 0)
          return -1;
        must(buf_putc(&word, (char)(hi * 16 + lo)));
        c += 3;
      } else if (q) {
        must(buf_putc(&word, *c++));
      } else {
        int v4[4];
        for (int k = 0; k < 4; k++)
          v4[k] = c + k < e ? (c[k] == '=' ? 0 : b64val(c[k])) : -1;
        if (v4[0] < 0 || v4[1] < 0 || v4[2] < 0 || v4[3] < 0)
          return -1;
        must(buf_putc(&word, (char)(v4[0] << 2 | v4[1] >> 4)));
        if (c[2] != '=')
          must(buf_putc(&word, (char)((v4[1] & 15) << 4 | v4[2] >> 2)));
        if (c[3] != '=')
          must(buf_putc(&word, (char)((v4[2] & 3) << 6 | v4[3])));
        c += 4;
      }
    }
    if (!util_utf8_valid(word.data ? word.data : "", word.len)) {
      buf_free(&word);
      return -1;
    }
    must(buf_append(out, word.data ? word.data : "", word.len));
    buf_free(&word);
    p = e + 2;
    prev_ew = 1;
  }
  must(buf_append(out, "", 0));
  return 0;
}

/* The value of the one header field in m->head: unfolded, without
 * "Name:" and the space after it. Caller frees. */
static char *
field_value(const struct buf *head)
{
  const char *s = buf_str(head), *colon = strchr(s, ':');
  struct buf b = BUF_INIT(1 << 20);

  if (!colon)
    return NULL;
  s = colon + 1;
  if (*s == ' ')
    s++;
  for (; *s; s++) {
    if (s[0] == '\r' && s[1] == '\n') {
      s++;
      continue;
    }
    must(buf_putc(&b, *s));
  }
  return buf_detach(&b);
}

/* The field as mime renders it. Caller frees. */
static char *
text_field(const char *name, const char *value, enum sm_status *st)
{
  struct mime_msg m;
  char *r;

  mime_msg_init(&m);
  *st = mime_add_text_header(&m, name, value);
  r = strdup(buf_str(&m.head));
  mime_msg_free(&m);
  return r;
}

static char *
address_field(const char *display, const char *addr, enum sm_status *st)
{
  struct mime_msg m;
  char *r;

  mime_msg_init(&m);
  *st = mime_add_address(&m, "From", display, addr);
  r = strdup(buf_str(&m.head));
  mime_msg_free(&m);
  return r;
}

static char *
qp(const char *in, size_t len)
{
  struct buf b = BUF_INIT(1 << 20);

  if (mime_qp_encode(in, len, &b) != SM_OK)
    return NULL;
  return buf_detach(&b);
}

/* ---- the tests ---- */

static void
test_exact_message(void)
{
  struct mime_msg m;
  struct buf out = BUF_INIT(1 << 16), again = BUF_INIT(1 << 16);
  char id[MIME_MSGID_MAX];
  static const char want[] =
      "From: Shortmail <digest@lists.example.org>\r\n"
      "To: Ada Lovelace <ada@example.net>\r\n"
      "Subject: =?UTF-8?Q?Weekly_digest=3A_=C3=9Cber?=\r\n"
      "Date: Mon, 23 Nov 2026 02:34:08 +0000\r\n"
      "Message-ID: <digest.42.7@lists.example.org>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/alternative;\r\n"
      " boundary=\"=_smca96c29835dbae3e\"\r\n"
      "\r\n"
      "--=_smca96c29835dbae3e\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "Hello =3D w=C3=B6rld\r\n"
      "\r\n"
      "--=_smca96c29835dbae3e\r\n"
      "Content-Type: text/html; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "<p>Hi</p>\r\n"
      "\r\n"
      "--=_smca96c29835dbae3e--\r\n";

  mime_msg_init(&m);
  is_int(mime_message_id(id, sizeof(id), "digest", 42, 7, "lists.example.org"),
         SM_OK, "message id");
  is_str(id, "<digest.42.7@lists.example.org>", "message id format");
  ok(mime_add_address(&m, "From", "Shortmail", "digest@lists.example.org") ==
             SM_OK &&
         mime_add_address(&m, "To", "Ada Lovelace", "ada@example.net") ==
             SM_OK &&
         mime_add_text_header(&m, "Subject",
                              "Weekly digest: \xc3\x9c"
                              "ber") == SM_OK &&
         mime_add_date(&m, T0) == SM_OK &&
         mime_add_header(&m, "Message-ID", id) == SM_OK,
     "headers added");
  ok(mime_add_body_text(&m, MIME_HTML, "<p>Hi</p>\n", 10) == SM_OK &&
         mime_add_body_text(&m, MIME_PLAIN, "Hello = w\xc3\xb6rld\n", 15) ==
             SM_OK,
     "bodies added (html first: the order of calls does not matter)");
  is_int(mime_render(&m, &out), SM_OK, "render");
  is_str(buf_str(&out), want, "the exact bytes of a small multipart message");
  is_int(mime_render(&m, &again), SM_OK, "render again");
  ok(out.len == again.len && !memcmp(out.data, again.data, out.len),
     "rendering twice gives the same bytes");

  /* Reused after a reset: the same bytes as a fresh message. */
  mime_msg_reset(&m);
  buf_reset(&again);
  mime_add_address(&m, "From", "Shortmail", "digest@lists.example.org");
  mime_add_address(&m, "To", "Ada Lovelace", "ada@example.net");
  mime_add_text_header(&m, "Subject",
                       "Weekly digest: \xc3\x9c"
                       "ber");
  mime_add_date(&m, T0);
  mime_add_header(&m, "Message-ID", id);
  mime_add_body_text(&m, MIME_PLAIN, "Hello = w\xc3\xb6rld\n", 15);
  mime_add_body_text(&m, MIME_HTML, "<p>Hi</p>\n", 10);
  mime_render(&m, &again);
  is_str(buf_str(&again), want, "a reset message builds the same bytes");

  /* Another Message-ID, another boundary. */
  mime_msg_reset(&m);
  buf_reset(&again);
  mime_add_header(&m, "Message-ID", "<digest.42.8@lists.example.org>");
  mime_add_body_text(&m, MIME_PLAIN, "x\n", 2);
  mime_add_body_text(&m, MIME_HTML, "x\n", 2);
  mime_render(&m, &again);
  ok(strstr(buf_str(&again), "boundary=\"=_sm") &&
         !strstr(buf_str(&again), "ca96c29835dbae3e"),
     "another Message-ID gives another boundary");

  /* A full output buffer: an error, and out as it was. */
  {
    struct buf small = BUF_INIT(100);
    must(buf_puts(&small, "keep"));
    is_int(mime_render(&m, &small), SM_ERR_LIMIT, "render into a full buf");
    is_str(buf_str(&small), "keep", "leaves it as it was");
    buf_free(&small);
  }
  mime_msg_reset(&m);
  mime_add_header(&m, "Subject", "no body");
  is_int(mime_render(&m, &again), SM_ERR_INTERNAL,
         "a message without a body is refused");
  mime_msg_free(&m);
  buf_free(&out);
  buf_free(&again);
}

static void
test_single_part(void)
{
  struct mime_msg m;
  struct buf out = BUF_INIT(1 << 16);
  static const char want[] = "From: digest-request@lists.example.org\r\n"
                             "To: ada@example.net\r\n"
                             "Subject: Confirm your subscription\r\n"
                             "Auto-Submitted: auto-replied\r\n"
                             "MIME-Version: 1.0\r\n"
                             "Content-Type: text/plain; charset=utf-8\r\n"
                             "Content-Transfer-Encoding: quoted-printable\r\n"
                             "\r\n"
                             "Reply to confirm.\r\n"
                             ".\r\n"
                             "Thanks=\r\n";

  mime_msg_init(&m);
  mime_add_address(&m, "From", NULL, "digest-request@lists.example.org");
  mime_add_address(&m, "To", "", "ada@example.net");
  mime_add_text_header(&m, "Subject", "Confirm your subscription");
  mime_add_header(&m, "Auto-Submitted", "auto-replied");
  mime_add_body_text(&m, MIME_PLAIN, "Reply to confirm.\n", 18);
  mime_add_body_text(&m, MIME_PLAIN, ".\nThanks", 8);
  is_int(mime_render(&m, &out), SM_OK, "render a text-only message");
  is_str(buf_str(&out), want, "the exact bytes of a text/plain message");

  mime_msg_reset(&m);
  buf_reset(&out);
  mime_add_body_text(&m, MIME_HTML, "<b>x</b>\n", 9);
  mime_render(&m, &out);
  ok(strstr(buf_str(&out), "Content-Type: text/html; charset=utf-8\r\n") &&
         !strstr(buf_str(&out), "multipart"),
     "an html-only message is single-part text/html");
  mime_msg_free(&m);
  buf_free(&out);
}

static void
test_flowed(void)
{
  struct mime_msg m;
  struct buf out = BUF_INIT(1 << 16);
  const char *body;
  static const char text[] =
      "Hello,\n"
      "\n"
      "A paragraph of two lines, long enough that a phone\n"
      "should join them into one.   \n"
      "A short line\n"
      "keeps its end.\n"
      "Keywords you asked for:\n"
      "  cs.LG\n"
      "* an item\n"
      "* another\n"
      "1. first\n"
      "Open this link:\n"
      "https://www.shortscience.org/confirm/abc\n"
      "From here on.\n"
      ">quoted\n"
      "-- \n"
      "Sig line";
  /* Soft breaks end in a space (QP keeps it as =20 before a soft line
   * break or the CRLF); the rest are hard; ' ', '>' and "From " are
   * stuffed. */
  static const char want[] =
      "Hello,\r\n"
      "\r\n"
      "A paragraph of two lines, long enough that a phone=20\r\n"
      "should join them into one.\r\n"
      "A short line\r\n"
      "keeps its end.\r\n"
      "Keywords you asked for:\r\n"
      "   cs.LG\r\n"
      "* an item\r\n"
      "* another\r\n"
      "1. first\r\n"
      "Open this link:\r\n"
      "https://www.shortscience.org/confirm/abc\r\n"
      " From here on.\r\n"
      " >quoted\r\n"
      "--=20\r\n"
      "Sig line=\r\n";

  mime_msg_init(&m);
  mime_add_address(&m, "From", NULL, "digest-request@lists.example.org");
  is_int(mime_add_body_flowed(&m, text, strlen(text)), SM_OK, "flowed: add");
  is_int(mime_render(&m, &out), SM_OK, "flowed: render");
  ok(strstr(buf_str(&out), "Content-Type: text/plain; charset=utf-8; "
                           "format=flowed\r\n") != NULL,
     "flowed: the part says format=flowed");
  body = strstr(buf_str(&out), "\r\n\r\n");
  is_str(body ? body + 4 : "", want,
         "flowed: paragraphs soft, lists, quotes, links and signature hard");
  mime_msg_reset(&m);
  buf_reset(&out);
  mime_add_body_text(&m, MIME_PLAIN, "x\n", 2);
  mime_render(&m, &out);
  ok(strstr(buf_str(&out), "format=flowed") == NULL,
     "flowed: reset forgets it");
  mime_msg_free(&m);
  buf_free(&out);
}

static void
test_date_and_id(void)
{
  char d[64], id[MIME_MSGID_MAX];

  mime_format_date(0, d, sizeof(d));
  is_str(d, "Thu, 01 Jan 1970 00:00:00 +0000", "date of the epoch");
  mime_format_date(1709208000, d, sizeof(d));
  is_str(d, "Thu, 29 Feb 2024 12:00:00 +0000", "date of a leap day");
  mime_format_date(T0, d, sizeof(d));
  is_str(d, "Mon, 23 Nov 2026 02:34:08 +0000", "date of T0");

  is_int(mime_message_id(id, sizeof(id), "comment-fwd", 9, 12345678901LL,
                         "lists.example.org"),
         SM_OK, "message id with a dash and a big number");
  is_str(id, "<comment-fwd.9.12345678901@lists.example.org>", "its text");
  is_int(mime_message_id(id, sizeof(id), "a b", 1, 2, "x.org"), SM_ERR_DATA,
         "a kind with a space is refused");
  is_int(mime_message_id(id, sizeof(id), "a.b", 1, 2, "x.org"), SM_ERR_DATA,
         "a kind with a dot is refused");
  is_int(mime_message_id(id, sizeof(id), "", 1, 2, "x.org"), SM_ERR_DATA,
         "an empty kind is refused");
  is_int(mime_message_id(id, sizeof(id), "d", 1, 2, "x.org>\r\nBcc: y"),
         SM_ERR_DATA, "a domain with CRLF is refused");
  is_int(mime_message_id(id, sizeof(id), "d", 1, 2, "x..org"), SM_ERR_DATA,
         "a domain with an empty label is refused");
  is_int(mime_message_id(id, 10, "digest", 1, 2, "x.org"), SM_ERR_LIMIT,
         "a short buffer is SM_ERR_LIMIT");
  is_str(id, "", "and leaves an empty string");
}

static void
test_subjects(void)
{
  struct buf dec = BUF_INIT(1 << 20);
  enum sm_status st;
  char *h, *v;

  h = text_field("Subject",
                 "Gr\xc3\xbc\xc3\x9f"
                 "e",
                 &st);
  is_str(h, "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n",
         "more than a third 8-bit: B");
  free(h);
  h = text_field("Subject", "\xe4\xb8\xad\xe6\x96\x87", &st);
  is_str(h, "Subject: =?UTF-8?B?5Lit5paH?=\r\n", "中文 in B");
  free(h);
  h = text_field("Subject", "\xf0\x9f\xa7\xa0", &st);
  is_str(h, "Subject: =?UTF-8?B?8J+noA==?=\r\n", "an emoji in B");
  free(h);
  h = text_field("Subject", "Caf\xc3\xa9 (menu) = 5?_", &st);
  is_str(h, "Subject: =?UTF-8?Q?Caf=C3=A9_=28menu=29_=3D_5=3F=5F?=\r\n",
         "mostly ASCII in Q, specials encoded");
  free(h);
  h = text_field("Subject", "Plain ASCII subject", &st);
  is_str(h, "Subject: Plain ASCII subject\r\n", "ASCII as it is");
  free(h);
  h = text_field("Subject", "looks =?like?= a word", &st);
  ok(!strstr(h, "=?like?="), "text that looks like an encoded word is "
                             "encoded");
  v = field_value(&(struct buf){h, strlen(h), 0, 0});
  ok(ew_decode(v, &dec) == 0 &&
         !strcmp(buf_str(&dec), "looks =?like?= a word"),
     "and decodes back");
  free(v);
  free(h);
  h = text_field("Subject", "", &st);
  is_str(h, "Subject:\r\n", "an empty subject");
  free(h);

  /* Long subjects of every kind: every encoded word <= 75, every line
   * <= 76 when it has encoded words, else <= 78, and decoding gives the
   * text back. */
  {
    static const char *const pieces[] = {"\xc3\xbc",
                                         "\xe4\xb8\xad\xe6\x96\x87",
                                         "\xf0\x9f\xa7\xa0",
                                         "a\xc3\xa9 ",
                                         "word ",
                                         "x"};
    for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++)
      for (int reps = 1; reps < 700; reps = reps * 3 + 1) {
        struct buf s = BUF_INIT(1 << 16);
        char name[120];
        int has_ew;

        must(buf_puts(&s, "Start "));
        for (int r = 0; r < reps; r++)
          must(buf_puts(&s, pieces[k]));
        must(buf_puts(&s, " end"));
        h = text_field("Subject", buf_str(&s), &st);
        has_ew = strstr(h, "=?UTF-8?") != NULL;
        snprintf(name, sizeof(name), "subject of %d x piece %zu: lines", reps,
                 k);
        ok(st == SM_OK && lines_within(h, strlen(h), has_ew ? 76 : 78), name);
        v = field_value(&(struct buf){h, strlen(h), 0, 0});
        snprintf(name, sizeof(name), "subject of %d x piece %zu: decodes back",
                 reps, k);
        ok(ew_decode(v, &dec) == 0 && !strcmp(buf_str(&dec), buf_str(&s)),
           name);
        free(v);
        free(h);
        buf_free(&s);
      }
  }

  /* A word too long for a line is encoded rather than a line > 78, so
   * certainly never > 998; so is white space too long for a line. */
  {
    char big[2001];
    memset(big, 'x', 2000);
    big[2000] = '\0';
    h = text_field("Subject", big, &st);
    ok(st == SM_OK && lines_within(h, strlen(h), 76),
       "a 2000-character word is encoded and folded");
    v = field_value(&(struct buf){h, strlen(h), 0, 0});
    ok(ew_decode(v, &dec) == 0 && !strcmp(buf_str(&dec), big),
       "and decodes back");
    free(v);
    free(h);
    memset(big, ' ', 2000);
    big[0] = 'a';
    big[1999] = 'b';
    h = text_field("Subject", big, &st);
    ok(st == SM_OK && lines_within(h, strlen(h), 76),
       "2000 characters of white space are encoded and folded");
    v = field_value(&(struct buf){h, strlen(h), 0, 0});
    ok(ew_decode(v, &dec) == 0 && !strcmp(buf_str(&dec), big),
       "and decode back");
    free(v);
    free(h);
    h = text_field("Subject",
                   "a 75-character word stays as it is: "
                   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                   "xxxxxxxxxxxxxxxxx",
                   &st);
    ok(st == SM_OK && !strstr(h, "=?") && lines_within(h, strlen(h), 78),
       "a 75-character word is not encoded and folds within 78");
    free(h);
  }
  /* ASCII folds at white space and unfolds to the same text. */
  {
    const char *s = "spaces   kept across     folds and a "
                    "reasonably long subject line that must fold somewhere "
                    "around here, twice or three times over, at white space";
    h = text_field("Subject", s, &st);
    ok(lines_within(h, strlen(h), 78) && strstr(h, "\r\n "),
       "a long ASCII subject folds within 78");
    v = field_value(&(struct buf){h, strlen(h), 0, 0});
    is_str(v, s, "and unfolds to the same text");
    free(v);
    free(h);
  }
  buf_free(&dec);
}

static void
test_injection(void)
{
  struct mime_msg m;
  enum sm_status st;
  char *h;

  h = text_field("Subject", "Hi\r\nBcc: victim@example.com", &st);
  is_str(h, "Subject: Hi Bcc: victim@example.com\r\n",
         "CRLF in a Subject becomes a space: no new header line");
  free(h);
  h = text_field("Subject", "\r\n\r\nbody\n\tmore\r", &st);
  is_str(h, "Subject: body more\r\n",
         "leading line breaks are dropped, inner ones are a space");
  free(h);
  h = text_field("Subject", "a\x01z", &st);
  is_int(st, SM_ERR_DATA, "another control character is refused");
  is_str(h, "", "and adds nothing");
  free(h);
  h = text_field("Subject", "a\x7fz", &st);
  is_int(st, SM_ERR_DATA, "DEL is refused");
  free(h);
  h = text_field("Subject", "bad \xff utf-8", &st);
  is_int(st, SM_ERR_DATA, "invalid UTF-8 is refused");
  free(h);
  h = text_field("Subject", "over\xc0\xaflong", &st);
  is_int(st, SM_ERR_DATA, "an overlong UTF-8 sequence is refused");
  free(h);
  h = text_field("Subj ect", "x", &st);
  is_int(st, SM_ERR_INTERNAL, "a field name with a space is refused");
  free(h);
  h = text_field("Subject:", "x", &st);
  is_int(st, SM_ERR_INTERNAL, "a field name with a colon is refused");
  free(h);

  mime_msg_init(&m);
  is_int(mime_add_header(&m, "In-Reply-To", "<a@b>\r\nBcc: x@y"), SM_ERR_DATA,
         "CRLF in a structured field is refused");
  is_int(mime_add_header(&m, "In-Reply-To", "<a@b>\nBcc: x@y"), SM_ERR_DATA,
         "LF alone too");
  is_int(mime_add_header(&m, "X-Name", "M\xc3\xbcller"), SM_ERR_DATA,
         "8-bit bytes in a structured field are refused");
  is_int(mime_add_header(&m, "X-Empty", "  "), SM_ERR_DATA,
         "an empty structured field is refused");
  is_int(m.head.len, 0, "refused fields add nothing");
  is_int(mime_add_address(&m, "To", "x", "a@b\r\nBcc: c@d"), SM_ERR_DATA,
         "an address with CRLF is refused");
  is_int(mime_add_address(&m, "To", "x", "a b@c"), SM_ERR_DATA,
         "an address with a space is refused");
  is_int(mime_add_address(&m, "To", "x", "a@b>, <c@d"), SM_ERR_DATA,
         "an address with brackets and commas is refused");
  is_int(mime_add_address(&m, "To", "x", "\"q\"@example.org"), SM_ERR_DATA,
         "a quoted local part is refused");
  is_int(mime_add_address(&m, "To", "x", "a..b@example.org"), SM_ERR_DATA,
         "a local part with .. is refused");
  is_int(mime_add_address(&m, "To", "x", "m\xc3\xbc@example.org"), SM_ERR_DATA,
         "a non-ASCII address is refused");
  is_int(mime_add_address(&m, "To", "x", "noat"), SM_ERR_DATA,
         "an address without @ is refused");
  is_int(m.head.len, 0, "refused addresses add nothing");
  is_int(mime_add_address(&m, "To", "x", "first.last+tag@sub.example.org"),
         SM_OK, "a dotted local part with a tag is fine");
  mime_msg_free(&m);
}

static void
test_display_names(void)
{
  static const struct {
    const char *display, *want;
  } cases[] = {
      {"Ada Lovelace", "From: Ada Lovelace <a@example.org>\r\n"},
      {"O'Brien", "From: O'Brien <a@example.org>\r\n"},
      {"Smith, John", "From: \"Smith, John\" <a@example.org>\r\n"},
      {"A. B. Smith", "From: \"A. B. Smith\" <a@example.org>\r\n"},
      {"Smith, John \"JJ\" \\o/",
       "From: \"Smith, John \\\"JJ\\\" \\\\o/\" <a@example.org>\r\n"},
      {"two  spaces", "From: \"two  spaces\" <a@example.org>\r\n"},
      {"M\xc3\xbcller", "From: =?UTF-8?Q?M=C3=BCller?= <a@example.org>\r\n"},
      {"M\xc3\xbcller, Hans",
       "From: =?UTF-8?Q?M=C3=BCller=2C_Hans?= <a@example.org>\r\n"},
      {"\xe6\x9d\x8e\xe9\x9b\xb7",
       "From: =?UTF-8?B?5p2O6Zu3?= <a@example.org>\r\n"},
      {"Evil\r\nBcc: x@y", "From: \"Evil Bcc: x@y\" <a@example.org>\r\n"},
      {"=?utf-8?b?Zm9v?=",
       "From: =?UTF-8?Q?=3D=3Futf-8=3Fb=3FZm9v=3F=3D?= <a@example.org>\r\n"},
      {"  ", "From: a@example.org\r\n"},
  };
  enum sm_status st;
  char *h;

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char name[200];

    h = address_field(cases[i].display, "a@example.org", &st);
    snprintf(name, sizeof(name), "display name #%zu", i);
    is_str(h, cases[i].want, name);
    free(h);
  }
  /* Long names fold within 78 (76 with encoded words). */
  h = address_field("Long, name Long, name Long, name Long, name Long, name "
                    "Long, name Long, name Long, name",
                    "digest@lists.example.org", &st);
  ok(st == SM_OK && lines_within(h, strlen(h), 78) && strstr(h, "\r\n "),
     "a long quoted display name folds inside the quotes");
  ok(!strstr(h, "=?"), "without encoding");
  free(h);
  {
    struct buf s = BUF_INIT(1 << 16);
    for (int i = 0; i < 60; i++)
      must(buf_puts(&s, "\xc3\xa9t\xc3\xa9 "));
    h = address_field(buf_str(&s), "digest@lists.example.org", &st);
    ok(st == SM_OK && lines_within(h, strlen(h), 76),
       "a long non-ASCII display name folds within 76");
    free(h);
    buf_reset(&s);
    for (int i = 0; i < 1500; i++)
      must(buf_putc(&s, 'x'));
    h = address_field(buf_str(&s), "digest@lists.example.org", &st);
    ok(st == SM_OK && lines_within(h, strlen(h), 76),
       "a 1500-character atom is encoded to fold within 76");
    free(h);
    buf_free(&s);
  }
  {
    struct mime_msg m;

    mime_msg_init(&m);
    is_int(mime_add_phrase_header(&m, "List-Id", "Shortmail digest",
                                  "<digest.lists.example.org>"),
           SM_OK, "List-Id with a phrase");
    is_int(mime_add_phrase_header(&m, "List-Id",
                                  "Le digest r\xc3\xa9sum\xc3\xa9",
                                  "<digest.lists.example.org>"),
           SM_OK, "List-Id with a non-ASCII phrase");
    is_int(mime_add_phrase_header(&m, "List-Id", "x", "<a b>"), SM_ERR_DATA,
           "a tail with a space is refused");
    is_int(mime_add_phrase_header(&m, "List-Id", "x", "<a>\r\n"), SM_ERR_DATA,
           "a tail with CRLF is refused");
    is_str(buf_str(&m.head),
           "List-Id: Shortmail digest <digest.lists.example.org>\r\n"
           "List-Id: =?UTF-8?Q?Le_digest_r=C3=A9sum=C3=A9?= "
           "<digest.lists.example.org>\r\n",
           "List-Id fields");
    mime_msg_free(&m);
  }
}

static void
test_structured_folding(void)
{
  struct mime_msg m;
  struct buf s = BUF_INIT(1 << 16);
  char *v;

  mime_msg_init(&m);
  for (int i = 0; i < 12; i++)
    must(buf_printf(&s, "%s<digest.%d.1234@lists.example.org>", i ? " " : "",
                    i));
  is_int(mime_add_header(&m, "References", buf_str(&s)), SM_OK,
         "a long References field");
  ok(lines_within(m.head.data, m.head.len, 78), "folds within 78");
  v = field_value(&m.head);
  is_str(v, buf_str(&s), "and unfolds to the same value");
  free(v);
  mime_msg_reset(&m);
  buf_reset(&s);
  must(buf_puts(&s, "<https://x.example/"));
  for (int i = 0; i < 1000; i++)
    must(buf_putc(&s, 'a'));
  must(buf_puts(&s, ">"));
  is_int(mime_add_header(&m, "List-Unsubscribe", buf_str(&s)), SM_ERR_LIMIT,
         "a token too long for 998 octets is refused");
  is_int(m.head.len, 0, "and adds nothing");
  mime_msg_free(&m);
  buf_free(&s);
}

static void
test_qp(void)
{
  struct buf dec = BUF_INIT(1 << 20);
  char a76[80], a77[80];
  char *e;

  memset(a76, 'a', 76);
  memcpy(a76 + 76, "\n", 2);
  memset(a77, 'a', 77);
  memcpy(a77 + 77, "\n", 2);

  e = qp(a76, 77);
  ok(e && strlen(e) == 78 && !memcmp(e, a76, 76) && !strcmp(e + 76, "\r\n"),
     "a line of exactly 76 stays one line");
  free(e);
  e = qp(a77, 78);
  ok(e && strlen(e) == 75 + 3 + 2 + 2 && !memcmp(e + 75, "=\r\naa\r\n", 7),
     "a line of 77 gets a soft break after 75");
  free(e);
  e = qp(a76, 76);
  ok(e && !strcmp(e + 75, "=\r\na=\r\n"),
     "76 without a newline: the end needs room for a soft break too");
  free(e);

#define QP_IS(in, want, name)                                                 \
  do {                                                                        \
    char *r_ = qp(in, sizeof(in) - 1);                                        \
    is_str(r_, want, name);                                                   \
    free(r_);                                                                 \
  } while (0)
  QP_IS("", "", "empty in, empty out");
  QP_IS("abc", "abc=\r\n", "no newline at the end: a soft break");
  QP_IS("a=b\n", "a=3Db\r\n", "= is encoded");
  QP_IS("trailing  \n", "trailing =20\r\n", "a trailing space is encoded");
  QP_IS("tab\t\n", "tab=09\r\n", "a trailing tab is encoded");
  QP_IS("end ", "end=20=\r\n", "white space at the very end is encoded");
  QP_IS("in side\tok\n", "in side\tok\r\n", "inner white space stays");
  QP_IS(".\n..\n", ".\r\n..\r\n", "dot lines are fine (SMTP stuffs them)");
  QP_IS("From here\nFromage\n", "=46rom here\r\nFromage\r\n",
        "From at a line start is encoded");
  QP_IS("\xc3\xbc\n", "=C3=BC\r\n", "8-bit bytes as upper-case =XX");
  QP_IS("a\r\nb\r\n", "a\r\nb\r\n", "CRLF in, CRLF out");
  QP_IS("a\rb\n", "a=0Db\r\n", "a lone CR is encoded");
  QP_IS("a\r\r\n", "a=0D\r\n", "CR before CRLF is encoded");
  QP_IS("\n\n", "\r\n\r\n", "empty lines");
  QP_IS("nul\0x\n", "nul=00x\r\n", "NUL is encoded");
#undef QP_IS

  /* An =XX is never split: 74 'a' then ü. */
  {
    char in[80];
    memset(in, 'a', 74);
    memcpy(in + 74, "\xc3\xbc\n", 4);
    e = qp(in, 77);
    ok(e && !memcmp(e + 74, "=\r\n=C3=BC\r\n", 11),
       "a soft break goes before an =XX that does not fit");
    free(e);
  }

  /* A 2000-character line, with 8-bit bytes, spaces and '='. */
  {
    struct buf in = BUF_INIT(1 << 16);
    for (int i = 0; i < 2000; i++)
      must(buf_putc(&in, "ab =\xc3\xa9 \t"[i % 8]));
    must(buf_putc(&in, '\n'));
    e = qp(in.data, in.len);
    ok(e && lines_within(e, strlen(e), 76), "a 2000-char line: lines <= 76");
    ok(mime_qp_check(e, strlen(e)), "passes mime_qp_check");
    ok(qp_decode(e, strlen(e), &dec) == 0 && dec.len == in.len &&
           !memcmp(dec.data, in.data, in.len),
       "and decodes back");
    free(e);

    /* Glued: each piece encoded alone, at every cut, decodes to the
     * whole, every line <= 76, and passes the check. */
    {
      int all = 1;
      for (size_t cut = 1; cut < 200; cut += 7) {
        struct buf glued = BUF_INIT(1 << 20);
        for (size_t off = 0; off < in.len; off += cut) {
          size_t n = in.len - off < cut ? in.len - off : cut;
          mime_qp_encode(in.data + off, n, &glued);
        }
        if (!lines_within(glued.data, glued.len, 76) ||
            !mime_qp_check(glued.data, glued.len) ||
            qp_decode(glued.data, glued.len, &dec) != 0 || dec.len != in.len ||
            memcmp(dec.data, in.data, in.len))
          all = 0;
        buf_free(&glued);
      }
      ok(all, "fragments encoded alone glue into valid QP of the whole");
    }
    buf_free(&in);
  }

  /* mime_qp_check refuses what would break a message. */
  ok(mime_qp_check("", 0), "check: empty is fine");
  ok(mime_qp_check("ab=3D=\r\n", 8), "check: a soft break is fine");
  ok(!mime_qp_check("ab\n", 3), "check: a bare LF is refused");
  ok(!mime_qp_check("ab\rc\r\n", 6), "check: a bare CR is refused");
  ok(!mime_qp_check("ab", 2), "check: no final CRLF is refused");
  ok(!mime_qp_check("a=3d\r\n", 6), "check: lower-case hex is refused");
  ok(!mime_qp_check("a=_b\r\n", 6), "check: =_ is refused");
  ok(!mime_qp_check("a=\r\n\r\n=", 8), "check: a lone = at the end");
  ok(!mime_qp_check("a \r\n", 4), "check: a trailing space is refused");
  ok(!mime_qp_check("\xc3\xbc\r\n", 4), "check: 8-bit bytes are refused");
  ok(!mime_qp_check("a\0b\r\n", 5), "check: NUL is refused");
  {
    char l[80];
    memset(l, 'a', 77);
    memcpy(l + 77, "\r\n", 2);
    ok(!mime_qp_check(l, 79), "check: a line of 77 is refused");
    ok(mime_qp_check(l + 1, 78), "check: a line of 76 is fine");
  }
  {
    struct mime_msg m;
    mime_msg_init(&m);
    is_int(mime_add_body_qp(&m, MIME_PLAIN, "bad\n", 4), SM_ERR_INTERNAL,
           "mime_add_body_qp refuses bytes that are not QP");
    is_int(m.part[MIME_PLAIN].nfrags, 0, "and adds nothing");
    mime_msg_free(&m);
  }
  buf_free(&dec);
}

/* The digest's way: cached QP fragments glued; the same bytes as
 * encoding the concatenated text in one go when each fragment ends with
 * a newline. */
static void
test_fragments(void)
{
  static const char *const frags[] = {
      "Your digest\n\n", "1. Deep Residual Learning \xe2\x80\x94 He et al.\n",
      "   A summary with = signs and trailing space \n",
      "2. Batch Normalization\n"};
  struct buf cache[4], whole = BUF_INIT(1 << 16);
  struct buf a = BUF_INIT(1 << 16), b = BUF_INIT(1 << 16);
  struct mime_msg m1, m2;

  mime_msg_init(&m1);
  mime_msg_init(&m2);
  for (int i = 0; i < 4; i++) {
    buf_init(&cache[i], 1 << 16);
    mime_qp_encode(frags[i], strlen(frags[i]), &cache[i]);
    must(buf_puts(&whole, frags[i]));
  }
  mime_add_header(&m1, "Message-ID", "<digest.1.2@lists.example.org>");
  mime_add_header(&m2, "Message-ID", "<digest.1.2@lists.example.org>");
  for (int i = 0; i < 4; i++)
    ok(mime_add_body_qp(&m1, MIME_PLAIN, cache[i].data, cache[i].len) == SM_OK,
       "glue a cached fragment");
  mime_add_body_qp(&m1, MIME_HTML, cache[0].data, cache[0].len);
  mime_add_body_text(&m2, MIME_PLAIN, whole.data, whole.len);
  mime_add_body_text(&m2, MIME_HTML, frags[0], strlen(frags[0]));
  mime_render(&m1, &a);
  mime_render(&m2, &b);
  is_str(buf_str(&a), buf_str(&b),
         "glued fragments give the bytes of the whole text encoded at once");
  for (int i = 0; i < 4; i++)
    buf_free(&cache[i]);
  buf_free(&whole);
  buf_free(&a);
  buf_free(&b);
  mime_msg_free(&m1);
  mime_msg_free(&m2);
}

/* The line cache (mime_msg_cache_lines): messages that share most of
 * their lines, made one after the other with one mime_msg, come out byte
 * for byte as without it, the first time (lines kept) and after
 * (lines reused): trailing spaces, "From " starts, long lines, 8-bit
 * bytes, CRLF and LF, a last line without its newline. */
static void
test_line_cache(void)
{
  static const char *const shared[] = {
      "<style>body { margin: 0; padding: 0; -webkit-text-size-adjust: 100%; "
      "} .a { color: #1a4d80; } .b { font-family: Menlo, Consolas; "
      "}</style>\n",
      "From here on, the summaries of the week:\n",
      "a line that ends in spaces and is long enough to be kept   \n",
      "r\xc3\xa9sum\xc3\xa9 = na\xc3\xafve ... 100%=sure, with CRLF\r\n",
      "<a href=\"https://shortscience.org/paper?bibtexKey=arxiv.org/abs/"
      "1706.03762\">Attention Is All You Need</a> and more words after it\n",
  };
  struct mime_msg plain, cached;
  unsigned seed = 12345;
  int same = 1, k;

  mime_msg_init(&plain);
  mime_msg_init(&cached);
  must(mime_msg_cache_lines(&cached));
  for (k = 0; k < 300; k++) {
    struct buf text = BUF_INIT(1 << 20), a = BUF_INIT(1 << 22),
               b = BUF_INIT(1 << 22);
    int lines = 1 + (int)(seed % 40);

    for (int i = 0; i < lines; i++) {
      seed = seed * 1103515245u + 12345u;
      if ((seed >> 8) % 3)
        must(buf_puts(&text, shared[(seed >> 12) % 5]));
      else
        must(buf_printf(&text, "Dear reader %d, your token is %u \t\n", k,
                        seed));
    }
    if (k % 7 == 0)
      must(buf_puts(&text, "no newline at the end, trailing space "));
    mime_msg_reset(&plain);
    mime_msg_reset(&cached);
    must(mime_add_header(&plain, "Subject", "x"));
    must(mime_add_header(&cached, "Subject", "x"));
    must(mime_add_body_text(&plain, MIME_HTML, text.data, text.len));
    must(mime_add_body_text(&cached, MIME_HTML, text.data, text.len));
    must(mime_render(&plain, &a));
    must(mime_render(&cached, &b));
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
      if (same)
        diag("message %d differs", k);
      same = 0;
    }
    buf_free(&text);
    buf_free(&a);
    buf_free(&b);
  }
  ok(same, "300 messages through the line cache: byte for byte as without");
  mime_msg_free(&plain);
  mime_msg_free(&cached);
}

int
main(void)
{
  test_exact_message();
  test_single_part();
  test_flowed();
  test_date_and_id();
  test_subjects();
  test_injection();
  test_display_names();
  test_structured_folding();
  test_qp();
  test_fragments();
  test_line_cache();
  return done_testing();
}
