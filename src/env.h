/* env.h: what the library's modules need from the command that runs
 * them, built once by the command and handed down as one pointer (the
 * modules used to each have a struct of the same four to six fields,
 * copied field by field). Nothing in it is owned: the command opens and
 * closes each part. */
#ifndef SM_ENV_H
#define SM_ENV_H

#include <stdint.h>

struct conf;
struct signer;
struct store;
struct tmpl_set;
struct token_secret;

struct env {
  const struct conf *conf;
  struct store *st;
  const struct token_secret *secret; /* the site secret of tokens */
  struct tmpl_set *tmpl;             /* the templates, or NULL */
  struct signer *signer; /* DKIM: only send and preview load the key */
  int64_t now;           /* the time the command acts at */
  int dry_run;           /* receive: do everything, then roll back */
};

#endif
