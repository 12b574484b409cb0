/* SPDX-License-Identifier: MIT */
/* ntdll_stack.c - RtlCreateUserStack and RtlFreeUserStack: a stack laid out as a thread's
 * (mm/stack.c), for programs that start threads of their own making.
 *
 * As Windows (Wine's ntdll virtual.c test_RtlCreateUserStack records it): commit and reserve
 * of 0 are the image's SizeOfStackCommit and SizeOfStackReserve; commit is rounded up to
 * commit_align and reserve to reserve_align (either 0: STATUS_INVALID_PARAMETER); reserve is
 * at least commit and at least 1 MiB, a whole number of 64 KiB granules.  The INITIAL_TEB
 * has no old stack, StackBase the top, StackLimit commit below it, DeallocationStack the
 * reservation's base (what RtlFreeUserStack takes).  The top commit bytes are committed and,
 * when at least two pages are left below them, the page under them is PAGE_GUARD.  The stack
 * is no thread's until a thread runs on it, so a touch of that guard is the plain guard-page
 * exception, as Windows grows only the current thread's own stack silently.  ZeroBits places
 * the reservation as NtAllocateVirtualMemory's does.  Nothing is left behind when a step
 * fails.
 */
#include "runtime/runtime.h"
#include "nt/nt.h"
#include "fault/fault.h" /* wv_user_get_rw64 */
#include <winvm/ntdll.h>

#include <string.h>
#include <unistd.h>

/* INITIAL_TEB, as ntdll fills it. */
struct wv_initial_teb {
    PVOID OldStackBase, OldStackLimit, StackBase, StackLimit, DeallocationStack;
};

/* v rounded up to a multiple of align (not 0); false when that overflows. */
static bool wv_round_to(SIZE_T *v, SIZE_T align)
{
    SIZE_T r = *v % align;
    if (r && *v > (SIZE_T)-1 - (align - r))
        return false;
    *v += r ? align - r : 0;
    return true;
}

/* The sizes after Windows' rules; STATUS_INVALID_PARAMETER or STATUS_NO_MEMORY (too large). */
static NTSTATUS wv_user_stack_sizes(SIZE_T *commit, SIZE_T *reserve, SIZE_T commit_align, SIZE_T reserve_align)
{
    if (!commit_align || !reserve_align)
        return STATUS_INVALID_PARAMETER;
    SIZE_T def_reserve, def_commit;
    wv_thread_stack_defaults(&def_reserve, &def_commit);
    if (!*commit)
        *commit = def_commit;
    if (!*reserve)
        *reserve = def_reserve;
    if (!wv_round_to(commit, commit_align) || !wv_round_to(reserve, reserve_align))
        return STATUS_NO_MEMORY;
    if (*reserve < *commit)
        *reserve = *commit;
    if (*reserve < ((SIZE_T)1 << 20))
        *reserve = (SIZE_T)1 << 20;
    if (!wv_round_to(reserve, WV_GRANULE) || !wv_round_to(commit, WV_PAGE_SIZE))
        return STATUS_NO_MEMORY;
    return 0;
}

/* The top commit bytes and the guard page below them, in the reservation [base, top). */
static NTSTATUS wv_user_stack_commit(uintptr_t base, uintptr_t top, SIZE_T commit)
{
    uintptr_t got;
    SIZE_T len;
    NTSTATUS st = wv_nt_alloc(WV_CURRENT_PROCESS, top - commit, 0, commit, MEM_COMMIT, PAGE_READWRITE, &got, &len);
    if (!st && top - commit >= base + 2 * WV_PAGE_SIZE) /* the lowest page stays reserved: the overflow */
        st = wv_nt_alloc(WV_CURRENT_PROCESS, top - commit - WV_PAGE_SIZE, 0, WV_PAGE_SIZE, MEM_COMMIT,
                         PAGE_READWRITE | PAGE_GUARD, &got, &len);
    return st;
}

/* The stack itself, *teb filled; nothing left behind on failure. */
static NTSTATUS wv_user_stack_make(SIZE_T commit, SIZE_T reserve, ULONG zero_bits, SIZE_T commit_align,
                                   SIZE_T reserve_align, struct wv_initial_teb *teb)
{
    memset(teb, 0, sizeof(*teb));
    NTSTATUS st = wv_user_stack_sizes(&commit, &reserve, commit_align, reserve_align);
    if (st)
        return st;
    uintptr_t base;
    SIZE_T len;
    st = wv_nt_alloc(WV_CURRENT_PROCESS, 0, zero_bits, reserve, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE, &base,
                     &len);
    if (st)
        return st;
    uintptr_t top = base + reserve;
    if ((st = wv_user_stack_commit(base, top, commit))) {
        uintptr_t s;
        wv_nt_free(WV_CURRENT_PROCESS, base, 0, MEM_RELEASE, &s, &len);
        return st;
    }
    teb->StackBase = (PVOID)top;
    teb->StackLimit = (PVOID)(top - commit);
    teb->DeallocationStack = (PVOID)base;
    return 0;
}

