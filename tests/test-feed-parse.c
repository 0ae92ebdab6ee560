/* test-feed-parse.c: feed_parse on RSS and Atom samples, every field
 * checked, and on each kind of bad input with its message. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "feed.h"
#include "tap.h"

/* Every warning, one per line. */
static struct buf warnings = BUF_INIT(1 << 20);
static int nwarnings, warnings_dropped;

static void
collect_warning(void *ctx, const char *msg)
{
  (void)ctx;
  /* A flood of warnings (a test of the cap) fills the buffer: those past
   * it are counted, not kept (one append, so a line is whole or absent). */
  if (buf_printf(&warnings, "%s\n", msg) != SM_OK)
    warnings_dropped++;
  nwarnings++;
}

static enum sm_status
parse(const char *doc, size_t len, struct feed_parsed *p, char *err)
{
  buf_reset(&warnings);
  nwarnings = 0;
  struct feed_parse_opts o = {"http://feeds.test/feed.xml",
                              "https://www.shortscience.org", 0,
                              collect_warning, NULL};

  return feed_parse(doc, len, &o, p, err, SM_ERRLEN);
}

static enum sm_status
parse_str(const char *doc, struct feed_parsed *p, char *err)
{
  return parse(doc, strlen(doc), p, err);
}

#define like(hay, needle, name)                                               \
  do {                                                                        \
    const char *h_ = (hay);                                                   \
    if (!ok(h_ && strstr(h_, (needle)), (name))) {                            \
      diag("got:  \"%s\"", h_ ? h_ : "(null)");                               \
      diag("want: \"%s\" in it", (needle));                                   \
    }                                                                         \
  } while (0)

static const char rss_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rss version=\"2.0\"\n"
    "  xmlns:shortscience=\"https://www.shortscience.org/ns/1.0\"\n"
    "  xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
    "<channel>\n"
    "  <title>  ShortScience.org:\n   newest </title>\n"
    "  <link>https://www.shortscience.org/</link>\n"
    "  <image><title>not the channel title</title></image>\n"
    "  <item>\n"
    "    <title>Deep Residual\n      Learning\tfor Image Recognition "
    "</title>\n"
    "    <link> https://www.shortscience.org/paper?bibtexKey=x#a </link>\n"
    "    <guid isPermaLink=\"false\">ss:1001</guid>\n"
    "    <pubDate>Mon, 23 Nov 2026 02:34:08 +0000</pubDate>\n"
    "    <author>mt@example.org (Martin  Thoma)</author>\n"
    "    <description><![CDATA[\n"
    "   \n"
    "  Deeper networks, $F(x) = H(x) - x$:\n"
    "\n"
    "* one\n"
    "    * two & <b>three</b>\n"
    "\n"
    "    code block\n"
    "\n  \n]]></description>\n"
    "    <category>cs.CV</category>\n"
    "    <category> residual\n networks </category>\n"
    "    <category>CS.cv</category>\n"
    "    <category>  </category>\n"
    "    <shortscience:bibtexkey>journals/corr/HeZRS15"
    "</shortscience:bibtexkey>\n"
    "    <shortscience:arxivid>arXiv:1512.03385v2</shortscience:arxivid>\n"
    "    <shortscience:votes> 42 </shortscience:votes>\n"
    "    <shortscience:authors>Kaiming He,\n   Xiangyu Zhang, Zoë "
    "Müller</shortscience:authors>\n"
    "    <shortscience:venue>CVPR</shortscience:venue>\n"
    "    <shortscience:year>2016</shortscience:year>\n"
    "    <source url=\"http://x/\"><title>ignored</title></source>\n"
    "  </item>\n"
    "  <item>\n"
    "    <title>Second</title>\n"
    "    <guid>https://www.shortscience.org/s/2</guid>\n"
    "    <dc:creator>José Álvarez</dc:creator>\n"
    "    <author>someone@example.org</author>\n"
    "    <description>a &lt;b&gt; &amp; c&#233;</description>\n"
    "    <dc:date>2026-11-20T10:00:00Z</dc:date>\n"
    "  </item>\n"
    "</channel>\n"
    "</rss>\n";

