/* test-smtp.c: the smtp module's checks that need no server: message and
 * address validation, configuration errors, batches refused before any
 * connection. Sessions against real servers are in tests/smtp-sink.sh and
 * tests/smtp-tls.sh. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "smtp.h"
#include "tap.h"

#define HDR                                                                   \
  "Date: Mon, 23 Nov 2026 02:34:08 +0000\r\n"                                 \
  "From: Digest <digest@lists.example.org>\r\n"                               \
  "Message-ID: <1@lists.example.org>\r\n"

static int
check(const char *msg, char *why, size_t whylen)
{
  why[0] = '\0';
  return smtp_check_message(msg, strlen(msg), why, whylen);
}

static void
test_messages(void)
{
  char why[200], big[1200];
  char good[] = HDR "To: r@example.com\r\nSubject: hi\r\n"
                    "Received: a\r\nReceived: b\r\n"
                    "List-Id: <x>\r\nList-Id: <y>\r\n"
                    "\r\n.leading dot\r\nbody\r\n";

  ok(check(good, why, sizeof why), "a complete message passes");
  is_str(why, "", "with no reason");

  ok(!check("", why, sizeof why), "empty refused");
  is_str(why, "the message is empty", "empty: reason");
  ok(!check(HDR "\r\nbody", why, sizeof why), "no final CRLF refused");
  is_str(why, "line 5: the message does not end with CRLF",
         "no final CRLF: reason names the line");
  ok(!check(HDR "\r\nbody\n", why, sizeof why), "bare LF refused");
  is_str(why, "line 5: bare LF (lines must end in CRLF)", "bare LF: reason");
  ok(!check(HDR "\r\nbo\rdy\r\n", why, sizeof why), "bare CR refused");
  is_str(why, "line 5: bare CR", "bare CR: reason");
  ok(!check(HDR "Subject: x\r\nbody\r\n", why, sizeof why),
     "no empty line after the header refused");
  is_str(why, "line 5: not a header field", "a body line in the header");
  ok(!check(HDR "Subject: x\r\n", why, sizeof why), "header only refused");
  is_str(why, "no empty line ends the header", "header only: reason");

  ok(!check("From: a@b\r\nMessage-ID: <1@b>\r\n\r\nx\r\n", why, sizeof why),
     "no Date refused (libesmtp would add one)");
  is_str(why, "no Date header (libesmtp would add one)", "no Date: reason");
  ok(!check("Date: x\r\nMessage-ID: <1@b>\r\n\r\nx\r\n", why, sizeof why),
     "no From refused");
  ok(!check("Date: x\r\nFrom: a@b\r\n\r\nx\r\n", why, sizeof why),
     "no Message-ID refused");
  is_str(why, "no Message-ID header (libesmtp would add one)",
         "no Message-ID: reason");
  ok(!check(HDR "Return-Path: <a@b>\r\n\r\nx\r\n", why, sizeof why),
     "Return-Path refused (libesmtp strips it)");
  is_str(why, "line 4: a Return-Path header (libesmtp would strip it)",
         "Return-Path: reason");
  ok(!check(HDR "TO: a@b\r\nto: c@d\r\n\r\nx\r\n", why, sizeof why),
     "two To headers refused, whatever their case");
  is_str(why, "2 To headers (libesmtp keeps the first)", "two To: reason");
  ok(!check(HDR "Bad Name: x\r\n\r\nx\r\n", why, sizeof why),
     "a space in a field name refused");
  ok(!check(" folded\r\n" HDR "\r\nx\r\n", why, sizeof why),
     "a continuation line first refused");
  ok(check(HDR "Subject: a\r\n b\r\n\tc\r\n\r\nx\r\n", why, sizeof why),
     "folded header lines pass");

  memset(big, 'a', sizeof big);
  memcpy(big, HDR "\r\n", strlen(HDR "\r\n"));
  memcpy(big + strlen(HDR "\r\n") + 998, "\r\n", 3);
  ok(check(big, why, sizeof why), "a line of 998 octets passes");
  memcpy(big + strlen(HDR "\r\n") + 998, "a\r\n", 4);
  ok(!check(big, why, sizeof why), "a line of 999 octets refused");
  is_str(why, "line 5: 999 octets, more than 998", "long line: reason");
  ok(!smtp_check_message(HDR "\r\nx\0y\r\n", strlen(HDR) + 8, why, sizeof why),
     "NUL refused");
  is_str(why, "line 5: NUL byte", "NUL: reason");
}

static void
test_addresses(void)
{
  ok(smtp_check_address("bounce+abc@lists.example.org", 0), "VERP address");
  ok(smtp_check_address("", 1), "null sender when allowed");
  ok(!smtp_check_address("", 0), "empty recipient refused");
  ok(!smtp_check_address(NULL, 1), "NULL refused");
  ok(!smtp_check_address("a b@c", 0), "space refused");
  ok(!smtp_check_address("a@c>\r\nRSET", 0), "command injection refused");
  ok(!smtp_check_address("a<b@c", 0), "'<' refused");
  ok(!smtp_check_address("nobody", 0), "no '@' refused");
  ok(!smtp_check_address("r\xc3\xa9@example.com", 0),
     "non-ASCII refused (no SMTPUTF8 in libesmtp)");
}

static void
test_config(void)
{
  struct smtp_config cfg;
  /* Not NULL, to see smtp_client_new clear it on failure. */
  struct smtp_client *c = (struct smtp_client *)&cfg;
  char err[SM_ERRLEN];

  smtp_config_defaults(&cfg);
  is_int(cfg.port, 25, "default port");
  is_int(cfg.max_messages, 100, "default session size");
  is_int(cfg.starttls, CONF_TLS_IF_OFFERED, "default STARTTLS if offered");

  cfg.host = "::1";
  is_int(smtp_client_new(&c, &cfg, err, sizeof err), SM_ERR_CONFIG,
         "an IPv6 literal is refused");
  ok(c == NULL, "and no client comes back");
  ok(strstr(err, "IPv6") != NULL, "the error says why");

  smtp_config_defaults(&cfg);
  cfg.host = "relay.example.org";
  cfg.user = "digest";
  is_int(smtp_client_new(&c, &cfg, err, sizeof err), SM_ERR_CONFIG,
         "a user without a password is refused");
  is_str(err,
         "relay.example.org:25: smtp user digest needs a password of 1-255 "
         "bytes",
         "the error names host:port and the user");

  smtp_config_defaults(&cfg);
  cfg.host = "relay.example.org";
  cfg.port = 587;
  cfg.ca_file = "/nonexistent/ca.pem";
  is_int(smtp_client_new(&c, &cfg, err, sizeof err), SM_ERR_CONFIG,
         "a missing CA file is refused");
  is_str(err,
         "relay.example.org:587: ca_file /nonexistent/ca.pem: No such file "
         "or directory",
         "the error names the file");

  cfg.ca_file = "/dev/null";
  is_int(smtp_client_new(&c, &cfg, err, sizeof err), SM_ERR_CONFIG,
         "a CA file without certificates is refused");
  ok(strncmp(err, "relay.example.org:587: ca_file /dev/null: no usable", 51) ==
         0,
     "the error says there is no usable certificate");

  cfg.ca_file = NULL;
  cfg.command_timeout_ms = 10;
  is_int(smtp_client_new(&c, &cfg, err, sizeof err), SM_ERR_CONFIG,
         "a timeout under libesmtp's 1 s floor is refused");
}

