/* web.c: the web endpoint (see web.h): libmicrohttpd plumbing, routing,
 * and the unsubscribe, confirm and keyword pages. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "form.h"
#include "log.h"
#include "sub.h"
#include "util.h"
#include "web.h"

/* Every answer carries these. The pages have no script, no inline style
 * and no images: the one style sheet is ours, forms post only back to
 * us, and no other site may frame a page with a button on it. */
static const char web_csp[] =
    "default-src 'none'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

#define HTML_TYPE "text/html; charset=utf-8"

/* The page of last resort, when a template itself failed. */
static const char web_fallback[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>Error</title></head><body><main><h1>Something went wrong"
    "</h1><p>Please try again later.</p></main></body></html>\n";

void
web_response_init(struct web_response *r)
{
  r->status = 500;
  r->content_type = HTML_TYPE;
  r->allow = NULL;
  buf_init(&r->body, WEB_MAX_PAGE);
}

void
web_response_free(struct web_response *r)
{
  buf_free(&r->body);
}

/* ---- pages ----------------------------------------------------------- */

/* One request on its way through web_handle. */
struct web_req {
  const struct env *env;
  struct env se;
  int post; /* POST; otherwise GET or HEAD, which change nothing */
  const char *token;
  size_t tokenlen;
  struct form form;
  struct web_response *resp;
  int commit; /* the POST changed the store */
};

static void
fallback(struct web_response *r)
{
  buf_reset(&r->body);
  r->status = 500;
  r->content_type = HTML_TYPE;
  /* Without memory even for this, the 500 goes out with no body. */
  if (buf_puts(&r->body, web_fallback) != SM_OK)
    buf_reset(&r->body);
}

/* Renders template `name` with ctx (freed here) as the answer. */
static enum sm_status
page(const struct env *env, struct web_response *r, int status,
     const char *name, struct tmpl_value *ctx)
{
  char err[SM_ERRLEN];
  enum sm_status rc = ctx ? SM_OK : SM_ERR_NOMEM;

  buf_reset(&r->body);
  if (rc == SM_OK)
    rc = tmpl_set_render(env->tmpl, name, ctx, 0, &r->body, err, sizeof(err));
  tmpl_value_free(ctx);
  if (rc != SM_OK) {
    if (rc != SM_ERR_NOMEM)
      log_error("%s", err);
    fallback(r);
    return rc;
  }
  r->status = status;
  r->content_type = HTML_TYPE;
  return SM_OK;
}

/* What every page knows: list_name, list_address, request_address,
 * site_url. A new map or NULL. */
static struct tmpl_value *
base_context(const struct env *env)
{
  return sub_base_context(env);
}

/* The error page, web-error.html, with the section `kind` true: one of
 * bad_link, not_found, bad_method, too_large, bad_request, unavailable,
 * internal. `detail` (may be NULL) says more for bad_request. The bad
 * link page depends on nothing but the configuration: that is what makes
 * every failed token look alike. */
static enum sm_status
error_page(const struct env *env, struct web_response *r, int status,
           const char *kind, const char *detail)
{
  struct tmpl_value *ctx = base_context(env);

  if (ctx && (tmpl_map_set_bool(ctx, kind, 1) != SM_OK ||
              (detail && tmpl_map_set_str(ctx, "detail", detail) != SM_OK))) {
    tmpl_value_free(ctx);
    ctx = NULL;
  }
  return page(env, r, status, "web-error.html", ctx);
}

static enum sm_status
bad_link(struct web_req *q)
{
  return error_page(q->env, q->resp, 404, "bad_link", NULL);
}

/* Checks the request's token for `purpose` and loads its reader. *ok is
 * 0 when the link is bad (for whatever reason: the caller answers with
 * the one bad-link page); s is then untouched. */
static enum sm_status
load_reader(struct web_req *q, enum token_purpose purpose,
            struct store_subscriber *s, int *ok)
{
  enum token_reason why = TOKEN_MALFORMED;
  int64_t sub = 0;
  enum sm_status rc;

  *ok = 0;
  rc = token_verify(q->env->secret, purpose, q->token, q->tokenlen, q->se.now,
                    &sub, NULL, NULL, &why);
  if (rc == SM_ERR_DATA) {
    log_info("web: %s link refused: %s", token_purpose_name(purpose),
             token_reason_str(why));
    return SM_OK;
  }
  if (rc != SM_OK)
    return rc;
  rc = store_sub_get_id(q->env->st, sub, s);
  if (rc == SM_ERR_NOTFOUND) {
    log_info("web: %s link for reader %lld, since erased",
             token_purpose_name(purpose), (long long)sub);
    return SM_OK;
  }
  if (rc == SM_OK)
    *ok = 1;
  return rc;
}

/* The base context with the reader's address and status flags, and
 * `flag` (NULL for none) set: which state of the page to show. */
static struct tmpl_value *
reader_context(const struct env *env, const struct store_subscriber *s,
               const char *flag)
{
  struct tmpl_value *ctx = base_context(env);
  int active = s->status == MODEL_CONFIRMED;

  if (ctx &&
      (tmpl_map_set_str(ctx, "address", s->address) != SM_OK ||
       tmpl_map_set_str(ctx, "status", model_status_name(s->status)) !=
           SM_OK ||
       tmpl_map_set_bool(ctx, "subscribed",
                         active || s->status == MODEL_PENDING) != SM_OK ||
       tmpl_map_set_bool(ctx, "confirmed", active) != SM_OK ||
       (flag && tmpl_map_set_bool(ctx, flag, 1) != SM_OK))) {
    tmpl_value_free(ctx);
    return NULL;
  }
  return ctx;
}

/* /u/TOKEN */
static enum sm_status
unsubscribe(struct web_req *q)
{
  struct store_subscriber s;
  const char *v;
  int ok = 0, changed = 0;
  enum sm_status rc;

  if (q->post) {
    /* RFC 8058: the POST says exactly this; anything else is not a
     * one-click unsubscription (and the page's button sends it too). */
    v = form_get(&q->form, "List-Unsubscribe");
    if (!v || strcmp(v, "One-Click"))
      return error_page(q->env, q->resp, 400, "bad_request",
                        "The request did not say List-Unsubscribe=One-Click.");
  }
  rc = load_reader(q, TOKEN_UNSUBSCRIBE, &s, &ok);
  if (rc != SM_OK || !ok)
    return rc != SM_OK ? rc : bad_link(q);
  if (q->post) {
    rc = sub_unsubscribe(&q->se, s.id, "one-click POST", &changed);
    if (rc == SM_OK && changed) {
      q->commit = 1;
      s.status = MODEL_UNSUBSCRIBED;
    }
  }
  if (rc == SM_OK) {
    rc = page(q->env, q->resp, 200, "web-unsubscribe.html",
              reader_context(q->env, &s, q->post ? "done" : "ask"));
  }
  store_subscriber_free(&s);
  return rc;
}

/* /confirm/TOKEN */
static enum sm_status
confirm(struct web_req *q)
{
  struct store_subscriber s;
  struct tmpl_value *ctx;
  enum token_reason why = TOKEN_VALID;
  int64_t sub = 0;
  int ok = 0, now_confirmed = 0, sent = 0;
  enum sm_status rc;

  if (!q->post) {
    rc = load_reader(q, TOKEN_CONFIRM, &s, &ok);
    if (rc != SM_OK || !ok)
      return rc != SM_OK ? rc : bad_link(q);
    /* A reader who left since needs a new request, not this link: the
     * POST would refuse it, so the GET does not offer it. */
    if (s.status != MODEL_PENDING && s.status != MODEL_CONFIRMED) {
      store_subscriber_free(&s);
      return bad_link(q);
    }
    ctx = reader_context(q->env, &s, "ask");
    store_subscriber_free(&s);
    return page(q->env, q->resp, 200, "web-confirm.html", ctx);
  }
  rc = sub_confirm(&q->se, q->token, q->tokenlen, &sub, &now_confirmed, &why);
  if (rc == SM_ERR_DATA) {
    log_info("web: confirm link refused: %s", token_reason_str(why));
    return bad_link(q);
  }
  if (rc != SM_OK)
    return rc;
  rc = store_sub_get_id(q->env->st, sub, &s);
  if (rc != SM_OK)
    return rc;
  if (now_confirmed) {
    char key[TOKEN_MAX_LEN + 32];
    /* The token is single-use, so it names this confirmation: the
     * welcome's Message-ID comes from it. */
    snprintf(key, sizeof(key), "web-confirm:%.*s", (int)q->tokenlen, q->token);
    rc = sub_welcome(&q->se, &s, NULL, key, &sent);
    if (rc == SM_OK) {
      q->commit = 1;
      log_info("%s: confirmed on the web%s", s.address,
               sent ? "; welcome queued" : "");
    }
  }
  if (rc == SM_OK) {
    rc = page(q->env, q->resp, 200, "web-confirm.html",
              reader_context(q->env, &s, now_confirmed ? "done" : "already"));
  }
  store_subscriber_free(&s);
  return rc;
}

/* ---- the keywords page --------------------------------------------- */

/* The keywords the form asks for: each non-empty line of `text` in the
 * keyword language, in canonical form without repeats. *out is a new
 * array of new strings. SM_ERR_DATA with the offending line in err. */
static enum sm_status
wanted_keywords(const char *text, char ***out, size_t *nout, char *err,
                size_t errlen)
{
  size_t line = 0;
  enum sm_status rc = SM_OK;
  const char *p = text;

  *out = NULL;
  *nout = 0;
  while (*p && rc == SM_OK) {
    size_t len = strcspn(p, "\r\n");
    char *l = strndup(p, len), why[SM_ERRLEN / 2];

    line++;
    p += len;
    if (p[0] == '\r' && p[1] == '\n')
      p += 2;
    else if (*p)
      p++;
    if (!l) {
      rc = SM_ERR_NOMEM;
      break;
    }
    rc = sub_keywords_parse(l, out, nout, why, sizeof(why));
    free(l);
    if (rc == SM_ERR_DATA)
      snprintf(err, errlen, "line %zu: %s", line, why);
    else if (rc == SM_ERR_LIMIT) {
      snprintf(err, errlen, "%s", why);
      rc = SM_ERR_DATA;
    }
  }
  if (rc != SM_OK) {
    sub_keywords_free(*out, *nout);
    *out = NULL;
    *nout = 0;
  }
  return rc;
}

static int
has_keyword(char **kw, size_t n, const char *k)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(kw[i], k))
      return 1;
  return 0;
}

