/* The host around a drive session (env.h): privileges, the kernel's own
 * sockets (from /proc/net/tcp and tcp6: this network namespace's), source
 * port blocks reserved between concurrent sessions, and the guard's removal
 * reported on every outcome.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "env.h"

int ts_drive_check_root(uint8_t family, char *err, size_t errlen)
{
    int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC,
                    IPPROTO_RAW);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    if (errno == EPERM || errno == EACCES)
        snprintf(err, errlen, "needs root (or CAP_NET_RAW and CAP_NET_ADMIN): "
                 "a raw socket was refused; run it as root (sudo)");
    else
        snprintf(err, errlen, "raw socket: %s", strerror(errno));
    return -1;
}

static socklen_t sockaddr_of(const struct ts_addr *a, uint16_t port,
                             struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (a->family == 6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        memcpy(&s6->sin6_addr, a->a, 16);
        return sizeof *s6;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    memcpy(&s4->sin_addr, a->a, 4);
    return sizeof *s4;
}

int ts_drive_check_own_addr(const struct ts_addr *a, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    char s[64];
    socklen_t n = sockaddr_of(a, 0, &ss);
    int fd = socket(a->family == 6 ? AF_INET6 : AF_INET,
                    SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return 0; /* cannot tell: let the session find out */
    int rc = bind(fd, (struct sockaddr *)&ss, n);
    int e = errno;
    close(fd);
    if (rc == 0 || e != EADDRNOTAVAIL)
        return 0;
    snprintf(err, errlen, "--addr %s: not an address of this host (no "
             "interface has it): clients could not reach us there",
             ts_addr_str(a, s, sizeof s));
    return -1;
}

/* ---- the kernel's TCP sockets ---------------------------------------------- */

#define ST_LISTEN 0x0a

struct ksock {
    struct ts_addr addr;
    unsigned port, state;
};

/* Every socket of /proc/net/tcp (family 4) or tcp6 (6), until fn returns
 * nonzero; that value is returned (0: all seen, or the file is missing). */
static int each_ksock(uint8_t family, int (*fn)(void *u, const struct ksock *k),
                      void *u)
{
    FILE *f = fopen(family == 6 ? "/proc/net/tcp6" : "/proc/net/tcp", "re");
    char line[512], hex[40];
    int rc = 0;

    if (!f)
        return 0;
    while (!rc && fgets(line, sizeof line, f)) {
        struct ksock k = {.addr.family = family};
        if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", hex,
                   &k.port, &k.state) != 3)
            continue; /* the heading */
        size_t words = family == 6 ? 4 : 1;
        if (strlen(hex) != words * 8)
            continue;
        /* each 32-bit word printed as the host reads it from memory */
        for (size_t w = 0; w < words; w++) {
            char part[9];
            memcpy(part, hex + w * 8, 8);
            part[8] = '\0';
            uint32_t v = (uint32_t)strtoul(part, NULL, 16);
            memcpy(k.addr.a + w * 4, &v, 4);
        }
        rc = fn(u, &k);
    }
    fclose(f);
    return rc;
}

static bool addr_is_any(const struct ts_addr *a)
{
    static const uint8_t zero[16];
    return memcmp(a->a, zero, a->family == 6 ? 16 : 4) == 0;
}

/* ::ffff:a.b.c.d -> a.b.c.d */
static bool v4_mapped(const struct ts_addr *a6, struct ts_addr *a4)
{
    static const uint8_t pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a6->a, pre, 12) != 0)
        return false;
    memset(a4, 0, sizeof *a4);
    a4->family = 4;
    memcpy(a4->a, a6->a + 12, 4);
    return true;
}

struct lcheck {
    const struct ts_addr *local; /* family 0: any */
    uint8_t family;
    uint16_t port;
    struct ts_addr found;
};

/* Would an IPv4 connection to local:port reach an IPv6 wildcard listener?
 * Only when it is not IPV6_V6ONLY: ask the kernel with a bind. */
