/* dkim-sign.c: signs one message from stdin with the signer, for
 * tests/dkim.sh, which hands messages of every shape to two independent
 * verifiers.
 *   dkim-sign KEY_FILE SELECTOR DOMAIN TIME < message > signed */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "signer.h"
#include "util.h"

int
main(int argc, char **argv)
{
  struct buf msg = BUF_INIT(16 * 1024 * 1024);
  struct signer *s = NULL;
  char err[SM_ERRLEN];

  if (argc != 5) {
    fprintf(stderr, "usage: dkim-sign KEY SELECTOR DOMAIN TIME\n");
    return 64;
  }
  if (signer_new(argv[1], argv[2], argv[3], &s, err, sizeof(err)) != SM_OK) {
    fprintf(stderr, "dkim-sign: %s\n", err);
    return 78;
  }
  if (util_read_fd(STDIN_FILENO, &msg) != SM_OK ||
      signer_sign(s, &msg, strtoll(argv[4], NULL, 10), err, sizeof(err)) !=
          SM_OK) {
    fprintf(stderr, "dkim-sign: %s\n", err);
    return 1;
  }
  fwrite(msg.data, 1, msg.len, stdout);
  buf_free(&msg);
  signer_free(s);
  return 0;
}
