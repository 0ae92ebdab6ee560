/* outlog.h: the journal of SMTP outcomes a sender has not yet written to
 * the store.
 *
 * A message the relay has accepted must never be lost from the record,
 * or the next run sends it again. Writing each outcome to SQLite in its
 * own transaction kept that promise at the price of six or so WAL pages
 * per message, most of the sender's time between two messages. Instead,
 * each outcome is appended as one line to a small file of the sender's
 * own (one write(2), no fsync: a commit in WAL mode with synchronous =
 * NORMAL is no more durable than that either), and the send loop writes
 * the lines it holds to the store in one transaction per batch, then
 * empties the file.
 *
 * The file sits beside the store, as STORE-outcomes.PID, and its sender
 * holds an exclusive flock(2) on it while it lives (from the moment it
 * writes the header: an empty journal is left alone unless it is old). A
 * sender that dies (SIGKILL, a crash, a lost store) leaves its file unlocked:
 * the next sender, before it claims anything, writes those outcomes to the
 * store (outlog_recover), gives the dead sender's other claims back to the
 * queue and removes the file. The rows stay claimed by the dead sender
 * until then, so nobody sends them again.
 *
 * A journal is text: a first line "shortmail outcomes 1 OWNER", then a
 * line per outcome, "ID OUTCOME CODE AT NEXT REPLY", with OUTCOME one of
 * s (sent), d (deferred), f (failed). A last line without its newline
 * was cut by the death of its writer: it is ignored, and that message is
 * sent again (at most one per dead sender, as before). */
#ifndef SM_OUTLOG_H
#define SM_OUTLOG_H

#include <stddef.h>

#include "status.h"
#include "store.h"

struct outlog;

/* Creates and locks this process's journal beside the store file at
 * store_path, for claims held by `owner`; call outlog_recover first (a
 * dead sender's journal under the same name is never overwritten). On
 * error `err` names the file and says why. */
enum sm_status outlog_open(const char *store_path, const char *owner,
                           struct outlog **out, char *err, size_t errlen);
/* Appends one outcome (one write) and keeps it for outlog_results. After
 * a failed append the journal takes no more. */
enum sm_status outlog_add(struct outlog *lg, const struct store_result *r,
                          char *err, size_t errlen);
/* The outcomes appended since the last outlog_clear, in order. */
const struct store_result *outlog_results(const struct outlog *lg, size_t *n);
/* Empties the journal: its outcomes are in the store. */
enum sm_status outlog_clear(struct outlog *lg, char *err, size_t errlen);
/* Closes the journal, and removes it when empty. One that still holds
 * outcomes stays for the next sender's outlog_recover. */
void outlog_close(struct outlog *lg);

/* Called with a dead sender's outcomes (n may be 0); SM_OK once they
 * are in the store (store_outbox_record_many with replay set) and its
 * other claims are given back. */
typedef enum sm_status (*outlog_fold_fn)(void *ctx, const char *owner,
                                         const struct store_result *res,
                                         size_t n);
/* Finds the journals beside store_path whose senders died, hands each
 * one's outcomes to fold, and removes the journal when fold succeeds.
 * Journals of live senders (locked) are left alone. *recovered counts
 * the outcomes folded. A journal that cannot be read or folded is an
 * error naming it; it stays for a later try. */
enum sm_status outlog_recover(const char *store_path, outlog_fold_fn fold,
                              void *ctx, size_t *recovered, char *err,
                              size_t errlen);

/* Reads a journal's text (text[len] must be '\0'; the text is cut into
 * strings in place): its owner, and its outcomes in a new array whose
 * replies point into text. Lines that do not parse are skipped and
 * counted in *bad (the cut last line is not counted). SM_ERR_DATA when
 * the first line is no journal header. */
enum sm_status outlog_parse(char *text, size_t len, const char **owner,
                            struct store_result **res, size_t *n, size_t *bad);

#endif
