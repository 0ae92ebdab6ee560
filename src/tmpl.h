/* tmpl.h: mustache templates for the digest (HTML and text) and the
 * command replies, from the files in templates/.
 *
 * Implements the required modules of the mustache spec: interpolation,
 * sections, inverted sections, comments, partials and set delimiters, with
 * the spec's standalone-line rules and partial indentation. Lambdas and
 * template inheritance ({{<parent}}, {{$block}}) are not implemented: a
 * template using them fails to compile rather than render wrongly.
 *
 * A template is compiled once into a node list and rendered many times
 * (one digest per reader) against a tree of struct tmpl_value. Rendering
 * appends to a bounded struct buf and never allocates per node.
 *
 * Escaping: {{name}} is HTML-escaped (& < > " and ' become &amp; &lt; &gt;
 * &quot; &#39;), {{{name}}} and {{&name}} are not. For text/plain output
 * HTML escaping would be wrong, so TMPL_TEXT turns it off: given to
 * tmpl_compile it is the template's default, given to tmpl_render it
 * applies to that call. Partials take the mode of the template that is
 * being rendered (the mode belongs to the output document). tmpl_set
 * compiles names ending in ".txt" with TMPL_TEXT.
 *
 * Standalone lines: a line holding only a section, inverted, closing,
 * comment, partial or set-delimiter tag (and blanks) is removed whole,
 * newline included. A partial alone on its line is indented by the blanks
 * before its tag, line by line, and since that line's newline went with
 * the tag, a partial file should end with its own newline.
 *
 * Truthiness (sections and inverted sections): a missing name, null,
 * false, the empty string, the number 0 and the empty list are false;
 * everything else, including an empty map, is true.
 *
 * Nothing here is thread-safe: rendering compiles partials into the set. */
#ifndef SM_TMPL_H
#define SM_TMPL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "status.h"

/* Limits. A template comes from an operator's directory, but a bound on
 * every input keeps a mistake (a recursive partial, a huge file) from
 * taking the batch run down. */
#define TMPL_MAX_SOURCE (1024 * 1024) /* bytes of one template */
#define TMPL_MAX_NESTING 64           /* sections open at once in one file */
#define TMPL_MAX_PARTIAL_DEPTH 32     /* partials rendered inside partials */
/* Nodes visited and section iterations in one render call: nested
 * sections over lists multiply, and an empty section body produces no
 * output for the buffer bound to stop it. A digest of 1000 summaries
 * takes about 1% of this. */
#define TMPL_MAX_STEPS (1UL << 22)

/* Flags for tmpl_compile and tmpl_render. */
#define TMPL_TEXT 0x1u /* no HTML escaping: the output is text/plain */

/* ---- The data model ---------------------------------------------------
 *
 * A tree of values: null, booleans, numbers, strings, lists and maps with
 * keys in insertion order. Every constructor copies what it is given and
 * returns a value owned by the caller, or NULL when out of memory.
 * Adding a value to a list or a map hands it over to the container, which
 * frees it with itself; tmpl_value_free frees a whole tree. */

enum tmpl_type {
  TMPL_NULL,
  TMPL_BOOL,
  TMPL_NUMBER,
  TMPL_STRING,
  TMPL_LIST,
  TMPL_MAP
};

struct tmpl_value; /* opaque */

struct tmpl_value *tmpl_new_null(void);
struct tmpl_value *tmpl_new_bool(int b);
struct tmpl_value *tmpl_new_int(int64_t n);
/* Interpolates the way the spec (and JavaScript) prints numbers: integers
 * without decimals, others with the fewest digits that read back as the
 * same double (1.210 -> "1.21", 0.1 + 0.2 -> "0.30000000000000004"). */
struct tmpl_value *tmpl_new_double(double d);
/* A JSON number given as text ("85", "-1.5e3"). Integers keep their text,
 * so they need not fit a double; other numbers are printed as by
 * tmpl_new_double. NULL also when text is not a JSON number. */
struct tmpl_value *tmpl_new_number(const char *text);
/* A copy of the string; NULL s gives a null value (absent fields of
 * records are NULL, and a null renders as nothing). */
struct tmpl_value *tmpl_new_str(const char *s);
/* A copy of n bytes (which may hold NUL). */
struct tmpl_value *tmpl_new_strn(const char *s, size_t n);
struct tmpl_value *tmpl_new_list(void);
struct tmpl_value *tmpl_new_map(void);
void tmpl_value_free(struct tmpl_value *v); /* NULL is fine */

/* Sets key (copied) to v, replacing an earlier value of that key in its
 * place. Takes ownership of v in every case, also on failure, and treats
 * v == NULL as a failed allocation, so calls chain without leaks:
 *     st = tmpl_map_set(m, "title", tmpl_new_str(title));
 * SM_ERR_NOMEM, or SM_ERR_INTERNAL when map is not a map. */
enum sm_status tmpl_map_set(struct tmpl_value *map, const char *key,
                            struct tmpl_value *v);
/* Shorthands for tmpl_map_set(map, key, tmpl_new_...(x)). */
enum sm_status tmpl_map_set_str(struct tmpl_value *map, const char *key,
                                const char *s);
enum sm_status tmpl_map_set_strn(struct tmpl_value *map, const char *key,
                                 const char *s, size_t n);
enum sm_status tmpl_map_set_int(struct tmpl_value *map, const char *key,
                                int64_t n);
enum sm_status tmpl_map_set_bool(struct tmpl_value *map, const char *key,
                                 int b);
/* Sets key to a new empty list or map and returns it, owned by map (valid
 * until map is freed or key replaced), for the caller to fill; NULL when
 * out of memory or map is not a map. */
