/* The subcommands of the tcpshake CLI.  Each parses its own arguments into a
 * config, calls the library, prints, and returns the process exit status. */
#ifndef TCPSHAKE_CMDS_H
#define TCPSHAKE_CMDS_H

int cmd_trace(int argc, char **argv);
int cmd_craft(int argc, char **argv);

#endif
