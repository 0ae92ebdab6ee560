/* compose.h: an outbox row into the bytes of its message. Digests are
 * assembled from each summary's rendered fragments, cached for the whole
 * run (each summary's markdown is rendered once per run, however many
 * readers get it) and the reader's own parts; replies and confirmations
 * from their payloads. `send` and `preview` both use it, so a preview is
 * byte for byte what send delivers, and a retry sends the same bytes. */
#ifndef SM_COMPOSE_H
#define SM_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "env.h"
#include "status.h"
#include "store.h"
#include "tmpl.h"
#include "token.h"

struct signer;

/* An outbox row, as the store holds it. */
struct compose_row {
  const char *kind; /* outbox_kind_name(): digest, reply, confirm, ... */
  int64_t subscriber_id;
  const char *recipient;
  const char *issue;
  const char *message_id; /* without angle brackets */
  const char *payload;    /* JSON */
  int64_t created_at;     /* the Date of the message */
};

struct compose;

/* A composer for one run; env must outlive it. */
enum sm_status compose_new(const struct env *env, struct compose **out);
void compose_free(struct compose *c);

/* Appends the whole message (CRLF, ready for DATA) to out, and when
 * `html` is not NULL the digest's HTML part, unencoded, to it (preview
 * writes it to a file). Errors name the row (its Message-ID) in err. */
enum sm_status compose_message(struct compose *c,
                               const struct compose_row *row, struct buf *out,
                               struct buf *html, char *err, size_t errlen);

/* How many distinct summaries were rendered so far (each once). */
size_t compose_rendered(const struct compose *c);

#endif
