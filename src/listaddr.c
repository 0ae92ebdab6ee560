/* listaddr.c: the list's addresses and their tokens (see listaddr.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "listaddr.h"

/* The kinds by their spelling after LIST; tokens follow "+TAG-". */
static const struct {
  enum listaddr_kind kind;
  const char *name;   /* for logs */
  const char *suffix; /* after LIST, before the token or '@' */
  int purpose;        /* the token's, -1 when there is none */
} kinds[] = {
    {LISTADDR_NONE, "none", NULL, -1},
    {LISTADDR_LIST, "list", "", -1},
    {LISTADDR_REQUEST, "request", "-request", -1},
    {LISTADDR_BOUNCES, "bounces", "-bounces", -1},
    {LISTADDR_CONFIRM, "confirm", "+confirm-", TOKEN_CONFIRM},
    {LISTADDR_COMMENT, "comment", "+c-", TOKEN_COMMENT},
    {LISTADDR_BOUNCE, "bounce", "+bounce-", TOKEN_BOUNCE},
    {LISTADDR_UNSUB, "unsub", "+unsub-", TOKEN_UNSUBSCRIBE},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

int64_t
listaddr_ttl(enum token_purpose p)
{
  switch (p) {
  case TOKEN_CONFIRM:
    return LISTADDR_CONFIRM_TTL;
  case TOKEN_COMMENT:
    return LISTADDR_COMMENT_TTL;
  case TOKEN_BOUNCE:
    return LISTADDR_BOUNCE_TTL;
  case TOKEN_UNSUBSCRIBE:
  case TOKEN_KEYWORDS:
  case TOKEN_PURPOSE_LAST:
    break;
  }
  return LISTADDR_UNSUB_TTL;
}

enum sm_status
listaddr_token(const struct token_secret *secret, enum token_purpose p,
               int64_t subscriber, int64_t object, int64_t from,
               char out[TOKEN_MAX_LEN + 1], int64_t *expires)
{
  int64_t exp = from + listaddr_ttl(p);
  char *t = NULL;
  enum sm_status rc = token_make(secret, p, subscriber, object, exp, &t);

  if (rc == SM_OK) {
    snprintf(out, TOKEN_MAX_LEN + 1, "%s", t);
    if (expires)
      *expires = exp;
  }
  free(t);
  return rc;
}

int
listaddr_purpose(enum listaddr_kind k)
{
  return (unsigned)k < NKINDS ? kinds[k].purpose : -1;
}

enum sm_status
listaddr_make(const struct conf *c, enum listaddr_kind kind, const char *token,
              char *out, size_t outlen)
{
  int n;

  if ((unsigned)kind >= NKINDS || kind == LISTADDR_NONE ||
      (kinds[kind].purpose >= 0) != (token != NULL))
    return SM_ERR_DATA;
  n = snprintf(out, outlen, "%s%s%s@%s", c->list.local, kinds[kind].suffix,
               token ? token : "", c->list.domain);
  return n < 0 || (size_t)n >= outlen ? SM_ERR_LIMIT : SM_OK;
}

enum sm_status
listaddr_mint(const struct conf *c, const struct token_secret *secret,
              enum listaddr_kind kind, int64_t subscriber, int64_t object,
              int64_t from, char *out, size_t outlen)
{
  char tok[TOKEN_MAX_LEN + 1];
  int p = listaddr_purpose(kind);
  enum sm_status rc;

  if (p < 0)
    return SM_ERR_DATA;
  rc = listaddr_token(secret, (enum token_purpose)p, subscriber, object, from,
                      tok, NULL);
  return rc == SM_OK ? listaddr_make(c, kind, tok, out, outlen) : rc;
}

enum listaddr_kind
listaddr_parse(const char *address, const char *local, const char *domain,
               const char **token, size_t *tokenlen)
{
  const char *at, *lp = address;
  size_t llen, n = strlen(local);

  *token = NULL;
  *tokenlen = 0;
  if (!address)
    return LISTADDR_NONE;
  at = strrchr(address, '@');
  if (!at || strcasecmp(at + 1, domain))
    return LISTADDR_NONE;
  llen = (size_t)(at - lp);
  if (llen < n || strncasecmp(lp, local, n))
    return LISTADDR_NONE;
  lp += n;
  llen -= n;
  for (size_t i = 1; i < NKINDS; i++) {
    size_t sl = strlen(kinds[i].suffix);
    if (kinds[i].purpose < 0) {
      if (llen == sl && !strncasecmp(lp, kinds[i].suffix, sl))
        return kinds[i].kind;
    } else if (llen > sl && !strncasecmp(lp, kinds[i].suffix, sl)) {
      *token = lp + sl;
      *tokenlen = llen - sl;
      return kinds[i].kind;
    }
  }
  return LISTADDR_NONE;
}

const char *
listaddr_kind_name(enum listaddr_kind k)
{
  return (unsigned)k < NKINDS ? kinds[k].name : "?";
}
