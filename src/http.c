/* http.c: requests with libcurl: http, https and (for feeds) file URLs,
 * conditional GET, compression, bounded size, redirects and time,
 * retries with backoff for what is worth retrying; POST of a body. Every
 * failure message names the URL and, for HTTP, the status. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "ascii.h"
#include "buf.h"
#include "http.h"
#include "http_int.h"
#include "log.h"
#include "util.h"

/* The base of the retry backoff, unless SHORTMAIL_RETRY_DELAY_MS. */
#define RETRY_DELAY_MS 1000L

struct fetch_ctx {
  struct http_sink sink;
  /* From the last response of the chain only: a redirect's headers say
   * nothing about the document. */
  struct http_head head;
};

static void
fetch_ctx_reset(struct fetch_ctx *fc)
{
  http_head_free(&fc->head);
  http_head_init(&fc->head, (int64_t)time(NULL));
  fc->sink.too_large = 0;
  fc->sink.nomem = 0;
  buf_reset(fc->sink.body);
}

void
http_global_init(void)
{
  CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

  if (rc != CURLE_OK)
    log_error("libcurl: cannot initialise: %s", curl_easy_strerror(rc));
}

void
http_global_cleanup(void)
{
  curl_global_cleanup();
}

void
http_response_free(struct http_response *resp)
{
  if (!resp)
    return;
  buf_free(&resp->body);
  free(resp->etag);
  free(resp->last_modified);
  free(resp->content_type);
  free(resp->effective_url);
  memset(resp, 0, sizeof(*resp));
}

size_t
http_sink_write(char *p, size_t size, size_t n, void *ud)
{
  struct http_sink *sink = ud;
  size_t len = size * n;
  enum sm_status st = buf_append(sink->body, p, len);

  /* Returning short makes libcurl abort the transfer at once, so an
   * endless or oversized body costs no more than the limit. */
  if (st == SM_ERR_LIMIT) {
    sink->too_large = 1;
    return 0;
  }
  if (st != SM_OK) {
    sink->nomem = 1;
    return 0;
  }
  return len;
}

/* ---- the response head ------------------------------------------- */

/* The fields of the head we keep, for folds and duplicates. */
enum {
  HEAD_OTHER,
  HEAD_ETAG = 1,
  HEAD_LAST_MODIFIED = 2,
  HEAD_RETRY_AFTER = 4
};

void
http_head_init(struct http_head *h, int64_t now)
{
  memset(h, 0, sizeof(*h));
  h->retry_after = -1;
  h->now = now;
}

void
http_head_free(struct http_head *h)
{
  free(h->etag);
  free(h->last_modified);
  h->etag = h->last_modified = NULL;
}

/* Forgets a response's head, keeping the clock. */
static void
http_head_reset(struct http_head *h)
{
  http_head_free(h);
  http_head_init(h, h->now);
}

/* The value of a field line (its name is k bytes, then ':') without
 * surrounding white space, CR or LF: *v and its length. */
static size_t
field_value(const char *line, size_t n, size_t k, const char **v)
{
  const char *p = line + k + 1, *end = line + n;

  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  while (end > p && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' ||
                     end[-1] == '\t'))
    end--;
  *v = p;
  return (size_t)(end - p);
}

/* Whether line is the field `name` ("ETag:"), case-insensitively. */
static int
field_is(const char *line, size_t n, const char *name)
{
  size_t k = strlen(name);

  return n > k && line[k] == ':' && !strncasecmp(line, name, k);
}

long
http_retry_after(const char *v, size_t n, int64_t now)
{
  char text[64];
  int64_t when;
  long secs = 0;
  size_t i;

  if (n == 0 || n >= sizeof(text))
    return -1;
  if (ascii_isdigit((unsigned char)v[0])) {
    /* delta-seconds: digits only (RFC 9110 10.2.3). */
    for (i = 0; i < n; i++) {
      if (!ascii_isdigit((unsigned char)v[i]))
        return -1;
      if (secs < HTTP_RETRY_AFTER_MAX + 1)
        secs = secs * 10 + (v[i] - '0');
    }
    return secs > HTTP_RETRY_AFTER_MAX ? HTTP_RETRY_AFTER_MAX + 1 : secs;
  }
  /* An HTTP-date in its preferred form, "Sun, 06 Nov 1994 08:49:37 GMT";
   * the two obsolete forms are taken as no answer (our own backoff). */
  memcpy(text, v, n);
  text[n] = '\0';
  if (!strchr(text, ',') || util_parse_date(text, &when) < 0)
    return -1;
  if (when <= now)
    return 0;
  return when - now > HTTP_RETRY_AFTER_MAX ? HTTP_RETRY_AFTER_MAX + 1
                                           : (long)(when - now);
}

