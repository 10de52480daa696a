/* A script's python lines: see code.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "code.h"

/* struct tcp_info's fields, as the system's <linux/tcp.h> has them */
#define TCPI_FIELDS(X)                                                                     \
    X(tcpi_state) X(tcpi_ca_state) X(tcpi_retransmits) X(tcpi_probes) X(tcpi_backoff)      \
    X(tcpi_options) X(tcpi_snd_wscale) X(tcpi_rcv_wscale)                                  \
    X(tcpi_delivery_rate_app_limited) X(tcpi_rto) X(tcpi_ato) X(tcpi_snd_mss)              \
    X(tcpi_rcv_mss) X(tcpi_unacked) X(tcpi_sacked) X(tcpi_lost) X(tcpi_retrans)            \
    X(tcpi_fackets) X(tcpi_last_data_sent) X(tcpi_last_ack_sent) X(tcpi_last_data_recv)    \
    X(tcpi_last_ack_recv) X(tcpi_pmtu) X(tcpi_rcv_ssthresh) X(tcpi_rtt) X(tcpi_rttvar)    \
    X(tcpi_snd_ssthresh) X(tcpi_snd_cwnd) X(tcpi_advmss) X(tcpi_reordering)               \
    X(tcpi_rcv_rtt) X(tcpi_rcv_space) X(tcpi_total_retrans) X(tcpi_pacing_rate)           \
    X(tcpi_max_pacing_rate) X(tcpi_bytes_acked) X(tcpi_bytes_received) X(tcpi_segs_out)   \
    X(tcpi_segs_in) X(tcpi_notsent_bytes) X(tcpi_min_rtt) X(tcpi_data_segs_in)            \
    X(tcpi_data_segs_out) X(tcpi_delivery_rate) X(tcpi_busy_time) X(tcpi_rwnd_limited)    \
    X(tcpi_sndbuf_limited) X(tcpi_delivered) X(tcpi_delivered_ce) X(tcpi_bytes_sent)      \
    X(tcpi_bytes_retrans) X(tcpi_dsack_dups) X(tcpi_reord_seen) X(tcpi_rcv_ooopack)       \
    X(tcpi_snd_wnd)

/* SO_MEMINFO's values, by their index */
static const char *const meminfo_names[] = {
    [SK_MEMINFO_RMEM_ALLOC] = "SK_MEMINFO_RMEM_ALLOC", [SK_MEMINFO_RCVBUF] = "SK_MEMINFO_RCVBUF",
    [SK_MEMINFO_WMEM_ALLOC] = "SK_MEMINFO_WMEM_ALLOC", [SK_MEMINFO_SNDBUF] = "SK_MEMINFO_SNDBUF",
    [SK_MEMINFO_FWD_ALLOC] = "SK_MEMINFO_FWD_ALLOC",
    [SK_MEMINFO_WMEM_QUEUED] = "SK_MEMINFO_WMEM_QUEUED",
    [SK_MEMINFO_OPTMEM] = "SK_MEMINFO_OPTMEM",         [SK_MEMINFO_BACKLOG] = "SK_MEMINFO_BACKLOG",
    [SK_MEMINFO_DROPS] = "SK_MEMINFO_DROPS",
};

