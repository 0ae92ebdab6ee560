/* deliver.c: the send loop: claim, compose, send, record. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bouncer.h"
#include "deliver.h"
#include "listaddr.h"
#include "log.h"
#include "outlog.h"
#include "progress.h"
#include "prepahead.h"
#include "util.h"

#define DELIVER_MAX_RETRY_DELAY (6 * 3600)
#define DELIVER_BRAKE_WINDOW 50 /* recent attempts the brake looks at */
#define DELIVER_BRAKE_MIN 20    /* and at least this many before it acts */
/* Refusals in a row, none accepted between them, that pull the brake. */
#define DELIVER_BRAKE_STREAK 5
_Static_assert(DELIVER_BRAKE_STREAK <= STORE_KEEP_MAX,
               "held rows stay claimed");

int64_t
deliver_next_attempt(int64_t now, long attempts, long retry_base,
                     unsigned seed)
{
  int64_t delay = retry_base;
  unsigned jitter;

  for (long i = 1; i < attempts && delay < DELIVER_MAX_RETRY_DELAY; i++)
    delay *= 2;
  if (delay > DELIVER_MAX_RETRY_DELAY)
    delay = DELIVER_MAX_RETRY_DELAY;
  /* Jitter spreads a burst of deferrals (a relay that was down) over
   * time instead of retrying them all in the same second. */
  jitter = (seed * 2654435761u) % 21; /* 0..20 % */
  return now + delay + delay * (int64_t)jitter / 100;
}

/* Why the current session stopped early (before_data or record). */
enum halt {
  HALT_NONE,
  HALT_READER, /* the reader of msgs[halt_at] left or paused */
  HALT_LOST,   /* msgs[halt_at] is no longer ours (another sender has it) */
  HALT_STORE,  /* an outcome could not be recorded: stop sending at once */
  HALT_PREP,   /* msgs[halt_at] could not be composed or signed: it failed */
  HALT_BRAKE   /* the failure brake engaged */
};

/* A refusal held back until we know whose fault it is: the reader's (a
 * message is accepted after it: a bounce) or the relay's (the streak goes
 * on: deferred, no bounce). Its row stays claimed meanwhile. */
struct held {
  int64_t id, subscriber_id, created_at;
  long attempts;
  char recipient[SMTP_ADDR_MAX + 1];
  char message_id[200]; /* for the log only */
  struct smtp_msg m;    /* the verdict (its pointers are not kept) */
};

struct run {
  struct store *st;
  const struct env *env;
  const struct deliver_opts *o;
  struct deliver_stats *stats;
  const char *owner;
  struct store_claimed *rows;
  struct smtp_msg *msgs;
  size_t *row_of; /* msgs[i] is rows[row_of[i]] */
  char (*verp)[SMTP_ADDR_MAX + 1];
  /* The worker composes (and signs) crow[i] while the session runs;
   * before_data hands its bytes to msgs[i]. One composer per run: each
   * summary rendered once. */
  struct compose_row *crow;
  struct prepahead *pa;
  /* Outcomes go to the journal as the server answers, and from it to
   * the store once per session (fold). */
  struct outlog *log;
  char prep_err[SM_ERRLEN];
  size_t n, nmsgs;
  unsigned char recent[DELIVER_BRAKE_WINDOW]; /* 1 = a failure */
  size_t nrecent;
  enum halt halt;
  size_t halt_at;     /* msgs from here on were not tried in this session */
  int64_t renewed_at; /* when our leases were last renewed */
  struct smtp_batch *batch; /* the session under way, or NULL */
  struct held held[DELIVER_BRAKE_STREAK];
  int64_t held_id[DELIVER_BRAKE_STREAK];
  size_t nheld;
  int probing; /* send is paused: this run's first message is a probe */
  int probe_ok;
  char probe_reply[SMTP_REPLY_MAX + 32];
  double start;
  struct progress pr; /* the line on a terminal */
  enum sm_status rc;
};

static void
brake_note(struct run *r, int failed)
{
  r->recent[r->nrecent % DELIVER_BRAKE_WINDOW] = (unsigned char)failed;
  r->nrecent++;
}

/* Whether the share of failures among recent attempts passed the
 * threshold: stop rather than burn the list's reputation. */
