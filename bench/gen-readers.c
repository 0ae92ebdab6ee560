/* gen-readers.c: the interests of a million readers, fast, for
 * bench/digest.
 *
 *   gen-readers VOCAB READERS [SEED] > rows
 *
 * VOCAB has one entry a line, "KIND<TAB>TEXT", each kind in rank order
 * (most frequent first): w a content word, p a two-word phrase that
 * occurs in the summaries, c an arXiv category, t a site tag (bench/digest
 * writes it from scripts/genfeed.py's vocabulary). Each reader 1..READERS
 * gets 5 distinct keywords: a word (70%), a phrase (10%), a tag (15%:
 * 8% categories, 7% site tags) or a negated word (5%, never the first),
 * each kind drawn from a Zipf distribution over its ranks (s = 1.0 for
 * words and phrases, 1.1 for tags, as genfeed.py draws them).
 *
 * How popular a keyword is among readers is not how often it occurs in
 * summaries: the ranks of words, phrases and site tags are shuffled once
 * (a fixed permutation) before the Zipf draws. Otherwise the most
 * popular interests would be the most frequent words of every summary
 * ("network", "model": no reader's interest), each reader would match
 * two thirds of the week's summaries, and matches would be readers x
 * summaries, which is not what the benchmark is about. arXiv categories
 * keep their order: cs.LG leads among papers and among readers. Every
 * keyword is written in the canonical form match_parse_keyword gives,
 * which is how the store keeps interests.
 *
 * Output: rows for the interests table (subscriber_id, keyword,
 * created_at) in the sqlite3 CLI's ascii mode (fields end with 0x1F,
 * rows with 0x1E: no quoting, keywords hold quotes), for
 * `.mode ascii` + `.import`. The same arguments give the same bytes. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

#define NKEYWORDS 5
#define CREATED_AT 1790000000LL /* any time before the digests */
#define MAX_LINE 512

/* One kind of keyword: canonical forms by rank, and the cumulative Zipf
 * weights to draw a rank from. */
struct kind {
  char **canon;
  double *cum;
  size_t n, cap;
};

static uint64_t rng_state;

static uint64_t
rng_next(void)
{
  /* xorshift64*: fast and good enough for drawing ranks. */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ULL;
}

static double
rng_unit(void)
{
  return (double)(rng_next() >> 11) / 9007199254740992.0; /* [0, 1) */
}

/* A fixed permutation of the ranks, the same for two kinds (words and
 * their negations). */
static void
kind_shuffle(struct kind *a, struct kind *b)
{
  uint64_t saved = rng_state;

  rng_state = 0x5DEECE66DULL;
  for (size_t i = a->n; i > 1; i--) {
    size_t j = (size_t)(rng_next() % i);
    char *t = a->canon[i - 1];
    a->canon[i - 1] = a->canon[j];
    a->canon[j] = t;
    if (b) {
      t = b->canon[i - 1];
      b->canon[i - 1] = b->canon[j];
      b->canon[j] = t;
    }
  }
  rng_state = saved;
}

static const char *
kind_draw(const struct kind *k)
{
  double u = rng_unit() * k->cum[k->n - 1];
  size_t lo = 0, hi = k->n - 1;

  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (k->cum[mid] <= u)
      lo = mid + 1;
    else
      hi = mid;
  }
  return k->canon[lo];
}

/* Parses `text` as a reader would type it and keeps its canonical form:
 * what `add` stores. */
static int
kind_add(struct kind *k, const char *text, const char *file, long line)
{
  struct match_term t;
  char err[256];

  if (match_parse_keyword(text, &t, err, sizeof(err)) != SM_OK) {
    fprintf(stderr, "gen-readers: %s:%ld: %s: %s\n", file, line, text, err);
    return -1;
  }
  if (k->n == k->cap) {
    size_t cap = k->cap ? k->cap * 2 : 256;
    char **p = realloc(k->canon, cap * sizeof(*p));
    if (!p) {
      match_term_free(&t);
      return -1;
    }
    k->canon = p;
    k->cap = cap;
  }
  k->canon[k->n++] = t.canonical;
  t.canonical = NULL; /* kept */
  match_term_free(&t);
  return 0;
}

static int
kind_weigh(struct kind *k, double s, const char *name)
{
  double acc = 0;

  if (!k->n) {
    fprintf(stderr, "gen-readers: the vocabulary has no %s\n", name);
    return -1;
  }
  k->cum = malloc(k->n * sizeof(*k->cum));
  if (!k->cum)
    return -1;
  for (size_t i = 0; i < k->n; i++) {
    acc += 1.0 / pow((double)(i + 1), s);
    k->cum[i] = acc;
  }
  return 0;
}

