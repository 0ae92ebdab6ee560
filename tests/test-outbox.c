/* test-outbox.c: each kind's payload written and read back, the bytes
 * of a digest payload exactly, and payloads that are not one refused. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"
#include "tap.h"

static void
kinds(void)
{
  static const char *const names[] = {"digest", "reply", "confirm", "notice",
                                      "comment"};

  for (int k = 0; k < OUTBOX_NKINDS; k++) {
    is_str(outbox_kind_name((enum outbox_kind)k), names[k], "kind name");
    is_int(outbox_kind_parse(names[k]), k, "and back");
  }
  is_int(outbox_kind_parse("Digest"), -1, "kinds are exact");
  is_int(outbox_kind_parse(NULL), -1, "no kind");
}

static void
digest(void)
{
  struct buf b = BUF_INIT(4096);
  struct outbox_digest d;
  char err[256], *kw1 = NULL, *kw2 = NULL;

  outbox_json_string("cs.lg", &kw1);
  outbox_json_string("\"batch normalization\"", &kw2);
  is_str(kw2, "\"\\\"batch normalization\\\"\"", "a keyword as JSON");
  {
    const char *kws[] = {kw1, kw2};
    const uint32_t both[] = {0, 1}, second[] = {1};
    ok(outbox_digest_begin(&b, kws, 2) == SM_OK &&
           outbox_digest_item(&b, 0, 42, both, 2) == SM_OK &&
           outbox_digest_item(&b, 1, -7, NULL, 0) == SM_OK &&
           outbox_digest_item(&b, 2, 9007199254740993LL, second, 1) == SM_OK &&
           outbox_digest_end(&b, 12) == SM_OK,
       "a digest payload is written");
  }
  is_str(buf_str(&b),
         "{\"kw\":[\"cs.lg\",\"\\\"batch normalization\\\"\"],\"items\":"
         "[[42,0,1],[-7],[9007199254740993,1]],\"more\":12}",
         "byte for byte: the keywords once, items name them by index");
  is_int(outbox_digest_parse(buf_str(&b), &d, err, sizeof(err)), SM_OK,
         "and read back");
  ok(d.n == 3 && d.items[0].id == 42 && d.items[0].nkw == 2 &&
         !strcmp(d.items[0].kw[0], "cs.lg") &&
         !strcmp(d.items[0].kw[1], "\"batch normalization\"") &&
         d.items[1].id == -7 && d.items[1].nkw == 0 &&
         d.items[2].id == 9007199254740993LL && d.items[2].nkw == 1 &&
         !strcmp(d.items[2].kw[0], "\"batch normalization\"") && d.more == 12,
     "every id, keyword and the count of more");
  outbox_digest_free(&d);

  /* An item naming more keywords than its staging area holds at once. */
  {
    uint32_t many[60];
    char want[1024];
    size_t n;
    buf_reset(&b);
    n = (size_t)snprintf(want, sizeof(want), ",[-9223372036854775807");
    for (uint32_t i = 0; i < 60; i++) {
      many[i] = 4294967295u - i;
      n += (size_t)snprintf(want + n, sizeof(want) - n, ",%u", many[i]);
    }
    snprintf(want + n, sizeof(want) - n, "]");
    ok(outbox_digest_item(&b, 1, -9223372036854775807LL, many, 60) == SM_OK,
       "an item with 60 keywords is written");
    is_str(buf_str(&b), want, "every keyword index, in order, once");
  }

  /* A row queued before the compact form. */
  is_int(outbox_digest_parse(
             "{\"items\":[{\"id\":42,\"kw\":[\"cs.lg\",\"\\\"batch "
             "normalization\\\"\"]},{\"id\":-7,\"kw\":[]},"
             "{\"id\":9007199254740993,\"kw\":[\"cs.lg\"]}],\"more\":12}",
             &d, err, sizeof(err)),
         SM_OK, "the first form still parses");
  ok(d.n == 3 && d.items[0].id == 42 && d.items[0].nkw == 2 &&
         !strcmp(d.items[0].kw[1], "\"batch normalization\"") &&
         d.items[1].id == -7 && d.items[1].nkw == 0 &&
         d.items[2].id == 9007199254740993LL && d.items[2].nkw == 1 &&
         !strcmp(d.items[2].kw[0], "cs.lg") && d.more == 12,
     "with every id, keyword and the count of more");
  outbox_digest_free(&d);

  buf_reset(&b);
  ok(outbox_digest_begin(&b, NULL, 0) == SM_OK &&
         outbox_digest_end(&b, 0) == SM_OK,
     "an empty digest");
  is_str(buf_str(&b), "{\"kw\":[],\"items\":[],\"more\":0}", "its bytes");

  is_int(outbox_digest_parse("{\"kw\":[\"a\"],\"items\":[[1,1]],\"more\":0}",
                             &d, err, sizeof(err)),
         SM_ERR_DATA, "a keyword index past the keywords is refused");
  ok(strstr(err, "keyword index") != NULL, "saying what is wrong");
  outbox_digest_free(&d);
  is_int(outbox_digest_parse("{\"kw\":[\"a\"],\"items\":[[1,-1]],\"more\":0}",
                             &d, err, sizeof(err)),
         SM_ERR_DATA, "a negative keyword index");
  outbox_digest_free(&d);
  is_int(outbox_digest_parse("{\"items\":[[1,0]],\"more\":0}", &d, err,
                             sizeof(err)),
         SM_ERR_DATA, "a keyword index without keywords");
  outbox_digest_free(&d);
  is_int(outbox_digest_parse("{\"kw\":[3],\"items\":[[1]],\"more\":0}", &d,
                             err, sizeof(err)),
         SM_ERR_DATA, "keywords that are no strings");
  outbox_digest_free(&d);
  is_int(outbox_digest_parse("{\"kw\":[],\"items\":[[]],\"more\":0}", &d, err,
                             sizeof(err)),
         SM_ERR_DATA, "an item without its id");
  outbox_digest_free(&d);
  is_int(outbox_digest_parse("{\"kw\":[],\"items\":[7],\"more\":0}", &d, err,
                             sizeof(err)),
         SM_ERR_DATA, "an item that is neither form");
  outbox_digest_free(&d);
  is_int(outbox_digest_parse("{\"items\":[{\"id\":\"1\"}],\"more\":0}", &d,
                             err, sizeof(err)),
         SM_ERR_DATA, "an id that is no number is refused");
  ok(strstr(err, "item id") != NULL, "saying what is wrong");
  outbox_digest_free(&d);
  is_int(outbox_digest_parse("{\"items\":[]}", &d, err, sizeof(err)),
         SM_ERR_DATA, "no count of more");
  outbox_digest_free(&d);
  is_int(outbox_digest_parse("[1,2]", &d, err, sizeof(err)), SM_ERR_DATA,
         "not an object");
  outbox_digest_free(&d);
  is_int(outbox_digest_parse("{\"items\":[{\"id\":1,\"kw\":[3]}],\"more\":0}",
                             &d, err, sizeof(err)),
         SM_ERR_DATA, "a keyword that is no string");
  outbox_digest_free(&d);
  is_int(outbox_digest_parse("{\"items\":[{\"id\":1.5}],\"more\":0}", &d, err,
                             sizeof(err)),
         SM_ERR_DATA, "a fractional id");
  outbox_digest_free(&d);
  free(kw1);
  free(kw2);
  buf_free(&b);
}

