/* receive.c: one received message, from raw bytes to committed effect. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "inbound.h"
#include "inbound_cmd.h"
#include "listaddr.h"
#include "log.h"
#include "receive.h"
#include "receive_int.h"
#include "sub.h"

/* Quarantined mail keeps at most this much of its raw bytes. */
#define RECEIVE_KEEP_RAW (1024 * 1024)

const char *
receive_outcome_name(enum receive_outcome o)
{
  static const char *const names[RECEIVE_NOUTCOMES] = {
      "none",     "quarantined", "duplicate",    "command",  "confirmed",
      "expired",  "comment",     "held",         "refused",  "bounce",
      "disabled", "ignored",     "unsubscribed", "unchanged"};

  return (unsigned)o < RECEIVE_NOUTCOMES ? names[o] : "?";
}

void
receive_set_outcome(struct receive_result *res, enum receive_outcome outcome,
                    const char *fmt, ...)
{
  va_list ap;

  res->outcome = outcome;
  va_start(ap, fmt);
  vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
  va_end(ap);
}

/* The local part of an address, compared by callers without case. */
static int
local_is(const char *addr, const char *local)
{
  size_t n = strlen(local);

  return addr && !strncasecmp(addr, local, n) && addr[n] == '@';
}

/* Why a message must not be answered or acted on as a person's
 * (RFC 3834), or NULL when it may. */
static const char *
automatic_reason(const struct inbound_msg *m, const char *sender,
                 const struct conf *c)
{
  const char *from = m->from_addr;

  if (m->automatic)
    return m->automatic;
  if (sender && (!*sender || !strcmp(sender, "<>")))
    return "null envelope sender";
  if (m->precedence && (!strncasecmp(m->precedence, "bulk", 4) ||
                        !strncasecmp(m->precedence, "list", 4) ||
                        !strncasecmp(m->precedence, "junk", 4)))
    return "Precedence bulk/list/junk";
  if (m->list_id)
    return "List-Id: mail from a list";
  for (int i = 0; i < 2; i++) {
    const char *a = i ? sender : from;
    const char *at;
    if (!a)
      continue;
    if (local_is(a, "mailer-daemon") || local_is(a, "postmaster"))
      return "sent by a mailer daemon";
    at = strrchr(a, '@');
    if (at && !strcasecmp(at + 1, c->list.domain) &&
        !strncasecmp(a, c->list.local, strlen(c->list.local)))
      return "sent from one of our own addresses";
  }
  return NULL;
}

static int
report_row(void *ctx, const struct store_outbox_row *r)
{
  struct buf *out = ctx;

  /* A report that does not fit stops the listing (and the dry run). */
  return buf_printf(out, "would queue %s to %s <%s>:\n%s\n", r->kind,
                    r->recipient, r->message_id, r->payload) != SM_OK;
}

/* ---- the request address ------------------------------------------ */

struct cmd_run {
  const struct env *env;
  const struct inbound_msg *msg;
  struct sub_thread thread;
  const char *key;
  struct store_subscriber reader; /* id 0 when unknown */
  int help;
};

static enum sm_status
load_reader(struct cmd_run *r)
{
  enum sm_status rc;

  store_subscriber_free(&r->reader);
  rc = store_sub_get(r->env->st, r->msg->from_addr, &r->reader);
  if (rc == SM_ERR_NOTFOUND) {
    memset(&r->reader, 0, sizeof(r->reader));
    return SM_OK;
  }
  return rc;
}

