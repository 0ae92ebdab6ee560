/* bouncer.c: scoring bounces and disabling dead addresses; see
 * bouncer.h for the rules. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bouncer.h"
#include "log.h"
#include "tmpl.h"

#define BOUNCER_DAY 86400

double
bouncer_current(const struct store_bounce_score *s, long stale_days,
                int64_t now)
{
  if (!s->known || now - s->last_bounce_at > (int64_t)stale_days * BOUNCER_DAY)
    return 0;
  return s->score;
}

/* The UTC calendar day of a time. */
static int64_t
day_of(int64_t t)
{
  return t / BOUNCER_DAY;
}

double
bouncer_apply(struct store_bounce_score *s, enum bounce_kind kind,
              long threshold, long stale_days, int64_t now)
{
  int permanent = kind == BOUNCE_PERMANENT;
  double before = bouncer_current(s, stale_days, now);
  double cap = (double)threshold - 0.5;
  double after;

  /* A delay warning says the MTA is still trying: nothing failed. A
   * mailbox that stays unreachable bounces for good once the MTA gives
   * up, and that report counts. */
  if (kind == BOUNCE_DELAYED)
    return 0;
  if (before > 0 && day_of(s->last_bounce_at) == day_of(now)) {
    /* The day has its bounce already: only a permanent one after a
     * temporary one changes what the day counts, from 0.5 to 1. */
    if (!permanent || !strcmp(s->last_kind, "permanent"))
      return 0;
    after = before + 0.5;
  } else
    after = before + (permanent ? 1.0 : 0.5);
  /* A full mailbox or a host down for the weekend must never disable
   * anyone on its own: temporary bounces stop half a point short of the
   * threshold, so only a permanent one can reach it. */
  if (!permanent && after > cap)
    after = before > cap ? before : cap;
  s->known = 1;
  s->score = after;
  s->last_bounce_at = now;
  snprintf(s->last_kind, sizeof(s->last_kind), "%s", bounce_kind_name(kind));
  return after - before;
}

/* Tells a reader the bounces stopped their digests: one notice, queued
 * when they are disabled (it may bounce too; then that is the end). */
static enum sm_status
notify(const struct env *env, const struct store_subscriber *s, double score,
       int *queued)
{
  struct tmpl_value *ctx = sub_base_context(env);
  char subject[512];
  enum sm_status rc = SM_OK;

  *queued = 0;
  if (!ctx || tmpl_map_set_str(ctx, "address", s->address) != SM_OK ||
      tmpl_map_set_int(ctx, "threshold", env->conf->bounce.threshold) !=
          SM_OK ||
      tmpl_map_set_int(ctx, "score", (int64_t)score) != SM_OK)
    rc = SM_ERR_NOMEM;
  snprintf(subject, sizeof(subject), "%s: digests to this address stopped",
           env->conf->list.name);
  if (rc == SM_OK)
    rc = sub_queue_notice(env, s->id, s->address, "disabled.txt", ctx, subject,
                          "disabled", queued);
  tmpl_value_free(ctx);
  return rc;
}

enum sm_status
bouncer_record(const struct env *env, const struct bouncer_event *ev,
               struct bouncer_outcome *out)
{
  const struct conf *c = env->conf;
  struct store_subscriber s;
  struct store_bounce_score sc;
  struct store_bounce_event e;
  const char *kind = bounce_kind_name(ev->kind);
  enum sm_status rc;

