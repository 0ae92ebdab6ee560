/* sub.c: subscription state and the mail it queues. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "listaddr.h"
#include "log.h"
#include "match.h"
#include "mime.h"
#include "outbox.h"
#include "sub.h"
#include "util.h"

#define SUB_MAX_MESSAGE (256 * 1024) /* a rendered reply */

struct tmpl_value *
sub_base_context(const struct env *env)
{
  struct tmpl_value *ctx = tmpl_new_map();
  char addr[LISTADDR_MAX];

  if (!ctx)
    return NULL;
  if (listaddr_make(env->conf, LISTADDR_REQUEST, NULL, addr, sizeof(addr)) !=
          SM_OK ||
      tmpl_map_set_str(ctx, "list_name", env->conf->list.name) != SM_OK ||
      tmpl_map_set_str(ctx, "list_address", env->conf->list.address) !=
          SM_OK ||
      tmpl_map_set_str(ctx, "request_address", addr) != SM_OK ||
      tmpl_map_set_str(ctx, "site_url", env->conf->site.url) != SM_OK) {
    tmpl_value_free(ctx);
    return NULL;
  }
  return ctx;
}

/* The subject of an answer: "Re: " and the original, once. */
static void
reply_subject(const struct env *env, const struct sub_thread *t, char *out,
              size_t outlen)
{
  const char *s = t && t->subject ? t->subject : NULL;

  while (s && (*s == ' ' || *s == '\t'))
    s++;
  if (!s || !*s)
    snprintf(out, outlen, "Your request to %s", env->conf->list.name);
  else if (!strncasecmp(s, "re:", 3))
    snprintf(out, outlen, "%s", s);
  else
    snprintf(out, outlen, "Re: %s", s);
}

/* References of an answer: the original's, then its Message-ID. */
static enum sm_status
reply_references(const struct sub_thread *t, struct buf *out)
{
  enum sm_status rc = SM_OK;

  if (t && t->references && *t->references)
    rc = buf_puts(out, t->references);
  if (rc == SM_OK && t && t->message_id)
    rc = buf_printf(out, "%s<%s>", out->len ? " " : "", t->message_id);
  return rc;
}

/* The payload of an outbox row for a reply or a confirmation: what the
 * sender needs to assemble the message (outbox.h). Caller frees. */
static char *
payload_json_as(const struct env *env, const char *to, const char *subject,
                const char *text, const char *reply_to,
                const struct sub_thread *thread, const char *auto_submitted)
{
  struct buf refs = BUF_INIT(16 * 1024);
  struct outbox_message m = {0};
  char from[LISTADDR_MAX], irt[1024];
  char *out = NULL;

  if (listaddr_make(env->conf, LISTADDR_REQUEST, NULL, from, sizeof(from)) !=
      SM_OK)
    return NULL;
  if (reply_references(thread, &refs) != SM_OK) {
    buf_free(&refs);
    return NULL;
  }
  m.from_name = env->conf->list.name;
  m.from = from;
  m.to = to;
  m.reply_to = reply_to;
  m.subject = subject;
  m.auto_submitted = auto_submitted;
  if (thread && thread->message_id) {
    snprintf(irt, sizeof(irt), "<%s>", thread->message_id);
    m.in_reply_to = irt;
  }
  m.references = refs.len ? buf_str(&refs) : NULL;
  m.text = text;
  if (outbox_message_write(&m, &out) != SM_OK)
    out = NULL;
  buf_free(&refs);
  return out;
}

/* Replies and confirmations answer the reader's own mail. */
static char *
payload_json(const struct env *env, const char *to, const char *subject,
             const char *text, const char *reply_to,
             const struct sub_thread *thread)
{
  return payload_json_as(env, to, subject, text, reply_to, thread,
                         "auto-replied");
}

static enum sm_status
render(const struct env *env, const char *name, const struct tmpl_value *ctx,
       struct buf *out)
{
  char err[SM_ERRLEN];
  enum sm_status rc;

  rc = tmpl_set_render(env->tmpl, name, ctx, TMPL_TEXT, out, err, sizeof(err));
  if (rc != SM_OK)
    log_error("%s", err);
  return rc;
}

