/* SPDX-License-Identifier: MIT */
/* ctx_ex.c - CONTEXT_EX: ntdll's RtlGetExtendedContextLength(2), RtlInitializeExtendedContext(2),
 * RtlLocateLegacyContext, RtlLocateExtendedFeature(2), RtlGet/SetExtendedFeaturesMask,
 * RtlCopyContext, RtlCopyExtendedContext, and kernel32's InitializeContext(2),
 * LocateXStateFeature, Get/SetXStateFeaturesMask, CopyContext over them.
 *
 * Programs that see RtlGetEnabledExtendedFeatures exported take these as present.  Layout and
 * results as Windows' (Wine's test_extended_context and test_copy_context record them), for
 * AMD64 and x86 CONTEXTs alike: the CONTEXT_EX {All, Legacy, XState} right after the CONTEXT,
 * offsets relative to itself.  Without CONTEXT_XSTATE the XState chunk is {25, 0} and All
 * covers the CONTEXT and 0x18 bytes.  With it, an XSTATE area (the XSAVE header, then the
 * enabled features beyond x87 and SSE) starts at the next 64-byte boundary.  winvm enables x87,
 * SSE and, on a CPU with AVX, AVX (kusd.c, fault/xstate.c): the area is the 64-byte header and
 * AVX's 256 bytes then.  Bad pointers fault, as on Windows. */
#include "runtime/runtime.h"
#include "runtime/ctx_ex.h"
#include <winvm/ntdll.h>
#include <winvm/shareddata.h>

#include <cpuid.h>
#include <pthread.h>
#include <string.h>

#define WV_CTX_AMD64 0x00100000u
#define WV_CTX_I386 0x00010000u
#define WV_CTX_XSTATE_BIT 0x40u
#define WV_CTX_FP_BIT 0x8u
#define WV_XSAVE_HEADER 64u /* XSTATE's Mask, CompactionMask and reserved words */
#define WV_XSTATE_NONE_OFFSET 25 /* what Windows leaves in XState.Offset without CONTEXT_XSTATE */

typedef struct {
    LONG Offset;
    ULONG Length;
} WV_CONTEXT_CHUNK;

/* The x64 CONTEXT_EX has 8 more bytes of padding, never written: Windows aligns the x64
 * CONTEXT to 16 while the length it asks for allows 8, and those bytes may be past the buffer. */
typedef struct wv_context_ex {
    WV_CONTEXT_CHUNK All, Legacy, XState;
} WV_CONTEXT_EX;

/* A range of a CONTEXT copied when ContextFlags has flag. */
struct wv_ctx_range {
    USHORT start, end;
    ULONG flag;
};

static const struct wv_ctx_range wv_amd64_ranges[] = {
    {0x34, 0x38, 0x08}, {0x38, 0x3a, 0x01}, {0x3a, 0x42, 0x04},  {0x42, 0x48, 0x01},
    {0x48, 0x78, 0x10}, {0x78, 0x98, 0x02}, {0x98, 0xa0, 0x01},  {0xa0, 0xf8, 0x02},
    {0xf8, 0x100, 0x01}, {0x100, 0x2a0, 0x08}, {0x4b0, 0x4d0, 0x10}, {0, 0, 0},
};
static const struct wv_ctx_range wv_i386_ranges[] = {
    {0x04, 0x1c, 0x10}, {0x1c, 0x8c, 0x08}, {0x8c, 0x9c, 0x04}, {0x9c, 0xb4, 0x02},
    {0xb4, 0xcc, 0x01}, {0xcc, 0x1ec, 0x20}, {0, 0, 0},
};

/* One architecture's CONTEXT: the flags it takes, its size (legacy: without the x86
 * ExtendedRegisters), CONTEXT_EX's size, the slack the length adds, the alignment used. */
static const struct wv_ctx_arch {
    ULONG arch, flags, size, legacy, ex_size, slack, align, flags_off;
    const struct wv_ctx_range *ranges;
} wv_ctx_arches[2] = {
    {WV_CTX_AMD64, 0xd800005f, 0x4d0, 0x4d0, 0x20, 7, 16, 0x30, wv_amd64_ranges},
    {WV_CTX_I386, 0xd800007f, 0x2cc, 0xcc, 0x18, 3, 4, 0, wv_i386_ranges},
};

