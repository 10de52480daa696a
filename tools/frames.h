/* The frames of a script or probe run, kept to be put in time order before
 * the tracer and -w see them: the two directions come from two clocks and
 * two paths (our sends, the capture).  frames_add is a frame hook of
 * ts_script_run_cfg / ts_probe_cfg (user: the struct frames). */
#ifndef TCPSHAKE_TOOLS_FRAMES_H
#define TCPSHAKE_TOOLS_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct frame {
    uint64_t t;
    uint32_t len, wirelen, seq;
    uint8_t *p;
};

struct frames {
    struct frame *v;
    size_t n, cap;
};

/* a copy of the frame (dropped when out of memory) */
void frames_add(void *user, uint64_t t_ns, const uint8_t *p, uint32_t len, uint32_t wirelen,
                bool injected);
/* in time order, equal times in arrival order */
void frames_sort(struct frames *fs);
/* forget them (the array is kept for the next run) */
void frames_clear(struct frames *fs);
void frames_free(struct frames *fs);

#endif