static bool dual_stack_listener(const struct lcheck *c)
{
    struct ts_addr any4 = {.family = 4};
    struct sockaddr_storage ss;
    socklen_t n = sockaddr_of(c->local->family ? c->local : &any4, c->port, &ss);
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return true;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = bind(fd, (struct sockaddr *)&ss, n);
    int e = errno;
    close(fd);
    return rc < 0 && e == EADDRINUSE;
}

static int listener_in_the_way(void *u, const struct ksock *k)
{
    struct lcheck *c = u;
    struct ts_addr a = k->addr, m;

    if (k->state != ST_LISTEN || k->port != c->port)
        return 0;
    if (c->family == 4 && a.family == 6) {
        if (v4_mapped(&a, &m))
            a = m;
        else if (!addr_is_any(&a) || !dual_stack_listener(c))
            return 0;
    }
    if (c->local->family && !addr_is_any(&a) && a.family == c->local->family &&
        ts_addr_cmp(&a, c->local) != 0)
        return 0;
    c->found = k->addr;
    return 1;
}

int ts_drive_check_listeners(const struct ts_addr *local, uint8_t family,
                             uint16_t port, char *err, size_t errlen)
{
    static const struct ts_addr none;
    struct lcheck c = {.local = local, .family = local->family ? local->family : family,
                       .port = port};
    char s[64];

    if (local->family && addr_is_any(local))
        c.local = &none; /* --addr 0.0.0.0 or ::, every address */

    if (!each_ksock(c.family, listener_in_the_way, &c) &&
        !(c.family == 4 && each_ksock(6, listener_in_the_way, &c)))
        return 0;
    snprintf(err, errlen, "port %u already has a listening socket on %s",
             (unsigned)port, ts_addr_str(&c.found, s, sizeof s));
    return -1;
}

/* ---- source port blocks ------------------------------------------------------ */

static int mark_used(void *u, const struct ksock *k)
{
    uint8_t *used = u;
    used[k->port / 8] |= (uint8_t)(1u << (k->port % 8));
    return 0;
}

static bool block_free(const uint8_t *used, unsigned base, unsigned n)
{
    for (unsigned p = base; p < base + n; p++)
        if (used[p / 8] & (1u << (p % 8)))
            return false;
    return true;
}

static int lock_file(void)
{
    static const char *const paths[] = {"/run/lock/tcpshake-ports.lock",
                                        "/run/tcpshake-ports.lock",
                                        "/var/lock/tcpshake-ports.lock"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        int fd = open(paths[i], O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd >= 0)
            return fd;
    }
    return -1;
}

/* Past its lock bytes the lock file holds each port's last use: one
 * 32-bit CLOCK_BOOTTIME second (plus one; 0: never) at USE_AT + 4 * port,
 * written only by the holder of the port's lock.  /run is emptied at boot;
 * a stamp from the future (a file that outlived a boot) counts as never. */
#define USE_AT 65536u

static uint32_t boot_secs(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_BOOTTIME, &t) < 0)
        return 0;
    return (uint32_t)t.tv_sec + 1;
}

static bool stamp_recent(uint32_t stamp, uint32_t now)
{
    return stamp && now && stamp <= now && now - stamp < TS_DRIVE_PORT_QUIET_SECS;
}

void ts_drive_mark_ports(int hold, uint16_t base, unsigned n)
{
    uint32_t now = boot_secs();
    if (hold < 0 || !now)
        return;
    for (unsigned p = base; p < (unsigned)base + n && p < 65536; p++)
        (void)!pwrite(hold, &now, sizeof now, (off_t)(USE_AT + 4u * p));
}

bool ts_drive_port_quiet(int hold, uint16_t port)
{
    uint32_t stamp = 0;
    if (hold < 0 || pread(hold, &stamp, sizeof stamp, (off_t)(USE_AT + 4u * port)) !=
                        (ssize_t)sizeof stamp)
        return true;
    return !stamp_recent(stamp, boot_secs());
}

