/* tcpshake: the command-line front end.  Dispatches to a subcommand; each
 * subcommand is a thin layer over the library (see tools/cmds.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"

static void usage(FILE *f)
{
    fputs("usage: tcpshake COMMAND [OPTIONS]\n"
          "       tcpshake --version | --help\n"
          "\n"
          "commands:\n"
          "  trace   annotate every TCP segment's role in the handshake and teardown,\n"
          "          with both endpoints' RFC 9293 states (live or from a capture)\n"
          "  craft   hand-craft TCP segments: send them as root or write a pcap\n"
          "  connect drive a real server through a whole connection, as the client,\n"
          "          with crafted segments (and see it traced)\n"
          "  listen  a server made of crafted segments: answer real clients\n"
          "  replay  replay a captured connection's client side against a live server\n"
          "  script  run packetdrill scripts against the kernel, in namespaces of its own,\n"
          "          or against a host's service\n"
          "  probe   a handshake-and-teardown conformance report of a host's TCP stack\n"
          "\n"
          "options:\n"
          "  -h, --help     this text\n"
          "  -V, --version  the version of tcpshake, libpcap and libnet\n"
          "\n"
          "`tcpshake COMMAND --help` describes a command's options;\n"
          "`man tcpshake-COMMAND` describes it in full.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "trace"))
        return cmd_trace(argc - 1, argv + 1);
    if (!strcmp(cmd, "craft"))
        return cmd_craft(argc - 1, argv + 1);
    if (!strcmp(cmd, "connect"))
        return cmd_connect(argc - 1, argv + 1);
    if (!strcmp(cmd, "listen"))
        return cmd_listen(argc - 1, argv + 1);
    if (!strcmp(cmd, "replay"))
        return cmd_replay(argc - 1, argv + 1);
    if (!strcmp(cmd, "script"))
        return cmd_script(argc - 1, argv + 1);
    if (!strcmp(cmd, "probe"))
        return cmd_probe(argc - 1, argv + 1);
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version"))
        return cli_version();
    fprintf(stderr, "tcpshake: unknown command '%s' (try: tcpshake --help)\n", cmd);
    return 2;
}
