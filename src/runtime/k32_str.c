/* SPDX-License-Identifier: MIT */
/* k32_str.c - small kernel32 calls about strings, memory and the process's modes: the lstr*
 * functions, IsBadStringPtr, SetErrorMode/GetErrorMode, and the Local* and
 * Global* allocators on the process heap.
 *
 * lstr* catch a bad pointer as Windows does (lstrlen is 0, lstrcpy/lstrcat NULL) rather than
 * crash.  lstrcmp/lstrcmpi are CompareString's word sort (k32_collate.c).  A moveable block
 * (LMEM_MOVEABLE/GMEM_MOVEABLE) never moves: its handle is its address.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/k32_ext.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- lstr* ---- */

static char *wv_str_a(LPCSTR s) { char *c = NULL; return s && !wv_user_str(s, &c) ? c : NULL; }

int WINAPI lstrlenA(LPCSTR s)
{
    char *c = wv_str_a(s);
    int n = c ? (int)strlen(c) : 0;
    free(c);
    return n;
}

int WINAPI lstrlenW(LPCWSTR s)
{
    WCHAR u;
    int n = 0;
    while (s && wv_copy(&u, s + n, sizeof(u)) == 0 && u)
        n++;
    return n;
}

/* Copies n units from src to dst+at (units of size unit): dst, or NULL on a bad pointer. */
static void *wv_lcopy(void *dst, size_t at, const void *src, size_t n, size_t unit)
{
    void *buf = malloc(n * unit);
    bool ok = buf && wv_copy(buf, src, n * unit) == 0 && wv_user_put((char *)dst + at * unit, buf, n * unit) == 0;
    free(buf);
    return ok ? dst : NULL;
}

LPSTR WINAPI lstrcpyA(LPSTR dst, LPCSTR src)
{
    return dst && src ? wv_lcopy(dst, 0, src, (size_t)lstrlenA(src) + 1, 1) : NULL;
}

LPWSTR WINAPI lstrcpyW(LPWSTR dst, LPCWSTR src)
{
    return dst && src ? wv_lcopy(dst, 0, src, (size_t)lstrlenW(src) + 1, sizeof(WCHAR)) : NULL;
}

LPSTR WINAPI lstrcatA(LPSTR dst, LPCSTR src)
{
    return dst && src ? wv_lcopy(dst, (size_t)lstrlenA(dst), src, (size_t)lstrlenA(src) + 1, 1) : NULL;
}

LPWSTR WINAPI lstrcatW(LPWSTR dst, LPCWSTR src)
{
    return dst && src ? wv_lcopy(dst, (size_t)lstrlenW(dst), src, (size_t)lstrlenW(src) + 1, sizeof(WCHAR)) : NULL;
}

/* lstrcmp and lstrcmpi are CompareString's word sort (k32_collate.c) less 2; a NULL string
 * sorts before any other, two NULLs are equal; a string CompareString cannot read counts as
 * NULL would (Windows' handler answers a fault so). */
static int wv_lcmp(const void *a, const void *b, bool wide, DWORD flags)
{
    if (!a || !b)
        return a == b ? 0 : a ? 1 : -1;
    int r = wide ? CompareStringW(LOCALE_USER_DEFAULT, flags, a, -1, b, -1)
                 : CompareStringA(LOCALE_USER_DEFAULT, flags, a, -1, b, -1);
    return r ? r - 2 : 0;
}

int WINAPI lstrcmpA(LPCSTR a, LPCSTR b) { return wv_lcmp(a, b, false, 0); }
int WINAPI lstrcmpiA(LPCSTR a, LPCSTR b) { return wv_lcmp(a, b, false, NORM_IGNORECASE); }
int WINAPI lstrcmpW(LPCWSTR a, LPCWSTR b) { return wv_lcmp(a, b, true, 0); }
int WINAPI lstrcmpiW(LPCWSTR a, LPCWSTR b) { return wv_lcmp(a, b, true, NORM_IGNORECASE); }

/* ---- CompareStringOrdinal: UTF-16 units compared by value (both upper-cased when ignore_case),
 * then the lengths; a length of -1 runs to the terminator, an explicit one counts embedded
 * zeros as characters (Wine's locale.c test_CompareStringOrdinal).  A NULL string (or a negative
 * length other than -1) is ERROR_INVALID_PARAMETER and 0. ---- */

