/* SPDX-License-Identifier: MIT */
/* avxctx.c - avxctx.exe (mingw): the AVX state (the upper halves of ymm0-15) in the contexts
 * PE code is given and gives back, as Windows x64 carries it when GetEnabledXStateFeatures
 * names XSTATE_MASK_AVX (Wine's ntdll exception.c, test_extended_context, records the facts).
 * Run on a CPU with AVX only (test_ctxex.c skips otherwise).  One line each, "ok NAME" or
 * "FAIL NAME ...":
 *   enabled    GetEnabledXStateFeatures is 7; RtlGetEnabledExtendedFeatures(~0) too, (4) is 4
 *   continue   ymm0-15 set, a ud2, a vectored handler continues past it: all 16 registers
 *              whole afterwards (the upper halves too)
 *   handler    that handler's CONTEXT: CONTEXT_XSTATE in ContextFlags, the XSTATE feature mask
 *              with AVX, LocateXStateFeature(2) the 256 bytes of upper halves, at a 64-byte
 *              boundary, holding the registers' upper halves as they were at the fault
 *   modify     the handler writes ymm3's upper half in the context: ymm3 has it afterwards
 *              (its lower half and the other registers as they were)
 *   clear      the handler takes AVX out of the context's mask (SetXStateFeaturesMask 3):
 *              the upper halves are zero afterwards, the lower halves kept
 *   getctx     GetThreadContext(GetCurrentThread()) with CONTEXT_XSTATE: the mask has AVX and
 *              the XSTATE area holds the upper halves the caller had
 *   setctx     SetThreadContext on the calling thread of a context with CONTEXT_XSTATE whose
 *              upper halves were changed: the thread goes on with them
 *   restore    RtlRestoreContext of such a context: the same */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#define CTX_XSTATE (CONTEXT_AMD64 | 0x40)

typedef DWORD64(WINAPI *GETENABLED)(void);
typedef DWORD64(WINAPI *RTLGETENABLED)(DWORD64);
typedef BOOL(WINAPI *INITCTX)(void *, DWORD, CONTEXT **, DWORD *);
typedef void *(WINAPI *LOCATE)(CONTEXT *, DWORD, DWORD *);
typedef BOOL(WINAPI *GETMASK)(CONTEXT *, DWORD64 *);
typedef BOOL(WINAPI *SETMASK)(CONTEXT *, DWORD64);
typedef VOID(NTAPI *RTLRESTORE)(CONTEXT *, EXCEPTION_RECORD *);

static GETENABLED pGetEnabled;
static RTLGETENABLED pRtlGetEnabled;
static INITCTX pInit;
static LOCATE pLocate;
static GETMASK pGetMask;
static SETMASK pSetMask;
static RTLRESTORE pRestore;

/* ymm0-15 as 16 x 32 bytes. */
static __attribute__((aligned(32))) BYTE in_regs[512], out_regs[512], seen_upper[256];
static int mode; /* what the handler does: 0 continue, 1 modify ymm3, 2 clear AVX */
static int calls, bad_ctx;
static DWORD64 seen_mask, seen_flags;
static BYTE *seen_at;
static DWORD seen_len;

static void check(const char *name, int good)
{
    if (good)
        printf("ok %s\n", name);
    else
        printf("FAIL %s: calls %d bad %d flags %#llx mask %#llx at %p len %lu\n", name, calls, bad_ctx,
               (unsigned long long)seen_flags, (unsigned long long)seen_mask, seen_at, seen_len);
}

static LONG WINAPI handler(EXCEPTION_POINTERS *ep)
{
    CONTEXT *c = ep->ContextRecord;
    if (ep->ExceptionRecord->ExceptionCode != STATUS_ILLEGAL_INSTRUCTION)
        return EXCEPTION_CONTINUE_SEARCH;
    calls++;
    seen_flags = c->ContextFlags;
    seen_mask = 0;
    seen_len = 0;
    if (!pGetMask(c, &seen_mask))
        bad_ctx = 1;
    seen_at = pLocate(c, 2, &seen_len);
    if (seen_at && seen_len == 256)
        memcpy(seen_upper, seen_at, 256);
    if (mode == 1 && seen_at)
        memset(seen_at + 3 * 16, 0x5a, 16);
    if (mode == 2)
        pSetMask(c, 3);
    c->Rip += 2; /* past the ud2 */
    return EXCEPTION_CONTINUE_EXECUTION;
}