/* Sets one kept field from its value; a second copy that differs, or
 * one that cannot be kept, makes the field unusable for this response. */
static void
head_field(struct http_head *h, int which, const char *v, size_t n)
{
  char **slot = which == HEAD_ETAG ? &h->etag : &h->last_modified;
  char *copy;

  h->prev = which;
  if (h->bad & which)
    return;
  if (which == HEAD_RETRY_AFTER) {
    long secs = http_retry_after(v, n, h->now);

    if (secs < 0 || ((h->seen & which) && secs != h->retry_after)) {
      h->bad |= which;
      h->retry_after = -1;
    } else {
      h->retry_after = secs;
    }
    h->seen |= which;
    return;
  }
  if (h->seen & which) {
    if (*slot && strlen(*slot) == n && !memcmp(*slot, v, n))
      return; /* the same again */
    goto bad;
  }
  h->seen |= which;
  /* Only what could be sent back in If-None-Match or If-Modified-Since
   * (http_header_safe): libcurl splits lines at LF only, so a CR or a
   * NUL may sit inside a value. */
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7E)
      goto bad;
  if (n == 0 || n > HTTP_HEADER_MAX || !(copy = malloc(n + 1)))
    goto bad;
  memcpy(copy, v, n);
  copy[n] = '\0';
  *slot = copy;
  return;
bad:
  h->bad |= which;
  free(*slot);
  *slot = NULL;
}

void
http_head_line(struct http_head *h, const char *line, size_t n)
{
  const char *v;
  size_t k;

  if (n >= 5 && !memcmp(line, "HTTP/", 5)) {
    /* A new response (after a redirect or a 100): start over. */
    const char *p = memchr(line, ' ', n), *end = line + n;

    http_head_reset(h);
    /* "HTTP/1.1 503 Service Unavailable", "HTTP/2 200" */
    /* RFC 9110 15: three digits, the first 1 to 5. */
    if (!p || end - p < 4 || p[1] < '1' || p[1] > '5' ||
        !ascii_isdigit((unsigned char)p[2]) ||
        !ascii_isdigit((unsigned char)p[3]) ||
        (end - p > 4 && p[4] != ' ' && p[4] != '\r' && p[4] != '\n'))
      return;
    h->status = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    k = 0;
    for (p += 5;
         p < end && *p != '\r' && *p != '\n' && k + 1 < sizeof(h->reason); p++)
      h->reason[k++] = ascii_isprint((unsigned char)*p) ? *p : '?';
    while (k > 0 && h->reason[k - 1] == ' ')
      k--;
    h->reason[k] = '\0';
    return;
  }
  if (n > 0 && (line[0] == ' ' || line[0] == '\t')) {
    /* obs-fold (RFC 9112 5.2): the previous field goes on. Ours are
     * single tokens or dates; one folded is not to be trusted. */
    if (h->prev != HEAD_OTHER && !(h->bad & h->prev)) {
      h->bad |= h->prev;
      if (h->prev == HEAD_ETAG) {
        free(h->etag);
        h->etag = NULL;
      } else if (h->prev == HEAD_LAST_MODIFIED) {
        free(h->last_modified);
        h->last_modified = NULL;
      } else {
        h->retry_after = -1;
      }
    }
    return;
  }
  if (field_is(line, n, "ETag")) {
    k = field_value(line, n, 4, &v);
    head_field(h, HEAD_ETAG, v, k);
  } else if (field_is(line, n, "Last-Modified")) {
    k = field_value(line, n, 13, &v);
    head_field(h, HEAD_LAST_MODIFIED, v, k);
  } else if (field_is(line, n, "Retry-After")) {
    k = field_value(line, n, 11, &v);
    head_field(h, HEAD_RETRY_AFTER, v, k);
  } else {
    h->prev = HEAD_OTHER;
  }
}

