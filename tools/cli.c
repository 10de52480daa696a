/* The shared option layer: see cli.h. */
#include "cli.h"

#include "tcpshake/capture.h"
#include "tcpshake/craft.h"
#include "tcpshake/version.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_fail(const char *cmd, const char *opt, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tcpshake: %s: ", cmd);
    if (opt)
        fprintf(stderr, "%s: ", opt);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_USAGE;
}

int cli_uint(const char *cmd, const char *opt, const char *text, uint64_t min, uint64_t max,
             uint64_t *v)
{
    char why[128];
    uint64_t n;
    /* the library's parser: decimal or 0x, no octal, no sign, no blanks */
    if (ts_craft_parse_uint(text, max, &n, why, sizeof why) == 0 && n >= min) {
        *v = n;
        return 0;
    }
    cli_fail(cmd, opt, "'%s' is not a number from %llu to %llu", text, (unsigned long long)min,
             (unsigned long long)max);
    return -1;
}

int cli_secs(const char *cmd, const char *opt, const char *text, double min_s, double max_s,
             uint64_t *ns)
{
    char *end;
    errno = 0;
    if ((*text >= '0' && *text <= '9') || *text == '.') {
        double s = strtod(text, &end);
        if (!errno && !*end && isfinite(s) && s >= min_s && s <= max_s) {
            *ns = (uint64_t)(s * 1e9 + 0.5);
            return 0;
        }
    }
    cli_fail(cmd, opt, "'%s' is not a number of seconds from %g to %g", text, min_s, max_s);
    return -1;
}

int cli_enum(const char *cmd, const char *opt, const char *text, const char *const *names,
             int n, int *idx)
{
    for (int i = 0; i < n; i++)
        if (strcmp(text, names[i]) == 0) {
            *idx = i;
            return 0;
        }
    char list[256] = "";
    size_t len = 0;
    for (int i = 0; i < n && len < sizeof list; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                i == 0 ? "" : i == n - 1 ? " or " : ", ", names[i]);
    cli_fail(cmd, opt, "'%s': %s", text, list);
    return -1;
}

int cli_color(const char *cmd, const char *opt, const char *text, int *color)
{
    static const char *const names[] = {"auto", "always", "never"};
    static const int values[] = {-1, 1, 0};
    int i;
    if (cli_enum(cmd, opt, text, names, 3, &i) < 0)
        return -1;
    *color = values[i];
    return 0;
}

bool cli_color_auto(FILE *f)
{
    const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
    return isatty(fileno(f)) && !(no && *no) && !(term && !strcmp(term, "dumb"));
}

int cli_version(void)
{
    /* the libraries too: a bug report needs them (libnet 1.1.6 has bugs we
     * work around) */
    printf("tcpshake %s\n%s\n%s\n", TS_VERSION_STRING, ts_capture_lib_version(),
           ts_craft_lib_version());
    return 0;
}

int cli_getopt_error(const char *cmd, int ch, char **argv, int optind_now, int optopt_now)
{
    /* getopt_long leaves the offending word at optind - 1 (for a short
     * option inside a cluster, optopt names it) */
    const char *word = optind_now > 0 ? argv[optind_now - 1] : "";
    char shortopt[3] = {'-', (char)optopt_now, 0};
    if (word[0] == '-' && word[1] != '-' && optopt_now)
        word = shortopt;
    if (ch == ':')
        return cli_fail(cmd, word, "needs a value (tcpshake %s --help)", cmd);
    return cli_fail(cmd, NULL, "unknown option '%s' (tcpshake %s --help)", word, cmd);
}

void cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}
