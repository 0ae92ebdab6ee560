/* status.h: the one status enum every module returns, and its mapping to
 * sysexits.h exit codes (the MTA acts on those: 75 means "try again"). */
#ifndef SM_STATUS_H
#define SM_STATUS_H

enum sm_status {
  SM_OK = 0,
  SM_ERR_USAGE,     /* bad command line */
  SM_ERR_DATA,      /* outside input is malformed: feed, mail, CSV */
  SM_ERR_NOINPUT,   /* a named input file or row does not exist */
  SM_ERR_CONFIG,    /* configuration file wrong or unreadable */
  SM_ERR_NOMEM,     /* allocation failed */
  SM_ERR_IO,        /* read or write failed */
  SM_ERR_TEMP,      /* transient: database busy, disk full; retry later */
  SM_ERR_NETWORK,   /* fetch or connection failed */
  SM_ERR_PROTOCOL,  /* the peer answered something we cannot use */
  SM_ERR_LIMIT,     /* input exceeds a configured bound */
  SM_ERR_NOTFOUND,  /* lookup found nothing */
  SM_ERR_INTERNAL,  /* a bug: an assumption of ours was wrong */
  SM_ERR_NOPERM,    /* the operating system refused: owner or mode */
  SM_ERR_CANTCREAT, /* a file or directory cannot be created */
  SM_ERR_AUTH,      /* a server refused our user name or password */
  SM_ERR_LAST
};

/* A static English description; never NULL. */
const char *sm_strerror(enum sm_status st);

/* The sysexits.h exit code for a status (0 for SM_OK). */
int sm_exit_code(enum sm_status st);

/* Size for caller-provided error message buffers (`char *err, size_t
 * errlen` arguments): a message names the file, line, URL or address. */
#define SM_ERRLEN 512

#endif
