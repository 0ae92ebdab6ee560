/* model.h: plain records that travel between modules (feed -> store,
 * store -> render). No behaviour beyond freeing. */
#ifndef SM_MODEL_H
#define SM_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* One summary of one paper, as a feed item carries it. Every string is
 * NUL-terminated valid UTF-8, or NULL when absent; all are owned by the
 * record and freed by model_summary_free. */
struct model_summary {
  char *guid;       /* the feed's identity for the item, else NULL */
  char *link;       /* the summary's page on the site */
  char *title;      /* the paper's title */
  char *authors;    /* the paper's authors, "A. One, B. Two" */
  char *venue;      /* "CVPR", "arXiv", NULL */
  int year;         /* 0 when unknown */
  char *arxiv_id;   /* "1512.03385" */
  char *bibtex_key; /* "journals/corr/HeZRS15" */
  char *summarizer; /* who wrote the summary */
  char *markdown;   /* the summary text */
  char **keywords;  /* tags: "cs.LG", "imagenet"; nkeywords of them */
  size_t nkeywords;
  long votes;
  int64_t published; /* seconds since the epoch, UTC; 0 when unknown */
};

void model_summary_free(struct model_summary *s); /* frees members only */

#endif
