/* tcpshake script: packetdrill's script language, read into a syntax tree.
 *
 * A script is options (--tolerance_usecs=10000 ...), then events in order:
 * each a time, then a packet line (< injected into the stack under test,
 * > sent by it), a system call with its expected result, or a shell
 * command in backquotes.  A backquoted command before the first event is
 * the init command, one after the last the cleanup command (their time is
 * TS_SCRIPT_TIME_NONE).  docs/script.md has the subset read and what is
 * refused.
 *
 * Parsing is all-or-nothing: the first thing packetdrill would not accept,
 * or that tcpshake does not handle yet, stops it with one error naming its
 * line and column; nothing is skipped.  The tree owns all its memory and is
 * freed at once with ts_script_free.  Times are microseconds, as
 * packetdrill keeps them.
 */
#ifndef TCPSHAKE_SCRIPT_H
#define TCPSHAKE_SCRIPT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcpshake/decode.h"
#include "tcpshake/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits ----------------------------------------------------------------- */

#define TS_SCRIPT_MAX_BYTES (16u << 20) /* a bigger file is refused */
#define TS_SCRIPT_MAX_DEPTH 32          /* nesting of [ ] { } ( ) in expressions */
#define TS_SCRIPT_MAX_SACK 4            /* SACK blocks in one option */
#define TS_SCRIPT_MAX_OPTS 40           /* TCP options in one packet line */
#define TS_SCRIPT_MAX_COOKIE 38         /* FO cookie bytes (FOEXP: 36) */

/* ---- times ------------------------------------------------------------------ */

enum ts_script_time_kind {
    TS_SCRIPT_TIME_NONE, /* the init and cleanup commands */
    TS_SCRIPT_TIME_ABS,  /* 0.1: since the script's start */
    TS_SCRIPT_TIME_REL,  /* +0.1: since the previous event */
    TS_SCRIPT_TIME_ANY,  /* *: whenever (outbound packets only) */
};

enum ts_script_time_end {
    TS_SCRIPT_END_NONE,
    TS_SCRIPT_END_RANGE,    /* 0.1~0.2 or +0.1~+0.2: outbound packets only */
    TS_SCRIPT_END_BLOCKING, /* +0.1...0.2 call(): a call that returns at end */
};

struct ts_script_time {
    enum ts_script_time_kind kind;
    int64_t usecs;
    enum ts_script_time_end end;
    /* RANGE: the range's end, relative like usecs; BLOCKING: when the call
     * returns, counted from the same origin as usecs (packetdrill's rule) */
    int64_t end_usecs;
};

/* ---- packet lines ----------------------------------------------------------- */

enum ts_script_dir {
    TS_SCRIPT_IN = '<',  /* injected into the stack under test */
    TS_SCRIPT_OUT = '>', /* the stack under test must send it */
};

/* TCP header flag bits as on the wire; AE is the 9th (AccECN) bit */
#define TS_SCRIPT_FIN 0x001u /* F */
#define TS_SCRIPT_SYN 0x002u /* S */
#define TS_SCRIPT_RST 0x004u /* R */
#define TS_SCRIPT_PSH 0x008u /* P */
#define TS_SCRIPT_ACK 0x010u /* . */
#define TS_SCRIPT_URG 0x020u /* U */
#define TS_SCRIPT_ECE 0x040u /* E */
#define TS_SCRIPT_CWR 0x080u /* W */
#define TS_SCRIPT_AE 0x100u  /* A */

enum ts_script_ecn {
    TS_SCRIPT_ECN_ANY,   /* not written: not checked */
    TS_SCRIPT_ECN_NOECN, /* [noecn] */
    TS_SCRIPT_ECN_ECT0,  /* [ect0] */
    TS_SCRIPT_ECN_ECT1,  /* [ect1] */
    TS_SCRIPT_ECN_ECT01, /* [ect01]: ECT(0) or ECT(1), outbound only */
    TS_SCRIPT_ECN_CE,    /* [ce] */
};

