/* test-tmpl.c: the template engine's C API beyond the mustache spec
 * (which tests/test-mustache.c runs): the value builders, number
 * formatting, text mode, error messages with line numbers, the limits,
 * and template sets over a directory. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "tmpl.h"

#define OUT_MAX (1024 * 1024)

static char last_err[SM_ERRLEN];
static enum sm_status last_st;

/* Compiles and renders src; returns the output (caller frees) or NULL,
 * leaving the status and message in last_st and last_err. */
static char *
render(const char *src, unsigned cflags, unsigned rflags,
       const struct tmpl_value *ctx, struct tmpl_set *set)
{
  struct tmpl *t = NULL;
  struct buf out = BUF_INIT(OUT_MAX);
  char *s = NULL;

  last_err[0] = '\0';
  last_st = tmpl_compile("t.html", src, strlen(src), cflags, &t, last_err,
                         sizeof(last_err));
  if (last_st == SM_OK)
    last_st =
        tmpl_render(t, ctx, set, rflags, &out, last_err, sizeof(last_err));
  if (last_st == SM_OK)
    s = buf_detach(&out);
  buf_free(&out);
  tmpl_free(t);
  return s;
}

static void
is_render(const char *src, const struct tmpl_value *ctx, const char *want,
          const char *name)
{
  char *got = render(src, 0, 0, ctx, NULL);

  if (!is_str(got, want, name) && !got)
    diag("error: %s", last_err);
  free(got);
}

/* Compiling src must fail with st and exactly the message want. */
static void
is_compile_error(const char *src, enum sm_status st, const char *want,
                 const char *name)
{
  struct tmpl *t = NULL;
  char err[SM_ERRLEN] = "";
  enum sm_status got =
      tmpl_compile("digest.html", src, strlen(src), 0, &t, err, sizeof(err));

  is_int(got, st, name);
  is_str(err, want, name);
  ok(t == NULL, "no template on failure");
  tmpl_free(t);
}

static void
test_values(void)
{
  struct tmpl_value *m = tmpl_new_map(), *l, *v;
  const struct tmpl_value *g;
  size_t len;

  ok(m != NULL, "map created");
  is_int(tmpl_map_set_str(m, "a", "one"), SM_OK, "set a");
  is_int(tmpl_map_set_int(m, "b", 2), SM_OK, "set b");
  is_int(tmpl_map_set_str(m, "a", "uno"), SM_OK, "replace a");
  is_int(tmpl_value_count(m), 2, "replacing keeps one member per key");
  is_str(tmpl_value_text(tmpl_map_get(m, "a"), &len), "uno",
         "replaced value read back");
  is_int(len, 3, "length of the text");
  ok(tmpl_map_get(m, "zzz") == NULL, "absent key");

  is_int(tmpl_map_set(m, "x", NULL), SM_ERR_NOMEM,
         "a failed constructor propagates as SM_ERR_NOMEM");
  l = tmpl_new_list();
  is_int(tmpl_map_set(l, "x", tmpl_new_str("leak?")), SM_ERR_INTERNAL,
         "map_set on a list refused (and the value freed)");
  is_int(tmpl_list_append(m, tmpl_new_str("leak?")), SM_ERR_INTERNAL,
         "list_append on a map refused");
  is_int(tmpl_list_append_str(l, "p"), SM_OK, "append");
  v = tmpl_list_add_map(l);
  ok(v && tmpl_map_set_bool(v, "t", 1) == SM_OK, "map added to list");
  is_int(tmpl_value_count(l), 2, "list count");
  g = tmpl_list_get(l, 1);
  is_int(tmpl_value_type(g), TMPL_MAP, "item type");
  is_str(tmpl_value_text(tmpl_map_get(g, "t"), NULL), "true", "bool text");
  ok(tmpl_list_get(l, 2) == NULL, "out of range");
  is_int(tmpl_map_set(m, "l", l), SM_OK, "list handed to the map");

  is_int(tmpl_map_set_str(m, "nul", NULL), SM_OK, "NULL string");
  is_int(tmpl_value_type(tmpl_map_get(m, "nul")), TMPL_NULL,
         "a NULL string is a null value");
  is_int(tmpl_map_set_strn(m, "bin", "a\0b", 3), SM_OK, "strn");
  tmpl_value_text(tmpl_map_get(m, "bin"), &len);
  is_int(len, 3, "strn keeps NUL bytes");
  v = tmpl_map_add_list(m, "later");
  ok(v && tmpl_list_append(v, tmpl_new_int(7)) == SM_OK,
     "list added to map, filled afterwards");
  is_render("{{a}} {{b}} {{#l}}[{{.}}{{t}}]{{/l}} {{nul}}|{{#later}}{{.}}"
            "{{/later}}",
            m, "uno 2 [p][true] |7", "built tree renders");
  tmpl_value_free(m);
  tmpl_value_free(NULL);
}

