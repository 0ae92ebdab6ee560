/* test-bounce.c: the bounce parser. Every sample message in
 * tests/bounces/NAME.eml goes through inbound_parse() (which must expose
 * the delivery-status part) and bounce_parse(); the results, one
 * "address kind status" line each ("-" for no status), must equal
 * NAME.expect. Then edge cases on literal DSNs and texts. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "buf.h"
#include "inbound.h"
#include "tap.h"
#include "util.h"

/* The results as lines "address kind status", with the diagnostic too
 * when with_diag. Static buffer. */
static const char *
fmt(const struct bounce_result *r, size_t n, int with_diag)
{
  static char out[65536];
  size_t len = 0;

  out[0] = '\0';
  for (size_t i = 0; i < n && len < sizeof(out); i++) {
    len += (size_t)snprintf(out + len, sizeof(out) - len, "%s %s %s",
                            r[i].address, bounce_kind_name(r[i].kind),
                            r[i].status[0] ? r[i].status : "-");
    if (with_diag && len < sizeof(out))
      len += (size_t)snprintf(out + len, sizeof(out) - len, " [%s]",
                              r[i].diagnostic);
    if (len < sizeof(out))
      len += (size_t)snprintf(out + len, sizeof(out) - len, "\n");
  }
  return out;
}

static const char *
run_diag(const char *dsn, const char *text, const char *subject, int with_diag)
{
  struct bounce_input in = {dsn, text, subject, NULL, NULL};
  struct bounce_result *r = NULL;
  size_t n = 99;
  const char *s;

  if (bounce_parse(&in, &r, &n) != SM_OK)
    return "(error)";
  if ((n == 0) != (r == NULL))
    return "(inconsistent: n and the array disagree)";
  s = fmt(r, n, with_diag);
  bounce_results_free(r, n);
  return s;
}

/* The results of a parsed message, as lines "address kind status", or
 * "address kind" when brief. Static buffer. */
static const char *
run_msg(const struct inbound_msg *m, int brief)
{
  struct bounce_input in = {m->dsn, m->text, m->subject, m->failed_recipients,
                            m->returned};
  struct bounce_result *r = NULL;
  static char out[65536];
  size_t n = 0, len = 0;

  if (bounce_parse(&in, &r, &n) != SM_OK)
    return "(error)";
  if (!brief) {
    snprintf(out, sizeof(out), "%s", fmt(r, n, 0));
    bounce_results_free(r, n);
    return out;
  }
  out[0] = '\0';
  for (size_t i = 0; i < n && len < sizeof(out); i++)
    len += (size_t)snprintf(out + len, sizeof(out) - len, "%s %s\n",
                            r[i].address, bounce_kind_name(r[i].kind));
  bounce_results_free(r, n);
  return out;
}

static const char *
run(const char *dsn, const char *text, const char *subject)
{
  return run_diag(dsn, text, subject, 0);
}

static int
name_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_sample(const char *dir, const char *name)
{
  char path[2048], label[512];
  struct buf raw = BUF_INIT(4 * 1024 * 1024);
  struct buf want = BUF_INIT(64 * 1024);
  struct inbound_msg m;
  char err[SM_ERRLEN];

  snprintf(path, sizeof(path), "%s/%s.eml", dir, name);
  snprintf(label, sizeof(label), "%s: read the sample", name);
  if (!ok(util_read_file(path, &raw) == SM_OK, label))
    goto out;
  snprintf(path, sizeof(path), "%s/%s.expect", dir, name);
  snprintf(label, sizeof(label), "%s: read the expected results", name);
  if (!ok(util_read_file(path, &want) == SM_OK, label))
    goto out;
  snprintf(label, sizeof(label), "%s: inbound_parse", name);
  if (!ok(inbound_parse(raw.data, raw.len, &m, err, sizeof(err)) == SM_OK,
          label)) {
    diag("%s", err);
    goto out;
  }
  if (strncmp(name, "rfc3464", 7) == 0) {
    snprintf(label, sizeof(label),
             "%s: inbound exposes the delivery-status part", name);
    ok(m.has_dsn && m.dsn && strstr(m.dsn, "Final-Recipient:"), label);
  } else {
    snprintf(label, sizeof(label), "%s: no delivery-status part", name);
    ok(!m.has_dsn && !m.dsn, label);
  }
  snprintf(label, sizeof(label), "%s: results as in %s.expect", name, name);
  is_str(run_msg(&m, 0), buf_str(&want), label);
  inbound_msg_free(&m);
out:
  buf_free(&raw);
  buf_free(&want);
}

