/* receive_bounce.c: bounces and unsubscribes by mail. */
#include "config.h"

#include "receive_int.h"

enum sm_status
receive_bounce(const struct receive_env *env, const struct inbound_msg *m,
               enum inbound_route route, const char *token, size_t tokenlen,
               const char *key, struct receive_result *res)
{
  (void)env, (void)m, (void)route, (void)token, (void)tokenlen, (void)key;
  receive_set_outcome(res, "quarantined", "bounces are not handled yet");
  return SM_OK;
}

enum sm_status
receive_unsub(const struct receive_env *env, const struct inbound_msg *m,
              const char *token, size_t tokenlen, const char *key,
              struct receive_result *res)
{
  (void)env, (void)m, (void)token, (void)tokenlen, (void)key;
  receive_set_outcome(res, "quarantined", "unsubscribes are not handled yet");
  return SM_OK;
}
