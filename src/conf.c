/* conf.c: the configuration file parser and the table of known keys. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "buf.h"
#include "conf.h"
#include "util.h"

enum conf_type {
  T_STRING,
  T_LONG,
  T_SIZE,
  T_BOOL,
  T_WEEKDAY,
  T_STARTTLS,
  T_LEVEL
};

struct conf_key {
  const char *section;
  const char *key;
  enum conf_type type;
  size_t offset;
  const char *def; /* default, in the file's syntax; NULL for unset */
  long min, max;   /* for T_LONG and T_SIZE */
};

#define OFF(field) offsetof(struct conf, field)

static const struct conf_key conf_keys[] = {
    {"list", "address", T_STRING, OFF(list.address),
     "digest@lists.example.org", 0, 0},
    {"list", "name", T_STRING, OFF(list.name), "ShortScience digest", 0, 0},
    {"list", "weekday", T_WEEKDAY, OFF(list.weekday), "monday", 0, 0},
    {"list", "replies_per_day", T_LONG, OFF(list.replies_per_day), "10", 0,
     1000},
    {"site", "url", T_STRING, OFF(site.url), "https://www.shortscience.org", 0,
     0},
    {"site", "api_url", T_STRING, OFF(site.api_url), NULL, 0, 0},
    {"site", "api_token_file", T_STRING, OFF(site.api_token_file), NULL, 0, 0},
    {"site", "api_timeout", T_LONG, OFF(site.api_timeout), "30", 1, 600},
    {"feed", "url", T_STRING, OFF(feed.url),
     "https://www.shortscience.org/rss.xml", 0, 0},
    {"feed", "timeout", T_LONG, OFF(feed.timeout), "60", 1, 3600},
    {"feed", "connect_timeout", T_LONG, OFF(feed.connect_timeout), "10", 1,
     600},
    {"feed", "max_size", T_SIZE, OFF(feed.max_size), "64M", 1024,
     1024L * 1024 * 1024},
    {"feed", "max_redirects", T_LONG, OFF(feed.max_redirects), "5", 0, 50},
    {"feed", "retries", T_LONG, OFF(feed.retries), "2", 0, 10},
    {"arxiv", "enabled", T_BOOL, OFF(arxiv.enabled), "yes", 0, 0},
    {"arxiv", "api_url", T_STRING, OFF(arxiv.api_url),
     "http://export.arxiv.org/api/query", 0, 0},
    {"arxiv", "interval_ms", T_LONG, OFF(arxiv.interval_ms), "3000", 0,
     600000},
    {"arxiv", "timeout", T_LONG, OFF(arxiv.timeout), "30", 1, 600},
    {"store", "path", T_STRING, OFF(store.path),
     LOCALSTATEDIR "/lib/shortmail/shortmail.db", 0, 0},
    {"store", "busy_timeout", T_LONG, OFF(store.busy_timeout), "5000", 0,
     600000},
    {"smtp", "host", T_STRING, OFF(smtp.host), "localhost", 0, 0},
    {"smtp", "port", T_LONG, OFF(smtp.port), "25", 1, 65535},
    {"smtp", "starttls", T_STARTTLS, OFF(smtp.starttls), "if-offered", 0, 0},
    {"smtp", "user", T_STRING, OFF(smtp.user), NULL, 0, 0},
    {"smtp", "password_file", T_STRING, OFF(smtp.password_file), NULL, 0, 0},
    {"smtp", "ca_file", T_STRING, OFF(smtp.ca_file), NULL, 0, 0},
    {"secret", "file", T_STRING, OFF(secret.file),
     SYSCONFDIR "/shortmail/secret", 0, 0},
    {"templates", "dir", T_STRING, OFF(templates.dir), PKGDATADIR "/templates",
     0, 0},
    {"digest", "max_items", T_LONG, OFF(digest.max_items), "10", 1, 100},
    {"digest", "excerpt_words", T_LONG, OFF(digest.excerpt_words), "75", 0,
     100000},
    {"receive", "max_size", T_SIZE, OFF(receive.max_size), "10M", 1024,
     1024L * 1024 * 1024},
    {"receive", "authserv_id", T_STRING, OFF(receive.authserv_id), NULL, 0, 0},
    {"imap", "url", T_STRING, OFF(imap.url), NULL, 0, 0},
    {"imap", "user", T_STRING, OFF(imap.user), NULL, 0, 0},
    {"imap", "password_file", T_STRING, OFF(imap.password_file), NULL, 0, 0},
    {"imap", "mailbox", T_STRING, OFF(imap.mailbox), "INBOX", 0, 0},
    {"imap", "ca_file", T_STRING, OFF(imap.ca_file), NULL, 0, 0},
    {"imap", "timeout", T_LONG, OFF(imap.timeout), "60", 1, 3600},
    {"imap", "done", T_STRING, OFF(imap.done), "shortmail-done", 0, 0},
    {"imap", "rejected", T_STRING, OFF(imap.rejected), "shortmail-rejected", 0,
     0},
    {"imap", "max_messages", T_LONG, OFF(imap.max_messages), "500", 1, 10000},
    {"imap", "max_size", T_SIZE, OFF(imap.max_size), "10M", 1024,
     1024L * 1024 * 1024},
    {"imap", "recipient_header", T_STRING, OFF(imap.recipient_header),
     "Delivered-To, X-Original-To, To", 0, 0},
    {"imap", "allow_plaintext", T_BOOL, OFF(imap.allow_plaintext), "no", 0, 0},
    {"bounce", "threshold", T_LONG, OFF(bounce.threshold), "5", 1, 1000},
    {"bounce", "stale_days", T_LONG, OFF(bounce.stale_days), "7", 1, 365},
    {"serve", "listen", T_STRING, OFF(serve.listen), "127.0.0.1:8025", 0, 0},
    {"serve", "public_url", T_STRING, OFF(serve.public_url), NULL, 0, 0},
    {"serve", "max_body", T_SIZE, OFF(serve.max_body), "64K", 1024,
     16L * 1024 * 1024},
    {"dkim", "key_file", T_STRING, OFF(dkim.key_file), NULL, 0, 0},
    {"dkim", "selector", T_STRING, OFF(dkim.selector), "shortmail", 0, 0},
    {"dkim", "domain", T_STRING, OFF(dkim.domain), NULL, 0, 0},
    {"send", "max_age", T_LONG, OFF(send.max_age), "259200", 60, 30L * 86400},
    {"send", "retry_base", T_LONG, OFF(send.retry_base), "300", 1, 86400},
    {"send", "lease", T_LONG, OFF(send.lease), "600", 1, 86400},
    {"send", "batch", T_LONG, OFF(send.batch), "100", 1, 10000},
    {"send", "connections", T_LONG, OFF(send.connections), "1", 1, 64},
    {"send", "rate", T_LONG, OFF(send.rate), "0", 0, 100000},
    {"send", "rate_minute", T_LONG, OFF(send.rate_minute), "0", 0, 6000000},
    {"send", "pause_percent", T_LONG, OFF(send.pause_percent), "50", 1, 100},
    {"log", "file", T_STRING, OFF(log.file), NULL, 0, 0},
    {"log", "syslog", T_BOOL, OFF(log.syslog), "no", 0, 0},
    {"log", "level", T_LEVEL, OFF(log.level), "info", 0, 0},
};

