/* verdicts: one line per TCP connection of a capture, saying how it ended.
 *
 * A small program on libtcpshake's public API alone.  The engine (engine.h)
 * reads the capture, decodes each frame and tracks each connection; a sink
 * of our own (sink.h) is handed each connection's verdict as the tracker
 * forgets it, and prints its 4-tuple, how it was closed and by whom, Zeek's
 * conn_state and history, and the SYN -> SYN+ACK round trip (verdict.h).
 *
 *     cc verdicts.c -o verdicts $(pkg-config --cflags --libs tcpshake)
 *     ./verdicts captures/client-close.pcap
 *     1 198.18.0.2:40000 > 198.18.0.1:7777  close 4-way by client  zeek SF ShADadFf  rtt 57 us
 *
 * A second argument is a BPF filter ("port 80").  Exit status: 0 done, 1 the
 * capture failed part-way or the output could not be written, 2 bad
 * arguments or the capture could not be opened.
 */
#include <inttypes.h>
#include <stdio.h>

#include <tcpshake.h>

/* "198.18.0.2:40000", or "[2001:db8::2]:40000" */
static void endpoint(char *buf, size_t len, const struct ts_addr *a, uint16_t port)
{
    char s[64];
    ts_addr_str(a, s, sizeof s);
    snprintf(buf, len, a->family == 6 ? "[%s]:%u" : "%s:%u", s, (unsigned)port);
}

/* The sink's only op.  c is valid during the call only; struct ts_conn is
 * opaque, read through ts_conn_view() (a copy) or the accessors. */
static void on_conn(void *self, const struct ts_conn *c, enum ts_end_reason why)
{
    FILE *out = self;
    struct ts_conn_view v;
    char cli[80], srv[80];
    ts_conn_view(c, &v);
    endpoint(cli, sizeof cli, &v.side[TS_C2S].addr, v.side[TS_C2S].port);
    endpoint(srv, sizeof srv, &v.side[TS_S2C].addr, v.side[TS_S2C].port);
    fprintf(out, "%" PRIu64 " %s > %s  close %s", v.id, cli, srv,
            ts_close_kind_name((enum ts_close_kind)v.close_kind));
    if (v.closed_by)
        fprintf(out, " by %s", v.closed_by == 1 ? "client" : "server");
    fprintf(out, "  zeek %s %s", ts_zeek_conn_state(c), v.history);
    int64_t rtt = ts_rtt_syn_synack_us(c);
    if (rtt >= 0)
        fprintf(out, "  rtt %" PRId64 " us", rtt);
    if (why != TS_END_CLOSED && why != TS_END_FLUSH)
        fprintf(out, "  (%s)", ts_end_reason_name(why));
    fputc('\n', out);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: verdicts FILE [BPF-FILTER]\n");
        return 2;
    }
    char err[512];
    struct ts_capture_cfg ccfg = {.file = argv[1], .filter = argc > 2 ? argv[2] : NULL};
    struct ts_capture *cap = ts_capture_open(&ccfg, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "verdicts: %s\n", err);
        return 2;
    }

    /* Only `conn`: the engine may then read and decode on a second core. */
    static const struct ts_sink_ops ops = {.name = "verdicts", .conn = on_conn};
    struct ts_sink *sink = ts_sink_new(&ops, stdout, TS_SINK_CONN_ONLY);
    struct ts_engine_cfg ecfg;
    ts_engine_cfg_default(&ecfg);
    struct ts_engine *e = NULL;
    if (!sink)
        snprintf(err, sizeof err, "out of memory");
    else
        e = ts_engine_new(&ecfg, &sink, 1, err, sizeof err); /* owns the sink now */
    if (!e) {
        fprintf(stderr, "verdicts: %s\n", err);
        ts_capture_close(cap);
        return 2;
    }

    int status = 0;
    if (ts_engine_run(e, cap, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "verdicts: %s\n", err); /* what came before was traced */
        status = 1;
    }
    ts_engine_finish(e, NULL, NULL);
    ts_engine_free(e);
    ts_capture_close(cap);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("verdicts: standard output");
        status = 1;
    }
    return status;
}
