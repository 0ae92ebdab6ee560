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
  int atom;        /* 1 for an Atom feed, 0 for RSS */
};

/* How to parse. Nothing is copied. */
struct feed_parse_opts {
  const char *base;     /* labels messages (the URL); NULL: "feed" */
  const char *site_url; /* [site] url: its namespace, in either scheme and
                           with or without a trailing slash, is read as
                           the shortscience: one (the site writes its
                           base URL there); NULL: only FEED_NS_SS */
  int allow_empty;      /* a document with no items is no error (arXiv
                           answers an id it does not know so) */
  feed_warn_fn warn;    /* skipped items, ignored fields, unknown
                           namespaces (once each per parse); may be NULL */
  void *warn_ctx;
};

/* Parses an RSS 2.0 or Atom document held in memory. No network, no
 * external entities, no entity expansion. A document that is not
 * well-formed, not RSS or Atom, not UTF-8, or holds no item at all fails
 * with SM_ERR_DATA and a message; one bad item is skipped with a warning
 * and the rest kept. A UTF-8 sequence split just before "..." (the site
 * cuts its texts at a byte count) is dropped, not refused.
 *
 * An RSS description that ends in "..." after FEED_SITE_CUT bytes or a
 * little fewer is taken as the site's excerpt (model_summary.excerpt):
 * its "..." and any formula, code span or link the cut left open are
 * removed and it ends in U+2026 (see feed_excerpt). */
enum sm_status feed_parse(const char *data, size_t len,
                          const struct feed_parse_opts *o,
                          struct feed_parsed *out, char *err, size_t errlen);
void feed_parsed_free(struct feed_parsed *p);

/* The bare arXiv id s is ("arXiv:1512.03385v2" gives "1512.03385",
 * "hep-th/9901001v1" gives "hep-th/9901001"): a new string (the caller
 * frees), or NULL when s is not an arXiv id or out of memory. */
char *feed_arxiv_id(const char *s);

/* Limits of the parser (exposed for tests). */
#define FEED_MAX_ITEMS 200000
#define FEED_MAX_TEXT (1024 * 1024) /* a description or any other field */
#define FEED_MAX_KEYWORDS 64
/* The namespace documented for the site's own elements, read whatever
 * [site] url is. */
#define FEED_NS_SS "https://www.shortscience.org/ns/1.0"
/* The site cuts the text of /rss.xml and /rss-all.xml at this many bytes
 * and appends "..."; a cut text is at most this long and at least
 * FEED_SITE_CUT - FEED_SITE_CUT_SLACK (line ends folded by XML, blank
 * lines trimmed, a split character dropped). */
#define FEED_SITE_CUT 500
#define FEED_SITE_CUT_SLACK 100

/* The excerpt made of the site's cut text s[0..len) (without its
 * "..."): any formula ($, $$), code span, \cite or link ([text](, ![)
 * the cut left open is dropped with what follows it, then trailing white
 * space, and U+2026 is appended. A new string (the caller frees), or NULL
 * when out of memory. Exposed for tests. */
char *feed_excerpt(const char *s, size_t len);

#endif
