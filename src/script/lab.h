/* The script runner's network: the stack under test in a network namespace
 * of its own (the agent's), joined by a veth to a second namespace where
 * the runner injects segments (libnet, link layer) and captures what the
 * stack sends (libpcap).  Not installed.
 *
 * Neither namespace has a name: the stack's lives as long as the agent and
 * its process group, the runner's wire side as long as the sockets opened
 * in it.  Whatever ends the run (an error, SIGINT, SIGKILL of the runner or
 * of the agent) leaves nothing behind.
 *
 * The stack's side of the veth is called tun0 (packetdrill's device, which
 * scripts name in their shell lines) and keeps the veth's offloads (TSO and
 * GSO on, as packetdrill's tun device has them), so a write of 2000 bytes
 * is seen as one segment.  The simulated peer's address is in the stack's
 * neighbour table for good (no ARP or neighbour discovery on the wire), and
 * the wire side has no address at all, so its kernel answers nothing.
 */
#ifndef TCPSHAKE_SCRIPT_LAB_H
#define TCPSHAKE_SCRIPT_LAB_H

#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "tcpshake/capture.h"
#include "tcpshake/craft.h"
#include "tcpshake/decode.h"
#include "tcpshake/guard.h"

struct ts_lab {
    int orig_ns;             /* the caller's network namespace, to go back to */
    bool moved;              /* this thread is in the wire namespace */
    struct ts_agent ag;
    struct ts_capture *cap;  /* frames the stack sent, on the wire side */
    struct ts_craft_session *cs;
    uint8_t family;          /* 4 or 6 */
    struct ts_addr local;    /* the stack's address */
    struct ts_addr remote;   /* the simulated peer's */
    uint32_t mtu;
    unsigned prefix;         /* the addresses' */
    uint8_t stack_mac[6], wire_mac[6];

    /* --peer: no namespaces and no agent (ag.fd -1); local is the remote
     * stack, remote this host's own address, the capture on its interface */
    bool peer;
    int dlt;                 /* the capture's link type */
    struct guard *guard;
    int port_hold;           /* ts_drive_reserve_ports's lock, or -1 */
    uint16_t port_lo, nports; /* our source ports: port_lo..port_lo+nports-1 */
    uint64_t ports_used;     /* bit i: port_lo + i was used */
    char ifname[64];         /* the capture's interface */
    char close_err[256];     /* ts_lab_close: what it could not undo, or "" */
};

/* How many source ports a --peer run holds: one for the round-trip probe,
 * the rest one a connection the script opens, taken in turn. */
#define TS_LAB_PEER_PORTS 64u
/* The mark our segments carry past the RST guard. */
#define TS_LAB_PEER_MARK 0x7473u

/* Whether a --peer address may be sent to: -1 with why for broadcast (also
 * a local subnet's), multicast, unspecified and reserved addresses. */
int ts_lab_peer_addr_ok(const struct ts_addr *a, char *err, size_t errlen);

/* Build it.  cwd: the agent's working folder (the script's); shell_cpus
 * (or NULL): the CPUs its shell lines' programs run on (ts_agent_start).  mtu: the
 * veth's (0: 1500).  gso_mss: packetdrill's --mss (0: none): our TCP
 * segments go as GSO frames of that segment size, and the stack's side of
 * the veth has GRO on, so that a segment longer than gso_mss reaches the
 * stack whole with that GSO size, as from packetdrill's tun device.  -1
 * with err; everything made so far is undone. */
int ts_lab_open(struct ts_lab *L, uint8_t family, const struct ts_addr *local,
                const struct ts_addr *remote, unsigned prefix, uint32_t mtu, uint16_t gso_mss,
                const char *cwd, const cpu_set_t *shell_cpus, char *err, size_t errlen);
/* After a script's shell command: when it changed the MTU of tun0 (the
 * name of packetdrill's device too: `ip link set dev tun0 mtu 9000`), that
 * is the link's MTU from now on: the routes take it (the stack's MSS
 * follows) and tun0 takes 64 KB frames again.  0, or -1 with err. */
int ts_lab_follow_mtu(struct ts_lab *L, char *err, size_t errlen);
/* --peer: the route to peer and its source address, a block of source
 * ports, the capture of what peer:port sends to them, a raw craft session
 * with the guard's mark, and the guard.  peer must have passed
 * ts_lab_peer_addr_ok (ts_script_check_cfg checks it first).  -1 with err;
 * all undone. */
int ts_lab_open_peer(struct ts_lab *L, const struct ts_addr *peer, uint16_t port, char *err,
                     size_t errlen);

/* --peer: a source port used (marked for later runs, again at close, so
 * that their blocks keep clear of a peer's TIME-WAIT); take: the next port
 * for a connection after *next in turn (port_lo is the round-trip probe's),
 * ports used within TS_DRIVE_PORT_QUIET_SECS skipped while a quiet one is
 * left, and used. */
void ts_lab_use_port(struct ts_lab *L, uint16_t port);
uint16_t ts_lab_take_port(struct ts_lab *L, unsigned *next);

/* Undo it all; safe on a lab that failed to open or was closed. */
void ts_lab_close(struct ts_lab *L);

#endif
