/* SPDX-License-Identifier: MIT */
/* fpctx.c - fpctx.exe (mingw): the floating-point state and contexts PE code is given, and the
 * floating-point exceptions, as Windows x64 gives them (Wine's ntdll exception.c records the
 * facts).  Each check prints "ok NAME" or "FAIL NAME ..."; test_seh.c wants them all "ok".
 *   fpu_main      the main thread starts with the x87 control word 0x27f and MXCSR 0x1f80
 *   setjmp        msvcrt's _setjmp saves them so (FpCsr 0x27f, MxCsr 0x1f80)
 *   capture       RtlCaptureContext: FltSave.ControlWord 0x27f, MxCsr and FltSave.MxCsr 0x1f80
 *   thread        a CreateThread thread starts with 0x27f and 0x1f80 too
 *   longjmp       RtlRestoreContext with STATUS_LONGJUMP loads the jump buffer's FpCsr and
 *                 MxCsr, and writes the buffer's registers into the CONTEXT it was given
 *   getctx        NtGetContextThread on the calling thread: Rsp the stack on entry (at the
 *                 return address), Rip a `ret` inside ntdll's image; NtContinue of that context
 *                 returns from the call again, with the context's Rax
 *   sse_zdiv      divss by zero, ZE unmasked: STATUS_FLOAT_DIVIDE_BY_ZERO at the divss, two
 *                 parameters {0, the CONTEXT's MxCsr}
 *   sse_inv       0/0, IE unmasked: STATUS_FLOAT_INVALID_OPERATION, {0, MxCsr}
 *   sse_denorm    a denormal operand, DE unmasked: STATUS_FLOAT_DENORMAL_OPERAND, {0, MxCsr}
 *   x87_zdiv      fdivp by zero, ZE unmasked: STATUS_FLOAT_DIVIDE_BY_ZERO at the next fwait
 *   x87_stack     a ninth push, IE unmasked: STATUS_FLOAT_STACK_CHECK at the next fwait
 *   ftable_empty  RtlAddFunctionTable of no entries succeeds; RtlDeleteFunctionTable removes it
 *                 once */
#include <windows.h>
#include <stdio.h>
#include <string.h>

typedef LONG(NTAPI *NTGETCTX)(HANDLE, CONTEXT *);
typedef LONG(NTAPI *NTCONTINUE)(CONTEXT *, BOOLEAN);
typedef VOID(NTAPI *RTLRESTORE)(CONTEXT *, EXCEPTION_RECORD *);
typedef BOOLEAN(NTAPI *RTLADDFT)(PRUNTIME_FUNCTION, DWORD, DWORD64);
typedef BOOLEAN(NTAPI *RTLDELFT)(PRUNTIME_FUNCTION);
typedef int(__cdecl *SETJMP)(void *, void *);

/* mingw's start-up code calls _fpreset, whose libmingwex version is a bare fninit (control
 * word 0x37f, 64-bit precision): this one keeps the state the thread was started with, as a
 * program built with Microsoft's or Wine's start-up code sees it. */
void _fpreset(void) {}

/* msvcrt's x64 _JUMP_BUFFER. */
struct jump_buffer {
    DWORD64 Frame, Rbx, Rsp, Rbp, Rsi, Rdi, R12, R13, R14, R15, Rip;
    DWORD MxCsr;
    WORD FpCsr, Spare;
    M128A Xmm[10];
};

static BYTE *code;
static EXCEPTION_RECORD last_rec;
static CONTEXT last_ctx;
static int calls;
static int skip_len;

static void check(const char *name, int good)
{
    if (good)
        printf("ok %s\n", name);
    else
        printf("FAIL %s: calls %d code %#lx addr %p params %lu [%#llx %#llx] mxcsr %#lx (code %p)\n", name, calls,
               last_rec.ExceptionCode, last_rec.ExceptionAddress, last_rec.NumberParameters,
               (unsigned long long)last_rec.ExceptionInformation[0],
               (unsigned long long)last_rec.ExceptionInformation[1], last_ctx.MxCsr, code);
    fflush(stdout);
}

static WORD x87_cw(void)
{
    WORD cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}

static DWORD sse_csr(void)
{
    DWORD csr;
    __asm__ volatile("stmxcsr %0" : "=m"(csr));
    return csr;
}

