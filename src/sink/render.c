/* Rendering: one text or JSON line per segment, one per connection verdict.
 *
 * This is on the hot path of every trace, so fields are formatted by hand
 * into a 64 KiB buffer that is written in large blocks (no printf per field).
 * Text follows tcpdump's habits (addr.port, [S.] flags, relative numbers);
 * JSON is one object per line with the schema documented in README.md.
 */
#include "tcpshake/render.h"

#include <errno.h>
#include <inttypes.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpshake/communityid.h"
#include "../conn.h"
#include "tcpshake/sink.h"
#include "tcpshake/verdict.h"

/* ---- the output buffer ---------------------------------------------------- */

void ts_out_init(struct ts_out *o, FILE *f, bool line_flush)
{
    o->f = f;
    o->len = 0;
    o->line_flush = line_flush;
    o->write_error = false;
    o->write_errno = 0;
    o->tod_sec = UINT64_MAX;
    o->tod_len = 0;
}

/* Our buffer goes straight to the descriptor (after whatever stdio holds),
 * not through stdio's buffer: every output byte is copied once less. */
static void out_write(struct ts_out *o)
{
    fflush(o->f);
    int fd = fileno(o->f);
    const char *p = o->buf;
    size_t left = o->len;
    while (left && fd >= 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            o->write_error = true;
            o->write_errno = n < 0 ? errno : EIO;
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    if (fd < 0)
        fwrite(o->buf, 1, o->len, o->f);
    o->len = 0;
}

void ts_out_flush(struct ts_out *o)
{
    if (o->len)
        out_write(o);
    fflush(o->f);
}

/* Room for one whole line: no line we print is longer than this. */
#define LINE_MAX_BYTES 4096

static inline void reserve(struct ts_out *o)
{
    if (o->len > sizeof o->buf - LINE_MAX_BYTES)
        out_write(o);
}

static inline void end_line(struct ts_out *o)
{
    o->buf[o->len++] = '\n';
    if (o->line_flush)
        ts_out_flush(o);
}

static inline void put_c(struct ts_out *o, char c)
{
    o->buf[o->len++] = c;
}

static inline void put_n(struct ts_out *o, const char *s, size_t n)
{
    if (n > LINE_MAX_BYTES / 4)
        n = LINE_MAX_BYTES / 4;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static inline void put_s(struct ts_out *o, const char *s)
{
    put_n(o, s, strlen(s));
}

/* a string literal: a constant-size copy the compiler inlines ("" lit
 * does not compile for anything but a literal, so a pointer's size can never
 * be taken for the length) */
#define PUT_LIT(o, lit)                                                  \
    do {                                                                 \
        memcpy((o)->buf + (o)->len, "" lit, sizeof("" lit) - 1);         \
        (o)->len += sizeof("" lit) - 1;                                  \
    } while (0)

/* A name from a table of fixed 32-byte entries: copy all 32 bytes (the line
 * buffer always has room) and advance by the name's length. */
struct name32 {
    char s[32];
    unsigned char n;
};

static inline void put_name(struct ts_out *o, const struct name32 *nm)
{
    memcpy(o->buf + o->len, nm->s, sizeof nm->s);
    o->len += nm->n;
}

/* the decimal text of every byte value, for IPv4 addresses */
struct octet {
    char s[4];
    unsigned char n;
};

static const char digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Decimal digits of v: the bit length gives the count within one, a table
 * of powers of ten settles it. */
static const uint64_t pow10_tab[20] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
    100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
    10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
    100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
};

static inline unsigned ndigits(uint64_t v)
{
    v |= 1; /* same count for every v, and 0 has one digit */
    /* floor(log10(2^bits)) approximated by bits * 1233 / 4096 */
    unsigned bits = 64u - (unsigned)__builtin_clzll(v);
    unsigned n = (bits * 1233u) >> 12;
    return n + (v >= pow10_tab[n]);
}

/* Two digits at a time, right to left, ending at p. */
static inline void digits_back(char *p, uint32_t v)
{
    while (v >= 100) {
        uint32_t q = v / 100, i = (v - q * 100) * 2;
        v = q;
        p -= 2;
        memcpy(p, digits2 + i, 2);
    }
    if (v >= 10)
        memcpy(p - 2, digits2 + v * 2, 2);
    else
        p[-1] = (char)('0' + v);
}

/* decimal, written in place from the right; 32-bit arithmetic for the
 * eight low digits, which is all most numbers have */
static void put_u64(struct ts_out *o, uint64_t v)
{
    unsigned n = ndigits(v);
    char *p = o->buf + o->len + n;
    o->len += n;
    while (v >= 100000000u) {
        uint64_t q = v / 100000000u;
        uint32_t low = (uint32_t)(v - q * 100000000u);
        v = q;
        /* exactly eight digits, zeros included */
        for (int k = 0; k < 4; k++) {
            uint32_t lq = low / 100;
            p -= 2;
            memcpy(p, digits2 + (low - lq * 100) * 2, 2);
            low = lq;
        }
    }
    digits_back(p, (uint32_t)v);
}

/* v with exactly `digits` digits, zero padded (v < 10^digits) */
static void put_pad(struct ts_out *o, uint64_t v, int digits)
{
    char *p = o->buf + o->len + digits;
    int i = digits;
    for (; i >= 2 && v < 4294967296ull; i -= 2) {
        uint32_t w = (uint32_t)v, q = w / 100;
        p -= 2;
        memcpy(p, digits2 + (w - q * 100) * 2, 2);
        v = q;
    }
    for (; i > 0; i--) {
        *--p = (char)('0' + v % 10);
        v /= 10;
    }
    o->len += (size_t)digits;
}

static void put_hex(struct ts_out *o, const uint8_t *b, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        put_c(o, hx[b[i] >> 4]);
        put_c(o, hx[b[i] & 15]);
    }
}