/* Applies the form to reader s: keywords, frequency, pause. An account
 * of what changed goes to msg; a form that cannot be applied changes
 * nothing and sets err. */
static enum sm_status
apply_keywords(struct web_req *q, const struct store_subscriber *s,
               struct buf *msg, char *err, size_t errlen)
{
  const char *text = form_get(&q->form, "keywords");
  const char *freq = form_get(&q->form, "frequency");
  int fq = freq ? model_frequency_parse(freq) : -1;
  int paused = form_get(&q->form, "paused") != NULL;
  char **want = NULL, **have = NULL;
  size_t nwant = 0, nhave = 0;
  struct buf add = BUF_INIT(64 * 1024), del = BUF_INIT(64 * 1024);
  enum sm_status rc = SM_OK;

  if (freq && fq < 0) {
    snprintf(err, errlen, "frequency must be weekly or daily");
    return SM_ERR_DATA;
  }
  if (text) {
    rc = wanted_keywords(text, &want, &nwant, err, errlen);
    if (rc == SM_OK)
      rc = store_interests(q->env->st, s->id, &have, &nhave);
    /* Canonical forms read back as themselves, so each side is one
     * line in the keyword language, as a mail command would give it. */
    for (size_t i = 0; rc == SM_OK && i < nhave; i++)
      if (!has_keyword(want, nwant, have[i]))
        rc = buf_printf(&del, "%s%s", del.len ? " " : "", have[i]);
    for (size_t i = 0; rc == SM_OK && i < nwant; i++)
      if (!has_keyword(have, nhave, want[i]))
        rc = buf_printf(&add, "%s%s", add.len ? " " : "", want[i]);
    if (rc == SM_OK && del.len)
      rc = sub_del_keywords(&q->se, s->id, buf_str(&del), msg);
    if (rc == SM_OK && add.len)
      rc = sub_add_keywords(&q->se, s->id, buf_str(&add), msg);
  }
  if (rc == SM_OK && fq >= 0 && (enum model_frequency)fq != s->frequency) {
    rc = store_sub_set_frequency(q->env->st, s->id, (enum model_frequency)fq,
                                 q->se.now);
    if (rc == SM_OK)
      rc =
          buf_printf(msg, "%sdigests now come %s", msg->len ? "; " : "", freq);
  }
  if (rc == SM_OK && paused != s->paused) {
    rc = store_sub_set_paused(q->env->st, s->id, paused, q->se.now);
    if (rc == SM_OK)
      rc = buf_printf(msg, "%sdigests %s", msg->len ? "; " : "",
                      paused ? "paused" : "resumed");
  }
  sub_keywords_free(want, nwant);
  sub_keywords_free(have, nhave);
  buf_free(&add);
  buf_free(&del);
  return rc;
}

