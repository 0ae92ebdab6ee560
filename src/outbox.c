/* outbox.c: the outbox payloads (see outbox.h). Written with json.c,
 * read with jread.c; the digest's writer appends to a buffer directly
 * because a run writes one per reader. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jread.h"
#include "json.h"
#include "outbox.h"

static const char *const kind_names[OUTBOX_NKINDS] = {
    "digest", "reply", "confirm", "notice", "comment"};

const char *
outbox_kind_name(enum outbox_kind k)
{
  return (unsigned)k < OUTBOX_NKINDS ? kind_names[k] : "?";
}

int
outbox_kind_parse(const char *name)
{
  for (int i = 0; name && i < OUTBOX_NKINDS; i++)
    if (!strcmp(name, kind_names[i]))
      return i;
  return -1;
}

/* ---- writing ---- */

/* Writes v in decimal, as json_int ("%" PRId64) writes it, without
 * printf's cost, so that it ends just before `end`; returns where it
 * starts (at most 20 characters before end). */
static char *
int_text(char *end, int64_t v)
{
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

  do
    *--end = (char)('0' + u % 10);
  while ((u /= 10) != 0);
  if (v < 0)
    *--end = '-';
  return end;
}

/* Appends v in decimal (a number a digest, a million digests). */
static enum sm_status
put_int(struct buf *b, int64_t v)
{
  char tmp[24], *p = int_text(tmp + sizeof(tmp), v);

  return buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

enum sm_status
outbox_digest_begin(struct buf *b, const char *const *kw_json, size_t nkw)
{
  enum sm_status rc = buf_puts(b, "{\"kw\":[");

  for (size_t i = 0; i < nkw && rc == SM_OK; i++) {
    if (i > 0)
      rc = buf_putc(b, ',');
    if (rc == SM_OK)
      rc = buf_puts(b, kw_json[i]);
  }
  return rc == SM_OK ? buf_puts(b, "],\"items\":[") : rc;
}

enum sm_status
outbox_digest_item(struct buf *b, size_t index, int64_t id, const uint32_t *kw,
                   size_t nkw)
{
  /* Staged and appended whole: one append an item rather than one a
   * number and one a bracket (a tenth of choosing a reader's digest). */
  char stage[256], *end = stage + sizeof(stage), *p;
  size_t n = 0;
  enum sm_status rc;

  if (index)
    stage[n++] = ',';
  stage[n++] = '[';
  p = int_text(end, id);
  memmove(stage + n, p, (size_t)(end - p));
  n += (size_t)(end - p);
  for (size_t i = 0; i < nkw; i++) {
    char num[12], *q;
    /* Room for ',', ten digits and the closing ']'. */
    if (n + 12 > sizeof(stage)) {
      rc = buf_append(b, stage, n);
      if (rc != SM_OK)
        return rc;
      n = 0;
    }
    q = int_text(num + sizeof(num), (int64_t)kw[i]);
    stage[n++] = ',';
    memcpy(stage + n, q, (size_t)(num + sizeof(num) - q));
    n += (size_t)(num + sizeof(num) - q);
  }
  stage[n++] = ']';
  return buf_append(b, stage, n);
}

enum sm_status
outbox_digest_end(struct buf *b, int64_t more)
{
  enum sm_status rc;

  if ((rc = buf_puts(b, "],\"more\":")) != SM_OK ||
      (rc = put_int(b, more)) != SM_OK)
    return rc;
  return buf_putc(b, '}');
}

enum sm_status
outbox_json_string(const char *s, char **out)
{
  size_t len = 0;
  FILE *fp;
  struct json j;

  *out = NULL;
  fp = open_memstream(out, &len);
  if (!fp)
    return SM_ERR_NOMEM;
  json_init(&j, fp);
  json_string(&j, s);
  if (fclose(fp) != 0 || !*out) {
    free(*out);
    *out = NULL;
    return SM_ERR_NOMEM;
  }
  return SM_OK;
}

/* Opens a memstream for a whole payload. */
static FILE *
payload_open(char **out, size_t *len, struct json *j)
{
  FILE *fp;

  *out = NULL;
  fp = open_memstream(out, len);
  if (fp) {
    json_init(j, fp);
    json_begin_object(j);
  }
  return fp;
}

static enum sm_status
payload_close(FILE *fp, struct json *j, char **out)
{
  json_end_object(j);
  if (fclose(fp) != 0 || !*out) {
    free(*out);
    *out = NULL;
    return SM_ERR_NOMEM;
  }
  return SM_OK;
}

static void
put_str(struct json *j, const char *key, const char *v)
{
  json_key(j, key);
  json_string(j, v);
}

enum sm_status
outbox_message_write(const struct outbox_message *m, char **out)
{
  struct json j;
  size_t len = 0;
  FILE *fp = payload_open(out, &len, &j);

  if (!fp)
    return SM_ERR_NOMEM;
  put_str(&j, "from_name", m->from_name);
  put_str(&j, "from", m->from);
  put_str(&j, "to", m->to);
  put_str(&j, "reply_to", m->reply_to);
  put_str(&j, "subject", m->subject);
  put_str(&j, "auto_submitted", m->auto_submitted);
  put_str(&j, "in_reply_to", m->in_reply_to);
  put_str(&j, "references", m->references);
  put_str(&j, "text", m->text);
  return payload_close(fp, &j, out);
}

enum sm_status
outbox_comment_write(const struct outbox_comment *c, char **out)
{
  struct json j;
  size_t len = 0;
  FILE *fp = payload_open(out, &len, &j);

  if (!fp)
    return SM_ERR_NOMEM;
  json_key(&j, "summary");
  json_int(&j, c->summary);
  json_key(&j, "comment");
  json_int(&j, c->comment);
  put_str(&j, "message_id", c->message_id);
  put_str(&j, "in_reply_to", c->in_reply_to);
  put_str(&j, "references", c->references);
  put_str(&j, "title", c->title);
  put_str(&j, "link", c->link);
  put_str(&j, "author", c->author);
  put_str(&j, "text", c->text);
  return payload_close(fp, &j, out);
}

/* ---- reading ---- */

static const char *
str_member(const struct jread_value *obj, const char *key)
{
  const struct jread_value *v = jread_get(obj, key);

  return v && v->type == JREAD_STRING ? v->s : NULL;
}

/* A value that is an integer: 0 and *v set, or -1. */
static int
int_value(const struct jread_value *n, int64_t *v)
{
  char *end;
  long long x;

  if (!n || n->type != JREAD_NUMBER)
    return -1;
  errno = 0;
  x = strtoll(n->s, &end, 10);
  if (errno || *end)
    return -1;
  *v = x;
  return 0;
}

/* A member that is an integer: 0 and *v set, or -1. */
static int
int_member(const struct jread_value *obj, const char *key, int64_t *v)
{
  return int_value(jread_get(obj, key), v);
}

/* Parses payload as an object into *tree. */
static enum sm_status
parse_object(const char *payload, const char *kind, struct jread_value **tree,
             char *err, size_t errlen)
{
  enum sm_status rc;

  *tree = NULL;
  if (!payload) {
    snprintf(err, errlen, "%s payload: none", kind);
    return SM_ERR_DATA;
  }
  rc = jread_parse(payload, strlen(payload), kind, tree, err, errlen);
  if (rc == SM_OK && (*tree)->type != JREAD_OBJECT) {
    snprintf(err, errlen, "%s payload: not an object", kind);
    rc = SM_ERR_DATA;
  }
  if (rc != SM_OK) {
    jread_free(*tree);
    *tree = NULL;
  }
  return rc;
}

static enum sm_status
missing(char *err, size_t errlen, const char *kind, const char *what)
{
  snprintf(err, errlen, "%s payload: no %s", kind, what);
  return SM_ERR_DATA;
}

/* An item of the compact form, [id, k, ...], each k an index into the
 * payload's "kw" array. */
static enum sm_status
compact_item(const struct jread_value *it, const struct jread_value *kw,
             struct outbox_digest_item *d, char *err, size_t errlen)
{
  int64_t k;

  if (!it->n || int_value(&it->items[0], &d->id))
    return missing(err, errlen, "digest", "item id");
  if (it->n > 1) {
    d->kw = calloc(it->n - 1, sizeof(*d->kw));
    if (!d->kw)
      return SM_ERR_NOMEM;
  }
  for (size_t i = 1; i < it->n; i++) {
    if (int_value(&it->items[i], &k) || k < 0 || !kw || (uint64_t)k >= kw->n)
      return missing(err, errlen, "digest", "keyword index");
    d->kw[d->nkw++] = kw->items[k].s;
  }
  return SM_OK;
}

/* An item of the first form, {"id":N,"kw":["keyword",...]}: rows queued
 * before the compact form still parse. */
static enum sm_status
object_item(const struct jread_value *it, struct outbox_digest_item *d,
            char *err, size_t errlen)
{
  const struct jread_value *kw = jread_get(it, "kw");

  if (int_member(it, "id", &d->id))
    return missing(err, errlen, "digest", "item id");
  if (kw && kw->type != JREAD_ARRAY)
    return missing(err, errlen, "digest", "keyword array");
  if (kw && kw->n) {
    d->kw = calloc(kw->n, sizeof(*d->kw));
    if (!d->kw)
      return SM_ERR_NOMEM;
    for (size_t k = 0; k < kw->n; k++) {
      if (kw->items[k].type != JREAD_STRING)
        return missing(err, errlen, "digest", "keyword string");
      d->kw[d->nkw++] = kw->items[k].s;
    }
  }
  return SM_OK;
}

enum sm_status
outbox_digest_parse(const char *payload, struct outbox_digest *out, char *err,
                    size_t errlen)
{
  struct jread_value *tree = NULL;
  const struct jread_value *items, *kw;
  enum sm_status rc;

  memset(out, 0, sizeof(*out));
  rc = parse_object(payload, "digest", &tree, err, errlen);
  if (rc != SM_OK)
    return rc;
  out->priv = tree;
  items = jread_get(tree, "items");
  if (!items || items->type != JREAD_ARRAY)
    return missing(err, errlen, "digest", "\"items\" array");
  if (int_member(tree, "more", &out->more) || out->more < 0)
    return missing(err, errlen, "digest", "\"more\" count");
  kw = jread_get(tree, "kw");
  if (kw && kw->type != JREAD_ARRAY)
    return missing(err, errlen, "digest", "keyword array");
  for (size_t k = 0; kw && k < kw->n; k++)
    if (kw->items[k].type != JREAD_STRING)
      return missing(err, errlen, "digest", "keyword string");
  out->items = calloc(items->n ? items->n : 1, sizeof(*out->items));
  if (!out->items)
    return SM_ERR_NOMEM;
  for (size_t i = 0; i < items->n && rc == SM_OK; i++) {
    const struct jread_value *it = &items->items[i];
    /* Counted at once, so that outbox_digest_free frees what an item
     * holds even when a later check refuses it. */
    struct outbox_digest_item *d = &out->items[out->n++];

    if (it->type == JREAD_ARRAY)
      rc = compact_item(it, kw, d, err, errlen);
    else if (it->type == JREAD_OBJECT)
      rc = object_item(it, d, err, errlen);
    else
      rc = missing(err, errlen, "digest", "item");
  }
  return rc;
}

void
outbox_digest_free(struct outbox_digest *d)
{
  for (size_t i = 0; d->items && i < d->n; i++)
    free(d->items[i].kw);
  free(d->items);
  jread_free(d->priv);
  memset(d, 0, sizeof(*d));
}

enum sm_status
outbox_message_parse(const char *payload, struct outbox_message *out,
                     char *err, size_t errlen)
{
  struct jread_value *tree = NULL;
  enum sm_status rc;

  memset(out, 0, sizeof(*out));
  rc = parse_object(payload, "message", &tree, err, errlen);
  if (rc != SM_OK)
    return rc;
  out->priv = tree;
  out->from_name = str_member(tree, "from_name");
  out->from = str_member(tree, "from");
  out->to = str_member(tree, "to");
  out->reply_to = str_member(tree, "reply_to");
  out->subject = str_member(tree, "subject");
  out->auto_submitted = str_member(tree, "auto_submitted");
  out->in_reply_to = str_member(tree, "in_reply_to");
  out->references = str_member(tree, "references");
  out->text = str_member(tree, "text");
  if (!out->from || !out->subject || !out->text)
    return missing(err, errlen, "message", "from, subject or text");
  return SM_OK;
}

void
outbox_message_free(struct outbox_message *m)
{
  jread_free(m->priv);
  memset(m, 0, sizeof(*m));
}

enum sm_status
outbox_comment_parse(const char *payload, struct outbox_comment *out,
                     char *err, size_t errlen)
{
  struct jread_value *tree = NULL;
  enum sm_status rc;

  memset(out, 0, sizeof(*out));
  rc = parse_object(payload, "comment", &tree, err, errlen);
  if (rc != SM_OK)
    return rc;
  out->priv = tree;
  out->message_id = str_member(tree, "message_id");
  out->in_reply_to = str_member(tree, "in_reply_to");
  out->references = str_member(tree, "references");
  out->title = str_member(tree, "title");
  out->link = str_member(tree, "link");
  out->author = str_member(tree, "author");
  out->text = str_member(tree, "text");
  if (int_member(tree, "summary", &out->summary))
    return missing(err, errlen, "comment", "summary id");
  if (int_member(tree, "comment", &out->comment))
    out->comment = 0;
  if (!out->message_id || !out->title || !out->link || !out->author ||
      !out->text)
    return missing(err, errlen, "comment",
                   "message_id, title, link, author or text");
  return SM_OK;
}

void
outbox_comment_free(struct outbox_comment *c)
{
  jread_free(c->priv);
  memset(c, 0, sizeof(*c));
}

void
outbox_item_heading(const char *title, const char *summarizer, int also,
                    char *out, size_t outlen)
{
  if (also)
    snprintf(out, outlen, "Another summary of this paper, by %s",
             summarizer ? summarizer : "Anonymous");
  else
    snprintf(out, outlen, "%s", title);
}