static void
is_number(struct tmpl_value *v, const char *want, const char *name)
{
  is_str(v ? tmpl_value_text(v, NULL) : NULL, want, name);
  tmpl_value_free(v);
}

static void
test_numbers(void)
{
  is_number(tmpl_new_double(1.210), "1.21", "1.210 prints as 1.21");
  is_number(tmpl_new_double(0.1 + 0.2), "0.30000000000000004",
            "shortest round-trip digits");
  is_number(tmpl_new_double(3.0), "3", "integral double without decimals");
  is_number(tmpl_new_double(-0.0), "0", "-0 prints as 0");
  is_number(tmpl_new_double(1e21), "1e+21", "large double");
  is_number(tmpl_new_int(INT64_MIN), "-9223372036854775808", "int64 min");
  is_number(tmpl_new_number("1.210"), "1.21", "JSON text 1.210");
  is_number(tmpl_new_number("85"), "85", "JSON integer");
  is_number(tmpl_new_number("12345678901234567890"), "12345678901234567890",
            "big integer kept exact");
  is_number(tmpl_new_number("2.5e3"), "2500", "exponent");
  ok(tmpl_new_number("0x10") == NULL, "hex refused");
  ok(tmpl_new_number("01") == NULL, "leading zero refused");
  ok(tmpl_new_number(" 1") == NULL, "blank refused");
  ok(tmpl_new_number("1.") == NULL, "bare point refused");
  ok(tmpl_new_number("inf") == NULL, "inf refused");
}

static void
test_escaping(void)
{
  struct tmpl_value *m = tmpl_new_map();
  char *s;

  tmpl_map_set_str(m, "t", "<a href='x'>Tom & \"Jerry\"</a>");
  is_render("{{t}}", m,
            "&lt;a href=&#39;x&#39;&gt;Tom &amp; &quot;Jerry&quot;&lt;/a&gt;",
            "HTML escaping, including the single quote");
  is_render("{{{t}}}|{{& t }}", m,
            "<a href='x'>Tom & \"Jerry\"</a>|<a href='x'>Tom & \"Jerry\"</a>",
            "triple mustache and & are raw");

  s = render("{{t}}", TMPL_TEXT, 0, m, NULL);
  is_str(s, "<a href='x'>Tom & \"Jerry\"</a>",
         "TMPL_TEXT at compile time: no escaping");
  free(s);
  s = render("{{t}}", 0, TMPL_TEXT, m, NULL);
  is_str(s, "<a href='x'>Tom & \"Jerry\"</a>",
         "TMPL_TEXT at render time: no escaping");
  free(s);
  tmpl_value_free(m);
}

static void
test_truthiness(void)
{
  struct tmpl_value *m = tmpl_new_map();
  const char *src = "{{#k}}T{{/k}}{{^k}}F{{/k}}";
  struct {
    struct tmpl_value *v;
    const char *want;
    const char *name;
  } cases[6];
  size_t i;

  cases[0].v = tmpl_new_str("");
  cases[0].want = "F";
  cases[0].name = "empty string is false";
  cases[1].v = tmpl_new_int(0);
  cases[1].want = "F";
  cases[1].name = "zero is false";
  cases[2].v = tmpl_new_list();
  cases[2].want = "F";
  cases[2].name = "empty list is false";
  cases[3].v = tmpl_new_map();
  cases[3].want = "T";
  cases[3].name = "empty map is true";
  cases[4].v = tmpl_new_str("0");
  cases[4].want = "T";
  cases[4].name = "the string \"0\" is true";
  cases[5].v = tmpl_new_null();
  cases[5].want = "F";
  cases[5].name = "null is false";
  for (i = 0; i < 6; i++) {
    tmpl_map_set(m, "k", cases[i].v);
    is_render(src, m, cases[i].want, cases[i].name);
  }
  is_render(src, NULL, "F", "no context at all");
  tmpl_value_free(m);
}

