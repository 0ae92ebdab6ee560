/* smtp.h: delivery sessions to the relay. The only user of libesmtp.
 *
 * A client (struct smtp_client) holds the configuration, the TLS context
 * and the AUTH context; one call of smtp_client_send is one SMTP session:
 * connect, EHLO, STARTTLS, AUTH, then one transaction per message (MAIL FROM
 * with the message's VERP return path, one RCPT TO, DATA), then QUIT. libesmtp
 * pipelines RCPT and DATA when the server offers PIPELINING. Each message
 * comes back with its own outcome, reply code, enhanced status and reply
 * text, so the caller can record every transaction on its own.
 *
 * Outcomes, and what a broken session does to them:
 *   - SENT: the whole message went out and the server answered 250 to
 *     its final dot (RFC 5321 4.3.2). It stays SENT
 *     whatever happens to the session afterwards (a 421 or a dropped
 *     connection on a later message does not undo it).
 *   - FAILED: a 5xx to MAIL, RCPT, DATA or the final dot (the reply says
 *     which: `stage`). Never retried. A 5xx at MAIL is about our return
 *     path, not the recipient: the caller may choose not to count it as a
 *     bounce. A 530 ("authentication required") is not a FAILED but a
 *     DEFERRED: it is our configuration, not the message.
 *   - DEFERRED: a 4xx (421 included); or no verdict at all: the message
 *     was in flight when the connection dropped or timed out, or it was
 *     never tried because the session ended before it (connection refused,
 *     STARTTLS or AUTH failure, 421). Also a 2xx out of place: 250, 220 or
 *     221 to DATA (no byte of the message went out) or 220 or 221 to the
 *     final dot; the reply starts "protocol error:", and the session is
 *     cut there, since the server's state is unknown. Retry later. A message
 * in flight when the connection dropped after its final dot may have been
 * taken by the server: its retry is the "at most one duplicate" of the sending
 *     contract.
 *   - INVALID: refused here before any SMTP (an address or the message
 *     bytes are malformed, see smtp_check_message). A bug upstream:
 *     retrying the same bytes cannot help.
 *
 * Protocol. libesmtp uses PIPELINING (RCPT and DATA together; MAIL FROM
 * always waits for its reply) and, where the server offers CHUNKING
 * (Postfix does), BDAT instead of DATA; both are tested byte for byte.
 * At debug level (log.h) the module logs each command and reply, with
 * AUTH's arguments left out.
 *
 * TLS. This module creates the OpenSSL SSL_CTX that libesmtp uses for
 * STARTTLS (libssl, plus libcrypto's X509 verification calls on that
 * context). That is a deliberate exception to "one library, one module":
 * configuring libesmtp's TLS is part of using libesmtp; the token module
 * still owns libcrypto for HMAC. Policy:
 *   - starttls = required: the certificate must verify against ca_file (or
 *     the system's store) and match the host name (OpenSSL's RFC 6125
 *     check; IP addresses in subjectAltName work too). Otherwise the
 *     session ends before MAIL with "HOST:PORT: STARTTLS required but the
 *     server's certificate did not verify: REASON", every message DEFERRED.
 *   - starttls = if-offered: encrypt when offered; an unverified
 *     certificate is accepted (as Postfix's "may" level: whoever can forge
 *     the certificate can also strip the STARTTLS offer).
 *   - Passwords never travel in clear text unless starttls = no: PLAIN and
 *     LOGIN are enabled only inside TLS whose certificate verified;
 *     CRAM-MD5 is always allowed.
 *   - TLS 1.2 only: with TLS 1.3, libesmtp 1.1 deadlocks when the server
 *     sends its session tickets after the handshake (it waits for the
 *     reply to an EHLO it has not flushed yet) until the greeting timeout.
 *
 * AUTH. With a user set, a session that could not authenticate (wrong
 * password, no usable mechanism) stops before its first MAIL FROM: the
 * error names the server's reply, and every message is DEFERRED (a
 * configuration problem, not the recipients' fault).
 *
 * What libesmtp does to the bytes. libesmtp rewrites the header of a
 * message that lacks Date, From or Message-ID (it adds them), or that has
 * Return-Path, Original-Recipient or Resent-Reply-To, or a second copy of a
 * single-instance header (it drops those). smtp_check_message refuses all
 * of these, so what the module sends is exactly the caller's bytes (dot
 * stuffing aside, which the server undoes).
 *
 * Known libesmtp 1.1 gaps this module works around:
 *   - No TCP_NODELAY, and message data goes out through a 2 KB buffer: on
 *     loopback each message then waits ~40 ms (Nagle + delayed ACK). On
 *     SMTP_EV_CONNECT we find libesmtp's socket (the one TCP socket to the
 *     server's port that did not exist before the session) and set
 *     TCP_NODELAY on it.
 *   - No connect timeout: a timer (timer_create, signal SIGRTMIN, installed
 *     only for the duration of the connect) interrupts connect().
 *   - It writes with write(2), so a server that hangs up raises SIGPIPE:
 *     SIGPIPE is ignored while a session runs.
 *   - smtp_set_server splits "host:port" at the first colon: IPv6 literals
 *     cannot be used as host (use a name).
 *   - It looks for the CRAM-MD5 plugin as sasl-cram-md5.so, installed as
 *     sasl-crammd5.so: smtp_client_new loads it under the latter name.
 *   - A reply line of the code alone ("235", which RFC 5321 4.2 allows)
 *     is a syntax error to it: the session ends with SM_ERR_PROTOCOL
 *     and its messages are DEFERRED (tests/smtp-protocol.sh). The
 *     monitor (smtp_reply_parse) reads such a line as a whole reply.
 *   - Its protocol monitor goes quiet for good once BDAT was used, and its
 *     error variable keeps errors of earlier sessions: the module reads
 *     verdicts from libesmtp's statuses and resets the error per session.
 * The signal dispositions are restored when smtp_client_send returns. The
 * module is not thread-safe: one thread runs the sessions (send's
 * composing worker, src/prepahead.c, blocks every signal and calls only
 * smtp_check_message, which is pure). */
