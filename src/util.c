/* util.c: small helpers with no outside dependencies. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ascii.h"
#include "util.h"

char *
util_trim(char *s)
{
  char *e;

  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
    s++;
  e = s + strlen(s);
  while (e > s &&
         (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
    *--e = '\0';
  return s;
}

enum sm_status
util_read_fd(int fd, struct buf *out)
{
  char chunk[65536];

  for (;;) {
    ssize_t n = read(fd, chunk, sizeof(chunk));
    enum sm_status st;

    if (n < 0) {
      if (errno == EINTR)
        continue;
      return SM_ERR_IO;
    }
    if (n == 0)
      break;
    st = buf_append(out, chunk, (size_t)n);
    if (st != SM_OK)
      return st;
  }
  if (!out->data)
    return buf_append(out, "", 0);
  return SM_OK;
}

enum sm_status
util_read_file(const char *path, struct buf *out)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  enum sm_status st;
  int saved;

  if (fd < 0)
    return errno == ENOENT ? SM_ERR_NOINPUT : SM_ERR_IO;
  st = util_read_fd(fd, out);
  saved = errno;
  close(fd);
  errno = saved;
  return st;
}

enum sm_status
util_create_status(int err)
{
  switch (err) {
  case EACCES:
  case EPERM:
    return SM_ERR_NOPERM;
  case EIO:
  case ENOSPC:
  case EDQUOT:
    return SM_ERR_IO;
  default:
    return SM_ERR_CANTCREAT;
  }
}

enum sm_status
util_write_file(const char *path, const void *data, size_t len, char *err,
                size_t errlen)
{
  const char *p = data;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  int saved;

  if (fd < 0) {
    saved = errno;
    snprintf(err, errlen, "%s: cannot write: %s", path, strerror(saved));
    return util_create_status(saved);
  }
  while (len > 0) {
    ssize_t n = write(fd, p, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      saved = n < 0 ? errno : EIO;
      snprintf(err, errlen, "%s: cannot write: %s", path, strerror(saved));
      close(fd);
      return SM_ERR_IO;
    }
    p += n;
    len -= (size_t)n;
  }
  /* close reports what a network or quota-limited file system deferred. */
  if (close(fd) < 0) {
    snprintf(err, errlen, "%s: cannot write (on close): %s", path,
             strerror(errno));
    return SM_ERR_IO;
  }
  return SM_OK;
}

size_t
util_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
  const unsigned char *s = (const unsigned char *)str;
  uint32_t c;
  size_t k;

  if (n == 0)
    return 0;
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if (s[0] >= 0xc2 && s[0] <= 0xdf) {
    k = 2;
    c = s[0] & 0x1f;
  } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
    k = 3;
    c = s[0] & 0x0f;
  } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
    k = 4;
    c = s[0] & 0x07;
  } else
    return 0;
  if (n < k)
    return 0;
  for (size_t i = 1; i < k; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    c = (c << 6) | (s[i] & 0x3f);
  }
  if ((k == 3 && c < 0x800) || (k == 4 && (c < 0x10000 || c > 0x10ffff)) ||
      (c >= 0xd800 && c <= 0xdfff))
    return 0;
  *cp = c;
  return k;
}

size_t
util_utf8_valid_prefix(const char *str, size_t n)
{
  size_t i = 0;

  while (i < n) {
    uint32_t cp;
    size_t k;

    /* ASCII, most of any feed or message, without a call per byte. */
    if ((unsigned char)str[i] < 0x80) {
      i++;
      continue;
    }
    k = util_utf8_decode(str + i, n - i, &cp);
    if (k == 0)
      break;
    i += k;
  }
  return i;
}

int
util_utf8_valid(const char *str, size_t n)
{
  return util_utf8_valid_prefix(str, n) == n;
}

size_t
util_utf8_encode(uint32_t cp, char out[4])
{
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp >= 0xd800 && cp <= 0xdfff)
    return 0;
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  if (cp > 0x10ffff)
    return 0;
  out[0] = (char)(0xf0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

enum sm_status
util_html_escape(struct buf *b, const char *s, size_t n,
                 enum util_html_quotes q)
{
  size_t i, start = 0;
  enum sm_status st;

  for (i = 0; i < n; i++) {
    const char *rep;

    switch (s[i]) {
    case '&':
      rep = "&amp;";
      break;
    case '<':
      rep = "&lt;";
      break;
    case '>':
      rep = "&gt;";
      break;
    case '"':
      if (q == UTIL_HTML_TEXT)
        continue;
      rep = "&quot;";
      break;
    case '\'':
      if (q != UTIL_HTML_QUOTES)
        continue;
      rep = "&#39;";
      break;
    default:
      continue;
    }
    st = buf_append(b, s + start, i - start);
    if (st == SM_OK)
      st = buf_puts(b, rep);
    if (st != SM_OK)
      return st;
    start = i + 1;
  }
  return buf_append(b, s + start, n - start);
}

size_t
util_utf8_cut(const char *s, size_t n)
{
  while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
    n--;
  return n;
}

size_t
util_utf8_whole(const char *s, size_t n)
{
  size_t lead = n, need;
  unsigned char c;

  while (lead > 0 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
    lead--;
  if (lead == 0)
    return n;
  c = (unsigned char)s[lead - 1];
  if (c < 0xc0)
    return n; /* ASCII, or stray continuation bytes: nothing to finish */
  need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
  return n - (lead - 1) < need ? lead - 1 : n;
}

size_t
util_utf8_count(const char *s, size_t n)
{
  size_t k = 0;

  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xc0) != 0x80)
      k++;
  return k;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), without timegm's
 * dependence on the TZ environment. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static int64_t
