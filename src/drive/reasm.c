/* The receive side's out-of-order store (RFC 9293 §3.10.7.4: a segment
 * ahead of RCV.NXT but inside the window is kept, not dropped) and the SACK
 * blocks it gives (RFC 2018 §4).
 *
 * Bytes live in a ring whose size is a power of two at least the window we
 * advertise, indexed by sequence number: the byte at seq s is at
 * (s - base) mod size.  Only bytes in [rcv_nxt, rcv_nxt + size) are ever
 * held, so no two held bytes share a slot, and sequence wrap-around is the
 * ring's own wrap (2^32 is a multiple of the size).  Which ranges are held is
 * a short sorted list of runs; a segment that would need more runs than the
 * list has is not kept (the peer sends it again).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define REASM_MAX (64u << 20)

void reasm_init(struct reasm *q, uint32_t base, uint32_t window)
{
    memset(q, 0, sizeof *q);
    q->base = base;
    uint32_t sz = 4096;
    while (sz < window && sz < REASM_MAX)
        sz <<= 1;
    q->size = sz;
}

void reasm_free(struct reasm *q)
{
    free(q->buf);
    q->buf = NULL;
    q->n = 0;
    q->bytes = 0;
}

static void copy_in(struct reasm *q, uint32_t seq, const uint8_t *p, uint32_t len)
{
    uint32_t pos = (seq - q->base) & (q->size - 1);
    uint32_t first = q->size - pos;
    if (first > len)
        first = len;
    memcpy(q->buf + pos, p, first);
    if (len > first)
        memcpy(q->buf, p + first, len - first);
}

/* Drop what rcv_nxt has passed. */
static void trim(struct reasm *q, uint32_t rcv_nxt)
{
    unsigned k = 0;
    q->bytes = 0;
    for (unsigned i = 0; i < q->n; i++) {
        uint32_t l = q->run[i][0], r = q->run[i][1];
        if (ts_seq_le(r, rcv_nxt))
            continue;
        if (ts_seq_lt(l, rcv_nxt))
            l = rcv_nxt;
        q->run[k][0] = l;
        q->run[k][1] = r;
        q->bytes += r - l;
        k++;
    }
    q->n = k;
}

int reasm_add(struct reasm *q, uint32_t rcv_nxt, uint32_t seq, const uint8_t *p,
              uint32_t len)
{
    uint32_t end = seq + len;

    if (ts_seq_lt(seq, rcv_nxt)) {
        if (ts_seq_le(end, rcv_nxt))
            return 0;
        p += rcv_nxt - seq;
        seq = rcv_nxt;
    }
    if (ts_seq_gt(end, rcv_nxt + q->size))
        end = rcv_nxt + q->size;
    if (!ts_seq_lt(seq, end))
        return 0;
    trim(q, rcv_nxt);

    /* the runs [i, j) touch [seq, end) and merge with it */
    unsigned i = 0, j;
    while (i < q->n && ts_seq_lt(q->run[i][1], seq))
        i++;
    j = i;
    while (j < q->n && ts_seq_le(q->run[j][0], end))
        j++;
    if (i == j && q->n == REASM_RUNS)
        return -1; /* a new run, and no room for it */
    if (!q->buf) {
        q->buf = malloc(q->size);
        if (!q->buf)
            return -1;
    }
    copy_in(q, seq, p, end - seq);
    uint32_t l = seq, r = end;
    if (i < j) {
        if (ts_seq_lt(q->run[i][0], l))
            l = q->run[i][0];
        if (ts_seq_gt(q->run[j - 1][1], r))
            r = q->run[j - 1][1];
    }
    /* replace runs [i, j) by the one [l, r) */
    unsigned gone = j - i;
    if (gone == 0) {
        memmove(&q->run[i + 1], &q->run[i], (q->n - i) * sizeof q->run[0]);
        q->n++;
    } else if (gone > 1) {
        memmove(&q->run[i + 1], &q->run[j], (q->n - j) * sizeof q->run[0]);
        q->n -= gone - 1;
    }
    q->run[i][0] = l;
    q->run[i][1] = r;
    q->latest = seq;
    trim(q, rcv_nxt);
    return 0;
}

uint32_t reasm_pop(struct reasm *q, uint32_t rcv_nxt, const uint8_t **p)
{
    trim(q, rcv_nxt);
    if (!q->n || q->run[0][0] != rcv_nxt)
        return 0;
    uint32_t len = q->run[0][1] - rcv_nxt;
    uint32_t pos = (rcv_nxt - q->base) & (q->size - 1);
    if (len > q->size - pos)
        len = q->size - pos; /* up to the ring's end; the rest next call */
    *p = q->buf + pos;
    return len;
}

