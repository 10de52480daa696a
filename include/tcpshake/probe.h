/* tcpshake probe: a handshake-and-teardown conformance battery for a TCP
 * stack reached over the network, with nothing installed on it.
 *
 * Each probe is a script of tcpshake's script language (packetdrill's; the
 * battery's files are in probes/ and built into the library), run with
 * ts_script_run against a service that listens at the host's port.  A probe
 * file holds the rule, then named variants: allowed alternatives
 * ("//== variant NAME: why"), tried in order when the rule fails.  Some
 * probes also measure what the stack sent (options, intervals, segment
 * sizes) and judge it.  docs/probe.md has the battery and the file format.
 *
 * A result is pass, variant (an allowed alternative, named), fail (with the
 * segment that broke the rule) or inconclusive (no answer: a silent or
 * filtered host, or a service that does not do what the probe needs), each
 * with one line on why.
 */
#ifndef TCPSHAKE_PROBE_H
#define TCPSHAKE_PROBE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpshake/decode.h"
#include "tcpshake/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* which of the host's ports a probe runs against */
enum ts_probe_port {
    TS_PROBE_SERVICE, /* the service given (an echo service answers every probe) */
    TS_PROBE_CLOSE,   /* a service that closes as soon as it accepts */
    TS_PROBE_CLOSED,  /* a port nothing listens on */
};

struct ts_probe_info {
    const char *name;  /* "rst-in-window" */
    const char *title; /* one line: what it asks */
    const char *rfc;   /* "RFC 5961 §3.2; RFC 9293 §3.10.7.4" */
    const char *pass;  /* what the rule's pass means */
    enum ts_probe_port port;
    const char *judge; /* what the stack sent is also judged by this (NULL: the script alone) */
    double wait_s;     /* how long a `*` segment is waited for (0: 10 s) */
    bool same_tuple;   /* a second connection reuses the first's source port */
    bool long_run;     /* takes minutes: run only when asked for (--long) */
    size_t nvariants;
    const char *const *variants; /* "accept: the RST is taken ..." */
    const char *text;            /* the whole file */
};

/* The battery, in the order it runs. */
TS_API size_t ts_probe_count(void);
TS_API const struct ts_probe_info *ts_probe_get(size_t i);
/* NULL when there is none of that name */
TS_API const struct ts_probe_info *ts_probe_find(const char *name);

enum ts_probe_result {
    TS_PROBE_PASS,
    TS_PROBE_VARIANT,
    TS_PROBE_FAIL,
    TS_PROBE_INCONCLUSIVE,
    TS_PROBE_ERROR,   /* could not be run here (why says it: root, a route) */
    TS_PROBE_STOPPED, /* *stop was set */
};

/* "pass", "variant", "fail", "inconclusive", "error", "interrupted" */
TS_API const char *ts_probe_result_name(enum ts_probe_result r);

struct ts_probe_cfg {
    struct ts_addr host;  /* IPv4 or IPv6; broadcast/multicast refused */
    uint16_t port;        /* the service */
    uint16_t close_port;  /* a closing service; 0: none (those probes are inconclusive) */
    uint16_t closed_port; /* a port nothing listens on; 0: port + 1 */
    uint32_t rate_pps;    /* segments a second at most (0: 100) */
    int64_t late_usecs;   /* how late the host may answer (0: twice the round trip of one
                           * SYN, measured once, and at least 50 ms) */
    volatile sig_atomic_t *stop;
    /* every frame of the probe's runs, as ts_script_run_cfg's frame */
    void (*frame)(void *user, uint64_t t_ns, const uint8_t *p, uint32_t len, uint32_t wirelen,
                  bool injected);
    void *user;
};

struct ts_probe_outcome {
    enum ts_probe_result result;
    char variant[32]; /* VARIANT (and a named FAIL): the name */
    char why[512];    /* one line */
    char detail[4096]; /* FAIL: the rule's failure as `tcpshake script` says it */
    double seconds;
    int64_t late_usecs; /* the lateness allowed (measured once, then reused) */
    /* the service port answered nothing, or a RST to our SYN: the other
     * probes to it would wait for nothing */
    bool unreachable;
};

/* Run one probe.  Returns the result, also in *out.  cfg->late_usecs is
 * measured by the first probe that needs it and may be passed on. */
TS_API enum ts_probe_result ts_probe_run(const struct ts_probe_info *p,
                                         const struct ts_probe_cfg *cfg,
                                         struct ts_probe_outcome *out);

#ifdef __cplusplus
}
#endif

#endif