struct tmpl_value *tmpl_map_add_list(struct tmpl_value *map, const char *key);
struct tmpl_value *tmpl_map_add_map(struct tmpl_value *map, const char *key);

/* Appends v to list; ownership as for tmpl_map_set. */
enum sm_status tmpl_list_append(struct tmpl_value *list, struct tmpl_value *v);
enum sm_status tmpl_list_append_str(struct tmpl_value *list, const char *s);
/* Appends a new empty map or list and returns it, owned by list. */
struct tmpl_value *tmpl_list_add_map(struct tmpl_value *list);
struct tmpl_value *tmpl_list_add_list(struct tmpl_value *list);

/* Reading values back. Returned pointers are owned by the tree. */
enum tmpl_type tmpl_value_type(const struct tmpl_value *v);
/* The value of key, or NULL when absent or map is not a map. */
const struct tmpl_value *tmpl_map_get(const struct tmpl_value *map,
                                      const char *key);
/* Items of a list or members of a map; 0 for other values. */
size_t tmpl_value_count(const struct tmpl_value *v);
/* Item i of a list, or NULL when out of range or not a list. */
const struct tmpl_value *tmpl_list_get(const struct tmpl_value *list,
                                       size_t i);
/* What {{name}} prints before escaping: the string, the number's text,
 * "true"/"false", and "" for null, lists and maps. Never NULL. */
const char *tmpl_value_text(const struct tmpl_value *v, size_t *len);

/* ---- Templates -------------------------------------------------------- */

struct tmpl;     /* a compiled template; immutable once compiled */
struct tmpl_set; /* templates by name, compiled on first use */

/* Compiles len bytes of src (not NUL-terminated, not kept: the template
 * holds its own copy). `name` labels error messages, and is copied:
 * "digest.html:12: unclosed section \"items\"". On SM_OK *out is a
 * template the caller frees with tmpl_free. Errors: SM_ERR_DATA (a syntax
 * error: unterminated tag, unclosed or mismatched section, bad
 * set-delimiter tag (it needs two delimiters of 1 to 16 bytes), bad
 * name), SM_ERR_LIMIT (source or nesting too large), SM_ERR_NOMEM. */
enum sm_status tmpl_compile(const char *name, const char *src, size_t len,
                            unsigned flags, struct tmpl **out, char *err,
                            size_t errlen);
void tmpl_free(struct tmpl *t); /* NULL is fine */
/* The name given to tmpl_compile; owned by t. */
const char *tmpl_name(const struct tmpl *t);

/* Renders t against ctx (the bottom of the context stack; NULL renders
 * with an empty context), appending to out. Partials are looked up in
 * `partials` (NULL: every partial renders as the empty string, as the
 * spec wants for a partial that is not found). Flags: TMPL_TEXT.
 * Errors name the template and line: SM_ERR_LIMIT when out would grow
 * past out->max, partials nest deeper than TMPL_MAX_PARTIAL_DEPTH or the
 * render exceeds TMPL_MAX_STEPS; a partial's load or compile error as
 * tmpl_set_get reports it. On failure out is left as it was before the
 * call. t and ctx are not modified; partials may be (it caches). */
enum sm_status tmpl_render(const struct tmpl *t, const struct tmpl_value *ctx,
                           struct tmpl_set *partials, unsigned flags,
                           struct buf *out, char *err, size_t errlen);

/* ---- Template sets ----------------------------------------------------
 *
 * A set resolves names (top-level templates and partials) to compiled
 * templates, compiling each on first use and keeping it until the set is
 * freed; a name that was not found is remembered too. Names must be
 * plain file names: see tmpl_name_valid. */

/* Fetches the source of template `name` into src (empty, bounded by
 * TMPL_MAX_SOURCE). May write a label for error messages into label
 * (e.g. the file's path; the name is used when left empty). Returns
 * SM_OK, SM_ERR_NOTFOUND when there is no such template (a partial then
 * renders as nothing), or another status with a message in err. */
typedef enum sm_status (*tmpl_load_fn)(void *arg, const char *name,
                                       struct buf *src, char *label,
                                       size_t labellen, char *err,
                                       size_t errlen);

/* A set over a loader; arg is passed to it and not owned. */
enum sm_status tmpl_set_new(tmpl_load_fn load, void *arg,
                            struct tmpl_set **out);
/* A set over the files of directory dir (the [templates] dir setting):
 * name "digest.html" is the file dir/digest.html. SM_ERR_CONFIG when dir
 * is not a readable directory. The caller frees *out with tmpl_set_free. */
enum sm_status tmpl_set_open(const char *dir, struct tmpl_set **out, char *err,
                             size_t errlen);
void tmpl_set_free(struct tmpl_set *set); /* NULL is fine */

/* The compiled template `name`, owned by the set. SM_ERR_DATA for an
 * invalid name, SM_ERR_NOTFOUND when the loader has none, else the
 * loader's or tmpl_compile's error; messages name the file path and line
 * ("/etc/shortmail/templates/digest.html:12: unclosed section ..."). */
enum sm_status tmpl_set_get(struct tmpl_set *set, const char *name,
                            const struct tmpl **out, char *err, size_t errlen);
/* tmpl_set_get, then tmpl_render with the set for partials. */
enum sm_status tmpl_set_render(struct tmpl_set *set, const char *name,
                               const struct tmpl_value *ctx, unsigned flags,
                               struct buf *out, char *err, size_t errlen);

/* 1 if name may name a template: a file name of 1 to 255 bytes without
 * control characters, '/', '\\' or "..", not starting with '.'. Partial
 * names come from templates and end up in file paths, so {{>../x}} is
 * refused when the template is compiled. */
int tmpl_name_valid(const char *name);

#endif
