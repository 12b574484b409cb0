/* SPDX-License-Identifier: MIT */
/* psapi.c - the working-set and process-memory queries of psapi.dll (and kernel32's K32 forms),
 * and GlobalMemoryStatusEx.  QueryWorkingSetEx and GetMappedFileName are thin wrappers over
 * NtQueryVirtualMemory, as on Windows: the status becomes the last error.
 */
#include "nt/nt.h"
#include "winvm/psapi.h"

#include <string.h>

static BOOL wv_fail_status(NTSTATUS st) { return wv_fail(RtlNtStatusToDosError(st)); }

BOOL WINAPI QueryWorkingSetEx(HANDLE process, PVOID pv, DWORD cb)
{
    NTSTATUS st = NtQueryVirtualMemory(process, NULL, MemoryWorkingSetExInformation, pv, cb, NULL);
    return st ? wv_fail_status(st) : TRUE;
}

/* The highest private usage seen: Linux keeps no peak of it. */
static SIZE_T wv_peak_private;

BOOL WINAPI GetProcessMemoryInfo(HANDLE process, PPROCESS_MEMORY_COUNTERS out, DWORD cb)
{
    NTSTATUS st = wv_nt_this(process, PROCESS_QUERY_INFORMATION, PROCESS_QUERY_LIMITED_INFORMATION);
    if (st)
        return wv_fail_status(st);
    if (cb < sizeof(PROCESS_MEMORY_COUNTERS))
        return wv_fail(ERROR_INSUFFICIENT_BUFFER);
    struct wv_proc_mem m;
    if (!wv_proc_memory(&m))
        return wv_fail(ERROR_ACCESS_DENIED);
    SIZE_T peak = __atomic_load_n(&wv_peak_private, __ATOMIC_RELAXED);
    while (m.data > peak && !__atomic_compare_exchange_n(&wv_peak_private, &peak, m.data, false,
                                                         __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    PROCESS_MEMORY_COUNTERS_EX c = {0};
    c.cb = cb < sizeof(c) ? cb : (DWORD)sizeof(c);
    c.PageFaultCount = (DWORD)m.faults;
    c.PeakWorkingSetSize = m.hwm;
    c.WorkingSetSize = m.rss;
    c.PagefileUsage = c.PrivateUsage = m.data;
    c.PeakPagefileUsage = m.data > peak ? m.data : peak;
    return wv_copy(out, &c, c.cb) ? wv_fail(ERROR_NOACCESS) : TRUE;
}

BOOL WINAPI GlobalMemoryStatusEx(LPMEMORYSTATUSEX out)
{
    MEMORYSTATUSEX s = {0};
    if (wv_copy(&s.dwLength, &out->dwLength, sizeof(s.dwLength)))
        return wv_fail(ERROR_NOACCESS);
    if (s.dwLength != sizeof(s))
        return wv_fail(ERROR_INVALID_PARAMETER);
    struct wv_sys_mem sys;
    struct wv_proc_mem me;
    if (!wv_sys_memory(&sys) || !wv_proc_memory(&me))
        return wv_fail(ERROR_ACCESS_DENIED);
    s.dwMemoryLoad = (DWORD)((sys.total - sys.avail) * 100 / sys.total);
    s.ullTotalPhys = sys.total;
    s.ullAvailPhys = sys.avail;
    s.ullTotalPageFile = sys.total + sys.swap_total;
    s.ullAvailPageFile = sys.avail + sys.swap_free;
    s.ullTotalVirtual = WV_END_ADDR - WV_MIN_ADDR;
    s.ullAvailVirtual = me.size < s.ullTotalVirtual ? s.ullTotalVirtual - me.size : 0;
    return wv_copy(out, &s, sizeof(s)) ? wv_fail(ERROR_NOACCESS) : TRUE;
}

/* The mapped file's NT name, NUL-terminated, in name (cap WCHARs): its length, or 0 and the
 * last error. */
static DWORD wv_mapped_name(HANDLE process, LPVOID addr, WCHAR *name, size_t cap)
{
    union {
        MEMORY_SECTION_NAME h;
        char raw[sizeof(MEMORY_SECTION_NAME) + 4200 * sizeof(WCHAR)];
    } u;
    NTSTATUS st = NtQueryVirtualMemory(process, addr, MemoryMappedFilenameInformation, &u, sizeof(u), NULL);
    if (st)
        return wv_fail_status(st), 0;
    size_t n = u.h.SectionFileName.Length / sizeof(WCHAR);
    n = n < cap - 1 ? n : cap - 1;
    memcpy(name, u.h.SectionFileName.Buffer, n * sizeof(WCHAR));
    name[n] = 0;
    return (DWORD)n;
}

/* Copies len units of src (plus a terminator) to the caller's out of size units: len, or size
 * when cut short (the name then cut and terminated), as Windows. */
static DWORD wv_give(void *out, const void *src, size_t len, DWORD size, size_t unit)
{
    size_t n = len < size ? len : size - 1;
    char zero[2] = {0, 0};
    if (wv_copy(out, src, n * unit) || wv_copy((char *)out + n * unit, zero, unit))
        return wv_set_error(ERROR_NOACCESS), 0;
    return len < size ? (DWORD)len : size;
}

DWORD WINAPI GetMappedFileNameW(HANDLE process, LPVOID addr, LPWSTR out, DWORD size)
{
    WCHAR name[4200];
    NTSTATUS st = wv_nt_this(process, PROCESS_QUERY_INFORMATION, 0); /* NtQueryVirtualMemory's right */
    if (st)
        return wv_fail_status(st);
    if (!out || !size)
        return wv_fail(ERROR_INVALID_PARAMETER);
    DWORD len = wv_mapped_name(process, addr, name, sizeof(name) / sizeof(name[0]));
    return len ? wv_give(out, name, len, size, sizeof(WCHAR)) : 0;
}

DWORD WINAPI GetMappedFileNameA(HANDLE process, LPVOID addr, LPSTR out, DWORD size)
{
    WCHAR name[4200];
    char utf8[4200 * 3];
    NTSTATUS st = wv_nt_this(process, PROCESS_QUERY_INFORMATION, 0); /* NtQueryVirtualMemory's right */
    if (st)
        return wv_fail_status(st);
    if (!out || !size)
        return wv_fail(ERROR_INVALID_PARAMETER);
    DWORD len = wv_mapped_name(process, addr, name, sizeof(name) / sizeof(name[0]));
    if (!len)
        return 0;
    size_t n = 0;
    wv_utf16_to_utf8(name, len, utf8, sizeof(utf8), WV_TEXT_REPLACE, &n);
    return wv_give(out, utf8, n, size, 1);
}