static void
test_rss(void)
{
  struct feed_parsed p;
  char err[SM_ERRLEN];
  const struct model_summary *s;

  is_int(parse_str(rss_doc, &p, err), SM_OK, "rss: parses");
  is_str(err, "", "rss: no error");
  is_int(p.nitems, 2, "rss: two items");
  is_int(p.nskipped, 0, "rss: none skipped");
  is_int(nwarnings, 0, "rss: no warnings");
  is_str(p.title, "ShortScience.org: newest", "rss: channel title");
  if (p.nitems != 2)
    return;
  s = &p.items[0];
  is_str(s->title, "Deep Residual Learning for Image Recognition",
         "rss: title, white space collapsed");
  is_str(s->link, "https://www.shortscience.org/paper?bibtexKey=x#a",
         "rss: link trimmed");
  is_str(s->guid, "ss:1001", "rss: guid");
  is_int(s->published, 1795401248, "rss: pubDate (RFC 822)");
  is_str(s->summarizer, "Martin Thoma", "rss: author \"email (Name)\"");
  is_str(s->markdown,
         "  Deeper networks, $F(x) = H(x) - x$:\n"
         "\n"
         "* one\n"
         "    * two & <b>three</b>\n"
         "\n"
         "    code block",
         "rss: description keeps its lines, blank lines trimmed");
  is_int(s->nkeywords, 2, "rss: keywords deduplicated without case");
  if (s->nkeywords == 2) {
    is_str(s->keywords[0], "cs.CV", "rss: first keyword");
    is_str(s->keywords[1], "residual networks",
           "rss: keyword white space collapsed");
  }
  is_str(s->bibtex_key, "journals/corr/HeZRS15", "rss: bibtex key");
  is_str(s->arxiv_id, "1512.03385", "rss: arXiv id without prefix, version");
  is_int(s->votes, 42, "rss: votes");
  is_str(s->authors, "Kaiming He, Xiangyu Zhang, Zoë Müller",
         "rss: paper authors collapsed");
  is_str(s->venue, "CVPR", "rss: venue");
  is_int(s->year, 2016, "rss: year");

  s = &p.items[1];
  is_str(s->title, "Second", "rss 2: title");
  is_str(s->link, "https://www.shortscience.org/s/2",
         "rss 2: permalink guid stands in for link");
  is_str(s->guid, "https://www.shortscience.org/s/2", "rss 2: guid");
  is_str(s->summarizer, "José Álvarez", "rss 2: dc:creator wins");
  is_str(s->markdown, "a <b> & c\xC3\xA9", "rss 2: escaped text decoded");
  is_int(s->published, 1795168800, "rss 2: dc:date when no pubDate");
  ok(!s->authors && !s->venue && !s->arxiv_id && !s->bibtex_key,
     "rss 2: absent fields NULL");
  is_int(s->year, 0, "rss 2: no year");
  is_int(s->votes, 0, "rss 2: no votes");
  is_int(s->nkeywords, 0, "rss 2: no keywords");
  feed_parsed_free(&p);
  ok(p.items == NULL && p.nitems == 0, "feed_parsed_free clears");
}

static const char atom_doc[] =
    "<?xml version=\"1.0\"?>\n"
    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
    "  <title type=\"text\">arXiv cs.LG</title>\n"
    "  <author><name>Feed Author</name></author>\n"
    "  <entry>\n"
    "    <id>http://arxiv.org/abs/1412.6980v9</id>\n"
    "    <updated>2017-01-30T01:27:54Z</updated>\n"
    "    <published>2014-12-22T13:54:29Z</published>\n"
    "    <title>Adam: A Method for\n  Stochastic Optimization</title>\n"
    "    <summary>\n  We introduce Adam.\n\n  Second paragraph.\n"
    "</summary>\n"
    "    <author><name>Diederik P.\n Kingma</name>"
    "<uri>http://x/</uri></author>\n"
    "    <author><name>Jimmy Ba</name></author>\n"
    "    <link href=\"http://arxiv.org/pdf/1412.6980v9\" rel=\"related\"/>\n"
    "    <link href=\"http://arxiv.org/abs/1412.6980v9\" rel=\"alternate\"/>\n"
    "    <category term=\"cs.LG\" scheme=\"http://arxiv.org/\"/>\n"
    "    <category term=\"math.OC\"/>\n"
    "    <source><author><name>Not An Author</name></author></source>\n"
    "  </entry>\n"
    "  <entry>\n"
    "    <id>tag:example.org,2026:2</id>\n"
    "    <updated>2026-11-23T02:34:08+01:00</updated>\n"
    "    <title>Xhtml</title>\n"
    "    <link href=\"https://example.org/2?a=1&amp;b=2&#38;c\"/>\n"
    "    <content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">"
    "<p class=\"a&amp;b\">x &lt; y &amp; <em>z</em></p></div></content>\n"
    "    <summary>not this</summary>\n"
    "  </entry>\n"
    "  <entry>\n"
    "    <id>http://arxiv.org/abs/hep-th/9901001v2</id>\n"
    "    <title>Old style</title>\n"
    "    <link href=\"http://arxiv.org/abs/hep-th/9901001v2\"/>\n"
    "    <content src=\"http://example.org/elsewhere\"/>\n"
    "    <summary>the summary</summary>\n"
    "  </entry>\n"
    "</feed>\n";

