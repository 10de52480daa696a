/* A script's python lines (%{ ... }%), as packetdrill runs them: at the
 * event's time the TCP_INFO of the socket under test is taken; at the end
 * python3 runs every snippet in order, in one namespace, each after the
 * tcpi_* variables of its own snapshot, SO_MEMINFO's SK_MEMINFO_* as
 * packetdrill's, and packetdrill's symbols
 * (TCP_ESTABLISHED, TCP_CA_Open, TCPI_OPT_SACK ...).  Not installed. */
#ifndef TCPSHAKE_SCRIPT_CODE_H
#define TCPSHAKE_SCRIPT_CODE_H

#include <stddef.h>
#include <stdint.h>

struct code_snap {
    unsigned line;
    const char *code;
    uint8_t info[512]; /* struct tcp_info as the kernel gave it */
    uint32_t len;
    uint32_t mem[16];  /* SO_MEMINFO's values (the SK_MEMINFO_* names) */
    uint32_t nmem;     /* how many it gave */
};

/* Run them: 0 all held; 1 with *line and why (the assertion or error);
 * -1 with why when python3 could not be run. */
int code_run(const struct code_snap *snaps, size_t n, unsigned *line, char *why, size_t len);

#endif
