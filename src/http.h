/* http.h: the HTTP client (libcurl): GET of feeds, with conditional
 * headers, compression, bounded size, redirects, time limits and retries;
 * POST of a JSON body to the site's API. The only module that includes
 * curl headers; feed (fetching) and site (posting comments) go through it.
 *
 * Every failure message names the URL and, for an HTTP answer, the
 * status and reason ("URL: HTTP 503 Service Unavailable after 3
 * attempts"). */
#ifndef SM_HTTP_H
#define SM_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "status.h"

/* The longest response header value kept (ETag, Last-Modified), and the
 * longest request header line sent. */
#define HTTP_HEADER_MAX 1024

/* Limits and identity for one request. Nothing is copied. */
struct http_opts {
  long timeout;         /* seconds for the whole transfer */
  long connect_timeout; /* seconds */
  size_t max_size;      /* bytes of response body after decompression */
  long max_redirects;   /* 0: a 3xx is the answer */
  long retries;         /* extra attempts after a 5xx, 429, timeout or a
                           failed connection */
  int allow_file;       /* file:// URLs too (feeds); never by redirect */
  const char *site;     /* named in the User-Agent "shortmail/VERSION
                           (+SITE)", or NULL */
  /* Extra request header lines "Name: value", NULL-terminated, or NULL.
   * A line with a control or non-ASCII byte fails with SM_ERR_USAGE: a
   * value from outside must not split the request. */
  const char *const *headers;
};

struct http_response {
  long status;         /* the last HTTP status; 0 for file:// or when
                          no answer came */
  struct buf body;     /* owned; bounded by max_size */
  char *etag;          /* of the last response of a redirect chain, or
                          NULL; owned */
  char *last_modified; /* owned, or NULL */
  char *content_type;  /* owned, or NULL */
  char *effective_url; /* after redirects; owned, or NULL */
  char reason[64];     /* "Service Unavailable", may be empty */
};

/* Process-wide setup of libcurl (curl_global_init is not thread-safe:
 * main calls this once, before anything else runs). */
void http_global_init(void);
void http_global_cleanup(void);

/* GET url (http, https; file when o->allow_file). resp is always
 * initialised and the caller frees it with http_response_free, whatever
 * the result: on an HTTP error status, resp->status, reason and body hold
 * the answer. 5xx, 429, timeouts and failed connections are retried
 * o->retries times with exponential backoff (base 1 s, or
 * SHORTMAIL_RETRY_DELAY_MS milliseconds). A 304 is SM_OK. Statuses:
 * SM_ERR_NETWORK (transient: timeouts, refused, 5xx, 429; also TLS
 * failures), SM_ERR_NOINPUT (404, 410, no such file), SM_ERR_PROTOCOL
 * (other 4xx and 3xx not followed, too many redirects, redirect to a
 * protocol not allowed), SM_ERR_LIMIT (body over o->max_size),
 * SM_ERR_USAGE (not a URL of an allowed scheme, a bad header line),
 * SM_ERR_NOMEM. err names the URL. */
enum sm_status http_get(const char *url, const struct http_opts *o,
                        struct http_response *resp, char *err, size_t errlen);

/* POST body (len bytes, sent as it is) to url (http or https) with the
 * given Content-Type and o->headers. Redirects are not followed whatever
 * o->max_redirects says: a POST must not turn into a GET elsewhere.
 * Retries, statuses and resp as http_get; a retry sends the same request
 * again, so only use retries where the server recognises a repeat (an
 * Idempotency-Key). */
enum sm_status http_post(const char *url, const struct http_opts *o,
                         const char *content_type, const char *body,
                         size_t len, struct http_response *resp, char *err,
                         size_t errlen);

/* Frees what resp holds; safe on a zeroed or freed response. */
void http_response_free(struct http_response *resp);

/* Whether s may be sent as a header value: printable ASCII only, 1 to
 * HTTP_HEADER_MAX bytes. */
int http_header_safe(const char *s);

#endif
