/* test-csv.c: the CSV reader and writer (src/csv.c): RFC 4180 quoting,
 * line ends, the quirks it accepts, the faults it names with their line,
 * its limits, and that what the writer writes reads back the same. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "tap.h"

/* Reads all of text; returns the records as "f1|f2;f1;..." with each
 * record's line as "@N:" before it, or "ERR <message>" at the first
 * error (after the records before it). */
static char *
read_all(const char *text, size_t len, size_t max_record, size_t max_fields)
{
  struct buf out = BUF_INIT(1 << 20);
  struct csv_reader r;
  struct csv_record rec;
  char err[SM_ERRLEN];

  csv_init(&r, "t.csv", text, len);
  if (max_record)
    r.max_record = max_record;
  if (max_fields)
    r.max_fields = max_fields;
  for (;;) {
    enum sm_status rc = csv_next(&r, &rec, err, sizeof(err));
    if (rc != SM_OK) {
      must(buf_printf(&out, "ERR %s", err));
      break;
    }
    if (rec.nfields == 0)
      break;
    must(buf_printf(&out, "@%zu:", rec.line));
    for (size_t i = 0; i < rec.nfields; i++)
      must(buf_printf(&out, "%s%s", i ? "|" : "", rec.fields[i]));
    must(buf_puts(&out, ";"));
  }
  csv_free(&r);
  return buf_detach(&out);
}

static void
check(const char *text, const char *want, const char *name)
{
  char *got = read_all(text, strlen(text), 0, 0);
  is_str(got, want, name);
  free(got);
}