static const char prelude[] =
    "import sys, textwrap\n"
    "g = dict(TCP_ESTABLISHED=1, TCP_SYN_SENT=2, TCP_SYN_RECV=3, TCP_FIN_WAIT1=4,\n"
    "  TCP_FIN_WAIT2=5, TCP_TIME_WAIT=6, TCP_CLOSE=7, TCP_CLOSE_WAIT=8, TCP_LAST_ACK=9,\n"
    "  TCP_LISTEN=10, TCP_CLOSING=11, TCP_CA_Open=0, TCP_CA_Disorder=1, TCP_CA_CWR=2,\n"
    "  TCP_CA_Recovery=3, TCP_CA_Loss=4, TCPI_OPT_TIMESTAMPS=1, TCPI_OPT_SACK=2,\n"
    "  TCPI_OPT_WSCALE=4, TCPI_OPT_ECN=8, TCPI_OPT_ECN_SEEN=16, TCPI_OPT_SYN_DATA=32,\n"
    "  TCPI_OPT_USEC_TS=64, TCPI_OPT_TFO_CHILD=128)\n"
    "def run(line, v, code):\n"
    "    g.update(v)\n"
    "    try:\n"
    "        exec(compile(textwrap.dedent(code).lstrip() + '\\n\\n', 'line %d' % line, 'exec'), g)\n"
    "    except AssertionError as e:\n"
    "        print('%d|assertion failed%s' % (line, (': %s' % e) if str(e) else ''))\n"
    "        sys.exit(1)\n"
    "    except Exception as e:\n"
    "        print('%d|%s: %s' % (line, type(e).__name__, e))\n"
    "        sys.exit(1)\n";

static void hex(FILE *f, const char *s)
{
    for (; *s; s++)
        fprintf(f, "%02x", (unsigned char)*s);
}

int code_run(const struct code_snap *snaps, size_t n, unsigned *line, char *why, size_t len)
{
    char path[] = "/tmp/tcpshake-code-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return snprintf(why, len, "python code: a file for it: %s", strerror(errno)), -1;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(path);
        return snprintf(why, len, "python code: %s", strerror(errno)), -1;
    }
    fputs(prelude, f);
    for (size_t i = 0; i < n; i++) {
        struct tcp_info ti;
        memset(&ti, 0, sizeof ti);
        memcpy(&ti, snaps[i].info, snaps[i].len < sizeof ti ? snaps[i].len : sizeof ti);
        fprintf(f, "run(%u, dict(", snaps[i].line);
#define EMIT(x) fprintf(f, #x "=%llu,", (unsigned long long)ti.x);
        TCPI_FIELDS(EMIT)
#undef EMIT
        for (uint32_t k = 0; k < snaps[i].nmem && k < sizeof meminfo_names / sizeof meminfo_names[0];
             k++)
            if (meminfo_names[k])
                fprintf(f, "%s=%u,", meminfo_names[k], snaps[i].mem[k]);
        fputs("), bytes.fromhex('", f);
        hex(f, snaps[i].code);
        fputs("').decode())\n", f);
    }
    if (fclose(f) != 0) {
        unlink(path);
        return snprintf(why, len, "python code: writing it failed"), -1;
    }
    int out[2];
    if (pipe(out) < 0) {
        unlink(path);
        return snprintf(why, len, "python code: pipe: %s", strerror(errno)), -1;
    }
    pid_t p = fork();
    if (p == 0) {
        dup2(out[1], 1);
        dup2(out[1], 2);
        close(out[0]);
        close(out[1]);
        execlp("python3", "python3", path, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char buf[1024];
    size_t got = 0;
    ssize_t r;
    while (p > 0 && got < sizeof buf - 1 &&
           ((r = read(out[0], buf + got, sizeof buf - 1 - got)) > 0 || (r < 0 && errno == EINTR)))
        if (r > 0)
            got += (size_t)r;
    buf[got] = 0;
    close(out[0]);
    int st = 0;
    if (p > 0)
        while (waitpid(p, &st, 0) < 0 && errno == EINTR)
            ;
    unlink(path);
    if (p < 0)
        return snprintf(why, len, "python code: fork: %s", strerror(errno)), -1;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        return snprintf(why, len, "python code needs python3, which cannot be run"), -1;
    char *bar = strchr(buf, '|');
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
    if (bar) {
        *line = (unsigned)strtoul(buf, NULL, 10);
        snprintf(why, len, "python code: %s", bar + 1);
    } else {
        *line = 0;
        snprintf(why, len, "python code: %s", *buf ? buf : "python3 failed");
    }
    return 1;
}
