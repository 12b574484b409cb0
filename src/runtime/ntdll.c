/* SPDX-License-Identifier: MIT */
/* ntdll.c - ntdll.dll as PE code sees it: the exception and unwind calls of seh/ behind the
 * Windows x64 convention (kernel32 exports the same entries, as Windows' kernel32 does), and
 * its sorted export table.
 *
 * Calls that start from their caller's state (RaiseException, RtlRaiseException, RtlUnwind,
 * RtlUnwindEx, RtlCaptureStackBackTrace) enter through WV_CAPTURING: a CONTEXT of the caller
 * at the call (rip its return address, rsp its stack pointer after the return, nonvolatile
 * and XMM registers as they are) is captured on the stack, then the ms_abi core gets the four
 * register arguments, the CONTEXT and the caller's stack arguments.  Continuing after
 * RaiseException restores that CONTEXT: the caller goes on past the call.
 */
#include "runtime/runtime.h"
#include "runtime/ctx_ex.h"
#include "runtime/thunk.h"
#include "runtime/thread_int.h"
#include "runtime/debug_int.h"
#include "runtime/synch_int.h"
#include "runtime/fiber_int.h"
#include "runtime/ntdll_file.h"
#include "runtime/rtl_sd.h"
#include "runtime/pool_int.h"
#include "runtime/actctx.h"
#include "runtime/k32_ext.h"
#include <winvm/ntdll.h>
#include <winvm/placeholder.h>
#include <winvm/iocp.h>
#include <winvm/job.h>
#include <winvm/token.h>
#include <winvm/delayload.h>
#include <winvm/ntsysinfo.h>

#include <string.h>

#define NT static WV_MSABI

/* WV_CAPTURING: thunk.h. */

/* ---- raising ---- */

NT __attribute__((noreturn, used)) void wv_nt_raise_core(DWORD code, DWORD flags, DWORD nargs, const ULONG_PTR *args,
                                                         CONTEXT *ctx, const DWORD64 *stack)
{
    (void)stack;
    EXCEPTION_RECORD rec;
    memset(&rec, 0, sizeof(rec));
    rec.ExceptionCode = code;
    rec.ExceptionFlags = flags & EXCEPTION_NONCONTINUABLE;
    rec.ExceptionAddress = (PVOID)(uintptr_t)ctx->Rip;
    rec.NumberParameters = nargs > EXCEPTION_MAXIMUM_PARAMETERS ? EXCEPTION_MAXIMUM_PARAMETERS : nargs;
    if (args && rec.NumberParameters &&
        !wv_seh_read(rec.ExceptionInformation, (uintptr_t)args, rec.NumberParameters * sizeof(ULONG_PTR)))
        wv_seh_raise_status(STATUS_ACCESS_VIOLATION, NULL, ctx);
    if (!args)
        rec.NumberParameters = 0;
    wv_seh_raise(&rec, ctx);
}
WV_CAPTURING("wv_nt_RaiseException", "wv_nt_raise_core");

void WV_MSABI wv_nt_RtlRaiseException(EXCEPTION_RECORD *rec);
NT __attribute__((noreturn, used)) void wv_nt_rtlraise_core(EXCEPTION_RECORD *rec, DWORD64 b, DWORD64 c, DWORD64 d,
                                                            CONTEXT *ctx, const DWORD64 *stack)
{
    (void)b, (void)c, (void)d, (void)stack;
    EXCEPTION_RECORD probe;
    if (!wv_seh_read(&probe, (uintptr_t)rec, sizeof(probe)))
        wv_seh_raise_status(STATUS_ACCESS_VIOLATION, NULL, ctx);
    rec->ExceptionAddress = (PVOID)(uintptr_t)ctx->Rip;
    wv_seh_raise(rec, ctx);
}
WV_CAPTURING("wv_nt_RtlRaiseException", "wv_nt_rtlraise_core");

/* ---- unwinding ---- */

NT __attribute__((noreturn, used)) void wv_nt_unwindex_core(PVOID frame, PVOID ip, EXCEPTION_RECORD *rec, PVOID retval,
                                                            CONTEXT *ctx, const DWORD64 *stack)
{
    wv_seh_unwind((uintptr_t)frame, (uintptr_t)ip, rec, (uintptr_t)retval, (CONTEXT *)(uintptr_t)stack[0], ctx);
}
WV_CAPTURING("wv_nt_RtlUnwindEx", "wv_nt_unwindex_core");

