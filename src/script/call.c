/* A script's system calls: requests for the agent, results checked.  See
 * call.h.
 *
 * Data a script writes as `...` is zero bytes, as packetdrill sends them,
 * so the stack's segments carry zeros and the runner checks them for that.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <linux/errqueue.h>

#include "call.h"
#include "internal.h"

typedef const struct ts_script_expr expr;

static bool is_ellipsis(expr *e)
{
    return e && e->kind == TS_SCRIPT_EX_ELLIPSIS;
}

/* The bare word w: NULL, AF_UNSPEC. */
static bool is_word(expr *e, const char *w)
{
    return e && e->kind == TS_SCRIPT_EX_WORD && e->text && !strcmp(e->text, w);
}

/* A number: 3, -1, SOL_SOCKET, A|B, htons(8080). */
static int num(expr *e, int64_t *v)
{
    if (!e)
        return -1;
    switch (e->kind) {
    case TS_SCRIPT_EX_INT:
        *v = e->num;
        return 0;
    case TS_SCRIPT_EX_WORD:
        return ts_script_symbol(e->text, v) ? 0 : -1;
    case TS_SCRIPT_EX_OR: {
        int64_t acc = 0, x;
        for (size_t i = 0; i < e->nkids; i++) {
            if (num(e->kids[i], &x) < 0)
                return -1;
            acc |= x;
        }
        *v = acc;
        return 0;
    }
    case TS_SCRIPT_EX_CALL:
        if (!strcmp(e->text, "htons") && e->nkids == 1 && num(e->kids[0], v) == 0) {
            *v = htons((uint16_t)*v);
            return 0;
        }
        return -1;
    default:
        return -1;
    }
}

/* [N]: a one-int array (setsockopt's and getsockopt's values). */
static int array_int(expr *e, int64_t *v)
{
    if (!e || e->kind != TS_SCRIPT_EX_ARRAY || e->nkids != 1)
        return -1;
    return num(e->kids[0], v);
}

/* In a struct: the value of name=value (name may be a call: msg_iov(1)). */
static expr *field1(expr *e, const char *name);

/* packetdrill writes a linger as {onoff=1, linger=0}; C as l_onoff, l_linger */
static expr *field(expr *e, const char *name)
{
    expr *v = field1(e, name);
    if (!v && !strncmp(name, "l_", 2))
        v = field1(e, name + 2);
    return v;
}

static expr *field1(expr *e, const char *name)
{
    if (!e || e->kind != TS_SCRIPT_EX_STRUCT)
        return NULL;
    for (size_t i = 0; i < e->nkids; i++) {
        expr *k = e->kids[i];
        if (k->kind == TS_SCRIPT_EX_ASSIGN && k->kids[0]->text &&
            !strcmp(k->kids[0]->text, name))
            return k->kids[1];
    }
    return NULL;
}

static size_t unescape(const char *s, size_t n, uint8_t *out, size_t room)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o < room; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            char c = s[++i];
            out[o++] = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == '0' ? 0 : (uint8_t)c;
        } else {
            out[o++] = (uint8_t)s[i];
        }
    }
    return o;
}

/* packetdrill's own default addresses, as scripts write them, are ours. */
static int parse_addr(const char *text, const struct call_env *env, bool v6, struct ts_addr *a)
{
    memset(a, 0, sizeof *a);
    if (!v6 && !strcmp(text, "192.0.2.1"))
        return *a = env->remote, 0;
    if (v6 && !strcasecmp(text, "2001:db8::1") && env->remote.family == 6)
        return *a = env->remote, 0;
    if (!v6 && !strncmp(text, "192.168.", 8))
        return *a = env->local, 0;
    if (v6 && !strncasecmp(text, "fd3d:fa7b:d17d:", 15))
        return *a = env->local, 0;
    a->family = v6 ? 6 : 4;
    return inet_pton(v6 ? AF_INET6 : AF_INET, text, a->a) == 1 ? 0 : -1;
}

/* mapped: an IPv4 address as an IPv6 socket takes it, ::ffff:a.b.c.d */
static void fill_sockaddr(struct ts_agent_req *q, const struct ts_addr *a, uint16_t port,
                          bool mapped)
{
    memset(&q->addr, 0, sizeof q->addr);
    if (a->family == 6 || mapped) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&q->addr;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        if (a->family == 6) {
            memcpy(&s6->sin6_addr, a->a, 16);
        } else {
            s6->sin6_addr.s6_addr[10] = s6->sin6_addr.s6_addr[11] = 0xff;
            memcpy(&s6->sin6_addr.s6_addr[12], a->a, 4);
        }
        q->addrlen = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&q->addr;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        memcpy(&s4->sin_addr, a->a, 4);
        q->addrlen = sizeof *s4;
    }
}

/* An address argument: `...` (the side given), or {sa_family=..,
 * sin_port=htons(N), sin_addr=inet_addr("..")} and its IPv6 form. */
