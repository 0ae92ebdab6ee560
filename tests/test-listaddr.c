/* test-listaddr.c: every list address made and read back, the tokens
 * minted with their lifetimes, and what is not ours refused. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "listaddr.h"
#include "tap.h"

#define NOW 1795000000 /* 2026-11-18 */

int
main(void)
{
  static const char key[] = "0123456789abcdef-test-secret";
  static const struct {
    enum listaddr_kind kind;
    const char *want; /* with token "tok" */
  } shapes[] = {
      {LISTADDR_LIST, "digest@lists.example.org"},
      {LISTADDR_REQUEST, "digest-request@lists.example.org"},
      {LISTADDR_BOUNCES, "digest-bounces@lists.example.org"},
      {LISTADDR_CONFIRM, "digest+confirm-tok@lists.example.org"},
      {LISTADDR_COMMENT, "digest+c-tok@lists.example.org"},
      {LISTADDR_BOUNCE, "digest+bounce-tok@lists.example.org"},
      {LISTADDR_UNSUB, "digest+unsub-tok@lists.example.org"},
  };
  struct token_secret sec = {0};
  struct conf c;
  char out[LISTADDR_MAX], name[256], tok[TOKEN_MAX_LEN + 1];
  const char *t;
  size_t tl;
  int64_t sub, obj, exp;
  enum token_reason why;

  conf_defaults(&c);
  free(c.list.local);
  free(c.list.domain);
  c.list.local = strdup("digest");
  c.list.domain = strdup("lists.example.org");
  token_secret_set(&sec, key, strlen(key));

  for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
    int tokened = listaddr_purpose(shapes[i].kind) >= 0;
    snprintf(name, sizeof(name), "make %s",
             listaddr_kind_name(shapes[i].kind));
    is_int(listaddr_make(&c, shapes[i].kind, tokened ? "tok" : NULL, out,
                         sizeof(out)),
           SM_OK, name);
    is_str(out, shapes[i].want, name);
    snprintf(name, sizeof(name), "read %s back", shapes[i].want);
    is_int(listaddr_parse(out, "digest", "lists.example.org", &t, &tl),
           shapes[i].kind, name);
    if (tokened)
      ok(t && tl == 3 && !memcmp(t, "tok", 3), "with its token");
    else
      ok(!t && tl == 0, "without a token");
    ok(address_sendable(out), "a list address is an address we can send to");
  }
  is_int(listaddr_make(&c, LISTADDR_COMMENT, NULL, out, sizeof(out)),
         SM_ERR_DATA, "a token kind needs a token");
  is_int(listaddr_make(&c, LISTADDR_REQUEST, "x", out, sizeof(out)),
         SM_ERR_DATA, "and the others take none");
  is_int(listaddr_make(&c, LISTADDR_REQUEST, NULL, out, 10), SM_ERR_LIMIT,
         "too small a buffer is an error, not a cut address");

  is_int(listaddr_parse("Digest-Request@LISTS.example.org", "digest",
                        "lists.example.org", &t, &tl),
         LISTADDR_REQUEST, "fixed words and domain without case");
  is_int(listaddr_parse("DIGEST+C-AbC@lists.example.org", "digest",
                        "lists.example.org", &t, &tl),
         LISTADDR_COMMENT, "a token kind without case");
  ok(t && tl == 3 && !memcmp(t, "AbC", 3), "the token as written");
  is_int(listaddr_parse("digest+confirm-@lists.example.org", "digest",
                        "lists.example.org", &t, &tl),
         LISTADDR_NONE, "an empty token is not ours");
  is_int(listaddr_parse("digest+other-x@lists.example.org", "digest",
                        "lists.example.org", &t, &tl),
         LISTADDR_NONE, "an unknown tag");
  is_int(listaddr_parse("digest-request@other.example.org", "digest",
                        "lists.example.org", &t, &tl),
         LISTADDR_NONE, "another domain");
  is_int(listaddr_parse("digestx@lists.example.org", "digest",
                        "lists.example.org", &t, &tl),
         LISTADDR_NONE, "another local part");
  is_int(listaddr_parse(NULL, "digest", "lists.example.org", &t, &tl),
         LISTADDR_NONE, "no address");

  /* Minted tokens verify for their purpose, with their lifetime. */
  static const struct {
    enum listaddr_kind kind;
    enum token_purpose p;
    int64_t ttl;
  } mints[] = {{LISTADDR_CONFIRM, TOKEN_CONFIRM, 72 * 3600},
               {LISTADDR_COMMENT, TOKEN_COMMENT, 90 * 86400},
               {LISTADDR_BOUNCE, TOKEN_BOUNCE, 60 * 86400},
               {LISTADDR_UNSUB, TOKEN_UNSUBSCRIBE, 365 * 86400}};
  for (size_t i = 0; i < sizeof(mints) / sizeof(mints[0]); i++) {
    const char *kn = listaddr_kind_name(mints[i].kind);
    snprintf(name, sizeof(name), "mint %s", kn);
    is_int(
        listaddr_mint(&c, &sec, mints[i].kind, 42, 7, NOW, out, sizeof(out)),
        SM_OK, name);
    is_int(listaddr_parse(out, "digest", "lists.example.org", &t, &tl),
           mints[i].kind, "the minted address reads back as its kind");
    is_int(token_verify(&sec, mints[i].p, t, tl, NOW, &sub, &obj, &exp, &why),
           SM_OK, "its token verifies for its purpose");
    ok(sub == 42 && obj == 7, "naming the reader and the object");
    snprintf(name, sizeof(name), "%s lives %lld s (to the next hour)", kn,
             (long long)mints[i].ttl);
    ok(exp >= NOW + mints[i].ttl && exp < NOW + mints[i].ttl + 3600, name);
    is_int(listaddr_ttl(mints[i].p), mints[i].ttl, "listaddr_ttl says so");
  }
  is_int(listaddr_token(&sec, TOKEN_KEYWORDS, 1, 0, NOW, tok, &exp), SM_OK,
         "the keyword page's token");
  is_int(exp, NOW + 365 * 86400, "lives as long as the unsubscribe link");
  is_int(
      listaddr_mint(&c, &sec, LISTADDR_REQUEST, 1, 0, NOW, out, sizeof(out)),
      SM_ERR_DATA, "no token for the request address");

  token_secret_free(&sec);
  conf_free(&c);
  return done_testing();
}
