/* SPDX-License-Identifier: MIT */
/* ntdll_ldr.c - ntdll's loader-data and string helpers PE code calls directly:
 * LdrFindEntryForAddress, LdrGetDllHandle, RtlImageNtHeader, RtlFindExportedRoutineByName,
 * LdrProcessRelocationBlock, NtClose, RtlGetUnloadEventTrace(Ex) (the loader's ring,
 * loader/unload.c), RtlInitUnicodeString, RtlCreateUnicodeStringFromAsciiz, RtlFreeUnicodeString (ms_abi, for
 * ntdll.c's export table).
 *
 * Every access to the caller's memory goes through wv_copy: a bad pointer is
 * STATUS_ACCESS_VIOLATION (or NULL, FALSE, nothing written for the calls that have no status),
 * never a fault inside winvm.  RtlCreateUnicodeStringFromAsciiz's buffer comes from the process
 * heap, as on Windows, so HeapFree(GetProcessHeap()) frees it as well as RtlFreeUnicodeString. */
#include "runtime/runtime.h"
#include "runtime/k32_ext.h"
#include "runtime/thunk.h"
#include "nt/nt.h"
#include <winvm/ntdll.h>

#include <stdlib.h>
#include <string.h>

/* winvm's public headers have no PE structures: the offsets and values used here. */
enum {
    WV_MZ = 0x5a4d, WV_PE = 0x00004550, WV_E_LFANEW = 0x3c, /* IMAGE_DOS_HEADER.e_lfanew */
    WV_REL_ABSOLUTE = 0, WV_REL_HIGH = 1, WV_REL_LOW = 2, WV_REL_HIGHLOW = 3, WV_REL_DIR64 = 10
};

#ifndef STATUS_NO_MORE_ENTRIES
#define STATUS_NO_MORE_ENTRIES ((NTSTATUS)0x8000001A)
#endif

/* The PEB->Ldr entry of the module whose image holds addr: STATUS_NO_MORE_ENTRIES for an
 * address in no image (winvm's own DLLs have theirs: loader/builtin.c). */
WV_MSABI NTSTATUS wv_nt_LdrFindEntryForAddress(PVOID addr, PVOID *entry)
{
    uintptr_t a = (uintptr_t)addr;
    void *found = NULL;
    pthread_mutex_lock(&wv_loader_lock);
    for (struct wv_module *m = wv_modules; m && !found; m = m->next)
        if (m->img && m->ldr && a >= m->base && a - m->base < m->img->size)
            found = m->ldr;
    pthread_mutex_unlock(&wv_loader_lock);
    if (!found)
        return STATUS_NO_MORE_ENTRIES;
    return wv_copy(entry, &found, sizeof(found)) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

/* The NT headers of the image at base: "MZ", then "PE\0\0" at e_lfanew (below 256 MiB, as
 * Windows checks); NULL otherwise or where the headers cannot be read. */
WV_MSABI void *wv_nt_RtlImageNtHeader(HMODULE base)
{
    USHORT mz;
    LONG lfanew;
    DWORD sig;
    if (!base || wv_copy(&mz, base, 2) || mz != WV_MZ || wv_copy(&lfanew, (BYTE *)base + WV_E_LFANEW, 4))
        return NULL;
    if (lfanew < 0 || lfanew >= 256 * 1024 * 1024)
        return NULL;
    BYTE *nt = (BYTE *)base + lfanew;
    if (wv_copy(&sig, nt, sizeof(sig)) || sig != WV_PE)
        return NULL;
    return nt;
}

/* Whether the NUL-terminated string at p (the caller's memory) equals name: -1, 0 or 1 as
 * strcmp orders them; 2 when p cannot be read. */
static int wv_cmp_at(const BYTE *p, const char *name, size_t len)
{
    char c;
    for (size_t i = 0; i <= len; i++) {
        if (wv_copy(&c, p + i, 1))
            return 2;
        if ((unsigned char)c != (unsigned char)name[i])
            return (unsigned char)c < (unsigned char)name[i] ? -1 : 1;
    }
    return 0;
}

/* RtlFindExportedRoutineByName: the address of the export named name in the image at base
 * (mapped as an image: RVA-indexed), by a binary search of its sorted name table, as the
 * loader's own lookup does; NULL for a name it does not export, for a forwarder (the address
 * would be the forwarder's text: **winvm choice**, it resolves nothing), and for anything that
 * cannot be read (Wine's test_NtMapViewOfSection: ntdll's NtClose, and the same RVA in a copy
 * of ntdll mapped elsewhere). */
WV_MSABI void *wv_nt_RtlFindExportedRoutineByName(HMODULE base, const char *name)
{
    const BYTE *b = (const BYTE *)base, *nt = wv_nt_RtlImageNtHeader(base);
    USHORT magic;
    uint32_t dir[2], ed[10]; /* the export directory's RVA and size; IMAGE_EXPORT_DIRECTORY */
    size_t len;
    if (!nt || !name || wv_copy(&magic, nt + 24, 2) || (magic != 0x20b && magic != 0x10b) ||
        wv_copy(dir, nt + 24 + (magic == 0x20b ? 112 : 96), 8) || !dir[0] || !dir[1] ||
        wv_copy(ed, b + dir[0], sizeof(ed)))
        return NULL;
    char tmp;
    for (len = 0; !wv_copy(&tmp, name + len, 1) && tmp; len++)
        ;
    if (wv_copy(&tmp, name + len, 1))
        return NULL;
    uint32_t lo = 0, hi = ed[6]; /* NumberOfNames; AddressOfNames ed[8], ...NameOrdinals ed[9] */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2, rva;
        if (wv_copy(&rva, b + ed[8] + 4 * (uint64_t)mid, 4))
            return NULL;
        int c = wv_cmp_at(b + rva, name, len);
        if (c == 2)
            return NULL;
        if (c < 0)
            lo = mid + 1;
        else if (c > 0)
            hi = mid;
        else {
            USHORT ord;
            uint32_t fn;
            if (wv_copy(&ord, b + ed[9] + 2 * (uint64_t)mid, 2) || ord >= ed[5] || /* NumberOfFunctions */
                wv_copy(&fn, b + ed[7] + 4 * (uint64_t)ord, 4) || !fn)
                return NULL;
            return fn >= dir[0] && fn - dir[0] < dir[1] ? NULL : (void *)(b + fn);
        }
    }
    return NULL;
}

