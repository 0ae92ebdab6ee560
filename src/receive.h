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

struct receive_result {
  const char *route;   /* "request", "confirm", ... or "none" */
  const char *outcome; /* "commands", "confirmed", "duplicate",
                          "quarantined", ... */
  char detail[SM_ERRLEN];
  struct buf report; /* for --dry-run: commands and queued mail */
};

/* Handles the raw message (len bytes). recipient and sender are the
 * envelope, or NULL to take them from Delivered-To / X-Original-To and
 * Return-Path. res->report is initialised here; free it with buf_free. */
enum sm_status receive_message(const struct env *env, const char *raw,
                               size_t len, const char *recipient,
                               const char *sender, struct receive_result *res);

#endif
