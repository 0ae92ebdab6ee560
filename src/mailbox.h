/* mailbox.h: inbound mail without MTA access (`shortmail fetch`): one
 * pass over an IMAP mailbox ([imap] in the configuration) that gives
 * each message the same treatment as `shortmail receive`, with the same
 * guarantees: exactly one effect per message, nothing lost, automatic
 * mail never answered.
 *
 * The mailbox is the queue: every message in it that is not \Deleted is
 * still to do, oldest UID first; once its effect is committed it leaves
 * for the [imap] done folder (quarantined mail and mail over [imap]
 * max_size for [imap] rejected; the folder name "-" deletes instead).
 * \Seen is no mark of progress: libcurl's FETCH of a message sets it
 * before the effect is committed. The UIDVALIDITY and UID of each
 * message are recorded in the store in the transaction of its effect, so
 * one that was applied but not yet moved when the process died is moved
 * on the next pass, never applied again; a UIDVALIDITY change leaves the
 * Message-ID check of receive as the guard. */
#ifndef SM_MAILBOX_H
#define SM_MAILBOX_H

#include <stddef.h>

#include "conf.h"
#include "env.h"
#include "status.h"

/* The [imap] done or rejected "folder" that deletes instead of moving. */
#define MAILBOX_DELETE "-"

/* The most recipient headers [imap] recipient_header may name. */
#define MAILBOX_MAX_HEADERS 8

struct mailbox_stats {
  long listed;   /* messages looked at */
  long applied;  /* taken through receive: effect committed */
  long rejected; /* of those, or over max_size: to the rejected folder */
  long again;    /* taken on an earlier pass, only moved now */
};

/* Checks the [imap] keys that fetch needs, and that make sense
 * together: SM_ERR_CONFIG with a message in err. */
enum sm_status mailbox_check(const struct conf *c, char *err, size_t errlen);

/* One pass: at most [imap] max_messages messages, each through
 * receive_one with env (whose now is renewed for each message).
 * SM_OK when every message looked at was dealt with; otherwise the
 * first failure, after which the pass stops and the message it was on
 * stays in the mailbox for the next: SM_ERR_AUTH (wrong password),
 * SM_ERR_CONFIG, SM_ERR_TEMP (the store, or the server going away),
 * SM_ERR_PROTOCOL (the server refused a command). Logs every message
 * and every failure. */
enum sm_status mailbox_run(const struct env *env, struct mailbox_stats *stats);

#endif