/* A digest-shaped context, compiled once and rendered for two readers. */
static void
test_render_many(void)
{
  struct tmpl *t = NULL;
  struct buf out = BUF_INIT(OUT_MAX);
  char err[SM_ERRLEN];
  const char *src = "Hello {{reader.name}},\n"
                    "{{#items}}\n"
                    "* {{title}} ({{year}}){{#keywords}} #{{.}}{{/keywords}}\n"
                    "{{/items}}\n"
                    "{{^items}}\nNothing new.\n{{/items}}\n";
  int i;

  is_int(tmpl_compile("digest.txt", src, strlen(src), TMPL_TEXT, &t, err,
                      sizeof(err)),
         SM_OK, "digest template compiles");
  for (i = 0; i < 2; i++) {
    struct tmpl_value *ctx = tmpl_new_map(), *r, *items, *it, *kw;

    r = tmpl_map_add_map(ctx, "reader");
    tmpl_map_set_str(r, "name", i ? "Bob" : "Alice & Co");
    items = tmpl_map_add_list(ctx, "items");
    if (i == 0) {
      it = tmpl_list_add_map(items);
      tmpl_map_set_str(it, "title", "Deep Residual Learning");
      tmpl_map_set_int(it, "year", 2015);
      kw = tmpl_map_add_list(it, "keywords");
      tmpl_list_append_str(kw, "cs.CV");
      tmpl_list_append_str(kw, "imagenet");
      it = tmpl_list_add_map(items);
      tmpl_map_set_str(it, "title", "Batch <Normalization>");
      tmpl_map_set_int(it, "year", 2015);
    }
    buf_reset(&out);
    is_int(tmpl_render(t, ctx, NULL, 0, &out, err, sizeof(err)), SM_OK,
           "render");
    is_str(buf_str(&out),
           i ? "Hello Bob,\nNothing new.\n"
             : "Hello Alice & Co,\n"
               "* Deep Residual Learning (2015) #cs.CV #imagenet\n"
               "* Batch <Normalization> (2015)\n",
           i ? "second reader, same template" : "first reader");
    tmpl_value_free(ctx);
  }
  buf_free(&out);
  tmpl_free(t);
}

static void
test_errors(void)
{
  struct buf nest = BUF_INIT(OUT_MAX);
  int i;

  is_compile_error("a\nb\n{{#items}}\nx\n", SM_ERR_DATA,
                   "digest.html:3: unclosed section \"items\"",
                   "unclosed section names its line");
  is_compile_error("{{#items}}\n{{#x}}\n{{/items}}\n", SM_ERR_DATA,
                   "digest.html:3: mismatched closing tag \"items\" "
                   "(expected \"x\")",
                   "mismatched closing tag");
  is_compile_error("line 1\n  {{name\n", SM_ERR_DATA,
                   "digest.html:2: unterminated tag", "unterminated tag");
  is_compile_error("x\n{{{name}}\n", SM_ERR_DATA,
                   "digest.html:2: unterminated tag",
                   "unterminated triple mustache");
  is_compile_error("\n\n\n{{=<%=}}", SM_ERR_DATA,
                   "digest.html:4: bad set-delimiter tag",
                   "set-delimiter with one delimiter");
  is_compile_error("{{= a b c =}}", SM_ERR_DATA,
                   "digest.html:1: bad set-delimiter tag",
                   "set-delimiter with three");
  is_compile_error("{{=<<<<<<<<<<<<<<<<< >>=}}", SM_ERR_DATA,
                   "digest.html:1: bad set-delimiter tag",
                   "set-delimiter longer than 16 bytes");
  is_compile_error("{{=<% %>=}}\n<%#a%>\n{{/a}}\n", SM_ERR_DATA,
                   "digest.html:2: unclosed section \"a\"",
                   "old delimiters are text after a change");
  is_compile_error("ok\n{{/items}}", SM_ERR_DATA,
                   "digest.html:2: closing tag \"items\" without an open "
                   "section",
                   "closing tag without an open section");
  is_compile_error("{{>../../etc/passwd}}", SM_ERR_DATA,
                   "digest.html:1: bad partial name \"../../etc/passwd\"",
                   "partial name with ..");
  is_compile_error("\n{{> a/b }}", SM_ERR_DATA,
                   "digest.html:2: bad partial name \"a/b\"",
                   "partial name with /");
  is_compile_error("{{>.hidden}}", SM_ERR_DATA,
                   "digest.html:1: bad partial name \".hidden\"",
                   "partial name starting with a dot");
  is_compile_error("{{a b}}", SM_ERR_DATA,
                   "digest.html:1: bad tag name \"a b\"",
                   "blank inside a name");
  is_compile_error("{{a..b}}", SM_ERR_DATA,
                   "digest.html:1: bad tag name \"a..b\"",
                   "empty part in a dotted name");
  is_compile_error("{{  }}", SM_ERR_DATA, "digest.html:1: empty tag name",
                   "empty name");
  is_compile_error("{{<parent}}{{/parent}}", SM_ERR_DATA,
                   "digest.html:1: unsupported tag \"<\" (template "
                   "inheritance)",
                   "inheritance refused, not misrendered");

  for (i = 0; i < TMPL_MAX_NESTING; i++)
    must(buf_puts(&nest, "{{#a}}"));
  for (i = 0; i < TMPL_MAX_NESTING; i++)
    must(buf_puts(&nest, "{{/a}}"));
  {
    char *s = render(buf_str(&nest), 0, 0, NULL, NULL);

    is_str(s, "", "nesting at the limit compiles");
    free(s);
  }
  buf_reset(&nest);
  for (i = 0; i <= TMPL_MAX_NESTING; i++)
    must(buf_puts(&nest, "{{#a}}\n"));
  is_compile_error(buf_str(&nest), SM_ERR_LIMIT,
                   "digest.html:65: sections nested deeper than 64",
                   "nesting limit");
  buf_free(&nest);
}

