/* The parser: a recursive descent over lex.c's tokens, after packetdrill's
 * grammar (docs/script.md).  The first error ends the parse through
 * longjmp; everything is allocated in the script's arena, so nothing leaks
 * on that path. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- arena ----------------------------------------------------------------- */

struct ts_chunk {
    struct ts_chunk *next;
    size_t used, size;
    max_align_t data[];
};

struct ts_arena {
    struct ts_chunk *head;
};

struct ts_arena *ts_arena_new(void)
{
    return calloc(1, sizeof(struct ts_arena));
}

void *ts_arena_alloc(struct ts_arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + align - 1) / align * align;
    if (n == 0)
        n = align;
    struct ts_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > 65536 ? n : 65536;
        c = malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *ts_arena_strndup(struct ts_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *p = ts_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void ts_arena_free(struct ts_arena *a)
{
    if (!a)
        return;
    for (struct ts_chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

/* ---- parser state ------------------------------------------------------------ */

struct parser {
    struct ts_lexer lx;
    struct ts_tok tok;  /* the current token */
    struct ts_tok next; /* a look-ahead, when has_next */
    bool has_next;
    struct ts_arena *ar;
    struct ts_script *s;
    struct ts_script_err *err;
    const char *name;
    int depth;
    size_t cap_events, cap_options;
    /* packetdrill's definitions (-D SYM=VALUE): a word SYM reads as VALUE */
    struct pdef {
        const char *sym, *val;
        size_t symlen;
    } *defs;
    size_t ndefs, cap_defs;
    const char *const *defs_in; /* the caller's, taken before the script */
    size_t ndefs_in;
    jmp_buf fail;
};

static void set_err(struct ts_script_err *err, const char *name, unsigned line, unsigned col,
                    const char *msg)
{
    snprintf(err->msg, sizeof err->msg, "%s", msg);
    err->line = line;
    err->col = col;
    if (line)
        snprintf(err->text, sizeof err->text, "%s:%u:%u: %s", name, line, col, err->msg);
    else
        snprintf(err->text, sizeof err->text, "%s: %s", name, err->msg);
}

__attribute__((noreturn, format(printf, 4, 5))) static void
fail_at(struct parser *p, unsigned line, unsigned col, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    set_err(p->err, p->name, line, col, msg);
    longjmp(p->fail, 1);
}

#define FAIL(p, t, ...) fail_at((p), (t)->line, (t)->col, __VA_ARGS__)

static void *alloc(struct parser *p, size_t n)
{
    void *m = ts_arena_alloc(p->ar, n);
    if (!m)
        fail_at(p, p->tok.line, p->tok.col, "out of memory");
    return m;
}

static char *dup_text(struct parser *p, const char *s, size_t n)
{
    char *m = ts_arena_strndup(p->ar, s, n);
    if (!m)
        fail_at(p, p->tok.line, p->tok.col, "out of memory");
    return m;
}

/* Grow an arena array to hold at least n+1 elements. */
static void *grow(struct parser *p, void *arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap > SIZE_MAX / elem)
        fail_at(p, p->tok.line, p->tok.col, "out of memory");
    void *m = alloc(p, ncap * elem);
    if (arr)
        memcpy(m, arr, n * elem);
    *cap = ncap;
    return m;
}

/* A defined word becomes its value, as packetdrill's lexer reads it: "..."
 * a string, `...` a command, a whole number an integer, else a word. */
static void substitute(const struct parser *p, struct ts_tok *t)
{
    const char *v = NULL;
    for (size_t i = p->ndefs; i-- > 0;)
        if (p->defs[i].symlen == t->len && !memcmp(p->defs[i].sym, t->text, t->len)) {
            v = p->defs[i].val;
            break;
        }
    if (!v)
        return;
    size_t n = strlen(v);
    if (n >= 2 && (v[0] == '"' || v[0] == '`') && v[n - 1] == v[0]) {
        t->kind = v[0] == '"' ? TOK_STRING : TOK_BACKQ;
        t->text = v + 1;
        t->len = n - 2;
        return;
    }
    char *end;
    errno = 0;
    long long x = n ? strtoll(v, &end, 0) : 0;
    if (n && !*end && !errno) {
        t->kind = TOK_INT;
        t->num = x;
        t->hex = n > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
        t->overflow = false;
    } else {
        t->kind = TOK_WORD;
    }
    t->text = v;
    t->len = n;
}

static void lex(struct parser *p, struct ts_tok *t)
{
    char why[200];
    if (ts_lex_next(&p->lx, t, why, sizeof why) < 0)
        FAIL(p, t, "%s", why);
    if (t->kind == TOK_WORD && p->ndefs)
        substitute(p, t);
}

const char *ts_script_define_check(const char *d, size_t n)
{
    const char *eq = memchr(d, '=', n);
    if (!eq || eq == d)
        return "a definition is SYMBOL=VALUE";
    for (const char *c = d; c < eq; c++)
        if (!(*c == '_' || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
              (c > d && *c >= '0' && *c <= '9')))
            return "the symbol of a definition is a name (letters, digits, _)";
    return NULL;
}

/* SYM=VALUE; NULL when it is fine, else why not */
static const char *add_def(struct parser *p, const char *d, size_t n)
{
    const char *why = ts_script_define_check(d, n);
    if (why)
        return why;
    const char *eq = memchr(d, '=', n);
    p->defs = grow(p, p->defs, &p->cap_defs, p->ndefs, sizeof *p->defs);
    struct pdef *f = &p->defs[p->ndefs++];
    f->symlen = (size_t)(eq - d);
    f->sym = dup_text(p, d, f->symlen);
    f->val = dup_text(p, eq + 1, n - f->symlen - 1);
    return NULL;
}

static void advance(struct parser *p)
{
    if (p->has_next) {
        p->tok = p->next;
        p->has_next = false;
    } else {
        lex(p, &p->tok);
    }
}

static const struct ts_tok *peek(struct parser *p)
{
    if (!p->has_next) {
        lex(p, &p->next);
        p->has_next = true;
    }
    return &p->next;
}

/* How a token is named in messages: 'text', cut if long. */
static const char *describe(const struct ts_tok *t, char *buf, size_t len)
{
    switch (t->kind) {
    case TOK_EOF:
        return "the end of the script";
    case TOK_STRING:
        return "a string";
    case TOK_BACKQ:
        return "a command in backquotes";
    case TOK_CODE:
        return "python code %{ }%";
    case TOK_OPTION:
        snprintf(buf, len, "'--%.*s'", t->len > 32 ? 32 : (int)t->len, t->text);
        return buf;
    default:
        if (t->len > 32)
            snprintf(buf, len, "'%.32s...'", t->text);
        else
            snprintf(buf, len, "'%.*s'", (int)t->len, t->text);
        return buf;
    }
}

#define DESC(t) describe((t), (char[48]){0}, 48)

static bool is_punct(const struct ts_tok *t, char c)
{
    return t->kind == TOK_PUNCT && t->ch == c;
}

static bool is_word(const struct ts_tok *t, const char *w)
{
    return t->kind == TOK_WORD && t->len == strlen(w) && !memcmp(t->text, w, t->len);
}

static void expect_punct(struct parser *p, char c, const char *what)
{
    if (!is_punct(&p->tok, c))
        FAIL(p, &p->tok, "expected '%c' %s, not %s", c, what, DESC(&p->tok));
    advance(p);
}

/* A decimal integer in 0..max (packetdrill's INTEGER; no 0x here). */
static uint64_t expect_uint(struct parser *p, uint64_t max, const char *what)
{
    const struct ts_tok *t = &p->tok;
    if (t->kind != TOK_INT || t->hex)
        FAIL(p, t, "expected %s (a decimal number), not %s", what, DESC(t));
    if (t->overflow || t->num < 0 || (uint64_t)t->num > max)
        FAIL(p, t, "%s %s is out of range (0 to %llu)", what, DESC(t), (unsigned long long)max);
    uint64_t v = (uint64_t)t->num;
    advance(p);
    return v;
}

/* 0x... in 0..max (tos, flowlabel) */
static uint64_t expect_hex(struct parser *p, uint64_t max, const char *what)
{
    const struct ts_tok *t = &p->tok;
    if (t->kind != TOK_INT || !t->hex)
        FAIL(p, t, "expected %s as 0x hexadecimal, not %s", what, DESC(t));
    if (t->overflow || (uint64_t)t->num > max)
        FAIL(p, t, "%s %s is out of range (0 to 0x%llx)", what, DESC(t),
             (unsigned long long)max);
    uint64_t v = (uint64_t)t->num;
    advance(p);
    return v;
}

/* ---- times -------------------------------------------------------------------- */

/* An INT or FLOAT token as microseconds, exactly. */
static int64_t time_usecs(struct parser *p)
{
    const struct ts_tok *t = &p->tok;
    if (t->kind == TOK_INT && !t->hex) {
        if (t->num < 0)
            FAIL(p, t, "negative time %s", DESC(t));
        if (t->overflow || t->num > INT64_MAX / 1000000 / 2)
            FAIL(p, t, "time %s is too large", DESC(t));
        int64_t v = t->num * 1000000;
        advance(p);
        return v;
    }
    if (t->kind != TOK_FLOAT)
        FAIL(p, t, "expected a time in seconds, not %s", DESC(t));
    if (t->text[0] == '-')
        FAIL(p, t, "negative time %s", DESC(t));
    int64_t secs = 0, frac = 0;
    size_t i = 0;
    for (; t->text[i] != '.'; i++) {
        if (secs > INT64_MAX / 1000000 / 20)
            FAIL(p, t, "time %s is too large", DESC(t));
        secs = secs * 10 + (t->text[i] - '0');
    }
    int digits = 0;
    for (i++; i < t->len; i++, digits++) {
        if (digits < 6)
            frac = frac * 10 + (t->text[i] - '0');
        else if (t->text[i] != '0')
            FAIL(p, t, "time %s is finer than a microsecond", DESC(t));
    }
    for (; digits < 6; digits++)
        frac *= 10;
    advance(p);
    return secs * 1000000 + frac;
}

static void parse_time(struct parser *p, struct ts_script_time *tm)
{
    if (is_punct(&p->tok, '*')) {
        tm->kind = TS_SCRIPT_TIME_ANY;
        advance(p);
        return;
    }
    bool rel = is_punct(&p->tok, '+');
    if (rel)
        advance(p);
    tm->kind = rel ? TS_SCRIPT_TIME_REL : TS_SCRIPT_TIME_ABS;
    tm->usecs = time_usecs(p);
    if (is_punct(&p->tok, '~')) {
        advance(p);
        if (rel != is_punct(&p->tok, '+'))
            FAIL(p, &p->tok,
                 rel ? "a relative time range is written +A~+B" : "an absolute time range is written A~B");
        if (rel)
            advance(p);
        struct ts_tok at = p->tok;
        tm->end = TS_SCRIPT_END_RANGE;
        tm->end_usecs = time_usecs(p);
        if (tm->end_usecs < tm->usecs)
            FAIL(p, &at, "the time range ends before it starts");
    } else if (p->tok.kind == TOK_ELLIPSIS) {
        advance(p);
        struct ts_tok at = p->tok;
        tm->end = TS_SCRIPT_END_BLOCKING;
        tm->end_usecs = time_usecs(p);
        if (tm->end_usecs < tm->usecs)
            FAIL(p, &at, "the call cannot return before it starts");
    }
}

/* ---- packets ------------------------------------------------------------------- */

static void parse_ip_info(struct parser *p, struct ts_script_packet *pk)
{
    char closer = p->tok.ch == '[' ? ']' : ')';
    advance(p);
    const struct ts_tok *t = &p->tok;
    static const struct {
        const char *name;
        enum ts_script_ecn ecn;
    } ecns[] = {{"noecn", TS_SCRIPT_ECN_NOECN}, {"ect0", TS_SCRIPT_ECN_ECT0},
                {"ect1", TS_SCRIPT_ECN_ECT1},   {"ect01", TS_SCRIPT_ECN_ECT01},
                {"ce", TS_SCRIPT_ECN_CE}};
    bool tos_spec = false;
    for (size_t i = 0; i < sizeof ecns / sizeof ecns[0]; i++)
        if (is_word(t, ecns[i].name)) {
            if (ecns[i].ecn == TS_SCRIPT_ECN_ECT01 && pk->dir != TS_SCRIPT_OUT)
                FAIL(p, t, "[ect01] only goes with outbound packets (>)");
            pk->ecn = ecns[i].ecn;
            tos_spec = true;
            advance(p);
            break;
        }
    if (!tos_spec && is_word(t, "tos")) {
        advance(p);
        pk->has_tos = true;
        pk->tos = (uint8_t)expect_hex(p, 0xff, "tos");
        tos_spec = true;
    }
    if (tos_spec && is_punct(t, ','))
        advance(p);
    else if (tos_spec)
        goto done;
    if (is_word(t, "flowlabel")) {
        advance(p);
        pk->has_flowlabel = true;
        pk->flowlabel = (uint32_t)expect_hex(p, 0xfffff, "flowlabel");
    } else if (!tos_spec && is_word(t, "ttl")) {
        advance(p);
        pk->has_ttl = true;
        pk->ttl = (uint8_t)expect_uint(p, 255, "ttl");
    } else {
        FAIL(p, t,
             "unknown IP field %s (packetdrill has noecn, ect0, ect1, ect01, ce, "
             "tos 0xNN, flowlabel 0xNNNNN, ttl N)",
             DESC(t));
    }
done:
    if (!is_punct(t, closer))
        FAIL(p, t, "expected '%c' to end the IP fields, not %s", closer, DESC(t));
    advance(p);
}

static void parse_flags(struct parser *p, struct ts_script_packet *pk)
{
    const struct ts_tok *t = &p->tok;
    static const char letters[] = "FSRP.UEWA";
    if (is_punct(t, '-')) {
        pk->flags = 0;
        advance(p);
        return;
    }
    if (t->kind == TOK_WORD) {
        for (size_t i = 0; i < t->len; i++) {
            const char *l = memchr(letters, t->text[i], sizeof letters - 1);
            if (!l || *l == '.') {
                if (t->text[i] >= '0' && t->text[i] <= '7')
                    fail_at(p, t->line, t->col + (unsigned)i,
                            "AccECN ACE flag values are not supported");
                fail_at(p, t->line, t->col + (unsigned)i,
                        "'%c' is not a TCP flag (S . P F R E W U A, or - for none)",
                        t->text[i]);
            }
            uint16_t bit = (uint16_t)(1u << (l - letters));
            if (pk->flags & bit)
                fail_at(p, t->line, t->col + (unsigned)i, "TCP flag '%c' written twice",
                        t->text[i]);
            pk->flags |= bit;
        }
        advance(p);
        if (!is_punct(t, '.'))
            goto ace;
    } else if (!is_punct(t, '.')) {
        if (t->kind == TOK_FLOAT)
            FAIL(p, t, "AccECN ACE flag values are not supported");
        FAIL(p, t, "expected TCP flags (S . P F R E W U A, or - for none), not %s", DESC(t));
    }
    pk->flags |= TS_SCRIPT_ACK;
    advance(p);
ace:
    if (t->kind == TOK_FLOAT || (t->kind == TOK_WORD && t->text[0] >= '0' && t->text[0] <= '7'))
        FAIL(p, t, "AccECN ACE flag values are not supported");
}

static size_t opt_bytes(const struct ts_script_opt *o)
{
    switch (o->kind) {
    case TS_SCRIPT_OPT_EOL:
    case TS_SCRIPT_OPT_NOP:
        return 1;
    case TS_SCRIPT_OPT_MSS:
        return 4;
    case TS_SCRIPT_OPT_WSCALE:
        return 3;
    case TS_SCRIPT_OPT_SACKOK:
        return 2;
    case TS_SCRIPT_OPT_SACK:
        return 2 + 8u * o->nsack;
    case TS_SCRIPT_OPT_TS:
        return 10;
    case TS_SCRIPT_OPT_FO:
        return 2 + (size_t)o->cookie_len;
    case TS_SCRIPT_OPT_FOEXP:
        return 4 + (size_t)o->cookie_len;
    case TS_SCRIPT_OPT_MD5:
        return 2 + (size_t)o->cookie_len;
    }
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* what: "FO cookie" or "MD5 digest" */
static void parse_cookie(struct parser *p, struct ts_script_opt *o, size_t max, const char *what)
{
    const struct ts_tok *t = &p->tok;
    if (!(t->kind == TOK_WORD || (t->kind == TOK_INT && !t->hex && t->text[0] != '-')))
        return; /* no cookie: a cookie request */
    if (t->len % 2)
        FAIL(p, t, "the %s %s has an odd number of hex digits", what, DESC(t));
    if (t->len / 2 > max)
        FAIL(p, t, "the %s has %zu bytes, more than %zu", what, t->len / 2, max);
    for (size_t i = 0; i < t->len; i += 2) {
        int hi = hexval(t->text[i]), lo = hexval(t->text[i + 1]);
        if (hi < 0 || lo < 0)
            fail_at(p, t->line, t->col + (unsigned)i, "the %s %s is not hexadecimal", what,
                    DESC(t));
        o->cookie[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    o->cookie_len = (uint8_t)(t->len / 2);
    advance(p);
}

static void parse_option(struct parser *p, struct ts_script_opt *o)
{
    const struct ts_tok *t = &p->tok;
    if (is_word(t, "nop")) {
        o->kind = TS_SCRIPT_OPT_NOP;
        advance(p);
    } else if (is_word(t, "eol")) {
        o->kind = TS_SCRIPT_OPT_EOL;
        advance(p);
    } else if (is_word(t, "mss")) {
        o->kind = TS_SCRIPT_OPT_MSS;
        advance(p);
        o->a = (uint32_t)expect_uint(p, 65535, "mss");
    } else if (is_word(t, "wscale")) {
        o->kind = TS_SCRIPT_OPT_WSCALE;
        advance(p);
        o->a = (uint32_t)expect_uint(p, 255, "wscale");
    } else if (is_word(t, "sackOK")) {
        o->kind = TS_SCRIPT_OPT_SACKOK;
        advance(p);
    } else if (is_word(t, "sack")) {
        o->kind = TS_SCRIPT_OPT_SACK;
        advance(p);
        do {
            if (o->nsack == TS_SCRIPT_MAX_SACK)
                FAIL(p, t, "more than %d SACK blocks do not fit in the TCP options",
                     TS_SCRIPT_MAX_SACK);
            o->sack[o->nsack].left = (uint32_t)expect_uint(p, UINT32_MAX, "SACK left edge");
            expect_punct(p, ':', "between a SACK block's edges");
            o->sack[o->nsack].right = (uint32_t)expect_uint(p, UINT32_MAX, "SACK right edge");
            o->nsack++;
        } while (t->kind == TOK_INT);
    } else if (is_word(t, "TS")) {
        o->kind = TS_SCRIPT_OPT_TS;
        advance(p);
        if (!is_word(t, "val"))
            FAIL(p, t, "expected 'val' after TS (TS val N ecr N), not %s", DESC(t));
        advance(p);
        o->a = (uint32_t)expect_uint(p, UINT32_MAX, "TS val");
        if (!is_word(t, "ecr"))
            FAIL(p, t, "expected 'ecr' after TS val N (TS val N ecr N), not %s", DESC(t));
        advance(p);
        o->b = (uint32_t)expect_uint(p, UINT32_MAX, "TS ecr");
    } else if (is_word(t, "FO")) {
        o->kind = TS_SCRIPT_OPT_FO;
        advance(p);
        parse_cookie(p, o, TS_SCRIPT_MAX_COOKIE, "FO cookie");
    } else if (is_word(t, "FOEXP")) {
        o->kind = TS_SCRIPT_OPT_FOEXP;
        advance(p);
        parse_cookie(p, o, TS_SCRIPT_MAX_COOKIE - 2, "FO cookie");
    } else if (is_word(t, "md5")) {
        /* the digest as written, up to 16 bytes (shorter ones are invalid
         * on purpose, as packetdrill allows) */
        o->kind = TS_SCRIPT_OPT_MD5;
        advance(p);
        struct ts_tok at = *t;
        parse_cookie(p, o, 16, "MD5 digest");
        if (!o->cookie_len)
            FAIL(p, &at, "expected the MD5 digest (hex) after md5, not %s", DESC(&at));
    } else if (is_word(t, "ECN")) {
        FAIL(p, t, "the AccECN option is not supported yet");
    } else {
        FAIL(p, t,
             "unknown TCP option %s (packetdrill has nop, eol, mss N, wscale N, sackOK, "
             "sack L:R, TS val N ecr N, FO, FOEXP, md5)",
             DESC(t));
    }
}

static void parse_options(struct parser *p, struct ts_script_packet *pk)
{
    struct ts_tok open = p->tok;
    advance(p);
    if (p->tok.kind == TOK_ELLIPSIS) {
        if (pk->dir != TS_SCRIPT_OUT)
            FAIL(p, &open, "<...> (any options) only goes with outbound packets (>)");
        advance(p);
        pk->any_opts = true;
        expect_punct(p, '>', "after <...");
        return;
    }
    if (is_punct(&p->tok, '>'))
        FAIL(p, &p->tok, "an empty option list <>: leave it out for no options");
    size_t cap = 0, bytes = 0;
    for (;;) {
        if (pk->nopts == TS_SCRIPT_MAX_OPTS)
            FAIL(p, &p->tok, "more than %d TCP options", TS_SCRIPT_MAX_OPTS);
        pk->opts = grow(p, pk->opts, &cap, pk->nopts, sizeof *pk->opts);
        parse_option(p, &pk->opts[pk->nopts]);
        bytes += opt_bytes(&pk->opts[pk->nopts]);
        pk->nopts++;
        if (is_punct(&p->tok, '>'))
            break;
        if (!is_punct(&p->tok, ','))
            FAIL(p, &p->tok, "expected ',' or '>' in the TCP options, not %s", DESC(&p->tok));
        advance(p);
    }
    if (bytes > 40)
        FAIL(p, &open, "the TCP options take %zu bytes, more than the 40 a header holds", bytes);
    advance(p);
}

/* seq:end(len) */
static void parse_seq(struct parser *p, struct ts_script_packet *pk)
{
    const struct ts_tok *t = &p->tok;
    pk->seq = (uint32_t)expect_uint(p, UINT32_MAX, "the start sequence number");
    expect_punct(p, ':', "after the start sequence number (seq:end(len))");
    struct ts_tok end_at = *t;
    pk->end = (uint32_t)expect_uint(p, UINT32_MAX, "the end sequence number");
    expect_punct(p, '(', "before the payload length (seq:end(len))");
    pk->len = (uint16_t)expect_uint(p, 65535, "the payload length");
    expect_punct(p, ')', "after the payload length (seq:end(len))");
    if ((uint64_t)pk->seq + pk->len != pk->end)
        FAIL(p, &end_at, "%u:%u(%u): the end is not the start plus the length", pk->seq,
             pk->end, (unsigned)pk->len);
}

/* icmp TYPE [CODE] [mtu N] [id N] [[seq:end(len)]], at "icmp" */
static void parse_icmp(struct parser *p, struct ts_script_packet *pk)
{
    const struct ts_tok *t = &p->tok;
    if (pk->dir == TS_SCRIPT_OUT)
        FAIL(p, t, "an ICMP message sent by the stack (> icmp) is not checked: tcpshake "
                   "matches the TCP segments it sends");
    advance(p);
    if (t->kind != TOK_WORD)
        FAIL(p, t, "expected an ICMP type (unreachable, packet_too_big, type_N, ...), not %s",
             DESC(t));
    pk->icmp = true;
    pk->icmp_mtu = -1;
    pk->icmp_at[0].line = t->line;
    pk->icmp_at[0].col = t->col;
    struct ts_tok type_at = *t;
    pk->icmp_type = dup_text(p, t->text, t->len);
    advance(p);
    struct ts_tok code_at = *t;
    if (t->kind == TOK_WORD && !is_word(t, "mtu") && !is_word(t, "id")) {
        pk->icmp_code = dup_text(p, t->text, t->len);
        pk->icmp_at[1].line = t->line;
        pk->icmp_at[1].col = t->col;
        advance(p);
    }
    struct ts_tok mtu_at = *t;
    if (is_word(t, "mtu")) {
        advance(p);
        mtu_at = *t;
        pk->icmp_at[2].line = t->line;
        pk->icmp_at[2].col = t->col;
        pk->icmp_mtu = (int64_t)expect_uint(p, UINT32_MAX, "mtu");
    }
    if (is_word(t, "id")) {
        advance(p);
        pk->icmp_id = (uint16_t)expect_uint(p, 65535, "id");
    }
    /* the run's family is not known yet: a name of either is read here,
     * and checked for the run's before it starts (ts_script_check_cfg);
     * a refusal names the field, with the reason of the family that knows
     * the type */
    uint8_t ty, co;
    char why4[160], why6[160];
    int r4 = ts_script_icmp_lookup(4, pk->icmp_type, pk->icmp_code, pk->icmp_mtu, &ty, &co,
                                   why4, sizeof why4);
    int r6 = ts_script_icmp_lookup(6, pk->icmp_type, pk->icmp_code, pk->icmp_mtu, &ty, &co,
                                   why6, sizeof why6);
    if (r4 < 0 && r6 < 0) {
        if (r4 == TS_SCRIPT_ICMP_BAD_TYPE && r6 == TS_SCRIPT_ICMP_BAD_TYPE)
            FAIL(p, &type_at, "'%s' is not an ICMP type (unreachable, packet_too_big, "
                              "time_exceeded, parameter_problem, ..., or type_N)", pk->icmp_type);
        /* the field of the family that read further (fields fail in order) */
        const char *why = r4 <= r6 ? why4 : why6;
        FAIL(p, (r4 < r6 ? r4 : r6) == TS_SCRIPT_ICMP_BAD_MTU ? &mtu_at : &code_at, "%s", why);
    }
    if (is_punct(t, '[')) {
        advance(p);
        if (is_word(t, "udp") || is_word(t, "raw"))
            FAIL(p, t, "an ICMP message quoting a %s packet: tcpshake scripts are TCP",
                 is_word(t, "udp") ? "UDP" : "raw IP");
        parse_seq(p, pk);
        expect_punct(p, ']', "after the quoted segment ([seq:end(len)])");
    }
}

static void parse_packet(struct parser *p, struct ts_script_packet *pk)
{
    const struct ts_tok *t = &p->tok;
    pk->dir = t->ch == '<' ? TS_SCRIPT_IN : TS_SCRIPT_OUT;
    advance(p);
    if (is_word(t, "ipv4") || is_word(t, "ipv6") || is_word(t, "gre") ||
        is_word(t, "GREv0") || is_word(t, "mpls"))
        FAIL(p, t, "encapsulated packets (%.*s) are not supported", (int)t->len, t->text);
    if (is_punct(t, '[') || is_punct(t, '('))
        parse_ip_info(p, pk);
    if (is_word(t, "encap"))
        FAIL(p, t, "PSP encapsulation is not supported");
    if (is_word(t, "udp"))
        FAIL(p, t, "UDP packets are not supported: tcpshake scripts are TCP");
    if (is_word(t, "icmp")) {
        parse_icmp(p, pk);
        return;
    }
    if (t->kind == TOK_INT) {
        pk->sport = (uint16_t)expect_uint(p, 65535, "source port");
        expect_punct(p, '>', "between the source and destination ports");
        pk->dport = (uint16_t)expect_uint(p, 65535, "destination port");
    }
    parse_flags(p, pk);
    parse_seq(p, pk);
    if (is_word(t, "ack")) {
        advance(p);
        pk->has_ack = true;
        pk->ack = (uint32_t)expect_uint(p, UINT32_MAX, "ack");
    }
    if (is_word(t, "win")) {
        advance(p);
        pk->has_win = true;
        pk->win = (uint16_t)expect_uint(p, 65535, "win");
    }
    if (is_word(t, "urg")) {
        advance(p);
        pk->has_urg = true;
        pk->urg = (uint16_t)expect_uint(p, 65535, "urg");
    }
    if (is_punct(t, '<'))
        parse_options(p, pk);
    if (is_word(t, "ack") || is_word(t, "win") || is_word(t, "urg"))
        FAIL(p, t, "%s out of order: packetdrill's order is seq:end(len) ack N win N urg N <options>",
             DESC(t));
}

/* ---- expressions ---------------------------------------------------------------- */

struct kids {
    struct ts_script_expr **v;
    size_t n, cap;
};

static void push(struct parser *p, struct kids *k, struct ts_script_expr *e)
{
    k->v = grow(p, k->v, &k->cap, k->n, sizeof *k->v);
    k->v[k->n++] = e;
}

static struct ts_script_expr *new_expr(struct parser *p, enum ts_script_expr_kind kind,
                                       const struct ts_tok *at)
{
    struct ts_script_expr *e = alloc(p, sizeof *e);
    e->kind = kind;
    e->line = at->line;
    e->col = at->col;
    return e;
}

static struct ts_script_expr *parse_expr(struct parser *p, bool result);

/* ( expr, ... ) or [ ... ] or { ... }, the opener being the current token */
static void parse_list(struct parser *p, struct ts_script_expr *e, char closer, bool empty_ok)
{
    struct ts_tok open = p->tok;
    if (++p->depth > TS_SCRIPT_MAX_DEPTH)
        FAIL(p, &open, "nested deeper than %d levels", TS_SCRIPT_MAX_DEPTH);
    advance(p);
    struct kids k = {0};
    if (is_punct(&p->tok, closer)) {
        if (!empty_ok)
            FAIL(p, &p->tok, "an empty %c%c", open.ch, closer);
    } else {
        for (;;) {
            push(p, &k, parse_expr(p, false));
            if (is_punct(&p->tok, closer))
                break;
            if (!is_punct(&p->tok, ','))
                FAIL(p, &p->tok, "expected ',' or '%c', not %s", closer, DESC(&p->tok));
            advance(p);
        }
    }
    advance(p);
    p->depth--;
    e->kids = k.v;
    e->nkids = k.n;
}

static struct ts_script_expr *parse_primary(struct parser *p, bool result)
{
    struct ts_tok t = p->tok;
    struct ts_script_expr *e;
    switch (t.kind) {
    case TOK_ELLIPSIS:
        advance(p);
        return new_expr(p, TS_SCRIPT_EX_ELLIPSIS, &t);
    case TOK_INT:
        if (t.overflow)
            FAIL(p, &t, "the number %s is too large", DESC(&t));
        e = new_expr(p, TS_SCRIPT_EX_INT, &t);
        e->num = t.num;
        e->hex = t.hex;
        advance(p);
        return e;
    case TOK_FLOAT:
        FAIL(p, &t, "%s: values are whole numbers", DESC(&t));
    case TOK_STRING: {
        e = new_expr(p, TS_SCRIPT_EX_STRING, &t);
        size_t n = 0, cap = 0;
        char *buf = NULL;
        while (p->tok.kind == TOK_STRING) {
            if (n + p->tok.len + 1 > cap) {
                size_t ncap = (n + p->tok.len + 1) * 2;
                char *m = alloc(p, ncap);
                if (buf)
                    memcpy(m, buf, n);
                buf = m;
                cap = ncap;
            }
            if (!buf) /* never: alloc does not return NULL; for the analyser */
                fail_at(p, p->tok.line, p->tok.col, "out of memory");
            memcpy(buf + n, p->tok.text, p->tok.len);
            n += p->tok.len;
            buf[n] = '\0';
            advance(p);
        }
        e->text = buf;
        e->text_len = n;
        if (p->tok.kind == TOK_ELLIPSIS) {
            e->trailing_ellipsis = true;
            advance(p);
        }
        return e;
    }
    case TOK_PUNCT:
        if (t.ch == '[') {
            e = new_expr(p, TS_SCRIPT_EX_ARRAY, &t);
            parse_list(p, e, ']', true);
            return e;
        }
        if (t.ch == '{') {
            e = new_expr(p, TS_SCRIPT_EX_STRUCT, &t);
            parse_list(p, e, '}', false);
            return e;
        }
        break;
    case TOK_WORD: {
        char *name = dup_text(p, t.text, t.len);
        const struct ts_tok *n = peek(p);
        if (is_punct(n, '(') && ts_script_function_known(name)) {
            advance(p);
            e = new_expr(p, TS_SCRIPT_EX_CALL, &t);
            e->text = name;
            parse_list(p, e, ')', false);
        } else if (is_punct(n, '(') && !result) {
            FAIL(p, &t,
                 "unknown function %s (packetdrill has htons, inet_addr, inet6_addr, "
                 "msg_name, msg_iov)",
                 DESC(&t));
        } else if (is_punct(n, '=') && !result) {
            e = new_expr(p, TS_SCRIPT_EX_WORD, &t);
            e->text = name;
            advance(p);
        } else {
            if (!ts_script_symbol(name, NULL))
                FAIL(p, &t, "unknown symbol %s", DESC(&t));
            e = new_expr(p, TS_SCRIPT_EX_WORD, &t);
            e->text = name;
            advance(p);
            return e;
        }
        if (is_punct(&p->tok, '=') && !result) {
            struct ts_script_expr *a = new_expr(p, TS_SCRIPT_EX_ASSIGN, &t);
            a->nkids = 2;
            a->kids = alloc(p, 2 * sizeof *a->kids);
            a->kids[0] = e;
            advance(p);
            if (++p->depth > TS_SCRIPT_MAX_DEPTH)
                FAIL(p, &t, "nested deeper than %d levels", TS_SCRIPT_MAX_DEPTH);
            a->kids[1] = parse_expr(p, false);
            p->depth--;
            return a;
        }
        return e;
    }
    default:
        break;
    }
    FAIL(p, &t, "expected a value, not %s", DESC(&t));
}

static struct ts_script_expr *parse_expr(struct parser *p, bool result)
{
    struct ts_script_expr *first = parse_primary(p, result);
    if (!is_punct(&p->tok, '|'))
        return first;
    struct ts_script_expr *e = new_expr(p, TS_SCRIPT_EX_OR, &(struct ts_tok){
                                                               .line = first->line,
                                                               .col = first->col});
    struct kids k = {0};
    push(p, &k, first);
    while (is_punct(&p->tok, '|')) {
        advance(p);
        push(p, &k, parse_primary(p, result));
    }
    e->kids = k.v;
    e->nkids = k.n;
    return e;
}

/* ( word word ... ) */
static const char *parse_note(struct parser *p)
{
    struct ts_tok open = p->tok;
    advance(p);
    size_t n = 0, cap = 0;
    char *buf = NULL;
    while (p->tok.kind == TOK_WORD || p->tok.kind == TOK_INT) {
        if (n + p->tok.len + 2 > cap) {
            size_t ncap = (n + p->tok.len + 2) * 2;
            char *m = alloc(p, ncap);
            if (buf)
                memcpy(m, buf, n);
            buf = m;
            cap = ncap;
        }
        if (!buf) /* never: alloc does not return NULL; for the analyser */
            fail_at(p, p->tok.line, p->tok.col, "out of memory");
        if (n)
            buf[n++] = ' ';
        memcpy(buf + n, p->tok.text, p->tok.len);
        n += p->tok.len;
        buf[n] = '\0';
        advance(p);
    }
    if (!n)
        FAIL(p, &open, "an empty note ( )");
    if (!is_punct(&p->tok, ')'))
        FAIL(p, &p->tok, "a note in ( ) holds words only, not %s", DESC(&p->tok));
    advance(p);
    return buf;
}

static const char *errno_text(const char *name)
{
    int64_t v = 0;
    ts_script_symbol(name, &v);
    return strerror((int)v);
}

static void parse_syscall(struct parser *p, struct ts_script_syscall *c)
{
    struct ts_tok t = p->tok;
    c->name = dup_text(p, t.text, t.len);
    if (!ts_script_syscall_known(c->name))
        FAIL(p, &t, "unknown system call %s", DESC(&t));
    advance(p);
    struct ts_script_expr args = {0};
    p->depth = 0;
    parse_list(p, &args, ')', true);
    c->args = args.kids;
    c->nargs = args.nkids;
    if (!is_punct(&p->tok, '='))
        FAIL(p, &p->tok, "expected '=' and the expected result after %s(...), not %s",
             c->name, DESC(&p->tok));
    advance(p);
    c->result = parse_expr(p, true);
    if (p->tok.kind == TOK_WORD) {
        struct ts_tok e = p->tok;
        c->errno_name = dup_text(p, e.text, e.len);
        if (!ts_script_errno_known(c->errno_name) && ts_script_syscall_known(c->errno_name))
            FAIL(p, &e, "expected an event's time (0, +0.1, *) before %s", DESC(&e));
        if (!ts_script_errno_known(c->errno_name))
            FAIL(p, &e, "unknown errno name %s", DESC(&e));
        advance(p);
        if (!is_punct(&p->tok, '('))
            FAIL(p, &p->tok, "expected the text of %s in ( ), e.g. %s (%s), not %s",
                 c->errno_name, c->errno_name, errno_text(c->errno_name), DESC(&p->tok));
        c->note = parse_note(p);
    } else if (is_punct(&p->tok, '(')) {
        c->note = parse_note(p);
    }
}

/* ---- options, events, the script ------------------------------------------------ */

static void parse_option_line(struct parser *p)
{
    struct ts_tok t = p->tok;
    struct ts_script *s = p->s;
    char *name = dup_text(p, t.text, t.len);
    char arg;
    const char *refused;
    if (memchr(name, '-', t.len))
        FAIL(p, &t, "unknown option %s (packetdrill's options are written with '_')",
             DESC(&t));
    if (ts_script_option_lookup(name, &arg, &refused) < 0)
        FAIL(p, &t, "unknown option %s", DESC(&t));
    if (refused)
        FAIL(p, &t, "--%s: %s", name, refused);
    s->options = grow(p, s->options, &p->cap_options, s->noptions, sizeof *s->options);
    struct ts_script_option *o = &s->options[s->noptions++];
    o->line = t.line;
    o->col = t.col;
    o->name = name;
    /* the value is raw text: addresses and lists are not tokens */
    struct ts_lexer save = p->lx;
    struct ts_tok v;
    ts_lex_raw_word(&p->lx, &v);
    if (v.len && v.text[0] == '=') {
        v.text++;
        v.len--;
        v.col++;
        if (!v.len)
            ts_lex_raw_word(&p->lx, &v);
        if (!v.len)
            FAIL(p, &v, "--%s= has no value", name);
        if (arg == '-')
            FAIL(p, &t, "--%s takes no value", name);
        if (arg == 'n')
            for (size_t i = 0; i < v.len; i++)
                if (v.text[i] < '0' || v.text[i] > '9' || i >= 18)
                    FAIL(p, &v, "--%s: '%.*s' is not a number", name, (int)(v.len > 32 ? 32 : v.len),
                         v.text);
        o->value = dup_text(p, v.text, v.len);
    } else {
        p->lx = save;
        if (arg != '-')
            FAIL(p, &t, "--%s needs a value (--%s=...)", name, name);
    }
    advance(p);
}

static struct ts_script_event *new_event(struct parser *p, const struct ts_tok *at)
{
    struct ts_script *s = p->s;
    s->events = grow(p, s->events, &p->cap_events, s->nevents, sizeof *s->events);
    struct ts_script_event *ev = &s->events[s->nevents++];
    memset(ev, 0, sizeof *ev);
    ev->line = at->line;
    ev->col = at->col;
    return ev;
}

static void parse_event(struct parser *p)
{
    struct ts_tok start = p->tok;
    struct ts_script_time tm = {0};
    parse_time(p, &tm);
    struct ts_tok t = p->tok;
    struct ts_script_event *ev = new_event(p, &start);
    ev->time = tm;
    if (is_punct(&t, '<') || is_punct(&t, '>')) {
        if (tm.end == TS_SCRIPT_END_BLOCKING)
            FAIL(p, &start, "a time with ... (a blocking call) only goes with system calls");
        ev->kind = TS_SCRIPT_EV_PACKET;
        parse_packet(p, &ev->u.packet);
        if (ev->u.packet.dir != TS_SCRIPT_OUT && tm.kind == TS_SCRIPT_TIME_ANY)
            FAIL(p, &start, "'*' (any time) only goes with outbound packets (>)");
        if (ev->u.packet.dir != TS_SCRIPT_OUT && tm.end == TS_SCRIPT_END_RANGE)
            FAIL(p, &start, "a time range only goes with outbound packets (>)");
        return;
    }
    if (tm.kind == TS_SCRIPT_TIME_ANY)
        FAIL(p, &start, "'*' (any time) only goes with outbound packets (>)");
    if (tm.end == TS_SCRIPT_END_RANGE)
        FAIL(p, &start, "a time range only goes with outbound packets (>)");
    if (t.kind == TOK_BACKQ || t.kind == TOK_CODE) {
        if (tm.end == TS_SCRIPT_END_BLOCKING)
            FAIL(p, &start, "a time with ... (a blocking call) only goes with system calls");
        const char *text = dup_text(p, t.text, t.len);
        if (t.kind == TOK_BACKQ) {
            ev->kind = TS_SCRIPT_EV_SHELL;
            ev->u.shell = text;
        } else {
            ev->kind = TS_SCRIPT_EV_CODE;
            ev->u.code = text;
        }
        advance(p);
        return;
    }
    if (t.kind == TOK_WORD && is_punct(peek(p), '(')) {
        ev->kind = TS_SCRIPT_EV_SYSCALL;
        parse_syscall(p, &ev->u.call);
        return;
    }
    if (is_word(&t, "udp") || is_word(&t, "icmp"))
        FAIL(p, &t, "expected '<' or '>' before a packet, not %s", DESC(&t));
    FAIL(p, &t, "expected a packet (< or >), a system call or a `command` after the time, not %s",
         DESC(&t));
}

static void parse_script(struct parser *p)
{
    struct ts_script *s = p->s;
    advance(p);
    while (p->tok.kind == TOK_OPTION)
        parse_option_line(p);
    if (p->tok.kind == TOK_BACKQ) {
        struct ts_script_event *ev = new_event(p, &p->tok);
        ev->kind = TS_SCRIPT_EV_SHELL;
        ev->u.shell = dup_text(p, p->tok.text, p->tok.len);
        s->init_event = 0;
        advance(p);
    }
    while (p->tok.kind != TOK_EOF) {
        const struct ts_tok *t = &p->tok;
        if (t->kind == TOK_OPTION)
            FAIL(p, t, "options (--%.*s) go before the first event", (int)(t->len > 32 ? 32 : t->len),
                 t->text);
        if (t->kind == TOK_BACKQ) {
            /* a command without a time: the cleanup command, last */
            struct ts_tok at = *t;
            struct ts_script_event *ev = new_event(p, t);
            ev->kind = TS_SCRIPT_EV_SHELL;
            ev->u.shell = dup_text(p, t->text, t->len);
            advance(p);
            if (p->tok.kind != TOK_EOF)
                FAIL(p, &at,
                     "a command without a time is only allowed before the first event (init) "
                     "or after the last (cleanup)");
            s->cleanup_event = (int)(s->nevents - 1);
            break;
        }
        if (!(t->kind == TOK_INT || t->kind == TOK_FLOAT || is_punct(t, '+') || is_punct(t, '*')))
            FAIL(p, t, "expected an event's time (0, +0.1, *), not %s", DESC(t));
        parse_event(p);
    }
    if (s->nevents == (s->init_event >= 0) + (size_t)(s->cleanup_event >= 0))
        fail_at(p, p->tok.line, p->tok.col, "no events: a script needs at least one");
}

/* setjmp in a frame of its own: nothing here changes after it */
static int run(struct parser *p, const char *name)
{
    if (setjmp(p->fail))
        return -1;
    p->s->name = dup_text(p, name, strlen(name));
    for (size_t i = 0; i < p->ndefs_in; i++) {
        const char *d = p->defs_in[i] ? p->defs_in[i] : "";
        const char *why = add_def(p, d, strlen(d));
        if (why)
            fail_at(p, 0, 0, "-D %s: %s", d, why);
    }
    parse_script(p);
    return 0;
}

struct ts_script *ts_script_parse_string(const char *name, const char *text, size_t len,
                                         struct ts_script_err *err)
{
    return ts_script_parse_string_defs(name, text, len, NULL, 0, err);
}

struct ts_script *ts_script_parse_string_defs(const char *name, const char *text, size_t len,
                                              const char *const *defs, size_t ndefs,
                                              struct ts_script_err *err)
{
    struct ts_script_err dummy;
    if (!err)
        err = &dummy;
    memset(err, 0, sizeof *err);
    if (!name)
        name = "<string>";
    if (len > TS_SCRIPT_MAX_BYTES) {
        set_err(err, name, 0, 0, "larger than 16 MiB: not a script");
        return NULL;
    }
    struct ts_arena *ar = ts_arena_new();
    struct parser *p = calloc(1, sizeof *p);
    struct ts_script *s = ar ? ts_arena_alloc(ar, sizeof *s) : NULL;
    if (!p || !s) {
        set_err(err, name, 0, 0, "out of memory");
        free(p);
        ts_arena_free(ar);
        return NULL;
    }
    s->priv = ar;
    s->init_event = s->cleanup_event = -1;
    p->lx.src = text ? text : "";
    p->lx.len = text ? len : 0;
    p->lx.line = p->lx.col = 1;
    p->ar = ar;
    p->s = s;
    p->err = err;
    p->name = name;
    p->defs_in = defs;
    p->ndefs_in = ndefs;
    if (run(p, name) < 0) {
        free(p);
        ts_arena_free(ar);
        return NULL;
    }
    free(p);
    return s;
}

struct ts_script *ts_script_parse_file(const char *path, struct ts_script_err *err)
{
    return ts_script_parse_file_defs(path, NULL, 0, err);
}

struct ts_script *ts_script_parse_file_defs(const char *path, const char *const *defs,
                                            size_t ndefs, struct ts_script_err *err)
{
    struct ts_script_err dummy;
    if (!err)
        err = &dummy;
    memset(err, 0, sizeof *err);
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, path, 0, 0, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap > TS_SCRIPT_MAX_BYTES)
                break;
            char *m = realloc(buf, cap * 2);
            if (!m) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = m;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    bool rerr = ferror(f);
    fclose(f);
    if (!buf || rerr) {
        set_err(err, path, 0, 0, buf ? "cannot read it" : "out of memory");
        free(buf);
        return NULL;
    }
    struct ts_script *s = ts_script_parse_string_defs(path, buf, n, defs, ndefs, err);
    free(buf);
    return s;
}

void ts_script_free(struct ts_script *s)
{
    if (s)
        ts_arena_free(s->priv);
}