static int sockaddr_arg(expr *e, const struct call_env *env, bool local,
                        struct ts_agent_req *q, char *why, size_t n)
{
    if (is_ellipsis(e)) {
        fill_sockaddr(q, local ? &env->local : &env->remote,
                      local ? env->bind_port : env->connect_port, env->mapped);
        return 0;
    }
    if (is_word(e, "AF_UNSPEC")) {
        /* an address of no family (sendto's MSG_FASTOPEN refuses it) */
        memset(&q->addr, 0, sizeof q->addr);
        q->addr.ss_family = AF_UNSPEC;
        q->addrlen = sizeof(struct sockaddr_in);
        return 0;
    }
    if (e && e->kind == TS_SCRIPT_EX_STRUCT) {
        int64_t port = 0;
        expr *pe = field(e, "sin_port");
        if (!pe)
            pe = field(e, "sin6_port");
        if (pe && num(pe, &port) < 0)
            return snprintf(why, n, "a port tcpshake cannot read"), -1;
        expr *ae = field(e, "sin_addr");
        bool v6 = false;
        if (!ae)
            ae = field(e, "sin6_addr"), v6 = true;
        struct ts_addr a;
        if (ae && ae->kind == TS_SCRIPT_EX_CALL && ae->nkids == 1 &&
            ae->kids[0]->kind == TS_SCRIPT_EX_STRING) {
            if (parse_addr(ae->kids[0]->text, env, v6, &a) < 0)
                return snprintf(why, n, "not an address: %s", ae->kids[0]->text), -1;
        } else if (!ae) {
            a = local ? env->local : env->remote;
        } else {
            return snprintf(why, n, "an address tcpshake cannot read"), -1;
        }
        /* the script's own family: an AF_INET address stays one */
        fill_sockaddr(q, &a, (uint16_t)ntohs((uint16_t)port), false);
        return 0;
    }
    return snprintf(why, n, "an address is `...` or {sa_family=..., sin_port=htons(N), "
                            "sin_addr=inet_addr(\"...\")}"),
           -1;
}

/* A buffer argument: `...` (zeros) or a string; count bytes of it. */
static int buffer_arg(expr *e, int64_t count, uint8_t *data, struct ts_agent_req *q,
                      char *why, size_t n)
{
    if (count < 0 || count > (int64_t)TS_AGENT_MAX_DATA)
        return snprintf(why, n, "%lld bytes: at most %u in one call", (long long)count,
                        TS_AGENT_MAX_DATA),
               -1;
    memset(data, 0, (size_t)count);
    if (is_word(e, "NULL")) {
        q->a[3] |= TS_AG_NULLBUF; /* the call gets a NULL pointer (EFAULT) */
        q->a[0] = (int32_t)count;
        q->datalen = 0;
        return 0;
    }
    if (e && e->kind == TS_SCRIPT_EX_STRING)
        unescape(e->text, e->text_len, data, (size_t)count);
    else if (!is_ellipsis(e))
        return snprintf(why, n, "a buffer is `...` or a string"), -1;
    q->datalen = (uint32_t)count;
    return 0;
}

/* iovecs: [{..., 100}, {..., 200}]: their total length */
static int iov_total(expr *e, int64_t *total)
{
    if (!e || e->kind != TS_SCRIPT_EX_ARRAY)
        return -1;
    *total = 0;
    for (size_t i = 0; i < e->nkids; i++) {
        expr *v = e->kids[i];
        int64_t l;
        if (v->kind != TS_SCRIPT_EX_STRUCT || v->nkids != 2)
            return -1;
        expr *le = v->kids[1];
        if (le->kind == TS_SCRIPT_EX_ASSIGN)
            le = le->kids[1];
        if (num(le, &l) < 0 || l < 0)
            return -1;
        *total += l;
    }
    return 0;
}

/* writev's and sendmsg's iovecs as they are (agent.h's TS_AG_IOV): their
 * lengths before the bytes in data */
static int iov_layout(expr *iov, struct ts_agent_req *q, uint8_t *data, char *why, size_t n)
{
    size_t k = iov->nkids, head = k * sizeof(uint32_t);
    if (k > TS_AG_MAX_IOV || q->datalen + head > TS_AGENT_MAX_DATA)
        return snprintf(why, n, "at most %u iovecs and %u bytes in one call", TS_AG_MAX_IOV,
                        TS_AGENT_MAX_DATA - (unsigned)head), -1;
    memmove(data + head, data, q->datalen);
    for (size_t i = 0; i < k; i++) {
        expr *le = iov->kids[i]->kids[1];
        int64_t l = 0;
        if (le->kind == TS_SCRIPT_EX_ASSIGN)
            le = le->kids[1];
        num(le, &l); /* read by iov_total() */
        uint32_t u = (uint32_t)l;
        memcpy(data + i * sizeof u, &u, sizeof u);
    }
    q->datalen += (uint32_t)head;
    q->a[2] = (int32_t)k;
    q->a[3] |= TS_AG_IOV;
    return 0;
}

