/* Names of roles, notes, reset reasons, close kinds: the vocabulary of text
 * and JSON output, and the formatters every output shares (flag letters,
 * endpoints).  Changing one changes the output format; tests/unit/
 * test_names.c checks each name is unique and documented in README.md. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "tcpshake/track.h"

static const char *const role_names[TS_ROLE_COUNT] = {
    [TS_ROLE_OTHER] = "other",
    [TS_ROLE_HS1] = "handshake-1",
    [TS_ROLE_HS2] = "handshake-2",
    [TS_ROLE_HS3] = "handshake-3",
    [TS_ROLE_TD1] = "teardown-1",
    [TS_ROLE_TD2] = "teardown-2",
    [TS_ROLE_TD3] = "teardown-3",
    [TS_ROLE_TD4] = "teardown-4",
    [TS_ROLE_TD23] = "teardown-2+3",
    [TS_ROLE_SIMOPEN_SYN] = "simopen-syn",
    [TS_ROLE_SIMOPEN_SYNACK] = "simopen-synack",
    [TS_ROLE_SIMCLOSE_FIN] = "simclose-fin",
    [TS_ROLE_SIMCLOSE_ACK] = "simclose-ack",
    [TS_ROLE_DATA] = "data",
    [TS_ROLE_ACK] = "ack",
    [TS_ROLE_RESET] = "reset",
};

static const char *const role_labels[TS_ROLE_COUNT] = {
    [TS_ROLE_OTHER] = "other",
    [TS_ROLE_HS1] = "handshake 1/3",
    [TS_ROLE_HS2] = "handshake 2/3",
    [TS_ROLE_HS3] = "handshake 3/3",
    [TS_ROLE_TD1] = "teardown 1/4",
    [TS_ROLE_TD2] = "teardown 2/4",
    [TS_ROLE_TD3] = "teardown 3/4",
    [TS_ROLE_TD4] = "teardown 4/4",
    [TS_ROLE_TD23] = "teardown 2+3/4",
    [TS_ROLE_SIMOPEN_SYN] = "simultaneous open: SYN",
    [TS_ROLE_SIMOPEN_SYNACK] = "simultaneous open: SYN+ACK",
    [TS_ROLE_SIMCLOSE_FIN] = "simultaneous close: FIN",
    [TS_ROLE_SIMCLOSE_ACK] = "simultaneous close: ACK",
    [TS_ROLE_DATA] = "data",
    [TS_ROLE_ACK] = "ack",
    [TS_ROLE_RESET] = "reset",
};

const char *ts_role_name(enum ts_role r)
{
    return (unsigned)r < TS_ROLE_COUNT ? role_names[r] : "?";
}

const char *ts_role_label(enum ts_role r)
{
    return (unsigned)r < TS_ROLE_COUNT ? role_labels[r] : "?";
}

enum ts_role_kind ts_role_kind(enum ts_role r)
{
    switch (r) {
    case TS_ROLE_HS1: case TS_ROLE_HS2: case TS_ROLE_HS3:
    case TS_ROLE_SIMOPEN_SYN: case TS_ROLE_SIMOPEN_SYNACK:
        return TS_KIND_HANDSHAKE;
    case TS_ROLE_TD1: case TS_ROLE_TD2: case TS_ROLE_TD3: case TS_ROLE_TD4:
    case TS_ROLE_TD23: case TS_ROLE_SIMCLOSE_FIN: case TS_ROLE_SIMCLOSE_ACK:
        return TS_KIND_TEARDOWN;
    case TS_ROLE_RESET: return TS_KIND_RESET;
    case TS_ROLE_DATA: return TS_KIND_DATA;
    case TS_ROLE_ACK: return TS_KIND_ACK;
    case TS_ROLE_OTHER: case TS_ROLE_COUNT: break;
    }
    return TS_KIND_OTHER;
}

const char *ts_rst_reason_name(enum ts_rst_reason r)
{
    switch (r) {
    case TS_RST_NONE: return "none";
    case TS_RST_REFUSED: return "refused";
    case TS_RST_ABORT: return "abort";
    case TS_RST_STRAY: return "stray";
    }
    return "?";
}

const char *ts_note_name(uint32_t bit)
{
    switch (bit) {
    case TS_NOTE_RETRANS: return "retransmission";
    case TS_NOTE_SPURIOUS: return "spurious-retransmission";
    case TS_NOTE_FAST_RETRANS: return "fast-retransmission";
    case TS_NOTE_OUT_OF_ORDER: return "out-of-order";
    case TS_NOTE_LOST_SEGMENT: return "previous-segment-not-captured";
    case TS_NOTE_ACK_UNSEEN: return "acked-unseen-segment";
    case TS_NOTE_DUP_ACK: return "dup-ack";
    case TS_NOTE_KEEPALIVE: return "keep-alive";
    case TS_NOTE_ZERO_WINDOW: return "zero-window";
    case TS_NOTE_ZERO_WINDOW_PROBE: return "zero-window-probe";
    case TS_NOTE_WINDOW_UPDATE: return "window-update";
    case TS_NOTE_WINDOW_FULL: return "window-full";
    case TS_NOTE_BAD_ACK: return "bad-ack";
    case TS_NOTE_BAD_SEQ: return "bad-seq";
    case TS_NOTE_HALF_CLOSE: return "half-close";
    case TS_NOTE_DATA_ON_SYN: return "data-on-syn";
    case TS_NOTE_BAD_CKSUM: return "bad-checksum";
    case TS_NOTE_PICKUP: return "midstream-pickup";
    case TS_NOTE_FLIPPED: return "synack-first";
    case TS_NOTE_FIN_CROSSED: return "fin-crossed";
    case TS_NOTE_PORT_REUSE: return "port-reuse";
    case TS_NOTE_AFTER_CLOSE: return "after-close";
    case TS_NOTE_DUPLICATE: return "duplicate";
    case TS_NOTE_RST_DATA: return "rst-with-data";
    case TS_NOTE_BAD_FLAGS: return "bad-flags";
    case TS_NOTE_RST_OUT_OF_WINDOW: return "rst-out-of-window";
    default: return NULL;
    }
}

const char *ts_close_kind_name(enum ts_close_kind k)
{
    switch (k) {
    case TS_CLOSE_NONE: return "none";
    case TS_CLOSE_4WAY: return "4-way";
    case TS_CLOSE_MERGED: return "fin-ack-merged";
    case TS_CLOSE_SIMULTANEOUS: return "simultaneous";
    case TS_CLOSE_HALF: return "half-close";
    case TS_CLOSE_RESET: return "reset";
    case TS_CLOSE_REFUSED: return "refused";
    case TS_CLOSE_FIN_ONLY: return "incomplete";
    }
    return "?";
}

const char *ts_end_reason_name(enum ts_end_reason r)
{
    switch (r) {
    case TS_END_CLOSED: return "closed";
    case TS_END_IDLE: return "idle";
    case TS_END_REUSED: return "reused";
    case TS_END_EVICTED: return "evicted";
    case TS_END_FLUSH: return "end";
    }
    return "?";
}

/* ---- shared formatters (decode.h) ---------------------------------------- */

char *ts_endpoint_str(const struct ts_addr *a, uint16_t port, char *buf, size_t len)
{
    char ab[64];
    ts_addr_str(a, ab, sizeof ab);
    snprintf(buf, len, a->family == 6 ? "[%s]:%u" : "%s:%u", ab, (unsigned)port);
    return buf;
}

char *ts_flags_str(uint8_t flags, bool ae, char *buf)
{
    static const struct {
        uint8_t bit;
        char c;
    } fl[] = {
        {TS_TH_FIN, 'F'}, {TS_TH_SYN, 'S'}, {TS_TH_RST, 'R'}, {TS_TH_PSH, 'P'},
        {TS_TH_ACK, '.'}, {TS_TH_URG, 'U'}, {TS_TH_ECE, 'E'}, {TS_TH_CWR, 'W'},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
        if (flags & fl[i].bit)
            buf[n++] = fl[i].c;
    if (ae)
        buf[n++] = 'e';
    if (!n) {
        memcpy(buf, "none", 4);
        n = 4;
    }
    buf[n] = '\0';
    return buf;
}
