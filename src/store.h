/* store.h: the SQLite store. The only module that includes sqlite3.h:
 * it owns the schema (db/), the migrations, transactions and every SQL
 * statement. WAL, busy_timeout, BEGIN IMMEDIATE for writes, bound
 * parameters only. Transient failures (busy past the timeout, disk full,
 * I/O errors) come back as SM_ERR_TEMP so callers can exit 75. */
#ifndef SM_STORE_H
#define SM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "match.h"
#include "model.h"
#include "status.h"

struct store;

#define STORE_READONLY 0x1  /* open for reading; no migration */
#define STORE_NOMIGRATE 0x2 /* do not apply pending migrations */
/* synchronous = NORMAL: a commit survives the process being killed but
 * not a power loss. For the sender, whose records may then be resent
 * (at least once, never lost); receive keeps FULL (its exit 0 is a
 * promise to the MTA). */
#define STORE_SYNC_NORMAL 0x4
/* For a process that commits once and exits (receive): no checkpoint on
 * close, so the WAL file stays, and the next one opens it without a
 * directory sync. Its commit is then its only fsync: a checkpoint costs
 * two more, and a WAL made afresh one for its header and one for the
 * directory. The WAL is checkpointed, and truncated, by the close of
 * whichever process leaves it past STORE_LAZY_WAL_FRAMES: SQLite's own
 * wal_autocheckpoint cannot bound it here, since a process that is the
 * store's only user rebuilds the WAL index when it opens, reading every
 * frame and forgetting which were checkpointed, so the WAL never restarts
 * and each receive read all of it (17 MB after 400 messages). Not for
 * commands after which someone copies the database file alone. */
#define STORE_LAZY_CHECKPOINT 0x8
/* 1 MB of 4 KB pages: an open then reads at most that much, and the
 * checkpoint's fsyncs come once in about 20 messages. */
#define STORE_LAZY_WAL_FRAMES 256

/* Opens (creating it if needed) the database at path and applies pending
 * migrations. On error err names the path. */
enum sm_status store_open(const char *path, long busy_timeout_ms, int flags,
                          struct store **out, char *err, size_t errlen);
void store_close(struct store *st);
/* The file st has open: for another connection to it (a worker thread
 * needs its own; a connection serves one thread). Owned by st. */
const char *store_path(const struct store *st);
/* Looks at the store's file and directory before SQLite does, and puts
 * what would keep PATH from opening in an operator's terms into err: a
 * missing directory (SM_ERR_CANTCREAT), an owner or a mode that keeps
 * this user out (SM_ERR_NOPERM). As root, creates a new store owned by
 * its directory's owner. store_open calls it first. */
enum sm_status store_diagnose(const char *path, int flags, char *err,
                              size_t errlen);
/* The last error as text, naming what failed. Owned by st. */
const char *store_errmsg(const struct store *st);

/* The schema version in the file, and the one this binary knows. */
int store_schema_version(struct store *st);
int store_schema_latest(void);
/* Applies pending migrations; *from and *to report the versions. */
enum sm_status store_migrate(struct store *st, int *from, int *to);
/* Runs integrity_check, foreign_key_check and the FTS5 integrity check;
 * calls report for each problem found. SM_ERR_DATA if any. */
enum sm_status store_check(struct store *st,
                           void (*report)(void *ctx, const char *problem),
                           void *ctx);

/* The page cache's size, in KiB (SQLite's default is 2000). */
enum sm_status store_cache_size(struct store *st, long kib);

/* Write transactions: BEGIN IMMEDIATE ... COMMIT. */
enum sm_status store_begin(struct store *st);
enum sm_status store_commit(struct store *st);
void store_rollback(struct store *st);

/* Conditional-GET validators remembered per feed URL. *etag and
 * *last_modified are set to new strings or NULL; the caller frees. */
enum sm_status store_feed_get(struct store *st, const char *url, char **etag,
                              char **last_modified);
enum sm_status store_feed_set(struct store *st, const char *url,
                              const char *etag, const char *last_modified,
                              int64_t now);

