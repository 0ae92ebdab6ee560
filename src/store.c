/* store.c: the SQLite store; see store.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "address.h"
#include "ascii.h"
#include "buf.h"
#include "outbox.h"
#include "store.h"
#include "store_int.h"

/* From src/db_sql.c, generated from db/ by scripts/sql2c.sh. */
extern const char *const store_sql_schema;
extern const char *const store_sql_migrations[];

/* A transient condition: the caller may retry later (exit 75). */
static enum sm_status
status_of(int rc)
{
  switch (rc & 0xff) {
  case SQLITE_OK:
  case SQLITE_DONE:
  case SQLITE_ROW:
    return SM_OK;
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
  case SQLITE_FULL:
  case SQLITE_IOERR:
  case SQLITE_CANTOPEN:
  case SQLITE_PROTOCOL:
    return SM_ERR_TEMP;
  case SQLITE_NOMEM:
    return SM_ERR_NOMEM;
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    return SM_ERR_IO;
  case SQLITE_CONSTRAINT:
  case SQLITE_TOOBIG:
  case SQLITE_MISMATCH:
    return SM_ERR_DATA;
  default:
    return SM_ERR_INTERNAL;
  }
}

/* Records "PATH: WHAT: sqlite's message" and maps the code. */
enum sm_status
store_fail(struct store *st, int rc, const char *what)
{
  snprintf(st->errmsg, sizeof(st->errmsg), "%s: %s: %s", st->path, what,
           st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
  return status_of(rc);
}

const char *
store_errmsg(const struct store *st)
{
  return st->errmsg;
}

enum sm_status
store_exec(struct store *st, const char *sql, const char *what)
{
  int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

  return rc == SQLITE_OK ? SM_OK : store_fail(st, rc, what);
}

enum sm_status
store_cache_size(struct store *st, long kib)
{
  char sql[64];

  snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%ld", kib);
  return store_exec(st, sql, "sizing the page cache");
}

enum sm_status
store_prepare(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
  int rc = sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL);

  return rc == SQLITE_OK ? SM_OK : store_fail(st, rc, "prepare");
}

/* A cached statement for a fixed SQL string (a literal: its address is
 * the key). Hand it back with store_release, never finalize it. */
enum sm_status
store_stmt(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
  int rc;

  for (size_t i = 0; i < st->ncached; i++)
    if (st->cache[i].sql == sql) {
      *stmt = st->cache[i].stmt;
      return SM_OK;
    }
  if (st->ncached == STORE_MAX_CACHED)
    return store_prepare(st, sql, stmt); /* callers release: see below */
  rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt,
                          NULL);
  if (rc != SQLITE_OK)
    return store_fail(st, rc, "prepare");
  st->cache[st->ncached].sql = sql;
  st->cache[st->ncached].stmt = *stmt;
  st->ncached++;
  return SM_OK;
}

enum sm_status
store_one_int64(struct store *st, sqlite3_stmt *q, int64_t *out, int *found,
                const char *what)
{
  enum sm_status rc = SM_OK;
  int src = sqlite3_step(q);

  if (found)
    *found = src == SQLITE_ROW;
  if (src == SQLITE_ROW)
    *out = sqlite3_column_int64(q, 0);
  else if (src != SQLITE_DONE || !found)
    rc = store_fail(st, src, what);
  store_release(st, q);
  return rc;
}

/* Makes a statement from store_stmt ready for its next use. A statement
 * that did not fit in the cache is finalized instead. */
void
store_release(struct store *st, sqlite3_stmt *stmt)
{
  if (!stmt)
    return;
  for (size_t i = 0; i < st->ncached; i++)
    if (st->cache[i].stmt == stmt) {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
      return;
    }
  sqlite3_finalize(stmt);
}

/* Binds a string, or NULL. SQLITE_TRANSIENT: the caller's memory may go
 * before the statement runs. */
int
store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
  return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT)
           : sqlite3_bind_null(s, i);
}

/* Runs a statement that returns no rows (or whose rows are ignored). */
enum sm_status
store_step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
  int rc;

  while ((rc = sqlite3_step(s)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    return store_fail(st, rc, what);
  return SM_OK;
}

static int
schema_version(struct store *st)
{
  sqlite3_stmt *s = NULL;
  int v = -1;

  if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) ==
          SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    v = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  return v;
}

int
store_schema_version(struct store *st)
{
  return schema_version(st);
}

int
store_schema_latest(void)
{
  int n = 1;

  while (store_sql_migrations[n - 1])
    n++;
  return n;
}

/* Applies schema.sql (version 1) and then each migration, each step in
 * its own IMMEDIATE transaction so a crash leaves a consistent version. */
enum sm_status
store_migrate(struct store *st, int *from, int *to)
{
  int latest = store_schema_latest();
  int v = schema_version(st), start = v;
  enum sm_status rc = SM_OK;

  if (from)
    *from = v;
  if (v < 0)
    return store_fail(st, SQLITE_ERROR, "reading schema version");
  if (v > latest) {
    snprintf(st->errmsg, sizeof(st->errmsg),
             "%s: store is schema version %d, newer than this shortmail "
             "knows (%d): upgrade shortmail",
             st->path, v, latest);
    return SM_ERR_DATA;
  }
  /* SQLite's procedure for changing a table (db/migrations/0010 rebuilds
   * the outbox): foreign keys off outside the transaction, so that
   * dropping the old table cascades nowhere, and checked at the end. */
  if (v < latest)
    rc = store_exec(st, "PRAGMA foreign_keys = OFF", "starting migration");
  while (rc == SM_OK && v < latest) {
    const char *sql = v == 0 ? store_sql_schema : store_sql_migrations[v - 1];
    char pragma[64];

    rc = store_exec(st, "BEGIN IMMEDIATE", "starting migration");
    if (rc != SM_OK)
      break;
    /* Another process may have migrated while we waited for the lock. */
    if (schema_version(st) != v) {
      store_exec(st, "ROLLBACK", "migration");
      v = schema_version(st);
      continue;
    }
    snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
    rc = store_exec(st, sql, "applying schema migration");
    if (rc == SM_OK)
      rc = store_exec(st, pragma, "setting schema version");
    if (rc == SM_OK)
      rc = store_exec(st, "COMMIT", "committing migration");
    if (rc != SM_OK) {
      sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
      break;
    }
    v++;
  }
  if (rc == SM_OK && v > start) {
    sqlite3_stmt *q = NULL;

    rc = store_prepare(st, "PRAGMA foreign_key_check", &q);
    if (rc == SM_OK && sqlite3_step(q) == SQLITE_ROW) {
      snprintf(st->errmsg, sizeof(st->errmsg),
               "%s: after migrating to schema version %d, table %s has a "
               "row whose reference is broken (PRAGMA foreign_key_check)",
               st->path, v, (const char *)sqlite3_column_text(q, 0));
      rc = SM_ERR_DATA;
    }
    sqlite3_finalize(q);
  }
  /* On again whatever happened: every other statement wants them.
   * Nothing to do when no migration ran (every receive's open). */
  if (start < latest &&
      sqlite3_exec(st->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) !=
          SQLITE_OK &&
      rc == SM_OK)
    rc = store_fail(st, SQLITE_ERROR, "turning foreign keys on");
  if (to)
    *to = v;
  return rc;
}

/* sm_tag_fold(TEXT): a tag's folded form (match_tag_normalize), for
 * paper_keywords.folded; NULL for text that is not UTF-8. */
static void
sql_tag_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  const unsigned char *s = sqlite3_value_text(argv[0]);
  char *f;

  (void)argc;
  if (!s) {
    sqlite3_result_null(ctx);
    return;
  }
  f = match_tag_normalize((const char *)s);
  if (f)
    sqlite3_result_text(ctx, f, -1, free);
  else
    sqlite3_result_null(ctx);
}

/* sm_mailbox(TEXT): the mailbox an address names (address_mailbox_key:
 * no +sub-address, lower case), for limits counted per mailbox; NULL for
 * what is no address we can send to. */
static void
sql_mailbox(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  const unsigned char *s = sqlite3_value_text(argv[0]);
  char key[ADDRESS_MAX + 1];

  (void)argc;
  if (!s ||
      address_mailbox_key((const char *)s, key, sizeof(key)) != ADDRESS_OK) {
    sqlite3_result_null(ctx);
    return;
  }
  sqlite3_result_text(ctx, key, -1, SQLITE_TRANSIENT);
}

/* The VFS of STORE_LAZY_CHECKPOINT: the default one, except that an
 * existing WAL file is opened without SQLITE_OPEN_CREATE. SQLite's unix
 * VFS fsyncs the directory at the first sync of every journal it opened
 * with CREATE, whether or not the file was new: for a process that
 * commits once, one fsync in two. The WAL kept by the previous process
 * needs no directory sync; one that is missing (a checkpointing close
 * removed it) is created as before. */
static sqlite3_vfs lazy_vfs;
static sqlite3_vfs *lazy_base;

static int
lazy_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
          int *out)
{
  (void)vfs;
  if ((flags & SQLITE_OPEN_WAL) && (flags & SQLITE_OPEN_CREATE) && name &&
      lazy_base->xOpen(lazy_base, name, f, flags & ~SQLITE_OPEN_CREATE, out) ==
          SQLITE_OK)
    return SQLITE_OK;
  return lazy_base->xOpen(lazy_base, name, f, flags, out);
}

/* Replaces SQLite's wal_autocheckpoint for STORE_LAZY_CHECKPOINT: only
 * counts the frames; store_close checkpoints (store.h). */
static int
lazy_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
  struct store *st = arg;

  (void)db;
  (void)name;
  st->wal_frames = frames;
  return SQLITE_OK;
}

static const char *
lazy_vfs_name(void)
{
  if (!lazy_base) {
    sqlite3_vfs *base = sqlite3_vfs_find(NULL);

    if (!base)
      return NULL;
    /* The copy keeps the base's pAppData, which its methods read. */
    lazy_vfs = *base;
    lazy_vfs.zName = "shortmail-lazy";
    lazy_vfs.xOpen = lazy_open;
    lazy_vfs.pNext = NULL;
    if (sqlite3_vfs_register(&lazy_vfs, 0) != SQLITE_OK)
      return NULL;
    lazy_base = base;
  }
  return lazy_vfs.zName;
}

enum sm_status
store_open(const char *path, long busy_timeout_ms, int flags,
           struct store **out, char *err, size_t errlen)
{
  struct store *st;
  int oflags = (flags & STORE_READONLY)
                   ? SQLITE_OPEN_READONLY
                   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  enum sm_status rc;
  int src;

