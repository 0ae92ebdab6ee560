/* prepahead.c: worker threads composing and signing a batch ahead of
 * its session: one composes message after message, and with DKIM a second
 * signs each composed one, so that composing the next overlaps the RSA
 * signature of the last. */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "prepahead.h"
#include "signer.h"
#include "smtp.h"
#include "store.h"

/* One message of the batch: the composer's until `composed` passes it,
 * then the signer's until `signed_` does, then the caller's. */
struct slot {
  struct buf bytes;   /* as composed */
  struct buf signed_; /* with DKIM: bytes with their signature */
  enum sm_status rc;
  char err[SM_ERRLEN];
};

struct prepahead {
  struct env env; /* the caller's, with the worker's store, no signer */
  struct signer *signer;
  struct store *st;
  struct compose *comp;
  struct slot *slots;
  size_t max;
  pthread_t composer, signer_thread;
  int nthreads; /* started: 1, or 2 with a signer */
  pthread_mutex_t mu;
  pthread_cond_t cv; /* any change below */
  /* The batch, under mu. The composer makes rows[composed] and the
   * signer signs slots[signed_] outside the lock. */
  size_t n, composed, signed_;
  const struct compose_row *rows;
  int busy_c, busy_s; /* the composer, the signer is at work */
  int stop;           /* drop the rest of the batch */
  int quit;           /* the threads leave */
};

/* How many messages are ready for the caller. Under mu. */
static size_t
ready(const struct prepahead *pa)
{
  return pa->signer ? pa->signed_ : pa->composed;
}

/* Whether the bytes are 7-bit: the session declares no 8BITMIME for
 * data it has not seen when it sends MAIL FROM. */
static int
seven_bit(const char *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)p[i] >= 0x80)
      return 0;
  return 1;
}

/* Composes (and signs) one row into its slot. */
static void
make(struct prepahead *pa, const struct compose_row *row, struct slot *s)
{
  char why[SMTP_REPLY_MAX];

  buf_reset(&s->bytes);
  s->err[0] = '\0';
  s->rc =
      compose_message(pa->comp, row, &s->bytes, NULL, s->err, sizeof(s->err));
  if (s->rc != SM_OK)
    return;
  if (!smtp_check_message(s->bytes.data, s->bytes.len, why, sizeof(why))) {
    s->rc = SM_ERR_INTERNAL;
    snprintf(s->err, sizeof(s->err), "<%s>: not sendable as composed: %s",
             row->message_id, why);
  } else if (!seven_bit(s->bytes.data, s->bytes.len)) {
    s->rc = SM_ERR_INTERNAL;
    snprintf(s->err, sizeof(s->err), "<%s>: composed with 8-bit bytes",
             row->message_id);
  }
}

static void *
composer(void *arg)
{
  struct prepahead *pa = arg;

  pthread_mutex_lock(&pa->mu);
  for (;;) {
    size_t i;

    while (!pa->quit && (pa->stop || pa->composed >= pa->n))
      pthread_cond_wait(&pa->cv, &pa->mu);
    if (pa->quit)
      break;
    i = pa->composed;
    pa->busy_c = 1;
    pthread_mutex_unlock(&pa->mu);
    make(pa, &pa->rows[i], &pa->slots[i]);
    pthread_mutex_lock(&pa->mu);
    pa->busy_c = 0;
    pa->composed = i + 1;
    pthread_cond_broadcast(&pa->cv);
  }
  pthread_mutex_unlock(&pa->mu);
  return NULL;
}

/* Signs slot i as of its row's Date, as compose_message would have. A
 * failure names the message: the send loop logs it and records it as
 * the message's failure, and none of its bytes go out. */
static void
sign(struct prepahead *pa, size_t i, struct slot *s)
{
  char why[SM_ERRLEN];

  s->rc =
      signer_sign_into(pa->signer, buf_str(&s->bytes), s->bytes.len,
                       pa->rows[i].created_at, &s->signed_, why, sizeof(why));
#ifdef SM_TEST_HOOKS
  {
    /* tests/dkim.sh: the Nth signature of the run fails (one signing
     * thread: no race on the count). */
    static long made;
    const char *at = getenv("SHORTMAIL_SIGN_FAIL_AT");

    if (s->rc == SM_OK && at && ++made == strtol(at, NULL, 10)) {
      s->rc = SM_ERR_INTERNAL;
      snprintf(why, sizeof(why),
               "DKIM: signing failed: SHORTMAIL_SIGN_FAIL_AT (a test)");
    }
  }
#endif
  if (s->rc != SM_OK)
    snprintf(s->err, sizeof(s->err), "<%.200s>: %.300s",
             pa->rows[i].message_id, why);
}

static void *
signer(void *arg)
{
  struct prepahead *pa = arg;

  pthread_mutex_lock(&pa->mu);
  for (;;) {
    size_t i;
    struct slot *s;

    while (!pa->quit && (pa->stop || pa->signed_ >= pa->composed))
      pthread_cond_wait(&pa->cv, &pa->mu);
    if (pa->quit)
      break;
    i = pa->signed_;
    s = &pa->slots[i];
    pa->busy_s = 1;
    pthread_mutex_unlock(&pa->mu);
    if (s->rc == SM_OK)
      sign(pa, i, s);
    pthread_mutex_lock(&pa->mu);
    pa->busy_s = 0;
    pa->signed_ = i + 1;
    pthread_cond_broadcast(&pa->cv);
  }
  pthread_mutex_unlock(&pa->mu);
  return NULL;
}

/* Starts fn with every signal blocked: a process-directed signal (the
 * connect timer's, SIGPIPE) must reach the session. */