/* /k/TOKEN */
static enum sm_status
keywords(struct web_req *q)
{
  struct store_subscriber s, now;
  struct buf msg = BUF_INIT(16 * 1024), text = BUF_INIT(64 * 1024);
  struct tmpl_value *ctx = NULL;
  char err[SM_ERRLEN] = "";
  char **kw = NULL;
  size_t nkw = 0;
  int ok = 0, status = 200, have_now = 0;
  enum sm_status rc;

  rc = load_reader(q, TOKEN_KEYWORDS, &s, &ok);
  if (rc != SM_OK || !ok)
    return rc != SM_OK ? rc : bad_link(q);
  if (q->post) {
    rc = apply_keywords(q, &s, &msg, err, sizeof(err));
    if (rc == SM_ERR_DATA) {
      status = 400;
      rc = SM_OK;
    } else if (rc == SM_OK)
      q->commit = 1;
  }
  /* The page shows the store as it is now (after a POST, with what was
   * applied), except after a refused form, which is shown back as sent
   * so that the reader can fix it. */
  if (rc == SM_OK)
    rc = store_sub_get_id(q->env->st, s.id, &now);
  if (rc == SM_OK)
    have_now = 1;
  if (rc == SM_OK && *err && form_get(&q->form, "keywords"))
    rc = buf_puts(&text, form_get(&q->form, "keywords"));
  else if (rc == SM_OK) {
    rc = store_interests(q->env->st, s.id, &kw, &nkw);
    for (size_t i = 0; rc == SM_OK && i < nkw; i++)
      rc = buf_printf(&text, "%s\n", kw[i]);
  }
  if (rc == SM_OK) {
    ctx = reader_context(q->env, &now, NULL);
    if (!ctx || tmpl_map_set_str(ctx, "keywords_text", buf_str(&text)) ||
        tmpl_map_set_bool(ctx, "weekly", now.frequency == MODEL_WEEKLY) ||
        tmpl_map_set_bool(ctx, "daily", now.frequency == MODEL_DAILY) ||
        tmpl_map_set_bool(ctx, "paused", now.paused) ||
        tmpl_map_set_int(ctx, "max_keywords", SUB_MAX_INTERESTS) ||
        (*err && tmpl_map_set_str(ctx, "error", err)) ||
        (q->post && !*err &&
         tmpl_map_set_str(ctx, "message",
                          msg.len ? buf_str(&msg) : "Nothing changed."))) {
      tmpl_value_free(ctx);
      ctx = NULL;
    }
    rc = page(q->env, q->resp, status, "web-keywords.html", ctx);
  }
  sub_keywords_free(kw, nkw);
  if (have_now)
    store_subscriber_free(&now);
  store_subscriber_free(&s);
  buf_free(&msg);
  buf_free(&text);
  return rc;
}