  *out = NULL;
  rc = store_diagnose(path, flags, err, errlen);
  if (rc != SM_OK)
    return rc;
  st = calloc(1, sizeof(*st));
  if (!st || !(st->path = strdup(path))) {
    free(st);
    snprintf(err, errlen, "%s: out of memory", path);
    return SM_ERR_NOMEM;
  }
  src = sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX,
                        (flags & STORE_LAZY_CHECKPOINT) ? lazy_vfs_name()
                                                        : NULL);
  if (src != SQLITE_OK) {
    rc = store_fail(st, src, "cannot open store");
    goto fail;
  }
  sqlite3_extended_result_codes(st->db, 1);
  sqlite3_busy_timeout(st->db, (int)busy_timeout_ms);
  src = sqlite3_create_function_v2(st->db, "sm_tag_fold", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   sql_tag_fold, NULL, NULL, NULL);
  if (src != SQLITE_OK) {
    rc = store_fail(st, src, "registering sm_tag_fold");
    goto fail;
  }
  src = sqlite3_create_function_v2(st->db, "sm_mailbox", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   sql_mailbox, NULL, NULL, NULL);
  if (src != SQLITE_OK) {
    rc = store_fail(st, src, "registering sm_mailbox");
    goto fail;
  }
  /* FULL: `receive` exits 0 only after its effect is on disk, and a power
   * loss must not take back what the MTA was told. */
  rc =
      store_exec(st,
                 (flags & STORE_SYNC_NORMAL)
                     ? "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"
                     : "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
                 "configuring store");
  if (rc == SM_OK && !(flags & STORE_READONLY))
    rc = store_exec(st, "PRAGMA journal_mode = WAL", "enabling WAL");
  if (rc == SM_OK && (flags & STORE_LAZY_CHECKPOINT)) {
    src = sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    if (src != SQLITE_OK)
      rc = store_fail(st, src, "keeping the WAL on close");
    st->lazy = 1;
    sqlite3_wal_hook(st->db, lazy_wal_hook, st);
  }
  if (rc == SM_OK) {
    /* Reading the schema proves the file is a database at all. */
    rc = store_exec(st, "SELECT count(*) FROM sqlite_schema", "reading store");
  }
  if (rc == SM_OK && !(flags & (STORE_READONLY | STORE_NOMIGRATE)))
    rc = store_migrate(st, NULL, NULL);
  if (rc != SM_OK)
    goto fail;
  *out = st;
  return SM_OK;
fail:
  snprintf(err, errlen, "%s", st->errmsg);
  store_close(st);
  return rc;
}

const char *
store_path(const struct store *st)
{
  return st->path;
}

void
store_close(struct store *st)
{
  if (!st)
    return;
  if (st->in_tx)
    store_rollback(st);
  for (size_t i = 0; i < st->ncached; i++)
    sqlite3_finalize(st->cache[i].stmt);
  /* Busy (another process reading) is fine: a later close does it. */
  if (st->lazy && st->wal_frames >= STORE_LAZY_WAL_FRAMES)
    sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                              NULL);
  sqlite3_close_v2(st->db);
  free(st->path);
  free(st);
}

enum sm_status
store_begin(struct store *st)
{
  enum sm_status rc = store_exec(st, "BEGIN IMMEDIATE", "starting write");

  if (rc == SM_OK)
    st->in_tx = 1;
  return rc;
}

enum sm_status
store_commit(struct store *st)
{
  enum sm_status rc = store_exec(st, "COMMIT", "committing");

  if (rc != SM_OK)
    store_rollback(st);
  st->in_tx = 0;
  return rc;
}

void
store_rollback(struct store *st)
{
  if (sqlite3_get_autocommit(st->db) == 0)
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
  st->in_tx = 0;
}

static void
check_rows(struct store *st, const char *sql, const char *label,
           void (*report)(void *, const char *), void *ctx, int *problems)
{
  sqlite3_stmt *s = NULL;
  int rc;

  if (store_prepare(st, sql, &s) != SM_OK) {
    report(ctx, st->errmsg);
    (*problems)++;
    return;
  }
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(s, 0);
    char line[SM_ERRLEN];

    if (t && !strcmp(t, "ok"))
      continue;
    snprintf(line, sizeof(line), "%s: %s", label, t ? t : "(problem)");
    report(ctx, line);
    (*problems)++;
  }
  if (rc != SQLITE_DONE) {
    store_fail(st, rc, label);
    report(ctx, st->errmsg);
    (*problems)++;
  }
  sqlite3_finalize(s);
}

enum sm_status
store_check(struct store *st, void (*report)(void *, const char *), void *ctx)
{
  int problems = 0;
  char *msg = NULL;
  int rc;

  check_rows(st, "PRAGMA integrity_check", "integrity_check", report, ctx,
             &problems);
  check_rows(st,
             "SELECT 'table ' || \"table\" || ' row ' || rowid || "
             "' refers to a missing ' || parent FROM pragma_foreign_key_check",
             "foreign_key_check", report, ctx, &problems);
  rc = sqlite3_exec(st->db,
                    "INSERT INTO summaries_fts (summaries_fts, rank) "
                    "VALUES ('integrity-check', 1)",
                    NULL, NULL, &msg);
  if (rc != SQLITE_OK) {
    char line[SM_ERRLEN];
    snprintf(line, sizeof(line), "fts5 integrity-check: %s",
             msg ? msg : sqlite3_errstr(rc));
    report(ctx, line);
    problems++;
  }
  sqlite3_free(msg);
  check_rows(st,
             "SELECT 'summary ' || id || ' has no full-text row' FROM "
             "summaries WHERE id NOT IN (SELECT rowid FROM summaries_fts) "
             "UNION ALL SELECT 'full-text row ' || rowid || ' has no "
             "summary' FROM summaries_fts WHERE rowid NOT IN (SELECT id "
             "FROM summaries)",
             "fts rows", report, ctx, &problems);
  return problems ? SM_ERR_DATA : SM_OK;
}

enum sm_status
store_feed_get(struct store *st, const char *url, char **etag,
               char **last_modified)
{
  sqlite3_stmt *s = NULL;
  enum sm_status rc;
  int src;

  *etag = *last_modified = NULL;
  rc = store_stmt(st, "SELECT etag, last_modified FROM feeds WHERE url = ?1",
                  &s);
  if (rc != SM_OK)
    return rc;
  store_bind_text(s, 1, url);
  src = sqlite3_step(s);
  if (src == SQLITE_ROW) {
    const char *e = (const char *)sqlite3_column_text(s, 0);
    const char *l = (const char *)sqlite3_column_text(s, 1);
    if ((e && !(*etag = strdup(e))) || (l && !(*last_modified = strdup(l))))
      rc = SM_ERR_NOMEM;
  } else if (src != SQLITE_DONE)
    rc = store_fail(st, src, "reading feed state");
  store_release(st, s);
  if (rc != SM_OK) {
    free(*etag);
    free(*last_modified);
    *etag = *last_modified = NULL;
  }
  return rc;
}

enum sm_status
store_feed_set(struct store *st, const char *url, const char *etag,
               const char *last_modified, int64_t now)
{
  sqlite3_stmt *s = NULL;
  enum sm_status rc;

  rc = store_stmt(st,
                  "INSERT INTO feeds (url, etag, last_modified, "
                  "fetched_at) VALUES (?1, ?2, ?3, ?4) "
                  "ON CONFLICT (url) DO UPDATE SET etag = ?2, "
                  "last_modified = ?3, fetched_at = ?4",
                  &s);
  if (rc != SM_OK)
    return rc;
  store_bind_text(s, 1, url);
  store_bind_text(s, 2, etag);
  store_bind_text(s, 3, last_modified);
  sqlite3_bind_int64(s, 4, now);
  rc = store_step_done(st, s, "saving feed state");
  store_release(st, s);
  return rc;
}

/* ---- summaries ---------------------------------------------------- */

/* Lower-cased ASCII, white space folded: how papers without a key are
 * told apart. */
static char *
title_key(const char *title)
{
  size_t n = strlen(title);
  char *k = malloc(n + 1), *o = k;
  int space = 1;

  if (!k)
    return NULL;
  for (const char *p = title; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (ascii_isspace(c)) {
      if (!space)
        *o++ = ' ';
      space = 1;
      continue;
    }
    *o++ = (char)ascii_tolower(c);
    space = 0;
  }
  while (o > k && o[-1] == ' ')
    o--;
  *o = '\0';
  return k;
}

/* The keywords as one string, sorted without case and without
 * duplicates, joined by sep: for the FTS column and for comparing. */
static int
cmp_ci(const void *a, const void *b)
{
  return strcasecmp(*(char *const *)a, *(char *const *)b);
}

enum sm_status
store_joined_keywords(const struct model_summary *s, const char *sep,
                      struct buf *out)
{
  char **sorted;
  enum sm_status rc = SM_OK;

  if (s->nkeywords == 0)
    return buf_append(out, "", 0);
  sorted = malloc(s->nkeywords * sizeof(*sorted));
  if (!sorted)
    return SM_ERR_NOMEM;
  memcpy(sorted, s->keywords, s->nkeywords * sizeof(*sorted));
  qsort(sorted, s->nkeywords, sizeof(*sorted), cmp_ci);
  for (size_t i = 0; i < s->nkeywords && rc == SM_OK; i++) {
    if (i && !strcasecmp(sorted[i], sorted[i - 1]))
      continue;
    if (out->len)
      rc = buf_puts(out, sep);
    if (rc == SM_OK)
      rc = buf_puts(out, sorted[i]);
  }
  free(sorted);
  return rc;
}

/* The id of the paper the one-parameter query sql finds for arg, or 0. */
static enum sm_status
find_paper(struct store *st, const char *sql, const char *arg, int64_t *id)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int found = 0;

  rc = store_stmt(st, sql, &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, arg);
  return store_one_int64(st, q, id, &found, "finding paper");
}

/* Finds or creates the paper of s and brings its fields up to date;
 * *created says which. */
static enum sm_status
upsert_paper(struct store *st, const struct model_summary *s, int64_t *id,
             int *created)
{
  sqlite3_stmt *q = NULL;
  char *tkey = title_key(s->title);
  enum sm_status rc = SM_OK;

  *id = 0;
  *created = 0;
  if (!tkey)
    return SM_ERR_NOMEM;
  /* The BibTeX key first, then the arXiv id, then (for a paper with
   * neither) the title: one plain lookup each, in that order, where one
   * query ORing the three made SQLite search all three indexes and sort
   * what they found, for every item of every feed. */
  if (s->bibtex_key)
    rc = find_paper(st, "SELECT id FROM papers WHERE bibtex_key = ?1",
                    s->bibtex_key, id);
  if (rc == SM_OK && !*id && s->arxiv_id)
    rc = find_paper(st, "SELECT id FROM papers WHERE arxiv_id = ?1",
                    s->arxiv_id, id);
  if (rc == SM_OK && !*id && !s->bibtex_key && !s->arxiv_id)
    rc = find_paper(st,
                    "SELECT id FROM papers WHERE title_key = ?1 AND "
                    "bibtex_key IS NULL AND arxiv_id IS NULL LIMIT 1",
                    tkey, id);
  if (rc != SM_OK)
    goto out;
  if (*id) {
    rc = store_stmt(st,
                    "UPDATE papers SET title = ?2, title_key = ?3, "
                    "authors = coalesce(?4, authors), "
                    "venue = coalesce(?5, venue), "
                    "year = coalesce(?6, year), "
                    "arxiv_id = coalesce(arxiv_id, ?7), "
                    "bibtex_key = coalesce(bibtex_key, ?8) "
                    "WHERE id = ?1",
                    &q);
    if (rc != SM_OK)
      goto out;
    sqlite3_bind_int64(q, 1, *id);
  } else {
    rc = store_stmt(st,
                    "INSERT INTO papers (title, title_key, authors, "
                    "venue, year, arxiv_id, bibtex_key) "
                    "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    &q);
    if (rc != SM_OK)
      goto out;
  }
  store_bind_text(q, 2, s->title);
  store_bind_text(q, 3, tkey);
  store_bind_text(q, 4, s->authors);
  store_bind_text(q, 5, s->venue);
  if (s->year)
    sqlite3_bind_int(q, 6, s->year);
  else
    sqlite3_bind_null(q, 6);
  store_bind_text(q, 7, s->arxiv_id);
  store_bind_text(q, 8, s->bibtex_key);
  rc = store_step_done(st, q, "saving paper");
  if (rc == SM_OK && !*id) {
    *id = sqlite3_last_insert_rowid(st->db);
    *created = 1;
  }
out:
  store_release(st, q);
  free(tkey);
  return rc;
}

/* Runs sql, whose one parameter is id, to its end. */
static enum sm_status
run_with_id(struct store *st, const char *sql, int64_t id, const char *what)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc = store_stmt(st, sql, &q);

  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, id);
  rc = store_step_done(st, q, what);
  store_release(st, q);
  return rc;
}

