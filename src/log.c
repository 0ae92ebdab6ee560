/* log.c: stderr, an optional log file and optional syslog. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_cmd;
static enum log_level log_level = LOG_LEVEL_INFO;
static FILE *log_file;
static char log_path[4096]; /* for messages about log_file */
static int log_file_failed;
static int log_syslog;
static int log_stderr = 1;

static const char *const level_names[] = {"error", "warning", "info", "debug"};
static const int level_syslog[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

void
log_init(const char *cmd)
{
  log_cmd = cmd;
}

void
log_set_level(enum log_level level)
{
  log_level = level;
}

int
log_set_file(const char *path)
{
  if (log_file)
    fclose(log_file);
  log_file = NULL;
  if (!path)
    return 0;
  snprintf(log_path, sizeof(log_path), "%s", path);
  log_file_failed = 0;
  log_file = fopen(path, "a");
  return log_file ? 0 : -1;
}

void
log_set_syslog(int on)
{
  if (on && !log_syslog)
    openlog("shortmail", LOG_PID, LOG_MAIL);
  log_syslog = on;
}

void
log_set_stderr(int on)
{
  log_stderr = on;
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
  char msg[2048];
  char *p;

  if (level > log_level)
    return;
  vsnprintf(msg, sizeof(msg), fmt, ap);
  /* One event, one line: never let data split a log line. */
  for (p = msg; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  if (log_stderr || level <= LOG_LEVEL_WARNING) {
    if (log_cmd)
      fprintf(stderr, "shortmail %s: %s: %s\n", log_cmd, level_names[level],
              msg);
    else
      fprintf(stderr, "shortmail: %s: %s\n", level_names[level], msg);
  }
  if (log_file) {
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if ((fprintf(log_file, "%s shortmail%s%s[%ld]: %s: %s\n", ts,
                 log_cmd ? "/" : "", log_cmd ? log_cmd : "", (long)getpid(),
                 level_names[level], msg) < 0 ||
         fflush(log_file) != 0) &&
        !log_file_failed) {
      /* Once per process, on stderr: the file is the problem. */
      log_file_failed = 1;
      fprintf(stderr,
              "shortmail%s%s: warning: %s: cannot write the log "
              "file: %s\n",
              log_cmd ? " " : "", log_cmd ? log_cmd : "", log_path,
              strerror(errno));
    }
  }
  if (log_syslog)
    syslog(level_syslog[level], "%s%s%s: %s", log_cmd ? log_cmd : "",
           log_cmd ? ": " : "", level_names[level], msg);
}

#define LOG_FN(name, level)                                                   \
  void name(const char *fmt, ...)                                             \
  {                                                                           \
    va_list ap;                                                               \
    va_start(ap, fmt);                                                        \
    log_vmsg(level, fmt, ap);                                                 \
    va_end(ap);                                                               \
  }

LOG_FN(log_error, LOG_LEVEL_ERROR)
LOG_FN(log_warning, LOG_LEVEL_WARNING)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_debug, LOG_LEVEL_DEBUG)
