/* feed_parse.c: RSS 2.0 (with ShortScience's shortscience: namespace) and
 * Atom 1.0 into model_summary records.
 *
 * libxml2's SAX2 interface rather than a tree: a feed can be tens of
 * megabytes, and only a dozen fields per item matter. Streaming also lets
 * every field be bounded (FEED_MAX_TEXT) while we keep counting its length
 * for the message, instead of libxml2 failing the whole document on one
 * oversized item. The handler table is ours alone: no getEntity, no
 * externalSubset, no resolveEntity, so nothing is ever loaded, and an
 * entity declaration stops the parse before any reference to it is seen
 * (billion laughs, external entities reading local files). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "ascii.h"
#include "buf.h"
#include "feed.h"
#include "util.h"

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_SS FEED_NS_SS
#define NS_XHTML "http://www.w3.org/1999/xhtml"
/* arXiv's own elements in its API's answers: primary_category is read;
 * comment, journal_ref, doi, affiliation are known and not used. */
#define NS_ARXIV "http://arxiv.org/schemas/atom"

/* Distinct unknown namespaces named in warnings, per parse. */
#define MAX_UNKNOWN_NS 8

/* How much of a guid, link or title names an item in a warning. */
#define LABEL_MAX 100

enum feed_kind { KIND_NONE, KIND_RSS, KIND_ATOM };

/* The text fields of an item we collect; each keeps its first value. */
enum feed_field {
  F_NONE,
  F_TITLE,
  F_LINK,
  F_GUID,
  F_PUBDATE,   /* RSS pubDate */
  F_DCDATE,    /* dc:date, an RSS fallback */
  F_PUBLISHED, /* Atom */
  F_UPDATED,   /* Atom */
  F_AUTHOR,    /* RSS author: "email (Name)" */
  F_CREATOR,   /* dc:creator */
  F_BODY,      /* RSS description, Atom content */
  F_SUMMARY,   /* Atom summary */
  F_BIBTEX,
  F_ARXIV,
  F_VOTES,
  F_AUTHORS, /* shortscience:authors */
  F_VENUE,
  F_YEAR,
  F_NFIELDS,
  /* Collected differently: not kept in item.val[]. */
  F_CATEGORY,    /* RSS category: one keyword */
  F_AUTHOR_NAME, /* Atom author/name: appended to the names */
  F_FEED_TITLE   /* the channel's or feed's own title */
};

struct feed_item {
  char *val[F_NFIELDS];   /* raw text, owned; NULL when absent */
  int guid_not_permalink; /* RSS guid isPermaLink="false" */
  int content_src;        /* Atom content with src=: text is elsewhere */
  char *alt_link;         /* Atom link rel="alternate" */
  char *any_link;         /* Atom link without rel */
  struct buf names;       /* Atom author names, joined ", " */
  char **keywords;
  size_t nkeywords, capkeywords;
  size_t ndropped;   /* categories past FEED_MAX_KEYWORDS */
  char too_long[64]; /* the first field over FEED_MAX_TEXT */
  size_t too_long_len;
};

struct parse_state {
  xmlParserCtxtPtr ctxt;
  const char *base;
  const char *site_url; /* [site] url, or NULL */
  feed_warn_fn warn;
  void *warn_ctx;
  char *unknown_ns[MAX_UNKNOWN_NS]; /* warned about already; owned */
  size_t nunknown_ns;
  struct feed_parsed *out;
  size_t capitems;

  enum feed_kind kind;
  int depth;
  int in_channel;   /* RSS: inside rss/channel */
  int item_depth;   /* depth of the current item or entry, 0 outside */
  int author_depth; /* Atom: depth of entry/author, 0 outside */
  size_t item_no;   /* items and entries seen, 1-based */
  struct feed_item item;
  char label[LABEL_MAX + 64]; /* how warnings name the current item */

  /* The field whose text is being collected. */
  enum feed_field field;
  int field_depth;
  int xhtml; /* Atom type="xhtml": serialise the markup inside */
  char field_name[64];
  size_t field_len; /* bytes seen, also past the limit */
  int field_overflow;
  struct buf text;
  struct buf esc; /* XHTML text re-escaped, on its way into text */

  /* The first fatal problem: ours (status set) or libxml2's. */
  enum sm_status status;
  char *err;
  size_t errlen;
  char xml_msg[256];
  int xml_line;
};

static void ps_fail(struct parse_state *ps, enum sm_status st, const char *fmt,
                    ...) __attribute__((format(printf, 3, 4)));

/* Records the first fatal problem and stops libxml2: nothing after it
 * should be taken from the document. */
static void
ps_fail(struct parse_state *ps, enum sm_status st, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (ps->status != SM_OK)
    return;
  ps->status = st;
  n = snprintf(ps->err, ps->errlen, "%s: ", ps->base);
  if (n >= 0 && (size_t)n < ps->errlen) {
    va_start(ap, fmt);
    vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
    va_end(ap);
  }
  xmlStopParser(ps->ctxt);
}

