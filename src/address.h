/* address.h: the one grammar of mail addresses. Every entry point that
 * takes an address from outside (sub add and import, receive, inbound,
 * mime, smtp, bounce) asks this module whether it is an address we can
 * send to, so that nothing is accepted at one door and refused at the
 * next.
 *
 * The grammar is RFC 5321's Mailbox narrowed to what our mail can reach:
 * a dot-atom local part of ASCII atext (our mail goes out without
 * SMTPUTF8, so a UTF-8 local part could never be delivered; no quoted
 * local parts), '@', and a domain of two or more labels of ASCII letters,
 * digits and inner hyphens, 1-63 bytes each, whose last label is not all
 * digits (an IP address is no mail domain; address literals are not
 * taken). At most 64 bytes before the '@' and 254 in all. No locale: the
 * same bytes get the same verdict everywhere. */
#ifndef SM_ADDRESS_H
#define SM_ADDRESS_H

#include <stddef.h>

#define ADDRESS_MAX 254      /* RFC 5321's path limit, less the brackets */
#define ADDRESS_LOCAL_MAX 64 /* RFC 5321 4.5.3.1.1 */
#define ADDRESS_LABEL_MAX 63 /* RFC 1035 */

enum address_fault {
  ADDRESS_OK = 0,
  ADDRESS_EMPTY,
  ADDRESS_LONG,
  ADDRESS_CONTROL,
  ADDRESS_SPACE,
  ADDRESS_BRACKETS,
  ADDRESS_NOT_ASCII,
  ADDRESS_AT,
  ADDRESS_LOCAL_LENGTH,
  ADDRESS_LOCAL_DOT,
  ADDRESS_LOCAL_CHAR,
  ADDRESS_DOMAIN_NO_DOT,
  ADDRESS_DOMAIN_LABEL,
  ADDRESS_DOMAIN_NUMERIC
};

/* RFC 5322 atext: ASCII letters, digits and !#$%&'*+-/=?^_`{|}~ (what a
 * dot-atom is made of; mime writes display names of it unquoted). */
int address_is_atext(unsigned char c);

/* The verdict on the n bytes at s (NUL bytes inside are a fault). */
enum address_fault address_check(const char *s, size_t n);

/* The same grammar with UTF-8 allowed where RFC 6531 allows it (in the
 * local part and the domain's labels; it must be valid UTF-8): for
 * parsers of foreign reports (bounces name such addresses, RFC 6533)
 * that extract what a text names. Whether we can send to what they find
 * is still address_check's verdict, asked where it enters. */
enum address_fault address_check_intl(const char *s, size_t n);

/* The verdict on a domain alone (the n bytes at s), by the same rules. */
enum address_fault address_check_domain(const char *s, size_t n);

/* 1 when s (NUL-terminated; NULL is not) is an address we can send to. */
int address_sendable(const char *s);

/* Why, as a phrase that follows the address ("has a space", ": the
 * domain has no dot"). Static. */
const char *address_fault_str(enum address_fault f);

/* Writes 'address "S" WHY' into err (errlen bytes). */
void address_explain(const char *s, enum address_fault f, char *err,
                     size_t errlen);

/* Checks the n bytes at s and writes the address into out (outlen bytes,
 * at least ADDRESS_MAX + 1 to take every address) with its domain in
 * lower case (RFC 5321: the domain is case-blind; the local part is kept
 * as written). ADDRESS_LONG when it does not fit out. */
enum address_fault address_normalize(const char *s, size_t n, char *out,
                                     size_t outlen);

/* Lowers the ASCII letters after the last '@' of addr, in place: the
 * domain is case-blind. For addresses read from mail that may be kept
 * (and logged) even when they are not sendable. */
void address_fold_domain(char *addr);

/* address_normalize of the string s; on a fault, err says why (as
 * address_explain) and -1 is returned, else 0. */
int address_normalize_said(const char *s, char *out, size_t outlen, char *err,
                           size_t errlen);

/* Whether a and b name one reader: the store's rule, ASCII case-blind over
 * the whole address (no one has two mailboxes that differ by case). NULL
 * equals nothing. */
int address_same(const char *a, const char *b);

/* The mailbox behind an address, for counting per mailbox (rate limits):
 * the local part without its +sub-address ("ada+x@Example.org" and
 * "Ada@example.org" are one mailbox), in lower case like the domain (the
 * key must be no finer than address_same). Written into out (outlen
 * bytes, ADDRESS_MAX + 1 takes every address). A fault when s is no
 * address we can send to. */
enum address_fault address_mailbox_key(const char *s, char *out,
                                       size_t outlen);

#endif
