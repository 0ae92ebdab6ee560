/* html.c: HTML to text with libxml2's forgiving HTML parser. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "html.h"

#define HTML_MAX_DEPTH 256

struct walk {
  struct buf *out;
  int quote;   /* blockquote depth: each line gets "> " per level */
  int at_line; /* nothing written on the current line yet */
  int space;   /* a space is pending before the next word */
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
start_line(struct walk *w)
{
  if (!w->at_line)
    return;
  for (int i = 0; i < w->quote; i++)
    put(w, "> ", 2);
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
      p += 2;
      continue;
    }
    {
      size_t n = strcspn(p, " \t\r\n");
      const char *nb = strstr(p, "\xC2\xA0");
      if (nb && (size_t)(nb - p) < n)
        n = (size_t)(nb - p);
      if (w->space && !w->at_line)
        put(w, " ", 1);
      start_line(w);
      put(w, p, n);
      w->space = 0;
      p += n;
    }
  }
}

static void
walk(struct walk *w, xmlNode *n, int pre, int depth)
{
  for (; n && w->rc == SM_OK; n = n->next) {
    const char *name = (const char *)n->name;

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
    walk(w, n->children, pre || !strcasecmp(name, "pre"), depth + 1);
    if (!strcasecmp(name, "blockquote"))
      w->quote--;
    if (is_block(name))
      newline(w);
  }
}

enum sm_status
html_to_text(const char *html, size_t len, struct buf *out)
{
  htmlDocPtr doc;
  struct walk w = {out, 0, 1, 0, SM_OK};

  if (len > (size_t)0x7fffffff)
    return SM_ERR_LIMIT;
  doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
                       HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                           HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                           HTML_PARSE_NOBLANKS);
  if (!doc)
    return buf_append(out, "", 0);
  walk(&w, xmlDocGetRootElement(doc), 0, 0);
  xmlFreeDoc(doc);
  if (w.rc == SM_OK && !w.at_line)
    w.rc = buf_putc(out, '\n');
  if (w.rc == SM_OK && !out->data)
    w.rc = buf_append(out, "", 0);
  return w.rc;
}
