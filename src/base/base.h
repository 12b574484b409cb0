/* base.h - the floor every layer stands on: address-space constants, the error convention,
 * debug assertions, text conversion.  Depends on nothing but the public winvm.h.
 *
 * Error convention inside winvm (docs/architecture.md, "Errors"): a function that can fail
 * returns a Win32 error code by value (0 for success) or a value plus such a code in an out
 * parameter; only the public entry points (the functions winvm.h declares) turn that code into
 * the thread's last error, with wv_set_error.  Every internal name starts with wv_.
 */
#ifndef WV_BASE_H
#define WV_BASE_H

#include "winvm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WV_PAGE_SIZE ((uintptr_t)4096)
#define WV_GRANULE ((uintptr_t)65536)
/* Windows x64 user space: [0x10000, 0x7FFFFFFEFFFF]; we refuse anything outside it. */
#define WV_MIN_ADDR ((uintptr_t)0x10000)
#define WV_MAX_ADDR ((uintptr_t)0x7FFFFFFEFFFF)
#define WV_END_ADDR (WV_MAX_ADDR + 1)

/* GetCurrentProcess(): the pseudo-handle that names the calling process. */
#define WV_CURRENT_PROCESS ((HANDLE)(intptr_t)-1)

#define wv_page_down(a) ((uintptr_t)(a) & ~(WV_PAGE_SIZE - 1))
#define wv_page_up(a) (((uintptr_t)(a) + WV_PAGE_SIZE - 1) & ~(WV_PAGE_SIZE - 1))
#define wv_gran_down(a) ((uintptr_t)(a) & ~(WV_GRANULE - 1))
#define wv_gran_up(a) (((uintptr_t)(a) + WV_GRANULE - 1) & ~(WV_GRANULE - 1))

/* ---- debug assertions (error.c) ----
 * On in every build without NDEBUG (the Debug/ASan build CI runs), compiled out otherwise.
 * A failure writes file:line and the expression to stderr with write(2) and aborts: usable
 * from the fault handler too. */
#ifdef NDEBUG
#define wv_assert(x) ((void)0)
#define WV_DEBUG 0
#else
#define wv_assert(x) ((x) ? (void)0 : wv_assert_fail(#x, __FILE__, __LINE__))
#define WV_DEBUG 1
#endif
__attribute__((noreturn)) void wv_assert_fail(const char *what, const char *file, int line);

/* ---- errors (error.c) ---- */
/* Sets the calling thread's last error (GetLastError).  Public entry points only. */
void wv_set_error(DWORD code);
/* The Win32 error for a host errno value: the one table of winvm. */
DWORD wv_errno_to_error(int err);

/* ---- hashing ----
 * FNV-1a, 64 bits: the one hash of winvm.  Its values are persistent (image-cache file names,
 * shared image bases, long section names shared between processes), so it must never change.
 * Chain calls to hash several pieces: wv_hash(wv_hash(WV_HASH_INIT, a, n), b, m). */
#define WV_HASH_INIT 0xcbf29ce484222325ull

static inline uint64_t wv_hash(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* ---- text (wide.c) ---- */
/* A malloc'ed UTF-8 copy of a UTF-16 string, or NULL with the last error set. */
char *wv_utf8(LPCWSTR s);

#endif
