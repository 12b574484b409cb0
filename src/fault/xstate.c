/* SPDX-License-Identifier: MIT */
/* xstate.c - the AVX state (the upper halves of ymm0-15) beside a CONTEXT: which XSTATE
 * features winvm's contexts carry, the AVX part of the kernel's signal frame, the CONTEXT_EX
 * XSTATE area of a context PE code gives, and the XSAVE image that restores them.
 *
 * Windows reports x87 | SSE | AVX (7) where the CPU has AVX and the OS enabled it (XCR0 bits 1
 * and 2); winvm does the same and carries AVX alone past SSE (AVX-512's state is not carried:
 * the mask says so).  Without AVX the mask is 3 and nothing here is used.
 *
 * The signal frame: the kernel saves the interrupted state with XSAVE in the standard
 * (uncompacted) form after the FXSAVE image, and says so in the image's software-reserved
 * bytes (FP_XSTATE_MAGIC1, the features saved).  The AVX component is at 576; its bit in the
 * header's XSTATE_BV is clear when the registers were in their initial state (all zero).
 *
 * A CONTEXT's XSTATE area (ctx_ex.c lays it out): the CONTEXT_EX right after the CONTEXT, its
 * XState chunk the area's offset from the CONTEXT_EX and its length; the area starts with the
 * XSAVE header (Mask, CompactionMask) and the AVX component follows at 64 in both forms (it is
 * the first feature past SSE). */
#include "fault/fault.h"

#include <cpuid.h>
#include <string.h>

#define WV_FP_XSTATE_MAGIC1 0x46505853u
#define WV_XS_HEADER 512u /* the XSAVE header's offset in an XSAVE image */
#define WV_XS_YMMH 576u   /* the AVX component's, standard form */
#define WV_CTX_EX_XSTATE 0x100040u /* CONTEXT_AMD64 | CONTEXT_XSTATE's bit */

static int wv_xs_avx = -1; /* 1: AVX enabled; set once, any thread may compute it first */

bool wv_xstate_avx(void)
{
    int v = __atomic_load_n(&wv_xs_avx, __ATOMIC_RELAXED);
    if (v < 0) {
        unsigned a = 0, b = 0, c = 0, d = 0;
        __get_cpuid(1, &a, &b, &c, &d);
        v = 0;
        if ((c & (1u << 27)) && (c & (1u << 28))) { /* OSXSAVE, AVX */
            uint32_t lo, hi;
            __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
            v = (lo & 6) == 6;
        }
        __atomic_store_n(&wv_xs_avx, v, __ATOMIC_RELAXED);
    }
    return v;
}

DWORD64 wv_xstate_features(void) { return wv_xstate_avx() ? 7 : 3; }

/* The kernel's XSAVE image in uc, when it holds the AVX component; else NULL. */
static BYTE *wv_xstate_frame(const ucontext_t *uc)
{
    BYTE *fp = (BYTE *)uc->uc_mcontext.fpregs;
    uint32_t magic;
    uint64_t features;
    if (!fp || !wv_xstate_avx())
        return NULL;
    memcpy(&magic, fp + 464, 4); /* struct _fpx_sw_bytes: magic1, extended_size, xfeatures */
    memcpy(&features, fp + 472, 8);
    return magic == WV_FP_XSTATE_MAGIC1 && (features & 4) ? fp : NULL;
}

bool wv_xstate_from_uc(const ucontext_t *uc, BYTE upper[256])
{
    const BYTE *fp = wv_xstate_frame(uc);
    uint64_t bv = 0;
    if (fp)
        memcpy(&bv, fp + WV_XS_HEADER, 8);
    if (bv & 4)
        memcpy(upper, fp + WV_XS_YMMH, 256);
    else
        memset(upper, 0, 256);
    return (bv & 4) != 0;
}

void wv_xstate_to_uc(ucontext_t *uc, const BYTE *upper)
{
    BYTE *fp = wv_xstate_frame(uc);
    uint64_t bv;
    if (!fp)
        return;
    memcpy(&bv, fp + WV_XS_HEADER, 8);
    bv = upper ? bv | 4 : bv & ~(uint64_t)4; /* clear: the registers' initial state, zero */
    memcpy(fp + WV_XS_HEADER, &bv, 8);
    if (upper)
        memcpy(fp + WV_XS_YMMH, upper, 256);
}