static const struct octet octets[256] = {
    {"0", 1}, {"1", 1}, {"2", 1}, {"3", 1}, {"4", 1}, {"5", 1}, {"6", 1}, {"7", 1},
    {"8", 1}, {"9", 1}, {"10", 2}, {"11", 2}, {"12", 2}, {"13", 2}, {"14", 2}, {"15", 2},
    {"16", 2}, {"17", 2}, {"18", 2}, {"19", 2}, {"20", 2}, {"21", 2}, {"22", 2}, {"23", 2},
    {"24", 2}, {"25", 2}, {"26", 2}, {"27", 2}, {"28", 2}, {"29", 2}, {"30", 2}, {"31", 2},
    {"32", 2}, {"33", 2}, {"34", 2}, {"35", 2}, {"36", 2}, {"37", 2}, {"38", 2}, {"39", 2},
    {"40", 2}, {"41", 2}, {"42", 2}, {"43", 2}, {"44", 2}, {"45", 2}, {"46", 2}, {"47", 2},
    {"48", 2}, {"49", 2}, {"50", 2}, {"51", 2}, {"52", 2}, {"53", 2}, {"54", 2}, {"55", 2},
    {"56", 2}, {"57", 2}, {"58", 2}, {"59", 2}, {"60", 2}, {"61", 2}, {"62", 2}, {"63", 2},
    {"64", 2}, {"65", 2}, {"66", 2}, {"67", 2}, {"68", 2}, {"69", 2}, {"70", 2}, {"71", 2},
    {"72", 2}, {"73", 2}, {"74", 2}, {"75", 2}, {"76", 2}, {"77", 2}, {"78", 2}, {"79", 2},
    {"80", 2}, {"81", 2}, {"82", 2}, {"83", 2}, {"84", 2}, {"85", 2}, {"86", 2}, {"87", 2},
    {"88", 2}, {"89", 2}, {"90", 2}, {"91", 2}, {"92", 2}, {"93", 2}, {"94", 2}, {"95", 2},
    {"96", 2}, {"97", 2}, {"98", 2}, {"99", 2}, {"100", 3}, {"101", 3}, {"102", 3}, {"103", 3},
    {"104", 3}, {"105", 3}, {"106", 3}, {"107", 3}, {"108", 3}, {"109", 3}, {"110", 3}, {"111", 3},
    {"112", 3}, {"113", 3}, {"114", 3}, {"115", 3}, {"116", 3}, {"117", 3}, {"118", 3}, {"119", 3},
    {"120", 3}, {"121", 3}, {"122", 3}, {"123", 3}, {"124", 3}, {"125", 3}, {"126", 3}, {"127", 3},
    {"128", 3}, {"129", 3}, {"130", 3}, {"131", 3}, {"132", 3}, {"133", 3}, {"134", 3}, {"135", 3},
    {"136", 3}, {"137", 3}, {"138", 3}, {"139", 3}, {"140", 3}, {"141", 3}, {"142", 3}, {"143", 3},
    {"144", 3}, {"145", 3}, {"146", 3}, {"147", 3}, {"148", 3}, {"149", 3}, {"150", 3}, {"151", 3},
    {"152", 3}, {"153", 3}, {"154", 3}, {"155", 3}, {"156", 3}, {"157", 3}, {"158", 3}, {"159", 3},
    {"160", 3}, {"161", 3}, {"162", 3}, {"163", 3}, {"164", 3}, {"165", 3}, {"166", 3}, {"167", 3},
    {"168", 3}, {"169", 3}, {"170", 3}, {"171", 3}, {"172", 3}, {"173", 3}, {"174", 3}, {"175", 3},
    {"176", 3}, {"177", 3}, {"178", 3}, {"179", 3}, {"180", 3}, {"181", 3}, {"182", 3}, {"183", 3},
    {"184", 3}, {"185", 3}, {"186", 3}, {"187", 3}, {"188", 3}, {"189", 3}, {"190", 3}, {"191", 3},
    {"192", 3}, {"193", 3}, {"194", 3}, {"195", 3}, {"196", 3}, {"197", 3}, {"198", 3}, {"199", 3},
    {"200", 3}, {"201", 3}, {"202", 3}, {"203", 3}, {"204", 3}, {"205", 3}, {"206", 3}, {"207", 3},
    {"208", 3}, {"209", 3}, {"210", 3}, {"211", 3}, {"212", 3}, {"213", 3}, {"214", 3}, {"215", 3},
    {"216", 3}, {"217", 3}, {"218", 3}, {"219", 3}, {"220", 3}, {"221", 3}, {"222", 3}, {"223", 3},
    {"224", 3}, {"225", 3}, {"226", 3}, {"227", 3}, {"228", 3}, {"229", 3}, {"230", 3}, {"231", 3},
    {"232", 3}, {"233", 3}, {"234", 3}, {"235", 3}, {"236", 3}, {"237", 3}, {"238", 3}, {"239", 3},
    {"240", 3}, {"241", 3}, {"242", 3}, {"243", 3}, {"244", 3}, {"245", 3}, {"246", 3}, {"247", 3},
    {"248", 3}, {"249", 3}, {"250", 3}, {"251", 3}, {"252", 3}, {"253", 3}, {"254", 3}, {"255", 3},
};

/* RFC 5952 text form: lower case, no leading zeros, the longest run of two
 * or more zero groups (the first if tied) as "::" (IPv4-mapped as ::ffff:a.b.c.d) */
static void put_ip6(struct ts_out *o, const uint8_t *a)
{
    static const char hx[] = "0123456789abcdef";
    uint16_t g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len && j - i >= 2) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    bool mapped = best == 0 && best_len == 5 && g[5] == 0xffff;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            PUT_LIT(o, "::");
            i += best_len - 1;
            continue;
        }
        if (mapped && i == 6) {
            put_c(o, ':');
            for (int k = 12; k < 16; k++) {
                if (k > 12)
                    put_c(o, '.');
                put_u64(o, a[k]);
            }
            break;
        }
        if (i > 0 && i != best + best_len)
            put_c(o, ':');
        bool lead = true;
        for (int sh = 12; sh >= 0; sh -= 4) {
            unsigned nib = (g[i] >> sh) & 15u;
            if (lead && nib == 0 && sh > 0)
                continue;
            lead = false;
            put_c(o, hx[nib]);
        }
    }
}

