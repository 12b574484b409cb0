/* SPDX-License-Identifier: MIT */
/* seh_rt.h - what the CRT-free clang-built test programs (seh.c, veh.c) share: the Windows
 * types they use, the kernel32 imports every one needs, and the "ok NAME" / "FAIL NAME" line
 * writer (one WriteFile per line). */
#ifndef SEH_RT_H
#define SEH_RT_H

typedef unsigned long DWORD;
typedef long LONG;
typedef unsigned short WORD;
typedef unsigned long long ULONG_PTR, DWORD64;
typedef void *HANDLE;
typedef int BOOL;

typedef struct {
    DWORD ExceptionCode, ExceptionFlags;
    void *ExceptionRecord, *ExceptionAddress;
    DWORD NumberParameters;
    ULONG_PTR ExceptionInformation[15];
} EXCEPTION_RECORD;
typedef struct __declspec(align(16)) {
    DWORD64 P1Home, P2Home, P3Home, P4Home, P5Home, P6Home;
    DWORD ContextFlags, MxCsr;
    WORD SegCs, SegDs, SegEs, SegFs, SegGs, SegSs;
    DWORD EFlags;
    DWORD64 Dr0, Dr1, Dr2, Dr3, Dr6, Dr7;
    DWORD64 Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15, Rip;
    char rest[0x4d0 - 0x100];
} CONTEXT;
typedef struct {
    EXCEPTION_RECORD *ExceptionRecord;
    CONTEXT *ContextRecord;
} EXCEPTION_POINTERS;
typedef struct {
    DWORD BeginAddress, EndAddress, UnwindData;
} RUNTIME_FUNCTION;

#define IMPORT __declspec(dllimport)
IMPORT HANDLE __stdcall GetStdHandle(DWORD);
IMPORT BOOL __stdcall WriteFile(HANDLE, const void *, DWORD, DWORD *, void *);
IMPORT void __stdcall RaiseException(DWORD, DWORD, DWORD, const ULONG_PTR *);
IMPORT void *__stdcall SetUnhandledExceptionFilter(void *);

static int failures;

static void out(const char *s)
{
    DWORD n = 0, done;
    while (s[n])
        n++;
    WriteFile(GetStdHandle((DWORD)-11), s, n, &done, 0);
}

static void check(const char *name, int ok)
{
    char line[64];
    const char *p = ok ? "ok " : "FAIL ";
    int n = 0;
    while (*p)
        line[n++] = *p++;
    while (*name && n < 60)
        line[n++] = *name++;
    line[n++] = '\n';
    line[n] = 0;
    out(line);
    failures += !ok;
}

static void out_hex(const char *prefix, DWORD64 v)
{
    char buf[40], tmp[16];
    int n = 0, k = 0;
    while (*prefix)
        buf[n++] = *prefix++;
    buf[n++] = '0', buf[n++] = 'x';
    do
        tmp[k++] = "0123456789abcdef"[v & 15];
    while (v >>= 4);
    while (k)
        buf[n++] = tmp[--k];
    buf[n++] = '\n', buf[n] = 0;
    out(buf);
}

#endif
