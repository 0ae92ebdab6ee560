/* thread.h: the discussion list of each summary. Whoever comments on a
 * summary follows its thread from then on; readers follow or leave with
 * "follow" / "unfollow" (by mail, or the link in each message). Each new
 * comment goes to every follower but its author, as a message that mail
 * clients thread (stable Message-ID per comment, In-Reply-To and
 * References to the one before, "Re: <paper title>", a List-Id per
 * thread, the follower's own LIST+c-TOKEN@ as Reply-To).
 *
 * Every function runs inside the caller's write transaction and only
 * queues outbox rows (kind "comment"); compose turns them into bytes at
 * send time. */
#ifndef SM_THREAD_H
#define SM_THREAD_H

#include <stdint.h>

#include "conf.h"
#include "env.h"
#include "status.h"
#include "store.h"
#include "token.h"

/* Makes reader `sub` follow (follow = 1) or leave (0) the thread of
 * `summary`. *changed (may be NULL) is 1 when that was news. */
enum sm_status thread_follow(const struct env *env, int64_t sub,
                             int64_t summary, int follow, int *changed);

/* A comment just stored (its row id): its author follows the thread,
 * and every other confirmed follower gets the comment. Idempotent: a
 * second call for the same comment queues nothing. *queued (may be
 * NULL) is the number of messages queued. */
enum sm_status thread_comment_added(const struct env *env, int64_t comment,
                                    long *queued);

#endif
