/* Names of roles, notes, reset reasons, close kinds, end reasons: the
 * vocabulary of text and JSON output, made from the lists in track.h (the
 * enums are made from the same lists), and the formatters every output
 * shares (flag letters, endpoints).  Changing a name changes the output
 * format; tests/unit/test_names.c checks each name is unique and documented
 * in README.md. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "tcpshake/track.h"

static const char *const role_names[TS_ROLE_COUNT] = {
#define ROLE_NAME(id, name, label, kind) [TS_ROLE_##id] = name,
    TS_ROLE_LIST(ROLE_NAME)
#undef ROLE_NAME
};

static const char *const role_labels[TS_ROLE_COUNT] = {
#define ROLE_LABEL(id, name, label, kind) [TS_ROLE_##id] = label,
    TS_ROLE_LIST(ROLE_LABEL)
#undef ROLE_LABEL
};

static const unsigned char role_kinds[TS_ROLE_COUNT] = {
#define ROLE_KIND(id, name, label, kind) [TS_ROLE_##id] = TS_KIND_##kind,
    TS_ROLE_LIST(ROLE_KIND)
#undef ROLE_KIND
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
    return (unsigned)r < TS_ROLE_COUNT ? (enum ts_role_kind)role_kinds[r] : TS_KIND_OTHER;
}

const char *ts_rst_reason_name(enum ts_rst_reason r)
{
    switch (r) {
#define RST_NAME(id, name) case TS_RST_##id: return name;
    TS_RST_REASON_LIST(RST_NAME)
#undef RST_NAME
    }
    return "?";
}

/* The note bits are 0 .. n-1 with TS_NOTE_LAST the highest: the switch below
 * refuses a bit used twice, these a gap or a wrong TS_NOTE_LAST. */
#define NOTE_OR(id, bit, name) | TS_NOTE_##id
#define NOTE_ONE(id, bit, name) + 1
_Static_assert((0u TS_NOTE_LIST(NOTE_OR)) == ((uint32_t)TS_NOTE_LAST << 1) - 1u,
               "TS_NOTE_LIST: bits not contiguous, or TS_NOTE_LAST not the last");
_Static_assert((uint32_t)TS_NOTE_LAST == 1u << ((0 TS_NOTE_LIST(NOTE_ONE)) - 1),
               "TS_NOTE_LIST: a bit used twice");
#undef NOTE_OR
#undef NOTE_ONE

const char *ts_note_name(uint32_t bit)
{
    switch (bit) {
#define NOTE_NAME(id, b, name) case TS_NOTE_##id: return name;
    TS_NOTE_LIST(NOTE_NAME)
#undef NOTE_NAME
    default: return NULL;
    }
}

const char *ts_close_kind_name(enum ts_close_kind k)
{
    switch (k) {
#define CLOSE_NAME(id, name) case TS_CLOSE_##id: return name;
    TS_CLOSE_KIND_LIST(CLOSE_NAME)
#undef CLOSE_NAME
    }
    return "?";
}

const char *ts_end_reason_name(enum ts_end_reason r)
{
    switch (r) {
#define END_NAME(id, name) case TS_END_##id: return name;
    TS_END_REASON_LIST(END_NAME)
#undef END_NAME
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
