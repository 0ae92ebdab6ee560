/* inbound.h: reading one received message (GMime): the headers that
 * routing, loop prevention and threading need, and the body as UTF-8
 * text. The only module that includes GMime headers. */
#ifndef SM_INBOUND_H
#define SM_INBOUND_H

#include <stddef.h>

#include "status.h"

/* Every string is UTF-8, owned by the struct, NULL when absent. */
struct inbound_msg {
  char *message_id;  /* without the angle brackets */
  char *from_addr;   /* the first From mailbox */
  char *from_name;   /* its display name, decoded */
  char *subject;     /* decoded (RFC 2047), unfolded */
  char *in_reply_to; /* raw header values */
  char *references;
  char *precedence; /* loop-prevention header, raw */
  /* The header that marks the message as automatic mail (see
   * inbound.c: Auto-Submitted other than "no", X-Autoreply, ...), static,
   * or NULL. */
  const char *automatic;
  char *list_id;
  char *return_path; /* envelope fallbacks when the MTA gave none */
  char *delivered_to;
  char *x_original_to;
  char *text; /* the first text/plain part, else (or when that is
                 blank) the first text/html part as text; "" when
                 neither */
  int text_from_html;
  int has_dsn;             /* a multipart/report with a delivery-status part */
  char *dsn;               /* that part's content (RFC 3464 fields), or NULL */
  char *failed_recipients; /* X-Failed-Recipients (Exim, Gmail), raw */
  /* The header block of the message a bounce returns: the first
   * message/rfc822 part's headers, or a text/rfc822-headers part. */
  char *returned;
  /* The Authentication-Results header values (RFC 8601) above the first
   * Received field (the ones our MTA added), unfolded, top first: at most
   * INBOUND_MAX_AUTH_RESULTS, the lower ones dropped. */
  char **auth_results;
  size_t n_auth_results;
};

#define INBOUND_MAX_AUTH_RESULTS 32

/* Process-wide GMime setup; call once. */
void inbound_global_init(void);

/* Parses raw (len bytes, need not be NUL-terminated). Anything a parser
 * can make sense of is accepted; SM_ERR_DATA only when there is no
 * message at all (no header). */
enum sm_status inbound_parse(const char *raw, size_t len,
                             struct inbound_msg *out, char *err,
                             size_t errlen);
void inbound_msg_free(struct inbound_msg *m);

/* The bare address of an addr-spec or "Name <addr>" value, its domain
 * lower-cased (address_fold_domain); NULL when there is no address in it.
 * Not checked against the grammar: whether we can send to it is
 * address_sendable()'s verdict. Caller frees. */
char *inbound_normalize_address(const char *value);

/* Looks at every address of every `name` header of raw (its header
 * only), top to bottom, and returns the first, normalised as by
 * inbound_normalize_address, for which accept(address, ctx) is non-zero;
 * NULL when none is (or no memory). Caller frees. */
char *inbound_find_address(const char *raw, size_t len, const char *name,
                           int (*accept)(const char *address, void *ctx),
                           void *ctx);

#endif
