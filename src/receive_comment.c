/* receive_comment.c: a reader's reply to a summary, or to a whole
 * digest, into a comment on that summary.
 *
 * The two routes end in the same place (comment_from): a reader, a
 * summary and the date the address expires, from a signed token
 * (LIST+c-TOKEN@) or from the digest the reply answers (LIST@). A
 * comment is taken only from the reader the address was made for, while
 * it is valid and the reader is confirmed. Anything else gets a short
 * notice saying why, at most one per address and kind a day, and only to
 * an address we may answer without backscatter: a confirmed reader of
 * ours, or a sender our MTA found to pass DMARC. A sender that looks
 * forged (a tampered token, an unknown sender) is quarantined unanswered.
 * A DMARC failure of the reader's own address is stored but held for an
 * operator: neither posted nor sent on. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "authres.h"
#include "listaddr.h"
#include "log.h"
#include "outbox.h"
#include "receive_int.h"
#include "reply.h"
#include "sub.h"
#include "thread.h"
#include "util.h"

/* The first words of our footer, in digests and discussion messages:
 * the reply extractor drops it from comments. */
#define COMMENT_FOOTER_MARKER "You get this because"
/* The longest comment taken; a site comment is a few paragraphs. */
#define COMMENT_MAX_BODY (64 * 1024)
/* One notice per address and kind in this long. */
#define COMMENT_NOTICE_INTERVAL 86400
/* Message-IDs tried from In-Reply-To and References. */
#define COMMENT_MAX_PARENTS 32
/* Items read from a digest's payload. */
#define COMMENT_MAX_ITEMS 200

enum comment_command { CMD_NONE, CMD_UNSUBSCRIBE, CMD_FOLLOW, CMD_UNFOLLOW };

/* One message on its way to becoming a comment. */
struct comment_run {
  const struct env *env;
  const struct inbound_msg *m;
  const char *key;
  const char *raw;
  size_t len;
  struct receive_result *res;
  struct sub_thread thread;
  enum authres_verdict dmarc; /* of the From domain, by our MTA */
  const char *via;            /* "token" or "digest reply", for the log */
};

static void
run_init(struct comment_run *r, const struct env *env,
         const struct inbound_msg *m, const char *key, const char *raw,
         size_t len, struct receive_result *res, const char *via)
{
  const char *at = strrchr(m->from_addr, '@');

  memset(r, 0, sizeof(*r));
  r->env = env;
  r->m = m;
  r->key = key;
  r->raw = raw;
  r->len = len;
  r->res = res;
  r->thread.message_id = m->message_id;
  r->thread.references = m->references;
  r->thread.subject = m->subject;
  r->via = via;
  r->dmarc =
      authres_dmarc((const char *const *)m->auth_results, m->n_auth_results,
                    env->conf->receive.authserv_id, at ? at + 1 : NULL, NULL);
}

/* Whether a notice to the sender can be no backscatter: a confirmed
 * reader of ours, or an address our MTA saw pass DMARC. */
static int
may_answer(const struct comment_run *r, int confirmed_reader)
{
  return confirmed_reader || r->dmarc == AUTHRES_PASS;
}

/* The context every notice gets: the list's addresses, the sender's
 * address and, when known, the summary's title and link. A new map the
 * caller frees, NULL for no memory. */
static struct tmpl_value *
notice_context(const struct comment_run *r, const char *title,
               const char *link)
{
  struct tmpl_value *ctx = sub_base_context(r->env);

  if (ctx &&
      (tmpl_map_set_str(ctx, "address", r->m->from_addr) ||
       (title && tmpl_map_set_str(ctx, "title", title)) ||
       (link && tmpl_map_set_str(ctx, "link", link)) ||
       tmpl_map_set_int(ctx, "ttl_days", LISTADDR_COMMENT_TTL / 86400))) {
    tmpl_value_free(ctx);
    return NULL;
  }
  return ctx;
}

/* Queues a notice (kind "reply", rendered from templ) to the sender,
 * unless one of this kind went to them in the last day. Takes ctx. */