static int
brake_engaged(const struct run *r)
{
  size_t n =
      r->nrecent < DELIVER_BRAKE_WINDOW ? r->nrecent : DELIVER_BRAKE_WINDOW;
  size_t bad = 0;

  if (n < DELIVER_BRAKE_MIN)
    return 0;
  for (size_t i = 0; i < n; i++)
    bad += r->recent[i];
  return bad * 100 >= (size_t)r->env->conf->send.pause_percent * n;
}

/* The relay refused a reader's address at RCPT TO with a 5xx: a bounce
 * like one that comes back by mail, scored in its own transaction. */
static void
count_bounce(struct run *r, const struct held *h)
{
  /* This process's store, at the time of the refusal. */
  struct env se = *r->env;
  struct bouncer_event ev;
  struct bouncer_outcome out;
  char code[16];
  enum sm_status rc;

  se.st = r->st;
  se.now = util_now();
  snprintf(code, sizeof(code), "%d", h->m.code);
  memset(&ev, 0, sizeof(ev));
  ev.subscriber_id = h->subscriber_id;
  ev.address = h->recipient;
  ev.kind = BOUNCE_PERMANENT;
  ev.status = *h->m.enhanced ? h->m.enhanced : code;
  ev.diagnostic = h->m.reply;
  ev.source = "smtp";
  ev.outbox_id = h->id;
  rc = store_begin(r->st);
  if (rc == SM_OK)
    rc = bouncer_record(&se, &ev, &out);
  if (rc == SM_OK)
    rc = store_commit(r->st);
  else
    store_rollback(r->st);
  /* A reader erased meanwhile has nobody to score. */
  if (rc != SM_OK && rc != SM_ERR_NOTFOUND)
    log_warning("%s <%s>: the bounce was not recorded: %s", h->recipient,
                h->message_id, store_errmsg(r->st));
}

static void
format_reply(char *out, size_t outlen, const struct smtp_msg *m)
{
  snprintf(out, outlen, "%d%s%s %s", m->code, *m->enhanced ? " " : "",
           m->enhanced, m->reply);
}

/* The session must stop at once: an outcome could not be kept. */
static void
halt_store(struct run *r, enum sm_status rc)
{
  if (r->rc == SM_OK)
    r->rc = rc;
  r->halt = HALT_STORE;
  r->halt_at = 0;
  if (r->batch)
    r->batch->stop = 1;
}

/* Keeps one outcome: a line in the sender's journal, written to the
 * store with the rest of the session's (fold). A journal that cannot
 * take it (disk full, I/O error) ends the session at once: every message
 * sent after an outcome that was not kept would be sent again by the
 * next run. Returns 1 when kept. */
static int
put(struct run *r, int64_t id, enum store_outcome o, int code,
    const char *reply, int64_t now, int64_t next)
{
  struct store_result res = {id, o, code, now, next, reply};
  char err[SM_ERRLEN];
  enum sm_status rc = outlog_add(r->log, &res, err, sizeof(err));

  if (rc != SM_OK) {
    if (r->rc == SM_OK)
      log_error("%s; stopping: no more mail goes out before outcomes can be "
                "recorded",
                err);
    halt_store(r, rc);
    return 0;
  }
#ifdef SM_TEST_HOOKS
  {
    /* tests/send.sh: a sender killed with outcomes in its journal only. */
    static long kept;
    const char *die = getenv("SHORTMAIL_SEND_KILL_AFTER");

    if (die && ++kept == strtol(die, NULL, 10))
      raise(SIGKILL);
  }
#endif
  return 1;
}

/* Writes the journal's outcomes to the store, in one transaction, and
 * empties the journal. On failure the outcomes stay in the journal and
 * the rows stay claimed (released, they would be sent again): the next
 * sender folds them (outlog_recover). Returns 1 when the journal is
 * empty. */
