/* The connection table (see conntab.h): slabs of full records and of compact
 * embryos, one hash table over both, and two lazy LRU lists.
 *
 * Index space: 1-based, CT_NIL = 0; embryos have EMB set.  The link struct
 * is the first member of both record kinds, so free lists and chains can be
 * walked without knowing the kind.
 */
#include "conntab.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLAB_SHIFT 12
#define SLAB_SIZE (1u << SLAB_SHIFT)
#define EMB 0x80000000u

/* A connection that has seen only pure SYNs from its client.  Every other
 * field of its struct ts_conn is implied (see emb_expand). */
struct embryo {
    struct ts_conn_link link;
    uint64_t id;
    uint64_t t_first, t_last;
    struct ts_addr addr[2];
    uint16_t port[2];
    uint32_t isn;
    uint16_t win, segs, last_ipid, last_cksum;
    uint8_t wscale, has_wscale, last_flags;
};

/* A flood of SYNs is stored as embryos: their size is the memory bound
 * the README promises (with the hash bucket, under 128 bytes). */
_Static_assert(sizeof(struct embryo) <= 96, "an embryo grew past 96 bytes");

/* Zeek emulation constants the embryo implies (zeek.c): endpoint state
 * SYN_SENT for the originator, the 'S' history bit for it. */
enum { Z_SYN_SENT_STATE = 1, Z_HIST_SYN_BIT = 1u << 0 };

size_t ct_embryo_size(void)
{
    return sizeof(struct embryo);
}

/* ---- pools ---------------------------------------------------------------- */

static inline void *pool_at(const struct ct_pool *p, uint32_t local)
{
    uint32_t i = local - 1;
    return p->slabs[i >> SLAB_SHIFT] + (size_t)(i & (SLAB_SIZE - 1)) * p->size;
}

static uint32_t pool_alloc(struct ct_pool *p)
{
    if (p->free_head != CT_NIL) {
        uint32_t local = p->free_head;
        p->free_head = ((struct ts_conn_link *)pool_at(p, local))->hnext;
        return local;
    }
    if (p->nalloc == p->nslabs * SLAB_SIZE) {
        if (p->nslabs == p->cap) {
            uint32_t ncap = p->cap ? p->cap * 2 : 16;
            char **ns = realloc(p->slabs, ncap * sizeof *ns);
            if (!ns)
                return CT_NIL;
            p->slabs = ns;
            p->cap = ncap;
        }
        char *slab = malloc(SLAB_SIZE * p->size);
        if (!slab)
            return CT_NIL;
        p->slabs[p->nslabs++] = slab;
    }
    return ++p->nalloc;
}

/* lru_list of a record on a free list (ct_scan skips it) */
#define CT_FREE 0xffu

static void pool_release(struct ct_pool *p, uint32_t local)
{
    struct ts_conn_link *l = pool_at(p, local);
    l->hnext = p->free_head;
    l->lru_list = CT_FREE;
    p->free_head = local;
}

static void pool_free(struct ct_pool *p)
{
    for (uint32_t i = 0; i < p->nslabs; i++)
        free(p->slabs[i]);
    free(p->slabs);
}

static inline bool is_emb(uint32_t idx)
{
    return (idx & EMB) != 0;
}

static inline struct embryo *emb_at(const struct conntab *ct, uint32_t idx)
{
    return pool_at(&ct->emb, idx & ~EMB);
}

static inline struct ts_conn *full_at(const struct conntab *ct, uint32_t idx)
{
    return pool_at(&ct->full, idx);
}

static inline struct ts_conn_link *lnk(const struct conntab *ct, uint32_t idx)
{
    return is_emb(idx) ? &emb_at(ct, idx)->link : &full_at(ct, idx)->link;
}

/* Start loading all of record idx. */
static inline void prefetch_record(const struct conntab *ct, uint32_t idx)
{
    const char *r = (const char *)lnk(ct, idx);
    size_t n = is_emb(idx) ? sizeof(struct embryo) : sizeof(struct ts_conn);
    for (size_t off = 0; off < n; off += 64)
        __builtin_prefetch(r + off);
}