static char *
ps_strdup(struct parse_state *ps, const char *s, size_t n)
{
  char *p = malloc(n + 1);

  if (!p) {
    ps_fail(ps, SM_ERR_NOMEM, "out of memory");
    return NULL;
  }
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

static int
is_ws(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Folds each run of white space to one space and trims the ends, in
 * place: titles, names and keywords are single-line. Frees s and returns
 * NULL when nothing is left. */
static char *
collapse_ws(char *s)
{
  char *r, *w;
  int space = 0;

  if (!s)
    return NULL;
  for (r = w = s; *r; r++) {
    if (is_ws(*r)) {
      space = w != s;
      continue;
    }
    if (space)
      *w++ = ' ';
    space = 0;
    *w++ = *r;
  }
  *w = '\0';
  if (!*s) {
    free(s);
    return NULL;
  }
  return s;
}

/* Drops blank lines at the start and the white space at the end of a
 * summary, in place, keeping every other byte (markdown's indentation
 * and line breaks carry meaning). Returns s; frees it when empty. */
static char *
trim_blank_lines(char *s)
{
  char *p = s, *line = s;
  size_t n;

  if (!s)
    return NULL;
  while (*p && is_ws(*p)) {
    if (*p == '\n')
      line = p + 1;
    p++;
  }
  if (!*p) {
    free(s);
    return NULL;
  }
  n = strlen(line);
  while (n > 0 && is_ws(line[n - 1]))
    n--;
  memmove(s, line, n);
  s[n] = '\0';
  return s;
}

/* A copy of s cut to at most max bytes on a UTF-8 boundary, for
 * messages. Writes into out (at least max + 4 bytes). */
static const char *
label_cut(const char *s, char *out, size_t outlen)
{
  size_t n = strlen(s), max = outlen - 4;

  if (n <= max) {
    memcpy(out, s, n + 1);
    return out;
  }
  n = util_utf8_cut(s, max);
  memcpy(out, s, n);
  memcpy(out + n, "...", 4);
  return out;
}

/* "item 3 (guid X)": how warnings name an item. */
static void
item_label(struct parse_state *ps, char *out, size_t outlen)
{
  struct feed_item *it = &ps->item;
  char cut[LABEL_MAX + 4];
  const char *kind = NULL, *v = NULL;

  if (it->val[F_GUID]) {
    kind = "guid";
    v = it->val[F_GUID];
  } else if (it->val[F_LINK] || it->alt_link || it->any_link) {
    kind = "link";
    v = it->val[F_LINK] ? it->val[F_LINK]
        : it->alt_link  ? it->alt_link
                        : it->any_link;
  } else if (it->val[F_TITLE]) {
    kind = "title";
    v = it->val[F_TITLE];
  }
  if (v)
    snprintf(out, outlen, "item %zu (%s %s)", ps->item_no, kind,
             label_cut(v, cut, sizeof(cut)));
  else
    snprintf(out, outlen, "item %zu", ps->item_no);
}

static void item_warn(struct parse_state *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
item_warn(struct parse_state *ps, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  int n;

  if (!ps->warn)
    return;
  n = snprintf(msg, sizeof(msg), "%s: %s: ", ps->base, ps->label);
  if (n >= 0 && (size_t)n < sizeof(msg)) {
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
    va_end(ap);
  }
  ps->warn(ps->warn_ctx, msg);
}

static void
item_clear(struct feed_item *it)
{
  for (int i = 0; i < F_NFIELDS; i++)
    free(it->val[i]);
  free(it->alt_link);
  free(it->any_link);
  buf_free(&it->names);
  for (size_t i = 0; i < it->nkeywords; i++)
    free(it->keywords[i]);
  free(it->keywords);
  memset(it, 0, sizeof(*it));
  buf_init(&it->names, FEED_MAX_TEXT);
}

static void
item_too_long(struct feed_item *it, const char *name, size_t len)
{
  if (it->too_long[0])
    return;
  snprintf(it->too_long, sizeof(it->too_long), "%s", name);
  it->too_long_len = len;
}

/* Adds a category as a keyword, once: the store keys keywords without
 * case, so "GAN" and "gan" are one. */
static void
item_add_keyword(struct parse_state *ps, const char *text, size_t len)
{
  struct feed_item *it = &ps->item;
  char *k = ps_strdup(ps, text, len);

  if (!k)
    return;
  k = collapse_ws(k);
  if (!k)
    return;
  for (size_t i = 0; i < it->nkeywords; i++)
    if (!strcasecmp(it->keywords[i], k)) {
      free(k);
      return;
    }
  if (it->nkeywords >= FEED_MAX_KEYWORDS) {
    it->ndropped++;
    free(k);
    return;
  }
  if (it->nkeywords == it->capkeywords) {
    size_t ncap = it->capkeywords ? it->capkeywords * 2 : 8;
    char **p = realloc(it->keywords, ncap * sizeof(*p));
    if (!p) {
      free(k);
      ps_fail(ps, SM_ERR_NOMEM, "out of memory");
      return;
    }
    it->keywords = p;
    it->capkeywords = ncap;
  }
  it->keywords[it->nkeywords++] = k;
}

/* Adds a keyword (arXiv's primary category) and makes it the first. */
static void
item_add_first_keyword(struct parse_state *ps, const char *text, size_t len)
{
  struct feed_item *it = &ps->item;
  char *k = collapse_ws(ps_strdup(ps, text, len));

  if (!k)
    return;
  item_add_keyword(ps, k, strlen(k));
  for (size_t i = 0; i < it->nkeywords; i++)
    if (!strcasecmp(it->keywords[i], k)) {
      char *first = it->keywords[i];
      memmove(it->keywords + 1, it->keywords, i * sizeof(*it->keywords));
      it->keywords[0] = first;
      break;
    }
  free(k);
}

/* Whether uri, without its scheme (http or https) and trailing slashes,
 * is base without its own. */
static int
same_site(const char *uri, const char *base)
{
  size_t nu, nb;

  if (!uri || !base)
    return 0;
  uri += !strncasecmp(uri, "https://", 8)  ? 8
         : !strncasecmp(uri, "http://", 7) ? 7
                                           : 0;
  base += !strncasecmp(base, "https://", 8)  ? 8
          : !strncasecmp(base, "http://", 7) ? 7
                                             : 0;
  nu = strlen(uri);
  nb = strlen(base);
  while (nu > 0 && uri[nu - 1] == '/')
    nu--;
  while (nb > 0 && base[nb - 1] == '/')
    nb--;
  return nu > 0 && nu == nb && !strncasecmp(uri, base, nu);
}

/* The site's namespace: the documented one, or the site's base URL (what
 * its rss.php writes: xmlns:shortscience="http://www.shortscience.org"). */
static int
is_site_ns(const struct parse_state *ps, const char *uri)
{
  return uri && (!strcmp(uri, NS_SS) || same_site(uri, ps->site_url));
}

/* An element of a namespace we do not read, directly in an item: said
 * once per namespace and parse, so that no field goes silently. */
static void
unknown_ns(struct parse_state *ps, const char *uri, const xmlChar *prefix,
           const char *name)
{
  char cut[LABEL_MAX + 4], msg[512];

  if (!strcmp(uri, NS_ATOM) || !strcmp(uri, NS_DC) || !strcmp(uri, NS_XHTML) ||
      !strcmp(uri, NS_ARXIV) || is_site_ns(ps, uri))
    return;
  for (size_t i = 0; i < ps->nunknown_ns; i++)
    if (!strcmp(ps->unknown_ns[i], uri))
      return;
  if (ps->nunknown_ns < MAX_UNKNOWN_NS) {
    ps->unknown_ns[ps->nunknown_ns] = strdup(uri);
    if (ps->unknown_ns[ps->nunknown_ns])
      ps->nunknown_ns++;
  } else if (ps->nunknown_ns == MAX_UNKNOWN_NS) {
    ps->nunknown_ns++; /* one last word, then quiet */
    if (ps->warn) {
      snprintf(msg, sizeof(msg),
               "%s: items carry elements of more than %d namespaces "
               "shortmail does not read; ignored",
               ps->base, MAX_UNKNOWN_NS);
      ps->warn(ps->warn_ctx, msg);
    }
    return;
  } else {
    return;
  }
  if (!ps->warn)
    return;
  snprintf(msg, sizeof(msg),
           "%s: items carry elements of the namespace \"%s\" (such as "
           "<%s%s%s>), which shortmail does not read; ignored",
           ps->base, label_cut(uri, cut, sizeof(cut)),
           prefix ? (const char *)prefix : "", prefix ? ":" : "", name);
  ps->warn(ps->warn_ctx, msg);
}

/* Whether a text is the site's cut: "..." after at most FEED_SITE_CUT
 * bytes and not many fewer. */
static int
site_cut(const char *md)
{
  size_t n = strlen(md);

  return n >= 3 && !strcmp(md + n - 3, "...") && n - 3 <= FEED_SITE_CUT &&
         n - 3 + FEED_SITE_CUT_SLACK >= FEED_SITE_CUT;
}

/* "https://arxiv.org/abs/1512.03385v2" -> "1512.03385"; also
 * "arXiv:1512.03385" and old-style "hep-th/9901001v1". NULL if s holds
 * no arXiv id. The caller frees. */
static char *
arxiv_from(const char *s, int bare)
{
  const char *p, *start, *end;
  char *id;
  size_t n;

  if (!s)
    return NULL;
  if (bare) {
    p = s;
    if (!strncasecmp(p, "arxiv:", 6))
      p += 6;
  } else {
    p = strstr(s, "arxiv.org/abs/");
    if (!p)
      return NULL;
    p += strlen("arxiv.org/abs/");
  }
  start = p;
  if (ascii_isdigit((unsigned char)p[0])) {
    /* YYMM.NNNN or YYMM.NNNNN */
    for (n = 0; ascii_isdigit((unsigned char)*p); p++, n++)
      ;
    if (n != 4 || *p != '.')
      return NULL;
    p++;
    for (n = 0; ascii_isdigit((unsigned char)*p); p++, n++)
      ;
    if (n < 4 || n > 5)
      return NULL;
  } else {
    /* archive(.SUBJ)/NNNNNNN */
    while (ascii_isalpha((unsigned char)*p) || *p == '-' || *p == '.')
      p++;
    if (p == start || *p != '/')
      return NULL;
    p++;
    for (n = 0; ascii_isdigit((unsigned char)*p); p++, n++)
      ;
    if (n != 7)
      return NULL;
  }
  end = p;
  if (*p == 'v' && ascii_isdigit((unsigned char)p[1]))
    for (p++; ascii_isdigit((unsigned char)*p); p++)
      ;
  if (bare && *p)
    return NULL;
  if (!bare && *p && *p != '/' && *p != '?' && *p != '#')
    return NULL;
  n = (size_t)(end - start);
  id = malloc(n + 1);
  if (!id)
    return NULL;
  memcpy(id, start, n);
  id[n] = '\0';
  return id;
}

char *
feed_arxiv_id(const char *s)
{
  return arxiv_from(s, 1);
}

/* "jdoe@example.org (Jane Doe)" -> "Jane Doe"; otherwise s unchanged.
 * In place; returns s. */
static char *
author_name(char *s)
{
  size_t n;
  char *open;

  if (!s)
    return NULL;
  n = strlen(s);
  if (n < 3 || s[n - 1] != ')')
    return s;
  open = strchr(s, '(');
  if (!open || open == s || open[1] == ')')
    return s;
  s[n - 1] = '\0';
  memmove(s, open + 1, strlen(open + 1) + 1);
  return collapse_ws(s);
}

static int
is_url(const char *s)
{
  return s &&
         (!strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8));
}

/* Parses a whole decimal integer. 0 and *out, or -1. */
static int
parse_long(const char *s, long *out)
{
  char *end;
  long v;

  if (!s || !*s)
    return -1;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || end == s || *end)
    return -1;
  *out = v;
  return 0;
}

static int
item_grow(struct parse_state *ps)
{
  struct feed_parsed *out = ps->out;

  if (out->nitems < ps->capitems)
    return 0;
  size_t ncap = ps->capitems ? ps->capitems * 2 : 16;
  struct model_summary *p = realloc(out->items, ncap * sizeof(*p));
  if (!p) {
    ps_fail(ps, SM_ERR_NOMEM, "out of memory");
    return -1;
  }
  out->items = p;
  ps->capitems = ncap;
  return 0;
}

/* At </item> or </entry>: checks the item, turns its raw fields into a
 * model_summary and keeps it, or warns and skips it. */
static void
item_finish(struct parse_state *ps)
{
  struct feed_item *it = &ps->item;
  struct model_summary s;
  char **v = it->val;
  long n;
  int64_t t;

  memset(&s, 0, sizeof(s));
  for (int i = 0; i < F_NFIELDS; i++)
    if (i != F_BODY && i != F_SUMMARY)
      v[i] = collapse_ws(v[i]);
  it->alt_link = collapse_ws(it->alt_link);
  it->any_link = collapse_ws(it->any_link);
  item_label(ps, ps->label, sizeof(ps->label));

  if (it->too_long[0]) {
    item_warn(ps, "%s is %zu bytes, more than the %d allowed; skipped",
              it->too_long, it->too_long_len, FEED_MAX_TEXT);
    goto skip;
  }
  if (!v[F_TITLE]) {
    item_warn(ps, "no title; skipped");
    goto skip;
  }
  /* The summary's page: <link>, else a guid that is a permalink URL. */
  if (ps->kind == KIND_ATOM) {
    s.link = it->alt_link ? it->alt_link : it->any_link;
    if (s.link == it->alt_link)
      it->alt_link = NULL;
    else
      it->any_link = NULL;
  } else {
    s.link = v[F_LINK];
    v[F_LINK] = NULL;
  }
  if (!s.link && is_url(v[F_GUID]) && !it->guid_not_permalink) {
    s.link = strdup(v[F_GUID]);
    if (!s.link) {
      ps_fail(ps, SM_ERR_NOMEM, "out of memory");
      goto skip;
    }
  }
  if (!s.link) {
    item_warn(ps, "no link; skipped");
    goto skip;
  }

  s.title = v[F_TITLE];
  v[F_TITLE] = NULL;
  s.guid = v[F_GUID];
  v[F_GUID] = NULL;
  s.venue = v[F_VENUE];
  v[F_VENUE] = NULL;
  s.bibtex_key = v[F_BIBTEX];
  v[F_BIBTEX] = NULL;

  /* The text: RSS description; Atom content unless it lives elsewhere,
   * else summary. */
  if (v[F_BODY] && !it->content_src) {
    s.markdown = trim_blank_lines(v[F_BODY]);
    v[F_BODY] = NULL;
  } else if (v[F_SUMMARY]) {
    s.markdown = trim_blank_lines(v[F_SUMMARY]);
    v[F_SUMMARY] = NULL;
  }

  if (ps->kind == KIND_RSS && s.markdown && site_cut(s.markdown)) {
    char *ex = feed_excerpt(s.markdown, strlen(s.markdown) - 3);
    if (!ex) {
      ps_fail(ps, SM_ERR_NOMEM, "out of memory");
      goto skip;
    }
    free(s.markdown);
    s.markdown = ex;
    s.excerpt = 1;
  }

  /* Who: shortscience:authors are the paper's authors. In Atom without
   * them, <author> names the paper's authors (arXiv's feeds); with them,
   * <author> is the summarizer. */
  if (v[F_AUTHORS]) {
    s.authors = v[F_AUTHORS];
    v[F_AUTHORS] = NULL;
    if (ps->kind == KIND_ATOM && it->names.len)
      s.summarizer = buf_detach(&it->names);
  } else if (ps->kind == KIND_ATOM && it->names.len) {
    s.authors = buf_detach(&it->names);
  }
  if (!s.summarizer) {
    if (v[F_CREATOR]) {
      s.summarizer = v[F_CREATOR];
      v[F_CREATOR] = NULL;
    } else if (v[F_AUTHOR]) {
      s.summarizer = author_name(v[F_AUTHOR]);
      v[F_AUTHOR] = NULL;
    }
  }

  if (v[F_ARXIV]) {
    s.arxiv_id = arxiv_from(v[F_ARXIV], 1);
    if (!s.arxiv_id) {
      /* An id we do not recognise is still the site's word for it. */
      s.arxiv_id = v[F_ARXIV];
      v[F_ARXIV] = NULL;
    }
  } else {
    s.arxiv_id = arxiv_from(s.guid, 0);
    if (!s.arxiv_id)
      s.arxiv_id = arxiv_from(s.link, 0);
  }

  if (v[F_VOTES]) {
    if (parse_long(v[F_VOTES], &n) == 0)
      s.votes = n;
    else
      item_warn(ps, "votes \"%.40s\" is not an integer; ignored", v[F_VOTES]);
  }
  if (v[F_YEAR]) {
    if (parse_long(v[F_YEAR], &n) == 0 && n >= 1000 && n <= 9999)
      s.year = (int)n;
    else
      item_warn(ps, "year \"%.40s\" is not a year; ignored", v[F_YEAR]);
  }
  {
    const char *date = NULL, *name = NULL;
    if (v[F_PUBDATE]) {
      date = v[F_PUBDATE];
      name = "pubDate";
    } else if (v[F_DCDATE]) {
      date = v[F_DCDATE];
      name = "dc:date";
    } else if (v[F_PUBLISHED]) {
      date = v[F_PUBLISHED];
      name = "published";
    } else if (v[F_UPDATED]) {
      date = v[F_UPDATED];
      name = "updated";
    }
    if (date) {
      if (util_parse_date(date, &t) == 0)
        s.published = t;
      else
        item_warn(ps, "%s \"%.60s\" is not a date; ignored", name, date);
    }
  }

  if (it->ndropped)
    item_warn(ps,
              "%zu categories, more than the %d allowed; keeping the "
              "first %d",
              it->nkeywords + it->ndropped, FEED_MAX_KEYWORDS,
              FEED_MAX_KEYWORDS);
  s.keywords = it->keywords;
  s.nkeywords = it->nkeywords;
  it->keywords = NULL;
  it->nkeywords = it->capkeywords = 0;

  if (ps->status != SM_OK || item_grow(ps) < 0) {
    model_summary_free(&s);
    goto skip_quiet;
  }
  ps->out->items[ps->out->nitems++] = s;
  item_clear(it);
  return;

skip:
  model_summary_free(&s);
  ps->out->nskipped++;
skip_quiet:
  item_clear(it);
}

/* An attribute value as it was meant. Without entity substitution
 * (XML_PARSE_NOENT), libxml2 hands every '&' in an attribute over as
 * "&#38;", for a tree builder to re-parse; we have no tree. Entity
 * declarations are refused, so that is the only escape left. */
static char *
attr_decode(struct parse_state *ps, const char *v, size_t n)
{
  char *out = ps_strdup(ps, v, n), *w;
  const char *r;

  if (!out)
    return NULL;
  for (r = w = out; *r;) {
    if (!strncmp(r, "&#38;", 5)) {
      *w++ = '&';
      r += 5;
    } else {
      *w++ = *r++;
    }
  }
  *w = '\0';
  return out;
}

/* The value of the un-namespaced attribute `name`, copied, or NULL. */
static char *
attr_dup(struct parse_state *ps, const xmlChar **attrs, int nattrs,
         const char *name)
{
  for (int i = 0; i < nattrs; i++) {
    const xmlChar **a = attrs + 5 * i; /* localname/prefix/URI/value/end */
    if (a[2] == NULL && !strcmp((const char *)a[0], name))
      return attr_decode(ps, (const char *)a[3], (size_t)(a[4] - a[3]));
  }
  return NULL;
}

static int
attr_is(const xmlChar **attrs, int nattrs, const char *name, const char *value)
{
  for (int i = 0; i < nattrs; i++) {
    const xmlChar **a = attrs + 5 * i;
    size_t n = (size_t)(a[4] - a[3]);
    if (a[2] == NULL && !strcmp((const char *)a[0], name) &&
        n == strlen(value) && !strncasecmp((const char *)a[3], value, n))
      return 1;
  }
  return 0;
}

static void
field_start(struct parse_state *ps, enum feed_field f, const xmlChar *prefix,
            const xmlChar *localname)
{
  ps->field = f;
  ps->field_depth = ps->depth;
  ps->field_len = 0;
  ps->field_overflow = 0;
  ps->xhtml = 0;
  buf_reset(&ps->text);
  if (prefix)
    snprintf(ps->field_name, sizeof(ps->field_name), "%s:%s",
             (const char *)prefix, (const char *)localname);
  else
    snprintf(ps->field_name, sizeof(ps->field_name), "%s",
             (const char *)localname);
}

/* Appends to the field's text, counting past the limit so the message
 * can say how large the field was. */
static void
text_add(struct parse_state *ps, const char *s, size_t n)
{
  enum sm_status st;

  ps->field_len += n;
  if (ps->field_overflow)
    return;
  st = buf_append(&ps->text, s, n);
  if (st == SM_ERR_LIMIT)
    ps->field_overflow = 1;
  else if (st != SM_OK)
    ps_fail(ps, st, "out of memory");
}

/* XHTML content is text with markup: re-escape what libxml2 decoded
 * (quotes only in attributes, which are written in double quotes). */
static void
text_add_escaped(struct parse_state *ps, const char *s, size_t n, int attr)
{
  enum sm_status st;

  buf_reset(&ps->esc);
  st = util_html_escape(&ps->esc, s, n,
                        attr ? UTIL_HTML_DQUOTE : UTIL_HTML_TEXT);
  if (st == SM_OK) {
    text_add(ps, ps->esc.data, ps->esc.len);
  } else if (st == SM_ERR_LIMIT) {
    /* Larger than the field may be in any case: the message counts the
     * text as it came, not escaped. */
    ps->field_len += n;
    ps->field_overflow = 1;
  } else {
    ps_fail(ps, st, "out of memory");
  }
}

static void
xhtml_tag(struct parse_state *ps, const xmlChar *localname,
          const xmlChar **attrs, int nattrs, int close)
{
  const char *name = (const char *)localname;

  text_add(ps, close ? "</" : "<", close ? 2 : 1);
  text_add(ps, name, strlen(name));
  for (int i = 0; !close && i < nattrs; i++) {
    const xmlChar **a = attrs + 5 * i;
    char *v = attr_decode(ps, (const char *)a[3], (size_t)(a[4] - a[3]));
    if (!v)
      return;
    text_add(ps, " ", 1);
    text_add(ps, (const char *)a[0], strlen((const char *)a[0]));
    text_add(ps, "=\"", 2);
    text_add_escaped(ps, v, strlen(v), 1);
    text_add(ps, "\"", 1);
    free(v);
  }
  text_add(ps, ">", 1);
}

static void
start_root(struct parse_state *ps, const xmlChar *localname,
           const xmlChar *prefix, const xmlChar *uri)
{
  const char *name = (const char *)localname;

  if (!uri && !strcmp(name, "rss"))
    ps->kind = KIND_RSS;
  else if (uri && !strcmp((const char *)uri, NS_ATOM) &&
           !strcmp(name, "feed")) {
    ps->kind = KIND_ATOM;
    ps->out->atom = 1;
  } else
    ps_fail(ps, SM_ERR_DATA,
            "not an RSS or Atom feed (the root element is <%s%s%s>)",
            prefix ? (const char *)prefix : "", prefix ? ":" : "", name);
}

/* Which field an element directly inside an item or entry is. */
static enum feed_field
item_field(struct parse_state *ps, const char *name, const char *uri)
{
  if (is_site_ns(ps, uri)) {
    if (!strcmp(name, "bibtexkey"))
      return F_BIBTEX;
    if (!strcmp(name, "arxivid"))
      return F_ARXIV;
    if (!strcmp(name, "votes"))
      return F_VOTES;
    if (!strcmp(name, "authors"))
      return F_AUTHORS;
    if (!strcmp(name, "venue"))
      return F_VENUE;
    if (!strcmp(name, "year"))
      return F_YEAR;
    return F_NONE;
  }
  if (uri && !strcmp(uri, NS_DC)) {
    if (!strcmp(name, "creator"))
      return F_CREATOR;
    if (!strcmp(name, "date"))
      return F_DCDATE;
    return F_NONE;
  }
  if (ps->kind == KIND_RSS && !uri) {
    static const struct {
      const char *name;
      enum feed_field f;
    } rss[] = {{"title", F_TITLE},      {"link", F_LINK},
               {"guid", F_GUID},        {"pubDate", F_PUBDATE},
               {"author", F_AUTHOR},    {"description", F_BODY},
               {"category", F_CATEGORY}};
    for (size_t i = 0; i < sizeof(rss) / sizeof(rss[0]); i++)
      if (!strcmp(name, rss[i].name))
        return rss[i].f;
    return F_NONE;
  }
  if (ps->kind == KIND_ATOM && uri && !strcmp(uri, NS_ATOM)) {
    static const struct {
      const char *name;
      enum feed_field f;
    } atom[] = {{"title", F_TITLE},         {"id", F_GUID},
                {"published", F_PUBLISHED}, {"updated", F_UPDATED},
                {"content", F_BODY},        {"summary", F_SUMMARY}};
    for (size_t i = 0; i < sizeof(atom) / sizeof(atom[0]); i++)
      if (!strcmp(name, atom[i].name))
        return atom[i].f;
  }
  return F_NONE;
}

/* Atom elements that carry their data in attributes. */
static void
atom_attrs(struct parse_state *ps, const char *name, const xmlChar **attrs,
           int nattrs)
{
  struct feed_item *it = &ps->item;

  if (!strcmp(name, "link")) {
    char *href = attr_dup(ps, attrs, nattrs, "href");
    char *rel = attr_dup(ps, attrs, nattrs, "rel");
    char **slot = NULL;

    if (!rel)
      slot = &it->any_link;
    else if (!strcmp(rel, "alternate"))
      slot = &it->alt_link;
    if (href && slot && !*slot) {
      *slot = href;
      href = NULL;
    }
    free(href);
    free(rel);
  } else if (!strcmp(name, "category")) {
    char *term = attr_dup(ps, attrs, nattrs, "term");
    if (term) {
      if (strlen(term) > FEED_MAX_TEXT)
        item_too_long(it, "category", strlen(term));
      else
        item_add_keyword(ps, term, strlen(term));
    }
    free(term);
  } else if (!strcmp(name, "author")) {
    ps->author_depth = ps->depth;
  }
}

static void
sax_start(void *ud, const xmlChar *localname, const xmlChar *prefix,
          const xmlChar *uri, int nnamespaces, const xmlChar **namespaces,
          int nattrs, int ndefaulted, const xmlChar **attrs)
{
  struct parse_state *ps = ud;
  const char *name = (const char *)localname;
  const char *ns = (const char *)uri;
  enum feed_field f;

  (void)nnamespaces;
  (void)namespaces;
  (void)ndefaulted;
  if (ps->status != SM_OK)
    return;
  ps->depth++;
  if (ps->field != F_NONE) {
    /* Markup inside a field: kept only for Atom XHTML content, without
     * the wrapping div the format requires. */
    if (ps->xhtml && !(ps->depth == ps->field_depth + 1 && ns &&
                       !strcmp(ns, NS_XHTML) && !strcmp(name, "div")))
      xhtml_tag(ps, localname, attrs, nattrs, 0);
    return;
  }
  if (ps->depth == 1) {
    start_root(ps, localname, prefix, uri);
    return;
  }
  if (ps->kind == KIND_RSS && ps->depth == 2 && !ns &&
      !strcmp(name, "channel")) {
    ps->in_channel = 1;
    return;
  }
  if (!ps->item_depth) {
    int is_item = (ps->kind == KIND_RSS && ps->in_channel && ps->depth == 3 &&
                   !ns && !strcmp(name, "item")) ||
                  (ps->kind == KIND_ATOM && ps->depth == 2 && ns &&
                   !strcmp(ns, NS_ATOM) && !strcmp(name, "entry"));
    int is_title =
        !strcmp(name, "title") &&
        ((ps->kind == KIND_RSS && ps->in_channel && ps->depth == 3 && !ns) ||
         (ps->kind == KIND_ATOM && ps->depth == 2 && ns &&
          !strcmp(ns, NS_ATOM)));
    if (is_item) {
      if (++ps->item_no > FEED_MAX_ITEMS) {
        ps_fail(ps, SM_ERR_LIMIT, "more than %d items", FEED_MAX_ITEMS);
        return;
      }
      ps->item_depth = ps->depth;
    } else if (is_title && !ps->out->title) {
      field_start(ps, F_FEED_TITLE, prefix, localname);
    }
    return;
  }
  if (ps->author_depth) {
    if (ps->depth == ps->author_depth + 1 && ns && !strcmp(ns, NS_ATOM) &&
        !strcmp(name, "name"))
      field_start(ps, F_AUTHOR_NAME, prefix, localname);
    return;
  }
  if (ps->depth != ps->item_depth + 1)
    return;
  if (ps->kind == KIND_ATOM && ns && !strcmp(ns, NS_ATOM))
    atom_attrs(ps, name, attrs, nattrs);
  if (ns && !strcmp(ns, NS_ARXIV) && !strcmp(name, "primary_category")) {
    char *term = attr_dup(ps, attrs, nattrs, "term");
    if (term && strlen(term) <= FEED_MAX_TEXT)
      item_add_first_keyword(ps, term, strlen(term));
    free(term);
  }
  if (ns)
    unknown_ns(ps, ns, prefix, name);
  f = item_field(ps, name, ns);
  if (f == F_NONE)
    return;
  field_start(ps, f, prefix, localname);
  if (f == F_GUID && ps->kind == KIND_RSS &&
      attr_is(attrs, nattrs, "isPermaLink", "false"))
    ps->item.guid_not_permalink = 1;
  if ((f == F_BODY || f == F_SUMMARY) && ps->kind == KIND_ATOM) {
    if (f == F_BODY) {
      char *src = attr_dup(ps, attrs, nattrs, "src");
      if (src)
        ps->item.content_src = 1;
      free(src);
    }
    ps->xhtml = attr_is(attrs, nattrs, "type", "xhtml");
  }
}

/* The end of a field: its text goes where the field says. */
static void
field_end(struct parse_state *ps)
{
  struct feed_item *it = &ps->item;
  enum feed_field f = ps->field;
  const char *text = buf_str(&ps->text);

  ps->field = F_NONE;
  if (f == F_FEED_TITLE) {
    if (!ps->field_overflow)
      ps->out->title = collapse_ws(ps_strdup(ps, text, ps->text.len));
    return;
  }
  if (ps->field_overflow) {
    item_too_long(it, ps->field_name, ps->field_len);
    return;
  }
  if (f == F_CATEGORY) {
    item_add_keyword(ps, text, ps->text.len);
  } else if (f == F_AUTHOR_NAME) {
    enum sm_status st = SM_OK;
    char *name = collapse_ws(ps_strdup(ps, text, ps->text.len));
    if (name) {
      if (it->names.len)
        st = buf_puts(&it->names, ", ");
      if (st == SM_OK)
        st = buf_puts(&it->names, name);
      if (st == SM_ERR_LIMIT)
        item_too_long(it, "author", it->names.len + strlen(name));
      else if (st != SM_OK)
        ps_fail(ps, st, "out of memory");
    }
    free(name);
  } else if (f < F_NFIELDS && !it->val[f]) {
    it->val[f] = ps_strdup(ps, text, ps->text.len);
  }
}

static void
sax_end(void *ud, const xmlChar *localname, const xmlChar *prefix,
        const xmlChar *uri)
{
  struct parse_state *ps = ud;

  (void)prefix;
  (void)uri;
  if (ps->status != SM_OK)
    return;
  if (ps->field != F_NONE) {
    if (ps->depth == ps->field_depth)
      field_end(ps);
    else if (ps->xhtml && !(ps->depth == ps->field_depth + 1 && uri &&
                            !strcmp((const char *)uri, NS_XHTML) &&
                            !strcmp((const char *)localname, "div")))
      xhtml_tag(ps, localname, NULL, 0, 1);
  } else if (ps->author_depth && ps->depth == ps->author_depth) {
    ps->author_depth = 0;
  } else if (ps->item_depth && ps->depth == ps->item_depth) {
    ps->item_depth = 0;
    item_finish(ps);
  } else if (ps->in_channel && ps->depth == 2) {
    ps->in_channel = 0;
  }
  ps->depth--;
}

static void
sax_text(void *ud, const xmlChar *s, int n)
{
  struct parse_state *ps = ud;

  if (ps->status != SM_OK || ps->field == F_NONE || n <= 0)
    return;
  if (ps->xhtml)
    text_add_escaped(ps, (const char *)s, (size_t)n, 0);
  else
    text_add(ps, (const char *)s, (size_t)n);
}

/* Any entity declaration ends the parse: feeds have no use for them, and
 * they are how documents expand without bound or read local files. */
static void
sax_entity(void *ud, const xmlChar *name, int type, const xmlChar *publicId,
           const xmlChar *systemId, xmlChar *content)
{
  struct parse_state *ps = ud;

  (void)type;
  (void)publicId;
  (void)content;
  ps_fail(ps, SM_ERR_DATA,
          "line %d: the document declares the entity \"%.60s\"%s; feeds "
          "may not declare entities",
          xmlSAX2GetLineNumber(ps->ctxt), (const char *)name,
          systemId ? " (an external entity)" : "");
}

static void
sax_unparsed_entity(void *ud, const xmlChar *name, const xmlChar *publicId,
                    const xmlChar *systemId, const xmlChar *notation)
{
  (void)notation;
  sax_entity(ud, name, 0, publicId, systemId, NULL);
}

/* Keeps libxml2's first error (the cause; later ones are fallout) and
 * keeps it off stderr. */
static void
sax_error(void *ud, xmlErrorPtr e)
{
  struct parse_state *ps = ud;
  size_t n;

  if (!e || e->level < XML_ERR_ERROR || ps->xml_msg[0])
    return;
  snprintf(ps->xml_msg, sizeof(ps->xml_msg), "%s",
           e->message ? e->message : "not well-formed");
  n = strlen(ps->xml_msg);
  while (n > 0 && is_ws(ps->xml_msg[n - 1]))
    ps->xml_msg[--n] = '\0';
  ps->xml_line = e->line;
}

/* libxml2 reports a few problems outside any parser context through its
 * generic handler, which prints to stderr. */
static void
xml_silent(void *ctx, const char *msg, ...)
{
  (void)ctx;
  (void)msg;
}

/* The encoding named in the XML declaration, into out ("" if none). */
static void
declared_encoding(const char *data, size_t len, char *out, size_t outlen)
{
  size_t i, end, n = 0;
  const char *p;

  out[0] = '\0';
  if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
    data += 3;
    len -= 3;
  }
  if (len < 5 || memcmp(data, "<?xml", 5))
    return;
  for (end = 5; end + 1 < len && end < 1024; end++)
    if (data[end] == '?' && data[end + 1] == '>')
      break;
  for (i = 5; i + 8 <= end; i++)
    if (!memcmp(data + i, "encoding", 8))
      break;
  if (i + 8 > end)
    return;
  p = data + i + 8;
  while (p < data + end && (is_ws(*p) || *p == '='))
    p++;
  if (p >= data + end || (*p != '"' && *p != '\''))
    return;
  for (p++; p < data + end && *p != '"' && *p != '\'' && n + 1 < outlen; p++)
    out[n++] = *p;
  out[n] = '\0';
}

