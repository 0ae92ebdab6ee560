/* bounce.c: reading the failed recipients out of a bounce (see bounce.h).
 *
 * The DSN reader follows RFC 3464's grammar. The text reader works on
 * lines and paragraphs: an "address line" (a line that starts with an
 * address, as Postfix, Exim, qmail, Sendmail, Exchange and Yahoo list
 * their recipients) owns the lines below it up to a blank line; an
 * address inside running text (Gmail, Office 365, "No such user here:
 * x@y") owns its paragraph. Either counts only when its lines carry a
 * reply code or failure wording, or sit under a list header such as
 * "The following address(es) failed:". Every loop is bounded by the
 * input caps below, so a hostile message costs linear time. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "bounce.h"
#include "util.h"

#define LOCAL_MAX 64
#define DOMAIN_MAX 253
#define FIELD_MAX 1024     /* bytes kept of one (unfolded) DSN field */
#define MAX_LINES 16384    /* lines of text examined */
#define BLOCK_MAX_LINES 40 /* lines an address line can own */
#define MAX_AT 1000        /* '@' signs examined in running text */
#define HOST_MAX 256

/* ---- characters, ASCII only: the locale must not change results ---- */

static int
is_digit(int c)
{
  return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
to_lower(int c)
{
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
is_ws(int c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* atext less '/', '?' and '`', which in bounces belong to URLs and
 * quotes far more often than to a local part. */
static int
is_local_ascii(int c)
{
  return is_alpha(c) || is_digit(c) ||
         (c != '\0' && strchr("!#$%&'*+-=^_{|}~.", c) != NULL);
}

static int
is_domain_ascii(int c)
{
  return is_alpha(c) || is_digit(c) || c == '.' || c == '-';
}

/* The code point of the valid sequence s[0..n), or -1. */
static long
utf8_decode(const char *s, size_t n)
{
  uint32_t cp;

  return n && util_utf8_decode(s, n, &cp) == n ? (long)cp : -1;
}

/* Non-ASCII characters that end an address rather than belong to it:
 * Latin-1 punctuation and NO-BREAK SPACE, typographic quotes and spaces,
 * symbols, CJK punctuation, BOM and full-width punctuation. Text from
 * HTML mail puts them right against an address. */
static int
is_stop_cp(long cp)
{
  return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
         (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
         cp == 0xFEFF || (cp >= 0xFF00 && cp <= 0xFF0F) ||
         (cp >= 0xFF1A && cp <= 0xFF20);
}

/* ---- addresses ---- */

/* The address around the '@' at s[at] (s is len bytes): its span
 * [*as, *ae). 0 when what surrounds the '@' is no address. */
static int
addr_span(const char *s, size_t len, size_t at, size_t *as, size_t *ae)
{
  size_t b = at, e = at + 1;

  while (b > 0 && at - b <= LOCAL_MAX) {
    unsigned char c = (unsigned char)s[b - 1];
    size_t k = b - 1;
    long cp;

    if (c < 0x80) {
      if (!is_local_ascii(c))
        break;
      b--;
      continue;
    }
    while (k > 0 && b - k < 4 && ((unsigned char)s[k] & 0xC0) == 0x80)
      k--;
    cp = utf8_decode(s + k, b - k);
    if (cp < 0 || is_stop_cp(cp))
      break;
    b = k;
  }
  if (at - b > LOCAL_MAX)
    return 0;
  /* Inside a URL ("...?u=x@y.org"), not an address of its own. */
  if (b > 0 && (s[b - 1] == '/' || s[b - 1] == '?'))
    return 0;
  /* Quotes and dots that open a word are punctuation, not the address. */
  while (b < at && (s[b] == '.' || s[b] == '\'' || s[b] == '='))
    b++;
  if (b == at)
    return 0;
  while (e < len && e - at - 1 <= DOMAIN_MAX) {
    unsigned char c = (unsigned char)s[e];
    size_t n;
    uint32_t u;

    if (c < 0x80) {
      if (!is_domain_ascii(c))
        break;
      e++;
      continue;
    }
    n = util_utf8_decode(s + e, len - e, &u);
    if (n == 0 || is_stop_cp(u))
      break;
    e += n;
  }
  /* A sentence may end right after the address. */
  while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == '-'))
    e--;
  /* The one grammar (address.h), with the UTF-8 of RFC 6531 that
   * bounces may name; receive_bounce asks whether we send to it. */
  if (address_check_intl(s + b, e - b) != ADDRESS_OK)
    return 0;
  *as = b;
  *ae = e;
  return 1;
}

/* Mailboxes of the mail system itself: they send bounces, or are named
 * in them as a contact, but are never the recipient that failed. */
static int
is_system_local(const char *addr, size_t len)
{
  static const char *const names[] = {
      "postmaster",  "mailer-daemon", "mailer_daemon", "mailerdaemon",
      "mail-daemon", "maildaemon",    "double-bounce", NULL};
  const char *at = memchr(addr, '@', len);
  size_t ll = at ? (size_t)(at - addr) : len;

  for (size_t i = 0; names[i]; i++)
    if (strlen(names[i]) == ll && strncasecmp(addr, names[i], ll) == 0)
      return 1;
  return 0;
}

/* ---- status codes ---- */

/* An RFC 3463 enhanced status code ("5.1.1") starting at s[i]: its
 * length, 0 if there is none. In free text (strict) the subject must be
 * one digit 0-7 and no letter or digit may touch the code, so that
 * "Exim 4.94.2", "v5.1.1" and the IP 4.5.6.7 are not taken for codes. */
static size_t
enh_at(const char *s, size_t len, size_t i, int strict)
{
  size_t j = i, k;

  if (j >= len || (s[j] != '2' && s[j] != '4' && s[j] != '5'))
    return 0;
  if (j > 0 && (is_digit((unsigned char)s[j - 1]) || s[j - 1] == '.' ||
                (strict && is_alpha((unsigned char)s[j - 1]))))
    return 0;
  if (++j >= len || s[j] != '.')
    return 0;
  k = ++j;
  while (j < len && is_digit((unsigned char)s[j]) && j - k < 3)
    j++;
  if (j == k || (strict && (j - k != 1 || s[k] > '7')))
    return 0;
  if (j >= len || s[j] != '.')
    return 0;
  k = ++j;
  while (j < len && is_digit((unsigned char)s[j]) && j - k < 3)
    j++;
  if (j == k)
    return 0;
  if (j < len &&
      (is_digit((unsigned char)s[j]) || is_alpha(s[j]) ||
       (s[j] == '.' && j + 1 < len && is_digit((unsigned char)s[j + 1]))))
    return 0;
  return j - i;
}

/* Whether the word ending at s[end] (letters and '-') is one after which
 * a colon introduces a server's reply: "said: 550", "(reason: 550". */
static int
reply_word_before(const char *s, size_t start, size_t end)
{
  static const char *const words[] = {
      "said", "reason", "error",     "response",        "returned",
      "was",  "reply",  "code",      "status",          "smtp",
      "text", "answer", "responded", "diagnostic-code", "remote",
      NULL};
  size_t b = end;

  /* "x@example.org: 550 ...", "<x@example.org>: 550 ...": the server's
   * reply about that address. */
  for (size_t k = end; k > start && end - k < BOUNCE_ADDR_MAX + 2 &&
                       !is_ws((unsigned char)s[k - 1]);
       k--)
    if (s[k - 1] == '@')
      return 1;
  while (b > start && end - b < 24 &&
         (is_alpha((unsigned char)s[b - 1]) || s[b - 1] == '-'))
    b--;
  for (size_t i = 0; words[i]; i++)
    if (strlen(words[i]) == end - b &&
        strncasecmp(s + b, words[i], end - b) == 0)
      return 1;
  return 0;
}

/* An SMTP reply code 4xx/5xx at s[i] (inside the line s[start..len)),
 * only where servers' replies are quoted: at the start of a line (after
 * "<<< " or indentation), right after a quote, or after "said:",
 * "reason:" and the like. "quota 500 MB" is no reply code. */
static int
code_at(const char *s, size_t start, size_t len, size_t i)
{
  size_t k = i;
  char c;

  if (i + 3 > len || (s[i] != '4' && s[i] != '5') ||
      !is_digit((unsigned char)s[i + 1]) || !is_digit((unsigned char)s[i + 2]))
    return 0;
  if (i + 3 < len) {
    c = s[i + 3];
    if (c != ' ' && c != '\t' && c != '-' && c != ':')
      return 0;
    if (c == ' ') {
      static const char *const units[] = {"kb", "mb", "gb",       "bytes",
                                          "k ", "m ", "messages", NULL};
      for (size_t u = 0; units[u]; u++) {
        size_t ul = strlen(units[u]);
        if (i + 4 + ul <= len && strncasecmp(s + i + 4, units[u], ul) == 0)
          return 0;
      }
    }
  }
  if (i > start && (s[i - 1] == '\'' || s[i - 1] == '"'))
    return 1;
  while (k > start && (s[k - 1] == ' ' || s[k - 1] == '\t'))
    k--;
  if (k > start && (s[k - 1] == ':' || s[k - 1] == ';'))
    return reply_word_before(s, start, k - 1);
  while (k > start && strchr("<>(#", s[k - 1]) != NULL)
    k--;
  while (k > start && (s[k - 1] == ' ' || s[k - 1] == '\t'))
    k--;
  return k == start;
}

/* The first enhanced code (class 4 or 5) and the first reply code in
 * the line s[start..end); each "" when absent. */
static void
line_codes(const char *s, size_t start, size_t end, char enh[16], char code[4])
{
  enh[0] = '\0';
  code[0] = '\0';
  for (size_t i = start; i < end && (!enh[0] || !code[0]); i++) {
    size_t n;

    if (s[i] != '4' && s[i] != '5')
      continue;
    if (!enh[0] && (n = enh_at(s, end, i, 1)) > 0 && n < 16) {
      memcpy(enh, s + i, n);
      enh[n] = '\0';
    }
    if (!code[0] && code_at(s, start, end, i)) {
      memcpy(code, s + i, 3);
      code[3] = '\0';
    }
  }
}

/* ---- wording ---- */

/* Whether the lower-case pattern occurs in s[0..len), without case. A
 * space in the pattern matches any run of white space (so phrases match
 * across folded lines) and an apostrophe also matches U+2019, which HTML
 * mail uses. On a match *endp is just past it. */
static int
find_phrase(const char *s, size_t len, const char *pat, size_t *endp)
{
  size_t plen = strlen(pat);

  for (size_t i = 0; i < len; i++) {
    size_t j = i, k = 0;

    if (to_lower((unsigned char)s[i]) != pat[0])
      continue;
    while (k < plen) {
      if (pat[k] == ' ') {
        if (j >= len || !is_ws((unsigned char)s[j]))
          break;
        while (j < len && is_ws((unsigned char)s[j]))
          j++;
      } else if (pat[k] == '\'' && j + 3 <= len &&
                 memcmp(s + j, "\xE2\x80\x99", 3) == 0) {
        j += 3;
      } else {
        if (j >= len || to_lower((unsigned char)s[j]) != pat[k])
          break;
        j++;
      }
      k++;
    }
    if (k == plen) {
      if (endp)
        *endp = j;
      return 1;
    }
  }
  return 0;
}

enum {
  KW_PERM = 1,   /* the address does not exist or is refused */
  KW_TEMP = 2,   /* full, over quota, try later */
  KW_FAIL = 4,   /* a delivery failed, kind unsaid */
  KW_STRONG = 8, /* only mail systems write this: the message is a bounce */
};

struct phrase {
  const char *text;
  unsigned flags;
};

/* Wording near an address that says it failed, and how. */
static const struct phrase keywords[] = {
    {"user unknown", KW_PERM | KW_STRONG},
    {"unknown user", KW_PERM | KW_STRONG},
    {"no such user", KW_PERM | KW_STRONG},
    {"no such mailbox", KW_PERM | KW_STRONG},
    {"no such recipient", KW_PERM | KW_STRONG},
    {"no such address", KW_PERM | KW_STRONG},
    {"mailbox unavailable", KW_PERM | KW_STRONG},
    {"mailbox not found", KW_PERM | KW_STRONG},
    {"mailbox does not exist", KW_PERM | KW_STRONG},
    {"recipient unknown", KW_PERM | KW_STRONG},
    {"unknown recipient", KW_PERM | KW_STRONG},
    {"recipient address rejected", KW_PERM | KW_STRONG},
    {"invalid recipient", KW_PERM | KW_STRONG},
    {"recipient not found", KW_PERM | KW_STRONG},
    {"unrouteable address", KW_PERM | KW_STRONG},
    {"no mailbox here by that name", KW_PERM | KW_STRONG},
    {"does not like recipient", KW_PERM | KW_STRONG}, /* qmail */
    {"retry timeout exceeded", KW_PERM | KW_STRONG},  /* Exim gave up */
    {"have been failing for a long time", KW_PERM},
    {"not listed in", KW_PERM | KW_STRONG},   /* Domino, Notes */
    {"not a member of", KW_PERM | KW_STRONG}, /* list managers */
    {"not allowed to post", KW_PERM | KW_STRONG},
    {"inactive email address", KW_PERM | KW_STRONG},
    {"no valid recipients", KW_PERM | KW_STRONG},  /* Verizon */
    {"group does not exist", KW_PERM | KW_STRONG}, /* Google Groups */
    {"domain does not exist", KW_PERM},
    {"host unknown", KW_PERM},
    {"has been blocked", KW_PERM}, /* Gmail, Outlook: refused as spam */
    {"blocked using", KW_PERM},    /* a DNS block list */
    {"relay access denied", KW_PERM},
    {"relaying denied", KW_PERM},
    {"access denied", KW_PERM},
    {"is disabled", KW_PERM},
    {"no longer accepts mail", KW_PERM},
    {"account is inactive", KW_PERM},
    {"bad destination mailbox", KW_PERM | KW_STRONG},
    {"address rejected", KW_PERM},
    {"does not exist", KW_PERM},
    {"doesn't exist", KW_PERM},
    {"couldn't be found", KW_PERM},
    {"could not be found", KW_PERM},
    {"not found", KW_PERM},
    {"unroutable", KW_PERM},
    {"account has been disabled", KW_PERM},
    {"account is disabled", KW_PERM},
    {"account disabled", KW_PERM},
    {"doesn't have a", KW_PERM},
    {"does not have a", KW_PERM},
    {"no longer", KW_PERM},
    {"invalid address", KW_PERM},
    {"permanent error", KW_PERM},
    {"permanent failure", KW_PERM},
    {"failed permanently", KW_PERM},
    {"fatal error", KW_PERM},
    {"given up", KW_PERM},
    {"giving up", KW_PERM},
    {"mailbox full", KW_TEMP | KW_STRONG},
    {"mailbox is full", KW_TEMP | KW_STRONG},
    {"quota exceeded", KW_TEMP | KW_STRONG},
    {"over quota", KW_TEMP | KW_STRONG},
    {"exceeded storage allocation", KW_TEMP | KW_STRONG},
    {"insufficient storage", KW_TEMP},
    {"exceeds allowed size", KW_TEMP | KW_STRONG}, /* SMTP32 */
    {"size limit exceeded", KW_TEMP},
    {"file is full", KW_TEMP}, /* Notes: the mail file */
    {"try again later", KW_TEMP},
    {"temporarily", KW_TEMP},
    {"temporary", KW_TEMP},
    {"deferred", KW_TEMP},
    {"will retry", KW_TEMP},
    {"will be retried", KW_TEMP},
    {"not yet been delivered", KW_TEMP},
    {"delayed", KW_TEMP},
    {"greylist", KW_TEMP},
    {"timed out", KW_TEMP},
    {"connection refused", KW_TEMP},
    {"could not be delivered", KW_FAIL},
    {"couldn't be delivered", KW_FAIL},
    {"wasn't delivered", KW_FAIL},
    {"was not delivered", KW_FAIL},
    {"not delivered", KW_FAIL},
    {"undeliverable", KW_FAIL},
    {"undelivered", KW_FAIL},
    {"delivery failed", KW_FAIL},
    {"delivery has failed", KW_FAIL},
    {"delivery failure", KW_FAIL},
    {"failed to deliver", KW_FAIL},
    {"unable to deliver", KW_FAIL},
    {"not able to deliver", KW_FAIL},
    {"problem delivering", KW_FAIL},
    {"rejected", KW_FAIL},
    {"refused", KW_FAIL},
    {"smtp error", KW_FAIL},
    {"remote server returned", KW_FAIL},
    {"error", KW_FAIL},
    {"failed", KW_FAIL},
};

/* s[0..len) as find_phrase sees it, for plain memmem() searches of many
 * phrases: ASCII in lower case, each white space run one space, U+2019
 * an apostrophe. Writes at most len bytes to out; returns how many. */
static size_t
normalize(const char *s, size_t len, char *out)
{
  size_t o = 0;

  for (size_t i = 0; i < len; i++) {
    if (is_ws((unsigned char)s[i])) {
      while (i + 1 < len && is_ws((unsigned char)s[i + 1]))
        i++;
      out[o++] = ' ';
    } else if (i + 3 <= len && memcmp(s + i, "\xE2\x80\x99", 3) == 0) {
      out[o++] = '\'';
      i += 2;
    } else {
      out[o++] = (char)to_lower((unsigned char)s[i]);
    }
  }
  return o;
}

/* Sets found[k] for each phrase of tab[0..ntab) that occurs in the
 * normalized text norm[0..len) (see normalize). One pass over the text,
 * trying at each byte only the phrases that start with it: the cost
 * stays linear however many small ranges are searched. */
static void
find_phrases(const struct phrase *tab, size_t ntab, const char *norm,
             size_t len, unsigned char *found)
{
  unsigned char head[256], next[128], tl[128];

  memset(head, 0, sizeof(head));
  memset(found, 0, ntab);
  if (ntab > sizeof(next))
    ntab = sizeof(next);
  for (size_t k = ntab; k-- > 0;) {
    unsigned char c = (unsigned char)tab[k].text[0];
    size_t l = strlen(tab[k].text);

    tl[k] = (unsigned char)(l < 255 ? l : 255);
    next[k] = head[c];
    head[c] = (unsigned char)(k + 1);
  }
  for (size_t i = 0; i < len; i++)
    for (unsigned k = head[(unsigned char)norm[i]]; k; k = next[k - 1]) {
      const char *t = tab[k - 1].text;

      /* Every phrase has two bytes or more: the second one weeds out
       * most candidates before memcmp. */
      if (!found[k - 1] && len - i >= tl[k - 1] && norm[i + 1] == t[1] &&
          memcmp(norm + i, t, tl[k - 1]) == 0)
        found[k - 1] = 1;
    }
}

#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

/* The keyword flags of s[0..len); scratch holds at least len bytes. */
static unsigned
kw_flags(const char *s, size_t len, char *scratch)
{
  unsigned char found[NKEYWORDS];
  unsigned f = 0;

  find_phrases(keywords, NKEYWORDS, scratch, normalize(s, len, scratch),
               found);
  for (size_t i = 0; i < NKEYWORDS; i++)
    if (found[i])
      f |= keywords[i].flags;
  return f;
}

enum {
  SIG_TEMP = 1, /* a warning: the MTA keeps trying */
  SIG_HOST = 2, /* the reporting host's name follows */
};

/* The preambles of mail systems' reports: any of them makes the text a
 * bounce. */
static const struct phrase signals[] = {
    {"this is the mail system at host", SIG_HOST},          /* Postfix */
    {"this is the postfix program at host", SIG_HOST},      /* Postfix < 2.3 */
    {"created automatically by mail delivery software", 0}, /* Exim */
    {"this is the qmail-send program at", SIG_HOST},
    {"wasn't able to deliver your message", 0},  /* qmail */
    {"the original message was received at", 0}, /* Sendmail */
    {"transcript of session follows", 0},
    {"delivery has failed to these recipients", 0}, /* Exchange */
    {"diagnostic information for administrators", 0},
    {"generating server:", SIG_HOST},
    {"remote server returned", 0},
    {"did not reach some or all of the intended recipients", 0},
    {"your message wasn't delivered to", 0}, /* Gmail */
    {"address not found", 0},
    {"message not delivered", 0},
    {"message blocked", 0}, /* Gmail */
    {"there was a temporary problem delivering your message", SIG_TEMP},
    {"delivery incomplete", SIG_TEMP},
    {"unable to deliver your message to the following", 0}, /* Yahoo */
    {"reporting-mta:", SIG_HOST},
    {"delivery status notification", 0},
    {"this is a warning only", SIG_TEMP},         /* Postfix delay notice */
    {"this is a warning message only", SIG_TEMP}, /* Sendmail */
    {"message still undelivered", SIG_TEMP},
    {"could not send message for past", SIG_TEMP},
    {"has not yet been delivered to one or more", SIG_TEMP}, /* Exim */
    {"delivery attempts will continue", SIG_TEMP},
    {"will be retried until", SIG_TEMP},
    {"following address(es) failed", 0},
    {"following addresses had", 0},
    {"following recipient", 0},
    {"running the courier mail server", 0},
    {"this is the mailer-daemon, please do not reply", 0},     /* OpenSMTPD */
    {"has not yet been delivered to the following", SIG_TEMP}, /* Courier */
    {"delivery will be retried", SIG_TEMP},                    /* OpenSMTPD */
    {"delivery is delayed to these recipients", SIG_TEMP},     /* Exchange */
    {"hasn't been delivered yet", SIG_TEMP},
    {"was not delivered to:", 0},                 /* Domino */
    {"failure reasons", 0},                       /* Lotus Notes */
    {"body of message generated response", 0},    /* IMail */
    {"unable to deliver message to", 0},          /* InterScan */
    {"were unable to deliver your message", 0},   /* Yahoo */
    {"this message was undeliverable due to", 0}, /* Netscape */
    {"intended recipient:", 0},
    {"message could not be delivered to mobile", 0}, /* Verizon */
    {"message status - undeliverable", 0},           /* GroupWise */
    {"had permanent fatal delivery errors", 0},      /* MDaemon */
    {"not delivered to the following", 0},
    {"could not be delivered to the following", 0},
    {"cannot be delivered to the following", 0},
    {"failed recipient", 0},
    /* Exchange in the languages of its users: the header of its list. */
    {"zustellung an folgende empf\xC3\xA4nger oder gruppen", 0},
    {"la remise aux destinataires ou groupes suivants", 0},
    {"error en la entrega a estos destinatarios o grupos", 0},
    {"recapito ai seguenti destinatari o gruppi", 0},
    {"kan niet worden bezorgd bij deze ontvangers of groepen", 0},
};

/* Headers of recipient lists: an address line under one is a failed
 * recipient even without a reason of its own, of the header's kind. */
static const struct phrase lists[] = {
    {"following address(es) failed", BOUNCE_PERMANENT},
    {"following addresses had permanent fatal errors", BOUNCE_PERMANENT},
    {"following addresses had transient non-fatal errors", BOUNCE_DELAYED},
    {"to which the message has not yet been delivered", BOUNCE_DELAYED},
    {"has not yet been delivered to the following", BOUNCE_DELAYED},
    {"delivery is delayed to these recipients", BOUNCE_DELAYED},
    {"delivery has failed to these recipients", BOUNCE_PERMANENT},
    {"following recipient(s) cannot be reached", BOUNCE_PERMANENT},
    {"following recipients cannot be reached", BOUNCE_PERMANENT},
    {"following recipient failed permanently", BOUNCE_PERMANENT},
    {"following recipients failed permanently", BOUNCE_PERMANENT},
    {"following recipient has been delayed", BOUNCE_DELAYED},
    {"following recipients have been delayed", BOUNCE_DELAYED},
    {"delivery to the following recipients failed", BOUNCE_PERMANENT},
    {"delivery to the following recipient failed", BOUNCE_PERMANENT},
    {"unable to deliver your message to the following", BOUNCE_PERMANENT},
    {"wasn't able to deliver your message to the following", BOUNCE_PERMANENT},
    {"could not be delivered to the following", BOUNCE_PERMANENT},
    {"cannot be delivered to the following", BOUNCE_PERMANENT},
    {"not delivered to the following", BOUNCE_PERMANENT},
    {"following recipient(s) could not be reached", BOUNCE_PERMANENT},
    {"following recipients failed", BOUNCE_PERMANENT}, /* MessageLabs */
    {"following recipients did not receive", BOUNCE_PERMANENT}, /* EZweb */
    {"following recipients were affected", BOUNCE_PERMANENT},
    {"following addresses had delivery problems", BOUNCE_PERMANENT},
    {"following list of recipients", BOUNCE_PERMANENT}, /* OpenSMTPD */
    {"was not delivered to:", BOUNCE_PERMANENT},        /* Domino */
    {"failure reasons", BOUNCE_PERMANENT},              /* Lotus Notes */
    {"failed recipient(s):", BOUNCE_PERMANENT},         /* James */
    {"failed recipients:", BOUNCE_PERMANENT},
    {"undeliverable due to the following reason", BOUNCE_PERMANENT},
    {"zustellung an folgende empf\xC3\xA4nger oder gruppen", BOUNCE_PERMANENT},
    {"la remise aux destinataires ou groupes suivants", BOUNCE_PERMANENT},
    {"error en la entrega a estos destinatarios o grupos", BOUNCE_PERMANENT},
    {"recapito ai seguenti destinatari o gruppi", BOUNCE_PERMANENT},
    {"kan niet worden bezorgd bij deze ontvangers of groepen",
     BOUNCE_PERMANENT},
};

/* Labels before an address on its line that name it as the recipient
 * that failed, whatever the paragraph around says. */
static const struct phrase labels[] = {
    {"intended recipient:", 0},
    {"recipient address:", 0}, /* Sun/Oracle Messaging Server */
    {"original recipient:", 0},
    {"failed recipient:", 0},
    {"addresses failed:", 0}, /* Verizon */
    {"unknown user:", 0},     /* IMail */
    {"undeliverable to ", 0}, /* SMTP32 */
    {"delivery failed for:", 0},
    {"could not deliver to:", 0},
};

/* Where a report quotes the returned message: its headers and body name
 * our own addresses and the recipient's, and are no report. */
static const struct phrase cuts[] = {
    {"below this line is a copy of the message", 0},
    {"enclosed are the original headers of the message", 0},
    {"this is a copy of the message", 0},
    {"this is a copy of the headers", 0},
    {"original message headers", 0},
    {"original message follows", 0},
    {"unsent message follows", 0},
    {"----- original message", 0},
    {"-----original message", 0},
    {"returned message follows", 0},
    {"below is a copy of the original message", 0}, /* OpenSMTPD */
    {"original mail as follows", 0},                /* FML */
    {"------- returned message", 0},                /* Lotus Notes */
    {"message headers follow", 0},
};

#define NSIGNALS (sizeof(signals) / sizeof(signals[0]))
#define NLISTS (sizeof(lists) / sizeof(lists[0]))
#define NCUTS (sizeof(cuts) / sizeof(cuts[0]))
#define NLABELS (sizeof(labels) / sizeof(labels[0]))
/* find_phrases chains a table's entries in bytes. */
_Static_assert(NKEYWORDS < 128 && NSIGNALS < 128 && NLISTS < 128 &&
                   NCUTS < 128 && NLABELS < 128,
               "phrase tables must stay below 128 entries");

/* Subjects of bounces, and of auto-replies (which are no bounces). */
static const char *const bounce_subjects[] = {"undeliver",
                                              "returned mail",
                                              "failure notice",
                                              "delivery status",
                                              "mail delivery failed",
                                              "delivery failure",
                                              "delivery failed",
                                              "not delivered",
                                              "delivery delayed",
                                              "delayed",
                                              "delayed mail",
                                              "could not send message",
                                              "mail system error",
                                              "returned to sender",
                                              "nondeliverable",
                                              "non-deliverable",
                                              "delivery notification",
                                              "address not found",
                                              "delivery incomplete",
                                              "could not be delivered",
                                              "not be delivered",
                                              "permanent delivery failure",
                                              NULL};
static const char *const auto_subjects[] = {"out of office",
                                            "out of the office",
                                            "automatic reply",
                                            "auto-reply",
                                            "autoreply",
                                            "auto reply",
                                            "auto-response",
                                            "autoresponse",
                                            "vacation",
                                            "abwesenheit",
                                            NULL};

static int
subject_has(const char *subject, const char *const *list)
{
  size_t len = subject ? strnlen(subject, 1024) : 0;

  for (size_t i = 0; list[i]; i++)
    if (find_phrase(subject, len, list[i], NULL))
      return 1;
  return 0;
}

/* ---- results ---- */

#define MAX_SENDERS 8

struct results {
  struct bounce_result *v; /* BOUNCE_MAX_RESULTS slots once used */
  size_t n;
  /* The returned copy's From, Sender, Return-Path and Reply-To: the
   * sender of the message, never a failed recipient of it. */
  char senders[MAX_SENDERS][BOUNCE_ADDR_MAX + 1];
  size_t nsenders;
};

/* s[0..len) as one clean line: white space runs become one space, other
 * control characters go, invalid UTF-8 becomes '?', at most
 * BOUNCE_DIAG_MAX bytes cut at a character boundary. Malloc'd. */
static char *
clean_text(const char *s, size_t len)
{
  char out[BOUNCE_DIAG_MAX + 1];
  size_t o = 0, i = 0;
  int space = 0;

  while (i < len) {
    unsigned char c = (unsigned char)s[i];
    size_t n = 1;
    const char *p = s + i;

    if (is_ws(c)) {
      space = o > 0;
      i++;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      i++;
      continue;
    }
    if (c >= 0x80) {
      long cp;

      uint32_t u;

      n = util_utf8_decode(s + i, len - i, &u);
      cp = n ? (long)u : -1;
      if (cp < 0) {
        p = "?";
        n = 1;
      } else if (cp < 0xA0) { /* C1 controls */
        i += n;
        continue;
      }
    }
    if (o + (size_t)space + n > BOUNCE_DIAG_MAX)
      break;
    if (space)
      out[o++] = ' ';
    space = 0;
    memcpy(out + o, p, n);
    o += n;
    i += (p == s + i) ? n : 1;
  }
  out[o] = '\0';
  return strdup(out);
}

/* How much a report says: a status beats none, permanent beats
 * temporary. A duplicate replaces the result only when it says more. */
static int
rank(enum bounce_kind kind, const char *status)
{
  return (status[0] ? 2 : 0) + (kind == BOUNCE_PERMANENT ? 1 : 0);
}

static enum bounce_kind
kind_of_status(const char *status, enum bounce_kind otherwise)
{
  if (status[0] == '5')
    return BOUNCE_PERMANENT;
  if (status[0] == '4')
    return BOUNCE_TEMPORARY;
  return otherwise;
}

/* Adds the address s[0..alen) (already checked by addr_span), or merges
 * it into an earlier result for the same address. */
static enum sm_status
results_add(struct results *r, const char *s, size_t alen,
            enum bounce_kind kind, const char *status, const char *diag,
            size_t dlen)
{
  char addr[BOUNCE_ADDR_MAX + 1];
  struct bounce_result *x = NULL;

  if (alen == 0 || alen > BOUNCE_ADDR_MAX || is_system_local(s, alen))
    return SM_OK;
  memcpy(addr, s, alen);
  addr[alen] = '\0';
  for (size_t i = 0; i < r->nsenders; i++)
    if (address_same(r->senders[i], addr))
      return SM_OK;
  if (!strchr(addr, '@'))
    return SM_OK;
  address_fold_domain(addr);
  for (size_t i = 0; i < r->n; i++)
    if (address_same(r->v[i].address, addr))
      x = &r->v[i];
  if (x) {
    char *d;

    if (rank(kind, status) <= rank(x->kind, x->status))
      return SM_OK;
    d = clean_text(diag ? diag : "", diag ? dlen : 0);
    if (!d)
      return SM_ERR_NOMEM;
    free(x->diagnostic);
    x->diagnostic = d;
    x->kind = kind;
    snprintf(x->status, sizeof(x->status), "%s", status);
    return SM_OK;
  }
  if (r->n >= BOUNCE_MAX_RESULTS)
    return SM_OK; /* a bounce naming more is odd; the first ones count */
  if (!r->v) {
    r->v = calloc(BOUNCE_MAX_RESULTS, sizeof(*r->v));
    if (!r->v)
      return SM_ERR_NOMEM;
  }
  x = &r->v[r->n];
  x->address = strdup(addr);
  x->diagnostic = clean_text(diag ? diag : "", diag ? dlen : 0);
  if (!x->address || !x->diagnostic) {
    free(x->address);
    free(x->diagnostic);
    memset(x, 0, sizeof(*x));
    return SM_ERR_NOMEM;
  }
  x->kind = kind;
  snprintf(x->status, sizeof(x->status), "%s", status);
  r->n++;
  return SM_OK;
}

/* ---- RFC 3464 ---- */

struct dsn_group {
  char final[FIELD_MAX];
  char orig[FIELD_MAX];
  char action[32];
  char status[64];
  char diag[FIELD_MAX];
  int has_final, has_orig, has_action_or_status;
};

/* Copies s[0..n) into dst (size dstsize), trimmed, cut to fit. */
static void
copy_trimmed(char *dst, size_t dstsize, const char *s, size_t n)
{
  while (n > 0 && is_ws((unsigned char)*s))
    s++, n--;
  while (n > 0 && is_ws((unsigned char)s[n - 1]))
    n--;
  if (n >= dstsize)
    n = dstsize - 1;
  memcpy(dst, s, n);
  dst[n] = '\0';
}

/* Appends the \x{HEX} escapes of RFC 6533's utf-8-addr-xtext decoded, or
 * for rfc822 addresses in Original-Recipient the xtext escapes of '+' and
 * '=' (RFC 3461; other "+HH" are left alone: "+41" is a plausible
 * sub-address, and only those two characters must be escaped). */
static void
decode_address(const char *in, int utf8, int xtext, char *out, size_t outsize)
{
  size_t o = 0;

  for (size_t i = 0; in[i] && o + 5 < outsize; i++) {
    if (utf8 && in[i] == '\\' && in[i + 1] == 'x' && in[i + 2] == '{') {
      size_t j = i + 3;
      unsigned long cp = 0;

      while (j - i - 3 < 6 && ((in[j] >= '0' && in[j] <= '9') ||
                               (to_lower((unsigned char)in[j]) >= 'a' &&
                                to_lower((unsigned char)in[j]) <= 'f'))) {
        int c = to_lower((unsigned char)in[j]);
        cp = cp * 16 + (unsigned long)(c <= '9' ? c - '0' : c - 'a' + 10);
        j++;
      }
      if (in[j] == '}' && j > i + 3 && cp >= 0x20 && cp <= 0x10FFFF &&
          !(cp >= 0xD800 && cp <= 0xDFFF)) {
        o += util_utf8_encode((uint32_t)cp, out + o);
        i = j;
        continue;
      }
    }
    if (xtext && in[i] == '+' && in[i + 1] && in[i + 2] &&
        (strncmp(in + i + 1, "2B", 2) == 0 ||
         strncmp(in + i + 1, "3D", 2) == 0)) {
      out[o++] = in[i + 1] == '2' ? '+' : '=';
      i += 2;
      continue;
    }
    out[o++] = in[i];
  }
  out[o] = '\0';
}

/* The address of a recipient field's value ("rfc822; user@example.org",
 * "utf-8; ..."), written to out; 0 when it has none. */
static int
dsn_address(const char *value, int original, char *out, size_t outsize)
{
  char type[32] = "rfc822", raw[FIELD_MAX], dec[FIELD_MAX];
  const char *semi = strchr(value, ';');
  size_t len;

  if (semi) {
    copy_trimmed(type, sizeof(type), value, (size_t)(semi - value));
    for (char *p = type; *p; p++)
      *p = (char)to_lower((unsigned char)*p);
    value = semi + 1;
  }
  copy_trimmed(raw, sizeof(raw), value, strlen(value));
  len = strlen(raw);
  if (len >= 2 && raw[0] == '<' && raw[len - 1] == '>') {
    memmove(raw, raw + 1, len - 2);
    raw[len - 2] = '\0';
  }
  decode_address(raw, strcmp(type, "utf-8") == 0,
                 original && strcmp(type, "rfc822") == 0, dec, sizeof(dec));
  len = strlen(dec);
  /* A field holds one whole address, not running text: the grammar
   * alone decides, without the text scanner's guesses about '/', '?'
   * and quotes. */
  if (address_check_intl(dec, len) != ADDRESS_OK || len >= outsize)
    return 0;
  memcpy(out, dec, len + 1);
  return 1;
}

static enum sm_status
dsn_group_end(struct dsn_group *g, struct results *r, size_t *groups)
{
  char addr[FIELD_MAX], status[16] = "", enh[16], code[4];
  char scratch[FIELD_MAX];
  const char *diag = g->diag, *semi;
  enum bounce_kind kind;
  enum sm_status st = SM_OK;
  size_t n, dlen;
  unsigned kw;

  if (!g->has_final && !g->has_orig)
    goto out;
  (*groups)++;
  /* The original recipient is the address we sent to; the final one
   * may be what an alias at the far end expanded it to. */
  if (!(g->has_orig && dsn_address(g->orig, 1, addr, sizeof(addr))) &&
      !(g->has_final && dsn_address(g->final, 0, addr, sizeof(addr))))
    goto out;
  if (!strcmp(g->action, "delivered") || !strcmp(g->action, "relayed") ||
      !strcmp(g->action, "expanded"))
    goto out;
  /* "Status: 5.1.1 (bad destination mailbox address)": the code leads. */
  n = enh_at(g->status, strlen(g->status), 0, 0);
  if (n > 0 && n < sizeof(status)) {
    memcpy(status, g->status, n);
    status[n] = '\0';
  }
  /* "smtp; 550 5.1.1 ...": the words after the type. */
  semi = strchr(diag, ';');
  if (semi && (size_t)(semi - diag) < 16 &&
      !memchr(diag, ' ', (size_t)(semi - diag)))
    diag = semi + 1;
  while (is_ws((unsigned char)*diag))
    diag++;
  dlen = strlen(diag);
  line_codes(diag, 0, dlen, enh, code);
  if (!status[0])
    snprintf(status, sizeof(status), "%s", enh[0] ? enh : code);
  else if (enh[0] == status[0] && strcmp(status + 1, ".0.0") == 0)
    snprintf(status, sizeof(status), "%s", enh); /* more precise */
  kw = kw_flags(diag, dlen, scratch);
  if (!strcmp(g->action, "delayed"))
    kind = BOUNCE_DELAYED; /* still being retried: nothing failed yet */
  else if (status[0] == '5' || status[0] == '4')
    kind = kind_of_status(status, BOUNCE_PERMANENT);
  else if (!strcmp(g->action, "failed"))
    kind = (kw & KW_PERM) || !(kw & KW_TEMP) ? BOUNCE_PERMANENT
                                             : BOUNCE_TEMPORARY;
  else
    goto out; /* no Action and nothing saying it failed */
  st = results_add(r, addr, strlen(addr), kind, status, diag, dlen);
out:
  memset(g, 0, sizeof(*g));
  return st;
}

/* Files one unfolded field into the group; a recipient field that comes
 * after another of its name, or after the Action/Status of the group,
 * starts a new group (reports that leave out the blank lines). */
static enum sm_status
dsn_field(struct dsn_group *g, const char *name, const char *value,
          struct results *r, size_t *groups)
{
  enum sm_status st = SM_OK;
  int is_final = !strcasecmp(name, "final-recipient");
  int is_orig = !strcasecmp(name, "original-recipient");

  if ((is_final && (g->has_final || g->has_action_or_status)) ||
      (is_orig && (g->has_orig || g->has_action_or_status)))
    st = dsn_group_end(g, r, groups);
  if (is_final) {
    snprintf(g->final, sizeof(g->final), "%s", value);
    g->has_final = 1;
  } else if (is_orig) {
    snprintf(g->orig, sizeof(g->orig), "%s", value);
    g->has_orig = 1;
  } else if (!strcasecmp(name, "action")) {
    size_t i = 0;

    /* "failed", maybe with a comment after it. */
    while (value[i] && is_alpha((unsigned char)value[i]) &&
           i + 1 < sizeof(g->action)) {
      g->action[i] = (char)to_lower((unsigned char)value[i]);
      i++;
    }
    g->action[i] = '\0';
    g->has_action_or_status = 1;
  } else if (!strcasecmp(name, "status")) {
    snprintf(g->status, sizeof(g->status), "%s", value);
    g->has_action_or_status = 1;
  } else if (!strcasecmp(name, "diagnostic-code")) {
    snprintf(g->diag, sizeof(g->diag), "%s", value);
  }
  return st;
}

/* Reads the field groups of a delivery-status part; *groups counts those
 * that named a recipient. */
static enum sm_status
dsn_parse(const char *dsn, struct results *r, size_t *groups)
{
  struct dsn_group *g = calloc(1, sizeof(*g));
  char name[64] = "", value[FIELD_MAX] = "";
  size_t len = strnlen(dsn, BOUNCE_MAX_INPUT), i = 0, vlen = 0;
  int have_field = 0;
  enum sm_status st = SM_OK;

  *groups = 0;
  if (!g)
    return SM_ERR_NOMEM;
  while (i < len && st == SM_OK) {
    size_t e = i, le, b;
    int blank = 1;

    while (e < len && dsn[e] != '\n')
      e++;
    for (le = i; le < e; le++)
      if (!is_ws((unsigned char)dsn[le]))
        blank = 0;
    le = e;
    if (le > i && dsn[le - 1] == '\r')
      le--;
    if (!blank && (dsn[i] == ' ' || dsn[i] == '\t')) {
      /* A folded line continues the field (RFC 5322 2.2.3). */
      if (have_field && vlen + 1 < sizeof(value)) {
        if (vlen > 0)
          value[vlen++] = ' ';
        value[vlen] = '\0';
        copy_trimmed(value + vlen, sizeof(value) - vlen, dsn + i, le - i);
        vlen = strlen(value);
      }
    } else {
      if (have_field)
        st = dsn_field(g, name, value, r, groups);
      have_field = 0;
      if (blank) {
        if (st == SM_OK)
          st = dsn_group_end(g, r, groups);
      } else {
        const char *colon = memchr(dsn + i, ':', le - i);

        for (b = i; colon && b < (size_t)(colon - dsn); b++)
          if (!is_alpha((unsigned char)dsn[b]) &&
              !is_digit((unsigned char)dsn[b]) && dsn[b] != '-')
            colon = NULL; /* not a field name: ignore the line */
        if (colon && colon > dsn + i &&
            (size_t)(colon - (dsn + i)) < sizeof(name)) {
          copy_trimmed(name, sizeof(name), dsn + i,
                       (size_t)(colon - (dsn + i)));
          copy_trimmed(value, sizeof(value), colon + 1,
                       (size_t)(dsn + le - colon - 1));
          vlen = strlen(value);
          have_field = 1;
        }
      }
    }
    i = e + 1;
  }
  if (have_field && st == SM_OK)
    st = dsn_field(g, name, value, r, groups);
  if (st == SM_OK)
    st = dsn_group_end(g, r, groups);
  free(g);
  return st;
}

/* ---- heuristics over the text ---- */

struct hline {
  size_t off, len; /* in heur.t */
  size_t para;     /* index in heur.p; meaningless for blank lines */
  int blank;
  size_t indent;
  int consumed; /* owned by an address line's block */
  char enh[16];
  char code[4];
};

struct hpara {
  size_t first, end; /* lines [first, end) */
  unsigned kw;
  int has_code; /* a status or reply code on one of its lines */
  int addrline; /* one of its lines is an address line */
};

struct heur {
  char *t; /* the text, CRs removed, cut before a quoted original */
  size_t len;
  char *scratch; /* len bytes for kw_flags */
  struct hline *l;
  size_t nl;
  struct hpara *p;
  size_t np;
  char host[HOST_MAX]; /* the reporting host, lower case, or "" */
  enum bounce_kind dflt;
  int warning; /* a delay warning: what it lists has not failed yet */
  /* Addresses that aliases expanded to ("x (expanded from y)"): y is
   * the recipient, x no other one. */
  char aliased[8][BOUNCE_ADDR_MAX + 1];
  size_t naliased;
  size_t ats; /* '@' signs examined in running text */
  struct results *r;
};

/* Reads a host name at s[i..len) into out (lower case). */
static void
read_host(const char *s, size_t len, size_t i, char *out, size_t outsize)
{
  size_t o = 0;

  while (i < len && (s[i] == ' ' || s[i] == '\t'))
    i++;
  while (i < len && o + 1 < outsize && is_domain_ascii((unsigned char)s[i]))
    out[o++] = (char)to_lower((unsigned char)s[i++]);
  while (o > 0 && out[o - 1] == '.')
    o--;
  out[o] = '\0';
}

/* Splits the text into lines and paragraphs, stopping where a quoted
 * copy of the original message starts. */
static enum sm_status
heur_split(struct heur *h)
{
  size_t i = 0, cap = 64, pcap = 16;

  h->l = malloc(cap * sizeof(*h->l));
  h->p = malloc(pcap * sizeof(*h->p));
  if (!h->l || !h->p)
    return SM_ERR_NOMEM;
  while (i < h->len && h->nl < MAX_LINES) {
    struct hline *ln;
    size_t e = i, n;
    unsigned char found[NCUTS];
    int cut = 0;

    while (e < h->len && h->t[e] != '\n')
      e++;
    n = normalize(h->t + i, e - i, h->scratch);
    find_phrases(cuts, NCUTS, h->scratch, n, found);
    for (size_t c = 0; c < NCUTS; c++)
      cut |= found[c];
    if (cut) {
      h->len = i;
      break;
    }
    if (h->nl == cap) {
      struct hline *nl = realloc(h->l, 2 * cap * sizeof(*h->l));
      if (!nl)
        return SM_ERR_NOMEM;
      h->l = nl;
      cap *= 2;
    }
    ln = &h->l[h->nl];
    memset(ln, 0, sizeof(*ln));
    ln->off = i;
    ln->len = e - i;
    ln->blank = 1;
    for (size_t k = i; k < e; k++)
      if (!is_ws((unsigned char)h->t[k]))
        ln->blank = 0;
    while (ln->indent < ln->len &&
           (h->t[i + ln->indent] == ' ' || h->t[i + ln->indent] == '\t'))
      ln->indent++;
    if (!ln->blank) {
      line_codes(h->t, i, e, ln->enh, ln->code);
      if (h->nl == 0 || h->l[h->nl - 1].blank) {
        if (h->np == pcap) {
          struct hpara *np = realloc(h->p, 2 * pcap * sizeof(*h->p));
          if (!np)
            return SM_ERR_NOMEM;
          h->p = np;
          pcap *= 2;
        }
        memset(&h->p[h->np], 0, sizeof(h->p[0]));
        h->p[h->np].first = h->nl;
        h->np++;
      }
      ln->para = h->np - 1;
      h->p[ln->para].end = h->nl + 1;
      if (ln->enh[0] || ln->code[0])
        h->p[ln->para].has_code = 1;
    }
    h->nl++;
    i = e + 1;
  }
  for (size_t k = 0; k < h->np; k++) {
    struct hline *a = &h->l[h->p[k].first], *z = &h->l[h->p[k].end - 1];
    h->p[k].kw = kw_flags(h->t + a->off, z->off + z->len - a->off, h->scratch);
  }
  return SM_OK;
}

/* Whether a subject answers another message ("Re: ...", "AW: ...",
 * "Odp: ..."): a person's reply, however it words a failure. */
static int
subject_is_reply(const char *subject)
{
  static const char *const prefixes[] = {
      "re:", "aw:", "sv:", "vs:", "r:", "antw:", "odp:", "ynt:", "res:", NULL};
  size_t len = subject ? strnlen(subject, 1024) : 0, i = 0;

  while (i < len && is_ws((unsigned char)subject[i]))
    i++;
  for (size_t k = 0; prefixes[k]; k++) {
    size_t pl = strlen(prefixes[k]);
    if (len - i >= pl && strncasecmp(subject + i, prefixes[k], pl) == 0)
      return 1;
  }
  return 0;
}

/* Whether the text reads as a bounce; sets the default kind and the
 * reporting host on the way. `listed` says the MTA named failed
 * recipients in a header (X-Failed-Recipients): a bounce whatever the
 * text says. */
static int
heur_is_bounce(struct heur *h, const char *subject, int listed)
{
  int bounce = listed, warn = 0;
  size_t end, n = normalize(h->t, h->len, h->scratch);
  unsigned char found[NSIGNALS];

  if (subject_has(subject, bounce_subjects)) {
    bounce = 1;
    warn = find_phrase(subject, strnlen(subject, 1024), "delay", NULL) ||
           find_phrase(subject, strnlen(subject, 1024), "warning", NULL);
  } else if (subject_has(subject, auto_subjects)) {
    return 0; /* RFC 3834 replies go to the return path too */
  }
  find_phrases(signals, NSIGNALS, h->scratch, n, found);
  for (size_t i = 0; i < NSIGNALS; i++) {
    if (!found[i])
      continue;
    bounce = 1;
    if (signals[i].flags & SIG_TEMP)
      warn = 1;
    if ((signals[i].flags & SIG_HOST) && !h->host[0] &&
        find_phrase(h->t, h->len, signals[i].text, &end))
      read_host(h->t, h->len, end, h->host, sizeof(h->host));
  }
  /* An MTA's wording alone makes a bounce, but not in a person's reply
   * that quotes it ("it says user unknown, can you check?"). */
  for (size_t k = 0; k < h->np && !bounce && !subject_is_reply(subject); k++)
    if (h->p[k].kw & KW_STRONG)
      bounce = 1;
  h->warning = warn;
  h->dflt = warn ? BOUNCE_DELAYED : BOUNCE_PERMANENT;
  return bounce;
}

/* The length of a typographic quote or a no-break space at s[0..n)
 * (HTML mail's text has them around addresses), else 0. */
static size_t
fancy_punct(const char *s, size_t n)
{
  static const char *const seqs[] = {
      "\xE2\x80\x9C", "\xE2\x80\x9D", "\xE2\x80\x98", "\xE2\x80\x99",
      "\xC2\xAB",     "\xC2\xBB",     "\xC2\xA0",     NULL};

  for (size_t i = 0; seqs[i]; i++) {
    size_t l = strlen(seqs[i]);
    if (n >= l && memcmp(s, seqs[i], l) == 0)
      return l;
  }
  return 0;
}

/* Whether line i starts with a recipient's address, as reports list
 * them: "<a@b>: reason", "a@b... User unknown", "  a@b" alone, "a@b
 * (a@b)", "a@b <mailto:a@b>". Not "a@b wrote:". */
static int
addr_line(struct heur *h, size_t i, size_t *as, size_t *ae)
{
  const struct hline *ln = &h->l[i];
  const char *t = h->t;
  size_t p = ln->off + ln->indent, end = ln->off + ln->len, q, at;

  if (ln->blank)
    return 0;
  if (p + 1 < end && (t[p] == '-' || t[p] == '*') && t[p + 1] == ' ')
    p += 2; /* a list bullet */
  if (p < end && (t[p] == '<' || t[p] == '"' || t[p] == '\''))
    p++;
  else
    p += fancy_punct(t + p, end - p);
  for (at = p; at < end && at - p <= LOCAL_MAX && t[at] != '@'; at++)
    ;
  if (at >= end || t[at] != '@' || !addr_span(t, end, at, as, ae) ||
      *as != p || is_system_local(t + *as, *ae - *as))
    return 0;
  q = *ae;
  if (q < end && (t[q] == '>' || t[q] == '"' || t[q] == '\''))
    q++;
  else
    q += fancy_punct(t + q, end - q);
  if (q == end || strchr(":;,.", t[q]) != NULL)
    return 1;
  for (size_t f = 1; f > 0;) {
    while (q < end && (t[q] == ' ' || t[q] == '\t'))
      q++;
    f = fancy_punct(t + q, end - q);
    q += f;
  }
  return q == end || strchr("(<[", t[q]) != NULL ||
         (end - q >= 3 && strncasecmp(t + q, "on ", 3) == 0);
}

/* The first enhanced code, else reply code, on lines [a, z). */
static int
first_status(const struct heur *h, size_t a, size_t z, char status[16],
             size_t *where)
{
  for (int pass = 0; pass < 2; pass++)
    for (size_t k = a; k < z; k++) {
      const char *c = pass == 0 ? h->l[k].enh : h->l[k].code;
      if (c[0]) {
        snprintf(status, 16, "%s", c);
        *where = k;
        return 1;
      }
    }
  status[0] = '\0';
  return 0;
}

/* A delay warning (the whole report, or the list an address is under)
 * makes everything delayed but a class 5 reply, which no retry cures. */
static enum bounce_kind
heur_kind(const struct heur *h, const char *status, unsigned kw,
          enum bounce_kind dflt)
{
  if (status[0] == '5')
    return BOUNCE_PERMANENT;
  if (h->warning || dflt == BOUNCE_DELAYED)
    return BOUNCE_DELAYED;
  if (status[0])
    return kind_of_status(status, dflt);
  if (kw & KW_PERM)
    return BOUNCE_PERMANENT;
  if (kw & KW_TEMP)
    return BOUNCE_TEMPORARY;
  return dflt;
}

/* An address line at i and the lines it owns: those below it up to a
 * blank line or the next address line at the same indentation or less
 * (Postfix indents the lines it wraps, Exim the reasons). Returns the
 * index of the first line after the block. */
static size_t
heur_block(struct heur *h, size_t i, size_t as, size_t ae, int list_kind,
           enum sm_status *st)
{
  size_t j = i + 1, bs, be, end, ras = as, rae = ae, s2, e2, where;
  char status[16];
  unsigned kw;

  while (j < h->nl && j - i < BLOCK_MAX_LINES && !h->l[j].blank &&
         (h->l[j].indent > h->l[i].indent || !addr_line(h, j, &s2, &e2)))
    j++;
  bs = ae;
  be = h->l[j - 1].off + h->l[j - 1].len;
  for (size_t k = i; k < j; k++)
    h->l[k].consumed = 1;
  h->p[h->l[i].para].addrline = 1;
  /* "<final@x> (expanded from <alias@y>)", Exim's "(generated from
   * alias@y)": the address we sent to is the alias. */
  if (find_phrase(h->t + bs, be - bs, "expanded from", &end) ||
      find_phrase(h->t + bs, be - bs, "generated from", &end)) {
    size_t p = bs + end;

    while (p < be && (h->t[p] == ' ' || h->t[p] == '<' || h->t[p] == '\n'))
      p++;
    for (size_t at = p; at < be && at - p <= LOCAL_MAX; at++)
      if (h->t[at] == '@') {
        if (addr_span(h->t, be, at, &s2, &e2) && s2 == p &&
            !is_system_local(h->t + s2, e2 - s2)) {
          ras = s2;
          rae = e2;
          if (h->naliased < sizeof(h->aliased) / sizeof(h->aliased[0]) &&
              ae - as < sizeof(h->aliased[0])) {
            memcpy(h->aliased[h->naliased], h->t + as, ae - as);
            h->aliased[h->naliased++][ae - as] = '\0';
          }
        }
        break;
      }
  }
  kw = kw_flags(h->t + h->l[i].off, be - h->l[i].off, h->scratch);
  /* Under a list header, the reason may stand above the address in its
   * paragraph (Lotus Notes: the reason, then the address). */
  if (list_kind && !(kw & (KW_PERM | KW_TEMP)))
    kw |= h->p[h->l[i].para].kw & (KW_PERM | KW_TEMP);
  first_status(h, i, j, status, &where);
  if (!status[0] && !(kw & (KW_PERM | KW_TEMP | KW_FAIL)) && !list_kind)
    return j; /* an address with nothing said about it */
  while (bs < be && strchr(">\"': ", h->t[bs]) != NULL)
    bs++;
  *st =
      results_add(h->r, h->t + ras, rae - ras,
                  heur_kind(h, status, kw,
                            list_kind ? (enum bounce_kind)list_kind : h->dflt),
                  status, h->t + bs, be - bs);
  return j;
}

/* Whether the word before the address at s[as] (in the line starting at
 * ls) shows it is no recipient: the sender ("MAIL From:<x>", "from x"),
 * a Message-ID ("Your message <id@host>"). */
static int
not_a_recipient(const char *s, size_t ls, size_t as)
{
  static const char *const words[] = {
      "from",        "sender",     "return-path",   "reply-to",
      "message-id",  "message",    "msgid",         "id",
      "in-reply-to", "references", "envelope-from", NULL};
  size_t k = as, we, n;

  while (k > ls && as - k < 4 && strchr(" \t<\"'(:=[", s[k - 1]) != NULL)
    k--;
  we = k;
  while (k > ls && we - k < 24 &&
         (is_alpha((unsigned char)s[k - 1]) || s[k - 1] == '-'))
    k--;
  n = we - k;
  for (size_t i = 0; words[i]; i++)
    if (strlen(words[i]) == n && strncasecmp(s + k, words[i], n) == 0)
      return 1;
  return n > 5 && strncasecmp(s + we - 5, "-from", 5) == 0;
}

/* Whether the line s[b..e) is a server's success reply ("<<< 250 2.1.0
 * <sender>... Sender ok" in a Sendmail transcript): what it names was
 * accepted. */
static int
success_reply(const char *s, size_t b, size_t e)
{
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '<' || s[b] == '>'))
    b++;
  return e - b >= 4 && s[b] == '2' && is_digit((unsigned char)s[b + 1]) &&
         is_digit((unsigned char)s[b + 2]) &&
         (s[b + 3] == ' ' || s[b + 3] == '-');
}