NT __attribute__((noreturn, used)) void wv_nt_unwind_core(PVOID frame, PVOID ip, EXCEPTION_RECORD *rec, PVOID retval,
                                                          CONTEXT *ctx, const DWORD64 *stack)
{
    (void)stack;
    wv_seh_unwind((uintptr_t)frame, (uintptr_t)ip, rec, (uintptr_t)retval, NULL, ctx);
}
WV_CAPTURING("wv_nt_RtlUnwind", "wv_nt_unwind_core");

NT __attribute__((used)) WORD wv_nt_backtrace_core(DWORD skip, DWORD count, PVOID *out, DWORD *hash, CONTEXT *ctx,
                                                   const DWORD64 *stack)
{
    (void)stack;
    return out ? wv_seh_backtrace(ctx, skip, count, out, hash) : 0;
}
WV_CAPTURING("wv_nt_RtlCaptureStackBackTrace", "wv_nt_backtrace_core");

/* A CONTEXT PE code hands over: restored, or STATUS_ACCESS_VIOLATION when unreadable. */
WV_MSABI void wv_nt_RtlRestoreContext(CONTEXT *ctx, EXCEPTION_RECORD *rec)
{
    CONTEXT c;
    if (!wv_seh_read(&c, (uintptr_t)ctx, sizeof(c))) {
        CONTEXT here;
        wv_seh_capture(&here);
        wv_seh_raise_status(STATUS_ACCESS_VIOLATION, NULL, &here);
    }
    wv_seh_restore_rec(&c, rec, ctx);
}

/* alert: the queued APCs run first, above c (Windows' NtContinue(ctx, TRUE): an APC routine's
 * unwinds and exceptions walk on from c's frame). */
NT DWORD wv_nt_NtContinue(CONTEXT *ctx, BOOLEAN alert)
{
    CONTEXT c;
    if (!wv_seh_read(&c, (uintptr_t)ctx, sizeof(c)))
        return STATUS_ACCESS_VIOLATION;
    if (alert)
        wv_apc_deliver_at(&c);
    wv_seh_restore_xs(&c, ctx); /* the AVX state from ctx's XSTATE area, if it has one */
}

/* ---- function tables ---- */

WV_MSABI PRUNTIME_FUNCTION wv_nt_RtlLookupFunctionEntry(DWORD64 pc, DWORD64 *base, PVOID history)
{
    (void)history; /* a cache only; the lookup is fast enough without */
    DWORD64 b;
    PRUNTIME_FUNCTION f = wv_seh_lookup(pc, &b);
    if (base)
        *base = b;
    return f;
}

WV_MSABI PEXCEPTION_ROUTINE wv_nt_RtlVirtualUnwind(DWORD type, DWORD64 base, DWORD64 pc, PRUNTIME_FUNCTION fe,
                                                   CONTEXT *ctx, PVOID *data, DWORD64 *frame,
                                                   KNONVOLATILE_CONTEXT_POINTERS *ptrs)
{
    PEXCEPTION_ROUTINE h = NULL;
    PVOID d = NULL;
    DWORD64 f = 0;
    CONTEXT c;
    if (!wv_seh_read(&c, (uintptr_t)ctx, sizeof(c)) ||
        wv_seh_virtual_unwind(type, base, pc, fe, &c, &h, &d, &f, ptrs))
        return NULL;
    memcpy(ctx, &c, sizeof(c));
    if (frame)
        *frame = f;
    if (h && data) /* Windows writes the handler's data only when it returns a handler */
        *data = d;
    return h;
}

WV_MSABI PVOID wv_nt_RtlPcToFileHeader(PVOID pc, PVOID *base)
{
    void *b = wv_seh_image_base((uintptr_t)pc);
    if (base)
        *base = b;
    return b;
}

WV_MSABI BOOLEAN wv_nt_RtlAddFunctionTable(PRUNTIME_FUNCTION table, DWORD count, DWORD64 base)
{
    return wv_seh_table_add(table, count, base);
}

WV_MSABI BOOLEAN wv_nt_RtlDeleteFunctionTable(PRUNTIME_FUNCTION table) { return wv_seh_table_delete(table); }

WV_MSABI BOOLEAN wv_nt_RtlInstallFunctionTableCallback(DWORD64 id, DWORD64 base, DWORD length,
                                                       PGET_RUNTIME_FUNCTION_CALLBACK cb, PVOID context,
                                                       LPCWSTR dll)
{
    if (dll) /* an out-of-process helper DLL: for debuggers, not served */
        return FALSE;
    return wv_seh_table_callback(id, base, length, cb, context);
}