static bool take(int fd, unsigned base, unsigned n)
{
    struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET,
                      .l_start = (off_t)base, .l_len = (off_t)n};
    return fd < 0 || fcntl(fd, F_OFD_SETLK, &l) == 0;
}

int ts_drive_reserve_ports(struct ts_craft_rng *rng, unsigned n, uint16_t *base,
                           int *hold)
{
    unsigned lo = 32768, hi = 60999;
    uint8_t used[65536 / 8];
    uint32_t v = 0;
    FILE *f;

    *hold = -1;
    if (n == 0 || n > 65535)
        return -1;
    if ((f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re"))) {
        if (fscanf(f, "%u %u", &lo, &hi) != 2 || lo > hi || hi > 65535) {
            lo = 32768;
            hi = 60999;
        }
        fclose(f);
    }
    memset(used, 0, sizeof used);
    each_ksock(4, mark_used, used);
    each_ksock(6, mark_used, used);
    /* the two stretches outside the ephemeral range, above first (as
     * ts_drive_pick_ports); bases first..last in each */
    struct stretch {
        unsigned first, last;
    } r[2];
    unsigned nr = 0;
    if (hi < 65535 && 65535 - hi >= n)
        r[nr++] = (struct stretch){hi + 1, 65535 - n + 1};
    if (lo > 1024 && lo - 1024 >= n)
        r[nr++] = (struct stretch){1024, lo - n};
    if (!nr)
        return -1;

    int fd = lock_file();
    /* ports used within the quiet time are a peer's TIME-WAIT (or a
     * connection it still holds): a SYN from one would meet that
     * connection, not a listener (lwIP answers it with an ACK) */
    uint8_t quiet_only[65536 / 8];
    memcpy(quiet_only, used, sizeof used);
    if (fd >= 0) {
        uint32_t now = boot_secs(), st[1024];
        for (unsigned p0 = 0; p0 < 65536; p0 += 1024) {
            ssize_t got = pread(fd, st, sizeof st, (off_t)(USE_AT + 4u * p0));
            if (got <= 0)
                break;
            for (unsigned k = 0; k < (unsigned)got / 4; k++)
                if (stamp_recent(st[k], now))
                    quiet_only[(p0 + k) / 8] |= (uint8_t)(1u << ((p0 + k) % 8));
        }
    }
    ts_craft_rng_u32(rng, &v);
    /* from a random base in the first stretch, every base in turn (wrapping
     * round within it), then the second stretch the same way; first among
     * blocks of quiet ports, then among any */
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < nr; i++) {
            unsigned span = r[i].last - r[i].first + 1;
            unsigned start = v % span;
            for (unsigned j = 0; j < span; j++) {
                unsigned b = r[i].first + (start + j) % span;
                if (!block_free(pass ? used : quiet_only, b, n) || !take(fd, b, n))
                    continue;
                *base = (uint16_t)b;
                *hold = fd;
                return 0;
            }
        }
    }
    if (fd >= 0)
        close(fd);
    return -1;
}

void ts_drive_release_ports(int hold)
{
    if (hold >= 0)
        close(hold); /* the lock goes with its open file description */
}

/* ---- the end of a session ------------------------------------------------------ */

void ts_drive_close_report(struct dsess *s, struct ts_drive_result *res,
                           char *err, size_t errlen)
{
    char e2[320];

    if (dsess_close(s, e2, sizeof e2) == 0)
        return;
    if (res->outcome == TS_DRIVE_OK) {
        res->outcome = TS_DRIVE_FAILED;
        snprintf(err, errlen, "%s", e2);
        return;
    }
    /* both, the removal whole: it says how to clean up by hand */
    size_t keep = strlen(err), need = strlen(e2) + 3;
    if (keep + need >= errlen)
        keep = errlen > need ? errlen - need - 1 : 0;
    snprintf(err + keep, errlen - keep, "%s%s", keep ? "; " : "", e2);
}