make_time(int y, int mo, int d, int h, int mi, int s, int offset_min)
{
  return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
         mi * 60 + s - (int64_t)offset_min * 60;
}

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                     "jul", "aug", "sep", "oct", "nov", "dec"};

static int
parse_zone(const char *p, int *offset)
{
  while (*p == ' ')
    p++;
  if (*p == '\0' || !strcasecmp(p, "GMT") || !strcasecmp(p, "UT") ||
      !strcasecmp(p, "UTC") || !strcasecmp(p, "Z")) {
    *offset = 0;
    return 0;
  }
  if ((p[0] == '+' || p[0] == '-') && ascii_isdigit((unsigned char)p[1]) &&
      ascii_isdigit((unsigned char)p[2])) {
    int hh = (p[1] - '0') * 10 + (p[2] - '0'), mm = 0;
    const char *q = p + 3;
    if (*q == ':')
      q++;
    if (ascii_isdigit((unsigned char)q[0]) &&
        ascii_isdigit((unsigned char)q[1]))
      mm = (q[0] - '0') * 10 + (q[1] - '0');
    if (hh > 23 || mm > 59)
      return -1;
    *offset = (hh * 60 + mm) * (p[0] == '-' ? -1 : 1);
    return 0;
  }
  /* North American zones that RFC 822 names. */
  static const struct {
    const char *name;
    int off;
  } zones[] = {{"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},
               {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420}};
  for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
    if (!strcasecmp(p, zones[i].name)) {
      *offset = zones[i].off;
      return 0;
    }
  return -1;
}

static int
valid_fields(int y, int mo, int d, int h, int mi, int s)
{
  return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 &&
         h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

int
util_parse_date(const char *s, int64_t *out)
{
  int y, mo, d, h = 0, mi = 0, sec = 0, off = 0, n = 0;
  char mon[4];

  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
    s++;
  /* RFC 3339 or a bare date. */
  if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10) {
    const char *p = s + n;
    if (*p == 'T' || *p == 't' || *p == ' ') {
      int m = 0;
      if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &m) != 3)
        return -1;
      p += 1 + m;
      if (*p == '.')
        for (p++; ascii_isdigit((unsigned char)*p); p++)
          ;
      if (parse_zone(p, &off) < 0)
        return -1;
    } else if (*p && *p != ' ' && *p != '\n')
      return -1;
    if (!valid_fields(y, mo, d, h, mi, sec))
      return -1;
    *out = make_time(y, mo, d, h, mi, sec, off);
    return 0;
  }
  /* RFC 822: [Day, ] DD Mon YYYY HH:MM[:SS] zone */
  {
    const char *p = s;
    int m = 0;
    if (ascii_isalpha((unsigned char)p[0])) {
      const char *comma = strchr(p, ',');
      if (!comma)
        return -1;
      p = comma + 1;
    }
    if (sscanf(p, "%d %3s %d %d:%d%n", &d, mon, &y, &h, &mi, &m) != 5)
      return -1;
    p += m;
    if (*p == ':') {
      int k = 0;
      if (sscanf(p, ":%d%n", &sec, &k) != 1)
        return -1;
      p += k;
    }
    mo = 0;
    for (int i = 0; i < 12; i++)
      if (!strncasecmp(mon, months[i], 3))
        mo = i + 1;
    if (y < 100)
      y += y < 50 ? 2000 : 1900;
    if (!mo || parse_zone(p, &off) < 0 || !valid_fields(y, mo, d, h, mi, sec))
      return -1;
    *out = make_time(y, mo, d, h, mi, sec, off);
    return 0;
  }
}

void
util_format_time(int64_t t, char *out, size_t outlen)
{
  time_t tt = (time_t)t;
  struct tm tm;

  gmtime_r(&tt, &tm);
  strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
util_human_date(int64_t t, char *out, size_t outlen)
{
  static const char *const month_names[] = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  time_t tt = (time_t)t;
  struct tm tm;

  gmtime_r(&tt, &tm);
  snprintf(out, outlen, "%d %s %d", tm.tm_mday, month_names[tm.tm_mon],
           tm.tm_year + 1900);
}

int64_t
util_now(void)
{
#ifdef SM_TEST_HOOKS
  const char *fake = getenv("SHORTMAIL_NOW");
  int64_t t;

  if (fake && *fake && util_parse_date(fake, &t) == 0)
    return t;
#endif
  return (int64_t)time(NULL);
}

double
util_monotonic(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *
util_strdup0(const char *s)
{
  return s ? strdup(s) : NULL;
}