WV_MSABI LPTOP_LEVEL_EXCEPTION_FILTER wv_nt_SetUnhandledExceptionFilter(LPTOP_LEVEL_EXCEPTION_FILTER f)
{
    return (LPTOP_LEVEL_EXCEPTION_FILTER)wv_seh_set_filter((wv_pe_filter)f);
}

/* ntdll's: replaces kernel32's UnhandledExceptionFilter as the thread start's filter. */
WV_MSABI void wv_nt_RtlSetUnhandledExceptionFilter(LPTOP_LEVEL_EXCEPTION_FILTER f)
{
    wv_seh_set_start_filter((wv_pe_filter)f);
}

/* kernel32's (Windows' ntdll has no such export).  Pointers the caller names are read through
 * wv_seh_read: unreadable ones are not followed (EXCEPTION_CONTINUE_SEARCH). */
WV_MSABI LONG wv_nt_UnhandledExceptionFilter(EXCEPTION_POINTERS *ep)
{
    EXCEPTION_POINTERS copy;
    EXCEPTION_RECORD rec;
    if (!ep || !wv_seh_read(&copy, (uintptr_t)ep, sizeof(copy)) ||
        !wv_seh_read(&rec, (uintptr_t)copy.ExceptionRecord, sizeof(rec)))
        return EXCEPTION_CONTINUE_SEARCH;
    return wv_seh_unhandled_filter(ep);
}

/* ---- the memory calls of nt/ (winvm/ntdll.h), behind the Windows convention ---- */

WV_THUNK_6(wv_nt_, NTSTATUS, NtAllocateVirtualMemory, HANDLE, PVOID *, ULONG_PTR, PSIZE_T, ULONG, ULONG)
WV_THUNK_7(wv_nt_, NTSTATUS, NtAllocateVirtualMemoryEx, HANDLE, PVOID *, PSIZE_T, ULONG, ULONG,
           PMEM_EXTENDED_PARAMETER, ULONG)
/* Nine arguments, more than the thunk macros take. */
WV_THUNK_ABI NTSTATUS wv_nt_NtMapViewOfSectionEx(HANDLE s, HANDLE p, PVOID *base, PLARGE_INTEGER off, PSIZE_T size,
                                                 ULONG type, ULONG protect, PMEM_EXTENDED_PARAMETER ext, ULONG n)
{
    return NtMapViewOfSectionEx(s, p, base, off, size, type, protect, ext, n);
}
WV_THUNK_4(wv_nt_, NTSTATUS, NtFlushVirtualMemory, HANDLE, PVOID *, PSIZE_T, PIO_STATUS_BLOCK)
WV_THUNK_4(wv_nt_, NTSTATUS, NtFreeVirtualMemory, HANDLE, PVOID *, PSIZE_T, ULONG)
WV_THUNK_7(wv_nt_, NTSTATUS, NtGetWriteWatch, HANDLE, ULONG, PVOID, SIZE_T, PVOID *, PULONG_PTR, PULONG)
WV_THUNK_4(wv_nt_, NTSTATUS, NtLockVirtualMemory, HANDLE, PVOID *, PSIZE_T, ULONG)
WV_THUNK_5(wv_nt_, NTSTATUS, NtProtectVirtualMemory, HANDLE, PVOID *, PSIZE_T, ULONG, PULONG)
WV_THUNK_4(wv_nt_, NTSTATUS, NtQuerySystemInformation, SYSTEM_INFORMATION_CLASS, PVOID, ULONG, PULONG)
WV_THUNK_6(wv_nt_, NTSTATUS, NtQueryVirtualMemory, HANDLE, PVOID, MEMORY_INFORMATION_CLASS, PVOID, SIZE_T, PSIZE_T)
WV_THUNK_5(wv_nt_, NTSTATUS, NtReadVirtualMemory, HANDLE, PVOID, PVOID, SIZE_T, PSIZE_T)
WV_THUNK_3(wv_nt_, NTSTATUS, NtResetWriteWatch, HANDLE, PVOID, SIZE_T)
WV_THUNK_6(wv_nt_, NTSTATUS, NtSetInformationVirtualMemory, HANDLE, VIRTUAL_MEMORY_INFORMATION_CLASS, ULONG_PTR,
           PMEMORY_RANGE_ENTRY, PVOID, ULONG)
