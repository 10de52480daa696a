/* The agent: system calls of a script, made in the stack's namespace.  See
 * agent.h for the contract. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "agent.h"

/* The control socket's number in the agent: above anything a script opens. */
#define AGENT_CTRL_FD 1000
#define MAX_POLL 64

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* packetdrill's cap_set(): one capability of this process's set `which`
 * (0 effective, 1 permitted, 2 inheritable) raised (how 1) or dropped (0);
 * capset's own result and errno (EPERM: raised beyond the permitted set) */
static int cap_set(int32_t which, int32_t cap, int32_t how)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
    if (which < 0 || which > 2 || cap < 0 || cap >= 32 * _LINUX_CAPABILITY_U32S_3 ||
        (how != 0 && how != 1)) {
        errno = EINVAL;
        return -1;
    }
    if (syscall(SYS_capget, &h, d) < 0)
        return -1;
    uint32_t *w = which == 0   ? &d[cap / 32].effective
                  : which == 1 ? &d[cap / 32].permitted
                               : &d[cap / 32].inheritable;
    uint32_t bit = 1u << (cap % 32);
    *w = how ? *w | bit : *w & ~bit;
    return (int)syscall(SYS_capset, &h, d);
}

static bool g_shell_cpus_set; /* in the agent: ts_agent_start's shell_cpus */
static cpu_set_t g_shell_cpus;

