/* mailbox.c: one pass of `shortmail fetch` over an IMAP mailbox (see
 * mailbox.h for the guarantees and why the mailbox itself is the
 * queue). The IMAP commands are the http module's (libcurl); each
 * message goes through receive_one, as from the MTA. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "http.h"
#include "inbound.h"
#include "listaddr.h"
#include "log.h"
#include "mailbox.h"
#include "receive.h"
#include "store.h"
#include "util.h"

/* A record of a taken message is needed until the message has left the
 * mailbox, which is normally a second later; after this long it only
 * grows the store (and the Message-ID check still stands behind it). */
#define MAILBOX_KEEP_TAKEN (90L * 86400)
/* A password file holds one line. */
#define MAILBOX_PASSWORD_MAX 4096

/* The header names of [imap] recipient_header, split. */
struct header_names {
  char copy[1024];
  const char *names[MAILBOX_MAX_HEADERS];
  size_t n;
};

struct run {
  struct env env; /* the caller's, with now renewed */
  const struct conf *c;
  struct http_imap *s;
  struct header_names headers;
  char box[1024]; /* the mailbox's identity in the store */
  uint32_t uidvalidity;
  int expunge; /* messages were flagged \Deleted: EXPUNGE at the end */
  struct mailbox_stats *stats;
  char err[SM_ERRLEN];
};

/* What in_tx needs to record the message it is called for. */
struct take {
  struct run *r;
  uint32_t uid;
  const char *folder; /* "done" or "rejected", set by take_in_tx */
};

static enum sm_status
split_headers(const char *spec, struct header_names *h, char *err,
              size_t errlen)
{
  char *p, *next;

  memset(h, 0, sizeof(*h));
  if (strlen(spec) >= sizeof(h->copy)) {
    snprintf(err, errlen, "[imap] recipient_header is too long");
    return SM_ERR_CONFIG;
  }
  snprintf(h->copy, sizeof(h->copy), "%s", spec);
  for (p = h->copy; p; p = next) {
    char *name;

    next = strchr(p, ',');
    if (next)
      *next++ = '\0';
    name = util_trim(p);
    if (!*name)
      continue;
    for (const char *q = name; *q; q++)
      if (*q <= ' ' || *q >= 0x7F || *q == ':') {
        snprintf(err, errlen,
                 "[imap] recipient_header: \"%s\" is not a header name", name);
        return SM_ERR_CONFIG;
      }
    if (h->n == MAILBOX_MAX_HEADERS) {
      snprintf(err, errlen,
               "[imap] recipient_header names more than %d headers",
               MAILBOX_MAX_HEADERS);
      return SM_ERR_CONFIG;
    }
    h->names[h->n++] = name;
  }
  if (h->n == 0) {
    snprintf(err, errlen, "[imap] recipient_header names no header");
    return SM_ERR_CONFIG;
  }
  return SM_OK;
}

enum sm_status
mailbox_check(const struct conf *c, char *err, size_t errlen)
{
  struct header_names h;
  const char *missing = !c->imap.url             ? "url"
                        : !c->imap.user          ? "user"
                        : !c->imap.password_file ? "password_file"
                        : !*c->imap.mailbox      ? "mailbox"
                                                 : NULL;

  if (missing) {
    snprintf(err, errlen,
             "[imap] %s is not set: fetch needs the server, the user, a "
             "file with the password and the mailbox (doc/mta.md, "
             "\"Without MTA access\")",
             missing);
    return SM_ERR_CONFIG;
  }
  if (!strcasecmp(c->imap.done, c->imap.mailbox) ||
      !strcasecmp(c->imap.rejected, c->imap.mailbox)) {
    snprintf(err, errlen,
             "[imap] done and rejected must be other folders than the "
             "mailbox %s",
             c->imap.mailbox);
    return SM_ERR_CONFIG;
  }
  return split_headers(c->imap.recipient_header, &h, err, errlen);
}

/* "user@host:port/mailbox": the same mailbox whether it is reached by
 * imaps:// or imap:// with STARTTLS. */
static void
mailbox_identity(const struct conf *c, char *out, size_t outlen)
{
  const char *host = strstr(c->imap.url, "://");
  size_t n;

  host = host ? host + 3 : c->imap.url;
  n = strlen(host);
  while (n > 0 && host[n - 1] == '/')
    n--;
  snprintf(out, outlen, "%s@%.*s/%s", c->imap.user, (int)n, host,
           c->imap.mailbox);
}