int ct_init(struct conntab *ct, uint32_t max_conns)
{
    memset(ct, 0, sizeof *ct);
    ct->full.size = sizeof(struct ts_conn);
    ct->emb.size = sizeof(struct embryo);
    /* 512 KiB of buckets, zero pages until used: a capture of up to 64k
     * concurrent connections never rehashes (each rehash reads every
     * record, all of them long out of cache).  A table that may hold
     * fewer connections gets a bucket for each it may hold: it never
     * rehashes either, and a walk over its buckets (ct_check after every
     * segment, in the tests and the fuzz targets) stays short. */
    ct->nbuckets = 16;
    while (ct->nbuckets < max_conns && ct->nbuckets < (1u << 16))
        ct->nbuckets <<= 1;
    ct->buckets = calloc(ct->nbuckets, sizeof *ct->buckets);
    return ct->buckets ? 0 : -1;
}

void ct_free(struct conntab *ct)
{
    pool_free(&ct->full);
    pool_free(&ct->emb);
    free(ct->buckets);
}

/* ---- keys and hashing ----------------------------------------------------------- */

/* The tunnel identity a segment is filed under. */
static inline uint32_t seg_tkey(const struct conntab *ct, const struct ts_seg *s)
{
    return ct->inner_only ? 0 : s->tun_key;
}

/* A tunnel identity moves the hash; never 0, like ts_flow_hash. */
static inline uint32_t tkey_mix(uint32_t h, uint32_t tkey)
{
    if (!tkey)
        return h;
    uint32_t m = h ^ (tkey * 0x9e3779b1u);
    m ^= m >> 15;
    return m ? m : 1;
}

static inline uint32_t seg_hash(const struct conntab *ct, const struct ts_seg *s)
{
    uint32_t h = s->flow_hash ? s->flow_hash : ts_flow_hash(&s->src, s->sport, &s->dst, s->dport);
    return tkey_mix(h, seg_tkey(ct, s));
}

static uint32_t key_of(const struct conntab *ct, uint32_t idx, const struct ts_addr **addr,
                       const uint16_t **port)
{
    if (is_emb(idx)) {
        const struct embryo *e = emb_at(ct, idx);
        *addr = e->addr;
        *port = e->port;
        return 0; /* a tunnelled connection is never an embryo */
    } else {
        const struct ts_conn *c = full_at(ct, idx);
        *addr = c->addr;
        *port = c->port;
        return c->tkey;
    }
}

static uint32_t idx_hash(const struct conntab *ct, uint32_t idx)
{
    const struct ts_addr *a;
    const uint16_t *p;
    uint32_t tkey = key_of(ct, idx, &a, &p);
    return tkey_mix(ts_flow_hash(&a[0], p[0], &a[1], p[1]), tkey);
}

static inline bool addr_eq(const struct ts_addr *x, const struct ts_addr *y)
{
    return memcmp(x, y, sizeof *x) == 0;
}

static inline uint32_t sig_bit(uint32_t h)
{
    return 1u << (h >> 27);
}

uint32_t ct_find(const struct conntab *ct, const struct ts_seg *s, int *dir)
{
    uint32_t h = seg_hash(ct, s);
    uint32_t tkey = seg_tkey(ct, s);
    const struct ct_bucket *bk = &ct->buckets[h & (ct->nbuckets - 1)];
    if (!(bk->sig & sig_bit(h)))
        return CT_NIL;
    for (uint32_t idx = bk->head; idx != CT_NIL; idx = lnk(ct, idx)->hnext) {
        const struct ts_addr *a;
        const uint16_t *p;
        if (key_of(ct, idx, &a, &p) != tkey)
            continue;
        if (p[0] == s->sport && p[1] == s->dport && addr_eq(&a[0], &s->src) &&
            addr_eq(&a[1], &s->dst)) {
            *dir = TS_C2S;
            return idx;
        }
        if (p[1] == s->sport && p[0] == s->dport && addr_eq(&a[1], &s->src) &&
            addr_eq(&a[0], &s->dst)) {
            *dir = TS_S2C;
            return idx;
        }
    }
    return CT_NIL;
}

void ct_prefetch(const struct conntab *ct, const struct ts_seg *s, int stage)
{
    uint32_t h = seg_hash(ct, s);
    const struct ct_bucket *bk = &ct->buckets[h & (ct->nbuckets - 1)];
    if (stage == 0) {
        __builtin_prefetch(bk);
        return;
    }
    if (bk->sig & sig_bit(h))
        prefetch_record(ct, bk->head);
}