enum sm_status
sub_send_confirmation(const struct env *env, const struct store_subscriber *s,
                      const struct sub_thread *thread, int *sent)
{
  struct buf text = BUF_INIT(SUB_MAX_MESSAGE);
  struct tmpl_value *ctx = NULL;
  struct store_outbox_row row;
  char token[TOKEN_MAX_LEN + 1], *payload = NULL;
  char confirm_to[LISTADDR_MAX], url[1024], subject[512], mid[256];
  char expires[64];
  int64_t until = 0;
  long recent = 0;
  enum sm_status rc;

  *sent = 0;
  rc =
      store_outbox_count(env->st, s->address, outbox_kind_name(OUTBOX_CONFIRM),
                         env->now - SUB_CONFIRM_INTERVAL, &recent);
  if (rc != SM_OK)
    return rc;
  if (recent > 0) {
    log_info("%s: a confirmation went out in the last 24 hours; not "
             "sending another",
             s->address);
    return SM_OK;
  }
  rc = listaddr_token(env->secret, TOKEN_CONFIRM, s->id, 0, env->now, token,
                      &until);
  if (rc == SM_OK)
    rc = listaddr_make(env->conf, LISTADDR_CONFIRM, token, confirm_to,
                       sizeof(confirm_to));
  if (rc != SM_OK)
    goto out;
  snprintf(url, sizeof(url), "%s/confirm/%s", conf_public_url(env->conf),
           token);
  util_human_date(until, expires, sizeof(expires));
  ctx = sub_base_context(env);
  if (!ctx || tmpl_map_set_str(ctx, "address", s->address) != SM_OK ||
      tmpl_map_set_str(ctx, "confirm_address", confirm_to) != SM_OK ||
      tmpl_map_set_str(ctx, "confirm_url", url) != SM_OK ||
      tmpl_map_set_str(ctx, "expires", expires) != SM_OK) {
    rc = SM_ERR_NOMEM;
    goto out;
  }
  rc = sub_keywords_value(env, s->id, ctx);
  if (rc == SM_OK)
    rc = render(env, "confirm.txt", ctx, &text);
  if (rc != SM_OK)
    goto out;
  snprintf(subject, sizeof(subject), "Confirm your subscription to %s",
           env->conf->list.name);
  payload = payload_json(env, s->address, subject, buf_str(&text), confirm_to,
                         thread);
  rc = mime_message_id(mid, sizeof(mid), "confirm", s->id, env->now,
                       env->conf->list.domain);
  if (rc != SM_OK || !payload) {
    rc = rc != SM_OK ? rc : SM_ERR_NOMEM;
    goto out;
  }
  /* mime_message_id writes the angle brackets; the store keeps ids bare. */
  mid[strlen(mid) - 1] = '\0';
  row.kind = outbox_kind_name(OUTBOX_CONFIRM);
  row.subscriber_id = s->id;
  row.recipient = s->address;
  row.issue = NULL;
  row.message_id = mid + 1;
  row.payload = payload;
  rc = store_outbox_add(env->st, &row, env->now, NULL, sent);
  if (rc == SM_OK && *sent)
    log_info("%s: confirmation request queued", s->address);
out:
  free(payload);
  tmpl_value_free(ctx);
  buf_free(&text);
  return rc;
}

enum sm_status
sub_request(const struct env *env, const char *address,
            const struct sub_thread *thread, int64_t *sub, int *sent)
{
  struct store_subscriber s;
  enum sm_status rc;

  *sent = 0;
  rc = store_sub_get(env->st, address, &s);
  if (rc == SM_ERR_NOTFOUND) {
    rc = store_sub_create(env->st, address, MODEL_PENDING, env->now, sub);
    if (rc != SM_OK)
      return rc;
    rc = store_sub_get_id(env->st, *sub, &s);
  }
  if (rc != SM_OK)
    return rc;
  *sub = s.id;
  if (s.status == MODEL_CONFIRMED) {
    store_subscriber_free(&s);
    return SM_OK;
  }
  if (s.status != MODEL_PENDING) {
    /* Unsubscribed or disabled: asking again starts over. */
    rc = store_sub_set_status(env->st, s.id, MODEL_PENDING, env->now);
    s.status = MODEL_PENDING;
  }
  if (rc == SM_OK)
    rc = sub_send_confirmation(env, &s, thread, sent);
  store_subscriber_free(&s);
  return rc;
}

