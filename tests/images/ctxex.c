/* SPDX-License-Identifier: MIT */
/* ctxex.c - ctxex.exe: CONTEXT_EX from PE code, ntdll's RtlGetExtendedContextLength(2),
 * RtlInitializeExtendedContext, RtlLocateLegacyContext, RtlLocateExtendedFeature,
 * RtlGetExtendedFeaturesMask, RtlCopyContext and kernel32's InitializeContext, LocateXStateFeature,
 * Get/SetXStateFeaturesMask, CopyContext (through GetProcAddress).  Windows' layout and results
 * for enabled features x87|SSE (3) or, on a CPU with AVX, x87|SSE|AVX (7: the XSTATE area 256
 * bytes longer, AVX located after its header).  Output, one line each, "ok NAME" or "FAIL NAME":
 *   exports    all seventeen are exported
 *   lengths    0x4f7 for AMD64 flags, 0x2e7 for x86's, 0x56f with CONTEXT_XSTATE (a 64-byte
 *              XSTATE header, AVX not enabled), STATUS_INVALID_PARAMETER (length untouched)
 *              for 0, both architectures or a flag the architecture does not take
 *   layout     CONTEXT_EX after the CONTEXT: All {-0x4d0, 0x4e8}, Legacy {-0x4d0, 0x4d0},
 *              XState {25, 0}; the bytes past it untouched; RtlLocateLegacyContext
 *   align      the CONTEXT at the buffer aligned to 16 (x86: 4, Legacy.Length 0xcc without
 *              CONTEXT_EXTENDED_REGISTERS)
 *   xstate     with CONTEXT_XSTATE: XState {0x30, 64} at a 64-byte boundary, All.Length 0x540,
 *              Mask 0, no extended feature located
 *   buffers    InitializeContext: no buffer or one a byte short gives ERROR_INSUFFICIENT_BUFFER
 *              and the length needed (context untouched); bad flags ERROR_INVALID_PARAMETER
 *   locate     LocateXStateFeature: feature 0 FltSave (160 bytes), 1 its XMM registers (256),
 *              2 NULL (length untouched); NULL for an x86 context
 *   mask       Get/SetXStateFeaturesMask: 1 sets CONTEXT_FLOATING_POINT, the mask then 3;
 *              4 (AVX) refused with nothing changed
 *   copy       CopyContext copies only the parts the flags name and sets ContextFlags;
 *              RtlCopyContext with CONTEXT_XSTATE: a source without ContextFlags
 *              STATUS_INVALID_PARAMETER, nothing changed; one without CONTEXT_XSTATE: the
 *              legacy part; CopyContext with flags 0: ERROR_INVALID_PARAMETER
 */
#include <windows.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef LONG NTSTATUS_;
typedef struct {
    LONG Offset;
    ULONG Length;
} CHUNK_;
typedef struct {
    CHUNK_ All, Legacy, XState;
} CTX_EX_;

#define ST_INVALID_PARAMETER ((NTSTATUS_)0xC000000D)
#define F_AMD64 0x100000u
#define F_X86 0x10000u
#define F_XSTATE (F_AMD64 | 0x40u)

static NTSTATUS_(NTAPI *len1)(ULONG, ULONG *);
static NTSTATUS_(NTAPI *len2)(ULONG, ULONG *, ULONG64);
static NTSTATUS_(NTAPI *init1)(void *, ULONG, CTX_EX_ **);
static void *(NTAPI *legacy)(CTX_EX_ *, ULONG *);
static void *(NTAPI *locate1)(CTX_EX_ *, ULONG, ULONG *);
static ULONG64(NTAPI *getmask)(CTX_EX_ *);
static NTSTATUS_(NTAPI *rtlcopy)(CONTEXT *, ULONG, CONTEXT *);
static BOOL(WINAPI *initctx)(void *, DWORD, CONTEXT **, DWORD *);
static void *(WINAPI *locx)(CONTEXT *, DWORD, DWORD *);
static BOOL(WINAPI *getx)(CONTEXT *, DWORD64 *);
static BOOL(WINAPI *setx)(CONTEXT *, DWORD64);
static BOOL(WINAPI *copyctx)(CONTEXT *, DWORD, CONTEXT *);

