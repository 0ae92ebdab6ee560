/* fuzz-csv.c: the CSV reader on arbitrary bytes. A rejected input must
 * say where (NAME:LINE:); every accepted record, written back with
 * csv_put_record and read again, must give the same fields: the writer
 * and the reader agree on quoting. */
#include "config.h"

#include <stdint.h>
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
  return 0;
}
