/* smtp.c: delivery sessions through libesmtp (see smtp.h for the
 * contract, the TLS and AUTH policy, and the libesmtp gaps handled here).
 *
 * libesmtp drives the whole session inside smtp_start_session; this file
 * watches it through three callbacks:
 *   - the event callback: the connection (to find the socket for
 *     TCP_NODELAY), the certificate checks, the start of each message's
 *     data;
 *   - the protocol monitor: every command written and every reply line
 *     read (never the message data), which tells whether AUTH succeeded,
 *     whether the server said 421, whether QUIT was answered, and lets us
 *     cut the connection before a MAIL FROM that must not go out;
 *   - the message callback, handing out the caller's bytes.
 * After the session each message's statuses (MAIL, RCPT, final dot) are
 * read back from libesmtp and turned into an outcome. */
#include "config.h"

#include <stddef.h> /* before libesmtp.h, which uses size_t without it */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* auth-client.h first: libesmtp.h declares smtp_auth_set_context only
 * when it has been seen (and smtp_starttls_set_ctx only after ssl.h). */
#include <auth-client.h>
#include <libesmtp.h>

#include "address.h"
#include "log.h"
#include "smtp.h"

/* libesmtp hands the message callback's data to a line reader; chunks of
 * this size keep its int lengths far from overflow. */
#define SMTP_CHUNK (64 * 1024)
/* Sockets remembered from before a session (see smtp_find_socket). */
#define SMTP_SOCKETS_MAX 256
/* A reply line longer than this is cut (libesmtp itself reads 1024). */
/* The mechanisms an EHLO reply lists, for error messages. */
#define SMTP_MECHS_MAX 128

struct smtp_client {
  char *host;
  long port;
  char hostport[262]; /* "host:port": for libesmtp and every message */
  enum conf_starttls starttls;
  char *user;     /* NULL: no AUTH */
  char *password; /* wiped on free */
  char *helo;     /* NULL: libesmtp uses gethostname() */
  long connect_ms, greeting_ms, command_ms, data_ms;
  size_t max_messages;
  int nodelay;
  SSL_CTX *ssl_ctx;    /* NULL when starttls = no */
  auth_context_t auth; /* NULL without a user */
};

/* Where the message callback is in one message. */
struct smtp_reader {
  size_t off;
};

/* One message of the batch during a send. */
struct smtp_item {
  struct smtp_msg *msg;
  smtp_message_t em;
  smtp_recipient_t er;
  /* Allocated before the session so that handing it to libesmtp (which
   * frees it) cannot fail mid-session; NULL once handed over. */
  struct smtp_reader *reader;
  int started;  /* libesmtp began reading its data */
  int complete; /* libesmtp read all of it (the final dot may follow) */
  int reported; /* handed to the caller's on_result */
  size_t index; /* in the batch */
  struct smtp_run *run;
};

/* What the callbacks learn during one send. */
struct smtp_run {
  struct smtp_client *c;
  struct smtp_batch *batch;
  /* the socket */
  ino_t before[SMTP_SOCKETS_MAX]; /* sockets open before the session */
  size_t nbefore;
  int before_overflow;
  int fd;        /* libesmtp's socket once found, else -1 */
  int connected; /* SMTP_EV_CONNECT was seen */
  /* TLS */
  enum smtp_tls tls;
  int starttls_sent;
  int starttls_code; /* the reply to STARTTLS */
  char tls_error[2 * SM_ERRLEN];
  /* AUTH */
  int auth_pending; /* an AUTH exchange is under way */
  int auth_tries;
  int authenticated;
  char auth_reply[SMTP_REPLY_MAX]; /* the last refusal */
  char mechs[SMTP_MECHS_MAX];      /* what EHLO offered */
  const char *mechanism;
  int aborted; /* we cut the connection before a MAIL FROM */
  char abort_why[2 * SM_ERRLEN];
  int reader_failed;
  int stopped; /* the caller's before_data stopped the session */
  char protocol_error[SMTP_REPLY_MAX + 64]; /* the first out-of-place reply */
  /* replies */
  struct smtp_reply_reader reader;
  int wr_bol;    /* the next byte written starts a line */
  int quit_sent; /* replies after QUIT are not the session's verdict */
  char last_reply[SMTP_REPLY_MAX];
  char closed_reply[SMTP_REPLY_MAX]; /* the first 421 */
  int saw_530;
  char reply_530[SMTP_REPLY_MAX];
  struct timespec last_io; /* the last read, write or message data */
  /* the connect timer */
  int timer_on;
  timer_t timer;
};

static volatile sig_atomic_t smtp_timer_fired;

/* ---- small helpers ------------------------------------------------- */

/* libesmtp reports message data a line at a time (SMTP_EV_MESSAGEDATA),
 * some 350 events for a 20 KB digest, and each one marks the session as
 * alive. The coarse clock (the kernel's tick, a few milliseconds) reads
 * a word where CLOCK_MONOTONIC reads the TSC: 4% of the sending thread's
 * CPU went to these reads. last_io only tells a timeout (seconds of
 * silence) from a dropped connection, so ticks are fine enough. */
static void
smtp_now(struct timespec *ts)
{
#ifdef CLOCK_MONOTONIC_COARSE
  clock_gettime(CLOCK_MONOTONIC_COARSE, ts);
#else
  clock_gettime(CLOCK_MONOTONIC, ts);
#endif
}

static long
smtp_ms_since(const struct timespec *t)
{
  struct timespec now;

  smtp_now(&now);
  return (long)(now.tv_sec - t->tv_sec) * 1000 +
         (now.tv_nsec - t->tv_nsec) / 1000000;
}

static char *
smtp_strdup(const char *s)
{
  size_t n;
  char *p;

  if (!s)
    return NULL;
  n = strlen(s) + 1;
  p = malloc(n);
  if (p)
    memcpy(p, s, n);
  return p;
}

/* ---- replies as the server sends them ------------------------------ */

void
smtp_reply_clean(char *out, size_t outlen, const char *in, size_t inlen)
{
  size_t o = 0, i;
  int space = 0;

  if (outlen == 0)
    return;
  for (i = 0; i < inlen && in[i] != '\0'; i++) {
    unsigned char ch = (unsigned char)in[i];

    if (ch < 0x20 || ch == 0x7f || ch == ' ') {
      space = o > 0;
      continue;
    }
    if (space) {
      /* A space only with room for what follows it: never trailing. */
      if (o + 2 >= outlen)
        break;
      out[o++] = ' ';
      space = 0;
    }
    if (o + 1 >= outlen)
      break;
    out[o++] = (char)ch;
  }
  out[o] = '\0';
}

int
smtp_reply_parse(const char *p, size_t n, struct smtp_reply_line *out)
{
  size_t end = n;

  memset(out, 0, sizeof *out);
  /* RFC 5321 4.2: three digits, the first 2 to 5, the second 0 to 5. */
  if (n < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '5' ||
      p[2] < '0' || p[2] > '9')
    return 0;
  while (end > 3 && (p[end - 1] == '\n' || p[end - 1] == '\r'))
    end--;
  /* "250-..." continues; "250 ..." and a bare "250" (4.2: the text is
   * optional on the last line) end the reply. Anything else after the
   * digits ("2500", "250:") is not a reply line. */
  if (end > 3 && p[3] != ' ' && p[3] != '-')
    return 0;
  out->code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
  out->last = end == 3 || p[3] == ' ';
  out->text = p + (end > 3 ? 4 : 3);
  out->textlen = end > 3 ? end - 4 : 0;
  return 1;
}

