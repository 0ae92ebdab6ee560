/* store_arxiv.c: arXiv's answers, kept so each id is asked once, and the
 * categories they give papers that have no keywords; see store.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "model.h"
#include "store.h"
#include "store_int.h"

/* The largest list of categories kept for one id. */
#define ARXIV_CATEGORIES_MAX (64 * 1024)

enum sm_status
store_arxiv_pending(struct store *st, size_t max, char ***ids, size_t *n)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  char **out = NULL;
  size_t cnt = 0, cap = 0;
  int src;

  *ids = NULL;
  *n = 0;
  rc = store_stmt(st,
                  "SELECT p.arxiv_id FROM papers p WHERE p.arxiv_id IS NOT "
                  "NULL AND NOT EXISTS (SELECT 1 FROM paper_keywords k "
                  "WHERE k.paper_id = p.id) AND NOT EXISTS (SELECT 1 FROM "
                  "arxiv_answers a WHERE a.arxiv_id = p.arxiv_id) "
                  "ORDER BY p.id LIMIT ?1",
                  &q);
  if (rc != SM_OK)
    return rc;
  sqlite3_bind_int64(q, 1, (sqlite3_int64)max);
  while ((src = sqlite3_step(q)) == SQLITE_ROW) {
    if (cnt == cap) {
      size_t ncap = cap ? cap * 2 : 64;
      char **p = realloc(out, ncap * sizeof(*p));
      if (!p) {
        rc = SM_ERR_NOMEM;
        break;
      }
      out = p;
      cap = ncap;
    }
    out[cnt] = store_dup_col(q, 0);
    if (!out[cnt]) {
      rc = SM_ERR_NOMEM;
      break;
    }
    cnt++;
  }
  if (rc == SM_OK && src != SQLITE_DONE)
    rc = store_fail(st, src, "finding papers to ask arXiv about");
  store_release(st, q);
  if (rc != SM_OK) {
    for (size_t i = 0; i < cnt; i++)
      free(out[i]);
    free(out);
    return rc;
  }
  *ids = out;
  *n = cnt;
  return SM_OK;
}

enum sm_status
store_arxiv_cached(struct store *st, const char *arxiv_id,
                   struct model_summary *s)
{
  sqlite3_stmt *q = NULL;
  enum sm_status rc;
  int src;

  s->keywords = NULL;
  s->nkeywords = 0;
  rc = store_stmt(
      st, "SELECT categories FROM arxiv_answers WHERE arxiv_id = ?1", &q);
  if (rc != SM_OK)
    return rc;
  store_bind_text(q, 1, arxiv_id);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW)
    rc = store_split_keywords((const char *)sqlite3_column_text(q, 0), s);
  else if (src != SQLITE_DONE)
    rc = store_fail(st, src, "reading arXiv categories");
  store_release(st, q);
  return rc;
}

enum sm_status
store_arxiv_save(struct store *st, const char *arxiv_id,
                 char *const *categories, size_t n, int64_t now, int *applied)
{
  struct buf list = BUF_INIT(ARXIV_CATEGORIES_MAX);
  struct buf fts = BUF_INIT(ARXIV_CATEGORIES_MAX);
  struct model_summary kw;
  sqlite3_stmt *q = NULL;
  enum sm_status rc = SM_OK;
  int64_t paper = 0;
  int src;

  if (applied)
    *applied = 0;
  for (size_t i = 0; i < n && rc == SM_OK; i++) {
    if (i)
      rc = buf_putc(&list, '\x1f');
    if (rc == SM_OK)
      rc = buf_puts(&list, categories[i]);
  }
  memset(&kw, 0, sizeof(kw));
  kw.keywords = (char **)categories;
  kw.nkeywords = n;
  if (rc == SM_OK)
    rc = store_joined_keywords(&kw, " ", &fts);
  if (rc != SM_OK)
    goto out;
  rc = store_stmt(st,
                  "INSERT OR REPLACE INTO arxiv_answers (arxiv_id, "
                  "categories, asked_at) VALUES (?1, ?2, ?3)",
                  &q);
  if (rc != SM_OK)
    goto out;
  store_bind_text(q, 1, arxiv_id);
  store_bind_text(q, 2, n ? buf_str(&list) : NULL);
  sqlite3_bind_int64(q, 3, now);
  rc = store_step_done(st, q, "saving arXiv's answer");
  store_release(st, q);
  q = NULL;
  if (rc != SM_OK || n == 0)
    goto out;

  rc = store_stmt(st,
                  "SELECT p.id FROM papers p WHERE p.arxiv_id = ?1 AND NOT "
                  "EXISTS (SELECT 1 FROM paper_keywords k WHERE "
                  "k.paper_id = p.id)",
                  &q);
  if (rc != SM_OK)
    goto out;
  store_bind_text(q, 1, arxiv_id);
  src = sqlite3_step(q);
  if (src == SQLITE_ROW)
    paper = sqlite3_column_int64(q, 0);
  else if (src != SQLITE_DONE)
    rc = store_fail(st, src, "finding the paper of an arXiv id");
  store_release(st, q);
  q = NULL;
  if (rc != SM_OK || !paper)
    goto out;

  rc = store_stmt(st,
                  "INSERT OR IGNORE INTO paper_keywords (paper_id, "
                  "keyword, folded) VALUES (?1, ?2, sm_tag_fold(?2))",
                  &q);
  for (size_t i = 0; i < n && rc == SM_OK; i++) {
    sqlite3_bind_int64(q, 1, paper);
    store_bind_text(q, 2, categories[i]);
    rc = store_step_done(st, q, "saving arXiv categories");
    sqlite3_reset(q);
  }
  store_release(st, q);
  q = NULL;
  if (rc != SM_OK)
    goto out;
  rc = store_stmt(st,
                  "UPDATE summaries_fts SET keywords = ?2 WHERE rowid IN "
                  "(SELECT id FROM summaries WHERE paper_id = ?1)",
                  &q);
  if (rc != SM_OK)
    goto out;
  sqlite3_bind_int64(q, 1, paper);
  store_bind_text(q, 2, buf_str(&fts));
  rc = store_step_done(st, q, "indexing arXiv categories");
  if (rc == SM_OK && applied)
    *applied = 1;
out:
  store_release(st, q);
  buf_free(&list);
  buf_free(&fts);
  return rc;
}
