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
int cmd_script(int argc, char **argv);
int cmd_probe(int argc, char **argv);

/* ---- shared by connect, listen and replay (tools/cmd_connect.c) ---------- */

struct ts_drive_cli;
enum ts_drive_cmd { TS_DRIVE_CMD_CONNECT, TS_DRIVE_CMD_LISTEN, TS_DRIVE_CMD_REPLAY };

/* Parse the common options and the positional arguments (left in
 * *pos / *npos).  Returns -1 to go on, or an exit status. */
struct ts_drive_cli *ts_drive_cli_new(enum ts_drive_cmd cmd);
int ts_drive_cli_parse(struct ts_drive_cli *c, int argc, char **argv, char ***pos,
                    int *npos);
struct ts_drive_cfg *ts_drive_cli_cfg(struct ts_drive_cli *c);
/* Set the peer (connect, replay) from HOST PORT / HOST:PORT text. */
int ts_drive_cli_peer(struct ts_drive_cli *c, const char *host, const char *port);
/* Open the outputs, start the signal thread, run `run`, print the summary,
 * clean up; returns the exit status. */
int ts_drive_cli_run(struct ts_drive_cli *c, const char *what,
                  int (*run)(struct ts_drive_cli *c, void *arg, char *err,
                             size_t errlen),
                  void *arg);
struct ts_drive_result *ts_drive_cli_result(struct ts_drive_cli *c);
/* replay: --to and whether --conn was given (its value is in cfg->count) */
const char *ts_drive_cli_to(const struct ts_drive_cli *c);
int ts_drive_cli_conn_set(const struct ts_drive_cli *c);
void ts_drive_cli_free(struct ts_drive_cli *c);

#endif