enum store_upsert_result {
  STORE_INSERTED, /* a summary we had not seen */
  STORE_UPDATED,  /* an edit: updated in place, not new for digests */
  STORE_RENEWED,  /* an edit large enough to count as new again */
  STORE_UNCHANGED /* nothing but perhaps votes changed */
};

/* Inserts or updates a summary, identified by guid, else by link; its
 * paper by bibtex key, else arXiv id, else title. Must run inside a
 * transaction. See doc/shortmail.1, INGEST, for when an edit renews. */
enum sm_status store_summary_upsert(struct store *st,
                                    const struct model_summary *s, int64_t now,
                                    enum store_upsert_result *result,
                                    int64_t *id);

struct store_summary_row {
  int64_t id;
  int64_t paper_id;
  struct model_summary s; /* members owned by the store during the call */
  int64_t first_seen;     /* when ingest first saw it */
  int64_t last_changed;   /* when its text or metadata last changed */
  int64_t fresh_at;       /* when it last became new for digests */
};

struct store_query {
  int64_t id;                     /* only this summary, or 0 */
  int64_t since;                  /* fresh_at >= since; 0 for all */
  const struct match_term *terms; /* reader-style keyword match, or NULL */
  size_t nterms;
  size_t limit; /* 0 for no limit */
};

/* Calls cb for each summary matching q, newest first; cb returns
 * nonzero to stop. */
typedef int (*store_summary_cb)(void *ctx, const struct store_summary_row *r);
enum sm_status store_summaries(struct store *st, const struct store_query *q,
                               store_summary_cb cb, void *ctx);
/* The title of the paper with this BibTeX key: *title is new (the
 * caller frees); SM_ERR_NOTFOUND when there is none. */
enum sm_status store_paper_title(struct store *st, const char *bibtex_key,
                                 char **title);
/* Counts summaries and papers. */
enum sm_status store_counts(struct store *st, long *summaries, long *papers);

/* ---- arXiv categories (src/store_arxiv.c) ------------------------ *
 * The site's feed carries no keywords; a paper with an arXiv id takes
 * its arXiv categories, asked once per id (src/arxiv.c). */

/* The arXiv ids of papers that have no keywords and whose id arXiv was
 * never asked about, oldest paper first, at most max. *ids is a new
 * array of new strings (free each, then the array). */
enum sm_status store_arxiv_pending(struct store *st, size_t max, char ***ids,
                                   size_t *n);
/* Records arXiv's answer for one id (categories, primary first; n == 0:
 * arXiv does not know it) and gives the categories to the paper of that
 * id if it has no keywords: its keywords and the full-text index of its
 * summaries. Must run inside a transaction. *applied (may be NULL) is 1
 * when a paper took them. */
enum sm_status store_arxiv_save(struct store *st, const char *arxiv_id,
                                char *const *categories, size_t n, int64_t now,
                                int *applied);

/* ---- readers ---------------------------------------------------- */

/* A reader. Strings owned; free with store_subscriber_free. */
struct store_subscriber {
  int64_t id;
  char *address;
  enum model_status status;
  enum model_frequency frequency;
  int paused;
  int64_t created_at, confirmed_at, changed_at, last_digest_at;
};

void store_subscriber_free(struct store_subscriber *s);
/* By address (compared without case): SM_ERR_NOTFOUND when unknown. */
/* An import's record of the addresses it has written (a temporary
 * table, in the caller's transaction): *first 0 the first time address
 * (compared without case) is seen, else the line it was first seen on;
 * line is recorded then. */
enum sm_status store_import_seen(struct store *st, const char *address,
                                 size_t line, size_t *first);
enum sm_status store_sub_get(struct store *st, const char *address,
                             struct store_subscriber *out);
enum sm_status store_sub_get_id(struct store *st, int64_t id,
                                struct store_subscriber *out);
enum sm_status store_sub_create(struct store *st, const char *address,
                                enum model_status status, int64_t now,
                                int64_t *id);
/* Sets status; MODEL_CONFIRMED also sets confirmed_at. */
enum sm_status store_sub_set_status(struct store *st, int64_t id,
                                    enum model_status status, int64_t now);
