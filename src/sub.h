/* sub.h: a reader's life on the list: asking to subscribe, confirming,
 * keywords, frequency, pausing, leaving. Shared by `receive` (commands by
 * mail) and `shortmail sub` (operators). Every function runs inside the
 * caller's write transaction and queues what it sends to the outbox.
 *
 * Double opt-in: nothing but the confirmation request ever goes to an
 * address that has not confirmed, and at most one confirmation per
 * address per 24 hours, so nobody can mail-bomb a third party by
 * subscribing them. */
#ifndef SM_SUB_H
#define SM_SUB_H

#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "buf.h"
#include "conf.h"
#include "env.h"
#include "status.h"
#include "store.h"
#include "tmpl.h"
#include "token.h"

#define SUB_CONFIRM_INTERVAL (24 * 3600) /* one confirmation per address */
#define SUB_MAX_INTERESTS 50

/* What a reply to the message that caused a change should quote. */
struct sub_thread {
  const char *message_id; /* of the message being answered, or NULL */
  const char *references; /* its References header, or NULL */
  const char *subject;    /* its Subject, or NULL */
};

/* Asks to subscribe `address`: an unknown, unsubscribed or disabled
 * reader becomes pending. A pending reader gets a confirmation request
 * unless one went out in the last 24 hours (*sent says whether one was
 * queued). *sub is the reader's id. A confirmed reader is left as is. */
enum sm_status sub_request(const struct env *env, const char *address,
                           const struct sub_thread *thread, int64_t *sub,
                           int *sent);

/* Queues a confirmation request to a pending reader, if none went out
 * in the last 24 hours. */
enum sm_status sub_send_confirmation(const struct env *env,
                                     const struct store_subscriber *s,
                                     const struct sub_thread *thread,
                                     int *sent);

/* Confirms with a token from LIST+confirm-TOKEN@ or /confirm/TOKEN.
 * SM_OK with *sub set when the reader is (now) confirmed; SM_ERR_DATA
 * with *reason when the token is not valid (TOKEN_EXPIRED: *sub is set,
 * the caller may send a fresh request). *confirmed_now is 1 only for the
 * first successful use. */
enum sm_status sub_confirm(const struct env *env, const char *token,
                           size_t len, int64_t *sub, int *confirmed_now,
                           enum token_reason *reason);

/* Adds (or with del, removes) each keyword of `args`, a line in the
 * keyword language. Appends a one-line account to `msg`, such as
 * "added cs.lg, \"batch normalization\"; gan was there already". Bad
 * keywords are reported in msg and the rest still apply; the status is
 * SM_OK unless the store failed. */
enum sm_status sub_add_keywords(const struct env *env, int64_t sub,
                                const char *args, struct buf *msg);
enum sm_status sub_del_keywords(const struct env *env, int64_t sub,
                                const char *args, struct buf *msg);

/* Appends to kw[0..*n-1] (a malloc'd array of malloc'd strings; NULL
 * and 0 to start) the canonical form of each keyword of `query`, a line
 * in the keyword language, leaving out those already there. SM_ERR_DATA
 * when the query does not parse, SM_ERR_LIMIT past SUB_MAX_INTERESTS,
 * with `why` saying so; the array then holds what came before. Free it
 * with sub_keywords_free. */
enum sm_status sub_keywords_parse(const char *query, char ***kw, size_t *n,
                                  char *why, size_t whylen);
void sub_keywords_free(char **kw, size_t n);
/* What sub_add did. The buffers are owned: sub_added_free. */
struct sub_added {
  int64_t id;
  char address[ADDRESS_MAX + 1]; /* as stored */
  int before;       /* enum model_status before, -1 for a new reader */
  int sent;         /* a request to confirm was queued */
  struct buf added; /* keywords new to the reader, space-separated */
  struct buf there; /* keywords the reader had already */
};

/* An operator's `sub add`, in the caller's transaction: makes the
 * normalised `address` a reader of kw[0..nkw-1]. Confirmed when
 * `confirmed` (the operator vouches; no mail), else as a subscribe by
 * mail (pending again after an unsubscribe, one request to confirm a
 * day). SM_ERR_DATA when the address was forgotten (sub forget);
 * SM_ERR_LIMIT when the reader would have more than SUB_MAX_INTERESTS
 * keywords. */