enum sm_status
sub_confirm(const struct env *env, const char *token, size_t len, int64_t *sub,
            int *confirmed_now, enum token_reason *reason)
{
  struct store_subscriber s;
  char hash[TOKEN_HASH_LEN + 1];
  int64_t object, expires;
  int first = 0;
  enum sm_status rc;

  *sub = 0;
  *confirmed_now = 0;
  rc = token_verify(env->secret, TOKEN_CONFIRM, token, len, env->now, sub,
                    &object, &expires, reason);
  if (rc != SM_OK)
    return rc;
  rc = store_sub_get_id(env->st, *sub, &s);
  if (rc == SM_ERR_NOTFOUND) {
    /* Erased since: the token is authentic but names nobody. */
    *reason = TOKEN_BAD_MAC;
    return SM_ERR_DATA;
  }
  if (rc != SM_OK)
    return rc;
  rc = token_hash(token, len, hash);
  if (rc == SM_OK)
    rc = store_token_use(env->st, hash, "confirm", s.id, expires, env->now,
                         &first);
  /* A used token confirms nothing again: an unsubscribed reader must ask
   * anew rather than replay an old confirmation. */
  if (rc == SM_OK && first && s.status == MODEL_PENDING) {
    rc = store_sub_set_status(env->st, s.id, MODEL_CONFIRMED, env->now);
    if (rc == SM_OK)
      *confirmed_now = 1;
    /* The reader's own confirmed consent: a forgotten address is
     * forgotten no more. Not at the request, which anyone can forge in
     * their name. */
    if (rc == SM_OK)
      rc = token_hash(s.address, strlen(s.address), hash);
    if (rc == SM_OK)
      rc = store_forgotten_del(env->st, hash);
  }
  if (rc == SM_OK && !*confirmed_now && s.status != MODEL_CONFIRMED) {
    *reason = TOKEN_BAD_MAC;
    rc = SM_ERR_DATA;
  }
  store_subscriber_free(&s);
  return rc;
}

/* Adds or removes each keyword of a line. */
static enum sm_status
change_keywords(const struct env *env, int64_t sub, const char *args, int add,
                struct buf *msg)
{
  struct match_term *terms = NULL;
  struct buf done = BUF_INIT(8192), same = BUF_INIT(8192);
  struct buf common = BUF_INIT(8192);
  char err[SM_ERRLEN];
  size_t n = 0;
  enum sm_status rc;

  rc = match_parse_query(args, &terms, &n, err, sizeof(err));
  if (rc == SM_ERR_NOMEM)
    return rc;
  if (rc != SM_OK)
    return buf_printf(msg, "not understood: %s", err);
  if (n == 0)
    return buf_printf(msg, "which keyword? Write it after \"%s\"",
                      add ? "add" : "del");
  rc = SM_OK;
  for (size_t i = 0; i < n && rc == SM_OK; i++) {
    const char *k = terms[i].canonical;
    int changed = 0;
    if (add && match_term_is_stop_word(&terms[i])) {
      rc = buf_printf(&common, "%s\"%s\"", common.len ? ", " : "", k);
      continue;
    }
    if (add) {
      rc = store_interest_add(env->st, sub, k, SUB_MAX_INTERESTS, env->now,
                              &changed);
      if (rc == SM_ERR_LIMIT) {
        rc = buf_printf(msg, "%s%s: not added, you have %d keywords already",
                        msg->len ? "; " : "", k, SUB_MAX_INTERESTS);
        continue;
      }
    } else
      rc = store_interest_del(env->st, sub, k, &changed);
    if (rc == SM_OK)
      rc = buf_printf(changed ? &done : &same, "%s%s",
                      (changed ? done.len : same.len) ? ", " : "", k);
  }
  if (rc == SM_OK && done.len)
    rc = buf_printf(msg, "%s%s %s", msg->len ? "; " : "",
                    add ? "added" : "removed", buf_str(&done));
  if (rc == SM_OK && same.len)
    rc = buf_printf(msg, "%s%s %s", msg->len ? "; " : "", buf_str(&same),
                    add ? "was there already" : "was not among your keywords");
  if (rc == SM_OK && common.len)
    rc = buf_printf(msg,
                    "%snot added: %s, too common to be a keyword (it would "
                    "match nearly every summary)%s",
                    msg->len ? "; " : "", buf_str(&common),
                    done.len || same.len ? ""
                                         : "; write the topics you want, for "
                                           "example \"add cs.LG\"");
  match_terms_free(terms, n);
  buf_free(&done);
  buf_free(&same);
  buf_free(&common);
  return rc;
}

