/* inbound.c: parsing received mail with GMime. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "address.h"
#include "html.h"
#include "inbound.h"

void
inbound_global_init(void)
{
  static int done;

  if (!done) {
    g_mime_init();
    done = 1;
  }
}

/* g_strdup'd or GMime-owned strings become malloc'd ones: callers free
 * everything with free(). */
static char *
dup_or_null(const char *s)
{
  return s ? strdup(s) : NULL;
}

/* A header value as one line: unfolded and trimmed, malloc'd. */
static char *
unfold_dup(const char *v)
{
  char *s, *p;

  if (!v)
    return NULL;
  s = strdup(v);
  if (!s)
    return NULL;
  /* Unfold and trim: a header value is one line to us. */
  for (p = s; *p; p++)
    if (*p == '\r' || *p == '\n' || *p == '\t')
      *p = ' ';
  while (p > s && p[-1] == ' ')
    *--p = '\0';
  p = s;
  while (*p == ' ')
    p++;
  if (p != s)
    memmove(s, p, strlen(p) + 1);
  return s;
}

static char *
header_dup(GMimeObject *obj, const char *name)
{
  return unfold_dup(g_mime_object_get_header(obj, name));
}

/* Whether an Auto-Submitted value says "no" (RFC 3834 5.1): its first
 * token, before any parameter or comment, is exactly "no". */
static int
auto_submitted_no(const char *v)
{
  while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
    v++;
  if (strncasecmp(v, "no", 2))
    return 0;
  v += 2;
  return !*v || *v == ';' || *v == '(' || *v == ' ' || *v == '\t' ||
         *v == '\r' || *v == '\n';
}

/* The first header of the message that marks it as automatic mail, or
 * NULL: any Auto-Submitted other than "no" (every instance counts: a
 * second field cannot be hidden behind a first "no"), and the markers
 * autoresponders and bulk senders write instead: X-Autoreply,
 * X-Autorespond, X-Auto-Response-Suppress (Exchange), Feedback-ID (bulk
 * mail with a feedback loop). The name returned is static. */
static const char *
automatic_marker(GMimeObject *obj)
{
  static const char *const markers[] = {"X-Autoreply", "X-Autorespond",
                                        "X-Auto-Response-Suppress",
                                        "Feedback-ID"};
  GMimeHeaderList *list = g_mime_object_get_header_list(obj);
  int count = list ? g_mime_header_list_get_count(list) : 0;

  for (int i = 0; i < count; i++) {
    GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
    const char *name = h ? g_mime_header_get_name(h) : NULL;
    const char *v = h ? g_mime_header_get_raw_value(h) : NULL;

    if (!name)
      continue;
    if (!strcasecmp(name, "Auto-Submitted") && !auto_submitted_no(v ? v : ""))
      return "Auto-Submitted";
    for (size_t k = 0; k < sizeof(markers) / sizeof(markers[0]); k++)
      if (!strcasecmp(name, markers[k]))
        return markers[k];
  }
  return NULL;
}

/* The Authentication-Results fields above the first Received field, in
 * header order, raw (an RFC 2047 decoding has no place in its grammar),
 * top first. Our MTA adds its results above the Received field it adds
 * (RFC 8601 section 5); a field below that came with the message, from
 * whoever wrote it, whatever authserv-id it names. */
static enum sm_status
auth_results(GMimeObject *obj, struct inbound_msg *out)
{
  GMimeHeaderList *list = g_mime_object_get_header_list(obj);
  int count = list ? g_mime_header_list_get_count(list) : 0;

  for (int i = 0; i < count; i++) {
    GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
    const char *name = h ? g_mime_header_get_name(h) : NULL;
    char *v;

    if (name && !strcasecmp(name, "Received"))
      break;
    if (!name || strcasecmp(name, "Authentication-Results"))
      continue;
    if (out->n_auth_results == INBOUND_MAX_AUTH_RESULTS)
      break;
    if (!out->auth_results) {
      out->auth_results =
          calloc(INBOUND_MAX_AUTH_RESULTS, sizeof(*out->auth_results));
      if (!out->auth_results)
        return SM_ERR_NOMEM;
    }
    v = unfold_dup(g_mime_header_get_raw_value(h));
    if (!v)
      return SM_ERR_NOMEM;
    out->auth_results[out->n_auth_results++] = v;
  }
  return SM_OK;
}