static expr *msg_iov(expr *m)
{
    if (!m || m->kind != TS_SCRIPT_EX_STRUCT)
        return NULL;
    for (size_t i = 0; i < m->nkids; i++) {
        expr *k = m->kids[i];
        if (k->kind == TS_SCRIPT_EX_ASSIGN && k->kids[0]->text &&
            !strcmp(k->kids[0]->text, "msg_iov"))
            return k->kids[1];
    }
    return NULL;
}

static const char *const runnable[] = {
    "socket", "bind", "listen", "accept", "connect", "read", "readv", "recv", "recvfrom",
    "write", "writev", "send", "sendto", "sendmsg", "fcntl", "ioctl", "close", "shutdown",
    "getsockopt", "setsockopt", "poll", "epoll_create", "epoll_ctl", "epoll_wait", "recvmsg",
    "open", "sendfile", "pipe", "splice", "cap_set",
};

int call_supported(const struct ts_script_syscall *c, char *why, size_t n, unsigned *line,
                   unsigned *col)
{
    bool ok = false;
    for (size_t i = 0; i < sizeof runnable / sizeof runnable[0]; i++)
        ok |= !strcmp(runnable[i], c->name);
    if (!ok)
        return snprintf(why, n, "tcpshake does not run %s() yet", c->name), -1;
    if (!strcmp(c->name, "getsockopt") || !strcmp(c->name, "setsockopt")) {
        /* values: [int], {l_onoff, l_linger}, a string, `...` */
        expr *v = c->nargs > 3 ? c->args[3] : NULL;
        int64_t x;
        if (v && v->kind == TS_SCRIPT_EX_STRUCT && !field(v, "l_onoff")) {
            *line = v->line, *col = v->col;
            return snprintf(why, n, "tcpshake compares int, linger and string option values, "
                                    "not this struct (%s)",
                            c->name),
                   -1;
        }
        if (v && v->kind == TS_SCRIPT_EX_ARRAY && array_int(v, &x) < 0) {
            *line = v->line, *col = v->col;
            return snprintf(why, n, "an option value of one number: [N]"), -1;
        }
    }
    if (c->result && c->result->kind != TS_SCRIPT_EX_INT && !is_ellipsis(c->result)) {
        int64_t x;
        if (num(c->result, &x) < 0) {
            *line = c->result->line, *col = c->result->col;
            return snprintf(why, n, "an expected result tcpshake cannot compare"), -1;
        }
    }
    return 0;
}

#define ARG(i) (c->nargs > (i) ? c->args[i] : NULL)
#define NEED(k)                                                                            \
    do {                                                                                   \
        if (c->nargs < (k))                                                                \
            return snprintf(why, n, "%s() takes %d arguments", c->name, (int)(k)), -1;     \
    } while (0)
#define NUM(i, dst)                                                                        \
    do {                                                                                   \
        int64_t v_;                                                                        \
        if (num(ARG(i), &v_) < 0)                                                          \
            return snprintf(why, n, "argument %d of %s() is not a number tcpshake knows",  \
                            (int)(i) + 1, c->name),                                        \
                   -1;                                                                     \
        dst = (int32_t)v_;                                                                 \
    } while (0)

/* argument i, a descriptor by the script's name, as the agent's */
#define FD(i, dst)                                                                         \
    do {                                                                                   \
        int32_t fd_;                                                                       \
        NUM(i, fd_);                                                                       \
        dst = call_live_fd(env, fd_);                                                      \
    } while (0)