/* Addresses in the running text of line i: a recipient when its
 * paragraph says something failed ("Your message wasn't delivered to
 * x@y because...", "No such user here: x@y"). */
static enum sm_status
heur_running(struct heur *h, size_t i)
{
  const struct hline *ln = &h->l[i];
  const struct hpara *pa = &h->p[ln->para];
  size_t end = ln->off + ln->len, as, ae, where;
  enum sm_status st = SM_OK;
  char status[16];

  if (success_reply(h->t, ln->off, end))
    return SM_OK;
  if (!pa->has_code && !(pa->kw & (KW_PERM | KW_TEMP | KW_FAIL))) {
    unsigned char found[NLABELS];
    int labelled = 0;

    find_phrases(labels, NLABELS, h->scratch,
                 normalize(h->t + ln->off, ln->len, h->scratch), found);
    for (size_t k = 0; k < NLABELS; k++)
      labelled |= found[k];
    if (!labelled)
      return SM_OK;
  }
  for (size_t at = ln->off; at < end && st == SM_OK; at++) {
    const char *dom;
    size_t dl, ds, de;

    if (h->t[at] != '@')
      continue;
    if (++h->ats > MAX_AT)
      break;
    if (!addr_span(h->t, end, at, &as, &ae))
      continue;
    dom = h->t + at + 1;
    dl = ae - at - 1;
    if (not_a_recipient(h->t, ln->off, as) ||
        (h->host[0] && strlen(h->host) == dl &&
         strncasecmp(dom, h->host, dl) == 0)) {
      at = ae - 1;
      continue;
    }
    /* The reply on this line or below it, else above it. */
    if (!first_status(h, i, pa->end, status, &where))
      first_status(h, pa->first, i, status, &where);
    /* The diagnostic: the reply's line, else the whole paragraph. */
    if (status[0]) {
      ds = h->l[where].off;
      de = ds + h->l[where].len;
    } else {
      ds = h->l[pa->first].off;
      de = h->l[pa->end - 1].off + h->l[pa->end - 1].len;
    }
    st = results_add(h->r, h->t + as, ae - as,
                     heur_kind(h, status, pa->kw, h->dflt), status, h->t + ds,
                     de - ds);
    at = ae - 1;
  }
  return st;
}