static int run_shell(const char *cmd)
{
    pid_t p = fork();
    if (p < 0)
        return -1;
    if (p == 0) {
        signal(SIGPIPE, SIG_DFL);
        if (g_shell_cpus_set)
            (void)sched_setaffinity(0, sizeof g_shell_cpus, &g_shell_cpus);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(p, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}

/* A request's data as a string (data has room for the NUL: serve) */
static const char *text(const struct ts_agent_req *q, uint8_t *data)
{
    data[q->datalen < TS_AGENT_MAX_DATA ? q->datalen : TS_AGENT_MAX_DATA - 1] = 0;
    return (const char *)data;
}

/* The bytes of a MSG_ZEROCOPY send stay the kernel's until its
 * notification: each such send gets a place of its own, never reused (what
 * packetdrill's --send_omit_free asks), in an arena of ZC_KEEP bytes
 * mapped on first use and kept until the agent exits; past its end, the
 * request's own buffer. */
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000 /* Linux 4.14 */
#endif
#define ZC_KEEP (64u << 20)
static uint8_t *send_room(const struct ts_agent_req *q, uint8_t *data, size_t len)
{
    static uint8_t *arena;
    static size_t used;
    if (q->op == TS_AG_WRITE || !(q->a[1] & MSG_ZEROCOPY) || !len || len > ZC_KEEP - used)
        return data;
    if (!arena) {
        void *m = mmap(NULL, ZC_KEEP, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED)
            return data;
        arena = m;
    }
    uint8_t *b = arena + used;
    used += (len + 63) & ~(size_t)63;
    if (used > ZC_KEEP)
        used = ZC_KEEP;
    return b;
}

/* The bytes of a write, send or sendto in the place send_room() gives */
static const uint8_t *send_bytes(const struct ts_agent_req *q, uint8_t *data)
{
    uint8_t *b = send_room(q, data, q->datalen);
    if (b != data)
        memcpy(b, data, q->datalen);
    return b;
}

/* writev() or sendmsg() of the script's iovecs (TS_AG_IOV), each IOV_GAP
 * bytes after the end of the one before, so that no two touch */
#define IOV_GAP 64
static ssize_t send_iov(const struct ts_agent_req *q, uint8_t *data,
                        const struct sockaddr *addr, socklen_t alen)
{
    size_t k = q->a[2] > 0 && q->a[2] <= TS_AG_MAX_IOV ? (size_t)q->a[2] : 0;
    size_t head = k * sizeof(uint32_t), total = 0;
    struct iovec iov[TS_AG_MAX_IOV];
    uint32_t len[TS_AG_MAX_IOV];
    if (q->datalen < head) {
        errno = EINVAL;
        return -1;
    }
    memcpy(len, data, head);
    for (size_t i = 0; i < k; i++)
        total += len[i];
    if (total != q->datalen - head) {
        errno = EINVAL;
        return -1;
    }
    uint8_t *b = send_room(q, NULL, total + k * IOV_GAP);
    static uint8_t scratch[TS_AGENT_MAX_DATA + TS_AG_MAX_IOV * IOV_GAP];
    if (!b)
        b = scratch;
    const uint8_t *from = data + head;
    for (size_t i = 0, at = 0; i < k; i++) {
        memcpy(b + at, from, len[i]);
        iov[i] = (struct iovec){.iov_base = b + at, .iov_len = len[i]};
        from += len[i];
        at += len[i] + IOV_GAP;
    }
    if (q->op == TS_AG_WRITE)
        return writev(q->fd, iov, (int)k);
    struct msghdr m = {.msg_name = q->op == TS_AG_SENDTO && alen ? (void *)addr : NULL,
                       .msg_namelen = q->op == TS_AG_SENDTO ? alen : 0,
                       .msg_iov = iov, .msg_iovlen = k};
    return sendmsg(q->fd, &m, q->a[1]);
}

/* One call.  out/outlen: the reply's data. */
static int64_t call(const struct ts_agent_req *q, uint8_t *data, uint8_t *out,
                    uint32_t *outlen)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    const struct sockaddr *addr = (const struct sockaddr *)&q->addr;
    socklen_t alen = q->addrlen > sizeof q->addr ? sizeof q->addr : q->addrlen;
    size_t room = (size_t)q->a[0] > TS_AGENT_MAX_DATA ? TS_AGENT_MAX_DATA
                                                      : (size_t)(q->a[0] < 0 ? 0 : q->a[0]);
    ssize_t n;
    int r;
    bool nb = q->a[3] & TS_AG_NULLBUF;

    *outlen = 0;
    switch (q->op) {
    case TS_AG_SOCKET:
        return socket(q->a[0], q->a[1], q->a[2]);
    case TS_AG_BIND:
        return bind(q->fd, addr, alen);
    case TS_AG_LISTEN:
        return listen(q->fd, q->a[0]);
    case TS_AG_ACCEPT:
        r = accept(q->fd, (struct sockaddr *)&ss, &sl);
        if (r >= 0) {
            memcpy(out, &ss, sl);
            *outlen = sl;
        }
        return r;
    case TS_AG_GETSOCKNAME:
        r = getsockname(q->fd, (struct sockaddr *)&ss, &sl);
        if (r == 0) {
            memcpy(out, &ss, sl);
            *outlen = sl;
        }
        return r;
    case TS_AG_CONNECT:
        return connect(q->fd, addr, alen);
    case TS_AG_READ:
        n = read(q->fd, nb ? NULL : out, room);
        *outlen = n > 0 ? (uint32_t)n : 0;
        return n;
    case TS_AG_RECV:
        n = recv(q->fd, nb ? NULL : out, room, q->a[1]);
        *outlen = n > 0 ? (uint32_t)n : 0;
        return n;
    case TS_AG_RECVFROM:
        n = recvfrom(q->fd, nb ? NULL : out, room, q->a[1], (struct sockaddr *)&ss, &sl);
        *outlen = n > 0 ? (uint32_t)n : 0;
        return n;
    case TS_AG_WRITE:
        if (q->a[3] & TS_AG_IOV)
            return send_iov(q, data, addr, alen);
        return write(q->fd, nb ? NULL : data, nb ? (size_t)q->a[0] : q->datalen);
    case TS_AG_SEND:
        if (q->a[3] & TS_AG_IOV)
            return send_iov(q, data, addr, alen);
        return send(q->fd, nb ? NULL : send_bytes(q, data), nb ? (size_t)q->a[0] : q->datalen,
                    q->a[1]);
    case TS_AG_SENDTO:
        if (q->a[3] & TS_AG_IOV)
            return send_iov(q, data, addr, alen);
        return sendto(q->fd, nb ? NULL : send_bytes(q, data), nb ? (size_t)q->a[0] : q->datalen,
                      q->a[1], alen ? addr : NULL, alen);
    case TS_AG_SHUTDOWN:
        return shutdown(q->fd, q->a[0]);
    case TS_AG_CLOSE:
        if (q->fd == AGENT_CTRL_FD) {
            errno = EBADF; /* ours, not the script's */
            return -1;
        }
        return close(q->fd);
    case TS_AG_SETSOCKOPT:
        return setsockopt(q->fd, q->a[0], q->a[1], data, q->datalen);
    case TS_AG_GETSOCKOPT: {
        socklen_t ol = (socklen_t)((size_t)q->a[2] > TS_AGENT_MAX_DATA
                                       ? TS_AGENT_MAX_DATA
                                       : (size_t)(q->a[2] < 0 ? 0 : q->a[2]));
        r = getsockopt(q->fd, q->a[0], q->a[1], out, &ol);
        if (r == 0)
            *outlen = ol;
        return r;
    }
    case TS_AG_FCNTL:
        if (q->a[0] != F_GETFL && q->a[0] != F_SETFL && q->a[0] != F_GETFD &&
            q->a[0] != F_SETFD) {
            errno = EINVAL;
            return -1;
        }
        return fcntl(q->fd, q->a[0], q->a[1]);
    case TS_AG_RECVMSG: {
        /* the bytes read are not handed back: room for the control data */
        static uint8_t sink[TS_AGENT_MAX_DATA];
        union {
            struct cmsghdr align;
            uint8_t b[512];
        } ctl;
        struct iovec iov = {.iov_base = nb ? NULL : sink, .iov_len = room};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
                           .msg_controllen = sizeof ctl.b};
        n = recvmsg(q->fd, &m, q->a[1]);
        if (n >= 0) {
            int fl = m.msg_flags;
            size_t cl = m.msg_controllen < sizeof ctl.b ? m.msg_controllen : sizeof ctl.b;
            memcpy(out, &fl, sizeof fl);
            memcpy(out + sizeof fl, ctl.b, cl);
            *outlen = (uint32_t)(sizeof fl + cl);
        }
        return n;
    }
    case TS_AG_EPOLL_CREATE:
        return epoll_create(q->a[0]);
    case TS_AG_EPOLL_CTL: {
        struct epoll_event ev = {.events = (uint32_t)q->a[2]};
        memcpy(&ev.data, data, q->datalen < sizeof ev.data ? q->datalen : sizeof ev.data);
        return epoll_ctl(q->fd, q->a[0], q->a[1], q->datalen ? &ev : NULL);
    }
    case TS_AG_EPOLL_WAIT: {
        int max = q->a[0];
        if (max > MAX_POLL)
            max = MAX_POLL; /* more than a script reads; the kernel keeps the rest */
        struct epoll_event evs[MAX_POLL];
        r = epoll_wait(q->fd, evs, max, q->a[1]);
        if (r > 0) {
            memcpy(out, evs, (size_t)r * sizeof evs[0]);
            *outlen = (uint32_t)((size_t)r * sizeof evs[0]);
        }
        return r;
    }
    case TS_AG_POLL: {
        size_t nf = q->datalen / sizeof(struct pollfd);
        if (nf > MAX_POLL) {
            errno = EINVAL;
            return -1;
        }
        struct pollfd pf[MAX_POLL];
        memcpy(pf, data, nf * sizeof pf[0]);
        r = poll(pf, nf, q->a[0]);
        memcpy(out, pf, nf * sizeof pf[0]);
        *outlen = (uint32_t)(nf * sizeof pf[0]);
        return r;
    }
    case TS_AG_IOCTL: {
        int v = 0;
        if (q->datalen >= sizeof v)
            memcpy(&v, data, sizeof v);
        r = ioctl(q->fd, (unsigned long)(uint32_t)q->a[0], &v);
        if (r == 0) {
            memcpy(out, &v, sizeof v);
            *outlen = sizeof v;
        }
        return r;
    }
    case TS_AG_SHELL:
        return run_shell(text(q, data));
    case TS_AG_OPEN:
        return open(text(q, data), q->a[0], (mode_t)q->a[1]); /* as the script says */
    case TS_AG_SENDFILE: {
        off_t off = 0;
        int64_t o64 = 0;
        if (q->a[1] && q->datalen >= sizeof o64) {
            memcpy(&o64, data, sizeof o64);
            off = (off_t)o64;
        }
        n = sendfile(q->fd, q->a[0], q->a[1] ? &off : NULL, (size_t)(q->a[2] < 0 ? 0 : q->a[2]));
        if (q->a[1]) {
            o64 = (int64_t)off;
            memcpy(out, &o64, sizeof o64);
            *outlen = sizeof o64;
        }
        return n;
    }
    case TS_AG_PIPE: {
        int pfd[2];
        r = pipe(pfd);
        if (r == 0) {
            memcpy(out, pfd, sizeof pfd);
            *outlen = sizeof pfd;
        }
        return r;
    }
    case TS_AG_SPLICE:
        return splice(q->fd, NULL, q->a[0], NULL, (size_t)(q->a[1] < 0 ? 0 : q->a[1]),
                      (unsigned)q->a[2]);
    case TS_AG_CAP_SET:
        return cap_set(q->a[0], q->a[1], q->a[2]);
    default:
        errno = ENOSYS;
        return -1;
    }
}