#define LOAD16(src)                                                                                                   \
    "vmovdqu 0(" src "), %%ymm0\n vmovdqu 32(" src "), %%ymm1\n vmovdqu 64(" src "), %%ymm2\n"                        \
    "vmovdqu 96(" src "), %%ymm3\n vmovdqu 128(" src "), %%ymm4\n vmovdqu 160(" src "), %%ymm5\n"                     \
    "vmovdqu 192(" src "), %%ymm6\n vmovdqu 224(" src "), %%ymm7\n vmovdqu 256(" src "), %%ymm8\n"                    \
    "vmovdqu 288(" src "), %%ymm9\n vmovdqu 320(" src "), %%ymm10\n vmovdqu 352(" src "), %%ymm11\n"                  \
    "vmovdqu 384(" src "), %%ymm12\n vmovdqu 416(" src "), %%ymm13\n vmovdqu 448(" src "), %%ymm14\n"                 \
    "vmovdqu 480(" src "), %%ymm15\n"
#define STORE16(dst)                                                                                                  \
    "vmovdqu %%ymm0, 0(" dst ")\n vmovdqu %%ymm1, 32(" dst ")\n vmovdqu %%ymm2, 64(" dst ")\n"                        \
    "vmovdqu %%ymm3, 96(" dst ")\n vmovdqu %%ymm4, 128(" dst ")\n vmovdqu %%ymm5, 160(" dst ")\n"                     \
    "vmovdqu %%ymm6, 192(" dst ")\n vmovdqu %%ymm7, 224(" dst ")\n vmovdqu %%ymm8, 256(" dst ")\n"                    \
    "vmovdqu %%ymm9, 288(" dst ")\n vmovdqu %%ymm10, 320(" dst ")\n vmovdqu %%ymm11, 352(" dst ")\n"                  \
    "vmovdqu %%ymm12, 384(" dst ")\n vmovdqu %%ymm13, 416(" dst ")\n vmovdqu %%ymm14, 448(" dst ")\n"                 \
    "vmovdqu %%ymm15, 480(" dst ")\n"
#define YMM_CLOBBERS                                                                                                  \
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",        \
        "xmm13", "xmm14", "xmm15", "memory"

/* ymm0-15 from in_regs, a ud2 the handler steps over, ymm0-15 to out_regs. */
static void fault_round(int m)
{
    mode = m;
    memset(out_regs, 0, sizeof(out_regs));
    memset(seen_upper, 0, sizeof(seen_upper));
    __asm__ volatile(LOAD16("%0") "ud2\n" STORE16("%1")::"r"(in_regs), "r"(out_regs) : YMM_CLOBBERS);
}

static int lower_kept(void)
{
    for (int i = 0; i < 16; i++)
        if (memcmp(out_regs + 32 * i, in_regs + 32 * i, 16))
            return 0;
    return 1;
}

static int uppers_are(const BYTE *want) /* 16 x 16 bytes, NULL: zero */
{
    static const BYTE zero[16];
    for (int i = 0; i < 16; i++)
        if (memcmp(out_regs + 32 * i + 16, want ? want + 16 * i : zero, 16))
            return 0;
    return 1;
}

static BYTE in_upper[256];

static void exceptions(void)
{
    void *h = AddVectoredExceptionHandler(1, handler);
    fault_round(0);
    check("continue", calls == 1 && !memcmp(out_regs, in_regs, sizeof(in_regs)));
    check("handler", calls == 1 && (seen_flags & CTX_XSTATE) == CTX_XSTATE && (seen_mask & 7) == 7 && seen_at &&
                         seen_len == 256 && !((ULONG_PTR)seen_at & 63) && !memcmp(seen_upper, in_upper, 256));
    fault_round(1);
    BYTE want[256];
    memcpy(want, in_upper, 256);
    memset(want + 3 * 16, 0x5a, 16);
    check("modify", calls == 2 && lower_kept() && uppers_are(want));
    fault_round(2);
    check("clear", calls == 3 && lower_kept() && uppers_are(NULL));
    RemoveVectoredExceptionHandler(h);
}

static __attribute__((aligned(64))) BYTE ctx_buf[4096];

static CONTEXT *xstate_context(DWORD flags)
{
    CONTEXT *c = NULL;
    DWORD len = sizeof(ctx_buf);
    memset(ctx_buf, 0xcc, sizeof(ctx_buf));
    if (!pInit(ctx_buf, flags | CTX_XSTATE, &c, &len))
        return NULL;
    pSetMask(c, 7);
    return c;
}

