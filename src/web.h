/* web.h: the small web endpoint of `shortmail serve`, and the only user
 * of libmicrohttpd. It speaks plain HTTP/1.1 behind the operator's TLS
 * reverse proxy and answers four kinds of URL, each carrying a token
 * (src/token.h) as its only credential:
 *
 *   /u/TOKEN        TOKEN_UNSUBSCRIBE: GET shows one button; POST with
 *                   List-Unsubscribe=One-Click unsubscribes (RFC 8058:
 *                   2xx, no redirect, no cookie)
 *   /confirm/TOKEN  TOKEN_CONFIRM: GET shows one button; POST confirms a
 *                   pending subscription and queues the welcome
 *   /k/TOKEN        TOKEN_KEYWORDS: a form for the reader's keywords,
 *                   frequency and pause; POST applies it
 *   /web.css        the pages' style sheet (templates/web.css), so that
 *                   the Content-Security-Policy can forbid inline style
 *
 * GET and HEAD never change anything. A bad, forged, expired or
 * erased-reader token gets one and the same page (status and bytes), so
 * a page tells nothing about why a link failed. Pages come from the
 * templates web-*.html, rendered with HTML escaping. */
#ifndef SM_WEB_H
#define SM_WEB_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "env.h"
#include "status.h"
#include "store.h"
#include "tmpl.h"
#include "token.h"

#define WEB_MAX_PAGE (256 * 1024) /* bytes of one rendered page */
#define WEB_CONNECTIONS 512       /* connections open at once */
#define WEB_PER_ADDRESS 16        /* of them from one client address */
#define WEB_TIMEOUT 15            /* seconds a connection may idle */
#define WEB_HEAD_DEADLINE 10      /* seconds for a whole request head */
#define WEB_REQUEST_DEADLINE 30   /* seconds for a whole request, body too */
#define WEB_MAX_HEAD (32 * 1024)  /* request line and headers */

/* One answer, before HTTP framing. */
struct web_response {
  int status;               /* 200, 400, 404, 405, 413, 415, 500, 503 */
  const char *content_type; /* static */
  const char *allow;        /* static Allow header for 405, else NULL */
  struct buf body;          /* owned; freed by web_response_free */
};

void web_response_init(struct web_response *r);
void web_response_free(struct web_response *r);

/* Answers one request: routing and the pages, without the HTTP
 * plumbing (so that it can be tested and reasoned about alone). `path`
 * is the decoded path without the query; `body` (len bytes, may be NULL)
 * was already bounded by the caller; `content_type` may be NULL. Each
 * request runs in one write transaction of env->st, committed only by a
 * POST that changed something. Always fills *resp (an error page when
 * something failed); returns what failed, for the log. */
enum sm_status web_handle(const struct env *env, const char *method,
                          const char *path, const char *content_type,
                          const char *body, size_t len,
                          struct web_response *resp);

/* The running server. */
struct web;

/* Starts serving on `listen` ("127.0.0.1:8025", "[::1]:8025",
 * "localhost:8025") in a thread of libmicrohttpd's own, which runs every
 * request one after the other. env must outlive the server. On error err
 * names the address. The caller stops it with web_stop. */
enum sm_status web_start(const struct env *env, const char *listen,
                         struct web **out, char *err, size_t errlen);
/* Stops accepting, waits for the request in progress, frees w. */
void web_stop(struct web *w);

#endif