/* ---- routing --------------------------------------------------------- */

enum web_route {
  ROUTE_NONE,
  ROUTE_UNSUB,
  ROUTE_CONFIRM,
  ROUTE_KEYWORDS,
  ROUTE_CSS
};

/* Which page `path` asks for; *token is the rest after the prefix. */
static enum web_route
route(const char *path, const char **token, size_t *tokenlen)
{
  static const struct {
    const char *prefix;
    enum web_route r;
  } routes[] = {{"/u/", ROUTE_UNSUB},
                {"/confirm/", ROUTE_CONFIRM},
                {"/k/", ROUTE_KEYWORDS}};

  if (!strcmp(path, "/web.css"))
    return ROUTE_CSS;
  for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
    size_t n = strlen(routes[i].prefix);
    if (!strncmp(path, routes[i].prefix, n) && !strchr(path + n, '/')) {
      *token = path + n;
      *tokenlen = strlen(path + n);
      return routes[i].r;
    }
  }
  return ROUTE_NONE;
}

enum sm_status
web_handle(const struct env *env, const char *method, const char *path,
           const char *content_type, const char *body, size_t len,
           struct web_response *resp)
{
  struct web_req q;
  enum web_route r;
  char err[SM_ERRLEN];
  int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
  enum sm_status rc;

