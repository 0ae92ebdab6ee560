/* inbound-parse: reads a message file with inbound_parse() (GMime, the
 * parser `shortmail receive` uses) and prints what it found, so that a
 * test can check that mail the list sends is read back by a second,
 * independent MIME parser (tests/digest-mime.sh):
 *
 *   inbound-parse FILE
 *
 * prints
 *
 *   subject: SUBJECT
 *   from: ADDRESS
 *   from-name: NAME
 *   message-id: ID
 *   list-id: LIST-ID
 *   auto-submitted: VALUE
 *   precedence: VALUE
 *   text-from-html: 0|1
 *   text:
 *   THE TEXT, AS DECODED
 *
 * (absent values print empty). Exit status 0, 1 when the file cannot be
 * read or parsed, 2 for usage. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "inbound.h"
#include "util.h"

#define MAX_MESSAGE (64 * 1024 * 1024)

static const char *
nz(const char *s)
{
  return s ? s : "";
}

int
main(int argc, char **argv)
{
  struct buf raw = BUF_INIT(MAX_MESSAGE);
  struct inbound_msg m = {0};
  char err[SM_ERRLEN];
  int ret = 1;

  if (argc != 2) {
    fprintf(stderr, "usage: inbound-parse FILE\n");
    return 2;
  }
  inbound_global_init();
  if (util_read_file(argv[1], &raw) != SM_OK) {
    fprintf(stderr, "inbound-parse: %s: cannot read\n", argv[1]);
    goto out;
  }
  if (inbound_parse(raw.data, raw.len, &m, err, sizeof(err)) != SM_OK) {
    fprintf(stderr, "inbound-parse: %s: %s\n", argv[1], err);
    goto out;
  }
  printf("subject: %s\nfrom: %s\nfrom-name: %s\nmessage-id: %s\n"
         "list-id: %s\nautomatic: %s\nprecedence: %s\n"
         "text-from-html: %d\ntext:\n%s",
         nz(m.subject), nz(m.from_addr), nz(m.from_name), nz(m.message_id),
         nz(m.list_id), nz(m.automatic), nz(m.precedence), m.text_from_html,
         nz(m.text));
  ret = 0;
out:
  inbound_msg_free(&m);
  buf_free(&raw);
  return ret;
}
