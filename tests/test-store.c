/* test-store.c: schema creation, upsert identity and the renewal rule,
 * queries with keyword terms, transient errors. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "match.h"
#include "store.h"
#include "tap.h"

static char dbpath[256];

static void
fill(struct model_summary *s, const char *guid, const char *title,
     const char *md, const char *kw1, const char *kw2)
{
  memset(s, 0, sizeof(*s));
  s->guid = guid ? strdup(guid) : NULL;
  s->link = strdup(guid ? guid : "https://example.org/nolink");
  s->title = strdup(title);
  s->authors = strdup("Kaiming He, Xiangyu Zhang");
  s->markdown = strdup(md);
  s->summarizer = strdup("Jörg Müller");
  s->keywords = calloc(2, sizeof(char *));
  if (kw1)
    s->keywords[s->nkeywords++] = strdup(kw1);
  if (kw2)
    s->keywords[s->nkeywords++] = strdup(kw2);
  s->votes = 3;
}

struct collect {
  int n;
  char titles[8][128];
  int64_t fresh[8];
};

static int
collect(void *vctx, const struct store_summary_row *r)
{
  struct collect *c = vctx;

  if (c->n < 8) {
    snprintf(c->titles[c->n], sizeof(c->titles[0]), "%s", r->s.title);
    c->fresh[c->n] = r->fresh_at;
  }
  c->n++;
  return 0;
}

static int
query(struct store *st, const char *match, int64_t since, struct collect *c)
{
  struct store_query q = {0, since, NULL, 0, 0};
  struct match_term *terms = NULL;
  char err[SM_ERRLEN];
  enum sm_status rc;

  memset(c, 0, sizeof(*c));
  if (match) {
    if (match_parse_query(match, &terms, &q.nterms, err, sizeof(err)) !=
        SM_OK) {
      diag("parse %s: %s", match, err);
      return -1;
    }
    q.terms = terms;
  }
  rc = store_summaries(st, &q, collect, c);
  match_terms_free(terms, q.nterms);
  if (rc != SM_OK)
    diag("query: %s", store_errmsg(st));
  return rc == SM_OK ? c->n : -1;
}

static enum store_upsert_result
upsert(struct store *st, struct model_summary *s, int64_t now)
{
  enum store_upsert_result r = -1;
  int64_t id;

  if (store_begin(st) != SM_OK ||
      store_summary_upsert(st, s, now, &r, &id) != SM_OK ||
      store_commit(st) != SM_OK)
    diag("upsert failed: %s", store_errmsg(st));
  return r;
}

static void
problem(void *ctx, const char *p)
{
  (void)ctx;
  diag("check: %s", p);
}

/* store_outbox_record_many: a fold of the sender's journal. */
static int64_t
one(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *q;
  int64_t v = -1;

  if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW)
    v = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  return v;
}

static void
test_record_many(struct store *st)
{
  sqlite3 *db;
  struct store_result res[3] = {
      {1, STORE_SENT, 250, 500, 0, "250 2.0.0 Ok: queued as A"},
      {999, STORE_SENT, 250, 500, 0, "250 2.0.0 Ok: queued as B"},
      {2, STORE_DEFERRED, 451, 501, 900, "451 4.3.0 later"},
  };

  must(sqlite3_open(dbpath, &db) != SQLITE_OK);
  must(sqlite3_exec(
      db,
      "INSERT INTO outbox (id, kind, recipient, message_id, state, "
      "claimed_by, created_at) VALUES (1, 'reply', 'a@example.org', '<1@x>', "
      "'claimed', 'me', 1), (2, 'reply', 'b@example.org', '<2@x>', "
      "'claimed', 'me', 1), (3, 'reply', 'c@example.org', '<3@x>', "
      "'claimed', 'other', 1)",
      NULL, NULL, NULL));
  is_int(store_outbox_record_many(st, "me", res, 3, 0), SM_OK,
         "a fold with a row dropped meanwhile succeeds");
  is_int(one(db, "SELECT count(*) FROM outbox WHERE id = 1 AND state = "
                 "'sent' AND sent_at = 500 AND attempts = 1"),
         1, "the sent row is recorded");
  is_int(one(db, "SELECT next_attempt_at FROM outbox WHERE id = 2 AND "
                 "state = 'deferred'"),
         900, "the deferred one, with its next attempt");
  is_int(one(db, "SELECT count(*) FROM deliveries"), 2,
         "a delivery line each, none for the dropped row");
  res[0].id = 3;
  is_int(store_outbox_record_many(st, "me", res, 1, 0), SM_OK,
         "a row another sender took over");
  is_int(one(db, "SELECT state = 'claimed' AND claimed_by = 'other' FROM "
                 "outbox WHERE id = 3"),
         1, "keeps its state");
  is_int(one(db, "SELECT count(*) FROM deliveries WHERE outbox_id = 3"), 1,
         "but gets our delivery line");
  res[0].id = 1;
  is_int(store_outbox_record_many(st, "me", res, 3, 1), SM_OK,
         "the same journal replayed");
  is_int(one(db, "SELECT count(*) FROM deliveries"), 3,
         "adds no line: its rows are no longer claimed by the sender");
  is_int(one(db, "SELECT attempts FROM outbox WHERE id = 1"), 1,
         "nor an attempt");
  sqlite3_exec(db, "DELETE FROM deliveries; DELETE FROM outbox", NULL, NULL,
               NULL);
  sqlite3_close(db);
}

