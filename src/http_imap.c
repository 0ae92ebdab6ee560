/* http_imap.c: the IMAP commands of `shortmail fetch`, through libcurl.
 *
 * libcurl speaks the protocol (greeting, CAPABILITY, STARTTLS, login,
 * SELECT, literals); we only build commands and read the untagged lines
 * it hands back for a custom command. A mailbox URL always carries
 * ;UIDVALIDITY=, so libcurl refuses to act on a mailbox whose UIDs no
 * longer mean what they meant when we listed them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "ascii.h"
#include "buf.h"
#include "http.h"
#include "http_int.h"
#include "log.h"

/* The untagged answer of one command other than a listing (STATUS,
 * MOVE, STORE) is a few lines. */
#define IMAP_SMALL_ANSWER (64 * 1024)
/* A listing line, "* 123 FETCH (UID 4567 RFC822.SIZE 8901 FLAGS (...))",
 * with room for servers that add MODSEQ and many keywords. */
#define IMAP_LIST_LINE 512
/* Messages listed per FETCH command (see http_imap_list). */
#define IMAP_LIST_CHUNK 32
/* A command or URL: a mailbox name comes from a configuration line (at
 * most 4 KB), and may triple when escaped. */
#define IMAP_COMMAND_MAX (16 * 1024)
/* The server's last tagged answer kept for error messages. */
#define IMAP_LAST_ANSWER 200

struct http_imap {
  CURL *h;
  char *base; /* the URL without a trailing '/' */
  char last[IMAP_LAST_ANSWER + 1];
  char curlerr[CURL_ERROR_SIZE];
};

int
http_imap_refusal(const char *data, size_t size, char *out, size_t outlen)
{
  const char *sp = memchr(data, ' ', size);
  size_t k = 0, rest;

  if (size < 2 || data[0] == '*' || data[0] == '+' || !sp || outlen == 0)
    return 0;
  rest = size - (size_t)(sp + 1 - data);
  if (!(rest >= 3 && !strncasecmp(sp + 1, "NO ", 3)) &&
      !(rest >= 4 && !strncasecmp(sp + 1, "BAD ", 4)))
    return 0;
  for (size_t i = 0; i < size && k + 1 < outlen; i++) {
    unsigned char c = (unsigned char)data[i];
    if (c == '\r' || c == '\n')
      break;
    out[k++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
  }
  out[k] = '\0';
  return 1;
}

/* libcurl shows us the server's lines as CURLINFO_HEADER_IN; the last
 * tagged NO or BAD ("A004 NO [TRYCREATE] Mailbox doesn't exist")
 * explains a failure better than libcurl's error (after which libcurl
 * logs out, so the very last line is an OK). Lines we send (the login
 * among them) are never kept. */
static int
on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
  struct http_imap *s = ud;

  (void)h;
  if (type == CURLINFO_HEADER_IN)
    http_imap_refusal(data, size, s->last, sizeof(s->last));
  return 0;
}

static int
has_scheme(const char *url, const char *scheme)
{
  size_t n = strlen(scheme);

  return !strncasecmp(url, scheme, n) && !strncmp(url + n, "://", 3);
}

