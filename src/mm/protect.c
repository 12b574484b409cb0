/* SPDX-License-Identifier: MIT */
/* protect.c - PAGE_* validation and translation to page bits and PROT_* bits. */
#include "mm/mm.h"

#include <sys/mman.h>

/* The two tables every commit and protect reads, on one page: host[i] is the PROT_* of index i
 * (1..8: the protection 1 << (i - 1): NOACCESS, READONLY, READWRITE, WRITECOPY, EXECUTE,
 * EXECUTE_READ, EXECUTE_READWRITE, EXECUTE_WRITECOPY), in the first line; parse[p][c] is
 * PAGE_* value p (below 0x800) decoded with write-copy allowed (c = 1) or not, both variants of
 * a value side by side, so the common protections (1, 2, 4, 0x20, 0x40) take two more lines.
 * parse is filled once, before main (wv_prot_init). */
struct wv_prot_tables wv_prot __attribute__((aligned(64))) = {.host = {
    PROT_NONE,
    PROT_NONE,                           /* NOACCESS */
    PROT_READ,                           /* READONLY */
    PROT_READ | PROT_WRITE,              /* READWRITE */
    PROT_READ | PROT_WRITE,              /* WRITECOPY: the mapping is MAP_PRIVATE */
    PROT_READ | PROT_EXEC,               /* EXECUTE: x86 reads what it may execute, and Windows
                                          * does not use protection keys to stop it (Wine's
                                          * loader.c reads a PAGE_EXECUTE image section); PROT_EXEC
                                          * alone is execute-only on a CPU with protection keys */
    PROT_READ | PROT_EXEC,               /* EXECUTE_READ */
    PROT_READ | PROT_WRITE | PROT_EXEC,  /* EXECUTE_READWRITE */
    PROT_READ | PROT_WRITE | PROT_EXEC,  /* EXECUTE_WRITECOPY */
}};

enum { WV_IDX_NOACCESS = 1, WV_IDX_WRITECOPY = 4, WV_IDX_EXECUTE_WRITECOPY = 8 }; /* wv_prot_is_copy too */

static wv_page_t wv_prot_decode(DWORD protect, bool allow_copy)
{
    DWORD base = protect & 0xff;
    DWORD mods = protect & ~0xffu;

    if (base == 0 || (base & (base - 1)) != 0)
        return 0;
    if (mods & ~(DWORD)(PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE))
        return 0;
    /* Microsoft: GUARD, NOCACHE and WRITECOMBINE exclude NOACCESS and each other. */
    if (mods & (mods - 1))
        return 0;
    wv_page_t idx = (wv_page_t)__builtin_ctz(base) + 1;
    if (mods && idx == WV_IDX_NOACCESS)
        return 0;
    if (!allow_copy && (idx == WV_IDX_WRITECOPY || idx == WV_IDX_EXECUTE_WRITECOPY))
        return 0;
    wv_page_t bits = idx;
    if (mods & PAGE_GUARD)
        bits |= WV_GUARD;
    if (mods & PAGE_NOCACHE)
        bits |= WV_NOCACHE;
    if (mods & PAGE_WRITECOMBINE)
        bits |= WV_WRITECOMBINE;
    return bits;
}

/* Every PAGE_* value below 0x800 decoded once: parsing sits on every commit and protect. */
__attribute__((constructor)) static void wv_prot_init(void)
{
    for (DWORD p = 0; p < 0x800; p++)
        for (int c = 0; c < 2; c++)
            wv_prot.parse[p][c] = wv_prot_decode(p, c);
}

DWORD wv_prot_report(wv_page_t page)
{
    if (!(page & WV_COMMITTED))
        return 0;
    unsigned idx = page & WV_PROT_MASK;
    /* A write-copy page that was written reports the writable protection it now has. */
    if (page & WV_COPIED) {
        if (idx == WV_IDX_WRITECOPY)
            idx = 3;
        else if (idx == WV_IDX_EXECUTE_WRITECOPY)
            idx = 7;
    }
    DWORD p = idx ? 1u << (idx - 1) : 0;
    if (page & WV_GUARD)
        p |= PAGE_GUARD;
    if (page & WV_NOCACHE)
        p |= PAGE_NOCACHE;
    if (page & WV_WRITECOMBINE)
        p |= PAGE_WRITECOMBINE;
    return p;
}

unsigned wv_rights_of(DWORD protect)
{
    switch (protect & 0xff) {
    case PAGE_READONLY: case PAGE_WRITECOPY: return 1;
    case PAGE_READWRITE: return 3;
    case PAGE_EXECUTE: return 4;
    case PAGE_EXECUTE_READ: case PAGE_EXECUTE_WRITECOPY: return 5;
    case PAGE_EXECUTE_READWRITE: return 7;
    default: return 0;
    }
}

bool wv_page_allows(wv_page_t page, int access)
{
    /* The Windows state decides: the write-watch fallback's write protection is not part of it. */
    int prot = wv_prot_host((wv_page_t)(page & ~(WV_WATCH_WP | WV_WS_ARMED | WV_DBG_ARMED)));
    if (access == WV_EXEC)
        return (prot & PROT_EXEC) != 0;
    if (access == WV_WRITE)
        return (prot & PROT_WRITE) != 0;
    return (prot & (PROT_READ | PROT_WRITE)) != 0;
}