#define NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

static const char *const weekdays[] = {"sunday",    "monday",   "tuesday",
                                       "wednesday", "thursday", "friday",
                                       "saturday"};
static const char *const starttls_names[] = {"no", "if-offered", "required"};
static const char *const level_names[] = {"error", "warning", "info", "debug"};

#define FIELD(c, k, type) ((type *)((char *)(c) + (k)->offset))

static int
name_index(const char *v, const char *const *names, int n)
{
  for (int i = 0; i < n; i++)
    if (strcasecmp(v, names[i]) == 0)
      return i;
  return -1;
}

/* Sets one key from its textual value; on error writes a message without
 * the file:line prefix. */
static enum sm_status
conf_set(struct conf *c, const struct conf_key *k, const char *v, char *err,
         size_t errlen)
{
  char *end;
  long n;
  int i;

  switch (k->type) {
  case T_STRING:
  case T_LEVEL: {
    char *copy;
    if (k->type == T_LEVEL && name_index(v, level_names, 4) < 0) {
      snprintf(err, errlen,
               "%s: \"%s\" is not one of error, warning, info, debug", k->key,
               v);
      return SM_ERR_CONFIG;
    }
    copy = strdup(v);
    if (!copy)
      return SM_ERR_NOMEM;
    free(*FIELD(c, k, char *));
    *FIELD(c, k, char *) = copy;
    return SM_OK;
  }
  case T_LONG:
  case T_SIZE:
    errno = 0;
    n = strtol(v, &end, 10);
    if (end == v || errno) {
      snprintf(err, errlen, "%s: \"%s\" is not a number", k->key, v);
      return SM_ERR_CONFIG;
    }
    if (k->type == T_SIZE) {
      long mult = 1;
      switch (ascii_toupper((unsigned char)*end)) {
      case 'K':
        mult = 1024L;
        end++;
        break;
      case 'M':
        mult = 1024L * 1024;
        end++;
        break;
      case 'G':
        mult = 1024L * 1024 * 1024;
        end++;
        break;
      default:
        break;
      }
      if (n > k->max / mult) {
        snprintf(err, errlen, "%s: %s is larger than the maximum %ld bytes",
                 k->key, v, k->max);
        return SM_ERR_CONFIG;
      }
      n *= mult;
    }
    if (*end) {
      snprintf(err, errlen, "%s: \"%s\" is not a %s", k->key, v,
               k->type == T_SIZE ? "size (such as 64M)" : "whole number");
      return SM_ERR_CONFIG;
    }
    if (n < k->min || n > k->max) {
      snprintf(err, errlen, "%s: %s is outside %ld..%ld", k->key, v, k->min,
               k->max);
      return SM_ERR_CONFIG;
    }
    if (k->type == T_SIZE)
      *FIELD(c, k, size_t) = (size_t)n;
    else
      *FIELD(c, k, long) = n;
    return SM_OK;
  case T_BOOL:
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
        !strcasecmp(v, "on") || !strcmp(v, "1"))
      *FIELD(c, k, int) = 1;
    else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
             !strcasecmp(v, "off") || !strcmp(v, "0"))
      *FIELD(c, k, int) = 0;
    else {
      snprintf(err, errlen, "%s: \"%s\" is not yes or no", k->key, v);
      return SM_ERR_CONFIG;
    }
    return SM_OK;
  case T_WEEKDAY:
    i = name_index(v, weekdays, 7);
    if (i < 0) {
      snprintf(err, errlen, "%s: \"%s\" is not a day of the week", k->key, v);
      return SM_ERR_CONFIG;
    }
    *FIELD(c, k, int) = i;
    return SM_OK;
  case T_STARTTLS:
    i = name_index(v, starttls_names, 3);
    if (i < 0) {
      snprintf(err, errlen,
               "%s: \"%s\" is not one of no, if-offered, required", k->key, v);
      return SM_ERR_CONFIG;
    }
    *FIELD(c, k, enum conf_starttls) = (enum conf_starttls)i;
    return SM_OK;
  }
  return SM_ERR_INTERNAL;
}

