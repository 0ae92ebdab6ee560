/* store_imap.c: which messages of an IMAP mailbox `shortmail fetch` has
 * taken (migration 0009), so a message whose effect is committed is
 * never applied again, whatever happens before it leaves the mailbox. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "store.h"
#include "store_int.h"

/* Binds the message's identity as ?1, ?2, ?3. */
static void
bind_message(sqlite3_stmt *q, const char *mailbox, int64_t uidvalidity,
             int64_t uid)
{
  store_bind_text(q, 1, mailbox);
  sqlite3_bind_int64(q, 2, uidvalidity);
  sqlite3_bind_int64(q, 3, uid);
}

enum sm_status
store_imap_taken(struct store *st, const char *mailbox, int64_t uidvalidity,
                 int64_t uid, char *folder, size_t folderlen, int *taken)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  *taken = 0;
  if (folderlen)
    folder[0] = '\0';
  rc = store_stmt(st,
                  "SELECT folder FROM imap_taken WHERE mailbox = ?1 AND "
                  "uidvalidity = ?2 AND uid = ?3",
                  &q);
  if (rc != SM_OK)
    return rc;
  bind_message(q, mailbox, uidvalidity, uid);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW) {
    const unsigned char *f = sqlite3_column_text(q, 0);
    *taken = 1;
    snprintf(folder, folderlen, "%s", f ? (const char *)f : "done");
  } else if (src != SQLITE_DONE)
    rc = store_fail(st, src, "looking up an IMAP message");
  store_release(st, q);
  return rc;
}

enum sm_status
store_imap_take(struct store *st, const char *mailbox, int64_t uidvalidity,
                int64_t uid, const char *folder, int64_t now)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  /* DO NOTHING: a second fetch running at the same time may have taken
   * the same message; its Message-ID made that a duplicate, and the
   * first row says where the message goes. */
  rc = store_stmt(st,
                  "INSERT INTO imap_taken (mailbox, uidvalidity, uid, "
                  "folder, taken_at) VALUES (?1, ?2, ?3, ?4, ?5) ON "
                  "CONFLICT DO NOTHING",
                  &q);
  if (rc != SM_OK)
    return rc;
  bind_message(q, mailbox, uidvalidity, uid);
  store_bind_text(q, 4, folder);
  sqlite3_bind_int64(q, 5, now);
  rc = store_step_done(st, q, "recording an IMAP message");
  store_release(st, q);
  return rc;
}

enum sm_status
store_imap_prune(struct store *st, int64_t before, long *removed)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  if (removed)
    *removed = 0;
  rc = store_stmt(st, "DELETE FROM imap_taken WHERE taken_at < ?1", &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, before);
  rc = store_step_done(st, q, "pruning IMAP messages");
  if (rc == SM_OK && removed)
    *removed = (long)sqlite3_changes(st->db);
  store_release(st, q);
  return rc;
}
