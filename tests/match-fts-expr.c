/* match-fts-expr.c: for tests/match-fts.sh. Reads one keyword a line on
 * stdin and prints, a line each, what the match module makes of it:
 *   fts<TAB>EXPRESSION   for words, phrases and authors
 *   tag<TAB>TEXT         for tags
 *   error<TAB>MESSAGE    when the keyword is rejected
 * The script runs each expression in a real FTS5 table: the match module
 * itself may not use SQLite (the store owns it). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "status.h"

int
main(void)
{
  char line[8192];

  /* Lines longer than the buffer are split; the script's are short. */
  while (fgets(line, sizeof(line), stdin)) {
    struct match_term t;
    char err[SM_ERRLEN];
    size_t n = strlen(line);

    if (n > 0 && line[n - 1] == '\n')
      line[--n] = '\0';
    if (match_parse_keyword(line, &t, err, sizeof(err)) != SM_OK) {
      printf("error\t%s\n", err);
      continue;
    }
    if (t.kind == MATCH_TAG) {
      printf("tag\t%s\n", t.text);
    } else {
      char *expr = match_term_fts(&t);

      if (!expr) {
        fprintf(stderr, "match-fts-expr: out of memory\n");
        match_term_free(&t);
        return 1;
      }
      printf("fts\t%s\n", expr);
      free(expr);
    }
    match_term_free(&t);
  }
  return ferror(stdin) ? 1 : 0;
}