void
conf_free(struct conf *c)
{
  for (size_t i = 0; i < NKEYS; i++)
    if (conf_keys[i].type == T_STRING || conf_keys[i].type == T_LEVEL) {
      free(*FIELD(c, &conf_keys[i], char *));
      *FIELD(c, &conf_keys[i], char *) = NULL;
    }
  free(c->path);
  free(c->list.local);
  free(c->list.domain);
  memset(c, 0, sizeof(*c));
}

static enum sm_status conf_finish(struct conf *c, const char *name, char *err,
                                  size_t errlen);

void
conf_defaults(struct conf *c)
{
  char err[SM_ERRLEN];

  memset(c, 0, sizeof(*c));
  for (size_t i = 0; i < NKEYS; i++)
    if (conf_keys[i].def)
      (void)conf_set(c, &conf_keys[i], conf_keys[i].def, err, sizeof(err));
  /* The defaults are valid: derive list.local and list.domain. */
  (void)conf_finish(c, "(defaults)", err, sizeof(err));
}

/* Checks across keys and fills the derived fields. */
static enum sm_status
conf_finish(struct conf *c, const char *name, char *err, size_t errlen)
{
  const char *at = strrchr(c->list.address, '@');
  size_t n;

  if (!at || at == c->list.address || !at[1] ||
      strcspn(c->list.address, " \t\"<>()+,;") != strlen(c->list.address)) {
    snprintf(err, errlen,
             "%s: [list] address \"%s\" is not a plain address such as "
             "digest@lists.example.org (no '+', no spaces)",
             name, c->list.address);
    return SM_ERR_CONFIG;
  }
  free(c->list.local);
  free(c->list.domain);
  c->list.local = strndup(c->list.address, (size_t)(at - c->list.address));
  c->list.domain = strdup(at + 1);
  if (!c->list.local || !c->list.domain)
    return SM_ERR_NOMEM;
  /* Links are made by appending "/path": keep the base without '/'. */
  n = strlen(c->site.url);
  while (n > 0 && c->site.url[n - 1] == '/')
    c->site.url[--n] = '\0';
  if (strncmp(c->site.url, "http://", 7) &&
      strncmp(c->site.url, "https://", 8)) {
    snprintf(err, errlen, "%s: [site] url \"%s\" must start with https://",
             name, c->site.url);
    return SM_ERR_CONFIG;
  }
  return SM_OK;
}

