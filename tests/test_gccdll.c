/* SPDX-License-Identifier: MIT */
/* test_gccdll.c - gcc's own mingw-w64 runtime DLLs beyond the C++ ones (Debian's
 * libquadmath-0.dll and libgomp-1.dll, gcc-mingw-w64-x86-64-posix): loaded from a Linux C program
 * and checked against the Linux libquadmath; PE programs using them under `winvm run` checked
 * against the Linux builds of the same source (tests/images/quad.c, omp.c); and what they
 * needed from kernel32 and msvcrt (GetComputerNameA, _fpreset). */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <quadmath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#ifndef NATIVE_DIR
#define NATIVE_DIR "/nonexistent"
#endif
#define AS(type, p) ((type)(void (*)(void))(p))

static char dir[128];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/winvm-test-gccdll.%d", (int)getpid());
    mkdir(dir, 0700);
    setenv("WINVM_CACHE_DIR", dir, 1);
    unsetenv("WINVM_PATH");
}

static void teardown(void)
{
    tu_remove_tree(dir);
}

TestSuite(gccdll, .init = setup, .fini = teardown);

static void need(const char *path)
{
    if (access(path, R_OK) != 0)
        cr_skip_test("%s is missing (gcc-mingw-w64-x86-64-posix builds it)", path);
}

/* The PE build under `winvm run` and the Linux build print the same, with env in front. */
static void same_as_native(const char *name, const char *env)
{
    char pe[300], native[300], cmd[800], a[8192], b[8192];
    snprintf(pe, sizeof(pe), "%s/%s.exe", WINVM_PE_IMAGES, name);
    snprintf(native, sizeof(native), "%s/%s_native", NATIVE_DIR, name);
    need(pe);
    need(native);
    snprintf(cmd, sizeof(cmd), "%s %s run %s", env, WINVM_CLI, pe);
    cr_assert_eq(tu_capture(cmd, a, sizeof(a)), 0, "%s", a);
    snprintf(cmd, sizeof(cmd), "%s %s", env, native);
    cr_assert_eq(tu_capture(cmd, b, sizeof(b)), 0);
    cr_assert_str_eq(a, b, "%s under winvm vs Linux", name);
}

typedef __float128(__attribute__((ms_abi)) * q_unary)(__float128);
typedef int(__attribute__((ms_abi)) * q_snprintf)(char *, size_t, const char *, ...);

Test(gccdll, libquadmath_from_linux_matches_linux_libquadmath)
{
    HMODULE h = LoadLibraryA("libquadmath-0.dll");
    if (!h && GetLastError() == ERROR_MOD_NOT_FOUND)
        cr_skip_test("libquadmath-0.dll is missing (gcc-mingw-w64-x86-64-posix)");
    cr_assert_not_null(h, "LoadLibraryA: %u (%s)", GetLastError(), winvm_last_load_error());
    q_unary w_sqrtq = AS(q_unary, GetProcAddress(h, "sqrtq"));
    q_unary w_expq = AS(q_unary, GetProcAddress(h, "expq"));
    q_snprintf w_print = AS(q_snprintf, GetProcAddress(h, "quadmath_snprintf"));
    cr_assert(w_sqrtq && w_expq && w_print);
    static const double in[] = {2.0, 3.0, 0.5, 1e300, 12345.678};
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        __float128 x = in[i], r = w_sqrtq(x), want = sqrtq(x);
        cr_assert_eq(memcmp(&r, &want, sizeof(r)), 0, "sqrtq(%g) bit for bit", in[i]);
        char got[128], ref[128];
        cr_assert_gt(w_print(got, sizeof(got), "%.33Qe", w_expq(x / 1e298)), 0);
        quadmath_snprintf(ref, sizeof(ref), "%.33Qe", expq(x / 1e298));
        cr_assert_str_eq(got, ref);
    }
    char got[64];
    int len = w_print(got, sizeof(got), "%.33Qg", w_sqrtq(2));
    cr_assert_eq(len, 33, "%d %s", len, got);
    cr_assert_str_eq(got, "1.4142135623730950488016887242097");
    cr_assert(FreeLibrary(h));
}

Test(gccdll, quadmath_program_same_as_linux)
{
    same_as_native("quad", "");
}

Test(gccdll, openmp_program_same_as_linux)
{
    for (int n = 1; n <= 4; n++) { /* the team's size is what both print */
        char env[32];
        snprintf(env, sizeof(env), "OMP_NUM_THREADS=%d", n);
        same_as_native("omp", env);
    }
}

