/* test-imap-parse.c: the readers of the IMAP answers libcurl hands to
 * `shortmail fetch` (src/http_imap.c): STATUS and the listing FETCH, in
 * the shapes Dovecot, Gmail and Cyrus write them, and what they must
 * refuse or skip. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "tap.h"

static enum sm_status
status(const char *text, struct http_imap_status *st)
{
  return http_imap_parse_status(text, strlen(text), st);
}

static void
test_status(void)
{
  struct http_imap_status st;

  is_int(status("* STATUS INBOX (MESSAGES 3 UIDVALIDITY 1796589791)\r\n", &st),
         SM_OK, "Dovecot's STATUS");
  is_int(st.messages, 3, "MESSAGES");
  is_int(st.uidvalidity, 1796589791, "UIDVALIDITY");
  is_int(status("* STATUS \"[Gmail]/All Mail\" (UIDVALIDITY 11 MESSAGES "
                "2456)\r\n",
                &st),
         SM_OK, "a quoted name, the other order (Gmail)");
  is_int(st.messages, 2456, "MESSAGES after UIDVALIDITY");
  is_int(st.uidvalidity, 11, "UIDVALIDITY first");
  is_int(status("* STATUS \"a (b)\" (MESSAGES 0 UIDNEXT 1 UIDVALIDITY "
                "4294967295 HIGHESTMODSEQ 12345678901)\n",
                &st),
         SM_OK, "parentheses in the name, other items, LF only");
  is_int(st.uidvalidity, 4294967295u, "the largest UIDVALIDITY");
  is_int(st.messages, 0, "an empty mailbox");
  is_int(status("* OK [CAPABILITY IMAP4rev1]\r\n* STATUS INBOX (MESSAGES 5 "
                "UIDVALIDITY 9)\r\n",
                &st),
         SM_OK, "the STATUS line among others");
  is_int(st.messages, 5, "... read");
  is_int(status("* STATUS INBOX (MESSAGES 3 UIDVALIDITY 0)\r\n", &st),
         SM_ERR_PROTOCOL, "UIDVALIDITY 0 is not one");
  is_int(status("* STATUS INBOX (MESSAGES 3)\r\n", &st), SM_ERR_PROTOCOL,
         "no UIDVALIDITY");
  is_int(
      status("* STATUS INBOX (MESSAGES 99999999999 UIDVALIDITY 7)\r\n", &st),
      SM_ERR_PROTOCOL, "a count past 32 bits");
  is_int(status("* STATUS INBOX (MESSAGES 3 UIDVALIDITY 7\r\n", &st),
         SM_ERR_PROTOCOL, "an unclosed list");
  is_int(status("", &st), SM_ERR_PROTOCOL, "nothing");
}

static size_t
list(const char *text, size_t max, struct http_imap_item **items, size_t *bad)
{
  size_t n = 0;

  if (http_imap_parse_list(text, strlen(text), max, items, &n, bad) != SM_OK)
    return (size_t)-1;
  return n;
}

static void
test_list(void)
{
  struct http_imap_item *it = NULL;
  size_t bad;

  is_int(list("* 1 FETCH (UID 1 RFC822.SIZE 130 FLAGS (\\Recent))\r\n"
              "* 2 FETCH (UID 2 RFC822.SIZE 130 FLAGS (\\Seen))\r\n"
              "* 3 FETCH (UID 3 RFC822.SIZE 20971703 FLAGS ())\r\n",
              10, &it, &bad),
         3, "Dovecot's listing: three messages");
  is_int(bad, 0, "none unreadable");
  is_int(it[2].uid, 3, "UID");
  is_int(it[2].size, 20971703, "RFC822.SIZE");
  ok(!it[0].seen && it[1].seen && !it[1].deleted, "\\Seen read");
  free(it);

  is_int(list("* 2 FETCH (FLAGS (\\Seen \\Deleted) UID 9 RFC822.SIZE 4096 "
              "MODSEQ (12345))\r\n"
              "* 1 FETCH (UID 7 RFC822.SIZE 1024 FLAGS ($Junk NonJunk))\r\n"
              "* 3 EXISTS\r\n"
              "* 3 FETCH (FLAGS (\\Seen))\r\n"
              "* 1 FETCH (UID 7 RFC822.SIZE 1024 FLAGS ())\r\n",
              10, &it, &bad),
         2,
         "items in any order, MODSEQ, EXISTS and a flags-only FETCH "
         "skipped, a repeated UID once");
  is_int(it[0].uid, 7, "sorted by UID");
  is_int(it[1].uid, 9, "... the later one second");
  ok(it[1].deleted && it[1].seen, "\\Deleted read");
  ok(!it[0].deleted, "keywords are not \\Deleted");
  is_int(bad, 0, "none unreadable");
  free(it);

  is_int(list("* 1 FETCH (UID 4 RFC822.SIZE 10 X-GM-LABELS (\"\\\\Inbox\" "
              "\"a \\\"b)\\\"\") FLAGS ())\n"
              "* 2 FETCH (UID 5 RFC822.SIZE {3}\n"
              "* 3 FETCH (UID 0 RFC822.SIZE 5)\n"
              "* 4 FETCH (UID 6 RFC822.SIZE 99999999999999999999999)\n"
              "* 5 FETCH (UID 8 RFC822.SIZE 1 FLAGS (\\Deleted\n",
              10, &it, &bad),
         1, "Gmail's labels with quoted parentheses are skipped over");
  is_int(it[0].uid, 4, "... and the message read");
  is_int(bad, 4,
         "a literal, UID 0, an endless size, an unclosed list: "
         "unreadable");
  free(it);

  is_int(list("* 1 FETCH (UID 1 RFC822.SIZE 1)\r\n"
              "* 2 FETCH (UID 2 RFC822.SIZE 1)\r\n"
              "* 3 FETCH (UID 3 RFC822.SIZE 1)\r\n",
              2, &it, &bad),
         2, "at most max items");
  free(it);
  is_int(list("* OK still here\r\n", 5, &it, &bad), 0, "no FETCH: none");
  ok(it == NULL, "... and no array");
}

int
main(void)
{
  test_status();
  test_list();
  return done_testing();
}
