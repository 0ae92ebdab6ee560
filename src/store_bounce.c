/* store_bounce.c: the store's part of bounces, bounce scores, the
 * sender's last look at a reader, and forgetting readers; see store.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

enum sm_status
store_bounce_sent_to(struct store *st, int64_t id, int64_t sub,
                     char **recipient)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  *recipient = NULL;
  rc = store_stmt(st,
                  "SELECT recipient FROM outbox WHERE id = ?1 AND "
                  "subscriber_id = ?2 AND state = 'sent'",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, id);
  sqlite3_bind_int64(q, 2, sub);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW) {
    *recipient = store_dup_col(q, 0);
    if (!*recipient)
      rc = SM_ERR_NOMEM;
  } else if (src != SQLITE_DONE)
    rc = store_fail(st, src, "reading the bounced message");
  store_release(st, q);
  return rc;
}

enum sm_status
store_bounce_sent_as(struct store *st, const char *message_id,
                     const char *address, int64_t *id, int64_t *sub,
                     char **recipient)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src, rows = 0;

  *id = 0;
  *sub = 0;
  *recipient = NULL;
  /* A digest's or notice's row has the Message-ID itself; a comment's
   * rows are keyed "MID/READER" (thread.c), one per follower: the range
   * after "MID/" and before "MID0" ('0' follows '/') finds them by the
   * unique index. */
  rc = store_stmt(st,
                  "SELECT id, subscriber_id, recipient FROM outbox WHERE "
                  "state = 'sent' AND subscriber_id IS NOT NULL AND "
                  "(message_id = ?1 OR (message_id > ?1 || '/' AND "
                  "message_id < ?1 || '0' AND (?2 IS NULL OR recipient = ?2 "
                  "COLLATE NOCASE))) LIMIT 2",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, message_id);
  store_bind_text(q, 2, address);
  while ((src = sqlite3_step(q)) == SQLITE_ROW && rc == SM_OK) {
    if (++rows > 1) {
      *id = 0;
      *sub = 0;
      free(*recipient);
      *recipient = NULL;
      break;
    }
    *id = sqlite3_column_int64(q, 0);
    *sub = sqlite3_column_int64(q, 1);
    *recipient = store_dup_col(q, 2);
    if (!*recipient)
      rc = SM_ERR_NOMEM;
  }
  if (rc == SM_OK && src != SQLITE_ROW && src != SQLITE_DONE)
    rc = store_fail(st, src, "looking for the message a bounce returns");
  store_release(st, q);
  if (rc != SM_OK) {
    free(*recipient);
    *recipient = NULL;
    *id = 0;
  }
  return rc;
}

enum sm_status
store_bounce_last_sent(struct store *st, int64_t sub, const char *address,
                       int64_t *id)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  *id = 0;
  /* outbox_subscriber (0002) makes this a look at the reader's rows. */
  rc = store_stmt(st,
                  "SELECT max(id) FROM outbox WHERE subscriber_id = ?1 AND "
                  "state = 'sent' AND recipient = ?2 COLLATE NOCASE",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, sub);
  store_bind_text(q, 2, address);
  return store_one_int64(st, q, id, NULL,
                         "looking for mail sent to a bounced address");
}

static void
score_row(sqlite3_stmt *q, int col, struct store_bounce_score *out)
{
  const char *k;

  memset(out, 0, sizeof(*out));
  if (sqlite3_column_type(q, col) == SQLITE_NULL)
    return;
  out->known = 1;
  out->score = sqlite3_column_double(q, col);
  out->last_bounce_at = sqlite3_column_int64(q, col + 1);
  k = (const char *)sqlite3_column_text(q, col + 2);
  snprintf(out->last_kind, sizeof(out->last_kind), "%s", k ? k : "");
  out->disabled_at = sqlite3_column_int64(q, col + 3);
}

enum sm_status
store_bounce_score_get(struct store *st, int64_t sub,
                       struct store_bounce_score *out)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  memset(out, 0, sizeof(*out));
  rc = store_stmt(st,
                  "SELECT score, last_bounce_at, last_kind, "
                  "coalesce(disabled_at, 0) FROM bounce_scores WHERE "
                  "subscriber_id = ?1",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, sub);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW)
    score_row(q, 0, out);
  else if (src != SQLITE_DONE)
    rc = store_fail(st, src, "reading a bounce score");
  store_release(st, q);
  return rc;
}

enum sm_status
store_bounce_score_set(struct store *st, int64_t sub,
                       const struct store_bounce_score *s)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(st,
                  "INSERT INTO bounce_scores (subscriber_id, score, "
                  "last_bounce_at, last_kind, disabled_at) VALUES (?1, ?2, "
                  "?3, ?4, nullif(?5, 0)) ON CONFLICT (subscriber_id) DO "
                  "UPDATE SET score = ?2, last_bounce_at = ?3, last_kind = "
                  "?4, disabled_at = nullif(?5, 0)",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, sub);
  sqlite3_bind_double(q, 2, s->score);
  sqlite3_bind_int64(q, 3, s->last_bounce_at);
  store_bind_text(q, 4, s->last_kind);
  sqlite3_bind_int64(q, 5, s->disabled_at);
  rc = store_step_done(st, q, "recording a bounce score");
  store_release(st, q);
  return rc;
}