WV_MSABI NTSTATUS wv_nt_RtlCreateUserStack(SIZE_T commit, SIZE_T reserve, ULONG zero_bits, SIZE_T commit_align,
                                           SIZE_T reserve_align, void *out)
{
    struct wv_initial_teb teb;
    uint64_t v; /* proven writable (left as it is) before anything is made */
    for (size_t i = 0; i < sizeof(teb); i += 8)
        if (wv_user_get_rw64((char *)out + i, &v))
            return STATUS_ACCESS_VIOLATION;
    NTSTATUS st = wv_user_stack_make(commit, reserve, zero_bits, commit_align, reserve_align, &teb);
    if (!st)
        wv_user_put(out, &teb, sizeof(teb));
    return st;
}

/* CLIENT_ID, as ntdll fills it. */
struct wv_client_id {
    HANDLE UniqueProcess, UniqueThread;
};

/* RtlCreateUserThread: a thread of the current process on a stack made as RtlCreateUserStack
 * makes it (the image's sizes for 0, ZeroBits placing it: Wine's test_RtlCreateUserStack
 * records the same statuses for both), started suspended or not.  Another process's handle:
 * STATUS_NOT_SUPPORTED (winvm starts no thread in another process).  The handle is the
 * caller's when asked for, else closed; the CLIENT_ID gets the process and thread ids. */
WV_MSABI NTSTATUS wv_nt_RtlCreateUserThread(HANDLE process, void *sd, BOOLEAN suspended, ULONG zero_bits,
                                            SIZE_T reserve, SIZE_T commit, void *start, void *arg, HANDLE *handle,
                                            void *cid)
{
    (void)sd;
    if (!wv_process_is_self(process)) {
        struct wv_object *o = wv_handle_get(process, WV_KIND_PROCESS, NULL);
        if (o)
            wv_object_unref(o);
        return o ? STATUS_NOT_SUPPORTED : STATUS_INVALID_HANDLE;
    }
    struct wv_client_id id = {0};
    uint64_t v; /* the out parameters proven writable (left as they are) before anything is made */
    if ((handle && wv_user_get_rw64(handle, &v)) ||
        (cid && (wv_user_get_rw64(cid, &v) || wv_user_get_rw64((char *)cid + 8, &v))))
        return STATUS_ACCESS_VIOLATION;
    if (!start)
        return STATUS_INVALID_PARAMETER;
    struct wv_initial_teb teb;
    NTSTATUS st = wv_user_stack_make(commit, reserve, zero_bits, 1, 1, &teb);
    if (st)
        return st;
    uintptr_t lo = (uintptr_t)teb.DeallocationStack, top = (uintptr_t)teb.StackBase;
    DWORD tid = 0, err = wv_stack_adopt(lo);
    if (err) {
        uintptr_t s;
        SIZE_T len;
        wv_nt_free(WV_CURRENT_PROCESS, lo, 0, MEM_RELEASE, &s, &len);
        return wv_status_of(err);
    }
    HANDLE h = wv_thread_create_on(lo, top, (LPTHREAD_START_ROUTINE)start, arg, suspended ? CREATE_SUSPENDED : 0,
                                   &tid, &err); /* the stack is the thread's, freed on failure */
    if (!h)
        return wv_status_of(err);
    id.UniqueProcess = (HANDLE)(uintptr_t)getpid();
    id.UniqueThread = (HANDLE)(uintptr_t)tid;
    if (cid)
        wv_user_put(cid, &id, sizeof(id));
    if (handle)
        wv_user_put(handle, &h, sizeof(h));
    else
        wv_handle_close(h);
    return 0;
}

/* As Windows: NtFreeVirtualMemory(MEM_RELEASE) of the address, its status dropped. */
WV_MSABI void wv_nt_RtlFreeUserStack(void *stack)
{
    uintptr_t s;
    SIZE_T len;
    (void)wv_nt_free(WV_CURRENT_PROCESS, (uintptr_t)stack, 0, MEM_RELEASE, &s, &len);
}
