/* inbound_route.h: which of the list's addresses a message was sent to.
 *
 *   LIST-request@DOMAIN          commands
 *   LIST-bounces@DOMAIN          bounces without a usable VERP address
 *   LIST+confirm-TOKEN@DOMAIN    confirming a subscription
 *   LIST+c-TOKEN@DOMAIN          a reply to a summary (a comment)
 *   LIST+bounce-TOKEN@DOMAIN     a VERP bounce
 *   LIST+unsub-TOKEN@DOMAIN      List-Unsubscribe by mail
 *   LIST@DOMAIN                  the list itself (nobody posts to it)
 *
 * The local part's fixed words compare without case; the token is
 * returned as written (tokens decode without case). */
#ifndef SM_INBOUND_ROUTE_H
#define SM_INBOUND_ROUTE_H

#include <stddef.h>

enum inbound_route {
  ROUTE_NONE, /* not one of ours */
  ROUTE_LIST,
  ROUTE_REQUEST,
  ROUTE_BOUNCES,
  ROUTE_CONFIRM,
  ROUTE_COMMENT,
  ROUTE_BOUNCE,
  ROUTE_UNSUB
};

/* Classifies `address` against the list LOCAL@DOMAIN. For the token
 * routes, token/tokenlen point into address. */
enum inbound_route inbound_route(const char *address, const char *local,
                                 const char *domain, const char **token,
                                 size_t *tokenlen);

/* A short name for logs: "request", "confirm", ... */
const char *inbound_route_name(enum inbound_route r);

#endif
