/* receive_bounce.c: bounces and unsubscribes by mail. Which bounces are
 * believed is decided here; what they do to a reader, in bouncer.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "bounce.h"
#include "bouncer.h"
#include "buf.h"
#include "log.h"
#include "receive_int.h"
#include "sub.h"

static void
bounce_input_of(const struct inbound_msg *m, struct bounce_input *in)
{
  in->dsn = m->dsn;
  in->text = m->text;
  in->subject = m->subject;
  in->failed_recipients = m->failed_recipients;
  in->returned = m->returned;
}

/* One believed bounce; appends "ADDRESS KIND STATUS score S/T" to msg. */
static enum sm_status
record(const struct env *env, const struct bouncer_event *ev, struct buf *msg,
       int *disabled)
{
  struct bouncer_outcome o;
  enum sm_status rc;

  rc = bouncer_record(env, ev, &o);
  if (rc != SM_OK)
    return rc;
  *disabled += o.disabled;
  return buf_printf(msg, "%s%s %s %s score %g/%ld%s", msg->len ? "; " : "",
                    ev->address, bounce_kind_name(ev->kind),
                    ev->status && *ev->status ? ev->status : "-", o.score,
                    env->conf->bounce.threshold,
                    o.disabled       ? " disabled"
                    : o.counted == 0 ? " (not counted)"
                                     : "");
}

/* A bounce about a message we know we sent reader `sub` at `recipient`
 * (outbox row `outbox`): named by the VERP token, or by the returned
 * copy's Message-ID. What the report says is weighed for that reader
 * alone (bouncer_verp_verdict). */
static enum sm_status
pinned_bounce(const struct env *env, const struct inbound_msg *m,
              const struct bounce_result *r, size_t n, int64_t sub,
              int64_t outbox, const char *recipient, const char *source,
              struct receive_result *res)
{
  struct bouncer_event ev;
  struct buf msg = BUF_INIT(4096);
  char status[16];
  const char *diag;
  int disabled = 0;
  enum sm_status rc = SM_OK;

  memset(&ev, 0, sizeof(ev));
  if (!bouncer_verp_verdict(r, n, recipient, m->has_dsn, m->subject, &ev.kind,
                            status, sizeof(status), &diag)) {
    /* Mail to the return path that is no failure: an auto-reply, a
     * delivery report. Logged, not quarantined: it is ordinary. */
    receive_set_outcome(res, RECEIVE_IGNORED,
                        "mail about our message to %s is no failure "
                        "report (no failed recipient, no bounce subject)",
                        recipient);
    goto out;
  }
  ev.subscriber_id = sub;
  ev.address = recipient;
  ev.status = status;
  ev.diagnostic = diag;
  ev.source = source;
  ev.outbox_id = outbox;
  rc = record(env, &ev, &msg, &disabled);
  if (rc == SM_OK)
    receive_set_outcome(res, disabled ? RECEIVE_DISABLED : RECEIVE_BOUNCE,
                        "%s", buf_str(&msg));
out:
  buf_free(&msg);
  return rc;
}

/* LIST+bounce-TOKEN@: the token names the reader and the message. */
static enum sm_status
verp_bounce(const struct env *env, const struct inbound_msg *m,
            const char *token, size_t tokenlen, struct receive_result *res)
{
  struct bounce_input in;
  struct bounce_result *r = NULL;
  enum token_reason reason = TOKEN_VALID;
  int64_t sub = 0, outbox = 0;
  char *recipient = NULL;
  size_t n = 0;
  enum sm_status rc;

  rc = token_verify(env->secret, TOKEN_BOUNCE, token, tokenlen, env->now, &sub,
                    &outbox, NULL, &reason);
  if (rc == SM_ERR_DATA) {
    receive_set_outcome(res, RECEIVE_QUARANTINED,
                        "bounce token %s: nothing changed",
                        token_reason_str(reason));
    return SM_OK;
  }
  if (rc != SM_OK)
    return rc;
  rc = store_bounce_sent_to(env->st, outbox, sub, &recipient);
  if (rc != SM_OK)
    return rc;
  if (!recipient) {
    /* Authentic, but about no message we sent that reader (erased, or
     * never sent): it proves nothing about their address now. */
    receive_set_outcome(res, RECEIVE_QUARANTINED,
                        "bounce for outbox row %lld to reader %lld: no "
                        "such message was sent; nothing changed",
                        (long long)outbox, (long long)sub);
    return SM_OK;
  }
  bounce_input_of(m, &in);
  rc = bounce_parse(&in, &r, &n);
  if (rc == SM_OK)
    rc = pinned_bounce(env, m, r, n, sub, outbox, recipient, "verp", res);
  bounce_results_free(r, n);
  free(recipient);
  return rc;
}

/* The message the bounce returns, by the Message-ID of its returned copy
 * (ours are deterministic, see mime_message_id): *outbox 0 when it is
 * none we sent, or when it went to several readers and none of the
 * failed addresses tells which. */
static enum sm_status
returned_message(const struct env *env, const struct bounce_input *in,
                 const struct bounce_result *r, size_t n, int64_t *outbox,
                 int64_t *sub, char **recipient)
{
  char mid[BOUNCE_ADDR_MAX + 1];
  enum sm_status rc;

  *outbox = 0;
  *recipient = NULL;
  if (!bounce_returned_id(in, mid, sizeof(mid)))
    return SM_OK;
  rc = store_bounce_sent_as(env->st, mid, NULL, outbox, sub, recipient);
  for (size_t i = 0; rc == SM_OK && !*outbox && i < n; i++)
    rc = store_bounce_sent_as(env->st, mid, r[i].address, outbox, sub,
                              recipient);
  return rc;
}

