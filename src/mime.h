/* mime.h: building outgoing messages by hand: header fields (RFC 5322,
 * RFC 2047 encoded words), quoted-printable bodies (RFC 2045),
 * multipart/alternative (RFC 2046).
 *
 * Not GMime: the digest sender assembles thousands of digests a second
 * from cached fragments, and a retry must give the same bytes, so
 * everything here is deterministic: the same calls give the same bytes
 * (no random boundary, no clock, no host name).
 *
 * The output promises: CRLF line ends only; no header line longer than
 * 998 octets, and none longer than 78 where white space or encoded words
 * allow folding; header bytes are printable ASCII, space and the CRLF of
 * folding, so no CR, LF, NUL or 8-bit byte from data reaches a header
 * unencoded; bodies are quoted-printable with lines of at most 76.
 *
 * Typical use:
 *
 *   struct mime_msg m;
 *   mime_msg_init(&m);
 *   mime_add_address(&m, "From", "Shortmail", "digest@lists.example.org");
 *   mime_add_text_header(&m, "Subject", subject);
 *   mime_add_date(&m, now);
 *   mime_add_header(&m, "Message-ID", msgid);
 *   mime_add_phrase_header(&m, "List-Id", "Shortmail digest",
 *                          "<digest.lists.example.org>");
 *   mime_add_body_text(&m, MIME_PLAIN, text, strlen(text));
 *   mime_add_body_qp(&m, MIME_HTML, cached_html_qp, cached_len);
 *   mime_render(&m, &out);
 *   mime_msg_free(&m);
 *
 * Pre-encoded fragments. The digest renders each summary once per run,
 * encodes it once with mime_qp_encode, and glues the cached encodings of
 * a reader's summaries with mime_add_body_qp: no re-encoding per
 * message. This is sound because mime_qp_encode's output always ends
 * with a line break: a hard CRLF when the input ended with a newline,
 * else a soft one ("=" CRLF). So each fragment starts on a fresh line,
 * no line grows past 76 when fragments are joined, and the decoding of
 * the concatenation is the concatenation of the decodings. Encode every
 * fragment by itself (the encoder never sees its neighbours). */
#ifndef SM_MIME_H
#define SM_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "status.h"

#define MIME_LINE_SOFT 78  /* header lines, where folding allows */
#define MIME_LINE_HARD 998 /* any line, RFC 5322 2.1.1 */
#define MIME_QP_LINE 76    /* quoted-printable lines, RFC 2045 6.7 */
#define MIME_EW_MAX 75     /* an encoded word, RFC 2047 2 */
/* All header fields of one message together. */
#define MIME_HEAD_MAX (64 * 1024)
/* Fragments per body part. */
#define MIME_FRAGS_MAX 100000
/* Bytes of QP our own encodings of one part may take. */
#define MIME_PART_MAX (64 * 1024 * 1024)
/* Longest Message-ID mime_message_id builds, with brackets and NUL. */
#define MIME_MSGID_MAX 256

enum mime_kind {
  MIME_PLAIN, /* text/plain; charset=utf-8 */
  MIME_HTML,  /* text/html; charset=utf-8 */
  MIME_KINDS
};

/* One piece of a body, in quoted-printable. data != NULL: borrowed from
 * the caller; else at `off` in the part's own buffer. */
struct mime_frag {
  const char *data;
  size_t off;
  size_t len;
};

struct mime_part {
  struct buf own; /* QP made by mime_add_body_text */
  struct mime_frag *frags;
  size_t nfrags, cap;
};

/* The members are private; the struct is public so it can live on the
 * stack and be reused (mime_msg_reset) without allocating per message.
 * It owns its buffers (mime_msg_free releases them), never the borrowed
 * fragments of mime_add_body_qp. */
struct mime_qp_cache;

struct mime_msg {
  struct buf head; /* rendered header fields, each ending in CRLF */
  struct mime_part part[MIME_KINDS];
  int flowed;                /* the text/plain part is format=flowed */
  struct mime_qp_cache *qpc; /* see mime_msg_cache_lines */
};

void mime_msg_init(struct mime_msg *m);
/* Empties the message, keeping its memory for the next one. */
void mime_msg_reset(struct mime_msg *m);
void mime_msg_free(struct mime_msg *m);
/* Keeps the quoted-printable of each line mime_add_body_text encodes, for
 * the next messages made with m (it outlives mime_msg_reset): a sender
 * composing thousands of digests encodes the style sheet, each summary
 * and the footer once, and only the lines that differ per reader (the
 * address, the links with their tokens) for each message. The output is
 * byte for byte what mime_qp_encode makes of the whole text, since the
 * encoding of a line ending in a newline does not depend on the lines
 * around it. Bounded (8 MB, then it starts over). */
enum sm_status mime_msg_cache_lines(struct mime_msg *m);

/* Header fields come out in the order they were added, before
 * MIME-Version and Content-Type (which mime_render adds). The field name
 * must be printable ASCII without ':' (SM_ERR_INTERNAL otherwise: it is
 * ours, not data). A failed call adds nothing. */

/* A structured field whose value the caller composed (Message-ID,
 * In-Reply-To, References, List-Unsubscribe, Auto-Submitted, ...). The value
 * must be printable ASCII, space and tab: anything else, CR and LF
 * included, is refused with SM_ERR_DATA. It is folded at white space;
 * SM_ERR_LIMIT when a part without white space would make a line longer
 * than 998. Leading and trailing white space is dropped. */
