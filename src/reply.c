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
/* Lines an attribution may be wrapped over ("On ..., Ann <" /
 * "mailto:ann@example.org" / "> wrote:"). */
#define ATTR_LINES 5
#define MOBILE_MAX 160
/* Words an app's footer with a comma in it may have. */
#define MOBILE_COMMA_WORDS 8
/* Quoted lines kept as context before each inline answer. */
#define CONTEXT_LINES 3
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
  int weak;       /* K_DROP: a phone signature, the reader's text after all
                     when more of it follows */
  int tail;       /* "> wrote:" under an unquoted line: the end of a wrapped
                     attribution, or else a quote */
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

/* The code point at s[0..n) and its length in bytes (1 for a byte
 * that starts no valid sequence: the text is valid UTF-8 anyway). */
static size_t
code_point(const char *s, size_t n, unsigned *cp)
{
  uint32_t c;
  size_t k = util_utf8_decode(s, n, &c);

  *cp = k ? c : (unsigned char)s[0];
  return k ? k : 1;
}

/* The lower case of the capitals of the scripts in our tables (Latin
 * with its accents, Greek, Cyrillic, Vietnamese), each of which has the
 * same UTF-8 length as its small letter. */
static unsigned
cp_lower(unsigned c)
{
  if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
      (c >= 0x391 && c <= 0x3A9) || (c >= 0x410 && c <= 0x42F))
    return c + 0x20;
  if (c >= 0x400 && c <= 0x40F)
    return c + 0x50;
  /* Latin Extended-A and Additional: pairs of capital and small. */
  if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177) ||
      (c >= 0x1E00 && c <= 0x1EFF))
    return c | 1u;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
    return c + (c & 1u);
  return c;
}

