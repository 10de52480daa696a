/* tcpshake craft: placeholder until the craft module lands. */
#include <stdio.h>

#include "cmds.h"

int cmd_craft(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "tcpshake: craft: not built yet\n");
    return 2;
}