/* One fix-up of type t at p; false for a type x64 images do not use (HIGHADJ takes a second
 * entry and is not served) or an unwritable place. */
static bool wv_reloc_one(BYTE *p, int t, LONG_PTR delta)
{
    switch (t) {
    case WV_REL_ABSOLUTE:
        return true;
    case WV_REL_HIGH:
    case WV_REL_LOW: {
        USHORT v;
        if (wv_copy(&v, p, 2))
            return false;
        v = (USHORT)(v + (t == WV_REL_HIGH ? (USHORT)((ULONG_PTR)delta >> 16) : (USHORT)delta));
        return !wv_copy(p, &v, 2);
    }
    case WV_REL_HIGHLOW: {
        DWORD v;
        if (wv_copy(&v, p, 4))
            return false;
        v += (DWORD)delta;
        return !wv_copy(p, &v, 4);
    }
    case WV_REL_DIR64: {
        ULONGLONG v;
        if (wv_copy(&v, p, 8))
            return false;
        v += (ULONGLONG)delta;
        return !wv_copy(p, &v, 8);
    }
    default:
        return false;
    }
}

/* Applies count entries of a base-relocation block to the page at page; the entry after the
 * block, or NULL at an entry it cannot apply (the ones before it are applied). */
WV_MSABI USHORT * wv_nt_LdrProcessRelocationBlock(ULONG_PTR page, ULONG count, USHORT * relocs, LONG_PTR delta)
{
    for (ULONG i = 0; i < count; i++) {
        USHORT r;
        if (wv_copy(&r, relocs + i, 2) || !wv_reloc_one((BYTE *)page + (r & 0xfff), r >> 12, delta))
            return NULL;
    }
    return relocs + count;
}

WV_MSABI void *wv_nt_RtlGetUnloadEventTrace(void) { return wv_unload_trace(); }

/* Three out pointers; one that cannot be written gets nothing (Windows would fault). */
WV_MSABI void wv_nt_RtlGetUnloadEventTraceEx(ULONG **size, ULONG **count, void **trace)
{
    ULONG *s, *c;
    void *t;
    wv_unload_trace_ex(&s, &c, &t);
    if (size)
        wv_copy(size, &s, sizeof(s));
    if (count)
        wv_copy(count, &c, sizeof(c));
    if (trace)
        wv_copy(trace, &t, sizeof(t));
}

