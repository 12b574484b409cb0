/* SPDX-License-Identifier: MIT */
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
#define WV_CURRENT_THREAD ((HANDLE)(intptr_t)-2) /* GetCurrentThread() */

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

/* ---- the thread's id (tid.c) ---- */
/* gettid(2) from a thread variable: filled by the first call, cleared in a forked child. */
extern __thread __attribute__((tls_model("initial-exec"))) DWORD wv_tid_cached;
DWORD wv_tid_slow(void);
static inline DWORD wv_tid(void)
{
    DWORD t = wv_tid_cached;
    return t ? t : wv_tid_slow();
}

/* ---- errors (error.c) ---- */
/* Sets the calling thread's last error (GetLastError).  Public entry points only. */
void wv_set_error(DWORD code);
/* Keeps the calling thread's last error at *slot from now on (its TEB's LastErrorValue), or in
 * winvm's own thread variable again with NULL; the current value moves along. */
void wv_error_move(DWORD *slot);
/* For public entry points: set the last error and return the call's failure value (FALSE or
 * 0; NULL; INVALID_HANDLE_VALUE). */
static inline BOOL wv_fail(DWORD code) { return wv_set_error(code), FALSE; }
static inline void *wv_fail_null(DWORD code) { return wv_set_error(code), NULL; }
static inline HANDLE wv_fail_file(DWORD code) { return wv_set_error(code), INVALID_HANDLE_VALUE; }
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

/* ---- text (wide.c): the one UTF-16 <-> UTF-8 converter ---- */
/* What becomes of invalid input (an unpaired surrogate; an ill-formed UTF-8 sequence, cut as
 * Windows cuts it, see wide.c): one U+FFFD each, or a refusal (ERROR_NO_UNICODE_TRANSLATION). */
/* WV_TEXT_WTF8, for object names, which Windows compares as UTF-16 units whatever they hold:
 * an unpaired surrogate becomes (and, decoding, comes back from) the three bytes its code
 * unit would take were it a character (ED A0..BF 80..BF), which no well-formed UTF-8 holds,
 * so every UTF-16 name has one UTF-8 form of its own; other ill-formed UTF-8 is U+FFFD. */
enum wv_text_policy { WV_TEXT_REPLACE, WV_TEXT_STRICT, WV_TEXT_WTF8 };
/* Converts n units (bytes) at s into out, cap units (bytes) long, or only measures when out is
 * NULL; *len is the output's length (no terminator is added).  0, ERROR_INSUFFICIENT_BUFFER
 * (out holds the whole characters that fit) or ERROR_NO_UNICODE_TRANSLATION (strict). */
DWORD wv_utf16_to_utf8(const WCHAR *s, size_t n, char *out, size_t cap, enum wv_text_policy bad,
                       size_t *len);
DWORD wv_utf8_to_utf16(const char *s, size_t n, WCHAR *out, size_t cap, enum wv_text_policy bad,
                       size_t *len);
/* A malloc'ed UTF-8 copy of a UTF-16 name, converted strictly, into *out: 0, or (*out NULL)
 * the error the W forms of public calls report: ERROR_INVALID_NAME, ERROR_NOT_ENOUGH_MEMORY. */
DWORD wv_utf8(LPCWSTR s, char **out);
/* The same with another policy for invalid input (WV_TEXT_WTF8 for an object name). */
DWORD wv_utf8_as(LPCWSTR s, enum wv_text_policy bad, char **out);
/* An object name's one UTF-8 form (WV_TEXT_WTF8) from the n bytes of a name that came as
 * UTF-8 (an A call's, ill-formed sequences U+FFFD as Windows reads them) or as the WTF-8 of a
 * W call's: into out (cap bytes; 3 n is always enough), *len its length.  0 or
 * ERROR_INSUFFICIENT_BUFFER. */
DWORD wv_name_form(const char *s, size_t n, char *out, size_t cap, size_t *len);
/* A malloc'ed UTF-16 copy of a UTF-8 string (invalid bytes replaced), or NULL without memory. */
WCHAR *wv_utf16(const char *s);

/* ---- trace.c: WINVM_DEBUG channels ---- */
enum {
    WV_TRACE_VIRTUAL = 1u << 0, WV_TRACE_SECTION = 1u << 1, WV_TRACE_LOADER = 1u << 2,
    WV_TRACE_SEH = 1u << 3, WV_TRACE_THREAD = 1u << 4,
    WV_TRACE_RELAY = 1u << 5, /* not in +all: it logs every call into a builtin */
};
extern unsigned wv_trace_mask; /* set once before main from $WINVM_DEBUG */
/* Sets the mask from a WINVM_DEBUG string ("+virtual,+loader", "+all,-seh"); returns it. */
unsigned wv_trace_parse(const char *spec);
void wv_trace_emit(unsigned channel, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One trace line when the channel is on; a load and a branch when it is off. */
#define WV_TRACE(channel, ...)                                              \
    do {                                                                    \
        if (__builtin_expect(wv_trace_mask & (channel), 0))                 \
            wv_trace_emit((channel), __VA_ARGS__);                          \
    } while (0)

#endif
