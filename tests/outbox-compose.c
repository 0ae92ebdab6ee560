/* outbox-compose: the bytes `shortmail send` would put on the wire for
 * each queued outbox row, for the tests that compare them with
 * `shortmail preview` (tests/digest-mime.sh):
 *
 *   outbox-compose CONFIG DIR
 *
 * Claims every due row as a sender does (store_outbox_claim at
 * util_now(), so SHORTMAIL_NOW applies), composes it with
 * compose_message from the claimed row, exactly as a sender gets it
 * (src/deliver.c), DKIM-signed when [dkim] key_file is set,
 * writes it to DIR/ID.eml and prints "ID KIND RECIPIENT MESSAGE-ID" per
 * row. The claims are given back at the end, so the store is left as it
 * was (apart from the lease bookkeeping).
 *
 * Exit status: 0 when every row was written, 1 otherwise, 2 for usage. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compose.h"
#include "conf.h"
#include "signer.h"
#include "store.h"
#include "tmpl.h"
#include "token.h"
#include "util.h"

#define OWNER "outbox-compose"
#define MAX_ROWS 100000
#define MAX_MESSAGE (64 * 1024 * 1024)

static int
write_file(const char *path, const struct buf *b)
{
  FILE *fp = fopen(path, "wb");

  if (!fp)
    return -1;
  if (fwrite(b->data, 1, b->len, fp) != b->len) {
    fclose(fp);
    return -1;
  }
  return fclose(fp) ? -1 : 0;
}

int
main(int argc, char **argv)
{
  struct conf conf;
  struct token_secret secret = {NULL, 0};
  struct tmpl_set *tmpl = NULL;
  struct signer *signer = NULL;
  struct store *st = NULL;
  struct compose *comp = NULL;
  struct store_claimed *rows = NULL;
  struct env env;
  struct buf msg = BUF_INIT(MAX_MESSAGE);
  char err[SM_ERRLEN];
  size_t n = 0;
  int ret = 1, conf_ok = 0;
  enum sm_status rc;

  if (argc != 3) {
    fprintf(stderr, "usage: outbox-compose CONFIG DIR\n");
    return 2;
  }
  rc = conf_load(&conf, argv[1], 1, err, sizeof(err));
  if (rc != SM_OK) {
    fprintf(stderr, "outbox-compose: %s\n", err);
    return 1;
  }
  conf_ok = 1;
  rc = token_secret_load(conf.secret.file, &secret, err, sizeof(err));
  if (rc == SM_OK)
    rc = tmpl_set_open(conf.templates.dir, &tmpl, err, sizeof(err));
  /* Signed as `shortmail send` signs (src/cmd.c, cmd_mail_open). */
  if (rc == SM_OK && conf.dkim.key_file)
    rc = signer_new(conf.dkim.key_file, conf.dkim.selector,
                    conf.dkim.domain ? conf.dkim.domain : conf.list.domain,
                    &signer, err, sizeof(err));
  if (rc == SM_OK)
    rc = store_open(conf.store.path, conf.store.busy_timeout, 0, &st, err,
                    sizeof(err));
  if (rc != SM_OK) {
    fprintf(stderr, "outbox-compose: %s\n", err);
    goto out;
  }
  memset(&env, 0, sizeof(env));
  env.conf = &conf;
  env.st = st;
  env.secret = &secret;
  env.tmpl = tmpl;
  env.signer = signer;
  rc = compose_new(&env, &comp);
  if (rc == SM_OK)
    rc = store_outbox_claim(st, OWNER, util_now(), 3600, MAX_ROWS, &rows, &n);
  if (rc != SM_OK) {
    fprintf(stderr, "outbox-compose: %s\n", store_errmsg(st));
    goto out;
  }
  ret = 0;
  for (size_t i = 0; i < n; i++) {
    struct compose_row row = {rows[i].kind,       rows[i].subscriber_id,
                              rows[i].recipient,  rows[i].issue,
                              rows[i].message_id, rows[i].payload,
                              rows[i].created_at};
    char path[4096];

    buf_reset(&msg);
    rc = compose_message(comp, &row, &msg, NULL, err, sizeof(err));
    snprintf(path, sizeof(path), "%s/%lld.eml", argv[2],
             (long long)rows[i].id);
    if (rc != SM_OK) {
      fprintf(stderr, "outbox-compose: %s\n", err);
      ret = 1;
    } else if (write_file(path, &msg) < 0) {
      fprintf(stderr, "outbox-compose: %s: cannot write\n", path);
      ret = 1;
    } else
      printf("%lld %s %s %s\n", (long long)rows[i].id, rows[i].kind,
             rows[i].recipient, rows[i].message_id);
  }
  if (store_outbox_release(st, OWNER) != SM_OK) {
    fprintf(stderr, "outbox-compose: %s\n", store_errmsg(st));
    ret = 1;
  }
out:
  store_claimed_free(rows, n);
  compose_free(comp);
  buf_free(&msg);
  store_close(st);
  tmpl_set_free(tmpl);
  signer_free(signer);
  token_secret_free(&secret);
  if (conf_ok)
    conf_free(&conf);
  return ret;
}
