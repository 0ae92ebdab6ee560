/* store_post.c: the queue of comments to post to the site: claim with a
 * lease, record each attempt in its own transaction, the operator's
 * release and retry, and the listing for `shortmail comments`. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_int.h"

void
store_post_free(struct store_post *p)
{
  if (!p)
    return;
  free(p->summary_ref);
  free(p->summary_link);
  free(p->bibtex_key);
  free(p->author);
  free(p->message_id);
  free(p->body);
  memset(p, 0, sizeof(*p));
}

enum sm_status
store_post_claim(struct store *st, const char *owner, int64_t now,
                 int64_t lease, struct store_post *out)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  memset(out, 0, sizeof(*out));
  /* IMMEDIATE: the choice and the claim are one write, so two runs never
   * pick the same comment. */
  rc = store_begin(st);
  if (rc != SM_OK)
    return rc;
  rc = store_stmt(
      st,
      "UPDATE comments SET post_claimed_by = ?1, post_lease_until = ?2 + ?3 "
      "WHERE id = (SELECT id FROM comments WHERE post_state = 'pending' AND "
      "next_post_at <= ?2 AND (post_lease_until IS NULL OR post_lease_until "
      "< ?2) ORDER BY next_post_at, id LIMIT 1) "
      "RETURNING id, summary_id, subscriber_id, message_id, body, "
      "created_at, post_attempts",
      &q);
  if (rc != SM_OK)
    goto done;
  store_bind_text(q, 1, owner);
  sqlite3_bind_int64(q, 2, now);
  sqlite3_bind_int64(q, 3, lease);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW) {
    int64_t summary = sqlite3_column_int64(q, 1), sub;
    int has_sub = sqlite3_column_type(q, 2) != SQLITE_NULL;

    sub = sqlite3_column_int64(q, 2);
    out->id = sqlite3_column_int64(q, 0);
    out->message_id = store_dup_col(q, 3);
    out->body = store_dup_col(q, 4);
    out->created_at = sqlite3_column_int64(q, 5);
    out->attempts = (long)sqlite3_column_int64(q, 6);
    /* RETURNING's statement must be run to its end before the next. */
    src = sqlite3_step(q);
    if (src != SQLITE_DONE) {
      rc = store_fail(st, src, "claiming a comment");
      goto done;
    }
    store_release(st, q);
    q = NULL;
    if (!out->message_id || !out->body) {
      rc = SM_ERR_NOMEM;
      goto done;
    }
    rc = store_stmt(st,
                    "SELECT coalesce(s.guid, s.link), s.link, "
                    "(SELECT address FROM subscribers WHERE id = ?2), "
                    "p.bibtex_key "
                    "FROM summaries s JOIN papers p ON p.id = s.paper_id "
                    "WHERE s.id = ?1",
                    &q);
    if (rc != SM_OK)
      goto done;
    sqlite3_bind_int64(q, 1, summary);
    if (has_sub)
      sqlite3_bind_int64(q, 2, sub);
    else
      sqlite3_bind_null(q, 2);
    src = sqlite3_step(q);
    if (src == SQLITE_ROW) {
      out->summary_ref = store_dup_col(q, 0);
      out->summary_link = store_dup_col(q, 1);
      out->author = store_dup_col(q, 2);
      out->bibtex_key = store_dup_col(q, 3);
      if (!out->summary_ref || !out->summary_link ||
          (sqlite3_column_type(q, 2) != SQLITE_NULL && !out->author) ||
          (sqlite3_column_type(q, 3) != SQLITE_NULL && !out->bibtex_key))
        rc = SM_ERR_NOMEM;
    } else if (src == SQLITE_DONE) {
      /* The foreign key makes this a broken store, not a missing row. */
      snprintf(st->errmsg, sizeof(st->errmsg),
               "%s: comment %lld: its summary %lld is not in the store",
               st->path, (long long)out->id, (long long)summary);
      rc = SM_ERR_INTERNAL;
    } else {
      rc = store_fail(st, src, "reading a comment's summary");
    }
  } else if (src == SQLITE_DONE) {
    rc = SM_ERR_NOTFOUND;
  } else {
    rc = store_fail(st, src, "claiming a comment");
  }

done:
  if (q)
    store_release(st, q);
  if (rc == SM_OK)
    rc = store_commit(st);
  else
    store_rollback(st);
  if (rc != SM_OK)
    store_post_free(out);
  return rc;
}

