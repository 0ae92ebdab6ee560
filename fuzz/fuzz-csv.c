/* fuzz-csv.c: the CSV reader on arbitrary bytes. A rejected input must
 * say where (NAME:LINE:); every accepted record, written back with
 * csv_put_record and read again, must give the same fields: the writer
 * and the reader agree on quoting. And the reader fed through csv_file's
 * window (a window of a few dozen bytes, with limits to match) must give
 * what it gives on the whole input: the same records, the same error. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes rec back and reads it again; aborts when anything differs. */
static void
round_trip(const struct csv_record *rec)
{
  struct buf out = BUF_INIT((size_t)1 << 24);
  struct csv_reader r;
  struct csv_record again;
  char err[SM_ERRLEN];

  if (csv_put_record(&out, (const char *const *)rec->fields, rec->nfields) !=
      SM_OK)
    abort();
  csv_init(&r, "again", out.data, out.len);
  /* Quoting adds characters: the copy may be longer than the limit. */
  r.max_record = 4 * CSV_MAX_RECORD + 16;
  if (csv_next(&r, &again, err, sizeof(err)) != SM_OK ||
      again.nfields != rec->nfields)
    abort();
  for (size_t i = 0; i < rec->nfields; i++)
    if (strcmp(again.fields[i], rec->fields[i]))
      abort();
  if (csv_next(&r, &again, err, sizeof(err)) != SM_OK || again.nfields)
    abort();
  csv_free(&r);
  buf_free(&out);
}

/* The whole input against the file, record by record, with small
 * limits so that the window is small and moves often. */
static void
through_window(const uint8_t *data, size_t size)
{
  struct csv_reader r;
  struct csv_file f;
  struct csv_record a, b;
  char ea[SM_ERRLEN] = "", eb[SM_ERRLEN] = "";
  FILE *fp;

  if (size == 0 || !(fp = fmemopen((void *)data, size, "rb")))
    return;
  csv_init(&r, "fuzz.csv", (const char *)data, size);
  csv_file_init(&f, "fuzz.csv", fp);
  r.max_record = f.r.max_record = 6;
  r.max_fields = f.r.max_fields = 3;
  f.window = 1; /* the least the limits allow: 6 * 4 + 3 + 2 bytes */
  for (;;) {
    enum sm_status ra = csv_next(&r, &a, ea, sizeof(ea));
    enum sm_status rb = csv_file_next(&f, &b, eb, sizeof(eb));

    if (ra != rb)
      abort();
    if (ra != SM_OK) {
      if (strcmp(ea, eb))
        abort();
      break;
    }
    if (a.nfields != b.nfields || a.line != b.line)
      abort();
    for (size_t i = 0; i < a.nfields; i++)
      if (strcmp(a.fields[i], b.fields[i]))
        abort();
    if (a.nfields == 0)
      break;
  }
  csv_free(&r);
  csv_file_free(&f);
  fclose(fp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct csv_reader r;
  struct csv_record rec;
  char err[SM_ERRLEN];
  size_t last = 0;

  csv_init(&r, "fuzz.csv", (const char *)data, size);
  for (;;) {
    enum sm_status rc = csv_next(&r, &rec, err, sizeof(err));
    if (rc != SM_OK) {
      if (strncmp(err, "fuzz.csv:", 9) != 0)
        abort();
      break;
    }
    if (rec.nfields == 0)
      break;
    /* Records go forward, each on a later line than the one before. */
    if (rec.line <= last || rec.nfields > CSV_MAX_FIELDS)
      abort();
    last = rec.line;
    round_trip(&rec);
  }
  csv_free(&r);
  through_window(data, size);
  return 0;
}
