/* k32_crt.c - the kernel32 functions C runtimes call at startup and for text: critical
 * sections, startup info, code-page conversions, the unhandled-exception filter.  (The ms_abi
 * thunks PE code calls are in kernel32.c, with the others.) */
#include "runtime/runtime.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- critical sections: a recursive pthread mutex hung off the Windows structure ---- */

void WINAPI InitializeCriticalSection(LPCRITICAL_SECTION cs)
{
    pthread_mutexattr_t a;
    pthread_mutex_t *m = malloc(sizeof(*m));
    memset(cs, 0, sizeof(*cs));
    if (!m)
        return; /* Windows raises STATUS_NO_MEMORY here; Enter then fails loudly */
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
    cs->DebugInfo = m;
}

BOOL WINAPI InitializeCriticalSectionAndSpinCount(LPCRITICAL_SECTION cs, DWORD spin)
{
    InitializeCriticalSection(cs);
    cs->SpinCount = spin;
    return cs->DebugInfo != NULL;
}

void WINAPI EnterCriticalSection(LPCRITICAL_SECTION cs)
{
    pthread_mutex_lock((pthread_mutex_t *)cs->DebugInfo);
    cs->RecursionCount++;
    cs->OwningThread = (HANDLE)(uintptr_t)GetCurrentThreadId();
}

BOOL WINAPI TryEnterCriticalSection(LPCRITICAL_SECTION cs)
{
    if (pthread_mutex_trylock((pthread_mutex_t *)cs->DebugInfo) != 0)
        return FALSE;
    cs->RecursionCount++;
    cs->OwningThread = (HANDLE)(uintptr_t)GetCurrentThreadId();
    return TRUE;
}

void WINAPI LeaveCriticalSection(LPCRITICAL_SECTION cs)
{
    if (--cs->RecursionCount == 0)
        cs->OwningThread = NULL;
    pthread_mutex_unlock((pthread_mutex_t *)cs->DebugInfo);
}

void WINAPI DeleteCriticalSection(LPCRITICAL_SECTION cs)
{
    pthread_mutex_t *m = (pthread_mutex_t *)cs->DebugInfo;
    if (m) {
        pthread_mutex_destroy(m);
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

/* ---- code pages: every code page is UTF-8 here (the ANSI code page included) ---- */

BOOL WINAPI IsDBCSLeadByteEx(UINT cp, BYTE c)
{
    (void)cp, (void)c;
    return FALSE;
}

/* Decodes one UTF-8 sequence at s (n bytes left) into *cp; returns its length (1 for a bad byte,
 * decoded as U+FFFD). */
static size_t wv_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    if (len == 0 || len > n) {
        *cp = 0xfffd;
        return 1;
    }
    uint32_t v = len == 1 ? c : c & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        v = v << 6 | (s[i] & 0x3f);
    }
    *cp = v;
    return len;
}

int WINAPI MultiByteToWideChar(UINT cp, DWORD flags, LPCSTR src, int srclen, LPWSTR dst, int dstlen)
{
    (void)cp, (void)flags;
    if (!src || srclen == 0 || dstlen < 0) {
        wv_set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    size_t n = srclen < 0 ? strlen(src) + 1 : (size_t)srclen;
    int out = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        i += wv_utf8_next((const unsigned char *)src + i, n - i, &c);
        int units = c >= 0x10000 ? 2 : 1;
        if (dstlen) {
            if (out + units > dstlen) {
                wv_set_error(ERROR_INSUFFICIENT_BUFFER);
                return 0;
            }
            if (units == 2)
                dst[out] = (WCHAR)(0xd800 + ((c - 0x10000) >> 10)), dst[out + 1] = (WCHAR)(0xdc00 + (c & 0x3ff));
            else
                dst[out] = (WCHAR)c;
        }
        out += units;
    }
    return out;
}

int WINAPI WideCharToMultiByte(UINT cp, DWORD flags, LPCWSTR src, int srclen, LPSTR dst, int dstlen,
                               LPCSTR defchar, BOOL *used_default)
{
    (void)cp, (void)flags, (void)defchar;
    if (used_default)
        *used_default = FALSE;
    if (!src || srclen == 0 || dstlen < 0) {
        wv_set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    size_t n = 0;
    if (srclen < 0) {
        while (src[n])
            n++;
        n++;
    } else
        n = (size_t)srclen;
    int out = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = src[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && src[i + 1] >= 0xdc00 && src[i + 1] < 0xe000)
            c = 0x10000 + ((c - 0xd800) << 10) + (src[++i] - 0xdc00u);
        else if (c >= 0xd800 && c < 0xe000)
            c = 0xfffd;
        unsigned char b[4];
        int len = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        if (len == 1)
            b[0] = (unsigned char)c;
        else if (len == 2)
            b[0] = (unsigned char)(0xc0 | c >> 6), b[1] = (unsigned char)(0x80 | (c & 0x3f));
        else if (len == 3)
            b[0] = (unsigned char)(0xe0 | c >> 12), b[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f)),
            b[2] = (unsigned char)(0x80 | (c & 0x3f));
        else
            b[0] = (unsigned char)(0xf0 | c >> 18), b[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f)),
            b[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f)), b[3] = (unsigned char)(0x80 | (c & 0x3f));
        if (dstlen) {
            if (out + len > dstlen) {
                wv_set_error(ERROR_INSUFFICIENT_BUFFER);
                return 0;
            }
            memcpy(dst + out, b, (size_t)len);
        }
        out += len;
    }
    return out;
}

/* ---- the unhandled-exception filter: kept and returned (winvm reports unhandled exceptions
 * itself; see docs/semantics.md) ---- */

static LPTOP_LEVEL_EXCEPTION_FILTER wv_filter;

LPTOP_LEVEL_EXCEPTION_FILTER WINAPI SetUnhandledExceptionFilter(LPTOP_LEVEL_EXCEPTION_FILTER filter)
{
    return __atomic_exchange_n(&wv_filter, filter, __ATOMIC_ACQ_REL);
}
