/* test-bouncer.c: the bounce score's rules (bouncer_apply,
 * bouncer_current) and what a VERP bounce says (bouncer_verp_verdict),
 * without a store. Scores are kept in half points to compare exactly. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bouncer.h"
#include "tap.h"

#define DAY 86400
#define T0 (1795000000 / DAY * DAY + 3600) /* 01:00 UTC on some day */

static int
halves(double x)
{
  return (int)(x * 2 + 0.5);
}

/* Applies a bounce of kind k (P, T or D for delayed) at day d, hour h;
 * returns what it counted in half points. */
static int
apply(struct store_bounce_score *s, char k, int d, int h, long threshold)
{
  return halves(bouncer_apply(
      s,
      k == 'P'   ? BOUNCE_PERMANENT
      : k == 'D' ? BOUNCE_DELAYED
                 : BOUNCE_TEMPORARY,
      threshold, 7, (int64_t)T0 + (int64_t)d * DAY + (int64_t)h * 3600));
}

static void
test_scores(void)
{
  struct store_bounce_score s;

  memset(&s, 0, sizeof(s));
  is_int(apply(&s, 'D', 0, 0, 5), 0, "a delay warning counts nothing");
  ok(!s.known && s.score == 0 && !s.last_bounce_at,
     "and leaves the score as it was");
  is_int(apply(&s, 'P', 0, 0, 5), 2, "a first permanent bounce counts 1");
  is_int(apply(&s, 'P', 0, 5, 5), 0, "a second one the same day counts 0");
  is_int(apply(&s, 'T', 1, 0, 5), 1, "a temporary one the next day 0.5");
  is_int(apply(&s, 'P', 1, 2, 5), 1,
         "a permanent one after a temporary one the same day: +0.5");
  is_int(halves(s.score), 4, "score 2");
  is_str(s.last_kind, "permanent", "the day counts as permanent");
  is_int(apply(&s, 'P', 1, 20, 5), 0, "and nothing more that day");
  /* 21:00, then 01:00: four hours later, but another UTC day. */
  is_int(apply(&s, 'P', 2, 0, 5), 2, "the next UTC day counts again");

  memset(&s, 0, sizeof(s));
  for (int d = 0; d < 30; d++)
    apply(&s, 'T', d, 0, 5);
  is_int(halves(s.score), 9, "30 days of temporary bounces stop at 4.5");
  is_int(halves(bouncer_current(&s, 7, (int64_t)T0 + 29 * DAY)), 9,
         "the current score is that");
  is_int(apply(&s, 'P', 30, 0, 5), 2, "a permanent one then counts 1");
  ok(s.score >= 5, "and reaches the threshold");

  memset(&s, 0, sizeof(s));
  for (int d = 0; d < 10; d++)
    apply(&s, 'T', d, 0, 1);
  is_int(halves(s.score), 1, "threshold 1: temporary bounces stop at 0.5");

  memset(&s, 0, sizeof(s));
  apply(&s, 'P', 0, 0, 5);
  apply(&s, 'P', 1, 0, 5);
  is_int(halves(bouncer_current(&s, 7, (int64_t)T0 + 8 * DAY)), 4,
         "7 days after the last bounce the score stands");
  is_int(halves(bouncer_current(&s, 7, (int64_t)T0 + 8 * DAY + 1)), 0,
         "a second later it is stale: 0");
  is_int(apply(&s, 'P', 9, 0, 5), 2, "a bounce after that counts 1 ...");
  is_int(halves(s.score), 2, "... from 0");
}

static void
test_verdict(void)
{
  struct bounce_result r[2];
  enum bounce_kind k = 0;
  char status[16];
  const char *diag = NULL;

  memset(r, 0, sizeof(r));
  r[0].address = (char *)"fwd@elsewhere.example";
  r[0].kind = BOUNCE_TEMPORARY;
  snprintf(r[0].status, sizeof(r[0].status), "4.2.2");
  r[0].diagnostic = (char *)"full";
  r[1].address = (char *)"Ada@Example.org";
  r[1].kind = BOUNCE_PERMANENT;
  snprintf(r[1].status, sizeof(r[1].status), "5.1.1");
  r[1].diagnostic = (char *)"unknown";
  ok(bouncer_verp_verdict(r, 2, "ada@example.org", 1, NULL, &k, status,
                          sizeof(status), &diag),
     "a result counts");
  is_str(status, "5.1.1", "the reader's own address is preferred");
  r[1].address = (char *)"other@example.org";
  r[1].kind = BOUNCE_TEMPORARY;
  bouncer_verp_verdict(r, 2, "ada@example.org", 1, NULL, &k, status,
                       sizeof(status), &diag);
  is_str(status, "4.2.2", "else the first");
  r[1].kind = BOUNCE_PERMANENT;
  bouncer_verp_verdict(r, 2, "ada@example.org", 1, NULL, &k, status,
                       sizeof(status), &diag);
  ok(k == BOUNCE_PERMANENT && !strcmp(status, "5.1.1"),
     "else the first permanent one");

  ok(!bouncer_verp_verdict(NULL, 0, "a@b.example", 1,
                           "Delivery Status Notification (Failure)", &k,
                           status, sizeof(status), &diag),
     "a DSN without a failed recipient is no failure, whatever the subject");
  ok(bouncer_verp_verdict(NULL, 0, "a@b.example", 0,
                          "Undelivered Mail Returned to Sender", &k, status,
                          sizeof(status), &diag) &&
         k == BOUNCE_PERMANENT && !*status,
     "an unreadable failure notice is permanent, without a status");
  ok(bouncer_verp_verdict(NULL, 0, "a@b.example", 0,
                          "Delayed Mail (still being retried)", &k, status,
                          sizeof(status), &diag) &&
         k == BOUNCE_DELAYED,
     "an unreadable delay warning is a delay");
  ok(!bouncer_verp_verdict(NULL, 0, "a@b.example", 0,
                           "Out of office: Re: your digest", &k, status,
                           sizeof(status), &diag),
     "an auto-reply counts nothing");
  ok(!bouncer_verp_verdict(NULL, 0, "a@b.example", 0, NULL, &k, status,
                           sizeof(status), &diag),
     "nor does a message without a subject");
}

int
main(void)
{
  test_scores();
  test_verdict();
  return done_testing();
}
