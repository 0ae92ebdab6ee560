/* outlog.c: the journal of SMTP outcomes not yet in the store. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "outlog.h"
#include "util.h"

#define OUTLOG_MAGIC "shortmail outcomes 1 "
#define OUTLOG_SUFFIX "-outcomes."
/* A journal holds one batch's outcomes; a file far beyond that is no
 * journal of ours. */
#define OUTLOG_READ_MAX (64u * 1024 * 1024)
/* An empty journal younger than this may be one whose sender has not
 * locked it yet. */
#define OUTLOG_NASCENT_SECONDS 60
/* One line: five numbers and a reply, cut to this. */
#define OUTLOG_REPLY_MAX 1000

struct outlog {
  int fd;
  int broken; /* an append failed: no more */
  char *path;
  off_t header;             /* the header's length: what outlog_clear keeps */
  struct store_result *res; /* their replies are ours (outlog_add) */
  size_t n, cap;
};

/* ---- names --------------------------------------------------------- */

/* The directory and the prefix of the journals of the store at path:
 * "DIR" and "BASE-outcomes.". */
static enum sm_status
outlog_names(const char *store_path, char **dir, char **prefix)
{
  const char *slash = strrchr(store_path, '/');
  const char *base = slash ? slash + 1 : store_path;
  size_t dlen = slash ? (size_t)(slash - store_path) : 1;
  size_t plen = strlen(base) + sizeof(OUTLOG_SUFFIX);

  *dir = malloc(dlen + 1);
  *prefix = malloc(plen);
  if (!*dir || !*prefix) {
    free(*dir);
    free(*prefix);
    return SM_ERR_NOMEM;
  }
  if (!slash)
    memcpy(*dir, ".", 1);
  else if (dlen == 0)
    memcpy(*dir, "/", (dlen = 1));
  else
    memcpy(*dir, store_path, dlen);
  (*dir)[dlen] = '\0';
  snprintf(*prefix, plen, "%s" OUTLOG_SUFFIX, base);
  return SM_OK;
}

/* ---- writing ------------------------------------------------------- */

static enum sm_status
write_all(int fd, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t w = write(fd, p, n);

    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return SM_ERR_IO;
    p += w;
    n -= (size_t)w;
  }
  return SM_OK;
}

enum sm_status
outlog_open(const char *store_path, const char *owner, struct outlog **out,
            char *err, size_t errlen)
{
  struct outlog *lg;
  char path[4096 + 64], header[600];
  struct stat sb;
  int n, e;

  *out = NULL;
  n = snprintf(header, sizeof(header), OUTLOG_MAGIC "%s\n", owner);
  if (n < 0 || (size_t)n >= sizeof(header) || strchr(owner, '\n')) {
    snprintf(err, errlen, "the sender's name is not usable in a journal");
    return SM_ERR_USAGE;
  }
  if ((size_t)snprintf(path, sizeof(path), "%s" OUTLOG_SUFFIX "%ld",
                       store_path, (long)getpid()) >= sizeof(path)) {
    snprintf(err, errlen, "%s: the store's path is too long", store_path);
    return SM_ERR_CONFIG;
  }
  lg = calloc(1, sizeof(*lg));
  if (!lg || !(lg->path = strdup(path))) {
    free(lg);
    return SM_ERR_NOMEM;
  }
  /* A journal left under this name by an earlier process with the same
   * id was folded by outlog_recover before this: one still here is in
   * the way, and never overwritten. */
  lg->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (lg->fd < 0) {
    e = errno;
    snprintf(err, errlen, "%s: cannot create the sender's journal: %s%s", path,
             strerror(e),
             e == EEXIST ? " (a dead sender's, not yet written to the store)"
                         : "");
    outlog_close(lg);
    return e == EEXIST ? SM_ERR_TEMP : util_create_status(e);
  }
  /* Until the lock is ours the file is empty, and outlog_recover leaves
   * an empty journal alone unless it is old. It may hold the lock for a
   * moment while it looks: wait for it. */
  if (flock(lg->fd, LOCK_EX) < 0 || fstat(lg->fd, &sb) < 0 ||
      sb.st_nlink == 0 || write_all(lg->fd, header, (size_t)n) != SM_OK) {
    e = errno;
    snprintf(err, errlen, "%s: cannot set up the sender's journal: %s", path,
             e ? strerror(e) : "removed meanwhile");
    unlink(path);
    outlog_close(lg);
    return SM_ERR_IO;
  }
  lg->header = n;
  *out = lg;
  return SM_OK;
}

