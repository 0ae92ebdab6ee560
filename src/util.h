/* util.h: small string, file and time helpers shared by modules. */
#ifndef SM_UTIL_H
#define SM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "status.h"

/* Trims ASCII white space in place; returns a pointer into s. */
char *util_trim(char *s);

/* Reads a whole file into `out` (bounded by out->max). SM_ERR_NOINPUT
 * when it does not exist, SM_ERR_LIMIT when too large; errno is kept. */
enum sm_status util_read_file(const char *path, struct buf *out);
/* Reads a whole stream the same way. */
enum sm_status util_read_fd(int fd, struct buf *out);

/* The status of a failed open(2) of a file we create or write, by its
 * errno: SM_ERR_NOPERM for EACCES and EPERM (sysexits 77), SM_ERR_IO for
 * an I/O error or a full disk (74), SM_ERR_CANTCREAT for the rest (73:
 * a missing directory, a directory or a file in the way, a read-only
 * file system). */
enum sm_status util_create_status(int err);

/* Writes len bytes to path, created (0666 less the umask) or truncated.
 * On failure err names the path, what failed and why ("PATH: cannot
 * write: Permission denied"), with util_create_status's status for the
 * open and SM_ERR_IO for a failed write or close (a full disk). */
enum sm_status util_write_file(const char *path, const void *data, size_t len,
                               char *err, size_t errlen);

/* Decodes the UTF-8 sequence at s (at most n bytes): its length (1 to 4)
 * with the code point in *cp, or 0 when it is not valid UTF-8 (overlong,
 * surrogate, beyond U+10FFFF, truncated). */
size_t util_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* 1 if s is valid UTF-8 of length n (no overlongs, no surrogates). */
int util_utf8_valid(const char *s, size_t n);
/* The length of the longest prefix of the n bytes at s that is valid
 * UTF-8: the offset of the first bad byte, or n. */
size_t util_utf8_valid_prefix(const char *s, size_t n);

/* Encodes the code point cp into out: its length (1 to 4), or 0 when cp
 * is no scalar value (a surrogate, or beyond U+10FFFF) and nothing was
 * written. The one encoder: every module that writes a code point as
 * UTF-8 calls it. */
size_t util_utf8_encode(uint32_t cp, char out[4]);

/* The largest k <= n at which s does not stand inside a sequence (s[k]
 * is no continuation byte): where s may be cut to at most n bytes without
 * halving a character. Reads s[0..n], so s must have n + 1 bytes (a
 * string's NUL counts). */
size_t util_utf8_cut(const char *s, size_t n);
/* The largest k <= n such that s[0..k) does not end inside a sequence:
 * where a string truncated to n bytes (by snprintf, say, whose NUL
 * stands at s[n]) must end. Reads s[0..n) only. */
size_t util_utf8_whole(const char *s, size_t n);
/* How many characters (sequences: bytes that are no continuation byte)
 * the n bytes at s hold. */
size_t util_utf8_count(const char *s, size_t n);

/* What util_html_escape replaces besides & < >: nothing more for text
 * between tags, '"' for attributes in double quotes, both quotes for
 * any attribute. */
enum util_html_quotes { UTIL_HTML_TEXT, UTIL_HTML_DQUOTE, UTIL_HTML_QUOTES };
/* Appends s[0..n) to b with & < > (and the quotes asked for) written as
 * &amp; &lt; &gt; &quot; &#39;. The one HTML and XML escaper. On failure
 * (SM_ERR_LIMIT, SM_ERR_NOMEM) b may hold a part of it. */
BUF_MUST_CHECK enum sm_status util_html_escape(struct buf *b, const char *s,
                                               size_t n,
                                               enum util_html_quotes q);

/* Parses RFC 822/1123 dates ("Mon, 23 Nov 2026 02:34:08 +0000", as RSS
 * uses them) and RFC 3339 ("2026-11-23T02:34:08Z", as Atom does) and
 * plain "2026-11-23". Returns 0 and sets *out (UTC seconds), or -1. */
int util_parse_date(const char *s, int64_t *out);
/* Formats t as "2026-11-23T02:34:08Z" into out (at least 21 bytes). */
void util_format_time(int64_t t, char *out, size_t outlen);
/* "9 December 2026" (UTC), for readers; the English month names, never
 * the locale's. */
void util_human_date(int64_t t, char *out, size_t outlen);

/* The current time in seconds; in builds configured with
 * --enable-test-hooks, SHORTMAIL_NOW overrides it. */
int64_t util_now(void);
/* Seconds on the monotonic clock, for measuring spans (rates, time
 * left, pacing); never moved by SHORTMAIL_NOW. */
double util_monotonic(void);

/* strdup that tolerates NULL. */
char *util_strdup0(const char *s);

#endif
