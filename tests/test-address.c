/* test-address.c: one verdict on every address, through every door of
 * the library that takes one (address_check, mime_add_address,
 * smtp_check_address, bounce_parse, inbound_parse + address_sendable),
 * on the corpus tests/data/addresses.txt; and the mailbox key. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "bounce.h"
#include "buf.h"
#include "inbound.h"
#include "mime.h"
#include "smtp.h"
#include "tap.h"

/* Undoes the corpus's escapes (\\ and \xHH) in place. */
static void
unescape(char *s)
{
  char *o = s;

  for (; *s; s++) {
    if (s[0] == '\\' && s[1] == '\\') {
      *o++ = '\\';
      s++;
    } else if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3]) {
      char hex[3] = {s[2], s[3], 0};
      *o++ = (char)strtol(hex, NULL, 16);
      s += 3;
    } else {
      *o++ = *s;
    }
  }
  *o = '\0';
}

static int
via_mime(const char *a)
{
  struct mime_msg m;
  int okay;

  mime_msg_init(&m);
  okay = mime_add_address(&m, "To", NULL, a) == SM_OK;
  mime_msg_free(&m);
  return okay;
}

/* A DSN as Postfix writes it, naming a as the failed recipient: taken
 * when the parser reports exactly that address and it is one
 * receive_bounce would look up. */
static int
via_bounce(const char *a)
{
  struct buf dsn = BUF_INIT(1 << 16);
  struct bounce_input in;
  struct bounce_result *r = NULL;
  size_t n = 0;
  int okay = 0;

  if (buf_printf(&dsn,
                 "Reporting-MTA: dns; mx.example.net\n\n"
                 "Final-Recipient: rfc822; %s\n"
                 "Original-Recipient: rfc822;%s\n"
                 "Action: failed\nStatus: 5.1.1\n"
                 "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n",
                 a, a) != SM_OK)
    return 0;
  memset(&in, 0, sizeof(in));
  in.dsn = dsn.data;
  in.subject = "Undelivered Mail Returned to Sender";
  if (bounce_parse(&in, &r, &n) == SM_OK)
    okay = n == 1 && address_same(r[0].address, a) &&
           address_sendable(r[0].address);
  bounce_results_free(r, n);
  buf_free(&dsn);
  return okay;
}

/* A message from a: taken when inbound reads that address and it is one
 * receive would answer. */
static int
via_inbound(const char *a)
{
  struct buf raw = BUF_INIT(1 << 16);
  struct inbound_msg m;
  char err[256];
  int okay = 0;

  memset(&m, 0, sizeof(m));
  if (buf_printf(&raw,
                 "From: %s\r\nTo: digest-request@lists.example.org\r\n"
                 "Subject: subscribe\r\nMessage-ID: <1@example.org>\r\n"
                 "Date: Mon, 23 Nov 2026 09:00:00 +0000\r\n\r\nsubscribe\r\n",
                 a) != SM_OK)
    return 0;
  if (inbound_parse(raw.data, raw.len, &m, err, sizeof(err)) == SM_OK)
    okay = address_same(m.from_addr, a) && address_sendable(m.from_addr);
  inbound_msg_free(&m);
  buf_free(&raw);
  return okay;
}