static void put_addr(struct ts_out *o, const struct ts_addr *a)
{
    if (a->family == 4) {
        char *p = o->buf + o->len;
        for (int i = 0; i < 4; i++) {
            const struct octet *oc = &octets[a->a[i]];
            memcpy(p, oc->s, 4);
            p += oc->n;
            *p++ = '.';
        }
        o->len = (size_t)(p - o->buf) - 1;
    } else if (a->family == 6) {
        put_ip6(o, a->a);
    } else {
        PUT_LIT(o, "?");
    }
}

/* time of day, UTC: HH:MM:SS.uuuuuu (deterministic whatever the TZ) */
static void put_tod_slow(struct ts_out *o, uint64_t t_ns, bool date)
{
    uint64_t sec = t_ns / 1000000000u;
    if (date) {
        /* civil date from days since the epoch (Howard Hinnant's algorithm) */
        int64_t z = (int64_t)(sec / 86400) + 719468;
        int64_t era = z / 146097;
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t y = yoe + era * 400;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        int64_t dd = doy - (153 * mp + 2) / 5 + 1;
        int64_t mm = mp < 10 ? mp + 3 : mp - 9;
        y += mm <= 2;
        put_pad(o, (uint64_t)y, 4);
        put_c(o, '-');
        put_pad(o, (uint64_t)mm, 2);
        put_c(o, '-');
        put_pad(o, (uint64_t)dd, 2);
        put_c(o, ' ');
    }
    uint64_t s = sec % 86400;
    put_pad(o, s / 3600, 2);
    put_c(o, ':');
    put_pad(o, s / 60 % 60, 2);
    put_c(o, ':');
    put_pad(o, s % 60, 2);
    put_c(o, '.');
}

/* The "[date ]HH:MM:SS." prefix changes once a second: cache it. */
static void put_tod(struct ts_out *o, uint64_t t_ns, bool date)
{
    uint64_t sec = t_ns / 1000000000u;
    if (sec != o->tod_sec || date != o->tod_date) {
        size_t at = o->len;
        put_tod_slow(o, t_ns, date);
        o->tod_len = (unsigned)(o->len - at);
        memcpy(o->tod, o->buf + at, o->tod_len);
        o->tod_sec = sec;
        o->tod_date = date;
    } else {
        memcpy(o->buf + o->len, o->tod, sizeof o->tod);
        o->len += o->tod_len;
    }
    put_pad(o, t_ns % 1000000000u / 1000u, 6);
}

static void put_epoch(struct ts_out *o, uint64_t t_ns)
{
    put_u64(o, t_ns / 1000000000u);
    put_c(o, '.');
    put_pad(o, t_ns % 1000000000u, 9);
}

/* seconds with 6 decimals from a ns count */
static void put_secs(struct ts_out *o, uint64_t ns)
{
    put_u64(o, ns / 1000000000u);
    put_c(o, '.');
    put_pad(o, ns % 1000000000u / 1000u, 6);
}

/* JSON string: our strings are plain ASCII names; escape anyway */
static void put_jstr(struct ts_out *o, const char *s)
{
    put_c(o, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            put_c(o, '\\');
            put_c(o, (char)ch);
        } else if (ch < 0x20) {
            static const char hx[] = "0123456789abcdef";
            PUT_LIT(o, "\\u00");
            put_c(o, hx[ch >> 4]);
            put_c(o, hx[ch & 15]);
        } else {
            put_c(o, (char)ch);
        }
    }
    put_c(o, '"');
}

static void put_jaddr(struct ts_out *o, const struct ts_addr *a)
{
    put_c(o, '"');
    put_addr(o, a);
    put_c(o, '"');
}


/* ts_state_name() and ts_role_label(), padded for put_name: made from the
 * same lists (fsm.h, track.h) */
static const struct name32 state_names32[TS_STATE_COUNT] = {
#define STATE_NAME32(id, name) [TS_##id] = {name, sizeof name - 1},
    TS_STATE_LIST(STATE_NAME32)
#undef STATE_NAME32
};

static const struct name32 role_labels32[TS_ROLE_COUNT] = {
#define ROLE_LABEL32(id, name, label, kind) [TS_ROLE_##id] = {label, sizeof label - 1},
    TS_ROLE_LIST(ROLE_LABEL32)
#undef ROLE_LABEL32
};

/* ---- colours ---------------------------------------------------------------- */

#define C_RESET "\033[0m"
#define C_HS "\033[32m"    /* green: handshake */
#define C_TD "\033[33m"    /* yellow: teardown */
#define C_RST "\033[31m"   /* red: reset */
#define C_NOTE "\033[35m"  /* magenta: notes */
#define C_STATE "\033[36m" /* cyan: state changes */

static const char *role_colour(int role)
{
    switch (ts_role_kind((enum ts_role)role)) {
    case TS_KIND_HANDSHAKE: return C_HS;
    case TS_KIND_TEARDOWN: return C_TD;
    case TS_KIND_RESET: return C_RST;
    default: return NULL;
    }
}

/* ---- pieces ------------------------------------------------------------------ */

/* tcpdump's flag letters and order: F S R P . U E W e */
static void put_tflags(struct ts_out *o, const struct ts_seg *s)
{
    char fl[TS_FLAGS_STR_LEN];
    put_s(o, ts_flags_str(s->flags, s->ae, fl));
}

/* JSON flag letters, "FSRPAUEC" order */
static void put_jflags(struct ts_out *o, uint8_t f)
{
    static const char letters[] = "FSRPAUEC";
    put_c(o, '"');
    for (int i = 0; i < 8; i++)
        if (f & (1u << i))
            put_c(o, letters[i]);
    put_c(o, '"');
}

