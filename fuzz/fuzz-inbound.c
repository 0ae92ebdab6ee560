/* fuzz-inbound.c: a received message through the parser and the router:
 * the header fields that routing and loop checks read, the body as text,
 * and the recipient's route. Output must be valid UTF-8 text. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inbound.h"
#include "inbound_cmd.h"
#include "listaddr.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_text(const char *s)
{
  if (s && !util_utf8_valid(s, strlen(s)))
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct inbound_msg m;
  struct inbound_cmds cmds;
  char err[SM_ERRLEN];
  const char *tok;
  size_t toklen;

  if (inbound_parse((const char *)data, size, &m, err, sizeof(err)) != SM_OK)
    return 0;
  check_text(m.text);
  check_text(m.subject);
  check_text(m.from_name);
  if (listaddr_parse(m.delivered_to ? m.delivered_to : "", "digest",
                     "lists.example.org", &tok, &toklen) >= LISTADDR_CONFIRM &&
      (!tok || toklen == 0))
    abort();
  if (m.from_addr) {
    char *n = inbound_normalize_address(m.from_addr);
    if (!n || strcmp(n, m.from_addr))
      abort(); /* normalising twice changes nothing */
    free(n);
  }
  if (inbound_cmd_parse(m.subject, m.text, &cmds) == SM_OK)
    inbound_cmds_free(&cmds);
  inbound_msg_free(&m);
  return 0;
}