enum sm_status store_sub_set_frequency(struct store *st, int64_t id,
                                       enum model_frequency frequency,
                                       int64_t now);
enum sm_status store_sub_set_paused(struct store *st, int64_t id, int paused,
                                    int64_t now);
/* Removes the reader with their interests and tokens. */
enum sm_status store_sub_delete(struct store *st, int64_t id);

/* Interests, in the keyword language's canonical form. add sets *added
 * to 0 when the reader had it already; SM_ERR_LIMIT past `max`. */
enum sm_status store_interest_add(struct store *st, int64_t sub,
                                  const char *keyword, size_t max, int64_t now,
                                  int *added);
enum sm_status store_interest_del(struct store *st, int64_t sub,
                                  const char *keyword, int *removed);
/* The reader's keywords in the order they were added; *kw is a new
 * array of new strings (free each, then the array). */
enum sm_status store_interests(struct store *st, int64_t sub, char ***kw,
                               size_t *n);

/* Marks a single-use token used. *first is 1 the first time, 0 after. */
enum sm_status store_token_use(struct store *st, const char *token_hash,
                               const char *purpose, int64_t sub,
                               int64_t expires_at, int64_t now, int *first);

/* ---- received mail ------------------------------------------------ */

/* Whether a message with this key (Message-ID or hash) was taken. */
enum sm_status store_received_seen(struct store *st, const char *key,
                                   int *seen);
/* Logs a received message. raw (may be NULL) is kept only for
 * quarantined mail. */
enum sm_status store_received_add(struct store *st, const char *key,
                                  int64_t now, const char *sender,
                                  const char *recipient, const char *route,
                                  const char *outcome, const char *detail,
                                  const void *raw, size_t rawlen);

/* ---- messages taken from an IMAP mailbox (store_imap.c) ------------ */

/* Whether `shortmail fetch` took message uid of mailbox (an identity
 * such as "imap://user@host/INBOX") under uidvalidity, and which folder
 * ("done" or "rejected") it goes to, copied into folder. */
enum sm_status store_imap_taken(struct store *st, const char *mailbox,
                                int64_t uidvalidity, int64_t uid, char *folder,
                                size_t folderlen, int *taken);
/* Records that it was taken, inside the caller's transaction (the one
 * that commits the message's effect). A second record of the same
 * message changes nothing. */
enum sm_status store_imap_take(struct store *st, const char *mailbox,
                               int64_t uidvalidity, int64_t uid,
                               const char *folder, int64_t now);
/* Forgets records older than `before` (their messages left the mailbox
 * long ago); *removed may be NULL. */
enum sm_status store_imap_prune(struct store *st, int64_t before,
                                long *removed);

/* ---- the outbox ---------------------------------------------------- */

struct store_outbox_row {
  const char *kind;      /* digest, reply, confirm, comment, notice */
  int64_t subscriber_id; /* 0 for none */
  const char *recipient;
  const char *issue;      /* digest period, or NULL */
  const char *message_id; /* without angle brackets; unique */
  const char *payload;    /* JSON */
};

/* Queues a row; *id may be NULL. A second row with the same Message-ID
 * (a redelivered request) is not added: *added says which. */
enum sm_status store_outbox_add(struct store *st,
                                const struct store_outbox_row *row,
                                int64_t now, int64_t *id, int *added);
/* The highest outbox row id (0 when empty). */
enum sm_status store_outbox_last_id(struct store *st, int64_t *id);
/* Calls cb for each row with an id above `after`, in order: kind,
 * recipient, message id, payload. */
typedef int (*store_outbox_cb)(void *ctx, const struct store_outbox_row *r);
enum sm_status store_outbox_after(struct store *st, int64_t after,
                                  store_outbox_cb cb, void *ctx);
/* ---- digest selection ---------------------------------------------- *
 * The digest evaluates each distinct keyword once against the summaries
 * that are new, not each reader against the whole store: the new ones
 * are copied into a small temporary FTS5 table with the same tokenizer,
 * so a keyword matches there exactly as it would in summaries_fts. */