#ifndef SM_SMTP_H
#define SM_SMTP_H

#include <stddef.h>

#include "conf.h"
#include "status.h"

/* Bounds on what a reply can carry into the caller's records. */
#define SMTP_REPLY_MAX 256 /* reply text, NUL included */
#define SMTP_ENH_MAX 16    /* "5.7.1", NUL included */
#define SMTP_ADDR_MAX 254  /* an envelope address (RFC 5321 path less <>) */
#define SMTP_LINE_MAX 998  /* a line of a message, CRLF excluded */
/* The largest message handed to libesmtp (its lengths are ints). */
#define SMTP_MESSAGE_MAX (64u * 1024 * 1024)

/* Everything a session needs. The strings are copied by smtp_client_new
 * (the caller keeps ownership of its own). Timeouts are milliseconds;
 * libesmtp cannot go below 1000. */
struct smtp_config {
  const char *host; /* relay host name or IPv4 address; no IPv6 literal */
  long port;
  enum conf_starttls starttls;
  const char *ca_file;     /* PEM CAs to trust; NULL: the system's store */
  const char *user;        /* NULL: no AUTH */
  const char *password;    /* with user: already read from the password file */
  const char *helo;        /* EHLO name; NULL: gethostname() */
  long connect_timeout_ms; /* TCP connect, per address */
  long greeting_timeout_ms; /* the banner, and EHLO, STARTTLS, AUTH */
  long command_timeout_ms;  /* each reply to MAIL, RCPT, DATA */
  long data_timeout_ms;     /* each write of the message, and the reply to
                               its final dot */
  size_t max_messages;      /* largest batch one session takes */
  int tcp_nodelay;          /* 1 (default); 0 only to measure its effect */
};

/* Defaults: port 25, STARTTLS if offered, system CAs, no AUTH, timeouts
 * 30 s connect, 300 s greeting and commands, 600 s data (RFC 5321's), 100
 * messages per session, TCP_NODELAY on. Strings NULL except host
 * ("localhost"). */
void smtp_config_defaults(struct smtp_config *cfg);

/* Defaults, then the [smtp] section of `c`. The strings point into `c`
 * (keep it alive until smtp_client_new); `password` is the content of
 * c->smtp.password_file, read by the caller, or NULL. */
void smtp_config_from_conf(struct smtp_config *cfg, const struct conf *c,
                           const char *password);