static int
fold(struct run *r)
{
  size_t n;
  const struct store_result *res = outlog_results(r->log, &n);
  char err[SM_ERRLEN];
  enum sm_status rc;

  if (n == 0)
    return 1;
  rc = store_outbox_record_many(r->st, r->owner, res, n, 0);
  if (rc != SM_OK) {
    if (r->rc == SM_OK)
      log_error("%s; stopping: %zu outcomes wait in the sender's journal for "
                "the next run",
                store_errmsg(r->st), n);
    halt_store(r, rc);
    return 0;
  }
  rc = outlog_clear(r->log, err, sizeof(err));
  if (rc != SM_OK) {
    /* In the store already; a replay of them changes nothing. */
    log_error("%s; stopping", err);
    halt_store(r, rc);
    return 0;
  }
  return 1;
}

/* A dead sender's journal, folded by the next (outlog_recover). Its
 * other claims go back to the queue at once rather than when their
 * leases run out: nobody is sending them. */
static enum sm_status
fold_dead(void *ctx, const char *owner, const struct store_result *res,
          size_t n)
{
  enum sm_status rc = store_outbox_record_many(ctx, owner, res, n, 1);

  if (rc == SM_OK)
    rc = store_outbox_release(ctx, owner);
  return rc;
}

/* Before a claim: the outcomes of senders that died before they wrote
 * them to the store. Their rows are still claimed by them; once these
 * are in, a claim cannot take one of them and send it again. */
static enum sm_status
recover(struct run *r)
{
  char err[SM_ERRLEN];
  size_t n = 0;
  enum sm_status rc = outlog_recover(store_path(r->st), fold_dead, r->st, &n,
                                     err, sizeof(err));

  if (rc != SM_OK)
    log_error("%s; nothing is sent until it is", err);
  else if (n)
    log_warning("recorded %zu outcomes that a sender which died had kept "
                "only in its journal",
                n);
  return rc;
}

/* When a deferred message is tried next. */
static int64_t
retry_at(const struct run *r, int64_t now, int64_t id, long attempts)
{
  return deliver_next_attempt(now, attempts + 1, r->env->conf->send.retry_base,
                              (unsigned)id);
}

/* The held refusals were the readers' own: failed, and bounces. */
static void
held_fail(struct run *r)
{
  int64_t now = util_now();
  char reply[SMTP_REPLY_MAX + 32];

  for (size_t k = 0; k < r->nheld && r->halt != HALT_STORE; k++) {
    const struct held *h = &r->held[k];

    format_reply(reply, sizeof(reply), &h->m);
    log_info("%s <%s>: failed: %s", h->recipient, h->message_id, reply);
    r->stats->failed++;
    if (put(r, h->id, STORE_FAILED, h->m.code, reply, now, 0) &&
        h->m.stage == SMTP_STAGE_RCPT && h->subscriber_id)
      count_bounce(r, h);
  }
  r->nheld = 0;
}

/* Pulls the brake: the held refusals go back as deferred with no bounce
 * scored, send stays paused across runs (store_send_pause_set) and this
 * session stops before the next message's data. */
static void
brake_pull(struct run *r, size_t i, const char *why)
{
  int64_t now = util_now();
  char reply[SMTP_REPLY_MAX + 32];
  enum sm_status rc;

  for (size_t k = 0; k < r->nheld && r->halt != HALT_STORE; k++) {
    const struct held *h = &r->held[k];

    format_reply(reply, sizeof(reply), &h->m);
    log_info("%s <%s>: deferred (brake): %s", h->recipient, h->message_id,
             reply);
    r->stats->deferred++;
    put(r, h->id, STORE_DEFERRED, h->m.code, reply, now,
        retry_at(r, now, h->id, h->attempts));
  }
  r->nheld = 0;
  if (r->halt == HALT_STORE || r->halt == HALT_BRAKE)
    return;
  r->halt = HALT_BRAKE;
  r->halt_at = i + 1;
  if (r->batch)
    r->batch->stop = 1; /* before the next MAIL FROM */
  r->stats->paused = 1;
  rc = store_send_pause_set(r->st, now, why);
  if (rc != SM_OK && r->rc == SM_OK) {
    log_error("%s", store_errmsg(r->st));
    r->rc = rc;
  }
  if (!r->probing)
    log_error("stopping: %s; those messages are deferred, no bounce is "
              "counted, and send stays paused until a probe message is "
              "accepted or `shortmail queue resume`",
              why);
}

/* A refusal (5xx): held back. A streak of them with nothing accepted in
 * between says the relay refuses (relay access denied, authentication
 * required, our return path refused), not the readers: the brake. */
