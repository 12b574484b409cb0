/* SPDX-License-Identifier: MIT */
/* test_seh.c - structured exception handling for PE code (issue 13): the unwinder on unwind
 * info built by hand (every unwind code, chained info, prologues, epilogues, corrupt info, a
 * bad stack), function lookup on a loaded DLL, and the clang-built seh.exe (__try/__except/
 * __finally over faults and RaiseException, nested and collided unwinds, the unhandled
 * filter) and veh.exe (continue handlers, OutputDebugString's exceptions) under `winvm run`. */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

/* ---- the unwinder on hand-made unwind info ----
 * One buffer stands for an image: code at 0x100, unwind info at 0x200, chained info at 0x280,
 * RUNTIME_FUNCTIONs at 0x300; a stack at 0x1000. */
struct fake {
    uint8_t *base;
    RUNTIME_FUNCTION *fe;
    uint64_t *stack;
    CONTEXT ctx;
};

static struct fake F;

static void fake_setup(void)
{
    F.base = mmap(NULL, 0x3000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(F.base, MAP_FAILED);
    memset(F.base + 0x100, 0x90, 0x100); /* nops: never an epilogue */
    F.fe = (RUNTIME_FUNCTION *)(F.base + 0x300);
    F.fe[0] = (RUNTIME_FUNCTION){0x100, 0x180, 0x200};
    F.stack = (uint64_t *)(F.base + 0x1000);
    for (int i = 0; i < 64; i++)
        F.stack[i] = 0x1000 + (uint64_t)i; /* slot i holds 0x1000 + i */
    memset(&F.ctx, 0, sizeof(F.ctx));
    F.ctx.Rsp = (uintptr_t)F.stack;
    F.ctx.Rip = (uintptr_t)F.base + 0x150;
}

static void fake_teardown(void) { munmap(F.base, 0x3000); }

/* Unwind info at off: version 1, flags, prolog size, frame register/offset, codes. */
static void info(size_t off, int flags, int prolog, int freg, int foff, int n, const uint16_t *codes)
{
    uint8_t *p = F.base + off;
    p[0] = (uint8_t)(1 | flags << 3), p[1] = (uint8_t)prolog, p[2] = (uint8_t)n;
    p[3] = (uint8_t)(freg | foff << 4);
    memcpy(p + 4, codes, (size_t)n * 2);
}

#define CODE(off, op, inf) ((uint16_t)((off) | (op) << 8 | (inf) << 12))

static DWORD unwind(DWORD type, PEXCEPTION_ROUTINE *h, DWORD64 *frame)
{
    PVOID data;
    return wv_seh_virtual_unwind(type, (uintptr_t)F.base, F.ctx.Rip, F.fe, &F.ctx, h, &data, frame, NULL);
}

TestSuite(unwind, .init = fake_setup, .fini = fake_teardown);

Test(unwind, push_alloc_and_save)
{
    /* push rbx (at 2); sub rsp, 0x20 (at 6); mov [rsp+0x10], rsi (at 11); movaps [rsp], xmm6 (at 15) */
    const uint16_t c[] = {CODE(15, 8, 6), 0, CODE(11, 4, 6), 2, CODE(6, 2, 3), CODE(2, 0, 3)};
    info(0x200, 0, 16, 0, 0, 6, c);
    PEXCEPTION_ROUTINE h;
    DWORD64 frame;
    uintptr_t sp = F.ctx.Rsp;
    cr_assert_eq(unwind(UNW_FLAG_NHANDLER, &h, &frame), 0);
    cr_assert_eq(frame, sp);
    cr_assert_eq(F.ctx.Rsi, 0x1002, "saved at rsp + 0x10: slot 2");
    cr_assert_eq(F.ctx.FltSave.XmmRegisters[6].Low, 0x1000);
    cr_assert_eq(F.ctx.Rbx, 0x1004, "pushed below the 0x20 allocation: slot 4");
    cr_assert_eq(F.ctx.Rip, 0x1005);
    cr_assert_eq(F.ctx.Rsp, sp + 6 * 8);
    cr_assert_null(h);
}

Test(unwind, in_the_prologue_only_what_ran)
{
    const uint16_t c[] = {CODE(6, 2, 3), CODE(2, 0, 3)}; /* push rbx at 2, sub rsp 0x20 at 6 */
    info(0x200, 0, 6, 0, 0, 2, c);
    F.ctx.Rip = (uintptr_t)F.base + 0x102; /* after the push, before the sub */
    PEXCEPTION_ROUTINE h;
    DWORD64 frame;
    uintptr_t sp = F.ctx.Rsp;
    cr_assert_eq(unwind(UNW_FLAG_NHANDLER, &h, &frame), 0);
    cr_assert_eq(F.ctx.Rbx, 0x1000);
    cr_assert_eq(F.ctx.Rip, 0x1001);
    cr_assert_eq(F.ctx.Rsp, sp + 16);
}

Test(unwind, frame_register_and_handler)
{
    /* push rbp; lea rbp, [rsp + 0x20] (SET_FPREG, offset 2 * 16); handler at RVA 0x120 */
    const uint16_t c[] = {CODE(5, 3, 0), CODE(1, 0, 5)};
    info(0x200, UNW_FLAG_EHANDLER, 5, 5, 2, 2, c);
    uint32_t handler_rva = 0x120;
    memcpy(F.base + 0x208, &handler_rva, 4);
    F.ctx.Rsp = (uintptr_t)F.stack - 0x100; /* the body moved rsp (alloca): rbp still tells */
    F.ctx.Rbp = (uintptr_t)F.stack + 0x20;
    PEXCEPTION_ROUTINE h;
    DWORD64 frame;
    cr_assert_eq(unwind(UNW_FLAG_EHANDLER, &h, &frame), 0);
    cr_assert_eq(frame, (uintptr_t)F.stack);
    cr_assert_eq(F.ctx.Rbp, 0x1000);
    cr_assert_eq(F.ctx.Rip, 0x1001);
    cr_assert_eq((uintptr_t)h, (uintptr_t)F.base + 0x120);
    F.ctx.Rsp = (uintptr_t)F.stack - 0x100, F.ctx.Rbp = (uintptr_t)F.stack + 0x20;
    F.ctx.Rip = (uintptr_t)F.base + 0x150;
    cr_assert_eq(unwind(UNW_FLAG_UHANDLER, &h, &frame), 0);
    cr_assert_null(h, "no termination handler asked for");
}

Test(unwind, machine_frame)
{
    const uint16_t c[] = {CODE(0, 10, 1)}; /* an interrupt frame with an error code */
    info(0x200, 0, 0, 0, 0, 1, c);
    F.stack[0] = 0xe;                 /* error code */
    F.stack[1] = 0x7777;              /* rip */
    F.stack[4] = (uintptr_t)F.stack + 0x400; /* rsp */
    PEXCEPTION_ROUTINE h;
    DWORD64 frame;
    cr_assert_eq(unwind(UNW_FLAG_NHANDLER, &h, &frame), 0);
    cr_assert_eq(F.ctx.Rip, 0x7777);
    cr_assert_eq(F.ctx.Rsp, (uintptr_t)F.stack + 0x400);
}

Test(unwind, chained_info)
{
    const uint16_t fragment[] = {CODE(0, 2, 1)};   /* sub rsp, 0x10 */
    const uint16_t primary[] = {CODE(1, 0, 3)};    /* push rbx */
    info(0x200, UNW_FLAG_CHAININFO, 0, 0, 0, 1, fragment);
    RUNTIME_FUNCTION chained = {0x180, 0x1a0, 0x280};
    memcpy(F.base + 0x208, &chained, sizeof(chained));
    info(0x280, 0, 1, 0, 0, 1, primary);
    PEXCEPTION_ROUTINE h;
    DWORD64 frame;
    uintptr_t sp = F.ctx.Rsp;
    cr_assert_eq(unwind(UNW_FLAG_NHANDLER, &h, &frame), 0);
    cr_assert_eq(F.ctx.Rbx, 0x1002);
    cr_assert_eq(F.ctx.Rip, 0x1003);
    cr_assert_eq(F.ctx.Rsp, sp + 32);
}

Test(unwind, epilogue_is_run_forward)
{
    const uint16_t c[] = {CODE(5, 2, 1), CODE(1, 0, 3)}; /* push rbx; sub rsp, 0x10 */
    info(0x200, UNW_FLAG_EHANDLER, 5, 0, 0, 2, c);
    uint32_t handler_rva = 0x120;
    memcpy(F.base + 0x208, &handler_rva, 4);
    /* at 0x150: add rsp, 0x10; pop rbx; ret -- pc after the add: pop rbx; ret */
    const uint8_t epi[] = {0x48, 0x83, 0xc4, 0x10, 0x5b, 0xc3};
    memcpy(F.base + 0x150, epi, sizeof(epi));
    F.ctx.Rip = (uintptr_t)F.base + 0x154;
    PEXCEPTION_ROUTINE h;
    DWORD64 frame;
    uintptr_t sp = F.ctx.Rsp;
    cr_assert_eq(unwind(UNW_FLAG_EHANDLER, &h, &frame), 0);
    cr_assert_eq(F.ctx.Rbx, 0x1000, "the pop, not the unwind codes (which would skip 0x10)");
    cr_assert_eq(F.ctx.Rip, 0x1001);
    cr_assert_eq(F.ctx.Rsp, sp + 16);
    cr_assert_null(h, "a frame in its epilogue has no handler");
}

Test(unwind, corrupt_info_and_bad_stack)
{
    const uint16_t c[] = {CODE(1, 0, 3)};
    info(0x200, 0, 1, 0, 0, 1, c);
    F.base[0x200] = 5; /* version 5 */
    CONTEXT before = F.ctx;
    PEXCEPTION_ROUTINE h;
    DWORD64 frame;
    cr_assert_eq(unwind(UNW_FLAG_NHANDLER, &h, &frame), STATUS_BAD_FUNCTION_TABLE);
    cr_assert_eq(memcmp(&before, &F.ctx, sizeof(before)), 0, "context unchanged");
    const uint16_t bad_op[] = {CODE(1, 13, 0)};
    info(0x200, 0, 1, 0, 0, 1, bad_op);
    cr_assert_eq(unwind(UNW_FLAG_NHANDLER, &h, &frame), STATUS_BAD_FUNCTION_TABLE);
    const uint16_t cut[] = {CODE(1, 1, 1), 0}; /* ALLOC_LARGE needs three slots: two given */
    info(0x200, 0, 1, 0, 0, 2, cut);
    cr_assert_eq(unwind(UNW_FLAG_NHANDLER, &h, &frame), STATUS_BAD_FUNCTION_TABLE);
    info(0x200, 0, 1, 0, 0, 1, c);
    F.ctx.Rsp = 0x10; /* unmapped */
    cr_assert_eq(unwind(UNW_FLAG_NHANDLER, &h, &frame), STATUS_BAD_STACK);
    F.fe[0].UnwindData = 0x7ffffff0; /* info outside anything mapped */
    F.ctx.Rsp = (uintptr_t)F.stack;
    cr_assert_eq(unwind(UNW_FLAG_NHANDLER, &h, &frame), STATUS_BAD_FUNCTION_TABLE);
}

Test(unwind, run_time_function_table)
{
    const uint16_t c[] = {CODE(1, 0, 3)};
    info(0x200, 0, 1, 0, 0, 1, c);
    DWORD64 base = 1;
    cr_assert_null(wv_seh_lookup((uintptr_t)F.base + 0x150, &base));
    cr_assert_eq(base, 0, "not PE code");
    cr_assert(wv_seh_table_add(F.fe, 1, (uintptr_t)F.base));
    cr_assert_eq(wv_seh_lookup((uintptr_t)F.base + 0x150, &base), F.fe);
    cr_assert_eq(base, (uintptr_t)F.base);
    cr_assert_null(wv_seh_lookup((uintptr_t)F.base + 0x190, &base), "past EndAddress");
    cr_assert(wv_seh_table_delete(F.fe));
    cr_assert_not(wv_seh_table_delete(F.fe), "deleted twice");
    cr_assert_null(wv_seh_lookup((uintptr_t)F.base + 0x150, &base));
    cr_assert_not(wv_seh_table_callback(0x1000, (uintptr_t)F.base, 0x100, NULL, NULL), "identifier's low bits");
}

Test(unwind, empty_function_table)
{
    const uint16_t c[] = {CODE(1, 0, 3)};
    info(0x200, 0, 1, 0, 0, 1, c);
    DWORD64 base = 1;
    cr_assert(wv_seh_table_add(F.fe, 0, (uintptr_t)F.base), "no entries: kept, as Windows keeps it");
    cr_assert_null(wv_seh_lookup((uintptr_t)F.base + 0x150, &base), "it covers nothing");
    cr_assert_eq(base, 0);
    cr_assert(wv_seh_table_delete(F.fe));
    cr_assert_not(wv_seh_table_delete(F.fe), "deleted once");
    cr_assert_not(wv_seh_table_add(NULL, 0, (uintptr_t)F.base), "no table");
}

/* ---- a loaded DLL's .pdata ---- */

Test(lookup, functions_of_a_loaded_dll)
{
    if (access(EXE("dep.dll"), R_OK) != 0)
        cr_skip_test("test images not built");
    HMODULE h = LoadLibraryA(EXE("dep.dll"));
    cr_assert_not_null(h, "%s", winvm_last_load_error());
    uintptr_t f = (uintptr_t)GetProcAddress(h, "dep_twice");
    cr_assert(f);
    DWORD64 base = 0;
    PRUNTIME_FUNCTION fe = wv_seh_lookup(f, &base);
    cr_assert_not_null(fe);
    cr_assert_eq(base, (uintptr_t)h);
    cr_assert_eq(base + fe->BeginAddress, f);
    cr_assert_eq(wv_seh_image_base(f), (void *)h);
    cr_assert_null(wv_seh_lookup((uintptr_t)h + 0x10, &base), "the headers: no function");
    cr_assert_eq(base, (uintptr_t)h, "but in the image: a leaf");
    cr_assert_null(wv_seh_image_base((uintptr_t)&base));
    /* kernel32's forwards to ntdll's (loader/builtin.c) */
    void *nt = (void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), "RtlLookupFunctionEntry");
    cr_assert_not_null(nt);
    cr_assert_eq(nt, GetProcAddress(LoadLibraryA("kernel32.dll"), "RtlLookupFunctionEntry"));
    cr_assert_eq(wv_seh_lookup(f, &base), fe, "again (from the thread's cache)");
    cr_assert(FreeLibrary(h));
    /* The thread's cache of lookups (seh/lookup.c) must not answer for an image gone. */
    base = 1;
    cr_assert_null(wv_seh_lookup(f, &base), "dep.dll unloaded: no function there");
    cr_assert_eq(base, 0);
}

