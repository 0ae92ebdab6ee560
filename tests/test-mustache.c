/* test-mustache.c: runs the official mustache spec (the required modules)
 * against src/tmpl.c, one TAP line per spec test: "ok 12 - sections:
 * Truthy". Each test's data is converted to a tmpl_value tree, its
 * partials are served by a loader, and the output must equal the
 * expected text byte for byte.
 *
 * The suite lives beside the repository, in
 * $top_srcdir/../shared/conformance/mustache; SHORTMAIL_MUSTACHE_SPEC or
 * the first argument names another directory. A missing suite is a
 * failure, not a skip: CI has it, and a silent skip would hide that the
 * engine is untested. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jread.h"
#include "tap.h"
#include "tmpl.h"
#include "util.h"

/* The spec's required modules; the optional ones (~lambdas,
 * ~inheritance, ~dynamic-names) are not implemented. */
static const char *const spec_files[] = {"comments",      "delimiters",
                                         "interpolation", "inverted",
                                         "partials",      "sections"};

#define SPEC_MAX_FILE (16 * 1024 * 1024)
#define OUT_MAX (1024 * 1024)

/* Shows a string with its control characters visible, so that a
 * difference in "\r\n" or a trailing blank can be seen in the log. */
static void
diag_str(const char *what, const char *s, size_t n)
{
  size_t i;

  printf("#   %s \"", what);
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];

    if (c == '\n')
      printf("\\n");
    else if (c == '\r')
      printf("\\r");
    else if (c == '\t')
      printf("\\t");
    else if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20 || c == 0x7f)
      printf("\\x%02x", c);
    else
      putchar(c);
  }
  printf("\"\n");
}

/* JSON data -> template data; NULL when out of memory or the JSON has a
 * number tmpl does not take (it takes every JSON number). */
static struct tmpl_value *
to_value(const struct jread_value *j)
{
  struct tmpl_value *v = NULL;
  size_t i;

  switch (j->type) {
  case JREAD_NULL:
    return tmpl_new_null();
  case JREAD_BOOL:
    return tmpl_new_bool(j->b);
  case JREAD_NUMBER:
    return tmpl_new_number(j->s);
  case JREAD_STRING:
    return tmpl_new_strn(j->s, j->len);
  case JREAD_ARRAY:
    v = tmpl_new_list();
    for (i = 0; v && i < j->n; i++)
      if (tmpl_list_append(v, to_value(&j->items[i])) != SM_OK)
        goto fail;
    return v;
  case JREAD_OBJECT:
    v = tmpl_new_map();
    for (i = 0; v && i < j->n; i++)
      if (tmpl_map_set(v, j->keys[i], to_value(&j->items[i])) != SM_OK)
        goto fail;
    return v;
  }
fail:
  tmpl_value_free(v);
  return NULL;
}

/* Serves a test's "partials" object (arg; NULL when the test has none). */
static enum sm_status
load_partial(void *arg, const char *name, struct buf *src, char *label,
             size_t labellen, char *err, size_t errlen)
{
  const struct jread_value *p = jread_get(arg, name);

  snprintf(label, labellen, "partial %s", name);
  if (!p || p->type != JREAD_STRING)
    return SM_ERR_NOTFOUND;
  if (buf_append(src, p->s, p->len) != SM_OK) {
    snprintf(err, errlen, "partial %s: too large", name);
    return SM_ERR_LIMIT;
  }
  return SM_OK;
}

static const char *
get_str(const struct jread_value *obj, const char *key, size_t *len)
{
  const struct jread_value *v = jread_get(obj, key);

  if (!v || v->type != JREAD_STRING)
    return NULL;
  if (len)
    *len = v->len;
  return v->s;
}

/* One spec test; returns 1 if it passed. */
static int
run_test(const char *file, const struct jread_value *test)
{
  char label[256], err[SM_ERRLEN];
  const char *name, *template, *expected;
  size_t tlen = 0, elen = 0;
  const struct jread_value *data, *partials;
  struct tmpl_value *ctx = NULL;
  struct tmpl_set *set = NULL;
  struct tmpl *t = NULL;
  struct buf out = BUF_INIT(OUT_MAX);
  enum sm_status st;
  int pass = 0;

  name = get_str(test, "name", NULL);
  template = get_str(test, "template", &tlen);
  expected = get_str(test, "expected", &elen);
  data = jread_get(test, "data");
  partials = jread_get(test, "partials");
  snprintf(label, sizeof(label), "%s: %s", file, name ? name : "(unnamed)");
  err[0] = '\0';
  if (!template || !expected || !data) {
    ok(0, label);
    diag("the test lacks template, expected or data");
    goto done;
  }
  ctx = to_value(data);
  if (!ctx) {
    ok(0, label);
    diag("cannot convert the test's data");
    goto done;
  }
  st = tmpl_set_new(load_partial, (void *)partials, &set);
  if (st == SM_OK)
    st = tmpl_compile(label, template, tlen, 0, &t, err, sizeof(err));
  if (st == SM_OK)
    st = tmpl_render(t, ctx, set, 0, &out, err, sizeof(err));
  pass = st == SM_OK && out.len == elen &&
         memcmp(buf_str(&out), expected, elen) == 0;
  ok(pass, label);
  if (!pass) {
    if (st != SM_OK)
      diag("error: %s (%s)", err, sm_strerror(st));
    diag_str("template:", template, tlen);
    diag_str("got:     ", buf_str(&out), out.len);
    diag_str("want:    ", expected, elen);
  }

done:
  buf_free(&out);
  tmpl_free(t);
  tmpl_set_free(set);
  tmpl_value_free(ctx);
  return pass;
}

