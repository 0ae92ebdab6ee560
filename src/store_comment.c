/* store_comment.c: comments received by mail, the notices about them and
 * the digests they answer; see store.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_int.h"

enum sm_status
store_comment_add(struct store *st, const struct store_comment *c, int64_t *id,
                  int *added)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  *added = 0;
  *id = 0;
  /* The UNIQUE message_id makes a redelivered comment a no-op even when
   * it reaches us under another key (another recipient address). */
  rc = store_stmt(st,
                  "INSERT INTO comments (summary_id, subscriber_id, "
                  "message_id, body, created_at, post_state, raw) VALUES "
                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                  "ON CONFLICT (message_id) DO NOTHING",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, c->summary_id);
  if (c->subscriber_id)
    sqlite3_bind_int64(q, 2, c->subscriber_id);
  else
    sqlite3_bind_null(q, 2);
  store_bind_text(q, 3, c->message_id);
  store_bind_text(q, 4, c->body);
  sqlite3_bind_int64(q, 5, c->created_at);
  store_bind_text(q, 6, c->post_state);
  if (c->raw)
    sqlite3_bind_blob64(q, 7, c->raw, c->rawlen, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(q, 7);
  rc = store_step_done(st, q, "storing comment");
  if (rc == SM_OK && sqlite3_changes(st->db) > 0) {
    *added = 1;
    *id = sqlite3_last_insert_rowid(st->db);
  }
  store_release(st, q);
  if (rc != SM_OK || *added)
    return rc;
  rc = store_stmt(st, "SELECT id FROM comments WHERE message_id = ?1", &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, c->message_id);
  return store_one_int64(st, q, id, NULL, "finding stored comment");
}

enum sm_status
store_comment_notice(struct store *st, const char *address, const char *kind,
                     int64_t now, int64_t since, int *allowed)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  *allowed = 0;
  /* One statement decides and records: the row is written only when
   * there was none, or when the last notice is older than `since`. */
  rc = store_stmt(st,
                  "INSERT INTO comment_notices (address, kind, sent_at) "
                  "VALUES (?1, ?2, ?3) ON CONFLICT (address, kind) DO "
                  "UPDATE SET sent_at = excluded.sent_at "
                  "WHERE comment_notices.sent_at < ?4",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, address);
  store_bind_text(q, 2, kind);
  sqlite3_bind_int64(q, 3, now);
  sqlite3_bind_int64(q, 4, since);
  rc = store_step_done(st, q, "recording comment notice");
  if (rc == SM_OK)
    *allowed = sqlite3_changes(st->db) > 0;
  store_release(st, q);
  return rc;
}

void
store_digest_sent_free(struct store_digest_sent *d)
{
  free(d->payload);
  memset(d, 0, sizeof(*d));
}

enum sm_status
store_digest_find(struct store *st, const char *message_id,
                  const char *recipient, struct store_digest_sent *out)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  memset(out, 0, sizeof(*out));
  rc = store_stmt(st,
                  "SELECT subscriber_id, created_at, payload FROM outbox "
                  "WHERE message_id = ?1 AND kind = 'digest' AND "
                  "recipient = ?2 COLLATE NOCASE",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, message_id);
  store_bind_text(q, 2, recipient);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW) {
    out->subscriber_id = sqlite3_column_int64(q, 0);
    out->created_at = sqlite3_column_int64(q, 1);
    out->payload = store_dup_col(q, 2);
    if (!out->payload)
      rc = SM_ERR_NOMEM;
  } else if (src == SQLITE_DONE)
    rc = SM_ERR_NOTFOUND;
  else
    rc = store_fail(st, src, "finding digest");
  store_release(st, q);
  return rc;
}

enum sm_status
store_summary_title(struct store *st, int64_t summary, char **title,
                    char **link)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  *title = NULL;
  if (link)
    *link = NULL;
  rc = store_stmt(st,
                  "SELECT p.title, s.link FROM summaries s JOIN papers p ON "
                  "p.id = s.paper_id WHERE s.id = ?1",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, summary);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW) {
    *title = store_dup_col(q, 0);
    if (link)
      *link = store_dup_col(q, 1);
    if (!*title || (link && !*link))
      rc = SM_ERR_NOMEM;
  } else if (src == SQLITE_DONE)
    rc = SM_ERR_NOTFOUND;
  else
    rc = store_fail(st, src, "finding summary title");
  store_release(st, q);
  if (rc != SM_OK) {
    free(*title);
    *title = NULL;
    if (link) {
      free(*link);
      *link = NULL;
    }
  }
  return rc;
}
