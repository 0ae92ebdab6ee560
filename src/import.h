/* import.h: readers from a CSV file (`sub import`, and the columns that
 * `sub export` writes): the whole file is read and checked first, then
 * written in the caller's transaction, all or nothing. The columns are
 * named in the first line, in any order; only address is required. */
#ifndef SM_IMPORT_H
#define SM_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "env.h"
#include "model.h"
#include "status.h"

enum import_column {
  IMPORT_ADDRESS,
  IMPORT_STATUS,
  IMPORT_FREQUENCY,
  IMPORT_PAUSED,
  IMPORT_KEYWORDS,
  IMPORT_CREATED,
  IMPORT_CONFIRMED,
  IMPORT_NCOLUMNS
};

/* "address", "status", ...: the header export writes, import reads. */
extern const char *const import_columns[IMPORT_NCOLUMNS];

/* One line of the file, checked. */
struct import_row {
  size_t line;
  char address[ADDRESS_MAX + 1];
  int status;    /* enum model_status; -1 when not given */
  int frequency; /* enum model_frequency; -1 when not given */
  int paused;    /* -1 when not given */
  char **kw;     /* canonical forms */
  size_t nkw;
  int64_t created_at, confirmed_at; /* 0 when not given */
};

/* A file read. name (borrowed) names it in messages; the rows are owned
 * and freed by import_free. */
struct import {
  const char *name;
  struct import_row *rows;
  size_t nrows, cap;
  int col[IMPORT_NCOLUMNS]; /* the field of each column, -1 when absent */
};

struct import_counts {
  long created, updated, sent, forgotten;
  long by_status[MODEL_NSTATUS];
};

/* Reads and checks the len bytes at data into im (im->name set by the
 * caller): SM_ERR_DATA with err "NAME:LINE: why" at the first fault,
 * including two rows of one address. */
enum sm_status import_read(struct import *im, const char *data, size_t len,
                           char *err, size_t errlen);

/* Writes every row, in env's store and the caller's transaction. New
 * readers are pending unless `confirmed` (the operator vouches; a row's
 * own status then counts); an opt-out in the file is kept, a reader who
 * asked to be forgotten is skipped. With `send`, each pending reader is
 * asked to confirm. SM_ERR_LIMIT (err says who) when a reader would have
 * too many keywords. `progress`: a progress line on a terminal. */
enum sm_status import_apply(const struct env *env, const struct import *im,
                            int confirmed, int send, int progress,
                            struct import_counts *n, char *err, size_t errlen);

void import_free(struct import *im);

#endif