/* msvcrt_wide.c: the upper case of a UTF-16 unit (itself when it has none). */
__attribute__((ms_abi)) WCHAR wv_ms_towupper(WCHAR c);

/* The n units at s (n -1: up to the terminator), malloc'ed into *out, their count in *len. */
static DWORD wv_units(LPCWSTR s, int n, WCHAR **out, size_t *len)
{
    size_t cap = n >= 0 ? (size_t)n : 64, k = 0;
    WCHAR *w = malloc((cap + 1) * sizeof(WCHAR));
    while (w && (n < 0 || k < (size_t)n)) {
        if (wv_copy(&w[k], s + k, sizeof(WCHAR)))
            return free(w), ERROR_NOACCESS;
        if (n < 0 && !w[k])
            break;
        if (++k == cap && n < 0) {
            WCHAR *m = realloc(w, (cap * 2 + 1) * sizeof(WCHAR));
            if (!m)
                free(w);
            w = m, cap *= 2;
        }
    }
    if (!w)
        return ERROR_NOT_ENOUGH_MEMORY;
    *out = w, *len = k;
    return 0;
}

int WINAPI CompareStringOrdinal(LPCWSTR a, int na, LPCWSTR b, int nb, BOOL ignore_case)
{
    if (!a || !b || na < -1 || nb < -1)
        return wv_set_error(ERROR_INVALID_PARAMETER), 0;
    WCHAR *wa = NULL, *wb = NULL;
    size_t la, lb;
    DWORD err = wv_units(a, na, &wa, &la);
    if (!err)
        err = wv_units(b, nb, &wb, &lb);
    int r = 0;
    for (size_t i = 0; !err && !r && i < la && i < lb; i++) {
        WCHAR x = ignore_case ? wv_ms_towupper(wa[i]) : wa[i], y = ignore_case ? wv_ms_towupper(wb[i]) : wb[i];
        r = (x > y) - (x < y);
    }
    if (!err && !r)
        r = (la > lb) - (la < lb);
    free(wa), free(wb);
    if (err)
        return wv_set_error(err), 0;
    return CSTR_EQUAL + r;
}

/* ---- IsBadStringPtr: TRUE when a unit before the terminator (or max units) is unreadable ---- */

static BOOL wv_bad_string(const void *p, UINT_PTR max, size_t unit)
{
    if (!max)
        return FALSE;
    if (!p)
        return TRUE;
    for (UINT_PTR i = 0; i < max; i++) {
        WCHAR u = 0;
        if (wv_copy(&u, (const char *)p + i * unit, unit))
            return TRUE;
        if (!u)
            return FALSE;
    }
    return FALSE;
}

BOOL WINAPI IsBadStringPtrA(LPCSTR p, UINT_PTR max) { return wv_bad_string(p, max, 1); }
BOOL WINAPI IsBadStringPtrW(LPCWSTR p, UINT_PTR max) { return wv_bad_string(p, max, sizeof(WCHAR)); }

/* OutputDebugString: debug_child.c. */

/* ---- error mode: kept and returned (winvm shows no error dialogs to suppress) ---- */

static UINT wv_error_mode;

UINT WINAPI SetErrorMode(UINT mode) { return __atomic_exchange_n(&wv_error_mode, mode, __ATOMIC_ACQ_REL); }
UINT WINAPI GetErrorMode(void) { return __atomic_load_n(&wv_error_mode, __ATOMIC_ACQUIRE); }

/* The calling thread's own error mode (Windows 7 on), kept in ntdll's form: SEM_FAILCRITICALERRORS
 * is 0x10, SEM_NOGPFAULTERRORBOX 0x20, SEM_NOOPENFILEERRORBOX 0x40 (Wine's thread.c
 * test_ThreadErrorMode, run on Windows: RtlGetThreadErrorMode reads those); any other bit is
 * ERROR_INVALID_PARAMETER and changes nothing. */
static __thread DWORD wv_thread_error_mode;

static DWORD wv_mode_rtl(DWORD m)
{
    return (m & SEM_FAILCRITICALERRORS ? 0x10u : 0) | (m & SEM_NOGPFAULTERRORBOX ? 0x20u : 0) |
           (m & SEM_NOOPENFILEERRORBOX ? 0x40u : 0);
}