static size_t reports[4];

static void
count_report(void *ctx, size_t i, const struct smtp_msg *m)
{
  (void)ctx;
  (void)m;
  if (i < 4)
    reports[i]++;
}

static void
test_batches(void)
{
  struct smtp_config cfg;
  struct smtp_client *c = NULL;
  struct smtp_msg m[3];
  struct smtp_batch b;
  char err[SM_ERRLEN];
  static const char good[] = HDR "\r\nbody\r\n";

  smtp_config_defaults(&cfg);
  /* Port 9 on loopback: nothing is contacted in these cases. */
  cfg.host = "127.0.0.1";
  cfg.port = 9;
  cfg.max_messages = 2;
  cfg.starttls = CONF_TLS_NO;
  if (!ok(smtp_client_new(&c, &cfg, err, sizeof err) == SM_OK,
          "a client without TLS or AUTH"))
    diag("%s", err);

  memset(m, 0, sizeof m);
  memset(&b, 0, sizeof b);
  b.msgs = m;
  b.n = 3;
  is_int(smtp_client_send(c, &b, err, sizeof err), SM_ERR_USAGE,
         "a batch over max_messages is refused");
  is_str(err, "127.0.0.1:9: 3 messages, more than 2 per session",
         "the error says so");

  b.n = 2;
  m[0].sender = "bounce@x.org";
  m[0].recipient = "bad address@example.com";
  m[0].data = good;
  m[0].len = strlen(good);
  m[1].sender = "bounce@x.org";
  m[1].recipient = "r@example.com";
  m[1].data = "no header\r\n";
  m[1].len = strlen(m[1].data);
  b.on_result = count_report;
  is_int(smtp_client_send(c, &b, err, sizeof err), SM_OK,
         "a batch of invalid messages needs no server");
  ok(reports[0] == 1 && reports[1] == 1 && reports[2] == 0,
     "on_result: each invalid message reported once");
  is_int(m[0].outcome, SMTP_INVALID, "a bad recipient is INVALID");
  is_str(m[0].reply, "bad envelope recipient", "with its reason");
  is_int(m[1].outcome, SMTP_INVALID, "a bad message is INVALID");
  is_str(m[1].reply, "line 1: not a header field", "with its reason");
  is_int(b.ninvalid, 2, "counted");
  is_int(b.nsent + b.ndeferred + b.nfailed, 0, "and nothing else");
  smtp_client_free(c);
}

