/* runtime.h - what winvm serves to PE code: `winvm run` (run.c), threads (thread.c), waits and
 * synchronisation objects (sync.c), kernel32.dll (kernel32.c, k32_crt.c, k32_exports.c) and
 * msvcrt.dll (msvcrt*.c: msvcrt.c's header lists them; their private header is msvcrt_int.h).
 * The top layer: it may use every layer below.
 *
 * Locking: the wait lock (sync.c) guards every waitable object's state; it is a leaf (nothing
 * else is taken under it).  Each DLL's own locks (TLS slots, stdio) are leaves too.
 */
#ifndef WV_RUNTIME_H
#define WV_RUNTIME_H

#include "base/base.h"
#include "ob/ob.h"
#include "loader/loader.h"
#include "seh/seh.h"
#include "tool.h" /* winvm_run is defined here */

#include <pthread.h>
#include <stdio.h>

/* A DLL's exports served by winvm: sorted by strcmp, found by bisection. */
struct wv_export {
    const char *name;
    void *addr;
};
void *wv_export_find(const struct wv_export *table, size_t n, const char *name);

/* The ms_abi (Windows x64 calling convention) entry point of the kernel32.dll export with
 * this exact, case-sensitive name, as GetProcAddress would find it; NULL when winvm does not
 * provide it. */
void *wv_k32_lookup(const char *name);

/* The i-th export name in the table's (strcmp) order; NULL past the end.  For checks and
 * listings: the loader only needs wv_k32_lookup. */
const char *wv_k32_name_at(size_t i);

/* msvcrt.dll (msvcrt_exports.c): the same for the C runtime's exports (functions and variables). */
void *wv_crt_lookup(const char *name);
const char *wv_crt_name_at(size_t i);

/* ---- msvcrt_printf.c: printf reading a Windows va_list with Windows' type sizes ---- */
typedef __builtin_ms_va_list wv_ms_va;
/* Prints to f and flushes it; the length printed, -1 without f or fmt. */
int wv_crt_fprint(FILE *f, const char *fmt, wv_ms_va *ap);
/* Prints into buf, at most cap - 1 bytes and a terminator (none when cap is 0); the length
 * the whole output has. */
int wv_crt_sprint(char *buf, size_t cap, const char *fmt, wv_ms_va *ap);

/* ---- ntdll.c: ntdll.dll, and the exception calls kernel32 exports too (ms_abi) ---- */
void *wv_nt_lookup(const char *name);
const char *wv_nt_name_at(size_t i);
void WV_MSABI wv_nt_RaiseException(DWORD code, DWORD flags, DWORD nargs, const ULONG_PTR *args);
BOOLEAN WV_MSABI wv_nt_RtlAddFunctionTable(PRUNTIME_FUNCTION table, DWORD count, DWORD64 base);
WORD WV_MSABI wv_nt_RtlCaptureStackBackTrace(DWORD skip, DWORD count, PVOID *out, DWORD *hash);
BOOLEAN WV_MSABI wv_nt_RtlDeleteFunctionTable(PRUNTIME_FUNCTION table);
BOOLEAN WV_MSABI wv_nt_RtlInstallFunctionTableCallback(DWORD64 id, DWORD64 base, DWORD length,
                                                       PGET_RUNTIME_FUNCTION_CALLBACK cb, PVOID context,
                                                       LPCWSTR dll);
PRUNTIME_FUNCTION WV_MSABI wv_nt_RtlLookupFunctionEntry(DWORD64 pc, DWORD64 *base, PVOID history);
PVOID WV_MSABI wv_nt_RtlPcToFileHeader(PVOID pc, PVOID *base);
void WV_MSABI wv_nt_RtlRestoreContext(CONTEXT *ctx, EXCEPTION_RECORD *rec);
void WV_MSABI wv_nt_RtlUnwind(PVOID frame, PVOID ip, EXCEPTION_RECORD *rec, PVOID retval);
void WV_MSABI wv_nt_RtlUnwindEx(PVOID frame, PVOID ip, EXCEPTION_RECORD *rec, PVOID retval, CONTEXT *ctx,
                                PVOID history);
PEXCEPTION_ROUTINE WV_MSABI wv_nt_RtlVirtualUnwind(DWORD type, DWORD64 base, DWORD64 pc, PRUNTIME_FUNCTION fe,
                                                   CONTEXT *ctx, PVOID *data, DWORD64 *frame,
                                                   KNONVOLATILE_CONTEXT_POINTERS *ptrs);
WV_MSABI LPTOP_LEVEL_EXCEPTION_FILTER wv_nt_SetUnhandledExceptionFilter(LPTOP_LEVEL_EXCEPTION_FILTER f);
/* kernel32's table (k32_exports.c) names its entries k32_Name: these are ntdll.c's. */
#define k32_RaiseException wv_nt_RaiseException
#define k32_RtlAddFunctionTable wv_nt_RtlAddFunctionTable
#define k32_RtlCaptureContext wv_seh_capture
#define k32_RtlCaptureStackBackTrace wv_nt_RtlCaptureStackBackTrace
#define k32_RtlDeleteFunctionTable wv_nt_RtlDeleteFunctionTable
#define k32_RtlInstallFunctionTableCallback wv_nt_RtlInstallFunctionTableCallback
#define k32_RtlLookupFunctionEntry wv_nt_RtlLookupFunctionEntry
#define k32_RtlPcToFileHeader wv_nt_RtlPcToFileHeader
#define k32_RtlRestoreContext wv_nt_RtlRestoreContext
#define k32_RtlUnwind wv_nt_RtlUnwind
#define k32_RtlUnwindEx wv_nt_RtlUnwindEx
#define k32_RtlVirtualUnwind wv_nt_RtlVirtualUnwind
#define k32_SetUnhandledExceptionFilter wv_nt_SetUnhandledExceptionFilter

/* Registers kernel32 and msvcrt with the loader (once; cheap after). */
void wv_runtime_init(void);

/* ---- run.c ---- */
/* The command line GetCommandLineA/W return, quoted from argv as Windows quotes it. */
void wv_set_command_line(int argc, char **argv);
/* The program's arguments (winvm run's, else the Linux ones): argc, *argv set. */
int wv_command_args(char ***argv);

/* ---- attach.c ---- */
/* Gives a Linux thread without a TEB one (TLS blocks, DLL_THREAD_ATTACH): 0 or the error. */
DWORD wv_thread_adopt(void);
/* Fills the PEB's heap and process parameters (once; the PEB exists: a TEB was made); image
 * is the EXE's path, NULL for the Linux program's. */
void wv_peb_fill(const char *image);

/* ---- thread.c ---- */
/* The stack every new PE thread gets unless CreateThread asks otherwise (the EXE's headers). */
void wv_thread_set_stack_size(uint64_t reserve, uint64_t commit);
/* Whether a thread object has ended (wait lock held). */
bool wv_thread_signalled(struct wv_object *o);

/* ---- sync.c: every waitable object's state is guarded by this lock; changes broadcast ---- */
extern pthread_mutex_t wv_wait_lock;
extern pthread_cond_t wv_wait_cond;
/* CreateThread; pe: start is a PE (ms_abi) function, run with the Windows thread setup. */
HANDLE wv_thread_create(SIZE_T stack, LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags, LPDWORD tid, bool pe);

#endif