static void
hold(struct run *r, size_t i, const struct store_claimed *row,
     const struct smtp_msg *m)
{
  struct held *h = &r->held[r->nheld++];
  char why[SMTP_REPLY_MAX + 200], reply[SMTP_REPLY_MAX + 32];

  h->id = row->id;
  h->subscriber_id = row->subscriber_id;
  h->created_at = row->created_at;
  h->attempts = row->attempts;
  snprintf(h->recipient, sizeof(h->recipient), "%s", row->recipient);
  snprintf(h->message_id, sizeof(h->message_id), "%s", row->message_id);
  h->m = *m;
  h->m.sender = h->m.recipient = h->m.data = NULL;
  if (r->nheld < DELIVER_BRAKE_STREAK && !r->probing)
    return;
  format_reply(reply, sizeof(reply), m);
  if (r->probing)
    snprintf(r->probe_reply, sizeof(r->probe_reply), "%s", reply);
  if (r->probing)
    snprintf(why, sizeof(why), "the probe to %s was refused: %s",
             row->recipient, reply);
  else
    snprintf(why, sizeof(why),
             "%zu refusals in a row and none accepted (the last: %s): the "
             "relay, not the readers, refuses",
             r->nheld, reply);
  brake_pull(r, i, why);
}

/* The progress line: messages done of those due, and what went wrong
 * so far. */
static void
progress(struct run *r)
{
  const struct deliver_stats *st = r->stats;

  if (!r->pr.on)
    return;
  if (st->deferred || st->failed)
    snprintf(r->pr.note, sizeof(r->pr.note), "%zu deferred, %zu failed",
             st->deferred, st->failed);
  progress_update(&r->pr, st->sent + st->deferred + st->failed + st->skipped);
}

/* Records one message's outcome: called by the smtp module as soon as
 * the server has answered it, so a crash loses no recorded result. */
static void
record(void *ctx, size_t i, const struct smtp_msg *m)
{
  struct run *r = ctx;
  const struct store_claimed *row = &r->rows[r->row_of[i]];
  const struct conf *c = r->env->conf;
  int64_t now = util_now();
  enum store_outcome o;
  char reply[SMTP_REPLY_MAX + 32];
  int64_t next = 0;

  if (r->halt == HALT_STORE)
    return; /* the claims run out; the next run sends them */
  if (r->halt != HALT_NONE && i >= r->halt_at && m->code == 0) {
    /* Never tried: released after the session. The one whose reader
     * left is recorded as such. */
    if (r->halt == HALT_PREP && i == r->halt_at) {
      r->stats->failed++;
      log_error("%s", r->prep_err);
      put(r, row->id, STORE_FAILED, 0, r->prep_err, now, 0);
    }
    if (r->halt == HALT_READER && i == r->halt_at) {
      r->stats->skipped++;
      log_info("%s <%s>: not sent: the reader left or paused during the "
               "run",
               row->recipient, row->message_id);
      put(r, row->id, STORE_FAILED, 0, "not sent: the reader left or paused",
          now, 0);
    }
    return;
  }

  format_reply(reply, sizeof(reply), m);
  if (m->outcome == SMTP_FAILED) {
    brake_note(r, 1);
    if (r->halt == HALT_BRAKE) {
      /* Refused after the brake (a pipelined RCPT): not the reader's. */
      r->stats->deferred++;
      put(r, row->id, STORE_DEFERRED, m->code, reply, now,
          retry_at(r, now, row->id, row->attempts));
      return;
    }
    hold(r, i, row, m);
    return;
  }
  switch (m->outcome) {
  case SMTP_SENT:
    o = STORE_SENT;
    r->stats->sent++;
    break;
  case SMTP_DEFERRED:
    if (now - row->created_at >= c->send.max_age) {
      o = STORE_FAILED;
      r->stats->failed++;
      log_warning("%s <%s>: giving up after %ld attempts over [send] "
                  "max_age: %s",
                  row->recipient, row->message_id, row->attempts + 1, reply);
    } else {
      o = STORE_DEFERRED;
      next = retry_at(r, now, row->id, row->attempts);
      r->stats->deferred++;
    }
    break;
  default:
    o = STORE_FAILED;
    r->stats->failed++;
    break;
  }
  brake_note(r, m->outcome != SMTP_SENT);
  progress(r);
  log_info("%s <%s>: %s: %s", row->recipient, row->message_id,
           o == STORE_SENT       ? "sent"
           : o == STORE_DEFERRED ? "deferred"
                                 : "failed",
           reply);
  if (!put(r, row->id, o, m->code, reply, now, next))
    return;
  if (m->outcome == SMTP_SENT) {
    /* The relay takes mail: the refusals before this one were real. */
    held_fail(r);
    if (r->probing) {
      int was;
      r->probing = 0;
      r->probe_ok = 1;
      if (store_send_pause_clear(r->st, &was) == SM_OK)
        log_warning("the relay accepted a probe message: send is no longer "
                    "paused");
    }
  } else if (r->probing) {
    snprintf(r->probe_reply, sizeof(r->probe_reply), "%s", reply);
  }
}

