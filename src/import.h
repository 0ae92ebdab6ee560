/* import.h: readers from a CSV file (`sub import`, and the columns that
 * `sub export` writes): read a record at a time, in bounded memory
 * whatever the file's size (csv_file), each checked and written at once
 * in the caller's transaction, which a fault anywhere rolls back: all or
 * nothing. The columns are named in the first line, in any order; only
 * address is required. */
#ifndef SM_IMPORT_H
#define SM_IMPORT_H

#include <stddef.h>
#include <stdio.h>
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

/* A file being read. name (borrowed) names it in messages. */
struct import {
  const char *name;
  int col[IMPORT_NCOLUMNS]; /* the field of each column, -1 when absent */
  struct import_row row;    /* the record at hand */
};

struct import_counts {
  long created, updated, sent, forgotten;
  long by_status[MODEL_NSTATUS];
};

/* Reads fp to its end, checking each record and writing it in env's
 * store and the caller's transaction. New readers are pending unless
 * `confirmed` (the operator vouches; a row's own status then counts); an
 * opt-out in the file is kept, a reader who asked to be forgotten is
 * skipped. With `send`, each pending reader is asked to confirm. At the
 * first fault, SM_ERR_DATA with err "NAME:LINE: why" (two rows of one
 * address included), SM_ERR_LIMIT when a reader would have too many
 * keywords, SM_ERR_IO when fp cannot be read: the caller rolls back.
 * `total` (0: unknown) and `progress`: a progress line on a terminal. */
enum sm_status import_run(const struct env *env, struct import *im, FILE *fp,
                          int confirmed, int send, size_t total, int progress,
                          struct import_counts *n, char *err, size_t errlen);

/* The readers in fp (its records after the header), for the progress
 * line's total; fp is rewound. 0 when it cannot be rewound. */
size_t import_count(FILE *fp);

void import_free(struct import *im);

#endif
