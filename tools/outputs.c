/* The shared output options: see outputs.h. */
#include "outputs.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void outputs_init(struct outputs *o, const char *cmd)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
}

int outputs_check_paths(const char *cmd, const char *input, const char *const *opts,
                        const char *const *paths, size_t n)
{
    struct stat in_sb, o_sb[OUTPUTS_MAX];
    bool have_in = input && (strcmp(input, "-") == 0 ? fstat(STDIN_FILENO, &in_sb)
                                                     : stat(input, &in_sb)) == 0;
    if (n > OUTPUTS_MAX)
        n = OUTPUTS_MAX;
    for (size_t i = 0; i < n; i++) {
        const char *path = paths[i];
        if (!path || strcmp(path, "-") == 0 || stat(path, &o_sb[i]) != 0) {
            o_sb[i].st_ino = 0;
            for (size_t j = 0; path && j < i; j++)
                if (paths[j] && strcmp(paths[j], path) == 0) {
                    fprintf(stderr, "tcpshake: %s: %s '%s': already written by %s\n", cmd,
                            opts[i], path, opts[j]);
                    return -1;
                }
            continue;
        }
        if (have_in && S_ISREG(o_sb[i].st_mode) && o_sb[i].st_dev == in_sb.st_dev &&
            o_sb[i].st_ino == in_sb.st_ino) {
            fprintf(stderr, "tcpshake: %s: %s '%s': that is the input file; "
                            "writing it would destroy it\n", cmd, opts[i], path);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (o_sb[j].st_ino && S_ISREG(o_sb[i].st_mode) && o_sb[j].st_dev == o_sb[i].st_dev &&
                o_sb[j].st_ino == o_sb[i].st_ino) {
                fprintf(stderr, "tcpshake: %s: %s '%s': already written by %s\n", cmd,
                        opts[i], path, opts[j]);
                return -1;
            }
    }
    return 0;
}

/* Open a file named by an output option; NULL after saying why. */
static FILE *open_output(const struct outputs *o, const char *opt, const char *path)
{
    if (!strcmp(path, "-")) {
        fprintf(stderr, "tcpshake: %s: %s: standard output holds the trace; "
                        "give a file name\n", o->cmd, opt);
        return NULL;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        fprintf(stderr, "tcpshake: %s: %s: %s: %s\n", o->cmd, opt, path, strerror(errno));
    return f;
}

static int add(struct outputs *o, const char *opt, const char *path, FILE *f,
               struct ts_sink *k, const char *why)
{
    if (!k || o->n == OUTPUTS_MAX) {
        fprintf(stderr, "tcpshake: %s: %s%s%s%s%s\n", o->cmd, opt, *opt ? ": " : "",
                path ? path : "", path ? ": " : "", k ? "too many outputs" : why);
        if (f)
            fclose(f);
        ts_sink_free(k);
        return -1;
    }
    o->sinks[o->n] = k;
    o->opt[o->n] = opt;
    o->path[o->n] = path;
    o->file[o->n] = f;
    o->n++;
    return 0;
}

int outputs_add(struct outputs *o, const char *opt, struct ts_sink *k)
{
    return add(o, opt, NULL, NULL, k, "out of memory");
}

int outputs_add_svg(struct outputs *o, const char *path, const struct ts_svg_cfg *cfg)
{
    FILE *f = open_output(o, "--svg", path);
    if (!f)
        return -1;
    return add(o, "--svg", path, f, ts_sink_svg(f, cfg), "out of memory");
}

int outputs_add_zeeklog(struct outputs *o, const char *path)
{
    char err[512] = "out of memory";
    FILE *f = open_output(o, "--zeek-log", path);
    if (!f)
        return -1;
    return add(o, "--zeek-log", path, f, ts_sink_zeeklog(f, time(NULL), err, sizeof err), err);
}

int outputs_add_stats(struct outputs *o, struct ts_out *out, bool json)
{
    char err[512] = "out of memory";
    return add(o, "--stats", NULL, NULL, ts_sink_stats(out, json, err, sizeof err), err);
}

int outputs_add_pcapng(struct outputs *o, const char *path, bool annotate, uint32_t snaplen,
                       bool flush_each)
{
    char err[512] = "out of memory";
    bool out = !strcmp(path, "-");
    FILE *f = out ? stdout : open_output(o, "-w", path);
    if (!f)
        return -1;
    struct ts_sink *k = ts_sink_pcapng(f, annotate, snaplen, err, sizeof err);
    if (k && flush_each)
        ts_sink_pcapng_flush_each(k, true);
    /* on standard output the file is the main stream: a closed pipe
     * (| head -c N) ends the run there, as for the lines */
    if (k && out)
        k->flags |= TS_SINK_STDOUT;
    /* stdout is not ours to close: the writer flushes it at finish */
    return add(o, "-w", out ? "standard output" : path, out ? NULL : f, k, err);
}

struct ts_engine *outputs_engine(struct outputs *o, const struct ts_engine_cfg *cfg)
{
    char err[512];
    struct ts_engine *e = ts_engine_new(cfg, o->sinks, o->n, err, sizeof err);
    o->n = 0; /* the engine's now, whatever happened */
    if (!e)
        fprintf(stderr, "tcpshake: %s: %s\n", o->cmd, err);
    return e;
}

static void report(void *user, size_t i, const char *err)
{
    struct outputs *o = user;
    /* nobody reads standard output any more: quiet, as for the lines */
    if (!o->file[i] && o->path[i] && ts_sink_pcapng_error(o->sinks[i]) == EPIPE)
        return;
    if (o->path[i])
        fprintf(stderr, "tcpshake: %s: %s: %s: %s\n", o->cmd, o->opt[i], o->path[i], err);
    else if (*o->opt[i])
        fprintf(stderr, "tcpshake: %s: %s: %s\n", o->cmd, o->opt[i], err);
    else
        fprintf(stderr, "tcpshake: %s: %s\n", o->cmd, err);
    o->failed = true;
}

int outputs_finish(struct outputs *o, struct ts_engine *e)
{
    return ts_engine_finish(e, report, o);
}

int outputs_close(struct outputs *o, int status)
{
    for (size_t i = 0; i < o->n; i++)
        ts_sink_free(o->sinks[i]);
    o->n = 0;
    for (size_t i = 0; i < OUTPUTS_MAX; i++) {
        if (!o->file[i])
            continue;
        if (fclose(o->file[i]) != 0 && status == 0) {
            fprintf(stderr, "tcpshake: %s: %s: %s: %s\n", o->cmd, o->opt[i], o->path[i],
                    strerror(errno));
            status = 1;
        }
        o->file[i] = NULL;
    }
    return status;
}
