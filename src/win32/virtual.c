/* SPDX-License-Identifier: MIT */
/* virtual.c - VirtualAlloc, VirtualFree, VirtualProtect, VirtualQuery and their *Ex forms,
 * VirtualLock, VirtualUnlock and winvm_stack_create.  As on Windows (kernelbase), the first
 * four are thin wrappers over NtAllocateVirtualMemory, NtFreeVirtualMemory,
 * NtProtectVirtualMemory and NtQueryVirtualMemory: the status becomes the last error
 * (RtlNtStatusToDosError's table), so the Win32 and NT answers to bad input are one.  The
 * first three enter the NT calls after their in/out parameters are read (wv_nt_alloc,
 * wv_nt_free, wv_nt_protect), VirtualQuery NtQueryVirtualMemory's MemoryBasicInformation
 * case (wv_nt_query_basic): the parameters are this function's own locals, so copying them
 * in and out through wv_copy would only cost.  The others call mm's cores
 * (mm/vlock.c, mm/stack.c) and turn the error into the last error.
 */
#include "mm/mm.h"
#include "fault/fault.h"
#include "nt/nt.h"

/* The last error for a failed NT call; the failure value of the caller's choice follows. */
static void wv_fail_status(NTSTATUS st) { wv_set_error(wv_error_of(st)); }

/* VirtualAlloc's call with its trace line: out of the untraced path, which then keeps no
 * argument alive across the NT call (a commit loop pays each saved register after its
 * syscall). */
static __attribute__((noinline, cold)) LPVOID wv_virtual_alloc_traced(LPVOID addr, SIZE_T size, DWORD type,
                                                                     DWORD protect)
{
    uintptr_t base = 0;
    SIZE_T len;
    NTSTATUS st = wv_nt_alloc(WV_CURRENT_PROCESS, (uintptr_t)addr, 0, size, type, protect, &base, &len);
    WV_TRACE(WV_TRACE_VIRTUAL, "VirtualAlloc(%p, %#zx, %#x, %#x) = %#lx, status %#x", addr, (size_t)size, type,
             protect, (unsigned long)base, (unsigned)st);
    return st ? (wv_fail_status(st), NULL) : (LPVOID)base;
}

/* A commit mm refused (wv_virtual_commit_to's fail): the last error NtAllocateVirtualMemory's
 * status gives, and VirtualAlloc's NULL. */
static void *wv_virtual_commit_failed(DWORD err, uintptr_t protect)
{
    wv_fail_status(wv_nt_commit_status(err, (ULONG)protect));
    return NULL;
}

WV_HOT_PATH LPVOID WINAPI VirtualAlloc(LPVOID addr, SIZE_T size, DWORD type, DWORD protect)
{
    wv_fault_attach();
    if (__builtin_expect(wv_trace_mask & WV_TRACE_VIRTUAL, 0))
        return wv_virtual_alloc_traced(addr, size, type, protect);
    /* A commit at an address: mm's commit answers in this function's place (mm.h,
     * wv_virtual_commit_to).  Whatever fails the NT checks takes the general path, which
     * fails it the same way. */
    wv_page_t bits;
    if (type == MEM_COMMIT && addr && wv_nt_commit_check((uintptr_t)addr, size, protect, &bits) == STATUS_SUCCESS)
        return wv_virtual_commit_to((uintptr_t)addr, size, bits, wv_virtual_commit_failed, protect);
    uintptr_t base = 0;
    SIZE_T len;
    NTSTATUS st = wv_nt_alloc(WV_CURRENT_PROCESS, (uintptr_t)addr, 0, size, type, protect, &base, &len);
    return st ? (wv_fail_status(st), NULL) : (LPVOID)base;
}

