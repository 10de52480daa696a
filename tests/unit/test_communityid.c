/* Community ID v1 (communityid.h) and the SHA-1 and base64 under it.
 *
 * Oracles:
 *   - SHA-1: the FIPS 180-2 example messages ("abc", the 448-bit message,
 *     one million 'a', here also fed in uneven pieces) and Python's hashlib
 *     for lengths around the padding boundaries (55/56, 63/64, 119/120).
 *   - base64: RFC 4648 §10.
 *   - Community ID: every row of the spec's own baseline
 *     (corelight/community-id-spec b1fe530, baseline/baseline_{deflt,seed1,
 *     nob64}.json and the three tables in baseline/README.md), with seed 0
 *     and seed 1, both directions; and 400 random tuples whose IDs a Python
 *     reference (hashlib + base64, written apart from this code) computed,
 *     the reference itself checked against pycommunityid 5748e0c (760 of
 *     760 agree).  The random tuples mix TCP, UDP, SCTP, ICMP/ICMPv6
 *     (two-way and one-way types) and port-less protocols over IPv4 and
 *     IPv6; equal addresses (the ports decide), addresses differing only
 *     late, equal ports; seeds 0, 1, 65535 and random.
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

#include "tcpshake/communityid.h"
#include "tcpshake/decode.h"

/* ---- helpers --------------------------------------------------------------- */

static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= max);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void want_digest(const uint8_t d[TS_SHA1_DIGEST], const char *hex)
{
    char got[2 * TS_SHA1_DIGEST + 1];
    for (int i = 0; i < TS_SHA1_DIGEST; i++)
        snprintf(got + 2 * i, 3, "%02x", d[i]);
    assert_string_equal(got, hex);
}

/* An address in text, as inet_pton reads it. */
static struct ts_addr addr(const char *text)
{
    struct ts_addr a;
    memset(&a, 0, sizeof a);
    if (inet_pton(AF_INET, text, a.a) == 1)
        a.family = 4;
    else if (inet_pton(AF_INET6, text, a.a) == 1)
        a.family = 6;
    else
        fail_msg("bad address %s", text);
    return a;
}

static struct ts_addr addr_hex(int family, const char *hex)
{
    struct ts_addr a;
    memset(&a, 0, sizeof a);
    a.family = (uint8_t)family;
    assert_int_equal(unhex(hex, a.a, sizeof a.a), family == 4 ? 4 : 16);
    return a;
}

static void want_id(const struct ts_addr *a, uint16_t pa, const struct ts_addr *b, uint16_t pb,
                    uint8_t proto, uint16_t seed, const char *want)
{
    char out[TS_COMMUNITY_ID_SIZE];
    memset(out, 'x', sizeof out);
    assert_int_equal(ts_community_id(a, pa, b, pb, proto, seed, out, sizeof out),
                     TS_COMMUNITY_ID_LEN);
    assert_int_equal(strlen(out), TS_COMMUNITY_ID_LEN);
    assert_string_equal(out, want);
}

/* ---- SHA-1 ----------------------------------------------------------------- */

#define FIPS_ABC "a9993e364706816aba3e25717850c26c9cd0d89d"
#define FIPS_448 "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
#define FIPS_MILLION "34aa973cd4c4daa4f61eeb2bdbad27316534016f"

static void test_sha1_fips(void **state)
{
    (void)state;
    uint8_t d[TS_SHA1_DIGEST];
    ts_sha1("abc", 3, d);
    want_digest(d, FIPS_ABC);
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_int_equal(strlen(m448) * 8, 448);
    ts_sha1(m448, strlen(m448), d);
    want_digest(d, FIPS_448);
    ts_sha1("", 0, d);
    want_digest(d, "da39a3ee5e6b4b0d3255bfef95601890afd80709");

    char *million = malloc(1000000);
    assert_non_null(million);
    memset(million, 'a', 1000000);
    ts_sha1(million, 1000000, d);
    want_digest(d, FIPS_MILLION);
    /* the same message in pieces that straddle the 64-byte blocks */
    static const size_t pieces[] = {1, 3, 7, 55, 56, 63, 64, 65, 127, 1000, 4099};
    for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
        struct ts_sha1 c;
        ts_sha1_init(&c);
        for (size_t off = 0; off < 1000000;) {
            size_t n = 1000000 - off < pieces[k] ? 1000000 - off : pieces[k];
            ts_sha1_update(&c, million + off, n);
            off += n;
        }
        ts_sha1_final(&c, d);
        want_digest(d, FIPS_MILLION);
    }
    /* and in ever-changing pieces, empty ones included */
    struct ts_sha1 c;
    ts_sha1_init(&c);
    size_t off = 0;
    for (size_t n = 0; off < 1000000; n = (n * 31 + 17) % 200) {
        if (n > 1000000 - off)
            n = 1000000 - off;
        ts_sha1_update(&c, million + off, n);
        off += n;
    }
    ts_sha1_final(&c, d);
    want_digest(d, FIPS_MILLION);
    free(million);
}

