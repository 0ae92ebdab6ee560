/* http.h: the network client (libcurl). HTTP (http.c): GET of feeds,
 * with conditional headers, compression, bounded size, redirects, time
 * limits and retries; POST of a JSON body to the site's API. IMAP
 * (http_imap.c): the few commands `shortmail fetch` needs to drain a
 * mailbox. The only module that includes curl headers; feed (fetching),
 * site (posting comments) and mailbox (fetch) go through it.
 *
 * Every failure message names the URL and, for an HTTP answer, the
 * status and reason ("URL: HTTP 503 Service Unavailable after 3
 * attempts"). */
#ifndef SM_HTTP_H
#define SM_HTTP_H

#include <stddef.h>
#include <stdint.h>

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

/* ---- the response head, as libcurl hands it over ------------------
 * perform() reads every header line through http_head_line; exposed for
 * tests and fuzzing. */

/* The longest wait a Retry-After may ask of one run (seconds); a longer
 * one ends the retries: the next run tries again. */
#define HTTP_RETRY_AFTER_MAX 60

/* What the head of the last response (of a redirect chain, or after a
 * 100) tells us. */
struct http_head {
  long status;         /* from the status line, 100 to 599; 0 when none
                          or unreadable */
  char reason[64];     /* its reason phrase, printable ASCII ('?' for any
                          other byte), no trailing space; may be empty */
  char *etag;          /* owned, or NULL: none, empty, longer than
                          HTTP_HEADER_MAX, a byte other than printable
                          ASCII, folded, or two that differ */
  char *last_modified; /* owned, or NULL: likewise */
  long retry_after;    /* seconds from now to wait, 0 to
                          HTTP_RETRY_AFTER_MAX, HTTP_RETRY_AFTER_MAX + 1 for
                          "longer", or -1: none, unreadable, folded, or
                          two that differ */
  int64_t now;         /* the clock an HTTP-date Retry-After is read by */
  /* internal */
  unsigned seen, bad;
  int prev; /* the field of the previous line, for obs-fold */
};

/* Empties h (which holds no memory yet) and sets its clock. */
void http_head_init(struct http_head *h, int64_t now);
/* Frees what h holds; it stays usable (as after init, fields empty). */
void http_head_free(struct http_head *h);

/* One line of the head (n bytes, CR LF included or not). A status line
 * ("HTTP/1.1 301 Moved Permanently", "HTTP/2 200") starts a new
 * response: what came before is forgotten. A line starting with a space
 * or tab continues the previous field (obs-fold). Field names are
 * case-insensitive; other fields are skipped. Allocation failure drops
 * the field. */
void http_head_line(struct http_head *h, const char *line, size_t n);

/* Every line of text (LF-separated) through http_head_line. */
void http_head_parse(struct http_head *h, const char *text, size_t n);

/* A Retry-After value (n bytes, no surrounding space): delta-seconds or
 * an IMF-fixdate ("Wed, 21 Oct 2026 07:28:00 GMT"), as seconds from now
 * (0 for a date past), at most HTTP_RETRY_AFTER_MAX + 1; -1 for anything
 * else (the obsolete date forms too). */
long http_retry_after(const char *v, size_t n, int64_t now);

/* Process-wide setup of libcurl (curl_global_init is not thread-safe:
 * main calls this once, before anything else runs). */
void http_global_init(void);
void http_global_cleanup(void);

/* GET url (http, https; file when o->allow_file). resp is always
 * initialised and the caller frees it with http_response_free, whatever
 * the result: on an HTTP error status, resp->status, reason and body hold
 * the answer. 5xx, 429, timeouts and failed connections are retried
 * o->retries times with exponential backoff (base 1 s, or
 * SHORTMAIL_RETRY_DELAY_MS milliseconds); a Retry-After on a 429 or 503
 * makes the next attempt wait at least that long, and one longer than
 * HTTP_RETRY_AFTER_MAX ends the retries at once. A 304 is SM_OK. Statuses:
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

/* ---- IMAP (http_imap.c) -------------------------------------------- */

/* One IMAP session: a libcurl handle whose connection (logged in, a
 * mailbox selected) is kept from one command to the next. */
struct http_imap;

struct http_imap_opts {
  const char *url;      /* imaps://HOST[:PORT] or imap://HOST[:PORT] */
  const char *user;     /* copied */
  const char *password; /* copied; never logged */
  const char *ca_file;  /* NULL: the system's certificates */
  long timeout;         /* seconds for each command (and to connect) */
  int allow_plaintext;  /* imap:// may stay without TLS when the server
                           offers no STARTTLS (a test server on
                           loopback); otherwise STARTTLS is required */
};

/* What STATUS says about a mailbox. */
struct http_imap_status {
  uint32_t uidvalidity;
  uint32_t messages;
};