enum ts_script_opt_kind {
    TS_SCRIPT_OPT_EOL,    /* eol */
    TS_SCRIPT_OPT_NOP,    /* nop */
    TS_SCRIPT_OPT_MSS,    /* mss N */
    TS_SCRIPT_OPT_WSCALE, /* wscale N */
    TS_SCRIPT_OPT_SACKOK, /* sackOK */
    TS_SCRIPT_OPT_SACK,   /* sack L:R [L:R...] */
    TS_SCRIPT_OPT_TS,     /* TS val N ecr N */
    TS_SCRIPT_OPT_FO,     /* FO [COOKIE]: RFC 7413, kind 34 */
    TS_SCRIPT_OPT_FOEXP,  /* FOEXP [COOKIE]: experimental, kind 254 */
    TS_SCRIPT_OPT_MD5,    /* md5 DIGEST: RFC 2385, kind 19, the digest as written
                             (cookie, at most 16 bytes; not computed) */
};

struct ts_script_opt {
    enum ts_script_opt_kind kind;
    uint32_t a, b;  /* MSS and WSCALE: a; TS: a val, b ecr */
    uint8_t nsack;  /* SACK: blocks */
    struct {
        uint32_t left, right;
    } sack[TS_SCRIPT_MAX_SACK];
    uint8_t cookie_len; /* FO, FOEXP: 0 = no cookie (a cookie request); MD5: the digest */
    uint8_t cookie[TS_SCRIPT_MAX_COOKIE];
};

struct ts_script_packet {
    enum ts_script_dir dir;
    /* [ect0], [tos 0x..], [flowlabel 0x..], [ttl N] and [ECN, flowlabel] */
    enum ts_script_ecn ecn;
    bool has_tos, has_flowlabel, has_ttl;
    uint8_t tos, ttl;
    uint32_t flowlabel;
    uint16_t sport, dport; /* 1234>80 before the flags; 0: the defaults */
    uint16_t flags;        /* TS_SCRIPT_* bits; 0 for "-" */
    uint32_t seq, end;     /* seq:end(len), end == seq + len */
    uint16_t len;
    bool has_ack, has_win, has_urg;
    uint32_t ack;
    uint16_t win, urg;
    bool any_opts; /* <...>: options not checked (outbound only) */
    size_t nopts;
    struct ts_script_opt *opts;
    /* `< icmp TYPE [CODE] [mtu N] [id N] [[seq:end(len)]]`: an ICMP error
     * (IPv4 or v6 as the run's) from the simulated peer's address, quoting
     * the stack's segment seq:end(len) of the connection under test (its
     * sequence numbers as in `>` lines; 0:0(0) when not written).  TYPE and
     * CODE as written: packetdrill's names (unreachable, frag_needed,
     * packet_too_big, ...) or type_N / code_N; no CODE is code 0.  The
     * other fields above are unused. */
    bool icmp;
    const char *icmp_type, *icmp_code; /* code NULL: 0 */
    struct {
        unsigned line, col;
    } icmp_at[3];                      /* where TYPE, CODE and the mtu's number are
                                          written (CODE, mtu: 0 when not) */
    int64_t icmp_mtu;                  /* -1: none */
    uint16_t icmp_id;
};

/* packetdrill's ICMP names for family 4 or 6 (struct ts_script_packet):
 * 0 with the type and code, or the field that is wrong (-1 - k for
 * icmp_at[k]) with why. */
enum {
    TS_SCRIPT_ICMP_BAD_TYPE = -1,
    TS_SCRIPT_ICMP_BAD_CODE = -2,
    TS_SCRIPT_ICMP_BAD_MTU = -3,
};
TS_API int ts_script_icmp_lookup(uint8_t family, const char *type, const char *code,
                                 int64_t mtu, uint8_t *t, uint8_t *c, char *why, size_t whylen);

/* ---- system calls ----------------------------------------------------------- */

