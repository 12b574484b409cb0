/* SPDX-License-Identifier: MIT */
/* user32.c - user32.dll for console programs: winvm has no window station, desktop or input
 * queue (no GUI, by design), so user32 answers as Windows answers a process without windows
 * or input: no active, focus or capture window, no clipboard owner or viewer, no desktop
 * window, nothing in the input queue, no message retrieved yet, and the calls that need the
 * interactive desktop (the cursor and caret positions, giving the foreground away) fail with
 * ERROR_ACCESS_DENIED, as on a non-interactive desktop (GetProcessWindowStation and
 * GetThreadDesktop too: no window station, no desktop handle).  These are the calls console code makes
 * to gather entropy or to decide it has no UI (libgcrypt's random gatherer, libgpg-error). */
#include "runtime/runtime.h"
#include "runtime/thread_int.h"

#include <stdlib.h>
#include <string.h>

#define U32 static __attribute__((ms_abi))

typedef void *HWND;
typedef struct {
    LONG x, y;
} WV_POINT;

U32 HWND u32_GetActiveWindow(void) { return NULL; }
U32 HWND u32_GetCapture(void) { return NULL; }
U32 HWND u32_GetFocus(void) { return NULL; }
U32 HWND u32_GetClipboardOwner(void) { return NULL; }
U32 HWND u32_GetClipboardViewer(void) { return NULL; }
U32 HWND u32_GetOpenClipboardWindow(void) { return NULL; }
U32 HWND u32_GetDesktopWindow(void) { return NULL; }
U32 BOOL u32_GetInputState(void) { return FALSE; }
U32 DWORD u32_GetMessagePos(void) { return 0; }
U32 LONG u32_GetMessageTime(void) { return 0; }

/* No window station: NULL, and the reason. */
U32 HANDLE u32_GetProcessWindowStation(void) { return wv_fail_null(ERROR_ACCESS_DENIED); }

/* No desktop either, for any thread of this process (the same answer as the window station's);
 * a thread id that names no thread of this process: ERROR_INVALID_PARAMETER, as on Windows. */
U32 HANDLE u32_GetThreadDesktop(DWORD tid)
{
    struct wv_thread *t = tid == GetCurrentThreadId() ? NULL : wv_thread_find(tid);
    if (t)
        wv_object_unref(&t->obj);
    else if (tid != GetCurrentThreadId())
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    return wv_fail_null(ERROR_ACCESS_DENIED);
}

U32 BOOL u32_GetCursorPos(WV_POINT *p)
{
    if (!p)
        return wv_fail(ERROR_NOACCESS);
    return wv_fail(ERROR_ACCESS_DENIED);
}

U32 BOOL u32_GetCaretPos(WV_POINT *p)
{
    if (!p)
        return wv_fail(ERROR_NOACCESS);
    return wv_fail(ERROR_ACCESS_DENIED);
}

U32 BOOL u32_AllowSetForegroundWindow(DWORD pid)
{
    (void)pid;
    return wv_fail(ERROR_ACCESS_DENIED);
}

/* CharLowerBuffA / CharUpperBuffA: the ANSI code page is UTF-8 (GetACP), whose bytes past
 * ASCII are parts of sequences: only the ASCII letters change (a letter whose case pair has
 * another UTF-8 length could not change in place anyway).  The length handled; 0 for a bad
 * buffer, which is left as it was. */
static DWORD wv_char_case(char *s, DWORD n, bool upper)
{
    if (!n)
        return 0;
    char *copy = malloc(n);
    if (!copy || wv_copy(copy, s, n)) {
        free(copy);
        return 0;
    }
    for (DWORD i = 0; i < n; i++)
        if (upper ? copy[i] >= 'a' && copy[i] <= 'z' : copy[i] >= 'A' && copy[i] <= 'Z')
            copy[i] ^= 0x20;
    DWORD r = wv_user_put(s, copy, n) ? 0 : n;
    free(copy);
    return r;
}

U32 DWORD u32_CharLowerBuffA(char *s, DWORD n) { return wv_char_case(s, n, false); }
U32 DWORD u32_CharUpperBuffA(char *s, DWORD n) { return wv_char_case(s, n, true); }

/* CharLowerA / CharUpperA: a pointer whose high bits are clear is one character, returned
 * changed; otherwise the string, changed in place, is returned.  A bad string is NULL and
 * ERROR_INVALID_PARAMETER, as Windows' handler answers. */
