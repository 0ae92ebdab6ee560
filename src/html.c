/* html.c: HTML to text with libxml2's forgiving HTML parser. */
#include "config.h"

#include <dlfcn.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "html.h"
#include "log.h"
#include "util.h"

/* libxml2 is loaded (dlopen) when the first HTML body is read, through
 * the five functions below: most received mail has a text part, and
 * linking libxml2, which brings ICU and libstdc++ (4,300 symbols bound at
 * load), cost every `shortmail-receive` about 1.5 ms, a fifth of a
 * message. The full program links libxml2 for feeds anyway, and the
 * dlopen then finds it loaded. The soname is libxml2's since 2.0. */
#define HTML_LIBXML2 "libxml2.so.2"

static struct {
  int state; /* 0: not tried; 1: loaded; -1: failed */
  htmlDocPtr (*read_memory)(const char *, int, const char *, const char *,
                            int);
  xmlNodePtr (*root)(const xmlDoc *);
  xmlChar *(*get_prop)(const xmlNode *, const xmlChar *);
  void (*free_doc)(xmlDocPtr);
  xmlFreeFunc *free; /* libxml2's xmlFree is a variable */
} lx;

/* Loads libxml2 once; 0 when it is there. */
static int
lx_load(void)
{
  void *h;

  if (lx.state)
    return lx.state > 0 ? 0 : -1;
  lx.state = -1;
  h = dlopen(HTML_LIBXML2, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    log_error("%s cannot be loaded, so HTML mail cannot be read: %s",
              HTML_LIBXML2, dlerror());
    return -1;
  }
  /* dlsym returns void *; POSIX makes it convertible to a function
   * pointer, which ISO C does not say: through memcpy, -Wpedantic
   * stays quiet. */
#define LX_SYM(field, name)                                                   \
  do {                                                                        \
    void *sym = dlsym(h, name);                                               \
    if (!sym) {                                                               \
      log_error("%s: no %s", HTML_LIBXML2, name);                             \
      return -1;                                                              \
    }                                                                         \
    memcpy(&lx.field, &sym, sizeof(sym));                                     \
  } while (0)
  LX_SYM(read_memory, "htmlReadMemory");
  LX_SYM(root, "xmlDocGetRootElement");
  LX_SYM(get_prop, "xmlGetProp");
  LX_SYM(free_doc, "xmlFreeDoc");
  LX_SYM(free, "xmlFree");
#undef LX_SYM
  lx.state = 1;
  return 0;
}

#define HTML_MAX_DEPTH 256
/* Quote marks written per line at most: deeper quotes look the same, and
 * the output stays within a small multiple of the input. */
#define HTML_MAX_QUOTE 16

struct walk {
  struct buf *out;
  int quote;      /* blockquote depth: each line gets "> " per level */
  int at_line;    /* nothing written on the current line yet */
  int space;      /* a space is pending before the next word */
  int para;       /* a paragraph ended: a blank line before the next text */
  int para_quote; /* the quote depth where it ended */
  int nbsp;       /* a no-break space was seen since the last text */
  enum sm_status rc;
};

static int
is_block(const char *n)
{
  static const char *const blocks[] = {
      "p",       "div",        "h1",      "h2",      "h3",     "h4",
      "h5",      "h6",         "ul",      "ol",      "li",     "table",
      "tr",      "pre",        "hr",      "dl",      "dt",     "dd",
      "address", "blockquote", "section", "article", "header", "footer",
      "center",  NULL};

  for (int i = 0; blocks[i]; i++)
    if (!strcasecmp(n, blocks[i]))
      return 1;
  return 0;
}

static void
put(struct walk *w, const char *s, size_t n)
{
  if (w->rc == SM_OK)
    w->rc = buf_append(w->out, s, n);
}

static void
newline(struct walk *w)
{
  if (!w->at_line)
    put(w, "\n", 1);
  w->at_line = 1;
  w->space = 0;
}

static void
put_quote(struct walk *w, int depth)
{
  for (int i = 0; i < depth && i < HTML_MAX_QUOTE; i++)
    put(w, "> ", 2);
}

static void
start_line(struct walk *w)
{
  if (!w->at_line)
    return;
  /* The blank line after a paragraph is written only when more text
   * follows, quoted as deep as both sides share. */
  if (w->para && w->out->len) {
    put_quote(w, w->para_quote < w->quote ? w->para_quote : w->quote);
    put(w, "\n", 1);
  }
  w->para = 0;
  put_quote(w, w->quote);
  w->at_line = 0;
}

/* Text outside <pre>: runs of white space, including the no-break
 * spaces (U+00A0) mail clients put between words, are one space. */
static void
text(struct walk *w, const char *s, int pre)
{
  for (const char *p = s; *p && w->rc == SM_OK;) {
    if (pre) {
      const char *e = strchr(p, '\n');
      size_t n = e ? (size_t)(e - p) : strlen(p);
      if (n) {
        start_line(w);
        put(w, p, n);
      }
      if (!e)
        break;
      put(w, "\n", 1);
      w->at_line = 1;
      p = e + 1;
      continue;
    }
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
      w->space = 1;
      p++;
      continue;
    }
    if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) {
      w->space = 1;
      w->nbsp = 1;
      p += 2;
      continue;
    }
    {
      size_t n = 0;

      /* The word ends at white space or a no-break space; found byte by
       * byte, since searching the rest of the text for each word would
       * be quadratic in a long text node. */
      while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '\r' &&
             p[n] != '\n' &&
             !((unsigned char)p[n] == 0xC2 && (unsigned char)p[n + 1] == 0xA0))
        n++;
      if (w->space && !w->at_line)
        put(w, " ", 1);
      start_line(w);
      put(w, p, n);
      w->space = 0;
      w->nbsp = 0;
      p += n;
    }
  }
}

