/* token.c: HMAC-SHA256 tokens in compact, case-insensitive base32. The
 * layout is documented in token.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "sha256.h"
#include "log.h"
#include "token.h"
#include "util.h"

#define TOKEN_VERSION 1
#define TOKEN_MAC_BYTES 10
#define TOKEN_HOURS_MAX ((1L << 24) - 1)
/* A secret file larger than this is surely not a secret file. */
#define TOKEN_SECRET_FILE_MAX 4096

static const char *const purpose_names[TOKEN_PURPOSE_LAST] = {
    [TOKEN_CONFIRM] = "confirm", [TOKEN_COMMENT] = "c",
    [TOKEN_BOUNCE] = "bounce",   [TOKEN_UNSUBSCRIBE] = "unsub",
    [TOKEN_KEYWORDS] = "k",
};

static const char b32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

const char *
token_purpose_name(enum token_purpose p)
{
  if ((unsigned)p >= TOKEN_PURPOSE_LAST)
    return NULL;
  return purpose_names[p];
}

int
token_purpose_parse(const char *name, size_t len)
{
  for (int p = 0; p < TOKEN_PURPOSE_LAST; p++)
    if (strlen(purpose_names[p]) == len &&
        strncasecmp(purpose_names[p], name, len) == 0)
      return p;
  return -1;
}

const char *
token_reason_str(enum token_reason r)
{
  switch (r) {
  case TOKEN_VALID:
    return "valid";
  case TOKEN_MALFORMED:
    return "malformed token";
  case TOKEN_BAD_MAC:
    return "token signature does not match";
  case TOKEN_EXPIRED:
    return "token expired";
  }
  return "unknown token verdict";
}

/* ---- secret ---- */

enum sm_status
token_secret_set(struct token_secret *out, const void *key, size_t len)
{
  out->key = NULL;
  out->len = 0;
  if (len < TOKEN_SECRET_MIN)
    return SM_ERR_CONFIG;
  out->key = malloc(len);
  if (!out->key)
    return SM_ERR_NOMEM;
  memcpy(out->key, key, len);
  out->len = len;
  return SM_OK;
}

void
token_secret_free(struct token_secret *s)
{
  if (s->key) {
    sha256_wipe(s->key, s->len);
    free(s->key);
  }
  s->key = NULL;
  s->len = 0;
}

enum sm_status
token_secret_load(const char *path, struct token_secret *out, char *err,
                  size_t errlen)
{
  struct buf b = BUF_INIT(TOKEN_SECRET_FILE_MAX);
  enum sm_status st;
  struct stat sb;
  size_t n;
  int fd;

  out->key = NULL;
  out->len = 0;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    st = errno == ENOENT ? SM_ERR_NOINPUT : SM_ERR_CONFIG;
    snprintf(err, errlen, "%s: cannot open the secret file: %s", path,
             strerror(errno));
    return st;
  }
  /* Anyone who can read the secret can forge every token; worth a
   * warning, but not worth refusing to start over. */
  if (fstat(fd, &sb) == 0 && (sb.st_mode & (S_IRGRP | S_IROTH)))
    log_warning("%s: the secret file is readable by group or others "
                "(chmod 600 it)",
                path);
  st = util_read_fd(fd, &b);
  close(fd);
  if (st != SM_OK) {
    snprintf(err, errlen, "%s: cannot read the secret file: %s", path,
             st == SM_ERR_LIMIT ? "larger than 4096 bytes" : sm_strerror(st));
    st = SM_ERR_CONFIG;
    goto done;
  }
  n = b.len;
  if (n > 0 && b.data[n - 1] == '\n') {
    n--;
    if (n > 0 && b.data[n - 1] == '\r')
      n--;
  }
  if (n < TOKEN_SECRET_MIN) {
    snprintf(err, errlen,
             "%s: the secret is %zu bytes, at least %d are needed "
             "(e.g. head -c 32 /dev/urandom | base64 > %s)",
             path, n, TOKEN_SECRET_MIN, path);
    st = SM_ERR_CONFIG;
    goto done;
  }
  st = token_secret_set(out, b.data, n);
  if (st != SM_OK)
    snprintf(err, errlen, "%s: %s", path, sm_strerror(st));

