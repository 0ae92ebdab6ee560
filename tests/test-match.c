/* test-match.c: the keyword language: kinds, normalised texts, canonical
 * forms, FTS5 expressions, errors and their messages, query splitting. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "status.h"
#include "tap.h"

static const char *const kind_names[] = {"word", "phrase", "tag", "author"};

/* Parses s and checks every field of the term and its FTS5 expression
 * (fts NULL for tags). */
static void
check(const char *s, enum match_kind kind, int negated, const char *text,
      const char *canonical, const char *fts)
{
  struct match_term t;
  char err[SM_ERRLEN] = "";
  char name[256];
  enum sm_status st = match_parse_keyword(s, &t, err, sizeof(err));
  char *expr;

  snprintf(name, sizeof(name), "%s parses", s);
  if (!is_int(st, SM_OK, name)) {
    diag("error: %s", err);
    return;
  }
  snprintf(name, sizeof(name), "%s is a %s", s, kind_names[kind]);
  if (!is_int(t.kind, kind, name))
    diag("got kind %s", kind_names[t.kind]);
  snprintf(name, sizeof(name), "%s negated=%d", s, negated);
  is_int(t.negated, negated, name);
  snprintf(name, sizeof(name), "%s text", s);
  is_str(t.text, text, name);
  snprintf(name, sizeof(name), "%s canonical", s);
  is_str(t.canonical, canonical, name);
  expr = match_term_fts(&t);
  snprintf(name, sizeof(name), "%s fts", s);
  is_str(expr, fts, name);
  free(expr);
  match_term_free(&t);
}

