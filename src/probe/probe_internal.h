/* Inside tcpshake probe: what a run's frames showed, and the judges that
 * read it.  Not installed. */
#ifndef TCPSHAKE_PROBE_INTERNAL_H
#define TCPSHAKE_PROBE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpshake/decode.h"
#include "tcpshake/probe.h"

/* one segment of the probe's connection(s), wire numbers */
struct probe_seg {
    double t;  /* seconds since the epoch */
    bool ours; /* we sent it */
    uint8_t flags;
    uint32_t seq, ack, len;
    uint16_t win, urp;
    struct ts_opts opt;
};

struct probe_obs {
    struct probe_seg *v;
    size_t n, cap;
    size_t host_frames; /* segments from the host's port */
    uint8_t first_flags;     /* the host's first segment's flags */
    uint8_t our_first_flags; /* ours */
    size_t our_frames;
    bool host_fin;       /* the host sent a FIN */
    bool have_our_isn, have_their_isn;
    uint32_t our_isn, their_isn; /* of the first SYN each way */
};

/* Section k of a probe's text (0 the rule, k the k-th variant), the other
 * sections' lines left empty so that line numbers are the file's;
 * *bad_line: the line marked "// bad-checksum" in it, or 0.  NULL when
 * there is no such section or no memory; free() it. */
char *probe_section(const char *text, size_t k, unsigned *bad_line);

/* whether the judge table has this name */
bool probe_judge_known(const char *name);

/* Judge what the host sent in a run whose script passed: may change
 * out->result (pass, variant, fail, inconclusive), out->variant and
 * out->why.  A judge name the table does not have is an error outcome. */
void probe_judge(const struct ts_probe_info *p, const struct ts_probe_cfg *cfg,
                 const struct probe_obs *o, struct ts_probe_outcome *out);

#endif