static enum sm_status
notice(struct comment_run *r, int64_t sub, const char *kind, const char *templ,
       struct tmpl_value *ctx, int *sent)
{
  int allowed = 0;
  enum sm_status rc;

  *sent = 0;
  if (!ctx)
    return SM_ERR_NOMEM;
  rc = store_comment_notice(r->env->st, r->m->from_addr, kind, r->env->now,
                            r->env->now - COMMENT_NOTICE_INTERVAL, &allowed);
  if (rc == SM_OK && allowed)
    rc = sub_queue_reply(r->env, sub, r->m->from_addr, templ, ctx, &r->thread,
                         r->key, sent);
  else if (rc == SM_OK)
    log_info("%s: a \"%s\" notice went out in the last day; not sending "
             "another",
             r->m->from_addr, kind);
  tmpl_value_free(ctx);
  return rc;
}

/* Refuses the message: a notice when the sender may be answered, else
 * nothing (quarantined when `forged_if_unanswered`). */
static enum sm_status
refuse(struct comment_run *r, int answerable, int forged_if_unanswered,
       int64_t sub, const char *kind, const char *templ,
       struct tmpl_value *ctx, const char *why)
{
  enum sm_status rc = SM_OK;
  int sent = 0;

  if (!answerable) {
    tmpl_value_free(ctx);
    receive_set_outcome(
        r->res, forged_if_unanswered ? RECEIVE_QUARANTINED : RECEIVE_REFUSED,
        "%s: %s; not answered: not a confirmed reader and "
        "no DMARC pass from our MTA",
        r->m->from_addr, why);
    return SM_OK;
  }
  rc = notice(r, sub, kind, templ, ctx, &sent);
  receive_set_outcome(r->res, RECEIVE_REFUSED, "%s: %s; %s", r->m->from_addr,
                      why, sent ? "notice queued" : "no notice (rate limit)");
  return rc;
}

/* The command a comment is, when it is nothing but one word. */
static enum comment_command
command_of(const char *body)
{
  static const struct {
    const char *word;
    enum comment_command cmd;
  } words[] = {{"unsubscribe", CMD_UNSUBSCRIBE},
               {"follow", CMD_FOLLOW},
               {"unfollow", CMD_UNFOLLOW}};
  size_t n = strlen(body);

  while (n && (body[n - 1] == '\n' || body[n - 1] == ' ' ||
               body[n - 1] == '.' || body[n - 1] == '!'))
    n--;
  while (n && (*body == ' ' || *body == '\n'))
    body++, n--;
  for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
    if (n == strlen(words[i].word) && !strncasecmp(body, words[i].word, n))
      return words[i].cmd;
  return CMD_NONE;
}

static const char *
command_name(enum comment_command c)
{
  return c == CMD_UNSUBSCRIBE ? "unsubscribe"
         : c == CMD_FOLLOW    ? "follow"
         : c == CMD_UNFOLLOW  ? "unfollow"
                              : "comment";
}

/* Runs a command given as the whole of a reply, and confirms it. */
static enum sm_status
run_command(struct comment_run *r, const struct store_subscriber *reader,
            int64_t summary, enum comment_command cmd, const char *title,
            const char *link)
{
  struct tmpl_value *ctx;
  int changed = 0, sent = 0;
  enum sm_status rc;

  if (cmd == CMD_UNSUBSCRIBE)
    rc = sub_unsubscribe(r->env, reader->id, "reply to a digest", &changed);
  else
    rc = thread_follow(r->env, reader->id, summary, cmd == CMD_FOLLOW,
                       &changed);
  if (rc != SM_OK)
    return rc;
  ctx = notice_context(r, title, link);
  if (ctx && (tmpl_map_set_bool(ctx, "changed", changed) ||
              tmpl_map_set_bool(ctx, command_name(cmd), 1))) {
    tmpl_value_free(ctx);
    ctx = NULL;
  }
  rc = notice(r, reader->id, command_name(cmd), "comment-command.txt", ctx,
              &sent);
  receive_set_outcome(r->res, RECEIVE_COMMAND,
                      "%s from %s on summary %lld%s%s", command_name(cmd),
                      r->m->from_addr, (long long)summary,
                      changed ? "" : " (nothing to change)",
                      sent ? "; confirmation queued" : "");
  return rc;
}