size_t
smtp_reply_feed(struct smtp_reply_reader *r, const char *buf, size_t n,
                void (*fn)(void *ctx, const char *line, size_t len), void *ctx)
{
  size_t lines = 0;

  for (size_t i = 0; i < n; i++) {
    /* A longer line keeps its start (the code and the first words are
     * what matter) and its line end; the middle is dropped. */
    if (r->len < sizeof r->line)
      r->line[r->len++] = buf[i];
    else if (buf[i] == '\n')
      r->line[sizeof r->line - 1] = '\n';
    if (buf[i] == '\n') {
      fn(ctx, r->line, r->len);
      r->len = 0;
      lines++;
    }
  }
  return lines;
}

/* ---- configuration ------------------------------------------------- */

void
smtp_config_defaults(struct smtp_config *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->host = "localhost";
  cfg->port = 25;
  cfg->starttls = CONF_TLS_IF_OFFERED;
  cfg->connect_timeout_ms = 30 * 1000;
  cfg->greeting_timeout_ms = 300 * 1000;
  cfg->command_timeout_ms = 300 * 1000;
  cfg->data_timeout_ms = 600 * 1000;
  cfg->max_messages = 100;
  cfg->tcp_nodelay = 1;
}

void
smtp_config_from_conf(struct smtp_config *cfg, const struct conf *c,
                      const char *password)
{
  smtp_config_defaults(cfg);
  if (c->smtp.host)
    cfg->host = c->smtp.host;
  cfg->port = c->smtp.port;
  cfg->starttls = c->smtp.starttls;
  cfg->ca_file = c->smtp.ca_file;
  cfg->user = c->smtp.user;
  cfg->password = password;
}

const char *
smtp_outcome_name(enum smtp_outcome o)
{
  switch (o) {
  case SMTP_SENT:
    return "sent";
  case SMTP_DEFERRED:
    return "deferred";
  case SMTP_FAILED:
    return "failed";
  case SMTP_INVALID:
    return "invalid";
  }
  return "unknown";
}

/* A token libesmtp puts on a command line: printable ASCII, no space. */
static int
smtp_check_token(const char *s, size_t max)
{
  size_t n = 0;

  for (; *s; s++, n++)
    if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || n >= max)
      return 0;
  return n > 0;
}

/* The TLS context for STARTTLS. Verification is on in the sense that
 * OpenSSL builds and checks the chain and the name for every handshake;
 * the verdict is judged in smtp_event_cb (SSL_VERIFY_NONE here), so that a
 * failure reaches the error message with its reason instead of ending
 * inside libesmtp's handshake as a bare "Client error". libesmtp checks
 * the result right after the handshake, before anything else is sent. */
static enum sm_status
smtp_tls_context(struct smtp_client *c, const char *ca_file, char *err,
                 size_t errlen)
{
  X509_VERIFY_PARAM *vp;
  struct in_addr a4;
  FILE *fp;

  c->ssl_ctx = SSL_CTX_new(TLS_client_method());
  if (!c->ssl_ctx)
    goto ssl_error;
  /* TLS 1.2 only. A TLS 1.3 server sends its session tickets after the
   * handshake; libesmtp 1.1 then sees the socket readable before it has
   * flushed its EHLO, blocks reading a reply to a command the server never
   * got, and the session hangs until the greeting timeout. TLS 1.2 sends
   * nothing unasked. */
  if (!SSL_CTX_set_min_proto_version(c->ssl_ctx, TLS1_2_VERSION) ||
      !SSL_CTX_set_max_proto_version(c->ssl_ctx, TLS1_2_VERSION))
    goto ssl_error;
  SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_NONE, NULL);
  if (ca_file) {
    /* fopen first: OpenSSL's message for a missing file is obscure. */
    fp = fopen(ca_file, "r");
    if (!fp) {
      snprintf(err, errlen, "%s: ca_file %s: %s", c->hostport, ca_file,
               strerror(errno));
      return SM_ERR_CONFIG;
    }
    fclose(fp);
    if (!SSL_CTX_load_verify_locations(c->ssl_ctx, ca_file, NULL)) {
      char why[200];

      ERR_error_string_n(ERR_get_error(), why, sizeof why);
      ERR_clear_error();
      snprintf(err, errlen, "%s: ca_file %s: no usable certificate (%s)",
               c->hostport, ca_file, why);
      return SM_ERR_CONFIG;
    }
  } else if (!SSL_CTX_set_default_verify_paths(c->ssl_ctx)) {
    goto ssl_error;
  }
  /* The name check is OpenSSL's (RFC 6125, and IP addresses, which
   * libesmtp's own check does not handle). */
  vp = SSL_CTX_get0_param(c->ssl_ctx);
  if (inet_pton(AF_INET, c->host, &a4) == 1) {
    if (!X509_VERIFY_PARAM_set1_ip_asc(vp, c->host))
      goto ssl_error;
  } else {
    X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (!X509_VERIFY_PARAM_set1_host(vp, c->host, 0))
      goto ssl_error;
  }
  return SM_OK;

ssl_error : {
  char why[200];

  ERR_error_string_n(ERR_get_error(), why, sizeof why);
  ERR_clear_error();
  snprintf(err, errlen, "%s: cannot set up TLS: %s", c->hostport, why);
  return SM_ERR_CONFIG;
}
}

/* libesmtp's SASL plugins ask for the user and the password. */
static int
smtp_interact(auth_client_request_t req, char **result, int fields, void *arg)
{
  struct smtp_client *c = arg;
  int i;

  for (i = 0; i < fields; i++) {
    if (req[i].flags & AUTH_USER)
      result[i] = c->user;
    else if (req[i].flags & AUTH_PASS)
      result[i] = c->password;
    else
      return 0; /* a realm or anything else: we have none */
  }
  return 1;
}

/* PLAIN and LOGIN ("plain text" mechanisms to libesmtp) only where the
 * password cannot be read on the way: starttls = no is the operator's
 * explicit choice; otherwise they are switched on when a verified TLS
 * session starts (smtp_event_cb). */
static void
smtp_auth_reset(struct smtp_client *c)
{
  if (!c->auth)
    return;
  if (c->starttls == CONF_TLS_NO)
    auth_set_mechanism_flags(c->auth, AUTH_PLUGIN_PLAIN, 0);
  else
    auth_set_mechanism_flags(c->auth, 0, AUTH_PLUGIN_PLAIN);
}

