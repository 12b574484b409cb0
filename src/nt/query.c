/* SPDX-License-Identifier: MIT */
/* query.c - NtQueryVirtualMemory: MemoryBasicInformation, MemoryWorkingSetExInformation,
 * MemoryRegionInformation and MemoryMappedFilenameInformation; MemoryWorkingSetInformation and
 * MemoryImageInformation are wsinfo.c's.  Checks in Windows' order: the
 * class and its minimum length, the buffer, the address, the process.  Other classes are
 * STATUS_INVALID_INFO_CLASS.
 */
#include "nt/nt.h"

#include <string.h>

#define WV_WS_CHUNK WV_WS_MAX                     /* entries copied in and out at a time */
#define WV_REGION_MIN 24                      /* through RegionSize: the oldest layout */
#define WV_DEVICE "\\Device\\HarddiskVolume1" /* the root file system, as one volume */

static NTSTATUS wv_query_basic(uintptr_t addr, void *buf, SIZE_T *len)
{
    MEMORY_BASIC_INFORMATION m;
    wv_virtual_query(addr, &m);
    *len = sizeof(m);
    return wv_copy(buf, &m, sizeof(m)) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

/* The address is ignored: each entry names its own.  Every page of the buffer is proven
 * writable first (a byte of each: the entries are copied in and out whole after), so a bad
 * one changes nothing. */
static NTSTATUS wv_query_ws_ex(void *buf, SIZE_T cap, SIZE_T *len)
{
    size_t n = cap / sizeof(struct wv_ws_entry);
    struct wv_ws_entry e[WV_WS_CHUNK];
    if (wv_nt_probe_out(buf, n * sizeof(e[0])))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    for (size_t k = 0; k < n; k += WV_WS_CHUNK) {
        size_t m = n - k < WV_WS_CHUNK ? n - k : WV_WS_CHUNK;
        struct wv_ws_entry *user = (struct wv_ws_entry *)buf + k;
        if (wv_copy(e, user, m * sizeof(e[0])))
            return (NTSTATUS)STATUS_ACCESS_VIOLATION;
        wv_ws_query(e, m);
        if (wv_copy(user, e, m * sizeof(e[0])))
            return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    }
    *len = cap; /* 64-bit Windows reports the length it was given */
    return STATUS_SUCCESS;
}

/* The allocation holding addr.  Windows leaves the RegionType bits clear for private memory and
 * pagefile-backed views alike (Wine's conformance test records it), so winvm does too. */
static NTSTATUS wv_query_region(uintptr_t addr, void *buf, SIZE_T cap, SIZE_T *len)
{
    MEMORY_REGION_INFORMATION r = {0};
    struct wv_extent e;
    if (wv_virtual_extent(addr, &e)) {
        r.AllocationBase = (PVOID)e.base;
        r.AllocationProtect = e.protect;
        r.RegionSize = e.end - e.base;
        r.CommitSize = e.committed * WV_PAGE_SIZE;
    } else {
        MEMORY_BASIC_INFORMATION m;
        wv_virtual_query(addr, &m);
        if (m.State == MEM_FREE)
            return STATUS_INVALID_ADDRESS;
        r.AllocationBase = m.AllocationBase;
        r.AllocationProtect = m.AllocationProtect;
        r.RegionSize = m.RegionSize;
        r.CommitSize = m.State == MEM_COMMIT ? m.RegionSize : 0;
    }
    *len = cap < sizeof(r) ? cap : sizeof(r);
    return wv_copy(buf, &r, *len) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

/* The file's NT path: the Linux path under the one volume device, '/' as '\'. */
static size_t wv_nt_path(const char *path, WCHAR *out, size_t cap)
{
    char nt[4096 + sizeof(WV_DEVICE)];
    size_t n = (size_t)snprintf(nt, sizeof(nt), "%s%s", WV_DEVICE, path);
    for (char *p = nt; *p; p++)
        if (*p == '/')
            *p = '\\';
    size_t len = 0;
    wv_utf8_to_utf16(nt, n < sizeof(nt) ? n : sizeof(nt) - 1, out, cap, WV_TEXT_REPLACE, &len);
    return len;
}

static NTSTATUS wv_query_file_name(uintptr_t addr, void *buf, SIZE_T cap, SIZE_T *len)
{
    char path[4096];
    DWORD err = wv_view_file_name(addr, path, sizeof(path));
    if (err)
        return err == ERROR_FILE_INVALID ? STATUS_FILE_INVALID : STATUS_INVALID_ADDRESS;
    WCHAR name[4096 + 32];
    size_t chars = wv_nt_path(path, name, sizeof(name) / sizeof(name[0]) - 1);
    name[chars] = 0;
    size_t need = sizeof(MEMORY_SECTION_NAME) + (chars + 1) * sizeof(WCHAR);
    *len = need;
    if (cap < need)
        return STATUS_BUFFER_OVERFLOW;
    MEMORY_SECTION_NAME h = {{(USHORT)(chars * sizeof(WCHAR)), (USHORT)((chars + 1) * sizeof(WCHAR)),
                              (WCHAR *)((char *)buf + sizeof(h))}};
    if (wv_copy((char *)buf + sizeof(h), name, (chars + 1) * sizeof(WCHAR)) || wv_copy(buf, &h, sizeof(h)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

static SIZE_T wv_min_length(MEMORY_INFORMATION_CLASS c)
{
    switch (c) {
    case MemoryBasicInformation:
        return sizeof(MEMORY_BASIC_INFORMATION);
    case MemoryWorkingSetExInformation:
        return sizeof(MEMORY_WORKING_SET_EX_INFORMATION);
    case MemoryRegionInformation:
        return WV_REGION_MIN;
    case MemoryMappedFilenameInformation:
        return sizeof(MEMORY_SECTION_NAME);
    case MemoryWorkingSetInformation:
        return sizeof(MEMORY_WORKING_SET_INFORMATION);
    case MemoryImageInformation:
        return sizeof(MEMORY_IMAGE_INFORMATION);
    default:
        return 0;
    }
}

NTSTATUS NTAPI NtQueryVirtualMemory(HANDLE process, PVOID base, MEMORY_INFORMATION_CLASS c, PVOID buf,
                                    SIZE_T cap, PSIZE_T ret_len)
{
    SIZE_T min = wv_min_length(c), len = 0;
    if (!min)
        return STATUS_INVALID_INFO_CLASS;
    if (cap < min)
        return STATUS_INFO_LENGTH_MISMATCH;
    if (!buf || (ret_len && wv_copy(ret_len, ret_len, sizeof(*ret_len))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    uintptr_t addr = (uintptr_t)base;
    if (addr > WV_MAX_ADDR && c != MemoryWorkingSetExInformation && c != MemoryWorkingSetInformation)
        return STATUS_INVALID_PARAMETER;
    NTSTATUS st_h = wv_nt_this(process, PROCESS_QUERY_INFORMATION, 0);
    if (st_h != STATUS_SUCCESS)
        return st_h;
    NTSTATUS st;
    if (c == MemoryBasicInformation)
        st = wv_query_basic(addr, buf, &len);
    else if (c == MemoryWorkingSetExInformation)
        st = wv_query_ws_ex(buf, cap, &len);
    else if (c == MemoryRegionInformation)
        st = wv_query_region(addr, buf, cap, &len);
    else if (c == MemoryWorkingSetInformation)
        st = wv_query_ws_list(buf, cap, &len);
    else if (c == MemoryImageInformation)
        st = wv_query_image(addr, buf, &len);
    else
        st = wv_query_file_name(addr, buf, cap, &len);
    if (ret_len && (st == STATUS_SUCCESS || st == STATUS_BUFFER_OVERFLOW || st == STATUS_INFO_LENGTH_MISMATCH))
        wv_nt_out(ret_len, &len, sizeof(len));
    return st;
}