/* X-Failed-Recipients: each address the MTA says failed that the text
 * did not yield already, of the kind the report's wording gives. An
 * address the text names only as the target of an alias stands for the
 * alias, which was found already. */
static enum sm_status
heur_listed(struct heur *h, const char *listed)
{
  size_t len = strnlen(listed, FIELD_MAX), i = 0, as, ae;
  unsigned kw = kw_flags(h->t, h->len, h->scratch);
  enum sm_status st = SM_OK;

  while (i < len && st == SM_OK) {
    char one[BOUNCE_ADDR_MAX + 1];
    size_t b, e, at;
    int known = 0;

    while (i < len && (is_ws((unsigned char)listed[i]) ||
                       strchr(",;<>", listed[i]) != NULL))
      i++;
    b = i;
    while (i < len && !is_ws((unsigned char)listed[i]) &&
           strchr(",;<>", listed[i]) == NULL)
      i++;
    e = i;
    for (at = e; at > b && listed[at - 1] != '@'; at--)
      ;
    if (at == b || !addr_span(listed, e, at - 1, &as, &ae) || as != b ||
        ae != e)
      continue;
    memcpy(one, listed + b, e - b);
    one[e - b] = '\0';
    for (size_t k = 0; k < h->r->n; k++)
      known |= address_same(h->r->v[k].address, one);
    for (size_t k = 0; k < h->naliased; k++)
      known |= address_same(h->aliased[k], one);
    if (!known)
      st = results_add(h->r, listed + b, e - b,
                       heur_kind(h, "", kw, BOUNCE_PERMANENT), "", NULL, 0);
  }
  return st;
}