static void
message(void)
{
  struct outbox_message m = {0}, r;
  char *p = NULL, err[256];

  m.from_name = "ShortScience digest";
  m.from = "digest-request@lists.example.org";
  m.to = "ada@example.org";
  m.reply_to = "digest+confirm-abc@lists.example.org";
  m.subject = "Confirm: \"digest\" ü";
  m.auto_submitted = "auto-replied";
  m.in_reply_to = "<1@example.org>";
  m.references = "<0@example.org> <1@example.org>";
  m.text = "line one\nline two\n";
  is_int(outbox_message_write(&m, &p), SM_OK, "a message payload is written");
  is_str(p,
         "{\"from_name\":\"ShortScience digest\",\"from\":\"digest-request@"
         "lists.example.org\",\"to\":\"ada@example.org\",\"reply_to\":"
         "\"digest+confirm-abc@lists.example.org\",\"subject\":\"Confirm: "
         "\\\"digest\\\" \xc3\xbc\",\"auto_submitted\":\"auto-replied\","
         "\"in_reply_to\":\"<1@example.org>\",\"references\":\"<0@example."
         "org> <1@example.org>\",\"text\":\"line one\\nline two\\n\"}",
         "byte for byte");
  is_int(outbox_message_parse(p, &r, err, sizeof(err)), SM_OK, "read back");
  ok(!strcmp(r.from_name, m.from_name) && !strcmp(r.from, m.from) &&
         !strcmp(r.to, m.to) && !strcmp(r.reply_to, m.reply_to) &&
         !strcmp(r.subject, m.subject) &&
         !strcmp(r.auto_submitted, m.auto_submitted) &&
         !strcmp(r.in_reply_to, m.in_reply_to) &&
         !strcmp(r.references, m.references) && !strcmp(r.text, m.text),
     "every field as written");
  outbox_message_free(&r);
  free(p);

  m.reply_to = m.in_reply_to = m.references = NULL;
  is_int(outbox_message_write(&m, &p), SM_OK, "without the optional fields");
  is_int(outbox_message_parse(p, &r, err, sizeof(err)), SM_OK, "read back");
  ok(!r.reply_to && !r.in_reply_to && !r.references, "null stays null");
  outbox_message_free(&r);
  free(p);

  is_int(outbox_message_parse("{\"from\":\"a@b.org\",\"subject\":\"s\"}", &r,
                              err, sizeof(err)),
         SM_ERR_DATA, "a message without text is refused");
  outbox_message_free(&r);
  is_int(outbox_message_parse("{", &r, err, sizeof(err)), SM_ERR_DATA,
         "broken JSON is refused");
  outbox_message_free(&r);
}