enum sm_status
store_bounce_add(struct store *st, const struct store_bounce_event *e)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(st,
                  "INSERT INTO bounces (subscriber_id, address, kind, "
                  "status, diagnostic, source, outbox_id, received_at, "
                  "counted, score) VALUES (?1, ?2, ?3, nullif(?4, ''), "
                  "nullif(?5, ''), ?6, nullif(?7, 0), ?8, ?9, ?10)",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, e->subscriber_id);
  store_bind_text(q, 2, e->address);
  store_bind_text(q, 3, e->kind);
  store_bind_text(q, 4, e->status);
  store_bind_text(q, 5, e->diagnostic);
  store_bind_text(q, 6, e->source);
  sqlite3_bind_int64(q, 7, e->outbox_id);
  sqlite3_bind_int64(q, 8, e->received_at);
  sqlite3_bind_double(q, 9, e->counted);
  sqlite3_bind_double(q, 10, e->score);
  rc = store_step_done(st, q, "recording a bounce");
  store_release(st, q);
  return rc;
}

enum sm_status
store_bounce_list(struct store *st, const char *address, store_bounce_cb cb,
                  void *ctx)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  rc = store_stmt(st,
                  "SELECT b.subscriber_id, b.address, b.kind, b.status, "
                  "b.diagnostic, b.source, coalesce(b.outbox_id, 0), "
                  "b.received_at, b.counted, b.score, s.address, s.status, "
                  "c.score, c.last_bounce_at, c.last_kind, "
                  "coalesce(c.disabled_at, 0) FROM bounces b JOIN "
                  "subscribers s ON s.id = b.subscriber_id LEFT JOIN "
                  "bounce_scores c ON c.subscriber_id = b.subscriber_id "
                  "WHERE ?1 IS NULL OR s.address = ?1 OR b.address = ?1 "
                  "COLLATE NOCASE ORDER BY b.received_at, b.id",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, address);
  while ((src = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_bounce_row r;
    memset(&r, 0, sizeof(r));
    r.e.subscriber_id = sqlite3_column_int64(q, 0);
    r.e.address = (const char *)sqlite3_column_text(q, 1);
    r.e.kind = (const char *)sqlite3_column_text(q, 2);
    r.e.status = (const char *)sqlite3_column_text(q, 3);
    r.e.diagnostic = (const char *)sqlite3_column_text(q, 4);
    r.e.source = (const char *)sqlite3_column_text(q, 5);
    r.e.outbox_id = sqlite3_column_int64(q, 6);
    r.e.received_at = sqlite3_column_int64(q, 7);
    r.e.counted = sqlite3_column_double(q, 8);
    r.e.score = sqlite3_column_double(q, 9);
    r.reader_address = (const char *)sqlite3_column_text(q, 10);
    r.reader_status = (const char *)sqlite3_column_text(q, 11);
    score_row(q, 12, &r.score);
    if (cb(ctx, &r))
      break;
  }
  if (src != SQLITE_ROW && src != SQLITE_DONE)
    rc = store_fail(st, src, "listing bounces");
  store_release(st, q);
  return rc;
}

enum sm_status
store_forgotten(struct store *st, const char *hash, int *forgotten)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  *forgotten = 0;
  rc = store_stmt(st, "SELECT 1 FROM forgotten WHERE address_hash = ?1", &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, hash);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW)
    *forgotten = 1;
  else if (src != SQLITE_DONE)
    rc = store_fail(st, src, "reading forgotten readers");
  store_release(st, q);
  return rc;
}

enum sm_status
store_forgotten_del(struct store *st, const char *hash)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(st, "DELETE FROM forgotten WHERE address_hash = ?1", &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, hash);
  rc = store_step_done(st, q, "removing a forgotten reader's hash");
  store_release(st, q);
  return rc;
}

/* One statement of store_forget, binding the reader id (?1), the
 * address (?2) and the time (?3) as far as it uses them; adds the rows
 * it changed to *count. Not cached: an operator runs it rarely. */
static enum sm_status
forget_step(struct store *st, const char *sql, int64_t id, const char *address,
            int64_t now, long *count)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc = store_prepare(st, sql, &q);
  int np;

  if (rc != SM_OK)
    return rc;
  np = sqlite3_bind_parameter_count(q);
  if (np >= 1)
    sqlite3_bind_int64(q, 1, id);
  if (np >= 2)
    store_bind_text(q, 2, address);
  if (np >= 3)
    sqlite3_bind_int64(q, 3, now);
  rc = store_step_done(st, q, "forgetting a reader");
  if (rc == SM_OK && count)
    *count += sqlite3_changes(st->db);
  sqlite3_finalize(q);
  return rc;
}

