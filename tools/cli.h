/* SPDX-License-Identifier: MIT */
/* cli.h - subcommands of the winvm tool. */
#ifndef WINVM_CLI_H
#define WINVM_CLI_H

#include <winvm.h>
#include <stdbool.h>

int cli_map(int argc, char **argv);   /* winvm map [PID|self] [--json] */
int cli_share(int argc, char **argv); /* winvm share PID... */
int cli_inspect(int argc, char **argv); /* winvm inspect FILE */
/* winvm demo's second part: demo images in dir, results (json, svg) in outdir. */
int cli_demo_sharing(const char *dir, const char *outdir);
/* winvm demo's first part (demo.c): the walk-through; 0 when every step behaved. */
int cli_demo_walk(void);
/* An argument error of `winvm COMMAND`: one line on stderr naming it (fmt has one %s, what),
 * and where help is; returns the exit status, 2. */
int cli_arg_error(const char *command, const char *fmt, const char *what);
/* winvm map --svg PID OUT.svg */
int cli_map_svg(const char *pid, const char *out);

#endif
