/* reply.c: the comment in a reply. The body is split into lines, and
 * classify() names each one (the reader's text, a blank line, a quote,
 * something to drop, or the start of an unquoted copy of the earlier
 * mail) from the conventions of the common mail programs; attributions
 * are looked for last, at the end of each run of the reader's lines, so
 * that the signatures and footers between them and their quote are
 * already out of the way. reply_extract() then groups the lines into
 * alternating answer and quote blocks and writes the answers, each inline
 * answer after the quoted lines it answers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "util.h"

/* Longest attribution (up to three lines rejoined) and one-line
 * signature recognised: the real ones are far shorter, and a bound keeps
 * a long paragraph that happens to end in "wrote:" from being dropped. */
#define ATTR_MAX 400
#define MOBILE_MAX 100
/* Quoted lines kept as context before each inline answer. */
#define CONTEXT_LINES 3
/* Quote levels shown in a context line. */
#define CONTEXT_DEPTH 8
/* Blank lines kept in a row. */
#define MAX_BLANKS 2
/* Characters of decoration allowed before a title in a quoted heading,
 * and the shortest first line of a wrapped title that is recognised. */
#define TITLE_DECORATION 6
#define TITLE_WRAP_MIN 24
/* Field lines an Outlook header block may have. */
#define HEADER_FIELDS 8

enum kind {
  K_TEXT,  /* the reader's words */
  K_BLANK, /* an empty unquoted line */
  K_QUOTE, /* "> ..." */
  K_DROP,  /* attribution, signature, footer: removed */
  K_CUT    /* an unquoted original starts here: it and the rest go */
};

struct line {
  const char *s; /* start, and length without the line end and without
                    trailing white space */
  size_t len;
  enum kind kind;
  int depth;        /* quote levels */
  const char *body; /* K_QUOTE: the text after the quote marks */
  size_t body_len;
  int no_context; /* K_QUOTE: a quoted attribution, rule, footer or
                     signature, never shown as the context of an answer */
};

struct lines {
  struct line *v;
  size_t n;
  int cited; /* an attribution or an unquoted original was found */
};

/* ---- small string helpers -------------------------------------------- */