/* A new summary, for ranking. */
struct store_fresh {
  int64_t id;
  int64_t fresh_at;
  int64_t first_seen;
  long votes;
  int64_t paper_id; /* summaries of one paper share it */
};

/* Fills the temporary table with summaries whose fresh_at >= since and
 * calls cb for each (ordered by id). */
typedef int (*store_fresh_cb)(void *ctx, const struct store_fresh *f);
enum sm_status store_fresh_load(struct store *st, int64_t since,
                                store_fresh_cb cb, void *ctx);
/* Calls cb with the id of each loaded summary that term matches
 * (negation ignored). */
typedef int (*store_id_cb)(void *ctx, int64_t id);
enum sm_status store_fresh_match(struct store *st,
                                 const struct match_term *term, store_id_cb cb,
                                 void *ctx);

/* A reader due a digest, with one of their keywords. */
struct store_due {
  int64_t id;
  const char *address;
  int64_t last_digest_at; /* 0 for never */
  int weekly;             /* 1 weekly, 0 daily */
  const char *keyword;
};

/* Calls cb for each (reader, keyword) of confirmed, unpaused readers of
 * the given frequencies (weekly and/or daily) who have no digest of
 * their issue yet, ordered by reader and each reader's keywords by
 * keyword (the payload lists them in that order); `only` (not 0) limits it to
 * one reader, whether or not they have their issue (a preview).
 * `keywords_only` calls it once per distinct keyword instead (reader fields
 * zero). */
typedef int (*store_due_cb)(void *ctx, const struct store_due *d);
enum sm_status store_due(struct store *st, int weekly, int daily,
                         const char *weekly_issue, const char *daily_issue,
                         int64_t only, int keywords_only, store_due_cb cb,
                         void *ctx);

/* Whether an earlier digest to the reader had this summary. */
enum sm_status store_digest_had(struct store *st, int64_t sub, int64_t summary,
                                int *had);
/* A digest to queue. */
struct store_digest_row {
  int64_t sub;
  const char *address, *issue;
  const char *message_id; /* without angle brackets */
  const char *payload;
};
/* Queues n digests inside the caller's transaction and moves the
 * last_digest_at of each reader whose row was added; a row whose
 * Message-ID is queued already (the reader has this issue) is skipped.
 * *added counts the rows added. */
enum sm_status store_digest_queue(struct store *st,
                                  const struct store_digest_row *rows,
                                  size_t n, int64_t now, size_t *added);

/* ---- delivery: claim, send, record ------------------------------------
 * A row moves queued -> claimed (by a sender, with a lease) -> sent |
 * deferred (with a next attempt time) | failed. A claim whose lease ran
 * out is taken back by the next sender, so a killed sender loses nothing
 * and resends at most what it had in flight. */

/* A claimed row; strings owned by the array (store_claimed_free). */
struct store_claimed {
  int64_t id;
  char *kind;
  int64_t subscriber_id;
  char *recipient;
  char *issue;
  char *message_id;
  char *payload;
  int64_t created_at;
  long attempts;   /* before this one */
  int reader_gone; /* a digest or list mail to a reader who is no longer
                      confirmed or is paused: not to be sent */
};

void store_claimed_free(struct store_claimed *rows, size_t n);
/* Claims up to max rows that are due (queued, or deferred and due, or
 * claimed with a lease that ran out), in one IMMEDIATE transaction.
 * *rows is a new array of *n rows. */
enum sm_status store_outbox_claim(struct store *st, const char *owner,
                                  int64_t now, int64_t lease, size_t max,
                                  struct store_claimed **rows, size_t *n);

/* How many rows a claim at `now` could take (the send progress line's
 * total). */
enum sm_status store_outbox_due(struct store *st, int64_t now, long *n);

enum store_outcome { STORE_SENT, STORE_DEFERRED, STORE_FAILED };

/* One SMTP transaction's result for a claimed row. */
struct store_result {
  int64_t id;
  enum store_outcome outcome;
  int smtp_code;     /* 0: none (never tried, or no reply) */
  int64_t at;        /* when the server answered */
  int64_t next;      /* the next attempt, for STORE_DEFERRED */
  const char *reply; /* the reply, or why it was not tried */
};

