/* Addresses as the text and JSON renderers print them, against inet_ntop
 * (glibc's RFC 5952 form) as the oracle: random IPv6 addresses with runs of
 * zero groups anywhere, the IPv4-mapped form, and IPv4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "tcpshake/decode.h"
#include "tcpshake/render.h"

/* Render one untracked segment from a to b and return the line. */
static void render(const struct ts_addr *a, const struct ts_addr *b, bool json,
                   char *line, size_t len)
{
    struct ts_seg s;
    memset(&s, 0, sizeof s);
    s.t_ns = 1700000000000000000ull;
    s.ipver = a->family;
    s.src = *a;
    s.dst = *b;
    s.sport = 40000;
    s.dport = 80;
    s.flags = TS_TH_SYN;
    s.doff = 20;
    FILE *f = tmpfile();
    assert_non_null(f);
    static struct ts_out o;
    ts_out_init(&o, f, false);
    struct ts_render_cfg cfg = {.json = json};
    ts_render_seg(&o, &cfg, &s, NULL);
    ts_out_flush(&o);
    rewind(f);
    assert_non_null(fgets(line, (int)len, f));
    fclose(f);
}

static void want_addr(const struct ts_addr *a, const char *line, bool json)
{
    char exp[INET6_ADDRSTRLEN], pat[96];
    assert_non_null(inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->a, exp, sizeof exp));
    if (json)
        snprintf(pat, sizeof pat, "\"src\":\"%s\"", exp);
    else
        snprintf(pat, sizeof pat, " %s.40000 > ", exp);
    if (!strstr(line, pat))
        fail_msg("expected %s in: %s", pat, line);
}

static void random_addr6(struct ts_addr *a, unsigned *seed)
{
    memset(a, 0, sizeof *a);
    a->family = 6;
    unsigned shape = (unsigned)rand_r(seed) % 8;
    for (int g = 0; g < 8; g++) {
        uint16_t v = 0;
        /* each group zero with probability 1/2, so runs of every length */
        if (rand_r(seed) & 1)
            v = (uint16_t)(rand_r(seed) & ((rand_r(seed) & 1) ? 0xffff : 0xf));
        a->a[2 * g] = (uint8_t)(v >> 8);
        a->a[2 * g + 1] = (uint8_t)v;
    }
    if (shape == 0) { /* ::ffff:a.b.c.d */
        memset(a->a, 0, 10);
        a->a[10] = a->a[11] = 0xff;
    }
    /* glibc writes the deprecated IPv4-compatible form (::a.b.c.d) for the
     * rest of ::/96; RFC 5952 §5 keeps the dotted form to the well-known
     * prefixes, so these are checked apart (test_ipv4_mapped) */
    static const uint8_t zero12[12];
    if (memcmp(a->a, zero12, 12) == 0)
        a->a[0] = 0x20;
}

static void test_ipv6_text_and_json(void **state)
{
    (void)state;
    unsigned seed = 42;
    struct ts_addr b;
    memset(&b, 0, sizeof b);
    b.family = 6;
    b.a[15] = 1;
    char line[1024];
    for (int i = 0; i < 20000; i++) {
        struct ts_addr a;
        random_addr6(&a, &seed);
        render(&a, &b, false, line, sizeof line);
        want_addr(&a, line, false);
        render(&a, &b, true, line, sizeof line);
        want_addr(&a, line, true);
    }
}

static void test_ipv4_mapped(void **state)
{
    (void)state;
    struct ts_addr a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.family = b.family = 6;
    const uint8_t m[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 2};
    memcpy(a.a, m, 16);
    b.a[15] = 1;
    char line[1024];
    render(&a, &b, false, line, sizeof line);
    assert_non_null(strstr(line, " ::ffff:198.18.0.2.40000 > ::1.80: "));
    render(&a, &b, true, line, sizeof line);
    assert_non_null(strstr(line, "\"src\":\"::ffff:198.18.0.2\""));
    /* an IPv4-compatible address stays hexadecimal (RFC 5952 §4, §5) */
    a.a[10] = a.a[11] = 0;
    render(&a, &b, false, line, sizeof line);
    assert_non_null(strstr(line, " ::c612:2.40000 > ::1.80: "));
}

static void test_ipv4(void **state)
{
    (void)state;
    unsigned seed = 7;
    struct ts_addr a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.family = b.family = 4;
    memcpy(b.a, (const uint8_t[]){198, 18, 0, 1}, 4);
    char line[1024];
    for (int i = 0; i < 2000; i++) {
        for (int k = 0; k < 4; k++)
            a.a[k] = (uint8_t)rand_r(&seed);
        render(&a, &b, false, line, sizeof line);
        want_addr(&a, line, false);
        render(&a, &b, true, line, sizeof line);
        want_addr(&a, line, true);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_mapped),
        cmocka_unit_test(test_ipv6_text_and_json),
        cmocka_unit_test(test_ipv4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
