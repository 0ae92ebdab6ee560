/* outbox.h: the payload of an outbox row, per kind. The only code that
 * knows the payload's bytes: every writer (digest, sub, thread) and every
 * reader (compose, receive_comment) goes through one typed pair per kind.
 *
 *   digest   {"kw":["keyword",...],"items":[[N,K,...],...],"more":N}
 *            the reader's keywords once, the ranked summary ids, each
 *            with the indexes into "kw" of the keywords that matched it,
 *            and how many more matched than were kept. Rows queued
 *            before this form have {"items":[{"id":N,"kw":["keyword",
 *            ...]},...],"more":N}: they parse too (OUTBOX_SQL_DIGEST_ID
 *            reads the ids of either in SQL).
 *   reply, confirm, notice
 *            {"from_name","from","to","reply_to","subject",
 *             "auto_submitted","in_reply_to","references","text"}
 *            a plain-text message from the list, whole
 *   comment  {"summary":N,"comment":N,"message_id","in_reply_to",
 *             "references","title","link","author","text"}
 *            a snapshot of a comment for its followers
 *
 * Strings are UTF-8 JSON strings or null. */
#ifndef SM_OUTBOX_H
#define SM_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "status.h"

enum outbox_kind {
  OUTBOX_DIGEST,
  OUTBOX_REPLY,   /* the answer to commands */
  OUTBOX_CONFIRM, /* a request to confirm a subscription */
  OUTBOX_NOTICE,  /* a notice without a command (e.g. unsubscribed) */
  OUTBOX_COMMENT  /* a comment sent on to a follower */
};
#define OUTBOX_NKINDS 5

/* The name stored in outbox.kind ("digest", "reply", ...). Static. */
const char *outbox_kind_name(enum outbox_kind k);
/* The kind named `name`; -1 when none. */
int outbox_kind_parse(const char *name);

/* ---- digest ---- */

/* Writing, piece by piece into b (a run writes one per reader, a million
 * of them; the caller keeps each keyword's JSON form, made once by
 * outbox_json_string): outbox_digest_begin with the reader's keywords;
 * per item (index 0, 1, ...) outbox_digest_item with its id and the
 * keywords that matched it (their indexes in kw_json); then
 * outbox_digest_end. */
enum sm_status outbox_digest_begin(struct buf *b, const char *const *kw_json,
                                   size_t nkw);
enum sm_status outbox_digest_item(struct buf *b, size_t index, int64_t id,
                                  const uint32_t *kw, size_t nkw);
enum sm_status outbox_digest_end(struct buf *b, int64_t more);

/* In SQL, the summary id of a digest item j.value of type j.type (from
 * json_each(payload, '$.items') AS j), in either form. */
#define OUTBOX_SQL_DIGEST_ID                                                  \
  "CASE j.type WHEN 'array' THEN json_extract(j.value, '$[0]') "              \
  "ELSE json_extract(j.value, '$.id') END"

/* s as a JSON string (quoted, escaped, invalid UTF-8 replaced), into *out;
 * caller frees. */
enum sm_status outbox_json_string(const char *s, char **out);

struct outbox_digest_item {
  int64_t id;
  size_t nkw;
  const char **kw; /* borrowed from the digest */
};

struct outbox_digest {
  struct outbox_digest_item *items;
  size_t n;
  int64_t more;
  void *priv; /* owns the strings */
};

/* Parses a digest payload. SM_ERR_DATA (err saying why) when it is not
 * one; the caller frees with outbox_digest_free either way. */
enum sm_status outbox_digest_parse(const char *payload,
                                   struct outbox_digest *out, char *err,
                                   size_t errlen);
void outbox_digest_free(struct outbox_digest *d);

/* ---- reply, confirm, notice ---- */

struct outbox_message {
  const char *from_name, *from, *to, *reply_to, *subject;
  const char *auto_submitted; /* "auto-replied", "auto-generated" */
  const char *in_reply_to;    /* "<id>" or NULL */
  const char *references;     /* "<a> <b>" or NULL */
  const char *text;
  void *priv; /* parsed: owns the strings */
};

/* The payload of m, malloc'd into *out. */
enum sm_status outbox_message_write(const struct outbox_message *m,
                                    char **out);
/* Parses; from, subject and text are required. SM_ERR_DATA with err. The
 * caller frees with outbox_message_free either way. */
enum sm_status outbox_message_parse(const char *payload,
                                    struct outbox_message *out, char *err,
                                    size_t errlen);
void outbox_message_free(struct outbox_message *m);

/* ---- comment ---- */

struct outbox_comment {
  int64_t summary, comment;
  const char *message_id, *in_reply_to, *references;
  const char *title, *link, *author, *text;
  void *priv; /* parsed: owns the strings */
};

enum sm_status outbox_comment_write(const struct outbox_comment *c,
                                    char **out);
/* Parses; summary, message_id, title, link, author and text are
 * required. */
enum sm_status outbox_comment_parse(const char *payload,
                                    struct outbox_comment *out, char *err,
                                    size_t errlen);
void outbox_comment_free(struct outbox_comment *c);

/* The heading of a digest item: the paper's title, or for a second (or
 * later) summary of the paper just above it, "Another summary of this
 * paper, by NAME" (summarizer NULL: "Anonymous"), so that the paper shows
 * once and each summary reads apart. compose writes it, and receive tells
 * replies to the whole digest apart by it. Written into out
 * (truncated). */
void outbox_item_heading(const char *title, const char *summarizer, int also,
                         char *out, size_t outlen);

#endif
