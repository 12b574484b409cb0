/* SPDX-License-Identifier: MIT */
/* test_conin.c - console input on a pseudo terminal: tests/images/conin.exe under `winvm run`
 * (ptyrun.h); the bytes a terminal sends for keys written into the master, the input records
 * and ReadConsole results the program prints back, what the terminal echoes, and the terminal's
 * modes after the program ends. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <termios.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

#include "ptyrun.h"

#define CONIN WINVM_PE_IMAGES "/conin.exe"

static void put(struct run *r, const char *bytes)
{
    size_t n = strlen(bytes);
    cr_assert_eq(write(r->master, bytes, n), (ssize_t)n);
}

/* Each of the lines appears, in this order, in what the program printed. */
static void assert_in_order(const char *out, const char *const *lines, size_t n)
{
    const char *at = out;
    for (size_t i = 0; i < n; i++) {
        const char *f = strstr(at, lines[i]);
        cr_assert(f, "missing (or out of order): \"%s\" in:\n%s", lines[i], out);
        at = f + strlen(lines[i]);
    }
}

Test(conin, typed_keys_become_key_down_and_up_records, .timeout = 60)
{
    struct run r;
    start_exe(&r, CONIN, "keys");
    cr_assert(read_until(&r, "ready", 20000), "%s", r.out);
    /* a, A, e acute, U+1F600, Up, Ctrl+Right, F1 (SS3), F5, F12, Delete, Page Up, Ctrl+C (a key:
     * mode 0 has no processed input), Tab, Enter (the terminal's CR, LF after ICRNL), Backspace
     * (DEL), Alt+x, Shift+Tab */
    put(&r, "aA\xc3\xa9\xf0\x9f\x98\x80\x1b[A\x1b[1;5C\x1bOP\x1b[15~\x1b[24~\x1b[3~\x1b[5~\x03\t\r\x7f\x1bx\x1b[Z");
    static const char *const want[] = {
        "D vk=41 sc=1e ch=0061 st=000 rep=1", "U vk=41 sc=1e ch=0061 st=000 rep=1",
        "D vk=41 sc=1e ch=0041 st=010",       "U vk=41 sc=1e ch=0041 st=010",
        "D vk=00 sc=00 ch=00e9 st=000",       "U vk=00 sc=00 ch=00e9",
        "D vk=00 sc=00 ch=d83d",              "D vk=00 sc=00 ch=de00",
        "D vk=26 sc=48 ch=0000 st=100",       "U vk=26 sc=48 ch=0000 st=100",
        "D vk=27 sc=4d ch=0000 st=108",       "D vk=70 sc=3b ch=0000 st=000",
        "D vk=74 sc=3f ch=0000 st=000",       "D vk=7b sc=58 ch=0000 st=000",
        "D vk=2e sc=53 ch=0000 st=100",       "D vk=21 sc=49 ch=0000 st=100",
        "D vk=43 sc=2e ch=0003 st=008",       "D vk=09 sc=0f ch=0009 st=000",
        "D vk=0d sc=1c ch=000d st=000",       "D vk=08 sc=0e ch=0008 st=000",
        "D vk=58 sc=2d ch=0078 st=002",       "D vk=09 sc=0f ch=0009 st=010"};
    cr_assert(read_until(&r, "U vk=09 sc=0f ch=0009 st=010", 10000), "%s", r.out);
    assert_in_order(r.out, want, sizeof(want) / sizeof(want[0]));
    /* a lone ESC is the Escape key without waiting for more bytes */
    put(&r, "\x1b");
    cr_assert(read_until(&r, "U vk=1b sc=01 ch=001b st=000", 5000), "a lone ESC: %s", r.out);
    cr_assert(strstr(r.out, "D vk=1b sc=01 ch=001b st=000"), "%s", r.out);
    put(&r, "q");
    int code = finish(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    cr_assert_not(strstr(r.out, "event "), "only key records: %s", r.out);
}

Test(conin, processed_input_gives_ctrl_c_to_the_handlers_not_the_records, .timeout = 60)
{
    struct run r;
    start_exe(&r, CONIN, "ctrlc");
    cr_assert(read_until(&r, "ready", 20000), "%s", r.out);
    put(&r, "\x03");
    cr_assert(read_until(&r, "handler 0", 10000), "%s", r.out);
    put(&r, "xq");
    int code = finish(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    cr_assert(strstr(r.out, "D vk=58 sc=2d ch=0078 st=000"), "%s", r.out);
    cr_assert_not(strstr(r.out, "ch=0003"), "no record for Ctrl+C: %s", r.out);
}

Test(conin, line_mode_reads_an_edited_echoed_line_ending_in_cr_lf, .timeout = 60)
{
    struct run r;
    start_exe(&r, CONIN, "line");
    cr_assert(read_until(&r, "ready", 20000), "%s", r.out);
    size_t mark = r.n;
    put(&r, "h\xc3\xa9x\x7f!\r"); /* x erased by Backspace (DEL, the terminal's VERASE) */
    cr_assert(read_until(&r, "got 5:", 10000), "%s", r.out);
    cr_assert(strstr(r.out + mark, "h\xc3\xa9"), "echoed: %s", r.out + mark);
    cr_assert(strstr(r.out, "got 5: 0068 00e9 0021 000d 000a"), "%s", r.out);
    put(&r, "ab\r");
    int code = finish(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    cr_assert(strstr(r.out, "gota 4: 61 62 0d 0a"), "ReadConsoleA: %s", r.out);
}

Test(conin, raw_mode_reads_keys_without_echo_and_the_mode_is_restored_at_exit, .timeout = 60)
{
    struct run r;
    start_exe(&r, CONIN, "raw");
    cr_assert(read_until(&r, "ready", 20000), "%s", r.out);
    size_t mark = r.n;
    put(&r, "xy");
    cr_assert(read_until(&r, "got ", 10000), "%s", r.out);
    int code = finish_open(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    cr_assert(strstr(r.out, "got 2: 0078 0079"), "%s", r.out);
    cr_assert_not(strstr(r.out + mark, "xy"), "no echo: %s", r.out + mark);
    struct termios t;
    cr_assert_eq(tcgetattr(r.master, &t), 0, "%s", strerror(errno));
    cr_assert((t.c_lflag & ICANON) && (t.c_lflag & ECHO), "line input and echo back: %#x", (unsigned)t.c_lflag);
    close(r.master);
}

Test(conin, written_records_peek_read_flush_and_bad_arguments, .timeout = 60)
{
    struct run r;
    start_exe(&r, CONIN, "queue");
    int code = finish(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    cr_assert_not(strstr(r.out, "FAIL"), "%s", r.out);
    int oks = 0;
    for (const char *p = r.out; (p = strstr(p, "ok ")) != NULL; p += 3)
        oks++;
    cr_assert_eq(oks, 35, "%s", r.out);
}

Test(conin, a_typed_key_signals_the_handle_and_is_counted_peeked_and_flushed, .timeout = 60)
{
    struct run r;
    start_exe(&r, CONIN, "typed");
    cr_assert(read_until(&r, "ready", 20000), "%s", r.out);
    put(&r, "z");
    int code = finish(&r);
    cr_assert_eq(code, 0, "%s", r.out);
    cr_assert(strstr(r.out, "ok wait_for_typed_key") && strstr(r.out, "ok peek_does_not_remove") &&
                  strstr(r.out, "ok flush_empties"),
              "%s", r.out);
}

/* Standard input a pipe: no console, ERROR_INVALID_HANDLE (6). */
Test(conin, a_pipe_is_no_console_input, .timeout = 60)
{
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    setenv("WINVM_CACHE_DIR", TU_RUN_CACHE, 1);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(in[0], 0), dup2(out[1], 1), dup2(out[1], 2);
        close(in[1]), close(out[0]);
        execl(WINVM_CLI, WINVM_CLI, "run", CONIN, "keys", (char *)NULL);
        _exit(127);
    }
    close(in[0]), close(out[1]);
    char buf[4096];
    size_t n = 0;
    ssize_t k;
    while (n < sizeof(buf) - 1 && (k = read(out[0], buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)k;
    buf[n] = 0;
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    close(in[1]), close(out[0]);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3, "%s", buf);
    cr_assert(strstr(buf, "read failed 6"), "%s", buf);
}