/* The architecture flags names, or NULL: exactly one architecture, no flag it does not know. */
static const struct wv_ctx_arch *wv_ctx_arch_of(ULONG flags)
{
    bool amd64 = (flags & WV_CTX_AMD64) != 0, i386 = (flags & WV_CTX_I386) != 0;
    if (amd64 == i386)
        return NULL;
    const struct wv_ctx_arch *p = &wv_ctx_arches[amd64 ? 0 : 1];
    return (flags & ~(p->arch | p->flags)) ? NULL : p;
}

/* XSAVEC: the XSTATE areas Windows makes are in the compacted form (CompactionMask bit 63). */
static bool wv_ctx_compacted(void)
{
    unsigned a, b, c, d;
    return __get_cpuid_count(0xd, 1, &a, &b, &c, &d) && (a & 2);
}

/* The XSTATE_CONFIGURATION (KUSER_SHARED_DATA's XState), read at its offsets. */
static DWORD64 wv_cfg_enabled(const BYTE *cfg)
{
    DWORD64 v;
    memcpy(&v, cfg, 8);
    return v;
}

static ULONG wv_cfg_u32(const BYTE *cfg, size_t off)
{
    ULONG v;
    memcpy(&v, cfg + off, 4);
    return v;
}

#define WV_CFG_FEATURE_OFFSET(i) (0x18 + 8 * (size_t)(i))
#define WV_CFG_ALL_FEATURES(i) (0x22c + 4 * (size_t)(i))

static BYTE wv_ctx_cfg[0x338];
static pthread_once_t wv_ctx_cfg_once = PTHREAD_ONCE_INIT;
static void wv_ctx_cfg_fill(void) { wv_kusd_xstate(wv_ctx_cfg); }

static const BYTE *wv_ctx_config(void)
{
    pthread_once(&wv_ctx_cfg_once, wv_ctx_cfg_fill);
    return wv_ctx_cfg;
}

/* The XSTATE area's size for the features in mask (those past SSE: x87 and SSE live in the
 * CONTEXT itself). */
static ULONG wv_xstate_size(const BYTE *cfg, DWORD64 mask)
{
    ULONG size = WV_XSAVE_HEADER;
    mask &= wv_cfg_enabled(cfg) & ~(DWORD64)3;
    for (unsigned i = 2; i < 64; i++)
        if (mask >> i & 1)
            size += wv_cfg_u32(cfg, WV_CFG_ALL_FEATURES(i));
    return size;
}

WV_MSABI NTSTATUS wv_nt_RtlGetExtendedContextLength2(ULONG flags, ULONG *length, DWORD64 mask)
{
    const struct wv_ctx_arch *p = wv_ctx_arch_of(flags);
    if (!p)
        return STATUS_INVALID_PARAMETER;
    if (!(flags & WV_CTX_XSTATE_BIT)) {
        *length = p->size + p->ex_size + p->slack;
        return 0;
    }
    const BYTE *cfg = wv_ctx_config();
    if (!wv_cfg_enabled(cfg))
        return STATUS_NOT_SUPPORTED;
    *length = p->size + p->ex_size + wv_xstate_size(cfg, mask) + 63;
    return 0;
}

WV_MSABI NTSTATUS wv_nt_RtlGetExtendedContextLength(ULONG flags, ULONG *length)
{
    return wv_nt_RtlGetExtendedContextLength2(flags, length, ~(DWORD64)0);
}

/* The XSTATE area after ex, made for the features in mask (CONTEXT_XSTATE given). */
static void wv_ctx_xstate_init(WV_CONTEXT_EX *ex, const struct wv_ctx_arch *p, DWORD64 mask)
{
    const BYTE *cfg = wv_ctx_config();
    uintptr_t xs = ((uintptr_t)ex + p->ex_size + 63) & ~(uintptr_t)63;
    ex->XState.Offset = (LONG)(xs - (uintptr_t)ex);
    ex->XState.Length = wv_xstate_size(cfg, mask);
    ex->All.Length = p->size + (ULONG)ex->XState.Offset + ex->XState.Length;
    DWORD64 cm = wv_ctx_compacted() ? (1ull << 63) | (mask & wv_cfg_enabled(cfg)) : 0;
    memset((void *)xs, 0, WV_XSAVE_HEADER);
    memcpy((BYTE *)xs + 8, &cm, 8);
}