enum smtp_outcome {
  SMTP_SENT,     /* 2xx to the final dot */
  SMTP_DEFERRED, /* 4xx, or no verdict: retry later */
  SMTP_FAILED,   /* 5xx: never retry */
  SMTP_INVALID   /* refused before SMTP: malformed address or message */
};

/* Where a message's verdict came from, or where it stopped. */
enum smtp_stage {
  SMTP_STAGE_NONE,    /* not tried: the session ended before it */
  SMTP_STAGE_CONNECT, /* connection, greeting, EHLO, STARTTLS, AUTH */
  SMTP_STAGE_MAIL,
  SMTP_STAGE_RCPT,
  SMTP_STAGE_DATA, /* the reply to DATA */
  SMTP_STAGE_DOT   /* the transfer and the reply to the final dot */
};

/* One message of a batch. The inputs are borrowed and must stay valid
 * until smtp_client_send returns; the outputs are filled by it. */
struct smtp_msg {
  /* in */
  const char *sender;    /* MAIL FROM (the VERP address); "" = null path */
  const char *recipient; /* RCPT TO */
  const char *data;      /* the whole message, CRLF line ends; NULL
                            when before_data will set it (below) */
  size_t len;
  /* out */
  enum smtp_outcome outcome;
  enum smtp_stage stage;
  int code;                    /* 250, 451, 550; 0: no reply */
  char enhanced[SMTP_ENH_MAX]; /* "2.0.0", "" when none */
  char reply[SMTP_REPLY_MAX];  /* the server's text (control characters
                                  made spaces), or why there is none */
};

enum smtp_tls {
  SMTP_TLS_NONE,       /* clear text */
  SMTP_TLS_UNVERIFIED, /* encrypted, certificate not verified */
  SMTP_TLS_VERIFIED    /* encrypted, certificate and name verified */
};

/* A batch: the caller's array of messages (borrowed) and what the
 * session as a whole came to. */
struct smtp_batch {
  struct smtp_msg *msgs;
  size_t n;
  /* Optional: called once per message as soon as its outcome is final,
   * so that a caller recording each result at once loses none if it is
   * killed mid-session: INVALID ones before connecting; each verdict as
   * the server gives it (the reply to the final dot, or a refusal of MAIL,
   * RCPT or DATA), from inside the session; the messages without a
   * verdict when the session ends. `i` indexes msgs. It must not call
   * smtp_client_send. */
  void (*on_result)(void *ctx, size_t i, const struct smtp_msg *m);
  /* Optional: called for message i right before its first byte of data
   * would go out (its MAIL FROM and RCPT TO were accepted). Nonzero
   * stops the session there, before any of that data: message i and
   * those after it are not sent (DEFERRED without a verdict), reported
   * through on_result as usual, and smtp_client_send returns SM_OK. For a
   * last look at whether the message should still go (the reader may
   * have left since the batch was made). It must not call
   * smtp_client_send.
   * Returning 0, it may set msgs[i].data and len (a message made while
   * the session ran, src/prepahead.c): bytes the module has not seen,
   * which the caller must have checked with smtp_check_message and kept
   * 7-bit (MAIL FROM, already sent, declared no BODY=8BITMIME and no
   * SIZE). A message whose data is still NULL then ends the session
   * there, nothing of it sent. */
  int (*before_data)(void *ctx, size_t i);
  void *ctx;
  /* Set by the caller (from on_result) to end the session before the
   * next MAIL FROM goes out: the messages not tried yet are DEFERRED
   * without a verdict, and smtp_client_send returns SM_OK. (A streak of
   * refusals at RCPT never reaches before_data.) */
  int stop;
  /* out */
  enum smtp_tls tls;
  int authenticated;     /* 1 if AUTH succeeded */
  const char *mechanism; /* the AUTH mechanism used; static, or NULL */
  size_t nsent, ndeferred, nfailed, ninvalid;
};

/* Opaque. (Not "smtp_session" or "smtp_message": libesmtp's own types
 * are those struct tags.) */
struct smtp_client;

/* Checks `cfg`, copies it, loads the CA file. SM_ERR_CONFIG with `err`
 * naming the problem ("smtp.example.org:587: ca_file /x: ..."). The
 * client is freed with smtp_client_free. */
enum sm_status smtp_client_new(struct smtp_client **out,
                               const struct smtp_config *cfg, char *err,
                               size_t errlen);