/* When nothing else named a recipient: the addresses that start a line
 * of their own in the report (EZweb's "<x@y>" under its reason,
 * Netscape's address below it), of the kind of the report's wording. */
static enum sm_status
heur_lone(struct heur *h)
{
  unsigned kw = kw_flags(h->t, h->len, h->scratch);
  enum sm_status st = SM_OK;

  for (size_t i = 0; i < h->nl && st == SM_OK; i++) {
    size_t as, ae, dl;
    const char *at;

    if (!addr_line(h, i, &as, &ae))
      continue;
    at = memchr(h->t + as, '@', ae - as);
    dl = (size_t)(h->t + ae - at - 1);
    if (h->host[0] && strlen(h->host) == dl &&
        strncasecmp(at + 1, h->host, dl) == 0)
      continue;
    st = results_add(
        h->r, h->t + as, ae - as,
        heur_kind(h, h->l[i].enh[0] ? h->l[i].enh : h->l[i].code, kw, h->dflt),
        "", h->t + h->l[i].off, h->l[i].len);
  }
  return st;
}

static enum sm_status
heur_parse(const struct bounce_input *in, struct results *r)
{
  struct heur h;
  const char *text = in->text ? in->text : "", *subject = in->subject;
  size_t len = strnlen(text, BOUNCE_MAX_INPUT), o = 0, cur = SIZE_MAX;
  size_t list_para = 0;
  int list_kind = 0;
  enum sm_status st = SM_OK;

  memset(&h, 0, sizeof(h));
  h.r = r;
  h.t = malloc(len + 1);
  h.scratch = malloc(len + 1);
  if (!h.t || !h.scratch) {
    st = SM_ERR_NOMEM;
    goto out;
  }
  for (size_t i = 0; i < len; i++)
    if (text[i] != '\r')
      h.t[o++] = text[i];
  h.t[o] = '\0';
  h.len = o;
  st = heur_split(&h);
  if (st != SM_OK || !heur_is_bounce(&h, subject,
                                     in->failed_recipients &&
                                         strchr(in->failed_recipients, '@')))
    goto out;
  for (size_t i = 0; i < h.nl && st == SM_OK;) {
    struct hline *ln = &h.l[i];
    size_t as, ae, n;
    unsigned char found[NLISTS];

    if (ln->blank) {
      i++;
      continue;
    }
    if (ln->para != cur) {
      /* A list ends with the first paragraph after its header that
       * listed no address. */
      if (cur != SIZE_MAX && list_kind && cur != list_para &&
          !h.p[cur].addrline)
        list_kind = 0;
      cur = ln->para;
    }
    n = normalize(h.t + ln->off, ln->len, h.scratch);
    find_phrases(lists, NLISTS, h.scratch, n, found);
    for (size_t k = 0; k < NLISTS; k++)
      if (found[k]) {
        list_kind = (int)lists[k].flags;
        list_para = cur;
        break;
      }
    if (addr_line(&h, i, &as, &ae)) {
      i = heur_block(&h, i, as, ae, list_kind, &st);
      continue;
    }
    if (!ln->consumed)
      st = heur_running(&h, i);
    i++;
  }
  /* One recipient whose reply stands in a paragraph of its own (Gmail:
   * "The response from the remote server was: 550 5.1.1 ..."). */
  if (st == SM_OK && r->n == 1 && !r->v[0].status[0]) {
    size_t where;
    char status[16];

    if (first_status(&h, 0, h.nl, status, &where)) {
      const struct hpara *pa = &h.p[h.l[where].para];
      size_t ds = h.l[where].off;
      size_t de = h.l[pa->end - 1].off + h.l[pa->end - 1].len;
      char *d = clean_text(h.t + ds, de - ds);

      if (!d) {
        st = SM_ERR_NOMEM;
        goto out;
      }
      free(r->v[0].diagnostic);
      r->v[0].diagnostic = d;
      snprintf(r->v[0].status, sizeof(r->v[0].status), "%s", status);
      r->v[0].kind = heur_kind(&h, status, 0, r->v[0].kind);
    }
  }
  if (st == SM_OK && r->n == 0)
    st = heur_lone(&h);
  if (st == SM_OK && in->failed_recipients)
    st = heur_listed(&h, in->failed_recipients);
out:
  free(h.t);
  free(h.scratch);
  free(h.l);
  free(h.p);
  return st;
}