WV_THUNK_4(wv_nt_, NTSTATUS, NtUnlockVirtualMemory, HANDLE, PVOID *, PSIZE_T, ULONG)
WV_THUNK_5(wv_nt_, NTSTATUS, NtWriteVirtualMemory, HANDLE, PVOID, const void *, SIZE_T, PSIZE_T)
WV_THUNK_1(wv_nt_, ULONG, RtlNtStatusToDosError, NTSTATUS)
WV_THUNK_1(wv_nt_, NTSTATUS, RtlGetVersion, PRTL_OSVERSIONINFOW)
WV_THUNK_2(wv_nt_, NTSTATUS, NtAreMappedFilesTheSame, PVOID, PVOID)
WV_THUNK_7(wv_nt_, NTSTATUS, NtCreateSection, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, PLARGE_INTEGER, ULONG, ULONG,
           HANDLE)
WV_THUNK_2(wv_nt_, NTSTATUS, NtExtendSection, HANDLE, PLARGE_INTEGER)
WV_THUNK_3(wv_nt_, NTSTATUS, NtOpenSection, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES)
WV_THUNK_5(wv_nt_, NTSTATUS, NtQuerySection, HANDLE, SECTION_INFORMATION_CLASS, PVOID, SIZE_T, PSIZE_T)
WV_THUNK_2(wv_nt_, NTSTATUS, NtUnmapViewOfSection, HANDLE, PVOID)
WV_THUNK_3(wv_nt_, NTSTATUS, NtUnmapViewOfSectionEx, HANDLE, PVOID, ULONG)
/* Ten arguments: no thunk macro goes that far. */
WV_THUNK_ABI NTSTATUS wv_nt_NtMapViewOfSection(HANDLE section, HANDLE process, PVOID *base, ULONG_PTR zero_bits,
                                               SIZE_T commit, PLARGE_INTEGER off, PSIZE_T size,
                                               SECTION_INHERIT inherit, ULONG type, ULONG prot)
{
    return NtMapViewOfSection(section, process, base, zero_bits, commit, off, size, inherit, type, prot);
}

/* ntdll_ldr.c */
WV_MSABI NTSTATUS wv_nt_LdrFindEntryForAddress(PVOID addr, PVOID *entry);
WV_MSABI NTSTATUS wv_nt_LdrGetDllHandle(LPCWSTR path, PULONG flags, const UNICODE_STRING *name, PVOID *base);
WV_MSABI NTSTATUS wv_nt_LdrLoadDll(LPCWSTR path, PULONG chars, const UNICODE_STRING *name, PVOID *base);
WV_MSABI NTSTATUS wv_nt_LdrUnloadDll(PVOID base);
/* k32_modname.c */
WV_MSABI NTSTATUS wv_nt_LdrGetDllFullName(HMODULE h, UNICODE_STRING *name);
WV_MSABI void wv_nt_LdrShutdownProcess(void);
WV_MSABI NTSTATUS wv_nt_LdrLockLoaderLock(ULONG flags, ULONG *disposition, ULONG_PTR *cookie);
WV_MSABI NTSTATUS wv_nt_LdrUnlockLoaderLock(ULONG flags, ULONG_PTR cookie);
WV_MSABI USHORT *wv_nt_LdrProcessRelocationBlock(ULONG_PTR page, ULONG count, USHORT *relocs, LONG_PTR delta);
WV_MSABI NTSTATUS wv_nt_NtClose(HANDLE h);
WV_MSABI BOOLEAN wv_nt_RtlCreateUnicodeStringFromAsciiz(PUNICODE_STRING dst, LPCSTR src);
/* ntdll_rtlheap.c */
WV_MSABI PVOID wv_nt_RtlAllocateHeap(HANDLE heap, ULONG flags, SIZE_T size);
WV_MSABI PVOID wv_nt_RtlReAllocateHeap(HANDLE heap, ULONG flags, PVOID p, SIZE_T size);
WV_MSABI BOOLEAN wv_nt_RtlFreeHeap(HANDLE heap, ULONG flags, PVOID p);
WV_MSABI void wv_nt_RtlZeroMemory(PVOID p, SIZE_T n);
WV_MSABI BOOLEAN wv_nt_RtlCreateUnicodeString(PUNICODE_STRING dst, LPCWSTR src);
WV_MSABI void *wv_nt_RtlFindExportedRoutineByName(HMODULE base, const char *name);
WV_MSABI void wv_nt_RtlFreeUnicodeString(PUNICODE_STRING str);
WV_MSABI void *wv_nt_RtlImageNtHeader(HMODULE base);
WV_MSABI void *wv_nt_RtlGetUnloadEventTrace(void);
WV_MSABI NTSTATUS wv_nt_RtlWow64GetThreadContext(HANDLE h, void *ctx);
WV_MSABI NTSTATUS wv_nt_RtlWow64SetThreadContext(HANDLE h, const void *ctx);
WV_MSABI NTSTATUS wv_nt_NtCallbackReturn(PVOID result, ULONG len, NTSTATUS status);
WV_MSABI NTSTATUS wv_nt_NtSuspendProcess(HANDLE h);
WV_MSABI NTSTATUS wv_nt_NtResumeProcess(HANDLE h);
WV_MSABI void wv_nt_RtlGetUnloadEventTraceEx(ULONG **size, ULONG **count, void **trace);
WV_MSABI void wv_nt_RtlInitUnicodeString(PUNICODE_STRING dst, LPCWSTR src);