/* The walker replays a pc's decoded unwind (seh/walk.c): not once the image is gone. */
Test(lookup, a_frame_of_an_unloaded_dll_is_not_replayed)
{
    if (access(EXE("dep.dll"), R_OK) != 0)
        cr_skip_test("test images not built");
    HMODULE h = LoadLibraryA(EXE("dep.dll"));
    cr_assert_not_null(h, "%s", winvm_last_load_error());
    uintptr_t f = (uintptr_t)GetProcAddress(h, "dep_twice");
    DWORD64 base, stack[4] = {0x1234, 0, 0, 0}; /* a return address in no image */
    cr_assert_not_null(wv_seh_lookup(f, &base));
    CONTEXT c;
    struct wv_step st;
    for (int round = 0; round < 2; round++) { /* the second from the thread's plans */
        memset(&c, 0, sizeof(c));
        c.Rip = f, c.Rsp = (uintptr_t)stack;
        cr_assert_eq(wv_seh_step(&c, UNW_FLAG_NHANDLER, &st), WV_STEP_FRAME, "round %d", round);
        cr_assert_eq(c.Rip, 0x1234);
        cr_assert_eq(c.Rsp, (uintptr_t)&stack[1]);
        cr_assert_eq(st.base, (uintptr_t)h);
    }
    cr_assert(FreeLibrary(h));
    memset(&c, 0, sizeof(c));
    c.Rip = f, c.Rsp = (uintptr_t)stack;
    cr_assert_eq(wv_seh_step(&c, UNW_FLAG_NHANDLER, &st), WV_STEP_END, "dep.dll unloaded: no PE frame there");
}