int call_build(const struct ts_script_syscall *c, const struct call_env *env,
               struct ts_agent_req *q, uint8_t *data, char *why, size_t n)
{
    const char *f = c->name;
    int64_t cnt = 0;
    memset(q, 0, sizeof *q);
    if (strcmp(f, "socket") && strcmp(f, "poll") && strcmp(f, "epoll_create") &&
        strcmp(f, "open") && strcmp(f, "pipe")) {
        NEED(1);
        FD(0, q->fd);
    }
    if (!strcmp(f, "socket")) {
        NEED(3);
        q->op = TS_AG_SOCKET;
        if (is_ellipsis(ARG(0)))
            q->a[0] = env->family == 6 || env->mapped ? AF_INET6 : AF_INET;
        else
            NUM(0, q->a[0]);
        NUM(1, q->a[1]);
        NUM(2, q->a[2]);
    } else if (!strcmp(f, "bind") || !strcmp(f, "connect")) {
        NEED(2);
        q->op = f[0] == 'b' ? TS_AG_BIND : TS_AG_CONNECT;
        if (sockaddr_arg(ARG(1), env, f[0] == 'b', q, why, n) < 0)
            return -1;
        /* an explicit length is the script's */
        if (c->nargs > 2 && !is_ellipsis(ARG(2))) {
            int32_t l;
            NUM(2, l);
            if (l >= 0 && (uint32_t)l < q->addrlen)
                q->addrlen = (uint32_t)l;
        }
    } else if (!strcmp(f, "listen")) {
        NEED(2);
        q->op = TS_AG_LISTEN;
        NUM(1, q->a[0]);
    } else if (!strcmp(f, "accept")) {
        q->op = TS_AG_ACCEPT;
    } else if (!strcmp(f, "read") || !strcmp(f, "recv") || !strcmp(f, "recvfrom")) {
        NEED(3);
        q->op = !strcmp(f, "read")   ? TS_AG_READ
                : !strcmp(f, "recv") ? TS_AG_RECV
                                     : TS_AG_RECVFROM;
        NUM(2, q->a[0]);
        if (is_word(ARG(1), "NULL"))
            q->a[3] |= TS_AG_NULLBUF;
        else if (!is_ellipsis(ARG(1)))
            return snprintf(why, n, "a buffer to read into is `...` or NULL"), -1;
        if (q->op != TS_AG_READ) {
            NEED(4);
            NUM(3, q->a[1]);
        }
    } else if (!strcmp(f, "readv")) {
        NEED(3);
        q->op = TS_AG_READ;
        if (iov_total(ARG(1), &cnt) < 0)
            return snprintf(why, n, "readv's iovecs: [{..., N}, ...]"), -1;
        q->a[0] = (int32_t)cnt;
    } else if (!strcmp(f, "write") || !strcmp(f, "send") || !strcmp(f, "sendto")) {
        NEED(3);
        q->op = f[0] == 'w' ? TS_AG_WRITE : f[4] == 't' ? TS_AG_SENDTO : TS_AG_SEND;
        int32_t l;
        NUM(2, l);
        if (buffer_arg(ARG(1), l, data, q, why, n) < 0)
            return -1;
        if (q->op != TS_AG_WRITE) {
            NEED(4);
            NUM(3, q->a[1]);
        }
        /* `...`: the peer's address, as packetdrill fills it (MSG_FASTOPEN
         * connects with it) */
        if (q->op == TS_AG_SENDTO && c->nargs > 4 &&
            sockaddr_arg(ARG(4), env, false, q, why, n) < 0)
            return -1;
    } else if (!strcmp(f, "writev") || !strcmp(f, "sendmsg")) {
        NEED(2);
        expr *iov = f[0] == 'w' ? ARG(1) : msg_iov(ARG(1));
        if (iov_total(iov, &cnt) < 0)
            return snprintf(why, n, "%s's iovecs: [{..., N}, ...]", f), -1;
        q->op = f[0] == 'w' ? TS_AG_WRITE : TS_AG_SEND;
        if (q->op == TS_AG_SEND && c->nargs > 2)
            NUM(2, q->a[1]);
        /* msg_name: where MSG_FASTOPEN connects (`...`: the peer) */
        expr *name = q->op == TS_AG_SEND ? field(ARG(1), "msg_name") : NULL;
        if (name) {
            if (sockaddr_arg(name, env, false, q, why, n) < 0)
                return -1;
            q->op = TS_AG_SENDTO;
        }
        if (buffer_arg(&(struct ts_script_expr){.kind = TS_SCRIPT_EX_ELLIPSIS}, cnt, data, q,
                       why, n) < 0)
            return -1;
        if (iov->nkids > 1 && iov_layout(iov, q, data, why, n) < 0)
            return -1;
    } else if (!strcmp(f, "shutdown")) {
        NEED(2);
        q->op = TS_AG_SHUTDOWN;
        NUM(1, q->a[0]);
    } else if (!strcmp(f, "close")) {
        q->op = TS_AG_CLOSE;
    } else if (!strcmp(f, "fcntl")) {
        NEED(2);
        q->op = TS_AG_FCNTL;
        NUM(1, q->a[0]);
        if (c->nargs > 2)
            NUM(2, q->a[1]);
    } else if (!strcmp(f, "ioctl")) {
        NEED(3);
        q->op = TS_AG_IOCTL;
        NUM(1, q->a[0]);
        int64_t v = 0;
        if (!is_ellipsis(ARG(2)) && array_int(ARG(2), &v) < 0)
            return snprintf(why, n, "ioctl's argument: [N] or `...`"), -1;
        int iv = (int)v;
        memcpy(data, &iv, sizeof iv);
        q->datalen = sizeof iv;
    } else if (!strcmp(f, "setsockopt") || !strcmp(f, "getsockopt")) {
        NEED(5);
        q->op = f[0] == 's' ? TS_AG_SETSOCKOPT : TS_AG_GETSOCKOPT;
        NUM(1, q->a[0]);
        NUM(2, q->a[1]);
        expr *v = ARG(3);
        int64_t x = 0;
        int32_t len = 0;
        if (q->op == TS_AG_GETSOCKOPT) {
            int64_t l = 4;
            if (!is_ellipsis(ARG(4)) && array_int(ARG(4), &l) < 0 && num(ARG(4), &l) < 0)
                return snprintf(why, n, "getsockopt's length: [N]"), -1;
            q->a[2] = (int32_t)l;
            return 0;
        }
        if (v && v->kind == TS_SCRIPT_EX_ARRAY && array_int(v, &x) == 0) {
            int iv = (int)x;
            memcpy(data, &iv, sizeof iv);
            len = sizeof iv;
        } else if (v && v->kind == TS_SCRIPT_EX_STRUCT && field(v, "l_onoff")) {
            int64_t on = 0, secs = 0;
            if (num(field(v, "l_onoff"), &on) < 0 ||
                (field(v, "l_linger") && num(field(v, "l_linger"), &secs) < 0))
                return snprintf(why, n, "a linger value: {l_onoff=N, l_linger=N}"), -1;
            struct linger lg = {.l_onoff = (int)on, .l_linger = (int)secs};
            memcpy(data, &lg, sizeof lg);
            len = sizeof lg;
        } else if (v && v->kind == TS_SCRIPT_EX_STRING) {
            len = (int32_t)unescape(v->text, v->text_len, data, 256);
        } else if (num(v, &x) == 0) {
            int iv = (int)x;
            memcpy(data, &iv, sizeof iv);
            len = sizeof iv;
        } else {
            return snprintf(why, n, "setsockopt's value: [N], {l_onoff=.., l_linger=..} or "
                                    "a string"),
                   -1;
        }
        int32_t given = len;
        if (!is_ellipsis(ARG(4)))
            NUM(4, given);
        if (given >= 0 && given < len)
            len = given;
        q->datalen = (uint32_t)len;
    } else if (!strcmp(f, "poll")) {
        NEED(3);
        q->op = TS_AG_POLL;
        expr *a = ARG(0);
        if (!a || a->kind != TS_SCRIPT_EX_ARRAY || a->nkids > 64)
            return snprintf(why, n, "poll's first argument: [{fd=N, events=...}, ...]"), -1;
        struct pollfd pf[64];
        for (size_t i = 0; i < a->nkids; i++) {
            int64_t fd = -1, ev = 0;
            if (num(field(a->kids[i], "fd"), &fd) < 0 ||
                num(field(a->kids[i], "events"), &ev) < 0)
                return snprintf(why, n, "a pollfd: {fd=N, events=..., revents=...}"), -1;
            pf[i] = (struct pollfd){.fd = call_live_fd(env, (int)fd), .events = (short)ev};
        }
        memcpy(data, pf, a->nkids * sizeof pf[0]);
        q->datalen = (uint32_t)(a->nkids * sizeof pf[0]);
        NUM(2, q->a[0]);
    } else if (!strcmp(f, "recvmsg")) {
        NEED(3);
        q->op = TS_AG_RECVMSG;
        if (iov_total(msg_iov(ARG(1)), &cnt) < 0)
            return snprintf(why, n, "recvmsg's msg_iov: [{..., N}, ...]"), -1;
        q->a[0] = (int32_t)cnt;
        NUM(2, q->a[1]);
    } else if (!strcmp(f, "epoll_create")) {
        NEED(1);
        q->op = TS_AG_EPOLL_CREATE;
        NUM(0, q->a[0]);
    } else if (!strcmp(f, "epoll_ctl")) {
        NEED(4);
        q->op = TS_AG_EPOLL_CTL;
        NUM(1, q->a[0]);
        FD(2, q->a[1]);
        if (c->nargs > 3 && !is_ellipsis(ARG(3))) {
            /* {events=..., fd=N} or {events=..., ptr=N}: the data is kept as
             * written (the script's name for a descriptor), and epoll_wait
             * hands it back as it was */
            int64_t ev = 0, d = 0;
            expr *fd = field(ARG(3), "fd"), *de = fd ? fd : field(ARG(3), "ptr");
            if (num(field(ARG(3), "events"), &ev) < 0 || (de && num(de, &d) < 0))
                return snprintf(why, n, "an epoll_event: {events=..., fd=N}"), -1;
            q->a[2] = (int32_t)ev;
            uint64_t u = fd ? (uint64_t)(uint32_t)(int32_t)d : (uint64_t)d;
            memcpy(data, &u, sizeof u);
            q->datalen = sizeof u;
        }
    } else if (!strcmp(f, "epoll_wait")) {
        NEED(4);
        q->op = TS_AG_EPOLL_WAIT;
        NUM(2, q->a[0]);
        NUM(3, q->a[1]);
    } else if (!strcmp(f, "open")) {
        /* open("PATH", FLAGS[, MODE]), relative to the script's folder */
        NEED(2);
        q->op = TS_AG_OPEN;
        if (ARG(0)->kind != TS_SCRIPT_EX_STRING)
            return snprintf(why, n, "open's path: a string"), -1;
        size_t l = unescape(ARG(0)->text, ARG(0)->text_len, data, TS_AGENT_MAX_DATA - 1);
        if (memchr(data, 0, l))
            return snprintf(why, n, "open's path holds a NUL byte"), -1;
        q->datalen = (uint32_t)l;
        NUM(1, q->a[0]);
        q->a[1] = 0644;
        if (c->nargs > 2)
            NUM(2, q->a[1]);
    } else if (!strcmp(f, "cap_set")) {
        /* cap_set(CAP_EFFECTIVE, CAP_NET_ADMIN, CAP_CLEAR): the agent's
         * own capabilities, those of every later system call (a shell
         * line's program, exec'd as root, gets the full set back) */
        NEED(3);
        q->op = TS_AG_CAP_SET;
        NUM(0, q->a[0]);
        NUM(1, q->a[1]);
        NUM(2, q->a[2]);
    } else if (!strcmp(f, "sendfile")) {
        /* sendfile(SOCKET, FILE, [OFFSET] or NULL, COUNT) */
        NEED(4);
        q->op = TS_AG_SENDFILE;
        FD(1, q->a[0]);
        int64_t off = 0;
        if (!is_word(ARG(2), "NULL")) {
            if (array_int(ARG(2), &off) < 0)
                return snprintf(why, n, "sendfile's offset: [N] or NULL"), -1;
            q->a[1] = 1;
            memcpy(data, &off, sizeof off);
            q->datalen = sizeof off;
        }
        NUM(3, q->a[2]);
    } else if (!strcmp(f, "pipe")) {
        /* pipe([R, W]): R and W are the script's names for the two ends */
        NEED(1);
        q->op = TS_AG_PIPE;
        int64_t a, b;
        if (ARG(0)->kind != TS_SCRIPT_EX_ARRAY || ARG(0)->nkids != 2 ||
            num(ARG(0)->kids[0], &a) < 0 || num(ARG(0)->kids[1], &b) < 0)
            return snprintf(why, n, "pipe's argument: [R, W], the two descriptors' numbers"),
                   -1;
    } else if (!strcmp(f, "splice")) {
        /* splice(IN, NULL, OUT, NULL, COUNT, FLAGS) */
        NEED(6);
        q->op = TS_AG_SPLICE;
        FD(2, q->a[0]);
        int64_t o1 = 0, o2 = 0;
        if (num(ARG(1), &o1) < 0 || num(ARG(3), &o2) < 0 || o1 || o2)
            return snprintf(why, n, "splice's offsets: NULL (a socket or a pipe has none)"), -1;
        NUM(4, q->a[1]);
        NUM(5, q->a[2]);
    } else {
        return snprintf(why, n, "tcpshake does not run %s() yet", f), -1;
    }
    return 0;
}

