/* cli.h - subcommands of the winvm tool. */
#ifndef WINVM_CLI_H
#define WINVM_CLI_H

#include <winvm.h>
#include <stdbool.h>

int cli_map(int argc, char **argv);   /* winvm map [PID|self] [--json] */
int cli_share(int argc, char **argv); /* winvm share PID... */
int cli_inspect(int argc, char **argv); /* winvm inspect FILE */

#endif
