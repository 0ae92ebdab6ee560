/* mime-sample.c: prints a digest-like message built with the mime
 * module from the files named on the command line, for
 * tests/mime-strict.sh to parse with an independent parser:
 *
 *   mime-sample [-s N] SUBJECT NAME TEXT HTML
 *
 * SUBJECT and NAME hold the Subject and the From display name (UTF-8),
 * TEXT and HTML the bodies; HTML "-" makes a text/plain-only message.
 * With -s N each body is cut every N bytes, each piece encoded alone
 * with mime_qp_encode and the pieces glued with mime_add_body_qp, as the
 * digest glues cached fragments. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "util.h"

static int
read_file(const char *path, struct buf *b)
{
  if (util_read_file(path, b) != SM_OK) {
    fprintf(stderr, "mime-sample: %s: cannot read\n", path);
    return -1;
  }
  return 0;
}

static enum sm_status
add_body(struct mime_msg *m, enum mime_kind kind, const struct buf *body,
         size_t step, struct buf *pieces, size_t *offs)
{
  enum sm_status st;
  size_t n = 0;

  if (!step)
    return mime_add_body_text(m, kind, body->data, body->len);
  if (body->len == 0)
    return mime_add_body_qp(m, kind, "", 0);
  /* Encode every piece first: the glued bytes must stay put. */
  for (size_t i = 0; i < body->len; i += step) {
    size_t len = body->len - i < step ? body->len - i : step;

    offs[n++] = pieces->len;
    if ((st = mime_qp_encode(body->data + i, len, pieces)) != SM_OK)
      return st;
  }
  offs[n] = pieces->len;
  for (size_t j = 0; j < n; j++)
    if ((st = mime_add_body_qp(m, kind, pieces->data + offs[j],
                               offs[j + 1] - offs[j])) != SM_OK)
      return st;
  return SM_OK;
}

int
main(int argc, char **argv)
{
  struct buf subject = BUF_INIT(1 << 16), name = BUF_INIT(1 << 16);
  struct buf text = BUF_INIT(1 << 22), html = BUF_INIT(1 << 22);
  struct buf pieces[2] = {BUF_INIT(1 << 24), BUF_INIT(1 << 24)};
  struct buf out = BUF_INIT(1 << 24);
  size_t *offs[2] = {NULL, NULL};
  struct mime_msg m;
  size_t step = 0;
  char msgid[MIME_MSGID_MAX];
  enum sm_status st;
  int rc = 1, a = 1;

  if (argc > 2 && !strcmp(argv[1], "-s")) {
    step = strtoul(argv[2], NULL, 10);
    a = 3;
  }
  if (argc - a != 4) {
    fprintf(stderr, "usage: mime-sample [-s N] SUBJECT NAME TEXT HTML\n");
    return 2;
  }
  mime_msg_init(&m);
  if (read_file(argv[a], &subject) || read_file(argv[a + 1], &name) ||
      read_file(argv[a + 2], &text) ||
      (strcmp(argv[a + 3], "-") && read_file(argv[a + 3], &html)))
    goto done;
  if (step) {
    offs[0] = malloc((text.len / step + 2) * sizeof(size_t));
    offs[1] = malloc((html.len / step + 2) * sizeof(size_t));
    if (!offs[0] || !offs[1])
      goto done;
  }

  mime_message_id(msgid, sizeof(msgid), "digest", 42, 1234,
                  "lists.example.org");
  if ((st = mime_add_address(&m, "From", buf_str(&name),
                             "digest@lists.example.org")) != SM_OK ||
      (st = mime_add_address(&m, "To", "Ada Lovelace", "ada@example.net")) !=
          SM_OK ||
      (st = mime_add_text_header(&m, "Subject", buf_str(&subject))) != SM_OK ||
      (st = mime_add_date(&m, 1795401248)) != SM_OK ||
      (st = mime_add_header(&m, "Message-ID", msgid)) != SM_OK)
    goto fail;
  if ((st = mime_add_phrase_header(&m, "List-Id", buf_str(&name),
                                   "<digest.lists.example.org>")) != SM_OK ||
      (st = mime_add_header(
           &m, "List-Unsubscribe",
           "<https://lists.example.org/unsubscribe/"
           "j3aojkuyamguc6yrxbwg47wknqgmi>, "
           "<mailto:digest+unsub-j3aojkuyamguc6yrxbwg47wknqgmi@"
           "lists.example.org>")) != SM_OK ||
      (st = mime_add_header(&m, "List-Unsubscribe-Post",
                            "List-Unsubscribe=One-Click")) != SM_OK ||
      (st = mime_add_header(&m, "Auto-Submitted", "auto-generated")) !=
          SM_OK ||
      (st = mime_add_header(&m, "Precedence", "list")) != SM_OK)
    goto fail;
  if ((st = add_body(&m, MIME_PLAIN, &text, step, &pieces[0], offs[0])) !=
          SM_OK ||
      (strcmp(argv[a + 3], "-") &&
       (st = add_body(&m, MIME_HTML, &html, step, &pieces[1], offs[1])) !=
           SM_OK) ||
      (st = mime_render(&m, &out)) != SM_OK)
    goto fail;
  if (fwrite(out.data, 1, out.len, stdout) != out.len)
    goto done;
  rc = 0;
  goto done;

fail:
  fprintf(stderr, "mime-sample: %s\n", sm_strerror(st));
done:
  mime_msg_free(&m);
  buf_free(&subject);
  buf_free(&name);
  buf_free(&text);
  buf_free(&html);
  buf_free(&pieces[0]);
  buf_free(&pieces[1]);
  buf_free(&out);
  free(offs[0]);
  free(offs[1]);
  return rc;
}
