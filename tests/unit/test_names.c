/* The vocabularies of the output (roles, notes, reset reasons, close kinds,
 * end reasons, states, anomalies) and the shared formatters: every value
 * has one name, no two values share one, out of range is "?" or NULL, and
 * every role and note name a user can meet is documented in README.md
 * (argv[1]), so code and documentation cannot drift apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpshake/decode.h"
#include "tcpshake/fsm.h"
#include "tcpshake/track.h"

static char *readme;

static void unique(const char **names, int n)
{
    for (int i = 0; i < n; i++) {
        assert_non_null(names[i]);
        assert_true(names[i][0] != '\0');
        assert_string_not_equal(names[i], "?");
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                fail_msg("'%s' names two values (%d and %d)", names[i], j, i);
    }
}

/* documented in README.md as `name` (or `name #n`, `name (expected N)`) */
static void documented(const char *name)
{
    char want[80];
    snprintf(want, sizeof want, "`%s", name);
    const char *p = readme;
    while ((p = strstr(p, want)) != NULL) {
        char after = p[strlen(want)];
        if (after == '`' || after == ' ')
            return;
        p++;
    }
    fail_msg("'%s' is not documented in README.md", name);
}

static void test_roles(void **st)
{
    (void)st;
    const char *names[TS_ROLE_COUNT], *labels[TS_ROLE_COUNT];
    for (int r = 0; r < TS_ROLE_COUNT; r++) {
        names[r] = ts_role_name((enum ts_role)r);
        labels[r] = ts_role_label((enum ts_role)r);
        documented(names[r]);
    }
    unique(names, TS_ROLE_COUNT);
    /* "data" and "ack" are their own labels; the rest differ from their names */
    for (int r = 0; r < TS_ROLE_COUNT; r++)
        assert_non_null(labels[r]);
    assert_string_equal(ts_role_name(TS_ROLE_COUNT), "?");
    assert_string_equal(ts_role_label(TS_ROLE_COUNT), "?");
}

static void test_notes(void **st)
{
    (void)st;
    const char *names[32];
    int n = 0;
    for (uint32_t bit = 1; bit && bit <= TS_NOTE_LAST; bit <<= 1) {
        names[n] = ts_note_name(bit);
        if (!names[n])
            fail_msg("note bit 0x%x has no name", (unsigned)bit);
        documented(names[n]);
        n++;
    }
    unique(names, n);
    assert_null(ts_note_name(TS_NOTE_LAST << 1));
}

static void test_enums(void **st)
{
    (void)st;
    const char *close[] = {
        ts_close_kind_name(TS_CLOSE_NONE),     ts_close_kind_name(TS_CLOSE_4WAY),
        ts_close_kind_name(TS_CLOSE_MERGED),   ts_close_kind_name(TS_CLOSE_SIMULTANEOUS),
        ts_close_kind_name(TS_CLOSE_HALF),     ts_close_kind_name(TS_CLOSE_RESET),
        ts_close_kind_name(TS_CLOSE_REFUSED),  ts_close_kind_name(TS_CLOSE_FIN_ONLY),
    };
    unique(close, 8);
    assert_string_equal(ts_close_kind_name((enum ts_close_kind)(TS_CLOSE_FIN_ONLY + 1)), "?");
    const char *end[] = {
        ts_end_reason_name(TS_END_CLOSED), ts_end_reason_name(TS_END_IDLE),
        ts_end_reason_name(TS_END_REUSED), ts_end_reason_name(TS_END_EVICTED),
        ts_end_reason_name(TS_END_FLUSH),
    };
    unique(end, 5);
    const char *rst[] = {
        ts_rst_reason_name(TS_RST_NONE), ts_rst_reason_name(TS_RST_REFUSED),
        ts_rst_reason_name(TS_RST_ABORT), ts_rst_reason_name(TS_RST_STRAY),
    };
    unique(rst, 4);
    for (int i = 1; i < 4; i++)
        documented(rst[i]);
    const char *states[TS_STATE_COUNT];
    for (int s = 0; s < TS_STATE_COUNT; s++)
        states[s] = ts_state_name((enum ts_state)s);
    unique(states, TS_STATE_COUNT);
    const char *an[32];
    int n = 0;
    for (uint32_t bit = 1; bit && bit <= TS_AN_LAST; bit <<= 1)
        if ((an[n] = ts_anomaly_name(bit)) != NULL)
            n++;
        else
            fail_msg("anomaly bit 0x%x has no name", (unsigned)bit);
    unique(an, n);
}

static void test_formatters(void **st)
{
    (void)st;
    char fl[TS_FLAGS_STR_LEN], ep[80];
    /* tcpdump's order, whatever the bit order */
    assert_string_equal(ts_flags_str(TS_TH_SYN | TS_TH_ACK, false, fl), "S.");
    assert_string_equal(ts_flags_str(TS_TH_FIN | TS_TH_PSH | TS_TH_ACK, false, fl), "FP.");
    assert_string_equal(ts_flags_str(0xff, true, fl), "FSRP.UEWe");
    assert_true(strlen(fl) < TS_FLAGS_STR_LEN);
    assert_string_equal(ts_flags_str(0, false, fl), "none");
    assert_string_equal(ts_flags_str(0, true, fl), "e");
    struct ts_addr a4 = {.family = 4, .a = {198, 18, 0, 1}};
    assert_string_equal(ts_endpoint_str(&a4, 80, ep, sizeof ep), "198.18.0.1:80");
    struct ts_addr a6 = {.family = 6, .a = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
    assert_string_equal(ts_endpoint_str(&a6, 443, ep, sizeof ep), "[2001:db8::1]:443");
    /* IPv4-mapped: the colon before the dotted quad is kept */
    struct ts_addr m = {.family = 6, .a = {[10] = 0xff, [11] = 0xff, 198, 18, 0, 2}};
    assert_string_equal(ts_endpoint_str(&m, 9, ep, sizeof ep), "[::ffff:198.18.0.2]:9");
    /* a short buffer is cut, never overrun */
    char tiny[6];
    ts_endpoint_str(&a4, 80, tiny, sizeof tiny);
    assert_int_equal(strlen(tiny), 5);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_names README.md\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    readme = buf;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_notes),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_formatters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