Test(lookup, ntdll_exports_sorted)
{
    for (size_t i = 1; wv_nt_name_at(i); i++)
        cr_assert_lt(strcmp(wv_nt_name_at(i - 1), wv_nt_name_at(i)), 0, "%s", wv_nt_name_at(i));
    cr_assert_not_null(wv_crt_lookup("__C_specific_handler"));
    cr_assert_eq(wv_crt_lookup("__C_specific_handler"), wv_nt_lookup("__C_specific_handler"));
}

/* ---- PE programs under `winvm run` ---- */

struct result {
    int status;
    char out[65536], err[8192];
};

static void drain(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
}

static void run(struct result *r, const char *exe)
{
    int out[2], err[2];
    cr_assert_eq(pipe(out), 0);
    cr_assert_eq(pipe(err), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1), dup2(err[1], 2);
        for (int fd = 3; fd < 256; fd++)
            close(fd);
        setenv("WINVM_CACHE_DIR", TU_RUN_CACHE, 1);
        execl(WINVM_CLI, WINVM_CLI, "run", exe, (char *)NULL);
        _exit(99);
    }
    close(out[1]), close(err[1]);
    drain(out[0], r->out, sizeof(r->out));
    drain(err[0], r->err, sizeof(r->err));
    close(out[0]), close(err[0]);
    int st;
    waitpid(pid, &st, 0);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static struct result R;