/* The keywords of paper_id become those of s; a paper just created has
 * none to delete. */
static enum sm_status
replace_keywords(struct store *st, int64_t paper_id,
                 const struct model_summary *s, int created)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc = SM_OK;

  if (!created)
    rc = run_with_id(st, "DELETE FROM paper_keywords WHERE paper_id = ?1",
                     paper_id, "replacing keywords");
  if (rc != SM_OK || s->nkeywords == 0)
    return rc;
  rc = store_stmt(st,
                  "INSERT OR IGNORE INTO paper_keywords (paper_id, "
                  "keyword, folded) VALUES (?1, ?2, sm_tag_fold(?2))",
                  &q);
  if (rc != SM_OK)
    return rc;
  for (size_t i = 0; i < s->nkeywords && rc == SM_OK; i++) {
    sqlite3_bind_int64(q, 1, paper_id);
    store_bind_text(q, 2, s->keywords[i]);
    rc = store_step_done(st, q, "saving keyword");
    sqlite3_reset(q);
  }
  store_release(st, q);
  return rc;
}

static enum sm_status
write_fts(struct store *st, int64_t id, const struct model_summary *s,
          const char *keywords, int replace)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  if (replace) {
    rc = run_with_id(st, "DELETE FROM summaries_fts WHERE rowid = ?1", id,
                     "updating full-text index");
    if (rc != SM_OK)
      return rc;
  }
  rc = store_stmt(st,
                  "INSERT INTO summaries_fts (rowid, title, authors, "
                  "keywords, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, id);
  store_bind_text(q, 2, s->title);
  store_bind_text(q, 3, s->authors ? s->authors : "");
  store_bind_text(q, 4, keywords);
  store_bind_text(q, 5, s->markdown ? s->markdown : "");
  rc = store_step_done(st, q, "updating full-text index");
  store_release(st, q);
  return rc;
}

/* NULL and "" are the same absence. */
static int
str_eq0(const char *a, const char *b)
{
  return strcmp(a ? a : "", b ? b : "") == 0;
}

/* A copy of a text column, NULL for NULL. Caller frees. */
char *
store_dup_col(sqlite3_stmt *q, int i)
{
  const char *t = (const char *)sqlite3_column_text(q, i);

  return t ? strdup(t) : NULL;
}

/* Whether an edit makes a summary new again for digests: its text at
 * least doubled (a stub filled in), or it gained a keyword (so readers of
 * that keyword should hear of it). A reader never receives the same
 * summary twice either way (the digest checks its earlier issues). */
static int
edit_renews(const char *old_md, const char *new_md, const char *old_kw,
            const struct model_summary *s)
{
  size_t o = old_md ? strlen(old_md) : 0, n = new_md ? strlen(new_md) : 0;

  if (n >= 2 * o && n > o)
    return 1;
  for (size_t i = 0; i < s->nkeywords; i++) {
    /* old_kw is "a\x1fb\x1fc": look for a whole, case-blind entry. */
    size_t kl = strlen(s->keywords[i]);
    const char *p = old_kw;
    int found = 0;
    while (p && *p) {
      const char *e = strchr(p, '\x1f');
      size_t l = e ? (size_t)(e - p) : strlen(p);
      if (l == kl && !strncasecmp(p, s->keywords[i], l)) {
        found = 1;
        break;
      }
      p = e ? e + 1 : NULL;
    }
    if (!found)
      return 1;
  }
  return 0;
}

/* Whether `part`, the site's excerpt (ending in U+2026), is the start of
 * `whole`. */
static int
excerpt_of(const char *part, const char *whole)
{
  size_t n = part ? strlen(part) : 0;

  if (n < 3 || !whole || strcmp(part + n - 3, "\xE2\x80\xA6"))
    return 0;
  return !strncmp(part, whole, n - 3);
}

enum sm_status
store_summary_upsert(struct store *st, const struct model_summary *s,
                     int64_t now, enum store_upsert_result *result,
                     int64_t *id_out)
{
  sqlite3_stmt *q = NULL;
  struct buf kw = BUF_INIT(1024 * 1024), kwsep = BUF_INIT(1024 * 1024);
  int64_t id = 0, paper_id = 0, old_paper = 0;
  char *old_md = NULL, *old_title = NULL, *old_authors = NULL, *old_kw = NULL,
       *old_summarizer = NULL, *old_link = NULL;
  long old_votes = 0;
  struct model_summary eff = *s, arxiv_kw;
  enum sm_status rc;
  int src, old_excerpt = 0, completed = 0, paper_created = 0;

  memset(&arxiv_kw, 0, sizeof(arxiv_kw));
  if (!s->title || !s->link) {
    snprintf(st->errmsg, sizeof(st->errmsg), "summary without title or link");
    return SM_ERR_DATA;
  }
  /* A paper with no keywords of its own in the feed (the site's feed has
   * none) keeps those arXiv gave it. */
  if (!s->nkeywords && s->arxiv_id) {
    rc = store_arxiv_cached(st, s->arxiv_id, &arxiv_kw);
    if (rc != SM_OK)
      goto out;
    eff.keywords = arxiv_kw.keywords;
    eff.nkeywords = arxiv_kw.nkeywords;
  }
  s = &eff;
  rc = store_joined_keywords(s, " ", &kw);
  if (rc == SM_OK)
    rc = store_joined_keywords(s, "\x1f", &kwsep);
  if (rc != SM_OK)
    goto out;
  rc = store_stmt(
      st,
      "SELECT s.id, s.paper_id, s.markdown, p.title, p.authors, "
      "(SELECT group_concat(keyword, char(31)) FROM (SELECT keyword FROM "
      "paper_keywords WHERE paper_id = s.paper_id ORDER BY keyword)), "
      "s.summarizer, s.link, s.votes, s.excerpt "
      "FROM summaries s JOIN papers p ON p.id = s.paper_id "
      "WHERE (?1 IS NOT NULL AND s.guid = ?1) OR "
      "(?1 IS NULL AND s.guid IS NULL AND s.link = ?2) LIMIT 1",
      &q);
  if (rc != SM_OK)
    goto out;
  store_bind_text(q, 1, s->guid);
  store_bind_text(q, 2, s->link);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW) {
    id = sqlite3_column_int64(q, 0);
    old_paper = sqlite3_column_int64(q, 1);
    old_md = store_dup_col(q, 2);
    old_title = store_dup_col(q, 3);
    old_authors = store_dup_col(q, 4);
    old_kw = store_dup_col(q, 5);
    old_summarizer = store_dup_col(q, 6);
    old_link = store_dup_col(q, 7);
    old_votes = (long)sqlite3_column_int64(q, 8);
    old_excerpt = sqlite3_column_int(q, 9);
  } else if (src != SQLITE_DONE) {
    rc = store_fail(st, src, "finding summary");
    goto out;
  }
  store_release(st, q);
  q = NULL;

  if (id && old_excerpt != s->excerpt) {
    /* The site's excerpt and the whole text of one summary: the whole
     * text is kept, and is no news when it only completes the excerpt. */
    const char *whole = s->excerpt ? old_md : s->markdown;
    const char *part = s->excerpt ? s->markdown : old_md;
    if (excerpt_of(part, whole)) {
      if (s->excerpt) {
        eff.markdown = old_md;
        eff.excerpt = 0;
      } else {
        completed = 1;
      }
    }
  }

  if (id && str_eq0(old_md, s->markdown) && str_eq0(old_title, s->title) &&
      str_eq0(old_authors, s->authors) && str_eq0(old_kw, buf_str(&kwsep)) &&
      str_eq0(old_summarizer, s->summarizer) && str_eq0(old_link, s->link)) {
    /* Votes move every day; they never make a summary "changed". */
    *result = STORE_UNCHANGED;
    if (old_votes != s->votes) {
      rc = store_stmt(st, "UPDATE summaries SET votes = ?2 WHERE id = ?1", &q);
      if (rc != SM_OK)
        goto out;
      sqlite3_bind_int64(q, 1, id);
      sqlite3_bind_int64(q, 2, s->votes);
      rc = store_step_done(st, q, "updating votes");
    }
    goto out;
  }

  rc = upsert_paper(st, s, &paper_id, &paper_created);
  if (rc == SM_OK)
    rc = replace_keywords(st, paper_id, s, paper_created);
  if (rc != SM_OK)
    goto out;
  if (!id) {
    rc = store_stmt(st,
                    "INSERT INTO summaries (paper_id, guid, link, "
                    "summarizer, markdown, votes, published, first_seen, "
                    "last_changed, fresh_at, excerpt) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?8, ?11)",
                    &q);
    if (rc != SM_OK)
      goto out;
    *result = STORE_INSERTED;
  } else {
    int renew = !completed && edit_renews(old_md, s->markdown, old_kw, s);
    rc = store_stmt(st,
                    "UPDATE summaries SET paper_id = ?1, guid = ?2, "
                    "link = ?3, summarizer = ?4, markdown = ?5, "
                    "votes = ?6, published = coalesce(?7, published), "
                    "last_changed = ?8, "
                    "fresh_at = CASE WHEN ?10 THEN ?8 ELSE fresh_at END, "
                    "excerpt = ?11 "
                    "WHERE id = ?9",
                    &q);
    if (rc != SM_OK)
      goto out;
    sqlite3_bind_int64(q, 9, id);
    sqlite3_bind_int(q, 10, renew);
    *result = renew ? STORE_RENEWED : STORE_UPDATED;
  }
  sqlite3_bind_int64(q, 1, paper_id);
  store_bind_text(q, 2, s->guid);
  store_bind_text(q, 3, s->link);
  store_bind_text(q, 4, s->summarizer);
  /* An item with no text is an empty summary, not an error. */
  store_bind_text(q, 5, s->markdown ? s->markdown : "");
  sqlite3_bind_int64(q, 6, s->votes);
  if (s->published)
    sqlite3_bind_int64(q, 7, s->published);
  else
    sqlite3_bind_null(q, 7);
  sqlite3_bind_int64(q, 8, now);
  sqlite3_bind_int(q, 11, s->excerpt);
  rc = store_step_done(st, q, "saving summary");
  if (rc != SM_OK)
    goto out;
  if (!id)
    id = sqlite3_last_insert_rowid(st->db);
  rc = write_fts(st, id, s, buf_str(&kw), *result != STORE_INSERTED);
  if (rc == SM_OK && old_paper && old_paper != paper_id) {
    /* The summary moved to another paper (its key was corrected): drop
     * the old paper if nothing else refers to it. */
    store_release(st, q);
    q = NULL;
    rc = store_stmt(st,
                    "DELETE FROM papers WHERE id = ?1 AND NOT EXISTS "
                    "(SELECT 1 FROM summaries WHERE paper_id = ?1)",
                    &q);
    if (rc == SM_OK) {
      sqlite3_bind_int64(q, 1, old_paper);
      rc = store_step_done(st, q, "removing orphan paper");
    }
  }
