/* thread.c: the discussion list of each summary; see thread.h.
 *
 * Each comment goes out as one outbox row per follower (kind "comment").
 * Like a mailing list, every copy of a comment has the same Message-ID,
 * "<comment.SUMMARY.COMMENT@LIST-DOMAIN>", so a reader's client sees one
 * message however it arrives; outbox.message_id must be unique per row,
 * so the row keeps "comment.SUMMARY.COMMENT@LIST-DOMAIN/READER" there
 * and the real Message-ID in its payload. In-Reply-To names the comment
 * before it on the same summary and References the thread's root
 * "<thread.SUMMARY.0@LIST-DOMAIN>" (a message nobody gets) and that
 * comment, so every comment of a summary threads together even for a
 * reader who missed the earlier ones.
 *
 * The payload is a snapshot taken at queue time (the comment's text,
 * the paper's title and link, the author's name, the ids), so a retry
 * sends the same bytes whatever happens to the store meanwhile; the
 * reader's own tokens are made by compose from the row (see compose.c,
 * compose_comment).
 *
 * Privacy: the author's address appears nowhere in what followers get.
 * From is the list's own address (the author's would fail DMARC at every
 * receiver that checks it) with the display name "NAME via LIST", where
 * NAME is the display name of the From field of the author's comment
 * mail, or "A reader" when it has none, holds an '@' (often the address
 * itself) or nothing printable. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inbound.h"
#include "outbox.h"
#include "mime.h"
#include "thread.h"
#include "util.h"

#define THREAD_ANONYMOUS "A reader"
#define THREAD_NAME_MAX 64 /* bytes of the author's name shown */

enum sm_status
thread_follow(const struct env *env, int64_t sub, int64_t summary, int follow,
              int *changed)
{
  return store_follow_set(env->st, sub, summary, follow, env->now, changed);
}

/* The author's display name, cleaned: control characters and runs of
 * white space become one space, cut to THREAD_NAME_MAX bytes on a
 * character boundary; THREAD_ANONYMOUS when there is nothing to show or
 * it could give the address away. */
static void
author_name(const struct store_thread_comment *c, char *out, size_t outlen)
{
  struct inbound_msg m;
  char err[SM_ERRLEN];
  size_t n = 0;
  int space = 0;

  snprintf(out, outlen, "%s", THREAD_ANONYMOUS);
  if (!c->raw || outlen <= THREAD_NAME_MAX)
    return;
  if (inbound_parse(c->raw, c->rawlen, &m, err, sizeof(err)) != SM_OK)
    return; /* inbound_parse leaves m empty, nothing to free */
  if (m.from_name && !strchr(m.from_name, '@') &&
      util_utf8_valid(m.from_name, strlen(m.from_name))) {
    const char *p = m.from_name;
    size_t left = strlen(p);

    while (left > 0) {
      uint32_t cp;
      size_t k = util_utf8_decode(p, left, &cp);

      if (k == 0)
        break;
      if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == ' ') {
        space = n > 0;
      } else {
        if (n + space + k > THREAD_NAME_MAX)
          break;
        if (space)
          out[n++] = ' ';
        memcpy(out + n, p, k);
        n += k;
        space = 0;
      }
      p += k;
      left -= k;
    }
    if (n > 0)
      out[n] = '\0';
    else
      snprintf(out, outlen, "%s", THREAD_ANONYMOUS);
  }
  inbound_msg_free(&m);
}

/* The payload of every copy of the comment (outbox.h); caller frees. */
static char *
payload_json(const struct store_thread_comment *c, const char *mid,
             const char *irt, const char *refs, const char *author)
{
  struct outbox_comment p = {0};
  size_t tlen = strlen(c->body);
  char *text, *out = NULL;

  /* The template puts the footer after the text: no trailing blank
   * lines in between. */
  while (tlen > 0 && (c->body[tlen - 1] == '\n' || c->body[tlen - 1] == '\r' ||
                      c->body[tlen - 1] == ' ' || c->body[tlen - 1] == '\t'))
    tlen--;
  text = strndup(c->body, tlen);
  if (!text)
    return NULL;
  p.summary = c->summary_id;
  p.comment = c->id;
  p.message_id = mid;
  p.in_reply_to = irt;
  p.references = refs;
  p.title = c->title;
  p.link = c->link;
  p.author = author;
  p.text = text;
  if (outbox_comment_write(&p, &out) != SM_OK)
    out = NULL;
  free(text);
  return out;
}