enum sm_status
http_imap_open(const struct http_imap_opts *o, struct http_imap **out,
               char *err, size_t errlen)
{
  struct http_imap *s;
  const char *host;
  size_t n;
  int tls;

  *out = NULL;
  tls = has_scheme(o->url, "imaps");
  if (!tls && !has_scheme(o->url, "imap")) {
    snprintf(err, errlen, "%s: not an imaps:// or imap:// URL", o->url);
    return SM_ERR_CONFIG;
  }
  host = strstr(o->url, "://") + 3;
  n = strlen(o->url);
  while (n > 0 && o->url[n - 1] == '/')
    n--;
  if (!*host || memchr(host, '/', n - (size_t)(host - o->url)) ||
      strpbrk(host, "?#;@")) {
    snprintf(err, errlen,
             "%s: give the server only (imaps://HOST[:PORT]); the mailbox "
             "and the user have keys of their own",
             o->url);
    return SM_ERR_CONFIG;
  }
  s = calloc(1, sizeof(*s));
  if (!s || !(s->base = strndup(o->url, n)) || !(s->h = curl_easy_init())) {
    http_imap_close(s);
    snprintf(err, errlen, "%s: out of memory", o->url);
    return SM_ERR_NOMEM;
  }
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
  curl_easy_setopt(s->h, CURLOPT_PROTOCOLS_STR, "imap,imaps");
#else
  curl_easy_setopt(s->h, CURLOPT_PROTOCOLS,
                   (long)(CURLPROTO_IMAP | CURLPROTO_IMAPS));
#endif
  if (o->user)
    curl_easy_setopt(s->h, CURLOPT_USERNAME, o->user);
  if (o->password)
    curl_easy_setopt(s->h, CURLOPT_PASSWORD, o->password);
  /* A password never crosses the network in clear: STARTTLS or fail,
   * unless the operator allowed plain text (a test server). */
  if (!tls)
    curl_easy_setopt(s->h, CURLOPT_USE_SSL,
                     o->allow_plaintext ? (long)CURLUSESSL_TRY
                                        : (long)CURLUSESSL_ALL);
  if (o->ca_file)
    curl_easy_setopt(s->h, CURLOPT_CAINFO, o->ca_file);
  curl_easy_setopt(s->h, CURLOPT_TIMEOUT, o->timeout);
  curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT, o->timeout);
  curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(s->h, CURLOPT_ERRORBUFFER, s->curlerr);
  curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, http_sink_write);
  curl_easy_setopt(s->h, CURLOPT_DEBUGFUNCTION, on_debug);
  curl_easy_setopt(s->h, CURLOPT_DEBUGDATA, s);
  curl_easy_setopt(s->h, CURLOPT_VERBOSE, 1L);
  *out = s;
  return SM_OK;
}

void
http_imap_close(struct http_imap *s)
{
  if (!s)
    return;
  if (s->h)
    curl_easy_cleanup(s->h);
  free(s->base);
  free(s);
}

/* Whether a mailbox or folder name can be sent: no control characters
 * (they would end the command line) and not empty. */
static int
name_ok(const char *name)
{
  if (!name || !*name)
    return 0;
  for (; *name; name++)
    if ((unsigned char)*name < 0x20 || *name == 0x7F)
      return 0;
  return 1;
}

/* Appends name as an IMAP quoted string. libcurl URL-decodes a custom
 * command before sending it, so a '%' goes as "%25". */
static enum sm_status
quote_name(struct buf *b, const char *name)
{
  enum sm_status rc = buf_putc(b, '"');

  for (; *name && rc == SM_OK; name++) {
    if (*name == '"' || *name == '\\')
      rc = buf_putc(b, '\\');
    if (rc == SM_OK)
      rc = *name == '%' ? buf_puts(b, "%25") : buf_putc(b, *name);
  }
  return rc == SM_OK ? buf_putc(b, '"') : rc;
}

/* The URL of mailbox under uidvalidity, with ";UID=uid" when uid != 0. */
static enum sm_status
mailbox_url(struct http_imap *s, const char *mailbox, uint32_t uidvalidity,
            uint32_t uid, struct buf *url)
{
  char *esc = curl_easy_escape(s->h, mailbox, 0);
  enum sm_status rc;

  if (!esc)
    return SM_ERR_NOMEM;
  rc = buf_printf(url, "%s/%s;UIDVALIDITY=%lu", s->base, esc,
                  (unsigned long)uidvalidity);
  if (rc == SM_OK && uid)
    rc = buf_printf(url, "/;UID=%lu", (unsigned long)uid);
  curl_free(esc);
  return rc;
}

/* Runs one transfer: url, with `command` as a custom command (or NULL
 * for a plain fetch), the untagged lines or the message into out. */
static enum sm_status
perform(struct http_imap *s, const char *url, const char *command,
        struct buf *out, const char *what, char *err, size_t errlen)
{
  struct http_sink sink = {out, 0, 0};
  const char *detail;
  enum sm_status rc;
  CURLcode cc;

