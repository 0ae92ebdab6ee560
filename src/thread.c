/* thread.c: the discussion list of each summary; see thread.h. */
#include "config.h"

#include "thread.h"

enum sm_status
thread_follow(const struct thread_env *env, int64_t sub, int64_t summary,
              int follow, int *changed)
{
  (void)env, (void)sub, (void)summary, (void)follow;
  if (changed)
    *changed = 0;
  return SM_OK;
}

enum sm_status
thread_comment_added(const struct thread_env *env, int64_t comment,
                     long *queued)
{
  (void)env, (void)comment;
  if (queued)
    *queued = 0;
  return SM_OK;
}