/* The site cuts texts at a byte count, so a character can be split just
 * before its "...". A copy of data without each such partial sequence,
 * when every bad byte (the first at `off`) is one; SM_ERR_DATA when some
 * other bad byte remains. */
static enum sm_status
repair_cut_utf8(const char *data, size_t len, size_t off, char **out,
                size_t *outlen)
{
  struct buf b = BUF_INIT(len);
  size_t from = 0;
  enum sm_status st = SM_OK;

  *out = NULL;
  while (off < len && st == SM_OK) {
    unsigned char c = (unsigned char)data[off];
    size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0, j;

    /* A lead byte, fewer continuation bytes than it needs, "...". */
    for (j = off + 1;
         j < len && j < off + want && ((unsigned char)data[j] & 0xC0) == 0x80;
         j++)
      ;
    if (!want || c > 0xF4 || j >= off + want || len - j < 3 ||
        memcmp(data + j, "...", 3)) {
      st = SM_ERR_DATA;
      break;
    }
    st = buf_append(&b, data + from, off - from);
    from = j;
    off = j + util_utf8_valid_prefix(data + j, len - j);
  }
  if (st == SM_OK)
    st = buf_append(&b, data + from, len - from);
  if (st != SM_OK) {
    buf_free(&b);
    return st == SM_ERR_LIMIT ? SM_ERR_DATA : st;
  }
  *outlen = b.len;
  *out = buf_detach(&b);
  return *out ? SM_OK : SM_ERR_NOMEM;
}