/* SHA-1 of the bytes (7 * i + 3) & 0xff, i < len, from Python's hashlib. */
static const struct {
    size_t len;
    const char *sha1;
} sha1_lengths[] = {
    {0, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
    {1, "9842926af7ca0a8cca12604f945414f07b01e13d"},
    {3, "4201de9f98cb0a9b8cf52398be7802b55d45266a"},
    {55, "ddf57317ef34bfee3b6df83d359098930eb278bc"},
    {56, "a0d492bb0fc889d0eca3bc137066ab6f4f74f369"},
    {57, "11a02dcf95859677a62e75024067c22b165d890f"},
    {63, "c55856749bef509bdfe6bfebfc7bf4e793e82132"},
    {64, "bede92be29c3874e1b54ddc77988d606fc857a8e"},
    {65, "b05a80522b053d6dc7e0a517d0e70212c7dad11f"},
    {111, "4a01b1272627e5be00f57bc3c3029c23a452e629"},
    {119, "504e27376a6e0f0dba8295b85cb25dc4dfa17d23"},
    {120, "82134b02fb3f702491be9bed581eeab59334acb2"},
    {127, "34d5e582029e9b9b85b2febe31da3db7cdabaaea"},
    {128, "a09133e6730ffe899efb70204cb5646cd5dc24ee"},
    {129, "808aea332ce367541d37adae7f94e59c5c1a934e"},
    {1000, "4231a8a50a10fa9758db8ec71fdef855b751048a"},
    {4096, "6272f6754cd52a09ecc9c22764b6cc138a7c907b"},
    {4097, "fdb2e012e62d840b9ea0bb5d7bcfd4e4378a41e9"},
};

static void test_sha1_lengths(void **state)
{
    (void)state;
    uint8_t *m = malloc(4097);
    assert_non_null(m);
    for (size_t i = 0; i < 4097; i++)
        m[i] = (uint8_t)(7 * i + 3);
    for (size_t k = 0; k < sizeof sha1_lengths / sizeof sha1_lengths[0]; k++) {
        uint8_t d[TS_SHA1_DIGEST];
        ts_sha1(m, sha1_lengths[k].len, d);
        want_digest(d, sha1_lengths[k].sha1);
        /* byte by byte gives the same */
        struct ts_sha1 c;
        ts_sha1_init(&c);
        for (size_t i = 0; i < sha1_lengths[k].len; i++)
            ts_sha1_update(&c, m + i, 1);
        ts_sha1_final(&c, d);
        want_digest(d, sha1_lengths[k].sha1);
    }
    free(m);
}

/* ---- base64 ---------------------------------------------------------------- */

static void test_base64_rfc4648(void **state)
{
    (void)state;
    static const char *const want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                                       "Zm9vYmFy"};
    for (size_t n = 0; n <= 6; n++) {
        char out[16];
        assert_int_equal(ts_base64("foobar", n, out, sizeof out), (int)strlen(want[n]));
        assert_string_equal(out, want[n]);
        /* exactly enough room, and one byte short */
        size_t need = strlen(want[n]) + 1;
        memset(out, 'x', sizeof out);
        assert_int_equal(ts_base64("foobar", n, out, need), (int)strlen(want[n]));
        assert_string_equal(out, want[n]);
        memset(out, 'x', sizeof out);
        assert_int_equal(ts_base64("foobar", n, out, need - 1), -1);
        if (need > 1)
            assert_int_equal(out[0], '\0');
    }
    /* every character of the alphabet, in order */
    uint8_t all[48];
    for (unsigned k = 0; k < 16; k++) { /* 3 bytes = the 6-bit values 4k .. 4k+3 */
        uint32_t v = (4 * k) << 18 | (4 * k + 1) << 12 | (4 * k + 2) << 6 | (4 * k + 3);
        all[3 * k] = (uint8_t)(v >> 16);
        all[3 * k + 1] = (uint8_t)(v >> 8);
        all[3 * k + 2] = (uint8_t)v;
    }
    char out[65];
    assert_int_equal(ts_base64(all, sizeof all, out, sizeof out), 64);
    assert_string_equal(out,
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
}

/* ---- Community ID: the spec's vectors --------------------------------------- */

/* The hand-picked TCP vectors, spelled out: IPv4 from baseline/README.md,
 * IPv6 from baseline_deflt.json / baseline_seed1.json. */
static void test_spec_tcp(void **state)
{
    (void)state;
    struct ts_addr a = addr("1.2.3.4"), b = addr("5.6.7.8");
    want_id(&a, 1122, &b, 3344, 6, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    want_id(&b, 3344, &a, 1122, 6, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    want_id(&a, 1122, &b, 3344, 6, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
    want_id(&b, 3344, &a, 1122, 6, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");

    struct ts_addr c = addr("128.232.110.120"), s = addr("66.35.250.204");
    want_id(&c, 34855, &s, 80, 6, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    want_id(&s, 80, &c, 34855, 6, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    want_id(&c, 34855, &s, 80, 6, 1, "1:3V71V58M3Ksw/yuFALMcW0LAHvc=");
    want_id(&s, 80, &c, 34855, 6, 1, "1:3V71V58M3Ksw/yuFALMcW0LAHvc=");

    struct ts_addr c6 = addr("2001:470:e5bf:dead:4957:2174:e82c:4887");
    struct ts_addr s6 = addr("2607:f8b0:400c:c03::1a");
    want_id(&c6, 63943, &s6, 25, 6, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
    want_id(&s6, 25, &c6, 63943, 6, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
    want_id(&c6, 63943, &s6, 25, 6, 1, "1:eJYTW6AOzFLlSUoESovMjnu7rMw=");
    want_id(&s6, 25, &c6, 63943, 6, 1, "1:eJYTW6AOzFLlSUoESovMjnu7rMw=");
}

/* Every row of the spec's baseline: the JSON files first (ICMP ports there
 * are already type and counterpart or code, which ts_community_id maps to
 * the same), then the README tables (ICMP as type and code). */
static const struct {
    uint8_t proto;
    const char *src, *dst;
    int sport, dport; /* -1: a port-less protocol */
    const char *id_seed0, *id_seed1;
    const char *sha1_seed0; /* the no-base64 baseline */
} spec[] = {
    {58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=",
     "7461f21af8cc7e58e0e81a69c26ddb8342cef136"},
    {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=",
     "7461f21af8cc7e58e0e81a69c26ddb8342cef136"},
    {58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136,
     "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=",
     "cdabf24ff71ecd0af57e6226602c189cc5db81c9"},
    {58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135,
     "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=",
     "cdabf24ff71ecd0af57e6226602c189cc5db81c9"},
    {58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
     "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4=",
     "d8e6d5060227dbca19be26d866164c06087b59d4"},
    {58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
     "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8=",
     "84b65dd17196a23a33aefc6a13475607588ce91d"},
    {58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129,
     "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=",
     "f935be1ed2c7bd5d719c6855d65bfb5e826ba908"},
    {58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128,
     "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=",
     "f935be1ed2c7bd5d719c6855d65bfb5e826ba908"},
    {58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134,
     "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8=",
     "84efac3781fe306e4c63ff2122b5cfa9ce19433d"},
    {58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133,
     "1:pkvHqCL88/tg1k4cPigmZXUtL00=", "1:K/ee5UCqAMAQXDorP5nSa2CGLjc=",
     "a64bc7a822fcf3fb60d64e1c3e282665752d2f4d"},
    {1, "192.168.0.89", "192.168.0.1", 8, 0,
     "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=",
     "5f4b27617a60c22bfd4d9b6a83ae2c833527e839"},
    {1, "192.168.0.1", "192.168.0.89", 0, 8,
     "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=",
     "5f4b27617a60c22bfd4d9b6a83ae2c833527e839"},
    {1, "10.0.0.1", "10.0.0.2", 11, 0,
     "1:YHxtAirCG//0OzkcVAukqKQN9xM=", "1:XjUibYHaafLQ3pxQeiMI8g25q20=",
     "607c6d022ac21bfff43b391c540ba4a8a40df713"},
    {6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=",
     "fea15a78047e8057b52988cccd50ec32ffb0814e"},
    {6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=",
     "fea15a78047e8057b52988cccd50ec32ffb0814e"},
    {132, "192.168.170.8", "192.168.170.56", 7, 7,
     "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=",
     "30fd84b5108050866f4f0e8cc491cb57b37b243b"},
    {132, "192.168.170.56", "192.168.170.8", 7, 7,
     "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=",
     "30fd84b5108050866f4f0e8cc491cb57b37b243b"},
    {6, "128.232.110.120", "66.35.250.204", 34855, 80,
     "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=",
     "2d053da9994af81e45dca0e67afea6e4f3226eb8"},
    {6, "66.35.250.204", "128.232.110.120", 80, 34855,
     "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=",
     "2d053da9994af81e45dca0e67afea6e4f3226eb8"},
    {17, "192.168.1.52", "8.8.8.8", 54585, 53,
     "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=",
     "77f14fe445b7c22635bc29dd87095e451287a304"},
    {17, "8.8.8.8", "192.168.1.52", 53, 54585,
     "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=",
     "77f14fe445b7c22635bc29dd87095e451287a304"},
    {46, "10.1.12.1", "10.1.12.2", -1, -1,
     "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI=",
     "28794b920a095bb89f513c934a0c957e4147ccac"},
    {46, "10.1.12.2", "10.1.12.1", -1, -1,
     "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI=",
     "28794b920a095bb89f513c934a0c957e4147ccac"},
    /* TCP, Bidirectional flow, out ... */
    {6, "1.2.3.4", "5.6.7.8", 1122, 3344,
     "1:wCb3OG7yAFWelaUydu0D+125CLM=", "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=",
     "c026f7386ef200559e95a53276ed03fb5db908b3"},
    /* TCP, ... and back */
    {6, "5.6.7.8", "1.2.3.4", 3344, 1122,
     "1:wCb3OG7yAFWelaUydu0D+125CLM=", "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=",
     "c026f7386ef200559e95a53276ed03fb5db908b3"},
    /* UDP, Bidirectional flow, out ... */
    {17, "1.2.3.4", "5.6.7.8", 1122, 3344,
     "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", "1:OShq+iKDAMVouh/4bMxB9Sz4amw=",
     "d0cbbd227431eb3e1988264cffb1d78b658c84e8"},
    /* UDP, ... and back */
    {17, "5.6.7.8", "1.2.3.4", 3344, 1122,
     "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", "1:OShq+iKDAMVouh/4bMxB9Sz4amw=",
     "d0cbbd227431eb3e1988264cffb1d78b658c84e8"},
    /* SCTP, Bidirectional flow, out ... */
    {132, "1.2.3.4", "5.6.7.8", 1122, 3344,
     "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=", "1:uitchpn5MMGAQKBJh7bIr/bAr7s=",
     "10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f"},
    /* SCTP, ... and back */
    {132, "5.6.7.8", "1.2.3.4", 3344, 1122,
     "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=", "1:uitchpn5MMGAQKBJh7bIr/bAr7s=",
     "10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f"},
    /* ICMP, ICMP flow treatment via types/codes: echo request ... */
    {1, "1.2.3.4", "5.6.7.8", 8, 0,
     "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=",
     "72ba1d4472f6144b078dbbf752446b7dbb386d9d"},
    /* ICMP, ... and response */
    {1, "5.6.7.8", "1.2.3.4", 0, 0,
     "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=",
     "72ba1d4472f6144b078dbbf752446b7dbb386d9d"},
    /* ICMP, Unidirectional ICMP treatment */
    {1, "1.2.3.4", "5.6.7.8", 11, 0,
     "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=", "1:1DD7cWGC/Yg91YGsQeni8du3pIA=",
     "7ff6224b25aa733ad381f5026650549ef1d170f9"},
    /* ICMP6, ICMP flow treatment via types/codes: echo request ... */
    {58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 0,
     "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", "1:IO27GQzPuCtNnwFvjWALMHu5tJE=",
     "d1b7fb872309530b777cc103ef3f0b21f46905ea"},
    /* ICMP6, ... and response */
    {58, "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 129, 0,
     "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", "1:IO27GQzPuCtNnwFvjWALMHu5tJE=",
     "d1b7fb872309530b777cc103ef3f0b21f46905ea"},
    /* ICMP6, Unidirectional treatment */
    {58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 146, 0,
     "1:fYC8+pz24E+EhANP1EZhpX0Dw10=", "1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s=",
     "7d80bcfa9cf6e04f8484034fd44661a57d03c35d"},
    /* RSVP, Example of port-less but bidirectional protocol, out ... */
    {46, "1.2.3.4", "5.6.7.8", -1, -1,
     "1:ikv3kmf89luf73WPz1jOs49S768=", "1:/buhqeOmaRCopOZFy9HnoJd5XW8=",
     "8a4bf79267fcf65b9fef758fcf58ceb38f52efaf"},
    /* RSVP, ... and back */
    {46, "5.6.7.8", "1.2.3.4", -1, -1,
     "1:ikv3kmf89luf73WPz1jOs49S768=", "1:/buhqeOmaRCopOZFy9HnoJd5XW8=",
     "8a4bf79267fcf65b9fef758fcf58ceb38f52efaf"},
    /* RSVP, Port-less example for IPv6, out ... */
    {46, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", -1, -1,
     "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=", "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=",
     "c10ff69b0ae75cfe259897077462f978f8d1f9ed"},
    /* RSVP, ... and back */
    {46, "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", -1, -1,
     "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=", "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=",
     "c10ff69b0ae75cfe259897077462f978f8d1f9ed"},
};

static void test_spec_baseline(void **state)
{
    (void)state;
    int checked = 0;
    for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) {
        struct ts_addr s = addr(spec[i].src), d = addr(spec[i].dst);
        uint16_t sp = (uint16_t)(spec[i].sport < 0 ? 0 : spec[i].sport);
        uint16_t dp = (uint16_t)(spec[i].dport < 0 ? 0 : spec[i].dport);
        want_id(&s, sp, &d, dp, spec[i].proto, 0, spec[i].id_seed0);
        want_id(&s, sp, &d, dp, spec[i].proto, 1, spec[i].id_seed1);
        checked += 2;
        /* the base64 form is the no-base64 digest, encoded */
        uint8_t digest[TS_SHA1_DIGEST];
        char b64[TS_COMMUNITY_ID_SIZE];
        assert_int_equal(unhex(spec[i].sha1_seed0, digest, sizeof digest), TS_SHA1_DIGEST);
        assert_int_equal(ts_base64(digest, sizeof digest, b64, sizeof b64), 28);
        assert_string_equal(b64, spec[i].id_seed0 + 2);
        /* the way back, wherever the pair is not ICMP (whose reply is
         * another type; the tables hold those rows) */
        if (spec[i].proto != 1 && spec[i].proto != 58) {
            want_id(&d, dp, &s, sp, spec[i].proto, 0, spec[i].id_seed0);
            want_id(&d, dp, &s, sp, spec[i].proto, 1, spec[i].id_seed1);
            checked += 2;
        }
        /* a port-less protocol ignores whatever ports it is given */
        if (spec[i].sport < 0) {
            want_id(&s, 1234, &d, 80, spec[i].proto, 0, spec[i].id_seed0);
            checked++;
        }
    }
    print_message("%d spec IDs from %zu baseline rows\n", checked, sizeof spec / sizeof spec[0]);
}

/* ---- Community ID: random tuples against the Python reference ------------- */

static const struct {
    uint8_t family;
    const char *a; /* hex, 4 or 16 bytes */
    uint16_t pa;
    const char *b;
    uint16_t pb;
    uint8_t proto;
    uint16_t seed;
    uint8_t two_way; /* 0: a one-way ICMP type, no way back */
    uint16_t rpa, rpb; /* the way back, b:rpa -> a:rpb */
    const char *id;
} ref[] = {
    {6, "ac844cbbbcab08769b3f19d0b7992b5d", 0, "ac844cbba70178999ad4cd6becbfd37e", 80,
     255, 7191, 1, 80, 0, "1:136Ot9tTKDDhTBWGMHIZmrYrs3I="},
    {6, "0fa8cfb930d4e1a91e3b5c1f94a66a05", 0, "0fa8cfb930d4e1a91e08797fb8beda17", 34438,
     17, 65535, 1, 34438, 0, "1:0yZEJbZen9np/TNKSOYYj0DovWk="},
    {6, "452c7aa0b2e0efc01827937150fcd25f", 0, "452c7aa0b2e0efc018271d1ae4ab24c0", 0,
     6, 1, 1, 0, 0, "1:yxIjp4EEY0TvuGk5o+b1tFQDikc="},
    {4, "d026b1a2", 611, "8d2815d3", 21293,
     17, 39806, 1, 21293, 611, "1:X1I0ljvN9Chh5qb8sk1AhFPCcbA="},
    {4, "dec4be62", 0, "d8ec0d7e", 53,
     6, 2895, 1, 53, 0, "1:WoCUXDTTGZgBYW1HFx1NEXFgDCM="},
    {4, "37e05e0e", 0, "37e05e0e", 53,
     17, 0, 1, 53, 0, "1:m2hLCeSMBZj9KuZbI0wCrsqURBo="},
    {4, "82c21554", 0, "3203ab4c", 443,
     6, 0, 1, 443, 0, "1:5+slk75fpzI23sdkzVHywlxStrE="},
    {6, "b3508905f7a2cc237ccddd87949155ef", 185, "f7ecb7a59e053d24015603d6049ace5b", 185,
     255, 0, 1, 185, 185, "1:tYLjdQpdx3uMQooa/iL2PPpbyp4="},
    {4, "26b44476", 65535, "f2a34826", 53,
     17, 65535, 1, 53, 65535, "1:j4hKrcpzS+H2bDZCEdN9/3rDKYc="},
    {6, "b9fd30ed03b367ec9cafb1a34f55ede6", 248, "61e3b3c55778f545589704694f15ea13", 53,
     17, 65535, 1, 53, 248, "1:UcFCNw+v14awpXenkJM+Od7YkIY="},
    {6, "e23f6a5a6c3ddc83bc61d4a6205ca243", 65535, "ae80446ce4be3f18e472eba8486286cd", 443,
     79, 65535, 1, 443, 65535, "1:KRfCoxZasultST70oBlQV2kBoDg="},
    {4, "1fe30fc6", 52973, "0cde10a1", 53,
     6, 0, 1, 53, 52973, "1:whJRGl+TF6e+oHjlu8WVt+jhqGA="},
    {4, "7e1443ad", 65535, "7e1443ad", 443,
     6, 0, 1, 443, 65535, "1:qEQ+zesHDFTlrEng8fCwd2osWGY="},
    {6, "3563da3d18d4eefa0eb898d8259f9239", 0, "193846b76850afbe3ea9d1f63922bc13", 443,
     6, 1, 1, 443, 0, "1:7AffWPHWVU45sMxrSCVSZTAuhWM="},
    {4, "d81bb869", 5500, "d81bb869", 62137,
     6, 65535, 1, 62137, 5500, "1:0tF+xlKRHFbMEaPH8grQk+8PlhE="},
    {4, "9de2e4a5", 703, "7976eee6", 443,
     17, 0, 1, 443, 703, "1:L8oXhpHTbJmRB39z2t4E6R8wyv4="},
    {4, "d371a1f3", 203, "aea98460", 3,
     1, 1, 0, 3, 203, "1:7/JhVS8o/ldVg1H4qigHUu1SkiM="},
    {6, "4d654b8d4196a08c4353dc18f677c83f", 697, "aa025f7b9ff80b9f2e2623ac29bfefd4", 80,
     6, 1, 1, 80, 697, "1:H5MXTiP/My3w6cr7/+m2rSMjTSY="},
    {6, "b55c4afaa38590773d378d1cff471921", 65535, "01a743fc9cf7ad4d2d3737510cb02b3c", 53,
     6, 0, 1, 53, 65535, "1:cDCIcPyJ4vr4ChkC0UCuUkVjJNc="},
    {6, "aa09b7ed5c2cdb0a5a70ea0db6d3094f", 152, "a6bd3402035841450965958ec3893292", 8,
     58, 1, 0, 8, 152, "1:hePlEVn+PUOiyaJRf4lda5m+e+I="},
    {6, "50bbbe75a576affc33d229e620412a5b", 65535, "9e6b8820147a09960354f841e4cc54a9", 80,
     6, 1, 1, 80, 65535, "1:8nryHiWcznF6JRWNAOS24O/hXQk="},
    {6, "e5d2b1afd9aa53194ae12c8b7ebdac0e", 0, "e5d2b1af6392baa34e14cdbab74345f3", 0,
     41, 34358, 1, 0, 0, "1:9hzo6rgBKvboesz5QCZtM7/5H84="},
    {4, "761527dc", 0, "52f8603d", 80,
     17, 1, 1, 80, 0, "1:/MRMh28Tqoh0zxIZZ76IYFyVc7Q="},
    {4, "fd381fa5", 0, "e9a70733", 26459,
     132, 65535, 1, 26459, 0, "1:PKJ871UllkzRUJIFl3NtVSV5kMA="},
    {4, "06a6c7b5", 0, "5ef3b6b5", 80,
     50, 1, 1, 80, 0, "1:pwtkoLVZew5B3zxMFdBohLFjhEg="},
    {6, "63f85e8bd9e799b696dc5f67149918e6", 65535, "2c8dca26fb2f398688dfcb1c08d4a25f", 53,
     6, 65535, 1, 53, 65535, "1:8iyRkEK6/ruJzeqBsHnqCtxeDsE="},
    {6, "76381923b1b7ad8a20a6f7968c33edaf", 0, "e0cf1f0583b30f80c03bcde8005d2eed", 443,
     6, 1, 1, 443, 0, "1:nTAVb0pbn+9+mzCwDwxES5gdaPA="},
    {6, "dffbe5b3683dc9c5177afcd70e4adf57", 0, "dffbe5b3683dc9c5177afcd70e4adf57", 80,
     17, 26443, 1, 80, 0, "1:3R7cZp8AOcylfAca2lfgdlUpnIQ="},
    {4, "dd69b49e", 65535, "13c8d8a6", 80,
     6, 0, 1, 80, 65535, "1:c5RfLeJKvvZyvYxHf4gyYOTLCrY="},
    {4, "3f4d4073", 36707, "734a51cd", 37910,
     6, 0, 1, 37910, 36707, "1:pdcJuDL8PZsHwRORzsf46q1f/5E="},
    {6, "b8e730388485e77dff1a456a9e71fe02", 369, "6d0937597677a2a06acc555ae80ddf10", 443,
     6, 0, 1, 443, 369, "1:OZ5AzmPwNi4gq22nhs8S2IZ/xt4="},
    {6, "7d6010b91e59284bb9f30cb0039d457f", 65535, "c157e6b3ae082d177d1e1d417333641c", 57420,
     6, 65535, 1, 57420, 65535, "1:urvTv3U/pVRCB4H/BokMhN/190U="},
    {6, "b51d5af9cd416073f3e79c34ef8c16df", 65535, "8aa00ccc1ef89fae581db9b654de94fa", 53,
     6, 46269, 1, 53, 65535, "1:GHr6Q+Lq501s7RzBaFRTlkWakj4="},
    {4, "bca59931", 65535, "cb4d1715", 53,
     6, 0, 1, 53, 65535, "1:4qZ1Ns4JTlBEfcL0Y+1RuTNVrWc="},
    {6, "8d7d67d96cddd298f291be9afb58f098", 24826, "0177dc57b1b2d4983336ed41a320411d", 53,
     6, 59478, 1, 53, 24826, "1:rOt8mq4zmo3mHNUk062/MjnIS78="},
    {6, "061b430176efc56ea71bb9054046d9ad", 65535, "045ac7a340e0de89130f064dc011daec", 80,
     6, 0, 1, 80, 65535, "1:I08SZzfjthQbr6r6eIlLDSNJRe0="},
    {4, "fef5a59d", 65535, "fef5a549", 443,
     0, 20463, 1, 443, 65535, "1:CCagjaAUf2Qmy+wpKVKci24yd6s="},
    {6, "8387ce6bdaa6ab95bb75fec3d637c2e1", 39922, "838cfe2861f3f36fbdf0fc2d504d1097", 80,
     6, 30603, 1, 80, 39922, "1:AkhP8yB6IpyMgh8MCXUVv8pjaU8="},
    {4, "24624a16", 60451, "02e48e1f", 80,
     17, 1, 1, 80, 60451, "1:BjRsQQEegCpBRnMiAuFgjaRzBU4="},
    {6, "17c2c6b690b723bea8e0ed404a5d81ef", 134, "be36caea5a8074e24f632f09fdcbde3b", 4,
     58, 65535, 1, 133, 2, "1:L0JxtJZLbZfFhcNH1FK2w9GJURc="},
    {6, "a6e4b1fb90c657e6ce67271e12de3ed5", 363, "a6e4b1fb90c657e6ce67271e12de3ed5", 53,
     17, 0, 1, 53, 363, "1:M5OD5jrofUUeSmx1pInsl2NcAO8="},
    {4, "94df0c0d", 79, "da0c7681", 13,
     1, 39946, 0, 13, 79, "1:0ZhMo0tP/QY68uN65G6V6OweNkk="},
    {4, "be118ac3", 1596, "ab3008bf", 53,
     6, 1, 1, 53, 1596, "1:qQ0CsJr2tYpJiobSboKSccQ3W/o="},
    {6, "d1469268e6de67311aec4a465d214516", 50756, "50d6f5690afc29910fdb9543d477e4f6", 80,
     6, 56721, 1, 80, 50756, "1:UhryTr1Ivd9PPynRlKOEI4DI8pc="},
    {6, "47679279e1ac9f39f3f06395bd552d58", 0, "3f1a36afeee09097a0d5d362ccdb731e", 0,
     6, 0, 1, 0, 0, "1:x1g2LQ5K0ShGNfPM5PiMhCJvpXA="},
    {6, "2d9890ca0d8a942670cca0e0537a8747", 0, "2d98900e9f04f5ba225f45c729a39091", 80,
     6, 0, 1, 80, 0, "1:GEd8HmYwkcBKtxq6ZUoFSNi1zMo="},
    {6, "37689325483356375a93d8e03e74f313", 65535, "19e59f5b7f74d976d05ba8b2f0dacbb7", 65535,
     6, 0, 1, 65535, 65535, "1:uUi/dDw4yCttd+QOibdG5T8yGVM="},
    {4, "0b6c8aae", 0, "0b6c3106", 80,
     6, 0, 1, 80, 0, "1:x/i48+BgK8QoXWJ/7zVb8s/NsE0="},
    {6, "8e3f3d297d7c79cf0a2273a9a5d1d1bb", 0, "f3ed25528fba6d7a3b68c6843382acce", 443,
     132, 0, 1, 443, 0, "1:S7sq923/FRcpGySJT8f0DNUrOwg="},
    {6, "3e7ff42bf72667f2f52396c013012467", 719, "5d51afc4976b4815311dbc592e5402fc", 80,
     6, 47921, 1, 80, 719, "1:Dw9a+WxP4F9yCvv5m1Au4pJZ7Uc="},
    {6, "d21be3ef2b705c1d82e044b2da69e613", 37716, "ee4a6952a67d8f229fefb9cc3e275fbe", 14071,
     6, 0, 1, 14071, 37716, "1:Fh1y3HPtO8m7FlngXT+uge43sCM="},
    {4, "66054ee6", 33, "edfa12b1", 10,
     1, 65535, 0, 10, 33, "1:++9mh/iENnE6K25jssaKjkfpM7E="},
    {4, "85403b0c", 47375, "85b97ed3", 443,
     6, 1, 1, 443, 47375, "1:uayTyVdAZPG6z8HGpoSQvh7M5DQ="},
    {4, "995bb4dd", 14, "995b6bf1", 9,
     1, 0, 1, 13, 10, "1:5HQNY76bCphD0Xbfj1DI+Uta24o="},
    {4, "792b30e4", 19179, "792b30e4", 27555,
     51, 0, 1, 27555, 19179, "1:FH5EJsXcwUe5HnZr/OZ0VbJMjFQ="},
    {4, "bfdc8eed", 377, "e4f747e6", 443,
     41, 1, 1, 443, 377, "1:DuU9RuwnlJWqhyv5+kyoo99X02o="},
    {6, "c9cb4475ca38e6ef3a8ea6eb1f43eb8b", 65535, "c9cb4475f12affabcbd154a6b73ab745", 443,
     6, 1, 1, 443, 65535, "1:tTh8/A5tv6kVass7kbjDcGtqE6s="},
    {4, "04081ed9", 65535, "045d26c8", 47560,
     132, 55721, 1, 47560, 65535, "1:B6rTifmVm9P4PC5Yys+KApeu3K4="},
    {6, "ac10e3d28eccfe06cbcdfa59eae7373a", 0, "6dd5f2d36a737e02d14137e80cab24fc", 53,
     46, 64767, 1, 53, 0, "1:6MLr6OA3jztPSul1cQ00bR0WVsk="},
    {6, "bb24182617c7510c65b7abc4834222f8", 94, "f2a4232b95d94eff6321ae07219b0fc9", 59832,
     6, 0, 1, 59832, 94, "1:PSJnumoiIma58CYjKNiBblhUST8="},
    {6, "d4b87d62bc2ecaa19d1b79bb48cb5dd5", 11017, "221f7b1281c8d6e320229b6074e47f9d", 11017,
     132, 0, 1, 11017, 11017, "1:4YqV8oE+ePYaFMTMxf3olcSVwbo="},
    {6, "7d89d305e22023962edd7965393044d3", 0, "3b0f6bfe57e3fb1617759d85d3430e9e", 53,
     17, 15434, 1, 53, 0, "1:pkwlc7DjvPAK5/vEWN7oxGJvGZI="},
    {6, "091aa78a44c0cd854ceea0b082425fee", 65535, "c599d48935588f9eae87027d03f0efc7", 443,
     6, 65535, 1, 443, 65535, "1:LiAMMtV67nd3bsbtnk9M1oEgqZ4="},
    {6, "af0c66aaa9c028f3870dfe937c0717ba", 830, "af0c66aaa9c028f3870dfe937c07e7b5", 53,
     6, 65535, 1, 53, 830, "1:mMel98EtYkG5tPjyZjeJCAN6CmU="},
    {4, "40125955", 285, "b37d5e1d", 53,
     132, 65535, 1, 53, 285, "1:yogjcfkVsvtINYQYLTiITj3ILCA="},
    {6, "b556312200c60a006993f583d3c25021", 23387, "b556312200c60a0045c18a24d2947923", 80,
     6, 1, 1, 80, 23387, "1:GIvyeKJe8/x2RBulUPFs3uQi0OE="},
    {4, "4fc0b319", 477, "4fc0b3df", 53,
     6, 0, 1, 53, 477, "1:j3rCBF5zS2Js8odwK4ItTCyKyoo="},
    {4, "1925a19c", 582, "614e44d9", 80,
     6, 1, 1, 80, 582, "1:WQmaXgQ+SeRqNqUPeu1ADcjY64E="},
    {6, "852e4799bf1ff5819213a94f59de2c18", 144, "baacf8c0bbb4a4a249911d38239b8f20", 9,
     58, 1, 1, 145, 10, "1:hZT2FirDTN5o7dBvjO27Nckv9r4="},
    {4, "45a96c5e", 0, "45a96c5e", 53,
     6, 0, 1, 53, 0, "1:zlmoBHlfBs5aVAUw4JTE4pJlZXA="},
    {6, "84b159095cf8fe39aa5bcc214414fc7f", 110, "e1139cd79d8bea6451284a613fb29ba5", 13,
     58, 46492, 0, 13, 110, "1:FgQi1aovCH6onRlWHRzevl7mIPg="},
    {4, "fb221d13", 22063, "e1d72c12", 59984,
     6, 65535, 1, 59984, 22063, "1:EOmp9HsgI9lbQ0XWXlTG42i+zH0="},
    {4, "1a0a6dd3", 65535, "1a0a6dd3", 53,
     6, 1, 1, 53, 65535, "1:cUKlhRaeauzQyyLIlBr8sgE1rz8="},
    {6, "2948979ffe731779c1693fefd856b144", 128, "f3de1c1138ef3479f2e6e5977a6b5932", 13,
     58, 0, 1, 129, 4, "1:QDxTyswOBqlXPGz+ImP1VJAX8OI="},
    {6, "729adde5e218d4569ca98ed34d053d23", 128, "bc96d956025799766f14739a16bb3b50", 9,
     58, 65535, 1, 129, 13, "1:P9PIdllVtqnaw4WCatoYfAZe17Q="},
    {6, "baabe652e86874bcb79edc2d7d529328", 672, "5a953d7fa7a75a31b0bd9a317a795cca", 53,
     6, 24173, 1, 53, 672, "1:uv4Z33V30wFS+mEUd8a9r3HmRRw="},
    {4, "e9c6e059", 65535, "eca839ca", 4890,
     112, 0, 1, 4890, 65535, "1:x+9E9K+XcRke1i9oUiyjJAiWtwA="},
    {6, "63e33965e9f93524455db2a99fe4a29c", 12904, "0bf3ffe3743e0dcc7547dd9899b5f5df", 5414,
     17, 0, 1, 5414, 12904, "1:WYNEUPtmujoWUMPni7Jp91R4r2s="},
    {4, "2df3cccf", 349, "e3b82ce2", 53,
     17, 6728, 1, 53, 349, "1:sp6wGZzCvUS0kbXqMk0h+mSBm80="},
    {4, "c2365556", 8, "152371e6", 7,
     1, 1, 1, 0, 3, "1:EgkjNULYVeIxX3s9S8obCS+N94U="},
    {4, "bc2dca06", 13, "bc2d8ac6", 5,
     1, 65535, 1, 14, 2, "1:9rpRucttXrCMnqw/4rXjeNP4YpM="},
    {4, "c641c9fc", 1002, "c641c92b", 13851,
     6, 65535, 1, 13851, 1002, "1:a2daTJWyB8Cnprn76B7Yv7S9aco="},
    {6, "b2abdd80abf38824207d16151d21ba7b", 65535, "b44c6e5c5016ae61c97c79d6762a792b", 443,
     6, 0, 1, 443, 65535, "1:79zVNkSi6Sruq5zi9zLwkbaLuAY="},
    {4, "f5d2e405", 65535, "f553d33b", 80,
     6, 1, 1, 80, 65535, "1:hI48G7qOHomkmkAcT/X6BRNL0UY="},
    {4, "747716ad", 1736, "9cfb1b53", 80,
     55, 0, 1, 80, 1736, "1:n/i/El9ay18w+M7UbHTSS+To/Ms="},
    {4, "a0eb5970", 65535, "65100a5e", 53,
     46, 0, 1, 53, 65535, "1:WCC3FNcWinoLb9iZ+Xk8Zn7G5Ls="},
    {4, "d8dffc32", 0, "7130fb46", 11,
     1, 1, 1, 8, 6, "1:bi9iUDbg5UeHVvm8f/RkzjxX7HQ="},
    {6, "08c5abbd1ddd604a31b0560b0d8f013b", 270, "c0b59b85d9cc9b3054dbe8aee765d204", 80,
     46, 38007, 1, 80, 270, "1:x0lNytrw4gAvGGT79ecjls8Jz8U="},
    {6, "b72c12017a7994839a5ef2edeaf6ba34", 65535, "c0998068834d7c1d882b940a5ab008e3", 443,
     6, 65535, 1, 443, 65535, "1:/4QchDusb5d89Q9NVMtvnqaXREw="},
    {6, "2e4d65d7d1362c9f26a8ac14c63e0ed9", 0, "8ed8ab8edaac40711bd37ee89230d804", 53,
     6, 0, 1, 53, 0, "1:Na3dNELGoNgGpQFCu0hfr4b4LvY="},
    {6, "82ca1bd4e68fb3a82ba0cc4c84c9f6e2", 101, "e99786874cd57ad2af92431d21cd6433", 2,
     58, 32446, 0, 2, 101, "1:IpW08CoPAIJhoHz33Z9JHuY98ck="},
    {4, "8e738a77", 37179, "8e738a77", 80,
     6, 0, 1, 80, 37179, "1:G93mstQAO97MVz4m8oOBKt0pBTo="},
    {6, "c3c9f6aa43dd1e7d6857d293c2163533", 65535, "da52967755ed3dd71af79a2cf7030a40", 443,
     6, 0, 1, 443, 65535, "1:81S3epep9rXs6oj4LEWI32xSHzM="},
    {6, "471fc5b2a46edacbdf95eed88d5bc599", 986, "471fc5b2a46edacbdf95eed88d5bc574", 80,
     17, 21850, 1, 80, 986, "1:1Iwz2ZP5lLiFsHgmALxc8F+aLg0="},
    {4, "d2e704ef", 65535, "d2f52dd3", 80,
     132, 65535, 1, 80, 65535, "1:HYJ8jzNo956o2NFwsRFDgtI78WA="},
    {4, "7b03b231", 389, "03b8603f", 443,
     17, 1, 1, 443, 389, "1:4nib1+Nk+FlWI7HM7s68P84/gvY="},
    {6, "e75e73fd7e0a51b016bece4a1c0d788b", 0, "3b157160a34771454efa4eb569b249af", 80,
     17, 0, 1, 80, 0, "1:znsm3u3DuYVtWTDx+cQJhSfzlME="},
    {6, "c0d55e279e317623412562fb5d5bacf5", 0, "c0d55e279e317623412562fb5d5bacf5", 53,
     17, 0, 1, 53, 0, "1:sO2P95QNKTYuW0zuBu/Ts3RyglU="},
    {4, "fe848103", 65535, "295c58e7", 443,
     6, 65535, 1, 443, 65535, "1:v2hqKoKMUvKmsuNmc2g8+5xwWjE="},
    {4, "db042b80", 65535, "5acd88be", 443,
     6, 8262, 1, 443, 65535, "1:X/h1W8/L1DGJmKl86iV65JAhGV0="},
    {6, "b82e50f4120067093439613592227058", 65535, "04e7c720485f868a7400781d56c38c49", 53,
     6, 1, 1, 53, 65535, "1:sao9PTxUDh4jJRlB5FwaLi0GTlE="},
    {6, "4ac2c2e2cd1c813533ffc7f40b848914", 576, "0dd42ed1aca9a1041b67f8bd6af5cdd8", 443,
     6, 65535, 1, 443, 576, "1:OEUq2znx8AwmqP6MNv3K6J/s1rw="},
    {4, "5c7360ce", 0, "5c7360ce", 0,
     6, 0, 1, 0, 0, "1:s6yNkuhyFKSIT9DWqxajLk1xb24="},
    {4, "4683c010", 65535, "50fe7c76", 80,
     6, 65535, 1, 80, 65535, "1:2px6hKbDiS9VdiDjDbqKoZ3hKPk="},
    {6, "cbe60791053cba861bb482e8e9555b68", 25, "45396ec4dbcb8f8d962c781d15b3014a", 13,
     58, 65535, 0, 13, 25, "1:PKbL7GdpB55t05j93N/uc5Na1bg="},
    {6, "79a2a63299b86a6a3a0338b3585c41bb", 697, "20f75b1f0f92a33ba4064e8415839817", 443,
     6, 1, 1, 443, 697, "1:QeBGwKvSiPZZKVAXNAUwiMHLRDs="},
    {6, "17d61d85c53d843f7488bc5895bc61a7", 145, "f93ae04a5406f8110b66f5001b1d9c4c", 6,
     58, 65535, 1, 144, 10, "1:dWEF1vIPyXL4Ux/0IgHUoaK98RM="},
    {4, "7aa66d5d", 26, "7aa6b164", 10,
     1, 0, 0, 10, 26, "1:ny4m7m8DQFKtB5EkL6u4nYzvWFo="},
    {4, "5fad1f35", 0, "3fbde346", 1232,
     132, 0, 1, 1232, 0, "1:KKJw30OiTnuAEFZnIRqbVktcVW8="},
    {6, "94f4b80d4c51d2e7c9fd7b17aed297a0", 65535, "8e2852addca52f0af177c1791358a751", 21401,
     6, 24136, 1, 21401, 65535, "1:m2sKmNbIXGhURzR70KE8glFjmQA="},
    {6, "70c874b3ab75a20526ec819b522e0540", 39020, "ed49d5cc047d6fffb0a87a395d935813", 53,
     6, 1, 1, 53, 39020, "1:KoXJ/lKw2H33tkGRPW2osbccpz8="},
    {6, "42b2e3cec48b856a068bbe10464cb70d", 0, "b42ea90f37773c80ed175f3f91a97e43", 443,
     17, 0, 1, 443, 0, "1:tq4CAGStrAC7PBd9UeeShxn6y9Y="},
    {4, "c43b0e3a", 375, "99b644b8", 53,
     17, 0, 1, 53, 375, "1:tIW5otB1rFueDPGdDCQi7hMk3Ho="},
    {6, "d3db52a3796c13856b3a80b2ccd5d100", 31637, "1232ada2148b3a0a984d36fb8c4befd3", 53,
     6, 36012, 1, 53, 31637, "1:nnx1ir3oIU5fgKCj8fKWwBzWTIc="},
    {6, "d32964c89f733908b32b65612ea28f17", 183, "e3e58f7f22117523dcc9c8e048bcbdfe", 4,
     58, 33180, 0, 4, 183, "1:WmYMkV2EzTfHXs248NpYya/6rNw="},
    {6, "65509225154ff139d168602e05b6bb94", 12456, "65509225154ff1eca5a046d60e04e075", 80,
     6, 5425, 1, 80, 12456, "1:yvnwljwxJk9AzpsVnCFAiSskD8I="},
    {6, "697e335c8cf1870265b0b72138e2d7d0", 409, "697e3322d4b60646ff05b8be5c4c40c7", 53,
     6, 0, 1, 53, 409, "1:lvzRMRSTqq6J9BwWP+MV2B62DOU="},
    {4, "ae99eca8", 0, "cd06d621", 0,
     6, 1, 1, 0, 0, "1:zcp8QuciYgJnL2elh4lOWdkWzYE="},
    {6, "59828b04ed0ee5b277686dcfe4a682b3", 65535, "14af79c3788e1ac5952b17c4a8e8eb1f", 443,
     50, 0, 1, 443, 65535, "1:LW4Wm81j384WTgc680vq92v/Mcc="},
    {4, "1d6e21d2", 119, "dab3c5d0", 80,
     6, 0, 1, 80, 119, "1:10XEAiPs2PwPPPNuUDutQsqb02k="},
    {4, "e893931b", 0, "e8939387", 53,
     17, 65535, 1, 53, 0, "1:31eEPmPt1ovuDRrkhp19EOKMkAo="},
    {4, "3d822fb7", 35720, "3d822fb7", 42690,
     6, 31570, 1, 42690, 35720, "1:lm8o9IhFZEqK8meWJo9LTz8DVno="},
    {6, "7a743774b50d881ef7aee2ca1ec6df86", 7988, "52cf8a23fd9b6fedc68ff9f1fed64f0a", 7988,
     6, 65535, 1, 7988, 7988, "1:2e/1/FK8NiQSN5d52VugJLvqbXk="},
    {6, "21f561cd482c02cb472b2ed5c7db19cf", 191, "21f561cd482c02cb472b2ed5c7db19cf", 3,
     58, 65535, 0, 3, 191, "1:LftS55/1pWzTJMY7qV4HdKLniwY="},
    {6, "e9cc193cc1255b907bcf9e499a57e34b", 0, "1b73a3c2f112c1ec5ea1bfe2caa0407f", 443,
     50, 1, 1, 443, 0, "1:2UA8XVnpIdfk3i+DDoeySAhrKfs="},
    {6, "9fca2bef15d3651dba21df849b65a239", 65535, "a58a28377bba9ff337f517a7d2b8f859", 443,
     41, 0, 1, 443, 65535, "1:ifZWDomgs0RHJRurUEMMk4tij8s="},
    {6, "d291ab658f9544c0e2180da5346fce3e", 130, "d291ab658f9544c0e2180d35bde34792", 4,
     58, 0, 1, 131, 3, "1:MTvywCp6gfPpa+j6jNzWisb3MNY="},
    {6, "119a6ef4acee755cd61fd12fb44dcd1b", 13936, "fe25050952e6e2b427e06f10ee1bbe4a", 53,
     41, 51890, 1, 53, 13936, "1:ciVQmuWwd3Rzdq4eOGFOiKmT6OA="},
    {4, "813ce106", 156, "813ce1b2", 58039,
     47, 15740, 1, 58039, 156, "1:xTXuBPFiluSpr2p3MsYIC1x0Gvk="},
    {4, "f13a1988", 0, "350643e4", 80,
     6, 1, 1, 80, 0, "1:ACANlPxSNb+9zRzk6uaklFGDWmg="},
    {4, "48e31e7d", 0, "48e32f3b", 443,
     51, 1, 1, 443, 0, "1:162ZK/Oog+XUMfGUqP8CDU4yatI="},
    {6, "0026db40df081791d636e52b824948e4", 140, "0026db40df081791d636e52b824948e4", 3,
     58, 1, 1, 139, 1, "1:Qd883DMRN4vt1yBd28f4lti4DLI="},
    {6, "24901ebc163c583bce095c81f0953ab0", 367, "24901ea1541329ad75d4b63b552a2ef0", 45746,
     50, 0, 1, 45746, 367, "1:BMwoKvIA2YhzFUCkmbPs/qembdo="},
    {4, "34aa1900", 869, "4b47541c", 80,
     6, 65535, 1, 80, 869, "1:DofopC9XlmOBIoPXavhDWiGLjsg="},
    {4, "585e6376", 34, "58934cac", 7,
     1, 0, 0, 7, 34, "1:75y8L0yQWLTL5BUKUNshMb/TYYY="},
    {4, "9bf7dee9", 65535, "4b93bbca", 80,
     6, 65535, 1, 80, 65535, "1:w9FlQSQwa6347yCUp8UmWDweL9Y="},
    {4, "6312b21f", 65535, "6312bb72", 22519,
     41, 65535, 1, 22519, 65535, "1:jSbjANlY8y0iJOnP3FNdozhDlXE="},
    {4, "4ceda082", 0, "4cd9839f", 61747,
     6, 1, 1, 61747, 0, "1:v4XhrW6FDmPEU3VW/edG9JnDzRI="},
    {4, "df209657", 0, "e7b0b7ff", 53,
     17, 0, 1, 53, 0, "1:eMpfG/sxbkdaI1Lvt3iO1iQKuOE="},
    {4, "c80b4ec2", 8, "c80b4ec2", 13,
     1, 0, 1, 0, 3, "1:QQj1R2IbOuG/zJIjpYxb3BuZBA4="},
    {4, "4a3592aa", 0, "128f0104", 80,
     132, 63830, 1, 80, 0, "1:00GYzw7IkpijvHUmWO53IoLf3Tc="},
    {4, "b5ffffc2", 700, "c49fc822", 53,
     132, 0, 1, 53, 700, "1:R+PK6+XIZOkWfSzY6T+O3jSh6IM="},
    {4, "fdbc6db4", 214, "431aef5f", 6,
     1, 0, 0, 6, 214, "1:WWqEfZEM3NPDB/K+SjqAfex8jtM="},
    {6, "775c0c1c74e2db33d3ba80fdcfffa793", 985, "5531998e868142f489539bf77174bfa3", 53,
     6, 0, 1, 53, 985, "1:W0qujSY7q+ioWS5M6+a3Tn1wOC8="},
    {4, "2c4155fa", 65535, "0caa4e42", 53,
     6, 1, 1, 53, 65535, "1:yXIKNb0q1WEaoTPUiDtThn4MkX8="},
    {6, "e7eadc1403cde0fc2e45ca989dfba4f8", 65535, "e7eadc1403cde0fc2e45ca989dfba451", 53,
     6, 65535, 1, 53, 65535, "1:MMaPHfXs9Ti6sMiU/1I5MueCRvs="},
    {6, "68d30c592e63aa46ab38317802d10885", 1012, "d2c2ba05b93e38d26324b84e74c4f00a", 443,
     17, 65535, 1, 443, 1012, "1:kIbaF0l8JQFnaOppkjaGIpuwHKk="},
    {4, "911d6247", 37020, "911d6247", 21839,
     17, 0, 1, 21839, 37020, "1:CXjHswvwcs2bZqHhgS3wytJJVqM="},
    {4, "bc83c952", 8, "bc83c952", 4,
     1, 26441, 1, 0, 15, "1:zt5Cs2Qc4eM4wFbSDd9VDKW4wDY="},
    {4, "a83265ca", 6385, "51e04545", 443,
     6, 0, 1, 443, 6385, "1:Gelg+xh/hC3jiFcdVnBzR8ZxneY="},
    {4, "0033a563", 39827, "0033ecfa", 60736,
     6, 1, 1, 60736, 39827, "1:u73HR6gl6rMFrrljTreOipaXNS4="},
    {6, "883a03c4f0fbc6e73df2d0de2fa6c006", 10749, "1cce103b504cade5f6cdd80fa42757a2", 53,
     6, 13809, 1, 53, 10749, "1:aBHoSBDKTHwtXvOR/z7BrUN6HPM="},
    {4, "6efc2cb5", 0, "0c45f0b9", 443,
     6, 0, 1, 443, 0, "1:dlPeQLWmkLG/x57qpcHXHtOUtNs="},
    {6, "1aaa1971ce62763914c01da85b022bc6", 65535, "1a29bf5c22fcf14fc66740de3f172315", 53,
     17, 65535, 1, 53, 65535, "1:m4ROwEhmUi4ENwB3A7b60T8LGuI="},
    {6, "83abdf5d0bdf833c4788eb13a2c1e12e", 190, "1e3874be4198af3bb8248ee0e4872c3c", 5,
     58, 17482, 0, 5, 190, "1:YqcCMKcpNiM2PLdrJP68EPDh0bs="},
    {4, "404f7773", 26, "39aafb45", 8,
     1, 1, 0, 8, 26, "1:oAH1N0UPXuRB5NUPzOZqsNmGuBI="},
    {6, "00f0ea360844af6d169d992c3cb49185", 48879, "00f0ea360844af6d169d99464f911979", 28477,
     6, 0, 1, 28477, 48879, "1:vlwRP+srbF7Yrw+CMizd9jQzJIs="},
    {4, "d68e2ca5", 65535, "3471b8df", 53,
     6, 65535, 1, 53, 65535, "1:WaRuc2Fl2Km8W4t4knZgNWv+tIM="},
    {6, "291bf28dfcd1e2ba4c394524b2a41695", 57555, "37c2324419b9e78c4f51eba4a8704d87", 443,
     17, 0, 1, 443, 57555, "1:cfYHGVVeR+cCJ2Ixkx0cJNqafPQ="},
    {4, "2fb46c50", 173, "2f00af25", 173,
     17, 65535, 1, 173, 173, "1:zoVPlGfKYiI7vUYtApUFhGWny1g="},
    {6, "72812bcef19379848c2c83f5cb5cb79c", 191, "c24f4f418f435a9ad2fd2abe4fc547c2", 13,
     58, 0, 0, 13, 191, "1:rSeHCh+m6krNYMx+bhtbs54JlF8="},
    {6, "7410667e9452fb26762c4c98cac5797b", 0, "7410667e9452fb26762c4c98cac5c49a", 53,
     6, 65535, 1, 53, 0, "1:1XqPY6PISHFDNN9VFRyPDZ7yVKg="},
    {4, "837ef0be", 21, "837eea4b", 3,
     1, 1, 0, 3, 21, "1:vh1/5w3kIyjkixHdJd7nDIT3T9U="},
    {6, "7df7eeb1acdf67005fa9baad7e0991bd", 62391, "7df7eeb180c996449caa151dfb76a596", 443,
     17, 65535, 1, 443, 62391, "1:13j7BUxo1J6eloPe7te+e+Sr6oI="},
    {4, "41f50174", 272, "f6c61966", 443,
     6, 1, 1, 443, 272, "1:GVRfB3M8+2vVHYE6TYp+a/b06CI="},
    {6, "cd87434a5674bc3b2147356a1ee07e7c", 33449, "396dd8763f3bbe2d07c2139f655dd775", 443,
     6, 0, 1, 443, 33449, "1:13nPEopVsAPO/BfD+Dl5aqVtyy4="},
    {4, "b2e4bd75", 65535, "b802424e", 443,
     17, 65535, 1, 443, 65535, "1:30BEHrs+IfVRKTOvGsQbUp6cWt0="},
    {4, "b0d21403", 65535, "b0d25522", 43529,
     6, 65535, 1, 43529, 65535, "1:9lPgvvb39elInPaC9TNUKG+rKOw="},
    {6, "436e01db8265fe0ee7c75feffd723df9", 1011, "ac6774264bdf69fabebd7f3163d227e6", 53,
     248, 29306, 1, 53, 1011, "1:Lo4h7T4f2hgf5ow1vb8nrGEF3Kw="},
    {4, "66384f77", 41005, "488d12be", 80,
     4, 0, 1, 80, 41005, "1:2lMMvR3q1RwBT/HB8eJHDq8ZHq8="},
    {6, "7fbd491d7b2f327d46bcb07e4f2ce0eb", 91, "7fbd491d8ba5ee22a81f00c1a8bf3099", 53,
     196, 0, 1, 53, 91, "1:pQJYC/yg5fGAJVVMvibvtGXLsqM="},
    {4, "b74434aa", 2, "b73cc172", 3,
     1, 65535, 0, 3, 2, "1:vq6ubfbYUQl4+IpFsXRmfkxW9N4="},
    {6, "7d770e1811849e4e89531f7206209dba", 140, "7f2c2bc677e9692f084190c7cd5a8cba", 13,
     58, 1, 1, 139, 1, "1:fwnHCL6AGyYO4Mk+iaY8dEmRnYI="},
    {6, "ea3547750b861d6bc47564f0840abce1", 699, "afb6a996cefa5b0752ec3c39429dbf64", 43904,
     6, 1, 1, 43904, 699, "1:jsq6bCQPOmEvXSwvLtx1OdWwXYg="},
    {6, "8bba6e74adea1a6829b1d16de1c318e7", 69, "598f6937bf0a4b11be4d0f7e1ed4d91f", 12,
     58, 65535, 0, 12, 69, "1:nym9K0Zkd/36x5OF0MyBPGfx+20="},
    {6, "f03eefd765297a64e8de6108c2ae47ed", 29742, "e2416db8cfaa4de48c53081657c8df18", 80,
     6, 65535, 1, 80, 29742, "1:iQtHE2PU2XDf+AZovNwUX4an0sg="},
    {4, "c3a857a8", 2413, "02a64ae1", 80,
     6, 65535, 1, 80, 2413, "1:tsjQpzgT0vHAcYNvV9MYMQZJnDM="},
    {4, "f43f8809", 34290, "f43f6ef6", 80,
     6, 1, 1, 80, 34290, "1:8BbClApZSBv9cgLZXI/j8Owytzs="},
    {4, "be2fde50", 0, "b1c8faf9", 53,
     132, 0, 1, 53, 0, "1:bKNDk/5LINVr44/4kwHZUrOqAYw="},
    {6, "8ef583c40fb32b048e5acf04582bbb82", 0, "0a6232b26158c9da165b48b8628d8997", 443,
     6, 20983, 1, 443, 0, "1:OOnrBt+Pm5GXkoQWf1j6J/Krer0="},
    {4, "1150cfc9", 46347, "3aa71a9c", 53,
     6, 0, 1, 53, 46347, "1:JpZV3KO53zsfSfV3QFhP1oc1SPs="},
    {6, "c40059695a5e1fa248b420e4d7bf7602", 0, "d0524a4d91222ab96b27e8d1b25ade0b", 53,
     6, 0, 1, 53, 0, "1:0gI6tR1XQ4QCNhWyMYGheK8DD/U="},
    {6, "044a2686ebe8c3ed18258edca908e84a", 65535, "5d5dfd48877985d14f6b3077d6143fe6", 18252,
     0, 0, 1, 18252, 65535, "1:9dIJXl90MWI1Y5Qqbg635eS5tE4="},
    {4, "0bc3d5f1", 170, "52d78243", 13,
     1, 0, 0, 13, 170, "1:XfS4MzFr5zOczi29gsi52HycpaU="},
    {6, "8ce43a2ca7611ee89adb345838242d0f", 689, "c49dcb04f37182edb7d79a190677f1c2", 53,
     6, 65535, 1, 53, 689, "1:2LOLnAO13/gkMtOT6+0aUv2nXCk="},
    {4, "67a79fa1", 65535, "67aff126", 53,
     6, 53781, 1, 53, 65535, "1:isumPsx11+FOQwWy/zxm97HD5n4="},
    {6, "0b0970ee063043a50cc96e2139f4cd78", 0, "48ab4e93c53ee76e172e10cc0bbd3b2a", 80,
     6, 46414, 1, 80, 0, "1:xQhhDfPgaMhvHCdYG+/m5mBX/Lw="},
    {6, "5b5a9fdcc9c4d4ea8f3fc4b09a68c52b", 238, "5b5a9fdcc9c44b8b92621cb6763eabc7", 6,
     58, 22296, 0, 6, 238, "1:s61H2Tl7uD6HVmJyv4Ids/y7hIc="},
    {6, "458124cbb8da00924e95808f8f888e9b", 528, "049dfbdda94e480ecfcfd3f8b2635846", 80,
     6, 1, 1, 80, 528, "1:Dq11n5opk4QAnzDYDcixlQJmADs="},
    {4, "57144ff8", 18, "5714a1b6", 14,
     1, 23668, 1, 17, 13, "1:K7NVnqGCFkKO//BANVXbfKPfj1I="},
    {4, "474e5853", 18, "98d270bd", 14,
     1, 1, 1, 17, 7, "1:t6+ZBvMR9g20VO7qP7JQBDGZBM4="},
    {6, "00c10a7385c20038439d394ba93e763b", 0, "f54a18ff62ac68978cb374123fded348", 80,
     6, 3505, 1, 80, 0, "1:dgmz7mjrB0/G5pI7kr0HwTSxC38="},
    {6, "79e08ca93ee4aa643d3cf34a04346ab8", 0, "382a5a24c033002e71d32d6bce8860e0", 80,
     6, 65535, 1, 80, 0, "1:grslf7QzTaj3WEsbbCn8fWLwfwg="},
    {6, "b84d4a78aec6ec81cc916485510e53bb", 84, "b84d4a78aec6ec81cc916485510e53bb", 14,
     58, 0, 0, 14, 84, "1:riqvUBiII9zwmSB4Yw6e0lUgg3g="},
    {6, "0c8f843380bfaa0752b34d93a4de7469", 131, "0c8f843380bfaa1616540141d212ab54", 9,
     58, 0, 1, 130, 11, "1:0rOgO5+2LjuAk6cDLPXSEzAqxqE="},
    {4, "a39f3a30", 62, "3b636074", 53,
     0, 0, 1, 53, 62, "1:ex3y0B+TwS9hFKTek4Qhfn7bCzQ="},
    {4, "e776ec59", 0, "7244d764", 12260,
     6, 0, 1, 12260, 0, "1:m2+gAOs7zjib7ROcsuTbtAQ1ijc="},
    {6, "54a5872eef04419bf968366fdce3dab9", 65535, "75973208f0875dcbffb3a8d6b03c471a", 13704,
     17, 0, 1, 13704, 65535, "1:DJzE5z1TAZnzZHqRLXZYyEmPQCI="},
    {6, "d81b7974f3b30389ddfb2b198c0329b2", 624, "43161b8032ef7af2616c5b7011e24abf", 53,
     6, 0, 1, 53, 624, "1:d0rO6yQHDpTFPbXVgQd6fLKpQBg="},
    {4, "eb421843", 472, "a1bd1847", 53,
     6, 1, 1, 53, 472, "1:7AGrBQfk3gnXjB3kDdcxol0Na4I="},
    {6, "4d736ff2aebbdb0ff11bbd368a58287d", 65535, "1163b55324a3a858e584fa422880e845", 52467,
     6, 0, 1, 52467, 65535, "1:Si/EkMMgkvlV1Zq2ux3GborLMco="},
    {4, "c8415883", 65535, "32e7dc37", 54641,
     51, 2502, 1, 54641, 65535, "1:VDrHop07T5CKZeFyPnncGGjx6gg="},
    {6, "546f71ec434dfd8154be8f7af48e806e", 52795, "9bc2c9da32d40f530fcd8db6e177caf1", 80,
     17, 65535, 1, 80, 52795, "1:LGsijwYO9jvPYqmfrz6EfKv/6ug="},
    {6, "844f4864cc4af3a7f2c04106de7dc142", 3440, "c39a5cfd35b741e9133cb377d690a383", 3440,
     17, 1, 1, 3440, 3440, "1:2Y87pCvrVNnvUrrcZfdi1kW02pM="},
    {6, "0bfa04e21f177a72eae25652d76619e8", 135, "31ed0054610b21a7ee2ecf79ab3c0c80", 15,
     58, 0, 1, 136, 11, "1:qZBcTm9ADmjMLuCC6quAHaW6R/A="},
    {4, "1a0faa63", 871, "39f6805b", 443,
     17, 52262, 1, 443, 871, "1:KX90FzxCpUawczXDgBhnpEiT+C4="},
    {6, "76c0896e7bf9318e8c1434eb932b3e7c", 217, "e3b57e8fea507f5c3cc970f6e05f58a6", 11,
     58, 0, 0, 11, 217, "1:1fzDQb8g3UEu0Pl/bI0e7yhqc0U="},
    {6, "2f1555ae650500359650207fbd2c3ff1", 0, "2f1555ae650500359650135c36b4f864", 443,
     252, 0, 1, 443, 0, "1:eGyyPKVPDjXtg1gxstbnqtB8XHg="},
    {6, "caa4b9a62fd0607e9a61d9d4644e4e39", 0, "caa4b9a62fd0607e9a61d9d464aa5509", 80,
     6, 1, 1, 80, 0, "1:3y5acal0o+Av75wr88nC4sazyYM="},
    {6, "b7000c3ca48c528e2ac6a292f9381bf7", 0, "75a6930658a556d8bdee4fd862b1a943", 443,
     50, 5096, 1, 443, 0, "1:nvVEM+KcTLUjYXW/rLfSCyrkx5w="},
    {6, "1eb8f1eb8b9e52fda9c6959e39ebcf62", 740, "1d724b41b85a03788ed35bc32242f881", 80,
     6, 65535, 1, 80, 740, "1:t6TPlwVodFLIad6QeuqpZCA2BM0="},
    {4, "0768bbdb", 0, "4525af91", 14219,
     6, 0, 1, 14219, 0, "1:R/zvc2J9/FhxDqNMgXcj9c37pwY="},
    {6, "5af0a35113c5e136263159fead0d9316", 867, "dbd73960751b3c62021d9bd2987c8b22", 80,
     6, 1, 1, 80, 867, "1:SqNAU/I2VgB6Ohf/IKI/sru/vSw="},
    {6, "626e3fc8d2db9feafc2f38974b55f3aa", 18720, "626e3fc8d2db9feafc2f38974b7085a5", 53,
     6, 65535, 1, 53, 18720, "1:EeG3O6MPXV0EN0TQ91WGRh+xlF8="},
    {4, "414c4598", 65535, "63ba645f", 80,
     132, 0, 1, 80, 65535, "1:5o7IuJIIvBwiKHIfI3yIK6h3mQ8="},
    {4, "e2506acb", 18, "d9cd759f", 7,
     1, 1, 1, 17, 7, "1:qNT4gtRqrZ4UGS2730LiR2eedgA="},
    {4, "e9ea0ec1", 0, "0cbb78bf", 53,
     6, 3001, 1, 53, 0, "1:b8Y6z4eAuzHYurrln6k512HyGKs="},
    {4, "396f0266", 0, "397f1e39", 4228,
     6, 1, 1, 4228, 0, "1:U64lFDSUDypHuTeT1sw7hGxLyeE="},
    {6, "09802dee167a0cb0e1109987a881bce1", 87, "6110a3961f092c3745f38cffb37d9eae", 80,
     6, 1, 1, 80, 87, "1:RRATdonKfN7ABfHu11kVZ+KJcSw="},
    {4, "69b7baf1", 0, "6e55bebb", 443,
     6, 0, 1, 443, 0, "1:cD2VM4z/8+wPE8NWh/EV3jtN0Ys="},
    {6, "fbfc07baf5750dcdef83b224a5d707f0", 133, "6be1b6b346d83d9c39d7fd1efd914b31", 7,
     58, 0, 1, 134, 12, "1:3xHmWRZMks61pjyv3ZEl7/ol7bM="},
    {6, "1c4d05b67a877314ebb3f611446f0667", 205, "1cb3bb5abba2075da70a95d0a621ff6d", 2,
     58, 31467, 0, 2, 205, "1:NXBH8u4GVEC1TzLu7k3ngZL56/s="},
    {4, "ae0759e9", 223, "51475f53", 10,
     1, 0, 0, 10, 223, "1:IE72VODPVkGO2gPtNbxUR3XWC2o="},
    {4, "186a6a3d", 0, "ca67b189", 58334,
     6, 44691, 1, 58334, 0, "1:1KuiKZxCFueOvtgR9dxLZQkTzQ8="},
    {4, "dfce4b0d", 58, "4b2434c7", 9,
     1, 1273, 0, 9, 58, "1:reTSPAxsf+nY/pzwFNzwp7xS2o8="},
    {4, "f28b3e61", 65535, "ae24b3c8", 443,
     51, 1, 1, 443, 65535, "1:LMJcQhniyCZ+nGAvX74lFfBj2UU="},
    {6, "758b7333e5d05d3cdf5fdc0008f0d670", 200, "55770043c5f2e539b9f91d296736e0e3", 53,
     6, 65535, 1, 53, 200, "1:WLQJSnBPFINvGCR3WCp+vRrLMcQ="},
    {4, "f67c0dc1", 20473, "1697c270", 6104,
     6, 1, 1, 6104, 20473, "1:qX6g9P/jvsKmpbpDyl8gLmzhSP4="},
    {6, "67d8dbb739b2bc74747617c7ffb9db87", 41334, "d26a785aef5662935f98e5de8c91cfbe", 80,
     6, 65535, 1, 80, 41334, "1:yqiyGXrI2f3L4wyDmTxTrnEOREs="},
    {4, "bc8b53aa", 0, "b7af229d", 55722,
     6, 0, 1, 55722, 0, "1:PQ5CdZxnuIbNbntVKdAjnuxIbOc="},
    {4, "3af01759", 13, "cdf6a33e", 5,
     1, 1, 1, 14, 10, "1:c7v2efGmJsnJ59l9rU0Ud+Gkzew="},
    {6, "1524cc8588e6689e4432ad696b5c3c14", 59089, "f31e214736f584a9c2c31ce8c25f30d3", 443,
     6, 1, 1, 443, 59089, "1:MMaoLpSAAXffISTHNGflyoZn+Gc="},
    {6, "1dff2a0ec914c4253ee21a4407525544", 143, "1dff2a0eca15f005cd60b9c0555d0f69", 42926,
     6, 1, 1, 42926, 143, "1:yRfL3gq4KSI3eKgpGD0M/l5dYuE="},
    {6, "e6ed1d459c8ca8a3315547d63934fd6a", 0, "e6ed1d459c8ca8a3315547f17a1951ae", 38908,
     132, 0, 1, 38908, 0, "1:bUmJNckkEwyf8zqfRVUXfAD4NOo="},
    {6, "dea7e6fe236bc1bb3cfb5ba7e03686b3", 65535, "dea7e6e61b4bab985928ef5e1410ed3b", 80,
     47, 30819, 1, 80, 65535, "1:pRqTRl4hEaiGC6gnYdOPHT/lUrw="},
    {6, "5f3840444b26928ea8f58e8029d3fdaf", 0, "8b31823fc73748d044c5cbc4933393fc", 53,
     6, 65535, 1, 53, 0, "1:eNkh4BEqM8nQ4Uv557HTYwL8x9w="},
    {6, "a54f8830d83cd9b432668ccfe1549c50", 65535, "33f90a51ac562b694bbbcb667bcd4a4f", 443,
     4, 32360, 1, 443, 65535, "1:wysyP5KfKS8koB5V13YeeeOyxHA="},
    {4, "1eb53344", 172, "4f70e288", 4,
     1, 8984, 0, 4, 172, "1:L0YvC+oPGi2ptU83+KLHKNZKVzs="},
    {6, "efe55560b1aaa724a5eca952218400b0", 24907, "1069a044a48ae280a2a990949d5389e2", 80,
     6, 1, 1, 80, 24907, "1:wWfxuiZZL1rSel2flma3C8k/pyM="},
    {4, "cf00d29e", 21307, "cfc1ec82", 53,
     6, 65535, 1, 53, 21307, "1:15SIFnFW6ZXxyHnxyqxczoSzjbs="},
    {4, "785506ba", 14493, "76ec38ed", 53,
     51, 0, 1, 53, 14493, "1:7HfF2vYZdKdClrnV4sYqC27TRsE="},
    {4, "465b1408", 15, "83d478c9", 4,
     1, 35612, 1, 16, 1, "1:CU6ViuhtGkl5XsN/eBmlXqMFk00="},
    {4, "2c564a68", 933, "2c56694b", 53,
     132, 0, 1, 53, 933, "1:XLeoEQRbMT8DGwQm043q0KZItAM="},
    {6, "0f148f27fb0ef41e08585c69807e1bdf", 65535, "0f148f27fb0ef41e08585c69807e8b46", 443,
     17, 0, 1, 443, 65535, "1:xlGqBuabIAhMzGPdHMJk6qkfRqw="},
    {6, "be7bbc0e13ca733474c852b6efc865d2", 0, "bc46d83f14309748f8b6c3cc5b7d0d7b", 80,
     6, 0, 1, 80, 0, "1:hoGfmSt3TpWrx8WC0ex/uuDBQLI="},
    {4, "6d030744", 997, "9dbb7301", 53,
     4, 48142, 1, 53, 997, "1:0pJfZU+oICp9sRh4ahLr5fHm7p0="},
    {6, "400e31bc5127e4f4a98bda2e73bd9e15", 134, "400e31bc5127e4f4a98bda2e73bd9e15", 7,
     58, 1, 1, 133, 2, "1:HUI0ll6lZjqF3e1T5gQDn+h8Cnc="},
    {6, "8f9089b738165103046b626b7dcff909", 30193, "9baeccf152aa8d12368a8924bfd1107c", 443,
     6, 0, 1, 443, 30193, "1:UitBCJTlGqpsS2g3UIQheWT3evY="},
    {6, "4f01ce62f97f4efc2936de6a33afc32d", 65535, "8f95c8d0c536f47132ec4456d6f71d48", 443,
     132, 55948, 1, 443, 65535, "1:v0NDmkVXFzckCCS6R660pdFLZhw="},
    {4, "a8683829", 8, "a6d2cadc", 1,
     1, 0, 1, 0, 5, "1:aJA49Y7AsYtHsst0Re7wGPRbt/0="},
    {6, "5f3adaacfcf8a0d5974227f38a1a98e7", 14018, "5f3adaacfc89cd1a6984eeb26f861a47", 8481,
     132, 1, 1, 8481, 14018, "1:umJtT1rlMq7DlSNahDBW4+xZwik="},
    {4, "843baac7", 65535, "843baac7", 53,
     2, 37918, 1, 53, 65535, "1:HmCWqBzY8fX86yWq54bJGxSgSc4="},
    {6, "e963fd382016d78008719e2e7c5f22ee", 65535, "75ddbd87a90e315284631a8acaf25ad8", 34323,
     6, 0, 1, 34323, 65535, "1:9Q3OCd40PUTFZo0PyoFnTi7fonM="},
    {4, "a486dce7", 174, "9178a103", 8,
     1, 21206, 0, 8, 174, "1:LRhVGPupU/I5K/ihUBrKaXjR8OM="},
    {4, "a0e64e10", 82, "a0e64efd", 2,
     1, 65535, 0, 2, 82, "1:et5Vuul/OyH8oUH3uu2WqDMUXRQ="},
    {6, "d07f3f8c5ad65698db7272d9b768bcb9", 1914, "d07f3f8c5ad65698db727222263e37b0", 45026,
     17, 0, 1, 45026, 1914, "1:FHS5IkkFVlGGKzygh4N+oP602Rk="},
    {6, "5c6b7deabcf3c252318fbe64c0923e96", 131, "7b52077a302da2670ae2776122e44b46", 8,
     58, 65535, 1, 130, 7, "1:X80oVHraMEfXTrXXlSsjDXCpOa0="},
    {4, "eee7bb94", 65535, "b1105f5b", 80,
     17, 0, 1, 80, 65535, "1:ySBGm97//MON1tbNAyjbBMgSZMY="},
    {6, "0c50b99a8a06989fa3b26e64a2eebe10", 65535, "4d11124b1cff018fb8ab2e39ef01fb54", 30078,
     132, 26969, 1, 30078, 65535, "1:9NpqarkUeHllZEoJGyDZbPiV2Yo="},
    {4, "7c998864", 19472, "b0c2cc6f", 53,
     6, 65535, 1, 53, 19472, "1:Bp2R8shKMGQjKIj4zwMLQsFGPck="},
    {6, "040ced303d65f24cc14577cd79448bf2", 0, "040ced303d65f24c40e132089a840db9", 53,
     6, 0, 1, 53, 0, "1:reGxa1aju9rkx2p9M7aPnODbbd4="},
    {6, "d5442a339327c68ef649ce996b624928", 319, "d5442a339327c68e521e55ca9a8eb0a6", 80,
     6, 65535, 1, 80, 319, "1:mid+MevbkU7jRRIhqLnDBLESfvg="},
    {4, "c0af8888", 65535, "c0af88bc", 80,
     17, 0, 1, 80, 65535, "1:7857tbOJ5Zn2Ro5UBg3lvN4+7N8="},
    {6, "af3b8769bb005afb38462af018e87409", 131, "5741ef35fe72e6b2cd512773fa024d51", 11,
     58, 37870, 1, 130, 2, "1:cGMsI3jCsiP8L+HVwNd1VmSkXCE="},
    {6, "f72cfb34b26e26868b035a129c3c482c", 0, "4b616180fb37e1747261dec67caed789", 0,
     6, 56009, 1, 0, 0, "1:0abTlx05l5ieauIiBshi+4H5kf0="},
    {6, "c15c54d1df671fba57f8d17cccc14d08", 0, "7a4bffb7b6aa77c0ff8c7def9568dc87", 53109,
     6, 0, 1, 53109, 0, "1:/rIp4q1k2nka3FPRXgoBnqbK81I="},
    {6, "5060bbb96f471c2cae989bc778c0720e", 2648, "1d4eda95643c62909a6a59b23fdc933d", 443,
     6, 1, 1, 443, 2648, "1:s8YstbyOFyniAjDuG2BaBWpuu3w="},
    {4, "a3074db5", 93, "a3b4aab0", 9,
     1, 65535, 0, 9, 93, "1:Tbny6+ZMhRgOyprLeyiI8mStgp8="},
    {4, "c1c6c3bd", 65535, "f0f64079", 443,
     6, 65535, 1, 443, 65535, "1:TgT3nkYEvxnx6+Yt2ekuA565tJA="},
    {6, "fe5a4d2aff08c22d8f9056f748ebfb73", 8875, "a769837619d9f112ee689d9ce982f01f", 53,
     6, 65535, 1, 53, 8875, "1:MhBDFBsCBM7lgGapE/wFyA712ZM="},
    {4, "533791b5", 65535, "514c30e1", 53,
     6, 65535, 1, 53, 65535, "1:35+I2vCx1N2dwdor++GZMw0gfdc="},
    {4, "5cbc9296", 65535, "d56d6e91", 443,
     51, 63648, 1, 443, 65535, "1:/yP5vGtjIfgZafkPHSO2XS5fRAU="},
    {6, "b38eccec4b06fc91811b2e34dbdf0270", 0, "667bddb7b1fe86c327a90548377ce000", 20795,
     17, 1, 1, 20795, 0, "1:njoJSzN6E7VRJflk97O+JIUg+0Y="},
    {6, "c0f0a86b1de88db626df978fab3f18ed", 7339, "a790339e87ab22c6732dca03821c6a2e", 7339,
     6, 32657, 1, 7339, 7339, "1:EdlJESCjT6PWYIlM7AnvohK3WrI="},
    {4, "0f2191c5", 19, "2df081ab", 49889,
     4, 50538, 1, 49889, 19, "1:pgVKmsYW0ph9Ld11He0TSg78HRM="},
    {4, "f437300a", 0, "5ea98e36", 0,
     4, 1, 1, 0, 0, "1:Vhop1Oez5VEYg4NOZo0vYLzkQLQ="},
    {4, "49cf6a14", 966, "c0d9d4c0", 80,
     6, 0, 1, 80, 966, "1:pUdd7ID3W9k5z8r/TuK4x3HKiAQ="},
    {4, "e79abb98", 0, "e79abb00", 80,
     17, 65535, 1, 80, 0, "1:o8o22rP5BbZOpKNMHvDGgVLsHo4="},
    {6, "5cadea9e16932089757df9088adf8263", 133, "1fb6105d721eefd9e48d505c657756c4", 1,
     58, 65535, 1, 134, 3, "1:HmMtq+g2T8tU9flYpWav/qKAqGg="},
    {6, "caba30c1c81bee1972c6093800bb8e18", 212, "7f11d07384fe8d9ca1acff9d8d873021", 6,
     58, 9401, 0, 6, 212, "1:r6q7ttcQMKfas02mpngwKrHG4pU="},
    {6, "07280776acdb7c15c5802e9001aaa45a", 35756, "07280776acdb7c15c5802e90c9bbe9b0", 80,
     6, 0, 1, 80, 35756, "1:RJVg7ZUPEfIf6OJrvQpeliCWynk="},
    {6, "efe0a4ad3a99d08bae41c5719ae1ae6e", 49640, "efe0a4ad3a99d08bae41c5719ae1ae6e", 52835,
     6, 0, 1, 52835, 49640, "1:FWsBltF1Ar4W/YV5seH8adO4oK4="},
    {6, "fe36885f89a26543a2cb634beb05cb7a", 433, "fe36884745d3d3f1a8a27ed92cf3a140", 53,
     17, 0, 1, 53, 433, "1:53pq6FpQ/gnXF1frEtQbHet5P0A="},
    {4, "895ae56b", 65535, "63a847a4", 80,
     6, 0, 1, 80, 65535, "1:8b2/W9FB5YhmHAHg9Garu9vo6jw="},
    {6, "a3bfbe97ee71aaff2b0be0b440c7841a", 0, "11cf7e54c3606a352cc693d0d22f8e91", 443,
     6, 44065, 1, 443, 0, "1:a6+2yWERDE1bM1jiSFQvh/HRGYI="},
    {4, "6afbca78", 3, "d6afd498", 11,
     1, 16831, 0, 11, 3, "1:0pXeVWKIK9aEhfyibylYJhRDiAQ="},
    {6, "d34c7625a3a2ca38af1f7a677ea09c26", 992, "afc1834115821f44232f1334eb4c4ff9", 53,
     6, 1, 1, 53, 992, "1:zYEzDEw27TpKFF7+mbuzgDDAAhs="},
    {4, "a788c454", 65535, "a788b7c3", 46905,
     6, 65535, 1, 46905, 65535, "1:j4lVkRK5uD2UUCggq8PfNCNtyxE="},
    {6, "9f187790551aa6f507decd900415e791", 609, "6287bdcd81477b81708801d3e00d1f02", 80,
     50, 0, 1, 80, 609, "1:zHGh4+XPTcCW77ND/q+XyvWo6Qo="},
    {6, "50e76aff57e9316df06eefcfda32aed6", 130, "0e32c08d6568ee10315fc354b8b3332d", 1,
     58, 53868, 1, 131, 3, "1:PES52NRqresxgJaVKhGMccgJIIs="},
    {4, "c072f06a", 65535, "9a6ba52e", 443,
     17, 0, 1, 443, 65535, "1:WtTbtNt7txAUZTGVtlIgyGi+vHY="},
    {6, "8cad7d11ec980f63f1eced8913c0db52", 63945, "d89a257fd1c68ff9ac48af1bdc7966d3", 443,
     17, 0, 1, 443, 63945, "1:3K3JUzX+njMc157lsMMR2gNzvxY="},
    {6, "0a1ec2f2eb2b49524ad1c3e992d63234", 437, "936d7baa68ae12bee168cdaa97849222", 437,
     6, 0, 1, 437, 437, "1:QElcVvoeLsDgIqU32z3Nx7OvXmU="},
    {4, "fea28d47", 65535, "0ce7658f", 80,
     6, 0, 1, 80, 65535, "1:13e8dhda75aAUrOpira4OHpCkoo="},
    {4, "aa230af5", 57172, "aa230af5", 5960,
     2, 1, 1, 5960, 57172, "1:kyphlguQHg8s8r4eG9z5V6HMdPo="},
    {4, "ee338f70", 120, "0e12ba9a", 7,
     1, 0, 0, 7, 120, "1:kLW0Dzc5TVsQqgbXoL+cf9CtJEo="},
    {4, "202a176a", 1006, "b4d23266", 21899,
     6, 65535, 1, 21899, 1006, "1:riYuSf84TPKjubQBiuqy/8+3hng="},
    {4, "57311dcc", 49540, "bcba0736", 61495,
     17, 37330, 1, 61495, 49540, "1:wfa440PeOGTTtLsJs2VmjWlQexs="},
    {6, "0a140aeac2ef8dd15f93360246df0a3d", 139, "e79664ba3dfa70d49edffc0fc878bf54", 13,
     58, 6263, 1, 140, 4, "1:a0g5LBCJ4AyiVqCBwl0PN0sQvK0="},
    {4, "a84d753e", 0, "d5777467", 443,
     17, 65535, 1, 443, 0, "1:uyfzVAVhkrdmVtLP0X5DzjBaJro="},
    {6, "aa161165d545318bbeaa5af23ad1da75", 170, "902965be6a4b5627c9442c65596ddb25", 10,
     58, 32419, 0, 10, 170, "1:69f6ENmW1Jf9bH5HKSgAoSmxu0I="},
    {4, "564c57f7", 16, "564c5789", 5,
     1, 1, 1, 15, 0, "1:m9pYVXNu1xM1tirk0+o9vme7kw0="},
    {6, "6d7bf9ba6c7178ff44080f4ebaddd57d", 677, "e3d4ac7c72efbea2c6634f8d737cbebc", 44705,
     17, 65535, 1, 44705, 677, "1:EFMbSPwXstJGIa+7bimufABVG0g="},
    {6, "09675d3c4d929d20feec215d7e661a73", 20074, "012cf3d0f4230404f3bdc2dc7f8dce75", 10614,
     6, 63100, 1, 10614, 20074, "1:WXDqLydG61YeAQp9Jc/P3uqpUvk="},
    {4, "d0b43337", 58052, "8f8f9dd4", 443,
     17, 1, 1, 443, 58052, "1:OxeFdNMSPGpNogGPPzXQuuoPh6E="},
    {4, "5259f701", 65535, "a4cd270a", 45513,
     6, 1, 1, 45513, 65535, "1:EUCc63roXgUZZ9bNu5bGaVdmT0k="},
    {4, "aea6072e", 15, "3a8b8db5", 4,
     1, 65535, 1, 16, 6, "1:MNSqJiL+Ml9Sj6tdiCGXfiTRKj8="},
    {4, "73f6be53", 65535, "3098a0c8", 53,
     6, 0, 1, 53, 65535, "1:XpwIdLD5KsHad6RmutQarctGPE8="},
    {4, "a8807af8", 0, "41c67278", 80,
     17, 12321, 1, 80, 0, "1:WIxLmMkBox2NxK3yYmnk7VI57Ho="},
    {4, "750d9f52", 54845, "b1d1ca5d", 80,
     17, 1, 1, 80, 54845, "1:8L2Qq46qFwmcPnl8iDz2/dWUFQc="},
    {6, "5c72e5d26b4ffbd0f37e7c0125a03368", 6, "328758dd0de64131f59e2b763db2e34b", 443,
     132, 1, 1, 443, 6, "1:O6DUozGHTVfwbwBTOAkrOwsXJRQ="},
    {6, "b27d1608c2dcf3b602390046cf5a4fae", 207, "e9218f144cb8d488c8b2ec7454c4a969", 443,
     6, 0, 1, 443, 207, "1:jwR/YujKPzK6ayDsueno/byoLCQ="},
    {6, "fc25b82a35cc05bd3a44b0ce7171bac5", 2443, "fc25b82a35cc05bd3a44bdd910fcab5c", 443,
     132, 65535, 1, 443, 2443, "1:JvblowA3yxnxkK3KRqIq6Y0DjoI="},
    {4, "a19dc239", 0, "9a6c47a0", 80,
     6, 0, 1, 80, 0, "1:3UrsaNXTjYlnQWb+UBDdoDNU5w0="},
    {4, "db418ce1", 0, "ea3a4c82", 443,
     4, 11107, 1, 443, 0, "1:z6wbM5oz5/+Ezo3mMeRWz9BRY7U="},
    {4, "0134c73f", 65535, "35a89ba1", 443,
     6, 64277, 1, 443, 65535, "1:/O/ALUD1Ijf71cfXYb+s8iv97oQ="},
    {4, "0656c8c2", 43504, "06562a6e", 80,
     6, 0, 1, 80, 43504, "1:/DCfLMSyEbx5QBegJc1gxN7A5Mw="},
    {4, "531c35af", 313, "9bd114fa", 53,
     6, 65535, 1, 53, 313, "1:UTPeVnap8LXtui3Z7/NOt+UByyg="},
    {6, "911422915d00a75d42ae52eac939f02d", 278, "917beb59da5a5f41a5fd38227da9311e", 53,
     6, 58712, 1, 53, 278, "1:0ptL9Wqd0hL0hqhpZJFNplhLQkE="},
    {4, "c9323fb9", 60869, "facf0ae4", 35214,
     6, 45655, 1, 35214, 60869, "1:Xu1SlZcxT7dWKaYXMbjCSJL0hR8="},
    {6, "00679d9b94f5307bf41ff58fb4075697", 65535, "ece553cfef3e4b68e6d1d57d7a82ec14", 49870,
     6, 53103, 1, 49870, 65535, "1:+GaIhzYTGGa0oeKu/Dx1rkbkDyM="},
    {6, "7889a10dd5d00f3389774480090335d2", 58849, "7889a10dd5d00f33897744803d00bac5", 80,
     17, 65535, 1, 80, 58849, "1:sLy3rwu6iVYS7xbjj/jyz3Jdics="},
    {6, "1210434b80110d5359e5e7426de777bc", 65535, "f837260f4f7ad0bb3ea40f64c4526849", 80,
     6, 56146, 1, 80, 65535, "1:kkNJtfjoxiDM4zzYO1Aj+2S2+Bg="},
    {4, "87ad41f2", 57835, "87ad4161", 57835,
     17, 0, 1, 57835, 57835, "1:hSlt45OfHSRkEyJeXVXEPp2/y88="},
    {6, "85ecf8829f046926c031ab13004f6a21", 59092, "a0db295e3855f7a64d91c06d3fa31606", 21995,
     255, 2229, 1, 21995, 59092, "1:gWDZuU93UqvUSGwJHE1epm9LI9Q="},
    {4, "bab28c0d", 0, "bab28c12", 443,
     6, 65535, 1, 443, 0, "1:Yx4j3sKP86qGz1WqC5cN02eDj9c="},
    {6, "677c864798d1b30d18cc5f91b855bfe9", 49599, "fddd6263e923e7f4867e1c537e58888f", 46846,
     6, 65535, 1, 46846, 49599, "1:CVb5SGYa5WMFt9RwcUvVWMMhvLc="},
    {6, "dd7b9559bdfe81e2f3e4da6c55495999", 223, "dd7b9559bdfe8156eb450b07c752b499", 7,
     58, 51420, 0, 7, 223, "1:OVN9f1j0SNoFJibuVc0ZjT8sHsk="},
    {6, "ef4d128f5a3bfa82aadc430454a6e5a0", 63, "ef4d128f5a3bfa82aadc430454704b7e", 6,
     58, 65535, 0, 6, 63, "1:E6B9/wqw3BUBgrDNET1NEVaPYu8="},
    {6, "412e5de1e9b858264086a413bd44edda", 794, "3b224160341b897f775dc26804c15ab3", 80,
     6, 61377, 1, 80, 794, "1:Nly5v1fcFF6QQH2hSh/AFfvSbjI="},
    {6, "2bfb902596b6bc4ba30b20913778ba06", 15098, "b6b6c3baca35cce2a7d01436a6e49f25", 15098,
     6, 1, 1, 15098, 15098, "1:NtT2eC1vYa/j+qcSqfTCeqNMt9w="},
    {6, "d6beba55c2152d9b5a9ca024e6732279", 15, "d6be12ff3979fe660894c77589e72cca", 10,
     58, 1, 0, 10, 15, "1:YR+NBQvjoSrEr9whDPX0RnTykKs="},
    {6, "0896ba58c1cabcc9f8a9da62fe542cf6", 65535, "0896ba58c1cabcc9f8a9da62fe547039", 53,
     6, 1, 1, 53, 65535, "1:vWFmlqMIniei6SqKwkVTRDAfLlg="},
    {6, "6518c4b57aa615546ada478893b4b4ca", 28080, "9172f727e5567bcc5878ef250a6ca0b9", 443,
     6, 65535, 1, 443, 28080, "1:DGninIekA42yCJF6qztBK+L+cYU="},
    {6, "5e9b803aa366ab78a318f7a316d4d270", 145, "5e9b803aa366ab78a318f7a316d4d270", 11,
     58, 1, 1, 144, 7, "1:4FpeDLTaiUl8X3q8peAMA2hyCAg="},
    {6, "a3c3c5219ef6baff8fd939492bf3675c", 0, "32a49cb78145d6ce283a8f14a2c05596", 53,
     17, 1, 1, 53, 0, "1:PpY24LUXA+uf1ydbInMU77C5BAo="},
    {6, "7825b544b30ae97ecf13884717eb5ac4", 0, "7825b544b30ae97ecf138835632a8478", 443,
     6, 65535, 1, 443, 0, "1:hdJf3LkshZLqG+FZ9xI9gKRympA="},
    {4, "e88a7668", 0, "e8318980", 39401,
     17, 4064, 1, 39401, 0, "1:xeVatqH1/C0QhsEuGdxAeYeMe0o="},
    {4, "5087d126", 65535, "5087d126", 65535,
     103, 65535, 1, 65535, 65535, "1:jQZalxYjNtw2Nkzl1Descmnv1ZI="},
    {4, "76ead883", 719, "ca4866ab", 40607,
     6, 0, 1, 40607, 719, "1:+kpu8MbJy6gd8iKYKQV4z6MQFRg="},
    {4, "a2cded43", 114, "005876f9", 12,
     1, 65535, 0, 12, 114, "1:jSXvi0THL2/yNBfcjXdHWzhH+nA="},
    {6, "07995eeb9c50c72e4cd21ee2f220f136", 0, "a0e0d4053774a1ab57ca24787d525e89", 80,
     6, 0, 1, 80, 0, "1:BxhOus4ocSZMGQIYNfXhbsIdDRQ="},
    {6, "b83677e09d70d2274b681af8c4d4c2c9", 468, "d6108f01c16822c0fd78efeb623524aa", 53,
     6, 65535, 1, 53, 468, "1:FviRic84y6tL+Ar3LN+iJDBjr5I="},
    {6, "2111343da3b4490c8421f0569066c9a5", 769, "9a89062f3422a61e994896115b8b4f24", 48601,
     6, 0, 1, 48601, 769, "1:HPwL/d+gLnAWblti2oev5RT+zhs="},
    {6, "73a6cb4fef89a026892f7b021e701767", 65535, "69f37530961f83e45cfeefebaa2d4d06", 80,
     132, 1, 1, 80, 65535, "1:D1ehfWGQOINsQrFhkULnlk2zKYI="},
    {6, "be27b0c6b6cbfa718f0976bffc3d8a4a", 779, "be27b0c6b6cbfa718fb082e5441aa1b7", 7046,
     17, 65535, 1, 7046, 779, "1:fnyFjryF8Og5qFHS5DewZTOx2KA="},
    {6, "84b0dcc35dc1ab0919dedcb765e1592a", 65535, "84b0dcc3716f9a85b495c727ad542132", 443,
     6, 65535, 1, 443, 65535, "1:QJNqI2rlU3r9ppq7yZY1yDqOKo0="},
    {6, "f42ef6011e9db5b7139cb651cd8aeee9", 144, "401f24c46de9a0dd614a972146168529", 12,
     58, 0, 1, 145, 13, "1:8sFuvbofgopYijjx9eLPOO3pK70="},
    {4, "541f5082", 990, "a7c3311c", 60510,
     6, 65535, 1, 60510, 990, "1:kOUwOrsTvkROjI6npw7rfojNNH8="},
    {6, "80bf8e1e8f9156dc4dbe0795e9e0cafe", 65535, "5c42303fabf9dc9777156f6b198a49ed", 5812,
     6, 0, 1, 5812, 65535, "1:8jAilTVuMw64ofDDEcZ/zOdk11w="},
    {4, "6447f428", 17, "5d172787", 11,
     1, 0, 1, 18, 6, "1:5Avczbr3bD1x46/g5kQBahZacao="},
    {6, "2de10915f2b340a1d307b8f5717d4342", 0, "64a8ed0b8f01012a44de5b1eb7f9aebf", 443,
     6, 1, 1, 443, 0, "1:cLSe+lExMkUYWRaVTczlVCQIH10="},
    {4, "cf2aa90b", 0, "9a659bdc", 443,
     255, 0, 1, 443, 0, "1:WTK0wN1/lJIhsPjZLSg0XsWv5bU="},
    {4, "cc92b9e7", 16646, "2881e7dd", 53,
     17, 0, 1, 53, 16646, "1:XmAOlp6+Fqi/kga6tzcCf3qJF9A="},
    {6, "bfd338bc107d004fb68fe5fcac26e67b", 0, "a11ab8899e10a8279350b9d0c8f18460", 80,
     17, 0, 1, 80, 0, "1:5v7rKIW/1gYEOKbFChT0WwtfDJs="},
    {4, "c47d9692", 27979, "5457cc98", 80,
     132, 65535, 1, 80, 27979, "1:hGKMk9H8N17plt3meY85u7ZQGhE="},
    {4, "141c0a22", 18236, "619030ae", 443,
     6, 21155, 1, 443, 18236, "1:AH4PFnu486cgGZ9ZOLagoSUUvzc="},
    {4, "bae8aa52", 29714, "d237809c", 11533,
     132, 27670, 1, 11533, 29714, "1:z9CXI0TSmXXoe2BZb2QHxpD+zS8="},
    {4, "92aec9de", 111, "92aec9cf", 15,
     1, 65535, 0, 15, 111, "1:M/LMMi60R1q3SpbDkA4tP0PqlSA="},
    {6, "bf78758085ecae81f17876771cc895ee", 0, "0851617a827cf7c311508009f18c1fb4", 53,
     4, 0, 1, 53, 0, "1:cYXumUFJiYbItcJdh2OZzvbUx88="},
    {6, "ba85c27d1f011630a72bf06ed3611165", 56081, "ba85c27d1f011630a72bf06ed3617fd1", 443,
     6, 1, 1, 443, 56081, "1:LGKMJWzgO31pr3QpHdIEzKanv6w="},
    {4, "6103779e", 0, "35867c07", 80,
     132, 1, 1, 80, 0, "1:gl+dFNPlJE/aB2tDL5iKvePBCM8="},
    {4, "cc5e43d4", 746, "892573f3", 53,
     6, 0, 1, 53, 746, "1:+xxImmB3XLmGAXuvvIlkZu9xFPU="},
    {4, "79fe3909", 126, "ba1feec2", 7,
     1, 1, 0, 7, 126, "1:qo82V921tY00fBC6nKCAkbOBjH4="},
    {4, "6f850873", 65535, "1c8d86e1", 80,
     17, 0, 1, 80, 65535, "1:pL8e/3+X6WsodP0o/jL7XdtQgn0="},
    {4, "4dac2bdf", 0, "c40426f2", 80,
     6, 0, 1, 80, 0, "1:s68riR66qDgFAPptMxfnIab+9BU="},
    {4, "e7610e3d", 580, "31ca0bde", 53,
     6, 35916, 1, 53, 580, "1:F172llK0ukL0DSFTvKh0O5pR8Og="},
    {6, "4cc08f36cccf43b1f337802ef5c3f5ce", 134, "e61169ffdcadf262ffb8d0f4f27680c0", 11,
     58, 1, 1, 133, 8, "1:0jyKJj6b9XJeZeVtFW4P+kHZzuc="},
    {6, "925478a5a452aec22ceacd94ec06f683", 0, "c5887319b19bec71d46db08c6afe2c0e", 53,
     17, 1, 1, 53, 0, "1:0rzCSpTsXfa6jpJwTNYiOVVvOuw="},
    {6, "e8bf1f6824145020bd80cb058a6296d1", 65535, "e8bf1f6824141ef74fe7cf909881f305", 26865,
     17, 1, 1, 26865, 65535, "1:SSJlc8aud6yAShwHFP0JwXzOUC8="},
    {6, "cbb27d973ca7e60c98dd42b4fcf58d71", 17440, "cbb27d973ca7e60c98dd42b42b7a4bfa", 80,
     6, 0, 1, 80, 17440, "1:HC8g7ef4CbgS+YsB+2Aj+UwbEAU="},
    {4, "c0697c13", 81, "c0d3662e", 443,
     6, 1, 1, 443, 81, "1:zmWYOc6HWq6V/sBysvXSKLH0Cm8="},
    {6, "1dc79ad4aab237bcd50b35f376baa3cb", 113, "1dc79ad4aab237bcd50b35f376baa3cb", 2,
     58, 0, 0, 2, 113, "1:THrKiLkOd1lwf7Qaww28RIf/gfE="},
    {6, "1c7b422495642bea30c98da5d5fa0275", 0, "60d63977ddfc7e52bf2a7cd49117a04b", 443,
     17, 0, 1, 443, 0, "1:lPTwJFVqyrVU0KxSnonvezxh50M="},
    {4, "f1b606cf", 35976, "42938c80", 53,
     6, 0, 1, 53, 35976, "1:yzz1IH5BBvyLtdLe9AY/eEDPvoc="},
    {6, "5627e336a10ec167ce7feff9dee13ef8", 33668, "e87517e8f982e83fe5a47eece183d16c", 443,
     17, 20390, 1, 443, 33668, "1:ME3Ay3UI5w5p6QtL5WBJNYobTrk="},
    {4, "e77c8c0e", 41345, "8f8089c9", 2143,
     6, 0, 1, 2143, 41345, "1:CN/u+c5Ho+uEK0TPNTYTmhiVC24="},
    {4, "5e060437", 13117, "5e068317", 28444,
     46, 1, 1, 28444, 13117, "1:zSZe6ceJ72XJwYku5OkjdAco/Ks="},
    {4, "064290a8", 65535, "66cae8af", 53,
     6, 65535, 1, 53, 65535, "1:3qeY3B2gIN1LcEe3dkT9Dg014gg="},
    {6, "ed2cff388e6b1fc11ae408f3a9d014ec", 128, "8a26790a625f0d2ddbd82c4732b1888c", 9,
     58, 0, 1, 129, 13, "1:XJAjL4AkgRk8nvigdM4FyEPAVoU="},
    {4, "2bb1e1c8", 574, "2bb1c039", 443,
     6, 65535, 1, 443, 574, "1:iwesjJFippL6TVtaX/rFgXEKtsc="},
    {4, "ea696431", 630, "703758b6", 80,
     132, 14999, 1, 80, 630, "1:g4z19W4bsHc5tK3uqlGVg3VxepE="},
    {4, "c297bde7", 33174, "f070d29d", 53,
     6, 0, 1, 53, 33174, "1:DXhk+GT3f5ycpjf61PW1n1pm3LI="},
    {6, "589586cef8dbc875eb53fab4c5a09e09", 1007, "3040f8fa53344f0b319100fcab86ae75", 53,
     132, 65535, 1, 53, 1007, "1:WczUbj+jxepw3dp6I6DNGb/mxuM="},
    {4, "20f70945", 500, "28dceed0", 443,
     6, 1, 1, 443, 500, "1:e9t5ISuH6n2EwDhboxAVMub6k08="},
    {4, "ca65809e", 0, "ca65809e", 80,
     6, 21174, 1, 80, 0, "1:h5ucAG6M0gqQnGyWVbRjfuZyB20="},
    {4, "25f6e7cb", 9, "27134eff", 9,
     1, 485, 1, 10, 4, "1:pP/HAIa8WPf5a8g2OAJwzWFmTUI="},
    {6, "d6ff208d6c4825c26cb84a0889ccd4ac", 65535, "4b759b50c2d8c31b9c2c3709f5e0e548", 443,
     17, 65535, 1, 443, 65535, "1:2p6ENtRq6hhh0rpjW23ey3x4gus="},
    {4, "cd4fb46b", 0, "4e6ec9d1", 0,
     6, 22314, 1, 0, 0, "1:ly2bTl6poykA3zJ044nR+ofGUkY="},
    {4, "4ba195b2", 0, "8036f700", 80,
     4, 1, 1, 80, 0, "1:jTOX75O9Q8prsGMwtqtEUCJaaYo="},
    {4, "b1d272ae", 65535, "b1d2727f", 80,
     132, 1, 1, 80, 65535, "1:7kHBpqZwAc1TDs790a/NfyrsvzY="},
    {4, "eda2baf5", 369, "eda235b2", 80,
     84, 0, 1, 80, 369, "1:AKI+At7MCSdyXt9muiqTSWbmbQQ="},
    {4, "d2de0e48", 43490, "d2de0e03", 53,
     6, 32687, 1, 53, 43490, "1:YuVE2bQgAgw/8Hc8IXWuwLZ4qiY="},
    {4, "544183ca", 0, "a725c365", 53,
     6, 65535, 1, 53, 0, "1:/A7ZRUgurbacjlmMmzggNMKcnhA="},
    {4, "c1f245ae", 65535, "e624c6dc", 443,
     6, 65535, 1, 443, 65535, "1:C21gE8sff/F+22HGqMEuasvluRY="},
    {4, "ca7c4bfb", 335, "9ef0648b", 53,
     6, 0, 1, 53, 335, "1:I33h19putsHT5FhyoKzKbKijMn8="},
    {6, "03a3a0546ce3f842930ba27df03d6671", 0, "d5b3eb9aca528b0b5e87e0c755a3e45a", 53,
     6, 65535, 1, 53, 0, "1:kR5hzrVm0J4i9Cuk64YhdB7rry4="},
    {6, "3590adb53e810a4303dc83daac2d6dd5", 45420, "3590adb53e810a4303dc83daac0b006b", 443,
     6, 0, 1, 443, 45420, "1:PUp3jOyW+H4P1AUttlD8iDEHc7g="},
    {4, "ee367213", 39763, "ee367213", 80,
     6, 1, 1, 80, 39763, "1:GjqNW/N4mIWMM00REaq3w/OmZd0="},
    {6, "6bdecacbc819d8ceecd90ee7ffab502c", 131, "498a5ba3514909e7042ef53b8643a081", 1,
     58, 0, 1, 130, 7, "1:FIZdWaEqZSg+siBk8FAvC5rBl6k="},
};

static void test_python_reference(void **state)
{
    (void)state;
    int checked = 0;
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        struct ts_addr a = addr_hex(ref[i].family, ref[i].a);
        struct ts_addr b = addr_hex(ref[i].family, ref[i].b);
        want_id(&a, ref[i].pa, &b, ref[i].pb, ref[i].proto, ref[i].seed, ref[i].id);
        checked++;
        if (ref[i].two_way) {
            want_id(&b, ref[i].rpa, &a, ref[i].rpb, ref[i].proto, ref[i].seed, ref[i].id);
            checked++;
        }
    }
    print_message("%d reference IDs from %zu tuples\n", checked, sizeof ref / sizeof ref[0]);
}

/* ---- Community ID: the edges ----------------------------------------------- */

static void test_ipv4_ignores_the_rest(void **state)
{
    (void)state;
    struct ts_addr a = addr("1.2.3.4"), b = addr("5.6.7.8");
    memset(a.a + 4, 0xa5, 12);
    memset(b.a + 4, 0x5a, 12);
    want_id(&a, 1122, &b, 3344, 6, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    want_id(&b, 3344, &a, 1122, 6, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
}

static void test_errors(void **state)
{
    (void)state;
    struct ts_addr v4 = addr("1.2.3.4"), v6 = addr("::1"), unset;
    memset(&unset, 0, sizeof unset);
    char out[TS_COMMUNITY_ID_SIZE + 4];

    memset(out, 'x', sizeof out);
    assert_int_equal(ts_community_id(&v4, 1, &v6, 2, 6, 0, out, sizeof out), -1);
    assert_string_equal(out, "");
    memset(out, 'x', sizeof out);
    assert_int_equal(ts_community_id(&unset, 1, &unset, 2, 6, 0, out, sizeof out), -1);
    assert_string_equal(out, "");
    struct ts_addr odd = v4;
    odd.family = 5;
    assert_int_equal(ts_community_id(&odd, 1, &odd, 2, 6, 0, out, sizeof out), -1);
    assert_int_equal(ts_community_id(NULL, 1, &v4, 2, 6, 0, out, sizeof out), -1);
    assert_int_equal(ts_community_id(&v4, 1, NULL, 2, 6, 0, out, sizeof out), -1);
    assert_int_equal(ts_community_id(&v4, 1, &v4, 2, 6, 0, NULL, 0), -1);

    /* one byte short of the NUL, then exactly enough */
    memset(out, 'x', sizeof out);
    assert_int_equal(ts_community_id(&v4, 1, &v4, 2, 6, 0, out, TS_COMMUNITY_ID_LEN), -1);
    assert_string_equal(out, "");
    memset(out, 'x', sizeof out);
    assert_int_equal(ts_community_id(&v4, 1, &v4, 2, 6, 0, out, TS_COMMUNITY_ID_SIZE),
                     TS_COMMUNITY_ID_LEN);
    assert_int_equal(out[TS_COMMUNITY_ID_LEN], '\0');
    assert_int_equal(out[TS_COMMUNITY_ID_SIZE], 'x');
    assert_memory_equal(out, "1:", 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha1_fips),
        cmocka_unit_test(test_sha1_lengths),
        cmocka_unit_test(test_base64_rfc4648),
        cmocka_unit_test(test_spec_tcp),
        cmocka_unit_test(test_spec_baseline),
        cmocka_unit_test(test_python_reference),
        cmocka_unit_test(test_ipv4_ignores_the_rest),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