/* ---- the returned copy ---- */

/* Where a copy of the returned message starts in the text (after a line
 * such as "--- Below this line is a copy of the message."), or len. */
static size_t
copy_start(const char *t, size_t len)
{
  char line[512], norm[512];
  unsigned char found[NCUTS];

  for (size_t i = 0, n = 0; i < len && n < MAX_LINES; n++) {
    size_t e = i, ll;

    while (e < len && t[e] != '\n')
      e++;
    ll = e - i < sizeof(line) ? e - i : sizeof(line);
    memcpy(line, t + i, ll);
    find_phrases(cuts, NCUTS, norm, normalize(line, ll, norm), found);
    for (size_t c = 0; c < NCUTS; c++)
      if (found[c])
        return e < len ? e + 1 : len;
    i = e + 1;
  }
  return len;
}

/* The value of the field `name` (without case) in the header block
 * s[0..len): a line that starts with it (after indentation, as reports
 * quote headers) and its folded continuation lines. 1 and [*vs, *ve)
 * when found. */
static int
header_field(const char *s, size_t len, const char *name, size_t *vs,
             size_t *ve)
{
  size_t nl = strlen(name);

  for (size_t i = 0; i < len;) {
    size_t e = i, b = i;

    while (e < len && s[e] != '\n')
      e++;
    while (b < e && (s[b] == ' ' || s[b] == '\t'))
      b++;
    if (e - b > nl && strncasecmp(s + b, name, nl) == 0 && s[b + nl] == ':') {
      *vs = b + nl + 1;
      /* Folded lines continue a field that starts a line. */
      while (b == i && e + 1 < len && (s[e + 1] == ' ' || s[e + 1] == '\t'))
        for (e++; e < len && s[e] != '\n';)
          e++;
      *ve = e;
      return 1;
    }
    i = e + 1;
  }
  return 0;
}