  memset(&q, 0, sizeof(q));
  q.env = env;
  q.resp = resp;
  q.post = !strcmp(method, "POST");
  r = route(path, &q.token, &q.tokenlen);
  if (r == ROUTE_NONE)
    return error_page(env, resp, 404, "not_found", NULL);
  if (r == ROUTE_CSS) {
    if (!get) {
      resp->allow = "GET, HEAD";
      return error_page(env, resp, 405, "bad_method", NULL);
    }
    buf_reset(&resp->body);
    rc = tmpl_set_render(env->tmpl, "web.css", NULL, TMPL_TEXT, &resp->body,
                         err, sizeof(err));
    if (rc != SM_OK) {
      log_error("%s", err);
      fallback(resp);
      return rc;
    }
    resp->status = 200;
    resp->content_type = "text/css; charset=utf-8";
    return SM_OK;
  }
  if (!get && !q.post) {
    resp->allow = "GET, HEAD, POST";
    return error_page(env, resp, 405, "bad_method", NULL);
  }
  /* A confirmation's button needs no fields, so its POST may come
   * without a body; every other POST is a form. */
  if (q.post && (len || content_type || r != ROUTE_CONFIRM)) {
    rc = form_parse(content_type, body, len, &q.form, err, sizeof(err));
    if (rc == SM_ERR_NOMEM) {
      fallback(resp);
      return rc;
    }
    if (rc != SM_OK) {
      log_info("web: POST %s: %s", r == ROUTE_UNSUB ? "/u/" : "form", err);
      return error_page(env, resp, rc == SM_ERR_PROTOCOL ? 415 : 400,
                        "bad_request", err);
    }
  }
  /* The server's environment at the time of this request. */
  q.se = *env;
  q.se.now = util_now();
  /* Every page reads the reader and a POST may write: one IMMEDIATE
   * transaction, so that what the page shows is what was done. */
  rc = store_begin(env->st);
  if (rc == SM_OK) {
    if (r == ROUTE_UNSUB)
      rc = unsubscribe(&q);
    else if (r == ROUTE_CONFIRM)
      rc = confirm(&q);
    else
      rc = keywords(&q);
    if (rc == SM_OK && q.commit && q.post)
      rc = store_commit(env->st);
    else
      store_rollback(env->st);
  }
  form_free(&q.form);
  if (rc != SM_OK) {
    const char *kind = rc == SM_ERR_TEMP ? "unavailable" : "internal";
    log_error("web: %s %s: %s: %s", method,
              r == ROUTE_UNSUB     ? "/u/"
              : r == ROUTE_CONFIRM ? "/confirm/"
                                   : "/k/",
              sm_strerror(rc), store_errmsg(env->st));
    error_page(env, resp, rc == SM_ERR_TEMP ? 503 : 500, kind, NULL);
  }
  return rc;
}