static enum sm_status
read_password(const struct conf *c, struct buf *pw)
{
  enum sm_status rc = util_read_file(c->imap.password_file, pw);

  if (rc != SM_OK) {
    log_error("%s: cannot read the IMAP password ([imap] password_file): %s",
              c->imap.password_file,
              rc == SM_ERR_LIMIT   ? "the file is too large for a password"
              : rc == SM_ERR_NOMEM ? "out of memory"
                                   : strerror(errno));
    return rc == SM_ERR_NOMEM ? rc : SM_ERR_CONFIG;
  }
  while (pw->len > 0 &&
         (pw->data[pw->len - 1] == '\n' || pw->data[pw->len - 1] == '\r'))
    pw->data[--pw->len] = '\0';
  return SM_OK;
}

/* The failure of an IMAP command, logged; statuses the caller acts on
 * are passed through, a vanished mailbox state becomes transient. */
static enum sm_status
imap_failed(struct run *r, enum sm_status rc)
{
  log_error("%s", r->err);
  return rc == SM_ERR_NOTFOUND ? SM_ERR_TEMP : rc;
}

/* Which addresses pick_recipient takes, pass by pass. */
enum pick { PICK_SPECIFIC, PICK_OURS, PICK_ANY };

struct pick_ctx {
  const struct conf *c;
  enum pick pass;
};

static int
pick_accepts(const char *address, void *ctx)
{
  const struct pick_ctx *p = ctx;
  const char *token;
  size_t tokenlen;
  enum listaddr_kind kind;

  if (p->pass == PICK_ANY)
    return 1;
  kind = listaddr_parse(address, p->c->list.local, p->c->list.domain, &token,
                        &tokenlen);
  return p->pass == PICK_SPECIFIC
             ? kind != LISTADDR_NONE && kind != LISTADDR_LIST
             : kind != LISTADDR_NONE;
}

/* IMAP has no envelope: the recipient is the first of the list's
 * addresses in the headers of [imap] recipient_header, in that order.
 * The list's own address counts only when no other of ours is there: a
 * mailbox that is LIST@ itself names it in Delivered-To on every
 * message, aliases such as LIST-request@ included. When none is ours,
 * the first address of those headers, so that the quarantine names
 * where the message was sent. Caller frees; NULL when the headers hold
 * no address at all (receive then falls back to Delivered-To and
 * X-Original-To). */
static char *
pick_recipient(const struct run *r, const struct buf *raw)
{
  struct pick_ctx p = {r->c, PICK_SPECIFIC};
  char *a = NULL;

  for (; p.pass <= PICK_ANY && !a; p.pass++)
    for (size_t i = 0; i < r->headers.n && !a; i++)
      a = inbound_find_address(raw->data, raw->len, r->headers.names[i],
                               pick_accepts, &p);
  return a;
}

static enum sm_status
take_in_tx(void *ctx, struct store *st, const struct receive_result *res)
{
  struct take *t = ctx;

  t->folder = res->outcome == RECEIVE_QUARANTINED ? "rejected" : "done";
  return store_imap_take(st, t->r->box, t->r->uidvalidity, t->uid, t->folder,
                         t->r->env.now);
}

/* Sends the message where its record says: flagged \Seen and moved, or
 * deleted when that folder's name is empty. */
static enum sm_status
put_away(struct run *r, const struct http_imap_item *it, const char *folder)
{
  const char *dest =
      !strcmp(folder, "rejected") ? r->c->imap.rejected : r->c->imap.done;
  const char *box = r->c->imap.mailbox;
  enum sm_status rc;

  if (!strcmp(dest, MAILBOX_DELETE)) {
    /* Expunged at once: an EXPUNGE of many messages answers a line for
     * each, which libcurl may refuse as too long an answer. */
    rc = http_imap_flag(r->s, box, r->uidvalidity, it->uid, "\\Seen \\Deleted",
                        1, r->err, sizeof(r->err));
    if (rc == SM_OK)
      rc =
          http_imap_expunge(r->s, box, r->uidvalidity, r->err, sizeof(r->err));
  } else {
    rc = http_imap_flag(r->s, box, r->uidvalidity, it->uid, "\\Seen", 1,
                        r->err, sizeof(r->err));
    if (rc == SM_OK)
      rc = http_imap_move(r->s, box, r->uidvalidity, it->uid, dest,
                          &r->expunge, r->err, sizeof(r->err));
  }
  if (rc != SM_OK)
    return imap_failed(r, rc);
  return SM_OK;
}

/* A message over [imap] max_size: quarantined without its bytes, and
 * recorded as taken, in one transaction. */
