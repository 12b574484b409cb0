/* SPDX-License-Identifier: MIT */
/* test_cli.c - `winvm map` and `winvm share` read real processes correctly. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

static size_t run(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    char rest[4096]; /* drain what does not fit, so the tool never dies of a broken pipe */
    while (fread(rest, 1, sizeof(rest), p) > 0)
        ;
    cr_assert_eq(pclose(p), 0, "%s failed", cmd);
    return n;
}

/* A child that maps the section FILE_MAP_COPY, writes page 0 (its copy) and touches page 1. */
static pid_t copier(const char *name, int ready_fd)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(30);
        HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
        char *c = h ? MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0) : NULL;
        if (!c)
            _exit(2);
        c[0] = 'x';
        (void)*(volatile char *)(c + PAGE);
        if (write(ready_fd, "r", 1) != 1)
            _exit(3);
        pause();
        _exit(0);
    }
    return pid;
}

Test(cli, share_reports_shared_pages_and_private_copies)
{
    const char *name = "winvm-cli-share";
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 2 * PAGE, name);
    char *w = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(w);
    memset(w, 'a', 2 * PAGE);
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    pid_t a = copier(name, ready[1]), b = copier(name, ready[1]);
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1);
    cr_assert_eq(read(ready[0], &c, 1), 1);
    char cmd[256], out[8192];
    snprintf(cmd, sizeof(cmd), "%s share %d %d %d", WINVM_CLI, (int)getpid(), (int)a, (int)b);
    run(cmd, out, sizeof(out));
    kill(a, SIGKILL), kill(b, SIGKILL);
    waitpid(a, NULL, 0), waitpid(b, NULL, 0);
    char *line = strstr(out, "section \"winvm-cli-share\"");
    cr_assert_not_null(line, "no line for the section in:\n%s", out);
    /* page 1 is shared by all three; page 0 is copied in both children */
    cr_assert_not_null(strstr(line, "2 resident pages"), "%s", out);
    cr_assert_not_null(strstr(line, "2 private copies"), "%s", out);
    char want[64];
    snprintf(want, sizeof(want), "page 0: private copy in pid %d", (int)a);
    cr_assert_not_null(strstr(out, want), "%s", out);
    UnmapViewOfFile(w);
    CloseHandle(h);
}

Test(cli, map_lists_a_view_as_mapped_with_its_name)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4 * PAGE, "winvm-cli-map");
    char *w = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(w);
    memset(w, 1, 3 * PAGE);
    static char out[1 << 20];
    char cmd[256], base[32];
    snprintf(cmd, sizeof(cmd), "%s map %d", WINVM_CLI, (int)getpid());
    run(cmd, out, sizeof(out));
    snprintf(base, sizeof(base), "%014lx", (unsigned long)(uintptr_t)w);
    char *line = strstr(out, base);
    cr_assert_not_null(line, "view %s not listed:\n%s", base, out);
    char *eol = strchr(line, '\n');
    if (eol)
        *eol = 0;
    cr_assert_not_null(strstr(line, "Shareable"), "a pagefile section is VMMap's Shareable: %s", line);
    cr_assert_not_null(strstr(line, "READWRITE"), "%s", line);
    cr_assert_not_null(strstr(line, "winvm-cli-map"), "%s", line);
    cr_assert_not_null(strstr(line, "      12 "), "12 KiB resident expected: %s", line);
    snprintf(cmd, sizeof(cmd), "%s map %d --json", WINVM_CLI, (int)getpid());
    run(cmd, out, sizeof(out));
    cr_assert_not_null(strstr(out, "\"section\": \"winvm-cli-map\""), "%s", out);
    UnmapViewOfFile(w);
    CloseHandle(h);
}

/* ---- conventions: help on stdout with exit 0, argument errors on stderr with exit 2 ---- */

struct outcome {
    int status;
    char out[8192], err[2048];
};

/* Runs the CLI with args (a shell word list), capturing stdout and stderr separately. */
static void cli(const char *args, struct outcome *o)
{
    char cmd[512], errfile[64];
    snprintf(errfile, sizeof(errfile), "/tmp/winvm-test-cli-err.%d", (int)getpid());
    snprintf(cmd, sizeof(cmd), "%s %s 2>%s", WINVM_CLI, args, errfile);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(o->out, 1, sizeof(o->out) - 1, p);
    o->out[n] = 0;
    int st = pclose(p);
    o->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    FILE *e = fopen(errfile, "r");
    cr_assert_not_null(e);
    n = fread(o->err, 1, sizeof(o->err) - 1, e);
    o->err[n] = 0;
    fclose(e);
    unlink(errfile);
}

