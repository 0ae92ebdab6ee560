/* test-feed-shapes.c: summaries as the site's feed carries them, from
 * the feed to the digest's excerpt, measured on the corpus in
 * tests/feed-shapes/.
 *
 * ShortScience.org writes each summary's markdown into <description> as
 * its templates/rss.php does: htmlspecialchars (ENT_QUOTES, ENT_XML1), no
 * CDATA, line ends kept as the summarizer's browser sent them (CRLF), and
 * in /rss.xml the text cut at 500 bytes and then "...". Each NAME.case
 * holds a summarizer's text and the answer expected beside it: the block
 * elements of the HTML excerpt, in order, and the text excerpt byte for
 * byte, both as a digest renders them (75 words, a "Read the full
 * summary" link). A case file:
 *
 *   # what the case is about
 *   feed: full | cut           (/rss-full.xml, or /rss.xml's 500 bytes)
 *   eol: lf | crlf | crlf-ref  (line ends of the text; crlf-ref writes
 *                               them as &#13;&#10;, as other feed
 *                               writers do)
 *   --- text
 *   the summary's markdown
 *   --- expect html
 *   h4 p ul li li
 *   --- expect text
 *   the text excerpt
 *
 * The pass rate is printed; every case must pass. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "feed.h"
#include "render.h"
#include "tap.h"

#define SITE "http://www.shortscience.org"
#define MAX_CASES 128

struct shape {
  char *file;  /* the whole case file; the fields point into it */
  char *text;  /* the summarizer's markdown */
  char *html;  /* expected block elements */
  char *want;  /* expected text excerpt */
  int cut;     /* /rss.xml */
  int eol;     /* 0 lf, 1 crlf, 2 crlf-ref */
  char *error; /* what is wrong with the case file, or NULL */
};

/* Set when a buffer could not grow: the case then fails. */
static int put_failed;

static void
put(struct buf *b, const char *s, size_t n)
{
  if (buf_append(b, s, n) != SM_OK)
    put_failed = 1;
}

static void
puts0(struct buf *b, const char *s)
{
  put(b, s, strlen(s));
}

static int
name_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  char *s = NULL;
  long n;

  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
      fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)n + 1)) != NULL) {
    if (fread(s, 1, (size_t)n, f) != (size_t)n) {
      free(s);
      s = NULL;
    } else {
      s[n] = '\0';
    }
  }
  fclose(f);
  return s;
}

/* Cuts s at the line "--- NAME\n"; returns what follows, or NULL. */
static char *
section(char *s, const char *name)
{
  char mark[64];
  char *p;

  snprintf(mark, sizeof(mark), "\n--- %s\n", name);
  p = strstr(s, mark);
  if (!p)
    return NULL;
  *p = '\0';
  return p + strlen(mark);
}

static void
chomp(char *s)
{
  size_t n = strlen(s);

  while (n > 0 && s[n - 1] == '\n')
    s[--n] = '\0';
}

static void
shape_read(struct shape *c, const char *path)
{
  char *head;

  memset(c, 0, sizeof(*c));
  c->file = head = slurp(path);
  if (!head) {
    c->error = "unreadable";
    return;
  }
  /* Sections are cut from the end, so that each ends its predecessor. */
  c->want = section(head, "expect text");
  c->html = c->want ? section(head, "expect html") : NULL;
  c->text = c->html ? section(head, "text") : NULL;
  if (!c->text) {
    c->error = "needs --- text, --- expect html, --- expect text";
    return;
  }
  chomp(c->text);
  chomp(c->html);
  chomp(c->want);
  c->cut = strstr(head, "\nfeed: cut") != NULL;
  if (!c->cut && !strstr(head, "\nfeed: full"))
    c->error = "no feed: line";
  if (strstr(head, "\neol: crlf-ref"))
    c->eol = 2;
  else if (strstr(head, "\neol: crlf"))
    c->eol = 1;
  else if (!strstr(head, "\neol: lf"))
    c->error = "no eol: line";
}

/* PHP's htmlspecialchars(s, ENT_QUOTES|ENT_XML1) of n bytes; with
 * cr_refs, a CR as a character reference. */
static void
php_escape(struct buf *b, const char *s, size_t n, int cr_refs)
{
  for (size_t i = 0; i < n; i++) {
    switch (s[i]) {
    case '&':
      puts0(b, "&amp;");
      break;
    case '<':
      puts0(b, "&lt;");
      break;
    case '>':
      puts0(b, "&gt;");
      break;
    case '"':
      puts0(b, "&quot;");
      break;
    case '\'':
      puts0(b, "&apos;");
      break;
    case '\r':
      puts0(b, cr_refs ? "&#13;" : "\r");
      break;
    default:
      put(b, s + i, 1);
    }
  }
}

