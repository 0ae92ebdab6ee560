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

int
main(void)
{
  test_messages();
  test_addresses();
  test_config();
  test_batches();
  return done_testing();
}
