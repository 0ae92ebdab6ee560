/* test-form.c: the form body parser (src/form.c): what browsers and
 * mail programs POST for one-click unsubscription and the keyword page,
 * and what it must refuse. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "form.h"
#include "tap.h"

#define URLENC "application/x-www-form-urlencoded"

static enum sm_status
parse(const char *type, const char *body, struct form *f, char *err)
{
  return form_parse(type, body, strlen(body), f, err, SM_ERRLEN);
}

static void
test_urlencoded(void)
{
  struct form f;
  char err[SM_ERRLEN];

  is_int(parse(URLENC, "List-Unsubscribe=One-Click", &f, err), SM_OK,
         "RFC 8058 body");
  is_int(f.n, 1, "one field");
  is_str(form_get(&f, "List-Unsubscribe"), "One-Click", "its value");
  form_free(&f);

  is_int(parse(URLENC "; charset=UTF-8",
               "keywords=cs.LG%0D%0A%22batch+normalization%22&&paused&"
               "frequency=daily&k%C3%A9=%C3%A5",
               &f, err),
         SM_OK, "several fields, escapes, a charset parameter");
  is_str(form_get(&f, "keywords"), "cs.LG\r\n\"batch normalization\"",
         "+ is a space, %XX a byte");
  is_str(form_get(&f, "paused"), "", "a name without = has an empty value");
  is_str(form_get(&f, "frequency"), "daily", "a later field");
  is_str(form_get(&f, "k\xc3\xa9"), "\xc3\xa5", "UTF-8 names and values");
  ok(form_get(&f, "missing") == NULL, "an absent field is NULL");
  form_free(&f);

  is_int(parse("Application/X-WWW-Form-URLEncoded", "a=1&a=2", &f, err), SM_OK,
         "media type case-insensitive");
  is_str(form_get(&f, "a"), "1", "a repeated name: the first");
  is_int(f.n, 2, "both kept");
  form_free(&f);

  is_int(parse(URLENC, "", &f, err), SM_OK, "an empty body");
  is_int(f.n, 0, "has no fields");
  form_free(&f);

  is_int(parse(URLENC, "a=%4", &f, err), SM_ERR_DATA, "a truncated escape");
  ok(strstr(err, "percent") != NULL, "is named");
  is_int(parse(URLENC, "a=%zz", &f, err), SM_ERR_DATA, "a bad escape");
  is_int(parse(URLENC, "a=%00", &f, err), SM_ERR_DATA, "an encoded NUL");
  is_int(parse(URLENC, "a=%C3%28", &f, err), SM_ERR_DATA, "invalid UTF-8");
  ok(f.n == 0 && f.fields == NULL, "an error leaves the form empty");
  {
    char big[FORM_MAX_FIELDS * 4 + 16] = "";
    for (int i = 0; i <= FORM_MAX_FIELDS; i++)
      memcpy(big + 4 * i, "a=1&", 5);
    is_int(parse(URLENC, big, &f, err), SM_ERR_LIMIT, "too many fields");
  }
  is_int(parse("text/plain", "a=1", &f, err), SM_ERR_PROTOCOL,
         "another media type");
  is_int(parse(NULL, "a=1", &f, err), SM_ERR_PROTOCOL, "no Content-Type");
  is_int(parse("application/x-www-form-urlencodedx", "a=1", &f, err),
         SM_ERR_PROTOCOL, "a longer media type is another one");
}

static void
test_multipart(void)
{
  struct form f;
  char err[SM_ERRLEN];
  /* As curl -F and Chromium send it: CRLF lines, a preamble-less body. */
  const char *curl =
      "--------------------------d74496d66958873e\r\n"
      "Content-Disposition: form-data; name=\"List-Unsubscribe\"\r\n"
      "\r\n"
      "One-Click\r\n"
      "--------------------------d74496d66958873e--\r\n";
  const char *two =
      "preamble to ignore\r\n"
      "--XyZ\r\n"
      "content-disposition: form-data; name=\"keywords\"\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "gan\r\nauthor:hinton\r\n"
      "--XyZ  \r\n"
      "Content-Disposition: form-data; name=\"up\"; filename=\"a.txt\"\r\n"
      "\r\n"
      "file bytes, skipped\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"quo\\\"ted\"\r\n"
      "\r\n"
      "\r\n"
      "--XyZ--";

  is_int(parse("multipart/form-data; "
               "boundary=------------------------d74496d66958873e",
               curl, &f, err),
         SM_OK, "curl -F List-Unsubscribe=One-Click");
  is_int(f.n, 1, "one field");
  is_str(form_get(&f, "List-Unsubscribe"), "One-Click", "its value");
  form_free(&f);

  is_int(parse("multipart/form-data; charset=utf-8; boundary=\"XyZ\"", two, &f,
               err),
         SM_OK, "a preamble, a quoted boundary, padding, an upload");
  is_int(f.n, 2, "the upload is skipped");
  is_str(form_get(&f, "keywords"), "gan\r\nauthor:hinton",
         "a value with line breaks");
  is_str(form_get(&f, "quo\"ted"), "", "an escaped quote, an empty value");
  form_free(&f);

  is_int(parse("multipart/form-data", curl, &f, err), SM_ERR_PROTOCOL,
         "no boundary");
  is_int(parse("multipart/form-data; boundary=other", curl, &f, err),
         SM_ERR_DATA, "another boundary: no delimiter");
  is_int(parse("multipart/form-data; boundary=XyZ",
               "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nv", &f,
               err),
         SM_ERR_DATA, "an unclosed body");
  is_int(parse("multipart/form-data; boundary=XyZ",
               "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv"
               "\r\n--XyZ--",
               &f, err),
         SM_ERR_DATA, "a part that is not form-data");
  is_int(parse("multipart/form-data; boundary=XyZ",
               "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n\xff"
               "\r\n--XyZ--",
               &f, err),
         SM_ERR_DATA, "a value that is not UTF-8");
  is_int(parse("multipart/form-data; boundary=XyZ",
               "--XyZ\r\nContent-Disposition: form-data; name=a\r\nv\r\n"
               "--XyZ--",
               &f, err),
         SM_ERR_DATA, "headers that never end");
}

int
main(void)
{
  test_urlencoded();
  test_multipart();
  return done_testing();
}
