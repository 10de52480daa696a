/* The normalized text of a parsed script: what parse.c reads back into the
 * same tree. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* snprintf-style output: need counts every byte, buf gets what fits */
struct out {
    char *buf;
    size_t len, need;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->need < o->len ? o->len - o->need : 0;
    int n = vsnprintf(room ? o->buf + o->need : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->need += (size_t)n;
}

static void put_bytes(struct out *o, const char *s, size_t n)
{
    size_t room = o->need < o->len ? o->len - o->need - 1 : 0;
    if (room)
        memcpy(o->buf + o->need, s, n < room ? n : room);
    o->need += n;
    if (o->len)
        o->buf[o->need < o->len ? o->need : o->len - 1] = '\0';
}

static void put_usecs(struct out *o, int64_t us)
{
    int64_t frac = us % 1000000;
    if (!frac) {
        put(o, "%" PRId64, us / 1000000);
        return;
    }
    char f[8];
    snprintf(f, sizeof f, "%06" PRId64, frac);
    size_t n = 6;
    while (f[n - 1] == '0')
        n--;
    put(o, "%" PRId64 ".%.*s", us / 1000000, (int)n, f);
}

static void put_time(struct out *o, const struct ts_script_time *t)
{
    switch (t->kind) {
    case TS_SCRIPT_TIME_NONE:
        return;
    case TS_SCRIPT_TIME_ANY:
        put(o, "* ");
        return;
    case TS_SCRIPT_TIME_REL:
        put(o, "+");
        break;
    case TS_SCRIPT_TIME_ABS:
        break;
    }
    put_usecs(o, t->usecs);
    if (t->end == TS_SCRIPT_END_RANGE) {
        put(o, t->kind == TS_SCRIPT_TIME_REL ? "~+" : "~");
        put_usecs(o, t->end_usecs);
    } else if (t->end == TS_SCRIPT_END_BLOCKING) {
        put(o, "...");
        put_usecs(o, t->end_usecs);
    }
    put(o, " ");
}

static void put_expr(struct out *o, const struct ts_script_expr *e)
{
    switch (e->kind) {
    case TS_SCRIPT_EX_INT:
        if (e->hex)
            put(o, "0x%" PRIx64, (uint64_t)e->num);
        else
            put(o, "%" PRId64, e->num);
        return;
    case TS_SCRIPT_EX_WORD:
        put(o, "%s", e->text);
        return;
    case TS_SCRIPT_EX_STRING:
        put(o, "\"");
        put_bytes(o, e->text, e->text_len);
        put(o, e->trailing_ellipsis ? "\"..." : "\"");
        return;
    case TS_SCRIPT_EX_ELLIPSIS:
        put(o, "...");
        return;
    case TS_SCRIPT_EX_ASSIGN:
        put_expr(o, e->kids[0]);
        put(o, "=");
        put_expr(o, e->kids[1]);
        return;
    case TS_SCRIPT_EX_OR:
        for (size_t i = 0; i < e->nkids; i++) {
            if (i)
                put(o, "|");
            put_expr(o, e->kids[i]);
        }
        return;
    case TS_SCRIPT_EX_ARRAY:
    case TS_SCRIPT_EX_STRUCT:
    case TS_SCRIPT_EX_CALL:
        if (e->kind == TS_SCRIPT_EX_CALL)
            put(o, "%s", e->text);
        put(o, "%c", e->kind == TS_SCRIPT_EX_ARRAY ? '[' : e->kind == TS_SCRIPT_EX_STRUCT ? '{' : '(');
        for (size_t i = 0; i < e->nkids; i++) {
            if (i)
                put(o, ", ");
            put_expr(o, e->kids[i]);
        }
        put(o, "%c", e->kind == TS_SCRIPT_EX_ARRAY ? ']' : e->kind == TS_SCRIPT_EX_STRUCT ? '}' : ')');
        return;
    }
}

static void put_opt(struct out *o, const struct ts_script_opt *op)
{
    switch (op->kind) {
    case TS_SCRIPT_OPT_EOL:
        put(o, "eol");
        break;
    case TS_SCRIPT_OPT_NOP:
        put(o, "nop");
        break;
    case TS_SCRIPT_OPT_MSS:
        put(o, "mss %" PRIu32, op->a);
        break;
    case TS_SCRIPT_OPT_WSCALE:
        put(o, "wscale %" PRIu32, op->a);
        break;
    case TS_SCRIPT_OPT_SACKOK:
        put(o, "sackOK");
        break;
    case TS_SCRIPT_OPT_SACK:
        put(o, "sack");
        for (unsigned i = 0; i < op->nsack; i++)
            put(o, " %" PRIu32 ":%" PRIu32, op->sack[i].left, op->sack[i].right);
        break;
    case TS_SCRIPT_OPT_TS:
        put(o, "TS val %" PRIu32 " ecr %" PRIu32, op->a, op->b);
        break;
    case TS_SCRIPT_OPT_FO:
    case TS_SCRIPT_OPT_FOEXP:
    case TS_SCRIPT_OPT_MD5:
        put(o, op->kind == TS_SCRIPT_OPT_FO ? "FO" : op->kind == TS_SCRIPT_OPT_MD5 ? "md5" : "FOEXP");
        if (op->cookie_len)
            put(o, " ");
        for (unsigned i = 0; i < op->cookie_len; i++)
            put(o, "%02x", op->cookie[i]);
        break;
    }
}

static void put_packet(struct out *o, const struct ts_script_packet *pk)
{
    static const char *const ecn[] = {"", "noecn", "ect0", "ect1", "ect01", "ce"};
    put(o, "%c ", (char)pk->dir);
    if (pk->ecn || pk->has_tos || pk->has_flowlabel || pk->has_ttl) {
        put(o, "[");
        if (pk->ecn)
            put(o, "%s", ecn[pk->ecn]);
        else if (pk->has_tos)
            put(o, "tos 0x%x", (unsigned)pk->tos);
        if ((pk->ecn || pk->has_tos) && pk->has_flowlabel)
            put(o, ",");
        if (pk->has_flowlabel)
            put(o, "flowlabel 0x%" PRIx32, pk->flowlabel);
        if (pk->has_ttl)
            put(o, "ttl %u", (unsigned)pk->ttl);
        put(o, "] ");
    }
    if (pk->icmp) {
        put(o, "icmp %s", pk->icmp_type);
        if (pk->icmp_code)
            put(o, " %s", pk->icmp_code);
        if (pk->icmp_mtu >= 0)
            put(o, " mtu %lld", (long long)pk->icmp_mtu);
        if (pk->icmp_id)
            put(o, " id %u", (unsigned)pk->icmp_id);
        put(o, " [%" PRIu32 ":%" PRIu32 "(%u)]", pk->seq, pk->end, (unsigned)pk->len);
        return;
    }
    if (pk->sport || pk->dport)
        put(o, "%u>%u ", (unsigned)pk->sport, (unsigned)pk->dport);
    /* the letters, then '.' for ACK, as packetdrill's scripts write them */
    static const struct {
        uint16_t bit;
        char c;
    } letters[] = {{TS_SCRIPT_SYN, 'S'}, {TS_SCRIPT_FIN, 'F'}, {TS_SCRIPT_RST, 'R'},
                   {TS_SCRIPT_PSH, 'P'}, {TS_SCRIPT_URG, 'U'}, {TS_SCRIPT_ECE, 'E'},
                   {TS_SCRIPT_CWR, 'W'}, {TS_SCRIPT_AE, 'A'}};
    if (!pk->flags)
        put(o, "-");
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
        if (pk->flags & letters[i].bit)
            put(o, "%c", letters[i].c);
    if (pk->flags & TS_SCRIPT_ACK)
        put(o, ".");
    put(o, " %" PRIu32 ":%" PRIu32 "(%u)", pk->seq, pk->end, (unsigned)pk->len);
    if (pk->has_ack)
        put(o, " ack %" PRIu32, pk->ack);
    if (pk->has_win)
        put(o, " win %u", (unsigned)pk->win);
    if (pk->has_urg)
        put(o, " urg %u", (unsigned)pk->urg);
    if (pk->any_opts) {
        put(o, " <...>");
    } else if (pk->nopts) {
        put(o, " <");
        for (size_t i = 0; i < pk->nopts; i++) {
            if (i)
                put(o, ",");
            put_opt(o, &pk->opts[i]);
        }
        put(o, ">");
    }
}

static void put_call(struct out *o, const struct ts_script_syscall *c)
{
    put(o, "%s(", c->name);
    for (size_t i = 0; i < c->nargs; i++) {
        if (i)
            put(o, ", ");
        put_expr(o, c->args[i]);
    }
    put(o, ") = ");
    put_expr(o, c->result);
    if (c->errno_name)
        put(o, " %s", c->errno_name);
    if (c->note)
        put(o, " (%s)", c->note);
}

static size_t finish(struct out *o)
{
    if (o->len)
        o->buf[o->need < o->len ? o->need : o->len - 1] = '\0';
    return o->need;
}

size_t ts_script_event_format(const struct ts_script_event *ev, char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    put_time(&o, &ev->time);
    switch (ev->kind) {
    case TS_SCRIPT_EV_PACKET:
        put_packet(&o, &ev->u.packet);
        break;
    case TS_SCRIPT_EV_SYSCALL:
        put_call(&o, &ev->u.call);
        break;
    case TS_SCRIPT_EV_SHELL:
        put(&o, "`");
        put_bytes(&o, ev->u.shell, strlen(ev->u.shell));
        put(&o, "`");
        break;
    case TS_SCRIPT_EV_CODE:
        put(&o, "%%{");
        put_bytes(&o, ev->u.code, strlen(ev->u.code));
        put(&o, "}%%");
        break;
    }
    return finish(&o);
}

size_t ts_script_option_format(const struct ts_script_option *opt, char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    put(&o, "--%s", opt->name);
    if (opt->value)
        put(&o, "=%s", opt->value);
    return finish(&o);
}

size_t ts_script_expr_format(const struct ts_script_expr *e, char *buf, size_t len)
{
    struct out o = {buf, len, 0};
    put_expr(&o, e);
    return finish(&o);
}

/* one line of the listing; a long one (a command, a big struct) in a buffer
 * of its own size */
static int print_line(FILE *f, unsigned line, size_t need, const void *item,
                      size_t (*fmt)(const void *, char *, size_t))
{
    char small[512], *buf = small;
    if (need >= sizeof small) {
        buf = malloc(need + 1);
        if (!buf)
            return -1;
    }
    fmt(item, buf, need + 1);
    int r = fprintf(f, "%5u  %s\n", line, buf) < 0 ? -1 : 0;
    if (buf != small)
        free(buf);
    return r;
}

static size_t fmt_event(const void *ev, char *buf, size_t len)
{
    return ts_script_event_format(ev, buf, len);
}

static size_t fmt_option(const void *opt, char *buf, size_t len)
{
    return ts_script_option_format(opt, buf, len);
}

int ts_script_print(FILE *f, const struct ts_script *s)
{
    for (size_t i = 0; i < s->noptions; i++)
        if (print_line(f, s->options[i].line, ts_script_option_format(&s->options[i], NULL, 0),
                       &s->options[i], fmt_option) < 0)
            return -1;
    for (size_t i = 0; i < s->nevents; i++)
        if (print_line(f, s->events[i].line, ts_script_event_format(&s->events[i], NULL, 0),
                       &s->events[i], fmt_event) < 0)
            return -1;
    return fflush(f) == 0 ? 0 : -1;
}
