/* arxiv.c: arXiv categories as keywords; see arxiv.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arxiv.h"
#include "buf.h"
#include "feed.h"
#include "http.h"
#include "store.h"
#include "util.h"

/* arXiv answers a bad request with an Atom entry whose id is here. */
#define ARXIV_ERROR_ID "arxiv.org/api/errors"

struct run {
  struct store *st;
  const struct arxiv_opts *o;
  struct arxiv_stats *stats;
  double last; /* when the last request ended (util_monotonic) */
};

static void warn(const struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
warn(const struct run *r, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  if (!r->o->warn)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  r->o->warn(r->o->warn_ctx, msg);
}

/* Waits until interval_ms have passed since the last request ended. */
static void
keep_interval(struct run *r)
{
  struct timespec d;
  long long left;

  if (!r->stats->requests || r->o->interval_ms <= 0)
    return;
  left = r->o->interval_ms * 1000000LL -
         (long long)((util_monotonic() - r->last) * 1e9);
  if (left <= 0)
    return;
  d.tv_sec = (time_t)(left / 1000000000LL);
  d.tv_nsec = (long)(left % 1000000000LL);
  while (nanosleep(&d, &d) != 0 && errno == EINTR)
    ;
}

/* The message of err without the URL it starts with (the query would
 * list a hundred ids). */
static const char *
short_err(const char *err, const char *url)
{
  size_t n = strlen(url);

  if (!strncmp(err, url, n) && !strncmp(err + n, ": ", 2))
    return err + n + 2;
  return err;
}

/* Records arXiv's answer for the ids of one request, in one
 * transaction. */
static enum sm_status
save_answers(struct run *r, char *const *ids, size_t n,
             const struct feed_parsed *p)
{
  int64_t now = util_now();
  enum sm_status rc = store_begin(r->st);

  for (size_t i = 0; i < n && rc == SM_OK; i++) {
    const struct model_summary *hit = NULL;
    int applied = 0;

    for (size_t k = 0; k < p->nitems && !hit; k++)
      if (p->items[k].arxiv_id && !strcmp(p->items[k].arxiv_id, ids[i]))
        hit = &p->items[k];
    if (hit && hit->nkeywords) {
      rc = store_arxiv_save(r->st, ids[i], hit->keywords, hit->nkeywords, now,
                            &applied);
      r->stats->known++;
      r->stats->papers += (size_t)applied;
    } else {
      rc = store_arxiv_save(r->st, ids[i], NULL, 0, now, NULL);
      r->stats->unknown++;
      warn(r, "arXiv does not know the id %s: its paper gets no keywords",
           ids[i]);
    }
  }
  if (rc == SM_OK)
    rc = store_commit(r->st);
  else
    store_rollback(r->st);
  return rc;
}

/* One request for ids[0..n). *stop is set when arXiv failed: the rest
 * waits for the next run. */
static enum sm_status
ask(struct run *r, char *const *ids, size_t n, int *stop)
{
  struct http_opts ho;
  struct http_response resp;
  struct feed_parse_opts po;
  struct feed_parsed parsed;
  struct buf url = BUF_INIT(64 * 1024);
  char err[SM_ERRLEN + ARXIV_BATCH * 32]; /* http's names the URL */
  enum sm_status rc;

  memset(&parsed, 0, sizeof(parsed));
  memset(&resp, 0, sizeof(resp));
  rc = buf_printf(&url, "%s%cid_list=", r->o->api_url,
                  strchr(r->o->api_url, '?') ? '&' : '?');
  for (size_t i = 0; i < n && rc == SM_OK; i++)
    rc = buf_printf(&url, "%s%s", i ? "," : "", ids[i]);
  if (rc == SM_OK)
    rc = buf_printf(&url, "&max_results=%zu", n);
  if (rc != SM_OK) {
    buf_free(&url);
    return rc;
  }

  memset(&ho, 0, sizeof(ho));
  ho.timeout = r->o->timeout;
  ho.connect_timeout = r->o->timeout < 10 ? r->o->timeout : 10;
  ho.max_size = ARXIV_MAX_ANSWER;
  ho.max_redirects = 3;
  ho.site = r->o->site;
  keep_interval(r);
  rc = http_get(buf_str(&url), &ho, &resp, err, sizeof(err));
  r->last = util_monotonic();
  r->stats->requests++;
  if (rc == SM_OK && resp.status != 0 && resp.status != 200) {
    snprintf(err, sizeof(err), "HTTP %ld %s", resp.status, resp.reason);
    rc = SM_ERR_PROTOCOL;
  }
  if (rc == SM_OK) {
    memset(&po, 0, sizeof(po));
    po.base = "the answer";
    po.allow_empty = 1;
    rc = feed_parse(buf_str(&resp.body), resp.body.len, &po, &parsed, err,
                    sizeof(err));
    if (rc == SM_OK && !parsed.atom) {
      snprintf(err, sizeof(err), "the answer is RSS, not arXiv's Atom");
      rc = SM_ERR_DATA;
    }
    for (size_t k = 0; rc == SM_OK && k < parsed.nitems; k++) {
      const struct model_summary *e = &parsed.items[k];
      if (e->guid && strstr(e->guid, ARXIV_ERROR_ID)) {
        snprintf(err, sizeof(err), "arXiv's error: %.300s",
                 e->markdown ? e->markdown : e->title);
        rc = SM_ERR_DATA;
      }
    }
  }
  if (rc == SM_ERR_NOMEM)
    goto out;
  if (rc != SM_OK) {
    warn(r,
         "arXiv API %s: %s; %zu papers wait for their categories until the "
         "next run",
         r->o->api_url, short_err(err, buf_str(&url)), n);
    r->stats->failed++;
    *stop = 1;
    rc = SM_OK;
    goto out;
  }
  r->stats->asked += n;
  rc = save_answers(r, ids, n, &parsed);
out:
  feed_parsed_free(&parsed);
  http_response_free(&resp);
  buf_free(&url);
  return rc;
}

enum sm_status
arxiv_update(struct store *st, const struct arxiv_opts *o,
             struct arxiv_stats *stats)
{
  struct run r;
  char **ids = NULL, **batch = NULL;
  size_t n = 0, nb = 0;
  enum sm_status rc;
  int stop = 0;

  memset(stats, 0, sizeof(*stats));
  memset(&r, 0, sizeof(r));
  r.st = st;
  r.o = o;
  r.stats = stats;
  rc = store_arxiv_pending(st, ARXIV_MAX_PER_RUN, &ids, &n);
  if (rc != SM_OK)
    return rc;
  batch = calloc(ARXIV_BATCH, sizeof(*batch));
  if (!batch && n) {
    rc = SM_ERR_NOMEM;
    goto out;
  }
  for (size_t i = 0; i < n && rc == SM_OK && !stop; i++) {
    char *bare = feed_arxiv_id(ids[i]);

    if (!bare || strcmp(bare, ids[i])) {
      /* The site's word for an id, which arXiv would answer with an
       * error for the whole request: not asked, never. */
      warn(&r, "\"%.100s\" is not an arXiv id: its paper gets no keywords",
           ids[i]);
      rc = store_begin(st);
      if (rc == SM_OK)
        rc = store_arxiv_save(st, ids[i], NULL, 0, util_now(), NULL);
      if (rc == SM_OK)
        rc = store_commit(st);
      else
        store_rollback(st);
      stats->unknown++;
    } else {
      batch[nb++] = ids[i];
    }
    free(bare);
    if (rc == SM_OK && (nb == ARXIV_BATCH || (i + 1 == n && nb))) {
      rc = ask(&r, batch, nb, &stop);
      nb = 0;
    }
  }
out:
  free(batch);
  for (size_t i = 0; i < n; i++)
    free(ids[i]);
  free(ids);
  return rc;
}
