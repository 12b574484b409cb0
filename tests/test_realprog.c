/* SPDX-License-Identifier: MIT */
/* test_realprog.c - programs nobody here wrote run under `winvm run`: Debian's own PE programs
 * (hmac256.exe and dumpsexp.exe of libgcrypt-mingw-w64-dev, with libgcrypt-20.dll and
 * libgpg-error-0.dll... where their imports are served), a C++ program on Debian's shared
 * libstdc++-6.dll and with the runtime linked in, and zlib's minigzip's calls through
 * zlib1.dll, checked against Linux zlib. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define DEBIAN_BIN "/usr/x86_64-w64-mingw32/bin"

static char dir[128];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/winvm-test-realprog.%d", (int)getpid());
    mkdir(dir, 0700);
    char cache[160];
    snprintf(cache, sizeof(cache), "%s/cache", dir);
    mkdir(cache, 0700);
    setenv("WINVM_CACHE_DIR", cache, 1);
    unsetenv("WINVM_PATH");
}

static void teardown(void)
{
    tu_remove_tree(dir);
}

TestSuite(realprog, .init = setup, .fini = teardown);

/* Runs `winvm run ARGS` (a shell word list), stdout into out (stderr is the terminal's: a
 * sanitizer build writes its own notes there); the exit status. */
static int run(const char *args, char *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s run %s", WINVM_CLI, args);
    return tu_capture(cmd, out, cap);
}

static void need(const char *path)
{
    if (access(path, R_OK) != 0)
        cr_skip_test("%s is missing: scripts/bootstrap.sh installs it", path);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

Test(realprog, debian_hmac256_computes_rfc_values)
{
    need(DEBIAN_BIN "/hmac256.exe");
    char file[200], args[400], out[4096];
    snprintf(file, sizeof(file), "%s/msg", dir);
    write_file(file, "hello", 5);
    snprintf(args, sizeof(args), "%s/hmac256.exe key %s", DEBIAN_BIN, file);
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    /* HMAC-SHA256(key "key", "hello"), as Python's hmac module computes it */
    char want[400];
    snprintf(want, sizeof(want), "9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b  %s\n", file);
    cr_assert_str_eq(out, want);
}

Test(realprog, debian_dumpsexp_dumps)
{
    need(DEBIAN_BIN "/dumpsexp.exe");
    char file[200], args[400], out[4096];
    snprintf(file, sizeof(file), "%s/sexp", dir);
    write_file(file, "(3:foo(3:bar4:spam))", 20);
    snprintf(args, sizeof(args), "%s/dumpsexp.exe %s", DEBIAN_BIN, file);
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    cr_assert_str_eq(out, "00000000  28 33 3a 66 6f 6f 28 33  3a 62 61 72 34 3a 73 70  |(3:foo(3:bar4:sp|\n"
                          "00000010  61 6d 29 29                                       |am))|\n");
}

static const char cxx_want[] = "hello 3 2\ndtor f0\ndtor f1\ndtor f2\ndtor f3\ncaught deep\nout_of_range\nbad_alloc\n";

Test(realprog, cxx_on_debians_shared_libstdcxx)
{
    char out[4096];
    cr_assert_eq(run(WINVM_PE_IMAGES "/cxxhello.exe x y", out, sizeof(out)), 7, "%s", out);
    cr_assert_str_eq(out, cxx_want);
}

Test(realprog, cxx_with_the_runtime_linked_in)
{
    char out[4096];
    cr_assert_eq(run(WINVM_PE_IMAGES "/cxxhello_static.exe x y", out, sizeof(out)), 7, "%s", out);
    cr_assert_str_eq(out, cxx_want);
}

Test(realprog, posix_threads_through_libwinpthread)
{
    char out[4096];
    for (int i = 0; i < 5; i++) { /* the hand-overs race differently each time */
        cr_assert_eq(run(WINVM_PE_IMAGES "/pthreads.exe", out, sizeof(out)), 0, "%s", out);
        cr_assert_str_eq(out, "sum 40000\nping-pong 100\nself ok\n");
    }
}

Test(realprog, minigzip_calls_through_zlib1_dll)
{
    cr_assert_eq(access(WINVM_PE_IMAGES "/minigz.exe", R_OK), 0,
                 "minigz.exe was not built: CMake found no libz-mingw-w64-dev (scripts/bootstrap.sh installs it)");
    char in[200], gz[200], back[200], args[700], out[4096];
    snprintf(in, sizeof(in), "%s/in", dir);
    snprintf(gz, sizeof(gz), "%s/in.gz", dir);
    snprintf(back, sizeof(back), "%s/back", dir);
    static char data[300000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = "winvm shares pages between processes until one writes. "[i % 56] ^ (char)(i / 4096);
    write_file(in, data, sizeof(data));
    snprintf(args, sizeof(args), "%s/minigz.exe c %s %s", WINVM_PE_IMAGES, in, gz);
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    char want[64];
    snprintf(want, sizeof(want), "zlib %s\nok %zu\n", zlibVersion(), sizeof(data));
    cr_assert_str_eq(out, want);
    gzFile f = gzopen(gz, "rb"); /* Linux zlib reads what the DLL wrote */
    cr_assert_not_null(f);
    static char got[sizeof(data) + 1];
    cr_assert_eq(gzread(f, got, sizeof(got)), (int)sizeof(data));
    gzclose(f);
    cr_assert_eq(memcmp(got, data, sizeof(data)), 0);
    snprintf(args, sizeof(args), "%s/minigz.exe d %s %s", WINVM_PE_IMAGES, gz, back);
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
    cr_assert_str_eq(out, want);
    FILE *b = fopen(back, "rb");
    cr_assert_not_null(b);
    cr_assert_eq(fread(got, 1, sizeof(got), b), sizeof(data));
    fclose(b);
    cr_assert_eq(memcmp(got, data, sizeof(data)), 0, "round trip through the DLL");
}

Test(realprog, debian_gpg_error_and_mpicalc)
{
    need(DEBIAN_BIN "/gpg-error.exe");
    char out[4096];
    cr_assert_eq(run(DEBIAN_BIN "/gpg-error.exe 1", out, sizeof(out)), 0, "%s", out);
    cr_assert_str_eq(out, "1 = (0, 1) = (GPG_ERR_SOURCE_UNKNOWN, GPG_ERR_GENERAL) = (Unspecified source, General error)\n");
    char args[300];
    snprintf(args, sizeof(args), "%s/mpicalc.exe < /dev/null", DEBIAN_BIN);
    cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
}
