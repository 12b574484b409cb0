/* SPDX-License-Identifier: MIT */
/* ctx_ex.h - CONTEXT_EX's calls (ctx_ex.c: ntdll's; ctx_ex_k32.c: kernel32's), ms_abi as PE
 * code calls them, for the export tables (ntdll.c, k32_exports.c). */
#ifndef WV_RUNTIME_CTX_EX_H
#define WV_RUNTIME_CTX_EX_H

#include "runtime/runtime.h"
#include <winvm/ntdll.h>

/* kusd.c: the XSTATE_CONFIGURATION at KUSER_SHARED_DATA's XState (0x338 bytes at xs). */
void wv_kusd_xstate(BYTE *xs);

struct wv_context_ex;
WV_MSABI NTSTATUS wv_nt_RtlGetExtendedContextLength(ULONG flags, ULONG *length);
WV_MSABI NTSTATUS wv_nt_RtlGetExtendedContextLength2(ULONG flags, ULONG *length, DWORD64 mask);
WV_MSABI NTSTATUS wv_nt_RtlInitializeExtendedContext(void *buf, ULONG flags, struct wv_context_ex **out);
WV_MSABI NTSTATUS wv_nt_RtlInitializeExtendedContext2(void *buf, ULONG flags, struct wv_context_ex **out,
                                                      DWORD64 mask);
WV_MSABI void *wv_nt_RtlLocateLegacyContext(struct wv_context_ex *ex, ULONG *length);
WV_MSABI void *wv_nt_RtlLocateExtendedFeature(struct wv_context_ex *ex, ULONG id, ULONG *length);
WV_MSABI void *wv_nt_RtlLocateExtendedFeature2(struct wv_context_ex *ex, ULONG id, const void *config,
                                               ULONG *length);
WV_MSABI DWORD64 wv_nt_RtlGetExtendedFeaturesMask(struct wv_context_ex *ex);
WV_MSABI void wv_nt_RtlSetExtendedFeaturesMask(struct wv_context_ex *ex, DWORD64 mask);
WV_MSABI NTSTATUS wv_nt_RtlCopyExtendedContext(struct wv_context_ex *dst, ULONG flags, struct wv_context_ex *src);
WV_MSABI NTSTATUS wv_nt_RtlCopyContext(CONTEXT *dst, ULONG flags, CONTEXT *src);
WV_MSABI BOOL wv_k32_InitializeContext(void *buf, DWORD flags, CONTEXT **ctx, DWORD *length);
WV_MSABI BOOL wv_k32_InitializeContext2(void *buf, DWORD flags, CONTEXT **ctx, DWORD *length, DWORD64 mask);
WV_MSABI void *wv_k32_LocateXStateFeature(CONTEXT *ctx, DWORD id, DWORD *length);
WV_MSABI BOOL wv_k32_GetXStateFeaturesMask(CONTEXT *ctx, DWORD64 *mask);
WV_MSABI BOOL wv_k32_SetXStateFeaturesMask(CONTEXT *ctx, DWORD64 mask);
WV_MSABI BOOL wv_k32_CopyContext(CONTEXT *dst, DWORD flags, CONTEXT *src);

/* ctx_ex.c: NtGetContextThread's XSTATE area on the calling thread (upper: ymm0-15's upper
 * halves, inuse: not in their initial state). */
NTSTATUS wv_ctx_xstate_get(CONTEXT *user, const BYTE *upper, bool inuse);

#endif /* WV_RUNTIME_CTX_EX_H */
