/* SPDX-License-Identifier: MIT */
/* seh_av.c - row 22's program: __try/__except around a write to address 0x10, timed inside
 * the program with QueryPerformanceCounter.  clang for the MSVC target, CRT-free like
 * tests/images/seh.c; prints "ns_per_av N" (the median of 5 batches of 2000). */
typedef unsigned long DWORD;
typedef long long LONGLONG;
typedef void *HANDLE;
typedef int BOOL;
#define IMPORT __declspec(dllimport)
IMPORT HANDLE __stdcall GetStdHandle(DWORD);
IMPORT BOOL __stdcall WriteFile(HANDLE, const void *, DWORD, DWORD *, void *);
IMPORT BOOL __stdcall QueryPerformanceCounter(LONGLONG *);
IMPORT BOOL __stdcall QueryPerformanceFrequency(LONGLONG *);

static volatile int caught;

static __declspec(noinline) void store(volatile int *p) { *p = 1; }

static void out_num(const char *prefix, unsigned long long v)
{
    char buf[64], tmp[24];
    int n = 0, k = 0;
    while (prefix[n])
        buf[n] = prefix[n], n++;
    do
        tmp[k++] = (char)('0' + v % 10);
    while ((v /= 10) && k < 20);
    while (k)
        buf[n++] = tmp[--k];
    buf[n++] = '\n';
    DWORD done;
    WriteFile(GetStdHandle((DWORD)-11), buf, (DWORD)n, &done, 0);
}

int start(void)
{
    LONGLONG f, t0, t1;
    unsigned long long ns[5];
    QueryPerformanceFrequency(&f);
    for (int b = 0; b < 5; b++) {
        QueryPerformanceCounter(&t0);
        for (int i = 0; i < 2000; i++) {
            __try {
                store((volatile int *)(unsigned long long)0x10);
            } __except (1) {
                caught++;
            }
        }
        QueryPerformanceCounter(&t1);
        ns[b] = (unsigned long long)(t1 - t0) * 1000000000ull / (unsigned long long)f / 2000; /* no floats: no CRT */
    }
    for (int i = 1; i < 5; i++)
        for (int j = i; j > 0 && ns[j] < ns[j - 1]; j--) {
            unsigned long long t = ns[j];
            ns[j] = ns[j - 1], ns[j - 1] = t;
        }
    out_num("ns_per_av ", ns[2]);
    return caught == 10000 ? 0 : 1;
}
