/* tcpshake svg: the ladder diagram of the connections as an SVG picture.
 *
 * Segments are recorded as they are traced (a few fields each, bounded: at
 * most max_conns connections of max_segs segments are kept, and the picture
 * says what was left out) and drawn in one page by ts_svg_write: a panel per
 * connection, stacked, with the verdict in its title, the client's and the
 * server's lifelines, one sloping arrow per segment coloured by what it does
 * (handshake, data, teardown, reset), both endpoints' states where they
 * change, time down the left (to scale, long gaps cut) and a legend.
 * Nothing is printed here: the caller gives the FILE and gets a status.
 */
#ifndef TCPSHAKE_SVG_H
#define TCPSHAKE_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcpshake/decode.h"
#include "tcpshake/export.h"
#include "tcpshake/track.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_SVG_MAX_CONNS 64    /* default bound on connections kept */
#define TS_SVG_MAX_SEGS 2000   /* default bound on segments kept per connection */

struct ts_svg_cfg {
    uint64_t conn;      /* keep only this connection id; 0 = all (up to max_conns) */
    const char *title;  /* shown in the page heading (e.g. the capture); may be NULL */
    unsigned max_conns; /* 0 = TS_SVG_MAX_CONNS */
    unsigned max_segs;  /* 0 = TS_SVG_MAX_SEGS */
};

struct ts_svg;

/* A new recorder, or NULL (out of memory).  cfg->title is copied. */
TS_API struct ts_svg *ts_svg_new(const struct ts_svg_cfg *cfg);

/* Record one traced segment (ignored when ev or ev->conn is NULL). */
TS_API void ts_svg_seg(struct ts_svg *v, const struct ts_seg *s, const struct ts_event *ev);

/* Record a connection's verdict.  Call it from the tracker's on_end. */
TS_API void ts_svg_conn_end(struct ts_svg *v, const struct ts_conn *c, enum ts_end_reason why);

/* Write the page.  Returns 0, or -1 with a message in err (a write error, no
 * memory for the layout, or cfg.conn named a connection never seen: the
 * page is written then, and says so). */
TS_API int ts_svg_write(struct ts_svg *v, FILE *f, char *err, size_t errlen);

TS_API void ts_svg_free(struct ts_svg *v);

#ifdef __cplusplus
}
#endif
#endif