/* LIST-bounces@: a report with no usable VERP address. The returned
 * copy's Message-ID names the reader when it is one of ours; otherwise
 * only addresses of readers we sent mail to are believed. */
static enum sm_status
parsed_bounce(const struct env *env, const struct inbound_msg *m,
              struct receive_result *res)
{
  struct bounce_input in;
  struct bounce_result *r = NULL;
  struct buf msg = BUF_INIT(8192), unknown = BUF_INIT(4096);
  int64_t outbox = 0, pinned = 0;
  char *recipient = NULL;
  size_t n = 0;
  int disabled = 0;
  enum sm_status rc;

  bounce_input_of(m, &in);
  rc = bounce_parse(&in, &r, &n);
  if (rc == SM_OK)
    rc = returned_message(env, &in, r, n, &outbox, &pinned, &recipient);
  if (rc == SM_OK && outbox) {
    rc = pinned_bounce(env, m, r, n, pinned, outbox, recipient, "message-id",
                       res);
    goto out;
  }
  for (size_t i = 0; i < n && rc == SM_OK; i++) {
    struct store_subscriber s;
    struct bouncer_event ev;
    int64_t last = 0;

    if (!address_sendable(r[i].address)) {
      /* A UTF-8 address (RFC 6533) or the like: never one of ours. */
      rc = buf_printf(&unknown, "%s%s (not an address we send to)",
                      unknown.len ? ", " : "", r[i].address);
      continue;
    }
    rc = store_sub_get(env->st, r[i].address, &s);
    if (rc == SM_ERR_NOTFOUND) {
      rc = buf_printf(&unknown, "%s%s (no reader)", unknown.len ? ", " : "",
                      r[i].address);
      continue;
    }
    if (rc != SM_OK)
      break;
    rc = store_bounce_last_sent(env->st, s.id, r[i].address, &last);
    if (rc == SM_OK && !last)
      rc = buf_printf(&unknown, "%s%s (never mailed)", unknown.len ? ", " : "",
                      r[i].address);
    if (rc == SM_OK && last) {
      memset(&ev, 0, sizeof(ev));
      ev.subscriber_id = s.id;
      ev.address = s.address;
      ev.kind = r[i].kind;
      ev.status = r[i].status;
      ev.diagnostic = r[i].diagnostic;
      ev.source = "parsed";
      ev.outbox_id = last;
      rc = record(env, &ev, &msg, &disabled);
    }
    store_subscriber_free(&s);
  }
  if (rc != SM_OK)
    goto out;
  if (n == 0)
    receive_set_outcome(res, RECEIVE_QUARANTINED,
                        "no failed recipient found in mail to the bounce "
                        "address; nothing changed");
  else if (!msg.len)
    receive_set_outcome(res, RECEIVE_QUARANTINED,
                        "bounce about addresses we did not mail: %s; "
                        "nothing changed",
                        buf_str(&unknown));
  else
    receive_set_outcome(res, disabled ? RECEIVE_DISABLED : RECEIVE_BOUNCE,
                        "%s%s%s", buf_str(&msg),
                        unknown.len ? "; ignored: " : "", buf_str(&unknown));
  if (unknown.len)
    log_info("bounce: ignored, not readers we mailed: %s", buf_str(&unknown));
out:
  bounce_results_free(r, n);
  buf_free(&msg);
  buf_free(&unknown);
  free(recipient);
  return rc;
}

enum sm_status
receive_bounce(const struct env *env, const struct inbound_msg *m,
               enum listaddr_kind route, const char *token, size_t tokenlen,
               const char *key, struct receive_result *res)
{
  (void)key; /* receive.c makes a redelivery a no-op already */
  if (route == LISTADDR_BOUNCE && token)
    return verp_bounce(env, m, token, tokenlen, res);
  return parsed_bounce(env, m, res);
}

enum sm_status
receive_unsub(const struct env *env, const struct inbound_msg *m,
              const char *token, size_t tokenlen, const char *key,
              struct receive_result *res)
{
  struct store_subscriber s;
  enum token_reason reason = TOKEN_VALID;
  int64_t sub = 0;
  int changed = 0;
  enum sm_status rc;

  (void)m, (void)key;
  rc = token_verify(env->secret, TOKEN_UNSUBSCRIBE, token, tokenlen, env->now,
                    &sub, NULL, NULL, &reason);
  if (rc == SM_ERR_DATA) {
    receive_set_outcome(res, RECEIVE_QUARANTINED,
                        "unsubscribe token %s: nothing changed",
                        token_reason_str(reason));
    return SM_OK;
  }
  if (rc != SM_OK)
    return rc;
  rc = store_sub_get_id(env->st, sub, &s);
  if (rc == SM_ERR_NOTFOUND) {
    receive_set_outcome(res, RECEIVE_QUARANTINED,
                        "unsubscribe token for reader %lld, since erased",
                        (long long)sub);
    return SM_OK;
  }
  if (rc != SM_OK)
    return rc;
  /* The token is the authority, whatever the From and the body say (RFC
   * 2369: the mailto may be sent by the reader's mail program). No reply:
   * nothing more goes to an address that asked to leave. */
  rc = sub_unsubscribe(env, s.id, "List-Unsubscribe mailto", &changed);
  if (rc == SM_OK && changed)
    receive_set_outcome(res, RECEIVE_UNSUBSCRIBED,
                        "%s unsubscribed by List-Unsubscribe mail", s.address);
  else if (rc == SM_OK)
    receive_set_outcome(res, RECEIVE_UNCHANGED, "%s was not subscribed (%s)",
                        s.address, model_status_name(s.status));
  store_subscriber_free(&s);
  return rc;
}
