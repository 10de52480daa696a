/* The subcommands of the tcpshake CLI.  Each parses its own arguments into a
 * config, calls the library, prints, and returns the process exit status. */
#ifndef TCPSHAKE_CMDS_H
#define TCPSHAKE_CMDS_H

#include <stddef.h>

int cmd_trace(int argc, char **argv);
int cmd_craft(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_replay(int argc, char **argv);

/* ---- shared by connect, listen and replay (tools/cmd_connect.c) ---------- */

struct drive_cli;
enum drive_cmd { DRIVE_CMD_CONNECT, DRIVE_CMD_LISTEN, DRIVE_CMD_REPLAY };

/* Parse the common options and the positional arguments (left in
 * *pos / *npos).  Returns -1 to go on, or an exit status. */
struct drive_cli *drive_cli_new(enum drive_cmd cmd);
int drive_cli_parse(struct drive_cli *c, int argc, char **argv, char ***pos,
                    int *npos);
struct drive_cfg *drive_cli_cfg(struct drive_cli *c);
/* Set the peer (connect, replay) from HOST PORT / HOST:PORT text. */
int drive_cli_peer(struct drive_cli *c, const char *host, const char *port);
/* Open the outputs, start the signal thread, run `run`, print the summary,
 * clean up; returns the exit status. */
int drive_cli_run(struct drive_cli *c, const char *what,
                  int (*run)(struct drive_cli *c, void *arg, char *err,
                             size_t errlen),
                  void *arg);
struct drive_result *drive_cli_result(struct drive_cli *c);
/* replay: --to and whether --conn was given (its value is in cfg->count) */
const char *drive_cli_to(const struct drive_cli *c);
int drive_cli_conn_set(const struct drive_cli *c);
void drive_cli_free(struct drive_cli *c);

#endif
