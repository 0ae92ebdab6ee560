/* status.c: descriptions and exit codes of enum sm_status. */
#include "config.h"

#include <sysexits.h>

#include "status.h"

static const struct {
  const char *text;
  int exit_code;
} status_table[SM_ERR_LAST] = {
    [SM_OK] = {"success", EX_OK},
    [SM_ERR_USAGE] = {"usage error", EX_USAGE},
    [SM_ERR_DATA] = {"malformed input", EX_DATAERR},
    [SM_ERR_NOINPUT] = {"no such input", EX_NOINPUT},
    [SM_ERR_CONFIG] = {"configuration error", EX_CONFIG},
    [SM_ERR_NOMEM] = {"out of memory", EX_TEMPFAIL},
    [SM_ERR_IO] = {"input/output error", EX_IOERR},
    [SM_ERR_TEMP] = {"temporary failure", EX_TEMPFAIL},
    [SM_ERR_NETWORK] = {"network error", EX_TEMPFAIL},
    [SM_ERR_PROTOCOL] = {"protocol error", EX_PROTOCOL},
    [SM_ERR_LIMIT] = {"limit exceeded", EX_DATAERR},
    [SM_ERR_NOTFOUND] = {"not found", EX_NOINPUT},
    [SM_ERR_INTERNAL] = {"internal error", EX_SOFTWARE},
    [SM_ERR_NOPERM] = {"permission denied", EX_NOPERM},
    [SM_ERR_CANTCREAT] = {"cannot create", EX_CANTCREAT},
    [SM_ERR_AUTH] = {"authentication failed", EX_NOPERM},
};

const char *
sm_strerror(enum sm_status st)
{
  if ((unsigned)st >= SM_ERR_LAST)
    return "unknown status";
  return status_table[st].text;
}

int
sm_exit_code(enum sm_status st)
{
  if ((unsigned)st >= SM_ERR_LAST)
    return EX_SOFTWARE;
  return status_table[st].exit_code;
}