static void
kind_free(struct kind *k)
{
  for (size_t i = 0; i < k->n; i++)
    free(k->canon[i]);
  free(k->canon);
  free(k->cum);
}

int
main(int argc, char **argv)
{
  struct kind words = {0}, negs = {0}, phrases = {0}, cats = {0}, tags = {0};
  char line[MAX_LINE], text[MAX_LINE + 16];
  FILE *fp = NULL;
  long nreaders, lineno = 0;
  int rc = 1;

  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: gen-readers VOCAB READERS [SEED] > rows\n");
    return 2;
  }
  nreaders = strtol(argv[2], NULL, 10);
  if (nreaders < 1) {
    fprintf(stderr, "gen-readers: READERS must be a positive number\n");
    return 2;
  }
  rng_state = argc == 4 ? strtoull(argv[3], NULL, 10) : 1;
  rng_state = rng_state * 0x9E3779B97F4A7C15ULL + 88172645463325252ULL;
  if (!(fp = fopen(argv[1], "r"))) {
    perror(argv[1]);
    return 1;
  }
  while (fgets(line, sizeof(line), fp)) {
    char *tab = strchr(line, '\t');
    struct kind *k;
    int r;

    lineno++;
    line[strcspn(line, "\r\n")] = '\0';
    if (!tab || tab != line + 1) {
      fprintf(stderr, "gen-readers: %s:%ld: expected KIND<TAB>TEXT\n", argv[1],
              lineno);
      goto out;
    }
    switch (line[0]) {
    case 'w':
      k = &words;
      break;
    case 'p':
      k = &phrases;
      break;
    case 'c':
      k = &cats;
      break;
    case 't':
      k = &tags;
      break;
    default:
      fprintf(stderr, "gen-readers: %s:%ld: unknown kind %c\n", argv[1],
              lineno, line[0]);
      goto out;
    }
    /* As a reader writes them: phrases quoted; a site tag without a dot
     * needs tag: (else it is a word). */
    if (k == &phrases)
      snprintf(text, sizeof(text), "\"%s\"", tab + 1);
    else if (k == &tags)
      snprintf(text, sizeof(text), "tag:%s", tab + 1);
    else
      snprintf(text, sizeof(text), "%s", tab + 1);
    r = kind_add(k, text, argv[1], lineno);
    if (r == 0 && k == &words) {
      snprintf(text, sizeof(text), "-%s", tab + 1);
      r = kind_add(&negs, text, argv[1], lineno);
    }
    if (r != 0)
      goto out;
  }
  kind_shuffle(&words, &negs);
  kind_shuffle(&phrases, NULL);
  kind_shuffle(&tags, NULL);
  if (kind_weigh(&words, 1.0, "words (w)") ||
      kind_weigh(&negs, 1.0, "words (w)") ||
      kind_weigh(&phrases, 1.0, "phrases (p)") ||
      kind_weigh(&cats, 1.1, "categories (c)") ||
      kind_weigh(&tags, 1.1, "tags (t)"))
    goto out;

  for (long r = 1; r <= nreaders; r++) {
    const char *mine[NKEYWORDS];
    int n = 0, tries = 0;

    while (n < NKEYWORDS && tries++ < 1000) {
      unsigned u = (unsigned)(rng_next() % 100);
      const char *kw;
      int dup = 0;

      if (u < 70)
        kw = kind_draw(&words);
      else if (u < 80)
        kw = kind_draw(&phrases);
      else if (u < 95)
        kw = kind_draw(u < 88 ? &cats : &tags);
      else if (n > 0) /* a reader of negations only would get nothing */
        kw = kind_draw(&negs);
      else
        continue;
      for (int i = 0; i < n; i++)
        dup |= !strcmp(mine[i], kw) ||
               (kw[0] == '-' && !strcmp(mine[i], kw + 1)) ||
               (mine[i][0] == '-' && !strcmp(mine[i] + 1, kw));
      if (!dup)
        mine[n++] = kw;
    }
    for (int i = 0; i < n; i++)
      printf("%ld\x1f%s\x1f%lld\x1e", r, mine[i], (long long)CREATED_AT);
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    perror("gen-readers: writing");
    goto out;
  }
  rc = 0;
out:
  if (fp)
    fclose(fp);
  kind_free(&words);
  kind_free(&negs);
  kind_free(&phrases);
  kind_free(&cats);
  kind_free(&tags);
  return rc;
}