static void put_topts(struct ts_out *o, const struct ts_seg *s)
{
    const struct ts_opts *op = &s->opt;
    int sack_i = 0;
    for (int i = 0; i < op->n; i++) {
        const struct ts_opt_item *it = &op->items[i];
        if (i)
            put_c(o, ',');
        switch (it->kind) {
        case TS_OPT_EOL: PUT_LIT(o, "eol"); break;
        case TS_OPT_NOP: PUT_LIT(o, "nop"); break;
        case TS_OPT_MSS:
            if (op->present & TS_HAS_MSS) { PUT_LIT(o, "mss "); put_u64(o, op->mss); }
            else PUT_LIT(o, "mss?");
            break;
        case TS_OPT_WSCALE:
            if (op->present & TS_HAS_WSCALE) { PUT_LIT(o, "wscale "); put_u64(o, op->wscale); }
            else PUT_LIT(o, "wscale?");
            break;
        case TS_OPT_SACKOK: PUT_LIT(o, "sackOK"); break;
        case TS_OPT_SACK:
            PUT_LIT(o, "sack ");
            put_u64(o, op->sack_n);
            for (; sack_i < op->sack_n; sack_i++) {
                PUT_LIT(o, " {");
                put_u64(o, op->sack[sack_i][0]);
                put_c(o, ':');
                put_u64(o, op->sack[sack_i][1]);
                put_c(o, '}');
            }
            break;
        case TS_OPT_TS:
            if (op->present & TS_HAS_TS) {
                PUT_LIT(o, "TS val ");
                put_u64(o, op->tsval);
                PUT_LIT(o, " ecr ");
                put_u64(o, op->tsecr);
            } else {
                PUT_LIT(o, "TS?");
            }
            break;
        case TS_OPT_TFO:
            if (op->tfo_len == 0) {
                PUT_LIT(o, "tfo cookiereq");
            } else {
                PUT_LIT(o, "tfo cookie ");
                put_hex(o, op->tfo_cookie, op->tfo_len);
            }
            break;
        case TS_OPT_MPTCP: PUT_LIT(o, "mptcp"); break;
        default:
            PUT_LIT(o, "opt-");
            put_u64(o, it->kind);
            if (it->len > 2 && (size_t)it->offset + it->len <= op->raw_len) {
                put_c(o, ':');
                put_hex(o, op->raw + it->offset + 2, (size_t)it->len - 2);
            }
            break;
        }
    }
}

static void put_jopts(struct ts_out *o, const struct ts_seg *s)
{
    const struct ts_opts *op = &s->opt;
    bool first = true;
#define SEP() do { if (!first) put_c(o, ','); first = false; } while (0)
    put_c(o, '{');
    if (op->present & TS_HAS_MSS) { SEP(); PUT_LIT(o, "\"mss\":"); put_u64(o, op->mss); }
    if (op->present & TS_HAS_WSCALE) { SEP(); PUT_LIT(o, "\"wscale\":"); put_u64(o, op->wscale); }
    if (op->present & TS_HAS_SACKOK) { SEP(); PUT_LIT(o, "\"sackok\":true"); }
    if (op->present & TS_HAS_TS) {
        SEP();
        PUT_LIT(o, "\"ts\":[");
        put_u64(o, op->tsval);
        put_c(o, ',');
        put_u64(o, op->tsecr);
        put_c(o, ']');
    }
    if (op->present & TS_HAS_SACK) {
        SEP();
        PUT_LIT(o, "\"sack\":[");
        for (int i = 0; i < op->sack_n; i++) {
            if (i) put_c(o, ',');
            put_c(o, '[');
            put_u64(o, op->sack[i][0]);
            put_c(o, ',');
            put_u64(o, op->sack[i][1]);
            put_c(o, ']');
        }
        put_c(o, ']');
    }
    if (op->present & TS_HAS_TFO) {
        SEP();
        PUT_LIT(o, "\"tfo\":\"");
        put_hex(o, op->tfo_cookie, op->tfo_len);
        put_c(o, '"');
    }
    int nop = 0, others = 0;
    for (int i = 0; i < op->n; i++) {
        uint8_t k = op->items[i].kind;
        if (k == TS_OPT_NOP)
            nop++;
        else if (k == TS_OPT_EOL)
            continue;
        else if (k != TS_OPT_MSS && k != TS_OPT_WSCALE && k != TS_OPT_SACKOK &&
                 k != TS_OPT_SACK && k != TS_OPT_TS && k != TS_OPT_TFO)
            others++;
    }
    if (nop) { SEP(); PUT_LIT(o, "\"nop\":"); put_u64(o, (uint64_t)nop); }
    if (op->present & TS_HAS_EOL) { SEP(); PUT_LIT(o, "\"eol\":true"); }
    if (others) {
        SEP();
        PUT_LIT(o, "\"other\":[");
        bool f2 = true;
        for (int i = 0; i < op->n; i++) {
            const struct ts_opt_item *it = &op->items[i];
            uint8_t k = it->kind;
            if (k == TS_OPT_NOP || k == TS_OPT_EOL || k == TS_OPT_MSS || k == TS_OPT_WSCALE ||
                k == TS_OPT_SACKOK || k == TS_OPT_SACK || k == TS_OPT_TS || k == TS_OPT_TFO)
                continue;
            if (!f2) put_c(o, ',');
            f2 = false;
            PUT_LIT(o, "{\"kind\":");
            put_u64(o, k);
            PUT_LIT(o, ",\"len\":");
            put_u64(o, it->len);
            if (it->len > 2 && (size_t)it->offset + it->len <= op->raw_len) {
                PUT_LIT(o, ",\"data\":\"");
                put_hex(o, op->raw + it->offset + 2, (size_t)it->len - 2);
                put_c(o, '"');
            }
            put_c(o, '}');
        }
        put_c(o, ']');
    }
    put_c(o, '}');
#undef SEP
}

static const char *cksum_name(enum ts_cksum c)
{
    switch (c) {
    case TS_CK_GOOD: return "good";
    case TS_CK_BAD: return "bad";
    case TS_CK_OFFLOAD: return "offload";
    case TS_CK_UNCHECKED: break;
    }
    return "unchecked";
}

/* ---- segment lines ---------------------------------------------------------- */

/* JSON: "vlan":[ids] (every tag, outermost first) and, when there is any
 * other layer, "tunnel":[{"type":..., "id":..., "src":..., "dst":...}]. */