static void fpu_defaults(void)
{
    const WORD cw = 0x27f;
    const DWORD csr = 0x1f80;
    __asm__ volatile("fninit\n\tfldcw %0\n\tldmxcsr %1" : : "m"(cw), "m"(csr) : "memory");
}

/* The faults of the code below: recorded, the x87 exception cleared, skip_len bytes skipped. */
static LONG CALLBACK veh(EXCEPTION_POINTERS *ep)
{
    DWORD64 rip = ep->ContextRecord->Rip;
    if (rip < (DWORD64)code || rip >= (DWORD64)code + 0x100)
        return EXCEPTION_CONTINUE_SEARCH;
    calls++;
    last_rec = *ep->ExceptionRecord;
    last_ctx = *ep->ContextRecord;
    ep->ContextRecord->FltSave.StatusWord &= ~0x80ff; /* flags, stack fault, summary, busy */
    ep->ContextRecord->Rip += skip_len;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void run(const BYTE *bytes, size_t n, int skip)
{
    memcpy(code, bytes, n);
    FlushInstructionCache(GetCurrentProcess(), code, n);
    calls = 0, skip_len = skip;
    memset(&last_rec, 0, sizeof(last_rec));
    ((void (*)(void))code)();
}

static int sse_fault(DWORD status, int at)
{
    return calls == 1 && last_rec.ExceptionCode == status && last_rec.ExceptionAddress == code + at &&
           last_rec.NumberParameters == 2 && last_rec.ExceptionInformation[0] == 0 &&
           last_rec.ExceptionInformation[1] == last_ctx.MxCsr && last_ctx.Rip == (DWORD64)code + at;
}

static void faults(void)
{
    /* sub $8,%rsp; stmxcsr (%rsp); mov (%rsp),%eax; andl $MASK,(%rsp); ldmxcsr (%rsp) */
#define SSE_UNMASK(b0, b1) 0x48, 0x83, 0xec, 0x08, 0x0f, 0xae, 0x1c, 0x24, 0x8b, 0x04, 0x24, 0x81, 0x24, 0x24, b0, b1, \
                           0xff, 0xff, 0x0f, 0xae, 0x14, 0x24
    /* mov %eax,(%rsp); ldmxcsr (%rsp); add $8,%rsp; ret */
#define SSE_BACK 0x89, 0x04, 0x24, 0x0f, 0xae, 0x14, 0x24, 0x48, 0x83, 0xc4, 0x08, 0xc3
    /* ZM off; mov $1,%ecx; cvtsi2ss %ecx,%xmm1; xorps %xmm0,%xmm0; divss %xmm0,%xmm1 (at 34) */
    static const BYTE zdiv[] = {SSE_UNMASK(0xff, 0xfd), 0xb9, 1, 0, 0, 0, 0xf3, 0x0f, 0x2a, 0xc9,
                                0x0f, 0x57, 0xc0, 0xf3, 0x0f, 0x5e, 0xc8, SSE_BACK};
    /* IM off; xorps %xmm1,%xmm1; xorps %xmm0,%xmm0; divss %xmm0,%xmm1 (at 28) */
    static const BYTE inv[] = {SSE_UNMASK(0x7f, 0xff), 0x0f, 0x57, 0xc9, 0x0f, 0x57, 0xc0,
                               0xf3, 0x0f, 0x5e, 0xc8, SSE_BACK};
    /* DM off; mov $1,%ecx; movd %ecx,%xmm1 (the smallest denormal); addss %xmm1,%xmm1 (at 31) */
    static const BYTE denorm[] = {SSE_UNMASK(0xff, 0xfe), 0xb9, 1, 0, 0, 0, 0x66, 0x0f, 0x6e, 0xc9,
                                  0xf3, 0x0f, 0x58, 0xc9, SSE_BACK};
    run(zdiv, sizeof(zdiv), 4);
    check("sse_zdiv", sse_fault(0xC000008E, 34) && (last_ctx.MxCsr & 0x204) == 0x004);
    run(inv, sizeof(inv), 4);
    check("sse_inv", sse_fault(0xC0000090, 28) && (last_ctx.MxCsr & 0x81) == 0x01);
    run(denorm, sizeof(denorm), 4);
    check("sse_denorm", sse_fault(0xC000008D, 31) && (last_ctx.MxCsr & 0x102) == 0x002);

    /* sub $8,%rsp; fnstcw (%rsp); movzwl (%rsp),%eax; andw $MASK,(%rsp); fldcw (%rsp) */
#define X87_UNMASK(b0) 0x48, 0x83, 0xec, 0x08, 0xd9, 0x3c, 0x24, 0x0f, 0xb7, 0x04, 0x24, 0x66, 0x81, 0x24, 0x24, b0, \
                       0xff, 0xd9, 0x2c, 0x24
    /* fninit; mov %ax,(%rsp); fldcw (%rsp); add $8,%rsp; ret */
#define X87_BACK 0xdb, 0xe3, 0x66, 0x89, 0x04, 0x24, 0xd9, 0x2c, 0x24, 0x48, 0x83, 0xc4, 0x08, 0xc3
    /* ZM off; fld1; fldz; fdivp (1/0); fwait (at 26) */
    static const BYTE x87zdiv[] = {X87_UNMASK(0xfb), 0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xf9, 0x9b, X87_BACK};
    /* IM off; nine fld1 (the ninth overflows the stack); fwait (at 38) */
    static const BYTE x87stack[] = {X87_UNMASK(0xfe), 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8,
                                    0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0x9b, X87_BACK};
    run(x87zdiv, sizeof(x87zdiv), 1);
    check("x87_zdiv", calls == 1 && last_rec.ExceptionCode == 0xC000008E && last_rec.ExceptionAddress == code + 26);
    run(x87stack, sizeof(x87stack), 1);
    check("x87_stack", calls == 1 && last_rec.ExceptionCode == 0xC0000092 && last_rec.ExceptionAddress == code + 38);
}

static DWORD WINAPI thread_fpu(void *arg)
{
    *(DWORD *)arg = (DWORD)x87_cw() << 16 | (sse_csr() & 0xffff);
    return 0;
}

/* NtGetContextThread(GetCurrentThread(), ctx) from here, the stack pointer at its entry in
 * *entry_rsp; when it returns 0 (the call itself), NtContinue(ctx) resumes that context with
 * Rax 0x1234, below a gap that keeps the return address the context's Rsp points at. */
__asm__(".text\n"
        ".globl get_and_continue\n"
        "get_and_continue:\n" /* rcx NtGetContextThread, rdx NtContinue, r8 ctx, r9 entry_rsp */
        "  push %rbx\n"
        "  push %rsi\n"
        "  push %rdi\n"
        "  sub $32, %rsp\n"
        "  mov %rdx, %rbx\n"
        "  mov %r8, %rsi\n"
        "  lea -8(%rsp), %rax\n"
        "  mov %rax, (%r9)\n"
        "  mov %rcx, %rax\n"
        "  mov $-2, %rcx\n"
        "  mov %rsi, %rdx\n"
        "  call *%rax\n"
        "  test %eax, %eax\n"
        "  jnz 1f\n"
        "  movq $0x1234, 0x78(%rsi)\n" /* CONTEXT.Rax */
        "  sub $48, %rsp\n"
        "  mov %rsi, %rcx\n"
        "  xor %edx, %edx\n"
        "  call *%rbx\n"               /* returns only on failure */
        "  add $48, %rsp\n"
        "1:\n"
        "  add $32, %rsp\n"
        "  pop %rdi\n"
        "  pop %rsi\n"
        "  pop %rbx\n"
        "  ret\n");
LONG get_and_continue(NTGETCTX get, NTCONTINUE cont, CONTEXT *ctx, DWORD64 *entry_rsp);

static void contexts(HMODULE nt)
{
    NTGETCTX get = (NTGETCTX)(void *)GetProcAddress(nt, "NtGetContextThread");
    NTCONTINUE cont = (NTCONTINUE)(void *)GetProcAddress(nt, "NtContinue");
    static CONTEXT ctx;
    static DWORD64 entry_rsp;
    memset(&ctx, 0, sizeof(ctx));
    ctx.ContextFlags = CONTEXT_FULL | CONTEXT_FLOATING_POINT;
    LONG st = get_and_continue(get, cont, &ctx, &entry_rsp);
    IMAGE_NT_HEADERS *h = (IMAGE_NT_HEADERS *)((BYTE *)nt + ((IMAGE_DOS_HEADER *)nt)->e_lfanew);
    DWORD64 lo = (DWORD64)nt, hi = lo + h->OptionalHeader.SizeOfImage;
    int good = st == 0x1234 && ctx.Rsp == entry_rsp && ctx.Rip >= lo && ctx.Rip < hi &&
               *(BYTE *)ctx.Rip == 0xc3 && ctx.FltSave.ControlWord == 0x27f && ctx.MxCsr == 0x1f80;
    check("getctx", good);
    if (!good)
        printf("  st %#lx rsp %#llx/%#llx rip %#llx ntdll %#llx-%#llx cw %#x mxcsr %#lx\n", st,
               (unsigned long long)ctx.Rsp, (unsigned long long)entry_rsp, (unsigned long long)ctx.Rip,
               (unsigned long long)lo, (unsigned long long)hi, ctx.FltSave.ControlWord, ctx.MxCsr);
}

static void jumps(HMODULE nt, HMODULE crt)
{
    RTLRESTORE restore = (RTLRESTORE)(void *)GetProcAddress(nt, "RtlRestoreContext");
    /* returns twice: what changes between is static and volatile */
    SETJMP p_setjmp = (SETJMP)(void *)GetProcAddress(crt, "_setjmp");
    static struct jump_buffer jb __attribute__((aligned(16)));
    static CONTEXT ctx;
    static volatile int pass;
    static EXCEPTION_RECORD rec;
    pass = 0;
    RtlCaptureContext(&ctx);
    check("capture", ctx.FltSave.ControlWord == 0x27f && ctx.MxCsr == 0x1f80 && ctx.FltSave.MxCsr == 0x1f80);
    p_setjmp(&jb, NULL);
    if (++pass == 1) {
        check("setjmp", jb.FpCsr == 0x27f && jb.MxCsr == 0x1f80);
        jb.FpCsr = 0x7f, jb.MxCsr = 0x3f80;
        rec.ExceptionCode = 0x80000026; /* STATUS_LONGJUMP */
        rec.NumberParameters = 1;
        rec.ExceptionInformation[0] = (ULONG_PTR)&jb;
        restore(&ctx, &rec);
        pass = 100; /* not reached */
    }
    WORD cw = x87_cw();
    DWORD csr = sse_csr();
    fpu_defaults();
    check("longjmp", pass == 2 && cw == 0x7f && csr == 0x3f80 && ctx.FltSave.ControlWord == 0x7f &&
                         ctx.MxCsr == 0x3f80 && ctx.FltSave.MxCsr == 0x3f80 && ctx.Rip == jb.Rip && ctx.Rsp == jb.Rsp);
}

static void tables(HMODULE nt)
{
    RTLADDFT add = (RTLADDFT)(void *)GetProcAddress(nt, "RtlAddFunctionTable");
    RTLDELFT del = (RTLDELFT)(void *)GetProcAddress(nt, "RtlDeleteFunctionTable");
    static RUNTIME_FUNCTION none[1];
    BOOLEAN a = add(none, 0, (DWORD64)code);
    BOOLEAN d1 = del(none), d2 = del(none);
    check("ftable_empty", a && d1 && !d2);
}

int main(void)
{
    WORD cw = x87_cw();
    DWORD csr = sse_csr();
    check("fpu_main", cw == 0x27f && csr == 0x1f80);
    if (cw != 0x27f || csr != 0x1f80)
        printf("  cw %#x mxcsr %#lx\n", cw, csr);
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    HMODULE crt = LoadLibraryA("msvcrt.dll");
    code = VirtualAlloc(NULL, 0x1000, MEM_COMMIT, PAGE_EXECUTE_READWRITE);
    jumps(nt, crt);
    DWORD t = 0;
    HANDLE th = CreateThread(NULL, 0, thread_fpu, &t, 0, NULL);
    WaitForSingleObject(th, INFINITE);
    check("thread", t == (0x27fu << 16 | 0x1f80));
    contexts(nt);
    AddVectoredExceptionHandler(1, veh);
    faults();
    tables(nt);
    return 0;
}