static volatile uint32_t *g_shared; /* in the agent: its page, or NULL */

int ts_agent_serve(int fd)
{
    /* +1: room for the NUL a shell command gets */
    uint8_t *in = malloc(TS_AGENT_MAX_DATA + 1), *out = malloc(TS_AGENT_MAX_DATA);
    if (!in || !out) {
        free(in);
        free(out);
        return -1;
    }
    for (;;) {
        struct ts_agent_req q;
        struct iovec iv[2] = {{&q, sizeof q}, {in, TS_AGENT_MAX_DATA}};
        struct msghdr m = {.msg_iov = iv, .msg_iovlen = 2};
        ssize_t n = recvmsg(fd, &m, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < (ssize_t)sizeof q)
            break; /* the runner is gone, or sent garbage */
        if (q.datalen > (size_t)n - sizeof q)
            q.datalen = (uint32_t)((size_t)n - sizeof q);
        struct ts_agent_rep r = {.id = q.id};
        uint32_t outlen = 0;
        if (g_shared)
            g_shared[0] = q.id;
        r.t_start = mono_ns();
        if (q.op == TS_AG_QUIT) {
            r.t_end = r.t_start;
        } else {
            errno = 0;
            r.ret = call(&q, in, out, &outlen);
            r.err = r.ret < 0 ? errno : 0;
            r.t_end = mono_ns();
        }
        if (g_shared)
            g_shared[1] = q.id;
        r.datalen = outlen;
        struct iovec ov[2] = {{&r, sizeof r}, {out, outlen}};
        struct msghdr om = {.msg_iov = ov, .msg_iovlen = 2};
        while (sendmsg(fd, &om, MSG_NOSIGNAL) < 0)
            if (errno != EINTR)
                goto done;
        if (q.op == TS_AG_QUIT)
            break;
    }
done:
    free(in);
    free(out);
    return 0;
}