/* ---- libmicrohttpd --------------------------------------------------- */

/* A connection, watched for its deadlines (see web_sweep). */
struct web_track {
  int fd;        /* the library's socket: shut down, never closed here */
  double since;  /* when the current request began (or the connection) */
  int head_done; /* its head was read */
  int cut;       /* shut down already */
  struct web_track *prev, *next;
};

struct web {
  struct MHD_Daemon *daemon;
  const struct env *env;
  struct sockaddr_storage addr;
  /* The connections, for the sweeper thread: the library's idle timeout
   * cannot stop a client that sends a byte every few seconds. */
  pthread_mutex_t lock;
  struct web_track *tracks;
  pthread_t sweeper;
  int sweeping, stopping;
};

static double
web_clock(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The connection's track (NOTIFY_CONNECTION made it), or NULL. */
static struct web_track *
track_of(struct MHD_Connection *c)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

  return ci ? ci->socket_context : NULL;
}

/* Marks where the connection's request is: head read, or a request
 * over (the next one on a kept-alive connection starts its clocks). */
static void
track_mark(struct web *w, struct MHD_Connection *c, int head_done)
{
  struct web_track *t = track_of(c);

  if (!t)
    return;
  pthread_mutex_lock(&w->lock);
  if (!head_done)
    t->since = web_clock();
  t->head_done = head_done;
  pthread_mutex_unlock(&w->lock);
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
              enum MHD_ConnectionNotificationCode code)
{
  struct web *w = cls;
  struct web_track *t = *socket_context;

  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    t = calloc(1, sizeof(*t));
    if (!t || !ci) {
      free(t);
      return; /* untracked: only the idle timeout applies */
    }
    t->fd = ci->connect_fd;
    t->since = web_clock();
    pthread_mutex_lock(&w->lock);
    t->next = w->tracks;
    if (w->tracks)
      w->tracks->prev = t;
    w->tracks = t;
    pthread_mutex_unlock(&w->lock);
    *socket_context = t;
    return;
  }
  if (code == MHD_CONNECTION_NOTIFY_CLOSED && t) {
    pthread_mutex_lock(&w->lock);
    if (t->prev)
      t->prev->next = t->next;
    else
      w->tracks = t->next;
    if (t->next)
      t->next->prev = t->prev;
    pthread_mutex_unlock(&w->lock);
    free(t);
    *socket_context = NULL;
  }
}

/* Twice a second, cuts the connections past a deadline: the head of a
 * request within WEB_HEAD_DEADLINE, the whole request within
 * WEB_REQUEST_DEADLINE. shutdown(2) makes the library see the end of
 * the connection and close it itself. */
static void *
web_sweep(void *arg)
{
  struct web *w = arg;

  for (;;) {
    double now;

    usleep(500 * 1000);
    pthread_mutex_lock(&w->lock);
    if (w->stopping) {
      pthread_mutex_unlock(&w->lock);
      break;
    }
    now = web_clock();
    for (struct web_track *t = w->tracks; t; t = t->next) {
      double age = now - t->since;
      if (t->cut || (t->head_done ? age < WEB_REQUEST_DEADLINE
                                  : age < WEB_HEAD_DEADLINE))
        continue;
      shutdown(t->fd, SHUT_RDWR);
      t->cut = 1;
    }
    pthread_mutex_unlock(&w->lock);
  }
  return NULL;
}

