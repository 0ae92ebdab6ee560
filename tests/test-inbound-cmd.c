/* test-inbound-cmd.c: the command language and address routing. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "inbound_cmd.h"
#include "listaddr.h"
#include "tap.h"

/* The commands of a message as "verb(args) verb(args)". */
static const char *
run(const char *subject, const char *body)
{
  static char out[4096];
  struct inbound_cmds c;
  size_t len = 0;

  out[0] = '\0';
  if (inbound_cmd_parse(subject, body, &c) != SM_OK)
    return "(error)";
  for (size_t i = 0; i < c.n && len < sizeof(out); i++)
    len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s(%s)@%u",
                            i ? " " : "", inbound_verb_name(c.cmds[i].verb),
                            c.cmds[i].args, c.cmds[i].lineno);
  inbound_cmds_free(&c);
  return out;
}

static void
route_is(const char *addr, enum listaddr_kind want, const char *want_token,
         const char *name)
{
  const char *tok;
  size_t tl;
  char got[128] = "";

  is_int(listaddr_parse(addr, "digest", "lists.example.org", &tok, &tl), want,
         name);
  if (want_token) {
    snprintf(got, sizeof(got), "%.*s", (int)tl, tok ? tok : "");
    is_str(got, want_token, "token of the address");
  }
}

int
main(void)
{
  char big[20000];
  size_t n = 0;

  is_str(run(NULL, "subscribe\n"), "subscribe()@1", "one command");
  is_str(run(NULL, "SUBSCRIBE cs.LG \"batch norm\"\r\n"),
         "subscribe(cs.LG \"batch norm\")@1", "case-blind verb, CRLF");
  is_str(run(NULL, "\n\n  add gan  \nDel cs.CV\nweekly\nkeywords\n"),
         "add(gan)@3 del(cs.CV)@4 weekly()@5 keywords()@6",
         "leading blank lines, trimming, several commands");
  is_str(run(NULL, "add gan\n\nlist\n"), "add(gan)@1 keywords()@3",
         "blank lines between commands; list = keywords");
  is_str(run(NULL, "add gan\nThanks for the great list!\nunsubscribe\n"),
         "add(gan)@1", "stops at the first line that is not a command");
  is_str(run(NULL, "add gan\n-- \nunsubscribe\n"), "add(gan)@1",
         "stops at the signature");
  is_str(run(NULL, "add gan\n> unsubscribe\n"), "add(gan)@1",
         "stops at quoted text");
  is_str(run(NULL, "help\nend\nunsubscribe\n"), "help()@1", "stops at end");
  is_str(run(NULL, "help me please\n"), "",
         "a verb without arguments "
         "followed by prose is prose");
  is_str(run(NULL, "add\n"), "add()@1",
         "add without argument is a command (the reply says what is missing)");
  is_str(run(NULL, "On Mon, 23 Nov 2026, digest wrote:\n> subscribe\n"), "",
         "a reply quoting our help runs nothing");
  is_str(run("Re: unsubscribe", ""), "unsubscribe()@0",
         "a lone command in the Subject, reply prefix dropped");
  is_str(run("Fwd: AW: subscribe cs.LG", "add gan\n"),
         "subscribe(cs.LG)@0 add(gan)@1", "Subject then body");
  is_str(run("Question about the digest", "pause\n"), "pause()@1",
         "a Subject that is no command is ignored");
  is_str(run(NULL, ""), "", "empty body");
  /* A Subject is a command only when it is one; politeness around it is
   * not keywords. */
  is_str(run("Subscribe to the digest please", ""), "subscribe()@0",
         "a polite Subject subscribes, with no keywords");
  is_str(run("Re: subscribe gan cs.LG", ""), "subscribe(gan cs.LG)@0",
         "a Subject with keywords keeps them");
  is_str(run("unsubscribe me please", ""), "unsubscribe()@0",
         "a verb without arguments and politeness is the verb");
  is_str(run("help with my account settings", ""), "",
         "a verb followed by other words is prose");
  is_str(run("Hello, a question", "help\n"), "help()@1",
         "prose in the Subject runs nothing");
  /* The same command in the Subject and the body runs once. */
  is_str(run("subscribe cs.LG", "Subscribe  CS.lg\n"), "subscribe(cs.LG)@0",
         "the body repeating the Subject's command: once");
  is_str(run("Subscribe to the digest please", "subscribe\n"), "subscribe()@0",
         "a polite Subject and a bare command: once");
  is_str(run("help", "help\nkeywords\n"), "help()@0 keywords()@2",
         "only the repeat is dropped");
  is_str(run("subscribe cs.LG", "subscribe gan\n"),
         "subscribe(cs.LG)@0 subscribe(gan)@1",
         "different arguments are different commands");

  for (int i = 0; i < 101 && n < sizeof(big) - 32; i++)
    n += (size_t)snprintf(big + n, sizeof(big) - n, "add word%d\n", i);
  {
    struct inbound_cmds c;
    inbound_cmd_parse(NULL, big, &c);
    is_int(c.n, INBOUND_MAX_COMMANDS, "101 command lines: 100 run");
    is_int(c.dropped, 1, "and one is reported as dropped");
    is_str(c.cmds[99].args, "word99", "the hundredth is the last run");
    inbound_cmds_free(&c);
  }

  route_is("digest-request@lists.example.org", LISTADDR_REQUEST, NULL,
           "request address");
  route_is("Digest-Request@LISTS.example.org", LISTADDR_REQUEST, NULL,
           "request address in another case");
  route_is("digest@lists.example.org", LISTADDR_LIST, NULL, "list address");
  route_is("digest-bounces@lists.example.org", LISTADDR_BOUNCES, NULL,
           "bounce address");
  route_is("digest+confirm-abc234@lists.example.org", LISTADDR_CONFIRM,
           "abc234", "confirm address");
  route_is("digest+c-xyz@lists.example.org", LISTADDR_COMMENT, "xyz",
           "comment address");
  route_is("digest+bounce-q7@lists.example.org", LISTADDR_BOUNCE, "q7",
           "VERP address");
  route_is("digest+unsub-t@lists.example.org", LISTADDR_UNSUB, "t",
           "unsubscribe address");
  route_is("digest+confirm-@lists.example.org", LISTADDR_NONE, NULL,
           "empty token");
  route_is("digest+other-x@lists.example.org", LISTADDR_NONE, NULL,
           "unknown sub-address");
  route_is("digest-request@other.example.org", LISTADDR_NONE, NULL,
           "another domain");
  route_is("digestx@lists.example.org", LISTADDR_NONE, NULL, "another local");
  route_is("nodomain", LISTADDR_NONE, NULL, "no domain");
  return done_testing();
}
