/* The names a script may use: symbolic constants with their values on this
 * machine, packetdrill's system calls and its script options. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/capability.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>

#include "internal.h"

#ifndef SOL_UDP
#define SOL_UDP 17 /* Linux defines it only in <linux/udp.h> */
#endif

#define S(x) {#x, (int64_t)(x)}

static const struct {
    const char *name;
    int64_t value;
} symbols[] = {
    {"NULL", 0},
    /* sockets */
    S(AF_UNSPEC), S(AF_INET), S(AF_INET6), S(PF_INET), S(PF_INET6),
    S(SOCK_STREAM), S(SOCK_DGRAM), S(SOCK_RAW), S(SOCK_NONBLOCK), S(SOCK_CLOEXEC),
    S(IPPROTO_IP), S(IPPROTO_IPV6), S(IPPROTO_TCP), S(IPPROTO_UDP), S(IPPROTO_ICMP),
    S(SOL_SOCKET), S(SOL_IP), S(SOL_IPV6), S(SOL_TCP), S(SOL_UDP),
    S(SHUT_RD), S(SHUT_WR), S(SHUT_RDWR), S(INADDR_ANY),
    /* socket options */
    S(SO_ACCEPTCONN), S(SO_BROADCAST), S(SO_DEBUG), S(SO_DONTROUTE), S(SO_ERROR),
    S(SO_KEEPALIVE), S(SO_LINGER), S(SO_MARK), S(SO_OOBINLINE), S(SO_PRIORITY),
    S(SO_RCVBUF), S(SO_RCVLOWAT), S(SO_RCVTIMEO), S(SO_REUSEADDR), S(SO_REUSEPORT),
    S(SO_SNDBUF), S(SO_SNDLOWAT), S(SO_SNDTIMEO), S(SO_TYPE), S(SO_BINDTODEVICE),
    S(SO_TIMESTAMP), S(SO_TIMESTAMPING),
    S(SOF_TIMESTAMPING_TX_HARDWARE), S(SOF_TIMESTAMPING_TX_SOFTWARE),
    S(SOF_TIMESTAMPING_RX_HARDWARE), S(SOF_TIMESTAMPING_RX_SOFTWARE),
    S(SOF_TIMESTAMPING_SOFTWARE), S(SOF_TIMESTAMPING_RAW_HARDWARE), S(SOF_TIMESTAMPING_OPT_ID),
    S(SOF_TIMESTAMPING_TX_SCHED), S(SOF_TIMESTAMPING_TX_ACK), S(SOF_TIMESTAMPING_OPT_CMSG),
    S(SOF_TIMESTAMPING_OPT_TSONLY), S(SOF_TIMESTAMPING_OPT_STATS),
    S(SCM_TIMESTAMPING), S(SCM_TIMESTAMPING_OPT_STATS),
    S(SCM_TSTAMP_SND), S(SCM_TSTAMP_SCHED), S(SCM_TSTAMP_ACK),
    /* sock_extended_err (the error queue) */
    S(SO_EE_ORIGIN_NONE), S(SO_EE_ORIGIN_LOCAL), S(SO_EE_ORIGIN_ICMP), S(SO_EE_ORIGIN_ICMP6),
    S(SO_EE_ORIGIN_TXSTATUS), S(SO_EE_ORIGIN_TIMESTAMPING),
#ifdef SO_EE_ORIGIN_ZEROCOPY
    S(SO_EE_ORIGIN_ZEROCOPY), S(SO_EE_CODE_ZEROCOPY_COPIED),
#endif
#ifdef SO_MAX_PACING_RATE
    S(SO_MAX_PACING_RATE),
#endif
#ifdef SO_ZEROCOPY
    S(SO_ZEROCOPY),
#endif
    S(IP_TOS), S(IP_TTL), S(IP_MTU_DISCOVER), S(IP_MTU), S(IP_RECVERR), S(IP_FREEBIND),
    S(IP_PMTUDISC_DONT), S(IP_PMTUDISC_WANT), S(IP_PMTUDISC_DO), S(IP_PMTUDISC_PROBE),
    S(IPV6_MTU_DISCOVER), S(IPV6_MTU), S(IPV6_RECVERR), S(IPV6_TCLASS), S(IPV6_HOPLIMIT),
    S(IPV6_V6ONLY),
    /* cap_set(WHICH, CAPABILITY, HOW): libcap's names for the set and the
     * change, as packetdrill's, and the capabilities */
    {"CAP_EFFECTIVE", 0}, {"CAP_PERMITTED", 1}, {"CAP_INHERITABLE", 2},
    {"CAP_CLEAR", 0}, {"CAP_SET", 1},
    S(CAP_CHOWN), S(CAP_DAC_OVERRIDE), S(CAP_DAC_READ_SEARCH), S(CAP_FOWNER), S(CAP_FSETID),
    S(CAP_KILL), S(CAP_SETGID), S(CAP_SETUID), S(CAP_SETPCAP), S(CAP_LINUX_IMMUTABLE),
    S(CAP_NET_BIND_SERVICE), S(CAP_NET_BROADCAST), S(CAP_NET_ADMIN), S(CAP_NET_RAW),
    S(CAP_IPC_LOCK), S(CAP_IPC_OWNER), S(CAP_SYS_MODULE), S(CAP_SYS_RAWIO), S(CAP_SYS_CHROOT),
    S(CAP_SYS_PTRACE), S(CAP_SYS_PACCT), S(CAP_SYS_ADMIN), S(CAP_SYS_BOOT), S(CAP_SYS_NICE),
    S(CAP_SYS_RESOURCE), S(CAP_SYS_TIME), S(CAP_SYS_TTY_CONFIG), S(CAP_MKNOD), S(CAP_LEASE),
    S(CAP_AUDIT_WRITE), S(CAP_AUDIT_CONTROL), S(CAP_SETFCAP), S(CAP_MAC_OVERRIDE),
    S(CAP_MAC_ADMIN), S(CAP_SYSLOG), S(CAP_WAKE_ALARM), S(CAP_BLOCK_SUSPEND),
    S(CAP_AUDIT_READ),
    S(TCP_NODELAY), S(TCP_MAXSEG), S(TCP_CORK), S(TCP_KEEPIDLE), S(TCP_KEEPINTVL),
    S(TCP_KEEPCNT), S(TCP_SYNCNT), S(TCP_LINGER2), S(TCP_DEFER_ACCEPT), S(TCP_INFO),
    S(TCP_QUICKACK), S(TCP_CONGESTION), S(TCP_MD5SIG), S(TCP_USER_TIMEOUT),
    S(TCP_FASTOPEN), S(TCP_NOTSENT_LOWAT), S(TCP_WINDOW_CLAMP), S(TCP_THIN_LINEAR_TIMEOUTS),
#ifdef TCP_FASTOPEN_CONNECT
    S(TCP_FASTOPEN_CONNECT),
#endif
#ifdef TCP_FASTOPEN_KEY
    S(TCP_FASTOPEN_KEY),
#endif
#ifdef TCP_FASTOPEN_NO_COOKIE
    S(TCP_FASTOPEN_NO_COOKIE),
#endif
#ifdef TCP_INQ
    S(TCP_INQ),
#endif
#ifdef TCP_CM_INQ
    S(TCP_CM_INQ),
#endif
#ifdef TCP_TX_DELAY
    S(TCP_TX_DELAY),
#endif
    S(TCP_TIMESTAMP),
    /* files, fcntl */
    S(O_RDONLY), S(O_WRONLY), S(O_RDWR), S(O_ACCMODE), S(O_CREAT), S(O_EXCL), S(O_TRUNC),
    S(O_APPEND), S(O_NONBLOCK), S(O_NDELAY), S(O_CLOEXEC),
    S(F_DUPFD), S(F_GETFD), S(F_SETFD), S(F_GETFL), S(F_SETFL), S(F_GETOWN), S(F_SETOWN),
    S(F_DUPFD_CLOEXEC), S(FD_CLOEXEC),
    S(SPLICE_F_MOVE), S(SPLICE_F_NONBLOCK), S(SPLICE_F_MORE), S(SPLICE_F_GIFT),
    /* send, recv */
    S(MSG_OOB), S(MSG_PEEK), S(MSG_DONTROUTE), S(MSG_CTRUNC), S(MSG_TRUNC), S(MSG_EOR),
    S(MSG_WAITALL), S(MSG_DONTWAIT), S(MSG_NOSIGNAL), S(MSG_MORE), S(MSG_ERRQUEUE),
    S(MSG_CONFIRM), S(MSG_FASTOPEN),
#ifdef MSG_ZEROCOPY
    S(MSG_ZEROCOPY),
#endif
    S(SIOCINQ), S(SIOCOUTQ), S(FIONREAD),
    /* poll, epoll */
    S(POLLIN), S(POLLPRI), S(POLLOUT), S(POLLRDNORM), S(POLLRDBAND), S(POLLWRNORM),
    S(POLLWRBAND), S(POLLMSG), S(POLLRDHUP), S(POLLERR), S(POLLHUP), S(POLLNVAL),
    S(EPOLLIN), S(EPOLLPRI), S(EPOLLOUT), S(EPOLLRDNORM), S(EPOLLRDBAND), S(EPOLLWRNORM),
    S(EPOLLWRBAND), S(EPOLLMSG), S(EPOLLERR), S(EPOLLHUP), S(EPOLLRDHUP), S(EPOLLONESHOT),
    S(EPOLLET),
#ifdef EPOLLEXCLUSIVE
    S(EPOLLEXCLUSIVE),
#endif
    S(EPOLL_CTL_ADD), S(EPOLL_CTL_MOD), S(EPOLL_CTL_DEL),
    /* errno */
    S(EPERM), S(ENOENT), S(EINTR), S(EIO), S(EBADF), S(EAGAIN), S(EWOULDBLOCK), S(ENOMEM),
    S(EACCES), S(EFAULT), S(EBUSY), S(EEXIST), S(EINVAL), S(ENFILE), S(EMFILE), S(ENOSPC),
    S(ESPIPE), S(EPIPE), S(ERANGE), S(ENOSYS), S(ENOTSOCK), S(EDESTADDRREQ), S(EMSGSIZE),
    S(EPROTOTYPE), S(ENOPROTOOPT), S(EPROTONOSUPPORT), S(ESOCKTNOSUPPORT), S(EOPNOTSUPP),
    S(EPFNOSUPPORT), S(EAFNOSUPPORT), S(EADDRINUSE), S(EADDRNOTAVAIL), S(ENETDOWN),
    S(ENETUNREACH), S(ENETRESET), S(ECONNABORTED), S(ECONNRESET), S(ENOBUFS), S(EISCONN),
    S(ENOTCONN), S(ESHUTDOWN), S(ETIMEDOUT), S(ECONNREFUSED), S(EHOSTDOWN),
    S(EHOSTUNREACH), S(EALREADY), S(EINPROGRESS), S(EPROTO), S(ENODATA), S(ENOTTY),
    S(ENOMSG),
};