unsigned reasm_sack(const struct reasm *q, uint32_t rcv_nxt, uint32_t (*blk)[2],
                    unsigned max)
{
    unsigned n = 0, first = q->n;

    if (!max)
        return 0;
    /* the run holding the latest segment first (RFC 2018 §4), then the
     * others from the highest down: later arrivals tend to be higher */
    for (unsigned i = 0; i < q->n; i++)
        if (ts_seq_ge(q->latest, q->run[i][0]) && ts_seq_lt(q->latest, q->run[i][1]) &&
            ts_seq_gt(q->run[i][1], rcv_nxt))
            first = i;
    if (first < q->n) {
        blk[n][0] = ts_seq_lt(q->run[first][0], rcv_nxt) ? rcv_nxt : q->run[first][0];
        blk[n][1] = q->run[first][1];
        n++;
    }
    for (unsigned i = q->n; i-- > 0 && n < max;) {
        if (i == first || ts_seq_le(q->run[i][1], rcv_nxt))
            continue;
        blk[n][0] = ts_seq_lt(q->run[i][0], rcv_nxt) ? rcv_nxt : q->run[i][0];
        blk[n][1] = q->run[i][1];
        n++;
    }
    return n;
}

/* ---- the send side's SACK scoreboard (RFC 6675 §4) ------------------------ */

void sboard_clear(struct sboard *b)
{
    b->n = 0;
}

void sboard_ack(struct sboard *b, uint32_t una)
{
    unsigned k = 0;
    for (unsigned i = 0; i < b->n; i++) {
        if (ts_seq_le(b->run[i][1], una))
            continue;
        b->run[k][0] = ts_seq_lt(b->run[i][0], una) ? una : b->run[i][0];
        b->run[k][1] = b->run[i][1];
        k++;
    }
    b->n = k;
}

bool sboard_add(struct sboard *b, uint32_t l, uint32_t r, uint32_t una, uint32_t max)
{
    /* a block at or below the cumulative ACK (D-SACK, RFC 2883) or beyond
     * what we sent says nothing about the holes */
    if (!ts_seq_lt(l, r) || ts_seq_le(r, una) || ts_seq_gt(r, max) || ts_seq_lt(l, una))
        return false;
    unsigned i = 0, j;
    while (i < b->n && ts_seq_lt(b->run[i][1], l))
        i++;
    j = i;
    while (j < b->n && ts_seq_le(b->run[j][0], r))
        j++;
    if (i + 1 == j && ts_seq_le(b->run[i][0], l) && ts_seq_ge(b->run[i][1], r))
        return false; /* known already */
    if (i == j && b->n == SBOARD_RUNS)
        return false;
    if (i < j) {
        if (ts_seq_lt(b->run[i][0], l))
            l = b->run[i][0];
        if (ts_seq_gt(b->run[j - 1][1], r))
            r = b->run[j - 1][1];
    }
    unsigned gone = j - i;
    if (gone == 0) {
        memmove(&b->run[i + 1], &b->run[i], (b->n - i) * sizeof b->run[0]);
        b->n++;
    } else if (gone > 1) {
        memmove(&b->run[i + 1], &b->run[j], (b->n - j) * sizeof b->run[0]);
        b->n -= gone - 1;
    }
    b->run[i][0] = l;
    b->run[i][1] = r;
    return true;
}

bool sboard_has(const struct sboard *b, uint32_t seq, uint32_t *run_end)
{
    for (unsigned i = 0; i < b->n; i++)
        if (ts_seq_ge(seq, b->run[i][0]) && ts_seq_lt(seq, b->run[i][1])) {
            if (run_end)
                *run_end = b->run[i][1];
            return true;
        }
    return false;
}

uint32_t sboard_next_sacked(const struct sboard *b, uint32_t seq, uint32_t limit)
{
    for (unsigned i = 0; i < b->n; i++)
        if (ts_seq_gt(b->run[i][0], seq))
            return ts_seq_lt(b->run[i][0], limit) ? b->run[i][0] : limit;
    return limit;
}

bool sboard_is_lost(const struct sboard *b, uint32_t seq, uint32_t smss,
                    unsigned dupthresh)
{
    /* RFC 6675 §4: DupThresh discontiguous SACKed runs above seq, or more
     * than (DupThresh - 1) * SMSS bytes SACKed above it */
    unsigned runs = 0;
    uint32_t bytes = 0;
    for (unsigned i = 0; i < b->n; i++) {
        if (ts_seq_le(b->run[i][1], seq))
            continue;
        uint32_t l = ts_seq_gt(b->run[i][0], seq) ? b->run[i][0] : seq + 1;
        runs++;
        bytes += b->run[i][1] - l;
    }
    return runs >= dupthresh || (uint64_t)bytes > (uint64_t)(dupthresh - 1) * smss;
}

uint32_t sboard_high(const struct sboard *b, uint32_t una)
{
    return b->n ? b->run[b->n - 1][1] : una;
}

uint32_t sboard_bytes(const struct sboard *b)
{
    uint32_t s = 0;
    for (unsigned i = 0; i < b->n; i++)
        s += b->run[i][1] - b->run[i][0];
    return s;
}