/* Replies and reasons become one line: no control bytes, bounded. */
static void
clean_reply(char *out, size_t outlen, const char *in)
{
  size_t o = 0;

  for (; in && *in && o + 1 < outlen; in++) {
    unsigned char ch = (unsigned char)*in;

    out[o++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
  }
  out[o] = '\0';
}

enum sm_status
outlog_add(struct outlog *lg, const struct store_result *r, char *err,
           size_t errlen)
{
  static const char letter[] = {'s', 'd', 'f'};
  char reply[OUTLOG_REPLY_MAX + 1], line[OUTLOG_REPLY_MAX + 128], *copy;
  int n;

  if (lg->broken) {
    snprintf(err, errlen, "%s: an earlier write failed", lg->path);
    return SM_ERR_IO;
  }
  if ((unsigned)r->outcome > STORE_FAILED)
    return SM_ERR_USAGE;
  if (lg->n == lg->cap) {
    size_t cap = lg->cap ? lg->cap * 2 : 128;
    struct store_result *res = realloc(lg->res, cap * sizeof(*res));

    if (!res)
      return SM_ERR_NOMEM;
    lg->res = res;
    lg->cap = cap;
  }
  clean_reply(reply, sizeof(reply), r->reply);
  copy = strdup(reply);
  if (!copy)
    return SM_ERR_NOMEM;
  n = snprintf(line, sizeof(line),
               "%" PRId64 " %c %d %" PRId64 " %" PRId64 " %s\n", r->id,
               letter[r->outcome], r->smtp_code, r->at, r->next, reply);
  /* One write(2) of the whole line: a process killed after it returns
   * leaves the line in the file, whatever happens to the process. */
  if (write_all(lg->fd, line, (size_t)n) != SM_OK) {
    snprintf(err, errlen, "%s: cannot write an outcome: %s", lg->path,
             strerror(errno));
    lg->broken = 1;
    free(copy);
    return SM_ERR_IO;
  }
  lg->res[lg->n] = *r;
  lg->res[lg->n].reply = copy;
  lg->n++;
  return SM_OK;
}

const struct store_result *
outlog_results(const struct outlog *lg, size_t *n)
{
  *n = lg->n;
  return lg->res;
}

/* Drops the outcomes held, and the replies outlog_add copied. */
static void
drop_results(struct outlog *lg)
{
  for (size_t i = 0; i < lg->n; i++)
    free((char *)lg->res[i].reply);
  lg->n = 0;
}

enum sm_status
outlog_clear(struct outlog *lg, char *err, size_t errlen)
{
  drop_results(lg);
  if (ftruncate(lg->fd, lg->header) < 0 ||
      lseek(lg->fd, 0, SEEK_END) != lg->header) {
    snprintf(err, errlen, "%s: cannot empty the sender's journal: %s",
             lg->path, strerror(errno));
    lg->broken = 1;
    return SM_ERR_IO;
  }
  return SM_OK;
}

void
outlog_close(struct outlog *lg)
{
  if (!lg)
    return;
  /* Removed while still locked: no other sender reads it meanwhile. */
  if (lg->n == 0 && !lg->broken && lg->header)
    unlink(lg->path);
  drop_results(lg);
  if (lg->fd >= 0)
    close(lg->fd);
  free(lg->res);
  free(lg->path);
  free(lg);
}

/* ---- reading ------------------------------------------------------- */

/* A decimal integer then one space; advances *p. */
static int
take_int(char **p, int64_t *v)
{
  char *end;

  if (**p != '-' && (**p < '0' || **p > '9'))
    return 0;
  errno = 0;
  *v = strtoll(*p, &end, 10);
  if (errno || end == *p || *end != ' ')
    return 0;
  *p = end + 1;
  return 1;
}

static int
parse_line(char *s, struct store_result *r)
{
  int64_t code;

  if (!take_int(&s, &r->id) || r->id <= 0)
    return 0;
  switch (s[0]) {
  case 's':
    r->outcome = STORE_SENT;
    break;
  case 'd':
    r->outcome = STORE_DEFERRED;
    break;
  case 'f':
    r->outcome = STORE_FAILED;
    break;
  default:
    return 0;
  }
  if (s[1] != ' ')
    return 0;
  s += 2;
  if (!take_int(&s, &code) || code < 0 || code > 999 ||
      !take_int(&s, &r->at) || !take_int(&s, &r->next))
    return 0;
  r->smtp_code = (int)code;
  r->reply = s;
  return 1;
}

enum sm_status
outlog_parse(char *text, size_t len, const char **owner,
             struct store_result **res, size_t *n, size_t *bad)
{
  size_t lines = 0, k = 0;
  char *p, *end = text + len, *nl;

  *owner = NULL;
  *res = NULL;
  *n = 0;
  *bad = 0;
  nl = memchr(text, '\n', len);
  if (!nl || len < sizeof(OUTLOG_MAGIC) - 1 ||
      memcmp(text, OUTLOG_MAGIC, sizeof(OUTLOG_MAGIC) - 1) != 0)
    return SM_ERR_DATA;
  *nl = '\0';
  *owner = text + sizeof(OUTLOG_MAGIC) - 1;
  if (memchr(*owner, '\0', (size_t)(nl - *owner)) || !**owner)
    return SM_ERR_DATA;
  for (p = nl + 1; p < end; p++)
    lines += *p == '\n';
  if (lines == 0)
    return SM_OK;
  *res = calloc(lines, sizeof(**res));
  if (!*res)
    return SM_ERR_NOMEM;
  for (p = nl + 1; p < end && (nl = memchr(p, '\n', (size_t)(end - p)));
       p = nl + 1) {
    *nl = '\0';
    /* A NUL inside a line is no line of ours. */
    if (strlen(p) != (size_t)(nl - p) || !parse_line(p, &(*res)[k]))
      (*bad)++;
    else
      k++;
  }
  *n = k;
  return SM_OK;
}

/* One journal: locked (else its sender lives), still linked (else
 * another sender folded it already), read, folded, removed. */
static enum sm_status
recover_one(const char *path, outlog_fold_fn fold, void *ctx,
            size_t *recovered, char *err, size_t errlen)
{
  struct buf b;
  struct stat sb;
  struct store_result *res = NULL;
  const char *owner;
  size_t n = 0, bad = 0;
  enum sm_status rc;
  int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

  if (fd < 0) {
    if (errno == ENOENT)
      return SM_OK; /* folded and removed meanwhile */
    snprintf(err, errlen, "%s: cannot open a dead sender's journal: %s", path,
             strerror(errno));
    return SM_ERR_IO;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    close(fd);
    return SM_OK; /* its sender is alive */
  }
  if (fstat(fd, &sb) < 0 || sb.st_nlink == 0 || !S_ISREG(sb.st_mode)) {
    close(fd);
    return SM_OK;
  }
  if (sb.st_size == 0) {
    /* Its sender is about to lock it and write its header, or died
     * before it could: then it recorded nothing, and once it is old it
     * goes. */
    if (time(NULL) - sb.st_mtime > OUTLOG_NASCENT_SECONDS)
      unlink(path);
    close(fd);
    return SM_OK;
  }
  buf_init(&b, OUTLOG_READ_MAX);
  rc = util_read_fd(fd, &b);
  if (rc != SM_OK) {
    snprintf(err, errlen, "%s: cannot read a dead sender's journal: %s", path,
             rc == SM_ERR_LIMIT ? "too large" : strerror(errno));
    buf_free(&b);
    close(fd);
    return rc;
  }
  if (b.len == 0) { /* emptied meanwhile: nothing in it */
    buf_free(&b);
    close(fd);
    return SM_OK;
  }
  rc = outlog_parse(b.data, b.len, &owner, &res, &n, &bad);
  if (rc == SM_ERR_DATA)
    snprintf(err, errlen,
             "%s: not a journal of shortmail send, and no sender can be "
             "sure what it held; look at it, then move it away",
             path);
  if (rc == SM_OK && bad)
    log_warning("%s: %zu lines that are no outcome, skipped", path, bad);
  /* Called with none too: the dead sender's claims are the fold's to
   * give back. */
  if (rc == SM_OK) {
    rc = fold(ctx, owner, res, n);
    if (rc != SM_OK)
      snprintf(err, errlen,
               "%s: the outcomes of a dead sender (%s) could not "
               "be written to the store",
               path, owner);
  }
  if (rc == SM_OK) {
    *recovered += n;
    unlink(path);
  }
  free(res);
  buf_free(&b);
  close(fd);
  return rc;
}

enum sm_status
outlog_recover(const char *store_path, outlog_fold_fn fold, void *ctx,
               size_t *recovered, char *err, size_t errlen)
{
  char *dir = NULL, *prefix = NULL;
  size_t plen;
  DIR *d;
  struct dirent *e;
  enum sm_status rc = SM_OK;

  *recovered = 0;
  rc = outlog_names(store_path, &dir, &prefix);
  if (rc != SM_OK)
    return rc;
  plen = strlen(prefix);
  d = opendir(dir);
  if (!d) {
    snprintf(err, errlen, "%s: cannot look for senders' journals: %s", dir,
             strerror(errno));
    free(dir);
    free(prefix);
    return SM_ERR_IO;
  }
  while (rc == SM_OK && (e = readdir(d))) {
    const char *rest = e->d_name + plen;
    char path[4096 + 256];

    if (strncmp(e->d_name, prefix, plen) != 0 || !*rest ||
        strspn(rest, "0123456789") != strlen(rest))
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    rc = recover_one(path, fold, ctx, recovered, err, errlen);
  }
  closedir(d);
  free(dir);
  free(prefix);
  return rc;
}