bool ts_script_symbol(const char *name, int64_t *value)
{
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
        if (!strcmp(symbols[i].name, name)) {
            if (value)
                *value = symbols[i].value;
            return true;
        }
    return false;
}

bool ts_script_errno_known(const char *name)
{
    /* every errno of the table above starts with E and is not a poll bit */
    return name[0] == 'E' && strncmp(name, "EPOLL", 5) && ts_script_symbol(name, NULL);
}

const char *ts_script_errno_name(int e)
{
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
        if (symbols[i].value == e && ts_script_errno_known(symbols[i].name))
            return symbols[i].name;
    return "E?";
}

/* packetdrill's system calls */
static const char *const syscalls[] = {
    "socket", "bind", "listen", "accept", "connect", "read", "readv", "recv", "recvfrom",
    "recvmsg", "write", "writev", "send", "sendto", "sendmsg", "fcntl", "ioctl", "close",
    "shutdown", "getsockopt", "setsockopt", "poll", "cap_set", "open", "sendfile",
    "epoll_create", "epoll_ctl", "epoll_wait", "pipe", "splice",
};

bool ts_script_syscall_known(const char *name)
{
    for (size_t i = 0; i < sizeof syscalls / sizeof syscalls[0]; i++)
        if (!strcmp(syscalls[i], name))
            return true;
    return false;
}

