/* What a drive session checks and holds in the host around it: privileges,
 * the local kernel's own sockets, source ports reserved against other
 * sessions, and the report of the guard's removal.  Shared by connect.c,
 * listen.c and replay.c; not installed. */
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

/* A block of n source ports outside the kernel's ephemeral range that no
 * kernel socket of this namespace uses and no other tcpshake session holds,
 * reserved until ts_drive_release_ports(*hold): an open-file-description
 * lock on bytes base..base+n-1 of a lock file shared by all sessions of the
 * host, so concurrent sessions cannot draw overlapping blocks (and the lock
 * goes with the process however it ends).  Without a lock file the block is
 * only random, as before.  -1 when there is no room. */
int ts_drive_reserve_ports(struct ts_craft_rng *rng, unsigned n, uint16_t *base,
                           int *hold);
void ts_drive_release_ports(int hold);

/* A port's last use, for the blocks drawn after it: a SYN from a port that
 * a peer may still hold in TIME-WAIT (2 MSL, RFC 9293 §3.4.2: 4 minutes)
 * meets that old connection, not the listener.  ts_drive_reserve_ports
 * draws from ports quiet for TS_DRIVE_PORT_QUIET_SECS first.  mark: ports
 * base..base+n-1 used now (ports of hold's block only); quiet: not used
 * within that time (true without a lock file). */
#define TS_DRIVE_PORT_QUIET_SECS 240u
void ts_drive_mark_ports(int hold, uint16_t base, unsigned n);
bool ts_drive_port_quiet(int hold, uint16_t port);

/* dsess_close, and a guard that could not be removed is always said: with
 * outcome OK it becomes FAILED with that message; otherwise the message is
 * added to err's, whatever the session's own outcome was. */
void ts_drive_close_report(struct dsess *s, struct ts_drive_result *res,
                           char *err, size_t errlen);

#endif
