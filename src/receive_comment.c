/* receive_comment.c: a reader's reply to a summary, into a comment. */
#include "config.h"

#include "receive_int.h"

enum sm_status
receive_comment(const struct receive_env *env, const struct inbound_msg *m,
                const char *token, size_t tokenlen, const char *key,
                const char *raw, size_t len, struct receive_result *res)
{
  (void)env, (void)m, (void)token, (void)tokenlen, (void)key, (void)raw,
      (void)len;
  receive_set_outcome(res, "quarantined", "comments are not handled yet");
  return SM_OK;
}

enum sm_status
receive_list_reply(const struct receive_env *env, const struct inbound_msg *m,
                   const char *key, const char *raw, size_t len,
                   struct receive_result *res)
{
  (void)env, (void)m, (void)key, (void)raw, (void)len;
  receive_set_outcome(res, "quarantined",
                      "replies to digests are not "
                      "handled yet");
  return SM_OK;
}
