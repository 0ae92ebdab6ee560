/* store_int.h: the store's insides, shared by the files of the store
 * module only (store.c, store_bounce.c, store_comment.c, ...). Everything
 * else sees struct store as opaque through store.h. */
#ifndef SM_STORE_INT_H
#define SM_STORE_INT_H

#include <sqlite3.h>

#include "status.h"

#define STORE_MAX_CACHED 64

struct store {
  sqlite3 *db;
  char *path;
  char errmsg[SM_ERRLEN];
  int in_tx;
  /* Statements of fixed SQL, prepared once per handle: compiling the
   * upsert's statements for every item cost half of an ingest. Keyed by
   * the address of the SQL literal. */
  struct {
    const char *sql;
    sqlite3_stmt *stmt;
  } cache[STORE_MAX_CACHED];
  size_t ncached;
  /* STORE_LAZY_CHECKPOINT: the WAL's frames after the last commit. */
  int lazy;
  int wal_frames;
  int import_seen; /* the TEMP table of store_import_seen exists */
};

/* SQL that is true when mail of kind KIND to reader SUB (SQL
 * expressions) must not go out: digests, comments and notices go only to
 * a confirmed reader (a notice also to one the bounces disabled: it tells
 * them so), digests not while paused; replies and confirmations answer
 * the reader's own mail and go regardless. store_outbox_claim and
 * store_outbox_ours, the check right before each message, share it. */
#define STORE_READER_GONE_SQL(SUB, KIND)                                      \
  "(" KIND " IN ('digest', 'comment', 'notice') AND NOT EXISTS (SELECT 1 "    \
  "FROM subscribers s WHERE s.id = " SUB " AND (s.status = 'confirmed' OR "   \
  "(" KIND                                                                    \
  " = 'notice' AND s.status = 'disabled')) AND (s.paused = 0 OR " KIND        \
  " != 'digest')))"

/* Records "PATH: WHAT: sqlite's message" in st->errmsg and maps the
 * SQLite code to a status (busy, full, I/O: SM_ERR_TEMP). */
enum sm_status store_fail(struct store *st, int rc, const char *what);
/* Runs SQL without parameters. */
enum sm_status store_exec(struct store *st, const char *sql, const char *what);
/* A statement the caller finalizes. */
enum sm_status store_prepare(struct store *st, const char *sql,
                             sqlite3_stmt **stmt);
/* A cached statement for a fixed SQL string (a literal: its address is
 * the key). Hand it back with store_release, never finalize it. */
enum sm_status store_stmt(struct store *st, const char *sql,
                          sqlite3_stmt **stmt);
void store_release(struct store *st, sqlite3_stmt *stmt);
/* Binds a string, or NULL (copied: SQLITE_TRANSIENT). */
int store_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Steps a bound statement from store_stmt that yields at most one row,
 * reads the row's first column as an integer into *out, and releases
 * the statement. With found, no row is no error (*found 0, *out left
 * alone); without, a query that always yields a row (count(*), max())
 * is assumed. what names the step in an error. */
enum sm_status store_one_int64(struct store *st, sqlite3_stmt *q, int64_t *out,
                               int *found, const char *what);
/* Runs a statement whose rows, if any, are ignored. */
enum sm_status store_step_done(struct store *st, sqlite3_stmt *s,
                               const char *what);
/* A malloc'd copy of a text column, NULL for NULL (or no memory). */
char *store_dup_col(sqlite3_stmt *q, int i);

struct model_summary;
struct buf;
/* s's keywords sorted without case, each once, joined by sep, appended
 * to out (the form of summaries_fts.keywords with " "). */
enum sm_status store_joined_keywords(const struct model_summary *s,
                                     const char *sep, struct buf *out);
/* Fills s->keywords (new strings in a new array; the caller frees them)
 * from "a\x1fb\x1fc"; NULL or "" gives none. */
enum sm_status store_split_keywords(const char *list, struct model_summary *s);
/* The categories arXiv gave the id (store_arxiv.c), as s->keywords (new,
 * the caller frees); none when it was not asked or does not know it. */
enum sm_status store_arxiv_cached(struct store *st, const char *arxiv_id,
                                  struct model_summary *s);

#endif
