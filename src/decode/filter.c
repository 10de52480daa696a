/* The inner filter (filter.h): words -> recursive descent -> a postfix
 * program of tests and AND/OR/NOT, run with a fixed-size stack.
 *
 * Recursion happens only for parentheses, at most TS_FILTER_MAX_DEPTH deep;
 * chains of 'not' and of and/or are loops.  Each nesting level leaves at
 * most two values pending on the run-time stack (the left operands of an
 * 'or' and of an 'and'), so the stack never holds more than
 * 2 * (TS_FILTER_MAX_DEPTH + 1) + 1 values: STACK below. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* inet_pton under -std=c17 */
#endif
#include "tcpshake/filter.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STACK (2 * (TS_FILTER_MAX_DEPTH + 1) + 2)

enum op {
    OP_NONE,  /* not (yet) a primitive */
    OP_NET,   /* host (a full-length prefix) or net */
    OP_PORT,  /* port or portrange: lo..hi */
    OP_IPVER, /* ip, ip6 */
    OP_TRUE,  /* tcp */
    OP_FLAG,  /* a TCP flag */
    OP_TUN,   /* a tunnel layer of one of some types with an id */
    OP_NOT,
    OP_AND,
    OP_OR,
};

enum side { SIDE_ANY, SIDE_SRC, SIDE_DST };

struct ins {
    uint8_t op;   /* enum op */
    uint8_t side; /* enum side */
    uint8_t fam;  /* OP_NET: 4 or 6; OP_IPVER: the version */
    uint8_t plen; /* OP_NET: prefix length; OP_FLAG: the TS_TH_* bit */
    uint16_t lo, hi;   /* OP_PORT */
    uint16_t tunmask;  /* OP_TUN: 1 << enum ts_tun_type, for each type */
    uint32_t id;       /* OP_TUN */
    uint8_t a[16];     /* OP_NET: the prefix, host bits zero */
};

struct ts_filter {
    size_t n;
    struct ins prog[];
};

struct tok {
    unsigned off, len;
};

struct parser {
    const char *src;
    struct tok *t;
    unsigned n, i; /* tokens, the next one */
    struct ins *prog;
    size_t np, cap;
    unsigned depth, sp, maxsp;
    bool failed;
    char *err;
    size_t errlen;
};

/* ---- errors ------------------------------------------------------------------ */

/* "at 'WORD' (word N): MSG" or, past the last word, "at the end: MSG". */
__attribute__((format(printf, 3, 4)))
static void fail(struct parser *p, unsigned ti, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    if (!p->err || !p->errlen)
        return;
    char where[96];
    if (ti < p->n) {
        char w[48];
        unsigned len = p->t[ti].len, shown = len < 40 ? len : 36;
        for (unsigned k = 0; k < shown; k++) {
            unsigned char c = (unsigned char)p->src[p->t[ti].off + k];
            w[k] = isprint(c) ? (char)c : '?';
        }
        if (shown < len)
            memcpy(w + shown, "...", 4);
        else
            w[shown] = '\0';
        snprintf(where, sizeof where, "at '%s' (word %u)", w, ti + 1);
    } else {
        snprintf(where, sizeof where, "at the end (after word %u)", p->n);
    }
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s: %s", where, msg);
}

/* ---- tokens ------------------------------------------------------------------ */

static bool is(const struct parser *p, unsigned ti, const char *word)
{
    if (ti >= p->n)
        return false;
    size_t len = strlen(word);
    return p->t[ti].len == len && memcmp(p->src + p->t[ti].off, word, len) == 0;
}

/* Copy token ti into buf (NUL-terminated); false if it does not fit. */
static bool copy_tok(const struct parser *p, unsigned ti, char *buf, size_t size)
{
    if (p->t[ti].len >= size)
        return false;
    memcpy(buf, p->src + p->t[ti].off, p->t[ti].len);
    buf[p->t[ti].len] = '\0';
    return true;
}

/* Whitespace separates words; '(' and ')' are words of their own even when
 * attached, and so is a '!' that starts a word ("!syn"). */
static unsigned tokenize(const char *s, struct tok *t)
{
    unsigned n = 0, i = 0;
    for (;;) {
        while (s[i] && isspace((unsigned char)s[i]))
            i++;
        if (!s[i])
            return n;
        if (s[i] == '(' || s[i] == ')' || (s[i] == '!' && s[i + 1] != '=')) {
            t[n++] = (struct tok){i, 1};
            i++;
            continue;
        }
        unsigned start = i;
        while (s[i] && !isspace((unsigned char)s[i]) && s[i] != '(' && s[i] != ')')
            i++;
        t[n++] = (struct tok){start, i - start};
    }
}

