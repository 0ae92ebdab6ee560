/* test-reply-corpus.c: the comment extractor measured on the reply
 * corpus in tests/reply-corpus/: each NAME.eml is a whole reply as a
 * mail program writes it (headers, MIME structure, charset, transfer
 * encoding), read the way `shortmail receive` reads it (inbound_parse:
 * the text/plain part, else the HTML part as text), then put through
 * reply_extract() and compared byte for byte with NAME.expect.
 *
 * The cases are written here (generate.py and the hand-written h-*.eml),
 * in the shapes of many programs and languages; the extractor knows none
 * of them by name. Prints the exact-match rate, each miss with what came
 * and what was expected, and fails below REQUIRED_RATE. */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "inbound.h"
#include "reply.h"
#include "tap.h"
#include "util.h"

#define FOOTER "You get this because"
#define REQUIRED_RATE 0.95
#define MAX_CASES 2000
#define MIN_CASES 200

static char *
slurp(const char *path)
{
  struct buf b = BUF_INIT(1 << 22);

  if (util_read_file(path, &b) != SM_OK) {
    buf_free(&b);
    return NULL;
  }
  return b.data ? buf_detach(&b) : strdup("");
}

static int
name_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The comment in the reply at path, or NULL when it cannot be read. */
static char *
comment_of(const char *path)
{
  struct inbound_msg m;
  struct buf out = BUF_INIT(1 << 20);
  char *raw = slurp(path), err[256];
  enum sm_status st;

  if (!raw)
    return NULL;
  st = inbound_parse(raw, strlen(raw), &m, err, sizeof(err));
  free(raw);
  if (st != SM_OK) {
    diag("%s: %s", path, err);
    return NULL;
  }
  st = reply_extract(m.text, FOOTER, &out, NULL);
  inbound_msg_free(&m);
  if (st != SM_OK) {
    buf_free(&out);
    return NULL;
  }
  return out.data ? buf_detach(&out) : strdup("");
}

int
main(void)
{
  const char *top = getenv("top_srcdir");
  char dir[1024], path[1400], *names[MAX_CASES];
  size_t n = 0, exact = 0;
  struct dirent *de;
  DIR *d;

  snprintf(dir, sizeof(dir), "%s/tests/reply-corpus", top ? top : ".");
  d = opendir(dir);
  if (!ok(d != NULL, "tests/reply-corpus exists"))
    return done_testing();
  while ((de = readdir(d)) != NULL && n < MAX_CASES) {
    size_t len = strlen(de->d_name);

    if (len > 4 && !strcmp(de->d_name + len - 4, ".eml"))
      names[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof(names[0]), name_cmp);
  is_int(n >= MIN_CASES, 1, "the corpus has at least 200 replies");
  for (size_t i = 0; i < n; i++) {
    char *got, *want;

    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    got = comment_of(path);
    snprintf(path, sizeof(path), "%s/%.*s.expect", dir,
             (int)(strlen(names[i]) - 4), names[i]);
    want = slurp(path);
    if (got && want && !strcmp(got, want)) {
      exact++;
    } else {
      diag("MISS %s", names[i]);
      diag("  got:  \"%s\"", got ? got : "(error)");
      diag("  want: \"%s\"", want ? want : "(no .expect)");
    }
    free(got);
    free(want);
    free(names[i]);
  }
  diag("reply corpus: %zu of %zu exact (%.1f%%)", exact, n,
       n ? 100.0 * (double)exact / (double)n : 0.0);
  ok(n > 0 && (double)exact >= REQUIRED_RATE * (double)n,
     "at least 95% of the replies give exactly the expected comment");
  return done_testing();
}