char *
inbound_normalize_address(const char *value)
{
  InternetAddressList *list;
  InternetAddress *ia;
  const char *addr;
  char *out = NULL;

  if (!value)
    return NULL;
  list = internet_address_list_parse(NULL, value);
  if (!list)
    return NULL;
  if (internet_address_list_length(list) > 0) {
    ia = internet_address_list_get_address(list, 0);
    if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
      /* The ASCII (punycode) form: GMime decodes IDNs in get_addr(),
       * and our mail only goes to ASCII addresses. */
      addr =
          internet_address_mailbox_get_idn_addr(INTERNET_ADDRESS_MAILBOX(ia));
      if (addr && strchr(addr, '@') && !strchr(addr, ' ')) {
        /* Kept even when we could not send to it, for the log;
         * receive asks address_sendable() before it answers. */
        out = strdup(addr);
        address_fold_domain(out);
      }
    }
  }
  g_object_unref(list);
  return out;
}

struct body_pick {
  GMimeTextPart *plain;
  GMimeTextPart *html;
  int has_dsn;
  char *dsn;      /* malloc'd */
  char *returned; /* malloc'd */
};

/* The decoded content of a leaf part, malloc'd and NUL-terminated
 * (bounded: a delivery status is a few lines). */
static char *
leaf_content(GMimeObject *part)
{
  GMimeDataWrapper *w;
  GMimeStream *mem;
  GByteArray *bytes;
  char *out = NULL;

  if (!GMIME_IS_PART(part))
    return NULL;
  w = g_mime_part_get_content(GMIME_PART(part));
  if (!w)
    return NULL;
  mem = g_mime_stream_mem_new();
  if (g_mime_data_wrapper_write_to_stream(w, mem) >= 0) {
    bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    if (bytes && bytes->len < 1024 * 1024) {
      out = malloc(bytes->len + 1);
      if (out) {
        memcpy(out, bytes->data, bytes->len);
        out[bytes->len] = '\0';
      }
    }
  }
  g_object_unref(mem);
  return out;
}

static void
pick_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
  struct body_pick *pick = data;
  GMimeContentType *ct = g_mime_object_get_content_type(part);
  const char *disp;

  (void)parent;
  if (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
      g_mime_content_type_is_type(ct, "message", "global-delivery-status")) {
    pick->has_dsn = 1;
    if (!pick->dsn)
      pick->dsn = leaf_content(part);
  }
  if (!pick->returned && GMIME_IS_MESSAGE_PART(part)) {
    GMimeMessage *inner =
        g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
    char *h =
        inner ? g_mime_object_get_headers(GMIME_OBJECT(inner), NULL) : NULL;

    pick->returned = h ? strdup(h) : NULL;
    g_free(h);
    return;
  }
  if (!pick->returned &&
      (g_mime_content_type_is_type(ct, "text", "rfc822-headers") ||
       g_mime_content_type_is_type(ct, "message", "rfc822-headers"))) {
    pick->returned = leaf_content(part);
    return;
  }
  if (!GMIME_IS_TEXT_PART(part))
    return;
  disp = g_mime_object_get_disposition(part);
  if (disp && !strcasecmp(disp, "attachment"))
    return;
  if (!pick->plain && g_mime_content_type_is_type(ct, "text", "plain"))
    pick->plain = GMIME_TEXT_PART(part);
  else if (!pick->html && g_mime_content_type_is_type(ct, "text", "html"))
    pick->html = GMIME_TEXT_PART(part);
}