static void put_tunnels_json(struct ts_out *o, const struct ts_seg *s)
{
    bool any = false, other = false;
    for (int i = 0; i < s->ntun; i++) {
        if (s->tun[i].type != TS_TUN_VLAN) {
            other = true;
            continue;
        }
        put_s(o, any ? "," : ",\"vlan\":[");
        put_u64(o, s->tun[i].id);
        any = true;
    }
    if (any)
        put_c(o, ']');
    if (!other)
        return;
    PUT_LIT(o, ",\"tunnel\":[");
    for (int i = 0; i < s->ntun; i++) {
        const struct ts_tunnel *t = &s->tun[i];
        if (i)
            put_c(o, ',');
        PUT_LIT(o, "{\"type\":");
        put_jstr(o, ts_tun_name((enum ts_tun_type)t->type));
        if (t->type == TS_TUN_ERSPAN) {
            PUT_LIT(o, ",\"version\":");
            put_u64(o, t->sub);
        }
        if (t->flags & TS_TUNF_ID) {
            PUT_LIT(o, ",\"id\":");
            put_u64(o, t->id);
        }
        if (t->src.family) {
            PUT_LIT(o, ",\"src\":");
            put_jaddr(o, &t->src);
            PUT_LIT(o, ",\"dst\":");
            put_jaddr(o, &t->dst);
        }
        put_c(o, '}');
    }
    put_c(o, ']');
}

/* The layers in front of the inner IP header, outermost first: VLAN tags
 * as "vlan 10/20 " (tcpdump's habit), every other layer as "NAME [ID] | ". */
static void put_tunnels_text(struct ts_out *o, const struct ts_seg *s)
{
    for (int i = 0; i < s->ntun; i++) {
        const struct ts_tunnel *t = &s->tun[i];
        if (t->type == TS_TUN_VLAN) {
            bool first = i == 0 || s->tun[i - 1].type != TS_TUN_VLAN;
            if (first)
                PUT_LIT(o, "vlan ");
            else
                put_c(o, '/');
            put_u64(o, t->id);
            if (i + 1 == s->ntun || s->tun[i + 1].type != TS_TUN_VLAN)
                put_c(o, ' ');
            continue;
        }
        if (t->type == TS_TUN_MPLS) {
            /* a label stack: "mpls 16001/16002 | " */
            bool first = i == 0 || s->tun[i - 1].type != TS_TUN_MPLS;
            put_s(o, first ? "mpls " : "/");
            put_u64(o, t->id);
            if (i + 1 == s->ntun || s->tun[i + 1].type != TS_TUN_MPLS)
                PUT_LIT(o, " | ");
            continue;
        }
        put_s(o, ts_tun_name((enum ts_tun_type)t->type));
        if (t->type == TS_TUN_ERSPAN)
            put_u64(o, t->sub);
        if (t->type == TS_TUN_IPIP) {
            put_c(o, ' ');
            put_addr(o, &t->src);
            PUT_LIT(o, " > ");
            put_addr(o, &t->dst);
        }
        if (t->flags & TS_TUNF_ID) {
            if (t->type == TS_TUN_GRE)
                PUT_LIT(o, " key");
            put_c(o, ' ');
            if (t->type == TS_TUN_GTPU) {
                const uint8_t b[4] = {(uint8_t)(t->id >> 24), (uint8_t)(t->id >> 16),
                                      (uint8_t)(t->id >> 8), (uint8_t)t->id};
                PUT_LIT(o, "0x");
                put_hex(o, b, 4);
            } else {
                put_u64(o, t->id);
            }
        }
        PUT_LIT(o, " | ");
    }
}

static void render_seg_text(struct ts_out *o, const struct ts_render_cfg *cfg,
                            const struct ts_seg *s, const struct ts_event *ev)
{
    put_tod(o, s->t_ns, cfg->utc_date);
    put_c(o, ' ');
    if (ev && ev->conn_id) {
        put_c(o, '#');
        put_u64(o, ev->conn_id);
        put_c(o, ' ');
    }
    if (s->ntun)
        put_tunnels_text(o, s);
    if (s->ipver == 6)
        PUT_LIT(o, "IP6 ");
    else
        PUT_LIT(o, "IP ");
    put_addr(o, &s->src);
    put_c(o, '.');
    put_u64(o, s->sport);
    PUT_LIT(o, " > ");
    put_addr(o, &s->dst);
    put_c(o, '.');
    put_u64(o, s->dport);
    PUT_LIT(o, ": [");
    put_tflags(o, s);
    put_c(o, ']');

    bool rel = ev && ev->conn_id && !cfg->abs_seq;
    uint32_t slen = s->payload_len + ((s->flags & TS_TH_SYN) ? 1u : 0u) +
                    ((s->flags & TS_TH_FIN) ? 1u : 0u);
    if (slen > 0 || !(s->flags & TS_TH_ACK) || (s->flags & TS_TH_RST)) {
        PUT_LIT(o, " seq ");
        uint32_t seq = rel ? ev->rel_seq : s->seq;
        put_u64(o, seq);
        if (s->payload_len) {
            put_c(o, ':');
            put_u64(o, (uint32_t)(seq + s->payload_len));
        }
    } else {
        PUT_LIT(o, " seq ");
        put_u64(o, rel ? ev->rel_seq : s->seq);
    }
    if (s->flags & TS_TH_ACK) {
        PUT_LIT(o, " ack ");
        put_u64(o, rel && ev->rel_ack_valid ? ev->rel_ack : s->ack);
    }
    PUT_LIT(o, " win ");
    put_u64(o, s->win);
    if (s->urp || (s->flags & TS_TH_URG)) {
        PUT_LIT(o, " urg ");
        put_u64(o, s->urp);
    }
    if (s->opt.n) {
        PUT_LIT(o, " [");
        put_topts(o, s);
        put_c(o, ']');
    }
    PUT_LIT(o, " len ");
    put_u64(o, s->payload_len);

    if (ev && ev->conn_id) {
        const char *col = cfg->color ? role_colour(ev->role) : NULL;
        PUT_LIT(o, "  ");
        if (col)
            put_s(o, col);
        put_name(o, &role_labels32[ev->role < TS_ROLE_COUNT ? ev->role : 0]);
        if (ev->role == TS_ROLE_RESET) {
            PUT_LIT(o, " (");
            put_s(o, ts_rst_reason_name((enum ts_rst_reason)ev->rst_reason));
            PUT_LIT(o, ", by ");
            put_s(o, ev->dir == TS_C2S ? "client" : "server");
            put_c(o, ')');
        }
        if (col)
            PUT_LIT(o, C_RESET);
        for (int i = 0; i < 2; i++) {
            if (i == 0)
                PUT_LIT(o, "  client ");
            else
                PUT_LIT(o, "  server ");
            if (ev->old_state[i] != ev->new_state[i]) {
                if (cfg->color)
                    PUT_LIT(o, C_STATE);
                put_name(o, &state_names32[ev->old_state[i] % TS_STATE_COUNT]);
                if (cfg->utf8)
                    PUT_LIT(o, "\xe2\x86\x92");
                else
                    PUT_LIT(o, "->");
                put_name(o, &state_names32[ev->new_state[i] % TS_STATE_COUNT]);
                if (cfg->color)
                    PUT_LIT(o, C_RESET);
            } else {
                put_name(o, &state_names32[ev->new_state[i] % TS_STATE_COUNT]);
            }
        }
    }

    uint32_t notes = ev ? ev->notes : 0;
    if (notes || s->anomalies || s->cksum_state == TS_CK_BAD) {
        PUT_LIT(o, "  ");
        if (cfg->color)
            PUT_LIT(o, C_NOTE);
        put_c(o, '{');
        bool first = true;
        for (uint32_t left = notes; left; left &= left - 1) {
            uint32_t b = left & -left;
            if (b > TS_NOTE_LAST)
                break;
            if (!first)
                PUT_LIT(o, ", ");
            first = false;
            put_s(o, ts_note_name(b));
            if (b == TS_NOTE_DUP_ACK) {
                PUT_LIT(o, " #");
                put_u64(o, ev->dupack_n);
            } else if (b == TS_NOTE_BAD_ACK || b == TS_NOTE_BAD_SEQ) {
                PUT_LIT(o, " (expected ");
                put_u64(o, rel ? ev->expected_rel : ev->expected);
                put_c(o, ')');
            }
        }
        /* bad-checksum is already a note */
        for (uint32_t left = s->anomalies & ~(uint32_t)TS_AN_BAD_CKSUM; left; left &= left - 1) {
            uint32_t b = left & -left;
            if (b > TS_AN_LAST)
                break;
            if (!first)
                PUT_LIT(o, ", ");
            first = false;
            put_s(o, ts_anomaly_name(b));
        }
        if (!ev && s->cksum_state == TS_CK_BAD) {
            if (!first)
                PUT_LIT(o, ", ");
            PUT_LIT(o, "bad-checksum");
        }
        put_c(o, '}');
        if (cfg->color)
            PUT_LIT(o, C_RESET);
    }
}