static void
test_limits(void)
{
  struct tmpl *t = NULL;
  struct tmpl_value *m = tmpl_new_map(), *l;
  struct buf out = BUF_INIT(10);
  char err[SM_ERRLEN];
  char *big = malloc(TMPL_MAX_SOURCE + 1);
  int i;

  memset(big, 'x', TMPL_MAX_SOURCE + 1);
  is_int(tmpl_compile("big.html", big, TMPL_MAX_SOURCE + 1, 0, &t, err,
                      sizeof(err)),
         SM_ERR_LIMIT, "source over the limit refused");
  is_str(err, "big.html: template larger than 1048576 bytes", "size message");
  is_int(
      tmpl_compile("big.html", big, TMPL_MAX_SOURCE, 0, &t, err, sizeof(err)),
      SM_OK, "source at the limit compiles");
  tmpl_free(t);
  t = NULL;
  free(big);

  tmpl_map_set_str(m, "x", "0123456789abcdef");
  tmpl_compile("out.html", "ok\n{{x}}", 8, 0, &t, err, sizeof(err));
  must(buf_puts(&out, "abc"));
  is_int(tmpl_render(t, m, NULL, 0, &out, err, sizeof(err)), SM_ERR_LIMIT,
         "output over the buffer's max");
  is_str(err, "out.html:2: output larger than 10 bytes", "output message");
  is_str(buf_str(&out), "abc", "buffer left as it was");
  is_int(out.len, 3, "length restored");
  tmpl_free(t);
  buf_free(&out);

  /* Empty sections nested over a list: no output to hit a bound, so the
   * step limit has to stop it. */
  l = tmpl_map_add_list(m, "l");
  for (i = 0; i < 10; i++)
    tmpl_list_append(l, tmpl_new_int(i));
  free(render("{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}"
              "{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}",
              0, 0, m, NULL));
  is_int(last_st, SM_ERR_LIMIT, "step limit");
  ok(strstr(last_err, "t.html:1: rendering takes more than") != NULL,
     "step limit message");
  if (!strstr(last_err, "rendering takes more than"))
    diag("err: %s", last_err);
  tmpl_value_free(m);
}

/* Partials from a table, for tests that need no files. */
static enum sm_status
load_table(void *arg, const char *name, struct buf *src, char *label,
           size_t labellen, char *err, size_t errlen)
{
  const char *const *p;

  for (p = arg; *p; p += 2)
    if (strcmp(p[0], name) == 0)
      return buf_puts(src, p[1]);
  return SM_ERR_NOTFOUND;
}