Test(run_seh, try_except_finally_in_clang_code, .timeout = 60)
{
    if (access(EXE("seh.exe"), R_OK) != 0)
        cr_skip_test("seh.exe not built (clang, lld-link or llvm-dlltool missing)");
    run(&R, EXE("seh.exe"));
    cr_assert_null(strstr(R.out, "FAIL"), "%s%s", R.out, R.err);
    const char *checks[] = {"av", "read_av", "callnull", "finally", "unwind", "divzero", "illegal", "raise", "continue",
                            "fixup", "noncont", "guard", "search", "infilter", "collided", "pdata",
                            "backtrace", "context", "longjmp", "uef"};
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        char line[64];
        snprintf(line, sizeof(line), "ok %s\n", checks[i]);
        cr_assert(strstr(R.out, line), "missing %s in:\n%s%s", line, R.out, R.err);
    }
    cr_assert(strstr(R.out, "filter 0xe000002a\n"), "%s", R.out);
    cr_assert_eq(R.status, 0x2a, "the filter's EXCEPTION_EXECUTE_HANDLER ends it with the code: %d %s", R.status,
                 R.err);
    const char *report = "winvm: unhandled exception 0xe0000079";
    const char *at = strstr(R.err, report);
    cr_assert(at, "UnhandledExceptionFilter without a filter reports: %s", R.err);
    cr_assert_null(strstr(at + 1, "winvm:"), "no other report, the program's filter decided: %s", R.err);
    cr_assert_eq(at, strstr(R.err, "winvm:"), "%s", R.err);
}