Test(cli, help_and_version_go_to_stdout_with_status_0)
{
    struct outcome o;
    const char *helps[] = {"--help", "-h", "help"};
    for (size_t i = 0; i < 3; i++) {
        cli(helps[i], &o);
        cr_assert_eq(o.status, 0, "%s", helps[i]);
        cr_assert(strstr(o.out, "usage: winvm"), "%s: %s", helps[i], o.out);
        cr_assert(strstr(o.out, "winvm run [--reserve ADDR] APP.exe"), "every command listed");
        cr_assert_str_eq(o.err, "");
    }
    cli("--version", &o);
    cr_assert_eq(o.status, 0);
    cr_assert(!strncmp(o.out, "winvm ", 6) && strchr(o.out, '.'), "%s", o.out);
    const char *cmds[] = {"map", "share", "inspect", "run", "cache", "demo"};
    for (size_t i = 0; i < 6; i++) {
        char args[64];
        snprintf(args, sizeof(args), "%s --help", cmds[i]);
        cli(args, &o);
        cr_assert_eq(o.status, 0, "%s", args);
        char want[64];
        snprintf(want, sizeof(want), "usage: winvm %s", cmds[i]);
        cr_assert(!strncmp(o.out, want, strlen(want)), "%s printed: %s", args, o.out);
        snprintf(args, sizeof(args), "help %s", cmds[i]);
        struct outcome o2;
        cli(args, &o2);
        cr_assert_eq(o2.status, 0);
        cr_assert_str_eq(o2.out, o.out, "`help %s` says what `%s --help` says", cmds[i], cmds[i]);
    }
}

Test(cli, argument_errors_are_named_with_status_2)
{
    static const struct {
        const char *args, *says;
    } cases[] = {
        {"", "usage: winvm"},
        {"bogus", "no command 'bogus'"},
        {"--bogus", "unknown option '--bogus'"},
        {"map --frob", "unknown option --frob"},
        {"map --svg 1", "--svg takes PID and OUT.svg"},
        {"map --json --svg 1 x.svg", "--svg comes first"},
        {"map 1 2", "one PID at most"},
        {"share", "no PID given"},
        {"inspect", "no FILE given"},
        {"inspect --help-me", "unknown option --help-me"},
        {"run", "no program given"},
        {"run --reserve", "--reserve takes an address"},
        {"run --reserve zz x.exe", "--reserve takes an address"},
        {"cache", "say ls or clear"},
        {"demo bogus", "unknown argument bogus"},
        {"help bogus", "no command bogus"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct outcome o;
        cli(cases[i].args, &o);
        cr_assert_eq(o.status, 2, "`winvm %s` exited %d", cases[i].args, o.status);
        cr_assert(strstr(o.err, cases[i].says), "`winvm %s` said: %s", cases[i].args, o.err);
        if (!*cases[i].args)
            continue; /* no command at all: the whole usage, on stderr */
        cr_assert_eq(strchr(o.err, '\n'), o.err + strlen(o.err) - 1,
                     "`winvm %s`: one line, not %s", cases[i].args, o.err);
        cr_assert_str_eq(o.out, "", "nothing on stdout for `winvm %s`", cases[i].args);
    }
}

/* Options after APP.exe are the program's: `--help` there reaches it. */
Test(cli, run_passes_options_after_the_program_to_it)
{
    struct outcome o;
    cli("run /nonexistent/app.exe --help", &o);
    cr_assert_neq(o.status, 0);
    cr_assert_neq(o.status, 2, "not an argument error of winvm's");
    cr_assert(strstr(o.err, "/nonexistent/app.exe"), "%s", o.err);
}

/* The figures are smaps', the types VMMap's, free gaps listed, totals by type; CSV for tools. */
Test(cli, map_figures_match_smaps)
{
    static char out[1 << 20];
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "%s map %d --csv", WINVM_CLI, (int)getpid());
    run(cmd, out, sizeof(out));
    cr_assert(!strncmp(out, "base,size,state,type,protect,resident_kib,", 42), "%.100s", out);
    char *stack = strstr(out, ",\"[stack]");
    cr_assert_not_null(stack, "no [stack] row:\n%s", out);
    while (stack > out && stack[-1] != '\n')
        stack--;
    unsigned long long base, size, rss;
    cr_assert_eq(sscanf(stack, "%llx,%llu,commit,Stack,READWRITE,%llu,", &base, &size, &rss), 3, "%.120s", stack);
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    unsigned long long want = ~0ull, lo, hi;
    bool in_stack = false;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 && strchr(line, ' ') && strstr(line, " rw"))
            in_stack = lo == base;
        else if (in_stack && sscanf(line, "Rss: %llu", &want) == 1)
            break;
    }
    fclose(f);
    cr_assert_eq(rss, want, "[stack] resident %llu KiB, smaps says %llu", rss, want);
    cr_assert_not_null(strstr(out, ",free,Free,"), "free gaps are rows");
    snprintf(cmd, sizeof(cmd), "%s map %d", WINVM_CLI, (int)getpid());
    run(cmd, out, sizeof(out));
    cr_assert_not_null(strstr(out, "\ntotals "), "%s", out);
    cr_assert_not_null(strstr(out, "\nImage "), "an Image total");
}

static int blocked_fds[2];
static pid_t blocked_tid;

static void *blocked_thread(void *arg)
{
    (void)arg;
    blocked_tid = (pid_t)syscall(SYS_gettid);
    char c;
    if (read(blocked_fds[0], &c, 1) < 0) /* parked in read(2) until the test ends */
        return NULL;
    return NULL;
}