enum sm_status sub_add(const struct env *env, const char *address,
                       int confirmed, char *const *kw, size_t nkw,
                       struct sub_added *out);
void sub_added_free(struct sub_added *a);

/* An operator's `sub del`, in the caller's transaction: removes the
 * reader of `address` (compared without case, as given: mail may have
 * brought in one that sub add would refuse) with their interests and
 * tokens. *out (freed with store_subscriber_free) is the reader as they
 * were, *nkw how many keywords they had. SM_ERR_NOTFOUND when unknown. */
enum sm_status sub_remove(const struct env *env, const char *address,
                          struct store_subscriber *out, size_t *nkw);

/* The keywords of args[0..nargs-1], each parsed as by sub_keywords_parse
 * (so '"batch norm" cs.LG' is two), into a new array *kw of *n. On
 * SM_ERR_DATA or SM_ERR_LIMIT err names the keyword at fault ("bad
 * keyword: ...") and *kw is NULL. */
enum sm_status sub_keywords_parse_args(char *const *args, size_t nargs,
                                       char ***kw, size_t *n, char *err,
                                       size_t errlen);

/* The reader's keywords into a template map: "keywords", a list of
 * strings, and "has_keywords", a boolean (a section on a list repeats;
 * this one shows a heading once). */
enum sm_status sub_keywords_value(const struct env *env, int64_t sub,
                                  struct tmpl_value *ctx);

/* Queues a reply of kind "reply" rendered from `template` (a .txt in the
 * templates directory) with ctx, to `to`. The Message-ID is derived from
 * the message answered (`key`), so a redelivered request queues no
 * second reply. Honours [list] replies_per_day: *sent is 0 when the limit
 * was reached. */
enum sm_status sub_queue_reply(const struct env *env, int64_t sub,
                               const char *to, const char *template,
                               struct tmpl_value *ctx,
                               const struct sub_thread *thread,
                               const char *key, int *sent);

/* The base context every template gets: list_name, list_address,
 * request_address, site_url. A new map the caller frees. */
struct tmpl_value *sub_base_context(const struct env *env);

/* Queues the welcome (welcome.txt, with the reader's keywords and
 * frequency) to reader s, who has just confirmed, at the address that
 * subscribed. `key` names what confirmed (the message answered, or the
 * web confirmation) and makes the Message-ID, so a repeat queues
 * nothing; `thread` may be NULL (a confirmation on the web answers no
 * mail). *sent as for sub_queue_reply. */
enum sm_status sub_welcome(const struct env *env,
                           const struct store_subscriber *s,
                           const struct sub_thread *thread, const char *key,
                           int *sent);

/* Unsubscribes reader `sub` (a pending or confirmed reader; a disabled
 * or unsubscribed one is left as is, *changed 0). `via` says how, for the
 * log: "mail command", "List-Unsubscribe mailto", "one-click POST", ...
 * Nothing more is sent to the reader after the commit: send checks the
 * status when it claims mail and again before each message. */
enum sm_status sub_unsubscribe(const struct env *env, int64_t sub,
                               const char *via, int *changed);

/* Queues a notice to reader `sub` at `to` (kind "notice": Auto-Submitted
 * auto-generated, no Reply-To), rendered from `template` with ctx, under
 * `subject`. Its Message-ID is made of `tag`, the reader and the time, so
 * a redelivered cause queues one. *sent says whether it was queued. */
enum sm_status sub_queue_notice(const struct env *env, int64_t sub,
                                const char *to, const char *template,
                                struct tmpl_value *ctx, const char *subject,
                                const char *tag, int *sent);

/* Forgotten readers (`shortmail sub forget`): only a hash of the
 * lower-cased address is kept, so that an operator's add or import can
 * skip them; their own confirmed subscription (sub_confirm) removes it:
 * not the request, which anyone can send in their name. */
enum sm_status sub_is_forgotten(struct store *st, const char *address,
                                int *forgotten);
/* Erases the reader at `address` and everything that names them, and
 * remembers its hash (store_forget: its own transaction, never inside
 * another). */
enum sm_status sub_forget(struct store *st, const char *address, int64_t now,
                          struct store_forget_counts *n);

#endif
