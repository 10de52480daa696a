/* tcpshake capture: the only place that talks to libpcap.  Opens a file
 * (pcap or pcapng, "-" for stdin) or a live interface, applies a BPF filter,
 * and hands every record to a callback with its link type.
 */
#ifndef TCPSHAKE_CAPTURE_H
#define TCPSHAKE_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpshake/export.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ts_capture;

/* A live capture's kernel buffer when none is given: in blocks (the
 * default) and in immediate mode, where each frame takes a slot the size of
 * the largest frame the interface can hand over (64 KiB with offloads). */
#define TS_CAPTURE_BUFFER_KIB 16384
#define TS_CAPTURE_BUFFER_KIB_IMMEDIATE 65536

struct ts_capture_cfg {
    const char *file;    /* -r FILE, "-" = stdin; NULL for live */
    const char *iface;   /* -i IFACE */
    const char *filter;  /* BPF expression, or NULL */
    int snaplen;         /* -s; 0 = 262144 */
    bool promisc;        /* !-p */
    int buffer_kib;      /* -B; 0 = TS_CAPTURE_BUFFER_KIB[_IMMEDIATE] */
    bool immediate;      /* immediate mode (live) */
};

/* The kernel buffer a live capture of cfg asks for, in KiB. */
static inline int ts_capture_buffer_kib(const struct ts_capture_cfg *cfg)
{
    return cfg->buffer_kib > 0 ? cfg->buffer_kib
           : cfg->immediate    ? TS_CAPTURE_BUFFER_KIB_IMMEDIATE
                               : TS_CAPTURE_BUFFER_KIB;
}

/* Called for each record: link type, time in ns, bytes. */
typedef void (*ts_capture_cb)(void *user, int dlt, uint64_t t_ns,
                              const uint8_t *pkt, uint32_t caplen,
                              uint32_t wirelen);

/* Open; NULL with a one-line message in err on failure. */
TS_API struct ts_capture *ts_capture_open(const struct ts_capture_cfg *cfg, char *err,
                                          size_t errlen);

/* Run until the source ends, `count` records (0 = all) were handed over, or
 * *stop becomes non-zero (set it from a signal handler, or from another
 * thread with an atomic store: it is read with an atomic load).  Returns 0 at a clean end, -1 with err filled when
 * the source failed (e.g. a truncated file: what came before was delivered). */
TS_API int ts_capture_run(struct ts_capture *c, uint64_t count,
                          volatile sig_atomic_t *stop, ts_capture_cb cb, void *user,
                          char *err, size_t errlen);

/* Called from ts_capture_run_live every tick with the wall clock (ns since
 * the epoch, the time base of live time stamps). */
typedef void (*ts_capture_tick)(void *user, uint64_t now_ns);

/* ts_capture_run for a live capture that must also act when no packet
 * comes: `tick` runs every tick_ms (0 = 1000) whether or not packets
 * arrive (e.g. to print verdicts whose TIME_WAIT ran out).  Anything but a
 * live capture runs as ts_capture_run. */
TS_API int ts_capture_run_live(struct ts_capture *c, uint64_t count, volatile sig_atomic_t *stop,
                               ts_capture_cb cb, void *user, ts_capture_tick tick, uint32_t tick_ms,
                               char *err, size_t errlen);

/* Stop from a signal handler's flag: breaks out of a blocking read, live
 * or from a stream (a pipe, a FIFO, a terminal: the stream then ends there,
 * and ts_capture_run returns 0 if *stop is set, even inside a record).
 * Async-signal-safe. */
TS_API void ts_capture_breakloop(struct ts_capture *c);

/* libpcap's received / dropped counts (live); false if unavailable. */
TS_API bool ts_capture_stats(struct ts_capture *c, uint64_t *recv, uint64_t *drop,
                             uint64_t *ifdrop);

TS_API int ts_capture_datalink(const struct ts_capture *c);

/* What the source is: it decides how a reader may buffer ahead (a regular
 * file can be read ahead; a stream's next record may be long in coming; a
 * live capture also has a wall clock). */
enum ts_capture_kind {
    TS_CAPTURE_FILE,   /* a regular file (also as standard input) */
    TS_CAPTURE_STREAM, /* a pipe, FIFO or terminal */
    TS_CAPTURE_LIVE,   /* an interface */
};
TS_API enum ts_capture_kind ts_capture_kind(const struct ts_capture *c);

/* Records of a savefile read in blocks rather than through libpcap's
 * read loop (a classic pcap in a regular file, up to its first odd
 * record; see capture.c): for tests and benchmarks. */
TS_API uint64_t ts_capture_block_records(const struct ts_capture *c);
TS_API void ts_capture_close(struct ts_capture *c);

/* ---- for drivers (tcpshake connect / listen / replay) --------------------
 * A live capture read without blocking from the caller's own poll() loop. */

/* The descriptor to poll() for readability, or -1 (savefiles, or a platform
 * without one). */
TS_API int ts_capture_fd(const struct ts_capture *c);

/* Switch the handle to non-blocking reads (live only).  0, or -1 with err. */
TS_API int ts_capture_set_nonblock(struct ts_capture *c, bool on, char *err,
                                   size_t errlen);

/* Hand over what is ready now, at most max records (0 = all that are ready),
 * without waiting on a non-blocking handle.  Returns the number of records
 * handed over (0: none ready), or -1 with err. */
TS_API int ts_capture_dispatch(struct ts_capture *c, int max, ts_capture_cb cb,
                               void *user, char *err, size_t errlen);

/* Replace the BPF filter.  0, or -1 with err. */
TS_API int ts_capture_set_filter(struct ts_capture *c, const char *filter, char *err,
                                 size_t errlen);

/* Print the interfaces (-D) into buf, one per line; -1 with err on failure. */
TS_API int ts_capture_list(char *buf, size_t len, char *err, size_t errlen);

/* libpcap's own version line, "libpcap version 1.10.3 ..." (--version). */
TS_API const char *ts_capture_lib_version(void);

#ifdef __cplusplus
}
#endif
#endif