static __attribute__((aligned(64))) BYTE buf[4096], buf2[4096];
static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

/* The export into a function pointer of its own type (memcpy: no type punning). */
static int get(void *slot, HMODULE m, const char *n)
{
    FARPROC p = GetProcAddress(m, n);
    memcpy(slot, &p, sizeof(p));
    return p != NULL;
}
#define GET(v, m, n) get(&(v), m, n)

static int exports(void)
{
    HMODULE nt = GetModuleHandleW(L"ntdll.dll"), k = GetModuleHandleW(L"kernel32.dll");
    static const char *more[] = {"RtlInitializeExtendedContext2", "RtlLocateExtendedFeature2",
                                 "RtlSetExtendedFeaturesMask", "RtlCopyExtendedContext", "InitializeContext2"};
    int ok = GET(len1, nt, "RtlGetExtendedContextLength") & GET(len2, nt, "RtlGetExtendedContextLength2") &
             GET(init1, nt, "RtlInitializeExtendedContext") & GET(legacy, nt, "RtlLocateLegacyContext") &
             GET(locate1, nt, "RtlLocateExtendedFeature") & GET(getmask, nt, "RtlGetExtendedFeaturesMask") &
             GET(rtlcopy, nt, "RtlCopyContext") & GET(initctx, k, "InitializeContext") &
             GET(locx, k, "LocateXStateFeature") & GET(getx, k, "GetXStateFeaturesMask") &
             GET(setx, k, "SetXStateFeaturesMask") & GET(copyctx, k, "CopyContext");
    for (int i = 0; i < 5; i++)
        ok &= GetProcAddress(i < 4 ? nt : k, more[i]) != NULL;
    check("exports", ok);
    return ok;
}

/* 256 when AVX is enabled (GetEnabledXStateFeatures 7): its part of an XSTATE area. */
static ULONG avx_bytes;

static void lengths(void)
{
    ULONG a = 0, b = 0, c = 0, d = 0, e = 0, f = 0;
    ULONG bad[4] = {7, 7, 7, 7};
    int ok = !len1(F_AMD64, &a) && a == 0x4f7 && !len1(F_AMD64 | 0x1f, &b) && b == 0x4f7 &&
             !len1(F_X86 | 0x20, &c) && c == 0x2e7 && !len1(F_XSTATE | 0xb, &d) && d == 0x56f + avx_bytes &&
             !len2(F_XSTATE, &e, 4) && e == 0x56f + avx_bytes && !len2(F_AMD64 | 0x80000000u, &f, 0) && f == 0x4f7;
    ok = ok && len1(0, &bad[0]) == ST_INVALID_PARAMETER && len1(F_AMD64 | F_X86, &bad[1]) == ST_INVALID_PARAMETER;
    ok = ok && len1(F_AMD64 | 0x20, &bad[2]) == ST_INVALID_PARAMETER &&
         len1(F_AMD64 | 0x100, &bad[3]) == ST_INVALID_PARAMETER;
    check("lengths", ok && bad[0] == 7 && bad[1] == 7 && bad[2] == 7 && bad[3] == 7);
}

static void layout(void)
{
    CONTEXT *ctx = NULL;
    DWORD len = 0x4f7;
    ULONG l = 0;
    memset(buf, 0xcc, sizeof(buf));
    BOOL r = initctx(buf, CONTEXT_FULL, &ctx, &len);
    CTX_EX_ *ex = (CTX_EX_ *)(buf + 0x4d0);
    int untouched = 1;
    for (size_t i = 0x4e8; i < sizeof(buf); i++)
        untouched &= buf[i] == 0xcc;
    for (size_t i = 0; i < 0x30; i++)
        untouched &= buf[i] == 0xcc;
    check("layout", r && ctx == (CONTEXT *)buf && len == 0x4f7 && ctx->ContextFlags == CONTEXT_FULL &&
                        ex->All.Offset == -0x4d0 && ex->All.Length == 0x4e8 && ex->Legacy.Offset == -0x4d0 &&
                        ex->Legacy.Length == 0x4d0 && ex->XState.Offset == 25 && ex->XState.Length == 0 &&
                        untouched && legacy(ex, &l) == ctx && l == 0x4d0);
}

