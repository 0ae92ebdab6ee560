/* test-signer.c: the relaxed canonicalizations of RFC 6376 3.4.2 and
 * 3.4.4 as fixed known answers (the example of 3.4.5 among them), and the
 * body hash of an empty body. The signatures themselves are checked by two
 * independent verifiers in tests/dkim.sh. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "signer.h"
#include "tap.h"

static void
header_is(const char *in, const char *want, const char *name)
{
  struct buf b = BUF_INIT(4096);

  must(signer_canon_header(in, strlen(in), &b));
  is_str(buf_str(&b), want, name);
  buf_free(&b);
}

static void
body_is(const char *in, size_t n, const char *want, const char *name)
{
  struct buf b = BUF_INIT(4096);

  must(signer_canon_body(in, n, &b));
  ok(b.len == strlen(want) && !memcmp(b.data ? b.data : "", want, b.len),
     name);
  if (b.len != strlen(want) || memcmp(b.data ? b.data : "", want, b.len))
    diag("got \"%s\"", buf_str(&b));
  buf_free(&b);
}

#define BODY(s, want, name) body_is(s, sizeof(s) - 1, want, name)

int
main(void)
{
  /* RFC 6376 3.4.5. */
  header_is("A: X", "a:X", "3.4.5: A: X");
  header_is("B : Y\t\r\n\tZ  ", "b:Y Z", "3.4.5: B : Y folded Z");
  BODY(" C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n", "3.4.5: the body");

  header_is("Subject:hello", "subject:hello", "no space after the colon");
  header_is("SUBJECT:   hello   world  ", "subject:hello world",
            "runs of spaces: one, none at the ends");
  header_is("Subject: a:  b", "subject:a: b",
            "a colon inside the value keeps the space after it");
  header_is("To: a@example.org,\r\n b@example.org,\r\n\tc@example.org",
            "to:a@example.org, b@example.org, c@example.org",
            "folded twice, with space and with tab");
  header_is("List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            "list-unsubscribe-post:List-Unsubscribe=One-Click",
            "the value keeps its case");
  header_is("Subject: =?UTF-8?Q?caf=C3=A9?=", "subject:=?UTF-8?Q?caf=C3=A9?=",
            "an encoded word is bytes like any other");
  header_is("Subject: caf\xc3\xa9  \xe2\x88\x91",
            "subject:caf\xc3\xa9 \xe2\x88\x91",
            "8-bit UTF-8 is kept byte for byte");
  header_is("X-Empty:", "x-empty:", "an empty value");
  header_is("X-Empty:   \r\n \t", "x-empty:", "a value of white space only");
  header_is("Dkim-Signature: v=1; a=rsa-sha256;\r\n\tb=",
            "dkim-signature:v=1; a=rsa-sha256; b=",
            "our own field with an empty b=");

  BODY("", "", "an empty body stays empty");
  BODY("\r\n", "", "a body of one empty line is empty");
  BODY("\r\n\r\n \t\r\n", "", "empty and blank lines only: empty");
  BODY("x", "x\r\n", "a last line without CRLF gets one");
  BODY("x  \t", "x\r\n", "and loses its trailing white space");
  BODY("a\r\n\r\nb\r\n", "a\r\n\r\nb\r\n", "an empty line inside stays");
  BODY("a\r\n  \r\nb\r\n", "a\r\n\r\nb\r\n",
       "a blank line inside becomes empty");
  BODY("a  b\t\tc \r\n", "a b c\r\n", "runs inside a line become one space");
  BODY("\t x\r\n", " x\r\n", "leading white space becomes one space");
  BODY("a\r\n\r\n\r\nb\r\n\r\n", "a\r\n\r\n\r\nb\r\n",
       "held-back empty lines come back before a later line");
  BODY("a\rb\nc\r\n", "a\rb\nc\r\n", "a bare CR or LF ends no line");
  BODY("caf\xc3\xa9 \r\n", "caf\xc3\xa9\r\n", "8-bit text");

  {
    /* The body hash of an empty body, as every DKIM implementation has
     * it for relaxed (the SHA-256 of nothing). */
    struct crypto_sha256 *h;
    unsigned char d[CRYPTO_SHA256_LEN];
    struct buf b = BUF_INIT(64);

    must(crypto_sha256_new(&h));
    must(crypto_sha256_final(h, d));
    must(crypto_base64(d, sizeof(d), &b));
    is_str(buf_str(&b), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
           "bh= of an empty body");
    buf_reset(&b);
    must(crypto_sha256_init(h));
    must(crypto_sha256_update(h, "x\r\n", 3));
    must(crypto_sha256_final(h, d));
    must(crypto_base64(d, sizeof(d), &b));
    is_str(buf_str(&b), "s14J+iztnrytnRYzb7lhFG/jS/vrxWJnnahfijFMnco=",
           "bh= of the body \"x\"");
    buf_free(&b);
    crypto_sha256_free(h);
  }
  return done_testing();
}
