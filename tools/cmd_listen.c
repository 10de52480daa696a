/* tcpshake listen: a user-space server made of crafted segments.  A real
 * client's SYN to PORT is answered with our SYN+ACK, its data is ACKed and
 * shown, --reply is sent, and we close as --close asks (passive by default:
 * CLOSE_WAIT -> LAST_ACK).  --count N connections, then exit.  Options,
 * outputs and exit statuses are shared with connect (tools/cmd_connect.c).
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "tcpshake/craft.h"
#include "tcpshake/drive.h"

static int run_listen(struct ts_drive_cli *c, void *arg, char *err, size_t errlen)
{
    (void)arg;
    return ts_drive_listen(ts_drive_cli_cfg(c), ts_drive_cli_result(c), err, errlen);
}

int cmd_listen(int argc, char **argv)
{
    struct ts_drive_cli *c = ts_drive_cli_new(TS_DRIVE_CMD_LISTEN);
    char **pos, what[300], e[256], a[64];
    int npos, r;
    uint64_t port;

    if (!c) {
        fputs("tcpshake: listen: out of memory\n", stderr);
        return 2;
    }
    r = ts_drive_cli_parse(c, argc, argv, &pos, &npos);
    if (r >= 0)
        goto out;
    if (npos != 1) {
        fprintf(stderr, "tcpshake: listen: %s\n",
                npos < 1 ? "give the PORT (tcpshake listen --help)"
                         : "one PORT only");
        r = 2;
        goto out;
    }
    if (ts_craft_parse_uint(pos[0], 65535, &port, e, sizeof e) < 0 || port == 0) {
        fprintf(stderr, "tcpshake: listen: port '%s': 1 to 65535\n", pos[0]);
        r = 2;
        goto out;
    }
    struct ts_drive_cfg *g = ts_drive_cli_cfg(c);
    g->lport = (uint16_t)port;
    if (g->local.family)
        snprintf(what, sizeof what, g->family == 6 ? "[%s]:%u" : "%s:%u",
                 ts_addr_str(&g->local, a, sizeof a), (unsigned)port);
    else
        snprintf(what, sizeof what, "%s:%u", g->family == 6 ? "[::]" : "0.0.0.0",
                 (unsigned)port);
    r = ts_drive_cli_run(c, what, run_listen, NULL);
out:
    ts_drive_cli_free(c);
    return r;
}
