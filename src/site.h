/* site.h: posting readers' comments to the site's API ([site] api_url),
 * through the http module, from the store's persistent queue.
 *
 * The exactly-once contract. A comment is POSTed as JSON with
 *
 *   Authorization: Bearer TOKEN      (the first line of api_token_file)
 *   Content-Type: application/json
 *   Idempotency-Key: MESSAGE-ID      (the comment's Message-ID, no <>)
 *
 * and is marked posted in the store only after the site answered 2xx.
 * Nothing is lost: until then it stays pending, and a run that died
 * mid-post leaves a claim whose lease runs out, so the next run posts it
 * again. That repeat is the one way a comment can reach the site twice
 * (the site answered 2xx, then we died or the store failed before the
 * commit, or the answer was lost on the way back), and it carries the
 * same Idempotency-Key: the site must take a key it has already accepted
 * as the same comment and answer 2xx again without adding a second one.
 * With that, every comment appears on the site exactly once.
 *
 * Outcomes: 2xx posted. 408, 409 (the same key still being processed,
 * per the IETF Idempotency-Key draft), 425, 429, 5xx, timeouts and
 * failed connections: pending, retried after an exponential backoff.
 * Any other answer (4xx, a 3xx: redirects are not followed for a POST):
 * failed, with the status and the start of the site's answer as the
 * comment's last_error; an operator may retry it. Held comments are
 * never posted. */
#ifndef SM_SITE_H
#define SM_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct store;

/* Backoff after a transient failure: SITE_RETRY_BASE seconds after the
 * first attempt, doubling, at most SITE_RETRY_MAX. */
#define SITE_RETRY_BASE 60
#define SITE_RETRY_MAX (6 * 3600)
/* The largest JSON body posted, and the most of an answer kept. */
#define SITE_BODY_MAX (4 * 1024 * 1024)
#define SITE_ANSWER_MAX (64 * 1024)
/* The longest bearer token accepted. */
#define SITE_TOKEN_MAX 4096

/* Where and how to post. Nothing is copied. */
struct site_opts {
  const char *api_url;  /* http(s) URL the comments are POSTed to */
  const char *token;    /* bearer token, or NULL to send none */
  long timeout;         /* seconds, whole request */
  long retries;         /* extra attempts within one run (transient
                           failures only), safe thanks to the key */
  const char *site_url; /* named in the User-Agent, or NULL */
};

/* One comment as the site gets it. Nothing is copied. */
struct site_comment {
  const char *summary;    /* the site's id of the summary (feed guid, else
                             the summary's URL) */
  const char *author;     /* the reader's address */
  const char *body;       /* plain text */
  const char *message_id; /* with or without <> */
  int64_t created_at;
  /* The site's own comment action takes (text, paper, summarizer): */
  const char *paper;      /* the paper's BibTeX key (the store's, else
                             the link's bibtexKey), or NULL */
  const char *summarizer; /* the summarizer's user name: the fragment of
                             the summary's link (BASE/paper?bibtexKey=
                             KEY#USER; "anon" for anonymous summaries),
                             or NULL when the link has none */
};

/* The summarizer's user name in a summary link of the site: what
 * follows '#', if it is 1 to 255 bytes of printable ASCII other than
 * '#'. A pointer into link, or NULL. */
const char *site_link_user(const char *link);
/* The paper's BibTeX key in a summary link of the site: the value of its
 * bibtexKey query parameter, up to '&' or '#', copied into out (1 to
 * outlen - 1 printable ASCII bytes). out, or NULL when there is none. */
const char *site_link_paper(const char *link, char *out, size_t outlen);

/* Reads the bearer token: the first line of path, without its line end.
 * A file readable by others is refused (anyone on the machine could post
 * as the list), one readable by its group is warned about. *token is
 * new (the caller frees). SM_ERR_CONFIG with err naming the file. */
enum sm_status site_token_load(const char *path, char **token, char *err,
                               size_t errlen);

/* The JSON body for c: {"summary":..., "paper":..., "summarizer":...,
 * "author":..., "body":..., "message_id":...,
 * "created_at":"2026-11-23T02:34:08Z"} (paper and summarizer null when
 * unknown). Text is escaped
 * per RFC 8259 (invalid UTF-8 becomes U+FFFD). *out is new and
 * NUL-terminated (the caller frees), *len its length. SM_ERR_LIMIT past
 * SITE_BODY_MAX. */
enum sm_status site_comment_json(const struct site_comment *c, char **out,
                                 size_t *len);

/* The Message-ID as sent (Idempotency-Key and message_id): without the
 * angle brackets, into out. -1 if it would not fit or holds a byte that
 * may not go into a header. */
int site_message_key(const char *message_id, char *out, size_t outlen);

enum site_outcome {
  SITE_POSTED,  /* 2xx */
  SITE_PENDING, /* transient: try again later */
  SITE_FAILED   /* refused: an operator must look */
};

/* Posts one comment; sets *outcome and, unless posted, a message for
 * last_error in err (naming the URL and status). Returns SM_OK when the
 * attempt has an outcome; another status when posting cannot work at all
 * (a bad api_url, no memory), with err saying why: the caller stops and
 * the comment keeps its place. */
enum sm_status site_post(const struct site_opts *o,
                         const struct site_comment *c,
                         enum site_outcome *outcome, long *http_status,
                         char *err, size_t errlen);

/* Seconds to wait after the n-th attempt (n >= 1) failed transiently. */
int64_t site_backoff(long n);

/* What happened to one comment in a run, for the caller to print. */
struct site_report {
  int64_t id;
  const char *message_id;
  enum site_outcome outcome;
  long attempts;        /* counting this one */
  long http_status;     /* 0 when no answer came */
  const char *error;    /* NULL when posted */
  int64_t next_attempt; /* for SITE_PENDING */
};
typedef void (*site_report_fn)(void *ctx, const struct site_report *r);

struct site_run_stats {
  long posted, pending, failed;
  int stopped; /* the run stopped at a transient failure: the site is
                  down, the rest waits for the next run */
};

/* Posts every due pending comment of the store, one claim at a time,
 * each result recorded in its own transaction, no transaction open
 * during a request. Stops at the first transient failure (the others
 * would most likely meet the same). `owner` names this run in claims.
 * Returns SM_OK, or the status that made it stop (a store error,
 * SM_ERR_USAGE for a bad api_url) with err set. */
enum sm_status site_run(struct store *st, const struct site_opts *o,
                        const char *owner, site_report_fn report, void *ctx,
                        struct site_run_stats *stats, char *err,
                        size_t errlen);

#endif