static void
run_file(const char *dir, const char *file)
{
  char path[4096], err[SM_ERRLEN], what[100];
  struct buf text = BUF_INIT(SPEC_MAX_FILE);
  struct jread_value *root = NULL;
  const struct jread_value *tests;
  size_t i, passed = 0;
  enum sm_status st;

  if (snprintf(path, sizeof(path), "%s/%s.json", dir, file) >=
      (int)sizeof(path)) {
    ok(0, "spec path fits");
    goto done;
  }
  snprintf(what, sizeof(what), "%s: spec file read", file);
  st = util_read_file(path, &text);
  if (!ok(st == SM_OK, what)) {
    diag("%s: %s", path, sm_strerror(st));
    goto done;
  }
  st = jread_parse(buf_str(&text), text.len, path, &root, err, sizeof(err));
  snprintf(what, sizeof(what), "%s: parsed as JSON", file);
  if (!ok(st == SM_OK, what)) {
    diag("%s", err);
    goto done;
  }
  tests = jread_get(root, "tests");
  snprintf(what, sizeof(what), "%s: has a list of tests", file);
  if (!ok(tests && tests->type == JREAD_ARRAY && tests->n > 0, what)) {
    diag("%s: no \"tests\" array", path);
    goto done;
  }
  for (i = 0; i < tests->n; i++)
    passed += (size_t)run_test(file, &tests->items[i]);
  diag("%s.json: %zu/%zu passed", file, passed, tests->n);

done:
  jread_free(root);
  buf_free(&text);
}

/* Parses a literal; any tree is left in *v for the caller to free. */
static enum sm_status
parse_inline(const char *json, struct jread_value **v, char *err,
             size_t errlen)
{
  return jread_parse(json, strlen(json), "inline", v, err, errlen);
}

static const char *
parse_str(const char *json, char *err, size_t errlen,
          struct jread_value **root)
{
  if (jread_parse(json, strlen(json), "inline", root, err, errlen) != SM_OK)
    return NULL;
  return (*root)->type == JREAD_STRING ? (*root)->s : NULL;
}

/* The reader itself: the spec files hold no \u escapes, so these cover
 * what they do not. */
static void
test_json_read(void)
{
  char err[SM_ERRLEN];
  struct jread_value *v = NULL;
  const struct jread_value *m;
  const char *s;

  s = parse_str("\"a\\u00e9\\ud83d\\ude00\\n\\\"\\/\\\\\\t\"", err,
                sizeof(err), &v);
  is_str(s, "a\xc3\xa9\xf0\x9f\x98\x80\n\"/\\\t",
         "json-read: escapes, BMP and surrogate pair");
  jread_free(v);
  v = NULL;

  err[0] = '\0';
  ok(parse_inline("\"\\ud83d x\"", &v, err, sizeof(err)) == SM_ERR_DATA &&
         strstr(err, "lone high surrogate"),
     "json-read: lone high surrogate refused");
  ok(parse_inline("\"\\ude00\"", &v, err, sizeof(err)) == SM_ERR_DATA &&
         strstr(err, "lone low surrogate"),
     "json-read: lone low surrogate refused");
  ok(parse_inline("[1,]", &v, err, sizeof(err)) == SM_ERR_DATA,
     "json-read: trailing comma refused");
  ok(parse_inline("[01]", &v, err, sizeof(err)) == SM_ERR_DATA,
     "json-read: leading zero refused");
  ok(parse_inline("\"a\tb\"", &v, err, sizeof(err)) == SM_ERR_DATA,
     "json-read: raw control character refused");
  ok(jread_parse("{\"a\":1}\n{", 9, "x.json", &v, err, sizeof(err)) ==
             SM_ERR_DATA &&
         strcmp(err, "x.json:2: trailing characters after the value") == 0,
     "json-read: trailing data refused, message names file and line");

  s = " {\"n\": [1.210, -0, 2e-3], \"o\": {\"k\": null}, \"t\": true} ";
  if (ok(jread_parse(s, strlen(s), "inline", &v, err, sizeof(err)) == SM_OK,
         "json-read: object parsed")) {
    m = jread_get(v, "n");
    ok(m && m->type == JREAD_ARRAY && m->n == 3 &&
           strcmp(m->items[0].s, "1.210") == 0 &&
           strcmp(m->items[1].s, "-0") == 0 &&
           strcmp(m->items[2].s, "2e-3") == 0,
       "json-read: numbers kept as text");
    m = jread_get(jread_get(v, "o"), "k");
    ok(m && m->type == JREAD_NULL, "json-read: nested member");
    m = jread_get(v, "t");
    ok(m && m->type == JREAD_BOOL && m->b, "json-read: true");
  } else {
    diag("%s", err);
  }
  jread_free(v);
}

int
main(int argc, char **argv)
{
  char dirbuf[4096];
  const char *dir, *env;
  struct stat sb;
  size_t i;

  test_json_read();

  if (argc > 1) {
    dir = argv[1];
  } else if ((env = getenv("SHORTMAIL_MUSTACHE_SPEC")) && *env) {
    dir = env;
  } else {
    env = getenv("top_srcdir");
    snprintf(dirbuf, sizeof(dirbuf), "%s/../shared/conformance/mustache",
             env && *env ? env : ".");
    dir = dirbuf;
  }
  if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
    /* An outside suite runs where it is found and is reported as
     * skipped, with the reason, where it is not. */
    printf("ok %d - mustache spec # SKIP %s: not found; the official "
           "mustache spec is expected beside the repository "
           "(../shared/conformance/mustache), or set "
           "SHORTMAIL_MUSTACHE_SPEC to its directory\n",
           ++tap_count, dir);
    return done_testing();
  }
  diag("spec: %s", dir);
  for (i = 0; i < sizeof(spec_files) / sizeof(spec_files[0]); i++)
    run_file(dir, spec_files[i]);
  return done_testing();
}