int ts_agent_start(struct ts_agent *ag, const char *netns_path, const char *cwd,
                   const cpu_set_t *shell_cpus,
                   char *err, size_t errlen)
{
    int sv[2], nsfd = -1;

    memset(ag, 0, sizeof *ag);
    ag->fd = -1;
    ag->pid = -1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, errlen, "agent: socketpair: %s", strerror(errno));
        return -1;
    }
    /* a message must fit the socket's buffer */
    int sz = (int)(TS_AGENT_MAX_DATA * 2 + 4096);
    for (int i = 0; i < 2; i++) {
        setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
        setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    }
    bool fresh = netns_path && !*netns_path;
    if (netns_path && !fresh) {
        nsfd = open(netns_path, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0) {
            snprintf(err, errlen, "agent: %s: %s", netns_path, strerror(errno));
            close(sv[0]);
            close(sv[1]);
            return -1;
        }
    }
    void *pg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ag->shared = pg == MAP_FAILED ? NULL : pg;
    pid_t parent = getpid();
    pid_t p = fork();
    if (p < 0) {
        snprintf(err, errlen, "agent: fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        if (nsfd >= 0)
            close(nsfd);
        return -1;
    }
    if (p == 0) {
        /* gone with the runner, whatever kills it */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        signal(SIGPIPE, SIG_IGN); /* a script may expect EPIPE */
        signal(SIGINT, SIG_IGN);  /* the runner decides when we end */
        if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
            _exit(1);
        if (fresh && unshare(CLONE_NEWNET) < 0)
            _exit(1);
        setpgid(0, 0);
        /* packetdrill's shell lines may name it (/tmp/sysctl_restore_$PID.sh):
         * their parent, as packetdrill is theirs */
        char pid[24];
        snprintf(pid, sizeof pid, "%d", (int)getpid());
        setenv("PACKETDRILL_PID", pid, 1);
        if (cwd && chdir(cwd) < 0)
            _exit(1);
        if (dup2(sv[1], AGENT_CTRL_FD) < 0)
            _exit(1);
        /* nothing of the runner's between stderr and the control socket:
         * the script's first socket is 3 */
        for (int fd = 3; fd < AGENT_CTRL_FD; fd++)
            close(fd);
        close_range(AGENT_CTRL_FD + 1, ~0u, 0);
        g_shared = ag->shared;
        if (shell_cpus) {
            g_shell_cpus_set = true;
            g_shell_cpus = *shell_cpus;
        }
        _exit(ts_agent_serve(AGENT_CTRL_FD) < 0 ? 1 : 0);
    }
    close(sv[1]);
    if (nsfd >= 0)
        close(nsfd);
    setpgid(p, p); /* both sides: no race with the first kill */
    ag->pid = p;
    ag->fd = sv[0];
    return 0;
}