/* GetThreadContext with ymm0-15 loaded: the area's upper halves. */
static void getctx(void)
{
    CONTEXT *c = xstate_context(CONTEXT_FULL);
    BOOL ok = FALSE;
    HANDLE self = GetCurrentThread();
    CONTEXT *arg = c;
    if (c)
        __asm__ volatile(LOAD16("%3") "sub $32, %%rsp\n call *%4\n add $32, %%rsp\n"
                         : "=a"(ok), "+c"(self), "+d"(arg)
                         : "r"(in_regs), "r"(GetThreadContext)
                         : "r8", "r9", "r10", "r11", YMM_CLOBBERS);
    DWORD64 mask = 0;
    DWORD len = 0;
    BYTE *up = c ? pLocate(c, 2, &len) : NULL;
    check("getctx", ok && pGetMask(c, &mask) && (mask & 4) && up && len == 256 && !memcmp(up, in_upper, 256));
}

static __attribute__((aligned(16))) BYTE side_stack[65536];
static const char *step;
static int step_how;

static void give_back(const char *name, int how);

/* Where the context given back goes on, on a stack of its own: ymm0-15 stored first thing. */
static __attribute__((noreturn)) void landing(void)
{
    __asm__ volatile(STORE16("%0")::"r"(out_regs) : "memory");
    BYTE want[256];
    memset(want, 0x3c, sizeof(want));
    if (uppers_are(want))
        check(step, 1);
    else
        printf("FAIL %s: ymm0 upper %02x %02x, ymm15 upper %02x\n", step, out_regs[16], out_regs[31], out_regs[496]);
    fflush(stdout);
    if (step_how == 0)
        give_back("restore", 1);
    ExitProcess(0);
}

/* A context of this thread (GetThreadContext with CONTEXT_XSTATE) sent to landing with the
 * upper halves 0x3c in its XSTATE area, given back by SetThreadContext (how 0) or
 * RtlRestoreContext (1). */
static void give_back(const char *name, int how)
{
    CONTEXT *c = xstate_context(CONTEXT_FULL);
    BYTE *up;
    DWORD len;
    step = name, step_how = how;
    if (!c || !GetThreadContext(GetCurrentThread(), c) || !(up = pLocate(c, 2, &len))) {
        printf("FAIL %s: GetThreadContext error %lu\n", name, GetLastError());
        return;
    }
    pSetMask(c, 7);
    memset(up, 0x3c, 256);
    c->Rip = (DWORD64)landing;
    c->Rsp = (DWORD64)(side_stack + sizeof(side_stack) - 8); /* as after a call */
    if (how == 0)
        SetThreadContext(GetCurrentThread(), c);
    else
        pRestore(c, NULL);
    check(name, 0);
}

int main(void)
{
    HMODULE k32 = GetModuleHandleA("kernel32.dll"), nt = GetModuleHandleA("ntdll.dll");
    pGetEnabled = (GETENABLED)GetProcAddress(k32, "GetEnabledXStateFeatures");
    pRtlGetEnabled = (RTLGETENABLED)GetProcAddress(nt, "RtlGetEnabledExtendedFeatures");
    pInit = (INITCTX)GetProcAddress(k32, "InitializeContext");
    pLocate = (LOCATE)GetProcAddress(k32, "LocateXStateFeature");
    pGetMask = (GETMASK)GetProcAddress(k32, "GetXStateFeaturesMask");
    pSetMask = (SETMASK)GetProcAddress(k32, "SetXStateFeaturesMask");
    pRestore = (RTLRESTORE)GetProcAddress(nt, "RtlRestoreContext");
    if (!pGetEnabled || !pRtlGetEnabled || !pInit || !pLocate || !pGetMask || !pSetMask || !pRestore) {
        printf("FAIL exports\n");
        return 1;
    }
    check("enabled", pGetEnabled() == 7 && pRtlGetEnabled(~(DWORD64)0) == 7 && pRtlGetEnabled(4) == 4);
    for (int i = 0; i < 512; i++)
        in_regs[i] = (BYTE)(i * 7 + 1);
    for (int i = 0; i < 16; i++)
        memcpy(in_upper + 16 * i, in_regs + 32 * i + 16, 16);
    exceptions();
    getctx();
    fflush(stdout);
    give_back("setctx", 0); /* then "restore"; ends the process */
    return 0;
}