static void rehash(struct conntab *ct, uint32_t nb)
{
    struct ct_bucket *nbk = calloc(nb, sizeof *nbk);
    if (!nbk)
        return; /* keep the old table: longer chains, still correct */
    for (uint32_t b = 0; b < ct->nbuckets; b++) {
        uint32_t idx = ct->buckets[b].head;
        while (idx != CT_NIL) {
            struct ts_conn_link *l = lnk(ct, idx);
            uint32_t next = l->hnext;
            uint32_t h = idx_hash(ct, idx);
            struct ct_bucket *to = &nbk[h & (nb - 1)];
            l->hnext = to->head;
            to->head = idx;
            to->sig |= sig_bit(h);
            idx = next;
        }
    }
    free(ct->buckets);
    ct->buckets = nbk;
    ct->nbuckets = nb;
}

/* ---- LRU lists (lazy: see ct_due) ------------------------------------------------- */

static void lru_unlink(struct conntab *ct, uint32_t idx)
{
    struct ts_conn_link *l = lnk(ct, idx);
    int which = l->lru_list;
    if (l->lru_prev != CT_NIL) {
        lnk(ct, l->lru_prev)->lru_next = l->lru_next;
    } else {
        /* the next head: ct_due reads it and its verdict reads all of it,
         * long after it was last touched */
        ct->lru_head[which] = l->lru_next;
        ct->quiet_until[which] = 0;
        if (l->lru_next != CT_NIL)
            prefetch_record(ct, l->lru_next);
    }
    if (l->lru_next != CT_NIL)
        lnk(ct, l->lru_next)->lru_prev = l->lru_prev;
    else
        ct->lru_tail[which] = l->lru_prev;
    l->lru_prev = l->lru_next = CT_NIL;
}

static void lru_append(struct conntab *ct, uint32_t idx, int which)
{
    struct ts_conn_link *l = lnk(ct, idx);
    l->lru_list = (uint8_t)which;
    l->touched = 0;
    l->lru_next = CT_NIL;
    l->lru_prev = ct->lru_tail[which];
    if (ct->lru_tail[which] != CT_NIL) {
        lnk(ct, ct->lru_tail[which])->lru_next = idx;
    } else {
        ct->lru_head[which] = idx;
        ct->quiet_until[which] = 0;
    }
    ct->lru_tail[which] = idx;
}

static uint64_t t_last_of(const struct conntab *ct, uint32_t idx)
{
    return is_emb(idx) ? emb_at(ct, idx)->t_last : full_at(ct, idx)->t_last;
}

uint64_t ct_id(const struct conntab *ct, uint32_t idx)
{
    return is_emb(idx) ? emb_at(ct, idx)->id : full_at(ct, idx)->id;
}

uint32_t ct_scan(const struct conntab *ct, uint32_t after)
{
    uint32_t local = after & ~EMB;
    if (!is_emb(after)) {
        for (uint32_t i = local + 1; i <= ct->full.nalloc; i++)
            if (full_at(ct, i)->link.lru_list != CT_FREE)
                return i;
        local = 0;
    }
    for (uint32_t i = local + 1; i <= ct->emb.nalloc; i++)
        if (emb_at(ct, i | EMB)->link.lru_list != CT_FREE)
            return i | EMB;
    return CT_NIL;
}

/* A segment only marks its connection touched; a touched connection found
 * at the head is moved to the tail then.  Untouched connections lie in
 * order of last activity, so the scan stops at the first untouched one that
 * is not due.  Per-segment work stays off the neighbours' cache lines. */
uint32_t ct_due(struct conntab *ct, int which, uint64_t timeout, uint64_t now)
{
    /* Called for every segment: while the head is the same untouched
     * record, the answer only depends on the time, so it is remembered
     * (reset when the head changes or is touched). */
    if (now < ct->quiet_until[which])
        return CT_NIL;
    uint32_t idx;
    while ((idx = ct->lru_head[which]) != CT_NIL) {
        uint64_t due = t_last_of(ct, idx) + timeout;
        if (due <= now)
            return idx;
        if (!lnk(ct, idx)->touched) {
            ct->quiet_until[which] = due;
            return CT_NIL;
        }
        lru_unlink(ct, idx);
        lru_append(ct, idx, which);
    }
    /* an empty list: nothing is due until something is appended (which
     * resets this) */
    ct->quiet_until[which] = UINT64_MAX;
    return CT_NIL;
}

uint32_t ct_oldest(struct conntab *ct, int which)
{
    uint32_t idx;
    while ((idx = ct->lru_head[which]) != CT_NIL && lnk(ct, idx)->touched) {
        lru_unlink(ct, idx);
        lru_append(ct, idx, which);
    }
    return idx;
}

