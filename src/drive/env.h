/* What a drive session checks in the host around it: privileges, the local
 * kernel's own sockets, and the report of the guard's removal.  Shared by
 * connect.c, listen.c and replay.c; not installed. */
#ifndef TCPSHAKE_DRIVE_ENV_H
#define TCPSHAKE_DRIVE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* Can this process open the raw socket a session sends with?  0, or -1 with
 * a one-line message that says what to do (root; -w and --dry-run do not
 * avoid it here: a session must send to run at all). */
int ts_drive_check_root(uint8_t family, char *err, size_t errlen);

/* listen: -1 with a message when the host has no such address (a bind
 * probe: the kernel's own idea of a local address). */
int ts_drive_check_own_addr(const struct ts_addr *a, char *err, size_t errlen);

/* listen: -1 with "port P already has a listening socket on ADDR" when a
 * socket of the local kernel (this network namespace) listens where we would
 * answer: on `local` or a wildcard address (local->family 0: any address of
 * `family`), IPv4 included for a dual-stack IPv6 wildcard. */
int ts_drive_check_listeners(const struct ts_addr *local, uint8_t family,
                             uint16_t port, char *err, size_t errlen);

/* dsess_close, and a guard that could not be removed is always said: with
 * outcome OK it becomes FAILED with that message; otherwise the message is
 * added to err's, whatever the session's own outcome was. */
void ts_drive_close_report(struct dsess *s, struct ts_drive_result *res,
                           char *err, size_t errlen);

#endif