BOOL WINAPI VirtualFree(LPVOID addr, SIZE_T size, DWORD type)
{
    /* kernelbase's own check: NtFreeVirtualMemory releases part of an allocation given a
     * size, VirtualFree's MEM_RELEASE only a whole one (size 0). */
    if (type == MEM_RELEASE && size)
        return wv_fail(ERROR_INVALID_PARAMETER);
    uintptr_t start;
    SIZE_T len;
    NTSTATUS st = wv_nt_free(WV_CURRENT_PROCESS, (uintptr_t)addr, size, type, &start, &len);
    WV_TRACE(WV_TRACE_VIRTUAL, "VirtualFree(%p, %#zx, %#x): status %#x", addr, (size_t)size, type, (unsigned)st);
    return st ? (wv_fail_status(st), FALSE) : TRUE;
}

BOOL WINAPI VirtualProtect(LPVOID addr, SIZE_T size, DWORD protect, PDWORD old)
{
    /* A NULL or unwritable old pointer is NtProtectVirtualMemory's STATUS_ACCESS_VIOLATION
     * (ERROR_NOACCESS), found before anything changes. */
    wv_fault_attach();
    uintptr_t start;
    SIZE_T len;
    ULONG was = 0;
    NTSTATUS st = wv_nt_protect(WV_CURRENT_PROCESS, (uintptr_t)addr, size, protect, (PULONG)old, &start, &len, &was);
    WV_TRACE(WV_TRACE_VIRTUAL, "VirtualProtect(%p, %#zx, %#x) old %#x: status %#x", addr, (size_t)size, protect,
             (unsigned)was, (unsigned)st);
    if (st)
        return wv_fail_status(st), FALSE;
    wv_nt_out(old, &was, sizeof(was)); /* proven writable by the call */
    return TRUE;
}

SIZE_T WINAPI VirtualQuery(LPCVOID addr, PMEMORY_BASIC_INFORMATION mbi, SIZE_T len)
{
    /* NtQueryVirtualMemory(MemoryBasicInformation) without a return length: on success it
     * is always the structure's. */
    NTSTATUS st = wv_nt_query_basic(WV_CURRENT_PROCESS, (uintptr_t)addr, mbi, len);
    WV_TRACE(WV_TRACE_VIRTUAL, "VirtualQuery(%p): status %#x", addr, (unsigned)st);
    return st ? (wv_fail_status(st), 0) : sizeof(MEMORY_BASIC_INFORMATION);
}