  s->last[0] = '\0';
  s->curlerr[0] = '\0';
  curl_easy_setopt(s->h, CURLOPT_URL, url);
  curl_easy_setopt(s->h, CURLOPT_CUSTOMREQUEST, command);
  curl_easy_setopt(s->h, CURLOPT_WRITEDATA, &sink);
  cc = curl_easy_perform(s->h);
  if (cc == CURLE_OK)
    return SM_OK;
  detail = s->curlerr[0] ? s->curlerr : curl_easy_strerror(cc);
  if (sink.too_large) {
    snprintf(err, errlen, "%s: %s: more than %zu bytes", s->base, what,
             out->max);
    return SM_ERR_LIMIT;
  }
  if (sink.nomem) {
    snprintf(err, errlen, "%s: %s: out of memory", s->base, what);
    return SM_ERR_NOMEM;
  }
  switch (cc) {
  case CURLE_LOGIN_DENIED:
    snprintf(err, errlen,
             "%s: the server refused the user name or password (%s); check "
             "[imap] user and password_file",
             s->base, s->last[0] ? s->last : detail);
    return SM_ERR_AUTH;
  case CURLE_USE_SSL_FAILED:
    snprintf(err, errlen,
             "%s: the server offers no STARTTLS, and the password must not "
             "go in clear: use imaps://, or allow_plaintext = yes for a "
             "test server on loopback",
             s->base);
    return SM_ERR_CONFIG;
  case CURLE_URL_MALFORMAT:
  case CURLE_UNSUPPORTED_PROTOCOL:
    snprintf(err, errlen, "%s: %s", s->base, detail);
    return SM_ERR_CONFIG;
  case CURLE_REMOTE_FILE_NOT_FOUND:
    rc = SM_ERR_NOTFOUND;
    break;
  case CURLE_QUOTE_ERROR:
    rc = SM_ERR_PROTOCOL;
    break;
  case CURLE_OUT_OF_MEMORY:
    rc = SM_ERR_NOMEM;
    break;
  default:
    /* No connection, TLS, a timeout, the server going away: the next
     * run tries again. */
    rc = SM_ERR_NETWORK;
    break;
  }
  if (s->last[0])
    snprintf(err, errlen, "%s: %s: %s (the server said \"%s\")", s->base, what,
             detail, s->last);
  else
    snprintf(err, errlen, "%s: %s: %s", s->base, what, detail);
  return rc;
}

/* One transfer on mailbox (selected under uidvalidity first), or on no
 * mailbox when mailbox is NULL: the custom command cmd, or the message
 * uid when cmd is NULL. */
static enum sm_status
transfer(struct http_imap *s, const char *mailbox, uint32_t uidvalidity,
         uint32_t uid, const char *cmd, struct buf *out, const char *what,
         char *err, size_t errlen)
{
  struct buf url = BUF_INIT(IMAP_COMMAND_MAX);
  enum sm_status rc;

  if (mailbox)
    rc = mailbox_url(s, mailbox, uidvalidity, cmd ? 0 : uid, &url);
  else
    rc = buf_printf(&url, "%s/", s->base);
  if (rc == SM_OK)
    rc = perform(s, buf_str(&url), cmd, out, what, err, errlen);
  else
    snprintf(err, errlen, "%s: %s: out of memory", s->base, what);
  buf_free(&url);
  return rc;
}

static enum sm_status
bad_name(const struct http_imap *s, const char *name, char *err, size_t errlen)
{
  snprintf(err, errlen, "%s: \"%s\" is not a mailbox name we can send",
           s->base, name ? name : "");
  return SM_ERR_CONFIG;
}

enum sm_status
http_imap_status(struct http_imap *s, const char *mailbox,
                 struct http_imap_status *st, char *err, size_t errlen)
{
  struct buf cmd = BUF_INIT(IMAP_COMMAND_MAX),
             out = BUF_INIT(IMAP_SMALL_ANSWER);
  enum sm_status rc;