enum ts_script_expr_kind {
    TS_SCRIPT_EX_INT,      /* 3, -1, 0x10 (hex remembered for printing) */
    TS_SCRIPT_EX_WORD,     /* SOL_SOCKET, a symbol of names.c */
    TS_SCRIPT_EX_STRING,   /* "abc" "def": the parts joined, escapes as written */
    TS_SCRIPT_EX_ELLIPSIS, /* ... */
    TS_SCRIPT_EX_ARRAY,    /* [a, b] */
    TS_SCRIPT_EX_STRUCT,   /* {a, b}: sockaddr, linger, pollfd, iovec, ... */
    TS_SCRIPT_EX_ASSIGN,   /* name=value, inside a struct (kids[0] = kids[1]) */
    TS_SCRIPT_EX_OR,       /* a|b|c */
    TS_SCRIPT_EX_CALL,     /* htons(8080), inet_addr("..."), msg_iov(1) */
};

struct ts_script_expr {
    enum ts_script_expr_kind kind;
    unsigned line, col;
    int64_t num;       /* INT */
    bool hex;          /* INT written as 0x... */
    bool trailing_ellipsis; /* STRING followed by ... ("abc"...) */
    const char *text;  /* WORD, STRING (without the quotes), CALL's name */
    size_t text_len;   /* STRING's length */
    size_t nkids;      /* ARRAY, STRUCT, OR, CALL arguments; ASSIGN: 2 */
    struct ts_script_expr **kids;
};

struct ts_script_syscall {
    const char *name;
    size_t nargs;
    struct ts_script_expr **args;
    struct ts_script_expr *result; /* after '=' */
    const char *errno_name;        /* -1 EINPROGRESS (...): "EINPROGRESS", or NULL */
    const char *note;              /* the words in ( ), space-separated, or NULL */
};

/* ---- events, options, the script -------------------------------------------- */

enum ts_script_event_kind {
    TS_SCRIPT_EV_PACKET,
    TS_SCRIPT_EV_SYSCALL,
    TS_SCRIPT_EV_SHELL, /* `command`, text between the backquotes as written */
    TS_SCRIPT_EV_CODE,  /* %{ python }%: run at the end with the TCP_INFO of
                           the socket under test as it was at this time */
};

struct ts_script_event {
    enum ts_script_event_kind kind;
    unsigned line, col; /* where its time (or backquote) starts; from 1 */
    struct ts_script_time time;
    union {
        struct ts_script_packet packet;
        struct ts_script_syscall call;
        const char *shell;
        const char *code; /* between %{ and }%, as written */
    } u;
};

/* --name=value at the top; value NULL for a flag without one */
struct ts_script_option {
    unsigned line, col;
    const char *name; /* without the dashes: "tolerance_usecs" */
    const char *value;
};

struct ts_script {
    const char *name; /* the file name given, for messages */
    size_t noptions;
    struct ts_script_option *options;
    size_t nevents;
    struct ts_script_event *events;
    int init_event;    /* index of the init command's event, or -1 */
    int cleanup_event; /* index of the cleanup command's event, or -1 */
    void *priv;        /* the memory: ts_script_free's */
};

/* ---- parsing, errors -------------------------------------------------------- */

struct ts_script_err {
    unsigned line, col; /* 0: not about a place in the file (cannot open it) */
    char msg[256];      /* why, alone */
    char text[1024];    /* "FILE:LINE:COL: why" (or "FILE: why") */
};

/* Parse the file at path (the name in messages is the path).  NULL with
 * *err filled on any error, including a file that cannot be read. */
TS_API struct ts_script *ts_script_parse_file(const char *path, struct ts_script_err *err);

/* Parse len bytes of text (NUL bytes in them are an error); name is used in
 * messages (NULL: "<string>"). */
TS_API struct ts_script *ts_script_parse_string(const char *name, const char *text, size_t len,
                                                struct ts_script_err *err);

/* The same with packetdrill's definitions ("SYMBOL=VALUE", as its -D): a
 * word SYMBOL in the script reads as VALUE ("..." a string, `...` a
 * command, a whole number an integer, else a word; the later definition
 * of a symbol wins). */
