/* import.c: readers from a CSV file (see import.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "import.h"
#include "log.h"
#include "progress.h"
#include "store.h"
#include "sub.h"
#include "util.h"

const char *const import_columns[IMPORT_NCOLUMNS] = {
    "address",  "status",     "frequency",   "paused",
    "keywords", "created_at", "confirmed_at"};

/* yes/no, true/false, 1/0: 1 or 0, -1 for anything else. */
static int
parse_bool(const char *s)
{
  if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1"))
    return 1;
  if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0"))
    return 0;
  return -1;
}

void
import_free(struct import *im)
{
  sub_keywords_free(im->row.kw, im->row.nkw);
  im->row.kw = NULL;
  im->row.nkw = 0;
}

/* Reads the header: which field is which column. */
static enum sm_status
import_header(struct import *im, const struct csv_record *rec, char *err,
              size_t errlen)
{
  for (size_t k = 0; k < IMPORT_NCOLUMNS; k++)
    im->col[k] = -1;
  for (size_t i = 0; i < rec->nfields; i++) {
    const char *name = util_trim(rec->fields[i]);
    size_t k;
    for (k = 0; k < IMPORT_NCOLUMNS; k++)
      if (!strcasecmp(name, import_columns[k]))
        break;
    if (k == IMPORT_NCOLUMNS) {
      snprintf(err, errlen,
               "%s:%zu: unknown column \"%s\" (the columns are address, "
               "status, frequency, paused, keywords, created_at, "
               "confirmed_at)",
               im->name, rec->line, name);
      return SM_ERR_DATA;
    }
    if (im->col[k] >= 0) {
      snprintf(err, errlen, "%s:%zu: column \"%s\" twice", im->name, rec->line,
               import_columns[k]);
      return SM_ERR_DATA;
    }
    im->col[k] = (int)i;
  }
  if (im->col[IMPORT_ADDRESS] < 0) {
    snprintf(err, errlen,
             "%s:%zu: no \"address\" column (the first line must name the "
             "columns)",
             im->name, rec->line);
    return SM_ERR_DATA;
  }
  return SM_OK;
}

/* A field of a column, trimmed; "" when the file has no such column. */
static const char *
field(const struct import *im, const struct csv_record *rec,
      enum import_column k)
{
  return im->col[k] < 0 ? "" : util_trim(rec->fields[im->col[k]]);
}

