/* inbound_route.c: classifying recipient addresses. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "inbound_route.h"

static const struct {
  const char *tag; /* after "LIST+" and before "-TOKEN" */
  enum inbound_route route;
} token_routes[] = {{"confirm", ROUTE_CONFIRM},
                    {"c", ROUTE_COMMENT},
                    {"bounce", ROUTE_BOUNCE},
                    {"unsub", ROUTE_UNSUB}};

enum inbound_route
inbound_route(const char *address, const char *local, const char *domain,
              const char **token, size_t *tokenlen)
{
  const char *at, *lp = address;
  size_t llen, n = strlen(local);

  *token = NULL;
  *tokenlen = 0;
  if (!address)
    return ROUTE_NONE;
  at = strrchr(address, '@');
  if (!at || strcasecmp(at + 1, domain))
    return ROUTE_NONE;
  llen = (size_t)(at - lp);
  if (llen < n || strncasecmp(lp, local, n))
    return ROUTE_NONE;
  lp += n;
  llen -= n;
  if (llen == 0)
    return ROUTE_LIST;
  if (llen == 8 && !strncasecmp(lp, "-request", 8))
    return ROUTE_REQUEST;
  if (llen == 8 && !strncasecmp(lp, "-bounces", 8))
    return ROUTE_BOUNCES;
  if (*lp != '+')
    return ROUTE_NONE;
  lp++;
  llen--;
  for (size_t i = 0; i < sizeof(token_routes) / sizeof(token_routes[0]); i++) {
    size_t tl = strlen(token_routes[i].tag);
    if (llen > tl + 1 && !strncasecmp(lp, token_routes[i].tag, tl) &&
        lp[tl] == '-') {
      *token = lp + tl + 1;
      *tokenlen = llen - tl - 1;
      return token_routes[i].route;
    }
  }
  return ROUTE_NONE;
}

const char *
inbound_route_name(enum inbound_route r)
{
  static const char *const names[] = {"none",    "list",    "request",
                                      "bounces", "confirm", "comment",
                                      "bounce",  "unsub"};

  return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}