static void align(void)
{
    CTX_EX_ *ex = NULL, *ex86 = NULL, *ex86x = NULL;
    int ok = !init1(buf + 2, CONTEXT_CONTROL, &ex) && ex == (CTX_EX_ *)(buf + 16 + 0x4d0) &&
             *(DWORD *)(buf + 16 + 0x30) == CONTEXT_CONTROL;
    ok = ok && !init1(buf2 + 1, F_X86 | 7, &ex86) && ex86 == (CTX_EX_ *)(buf2 + 4 + 0x2cc) &&
         *(DWORD *)(buf2 + 4) == (F_X86 | 7) && ex86->Legacy.Length == 0xcc && ex86->All.Length == 0x2cc + 0x18;
    ok = ok && !init1(buf2, F_X86 | 0x20, &ex86x) && ex86x->Legacy.Length == 0x2cc;
    check("align", ok);
}

static void xstate(void)
{
    CONTEXT *ctx = NULL;
    DWORD len = sizeof(buf), l = 5;
    ULONG l2 = 5;
    memset(buf, 0xcc, sizeof(buf));
    BOOL r = initctx(buf, F_XSTATE | 0xb, &ctx, &len);
    CTX_EX_ *ex = (CTX_EX_ *)(buf + 0x4d0);
    ULONG64 mask = *(ULONG64 *)(buf + 0x500);
    /* AVX, when enabled: its 256 bytes right after the header, in either form */
    BYTE *avx = avx_bytes ? buf + 0x540 : NULL;
    ULONG avx_len = avx_bytes ? 256 : 5;
    check("xstate", r && len == 0x56f + avx_bytes && ctx->ContextFlags == (F_XSTATE | 0xb) &&
                        ex->XState.Offset == 0x30 && ex->XState.Length == 64 + avx_bytes &&
                        ex->All.Length == 0x540 + avx_bytes && ex->All.Offset == -0x4d0 && mask == 0 &&
                        getmask(ex) == 0 && locate1(ex, 2, &l2) == avx && l2 == avx_len &&
                        locx(ctx, 2, &l) == avx && l == avx_len);
}

static void buffers(void)
{
    CONTEXT *ctx = (CONTEXT *)(ULONG_PTR)0x1234;
    DWORD l1 = 0, l2 = 0x4f6, l3 = 9;
    SetLastError(0);
    BOOL a = initctx(NULL, CONTEXT_FULL, NULL, &l1);
    DWORD e1 = GetLastError();
    SetLastError(0);
    BOOL b = initctx(buf, CONTEXT_FULL, &ctx, &l2);
    DWORD e2 = GetLastError();
    SetLastError(0);
    BOOL c = initctx(buf, F_AMD64 | F_X86, &ctx, &l3);
    DWORD e3 = GetLastError();
    check("buffers", !a && e1 == ERROR_INSUFFICIENT_BUFFER && l1 == 0x4f7 && !b && e2 == ERROR_INSUFFICIENT_BUFFER &&
                         l2 == 0x4f7 && ctx == (CONTEXT *)(ULONG_PTR)0x1234 && !c && e3 == ERROR_INVALID_PARAMETER &&
                         l3 == 9);
}

