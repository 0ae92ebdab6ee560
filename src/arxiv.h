/* arxiv.h: keywords for papers from arXiv. The site's feed carries no
 * keywords, but its papers' tags are, for arXiv papers, their arXiv
 * categories: a paper with an arXiv id and no keywords gets them, all,
 * primary first, from the arXiv API's id_list query.
 *
 * Manners (arXiv's terms of use): at most ARXIV_BATCH ids per request, at
 * least interval_ms between two requests, a User-Agent naming shortmail.
 * Each id is asked once: the answer is kept in the store (the categories,
 * or that arXiv does not know the id), and a paper asked about is not
 * asked again. A request that fails (unreachable, timeout, an HTTP error,
 * an answer that is not Atom, arXiv's own error entry) is warned about,
 * stops the run's asking, and its ids are asked again next run; it never
 * fails the ingest. The answer is read by the feed module's Atom parser;
 * the request goes through the http module. */
#ifndef SM_ARXIV_H
#define SM_ARXIV_H

#include <stddef.h>

#include "status.h"

struct store;

/* Ids per request; arXiv's id_list takes more, but answers slowly. */
#define ARXIV_BATCH 100
/* Ids asked about in one run, at most: 20 requests. */
#define ARXIV_MAX_PER_RUN 2000
/* The largest answer read (100 entries with abstracts: about 300 KB). */
#define ARXIV_MAX_ANSWER (8 * 1024 * 1024)

/* Nothing is copied. */
struct arxiv_opts {
  const char *api_url; /* "http://export.arxiv.org/api/query" */
  long interval_ms;    /* between the end of one request and the next */
  long timeout;        /* seconds per request */
  const char *site;    /* named in the User-Agent, or NULL */
  void (*warn)(void *ctx, const char *msg);
  void *warn_ctx;
};

/* What one run did. */
struct arxiv_stats {
  size_t requests; /* made, failed ones included */
  size_t asked;    /* ids sent in requests that were answered */
  size_t known;    /* ids arXiv answered with categories */
  size_t unknown;  /* ids arXiv does not know, or not arXiv ids */
  size_t papers;   /* papers that took categories */
  size_t failed;   /* requests that failed (their ids wait) */
  size_t left;     /* ids not asked in this run: asked next time */
};

/* Asks arXiv about the papers of the store that need it (see above), in
 * one transaction per answered request. SM_OK unless the store fails
 * (its status, with store_errmsg set); failures of arXiv are warnings,
 * counted in *stats. */
enum sm_status arxiv_update(struct store *st, const struct arxiv_opts *o,
                            struct arxiv_stats *stats);

#endif
