/* SPDX-License-Identifier: MIT */
/* user32.c - user32.dll for console programs: winvm has no window station, desktop or input
 * queue (no GUI, by design), so user32 answers as Windows answers a process without windows
 * or input: no active, focus or capture window, no clipboard owner or viewer, no desktop
 * window, nothing in the input queue, no message retrieved yet, and the calls that need the
 * interactive desktop (the cursor and caret positions, giving the foreground away) fail with
 * ERROR_ACCESS_DENIED, as on a non-interactive desktop.  These are the calls console code makes
 * to gather entropy or to decide it has no UI (libgcrypt's random gatherer, libgpg-error). */
#include "runtime/runtime.h"

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

U32 DWORD u32_CharLowerBuffA(char *s, DWORD n) { return wv_stack_probe(), wv_char_case(s, n, false); }
U32 DWORD u32_CharUpperBuffA(char *s, DWORD n) { return wv_stack_probe(), wv_char_case(s, n, true); }

#define U(f) {#f, (void *)u32_##f}
static const struct wv_export wv_u32_exports[] = {
    U(AllowSetForegroundWindow), U(CharLowerBuffA), U(CharUpperBuffA), U(GetActiveWindow), U(GetCapture), U(GetCaretPos),
    U(GetClipboardOwner), U(GetClipboardViewer), U(GetCursorPos), U(GetDesktopWindow),
    U(GetFocus), U(GetInputState), U(GetMessagePos), U(GetMessageTime),
    U(GetOpenClipboardWindow), U(GetProcessWindowStation),
};
#undef U
#define WV_U32_COUNT (sizeof(wv_u32_exports) / sizeof(wv_u32_exports[0]))

void *wv_u32_lookup(const char *name) { return wv_export_find(wv_u32_exports, WV_U32_COUNT, name); }

const char *wv_u32_name_at(size_t i) { return i < WV_U32_COUNT ? wv_u32_exports[i].name : NULL; }
