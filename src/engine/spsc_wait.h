/* Waiting between the two sides of a single-producer single-consumer ring
 * (trace_pipe.c, trace_reader.c): spin a few microseconds, then sleep on a
 * futex until the other side says it moved.
 *
 * An event count: a side about to sleep registers in `waiters`, takes the
 * current `seq`, checks its condition once more and sleeps only if `seq`
 * has not moved.  A side that moved its index fences, and wakes sleepers
 * only if there are any.  A sleeper never misses a wake-up it is owed:
 * either the mover sees it registered and bumps `seq` (and the futex call
 * returns at once if that happened first), or the sleeper's last check
 * sees the move.  The mover may hold a wake-up back for a few calls
 * (spsc_notify's `every`; those calls cost nothing), never past the point
 * where it stops moving or sleeps itself. */
#ifndef TCPSHAKE_SPSC_WAIT_H
#define TCPSHAKE_SPSC_WAIT_H

#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

struct spsc_event {
    _Atomic uint32_t seq;
    _Atomic uint32_t waiters;
};

static inline void spsc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* The mover: call after publishing an index with release order.  A sleeper
 * is woken by the `every`-th call (1 = at once), so it wakes to a good batch
 * of work instead of one item: each wake-up is a system call on this side
 * and a context switch on the other.  The calls in between do nothing at
 * all, not even look for a sleeper: looking takes a full fence, which waits
 * for the index just published to reach the other core, the very line that
 * core is polling (a tenth of the tracker's time, measured, when every
 * batch fenced).  `skipped` is the mover's own count.  Calls that must wake
 * at once (the last item, or the mover about to sleep itself) pass
 * every = 1, so a sleeper is never left waiting past them. */
static inline void spsc_notify(struct spsc_event *e, unsigned *skipped, unsigned every)
{
    if (++*skipped < every)
        return;
    *skipped = 0;
    atomic_thread_fence(memory_order_seq_cst);
    if (!atomic_load_explicit(&e->waiters, memory_order_relaxed))
        return;
    atomic_fetch_add_explicit(&e->seq, 1, memory_order_seq_cst);
    syscall(SYS_futex, &e->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* The waiter: until ready(arg) is true.  Spins about `spins` rounds first. */
static inline void spsc_wait(struct spsc_event *e, bool (*ready)(void *), void *arg,
                             unsigned spins)
{
    for (unsigned i = 0; i < spins; i++) {
        if (ready(arg))
            return;
        spsc_cpu_relax();
    }
    for (;;) {
        atomic_fetch_add_explicit(&e->waiters, 1, memory_order_seq_cst);
        atomic_thread_fence(memory_order_seq_cst); /* pairs with spsc_notify's */
        uint32_t key = atomic_load_explicit(&e->seq, memory_order_seq_cst);
        if (ready(arg)) {
            atomic_fetch_sub_explicit(&e->waiters, 1, memory_order_relaxed);
            return;
        }
        syscall(SYS_futex, &e->seq, FUTEX_WAIT_PRIVATE, key, NULL, NULL, 0);
        atomic_fetch_sub_explicit(&e->waiters, 1, memory_order_relaxed);
        if (ready(arg))
            return;
    }
}

#endif