out:
  store_release(st, q);
  buf_free(&kw);
  buf_free(&kwsep);
  free(old_md);
  free(old_title);
  free(old_authors);
  free(old_kw);
  free(old_summarizer);
  free(old_link);
  for (size_t i = 0; i < arxiv_kw.nkeywords; i++)
    free(arxiv_kw.keywords[i]);
  free(arxiv_kw.keywords);
  if (rc == SM_OK && id_out)
    *id_out = id;
  return rc;
}

/* ---- reading summaries -------------------------------------------- */

/* Appends the SQL condition for one term; its parameter is bound later
 * in the same order. Only placeholders reach the SQL text. */
static enum sm_status
term_sql(const struct match_term *t, struct buf *sql)
{
  if (t->kind == MATCH_TAG)
    return buf_puts(sql, "s.paper_id IN (SELECT paper_id FROM "
                         "paper_keywords WHERE folded = ?)");
  return buf_puts(sql, "s.id IN (SELECT rowid FROM summaries_fts WHERE "
                       "summaries_fts MATCH ?)");
}

static enum sm_status
bind_term(sqlite3_stmt *q, int i, const struct match_term *t)
{
  char *fts;

  if (t->kind == MATCH_TAG)
    return store_bind_text(q, i, t->text) == SQLITE_OK ? SM_OK : SM_ERR_NOMEM;
  fts = match_term_fts(t);
  if (!fts)
    return SM_ERR_NOMEM;
  if (sqlite3_bind_text(q, i, fts, -1, free) != SQLITE_OK)
    return SM_ERR_NOMEM;
  return SM_OK;
}

/* Splits a group_concat(char(31)) list into row->s.keywords. */
enum sm_status
store_split_keywords(const char *list, struct model_summary *s)
{
  size_t n = 1;

  s->keywords = NULL;
  s->nkeywords = 0;
  if (!list || !*list)
    return SM_OK;
  for (const char *p = list; *p; p++)
    n += *p == '\x1f';
  s->keywords = calloc(n, sizeof(*s->keywords));
  if (!s->keywords)
    return SM_ERR_NOMEM;
  for (const char *p = list; p;) {
    const char *e = strchr(p, '\x1f');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    if (!(s->keywords[s->nkeywords] = strndup(p, l)))
      return SM_ERR_NOMEM;
    s->nkeywords++;
    p = e ? e + 1 : NULL;
  }
  return SM_OK;
}

#define STORE_SUMMARY_SELECT                                                  \
  "SELECT s.id, s.guid, s.link, p.title, p.authors, p.venue, "                \
  "p.year, p.arxiv_id, p.bibtex_key, s.summarizer, "                          \
  "s.markdown, s.votes, s.published, s.first_seen, "                          \
  "s.last_changed, s.fresh_at, "                                              \
  "(SELECT group_concat(keyword, char(31)) FROM (SELECT "                     \
  "keyword FROM paper_keywords WHERE paper_id = p.id ORDER BY "               \
  "keyword)), s.excerpt, p.id "                                               \
  "FROM summaries s JOIN papers p ON p.id = s.paper_id "                      \
  "WHERE s.fresh_at >= ?1"

/* Hands each row of a statement made of STORE_SUMMARY_SELECT to cb. */
static enum sm_status
summaries_each(struct store *st, sqlite3_stmt *q, store_summary_cb cb,
               void *ctx)
{
  enum sm_status rc = SM_OK;
  int src;

  while ((src = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_summary_row r;
    int stop;

    memset(&r, 0, sizeof(r));
    r.id = sqlite3_column_int64(q, 0);
    r.s.guid = (char *)sqlite3_column_text(q, 1);
    r.s.link = (char *)sqlite3_column_text(q, 2);
    r.s.title = (char *)sqlite3_column_text(q, 3);
    r.s.authors = (char *)sqlite3_column_text(q, 4);
    r.s.venue = (char *)sqlite3_column_text(q, 5);
    r.s.year = sqlite3_column_int(q, 6);
    r.s.arxiv_id = (char *)sqlite3_column_text(q, 7);
    r.s.bibtex_key = (char *)sqlite3_column_text(q, 8);
    r.s.summarizer = (char *)sqlite3_column_text(q, 9);
    r.s.markdown = (char *)sqlite3_column_text(q, 10);
    r.s.votes = (long)sqlite3_column_int64(q, 11);
    r.s.published = sqlite3_column_int64(q, 12);
    r.first_seen = sqlite3_column_int64(q, 13);
    r.last_changed = sqlite3_column_int64(q, 14);
    r.fresh_at = sqlite3_column_int64(q, 15);
    r.s.excerpt = sqlite3_column_int(q, 17);
    r.paper_id = sqlite3_column_int64(q, 18);
    rc = store_split_keywords((const char *)sqlite3_column_text(q, 16), &r.s);
    stop = rc == SM_OK ? cb(ctx, &r) : 1;
    for (size_t i = 0; i < r.s.nkeywords; i++)
      free(r.s.keywords[i]);
    free(r.s.keywords);
    if (stop)
      return rc;
  }
  return src == SQLITE_DONE ? SM_OK : store_fail(st, src, "reading summaries");
}

enum sm_status
store_summaries(struct store *st, const struct store_query *qy,
                store_summary_cb cb, void *ctx)
{
  struct buf sql = BUF_INIT(64 * 1024);
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  size_t npos = 0;
  int param = 2;

  /* One summary by id, as compose asks for each summary of a run: a
   * cached statement (compiling this SQL for every call cost more than
   * running it). */
  if (qy->id && qy->nterms == 0) {
    rc = store_stmt(st, STORE_SUMMARY_SELECT " AND s.id = ?2", &q);
    if (rc != SM_OK)
      return rc;
    sqlite3_bind_int64(q, 1, qy->since);
    sqlite3_bind_int64(q, 2, qy->id);
    rc = summaries_each(st, q, cb, ctx);
    store_release(st, q);
    return rc;
  }
  rc = buf_puts(&sql, STORE_SUMMARY_SELECT);
  /* A reader's interests: any positive term, and no negative one. */
  for (size_t i = 0; i < qy->nterms && rc == SM_OK; i++)
    if (!qy->terms[i].negated) {
      rc = buf_puts(&sql, npos++ ? " OR " : " AND (");
      if (rc == SM_OK)
        rc = term_sql(&qy->terms[i], &sql);
    }
  if (rc == SM_OK && qy->nterms)
    rc = buf_puts(&sql, npos ? ")" : " AND 0");
  for (size_t i = 0; i < qy->nterms && rc == SM_OK; i++)
    if (qy->terms[i].negated) {
      rc = buf_puts(&sql, " AND NOT ");
      if (rc == SM_OK)
        rc = term_sql(&qy->terms[i], &sql);
    }
  if (rc == SM_OK && qy->id)
    rc = buf_puts(&sql, " AND s.id = ?");
  if (rc == SM_OK)
    rc = buf_puts(&sql, " ORDER BY s.fresh_at DESC, coalesce(s.published, "
                        "s.first_seen) DESC, s.id DESC");
  if (rc == SM_OK && qy->limit)
    rc = buf_printf(&sql, " LIMIT %zu", qy->limit);
  if (rc != SM_OK)
    goto out;
  rc = store_prepare(st, buf_str(&sql), &q);
  if (rc != SM_OK)
    goto out;
  sqlite3_bind_int64(q, 1, qy->since);
  /* Parameters in the order their placeholders were written. */
  for (int neg = 0; neg < 2 && rc == SM_OK; neg++)
    for (size_t i = 0; i < qy->nterms && rc == SM_OK; i++)
      if (qy->terms[i].negated == neg)
        rc = bind_term(q, param++, &qy->terms[i]);
  if (rc == SM_OK && qy->id)
    sqlite3_bind_int64(q, param++, qy->id);
  if (rc == SM_OK)
    rc = summaries_each(st, q, cb, ctx);
out:
  sqlite3_finalize(q);
  buf_free(&sql);
  return rc;
}

enum sm_status
store_paper_title(struct store *st, const char *bibtex_key, char **title)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  *title = NULL;
  rc = store_stmt(st, "SELECT title FROM papers WHERE bibtex_key = ?1", &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, bibtex_key);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW) {
    *title = store_dup_col(q, 0);
    if (!*title)
      rc = SM_ERR_NOMEM;
  } else if (src == SQLITE_DONE) {
    rc = SM_ERR_NOTFOUND;
  } else {
    rc = store_fail(st, src, "finding a cited paper");
  }
  store_release(st, q);
  return rc;
}

enum sm_status
store_counts(struct store *st, long *summaries, long *papers)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  rc = store_stmt(st,
                  "SELECT (SELECT count(*) FROM summaries), "
                  "(SELECT count(*) FROM papers)",
                  &q);
  if (rc != SM_OK)
    return rc;
  src = sqlite3_step(q);
  if (src == SQLITE_ROW) {
    *summaries = (long)sqlite3_column_int64(q, 0);
    *papers = (long)sqlite3_column_int64(q, 1);
  } else
    rc = store_fail(st, src, "counting");
  store_release(st, q);
  return rc;
}

/* ---- readers ------------------------------------------------------ */

void
store_subscriber_free(struct store_subscriber *s)
{
  free(s->address);
  memset(s, 0, sizeof(*s));
}

#define SUB_COLUMNS                                                           \
  "id, address, status, frequency, paused, created_at, "                      \
  "coalesce(confirmed_at, 0), changed_at, coalesce(last_digest_at, 0)"

static enum sm_status
sub_row(sqlite3_stmt *q, struct store_subscriber *out)
{
  int status, frequency;

  memset(out, 0, sizeof(*out));
  out->id = sqlite3_column_int64(q, 0);
  out->address = store_dup_col(q, 1);
  status = model_status_parse((const char *)sqlite3_column_text(q, 2));
  frequency = model_frequency_parse((const char *)sqlite3_column_text(q, 3));
  out->paused = sqlite3_column_int(q, 4);
  out->created_at = sqlite3_column_int64(q, 5);
  out->confirmed_at = sqlite3_column_int64(q, 6);
  out->changed_at = sqlite3_column_int64(q, 7);
  out->last_digest_at = sqlite3_column_int64(q, 8);
  if (!out->address) {
    store_subscriber_free(out);
    return SM_ERR_NOMEM;
  }
  /* The schema's CHECK constraints keep other words out. */
  if (status < 0 || frequency < 0) {
    store_subscriber_free(out);
    return SM_ERR_DATA;
  }
  out->status = (enum model_status)status;
  out->frequency = (enum model_frequency)frequency;
  return SM_OK;
}

