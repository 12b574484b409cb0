/* SPDX-License-Identifier: MIT */
/* section.c - the public file, section and view calls: winvm_handle_from_fd (CreateFile is
 * runtime/k32_file.c, where Windows paths are mapped),
 * MapViewOfFile(Ex), UnmapViewOfFile, FlushViewOfFile (CreateFileMapping and OpenFileMapping are
 * mapping.c's).  MapViewOfFile(Ex) and UnmapViewOfFile are thin wrappers over
 * NtMapViewOfSection and NtUnmapViewOfSection, as on Windows; the others call their cores.
 */
#include "nt/nt.h"

HANDLE winvm_handle_from_fd(int fd, DWORD access)
{
    HANDLE h = INVALID_HANDLE_VALUE;
    DWORD err = wv_file_from_fd(fd, access, &h);
    return err ? wv_fail_file(err) : h;
}

/* The page protection kernelbase asks NtMapViewOfSection for: write wins, then read (copy
 * beside either is ignored), then copy alone, else none; execute moves it into the
 * PAGE_EXECUTE_* column.  "Copy alone" is exact: FILE_MAP_COPY is the bit SECTION_QUERY, and
 * beside any other right but FILE_MAP_EXECUTE (SECTION_MAP_EXECUTE, say) Windows maps the view
 * PAGE_NOACCESS (Wine's kernel32 test_mapping table, rows 0x09 and 0x29). */
static ULONG wv_view_protect(DWORD access)
{
    DWORD rights = access & ~(DWORD)FILE_MAP_EXECUTE;
    ULONG p = (access & FILE_MAP_WRITE) ? PAGE_READWRITE
              : (access & FILE_MAP_READ) ? PAGE_READONLY
              : rights == FILE_MAP_COPY  ? PAGE_WRITECOPY
                                         : PAGE_NOACCESS;
    return (access & FILE_MAP_EXECUTE) ? p << 4 : p;
}

/* A thin wrapper over NtMapViewOfSection, as on Windows: the status becomes the last error.
 * STATUS_IMAGE_NOT_AT_BASE is a success, seen in the last error (winvm's choice: an image
 * mapped at its base clears it, so a caller can tell the two apart). */
LPVOID WINAPI MapViewOfFileEx(HANDLE h, DWORD access, DWORD hi, DWORD lo, SIZE_T bytes, LPVOID base)
{
    /* FILE_MAP_RESERVE asks for a reserved view (MEM_RESERVE), as kernelbase passes it on. */
    ULONG type = (access & FILE_MAP_RESERVE) ? MEM_RESERVE : 0;
    access &= ~(DWORD)FILE_MAP_RESERVE;
    if (access & ~(DWORD)(FILE_MAP_ALL_ACCESS | FILE_MAP_EXECUTE | FILE_MAP_COPY))
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    PVOID at = base;
    SIZE_T len = bytes;
    LARGE_INTEGER off = {.QuadPart = (LONGLONG)((uint64_t)hi << 32 | lo)};
    NTSTATUS st = NtMapViewOfSection(h, WV_CURRENT_PROCESS, &at, 0, 0, &off, &len, ViewShare, type,
                                     wv_view_protect(access));
    WV_TRACE(WV_TRACE_SECTION, "MapViewOfFile(%p, %#x, %#llx, %#zx, %p) = %p, status %#x", h, access,
             (unsigned long long)off.QuadPart, (size_t)bytes, base, st < 0 ? NULL : at, (unsigned)st);
    if (st < 0)
        return wv_fail_null(wv_error_of(st));
    struct wv_extent e;
    if (st == STATUS_IMAGE_NOT_AT_BASE)
        wv_set_error(ERROR_IMAGE_NOT_AT_BASE);
    else if (wv_virtual_extent((uintptr_t)at, &e) && e.type == MEM_IMAGE)
        wv_set_error(ERROR_SUCCESS);
    return at;
}

BOOL winvm_set_image_sharing(DWORD policy)
{
    DWORD err = wv_image_set_policy(policy);
    return err ? (wv_set_error(err), FALSE) : TRUE;
}

LPVOID WINAPI MapViewOfFile(HANDLE h, DWORD access, DWORD hi, DWORD lo, SIZE_T bytes)
{
    return MapViewOfFileEx(h, access, hi, lo, bytes, NULL);
}

/* A thin wrapper over NtUnmapViewOfSection, as on Windows (STATUS_NOT_MAPPED_VIEW is
 * ERROR_INVALID_ADDRESS). */
BOOL WINAPI UnmapViewOfFile(LPCVOID addr)
{
    NTSTATUS st = NtUnmapViewOfSection(NtCurrentProcess(), (PVOID)addr);
    WV_TRACE(WV_TRACE_SECTION, "UnmapViewOfFile(%p): status %#x", addr, (unsigned)st);
    return st ? (wv_set_error(RtlNtStatusToDosError(st)), FALSE) : TRUE;
}

BOOL WINAPI FlushViewOfFile(LPCVOID addr, SIZE_T size)
{
    DWORD err = wv_view_flush((uintptr_t)addr, size);
    return err ? (wv_set_error(err), FALSE) : TRUE;
}