void
http_head_parse(struct http_head *h, const char *text, size_t n)
{
  const char *p = text, *end = text + n, *lf;

  while (p < end) {
    lf = memchr(p, '\n', (size_t)(end - p));
    lf = lf ? lf + 1 : end;
    http_head_line(h, p, (size_t)(lf - p));
    p = lf;
  }
}

static size_t
on_header(char *line, size_t size, size_t n, void *ud)
{
  struct fetch_ctx *fc = ud;

  http_head_line(&fc->head, line, size * n);
  return size * n;
}

int
http_header_safe(const char *s)
{
  size_t n = 0;

  for (; *s; s++, n++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
      return 0;
  return n > 0 && n <= HTTP_HEADER_MAX;
}

static int
has_scheme(const char *url, const char *scheme)
{
  size_t n = strlen(scheme);

  return !strncasecmp(url, scheme, n) && !strncmp(url + n, "://", 3);
}

static long
retry_base_ms(void)
{
#ifdef SM_TEST_HOOKS
  const char *s = getenv("SHORTMAIL_RETRY_DELAY_MS");
  char *end;
  long v;

  if (!s || !*s)
    return RETRY_DELAY_MS;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || *end || v < 0 || v > 600000)
    return RETRY_DELAY_MS;
  return v;
#else
  return RETRY_DELAY_MS;
#endif
}

static void
sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* What one attempt came to. */
struct attempt {
  enum sm_status status;
  int retry; /* worth another attempt */
  char msg[SM_ERRLEN];
  int http;         /* msg is an HTTP status: say "after N attempts" */
  long retry_after; /* seconds the server asked us to wait, or -1 */
};

static void
classify(CURL *h, CURLcode rc, const struct fetch_ctx *fc, const char *url,
         const struct http_opts *o, const char *curlerr, struct attempt *a)
{
  long code = 0;
  const char *detail = curlerr[0] ? curlerr : curl_easy_strerror(rc);

  a->status = SM_OK;
  a->retry = 0;
  a->http = 0;
  a->retry_after = -1;
  a->msg[0] = '\0';
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  if (rc == CURLE_OK) {
    if (code == 0 || code == 304 || (code >= 200 && code < 300))
      return;
    a->http = 1;
    snprintf(a->msg, sizeof(a->msg), "HTTP %ld%s%s", code,
             fc->head.reason[0] ? " " : "", fc->head.reason);
    if (code == 429 || code >= 500) {
      a->status = SM_ERR_NETWORK;
      a->retry = 1;
      a->retry_after = code == 429 || code == 503 ? fc->head.retry_after : -1;
    } else if (code == 404 || code == 410) {
      a->status = SM_ERR_NOINPUT;
    } else {
      a->status = SM_ERR_PROTOCOL;
    }
    return;
  }
  if (fc->sink.too_large) {
    a->status = SM_ERR_LIMIT;
    snprintf(a->msg, sizeof(a->msg), "response larger than %zu bytes",
             o->max_size);
    return;
  }
  if (fc->sink.nomem) {
    a->status = SM_ERR_NOMEM;
    snprintf(a->msg, sizeof(a->msg), "out of memory");
    return;
  }
  switch (rc) {
  case CURLE_OPERATION_TIMEDOUT: {
    curl_off_t connected = 0;
    curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected);
    a->status = SM_ERR_NETWORK;
    a->retry = 1;
    if (!connected && !has_scheme(url, "file"))
      snprintf(a->msg, sizeof(a->msg), "timed out connecting after %ld s",
               o->connect_timeout < o->timeout ? o->connect_timeout
                                               : o->timeout);
    else
      snprintf(a->msg, sizeof(a->msg), "timed out after %ld s", o->timeout);
    return;
  }
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_CONNECT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    a->status = SM_ERR_NETWORK;
    a->retry = 1;
    snprintf(a->msg, sizeof(a->msg), "%s", detail);
    return;
  case CURLE_TOO_MANY_REDIRECTS:
    a->status = SM_ERR_PROTOCOL;
    snprintf(a->msg, sizeof(a->msg), "more than %ld redirects",
             o->max_redirects);
    return;
  case CURLE_UNSUPPORTED_PROTOCOL:
    /* The first URL was checked: this was a redirect. */
    a->status = SM_ERR_PROTOCOL;
    snprintf(a->msg, sizeof(a->msg),
             "redirected to a protocol that is not allowed (only http and "
             "https): %s",
             detail);
    return;
  case CURLE_FILE_COULDNT_READ_FILE:
    a->status = SM_ERR_NOINPUT;
    snprintf(a->msg, sizeof(a->msg), "cannot read the file: %s", detail);
    return;
  case CURLE_URL_MALFORMAT:
    a->status = SM_ERR_USAGE;
    snprintf(a->msg, sizeof(a->msg), "malformed URL: %s", detail);
    return;
  case CURLE_BAD_CONTENT_ENCODING:
    a->status = SM_ERR_PROTOCOL;
    snprintf(a->msg, sizeof(a->msg), "bad compressed content: %s", detail);
    return;
  default:
    /* TLS failures and the rest: a retry in a second will not help. */
    a->status = SM_ERR_NETWORK;
    snprintf(a->msg, sizeof(a->msg), "%s", detail);
    return;
  }
}