static void said(const struct ts_agent_rep *rep, char *b, size_t n)
{
    if (rep->ret == -1)
        snprintf(b, n, "-1 %s (%s)", ts_script_errno_name(rep->err), strerror(rep->err));
    else
        snprintf(b, n, "%lld", (long long)rep->ret);
}

int call_live_fd(const struct call_env *env, int script_fd)
{
    for (unsigned i = env->nfds; i-- > 0;)
        if (env->fds[i].script == script_fd)
            return env->fds[i].live;
    return script_fd;
}

static void name_fd(struct call_env *env, int script, int live)
{
    unsigned i;
    for (i = 0; i < env->nfds && env->fds[i].script != script; i++)
        ;
    if (i == env->nfds && env->nfds < sizeof env->fds / sizeof env->fds[0])
        env->nfds++;
    if (i < env->nfds)
        env->fds[i].script = script, env->fds[i].live = live;
}

static bool makes_fd(uint32_t op)
{
    return op == TS_AG_SOCKET || op == TS_AG_ACCEPT || op == TS_AG_EPOLL_CREATE ||
           op == TS_AG_OPEN;
}

void call_after(struct call_env *env, const struct ts_script_syscall *c,
                const struct ts_agent_req *q, const struct ts_agent_rep *rep,
                const uint8_t *data)
{
    int64_t want, a, b;
    if (makes_fd(q->op) && rep->ret >= 0 && num(c->result, &want) == 0 && want >= 0) {
        name_fd(env, (int)want, (int)rep->ret);
    } else if (q->op == TS_AG_PIPE && rep->ret == 0 && rep->datalen >= 2 * sizeof(int) &&
               num(c->args[0]->kids[0], &a) == 0 && num(c->args[0]->kids[1], &b) == 0) {
        int pfd[2];
        memcpy(pfd, data, sizeof pfd);
        name_fd(env, (int)a, pfd[0]);
        name_fd(env, (int)b, pfd[1]);
    } else if (q->op == TS_AG_CLOSE && rep->ret == 0) {
        for (unsigned i = 0; i < env->nfds; i++)
            if (env->fds[i].live == q->fd) {
                env->fds[i] = env->fds[--env->nfds];
                break;
            }
    }
}