/* ---- replies as the server sends them ------------------------------ */

/* What the reader handed over: each line parsed, as "CODE+text" for a
 * last line, "CODE-text" for a continuation, "?" for a non-reply line,
 * separated by '|'. */
struct seen {
  char out[4096];
  size_t lines;
};

static void
seen_line(void *ctx, const char *line, size_t len)
{
  struct seen *s = ctx;
  struct smtp_reply_line rl;
  size_t o = strlen(s->out);

  if (o)
    o += (size_t)snprintf(s->out + o, sizeof s->out - o, "|");
  if (smtp_reply_parse(line, len, &rl))
    snprintf(s->out + o, sizeof s->out - o, "%d%c%.*s", rl.code,
             rl.last ? '+' : '-', (int)rl.textlen, rl.text);
  else
    snprintf(s->out + o, sizeof s->out - o, "?");
  s->lines++;
}

/* Feeds text to a fresh reader `chunk` bytes at a time. */
static const char *
feed(const char *text, size_t chunk, struct seen *s)
{
  struct smtp_reply_reader r;
  size_t n = strlen(text);

  memset(s, 0, sizeof *s);
  r.len = 0;
  for (size_t i = 0; i < n; i += chunk)
    smtp_reply_feed(&r, text + i, n - i < chunk ? n - i : chunk, seen_line, s);
  return s->out;
}