/* ---- code -------------------------------------------------------------------- */

static void emit(struct parser *p, const struct ins *in)
{
    if (p->failed)
        return;
    if (p->np == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        struct ins *np = realloc(p->prog, cap * sizeof *np);
        if (!np) {
            p->failed = true;
            snprintf(p->err, p->errlen, "out of memory");
            return;
        }
        p->prog = np;
        p->cap = cap;
    }
    p->prog[p->np++] = *in;
    if (in->op == OP_AND || in->op == OP_OR)
        p->sp--;
    else if (in->op != OP_NOT && ++p->sp > p->maxsp)
        p->maxsp = p->sp;
}

static void emit_op(struct parser *p, enum op op)
{
    struct ins in = {.op = (uint8_t)op};
    emit(p, &in);
}

/* A decimal number 0..max (digits only: no sign, no 0x). */
static bool number(const char *s, size_t len, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 10)
        return false;
    for (unsigned k = 0; k < len; k++) {
        if (s[k] < '0' || s[k] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[k] - '0');
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool parse_addr(const char *text, struct ins *in)
{
    memset(in->a, 0, sizeof in->a);
    if (inet_pton(AF_INET, text, in->a) == 1) {
        in->fam = 4;
        return true;
    }
    if (inet_pton(AF_INET6, text, in->a) == 1) {
        in->fam = 6;
        return true;
    }
    return false;
}

/* The word after keyword `kw` (at ti - 1): present, else an error. */
static bool arg(struct parser *p, unsigned ti, const char *kw, const char *what)
{
    if (ti < p->n && !is(p, ti, "(") && !is(p, ti, ")"))
        return true;
    fail(p, ti, "expected %s after '%s'", what, kw);
    return false;
}

#define PRIMS                                                                          \
    "host, net, port, portrange, ip, ip6, tcp, syn, ack, fin, rst, psh, urg, ece, "  \
    "cwr, vni, vlan, gre-key, teid, src, dst, not or '('"

static const struct {
    const char *name;
    uint8_t bit;
} flag_names[] = {
    {"syn", TS_TH_SYN}, {"ack", TS_TH_ACK}, {"fin", TS_TH_FIN}, {"rst", TS_TH_RST},
    {"psh", TS_TH_PSH}, {"urg", TS_TH_URG}, {"ece", TS_TH_ECE}, {"cwr", TS_TH_CWR},
};

static const struct {
    const char *name;
    uint16_t mask;
    uint32_t max;
} tun_names[] = {
    {"vni", 1u << TS_TUN_VXLAN | 1u << TS_TUN_GENEVE, 0xffffff},
    {"vlan", 1u << TS_TUN_VLAN, 4095},
    {"gre-key", 1u << TS_TUN_GRE, UINT32_MAX},
    {"teid", 1u << TS_TUN_GTPU, UINT32_MAX},
};

static void parse_prim(struct parser *p)
{
    struct ins in = {0};
    unsigned ti = p->i;
    if (ti >= p->n) {
        fail(p, ti, "expected " PRIMS);
        return;
    }
    if (is(p, ti, "src") || is(p, ti, "dst")) {
        in.side = is(p, ti, "src") ? SIDE_SRC : SIDE_DST;
        ti++;
        if (!(is(p, ti, "host") || is(p, ti, "net") || is(p, ti, "port") ||
              is(p, ti, "portrange"))) {
            fail(p, ti, "expected host, net, port or portrange after '%s'",
                 in.side == SIDE_SRC ? "src" : "dst");
            return;
        }
    }
    char buf[80];
    if (is(p, ti, "host")) {
        if (!arg(p, ti + 1, "host", "an IPv4 or IPv6 address"))
            return;
        ti++;
        if (!copy_tok(p, ti, buf, sizeof buf) || !parse_addr(buf, &in)) {
            fail(p, ti, "not an IPv4 or IPv6 address");
            return;
        }
        in.op = OP_NET;
        in.plen = in.fam == 4 ? 32 : 128;
    } else if (is(p, ti, "net")) {
        if (!arg(p, ti + 1, "net", "ADDR/LEN"))
            return;
        ti++;
        char *slash;
        uint32_t len;
        if (!copy_tok(p, ti, buf, sizeof buf) || !(slash = strchr(buf, '/'))) {
            fail(p, ti, "expected ADDR/LEN (an IPv4 or IPv6 network)");
            return;
        }
        *slash = '\0';
        if (!parse_addr(buf, &in)) {
            fail(p, ti, "'%s' is not an IPv4 or IPv6 address", buf);
            return;
        }
        unsigned max = in.fam == 4 ? 32 : 128;
        const char *ls = slash + 1;
        if (!number(ls, strlen(ls), max, &len)) {
            fail(p, ti, "prefix length '%s' is not a number in 0..%u", ls, max);
            return;
        }
        in.plen = (uint8_t)len;
        for (unsigned b = len; b < max; b++) {
            if (in.a[b / 8] & (0x80u >> (b % 8))) {
                fail(p, ti, "host bits set past /%u", len);
                return;
            }
        }
        in.op = OP_NET;
    } else if (is(p, ti, "port")) {
        uint32_t v;
        if (!arg(p, ti + 1, "port", "a port number"))
            return;
        ti++;
        if (!number(p->src + p->t[ti].off, p->t[ti].len, 65535, &v)) {
            fail(p, ti, "not a port number in 0..65535");
            return;
        }
        in.op = OP_PORT;
        in.lo = in.hi = (uint16_t)v;
    } else if (is(p, ti, "portrange")) {
        uint32_t lo, hi;
        if (!arg(p, ti + 1, "portrange", "N-M"))
            return;
        ti++;
        char *dash;
        if (!copy_tok(p, ti, buf, sizeof buf) || !(dash = strchr(buf, '-'))) {
            fail(p, ti, "expected N-M, two port numbers in 0..65535");
            return;
        }
        *dash = '\0';
        if (!number(buf, strlen(buf), 65535, &lo) ||
            !number(dash + 1, strlen(dash + 1), 65535, &hi)) {
            fail(p, ti, "expected N-M, two port numbers in 0..65535");
            return;
        }
        if (lo > hi) { /* as libpcap: either order */
            uint32_t x = lo;
            lo = hi;
            hi = x;
        }
        in.op = OP_PORT;
        in.lo = (uint16_t)lo;
        in.hi = (uint16_t)hi;
    } else if (is(p, ti, "ip") || is(p, ti, "ip6")) {
        in.op = OP_IPVER;
        in.fam = is(p, ti, "ip") ? 4 : 6;
    } else if (is(p, ti, "tcp")) {
        in.op = OP_TRUE;
    } else {
        for (size_t k = 0; k < sizeof flag_names / sizeof flag_names[0]; k++)
            if (is(p, ti, flag_names[k].name)) {
                in.op = OP_FLAG;
                in.plen = flag_names[k].bit;
            }
        for (size_t k = 0; k < sizeof tun_names / sizeof tun_names[0]; k++) {
            if (!is(p, ti, tun_names[k].name))
                continue;
            if (!arg(p, ti + 1, tun_names[k].name, "a number"))
                return;
            ti++;
            if (!number(p->src + p->t[ti].off, p->t[ti].len, tun_names[k].max, &in.id)) {
                fail(p, ti, "not a %s in 0..%lu", tun_names[k].name,
                     (unsigned long)tun_names[k].max);
                return;
            }
            in.op = OP_TUN;
            in.tunmask = tun_names[k].mask;
            break;
        }
        if (in.op == OP_NONE) {
            fail(p, ti, "expected " PRIMS);
            return;
        }
    }
    p->i = ti + 1;
    emit(p, &in);
}

static void parse_or(struct parser *p);

static void parse_not(struct parser *p)
{
    unsigned nots = 0;
    while (is(p, p->i, "not") || is(p, p->i, "!")) {
        p->i++;
        nots++;
    }
    if (is(p, p->i, "(")) {
        unsigned open = p->i;
        if (p->depth == TS_FILTER_MAX_DEPTH) {
            fail(p, open, "parentheses nested more than %d deep", TS_FILTER_MAX_DEPTH);
            return;
        }
        p->i++;
        p->depth++;
        parse_or(p);
        p->depth--;
        if (p->failed)
            return;
        if (!is(p, p->i, ")")) {
            if (p->i >= p->n)
                fail(p, p->i, "expected ')' to close the '(' of word %u", open + 1);
            else
                fail(p, p->i, "expected and, or or ')'");
            return;
        }
        p->i++;
    } else {
        parse_prim(p);
    }
    if (nots % 2)
        emit_op(p, OP_NOT);
}

static void parse_and(struct parser *p)
{
    parse_not(p);
    while (!p->failed && (is(p, p->i, "and") || is(p, p->i, "&&"))) {
        p->i++;
        parse_not(p);
        emit_op(p, OP_AND);
    }
}

static void parse_or(struct parser *p)
{
    parse_and(p);
    while (!p->failed && (is(p, p->i, "or") || is(p, p->i, "||"))) {
        p->i++;
        parse_and(p);
        emit_op(p, OP_OR);
    }
}

struct ts_filter *ts_filter_compile(const char *expr, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!expr) {
        snprintf(err, errlen, "no expression");
        return NULL;
    }
    size_t len = 0;
    while (len <= TS_FILTER_MAX_LEN && expr[len])
        len++;
    if (len > TS_FILTER_MAX_LEN) {
        snprintf(err, errlen, "expression longer than %d characters", TS_FILTER_MAX_LEN);
        return NULL;
    }
    struct tok *t = malloc((len + 1) * sizeof *t); /* at most one word a character */
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    struct parser p = {.src = expr, .t = t, .err = err, .errlen = errlen};
    p.n = tokenize(expr, t);
    if (p.n == 0) {
        snprintf(err, errlen, "empty expression");
        free(t);
        return NULL;
    }
    parse_or(&p);
    if (!p.failed && p.i < p.n) {
        if (is(&p, p.i, ")"))
            fail(&p, p.i, "')' without a '('");
        else
            fail(&p, p.i, "expected and, or or the end of the expression");
    }
    free(t);
    assert(p.failed || p.sp == 1); /* one value left: the verdict */
    struct ts_filter *f = NULL;
    if (!p.failed && p.maxsp <= STACK && (f = malloc(sizeof *f + p.np * sizeof f->prog[0]))) {
        f->n = p.np;
        memcpy(f->prog, p.prog, p.np * sizeof f->prog[0]);
    } else if (!p.failed) {
        snprintf(err, errlen, p.maxsp > STACK ? "expression too complex" : "out of memory");
    }
    free(p.prog);
    return f;
}

