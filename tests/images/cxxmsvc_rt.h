/* SPDX-License-Identifier: MIT */
/* cxxmsvc_rt.h - what the CRT-free MSVC-ABI C++ test programs (cxxmsvc.cpp, cxxmsvc_dll.cpp)
 * share: kernel32's few imports, the "ok NAME" / "FAIL NAME" lines, the entry point, the
 * operator delete the deleting destructors name (nothing is allocated). */
#ifndef CXXMSVC_RT_H
#define CXXMSVC_RT_H

typedef unsigned long DWORD;
typedef void *HANDLE;
typedef int BOOL;

#define IMPORT extern "C" __declspec(dllimport)
IMPORT HANDLE __stdcall GetStdHandle(DWORD);
IMPORT BOOL __stdcall WriteFile(HANDLE, const void *, DWORD, DWORD *, void *);
IMPORT const char *__stdcall GetCommandLineA(void);
IMPORT void __stdcall ExitProcess(unsigned);

extern "C" int _fltused = 0; /* what code using floating point names (the CRT defines it) */
void operator delete(void *) noexcept {}
void operator delete(void *, unsigned long long) noexcept {}

static int failures;

static inline void out(const char *s)
{
    DWORD n = 0, done;
    while (s[n])
        n++;
    WriteFile(GetStdHandle((DWORD)-11), s, n, &done, 0);
}

static inline void check(const char *name, bool ok)
{
    out(ok ? "ok " : "FAIL ");
    out(name);
    out("\n");
    if (!ok)
        failures++;
}

/* Whether the command line has the word w after the program's name. */
static inline bool has_arg(const char *cl, const char *w)
{
    for (const char *p = cl; *p; p++) {
        if (p != cl && p[-1] != ' ')
            continue;
        int i = 0;
        while (w[i] && p[i] == w[i])
            i++;
        if (!w[i] && (!p[i] || p[i] == ' '))
            return true;
    }
    return false;
}

static inline int finish()
{
    out(failures ? "FAILED\n" : "all passed\n");
    return failures;
}

#endif