static enum sm_status
reject_unread(struct run *r, const struct http_imap_item *it)
{
  struct store *st = r->env.st;
  char key[1200], detail[SM_ERRLEN];
  enum sm_status rc;

  snprintf(key, sizeof(key), "imap:%s %lu %lu", r->box,
           (unsigned long)r->uidvalidity, (unsigned long)it->uid);
  snprintf(detail, sizeof(detail),
           "message of %llu bytes is over [imap] max_size (%zu): moved to "
           "%s unread",
           (unsigned long long)it->size, r->c->imap.max_size,
           strcmp(r->c->imap.rejected, MAILBOX_DELETE) ? r->c->imap.rejected
                                                       : "the bin");
  rc = store_begin(st);
  if (rc == SM_OK)
    rc = store_received_add(st, key, r->env.now, NULL, NULL, "none",
                            receive_outcome_name(RECEIVE_QUARANTINED), detail,
                            NULL, 0);
  if (rc == SM_OK)
    rc = store_imap_take(st, r->box, r->uidvalidity, it->uid, "rejected",
                         r->env.now);
  if (rc == SM_OK)
    rc = store_commit(st);
  else
    store_rollback(st);
  if (rc != SM_OK) {
    log_error("UID %lu of %s: %s", (unsigned long)it->uid, r->c->imap.mailbox,
              store_errmsg(st));
    return SM_ERR_TEMP;
  }
  log_warning("UID %lu of %s: %s", (unsigned long)it->uid, r->c->imap.mailbox,
              detail);
  r->stats->rejected++;
  return SM_OK;
}

/* Fetches one message and gives it to receive. */
static enum sm_status
take_one(struct run *r, const struct http_imap_item *it, const char **folder)
{
  struct buf raw = BUF_INIT(r->c->imap.max_size);
  struct receive_result res;
  struct take t = {r, it->uid, NULL};
  struct receive_hook hook = {take_in_tx, &t};
  char origin[1100];
  char *rcpt = NULL;
  enum sm_status rc;

  *folder = NULL;
  rc = http_imap_fetch(r->s, r->c->imap.mailbox, r->uidvalidity, it->uid, &raw,
                       r->err, sizeof(r->err));
  if (rc == SM_ERR_LIMIT) {
    /* The listing said it was smaller: it is not read any further. */
    struct http_imap_item big = *it;
    big.size = r->c->imap.max_size + 1;
    buf_free(&raw);
    rc = reject_unread(r, &big);
    *folder = "rejected";
    return rc;
  }
  if (rc == SM_ERR_NOTFOUND) {
    /* Expunged by someone else since the listing: nothing to do. */
    log_info("UID %lu of %s: gone before it was read", (unsigned long)it->uid,
             r->c->imap.mailbox);
    buf_free(&raw);
    return SM_OK;
  }
  if (rc != SM_OK) {
    buf_free(&raw);
    return imap_failed(r, rc);
  }
  rcpt = pick_recipient(r, &raw);
  snprintf(origin, sizeof(origin), "UID %lu of %s", (unsigned long)it->uid,
           r->c->imap.mailbox);
  r->env.now = util_now();
  rc = receive_one(&r->env, raw.data ? raw.data : "", raw.len, raw.len, rcpt,
                   NULL, origin, &hook, &res);
  buf_free(&res.report);
  buf_free(&raw);
  free(rcpt);
  if (rc != SM_OK) {
    char ignored[SM_ERRLEN];
    /* Left as it was found for the next pass (libcurl's FETCH set
     * \Seen); if this fails too, \Seen does not stop the next pass. */
    if (!it->seen)
      (void)http_imap_flag(r->s, r->c->imap.mailbox, r->uidvalidity, it->uid,
                           "\\Seen", 0, ignored, sizeof(ignored));
    return SM_ERR_TEMP;
  }
  r->stats->applied++;
  if (!strcmp(t.folder, "rejected"))
    r->stats->rejected++;
  *folder = t.folder;
  return SM_OK;
}

static enum sm_status
one_message(struct run *r, const struct http_imap_item *it)
{
  char recorded[16];
  const char *folder = NULL;
  int taken = 0;
  enum sm_status rc;

  rc = store_imap_taken(r->env.st, r->box, r->uidvalidity, it->uid, recorded,
                        sizeof(recorded), &taken);
  if (rc != SM_OK) {
    log_error("%s", store_errmsg(r->env.st));
    return SM_ERR_TEMP;
  }
  if (taken) {
    log_info("UID %lu of %s: taken on an earlier pass; moving it to %s",
             (unsigned long)it->uid, r->c->imap.mailbox, recorded);
    r->stats->again++;
    folder = recorded;
  } else if (it->size > r->c->imap.max_size) {
    rc = reject_unread(r, it);
    folder = "rejected";
  } else {
    rc = take_one(r, it, &folder);
  }
  if (rc != SM_OK || !folder)
    return rc;
  return put_away(r, it, folder);
}