/* Whether s[0..n) starts with p, case ignored (cp_lower). */
static int
starts_with(const char *s, size_t n, const char *p)
{
  size_t pl = strlen(p), i = 0;

  if (pl > n)
    return 0;
  while (i < pl) {
    unsigned a, b;
    size_t wa = code_point(s + i, n - i, &a),
           wb = code_point(p + i, pl - i, &b);

    if (wa != wb || cp_lower(a) != cp_lower(b))
      return 0;
    i += wa;
  }
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

/* How a text names a time: 2 for a time ("10:00", "3:52") or a numeric
 * date ("23/11/2026", "23.11.26", "2026-11-23", "2011/4/7"), 1 for a
 * year alone ("2026"), 0 for neither. Every attribution says when the
 * quoted mail was written; prose rarely gives a numeric date. */
static int
date_strength(const char *s, size_t n)
{
  int best = 0;

  for (size_t i = 0; i < n; i++) {
    size_t d = 0;

    if (!is_digit(s[i]) || (i && is_digit(s[i - 1])))
      continue;
    while (i + d < n && is_digit(s[i + d]))
      d++;
    if (d <= 4 && i + d + 1 < n &&
        (s[i + d] == ':' || s[i + d] == '/' || s[i + d] == '.' ||
         s[i + d] == '-') &&
        is_digit(s[i + d + 1]))
      return 2;
    if (d == 4 && (s[i] == '1' || s[i] == '2'))
      best = 1;
  }
  return best;
}

/* Whether the text holds a time of day ("10:00", "3:52 PM"). */
static int
has_time(const char *s, size_t n)
{
  for (size_t i = 0; i + 3 < n; i++)
    if (is_digit(s[i]) && s[i + 1] == ':' && is_digit(s[i + 2]) &&
        is_digit(s[i + 3]) && (i + 4 == n || !is_digit(s[i + 4])))
      return 1;
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
  /* "&gt;" is a quote mark that a careless HTML-to-text step left
   * escaped. */
  while (i < n) {
    if (s[i] == '>')
      i++;
    else if (n - i >= 4 && memcmp(s + i, "&gt;", 4) == 0)
      i += 4;
    else
      break;
    depth++;
    if (i + 1 < n && s[i] == ' ' && (s[i + 1] == '>' || s[i + 1] == '&'))
      i++;
  }
  if (!depth)
    return 0;
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

/* ---- the phrases of mail programs, per language -------------------------
 *
 * The tables below are the whole of what the extractor knows about
 * languages: adding one is adding its words here. Strings are UTF-8;
 * ASCII letters match in any case. */

/* The words an attribution opens with, before the date ("On", "Le",
 * "Am", "W dniu", "在" ...). Such a line must still name a writer and a
 * date to count. */
static const char *const attr_leads[] = {
    "on",  "le",  "am",   "el", "il", "op", "em",   "den",
    "dne", "w",   "dnia", "på", "at", "in", "vào",  "pada",
    "på",  "lúc", "dana", "在", "于", "於", "ngày", "u",
    "o",   "kl.", "v",    "в",  "у",  "во", NULL};

/* The verbs that say who wrote, in every language we know ("wrote",
 * "a écrit", "schrieb", "napisał(a)", "写道", "작성"...). Most must be
 * whole words; the `cjk` ones are matched anywhere, as those languages
 * do not separate words with spaces. */
static const struct {
  const char *verb;
  int cjk;
} attr_verbs[] = {
    {"wrote", 0},
    {"writes", 0},
    {"sent", 0},
    {"a écrit", 0},
    {"écrit", 0},
    {"schrieb", 0},
    {"geschrieben", 0},
    {"escribió", 0},
    {"escribio", 0},
    {"ha scritto", 0},
    {"scritto", 0},
    {"scrisse", 0},
    {"schreef", 0},
    {"escreveu", 0},
    {"skrev", 0},
    {"kirjoitti", 0},
    {"napisał", 0},
    {"napisała", 0},
    {"pisze", 0},
    {"napsal", 0},
    {"napsala", 0},
    {"napísal", 0},
    {"napísala", 0},
    {"написал", 0},
    {"написала", 0},
    {"написав", 0},
    {"пишет", 0},
    {"пише", 0},
    {"писал", 0},
    {"đã viết", 0},
    {"viết", 0},
    {"yazdı", 0},
    {"írta", 0},
    {"a scris", 0},
    {"va escriure", 0},
    {"menulis", 0},
    {"كتب", 0},
    {"כתב", 0},
    {"je napisao", 0},
    {"je napisal", 0},
    {"ने लिखा", 0},
    {"napisao", 0},
    {"napisala", 0},
    {"έγραψε", 0},
    {"geschreven", 0},
    {"napisana", 0},
    {"napisał(-a)", 0},
    {"написав(ла)", 0},
    {"написал(-а)", 0},
    {"şunu yazdı", 0},
    {"쓴 글", 1},
    {"のメッセージ", 1},
    {"さんは書きました", 1},
    {"写道", 1},
    {"寫道", 1},
    {"작성", 1},
    {"님이 작성", 1},
};

/* One-line signatures that phones, apps and Outlook add: a prefix, and
 * a suffix the line must end with when the prefix alone could start a
 * sentence ("Von meinem Standpunkt aus ..."). They are dropped only at
 * the end of a run of the reader's text. */
static const struct {
  const char *prefix;
  const char *suffix;
} mobile_sigs[] = {
    /* English */
    {"Sent from my ", NULL},
    {"Sent from Mail for Windows", NULL},
    {"Sent from Mail<", NULL},
    {"Sent from Outlook", NULL},
    {"Sent from Yahoo Mail", NULL},
    {"Sent from ProtonMail", NULL},
    {"Sent from Proton Mail", NULL},
    {"Sent from Yandex", NULL},
    {"Sent from Mail.ru", NULL},
    {"Sent from Samsung", NULL},
    {"Sent from the all new AOL", NULL},
    {"Sent from Gmail Mobile", NULL},
    {"Sent from mobile", NULL},
    {"Sent from phone", NULL},
    {"Sent from iPhone", NULL},
    {"Sent from iPad", NULL},
    {"Sent with Proton Mail", NULL},
    {"Sent with ProtonMail", NULL},
    {"Sent with Airmail", NULL},
    {"Sent with Spark", NULL},
    {"Sent with FairEmail", NULL},
    {"Sent with BlackBerry", NULL},
    {"Sent via ", NULL},
    {"Sent using ", NULL},
    {"Sent on the go", NULL},
    {"Sent from a mobile", NULL},
    {"Get Outlook for ", NULL},
    {"Get BlueMail for ", NULL},
    {"Get the Yahoo Mail app", NULL},
    {"Typed on my ", NULL},
    {"Please excuse my brevity", NULL},
    /* French */
    {"Envoyé de mon ", NULL},
    {"Envoyé depuis ", NULL},
    {"Envoyé à partir de ", NULL},
    {"Envoyé de Outlook", NULL},
    {"Envoyé avec ", NULL},
    {"Envoyé de l'application", NULL},
    {"Obtenir Outlook pour ", NULL},
    {"Télécharger Outlook pour ", NULL},
    {"Téléchargez Outlook pour ", NULL},
    /* German */
    {"Von meinem ", "gesendet"},
    {"Von meinem ", "gesendet."},
    {"Gesendet von meinem ", NULL},
    {"Gesendet von Mail für Windows", NULL},
    {"Gesendet von Outlook", NULL},
    {"Gesendet von iPhone", NULL},
    {"Gesendet mit ", NULL},
    {"Gesendet vom ", NULL},
    {"Gesendet von ", "Mail"},
    {"Holen Sie sich Outlook für ", NULL},
    {"Outlook für ", "beziehen"},
    {"Diese Nachricht wurde von ", "gesendet."},
    {"Diese Nachricht wurde von ", "gesendet"},
    {"Diese Nachricht wurde mit ", "gesendet."},
    {"Diese Nachricht wurde mit ", "gesendet"},
    /* Spanish, Portuguese, Catalan */
    {"Enviado desde mi ", NULL},
    {"Enviado desde ", NULL},
    {"Enviado con ", NULL},
    {"Obtener Outlook para ", NULL},
    {"Enviado do meu ", NULL},
    {"Enviado de meu ", NULL},
    {"Enviado de iPhone", NULL},
    {"Enviado do Outlook", NULL},
    {"Enviado do ", NULL},
    {"Enviado com ", NULL},
    {"Obter o Outlook para ", NULL},
    {"Baixe o Outlook para ", NULL},
    {"Enviat des del ", NULL},
    /* Italian */
    {"Inviato da iPhone", NULL},
    {"Inviato da iPad", NULL},
    {"Inviato dal mio ", NULL},
    {"Inviato da Outlook", NULL},
    {"Inviato da ", "Mail"},
    {"Inviato con ", NULL},
    {"Scarica Outlook per ", NULL},
    /* Dutch */
    {"Verzonden vanaf mijn ", NULL},
    {"Verstuurd vanaf mijn ", NULL},
    {"Verzonden vanaf ", NULL},
    {"Verstuurd vanaf ", NULL},
    {"Verzonden met ", NULL},
    {"Verstuurd met ", NULL},
    {"Download Outlook voor ", NULL},
    /* Danish, Norwegian, Swedish, Finnish */
    {"Sendt fra min ", NULL},
    {"Sendt fra ", NULL},
    {"Sendt med ", NULL},
    {"Skickat från min ", NULL},
    {"Skickat från ", NULL},
    {"Skickat med ", NULL},
    {"Skickades från ", NULL},
    {"Hent Outlook til ", NULL},
    {"Hämta Outlook för ", NULL},
    {"Lähetetty iPhonesta", NULL},
    {"Lähetetty laitteesta", NULL},
    {"Lähetetty ", "sta"},
    {"Lähetetty ", "stä"},
    /* Polish, Czech, Slovak */
    {"Wysłane z mojego ", NULL},
    {"Wysłane z ", NULL},
    {"Wysłano z ", NULL},
    {"Pobierz aplikację Outlook", NULL},
    {"Odesláno z ", NULL},
    {"Odoslané z ", NULL},
    {"Odesláno ze ", NULL},
    /* Russian, Ukrainian */
    {"Отправлено с ", NULL},
    {"Отправлено из ", NULL},
    {"Отправлено через ", NULL},
    {"Отправлено со ", NULL},
    {"Отправлено с моего ", NULL},
    {"Надіслано з ", NULL},
    {"Надіслано із ", NULL},
    {"Надіслано зі ", NULL},
    /* Turkish, Hungarian, Romanian, Greek, Vietnamese, Indonesian */
    {"iPhone'umdan gönderildi", NULL},
    {"iPhone'dan gönderildi", NULL},
    {"Outlook'tan gönderildi", NULL},
    {"iPhone-ról küldve", NULL},
    {"iPhone-ról küldve", NULL},
    {"Trimis de pe ", NULL},
    {"Στάλθηκε από ", NULL},
    {"Gửi từ ", NULL},
    {"Được gửi từ ", NULL},
    {"Dikirim dari ", NULL},
    /* Japanese, Chinese, Korean */
    {"iPhoneから送信", NULL},
    {"iPadから送信", NULL},
    {"Outlook for iOS から送信", NULL},
    {"Android から送信", NULL},
    {"Androidから送信", NULL},
    {"从我的", NULL},
    {"發自我的", NULL},
    {"发自我的", NULL},
    {"寄件者：我的", NULL},
    {"從我的", NULL},
    {"来自我的", NULL},
    {"來自我的", NULL},
    {"내 iPhone에서 보냄", NULL},
    {"내 iPad에서 보냄", NULL},
    {"iPhone에서 보냄", NULL},
    {"Galaxy에서 보냄", NULL},
    {"Samsung Galaxy ", "보냄"},
};

/* The words an Outlook-style header block uses for each field, in the
 * languages of the mail programs that write one (Outlook, Windows Mail,
 * Gmail and phones when forwarding). */
enum hdr { H_NONE, H_FROM, H_SENT, H_TO, H_SUBJECT, H_CC, H_OTHER };

static const struct {
  const char *name;
  enum hdr h;
} hdr_names[] = {
    /* From */
    {"from", H_FROM},
    {"von", H_FROM},
    {"de", H_FROM},
    {"van", H_FROM},
    {"da", H_FROM},
    {"fra", H_FROM},
    {"från", H_FROM},
    {"od", H_FROM},
    {"от", H_FROM},
    {"від", H_FROM},
    {"lähettäjä", H_FROM},
    {"kimden", H_FROM},
    {"feladó", H_FROM},
    {"expéditeur", H_FROM},
    {"afzender", H_FROM},
    {"remetente", H_FROM},
    {"absender", H_FROM},
    {"từ", H_FROM},
    {"από", H_FROM},
    {"差出人", H_FROM},
    {"发件人", H_FROM},
    {"寄件者", H_FROM},
    {"發件人", H_FROM},
    {"من", H_FROM},
    {"מאת", H_FROM},
    {"dari", H_FROM},
    {"de la", H_FROM},
    {"šalje", H_FROM},
    {"보낸 사람", H_FROM},
    {"보낸사람", H_FROM},
    /* Sent, Date */
    {"sent", H_SENT},
    {"date", H_SENT},
    {"sent on", H_SENT},
    {"gesendet", H_SENT},
    {"datum", H_SENT},
    {"envoyé", H_SENT},
    {"envoyé le", H_SENT},
    {"verzonden", H_SENT},
    {"verstuurd", H_SENT},
    {"enviado", H_SENT},
    {"enviado el", H_SENT},
    {"enviada", H_SENT},
    {"enviada em", H_SENT},
    {"enviado em", H_SENT},
    {"inviato", H_SENT},
    {"data", H_SENT},
    {"fecha", H_SENT},
    {"sendt", H_SENT},
    {"skickat", H_SENT},
    {"skickades", H_SENT},
    {"wysłano", H_SENT},
    {"wysłane", H_SENT},
    {"odesláno", H_SENT},
    {"odoslané", H_SENT},
    {"отправлено", H_SENT},
    {"дата", H_SENT},
    {"надіслано", H_SENT},
    {"lähetetty", H_SENT},
    {"päivämäärä", H_SENT},
    {"gönderildi", H_SENT},
    {"tarih", H_SENT},
    {"elküldve", H_SENT},
    {"dátum", H_SENT},
    {"đã gửi", H_SENT},
    {"ngày", H_SENT},
    {"στάλθηκε", H_SENT},
    {"送信日時", H_SENT},
    {"日付", H_SENT},
    {"发送时间", H_SENT},
    {"日期", H_SENT},
    {"傳送時間", H_SENT},
    {"寄件日期", H_SENT},
    {"时间", H_SENT},
    {"تاريخ الإرسال", H_SENT},
    {"أرسل", H_SENT},
    {"נשלח", H_SENT},
    {"dikirim", H_SENT},
    {"trimis", H_SENT},
    {"poslano", H_SENT},
    {"보낸 날짜", H_SENT},
    {"날짜", H_SENT},
    /* To */
    {"to", H_TO},
    {"an", H_TO},
    {"à", H_TO},
    {"À", H_TO},
    {"a", H_TO},
    {"aan", H_TO},
    {"para", H_TO},
    {"til", H_TO},
    {"till", H_TO},
    {"do", H_TO},
    {"komu", H_TO},
    {"кому", H_TO},
    {"vastaanottaja", H_TO},
    {"kime", H_TO},
    {"címzett", H_TO},
    {"destinataire", H_TO},
    {"đến", H_TO},
    {"προς", H_TO},
    {"宛先", H_TO},
    {"收件人", H_TO},
    {"إلى", H_TO},
    {"אל", H_TO},
    {"kepada", H_TO},
    {"către", H_TO},
    {"prima", H_TO},
    {"za", H_TO},
    {"받는 사람", H_TO},
    {"받는사람", H_TO},
    /* Cc */
    {"cc", H_CC},
    {"bcc", H_CC},
    {"kopie", H_CC},
    {"kopia", H_CC},
    {"kopio", H_CC},
    {"копия", H_CC},
    {"копія", H_CC},
    {"másolat", H_CC},
    {"bilgi", H_CC},
    {"抄送", H_CC},
    {"副本", H_CC},
    {"참조", H_CC},
    /* Subject */
    {"subject", H_SUBJECT},
    {"betreff", H_SUBJECT},
    {"objet", H_SUBJECT},
    {"sujet", H_SUBJECT},
    {"onderwerp", H_SUBJECT},
    {"asunto", H_SUBJECT},
    {"oggetto", H_SUBJECT},
    {"assunto", H_SUBJECT},
    {"emne", H_SUBJECT},
    {"ämne", H_SUBJECT},
    {"temat", H_SUBJECT},
    {"тема", H_SUBJECT},
    {"předmět", H_SUBJECT},
    {"predmet", H_SUBJECT},
    {"aihe", H_SUBJECT},
    {"konu", H_SUBJECT},
    {"tárgy", H_SUBJECT},
    {"chủ đề", H_SUBJECT},
    {"θέμα", H_SUBJECT},
    {"件名", H_SUBJECT},
    {"主题", H_SUBJECT},
    {"主旨", H_SUBJECT},
    {"الموضوع", H_SUBJECT},
    {"נושא", H_SUBJECT},
    {"perihal", H_SUBJECT},
    {"subjek", H_SUBJECT},
    {"subiect", H_SUBJECT},
    {"zadeva", H_SUBJECT},
    {"제목", H_SUBJECT},
    /* Fields that may sit among them */
    {"importance", H_OTHER},
    {"wichtigkeit", H_OTHER},
    {"priorität", H_OTHER},
    {"reply-to", H_OTHER},
    {"antwort an", H_OTHER},
    {"répondre à", H_OTHER},
    {"attachments", H_OTHER},
    {"anlagen", H_OTHER},
    {"pièces jointes", H_OTHER},
};

/* The line that announces an unquoted copy of the earlier mail,
 * between dashes ("-----Original Message-----", "---------- Forwarded
 * message ---------", "-------- Message d'origine --------") or on its
 * own ending with ':' (Apple Mail's "Begin forwarded message:"). */
static const char *const original_names[] = {"original message",
                                             "original-nachricht",
                                             "originalnachricht",
                                             "ursprüngliche nachricht",
                                             "message d'origine",
                                             "message d’origine",
                                             "message original",
                                             "mensaje original",
                                             "messaggio originale",
                                             "messaggio originale.",
                                             "oorspronkelijk bericht",
                                             "origineel bericht",
                                             "oorspronkelijke bericht",
                                             "mensagem original",
                                             "missatge original",
                                             "oprindelig meddelelse",
                                             "oprindelig besked",
                                             "opprinnelig melding",
                                             "originalmeddelande",
                                             "ursprungligt meddelande",
                                             "alkuperäinen viesti",
                                             "wiadomość oryginalna",
                                             "oryginalna wiadomość",
                                             "původní zpráva",
                                             "pôvodná správa",
                                             "исходное сообщение",
                                             "оригинальное сообщение",
                                             "исходное письмо",
                                             "початкове повідомлення",
                                             "оригінальне повідомлення",
                                             "orijinal ileti",
                                             "eredeti üzenet",
                                             "mesaj original",
                                             "αρχικό μήνυμα",
                                             "thư gốc",
                                             "tin nhắn gốc",
                                             "原始邮件",
                                             "原始郵件",
                                             "元のメッセージ",
                                             "원본 메시지",
                                             "원래 메시지",
                                             "forwarded message",
                                             "forwarded e-mail",
                                             "weitergeleitete nachricht",
                                             "message transféré",
                                             "mensaje reenviado",
                                             "messaggio inoltrato",
                                             "doorgestuurd bericht",
                                             "mensagem encaminhada",
                                             "mensagem reencaminhada",
                                             "videresendt meddelelse",
                                             "videresendt melding",
                                             "vidarebefordrat meddelande",
                                             "välitetty viesti",
                                             "przekazana wiadomość",
                                             "přeposlaná zpráva",
                                             "пересылаемое сообщение",
                                             "пересланное сообщение",
                                             "переслане повідомлення",
                                             "iletilmiş ileti",
                                             "továbbított üzenet",
                                             "thư đã chuyển tiếp",
                                             "转发的邮件",
                                             "轉寄的郵件",
                                             "転送されたメッセージ",
                                             "전달된 메시지",
                                             NULL};

static const char *const forward_intros[] = {
    "begin forwarded message:",
    "anfang der weitergeleiteten nachricht:",
    "début du message réexpédié :",
    "début du message réexpédié:",
    "début du message transféré :",
    "inizio messaggio inoltrato:",
    "comienzo del mensaje reenviado:",
    "inicio del mensaje reenviado:",
    "início da mensagem reencaminhada:",
    "começo da mensagem encaminhada:",
    "begin doorgestuurd bericht:",
    "start på videresendt besked:",
    "vidarebefordrat brev:",
    "początek przekazywanej wiadomości:",
    "начало переадресованного сообщения:",
    "転送されたメッセージ:",
    "转发的邮件:",
    NULL};

/* ---- matching them ----------------------------------------------------- */

/* Whether the word that starts s[0..n) is one of the lead words. */
static int
has_lead(const char *s, size_t n)
{
  size_t wl = 0;

  while (wl < n && s[wl] != ' ' && s[wl] != ',')
    wl++;
  for (size_t i = 0; attr_leads[i]; i++) {
    size_t ll = strlen(attr_leads[i]);

    /* A CJK lead is followed by the date with no space between. */
    if ((unsigned char)attr_leads[i][0] >= 0xE3
            ? starts_with(s, n, attr_leads[i])
            : ll == wl && starts_with(s, n, attr_leads[i]))
      return 1;
  }
  return 0;
}

static int
has_verb(const char *s, size_t n)
{
  for (size_t i = 0; i < sizeof(attr_verbs) / sizeof(attr_verbs[0]); i++)
    if (attr_verbs[i].cjk ? find_sub(s, n, attr_verbs[i].verb) != NULL
                          : find_word(s, n, attr_verbs[i].verb) != NULL)
      return 1;
  return 0;
}

/* What an attribution is: not one, one that must directly precede a
 * quote, or one that may also introduce an unquoted copy below it. */
enum attr { A_NONE, A_WEAK, A_BEFORE_QUOTE, A_STRONG };

/* Whether s[0..n) (trimmed) is an attribution line: it ends with ':'
 * ("：" in CJK text), or sits between dashes ("---- Ann wrote ----"),
 * and it names
 *   - the writer with a verb, and the date after a lead word, a numeric
 *     date or time, or an address: "On <date>, Ann <a@b> wrote:",
 *     "23.11.2026 10:00, Ann пишет:", "Ann <a@b> wrote:";
 *   - or, without a verb, both a numeric date and an address, as Gmail
 *     in Russian or Japanese, Yandex and Mail.ru write it:
 *     "2026-11-23 10:00 GMT+03:00 Ann <a@b>:", "23.11.2026, 10:00,
 *     "Ann" <a@b>:", "Monday, 23 November 2026, 10:00 +03:00 from Ann
 *     <a@b>:".
 * Gmail's oldest form, "2011/4/7 Ann <a@b>" with no colon at all, is an
 * attribution only right above a quote (A_BEFORE_QUOTE). One that gives
 * a time or an address is A_STRONG: it may introduce an unquoted copy
 * (Yahoo's plain text, HTML quotes that are no blockquote); a line such
 * as "On 23/11/2026 the authors wrote:" is A_WEAK, dropped only before
 * a quote. */
static enum attr
attribution_kind(const char *s, size_t n)
{
  int colon = 0, dashes = 0, verb, addr, date, lead;

  s = ltrim(s, &n);
  n = rtrim(s, n);
  if (n < 8 || n > ATTR_MAX)
    return A_NONE;
  if (n >= 4 && s[0] == '-' && s[1] == '-' && s[n - 1] == '-' &&
      s[n - 2] == '-') {
    while (n && s[n - 1] == '-')
      n--;
    while (n && *s == '-')
      s++, n--;
    s = ltrim(s, &n);
    n = rtrim(s, n);
    dashes = 1;
  }
  if (n && s[n - 1] == ':') {
    colon = 1;
    n--;
  } else if (ends_with(s, n, "：")) {
    colon = 1;
    n -= 3;
  }
  n = rtrim(s, n);
  if (!colon && !dashes && !(n && s[n - 1] == '>'))
    return A_NONE;
  addr = memchr(s, '@', n) != NULL;
  date = date_strength(s, n);
  /* Every form below but the one between dashes needs one of these:
   * the table of verbs is looked at only then. */
  if (!addr && !date && !dashes)
    return A_NONE;
  verb = has_verb(s, n);
  lead = has_lead(s, n);
  if (colon || dashes) {
    if (verb && ((lead && date) || addr || date == 2))
      return addr || has_time(s, n) ? A_STRONG : A_WEAK;
    if (dashes && verb)
      return A_STRONG;
    if (!verb && addr && date == 2 && n >= 1 &&
        (s[n - 1] == '>' || s[n - 1] == ']' || s[n - 1] == ')' ||
         s[n - 1] == '"'))
      return A_STRONG;
    return A_NONE;
  }
  if (!verb && addr && date && n >= 1 && s[n - 1] == '>')
    return A_BEFORE_QUOTE;
  return A_NONE;
}

static int
is_attribution(const char *s, size_t n)
{
  return attribution_kind(s, n) != A_NONE;
}

/* The Gmail tracking glyph (U+1427) that some extensions leave on a
 * line of its own. */
static int
is_stray_glyph(const char *s, size_t n)
{
  return n == 3 && memcmp(s, "\xE1\x90\xA7", 3) == 0;
}

/* The first word (or, for the languages that put the verb last, the
 * last word) of an app's one-line footer, and the names of the apps and
 * devices such a footer always holds: "Sent with Proton Mail", "Получить
 * Outlook для Android", "Windows 版メールから送信", "Android telefonumdan
 * gönderildi". Both must be there. */
static const char *const footer_first[] = {
    "sent",      "get",        "envoyé",   "obtenir",  "télécharger",
    "gesendet",  "holen",      "enviado",  "enviada",  "obtener",
    "obter",     "baixe",      "inviato",  "scarica",  "verzonden",
    "verstuurd", "download",   "sendt",    "hent",     "skickat",
    "hämta",     "wysłane",    "wysłano",  "pobierz",  "odesláno",
    "odoslané",  "Отправлено", "Получить", "Скачайте", "Надіслано",
    "Отримати",  "lähetetty",  "hanki",    "gửi",      "được",
    "trimis",    "dikirim",    "Στάλθηκε", "从",       "發自",
    "发自",      "來自",       "来自",     NULL};
static const char *const footer_last[] = {
    "gesendet", "herunterladen", "beziehen", "gönderildi",
    "indirin",  "küldve",        NULL};
/* Matched anywhere: CJK writes no spaces around them. */
static const char *const footer_cjk[] = {"から送信", "で送信", "发送", "發送",
                                         "获取",     "보냄",   NULL};
static const char *const footer_apps[] = {
    "iphone",  "ipad",   "android",    "outlook",  "k-9",     "mail",
    "yahoo",   "proton", "windows",    "galaxy",   "samsung", "blackberry",
    "airmail", "spark",  "fairemail",  "bluemail", "mobile",  "яндекс",
    "почт",    "пошт",   "smartphone", "телефон",  "gmail",   "huawei",
    "xiaomi",  "メール", "邮箱",       "메일",     "手机",    "휴대폰",
    NULL};

/* Whether s[0..n) holds p, ASCII case ignored. */
static int
contains(const char *s, size_t n, const char *p)
{
  size_t pl = strlen(p);

  for (size_t i = 0; i + pl <= n; i++)
    if (starts_with(s + i, n - i, p))
      return 1;
  return 0;
}

/* An app's footer by the two lists above. */
static int
is_app_footer(const char *s, size_t n)
{
  size_t fw = 0, lw = n;
  int verb = 0, app = 0;

  while (fw < n && s[fw] != ' ')
    fw++;
  while (lw > 0 && s[lw - 1] != ' ')
    lw--;
  for (size_t i = 0; footer_first[i] && !verb; i++)
    verb = strlen(footer_first[i]) == fw && starts_with(s, n, footer_first[i]);
  for (size_t i = 0; footer_last[i] && !verb; i++) {
    size_t l = n - lw;

    if (l && s[n - 1] == '.')
      l--;
    verb =
        strlen(footer_last[i]) == l && starts_with(s + lw, l, footer_last[i]);
  }
  for (size_t i = 0; footer_cjk[i] && !verb; i++)
    verb = find_sub(s, n, footer_cjk[i]) != NULL;
  for (size_t i = 0; footer_apps[i] && verb && !app; i++)
    app = contains(s, n, footer_apps[i]);
  return verb && app;
}

static int
is_mobile_sig(const char *s, size_t n)
{
  size_t words = 1;

  if (n > MOBILE_MAX)
    return 0;
  if (is_stray_glyph(s, n))
    return 1;
  /* "Sent from my desk, which is easier than my phone." is a sentence:
   * a footer with a comma is short ("Sent from my Verizon, Samsung
   * Galaxy smartphone"). */
  for (size_t i = 0; i < n; i++)
    words += s[i] == ' ';
  if (memchr(s, ',', n) && words > MOBILE_COMMA_WORDS)
    return 0;
  if (is_app_footer(s, n))
    return 1;
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

/* Whether s[0..n) equals one of names[], ASCII case ignored. */
static int
is_one_of(const char *s, size_t n, const char *const *names)
{
  for (size_t i = 0; names[i]; i++)
    if (strlen(names[i]) == n && starts_with(s, n, names[i]))
      return 1;
  return 0;
}

/* Whether the line announces an unquoted copy of the earlier mail. */
static int
is_original_sep(const char *s, size_t n)
{
  size_t a = 0, b = n, dashes;

  /* Bold in a plain text part: "*-------- Original Message --------*". */
  while (a < n && (s[a] == '*' || s[a] == '_'))
    a++;
  while (b > a && (s[b - 1] == '*' || s[b - 1] == '_'))
    b--;
  s += a;
  n = b - a;
  if (is_one_of(s, n, forward_intros))
    return 1;
  for (a = 0; a < n && s[a] == '-'; a++)
    ;
  for (b = n; b > a && s[b - 1] == '-'; b--)
    ;
  dashes = a + (n - b);
  /* Dashes on both sides, or a long run on one ("----- Original
   * Message"). */
  if (!((a >= 2 && n - b >= 2) || dashes >= 4))
    return 0;
  s += a;
  n = b - a;
  s = ltrim(s, &n);
  n = rtrim(s, n);
  if (n && s[n - 1] == ':')
    n = rtrim(s, n - 1);
  return is_one_of(s, n, original_names);
}

/* The field a line names ("From: ...", "De : ...", "*Sent:* ...",
 * "보낸 사람: ...", "发件人：..."). */
static enum hdr
header_field(const char *s, size_t n)
{
  size_t i = 0, end, name_end;

  while (i < n && i < 2 && s[i] == '*')
    i++;
  /* The name ends at the colon, ASCII or full-width. */
  for (end = i; end < n && end - i <= 40; end++)
    if (s[end] == ':' || (end + 3 <= n && memcmp(s + end, "：", 3) == 0))
      break;
  if (end >= n || end - i > 40)
    return H_NONE;
  name_end = end;
  while (name_end > i && s[name_end - 1] == '*')
    name_end--;
  n = rtrim(s + i, name_end - i);
  s += i;
  if (n == 0)
    return H_NONE;
  for (size_t k = 0; k < sizeof(hdr_names) / sizeof(hdr_names[0]); k++)
    if (strlen(hdr_names[k].name) == n && starts_with(s, n, hdr_names[k].name))
      return hdr_names[k].h;
  return H_NONE;
}

/* Whether an Outlook header block starts at line i: field lines naming
 * the sender and at least two more of the date, the recipient, the
 * copies and the subject (or the sender's address and the date). Blank
 * lines between them (from HTML paragraphs), phone signatures and a
 * couple of lines continuing a long field (a wrapped address list) do
 * not end it. */
static int
header_block_at(const struct lines *L, size_t i)
{
  unsigned seen = 0;
  size_t fields = 0, cont = 0, others = 0;
  int from_addr = 0;

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
    if (j == i && h == H_NONE)
      return 0;
    if (h == H_NONE && is_mobile_sig(s, n))
      continue;
    if (h == H_NONE) {
      /* A wrapped field: short, and no more than two in a row. */
      if (++cont > 2 || n > 120)
        break;
      continue;
    }
    cont = 0;
    if (h == H_FROM && memchr(s, '@', n))
      from_addr = 1;
    if (h != H_FROM && h != H_OTHER && !(seen & (1u << h)))
      others++;
    seen |= 1u << h;
    fields++;
  }
  if (!(seen & (1u << H_FROM)))
    return 0;
  return others >= 2 || (from_addr && (seen & (1u << H_SENT)));
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

/* Whether a line may be the first of an attribution: 2 when it opens
 * with a lead word, a date, a weekday ("Понедельник, 23 ...") or
 * dashes, 1 when it only names an address ("Ann <a@b> wrote:"). */
static int
attribution_start(const char *s, size_t n)
{
  size_t wl = 0;

  if (!n)
    return 0;
  if (has_lead(s, n) || is_digit(s[0]) || s[0] == '-')
    return 2;
  while (wl < n && wl < 24 && s[wl] != ' ' && s[wl] != ',')
    wl++;
  /* A weekday, then the day: "Понедельник, 23 ноября", "pon., 23 lis",
   * "po 23. 11. 2026", "ma 23.11.2026". */
  if (wl < n) {
    size_t d = wl;

    while (d < n && (s[d] == ' ' || s[d] == ',' || s[d] == '.'))
      d++;
    if (d < n && is_digit(s[d]))
      return 2;
  }
  return memchr(s, '@', n) ? 1 : 0;
}

/* Whether a line ends a sentence: ". ! ? ;" or their CJK forms. */
static int
ends_sentence(const char *s, size_t n)
{
  n = rtrim(s, n);
  return n && (s[n - 1] == '.' || s[n - 1] == '!' || s[n - 1] == '?' ||
               s[n - 1] == ';' || ends_with(s, n, "。") ||
               ends_with(s, n, "！") || ends_with(s, n, "？"));
}

/* The attribution that starts at byte `off` of line i and ends at the
 * end of line i + k (k < ATTR_LINES, all of them the reader's text):
 * its kind, and *end the index of its last line. The shortest such run
 * of lines wins, so that the reader's text below stays theirs; a line
 * that could open an attribution of its own ends the search. */
static enum attr
attribution_at(const struct lines *L, size_t i, size_t off, size_t *end)
{
  char joined[ATTR_MAX + 1];
  size_t jl = 0;

  for (size_t k = i; k < L->n && k < i + ATTR_LINES; k++) {
    const struct line *l = &L->v[k];
    size_t n = l->len - (k == i ? off : 0);
    const char *s = ltrim(l->s + (k == i ? off : 0), &n);
    enum attr a;

    if (l->kind != K_TEXT || n == 0)
      break;
    if (k == i && !attribution_start(s, n))
      break;
    /* The reader's sentence above an attribution is not part of it: a
     * line that ends one, or a next line opening with a lead word ("On
     * the whole, yes." / "On Mon, ..."; CJK leads continue a wrapped
     * line: "Ann <a@b>" / "于2026年..."). */
    if (k > i && ((has_lead(s, n) && !((unsigned char)s[0] & 0x80)) ||
                  ends_sentence(L->v[k - 1].s, L->v[k - 1].len)))
      break;
    if (jl + (k > i) + n > ATTR_MAX)
      break;
    if (k > i)
      joined[jl++] = ' ';
    memcpy(joined + jl, s, n);
    jl += n;
    /* Only a run that ends as an attribution does is worth a look. */
    if (s[n - 1] != ':' && s[n - 1] != '-' && s[n - 1] != '>' &&
        !ends_with(s, n, "："))
      continue;
    a = attribution_kind(joined, jl);
    if (a != A_NONE) {
      *end = k;
      return a;
    }
  }
  return A_NONE;
}

/* What comes after line i, past blank lines and dropped ones (a phone
 * signature between an attribution and its quote): the reader's text,
 * a quote, an unquoted copy, or the end. */
static enum kind
next_kind(const struct lines *L, size_t i)
{
  for (size_t j = i + 1; j < L->n; j++)
    if (L->v[j].kind != K_BLANK && L->v[j].kind != K_DROP)
      return L->v[j].kind;
  return K_BLANK; /* the end */
}

/* Marks the unquoted lines before i that are blank or rules (the rule
 * above our footer or above an Outlook header block) as dropped. */
static void
drop_rules_before(struct lines *L, size_t i)
{
  while (i > 0) {
    struct line *l = &L->v[i - 1];

    size_t n = l->len;
    const char *s = ltrim(l->s, &n);

    if (l->kind == K_BLANK || (l->kind == K_TEXT && is_rule(s, n))) {
      if (l->kind == K_TEXT)
        l->kind = K_DROP;
      i--;
      continue;
    }
    break;
  }
}

static void
cut_from(struct lines *L, size_t i)
{
  L->cited = 1;
  for (size_t j = i; j < L->n; j++)
    L->v[j].kind = K_CUT;
  drop_rules_before(L, i);
}

/* Where the attribution starts inside line i when the reader wrote on
 * the same line before it ("Thanks! On Mon, ... wrote:"): after the end
 * of a sentence, at a word that may open one. 0 when nowhere. */
static size_t
inner_start(const struct line *l)
{
  for (size_t p = 2; p + 8 < l->len; p++) {
    char c = l->s[p - 2];

    /* After a word, not a number: "23. 11. 2026" ends no sentence. */
    if (l->s[p - 1] == ' ' && (c == '.' || c == '!' || c == '?' || c == ')') &&
        p >= 3 && !is_digit(l->s[p - 3]) &&
        attribution_start(l->s + p, l->len - p) == 2)
      return p;
  }
  return 0;
}

/* Attributions: a run of one to ATTR_LINES lines of the reader's text
 * that is one. Right above a quote (or at the very end, when the reader
 * deleted the quote) it is dropped; a strong one with more unquoted
 * text below it starts an unquoted copy of the earlier mail. Done after
 * the rest is classified, so that a signature or our footer between an
 * attribution and its quote changes nothing. */
static void
find_attributions(struct lines *L)
{
  for (size_t i = 0; i < L->n && L->v[i].kind != K_CUT; i++) {
    size_t end = i, off = 0, n;
    const char *s;
    enum attr a;
    enum kind next;

    if (L->v[i].kind != K_TEXT)
      continue;
    /* A line that opens like an attribution is tried whole; one that
     * does not may hold the reader's words and then one. */
    n = L->v[i].len;
    s = ltrim(L->v[i].s, &n);
    a = A_NONE;
    if (attribution_start(s, n) != 2 && (off = inner_start(&L->v[i])) != 0)
      a = attribution_at(L, i, off, &end);
    if (a == A_NONE) {
      off = 0;
      a = attribution_at(L, i, 0, &end);
    }
    if (a == A_NONE)
      continue;
    next = next_kind(L, end);
    if (next == K_QUOTE || next == K_CUT ||
        (next == K_BLANK && a != A_BEFORE_QUOTE)) {
      L->cited = 1;
      if (off)
        L->v[i].len = rtrim(L->v[i].s, off);
      for (size_t k = off ? i + 1 : i; k <= end; k++)
        L->v[k].kind = K_DROP;
      i = end;
    } else if (next == K_TEXT && a == A_STRONG) {
      if (off) {
        L->v[i].len = rtrim(L->v[i].s, off);
        cut_from(L, i + 1);
      } else {
        cut_from(L, i);
      }
      return;
    }
  }
}

/* The last line of an attribution wrapped just before "> wrote:",
 * which a reader's program took for a quote mark: the verb alone. */
static int
is_verb_tail(const char *s, size_t n)
{
  n = rtrim(s, n);
  return n >= 2 && n <= 40 && s[n - 1] == ':' && has_verb(s, n - 1);
}

/* Whether line i is a Python prompt the reader typed (">>> x = 1"):
 * ">>> " right under a line of the reader's own text that introduces
 * no quote, or under another prompt or its "... " continuation. A real
 * third-level quote comes under the first and second levels or an
 * attribution. */
static int
is_prompt(const struct lines *L, size_t i)
{
  const struct line *p;
  size_t n;
  const char *s;

  if (L->v[i].len < 4 || memcmp(L->v[i].s, ">>> ", 4) != 0 || i == 0)
    return 0;
  p = &L->v[i - 1];
  if (p->kind != K_TEXT)
    return 0;
  n = p->len;
  s = ltrim(p->s, &n);
  if (n >= 4 && (memcmp(s, ">>> ", 4) == 0 || memcmp(s, "... ", 4) == 0))
    return 1;
  return !is_attribution(s, n) && !is_sig_delim(s, n);
}

/* A phone signature is one only at the end of what the reader wrote:
 * "Sent from my phone" followed by more of their text was a sentence. */
static void
keep_inner_signatures(struct lines *L)
{
  for (size_t i = L->n; i-- > 0;)
    if (L->v[i].weak && L->v[i].kind == K_DROP && next_kind(L, i) == K_TEXT)
      L->v[i].kind = K_TEXT;
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
    if (l->depth == 1 && i > 0 && L->v[i - 1].kind == K_TEXT &&
        is_verb_tail(l->body, l->body_len)) {
      l->depth = 0; /* "> wrote:" may end a wrapped attribution */
      l->tail = 1;
    }
    if (l->depth && is_prompt(L, i))
      l->depth = 0;
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
      cut_from(L, i);
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
      l->weak = 1;
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
  find_attributions(L);
  keep_inner_signatures(L);
  /* A "> wrote:" that ended no attribution was a quote after all. */
  for (size_t i = 0; i < L->n; i++)
    if (L->v[i].tail && L->v[i].kind == K_TEXT) {
      L->v[i].kind = K_QUOTE;
      L->v[i].depth = quote_depth(L->v[i].s, L->v[i].len, &L->v[i].body,
                                  &L->v[i].body_len);
    }
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
    size_t n = l->len;
    const char *s = ltrim(l->s, &n);

    /* As the reader's program wrote it: ">>> x" stays ">>> x". */
    emit_line(e, "", s, n);
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

static enum sm_status
extract(const char *text, const char *footer_marker, int context,
        struct buf *out, struct reply_info *info)
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
      if (context)
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

enum sm_status
reply_extract(const char *text, const char *footer_marker, struct buf *out,
              struct reply_info *info)
{
  return extract(text, footer_marker, 1, out, info);
}

enum sm_status
reply_extract_ours(const char *text, const char *footer_marker,
                   struct buf *out, struct reply_info *info)
{
  return extract(text, footer_marker, 0, out, info);
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