BOOL WINAPI VirtualLock(LPVOID addr, SIZE_T size)
{
    DWORD err = wv_vlock((uintptr_t)addr, size);
    wv_debug_validate_at(addr);
    WV_TRACE(WV_TRACE_VIRTUAL, "VirtualLock(%p, %#zx): error %u", addr, (size_t)size, err);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI VirtualUnlock(LPVOID addr, SIZE_T size)
{
    DWORD err = wv_vunlock((uintptr_t)addr, size);
    wv_debug_validate_at(addr);
    WV_TRACE(WV_TRACE_VIRTUAL, "VirtualUnlock(%p, %#zx): error %u", addr, (size_t)size, err);
    return err ? wv_fail(err) : TRUE;
}

LPVOID winvm_stack_create(SIZE_T reserve, SIZE_T commit, LPVOID *top)
{
    uintptr_t lo = 0, hi = 0;
    DWORD err = top ? wv_stack_create(reserve, commit, &lo, &hi) : ERROR_INVALID_PARAMETER;
    wv_debug_validate_at(lo);
    if (err)
        return wv_fail_null(err);
    *top = (LPVOID)hi;
    return (LPVOID)lo;
}

/* ---- the *Ex forms: another process through its own memory manager ---- */

/* One operation on the process h names (nt.h's way up): 0, the error, or WV_REMOTE_SELF. */
static DWORD wv_remote(HANDLE h, struct wv_remote *r)
{
    if (h == GetCurrentProcess())
        return WV_REMOTE_SELF;
    return wv_nt_remote ? wv_nt_remote(h, r) : ERROR_INVALID_HANDLE;
}

LPVOID WINAPI VirtualAllocEx(HANDLE h, LPVOID addr, SIZE_T size, DWORD type, DWORD protect)
{
    struct wv_remote r = {.op = WV_REMOTE_ALLOC, .type = type, .protect = protect, .addr = (uintptr_t)addr,
                          .size = size};
    DWORD err = wv_remote(h, &r);
    if (err == WV_REMOTE_SELF)
        return VirtualAlloc(addr, size, type, protect);
    return err ? wv_fail_null(err) : (LPVOID)(uintptr_t)r.addr;
}

BOOL WINAPI VirtualFreeEx(HANDLE h, LPVOID addr, SIZE_T size, DWORD type)
{
    struct wv_remote r = {.op = WV_REMOTE_FREE, .type = type, .addr = (uintptr_t)addr, .size = size};
    DWORD err = wv_remote(h, &r);
    if (err == WV_REMOTE_SELF)
        return VirtualFree(addr, size, type);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI VirtualProtectEx(HANDLE h, LPVOID addr, SIZE_T size, DWORD protect, PDWORD old)
{
    /* A bad old pointer fails before the target changes (as VirtualProtect). */
    if (h != GetCurrentProcess() && (!old || wv_copy(old, old, sizeof(*old))))
        return wv_fail(ERROR_NOACCESS);
    struct wv_remote r = {.op = WV_REMOTE_PROTECT, .protect = protect, .addr = (uintptr_t)addr, .size = size};
    DWORD err = wv_remote(h, &r);
    if (err == WV_REMOTE_SELF)
        return VirtualProtect(addr, size, protect, old);
    if (!err)
        err = wv_copy(old, &r.old, sizeof(r.old));
    return err ? wv_fail(err) : TRUE;
}

SIZE_T WINAPI VirtualQueryEx(HANDLE h, LPCVOID addr, PMEMORY_BASIC_INFORMATION mbi, SIZE_T len)
{
    struct wv_remote r = {.op = WV_REMOTE_QUERY, .addr = (uintptr_t)addr};
    if (h == GetCurrentProcess())
        return VirtualQuery(addr, mbi, len);
    if ((uintptr_t)addr > WV_MAX_ADDR)
        return wv_set_error(ERROR_INVALID_PARAMETER), 0;
    if (len < sizeof(*mbi))
        return wv_set_error(ERROR_BAD_LENGTH), 0;
    DWORD err = mbi && !wv_copy(mbi, mbi, sizeof(*mbi)) ? wv_remote(h, &r) : ERROR_NOACCESS;
    if (err == WV_REMOTE_SELF)
        return VirtualQuery(addr, mbi, len);
    if (!err)
        err = wv_copy(mbi, &r.mbi, sizeof(r.mbi));
    return err ? (wv_set_error(err), 0) : sizeof(*mbi);
}

BOOL WINAPI FlushInstructionCache(HANDLE h, LPCVOID addr, SIZE_T size)
{
    (void)addr, (void)size; /* x86-64 keeps instruction caches coherent with stores */
    struct wv_remote r = {.op = WV_REMOTE_FLUSH};
    DWORD err = wv_remote(h, &r);
    return err && err != WV_REMOTE_SELF ? wv_fail(err) : TRUE;
}

/* A thin wrapper, as kernelbase's: the flags are the VmInformation of the NT call. */
BOOL WINAPI PrefetchVirtualMemory(HANDLE h, ULONG_PTR n, PWIN32_MEMORY_RANGE_ENTRY entries, ULONG flags)
{
    NTSTATUS st = NtSetInformationVirtualMemory(h, VmPrefetchInformation, n, (PMEMORY_RANGE_ENTRY)entries,
                                                &flags, sizeof(flags));
    return st ? (wv_set_error(RtlNtStatusToDosError(st)), FALSE) : TRUE;
}