/* The senders named in the header block s[0..len) of the returned copy:
 * none of them is a failed recipient. */
static void
note_senders(struct results *r, const char *s, size_t len)
{
  static const char *const fields[] = {"from", "sender", "return-path",
                                       "reply-to", NULL};

  len = strnlen(s, len);
  for (size_t f = 0; fields[f]; f++) {
    size_t vs, ve, as, ae;

    if (!header_field(s, len, fields[f], &vs, &ve))
      continue;
    for (size_t at = vs; at < ve && r->nsenders < MAX_SENDERS; at++) {
      if (s[at] != '@' || !addr_span(s, ve, at, &as, &ae))
        continue;
      memcpy(r->senders[r->nsenders], s + as, ae - as);
      r->senders[r->nsenders++][ae - as] = '\0';
      at = ae - 1;
    }
  }
}

/* The message id <...> in s[vs..ve) into out, without the brackets. */
static int
msgid_of(const char *s, size_t vs, size_t ve, char *out, size_t outlen)
{
  const char *lt = memchr(s + vs, '<', ve - vs), *gt;
  size_t n;

  if (!lt)
    return 0;
  gt = memchr(lt, '>', (size_t)(s + ve - lt));
  if (!gt)
    return 0;
  n = (size_t)(gt - lt - 1);
  if (n == 0 || n >= outlen || !memchr(lt + 1, '@', n))
    return 0;
  for (size_t i = 1; i <= n; i++)
    if ((unsigned char)lt[i] <= ' ' || (unsigned char)lt[i] >= 0x7F ||
        lt[i] == '<')
      return 0;
  memcpy(out, lt + 1, n);
  out[n] = '\0';
  return 1;
}