static int
spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
  sigset_t all, old;
  int e;

  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  e = pthread_create(t, NULL, fn, arg);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return e;
}

/* Tells the threads to leave and waits for them. */
static void
join_all(struct prepahead *pa)
{
  pthread_mutex_lock(&pa->mu);
  pa->quit = 1;
  pthread_cond_broadcast(&pa->cv);
  pthread_mutex_unlock(&pa->mu);
  if (pa->nthreads > 0)
    pthread_join(pa->composer, NULL);
  if (pa->nthreads > 1)
    pthread_join(pa->signer_thread, NULL);
  pa->nthreads = 0;
}

static void
teardown(struct prepahead *pa)
{
  for (size_t i = 0; pa->slots && i < pa->max; i++) {
    buf_free(&pa->slots[i].bytes);
    buf_free(&pa->slots[i].signed_);
  }
  free(pa->slots);
  compose_free(pa->comp);
  store_close(pa->st);
  free(pa);
}

enum sm_status
prepahead_new(const struct env *env, long busy_timeout_ms, size_t max,
              struct prepahead **out, char *err, size_t errlen)
{
  struct prepahead *pa = calloc(1, sizeof(*pa));
  enum sm_status rc;

  *out = NULL;
  if (!pa) {
    snprintf(err, errlen, "out of memory");
    return SM_ERR_NOMEM;
  }
  pa->max = max;
  pa->slots = calloc(max, sizeof(*pa->slots));
  if (!pa->slots) {
    free(pa);
    snprintf(err, errlen, "out of memory");
    return SM_ERR_NOMEM;
  }
  for (size_t i = 0; i < max; i++) {
    buf_init(&pa->slots[i].bytes, SMTP_MESSAGE_MAX);
    buf_init(&pa->slots[i].signed_, SMTP_MESSAGE_MAX);
  }
  rc = store_open(store_path(env->st), busy_timeout_ms, STORE_READONLY,
                  &pa->st, err, errlen);
  if (rc != SM_OK) {
    teardown(pa);
    return rc;
  }
  pa->env = *env;
  pa->env.st = pa->st;
  pa->env.signer = NULL; /* the signing thread's */
  pa->signer = env->signer;
  rc = compose_new(&pa->env, &pa->comp);
  if (rc != SM_OK) {
    snprintf(err, errlen, "out of memory");
    teardown(pa);
    return rc;
  }
  if (pthread_mutex_init(&pa->mu, NULL) != 0) {
    snprintf(err, errlen, "out of memory");
    teardown(pa);
    return SM_ERR_NOMEM;
  }
  if (pthread_cond_init(&pa->cv, NULL) != 0) {
    pthread_mutex_destroy(&pa->mu);
    snprintf(err, errlen, "out of memory");
    teardown(pa);
    return SM_ERR_NOMEM;
  }
  if (spawn(&pa->composer, composer, pa) == 0)
    pa->nthreads = 1;
  if (pa->nthreads == 1 && pa->signer &&
      spawn(&pa->signer_thread, signer, pa) == 0)
    pa->nthreads = 2;
  if (pa->nthreads != (pa->signer ? 2 : 1)) {
    join_all(pa);
    pthread_cond_destroy(&pa->cv);
    pthread_mutex_destroy(&pa->mu);
    snprintf(err, errlen, "cannot start the composing threads");
    teardown(pa);
    return SM_ERR_NOMEM;
  }
  *out = pa;
  return SM_OK;
}

void
prepahead_free(struct prepahead *pa)
{
  if (!pa)
    return;
  join_all(pa);
  pthread_cond_destroy(&pa->cv);
  pthread_mutex_destroy(&pa->mu);
  teardown(pa);
}

void
prepahead_start(struct prepahead *pa, size_t n, const struct compose_row *rows)
{
  pthread_mutex_lock(&pa->mu);
  pa->n = n < pa->max ? n : pa->max;
  pa->composed = pa->signed_ = 0;
  pa->rows = rows;
  pa->stop = 0;
  pthread_cond_broadcast(&pa->cv);
  pthread_mutex_unlock(&pa->mu);
}

enum sm_status
prepahead_wait(struct prepahead *pa, size_t i, const char **data, size_t *len,
               char *err, size_t errlen)
{
  enum sm_status rc;

  *data = NULL;
  *len = 0;
  pthread_mutex_lock(&pa->mu);
  while (ready(pa) <= i && !pa->stop && i < pa->n)
    pthread_cond_wait(&pa->cv, &pa->mu);
  if (ready(pa) > i) {
    const struct slot *s = &pa->slots[i];
    const struct buf *b = pa->signer ? &s->signed_ : &s->bytes;

    rc = s->rc;
    if (rc == SM_OK) {
      *data = b->data;
      *len = b->len;
    } else {
      snprintf(err, errlen, "%s", s->err[0] ? s->err : "not composed");
    }
  } else {
    rc = SM_ERR_INTERNAL; /* stopped, or past the batch: a bug */
    snprintf(err, errlen, "message %zu of the batch was not composed", i);
  }
  pthread_mutex_unlock(&pa->mu);
  return rc;
}

void
prepahead_stop(struct prepahead *pa)
{
  pthread_mutex_lock(&pa->mu);
  pa->stop = 1;
  pthread_cond_broadcast(&pa->cv);
  while (pa->busy_c || pa->busy_s)
    pthread_cond_wait(&pa->cv, &pa->mu);
  pa->n = pa->composed = pa->signed_ = 0;
  pa->rows = NULL;
  pthread_mutex_unlock(&pa->mu);
}

size_t
prepahead_rendered(const struct prepahead *pa)
{
  return pa ? compose_rendered(pa->comp) : 0;
}