static void
test_reply_lines(void)
{
  struct smtp_reply_line rl;
  struct seen s;
  char clean[64];
  /* Postfix's EHLO answer, as it comes. */
  const char *ehlo = "250-mail.example.org\r\n250-PIPELINING\r\n"
                     "250-SIZE 10240000\r\n250-AUTH PLAIN LOGIN\r\n"
                     "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
                     "250 CHUNKING\r\n";

  is_str(feed(ehlo, 4096, &s),
         "250-mail.example.org|250-PIPELINING|250-SIZE 10240000|"
         "250-AUTH PLAIN LOGIN|250-ENHANCEDSTATUSCODES|250-8BITMIME|"
         "250+CHUNKING",
         "multiline 250: every line, only the last one ends the reply");
  is_int(s.lines, 7, "seven lines");
  /* The same bytes one at a time, and in uneven pieces: the same lines. */
  is_str(feed(ehlo, 1, &s),
         "250-mail.example.org|250-PIPELINING|250-SIZE 10240000|"
         "250-AUTH PLAIN LOGIN|250-ENHANCEDSTATUSCODES|250-8BITMIME|"
         "250+CHUNKING",
         "byte by byte: the same lines");
  is_str(feed("250 2.0.0 Ok: queued as 4XyZ1\r\n550 5.7.1 <a@b>: Relay "
              "access denied\r\n451 4.3.0 Temporary lookup failure\r\n",
              7, &s),
         "250+2.0.0 Ok: queued as 4XyZ1|550+5.7.1 <a@b>: Relay access "
         "denied|451+4.3.0 Temporary lookup failure",
         "2xx, 5xx and 4xx with enhanced status codes, in uneven pieces");
  is_str(feed("550-5.7.1 The IP you're using to send mail is not\r\n"
              "550-5.7.1 authorized to send email directly to our\r\n"
              "550 5.7.1 servers. https://support.example.com/x - gsmtp\r\n",
              3, &s),
         "550-5.7.1 The IP you're using to send mail is not|550-5.7.1 "
         "authorized to send email directly to our|550+5.7.1 servers. "
         "https://support.example.com/x - gsmtp",
         "a multiline 5xx with an enhanced code on every line");
  is_str(feed("250-first\n250 second\n", 5, &s), "250-first|250+second",
         "bare LF ends lines too");
  is_str(feed("235\r\n354\n250 \r\n", 2, &s), "235+|354+|250+",
         "a bare code is a last line with no text (RFC 5321 4.2)");
  is_str(feed("250 ok\r\n250 half", 3, &s), "250+ok",
         "a line without its LF waits");
  is_str(feed("hello\r\n2500 x\r\n250:x\r\n25\r\n\r\n099 x\r\n600 x\r\n"
              "1234\r\n270 x\r\n2a0 x\r\n",
              4096, &s),
         "?|?|?|?|?|?|?|?|?|?", "garbage and near-codes are no reply lines");
  is_str(feed("421 4.3.2 Service not available, closing channel\r\n"
              "220-greeting\r\n530 5.7.0 Authentication required\r\n",
              11, &s),
         "421+4.3.2 Service not available, closing channel|220-greeting|"
         "530+5.7.0 Authentication required",
         "421 and 530 as the session reads them");

  {
    /* A line of 5000 bytes: its start and its end are kept, nothing is
     * written past the buffer, and the next line is read on its own. */
    static char big[5000 + 64];
    size_t n;

    memcpy(big, "550 ", 4);
    memset(big + 4, 'x', 5000 - 4);
    n = 5000;
    memcpy(big + n, "\r\n250 next\r\n", 13);
    feed(big, 999, &s);
    is_int(s.lines, 2, "an over-long line: still two lines");
    ok(strncmp(s.out, "550+xxxx", 8) == 0, "its code and start kept");
    ok(strlen(s.out) < SMTP_RLINE_MAX + 16, "and cut near SMTP_RLINE_MAX");
    ok(strstr(s.out, "|250+next") != NULL, "the next line intact");
  }

  ok(smtp_reply_parse("250-AUTH=LOGIN", 14, &rl) && !rl.last &&
         rl.textlen == 10,
     "a continuation line's text");
  ok(!smtp_reply_parse("25", 2, &rl), "two digits are no reply");
  ok(smtp_reply_parse("559", 3, &rl) && rl.code == 559 && rl.last,
     "559, without a line end");
  ok(!smtp_reply_parse("560 x", 5, &rl), "second digit 6 refused");

  smtp_reply_clean(clean, sizeof clean, "550  5.7.1\tno\r\n", 15);
  is_str(clean, "550 5.7.1 no", "clean: tabs, CR LF and runs of spaces");
  smtp_reply_clean(clean, sizeof clean, "  \x01x\x7fy\0z", 8);
  is_str(clean, "x y", "clean: controls become spaces, a NUL ends");
  smtp_reply_clean(clean, 4, "250 Ok", 6);
  is_str(clean, "250", "clean: cut to the buffer, no trailing space");
  /* Found by fuzz-smtp-reply: a cut right after a space left it. */
  smtp_reply_clean(clean, 5, "abc d", 5);
  is_str(clean, "abc", "clean: a cut after a space drops the space");
  smtp_reply_clean(clean, 6, "abc d", 5);
  is_str(clean, "abc d", "clean: with room, the space and what follows");
}

int
main(void)
{
  test_reply_lines();
  test_messages();
  test_addresses();
  test_config();
  test_batches();
  return done_testing();
}