/* The XSTATE area of ctx (read through wv_copy: a context PE code gave), its AVX part: 1 with
 * upper filled when the area's Mask names AVX, 0 when the area says the initial state, -1 when
 * ctx has no area (no CONTEXT_XSTATE, no AVX here, or it cannot be read). */
int wv_xstate_of_context(const CONTEXT *ctx, BYTE upper[256])
{
    DWORD flags;
    struct {
        LONG off;
        ULONG len;
    } chunk[3];
    uint64_t head[2];
    if (!ctx || !wv_xstate_avx() || wv_copy(&flags, &ctx->ContextFlags, 4) ||
        (flags & WV_CTX_EX_XSTATE) != WV_CTX_EX_XSTATE || wv_copy(chunk, ctx + 1, sizeof(chunk)))
        return -1;
    const BYTE *xs = (const BYTE *)(ctx + 1) + chunk[2].off;
    if (chunk[2].len < 64 || wv_copy(head, xs, sizeof(head)))
        return -1;
    bool compacted = head[1] >> 63;
    if (!(head[0] & 4) || (compacted && !(head[1] & 4)) || chunk[2].len < 64 + 256)
        return 0;
    return wv_copy(upper, xs + 64, 256) ? -1 : 1;
}

/* The calling thread's upper halves now; true when in use (XGETBV 1's XINUSE where the CPU
 * has it, else whether any is nonzero). */
bool wv_xstate_save(BYTE upper[256])
{
    __asm__ volatile("vextractf128 $1, %%ymm0, 0(%0)\n vextractf128 $1, %%ymm1, 16(%0)\n"
                     "vextractf128 $1, %%ymm2, 32(%0)\n vextractf128 $1, %%ymm3, 48(%0)\n"
                     "vextractf128 $1, %%ymm4, 64(%0)\n vextractf128 $1, %%ymm5, 80(%0)\n"
                     "vextractf128 $1, %%ymm6, 96(%0)\n vextractf128 $1, %%ymm7, 112(%0)\n"
                     "vextractf128 $1, %%ymm8, 128(%0)\n vextractf128 $1, %%ymm9, 144(%0)\n"
                     "vextractf128 $1, %%ymm10, 160(%0)\n vextractf128 $1, %%ymm11, 176(%0)\n"
                     "vextractf128 $1, %%ymm12, 192(%0)\n vextractf128 $1, %%ymm13, 208(%0)\n"
                     "vextractf128 $1, %%ymm14, 224(%0)\n vextractf128 $1, %%ymm15, 240(%0)\n" ::"r"(upper)
                     : "memory");
    unsigned a, b, c, d;
    if (__get_cpuid_count(0xd, 1, &a, &b, &c, &d) && (a & 4)) { /* XGETBV with ECX 1 */
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(1));
        return lo & 4;
    }
    for (int i = 0; i < 256; i++)
        if (upper[i])
            return true;
    return false;
}

/* An XSAVE image (standard form, 64-aligned, WV_XSTATE_IMAGE bytes) that XRSTOR with
 * features 7 loads: x87 and SSE from fx (the CONTEXT's FltSave; NULL: the thread's own now),
 * AVX from upper (NULL: the initial state). */
void wv_xstate_image(BYTE *img, const void *fx, const BYTE *upper)
{
    if (fx)
        memcpy(img, fx, 512);
    else
        __asm__ volatile("fxsave64 (%0)" ::"r"(img) : "memory");
    memset(img + WV_XS_HEADER, 0, 64);
    uint64_t bv = 3 | (upper ? 4 : 0);
    memcpy(img + WV_XS_HEADER, &bv, 8);
    if (upper)
        memcpy(img + WV_XS_YMMH, upper, 256);
}

/* The XSTATE area (WV_XSTATE_AREA bytes) of the exception raised at uc, as Windows' dispatcher
 * gives it: Mask AVX when the registers were in use (else 0: their initial state), the
 * CompactionMask of the compacted form where the CPU has XSAVEC (AVX at 64 in either form). */
void wv_xstate_area(BYTE *area, const ucontext_t *uc)
{
    unsigned a = 0, b, c, d;
    uint64_t head[2] = {0, 0};
    memset(area, 0, 64);
    head[0] = wv_xstate_from_uc(uc, area + 64) ? 4 : 0;
    if (__get_cpuid_count(0xd, 1, &a, &b, &c, &d) && (a & 2))
        head[1] = (1ull << 63) | 4;
    memcpy(area, head, sizeof(head));
}
