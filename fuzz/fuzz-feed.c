/* fuzz-feed.c: feed_parse on arbitrary bytes. Beyond not crashing, every
 * item that comes out must keep the parser's promises (title and link
 * set, every string valid UTF-8 and bounded, keywords bounded), so a
 * violation is reported as a crash too. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Warnings would be one stderr line per input: millions in a run. */
static void
fuzz_no_warn(void *ctx, const char *msg)
{
  (void)ctx;
  (void)msg;
}

static void
check_str(const char *s, int required)
{
  if (!s) {
    if (required)
      abort();
    return;
  }
  if (!*s && required)
    abort();
  if (strlen(s) > FEED_MAX_TEXT || !util_utf8_valid(s, strlen(s)))
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct feed_parsed p;
  char err[SM_ERRLEN];

  struct feed_parse_opts o = {"fuzz", "http://www.shortscience.org", 0,
                              fuzz_no_warn, NULL};

  if (feed_parse((const char *)data, size, &o, &p, err, sizeof(err)) !=
      SM_OK) {
    if (!err[0] || p.items || p.nitems)
      abort(); /* a failure must say why, and leave nothing behind */
    return 0;
  }
  if (!p.nitems)
    abort();
  for (size_t i = 0; i < p.nitems; i++) {
    const struct model_summary *s = &p.items[i];
    check_str(s->title, 1);
    check_str(s->link, 1);
    check_str(s->guid, 0);
    check_str(s->authors, 0);
    check_str(s->venue, 0);
    check_str(s->arxiv_id, 0);
    check_str(s->bibtex_key, 0);
    check_str(s->summarizer, 0);
    check_str(s->markdown, 0);
    /* An excerpt ends in U+2026 and is never longer than the cut. */
    if (s->excerpt &&
        (!s->markdown || strlen(s->markdown) > FEED_SITE_CUT + 3 ||
         strcmp(s->markdown + strlen(s->markdown) - 3, "\xE2\x80\xA6")))
      abort();
    if (s->nkeywords > FEED_MAX_KEYWORDS)
      abort();
    for (size_t k = 0; k < s->nkeywords; k++)
      check_str(s->keywords[k], 1);
  }
  check_str(p.title, 0);
  feed_parsed_free(&p);
  return 0;
}
