/* What a drive session checks and holds in the host around it: for now the
 * report of the guard's removal.  Shared by connect.c, listen.c and
 * replay.c; not installed. */
#ifndef TCPSHAKE_DRIVE_ENV_H
#define TCPSHAKE_DRIVE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* dsess_close, and a guard that could not be removed is always said: with
 * outcome OK it becomes FAILED with that message; otherwise the message is
 * added to err's, whatever the session's own outcome was. */
void ts_drive_close_report(struct dsess *s, struct ts_drive_result *res,
                           char *err, size_t errlen);

#endif
