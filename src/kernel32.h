/* kernel32.h - kernel32.dll as PE code sees it (kernel32.c): its exports as ms_abi thunks. */
#ifndef WV_KERNEL32_H
#define WV_KERNEL32_H

#include "winvm.h"

#include <stddef.h>

/* A DLL's exports served by winvm: sorted by strcmp, found by bisection. */
struct wv_export {
    const char *name;
    void *addr;
};
void *wv_export_find(const struct wv_export *table, size_t n, const char *name);

/* The ms_abi (Windows x64 calling convention) entry point of the kernel32.dll export with
 * this exact, case-sensitive name, as GetProcAddress would find it; NULL when winvm does not
 * provide it. */
void *wv_k32_lookup(const char *name);

/* The i-th export name in the table's (strcmp) order; NULL past the end.  For checks and
 * listings: the loader only needs wv_k32_lookup. */
const char *wv_k32_name_at(size_t i);

/* msvcrt.dll (msvcrt.c): the same for the C runtime's exports (functions and variables). */
void *wv_crt_lookup(const char *name);
const char *wv_crt_name_at(size_t i);

#endif