static void
test_partials(void)
{
  static const char *const table[] = {"self",  "x{{>self}}",
                                      "outer", "o1\n  {{>inner}}\no2\n",
                                      "inner", "i1\n{{#t}}\ni2\n{{/t}}\n",
                                      "esc",   "{{v}}",
                                      NULL,    NULL};
  struct tmpl_set *set = NULL;
  struct tmpl_value *m = tmpl_new_map();
  char *s;

  tmpl_map_set_bool(m, "t", 1);
  tmpl_map_set_str(m, "v", "<&>");
  is_int(tmpl_set_new(load_table, (void *)table, &set), SM_OK, "set");

  s = render("a\n  {{>outer}}\nz", 0, 0, m, set);
  is_str(s, "a\n  o1\n    i1\n    i2\n  o2\nz",
         "indentation of nested standalone partials adds up");
  free(s);

  s = render("{{>self}}", 0, 0, m, set);
  ok(s == NULL && last_st == SM_ERR_LIMIT, "recursive partial stopped");
  is_str(last_err,
         "self:1: partials nested deeper than 32 (does \"self\" include "
         "itself?)",
         "recursion message");
  free(s);

  s = render("[{{>esc}}]", 0, 0, m, set);
  is_str(s, "[&lt;&amp;&gt;]", "partial escapes in an HTML render");
  free(s);
  s = render("[{{>esc}}]", TMPL_TEXT, 0, m, set);
  is_str(s, "[<&>]", "partial takes the text mode of its includer");
  free(s);
  s = render("[{{>missing}}]", 0, 0, m, set);
  is_str(s, "[]", "missing partial renders as nothing");
  free(s);
  s = render("[{{>esc}}]", 0, 0, m, NULL);
  is_str(s, "[]", "no set: partials render as nothing");
  free(s);
  tmpl_set_free(set);
  tmpl_value_free(m);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
  char path[512];
  FILE *fp;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  fp = fopen(path, "w");
  if (!fp) {
    diag("cannot write %s", path);
    return;
  }
  fputs(text, fp);
  fclose(fp);
}

