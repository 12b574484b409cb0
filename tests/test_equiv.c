/* SPDX-License-Identifier: MIT */
/* test_equiv.c - programs that make the calls the real ones make where those exist only as
 * source (tests/images/equiv_*.c): SQLite's os_win.c pattern (a journaled page store:
 * equiv_kv), the Lua interpreter's (setjmp/longjmp errors through a C module DLL, os and io:
 * equiv_lua), bzip2's (files, binary streams, attributes, signals: equiv_bz).  Each is built
 * for Windows and for Linux from the same source; the test runs the PE build under
 * `winvm run` and the Linux build natively, in two directories, and wants the same output,
 * exit codes and files. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
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

static char base[128], pe_dir[160], host_dir[160];

static void setup(void)
{
    snprintf(base, sizeof(base), "/tmp/winvm-test-equiv.%d", (int)getpid());
    snprintf(pe_dir, sizeof(pe_dir), "%s/pe", base);
    snprintf(host_dir, sizeof(host_dir), "%s/host", base);
    mkdir(base, 0700);
    mkdir(pe_dir, 0700);
    mkdir(host_dir, 0700);
    char cache[200];
    snprintf(cache, sizeof(cache), "%s/cache", base);
    mkdir(cache, 0700);
    setenv("WINVM_CACHE_DIR", cache, 1);
    unsetenv("WINVM_PATH");
}

static void teardown(void)
{
    tu_remove_tree(base);
}

TestSuite(equiv, .init = setup, .fini = teardown);

struct out {
    int status;
    char text[16384];
};

/* In dir: `ENV PROGRAM ARGS`, stdout (and stderr, when err) captured, the exit status. */
static void sh(struct out *o, const char *dir, const char *env, const char *prog, const char *args, bool err)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "cd %s && %s %s %s%s", dir, env, prog, args, err ? " 2>&1" : "");
    o->status = tu_capture(cmd, o->text, sizeof(o->text));
}

/* The same step in both directories: the PE build under winvm, the Linux build natively. */
static void both(const char *name, const char *env, const char *args, int want_status)
{
    char pe[400], host[400];
    snprintf(pe, sizeof(pe), "%s run %s/%s.exe", WINVM_CLI, WINVM_PE_IMAGES, name);
    snprintf(host, sizeof(host), "%s/%s", NATIVE_DIR, name);
    static struct out a, b;
    sh(&a, pe_dir, env, pe, args, false);
    sh(&b, host_dir, env, host, args, false);
    cr_assert_eq(b.status, want_status, "Linux %s %s: %d\n%s", name, args, b.status, b.text);
    cr_assert_eq(a.status, want_status, "winvm %s %s: %d\n%s", name, args, a.status, a.text);
    cr_assert_str_eq(a.text, b.text, "%s %s: winvm vs Linux", name, args);
}

static void need(const char *name)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/%s.exe", WINVM_PE_IMAGES, name);
    if (access(path, R_OK) != 0)
        cr_skip_test("%s is missing (mingw-w64 builds it)", path);
}

/* Both directories' copies of file are the same bytes. */
static void same_file(const char *file)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "cmp -s %s/%s %s/%s", pe_dir, file, host_dir, file);
    cr_assert_eq(system(cmd), 0, "%s differs between winvm and Linux", file);
}

static bool exists(const char *dir, const char *file)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    return access(path, F_OK) == 0;
}

Test(equiv, sqlite_pattern_page_store_with_journal)
{
    need("equiv_kv");
    both("equiv_kv", "", "db put alpha 1 beta 2 gamma 3 delta 4", 0);
    both("equiv_kv", "", "db put beta two epsilon 5", 0);
    same_file("db");
    /* A transaction dies after its journal and one page: the next open rolls it back. */
    both("equiv_kv", "", "db crash alpha X zeta 6 eta 7 theta 8 iota 9", 3);
    cr_assert(exists(pe_dir, "db-journal"), "the journal stays behind under winvm");
    both("equiv_kv", "", "db get alpha zeta beta", 0);
    cr_assert_not(exists(pe_dir, "db-journal"), "the rollback deleted it");
    both("equiv_kv", "", "db dump", 0);
    same_file("db");
    both("equiv_kv", "", "db sys", 0);
}

static void write_script(const char *dir)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/script", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("#!/usr/bin/lua\n"
          "x = 10/4\nprint 1+2*3\nprint x*(x-1)\nprint 0.1+0.2\nprint 1/3\nprint 1e300*1e10\n"
          "pcall error boom\npcall print y+1\npcall pcall error nested\nprint x\n"
          "load equiv_mod\ncall mul3 7\npcall call fail 5\ncall mul3 x\n"
          "os env\nos date\nos tmpfile\nos tmpname\nos execute\nos signal\n"
          "error uncaught\nprint 99\n",
          f);
    fclose(f);
}