/* The Message-ID a comment is stored under: the mail's, else a hash of
 * its bytes, so a redelivery is recognised either way. */
static enum sm_status
comment_key(const struct comment_run *r, char *out, size_t outlen)
{
  char hash[TOKEN_HASH_LEN + 1];
  enum sm_status rc;

  if (r->m->message_id) {
    snprintf(out, outlen, "%s", r->m->message_id);
    return SM_OK;
  }
  rc = token_hash(r->raw, r->len, hash);
  if (rc == SM_OK)
    snprintf(out, outlen, "sha256:%s", hash);
  return rc;
}

/* Stores the comment (held when DMARC failed) and, for a pending one,
 * lets the discussion list send it on. */
static enum sm_status
store(struct comment_run *r, const struct store_subscriber *reader,
      int64_t summary, const char *body)
{
  struct store_comment c;
  char mid[1024];
  int64_t id = 0;
  int added = 0, held = r->dmarc == AUTHRES_FAIL;
  long queued = 0;
  enum sm_status rc;

  rc = comment_key(r, mid, sizeof(mid));
  if (rc != SM_OK)
    return rc;
  memset(&c, 0, sizeof(c));
  c.summary_id = summary;
  c.subscriber_id = reader->id;
  c.message_id = mid;
  c.body = body;
  c.created_at = r->env->now;
  c.post_state = held ? "held" : "pending";
  c.raw = r->raw;
  c.rawlen = r->len;
  rc = store_comment_add(r->env->st, &c, &id, &added);
  if (rc != SM_OK)
    return rc;
  if (!added) {
    receive_set_outcome(r->res, RECEIVE_DUPLICATE,
                        "comment <%s> stored already as %lld", mid,
                        (long long)id);
    return SM_OK;
  }
  /* The --dry-run report: a comment too long for its room is left out
   * of it, not refused. */
  if (buf_printf(&r->res->report, "comment %lld on summary %lld (%s):\n%s\n",
                 (long long)id, (long long)summary, c.post_state,
                 body) == SM_ERR_NOMEM)
    return SM_ERR_NOMEM;
  if (held) {
    receive_set_outcome(r->res, RECEIVE_HELD,
                        "comment %lld on summary %lld from %s held: DMARC "
                        "fail reported by our MTA",
                        (long long)id, (long long)summary, r->m->from_addr);
    return SM_OK;
  }
  rc = thread_comment_added(r->env, id, &queued);
  receive_set_outcome(r->res, RECEIVE_COMMENT,
                      "comment %lld on summary %lld from %s (%s); %ld sent "
                      "on to followers",
                      (long long)id, (long long)summary, r->m->from_addr,
                      r->via, queued);
  return rc;
}

/* The sender is not the reader the address was made for: someone the
 * digest was forwarded to, another reader, or the reader writing from
 * another address. */
static enum sm_status
wrong_sender(struct comment_run *r, const char *title, const char *link)
{
  struct store_subscriber other;
  enum sm_status rc;
  int confirmed;

  rc = store_sub_get(r->env->st, r->m->from_addr, &other);
  if (rc == SM_ERR_NOTFOUND) {
    memset(&other, 0, sizeof(other));
    rc = SM_OK;
  }
  if (rc != SM_OK)
    return rc;
  confirmed = other.id && other.status == MODEL_CONFIRMED;
  if (confirmed)
    rc = refuse(r, 1, 1, other.id, "other-reader", "comment-other-reader.txt",
                notice_context(r, title, link),
                "another reader's comment address");
  else
    rc = refuse(r, may_answer(r, 0), 1, other.id, "wrong-from",
                "comment-wrong-from.txt", notice_context(r, title, link),
                "From is not the reader the comment address was made for");
  store_subscriber_free(&other);
  return rc;
}