struct fanout {
  const struct env *env;
  const char *mid; /* the comment's Message-ID, without brackets */
  const char *payload;
  long queued;
  enum sm_status rc;
};

static int
fan_one(void *vctx, int64_t sub, const char *address)
{
  struct fanout *f = vctx;
  struct store_outbox_row row;
  char key[MIME_MSGID_MAX + 32];
  int added = 0;

  /* Unique per row, and the same on a second call, so a repeated call
   * adds nothing (the store ignores a row whose key it has). */
  snprintf(key, sizeof(key), "%s/%lld", f->mid, (long long)sub);
  memset(&row, 0, sizeof(row));
  row.kind = outbox_kind_name(OUTBOX_COMMENT);
  row.subscriber_id = sub;
  row.recipient = address;
  row.issue = NULL;
  row.message_id = key;
  row.payload = f->payload;
  f->rc = store_outbox_add(f->env->st, &row, f->env->now, NULL, &added);
  if (f->rc != SM_OK)
    return 1;
  f->queued += added;
  return 0;
}

enum sm_status
thread_comment_added(const struct env *env, int64_t comment, long *queued)
{
  const char *domain = env->conf->list.domain;
  struct store_thread_comment c;
  struct fanout f;
  char mid[MIME_MSGID_MAX], root[MIME_MSGID_MAX], prev[MIME_MSGID_MAX];
  char refs[3 * MIME_MSGID_MAX], author[THREAD_NAME_MAX + 16];
  char *payload = NULL;
  enum sm_status rc;

  if (queued)
    *queued = 0;
  rc = store_thread_comment(env->st, comment, &c);
  if (rc != SM_OK)
    return rc;
  /* The author follows from their comment on: answers to it reach them. */
  if (c.subscriber_id)
    rc = thread_follow(env, c.subscriber_id, c.summary_id, 1, NULL);
  if (rc == SM_OK)
    rc = mime_message_id(mid, sizeof(mid), "comment", c.summary_id, c.id,
                         domain);
  if (rc == SM_OK)
    rc =
        mime_message_id(root, sizeof(root), "thread", c.summary_id, 0, domain);
  if (rc == SM_OK && c.prev_id)
    rc = mime_message_id(prev, sizeof(prev), "comment", c.summary_id,
                         c.prev_id, domain);
  if (rc != SM_OK)
    goto out;
  if (c.prev_id)
    snprintf(refs, sizeof(refs), "%s %s", root, prev);
  else
    snprintf(refs, sizeof(refs), "%s", root);
  author_name(&c, author, sizeof(author));
  /* The store keeps Message-IDs without their brackets. */
  mid[strlen(mid) - 1] = '\0';
  payload = payload_json(&c, mid + 1, c.prev_id ? prev : root, refs, author);
  if (!payload) {
    rc = SM_ERR_NOMEM;
    goto out;
  }
  memset(&f, 0, sizeof(f));
  f.env = env;
  f.mid = mid + 1;
  f.payload = payload;
  f.rc = SM_OK;
  /* Followers since the comment was written: one who joins later is not
   * owed it, which also keeps a second call from queueing anything. */
  rc = store_followers(env->st, c.summary_id, c.subscriber_id, c.created_at,
                       fan_one, &f);
  if (rc == SM_OK)
    rc = f.rc;
  if (rc == SM_OK && queued)
    *queued = f.queued;
out:
  free(payload);
  store_thread_comment_free(&c);
  return rc;
}
