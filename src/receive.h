/* receive.h: what `shortmail receive` does with one message: check it,
 * route it, act on it, log it, in one transaction.
 *
 * The outcome decides the exit code the MTA sees (DESIGN.md): SM_OK when
 * the message's effect is committed, or when it was quarantined (garbage,
 * forged, automatic or oversized mail: kept for an operator, never
 * answered); SM_ERR_TEMP (and any other failure) when the MTA should try
 * again later. */
#ifndef SM_RECEIVE_H
#define SM_RECEIVE_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "env.h"
#include "status.h"
#include "store.h"
#include "tmpl.h"
#include "token.h"

/* What became of a message; logged by name in received.outcome. */
enum receive_outcome {
  RECEIVE_NONE,        /* nothing decided (a temporary failure) */
  RECEIVE_QUARANTINED, /* kept for an operator, not acted on */
  RECEIVE_DUPLICATE,   /* had its effect already */
  RECEIVE_COMMAND,     /* commands carried out */
  RECEIVE_CONFIRMED,   /* a subscription confirmed */
  RECEIVE_EXPIRED,     /* a confirmation token past its time */
  RECEIVE_COMMENT,     /* a comment taken */
  RECEIVE_HELD,        /* a comment held for an operator */
  RECEIVE_REFUSED,     /* a comment refused, with a notice */
  RECEIVE_BOUNCE,      /* a bounce counted */
  RECEIVE_DISABLED,    /* a bounce that disabled the reader */
  RECEIVE_IGNORED,     /* mail at a bounce address that is no failure */
  RECEIVE_UNSUBSCRIBED,
  RECEIVE_UNCHANGED /* an unsubscribe of an address not subscribed */
};
#define RECEIVE_NOUTCOMES 14

/* "none", "quarantined", "duplicate", "command", ... Static. */
const char *receive_outcome_name(enum receive_outcome o);

struct receive_result {
  const char *route; /* "request", "confirm", ... or "none" */
  enum receive_outcome outcome;
  char detail[SM_ERRLEN];
  struct buf report; /* for --dry-run: commands and queued mail */
};

/* What a caller writes inside a message's transaction, after its effect
 * (for a duplicate, alone) and before the commit, so that it is
 * committed with the effect or not at all: fetch records the IMAP UID
 * there. */
struct receive_hook {
  enum sm_status (*in_tx)(void *ctx, struct store *st,
                          const struct receive_result *res);
  void *ctx;
};

/* Handles the raw message (len bytes). recipient and sender are the
 * envelope, or NULL to take them from Delivered-To / X-Original-To and
 * Return-Path. hook: NULL for mail from the MTA. res->report is
 * initialised here; free it with buf_free. */
enum sm_status receive_message(const struct env *env, const char *raw,
                               size_t len, const char *recipient,
                               const char *sender,
                               const struct receive_hook *hook,
                               struct receive_result *res);

/* What every message goes through, whether the MTA hands it over
 * (receive) or it is taken from a mailbox (fetch): receive_message, then
 * the one log line each message gets ("to ADDR: route: outcome:
 * detail", or the error). total is the size the message had before it
 * was cut at [receive] max_size + 1 bytes; origin names where it came
 * from in that line ("UID 42 of INBOX"), or is NULL. hook and res as
 * for receive_message. */
enum sm_status receive_one(const struct env *env, const char *raw, size_t len,
                           size_t total, const char *recipient,
                           const char *sender, const char *origin,
                           const struct receive_hook *hook,
                           struct receive_result *res);

#endif