/* An expired address of a confirmed reader: they get a fresh one (the
 * notice goes to them only) and the link to the site. */
static enum sm_status
expired(struct comment_run *r, const struct store_subscriber *reader,
        int64_t summary, const char *title, const char *link)
{
  struct tmpl_value *ctx = notice_context(r, title, link);
  char caddr[LISTADDR_MAX], until[32];
  int64_t exp = r->env->now + LISTADDR_COMMENT_TTL;
  enum sm_status rc = SM_OK;

  if (ctx) {
    rc = listaddr_mint(r->env->conf, r->env->secret, LISTADDR_COMMENT,
                       reader->id, summary, r->env->now, caddr, sizeof(caddr));
    if (rc != SM_OK) {
      tmpl_value_free(ctx);
      return rc;
    }
    util_format_time(exp, until, sizeof(until));
    if (tmpl_map_set_str(ctx, "comment_address", caddr) ||
        tmpl_map_set_str(ctx, "until", until)) {
      tmpl_value_free(ctx);
      ctx = NULL;
    }
  }
  return refuse(r, 1, 0, reader->id, "expired", "comment-expired.txt", ctx,
                "the comment address has expired");
}

/* The comment in the reply, into body. *empty when nothing is left;
 * *too_long when it does not fit. */
static enum sm_status
extract(const struct comment_run *r, struct buf *body, int *empty,
        int *too_long)
{
  struct reply_info info;
  enum sm_status rc;

  *empty = *too_long = 0;
  /* Every quoted line is our digest or discussion message (or what it
   * sent on): none of it is the reader's comment. */
  rc = reply_extract_ours(r->m->text, COMMENT_FOOTER_MARKER, body, &info);
  if (rc == SM_ERR_LIMIT || rc == SM_ERR_DATA) {
    /* DATA cannot happen (inbound gives UTF-8); both are the reader's
     * text we cannot take, not a failure to retry. */
    *too_long = 1;
    buf_reset(body);
    return SM_OK;
  }
  if (rc == SM_OK)
    *empty = info.was_empty || body->len == 0;
  return rc;
}

/* From here on both routes are the same: the address let reader `sub`
 * comment on `summary`, until a time is_expired says is past or not. */