static enum sm_status
sub_fetch(struct store *st, sqlite3_stmt *q, struct store_subscriber *out)
{
  int src = sqlite3_step(q);

  if (src == SQLITE_ROW)
    return sub_row(q, out);
  if (src == SQLITE_DONE)
    return SM_ERR_NOTFOUND;
  return store_fail(st, src, "reading reader");
}

enum sm_status
store_sub_get(struct store *st, const char *address,
              struct store_subscriber *out)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(
      st, "SELECT " SUB_COLUMNS " FROM subscribers WHERE address = ?1", &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, address);
  rc = sub_fetch(st, q, out);
  store_release(st, q);
  return rc;
}

enum sm_status
store_sub_get_id(struct store *st, int64_t id, struct store_subscriber *out)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(st, "SELECT " SUB_COLUMNS " FROM subscribers WHERE id = ?1",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, id);
  rc = sub_fetch(st, q, out);
  store_release(st, q);
  return rc;
}

enum sm_status
store_sub_create(struct store *st, const char *address,
                 enum model_status status, int64_t now, int64_t *id)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(st,
                  "INSERT INTO subscribers (address, status, created_at, "
                  "changed_at, confirmed_at) VALUES (?1, ?2, ?3, ?3, "
                  "CASE WHEN ?2 = 'confirmed' THEN ?3 END)",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, address);
  store_bind_text(q, 2, model_status_name(status));
  sqlite3_bind_int64(q, 3, now);
  rc = store_step_done(st, q, "adding reader");
  if (rc == SM_OK && id)
    *id = sqlite3_last_insert_rowid(st->db);
  store_release(st, q);
  return rc;
}

/* Runs one of the small "UPDATE subscribers" statements. */
static enum sm_status
sub_update(struct store *st, const char *sql, int64_t id, const char *text,
           int64_t num, int64_t now)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc = store_stmt(st, sql, &q);

  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, id);
  if (text)
    store_bind_text(q, 2, text);
  else
    sqlite3_bind_int64(q, 2, num);
  sqlite3_bind_int64(q, 3, now);
  rc = store_step_done(st, q, "updating reader");
  if (rc == SM_OK && sqlite3_changes(st->db) == 0)
    rc = SM_ERR_NOTFOUND;
  store_release(st, q);
  return rc;
}

enum sm_status
store_sub_set_status(struct store *st, int64_t id, enum model_status status,
                     int64_t now)
{
  return sub_update(st,
                    "UPDATE subscribers SET status = ?2, changed_at = ?3, "
                    "confirmed_at = CASE WHEN ?2 = 'confirmed' THEN ?3 "
                    "ELSE confirmed_at END WHERE id = ?1",
                    id, model_status_name(status), 0, now);
}

enum sm_status
store_sub_set_frequency(struct store *st, int64_t id,
                        enum model_frequency frequency, int64_t now)
{
  return sub_update(st,
                    "UPDATE subscribers SET frequency = ?2, changed_at = ?3 "
                    "WHERE id = ?1",
                    id, model_frequency_name(frequency), 0, now);
}

enum sm_status
store_sub_set_paused(struct store *st, int64_t id, int paused, int64_t now)
{
  return sub_update(st,
                    "UPDATE subscribers SET paused = ?2, changed_at = ?3 "
                    "WHERE id = ?1",
                    id, NULL, paused ? 1 : 0, now);
}

enum sm_status
store_sub_delete(struct store *st, int64_t id)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(st, "DELETE FROM subscribers WHERE id = ?1", &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, id);
  rc = store_step_done(st, q, "removing reader");
  store_release(st, q);
  return rc;
}

enum sm_status
store_import_seen(struct store *st, const char *address, size_t line,
                  size_t *first)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int64_t was = 0;
  int found = 0;

  *first = 0;
  /* TEMP: private to this connection, on disk past the page cache, so a
   * million addresses take no more memory than a few. */
  rc = st->import_seen ? SM_OK
                       : store_exec(st,
                                    "CREATE TEMP TABLE IF NOT EXISTS "
                                    "import_seen (address TEXT PRIMARY KEY "
                                    "COLLATE NOCASE, line INTEGER NOT NULL)",
                                    "recording imported addresses");
  st->import_seen = rc == SM_OK;
  if (rc == SM_OK)
    rc = store_stmt(st, "SELECT line FROM import_seen WHERE address = ?1", &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, address);
  rc = store_one_int64(st, q, &was, &found, "looking up imported addresses");
  if (rc != SM_OK)
    return rc;
  if (found) {
    *first = (size_t)was;
    return SM_OK;
  }
  rc = store_stmt(
      st, "INSERT INTO import_seen (address, line) VALUES (?1, ?2)", &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, address);
  sqlite3_bind_int64(q, 2, (sqlite3_int64)line);
  rc = store_step_done(st, q, "recording imported addresses");
  store_release(st, q);
  return rc;
}

enum sm_status
store_interest_add(struct store *st, int64_t sub, const char *keyword,
                   size_t max, int64_t now, int *added)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int64_t have = 0;
  int src;

  *added = 0;
  rc = store_stmt(st,
                  "SELECT count(*), sum(keyword = ?2) FROM interests WHERE "
                  "subscriber_id = ?1",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, sub);
  store_bind_text(q, 2, keyword);
  src = sqlite3_step(q);
  if (src != SQLITE_ROW) {
    rc = store_fail(st, src, "counting keywords");
    store_release(st, q);
    return rc;
  }
  have = sqlite3_column_int64(q, 0);
  if (sqlite3_column_int64(q, 1) > 0) {
    store_release(st, q);
    return SM_OK;
  }
  store_release(st, q);
  if ((size_t)have >= max)
    return SM_ERR_LIMIT;
  rc = store_stmt(st,
                  "INSERT INTO interests (subscriber_id, keyword, "
                  "created_at) VALUES (?1, ?2, ?3)",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, sub);
  store_bind_text(q, 2, keyword);
  sqlite3_bind_int64(q, 3, now);
  rc = store_step_done(st, q, "adding keyword");
  if (rc == SM_OK)
    *added = 1;
  store_release(st, q);
  return rc;
}

enum sm_status
store_interest_del(struct store *st, int64_t sub, const char *keyword,
                   int *removed)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  *removed = 0;
  rc = store_stmt(st,
                  "DELETE FROM interests WHERE subscriber_id = ?1 AND "
                  "keyword = ?2",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, sub);
  store_bind_text(q, 2, keyword);
  rc = store_step_done(st, q, "removing keyword");
  if (rc == SM_OK)
    *removed = sqlite3_changes(st->db) > 0;
  store_release(st, q);
  return rc;
}

enum sm_status
store_interests(struct store *st, int64_t sub, char ***kw, size_t *n)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  size_t cap = 0;
  int src;

  *kw = NULL;
  *n = 0;
  rc = store_stmt(st,
                  "SELECT keyword FROM interests WHERE subscriber_id = ?1 "
                  "ORDER BY created_at, keyword",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, sub);
  while ((src = sqlite3_step(q)) == SQLITE_ROW) {
    char *k = store_dup_col(q, 0);
    if (*n == cap) {
      size_t ncap = cap ? cap * 2 : 8;
      char **p = realloc(*kw, ncap * sizeof(*p));
      if (!p) {
        free(k);
        rc = SM_ERR_NOMEM;
        break;
      }
      *kw = p;
      cap = ncap;
    }
    if (!k) {
      rc = SM_ERR_NOMEM;
      break;
    }
    (*kw)[(*n)++] = k;
  }
  if (rc == SM_OK && src != SQLITE_DONE)
    rc = store_fail(st, src, "reading keywords");
  store_release(st, q);
  if (rc != SM_OK) {
    for (size_t i = 0; i < *n; i++)
      free((*kw)[i]);
    free(*kw);
    *kw = NULL;
    *n = 0;
  }
  return rc;
}

enum sm_status
store_token_use(struct store *st, const char *token_hash, const char *purpose,
                int64_t sub, int64_t expires_at, int64_t now, int *first)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  *first = 0;
  rc = store_stmt(st,
                  "INSERT INTO tokens (token_hash, purpose, subscriber_id, "
                  "expires_at, used_at) VALUES (?1, ?2, ?3, ?4, ?5) "
                  "ON CONFLICT (token_hash) DO NOTHING",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, token_hash);
  store_bind_text(q, 2, purpose);
  if (sub)
    sqlite3_bind_int64(q, 3, sub);
  else
    sqlite3_bind_null(q, 3);
  sqlite3_bind_int64(q, 4, expires_at);
  sqlite3_bind_int64(q, 5, now);
  rc = store_step_done(st, q, "using token");
  if (rc == SM_OK)
    *first = sqlite3_changes(st->db) > 0;
  store_release(st, q);
  return rc;
}

/* ---- received mail ------------------------------------------------ */

enum sm_status
store_received_seen(struct store *st, const char *key, int *seen)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  *seen = 0;
  rc = store_stmt(st, "SELECT 1 FROM received WHERE message_key = ?1", &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, key);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW)
    *seen = 1;
  else if (src != SQLITE_DONE)
    rc = store_fail(st, src, "looking up received mail");
  store_release(st, q);
  return rc;
}

enum sm_status
store_received_add(struct store *st, const char *key, int64_t now,
                   const char *sender, const char *recipient,
                   const char *route, const char *outcome, const char *detail,
                   const void *raw, size_t rawlen)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(st,
                  "INSERT INTO received (message_key, received_at, sender, "
                  "recipient, route, outcome, detail, raw) VALUES (?1, ?2, "
                  "?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (message_key) DO "
                  "NOTHING",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, key);
  sqlite3_bind_int64(q, 2, now);
  store_bind_text(q, 3, sender);
  store_bind_text(q, 4, recipient);
  store_bind_text(q, 5, route);
  store_bind_text(q, 6, outcome);
  store_bind_text(q, 7, detail);
  if (raw)
    sqlite3_bind_blob64(q, 8, raw, rawlen, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(q, 8);
  rc = store_step_done(st, q, "logging received mail");
  store_release(st, q);
  return rc;
}

/* ---- the outbox --------------------------------------------------- */

enum sm_status
store_outbox_add(struct store *st, const struct store_outbox_row *row,
                 int64_t now, int64_t *id, int *added)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  if (added)
    *added = 0;
  rc = store_stmt(st,
                  "INSERT INTO outbox (kind, subscriber_id, recipient, "
                  "issue, message_id, payload, created_at, mailbox) VALUES "
                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, CASE WHEN ?1 IN ('reply', "
                  "'confirm') THEN sm_mailbox(?3) END) ON CONFLICT DO "
                  "NOTHING",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, row->kind);
  if (row->subscriber_id)
    sqlite3_bind_int64(q, 2, row->subscriber_id);
  else
    sqlite3_bind_null(q, 2);
  store_bind_text(q, 3, row->recipient);
  store_bind_text(q, 4, row->issue);
  store_bind_text(q, 5, row->message_id);
  store_bind_text(q, 6, row->payload ? row->payload : "{}");
  sqlite3_bind_int64(q, 7, now);
  rc = store_step_done(st, q, "queueing message");
  if (rc == SM_OK && sqlite3_changes(st->db) > 0) {
    if (added)
      *added = 1;
    if (id)
      *id = sqlite3_last_insert_rowid(st->db);
  }
  store_release(st, q);
  return rc;
}