/* ---- embryos -------------------------------------------------------------------- */

/* The full record an embryo stands for.  Must match, field for field, what
 * the tracker builds for a connection that has seen only pure SYNs with one
 * ISN from its client: ct_store checks that by expanding what it squeezed. */
static void emb_expand(const struct embryo *e, struct ts_conn *c)
{
    memset(c, 0, sizeof *c);
    c->link = e->link;
    c->id = e->id;
    c->addr[0] = e->addr[0];
    c->addr[1] = e->addr[1];
    c->port[0] = e->port[0];
    c->port[1] = e->port[1];
    c->t_first = e->t_first;
    c->t_last = e->t_last;
    c->t_syn = e->t_first;
    struct ts_endpoint *cl = &c->ep[TS_C2S];
    cl->isn = e->isn;
    cl->nxt = e->isn + 1;
    cl->segs = e->segs;
    cl->retrans = e->segs ? e->segs - 1u : 0;
    cl->flags = TS_EP_SYN | TS_EP_BASE | TS_EP_SEEN | (e->has_wscale ? TS_EP_WSCALE : 0);
    cl->win = e->win;
    cl->wscale = e->wscale;
    cl->state = TS_SYN_SENT;
    cl->last_ipid = e->last_ipid;
    cl->last_seq = e->isn;
    cl->last_flags = e->last_flags;
    cl->last_cksum = e->last_cksum;
    cl->t_nxt_us = 0; /* the first SYN, at t_first */
    cl->zlast = e->isn + 1;
    cl->t_seg_us = (uint32_t)((e->t_last - e->t_first) / 1000u);
    c->ep[TS_S2C].state = TS_LISTEN;
    c->completeness = 0x01;
    c->hist_len = 1;
    c->history[0] = 'S';
    c->zflags = Z_HIST_SYN_BIT;
    c->zstate[0] = Z_SYN_SENT_STATE;
}

/* Could c be an embryo (the cheap part of the test)? */
static inline bool emb_candidate(const struct ts_conn *c)
{
    const struct ts_endpoint *cl = &c->ep[TS_C2S];
    return c->ep[TS_S2C].segs == 0 && cl->segs != 0 && cl->segs <= UINT16_MAX &&
           c->hist_len == 1 && !c->pickup && !c->flipped;
}

/* Squeeze c into *e if that loses nothing. */
static bool emb_squeeze(const struct ts_conn *c, struct embryo *e)
{
    const struct ts_endpoint *cl = &c->ep[TS_C2S];
    if (!emb_candidate(c))
        return false;
    memset(e, 0, sizeof *e);
    e->link = c->link;
    e->id = c->id;
    e->t_first = c->t_first;
    e->t_last = c->t_last;
    e->addr[0] = c->addr[0];
    e->addr[1] = c->addr[1];
    e->port[0] = c->port[0];
    e->port[1] = c->port[1];
    e->isn = cl->isn;
    e->win = cl->win;
    e->segs = (uint16_t)cl->segs;
    e->last_ipid = cl->last_ipid;
    e->wscale = cl->wscale;
    e->has_wscale = (cl->flags & TS_EP_WSCALE) != 0;
    e->last_flags = cl->last_flags;
    e->last_cksum = cl->last_cksum;
    struct ts_conn x;
    emb_expand(e, &x);
    x.link = c->link;
    return memcmp(&x, c, sizeof x) == 0;
}

struct ts_conn *ct_load(const struct conntab *ct, uint32_t idx, struct ts_conn *scratch)
{
    if (!is_emb(idx))
        return full_at(ct, idx);
    emb_expand(emb_at(ct, idx), scratch);
    return scratch;
}

/* ---- insert / store / remove --------------------------------------------------- */

static void chain_insert(struct conntab *ct, uint32_t idx)
{
    uint32_t h = idx_hash(ct, idx);
    struct ct_bucket *bk = &ct->buckets[h & (ct->nbuckets - 1)];
    lnk(ct, idx)->hnext = bk->head;
    bk->head = idx;
    bk->sig |= sig_bit(h);
}

static void chain_remove(struct conntab *ct, uint32_t idx)
{
    struct ct_bucket *bk = &ct->buckets[idx_hash(ct, idx) & (ct->nbuckets - 1)];
    uint32_t *pp = &bk->head;
    while (*pp != CT_NIL && *pp != idx)
        pp = &lnk(ct, *pp)->hnext;
    assert(*pp == idx);
    if (*pp == idx)
        *pp = lnk(ct, idx)->hnext;
    if (bk->head == CT_NIL)
        bk->sig = 0;
}