  memset(st, 0, sizeof(*st));
  if (!name_ok(mailbox))
    return bad_name(s, mailbox, err, errlen);
  rc = buf_puts(&cmd, "STATUS ");
  if (rc == SM_OK)
    rc = quote_name(&cmd, mailbox);
  if (rc == SM_OK)
    rc = buf_puts(&cmd, " (MESSAGES UIDVALIDITY)");
  if (rc == SM_OK)
    rc = transfer(s, NULL, 0, 0, buf_str(&cmd), &out, "STATUS", err, errlen);
  if (rc == SM_OK) {
    rc = http_imap_parse_status(out.data, out.len, st);
    if (rc != SM_OK)
      snprintf(err, errlen,
               "%s: STATUS %s: no MESSAGES and UIDVALIDITY in "
               "the answer",
               s->base, mailbox);
  }
  buf_free(&cmd);
  buf_free(&out);
  return rc;
}

enum sm_status
http_imap_list(struct http_imap *s, const char *mailbox, uint32_t uidvalidity,
               uint32_t n, struct http_imap_item **items, size_t *count,
               char *err, size_t errlen)
{
  struct buf out;
  char cmd[96];
  size_t bad = 0;
  enum sm_status rc;

  *items = NULL;
  *count = 0;
  if (!name_ok(mailbox))
    return bad_name(s, mailbox, err, errlen);
  if (n == 0)
    return SM_OK;
  if (n > HTTP_IMAP_MAX_LIST)
    n = HTTP_IMAP_MAX_LIST;
  /* Sequence numbers, not UIDs: 1:n are the n oldest messages whatever
   * their UIDs, so the answer is bounded by n lines. libcurl 7.88 counts
   * the untagged lines of one command against its 300 KB limit of
   * response headers in a way that grows faster than their size (a
   * 25 KB answer of 500 lines failed): the lines are asked for a few at
   * a time. */
  buf_init(&out, (size_t)n * IMAP_LIST_LINE + IMAP_SMALL_ANSWER);
  rc = SM_OK;
  for (uint32_t first = 1; first <= n && rc == SM_OK;
       first += IMAP_LIST_CHUNK) {
    uint32_t last =
        n - first < IMAP_LIST_CHUNK ? n : first + IMAP_LIST_CHUNK - 1;
    snprintf(cmd, sizeof(cmd), "FETCH %lu:%lu (UID RFC822.SIZE FLAGS)",
             (unsigned long)first, (unsigned long)last);
    rc = transfer(s, mailbox, uidvalidity, 0, cmd, &out, "listing the mailbox",
                  err, errlen);
  }
  if (rc == SM_ERR_NOTFOUND)
    snprintf(err, errlen, "%s: %s: its UIDVALIDITY is no longer %lu", s->base,
             mailbox, (unsigned long)uidvalidity);
  if (rc == SM_OK) {
    rc = http_imap_parse_list(out.data, out.len, n, items, count, &bad);
    if (rc != SM_OK)
      snprintf(err, errlen, "%s: listing %s: out of memory", s->base, mailbox);
    else if (bad)
      log_warning("%s: %s: %zu FETCH line%s could not be read; those "
                  "messages stay in the mailbox",
                  s->base, mailbox, bad, bad == 1 ? "" : "s");
  }
  buf_free(&out);
  return rc;
}

enum sm_status
http_imap_fetch(struct http_imap *s, const char *mailbox, uint32_t uidvalidity,
                uint32_t uid, struct buf *out, char *err, size_t errlen)
{
  char what[64];

  if (!name_ok(mailbox))
    return bad_name(s, mailbox, err, errlen);
  snprintf(what, sizeof(what), "fetching UID %lu", (unsigned long)uid);
  return transfer(s, mailbox, uidvalidity, uid, NULL, out, what, err, errlen);
}

