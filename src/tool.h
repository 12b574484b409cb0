/* SPDX-License-Identifier: MIT */
/* tool.h - the one header beyond the public winvm.h that the winvm tool (tools/) and the
 * benchmarks (bench/) include: the PE parser (pure code over a buffer, pe/pe.h) and the entry
 * points of the CLI's subcommands.  scripts/check-layers.sh refuses any other private header
 * there.
 */
#ifndef WV_TOOL_H
#define WV_TOOL_H

#include "winvm.h"
#include "pe/pe.h"

#include <stdio.h>

/* `winvm run` (runtime/run.c): runs exe (argv[0] is exe as the user named it) in this
 * process; returns only when it cannot start (the exit status, after saying why on stderr). */
int winvm_run(const char *exe, int argc, char **argv);

/* The CLI says it is the CLI: CreateProcess then runs children with this same binary
 * (/proc/self/exe; runtime/process_create.c). */
void winvm_cli_self(void);

/* `winvm cache ls|clear` (section/imgcache.c): lists the entries (newest use first); removes
 * them all (the count). */
int winvm_cache_list(FILE *out);
int winvm_cache_clear(void);
/* The source file an image-cache entry was laid out from (for labels); false if not an entry. */
bool wv_cache_source(const char *entry, char *out, size_t cap);

/* Whether the parsed file can be mapped straight from the file (section/layout.c). */
bool wv_image_direct(const wv_pe *pe);

#endif