/* Records n results of `owner`'s claims in one transaction, all or
 * none: each row's state, and a delivery line. Only the claim's owner
 * sets the state: a row another sender has taken over keeps its own; its
 * delivery line is still written, unless `replay` (the results come from a
 * journal that may have been read before, outlog.h): then only rows still
 * claimed by `owner` get a line, so a second replay adds nothing. */
enum sm_status store_outbox_record_many(struct store *st, const char *owner,
                                        const struct store_result *res,
                                        size_t n, int replay);
/* Gives claimed rows back (a sender that stops early). */
enum sm_status store_outbox_release(struct store *st, const char *owner);
/* The same, but for the rows in keep[0..n-1] (n <= STORE_KEEP_MAX),
 * which stay claimed. */
#define STORE_KEEP_MAX 8
enum sm_status store_outbox_release_except(struct store *st, const char *owner,
                                           size_t n, const int64_t *keep);
/* Extends the lease of every row `owner` holds to now + lease: a sender
 * renews as its batch progresses, so that no other sender takes back a
 * batch that outlives one lease. */
enum sm_status store_outbox_renew(struct store *st, const char *owner,
                                  int64_t now, int64_t lease);
/* *ours = 1 if row `id` is still claimed by `owner` (another sender may
 * have taken it back when the lease ran out), and *gone = 1 if its
 * reader is no longer one to send it to (left, or paused: the test of
 * the claim, STORE_READER_GONE_SQL). One statement: it runs before each
 * message's data. */
enum sm_status store_outbox_ours(struct store *st, int64_t id,
                                 const char *owner, int *ours, int *gone);

/* The failure brake's state, kept across runs (see deliver.h). *since 0
 * when send is not paused; otherwise *reason is new (caller frees). */
enum sm_status store_send_pause_get(struct store *st, int64_t *since,
                                    char **reason);
/* Pauses send from `now` (the first reason stays when already paused). */
enum sm_status store_send_pause_set(struct store *st, int64_t now,
                                    const char *reason);
/* Lifts the pause; *was = 1 if there was one. */
enum sm_status store_send_pause_clear(struct store *st, int *was);

/* For `shortmail queue`: rows by state ("" for all but sent). */
struct store_queue_row {
  int64_t id;
  const char *kind, *recipient, *state, *message_id, *last_error;
  long attempts;
  int64_t created_at, next_attempt_at, sent_at;
};
typedef int (*store_queue_cb)(void *ctx, const struct store_queue_row *r);
enum sm_status store_queue_list(struct store *st, const char *state,
                                size_t limit, store_queue_cb cb, void *ctx);
/* retry: a deferred or failed row becomes due now; drop: deletes it.
 * SM_ERR_NOTFOUND when no such row (or it is being sent). */
enum sm_status store_queue_retry(struct store *st, int64_t id, int64_t now);
enum sm_status store_queue_drop(struct store *st, int64_t id);
/* Counts of rows by state: queued, claimed, sent, deferred, failed. */
enum sm_status store_queue_counts(struct store *st, long counts[5]);

/* Rows of kind "reply" or "confirm" queued since a time to the mailbox
 * of recipient (address_mailbox_key: ada+x@Example.org and ADA@example.org
 * are one mailbox): for the rate limits, which sub-addresses and case
 * must not multiply. Walks the index outbox_mailbox (INDEXED BY: the
 * statement fails to prepare without it), so it costs the same however
 * long the outbox's history. */
enum sm_status store_outbox_count(struct store *st, const char *recipient,
                                  const char *kind, int64_t since,
                                  long *count);

/* ---- readers for operators (shortmail sub, src/cmd_sub.c) ---------- */

/* Every reader, by address, each with their keywords in the order added
 * (as store_interests), in one query; only those of `status` (a status
 * name) and only those following `keyword` (case-insensitive), where
 * either is not NULL. The reader and the keywords are owned by the store
 * during the call; cb returns nonzero to stop. */
typedef int (*store_sub_kw_cb)(void *ctx, const struct store_subscriber *s,
                               char *const *kw, size_t nkw);