/* ntdll_stack.c; kusd.c: the XSTATE features */
WV_MSABI NTSTATUS wv_nt_RtlCreateUserStack(SIZE_T commit, SIZE_T reserve, ULONG zero_bits, SIZE_T commit_align,
                                           SIZE_T reserve_align, void *out);
WV_MSABI void wv_nt_RtlFreeUserStack(void *stack);
WV_MSABI NTSTATUS wv_nt_RtlCreateUserThread(HANDLE process, void *sd, BOOLEAN suspended, ULONG zero_bits,
                                            SIZE_T reserve, SIZE_T commit, void *start, void *arg, HANDLE *handle,
                                            void *cid);
WV_MSABI DWORD64 wv_nt_RtlGetEnabledExtendedFeatures(DWORD64 mask);

/* ntdll_str.c */
WV_MSABI NTSTATUS wv_nt_RtlAnsiStringToUnicodeString(PUNICODE_STRING uni, const ANSI_STRING *ansi, BOOLEAN alloc);
WV_MSABI NTSTATUS wv_nt_RtlAppendUnicodeStringToString(PUNICODE_STRING dst, const UNICODE_STRING *src);
WV_MSABI NTSTATUS wv_nt_RtlAppendUnicodeToString(PUNICODE_STRING dst, LPCWSTR src);
WV_MSABI LONG wv_nt_RtlCompareUnicodeString(const UNICODE_STRING *s1, const UNICODE_STRING *s2, BOOLEAN ci);
WV_MSABI void wv_nt_RtlCopyUnicodeString(PUNICODE_STRING dst, const UNICODE_STRING *src);
WV_MSABI BOOLEAN wv_nt_RtlEqualUnicodeString(const UNICODE_STRING *s1, const UNICODE_STRING *s2, BOOLEAN ci);
WV_MSABI void wv_nt_RtlFreeAnsiString(PANSI_STRING str);
WV_MSABI void wv_nt_RtlInitAnsiString(PANSI_STRING dst, const char *src);
WV_MSABI NTSTATUS wv_nt_RtlUnicodeStringToAnsiString(PANSI_STRING ansi, const UNICODE_STRING *uni, BOOLEAN alloc);

/* ntdll_timer.c (NtSetTimer: a PE caller's APC routine is ms_abi) */
WV_THUNK_4(wv_nt_, NTSTATUS, NtCreateTimer, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, TIMER_TYPE)
WV_THUNK_3(wv_nt_, NTSTATUS, NtOpenTimer, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES)
WV_THUNK_2(wv_nt_, NTSTATUS, NtCancelTimer, HANDLE, PBOOLEAN)
WV_THUNK_5(wv_nt_, NTSTATUS, NtQueryTimer, HANDLE, TIMER_INFORMATION_CLASS, PVOID, ULONG, PULONG)
WV_MSABI NTSTATUS wv_nt_NtSetTimer(HANDLE h, PLARGE_INTEGER due, void *fn, PVOID ctx, BOOLEAN resume, LONG period,
                                   PBOOLEAN prev);