done:
  if (b.data)
    sha256_wipe(b.data, b.cap);
  buf_free(&b);
  return st;
}

/* ---- MAC ---- */

static void
put_be(unsigned char *p, uint64_t v, int n)
{
  for (int i = n - 1; i >= 0; i--) {
    p[i] = (unsigned char)(v & 0xff);
    v >>= 8;
  }
}

/* The MAC input has fixed widths, independent of the encoding, so the
 * encoding can change (a new version) without weakening the MAC. */
static enum sm_status
token_mac(const struct token_secret *secret, enum token_purpose purpose,
          uint64_t sub, uint64_t obj, uint32_t hours,
          unsigned char mac[SHA256_LEN])
{
  static const char label[] = "shortmail-token";
  unsigned char msg[sizeof(label) + 8 + 1 + 8 + 8 + 4];
  const char *name = purpose_names[purpose];
  size_t nlen = strlen(name), i = 0;

  memcpy(msg, label, sizeof(label)); /* with its NUL */
  i += sizeof(label);
  memcpy(msg + i, name, nlen + 1);
  i += nlen + 1;
  msg[i++] = TOKEN_VERSION;
  put_be(msg + i, sub, 8);
  i += 8;
  put_be(msg + i, obj, 8);
  i += 8;
  put_be(msg + i, hours, 4);
  i += 4;
  sha256_hmac(secret->key, secret->len, msg, i, mac);
  return SM_OK;
}

/* ---- bit strings in base32 ---- */

/* Up to 49 characters: 245 bits. */
struct bits {
  unsigned char v[TOKEN_MAX_LEN]; /* one 5-bit value per character */
  size_t nbits;                   /* written, or read so far */
  size_t total;                   /* readable bits */
};

static void
bits_put(struct bits *b, uint64_t val, unsigned n)
{
  while (n-- > 0) {
    size_t c = b->nbits / 5;
    unsigned bit = (unsigned)((val >> n) & 1);

    if (b->nbits % 5 == 0)
      b->v[c] = 0;
    b->v[c] |= (unsigned char)(bit << (4 - b->nbits % 5));
    b->nbits++;
  }
}

/* Reads n bits into *val; -1 when fewer remain. */
static int
bits_get(struct bits *b, unsigned n, uint64_t *val)
{
  uint64_t v = 0;

  if (n > b->total - b->nbits)
    return -1;
  while (n-- > 0) {
    size_t c = b->nbits / 5;

    v = (v << 1) | ((b->v[c] >> (4 - b->nbits % 5)) & 1);
    b->nbits++;
  }
  *val = v;
  return 0;
}

static unsigned
bit_length(uint64_t v)
{
  unsigned n = 0;

  while (v) {
    n++;
    v >>= 1;
  }
  return n;
}

static int
b32_value(unsigned char c)
{
  if (c >= 'a' && c <= 'z')
    return c - 'a';
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= '2' && c <= '7')
    return c - '2' + 26;
  return -1;
}

/* ---- make and verify ---- */