/* A command on one UID of the selected mailbox: "UID VERB uid ARGS". */
static enum sm_status
uid_command(struct http_imap *s, const char *mailbox, uint32_t uidvalidity,
            uint32_t uid, const char *verb, const char *folder,
            const char *args, char *err, size_t errlen)
{
  struct buf cmd = BUF_INIT(IMAP_COMMAND_MAX),
             out = BUF_INIT(IMAP_SMALL_ANSWER);
  char what[64];
  enum sm_status rc;

  snprintf(what, sizeof(what), "UID %s %lu", verb, (unsigned long)uid);
  rc = buf_printf(&cmd, "UID %s %lu ", verb, (unsigned long)uid);
  if (rc == SM_OK && folder)
    rc = quote_name(&cmd, folder);
  if (rc == SM_OK)
    rc = buf_puts(&cmd, args ? args : "");
  if (rc == SM_OK)
    rc = transfer(s, mailbox, uidvalidity, 0, buf_str(&cmd), &out, what, err,
                  errlen);
  buf_free(&cmd);
  buf_free(&out);
  return rc;
}

enum sm_status
http_imap_flag(struct http_imap *s, const char *mailbox, uint32_t uidvalidity,
               uint32_t uid, const char *flags, int add, char *err,
               size_t errlen)
{
  char args[128];

  if (!name_ok(mailbox))
    return bad_name(s, mailbox, err, errlen);
  snprintf(args, sizeof(args), "%cFLAGS.SILENT (%s)", add ? '+' : '-', flags);
  return uid_command(s, mailbox, uidvalidity, uid, "STORE", NULL, args, err,
                     errlen);
}

enum sm_status
http_imap_move(struct http_imap *s, const char *mailbox, uint32_t uidvalidity,
               uint32_t uid, const char *folder, int *expunge, char *err,
               size_t errlen)
{
  enum sm_status rc;

  if (!name_ok(mailbox))
    return bad_name(s, mailbox, err, errlen);
  if (!name_ok(folder))
    return bad_name(s, folder, err, errlen);
  rc = uid_command(s, mailbox, uidvalidity, uid, "MOVE", folder, NULL, err,
                   errlen);
  if (rc != SM_ERR_PROTOCOL)
    return rc;
  /* No MOVE here (or the folder is missing, which COPY reports again):
   * the way before RFC 6851. */
  log_debug("%s", err);
  rc = uid_command(s, mailbox, uidvalidity, uid, "COPY", folder, NULL, err,
                   errlen);
  if (rc == SM_OK)
    rc = http_imap_flag(s, mailbox, uidvalidity, uid, "\\Deleted", 1, err,
                        errlen);
  if (rc == SM_OK)
    *expunge = 1;
  return rc;
}

enum sm_status
http_imap_expunge(struct http_imap *s, const char *mailbox,
                  uint32_t uidvalidity, char *err, size_t errlen)
{
  struct buf out = BUF_INIT(IMAP_SMALL_ANSWER);
  enum sm_status rc;

  if (!name_ok(mailbox))
    return bad_name(s, mailbox, err, errlen);
  /* Every line is "* N EXPUNGE": bounded by the mailbox, not by us. */
  out.max = (size_t)HTTP_IMAP_MAX_LIST * 32;
  rc = transfer(s, mailbox, uidvalidity, 0, "EXPUNGE", &out, "EXPUNGE", err,
                errlen);
  buf_free(&out);
  return rc;
}

enum sm_status
http_imap_create(struct http_imap *s, const char *folder, char *err,
                 size_t errlen)
{
  struct buf cmd = BUF_INIT(IMAP_COMMAND_MAX),
             out = BUF_INIT(IMAP_SMALL_ANSWER);
  enum sm_status rc;

  if (!name_ok(folder))
    return bad_name(s, folder, err, errlen);
  rc = buf_puts(&cmd, "CREATE ");
  if (rc == SM_OK)
    rc = quote_name(&cmd, folder);
  if (rc == SM_OK)
    rc = transfer(s, NULL, 0, 0, buf_str(&cmd), &out, "CREATE", err, errlen);
  /* NO: most likely it exists ([ALREADYEXISTS], RFC 5530, where the
   * server says so); a folder that cannot be made fails the move. */
  if (rc == SM_ERR_PROTOCOL) {
    log_debug("%s", err);
    rc = SM_OK;
  }
  buf_free(&cmd);
  buf_free(&out);
  return rc;
}