int
main(void)
{
  struct store *st = NULL, *st2 = NULL;
  struct model_summary a, b, c;
  struct collect got;
  char err[SM_ERRLEN];
  char *etag, *lm;
  long ns, np;
  const char *tmp = getenv("TMPDIR");

  snprintf(dbpath, sizeof(dbpath), "%s/test-store-%ld.db", tmp ? tmp : "/tmp",
           (long)getpid());
  unlink(dbpath);
  is_int(store_open(dbpath, 200, 0, &st, err, sizeof(err)), SM_OK,
         "create a new store");
  is_int(store_schema_version(st), store_schema_latest(),
         "migrated to the latest schema");
  test_record_many(st);

  fill(&a, "guid-a", "Deep Residual Learning for Image Recognition",
       "Deeper networks should never have a higher **training** error.",
       "cs.CV", "imagenet");
  is_int(upsert(st, &a, 1000), STORE_INSERTED, "new summary inserted");
  is_int(upsert(st, &a, 2000), STORE_UNCHANGED, "same again: unchanged");
  a.votes = 10;
  is_int(upsert(st, &a, 2100), STORE_UNCHANGED, "votes alone: unchanged");
  free(a.markdown);
  a.markdown = strdup("Deeper networks should never have a higher training "
                      "error.");
  is_int(upsert(st, &a, 3000), STORE_UPDATED, "small edit: updated");
  is_int(query(st, NULL, 0, &got), 1, "one summary");
  is_int(got.fresh[0], 1000, "a small edit keeps fresh_at");
  free(a.markdown);
  a.markdown = strdup("Deeper networks should never have a higher training "
                      "error. In the worst case, the layers should simply "
                      "learn identities; ResNets make that easy.");
  is_int(upsert(st, &a, 4000), STORE_RENEWED, "text doubled: renewed");
  query(st, NULL, 0, &got);
  is_int(got.fresh[0], 4000, "renewal moves fresh_at");
  free(a.keywords[1]);
  a.keywords[1] = strdup("resnet");
  is_int(upsert(st, &a, 5000), STORE_RENEWED, "a new keyword renews");

  fill(&b, NULL, "Batch Normalization: Accelerating Deep Network Training",
       "Normalizing layer inputs with $\\gamma$ and $\\beta$.", "cs.LG", NULL);
  b.bibtex_key = strdup("journals/corr/IoffeS15");
  is_int(upsert(st, &b, 6000), STORE_INSERTED, "no guid: identified by link");
  is_int(upsert(st, &b, 6100), STORE_UNCHANGED, "same link again: unchanged");

  /* A second summary of the same paper (same bibtex key) shares it. */
  fill(&c, "guid-c", "Batch normalization (retitled)",
       "Another reader's take on batch normalization.", "cs.LG", "stat.ML");
  c.bibtex_key = strdup("journals/corr/IoffeS15");
  is_int(upsert(st, &c, 7000), STORE_INSERTED, "second summary inserted");
  is_int(store_counts(st, &ns, &np), SM_OK, "count");
  is_int(ns, 3, "three summaries");
  is_int(np, 2, "two papers: the bibtex key joined them");

  is_int(query(st, "normalization", 0, &got), 2, "stemmed word matches");
  is_int(query(st, "normalizing", 0, &got), 2, "stem of another form");
  is_int(query(st, "\"batch normalization\"", 0, &got), 2, "phrase");
  is_int(query(st, "\"normalization batch\"", 0, &got), 0,
         "phrase in the wrong order does not");
  is_int(query(st, "cs.cv", 0, &got), 1, "tag, case-insensitive");
  is_str(got.titles[0], "Deep Residual Learning for Image Recognition",
         "the tagged one");
  is_int(query(st, "cs.L", 0, &got), 0, "tag match is exact, not prefix");
  is_int(query(st, "author:zhang", 0, &got), 3, "author field");
  is_int(query(st, "author:residual", 0, &got), 0,
         "author: does not search the title");
  is_int(query(st, "author:zhang -cs.CV", 0, &got), 2, "negated tag excludes");
  is_int(query(st, "stat.ML", 0, &got), 2,
         "keywords belong to the paper, shared by its summaries");
  is_int(query(st, "-resnet", 0, &got), 0, "negatives alone match nothing");
  is_int(query(st, "resnet imagenet batch", 0, &got), 3,
         "any positive term matches");
  is_int(query(st, "NEAR", 0, &got), 0, "FTS5 operator words are words");
  is_int(query(st, NULL, 6500, &got), 1, "since filters on fresh_at");

  is_int(store_feed_set(st, "http://x/feed", "\"e1\"", "Mon, 1 Jan 2026", 10),
         SM_OK, "save validators");
  is_int(store_feed_get(st, "http://x/feed", &etag, &lm), SM_OK,
         "read validators");
  is_str(etag, "\"e1\"", "etag kept");
  is_str(lm, "Mon, 1 Jan 2026", "last-modified kept");
  free(etag);
  free(lm);
  is_int(store_feed_get(st, "http://y/feed", &etag, &lm), SM_OK,
         "unknown feed");
  ok(etag == NULL && lm == NULL, "no validators for an unknown feed");

  /* Digests queued in a batch: a row each, last_digest_at moved for the
   * readers whose row went in; what each had is read from the payload,
   * in the compact form and in the first one. */
  {
    int64_t r1 = 0, r2 = 0;
    size_t added = 0;
    int had = -1;
    struct store_subscriber sub;
    struct store_digest_row rows[] = {
        {0, "r1@example.org", "2026-W48", "digest.202648.1@x.example",
         "{\"kw\":[\"gan\"],\"items\":[[11,0],[12,0]],\"more\":0}"},
        {0, "r2@example.org", "2026-W48", "digest.202648.2@x.example",
         "{\"items\":[{\"id\":21,\"kw\":[\"gan\"]}],\"more\":0}"}};

    store_sub_create(st, "r1@example.org", MODEL_CONFIRMED, 100, &r1);
    store_sub_create(st, "r2@example.org", MODEL_CONFIRMED, 100, &r2);
    rows[0].sub = r1;
    rows[1].sub = r2;
    is_int(store_begin(st), SM_OK, "begin");
    is_int(store_digest_queue(st, rows, 2, 9000, &added), SM_OK,
           "queue two digests");
    is_int((long)added, 2, "both added");
    is_int(store_digest_queue(st, rows, 1, 9500, &added), SM_OK,
           "queue the first again");
    is_int((long)added, 0, "the same Message-ID is not added twice");
    is_int(store_commit(st), SM_OK, "commit");
    store_sub_get_id(st, r1, &sub);
    is_int(sub.last_digest_at, 9000, "the reader's last digest moved");
    store_subscriber_free(&sub);
    store_sub_get_id(st, r2, &sub);
    is_int(sub.last_digest_at, 9000, "each reader's");
    store_subscriber_free(&sub);
    store_digest_had(st, r1, 12, &had);
    is_int(had, 1, "had: an id of the compact form");
    store_digest_had(st, r1, 0, &had);
    is_int(had, 0, "a keyword index is no id");
    store_digest_had(st, r2, 21, &had);
    is_int(had, 1, "had: an id of the first form");
    store_digest_had(st, r2, 11, &had);
    is_int(had, 0, "another reader's id is not theirs");
  }

  is_int(store_check(st, problem, NULL), SM_OK, "store is consistent");

  /* Another writer holds the lock past our busy timeout: transient. */
  is_int(store_open(dbpath, 100, 0, &st2, err, sizeof(err)), SM_OK,
         "second handle");
  is_int(store_begin(st2), SM_OK, "second handle takes the write lock");
  is_int(store_begin(st), SM_ERR_TEMP, "busy past the timeout: SM_ERR_TEMP");
  ok(strstr(store_errmsg(st), dbpath) != NULL, "message names the store");
  store_rollback(st2);
  store_close(st2);
  store_close(st);

  {
    char cmd[600];
    const char *cli = getenv("SQLITE3_CLI");
    snprintf(cmd, sizeof(cmd), "%s '%s' 'PRAGMA user_version = 99'",
             cli && *cli ? cli : "sqlite3", dbpath);
    if (system(cmd) != 0)
      diag("could not run %s", cmd);
    is_int(store_open(dbpath, 100, 0, &st, err, sizeof(err)), SM_ERR_DATA,
           "a store from a newer shortmail is refused");
    ok(strstr(err, "newer than this shortmail") != NULL, "and says why");
  }
  {
    FILE *fp;
    char junk[300];
    snprintf(junk, sizeof(junk), "%s.junk", dbpath);
    fp = fopen(junk, "w");
    fputs("this is not a database, it is a text file of some length.....\n"
          "................................................................",
          fp);
    fclose(fp);
    ok(store_open(junk, 100, 0, &st, err, sizeof(err)) != SM_OK,
       "a file that is not a database is refused");
    ok(strstr(err, junk) != NULL, "message names the file");
    unlink(junk);
  }
  model_summary_free(&a);
  model_summary_free(&b);
  model_summary_free(&c);
  unlink(dbpath);
  {
    char side[300];
    snprintf(side, sizeof(side), "%s-wal", dbpath);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", dbpath);
    unlink(side);
  }
  return done_testing();
}