enum sm_status
store_outbox_count(struct store *st, const char *recipient, const char *kind,
                   int64_t since, long *count)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int64_t n = 0;

  *count = 0;
  rc = store_stmt(st,
                  "SELECT count(*) FROM outbox INDEXED BY outbox_mailbox "
                  "WHERE kind IN ('reply', 'confirm') AND mailbox = "
                  "sm_mailbox(?1) AND kind = ?2 AND created_at >= ?3",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, recipient);
  store_bind_text(q, 2, kind);
  sqlite3_bind_int64(q, 3, since);
  rc = store_one_int64(st, q, &n, NULL, "counting queued mail");
  *count = (long)n;
  return rc;
}

enum sm_status
store_outbox_last_id(struct store *st, int64_t *id)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  *id = 0;
  rc = store_stmt(st, "SELECT coalesce(max(id), 0) FROM outbox", &q);
  if (rc != SM_OK)
    return rc;
  return store_one_int64(st, q, id, NULL, "reading the outbox");
}

enum sm_status
store_outbox_after(struct store *st, int64_t after, store_outbox_cb cb,
                   void *ctx)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  rc = store_stmt(st,
                  "SELECT kind, coalesce(subscriber_id, 0), recipient, "
                  "issue, message_id, payload FROM outbox WHERE id > ?1 "
                  "ORDER BY id",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, after);
  while ((src = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_outbox_row r;
    r.kind = (const char *)sqlite3_column_text(q, 0);
    r.subscriber_id = sqlite3_column_int64(q, 1);
    r.recipient = (const char *)sqlite3_column_text(q, 2);
    r.issue = (const char *)sqlite3_column_text(q, 3);
    r.message_id = (const char *)sqlite3_column_text(q, 4);
    r.payload = (const char *)sqlite3_column_text(q, 5);
    if (cb(ctx, &r))
      break;
  }
  if (src != SQLITE_ROW && src != SQLITE_DONE)
    rc = store_fail(st, src, "reading the outbox");
  store_release(st, q);
  return rc;
}

/* ---- digest selection --------------------------------------------- */

enum sm_status
store_fresh_load(struct store *st, int64_t since, store_fresh_cb cb, void *ctx)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  /* Temporary tables live in this connection only and vanish with it;
   * they are rebuilt for each run. */
  rc = store_exec(st,
                  "DROP TABLE IF EXISTS temp.fresh;"
                  "CREATE VIRTUAL TABLE temp.fresh USING fts5 (title, "
                  "authors, keywords, body, tokenize = 'porter unicode61 "
                  "remove_diacritics 2');"
                  "DROP TABLE IF EXISTS temp.fresh_ids;"
                  "CREATE TABLE temp.fresh_ids (id INTEGER PRIMARY KEY, "
                  "paper_id INTEGER NOT NULL);"
                  /* A tag's match starts from its few papers
                   * (paper_keywords_folded) and looks each up here;
                   * without it SQLite scanned every new summary and
                   * sought the tag once for each. */
                  "CREATE INDEX temp.fresh_ids_paper ON fresh_ids "
                  "(paper_id);",
                  "preparing the digest");
  if (rc != SM_OK)
    return rc;
  rc = store_stmt(st,
                  "INSERT INTO temp.fresh_ids (id, paper_id) SELECT id, "
                  "paper_id FROM summaries WHERE fresh_at >= ?1",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, since);
  rc = store_step_done(st, q, "selecting new summaries");
  store_release(st, q);
  if (rc == SM_OK)
    rc = store_exec(st,
                    "INSERT INTO temp.fresh (rowid, title, authors, "
                    "keywords, body) SELECT rowid, title, authors, keywords, "
                    "body FROM summaries_fts WHERE rowid IN (SELECT id FROM "
                    "temp.fresh_ids)",
                    "indexing new summaries");
  if (rc != SM_OK)
    return rc;
  rc = store_stmt(st,
                  "SELECT s.id, s.fresh_at, s.first_seen, s.votes, "
                  "s.paper_id FROM temp.fresh_ids f JOIN summaries s ON "
                  "s.id = f.id ORDER BY s.id",
                  &q);
  if (rc != SM_OK)
    return rc;
  while ((src = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_fresh f;
    f.id = sqlite3_column_int64(q, 0);
    f.fresh_at = sqlite3_column_int64(q, 1);
    f.first_seen = sqlite3_column_int64(q, 2);
    f.votes = (long)sqlite3_column_int64(q, 3);
    f.paper_id = sqlite3_column_int64(q, 4);
    if (cb(ctx, &f))
      break;
  }
  if (src != SQLITE_ROW && src != SQLITE_DONE)
    rc = store_fail(st, src, "reading new summaries");
  store_release(st, q);
  return rc;
}

enum sm_status
store_fresh_match(struct store *st, const struct match_term *term,
                  store_id_cb cb, void *ctx)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  if (term->kind == MATCH_TAG) {
    rc = store_stmt(st,
                    "SELECT f.id FROM paper_keywords k JOIN temp.fresh_ids "
                    "f ON f.paper_id = k.paper_id WHERE k.folded = ?1 "
                    "ORDER BY f.id",
                    &q);
    if (rc == SM_OK)
      rc = bind_term(q, 1, term);
  } else {
    rc = store_stmt(st,
                    "SELECT rowid FROM temp.fresh WHERE fresh MATCH ?1 "
                    "ORDER BY rowid",
                    &q);
    if (rc == SM_OK)
      rc = bind_term(q, 1, term);
  }
  if (rc != SM_OK) {
    store_release(st, q);
    return rc;
  }
  while ((src = sqlite3_step(q)) == SQLITE_ROW)
    if (cb(ctx, sqlite3_column_int64(q, 0)))
      break;
  if (src != SQLITE_ROW && src != SQLITE_DONE)
    rc = store_fail(st, src, "matching a keyword");
  store_release(st, q);
  return rc;
}

/* The due readers' rows and every interest, both in reader order, merged
 * here: when most readers are due (the weekly issue), one scan of each
 * table costs half the join, which looks up each reader's interests and
 * decodes the reader's columns again for each of their keywords. */
static enum sm_status
due_merge(struct store *st, sqlite3_stmt *rq, store_due_cb cb, void *ctx)
{
  sqlite3_stmt *iq = NULL;
  enum sm_status rc;
  int rsrc, isrc;

  /* The primary key's order: the same keywords in the same order as
   * the join gives. */
  rc = store_stmt(st,
                  "SELECT subscriber_id, keyword FROM interests "
                  "ORDER BY subscriber_id, keyword",
                  &iq);
  if (rc != SM_OK)
    return rc;
  isrc = sqlite3_step(iq);
  while ((rsrc = sqlite3_step(rq)) == SQLITE_ROW) {
    struct store_due d;
    int stop = 0;
    memset(&d, 0, sizeof(d));
    d.id = sqlite3_column_int64(rq, 0);
    d.address = (const char *)sqlite3_column_text(rq, 1);
    d.last_digest_at = sqlite3_column_int64(rq, 2);
    d.weekly = sqlite3_column_int(rq, 3);
    while (isrc == SQLITE_ROW && sqlite3_column_int64(iq, 0) < d.id)
      isrc = sqlite3_step(iq);
    while (isrc == SQLITE_ROW && sqlite3_column_int64(iq, 0) == d.id) {
      d.keyword = (const char *)sqlite3_column_text(iq, 1);
      if (cb(ctx, &d)) {
        stop = 1;
        break;
      }
      isrc = sqlite3_step(iq);
    }
    if (stop || (isrc != SQLITE_ROW && isrc != SQLITE_DONE))
      break;
  }
  if (isrc != SQLITE_ROW && isrc != SQLITE_DONE)
    rc = store_fail(st, isrc, "reading due readers' interests");
  else if (rsrc != SQLITE_ROW && rsrc != SQLITE_DONE)
    rc = store_fail(st, rsrc, "reading due readers");
  store_release(st, iq);
  return rc;
}

enum sm_status
store_due(struct store *st, int weekly, int daily, const char *weekly_issue,
          const char *daily_issue, int64_t only, int keywords_only,
          store_due_cb cb, void *ctx)
{
  /* Readers of a frequency that is due, confirmed and not paused, with
   * no digest of their issue yet; a NULL issue leaves that frequency
   * out. */
#define DUE_WHERE                                                             \
  "WHERE s.status = 'confirmed' AND s.paused = 0 AND "                        \
  "((?1 AND s.frequency = 'weekly') OR (?2 AND s.frequency = 'daily')) "      \
  "AND (?5 != 0 OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = "        \
  "'digest' AND o.subscriber_id = s.id AND o.issue = CASE s.frequency "       \
  "WHEN 'weekly' THEN ?3 ELSE ?4 END)) AND (?5 = 0 OR s.id = ?5)"
#define DUE_JOIN                                                              \
  "FROM subscribers s JOIN interests i ON i.subscriber_id = s.id "
  static const char sql_keywords[] =
      "SELECT DISTINCT i.keyword " DUE_JOIN DUE_WHERE;
  static const char sql_rows[] =
      "SELECT s.id, s.address, coalesce(s.last_digest_at, 0), "
      "i.keyword, s.frequency = 'weekly' " DUE_JOIN DUE_WHERE " ORDER BY s.id";
  static const char sql_readers[] =
      "SELECT s.id, s.address, coalesce(s.last_digest_at, 0), "
      "s.frequency = 'weekly' FROM subscribers s " DUE_WHERE " ORDER BY s.id";
#undef DUE_JOIN
#undef DUE_WHERE
  /* The weekly issue is due for nine readers in ten; a day's alone for
   * a tenth, whose interests the join finds without reading the rest. */
  int merge = !keywords_only && !only && weekly;
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src = SQLITE_DONE;

  rc = store_stmt(st,
                  keywords_only ? sql_keywords
                  : merge       ? sql_readers
                                : sql_rows,
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int(q, 1, weekly);
  sqlite3_bind_int(q, 2, daily);
  store_bind_text(q, 3, weekly_issue);
  store_bind_text(q, 4, daily_issue);
  sqlite3_bind_int64(q, 5, only);
  if (merge) {
    rc = due_merge(st, q, cb, ctx);
    store_release(st, q);
    return rc;
  }
  while ((src = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_due d;
    memset(&d, 0, sizeof(d));
    if (keywords_only)
      d.keyword = (const char *)sqlite3_column_text(q, 0);
    else {
      d.id = sqlite3_column_int64(q, 0);
      d.address = (const char *)sqlite3_column_text(q, 1);
      d.last_digest_at = sqlite3_column_int64(q, 2);
      d.keyword = (const char *)sqlite3_column_text(q, 3);
      d.weekly = sqlite3_column_int(q, 4);
    }
    if (cb(ctx, &d))
      break;
  }
  if (src != SQLITE_ROW && src != SQLITE_DONE)
    rc = store_fail(st, src, "reading due readers");
  store_release(st, q);
  return rc;
}

enum sm_status
store_digest_had(struct store *st, int64_t sub, int64_t summary, int *had)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  *had = 0;
  rc = store_stmt(st,
                  "SELECT 1 FROM outbox o, json_each(o.payload, '$.items') "
                  "j WHERE o.kind = 'digest' AND o.subscriber_id = ?1 "
                  "AND " OUTBOX_SQL_DIGEST_ID " = ?2 LIMIT 1",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, sub);
  sqlite3_bind_int64(q, 2, summary);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW)
    *had = 1;
  else if (src != SQLITE_DONE)
    rc = store_fail(st, src, "reading earlier digests");
  store_release(st, q);
  return rc;
}

