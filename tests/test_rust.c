/* SPDX-License-Identifier: MIT */
/* test_rust.c - a Rust program for Windows under `winvm run`: rust_std.exe (tests/images/rust_std.rs,
 * Debian's rustc and libstd-rust-dev-windows) runs threads with their own stack size, Mutex and
 * Condvar, channels, Once, thread_local!, a caught panic unwinding through Drop frames, heavy
 * allocation, args and environment, files, the clock, and std::net (a TCP echo between threads with
 * vectored I/O, try_clone, a read timeout; a UDP pair); and rustapi.exe checks from C the calls
 * std makes that winvm serves for it (SetThreadStackGuarantee, BCryptGenRandom,
 * GetUserProfileDirectoryW).  Skipped, with the reason, when rustc or its Windows target is missing. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

TestSuite(rust, .timeout = 180);

static char out[32768];

static int run(const char *env, const char *exe, const char *args)
{
    char envs[512];
    snprintf(envs, sizeof(envs), "env %s", env);
    return tu_run_pe("/tmp", envs, exe, args, out, sizeof(out));
}

static void expect(const char *text)
{
    cr_assert_not_null(strstr(out, text), "\"%s\" missing:\n%s", text, out);
}

Test(rust, rust_std_threads_sync_panics_alloc_env_fs_time)
{
    const char *exe = WINVM_PE_IMAGES "/rust_std.exe";
    if (access(exe, R_OK) != 0)
        cr_skip_test("rust_std.exe not built: rustc with the x86_64-pc-windows-gnu target (Debian's rustc and "
                     "libstd-rust-dev-windows, scripts/bootstrap.sh) is missing");
    /* Every import std makes is served (no WINVM_MISSING_IMPORTS): ws2_32's WSASocketW, WSASend,
     * WSARecv, sendto, recvfrom and WSADuplicateSocketW are exercised by the net checks. */
    int st = run("RUST_STD_VAR=value", exe, "alpha beta");
    cr_assert_eq(st, 40, "status %d (40: every check passed):\n%s", st, out);
    static const char *const names[] = {"threads", "mutex_condvar", "channels", "once", "thread_local",
                                        "panic", "alloc", "env", "fs", "time", "net_tcp", "net_udp"};
    char line[64];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(line, sizeof(line), "ok %s\n", names[i]);
        expect(line);
    }
    expect("summary: 12 passed, 0 failed\n");
    expect("rust_std: to stderr\n");
    expect("panic hook: panicked at 'deep panic at 3'");
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
}

/* std's stack-overflow report: its vectored handler sees STATUS_STACK_OVERFLOW on the overflowing
 * thread (dispatched on the stack's guarantee), names the thread, and the process ends with the
 * exception's code (its low byte as a Linux status). */
Test(rust, rust_stack_overflow_is_reported_by_std)
{
    const char *exe = WINVM_PE_IMAGES "/rust_std.exe";
    if (access(exe, R_OK) != 0)
        cr_skip_test("rust_std.exe not built: rustc with the x86_64-pc-windows-gnu target is missing");
    int st = run("", exe, "overflow");
    cr_assert_eq(st, 0xfd, "status %d:\n%s", st, out);
    expect("recursing\n");
    expect("thread 'recursing' has overflowed its stack\n");
    expect("0xc00000fd (EXCEPTION_STACK_OVERFLOW)");
    cr_assert_null(strstr(out, "joined"), "%s", out);
}

Test(rust, rustapi_stack_guarantee_random_profile)
{
    const char *exe = WINVM_PE_IMAGES "/rustapi.exe";
    if (access(exe, R_OK) != 0)
        cr_skip_test("rustapi.exe not built (mingw-w64 missing)");
    int st = run("", exe, "");
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    expect("ok guarantee_main_10000_4\n");
    expect("ok guarantee_thread_too_big\n");
    expect("ok guarantee_new_thread_starts_at_0\n");
    expect("ok guarantee_main_unchanged_by_thread\n");
    expect("ok guarantee_overflow_room\n");
    expect("ok bcrypt_random\n");
    expect("ok profile_dir\n");
    expect("ok ordinal_8\n");
    expect("ok fileinfo_dir\n");
    expect("ok final_path_dos\n");
    expect("ok set_disposition\n");
    expect("ok copyex_progress\n");
    expect("ok copyex_cancel\n");
    expect("ok symlink_relative\n");
    expect("failures: 0\n");
}
