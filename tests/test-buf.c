/* test-buf.c: bounded buffers. */
#include "config.h"

#include <stdlib.h>

#include "buf.h"
#include "tap.h"

int
main(void)
{
  struct buf b = BUF_INIT(10);
  char *p;

  is_str(buf_str(&b), "", "empty buffer reads as empty string");
  is_int(buf_puts(&b, "hello"), SM_OK, "append within bound");
  is_int(buf_printf(&b, "%d", 1234), SM_OK, "printf within bound");
  is_str(buf_str(&b), "hello1234", "contents");
  is_int(buf_puts(&b, "xy"), SM_ERR_LIMIT, "append past max fails");
  is_str(buf_str(&b), "hello1234", "failed append leaves buffer as it was");
  is_int(buf_putc(&b, '!'), SM_OK, "append up to exactly max");
  is_int(b.len, 10, "length at max");
  is_int(buf_printf(&b, "%s", "z"), SM_ERR_LIMIT, "printf past max fails");
  buf_reset(&b);
  is_int(b.len, 0, "reset empties");
  is_str(buf_str(&b), "", "reset reads as empty");
  must(buf_puts(&b, "abc"));
  p = buf_detach(&b);
  is_str(p, "abc", "detach hands the string over");
  ok(b.data == NULL && b.len == 0, "detach leaves the buffer empty");
  free(p);
  p = buf_detach(&b);
  is_str(p, "", "detach of an empty buffer gives an empty string");
  free(p);
  {
    struct buf big = BUF_INIT(1 << 20);
    int okc = 1;
    for (int i = 0; i < 200000; i++)
      okc &= buf_puts(&big, "0123456789") == SM_OK;
    ok(!okc, "a 1 MiB bound stops a 2,000,000-byte append run");
    is_int(big.len, 1048570, "filled up to the bound, never past");
    buf_free(&big);
  }
  buf_free(&b);
  return done_testing();
}
