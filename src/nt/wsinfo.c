/* SPDX-License-Identifier: MIT */
/* wsinfo.c - NtQueryVirtualMemory's MemoryWorkingSetInformation (psapi's QueryWorkingSet) and
 * MemoryImageInformation.
 *
 * The working set is every resident page of the process: the address space is walked as
 * VirtualQuery describes it (winvm's views and the host's own memory alike), the resident
 * pages of committed regions read from the page map, and each page's attributes taken from
 * the working-set core (mm/wset.c, as QueryWorkingSetEx): a page that is resident but not
 * accessible (PAGE_NOACCESS, a guard page) is not in a Windows working set and is left out.
 * A buffer too small for every page gets STATUS_INFO_LENGTH_MISMATCH with NumberOfEntries set
 * to the count, as Windows.
 */
#include "nt/nt.h"

#define WV_PM_PRESENT (1ull << 63)
#define WV_PM_CHUNK 512 /* pages per page-map read */

/* The memory manager's 5-bit protection code of a Win32 protection. */
static ULONG_PTR wv_mm_protection(DWORD prot)
{
    static const struct {
        DWORD win32;
        ULONG_PTR code;
    } base[] = {{PAGE_READONLY, 1},  {PAGE_EXECUTE, 2},      {PAGE_EXECUTE_READ, 3},      {PAGE_READWRITE, 4},
                {PAGE_WRITECOPY, 5}, {PAGE_EXECUTE_READWRITE, 6}, {PAGE_EXECUTE_WRITECOPY, 7}};
    ULONG_PTR code = 0;
    for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
        if ((prot & 0xff) == base[i].win32)
            code = base[i].code;
    if (prot & PAGE_NOCACHE)
        code += 8;
    else if (prot & PAGE_WRITECOMBINE)
        code += 24;
    return code;
}

/* Where the walk writes: the caller's entries as far as they go, and the count. */
struct wv_ws_out {
    MEMORY_WORKING_SET_BLOCK *user;
    size_t cap, count;
    bool fault;
};

/* Turns a batch of QueryWorkingSetEx entries into working-set blocks (valid pages only). */
static void wv_ws_emit(struct wv_ws_out *o, struct wv_ws_entry *e, size_t n)
{
    MEMORY_WORKING_SET_BLOCK b[WV_WS_MAX];
    size_t k = 0;
    wv_ws_query(e, n);
    for (size_t i = 0; i < n; i++) {
        MEMORY_WORKING_SET_EX_BLOCK x = {.Flags = e[i].attr};
        if (!x.Valid)
            continue;
        b[k].Flags = 0;
        b[k].Protection = wv_mm_protection((DWORD)x.Win32Protection);
        b[k].ShareCount = x.Shared ? x.ShareCount : 0;
        b[k].Shared = x.Shared;
        b[k].VirtualPage = e[i].va / WV_PAGE_SIZE;
        k++;
    }
    size_t room = o->count < o->cap ? o->cap - o->count : 0, put = k < room ? k : room;
    if (put && wv_copy(o->user + o->count, b, put * sizeof(b[0])))
        o->fault = true;
    o->count += k;
}

/* The resident pages of the committed range [a, end), in batches. */
static void wv_ws_range(struct wv_ws_out *o, uintptr_t a, uintptr_t end, struct wv_ws_entry *e, size_t *n)
{
    uint64_t pm[WV_PM_CHUNK];
    for (; a < end && !o->fault; a += WV_PM_CHUNK * WV_PAGE_SIZE) {
        size_t pages = (end - a) / WV_PAGE_SIZE < WV_PM_CHUNK ? (end - a) / WV_PAGE_SIZE : WV_PM_CHUNK;
        if (wv_pagemap_entries(a, pages, pm) != 0)
            continue;
        for (size_t i = 0; i < pages; i++) {
            if (!(pm[i] & WV_PM_PRESENT))
                continue;
            e[(*n)++] = (struct wv_ws_entry){.va = a + i * WV_PAGE_SIZE};
            if (*n == WV_WS_MAX) {
                wv_ws_emit(o, e, *n);
                *n = 0;
            }
        }
    }
}

NTSTATUS wv_query_ws_list(void *buf, SIZE_T cap, SIZE_T *len)
{
    size_t head = offsetof(MEMORY_WORKING_SET_INFORMATION, WorkingSetInfo);
    struct wv_ws_out o = {(MEMORY_WORKING_SET_BLOCK *)((char *)buf + head),
                          (cap - head) / sizeof(MEMORY_WORKING_SET_BLOCK), 0, false};
    struct wv_ws_entry e[WV_WS_MAX];
    size_t n = 0;
    if (wv_copy(buf, buf, cap))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    for (uintptr_t a = 0; a <= WV_MAX_ADDR && !o.fault;) {
        MEMORY_BASIC_INFORMATION mb;
        wv_virtual_query(a, &mb);
        uintptr_t end = (uintptr_t)mb.BaseAddress + mb.RegionSize;
        if (mb.State == MEM_COMMIT)
            wv_ws_range(&o, a, end, e, &n);
        if (end <= a)
            break;
        a = end;
    }
    if (n && !o.fault)
        wv_ws_emit(&o, e, n);
    ULONG_PTR count = o.count;
    if (o.fault || wv_copy(buf, &count, sizeof(count)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    *len = head + o.count * sizeof(MEMORY_WORKING_SET_BLOCK);
    return o.count > o.cap ? STATUS_INFO_LENGTH_MISMATCH : STATUS_SUCCESS;
}

NTSTATUS wv_query_image(uintptr_t addr, void *buf, SIZE_T *len)
{
    struct wv_extent ext;
    if (!wv_virtual_extent(addr, &ext) || ext.type != MEM_IMAGE)
        return STATUS_INVALID_ADDRESS;
    MEMORY_IMAGE_INFORMATION mi = {.ImageBase = (PVOID)ext.base, .SizeOfImage = ext.end - ext.base};
    *len = sizeof(mi);
    return wv_copy(buf, &mi, sizeof(mi)) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}