static void
comment(void)
{
  struct outbox_comment c = {0}, r;
  char *p = NULL, err[256];

  c.summary = 17;
  c.comment = 4;
  c.message_id = "<comment.17.4@lists.example.org>";
  c.in_reply_to = "<comment.17.3@lists.example.org>";
  c.references = "<a@x.org> <comment.17.3@lists.example.org>";
  c.title = "Batch Normalization";
  c.link = "https://www.shortscience.org/paper?bibtexKey=ioffe2015";
  c.author = "Ada";
  c.text = "Nice.\n\n> quoted";
  is_int(outbox_comment_write(&c, &p), SM_OK, "a comment payload is written");
  is_int(outbox_comment_parse(p, &r, err, sizeof(err)), SM_OK, "read back");
  ok(r.summary == 17 && r.comment == 4 &&
         !strcmp(r.message_id, c.message_id) &&
         !strcmp(r.in_reply_to, c.in_reply_to) &&
         !strcmp(r.references, c.references) && !strcmp(r.title, c.title) &&
         !strcmp(r.link, c.link) && !strcmp(r.author, c.author) &&
         !strcmp(r.text, c.text),
     "every field as written");
  outbox_comment_free(&r);
  free(p);
  is_int(
      outbox_comment_parse("{\"message_id\":\"<a@b>\",\"title\":\"t\","
                           "\"link\":\"l\",\"author\":\"a\",\"text\":\"x\"}",
                           &r, err, sizeof(err)),
      SM_ERR_DATA, "a comment without its summary is refused");
  outbox_comment_free(&r);
}

int
main(void)
{
  kinds();
  digest();
  message();
  comment();
  return done_testing();
}