/* ---- reading the answers ------------------------------------------- */

/* A number of at most 32 bits at *p (advanced); -1 when there is none
 * or it is larger. */
static int
read_u32(const char **p, const char *end, uint32_t *out)
{
  uint64_t v = 0;
  const char *q = *p;

  if (q >= end || !ascii_isdigit((unsigned char)*q))
    return -1;
  for (; q < end && ascii_isdigit((unsigned char)*q); q++) {
    v = v * 10 + (uint64_t)(*q - '0');
    if (v > 0xFFFFFFFFu)
      return -1;
  }
  *p = q;
  *out = (uint32_t)v;
  return 0;
}

/* A 63-bit number (RFC822.SIZE may pass 4 GB on some servers). */
static int
read_u64(const char **p, const char *end, uint64_t *out)
{
  uint64_t v = 0;
  const char *q = *p;

  if (q >= end || !ascii_isdigit((unsigned char)*q))
    return -1;
  for (; q < end && ascii_isdigit((unsigned char)*q); q++) {
    if (v > (UINT64_MAX >> 1) / 10)
      return -1;
    v = v * 10 + (uint64_t)(*q - '0');
  }
  *p = q;
  *out = v;
  return 0;
}

static int
word_is(const char *p, const char *end, const char *word)
{
  size_t n = strlen(word);

  return (size_t)(end - p) >= n && !strncasecmp(p, word, n) &&
         (p + n == end || p[n] == ' ' || p[n] == '(' || p[n] == ')');
}

/* The end of the line at p (before "\r\n" or "\n"), and where the next
 * one starts. */
static const char *
line_end(const char *p, const char *end, const char **next)
{
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  const char *e = nl ? nl : end;

  *next = nl ? nl + 1 : end;
  if (e > p && e[-1] == '\r')
    e--;
  return e;
}

enum sm_status
http_imap_parse_status(const char *text, size_t len,
                       struct http_imap_status *out)
{
  const char *p = text, *end = text + len, *next;

  memset(out, 0, sizeof(*out));
  for (; p < end; p = next) {
    const char *e = line_end(p, end, &next), *q, *open = NULL;
    int have_msgs = 0, have_uidv = 0;

    if (e - p < 9 || strncasecmp(p, "* STATUS ", 9))
      continue;
    /* The attributes are the last parenthesised list of the line: the
     * mailbox name before it may hold '(' but the list holds none. */
    while (e > p && e[-1] == ' ')
      e--;
    if (e == p || e[-1] != ')')
      continue;
    for (q = e - 1; q > p + 9; q--)
      if (q[-1] == '(') {
        open = q;
        break;
      }
    if (!open)
      continue;
    q = open;
    while (q < e - 1) {
      const char *name = q;
      uint32_t v;

      while (q < e - 1 && *q != ' ')
        q++;
      if (q >= e - 1)
        break;
      q++;
      if (read_u32(&q, e - 1, &v) < 0)
        break;
      if (word_is(name, e, "MESSAGES")) {
        out->messages = v;
        have_msgs = 1;
      } else if (word_is(name, e, "UIDVALIDITY") && v) {
        out->uidvalidity = v;
        have_uidv = 1;
      }
      while (q < e - 1 && *q == ' ')
        q++;
    }
    if (have_msgs && have_uidv)
      return SM_OK;
  }
  memset(out, 0, sizeof(*out));
  return SM_ERR_PROTOCOL;
}

/* Skips one value at *p: an atom or number, a quoted string, or a
 * parenthesised list (nested). -1 on a literal ({n}: libcurl does not
 * hand its bytes to us) or on a value that does not end. */
