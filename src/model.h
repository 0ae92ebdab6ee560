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
  int excerpt;       /* markdown is the site's cut of the text (its first
                        500 bytes), ending in U+2026; not the whole */
  int64_t published; /* seconds since the epoch, UTC; 0 when unknown */
};

void model_summary_free(struct model_summary *s); /* frees members only */

/* A reader's state, as sub.c moves it: pending until the address is
 * confirmed, confirmed while mail goes out, unsubscribed by the reader,
 * disabled by bounces. The store keeps the names. */
enum model_status {
  MODEL_PENDING,
  MODEL_CONFIRMED,
  MODEL_UNSUBSCRIBED,
  MODEL_DISABLED
};
#define MODEL_NSTATUS 4

/* How often a reader gets a digest. */
enum model_frequency { MODEL_WEEKLY, MODEL_DAILY };
#define MODEL_NFREQUENCY 2

/* "pending", "confirmed", "unsubscribed", "disabled". Static. */
const char *model_status_name(enum model_status s);
/* The status named exactly `name`; -1 when none. */
int model_status_parse(const char *name);
/* The same, in any ASCII case ("Confirmed"), for files people write. */
int model_status_parse_anycase(const char *name);
/* "weekly", "daily". Static. */
const char *model_frequency_name(enum model_frequency f);
/* The frequency named exactly `name`; -1 when none. */
int model_frequency_parse(const char *name);
/* The same, in any ASCII case. */
int model_frequency_parse_anycase(const char *name);

#endif