/* Opens $top_srcdir/tests/SUB (path in dir, dirsize bytes) and lists
 * the NAMEs of its NAME.eml files, sorted, malloc'd, at most max of
 * them; the count, -1 when the directory does not open. */
static long
list_samples(const char *sub, char *dir, size_t dirsize, char **names,
             size_t max)
{
  const char *top = getenv("top_srcdir");
  struct dirent *de;
  size_t n = 0;
  DIR *d;

  snprintf(dir, dirsize, "%s/tests/%s", top ? top : ".", sub);
  d = opendir(dir);
  if (!d)
    return -1;
  while ((de = readdir(d)) != NULL && n < max) {
    size_t len = strlen(de->d_name);

    if (len > 4 && strcmp(de->d_name + len - 4, ".eml") == 0)
      names[n++] = strndup(de->d_name, len - 4);
  }
  closedir(d);
  qsort(names, n, sizeof(names[0]), name_cmp);
  return (long)n;
}

static void
test_samples(void)
{
  char dir[1024], *names[128];
  size_t n, nonbounce = 0;
  long got = list_samples("bounces", dir, sizeof(dir), names, 128);

  if (!ok(got >= 0, "tests/bounces exists"))
    return;
  n = (size_t)got;
  for (size_t i = 0; i < n; i++) {
    test_sample(dir, names[i]);
    if (strncmp(names[i], "not-", 4) == 0)
      nonbounce++;
    free(names[i]);
  }
  ok(n >= 15, "at least 15 sample messages");
  ok(nonbounce >= 3, "at least 3 of them are no bounces");
}

/* Sorts the lines of s in place (each ends with '\n'), so that results
 * compare whatever order the report listed its recipients in. */
static void
sort_lines(char *s)
{
  char *lines[BOUNCE_MAX_RESULTS + 1], copy[65536], *p, *save = NULL;
  size_t n = 0, len = 0;

  snprintf(copy, sizeof(copy), "%s", s);
  for (p = strtok_r(copy, "\n", &save); p && n < BOUNCE_MAX_RESULTS + 1;
       p = strtok_r(NULL, "\n", &save))
    lines[n++] = p;
  qsort(lines, n, sizeof(lines[0]), name_cmp);
  s[0] = '\0';
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(s + len, 65536 - len, "%s\n", lines[i]);
}

/* tests/bounce-corpus: bounces written here in the shapes of many MTAs
 * and providers (see make-corpus.py), each NAME.eml beside NAME.expect
 * ("address kind" per failed recipient). A case counts when the parser
 * finds exactly the expected addresses with the expected kinds; the rate
 * must reach 97%. */
static void
test_corpus(void)
{
  char dir[1024], label[256], *names[512], *fams[512];
  size_t n, nfam = 0, bounces = 0, right = 0;
  long listed = list_samples("bounce-corpus", dir, sizeof(dir), names, 512);

  if (!ok(listed >= 0, "tests/bounce-corpus exists"))
    return;
  n = (size_t)listed;
  for (size_t i = 0; i < n; i++) {
    char path[2048], got[65536];
    struct buf raw = BUF_INIT(4 * 1024 * 1024);
    struct buf want = BUF_INIT(64 * 1024);
    struct inbound_msg m;
    char err[SM_ERRLEN], *dash = strrchr(names[i], '-');
    size_t fl = dash ? (size_t)(dash - names[i]) : strlen(names[i]), f;

    for (f = 0; f < nfam; f++)
      if (strlen(fams[f]) == fl && !strncmp(fams[f], names[i], fl))
        break;
    if (f == nfam)
      fams[nfam++] = strndup(names[i], fl);
    snprintf(path, sizeof(path), "%s/%s.eml", dir, names[i]);
    if (util_read_file(path, &raw) != SM_OK)
      goto next;
    snprintf(path, sizeof(path), "%s/%s.expect", dir, names[i]);
    if (util_read_file(path, &want) != SM_OK)
      goto next;
    if (want.len)
      bounces++;
    if (inbound_parse(raw.data, raw.len, &m, err, sizeof(err)) != SM_OK) {
      diag("%s: %s", names[i], err);
      goto next;
    }
    snprintf(got, sizeof(got), "%s", run_msg(&m, 1));
    sort_lines(got);
    sort_lines(want.data);
    if (!strcmp(got, buf_str(&want)))
      right++;
    else
      diag("%s: got\n%s# want\n%s", names[i], got, buf_str(&want));
    inbound_msg_free(&m);
  next:
    buf_free(&raw);
    buf_free(&want);
    free(names[i]);
  }
  snprintf(label, sizeof(label), "the corpus has %zu bounces (at least 150)",
           bounces);
  ok(bounces >= 150, label);
  snprintf(label, sizeof(label),
           "in the shapes of %zu MTAs and providers (at least 30)", nfam);
  ok(nfam >= 30, label);
  snprintf(label, sizeof(label),
           "bounce corpus: %zu of %zu right (%.1f%%), at least 97%%", right, n,
           n ? 100.0 * (double)right / (double)n : 0.0);
  ok(n > 0 && right * 100 >= n * 97, label);
  for (size_t f = 0; f < nfam; f++)
    free(fams[f]);
}

