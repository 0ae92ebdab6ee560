/* ascii.h: character classes of ASCII, spelled out. <ctype.h> answers by
 * the locale, so a parser using it could read the same bytes two ways on
 * two machines (and isalpha(0xE9) is true in Latin-1 locales); every
 * parser uses these instead (scripts/checksrc enforces it). */
#ifndef SM_ASCII_H
#define SM_ASCII_H

static inline int
ascii_isdigit(int c)
{
  return c >= '0' && c <= '9';
}

static inline int
ascii_isalpha(int c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int
ascii_isalnum(int c)
{
  return ascii_isalpha(c) || ascii_isdigit(c);
}

/* Space, tab, LF, VT, FF, CR: the "C" locale's isspace. */
static inline int
ascii_isspace(int c)
{
  return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline int
ascii_isprint(int c)
{
  return c >= 0x20 && c < 0x7f;
}

static inline int
ascii_tolower(int c)
{
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static inline int
ascii_toupper(int c)
{
  return c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c;
}

#endif
