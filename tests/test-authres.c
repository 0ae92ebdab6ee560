/* test-authres.c: Authentication-Results fields (src/authres.c): the
 * grammar of RFC 8601 as MTAs write it (OpenDMARC, Postfix with
 * opendkim, Gmail, Microsoft), and which fields are believed. */
#include "config.h"

#include <string.h>

#include "authres.h"
#include "tap.h"

#define ID "mx.lists.example.org"

static struct authres a;

static enum sm_status
parse(const char *s)
{
  return authres_parse(s, strlen(s), &a);
}

static void
grammar(void)
{
  is_int(parse(ID "; dkim=pass header.i=@example.com header.s=s1; "
                  "spf=pass smtp.mailfrom=example.com; dmarc=pass "
                  "(p=reject dis=none) header.from=example.com"),
         SM_OK, "a Postfix/OpenDMARC field parses");
  is_str(a.authserv_id, ID, "its authserv-id");
  is_int(a.n, 3, "three results");
  is_str(a.r[0].method, "dkim", "first method");
  is_str(a.r[2].method, "dmarc", "third method");
  is_str(a.r[2].result, "pass", "dmarc result");
  is_str(a.r[2].header_from, "example.com", "header.from, past a comment");
  is_str(a.r[1].header_from, "", "no header.from on spf");

  is_int(parse("\r\n " ID " 1;\r\n\tDMARC = FAIL (p=none)\r\n\t"
               "Header . From = Example.ORG"),
         SM_OK, "folded, version 1, spaces around = and ., upper case");
  is_str(a.r[0].method, "dmarc", "method folded to lower case");
  is_str(a.r[0].result, "fail", "result folded to lower case");
  is_str(a.r[0].header_from, "Example.ORG", "values keep their case");

  is_int(parse(ID "; none"), SM_OK, "no-result");
  ok(a.no_result && a.n == 0, "no_result set, no results");
  is_int(parse("(the MTA) \"" ID "\" (v1) ; auth/1 = pass "
               "reason=\"it \\\"worked\\\"\" smtp.auth=user@example.org;"),
         SM_OK,
         "quoted authserv-id, comments, method version, reason, "
         "trailing ';'");
  is_str(a.authserv_id, ID, "quoted authserv-id unquoted");
  is_str(a.r[0].method, "auth", "method without its version");
  is_int(parse(ID "; arc=pass (i=1 spf=pass) header.oldest-pass=0; "
                  "dkim=pass header.b=\"Ab/+=\" header.d=example.org"),
         SM_OK, "ARC and quoted header.b (a base64 prefix)");
  is_int(a.n, 2, "two results");

  is_int(parse(""), SM_ERR_DATA, "empty");
  is_int(parse(ID), SM_ERR_DATA, "an authserv-id alone");
  is_int(parse(ID "; dmarc"), SM_ERR_DATA, "method without result");
  is_int(parse(ID "; dmarc="), SM_ERR_DATA, "empty result");
  is_int(parse(ID "; dmarc=pass header.from"), SM_ERR_DATA,
         "property without value");
  is_int(parse(ID "; dmarc=pass (unclosed"), SM_ERR_DATA, "unclosed comment");
  is_int(parse(ID "; none; dmarc=pass"), SM_ERR_DATA, "none with results");
  is_int(parse(ID "; dmarc=pass header.from=\"open"), SM_ERR_DATA,
         "unclosed quoted string");
  is_int(parse("a@b; dmarc=pass"), SM_ERR_DATA,
         "an authserv-id is a token, not an address");
  {
    char big[600];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    is_int(parse(big), SM_ERR_LIMIT, "an authserv-id too long is refused");
  }
  {
    /* More results than slots: kept up to the limit, counted past it. */
    char s[4096] = ID;
    for (int i = 0; i < AUTHRES_MAX_RESULTS + 3; i++)
      strncat(s, "; spf=pass", sizeof(s) - strlen(s) - 1);
    is_int(parse(s), SM_OK, "many results");
    is_int(a.n, AUTHRES_MAX_RESULTS, "kept up to the limit");
    is_int(a.dropped, 3, "the rest counted");
  }
}

static void
verdicts(void)
{
  size_t b = 9;
  const char *pass[] = {ID "; spf=pass; dmarc=pass header.from=example.org"};
  const char *fail[] = {ID "; dmarc=fail (p=reject) header.from=example.org",
                        "mx.google.com; dmarc=pass header.from=example.org"};
  const char *forged_top[] = {
      "evil.example.net; dmarc=pass header.from=example.org",
      ID "; dmarc=fail header.from=example.org"};
  const char *forged_below[] = {
      ID "; spf=none", "evil.example.net; dmarc=fail header.from=example.org",
      ID "; dmarc=pass header.from=example.org"};
  const char *other_domain[] = {ID
                                "; dmarc=fail header.from=elsewhere.example"};
  const char *mixed[] = {ID "; dmarc=pass header.from=example.org",
                         ID "; dmarc=fail header.from=example.org"};
  const char *garbled[] = {ID "; dmarc=", ID "; dmarc=fail"};
  const char *addr[] = {ID "; dmarc=pass header.from=user@Example.ORG"};

  is_int(authres_dmarc(pass, 1, ID, "example.org", &b), AUTHRES_PASS,
         "our pass");
  is_int(b, 1, "one field believed");
  is_int(authres_dmarc(pass, 1, "MX.Lists.Example.ORG", "example.org", NULL),
         AUTHRES_PASS, "authserv-id compared without case");
  is_int(authres_dmarc(pass, 1, NULL, "example.org", &b), AUTHRES_NONE,
         "no authserv_id configured: nothing believed");
  is_int(b, 0, "none believed");
  is_int(authres_dmarc(pass, 1, "", "example.org", NULL), AUTHRES_NONE,
         "empty authserv_id: nothing believed");
  is_int(authres_dmarc(fail, 2, ID, "example.org", &b), AUTHRES_FAIL,
         "our fail above another's pass");
  is_int(b, 1, "the other MTA's field below is not believed");
  is_int(authres_dmarc(forged_top, 2, ID, "example.org", &b), AUTHRES_NONE,
         "a foreign field on top: nothing below it is ours");
  is_int(b, 0, "nothing believed");
  is_int(authres_dmarc(forged_below, 3, ID, "example.org", &b), AUTHRES_NONE,
         "our id below a foreign field is ignored (forged in the mail)");
  is_int(b, 1, "only the top field believed");
  is_int(authres_dmarc(other_domain, 1, ID, "example.org", NULL), AUTHRES_NONE,
         "a dmarc result about another domain does not count");
  is_int(authres_dmarc(mixed, 2, ID, "example.org", NULL), AUTHRES_FAIL,
         "a fail wins over a pass");
  is_int(authres_dmarc(garbled, 2, ID, "example.org", &b), AUTHRES_NONE,
         "a field that does not parse stops belief");
  is_int(b, 0, "nothing believed");
  is_int(authres_dmarc(addr, 1, ID, "example.org", NULL), AUTHRES_PASS,
         "header.from written as an address");
  is_str(authres_verdict_str(AUTHRES_FAIL), "fail", "verdict names");
}

int
main(void)
{
  grammar();
  verdicts();
  return done_testing();
}