static int
skip_value(const char **p, const char *end)
{
  const char *q = *p;
  int depth = 0;

  do {
    if (q >= end)
      return -1;
    if (*q == '{')
      return -1;
    if (*q == '"') {
      for (q++; q < end && *q != '"'; q++)
        if (*q == '\\')
          q++;
      if (q >= end)
        return -1;
      q++;
    } else if (*q == '(') {
      depth++;
      q++;
    } else if (*q == ')') {
      if (depth == 0)
        return -1;
      depth--;
      q++;
    } else if (*q == ' ') {
      q++;
    } else {
      while (q < end && *q != ' ' && *q != '(' && *q != ')' && *q != '"')
        q++;
    }
  } while (depth > 0);
  *p = q;
  return 0;
}

/* One "* N FETCH (...)" line: 1 with *it filled when it has a UID and a
 * size, 0 for another line (or a FETCH of flags only), -1 when it
 * cannot be read. */
static int
parse_fetch_line(const char *p, const char *e, struct http_imap_item *it)
{
  uint32_t seq;
  int have_uid = 0, have_size = 0;

  memset(it, 0, sizeof(*it));
  if (e - p < 2 || p[0] != '*' || p[1] != ' ')
    return 0;
  p += 2;
  if (read_u32(&p, e, &seq) < 0 || p >= e || *p != ' ')
    return 0;
  p++;
  if (!word_is(p, e, "FETCH"))
    return 0;
  p += 5;
  while (p < e && *p == ' ')
    p++;
  if (p >= e || *p != '(')
    return -1;
  p++;
  for (;;) {
    const char *name;

    while (p < e && *p == ' ')
      p++;
    if (p < e && *p == ')')
      break;
    name = p;
    while (p < e && *p != ' ' && *p != '(' && *p != ')')
      p++;
    if (p == name || p >= e || *p != ' ')
      return -1;
    p++;
    if (word_is(name, e, "UID")) {
      if (read_u32(&p, e, &it->uid) < 0 || it->uid == 0)
        return -1;
      have_uid = 1;
    } else if (word_is(name, e, "RFC822.SIZE")) {
      if (read_u64(&p, e, &it->size) < 0)
        return -1;
      have_size = 1;
    } else if (word_is(name, e, "FLAGS")) {
      const char *start = p;
      if (skip_value(&p, e) < 0 || *start != '(')
        return -1;
      for (const char *f = start; f < p; f++)
        if (f[0] == '\\' && word_is(f + 1, p, "Deleted"))
          it->deleted = 1;
        else if (f[0] == '\\' && word_is(f + 1, p, "Seen"))
          it->seen = 1;
    } else if (skip_value(&p, e) < 0) {
      return -1;
    }
  }
  return have_uid && have_size ? 1 : 0;
}

static int
cmp_item(const void *a, const void *b)
{
  const struct http_imap_item *x = a, *y = b;

  return x->uid < y->uid ? -1 : x->uid > y->uid;
}

enum sm_status
http_imap_parse_list(const char *text, size_t len, size_t max,
                     struct http_imap_item **items, size_t *count, size_t *bad)
{
  const char *p = text, *end = text + len, *next;
  struct http_imap_item *v = NULL;
  size_t n = 0, cap = 0, k, w;

  *items = NULL;
  *count = 0;
  *bad = 0;
  for (; p < end && n < max; p = next) {
    const char *e = line_end(p, end, &next);
    struct http_imap_item it;
    int r = parse_fetch_line(p, e, &it);

    if (r < 0)
      (*bad)++;
    if (r <= 0)
      continue;
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 64;
      struct http_imap_item *nv;
      if (ncap > max)
        ncap = max;
      nv = realloc(v, ncap * sizeof(*v));
      if (!nv) {
        free(v);
        return SM_ERR_NOMEM;
      }
      v = nv;
      cap = ncap;
    }
    v[n++] = it;
  }
  if (n > 1) {
    qsort(v, n, sizeof(*v), cmp_item);
    for (k = 1, w = 1; k < n; k++)
      if (v[k].uid != v[w - 1].uid)
        v[w++] = v[k];
    n = w;
  }
  if (n == 0) {
    free(v);
    v = NULL;
  }
  *items = v;
  *count = n;
  return SM_OK;
}
