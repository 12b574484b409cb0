/* SPDX-License-Identifier: MIT */
/* run.c - running a PE x86-64 console program in this process (`winvm run`).
 *
 * The EXE is loaded as the main module (loader.c: at its preferred base, so hInstance is the
 * same in every instance; its DLLs shared the same way), then its entry point is called with
 * the Windows x64 convention on a stack laid out like a Windows thread's (stack.c: reserve and
 * commit from the EXE's headers, a guard page that moves down as the stack grows), with gs
 * pointing at a TEB as Windows code expects.  What the entry returns is ExitProcess's code;
 * an exception nobody handles is reported and ends the process with the exception code as
 * exit code (its low 8 bits, all Linux keeps, as Wine does).
 *
 * Only CRT-free programs and programs importing kernel32 functions winvm provides run: an
 * import winvm does not provide stops the program before it starts, naming it.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/debug_int.h"
#include "runtime/thread_int.h"
#include "runtime/actctx.h"
#include "runtime/k32_ext.h"
#include "runtime/procchan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- the command line ---- */

static char *wv_cmdline_a;
static WCHAR *wv_cmdline_w;
static char **wv_argv;
static int wv_argc;

/* Appends arg quoted as CommandLineToArgvW reads it back: quotes around args with spaces,
 * tabs or quotes (or empty), a backslash before each quote, backslashes doubled before one. */
static size_t wv_quote(char *out, const char *arg)
{
    size_t n = 0;
    bool q = !*arg || strpbrk(arg, " \t\"");
    if (q)
        out ? out[n] = '"' : 0, n++;
    for (const char *p = arg;; p++) {
        size_t bs = 0;
        while (*p == '\\')
            p++, bs++;
        size_t times = !*p ? (q ? 2 * bs : bs) : *p == '"' ? 2 * bs + 1 : bs;
        for (size_t i = 0; i < times; i++)
            out ? out[n] = '\\' : 0, n++;
        if (!*p)
            break;
        out ? out[n] = *p : 0, n++;
    }
    if (q)
        out ? out[n] = '"' : 0, n++;
    return n;
}

void wv_set_command_line(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += wv_quote(NULL, argv[i]) + 1;
    char *s = malloc(len), *p = s;
    if (!s)
        return;
    for (int i = 0; i < argc; i++) {
        if (i)
            *p++ = ' ';
        p += wv_quote(p, argv[i]);
    }
    *p = 0;
    /* The arguments themselves too, for the C runtime's __getmainargs (kept for good). */
    char **copy = calloc((size_t)argc + 1, sizeof(char *));
    for (int i = 0; copy && i < argc; i++)
        copy[i] = strdup(argv[i]);
    free(wv_cmdline_a);
    free(wv_cmdline_w);
    wv_cmdline_a = s;
    wv_cmdline_w = wv_utf16(s);
    if (copy) { /* the one replaced is a start-up line no PE code has seen yet */
        for (int i = 0; wv_argv && i < wv_argc; i++)
            free(wv_argv[i]);
        free(wv_argv);
        wv_argv = copy, wv_argc = argc;
    }
}

/* Reads one argument of a command line as the C runtime does: backslashes are literal
 * except before a quote (2n: n and the quote delimits; 2n + 1: n and a literal quote); inside
 * quotes, "" is a literal quote.  Writes it to out (room for strlen(p) + 1); the rest. */
static const char *wv_parse_arg(const char *p, char *out)
{
    bool q = false;
    while (*p && (q || (*p != ' ' && *p != '\t'))) {
        size_t bs = 0;
        while (*p == '\\')
            p++, bs++;
        if (*p != '"') {
            while (bs--)
                *out++ = '\\';
            if (*p && (q || (*p != ' ' && *p != '\t')))
                *out++ = *p++;
            continue;
        }
        for (size_t i = 0; i < bs / 2; i++)
            *out++ = '\\';
        if (bs % 2)
            *out++ = '"', p++;
        else if (q && p[1] == '"')
            *out++ = '"', p += 2;
        else
            q = !q, p++;
    }
    *out = 0;
    return p;
}

/* The program name (argv[0]) ends at the closing quote or the first blank: no escapes. */
static const char *wv_parse_arg0(const char *p, char *out)
{
    char end = *p == '"' ? '"' : 0;
    p += end != 0;
    while (*p && (end ? *p != end : *p != ' ' && *p != '\t'))
        *out++ = *p++;
    *out = 0;
    return *p == '"' ? p + 1 : p;
}

