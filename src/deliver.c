/* deliver.c: the send loop: claim, compose, send, record. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bouncer.h"
#include "deliver.h"
#include "log.h"
#include "util.h"

#define DELIVER_MAX_RETRY_DELAY (6 * 3600)
#define DELIVER_BRAKE_WINDOW 50 /* recent attempts the brake looks at */
#define DELIVER_BRAKE_MIN 20    /* and at least this many before it acts */
#define DELIVER_VERP_TTL (60 * 86400)

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

static double
now_seconds(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct run {
  struct store *st;
  const struct compose_env *env;
  const struct deliver_opts *o;
  struct deliver_stats *stats;
  const char *owner;
  struct store_claimed *rows;
  struct smtp_msg *msgs;
  size_t *row_of; /* msgs[i] is rows[row_of[i]] */
  char (*verp)[SMTP_ADDR_MAX + 1];
  struct buf *bytes;
  struct compose *comp; /* one per run: each summary rendered once */
  size_t n, nmsgs;
  unsigned char recent[DELIVER_BRAKE_WINDOW]; /* 1 = a failure */
  int stopped;    /* before_data stopped the session at msgs[stop_at] */
  size_t stop_at; /* the rest stays claimed until released */
  size_t nrecent;
  double start;
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
count_bounce(struct run *r, const struct store_claimed *row,
             const struct smtp_msg *m)
{
  struct sub_env se = {r->st, r->env->conf, r->env->secret, r->env->tmpl,
                       util_now()};
  struct bouncer_event ev;
  struct bouncer_outcome out;
  char code[16];
  enum sm_status rc;

  snprintf(code, sizeof(code), "%d", m->code);
  memset(&ev, 0, sizeof(ev));
  ev.subscriber_id = row->subscriber_id;
  ev.address = row->recipient;
  ev.kind = BOUNCE_PERMANENT;
  ev.status = *m->enhanced ? m->enhanced : code;
  ev.diagnostic = m->reply;
  ev.source = "smtp";
  ev.outbox_id = row->id;
  rc = store_begin(r->st);
  if (rc == SM_OK)
    rc = bouncer_record(&se, &ev, &out);
  if (rc == SM_OK)
    rc = store_commit(r->st);
  else
    store_rollback(r->st);
  /* A reader erased meanwhile has nobody to score. */
  if (rc != SM_OK && rc != SM_ERR_NOTFOUND)
    log_warning("%s <%s>: the bounce was not recorded: %s", row->recipient,
                row->message_id, store_errmsg(r->st));
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
  enum sm_status rc;

  if (r->stopped && i > r->stop_at)
    return; /* never tried: released after the session, sent again */
  if (r->stopped && i == r->stop_at) {
    r->stats->skipped++;
    log_info("%s <%s>: not sent: the reader left or paused during the run",
             row->recipient, row->message_id);
    rc = store_outbox_record(r->st, row->id, r->owner, STORE_FAILED, 0,
                             "not sent: the reader left or paused", now, 0);
    if (rc != SM_OK && r->rc == SM_OK) {
      log_error("%s", store_errmsg(r->st));
      r->rc = rc;
    }
    return;
  }

  snprintf(reply, sizeof(reply), "%d%s%s %s", m->code, *m->enhanced ? " " : "",
           m->enhanced, m->reply);
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
      next = deliver_next_attempt(now, row->attempts + 1, c->send.retry_base,
                                  (unsigned)row->id);
      r->stats->deferred++;
    }
    break;
  default:
    o = STORE_FAILED;
    r->stats->failed++;
    break;
  }
  brake_note(r, m->outcome != SMTP_SENT);
  log_info("%s <%s>: %s: %s", row->recipient, row->message_id,
           o == STORE_SENT       ? "sent"
           : o == STORE_DEFERRED ? "deferred"
                                 : "failed",
           reply);
  rc = store_outbox_record(r->st, row->id, r->owner, o, m->code, reply, now,
                           next);
  if (rc != SM_OK && r->rc == SM_OK) {
    log_error("%s", store_errmsg(r->st));
    r->rc = rc;
  }
  if (rc == SM_OK && m->outcome == SMTP_FAILED &&
      m->stage == SMTP_STAGE_RCPT && row->subscriber_id)
    count_bounce(r, row, m);
}

/* The last look before a message's data goes out: a batch is claimed
 * at once, and an unsubscribe that arrives while it is being sent must
 * stop the rest of that reader's mail (one lookup by primary key). */
static int
before_data(void *ctx, size_t i)
{
  struct run *r = ctx;
  const struct store_claimed *row = &r->rows[r->row_of[i]];
  int gone = 0;

  if (store_sub_gone(r->st, row->subscriber_id, row->kind, &gone) != SM_OK) {
    /* The claim checked the reader already; a busy store is no reason
     * to hold the message back. */
    log_warning("%s", store_errmsg(r->st));
    return 0;
  }
  if (gone) {
    r->stopped = 1;
    r->stop_at = i;
  }
  return gone;
}

