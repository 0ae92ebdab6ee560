/* conf.h: shortmail.conf, an INI file: "[section]", "key = value", "#"
 * comments. Every key has a default (see doc/shortmail.conf.5); an unknown
 * key, a bad value or an unreadable file is an error naming file:line.
 *
 * (The module is "conf" because autoconf owns config.h.) */
#ifndef SM_CONF_H
#define SM_CONF_H

#include <stddef.h>

#include "status.h"

enum conf_starttls { CONF_TLS_NO, CONF_TLS_IF_OFFERED, CONF_TLS_REQUIRED };

/* All strings are owned by the struct and freed by conf_free. */
struct conf {
  char *path; /* the file read, NULL when only defaults */

  struct {
    char *address;        /* digest@lists.example.org */
    char *name;           /* display name in From: */
    char *local;          /* derived: "digest" */
    char *domain;         /* derived: "lists.example.org" */
    int weekday;          /* 0 = Sunday .. 6 = Saturday */
    long replies_per_day; /* command replies to one address per day */
  } list;
  struct {
    char *url;            /* https://www.shortscience.org, no trailing slash */
    char *api_url;        /* where comments are POSTed; unset: kept */
    char *api_token_file; /* bearer token for api_url, or unset */
    long api_timeout;     /* seconds, whole request */
  } site;
  struct {
    char *url;
    long timeout;         /* seconds, whole transfer */
    long connect_timeout; /* seconds */
    size_t max_size;      /* bytes of body, after decompression */
    long max_redirects;
    long retries; /* extra attempts after a 5xx or a timeout */
  } feed;
  struct {
    int enabled;      /* ask arXiv for the categories of papers */
    char *api_url;    /* its API's query URL */
    long interval_ms; /* between two requests (arXiv asks for 3 s) */
    long timeout;     /* seconds, whole request */
  } arxiv;
  struct {
    char *path;
    long busy_timeout; /* milliseconds */
  } store;
  struct {
    char *host;
    long port;
    enum conf_starttls starttls;
    char *user;
    char *password_file;
    char *ca_file;
  } smtp;
  struct {
    char *file;
  } secret;
  struct {
    char *dir; /* the templates directory */
  } templates;
  struct {
    long max_items;
    long excerpt_words; /* each summary's excerpt; 0: whole summaries */
  } digest;
  struct {
    size_t max_size;   /* larger mail is quarantined unread */
    char *authserv_id; /* our MTA's Authentication-Results id, or unset */
  } receive;
  struct {
    char *url; /* imaps://HOST[:PORT]; unset: no fetch */
    char *user;
    char *password_file;
    char *mailbox;          /* the one drained: INBOX */
    char *ca_file;          /* unset: the system's */
    long timeout;           /* seconds per IMAP command */
    char *done;             /* folder for processed mail; "-": delete */
    char *rejected;         /* folder for quarantined and oversized */
    long max_messages;      /* per run */
    size_t max_size;        /* larger ones go to rejected unread */
    char *recipient_header; /* "Delivered-To, X-Original-To, To" */
    int allow_plaintext;    /* imap:// without STARTTLS (loopback) */
  } imap;
  struct {
    long threshold;  /* score at which a reader is disabled */
    long stale_days; /* a score older than this starts again from 0 */
  } bounce;
  struct {
    char *listen;     /* ADDR:PORT for shortmail serve */
    char *public_url; /* where readers reach serve; unset: [site] url */
    size_t max_body;
  } serve;
  struct {
    char *key_file; /* PEM private key; unset: no DKIM signature */
    char *selector;
    char *domain; /* d=; default the list's domain */
  } dkim;
  struct {
    long max_age;       /* seconds a deferred message keeps trying */
    long retry_base;    /* seconds before the first retry; doubles */
    long lease;         /* seconds a claim is held before others take it */
    long batch;         /* messages per SMTP session */
    long connections;   /* sessions at once (one process each) */
    long rate;          /* messages per second, 0 for no limit */
    long rate_minute;   /* messages per minute, 0 for no limit */
    long pause_percent; /* stop when this share of recent attempts fail */
  } send;
  struct {
    char *file;
    int syslog;
    char *level;
  } log;
};

/* Fills `c` with the defaults, then reads `path` over them. With
 * `path` NULL the defaults stand alone. On error `err` holds
 * "FILE:LINE: message" and `c` is freed. */
enum sm_status conf_load(struct conf *c, const char *path, int must_exist,
                         char *err, size_t errlen);
/* The same from a string (tests, fuzzing); `name` labels messages. */
enum sm_status conf_parse(struct conf *c, const char *name, const char *text,
                          char *err, size_t errlen);
void conf_defaults(struct conf *c);
void conf_free(struct conf *c);
/* Prints every key with its value, as a valid configuration file. */
void conf_dump(const struct conf *c, void *fp);
/* Writes a sample configuration file to fp (a FILE *): every section,
 * every key commented out at its default; unset keys have no value. */
void conf_sample(void *fp);

/* Where readers reach `serve` (the base of /u/, /k/ and /confirm/
 * links): [serve] public_url, else [site] url. Owned by c. */
const char *conf_public_url(const struct conf *c);

/* The default configuration file: $(sysconfdir)/shortmail.conf. */
const char *conf_default_path(void);

#endif