static void
test_atom(void)
{
  struct feed_parsed p;
  char err[SM_ERRLEN];
  const struct model_summary *s;

  is_int(parse_str(atom_doc, &p, err), SM_OK, "atom: parses");
  is_int(p.nitems, 3, "atom: three entries");
  is_int(nwarnings, 0, "atom: no warnings");
  is_str(p.title, "arXiv cs.LG", "atom: feed title");
  if (p.nitems != 3)
    return;
  s = &p.items[0];
  is_str(s->guid, "http://arxiv.org/abs/1412.6980v9", "atom: id is guid");
  is_str(s->title, "Adam: A Method for Stochastic Optimization",
         "atom: title collapsed");
  is_str(s->link, "http://arxiv.org/abs/1412.6980v9",
         "atom: rel=alternate link");
  is_int(s->published, 1419256469, "atom: published wins over updated");
  is_str(s->markdown, "  We introduce Adam.\n\n  Second paragraph.",
         "atom: summary as text");
  is_str(s->authors, "Diederik P. Kingma, Jimmy Ba",
         "atom: author names joined");
  ok(s->summarizer == NULL, "atom: no summarizer");
  is_str(s->arxiv_id, "1412.6980", "atom: arXiv id from id, no version");
  is_int(s->nkeywords, 2, "atom: two categories");
  if (s->nkeywords == 2) {
    is_str(s->keywords[0], "cs.LG", "atom: category term 1");
    is_str(s->keywords[1], "math.OC", "atom: category term 2");
  }
  s = &p.items[1];
  is_str(s->link, "https://example.org/2?a=1&b=2&c",
         "atom 2: link without rel, '&' in the attribute decoded");
  is_int(s->published, 1795397648, "atom 2: updated when no published");
  is_str(s->markdown, "<p class=\"a&amp;b\">x &lt; y &amp; <em>z</em></p>",
         "atom 2: xhtml content, markup kept, div dropped");
  ok(s->arxiv_id == NULL, "atom 2: no arXiv id");
  ok(s->authors == NULL, "atom 2: feed-level author not used");
  s = &p.items[2];
  is_str(s->markdown, "the summary", "atom 3: content src= -> summary");
  is_str(s->arxiv_id, "hep-th/9901001", "atom 3: old-style arXiv id");
  feed_parsed_free(&p);
}

/* A one-item RSS document around the item's inner XML. */
static char *
rss_with(const char *items)
{
  struct buf b = BUF_INIT(64 << 20);

  must(buf_printf(&b,
                  "<?xml version=\"1.0\"?>\n<rss version=\"2.0\" "
                  "xmlns:shortscience=\"https://www.shortscience.org/ns/1.0\">"
                  "<channel><title>t</title>\n%s</channel></rss>\n",
                  items));
  return buf_detach(&b);
}

