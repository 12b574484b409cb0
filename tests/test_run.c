/* SPDX-License-Identifier: MIT */
/* test_run.c - `winvm run` on the mingw-built programs of tests/images: output, exit codes,
 * command line, stdin, the memory API and exceptions from PE code, run-time loading, TLS,
 * refusals, and two concurrent instances sharing their pages. */
#define _GNU_SOURCE
#include "testutil.h"
#include "pe/pe.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdint.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

struct result {
    int status; /* exit status, or 128 + signal */
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

/* Runs `winvm run argv...` with input on stdin; captures stdout, stderr and the status. */
static void run(struct result *r, const char *input, const char *const *argv)
{
    int in[2], out[2], err[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    cr_assert_eq(pipe(err), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0), dup2(out[1], 1), dup2(err[1], 2);
        for (int fd = 3; fd < 256; fd++)
            close(fd);
        const char *args[32] = {WINVM_CLI, "run"};
        int k = 2;
        for (int i = 0; argv[i] && k < 31; i++)
            args[k++] = argv[i];
        args[k] = NULL;
        setenv("WINVM_CACHE_DIR", TU_RUN_CACHE, 1);
        execv(WINVM_CLI, (char **)args);
        _exit(99);
    }
    close(in[0]), close(out[1]), close(err[1]);
    if (input && write(in[1], input, strlen(input)) != (ssize_t)strlen(input))
        cr_log_warn("short write to the program");
    close(in[1]);
    drain(out[0], r->out, sizeof(r->out));
    drain(err[0], r->err, sizeof(r->err));
    close(out[0]), close(err[0]);
    int st;
    waitpid(pid, &st, 0);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define RUN(r, input, ...) run(r, input, (const char *const[]){__VA_ARGS__, NULL})

static struct result R;

static void setup(void)
{
    tu_need_pe(EXE("hello.exe"), NULL);
}

TestSuite(run, .init = setup, .timeout = 60);

Test(run, hello_world_and_exit_code)
{
    RUN(&R, NULL, EXE("hello.exe"));
    cr_assert_str_eq(R.out, "hello, world\n");
    cr_assert_eq(R.status, 3, "ExitProcess(3): %d (%s)", R.status, R.err);
}

Test(run, command_line_quoted_as_windows_reads_it)
{
    RUN(&R, NULL, EXE("args.exe"), "a", "b c", "d\"e", "f\\", "", "g\\\\\"h");
    cr_assert_eq(R.status, 7, "%s%s", R.out, R.err);
    const char *want[] = {"argv[1]=a\n", "argv[2]=b c\n", "argv[3]=d\"e\n", "argv[4]=f\\\n", "argv[5]=\n",
                          "argv[6]=g\\\\\"h\n"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        cr_assert(strstr(R.out, want[i]), "missing %s in:\n%s", want[i], R.out);
    cr_assert(strstr(R.out, "argv[0]=") && strstr(R.out, "args.exe"), "%s", R.out);
}

Test(run, reads_stdin)
{
    RUN(&R, "Hello stdin\nline two\n", EXE("echo.exe"));
    cr_assert_eq(R.status, 0);
    cr_assert_str_eq(R.out, "HELLO STDIN\nLINE TWO\n");
}

/* Programs that print "ok NAME"/"FAIL NAME" per check and exit with the failures. */
static void all_ok(const char *exe, int min_checks)
{
    RUN(&R, NULL, exe);
    cr_assert_eq(R.status, 0, "%s: %d failures:\n%s%s", exe, R.status, R.out, R.err);
    cr_assert_null(strstr(R.out, "FAIL"), "%s", R.out);
    int oks = 0;
    for (const char *p = R.out; (p = strstr(p, "ok ")); p += 3)
        oks++;
    cr_assert_geq(oks, min_checks, "%s: %d checks ran:\n%s", exe, oks, R.out);
}

Test(run, memory_api_guard_pages_and_handlers_from_pe_code) { all_ok(EXE("vm.exe"), 15); }
Test(run, loads_a_dll_at_run_time) { all_ok(EXE("rtload.exe"), 12); }
Test(run, tls_slots) { all_ok(EXE("tls.exe"), 8); }
Test(run, ntdll_memory_calls_and_psapi_from_pe_code) { all_ok(EXE("ntmem.exe"), 14); }
Test(run, placeholder_ring_buffer_from_pe_code) { all_ok(EXE("ringbuf.exe"), 9); }

Test(run, access_violation_ends_with_its_code)
{
    RUN(&R, NULL, EXE("av.exe"));
    cr_assert_str_eq(R.out, "before\n");
    cr_assert_eq(R.status, 0xC0000005 & 0xff, "exit %d", R.status);
    cr_assert(strstr(R.err, "0xc0000005") && strstr(R.err, "writing 0x10"), "%s", R.err);
    cr_assert(strstr(R.err, " (av.exe+0x"), "the report names the module: %s", R.err);
}

Test(run, refusals_say_why)
{
    struct {
        const char *exe, *says;
        int status;
    } cases[] = {
        {EXE("gui.exe"), "GUI", 126},
        {EXE("noreloc.exe"), "cannot be relocated", 126},
        {EXE("dep.dll"), "DLL", 126},
        {EXE("dep.dll.objdump"), "not a PE image", 126},
        {EXE("nothere.exe"), "No such file", 127},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        RUN(&R, NULL, cases[i].exe);
        cr_assert_eq(R.status, cases[i].status, "%s: %d", cases[i].exe, R.status);
        cr_assert(strstr(R.err, cases[i].says), "%s: %s", cases[i].exe, R.err);
        cr_assert_str_empty(R.out, "%s ran: %s", cases[i].exe, R.out);
    }
}

Test(run, missing_import_stops_before_start)
{
    /* missing.dll imports absent.dll; an EXE importing it is stopped naming what is missing. */
    char exe[256];
    snprintf(exe, sizeof(exe), "/tmp/winvm-test-run-%d.exe", (int)getpid());
    /* hello.exe with its import of ExitProcess renamed: an import winvm does not provide. */
    FILE *f = fopen(EXE("hello.exe"), "rb");
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    char *p = memmem(buf, n, "ExitProcess", 11);
    cr_assert_not_null(p);
    memcpy(p, "ExitProcesZ", 11);
    f = fopen(exe, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    RUN(&R, NULL, exe);
    unlink(exe);
    cr_assert_eq(R.status, 126);
    cr_assert(strstr(R.err, "ExitProcesZ"), "%s", R.err);
    cr_assert_str_empty(R.out, "it must not start: %s", R.out);
}

/* ---- two concurrent instances share their pages ---- */

struct inst {
    pid_t pid;
    int to;
    unsigned long long hinstance, dep, wrote;
};

static void start_instance(struct inst *in, bool write_page)
{
    int i2[2], o2[2];
    cr_assert_eq(pipe(i2), 0);
    cr_assert_eq(pipe(o2), 0);
    in->pid = fork();
    if (in->pid == 0) {
        dup2(i2[0], 0), dup2(o2[1], 1);
        for (int fd = 3; fd < 256; fd++)
            close(fd);
        setenv("WINVM_CACHE_DIR", TU_RUN_CACHE, 1);
        execl(WINVM_CLI, WINVM_CLI, "run", EXE("instance.exe"), write_page ? "write" : NULL, (char *)NULL);
        _exit(99);
    }
    close(i2[0]), close(o2[1]);
    in->to = i2[1];
    FILE *f = fdopen(o2[0], "r");
    char line[128];
    in->wrote = 0;
    while (fgets(line, sizeof(line), f) && strncmp(line, "ready", 5)) {
        sscanf(line, "hinstance=%llx", &in->hinstance);
        sscanf(line, "dep=%llx", &in->dep);
        sscanf(line, "wrote=%llx", &in->wrote);
    }
    fclose(f);
}

static void stop_instance(struct inst *in)
{
    close(in->to);
    int st;
    waitpid(in->pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* pagemap entry of pid's page at addr */
static uint64_t entry_of(pid_t pid, uint64_t addr)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
    int fd = open(path, O_RDONLY);
    uint64_t e = 0;
    if (pread(fd, &e, 8, (off_t)(addr / 4096 * 8)) != 8)
        e = 0;
    close(fd);
    return e;
}

Test(run, two_instances_same_hinstance_shared_pages)
{
    NEED_FREE(0x140000000, 0x10000);
    struct inst a, b;
    start_instance(&a, false);
    start_instance(&b, true);
    cr_assert_eq(a.hinstance, 0x140000000ull, "at its preferred base");
    cr_assert_eq(a.hinstance, b.hinstance, "the same hInstance in both");
    cr_assert_eq(a.dep, b.dep);
    cr_assert_neq(b.wrote, 0);
    /* The code page both ran: one frame for both (root sees frames), a file page in each. */
    uint64_t pa = entry_of(a.pid, a.hinstance + 0x1000), pb = entry_of(b.pid, b.hinstance + 0x1000);
    cr_assert(pa >> 63 && pb >> 63 && (pa >> 61 & 1) && (pb >> 61 & 1), "code pages are file pages");
    if (geteuid() == 0)
        cr_assert_eq(pa & ((1ull << 55) - 1), pb & ((1ull << 55) - 1), "one physical code page");
    /* The written page: B's own copy; A's is still the file's. */
    uint64_t wa = entry_of(a.pid, b.wrote), wb = entry_of(b.pid, b.wrote);
    cr_assert(wb >> 63 && !(wb >> 61 & 1), "B's written page is a private copy");
    cr_assert(!(wa >> 63) || (wa >> 61 & 1), "A's page is not a copy");
    stop_instance(&a);
    stop_instance(&b);
}

Test(run, map_svg_draws_a_running_program)
{
    struct inst a;
    start_instance(&a, false);
    char out[64], cmd[256];
    snprintf(out, sizeof(out), "/tmp/winvm-test-svg.%d.svg", (int)getpid());
    snprintf(cmd, sizeof(cmd), "%s map --svg %d %s > /dev/null", WINVM_CLI, (int)a.pid, out);
    cr_assert_eq(system(cmd), 0);
    stop_instance(&a);
    FILE *f = fopen(out, "r");
    cr_assert_not_null(f);
    static char svg[1 << 20];
    size_t n = fread(svg, 1, sizeof(svg) - 1, f);
    fclose(f);
    unlink(out);
    svg[n] = 0;
    cr_assert(strstr(svg, "<svg") && strstr(svg, "</svg>"));
    cr_assert(strstr(svg, "instance.exe at 0x"), "the EXE's image is drawn");
    cr_assert(strstr(svg, "dep.dll at 0x"), "its DLL is drawn");
    cr_assert(strstr(svg, "physical memory"));
}

Test(run, static_tls_teb_and_peb) { all_ok(EXE("tlsdata.exe"), 13); }

/* A minimal PE32 i386 console EXE, built by hand (no i686 mingw here): headers, one .text. */
static void write_i386_exe(const char *path)
{
    static uint8_t f[0x400];
    memset(f, 0, sizeof(f));
#define W16(o, v) (f[o] = (uint8_t)(v), f[(o) + 1] = (uint8_t)((v) >> 8))
#define W32(o, v) (W16(o, (v) & 0xffff), W16((o) + 2, (uint32_t)(v) >> 16))
    f[0] = 'M', f[1] = 'Z';
    W32(60, 0x40);
    memcpy(f + 0x40, "PE\0\0", 4);
    W16(0x44, 0x14c);            /* i386 */
    W16(0x46, 1);                /* one section */
    W16(0x44 + 16, 224);         /* SizeOfOptionalHeader */
    W16(0x44 + 18, 0x0102);      /* EXECUTABLE_IMAGE | 32BIT_MACHINE */
    const int o = 0x58;
    W16(o, 0x10b);               /* PE32 */
    W32(o + 16, 0x1000);         /* entry */
    W32(o + 28, 0x400000);       /* ImageBase */
    W32(o + 32, 0x1000), W32(o + 36, 0x200);
    W32(o + 56, 0x2000), W32(o + 60, 0x200);
    W16(o + 68, 3);              /* console */
    W32(o + 92, 16);             /* NumberOfRvaAndSizes */
    const int s = o + 224;
    memcpy(f + s, ".text", 5);
    W32(s + 8, 0x10), W32(s + 12, 0x1000), W32(s + 16, 0x200), W32(s + 20, 0x200);
    W32(s + 36, 0x60000020u);
    f[0x200] = 0xc3;             /* ret */
#undef W16
#undef W32
    FILE *out = fopen(path, "wb");
    cr_assert_not_null(out);
    cr_assert_eq(fwrite(f, 1, sizeof(f), out), sizeof(f));
    fclose(out);
}

Test(run, refuses_32_bit_programs)
{
    char exe[128];
    snprintf(exe, sizeof(exe), "/tmp/winvm-test-i386-%d.exe", (int)getpid());
    write_i386_exe(exe);
    RUN(&R, NULL, exe);
    unlink(exe);
    cr_assert_eq(R.status, 126);
    cr_assert(strstr(R.err, "32-bit (i386)"), "%s", R.err);
    cr_assert_str_empty(R.out);
}

Test(run, threads_with_their_own_stack_teb_and_tls) { all_ok(EXE("threads.exe"), 24); }
Test(run, thread_control_suspend_context_apc) { all_ok(EXE("thrctl.exe"), 23); }
Test(run, anonymous_pipes) { all_ok(EXE("pipes.exe"), 14); }

Test(run, ordinary_c_program_on_mingws_default_runtime)
{
    RUN(&R, NULL, EXE("crt.exe"), "one", "two words");
    cr_assert_eq(R.status, 7, "exit %d: %s", R.status, R.err);
    cr_assert_str_eq(R.out, "ctor ran\n"
                            "argc=3 argv[1]=one argv[2]=two words\n"
                            "ints: 42 -7 4294967295 -1 123456789012 ff FF 0x1f\n"
                            "long is 4 bytes: 2147483647\n"
                            "str: [hello] [   pad] [left  ] [wide]\n"
                            "float: 3.14 2.500000e+00 0.5\n"
                            "char: x %\n"
                            "sprintf: <17|abc>\n"
                            "heap: 1000 bytes ok\n"
                            "bye from atexit\n");
}

Test(run, c_program_with_files_qsort_and_conversions)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "/tmp/winvm-test-crt2.%d", (int)getpid());
    setenv("WINVM_CRT2", "yes", 1);
    RUN(&R, NULL, EXE("crt2.exe"), tmp);
    cr_assert_eq(R.status, 0, "exit %d: %s", R.status, R.err);
    /* text mode: each "\n" is "\r\n" on disk, as on Windows (3 x 8 bytes) */
    cr_assert_str_eq(R.out, "file: 3 lines, last \"line 3\", size 24\n"
                            "sorted: 1 2 3 5 8 13 21\n"
                            "strtol 255 -42 strtod 2.50 atof 0.125 strtoul 4000000000\n"
                            "upper: HELLO, WORLD 9 9\n"
                            "env: WINVM_CRT2=yes\n"
                            "rand in range: yes\n"
                            "time: yes\n");
    cr_assert_neq(access(tmp, F_OK), 0, "removed by the program");
}

/* tlsdata.exe with its TLS directory's StartAddressOfRawData patched to start (End kept): a
 * template range that is not inside the image.  The copy goes to path. */
static void write_bad_tls_exe(const char *path, uint64_t start)
{
    static uint8_t f[1 << 20];
    FILE *in = fopen(EXE("tlsdata.exe"), "rb");
    cr_assert_not_null(in);
    size_t n = fread(f, 1, sizeof(f), in);
    fclose(in);
    static wv_pe pe;
    cr_assert_eq(wv_pe_parse(&pe, f, n), 0);
    const wv_pe_dir *d = &pe.dirs[WV_PE_DIR_TLS];
    cr_assert(d->rva && d->size >= 40, "tlsdata.exe has a TLS directory");
    uint8_t *tls = (uint8_t *)wv_pe_rva_ptr(&pe, d->rva, 40);
    cr_assert_not_null(tls);
    uint64_t end;
    memcpy(&end, tls + 8, 8);
    cr_assert_neq(end, 0, "the template has bytes");
    memcpy(tls, &start, 8);
    FILE *out = fopen(path, "wb");
    cr_assert_not_null(out);
    cr_assert_eq(fwrite(f, 1, n, out), n);
    fclose(out);
}

/* A TLS template starting at 0 (or outside the image) with a nonzero end is refused with a
 * reason, never copied from. */
Test(run, tls_template_outside_the_image_is_refused)
{
    static const uint64_t starts[] = {0, 0x1000};
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
        char path[] = "/tmp/winvm-badtls-XXXXXX.exe";
        int fd = mkstemps(path, 4);
        cr_assert_geq(fd, 0);
        close(fd);
        write_bad_tls_exe(path, starts[i]);
        RUN(&R, "", path);
        unlink(path);
        cr_assert_eq(R.status, 126, "start %#llx: status %d, stderr: %s",
                     (unsigned long long)starts[i], R.status, R.err);
        cr_assert(strstr(R.err, "TLS directory"), "start %#llx: stderr: %s",
                  (unsigned long long)starts[i], R.err);
    }
}

/* kernel32 for console programs (tests/images/k32.c): files, directories, environment, time,
 * FormatMessage and the last error in the TEB from PE code, every check "ok". */
Test(run, kernel32_files_environment_time_messages, .init = setup)
{
    RUN(&R, NULL, EXE("k32.exe"));
    cr_assert_eq(R.status, 0, "exit %d\n%s%s", R.status, R.out, R.err);
    cr_assert_null(strstr(R.out, "FAIL"), "%s", R.out);
    static const char *const checks[] = {"last_error_in_teb", "last_error_from_teb", "last_error_thread",
                                         "short_path", "short_path_small", "short_path_missing", "short_path_wild",
                                         "temp_path", "mkdir", "create_new", "shared_refused", "find",
                                         "find_close", "rmdir_top", "expand", "systemtime", "format_string"};
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        char want[64];
        snprintf(want, sizeof(want), "ok %s\n", checks[i]);
        cr_assert_not_null(strstr(R.out, want), "%s missing:\n%s", checks[i], R.out);
    }
    cr_assert_not_null(strstr(R.out, "msg2=The system cannot find the file specified.\n"), "%s", R.out);
    cr_assert_not_null(strstr(R.out, "fmt=<two|one|-7|002a>\n"), "%s", R.out);
}