/* One message of a mailbox, as FETCH (UID RFC822.SIZE FLAGS) lists it. */
struct http_imap_item {
  uint32_t uid;
  uint64_t size; /* bytes, as the server counts them */
  int deleted;   /* flagged \Deleted */
  int seen;      /* flagged \Seen */
};

/* The most messages one listing may hold. */
#define HTTP_IMAP_MAX_LIST 100000

/* Sets up a session; nothing is sent yet. SM_ERR_CONFIG for a URL that
 * is not imap:// or imaps://, or one with a path (the mailbox is named
 * per command). Free with http_imap_close. */
enum sm_status http_imap_open(const struct http_imap_opts *o,
                              struct http_imap **out, char *err,
                              size_t errlen);
/* Logs out and frees; NULL is fine. */
void http_imap_close(struct http_imap *s);

/* Every command below fails with: SM_ERR_AUTH (user or password
 * refused), SM_ERR_CONFIG (TLS required and not offered, a URL libcurl
 * refuses), SM_ERR_NETWORK (no connection, a timeout, the server
 * closing: transient), SM_ERR_PROTOCOL (the server answered NO or BAD,
 * or something we cannot read), SM_ERR_NOMEM; err names the URL and
 * quotes the server's last answer. Mailbox and folder names are sent
 * as written (non-ASCII names in IMAP's modified UTF-7); a name with a
 * control character is SM_ERR_CONFIG. */

/* STATUS of a mailbox. */
enum sm_status http_imap_status(struct http_imap *s, const char *mailbox,
                                struct http_imap_status *st, char *err,
                                size_t errlen);

/* The first n messages of mailbox (by sequence number, which is UID
 * order: the oldest first), sorted by UID; *items is the caller's to
 * free. The mailbox is selected with uidvalidity: SM_ERR_NOTFOUND when
 * the server's is another now. */
enum sm_status http_imap_list(struct http_imap *s, const char *mailbox,
                              uint32_t uidvalidity, uint32_t n,
                              struct http_imap_item **items, size_t *count,
                              char *err, size_t errlen);

/* The whole message uid into out, which must be empty (bounded by
 * out->max: SM_ERR_LIMIT, the transfer stopped there).
 * SM_ERR_NOTFOUND when the message is gone. libcurl asks for BODY[],
 * which sets \Seen as a side effect. */
enum sm_status http_imap_fetch(struct http_imap *s, const char *mailbox,
                               uint32_t uidvalidity, uint32_t uid,
                               struct buf *out, char *err, size_t errlen);

/* Adds (add = 1) or removes flags, such as "\\Seen \\Deleted", on uid. */
enum sm_status http_imap_flag(struct http_imap *s, const char *mailbox,
                              uint32_t uidvalidity, uint32_t uid,
                              const char *flags, int add, char *err,
                              size_t errlen);

/* Moves uid to folder (MOVE, RFC 6851; where the server has no MOVE,
 * COPY and \Deleted, and *expunge is set: the caller expunges). A uid
 * that is gone is no error. */
enum sm_status http_imap_move(struct http_imap *s, const char *mailbox,
                              uint32_t uidvalidity, uint32_t uid,
                              const char *folder, int *expunge, char *err,
                              size_t errlen);

/* EXPUNGE: removes the messages flagged \Deleted from mailbox. */
enum sm_status http_imap_expunge(struct http_imap *s, const char *mailbox,
                                 uint32_t uidvalidity, char *err,
                                 size_t errlen);

/* CREATE folder; one that exists already is no error. */
enum sm_status http_imap_create(struct http_imap *s, const char *folder,
                                char *err, size_t errlen);

/* The parsers of the server's answers as libcurl hands them over
 * (untagged lines, "\r\n" or "\n" ended), exposed for tests and
 * fuzzing. */

/* The "* STATUS name (MESSAGES n UIDVALIDITY n ...)" line in text:
 * SM_ERR_PROTOCOL when there is none or it lacks either number. */
enum sm_status http_imap_parse_status(const char *text, size_t len,
                                      struct http_imap_status *out);

/* Every "* N FETCH (...)" line of text that carries a UID and an
 * RFC822.SIZE, at most max of them, sorted by UID, duplicates dropped;
 * other untagged lines (EXISTS, a FETCH with only FLAGS) are skipped.
 * *bad counts FETCH lines that could not be read. *items is the
 * caller's to free (NULL when *count is 0). */
/* A tagged NO or BAD line ("A004 NO [TRYCREATE] Mailbox doesn't
 * exist"), as the session keeps the server's last refusal for its error
 * messages: 1 and the line in out (up to its line end, cut to outlen - 1
 * bytes, bytes other than printable ASCII as '?'), or 0 and out
 * untouched for any other line (untagged, continuation, OK). */
int http_imap_refusal(const char *line, size_t n, char *out, size_t outlen);

enum sm_status http_imap_parse_list(const char *text, size_t len, size_t max,
                                    struct http_imap_item **items,
                                    size_t *count, size_t *bad);

#endif
