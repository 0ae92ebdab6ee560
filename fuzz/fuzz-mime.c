/* fuzz-mime.c: arbitrary bytes as a Subject, a display name, a
 * structured value and a body. Whatever the mime module accepts must
 * keep its promises, else abort(): header lines of printable ASCII
 * (plus the space and tab of folding), at most 998 octets, 76 where they
 * carry encoded words; exactly one line starting a field per field
 * added (no injected header); the body valid quoted-printable that
 * decodes back to the input. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks the header block; returns the number of fields in it. */
static size_t
check_head(const char *h, size_t n)
{
  size_t fields = 0, start = 0;
  int structured = 0; /* References may hold "=?" as plain ASCII */

  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)h[i];

    if (c == '\r') {
      const char *line = h + start;
      size_t len = i - start;

      if (i + 1 >= n || h[i + 1] != '\n' || len > 998 || len == 0)
        abort();
      if (line[0] != ' ' && line[0] != '\t') {
        fields++;
        structured = !strncmp(line, "References:", 11);
      }
      if (!structured && len > 76 && memmem(line, len, "=?UTF-8?", 8))
        abort();
      i++;
      start = i + 1;
    } else if (c != '\t' && (c < 0x20 || c > 0x7e)) {
      abort();
    }
  }
  if (start != n)
    abort();
  return fields;
}

static void
check_qp(const char *in, size_t inlen)
{
  struct buf enc = BUF_INIT(1 << 22), dec = BUF_INIT(1 << 22);

  if (mime_qp_encode(in, inlen, &enc) != SM_OK)
    abort();
  if (!mime_qp_check(buf_str(&enc), enc.len))
    abort();
  /* Decode, and compare with the input with line ends made CRLF. */
  for (size_t i = 0; i < enc.len; i++) {
    const char *e = enc.data;
    static const char hex[] = "0123456789ABCDEF";

    if (e[i] == '=' && e[i + 1] == '\r') {
      i += 2;
    } else if (e[i] == '=') {
      if (buf_putc(&dec, (char)((strchr(hex, e[i + 1]) - hex) * 16 +
                                (strchr(hex, e[i + 2]) - hex))) != SM_OK)
        abort();
      i += 2;
    } else if (buf_putc(&dec, e[i]) != SM_OK) {
      abort();
    }
  }
  {
    size_t j = 0;

    for (size_t i = 0; i < inlen; i++) {
      int crlf = in[i] == '\n' ||
                 (in[i] == '\r' && i + 1 < inlen && in[i + 1] == '\n');

      if (crlf) {
        if (j + 2 > dec.len || memcmp(dec.data + j, "\r\n", 2))
          abort();
        j += 2;
        i += in[i] == '\r';
      } else {
        if (j >= dec.len || dec.data[j] != in[i])
          abort();
        j++;
      }
    }
    if (j != dec.len)
      abort();
  }
  buf_free(&enc);
  buf_free(&dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct buf out = BUF_INIT(1 << 22);
  struct mime_msg m;
  char *s, *parts[4];
  size_t added = 0, nparts = 0;

  if (size > 1 << 16)
    return 0;
  s = malloc(size + 1);
  if (!s)
    return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  check_qp((const char *)data, size);

  /* Pieces separated by NUL: subject, name, structured value, body. */
  parts[0] = s;
  for (size_t i = 0; i < size && nparts < 3; i++)
    if (s[i] == '\0')
      parts[++nparts] = s + i + 1;
  for (size_t k = nparts + 1; k < 4; k++)
    parts[k] = "";

  mime_msg_init(&m);
  added += mime_add_text_header(&m, "Subject", parts[0]) == SM_OK;
  added += mime_add_address(&m, "From", parts[1],
                            "digest@lists.example.org") == SM_OK;
  added += mime_add_phrase_header(&m, "List-Id", parts[1],
                                  "<digest.lists.example.org>") == SM_OK;
  added += mime_add_header(&m, "References", parts[2]) == SM_OK;
  if (check_head(buf_str(&m.head), m.head.len) != added)
    abort();
  if (mime_add_body_text(&m, MIME_PLAIN, parts[3], strlen(parts[3])) !=
          SM_OK ||
      mime_add_body_text(&m, MIME_HTML, parts[0], strlen(parts[0])) != SM_OK ||
      mime_render(&m, &out) != SM_OK)
    abort();
  if (!strstr(buf_str(&out), "\r\n\r\n"))
    abort();
  mime_msg_free(&m);
  buf_free(&out);
  free(s);
  return 0;
}