/* Renews our leases when half of one has gone by since the last renewal
 * (a batch may outlive one lease), then asks whether message i is still
 * ours (another sender takes a row back once its lease ran out) and
 * whether its reader left or paused since the batch was claimed (an
 * unsubscribe must stop the rest of that reader's mail). One lookup by
 * primary key. */
static int
still_ours(struct run *r, const struct store_claimed *row, int *gone)
{
  long lease = r->env->conf->send.lease;
  int64_t now = util_now();
  int ours = 0;
  enum sm_status rc = SM_OK;

  if (now - r->renewed_at >= (lease + 1) / 2) {
    rc = store_outbox_renew(r->st, r->owner, now, lease);
    if (rc == SM_OK)
      r->renewed_at = now;
  }
  if (rc == SM_OK)
    rc = store_outbox_ours(r->st, row->id, r->owner, &ours, gone);
  if (rc != SM_OK) {
    /* Unsure whether another sender has it: sending could duplicate. */
    if (r->rc == SM_OK) {
      log_error("%s; stopping: the claims cannot be checked",
                store_errmsg(r->st));
      r->rc = rc;
    }
    r->halt = HALT_STORE;
    return 0;
  }
  if (!ours)
    log_warning("%s <%s>: another sender took this message over (its lease "
                "ran out); not sent here",
                row->recipient, row->message_id);
  return ours;
}

/* The last look before a message's data goes out: the session stops
 * here if it must (the store failed, the brake), if the message is no
 * longer ours, or if its reader left since the batch was claimed. */
static int
before_data(void *ctx, size_t i)
{
  struct run *r = ctx;
  const struct store_claimed *row = &r->rows[r->row_of[i]];
  int gone = 0;

  if (r->halt != HALT_NONE)
    return 1;
  if (!still_ours(r, row, &gone)) {
    if (r->halt == HALT_NONE) {
      r->halt = HALT_LOST;
      r->halt_at = i;
    }
    return 1;
  }
  if (gone) {
    r->halt = HALT_READER;
    r->halt_at = i;
    return 1;
  }
  /* Usually made already, while the relay answered the messages before
   * this one. */
  if (prepahead_wait(r->pa, i, &r->msgs[i].data, &r->msgs[i].len, r->prep_err,
                     sizeof(r->prep_err)) != SM_OK) {
    r->halt = HALT_PREP;
    r->halt_at = i;
    return 1;
  }
  return 0;
}

/* The one line a paused run leaves: since when, why, what to do. */
static void
paused_line(const struct run *r, int64_t since, const char *why)
{
  char when[32];

  util_format_time(since, when, sizeof(when));
  log_error("send is paused since %s (%s); the probe %s; once the relay "
            "takes mail again the next run resumes, or run `shortmail queue "
            "resume`",
            when, why ? why : "the failure brake",
            r->probe_reply[0] ? "was not accepted" : "found no message due");
}

/* The ids of the held refusals, for store_outbox_release_except. */
static const int64_t *
held_ids(struct run *r)
{
  for (size_t k = 0; k < r->nheld; k++)
    r->held_id[k] = r->held[k].id;
  return r->held_id;
}

/* Turns the claimed rows into the session's messages, their bytes to
 * come from the worker (before_data); a row whose reader left is
 * recorded as skipped here. */