WV_MSABI NTSTATUS wv_nt_RtlInitializeExtendedContext2(void *buf, ULONG flags, WV_CONTEXT_EX **out, DWORD64 mask)
{
    const struct wv_ctx_arch *p = wv_ctx_arch_of(flags);
    if (!p)
        return STATUS_INVALID_PARAMETER;
    if ((flags & WV_CTX_XSTATE_BIT) && !wv_cfg_enabled(wv_ctx_config()))
        return STATUS_NOT_SUPPORTED;
    BYTE *ctx = (BYTE *)(((uintptr_t)buf + p->align - 1) & ~(uintptr_t)(p->align - 1));
    memcpy(ctx + p->flags_off, &flags, 4);
    WV_CONTEXT_EX *ex = (WV_CONTEXT_EX *)(ctx + p->size);
    ex->Legacy.Offset = ex->All.Offset = -(LONG)p->size;
    ex->Legacy.Length = (flags & 0x20) ? p->size : p->legacy; /* x86 ExtendedRegisters */
    if (flags & WV_CTX_XSTATE_BIT) {
        wv_ctx_xstate_init(ex, p, mask);
    } else {
        ex->XState.Offset = WV_XSTATE_NONE_OFFSET;
        ex->XState.Length = 0;
        ex->All.Length = p->size + (ULONG)sizeof(WV_CONTEXT_EX);
    }
    *out = ex;
    return 0;
}

WV_MSABI NTSTATUS wv_nt_RtlInitializeExtendedContext(void *buf, ULONG flags, WV_CONTEXT_EX **out)
{
    return wv_nt_RtlInitializeExtendedContext2(buf, flags, out, ~(DWORD64)0);
}

WV_MSABI void *wv_nt_RtlLocateLegacyContext(WV_CONTEXT_EX *ex, ULONG *length)
{
    if (length)
        *length = ex->Legacy.Length;
    return (BYTE *)ex + ex->Legacy.Offset;
}

/* Feature id of the XSTATE area after ex, as cfg places it: at its standard offset, or in the
 * compacted form after the features below it that the area's CompactionMask names.  NULL for
 * x87 and SSE (in the CONTEXT), a feature cfg does not enable, or one past XState.Length. */
WV_MSABI void *wv_nt_RtlLocateExtendedFeature2(WV_CONTEXT_EX *ex, ULONG id, const void *config, ULONG *length)
{
    const BYTE *cfg = config;
    if (id < 2 || id >= 64 || !(wv_cfg_enabled(cfg) >> id & 1))
        return NULL;
    ULONG size = wv_cfg_u32(cfg, WV_CFG_ALL_FEATURES(id));
    if (length)
        *length = size;
    if (ex->XState.Length < WV_XSAVE_HEADER)
        return NULL;
    BYTE *xs = (BYTE *)ex + ex->XState.Offset;
    DWORD64 cm;
    memcpy(&cm, xs + 8, 8);
    ULONG off = wv_cfg_u32(cfg, WV_CFG_FEATURE_OFFSET(id)) - 512; /* the header is at 512 */
    if (cm >> 63) {
        if (!(cm >> id & 1))
            return NULL;
        off = WV_XSAVE_HEADER;
        for (ULONG i = 2; i < id; i++)
            if (cm >> i & 1)
                off += wv_cfg_u32(cfg, WV_CFG_ALL_FEATURES(i));
    }
    return off + size <= ex->XState.Length ? xs + off : NULL;
}

WV_MSABI void *wv_nt_RtlLocateExtendedFeature(WV_CONTEXT_EX *ex, ULONG id, ULONG *length)
{
    return wv_nt_RtlLocateExtendedFeature2(ex, id, wv_ctx_config(), length);
}

