/* SPDX-License-Identifier: MIT */
/* sehstk.c - sehstk.exe: a stack overflow in PE code (issue 13), built like seh.exe (clang for
 * the MSVC target, CRT-free, import libraries from seh_kernel32.def and seh_msvcrt.def).
 * A recursion runs past the end of the main thread's stack: a vectored handler sees
 * STATUS_STACK_OVERFLOW (0xc00000fd) once and passes, an __except filter around the recursion
 * catches it (both run on the stack's remaining guarantee space).  msvcrt's _resetstkoflw
 * then puts the guard back, so a second recursion overflows and is caught the same way.
 * Writes "overflow 1", "reset 1", "overflow 2", then "vectored 2" and exits 0; any surprise
 * exits 1. */
typedef unsigned long DWORD;
typedef long LONG;
typedef void *HANDLE;
typedef int BOOL;

#define IMPORT __declspec(dllimport)
IMPORT HANDLE __stdcall GetStdHandle(DWORD);
IMPORT BOOL __stdcall WriteFile(HANDLE, const void *, DWORD, DWORD *, void *);
IMPORT void *__stdcall AddVectoredExceptionHandler(DWORD, LONG(__stdcall *)(void *));
IMPORT int __cdecl _resetstkoflw(void);
unsigned long __cdecl _exception_code(void);

static void out(const char *s)
{
    DWORD n = 0, done;
    while (s[n])
        n++;
    WriteFile(GetStdHandle((DWORD)-11), s, n, &done, 0);
}

static volatile int vectored;

static LONG __stdcall count_overflows(void *ep)
{
    DWORD code = **(DWORD **)ep; /* ep->ExceptionRecord->ExceptionCode */
    if (code == 0xc00000fd)
        vectored++;
    return 0; /* EXCEPTION_CONTINUE_SEARCH */
}

static volatile int deepest;
static volatile int forever = 1; /* opaque to the compiler: the recursion ends by overflow */

/* 512 bytes a frame, below the 4 KiB that would call __chkstk (not linked: /nodefaultlib). */
static __declspec(noinline) int recurse(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    deepest = n;
    return forever ? recurse(n + 1) + pad[0] : 0;
}

/* 1 when the recursion ended in a stack overflow caught here. */
static int overflow(void)
{
    DWORD code = 0;
    __try {
        recurse(0);
    } __except (code = _exception_code(), code == 0xc00000fd) {
    }
    return code == 0xc00000fd && deepest > 100;
}

int start(void)
{
    AddVectoredExceptionHandler(1, count_overflows);
    int first = overflow();
    out(first ? "overflow 1\n" : "FAIL overflow 1\n");
    int reset = _resetstkoflw();
    out(reset ? "reset 1\n" : "FAIL reset\n");
    int second = overflow();
    out(second ? "overflow 2\n" : "FAIL overflow 2\n");
    out(vectored == 2 ? "vectored 2\n" : "FAIL vectored\n");
    return first && reset && second && vectored == 2 ? 0 : 1;
}
