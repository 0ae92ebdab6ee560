/* csv.h: reading and writing CSV (RFC 4180) for `shortmail sub import`
 * and `export`.
 *
 * The reader takes what spreadsheets and scripts write: fields separated
 * by commas; a field in double quotes may hold commas, line breaks and
 * quotes written twice (""); records end with CRLF or LF, the last one
 * may have no line end. Beyond RFC 4180 it skips a UTF-8 byte order mark
 * at the start and empty lines between records (an empty line is no
 * record; a record of one empty field is written ""). It refuses rather
 * than guesses: a quote inside an unquoted field, text after a closing
 * quote, a quoted field still open at the end, a CR not followed by LF
 * outside quotes, NUL bytes and text that is not UTF-8 are errors, as are
 * records longer than max_record characters or with more than
 * max_fields fields. Fields are handed back as they are: no white space is
 * trimmed.
 *
 * The reader works on input in memory; csv_file feeds it a file through
 * a window of bounded size, so that a file of any size is read in
 * bounded memory. */
#ifndef SM_CSV_H
#define SM_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "status.h"

#define CSV_MAX_RECORD 10000 /* default: characters in one record */
#define CSV_MAX_FIELDS 64    /* default: fields in one record */

struct csv_reader {
  const char *name; /* for messages, e.g. the file name; not copied */
  const char *data; /* the input; not copied, must outlive the reader */
  size_t len;
  size_t pos;        /* next byte to read */
  size_t line;       /* line of data[pos], from 1 */
  size_t max_record; /* characters (UTF-8 sequences) of one record,
                        quotes, commas and quoted line breaks included */
  size_t max_fields;
  struct buf text; /* the current record's fields, each NUL-terminated */
  size_t *offsets; /* where each field starts in text */
  char **fields;   /* pointers into text, rebuilt for each record */
  size_t cap;      /* entries allocated in offsets and fields */
};

/* One record. The strings are owned by the reader and valid until the
 * next csv_next or csv_free. */
struct csv_record {
  size_t nfields; /* 0 at the end of the input */
  char **fields;  /* NUL-terminated UTF-8; none holds a NUL byte */
  size_t line;    /* the line the record starts on, from 1 */
};

/* Prepares a reader over data (len bytes) with the default limits; the
 * caller may lower or raise max_record and max_fields before the first
 * csv_next. `name` prefixes every message. */
void csv_init(struct csv_reader *r, const char *name, const char *data,
              size_t len);

/* Reads the next record into rec. SM_OK with rec->nfields 0 at the end.
 * SM_ERR_DATA for malformed input and SM_ERR_LIMIT for a record over the
 * limits, with err saying "NAME:LINE: why"; SM_ERR_NOMEM. After an error
 * the reader stays at the fault and returns it again. */
enum sm_status csv_next(struct csv_reader *r, struct csv_record *rec,
                        char *err, size_t errlen);

/* Frees what the reader allocated (not data or name). */
void csv_free(struct csv_reader *r);

/* A file read through a window: a record is at most max_record
 * characters (4 bytes each) and max_fields NULs of text, so a window that
 * holds that much past a record's start, or the rest of the file, holds
 * the whole record or proves it too long. */
struct csv_file {
  struct csv_reader r; /* r.data is the window */
  FILE *fp;            /* not closed by csv_file_free */
  char *buf;
  size_t cap;
  int eof, started, err; /* err: errno of a failed read */
  size_t window;         /* least bytes kept past a record's start (0:
                            64 KB); the fuzz target lowers it */
};

/* Prepares to read fp with the default limits (lower or raise
 * f->r.max_record and max_fields before the first record). */
void csv_file_init(struct csv_file *f, const char *name, FILE *fp);
/* csv_next on the file. SM_ERR_IO when the file cannot be read (errno in
 * f->err, err names the file). */
enum sm_status csv_file_next(struct csv_file *f, struct csv_record *rec,
                             char *err, size_t errlen);
void csv_file_free(struct csv_file *f);

/* Appends s as one field: in double quotes, with quotes doubled, when it
 * holds a comma, a quote, CR or LF, begins or ends with a space or tab
 * (which tools that trim would lose) or begins with U+FEFF (which would
 * read as a byte order mark first in a file); as it is otherwise. */
enum sm_status csv_put_field(struct buf *out, const char *s);

/* Appends n fields separated by commas and a line end (LF: the reader
 * takes CRLF and LF alike, and Unix tools prefer LF). A record of one
 * empty field is written "" so that it does not read back as an empty
 * line, which is no record. */
enum sm_status csv_put_record(struct buf *out, const char *const *fields,
                              size_t n);

#endif