enum sm_status mime_add_header(struct mime_msg *m, const char *name,
                               const char *value);

/* An unstructured field (Subject, or X-anything) from UTF-8 text: each
 * run of CR, LF and tab is replaced by a space (a line break in a
 * title means a space), leading and trailing space dropped; other
 * control characters and invalid UTF-8 are refused (SM_ERR_DATA).
 * Printable ASCII is written as is, folded at spaces; text with other
 * bytes, with "=?", or with a word longer than 75 (it could not fold
 * within 78) is written as RFC 2047 encoded words in UTF-8 (Q when at
 * most a third of the bytes are 8-bit, else B), each at most 75
 * characters, split between whole characters, on lines of at most 76.
 * The empty string gives an empty field. */
enum sm_status mime_add_text_header(struct mime_msg *m, const char *name,
                                    const char *value);

/* An address field: `display` (UTF-8 or NULL/"" for none; cleaned as
 * for mime_add_text_header) as atoms, a quoted string (ASCII with
 * specials, backslash-escaped) or encoded words (8-bit text, "=?", a
 * word longer than 75), then <addr>; without a display name the bare
 * addr. `addr` must be a plain ASCII local@domain (dot-atom local
 * part, no quoted local parts, no domain literals, at most 254 octets):
 * SM_ERR_DATA otherwise. */
enum sm_status mime_add_address(struct mime_msg *m, const char *name,
                                const char *display, const char *addr);

/* "name: PHRASE TAIL", as in List-Id (RFC 2919), with the list's
 * description as `phrase` (cleaned and encoded as a display name) and
 * "<digest.lists.example.org>" as `tail`, which must be printable ASCII
 * without white space, at most 78 characters (SM_ERR_DATA otherwise).
 * An empty phrase leaves the tail alone. */
enum sm_status mime_add_phrase_header(struct mime_msg *m, const char *name,
                                      const char *phrase, const char *tail);

/* "Date: Mon, 23 Nov 2026 02:34:08 +0000" for time t (UTC seconds). */
enum sm_status mime_add_date(struct mime_msg *m, int64_t t);

/* Appends `len` bytes of UTF-8 text (LF or CRLF line ends) to the body
 * of that kind, encoding it as mime_qp_encode does. The first body
 * call of a kind creates the part. */
enum sm_status mime_add_body_text(struct mime_msg *m, enum mime_kind kind,
                                  const char *text, size_t len);
/* The text/plain body of a text-only message as format=flowed (RFC 3676,
 * DelSp=No), so that phones reflow it instead of breaking each line
 * twice: the lines of a paragraph end in a space (soft breaks); a line
 * that is short (under 50 bytes: not wrapped, ended by its writer),
 * blank, indented, quoted, a link, a list item, a signature separator,
 * ends in ':' or is followed by such a line keeps its hard break; lines
 * starting with ' ', '>' or "From " are space-stuffed. */
enum sm_status mime_add_body_flowed(struct mime_msg *m, const char *text,
                                    size_t len);
/* Appends `len` bytes that are already quoted-printable: the output of
 * mime_qp_encode or a concatenation of such outputs. Borrowed, not
 * copied: the bytes must stay unchanged until the last mime_render.
 * SM_ERR_INTERNAL when they fail mime_qp_check (a bug of the caller:
 * the bytes would break the message). */
enum sm_status mime_add_body_qp(struct mime_msg *m, enum mime_kind kind,
                                const char *qp, size_t len);

/* Appends the whole message to `out`: the header fields, MIME-Version,
 * then one text part, or multipart/alternative with text/plain first
 * and text/html second. The boundary is "=_" and a hash of the header
 * fields: deterministic, and it cannot occur in a part, because in
 * quoted-printable '=' is only ever followed by two hex digits or a
 * line end. SM_ERR_INTERNAL without any body part; SM_ERR_LIMIT when
 * `out` is full (out is then truncated to where it was). */
enum sm_status mime_render(const struct mime_msg *m, struct buf *out);

/* Quoted-printable (RFC 2045 6.7) of `len` bytes, appended to `out`:
 * LF and CRLF become hard CRLF line breaks; '=', control bytes (a lone
 * CR too), bytes >= 127, white space at a line end and the 'F' of a
 * line starting "From " are =XX; soft breaks keep lines <= 76 and never
 * split an =XX. The output ends with CRLF unless it is empty (see the
 * top of this file). */
enum sm_status mime_qp_encode(const char *in, size_t len, struct buf *out);

/* 1 if the bytes are quoted-printable that is safe to glue: printable
 * ASCII, space and tab; CRLF line ends only, the last line included;
 * lines of at most 76; no white space before a CRLF; '=' only before two
 * upper-case hex digits or as the last character of a line. */
int mime_qp_check(const char *qp, size_t len);

/* "Mon, 23 Nov 2026 02:34:08 +0000" into out (at least 32 bytes). */
void mime_format_date(int64_t t, char *out, size_t outlen);

/* "<kind.a.b@domain>" into out: the deterministic Message-ID of, e.g.,
 * the digest of issue a for reader b. `kind` must be letters, digits and
 * '-', `domain` a host name: SM_ERR_DATA otherwise; SM_ERR_LIMIT when
 * outlen is too small. */
enum sm_status mime_message_id(char *out, size_t outlen, const char *kind,
                               int64_t a, int64_t b, const char *domain);

#endif
