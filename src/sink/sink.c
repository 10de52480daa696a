/* The sink dispatch (sink.h): a sink is an ops table and its state; these
 * call an op when the sink has it.  The outputs themselves live beside the
 * code they drive (text and JSON in render.c, the ladder in ladder.c, ...). */
#include <stdio.h>
#include <stdlib.h>

#include "tcpshake/sink.h"
#include "../internal.h"

struct ts_sink *ts_sink_new(const struct ts_sink_ops *ops, void *self, unsigned flags)
{
    struct ts_sink *k = malloc(sizeof *k);
    if (!k)
        return NULL;
    k->ops = ops;
    k->self = self;
    k->flags = flags;
    return k;
}

void ts_sink_seg(struct ts_sink *k, const struct ts_frame *f, const struct ts_seg *s,
                 const struct ts_event *ev)
{
    if (k->ops->seg)
        k->ops->seg(k->self, f, s, ev);
}

void ts_sink_bad(struct ts_sink *k, const struct ts_frame *f, const struct ts_seg *s,
                 const char *what)
{
    if (k->ops->bad)
        k->ops->bad(k->self, f, s, what);
}

void ts_sink_other(struct ts_sink *k, const struct ts_frame *f, const struct ts_seg *s)
{
    if (k->ops->other)
        k->ops->other(k->self, f, s);
}

void ts_sink_conn(struct ts_sink *k, const struct ts_conn *c, enum ts_end_reason why)
{
    if (k->ops->conn)
        k->ops->conn(k->self, c, why);
}

void ts_sink_flush(struct ts_sink *k)
{
    if (k->ops->flush)
        k->ops->flush(k->self);
}

bool ts_sink_broken(struct ts_sink *k)
{
    return k->ops->broken && k->ops->broken(k->self);
}

int ts_sink_finish(struct ts_sink *k, char *err, size_t errlen)
{
    return k->ops->finish ? k->ops->finish(k->self, err, errlen) : 0;
}

void ts_sink_free(struct ts_sink *k)
{
    if (!k)
        return;
    if (k->ops->free)
        k->ops->free(k->self);
    free(k);
}

void ts_sink_no_conn(char *err, size_t errlen, uint64_t want, uint64_t seen)
{
    snprintf(err, errlen, "no connection #%llu to draw (--conn %llu; the capture has %llu)",
             (unsigned long long)want, (unsigned long long)want, (unsigned long long)seen);
}
