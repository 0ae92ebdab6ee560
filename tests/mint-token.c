/* mint-token: prints a token the way the list makes them, for shell
 * tests that must write to LIST+c-TOKEN@, open /u/TOKEN and so on.
 *
 *   mint-token SECRETFILE PURPOSE SUBSCRIBER OBJECT EXPIRES_AT
 *
 * PURPOSE is a token purpose name (confirm, c, bounce, unsub, k);
 * EXPIRES_AT is in seconds since the epoch. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

int
main(int argc, char **argv)
{
  struct token_secret secret = {NULL, 0};
  char err[SM_ERRLEN], *tok = NULL;
  int purpose;

  if (argc != 6) {
    fprintf(stderr, "usage: mint-token SECRETFILE PURPOSE SUBSCRIBER "
                    "OBJECT EXPIRES_AT\n");
    return 64;
  }
  purpose = token_purpose_parse(argv[2], strlen(argv[2]));
  if (purpose < 0) {
    fprintf(stderr, "mint-token: no token purpose \"%s\"\n", argv[2]);
    return 64;
  }
  if (token_secret_load(argv[1], &secret, err, sizeof(err)) != SM_OK) {
    fprintf(stderr, "mint-token: %s\n", err);
    return 66;
  }
  if (token_make(&secret, (enum token_purpose)purpose,
                 strtoll(argv[3], NULL, 10), strtoll(argv[4], NULL, 10),
                 strtoll(argv[5], NULL, 10), &tok) != SM_OK) {
    fprintf(stderr, "mint-token: cannot make the token\n");
    token_secret_free(&secret);
    return 70;
  }
  puts(tok);
  free(tok);
  token_secret_free(&secret);
  return 0;
}
