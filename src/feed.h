/* feed.h: fetching feeds (through the http module) and parsing them
 * (libxml2): RSS 2.0 as ShortScience publishes it, with its shortscience:
 * namespace, and Atom 1.0. The only module that includes libxml2
 * headers. */
#ifndef SM_FEED_H
#define SM_FEED_H

#include <stddef.h>

#include "buf.h"
#include "http.h"
#include "model.h"
#include "status.h"

/* Limits and identity for one fetch. */
struct feed_fetch_opts {
  long timeout;         /* seconds for the whole transfer */
  long connect_timeout; /* seconds */
  size_t max_size;      /* bytes of body after decompression */
  long max_redirects;
  long retries;              /* extra attempts after a 5xx or a timeout */
  const char *etag;          /* from the last fetch, or NULL */
  const char *last_modified; /* from the last fetch, or NULL */
  const char *site; /* named in the User-Agent "shortmail/VERSION (+SITE)",
                       or NULL; not copied */
};

/* What the fetch got: the HTTP response as the http module gives it
 * (status 0 for file://; the body, the new validators to remember, the
 * content type and the URL after redirects, all owned), and whether it
 * was a 304 (the body is then empty: nothing to do). */
struct feed_response {
  struct http_response http;
  int not_modified;
};

/* Process-wide setup of libxml2; call once from main (libcurl's is
 * http_global_init). */
void feed_global_init(void);
void feed_global_cleanup(void);

/* Fetches url (http, https, file). Errors name the URL and HTTP status in
 * err. The response is filled on SM_OK only; the caller frees it with
 * feed_response_free. 5xx, 429, timeouts and failed connections are
 * retried o->retries times with exponential backoff (base 1 s, or
 * SHORTMAIL_RETRY_DELAY_MS milliseconds). Over http(s), a Content-Type
 * that is not XML fails with SM_ERR_DATA. Statuses: SM_ERR_NETWORK
 * (transient: timeouts, refused, 5xx, 429), SM_ERR_NOINPUT (404, 410, no
 * such file), SM_ERR_PROTOCOL (other 4xx, too many redirects, redirect
 * to a protocol not allowed), SM_ERR_LIMIT (body over o->max_size),
 * SM_ERR_DATA (wrong content type), SM_ERR_USAGE (not an http, https or
 * file URL). */
enum sm_status feed_fetch(const char *url, const struct feed_fetch_opts *o,
                          struct feed_response *resp, char *err,
                          size_t errlen);
void feed_response_free(struct feed_response *resp);

/* Called for an item that is skipped, with a message naming it. */
typedef void (*feed_warn_fn)(void *ctx, const char *msg);

struct feed_parsed {
  struct model_summary *items; /* owned */
  size_t nitems;
  size_t nskipped; /* bad items left out, each reported through warn */
  char *title;     /* the channel's or feed's title, or NULL */
};

/* Parses an RSS 2.0 or Atom document held in memory. No network, no
 * external entities, no entity expansion. A document that is not
 * well-formed, not RSS or Atom, not UTF-8, or holds no item at all fails
 * with SM_ERR_DATA and a message; one bad item is skipped with a warning
 * and the rest kept. `base` labels messages (the URL). */
enum sm_status feed_parse(const char *data, size_t len, const char *base,
                          feed_warn_fn warn, void *warn_ctx,
                          struct feed_parsed *out, char *err, size_t errlen);
void feed_parsed_free(struct feed_parsed *p);

/* Limits of the parser (exposed for tests). */
#define FEED_MAX_ITEMS 200000
#define FEED_MAX_TEXT (1024 * 1024) /* a description or any other field */
#define FEED_MAX_KEYWORDS 64

#endif