/* ntdll_sync.c: events, mutants, semaphores */
WV_THUNK_5(wv_nt_, NTSTATUS, NtCreateEvent, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, EVENT_TYPE, BOOLEAN)
WV_THUNK_3(wv_nt_, NTSTATUS, NtOpenEvent, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES)
WV_THUNK_2(wv_nt_, NTSTATUS, NtSetEvent, HANDLE, PLONG)
WV_THUNK_2(wv_nt_, NTSTATUS, NtResetEvent, HANDLE, PLONG)
WV_THUNK_1(wv_nt_, NTSTATUS, NtClearEvent, HANDLE)
WV_THUNK_2(wv_nt_, NTSTATUS, NtPulseEvent, HANDLE, PLONG)
WV_THUNK_5(wv_nt_, NTSTATUS, NtQueryEvent, HANDLE, EVENT_INFORMATION_CLASS, PVOID, ULONG, PULONG)
WV_THUNK_4(wv_nt_, NTSTATUS, NtCreateMutant, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, BOOLEAN)
WV_THUNK_3(wv_nt_, NTSTATUS, NtOpenMutant, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES)
WV_THUNK_2(wv_nt_, NTSTATUS, NtReleaseMutant, HANDLE, PLONG)
WV_THUNK_5(wv_nt_, NTSTATUS, NtQueryMutant, HANDLE, MUTANT_INFORMATION_CLASS, PVOID, ULONG, PULONG)
WV_THUNK_5(wv_nt_, NTSTATUS, NtCreateSemaphore, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, LONG, LONG)
WV_THUNK_3(wv_nt_, NTSTATUS, NtOpenSemaphore, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES)
WV_THUNK_3(wv_nt_, NTSTATUS, NtReleaseSemaphore, HANDLE, ULONG, PULONG)
WV_THUNK_5(wv_nt_, NTSTATUS, NtQuerySemaphore, HANDLE, SEMAPHORE_INFORMATION_CLASS, PVOID, ULONG, PULONG)
/* ntdll_wait.c, ntdll_apc.c (NtQueueApcThread: a PE caller's routine is ms_abi), ntdll_object.c */
WV_THUNK_4(wv_ntcore_, NTSTATUS, NtSignalAndWaitForSingleObject, HANDLE, HANDLE, BOOLEAN, PLARGE_INTEGER)
WV_THUNK_2(wv_ntcore_, NTSTATUS, NtDelayExecution, BOOLEAN, PLARGE_INTEGER)
WV_MSABI NTSTATUS wv_nt_NtQueueApcThread(HANDLE h, void *fn, ULONG_PTR a1, ULONG_PTR a2, ULONG_PTR a3);
WV_THUNK_0(wv_ntcore_, NTSTATUS, NtTestAlert)
WV_THUNK_0(wv_nt_, NTSTATUS, NtYieldExecution)
WV_THUNK_7(wv_nt_, NTSTATUS, NtDuplicateObject, HANDLE, HANDLE, HANDLE, PHANDLE, ACCESS_MASK, ULONG, ULONG)
WV_THUNK_5(wv_nt_, NTSTATUS, NtQueryObject, HANDLE, OBJECT_INFORMATION_CLASS, PVOID, ULONG, PULONG)
/* ntdll_objdir.c, ntdll_objdir_query.c: the object namespace */
WV_THUNK_3(wv_nt_, NTSTATUS, NtCreateDirectoryObject, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES)
WV_THUNK_3(wv_nt_, NTSTATUS, NtOpenDirectoryObject, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES)
WV_THUNK_7(wv_nt_, NTSTATUS, NtQueryDirectoryObject, HANDLE, PVOID, ULONG, BOOLEAN, BOOLEAN, PULONG, PULONG)
WV_THUNK_4(wv_nt_, NTSTATUS, NtCreateSymbolicLinkObject, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, PUNICODE_STRING)
WV_THUNK_3(wv_nt_, NTSTATUS, NtOpenSymbolicLinkObject, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES)
WV_THUNK_3(wv_nt_, NTSTATUS, NtQuerySymbolicLinkObject, HANDLE, PUNICODE_STRING, PULONG)
WV_THUNK_4(wv_nt_, NTSTATUS, NtCreateDebugObject, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, ULONG)

/* ntdll_reg.c, ntdll_regval.c: the registry */
WV_THUNK_7(wv_nt_, NTSTATUS, NtCreateKey, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, ULONG, PUNICODE_STRING, ULONG, PULONG)
WV_THUNK_3(wv_nt_, NTSTATUS, NtOpenKey, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES)
WV_THUNK_4(wv_nt_, NTSTATUS, NtOpenKeyEx, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, ULONG)
WV_THUNK_1(wv_nt_, NTSTATUS, NtDeleteKey, HANDLE)
WV_THUNK_1(wv_nt_, NTSTATUS, NtFlushKey, HANDLE)
WV_THUNK_5(wv_nt_, NTSTATUS, NtQueryKey, HANDLE, KEY_INFORMATION_CLASS, PVOID, ULONG, PULONG)
WV_THUNK_6(wv_nt_, NTSTATUS, NtEnumerateKey, HANDLE, ULONG, KEY_INFORMATION_CLASS, PVOID, ULONG, PULONG)
WV_THUNK_6(wv_nt_, NTSTATUS, NtSetValueKey, HANDLE, PUNICODE_STRING, ULONG, ULONG, PVOID, ULONG)
WV_THUNK_6(wv_nt_, NTSTATUS, NtQueryValueKey, HANDLE, PUNICODE_STRING, KEY_VALUE_INFORMATION_CLASS, PVOID, ULONG,
           PULONG)