/* Runs one command; appends what it did to msg. */
static enum sm_status
run_command(struct cmd_run *r, const struct inbound_cmd *c, struct buf *msg)
{
  const struct env *e = r->env;
  int64_t id = r->reader.id;
  enum sm_status rc = SM_OK;
  const char *say = NULL; /* what it did, when that is one phrase */
  int sent;

  if (c->verb != VERB_SUBSCRIBE && c->verb != VERB_HELP && !id)
    return buf_puts(msg, "this address is not subscribed; send "
                         "\"subscribe\" first");
  switch (c->verb) {
  case VERB_SUBSCRIBE:
    if (!address_sendable(r->msg->from_addr)) {
      /* A confirmation to this address could never be sent (address.h:
       * no SMTPUTF8, no quoted local parts), so none is queued. */
      return buf_puts(msg, "this address cannot subscribe: our mail could "
                           "not reach it");
    }
    rc = sub_request(e, r->msg->from_addr, &r->thread, &id, &sent);
    if (rc == SM_OK)
      rc = load_reader(r);
    /* The same words whether the address was known or not. */
    if (rc == SM_OK)
      rc = buf_puts(msg, "if this address was not yet a confirmed reader, "
                         "a request to confirm has been sent to it");
    if (rc == SM_OK && *c->args) {
      rc = buf_puts(msg, "; ");
      if (rc == SM_OK)
        rc = sub_add_keywords(e, id, c->args, msg);
    } else if (rc == SM_OK) {
      rc = buf_puts(msg, "; to choose what you get, send \"add KEYWORD\", "
                         "for example \"add cs.LG\"");
    }
    break;
  case VERB_ADD:
    rc = sub_add_keywords(e, id, c->args, msg);
    break;
  case VERB_DEL:
    rc = sub_del_keywords(e, id, c->args, msg);
    break;
  case VERB_KEYWORDS:
    say = "your keywords are listed below";
    break;
  case VERB_WEEKLY:
  case VERB_DAILY:
    rc = store_sub_set_frequency(
        e->st, id, c->verb == VERB_WEEKLY ? MODEL_WEEKLY : MODEL_DAILY,
        e->now);
    say = c->verb == VERB_WEEKLY ? "you will get a digest once a week"
                                 : "you will get a digest every day";
    break;
  case VERB_PAUSE:
  case VERB_RESUME:
    rc = store_sub_set_paused(e->st, id, c->verb == VERB_PAUSE, e->now);
    say = c->verb == VERB_PAUSE
              ? "digests are paused until you send \"resume\""
              : "digests resume with the next one";
    break;
  case VERB_UNSUBSCRIBE:
    rc = sub_unsubscribe(e, id, "mail command", &sent);
    say = "unsubscribed: no more digests will be sent to this address";
    break;
  case VERB_HELP:
    r->help = 1;
    say = "the commands are listed below";
    break;
  case VERB_FOLLOW:
  case VERB_UNFOLLOW:
    say = "follow and unfollow work in a reply to a discussion message";
    break;
  }
  if (rc == SM_OK && say)
    rc = buf_puts(msg, say);
  if (rc == SM_OK && c->verb != VERB_SUBSCRIBE)
    rc = load_reader(r);
  return rc;
}