/* sock_extended_err {ee_errno=.., ee_origin=.., ee_type=.., ee_code=..,
 * ee_info=.., ee_data=..}: each field written against what came; 0 same,
 * 1 with diff, -1 a field unread */
static int ee_check(expr *w, const uint8_t *d, size_t len, unsigned i, char *diff, size_t n)
{
    struct sock_extended_err ee = {0};
    memcpy(&ee, d, len < sizeof ee ? len : sizeof ee);
    const struct {
        const char *name;
        int64_t got;
    } f[] = {{"ee_errno", ee.ee_errno}, {"ee_origin", ee.ee_origin}, {"ee_type", ee.ee_type},
             {"ee_code", ee.ee_code},   {"ee_info", ee.ee_info},     {"ee_data", ee.ee_data}};
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
        expr *e = field(w, f[k].name);
        int64_t want;
        if (!e || is_ellipsis(e))
            continue;
        if (num(e, &want) < 0)
            return -1;
        /* as the kernel's field: ee_errno, ee_info and ee_data are u32 */
        if ((uint32_t)want != (uint32_t)f[k].got) {
            snprintf(diff, n, "recvmsg() gave %s=%lld in control message %u; the script "
                     "expects %lld", f[k].name, (long long)f[k].got, i, (long long)want);
            return 1;
        }
    }
    return 0;
}