static void render_seg_json(struct ts_out *o, const struct ts_seg *s,
                            const struct ts_event *ev)
{
    bool tracked = ev && ev->conn_id;
    PUT_LIT(o, "{\"type\":\"segment\",\"ts\":");
    put_epoch(o, s->t_ns);
    PUT_LIT(o, ",\"conn\":");
    if (tracked)
        put_u64(o, ev->conn_id);
    else
        PUT_LIT(o, "null");
    PUT_LIT(o, ",\"ipver\":");
    put_u64(o, s->ipver);
    PUT_LIT(o, ",\"src\":");
    put_jaddr(o, &s->src);
    PUT_LIT(o, ",\"sport\":");
    put_u64(o, s->sport);
    PUT_LIT(o, ",\"dst\":");
    put_jaddr(o, &s->dst);
    PUT_LIT(o, ",\"dport\":");
    put_u64(o, s->dport);
    PUT_LIT(o, ",\"dir\":");
    if (tracked)
        put_s(o, ev->dir == TS_C2S ? "\"c2s\"" : "\"s2c\"");
    else
        PUT_LIT(o, "null");
    PUT_LIT(o, ",\"flags\":");
    put_jflags(o, s->flags);
    PUT_LIT(o, ",\"seq\":");
    put_u64(o, s->seq);
    PUT_LIT(o, ",\"ack\":");
    put_u64(o, s->ack);
    PUT_LIT(o, ",\"rel_seq\":");
    if (tracked)
        put_u64(o, ev->rel_seq);
    else
        PUT_LIT(o, "null");
    PUT_LIT(o, ",\"rel_ack\":");
    if (tracked && ev->rel_ack_valid)
        put_u64(o, ev->rel_ack);
    else
        PUT_LIT(o, "null");
    PUT_LIT(o, ",\"len\":");
    put_u64(o, s->payload_len);
    PUT_LIT(o, ",\"win\":");
    put_u64(o, s->win);
    PUT_LIT(o, ",\"urg\":");
    put_u64(o, s->urp);
    PUT_LIT(o, ",\"options\":");
    put_jopts(o, s);
    PUT_LIT(o, ",\"checksum\":\"");
    put_s(o, cksum_name(s->cksum_state));
    put_c(o, '"');
    if (s->ntun)
        put_tunnels_json(o, s);
    PUT_LIT(o, ",\"role\":");
    if (tracked) {
        put_jstr(o, ts_role_name((enum ts_role)ev->role));
        PUT_LIT(o, ",\"rst_reason\":");
        if (ev->role == TS_ROLE_RESET)
            put_jstr(o, ts_rst_reason_name((enum ts_rst_reason)ev->rst_reason));
        else
            PUT_LIT(o, "null");
        PUT_LIT(o, ",\"client_state\":");
        put_jstr(o, ts_state_name((enum ts_state)ev->new_state[0]));
        PUT_LIT(o, ",\"server_state\":");
        put_jstr(o, ts_state_name((enum ts_state)ev->new_state[1]));
        PUT_LIT(o, ",\"client_prev\":");
        put_jstr(o, ts_state_name((enum ts_state)ev->old_state[0]));
        PUT_LIT(o, ",\"server_prev\":");
        put_jstr(o, ts_state_name((enum ts_state)ev->old_state[1]));
    } else {
        PUT_LIT(o, "null,\"rst_reason\":null,\"client_state\":null,\"server_state\":null,"
                   "\"client_prev\":null,\"server_prev\":null");
    }
    PUT_LIT(o, ",\"notes\":[");
    bool first = true;
    uint32_t notes = tracked ? ev->notes : 0;
    for (uint32_t b = 1; b && b <= TS_NOTE_LAST; b <<= 1) {
        if (!(notes & b))
            continue;
        if (!first)
            put_c(o, ',');
        first = false;
        put_jstr(o, ts_note_name(b));
    }
    for (uint32_t b = 1; b && b <= TS_AN_LAST; b <<= 1) {
        if (!(s->anomalies & b) || (tracked && b == TS_AN_BAD_CKSUM))
            continue;
        if (!first)
            put_c(o, ',');
        first = false;
        put_jstr(o, ts_anomaly_name(b));
    }
    put_c(o, ']');
    if (tracked && (ev->notes & (TS_NOTE_BAD_ACK | TS_NOTE_BAD_SEQ))) {
        PUT_LIT(o, ",\"expected\":");
        put_u64(o, ev->expected);
    }
    if (tracked && (ev->notes & TS_NOTE_DUP_ACK)) {
        PUT_LIT(o, ",\"dup_ack_n\":");
        put_u64(o, ev->dupack_n);
    }
    put_c(o, '}');
}