/* A test name from a keyword: control characters would break TAP. */
static void
name_of(char *name, size_t len, const char *s, const char *suffix)
{
  snprintf(name, len, "%s%s", s, suffix);
  for (char *p = name; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = '?';
}

/* Fills out with n copies of piece. */
static void
repeat(char *out, size_t outlen, const char *piece, int n)
{
  size_t len = 0, k = strlen(piece);

  for (int i = 0; i < n && len + k < outlen; i++, len += k)
    memcpy(out + len, piece, k);
  out[len] = '\0';
}

/* Parses s expecting failure with status want and message msg. */
static void
check_err(const char *s, enum sm_status want, const char *msg)
{
  struct match_term t;
  char err[SM_ERRLEN] = "";
  char name[256];
  enum sm_status st = match_parse_keyword(s, &t, err, sizeof(err));

  name_of(name, sizeof(name), s, " is rejected");
  is_int(st, want, name);
  name_of(name, sizeof(name), s, ": message");
  is_str(err, msg, name);
  ok(t.text == NULL && t.canonical == NULL, "failed parse leaves no term");
  match_term_free(&t);
}

static void
test_words(void)
{
  check("gan", MATCH_WORD, 0, "gan", "gan", "\"gan\"");
  check("GAN", MATCH_WORD, 0, "gan", "gan", "\"gan\"");
  check("  ResNet\t", MATCH_WORD, 0, "resnet", "resnet", "\"resnet\"");
  /* Inside a word punctuation stays: FTS5 splits it into a phrase. */
  check("self-attention", MATCH_WORD, 0, "self-attention", "self-attention",
        "\"self-attention\"");
  check("t-SNE", MATCH_WORD, 0, "t-sne", "t-sne", "\"t-sne\"");
  check("c++", MATCH_WORD, 0, "c++", "c++", "\"c++\"");
  check("word2vec", MATCH_WORD, 0, "word2vec", "word2vec", "\"word2vec\"");
  check("3d", MATCH_WORD, 0, "3d", "3d", "\"3d\"");
  /* FTS5 operators and syntax are only words here. */
  check("NEAR", MATCH_WORD, 0, "near", "near", "\"near\"");
  check("AND", MATCH_WORD, 0, "and", "and", "\"and\"");
  check("NOT", MATCH_WORD, 0, "not", "not", "\"not\"");
  check("OR", MATCH_WORD, 0, "or", "or", "\"or\"");
  check("gan*", MATCH_WORD, 0, "gan*", "gan*", "\"gan*\"");
  check("^gan", MATCH_WORD, 0, "^gan", "^gan", "\"^gan\"");
  check("(gan)", MATCH_WORD, 0, "(gan)", "(gan)", "\"(gan)\"");
  check("NEAR(a", MATCH_WORD, 0, "near(a", "near(a", "\"near(a\"");
  check("a+b", MATCH_WORD, 0, "a+b", "a+b", "\"a+b\"");
  /* Case folding beyond ASCII. */
  check("ÉCOLE", MATCH_WORD, 0, "école", "école", "\"école\"");
  check("SCHRÖDINGER", MATCH_WORD, 0, "schrödinger", "schrödinger",
        "\"schrödinger\"");
  check("ŁÓDŹ", MATCH_WORD, 0, "łódź", "łódź", "\"łódź\"");
  check("ČESKÝ", MATCH_WORD, 0, "český", "český", "\"český\"");
  check("ΑΛΦΑ", MATCH_WORD, 0, "αλφα", "αλφα", "\"αλφα\"");
  check("МОСКВА", MATCH_WORD, 0, "москва", "москва", "\"москва\"");
  check("ŸÆØ", MATCH_WORD, 0, "ÿæø", "ÿæø", "\"ÿæø\"");
  check("İSTANBUL", MATCH_WORD, 0, "istanbul", "istanbul", "\"istanbul\"");
  /* Other scripts are kept as they are. */
  check("学习", MATCH_WORD, 0, "学习", "学习", "\"学习\"");
  check("×2", MATCH_WORD, 0, "×2", "×2", "\"×2\"");
}

static void
test_phrases(void)
{
  check("\"batch normalization\"", MATCH_PHRASE, 0, "batch normalization",
        "\"batch normalization\"", "\"batch normalization\"");
  check("\"  Batch \t  NORMALIZATION \"", MATCH_PHRASE, 0,
        "batch normalization", "\"batch normalization\"",
        "\"batch normalization\"");
  /* Punctuation-only words are dropped, as the tokenizer would. */
  check("\"a - b\"", MATCH_PHRASE, 0, "a b", "\"a b\"", "\"a b\"");
  /* A quoted single word is a word. */
  check("\"gan\"", MATCH_WORD, 0, "gan", "gan", "\"gan\"");
  check("\"- GAN -\"", MATCH_WORD, 0, "gan", "gan", "\"gan\"");
  /* ... but quoted so it reads back as a word, not a tag or negation. */
  check("\"cs.LG\"", MATCH_WORD, 0, "cs.lg", "\"cs.lg\"", "\"cs.lg\"");
  check("\"title:foo\"", MATCH_WORD, 0, "title:foo", "\"title:foo\"",
        "\"title:foo\"");
  check("\"-gan\"", MATCH_WORD, 0, "-gan", "\"-gan\"", "\"-gan\"");
  check("\"author:x\"", MATCH_WORD, 0, "author:x", "\"author:x\"",
        "\"author:x\"");
  check("\"A AND B\"", MATCH_PHRASE, 0, "a and b", "\"a and b\"",
        "\"a and b\"");
  check("\"x NEAR y\"", MATCH_PHRASE, 0, "x near y", "\"x near y\"",
        "\"x near y\"");
}

static void
test_tags(void)
{
  check("cs.LG", MATCH_TAG, 0, "cs.lg", "cs.lg", NULL);
  check("stat.ML", MATCH_TAG, 0, "stat.ml", "stat.ml", NULL);
  check("thema:DeepWalk", MATCH_TAG, 0, "thema:deepwalk", "thema:deepwalk",
        NULL);
  check("tag:ImageNet", MATCH_TAG, 0, "imagenet", "tag:imagenet", NULL);
  check("TAG:imagenet", MATCH_TAG, 0, "imagenet", "tag:imagenet", NULL);
  check("tag:cs.LG", MATCH_TAG, 0, "cs.lg", "cs.lg", NULL);
  check("tag:\"Image  Net\"", MATCH_TAG, 0, "image net", "tag:\"image net\"",
        NULL);
  check("tag:\"cs.CV\"", MATCH_TAG, 0, "cs.cv", "cs.cv", NULL);
  /* A tag is literal: punctuation in it is kept. */
  check("tag:\"a - b\"", MATCH_TAG, 0, "a - b", "tag:\"a - b\"", NULL);
  check("tag:-x", MATCH_TAG, 0, "-x", "tag:-x", NULL);
  check("tag:tag:x", MATCH_TAG, 0, "tag:x", "tag:tag:x", NULL);
  check("tag:author:x", MATCH_TAG, 0, "author:x", "tag:author:x", NULL);
  check("title:foo", MATCH_TAG, 0, "title:foo", "title:foo", NULL);
  check("1.5", MATCH_TAG, 0, "1.5", "1.5", NULL);
}

static void
test_authors(void)
{
  check("author:Hinton", MATCH_AUTHOR, 0, "hinton", "author:hinton",
        "authors : \"hinton\"");
  check("Author:HINTON", MATCH_AUTHOR, 0, "hinton", "author:hinton",
        "authors : \"hinton\"");
  check("author:\"Geoffrey  Hinton\"", MATCH_AUTHOR, 0, "geoffrey hinton",
        "author:\"geoffrey hinton\"", "authors : \"geoffrey hinton\"");
  check("author:\"hinton\"", MATCH_AUTHOR, 0, "hinton", "author:hinton",
        "authors : \"hinton\"");
  check("author:G.Hinton", MATCH_AUTHOR, 0, "g.hinton", "author:g.hinton",
        "authors : \"g.hinton\"");
  check("author:LeCun:x", MATCH_AUTHOR, 0, "lecun:x", "author:lecun:x",
        "authors : \"lecun:x\"");
  check("author:\"Ioffe, S.\"", MATCH_AUTHOR, 0, "ioffe, s.",
        "author:\"ioffe, s.\"", "authors : \"ioffe, s.\"");
  check("author:-x", MATCH_AUTHOR, 0, "-x", "author:-x", "authors : \"-x\"");
  check("author:Gödel", MATCH_AUTHOR, 0, "gödel", "author:gödel",
        "authors : \"gödel\"");
}

static void
test_negation(void)
{
  check("-gan", MATCH_WORD, 1, "gan", "-gan", "\"gan\"");
  check("-\"Batch Norm\"", MATCH_PHRASE, 1, "batch norm", "-\"batch norm\"",
        "\"batch norm\"");
  check("-cs.CV", MATCH_TAG, 1, "cs.cv", "-cs.cv", NULL);
  check("-tag:imagenet", MATCH_TAG, 1, "imagenet", "-tag:imagenet", NULL);
  check("-author:X", MATCH_AUTHOR, 1, "x", "-author:x", "authors : \"x\"");
  check("-\"-gan\"", MATCH_WORD, 1, "-gan", "-\"-gan\"", "\"-gan\"");
  check("-t-sne", MATCH_WORD, 1, "t-sne", "-t-sne", "\"t-sne\"");
  /* '-' inside or at the end of a word is not negation. */
  check("gan-", MATCH_WORD, 0, "gan-", "gan-", "\"gan-\"");
}

static void
test_errors(void)
{
  char big[300];

  check_err("", SM_ERR_DATA, "empty keyword");
  check_err("   \t", SM_ERR_DATA, "empty keyword");
  check_err("-", SM_ERR_DATA,
            "'-' alone is not a keyword: write -word to exclude a word");
  check_err("--gan", SM_ERR_DATA, "double '-' in --gan");
  check_err("!!!", SM_ERR_DATA, "no letter or digit in !!!");
  check_err("...", SM_ERR_DATA, "no letter or digit in ...");
  check_err("-?", SM_ERR_DATA, "no letter or digit in -?");
  check_err("—…", SM_ERR_DATA, "no letter or digit in —…");
  check_err("\"- -\"", SM_ERR_DATA, "no letter or digit in \"- -\"");
  check_err("\"\"", SM_ERR_DATA, "empty quotes in \"\"");
  check_err("\" \"", SM_ERR_DATA, "empty quotes in \" \"");
  check_err("\"batch norm", SM_ERR_DATA, "unbalanced quote in \"batch norm");
  check_err("\"", SM_ERR_DATA, "unbalanced quote in \"");
  check_err("-\"gan", SM_ERR_DATA, "unbalanced quote in -\"gan");
  check_err("gan\"", SM_ERR_DATA,
            "misplaced quote in gan\": quotes go around a whole phrase");
  check_err("ba\"tch\"", SM_ERR_DATA,
            "misplaced quote in ba\"tch\": quotes go around a whole phrase");
  check_err("\"a \"b\" c\"", SM_ERR_DATA, "nested quotes in \"a \"b\" c\"");
  check_err("\"a\"b", SM_ERR_DATA, "text after the closing quote in \"a\"b");
  check_err("batch norm", SM_ERR_DATA,
            "white space in batch norm: put a phrase in quotes");
  check_err("author:", SM_ERR_DATA, "author: needs a name after it");
  check_err("-AUTHOR:", SM_ERR_DATA, "-AUTHOR: needs a name after it");
  check_err("author:\"\"", SM_ERR_DATA, "empty quotes in author:\"\"");
  check_err("author:\"Hinton", SM_ERR_DATA,
            "unbalanced quote in author:\"Hinton");
  check_err("author:..", SM_ERR_DATA, "no letter or digit in author:..");
  check_err("tag:", SM_ERR_DATA, "tag: needs a keyword after it");
  check_err("tag:\"a\"\"b\"", SM_ERR_DATA, "nested quotes in tag:\"a\"\"b\"");
  check_err("gan\x01", SM_ERR_DATA, "control character in keyword");
  check_err("\"a\nb\"", SM_ERR_DATA, "control character in keyword");
  check_err("a\x7f", SM_ERR_DATA, "control character in keyword");
  check_err("a\xc2\x85", SM_ERR_DATA, "control character in keyword");
  check_err("a\xe2\x80\xa8", SM_ERR_DATA, "control character in keyword");
  check_err("g\xe9n", SM_ERR_DATA, "keyword is not valid UTF-8");
  check_err("\xc0\xaf", SM_ERR_DATA, "keyword is not valid UTF-8");
  check_err("\xed\xa0\x80", SM_ERR_DATA, "keyword is not valid UTF-8");

  /* The limit counts characters, not bytes. */
  repeat(big, sizeof(big), "a", 101);
  check_err(big, SM_ERR_LIMIT, "keyword longer than 100 characters");
  repeat(big, sizeof(big), "é", 100);
  {
    struct match_term t;
    char err[SM_ERRLEN];

    is_int(match_parse_keyword(big, &t, err, sizeof(err)), SM_OK,
           "100 two-byte characters are within the limit");
    match_term_free(&t);
  }
  repeat(big, sizeof(big), "é", 101);
  check_err(big, SM_ERR_LIMIT, "keyword longer than 100 characters");
}

/* A keyword of exactly the limit parses, and its expression is whole. */
static void
test_limit_fts(void)
{
  char word[101], want[104];
  struct match_term t;
  char err[SM_ERRLEN];
  char *expr;

  memset(word, 'x', 100);
  word[100] = '\0';
  snprintf(want, sizeof(want), "\"%s\"", word);
  is_int(match_parse_keyword(word, &t, err, sizeof(err)), SM_OK,
         "100-character word parses");
  expr = match_term_fts(&t);
  is_str(expr, want, "100-character word fts");
  free(expr);
  match_term_free(&t);
}

static void
test_err_truncation(void)
{
  struct match_term t;
  char err[24];

  /* "unbalanced quote in \"é" would cut é in half at 23 bytes. */
  is_int(match_parse_keyword("\"ééééééééé", &t, err, sizeof(err)), SM_ERR_DATA,
         "truncated message: status");
  is_str(err, "unbalanced quote in \"é", "truncated message ends whole");
}

static void
test_fts_quoting(void)
{
  struct match_term t = {MATCH_WORD, 0, (char *)"say \"hi\"", NULL};
  char *expr = match_term_fts(&t);

  /* The parser never makes such a text; a term built by hand still gets
   * an FTS5 string with its quotes doubled. */
  is_str(expr, "\"say \"\"hi\"\"\"", "fts doubles embedded quotes");
  free(expr);
  t.kind = MATCH_AUTHOR;
  expr = match_term_fts(&t);
  is_str(expr, "authors : \"say \"\"hi\"\"\"", "author fts doubles quotes");
  free(expr);
  t.kind = MATCH_TAG;
  ok(match_term_fts(&t) == NULL, "no fts for a tag");
  ok(match_term_fts(NULL) == NULL, "no fts for NULL");
}

static void
test_query(void)
{
  struct match_term *terms = NULL;
  size_t n = 99;
  char err[SM_ERRLEN] = "";
  char line[4096];
  size_t len;
  enum sm_status st;

  st = match_parse_query(
      "  cs.LG \"batch  normalization\"\t-author:\"Geoffrey Hinton\" gan\n"
      "-\"a b\" tag:\"image net\"  ",
      &terms, &n, err, sizeof(err));
  is_int(st, SM_OK, "query parses");
  if (is_int(n, 6, "six keywords")) {
    is_str(terms[0].canonical, "cs.lg", "query 1");
    is_str(terms[1].canonical, "\"batch normalization\"", "query 2");
    is_str(terms[2].canonical, "-author:\"geoffrey hinton\"", "query 3");
    is_int(terms[2].negated, 1, "query 3 negated");
    is_str(terms[3].canonical, "gan", "query 4");
    is_str(terms[4].canonical, "-\"a b\"", "query 5");
    is_str(terms[5].canonical, "tag:\"image net\"", "query 6");
    is_int(terms[5].kind, MATCH_TAG, "query 6 is a tag");
  }
  match_terms_free(terms, n);

  st = match_parse_query(" \t\n", &terms, &n, err, sizeof(err));
  is_int(st, SM_OK, "blank query parses");
  ok(terms == NULL && n == 0, "blank query: no terms");

  st = match_parse_query("gan \"batch norm", &terms, &n, err, sizeof(err));
  is_int(st, SM_ERR_DATA, "unbalanced quote in a query");
  is_str(err, "unbalanced quote in \"batch norm", "message names it");
  ok(terms == NULL && n == 0, "failed query returns nothing");

  st = match_parse_query("gan \"a \"b\" c\"", &terms, &n, err, sizeof(err));
  is_int(st, SM_ERR_DATA, "nested quotes in a query");
  is_str(err, "nested quotes in \"a \"b\" c\"", "nested quotes message");

  st = match_parse_query("gan - cnn", &terms, &n, err, sizeof(err));
  is_int(st, SM_ERR_DATA, "bare - in a query");
  is_str(err, "'-' alone is not a keyword: write -word to exclude a word",
         "bare - message");

  st = match_parse_query("gan \xff", &terms, &n, err, sizeof(err));
  is_int(st, SM_ERR_DATA, "invalid UTF-8 in a query");
  is_str(err, "keywords are not valid UTF-8", "invalid UTF-8 message");

  st = match_parse_query("a\x01 b", &terms, &n, err, sizeof(err));
  is_str(err, "control character in keyword", "control char in a query");

  len = 0;
  for (int i = 0; i < MATCH_MAX_TERMS; i++)
    len += (size_t)snprintf(line + len, sizeof(line) - len, "w%d ", i);
  st = match_parse_query(line, &terms, &n, err, sizeof(err));
  is_int(st, SM_OK, "50 keywords parse");
  is_int(n, MATCH_MAX_TERMS, "50 terms");
  if (n == MATCH_MAX_TERMS)
    is_str(terms[49].text, "w49", "last of 50");
  match_terms_free(terms, n);
  snprintf(line + len, sizeof(line) - len, "one-more");
  st = match_parse_query(line, &terms, &n, err, sizeof(err));
  is_int(st, SM_ERR_LIMIT, "51 keywords are too many");
  is_str(err, "more than 50 keywords", "too many message");
  ok(terms == NULL && n == 0, "too many: nothing returned");
}

static void
test_tags_match(void)
{
  char *kws[] = {"Image  Net", "cs.LG", NULL, " ÉCOLE "};
  struct match_term t;
  char err[SM_ERRLEN];
  char *norm;

  norm = match_tag_normalize("  Image \t Net  ");
  is_str(norm, "image net", "normalize trims, folds, collapses");
  free(norm);
  norm = match_tag_normalize("   ");
  is_str(norm, "", "normalize of blank is empty");
  free(norm);
  ok(match_tag_normalize("\xff") == NULL, "normalize rejects bad UTF-8");

  match_parse_keyword("CS.lg", &t, err, sizeof(err));
  ok(match_tag_matches(&t, kws, 4), "cs.LG matches CS.lg");
  ok(!match_tag_matches(&t, kws, 1), "cs.LG not in the first keyword only");
  match_term_free(&t);
  match_parse_keyword("tag:\"image net\"", &t, err, sizeof(err));
  ok(match_tag_matches(&t, kws, 4), "image net matches 'Image  Net'");
  match_term_free(&t);
  match_parse_keyword("tag:image", &t, err, sizeof(err));
  ok(!match_tag_matches(&t, kws, 4), "a prefix of a keyword is no match");
  match_term_free(&t);
  match_parse_keyword("tag:imagenet", &t, err, sizeof(err));
  ok(!match_tag_matches(&t, kws, 4), "spaces count in tags");
  match_term_free(&t);
  match_parse_keyword("-tag:école", &t, err, sizeof(err));
  ok(match_tag_matches(&t, kws, 4), "negated tag matches (negation ignored)");
  match_term_free(&t);
  match_parse_keyword("cs", &t, err, sizeof(err));
  ok(!match_tag_matches(&t, kws, 4), "a word is not a tag");
  match_term_free(&t);
}

int
main(void)
{
  test_words();
  test_phrases();
  test_tags();
  test_authors();
  test_negation();
  test_errors();
  test_limit_fts();
  test_err_truncation();
  test_fts_quoting();
  test_query();
  test_tags_match();
  return done_testing();
}
