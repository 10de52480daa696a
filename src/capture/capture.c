/* Capture: the only file that includes pcap.h.  Opens a savefile (pcap or
 * pcapng, "-" = stdin) or a live interface, compiles the BPF filter, and runs
 * the read loop, handing each record to the caller with its link type and a
 * nanosecond timestamp.
 *
 * A classic pcap savefile in a regular file is read in blocks (pcapread.c)
 * as long as its records are plain ones, with libpcap's filter applied to
 * each; at the first record that is not, libpcap reads on from there.
 */
#include "tcpshake/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapread.h"

struct ts_capture {
    pcap_t *p;
    int dlt;
    bool nano; /* savefile / live handle gives nanoseconds */
    bool live;
    bool regular;             /* a regular file (also as stdin) */
    bool block;               /* records still come from `rd`, not libpcap */
    struct pr_reader rd;
    uint64_t block_records;   /* records the block reader handed over */
    bool has_prog;            /* the filter, as libpcap applies it */
    struct bpf_program prog;
    int wake;                 /* a stream: written to end a blocked read; or -1 */
    int live_wake;            /* live with a tick: wakes its poll(); or -1 */
};

/* ---- streams ------------------------------------------------------------
 * A pipe, a FIFO or a terminal may have nothing to read for a long time,
 * and libpcap would sit in read() through a Ctrl-C or SIGTERM.  So a stream
 * reaches libpcap through a stdio cookie whose reads wait in poll() on the
 * descriptor and on an eventfd that ts_capture_breakloop writes: then the
 * stream ends there, as if the writer had closed it. */

struct stream {
    int fd, wake;
    bool own_fd;
};