void
sub_keywords_free(char **kw, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(kw[i]);
  free(kw);
}

enum sm_status
sub_keywords_parse(const char *query, char ***kw, size_t *n, char *why,
                   size_t whylen)
{
  struct match_term *terms = NULL;
  size_t nt = 0;
  enum sm_status rc;

  rc = match_parse_query(query, &terms, &nt, why, whylen);
  for (size_t i = 0; rc == SM_OK && i < nt; i++) {
    size_t j;
    char **grown;

    if (match_term_is_stop_word(&terms[i]))
      continue; /* never a keyword */
    for (j = 0; j < *n && strcmp((*kw)[j], terms[i].canonical); j++)
      ;
    if (j < *n)
      continue;
    if (*n >= SUB_MAX_INTERESTS) {
      snprintf(why, whylen, "more than %d keywords", SUB_MAX_INTERESTS);
      rc = SM_ERR_LIMIT;
    } else if (!(grown = realloc(*kw, (*n + 1) * sizeof(**kw)))) {
      rc = SM_ERR_NOMEM;
    } else {
      /* The array owns the canonical string from here on. */
      *kw = grown;
      (*kw)[(*n)++] = terms[i].canonical;
      terms[i].canonical = NULL;
    }
  }
  match_terms_free(terms, nt);
  return rc;
}

enum sm_status
sub_add_keywords(const struct env *env, int64_t sub, const char *args,
                 struct buf *msg)
{
  return change_keywords(env, sub, args, 1, msg);
}

enum sm_status
sub_del_keywords(const struct env *env, int64_t sub, const char *args,
                 struct buf *msg)
{
  return change_keywords(env, sub, args, 0, msg);
}

enum sm_status
sub_keywords_value(const struct env *env, int64_t sub, struct tmpl_value *ctx)
{
  struct tmpl_value *list = tmpl_map_add_list(ctx, "keywords");
  char **kw = NULL;
  size_t n = 0;
  enum sm_status rc;

  if (!list)
    return SM_ERR_NOMEM;
  rc = store_interests(env->st, sub, &kw, &n);
  for (size_t i = 0; i < n; i++) {
    if (rc == SM_OK)
      rc = tmpl_list_append_str(list, kw[i]);
    free(kw[i]);
  }
  free(kw);
  if (rc == SM_OK)
    rc = tmpl_map_set_bool(ctx, "has_keywords", n > 0);
  return rc;
}

enum sm_status
sub_queue_reply(const struct env *env, int64_t sub, const char *to,
                const char *template, struct tmpl_value *ctx,
                const struct sub_thread *thread, const char *key, int *sent)
{
  struct buf text = BUF_INIT(SUB_MAX_MESSAGE);
  struct store_outbox_row row;
  char subject[1024], mid[256], hash[TOKEN_HASH_LEN + 1];
  char *payload = NULL;
  long recent = 0;
  enum sm_status rc;

  *sent = 0;
  rc = store_outbox_count(env->st, to, outbox_kind_name(OUTBOX_REPLY),
                          env->now - 86400, &recent);
  if (rc != SM_OK)
    return rc;
  if (recent >= env->conf->list.replies_per_day) {
    log_warning("%s: %ld replies in the last day, the most [list] "
                "replies_per_day allows: not answering",
                to, recent);
    return SM_OK;
  }
  rc = render(env, template, ctx, &text);
  if (rc != SM_OK)
    goto out;
  reply_subject(env, thread, subject, sizeof(subject));
  payload = payload_json(env, to, subject, buf_str(&text), NULL, thread);
  if (!payload) {
    rc = SM_ERR_NOMEM;
    goto out;
  }
  /* One answer per message answered, whatever happens to it later. */
  rc = token_hash(key, strlen(key), hash);
  if (rc != SM_OK)
    goto out;
  snprintf(mid, sizeof(mid), "reply.%.24s@%s", hash, env->conf->list.domain);
  row.kind = outbox_kind_name(OUTBOX_REPLY);
  row.subscriber_id = sub;
  row.recipient = to;
  row.issue = NULL;
  row.message_id = mid;
  row.payload = payload;
  rc = store_outbox_add(env->st, &row, env->now, NULL, sent);
out:
  free(payload);
  buf_free(&text);
  return rc;
}