static void locate(void)
{
    CONTEXT *ctx = NULL, *c86 = NULL;
    DWORD len = sizeof(buf), len86 = sizeof(buf2), l0 = 0, l1 = 0, l2 = 7, l86 = 7;
    int ok = initctx(buf, CONTEXT_CONTROL, &ctx, &len) && initctx(buf2, F_X86 | 1, &c86, &len86);
    ok = ok && locx(ctx, 0, &l0) == (BYTE *)ctx + 0x100 && l0 == 160 && locx(ctx, 1, &l1) == (BYTE *)ctx + 0x1a0 &&
         l1 == 256 && !locx(ctx, 2, &l2) && l2 == 7 && !locx(c86, 0, &l86) && l86 == 7;
    check("locate", ok);
}

static void mask(void)
{
    CONTEXT *ctx = NULL;
    DWORD len = sizeof(buf);
    DWORD64 m0 = 9, m1 = 9;
    int ok = initctx(buf, CONTEXT_CONTROL, &ctx, &len) && getx(ctx, &m0) && m0 == 0;
    ok = ok && setx(ctx, 1) && ctx->ContextFlags == (CONTEXT_CONTROL | CONTEXT_FLOATING_POINT) && getx(ctx, &m1) &&
         m1 == 3;
    ok = ok && !setx(ctx, 4) && ctx->ContextFlags == (CONTEXT_CONTROL | CONTEXT_FLOATING_POINT);
    check("mask", ok);
}

static void copy(void)
{
    CONTEXT *src = NULL, *dst = NULL;
    DWORD l1 = sizeof(buf), l2 = sizeof(buf2);
    int ok = initctx(buf, CONTEXT_ALL, &src, &l1) && initctx(buf2, CONTEXT_ALL, &dst, &l2);
    if (!ok) {
        check("copy", 0);
        return;
    }
    RtlCaptureContext(src);
    src->Rax = 0x1111;
    src->Xmm0.Low = 0x2222;
    memset(dst, 0xdd, sizeof(*dst));
    BOOL a = copyctx(dst, CONTEXT_INTEGER, src);
    ok = a && dst->Rax == 0x1111 && dst->R15 == src->R15 && dst->ContextFlags == CONTEXT_INTEGER &&
         dst->Rip == 0xddddddddddddddddull && dst->Rsp == 0xddddddddddddddddull && dst->Xmm0.Low != 0x2222;
    BOOL b = copyctx(dst, CONTEXT_CONTROL | CONTEXT_FLOATING_POINT, src);
    ok = ok && b && dst->Rip == src->Rip && dst->Rsp == src->Rsp && dst->SegCs == src->SegCs &&
         dst->Xmm0.Low == 0x2222 && dst->MxCsr == src->MxCsr && dst->Dr7 == 0xddddddddddddddddull &&
         dst->VectorControl == 0xddddddddddddddddull;
    DWORD flags = dst->ContextFlags, sflags = src->ContextFlags;
    BYTE before[0x4d0];
    memcpy(before, dst, sizeof(before));
    src->ContextFlags = 0;
    NTSTATUS_ st = rtlcopy(dst, CONTEXT_FULL | 0x40, src);
    SetLastError(0);
    BOOL c = copyctx(dst, 0, src);
    ok = ok && st == ST_INVALID_PARAMETER && dst->ContextFlags == flags && !memcmp(before, dst, sizeof(before)) &&
         !c && GetLastError() == ERROR_INVALID_PARAMETER;
    /* CONTEXT_XSTATE asked of a source without it: the legacy part alone. */
    src->ContextFlags = sflags;
    src->Rbx = 0x3333;
    ok = ok && rtlcopy(dst, CONTEXT_INTEGER | 0x40, src) == 0 && dst->Rbx == 0x3333 &&
         dst->ContextFlags == CONTEXT_INTEGER;
    check("copy", ok);
}

int main(void)
{
    if (!exports())
        return 1;
    avx_bytes = (GetEnabledXStateFeatures() & 4) ? 256 : 0;
    lengths();
    layout();
    align();
    xstate();
    buffers();
    locate();
    mask();
    copy();
    return failures;
}