/* The feed, as the site writes it, with one item holding text. */
static void
site_feed(struct buf *doc, const struct shape *c)
{
  struct buf text = BUF_INIT(1 << 20), esc = BUF_INIT(1 << 20);

  for (const char *p = c->text; *p; p++)
    if (*p == '\n' && c->eol)
      puts0(&text, "\r\n");
    else
      put(&text, p, 1);
  php_escape(&esc, buf_str(&text), text.len, c->eol == 2);
  puts0(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<rss version=\"2.0\" xmlns:shortscience=\"" SITE "\">\n"
             "<channel>\n<title>ShortScience.org Latest Summaries</title>\n"
             "<item>\n\t<shortscience:bibtexkey>k</shortscience:bibtexkey>\n"
             "\t<shortscience:votes>5</shortscience:votes>\n"
             "\t<title>A paper</title>\n\t<author>Anonymous</author>\n"
             "\t<description>");
  if (c->cut && esc.len > FEED_SITE_CUT) {
    php_escape(doc, buf_str(&text), FEED_SITE_CUT, c->eol == 2);
    puts0(doc, "...");
  } else {
    put(doc, buf_str(&esc), esc.len);
  }
  puts0(doc, "</description>\n\t<link>" SITE "/paper?bibtexKey=k#anon</link>\n"
             "\t<guid>" SITE "/paper?bibtexKey=k#anon</guid>\n"
             "\t<pubDate>Fri, 20 Nov 2026 16:42:00 +0000</pubDate>\n"
             "</item>\n</channel>\n</rss>\n");
  buf_free(&text);
  buf_free(&esc);
}

/* The block elements of an HTML fragment, in order, space-separated. */
static void
blocks(struct buf *out, const char *html)
{
  static const char *const tags[] = {"h1",  "h2",         "h3", "h4",    "h5",
                                     "h6",  "p",          "ul", "ol",    "li",
                                     "pre", "blockquote", "hr", "table", NULL};

  for (const char *p = strchr(html, '<'); p; p = strchr(p + 1, '<')) {
    for (size_t i = 0; tags[i]; i++) {
      size_t n = strlen(tags[i]);
      if (!strncmp(p + 1, tags[i], n) && strchr(" >/", p[1 + n])) {
        if (out->len)
          puts0(out, " ");
        puts0(out, tags[i]);
        break;
      }
    }
  }
}

/* Runs one case; returns 1 when both answers are right. */
static int
run_case(const char *name, const struct shape *c, int show)
{
  struct buf doc = BUF_INIT(1 << 20), html = BUF_INIT(1 << 20),
             text = BUF_INIT(1 << 20), got = BUF_INIT(4096);
  struct feed_parse_opts po = {name, SITE, 0, NULL, NULL};
  struct feed_parsed p = {0};
  char err[512], label[256];
  int right = 0;

  site_feed(&doc, c);
  if (feed_parse(buf_str(&doc), doc.len, &po, &p, err, sizeof(err)) != SM_OK ||
      p.nitems != 1) {
    printf("#   %s: the feed did not parse: %s\n", name, err);
  } else {
    struct render_opts o = {SITE, 72,  75, "MORE", p.items[0].excerpt,
                            NULL, NULL};
    const char *md = p.items[0].markdown;
    if (render_html(md, strlen(md), &o, &html, NULL) == SM_OK &&
        render_text(md, strlen(md), &o, &text, NULL) == SM_OK) {
      blocks(&got, buf_str(&html));
      while (text.len > 0 && text.data[text.len - 1] == '\n')
        text.data[--text.len] = '\0';
      if (show)
        printf("#   %s:\n#   html: %s\n%s\n", name, buf_str(&got),
               buf_str(&text));
      snprintf(label, sizeof(label), "%s: the HTML excerpt's blocks", name);
      right = !put_failed;
      right &= is_str(buf_str(&got), c->html, label);
      snprintf(label, sizeof(label), "%s: the text excerpt", name);
      right &= is_str(buf_str(&text), c->want, label);
    }
  }
  feed_parsed_free(&p);
  buf_free(&doc);
  buf_free(&html);
  buf_free(&text);
  buf_free(&got);
  return right;
}

int
main(void)
{
  const char *top = getenv("top_srcdir");
  int show = getenv("SHOW_SHAPES") != NULL;
  char dir[1024], path[1200], *names[MAX_CASES];
  size_t n = 0, right = 0;
  struct dirent *de;
  DIR *d;

  feed_global_init();
  snprintf(dir, sizeof(dir), "%s/tests/feed-shapes", top ? top : ".");
  d = opendir(dir);
  if (!ok(d != NULL, "tests/feed-shapes exists"))
    return done_testing();
  while ((de = readdir(d)) != NULL && n < MAX_CASES) {
    size_t len = strlen(de->d_name);
    if (len > 5 && !strcmp(de->d_name + len - 5, ".case"))
      names[n++] = strndup(de->d_name, len - 5);
  }
  closedir(d);
  qsort(names, n, sizeof(names[0]), name_cmp);
  for (size_t i = 0; i < n; i++) {
    struct shape c;
    snprintf(path, sizeof(path), "%s/%s.case", dir, names[i]);
    shape_read(&c, path);
    if (c.error)
      ok(0, c.error);
    else
      right += (size_t)run_case(names[i], &c, show);
    free(c.file);
    free(names[i]);
  }
  printf("# feed shapes: %zu of %zu right (%.1f%%)\n", right, n,
         n ? 100.0 * (double)right / (double)n : 0.0);
  ok(n >= 20, "the corpus has 20 cases or more");
  ok(right == n, "every case of the corpus gets its expected excerpt");
  feed_global_cleanup();
  return done_testing();
}