void ts_filter_free(struct ts_filter *f)
{
    free(f);
}

/* ---- matching ------------------------------------------------------------------ */

static bool in_net(const struct ins *in, const struct ts_addr *a)
{
    if (a->family != in->fam)
        return false;
    unsigned full = in->plen / 8, rest = in->plen % 8;
    if (memcmp(a->a, in->a, full) != 0)
        return false;
    if (rest) {
        uint8_t mask = (uint8_t)(0xffu << (8 - rest));
        if ((a->a[full] & mask) != in->a[full])
            return false;
    }
    return true;
}

static bool in_range(const struct ins *in, uint16_t port)
{
    return port >= in->lo && port <= in->hi;
}

static bool test(const struct ins *in, const struct ts_seg *s)
{
    switch (in->op) {
    case OP_NET:
        return (in->side != SIDE_DST && in_net(in, &s->src)) ||
               (in->side != SIDE_SRC && in_net(in, &s->dst));
    case OP_PORT:
        return (in->side != SIDE_DST && in_range(in, s->sport)) ||
               (in->side != SIDE_SRC && in_range(in, s->dport));
    case OP_IPVER:
        return s->ipver == in->fam;
    case OP_TRUE:
        return true;
    case OP_FLAG:
        return (s->flags & in->plen) != 0;
    case OP_TUN:
        for (unsigned k = 0; k < s->ntun && k < TS_MAX_TUN; k++) {
            const struct ts_tunnel *u = &s->tun[k];
            if (u->type < 16 && (in->tunmask >> u->type & 1) && (u->flags & TS_TUNF_ID) &&
                u->id == in->id)
                return true;
        }
        return false;
    default:
        return false;
    }
}

/* The program is one ts_filter_compile() made: postfix, every operator has
 * its operands on the stack, and the stack never holds more than STACK
 * (emit() counted it).  The asserts say so; a program that broke it would
 * read or write past st[]. */
bool ts_filter_match(const struct ts_filter *f, const struct ts_seg *s)
{
    bool st[STACK];
    unsigned sp = 0;
    for (size_t k = 0; k < f->n; k++) {
        const struct ins *in = &f->prog[k];
        switch (in->op) {
        case OP_NOT:
            assert(sp >= 1);
            st[sp - 1] = !st[sp - 1];
            break;
        case OP_AND:
            assert(sp >= 2);
            sp--;
            st[sp - 1] = st[sp - 1] && st[sp];
            break;
        case OP_OR:
            assert(sp >= 2);
            sp--;
            st[sp - 1] = st[sp - 1] || st[sp];
            break;
        default:
            assert(sp < STACK);
            st[sp++] = test(in, s);
            break;
        }
    }
    assert(sp == 1);
    return sp == 1 && st[0];
}