enum sm_status
smtp_client_new(struct smtp_client **out, const struct smtp_config *cfg,
                char *err, size_t errlen)
{
  struct smtp_client *c;
  enum sm_status st = SM_ERR_CONFIG;
  const char *host = cfg->host ? cfg->host : "";
  int n;

  *out = NULL;
  if (!smtp_check_token(host, 253) || strchr(host, ':')) {
    snprintf(err, errlen,
             "smtp host \"%s\": need a host name or IPv4 address "
             "(libesmtp takes no IPv6 literal)",
             host);
    return SM_ERR_CONFIG;
  }
  if (cfg->port < 1 || cfg->port > 65535) {
    snprintf(err, errlen, "%s: port %ld out of range", host, cfg->port);
    return SM_ERR_CONFIG;
  }
  c = calloc(1, sizeof *c);
  if (!c) {
    snprintf(err, errlen, "%s: out of memory", host);
    return SM_ERR_NOMEM;
  }
  n = snprintf(c->hostport, sizeof c->hostport, "%s:%ld", host, cfg->port);
  if (n < 0 || (size_t)n >= sizeof c->hostport)
    goto cleanup; /* host length was checked; cannot happen */
  c->port = cfg->port;
  c->starttls = cfg->starttls;
  c->connect_ms = cfg->connect_timeout_ms;
  c->greeting_ms = cfg->greeting_timeout_ms;
  c->command_ms = cfg->command_timeout_ms;
  c->data_ms = cfg->data_timeout_ms;
  c->max_messages = cfg->max_messages;
  c->nodelay = cfg->tcp_nodelay;
  if (c->connect_ms < 0 || c->greeting_ms < 1000 || c->command_ms < 1000 ||
      c->data_ms < 1000) {
    snprintf(err, errlen,
             "%s: timeouts must be at least 1000 ms (libesmtp's floor; "
             "connect may be 0 for none)",
             c->hostport);
    goto cleanup;
  }
  if (c->max_messages < 1) {
    snprintf(err, errlen, "%s: at least one message per session", c->hostport);
    goto cleanup;
  }
  if (cfg->helo && !smtp_check_token(cfg->helo, 253)) {
    snprintf(err, errlen, "%s: EHLO name \"%s\" is not a host name",
             c->hostport, cfg->helo);
    goto cleanup;
  }
  if (cfg->user) {
    /* 255: libesmtp's PLAIN plugin refuses longer answers. */
    if (!smtp_check_token(cfg->user, 255)) {
      snprintf(err, errlen,
               "%s: smtp user must be 1-255 printable "
               "characters without spaces",
               c->hostport);
      goto cleanup;
    }
    if (!cfg->password || !*cfg->password || strlen(cfg->password) > 255) {
      snprintf(err, errlen, "%s: smtp user %s needs a password of 1-255 bytes",
               c->hostport, cfg->user);
      goto cleanup;
    }
  }
  st = SM_ERR_NOMEM;
  c->host = smtp_strdup(host);
  c->helo = smtp_strdup(cfg->helo);
  c->user = smtp_strdup(cfg->user);
  c->password = smtp_strdup(cfg->user ? cfg->password : NULL);
  if (!c->host || (cfg->helo && !c->helo) || (cfg->user && !c->user) ||
      (cfg->user && !c->password)) {
    snprintf(err, errlen, "%s: out of memory", c->hostport);
    goto cleanup;
  }
  if (c->starttls != CONF_TLS_NO) {
    st = smtp_tls_context(c, cfg->ca_file, err, errlen);
    if (st != SM_OK)
      goto cleanup;
  }
  if (c->user) {
    auth_client_init();
    c->auth = auth_create_context();
    if (!c->auth) {
      st = SM_ERR_NOMEM;
      snprintf(err, errlen, "%s: out of memory", c->hostport);
      goto cleanup;
    }
    auth_set_interact_cb(c->auth, smtp_interact, c);
    /* libesmtp 1.1 looks for a mechanism's plugin under its lower-cased
     * name, "sasl-cram-md5.so", but builds it as "sasl-crammd5.so": as
     * installed, CRAM-MD5 never loads. Asking once for "CRAMMD5" loads
     * that file; the plugin then registers as CRAM-MD5 for every later
     * lookup. (Nothing happens where the file does not exist.) */
    auth_set_mechanism(c->auth, "CRAMMD5");
    smtp_auth_reset(c);
  }
  *out = c;
  return SM_OK;

cleanup:
  smtp_client_free(c);
  return st;
}

void
smtp_client_free(struct smtp_client *c)
{
  if (!c)
    return;
  if (c->ssl_ctx)
    SSL_CTX_free(c->ssl_ctx);
  if (c->auth)
    auth_destroy_context(c->auth);
  if (c->password) {
    explicit_bzero(c->password, strlen(c->password));
    free(c->password);
  }
  free(c->host);
  free(c->helo);
  free(c->user);
  free(c);
}

/* ---- checks on the caller's input ---------------------------------- */

int
smtp_check_address(const char *addr, int allow_empty)
{
  if (!addr)
    return 0;
  if (!*addr)
    return allow_empty;
  return address_sendable(addr);
}

/* Headers libesmtp keeps only one of (see its headers.c), and headers it
 * strips: either would change the bytes. */
static const char *const smtp_single[] = {
    "Date",   "From",     "Message-ID",
    "Sender", "To",       "Cc",
    "Bcc",    "Reply-To", "Disposition-Notification-To"};
#define SMTP_NSINGLE (sizeof smtp_single / sizeof smtp_single[0])
static const char *const smtp_stripped[] = {
    "Return-Path", "Original-Recipient", "Resent-Reply-To"};

static int
smtp_name_is(const char *name, size_t len, const char *want)
{
  return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

int
smtp_check_message(const char *d, size_t len, char *why, size_t whylen)
{
  size_t count[SMTP_NSINGLE] = {0};
  size_t off = 0, lineno = 0, k;
  int in_header = 1;

  if (len == 0) {
    snprintf(why, whylen, "the message is empty");
    return 0;
  }
  if (len > SMTP_MESSAGE_MAX) {
    snprintf(why, whylen, "the message has %zu bytes, more than %u", len,
             SMTP_MESSAGE_MAX);
    return 0;
  }
  while (off < len) {
    const char *line = d + off;
    const char *lf = memchr(line, '\n', len - off);
    size_t n;

    lineno++;
    if (!lf) {
      snprintf(why, whylen, "line %zu: the message does not end with CRLF",
               lineno);
      return 0;
    }
    n = (size_t)(lf - line);
    if (n == 0 || line[n - 1] != '\r') {
      snprintf(why, whylen, "line %zu: bare LF (lines must end in CRLF)",
               lineno);
      return 0;
    }
    n--;
    if (memchr(line, '\r', n)) {
      snprintf(why, whylen, "line %zu: bare CR", lineno);
      return 0;
    }
    if (memchr(line, '\0', n)) {
      snprintf(why, whylen, "line %zu: NUL byte", lineno);
      return 0;
    }
    if (n > SMTP_LINE_MAX) {
      snprintf(why, whylen, "line %zu: %zu octets, more than %d", lineno, n,
               SMTP_LINE_MAX);
      return 0;
    }
    if (in_header) {
      if (n == 0) {
        in_header = 0;
      } else if (line[0] == ' ' || line[0] == '\t') {
        if (lineno == 1) {
          snprintf(why, whylen, "line 1: starts with a continuation line");
          return 0;
        }
      } else {
        const char *colon = memchr(line, ':', n);
        size_t nl, i;

        if (!colon || colon == line) {
          snprintf(why, whylen, "line %zu: not a header field", lineno);
          return 0;
        }
        nl = (size_t)(colon - line);
        for (i = 0; i < nl; i++)
          if ((unsigned char)line[i] <= 0x20 ||
              (unsigned char)line[i] >= 0x7f) {
            snprintf(why, whylen, "line %zu: bad header field name", lineno);
            return 0;
          }
        for (k = 0; k < SMTP_NSINGLE; k++)
          if (smtp_name_is(line, nl, smtp_single[k]))
            count[k]++;
        for (k = 0; k < sizeof smtp_stripped / sizeof smtp_stripped[0]; k++)
          if (smtp_name_is(line, nl, smtp_stripped[k])) {
            snprintf(why, whylen,
                     "line %zu: a %s header (libesmtp would strip it)", lineno,
                     smtp_stripped[k]);
            return 0;
          }
      }
    }
    off += (size_t)(lf - line) + 1;
  }
  if (in_header) {
    snprintf(why, whylen, "no empty line ends the header");
    return 0;
  }
  for (k = 0; k < SMTP_NSINGLE; k++) {
    /* The first three libesmtp would add when missing. */
    if (k < 3 && count[k] == 0) {
      snprintf(why, whylen, "no %s header (libesmtp would add one)",
               smtp_single[k]);
      return 0;
    }
    if (count[k] > 1) {
      snprintf(why, whylen, "%zu %s headers (libesmtp keeps the first)",
               count[k], smtp_single[k]);
      return 0;
    }
  }
  return 1;
}

/* ---- the socket: TCP_NODELAY and cutting a session ----------------- */

/* Calls fn for every open descriptor: /proc/self/fd where there is one,
 * else the first 1024. */
static void
smtp_each_fd(void (*fn)(int fd, struct smtp_run *run), struct smtp_run *run)
{
  DIR *dir = opendir("/proc/self/fd");
  struct dirent *de;
  int fd;

  if (!dir) {
    for (fd = 0; fd < 1024; fd++)
      fn(fd, run);
    return;
  }
  while ((de = readdir(dir)) != NULL) {
    char *end;
    long v = strtol(de->d_name, &end, 10);

    if (*end || end == de->d_name || v < 0 || v == dirfd(dir))
      continue;
    fn((int)v, run);
  }
  closedir(dir);
}

static int
smtp_socket_ino(int fd, ino_t *ino)
{
  struct stat st;

  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
    return 0;
  *ino = st.st_ino;
  return 1;
}

static void
smtp_remember_fd(int fd, struct smtp_run *run)
{
  ino_t ino;

  if (!smtp_socket_ino(fd, &ino))
    return;
  if (run->nbefore == SMTP_SOCKETS_MAX) {
    run->before_overflow = 1;
    return;
  }
  run->before[run->nbefore++] = ino;
}

static void
smtp_match_fd(int fd, struct smtp_run *run)
{
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  int type = 0;
  socklen_t tl = sizeof type;
  ino_t ino;
  size_t i;
  long port;

  if (!smtp_socket_ino(fd, &ino))
    return;
  for (i = 0; i < run->nbefore; i++)
    if (run->before[i] == ino)
      return;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 ||
      type != SOCK_STREAM)
    return;
  if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
    return;
  if (ss.ss_family == AF_INET)
    port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  else if (ss.ss_family == AF_INET6)
    port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  else
    return;
  if (port == run->c->port)
    run->fd = fd;
}

