/* The connection table: storage for the tracker's connections (internal).
 *
 * Records live in slabs and are named by 32-bit indices; hash chains and
 * the two lazy LRU lists (open, closed) link them.  A connection that has
 * seen nothing but pure SYNs from one side (a SYN flood, a scan, a silent
 * server) is kept as a compact 96-byte "embryo", as kernels keep half-open
 * connections in a SYN cache; anything else gets a full struct ts_conn.
 * A new connection starts as a full record and is squeezed into an embryo
 * only once CT_SQUEEZE_AFTER newer connections have been stored, if it is
 * still SYN-only then: most connections see their SYN+ACK long before
 * that, and never pay for the round trip through the compact form.
 * The tracker always works on a full struct ts_conn: an embryo is expanded
 * into a scratch record for the segment, and squeezed back only if that
 * round trip is lossless, else promoted.  So the compact form can never
 * change a result, only save memory.
 */
#ifndef TCPSHAKE_CONNTAB_H
#define TCPSHAKE_CONNTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpshake/decode.h"
#include "../conn.h"
#include "tcpshake/track.h"

#define CT_NIL 0u

enum { CT_OPEN = 0, CT_CLOSED = 1 };

#define CT_SQUEEZE_AFTER 64u /* a power of two */

struct ct_pool {
    char **slabs;
    uint32_t nslabs, cap;
    uint32_t nalloc;    /* slots handed out so far */
    uint32_t free_head; /* free slots (1-based), chained through link.hnext */
    size_t size;        /* bytes per record */
};

/* A hash chain's head, and a signature of the hashes on it: bit (hash >>
 * 27) of each (a superset: removals leave their bits until the chain is
 * empty).  A lookup whose bit is clear knows the tuple is not there without
 * reading any record: with chains alone, most first segments of a new
 * connection read a colliding record from cold memory. */
struct ct_bucket {
    uint32_t head, sig;
};

struct conntab {
    struct ct_pool full, emb;
    struct ct_bucket *buckets;
    uint32_t nbuckets; /* power of two */
    uint32_t live, peak;
    uint32_t live_emb; /* of them, embryos */
    uint32_t lru_head[2], lru_tail[2];
    /* ct_due's answer is "nothing" before this time while the head of list
     * l stays the same and untouched; 0 = unknown */
    uint64_t quiet_until[2];
    /* the last CT_SQUEEZE_AFTER new full records that might be squeezed:
     * index and id (a slot freed and reused since holds another id) */
    uint32_t young[CT_SQUEEZE_AFTER];
    uint64_t young_id[CT_SQUEEZE_AFTER];
    uint32_t young_pos;
    bool inner_only; /* ignore ts_seg.tun_key */
};

/* An empty table for at most max_conns connections. */
int ct_init(struct conntab *ct, uint32_t max_conns);
void ct_free(struct conntab *ct);

/* The connection of segment s and the direction it goes in, or CT_NIL. */
uint32_t ct_find(const struct conntab *ct, const struct ts_seg *s, int *dir);

/* The full record of idx: the record itself, or an embryo expanded into
 * *scratch (then changes must be written back with ct_store). */
struct ts_conn *ct_load(const struct conntab *ct, uint32_t idx, struct ts_conn *scratch);

/* Store connection c after a segment.  idx: its index, or CT_NIL for a new
 * connection (then c is a scratch record and is copied in).  list: CT_OPEN
 * or CT_CLOSED.  Returns the (possibly new) index, CT_NIL if out of memory. */
uint32_t ct_store(struct conntab *ct, uint32_t idx, struct ts_conn *c, int list);

/* Remove idx from the table and free it. */
void ct_remove(struct conntab *ct, uint32_t idx);

/* Remove every record at once (their memory is kept for new ones). */
void ct_clear(struct conntab *ct);

/* Lazy LRU: the head of list l once touched heads were requeued. */
uint32_t ct_oldest(struct conntab *ct, int l);
/* The head of list l if it has been quiet for `timeout` by `now`, else NIL. */
uint32_t ct_due(struct conntab *ct, int l, uint64_t timeout, uint64_t now);

uint64_t ct_id(const struct conntab *ct, uint32_t idx);
/* Every stored record, in the order they lie in memory (a walk over all of
 * them that the hardware can prefetch, unlike the LRU lists): the first is
 * ct_scan(ct, CT_NIL), the next ct_scan(ct, idx), CT_NIL after the last. */
uint32_t ct_scan(const struct conntab *ct, uint32_t after);

/* Start loading the bucket (stage 0) or the record (stage 1) of s. */
void ct_prefetch(const struct conntab *ct, const struct ts_seg *s, int stage);

/* Check the table's own invariants (for the tests): every record on the
 * chain of the bucket its hash names, with its signature bit set; the LRU
 * lists doubly linked and holding every record once; the counts; ct_scan;
 * and, at time `now`, each list's memo of when its head is due, with the
 * lists' timeouts (CT_OPEN, CT_CLOSED).  0, or -1 with what is wrong in err. */
int ct_check(const struct conntab *ct, const uint64_t timeout[2], uint64_t now, char *err,
             size_t errlen);

/* Bytes one embryo / one full record costs, with its hash bucket share. */
size_t ct_embryo_size(void);

#endif
