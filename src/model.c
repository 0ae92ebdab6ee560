/* model.c: freeing the shared records. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* The names, indexed by the enums: a new state without a name is a
 * compile error (the array sizes are the counts). */
static const char *const status_names[MODEL_NSTATUS] = {
    "pending", "confirmed", "unsubscribed", "disabled"};
static const char *const frequency_names[MODEL_NFREQUENCY] = {"weekly",
                                                              "daily"};

static int
name_index(const char *const *names, int n, const char *name, int anycase)
{
  for (int i = 0; name && i < n; i++)
    if (anycase ? !strcasecmp(names[i], name) : !strcmp(names[i], name))
      return i;
  return -1;
}

const char *
model_status_name(enum model_status s)
{
  return (unsigned)s < MODEL_NSTATUS ? status_names[s] : "?";
}

int
model_status_parse(const char *name)
{
  return name_index(status_names, MODEL_NSTATUS, name, 0);
}

int
model_status_parse_anycase(const char *name)
{
  return name_index(status_names, MODEL_NSTATUS, name, 1);
}

const char *
model_frequency_name(enum model_frequency f)
{
  return (unsigned)f < MODEL_NFREQUENCY ? frequency_names[f] : "?";
}

int
model_frequency_parse(const char *name)
{
  return name_index(frequency_names, MODEL_NFREQUENCY, name, 0);
}

int
model_frequency_parse_anycase(const char *name)
{
  return name_index(frequency_names, MODEL_NFREQUENCY, name, 1);
}
