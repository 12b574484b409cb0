/* SPDX-License-Identifier: MIT */
/* section.c - the public file, section and view calls: winvm_handle_from_fd (CreateFile is
 * runtime/k32_file.c, where Windows paths are mapped),
 * CreateFileMappingA, OpenFileMappingA, MapViewOfFile(Ex), UnmapViewOfFile, FlushViewOfFile.
 * Each calls its core (section/) and turns the error into the last error; UnmapViewOfFile is
 * NtUnmapViewOfSection's wrapper.
 */
#include "nt/nt.h"

HANDLE winvm_handle_from_fd(int fd, DWORD access)
{
    HANDLE h = INVALID_HANDLE_VALUE;
    DWORD err = wv_file_from_fd(fd, access, &h);
    return err ? wv_fail_file(err) : h;
}

HANDLE WINAPI CreateFileMappingA(HANDLE file, LPSECURITY_ATTRIBUTES sa, DWORD protect, DWORD hi,
                                 DWORD lo, LPCSTR name)
{
    HANDLE h = NULL;
    bool existed = false;
    SECURITY_ATTRIBUTES a = {0};
    if (sa && wv_copy(&a, sa, sizeof(a)))
        return wv_fail_null(ERROR_NOACCESS);
    DWORD err = wv_section_create(file, protect, (uint64_t)hi << 32 | lo, name, &h, &existed);
    if (!err && a.bInheritHandle) /* CreateProcess with bInheritHandles passes it on */
        wv_handle_flags(h, 1 /* HANDLE_FLAG_INHERIT */, 1, NULL);
    WV_TRACE(WV_TRACE_SECTION, "CreateFileMapping(%p, %#x, %#llx, %s) = %p%s, error %u", file, protect,
             (unsigned long long)hi << 32 | lo, name ? name : "(unnamed)", h, existed ? " (existed)" : "", err);
    if (err)
        return wv_fail_null(err);
    wv_set_error(existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
    return h;
}

HANDLE WINAPI OpenFileMappingA(DWORD access, BOOL inherit, LPCSTR name)
{
    (void)inherit;
    HANDLE h = NULL;
    DWORD err = wv_section_open(access, name, &h);
    WV_TRACE(WV_TRACE_SECTION, "OpenFileMapping(%#x, %s) = %p, error %u", access, name ? name : "(null)", h, err);
    return err ? wv_fail_null(err) : h;
}

LPVOID WINAPI MapViewOfFileEx(HANDLE h, DWORD access, DWORD hi, DWORD lo, SIZE_T bytes, LPVOID base)
{
    wv_fault_attach();
    DWORD granted = 0;
    struct wv_section *s = (struct wv_section *)wv_handle_get(h, WV_KIND_SECTION, &granted);
    if (!s)
        return wv_fail_null(ERROR_INVALID_HANDLE);
    uintptr_t at = 0;
    bool not_at_base = false;
    DWORD err = wv_view_map_section(s, granted, access, (uint64_t)hi << 32 | lo, bytes,
                                    (uintptr_t)base, &at, &not_at_base);
    bool image = s->image != NULL;
    wv_object_unref(&s->obj);
    WV_TRACE(WV_TRACE_SECTION, "MapViewOfFile(%p, %#x, %#llx, %#zx, %p) = %#lx%s, error %u", h, access,
             (unsigned long long)hi << 32 | lo, (size_t)bytes, base, (unsigned long)at,
             image ? (not_at_base ? " (image, relocated)" : " (image)") : "", err);
    if (err)
        return wv_fail_null(err);
    wv_debug_validate_at(at);
    /* NtMapViewOfSection's STATUS_IMAGE_NOT_AT_BASE is a success, seen in the last error. */
    if (image)
        wv_set_error(not_at_base ? ERROR_IMAGE_NOT_AT_BASE : ERROR_SUCCESS);
    return (LPVOID)at;
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