/* packetdrill's options: whether each takes a value, whether it is a
 * number, and why tcpshake refuses it (NULL: read) */
static const struct script_optname {
    const char *name;
    char arg; /* 'n' a number, 's' any text, '-' none */
    const char *refused;
} optnames[] = {
    {"ip_version", 's', NULL},
    {"bind_port", 'n', NULL},
    {"connect_port", 'n', NULL},
    {"remote_ip", 's', NULL},
    {"local_ip", 's', NULL},
    {"gateway_ip", 's', NULL},
    {"netmask_ip", 's', NULL},
    {"speed", 'n', NULL},
    {"mss", 'n', NULL},
    {"mtu", 'n', NULL},
    {"init_scripts", 's', NULL},
    {"tolerance_usecs", 'n', NULL},
    {"tolerance_percent", 'n', NULL},
    {"tcp_ts_ecr_scaled", '-', NULL},
    {"tcp_ts_tick_usecs", 'n', NULL},
    {"strict_segments", '-', NULL},
    {"non_fatal", 's', NULL},
    {"dry_run", '-', NULL},
    {"debug", '-', NULL},
    {"verbose", '-', NULL},
    {"define", 's', "packetdrill cannot read a definition among a script's options "
                    "(--define=SYM=VALUE is a syntax error there): give it with -D"},
    {"code_command", 's', "python code is not supported"},
    {"code_format", 's', "python code is not supported"},
    {"code_sockopt", 's', "python code is not supported"},
    {"wire_client", '-', "packetdrill's wire mode is not supported"},
    {"wire_server", '-', "packetdrill's wire mode is not supported"},
    {"wire_server_ip", 's', "packetdrill's wire mode is not supported"},
    {"wire_server_at", 's', "packetdrill's wire mode is not supported"},
    {"wire_server_port", 's', "packetdrill's wire mode is not supported"},
    {"wire_client_dev", 's', "packetdrill's wire mode is not supported"},
    {"wire_server_dev", 's', "packetdrill's wire mode is not supported"},
    {"so_filename", 's', "user-space stacks loaded as .so are not supported"},
    {"so_flags", 's', "user-space stacks loaded as .so are not supported"},
    {"is_anyip", '-', "AnyIP is not supported"},
    {"send_omit_free", '-', NULL}, /* what tcpshake always does (agent.c) */
    {"psp_udp_port", 'n', "PSP is not supported"},
};