static enum sm_status
handle_request(const struct env *env, const struct inbound_msg *m,
               const char *key, struct receive_result *res)
{
  struct inbound_cmds cmds;
  struct cmd_run r;
  struct tmpl_value *ctx = NULL, *results = NULL;
  int was_confirmed, sent = 0;
  enum sm_status rc;

  memset(&r, 0, sizeof(r));
  r.env = env;
  r.msg = m;
  r.key = key;
  r.thread.message_id = m->message_id;
  r.thread.references = m->references;
  r.thread.subject = m->subject;
  rc = inbound_cmd_parse(m->subject, m->text, &cmds);
  if (rc != SM_OK)
    return rc;
  rc = load_reader(&r);
  if (rc != SM_OK)
    goto out;
  was_confirmed = r.reader.id && r.reader.status == MODEL_CONFIRMED;
  ctx = sub_base_context(env);
  results = ctx ? tmpl_map_add_list(ctx, "results") : NULL;
  if (!results) {
    rc = SM_ERR_NOMEM;
    goto out;
  }
  for (size_t i = 0; i < cmds.n && rc == SM_OK; i++) {
    struct buf msg = BUF_INIT(64 * 1024);
    struct tmpl_value *item;

    rc = run_command(&r, &cmds.cmds[i], &msg);
    if (rc == SM_OK)
      rc = buf_printf(&res->report, "%s: %s\n", cmds.cmds[i].line,
                      buf_str(&msg));
    item = tmpl_list_add_map(results);
    if (!item || tmpl_map_set_str(item, "command", cmds.cmds[i].line) ||
        tmpl_map_set_str(item, "result", buf_str(&msg)))
      rc = rc == SM_OK ? SM_ERR_NOMEM : rc;
    buf_free(&msg);
  }
  if (rc != SM_OK)
    goto out;
  receive_set_outcome(res, RECEIVE_COMMAND, "%zu command%s from %s", cmds.n,
                      cmds.n == 1 ? "" : "s", m->from_addr);
  /* Only a reader who had confirmed gets an answer: to anyone else the
   * only mail is the confirmation request sub_request queued. */
  if (!was_confirmed) {
    log_info("%s: %s; no reply to an address that has not confirmed",
             m->from_addr, res->detail);
    goto out;
  }
  if (tmpl_map_set_str(ctx, "address", m->from_addr) ||
      tmpl_map_set_bool(ctx, "has_results", cmds.n > 0) ||
      tmpl_map_set_int(ctx, "dropped", (int64_t)cmds.dropped) ||
      tmpl_map_set_bool(ctx, "help", r.help || cmds.n == 0) ||
      tmpl_map_set_bool(ctx, "no_commands", cmds.n == 0) ||
      tmpl_map_set_str(ctx, "frequency",
                       model_frequency_name(r.reader.frequency)) ||
      tmpl_map_set_bool(ctx, "paused", r.reader.paused) ||
      tmpl_map_set_bool(ctx, "unsubscribed",
                        r.reader.status != MODEL_CONFIRMED)) {
    rc = SM_ERR_NOMEM;
    goto out;
  }
  rc = sub_keywords_value(env, r.reader.id, ctx);
  if (rc == SM_OK)
    rc = sub_queue_reply(env, r.reader.id, m->from_addr, "reply.txt", ctx,
                         &r.thread, key, &sent);
  if (rc == SM_OK && !sent)
    log_info("%s: no reply queued", m->from_addr);
out:
  tmpl_value_free(ctx);
  store_subscriber_free(&r.reader);
  inbound_cmds_free(&cmds);
  return rc;
}

/* ---- the confirmation address ------------------------------------- */

static enum sm_status
handle_confirm(const struct env *env, const struct inbound_msg *m,
               const char *token, size_t tokenlen, const char *key,
               struct receive_result *res)
{
  struct sub_thread thread = {m->message_id, m->references, m->subject};
  struct store_subscriber s;
  enum token_reason reason = TOKEN_VALID;
  int64_t id = 0;
  int now_confirmed = 0, sent = 0;
  enum sm_status rc;

  rc = sub_confirm(env, token, tokenlen, &id, &now_confirmed, &reason);
  if (rc == SM_ERR_DATA && reason == TOKEN_EXPIRED && id) {
    /* An authentic but old request: the reader may have a fresh one, if
     * the answer really comes from them (at most one a day anyway). */
    rc = store_sub_get_id(env->st, id, &s);
    if (rc == SM_ERR_NOTFOUND) {
      receive_set_outcome(res, RECEIVE_QUARANTINED,
                          "expired confirmation for a reader "
                          "since erased");
      return SM_OK;
    }
    if (rc != SM_OK)
      return rc;
    if (s.status == MODEL_PENDING && address_same(s.address, m->from_addr))
      rc = sub_send_confirmation(env, &s, &thread, &sent);
    receive_set_outcome(res, RECEIVE_EXPIRED,
                        "expired confirmation token for %s%s", s.address,
                        sent ? "; a new request was sent" : "");
    store_subscriber_free(&s);
    return rc;
  }
  if (rc == SM_ERR_DATA) {
    receive_set_outcome(res, RECEIVE_QUARANTINED, "confirmation token %s",
                        token_reason_str(reason));
    return SM_OK;
  }
  if (rc != SM_OK)
    return rc;
  if (!now_confirmed) {
    receive_set_outcome(res, RECEIVE_DUPLICATE,
                        "reader %lld had confirmed already", (long long)id);
    return SM_OK;
  }
  rc = store_sub_get_id(env->st, id, &s);
  if (rc != SM_OK)
    return rc;
  receive_set_outcome(res, RECEIVE_CONFIRMED, "%s confirmed", s.address);
  rc = sub_welcome(env, &s, &thread, key, &sent);
  store_subscriber_free(&s);
  return rc;
}