/* libesmtp gives no access to its socket and sets no TCP_NODELAY. On
 * SMTP_EV_CONNECT its socket is the one TCP socket connected to the
 * server's port that was not open before the session (only this thread
 * opens sockets, and the resolver's are closed by then). */
static void
smtp_find_socket(struct smtp_run *run)
{
  int one = 1;

  run->fd = -1;
  if (run->before_overflow)
    return; /* too many sockets to tell ours apart: go without */
  smtp_each_fd(smtp_match_fd, run);
  if (run->fd < 0) {
    log_debug("%s: libesmtp's socket not found; no TCP_NODELAY",
              run->c->hostport);
    return;
  }
  if (run->c->nodelay &&
      setsockopt(run->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
    log_debug("%s: TCP_NODELAY: %s", run->c->hostport, strerror(errno));
}

/* Ends the session now: libesmtp's next write fails and its next read
 * sees the end of the connection, so nothing more reaches the server. */
static void
smtp_cut(struct smtp_run *run)
{
  if (run->fd >= 0)
    shutdown(run->fd, SHUT_RDWR);
}

/* ---- the connect timer --------------------------------------------- */

static void
smtp_timer_handler(int sig)
{
  (void)sig;
  smtp_timer_fired = 1;
}

static void
smtp_timer_arm(struct smtp_run *run, int on)
{
  struct itimerspec its;
  long ms = run->c->connect_ms;

  if (!run->timer_on)
    return;
  memset(&its, 0, sizeof its);
  if (on) {
    /* Periodic: when connect() to one address is cut, libesmtp goes on
     * to the next, which gets its own period. */
    its.it_value.tv_sec = ms / 1000;
    its.it_value.tv_nsec = (ms % 1000) * 1000000L;
    its.it_interval = its.it_value;
  }
  timer_settime(run->timer, 0, &its, NULL);
}

/* libesmtp's error variable outlives sessions and has no reset. An API
 * call refused for a NULL session sets it to SMTP_ERR_INVAL, which nothing
 * inside a session sets: if that is still there afterwards, the session
 * recorded no error. */
#define SMTP_NO_ERROR SMTP_ERR_INVAL

static void
smtp_clear_error(void)
{
  smtp_set_server(NULL, NULL);
}

/* ---- the callbacks ------------------------------------------------- */

static void smtp_tls_fail(struct smtp_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records why STARTTLS is not acceptable; the first reason counts. */
static void
smtp_tls_fail(struct smtp_run *run, const char *fmt, ...)
{
  char what[SM_ERRLEN];
  va_list ap;

  if (run->tls_error[0])
    return;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  snprintf(run->tls_error, sizeof run->tls_error, "%s: %s", run->c->hostport,
           what);
}

static int
smtp_peer_verified(SSL *ssl)
{
  int ok;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  ok = SSL_get0_peer_certificate(ssl) != NULL;
#else
  X509 *x = SSL_get_peer_certificate(ssl);

  ok = x != NULL;
  X509_free(x);
#endif
  return ok && SSL_get_verify_result(ssl) == X509_V_OK;
}

static void smtp_settled(struct smtp_run *run, smtp_message_t em,
                         int mail_only);

static void
smtp_event_cb(smtp_session_t es, int event, void *arg, ...)
{
  struct smtp_run *run = arg;
  int required = run->c->starttls == CONF_TLS_REQUIRED;
  va_list ap;

  (void)es;
  va_start(ap, arg);
  switch (event) {
  case SMTP_EV_CONNECT:
    /* Failed connects to earlier addresses ("localhost" is ::1 first)
     * left their errno in libesmtp's error: they are not this session's. */
    smtp_clear_error();
    smtp_timer_arm(run, 0);
    run->connected = 1;
    run->wr_bol = 1;
    run->reader.len = 0;
    smtp_now(&run->last_io);
    smtp_find_socket(run);
    break;
  case SMTP_EV_DISCONNECT:
    run->fd = -1;
    smtp_timer_arm(run, 1); /* libesmtp may try the next address */
    break;
  case SMTP_EV_MESSAGEDATA:
    smtp_now(&run->last_io);
    break;
  case SMTP_EV_MAILSTATUS: {
    (void)va_arg(ap, const char *); /* the reverse path */
    smtp_settled(run, va_arg(ap, smtp_message_t), 1);
    break;
  }
  case SMTP_EV_MESSAGESENT:
    smtp_settled(run, va_arg(ap, smtp_message_t), 0);
    break;
  case SMTP_EV_INVALID_PEER_CERTIFICATE: {
    long vfy = va_arg(ap, long);
    int *ok = va_arg(ap, int *);

    *ok = !required;
    if (required)
      smtp_tls_fail(run,
                    "STARTTLS required but the server's certificate did "
                    "not verify: %s",
                    X509_verify_cert_error_string(vfy));
    break;
  }
  case SMTP_EV_NO_PEER_CERTIFICATE: {
    int *ok = va_arg(ap, int *);

    *ok = !required;
    if (required)
      smtp_tls_fail(run, "STARTTLS required but the server presented no "
                         "certificate");
    break;
  }
  case SMTP_EV_WRONG_PEER_CERTIFICATE: {
    int *ok = va_arg(ap, int *);
    const char *name = va_arg(ap, const char *);
    SSL *ssl = va_arg(ap, SSL *);

    /* libesmtp's own name check knows no IP addresses; OpenSSL's, which
     * already passed when the verify result is OK, is the one we trust. */
    *ok = !required || smtp_peer_verified(ssl);
    if (!*ok)
      smtp_tls_fail(run,
                    "STARTTLS required but the server's certificate is "
                    "for %s",
                    name && *name ? name : "another name");
    break;
  }
  case SMTP_EV_WEAK_CIPHER: {
    int bits = va_arg(ap, int);
    int *ok = va_arg(ap, int *);
    *ok = !required;
    if (required)
      smtp_tls_fail(run, "STARTTLS required but the cipher has %d bits", bits);
    break;
  }
  case SMTP_EV_STARTTLS_OK: {
    SSL *ssl = va_arg(ap, SSL *);

    if (smtp_peer_verified(ssl)) {
      run->tls = SMTP_TLS_VERIFIED;
      if (run->c->auth)
        auth_set_mechanism_flags(run->c->auth, AUTH_PLUGIN_PLAIN, 0);
    } else {
      run->tls = SMTP_TLS_UNVERIFIED;
    }
    break;
  }
  case SMTP_EV_EXTNA_STARTTLS:
    smtp_tls_fail(run, "STARTTLS required but the server does not offer it");
    break;
  case SMTP_EV_NO_CLIENT_CERTIFICATE:
  case SMTP_EV_UNUSABLE_CLIENT_CERTIFICATE:
  case SMTP_EV_UNUSABLE_CA_LIST: {
    int *ok = va_arg(ap, int *);

    /* libesmtp's own files under ~/.authenticate: never ours. */
    if (ok)
      *ok = 0;
    smtp_tls_fail(run, "STARTTLS: libesmtp cannot use the client certificate "
                       "or CA files under $HOME/.authenticate");
    break;
  }
  case SMTP_EV_EXTNA_8BITMIME:
    snprintf(run->abort_why, sizeof run->abort_why,
             "%s: a message has 8-bit bytes but the server does not offer "
             "8BITMIME",
             run->c->hostport);
    break;
  default:
    break;
  }
  va_end(ap);
}

/* A line starts with `word`, case-insensitively, within n bytes. */
static int
smtp_starts(const char *p, size_t n, const char *word)
{
  size_t wl = strlen(word);

  return n >= wl && strncasecmp(p, word, wl) == 0;
}

/* The reasons a MAIL FROM must not go out. Returns 1 and fills
 * run->abort_why when AUTH was wanted and did not happen. */
static int
smtp_auth_missing(struct smtp_run *run)
{
  struct smtp_client *c = run->c;

  if (!c->user || run->authenticated)
    return 0;
  if (run->auth_tries > 0)
    snprintf(run->abort_why, sizeof run->abort_why,
             "%s: authentication as %s failed: %s", c->hostport, c->user,
             run->auth_reply[0] ? run->auth_reply : "no reply");
  else if (run->mechs[0])
    snprintf(run->abort_why, sizeof run->abort_why,
             "%s: no usable AUTH mechanism for %s: the server offers %s "
             "(PLAIN and LOGIN only inside verified TLS, or with "
             "starttls = no)",
             c->hostport, c->user, run->mechs);
  else
    snprintf(run->abort_why, sizeof run->abort_why,
             "%s: user %s is set but the server offers no AUTH%s", c->hostport,
             c->user, run->tls == SMTP_TLS_NONE ? " (before STARTTLS?)" : "");
  return 1;
}

/* Logs a protocol line at debug level; `len` bytes, CRLF dropped. */
static void
smtp_debug_line(struct smtp_run *run, const char *dir, const char *p, size_t n)
{
  char line[SMTP_REPLY_MAX];
  const char *lf = memchr(p, '\n', n);

  if (lf)
    n = (size_t)(lf - p);
  smtp_reply_clean(line, sizeof line, p, n);
  log_debug("%s: %s %s", run->c->hostport, dir, line);
}

static void
smtp_on_write_line(struct smtp_run *run, const char *p, size_t n)
{
  /* AUTH's argument and the lines after it carry the credentials. */
  if (run->auth_pending || smtp_starts(p, n, "AUTH "))
    log_debug("%s: > AUTH ...", run->c->hostport);
  else
    smtp_debug_line(run, ">", p, n);
  if (smtp_starts(p, n, "AUTH ")) {
    run->auth_pending = 1;
    run->auth_tries++;
  } else if (smtp_starts(p, n, "MAIL FROM:")) {
    if (!run->aborted && smtp_auth_missing(run)) {
      run->aborted = 1;
      smtp_cut(run);
    } else if (run->batch->stop && !run->stopped) {
      run->stopped = 1;
      smtp_cut(run);
    }
  } else if (smtp_starts(p, n, "QUIT\r")) {
    run->quit_sent = 1;
  } else if (smtp_starts(p, n, "STARTTLS\r")) {
    run->starttls_sent = 1;
  }
}

/* One complete reply line from the server (smtp_reply_feed's callback). */
static void
smtp_on_reply_line(void *ctx, const char *p, size_t n)
{
  struct smtp_run *run = ctx;
  struct smtp_reply_line rl;
  int code;

  smtp_debug_line(run, "<", p, n);
  if (!smtp_reply_parse(p, n, &rl))
    return; /* not a reply line; libesmtp judges the syntax */
  code = rl.code;
  if (code == 250 && rl.textlen >= 4 && !strncasecmp(rl.text, "AUTH", 4) &&
      (rl.textlen == 4 || rl.text[4] == ' ')) {
    smtp_reply_clean(run->mechs, sizeof run->mechs, rl.text + 4,
                     rl.textlen - 4);
    return;
  }
  if (!rl.last)
    return;
  if (run->auth_pending && code != 334) {
    run->auth_pending = 0;
    if (code / 100 == 2) {
      run->authenticated = 1;
      run->mechanism = run->c->auth ? auth_mechanism_name(run->c->auth) : NULL;
    } else {
      smtp_reply_clean(run->auth_reply, sizeof run->auth_reply, p, n);
    }
  }
  if (run->starttls_sent && !run->starttls_code) {
    run->starttls_code = code;
  }
  if (code == 421 && !run->closed_reply[0])
    smtp_reply_clean(run->closed_reply, sizeof run->closed_reply, p, n);
  if (code == 530 && !run->saw_530) {
    run->saw_530 = 1;
    smtp_reply_clean(run->reply_530, sizeof run->reply_530, p, n);
  }
  if (!run->quit_sent) {
    smtp_reply_clean(run->last_reply, sizeof run->last_reply, p, n);
  }
}

/* libesmtp's protocol monitor: each buffer written (before it goes out)
 * and each buffer read. Message data is never shown here. */
static void
smtp_monitor_cb(const char *buf, int buflen, int writing, void *arg)
{
  struct smtp_run *run = arg;
  size_t n = buflen > 0 ? (size_t)buflen : 0, i;

  smtp_now(&run->last_io);
  if (writing == SMTP_CB_WRITING) {
    for (i = 0; i < n; i++) {
      if (run->wr_bol)
        smtp_on_write_line(run, buf + i, n - i);
      run->wr_bol = buf[i] == '\n';
    }
    return;
  }
  if (writing != SMTP_CB_READING)
    return;
  smtp_reply_feed(&run->reader, buf, n, smtp_on_reply_line, run);
}

/* libesmtp's message callback: the message in chunks. `len` NULL means
 * "rewind". libesmtp frees *ctx itself, with free(). */
static const char *
smtp_read_cb(void **ctx, int *len, void *arg)
{
  struct smtp_item *it = arg;
  struct smtp_reader *r = *ctx;
  size_t left;

  if (!r) {
    if (it->reader) {
      r = it->reader;
      it->reader = NULL;
    } else {
      r = malloc(sizeof *r);
    }
    if (!r) {
      /* An empty answer would send a message without its bytes: cut. */
      it->run->reader_failed = 1;
      smtp_cut(it->run);
      if (len)
        *len = 0;
      return NULL;
    }
    r->off = 0;
    *ctx = r;
  }
  if (!len) {
    r->off = 0;
    return NULL;
  }
  if (!it->started && it->run->batch->before_data &&
      it->run->batch->before_data(it->run->batch->ctx, it->index)) {
    /* Nothing of the message has gone out: cutting the connection now
     * leaves the server a transaction without data, which it drops. */
    it->run->stopped = 1;
    smtp_cut(it->run);
    *len = 0;
    return NULL;
  }
  if (!it->msg->data) {
    /* before_data gave no bytes: a bug; nothing may go out. */
    it->run->reader_failed = 1;
    smtp_cut(it->run);
    *len = 0;
    return NULL;
  }
  it->started = 1;
  left = it->msg->len - r->off;
  if (left > SMTP_CHUNK)
    left = SMTP_CHUNK;
  *len = (int)left;
  r->off += left;
  it->complete = r->off == it->msg->len;
  return it->msg->data + r->off - left;
}

/* ---- outcomes ------------------------------------------------------ */

static void
smtp_set_verdict(struct smtp_msg *m, const smtp_status_t *s,
                 enum smtp_stage stage)
{
  m->stage = stage;
  m->code = s->code;
  if (s->enh_class > 0)
    snprintf(m->enhanced, sizeof m->enhanced, "%d.%d.%d", s->enh_class,
             s->enh_subject, s->enh_detail);
  else
    m->enhanced[0] = '\0';
  if (s->text)
    smtp_reply_clean(m->reply, sizeof m->reply, s->text, strlen(s->text));
  else
    m->reply[0] = '\0';
  if (s->code / 100 == 2)
    m->outcome = SMTP_SENT;
  else if (s->code / 100 == 5 && s->code != 530)
    m->outcome = SMTP_FAILED;
  else
    m->outcome = SMTP_DEFERRED; /* 4xx, 530, or nonsense */
}

static void
smtp_no_verdict(struct smtp_msg *m, enum smtp_stage stage, const char *why)
{
  m->outcome = SMTP_DEFERRED;
  m->stage = stage;
  m->code = 0;
  m->enhanced[0] = '\0';
  snprintf(m->reply, sizeof m->reply, "%s%s",
           stage == SMTP_STAGE_NONE ? "not tried: " : "no reply: ", why);
}

static int
smtp_ok(const smtp_status_t *s)
{
  return s && s->code / 100 == 2;
}

static int
smtp_refused(const smtp_status_t *s)
{
  return s && s->code / 100 >= 4;
}

/* A 2xx where the message was not taken: 250 (or 220, 221) to DATA, so
 * that no byte of it went out, or a 220 or 221 to the final dot. The
 * server's state is unknown after it (it may read our next command as
 * data): the message is deferred with the reply, and the session is cut
 * (smtp_settled). RFC 5321 4.3.2: the final dot is answered 250. */
static void
smtp_out_of_place(struct smtp_item *it, const smtp_status_t *dot)
{
  struct smtp_msg *m = it->msg;
  char text[SMTP_REPLY_MAX];

  smtp_set_verdict(m, dot, it->complete ? SMTP_STAGE_DOT : SMTP_STAGE_DATA);
  m->outcome = SMTP_DEFERRED;
  snprintf(text, sizeof text, "%s", m->reply);
  /* The server's words are cut to leave room for ours (-Werror CI). */
  snprintf(m->reply, sizeof m->reply,
           "protocol error: %d in reply to %s: %.160s", dot->code,
           it->complete ? "the final dot" : "DATA", text);
  if (!it->run->protocol_error[0])
    snprintf(it->run->protocol_error, sizeof it->run->protocol_error,
             "%s: protocol error: %d in reply to %s", it->run->c->hostport,
             dot->code, it->complete ? "the final dot" : "DATA");
}

/* Reads one message's statuses back from libesmtp. */
static void
smtp_classify(struct smtp_item *it, const char *why)
{
  const smtp_status_t *mail = smtp_reverse_path_status(it->em);
  const smtp_status_t *rcpt = smtp_recipient_status(it->er);
  const smtp_status_t *dot = smtp_message_transfer_status(it->em);
  struct smtp_msg *m = it->msg;

  if (it->run->reader_failed && it->started)
    smtp_no_verdict(m, SMTP_STAGE_DOT, "out of memory reading the message");
  else if (smtp_ok(mail) && smtp_ok(rcpt) && smtp_ok(dot) &&
           (dot->code != 250 || !it->complete))
    smtp_out_of_place(it, dot);
  else if (smtp_ok(mail) && smtp_ok(rcpt) && smtp_ok(dot))
    smtp_set_verdict(m, dot, SMTP_STAGE_DOT);
  else if (smtp_refused(mail))
    smtp_set_verdict(m, mail, SMTP_STAGE_MAIL);
  else if (smtp_refused(rcpt))
    smtp_set_verdict(m, rcpt, SMTP_STAGE_RCPT);
  else if (smtp_refused(dot))
    smtp_set_verdict(m, dot, it->started ? SMTP_STAGE_DOT : SMTP_STAGE_DATA);
  else if (!mail || mail->code == 0)
    smtp_no_verdict(m, SMTP_STAGE_NONE, why);
  else if (!rcpt || rcpt->code == 0)
    smtp_no_verdict(m, SMTP_STAGE_RCPT, why);
  else
    smtp_no_verdict(m, it->started ? SMTP_STAGE_DOT : SMTP_STAGE_DATA, why);
}

/* Hands a message's final outcome to the caller, once. */
static void
smtp_report(struct smtp_run *run, struct smtp_item *it)
{
  struct smtp_batch *b = run->batch;

  if (it->reported)
    return;
  it->reported = 1;
  /* Without the AUTH the configuration asked for, nothing the server said
   * about a message is the message's fault. */
  if (run->c->user && !run->authenticated && it->msg->outcome != SMTP_SENT)
    it->msg->outcome = SMTP_DEFERRED;
  if (b->on_result)
    b->on_result(b->ctx, it->index, it->msg);
}

/* libesmtp is done with a message (SMTP_EV_MESSAGESENT: the reply to its
 * final dot, or a refusal of DATA), or has the reply to its MAIL FROM
 * (mail_only): report it now if that is a verdict, so that the caller can
 * record it before anything else can go wrong. */
static void
smtp_settled(struct smtp_run *run, smtp_message_t em, int mail_only)
{
  struct smtp_item *it = smtp_message_get_application_data(em);

  if (!it || it->reported)
    return;
  if (mail_only && smtp_ok(smtp_reverse_path_status(em)))
    return;
  smtp_classify(it, "");
  if (it->msg->code != 0)
    smtp_report(run, it);
  if (run->protocol_error[0])
    smtp_cut(run);
}

/* The first 421 among the messages' statuses: libesmtp stops calling the
 * monitor once it has used BDAT (CHUNKING), so the monitor may have
 * missed it. */
static void
smtp_find_421(struct smtp_run *run, struct smtp_item *items, size_t n)
{
  size_t i, k;

  for (i = 0; i < n && !run->closed_reply[0]; i++) {
    const smtp_status_t *st[3];

    st[0] = smtp_reverse_path_status(items[i].em);
    st[1] = smtp_recipient_status(items[i].er);
    st[2] = smtp_message_transfer_status(items[i].em);
    for (k = 0; k < 3; k++)
      if (st[k] && st[k]->code == 421) {
        char text[200];

        smtp_reply_clean(text, sizeof text, st[k]->text ? st[k]->text : "",
                         st[k]->text ? strlen(st[k]->text) : 0);
        if (st[k]->enh_class > 0)
          snprintf(run->closed_reply, sizeof run->closed_reply,
                   "421 %d.%d.%d %s", st[k]->enh_class, st[k]->enh_subject,
                   st[k]->enh_detail, text);
        else
          snprintf(run->closed_reply, sizeof run->closed_reply, "421 %s",
                   text);
        break;
      }
  }
}

/* Why the session ended early, if it did; "" and SM_OK if not.
 * `started` is smtp_start_session's result, `e` libesmtp's error after
 * it, `untried` whether some message never got to MAIL FROM. */
static enum sm_status
smtp_session_error(struct smtp_run *run, int started, int e, int untried,
                   char *err, size_t errlen)
{
  struct smtp_client *c = run->c;
  char why[200];

  err[0] = '\0';
  if (!smtp_strerror(e, why, sizeof why))
    snprintf(why, sizeof why, "error %d", e);
  if (!run->connected) {
    if (smtp_timer_fired)
      snprintf(err, errlen, "%s: cannot connect: timed out after %ld ms",
               c->hostport, c->connect_ms);
    else
      snprintf(err, errlen, "%s: cannot connect: %s", c->hostport,
               e == SMTP_NO_ERROR ? "no address" : why);
    return SM_ERR_NETWORK;
  }
  if (run->stopped)
    return SM_OK; /* the caller asked (before_data): not a failure */
  if (run->protocol_error[0]) {
    snprintf(err, errlen, "%s", run->protocol_error);
    return SM_ERR_PROTOCOL;
  }
  if (run->tls_error[0]) {
    snprintf(err, errlen, "%s", run->tls_error);
    return SM_ERR_CONFIG;
  }
  if (run->aborted && run->abort_why[0]) {
    snprintf(err, errlen, "%s", run->abort_why);
    return SM_ERR_CONFIG;
  }
  if (smtp_auth_missing(run)) { /* MAIL went out: the socket was unknown */
    snprintf(err, errlen, "%s", run->abort_why);
    return SM_ERR_CONFIG;
  }
  if (run->starttls_code / 100 == 2 && run->tls == SMTP_TLS_NONE) {
    unsigned long tls_e = ERR_peek_last_error();

    if (tls_e)
      ERR_error_string_n(tls_e, why, sizeof why);
    snprintf(err, errlen, "%s: STARTTLS handshake failed: %s", c->hostport,
             tls_e ? why : "connection closed");
    return SM_ERR_NETWORK;
  }
  if (run->closed_reply[0]) {
    snprintf(err, errlen, "%s: the server closed the session: %s", c->hostport,
             run->closed_reply);
    return SM_ERR_NETWORK;
  }
  if (e == SMTP_ERR_DROPPED_CONNECTION || (e < 0 && e != SMTP_NO_ERROR)) {
    long quiet = smtp_ms_since(&run->last_io);
    long least =
        c->greeting_ms < c->command_ms ? c->greeting_ms : c->command_ms;

    if (c->data_ms < least)
      least = c->data_ms;
    /* libesmtp reports a timeout as a dropped connection; a real drop
     * is seen at once. */
    if (quiet >= least - 50)
      snprintf(err, errlen,
               "%s: timed out: no reply from the server for %ld ms",
               c->hostport, quiet);
    else
      snprintf(err, errlen, "%s: connection lost: %s", c->hostport, why);
    return SM_ERR_NETWORK;
  }
  if (e == SMTP_ERR_INVALID_RESPONSE_SYNTAX || e == SMTP_ERR_STATUS_MISMATCH ||
      e == SMTP_ERR_INVALID_RESPONSE_STATUS ||
      e == SMTP_ERR_UNTERMINATED_RESPONSE || e == SMTP_ERR_CLIENT_ERROR) {
    snprintf(err, errlen, "%s: %s (last reply: %s)", c->hostport, why,
             run->last_reply[0] ? run->last_reply : "none");
    return SM_ERR_PROTOCOL;
  }
  if (untried || !started) {
    if (run->abort_why[0]) /* 8BITMIME missing */
      snprintf(err, errlen, "%s", run->abort_why);
    else if (run->starttls_code >= 400)
      snprintf(err, errlen, "%s: the server refused STARTTLS: %s", c->hostport,
               run->last_reply);
    else
      snprintf(err, errlen, "%s: the server refused the session: %s",
               c->hostport,
               run->last_reply[0] ? run->last_reply : "no reason given");
    return SM_ERR_NETWORK;
  }
  if (run->saw_530) {
    snprintf(err, errlen, "%s: the server requires authentication: %s",
             c->hostport, run->reply_530);
    return SM_ERR_CONFIG;
  }
  return SM_OK;
}

/* ---- one session --------------------------------------------------- */

/* Sets up libesmtp's session for the valid messages. */
static int
smtp_prepare(struct smtp_run *run, smtp_session_t es, struct smtp_item *items,
             size_t nitems)
{
  struct smtp_client *c = run->c;
  size_t i;

  if (!smtp_set_server(es, c->hostport) || !smtp_set_hostname(es, c->helo))
    return 0;
  smtp_set_timeout(es, Timeout_GREETING | Timeout_OVERRIDE_RFC2822_MINIMUM,
                   c->greeting_ms);
  smtp_set_timeout(es, Timeout_ENVELOPE | Timeout_OVERRIDE_RFC2822_MINIMUM,
                   c->command_ms);
  smtp_set_timeout(es, Timeout_DATA | Timeout_OVERRIDE_RFC2822_MINIMUM,
                   c->command_ms);
  smtp_set_timeout(es, Timeout_TRANSFER | Timeout_OVERRIDE_RFC2822_MINIMUM,
                   c->data_ms);
  smtp_set_timeout(es, Timeout_DATA2 | Timeout_OVERRIDE_RFC2822_MINIMUM,
                   c->data_ms);
  smtp_starttls_enable(es, c->starttls == CONF_TLS_REQUIRED ? Starttls_REQUIRED
                           : c->starttls == CONF_TLS_IF_OFFERED
                               ? Starttls_ENABLED
                               : Starttls_DISABLED);
  if (c->ssl_ctx && !smtp_starttls_set_ctx(es, c->ssl_ctx))
    return 0;
  if (c->auth) {
    smtp_auth_reset(c);
    smtp_auth_set_context(es, c->auth);
  }
  smtp_set_eventcb(es, smtp_event_cb, run);
  smtp_set_monitorcb(es, smtp_monitor_cb, run, 0);
  for (i = 0; i < nitems; i++) {
    struct smtp_item *it = &items[i];
    struct smtp_msg *m = it->msg;
    size_t k;

    it->em = smtp_add_message(es);
    if (!it->em || !smtp_set_reverse_path(it->em, m->sender))
      return 0;
    smtp_message_set_application_data_release(it->em, it, NULL);
    it->er = smtp_add_recipient(it->em, m->recipient);
    if (!it->er || !smtp_set_messagecb(it->em, smtp_read_cb, it))
      return 0;
    if (!m->data)
      continue; /* from before_data, checked and 7-bit (smtp.h) */
    smtp_size_set_estimate(it->em, m->len);
    /* 8-bit bytes need BODY=8BITMIME, which libesmtp then requires of the
     * server for the whole session; 7-bit messages do not ask. */
    for (k = 0; k < m->len; k++)
      if ((unsigned char)m->data[k] >= 0x80) {
        smtp_8bitmime_set_body(it->em, E8bitmime_8BITMIME);
        break;
      }
  }
  return 1;
}

/* Counts the outcomes into the batch's totals. */
static void
smtp_count(struct smtp_batch *b)
{
  size_t i;

  b->nsent = b->ndeferred = b->nfailed = b->ninvalid = 0;
  for (i = 0; i < b->n; i++) {
    switch (b->msgs[i].outcome) {
    case SMTP_SENT:
      b->nsent++;
      break;
    case SMTP_DEFERRED:
      b->ndeferred++;
      break;
    case SMTP_FAILED:
      b->nfailed++;
      break;
    case SMTP_INVALID:
      b->ninvalid++;
      break;
    }
  }
}

/* Checks each message; returns how many can be sent. */
static size_t
smtp_check_batch(struct smtp_batch *b)
{
  char why[SMTP_REPLY_MAX];
  size_t i, n = 0;

  for (i = 0; i < b->n; i++) {
    struct smtp_msg *m = &b->msgs[i];

    m->stage = SMTP_STAGE_NONE;
    m->code = 0;
    m->enhanced[0] = '\0';
    m->outcome = SMTP_INVALID;
    if (!smtp_check_address(m->sender, 1))
      snprintf(m->reply, sizeof m->reply, "bad envelope sender");
    else if (!smtp_check_address(m->recipient, 0))
      snprintf(m->reply, sizeof m->reply, "bad envelope recipient");
    else if (!m->data && !b->before_data)
      snprintf(m->reply, sizeof m->reply, "no message");
    else if (m->data && !smtp_check_message(m->data, m->len, why, sizeof why))
      snprintf(m->reply, sizeof m->reply, "%s", why);
    else {
      m->outcome = SMTP_DEFERRED;
      snprintf(m->reply, sizeof m->reply, "not tried");
      n++;
    }
  }
  return n;
}

/* The signals a session needs, set and put back (see smtp.h). */
struct smtp_signals {
  struct sigaction old_pipe, old_rt;
  sigset_t old_mask;
  int have_pipe, have_rt, have_mask;
};

static void
smtp_signals_set(struct smtp_signals *sg, struct smtp_run *run)
{
  struct sigaction sa;
  struct sigevent sev;
  sigset_t rtset;

  memset(sg, 0, sizeof *sg);
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = SIG_IGN;
  sg->have_pipe = sigaction(SIGPIPE, &sa, &sg->old_pipe) == 0;
  smtp_timer_fired = 0;
  if (run->c->connect_ms <= 0)
    return;
  /* No SA_RESTART: the point is to interrupt connect(). */
  sa.sa_handler = smtp_timer_handler;
  sg->have_rt = sigaction(SIGRTMIN, &sa, &sg->old_rt) == 0;
  sigemptyset(&rtset);
  sigaddset(&rtset, SIGRTMIN);
  sg->have_mask = sigprocmask(SIG_UNBLOCK, &rtset, &sg->old_mask) == 0;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGRTMIN;
  if (sg->have_rt && timer_create(CLOCK_MONOTONIC, &sev, &run->timer) == 0)
    run->timer_on = 1;
}

static void
smtp_signals_restore(struct smtp_signals *sg, struct smtp_run *run)
{
  if (run->timer_on)
    timer_delete(run->timer);
  run->timer_on = 0;
  if (sg->have_mask)
    sigprocmask(SIG_SETMASK, &sg->old_mask, NULL);
  if (sg->have_rt)
    sigaction(SIGRTMIN, &sg->old_rt, NULL);
  if (sg->have_pipe)
    sigaction(SIGPIPE, &sg->old_pipe, NULL);
}

enum sm_status
smtp_client_send(struct smtp_client *c, struct smtp_batch *b, char *err,
                 size_t errlen)
{
  struct smtp_run *run = NULL;
  struct smtp_item *items = NULL;
  smtp_session_t es = NULL;
  struct smtp_signals sg;
  int smtp_err, untried = 0, started;
  size_t i, nitems;
  enum sm_status st = SM_ERR_NOMEM;

  err[0] = '\0';
  b->tls = SMTP_TLS_NONE;
  b->authenticated = 0;
  b->mechanism = NULL;
  if (b->n > c->max_messages) {
    snprintf(err, errlen, "%s: %zu messages, more than %zu per session",
             c->hostport, b->n, c->max_messages);
    return SM_ERR_USAGE;
  }
  nitems = smtp_check_batch(b);
  if (b->on_result)
    for (i = 0; i < b->n; i++)
      if (b->msgs[i].outcome == SMTP_INVALID)
        b->on_result(b->ctx, i, &b->msgs[i]);
  if (nitems == 0) {
    smtp_count(b);
    return SM_OK;
  }

  run = calloc(1, sizeof *run);
  items = calloc(nitems, sizeof *items);
  if (!run || !items)
    goto cleanup;
  run->c = c;
  run->batch = b;
  run->fd = -1;
  run->wr_bol = 1;
  for (i = 0, nitems = 0; i < b->n; i++) {
    if (b->msgs[i].outcome == SMTP_INVALID)
      continue;
    items[nitems].msg = &b->msgs[i];
    items[nitems].index = i;
    items[nitems].run = run;
    items[nitems].reader = malloc(sizeof(struct smtp_reader));
    if (!items[nitems++].reader)
      goto cleanup;
  }
  es = smtp_create_session();
  if (!es || !smtp_prepare(run, es, items, nitems))
    goto cleanup;

  smtp_signals_set(&sg, run);
  smtp_each_fd(smtp_remember_fd, run);
  smtp_timer_arm(run, 1);
  smtp_clear_error();
  started = smtp_start_session(es);
  smtp_err = smtp_errno();
  smtp_signals_restore(&sg, run);

  for (i = 0; i < nitems; i++) {
    const smtp_status_t *mail = smtp_reverse_path_status(items[i].em);

    if (!mail || mail->code == 0)
      untried = 1;
  }
  smtp_find_421(run, items, nitems);
  st = smtp_session_error(run, started, smtp_err, untried, err, errlen);
  for (i = 0; i < nitems; i++) {
    if (items[i].reported)
      continue;
    smtp_classify(&items[i], err[0] ? err : "the session ended");
    smtp_report(run, &items[i]);
  }
  b->tls = run->tls;
  b->authenticated = run->authenticated;
  b->mechanism = run->mechanism;
  ERR_clear_error(); /* leave no TLS errors behind for other modules */

cleanup:
  if (st == SM_ERR_NOMEM) { /* before the session: nothing reported yet */
    snprintf(err, errlen, "%s: out of memory", c->hostport);
    for (i = 0; i < b->n; i++)
      if (b->msgs[i].outcome != SMTP_INVALID) {
        smtp_no_verdict(&b->msgs[i], SMTP_STAGE_NONE, "out of memory");
        if (b->on_result)
          b->on_result(b->ctx, i, &b->msgs[i]);
      }
  }
  if (es)
    smtp_destroy_session(es);
  if (items)
    for (i = 0; i < nitems; i++)
      free(items[i].reader);
  free(items);
  free(run);
  smtp_count(b);
  return st;
}