/* A connection's request while its body arrives. */
struct web_conn {
  struct buf body; /* bounded by [serve] max_body */
  int too_big;
};

static enum MHD_Result
send_response(struct MHD_Connection *c, struct web_response *r)
{
  struct MHD_Response *m;
  enum MHD_Result ret;

  m = MHD_create_response_from_buffer(r->body.len, (void *)buf_str(&r->body),
                                      MHD_RESPMEM_MUST_COPY);
  if (!m)
    return MHD_NO;
  if (MHD_add_response_header(m, "Content-Type", r->content_type) != MHD_YES ||
      MHD_add_response_header(m, "Content-Security-Policy", web_csp) !=
          MHD_YES ||
      MHD_add_response_header(m, "X-Content-Type-Options", "nosniff") !=
          MHD_YES ||
      MHD_add_response_header(m, "X-Frame-Options", "DENY") != MHD_YES ||
      MHD_add_response_header(m, "Referrer-Policy", "no-referrer") !=
          MHD_YES ||
      MHD_add_response_header(m, "Cache-Control", "no-store") != MHD_YES ||
      (r->status == 503 &&
       MHD_add_response_header(m, "Retry-After", "10") != MHD_YES) ||
      (r->allow && MHD_add_response_header(m, "Allow", r->allow) != MHD_YES)) {
    MHD_destroy_response(m);
    return MHD_NO;
  }
  ret = MHD_queue_response(c, (unsigned)r->status, m);
  MHD_destroy_response(m);
  return ret;
}

static enum MHD_Result
too_large(struct web *w, struct MHD_Connection *c)
{
  struct web_response r;
  enum MHD_Result ret;

  web_response_init(&r);
  error_page(w->env, &r, 413, "too_large", NULL);
  ret = send_response(c, &r);
  web_response_free(&r);
  return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **con_cls)
{
  struct web *w = cls;
  struct web_conn *q = *con_cls;
  size_t max = w->env->conf->serve.max_body;
  struct web_response r;
  enum MHD_Result ret;
  enum sm_status rc;

  (void)version;
  if (!q) {
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    q = calloc(1, sizeof(*q));
    if (!q)
      return MHD_NO;
    buf_init(&q->body, max);
    *con_cls = q;
    track_mark(w, c, 1);
    /* Refused before a byte of it is read (and before "100 Continue"). */
    if (cl && strtoull(cl, NULL, 10) > max) {
      q->too_big = 1;
      return too_large(w, c);
    }
    return MHD_YES;
  }
  if (*upload_size) {
    if (!q->too_big &&
        buf_append(&q->body, upload, *upload_size) == SM_ERR_LIMIT) {
      q->too_big = 1;
      buf_free(&q->body);
    }
    *upload_size = 0;
    /* A chunked body has no length to refuse up front, and the library
     * takes no answer before the body ends: the rest is read and
     * dropped, within WEB_REQUEST_DEADLINE (web_sweep), then 413. */
    return MHD_YES;
  }
  if (q->too_big)
    return too_large(w, c);
  web_response_init(&r);
  rc = web_handle(
      w->env, method, url,
      MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
      q->body.data, q->body.len, &r);
  (void)rc; /* web_handle logged what failed; r is its error page */
  log_debug("web: %s %.3s... %d", method, url, r.status);
  ret = send_response(c, &r);
  web_response_free(&r);
  return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
  struct web_conn *q = *con_cls;

  (void)toe;
  track_mark(cls, c, 0);
  if (q) {
    buf_free(&q->body);
    free(q);
    *con_cls = NULL;
  }
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
  char msg[1024];
  size_t n;

  (void)cls;
  vsnprintf(msg, sizeof(msg), fmt, ap);
  n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
    msg[--n] = '\0';
  log_warning("web: %s", msg);
}