static void
test_dsn(void)
{
  char big[40000];
  size_t len = 0;

  is_str(run("Reporting-MTA: dns; mx.example.net\n\n"
             "Final-Recipient: rfc822; a@example.org\n"
             "Action: failed\nStatus: 5.1.1\n",
             NULL, NULL),
         "a@example.org permanent 5.1.1\n", "plain failed group");
  is_str(run("Reporting-MTA: dns; mx.example.net\r\n\r\n"
             "Final-Recipient: rfc822; a@example.org\r\n"
             "Action: failed\r\nStatus: 5.1.1\r\n",
             NULL, NULL),
         "a@example.org permanent 5.1.1\n", "CRLF line ends");
  is_str(run_diag("Final-Recipient:\n rfc822;\n\ta@example.org\n"
                  "Action:\n  failed\n"
                  "Status: 5.1.1\n"
                  "Diagnostic-Code: smtp; 550 5.1.1 <a@example.org>:\n"
                  "    Recipient address\n\trejected\n",
                  NULL, NULL, 1),
         "a@example.org permanent 5.1.1 [550 5.1.1 <a@example.org>: "
         "Recipient address rejected]\n",
         "folded fields are unfolded, the diagnostic is one line");
  is_str(run("Final-Recipient: rfc822; a@example.org\nStatus: 5.1.1\n", NULL,
             NULL),
         "a@example.org permanent 5.1.1\n",
         "missing Action: a class 5 status is a permanent failure");
  is_str(run("Final-Recipient: rfc822; a@example.org\nStatus: 4.2.2\n", NULL,
             NULL),
         "a@example.org temporary 4.2.2\n",
         "missing Action: a class 4 status is a temporary failure");
  is_str(run("Final-Recipient: rfc822; a@example.org\nStatus: 2.0.0\n", NULL,
             NULL),
         "", "missing Action with a success status: nothing");
  is_str(run("Final-Recipient: rfc822; a@example.org\n"
             "Diagnostic-Code: smtp; 550 mailbox unknown\n",
             NULL, NULL),
         "a@example.org permanent 550\n",
         "missing Action and Status: the SMTP reply decides");
  is_str(run("Final-Recipient: rfc822; a@example.org\n", NULL, NULL), "",
         "a recipient and nothing else: no failure");
  is_str(run("Final-Recipient: rfc822; a@example.org\nAction: failed\n"
             "Status: 5.1.1 (bad destination mailbox address)\n",
             NULL, NULL),
         "a@example.org permanent 5.1.1\n",
         "a status with a comment after it");
  is_str(run("Final-Recipient: rfc822; a@example.org\nAction: failed\n"
             "Status: 5.1.10\n",
             NULL, NULL),
         "a@example.org permanent 5.1.10\n", "three-digit detail");
  is_str(run("Final-Recipient: rfc822; a@example.org\nAction: failed\n"
             "Status: 4.4.7\nDiagnostic-Code: X-Postfix; delivery temporarily"
             " suspended: connection timed out\n",
             NULL, NULL),
         "a@example.org temporary 4.4.7\n",
         "failed with a class 4 status (given up after retries): temporary");
  is_str(run("Final-Recipient: rfc822; a@example.org\nAction: failed\n", NULL,
             NULL),
         "a@example.org permanent -\n", "failed without a status: permanent");
  is_str(run("Final-Recipient: rfc822; a@example.org\nAction: failed\n"
             "Diagnostic-Code: x-local; mailbox is full, try again later\n",
             NULL, NULL),
         "a@example.org temporary -\n",
         "failed without a status, mailbox full: temporary");
  is_str(run("Final-Recipient: rfc822; a@example.org\nAction: delayed\n"
             "Status: 5.0.0\n",
             NULL, NULL),
         "a@example.org delayed 5.0.0\n",
         "delayed is a delay, whatever the status: nothing failed yet");
  is_str(run("Final-Recipient: rfc822; a@example.org\nAction: failed\n"
             "Status: 5.0.0\nDiagnostic-Code: smtp; 550 5.7.1 relaying "
             "denied\n",
             NULL, NULL),
         "a@example.org permanent 5.7.1\n",
         "a generic X.0.0 status takes the diagnostic's precise code");
  is_str(run("Final-Recipient: rfc822; a@example.org\nAction: failed\n"
             "Status: 5.1.2\nDiagnostic-Code: smtp; 550 5.7.1 nope\n",
             NULL, NULL),
         "a@example.org permanent 5.1.2\n", "a precise Status field is kept");
  is_str(run("Final-Recipient: utf-8; jos\\x{E9}@example.org\n"
             "Action: failed\nStatus: 5.1.1\n",
             NULL, NULL),
         "jos\xC3\xA9@example.org permanent 5.1.1\n",
         "utf-8 address type, RFC 6533 \\x{} escape");
  is_str(run("Final-Recipient: utf-8; \xE5\xBC\xA0\xE4\xBC\x9F@"
             "\xE4\xBE\x8B\xE5\xAD\x90.example\n"
             "Action: failed\nStatus: 5.1.1\n",
             NULL, NULL),
         "\xE5\xBC\xA0\xE4\xBC\x9F@\xE4\xBE\x8B\xE5\xAD\x90.example "
         "permanent 5.1.1\n",
         "utf-8 address type, raw UTF-8 (message/global-delivery-status)");
  is_str(run("Final-Recipient: utf-8; a\\x{D800}@example.org\n"
             "Action: failed\nStatus: 5.1.1\n",
             NULL, NULL),
         "", "a surrogate escape is no address");
  is_str(run("Original-Recipient: rfc822;list+2Bweekly@example.org\n"
             "Final-Recipient: rfc822;list+weekly@example.org\n"
             "Action: failed\nStatus: 5.1.1\n",
             NULL, NULL),
         "list+weekly@example.org permanent 5.1.1\n",
         "xtext in Original-Recipient");
  is_str(run("Original-Recipient: rfc822;ana+41@example.org\n"
             "Action: failed\nStatus: 5.1.1\n",
             NULL, NULL),
         "ana+41@example.org permanent 5.1.1\n",
         "only +2B and +3D are decoded");
  is_str(run("Final-Recipient: rfc822;box@mail.example.org\n"
             "Original-Recipient: rfc822;Alias@Example.ORG\n"
             "Action: failed\nStatus: 5.2.1\n",
             NULL, NULL),
         "Alias@example.org permanent 5.2.1\n",
         "Original-Recipient (what we sent to) before Final-Recipient, in "
         "Postfix's order; domain lower-cased, local part kept");
  is_str(run("Original-Recipient: rfc822;not an address\n"
             "Final-Recipient: rfc822;<box@mail.example.org>\n"
             "Action: failed\nStatus: 5.2.1\n",
             NULL, NULL),
         "box@mail.example.org permanent 5.2.1\n",
         "a useless Original-Recipient falls back to Final-Recipient");
  is_str(run("Final-Recipient: rfc822; a@example.org\nAction: delayed\n"
             "Status: 4.4.1\n\n"
             "Final-Recipient: rfc822; A@EXAMPLE.org\nAction: failed\n"
             "Status: 5.1.1\n\n"
             "Final-Recipient: rfc822; a@example.org\nAction: delayed\n"
             "Status: 4.4.1\n",
             NULL, NULL),
         "a@example.org permanent 5.1.1\n",
         "duplicates (case-blind): one result, the permanent one wins");
  is_str(run("Final-Recipient: rfc822; a@example.org\nAction: failed\n"
             "Status: 5.1.1\n"
             "Final-Recipient: rfc822; b@example.org\nAction: delayed\n"
             "Status: 4.4.1\n",
             NULL, NULL),
         "a@example.org permanent 5.1.1\nb@example.org delayed 4.4.1\n",
         "groups without the blank line between them");
  is_str(run("Final-Recipient: rfc822; MAILER-DAEMON@mx.example.net\n"
             "Action: failed\nStatus: 5.1.1\n\n"
             "Final-Recipient: rfc822; postmaster@example.org\n"
             "Action: failed\nStatus: 5.1.1\n",
             NULL, NULL),
         "", "the mail system's own mailboxes are never results");
  is_str(run("Final-Recipient: rfc822; a@example.org\nAction: delivered\n"
             "Status: 2.0.0\n\n"
             "Final-Recipient: rfc822; b@example.org\nAction: relayed\n"
             "Status: 2.0.0\n\n"
             "Final-Recipient: rfc822; c@example.org\nAction: expanded\n"
             "Status: 2.0.0\n",
             "This is the mail system at host mx.example.net.\n\n"
             "<a@example.org>: user unknown\n",
             "Undelivered Mail Returned to Sender"),
         "",
         "success notices yield nothing, and a DSN with recipients is "
         "trusted over the text");
  is_str(run("Reporting-MTA: dns; mx.example.net\n",
             "This is the mail system at host mx.example.net.\n\n"
             "<a@example.org>: host mx said: 550 5.1.1 user unknown\n",
             NULL),
         "a@example.org permanent 5.1.1\n",
         "a DSN naming no recipient: the text is read instead");
  is_str(run("garbage: \x01\x02\n\n\n::\n: x\nAction failed\n", NULL, NULL),
         "", "garbage DSN");

  /* Limits. */
  for (int i = 0; i < 150 && len < sizeof(big) - 200; i++)
    len += (size_t)snprintf(big + len, sizeof(big) - len,
                            "Final-Recipient: rfc822; user%d@example.org\n"
                            "Action: failed\nStatus: 5.1.1\n\n",
                            i);
  {
    struct bounce_result *r;
    size_t n;

    struct bounce_input in = {big, NULL, NULL, NULL, NULL};

    ok(bounce_parse(&in, &r, &n) == SM_OK, "150 recipients");
    is_int(n, BOUNCE_MAX_RESULTS, "at most BOUNCE_MAX_RESULTS results");
    is_str(n ? r[99].address : "", "user99@example.org",
           "the first ones are kept");
    bounce_results_free(r, n);
  }
  len = (size_t)snprintf(big, sizeof(big),
                         "Final-Recipient: rfc822; a@example.org\n"
                         "Action: failed\nStatus: 5.1.1\n"
                         "Diagnostic-Code: smtp; 550 ");
  while (len < 3000)
    big[len++] = 'x';
  big[len] = '\0';
  {
    struct bounce_result *r;
    size_t n;

    struct bounce_input in = {big, NULL, NULL, NULL, NULL};

    ok(bounce_parse(&in, &r, &n) == SM_OK && n == 1, "long diagnostic");
    ok(n == 1 && strlen(r[0].diagnostic) <= BOUNCE_DIAG_MAX &&
           strlen(r[0].diagnostic) > 200,
       "diagnostic cut at BOUNCE_DIAG_MAX");
    bounce_results_free(r, n);
  }
  {
    char *dsn = calloc(1, 300000);
    struct bounce_result *r;
    size_t n;

    if (dsn) {
      memset(dsn, '\n', 299999);
      memcpy(dsn + 290000,
             "Final-Recipient: rfc822; late@example.org\nAction: failed\n",
             57);
      struct bounce_input in = {dsn, NULL, NULL, NULL, NULL};

      ok(bounce_parse(&in, &r, &n) == SM_OK && n == 0,
         "input past BOUNCE_MAX_INPUT is ignored");
      bounce_results_free(r, n);
      free(dsn);
    }
  }
}