static enum sm_status
prepare(struct run *r)
{
  const struct conf *c = r->env->conf;
  enum sm_status rc = SM_OK;

  r->nmsgs = 0;
  for (size_t i = 0; i < r->n && rc == SM_OK; i++) {
    struct store_claimed *row = &r->rows[i];
    struct compose_row cr = {
        row->kind,       row->subscriber_id, row->recipient, row->issue,
        row->message_id, row->payload,       row->created_at};
    struct smtp_msg *m = &r->msgs[r->nmsgs];

    if (row->reader_gone) {
      r->stats->skipped++;
      if (!put(r, row->id, STORE_FAILED, 0,
               "not sent: the reader left or paused", util_now(), 0))
        rc = r->rc;
      continue;
    }
    /* VERP: the bounce names the reader and the message, no parsing. */
    rc = listaddr_mint(c, r->env->secret, LISTADDR_BOUNCE, row->subscriber_id,
                       row->id, row->created_at, r->verp[r->nmsgs],
                       sizeof(r->verp[0]));
    if (rc != SM_OK)
      break;
    memset(m, 0, sizeof(*m));
    m->sender = r->verp[r->nmsgs];
    m->recipient = row->recipient;
    m->data = NULL; /* from before_data */
    r->crow[r->nmsgs] = cr;
    r->row_of[r->nmsgs] = i;
    r->nmsgs++;
  }
  return rc;
}