static enum sm_status
comment_from(struct comment_run *r, int64_t sub, int64_t summary,
             int is_expired)
{
  struct store_subscriber reader;
  struct buf body = BUF_INIT(COMMENT_MAX_BODY);
  char *title = NULL, *link = NULL;
  enum comment_command cmd = CMD_NONE;
  int from_reader, confirmed, empty = 0, too_long = 0;
  enum sm_status rc;

  memset(&reader, 0, sizeof(reader));
  rc = store_sub_get_id(r->env->st, sub, &reader);
  if (rc == SM_ERR_NOTFOUND) {
    receive_set_outcome(r->res, RECEIVE_QUARANTINED,
                        "comment address of reader %lld, since erased",
                        (long long)sub);
    return SM_OK;
  }
  if (rc != SM_OK)
    return rc;
  rc = store_summary_title(r->env->st, summary, &title, &link);
  if (rc == SM_ERR_NOTFOUND) {
    receive_set_outcome(r->res, RECEIVE_QUARANTINED,
                        "comment on summary %lld, which no longer exists",
                        (long long)summary);
    rc = SM_OK;
    goto out;
  }
  if (rc != SM_OK)
    goto out;
  from_reader = address_same(reader.address, r->m->from_addr);
  confirmed = reader.status == MODEL_CONFIRMED;
  if (r->dmarc == AUTHRES_FAIL && !(from_reader && confirmed && !is_expired)) {
    /* The From domain's owner says this mail is not theirs: nothing in it
     * is acted on or answered. */
    receive_set_outcome(r->res, RECEIVE_QUARANTINED,
                        "DMARC fail for %s reported by our MTA (%s)",
                        r->m->from_addr,
                        from_reader ? "and the address cannot take comments"
                                    : "not the reader either");
    goto out;
  }
  if (!from_reader) {
    rc = wrong_sender(r, title, link);
    goto out;
  }
  rc = extract(r, &body, &empty, &too_long);
  if (rc != SM_OK)
    goto out;
  if (!empty && !too_long)
    cmd = command_of(buf_str(&body));
  if (cmd != CMD_NONE && r->dmarc == AUTHRES_FAIL) {
    receive_set_outcome(r->res, RECEIVE_QUARANTINED,
                        "%s command with DMARC fail for %s: not acted on",
                        command_name(cmd), r->m->from_addr);
    goto out;
  }
  /* Leaving the list works whatever the state of the address: it only
   * ever means less mail. */
  if (cmd == CMD_UNSUBSCRIBE && !confirmed) {
    receive_set_outcome(r->res, RECEIVE_COMMAND,
                        "unsubscribe from %s, who is %s already",
                        r->m->from_addr, model_status_name(reader.status));
    goto out;
  }
  if (cmd == CMD_UNSUBSCRIBE) {
    rc = run_command(r, &reader, summary, cmd, title, link);
    goto out;
  }
  /* Being unsubscribed is the reason that matters more: such a reader
   * gets no fresh address. */
  if (!confirmed) {
    rc = refuse(r, may_answer(r, 0), 0, reader.id, "unsubscribed",
                "comment-unsubscribed.txt", notice_context(r, title, link),
                "the reader is no longer subscribed");
    goto out;
  }
  if (is_expired) {
    rc = expired(r, &reader, summary, title, link);
    goto out;
  }
  if (empty || too_long) {
    struct tmpl_value *ctx = notice_context(r, title, link);
    if (ctx && (tmpl_map_set_bool(ctx, "too_long", too_long) ||
                tmpl_map_set_int(ctx, "max_kb", COMMENT_MAX_BODY / 1024))) {
      tmpl_value_free(ctx);
      ctx = NULL;
    }
    rc = refuse(r, 1, 0, reader.id, too_long ? "too-long" : "empty",
                "comment-empty.txt", ctx,
                too_long ? "the comment is too long"
                         : "no comment left once quotes are removed");
    goto out;
  }
  if (cmd != CMD_NONE)
    rc = run_command(r, &reader, summary, cmd, title, link);
  else
    rc = store(r, &reader, summary, buf_str(&body));
out:
  free(title);
  free(link);
  buf_free(&body);
  store_subscriber_free(&reader);
  return rc;
}

enum sm_status
receive_comment(const struct env *env, const struct inbound_msg *m,
                const char *token, size_t tokenlen, const char *key,
                const char *raw, size_t len, struct receive_result *res)
{
  struct comment_run r;
  enum token_reason reason = TOKEN_VALID;
  int64_t sub = 0, summary = 0, expires = 0;
  enum sm_status rc;

  rc = token_verify(env->secret, TOKEN_COMMENT, token, tokenlen, env->now,
                    &sub, &summary, &expires, &reason);
  if (rc == SM_ERR_DATA && reason != TOKEN_EXPIRED) {
    /* Not made by us: nobody to answer. */
    receive_set_outcome(res, RECEIVE_QUARANTINED, "comment token refused: %s",
                        token_reason_str(reason));
    return SM_OK;
  }
  if (rc != SM_OK && rc != SM_ERR_DATA)
    return rc;
  run_init(&r, env, m, key, raw, len, res, "comment address");
  return comment_from(&r, sub, summary, reason == TOKEN_EXPIRED);
}

/* ---- replies to a whole digest ------------------------------------- */

/* The Message-IDs a reply names, most likely parent first: In-Reply-To,
 * then References from the last. Each is a new string in ids[]. */