static char *wv_char_case_str(char *s, bool upper)
{
    if ((uintptr_t)s >> 16 == 0) {
        uintptr_t c = (uintptr_t)s & 0xff;
        if (upper ? c >= 'a' && c <= 'z' : c >= 'A' && c <= 'Z')
            c ^= 0x20;
        return (char *)c;
    }
    char *copy;
    if (wv_user_str(s, &copy))
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    DWORD n = (DWORD)strlen(copy);
    free(copy);
    if (n && wv_char_case(s, n, upper) != n)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    return s;
}

U32 char *u32_CharLowerA(char *s) { return wv_char_case_str(s, false); }
U32 char *u32_CharUpperA(char *s) { return wv_char_case_str(s, true); }

/* A console process has no message queue to go idle: Windows returns at once.  The handle
 * must still name a process. */
U32 DWORD u32_WaitForInputIdle(HANDLE process, DWORD ms)
{
    (void)ms;
    if (process == WV_CURRENT_PROCESS)
        return 0;
    DWORD access;
    struct wv_object *o = wv_handle_get(process, WV_KIND_PROCESS, &access);
    if (!o)
        return wv_set_error(ERROR_INVALID_HANDLE), WAIT_FAILED;
    wv_object_unref(o);
    return 0;
}

/* user32_str.c */
__attribute__((ms_abi)) int wv_u32_LoadStringW(HMODULE hmod, UINT id, WCHAR *buf, int max);
#define u32_LoadStringW wv_u32_LoadStringW
__attribute__((ms_abi)) int wv_u32_wsprintfW(WCHAR *buf, const WCHAR *fmt, ...);
__attribute__((ms_abi)) int wv_u32_wvsprintfW(WCHAR *buf, const WCHAR *fmt, wv_ms_va ap);
#define u32_wsprintfW wv_u32_wsprintfW
#define u32_wvsprintfW wv_u32_wvsprintfW

/* user32_char.c */
#define WV_U32_CHARS(X)                                                                                     \
    X(CharLowerBuffW) X(CharLowerW) X(CharNextA) X(CharNextExA) X(CharNextW) X(CharPrevA) X(CharPrevExA)     \
    X(CharPrevW) X(CharUpperBuffW) X(CharUpperW) X(IsCharAlphaA) X(IsCharAlphaNumericA) X(IsCharAlphaNumericW) \
    X(IsCharAlphaW) X(IsCharLowerA) X(IsCharLowerW) X(IsCharUpperA) X(IsCharUpperW)
#define WV_U32_DECL(f) __attribute__((ms_abi)) void wv_u32_##f(void);
WV_U32_CHARS(WV_U32_DECL)
#undef WV_U32_DECL

#define U(f) {#f, (void *)u32_##f}
#define C(f) {#f, (void *)wv_u32_##f},
static const struct wv_export wv_u32_exports[] = {
    U(AllowSetForegroundWindow), U(CharLowerA), U(CharLowerBuffA), C(CharLowerBuffW) C(CharLowerW) C(CharNextA)
    C(CharNextExA) C(CharNextW) C(CharPrevA) C(CharPrevExA) C(CharPrevW) U(CharUpperA), U(CharUpperBuffA),
    C(CharUpperBuffW) C(CharUpperW) U(GetActiveWindow), U(GetCapture), U(GetCaretPos),
    U(GetClipboardOwner), U(GetClipboardViewer), U(GetCursorPos), U(GetDesktopWindow),
    U(GetFocus), U(GetInputState), U(GetMessagePos), U(GetMessageTime),
    U(GetOpenClipboardWindow), U(GetProcessWindowStation), U(GetThreadDesktop), C(IsCharAlphaA)
    C(IsCharAlphaNumericA) C(IsCharAlphaNumericW) C(IsCharAlphaW) C(IsCharLowerA) C(IsCharLowerW) C(IsCharUpperA)
    C(IsCharUpperW) U(LoadStringW), U(WaitForInputIdle), U(wsprintfW), U(wvsprintfW),
};
#undef U
#undef C
#define WV_U32_COUNT (sizeof(wv_u32_exports) / sizeof(wv_u32_exports[0]))

void *wv_u32_lookup(const char *name) { return wv_export_find(wv_u32_exports, WV_U32_COUNT, name); }

const char *wv_u32_name_at(size_t i) { return i < WV_U32_COUNT ? wv_u32_exports[i].name : NULL; }