/* scm_timestamping {scm_sec=S, scm_nsec=N}: its first time, a time of the
 * script's (0 0: not checked), within the tolerance as packetdrill */
static int tstamp_check(expr *w, const uint8_t *d, size_t len, unsigned i,
                        const struct call_time *tm, char *diff, size_t n)
{
    int64_t sec, nsec;
    if (num(field(w, "scm_sec"), &sec) < 0 || num(field(w, "scm_nsec"), &nsec) < 0)
        return -1;
    if (!sec && !nsec)
        return 0;
    struct scm_timestamping ts = {0};
    memcpy(&ts, d, len < sizeof ts ? len : sizeof ts);
    int64_t got_us = ((int64_t)ts.ts[0].tv_sec * 1000000000 + ts.ts[0].tv_nsec - tm->start_wall_ns) / 1000;
    int64_t want_us = (sec * 1000000000 + nsec) / 1000;
    if (llabs(got_us - want_us) > tm->tol_us) {
        snprintf(diff, n, "recvmsg() gave a time stamp at %.6f s in control message %u; the "
                 "script expects %.6f s (tolerance %lld us)", got_us / 1e6, i, want_us / 1e6,
                 (long long)tm->tol_us);
        return 1;
    }
    return 0;
}

/* msg_control=[{cmsg_level=L, cmsg_type=T, cmsg_data=D}, ...] against the
 * control messages the kernel wrote (ctl, len bytes): as many, in the same
 * order (packetdrill's rule), D an int, a sock_extended_err or an
 * scm_timestamping */
static int cmsgs_check(expr *want, const uint8_t *ctl, size_t len, const struct call_time *tm,
                       char *diff, size_t n)
{
    /* walked in a copy aligned for them */
    union {
        struct cmsghdr align;
        uint8_t b[512];
    } cb;
    if (len > sizeof cb.b)
        len = sizeof cb.b;
    memcpy(cb.b, ctl, len);
    struct msghdr m = {.msg_control = cb.b, .msg_controllen = len};
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    unsigned i = 0;
    for (; h && i < want->nkids; h = CMSG_NXTHDR(&m, h), i++) {
        expr *w = want->kids[i], *de = field(w, "cmsg_data");
        int64_t lv, ty, dv;
        if (num(field(w, "cmsg_level"), &lv) < 0 || num(field(w, "cmsg_type"), &ty) < 0 || !de)
            return snprintf(diff, n, "control message %u: {cmsg_level=L, cmsg_type=T, "
                            "cmsg_data=D} is what tcpshake reads", i), 1;
        if (h->cmsg_level != (int)lv || h->cmsg_type != (int)ty)
            return snprintf(diff, n, "recvmsg() gave control message %u of level %d, type %d; "
                            "the script expects level %lld, type %lld", i, h->cmsg_level,
                            h->cmsg_type, (long long)lv, (long long)ty), 1;
        const uint8_t *d = CMSG_DATA(h);
        size_t dl = h->cmsg_len > CMSG_LEN(0) ? h->cmsg_len - CMSG_LEN(0) : 0;
        int r;
        if (num(de, &dv) == 0) {
            int v = 0;
            memcpy(&v, d, dl < sizeof v ? dl : sizeof v);
            r = v == (int)dv ? 0 : 1;
            if (r)
                snprintf(diff, n, "recvmsg() gave cmsg_data=%d (level %lld, type %lld); the "
                         "script expects %lld", v, (long long)lv, (long long)ty, (long long)dv);
        } else if (de->kind == TS_SCRIPT_EX_STRUCT && field(de, "scm_sec")) {
            r = tstamp_check(de, d, dl, i, tm, diff, n);
        } else if (de->kind == TS_SCRIPT_EX_STRUCT && field(de, "ee_origin")) {
            r = ee_check(de, d, dl, i, diff, n);
        } else {
            r = -1;
        }
        if (r < 0)
            return snprintf(diff, n, "control message %u: tcpshake reads cmsg_data as an int, "
                            "{ee_errno=.., ee_origin=.., ...} or {scm_sec=.., scm_nsec=..}",
                            i), 1;
        if (r)
            return 1;
    }
    unsigned got = i, extra = 0;
    for (; h; h = CMSG_NXTHDR(&m, h))
        extra++;
    if (got < want->nkids || extra)
        return snprintf(diff, n, "recvmsg() gave %u control messages; the script expects %zu",
                        got + extra, want->nkids), 1;
    return 0;
}

