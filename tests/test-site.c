/* test-site.c: the JSON body of a comment, the Message-ID as an
 * Idempotency-Key, the backoff, and reading the API token file. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "site.h"
#include "tap.h"

static void
write_file(const char *path, const char *text, mode_t mode)
{
  FILE *fp = fopen(path, "w");

  if (!fp)
    return;
  fputs(text, fp);
  fclose(fp);
  chmod(path, mode);
}

int
main(void)
{
  struct site_comment c;
  char *json = NULL, *token = NULL, key[64], err[SM_ERRLEN];
  char dir[] = "/tmp/shortmail-test-site.XXXXXX", path[256];
  size_t len = 0;
  enum sm_status st;

  memset(&c, 0, sizeof(c));
  c.summary = "shortscience:summary:1001";
  c.author = "Ann.Reader@example.org";
  c.body =
      "Nice \"summary\".\nSee <script>alert(1)</script>\\ \x01 caf\xc3\xa9";
  c.message_id = "<c1.abc@mail.example.org>";
  c.created_at = 1795833248; /* date -u -d @1795833248: 2026-11-28T02:34:08Z */
  st = site_comment_json(&c, &json, &len);
  is_int(st, SM_OK, "comment JSON: built");
  is_str(json,
         "{\"summary\":\"shortscience:summary:1001\","
         "\"paper\":null,\"summarizer\":null,"
         "\"author\":\"Ann.Reader@example.org\","
         "\"body\":\"Nice \\\"summary\\\".\\nSee "
         "<script>alert(1)</script>\\\\ \\u0001 caf\xc3\xa9\","
         "\"message_id\":\"c1.abc@mail.example.org\","
         "\"created_at\":\"2026-11-28T02:34:08Z\"}",
         "comment JSON: fields in order, text escaped, Message-ID without "
         "<>, RFC 3339 time");
  is_int(len, json ? strlen(json) : 0, "comment JSON: length");
  free(json);

  c.paper = "journals/corr/HeZRS15";
  c.summarizer = site_link_user(
      "http://www.shortscience.org/paper?bibtexKey=journals/corr/"
      "HeZRS15#joecohen");
  st = site_comment_json(&c, &json, &len);
  ok(st == SM_OK && json &&
         strstr(json, "\"paper\":\"journals/corr/HeZRS15\","
                      "\"summarizer\":\"joecohen\","),
     "comment JSON: the paper's BibTeX key and the summarizer's user name");
  free(json);
  ok(site_link_user("http://x/paper?bibtexKey=k#anon") &&
         !strcmp(site_link_user("http://x/paper?bibtexKey=k#anon"), "anon"),
     "link user: #anon");
  ok(site_link_paper("http://x/paper?a=1&bibtexKey=conf/nips/X14#anon", key,
                     sizeof(key)) &&
         !strcmp(key, "conf/nips/X14") &&
         !site_link_paper("http://x/paper?key=1", key, sizeof(key)) &&
         !site_link_paper("http://x/paper?bibtexKey=#a", key, sizeof(key)),
     "link paper: the bibtexKey parameter, none without one");
  ok(!site_link_user("http://x/paper?bibtexKey=k") &&
         !site_link_user("http://x/paper?bibtexKey=k#") &&
         !site_link_user("http://x/p#a b") && !site_link_user(NULL),
     "link user: none without a fragment, empty or with a space");
  c.paper = c.summarizer = NULL;

  c.body = "bad \xff byte";
  st = site_comment_json(&c, &json, &len);
  ok(st == SM_OK && json && strstr(json, "\"bad \\ufffd byte\""),
     "comment JSON: invalid UTF-8 becomes U+FFFD");
  free(json);

  ok(site_message_key("<a.b@c>", key, sizeof(key)) == 0 &&
         !strcmp(key, "a.b@c"),
     "key: angle brackets removed");
  ok(site_message_key("a.b@c", key, sizeof(key)) == 0 && !strcmp(key, "a.b@c"),
     "key: bare Message-ID kept");
  ok(site_message_key("<a\r\nX-Evil: 1@c>", key, sizeof(key)) == -1,
     "key: CR LF refused (no header injection)");
  ok(site_message_key("<a b@c>", key, sizeof(key)) == -1,
     "key: space refused");
  ok(site_message_key("<>", key, sizeof(key)) == -1, "key: empty refused");
  ok(site_message_key("<0123456789012345678901234567890123456789012345678901"
                      "234567890123456789@x>",
                      key, sizeof(key)) == -1,
     "key: too long for the buffer refused");

  is_int(site_backoff(1), 60, "backoff: 60 s after the first attempt");
  is_int(site_backoff(2), 120, "backoff: doubles");
  is_int(site_backoff(5), 960, "backoff: 16 min after the fifth");
  is_int(site_backoff(100), SITE_RETRY_MAX, "backoff: capped");

  if (!mkdtemp(dir)) {
    ok(0, "temporary directory");
    return done_testing();
  }
  snprintf(path, sizeof(path), "%s/token", dir);
  write_file(path, "s3cret-token\r\nsecond line\n", 0600);
  st = site_token_load(path, &token, err, sizeof(err));
  is_int(st, SM_OK, "token: loaded");
  is_str(token, "s3cret-token", "token: first line, without CR LF");
  free(token);
  token = NULL;

  write_file(path, "s3cret-token\n", 0644);
  st = site_token_load(path, &token, err, sizeof(err));
  is_int(st, SM_ERR_CONFIG, "token: world-readable file refused");
  ok(strstr(err, path) && strstr(err, "readable by others"),
     "token: the message names the file and why");
  ok(token == NULL, "token: none returned");

  write_file(path, "s3cret-token\n", 0640);
  st = site_token_load(path, &token, err, sizeof(err));
  is_int(st, SM_OK, "token: group-readable file taken (with a warning)");
  free(token);
  token = NULL;

  write_file(path, "bad\x01token\n", 0600);
  st = site_token_load(path, &token, err, sizeof(err));
  is_int(st, SM_ERR_CONFIG, "token: a control character refused");

  write_file(path, "\n", 0600);
  st = site_token_load(path, &token, err, sizeof(err));
  is_int(st, SM_ERR_CONFIG, "token: an empty first line refused");

  unlink(path);
  st = site_token_load(path, &token, err, sizeof(err));
  is_int(st, SM_ERR_CONFIG, "token: a missing file is a configuration error");
  ok(strstr(err, path) != NULL, "token: the message names the file");
  rmdir(dir);
  return done_testing();
}
