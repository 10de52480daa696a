/* tcpshake inner filter: a small tcpdump-like expression applied to the
 * decoded (inner) packet of a frame, after its tunnels were taken off
 * (`tcpshake trace --inner`).  The grammar is in docs/tunnels.md.
 *
 * The expression is compiled once into a short postfix program; matching
 * walks it with a fixed-size stack, allocates nothing and never recurses.
 */
#ifndef TCPSHAKE_FILTER_H
#define TCPSHAKE_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "tcpshake/decode.h"
#include "tcpshake/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_FILTER_MAX_LEN 4096 /* characters in an expression */
#define TS_FILTER_MAX_DEPTH 64 /* parentheses nested */

struct ts_filter;

/* Compile `expr`.  NULL on a bad expression, with a one-line message in err
 * naming the bad token and its word number ("at 'prot' (word 3): expected
 * host, net, port, ..."), or on running out of memory. */
TS_API struct ts_filter *ts_filter_compile(const char *expr, char *err, size_t errlen);

/* Does the decoded TCP segment `s` match? */
TS_API bool ts_filter_match(const struct ts_filter *f, const struct ts_seg *s);

TS_API void ts_filter_free(struct ts_filter *f);

#ifdef __cplusplus
}
#endif
#endif