static void
test_text(void)
{
  is_str(run(NULL, NULL, NULL), "", "nothing at all");
  is_str(run(NULL, "", "Undeliverable"), "", "empty text");
  is_str(run_diag(NULL,
                  "This is the mail system at host mx.example.net.\n\n"
                  "<x@example.org>: host mx.example.org[192.0.2.1] said: "
                  "550 5.1.1\n"
                  "    <x@example.org>: Recipient address rejected: User\n"
                  "    unknown (in reply to RCPT TO command)\n",
                  NULL, 1),
         "x@example.org permanent 5.1.1 [host mx.example.org[192.0.2.1] "
         "said: 550 5.1.1 <x@example.org>: Recipient address rejected: "
         "User unknown (in reply to RCPT TO command)]\n",
         "Postfix: wrapped lines stay in the address's block");
  is_str(run(NULL,
             "This is the mail system at host relay.example.net.\n\n"
             "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR "
             "MESSAGE. #\n\n"
             "<slow@example.org>: host mx.example.org[192.0.2.9] refused "
             "to talk to me\n",
             NULL),
         "slow@example.org delayed -\n",
         "Postfix delay warning: delayed by the report's wording");
  is_str(run(NULL,
             "This message was created automatically by mail delivery "
             "software.\n\n"
             "A message that you sent has not yet been delivered to one or "
             "more of its\nrecipients after more than 24 hours on the "
             "queue.\n\n"
             "The address to which the message has not yet been delivered "
             "is:\n\n  wait@example.org\n\n"
             "No action is required on your part.\n",
             "Warning: message 1vXq2b-0004Zt-9K delayed 24 hours"),
         "wait@example.org delayed -\n",
         "Exim delay warning: an address under its list header");
  is_str(run(NULL,
             "This message was created automatically by mail delivery "
             "software.\n\nThe following address(es) failed:\n\n"
             "  real@example.org\n    (generated from alias@example.com)\n"
             "    SMTP error from remote mail server after RCPT "
             "TO:<real@example.org>:\n    550 5.1.1 unknown\n",
             NULL),
         "alias@example.com permanent 5.1.1\n",
         "Exim: the address an alias was generated from is the recipient");
  is_str(run(NULL,
             "** Message not delivered **\n\n"
             "There was a temporary problem delivering your message to "
             "gmailuser@example.com. Gmail will retry for 46 more hours.\n\n"
             "The response was:\n451 4.3.0 Mail server temporarily "
             "rejected message.\n",
             "Delivery Status Notification (Delay)"),
         "gmailuser@example.com delayed 4.3.0\n",
         "Gmail's \"Delivery incomplete\": delayed, with the response's code");
  is_str(run(NULL,
             "Your message to o365user@contoso.example couldn\xE2\x80\x99t "
             "be delivered.\n"
             "o365user wasn\xE2\x80\x99t found at contoso.example.\n\n"
             "Diagnostic information for administrators:\n\n"
             "Generating server: AM0PR01MB1234.eurprd01.prod.example\n\n"
             "Remote Server returned '550 5.1.10 "
             "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP "
             "address lookup'\n",
             "Undeliverable: digest"),
         "o365user@contoso.example permanent 5.1.10\n",
         "Office 365: address in a sentence, typographic apostrophes");
  is_str(run(NULL,
             "Your message did not reach some or all of the intended "
             "recipients.\n\n      Subject:\tdigest\n\n"
             "The following recipient(s) cannot be reached:\n\n"
             "      'old.exchange@corp.example' on 3/6/2026 10:12 AM\n"
             "            The e-mail address could not be found.\n",
             NULL),
         "old.exchange@corp.example permanent -\n",
         "older Exchange: quoted address \"on\" a date");
  is_str(run(NULL,
             "----- Transcript of session follows -----\n"
             "sm.user@example.edu... User unknown\n",
             "Returned mail: User unknown"),
         "sm.user@example.edu permanent -\n",
         "Sendmail's \"addr... User unknown\"");
  is_str(run(NULL,
             "Delivery to the following recipient failed permanently:\n\n"
             "     nbsp.user@example.com\xC2\xA0\n\n"
             "Technical details of permanent failure:\nDNS Error: Domain "
             "name not found\n",
             NULL),
         "nbsp.user@example.com permanent -\n",
         "a no-break space is no part of the address");
  is_str(run(NULL,
             "Delivery has failed to these recipients or groups:\n\n"
             "\xE2\x80\x9Cquoted.user@example.com\xE2\x80\x9D\n"
             "The recipient's mailbox does not exist.\n",
             NULL),
         "quoted.user@example.com permanent -\n",
         "a curly-quoted address starts an address line...");
  is_str(run(NULL,
             "Mail delivery failed.\n\nUser unknown: "
             "\xE2\x80\x9Cquoted.user@example.com\xE2\x80\x9D.\n",
             NULL),
         "quoted.user@example.com permanent -\n",
         "...and is found in running text, without the quotes");
  is_str(run(NULL,
             "Your message <20260306.5f3e@mx.example.net> to "
             "<victim@example.org>\ncould not be delivered: user "
             "unknown.\n",
             "Undeliverable"),
         "victim@example.org permanent -\n",
         "a Message-ID in angle brackets is no recipient");
  is_str(run(NULL,
             "The message from digest-bounces@lists.example.org to "
             "ghost@example.org\nfailed: no such user.\n"
             "Contact postmaster@example.org or MAILER-DAEMON@example.org "
             "for help.\n",
             "failure notice"),
         "ghost@example.org permanent -\n",
         "the sender and the mail system's mailboxes are no recipients");
  is_str(run(NULL,
             "Hi. This is the qmail-send program at mail.example.com.\n"
             "I'm afraid I wasn't able to deliver your message to the "
             "following addresses.\n\n"
             "<jdoe@mail.example.com>:\nSorry, no mailbox here by that "
             "name. (#5.1.1)\n\n"
             "Delivery failed; report problems to "
             "helpdesk@mail.example.com.\n",
             NULL),
         "jdoe@mail.example.com permanent 5.1.1\n",
         "addresses at the reporting host: in a recipient list yes, in "
         "running text no");
  is_str(run(NULL,
             "Mail delivery failed.\n\n"
             "Recipient address rejected: User.Name@Example.ORG.\n",
             NULL),
         "User.Name@example.org permanent -\n",
         "trailing punctuation goes, the domain is lower-cased");
  is_str(run(NULL,
             "This is the mail system at host mx.example.net.\n\n"
             "<a@example.org>: host x said: 550 5.1.1 unknown\n\n"
             "<b@example.org>: host x said: 552 5.2.2 mailbox full\n\n"
             "<A@Example.org>: host x said: 450 4.2.1 try later\n",
             NULL),
         "a@example.org permanent 5.1.1\nb@example.org permanent 5.2.2\n",
         "several addresses; a 5xx status is permanent even for a full "
         "mailbox; duplicates merge");
  is_str(run(NULL,
             "Undeliverable mail.\n\nrecipient@example.org: user unknown\n"
             "    500 MB quota; Exim 4.94.2 at 4.5.6.7, v5.1.1\n",
             "Undeliverable"),
         "recipient@example.org permanent -\n",
         "sizes, version numbers and IP addresses are no status codes");
  is_str(run(NULL,
             "I am out of the office until 20 March. For urgent matters "
             "contact jane.roe@example.com; my old address "
             "me@old.example.com is no longer in use.\n",
             NULL),
         "", "an out-of-office text (no subject) is no bounce");
  is_str(run(NULL,
             "Hi! My message could not be delivered to "
             "author@uni.example, the server said there was an error.\n",
             "Re: Your weekly ShortScience digest"),
         "", "a reader's reply that mentions a failure is no bounce");
  is_str(run(NULL, "Sorry, mailbox full: full.person@example.org\n",
             "Out of Office: digest"),
         "", "an auto-reply subject: no bounce");
  is_str(run(NULL, "Sorry, mailbox full: full.person@example.org\n",
             "Undeliverable: Out of Office"),
         "full.person@example.org temporary -\n",
         "a bounce subject beats an auto-reply word in it");
  is_str(run(NULL,
             "This is the mail system at host mx.example.net.\n\n"
             "<bob@example.org>: host x said: 550 5.1.1 unknown\n\n"
             "--- Below this line is a copy of the message.\n\n"
             "To: carl@example.org\nSubject: user unknown\n\n"
             "<carl@example.org>: host x said: 550 5.1.1 unknown\n",
             NULL),
         "bob@example.org permanent 5.1.1\n",
         "nothing is read in the quoted original message");
  is_str(run(NULL,
             "Mail delivery failed: user unknown\n\n"
             "https://example.com/?u=x@y.example.com&k=1 bad@@example..org "
             "@example.org a@b user@-bad.example.org user@x.123\n",
             NULL),
         "", "malformed addresses and addresses in URLs are skipped");
  is_str(bounce_kind_name(BOUNCE_PERMANENT), "permanent", "kind name");
  is_str(bounce_kind_name(BOUNCE_TEMPORARY), "temporary", "kind name");
}