enum sm_status
store_post_record(struct store *st, int64_t id, const char *owner,
                  enum store_post_outcome o, const char *error, int64_t now,
                  int64_t next)
{
  static const char *const states[] = {"posted", "pending", "failed"};
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  /* Only the holder of the claim: a run whose lease ran out must not
   * overwrite what the run that took over recorded. */
  rc = store_stmt(st,
                  "UPDATE comments SET post_state = ?3, post_attempts = "
                  "post_attempts + 1, last_error = ?4, posted_at = CASE "
                  "WHEN ?3 = 'posted' THEN ?5 ELSE posted_at END, "
                  "next_post_at = CASE WHEN ?3 = 'pending' THEN ?6 ELSE "
                  "next_post_at END, post_claimed_by = NULL, "
                  "post_lease_until = NULL WHERE id = ?1 AND "
                  "post_claimed_by = ?2 AND post_state = 'pending'",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, id);
  store_bind_text(q, 2, owner);
  store_bind_text(q, 3, states[o]);
  store_bind_text(q, 4, error);
  sqlite3_bind_int64(q, 5, now);
  sqlite3_bind_int64(q, 6, next);
  rc = store_step_done(st, q, "recording a comment's posting");
  if (rc == SM_OK && sqlite3_changes(st->db) == 0)
    rc = SM_ERR_NOTFOUND;
  store_release(st, q);
  return rc;
}

enum sm_status
store_post_unclaim(struct store *st, int64_t id, const char *owner)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(st,
                  "UPDATE comments SET post_claimed_by = NULL, "
                  "post_lease_until = NULL WHERE id = ?1 AND "
                  "post_claimed_by = ?2",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, id);
  store_bind_text(q, 2, owner);
  rc = store_step_done(st, q, "giving a comment back");
  store_release(st, q);
  return rc;
}

enum sm_status
store_post_requeue(struct store *st, int64_t id, const char *from)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  /* last_error stays until the next attempt: the operator who retries
   * may want to see what went wrong the last time. */
  rc = store_stmt(st,
                  "UPDATE comments SET post_state = 'pending', next_post_at "
                  "= 0, post_claimed_by = NULL, post_lease_until = NULL "
                  "WHERE id = ?1 AND post_state = ?2",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, id);
  store_bind_text(q, 2, from);
  rc = store_step_done(st, q, "requeueing a comment");
  if (rc == SM_OK && sqlite3_changes(st->db) == 0)
    rc = SM_ERR_NOTFOUND;
  store_release(st, q);
  return rc;
}

enum sm_status
store_post_list(struct store *st, const char *summary, store_post_row_cb cb,
                void *ctx)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  rc = store_stmt(
      st,
      "SELECT c.id, c.summary_id, coalesce(s.guid, s.link), p.title, "
      "b.address, c.message_id, c.body, c.post_state, c.last_error, "
      "c.post_attempts, c.created_at, coalesce(c.posted_at, 0), "
      "c.next_post_at FROM comments c JOIN summaries s ON s.id = "
      "c.summary_id JOIN papers p ON p.id = s.paper_id LEFT JOIN "
      "subscribers b ON b.id = c.subscriber_id WHERE ?1 IS NULL OR "
      "CAST(s.id AS TEXT) = ?1 OR s.guid = ?1 OR s.link = ?1 ORDER BY c.id",
      &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, summary);
  while ((src = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_post_row r;

    r.id = sqlite3_column_int64(q, 0);
    r.summary_id = sqlite3_column_int64(q, 1);
    r.summary_ref = (const char *)sqlite3_column_text(q, 2);
    r.title = (const char *)sqlite3_column_text(q, 3);
    r.author = (const char *)sqlite3_column_text(q, 4);
    r.message_id = (const char *)sqlite3_column_text(q, 5);
    r.body = (const char *)sqlite3_column_text(q, 6);
    r.state = (const char *)sqlite3_column_text(q, 7);
    r.last_error = (const char *)sqlite3_column_text(q, 8);
    r.attempts = (long)sqlite3_column_int64(q, 9);
    r.created_at = sqlite3_column_int64(q, 10);
    r.posted_at = sqlite3_column_int64(q, 11);
    r.next_post_at = sqlite3_column_int64(q, 12);
    if (cb(ctx, &r))
      break;
  }
  if (src != SQLITE_ROW && src != SQLITE_DONE)
    rc = store_fail(st, src, "listing comments");
  store_release(st, q);
  return rc;
}

enum sm_status
store_post_pending(struct store *st, int64_t now, long *pending, long *due)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  *pending = *due = 0;
  rc = store_stmt(st,
                  "SELECT count(*), coalesce(sum(next_post_at <= ?1), 0) "
                  "FROM comments WHERE post_state = 'pending'",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, now);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW) {
    *pending = (long)sqlite3_column_int64(q, 0);
    *due = (long)sqlite3_column_int64(q, 1);
  } else {
    rc = store_fail(st, src, "counting pending comments");
  }
  store_release(st, q);
  return rc;
}