/* The XSTATE area's Mask less x87 and SSE; 0 when there is no area. */
WV_MSABI DWORD64 wv_nt_RtlGetExtendedFeaturesMask(WV_CONTEXT_EX *ex)
{
    DWORD64 m = 0;
    if (ex->XState.Length >= WV_XSAVE_HEADER)
        memcpy(&m, (BYTE *)ex + ex->XState.Offset, 8);
    return m & ~(DWORD64)3;
}

/* Mask becomes the enabled features of mask past SSE; CompactionMask is left as it is. */
WV_MSABI void wv_nt_RtlSetExtendedFeaturesMask(WV_CONTEXT_EX *ex, DWORD64 mask)
{
    if (ex->XState.Length < WV_XSAVE_HEADER)
        return;
    mask &= wv_cfg_enabled(wv_ctx_config()) & ~(DWORD64)3;
    memcpy((BYTE *)ex + ex->XState.Offset, &mask, 8);
}


/* The parts of src flags names into dst (their ranges only); dst's ContextFlags becomes flags. */
static void wv_ctx_copy_legacy(BYTE *dst, ULONG flags, const BYTE *src, const struct wv_ctx_arch *p)
{
    for (const struct wv_ctx_range *r = p->ranges; r->end; r++)
        if (flags & r->flag)
            memcpy(dst + r->start, src + r->start, r->end - r->start);
    memcpy(dst + p->flags_off, &flags, 4);
}

/* The XSTATE area: the enabled features of src's Mask past SSE, header and data (each where
 * the area's form puts it; one src's compacted area does not hold is left alone);
 * CompactionMask as the area is laid out.  Too small an area: STATUS_BUFFER_OVERFLOW (the
 * legacy part is copied already, as on Windows). */
static NTSTATUS wv_ctx_copy_xstate(WV_CONTEXT_EX *dst, WV_CONTEXT_EX *src)
{
    const BYTE *cfg = wv_ctx_config();
    DWORD64 mask = 0, en = wv_cfg_enabled(cfg);
    if (src->XState.Length >= WV_XSAVE_HEADER)
        memcpy(&mask, (const BYTE *)src + src->XState.Offset, 8);
    mask &= en & ~(DWORD64)3;
    if (dst->XState.Length < wv_xstate_size(cfg, mask))
        return STATUS_BUFFER_OVERFLOW;
    BYTE *xs = (BYTE *)dst + dst->XState.Offset;
    DWORD64 cm = wv_ctx_compacted() ? (1ull << 63) | en : 0;
    memcpy(xs, &mask, 8);
    memcpy(xs + 8, &cm, 8);
    for (ULONG i = 2; i < 64; i++) {
        ULONG len;
        void *from = mask >> i & 1 ? wv_nt_RtlLocateExtendedFeature2(src, i, cfg, &len) : NULL;
        void *to = from ? wv_nt_RtlLocateExtendedFeature2(dst, i, cfg, &len) : NULL;
        if (to)
            memmove(to, from, len);
    }
    return 0;
}

WV_MSABI NTSTATUS wv_nt_RtlCopyExtendedContext(WV_CONTEXT_EX *dst, ULONG flags, WV_CONTEXT_EX *src)
{
    const struct wv_ctx_arch *p = wv_ctx_arch_of(flags);
    if (!p)
        return STATUS_INVALID_PARAMETER;
    if ((flags & WV_CTX_XSTATE_BIT) && !wv_cfg_enabled(wv_ctx_config()))
        return STATUS_NOT_SUPPORTED;
    wv_ctx_copy_legacy((BYTE *)dst + dst->Legacy.Offset, flags, (const BYTE *)src + src->Legacy.Offset, p);
    return (flags & WV_CTX_XSTATE_BIT) ? wv_ctx_copy_xstate(dst, src) : 0;
}

/* CONTEXT to CONTEXT, and the XSTATE areas after them when CONTEXT_XSTATE is asked and src has
 * one: either ContextFlags without the architecture STATUS_INVALID_PARAMETER, dst without an
 * area STATUS_BUFFER_OVERFLOW, nothing written then.  A src without an area: the legacy part
 * only (dst's CONTEXT_XSTATE kept as it was), as Windows (test_copy_context). */
