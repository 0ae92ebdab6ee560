/* signer.c: DKIM signing through libopendkim. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <opendkim/dkim.h>

#include "signer.h"
#include "util.h"

const char *const signer_headers[] = {"from",
                                      "to",
                                      "subject",
                                      "date",
                                      "message-id",
                                      "mime-version",
                                      "content-type",
                                      "reply-to",
                                      "in-reply-to",
                                      "references",
                                      "list-id",
                                      "list-unsubscribe",
                                      "list-unsubscribe-post",
                                      "list-help",
                                      "list-post",
                                      "auto-submitted",
                                      "precedence",
                                      NULL};

struct signer {
  DKIM_LIB *lib;
  char *key;
  char *selector;
  char *domain;
};

void
signer_free(struct signer *s)
{
  if (!s)
    return;
  if (s->lib)
    dkim_close(s->lib);
  if (s->key) {
    memset(s->key, 0, strlen(s->key));
    free(s->key);
  }
  free(s->selector);
  free(s->domain);
  free(s);
}

enum sm_status
signer_new(const char *key_file, const char *selector, const char *domain,
           struct signer **out, char *err, size_t errlen)
{
  struct signer *s = calloc(1, sizeof(*s));
  struct buf key = BUF_INIT(64 * 1024);
  enum sm_status rc;

  *out = NULL;
  if (!s)
    return SM_ERR_NOMEM;
  rc = util_read_file(key_file, &key);
  if (rc != SM_OK || !strstr(buf_str(&key), "PRIVATE KEY-----")) {
    snprintf(err, errlen, "%s: cannot read a PEM private key for DKIM: %s",
             key_file,
             rc == SM_OK          ? "no \"PRIVATE KEY\" block in the file"
             : rc == SM_ERR_LIMIT ? "the file is too large for a key"
             : rc == SM_ERR_NOMEM ? "out of memory"
                                  : strerror(errno));
    buf_free(&key);
    signer_free(s);
    return SM_ERR_CONFIG;
  }
  s->key = buf_detach(&key);
  s->selector = strdup(selector);
  s->domain = strdup(domain);
  s->lib = dkim_init(NULL, NULL);
  if (!s->selector || !s->domain || !s->lib) {
    signer_free(s);
    return SM_ERR_NOMEM;
  }
  /* Sign exactly our list; FIXCRLF: we hand it CRLF text already, and it
   * then folds its own field with CRLF too. */
  {
    unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;
    if (dkim_options(s->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
                     sizeof(flags)) != DKIM_STAT_OK ||
        dkim_options(s->lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS,
                     (void *)signer_headers,
                     sizeof(const char **)) != DKIM_STAT_OK) {
      snprintf(err, errlen, "libopendkim refused its options");
      signer_free(s);
      return SM_ERR_INTERNAL;
    }
  }
  *out = s;
  return SM_OK;
}

/* Feeds one unfolded-or-folded header field (without its final CRLF). */
static DKIM_STAT
feed_header(DKIM *d, const char *p, size_t n)
{
  return dkim_header(d, (u_char *)p, n);
}

enum sm_status
signer_sign(struct signer *s, struct buf *msg, int64_t t, char *err,
            size_t errlen)
{
  const char *m = buf_str(msg), *end = m + msg->len, *p, *body;
  struct buf out = BUF_INIT(msg->max + 4096);
  DKIM_STAT st;
  DKIM *d;
  unsigned char *sig = NULL;
  size_t siglen = 0;
  uint64_t fixed = (uint64_t)t;
  enum sm_status rc = SM_OK;

  body = strstr(m, "\r\n\r\n");
  if (!body) {
    snprintf(err, errlen, "DKIM: the message has no header/body boundary");
    return SM_ERR_INTERNAL;
  }
  body += 4;
  /* The signature's time is the message's: a retry signs identically. */
  dkim_options(s->lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME, &fixed,
               sizeof(fixed));
  d = dkim_sign(s->lib, (const unsigned char *)"shortmail", NULL,
                (dkim_sigkey_t)s->key, (const unsigned char *)s->selector,
                (const unsigned char *)s->domain, DKIM_CANON_RELAXED,
                DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &st);
  if (!d) {
    snprintf(err, errlen, "DKIM: cannot start signing (status %d)", st);
    return SM_ERR_CONFIG;
  }
  /* Each field runs to a CRLF not followed by white space. */
  for (p = m; p < body - 2 && st == DKIM_STAT_OK;) {
    const char *e = p;
    for (;;) {
      e = strstr(e, "\r\n");
      if (!e || e + 2 >= body || (e[2] != ' ' && e[2] != '\t'))
        break;
      e += 2;
    }
    if (!e)
      break;
    st = feed_header(d, p, (size_t)(e - p));
    p = e + 2;
  }
  if (st == DKIM_STAT_OK)
    st = dkim_eoh(d);
  if (st == DKIM_STAT_OK)
    st = dkim_body(d, (u_char *)body, (size_t)(end - body));
  if (st == DKIM_STAT_OK)
    st = dkim_eom(d, NULL);
  if (st == DKIM_STAT_OK)
    st = dkim_getsighdr_d(d, strlen(DKIM_SIGNHEADER) + 2, &sig, &siglen);
  if (st != DKIM_STAT_OK) {
    const char *why = dkim_geterror(d);
    snprintf(err, errlen, "DKIM: signing failed: %s",
             why ? why : dkim_getresultstr(st));
    rc = SM_ERR_CONFIG;
    goto out;
  }
  rc = buf_printf(&out, "%s: ", DKIM_SIGNHEADER);
  /* Folded with CRLF, whatever the library used. */
  for (size_t i = 0; i < siglen && rc == SM_OK; i++) {
    if (sig[i] == '\n' && (i == 0 || sig[i - 1] != '\r'))
      rc = buf_puts(&out, "\r\n");
    else
      rc = buf_putc(&out, (char)sig[i]);
  }
  if (rc == SM_OK)
    rc = buf_puts(&out, "\r\n");
  if (rc == SM_OK)
    rc = buf_append(&out, m, msg->len);
  if (rc == SM_OK) {
    buf_free(msg);
    *msg = out;
    out.data = NULL;
  }
out:
  buf_free(&out);
  dkim_free(d);
  return rc;
}
