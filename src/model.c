/* model.c: freeing the shared records. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"

void
model_summary_free(struct model_summary *s)
{
  if (!s)
    return;
  free(s->guid);
  free(s->link);
  free(s->title);
  free(s->authors);
  free(s->venue);
  free(s->arxiv_id);
  free(s->bibtex_key);
  free(s->summarizer);
  free(s->markdown);
  for (size_t i = 0; i < s->nkeywords; i++)
    free(s->keywords[i]);
  free(s->keywords);
  memset(s, 0, sizeof(*s));
}