enum sm_status store_sub_list_keywords(struct store *st, const char *status,
                                       const char *keyword, store_sub_kw_cb cb,
                                       void *ctx);

/* Adds a reader with the given address, status, frequency (NULL for
 * weekly), paused, created_at (0 for now) and confirmed_at (0 for none),
 * as an import carries them; changed_at is now. s->id is not read. */
enum sm_status store_sub_insert(struct store *st,
                                const struct store_subscriber *s, int64_t now,
                                int64_t *id);

/* ---- end of readers for operators --------------------------------- */

/* ---- bounces and forgotten readers (src/store_bounce.c) ----------- */

/* Whether outbox row `id` was sent to reader `sub`: *recipient is a new
 * string (the row's recipient, the caller frees) when it was, else NULL.
 * A VERP bounce counts only for a message we really sent that reader. */
enum sm_status store_bounce_sent_to(struct store *st, int64_t id, int64_t sub,
                                    char **recipient);
/* The message we sent with Message-ID `message_id` (without brackets),
 * as a returned copy names it: *id, *sub and *recipient (a new string,
 * the caller frees) of the one sent outbox row with that Message-ID;
 * *id 0 and *recipient NULL when there is none, or when several readers
 * got it (every follower's copy of a comment has the comment's
 * Message-ID) and `address` (may be NULL) does not tell which. */
enum sm_status store_bounce_sent_as(struct store *st, const char *message_id,
                                    const char *address, int64_t *id,
                                    int64_t *sub, char **recipient);
/* The last outbox row sent to reader `sub` at `address` (compared
 * without case): *id 0 when we never mailed that address. */
enum sm_status store_bounce_last_sent(struct store *st, int64_t sub,
                                      const char *address, int64_t *id);

/* A reader's bounce score (see bouncer.h). known 0: no row yet. */
struct store_bounce_score {
  int known;
  double score;
  int64_t last_bounce_at; /* the last counted bounce */
  char last_kind[16];     /* "permanent" or "temporary" */
  int64_t disabled_at;    /* 0: the score never disabled them */
};
enum sm_status store_bounce_score_get(struct store *st, int64_t sub,
                                      struct store_bounce_score *out);
enum sm_status store_bounce_score_set(struct store *st, int64_t sub,
                                      const struct store_bounce_score *s);

/* One bounce event; strings borrowed. status and diagnostic may be NULL
 * or "" (stored as NULL); outbox_id 0 for none. */
struct store_bounce_event {
  int64_t subscriber_id;
  const char *address;
  const char *kind;   /* "permanent", "temporary" */
  const char *status; /* "5.1.1", "550" */
  const char *diagnostic;
  const char *source; /* "verp", "parsed", "smtp" */
  int64_t outbox_id;
  int64_t received_at;
  double counted; /* what it added to the score */
  double score;   /* the score after it */
};
enum sm_status store_bounce_add(struct store *st,
                                const struct store_bounce_event *e);

/* An event with its reader, for `shortmail bounces`. Strings owned by
 * the store during the callback. */
struct store_bounce_row {
  struct store_bounce_event e;
  const char *reader_address;
  const char *reader_status;
  struct store_bounce_score score; /* as stored (not decayed) */
};
typedef int (*store_bounce_cb)(void *ctx, const struct store_bounce_row *r);
/* Every event, oldest first, or only those of the reader at `address`
 * (NULL for all; compared without case). */
enum sm_status store_bounce_list(struct store *st, const char *address,
                                 store_bounce_cb cb, void *ctx);

/* Forgotten readers, by the hex SHA-256 of the lower-cased address. */
enum sm_status store_forgotten(struct store *st, const char *hash,
                               int *forgotten);
enum sm_status store_forgotten_del(struct store *st, const char *hash);

/* What store_forget erased. */
struct store_forget_counts {
  long readers, outbox, bounces, received;
  int checkpointed; /* the WAL was checkpointed and truncated */
};
/* Erases the reader at `address` (if any) with their interests, tokens,
 * bounces, score, follows, the outbox rows and received mail that name
 * them, and records `hash` as forgotten: in its own write transaction,
 * with secure_delete on so the freed pages are zeroed, then a TRUNCATE
 * checkpoint so the WAL keeps no copy. Not inside another transaction. */