static int
is_utf16_bom(const char *data, size_t len)
{
  return len >= 2 &&
         (!memcmp(data, "\xFE\xFF", 2) || !memcmp(data, "\xFF\xFE", 2));
}

enum sm_status
feed_parse(const char *data, size_t len, const struct feed_parse_opts *o,
           struct feed_parsed *out, char *err, size_t errlen)
{
  struct parse_state ps;
  xmlSAXHandler sax;
  char enc[64];
  char *repaired = NULL;
  enum sm_status st = SM_OK;

  memset(out, 0, sizeof(*out));
  memset(&ps, 0, sizeof(ps));
  ps.base = o && o->base ? o->base : "feed";
  ps.site_url = o ? o->site_url : NULL;
  ps.warn = o ? o->warn : NULL;
  ps.warn_ctx = o ? o->warn_ctx : NULL;
  ps.out = out;
  ps.err = err;
  ps.errlen = errlen;
  buf_init(&ps.text, FEED_MAX_TEXT);
  buf_init(&ps.esc, FEED_MAX_TEXT);
  buf_init(&ps.item.names, FEED_MAX_TEXT);
  if (errlen)
    err[0] = '\0';

  if (len == 0) {
    snprintf(err, errlen, "%s: empty document", ps.base);
    return SM_ERR_DATA;
  }
  if (len > INT_MAX) {
    snprintf(err, errlen, "%s: document of %zu bytes is too large", ps.base,
             len);
    return SM_ERR_LIMIT;
  }
  /* libxml2 would replace or reject bad bytes with a less useful
   * message; say where they are. */
  declared_encoding(data, len, enc, sizeof(enc));
  if (!is_utf16_bom(data, len) &&
      (!enc[0] || !strcasecmp(enc, "utf-8") || !strcasecmp(enc, "utf8"))) {
    size_t off = util_utf8_valid_prefix(data, len);
    if (off < len) {
      st = repair_cut_utf8(data, len, off, &repaired, &len);
      if (st == SM_ERR_NOMEM) {
        snprintf(err, errlen, "%s: out of memory", ps.base);
        return st;
      }
      if (st == SM_OK) {
        data = repaired;
        off = len;
      }
      st = SM_OK;
    }
    if (off < len) {
      size_t line = 1;
      for (size_t i = 0; i < off; i++)
        line += data[i] == '\n';
      snprintf(err, errlen, "%s: not valid UTF-8 at byte %zu (line %zu)",
               ps.base, off, line);
      return SM_ERR_DATA;
    }
  }