Test(equiv, lua_pattern_longjmp_errors_c_module_and_os_calls)
{
    need("equiv_lua");
    write_script(pe_dir);
    write_script(host_dir);
    /* The last statement's error has no pcall: the interpreter's panic, exit 1. */
    both("equiv_lua", "EQUIV_LUA_VAR=hi TZ=UTC", "script", 1);
    struct out o;
    char pe[400];
    snprintf(pe, sizeof(pe), "%s run %s/equiv_lua.exe", WINVM_CLI, WINVM_PE_IMAGES);
    sh(&o, pe_dir, "EQUIV_LUA_VAR=hi", pe, "script", false);
    cr_assert(strstr(o.text, "error: module error at 5\n"), "the module's error was caught:\n%s", o.text);
    cr_assert(strstr(o.text, "shell yes exit 7\n"), "%s", o.text);
}

/* 1.5 MB of runs, text, zeros and noise. */
static void make_input(const char *dir)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/data", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    unsigned x = 7;
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245 + 12345;
        switch (x >> 29 & 3) {
        case 0: fputs("aaaaaaaaaa", f); break;
        case 1: fputs("hello world ", f); break;
        case 2: for (int k = 0; k < 300; k++) fputc(0, f); break;
        default: fputc((int)(x >> 8) & 0xff, f);
        }
    }
    fclose(f);
    chmod(path, 0444); /* read-only: the one permission msvcrt's chmod can give the output */
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "touch -d '2001-09-09 01:46:40 UTC' %s", path);
    cr_assert_eq(system(cmd), 0);
}

Test(equiv, bzip2_pattern_files_streams_attributes_signals)
{
    need("equiv_bz");
    make_input(pe_dir);
    make_input(host_dir);
    both("equiv_bz", "", "-z data", 0);
    same_file("data.bze");
    char path[300];
    struct stat st;
    snprintf(path, sizeof(path), "%s/data.bze", pe_dir);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mtime, 1000000000, "the input's time given to the output");
    cr_assert_eq(st.st_mode & 0222, 0, "read-only as the input");
    both("equiv_bz", "", "-d data.bze", 0);
    same_file("data.bze.out");
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "cmp -s %s/data %s/data.bze.out", pe_dir, pe_dir);
    cr_assert_eq(system(cmd), 0, "the round trip gives the input back");
    /* Standard streams in binary mode: a pipe in, a file out, byte for byte. */
    both("equiv_bz", "", "-z < data > piped.bze", 0);
    same_file("piped.bze");
    both("equiv_bz", "", "-d < piped.bze > piped.out", 0);
    same_file("piped.out");
    /* SIGINT mid-write: the handler removes the half-written output, exit 1. */
    snprintf(path, sizeof(path), "%s/data.bze", pe_dir);
    chmod(path, 0644);
    unlink(path);
    snprintf(path, sizeof(path), "%s/data.bze", host_dir);
    chmod(path, 0644);
    unlink(path);
    both("equiv_bz", "", "-i data", 1);
    cr_assert_not(exists(pe_dir, "data.bze"));
}

/* Debian's yat2m.exe (libgpg-error-mingw-w64-dev) makes a man page from Texinfo: the page Wine
 * 8.0's run of the same program gives (its lines end CR LF there: winvm's standard streams
 * start binary, docs/semantics.md). */
Test(equiv, debian_yat2m_makes_a_man_page)
{
    const char *yat2m = "/usr/x86_64-w64-mingw32/bin/yat2m.exe";
    if (access(yat2m, R_OK) != 0)
        cr_skip_test("%s is missing: scripts/bootstrap.sh installs libgpg-error-mingw-w64-dev", yat2m);
    char path[300];
    snprintf(path, sizeof(path), "%s/t.texi", pe_dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("\\input texinfo\n@setfilename t.info\n@settitle Test\n\n@node Top\n@top Test\n\n"
          "@manpage foo.1\n@ifset manverb\n.B foo\n\\- frobnicate the bar\n@end ifset\n\n"
          "@mansect synopsis\n@example\nfoo [@var{options}] @var{file}\n@end example\n\n"
          "@mansect description\n@command{foo} frobnicates @emph{the} bar.  It reads @file{file} and\n"
          "writes @code{stdout}.\n\n@table @asis\n@item --verbose\nSay more.\n@item --quiet\nSay less.\n"
          "@end table\n\n@mansect see also\n@command{bar}(1)\n@end\n",
          f);
    fclose(f);
    char prog[300];
    snprintf(prog, sizeof(prog), "%s run %s", WINVM_CLI, yat2m);
    static struct out o;
    sh(&o, pe_dir, "", prog, "--date 1000000000 --release 1.0 --source TEST t.texi", false);
    cr_assert_eq(o.status, 0);
    cr_assert_str_eq(o.text, ".\\\" Created from Texinfo source by yat2m 1.46\n"
                             ".TH FOO 1 2001-09-09 \"1.0\" \"TEST\"\n.SH NAME\n.B foo\n\\- frobnicate the bar\n"
                             ".SH SYNOPSIS\n.RS 2\n.nf\nfoo [\\fIoptions\\fR] \\fIfile\\fR\n.fi\n.RE\n\n"
                             ".SH DESCRIPTION\n\\fBfoo\\fR frobnicates \\fIthe\\fR bar.  It reads "
                             "\\(oq\\fIfile\\fR\\(cq and\nwrites \\fBstdout\\fR.\n\n"
                             ".TP\n.B  --verbose\nSay more.\n.TP\n.B  --quiet\nSay less.\n.P\n\n"
                             ".SH SEE ALSO\n\\fBbar\\fR(1)\n\n");
}
