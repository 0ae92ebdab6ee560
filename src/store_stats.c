/* store_stats.c: the figures an operator reads on Monday, for
 * `shortmail stats`. Each figure is one grouped count; the table below is
 * the whole report, so a new figure is one row here. */
#include "config.h"

#include "store.h"
#include "store_int.h"

/* Every query binds ?1 = now and ?2 = the start of the window (now minus
 * the weeks asked for), and returns (key TEXT, sub TEXT or NULL, n). */
static const struct {
  const char *section;
  const char *sql;
} stats_queries[] = {
    {"readers", "SELECT status, NULL, count(*) FROM subscribers "
                "WHERE ?1 IS NOT NULL AND ?2 IS NOT NULL GROUP BY status "
                "UNION ALL SELECT 'paused', NULL, count(*) FROM subscribers "
                "WHERE paused AND status = 'confirmed'"},
    {"frequency", "SELECT frequency, NULL, count(*) FROM subscribers "
                  "WHERE status = 'confirmed' AND ?1 IS NOT NULL AND "
                  "?2 IS NOT NULL GROUP BY frequency"},
    {"keywords",
     "SELECT min(i.keyword), NULL, count(*) FROM interests i "
     "JOIN subscribers s ON s.id = i.subscriber_id "
     "WHERE s.status = 'confirmed' AND ?1 IS NOT NULL AND ?2 IS NOT NULL "
     "GROUP BY lower(i.keyword) ORDER BY 3 DESC, 1 LIMIT 20"},
    {"summaries", "SELECT 'total', NULL, count(*) FROM summaries "
                  "WHERE ?1 IS NOT NULL UNION ALL "
                  "SELECT 'new', NULL, count(*) FROM summaries "
                  "WHERE first_seen >= ?2"},
    {"sent", "SELECT date(sent_at, 'unixepoch', 'weekday 0', '-6 days'), "
             "kind, count(*) FROM outbox WHERE state = 'sent' AND "
             "sent_at >= ?2 AND sent_at <= ?1 GROUP BY 1, 2 ORDER BY 1, 2"},
    {"queue", "SELECT state, NULL, count(*) FROM outbox "
              "WHERE state != 'sent' AND ?1 IS NOT NULL AND ?2 IS NOT NULL "
              "GROUP BY state"},
    {"bounces", "SELECT kind, NULL, count(*) FROM bounces "
                "WHERE received_at >= ?2 AND received_at <= ?1 GROUP BY kind "
                "UNION ALL SELECT 'readers disabled', NULL, count(*) "
                "FROM bounce_scores WHERE disabled_at >= ?2"},
    {"comments", "SELECT post_state, NULL, count(*) FROM comments "
                 "WHERE created_at >= ?2 AND created_at <= ?1 "
                 "GROUP BY post_state"},
};

enum sm_status
store_stats(struct store *st, int64_t now, int weeks,
            int (*cb)(void *ctx, const char *section, const char *key,
                      const char *sub, int64_t n),
            void *ctx)
{
  enum sm_status rc = SM_OK;

  for (size_t i = 0; i < sizeof(stats_queries) / sizeof(stats_queries[0]);
       i++) {
    sqlite3_stmt *q;
    int src;

    /* Once per run: not worth a place in the statement cache. */
    rc = store_prepare(st, stats_queries[i].sql, &q);
    if (rc != SM_OK)
      return rc;
    cb(ctx, stats_queries[i].section, NULL, NULL, 0);
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int64(q, 2, now - (int64_t)weeks * 7 * 86400);
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
      const char *key = (const char *)sqlite3_column_text(q, 0);
      const char *sub = (const char *)sqlite3_column_text(q, 1);

      if (cb(ctx, stats_queries[i].section, key ? key : "", sub,
             sqlite3_column_int64(q, 2)) != 0) {
        src = SQLITE_DONE;
        break;
      }
    }
    if (src != SQLITE_DONE)
      rc = store_fail(st, src, "reading statistics");
    sqlite3_finalize(q);
    if (rc != SM_OK)
      break;
  }
  return rc;
}