enum sm_status
deliver_run(struct store *st, const struct env *env, struct smtp_client *smtp,
            const struct deliver_opts *opts, struct deliver_stats *stats)
{
  const struct conf *c = env->conf;
  size_t batch = (size_t)c->send.batch;
  long rate = opts->rate ? opts->rate : c->send.rate;
  char owner[300], *paused_why = NULL;
  int64_t paused_since = 0;
  struct run r;
  enum sm_status rc = SM_OK;

  memset(stats, 0, sizeof(*stats));
  memset(&r, 0, sizeof(r));
  if (opts->owner)
    snprintf(owner, sizeof(owner), "%s", opts->owner);
  else {
    char host[256] = "localhost";
    gethostname(host, sizeof(host) - 1);
    snprintf(owner, sizeof(owner), "%s:%ld", host, (long)getpid());
  }
  r.st = st;
  r.env = env;
  r.o = opts;
  r.stats = stats;
  r.owner = owner;
  r.start = util_monotonic();
  r.msgs = calloc(batch, sizeof(*r.msgs));
  r.row_of = calloc(batch, sizeof(*r.row_of));
  r.verp = calloc(batch, sizeof(*r.verp));
  r.crow = calloc(batch, sizeof(*r.crow));
  if (!r.msgs || !r.row_of || !r.verp || !r.crow) {
    rc = SM_ERR_NOMEM;
    goto out;
  }
  {
    struct env penv = *env;
    char err[SM_ERRLEN];

    penv.st = st;
    rc = prepahead_new(&penv, c->store.busy_timeout, batch, &r.pa, err,
                       sizeof(err));
    if (rc != SM_OK) {
      log_error("%s", err);
      goto out;
    }
  }
  rc = store_send_pause_get(st, &paused_since, &paused_why);
  if (rc != SM_OK) {
    log_error("%s", store_errmsg(st));
    goto out;
  }
  if (opts->progress) {
    long due = 0;
    /* A count over the index of rows to send: tens of milliseconds at a
     * million rows, and only when a terminal shows the line. */
    if (store_outbox_due(st, util_now(), &due) != SM_OK)
      due = 0;
    progress_start(&r.pr, "send", "messages", (size_t)due, 1);
  }
  /* Paused by the brake of an earlier run: one message tells whether the
   * relay takes mail again. */
  r.probing = paused_since != 0;
  for (;;) {
    struct smtp_batch b;
    size_t want = batch;
    size_t done = stats->sent + stats->deferred + stats->failed;
    char err[SM_ERRLEN];
    double t0;

    if (opts->max && done >= opts->max)
      break;
    if (opts->max && opts->max - done < want)
      want = opts->max - done;
    /* A per-second rate becomes small sessions paced by the clock. */
    if (rate && (size_t)rate < want)
      want = (size_t)rate;
    if (c->send.rate_minute && (size_t)c->send.rate_minute < want)
      want = (size_t)c->send.rate_minute;
    if (r.probing)
      want = 1;
    rc = recover(&r);
    if (rc != SM_OK)
      break;
    /* Opened after the first recovery: a dead sender's journal may have
     * our process id. */
    if (!r.log) {
      rc = outlog_open(store_path(st), owner, &r.log, err, sizeof(err));
      if (rc != SM_OK) {
        log_error("%s", err);
        break;
      }
    }
    r.renewed_at = util_now();
    rc = store_outbox_claim(st, owner, r.renewed_at, c->send.lease, want,
                            &r.rows, &r.n);
    if (rc != SM_OK) {
      log_error("%s", store_errmsg(st));
      break;
    }
    if (r.n == 0)
      break;
    rc = prepare(&r);
    if (rc == SM_OK && r.nmsgs) {
      memset(&b, 0, sizeof(b));
      b.msgs = r.msgs;
      b.n = r.nmsgs;
      b.on_result = record;
      b.before_data = before_data;
      b.ctx = &r;
      r.halt = HALT_NONE;
      r.batch = &b;
      prepahead_start(r.pa, r.nmsgs, r.crow);
      t0 = util_monotonic();
      if (smtp_client_send(smtp, &b, err, sizeof(err)) != SM_OK && !r.probing)
        log_warning("%s", err);
      prepahead_stop(r.pa);
      r.batch = NULL;
      fold(&r);
      rc = r.rc;
      /* The messages after the session stopped were never tried: back
       * to the queue, to be claimed (and checked) again. The refusals
       * held by the brake stay ours. */
      if (r.halt != HALT_NONE && rc == SM_OK) {
        rc = store_outbox_release_except(st, owner, r.nheld, held_ids(&r));
        if (rc != SM_OK)
          log_error("%s", store_errmsg(st));
      }
      /* Pace to the configured rates. */
      if (rate || c->send.rate_minute) {
        double per = rate ? 1.0 / (double)rate : 0;
        double per_min =
            c->send.rate_minute ? 60.0 / (double)c->send.rate_minute : 0;
        double need = (double)r.nmsgs * (per > per_min ? per : per_min);
        double spent = util_monotonic() - t0;
        if (need > spent)
          usleep((useconds_t)((need - spent) * 1e6));
      }
    }
    store_claimed_free(r.rows, r.n);
    r.rows = NULL;
    r.n = 0;
    progress(&r);
    if (rc != SM_OK)
      break;
    if (r.probing) {
      /* The probe was not accepted: still paused, one line says so. */
      paused_line(&r, paused_since, paused_why);
      rc = SM_ERR_TEMP;
      break;
    }
    if (r.halt == HALT_BRAKE) {
      rc = SM_ERR_TEMP;
      break;
    }
    if (brake_engaged(&r)) {
      char why[200];
      snprintf(why, sizeof(why),
               "%ld%% or more of the last %zu attempts failed ([send] "
               "pause_percent)",
               c->send.pause_percent,
               r.nrecent < DELIVER_BRAKE_WINDOW ? r.nrecent
                                                : DELIVER_BRAKE_WINDOW);
      brake_pull(&r, 0, why);
      rc = r.rc != SM_OK ? r.rc : SM_ERR_TEMP;
      break;
    }
  }
  if (rc == SM_OK && r.probing && r.n == 0) {
    paused_line(&r, paused_since, paused_why);
    rc = SM_ERR_TEMP;
  }
  /* The run ends with refusals held and no brake: they were real. */
  if (rc == SM_OK && r.nheld) {
    held_fail(&r);
    rc = r.rc;
  }
out:
  progress_end(&r.pr);
  /* Rows whose outcomes could not be written stay claimed: released,
   * they would be sent again. */
  if (!r.log || fold(&r))
    store_outbox_release(st, owner);
  else if (rc == SM_OK)
    rc = r.rc;
  outlog_close(r.log);
  stats->seconds = util_monotonic() - r.start;
  stats->rendered = prepahead_rendered(r.pa);
  store_claimed_free(r.rows, r.n);
  prepahead_free(r.pa);
  free(r.msgs);
  free(r.row_of);
  free(r.verp);
  free(r.crow);
  free(paused_why);
  return rc;
}