/* tests/images/veh.c says what each check shows. */
Test(run_seh, continue_handlers_and_debug_strings_from_pe_code, .timeout = 60)
{
    if (access(EXE("veh.exe"), R_OK) != 0)
        cr_skip_test("veh.exe not built (clang, lld-link or llvm-dlltool missing)");
    run(&R, EXE("veh.exe"));
    const char *want = "ok handles\nok order\nok early\nok ctx\nok frame\nok filter\nok odsa\nok odsw\n"
                       "ok odsw_cont\n";
    cr_assert_str_eq(R.out, want, "%s", R.err);
    cr_assert_eq(R.status, 0, "%s", R.err);
}

/* tests/images/excgp.c says what each check shows (mingw, so built with the other images). */
Test(run_seh, gp_faults_debug_service_and_start_filter_from_pe_code, .timeout = 60)
{
    run(&R, EXE("excgp.exe"));
    const char *want = "ok priv\nok segs\nok int2c\nok intff\nok dbgprint\nok dbgbreak\nok int3\nok rtluef\n"
                       "ok ntterm\n";
    cr_assert_str_eq(R.out, want, "%s", R.err);
    cr_assert_eq(R.status, 0x02, "no filter once RtlSetUnhandledExceptionFilter(NULL): %d %s", R.status, R.err);
    cr_assert(strstr(R.err, "winvm: unhandled exception 0xe0000002"), "%s", R.err);
}

