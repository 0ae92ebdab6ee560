/* signahead.c: a worker thread signing a batch ahead of its session. */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signahead.h"

struct signahead {
  struct signer *signer;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv; /* any change below */
  /* The batch, under mu. The worker signs in[done] outside the lock. */
  size_t n, done;
  const struct buf *in;
  const int64_t *t;
  struct buf *out;
  int busy;          /* the worker is signing in[done] */
  int stop;          /* drop the rest of the batch */
  int quit;          /* the worker leaves */
  enum sm_status rc; /* of the first failure: done stops there */
  char err[SM_ERRLEN];
};

static void *
worker(void *arg)
{
  struct signahead *sa = arg;

  pthread_mutex_lock(&sa->mu);
  for (;;) {
    size_t i;
    char err[SM_ERRLEN];
    enum sm_status rc;

    while (!sa->quit && (sa->stop || sa->rc != SM_OK || sa->done >= sa->n))
      pthread_cond_wait(&sa->cv, &sa->mu);
    if (sa->quit)
      break;
    i = sa->done;
    sa->busy = 1;
    pthread_mutex_unlock(&sa->mu);
    err[0] = '\0';
    rc = signer_sign_into(sa->signer, buf_str(&sa->in[i]), sa->in[i].len,
                          sa->t[i], &sa->out[i], err, sizeof(err));
    pthread_mutex_lock(&sa->mu);
    sa->busy = 0;
    if (rc == SM_OK) {
      sa->done = i + 1;
    } else {
      sa->rc = rc;
      memcpy(sa->err, err, sizeof(err));
    }
    pthread_cond_broadcast(&sa->cv);
  }
  pthread_mutex_unlock(&sa->mu);
  return NULL;
}

enum sm_status
signahead_new(struct signer *s, struct signahead **out)
{
  struct signahead *sa = calloc(1, sizeof(*sa));
  sigset_t all, old;
  int e;

  *out = NULL;
  if (!sa)
    return SM_ERR_NOMEM;
  sa->signer = s;
  if (pthread_mutex_init(&sa->mu, NULL) != 0) {
    free(sa);
    return SM_ERR_NOMEM;
  }
  if (pthread_cond_init(&sa->cv, NULL) != 0) {
    pthread_mutex_destroy(&sa->mu);
    free(sa);
    return SM_ERR_NOMEM;
  }
  /* The thread starts with every signal blocked: a process-directed
   * signal (the connect timer's, SIGPIPE) must reach the session. */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  e = pthread_create(&sa->thread, NULL, worker, sa);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (e != 0) {
    pthread_cond_destroy(&sa->cv);
    pthread_mutex_destroy(&sa->mu);
    free(sa);
    return SM_ERR_NOMEM;
  }
  *out = sa;
  return SM_OK;
}

void
signahead_free(struct signahead *sa)
{
  if (!sa)
    return;
  pthread_mutex_lock(&sa->mu);
  sa->quit = 1;
  pthread_cond_broadcast(&sa->cv);
  pthread_mutex_unlock(&sa->mu);
  pthread_join(sa->thread, NULL);
  pthread_cond_destroy(&sa->cv);
  pthread_mutex_destroy(&sa->mu);
  free(sa);
}

void
signahead_start(struct signahead *sa, size_t n, const struct buf *in,
                const int64_t *t, struct buf *out)
{
  pthread_mutex_lock(&sa->mu);
  sa->n = n;
  sa->done = 0;
  sa->in = in;
  sa->t = t;
  sa->out = out;
  sa->stop = 0;
  sa->rc = SM_OK;
  sa->err[0] = '\0';
  pthread_cond_broadcast(&sa->cv);
  pthread_mutex_unlock(&sa->mu);
}

enum sm_status
signahead_wait(struct signahead *sa, size_t i, char *err, size_t errlen)
{
  enum sm_status rc;

  pthread_mutex_lock(&sa->mu);
  while (sa->done <= i && sa->rc == SM_OK && !sa->stop && i < sa->n)
    pthread_cond_wait(&sa->cv, &sa->mu);
  if (sa->done > i)
    rc = SM_OK;
  else if (sa->rc != SM_OK)
    rc = sa->rc;
  else
    rc = SM_ERR_INTERNAL; /* stopped, or past the batch: a bug */
  if (rc != SM_OK)
    snprintf(err, errlen, "%s",
             sa->err[0] ? sa->err : "DKIM: the message was not signed");
  pthread_mutex_unlock(&sa->mu);
  return rc;
}

void
signahead_stop(struct signahead *sa)
{
  pthread_mutex_lock(&sa->mu);
  sa->stop = 1;
  pthread_cond_broadcast(&sa->cv);
  while (sa->busy)
    pthread_cond_wait(&sa->cv, &sa->mu);
  sa->n = sa->done = 0;
  sa->in = NULL;
  sa->t = NULL;
  sa->out = NULL;
  pthread_mutex_unlock(&sa->mu);
}
