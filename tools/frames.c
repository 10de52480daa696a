/* The frames of a run, in time order (frames.h). */
#include "frames.h"

#include <stdlib.h>
#include <string.h>

void frames_add(void *user, uint64_t t_ns, const uint8_t *p, uint32_t len, uint32_t wirelen,
                bool injected)
{
    struct frames *fs = user;
    (void)injected;
    if (fs->n == fs->cap) {
        size_t n = fs->cap ? fs->cap * 2 : 256;
        struct frame *m = realloc(fs->v, n * sizeof *m);
        if (!m)
            return;
        fs->v = m;
        fs->cap = n;
    }
    uint8_t *b = malloc(len ? len : 1);
    if (!b)
        return;
    memcpy(b, p, len);
    fs->v[fs->n] = (struct frame){.t = t_ns, .len = len, .wirelen = wirelen,
                                  .seq = (uint32_t)fs->n, .p = b};
    fs->n++;
}

static int by_time(const void *a, const void *b)
{
    const struct frame *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void frames_sort(struct frames *fs)
{
    if (fs->n)
        qsort(fs->v, fs->n, sizeof fs->v[0], by_time);
}

void frames_clear(struct frames *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        free(fs->v[i].p);
    fs->n = 0;
}

void frames_free(struct frames *fs)
{
    frames_clear(fs);
    free(fs->v);
    fs->v = NULL;
    fs->cap = 0;
}