static size_t
parent_ids(const struct inbound_msg *m, char **ids, size_t max)
{
  const char *hdrs[2] = {m->in_reply_to, m->references};
  size_t n = 0;

  for (size_t h = 0; h < 2; h++) {
    const char *s = hdrs[h];
    size_t first = n;
    while (s && n < max) {
      const char *lt = strchr(s, '<'), *gt;
      if (!lt || !(gt = strchr(lt + 1, '>')))
        break;
      if (gt - lt > 1 && gt - lt < 998) {
        ids[n] = strndup(lt + 1, (size_t)(gt - lt - 1));
        if (!ids[n])
          break;
        n++;
      }
      s = gt + 1;
    }
    /* References lists the oldest first: the digest is near the end. */
    for (size_t i = first, j = n; i + 1 < j; i++, j--) {
      char *t = ids[i];
      ids[i] = ids[j - 1];
      ids[j - 1] = t;
    }
  }
  return n;
}

/* The summary ids of a digest's payload ({"items":[{"id":N,...}]}). */
static enum sm_status
digest_items(const char *payload, int64_t *ids, size_t max, size_t *n)
{
  struct outbox_digest d;
  char err[SM_ERRLEN];
  enum sm_status rc;

  *n = 0;
  rc = outbox_digest_parse(payload, &d, err, sizeof(err));
  if (rc != SM_OK)
    log_error("%s", err);
  for (size_t i = 0; rc == SM_OK && i < d.n && *n < max; i++)
    ids[(*n)++] = d.items[i].id;
  outbox_digest_free(&d);
  return rc;
}

struct head_ctx {
  int64_t paper;
  char *summarizer;
  enum sm_status rc;
};

static int
head_row(void *vctx, const struct store_summary_row *r)
{
  struct head_ctx *h = vctx;

  h->paper = r->paper_id;
  if (r->s.summarizer && !(h->summarizer = strdup(r->s.summarizer)))
    h->rc = SM_ERR_NOMEM;
  return 1;
}

/* The digest's item headings, as outbox_item_heading wrote them: a
 * second summary of the paper above it is named by its summarizer, so
 * that two summaries of one paper are told apart. titles[i] (NULL for a
 * summary deleted since) becomes its heading. */
static enum sm_status
item_headings(struct store *st, const int64_t *ids, char **titles, size_t n)
{
  int64_t last_paper = 0;
  enum sm_status rc = SM_OK;

  for (size_t i = 0; i < n && rc == SM_OK; i++) {
    struct store_query q = {ids[i], 0, NULL, 0, 1};
    struct head_ctx h = {0, NULL, SM_OK};
    char heading[1024];
    int also;

    if (!titles[i])
      continue;
    rc = store_summaries(st, &q, head_row, &h);
    if (rc == SM_OK)
      rc = h.rc;
    also = rc == SM_OK && h.paper && h.paper == last_paper;
    last_paper = h.paper;
    if (rc == SM_OK && also) {
      outbox_item_heading(titles[i], h.summarizer, 1, heading,
                          sizeof(heading));
      free(titles[i]);
      if (!(titles[i] = strdup(heading)))
        rc = SM_ERR_NOMEM;
    }
    free(h.summarizer);
  }
  return rc;
}

/* A reply to the whole digest that is not under one item: how to
 * comment on one, with each item's own address (the reader's, so only
 * the reader sees them). */
static enum sm_status
how_to_comment(struct comment_run *r, const struct store_subscriber *reader,
               int confirmed, const struct store_digest_sent *d,
               const int64_t *ids, char *const *titles, size_t n)
{
  struct tmpl_value *ctx = notice_context(r, NULL, NULL);
  struct tmpl_value *list = ctx ? tmpl_map_add_list(ctx, "items") : NULL;
  int64_t from = d->created_at;
  enum sm_status rc = SM_OK;

  if (from + LISTADDR_COMMENT_TTL < r->env->now)
    from = r->env->now; /* the digest's have expired */
  for (size_t i = 0; list && i < n && rc == SM_OK; i++) {
    struct tmpl_value *item;
    char caddr[LISTADDR_MAX];
    if (!titles[i])
      continue;
    rc = listaddr_mint(r->env->conf, r->env->secret, LISTADDR_COMMENT,
                       reader->id, ids[i], from, caddr, sizeof(caddr));
    if (rc != SM_OK)
      break;
    item = tmpl_list_add_map(list);
    if (!item || tmpl_map_set_str(item, "title", titles[i]) ||
        tmpl_map_set_str(item, "comment_address", caddr))
      rc = SM_ERR_NOMEM;
  }
  if (rc != SM_OK || !list) {
    tmpl_value_free(ctx);
    return rc != SM_OK ? rc : SM_ERR_NOMEM;
  }
  return refuse(r, may_answer(r, confirmed), 0, reader->id, "list-reply",
                "comment-list-reply.txt", ctx,
                "a reply to a whole digest, not under one item");
}