TS_API struct ts_script *ts_script_parse_file_defs(const char *path, const char *const *defs,
                                                   size_t ndefs, struct ts_script_err *err);
TS_API struct ts_script *ts_script_parse_string_defs(const char *name, const char *text,
                                                     size_t len, const char *const *defs,
                                                     size_t ndefs, struct ts_script_err *err);
/* NULL when the n bytes at d are a definition those take, else why not
 * ("SYMBOL=VALUE", SYMBOL a name of letters, digits and _). */
TS_API const char *ts_script_define_check(const char *d, size_t n);

TS_API void ts_script_free(struct ts_script *s);

/* ---- printing --------------------------------------------------------------- */

/* The normalized text of one event or option, as it would be written in a
 * script (one line except for a shell command's own newlines), snprintf
 * style: returns the length it needs, writes at most len bytes with the
 * NUL.  Parsing the printed text gives the same tree. */
TS_API size_t ts_script_event_format(const struct ts_script_event *ev, char *buf, size_t len);
TS_API size_t ts_script_option_format(const struct ts_script_option *opt, char *buf,
                                      size_t len);
TS_API size_t ts_script_expr_format(const struct ts_script_expr *e, char *buf, size_t len);

/* The whole script, one event a line, each prefixed with its line number
 * ("  12  +0.1 < S 0:0(0) win 32792 <mss 1000>"); -1 on a write error. */
TS_API int ts_script_print(FILE *f, const struct ts_script *s);

/* ---- running ---------------------------------------------------------------- */

/* Whether tcpshake can run every event of the script (it reads more of
 * packetdrill's language than it runs): 0, or -1 with err naming the first
 * line it cannot, and why.  ts_script_run checks this first. */
TS_API int ts_script_check(const struct ts_script *s, struct ts_script_err *err);

enum ts_script_status {
    TS_SCRIPT_PASS,    /* every event happened as written */
    TS_SCRIPT_FAIL,    /* an event did not: line, msg, detail */
    TS_SCRIPT_ERROR,   /* the script could not be run (msg says why) */
    TS_SCRIPT_STOPPED, /* *stop was set */
};

struct ts_script_run_cfg {
    uint8_t ip_version;      /* 4 or 6; 0: the script's --ip_version, else 4 */
    /* packetdrill's ipv4-mapped-ipv6: IPv4 on the wire, the stack's sockets
     * IPv6 (a `...` address is the IPv4 one mapped, ::ffff:a.b.c.d); with
     * ip_version 0 or 4.  false: the script's --ip_version says. */
    bool ipv4_mapped_ipv6;
    int64_t tolerance_usecs; /* < 0: the script's --tolerance_usecs, else 4000 */
    /* the stack's address and the simulated peer's, one family (family 0:
     * 198.18.0.1 and 198.18.0.2, or 2001:db8::1 and 2001:db8::2), on a
     * prefix of this length (0: 24 for IPv4, 64 for IPv6) */
    struct ts_addr local, remote;
    unsigned prefix;
    uint64_t any_wait_ns;    /* how long a `*` packet is waited for (0: 10 s) */
    volatile sig_atomic_t *stop; /* set from a signal handler: end now */
    /* Every frame on the wire, both ways, as it goes: Ethernet, time in ns
     * since the epoch; injected: we sent it.  NULL: none. */
    void (*frame)(void *user, uint64_t t_ns, const uint8_t *p, uint32_t len,
                  uint32_t wirelen, bool injected);
    /* Each event once done, with the time it happened (seconds since the
     * start) and one line on what happened ("" when all was as written;
     * a warning under --non_fatal).  NULL: none. */
    void (*event)(void *user, const struct ts_script_event *ev, double at, const char *what);
    void *user;
    /* A remote stack instead (peer.family 4 or 6): the script's packet
     * lines only, against a service that already listens at peer:peer_port
     * (0: the script's bind_port, else 8080).  tcpshake plays the
     * simulated peer from this host's own address toward it (source ports
     * reserved, the local kernel's RSTs held back by the RST guard) and
     * resets what the script left open.  The script must be a passive
     * open: no connect() and no SYN of the stack's own.  System-call,
     * shell and python lines are refused unless skip_syscalls, which skips
     * each (told through `event`).  Broadcast, multicast and unspecified
     * addresses are refused. */
    struct ts_addr peer;
    uint16_t peer_port;
    bool skip_syscalls;
    /* peer: a new connection reuses the source port of the one before (a
     * SYN to a tuple the stack may hold in TIME-WAIT), instead of the next
     * port of the block */
    bool peer_same_port;
    uint32_t rate_pps;       /* peer: segments sent a second at most (0: 100) */
    /* peer: how late the stack's segments may come beyond the tolerance
     * (0: twice the round trip of one SYN sent before the script, whose
     * SYN+ACK is answered with a RST, and 0.5 ms) */
    int64_t late_usecs;
    /* peer: the least lateness allowed when it is measured (0: none) */
    int64_t late_min_usecs;
    /* the `<` segment of this script line goes with its TCP checksum
     * wrong (the right one plus one); 0: none.  Not packetdrill's: tcpshake
     * probe's battery uses it (RFC 9293 MUST-3) */
    unsigned bad_csum_line;
    /* the link's MTU, as packetdrill's --mtu (the stack's MSS follows):
     * 0: the script's --mtu, else 1500 */
    uint32_t mtu;
    /* packetdrill's --non_fatal=packet: an outbound segment that differs
     * is a warning, and the script goes on (as the script's own option) */
    bool non_fatal_packet;
};