/* A thread's stack is a Stack row named with its id (from its stack pointer); the tail of a
 * 64 KiB granule after an allocation is Unusable, as VMMap shows them. */
Test(cli, map_names_thread_stacks_and_unusable_tails)
{
    cr_assert_eq(pipe(blocked_fds), 0);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 256 * 1024);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, &a, blocked_thread, NULL), 0);
    while (!__atomic_load_n(&blocked_tid, __ATOMIC_SEQ_CST))
        usleep(1000);
    usleep(50000); /* into read(2) */
    void *stack_lo;
    size_t stack_size;
    pthread_attr_t got;
    cr_assert_eq(pthread_getattr_np(t, &got), 0);
    cr_assert_eq(pthread_attr_getstack(&got, &stack_lo, &stack_size), 0);
    char *one = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(one);
    cr_assert_eq((uintptr_t)one % 0x10000, 0, "allocations start on a granule");
    MEMORY_BASIC_INFORMATION m;
    cr_assert_eq(VirtualQuery(one + PAGE, &m, sizeof(m)), sizeof(m));
    bool tail_free = m.State == MEM_FREE && m.RegionSize >= 0x10000 - PAGE;

    static char out[1 << 20];
    char cmd[256], want[128];
    snprintf(cmd, sizeof(cmd), "%s map %d --csv", WINVM_CLI, (int)getpid());
    run(cmd, out, sizeof(out));
    snprintf(want, sizeof(want), "thread %d\"", (int)blocked_tid);
    char *row = strstr(out, want);
    cr_assert_not_null(row, "no row names thread %d:\n%s", (int)blocked_tid, out);
    while (row > out && row[-1] != '\n')
        row--;
    unsigned long long base, size;
    char type[32];
    cr_assert_eq(sscanf(row, "%llx,%llu,commit,%31[^,],", &base, &size, type), 3, "%.120s", row);
    cr_assert_str_eq(type, "Stack");
    uintptr_t lo = (uintptr_t)stack_lo, hi = lo + stack_size;
    cr_assert(base >= lo && base + size <= hi, "the row [%llx, +%llx) lies in the thread's stack [%lx, %lx)", base,
              size, (unsigned long)lo, (unsigned long)hi);
    if (tail_free) {
        snprintf(want, sizeof(want), "\n0x%lx,%u,free,Unusable,NOACCESS,", (unsigned long)(one + PAGE),
                 (unsigned)(0x10000 - PAGE));
        cr_assert_not_null(strstr(out, want), "no Unusable row %s in:\n%s", want + 1, out);
    }
    cr_assert_eq(write(blocked_fds[1], "x", 1), 1);
    pthread_join(t, NULL);
    VirtualFree(one, 0, MEM_RELEASE);
}

/* A winvm process's allocations as it sees them (VirtualQueryEx through its control channel):
 * the three regions of mapwait.exe's one allocation carry its AllocationBase, and the text
 * output heads them as one allocation, as VMMap groups them. */
Test(cli, map_groups_a_winvm_process_by_allocation, .timeout = 60)
{
    char cmd[512];
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0), dup2(out[1], 1);
        close(in[1]), close(out[0]);
        execl(WINVM_CLI, "winvm", "run", WINVM_PE_IMAGES "/mapwait.exe", (char *)NULL);
        _exit(127);
    }
    close(in[0]), close(out[1]);
    char line[128] = "";
    FILE *o = fdopen(out[0], "r");
    cr_assert(fgets(line, sizeof(line), o), "mapwait.exe printed nothing");
    unsigned long long base = 0;
    cr_assert_eq(sscanf(line, "ready %llx", &base), 1, "%s", line);
    static char csv[1 << 20], text[1 << 20];
    snprintf(cmd, sizeof(cmd), "%s map %d --csv", WINVM_CLI, (int)pid);
    run(cmd, csv, sizeof(csv));
    snprintf(cmd, sizeof(cmd), "%s map %d", WINVM_CLI, (int)pid);
    run(cmd, text, sizeof(text));
    close(in[1]); /* mapwait.exe ends at the end of its input */
    int st;
    waitpid(pid, &st, 0);
    fclose(o);
    char want[64];
    unsigned long long offs[3] = {0, 0x10000, 0x20000};
    for (int i = 0; i < 3; i++) {
        snprintf(want, sizeof(want), "\n0x%llx,", base + offs[i]);
        char *row = strstr(csv, want);
        cr_assert_not_null(row, "no row at %s in:\n%s", want + 1, csv);
        char *end = strchr(row + 1, '\n');
        snprintf(want, sizeof(want), ",0x%llx", base);
        cr_assert(end && !strncmp(end - strlen(want), want, strlen(want)), "row %.*s: allocation base %s",
                  (int)(end - row - 1), row + 1, want + 1);
    }
    snprintf(want, sizeof(want), "%014llx     100000  alloc   allocation of 3 regions", base);
    cr_assert_not_null(strstr(text, want), "no heading %s in:\n%s", want, text);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
