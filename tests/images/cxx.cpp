/* SPDX-License-Identifier: MIT */
// cxx.cpp - cxx.exe: C++ exceptions in one module (issue 13), mingw-w64 g++ with the runtime
// linked in (-static-libgcc -static-libstdc++): libgcc's SEH unwinder raises with
// RaiseException and unwinds with RtlUnwindEx/RtlVirtualUnwind/RtlLookupFunctionEntry, which
// winvm's kernel32 serves.  Prints exactly (test_seh.c checks), exit status 0:
//   caught boom dtors 11      thrown 11 frames deep, every frame's destructor ran once
//   inner 42                  caught, then rethrown with `throw;`
//   rethrown 42               caught again one level out
//   nested 2                  a throw inside a destructor-free catch block, caught outside
//   apc 7 dtors 1             thrown from a QueueUserAPC routine, caught around the SleepEx
//                             that ran it, the waiting frame's destructor run on the way
#include <cstdio>
#include <windows.h>

static int dtors;
struct Err {
    const char *what;
};
struct Guard {
    int id;
    ~Guard() { dtors++; }
};

__attribute__((noinline)) static void thrower(int depth)
{
    Guard g{depth};
    if (depth == 0)
        throw Err{"boom"};
    thrower(depth - 1);
}

__attribute__((noinline)) static void WINAPI throwing_apc(ULONG_PTR v) { throw Err{v == 7 ? "apc" : "?"}; }

__attribute__((noinline)) static void waiter()
{
    Guard g{0};
    QueueUserAPC(throwing_apc, GetCurrentThread(), 7);
    SleepEx(0, TRUE);
    printf("apc not thrown\n");
}

int main()
{
    try {
        thrower(10);
    } catch (const Err &e) {
        printf("caught %s dtors %d\n", e.what, dtors);
    }
    try {
        try {
            throw 42;
        } catch (int v) {
            printf("inner %d\n", v);
            throw;
        }
    } catch (int v) {
        printf("rethrown %d\n", v);
    }
    int n = 0;
    try {
        try {
            throw 1;
        } catch (int) {
            n++;
            throw 2L;
        }
    } catch (long v) {
        n += (int)v - 1;
    }
    printf("nested %d\n", n);
    dtors = 0;
    try {
        waiter();
    } catch (const Err &e) {
        printf("%s 7 dtors %d\n", e.what, dtors);
    }
    return 0;
}