WV_THUNK_6(wv_nt_, NTSTATUS, NtEnumerateValueKey, HANDLE, ULONG, KEY_VALUE_INFORMATION_CLASS, PVOID, ULONG, PULONG)
WV_THUNK_2(wv_nt_, NTSTATUS, NtDeleteValueKey, HANDLE, PUNICODE_STRING)
WV_THUNK_2(wv_nt_, NTSTATUS, RtlOpenCurrentUser, ACCESS_MASK, PHANDLE)
WV_THUNK_1(wv_nt_, NTSTATUS, RtlFormatCurrentUserKeyPath, PUNICODE_STRING)
WV_THUNK_2(wv_nt_, NTSTATUS, RtlCheckRegistryKey, ULONG, LPWSTR)
WV_THUNK_2(wv_nt_, NTSTATUS, RtlCreateRegistryKey, ULONG, LPWSTR)
WV_THUNK_6(wv_nt_, NTSTATUS, RtlWriteRegistryValue, ULONG, LPCWSTR, LPCWSTR, ULONG, PVOID, ULONG)

/* ntdll_keyed.c: keyed events, alerts by thread id (ntdll_resource.c's entries: synch_int.h) */
WV_THUNK_4(wv_nt_, NTSTATUS, NtCreateKeyedEvent, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, ULONG)
WV_THUNK_4(wv_nt_, NTSTATUS, NtCreateIoCompletion, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, ULONG)
WV_THUNK_3(wv_nt_, NTSTATUS, NtOpenIoCompletion, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES)
WV_THUNK_5(wv_nt_, NTSTATUS, NtSetIoCompletion, HANDLE, ULONG_PTR, ULONG_PTR, NTSTATUS, SIZE_T)
WV_THUNK_5(wv_nt_, NTSTATUS, NtRemoveIoCompletion, HANDLE, PULONG_PTR, PULONG_PTR, PIO_STATUS_BLOCK, PLARGE_INTEGER)
WV_THUNK_6(wv_nt_, NTSTATUS, NtRemoveIoCompletionEx, HANDLE, FILE_IO_COMPLETION_INFORMATION *, ULONG, ULONG *,
           PLARGE_INTEGER, BOOLEAN)
WV_THUNK_5(wv_nt_, NTSTATUS, NtQueryIoCompletion, HANDLE, IO_COMPLETION_INFORMATION_CLASS, PVOID, ULONG, PULONG)
/* job.c, job_info.c: job objects */
WV_THUNK_3(wv_nt_, NTSTATUS, NtCreateJobObject, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES)
WV_THUNK_3(wv_nt_, NTSTATUS, NtOpenJobObject, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES)
WV_THUNK_2(wv_nt_, NTSTATUS, NtAssignProcessToJobObject, HANDLE, HANDLE)
WV_THUNK_2(wv_nt_, NTSTATUS, NtIsProcessInJob, HANDLE, HANDLE)
WV_THUNK_2(wv_nt_, NTSTATUS, NtTerminateJobObject, HANDLE, NTSTATUS)
WV_THUNK_5(wv_nt_, NTSTATUS, NtQueryInformationJobObject, HANDLE, JOBOBJECTINFOCLASS, PVOID, ULONG, PULONG)
WV_THUNK_4(wv_nt_, NTSTATUS, NtSetInformationJobObject, HANDLE, JOBOBJECTINFOCLASS, PVOID, ULONG)
/* delayload.c */
WV_THUNK_6(wv_nt_, PVOID, LdrResolveDelayLoadedAPI, PVOID, const IMAGE_DELAYLOAD_DESCRIPTOR *,
           PDELAYLOAD_FAILURE_DLL_CALLBACK, PDELAYLOAD_FAILURE_SYSTEM_ROUTINE, ULONGLONG *, ULONG)
