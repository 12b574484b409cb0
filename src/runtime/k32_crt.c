/* SPDX-License-Identifier: MIT */
/* k32_crt.c - the kernel32 functions C runtimes call at startup and for text: critical
 * sections, startup info, code-page conversions, the unhandled-exception filter.  (The ms_abi
 * thunks PE code calls are in kernel32.c, with the others.) */
#include "runtime/runtime.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- critical sections: a recursive pthread mutex hung off the Windows structure ----
 * The mutex is named by LockSemaphore (the field Windows keeps its wait object in), so the
 * section works whatever DebugInfo holds: InitializeCriticalSectionEx's
 * CRITICAL_SECTION_NO_DEBUG_INFO sets it to (void *)-1, and a program may clear it
 * (kernel32/tests/sync.c test_crit_section).  Otherwise DebugInfo names a debug block
 * (RTL_CRITICAL_SECTION_DEBUG's head: Type 0, the section it belongs to), as on Windows. */

struct wv_cs_debug {
    WORD type, creator_backtrace;
    LPCRITICAL_SECTION section;
    void *locks[2]; /* ProcessLocksList: an empty LIST_ENTRY */
    DWORD entries, contentions, flags;
    WORD creator_high, spare;
};

/* What LockSemaphore names; the mutex first.  The debug block is found here at deletion, not
 * through DebugInfo, which the program may have changed. */
struct wv_cs_lock {
    pthread_mutex_t m;
    struct wv_cs_debug *debug;
};

static pthread_mutex_t *wv_cs_mutex(LPCRITICAL_SECTION cs) { return &((struct wv_cs_lock *)cs->LockSemaphore)->m; }

/* flags: 0 or CRITICAL_SECTION_NO_DEBUG_INFO.  false when out of memory (nothing set). */
static bool wv_cs_init(LPCRITICAL_SECTION cs, DWORD spin, DWORD flags)
{
    pthread_mutexattr_t a;
    struct wv_cs_lock *m = malloc(sizeof(*m));
    struct wv_cs_debug *d = (flags & CRITICAL_SECTION_NO_DEBUG_INFO) ? NULL : calloc(1, sizeof(*d));
    memset(cs, 0, sizeof(*cs));
    if (!m || (!d && !(flags & CRITICAL_SECTION_NO_DEBUG_INFO))) {
        free(m), free(d);
        return false;
    }
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&m->m, &a);
    pthread_mutexattr_destroy(&a);
    m->debug = d;
    if (d)
        d->section = cs, d->locks[0] = d->locks[1] = d->locks;
    cs->DebugInfo = d ? (PVOID)d : (PVOID)(ULONG_PTR)-1;
    cs->LockCount = -1; /* Windows' "free" */
    cs->LockSemaphore = m;
    cs->SpinCount = spin & ~0x80000000u; /* the top bit is no count (Windows masks it) */
    return true;
}

void WINAPI InitializeCriticalSection(LPCRITICAL_SECTION cs)
{
    wv_cs_init(cs, 0, 0); /* Windows raises STATUS_NO_MEMORY here; Enter then fails loudly */
}

BOOL WINAPI InitializeCriticalSectionAndSpinCount(LPCRITICAL_SECTION cs, DWORD spin)
{
    return wv_cs_init(cs, spin, 0) ? TRUE : wv_fail(ERROR_NOT_ENOUGH_MEMORY);
}

/* Flags: CRITICAL_SECTION_NO_DEBUG_INFO, and the dynamic-spin, static-init, resource-type and
 * force-debug-info bits Windows accepts (nothing to do here for them; force-debug-info gives a
 * debug block, which every section without NO_DEBUG_INFO has).  Other bits of the top byte
 * are refused, ERROR_INVALID_PARAMETER (Windows: STATUS_INVALID_PARAMETER_3). */
BOOL WINAPI InitializeCriticalSectionEx(LPCRITICAL_SECTION cs, DWORD spin, DWORD flags)
{
    if (flags & ~(DWORD)0x1F000000)
        return wv_fail(ERROR_INVALID_PARAMETER);
    if (flags & 0x10000000 /* RTL_CRITICAL_SECTION_FLAG_FORCE_DEBUG_INFO */)
        flags &= ~(DWORD)CRITICAL_SECTION_NO_DEBUG_INFO;
    return wv_cs_init(cs, spin, flags & CRITICAL_SECTION_NO_DEBUG_INFO) ? TRUE : wv_fail(ERROR_NOT_ENOUGH_MEMORY);
}

/* Waits in slices, each end a safe point where TerminateThread may end the waiter. */
static void wv_cs_lock(pthread_mutex_t *m)
{
    while (pthread_mutex_trylock(m) != 0) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += 50000000;
        if (t.tv_nsec >= 1000000000)
            t.tv_sec++, t.tv_nsec -= 1000000000;
        if (pthread_mutex_timedlock(m, &t) == 0)
            return;
        wv_thread_kill_point();
        wv_process_cs_orphaned(); /* its owner was ended by the process's exit */
    }
}