/* Whether an element is a paragraph with space below it, as browsers
 * show <p>: its text is followed by a blank line, so that paragraphs stay
 * paragraphs in a comment (in markdown, lines without a blank line
 * between them are one paragraph). Word's paragraphs (class "MsoNormal",
 * "MsoPlainText", ...) are the exception: Outlook styles them with no
 * margin, one per line, and writes an empty one for a blank line. */
static int
is_paragraph(xmlNode *n)
{
  xmlChar *cls;
  int word;

  if (strcasecmp((const char *)n->name, "p"))
    return 0;
  cls = lx.get_prop(n, (const xmlChar *)"class");
  word = cls && !strncmp((const char *)cls, "Mso", 3);
  if (cls)
    (*lx.free)(cls);
  return !word;
}

static void
set_para(struct walk *w)
{
  w->para = 1;
  w->para_quote = w->quote;
}

static void
walk(struct walk *w, xmlNode *n, int pre, int depth)
{
  for (; n && w->rc == SM_OK; n = n->next) {
    const char *name = (const char *)n->name;
    size_t before;

    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      text(w, (const char *)n->content, pre);
      continue;
    }
    if (n->type != XML_ELEMENT_NODE || depth > HTML_MAX_DEPTH)
      continue;
    if (!strcasecmp(name, "script") || !strcasecmp(name, "style") ||
        !strcasecmp(name, "head") || !strcasecmp(name, "title"))
      continue;
    if (!strcasecmp(name, "br")) {
      if (w->at_line)
        start_line(w);
      put(w, "\n", 1);
      w->at_line = 1;
      w->space = 0;
      continue;
    }
    if (is_block(name))
      newline(w);
    if (!strcasecmp(name, "blockquote"))
      w->quote++;
    if (!strcasecmp(name, "li")) {
      start_line(w);
      put(w, "* ", 2);
    }
    before = w->out->len;
    if (is_block(name))
      w->nbsp = 0;
    walk(w, n->children, pre || !strcasecmp(name, "pre"), depth + 1);
    if (!strcasecmp(name, "blockquote"))
      w->quote--;
    if (is_block(name)) {
      int empty = w->out->len == before;

      /* A block holding nothing but a no-break space is how Outlook
       * (<p class=MsoNormal><o:p>&nbsp;</o:p></p>) and others write an
       * empty line. */
      if (empty && w->nbsp) {
        start_line(w);
        put(w, "\n", 1);
        w->at_line = 1;
        w->nbsp = 0;
      }
      newline(w);
      if (!empty && is_paragraph(n))
        set_para(w);
    }
  }
}

/* A copy of s with each byte that is not part of valid UTF-8 replaced
 * by U+FFFD: libxml2's parser, told the input is UTF-8, passes such bytes
 * through into the text, and the text must be UTF-8 for everything that
 * reads it (the comment extractor refuses anything else). */
static enum sm_status
utf8_repair(const char *s, size_t n, struct buf *out)
{
  enum sm_status st = SM_OK;
  size_t i = 0;

  while (i < n && st == SM_OK) {
    size_t run = 0, len;
    uint32_t cp;

    /* Copy the longest valid prefix in one go. */
    while (i + run < n &&
           (len = util_utf8_decode(s + i + run, n - i - run, &cp)) > 0)
      run += len;
    st = buf_append(out, s + i, run);
    i += run;
    if (i < n && st == SM_OK) {
      st = buf_append(out, "\xEF\xBF\xBD", 3);
      i++;
    }
  }
  return st == SM_OK && !out->data ? buf_append(out, "", 0) : st;
}

enum sm_status
html_to_text(const char *html, size_t len, struct buf *out)
{
  htmlDocPtr doc;
  struct walk w = {out, 0, 1, 0, 0, 0, 0, SM_OK};
  struct buf fixed = BUF_INIT((size_t)0x7fffffff); /* libxml2 takes an int */

  if (len > (size_t)0x7fffffff)
    return SM_ERR_LIMIT;
  if (lx_load() < 0)
    return SM_ERR_INTERNAL;
  if (!util_utf8_valid(html, len)) {
    enum sm_status st = utf8_repair(html, len, &fixed);

    if (st != SM_OK) {
      buf_free(&fixed);
      return st;
    }
    html = fixed.data;
    len = fixed.len;
  }
  doc = lx.read_memory(html, (int)len, NULL, "UTF-8",
                       HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                           HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                           HTML_PARSE_NOBLANKS);
  if (!doc) {
    buf_free(&fixed);
    return buf_append(out, "", 0);
  }
  walk(&w, lx.root(doc), 0, 0);
  lx.free_doc(doc);
  buf_free(&fixed);
  if (w.rc == SM_OK && !w.at_line)
    w.rc = buf_putc(out, '\n');
  if (w.rc == SM_OK && !out->data)
    w.rc = buf_append(out, "", 0);
  return w.rc;
}