enum sm_status
conf_parse(struct conf *c, const char *name, const char *text, char *err,
           size_t errlen)
{
  char section[64] = "";
  const char *line = text;
  unsigned lineno = 0;
  enum sm_status st = SM_OK;
  char msg[SM_ERRLEN];

  conf_defaults(c);
  while (line && *line) {
    const char *eol = strchr(line, '\n');
    size_t len = eol ? (size_t)(eol - line) : strlen(line);
    char raw[4096];
    char *s, *eq, *key, *val;

    lineno++;
    if (len >= sizeof(raw)) {
      snprintf(err, errlen, "%s:%u: line longer than %zu characters", name,
               lineno, sizeof(raw) - 1);
      st = SM_ERR_CONFIG;
      goto fail;
    }
    memcpy(raw, line, len);
    raw[len] = '\0';
    line = eol ? eol + 1 : NULL;
    s = util_trim(raw);
    if (*s == '\0' || *s == '#' || *s == ';')
      continue;
    if (*s == '[') {
      char *close = strchr(s, ']');
      if (!close || util_trim(close + 1)[0] != '\0' ||
          (size_t)(close - s - 1) >= sizeof(section)) {
        snprintf(err, errlen, "%s:%u: malformed section header \"%s\"", name,
                 lineno, s);
        st = SM_ERR_CONFIG;
        goto fail;
      }
      *close = '\0';
      snprintf(section, sizeof(section), "%s", util_trim(s + 1));
      {
        int known = 0;
        for (size_t i = 0; i < NKEYS; i++)
          if (!strcmp(conf_keys[i].section, section))
            known = 1;
        if (!known) {
          snprintf(err, errlen, "%s:%u: unknown section [%s]", name, lineno,
                   section);
          st = SM_ERR_CONFIG;
          goto fail;
        }
      }
      continue;
    }
    eq = strchr(s, '=');
    if (!eq) {
      snprintf(err, errlen, "%s:%u: expected \"key = value\", got \"%s\"",
               name, lineno, s);
      st = SM_ERR_CONFIG;
      goto fail;
    }
    *eq = '\0';
    key = util_trim(s);
    val = util_trim(eq + 1);
    if (!section[0]) {
      snprintf(err, errlen, "%s:%u: key \"%s\" outside any [section]", name,
               lineno, key);
      st = SM_ERR_CONFIG;
      goto fail;
    }
    {
      const struct conf_key *k = NULL;
      for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(conf_keys[i].section, section) &&
            !strcmp(conf_keys[i].key, key))
          k = &conf_keys[i];
      if (!k) {
        snprintf(err, errlen, "%s:%u: unknown key \"%s\" in [%s]", name,
                 lineno, key, section);
        st = SM_ERR_CONFIG;
        goto fail;
      }
      if (*val == '\0' && k->type == T_STRING && !k->def) {
        free(*FIELD(c, k, char *));
        *FIELD(c, k, char *) = NULL;
        continue;
      }
      if (*val == '\0') {
        snprintf(err, errlen, "%s:%u: %s: empty value", name, lineno, key);
        st = SM_ERR_CONFIG;
        goto fail;
      }
      st = conf_set(c, k, val, msg, sizeof(msg));
      if (st != SM_OK) {
        snprintf(err, errlen, "%s:%u: %s", name, lineno, msg);
        goto fail;
      }
    }
  }
  st = conf_finish(c, name, err, errlen);
  if (st == SM_OK)
    return SM_OK;
