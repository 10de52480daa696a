/* A script's system call as an agent request, and its expected result
 * checked against the agent's reply.  Not installed. */
#ifndef TCPSHAKE_SCRIPT_CALL_H
#define TCPSHAKE_SCRIPT_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "tcpshake/decode.h"
#include "tcpshake/script.h"

/* What `...` stands for in an address argument (packetdrill's rule: bind
 * and the like get the stack's address and --bind_port, connect and
 * sendto the peer's and --connect_port) and the addresses packetdrill's
 * own defaults name, which are translated to ours. */
struct call_env {
    uint8_t family; /* the wire's */
    bool mapped;    /* IPv6 sockets on an IPv4 wire: their addresses mapped */
    struct ts_addr local, remote;
    uint16_t bind_port, connect_port;
    /* the script's file descriptors and the agent's: packetdrill takes the
     * number socket() or accept() is expected to return as the script's
     * name for whatever the call returned */
    unsigned nfds;
    struct {
        int script, live;
    } fds[64];
};

/* The agent's descriptor for the script's (itself when unknown). */
int call_live_fd(const struct call_env *env, int script_fd);

/* Whether the runner can make this call: 0, or -1 with why (and the
 * expression's line and column in *line, *col when it is about one). */
int call_supported(const struct ts_script_syscall *c, char *why, size_t n, unsigned *line,
                   unsigned *col);

/* The request for c, its data in data (TS_AGENT_MAX_DATA bytes).  -1 with
 * why when an argument cannot be used. */
int call_build(const struct ts_script_syscall *c, const struct call_env *env,
               struct ts_agent_req *q, uint8_t *data, char *why, size_t n);

/* The run's clock for a time a call hands back (SCM_TIMESTAMPING): the
 * script's time 0 in CLOCK_REALTIME ns, and the tolerance. */
struct call_time {
    int64_t start_wall_ns, tol_us;
};

/* 0 when the reply is what the script expects; 1 with what differs in
 * diff ("returned 0, the script expects -1 EINPROGRESS"). */
int call_check(const struct ts_script_syscall *c, const struct ts_agent_req *q,
               const struct ts_agent_rep *rep, const uint8_t *data, const struct call_time *tm,
               char *diff, size_t n);

/* After a call: remember the descriptor socket(), accept(), open() or
 * epoll_create() made under the script's number (pipe(): both ends, under
 * the numbers of its array; data: the reply's), forget the one close()
 * closed. */
void call_after(struct call_env *env, const struct ts_script_syscall *c,
                const struct ts_agent_req *q, const struct ts_agent_rep *rep,
                const uint8_t *data);

#endif