enum sm_status
sub_welcome(const struct env *env, const struct store_subscriber *s,
            const struct sub_thread *thread, const char *key, int *sent)
{
  struct tmpl_value *ctx = sub_base_context(env);
  enum sm_status rc = SM_OK;

  *sent = 0;
  if (!ctx || tmpl_map_set_str(ctx, "address", s->address) ||
      tmpl_map_set_str(ctx, "frequency", model_frequency_name(s->frequency)))
    rc = SM_ERR_NOMEM;
  if (rc == SM_OK)
    rc = sub_keywords_value(env, s->id, ctx);
  /* Welcome the reader at the address that subscribed, whatever
   * address the confirmation came from. */
  if (rc == SM_OK)
    rc = sub_queue_reply(env, s->id, s->address, "welcome.txt", ctx, thread,
                         key, sent);
  tmpl_value_free(ctx);
  return rc;
}

enum sm_status
sub_unsubscribe(const struct env *env, int64_t sub, const char *via,
                int *changed)
{
  struct store_subscriber s;
  enum sm_status rc;

  *changed = 0;
  rc = store_sub_get_id(env->st, sub, &s);
  if (rc != SM_OK)
    return rc;
  if (s.status == MODEL_PENDING || s.status == MODEL_CONFIRMED) {
    rc = store_sub_set_status(env->st, sub, MODEL_UNSUBSCRIBED, env->now);
    if (rc == SM_OK) {
      *changed = 1;
      log_info("%s: unsubscribed (%s)", s.address, via);
    }
  }
  store_subscriber_free(&s);
  return rc;
}

enum sm_status
sub_queue_notice(const struct env *env, int64_t sub, const char *to,
                 const char *template, struct tmpl_value *ctx,
                 const char *subject, const char *tag, int *sent)
{
  struct buf text = BUF_INIT(SUB_MAX_MESSAGE);
  struct store_outbox_row row;
  char mid[MIME_MSGID_MAX];
  char *payload = NULL;
  enum sm_status rc;

  *sent = 0;
  rc = render(env, template, ctx, &text);
  if (rc != SM_OK)
    goto out;
  /* Nobody's mail is answered: no thread, no Reply-To. */
  payload = payload_json_as(env, to, subject, buf_str(&text), NULL, NULL,
                            "auto-generated");
  rc = mime_message_id(mid, sizeof(mid), tag, sub, env->now,
                       env->conf->list.domain);
  if (rc != SM_OK || !payload) {
    rc = rc != SM_OK ? rc : SM_ERR_NOMEM;
    goto out;
  }
  /* mime_message_id writes the angle brackets; the store keeps ids bare. */
  mid[strlen(mid) - 1] = '\0';
  row.kind = outbox_kind_name(OUTBOX_NOTICE);
  row.subscriber_id = sub;
  row.recipient = to;
  row.issue = NULL;
  row.message_id = mid + 1;
  row.payload = payload;
  rc = store_outbox_add(env->st, &row, env->now, NULL, sent);
out:
  free(payload);
  buf_free(&text);
  return rc;
}

enum sm_status
sub_is_forgotten(struct store *st, const char *address, int *forgotten)
{
  char hash[TOKEN_HASH_LEN + 1];
  enum sm_status rc;

  *forgotten = 0;
  /* token_hash folds to lower case: the address in any case. */
  rc = token_hash(address, strlen(address), hash);
  if (rc == SM_OK)
    rc = store_forgotten(st, hash, forgotten);
  return rc;
}

