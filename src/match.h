/* match.h: the keyword language readers subscribe with, and percolation
 * (which readers' interests match which summaries).
 *
 *   word            stemmed full text over title, authors, keywords, text
 *   "a phrase"      the words in that order (stemmed)
 *   cs.LG, tag:gan  a tag (contains '.' or ':', or tag: prefix): equal,
 *                   ignoring case, to one of the paper's keywords
 *   author:Hinton   a word or "quoted phrase" in the authors field
 *   -word           any of the above, negated: excludes summaries
 *
 * Details. Words, phrases and tags are lower-cased (ASCII, Latin-1, Latin
 * Extended-A/B, Greek, Cyrillic; other characters are kept as they are).
 * A word or phrase word must hold a letter or digit; inside a word any
 * other character is allowed ("self-attention", "t-sne", "c++"): the full
 * text index splits it into tokens that must occur in order. Phrase words
 * without a letter or digit are dropped (the index ignores them too), and
 * a quoted single word is a word ("gan" is gan). A bare keyword with a
 * '.' or ':' is a tag (cs.LG, thema:deepwalk); tag:"image net" is a tag
 * with a space. Tags compare case-insensitively. '-' negates only at the
 * start; "--gan" is an error (write -"-gan" if you must). Quotes go around
 * a whole phrase and do not nest. author: and tag: prefixes ignore case.
 * Limits: MATCH_MAX_KEYWORD characters per keyword as written,
 * MATCH_MAX_TERMS keywords per query; no control characters; UTF-8 only.
 *
 * A reader's interests match a summary when at least one positive term
 * matches and no negative one does. `shortmail summaries --match QUERY`
 * shows what a reader with those keywords would get. */
#ifndef SM_MATCH_H
#define SM_MATCH_H

#include <stddef.h>

#include "status.h"

#define MATCH_MAX_KEYWORD 100 /* characters in one keyword */
#define MATCH_MAX_TERMS 50    /* keywords in one query or interest list */

enum match_kind { MATCH_WORD, MATCH_PHRASE, MATCH_TAG, MATCH_AUTHOR };

struct match_term {
  enum match_kind kind;
  int negated;
  char *text;      /* normalised value: words lower-cased and joined by one
                      space for WORD/PHRASE/AUTHOR; the tag for TAG. Owned. */
  char *canonical; /* how the keyword is written back to the reader, e.g.
                      "\"batch normalization\"", "-gan", "author:hinton";
                      equal keywords have equal canonical forms. Owned. */
};

/* Parses one keyword ("cs.LG", "\"batch norm\"", "-gan"); white space
 * around it is ignored. On success *out owns its strings (free with
 * match_term_free). On error (SM_ERR_DATA, SM_ERR_LIMIT for a keyword too
 * long, SM_ERR_NOMEM) *out is zeroed and err says why, e.g. "unbalanced
 * quote in \"batch norm". */
enum sm_status match_parse_keyword(const char *s, struct match_term *out,
                                   char *err, size_t errlen);

/* Splits a line of keywords separated by white space (quoted phrases kept
 * whole) and parses each. *terms is a new array of *n terms, owned by the
 * caller (match_terms_free); an empty line gives *terms NULL and *n 0.
 * More than MATCH_MAX_TERMS keywords is SM_ERR_LIMIT. On error nothing is
 * returned and err names the keyword at fault. */
enum sm_status match_parse_query(const char *s, struct match_term **terms,
                                 size_t *n, char *err, size_t errlen);

/* The FTS5 query expression for a WORD, PHRASE or AUTHOR term, ignoring
 * negation, safe to bind as a MATCH parameter: every token is a quoted
 * FTS5 string: gan gives "gan", author:hinton gives authors : "hinton"
 * (a column filter: the FTS table's columns are title, authors, keywords,
 * body). NULL for TAG or when out of memory. Caller frees. */
char *match_term_fts(const struct match_term *t);

/* A paper's keyword ("cs.LG", " Image  Net") in the form a TAG term's
 * text has: lower-cased, white space trimmed and runs of it made one
 * space. NULL when s is not valid UTF-8 or out of memory. Caller frees. */
char *match_tag_normalize(const char *s);

/* 1 if t is a TAG term whose text equals one of the n keywords once that
 * is normalised as by match_tag_normalize, else 0. Ignores negation;
 * allocates nothing. */
int match_tag_matches(const struct match_term *t, char *const *keywords,
                      size_t n);

void match_term_free(struct match_term *t);
void match_terms_free(struct match_term *terms, size_t n);

/* Whether a word (any case) is too common to be a keyword: "the", "to",
 * "please", "digest", ... Such a word would match nearly every summary,
 * or is the politeness around a command ("subscribe to the digest
 * please"). */
int match_stop_word(const char *word, size_t len);

/* Whether a parsed keyword is a lone stop word (a phrase, a tag, an
 * author or a negation never is). */
int match_term_is_stop_word(const struct match_term *t);

#endif