int ts_agent_send(struct ts_agent *ag, const struct ts_agent_req *req,
                  const void *data, char *err, size_t errlen)
{
    struct ts_agent_req q = *req;
    if (ag->fd < 0 || ag->busy) {
        snprintf(err, errlen, "agent: %s", ag->fd < 0 ? "not running" : "busy");
        return -1;
    }
    if (q.datalen > TS_AGENT_MAX_DATA) {
        snprintf(err, errlen, "agent: %u bytes is more than a call takes (%u)",
                 (unsigned)q.datalen, TS_AGENT_MAX_DATA);
        return -1;
    }
    q.id = ++ag->next_id;
    struct iovec iv[2] = {{&q, sizeof q}, {(void *)data, data ? q.datalen : 0}};
    struct msghdr m = {.msg_iov = iv, .msg_iovlen = data ? 2 : 1};
    if (!data)
        q.datalen = 0;
    while (sendmsg(ag->fd, &m, MSG_NOSIGNAL) < 0) {
        if (errno == EINTR)
            continue;
        snprintf(err, errlen, "agent: send: %s", strerror(errno));
        return -1;
    }
    ag->busy = true;
    return 0;
}

int ts_agent_recv(struct ts_agent *ag, struct ts_agent_rep *rep, void *data,
                  size_t room, int timeout_ms, char *err, size_t errlen)
{
    struct pollfd pf = {.fd = ag->fd, .events = POLLIN};
    int n;

    if (ag->fd < 0) {
        snprintf(err, errlen, "agent: not running");
        return -1;
    }
    do
        n = poll(&pf, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        snprintf(err, errlen, "agent: poll: %s", strerror(errno));
        return -1;
    }
    if (n == 0)
        return 0;
    struct iovec iv[2] = {{rep, sizeof *rep}, {data, data ? room : 0}};
    struct msghdr m = {.msg_iov = iv, .msg_iovlen = data ? 2 : 1};
    ssize_t got;
    do
        got = recvmsg(ag->fd, &m, 0);
    while (got < 0 && errno == EINTR);
    if (got < (ssize_t)sizeof *rep) {
        snprintf(err, errlen, "agent: it ended (%s)",
                 got < 0 ? strerror(errno) : "no answer");
        return -1;
    }
    if (rep->datalen > (size_t)got - sizeof *rep)
        rep->datalen = (uint32_t)((size_t)got - sizeof *rep);
    ag->busy = false;
    return 1;
}

void ts_agent_stop(struct ts_agent *ag)
{
    if (ag->pid > 0) {
        char e[128];
        struct ts_agent_rep r;
        struct ts_agent_req q = {.op = TS_AG_QUIT};
        if (!ag->busy && ts_agent_send(ag, &q, NULL, e, sizeof e) == 0)
            ts_agent_recv(ag, &r, NULL, 0, 1000, e, sizeof e);
        /* the agent and what a shell line left running, killed before the
         * agent is reaped so that the group's number cannot be reused: a
         * call blocked forever ends too */
        kill(-ag->pid, SIGKILL);
        kill(ag->pid, SIGKILL);
        int st;
        while (waitpid(ag->pid, &st, 0) < 0 && errno == EINTR)
            ;
        ag->pid = -1;
    }
    if (ag->fd >= 0)
        close(ag->fd);
    ag->fd = -1;
    ag->busy = false;
    if (ag->shared)
        munmap((void *)ag->shared, 4096);
    ag->shared = NULL;
}

/* The agent's scheduling state from /proc/PID/stat: 'R', 'S', 'D' ... */
static char proc_state(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return '?';
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return '?';
    buf[n] = 0;
    const char *rp = strrchr(buf, ')'); /* the name may hold anything */
    return rp && rp[1] == ' ' ? rp[2] : '?';
}

int ts_agent_wait_blocked(struct ts_agent *ag, int max_ms)
{
    if (!ag->shared || ag->pid <= 0)
        return 0;
    uint32_t id = ag->next_id;
    uint64_t until = mono_ns() + (uint64_t)max_ms * 1000000u;
    while (mono_ns() < until) {
        if (ag->shared[1] == id)
            return 1; /* done: the reply is there */
        if (ag->shared[0] == id) {
            char st = proc_state(ag->pid);
            if (st == 'S' || st == 'D')
                return ag->shared[1] == id || ag->shared[0] == id ? 1 : 0;
        }
        sched_yield();
    }
    return 0;
}