  memset(out, 0, sizeof(*out));
  rc = store_sub_get_id(env->st, ev->subscriber_id, &s);
  if (rc != SM_OK)
    return rc;
  rc = store_bounce_score_get(env->st, s.id, &sc);
  if (rc != SM_OK)
    goto out;
  if (s.status != MODEL_CONFIRMED) {
    /* Nothing more goes to them but a confirmation or the notice; their
     * bounces are kept for the operator and change nothing. */
    out->reason = s.status == MODEL_DISABLED ? "the reader is disabled "
                                               "already"
                                             : "the reader is not "
                                               "confirmed";
    out->score = bouncer_current(&sc, c->bounce.stale_days, env->now);
  } else {
    int same_day;
    if (sc.disabled_at) {
      /* Confirmed again since the bounces disabled them: a new start. */
      memset(&sc, 0, sizeof(sc));
    }
    same_day = bouncer_current(&sc, c->bounce.stale_days, env->now) > 0 &&
               day_of(sc.last_bounce_at) == day_of(env->now);
    out->counted = bouncer_apply(&sc, ev->kind, c->bounce.threshold,
                                 c->bounce.stale_days, env->now);
    out->score = sc.score;
    if (out->counted == 0)
      out->reason = ev->kind == BOUNCE_DELAYED
                        ? "a delay warning: nothing has failed yet"
                    : same_day ? "a bounce counted already today"
                               : "temporary bounces alone stop short of the "
                                 "threshold";
    if (out->score >= (double)c->bounce.threshold) {
      sc.disabled_at = env->now;
      out->disabled = 1;
    }
    /* A delay before any bounce leaves no score to keep. */
    if (sc.known)
      rc = store_bounce_score_set(env->st, s.id, &sc);
    if (rc != SM_OK)
      goto out;
  }
  memset(&e, 0, sizeof(e));
  e.subscriber_id = s.id;
  e.address = ev->address;
  e.kind = kind;
  e.status = ev->status;
  e.diagnostic = ev->diagnostic;
  e.source = ev->source;
  e.outbox_id = ev->outbox_id;
  e.received_at = env->now;
  e.counted = out->counted;
  e.score = out->score;
  rc = store_bounce_add(env->st, &e);
  if (rc != SM_OK)
    goto out;
  log_info("bounce: %s: %s %s (%s, outbox %lld): score %g/%ld%s%s",
           ev->address, kind, ev->status && *ev->status ? ev->status : "-",
           ev->source, (long long)ev->outbox_id, out->score,
           c->bounce.threshold, out->reason ? "; not counted: " : "",
           out->reason ? out->reason : "");
  if (!out->disabled)
    goto out;
  rc = store_sub_set_status(env->st, s.id, MODEL_DISABLED, env->now);
  if (rc == SM_OK)
    rc = notify(env, &s, out->score, &out->notice_queued);
  if (rc == SM_OK)
    log_warning("bounce: %s: disabled: score %g reached [bounce] threshold "
                "%ld%s",
                s.address, out->score, c->bounce.threshold,
                out->notice_queued ? "; a notice was queued" : "");
out:
  store_subscriber_free(&s);
  return rc;
}

/* Subjects of failure notices and delay warnings, in lower case. */
static const char *const failure_subjects[] = {
    "undeliver",                              /* Postfix, Exchange, Yahoo */
    "returned mail",                          /* Sendmail */
    "mail delivery failed",                   /* Exim */
    "failure notice",                         /* qmail, Yahoo */
    "delivery status notification (failure)", /* Gmail, Exchange */
    "delivery failure",                       /* many */
    "delivery has failed",                    /* Exchange */
    "non-delivery",                           /* Exchange NDR */
    "could not be delivered",                 /* many */
    "mail system error",                      /* old Sendmail */
};
static const char *const delay_subjects[] = {
    "delayed mail",                         /* Postfix */
    "delivery status notification (delay)", /* Gmail, Exchange */
    "warning: message",                     /* Exim, Sendmail */
    "delivery delayed",                     /* Exchange */
};

/* Whether `s` contains any of the n lower-case needles, without case. */
static int
contains_any(const char *s, const char *const *needles, size_t n)
{
  char low[512];
  size_t i;

  if (!s)
    return 0;
  for (i = 0; s[i] && i < sizeof(low) - 1; i++)
    low[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
  low[i] = '\0';
  for (i = 0; i < n; i++)
    if (strstr(low, needles[i]))
      return 1;
  return 0;
}

int
bouncer_verp_verdict(const struct bounce_result *results, size_t n,
                     const char *reader_address, int has_dsn,
                     const char *subject, enum bounce_kind *kind, char *status,
                     size_t statuslen, const char **diagnostic)
{
  const struct bounce_result *pick = NULL;

  status[0] = '\0';
  *diagnostic = "";
  for (size_t i = 0; i < n && !pick; i++)
    if (reader_address && !strcasecmp(results[i].address, reader_address))
      pick = &results[i];
  for (size_t i = 0; i < n && !pick; i++)
    if (results[i].kind == BOUNCE_PERMANENT)
      pick = &results[i];
  for (size_t i = 0; i < n && !pick; i++)
    if (results[i].kind != BOUNCE_DELAYED)
      pick = &results[i];
  if (!pick && n > 0)
    pick = &results[0];
  if (pick) {
    *kind = pick->kind;
    snprintf(status, statuslen, "%s", pick->status);
    *diagnostic = pick->diagnostic;
    return 1;
  }
  if (has_dsn)
    return 0;
  if (contains_any(subject, delay_subjects,
                   sizeof(delay_subjects) / sizeof(delay_subjects[0]))) {
    *kind = BOUNCE_DELAYED;
    *diagnostic = "a delay warning the parser could not read";
    return 1;
  }
  if (contains_any(subject, failure_subjects,
                   sizeof(failure_subjects) / sizeof(failure_subjects[0]))) {
    *kind = BOUNCE_PERMANENT;
    *diagnostic = "a failure notice the parser could not read";
    return 1;
  }
  return 0;
}