/* Resolves "HOST:PORT" or "[V6]:PORT" into w->addr. */
static enum sm_status
resolve(const char *listen, struct web *w, socklen_t *alen, char *err,
        size_t errlen)
{
  char host[256], port[16];
  const char *colon = strrchr(listen, ':');
  const char *h = listen;
  size_t hlen;
  struct addrinfo hints, *ai = NULL;
  int e;

  if (!colon || !colon[1] || strlen(colon + 1) >= sizeof(port)) {
    snprintf(err, errlen, "[serve] listen: \"%s\" is not ADDRESS:PORT",
             listen);
    return SM_ERR_CONFIG;
  }
  hlen = (size_t)(colon - listen);
  if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
    h++;
    hlen -= 2;
  }
  if (!hlen || hlen >= sizeof(host)) {
    snprintf(err, errlen, "[serve] listen: \"%s\" is not ADDRESS:PORT",
             listen);
    return SM_ERR_CONFIG;
  }
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  snprintf(port, sizeof(port), "%s", colon + 1);
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  e = getaddrinfo(host, port, &hints, &ai);
  if (e) {
    snprintf(err, errlen, "[serve] listen: %s: %s", listen, gai_strerror(e));
    return SM_ERR_CONFIG;
  }
  memcpy(&w->addr, ai->ai_addr, ai->ai_addrlen);
  *alen = ai->ai_addrlen;
  freeaddrinfo(ai);
  return SM_OK;
}

enum sm_status
web_start(const struct env *env, const char *listen, struct web **out,
          char *err, size_t errlen)
{
  struct web *w = calloc(1, sizeof(*w));
  unsigned flags =
      MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
  socklen_t alen = 0;
  enum sm_status rc;

  *out = NULL;
  if (!w)
    return SM_ERR_NOMEM;
  w->env = env;
  pthread_mutex_init(&w->lock, NULL);
  rc = resolve(listen, w, &alen, err, errlen);
  if (rc != SM_OK) {
    free(w);
    return rc;
  }
  if (w->addr.ss_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  /* One internal thread runs every request in turn (no thread per
   * connection): the store handle and the template set are used by that
   * thread alone. Limits bound what a client can hold: connections (all,
   * and per address), idle time, the time for a request head and a
   * whole request (web_sweep), and the memory for the request line and
   * headers (a longer URL or header block is answered 414 or 431 by the
   * library). */
  w->daemon = MHD_start_daemon(
      flags, 0, NULL, NULL, on_request, w, MHD_OPTION_EXTERNAL_LOGGER,
      on_mhd_log, (void *)NULL, MHD_OPTION_SOCK_ADDR,
      (struct sockaddr *)&w->addr, MHD_OPTION_CONNECTION_LIMIT,
      (unsigned)WEB_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
      (unsigned)WEB_TIMEOUT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      (size_t)WEB_MAX_HEAD, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
      (void *)w, MHD_OPTION_NOTIFY_CONNECTION, on_connection, (void *)w,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)WEB_PER_ADDRESS,
      MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
  if (!w->daemon) {
    snprintf(err, errlen, "[serve] listen: cannot listen on %s%s%s", listen,
             errno ? ": " : "", errno ? strerror(errno) : "");
    pthread_mutex_destroy(&w->lock);
    free(w);
    return SM_ERR_NETWORK;
  }
  w->sweeping = pthread_create(&w->sweeper, NULL, web_sweep, w) == 0;
  if (!w->sweeping)
    log_warning("web: no deadline for slow requests: cannot start a thread");
  (void)alen;
  *out = w;
  return SM_OK;
}

void
web_stop(struct web *w)
{
  if (!w)
    return;
  if (w->sweeping) {
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->sweeper, NULL);
  }
  MHD_stop_daemon(w->daemon);
  pthread_mutex_destroy(&w->lock);
  free(w);
}
