/* The output options every command that traces shares (trace, connect,
 * listen, replay): the main lines or ladder, then --svg, --zeek-log,
 * --stats and (trace) -w as sinks, the files they write, and the report of
 * a sink that failed.  One place opens, labels and closes them, so each
 * command only says which it was given. */
#ifndef TCPSHAKE_TOOLS_OUTPUTS_H
#define TCPSHAKE_TOOLS_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tcpshake/engine.h"
#include "tcpshake/ladder.h"
#include "tcpshake/render.h"
#include "tcpshake/sink.h"

#define OUTPUTS_MAX 8

struct outputs {
    const char *cmd; /* "trace": for the error lines */
    size_t n;
    struct ts_sink *sinks[OUTPUTS_MAX];
    const char *opt[OUTPUTS_MAX];  /* the option that asked for sinks[i] ("" = the main) */
    const char *path[OUTPUTS_MAX]; /* its file (NULL: none of its own) */
    FILE *file[OUTPUTS_MAX];       /* opened here, closed by outputs_close */
    bool failed;                   /* a sink's finish failed (reported) */
};

void outputs_init(struct outputs *o, const char *cmd);

/* Refuse output files that are the input file (`input`, may be NULL; "-"
 * is standard input) or that two options both name: fopen("wb") would
 * truncate them before anything is read.  opts/paths: n pairs, a path may
 * be NULL.  Says why and returns -1. */
int outputs_check_paths(const char *cmd, const char *input, const char *const *opts,
                        const char *const *paths, size_t n);

/* Each adds one sink; -1 after saying why (on stderr).  `main` is the text
 * sink or the ladder, made by the caller. */
int outputs_add(struct outputs *o, const char *opt, struct ts_sink *k);
int outputs_add_svg(struct outputs *o, const char *path, const struct ts_svg_cfg *cfg);
int outputs_add_zeeklog(struct outputs *o, const char *path);
int outputs_add_stats(struct outputs *o, struct ts_out *out, bool json);
/* path "-": standard output (the caller keeps its text elsewhere);
 * flush_each: each frame written out at once (-U) */
int outputs_add_pcapng(struct outputs *o, const char *path, bool annotate, uint32_t snaplen,
                       bool flush_each);

/* The engine over the sinks (they are its from here on, also on failure:
 * n becomes 0).  NULL after saying why. */
struct ts_engine *outputs_engine(struct outputs *o, const struct ts_engine_cfg *cfg);

/* Finish every sink, saying which failed and why; 0, or -1 (o->failed). */
int outputs_finish(struct outputs *o, struct ts_engine *e);

/* Close the files; sinks not yet given to an engine are freed.  Returns
 * status, or 1 when it was 0 and a file could not be closed. */
int outputs_close(struct outputs *o, int status);

#endif