void ts_render_seg(struct ts_out *o, const struct ts_render_cfg *cfg,
                   const struct ts_seg *s, const struct ts_event *ev)
{
    reserve(o);
    if (cfg->json)
        render_seg_json(o, s, ev);
    else
        render_seg_text(o, cfg, s, ev);
    end_line(o);
}

void ts_render_bad(struct ts_out *o, const struct ts_render_cfg *cfg,
                   uint64_t t_ns, uint32_t anomalies, const char *what)
{
    reserve(o);
    if (cfg->json) {
        PUT_LIT(o, "{\"type\":\"malformed\",\"ts\":");
        put_epoch(o, t_ns);
        PUT_LIT(o, ",\"what\":");
        put_jstr(o, what);
        PUT_LIT(o, ",\"notes\":[");
        bool first = true;
        for (uint32_t b = 1; b && b <= TS_AN_LAST; b <<= 1) {
            if (!(anomalies & b))
                continue;
            if (!first)
                put_c(o, ',');
            first = false;
            put_jstr(o, ts_anomaly_name(b));
        }
        PUT_LIT(o, "]}");
    } else {
        put_tod(o, t_ns, cfg->utc_date);
        PUT_LIT(o, " [");
        put_s(o, what);
        for (uint32_t b = 1; b && b <= TS_AN_LAST; b <<= 1) {
            if (!(anomalies & b))
                continue;
            PUT_LIT(o, ", ");
            put_s(o, ts_anomaly_name(b));
        }
        put_c(o, ']');
    }
    end_line(o);
}

/* ---- connection verdicts ---------------------------------------------------- */

static void put_endpoint(struct ts_out *o, const struct ts_addr *a, uint16_t port)
{
    if (a->family == 6) {
        put_c(o, '[');
        put_addr(o, a);
        put_c(o, ']');
    } else {
        put_addr(o, a);
    }
    put_c(o, ':');
    put_u64(o, port);
}

static void put_rtt_text(struct ts_out *o, int64_t us)
{
    if (us < 0) {
        put_c(o, '-');
        return;
    }
    put_u64(o, (uint64_t)us / 1000);
    put_c(o, '.');
    put_pad(o, (uint64_t)us % 1000, 3);
    PUT_LIT(o, " ms");
}

static void put_rtt_json(struct ts_out *o, int64_t us)
{
    if (us < 0) {
        PUT_LIT(o, "null");
        return;
    }
    put_u64(o, (uint64_t)us / 1000000);
    put_c(o, '.');
    put_pad(o, (uint64_t)us % 1000000, 6);
}

static const char *closed_by_name(const struct ts_conn *c)
{
    return c->closed_by == 1 ? "client" : c->closed_by == 2 ? "server" : NULL;
}

