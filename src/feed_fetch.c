/* feed_fetch.c: getting a feed's bytes through the http module (http,
 * https and file URLs, conditional GET, compression, bounded size,
 * redirects and time, retries with backoff), and checking over HTTP that
 * what came is a feed. Every failure message names the URL and, for
 * HTTP, the status. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

#include "ascii.h"
#include "buf.h"
#include "feed.h"
#include "http.h"

void
feed_global_init(void)
{
  xmlInitParser();
}

void
feed_global_cleanup(void)
{
  xmlCleanupParser();
}

void
feed_response_free(struct feed_response *resp)
{
  if (!resp)
    return;
  http_response_free(&resp->http);
  resp->not_modified = 0;
}

static int
has_scheme(const char *url, const char *scheme)
{
  size_t n = strlen(scheme);

  return !strncasecmp(url, scheme, n) && !strncmp(url + n, "://", 3);
}

/* Whether the body begins like an XML document rather than HTML. */
static int
looks_like_xml(const struct buf *body)
{
  const char *p = buf_str(body), *end = p + body->len;

  if (body->len >= 2 &&
      (!memcmp(p, "\xFE\xFF", 2) || !memcmp(p, "\xFF\xFE", 2)))
    return 1; /* UTF-16: let the parser decide */
  if (body->len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
    p += 3;
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    p++;
  if (p >= end || *p != '<')
    return 0;
  if ((size_t)(end - p) >= 5 && !strncasecmp(p, "<html", 5))
    return 0;
  if ((size_t)(end - p) >= 14 && !strncasecmp(p, "<!doctype html", 14))
    return 0;
  return 1;
}

/* Over HTTP the server says what it sent: an HTML error page or a JSON
 * API answer is not a feed, whatever status came with it. */
static enum sm_status
check_content_type(const char *url, const char *ctype, const struct buf *body,
                   char *err, size_t errlen)
{
  char media[128];
  size_t n = 0, k;

  if (ctype)
    for (; ctype[n] && ctype[n] != ';' && n + 1 < sizeof(media); n++)
      media[n] = (char)ascii_tolower((unsigned char)ctype[n]);
  while (n > 0 && (media[n - 1] == ' ' || media[n - 1] == '\t'))
    n--;
  media[n] = '\0';
  k = n;
  if (!strcmp(media, "application/rss+xml") ||
      !strcmp(media, "application/atom+xml") ||
      !strcmp(media, "application/xml") || !strcmp(media, "text/xml") ||
      (k > 4 && !strcmp(media + k - 4, "+xml")))
    return SM_OK;
  /* Servers that do not know the type: the bytes decide. */
  if ((!n || !strcmp(media, "application/octet-stream") ||
       !strcmp(media, "text/plain")) &&
      looks_like_xml(body))
    return SM_OK;
  snprintf(err, errlen,
           "%s: wrong content type %s (expected an RSS or Atom feed)", url,
           n ? media : "(none), and the body does not look like XML");
  return SM_ERR_DATA;
}

enum sm_status
feed_fetch(const char *url, const struct feed_fetch_opts *o,
           struct feed_response *resp, char *err, size_t errlen)
{
  struct http_opts ho;
  struct http_response hr;
  /* Validators, Accept, and the terminating NULL. */
  const char *headers[4];
  char inm[HTTP_HEADER_MAX + 32], ims[HTTP_HEADER_MAX + 32];
  size_t nh = 0;
  int is_file = has_scheme(url, "file");
  enum sm_status st;

  memset(resp, 0, sizeof(*resp));
  memset(&ho, 0, sizeof(ho));
  ho.timeout = o->timeout;
  ho.connect_timeout = o->connect_timeout;
  ho.max_size = o->max_size;
  ho.max_redirects = o->max_redirects;
  ho.retries = o->retries;
  ho.allow_file = 1;
  ho.site = o->site;
  /* Conditional GET: validators are sent as the server gave them, and
   * left out when they could not go into a header as they are. */
  if (o->etag && http_header_safe(o->etag)) {
    snprintf(inm, sizeof(inm), "If-None-Match: %s", o->etag);
    headers[nh++] = inm;
  }
  if (o->last_modified && http_header_safe(o->last_modified)) {
    snprintf(ims, sizeof(ims), "If-Modified-Since: %s", o->last_modified);
    headers[nh++] = ims;
  }
  headers[nh++] = "Accept: application/rss+xml, application/atom+xml, "
                  "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1";
  headers[nh] = NULL;
  ho.headers = headers;

  st = http_get(url, &ho, &hr, err, errlen);
  if (st != SM_OK)
    goto done;
  resp->not_modified = !is_file && hr.status == 304;
  if (!is_file && !resp->not_modified) {
    st = check_content_type(url, hr.content_type, &hr.body, err, errlen);
    if (st != SM_OK)
      goto done;
  }
  /* The response changes hands: nothing is copied. */
  resp->http = hr;
  memset(&hr, 0, sizeof(hr));
done:
  http_response_free(&hr);
  if (st != SM_OK)
    feed_response_free(resp);
  return st;
}