/* ntdll_token.c, ntdll_tokinfo.c, ntdll_tokpriv.c: access tokens */
WV_THUNK_3(wv_nt_, NTSTATUS, NtOpenProcessToken, HANDLE, ACCESS_MASK, PHANDLE)
WV_THUNK_4(wv_nt_, NTSTATUS, NtOpenProcessTokenEx, HANDLE, ACCESS_MASK, ULONG, PHANDLE)
WV_THUNK_4(wv_nt_, NTSTATUS, NtOpenThreadToken, HANDLE, ACCESS_MASK, BOOLEAN, PHANDLE)
WV_THUNK_5(wv_nt_, NTSTATUS, NtOpenThreadTokenEx, HANDLE, ACCESS_MASK, BOOLEAN, ULONG, PHANDLE)
WV_THUNK_5(wv_nt_, NTSTATUS, NtQueryInformationToken, HANDLE, TOKEN_INFORMATION_CLASS, PVOID, ULONG, PULONG)
WV_THUNK_6(wv_nt_, NTSTATUS, NtAdjustPrivilegesToken, HANDLE, BOOLEAN, PTOKEN_PRIVILEGES, ULONG, PTOKEN_PRIVILEGES,
           PULONG)
WV_THUNK_6(wv_nt_, NTSTATUS, NtDuplicateToken, HANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, BOOLEAN, TOKEN_TYPE, PHANDLE)
WV_THUNK_3(wv_nt_, NTSTATUS, NtOpenKeyedEvent, PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES)
WV_THUNK_4(wv_nt_, NTSTATUS, NtWaitForKeyedEvent, HANDLE, PVOID, BOOLEAN, PLARGE_INTEGER)
WV_THUNK_4(wv_nt_, NTSTATUS, NtReleaseKeyedEvent, HANDLE, PVOID, BOOLEAN, PLARGE_INTEGER)
WV_THUNK_1(wv_nt_, NTSTATUS, NtAlertThreadByThreadId, HANDLE)
WV_THUNK_2(wv_nt_, NTSTATUS, NtWaitForAlertByThreadId, const void *, PLARGE_INTEGER)

/* ntdll_wait.c */
WV_MSABI NTSTATUS wv_ntcore_NtWaitForSingleObject(HANDLE h, BOOLEAN alertable, PLARGE_INTEGER timeout);
WV_MSABI NTSTATUS wv_ntcore_NtWaitForMultipleObjects(ULONG n, const HANDLE *handles, int type, BOOLEAN alertable,
                                                     PLARGE_INTEGER timeout);
/* The alertable calls: gates that deliver APCs above the caller's context (apc_gate.c). */
#define WV_NT_GATE(f, n)                                                                      \
    WV_ALERTABLE(wv_nt_##f, wv_ntcore_##f, n)                                                 \
    extern __attribute__((visibility("hidden"))) char wv_nt_##f[];
WV_NT_GATE(NtDelayExecution, 0)
WV_NT_GATE(NtSignalAndWaitForSingleObject, 0)
WV_NT_GATE(NtTestAlert, 0)
WV_NT_GATE(NtWaitForMultipleObjects, 1)
WV_NT_GATE(NtWaitForSingleObject, 0)

/* ntdll_context.c */
WV_MSABI NTSTATUS wv_nt_NtGetContextThread(HANDLE h, CONTEXT *c);
WV_MSABI NTSTATUS wv_nt_NtSetContextThread(HANDLE h, CONTEXT *c);

/* kusd.c: the times KUSER_SHARED_DATA holds */
WV_MSABI NTSTATUS wv_nt_NtQuerySystemTime(PLARGE_INTEGER out);
WV_MSABI BOOLEAN wv_nt_RtlQueryUnbiasedInterruptTime(ULONGLONG *out);

/* ntdll_thread.c */
WV_MSABI NTSTATUS wv_nt_NtResumeThread(HANDLE h, PULONG prev);
WV_MSABI NTSTATUS wv_nt_NtSuspendThread(HANDLE h, PULONG prev);
WV_MSABI NTSTATUS wv_nt_NtTerminateProcess(HANDLE h, NTSTATUS status);

/* msvcrt_fmt.c: ntdll's own small C runtime has _vsnprintf with msvcrt's limit rule (no
 * terminator when the text fills the buffer, -1 when it is longer): the same function. */
void wv_ms__vsnprintf(void);

/* ---- the exports, sorted by strcmp; each Nt* memory call also as Zw*, as on Windows ---- */

#define N(f) {#f, (void *)wv_nt_##f}
#define ZW(f) {"Zw" #f, (void *)wv_nt_Nt##f}
static const struct wv_export wv_nt_exports[] = {
#include "runtime/ntdll_table.h"
};
#undef N
#undef ZW
#define WV_NT_COUNT (sizeof(wv_nt_exports) / sizeof(wv_nt_exports[0]))

void *wv_nt_lookup(const char *name) { return wv_export_find(wv_nt_exports, WV_NT_COUNT, name); }

const char *wv_nt_name_at(size_t i) { return i < WV_NT_COUNT ? wv_nt_exports[i].name : NULL; }