int ts_script_option_lookup(const char *name, char *arg, const char **refused)
{
    for (size_t i = 0; i < sizeof optnames / sizeof optnames[0]; i++)
        if (!strcmp(optnames[i].name, name)) {
            *arg = optnames[i].arg;
            *refused = optnames[i].refused;
            return 0;
        }
    return -1;
}

/* functions packetdrill's expressions have */
bool ts_script_function_known(const char *name)
{
    static const char *const fns[] = {"htons", "inet_addr", "inet6_addr", "msg_name",
                                      "msg_iov"};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (!strcmp(fns[i], name))
            return true;
    return false;
}

/* ---- ICMP ------------------------------------------------------------------------ */

struct icmp_name {
    const char *name;
    uint8_t v;
};

static const struct icmp_name unreach4[] = {
    {"net_unreachable", 0},        {"host_unreachable", 1},       {"protocol_unreachable", 2},
    {"port_unreachable", 3},       {"frag_needed", 4},            {"source_route_failed", 5},
    {"net_unknown", 6},            {"host_unknown", 7},           {"source_host_isolated", 8},
    {"net_prohibited", 9},         {"host_prohibited", 10},       {"net_unreachable_for_tos", 11},
    {"host_unreachable_for_tos", 12}, {"packet_filtered", 13},    {"precedence_violation", 14},
    {"precedence_cutoff", 15},     {NULL, 0}};