/* Rows per INSERT statement when queueing digests: one statement of 64
 * rows instead of 64 statements (each a VDBE run with its own CHECK and
 * index setup). 64 x 5 parameters stay far below SQLite's limit. */
#define DIGEST_ROWS_PER_INSERT 64

/* "INSERT ... VALUES (row 1), (row 2), ... ON CONFLICT DO NOTHING" for
 * `rows` rows: ?1 is the time, row i binds ?(5i+2) to ?(5i+6). */
static const char *
digest_insert_sql(char *buf, size_t len, size_t rows)
{
  size_t used;
  int n;

  n = snprintf(buf, len,
               "INSERT INTO outbox (kind, subscriber_id, recipient, issue, "
               "message_id, payload, created_at) VALUES ");
  used = (size_t)n;
  for (size_t i = 0; i < rows; i++) {
    size_t p = 5 * i + 2;
    n = snprintf(buf + used, len - used,
                 "%s('digest', ?%zu, ?%zu, ?%zu, ?%zu, ?%zu, ?1)",
                 i ? ", " : "", p, p + 1, p + 2, p + 3, p + 4);
    used += (size_t)n;
  }
  snprintf(buf + used, len - used, " ON CONFLICT DO NOTHING");
  return buf;
}

/* Binds rows[0..k) from parameter 2 on. The strings are the caller's and
 * outlive the statement's step: no copies. */
static void
bind_digest_rows(sqlite3_stmt *q, const struct store_digest_row *rows,
                 size_t k)
{
  for (size_t i = 0; i < k; i++) {
    int p = (int)(5 * i + 2);
    sqlite3_bind_int64(q, p, rows[i].sub);
    sqlite3_bind_text(q, p + 1, rows[i].address, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, p + 2, rows[i].issue, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, p + 3, rows[i].message_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, p + 4, rows[i].payload, -1, SQLITE_STATIC);
  }
}

enum sm_status
store_digest_queue(struct store *st, const struct store_digest_row *rows,
                   size_t n, int64_t now, size_t *added)
{
  /* Built once: the cache keys statements by their text's address. */
  static char many_buf[DIGEST_ROWS_PER_INSERT * 48 + 256], one_buf[512];
  static const char *many_sql = NULL, *one_sql = NULL;
  sqlite3_stmt *q = NULL;
  int64_t before = 0;
  enum sm_status rc;
  size_t i = 0;

  *added = 0;
  if (!n)
    return SM_OK;
  if (!many_sql) {
    many_sql =
        digest_insert_sql(many_buf, sizeof(many_buf), DIGEST_ROWS_PER_INSERT);
    one_sql = digest_insert_sql(one_buf, sizeof(one_buf), 1);
  }
  /* Rows added now get ids above the highest one: the caller's
   * transaction holds the write lock. */
  rc = store_outbox_last_id(st, &before);
  while (rc == SM_OK && i < n) {
    size_t k = n - i >= DIGEST_ROWS_PER_INSERT ? DIGEST_ROWS_PER_INSERT : 1;
    rc = store_stmt(st, k > 1 ? many_sql : one_sql, &q);
    if (rc != SM_OK)
      break;
    sqlite3_bind_int64(q, 1, now);
    bind_digest_rows(q, rows + i, k);
    rc = store_step_done(st, q, "queueing digests");
    if (rc == SM_OK)
      *added += (size_t)sqlite3_changes(st->db);
    store_release(st, q);
    i += k;
  }
  if (rc != SM_OK || !*added)
    return rc;
  /* Every reader whose digest went in, in one statement: the new rows
   * are a range of ids, read in order. In the same transaction as the
   * rows, so a digest queued always moved its reader's last_digest_at. */
  rc = store_stmt(st,
                  "UPDATE subscribers SET last_digest_at = ?1 WHERE id IN "
                  "(SELECT subscriber_id FROM outbox WHERE id > ?2 AND "
                  "kind = 'digest')",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, now);
  sqlite3_bind_int64(q, 2, before);
  rc = store_step_done(st, q, "recording the digests");
  store_release(st, q);
  return rc;
}

/* ---- readers for operators (shortmail sub, src/cmd_sub.c) ---------- */

static void
free_strings(char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

enum sm_status
store_sub_list_keywords(struct store *st, const char *status,
                        const char *keyword, store_sub_kw_cb cb, void *ctx)
{
  sqlite3_stmt *q = NULL;
  struct store_subscriber cur;
  char **kw = NULL;
  size_t n = 0, cap = 0;
  int src = SQLITE_DONE, have = 0, stop = 0;
  enum sm_status rc;

  memset(&cur, 0, sizeof(cur));
  /* One query for every reader and keyword, rather than one per reader:
   * an export of many readers is one scan. */
  rc = store_stmt(st,
                  "SELECT s.id, s.address, s.status, s.frequency, s.paused, "
                  "s.created_at, coalesce(s.confirmed_at, 0), s.changed_at, "
                  "coalesce(s.last_digest_at, 0), i.keyword FROM "
                  "subscribers s LEFT JOIN interests i ON i.subscriber_id = "
                  "s.id WHERE (?1 IS NULL OR s.status = ?1) AND (?2 IS NULL "
                  "OR EXISTS (SELECT 1 FROM interests k WHERE "
                  "k.subscriber_id = s.id AND k.keyword = ?2 COLLATE "
                  "NOCASE)) ORDER BY s.address, s.id, i.created_at, i.keyword",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, status);
  store_bind_text(q, 2, keyword);
  while ((src = sqlite3_step(q)) == SQLITE_ROW) {
    if (have && sqlite3_column_int64(q, 0) != cur.id) {
      stop = cb(ctx, &cur, kw, n);
      store_subscriber_free(&cur);
      have = 0;
      while (n > 0)
        free(kw[--n]);
      if (stop)
        break;
    }
    if (!have) {
      rc = sub_row(q, &cur);
      if (rc != SM_OK)
        break;
      have = 1;
    }
    if (sqlite3_column_type(q, 9) != SQLITE_NULL) {
      char *k = store_dup_col(q, 9);
      if (n == cap) {
        size_t ncap = cap ? cap * 2 : 8;
        char **p = realloc(kw, ncap * sizeof(*p));
        if (!p) {
          free(k);
          rc = SM_ERR_NOMEM;
          break;
        }
        kw = p;
        cap = ncap;
      }
      if (!k) {
        rc = SM_ERR_NOMEM;
        break;
      }
      kw[n++] = k;
    }
  }
  if (rc == SM_OK && src != SQLITE_ROW && src != SQLITE_DONE)
    rc = store_fail(st, src, "listing readers");
  if (rc == SM_OK && have && !stop)
    cb(ctx, &cur, kw, n);
  store_release(st, q);
  store_subscriber_free(&cur);
  free_strings(kw, n);
  return rc;
}

enum sm_status
store_sub_insert(struct store *st, const struct store_subscriber *s,
                 int64_t now, int64_t *id)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(st,
                  "INSERT INTO subscribers (address, status, frequency, "
                  "paused, created_at, confirmed_at, changed_at) VALUES "
                  "(?1, ?2, ?3, ?4, ?5, nullif(?6, 0), ?7)",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, s->address);
  store_bind_text(q, 2, model_status_name(s->status));
  store_bind_text(q, 3, model_frequency_name(s->frequency));
  sqlite3_bind_int(q, 4, s->paused ? 1 : 0);
  sqlite3_bind_int64(q, 5, s->created_at ? s->created_at : now);
  sqlite3_bind_int64(q, 6, s->confirmed_at);
  sqlite3_bind_int64(q, 7, now);
  rc = store_step_done(st, q, "adding reader");
  if (rc == SM_OK && id)
    *id = sqlite3_last_insert_rowid(st->db);
  store_release(st, q);
  return rc;
}

/* ---- end of readers for operators --------------------------------- */

/* ---- delivery ------------------------------------------------------ */

void
store_claimed_free(struct store_claimed *rows, size_t n)
{
  for (size_t i = 0; rows && i < n; i++) {
    free(rows[i].kind);
    free(rows[i].recipient);
    free(rows[i].issue);
    free(rows[i].message_id);
    free(rows[i].payload);
  }
  free(rows);
}

/* The rows a claim at time NOW takes: queued, or deferred and due, or
 * claimed with a lease that ran out; from the index of rows still to
 * send (db/migrations/0004). */
#define STORE_OUTBOX_DUE_SQL(NOW)                                             \
  "INDEXED BY outbox_pending WHERE (state = 'queued' OR state = 'deferred' "  \
  "OR state = 'claimed') AND ((state != 'claimed' AND next_attempt_at "       \
  "<= " NOW ") OR (state = 'claimed' AND lease_until < " NOW "))"

enum sm_status
store_outbox_due(struct store *st, int64_t now, long *n)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int64_t due = 0;

  *n = 0;
  rc = store_stmt(
      st, "SELECT count(*) FROM outbox " STORE_OUTBOX_DUE_SQL("?1"), &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, now);
  rc = store_one_int64(st, q, &due, NULL, "counting the messages due");
  *n = (long)due;
  return rc;
}

enum sm_status
store_outbox_claim(struct store *st, const char *owner, int64_t now,
                   int64_t lease, size_t max, struct store_claimed **rows,
                   size_t *n)
{
  sqlite3_stmt *q = NULL;
  struct store_claimed *out = NULL;
  enum sm_status rc;
  int src;

  *rows = NULL;
  *n = 0;
  if (max == 0)
    return SM_OK;
  out = calloc(max, sizeof(*out));
  if (!out)
    return SM_ERR_NOMEM;
  rc = store_begin(st);
  if (rc != SM_OK) {
    free(out);
    return rc;
  }
  /* The first ready rows in id order, from the index of rows still to
   * send (db/migrations/0004): the cost of a claim does not grow with
   * the queue. Rows deferred to later are stepped over, so a claim costs
   * at most the deferred rows ahead of the batch.
   * The unsubscribe is checked again here, at claim time: a reader who
   * left after the digest was queued gets nothing more
   * (STORE_READER_GONE_SQL; store_outbox_ours asks the same again
   * right before each message). */
  rc = store_stmt(st,
                  "UPDATE outbox SET state = 'claimed', claimed_by = ?1, "
                  "lease_until = ?2 + ?3 WHERE id IN (SELECT id FROM "
                  "outbox " STORE_OUTBOX_DUE_SQL(
                      "?2") " ORDER BY id LIMIT ?4) "
                            "RETURNING id, kind, coalesce(subscriber_id, 0), "
                            "recipient, issue, "
                            "message_id, payload, created_at, "
                            "attempts, " STORE_READER_GONE_SQL(
                                "outbox.subscriber_id", "outbox.kind"),
                  &q);
  if (rc == SM_OK) {
    store_bind_text(q, 1, owner);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, lease);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)max);
    while ((src = sqlite3_step(q)) == SQLITE_ROW && *n < max) {
      struct store_claimed *r = &out[(*n)++];
      r->id = sqlite3_column_int64(q, 0);
      r->kind = store_dup_col(q, 1);
      r->subscriber_id = sqlite3_column_int64(q, 2);
      r->recipient = store_dup_col(q, 3);
      r->issue = store_dup_col(q, 4);
      r->message_id = store_dup_col(q, 5);
      r->payload = store_dup_col(q, 6);
      r->created_at = sqlite3_column_int64(q, 7);
      r->attempts = (long)sqlite3_column_int64(q, 8);
      r->reader_gone = sqlite3_column_int(q, 9);
      if (!r->kind || !r->recipient || !r->message_id || !r->payload)
        rc = SM_ERR_NOMEM;
    }
    if (rc == SM_OK && src != SQLITE_DONE && src != SQLITE_ROW)
      rc = store_fail(st, src, "claiming mail");
    store_release(st, q);
  }
  if (rc == SM_OK)
    rc = store_commit(st);
  else
    store_rollback(st);
  if (rc != SM_OK) {
    store_claimed_free(out, *n);
    *n = 0;
    return rc;
  }
  /* RETURNING comes in no promised order; callers want queue order. */
  for (size_t i = 1; i < *n; i++)
    for (size_t j = i; j > 0 && out[j - 1].id > out[j].id; j--) {
      struct store_claimed t = out[j];
      out[j] = out[j - 1];
      out[j - 1] = t;
    }
  *rows = out;
  return SM_OK;
}