static char *
strdup_or_null(const char *s)
{
  return s && *s ? strdup(s) : NULL;
}

/* Appends a header line to *list; 0 on success. */
static int
add_header(struct curl_slist **list, const char *line)
{
  struct curl_slist *tmp = curl_slist_append(*list, line);

  if (!tmp)
    return -1;
  *list = tmp;
  return 0;
}

/* The request both methods share: `post` says whether body/len are sent. */
static enum sm_status
perform(const char *url, const struct http_opts *o, int post,
        const char *content_type, const char *body, size_t len,
        struct http_response *resp, char *err, size_t errlen)
{
  CURL *h = NULL;
  struct curl_slist *headers = NULL;
  struct fetch_ctx fc;
  struct attempt a;
  char curlerr[CURL_ERROR_SIZE];
  char ua[256], line[HTTP_HEADER_MAX + 32];
  long attempts = 1 + (o->retries > 0 ? o->retries : 0), attempt, delay, wait;
  long code = 0;
  int is_file = has_scheme(url, "file");
  enum sm_status st = SM_OK;
  char *ctype = NULL, *eff = NULL;
  CURLcode rc = CURLE_OK;

  memset(resp, 0, sizeof(*resp));
  memset(&fc, 0, sizeof(fc));
  buf_init(&resp->body, o->max_size);
  fc.sink.body = &resp->body;
  if (errlen)
    err[0] = '\0';

  if ((is_file && (!o->allow_file || post)) ||
      (!is_file && !has_scheme(url, "http") && !has_scheme(url, "https"))) {
    if (o->allow_file && !post)
      snprintf(err, errlen,
               "%s: not an http, https or file URL (for a local file, "
               "write file:///path/to/feed.xml)",
               url);
    else
      snprintf(err, errlen, "%s: not an http or https URL", url);
    return SM_ERR_USAGE;
  }
  for (size_t i = 0; o->headers && o->headers[i]; i++)
    if (!http_header_safe(o->headers[i])) {
      snprintf(err, errlen,
               "%s: a request header holds a control or non-ASCII "
               "character, or is longer than %d bytes",
               url, HTTP_HEADER_MAX);
      return SM_ERR_USAGE;
    }
  h = curl_easy_init();
  if (!h) {
    snprintf(err, errlen, "%s: cannot set up libcurl", url);
    return SM_ERR_NOMEM;
  }
  if (o->site && *o->site)
    snprintf(ua, sizeof(ua), "shortmail/%s (+%s)", PACKAGE_VERSION, o->site);
  else
    snprintf(ua, sizeof(ua), "shortmail/%s", PACKAGE_VERSION);