int
bounce_returned_id(const struct bounce_input *in, char *out, size_t outlen)
{
  size_t vs, ve, len, cs;

  if (outlen)
    out[0] = '\0';
  if (in->returned) {
    len = strnlen(in->returned, BOUNCE_MAX_INPUT);
    if (header_field(in->returned, len, "message-id", &vs, &ve) &&
        msgid_of(in->returned, vs, ve, out, outlen))
      return 1;
  }
  if (in->dsn) {
    len = strnlen(in->dsn, BOUNCE_MAX_INPUT);
    if (header_field(in->dsn, len, "x-original-message-id", &vs, &ve) &&
        msgid_of(in->dsn, vs, ve, out, outlen))
      return 1;
  }
  if (in->text) {
    /* The quoted copy first, then a report that quotes the message's
     * fields ("This report relates to ... Message-id: <...>"). */
    len = strnlen(in->text, BOUNCE_MAX_INPUT);
    cs = copy_start(in->text, len);
    if (header_field(in->text + cs, len - cs, "message-id", &vs, &ve) &&
        msgid_of(in->text + cs, vs, ve, out, outlen))
      return 1;
    if (header_field(in->text, cs, "message-id", &vs, &ve) &&
        msgid_of(in->text, vs, ve, out, outlen))
      return 1;
  }
  return 0;
}

