/* site.c: one comment to the site's API, and the run over the queue of
 * pending comments (see site.h for the exactly-once contract). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "site.h"
#include "store.h"
#include "util.h"

enum sm_status
site_token_load(const char *path, char **token, char *err, size_t errlen)
{
  struct buf b = BUF_INIT(SITE_TOKEN_MAX + 2);
  enum sm_status st;
  struct stat sb;
  char *nl;
  int fd;

  *token = NULL;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "%s: cannot open the API token file: %s", path,
             strerror(errno));
    return SM_ERR_CONFIG;
  }
  /* The token lets anyone post comments in the list's name: a file any
   * user can read is a leak already, not a risk. A group may be the
   * operators'. */
  if (fstat(fd, &sb) == 0 && (sb.st_mode & S_IROTH)) {
    close(fd);
    snprintf(err, errlen,
             "%s: the API token file is readable by others (chmod 600 it)",
             path);
    return SM_ERR_CONFIG;
  }
  if (fstat(fd, &sb) == 0 && (sb.st_mode & S_IRGRP))
    log_warning("%s: the API token file is readable by its group (chmod "
                "600 it)",
                path);
  st = util_read_fd(fd, &b);
  close(fd);
  if (st != SM_OK) {
    snprintf(err, errlen, "%s: cannot read the API token file: %s", path,
             st == SM_ERR_LIMIT ? "the file is too large for a token"
                                : sm_strerror(st));
    st = SM_ERR_CONFIG;
    goto done;
  }
  nl = memchr(buf_str(&b), '\n', b.len);
  if (nl) {
    if (nl > b.data && nl[-1] == '\r')
      nl--;
    *nl = '\0';
  }
  /* It goes into a header: a stray control byte would split it. */
  if (!http_header_safe(buf_str(&b)) || strlen(buf_str(&b)) > SITE_TOKEN_MAX) {
    snprintf(err, errlen,
             "%s: the first line must be the token: 1 to %d printable "
             "ASCII characters",
             path, SITE_TOKEN_MAX);
    st = SM_ERR_CONFIG;
    goto done;
  }
  *token = strdup(buf_str(&b));
  if (!*token) {
    snprintf(err, errlen, "%s: out of memory", path);
    st = SM_ERR_NOMEM;
  }

done:
  /* The token should not linger in freed memory. */
  if (b.data)
    memset(b.data, 0, b.cap);
  buf_free(&b);
  return st;
}

int
site_message_key(const char *message_id, char *out, size_t outlen)
{
  size_t n = strlen(message_id);

  if (n >= 2 && message_id[0] == '<' && message_id[n - 1] == '>') {
    message_id++;
    n -= 2;
  }
  if (n == 0 || n >= outlen)
    return -1;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)message_id[i] <= 0x20 ||
        (unsigned char)message_id[i] > 0x7E)
      return -1;
  memcpy(out, message_id, n);
  out[n] = '\0';
  return 0;
}

enum sm_status
site_comment_json(const struct site_comment *c, char **out, size_t *len)
{
  char when[32], key[HTTP_HEADER_MAX];
  struct json j;
  FILE *fp;

  *out = NULL;
  *len = 0;
  util_format_time(c->created_at, when, sizeof(when));
  fp = open_memstream(out, len);
  if (!fp)
    return SM_ERR_NOMEM;
  json_init(&j, fp);
  json_begin_object(&j);
  json_key(&j, "summary");
  json_string(&j, c->summary);
  json_key(&j, "paper");
  json_string(&j, c->paper);
  json_key(&j, "summarizer");
  json_string(&j, c->summarizer);
  json_key(&j, "author");
  json_string(&j, c->author);
  json_key(&j, "body");
  json_string(&j, c->body);
  json_key(&j, "message_id");
  json_string(&j, site_message_key(c->message_id, key, sizeof(key))
                      ? c->message_id
                      : key);
  json_key(&j, "created_at");
  json_string(&j, when);
  json_end_object(&j);
  if (ferror(fp)) {
    fclose(fp);
    free(*out);
    *out = NULL;
    *len = 0;
    return SM_ERR_NOMEM;
  }
  if (fclose(fp) != 0 || !*out) {
    free(*out);
    *out = NULL;
    *len = 0;
    return SM_ERR_NOMEM;
  }
  /* The body is bounded where the comment came in; this bound keeps a
   * store edited by hand from making us post megabytes. */
  if (*len > SITE_BODY_MAX) {
    free(*out);
    *out = NULL;
    *len = 0;
    return SM_ERR_LIMIT;
  }
  return SM_OK;
}