void ts_render_conn(struct ts_out *o, const struct ts_render_cfg *cfg,
                    const struct ts_conn *c, enum ts_end_reason why)
{
    reserve(o);
    const char *zstate = ts_zeek_conn_state(c);
    int64_t r1 = ts_rtt_syn_synack_us(c), r2 = ts_rtt_synack_ack_us(c);
    const char *cb = closed_by_name(c);
    uint64_t dur = c->t_last - c->t_first;
    if (cfg->json) {
        PUT_LIT(o, "{\"type\":\"conn\",\"conn\":");
        put_u64(o, c->id);
        PUT_LIT(o, ",\"client\":");
        put_jaddr(o, &c->addr[0]);
        PUT_LIT(o, ",\"client_port\":");
        put_u64(o, c->port[0]);
        PUT_LIT(o, ",\"server\":");
        put_jaddr(o, &c->addr[1]);
        PUT_LIT(o, ",\"server_port\":");
        put_u64(o, c->port[1]);
        PUT_LIT(o, ",\"start\":");
        put_epoch(o, c->t_first);
        PUT_LIT(o, ",\"end\":");
        put_epoch(o, c->t_last);
        PUT_LIT(o, ",\"duration\":");
        put_secs(o, dur);
        PUT_LIT(o, ",\"conn_state\":");
        put_jstr(o, zstate);
        PUT_LIT(o, ",\"history\":");
        put_jstr(o, c->history);
        PUT_LIT(o, ",\"completeness\":");
        put_u64(o, c->completeness);
        PUT_LIT(o, ",\"completeness_label\":");
        put_jstr(o, ts_completeness_label(c->completeness));
        PUT_LIT(o, ",\"closed_by\":");
        if (cb)
            put_jstr(o, cb);
        else
            PUT_LIT(o, "null");
        PUT_LIT(o, ",\"close_kind\":");
        put_jstr(o, ts_close_kind_name((enum ts_close_kind)c->close_kind));
        PUT_LIT(o, ",\"rst_reason\":");
        if (c->rst_reason)
            put_jstr(o, ts_rst_reason_name((enum ts_rst_reason)c->rst_reason));
        else
            PUT_LIT(o, "null");
        PUT_LIT(o, ",\"rtt_syn_synack\":");
        put_rtt_json(o, r1);
        PUT_LIT(o, ",\"rtt_synack_ack\":");
        put_rtt_json(o, r2);
        PUT_LIT(o, ",\"c2s_segments\":");
        put_u64(o, c->ep[0].segs);
        PUT_LIT(o, ",\"c2s_bytes\":");
        put_u64(o, c->ep[0].bytes);
        PUT_LIT(o, ",\"c2s_retransmissions\":");
        put_u64(o, c->ep[0].retrans);
        PUT_LIT(o, ",\"s2c_segments\":");
        put_u64(o, c->ep[1].segs);
        PUT_LIT(o, ",\"s2c_bytes\":");
        put_u64(o, c->ep[1].bytes);
        PUT_LIT(o, ",\"s2c_retransmissions\":");
        put_u64(o, c->ep[1].retrans);
        PUT_LIT(o, ",\"client_state\":");
        put_jstr(o, ts_state_name((enum ts_state)c->ep[0].state));
        PUT_LIT(o, ",\"server_state\":");
        put_jstr(o, ts_state_name((enum ts_state)c->ep[1].state));
        PUT_LIT(o, ",\"handshake\":");
        put_s(o, c->t_hs_ack || (c->simopen && c->ep[0].state >= TS_ESTABLISHED) ? "true" : "false");
        PUT_LIT(o, ",\"midstream\":");
        put_s(o, c->pickup ? "true" : "false");
        /* present only when true: Zeek ended its record 5 s after the close
         * and logs what came later as another connection */
        if (c->zsplit)
            PUT_LIT(o, ",\"zeek_split\":true");
        PUT_LIT(o, ",\"end_reason\":");
        put_jstr(o, ts_end_reason_name(why));
        /* Community ID v1 of the (inner) flow: joins with Zeek, Suricata,
         * Arkime records of the same connection */
        char cid[TS_COMMUNITY_ID_SIZE];
        if (ts_community_id(&c->addr[0], c->port[0], &c->addr[1], c->port[1], 6, 0, cid,
                            sizeof cid) > 0) {
            PUT_LIT(o, ",\"community_id\":");
            put_jstr(o, cid);
        }
        put_c(o, '}');
    } else {
        PUT_LIT(o, "== conn #");
        put_u64(o, c->id);
        put_c(o, ' ');
        put_endpoint(o, &c->addr[0], c->port[0]);
        PUT_LIT(o, " > ");
        put_endpoint(o, &c->addr[1], c->port[1]);
        PUT_LIT(o, "  ");
        put_secs(o, dur);
        PUT_LIT(o, " s  c2s ");
        put_u64(o, c->ep[0].segs);
        PUT_LIT(o, " seg ");
        put_u64(o, c->ep[0].bytes);
        PUT_LIT(o, " B  s2c ");
        put_u64(o, c->ep[1].segs);
        PUT_LIT(o, " seg ");
        put_u64(o, c->ep[1].bytes);
        PUT_LIT(o, " B  rtt ");
        put_rtt_text(o, r1);
        PUT_LIT(o, " / ");
        put_rtt_text(o, r2);
        PUT_LIT(o, "  close ");
        put_s(o, ts_close_kind_name((enum ts_close_kind)c->close_kind));
        if (cb) {
            PUT_LIT(o, " by ");
            put_s(o, cb);
        }
        if (c->rst_reason && c->close_kind != TS_CLOSE_REFUSED) {
            PUT_LIT(o, " (rst ");
            put_s(o, ts_rst_reason_name((enum ts_rst_reason)c->rst_reason));
            put_c(o, ')');
        }
        if (c->pickup)
            PUT_LIT(o, " (midstream)");
        PUT_LIT(o, "  final client ");
        put_s(o, ts_state_name((enum ts_state)c->ep[0].state));
        PUT_LIT(o, " server ");
        put_s(o, ts_state_name((enum ts_state)c->ep[1].state));
        PUT_LIT(o, "  zeek ");
        put_s(o, zstate);
        put_c(o, ' ');
        put_s(o, c->history[0] ? c->history : "-");
        PUT_LIT(o, "  tshark ");
        put_u64(o, c->completeness);
        PUT_LIT(o, " (");
        put_s(o, ts_completeness_label(c->completeness));
        PUT_LIT(o, ")  [");
        put_s(o, ts_end_reason_name(why));
        put_c(o, ']');
    }
    end_line(o);
}

/* ---- the text / JSON sink ------------------------------------------------- */

struct text_sink {
    struct ts_out *out;
    struct ts_render_cfg cfg;
};

static void text_seg(void *self, const struct ts_frame *f, const struct ts_seg *s,
                     const struct ts_event *ev)
{
    struct text_sink *t = self;
    (void)f;
    ts_render_seg(t->out, &t->cfg, s, ev);
}

static void text_bad(void *self, const struct ts_frame *f, const struct ts_seg *s,
                     const char *what)
{
    struct text_sink *t = self;
    ts_render_bad(t->out, &t->cfg, f->t_ns, s->anomalies, what);
}

static void text_conn(void *self, const struct ts_conn *c, enum ts_end_reason why)
{
    struct text_sink *t = self;
    ts_render_conn(t->out, &t->cfg, c, why);
}

static void text_flush(void *self)
{
    struct text_sink *t = self;
    ts_out_flush(t->out);
}

static bool text_broken(void *self)
{
    struct text_sink *t = self;
    return t->out->write_error;
}

/* Write errors on `out` stay the caller's to report (a closed pipe is not
 * an error there): finish only flushes. */
static int text_finish(void *self, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    text_flush(self);
    return 0;
}

static const struct ts_sink_ops text_ops = {
    .name = "text", .seg = text_seg, .bad = text_bad, .conn = text_conn,
    .flush = text_flush, .broken = text_broken, .finish = text_finish, .free = free,
};
static const struct ts_sink_ops summary_ops = {
    .name = "summary", .conn = text_conn,
    .flush = text_flush, .broken = text_broken, .finish = text_finish, .free = free,
};

struct ts_sink *ts_sink_text(struct ts_out *out, const struct ts_render_cfg *cfg,
                             bool summary)
{
    struct text_sink *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    t->out = out;
    t->cfg = *cfg;
    unsigned flags = TS_SINK_THREAD | TS_SINK_STDOUT | (summary ? TS_SINK_CONN_ONLY : 0);
    struct ts_sink *k = ts_sink_new(summary ? &summary_ops : &text_ops, t, flags);
    if (!k)
        free(t);
    return k;
}