static void
corpus(const char *path)
{
  FILE *f = fopen(path, "r");
  char line[1024], name[1200];
  int n = 0, agree = 0, nok = 0;

  if (!ok(f != NULL, "the corpus opens"))
    return;
  while (fgets(line, sizeof(line), f)) {
    char *tab = strchr(line, '\t'), *a;
    int want, v[5];
    size_t len;

    if (line[0] == '#' || !tab)
      continue;
    line[strcspn(line, "\n")] = '\0';
    *tab = '\0';
    a = tab + 1;
    unescape(a);
    want = !strcmp(line, "ok");
    len = strlen(a);
    v[0] = address_check(a, len) == ADDRESS_OK;
    v[1] = via_mime(a);
    v[2] = smtp_check_address(a, 0);
    v[3] = via_bounce(a);
    v[4] = via_inbound(a);
    n++;
    nok += want;
    if (v[0] == want && v[1] == want && v[2] == want && v[3] == want &&
        v[4] == want) {
      agree++;
      continue;
    }
    snprintf(name, sizeof(name),
             "\"%s\": want %s; check %d mime %d smtp %d bounce %d "
             "inbound %d",
             a, line, v[0], v[1], v[2], v[3], v[4]);
    ok(0, name);
  }
  fclose(f);
  printf("# %d addresses (%d sendable), %d with one verdict everywhere\n", n,
         nok, agree);
  ok(n >= 200 && nok >= 100 && n - nok >= 100,
     "the corpus has 200 addresses or more, each verdict 100 times");
  is_int(agree, n, "every door gives every address the corpus's verdict");
}

static void
faults(void)
{
  char out[ADDRESS_MAX + 1], err[200];

  is_int(address_check("a b@example.org", 15), ADDRESS_SPACE, "a space");
  is_int(address_check("a@example", 9), ADDRESS_DOMAIN_NO_DOT, "no dot");
  is_int(address_check("a@1.2.3.4", 9), ADDRESS_DOMAIN_NUMERIC,
         "an IP address");
  is_int(address_check("j\xc3\xbcrgen@example.de", 17), ADDRESS_NOT_ASCII,
         "UTF-8: no SMTPUTF8");
  is_int(address_check("a@example.org\0x", 15), ADDRESS_CONTROL,
         "a NUL inside the length");
  is_int(address_normalize("Ada@Example.ORG", 15, out, sizeof(out)),
         ADDRESS_OK, "normalize");
  is_str(out, "Ada@example.org",
         "the domain in lower case, the local part "
         "as written");
  is_int(address_normalize("Ada@Example.ORG", 15, out, 15), ADDRESS_LONG,
         "normalize into too small a buffer");
  address_explain("dave smith@example.com", ADDRESS_SPACE, err, sizeof(err));
  is_str(err, "address \"dave smith@example.com\" has a space", "explain");
  address_explain("a@example", ADDRESS_DOMAIN_NO_DOT, err, sizeof(err));
  is_str(err, "address \"a@example\": the domain has no dot",
         "explain after a colon");
  ok(address_same("Ada@Example.org", "ada@example.ORG"), "same, any case");
  ok(!address_same("ada+x@example.org", "ada@example.org"),
     "a +tag is part of the address");
  ok(!address_same(NULL, NULL), "NULL is no one");
}

static void
mailbox_key(void)
{
  char key[ADDRESS_MAX + 1];

  is_int(address_mailbox_key("Ada+digest@Example.ORG", key, sizeof(key)),
         ADDRESS_OK, "key of a sub-address");
  is_str(key, "ada@example.org", "without its +tag, in lower case");
  address_mailbox_key("ada+a+b@example.org", key, sizeof(key));
  is_str(key, "ada@example.org", "everything from the first +");
  address_mailbox_key("+x@example.org", key, sizeof(key));
  is_str(key, "+x@example.org", "a leading + is the name itself");
  address_mailbox_key("a.b@example.org", key, sizeof(key));
  is_str(key, "a.b@example.org",
         "dots are kept (not every provider drops "
         "them)");
  is_int(address_mailbox_key("a b@example.org", key, sizeof(key)),
         ADDRESS_SPACE, "no key for what is no address");
  is_int(address_mailbox_key("ada@example.org", key, 8), ADDRESS_LONG,
         "no key past the buffer");
}

int
main(void)
{
  const char *top = getenv("top_srcdir");
  char path[4096];

  inbound_global_init();
  snprintf(path, sizeof(path), "%s/tests/data/addresses.txt",
           top ? top : "..");
  faults();
  mailbox_key();
  corpus(path);
  return done_testing();
}