static void
test_bad_documents(void)
{
  struct feed_parsed p;
  char err[SM_ERRLEN];
  char *doc;

  is_int(parse_str("<rss><channel><item><title>x</item></channel></rss>", &p,
                   err),
         SM_ERR_DATA, "malformed: SM_ERR_DATA");
  like(err,
       "http://feeds.test/feed.xml: line 1: Opening and ending tag "
       "mismatch: title",
       "malformed: URL, line and libxml2's message");
  ok(p.items == NULL && p.nitems == 0, "malformed: nothing returned");

  is_int(parse_str("<?xml version=\"1.0\"?>\n<rss>\n<channel>\n<item>\n"
                   "<title>a</title>\n",
                   &p, err),
         SM_ERR_DATA, "truncated: SM_ERR_DATA");
  like(err, "feed.xml: line ", "truncated: names a line");

  is_int(
      parse_str("<!DOCTYPE html><html><body>Not found</body></html>", &p, err),
      SM_ERR_DATA, "html: SM_ERR_DATA");
  is_str(err,
         "http://feeds.test/feed.xml: not an RSS or Atom feed (the root "
         "element is <html>)",
         "html: names the root element");
  is_int(parse_str("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/"
                   "22-rdf-syntax-ns#\"/>",
                   &p, err),
         SM_ERR_DATA, "rdf: SM_ERR_DATA");
  like(err, "the root element is <rdf:RDF>", "rdf: prefixed root named");
  is_int(parse_str("<feed><entry/></feed>", &p, err), SM_ERR_DATA,
         "feed without the Atom namespace: refused");

  doc = rss_with("<item><title>caf\xC3\xA9 \xE9t\xC3\xA9</title>"
                 "<link>http://x/</link></item>");
  is_int(parse_str(doc, &p, err), SM_ERR_DATA, "bad UTF-8: SM_ERR_DATA");
  like(err, "feed.xml: not valid UTF-8 at byte ", "bad UTF-8: message");
  {
    char want[64];
    snprintf(want, sizeof(want), "at byte %zu (line 3)",
             (size_t)(strstr(doc, "\xE9t") - doc));
    like(err, want, "bad UTF-8: the offset of the bad byte");
  }
  free(doc);
  is_int(parse_str("<rss><channel><item><title>\xED\xA0\x80</title>"
                   "</item></channel></rss>",
                   &p, err),
         SM_ERR_DATA, "UTF-8 surrogate refused");
  like(err, "not valid UTF-8 at byte 27", "surrogate: offset");
  is_int(parse_str("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
                   "<rss><channel><item><title>caf\xE9</title>"
                   "<link>http://x/</link></item></channel></rss>",
                   &p, err),
         SM_OK, "Latin-1 declared: parsed");
  if (p.nitems == 1)
    is_str(p.items[0].title, "caf\xC3\xA9", "Latin-1 converted to UTF-8");
  feed_parsed_free(&p);
  is_int(parse_str("\xEF\xBB\xBF<rss><channel><item><title>bom</title>"
                   "<link>http://x/</link></item></channel></rss>",
                   &p, err),
         SM_OK, "UTF-8 byte order mark accepted");
  feed_parsed_free(&p);

  is_int(parse_str("<rss version=\"2.0\"><channel><title>t</title>"
                   "</channel></rss>",
                   &p, err),
         SM_ERR_DATA, "empty feed: SM_ERR_DATA");
  is_str(err, "http://feeds.test/feed.xml: feed has no items",
         "empty feed: message");
  is_int(parse_str("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>", &p, err),
         SM_ERR_DATA, "empty Atom feed: SM_ERR_DATA");
  like(err, "feed has no items", "empty Atom feed: message");
  is_int(parse("", 0, &p, err), SM_ERR_DATA, "empty document");
  like(err, "empty document", "empty document: message");

  is_int(parse_str("<rss><channel><item><title>&nbsp;</title></item>"
                   "</channel></rss>",
                   &p, err),
         SM_ERR_DATA, "undeclared entity: SM_ERR_DATA");
  like(err, "Entity 'nbsp' not defined", "undeclared entity: message");
}