static const struct icmp_name unreach6[] = {
    {"net_unreachable", 0}, {"no_route", 0},            {"admin_prohibited", 1},
    {"not_neighbour", 2},   {"address_unreachable", 3}, {"port_unreachable", 4},
    {NULL, 0}};
static const struct icmp_name exceed6[] = {
    {"exceeded_hop_limit", 0}, {"exceeded_frag_time", 1}, {NULL, 0}};
static const struct icmp_name param6[] = {
    {"header_field", 0}, {"unknown_next_header", 1}, {"unknown_option", 2}, {NULL, 0}};

struct icmp_type {
    const char *name;
    uint8_t v;
    const struct icmp_name *codes; /* NULL: only code_N */
};

static const struct icmp_type types4[] = {
    {"echo_reply", 0, NULL},          {"unreachable", 3, unreach4},
    {"source_quench", 4, NULL},       {"redirect", 5, NULL},
    {"echo_request", 8, NULL},        {"time_exceeded", 11, NULL},
    {"parameter_problem", 12, NULL},  {"timestamp_request", 13, NULL},
    {"timestamp_reply", 14, NULL},    {"information_request", 15, NULL},
    {"information_reply", 16, NULL},  {"address_mask_request", 17, NULL},
    {"address_mask_reply", 18, NULL}, {NULL, 0, NULL}},
  types6[] = {
    {"unreachable", 1, unreach6},     {"packet_too_big", 2, NULL},
    {"time_exceeded", 3, exceed6},    {"parameter_problem", 4, param6},
    {"echo_request", 128, NULL},      {"echo_reply", 129, NULL},
    {NULL, 0, NULL}};

/* "type_N" / "code_N" with N in 0..255 */
static bool numbered(const char *s, const char *prefix, uint8_t *v)
{
    size_t n = strlen(prefix);
    if (strncmp(s, prefix, n) != 0 || !s[n])
        return false;
    unsigned x = 0;
    for (const char *q = s + n; *q; q++) {
        if (*q < '0' || *q > '9' || (x = x * 10 + (unsigned)(*q - '0')) > 255)
            return false;
    }
    *v = (uint8_t)x;
    return true;
}

int ts_script_icmp_lookup(uint8_t family, const char *type, const char *code, int64_t mtu,
                          uint8_t *t, uint8_t *c, char *why, size_t whylen)
{
    const char *fam = family == 6 ? "ICMPv6" : "ICMPv4";
    const struct icmp_type *types = family == 6 ? types6 : types4;
    const struct icmp_name *codes = NULL;
    bool found = numbered(type, "type_", t);
    for (size_t i = 0; !found && types[i].name; i++)
        if (!strcmp(type, types[i].name)) {
            *t = types[i].v;
            codes = types[i].codes;
            found = true;
        }
    if (!found) {
        snprintf(why, whylen, "'%s' is not an %s type", type, fam);
        return TS_SCRIPT_ICMP_BAD_TYPE;
    }
    *c = 0;
    if (code && !numbered(code, "code_", c)) {
        found = false;
        for (size_t i = 0; codes && codes[i].name; i++)
            if (!strcmp(code, codes[i].name)) {
                *c = codes[i].v;
                found = true;
            }
        if (!found) {
            snprintf(why, whylen, "'%s' is not a code of %s type '%s'", code, fam, type);
            return TS_SCRIPT_ICMP_BAD_CODE;
        }
    }
    if (mtu >= 0 && family == 4 && (*t != 3 || *c != 4)) {
        snprintf(why, whylen, "an ICMPv4 mtu goes only with unreachable frag_needed");
        return TS_SCRIPT_ICMP_BAD_MTU;
    }
    if (mtu >= 0 && family == 6 && (*t != 2 || *c != 0)) {
        snprintf(why, whylen, "an ICMPv6 mtu goes only with packet_too_big");
        return TS_SCRIPT_ICMP_BAD_MTU;
    }
    if (mtu > (family == 4 ? 65535 : (int64_t)UINT32_MAX)) {
        snprintf(why, whylen, "mtu %lld is out of range for %s", (long long)mtu, fam);
        return TS_SCRIPT_ICMP_BAD_MTU;
    }
    return 0;
}