static void
progress(const struct run *r, int final)
{
  double el = now_seconds() - r->start;
  size_t done = r->stats->sent + r->stats->deferred + r->stats->failed;

  if (!r->o->progress)
    return;
  fprintf(stderr, "\rsend: %zu sent, %zu deferred, %zu failed, %.0f/s%s",
          r->stats->sent, r->stats->deferred, r->stats->failed,
          el > 0 ? (double)done / el : 0.0, final ? "\033[K\n" : "\033[K");
}

/* Composes the claimed rows into messages; a row that cannot be sent is
 * recorded as failed (or skipped) here. */
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
    struct buf *b = &r->bytes[r->nmsgs];
    char err[SM_ERRLEN], *tok = NULL;

    if (row->reader_gone) {
      r->stats->skipped++;
      rc = store_outbox_record(r->st, row->id, r->owner, STORE_FAILED, 0,
                               "not sent: the reader left or paused",
                               util_now(), 0);
      continue;
    }
    buf_reset(b);
    if (compose_message(r->comp, &cr, b, NULL, err, sizeof(err)) != SM_OK) {
      log_error("%s", err);
      r->stats->failed++;
      rc = store_outbox_record(r->st, row->id, r->owner, STORE_FAILED, 0, err,
                               util_now(), 0);
      continue;
    }
    /* VERP: the bounce names the reader and the message, no parsing. */
    rc = token_make(r->env->secret, TOKEN_BOUNCE, row->subscriber_id, row->id,
                    row->created_at + DELIVER_VERP_TTL, &tok);
    if (rc != SM_OK)
      break;
    snprintf(r->verp[r->nmsgs], sizeof(r->verp[0]), "%s+bounce-%s@%s",
             c->list.local, tok, c->list.domain);
    free(tok);
    memset(m, 0, sizeof(*m));
    m->sender = r->verp[r->nmsgs];
    m->recipient = row->recipient;
    m->data = b->data;
    m->len = b->len;
    r->row_of[r->nmsgs] = i;
    r->nmsgs++;
  }
  return rc;
}

enum sm_status
deliver_run(struct store *st, const struct compose_env *env,
            struct smtp_client *smtp, const struct deliver_opts *opts,
            struct deliver_stats *stats)
{
  const struct conf *c = env->conf;
  size_t batch = (size_t)c->send.batch;
  long rate = opts->rate ? opts->rate : c->send.rate;
  char owner[300];
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
  r.start = now_seconds();
  r.msgs = calloc(batch, sizeof(*r.msgs));
  r.row_of = calloc(batch, sizeof(*r.row_of));
  r.verp = calloc(batch, sizeof(*r.verp));
  r.bytes = calloc(batch, sizeof(*r.bytes));
  if (!r.msgs || !r.row_of || !r.verp || !r.bytes) {
    rc = SM_ERR_NOMEM;
    goto out;
  }
  rc = compose_new(env, &r.comp);
  if (rc != SM_OK)
    goto out;
  for (size_t i = 0; i < batch; i++)
    buf_init(&r.bytes[i], SMTP_MESSAGE_MAX);
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
    rc = store_outbox_claim(st, owner, util_now(), c->send.lease, want,
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
      r.stopped = 0;
      t0 = now_seconds();
      if (smtp_client_send(smtp, &b, err, sizeof(err)) != SM_OK)
        log_warning("%s", err);
      rc = r.rc;
      /* The messages after a reader who left were never tried: back to
       * the queue, to be claimed (and checked) again at once. */
      if (r.stopped && rc == SM_OK) {
        rc = store_outbox_release(st, owner);
        if (rc != SM_OK)
          log_error("%s", store_errmsg(st));
      }
      r.stopped = 0;
      /* Pace to the configured rates. */
      if (rate || c->send.rate_minute) {
        double per = rate ? 1.0 / (double)rate : 0;
        double per_min =
            c->send.rate_minute ? 60.0 / (double)c->send.rate_minute : 0;
        double need = (double)r.nmsgs * (per > per_min ? per : per_min);
        double spent = now_seconds() - t0;
        if (need > spent)
          usleep((useconds_t)((need - spent) * 1e6));
      }
    }
    store_claimed_free(r.rows, r.n);
    r.rows = NULL;
    r.n = 0;
    progress(&r, 0);
    if (rc != SM_OK)
      break;
    if (brake_engaged(&r)) {
      stats->paused = 1;
      log_error("stopping: %ld%% or more of the last %zu attempts failed "
                "([send] pause_percent); the rest stays queued",
                c->send.pause_percent,
                r.nrecent < DELIVER_BRAKE_WINDOW ? r.nrecent
                                                 : DELIVER_BRAKE_WINDOW);
      rc = SM_ERR_TEMP;
      break;
    }
  }
  progress(&r, 1);
out:
  store_outbox_release(st, owner);
  stats->seconds = now_seconds() - r.start;
  stats->rendered = r.comp ? compose_rendered(r.comp) : 0;
  store_claimed_free(r.rows, r.n);
  for (size_t i = 0; r.bytes && i < batch; i++)
    buf_free(&r.bytes[i]);
  free(r.bytes);
  free(r.msgs);
  free(r.row_of);
  free(r.verp);
  compose_free(r.comp);
  return rc;
}