/* ---- the interface ---- */

enum sm_status
bounce_parse(const struct bounce_input *in, struct bounce_result **out,
             size_t *n)
{
  struct results r;
  size_t groups = 0;
  enum sm_status st = SM_OK;

  *out = NULL;
  *n = 0;
  memset(&r, 0, sizeof(r));
  if (in->returned)
    note_senders(&r, in->returned, BOUNCE_MAX_INPUT);
  if (in->text) {
    size_t len = strnlen(in->text, BOUNCE_MAX_INPUT);
    size_t cs = copy_start(in->text, len);

    note_senders(&r, in->text + cs, len - cs);
  }
  if (in->dsn)
    st = dsn_parse(in->dsn, &r, &groups);
  if (st == SM_OK && groups == 0 && (in->text || in->failed_recipients))
    st = heur_parse(in, &r);
  if (st != SM_OK) {
    bounce_results_free(r.v, r.n);
    return st;
  }
  if (r.n == 0) {
    free(r.v);
    return SM_OK;
  }
  *out = r.v;
  *n = r.n;
  return SM_OK;
}

void
bounce_results_free(struct bounce_result *r, size_t n)
{
  if (!r)
    return;
  for (size_t i = 0; i < n; i++) {
    free(r[i].address);
    free(r[i].diagnostic);
  }
  free(r);
}

const char *
bounce_kind_name(enum bounce_kind k)
{
  return k == BOUNCE_TEMPORARY ? "temporary"
         : k == BOUNCE_DELAYED ? "delayed"
                               : "permanent";
}