/* The handles beside the report: X-Failed-Recipients, the returned copy
 * (its senders are no recipients; its Message-ID names our message). */
static const char *
run_in(const struct bounce_input *in)
{
  struct bounce_result *r = NULL;
  size_t n = 0;
  const char *s;

  if (bounce_parse(in, &r, &n) != SM_OK)
    return "(error)";
  s = fmt(r, n, 0);
  bounce_results_free(r, n);
  return s;
}

static void
test_handles(void)
{
  struct bounce_input in;
  char id[256];

  memset(&in, 0, sizeof(in));
  in.returned = "Return-Path: <digest-bounces@lists.example.org>\n"
                "From: ShortScience <digest@lists.example.org>\n"
                "To: ana@example.org\n"
                "Message-ID:\n <digest.202648.17@lists.example.org>\n";
  ok(bounce_returned_id(&in, id, sizeof(id)) &&
         !strcmp(id, "digest.202648.17@lists.example.org"),
     "returned id: from the returned header block, folded");
  ok(!bounce_returned_id(&in, id, 10) && !id[0],
     "returned id: too long for the buffer is none");
  memset(&in, 0, sizeof(in));
  in.text = "Message-ID: <report.1@mx.example.net> is not it\n\n"
            "--- Below this line is a copy of the message.\n\n"
            "From: digest@lists.example.org\n"
            "Message-Id: <confirm.3.1700000000@lists.example.org>\n";
  ok(bounce_returned_id(&in, id, sizeof(id)) &&
         !strcmp(id, "confirm.3.1700000000@lists.example.org"),
     "returned id: the quoted copy's before the report's own words");
  in.text = "This report relates to a message you sent with the following "
            "header fields:\n\n  Message-id: <digest.1.2@lists.example.org>\n";
  ok(bounce_returned_id(&in, id, sizeof(id)) &&
         !strcmp(id, "digest.1.2@lists.example.org"),
     "returned id: a report that quotes the message's fields");
  in.text = NULL;
  in.dsn = "Reporting-MTA: dns; googlemail.com\n"
           "X-Original-Message-ID: <digest.9.9@lists.example.org>\n";
  ok(bounce_returned_id(&in, id, sizeof(id)) &&
         !strcmp(id, "digest.9.9@lists.example.org"),
     "returned id: Gmail's X-Original-Message-ID");
  in.dsn = "X-Original-Message-ID: <no at sign>\nMessage-ID: <a b@c>\n";
  ok(!bounce_returned_id(&in, id, sizeof(id)), "returned id: garbage is none");

  memset(&in, 0, sizeof(in));
  in.failed_recipients = "group@googlegroups.example, <Two@Example.ORG>,bad@,";
  in.text = "We're writing to let you know that the group you tried to "
            "contact (group) may not exist.\n";
  is_str(run_in(&in),
         "group@googlegroups.example permanent -\n"
         "Two@example.org permanent -\n",
         "X-Failed-Recipients: the addresses the text does not name");
  in.text = "This message was created automatically by mail delivery "
            "software.\n\nThe following address(es) failed:\n\n"
            "  real@example.org\n    (generated from alias@example.com)\n"
            "    550 5.1.1 unknown\n";
  in.failed_recipients = "real@example.org";
  is_str(run_in(&in), "alias@example.com permanent 5.1.1\n",
         "X-Failed-Recipients: an alias's target stands for the alias");
  in.failed_recipients = "late@example.org";
  in.subject = "Warning: message 1x delayed 24 hours";
  in.text = "A message that you sent has not yet been delivered to one or "
            "more of its recipients.\n";
  is_str(run_in(&in), "late@example.org delayed -\n",
         "X-Failed-Recipients in a delay warning: delayed");

  memset(&in, 0, sizeof(in));
  in.text = "Delivery failed.\n\nUser unknown: digest@lists.example.org\n"
            "User unknown: reader@example.org\n";
  in.returned = "From: ShortScience <digest@lists.example.org>\n"
                "Reply-To: <digest+c-x@lists.example.org>\n";
  is_str(run_in(&in), "reader@example.org permanent -\n",
         "the returned copy's sender is never a failed recipient");
  in.returned = NULL;
  in.text = "Mail delivery failed.\n\nuser unknown: a@example.org\n\n"
            "------ This is a copy of the message, including all the "
            "headers. ------\n\nFrom: me@sender.example\nTo: "
            "a@example.org\n\nuser unknown: me@sender.example\n";
  is_str(run_in(&in), "a@example.org permanent -\n",
         "nor is the sender of a copy quoted in the text");

  is_str(run(NULL,
             "Thanks! My colleague's address bounced with user unknown: "
             "col@example.org, can you check?\n",
             "Re: Your weekly ShortScience digest"),
         "", "a reader's reply quoting an MTA's words is no bounce");
  is_str(run(NULL,
             "Your message could not be delivered.\n\n"
             "Intended recipient: meant@example.org\n",
             "Delivery failure notification"),
         "meant@example.org permanent -\n",
         "a label names the recipient in a paragraph that says nothing");
  is_str(run(NULL,
             "Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to this "
             "email.\n\nAn error has occurred while attempting to deliver a "
             "message for\nthe following list of recipients:\n\n"
             "x@example.org: 550 5.1.1 no such user\n"
             "y@example.org: 421 Service not available\n",
             "Delivery status notification: error"),
         "x@example.org permanent 5.1.1\ny@example.org temporary 421\n",
         "a reply code right after \"ADDRESS:\" is the server's");
  is_str(run(NULL,
             "Die Zustellung an folgende Empf\xC3\xA4nger oder Gruppen ist "
             "fehlgeschlagen:\n\nweg@example.de\nDie eingegebene "
             "E-Mail-Adresse wurde nicht gefunden.\n",
             "Unzustellbar: Your weekly ShortScience digest"),
         "weg@example.de permanent -\n",
         "Exchange in German: the header of its list");
  is_str(run(NULL,
             "This Message was undeliverable due to the following reason:\n\n"
             "The user(s) account is temporarily over quota.\n\n"
             "<q@example.org>\n\nPlease reply to Postmaster@example.org\n",
             "Mail System Error - Returned Mail"),
         "q@example.org temporary -\n",
         "an address alone under its reason takes the reason's kind");
}

int
main(void)
{
  test_samples();
  test_corpus();
  test_dsn();
  test_text();
  test_handles();
  return done_testing();
}
