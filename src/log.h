/* log.h: messages for people and for operators' grep.
 *
 * On stderr:   "shortmail ingest: warning: file:///x.xml: item 3 ...".
 * In a log file or syslog (facility mail, like Postfix), each line also
 * carries the time and pid: "2026-11-23T02:34:08Z shortmail/ingest[812]:
 * warning: ...". */
#ifndef SM_LOG_H
#define SM_LOG_H

#include <stdarg.h>

enum log_level {
  LOG_LEVEL_ERROR,
  LOG_LEVEL_WARNING,
  LOG_LEVEL_INFO,
  LOG_LEVEL_DEBUG
};

/* `cmd` names the running subcommand ("ingest"), or NULL. Not copied. */
void log_init(const char *cmd);
void log_set_level(enum log_level level);
/* Also append every line to `path` (NULL stops); returns -1 with errno
 * set if the file cannot be opened. A line that cannot be written to it
 * later (a full disk) is reported once, on stderr, naming the file and
 * the reason. */
int log_set_file(const char *path);
void log_set_syslog(int on);
/* Whether stderr shows info lines; quiet commands (receive) turn it off
 * so the MTA does not mail their chatter back. */
void log_set_stderr(int on);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

#endif
