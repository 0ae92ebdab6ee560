/* fuzz-tmpl.c: compiles arbitrary bytes as a template and renders it,
 * in HTML and in text mode, against a small fixed context that has a
 * value of every type. Partial "self" is the input itself (recursion),
 * "p" a fixed partial, anything else is missing. Must never crash, hang
 * or leak; errors are expected and ignored. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
  const char *data;
  size_t size;
};

static enum sm_status
load(void *arg, const char *name, struct buf *src, char *label,
     size_t labellen, char *err, size_t errlen)
{
  const struct input *in = arg;

  if (strcmp(name, "self") == 0)
    return buf_append(src, in->data, in->size);
  if (strcmp(name, "p") == 0)
    return buf_puts(src, "[{{name}}]\n  {{#list}}{{.}},{{/list}}\n");
  return SM_ERR_NOTFOUND;
}

static struct tmpl_value *
context(void)
{
  struct tmpl_value *m = tmpl_new_map(), *l, *sub;

  tmpl_map_set_str(m, "name", "<b>Tom & \"Jerry\"</b>'");
  tmpl_map_set_int(m, "n", 0);
  tmpl_map_set_bool(m, "t", 1);
  tmpl_map_set_bool(m, "f", 0);
  tmpl_map_set(m, "null", tmpl_new_null());
  tmpl_map_set(m, "pi", tmpl_new_double(3.14159));
  tmpl_map_set_str(m, "empty", "");
  l = tmpl_map_add_list(m, "list");
  tmpl_list_append_str(l, "a");
  tmpl_list_append(l, tmpl_new_int(2));
  sub = tmpl_list_add_map(l);
  tmpl_map_set_str(sub, "name", "inner");
  tmpl_list_add_list(l);
  sub = tmpl_map_add_map(m, "a");
  sub = tmpl_map_add_map(sub, "b");
  tmpl_map_set_str(sub, "c", "deep");
  tmpl_map_add_list(m, "none");
  return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct input in = {(const char *)data, size};
  struct tmpl_set *set = NULL;
  struct tmpl_value *ctx = NULL;
  struct tmpl *t = NULL;
  struct buf out = BUF_INIT(1024 * 1024);
  char err[SM_ERRLEN];

  if (tmpl_compile("fuzz", in.data, size, 0, &t, err, sizeof(err)) != SM_OK)
    goto done;
  ctx = context();
  if (!ctx || tmpl_set_new(load, &in, &set) != SM_OK)
    goto done;
  tmpl_render(t, ctx, set, 0, &out, err, sizeof(err));
  buf_reset(&out);
  tmpl_render(t, ctx, set, TMPL_TEXT, &out, err, sizeof(err));

done:
  buf_free(&out);
  tmpl_free(t);
  tmpl_set_free(set);
  tmpl_value_free(ctx);
  return 0;
}
