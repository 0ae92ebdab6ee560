/* cmd_sign.c: not a command; the signing half of cmd_mail_open (cmd.h),
 * in a file of its own so that a program that never signs
 * (shortmail-receive) links neither the signer nor libcrypto. */
#include "config.h"

#include "cmd.h"
#include "log.h"
#include "signer.h"

enum sm_status
cmd_mail_open_signing(struct cmd_ctx *ctx, struct cmd_mail *m)
{
  const struct conf *c = &ctx->conf;
  char err[SM_ERRLEN];
  enum sm_status rc = cmd_mail_open(ctx, m);

  if (rc != SM_OK || !c->dkim.key_file)
    return rc;
  rc = signer_new(c->dkim.key_file, c->dkim.selector,
                  c->dkim.domain ? c->dkim.domain : c->list.domain, &m->signer,
                  err, sizeof(err));
  if (rc != SM_OK) {
    log_error("%s", err);
    cmd_mail_close(m);
    return rc;
  }
  m->signer_free = signer_free;
  return SM_OK;
}