static DWORD wv_mode_k32(DWORD r)
{
    return (r & 0x10u ? SEM_FAILCRITICALERRORS : 0) | (r & 0x20u ? SEM_NOGPFAULTERRORBOX : 0) |
           (r & 0x40u ? SEM_NOOPENFILEERRORBOX : 0);
}

BOOL WINAPI SetThreadErrorMode(DWORD mode, LPDWORD old)
{
    if (mode & ~(DWORD)(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX))
        return wv_fail(ERROR_INVALID_PARAMETER);
    DWORD prev = wv_mode_k32(wv_thread_error_mode);
    if (old && wv_user_put(old, &prev, sizeof(prev)))
        return wv_fail(ERROR_NOACCESS);
    wv_thread_error_mode = wv_mode_rtl(mode);
    return TRUE;
}

DWORD WINAPI GetThreadErrorMode(void) { return wv_mode_k32(wv_thread_error_mode); }

WV_MSABI DWORD wv_nt_RtlGetThreadErrorMode(void)
{
    return wv_thread_error_mode;
}

WV_MSABI LONG wv_nt_RtlSetThreadErrorMode(DWORD mode, LPDWORD old)
{
    if (mode & ~0x70u)
        return (LONG)0xC00000EF; /* STATUS_INVALID_PARAMETER_1 */
    if (old && wv_user_put(old, &wv_thread_error_mode, sizeof(DWORD)))
        return (LONG)0xC0000005;
    wv_thread_error_mode = mode;
    return 0;
}

/* ---- Local* and Global*: the process heap ---- */

#define WV_LMEM_KNOWN (LMEM_MOVEABLE | LMEM_ZEROINIT | 0x0010 /* NOCOMPACT */ | 0x0020 /* NODISCARD */)

HLOCAL WINAPI LocalAlloc(UINT flags, SIZE_T n)
{
    if (flags & ~(UINT)WV_LMEM_KNOWN)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    void *p = HeapAlloc(GetProcessHeap(), (flags & LMEM_ZEROINIT) ? HEAP_ZERO_MEMORY : 0, n);
    return p ? p : wv_fail_null(ERROR_NOT_ENOUGH_MEMORY);
}

HLOCAL WINAPI LocalFree(HLOCAL h)
{
    HeapFree(GetProcessHeap(), 0, h);
    return NULL;
}

/* A block grows in place only unless LMEM_MOVEABLE allows it to move, as Windows' fixed
 * blocks. */
HLOCAL WINAPI LocalReAlloc(HLOCAL h, SIZE_T n, UINT flags)
{
    if (!h)
        return wv_fail_null(ERROR_INVALID_HANDLE);
    DWORD hf = ((flags & LMEM_ZEROINIT) ? HEAP_ZERO_MEMORY : 0) |
               ((flags & LMEM_MOVEABLE) ? 0 : HEAP_REALLOC_IN_PLACE_ONLY);
    void *p = HeapReAlloc(GetProcessHeap(), hf, h, n);
    return p ? p : wv_fail_null(ERROR_NOT_ENOUGH_MEMORY);
}

SIZE_T WINAPI LocalSize(HLOCAL h) { return h ? HeapSize(GetProcessHeap(), 0, h) : 0; }
LPVOID WINAPI LocalLock(HLOCAL h) { return h ? h : wv_fail_null(ERROR_INVALID_HANDLE); }
/* Every block is fixed (never moves), so none is locked. */
BOOL WINAPI LocalUnlock(HLOCAL h) { return wv_fail(h ? ERROR_NOT_LOCKED : ERROR_INVALID_HANDLE); }

HGLOBAL WINAPI GlobalAlloc(UINT flags, SIZE_T n) { return LocalAlloc(flags & WV_LMEM_KNOWN, n); }
HGLOBAL WINAPI GlobalFree(HGLOBAL h) { return LocalFree(h); }
HGLOBAL WINAPI GlobalReAlloc(HGLOBAL h, SIZE_T n, UINT flags) { return LocalReAlloc(h, n, flags); }
SIZE_T WINAPI GlobalSize(HGLOBAL h) { return LocalSize(h); }
LPVOID WINAPI GlobalLock(HGLOBAL h) { return LocalLock(h); }
BOOL WINAPI GlobalUnlock(HGLOBAL h) { return LocalUnlock(h); }