/* Full record idx becomes embryo `to`, in the same places of its hash chain
 * and LRU list (so nothing but the memory it takes changes). */
static void relocate(struct conntab *ct, uint32_t idx, uint32_t to)
{
    const struct ts_conn_link *l = lnk(ct, to); /* copied from idx's */
    struct ct_bucket *bk = &ct->buckets[idx_hash(ct, to) & (ct->nbuckets - 1)];
    uint32_t *pp = &bk->head;
    while (*pp != idx) {
        assert(*pp != CT_NIL);
        pp = &lnk(ct, *pp)->hnext;
    }
    *pp = to;
    if (l->lru_prev != CT_NIL)
        lnk(ct, l->lru_prev)->lru_next = to;
    else
        ct->lru_head[l->lru_list] = to;
    if (l->lru_next != CT_NIL)
        lnk(ct, l->lru_next)->lru_prev = to;
    else
        ct->lru_tail[l->lru_list] = to;
}

/* The young record CT_SQUEEZE_AFTER new records ago, if it is still there
 * and still SYN-only, becomes an embryo. */
static void squeeze_old_young(struct conntab *ct, uint32_t pos)
{
    uint32_t idx = ct->young[pos];
    if (idx == CT_NIL)
        return;
    ct->young[pos] = CT_NIL;
    const struct ts_conn *c = full_at(ct, idx);
    struct embryo e;
    if (c->link.lru_list == CT_FREE || c->id != ct->young_id[pos] || !c->link.compact ||
        !emb_squeeze(c, &e))
        return;
    uint32_t local = pool_alloc(&ct->emb);
    if (local == CT_NIL)
        return; /* it stays full: still correct */
    *emb_at(ct, local | EMB) = e;
    relocate(ct, idx, local | EMB);
    pool_release(&ct->full, idx);
    ct->live_emb++;
}

/* A new full record into the hash and list `which`.  `young`: a new
 * connection, which may be squeezed later if it fits the compact form. */
static uint32_t insert_new(struct conntab *ct, const struct ts_conn *c, int which, bool young)
{
    uint32_t idx = pool_alloc(&ct->full);
    if (idx == CT_NIL)
        return CT_NIL;
    struct ts_conn *r = full_at(ct, idx);
    *r = *c;
    struct embryo e;
    r->link.compact = young && emb_squeeze(c, &e);
    if (young) {
        uint32_t pos = ct->young_pos++ & (CT_SQUEEZE_AFTER - 1);
        squeeze_old_young(ct, pos);
        if (r->link.compact) {
            ct->young[pos] = idx;
            ct->young_id[pos] = c->id;
        }
    }
    chain_insert(ct, idx);
    lru_append(ct, idx, which);
    ct->live++;
    if (ct->live > ct->peak)
        ct->peak = ct->live;
    if (ct->live > ct->nbuckets && ct->nbuckets < (1u << 30))
        rehash(ct, ct->nbuckets * 2);
    return idx;
}

void ct_remove(struct conntab *ct, uint32_t idx)
{
    chain_remove(ct, idx);
    lru_unlink(ct, idx);
    if (is_emb(idx)) {
        pool_release(&ct->emb, idx & ~EMB);
        ct->live_emb--;
    } else
        pool_release(&ct->full, idx);
    ct->live--;
}

void ct_clear(struct conntab *ct)
{
    memset(ct->young, 0, sizeof ct->young);
    memset(ct->buckets, 0, ct->nbuckets * sizeof *ct->buckets);
    ct->full.free_head = ct->emb.free_head = CT_NIL;
    ct->full.nalloc = ct->emb.nalloc = 0;
    for (int l = 0; l < 2; l++) {
        ct->lru_head[l] = ct->lru_tail[l] = CT_NIL;
        ct->quiet_until[l] = 0;
    }
    ct->live = 0;
    ct->live_emb = 0;
}