/* One result, inside the caller's transaction. */
static enum sm_status
record_one(struct store *st, const char *owner, const struct store_result *r,
           int replay)
{
  static const char *const names[] = {"sent", "deferred", "failed"};
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int changed = 0;

  if ((unsigned)r->outcome > STORE_FAILED)
    return SM_ERR_USAGE;
  rc = store_stmt(st,
                  "UPDATE outbox SET state = ?3, attempts = attempts + 1, "
                  "sent_at = CASE WHEN ?3 = 'sent' THEN ?4 END, "
                  "next_attempt_at = ?5, last_error = CASE WHEN ?3 = 'sent' "
                  "THEN NULL ELSE ?6 END, claimed_by = NULL, lease_until = "
                  "NULL WHERE id = ?1 AND state = 'claimed' AND claimed_by "
                  "= ?2",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, r->id);
  store_bind_text(q, 2, owner);
  store_bind_text(q, 3, names[r->outcome]);
  sqlite3_bind_int64(q, 4, r->at);
  sqlite3_bind_int64(q, 5, r->next);
  store_bind_text(q, 6, r->reply);
  rc = store_step_done(st, q, "recording delivery");
  changed = sqlite3_changes(st->db) > 0;
  store_release(st, q);
  /* Someone else's now (our lease ran out and they took it): the
   * delivery line is still ours to write, the state is theirs. */
  if (rc != SM_OK || (replay && !changed))
    return rc;
  /* A row dropped meanwhile (queue drop) has no line to get: one that
   * failed its foreign key would fail the whole fold. */
  rc = store_stmt(st,
                  "INSERT INTO deliveries (outbox_id, at, outcome, "
                  "smtp_code, reply) SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS "
                  "(SELECT 1 FROM outbox WHERE id = ?1)",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, r->id);
  sqlite3_bind_int64(q, 2, r->at);
  store_bind_text(q, 3, names[r->outcome]);
  if (r->smtp_code)
    sqlite3_bind_int(q, 4, r->smtp_code);
  else
    sqlite3_bind_null(q, 4);
  store_bind_text(q, 5, r->reply);
  rc = store_step_done(st, q, "recording delivery");
  store_release(st, q);
  return rc;
}

enum sm_status
store_outbox_record_many(struct store *st, const char *owner,
                         const struct store_result *res, size_t n, int replay)
{
  enum sm_status rc;

  if (n == 0)
    return SM_OK;
  rc = store_begin(st);
  for (size_t i = 0; i < n && rc == SM_OK; i++)
    rc = record_one(st, owner, &res[i], replay);
  if (rc == SM_OK)
    rc = store_commit(st);
  else
    store_rollback(st);
  return rc;
}

enum sm_status
store_outbox_release(struct store *st, const char *owner)
{
  return store_outbox_release_except(st, owner, 0, NULL);
}

enum sm_status
store_outbox_release_except(struct store *st, const char *owner, size_t n,
                            const int64_t *keep)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  if (n > STORE_KEEP_MAX)
    return SM_ERR_USAGE;
  rc = store_stmt(st,
                  "UPDATE outbox SET state = CASE WHEN attempts > 0 THEN "
                  "'deferred' ELSE 'queued' END, claimed_by = NULL, "
                  "lease_until = NULL WHERE state = 'claimed' AND "
                  "claimed_by = ?1 AND id NOT IN (?2, ?3, ?4, ?5, ?6, ?7, "
                  "?8, ?9)",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, owner);
  for (size_t i = 0; i < STORE_KEEP_MAX; i++)
    sqlite3_bind_int64(q, (int)i + 2, i < n ? keep[i] : -1);
  rc = store_step_done(st, q, "releasing claims");
  store_release(st, q);
  return rc;
}

enum sm_status
store_outbox_renew(struct store *st, const char *owner, int64_t now,
                   int64_t lease)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(st,
                  "UPDATE outbox SET lease_until = ?2 + ?3 WHERE state = "
                  "'claimed' AND claimed_by = ?1",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, owner);
  sqlite3_bind_int64(q, 2, now);
  sqlite3_bind_int64(q, 3, lease);
  rc = store_step_done(st, q, "renewing the lease");
  store_release(st, q);
  return rc;
}

enum sm_status
store_outbox_ours(struct store *st, int64_t id, const char *owner, int *ours,
                  int *gone)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  *ours = *gone = 0;
  rc = store_stmt(st,
                  "SELECT state = 'claimed' AND claimed_by = ?2, "
                  "subscriber_id IS NOT NULL AND " STORE_READER_GONE_SQL(
                      "outbox.subscriber_id", "outbox.kind") " FROM outbox "
                                                             "WHERE id = ?1",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, id);
  store_bind_text(q, 2, owner);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW) {
    *ours = sqlite3_column_int(q, 0);
    *gone = sqlite3_column_int(q, 1);
  } else if (src != SQLITE_DONE) {
    rc = store_fail(st, src, "checking a claim");
  }
  store_release(st, q);
  return rc;
}

enum sm_status
store_send_pause_get(struct store *st, int64_t *since, char **reason)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  *since = 0;
  *reason = NULL;
  rc = store_stmt(st, "SELECT since, reason FROM send_pause WHERE id = 1", &q);
  if (rc != SM_OK)
    return rc;
  src = sqlite3_step(q);
  if (src == SQLITE_ROW) {
    *since = sqlite3_column_int64(q, 0);
    *reason = store_dup_col(q, 1);
    if (!*reason)
      rc = SM_ERR_NOMEM;
  } else if (src != SQLITE_DONE) {
    rc = store_fail(st, src, "reading the send pause");
  }
  store_release(st, q);
  if (rc != SM_OK) {
    free(*reason);
    *reason = NULL;
    *since = 0;
  }
  return rc;
}

enum sm_status
store_send_pause_set(struct store *st, int64_t now, const char *reason)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(st,
                  "INSERT OR IGNORE INTO send_pause (id, since, reason) "
                  "VALUES (1, ?1, ?2)",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, now);
  store_bind_text(q, 2, reason);
  rc = store_step_done(st, q, "pausing send");
  store_release(st, q);
  return rc;
}

enum sm_status
store_send_pause_clear(struct store *st, int *was)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  *was = 0;
  rc = store_stmt(st, "DELETE FROM send_pause", &q);
  if (rc != SM_OK)
    return rc;
  rc = store_step_done(st, q, "resuming send");
  if (rc == SM_OK)
    *was = sqlite3_changes(st->db) > 0;
  store_release(st, q);
  return rc;
}

enum sm_status
store_queue_list(struct store *st, const char *state, size_t limit,
                 store_queue_cb cb, void *ctx)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  rc = store_stmt(st,
                  "SELECT id, kind, recipient, state, message_id, "
                  "last_error, attempts, created_at, next_attempt_at, "
                  "coalesce(sent_at, 0) FROM outbox WHERE (?1 = '' AND "
                  "state != 'sent') OR state = ?1 ORDER BY id LIMIT ?2",
                  &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, state);
  sqlite3_bind_int64(q, 2, limit ? (sqlite3_int64)limit : -1);
  while ((src = sqlite3_step(q)) == SQLITE_ROW) {
    struct store_queue_row r;
    r.id = sqlite3_column_int64(q, 0);
    r.kind = (const char *)sqlite3_column_text(q, 1);
    r.recipient = (const char *)sqlite3_column_text(q, 2);
    r.state = (const char *)sqlite3_column_text(q, 3);
    r.message_id = (const char *)sqlite3_column_text(q, 4);
    r.last_error = (const char *)sqlite3_column_text(q, 5);
    r.attempts = (long)sqlite3_column_int64(q, 6);
    r.created_at = sqlite3_column_int64(q, 7);
    r.next_attempt_at = sqlite3_column_int64(q, 8);
    r.sent_at = sqlite3_column_int64(q, 9);
    if (cb(ctx, &r))
      break;
  }
  if (src != SQLITE_ROW && src != SQLITE_DONE)
    rc = store_fail(st, src, "listing the queue");
  store_release(st, q);
  return rc;
}

enum sm_status
store_queue_retry(struct store *st, int64_t id, int64_t now)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(st,
                  "UPDATE outbox SET state = 'deferred', next_attempt_at = "
                  "?2 WHERE id = ?1 AND state IN ('deferred', 'failed', "
                  "'queued')",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, id);
  sqlite3_bind_int64(q, 2, now);
  rc = store_step_done(st, q, "retrying");
  if (rc == SM_OK && sqlite3_changes(st->db) == 0)
    rc = SM_ERR_NOTFOUND;
  store_release(st, q);
  return rc;
}

enum sm_status
store_queue_drop(struct store *st, int64_t id)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;

  rc = store_stmt(
      st, "DELETE FROM outbox WHERE id = ?1 AND state != 'claimed'", &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, id);
  rc = store_step_done(st, q, "dropping");
  if (rc == SM_OK && sqlite3_changes(st->db) == 0)
    rc = SM_ERR_NOTFOUND;
  store_release(st, q);
  return rc;
}

enum sm_status
store_queue_counts(struct store *st, long counts[5])
{
  static const char *const states[] = {"queued", "claimed", "sent", "deferred",
                                       "failed"};
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  memset(counts, 0, 5 * sizeof(long));
  rc = store_stmt(st, "SELECT state, count(*) FROM outbox GROUP BY state", &q);
  if (rc != SM_OK)
    return rc;
  while ((src = sqlite3_step(q)) == SQLITE_ROW) {
    const char *s = (const char *)sqlite3_column_text(q, 0);
    for (int i = 0; i < 5; i++)
      if (s && !strcmp(s, states[i]))
        counts[i] = (long)sqlite3_column_int64(q, 1);
  }
  if (src != SQLITE_DONE)
    rc = store_fail(st, src, "counting the queue");
  store_release(st, q);
  return rc;
}
