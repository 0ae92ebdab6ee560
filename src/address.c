/* address.c: the one grammar of mail addresses (see address.h). */
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "ascii.h"
#include "util.h"

int
address_is_atext(unsigned char c)
{
  return ascii_isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static enum address_fault
check_local(const char *s, size_t n, int intl)
{
  if (n == 0 || n > ADDRESS_LOCAL_MAX)
    return ADDRESS_LOCAL_LENGTH;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '.') {
      if (i == 0 || i == n - 1 || s[i + 1] == '.')
        return ADDRESS_LOCAL_DOT;
    } else if (!address_is_atext(c) && !(intl && c >= 0x80)) {
      return ADDRESS_LOCAL_CHAR;
    }
  }
  return ADDRESS_OK;
}

static enum address_fault
check_domain(const char *s, size_t n, int intl)
{
  size_t i = 0, labels = 0;
  int alpha = 0;

  if (!s)
    return ADDRESS_EMPTY;
  if (n > ADDRESS_MAX)
    return ADDRESS_LONG;
  if (!memchr(s, '.', n))
    return ADDRESS_DOMAIN_NO_DOT;
  while (i <= n) {
    size_t b = i;
    alpha = 0;
    while (i < n && s[i] != '.') {
      unsigned char c = (unsigned char)s[i];
      if (!ascii_isalnum(c) && c != '-' && !(intl && c >= 0x80))
        return ADDRESS_DOMAIN_LABEL;
      if (c < '0' || c > '9')
        alpha = 1;
      i++;
    }
    if (i == b || i - b > ADDRESS_LABEL_MAX || s[b] == '-' || s[i - 1] == '-')
      return ADDRESS_DOMAIN_LABEL;
    labels++;
    i++; /* the dot, or past the end */
  }
  if (!alpha)
    return ADDRESS_DOMAIN_NUMERIC;
  return labels >= 2 ? ADDRESS_OK : ADDRESS_DOMAIN_NO_DOT;
}

enum address_fault
address_check_domain(const char *s, size_t n)
{
  return check_domain(s, n, 0);
}

static enum address_fault
check(const char *s, size_t n, int intl)
{
  const char *at = NULL;
  enum address_fault f;

  if (!s || n == 0)
    return ADDRESS_EMPTY;
  if (n > ADDRESS_MAX)
    return ADDRESS_LONG;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f)
      return ADDRESS_CONTROL;
    if (c == ' ')
      return ADDRESS_SPACE;
    if (c == '<' || c == '>')
      return ADDRESS_BRACKETS;
    if (c >= 0x80 && !intl)
      return ADDRESS_NOT_ASCII;
    if (c == '@') {
      if (at)
        return ADDRESS_AT;
      at = s + i;
    }
  }
  if (!at)
    return ADDRESS_AT;
  if (intl && !util_utf8_valid(s, n))
    return ADDRESS_NOT_ASCII;
  if ((f = check_local(s, (size_t)(at - s), intl)) != ADDRESS_OK)
    return f;
  return check_domain(at + 1, n - (size_t)(at - s) - 1, intl);
}

enum address_fault
address_check(const char *s, size_t n)
{
  return check(s, n, 0);
}

enum address_fault
address_check_intl(const char *s, size_t n)
{
  return check(s, n, 1);
}

int
address_sendable(const char *s)
{
  return s && address_check(s, strlen(s)) == ADDRESS_OK;
}

const char *
address_fault_str(enum address_fault f)
{
  switch (f) {
  case ADDRESS_OK:
    return "is an address";
  case ADDRESS_EMPTY:
    return "is empty";
  case ADDRESS_LONG:
    return "is longer than 254 bytes";
  case ADDRESS_CONTROL:
    return "has a control character";
  case ADDRESS_SPACE:
    return "has a space";
  case ADDRESS_BRACKETS:
    return "has angle brackets (give the bare address)";
  case ADDRESS_NOT_ASCII:
    return "has non-ASCII characters (our mail goes out without SMTPUTF8)";
  case ADDRESS_AT:
    return "must have exactly one @";
  case ADDRESS_LOCAL_LENGTH:
    return ": the part before the @ must have 1 to 64 bytes";
  case ADDRESS_LOCAL_DOT:
    return ": a dot at the start or end of the part before the @, or two "
           "in a row";
  case ADDRESS_LOCAL_CHAR:
    return ": a character before the @ that is not a letter, a digit or "
           "one of !#$%&'*+-/=?^_`{|}~.";
  case ADDRESS_DOMAIN_NO_DOT:
    return ": the domain has no dot";
  case ADDRESS_DOMAIN_LABEL:
    return ": a part of the domain is not 1 to 63 letters, digits and "
           "inner hyphens";
  case ADDRESS_DOMAIN_NUMERIC:
    return ": the domain ends in digits (an IP address is no mail domain)";
  }
  return "is no address";
}

void
address_explain(const char *s, enum address_fault f, char *err, size_t errlen)
{
  const char *why = address_fault_str(f);

  /* Long addresses are cut in the message, not the other way round. */
  snprintf(err, errlen, "address \"%.80s%s\"%s%s", s ? s : "",
           s && strlen(s) > 80 ? "..." : "", why[0] == ':' ? "" : " ", why);
}

enum address_fault
address_normalize(const char *s, size_t n, char *out, size_t outlen)
{
  enum address_fault f = address_check(s, n);

  if (f != ADDRESS_OK)
    return f;
  if (n >= outlen)
    return ADDRESS_LONG;
  memcpy(out, s, n);
  out[n] = '\0';
  address_fold_domain(out);
  return ADDRESS_OK;
}

int
address_normalize_said(const char *s, char *out, size_t outlen, char *err,
                       size_t errlen)
{
  enum address_fault f = address_normalize(s, strlen(s), out, outlen);

  if (f == ADDRESS_OK)
    return 0;
  address_explain(s, f, err, errlen);
  return -1;
}

void
address_fold_domain(char *addr)
{
  char *at = addr ? strrchr(addr, '@') : NULL;

  if (at)
    for (at++; *at; at++)
      *at = (char)ascii_tolower((unsigned char)*at);
}

int
address_same(const char *a, const char *b)
{
  if (!a || !b)
    return 0;
  for (; *a && *b; a++, b++)
    if (ascii_tolower((unsigned char)*a) != ascii_tolower((unsigned char)*b))
      return 0;
  return *a == *b;
}

enum address_fault
address_mailbox_key(const char *s, char *out, size_t outlen)
{
  enum address_fault f;
  const char *at, *plus;
  size_t o = 0;

  if (!s)
    return ADDRESS_EMPTY;
  if ((f = address_check(s, strlen(s))) != ADDRESS_OK)
    return f;
  at = strchr(s, '@');
  plus = memchr(s, '+', (size_t)(at - s));
  /* "+x@" is a mailbox of its own, not a sub-address; so is "a.+x@",
   * whose cut "a.@" would not be an address at all (found by fuzzing). */
  if (plus == s || (plus && plus[-1] == '.'))
    plus = NULL;
  for (const char *p = s; *p; p++) {
    if (plus && p >= plus && p < at)
      continue;
    if (o + 1 >= outlen)
      return ADDRESS_LONG;
    out[o++] = (char)ascii_tolower((unsigned char)*p);
  }
  out[o] = '\0';
  return ADDRESS_OK;
}