static int
is_space(const char *s, size_t n, size_t *w)
{
  if (n >= 1 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r')) {
    *w = 1;
    return 1;
  }
  /* U+00A0 and U+202F: French puts them before ':' and mail programs use
   * them for indentation. */
  if (n >= 2 && (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0) {
    *w = 2;
    return 1;
  }
  if (n >= 3 && (unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 &&
      (unsigned char)s[2] == 0xAF) {
    *w = 3;
    return 1;
  }
  return 0;
}

/* Length of s[0..n) without trailing white space. */
static size_t
rtrim(const char *s, size_t n)
{
  for (;;) {
    size_t w;

    if (n >= 1 && is_space(s + n - 1, 1, &w))
      n--;
    else if (n >= 2 && is_space(s + n - 2, 2, &w) && w == 2)
      n -= 2;
    else if (n >= 3 && is_space(s + n - 3, 3, &w) && w == 3)
      n -= 3;
    else
      return n;
  }
}

/* Skips leading white space; returns the new start, updates *n. */
static const char *
ltrim(const char *s, size_t *n)
{
  size_t w;

  while (*n && is_space(s, *n, &w)) {
    s += w;
    *n -= w;
  }
  return s;
}

static int
lower(int c)
{
  return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Whether s[0..n) starts with p, ASCII case ignored. */
static int
starts_with(const char *s, size_t n, const char *p)
{
  size_t pl = strlen(p);

  if (pl > n)
    return 0;
  for (size_t i = 0; i < pl; i++)
    if (lower((unsigned char)s[i]) != lower((unsigned char)p[i]))
      return 0;
  return 1;
}

static int
ends_with(const char *s, size_t n, const char *p)
{
  size_t pl = strlen(p);

  return pl <= n && starts_with(s + n - pl, pl, p);
}

/* Whether the byte at s[i] (of n) continues a word: an ASCII letter or
 * digit, or any non-ASCII character but the no-break spaces. */
static int
word_char(const char *s, size_t n, size_t i)
{
  unsigned char c = (unsigned char)s[i];
  size_t w;

  if (c >= 0x80)
    return !is_space(s + i, n - i, &w);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

/* Position of p in s[0..n) as a whole word (not inside a longer word,
 * like "overwrote" or "beschrieb"), ASCII case ignored; NULL when
 * absent. */
static const char *
find_word(const char *s, size_t n, const char *p)
{
  size_t pl = strlen(p);

  for (size_t i = 0; i + pl <= n; i++) {
    if (!starts_with(s + i, n - i, p))
      continue;
    /* Before it: ASCII that is no letter or digit, or the last byte of
     * a no-break space (0xA0, 0xAF), which ends no letter of the verbs'
     * languages. */
    if (i > 0) {
      unsigned char b = (unsigned char)s[i - 1];

      if (b < 0x80 ? word_char(s, n, i - 1) : b != 0xA0 && b != 0xAF)
        continue;
    }
    if (i + pl < n && word_char(s, n, i + pl))
      continue;
    return s + i;
  }
  return NULL;
}

static const char *
find_sub(const char *s, size_t n, const char *p)
{
  size_t pl = strlen(p);

  if (!pl)
    return NULL;
  for (size_t i = 0; i + pl <= n; i++)
    if (s[i] == p[0] && memcmp(s + i, p, pl) == 0)
      return s + i;
  return NULL;
}

static int
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

static int
is_alnum(char c)
{
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether the text holds a time ("10:00"), a year ("2026") or a numeric
 * date ("23/11/2026", "23.11.26"): every attribution line names when the
 * quoted mail was written, and prose that starts with "On" rarely does. */
static int
has_date(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    size_t d = 0;

    if (!is_digit(s[i]) || (i && is_digit(s[i - 1])))
      continue;
    while (i + d < n && is_digit(s[i + d]))
      d++;
    if (d == 4 && (s[i] == '1' || s[i] == '2'))
      return 1;
    if (d <= 2 && i + d + 2 < n &&
        (s[i + d] == ':' || s[i + d] == '/' || s[i + d] == '.') &&
        is_digit(s[i + d + 1]) && is_digit(s[i + d + 2]))
      return 1;
  }
  return 0;
}

/* ---- what lines are ---------------------------------------------------- */

/* Counts the quote marks at the start of a line ("> > x", ">>x", " > x")
 * and sets *body to what follows them and one space. 0 when unquoted. */
static int
quote_depth(const char *s, size_t n, const char **body, size_t *body_len)
{
  size_t i = 0;
  int depth = 0;

  /* A few leading spaces are how some programs indent a quote. */
  while (i < n && i < 3 && s[i] == ' ')
    i++;
  if (i >= n || s[i] != '>')
    return 0;
  while (i < n && s[i] == '>') {
    depth++;
    i++;
    if (i < n && s[i] == ' ' && i + 1 < n && s[i + 1] == '>')
      i++;
  }
  if (i < n && s[i] == ' ')
    i++;
  *body = s + i;
  *body_len = n - i;
  return depth;
}

static int
is_quoted(const struct line *l)
{
  const char *b;
  size_t bl;

  return quote_depth(l->s, l->len, &b, &bl) > 0;
}

/* The text of a quoted line without its quote marks (nested ones too)
 * and surrounding white space. */
static const char *
quoted_text(const struct line *l, size_t *n)
{
  const char *b = l->body;

  *n = l->body_len;
  b = ltrim(b, n);
  while (*n && *b == '>') {
    b++;
    (*n)--;
    b = ltrim(b, n);
  }
  return b;
}

/* The words that open an attribution ("On", "Le", "Am", "El", "Il", "Op",
 * "Em") and the verbs that say who wrote ("wrote", "a écrit", "schrieb",
 * "escribió", "ha scritto", "schreef", "escreveu"). */
static const char *const attr_leads[] = {"on", "le", "am",  "el", "il",
                                         "op", "em", "den", NULL};
static const char *const attr_verbs[] = {"wrote",
                                         "writes",
                                         "a \xC3\xA9"
                                         "crit",
                                         "schrieb",
                                         "escribi\xC3\xB3",
                                         "escribio",
                                         "ha scritto",
                                         "scrisse",
                                         "schreef",
                                         "escreveu",
                                         "skrev",
                                         "napisa\xC5\x82",
                                         NULL};

static int
has_lead(const char *s, size_t n)
{
  size_t wl = 0;

  while (wl < n && s[wl] != ' ' && s[wl] != ',')
    wl++;
  for (size_t i = 0; attr_leads[i]; i++)
    if (strlen(attr_leads[i]) == wl && starts_with(s, n, attr_leads[i]))
      return 1;
  return 0;
}

/* Whether s[0..n) (trimmed) is an attribution line: it ends with ':',
 * names the writer with one of the verbs, and either opens with one of
 * the lead words and gives a date, or names an address ("X <x@y> wrote:",
 * as some programs write it without a date). */
static int
is_attribution(const char *s, size_t n)
{
  int verb = 0;

  if (n < 8 || n > ATTR_MAX || s[n - 1] != ':')
    return 0;
  for (size_t i = 0; attr_verbs[i] && !verb; i++)
    if (find_word(s, n, attr_verbs[i]))
      verb = 1;
  if (!verb)
    return 0;
  if (has_lead(s, n) && has_date(s, n))
    return 1;
  return memchr(s, '@', n) != NULL;
}

/* One-line signatures that phones and Outlook add: a prefix, and a
 * suffix the line must end with when the prefix alone could start a
 * sentence ("Von meinem Standpunkt aus ..."). */
static const struct {
  const char *prefix;
  const char *suffix;
} mobile_sigs[] = {
    {"Sent from my ", NULL},
    {"Sent from Mail for Windows", NULL},
    {"Sent from Mail<", NULL},
    {"Sent from Outlook", NULL},
    {"Sent from Yahoo Mail", NULL},
    {"Sent from ProtonMail", NULL},
    {"Sent with Proton Mail", NULL},
    {"Sent via ", "Android"},
    {"Sent via ", "iPhone"},
    {"Get Outlook for ", NULL},
    {"Envoy\xC3\xA9 de mon ", NULL},
    {"Envoy\xC3\xA9 depuis mon ", NULL},
    {"Envoy\xC3\xA9 \xC3\xA0 partir de ", NULL},
    {"Envoy\xC3\xA9 de Outlook", NULL},
    {"Obtenir Outlook pour ", NULL},
    {"T\xC3\xA9l\xC3\xA9"
     "charger Outlook pour ",
     NULL},
    {"Von meinem ", "gesendet"},
    {"Von meinem ", "gesendet."},
    {"Gesendet von meinem ", NULL},
    {"Gesendet von Mail f\xC3\xBCr Windows", NULL},
    {"Gesendet von Outlook", NULL},
    {"Holen Sie sich Outlook f\xC3\xBCr ", NULL},
    {"Outlook f\xC3\xBCr ", "beziehen"},
    {"Enviado desde mi ", NULL},
    {"Enviado desde Outlook", NULL},
    {"Obtener Outlook para ", NULL},
    {"Enviado do meu ", NULL},
    {"Enviado de meu ", NULL},
    {"Enviado do Outlook", NULL},
    {"Inviato da iPhone", NULL},
    {"Inviato dal mio ", NULL},
    {"Inviato da Outlook", NULL},
    {"Scarica Outlook per ", NULL},
    {"Verzonden vanaf mijn ", NULL},
    {"Verstuurd vanaf mijn ", NULL},
    {"Verzonden met ", "Outlook"},
    {"Download Outlook voor ", NULL},
};

static int
is_mobile_sig(const char *s, size_t n)
{
  if (n > MOBILE_MAX)
    return 0;
  for (size_t i = 0; i < sizeof(mobile_sigs) / sizeof(mobile_sigs[0]); i++)
    if (starts_with(s, n, mobile_sigs[i].prefix) &&
        (!mobile_sigs[i].suffix || ends_with(s, n, mobile_sigs[i].suffix)))
      return 1;
  return 0;
}

/* "-- " (RFC 3676), and "--" for programs that strip trailing spaces. */
static int
is_sig_delim(const char *s, size_t n)
{
  return n == 2 && s[0] == '-' && s[1] == '-';
}

/* A line of one repeated character ("=====", "-----", "_____"): our own
 * digests separate items and the footer with one; Outlook puts one above
 * its header block. */
static int
is_rule(const char *s, size_t n)
{
  if (n < 10 || (s[0] != '=' && s[0] != '-' && s[0] != '_'))
    return 0;
  for (size_t i = 1; i < n; i++)
    if (s[i] != s[0])
      return 0;
  return 1;
}

/* "-----Original Message-----" and its translations, and the phones'
 * "-------- Original message --------": an unquoted copy of the earlier
 * mail follows. */
static int
is_original_sep(const char *s, size_t n)
{
  static const char *const names[] = {"original message",
                                      "urspr\xC3\xBCngliche nachricht",
                                      "original-nachricht",
                                      "originalnachricht",
                                      "message d'origine",
                                      "message d\xE2\x80\x99origine",
                                      "message original",
                                      "mensaje original",
                                      "messaggio originale",
                                      "messaggio originale.",
                                      "oorspronkelijk bericht",
                                      "origineel bericht",
                                      "mensagem original",
                                      "forwarded message",
                                      "weitergeleitete nachricht",
                                      "message transf\xC3\xA9r\xC3\xA9",
                                      "mensaje reenviado",
                                      "messaggio inoltrato",
                                      "doorgestuurd bericht",
                                      "mensagem encaminhada",
                                      NULL};
  size_t a = 0, b = n;

  while (a < n && s[a] == '-')
    a++;
  while (b > a && s[b - 1] == '-')
    b--;
  if (a < 2 || n - b < 2)
    return 0;
  s += a;
  n = b - a;
  s = ltrim(s, &n);
  n = rtrim(s, n);
  for (size_t i = 0; names[i]; i++)
    if (strlen(names[i]) == n && starts_with(s, n, names[i]))
      return 1;
  return 0;
}

enum hdr { H_NONE, H_FROM, H_SENT, H_TO, H_SUBJECT, H_OTHER };

/* The field names of the header block Outlook (and Gmail when
 * forwarding) writes above an unquoted copy of the earlier mail, in the
 * languages we serve. */
static const struct {
  const char *name;
  enum hdr h;
} hdr_names[] = {
    {"from", H_FROM},
    {"von", H_FROM},
    {"de", H_FROM},
    {"van", H_FROM},
    {"da", H_FROM},
    {"sent", H_SENT},
    {"date", H_SENT},
    {"gesendet", H_SENT},
    {"datum", H_SENT},
    {"envoy\xC3\xA9", H_SENT},
    {"verzonden", H_SENT},
    {"enviado", H_SENT},
    {"enviada", H_SENT},
    {"inviato", H_SENT},
    {"data", H_SENT},
    {"fecha", H_SENT},
    {"to", H_TO},
    {"an", H_TO},
    {"\xC3\xA0", H_TO},
    {"\xC3\x80", H_TO},
    {"a", H_TO},
    {"aan", H_TO},
    {"para", H_TO},
    {"cc", H_OTHER},
    {"bcc", H_OTHER},
    {"importance", H_OTHER},
    {"wichtigkeit", H_OTHER},
    {"reply-to", H_OTHER},
    {"subject", H_SUBJECT},
    {"betreff", H_SUBJECT},
    {"objet", H_SUBJECT},
    {"onderwerp", H_SUBJECT},
    {"asunto", H_SUBJECT},
    {"oggetto", H_SUBJECT},
    {"assunto", H_SUBJECT},
};

/* The field a line names ("From: ...", "De : ...", "*Sent:* ..."). */
static enum hdr
header_field(const char *s, size_t n)
{
  size_t i = 0, end, w;

  if (i < n && s[i] == '*')
    i++;
  end = i;
  while (end < n && s[end] != ':' && s[end] != ' ' && s[end] != '*' &&
         !is_space(s + end, n - end, &w))
    end++;
  if (end == i)
    return H_NONE;
  {
    size_t j = end;

    while (j < n && is_space(s + j, n - j, &w))
      j += w;
    if (j >= n || s[j] != ':')
      return H_NONE;
  }
  for (size_t k = 0; k < sizeof(hdr_names) / sizeof(hdr_names[0]); k++)
    if (strlen(hdr_names[k].name) == end - i &&
        starts_with(s + i, end - i, hdr_names[k].name))
      return hdr_names[k].h;
  return H_NONE;
}

/* Whether an Outlook header block starts at line i: consecutive field
 * lines naming the sender, the subject, and the date or the recipient.
 * Blank lines between them (from HTML paragraphs) and phone signatures
 * do not count, so that removing those never makes a block appear. */
static int
header_block_at(const struct lines *L, size_t i)
{
  unsigned seen = 0;
  size_t fields = 0;

  for (size_t j = i; j < L->n && fields < HEADER_FIELDS; j++) {
    const struct line *l = &L->v[j];
    size_t n = l->len;
    const char *s = ltrim(l->s, &n);
    enum hdr h;

    if (n == 0)
      continue;
    if (is_quoted(l))
      break;
    h = header_field(s, n);
    if (h == H_NONE && is_mobile_sig(s, n))
      continue;
    if (h == H_NONE)
      break;
    seen |= 1u << h;
    fields++;
  }
  return (seen & (1u << H_FROM)) && (seen & (1u << H_SUBJECT)) &&
         (seen & ((1u << H_SENT) | (1u << H_TO)));
}

/* ---- classification ---------------------------------------------------- */

static enum sm_status
split_lines(const char *text, struct lines *L)
{
  size_t n = 1, k = 0;
  const char *p;

  for (p = text; *p; p++)
    if (*p == '\n')
      n++;
  L->v = calloc(n, sizeof(*L->v));
  if (!L->v)
    return SM_ERR_NOMEM;
  for (p = text;;) {
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p) : strlen(p);

    if (!e && len == 0 && k > 0)
      break; /* the text ended with a newline */
    L->v[k].s = p;
    L->v[k].len = rtrim(p, len);
    k++;
    if (!e)
      break;
    p = e + 1;
  }
  L->n = k;
  return SM_OK;
}

/* How many of the lines idx[0..cnt) (the last unquoted lines before a
 * quote, in order) form an attribution at their end; 0 when none. Gmail
 * wraps a long one ("On Mon, 23 Nov 2026 at 10:00, Name <" /
 * "name@example.org> wrote:"), so up to three lines are joined; the
 * longest match wins. */
static size_t
attribution_tail(const struct lines *L, const size_t *idx, size_t cnt)
{
  for (size_t from = 0; from < cnt; from++) {
    char joined[ATTR_MAX + 1];
    size_t jl = 0, k;

    for (k = from; k < cnt; k++) {
      const struct line *l = &L->v[idx[k]];
      size_t n = l->len;
      const char *s = ltrim(l->s, &n);

      if (k == from && !has_lead(s, n) && !memchr(s, '@', n))
        break;
      /* A line opening with a lead word starts an attribution of its
       * own: the reader's line above it ("Le papier montre ...") is not
       * the start of a wrapped one. */
      if (k > from && has_lead(s, n))
        break;
      if (jl + (k > from) + n > ATTR_MAX)
        break;
      if (k > from)
        joined[jl++] = ' ';
      memcpy(joined + jl, s, n);
      jl += n;
    }
    if (k == cnt && is_attribution(joined, jl))
      return cnt - from;
  }
  return 0;
}

/* Drops the attribution that ends a run of the reader's lines when a
 * quote or nothing follows the run (blank and dropped lines aside): an
 * attribution always introduces a quote, unless the reader deleted the
 * quote and left its attribution. Done after the rest is classified, so
 * that a signature or our footer between the two changes nothing. */
static void
drop_attributions(struct lines *L)
{
  for (size_t i = 0; i < L->n && L->v[i].kind != K_CUT; i++) {
    size_t idx[3], cnt = 0, j, span;

    if (L->v[i].kind != K_TEXT)
      continue;
    for (j = i + 1; j < L->n && L->v[j].kind == K_DROP; j++)
      ;
    if (j < L->n && L->v[j].kind == K_TEXT)
      continue; /* not the end of its run */
    for (; j < L->n && (L->v[j].kind == K_BLANK || L->v[j].kind == K_DROP);
         j++)
      ;
    if (j < L->n && L->v[j].kind != K_QUOTE)
      continue;
    for (j = i + 1; j > 0 && cnt < 3; j--) {
      enum kind k = L->v[j - 1].kind;

      if (k == K_TEXT)
        idx[cnt++] = j - 1;
      else if (k != K_DROP)
        break;
    }
    for (size_t a = 0; a < cnt / 2; a++) { /* into text order */
      size_t t = idx[a];

      idx[a] = idx[cnt - 1 - a];
      idx[cnt - 1 - a] = t;
    }
    span = attribution_tail(L, idx, cnt);
    for (size_t a = cnt - span; a < cnt; a++)
      L->v[idx[a]].kind = K_DROP;
    if (span)
      L->cited = 1;
  }
}

/* Marks the unquoted lines before i that are blank or rules (the rule
 * above our footer or above an Outlook header block) as dropped. */
static void
drop_rules_before(struct lines *L, size_t i)
{
  while (i > 0) {
    struct line *l = &L->v[i - 1];

    if (l->kind == K_BLANK || (l->kind == K_TEXT && is_rule(l->s, l->len))) {
      if (l->kind == K_TEXT)
        l->kind = K_DROP;
      i--;
      continue;
    }
    break;
  }
}

static void
classify(struct lines *L, const char *footer)
{
  int in_sig = 0, in_footer = 0; /* dropping until the next quote */
  int q_footer = 0, q_sig = 0;   /* inside a quoted footer, signature */
  int have_footer = footer && *footer;

  for (size_t i = 0; i < L->n; i++) {
    struct line *l = &L->v[i];
    size_t n = l->len;
    const char *s = ltrim(l->s, &n);

    l->depth = quote_depth(l->s, l->len, &l->body, &l->body_len);
    if (l->depth) {
      size_t bl;
      const char *b = quoted_text(l, &bl);

      l->kind = K_QUOTE;
      in_sig = in_footer = 0;
      if (have_footer && find_sub(b, bl, footer))
        q_footer = 1;
      if (is_sig_delim(b, bl))
        q_sig = 1;
      l->no_context = q_footer || q_sig || is_rule(b, bl) ||
                      is_attribution(b, bl) || is_mobile_sig(b, bl);
      continue;
    }
    q_footer = q_sig = 0;
    if (n == 0) {
      l->kind = K_BLANK;
      continue;
    }
    if (is_original_sep(s, n) || header_block_at(L, i)) {
      L->cited = 1;
      for (size_t j = i; j < L->n; j++)
        L->v[j].kind = K_CUT;
      drop_rules_before(L, i);
      break;
    }
    if (in_sig || in_footer) {
      l->kind = K_DROP;
      continue;
    }
    if (is_sig_delim(s, n)) {
      l->kind = K_DROP;
      in_sig = 1;
      continue;
    }
    if (is_mobile_sig(s, n)) {
      l->kind = K_DROP;
      continue;
    }
    if (have_footer && find_sub(s, n, footer)) {
      l->kind = K_DROP;
      in_footer = 1;
      drop_rules_before(L, i);
      continue;
    }
    l->kind = K_TEXT;
  }
  drop_attributions(L);
}

static enum sm_status
prepare(const char *text, const char *footer, struct lines *L)
{
  enum sm_status st;
  size_t len = strlen(text);

  memset(L, 0, sizeof(*L));
  if (len > REPLY_MAX_INPUT)
    return SM_ERR_LIMIT;
  if (!util_utf8_valid(text, len))
    return SM_ERR_DATA;
  st = split_lines(text, L);
  if (st == SM_OK)
    classify(L, footer);
  return st;
}

/* ---- assembly ---------------------------------------------------------- */

/* Writes lines, holding back blank lines until text follows them so that
 * the comment neither starts nor ends with one. */
struct emit {
  struct buf *out;
  size_t blanks;
  int started;
  enum sm_status st;
};

static void
emit_blank(struct emit *e, size_t n)
{
  if (e->started && e->blanks < n)
    e->blanks = n;
}

static void
emit_line(struct emit *e, const char *prefix, const char *s, size_t n)
{
  if (e->st != SM_OK)
    return;
  if (n == 0 && !*prefix) {
    if (e->started)
      e->blanks++;
    return;
  }
  if (e->blanks > MAX_BLANKS)
    e->blanks = MAX_BLANKS;
  for (; e->blanks && e->st == SM_OK; e->blanks--)
    e->st = buf_putc(e->out, '\n');
  if (e->st == SM_OK)
    e->st = buf_puts(e->out, prefix);
  if (e->st == SM_OK)
    e->st = buf_append(e->out, s, n);
  if (e->st == SM_OK)
    e->st = buf_putc(e->out, '\n');
  e->started = 1;
}

/* A block: lines [a, b) that are all K_TEXT/K_BLANK (an answer) or all
 * K_QUOTE/K_BLANK (a quote). */
struct block {
  size_t a, b;
  int quote;
};

/* Groups the kept lines into alternating answer and quote blocks; dropped
 * lines vanish and blank lines between quotes belong to the quote. */
static size_t
make_blocks(const struct lines *L, struct block *bl)
{
  size_t nb = 0, end = 0;

  while (end < L->n && L->v[end].kind != K_CUT)
    end++;
  for (size_t i = 0; i < end;) {
    size_t j;
    int quote;

    if (L->v[i].kind == K_DROP || L->v[i].kind == K_BLANK) {
      i++;
      continue;
    }
    quote = L->v[i].kind == K_QUOTE;
    j = i + 1;
    for (size_t k = j; k < end; k++) {
      enum kind kk = L->v[k].kind;

      if (kk == K_BLANK || kk == K_DROP)
        continue;
      if ((kk == K_QUOTE) != quote)
        break;
      j = k + 1;
    }
    bl[nb].a = i;
    bl[nb].b = j;
    bl[nb].quote = quote;
    nb++;
    i = j;
  }
  return nb;
}

/* Whether a line can be shown as context: quoted text of the earlier
 * mail, not blank. */
static int
context_line(const struct line *l)
{
  size_t n;

  if (l->kind != K_QUOTE || l->no_context)
    return 0;
  quoted_text(l, &n);
  return n > 0;
}

/* The context of an inline answer: the last lines (at most
 * CONTEXT_LINES) of the last quoted paragraph of quote block q. */
static void
emit_context(struct emit *e, const struct lines *L, const struct block *q)
{
  size_t last = q->b, first;

  /* Back over blank quoted lines and lines that are not the text of the
   * quoted mail (its attribution, signature or footer). */
  while (last > q->a && !context_line(&L->v[last - 1]))
    last--;
  first = last;
  while (first > q->a && last - first < CONTEXT_LINES &&
         context_line(&L->v[first - 1]))
    first--;
  for (size_t i = first; i < last; i++) {
    const struct line *l = &L->v[i];
    size_t n;
    const char *b = quoted_text(l, &n);
    char prefix[2 * CONTEXT_DEPTH + 1];
    size_t pl = 0;

    /* Quote marks are written out again as "> " per level (nested ones
     * "> > "), whatever their spacing was. */
    for (int d = 0; d < l->depth && d < CONTEXT_DEPTH; d++) {
      prefix[pl++] = '>';
      prefix[pl++] = ' ';
    }
    prefix[pl] = '\0';
    emit_line(e, prefix, b, n);
  }
  emit_blank(e, 1);
}

static void
emit_answer(struct emit *e, const struct lines *L, const struct block *t)
{
  for (size_t i = t->a; i < t->b; i++) {
    const struct line *l = &L->v[i];

    if (l->kind == K_TEXT)
      emit_line(e, "", l->s, l->len);
    else if (l->kind == K_BLANK)
      emit_line(e, "", "", 0);
  }
}

static int
had_quote(const struct lines *L)
{
  if (L->cited)
    return 1;
  for (size_t i = 0; i < L->n; i++)
    if (L->v[i].kind == K_QUOTE)
      return 1;
  return 0;
}

enum sm_status
reply_extract(const char *text, const char *footer_marker, struct buf *out,
              struct reply_info *info)
{
  struct reply_info dummy;
  struct lines L;
  struct block *bl = NULL;
  struct emit e = {out, 0, 0, SM_OK};
  size_t nb, nanswers = 0, first_answer = 0;
  int top, inl;
  enum sm_status st;

  if (!info)
    info = &dummy;
  memset(info, 0, sizeof(*info));
  st = prepare(text, footer_marker, &L);
  if (st != SM_OK)
    goto done;
  bl = calloc(L.n + 1, sizeof(*bl));
  if (!bl) {
    st = SM_ERR_NOMEM;
    goto done;
  }
  nb = make_blocks(&L, bl);
  info->had_quote = had_quote(&L);
  top = nb > 0 && !bl[0].quote;
  for (size_t k = 1; k < nb; k++)
    if (!bl[k].quote && bl[k - 1].quote) {
      if (!nanswers)
        first_answer = k;
      nanswers++;
    }
  /* Interleaved: more than one answer, or an answer with more quote
   * below it or text above the quote. A single answer under the whole
   * quote is bottom posting: a comment like any other, whose context
   * would only be the end of the quoted mail. */
  inl = nanswers > 1 || (nanswers == 1 && (first_answer + 1 < nb || top));
  if (top)
    emit_answer(&e, &L, &bl[0]);
  for (size_t k = 1; k < nb; k++) {
    if (bl[k].quote)
      continue;
    if (inl) {
      emit_blank(&e, 1);
      emit_context(&e, &L, &bl[k - 1]);
    }
    emit_answer(&e, &L, &bl[k]);
    if (inl)
      info->inline_answers++;
  }
  st = e.st;
  info->was_empty = !e.started;
done:
  free(bl);
  free(L.v);
  return st;
}

/* ---- replies to a whole digest ---------------------------------------- */

/* Copies s[0..n) into dst with runs of white space as one space, ASCII
 * lower-cased, trimmed; returns the length (dst holds at most cap). */
static size_t
fold(const char *s, size_t n, char *dst, size_t cap)
{
  size_t o = 0, w;
  int space = 0;

  s = ltrim(s, &n);
  n = rtrim(s, n);
  for (size_t i = 0; i < n && o < cap;) {
    if (is_space(s + i, n - i, &w) || s[i] == '\n') {
      space = 1;
      i += s[i] == '\n' ? 1 : w;
      continue;
    }
    if (space && o < cap)
      dst[o++] = ' ';
    space = 0;
    if (o < cap)
      dst[o++] = (char)lower((unsigned char)s[i]);
    i++;
  }
  return o;
}

/* Which title a quoted line shows, -1 for none. The line must start
 * with the title (after a little decoration: "* ", "## ", "[1] "), as a
 * heading does: a summary that names another paper in its text does not
 * start an item. What may follow is the link some programs append
 * ("Title <https://...>"). A long title wrapped over several lines is
 * recognised by its first line. */
static int
title_at(const char *t, size_t tl, const char *title, size_t len)
{
  if (len <= tl && memcmp(t, title, len) == 0)
    return len == tl || !is_alnum(t[len]);
  return tl >= TITLE_WRAP_MIN && tl < len && memcmp(title, t, tl) == 0 &&
         title[tl] == ' ';
}

static long
match_title(const char *s, size_t n, char *const *ft, const size_t *fl,
            size_t nt, char *scratch)
{
  size_t sl = fold(s, n, scratch, n), best_len = 0, skip = 0;
  long best = -1;

  while (skip < sl && skip < TITLE_DECORATION && !(scratch[skip] & 0x80) &&
         !is_alnum(scratch[skip]))
    skip++;
  for (size_t k = 0; k < nt; k++) {
    if (fl[k] <= best_len)
      continue;
    /* A title may itself start with punctuation: try both places. */
    if (title_at(scratch, sl, ft[k], fl[k]) ||
        title_at(scratch + skip, sl - skip, ft[k], fl[k])) {
      best = (long)k;
      best_len = fl[k];
    }
  }
  return best;
}

enum sm_status
reply_quoted_heading(const char *text, const char *footer_marker,
                     const char *const *titles, size_t n, size_t *which)
{
  struct lines L;
  char **ft = NULL, *scratch = NULL;
  size_t *fl = NULL;
  long cur = -1, found = -1;
  int stray = 0;
  enum sm_status st;

  if (!which || (n && !titles))
    return SM_ERR_INTERNAL;
  st = prepare(text, footer_marker, &L);
  if (st != SM_OK)
    goto done;
  ft = calloc(n + 1, sizeof(*ft));
  fl = calloc(n + 1, sizeof(*fl));
  scratch = malloc(strlen(text) + 1);
  if (!ft || !fl || !scratch) {
    st = SM_ERR_NOMEM;
    goto done;
  }
  for (size_t k = 0; k < n; k++) {
    size_t tl = titles[k] ? strlen(titles[k]) : 0;

    if (!(ft[k] = malloc(tl + 1))) {
      st = SM_ERR_NOMEM;
      goto done;
    }
    fl[k] = tl ? fold(titles[k], tl, ft[k], tl) : 0;
    ft[k][fl[k]] = '\0';
  }
  for (size_t i = 0; i < L.n && L.v[i].kind != K_CUT; i++) {
    const struct line *l = &L.v[i];

    if (l->kind == K_QUOTE) {
      size_t bl;
      const char *b = quoted_text(l, &bl);
      long t;

      /* Only our item separator ("=====") ends an item: a summary's own
       * headings come underlined with "-----" in the digest's text. */
      if ((is_rule(b, bl) && b[0] == '=') ||
          (footer_marker && *footer_marker && find_sub(b, bl, footer_marker)))
        cur = -1;
      else if ((t = match_title(b, bl, ft, fl, n, scratch)) >= 0)
        cur = t;
    } else if (l->kind == K_TEXT) {
      if (cur < 0)
        stray = 1;
      else if (found < 0)
        found = cur;
      else if (found != cur)
        stray = 1;
    }
  }
  if (found < 0 || stray)
    st = SM_ERR_NOTFOUND;
  else
    *which = (size_t)found;
done:
  if (ft)
    for (size_t k = 0; k < n; k++)
      free(ft[k]);
  free(ft);
  free(fl);
  free(scratch);
  free(L.v);
  return st;
}