enum sm_status store_forget(struct store *st, const char *address,
                            const char *hash, int64_t now,
                            struct store_forget_counts *n);

/* ---- end of bounces ------------------------------------------------ */

/* ---- comments and discussion threads (src/store_comment.c) -------- */

/* A comment received by mail, as receive stores it. The strings and raw
 * are the caller's. */
struct store_comment {
  int64_t summary_id;
  int64_t subscriber_id;  /* its author */
  const char *message_id; /* of the mail, or a hash key when it had none */
  const char *body;       /* plain text, never interpreted */
  int64_t created_at;
  const char *post_state; /* "pending" (to post and send on) or "held" */
  const void *raw;        /* the mail as received, for audit */
  size_t rawlen;
};

/* Stores a comment. A redelivery (a comment with the same message_id
 * stored already) adds nothing: *added 0 and *id that comment's id. */
enum sm_status store_comment_add(struct store *st,
                                 const struct store_comment *c, int64_t *id,
                                 int *added);

/* A notice of `kind` to `address` about a comment (a refusal, a
 * command's confirmation): *allowed is 1, and the notice recorded at
 * `now`, unless one of that kind went to that address (compared without
 * case) at or after `since`. */
enum sm_status store_comment_notice(struct store *st, const char *address,
                                    const char *kind, int64_t now,
                                    int64_t since, int *allowed);

/* A digest as queued: who it went to, when, and its payload. */
struct store_digest_sent {
  int64_t subscriber_id;
  int64_t created_at;
  char *payload; /* JSON; owned, free with store_digest_sent_free */
};

void store_digest_sent_free(struct store_digest_sent *d);
/* The digest (outbox kind "digest") with this Message-ID (bare, no
 * angle brackets) sent to `recipient` (compared without case), or
 * SM_ERR_NOTFOUND. */
enum sm_status store_digest_find(struct store *st, const char *message_id,
                                 const char *recipient,
                                 struct store_digest_sent *out);

/* The title of a summary's paper and the summary's link on the site,
 * new strings the caller frees; SM_ERR_NOTFOUND when there is no such
 * summary. link may be NULL. */
enum sm_status store_summary_title(struct store *st, int64_t summary,
                                   char **title, char **link);

/* ---- end of comments ----------------------------------------------- */

/* ---- followers of discussion threads (src/store_thread.c) ---------- */

/* Makes reader `sub` follow the discussion of `summary` from `now` on
 * (follow = 1), or leave it (0). *changed (may be NULL) is 1 when that
 * was news: a reader who follows already keeps their first `since`. */
enum sm_status store_follow_set(struct store *st, int64_t sub, int64_t summary,
                                int follow, int64_t now, int *changed);

/* A comment with what its discussion message needs. Strings and raw are
 * owned by the struct: free with store_thread_comment_free. */
struct store_thread_comment {
  int64_t id;
  int64_t summary_id;
  int64_t subscriber_id; /* the author, 0 when the reader is gone */
  int64_t created_at;
  int64_t prev_id; /* the comment on the same summary just before this
                      one (by id), 0 for the first */
  char *body;      /* the comment as text */
  char *title;     /* the paper's */
  char *link;      /* the summary's page */
  char *raw;       /* the message it came in (not NUL-terminated), or NULL */
  size_t rawlen;
};

/* SM_ERR_NOTFOUND when there is no such comment. */
enum sm_status store_thread_comment(struct store *st, int64_t comment,
                                    struct store_thread_comment *out);
void store_thread_comment_free(struct store_thread_comment *c);

/* Calls cb, ordered by reader id, for each confirmed reader who follows
 * the discussion of `summary` since `until` or earlier, but not for
 * `except` (the author; 0 for none). The address is owned by the store
 * during the call; cb returns nonzero to stop. */