void WINAPI EnterCriticalSection(LPCRITICAL_SECTION cs)
{
    wv_cs_lock(wv_cs_mutex(cs));
    cs->RecursionCount++;
    cs->OwningThread = (HANDLE)(uintptr_t)GetCurrentThreadId();
}

BOOL WINAPI TryEnterCriticalSection(LPCRITICAL_SECTION cs)
{
    if (pthread_mutex_trylock(wv_cs_mutex(cs)) != 0)
        return FALSE;
    cs->RecursionCount++;
    cs->OwningThread = (HANDLE)(uintptr_t)GetCurrentThreadId();
    return TRUE;
}

void WINAPI LeaveCriticalSection(LPCRITICAL_SECTION cs)
{
    if (--cs->RecursionCount == 0)
        cs->OwningThread = NULL;
    pthread_mutex_unlock(wv_cs_mutex(cs));
}

void WINAPI DeleteCriticalSection(LPCRITICAL_SECTION cs)
{
    struct wv_cs_lock *m = cs->LockSemaphore;
    if (m) {
        pthread_mutex_destroy(&m->m);
        free(m->debug);
        free(m);
    }
    memset(cs, 0, sizeof(*cs));
}

/* ---- startup info ---- */

void WINAPI GetStartupInfoA(LPSTARTUPINFOA si)
{
    memset(si, 0, sizeof(*si));
    si->cb = sizeof(*si);
    si->hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si->hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
    si->hStdError = GetStdHandle(STD_ERROR_HANDLE);
}

/* The W form: the same handles; no desktop, title or reserved string (NULL, as for a program
 * its parent started without them). */
void WINAPI GetStartupInfoW(LPSTARTUPINFOW si)
{
    GetStartupInfoA((LPSTARTUPINFOA)si); /* the two layouts differ only in the strings' types */
}

/* ---- code pages: every code page is UTF-8 here (the ANSI code page included) ---- */

BOOL WINAPI IsDBCSLeadByteEx(UINT cp, BYTE c)
{
    (void)cp, (void)c;
    return FALSE;
}

/* Ill-formed input becomes U+FFFD as Windows cuts it (base/wide.c), or, with
 * MB_ERR_INVALID_CHARS (WC_ERR_INVALID_CHARS), fails with ERROR_NO_UNICODE_TRANSLATION.  A
 * buffer too short fails with ERROR_INSUFFICIENT_BUFFER, holding the whole characters that fit.
 * Every code page is taken as UTF-8. */
int WINAPI MultiByteToWideChar(UINT cp, DWORD flags, LPCSTR src, int srclen, LPWSTR dst, int dstlen)
{
    (void)cp;
    if (!src || srclen == 0 || dstlen < 0)
        return wv_fail(ERROR_INVALID_PARAMETER);
    size_t n = srclen < 0 ? strlen(src) + 1 : (size_t)srclen, len;
    enum wv_text_policy bad = (flags & MB_ERR_INVALID_CHARS) ? WV_TEXT_STRICT : WV_TEXT_REPLACE;
    DWORD err = wv_utf8_to_utf16(src, n, dstlen ? dst : NULL, (size_t)dstlen, bad, &len);
    return err ? wv_fail(err) : (int)len;
}

int WINAPI WideCharToMultiByte(UINT cp, DWORD flags, LPCWSTR src, int srclen, LPSTR dst, int dstlen,
                               LPCSTR defchar, BOOL *used_default)
{
    (void)cp, (void)defchar;
    if (used_default)
        *used_default = FALSE;
    if (!src || srclen == 0 || dstlen < 0)
        return wv_fail(ERROR_INVALID_PARAMETER);
    size_t n = 0, len;
    if (srclen < 0) {
        while (src[n])
            n++;
        n++;
    } else
        n = (size_t)srclen;
    enum wv_text_policy bad = (flags & WC_ERR_INVALID_CHARS) ? WV_TEXT_STRICT : WV_TEXT_REPLACE;
    DWORD err = wv_utf16_to_utf8(src, n, dstlen ? dst : NULL, (size_t)dstlen, bad, &len);
    return err ? wv_fail(err) : (int)len;
}

/* ---- the unhandled-exception filter of a Linux program using winvm: the process's one
 * filter (seh/dispatch.c), called for exceptions nothing else handled, of its own code or of
 * PE code it loaded, as Windows calls it for any thread. ---- */

LPTOP_LEVEL_EXCEPTION_FILTER WINAPI SetUnhandledExceptionFilter(LPTOP_LEVEL_EXCEPTION_FILTER filter)
{
    wv_runtime_init(); /* the hook that lets host code's exceptions reach the filter */
    return (LPTOP_LEVEL_EXCEPTION_FILTER)wv_seh_set_host_filter((wv_host_filter)filter);
}