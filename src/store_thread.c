/* store_thread.c: followers of each summary's discussion, and what a
 * discussion message needs to know about a comment (see thread.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_int.h"

/* The raw message kept with a comment is read back only for the
 * author's display name; a larger one is ignored rather than loaded. */
#define STORE_THREAD_RAW_MAX (8 * 1024 * 1024)

enum sm_status
store_follow_set(struct store *st, int64_t sub, int64_t summary, int follow,
                 int64_t now, int *changed)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  if (changed)
    *changed = 0;
  /* ON CONFLICT DO NOTHING: following again keeps the first `since`,
   * which decides which comments the reader is owed. */
  if (follow)
    rc = store_stmt(st,
                    "INSERT INTO followers (summary_id, subscriber_id, "
                    "since) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                    &q);
  else
    rc = store_stmt(st,
                    "DELETE FROM followers WHERE summary_id = ?1 AND "
                    "subscriber_id = ?2",
                    &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, summary);
  sqlite3_bind_int64(q, 2, sub);
  if (follow)
    sqlite3_bind_int64(q, 3, now);
  rc = store_step_done(
      st, q, follow ? "following a discussion" : "leaving a discussion");
  if (rc == SM_OK && changed)
    *changed = sqlite3_changes(st->db) > 0;
  store_release(st, q);
  return rc;
}

void
store_thread_comment_free(struct store_thread_comment *c)
{
  if (!c)
    return;
  free(c->body);
  free(c->title);
  free(c->link);
  free(c->raw);
  memset(c, 0, sizeof(*c));
}

enum sm_status
store_thread_comment(struct store *st, int64_t comment,
                     struct store_thread_comment *out)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  memset(out, 0, sizeof(*out));
  /* The previous comment by id, not by created_at: ids follow the order
   * in which comments were stored, and so the order they were sent in.
   * A held comment was not sent: answering it would point at a message
   * nobody has. */
  rc = store_stmt(
      st,
      "SELECT c.id, c.summary_id, coalesce(c.subscriber_id, 0), "
      "c.created_at, c.body, p.title, s.link, "
      "CASE WHEN length(c.raw) <= ?2 THEN c.raw END, "
      "coalesce((SELECT max(o.id) FROM comments o WHERE o.summary_id = "
      "c.summary_id AND o.id < c.id AND o.post_state != 'held'), 0) "
      "FROM comments c JOIN summaries s ON s.id = c.summary_id "
      "JOIN papers p ON p.id = s.paper_id WHERE c.id = ?1",
      &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, comment);
  sqlite3_bind_int64(q, 2, STORE_THREAD_RAW_MAX);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW) {
    const void *raw = sqlite3_column_blob(q, 7);
    int rawlen = sqlite3_column_bytes(q, 7);

    out->id = sqlite3_column_int64(q, 0);
    out->summary_id = sqlite3_column_int64(q, 1);
    out->subscriber_id = sqlite3_column_int64(q, 2);
    out->created_at = sqlite3_column_int64(q, 3);
    out->body = store_dup_col(q, 4);
    out->title = store_dup_col(q, 5);
    out->link = store_dup_col(q, 6);
    out->prev_id = sqlite3_column_int64(q, 8);
    if (raw && rawlen > 0) {
      out->raw = malloc((size_t)rawlen);
      if (out->raw) {
        memcpy(out->raw, raw, (size_t)rawlen);
        out->rawlen = (size_t)rawlen;
      }
    }
    if (!out->body || !out->title || !out->link ||
        (raw && rawlen > 0 && !out->raw))
      rc = SM_ERR_NOMEM;
  } else if (src == SQLITE_DONE) {
    snprintf(st->errmsg, sizeof(st->errmsg), "%s: no comment %lld", st->path,
             (long long)comment);
    rc = SM_ERR_NOTFOUND;
  } else
    rc = store_fail(st, src, "reading a comment");
  store_release(st, q);
  if (rc != SM_OK)
    store_thread_comment_free(out);
  return rc;
}

enum sm_status
store_followers(struct store *st, int64_t summary, int64_t except,
                int64_t until, store_follower_cb cb, void *ctx)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  /* Only confirmed readers: the sender checks again at claim time, this
   * keeps rows that could never be sent out of the queue. */
  rc = store_stmt(st,
                  "SELECT s.id, s.address FROM followers f JOIN "
                  "subscribers s ON s.id = f.subscriber_id WHERE "
                  "f.summary_id = ?1 AND f.subscriber_id != ?2 AND "
                  "f.since <= ?3 AND s.status = 'confirmed' ORDER BY s.id",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, summary);
  sqlite3_bind_int64(q, 2, except);
  sqlite3_bind_int64(q, 3, until);
  while ((src = sqlite3_step(q)) == SQLITE_ROW)
    if (cb(ctx, sqlite3_column_int64(q, 0),
           (const char *)sqlite3_column_text(q, 1)))
      break;
  if (src != SQLITE_ROW && src != SQLITE_DONE)
    rc = store_fail(st, src, "reading followers");
  store_release(st, q);
  return rc;
}