typedef int (*store_follower_cb)(void *ctx, int64_t sub, const char *address);
enum sm_status store_followers(struct store *st, int64_t summary,
                               int64_t except, int64_t until,
                               store_follower_cb cb, void *ctx);

/* ---- end of followers ---------------------------------------------- */

/* ---- posting comments to the site (src/store_post.c) -------------- *
 * A pending comment is claimed by one `shortmail post` run at a time
 * (a lease, taken in an IMMEDIATE transaction: a run that died is taken
 * over when it runs out), posted with no transaction open, and its
 * result recorded in its own small transaction: posted, pending again
 * with a next attempt time, or failed. Held comments are never claimed. */

/* A comment claimed for posting. Strings owned; store_post_free. */
struct store_post {
  int64_t id;
  char *summary_ref;  /* the site's id of the summary: the feed's guid,
                         else its link */
  char *summary_link; /* the summary's page */
  char *bibtex_key;   /* its paper's BibTeX key, or NULL */
  char *author;       /* the reader's address; NULL if they were removed */
  char *message_id;   /* as stored */
  char *body;         /* plain text */
  int64_t created_at;
  long attempts; /* before this one */
};
void store_post_free(struct store_post *p);

/* Claims the oldest due comment (pending, next_post_at <= now, no live
 * claim) for owner until now + lease. SM_ERR_NOTFOUND when none is due. */
enum sm_status store_post_claim(struct store *st, const char *owner,
                                int64_t now, int64_t lease,
                                struct store_post *out);

enum store_post_outcome {
  STORE_POST_POSTED,  /* the site took it: posted, posted_at = now */
  STORE_POST_PENDING, /* transient: pending, not before `next` */
  STORE_POST_FAILED   /* the site refused it: failed until an operator
                         retries */
};
/* Records one attempt for a comment owner claimed: attempts + 1, the
 * outcome, `error` as last_error (NULL clears it), the claim dropped.
 * SM_ERR_NOTFOUND when owner no longer holds the claim (its lease ran out
 * and another run took the comment over). */
enum sm_status store_post_record(struct store *st, int64_t id,
                                 const char *owner, enum store_post_outcome o,
                                 const char *error, int64_t now, int64_t next);
/* Gives back a claim without an attempt (a run that stops early). */
enum sm_status store_post_unclaim(struct store *st, int64_t id,
                                  const char *owner);

/* Operator actions: a comment in state `from` ("held": release, or
 * "failed": retry) becomes pending and due now. SM_ERR_NOTFOUND when
 * there is no such comment in that state. */
enum sm_status store_post_requeue(struct store *st, int64_t id,
                                  const char *from);

/* For `shortmail comments`. Members owned by the store during the call. */
struct store_post_row {
  int64_t id;
  int64_t summary_id;
  const char *summary_ref; /* guid, else link */
  const char *title;       /* the paper's */
  const char *author;      /* NULL if the reader was removed */
  const char *message_id, *body, *state, *last_error;
  long attempts;
  int64_t created_at, posted_at, next_post_at; /* 0 for none */
};
typedef int (*store_post_row_cb)(void *ctx, const struct store_post_row *r);
/* Comments in order of id, all of them or those of one summary: `summary`
 * is its store id, guid or link (NULL for all). */
enum sm_status store_post_list(struct store *st, const char *summary,
                               store_post_row_cb cb, void *ctx);
/* Pending comments left: all of them, and those due at `now`. */
enum sm_status store_post_pending(struct store *st, int64_t now, long *pending,
                                  long *due);

/* ---- end of posting ------------------------------------------------ */

/* `shortmail stats`: calls cb once per figure, in sections (readers,
 * frequency, keywords, summaries, sent, queue, bounces, comments), over
 * the `weeks` weeks before `now`; `sub` is the second key where a figure
 * has one (the kind of mail sent in a week), else NULL. Each section
 * starts with a call whose key is NULL. A non-zero return from cb stops
 * the section. */
enum sm_status store_stats(struct store *st, int64_t now, int weeks,
                           int (*cb)(void *ctx, const char *section,
                                     const char *key, const char *sub,
                                     int64_t n),
                           void *ctx);

#endif
