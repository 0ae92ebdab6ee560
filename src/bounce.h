/* bounce.h: the failed recipients of a bounce, and the handles in it
 * that name the message it returns.
 *
 * Pure C, no GMime: the inbound module has already taken the message
 * apart (struct inbound_msg's `dsn`, `text`, `subject`,
 * `failed_recipients` and `returned`). Who the bounce is about is known
 * best from what we wrote ourselves: receive_bounce.c tries the VERP
 * token first, then the returned copy's Message-ID (bounce_returned_id),
 * and only then believes what this parser reads, in this order:
 *
 * 1. An RFC 3464 delivery-status part, when there is one: each
 *    per-recipient field group (Original-Recipient, else Final-Recipient;
 *    Action; Status; Diagnostic-Code) gives a result; field names and
 *    values compare without case. A group without Action counts when its
 *    Status or Diagnostic-Code says it failed. A DSN with at least one
 *    recipient group is trusted alone, even when every recipient was
 *    delivered or relayed (a success notice then yields nothing,
 *    whatever its text says).
 * 2. X-Failed-Recipients (Exim, Gmail, Google Groups): the addresses that
 *    failed, as the reporting MTA lists them; the text says how.
 * 3. Otherwise the human-readable text is searched with tables of
 *    phrases: the preambles of mail systems (Postfix, Exim, qmail,
 *    Sendmail, Courier, OpenSMTPD, Exchange, Office 365, Gmail, Yahoo,
 *    Lotus Domino and Notes, MessageLabs, InterScan, IMail, GroupWise,
 *    FML, EZweb, Verizon, ...), the headers of recipient lists ("The
 *    following address(es) failed:", "was not delivered to:", "Failure
 *    Reasons"), labels before an address ("Intended recipient:",
 *    "Recipient address:", "Unknown user:"), but only once the message
 *    reads as a bounce (a known preamble, a bounce subject, or an MTA's
 *    wording such as "user unknown"); auto-replies yield nothing.
 *
 * Kinds: a status of class 5 (or an SMTP 5xx reply) is permanent, class 4
 * temporary. A delay warning ("Action: delayed", "THIS IS A WARNING
 * ONLY", "Delivery incomplete") is BOUNCE_DELAYED: nothing has failed
 * yet, the MTA is still trying. Without a status, wording decides ("user
 * unknown" → permanent, "mailbox full" → temporary), else the report's
 * own section ("permanent fatal errors"), else permanent.
 *
 * Addresses are bare addr-specs with the domain lower-cased, at most one
 * result per address (compared without case; the permanent or better
 * documented report wins). Never results: postmaster@, MAILER-DAEMON@ and
 * the like; the sender of the returned copy (its From, Sender,
 * Return-Path, Reply-To); in running text, addresses after "from",
 * "Message-ID" and similar, and addresses at the reporting host itself. */
#ifndef SM_BOUNCE_H
#define SM_BOUNCE_H

#include <stddef.h>

#include "status.h"

enum bounce_kind {
  BOUNCE_PERMANENT = 1, /* the address does not take mail */
  BOUNCE_TEMPORARY = 2, /* full, over quota, unreachable for now */
  BOUNCE_DELAYED = 3    /* not failed: a warning that the MTA still tries */
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

/* What the parser reads of one message; every member may be NULL.
 * Borrowed. */
struct bounce_input {
  const char *dsn;               /* the delivery-status part's content */
  const char *text;              /* the human-readable report, as text */
  const char *subject;           /* decoded */
  const char *failed_recipients; /* X-Failed-Recipients, unfolded */
  const char *returned;          /* the header block of the returned copy (a
                                    message/rfc822 or text/rfc822-headers part) */
};

/* Finds the failed recipients. On SM_OK *out is a malloc'd array of *n
 * results (NULL and 0 when the message is no bounce or names no
 * recipient); the caller frees it with bounce_results_free.
 * SM_ERR_NOMEM is the only failure. */
enum sm_status bounce_parse(const struct bounce_input *in,
                            struct bounce_result **out, size_t *n);

/* The Message-ID of the message the bounce returns, without angle
 * brackets, into out (outlen bytes): from the returned header block,
 * else from a copy quoted in the text (non-MIME reports), else from a
 * report that quotes it ("Message-ID: <...>", "X-Original-Message-ID").
 * 1 when found; the caller decides whether it is one of ours. */
int bounce_returned_id(const struct bounce_input *in, char *out,
                       size_t outlen);

/* Frees the array and every string in it; r may be NULL. */
void bounce_results_free(struct bounce_result *r, size_t n);

/* "permanent", "temporary" or "delayed" (static). */
const char *bounce_kind_name(enum bounce_kind k);

#endif
