/* tcpshake replay: replay the client side of one captured connection against
 * a live server, seq/ack rewritten to the live ISNs and our ports, waiting
 * for the server's answers the way the capture did, and report where the
 * live server differs (exit 7).  Options, outputs and exit statuses are
 * shared with connect (tools/cmd_connect.c).
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "tcpshake/drive.h"

struct replay_arg {
    const char *file;
    unsigned conn;
};

static int run_replay(struct ts_drive_cli *c, void *arg, char *err, size_t errlen)
{
    struct replay_arg *a = arg;
    return ts_drive_replay(ts_drive_cli_cfg(c), a->file, a->conn,
                        ts_drive_cli_result(c), err, errlen);
}

int cmd_replay(int argc, char **argv)
{
    struct ts_drive_cli *c = ts_drive_cli_new(TS_DRIVE_CMD_REPLAY);
    struct replay_arg a = {0};
    char **pos;
    int npos, r;

    if (!c) {
        fputs("tcpshake: replay: out of memory\n", stderr);
        return 2;
    }
    r = ts_drive_cli_parse(c, argc, argv, &pos, &npos);
    if (r >= 0)
        goto out;
    if (npos != 1) {
        fprintf(stderr, "tcpshake: replay: %s\n",
                npos < 1 ? "give the capture: tcpshake replay FILE.pcap --to HOST:PORT"
                         : "one capture only");
        r = 2;
        goto out;
    }
    const char *to = ts_drive_cli_to(c);
    if (!to) {
        fputs("tcpshake: replay: --to HOST:PORT is required (IPv6: [ADDR]:PORT)\n", stderr);
        r = 2;
        goto out;
    }
    if ((r = ts_drive_cli_peer(c, to, NULL)) >= 0)
        goto out;
    struct ts_drive_cfg *g = ts_drive_cli_cfg(c);
    a.file = pos[0];
    a.conn = ts_drive_cli_conn_set(c) ? g->count : 0;
    g->count = 1;
    r = ts_drive_cli_run(c, to, run_replay, &a);
out:
    ts_drive_cli_free(c);
    return r;
}
