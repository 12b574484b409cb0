/* SPDX-License-Identifier: MIT */
/* ctx_ex_k32.c - kernel32's CONTEXT_EX calls over ntdll's (ctx_ex.c): InitializeContext(2),
 * LocateXStateFeature, Get/SetXStateFeaturesMask, CopyContext.  Results as Windows' (Wine's
 * test_extended_context records them): a CONTEXT not of this machine (no CONTEXT_AMD64 in its
 * ContextFlags) gets FALSE or NULL with the outputs and the last error left alone; x87 (feature
 * 0) and SSE (1) are the CONTEXT's FltSave; features past them are in the XSTATE area after it. */
#include "runtime/runtime.h"
#include "runtime/ctx_ex.h"
#include <winvm/ntdll.h>
#include <winvm/shareddata.h>

#include <stddef.h>

#define WV_XSTATE_FLAGS (CONTEXT_AMD64 | 0x40) /* CONTEXT_XSTATE */

/* An x86 or AMD64 context: too small a buffer (or none) gives ERROR_INSUFFICIENT_BUFFER and
 * the length needed; the context is not placed then. */
WV_MSABI BOOL wv_k32_InitializeContext2(void *buf, DWORD flags, CONTEXT **ctx, DWORD *length, DWORD64 mask)
{
    ULONG need;
    struct wv_context_ex *ex;
    NTSTATUS st = wv_nt_RtlGetExtendedContextLength2(flags, &need, mask);
    if (st) {
        SetLastError(RtlNtStatusToDosError(st));
        return FALSE;
    }
    if (!buf || *length < need) {
        *length = need;
        SetLastError(ERROR_INSUFFICIENT_BUFFER);
        return FALSE;
    }
    st = wv_nt_RtlInitializeExtendedContext2(buf, flags, &ex, mask);
    if (st) {
        SetLastError(RtlNtStatusToDosError(st));
        return FALSE;
    }
    *ctx = wv_nt_RtlLocateLegacyContext(ex, NULL);
    *length = need;
    return TRUE;
}

WV_MSABI BOOL wv_k32_InitializeContext(void *buf, DWORD flags, CONTEXT **ctx, DWORD *length)
{
    return wv_k32_InitializeContext2(buf, flags, ctx, length, ~(DWORD64)0);
}

static struct wv_context_ex *wv_ctx_ex_of(CONTEXT *ctx) { return (struct wv_context_ex *)(ctx + 1); }

static bool wv_has_xstate(const CONTEXT *ctx)
{
    return (ctx->ContextFlags & WV_XSTATE_FLAGS) == WV_XSTATE_FLAGS;
}

WV_MSABI void *wv_k32_LocateXStateFeature(CONTEXT *ctx, DWORD id, DWORD *length)
{
    if (!(ctx->ContextFlags & CONTEXT_AMD64))
        return NULL;
    if (id < 2) {
        ULONG xmm = offsetof(XSAVE_FORMAT, XmmRegisters);
        if (length)
            *length = id ? (ULONG)sizeof(ctx->FltSave.XmmRegisters) : xmm;
        return (BYTE *)&ctx->FltSave + (id ? xmm : 0);
    }
    if (!wv_has_xstate(ctx))
        return NULL;
    return wv_nt_RtlLocateExtendedFeature(wv_ctx_ex_of(ctx), id, (ULONG *)length);
}

/* x87 and SSE when CONTEXT_FLOATING_POINT is set; the XSTATE area's Mask for the rest. */
WV_MSABI BOOL wv_k32_GetXStateFeaturesMask(CONTEXT *ctx, DWORD64 *mask)
{
    if (!(ctx->ContextFlags & CONTEXT_AMD64))
        return FALSE;
    DWORD64 m = (ctx->ContextFlags & CONTEXT_FLOATING_POINT) == CONTEXT_FLOATING_POINT ? 3 : 0;
    if (wv_has_xstate(ctx))
        m |= wv_nt_RtlGetExtendedFeaturesMask(wv_ctx_ex_of(ctx));
    *mask = m;
    return TRUE;
}

/* x87 or SSE sets CONTEXT_FLOATING_POINT (never clears it); the rest goes to the XSTATE area.
 * A feature the context cannot hold (not enabled, or no XSTATE area): FALSE, nothing changed. */
WV_MSABI BOOL wv_k32_SetXStateFeaturesMask(CONTEXT *ctx, DWORD64 mask)
{
    if (!(ctx->ContextFlags & CONTEXT_AMD64))
        return FALSE;
    DWORD64 can = 3 | (wv_has_xstate(ctx) ? GetEnabledXStateFeatures() : 0);
    if (mask & ~can)
        return FALSE;
    if (mask & 3)
        ctx->ContextFlags |= CONTEXT_FLOATING_POINT;
    if (wv_has_xstate(ctx))
        wv_nt_RtlSetExtendedFeaturesMask(wv_ctx_ex_of(ctx), mask);
    return TRUE;
}

WV_MSABI BOOL wv_k32_CopyContext(CONTEXT *dst, DWORD flags, CONTEXT *src)
{
    NTSTATUS st = wv_nt_RtlCopyContext(dst, flags, src);
    if (st) {
        SetLastError(RtlNtStatusToDosError(st));
        return FALSE;
    }
    return TRUE;
}