/* libgomp's question, answered as Windows does: the NetBIOS form of the host's name. */
Test(gccdll, computer_name_is_the_hosts_in_netbios_form)
{
    char host[256] = "", want[16];
    gethostname(host, sizeof(host) - 1);
    size_t n = 0;
    while (host[n] && host[n] != '.' && n < MAX_COMPUTERNAME_LENGTH)
        want[n] = (char)toupper((unsigned char)host[n]), n++;
    want[n] = 0;
    char buf[MAX_COMPUTERNAME_LENGTH + 1];
    DWORD size = sizeof(buf);
    cr_assert(GetComputerNameA(buf, &size));
    cr_assert_str_eq(buf, want);
    cr_assert_eq(size, n, "the length without the terminator");
    WCHAR wbuf[MAX_COMPUTERNAME_LENGTH + 1];
    size = MAX_COMPUTERNAME_LENGTH + 1;
    cr_assert(GetComputerNameW(wbuf, &size));
    cr_assert_eq(size, n);
    for (size_t i = 0; i <= n; i++)
        cr_assert_eq(wbuf[i], (WCHAR)(unsigned char)want[i]);
    size = (DWORD)n; /* no room for the terminator */
    memset(buf, 'x', sizeof(buf));
    SetLastError(0);
    cr_assert_not(GetComputerNameA(buf, &size));
    cr_assert_eq(GetLastError(), ERROR_BUFFER_OVERFLOW);
    cr_assert_eq(size, n + 1, "the size needed");
    cr_assert_eq(buf[0], 'x', "nothing written");
    cr_assert_not(GetComputerNameA(buf, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    size = sizeof(buf);
    cr_assert_not(GetComputerNameA((LPSTR)8, &size));
    cr_assert_eq(GetLastError(), ERROR_NOACCESS);
}

/* _fpreset gives the thread msvcrt's x64 floating-point state back: x87 control word 0x27f,
 * MXCSR 0x1f80 (flags cleared, exceptions masked, round to nearest). */
Test(gccdll, fpreset_restores_msvcrts_state)
{
    HMODULE crt = GetModuleHandleA("msvcrt.dll");
    cr_assert_not_null(crt);
    typedef void(__attribute__((ms_abi)) * reset_fn)(void);
    reset_fn reset = AS(reset_fn, GetProcAddress(crt, "_fpreset"));
    cr_assert_not_null(reset);
    unsigned mx = 0x7f80 | 0x6000 | 0x3f; /* flush to zero, round toward zero, every flag */
    unsigned short cw = 0x0c7f;           /* round toward zero, 64-bit precision */
    __asm__ volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(mx), "m"(cw));
    reset();
    __asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mx), "=m"(cw));
    unsigned short host = 0x37f; /* the Linux ABI's, for the rest of this test process */
    __asm__ volatile("fldcw %0" : : "m"(host));
    cr_assert_eq(mx, 0x1f80u);
    cr_assert_eq(cw, 0x27f);
}

/* libgomp-1.dll from a Linux C program: a parallel region of 3 threads (libwinpthread's, on
 * winvm's CreateThread) runs an ms_abi function once on each, each seeing its own number. */
typedef int(__attribute__((ms_abi)) * g_num)(void);
typedef void(__attribute__((ms_abi)) * g_set)(int);
typedef void(__attribute__((ms_abi)) * g_fn)(void *);
typedef void(__attribute__((ms_abi)) * g_parallel)(g_fn, void *, unsigned, unsigned);
static g_num w_thread_num;

static __attribute__((ms_abi)) void team_member(void *arg)
{
    int *seen = arg;
    __atomic_fetch_or(&seen[0], 1 << w_thread_num(), __ATOMIC_RELAXED);
    __atomic_fetch_add(&seen[1], 1, __ATOMIC_RELAXED);
}

Test(gccdll, libgomp_from_linux_runs_a_parallel_region)
{
    HMODULE h = LoadLibraryA("libgomp-1.dll");
    if (!h && GetLastError() == ERROR_MOD_NOT_FOUND)
        cr_skip_test("libgomp-1.dll is missing (gcc-mingw-w64-x86-64-posix)");
    cr_assert_not_null(h, "LoadLibraryA: %u (%s)", GetLastError(), winvm_last_load_error());
    w_thread_num = AS(g_num, GetProcAddress(h, "omp_get_thread_num"));
    g_set set_threads = AS(g_set, GetProcAddress(h, "omp_set_num_threads"));
    g_num max_threads = AS(g_num, GetProcAddress(h, "omp_get_max_threads"));
    g_parallel parallel = AS(g_parallel, GetProcAddress(h, "GOMP_parallel"));
    cr_assert(w_thread_num && set_threads && max_threads && parallel);
    set_threads(3);
    cr_assert_eq(max_threads(), 3);
    int seen[2] = {0, 0};
    parallel(team_member, seen, 0, 0); /* 0: the team size set above */
    cr_assert_eq(seen[1], 3, "one call per team member");
    cr_assert_eq(seen[0], 0x7, "threads 0, 1 and 2");
    cr_assert_eq(w_thread_num(), 0, "back to one thread");
}