/* s as UTF-8, malloc'd: as it is when it is UTF-8, else read as
 * Windows-1252 (the usual culprit of undeclared 8-bit text), else as
 * ISO-8859-1, which takes any byte. Never invalid UTF-8 out. */
static char *
to_utf8(const char *s)
{
  gchar *conv;
  char *out;

  if (!s)
    return NULL;
  if (g_utf8_validate(s, -1, NULL))
    return strdup(s);
  conv = g_convert(s, -1, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
  if (!conv)
    conv = g_convert(s, -1, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
  out = conv ? strdup(conv) : NULL;
  g_free(conv);
  return out;
}

/* The part's text in UTF-8; GMime converts from the declared charset. */
static char *
part_text(GMimeTextPart *tp)
{
  char *g = g_mime_text_part_get_text(tp);
  char *out = g ? to_utf8(g) : NULL;

  g_free(g);
  return out ? out : strdup("");
}

/* Whether s holds nothing but white space. */
static int
blank(const char *s)
{
  for (; *s; s++)
    if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
      return 0;
  return 1;
}

enum sm_status
inbound_parse(const char *raw, size_t len, struct inbound_msg *out, char *err,
              size_t errlen)
{
  GMimeStream *stream = NULL;
  GMimeParser *parser = NULL;
  GMimeMessage *msg = NULL;
  GMimeObject *obj;
  InternetAddressList *from;
  struct body_pick pick = {NULL, NULL, 0, NULL, NULL};
  enum sm_status rc = SM_OK;
  const char *mid;

  memset(out, 0, sizeof(*out));
  inbound_global_init();
  stream = g_mime_stream_mem_new_with_buffer(raw, len);
  parser = g_mime_parser_new_with_stream(stream);
  msg = g_mime_parser_construct_message(parser, NULL);
  if (!msg) {
    snprintf(err, errlen, "not a mail message (no header found)");
    rc = SM_ERR_DATA;
    goto out;
  }
  obj = GMIME_OBJECT(msg);
  mid = g_mime_message_get_message_id(msg);
  out->message_id = dup_or_null(mid && *mid ? mid : NULL);
  from = g_mime_message_get_from(msg);
  if (from && internet_address_list_length(from) > 0) {
    InternetAddress *ia = internet_address_list_get_address(from, 0);
    const char *name = internet_address_get_name(ia);
    if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
      const char *a =
          internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
      out->from_addr = inbound_normalize_address(a);
    }
    out->from_name = to_utf8(name && *name ? name : NULL);
  }
  out->subject = to_utf8(g_mime_message_get_subject(msg));
  out->in_reply_to = header_dup(obj, "In-Reply-To");
  out->references = header_dup(obj, "References");
  out->automatic = automatic_marker(obj);
  out->precedence = header_dup(obj, "Precedence");
  out->list_id = header_dup(obj, "List-Id");
  out->return_path = header_dup(obj, "Return-Path");
  out->delivered_to = header_dup(obj, "Delivered-To");
  out->x_original_to = header_dup(obj, "X-Original-To");
  out->failed_recipients = header_dup(obj, "X-Failed-Recipients");
  rc = auth_results(obj, out);
  if (rc != SM_OK)
    goto out;

  g_mime_message_foreach(msg, pick_part, &pick);
  if (GMIME_IS_TEXT_PART(g_mime_message_get_mime_part(msg)) && !pick.plain &&
      !pick.html) {
    /* A single-part message whose type is some other text/x. */
    pick.plain = GMIME_TEXT_PART(g_mime_message_get_mime_part(msg));
  }
  out->has_dsn = pick.has_dsn;
  out->dsn = pick.dsn;
  out->returned = to_utf8(pick.returned);
  free(pick.returned);
  if (out->dsn && !g_utf8_validate(out->dsn, -1, NULL)) {
    char *u = to_utf8(out->dsn);
    free(out->dsn);
    out->dsn = u;
  }
  if (pick.plain)
    out->text = part_text(pick.plain);
  if (out->text && pick.html && blank(out->text)) {
    /* Some programs send an empty text part beside the HTML one the
     * reader wrote in. */
    free(out->text);
    out->text = NULL;
  }
  if (!out->text && pick.html) {
    char *h = part_text(pick.html);
    struct buf t = BUF_INIT(4 * 1024 * 1024);
    if (h && html_to_text(h, strlen(h), &t) == SM_OK) {
      out->text = buf_detach(&t);
      out->text_from_html = 1;
    }
    buf_free(&t);
    free(h);
  }
  if (!out->text)
    out->text = strdup("");
  if (!out->text)
    rc = SM_ERR_NOMEM;
out:
  if (msg)
    g_object_unref(msg);
  if (parser)
    g_object_unref(parser);
  if (stream)
    g_object_unref(stream);
  if (rc != SM_OK)
    inbound_msg_free(out);
  return rc;
}

void
inbound_msg_free(struct inbound_msg *m)
{
  free(m->message_id);
  free(m->from_addr);
  free(m->from_name);
  free(m->subject);
  free(m->in_reply_to);
  free(m->references);
  free(m->precedence);
  free(m->list_id);
  free(m->return_path);
  free(m->delivered_to);
  free(m->x_original_to);
  free(m->text);
  free(m->dsn);
  free(m->failed_recipients);
  free(m->returned);
  for (size_t i = 0; i < m->n_auth_results; i++)
    free(m->auth_results[i]);
  free(m->auth_results);
  memset(m, 0, sizeof(*m));
}

/* The first address of list (groups opened) that accept takes, or
 * NULL; malloc'd. */
static char *
accepted_address(InternetAddressList *list,
                 int (*accept)(const char *address, void *ctx), void *ctx)
{
  int n = internet_address_list_length(list);

  for (int i = 0; i < n; i++) {
    InternetAddress *ia = internet_address_list_get_address(list, i);
    char *a;

    if (INTERNET_ADDRESS_IS_GROUP(ia)) {
      a = accepted_address(
          internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
          accept, ctx);
      if (a)
        return a;
      continue;
    }
    if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
      continue;
    a = inbound_normalize_address(
        internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
    if (a && accept(a, ctx))
      return a;
    free(a);
  }
  return NULL;
}

char *
inbound_find_address(const char *raw, size_t len, const char *name,
                     int (*accept)(const char *address, void *ctx), void *ctx)
{
  GMimeStream *stream;
  GMimeParser *parser;
  GMimeMessage *msg;
  GMimeHeaderList *headers;
  const char *end;
  char *found = NULL;
  int count;

  inbound_global_init();
  /* Only the header is parsed: the body of a large message is not
   * read for this. */
  end = raw;
  for (size_t i = 0; i + 1 < len; i++)
    if (raw[i] == '\n' &&
        (raw[i + 1] == '\n' ||
         (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n'))) {
      end = raw + i + 1;
      break;
    }
  if (end == raw)
    end = raw + len;
  stream = g_mime_stream_mem_new_with_buffer(raw, (size_t)(end - raw));
  parser = g_mime_parser_new_with_stream(stream);
  msg = g_mime_parser_construct_message(parser, NULL);
  headers = msg ? g_mime_object_get_header_list(GMIME_OBJECT(msg)) : NULL;
  count = headers ? g_mime_header_list_get_count(headers) : 0;
  for (int i = 0; i < count && !found; i++) {
    GMimeHeader *h = g_mime_header_list_get_header_at(headers, i);
    const char *hn = h ? g_mime_header_get_name(h) : NULL;
    InternetAddressList *list;
    char *v;

    if (!hn || strcasecmp(hn, name))
      continue;
    v = unfold_dup(g_mime_header_get_raw_value(h));
    list = v ? internet_address_list_parse(NULL, v) : NULL;
    if (list) {
      found = accepted_address(list, accept, ctx);
      g_object_unref(list);
    }
    free(v);
  }
  if (msg)
    g_object_unref(msg);
  g_object_unref(parser);
  g_object_unref(stream);
  return found;
}
