/* SPDX-License-Identifier: MIT */
/* virtual.c - VirtualAlloc, VirtualFree, VirtualProtect, VirtualQuery and their *Ex forms,
 * VirtualLock, VirtualUnlock and winvm_stack_create: the public entry points over mm's cores
 * (mm/virtual.c, mm/vlock.c, mm/stack.c).  Each one attaches the fault handler where the call
 * can create faulting memory, calls down, and turns the error into the last error: nothing
 * else.
 */
#include "mm/mm.h"
#include "fault/fault.h"
#include "nt/nt.h"

LPVOID WINAPI VirtualAlloc(LPVOID addr, SIZE_T size, DWORD type, DWORD protect)
{
    wv_fault_attach();
    uintptr_t out = 0;
    DWORD err = wv_virtual_alloc((uintptr_t)addr, size, type, protect, &out);
    wv_debug_validate_at(err ? (uintptr_t)addr : out);
    WV_TRACE(WV_TRACE_VIRTUAL, "VirtualAlloc(%p, %#zx, %#x, %#x) = %#lx, error %u", addr, (size_t)size, type,
             protect, (unsigned long)out, err);
    return err ? wv_fail_null(err) : (LPVOID)out;
}

BOOL WINAPI VirtualFree(LPVOID addr, SIZE_T size, DWORD type)
{
    DWORD err = wv_virtual_free((uintptr_t)addr, size, type);
    wv_debug_validate_at(addr);
    WV_TRACE(WV_TRACE_VIRTUAL, "VirtualFree(%p, %#zx, %#x): error %u", addr, (size_t)size, type, err);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI VirtualProtect(LPVOID addr, SIZE_T size, DWORD protect, PDWORD old)
{
    wv_fault_attach();
    /* A bad old pointer fails the call before anything changes: *old copied onto itself
     * proves it readable and writable without changing it. */
    DWORD was = 0, err = old ? wv_copy(old, old, sizeof(*old)) : 0;
    if (!err)
        err = wv_virtual_protect((uintptr_t)addr, size, protect, old ? &was : NULL);
    wv_debug_validate_at(addr);
    WV_TRACE(WV_TRACE_VIRTUAL, "VirtualProtect(%p, %#zx, %#x) old %#x: error %u", addr, (size_t)size, protect,
             was, err);
    if (!err)
        err = wv_copy(old, &was, sizeof(was)); /* fails only if another thread took it away */
    return err ? wv_fail(err) : TRUE;
}

SIZE_T WINAPI VirtualQuery(LPCVOID addr, PMEMORY_BASIC_INFORMATION mbi, SIZE_T len)
{
    if ((uintptr_t)addr > WV_MAX_ADDR)
        return wv_set_error(ERROR_INVALID_PARAMETER), 0;
    if (len < sizeof(*mbi))
        return wv_set_error(ERROR_BAD_LENGTH), 0;
    if (!mbi)
        return wv_set_error(ERROR_NOACCESS), 0;
    MEMORY_BASIC_INFORMATION m;
    wv_virtual_query((uintptr_t)addr, &m);
    WV_TRACE(WV_TRACE_VIRTUAL, "VirtualQuery(%p) = base %p size %#zx state %#x protect %#x type %#x", addr,
             m.BaseAddress, (size_t)m.RegionSize, m.State, m.Protect, m.Type);
    if (wv_copy(mbi, &m, sizeof(m)))
        return wv_set_error(ERROR_NOACCESS), 0;
    return sizeof(*mbi);
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