void smtp_client_free(struct smtp_client *c);

/* Sends the batch (at most cfg->max_messages) in one SMTP session and
 * fills every message's outputs, whatever the return value:
 *   SM_OK            the session ran to its QUIT (messages may still have
 *                    been deferred or failed one by one)
 *   SM_ERR_NETWORK   cannot connect, connection lost, timeout, 421, or the
 *                    server refused the session (greeting, EHLO)
 *   SM_ERR_PROTOCOL  a reply the protocol does not allow there (a 2xx
 *                    out of place, or bad reply syntax)
 *   SM_ERR_CONFIG    authentication failed, or STARTTLS is required and
 *                    was not offered or did not verify
 *   SM_ERR_USAGE     too many messages (nothing sent, outputs untouched)
 *   SM_ERR_NOMEM     (nothing sent, every message DEFERRED)
 * `err` gets the session's problem, naming host:port, or "" with SM_OK. */
enum sm_status smtp_client_send(struct smtp_client *c,
                                struct smtp_batch *batch, char *err,
                                size_t errlen);

/* Whether libesmtp would send `data` unchanged (see the header comment):
 * non-empty, at most SMTP_MESSAGE_MAX bytes, CRLF line ends only (no bare
 * CR or LF, ends with CRLF), no NUL, lines of at most SMTP_LINE_MAX
 * octets, a header section ending in an empty line with exactly one Date,
 * From and Message-ID, at most one of each other header libesmtp treats
 * as single-instance, and no Return-Path, Original-Recipient or
 * Resent-Reply-To. Returns 1, or 0 with the reason in `why`. */
int smtp_check_message(const char *data, size_t len, char *why, size_t whylen);

/* Whether `addr` can go into MAIL FROM:<...> or RCPT TO:<...>: an
 * address address_sendable() takes (ASCII, so no SMTPUTF8 is needed), or
 * empty when allow_empty (the null return path). */
int smtp_check_address(const char *addr, int allow_empty);

/* "sent", "deferred", "failed", "invalid". Static. */
const char *smtp_outcome_name(enum smtp_outcome o);

/* ---- replies as the server sends them --------------------------------
 * The session reads every reply line through these (the protocol
 * monitor: AUTH mechanisms, the AUTH verdict, 421, 530, the last reply
 * for error messages); they are pure, for tests and fuzzing. libesmtp
 * reads the same bytes for its own state and the per-message statuses. */

/* The longest reply line kept (RFC 5321 4.5.3.1.5 allows 512 octets). */
#define SMTP_RLINE_MAX 1024

/* Reassembles lines from the bytes as they are read. */
struct smtp_reply_reader {
  char line[SMTP_RLINE_MAX];
  size_t len; /* 0 to start (or after a reconnect) */
};

/* Feeds n bytes; calls fn once per complete line (ended by LF; a CR
 * before it is kept), in order. A line longer than SMTP_RLINE_MAX keeps
 * its first SMTP_RLINE_MAX - 1 bytes and its LF. Bytes after the last
 * LF wait for the next call. Returns the number of lines handed over. */
size_t smtp_reply_feed(struct smtp_reply_reader *r, const char *buf, size_t n,
                       void (*fn)(void *ctx, const char *line, size_t len),
                       void *ctx);

/* One reply line: "250-PIPELINING", "550 5.7.1 Relaying denied". */
struct smtp_reply_line {
  int code;         /* 200 to 559 */
  int last;         /* "250 text" or a bare "250": the reply ends here */
  const char *text; /* after the code and its separator, CR and LF
                       excluded; points into the line */
  size_t textlen;
};

/* Reads line (n bytes, LF or CR LF included or not): 1 and *out if it
 * is a reply line (three digits, the first 2 to 5 and the second 0 to 5,
 * then '-', ' ' or the end), 0 if not. */
int smtp_reply_parse(const char *line, size_t n, struct smtp_reply_line *out);

/* Copies server text for a record or a message: control characters and
 * runs of spaces become one space, none leading or trailing, stopping at
 * a NUL, cut to outlen - 1 bytes; always NUL-terminated (outlen > 0). */
void smtp_reply_clean(char *out, size_t outlen, const char *in, size_t inlen);

#endif