/* Checks one record into im->row. */
static enum sm_status
import_record(struct import *im, const struct csv_record *rec, char *err,
              size_t errlen)
{
  struct import_row *row;
  const char *v;
  char why[SM_ERRLEN / 2]; /* room for it in err with the place */
  char *one[1];
  enum sm_status rc;
  size_t ncols = 0;

  for (size_t k = 0; k < IMPORT_NCOLUMNS; k++)
    ncols += im->col[k] >= 0;
  if (rec->nfields != ncols) {
    snprintf(err, errlen, "%s:%zu: %zu field%s, but the header names %zu",
             im->name, rec->line, rec->nfields, rec->nfields == 1 ? "" : "s",
             ncols);
    return SM_ERR_DATA;
  }
  import_free(im);
  row = &im->row;
  memset(row, 0, sizeof(*row));
  row->line = rec->line;
  row->paused = -1;
  row->status = row->frequency = -1;
  /* The address as written, untrimmed: " ada@example.org" is refused
   * here as by sub add and every other door (address.h). */
  if (address_normalize_said(rec->fields[im->col[IMPORT_ADDRESS]],
                             row->address, sizeof(row->address), why,
                             sizeof(why))) {
    snprintf(err, errlen, "%s:%zu: %s", im->name, rec->line, why);
    return SM_ERR_DATA;
  }
  v = field(im, rec, IMPORT_STATUS);
  if (*v && (row->status = model_status_parse_anycase(v)) < 0) {
    snprintf(err, errlen,
             "%s:%zu: status \"%s\" is not pending, confirmed, "
             "unsubscribed or disabled",
             im->name, rec->line, v);
    return SM_ERR_DATA;
  }
  v = field(im, rec, IMPORT_FREQUENCY);
  if (*v && (row->frequency = model_frequency_parse_anycase(v)) < 0) {
    snprintf(err, errlen, "%s:%zu: frequency \"%s\" is not weekly or daily",
             im->name, rec->line, v);
    return SM_ERR_DATA;
  }
  v = field(im, rec, IMPORT_PAUSED);
  if (*v && (row->paused = parse_bool(v)) < 0) {
    snprintf(err, errlen, "%s:%zu: paused \"%s\" is not yes or no", im->name,
             rec->line, v);
    return SM_ERR_DATA;
  }
  v = field(im, rec, IMPORT_CREATED);
  if (*v && util_parse_date(v, &row->created_at) < 0) {
    snprintf(err, errlen,
             "%s:%zu: created_at \"%s\" is not a date (2026-11-23 or "
             "RFC 3339)",
             im->name, rec->line, v);
    return SM_ERR_DATA;
  }
  v = field(im, rec, IMPORT_CONFIRMED);
  if (*v && util_parse_date(v, &row->confirmed_at) < 0) {
    snprintf(err, errlen,
             "%s:%zu: confirmed_at \"%s\" is not a date (2026-11-23 or "
             "RFC 3339)",
             im->name, rec->line, v);
    return SM_ERR_DATA;
  }
  one[0] = (char *)field(im, rec, IMPORT_KEYWORDS);
  rc = sub_keywords_parse_args(one, 1, &row->kw, &row->nkw, why, sizeof(why));
  if (rc == SM_ERR_NOMEM)
    return rc;
  if (rc != SM_OK) {
    snprintf(err, errlen, "%s:%zu: %s", im->name, rec->line, why);
    return rc;
  }
  return SM_OK;
}

/* Writes one checked row. */
static enum sm_status
apply_row(const struct env *env, const struct import *im,
          const struct import_row *row, int confirmed, int send,
          struct import_counts *n, char *err, size_t errlen)
{
  struct store_subscriber s;
  enum sm_status rc;
  enum model_status status;

  memset(&s, 0, sizeof(s));
  rc = store_sub_get(env->st, row->address, &s);
  if (rc == SM_ERR_NOTFOUND) {
    struct store_subscriber ins;
    int forgotten = 0;
    /* A reader who asked to be forgotten is not brought back by a file
     * (an old export, a list from elsewhere). */
    rc = sub_is_forgotten(env->st, row->address, &forgotten);
    if (rc != SM_OK)
      return rc;
    if (forgotten) {
      log_warning("%s:%zu: %s: skipped: forgotten at the reader's request "
                  "(sub forget)",
                  im->name, row->line, row->address);
      n->forgotten++;
      return SM_OK;
    }
    memset(&ins, 0, sizeof(ins));
    ins.address = (char *)row->address;
    if (confirmed)
      status =
          row->status >= 0 ? (enum model_status)row->status : MODEL_CONFIRMED;
    else if (row->status == MODEL_UNSUBSCRIBED ||
             row->status == MODEL_DISABLED)
      status = (enum model_status)row->status; /* an opt-out is never
                                                  undone by a file */
    else
      status = MODEL_PENDING;
    ins.status = status;
    ins.frequency = row->frequency >= 0 ? (enum model_frequency)row->frequency
                                        : MODEL_WEEKLY;
    ins.paused = row->paused > 0;
    ins.created_at = row->created_at;
    /* A confirmation elsewhere counts only when the operator says so. */
    if (confirmed)
      ins.confirmed_at = row->confirmed_at           ? row->confirmed_at
                         : status == MODEL_CONFIRMED ? env->now
                                                     : 0;
    rc = store_sub_insert(env->st, &ins, env->now, &s.id);
    if (rc != SM_OK)
      return rc;
    n->created++;
  } else if (rc == SM_OK) {
    status = s.status;
    if (confirmed) {
      enum model_status want =
          row->status >= 0 ? (enum model_status)row->status : MODEL_CONFIRMED;
      if (want != s.status)
        rc = store_sub_set_status(env->st, s.id, want, env->now);
      status = want;
    }
    if (rc == SM_OK && row->frequency >= 0 &&
        (enum model_frequency)row->frequency != s.frequency)
      rc = store_sub_set_frequency(
          env->st, s.id, (enum model_frequency)row->frequency, env->now);
    if (rc == SM_OK && row->paused >= 0 && row->paused != s.paused)
      rc = store_sub_set_paused(env->st, s.id, row->paused, env->now);
    n->updated++;
  }
  for (size_t i = 0; rc == SM_OK && i < row->nkw; i++) {
    int added;
    rc = store_interest_add(env->st, s.id, row->kw[i], SUB_MAX_INTERESTS,
                            env->now, &added);
    if (rc == SM_ERR_LIMIT)
      snprintf(err, errlen, "%s:%zu: %s would have more than %d keywords",
               im->name, row->line, row->address, SUB_MAX_INTERESTS);
  }
  if (rc == SM_OK)
    n->by_status[status]++;
  if (rc == SM_OK && send && status == MODEL_PENDING) {
    struct store_subscriber who = s;
    int sent = 0;
    who.address = (char *)row->address;
    who.status = MODEL_PENDING;
    rc = sub_send_confirmation(env, &who, NULL, &sent);
    n->sent += sent;
  }
  store_subscriber_free(&s);
  return rc;
}