/* Length: the string's bytes without the terminator, at most 0xfffc (a longer string is cut
 * there, as Windows does); MaximumLength two more.  NULL: an empty string, no buffer. */
WV_MSABI void wv_nt_RtlInitUnicodeString(PUNICODE_STRING dst, LPCWSTR src)
{
    UNICODE_STRING u = {0, 0, (WCHAR *)src};
    if (src) {
        size_t n = 0;
        WCHAR c;
        while (n < 0x7ffe && !wv_copy(&c, src + n, 2) && c)
            n++;
        u.Length = (USHORT)(n >= 0x7ffe ? 0xfffc : n * 2);
        u.MaximumLength = (USHORT)(u.Length + 2);
    }
    (void)wv_copy(dst, &u, sizeof(u));
}

/* The ANSI string src as a new UNICODE_STRING (terminated; buffer from the process heap).
 * FALSE, dst unchanged, when it does not fit a UNICODE_STRING, on no memory or a bad pointer. */
WV_MSABI BOOLEAN wv_nt_RtlCreateUnicodeStringFromAsciiz(PUNICODE_STRING dst, LPCSTR src)
{
    char *s = NULL;
    if (wv_user_str(src, &s))
        return FALSE;
    int n = MultiByteToWideChar(CP_ACP, 0, s, -1, NULL, 0); /* terminator included */
    UNICODE_STRING u = {0, 0, NULL};
    if (n > 0 && (size_t)n * 2 <= 0xfffe)
        u.Buffer = HeapAlloc(GetProcessHeap(), 0, (size_t)n * 2);
    if (u.Buffer) {
        MultiByteToWideChar(CP_ACP, 0, s, -1, u.Buffer, n);
        u.Length = (USHORT)((n - 1) * 2);
        u.MaximumLength = (USHORT)(n * 2);
    }
    free(s);
    if (u.Buffer && wv_copy(dst, &u, sizeof(u))) {
        HeapFree(GetProcessHeap(), 0, u.Buffer);
        u.Buffer = NULL;
    }
    return u.Buffer != NULL;
}

/* Frees the buffer (process heap) and empties the string. */
WV_MSABI void wv_nt_RtlFreeUnicodeString(PUNICODE_STRING str)
{
    UNICODE_STRING u;
    if (wv_copy(&u, str, sizeof(u)))
        return;
    if (u.Buffer)
        HeapFree(GetProcessHeap(), 0, u.Buffer);
    memset(&u, 0, sizeof(u));
    (void)wv_copy(str, &u, sizeof(u));
}

/* The base of the loaded module named name (as GetModuleHandleW finds it: the same core), or
 * STATUS_DLL_NOT_FOUND; a loaded module is not searched for along path, and flags (the
 * DllCharacteristics Windows takes there) change nothing in the lookup.  A name that is not
 * valid UTF-16 names no module. */
WV_MSABI NTSTATUS wv_nt_LdrGetDllHandle(LPCWSTR path, PULONG flags, const UNICODE_STRING *name, PVOID *base)
{
    (void)path, (void)flags;
    UNICODE_STRING u;
    if (wv_copy(&u, name, sizeof(u)))
        return STATUS_ACCESS_VIOLATION;
    size_t n = u.Length / 2, len = 0;
    WCHAR *w = malloc(n * 2 + 2);
    char *s = malloc(n * 3 + 1);
    NTSTATUS st = w && s ? STATUS_SUCCESS : (NTSTATUS)STATUS_NO_MEMORY;
    if (!st && n && wv_copy(w, u.Buffer, n * 2))
        st = STATUS_ACCESS_VIOLATION;
    if (!st && (wv_utf16_to_utf8(w, n, s, n * 3, WV_TEXT_STRICT, &len) || memchr(s, 0, len)))
        st = STATUS_DLL_NOT_FOUND;
    HMODULE h = NULL;
    if (!st) {
        s[len] = 0;
        h = len ? wv_module_find(s) : NULL;
        st = h ? STATUS_SUCCESS : STATUS_DLL_NOT_FOUND;
    }
    free(w);
    free(s);
    if (!st && wv_copy(base, &h, sizeof(h)))
        st = STATUS_ACCESS_VIOLATION;
    return st;
}