int call_check(const struct ts_script_syscall *c, const struct ts_agent_req *q,
               const struct ts_agent_rep *rep, const uint8_t *data, const struct call_time *tm,
               char *diff, size_t n)
{
    char got[128];
    int64_t want = 0, want_err = 0;
    said(rep, got, sizeof got);
    if (makes_fd(q->op) && c->result && num(c->result, &want) == 0 && want >= 0 &&
        rep->ret >= 0)
        return 0; /* a descriptor: the script's name for it (call_after) */
    if (c->result && !is_ellipsis(c->result) && num(c->result, &want) == 0) {
        if (c->errno_name)
            ts_script_symbol(c->errno_name, &want_err);
        if (rep->ret != want || (want == -1 && c->errno_name && rep->err != want_err)) {
            char exp[128];
            if (c->errno_name)
                snprintf(exp, sizeof exp, "%lld %s", (long long)want, c->errno_name);
            else
                snprintf(exp, sizeof exp, "%lld", (long long)want);
            snprintf(diff, n, "%s() returned %s; the script expects %s", c->name, got, exp);
            return 1;
        }
    }
    if (rep->ret < 0)
        return 0;
    /* what the call handed back */
    if ((q->op == TS_AG_GETSOCKOPT && c->nargs > 3) || (q->op == TS_AG_IOCTL && c->nargs > 2)) {
        /* [N]: the int the call handed back */
        int64_t x;
        expr *want_v = c->args[q->op == TS_AG_GETSOCKOPT ? 3 : 2];
        if (array_int(want_v, &x) == 0 && rep->datalen >= sizeof(int)) {
            int v;
            memcpy(&v, data, sizeof v);
            if (v != (int)x) {
                snprintf(diff, n, "%s() gave [%d]; the script expects [%lld]", c->name, v,
                         (long long)x);
                return 1;
            }
        }
    } else if (q->op == TS_AG_RECVMSG && c->nargs > 1 && rep->datalen >= sizeof(int)) {
        int64_t want_fl;
        int fl;
        memcpy(&fl, data, sizeof fl);
        if (num(field(c->args[1], "msg_flags"), &want_fl) == 0 && fl != (int)want_fl) {
            snprintf(diff, n, "recvmsg() gave msg_flags=0x%x; the script expects 0x%x",
                     (unsigned)fl, (unsigned)want_fl);
            return 1;
        }
        expr *ctl = field(c->args[1], "msg_control");
        if (ctl && ctl->kind == TS_SCRIPT_EX_ARRAY)
            return cmsgs_check(ctl, data + sizeof fl, rep->datalen - sizeof fl, tm, diff, n);
    } else if (q->op == TS_AG_EPOLL_WAIT && rep->ret > 0 && c->nargs > 1) {
        /* {events=..., fd=N}, or an array of them: each event handed back */
        expr *a = c->args[1];
        size_t k = a->kind == TS_SCRIPT_EX_ARRAY ? a->nkids : 1;
        for (size_t i = 0; i < k && (i + 1) * sizeof(struct epoll_event) <= rep->datalen; i++) {
            expr *w = a->kind == TS_SCRIPT_EX_ARRAY ? a->kids[i] : a;
            struct epoll_event ev;
            memcpy(&ev, data + i * sizeof ev, sizeof ev);
            int64_t want_ev, want_d;
            expr *fe = field(w, "fd");
            if (num(field(w, "events"), &want_ev) == 0 && ev.events != (uint32_t)want_ev) {
                snprintf(diff, n, "epoll_wait() gave events=0x%x; the script expects 0x%x",
                         ev.events, (unsigned)want_ev);
                return 1;
            }
            if (fe && num(fe, &want_d) == 0 && ev.data.fd != (int)want_d) {
                snprintf(diff, n, "epoll_wait() gave fd=%d; the script expects %lld", ev.data.fd,
                         (long long)want_d);
                return 1;
            }
        }
    } else if (q->op == TS_AG_POLL && c->nargs > 0 && c->args[0]->kind == TS_SCRIPT_EX_ARRAY) {
        expr *a = c->args[0];
        for (size_t i = 0; i < a->nkids && (i + 1) * sizeof(struct pollfd) <= rep->datalen;
             i++) {
            int64_t want_rev;
            expr *re = field(a->kids[i], "revents");
            if (!re || num(re, &want_rev) < 0)
                continue;
            struct pollfd pf;
            memcpy(&pf, data + i * sizeof pf, sizeof pf);
            if (pf.revents != (short)want_rev) {
                snprintf(diff, n, "poll() gave revents=0x%x for fd %d; the script expects 0x%x",
                         (unsigned)(uint16_t)pf.revents, pf.fd, (unsigned)(uint16_t)want_rev);
                return 1;
            }
        }
    }
    return 0;
}
