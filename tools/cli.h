/* The option layer every subcommand shares: one parser per kind of value
 * (integers in a range, seconds with a fraction, a word from a list,
 * colour) and one error format,
 *
 *     tcpshake: CMD: OPT: why
 *
 * always with exit status CLI_USAGE.  Each parser says what was wrong
 * (on stderr) and returns -1, or stores the value and returns 0. */
#ifndef TCPSHAKE_TOOLS_CLI_H
#define TCPSHAKE_TOOLS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_USAGE 2 /* bad arguments, in every command */

/* "tcpshake: CMD: OPT: why" (OPT NULL: "tcpshake: CMD: why"); returns
 * CLI_USAGE. */
int cli_fail(const char *cmd, const char *opt, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A decimal (or 0x hexadecimal) integer in min..max. */
int cli_uint(const char *cmd, const char *opt, const char *text, uint64_t min, uint64_t max,
             uint64_t *v);

/* Seconds, with a fraction if wanted ("0.25", "60"), in min_s..max_s;
 * stored as nanoseconds. */
int cli_secs(const char *cmd, const char *opt, const char *text, double min_s, double max_s,
             uint64_t *ns);

/* One of the n words of `names`; *idx is its index. */
int cli_enum(const char *cmd, const char *opt, const char *text, const char *const *names,
             int n, int *idx);

/* auto, always or never: -1, 1, 0. */
int cli_color(const char *cmd, const char *opt, const char *text, int *color);

/* --color auto: colour when f is a terminal, NO_COLOR is unset or empty
 * (no-color.org) and TERM is not "dumb". */
bool cli_color_auto(FILE *f);

/* Every command's --version (getopt value CLI_OPT_VERSION): tcpshake's,
 * libpcap's and libnet's versions on stdout.  Returns 0, the exit status. */
#define CLI_OPT_VERSION 1000
int cli_version(void);

/* s as a JSON string, quoted and escaped (\" \\ and \u00XX below 0x20). */
void cli_json_str(FILE *f, const char *s);
/* For getopt's ':' (missing value) and '?' (unknown option) when opterr is
 * 0: the message with a pointer to `tcpshake CMD --help`; returns
 * CLI_USAGE. */
int cli_getopt_error(const char *cmd, int ch, char **argv, int optind_now, int optopt_now);

#endif
