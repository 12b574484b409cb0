/* SPDX-License-Identifier: MIT */
/* test_trace.c - WINVM_DEBUG channels (base/trace.c): the parser, the line format, and silence
 * when off. */
#define _GNU_SOURCE
#include "testutil.h"
#include "base/base.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

Test(trace, parse_channels)
{
    unsigned saved = wv_trace_mask;
    cr_assert_eq(wv_trace_parse(NULL), 0u);
    cr_assert_eq(wv_trace_parse(""), 0u);
    cr_assert_eq(wv_trace_parse("+virtual"), (unsigned)WV_TRACE_VIRTUAL);
    cr_assert_eq(wv_trace_parse("+virtual,+loader"), (unsigned)(WV_TRACE_VIRTUAL | WV_TRACE_LOADER));
    cr_assert_eq(wv_trace_parse("section"), (unsigned)WV_TRACE_SECTION, "a bare name turns it on");
    cr_assert_eq(wv_trace_parse("+all,-seh"), 0x1fu & ~(unsigned)WV_TRACE_SEH);
    cr_assert_eq(wv_trace_parse("+bogus,+thread"), (unsigned)WV_TRACE_THREAD, "unknown names are ignored");
    cr_assert_eq(wv_trace_parse("+relay"), (unsigned)WV_TRACE_RELAY);
    cr_assert_eq(wv_trace_parse("+all") & WV_TRACE_RELAY, 0u, "relay is loud: only by name");
    wv_trace_mask = saved;
}

/* Runs vm.exe (VirtualAlloc/Protect/Free from PE code) with WINVM_DEBUG=debug; stderr in err. */
static int run_vm(const char *debug, char *err, size_t cap)
{
    char cmd[1024], path[64];
    snprintf(path, sizeof(path), "/tmp/winvm-test-trace.%d", (int)getpid());
    snprintf(cmd, sizeof(cmd), "%s%s %s run %s/vm.exe >/dev/null 2>%s", debug ? "WINVM_DEBUG=" : "",
             debug ? debug : "", WINVM_CLI, WINVM_PE_IMAGES, path);
    int st = system(cmd);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    size_t n = fread(err, 1, cap - 1, f);
    err[n] = 0;
    fclose(f);
    unlink(path);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(trace, lines_per_call_on_stderr_when_asked)
{
    static char err[1 << 16];
    cr_assert_eq(run_vm("+virtual,+loader", err, sizeof(err)), 0, "%s", err);
    cr_assert(strstr(err, "winvm:loader:"), "%s", err);
    cr_assert(strstr(err, "vm.exe mapped at 0x"), "%s", err);
    char *line = strstr(err, "winvm:virtual:");
    cr_assert_not_null(line, "%s", err);
    cr_assert(strstr(err, ": VirtualAlloc("), "%s", err);
    cr_assert_null(strstr(err, "winvm:section:"), "a channel not asked for stays quiet");
    for (char *p = err; *p; p = strchr(p, '\n') + 1) { /* every line is a trace line */
        bool sanitizer = !strncmp(p, "==", 2) || !strncmp(p, "False positive", 14) || !strncmp(p, "For details", 11);
        cr_assert(sanitizer || !strncmp(p, "winvm:", 6), "stray output: %.80s", p); /* ASan's notes excepted */
    }
}

Test(trace, silent_by_default)
{
    static char err[1 << 16];
    cr_assert_eq(run_vm(NULL, err, sizeof(err)), 0, "%s", err);
    cr_assert_null(strstr(err, "winvm:"), "%s", err);
}

Test(trace, seh_channel_shows_dispatch)
{
    char cmd[1024], path[64], err[8192];
    snprintf(path, sizeof(path), "/tmp/winvm-test-trace-seh.%d", (int)getpid());
    snprintf(cmd, sizeof(cmd), "WINVM_DEBUG=+seh %s run %s/av.exe >/dev/null 2>%s", WINVM_CLI, WINVM_PE_IMAGES, path);
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 5, "av.exe ends with the access violation's low byte");
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    size_t n = fread(err, 1, sizeof(err) - 1, f);
    err[n] = 0;
    fclose(f);
    unlink(path);
    cr_assert(strstr(err, "winvm:seh:") && strstr(err, "exception 0xc0000005") && strstr(err, "av.exe+0x"), "%s", err);
}