/* The store compares addresses without case: two rows of one address
 * would be merged silently, so they are an error. */
static enum sm_status
import_once(const struct env *env, const struct import *im, char *err,
            size_t errlen)
{
  size_t first = 0;
  enum sm_status rc =
      store_import_seen(env->st, im->row.address, im->row.line, &first);

  if (rc == SM_OK && first) {
    snprintf(err, errlen, "%s:%zu: %s is on line %zu already", im->name,
             im->row.line, im->row.address, first);
    rc = SM_ERR_DATA;
  }
  return rc;
}

enum sm_status
import_run(const struct env *env, struct import *im, FILE *fp, int confirmed,
           int send, size_t total, int progress, struct import_counts *n,
           char *err, size_t errlen)
{
  struct csv_file f;
  struct csv_record rec;
  struct progress pr;
  enum sm_status rc;
  size_t done = 0;

  csv_file_init(&f, im->name, fp);
  rc = csv_file_next(&f, &rec, err, errlen);
  if (rc == SM_OK && rec.nfields == 0) {
    snprintf(err, errlen, "%s: empty; the first line must name the columns",
             im->name);
    rc = SM_ERR_DATA;
  }
  if (rc == SM_OK)
    rc = import_header(im, &rec, err, errlen);
  progress_start(&pr, "import", "readers", total, progress);
  while (rc == SM_OK) {
    rc = csv_file_next(&f, &rec, err, errlen);
    if (rc != SM_OK || rec.nfields == 0)
      break;
    rc = import_record(im, &rec, err, errlen);
    if (rc == SM_OK)
      rc = import_once(env, im, err, errlen);
    if (rc == SM_OK)
      rc = apply_row(env, im, &im->row, confirmed, send, n, err, errlen);
    progress_update(&pr, ++done);
  }
  progress_end(&pr);
  csv_file_free(&f);
  import_free(im);
  return rc;
}

size_t
import_count(FILE *fp)
{
  struct csv_file f;
  struct csv_record rec;
  size_t n = 0;

  csv_file_init(&f, NULL, fp);
  while (csv_file_next(&f, &rec, NULL, 0) == SM_OK && rec.nfields)
    n++;
  csv_file_free(&f);
  if (fseek(fp, 0, SEEK_SET) != 0)
    return 0;
  clearerr(fp);
  return n ? n - 1 : 0; /* the header is no reader */
}