/* tests/images/fsgs.c says what each check shows.  Without the fs/gs repair (fault/seg.c) the
 * process dies at the first export after the null selectors (glibc's thread pointer is gone). */
Test(run_seh, null_fs_and_gs_selectors_from_pe_code, .timeout = 60)
{
    run(&R, EXE("fsgs.exe"));
    const char *want = "ok export\nok gs_read\nok av\nok int3\nok segs\nprinted 1234\nok crt\nok overlong\n";
    cr_assert_str_eq(R.out, want, "%s", R.err);
    cr_assert_eq(R.status, 0, "%s", R.err);
}

/* tests/images/fpctx.c says what each check shows. */
Test(run_seh, fpu_state_contexts_and_float_exceptions_from_pe_code, .timeout = 60)
{
    run(&R, EXE("fpctx.exe"));
    const char *want = "ok fpu_main\nok capture\nok setjmp\nok longjmp\nok thread\nok getctx\nok sse_zdiv\n"
                       "ok sse_inv\nok sse_denorm\nok x87_zdiv\nok x87_stack\nok ftable_empty\n";
    cr_assert_str_eq(R.out, want, "%s", R.err);
    cr_assert_eq(R.status, 0, "%s", R.err);
}

Test(run_seh, cxx_throw_catch_rethrow_destructors, .timeout = 60)
{
    if (access(EXE("cxx.exe"), R_OK) != 0)
        cr_skip_test("cxx.exe not built (mingw-w64 g++ missing)");
    run(&R, EXE("cxx.exe"));
    cr_assert_str_eq(R.out, "caught boom dtors 11\ninner 42\nrethrown 42\nnested 2\napc 7 dtors 1\n", "%s", R.err);
    cr_assert_eq(R.status, 0, "%s", R.err);
}

Test(run_seh, cxx_exception_across_a_dll, .timeout = 60)
{
    if (access(EXE("cxxmain.exe"), R_OK) != 0)
        cr_skip_test("cxxmain.exe not built (mingw-w64 g++ missing)");
    run(&R, EXE("cxxmain.exe"));
    cr_assert_str_eq(R.out, "across 7 dtors 1\n", "%s", R.err);
    cr_assert_eq(R.status, 0, "%s", R.err);
}

Test(run_seh, stack_overflow_caught_twice_with_resetstkoflw, .timeout = 60)
{
    if (access(EXE("sehstk.exe"), R_OK) != 0)
        cr_skip_test("sehstk.exe not built (clang, lld-link or llvm-dlltool missing)");
    run(&R, EXE("sehstk.exe"));
    cr_assert_str_eq(R.out, "overflow 1\nreset 1\noverflow 2\nvectored 2\n", "%s", R.err);
    cr_assert_eq(R.status, 0, "%s", R.err);
}

/* tests/images/sehapc.c says what each check shows: APC routines that unwind, longjmp or raise
 * out to the alertable call's caller (without the gates the walk ended at winvm's APC call:
 * STATUS_INVALID_UNWIND_TARGET, or the exception unhandled). */
Test(run_seh, unwinds_and_exceptions_out_of_apcs, .timeout = 60)
{
    if (access(EXE("sehapc.exe"), R_OK) != 0)
        cr_skip_test("sehapc.exe not built (clang, lld-link or llvm-dlltool missing)");
    run(&R, EXE("sehapc.exe"));
    cr_assert_null(strstr(R.out, "FAIL"), "%s%s", R.out, R.err);
    const char *checks[] = {"unwind_sleep", "unwind_continue", "longjmp", "except", "testalert", "filter_continue",
                            "one_at_a_time"};
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        char line[64];
        snprintf(line, sizeof(line), "ok %s\n", checks[i]);
        cr_assert(strstr(R.out, line), "missing %s in:\n%s%s", line, R.out, R.err);
    }
    cr_assert_eq(R.status, 0, "%s%s", R.out, R.err);
}