/* Runs image under winvm run with WINVM_DEBUG=debug: its stdout into out, stderr into err. */
static int run_image(const char *debug, const char *image, char *out, size_t ocap, char *err, size_t ecap)
{
    char cmd[1024], opath[64], epath[64];
    snprintf(opath, sizeof(opath), "/tmp/winvm-test-relay-o.%d", (int)getpid());
    snprintf(epath, sizeof(epath), "/tmp/winvm-test-relay-e.%d", (int)getpid());
    snprintf(cmd, sizeof(cmd), "WINVM_DEBUG=%s %s run %s/%s >%s 2>%s", debug, WINVM_CLI, WINVM_PE_IMAGES, image,
             opath, epath);
    int st = system(cmd);
    const char *paths[2] = {opath, epath};
    char *bufs[2] = {out, err};
    size_t caps[2] = {ocap, ecap};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(paths[i], "r");
        cr_assert_not_null(f);
        size_t n = fread(bufs[i], 1, caps[i] - 1, f);
        bufs[i][n] = 0;
        fclose(f);
        unlink(paths[i]);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(trace, relay_logs_each_builtin_call_and_its_result)
{
    static char out[4096], err[1 << 16];
    cr_assert_eq(run_image("+relay", "hello.exe", out, sizeof(out), err, sizeof(err)), 3, "%s", err);
    cr_assert_str_eq(out, "hello, world\n", "the program's behaviour is unchanged");
    /* GetStdHandle(STD_OUTPUT_HANDLE), its result, then WriteFile of the 13 bytes. */
    cr_assert(strstr(err, ": Call kernel32.dll!GetStdHandle(00000000fffffff5,"), "%s", err);
    cr_assert(strstr(err, ") ret=hello.exe+0x"), "the caller as module+offset: %s", err);
    const char *ret = strstr(err, ": Ret  kernel32.dll!GetStdHandle() retval=");
    cr_assert_not_null(ret, "%s", err);
    const char *wf = strstr(err, ": Call kernel32.dll!WriteFile(");
    cr_assert(wf && wf > ret, "calls in order: %s", err);
    cr_assert(strstr(wf, ",000000000000000d,"), "WriteFile's length argument: %s", err);
    cr_assert(strstr(err, "Ret  kernel32.dll!WriteFile() retval=0000000000000001"), "%s", err);
    cr_assert(strstr(err, ": Call kernel32.dll!ExitProcess(0000000000000003,"), "%s", err);
}

Test(trace, relay_keeps_exceptions_and_stack_arguments_working)
{
    /* cxx.exe throws C++ exceptions through frames (RaiseException and unwinding must see the
     * PE caller, not a relay frame) and calls msvcrt with stack arguments (printf). */
    static char plain[1 << 14], relayed[1 << 14], err[1 << 20];
    int a = run_image("", "cxx.exe", plain, sizeof(plain), err, sizeof(err));
    int b = run_image("+relay", "cxx.exe", relayed, sizeof(relayed), err, sizeof(err));
    cr_assert_eq(a, b);
    cr_assert(plain[0], "cxx.exe prints");
    cr_assert_str_eq(relayed, plain);
    cr_assert(strstr(err, "winvm:relay:"), "relay lines were written");
}

Test(trace, relay_through_a_copied_stub)
{
    /* bimg.exe copies ntdll's NtClose stub elsewhere and calls the copy: under +relay the copy
     * goes to the relay stub as the original does, and every check still passes. */
    static char out[8192], err[1 << 20];
    cr_assert_eq(run_image("+relay", "bimg.exe", out, sizeof(out), err, sizeof(err)), 0, "%s", out);
    cr_assert(strstr(out, "ok stub_copy_nt_close"), "%s", out);
    const char *call = strstr(err, ": Call ntdll.dll!NtClose(");
    cr_assert_not_null(call, "the copy's call was relayed");
    cr_assert(!strncmp(strstr(call, ") ret=") ?: "", ") ret=bimg.exe+0x", 17), "called from bimg.exe");
}
