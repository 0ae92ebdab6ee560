/* fuzz-match.c: parses arbitrary bytes as a line of keywords and as one
 * keyword; every accepted term must satisfy the module's promises, else
 * abort(): a non-empty normalised text, a canonical form that parses back
 * to an equal term, an FTS5 expression that is exactly one quoted string
 * (after an optional column filter), tags that match their own text. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "match.h"
#include "status.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
term_equal(const struct match_term *a, const struct match_term *b)
{
  return a->kind == b->kind && a->negated == b->negated &&
         strcmp(a->text, b->text) == 0 &&
         strcmp(a->canonical, b->canonical) == 0;
}

/* The expression must be one FTS5 string: '"', then anything with each
 * '"' doubled, then a closing '"' at the very end. Anything else could
 * be an operator or a syntax error. */
static int
fts_ok(const char *e, enum match_kind kind)
{
  static const char col[] = "authors : ";

  if (kind == MATCH_AUTHOR) {
    if (strncmp(e, col, sizeof(col) - 1) != 0)
      return 0;
    e += sizeof(col) - 1;
  }
  if (*e++ != '"')
    return 0;
  for (; *e; e++) {
    if (*e != '"')
      continue;
    if (e[1] == '"')
      e++;
    else
      return e[1] == '\0';
  }
  return 0;
}

static void
check_term(const struct match_term *t)
{
  struct match_term again;
  char err[SM_ERRLEN];
  size_t n;

  if (!t->text || !t->canonical || !t->text[0] || !t->canonical[0])
    abort();
  n = strlen(t->text);
  /* Normalised: valid UTF-8, single spaces between words, none around. */
  if (!util_utf8_valid(t->text, n) || t->text[0] == ' ' ||
      t->text[n - 1] == ' ' || strstr(t->text, "  ") || strchr(t->text, '\t'))
    abort();
  if (match_parse_keyword(t->canonical, &again, err, sizeof(err)) != SM_OK)
    abort();
  if (!term_equal(t, &again))
    abort();
  match_term_free(&again);

  if (t->kind == MATCH_TAG) {
    char *norm = match_tag_normalize(t->text);
    char *kw = t->text;

    if (match_term_fts(t) != NULL)
      abort();
    if (!norm || strcmp(norm, t->text) != 0)
      abort();
    free(norm);
    if (!match_tag_matches(t, &kw, 1))
      abort();
  } else {
    char *e = match_term_fts(t);

    if (!e || !fts_ok(e, t->kind))
      abort();
    free(e);
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct match_term *terms = NULL, *again = NULL, one;
  struct buf line = BUF_INIT(1 << 16);
  size_t n = 0, n2 = 0;
  char err[SM_ERRLEN];
  char *s;

  if (size > 1 << 16)
    return 0;
  s = malloc(size + 1);
  if (!s)
    return 0;
  memcpy(s, data, size);
  s[size] = '\0';

  err[0] = '\0';
  if (match_parse_query(s, &terms, &n, err, sizeof(err)) == SM_OK) {
    if (n > MATCH_MAX_TERMS || (n == 0) != (terms == NULL))
      abort();
    /* The canonical forms, joined, are the same query again. */
    for (size_t i = 0; i < n; i++) {
      check_term(&terms[i]);
      if (buf_puts(&line, terms[i].canonical) != SM_OK ||
          buf_putc(&line, ' ') != SM_OK)
        abort();
    }
    if (match_parse_query(buf_str(&line), &again, &n2, err, sizeof(err)) !=
            SM_OK ||
        n2 != n)
      abort();
    for (size_t i = 0; i < n; i++)
      if (!term_equal(&terms[i], &again[i]))
        abort();
  } else if (!err[0]) {
    abort(); /* every rejection says why */
  }

  err[0] = '\0';
  if (match_parse_keyword(s, &one, err, sizeof(err)) == SM_OK) {
    check_term(&one);
    match_term_free(&one);
  } else if (!err[0] || one.text || one.canonical) {
    abort();
  }

  match_terms_free(terms, n);
  match_terms_free(again, n2);
  buf_free(&line);
  free(s);
  return 0;
}
