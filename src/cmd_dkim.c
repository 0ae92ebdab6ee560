/* cmd_dkim.c: `shortmail dkim-record`: the DNS record that publishes the
 * [dkim] key, made from the key itself so it cannot drift from what send
 * signs with. */
#include "config.h"

#include <stdio.h>
#include <sysexits.h>

#include "buf.h"
#include "cmd.h"
#include "log.h"
#include "signer.h"

static const char usage[] =
    "usage: shortmail dkim-record\n"
    "\n"
    "Print the DNS TXT record that publishes the public half of the [dkim]\n"
    "key_file (RSA or Ed25519), for SELECTOR._domainkey.DOMAIN:\n"
    "\n"
    "  shortmail._domainkey.lists.example.org. IN TXT \"v=DKIM1; k=rsa; "
    "p=...\"\n"
    "\n"
    "in zone-file form, the text split into quoted strings of at most 255\n"
    "bytes (k=ed25519 for an Ed25519 key). Reads the private key: run it\n"
    "as the user that sends. See doc/deliverability.md.\n";

static int
cmd_dkim_record(struct cmd_ctx *ctx, int argc, char **argv)
{
  const struct conf *c = &ctx->conf;
  struct buf out = BUF_INIT(16 * 1024);
  struct signer *s = NULL;
  char err[SM_ERRLEN];
  enum sm_status rc;

  if (argc > 1)
    return cmd_usage_error(ctx, "unexpected argument \"%s\"", argv[1]);
  if (!c->dkim.key_file) {
    log_error("no [dkim] key_file is set: there is no key to publish");
    return EX_CONFIG;
  }
  rc = signer_new(c->dkim.key_file, c->dkim.selector,
                  c->dkim.domain ? c->dkim.domain : c->list.domain, &s, err,
                  sizeof(err));
  if (rc != SM_OK) {
    log_error("%s", err);
    return sm_exit_code(rc);
  }
  rc = signer_dns_record(s, &out);
  signer_free(s);
  if (rc == SM_OK && fwrite(out.data, 1, out.len, stdout) != out.len)
    rc = SM_ERR_IO;
  buf_free(&out);
  if (rc != SM_OK) {
    log_error("dkim-record: %s", sm_strerror(rc));
    return sm_exit_code(rc);
  }
  return EX_OK;
}

const struct cmd_def cmd_dkim_record_def = {
    "dkim-record", cmd_dkim_record, "print the DNS record of the DKIM key",
    usage, 0};
