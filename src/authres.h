/* authres.h: Authentication-Results header fields (RFC 8601), read for
 * one verdict: did our own MTA find that the From domain passed or
 * failed DMARC. Anyone can write such a field into a message, so only
 * the ones our MTA added count: those whose authserv-id is ours, at the
 * top of the header (an MTA adds its field above what it received), up
 * to the first one that is not ours. The caller hands over only the
 * fields above the first Received field (inbound.h: the ones below it
 * came with the message, RFC 8601 section 5). Pure: text in, verdict
 * out; no allocation. */
#ifndef SM_AUTHRES_H
#define SM_AUTHRES_H

#include <stddef.h>

#include "status.h"

/* Results kept per field; later ones are counted in `dropped`. */
#define AUTHRES_MAX_RESULTS 32
/* Longest field authres_parse reads (RFC 5322 allows 998 per line;
 * folded fields of several lines are still far below this). */
#define AUTHRES_MAX_FIELD (64 * 1024)

struct authres_result {
  char method[64];       /* lower case: "dmarc", "spf", "dkim", ... */
  char result[32];       /* lower case: "pass", "fail", "none", ... */
  char header_from[256]; /* the header.from property, or "" */
};

/* One field. no_result is set for "authserv-id; none". */
struct authres {
  char authserv_id[256];
  int no_result;
  size_t n;       /* results in r */
  size_t dropped; /* past AUTHRES_MAX_RESULTS */
  struct authres_result r[AUTHRES_MAX_RESULTS];
};

/* Parses one field's value (len bytes, after "Authentication-Results:",
 * folded or not) into *out. Comments are skipped, keywords folded to
 * lower case. SM_ERR_DATA when it does not follow the grammar,
 * SM_ERR_LIMIT when a part is longer than its slot in struct authres or
 * the field longer than AUTHRES_MAX_FIELD: such a field is never
 * believed. */
enum sm_status authres_parse(const char *value, size_t len,
                             struct authres *out);

enum authres_verdict {
  AUTHRES_NONE, /* nothing believed said pass or fail */
  AUTHRES_PASS,
  AUTHRES_FAIL
};

/* The DMARC verdict of fields[0..n-1] (NUL-terminated values, top of the
 * header first) for mail whose From domain is from_domain (may be NULL):
 * only the fields from the top down to the first whose authserv-id is
 * not authserv_id (compared without case) or that does not parse are
 * believed; a dmarc result whose header.from names another domain is
 * not about this mail. Any believed fail wins over a pass. authserv_id
 * NULL or "" believes nothing. *believed (may be NULL) is the number of
 * fields believed. */
enum authres_verdict authres_dmarc(const char *const *fields, size_t n,
                                   const char *authserv_id,
                                   const char *from_domain, size_t *believed);

/* "none", "pass", "fail": static. */
const char *authres_verdict_str(enum authres_verdict v);

#endif
