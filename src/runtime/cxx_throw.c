/* SPDX-License-Identifier: MIT */
/* cxx_throw.c - _CxxThrowException, MSVC's throw (msvcrt.dll, ucrtbase.dll, vcruntime140.dll),
 * and the calls into PE code the C++ handler makes.
 *
 * throw raises 0xE06D7363, noncontinuable, with four parameters as Windows x64 does: the magic
 * 0x19930520, the object, its ThrowInfo and the base of the image holding the ThrowInfo (its
 * RVAs count from there).  `throw;` is _CxxThrowException(NULL, NULL): the same record with
 * zeros, which the frame handler replaces by the exception the running catch handles.  The
 * exception is raised from the caller's context (captured at the call, WV_CAPTURING), so the
 * walk starts in the throwing function, as RaiseException's does.
 */
#include "runtime/cxx_int.h"
#include "runtime/thunk.h"

#include <string.h>

__attribute__((ms_abi, noreturn)) void wv_ucrt_terminate(void);

void wv_cxx_terminate(void) { wv_ucrt_terminate(); }

WV_MSABI __attribute__((noreturn, used)) void wv_cxx_throw_core(DWORD64 object, DWORD64 info, DWORD64 r8, DWORD64 r9,
                                                                CONTEXT *ctx, const DWORD64 *stack)
{
    (void)r8, (void)r9, (void)stack;
    PVOID base = NULL;
    if (info)
        wv_nt_RtlPcToFileHeader((PVOID)(uintptr_t)info, &base);
    wv_cxx_raise(object, info, (uintptr_t)base, ctx);
}

void wv_cxx_raise(uintptr_t object, uintptr_t info, uintptr_t base, CONTEXT *ctx)
{
    EXCEPTION_RECORD rec;
    memset(&rec, 0, sizeof(rec));
    rec.ExceptionCode = WV_CXX_EXCEPTION;
    rec.ExceptionFlags = EXCEPTION_NONCONTINUABLE;
    rec.ExceptionAddress = (PVOID)(uintptr_t)ctx->Rip;
    rec.NumberParameters = 4;
    rec.ExceptionInformation[0] = WV_CXX_MAGIC_VC6;
    rec.ExceptionInformation[1] = object;
    rec.ExceptionInformation[2] = info;
    rec.ExceptionInformation[3] = base;
    wv_seh_raise(&rec, ctx);
}
/* msvcrt.dll's, ucrtbase.dll's (the merged table) and vcruntime140.dll's entry. */
WV_CAPTURING("wv_ms__CxxThrowException", "wv_cxx_throw_core");

bool wv_cxx_is_cxx(const EXCEPTION_RECORD *rec)
{
    return rec->ExceptionCode == WV_CXX_EXCEPTION && rec->NumberParameters == 4 &&
           rec->ExceptionInformation[0] >= WV_CXX_MAGIC_VC6 && rec->ExceptionInformation[0] <= WV_CXX_MAGIC_VC8;
}

bool wv_cxx_ehs_passes(const EXCEPTION_RECORD *rec)
{
    return !wv_cxx_is_cxx(rec) && !wv_cxx_catch_of(rec) && rec->ExceptionCode != STATUS_LONGJUMP;
}

DWORD64 wv_cxx_call(DWORD64 fn, DWORD64 a, DWORD64 b, DWORD64 c, const CONTEXT *resume)
{
    struct wv_link link;
    wv_seh_link_init(&link, WV_LINK_PASS, resume);
    return wv_seh_callout((void *)(uintptr_t)fn, a, b, c, 0, &link);
}

void wv_cxx_destroy_object(const EXCEPTION_RECORD *rec, const CONTEXT *resume)
{
    struct wv_throw_info ti;
    DWORD64 object = rec->ExceptionInformation[1];
    if (!object || !wv_seh_read(&ti, rec->ExceptionInformation[2], sizeof(ti)) || !ti.destructor)
        return;
    wv_cxx_call(rec->ExceptionInformation[3] + (DWORD)ti.destructor, object, 0, 0, resume);
}