void wv_set_command_line_raw(const char *cmdline)
{
    size_t len = strlen(cmdline), n = 0;
    char **argv = calloc(len / 2 + 2, sizeof(char *)), *buf = malloc(2 * len + 2), *out = buf;
    for (const char *p = cmdline; argv && buf;) {
        while (n && (*p == ' ' || *p == '\t'))
            p++;
        if (!*p && n)
            break;
        argv[n++] = out;
        p = n == 1 ? wv_parse_arg0(p, out) : wv_parse_arg(p, out);
        out += strlen(out) + 1;
        if (!*p)
            break;
    }
    if (argv && buf)
        wv_set_command_line((int)n, argv); /* the arguments, then the line verbatim */
    free(argv);
    free(buf);
    char *s = strdup(cmdline);
    WCHAR *w = s ? wv_utf16(s) : NULL;
    if (s && w) {
        free(wv_cmdline_a);
        free(wv_cmdline_w);
        wv_cmdline_a = s, wv_cmdline_w = w;
    } else {
        free(s);
        free(w);
    }
}

/* A process not started by `winvm run` has its Linux arguments as command line: read once (its
 * threads may ask at once), unless winvm run has set one before. */
static pthread_once_t wv_cmdline_once = PTHREAD_ONCE_INIT;

static void wv_read_command_line(void)
{
    if (wv_cmdline_a)
        return;
    enum { CAP = 65536, MAXARGS = 1024 }; /* on the heap: this may run on a PE thread's stack */
    char *buf = malloc(CAP), **argv = malloc(MAXARGS * sizeof(char *));
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC), argc = 0;
    ssize_t n = fd >= 0 && buf ? read(fd, buf, CAP - 1) : 0;
    if (fd >= 0)
        close(fd);
    if (buf)
        buf[n > 0 ? n : 0] = 0;
    for (ssize_t i = 0; argv && i < n && argc < MAXARGS; i += (ssize_t)strlen(buf + i) + 1)
        argv[argc++] = buf + i;
    if (buf && argv)
        wv_set_command_line(argc, argv);
    free(buf);
    free(argv);
}

static void wv_default_command_line(void) { pthread_once(&wv_cmdline_once, wv_read_command_line); }

int wv_command_args(char ***argv)
{
    wv_default_command_line();
    *argv = wv_argv;
    return wv_argc;
}

LPSTR WINAPI GetCommandLineA(void)
{
    wv_default_command_line();
    return wv_cmdline_a;
}

LPWSTR WINAPI GetCommandLineW(void)
{
    wv_default_command_line();
    return wv_cmdline_w;
}

/* ---- checks before loading ---- */

static int wv_refuse(const char *exe, const char *why)
{
    fprintf(stderr, "winvm run: %s: %s\n", exe, why);
    return 126;
}

/* Checks exe can run here: 0, or the exit status after saying why not. */
static int wv_check(const char *exe, uint64_t *reserve, uint64_t *commit)
{
    int fd = open(exe, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "winvm run: %s: %s\n", exe, strerror(errno));
        return 127;
    }
    off_t size = lseek(fd, 0, SEEK_END);
    const void *p = size > 0 ? wv_file_map_read(fd, (size_t)size) : NULL;
    close(fd);
    if (!p)
        return wv_refuse(exe, "empty or unreadable file");
    static wv_pe pe;
    char why[256];
    int rc = 0;
    if (wv_pe_parse(&pe, p, (size_t)size) != 0) {
        snprintf(why, sizeof(why), "not a PE image: %s", pe.reason);
        rc = wv_refuse(exe, why);
    } else if (pe.machine != WV_PE_MACHINE_AMD64)
        rc = wv_refuse(exe, pe.machine == WV_PE_MACHINE_I386
                                ? "a 32-bit (i386) program: winvm runs x86-64 programs only"
                                : "not an x86-64 program");
    else if (pe.characteristics & WV_PE_FILE_DLL)
        rc = wv_refuse(exe, "a DLL, not a program");
    else if (pe.subsystem != 3) {
        snprintf(why, sizeof(why), "subsystem %u (%s): winvm runs console programs only", pe.subsystem,
                 pe.subsystem == 2 ? "GUI" : "not console");
        rc = wv_refuse(exe, why);
    } else if (!pe.entry_rva || pe.entry_rva >= pe.size_of_image)
        rc = wv_refuse(exe, "no entry point inside the image");
    *reserve = pe.stack_reserve;
    *commit = pe.stack_commit;
    wv_os_unmap((uintptr_t)p, (size_t)size);
    return rc;
}