/* ---- one message --------------------------------------------------- */

/* The first of several header-given addresses that is one of ours. */
static char *
envelope_recipient(const struct inbound_msg *m)
{
  const char *cands[] = {m->delivered_to, m->x_original_to};

  for (size_t i = 0; i < 2; i++)
    if (cands[i]) {
      char *a = inbound_normalize_address(cands[i]);
      if (a)
        return a;
    }
  return NULL;
}

static enum sm_status
quarantine(const struct env *env, const char *key, const char *sender,
           const char *rcpt, const char *route, const char *raw, size_t len,
           struct receive_result *res)
{
  log_warning("quarantined mail from %s to %s: %s", sender ? sender : "?",
              rcpt ? rcpt : "?", res->detail);
  return store_received_add(env->st, key, env->now, sender, rcpt, route,
                            "quarantined", res->detail, raw,
                            len > RECEIVE_KEEP_RAW ? RECEIVE_KEEP_RAW : len);
}

enum sm_status
receive_message(const struct env *env, const char *raw, size_t len,
                const char *recipient, const char *sender,
                const struct receive_hook *hook, struct receive_result *res)
{
  struct inbound_msg m;
  char err[SM_ERRLEN];
  char key[1024], hash[TOKEN_HASH_LEN + 1];
  char *rcpt = NULL, *from_env = NULL;
  const char *token = NULL, *why;
  size_t tokenlen = 0;
  enum listaddr_kind route = LISTADDR_NONE;
  int64_t last_row = 0;
  int seen = 0, parsed = 0;
  enum sm_status rc;

  memset(res, 0, sizeof(*res));
  buf_init(&res->report, 1024 * 1024);
  res->route = "none";
  rc = token_hash(raw, len, hash);
  if (rc != SM_OK)
    return rc;
  if (len <= env->conf->receive.max_size &&
      inbound_parse(raw, len, &m, err, sizeof(err)) == SM_OK)
    parsed = 1;
  if (parsed) {
    rcpt = recipient ? inbound_normalize_address(recipient)
                     : envelope_recipient(&m);
    if (!sender && m.return_path)
      sender = from_env = inbound_normalize_address(m.return_path);
    route = listaddr_parse(rcpt, env->conf->list.local, env->conf->list.domain,
                           &token, &tokenlen);
    res->route = listaddr_kind_name(route);
  }
  /* The same message delivered twice has one effect: the key is its
   * Message-ID for the recipient, else a hash of its bytes. */
  if (parsed && m.message_id)
    snprintf(key, sizeof(key), "%s %s", m.message_id, rcpt ? rcpt : "");
  else
    snprintf(key, sizeof(key), "sha256:%s %s", hash, rcpt ? rcpt : "");

  rc = store_begin(env->st);
  if (rc != SM_OK)
    goto out;
  if (env->dry_run)
    rc = store_outbox_last_id(env->st, &last_row);
  if (rc == SM_OK)
    rc = store_received_seen(env->st, key, &seen);
  if (rc != SM_OK)
    goto fail;
  if (seen) {
    receive_set_outcome(res, RECEIVE_DUPLICATE, "already received: %s", key);
    if (!hook || env->dry_run) {
      store_rollback(env->st);
      goto out;
    }
    rc = hook->in_tx(hook->ctx, env->st, res);
    if (rc != SM_OK)
      goto fail;
    rc = store_commit(env->st);
    goto out;
  }
  if (!parsed) {
    if (len > env->conf->receive.max_size)
      receive_set_outcome(res, RECEIVE_QUARANTINED,
                          "message larger than [receive] max_size (%zu bytes)",
                          env->conf->receive.max_size);
    else
      receive_set_outcome(res, RECEIVE_QUARANTINED, "unparseable: %s", err);
  } else if (route == LISTADDR_NONE || !rcpt)
    receive_set_outcome(res, RECEIVE_QUARANTINED,
                        "%s is not one of the list's addresses",
                        rcpt ? rcpt : "(no recipient)");
  /* Bounces are automatic mail by nature, and an unsubscribe may be sent
   * by a mail program: both are taken on their tokens or parsed reports,
   * and neither is ever answered. */
  else if (route == LISTADDR_BOUNCE || route == LISTADDR_BOUNCES)
    rc = receive_bounce(env, &m, route, token, tokenlen, key, res);
  else if (route == LISTADDR_UNSUB)
    rc = receive_unsub(env, &m, token, tokenlen, key, res);
  else if ((why = automatic_reason(&m, sender, env->conf)) != NULL)
    receive_set_outcome(res, RECEIVE_QUARANTINED,
                        "automatic mail (%s): not acted on", why);
  else if (!m.from_addr)
    receive_set_outcome(res, RECEIVE_QUARANTINED, "no From address");
  else {
    switch (route) {
    case LISTADDR_REQUEST:
      rc = handle_request(env, &m, key, res);
      break;
    case LISTADDR_CONFIRM:
      rc = handle_confirm(env, &m, token, tokenlen, key, res);
      break;
    case LISTADDR_COMMENT:
      rc = receive_comment(env, &m, token, tokenlen, key, raw, len, res);
      break;
    case LISTADDR_LIST:
      rc = receive_list_reply(env, &m, key, raw, len, res);
      break;
    case LISTADDR_NONE:
    case LISTADDR_BOUNCES:
    case LISTADDR_BOUNCE:
    case LISTADDR_UNSUB:
      break; /* taken above, before the checks for automatic mail */
    }
  }
  /* Every message is logged once; quarantined ones with their bytes. */
  if (rc == SM_OK && res->outcome == RECEIVE_QUARANTINED)
    rc = quarantine(env, key, sender, rcpt ? rcpt : recipient, res->route, raw,
                    len, res);
  else if (rc == SM_OK)
    rc = store_received_add(env->st, key, env->now, sender, rcpt, res->route,
                            receive_outcome_name(res->outcome), res->detail,
                            NULL, 0);
  if (rc == SM_OK && hook)
    rc = hook->in_tx(hook->ctx, env->st, res);
  if (rc != SM_OK)
    goto fail;
  if (env->dry_run) {
    rc = store_outbox_after(env->st, last_row, report_row, &res->report);
    store_rollback(env->st);
    goto out;
  }
  rc = store_commit(env->st);
  goto out;
fail:
  store_rollback(env->st);
out:
  if (parsed)
    inbound_msg_free(&m);
  free(rcpt);
  free(from_env);
  return rc;
}

enum sm_status
receive_one(const struct env *env, const char *raw, size_t len, size_t total,
            const char *recipient, const char *sender, const char *origin,
            const struct receive_hook *hook, struct receive_result *res)
{
  const char *to = recipient ? recipient : "?";
  const char *sep = origin ? ": " : "";
  enum sm_status rc;

  if (!origin)
    origin = "";
  /* An oversized message arrives cut at max_size + 1 bytes, so
   * receive_message sees it is over the limit and quarantines it. */
  if (total > len)
    log_warning("%s%smessage of %zu bytes is over [receive] max_size", origin,
                sep, total);
  rc = receive_message(env, raw, len, recipient, sender, hook, res);
  if (rc != SM_OK)
    log_error("%s%sto %s: %s%s%s", origin, sep, to, sm_strerror(rc),
              *store_errmsg(env->st) ? ": " : "", store_errmsg(env->st));
  else
    log_info("%s%sto %s: %s: %s: %s", origin, sep, to, res->route,
             receive_outcome_name(res->outcome), res->detail);
  return rc;
}
