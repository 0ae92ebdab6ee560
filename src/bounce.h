/* bounce.h: the failed recipients of a bounce that reached LIST-bounces@
 * without a usable VERP address (a lost return path, an old MTA).
 *
 * Pure C, no GMime: the inbound module has already taken the message
 * apart (struct inbound_msg's `dsn`, `text` and `subject`).
 *
 * 1. An RFC 3464 delivery-status part, when there is one, is read first:
 *    each per-recipient field group (Original-Recipient, else
 *    Final-Recipient; Action; Status; Diagnostic-Code) gives a result.
 *    A DSN with at least one recipient group is trusted alone, even when
 *    every recipient was delivered or relayed (a success notice then
 *    yields nothing, whatever its text says).
 * 2. Otherwise the human-readable text is searched heuristically for the
 *    formats of Postfix, Exim, qmail, Sendmail, Exchange/Outlook, Gmail,
 *    Yahoo and plain "user unknown" notices, but only once the message
 *    reads as a bounce (a known preamble, a bounce subject, or an MTA's
 *    wording such as "user unknown"); auto-replies yield nothing.
 *
 * Kinds: a status of class 5 (or an SMTP 5xx reply) is permanent, class 4
 * temporary. "Action: delayed" means the MTA still retries: it is
 * reported as BOUNCE_TEMPORARY, never permanent, so the caller can count
 * a mailbox that stays unreachable for days while weighing it below a
 * hard failure. Without a status, wording decides ("user unknown" →
 * permanent, "mailbox full", "will retry" → temporary), else the report's
 * own section ("permanent fatal errors", "THIS IS A WARNING ONLY"), else
 * permanent.
 *
 * Addresses are bare addr-specs with the domain lower-cased, at most one
 * result per address (compared without case; the permanent or better
 * documented report wins). postmaster@, MAILER-DAEMON@ and the like are
 * never results, nor, in running text, addresses after "from", "Message-ID"
 * and similar, nor addresses at the reporting host itself. */
#ifndef SM_BOUNCE_H
#define SM_BOUNCE_H

#include <stddef.h>

#include "status.h"

enum bounce_kind {
  BOUNCE_PERMANENT = 1, /* the address does not take mail */
  BOUNCE_TEMPORARY = 2  /* full, over quota, unreachable for now, delayed */
};

#define BOUNCE_MAX_RESULTS 100
/* Bytes of the DSN and of the text that are examined; the rest of a
 * longer input is ignored (the caller bounds the message anyway). */
#define BOUNCE_MAX_INPUT (256 * 1024)
#define BOUNCE_DIAG_MAX 256 /* bytes of a diagnostic, without the NUL */
#define BOUNCE_ADDR_MAX 254 /* RFC 5321's path limit, less the brackets */

struct bounce_result {
  char *address; /* "user@example.org": UTF-8, no control characters */
  enum bounce_kind kind;
  char status[16];  /* "5.1.1", or the SMTP reply "550" when that is all
                       there is, or "" */
  char *diagnostic; /* the remote server's words, one line of UTF-8 at
                       most BOUNCE_DIAG_MAX bytes, "" when none; never
                       NULL */
};

/* Finds the failed recipients. dsn, text and subject may each be NULL.
 * On SM_OK *out is a malloc'd array of *n results (NULL and 0 when the
 * message is no bounce or names no recipient); the caller frees it with
 * bounce_results_free. SM_ERR_NOMEM is the only failure. */
enum sm_status bounce_parse(const char *dsn, const char *text,
                            const char *subject, struct bounce_result **out,
                            size_t *n);

/* Frees the array and every string in it; r may be NULL. */
void bounce_results_free(struct bounce_result *r, size_t n);

/* "permanent" or "temporary" (static). */
const char *bounce_kind_name(enum bounce_kind k);

#endif