static void
test_set_dir(void)
{
  char dir[] = "/tmp/test-tmpl.XXXXXX";
  char path[512], want[1024], err[SM_ERRLEN];
  struct tmpl_set *set = NULL;
  struct tmpl_value *m = tmpl_new_map();
  const struct tmpl *t1 = NULL, *t2 = NULL;
  struct buf out = BUF_INIT(OUT_MAX);
  const char *bad[] = {"../x", "a/b", ".hidden", "", "a\\b", "x\ny", NULL};
  int i;

  if (!ok(mkdtemp(dir) != NULL, "temporary directory"))
    return;
  write_file(dir, "digest.html",
             "<ul>\n  {{>item.html}}\n</ul>\n{{>footer.txt}}\n");
  write_file(dir, "item.html", "{{#items}}\n<li>{{title}}</li>\n{{/items}}\n");
  /* A standalone partial tag takes its line's newline with it (the
   * spec), so the partial brings its own. */
  write_file(dir, "footer.txt", "-- {{list}}\n");
  write_file(dir, "digest.txt",
             "{{#items}}\n* {{title}}\n{{/items}}\n"
             "{{>footer.txt}}\n");
  write_file(dir, "bad.html", "ok\n{{#x}}\n");
  write_file(dir, "uses-bad.html", "[{{>bad.html}}]");
  write_file(dir, "uses-missing.html", "[{{>nope.html}}]");
  {
    struct tmpl_value *items = tmpl_map_add_list(m, "items"), *it;

    it = tmpl_list_add_map(items);
    tmpl_map_set_str(it, "title", "A & B");
    it = tmpl_list_add_map(items);
    tmpl_map_set_str(it, "title", "<C>");
  }
  tmpl_map_set_str(m, "list", "digest@lists.example.org <x>");

  /* A trailing slash in the setting must not show up in messages. */
  snprintf(path, sizeof(path), "%s/", dir);
  is_int(tmpl_set_open(path, &set, err, sizeof(err)), SM_OK, "set open");

  is_int(tmpl_set_render(set, "digest.html", m, 0, &out, err, sizeof(err)),
         SM_OK, "digest.html renders");
  is_str(buf_str(&out),
         "<ul>\n  <li>A &amp; B</li>\n  <li>&lt;C&gt;</li>\n</ul>\n"
         "-- digest@lists.example.org &lt;x&gt;\n",
         "HTML digest with an indented partial");
  buf_reset(&out);
  is_int(tmpl_set_render(set, "digest.txt", m, 0, &out, err, sizeof(err)),
         SM_OK, "digest.txt renders");
  is_str(buf_str(&out), "* A & B\n* <C>\n-- digest@lists.example.org <x>\n",
         ".txt templates are text mode, and so are their partials");
  buf_reset(&out);
  is_int(tmpl_set_render(set, "digest.html", m, TMPL_TEXT, &out, err,
                         sizeof(err)),
         SM_OK, "render with TMPL_TEXT");
  ok(strstr(buf_str(&out), "<li>A & B</li>") != NULL,
     "TMPL_TEXT per call turns escaping off");

  is_int(tmpl_set_get(set, "digest.html", &t1, err, sizeof(err)), SM_OK,
         "get");
  write_file(dir, "digest.html", "changed");
  is_int(tmpl_set_get(set, "digest.html", &t2, err, sizeof(err)), SM_OK,
         "get again");
  ok(t1 && t1 == t2, "compiled once, then cached");
  snprintf(want, sizeof(want), "%s/digest.html", dir);
  is_str(t1 ? tmpl_name(t1) : NULL, want, "template named by its path");

  is_int(tmpl_set_get(set, "nope.html", &t1, err, sizeof(err)),
         SM_ERR_NOTFOUND, "missing template");
  snprintf(want, sizeof(want), "%s/nope.html: no such template", dir);
  is_str(err, want, "missing template message names the path");
  buf_reset(&out);
  is_int(
      tmpl_set_render(set, "uses-missing.html", m, 0, &out, err, sizeof(err)),
      SM_OK, "missing partial is not an error");
  is_str(buf_str(&out), "[]", "missing partial renders empty");

  is_int(tmpl_set_get(set, "bad.html", &t1, err, sizeof(err)), SM_ERR_DATA,
         "syntax error in a file");
  snprintf(want, sizeof(want), "%s/bad.html:2: unclosed section \"x\"", dir);
  is_str(err, want, "message names the path and line");
  buf_reset(&out);
  is_int(tmpl_set_render(set, "uses-bad.html", m, 0, &out, err, sizeof(err)),
         SM_ERR_DATA, "syntax error in a partial fails the render");
  is_str(err, want, "partial's message names its path and line");
  is_str(buf_str(&out), "", "nothing written");

  for (i = 0; bad[i]; i++) {
    char name[64], *c;

    snprintf(name, sizeof(name), "name \"%s\" refused", bad[i]);
    for (c = name; *c; c++) /* keeps the TAP line on one line */
      if (*c == '\n')
        *c = '?';
    is_int(tmpl_set_get(set, bad[i], &t1, err, sizeof(err)), SM_ERR_DATA,
           name);
    ok(!tmpl_name_valid(bad[i]), "tmpl_name_valid agrees");
  }
  is_str(err, "bad template name \"x?y\"",
         "bad name message, control characters masked");
  ok(tmpl_name_valid("digest.html") && tmpl_name_valid("a-b_c.d.txt"),
     "plain names accepted");
  tmpl_set_free(set);
  set = NULL;

  snprintf(path, sizeof(path), "%s/none", dir);
  is_int(tmpl_set_open(path, &set, err, sizeof(err)), SM_ERR_CONFIG,
         "missing directory");
  snprintf(want, sizeof(want),
           "templates directory %s: No such file or directory", path);
  is_str(err, want, "missing directory message");
  snprintf(path, sizeof(path), "%s/bad.html", dir);
  is_int(tmpl_set_open(path, &set, err, sizeof(err)), SM_ERR_CONFIG,
         "a file is not a directory");
  ok(set == NULL, "no set on failure");

  {
    static const char *const names[] = {
        "digest.html", "item.html",     "footer.txt",        "digest.txt",
        "bad.html",    "uses-bad.html", "uses-missing.html", NULL};

    for (i = 0; names[i]; i++) {
      snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
      unlink(path);
    }
  }
  rmdir(dir);
  buf_free(&out);
  tmpl_value_free(m);
}

int
main(void)
{
  test_values();
  test_numbers();
  test_escaping();
  test_truthiness();
  test_render_many();
  test_errors();
  test_limits();
  test_partials();
  test_set_dir();
  return done_testing();
}
