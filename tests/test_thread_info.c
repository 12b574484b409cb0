/* SPDX-License-Identifier: MIT */
/* test_thread_info.c - NtQueryInformationThread, NtSetInformationThread,
 * NtQueryInformationProcess and
 * CreateRemoteThread(Ex) from PE code: thrinfo.exe (tests/images/thrinfo.c lists its checks)
 * under `winvm run`.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

Test(thread_info, queries_and_remote_threads_from_pe_code, .timeout = 60)
{
    if (access(EXE("thrinfo.exe"), R_OK) != 0)
        cr_skip_test("test programs not built (mingw-w64 missing)");
    setenv("WINVM_CACHE_DIR", "/tmp/winvm-test-run-cache", 1);
    static char out[8192];
    FILE *p = popen(WINVM_CLI " run " EXE("thrinfo.exe") " 2>&1", "r");
    cr_assert(p);
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = 0;
    int st = pclose(p);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    int oks = 0;
    for (const char *s = out; (s = strstr(s, "ok ")); s += 3)
        oks++;
    cr_assert_geq(oks, 11, "%s", out);
}