const char *
site_link_user(const char *link)
{
  const char *h = link ? strrchr(link, '#') : NULL;
  size_t n;

  if (!h)
    return NULL;
  h++;
  n = strlen(h);
  if (n == 0 || n > 255)
    return NULL;
  for (const char *p = h; *p; p++)
    if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
      return NULL;
  return h;
}

const char *
site_link_paper(const char *link, char *out, size_t outlen)
{
  const char *q = link ? strchr(link, '?') : NULL, *p;
  size_t n = 0;

  while (q) {
    q++;
    if (!strncmp(q, "bibtexKey=", 10))
      break;
    q = strchr(q, '&');
  }
  if (!q)
    return NULL;
  for (p = q + 10; *p && *p != '&' && *p != '#'; p++) {
    if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
        n + 1 >= outlen)
      return NULL;
    out[n++] = *p;
  }
  if (n == 0)
    return NULL;
  out[n] = '\0';
  return out;
}

int64_t
site_backoff(long n)
{
  int64_t d = SITE_RETRY_BASE;

  for (long i = 1; i < n && d < SITE_RETRY_MAX; i++)
    d *= 2;
  return d < SITE_RETRY_MAX ? d : SITE_RETRY_MAX;
}

/* Whether an HTTP answer means "not now" rather than "never". */
static int
status_transient(long code)
{
  return code == 408 || code == 409 || code == 425 || code == 429 ||
         code >= 500;
}

/* Appends to err what the site said with a refusal (an API explains
 * itself in its body), on one line and in printable ASCII: it ends up
 * in a terminal and a log. */
static void
add_answer(char *err, size_t errlen, const struct buf *body)
{
  size_t n = strlen(err), k = 0;
  const char *p = buf_str(body);
  int space = 0;

  if (!body->len || n + 4 >= errlen)
    return;
  err[n++] = ':';
  err[n++] = ' ';
  for (size_t i = 0; i < body->len && k < 200 && n + 4 < errlen; i++) {
    unsigned char ch = (unsigned char)p[i];

    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
      space = k > 0;
      continue;
    }
    if (space) {
      err[n++] = ' ';
      space = 0;
    }
    err[n++] = ch >= 0x21 && ch <= 0x7E ? (char)ch : '?';
    k++;
  }
  err[n] = '\0';
}

enum sm_status
site_post(const struct site_opts *o, const struct site_comment *c,
          enum site_outcome *outcome, long *http_status, char *err,
          size_t errlen)
{
  struct http_opts ho;
  struct http_response resp;
  char key[HTTP_HEADER_MAX], idem[HTTP_HEADER_MAX + 32];
  char *auth = NULL, *body = NULL;
  const char *headers[4];
  size_t len = 0, nh = 0, alen;
  enum sm_status st;

  memset(&resp, 0, sizeof(resp));
  *outcome = SITE_FAILED;
  *http_status = 0;
  err[0] = '\0';
  if (site_message_key(c->message_id, key, sizeof(key))) {
    /* Without a key the site could not recognise a repeat. */
    snprintf(err, errlen,
             "the Message-ID cannot go into an Idempotency-Key header");
    return SM_OK;
  }
  st = site_comment_json(c, &body, &len);
  if (st == SM_ERR_LIMIT) {
    snprintf(err, errlen, "the comment is larger than %d bytes as JSON",
             SITE_BODY_MAX);
    return SM_OK;
  }
  if (st != SM_OK) {
    snprintf(err, errlen, "%s: out of memory", o->api_url);
    return st;
  }
  if (o->token) {
    alen = strlen(o->token) + sizeof("Authorization: Bearer ");
    auth = malloc(alen);
    if (!auth) {
      snprintf(err, errlen, "%s: out of memory", o->api_url);
      st = SM_ERR_NOMEM;
      goto done;
    }
    snprintf(auth, alen, "Authorization: Bearer %s", o->token);
    headers[nh++] = auth;
  }
  snprintf(idem, sizeof(idem), "Idempotency-Key: %s", key);
  headers[nh++] = idem;
  headers[nh++] = "Accept: application/json";
  headers[nh] = NULL;

  memset(&ho, 0, sizeof(ho));
  ho.timeout = o->timeout;
  ho.connect_timeout = o->timeout;
  ho.max_size = SITE_ANSWER_MAX;
  ho.retries = o->retries;
  ho.site = o->site_url;
  ho.headers = headers;
  st = http_post(o->api_url, &ho, "application/json", body, len, &resp, err,
                 errlen);
  *http_status = resp.status;
  /* The status line decides: a 2xx whose body was cut short by our
   * limit is still the site saying it took the comment. */
  if (resp.status >= 200 && resp.status < 300) {
    *outcome = SITE_POSTED;
    err[0] = '\0';
    st = SM_OK;
    goto done;
  }
  switch (st) {
  case SM_OK:
    /* A 1xx or 304 to a POST: nothing we can call success. */
    snprintf(err, errlen, "%s: unexpected HTTP %ld", o->api_url, resp.status);
    *outcome = SITE_FAILED;
    break;
  case SM_ERR_USAGE:
  case SM_ERR_NOMEM:
    /* A bad api_url fails every comment alike: not this one's fault. */
    goto done;
  default:
    if (resp.status && !status_transient(resp.status)) {
      *outcome = SITE_FAILED;
      add_answer(err, errlen, &resp.body);
    } else {
      *outcome = SITE_PENDING;
    }
    st = SM_OK;
    break;
  }

done:
  if (auth) {
    memset(auth, 0, strlen(auth));
    free(auth);
  }
  free(body);
  http_response_free(&resp);
  return st;
}