enum sm_status
receive_list_reply(const struct env *env, const struct inbound_msg *m,
                   const char *key, const char *raw, size_t len,
                   struct receive_result *res)
{
  struct comment_run r;
  struct store_digest_sent d;
  struct store_subscriber reader;
  char *parents[COMMENT_MAX_PARENTS];
  char *titles[COMMENT_MAX_ITEMS];
  int64_t ids[COMMENT_MAX_ITEMS];
  size_t np, n = 0, which = 0;
  enum sm_status rc = SM_ERR_NOTFOUND;

  memset(&d, 0, sizeof(d));
  memset(&reader, 0, sizeof(reader));
  memset(titles, 0, sizeof(titles));
  run_init(&r, env, m, key, raw, len, res, "reply to a digest");
  np = parent_ids(m, parents, COMMENT_MAX_PARENTS);
  for (size_t i = 0; i < np && rc == SM_ERR_NOTFOUND; i++)
    rc = store_digest_find(env->st, parents[i], m->from_addr, &d);
  for (size_t i = 0; i < np; i++)
    free(parents[i]);
  if (rc == SM_ERR_NOTFOUND) {
    /* Only the reader a digest went to can answer it here; anyone else
     * writing to the list address is not one of ours to answer. */
    receive_set_outcome(res, RECEIVE_QUARANTINED,
                        "mail to the list address that answers no digest "
                        "sent to %s",
                        m->from_addr);
    return SM_OK;
  }
  if (rc != SM_OK)
    return rc;
  if (!d.subscriber_id) {
    receive_set_outcome(res, RECEIVE_QUARANTINED,
                        "reply to a digest of a reader since erased");
    goto out;
  }
  rc = digest_items(d.payload, ids, COMMENT_MAX_ITEMS, &n);
  for (size_t i = 0; rc == SM_OK && i < n; i++) {
    rc = store_summary_title(env->st, ids[i], &titles[i], NULL);
    if (rc == SM_ERR_NOTFOUND)
      rc = SM_OK; /* deleted since: it cannot be answered */
  }
  if (rc == SM_OK)
    rc = item_headings(env->st, ids, titles, n);
  if (rc != SM_OK)
    goto out;
  rc = reply_quoted_heading(m->text, COMMENT_FOOTER_MARKER,
                            (const char *const *)titles, n, &which);
  if (rc == SM_OK) {
    rc = comment_from(&r, d.subscriber_id, ids[which],
                      d.created_at + LISTADDR_COMMENT_TTL < env->now);
    goto out;
  }
  if (rc == SM_ERR_NOMEM)
    goto out;
  /* No single item answered (or text we cannot read): explain. */
  rc = store_sub_get_id(env->st, d.subscriber_id, &reader);
  if (rc == SM_ERR_NOTFOUND) {
    receive_set_outcome(res, RECEIVE_QUARANTINED,
                        "reply to a digest of a reader since erased");
    rc = SM_OK;
    goto out;
  }
  if (rc != SM_OK)
    goto out;
  if (r.dmarc == AUTHRES_FAIL) {
    receive_set_outcome(res, RECEIVE_QUARANTINED,
                        "DMARC fail for %s reported by our MTA", m->from_addr);
    goto out;
  }
  rc = how_to_comment(&r, &reader, reader.status == MODEL_CONFIRMED, &d, ids,
                      titles, n);
out:
  for (size_t i = 0; i < n; i++)
    free(titles[i]);
  store_subscriber_free(&reader);
  store_digest_sent_free(&d);
  return rc;
}