struct ts_script_result {
    enum ts_script_status status;
    unsigned line, col;  /* FAIL: the event that failed */
    char msg[512];       /* FAIL, ERROR, STOPPED: one line */
    char detail[4096];   /* FAIL: "  script: ...\n  actual: ...\n" lines */
    size_t events;       /* events run to the end */
    unsigned warnings;   /* --non_fatal=packet: packets that differed */
    double seconds;      /* from the first event to the end */
    int64_t late_usecs;  /* peer: how late the stack's segments were allowed to come */
    /* peer, ERROR before the script: the SYN sent to measure the round trip
     * got no answer in 3 s (silent), or a RST (nothing listens) */
    bool peer_silent, peer_refused;
};

/* Whether a --peer address may be sent to: 0, or -1 with why (broadcast,
 * a local subnet's broadcast, multicast, unspecified, reserved). */
TS_API int ts_script_peer_ok(const struct ts_addr *a, char *err, size_t errlen);

/* ts_script_check, then what cfg asks of the script: with cfg->peer, the
 * lines a remote stack cannot run (err->line 0 when it is the address
 * itself: broadcast, multicast, unspecified). */
TS_API int ts_script_check_cfg(const struct ts_script *s, const struct ts_script_run_cfg *cfg,
                               struct ts_script_err *err);

/* Run the script against the kernel in a network namespace of its own
 * (root is needed), or against cfg->peer, then remove everything it made.
 * A local run keeps the calling thread on the CPU it is on (its agent is
 * forked from it) and starts the script's clock just after a kernel tick,
 * as packetdrill does; the thread's affinity is restored before returning.
 * Returns the status also left in *res. */
TS_API enum ts_script_status ts_script_run(const struct ts_script *s,
                                           const struct ts_script_run_cfg *cfg,
                                           struct ts_script_result *res);

/* ---- names ------------------------------------------------------------------ */

/* The value on this machine of a symbolic constant a script may use
 * (SOL_SOCKET, SO_REUSEADDR, O_NONBLOCK, AF_INET, POLLIN, EINPROGRESS ...):
 * true and *value, or false if the name is not one tcpshake knows. */
TS_API bool ts_script_symbol(const char *name, int64_t *value);

/* Whether name is a system call packetdrill's language has. */
TS_API bool ts_script_syscall_known(const char *name);

#ifdef __cplusplus
}
#endif

#endif