enum sm_status
token_make(const struct token_secret *secret, enum token_purpose purpose,
           int64_t subscriber, int64_t object, int64_t expires_at, char **out)
{
  unsigned char mac[SHA256_LEN];
  struct bits b = {{0}, 0, 0};
  int64_t hours;
  enum sm_status st;
  size_t nchars;
  char *s;

  *out = NULL;
  if ((unsigned)purpose >= TOKEN_PURPOSE_LAST || !secret->key)
    return SM_ERR_INTERNAL;
  if (subscriber < 0 || object < 0 || expires_at < TOKEN_EPOCH)
    return SM_ERR_LIMIT;
  /* Rounded up: never shorter-lived than asked. */
  hours = (expires_at - TOKEN_EPOCH) / 3600 +
          ((expires_at - TOKEN_EPOCH) % 3600 != 0);
  if (hours > TOKEN_HOURS_MAX)
    return SM_ERR_LIMIT;

  st = token_mac(secret, purpose, (uint64_t)subscriber, (uint64_t)object,
                 (uint32_t)hours, mac);
  if (st != SM_OK)
    return st;
  bits_put(&b, TOKEN_VERSION, 2);
  bits_put(&b, bit_length((uint64_t)subscriber), 6);
  bits_put(&b, (uint64_t)subscriber, bit_length((uint64_t)subscriber));
  bits_put(&b, bit_length((uint64_t)object), 6);
  bits_put(&b, (uint64_t)object, bit_length((uint64_t)object));
  bits_put(&b, (uint64_t)hours, 24);
  for (int i = 0; i < TOKEN_MAC_BYTES; i++)
    bits_put(&b, mac[i], 8);
  sha256_wipe(mac, sizeof(mac));

  nchars = (b.nbits + 4) / 5; /* filler bits are already zero */
  s = malloc(nchars + 1);
  if (!s)
    return SM_ERR_NOMEM;
  for (size_t i = 0; i < nchars; i++)
    s[i] = b32_alphabet[b.v[i]];
  s[nchars] = '\0';
  *out = s;
  return SM_OK;
}

/* Reads a length-prefixed id; -1 unless minimal and present. */
static int
get_id(struct bits *b, uint64_t *id)
{
  uint64_t n;

  if (bits_get(b, 6, &n) < 0)
    return -1;
  if (n == 0) {
    *id = 0;
    return 0;
  }
  if (n > 63 || bits_get(b, (unsigned)n, id) < 0)
    return -1;
  return (*id >> (n - 1)) == 1 ? 0 : -1; /* top bit set: minimal */
}

static enum sm_status
refuse(enum token_reason why, enum token_reason *reason)
{
  if (reason)
    *reason = why;
  return SM_ERR_DATA;
}

enum sm_status
token_verify(const struct token_secret *secret, enum token_purpose purpose,
             const char *token, size_t len, int64_t now, int64_t *subscriber,
             int64_t *object, int64_t *expires_at, enum token_reason *reason)
{
  unsigned char mac[SHA256_LEN], got[TOKEN_MAC_BYTES];
  struct bits b = {{0}, 0, 0};
  uint64_t version, sub, obj, hours, filler, byte;
  int64_t expiry;
  enum sm_status st;

  if (subscriber)
    *subscriber = 0;
  if (object)
    *object = 0;
  if (expires_at)
    *expires_at = 0;
  if (reason)
    *reason = TOKEN_MALFORMED;
  if ((unsigned)purpose >= TOKEN_PURPOSE_LAST || !secret->key)
    return SM_ERR_INTERNAL;

  if (len == 0 || len > TOKEN_MAX_LEN)
    return refuse(TOKEN_MALFORMED, reason);
  for (size_t i = 0; i < len; i++) {
    int v = b32_value((unsigned char)token[i]);

    if (v < 0)
      return refuse(TOKEN_MALFORMED, reason);
    b.v[i] = (unsigned char)v;
  }
  b.total = len * 5;
  if (bits_get(&b, 2, &version) < 0 || version != TOKEN_VERSION ||
      get_id(&b, &sub) < 0 || get_id(&b, &obj) < 0 ||
      bits_get(&b, 24, &hours) < 0)
    return refuse(TOKEN_MALFORMED, reason);
  for (int i = 0; i < TOKEN_MAC_BYTES; i++) {
    if (bits_get(&b, 8, &byte) < 0)
      return refuse(TOKEN_MALFORMED, reason);
    got[i] = (unsigned char)byte;
  }
  /* Only the zero filler of the last character may remain: anything
   * else would give a second spelling of the same token. */
  if (b.total - b.nbits >= 5 ||
      bits_get(&b, (unsigned)(b.total - b.nbits), &filler) < 0 || filler)
    return refuse(TOKEN_MALFORMED, reason);

  st = token_mac(secret, purpose, sub, obj, (uint32_t)hours, mac);
  if (st != SM_OK)
    return st;
  if (!sha256_memeq(mac, got, TOKEN_MAC_BYTES)) {
    sha256_wipe(mac, sizeof(mac));
    return refuse(TOKEN_BAD_MAC, reason);
  }
  sha256_wipe(mac, sizeof(mac));

  expiry = TOKEN_EPOCH + (int64_t)hours * 3600;
  if (subscriber)
    *subscriber = (int64_t)sub;
  if (object)
    *object = (int64_t)obj;
  if (expires_at)
    *expires_at = expiry;
  if (now > expiry)
    return refuse(TOKEN_EXPIRED, reason);
  if (reason)
    *reason = TOKEN_VALID;
  return SM_OK;
}