enum sm_status
site_run(struct store *st, const struct site_opts *o, const char *owner,
         site_report_fn report, void *ctx, struct site_run_stats *stats,
         char *err, size_t errlen)
{
  /* Long enough for every attempt of one request and its backoff: a
   * claim that runs out while we still post would let another run
   * post the same comment at the same time. */
  int64_t lease = (o->timeout + 8) * (o->retries + 1) + 60;
  enum sm_status rc = SM_OK;

  memset(stats, 0, sizeof(*stats));
  err[0] = '\0';
  for (;;) {
    struct store_post p;
    struct site_comment c;
    char paper[256];
    struct site_report r;
    enum site_outcome out = SITE_FAILED;
    char why[SM_ERRLEN];
    long code = 0;
    int64_t now = util_now(), next = 0;

    rc = store_post_claim(st, owner, now, lease, &p);
    if (rc == SM_ERR_NOTFOUND) {
      rc = SM_OK;
      break;
    }
    if (rc != SM_OK) {
      snprintf(err, errlen, "%s", store_errmsg(st));
      break;
    }
    why[0] = '\0';
    if (!p.author) {
      /* The reader was removed (forgotten) after writing: posting in
       * no one's name is for an operator to decide. */
      snprintf(why, sizeof(why),
               "the reader who wrote it is no longer in "
               "the store");
    } else {
      memset(&c, 0, sizeof(c));
      c.summary = p.summary_ref;
      c.paper = p.bibtex_key
                    ? p.bibtex_key
                    : site_link_paper(p.summary_link, paper, sizeof(paper));
      c.summarizer = site_link_user(p.summary_link);
      c.author = p.author;
      c.body = p.body;
      c.message_id = p.message_id;
      c.created_at = p.created_at;
      rc = site_post(o, &c, &out, &code, why, sizeof(why));
      if (rc != SM_OK) {
        snprintf(err, errlen, "%s", why);
        store_post_unclaim(st, p.id, owner);
        store_post_free(&p);
        break;
      }
    }
    now = util_now();
    if (out == SITE_PENDING)
      next = now + site_backoff(p.attempts + 1);
    rc = store_post_record(st, p.id, owner,
                           out == SITE_POSTED    ? STORE_POST_POSTED
                           : out == SITE_PENDING ? STORE_POST_PENDING
                                                 : STORE_POST_FAILED,
                           out == SITE_POSTED ? NULL : why, now, next);
    if (rc == SM_ERR_NOTFOUND) {
      /* Our lease ran out and another run took the comment over; what
       * it records stands (and the key makes a double post one). */
      log_warning("comment %lld (%s): the claim ran out while posting; "
                  "another run has it",
                  (long long)p.id, p.message_id);
      rc = SM_OK;
    } else if (rc != SM_OK) {
      /* The site may have it but we could not say so: the next run
       * posts it again with the same key (see site.h). */
      snprintf(err, errlen, "%s", store_errmsg(st));
      store_post_free(&p);
      break;
    }
    memset(&r, 0, sizeof(r));
    r.id = p.id;
    r.message_id = p.message_id;
    r.outcome = out;
    r.attempts = p.attempts + 1;
    r.http_status = code;
    r.error = out == SITE_POSTED ? NULL : why;
    r.next_attempt = next;
    if (out == SITE_POSTED)
      stats->posted++;
    else if (out == SITE_PENDING)
      stats->pending++;
    else
      stats->failed++;
    if (report)
      report(ctx, &r);
    store_post_free(&p);
    if (out == SITE_PENDING) {
      stats->stopped = 1;
      break;
    }
  }
  return rc;
}