enum sm_status
sub_forget(struct store *st, const char *address, int64_t now,
           struct store_forget_counts *n)
{
  char hash[TOKEN_HASH_LEN + 1];
  enum sm_status rc;

  rc = token_hash(address, strlen(address), hash);
  if (rc == SM_OK)
    rc = store_forget(st, address, hash, now, n);
  if (rc == SM_OK)
    /* Not the address: the log would keep what was just erased. */
    log_info("a reader forgotten: %ld reader, %ld outgoing, %ld bounce and "
             "%ld received rows erased%s",
             n->readers, n->outbox, n->bounces, n->received,
             n->checkpointed ? "" : "; the WAL could not be truncated yet");
  return rc;
}

enum sm_status
sub_keywords_parse_args(char *const *args, size_t nargs, char ***kw, size_t *n,
                        char *err, size_t errlen)
{
  enum sm_status rc = SM_OK;
  char why[SM_ERRLEN / 2]; /* room for it in err with the place */

  *kw = NULL;
  *n = 0;
  for (size_t a = 0; a < nargs && rc == SM_OK; a++)
    rc = sub_keywords_parse(args[a], kw, n, why, sizeof(why));
  if (rc == SM_ERR_DATA)
    snprintf(err, errlen, "bad keyword: %s", why);
  else if (rc == SM_ERR_LIMIT)
    snprintf(err, errlen, "%s", why);
  if (rc != SM_OK) {
    sub_keywords_free(*kw, *n);
    *kw = NULL;
    *n = 0;
  }
  return rc;
}

enum sm_status
sub_add(const struct env *env, const char *address, int confirmed,
        char *const *kw, size_t nkw, struct sub_added *out)
{
  struct store_subscriber s;
  int forgotten = 0;
  int64_t id = 0;
  enum sm_status rc;

  memset(out, 0, sizeof(*out));
  buf_init(&out->added, 64 * 1024);
  buf_init(&out->there, 64 * 1024);
  out->before = -1;
  memset(&s, 0, sizeof(s));
  rc = sub_is_forgotten(env->st, address, &forgotten);
  if (rc == SM_OK && forgotten)
    return SM_ERR_DATA;
  if (rc == SM_OK)
    rc = store_sub_get(env->st, address, &s);
  if (rc == SM_ERR_NOTFOUND) {
    rc = store_sub_create(env->st, address,
                          confirmed ? MODEL_CONFIRMED : MODEL_PENDING,
                          env->now, &id);
    if (rc == SM_OK)
      rc = store_sub_get_id(env->st, id, &s);
  } else if (rc == SM_OK) {
    out->before = (int)s.status;
    if (confirmed && s.status != MODEL_CONFIRMED)
      rc = store_sub_set_status(env->st, s.id, MODEL_CONFIRMED, env->now);
  }
  if (rc != SM_OK)
    goto out;
  out->id = s.id;
  snprintf(out->address, sizeof(out->address), "%s", s.address);
  for (size_t i = 0; i < nkw && rc == SM_OK; i++) {
    int was_added = 0;
    struct buf *b;
    rc = store_interest_add(env->st, s.id, kw[i], SUB_MAX_INTERESTS, env->now,
                            &was_added);
    b = was_added ? &out->added : &out->there;
    if (rc == SM_OK)
      rc = buf_printf(b, "%s%s", b->len ? " " : "", kw[i]);
  }
  /* Everything a subscribe by mail does: pending again after an
   * unsubscribe, one request to confirm a day. */
  if (rc == SM_OK && !confirmed)
    rc = sub_request(env, s.address, NULL, &id, &out->sent);
out:
  store_subscriber_free(&s);
  return rc;
}

void
sub_added_free(struct sub_added *a)
{
  buf_free(&a->added);
  buf_free(&a->there);
}

enum sm_status
sub_remove(const struct env *env, const char *address,
           struct store_subscriber *out, size_t *nkw)
{
  char **kw = NULL;
  enum sm_status rc;

  *nkw = 0;
  rc = store_sub_get(env->st, address, out);
  if (rc == SM_OK)
    rc = store_interests(env->st, out->id, &kw, nkw);
  if (rc == SM_OK)
    rc = store_sub_delete(env->st, out->id);
  sub_keywords_free(kw, *nkw);
  return rc;
}