enum sm_status
token_hash(const char *token, size_t len, char out[TOKEN_HASH_LEN + 1])
{
  static const char hex[] = "0123456789abcdef";
  unsigned char md[SHA256_LEN];
  struct sha256 h;
  char chunk[64];

  sha256_init(&h);
  /* Folded to lower case in chunks: the token may be of any length. */
  for (size_t i = 0; i < len;) {
    size_t n = len - i < sizeof(chunk) ? len - i : sizeof(chunk);

    for (size_t j = 0; j < n; j++) {
      unsigned char c = (unsigned char)token[i + j];
      chunk[j] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    sha256_update(&h, chunk, n);
    i += n;
  }
  sha256_final(&h, md);
  for (unsigned i = 0; i < sizeof(md); i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[TOKEN_HASH_LEN] = '\0';
  return SM_OK;
}

enum sm_status
token_secret_create(const char *path, long uid, long gid, int *created,
                    char *err, size_t errlen)
{
  static const char hex[] = "0123456789abcdef";
  unsigned char raw[32];
  char text[2 * sizeof(raw) + 1];
  size_t off = 0;
  ssize_t n;
  int fd;

  *created = 0;
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return SM_OK;
    snprintf(err, errlen, "%s: cannot create the secret file: %s", path,
             strerror(errno));
    return errno == EACCES   ? SM_ERR_NOPERM
           : errno == ENOENT ? SM_ERR_CANTCREAT
                             : SM_ERR_IO;
  }
  /* The kernel's generator, blocking until it is seeded: a secret made
   * at first boot must not be guessable. */
  if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
    snprintf(err, errlen, "%s: no random bytes for the secret: %s", path,
             strerror(errno));
    goto fail;
  }
  for (size_t i = 0; i < sizeof(raw); i++) {
    text[2 * i] = hex[raw[i] >> 4];
    text[2 * i + 1] = hex[raw[i] & 15];
  }
  text[sizeof(text) - 1] = '\n';
  explicit_bzero(raw, sizeof(raw));
  while (off < sizeof(text)) {
    n = write(fd, text + off, sizeof(text) - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      snprintf(err, errlen, "%s: cannot write the secret: %s", path,
               strerror(errno));
      goto fail;
    }
    off += (size_t)n;
  }
  explicit_bzero(text, sizeof(text));
  if (uid >= 0 && fchown(fd, (uid_t)uid, (gid_t)gid) < 0) {
    snprintf(err, errlen, "%s: cannot give the secret to uid %ld: %s", path,
             uid, strerror(errno));
    goto fail;
  }
  if (fsync(fd) < 0 || close(fd) < 0) {
    fd = -1;
    snprintf(err, errlen, "%s: cannot write the secret: %s", path,
             strerror(errno));
    goto fail;
  }
  *created = 1;
  return SM_OK;
fail:
  explicit_bzero(text, sizeof(text));
  if (fd >= 0)
    close(fd);
  unlink(path);
  return SM_ERR_IO;
}
