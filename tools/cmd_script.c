/* tcpshake script: packetdrill scripts.  For now only --parse: read each
 * script and print it back normalized, one event a line with its line
 * number, so that what tcpshake understood can be seen; running scripts
 * against a stack comes next (issue 13).
 *
 * Exit status: 0 every script parsed, 2 usage or a script that cannot be
 * parsed ("tcpshake: script: FILE:LINE:COL: why", one per script).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmds.h"
#include "tcpshake/script.h"

#define C "script"

static void usage(FILE *f)
{
    fputs("usage: tcpshake script --parse FILE.pkt...\n"
          "  FILE.pkt            packetdrill scripts (docs/script.md has the language)\n"
          "  --parse             parse each script and print it back normalized, one\n"
          "                      event a line with its line number; run nothing\n"
          "                      (default: run the scripts, which is not built yet)\n"
          "  -h, --help          this text\n"
          "Exit: 0 every script parsed, 2 bad arguments or a script that cannot be\n"
          "parsed (tcpshake: script: FILE:LINE:COL: why).\n",
          f);
}

enum { O_PARSE = 256 };

int cmd_script(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"parse", no_argument, NULL, O_PARSE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool parse = false;
    int ch;
    optind = 1;
    opterr = 0; /* our own one-line messages */
    while ((ch = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        switch (ch) {
        case O_PARSE: parse = true; break;
        case 'h': usage(stdout); return 0;
        default: return cli_getopt_error(C, ch, argv, optind, optopt);
        }
    }
    if (optind >= argc)
        return cli_fail(C, NULL, "give one or more FILE.pkt (tcpshake script --help)");
    if (!parse)
        return cli_fail(C, NULL, "running scripts is not built yet; --parse checks and "
                                 "prints them");

    int status = 0;
    bool many = argc - optind > 1;
    for (int i = optind; i < argc; i++) {
        struct ts_script_err err;
        struct ts_script *s = ts_script_parse_file(argv[i], &err);
        if (!s) {
            fflush(stdout);
            cli_fail(C, NULL, "%s", err.text);
            status = CLI_USAGE;
            continue;
        }
        if (many)
            printf("// %s\n", argv[i]);
        if (ts_script_print(stdout, s) < 0) {
            ts_script_free(s);
            return cli_fail(C, NULL, "writing the output failed");
        }
        ts_script_free(s);
    }
    return status;
}