  for (size_t i = 0; o->headers && o->headers[i]; i++)
    if (add_header(&headers, o->headers[i]))
      goto nomem;
  if (post) {
    if (content_type) {
      snprintf(line, sizeof(line), "Content-Type: %s", content_type);
      if (add_header(&headers, line))
        goto nomem;
    }
    /* Without this libcurl waits up to a second for a "100 Continue"
     * before sending a body over 1 KiB; the API answers at once. */
    if (add_header(&headers, "Expect:"))
      goto nomem;
  }

  curlerr[0] = '\0';
  curl_easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR,
                   o->allow_file && !post ? "http,https,file" : "http,https");
  /* Never from http to file: a server must not make us read local files. */
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(
      h, CURLOPT_PROTOCOLS,
      o->allow_file && !post
          ? (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE)
          : (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS,
                   (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  if (post) {
    /* libcurl would re-send a POST answered by 301/302 as a GET: the
     * comment would be lost while we took the answer for the API's. */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  } else {
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, o->max_redirects);
  }
  curl_easy_setopt(h, CURLOPT_TIMEOUT, o->timeout);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
  /* "": every encoding this libcurl can decode; the limit applies to
   * the decoded bytes, which is what a gzip bomb inflates. */
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_USERAGENT, ua);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_sink_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &fc.sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &fc);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curlerr);
  /* Timeouts by alarm() would be unsafe in a process with other work. */
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);

  delay = retry_base_ms();
  for (attempt = 1;; attempt++) {
    fetch_ctx_reset(&fc);
    curlerr[0] = '\0';
    rc = curl_easy_perform(h);
    classify(h, rc, &fc, url, o, curlerr, &a);
    if (a.status == SM_OK || !a.retry || attempt >= attempts)
      break;
    /* A 429 or 503 may say when to come back (RFC 9110 10.2.3): no
     * sooner, and not in this run when that is too far off. */
    if (a.retry_after > HTTP_RETRY_AFTER_MAX) {
      size_t k = strlen(a.msg);
      snprintf(a.msg + k, sizeof(a.msg) - k,
               " (the server asks to wait more than %d s: not retried now)",
               HTTP_RETRY_AFTER_MAX);
      break;
    }
    wait = a.retry_after * 1000L > delay ? a.retry_after * 1000L : delay;
    log_info("%s: %s; retrying in %ld ms (attempt %ld of %ld)", url, a.msg,
             wait, attempt + 1, attempts);
    sleep_ms(wait);
    if (delay < 600000L)
      delay *= 2;
  }

  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype);
  curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
  resp->status = is_file ? 0 : code;
  snprintf(resp->reason, sizeof(resp->reason), "%s", fc.head.reason);
  resp->content_type = strdup_or_null(ctype);
  resp->effective_url = strdup_or_null(eff ? eff : url);
  if (!is_file) {
    resp->etag = fc.head.etag;
    resp->last_modified = fc.head.last_modified;
    fc.head.etag = fc.head.last_modified = NULL;
  }
  if ((ctype && *ctype && !resp->content_type) || !resp->effective_url)
    goto nomem;
  if (a.status != SM_OK) {
    st = a.status;
    if (attempt > 1)
      snprintf(err, errlen,
               a.http ? "%s: %s after %ld attempts" : "%s: %s (%ld attempts)",
               url, a.msg, attempt);
    else
      snprintf(err, errlen, "%s: %s", url, a.msg);
  }
  goto done;

nomem:
  st = SM_ERR_NOMEM;
  snprintf(err, errlen, "%s: out of memory", url);
done:
  http_head_free(&fc.head);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  return st;
}

enum sm_status
http_get(const char *url, const struct http_opts *o,
         struct http_response *resp, char *err, size_t errlen)
{
  return perform(url, o, 0, NULL, NULL, 0, resp, err, errlen);
}

enum sm_status
http_post(const char *url, const struct http_opts *o, const char *content_type,
          const char *body, size_t len, struct http_response *resp, char *err,
          size_t errlen)
{
  return perform(url, o, 1, content_type, body, len, resp, err, errlen);
}