uint32_t ct_store(struct conntab *ct, uint32_t idx, struct ts_conn *c, int which)
{
    if (idx == CT_NIL)
        return insert_new(ct, c, which, true);
    if (is_emb(idx)) {
        struct embryo e;
        if (emb_squeeze(c, &e)) {
            /* still an embryo: write back in place (its links are unchanged) */
            struct embryo *slot = emb_at(ct, idx);
            e.link = slot->link;
            *slot = e;
        } else {
            /* promote: the embryo's place goes to a full record */
            ct_remove(ct, idx);
            c->link.touched = 0;
            idx = insert_new(ct, c, which, false);
            return idx;
        }
    }
    struct ts_conn_link *l = lnk(ct, idx);
    if (!is_emb(idx) && l->compact) {
        struct embryo e;
        if (!emb_squeeze(c, &e)) {
            /* It no longer fits the compact form.  Had it been squeezed
             * already, it would be promoted now, which requeues it at the
             * end of its list; so it goes there now too, and where it lies
             * never depends on when it was squeezed.  (A touched record is
             * requeued only when it reaches the head, behind records that
             * were active after it: the order the compact form's round trip
             * has always given is kept.) */
            l->compact = 0;
            lru_unlink(ct, idx);
            lru_append(ct, idx, which);
            return idx;
        }
    }
    if (l->lru_list != which) {
        lru_unlink(ct, idx);
        lru_append(ct, idx, which);
    } else {
        l->touched = 1;
        if (ct->lru_head[which] == idx)
            ct->quiet_until[which] = 0; /* its time moved on */
    }
    return idx;
}

/* ---- checks (for the tests) ----------------------------------------------------- */

int ct_check(const struct conntab *ct, const uint64_t timeout[2], uint64_t now, char *err,
             size_t errlen)
{
#define CT_FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)
    uint32_t on_chains = 0, embryos = 0;
    for (uint32_t b = 0; b < ct->nbuckets; b++) {
        for (uint32_t i = ct->buckets[b].head; i != CT_NIL; i = lnk(ct, i)->hnext) {
            uint32_t h = idx_hash(ct, i);
            if ((h & (ct->nbuckets - 1)) != b)
                CT_FAIL("record %#x on bucket %u, hashes to %u", i, b, h & (ct->nbuckets - 1));
            if (!(ct->buckets[b].sig & sig_bit(h)))
                CT_FAIL("record %#x: signature bit missing in bucket %u", i, b);
            if (lnk(ct, i)->lru_list > CT_CLOSED)
                CT_FAIL("record %#x on a chain is free", i);
            if (++on_chains > ct->live)
                CT_FAIL("more records on chains than %u live", ct->live);
            embryos += is_emb(i);
        }
    }
    if (on_chains != ct->live || embryos != ct->live_emb)
        CT_FAIL("chains hold %u records (%u compact), live %u (%u)", on_chains, embryos,
                ct->live, ct->live_emb);
    uint32_t listed = 0;
    for (int l = 0; l < 2; l++) {
        uint32_t prev = CT_NIL;
        for (uint32_t i = ct->lru_head[l]; i != CT_NIL; i = lnk(ct, i)->lru_next) {
            const struct ts_conn_link *k = lnk(ct, i);
            if (k->lru_prev != prev || k->lru_list != l)
                CT_FAIL("list %d broken at record %#x", l, i);
            if (is_emb(i) == 0 && k->compact && !emb_candidate(full_at(ct, i)))
                CT_FAIL("record %#x marked compact, but is not", i);
            if (++listed > ct->live)
                CT_FAIL("more records on lists than %u live", ct->live);
            prev = i;
        }
        if (ct->lru_tail[l] != prev)
            CT_FAIL("list %d: tail %#x, last record %#x", l, ct->lru_tail[l], prev);
    }
    if (listed != ct->live)
        CT_FAIL("lists hold %u records, live %u", listed, ct->live);
    uint32_t scanned = 0;
    for (uint32_t i = ct_scan(ct, CT_NIL); i != CT_NIL; i = ct_scan(ct, i))
        scanned++;
    if (scanned != ct->live)
        CT_FAIL("ct_scan finds %u records, live %u", scanned, ct->live);
    for (int l = 0; l < 2; l++) {
        uint64_t q = ct->quiet_until[l];
        uint32_t head = ct->lru_head[l];
        if (now >= q)
            continue; /* no memo in force */
        if (head == CT_NIL) {
            if (q != UINT64_MAX)
                CT_FAIL("list %d is empty, memo %llu", l, (unsigned long long)q);
        } else if (lnk(ct, head)->touched || t_last_of(ct, head) + timeout[l] != q) {
            CT_FAIL("list %d: memo %llu, head touched %d due %llu", l, (unsigned long long)q,
                    lnk(ct, head)->touched, (unsigned long long)(t_last_of(ct, head) + timeout[l]));
        }
    }
    return 0;
#undef CT_FAIL
}