enum sm_status
store_forget(struct store *st, const char *address, const char *hash,
             int64_t now, struct store_forget_counts *n)
{
  sqlite3_stmt *q = NULL;
  int64_t id = 0;
  enum sm_status rc;
  int src, busy = 1, was_secure = 0;

  memset(n, 0, sizeof(n[0]));
  /* secure_delete zeroes what the deletions free, in the database and
   * the WAL alike; it is set outside the transaction and put back after,
   * so other work on this handle keeps what it had (builds differ). */
  rc = store_prepare(st, "PRAGMA secure_delete", &q);
  if (rc != SM_OK)
    return rc;
  if (sqlite3_step(q) == SQLITE_ROW)
    was_secure = sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
  q = NULL;
  rc = store_exec(st, "PRAGMA secure_delete = ON", "forgetting a reader");
  if (rc != SM_OK)
    return rc;
  rc = store_begin(st);
  if (rc != SM_OK)
    goto out;
  rc = store_prepare(st,
                     "SELECT id FROM subscribers WHERE address = ?1 COLLATE "
                     "NOCASE",
                     &q);
  if (rc != SM_OK)
    goto fail;
  store_bind_text(q, 1, address);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW)
    id = sqlite3_column_int64(q, 0);
  else if (src != SQLITE_DONE)
    rc = store_fail(st, src, "forgetting a reader");
  sqlite3_finalize(q);
  if (rc != SM_OK)
    goto fail;
  /* Everything that names them: the mail we sent or queued (deliveries
   * go with it), what they or their MTA mailed us (the raw bytes of
   * quarantined mail and the log's details name them), the bounces, the
   * rate limits of comment notices, the raw message kept with their
   * comments. The published comment text
   * stays: it is the site's, and no longer tied to them. Interests,
   * tokens, follows and the score go with the reader (ON DELETE
   * CASCADE). */
  rc = forget_step(st,
                   "DELETE FROM outbox WHERE subscriber_id = ?1 OR "
                   "recipient = ?2 COLLATE NOCASE",
                   id, address, now, &n->outbox);
  if (rc == SM_OK)
    rc = forget_step(st,
                     "DELETE FROM bounces WHERE subscriber_id = ?1 OR "
                     "address = ?2 COLLATE NOCASE",
                     id, address, now, &n->bounces);
  if (rc == SM_OK)
    rc = forget_step(st,
                     "DELETE FROM received WHERE sender = ?2 COLLATE NOCASE "
                     "OR instr(lower(coalesce(detail, '')), lower(?2)) > 0 "
                     "OR instr(lower(CAST(coalesce(raw, '') AS TEXT)), "
                     "lower(?2)) > 0",
                     id, address, now, &n->received);
  if (rc == SM_OK)
    rc = forget_step(st,
                     "DELETE FROM comment_notices WHERE address = ?2 "
                     "COLLATE NOCASE",
                     id, address, now, NULL);
  if (rc == SM_OK)
    rc = forget_step(st,
                     "UPDATE comments SET raw = NULL WHERE subscriber_id "
                     "= ?1",
                     id, address, now, NULL);
  if (rc == SM_OK)
    rc = forget_step(st, "DELETE FROM subscribers WHERE id = ?1", id, address,
                     now, &n->readers);
  if (rc == SM_OK) {
    rc = store_prepare(st,
                       "INSERT INTO forgotten (address_hash, forgotten_at) "
                       "VALUES (?1, ?2) ON CONFLICT DO UPDATE SET "
                       "forgotten_at = ?2",
                       &q);
    if (rc == SM_OK) {
      store_bind_text(q, 1, hash);
      sqlite3_bind_int64(q, 2, now);
      rc = store_step_done(st, q, "recording a forgotten reader");
      sqlite3_finalize(q);
    }
  }
  if (rc != SM_OK)
    goto fail;
  rc = store_commit(st);
  if (rc != SM_OK)
    goto out;
  /* The WAL still holds the old pages until a checkpoint copies them
   * back (zeroed) and TRUNCATE empties it. A reader in another process
   * can hold it back: then `busy` is 1 and the caller says so. */
  rc = store_prepare(st, "PRAGMA wal_checkpoint(TRUNCATE)", &q);
  if (rc == SM_OK) {
    src = sqlite3_step(q);
    if (src == SQLITE_ROW)
      busy = sqlite3_column_int(q, 0);
    else
      rc = store_fail(st, src, "checkpointing the WAL");
    sqlite3_finalize(q);
  }
  n->checkpointed = rc == SM_OK && !busy;
  goto out;
fail:
  store_rollback(st);
out:
  if (!was_secure)
    store_exec(st, "PRAGMA secure_delete = OFF", "forgetting a reader");
  return rc;
}