static int wv_cannot_start(const char *exe, DWORD err)
{
    char why[600];
    snprintf(why, sizeof(why), "cannot start: %s (error %u)", winvm_last_load_error(), err);
    return wv_refuse(exe, why);
}

/* The descriptor limit raised to its hard limit, as Wine does: Windows bounds handles by
 * memory (2^24 a process), and winvm's anonymous sections, files, pipes and sockets each hold a
 * descriptor, so the usual soft limit of 1,024 would end a program Windows runs. */
static void wv_run_fd_limit(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &r);
    }
}

int winvm_run(const char *exe, int argc, char **argv)
{
    uint64_t reserve, commit;
    wv_runtime_init();
    wv_run_fd_limit();
    /* KUSER_SHARED_DATA before anything else takes its address; a program runs without it
     * only if something already holds 0x7ffe0000 (its reads then fault, as they would). */
    (void)wv_kusd_map();
    wv_thread_self(); /* the main thread's object: OpenThread and SuspendThread find it */
    int rc = wv_check(exe, &reserve, &commit);
    if (rc)
        return rc;
    /* argv[0] in Windows' form ("./x.exe" -> ".\x.exe", "/a/x.exe" -> "C:\a\x.exe"), as a
     * Windows shell passes it: programs parse their own command line for '/' switches (cmd.exe
     * reads "/c" in "./cmd.exe"). */
    char *argv0 = argc > 0 && strchr(argv[0], '/') ? wv_path_windows(argv[0]) : NULL, *given = argv0 ? argv[0] : NULL;
    if (argv0)
        argv[0] = argv0;
    wv_set_command_line(argc, argv);
    if (argv0)
        argv[0] = given, free(argv0);
    /* The EXE at its base first, as Windows' kernel maps it when it creates the process: a
     * CREATE_SUSPENDED child's parent sees it (VirtualQueryEx, ReadProcessMemory,
     * ProcessImageInformation) before it resumes the child; nothing of it runs yet. */
    uintptr_t base;
    DWORD err = wv_loader_map_exe(exe, &base);
    if (err)
        return wv_cannot_start(exe, err);
    wv_peb_set_image(base);
    wv_process_image_set(base);
    /* A CreateProcess child: its command line as the parent gave it; held while suspended. */
    /* Before a suspended child waits: its parent may allocate in it (VirtualAllocEx). */
    /* Without one (no usable per-user directory) the program still runs; other processes'
     * *Ex calls on it fail with ERROR_ACCESS_DENIED. */
    (void)wv_chan_serve_once(false);
    if (!wv_child_start())
        _exit(1);
    /* Stack and TEB before the imports, so the images' static TLS blocks have a thread to go
     * to; top-down, away from the low addresses images ask for. */
    uintptr_t lo = 0, top = 0;
    err = wv_stack_create(reserve, commit, &lo, &top);
    if (!err)
        err = wv_teb_create(lo, top);
    if (err) {
        fprintf(stderr, "winvm run: %s: cannot set up the stack or TEB (error %u)\n", exe, err);
        return 126;
    }
    wv_actctx_thread_start(NULL); /* TEB->ActivationContextStackPointer, as every thread's */
    wv_tls_reserve_first();
    wv_console_ctrl_start(); /* the default control handler, as every console process's */
    char *image = realpath(exe, NULL);
    wv_peb_fill(image ? image : exe); /* before any DllMain reads it (image kept: the PEB's) */
    wv_thread_fpu_reset(); /* Windows' x87 and SSE state for the PE code this thread runs */
    err = wv_loader_start_exe();
    if (err)
        return wv_cannot_start(exe, err);
    wv_thread_set_stack_size(reserve, commit);
    wv_exit_on_unhandled(true);
    wv_stack_lo = lo, wv_stack_hi = wv_stack_probed = top;
    struct wv_image *img = wv_image_at(base);
    void *entry = (void *)(base + img->pe.entry_rva);
    wv_debug_started(base, (uintptr_t)entry); /* a debugged child's first events */
    /* The PEB's address in rcx, as the Windows loader passes it; CRT-free entries ignore it. */
    int code = wv_call_on_stack(entry, wv_peb(), (void *)top);
    ExitProcess((UINT)code);
}
