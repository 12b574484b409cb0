/* SPDX-License-Identifier: MIT */
/* ntdll_rtlheap.c - ntdll's names of the heap calls (RtlAllocateHeap, RtlReAllocateHeap,
 * RtlFreeHeap: kernel32's heaps, HEAP_* flags as HeapAlloc takes them; on Windows kernel32's
 * calls are these), RtlZeroMemory, and RtlCreateUnicodeString (a copy from the process heap,
 * which RtlFreeUnicodeString frees). */
#include "runtime/runtime.h"
#include "runtime/thunk.h"
#include <winvm/ntdll.h>

#include <string.h>

WV_MSABI PVOID wv_nt_RtlAllocateHeap(HANDLE heap, ULONG flags, SIZE_T size)
{
    wv_seg_check();
    return HeapAlloc(heap, flags, size);
}

WV_MSABI PVOID wv_nt_RtlReAllocateHeap(HANDLE heap, ULONG flags, PVOID p, SIZE_T size)
{
    wv_seg_check();
    return HeapReAlloc(heap, flags, p, size);
}

WV_MSABI BOOLEAN wv_nt_RtlFreeHeap(HANDLE heap, ULONG flags, PVOID p)
{
    wv_seg_check();
    return HeapFree(heap, flags, p) ? TRUE : FALSE;
}

/* Through the fault-safe copy: a bad range changes what it can reach, as on Windows, where it
 * raises; here it returns. */
WV_MSABI void wv_nt_RtlZeroMemory(PVOID p, SIZE_T n)
{
    static const BYTE zero[4096];
    wv_seg_check();
    for (SIZE_T at = 0; at < n;) {
        SIZE_T k = n - at < sizeof(zero) ? n - at : sizeof(zero);
        if (wv_user_put((BYTE *)p + at, zero, k))
            return;
        at += k;
    }
}

/* src (terminated) as a new UNICODE_STRING; FALSE, dst unchanged, when it does not fit one, on
 * no memory or a bad pointer. */
WV_MSABI BOOLEAN wv_nt_RtlCreateUnicodeString(PUNICODE_STRING dst, LPCWSTR src)
{
    wv_seg_check();
    size_t n = 0;
    WCHAR c = 1;
    while (n < 0x7fff && !wv_copy(&c, src + n, sizeof(c)) && c)
        n++;
    if (c)
        return FALSE; /* unreadable, or longer than a UNICODE_STRING holds */
    UNICODE_STRING u = {(USHORT)(n * 2), (USHORT)(n * 2 + 2), HeapAlloc(GetProcessHeap(), 0, n * 2 + 2)};
    if (!u.Buffer)
        return FALSE;
    if (wv_copy(u.Buffer, src, n * 2 + 2) || wv_copy(dst, &u, sizeof(u))) {
        HeapFree(GetProcessHeap(), 0, u.Buffer);
        return FALSE;
    }
    return TRUE;
}
