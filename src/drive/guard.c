/* The RST guard: one nftables table per session, made and deleted with
 * nft(8).  The rule sits in the output hook and drops only RSTs of the
 * session's tuple that lack the session's mark, so the kernel's automatic
 * RSTs die and our crafted ones (SO_MARK on the crafting socket) pass.
 *
 * nft is run with posix_spawnp(), its standard input a pipe carrying the
 * ruleset, shielded from the signals that stop a session: in a process group
 * of its own (a terminal's Ctrl-C goes to the whole foreground group), and
 * with SIGINT, SIGQUIT, SIGTSTP, SIGHUP and SIGTERM blocked, so that one
 * sent to our group before the child has left it stays pending, unseen,
 * until nft exits.  An nft killed halfway would leave the table behind, or be
 * taken for a refusal, while we ourselves stop cleanly: we decide when.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tcpshake/guard.h"

extern char **environ;

struct guard {
    char table[64];
};

#define TABLE_PREFIX "tcpshake_guard_"

/* Run nft with argv; feed `input` on stdin; collect stdout into out (may be
 * NULL) and stderr into diag.  Returns nft's exit status (0 = success), or
 * -1 with err filled when nft could not be run at all. */
static int run_nft(char *const argv[], const char *input, char *out,
                   size_t outlen, char *diag, size_t diaglen, char *err,
                   size_t errlen)
{
    int in[2] = {-1, -1}, o[2] = {-1, -1}, e[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t shield;
    pid_t pid;
    int rc, status;

    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(o, O_CLOEXEC) < 0 ||
        pipe2(e, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "rst guard: pipe: %s", strerror(errno));
        for (int i = 0; i < 2; i++) {
            if (in[i] >= 0) close(in[i]);
            if (o[i] >= 0) close(o[i]);
            if (e[i] >= 0) close(e[i]);
        }
        return -1;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, o[1], 1);
    posix_spawn_file_actions_adddup2(&fa, e[1], 2);
    posix_spawnattr_init(&at);
    sigemptyset(&shield);
    sigaddset(&shield, SIGINT);
    sigaddset(&shield, SIGQUIT);
    sigaddset(&shield, SIGTSTP);
    sigaddset(&shield, SIGHUP);
    sigaddset(&shield, SIGTERM);
    posix_spawnattr_setsigmask(&at, &shield);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(in[0]);
    close(o[1]);
    close(e[1]);
    if (rc != 0) {
        if (rc == ENOENT)
            snprintf(err, errlen, "rst guard: nft not found in PATH: install "
                     "nftables (apt-get install nftables), or use "
                     "--no-rst-guard and keep the kernel's RSTs away another "
                     "way (docs/drive.md)");
        else
            snprintf(err, errlen, "rst guard: cannot run nft: %s",
                     strerror(rc));
        close(in[1]);
        close(o[0]);
        close(e[0]);
        return -1;
    }
    if (input) {
        size_t n = strlen(input), off = 0;
        while (off < n) {
            ssize_t w = write(in[1], input + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            off += (size_t)w;
        }
    }
    close(in[1]);
    size_t used = 0;
    for (;;) {
        char tmp[512];
        ssize_t r = read(o[0], tmp, sizeof tmp);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (out && used + 1 < outlen) {
            size_t k = (size_t)r < outlen - 1 - used ? (size_t)r : outlen - 1 - used;
            memcpy(out + used, tmp, k);
            used += k;
        }
    }
    if (out && outlen)
        out[used] = '\0';
    used = 0;
    for (;;) {
        char tmp[512];
        ssize_t r = read(e[0], tmp, sizeof tmp);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (diag && used + 1 < diaglen) {
            size_t k = (size_t)r < diaglen - 1 - used ? (size_t)r : diaglen - 1 - used;
            memcpy(diag + used, tmp, k);
            used += k;
        }
    }
    if (diag && diaglen) {
        diag[used] = '\0';
        /* first line only, for a one-line message */
        char *nl = strchr(diag, '\n');
        if (nl)
            *nl = '\0';
    }
    close(o[0]);
    close(e[0]);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "rst guard: waitpid: %s", strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

const char *ts_guard_ruleset(const struct ts_guard_spec *spec, const char *table,
                          char *buf, size_t len)
{
    const char *ip = spec->family == 6 ? "ip6" : "ip";
    char l[96] = "", r[96] = "", a[64];
    char lp[32], rp[24] = "";

    if (spec->local.family) {
        ts_addr_str(&spec->local, a, sizeof a);
        snprintf(l, sizeof l, "%s saddr %s ", ip, a);
    }
    if (spec->remote.family) {
        ts_addr_str(&spec->remote, a, sizeof a);
        snprintf(r, sizeof r, "%s daddr %s ", ip, a);
    }
    if (spec->lport_lo == spec->lport_hi)
        snprintf(lp, sizeof lp, "%u", (unsigned)spec->lport_lo);
    else
        snprintf(lp, sizeof lp, "%u-%u", (unsigned)spec->lport_lo,
                 (unsigned)spec->lport_hi);
    if (spec->rport)
        snprintf(rp, sizeof rp, "tcp dport %u ", (unsigned)spec->rport);
    snprintf(buf, len,
             "table inet %s {\n"
             "    chain output {\n"
             "        type filter hook output priority 0; policy accept;\n"
             "        meta nfproto %s %s%stcp sport %s %stcp flags & rst == rst "
             "meta mark != 0x%x drop\n"
             "    }\n"
             "}\n",
             table, spec->family == 6 ? "ipv6" : "ipv4", l, r, lp, rp,
             (unsigned)spec->mark);
    return buf;
}

/* Delete tables of ours whose process is gone (killed with SIGKILL, say). */
static void reap_stale(void)
{
    char *argv[] = {"nft", "list", "tables", "inet", NULL};
    char out[8192], diag[256], err[256];

    if (run_nft(argv, NULL, out, sizeof out, diag, sizeof diag, err,
                sizeof err) != 0)
        return;
    for (char *p = strstr(out, TABLE_PREFIX); p; p = strstr(p + 1, TABLE_PREFIX)) {
        char name[64];
        size_t n = strcspn(p, " \n{");
        if (n >= sizeof name)
            continue;
        memcpy(name, p, n);
        name[n] = '\0';
        long pid = strtol(name + strlen(TABLE_PREFIX), NULL, 10);
        if (pid <= 0 || pid == (long)getpid() ||
            (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;
        char *del[] = {"nft", "delete", "table", "inet", name, NULL};
        run_nft(del, NULL, NULL, 0, diag, sizeof diag, err, sizeof err);
    }
}

struct guard *ts_guard_install(const struct ts_guard_spec *spec, char *err,
                            size_t errlen)
{
    char rules[1024], diag[512];
    char *argv[] = {"nft", "-f", "-", NULL};
    struct guard *g = calloc(1, sizeof *g);

    if (!g) {
        snprintf(err, errlen, "rst guard: %s", strerror(errno));
        return NULL;
    }
    snprintf(g->table, sizeof g->table, TABLE_PREFIX "%ld_%u", (long)getpid(),
             (unsigned)spec->lport_lo);
    reap_stale();
    ts_guard_ruleset(spec, g->table, rules, sizeof rules);
    int rc = run_nft(argv, rules, NULL, 0, diag, sizeof diag, err, errlen);
    if (rc < 0) {
        free(g);
        return NULL;
    }
    if (rc != 0) {
        snprintf(err, errlen, "rst guard: nft refused the rule (exit %d): %s%s",
                 rc, diag[0] ? diag : "no message",
                 geteuid() != 0 ? " (needs root or CAP_NET_ADMIN)" : "");
        free(g);
        return NULL;
    }
    return g;
}

int ts_guard_remove(struct guard *g, char *err, size_t errlen)
{
    char diag[512];
    int rc;

    if (!g)
        return 0;
    char *argv[] = {"nft", "delete", "table", "inet", g->table, NULL};
    rc = run_nft(argv, NULL, NULL, 0, diag, sizeof diag, err, errlen);
    if (rc > 0)
        snprintf(err, errlen, "rst guard: removing table %s failed (exit %d): "
                 "%s: remove it with `nft delete table inet %s`", g->table,
                 rc, diag, g->table);
    free(g);
    return rc == 0 ? 0 : -1;
}

const char *ts_guard_table(const struct guard *g)
{
    return g->table;
}