WV_MSABI NTSTATUS wv_nt_RtlCopyContext(CONTEXT *dst, ULONG flags, CONTEXT *src)
{
    const struct wv_ctx_arch *p = wv_ctx_arch_of(flags);
    if (!p)
        return STATUS_INVALID_PARAMETER;
    if (!(flags & WV_CTX_XSTATE_BIT)) {
        wv_ctx_copy_legacy((BYTE *)dst, flags, (const BYTE *)src, p);
        return 0;
    }
    if (!wv_cfg_enabled(wv_ctx_config()))
        return STATUS_NOT_SUPPORTED;
    ULONG sf, df;
    memcpy(&sf, (BYTE *)src + p->flags_off, 4);
    memcpy(&df, (BYTE *)dst + p->flags_off, 4);
    if (!(sf & p->arch) || !(df & p->arch))
        return STATUS_INVALID_PARAMETER;
    if (!(sf & WV_CTX_XSTATE_BIT)) {
        wv_ctx_copy_legacy((BYTE *)dst, (flags & ~WV_CTX_XSTATE_BIT) | (df & WV_CTX_XSTATE_BIT), (const BYTE *)src, p);
        return 0;
    }
    if (!(df & WV_CTX_XSTATE_BIT))
        return STATUS_BUFFER_OVERFLOW;
    return wv_nt_RtlCopyExtendedContext((WV_CONTEXT_EX *)((BYTE *)dst + p->size), flags,
                                        (WV_CONTEXT_EX *)((BYTE *)src + p->size));
}

/* NtGetContextThread's XSTATE part on the calling thread (ntdll_context.c), for a user
 * CONTEXT with CONTEXT_XSTATE: the features asked are the area's CompactionMask's where the
 * CPU compacts, else its Mask's; Mask becomes those in use (AVX: the upper halves now, from
 * fault/xstate.c), CompactionMask the form's; the data follows when the area holds it.  As
 * Windows (Wine's test_extended_context): an area longer than every enabled feature needs
 * STATUS_INVALID_PARAMETER, nothing written; one too short for the features asked
 * STATUS_BUFFER_OVERFLOW, the header written.  0 when there is nothing to do. */
NTSTATUS wv_ctx_xstate_get(CONTEXT *user, const BYTE *upper, bool inuse)
{
    DWORD flags;
    WV_CONTEXT_EX ex;
    DWORD64 head[2];
    if (wv_copy(&flags, &user->ContextFlags, 4) || (flags & (WV_CTX_AMD64 | WV_CTX_XSTATE_BIT)) !=
                                                       (WV_CTX_AMD64 | WV_CTX_XSTATE_BIT))
        return 0;
    const BYTE *cfg = wv_ctx_config();
    DWORD64 en = wv_cfg_enabled(cfg);
    if (!(en & 4))
        return 0;
    if (wv_copy(&ex, user + 1, sizeof(ex)))
        return STATUS_ACCESS_VIOLATION;
    BYTE *xs = (BYTE *)(user + 1) + ex.XState.Offset;
    if (ex.XState.Length > wv_xstate_size(cfg, en))
        return STATUS_INVALID_PARAMETER;
    if (ex.XState.Length < WV_XSAVE_HEADER)
        return STATUS_BUFFER_OVERFLOW;
    if (wv_copy(head, xs, sizeof(head)))
        return STATUS_ACCESS_VIOLATION;
    bool compacted = wv_ctx_compacted();
    DWORD64 asked = (compacted ? head[1] : head[0]) & en & ~(DWORD64)3;
    head[0] = (asked & 4) && inuse ? 4 : 0;
    head[1] = compacted ? (1ull << 63) | asked : 0;
    if (wv_copy(xs, head, sizeof(head)))
        return STATUS_ACCESS_VIOLATION;
    if (ex.XState.Length < wv_xstate_size(cfg, asked))
        return STATUS_BUFFER_OVERFLOW;
    if ((head[0] & 4) && wv_copy(xs + WV_XSAVE_HEADER, upper, 256))
        return STATUS_ACCESS_VIOLATION;
    return 0;
}