static ssize_t stream_read(void *cookie, char *buf, size_t n)
{
    struct stream *st = cookie;
    for (;;) {
        struct pollfd p[2] = {{.fd = st->fd, .events = POLLIN}, {.fd = st->wake, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (p[1].revents)
            return 0; /* stopping */
        ssize_t r = read(st->fd, buf, n);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        return r;
    }
}

static int stream_close(void *cookie)
{
    struct stream *st = cookie;
    if (st->own_fd)
        close(st->fd);
    close(st->wake);
    free(st);
    return 0;
}

/* A FILE over the stream fd (then *wake is its eventfd), or NULL: let
 * libpcap open it the usual way. */
static FILE *stream_open(const char *file, int *wake)
{
    struct stream *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->wake = eventfd(0, EFD_CLOEXEC);
    st->own_fd = strcmp(file, "-") != 0;
    st->fd = st->own_fd ? open(file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    FILE *f = NULL;
    if (st->wake >= 0 && st->fd >= 0) {
        cookie_io_functions_t io = {.read = stream_read, .close = stream_close};
        f = fopencookie(st, "rb", io);
    }
    if (!f) {
        if (st->wake >= 0)
            close(st->wake);
        if (st->own_fd && st->fd >= 0)
            close(st->fd);
        free(st);
        return NULL;
    }
    *wake = st->wake;
    return f;
}

static void set_err(char *err, size_t len, const char *what, const char *detail)
{
    /* libpcap messages sometimes end with a newline */
    snprintf(err, len, "%s: %s", what, detail);
    size_t n = strlen(err);
    while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
        err[--n] = '\0';
}

static int apply_filter(struct ts_capture *c, const char *filter, char *err,
                        size_t errlen)
{
    if (!filter || !*filter)
        return 0;
    struct bpf_program prog;
    if (pcap_compile(c->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        char what[64];
        snprintf(what, sizeof what, "filter");
        set_err(err, errlen, what, pcap_geterr(c->p));
        return -1;
    }
    int rc = pcap_setfilter(c->p, &prog);
    if (rc < 0) {
        pcap_freecode(&prog);
        set_err(err, errlen, "filter", pcap_geterr(c->p));
        return -1;
    }
    /* kept for the block reader, which filters as libpcap does */
    if (c->has_prog)
        pcap_freecode(&c->prog);
    c->prog = prog;
    c->has_prog = true;
    return 0;
}

/* Our handle around an opened pcap_t (closed on failure). */
static struct ts_capture *wrap(pcap_t *p, bool nano, bool live, char *err, size_t errlen)
{
    struct ts_capture *c = calloc(1, sizeof *c);
    if (!c) {
        pcap_close(p);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->p = p;
    c->wake = -1;
    c->live_wake = -1;
    c->nano = nano;
    c->live = live;
    c->dlt = pcap_datalink(p);
    return c;
}

/* Link types libpcap delivers as stored (pcap_post_process rewrites some
 * others, such as USB's, even in this machine's byte order): the ones the
 * decoder reads. */
static bool plain_dlt(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        return true;
    default:
        return false;
    }
}

static struct ts_capture *open_file(const struct ts_capture_cfg *cfg, char *err,
                                    size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = NULL;
    int wake = -1;
    struct stat sb;
    bool is_stdin = strcmp(cfg->file, "-") == 0;
    bool have_sb = (is_stdin ? fstat(STDIN_FILENO, &sb) : stat(cfg->file, &sb)) == 0;
    bool regular = have_sb && S_ISREG(sb.st_mode);
    if (have_sb && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
        FILE *f = stream_open(cfg->file, &wake);
        if (f) {
            p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, perr);
            if (!p) {
                fclose(f);
                wake = -1;
            }
        } else {
            p = pcap_open_offline_with_tstamp_precision(cfg->file, PCAP_TSTAMP_PRECISION_NANO,
                                                        perr);
        }
    } else {
        p = pcap_open_offline_with_tstamp_precision(cfg->file, PCAP_TSTAMP_PRECISION_NANO, perr);
    }
    if (!p) {
        /* libpcap's message may already start with the file name */
        size_t n = strlen(cfg->file);
        if (strncmp(perr, cfg->file, n) == 0 && perr[n] == ':')
            set_err(err, errlen, cfg->file, perr + n + 1 + (perr[n + 1] == ' '));
        else
            set_err(err, errlen, cfg->file, perr);
        return NULL;
    }
    /* One thread at a time reads the file (whichever runs the loop), so
     * stdio's stream lock -- taken for each of the two reads per record
     * once the process has a second thread -- buys nothing. */
    FILE *f = pcap_file(p);
    if (f)
        __fsetlocking(f, FSETLOCKING_BYCALLER);
    struct ts_capture *c = wrap(p, true, false, err, errlen);
    if (c) {
        c->wake = wake;
        c->regular = regular;
    }
    /* Block reads: a regular file (also as stdin) read from its start, of
     * a link type whose records libpcap hands over untouched */
    struct stat st;
    if (c && f && plain_dlt(c->dlt) && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        ftello(f) == 24 && pcap_snapshot(p) > 0)
        c->block = pr_open(&c->rd, fileno(f), (uint32_t)pcap_snapshot(p));
    return c;
}

static const char *live_hint(int rc)
{
    switch (rc) {
    case PCAP_ERROR_PERM_DENIED:
        return " (live capture needs root or CAP_NET_RAW: run as root or "
               "`setcap cap_net_raw,cap_net_admin=eip tcpshake`)";
    case PCAP_ERROR_NO_SUCH_DEVICE:
        return " (no such interface; `tcpshake trace -D` lists them)";
    case PCAP_ERROR_IFACE_NOT_UP:
        return " (interface is down)";
    default:
        return "";
    }
}

static struct ts_capture *open_live(const struct ts_capture_cfg *cfg, char *err,
                                    size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(cfg->iface, perr);
    if (!p) {
        set_err(err, errlen, cfg->iface, perr);
        return NULL;
    }
    pcap_set_snaplen(p, cfg->snaplen > 0 ? cfg->snaplen : 262144);
    pcap_set_promisc(p, cfg->promisc ? 1 : 0);
    pcap_set_immediate_mode(p, cfg->immediate ? 1 : 0);
    /* a bounded wait even in immediate mode, so the read loop sees the stop
     * flag a signal handler set within 100 ms */
    pcap_set_timeout(p, 100);
    /* libpcap's 2 MiB holds only ~32 frames in immediate mode on an
     * interface with offloads (a 64 KiB slot each) */
    pcap_set_buffer_size(p, ts_capture_buffer_kib(cfg) * 1024);
    bool nano = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) == 0;
    int rc = pcap_activate(p);
    if (rc < 0) {
        char detail[PCAP_ERRBUF_SIZE + 200];
        const char *msg = pcap_geterr(p);
        if (rc == PCAP_ERROR_PERM_DENIED || !msg || !*msg)
            msg = pcap_statustostr(rc);
        snprintf(detail, sizeof detail, "%s%s", msg, live_hint(rc));
        set_err(err, errlen, cfg->iface, detail);
        pcap_close(p);
        return NULL;
    }
    return wrap(p, nano, true, err, errlen);
}

struct ts_capture *ts_capture_open(const struct ts_capture_cfg *cfg, char *err,
                                   size_t errlen)
{
    struct ts_capture *c = cfg->file ? open_file(cfg, err, errlen)
                                     : open_live(cfg, err, errlen);
    if (!c)
        return NULL;
    if (apply_filter(c, cfg->filter, err, errlen) < 0) {
        ts_capture_close(c);
        return NULL;
    }
    return c;
}

/* From here on libpcap reads: its file position goes to the first record
 * the block reader did not hand over. */
static int hand_over(struct ts_capture *c, char *err, size_t errlen)
{
    if (!c->block)
        return 0;
    c->block = false;
    uint64_t off = c->rd.off;
    pr_close(&c->rd);
    if (fseeko(pcap_file(c->p), (off_t)off, SEEK_SET) != 0) {
        set_err(err, errlen, "read", strerror(errno));
        return -1;
    }
    return 0;
}

/* Records from the block reader while it has them.  1: stopped (count
 * reached or *stop set); 0: libpcap must go on. */
static int run_block(struct ts_capture *c, uint64_t *left, volatile sig_atomic_t *stop,
                     ts_capture_cb cb, void *user)
{
    struct pr_record rec;
    while (pr_next(&c->rd, &rec)) {
        if (c->has_prog) {
            struct pcap_pkthdr h = {.caplen = rec.caplen, .len = rec.wirelen};
            if (!pcap_offline_filter(&c->prog, &h, rec.data))
                goto next;
        }
        c->block_records++;
        cb(user, c->dlt, rec.t_ns, rec.data, rec.caplen, rec.wirelen);
        if (*left && --*left == 0)
            return 1;
    next:
        if (stop && __atomic_load_n(stop, __ATOMIC_ACQUIRE))
            return 1;
    }
    return 0;
}

struct loop_ctx {
    struct ts_capture *c;
    ts_capture_cb cb;
    void *user;
    volatile sig_atomic_t *stop;
    uint64_t left; /* 0 = no limit */
};

static void on_packet(u_char *u, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct loop_ctx *x = (struct loop_ctx *)u;
    uint64_t frac = (uint64_t)h->ts.tv_usec;
    /* A classic pcap's seconds are an unsigned 32-bit field, which libpcap
     * sign-extends into time_t: from 2038-01-19 on they come out negative.
     * Take them back as unsigned (a time before 1970 means nothing here). */
    int64_t sec = (int64_t)h->ts.tv_sec;
    if (sec < 0 && sec >= INT32_MIN)
        sec += 4294967296ll;
    uint64_t t = (uint64_t)sec * 1000000000u + (x->c->nano ? frac : frac * 1000u);
    x->cb(x->user, x->c->dlt, t, bytes, h->caplen, h->len);
    if (x->left && --x->left == 0)
        pcap_breakloop(x->c->p);
    else if (x->stop && __atomic_load_n(x->stop, __ATOMIC_ACQUIRE))
        pcap_breakloop(x->c->p);
}

int ts_capture_run(struct ts_capture *c, uint64_t count,
                   volatile sig_atomic_t *stop, ts_capture_cb cb, void *user,
                   char *err, size_t errlen)
{
    struct loop_ctx x = {c, cb, user, stop, count};
    if (c->block) {
        if (run_block(c, &x.left, stop, cb, user))
            return 0;
        if (hand_over(c, err, errlen) < 0)
            return -1;
    }
    for (;;) {
        if (stop && __atomic_load_n(stop, __ATOMIC_ACQUIRE))
            return 0;
        int rc = pcap_dispatch(c->p, c->live ? -1 : 4096, on_packet, (u_char *)&x);
        if (rc == PCAP_ERROR_BREAK)
            return 0;
        if (rc == PCAP_ERROR) {
            /* a stream ended by the stop may end inside a record */
            if (c->wake >= 0 && stop && __atomic_load_n(stop, __ATOMIC_ACQUIRE))
                return 0;
            set_err(err, errlen, c->live ? "capture" : "read", pcap_geterr(c->p));
            return -1;
        }
        if (count && x.left == 0)
            return 0;
        if (rc == 0 && !c->live)
            return 0; /* end of file */
    }
}

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int ts_capture_run_live(struct ts_capture *c, uint64_t count, volatile sig_atomic_t *stop,
                        ts_capture_cb cb, void *user, ts_capture_tick tick, uint32_t tick_ms,
                        char *err, size_t errlen)
{
    int fd = c->live && tick ? pcap_get_selectable_fd(c->p) : -1;
    char perr[PCAP_ERRBUF_SIZE] = "";
    if (fd < 0 || pcap_setnonblock(c->p, 1, perr) < 0)
        return ts_capture_run(c, count, stop, cb, user, err, errlen);
    if (c->live_wake < 0)
        c->live_wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct loop_ctx x = {c, cb, user, stop, count};
    uint64_t period = (uint64_t)(tick_ms ? tick_ms : 1000) * 1000000u;
    uint64_t next = clock_ns(CLOCK_MONOTONIC) + period;
    for (;;) {
        if (stop && __atomic_load_n(stop, __ATOMIC_ACQUIRE))
            return 0;
        int rc = pcap_dispatch(c->p, -1, on_packet, (u_char *)&x);
        if (rc == PCAP_ERROR_BREAK)
            return 0;
        if (rc == PCAP_ERROR) {
            set_err(err, errlen, "capture", pcap_geterr(c->p));
            return -1;
        }
        if (count && x.left == 0)
            return 0;
        uint64_t now = clock_ns(CLOCK_MONOTONIC);
        if (now >= next) {
            /* live time stamps are the wall clock's */
            tick(user, clock_ns(CLOCK_REALTIME));
            next = now + period;
        }
        if (rc > 0)
            continue; /* more may be waiting */
        struct pollfd pf[2] = {{.fd = fd, .events = POLLIN},
                               {.fd = c->live_wake, .events = POLLIN}};
        int ms = (int)((next - now + 999999u) / 1000000u);
        if (poll(pf, c->live_wake >= 0 ? 2 : 1, ms) < 0 && errno != EINTR) {
            set_err(err, errlen, "capture", strerror(errno));
            return -1;
        }
    }
}

int ts_capture_fd(const struct ts_capture *c)
{
    return c->live ? pcap_get_selectable_fd(c->p) : -1;
}

int ts_capture_set_nonblock(struct ts_capture *c, bool on, char *err,
                            size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    if (pcap_setnonblock(c->p, on ? 1 : 0, perr) < 0) {
        set_err(err, errlen, "capture", perr);
        return -1;
    }
    return 0;
}

int ts_capture_dispatch(struct ts_capture *c, int max, ts_capture_cb cb,
                        void *user, char *err, size_t errlen)
{
    struct loop_ctx x = {c, cb, user, NULL, 0};
    if (hand_over(c, err, errlen) < 0)
        return -1;
    int rc = pcap_dispatch(c->p, max > 0 ? max : -1, on_packet, (u_char *)&x);
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    if (rc < 0) {
        set_err(err, errlen, "capture", pcap_geterr(c->p));
        return -1;
    }
    return rc;
}

int ts_capture_set_filter(struct ts_capture *c, const char *filter, char *err,
                          size_t errlen)
{
    return apply_filter(c, filter, err, errlen);
}

void ts_capture_breakloop(struct ts_capture *c)
{
    pcap_breakloop(c->p);
    if (c->live_wake >= 0) {
        uint64_t one = 1;
        ssize_t n = write(c->live_wake, &one, sizeof one);
        (void)n;
    }
    if (c->wake >= 0) {
        uint64_t one = 1;
        ssize_t n = write(c->wake, &one, sizeof one);
        (void)n; /* the counter cannot overflow from here */
    }
}

bool ts_capture_stats(struct ts_capture *c, uint64_t *recv, uint64_t *drop,
                      uint64_t *ifdrop)
{
    struct pcap_stat st;
    if (!c->live || pcap_stats(c->p, &st) < 0)
        return false;
    *recv = st.ps_recv;
    *drop = st.ps_drop;
    *ifdrop = st.ps_ifdrop;
    return true;
}

uint64_t ts_capture_block_records(const struct ts_capture *c)
{
    return c->block_records;
}

int ts_capture_datalink(const struct ts_capture *c)
{
    return c->dlt;
}

enum ts_capture_kind ts_capture_kind(const struct ts_capture *c)
{
    return c->live ? TS_CAPTURE_LIVE : c->regular ? TS_CAPTURE_FILE : TS_CAPTURE_STREAM;
}

void ts_capture_close(struct ts_capture *c)
{
    if (!c)
        return;
    if (c->block)
        pr_close(&c->rd);
    if (c->has_prog)
        pcap_freecode(&c->prog);
    if (c->live_wake >= 0)
        close(c->live_wake);
    pcap_close(c->p);
    free(c);
}

int ts_capture_list(char *buf, size_t len, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, perr) < 0) {
        set_err(err, errlen, "interfaces", perr);
        return -1;
    }
    size_t off = 0;
    int i = 1;
    buf[0] = '\0';
    for (pcap_if_t *d = all; d; d = d->next, i++) {
        int n = snprintf(buf + off, len - off, "%d.%s%s%s%s\n", i, d->name,
                         d->description ? " (" : "", d->description ? d->description : "",
                         d->description ? ")" : "");
        if (n < 0 || (size_t)n >= len - off)
            break;
        off += (size_t)n;
    }
    pcap_freealldevs(all);
    return 0;
}

const char *ts_capture_lib_version(void)
{
    return pcap_lib_version();
}