static void
test_entities(void)
{
  struct feed_parsed p;
  char err[SM_ERRLEN];
  static const char bomb[] =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE rss [\n"
      " <!ENTITY lol \"lol\">\n"
      " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
      " <!ENTITY lol2 "
      "\"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
      " <!ENTITY lol3 "
      "\"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
      "]>\n"
      "<rss><channel><item><title>&lol3;</title><link>http://x/</link>"
      "</item></channel></rss>\n";
  static const char xxe[] =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
      "<rss><channel><item><title>&xxe;</title><link>http://x/</link>"
      "</item></channel></rss>\n";
  static const char pe[] =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE rss [<!ENTITY % pe SYSTEM \"http://127.0.0.1:9/x.dtd\"> "
      "%pe;]>\n"
      "<rss><channel><item><title>t</title><link>http://x/</link>"
      "</item></channel></rss>\n";
  static const char dtd_ok[] =
      "<?xml version=\"1.0\"?>\n"
      "<!DOCTYPE rss [<!ELEMENT rss ANY>]>\n"
      "<rss><channel><item><title>t</title><link>http://x/</link>"
      "</item></channel></rss>\n";

  is_int(parse_str(bomb, &p, err), SM_ERR_DATA, "billion laughs: refused");
  is_str(err,
         "http://feeds.test/feed.xml: line 3: the document declares the "
         "entity \"lol\"; feeds may not declare entities",
         "billion laughs: message names the entity and line");
  is_int(parse_str(xxe, &p, err), SM_ERR_DATA, "external entity: refused");
  like(err, "declares the entity \"xxe\" (an external entity)",
       "external entity: message");
  ok(!strstr(err, "root:"), "external entity: /etc/passwd not read");
  is_int(parse_str(pe, &p, err), SM_ERR_DATA,
         "external parameter entity: refused");
  like(err, "declares the entity \"pe\"", "parameter entity: message");
  is_int(parse_str(dtd_ok, &p, err), SM_OK,
         "internal subset without entities: accepted");
  feed_parsed_free(&p);
}

static void
test_bad_items(void)
{
  struct feed_parsed p;
  char err[SM_ERRLEN];
  char *doc;

  doc = rss_with("<item><title>Good 1</title><link>http://x/1</link></item>"
                 "<item><guid isPermaLink=\"false\">g2</guid>"
                 "<link>http://x/2</link></item>"
                 "<item><title>No link</title>"
                 "<guid isPermaLink=\"false\">g3</guid></item>"
                 "<item><title>No link at all</title></item>"
                 "<item><title>Good 5</title><link>http://x/5</link>"
                 "<shortscience:votes>many</shortscience:votes>"
                 "<shortscience:year>20x6</shortscience:year>"
                 "<pubDate>yesterday</pubDate></item>");
  is_int(parse_str(doc, &p, err), SM_OK, "bad items: the rest is kept");
  is_int(p.nitems, 2, "bad items: two good items");
  is_int(p.nskipped, 3, "bad items: three skipped");
  like(buf_str(&warnings),
       "http://feeds.test/feed.xml: item 2 (guid g2): no title; skipped",
       "no title: warning names item and guid");
  like(buf_str(&warnings), "item 3 (guid g3): no link; skipped",
       "no link (guid not a permalink): warning");
  like(buf_str(&warnings), "item 4 (title No link at all): no link; skipped",
       "no link, no guid: named by title");
  like(buf_str(&warnings),
       "item 5 (link http://x/5): votes \"many\" is not an integer; ignored",
       "bad votes: warning");
  like(buf_str(&warnings),
       "item 5 (link http://x/5): year \"20x6\" is not "
       "a year; ignored",
       "bad year: warning");
  like(buf_str(&warnings), "pubDate \"yesterday\" is not a date; ignored",
       "bad date: warning");
  if (p.nitems == 2) {
    is_str(p.items[1].title, "Good 5", "bad fields: item kept");
    ok(p.items[1].votes == 0 && p.items[1].year == 0 &&
           p.items[1].published == 0,
       "bad fields: left unset");
  }
  feed_parsed_free(&p);
  free(doc);

  doc = rss_with("<item><title>a</title></item><item><title>b</title>"
                 "</item>");
  is_int(parse_str(doc, &p, err), SM_ERR_DATA, "every item bad: an error");
  is_str(err,
         "http://feeds.test/feed.xml: all 2 items were skipped; nothing to "
         "store",
         "every item bad: message");
  is_int(nwarnings, 2, "every item bad: each warned");
  free(doc);
}

static void
test_limits(void)
{
  struct feed_parsed p;
  char err[SM_ERRLEN];
  struct buf b = BUF_INIT(64 << 20);
  char want[256];

  /* A 10 MB description, as escaped text (libxml2 without XML_PARSE_HUGE
   * refuses CDATA sections over 10,000,000 bytes). */
  must(buf_puts(&b, "<item><title>ok</title><link>http://x/1</link></item>"
                    "<item><title>ok 2</title><link>http://x/2</link></item>"
                    "<item><title>Big</title><guid>http://x/big</guid>"
                    "<description>"));
  /* 64 bytes once "&lt;" is decoded: 10 MB in 163840 lines. */
  for (size_t i = 0; i < 10 * 1024 * 1024 / 64; i++)
    must(buf_puts(&b,
                  "x &lt; y, and more words to make the line 64 bytes long."
                  "..........\n"));
  must(buf_puts(&b, "</description></item>"));
  {
    char *doc = rss_with(buf_str(&b));
    is_int(parse_str(doc, &p, err), SM_OK, "10 MB description: parses");
    free(doc);
  }
  is_int(p.nitems, 2, "10 MB description: the item is skipped");
  is_int(p.nskipped, 1, "10 MB description: counted as skipped");
  snprintf(want, sizeof(want),
           "item 3 (guid http://x/big): description is %d bytes, more than "
           "the %d allowed; skipped",
           10 * 1024 * 1024, FEED_MAX_TEXT);
  like(buf_str(&warnings), want, "10 MB description: warning");
  feed_parsed_free(&p);

  /* Just over the limit, in CDATA, in Atom. */
  buf_reset(&b);
  must(buf_puts(
      &b, "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>"
          "<title>t</title><link href=\"http://x/\"/><content><![CDATA["));
  for (size_t i = 0; i < FEED_MAX_TEXT + 1; i++)
    must(buf_putc(&b, 'a'));
  must(buf_puts(&b, "]]></content></entry><entry><title>t2</title>"
                    "<link href=\"http://x/2\"/><content>"));
  for (size_t i = 0; i < FEED_MAX_TEXT; i++)
    must(buf_putc(&b, 'b'));
  must(buf_puts(&b, "</content></entry></feed>"));
  is_int(parse(buf_str(&b), b.len, &p, err), SM_OK, "limit: parses");
  is_int(p.nitems, 1, "limit: exactly FEED_MAX_TEXT is allowed");
  snprintf(want, sizeof(want),
           "item 1 (link http://x/): content is %d bytes, more than the %d "
           "allowed",
           FEED_MAX_TEXT + 1, FEED_MAX_TEXT);
  like(buf_str(&warnings), want, "limit: one byte over is not");
  if (p.nitems == 1)
    is_int(strlen(p.items[0].markdown), FEED_MAX_TEXT,
           "limit: the text is whole");
  feed_parsed_free(&p);

  /* Too many categories: the first ones are kept, with a warning. */
  buf_reset(&b);
  must(buf_puts(&b, "<item><title>tags</title><link>http://x/</link>"));
  for (int i = 0; i < FEED_MAX_KEYWORDS + 6; i++)
    must(buf_printf(&b, "<category>tag%d</category>", i));
  must(buf_puts(&b, "</item>"));
  {
    char *doc = rss_with(buf_str(&b));
    is_int(parse_str(doc, &p, err), SM_OK, "many categories: parses");
    free(doc);
  }
  is_int(p.nitems, 1, "many categories: item kept");
  if (p.nitems == 1) {
    is_int(p.items[0].nkeywords, FEED_MAX_KEYWORDS,
           "many categories: the first FEED_MAX_KEYWORDS kept");
    is_str(p.items[0].keywords[FEED_MAX_KEYWORDS - 1], "tag63",
           "many categories: in order");
  }
  snprintf(want, sizeof(want),
           "item 1 (link http://x/): %d categories, more than the %d "
           "allowed; keeping the first %d",
           FEED_MAX_KEYWORDS + 6, FEED_MAX_KEYWORDS, FEED_MAX_KEYWORDS);
  like(buf_str(&warnings), want, "many categories: warning");
  feed_parsed_free(&p);

  /* Too many items. */
  buf_reset(&b);
  for (int i = 0; i < FEED_MAX_ITEMS + 1; i++)
    must(buf_puts(&b, "<item/>"));
  {
    char *doc = rss_with(buf_str(&b));
    is_int(parse_str(doc, &p, err), SM_ERR_LIMIT, "too many items: refused");
    free(doc);
  }
  snprintf(want, sizeof(want), "feed.xml: more than %d items", FEED_MAX_ITEMS);
  like(err, want, "too many items: message");
  ok(p.items == NULL, "too many items: nothing returned");
  buf_free(&b);
}

static void
test_no_warn_callback(void)
{
  struct feed_parsed p;
  char err[SM_ERRLEN];
  char *doc = rss_with("<item><title>a</title><link>http://x/</link></item>"
                       "<item><link>http://x/2</link></item>");

  is_int(feed_parse(doc, strlen(doc), NULL, &p, err, sizeof(err)), SM_OK,
         "NULL warn and base: fine");
  is_int(p.nskipped, 1, "NULL warn: still counts skipped");
  feed_parsed_free(&p);
  free(doc);
}

/* The site's own feed: its base URL as namespace, its 500-byte cut. */
static void
test_site_feed(void)
{
  static const char *const ns[] = {
      "http://www.shortscience.org", "https://www.shortscience.org/",
      "http://www.shortscience.org//", "https://www.shortscience.org/ns/1.0"};
  struct feed_parsed p;
  char err[SM_ERRLEN], doc[8192], desc[600], *x;
  size_t n;

  for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
    char name[128];
    snprintf(doc, sizeof(doc),
             "<rss version=\"2.0\" xmlns:shortscience=\"%s\"><channel>"
             "<item><shortscience:arxivid>1512.03385</shortscience:arxivid>"
             "<shortscience:bibtexkey>journals/corr/HeZRS15"
             "</shortscience:bibtexkey><shortscience:votes>57"
             "</shortscience:votes><title>ResNet</title>"
             "<author>Anonymous</author><description>See [DenseNets]() and "
             "![]().</description><link>http://www.shortscience.org/paper?"
             "bibtexKey=journals/corr/HeZRS15#anon</link><guid>http://"
             "www.shortscience.org/paper?bibtexKey=journals/corr/HeZRS15#anon"
             "</guid><pubDate>Fri, 20 Nov 2026 16:42:00 +0000</pubDate>"
             "</item></channel></rss>",
             ns[i]);
    snprintf(name, sizeof(name), "site namespace %s: votes, key, arXiv id",
             ns[i]);
    ok(parse_str(doc, &p, err) == SM_OK && p.nitems == 1 &&
           p.items[0].votes == 57 && p.items[0].bibtex_key &&
           !strcmp(p.items[0].bibtex_key, "journals/corr/HeZRS15") &&
           p.items[0].arxiv_id && !strcmp(p.items[0].arxiv_id, "1512.03385") &&
           !p.items[0].excerpt && nwarnings == 0,
       name);
    feed_parsed_free(&p);
  }

  /* Another namespace: said once, naming it, however many items. */
  x = rss_with("<item xmlns:ss=\"http://staging.example/\"><title>a</title>"
               "<link>http://x/1</link><ss:votes>3</ss:votes>"
               "<ss:bibtexkey>k</ss:bibtexkey></item>"
               "<item xmlns:ss=\"http://staging.example/\"><title>b</title>"
               "<link>http://x/2</link><ss:votes>4</ss:votes></item>");
  is_int(parse_str(x, &p, err), SM_OK, "unknown namespace: parsed");
  is_int(nwarnings, 1, "unknown namespace: one warning");
  like(buf_str(&warnings),
       "feed.xml: items carry elements of the namespace "
       "\"http://staging.example/\" (such as <ss:votes>), which shortmail "
       "does not read; ignored",
       "unknown namespace: named");
  ok(p.nitems == 2 && p.items[0].votes == 0, "unknown namespace: not read");
  feed_parsed_free(&p);
  free(x);

  /* The cut: 497 bytes, then a split "\u2192" and "...". */
  memset(desc, 'a', 497);
  desc[100] = ' ';
  memcpy(desc + 497, "\xE2...", 5);
  desc[502] = '\0';
  snprintf(doc, sizeof(doc),
           "<rss version=\"2.0\"><channel><item><title>t</title>"
           "<link>http://x/</link><description>%s</description></item>"
           "</channel></rss>",
           desc);
  is_int(parse_str(doc, &p, err), SM_OK, "split UTF-8 before ...: parsed");
  ok(p.nitems == 1 && p.items[0].excerpt, "cut text: an excerpt");
  n = p.nitems ? strlen(p.items[0].markdown) : 0;
  ok(n == 500 && !strcmp(p.items[0].markdown + 497, "\xE2\x80\xA6"),
     "cut text: the split byte and ... dropped, U+2026 appended");
  feed_parsed_free(&p);
  /* A bad byte not followed by "..." is still refused. */
  doc[strlen(doc) - 100] = '\xFF';
  is_int(parse_str(doc, &p, err), SM_ERR_DATA, "other bad UTF-8: refused");
  like(err, "not valid UTF-8 at byte", "other bad UTF-8: message");

  /* Short texts ending in "..." are whole. */
  x = rss_with("<item><title>a</title><link>http://x/1</link>"
               "<description>And so on...</description></item>");
  ok(parse_str(x, &p, err) == SM_OK && !p.items[0].excerpt &&
         !strcmp(p.items[0].markdown, "And so on..."),
     "a short text ending in ... is whole");
  feed_parsed_free(&p);
  free(x);

  /* What a cut leaves open is dropped. */
  {
    static const struct {
      const char *in, *want, *name;
    } cases[] = {
        {"where $F(x) = H(x", "where\xE2\x80\xA6", "open formula"},
        {"a $x$ and $$y", "a $x$ and\xE2\x80\xA6", "open display formula"},
        {"cost \\$5 and `code", "cost \\$5 and\xE2\x80\xA6",
         "escaped dollar kept, open code span dropped"},
        {"see [DenseNets]() and ![", "see [DenseNets]() and\xE2\x80\xA6",
         "open image"},
        {"see [DenseNets](", "see\xE2\x80\xA6", "open link target"},
        {"see [DenseNets]", "see\xE2\x80\xA6", "link text at the very end"},
        {"as in \\cite{journals/co", "as in\xE2\x80\xA6", "open \\cite"},
        {"`a $ b` and $c$ d", "`a $ b` and $c$ d\xE2\x80\xA6",
         "dollars in code are not math"},
        {"", "\xE2\x80\xA6", "nothing left"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
      char *e = feed_excerpt(cases[i].in, strlen(cases[i].in));
      is_str(e, cases[i].want, cases[i].name);
      free(e);
    }
  }
}

/* arXiv's answer: its primary category first. */
static void
test_arxiv_answer(void)
{
  static const char doc[] =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
      "<title type=\"html\">ArXiv Query: id_list=1406.2661</title>\n"
      "<opensearch:totalResults xmlns:opensearch=\"http://a9.com/-/spec/"
      "opensearch/1.1/\">1</opensearch:totalResults>\n"
      "<entry><id>http://arxiv.org/abs/1406.2661v1</id>\n"
      "<title>Generative Adversarial Networks</title>"
      "<summary>We propose ...</summary>"
      "<author><name>Ian J. Goodfellow</name></author>"
      "<arxiv:comment xmlns:arxiv=\"http://arxiv.org/schemas/atom\">x"
      "</arxiv:comment>"
      "<link href=\"http://arxiv.org/abs/1406.2661v1\" rel=\"alternate\" "
      "type=\"text/html\"/>"
      "<category term=\"cs.LG\" scheme=\"http://arxiv.org/schemas/atom\"/>"
      "<arxiv:primary_category xmlns:arxiv=\"http://arxiv.org/schemas/atom\" "
      "term=\"stat.ML\" scheme=\"http://arxiv.org/schemas/atom\"/>"
      "<category term=\"stat.ML\" scheme=\"http://arxiv.org/schemas/atom\"/>"
      "</entry></feed>\n";
  static const char empty[] =
      "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>ArXiv Query"
      "</title></feed>";
  struct feed_parse_opts o = {"arXiv", NULL, 1, collect_warning, NULL};
  struct feed_parsed p;
  char err[SM_ERRLEN];

  buf_reset(&warnings);
  nwarnings = 0;
  is_int(feed_parse(doc, strlen(doc), &o, &p, err, sizeof(err)), SM_OK,
         "arXiv answer: parsed");
  ok(p.atom && p.nitems == 1 && p.items[0].arxiv_id &&
         !strcmp(p.items[0].arxiv_id, "1406.2661"),
     "arXiv answer: Atom, the id without its version");
  ok(p.nitems == 1 && p.items[0].nkeywords == 2 &&
         !strcmp(p.items[0].keywords[0], "stat.ML") &&
         !strcmp(p.items[0].keywords[1], "cs.LG"),
     "arXiv answer: the primary category first, each once");
  is_int(nwarnings, 0, "arXiv answer: its namespace is known");
  feed_parsed_free(&p);
  is_int(feed_parse(empty, strlen(empty), &o, &p, err, sizeof(err)), SM_OK,
         "arXiv answer with no entry: fine when allowed");
  ok(p.atom && p.nitems == 0, "arXiv answer with no entry: no items");
  feed_parsed_free(&p);
  o.allow_empty = 0;
  is_int(feed_parse(empty, strlen(empty), &o, &p, err, sizeof(err)),
         SM_ERR_DATA, "no entry: an error for a feed");
  {
    char *a = feed_arxiv_id("arXiv:hep-th/9901001v2");
    char *b = feed_arxiv_id("1512.03385");
    char *c = feed_arxiv_id("not-an-id");
    ok(a && !strcmp(a, "hep-th/9901001") && b && !strcmp(b, "1512.03385") &&
           !c,
       "feed_arxiv_id: bare ids, without prefix or version; NULL else");
    free(a);
    free(b);
    free(c);
  }
}

int
main(void)
{
  test_site_feed();
  test_arxiv_answer();
  test_rss();
  test_atom();
  test_bad_documents();
  test_entities();
  test_bad_items();
  test_limits();
  test_no_warn_callback();
  buf_free(&warnings);
  return done_testing();
}