  xmlInitParser();
  xmlSetGenericErrorFunc(NULL, xml_silent);
  ps.ctxt = xmlCreateMemoryParserCtxt(data, (int)len);
  if (!ps.ctxt) {
    snprintf(err, errlen, "%s: cannot create an XML parser", ps.base);
    return SM_ERR_NOMEM;
  }
  /* No NOENT (entities stay unexpanded), no DTDLOAD, no HUGE: libxml2's
   * own limits on names, depth and text stay in force. */
  xmlCtxtUseOptions(ps.ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA);
  memset(&sax, 0, sizeof(sax));
  sax.initialized = XML_SAX2_MAGIC;
  sax.startElementNs = sax_start;
  sax.endElementNs = sax_end;
  sax.characters = sax_text;
  sax.cdataBlock = sax_text;
  sax.entityDecl = sax_entity;
  sax.unparsedEntityDecl = sax_unparsed_entity;
  sax.serror = sax_error;
  memcpy(ps.ctxt->sax, &sax, sizeof(sax));
  ps.ctxt->userData = &ps;

  xmlParseDocument(ps.ctxt);

  if (ps.status != SM_OK) {
    st = ps.status;
  } else if (!ps.ctxt->wellFormed || ps.xml_msg[0]) {
    st = SM_ERR_DATA;
    if (ps.xml_msg[0])
      snprintf(err, errlen, "%s: line %d: %s", ps.base, ps.xml_line,
               ps.xml_msg);
    else
      snprintf(err, errlen, "%s: not well-formed XML", ps.base);
  } else if (ps.item_no == 0 && !(o && o->allow_empty)) {
    st = SM_ERR_DATA;
    snprintf(err, errlen, "%s: feed has no items", ps.base);
  } else if (out->nitems == 0 && ps.item_no > 0) {
    st = SM_ERR_DATA;
    snprintf(err, errlen, "%s: all %zu items were skipped; nothing to store",
             ps.base, ps.item_no);
  }

  if (ps.ctxt->myDoc)
    xmlFreeDoc(ps.ctxt->myDoc);
  xmlFreeParserCtxt(ps.ctxt);
  item_clear(&ps.item);
  buf_free(&ps.item.names);
  buf_free(&ps.text);
  buf_free(&ps.esc);
  for (size_t i = 0; i < ps.nunknown_ns && i < MAX_UNKNOWN_NS; i++)
    free(ps.unknown_ns[i]);
  free(repaired);
  if (st != SM_OK)
    feed_parsed_free(out);
  return st;
}

void
feed_parsed_free(struct feed_parsed *p)
{
  if (!p)
    return;
  for (size_t i = 0; i < p->nitems; i++)
    model_summary_free(&p->items[i]);
  free(p->items);
  free(p->title);
  memset(p, 0, sizeof(*p));
}