fail:
  conf_free(c);
  return st;
}

enum sm_status
conf_load(struct conf *c, const char *path, int must_exist, char *err,
          size_t errlen)
{
  struct buf text = BUF_INIT(1024 * 1024);
  enum sm_status st;

  if (!path) {
    conf_defaults(c);
    return conf_finish(c, "(defaults)", err, errlen);
  }
  st = util_read_file(path, &text);
  if (st == SM_ERR_NOINPUT && !must_exist) {
    conf_defaults(c);
    return conf_finish(c, "(defaults)", err, errlen);
  }
  if (st != SM_OK) {
    snprintf(err, errlen, "%s: cannot read configuration: %s", path,
             st == SM_ERR_LIMIT ? "larger than 1 MB" : strerror(errno));
    buf_free(&text);
    /* An unreadable file is an operator's mistake or a passing fault;
     * either way the MTA must keep the mail: a config error, not data. */
    return SM_ERR_CONFIG;
  }
  st = conf_parse(c, path, buf_str(&text), err, errlen);
  buf_free(&text);
  if (st == SM_OK) {
    c->path = strdup(path);
    if (!c->path) {
      conf_free(c);
      return SM_ERR_NOMEM;
    }
  }
  return st;
}

const char *
conf_default_path(void)
{
  return SYSCONFDIR "/shortmail.conf";
}

void
conf_dump(const struct conf *c, void *fp)
{
  const char *section = "";

  for (size_t i = 0; i < NKEYS; i++) {
    const struct conf_key *k = &conf_keys[i];
    const struct conf *cc = c;

    if (strcmp(section, k->section)) {
      fprintf(fp, "%s[%s]\n", i ? "\n" : "", k->section);
      section = k->section;
    }
    fprintf(fp, "%s = ", k->key);
    switch (k->type) {
    case T_STRING:
    case T_LEVEL: {
      const char *v = *FIELD(cc, k, char *const);
      fprintf(fp, "%s\n", v ? v : "");
      break;
    }
    case T_LONG:
      fprintf(fp, "%ld\n", *FIELD(cc, k, const long));
      break;
    case T_SIZE:
      fprintf(fp, "%zu\n", *FIELD(cc, k, const size_t));
      break;
    case T_BOOL:
      fprintf(fp, "%s\n", *FIELD(cc, k, const int) ? "yes" : "no");
      break;
    case T_WEEKDAY:
      fprintf(fp, "%s\n", weekdays[*FIELD(cc, k, const int)]);
      break;
    case T_STARTTLS:
      fprintf(fp, "%s\n",
              starttls_names[*FIELD(cc, k, const enum conf_starttls)]);
      break;
    }
  }
}

void
conf_sample(void *fp)
{
  const char *section = "";

  fprintf(fp, "# shortmail.conf: every key at its default, commented out.\n"
              "# Uncomment and change what differs here; see\n"
              "# shortmail.conf(5) for what each key means, and\n"
              "# `shortmail config` for the settings in effect.\n");
  for (size_t i = 0; i < NKEYS; i++) {
    const struct conf_key *k = &conf_keys[i];

    if (strcmp(section, k->section)) {
      fprintf(fp, "\n[%s]\n", k->section);
      section = k->section;
    }
    if (k->def)
      fprintf(fp, "#%s = %s\n", k->key, k->def);
    else
      fprintf(fp, "#%s =\n", k->key);
  }
}

const char *
conf_public_url(const struct conf *c)
{
  return c->serve.public_url && *c->serve.public_url ? c->serve.public_url
                                                     : c->site.url;
}