/* Creates the folders messages move to (once made, a no-op). */
static enum sm_status
make_folders(struct run *r)
{
  const char *f[2] = {r->c->imap.done, r->c->imap.rejected};
  enum sm_status rc = SM_OK;

  for (int i = 0; i < 2 && rc == SM_OK; i++)
    if (strcmp(f[i], MAILBOX_DELETE))
      rc = http_imap_create(r->s, f[i], r->err, sizeof(r->err));
  return rc == SM_OK ? rc : imap_failed(r, rc);
}

/* Forgets old records, in a transaction of its own; a failure here only
 * delays it to the next pass. */
static void
prune(struct run *r)
{
  struct store *st = r->env.st;
  long removed = 0;
  enum sm_status rc = store_begin(st);

  if (rc == SM_OK)
    rc = store_imap_prune(st, util_now() - MAILBOX_KEEP_TAKEN, &removed);
  if (rc == SM_OK)
    rc = store_commit(st);
  else
    store_rollback(st);
  if (rc != SM_OK)
    log_warning("%s", store_errmsg(st));
  else if (removed)
    log_debug("forgot %ld old IMAP records", removed);
}

static enum sm_status
drain(struct run *r)
{
  struct http_imap_status status;
  struct http_imap_item *items = NULL;
  const char *box = r->c->imap.mailbox;
  size_t count = 0, i;
  uint32_t n;
  enum sm_status rc;

  rc = http_imap_status(r->s, box, &status, r->err, sizeof(r->err));
  if (rc != SM_OK)
    return imap_failed(r, rc);
  r->uidvalidity = status.uidvalidity;
  n = status.messages < (uint32_t)r->c->imap.max_messages
          ? status.messages
          : (uint32_t)r->c->imap.max_messages;
  log_debug("%s: %lu messages, UIDVALIDITY %lu", box,
            (unsigned long)status.messages, (unsigned long)status.uidvalidity);
  if (n == 0)
    return SM_OK;
  rc = make_folders(r);
  if (rc != SM_OK)
    return rc;
  rc = http_imap_list(r->s, box, r->uidvalidity, n, &items, &count, r->err,
                      sizeof(r->err));
  if (rc != SM_OK)
    return imap_failed(r, rc);
  for (i = 0; i < count && rc == SM_OK; i++) {
    r->stats->listed++;
    /* Someone's deletion (or ours, before a crash) waits for EXPUNGE;
     * in a mailbox of our own, we do it. */
    if (items[i].deleted) {
      if (!strcmp(r->c->imap.done, MAILBOX_DELETE) ||
          !strcmp(r->c->imap.rejected, MAILBOX_DELETE))
        r->expunge = 1;
      continue;
    }
    rc = one_message(r, &items[i]);
  }
  free(items);
  if (rc == SM_OK && r->expunge) {
    rc = http_imap_expunge(r->s, box, r->uidvalidity, r->err, sizeof(r->err));
    if (rc != SM_OK)
      rc = imap_failed(r, rc);
  }
  return rc;
}

enum sm_status
mailbox_run(const struct env *env, struct mailbox_stats *stats)
{
  const struct conf *c = env->conf;
  struct http_imap_opts o;
  struct buf pw = BUF_INIT(MAILBOX_PASSWORD_MAX);
  struct run r;
  enum sm_status rc;

  memset(stats, 0, sizeof(*stats));
  memset(&r, 0, sizeof(r));
  r.env = *env;
  r.c = c;
  r.stats = stats;
  if (mailbox_check(c, r.err, sizeof(r.err)) != SM_OK ||
      split_headers(c->imap.recipient_header, &r.headers, r.err,
                    sizeof(r.err)) != SM_OK) {
    log_error("%s", r.err);
    return SM_ERR_CONFIG;
  }
  mailbox_identity(c, r.box, sizeof(r.box));
  rc = read_password(c, &pw);
  if (rc != SM_OK)
    goto out;
  memset(&o, 0, sizeof(o));
  o.url = c->imap.url;
  o.user = c->imap.user;
  o.password = buf_str(&pw);
  o.ca_file = c->imap.ca_file;
  o.timeout = c->imap.timeout;
  o.allow_plaintext = c->imap.allow_plaintext;
  rc = http_imap_open(&o, &r.s, r.err, sizeof(r.err));
  if (rc != SM_OK) {
    log_error("%s", r.err);
    goto out;
  }
  rc = drain(&r);
  if (rc == SM_OK)
    prune(&r);
out:
  http_imap_close(r.s);
  if (pw.data)
    memset(pw.data, 0, pw.len);
  buf_free(&pw);
  return rc;
}