int
main(void)
{
  char *got;

  check("a,b,c\n1,2,3\n", "@1:a|b|c;@2:1|2|3;", "plain records, LF");
  check("a,b\r\n1,2\r\n", "@1:a|b;@2:1|2;", "CRLF line ends");
  check("a,b\n1,2", "@1:a|b;@2:1|2;", "the last line may have no line end");
  check("\"a,b\",\"say \"\"hi\"\"\"\n", "@1:a,b|say \"hi\";",
        "quoted fields: commas and doubled quotes");
  check("\"two\nlines\",x\r\nnext,y\n", "@1:two\nlines|x;@3:next|y;",
        "a line break inside quotes; the next record's line is counted");
  check("\"crlf\r\ninside\"\n", "@1:crlf\r\ninside;",
        "CRLF inside quotes is kept as it is");
  check("a,,c,\n", "@1:a||c|;", "empty fields, a trailing comma");
  check("\"\"\n", "@1:;", "one quoted empty field is a record");
  check("a\n\n\r\n\nb\n\n", "@1:a;@5:b;",
        "empty lines are no records but count as lines");
  check("\xEF\xBB\xBF"
        "address\nx\n",
        "@1:address;@2:x;", "a UTF-8 byte order mark is skipped");
  check(" a , b \n", "@1: a | b ;", "white space is kept");
  check("caf\xC3\xA9,\xE2\x82\xAC\n", "@1:caf\xC3\xA9|\xE2\x82\xAC;",
        "UTF-8 text");
  check("", "", "an empty input has no records");

  check("a,b\nx,y\"z\n",
        "@1:a|b;ERR t.csv:2: a quote inside a field that does not start "
        "with one (quote the whole field and write the quote twice)",
        "a quote inside an unquoted field: error on its line");
  check("a\n\"x\"y\n",
        "@1:a;ERR t.csv:2: text after the closing quote of a field (a quote "
        "inside a quoted field is written twice: \"\")",
        "text after a closing quote");
  check("a\nb,\"open\nstill\nopen\n",
        "@1:a;ERR t.csv:2: the quoted field opened on this line is not "
        "closed",
        "an unclosed quote names the line it opened on");
  check("a\rb\n", "ERR t.csv:1: a CR not followed by LF outside quotes",
        "a bare CR");
  got = read_all("ok\nx\0y\n", 7, 0, 0);
  is_str(got, "@1:ok;ERR t.csv:2: a NUL byte", "a NUL byte");
  free(got);
  check("a\n\xff,b\n", "@1:a;ERR t.csv:2: field 1 is not valid UTF-8",
        "bytes that are not UTF-8");
  check("\"\xC3\",\"\xA9\"\n", "ERR t.csv:1: field 1 is not valid UTF-8",
        "a UTF-8 sequence cut by a field boundary");

  got = read_all("abcde\nabcdef\n", 13, 5, 0);
  is_str(got, "@1:abcde;ERR t.csv:2: record longer than 5 characters",
         "the record limit: 5 is allowed, 6 is not");
  free(got);
  got = read_all("\xC3\xA9\xC3\xA9\xC3\xA9\n", 7, 3, 0);
  is_str(got, "@1:\xC3\xA9\xC3\xA9\xC3\xA9;",
         "the limit counts characters, not bytes");
  free(got);
  got = read_all("\"ab\ncd\"\n", 8, 6, 0);
  is_str(got, "ERR t.csv:2: record longer than 6 characters",
         "quotes and line breaks inside a record count");
  free(got);
  got = read_all("a,b,c\na,b,c,d\n", 14, 0, 3);
  is_str(got, "@1:a|b|c;ERR t.csv:2: more than 3 fields in a record",
         "the field limit");
  free(got);

  {
    /* After an error the reader stays at the fault. */
    struct csv_reader r;
    struct csv_record rec;
    char err[SM_ERRLEN], err2[SM_ERRLEN];
    const char *t = "a\nb\"\n";
    csv_init(&r, "t.csv", t, strlen(t));
    csv_next(&r, &rec, err, sizeof(err));
    is_int(csv_next(&r, &rec, err, sizeof(err)), SM_ERR_DATA,
           "an error is SM_ERR_DATA");
    is_int(csv_next(&r, &rec, err2, sizeof(err2)), SM_ERR_DATA,
           "and comes again on the next call");
    is_str(err2, err, "with the same message");
    csv_free(&r);
  }

  {
    /* The writer: quoting only where needed, and it reads back. */
    struct buf out = BUF_INIT(4096);
    const char *rec1[] = {
        "plain", "a,b",     "say \"hi\"", "two\nlines",
        " lead", "trail\t", "",           "\"batch norm\" cs.lg"};
    const char *rec2[] = {""};
    const char *rec3[] = {"cr\r"};
    csv_put_record(&out, rec1, 8);
    csv_put_record(&out, rec2, 1);
    csv_put_record(&out, rec3, 1);
    is_str(buf_str(&out),
           "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" lead\","
           "\"trail\t\",,\"\"\"batch norm\"\" cs.lg\"\n\"\"\n\"cr\r\"\n",
           "the writer quotes fields that need it and doubles quotes");
    got = read_all(out.data, out.len, 0, 0);
    is_str(got,
           "@1:plain|a,b|say \"hi\"|two\nlines| lead|trail\t||\"batch "
           "norm\" cs.lg;@3:;@4:cr\r;",
           "what the writer writes reads back the same");
    free(got);
    buf_free(&out);
  }

  {
    /* A field that starts with U+FEFF, first in a file, is quoted, or
     * the reader would drop it as a byte order mark. */
    struct buf out = BUF_INIT(64);
    const char *rec[] = {"\xEF\xBB\xBFx", "y"};
    csv_put_record(&out, rec, 2);
    is_str(buf_str(&out), "\"\xEF\xBB\xBFx\",y\n",
           "a leading U+FEFF is quoted");
    got = read_all(out.data, out.len, 0, 0);
    is_str(got, "@1:\xEF\xBB\xBFx|y;", "and reads back");
    free(got);
    buf_free(&out);
  }

  {
    /* A writer at its buffer's limit leaves the buffer as it was. */
    struct buf small = BUF_INIT(8);
    const char *rec[] = {"abc", "a \"long\" one"};
    must(buf_puts(&small, "x"));
    is_int(csv_put_record(&small, rec, 2), SM_ERR_LIMIT,
           "a record past the buffer's maximum is SM_ERR_LIMIT");
    is_str(buf_str(&small), "x", "and the buffer is unchanged");
    buf_free(&small);
  }
  return done_testing();
}
