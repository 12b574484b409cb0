/* SPDX-License-Identifier: MIT */
/* cspecific.c - __C_specific_handler: the language handler of C code compiled with
 * __try/__except/__finally (MSVC, clang-cl), over the frame's scope table.
 *
 * The table (the unwind info's handler data) lists scopes innermost first: the code range of a
 * __try, its filter (or 1: always EXCEPTION_EXECUTE_HANDLER) and the __except block it jumps
 * to, or for a __finally the termination handler and no jump target.
 *
 * Dispatch: for each scope holding the frame's pc, from DISPATCHER_CONTEXT.ScopeIndex on, the
 * filter is called with the EXCEPTION_POINTERS and the frame; negative resumes execution,
 * zero searches on, positive unwinds to the __except block with the exception code in rax.
 * Unwind: each __finally whose scope holds pc runs (abnormal termination: TRUE), ScopeIndex
 * advanced first so that a collided unwind does not run it twice; in the target frame the
 * walk stops at the scope whose __except is the target, or whose range holds it.
 *
 * Filters and __finally blocks are PE code called through wv_seh_callout: an exception raised
 * in one walks on from this handler's own call (nested in the dispatch, or in the unwind).
 */
#include "seh/seh.h"

#include <string.h>

struct wv_scope {
    DWORD begin, end, handler, target;
};

#define WV_MAX_SCOPES 65536

static bool wv_scope_at(const DISPATCHER_CONTEXT *dc, DWORD i, struct wv_scope *s)
{
    return wv_seh_read(s, (uintptr_t)dc->HandlerData + 4 + (DWORD64)i * sizeof(*s), sizeof(*s));
}

/* Calls PE code fn(a, b) so that what it raises walks on from this handler's call. */
static DWORD64 wv_scope_call(DWORD64 fn, DWORD64 a, DWORD64 b, DISPATCHER_CONTEXT *dc, const CONTEXT *fallback)
{
    CONTEXT here;
    struct wv_link pass;
    struct wv_link *mine = wv_seh_link_of(dc);
    if (mine)
        wv_seh_link_position(mine, &here);
    wv_seh_link_init(&pass, WV_LINK_PASS, mine ? &here : fallback);
    return wv_seh_callout((void *)(uintptr_t)fn, a, b, 0, 0, &pass);
}

static EXCEPTION_DISPOSITION wv_scope_dispatch(EXCEPTION_RECORD *rec, DWORD64 frame, CONTEXT *ctx,
                                               DISPATCHER_CONTEXT *dc, DWORD count)
{
    DWORD64 pc = dc->ControlPc - dc->ImageBase;
    struct wv_scope s;
    for (DWORD i = dc->ScopeIndex; i < count && wv_scope_at(dc, i, &s); i++) {
        if (pc < s.begin || pc >= s.end || !s.target)
            continue;
        LONG v = EXCEPTION_EXECUTE_HANDLER;
        if (s.handler != EXCEPTION_EXECUTE_HANDLER) {
            EXCEPTION_POINTERS ep = {rec, ctx};
            v = (LONG)wv_scope_call(dc->ImageBase + s.handler, (uintptr_t)&ep, frame, dc, ctx);
        }
        if (v < 0)
            return ExceptionContinueExecution;
        if (v > 0) /* never returns: the unwind resumes at the __except block */
            wv_seh_unwind(frame, dc->ImageBase + s.target, rec, rec->ExceptionCode, dc->ContextRecord, ctx);
    }
    return ExceptionContinueSearch;
}

static EXCEPTION_DISPOSITION wv_scope_unwind(EXCEPTION_RECORD *rec, DWORD64 frame, CONTEXT *ctx,
                                             DISPATCHER_CONTEXT *dc, DWORD count)
{
    DWORD64 pc = dc->ControlPc - dc->ImageBase, target = dc->TargetIp - dc->ImageBase;
    bool in_target = rec->ExceptionFlags & EXCEPTION_TARGET_UNWIND;
    struct wv_scope s;
    for (DWORD i = dc->ScopeIndex; i < count && wv_scope_at(dc, i, &s); i++) {
        if (pc < s.begin || pc >= s.end)
            continue;
        if (in_target && (s.target == target || (target >= s.begin && target < s.end)))
            break; /* control stays in this scope (or goes to its __except) */
        if (s.target)
            continue; /* an __except: nothing to run while unwinding */
        dc->ScopeIndex = i + 1;
        wv_scope_call(dc->ImageBase + s.handler, TRUE, frame, dc, ctx);
    }
    return ExceptionContinueSearch;
}

EXCEPTION_DISPOSITION WV_MSABI wv_seh_c_specific_handler(EXCEPTION_RECORD *rec, PVOID frame, CONTEXT *ctx,
                                                         DISPATCHER_CONTEXT *dc)
{
    DWORD count;
    if (!dc || !wv_seh_read(&count, (uintptr_t)dc->HandlerData, sizeof(count)))
        return ExceptionContinueSearch;
    if (count > WV_MAX_SCOPES)
        count = WV_MAX_SCOPES;
    if (rec->ExceptionFlags & (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND))
        return wv_scope_unwind(rec, (uintptr_t)frame, ctx, dc, count);
    return wv_scope_dispatch(rec, (uintptr_t)frame, ctx, dc, count);
}
