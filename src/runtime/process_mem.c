/* SPDX-License-Identifier: MIT */
/* process_mem.c - ReadProcessMemory and WriteProcessMemory: kernel32's forms of
 * NtReadVirtualMemory / NtWriteVirtualMemory (nt/copy.c: process_vm_readv/writev for another
 * process, a handle's PROCESS_VM_READ / PROCESS_VM_WRITE and PROCESS_VM_OPERATION checked),
 * the status turned into the last error.  A range that stops at an inaccessible page fails with
 * ERROR_PARTIAL_COPY and the count copied before it, as Windows.
 *
 * Not done: Windows' kernelbase makes a read-only (or execute) page of the target writable for
 * the write and restores it; in another process that needs the target's cooperation (its own
 * state model must make the change), which winvm processes do not offer yet, so such a write
 * fails with ERROR_PARTIAL_COPY (ERROR_NOACCESS for the whole range when nothing was written).
 */
#include "runtime/runtime.h"
#include "winvm/ntdll.h"

static BOOL wv_mem_result(NTSTATUS st, SIZE_T done, SIZE_T *out)
{
    if (out && wv_user_put(out, &done, sizeof(done)))
        return wv_fail(ERROR_NOACCESS);
    return st == STATUS_SUCCESS ? TRUE : wv_fail(RtlNtStatusToDosError(st));
}

BOOL WINAPI ReadProcessMemory(HANDLE h, LPCVOID base, LPVOID buf, SIZE_T n, SIZE_T *read)
{
    SIZE_T done = 0;
    NTSTATUS st = NtReadVirtualMemory(h, (PVOID)base, buf, n, &done);
    return wv_mem_result(st, done, read);
}

BOOL WINAPI WriteProcessMemory(HANDLE h, LPVOID base, LPCVOID buf, SIZE_T n, SIZE_T *written)
{
    SIZE_T done = 0;
    NTSTATUS st = NtWriteVirtualMemory(h, base, buf, n, &done);
    return wv_mem_result(st, done, written);
}
