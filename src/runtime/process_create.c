/* SPDX-License-Identifier: MIT */
/* process_create.c - CreateProcessA/W: the child is a new Linux process running `winvm run`
 * on the program (process_find.c finds it; process_child.c is the child's side).
 *
 * The winvm CLI run is, in this order: $WINVM_CLI; the running binary itself when this process
 * is the CLI (/proc/self/exe); the CLI of the build tree the library was built in; the
 * installed one.  It gets the program's host path; the command line goes verbatim in
 * WINVM_CMDLINE.  Before exec the child takes STARTUPINFO's standard handles as its
 * descriptors 0, 1 and 2 (STARTF_USESTDHANDLES: a file handle's descriptor; NULL or a handle
 * that names no file gets /dev/null, so no descriptor below 3 is left free), the exit pipe as 3
 * and a suspended child's start pipe as 4, and changes to lpCurrentDirectory.  A failed exec
 * reaches the parent through a close-on-exec pipe: CreateProcess fails and the child is reaped.
 *
 * bInheritHandles: every inheritable section, file and pipe handle appears in the child under
 * the same value (handle_xfer.c: its descriptor becomes 5, 6, ... across exec, WINVM_HANDLES
 * names them); events, mutexes, semaphores, threads and processes do not go.  DEBUG_PROCESS /
 * DEBUG_ONLY_THIS_PROCESS: the child's end of a debug channel follows them (debug_int.h).
 */
#define _GNU_SOURCE
#include "runtime/procchan.h"
#include "runtime/debug_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define WV_INHERIT_MAX 64

/* What the A and W forms hand the core, converted to UTF-8 host strings. */
struct wv_spawn {
    char *exe;      /* the program's host path */
    char *cmdline;  /* verbatim (the program's quoted host path when none was given) */
    char *cwd;      /* host path, or NULL */
    const char *vcwd; /* C:\windows or its system32 when the child starts there (WINVM_CWD) */
    char **env;     /* the child's environment (WINVM_* added), NULL-terminated */
    HANDLE std[3];  /* STARTF_USESTDHANDLES, else all NULL and use_std false */
    bool use_std, suspended, inherit;
    DWORD flags;    /* dwCreationFlags (CREATE_BREAKAWAY_FROM_JOB: the job it joins, job.c) */
    /* bInheritHandles: the inheritable handles that go (handle_xfer.c), their descriptors
     * becoming 5, 6, ... in the child */
    struct wv_xfer xfer[WV_INHERIT_MAX];
    int xfds[WV_INHERIT_MAX];
    size_t nx;
    int dbg_mine, dbg_theirs; /* DEBUG_PROCESS: the debug channel's ends (debug_int.h), else -1 */
};

static bool wv_is_cli;

void winvm_cli_self(void) { wv_is_cli = true; }

static const char *wv_cli_path(void)
{
    const char *env = getenv("WINVM_CLI");
    if (env && *env)
        return env;
    if (wv_is_cli)
        return "/proc/self/exe";
#ifdef WINVM_CLI_PATH
    if (access(WINVM_CLI_PATH, X_OK) == 0)
        return WINVM_CLI_PATH;
#endif
#ifdef WINVM_CLI_INSTALLED
    return WINVM_CLI_INSTALLED;
#else
    return "winvm";
#endif
}

/* ---- the child's environment ---- */

static void wv_env_free(char **env)
{
    for (char **e = env; e && *e; e++)
        free(*e);
    free(env);
}

/* Appends a malloc'ed string (taken) to a NULL-terminated list of n entries; false without
 * memory (s freed). */
static bool wv_env_add(char ***env, size_t *n, char *s)
{
    char **grown = s ? realloc(*env, (*n + 2) * sizeof(char *)) : NULL;
    if (!grown) {
        free(s);
        return false;
    }
    grown[(*n)++] = s, grown[*n] = NULL;
    *env = grown;
    return true;
}

static size_t wv_wlen(LPCWSTR s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static bool wv_env_ours(const char *e)
{
    return !strncmp(e, "WINVM_CMDLINE=", 14) || !strncmp(e, "WINVM_CHILD=", 12) || !strncmp(e, "WINVM_HANDLES=", 14) ||
           !strncmp(e, "WINVM_DEBUG=", 12) || !strncmp(e, "WINVM_CWD=", 10);
}

/* The caller's block (ANSI or UTF-16 "A=1\0B=2\0\0"), or this process's environment when
 * NULL: 0 or ERROR_NOACCESS / ERROR_NOT_ENOUGH_MEMORY. */
static DWORD wv_env_read(const void *block, bool wide, char ***out, size_t *n)
{
    *out = calloc(1, sizeof(char *)), *n = 0;
    if (!*out)
        return ERROR_NOT_ENOUGH_MEMORY;
    if (!block) {
        for (char **e = environ; e && *e; e++)
            if (!wv_env_ours(*e) && !wv_env_add(out, n, strdup(*e)))
                return ERROR_NOT_ENOUGH_MEMORY;
        return 0;
    }
    for (const char *p = block;;) {
        char *s;
        DWORD err = wide ? wv_user_wstr((LPCWSTR)p, WV_TEXT_REPLACE, &s) : wv_user_str(p, &s);
        if (err)
            return err;
        if (!*s) {
            free(s);
            return 0;
        }
        /* the string was read through to its terminator: its length is safe to take */
        p += wide ? 2 * (wv_wlen((LPCWSTR)p) + 1) : strlen(p) + 1;
        /* "=C:=C:\\x" entries are Windows' per-drive directories: none here */
        if ((*s == '=' || wv_env_ours(s)) ? (free(s), false) : !wv_env_add(out, n, s))
            return ERROR_NOT_ENOUGH_MEMORY;
    }
}

/* The child's end of the debug channel goes as descriptor 5 + nx (closed here with the
 * inherited ones), named by WINVM_DEBUG. */
static DWORD wv_env_debug(struct wv_spawn *sp, size_t *n)
{
    char *v = NULL;
    if (sp->nx == WV_INHERIT_MAX)
        return ERROR_TOO_MANY_OPEN_FILES;
    if (asprintf(&v, "WINVM_DEBUG=%d", 5 + (int)sp->nx) < 0)
        return ERROR_NOT_ENOUGH_MEMORY;
    if (!wv_env_add(&sp->env, n, v))
        return ERROR_NOT_ENOUGH_MEMORY;
    sp->xfds[sp->nx++] = sp->dbg_theirs, sp->dbg_theirs = -1;
    return 0;
}

static DWORD wv_env_build(struct wv_spawn *sp, const void *block, bool wide)
{
    size_t n;
    DWORD err = wv_env_read(block, wide, &sp->env, &n);
    char *cmd = NULL, *child = NULL;
    if (!err && (asprintf(&cmd, "WINVM_CMDLINE=%s", sp->cmdline) < 0 ||
                 asprintf(&child, "WINVM_CHILD=3,%d", sp->suspended ? 4 : -1) < 0))
        err = ERROR_NOT_ENOUGH_MEMORY, cmd = child = NULL;
    if (!err && (!wv_env_add(&sp->env, &n, cmd) || !wv_env_add(&sp->env, &n, child)))
        err = ERROR_NOT_ENOUGH_MEMORY;
    char *handles = NULL;
    if (!err && sp->inherit)
        sp->nx = wv_xfer_inherit(sp->xfer, sp->xfds, WV_INHERIT_MAX, 5, &handles);
    if (handles && !wv_env_add(&sp->env, &n, handles))
        err = ERROR_NOT_ENOUGH_MEMORY;
    if (!err && sp->dbg_theirs >= 0) /* the debug channel: one more descriptor after them */
        err = wv_env_debug(sp, &n);
    char *vcwd = NULL;
    if (!err && sp->vcwd && (asprintf(&vcwd, "WINVM_CWD=%s", sp->vcwd) < 0 || !wv_env_add(&sp->env, &n, vcwd)))
        err = ERROR_NOT_ENOUGH_MEMORY;
    return err;
}

/* ---- the fork ---- */

/* Descriptors the child takes (prepared before fork: after it only system calls run). */
struct wv_fds {
    int std[3];     /* the descriptor for 0, 1, 2, or -1 to keep the parent's */
    int exit_w, resume_r, err_w;
    const int *inherit; /* descriptors for 5, 6, ... (inherited handles) */
    size_t ninherit;
};

/* In the child between fork and exec: async-signal-safe calls only. */
static void wv_child_exec(const char *cli, char *const argv[], char *const env[], struct wv_fds *f,
                          const char *cwd)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int want[5 + WV_INHERIT_MAX] = {f->std[0], f->std[1], f->std[2], f->exit_w, f->resume_r}, high[5 + WV_INHERIT_MAX];
    int n = 5 + (int)f->ninherit;
    for (size_t i = 0; i < f->ninherit; i++)
        want[5 + i] = f->inherit[i];
    for (int i = 0; i < n; i++) /* out of the way of 0 .. n-1 first */
        high[i] = want[i] >= 0 ? fcntl(want[i], F_DUPFD_CLOEXEC, 5 + WV_INHERIT_MAX) : -1;
    for (int i = 0; i < n; i++)
        if (high[i] >= 0 && dup2(high[i], i) < 0)
            goto fail;
    if (cwd && chdir(cwd) != 0)
        goto fail;
    execve(cli, argv, env);
fail:;
    int e = errno;
    ssize_t w = write(f->err_w, &e, sizeof(e));
    (void)w;
    _exit(127);
}

/* The descriptors for the standard handles: 0, or ERROR_INVALID_HANDLE / no memory. */
static DWORD wv_std_fds(struct wv_spawn *sp, struct wv_fds *f, struct wv_file *held[3], int *null_fd)
{
    for (int i = 0; i < 3; i++) {
        f->std[i] = -1, held[i] = NULL;
        HANDLE set;
        if (!sp->use_std) { /* the parent's own, or what SetStdHandle made them when a file */
            if (wv_std_replacement((unsigned)i, &set) && set && set != INVALID_HANDLE_VALUE &&
                (held[i] = wv_file_of(set, NULL)))
                f->std[i] = held[i]->fd;
            continue;
        }
        held[i] = sp->std[i] && sp->std[i] != INVALID_HANDLE_VALUE ? wv_file_of(sp->std[i], NULL) : NULL;
        if (held[i]) {
            f->std[i] = held[i]->fd;
            continue;
        }
        if (*null_fd < 0 && (*null_fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
            return wv_errno_to_error(errno);
        f->std[i] = *null_fd;
    }
    return 0;
}

static void wv_close_pair(int p[2])
{
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0)
            close(p[i]), p[i] = -1;
}

/* Forks and execs the CLI: 0 and *pid, or the error (nothing left behind). */
static DWORD wv_fork_exec(struct wv_spawn *sp, int ex[2], int rs[2], pid_t *pid)
{
    struct wv_fds f;
    struct wv_file *held[3];
    int null_fd = -1, er[2] = {-1, -1};
    DWORD err = wv_std_fds(sp, &f, held, &null_fd);
    if (!err && pipe2(er, O_CLOEXEC) != 0)
        err = wv_errno_to_error(errno);
    const char *cli = wv_cli_path();
    char *argv[] = {"winvm", "run", sp->exe, NULL};
    f.exit_w = ex[1], f.resume_r = rs[0], f.err_w = er[1], f.inherit = sp->xfds, f.ninherit = sp->nx;
    /* _Fork, not fork: the child only execs, so none of the atfork handlers may run in it.
     * fork's run the whole library's (the KUSER_SHARED_DATA copy and its clock thread, the TLS
     * blocks freed, the space lock held across): a thread and allocations in a child of a
     * multithreaded process, which can deadlock on a lock another thread held at the fork
     * (the likely cause of a rare hang of a debugger's CreateProcess under AddressSanitizer). */
    *pid = err ? -1 : _Fork();
    if (*pid == 0)
        wv_child_exec(cli, argv, sp->env, &f, sp->cwd);
    if (!err && *pid < 0)
        err = wv_errno_to_error(errno);
    if (er[1] >= 0)
        close(er[1]), er[1] = -1;
    int e = 0;
    if (!err && read(er[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) { /* exec failed */
        waitpid(*pid, NULL, 0);
        err = e == ENOENT ? ERROR_FILE_NOT_FOUND : wv_errno_to_error(e);
    }
    wv_close_pair(er);
    if (null_fd >= 0)
        close(null_fd);
    for (int i = 0; i < 3; i++)
        if (held[i])
            wv_object_unref(&held[i]->obj);
    return err;
}

/* ---- the core ---- */

static DWORD wv_spawn_run(struct wv_spawn *sp, PROCESS_INFORMATION *out)
{
    int ex[2] = {-1, -1}, rs[2] = {-1, -1};
    pid_t pid = -1;
    DWORD err = pipe2(ex, O_CLOEXEC) == 0 && (!sp->suspended || pipe2(rs, O_CLOEXEC) == 0) ? 0 : wv_errno_to_error(errno);
    if (!err)
        err = wv_fork_exec(sp, ex, rs, &pid);
    if (ex[1] >= 0)
        close(ex[1]);
    if (rs[0] >= 0)
        close(rs[0]);
    struct wv_process *p = NULL;
    if (!err) {
        fcntl(ex[0], F_SETFL, O_NONBLOCK); /* read after the child ended: never blocks */
        p = wv_process_child(pid, ex[0], rs[1]);
        err = p ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    }
    if (p && sp->dbg_mine >= 0) /* the debugger's end, kept with the child */
        wv_debug_adopt(p, sp->dbg_mine), sp->dbg_mine = -1;
    if (!p) {
        if (ex[0] >= 0)
            close(ex[0]);
        if (rs[1] >= 0)
            close(rs[1]);
        return err;
    }
    /* This process's job, then the handles: a job at its process limit or a full table kill
     * the child, as if it had never started. */
    err = wv_job_create_join(p, sp->flags);
    HANDLE hp = err ? NULL : wv_handle_new(&p->obj, PROCESS_ALL_ACCESS), ht = hp ? wv_process_thread_handle(p) : NULL;
    if (!ht) {
        kill(pid, SIGKILL); /* unreaped (its watcher reaps it): the pid is still its */
        if (hp)
            wv_handle_close(hp);
        wv_object_unref(&p->obj);
        return err ? err : ERROR_TOO_MANY_OPEN_FILES;
    }
    wv_object_unref(&p->obj);
    *out = (PROCESS_INFORMATION){hp, ht, (DWORD)pid, (DWORD)pid};
    return 0;
}

/* The default command line when only lpApplicationName is given: the name, quoted. */
static DWORD wv_default_cmdline(const char *app, char **out)
{
    return asprintf(out, "\"%s\"", app) < 0 ? ERROR_NOT_ENOUGH_MEMORY : 0;
}

/* lpCurrentDirectory, or without one this process's: a host directory (inherited as it is),
 * or C:\windows or its system32 where the host lacks them, which the child keeps as this
 * process does (k32_sysdir.c), starting in the host's root. */
static DWORD wv_spawn_cwd(struct wv_spawn *sp, const char *cwd)
{
    struct stat st;
    if (!cwd) {
        sp->vcwd = wv_sysdir_cwd();
        return 0;
    }
    if (wv_path_host(cwd, &sp->cwd))
        return ERROR_DIRECTORY;
    if (stat(sp->cwd, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : ERROR_DIRECTORY;
    if (errno != ENOENT || !(sp->vcwd = wv_sysdir_which(sp->cwd)))
        return ERROR_DIRECTORY;
    free(sp->cwd);
    return (sp->cwd = strdup("/")) ? 0 : ERROR_NOT_ENOUGH_MEMORY;
}

/* The checks and conversions both forms share, then the spawn.  app, cmd, cwd: UTF-8 or NULL. */
static DWORD wv_create(const char *app, const char *cmd, const char *cwd, DWORD flags, const void *env,
                       const HANDLE std[3], bool use_std, bool inherit, PROCESS_INFORMATION *pi)
{
    struct wv_spawn sp = {.use_std = use_std, .suspended = (flags & CREATE_SUSPENDED) != 0, .inherit = inherit,
                          .dbg_mine = -1, .dbg_theirs = -1};
    PROCESS_INFORMATION res = {0};
    DWORD err = wv_user_put(pi, &res, sizeof(res)); /* proven writable before anything starts */
    if (!err && (flags & DETACHED_PROCESS) && (flags & CREATE_NEW_CONSOLE))
        err = ERROR_INVALID_PARAMETER;
    sp.flags = flags;
    if (!err)
        err = wv_job_create_check(flags);
    if (!err)
        err = wv_process_find(app, cmd, &sp.exe);
    if (!err)
        err = wv_debug_pair(flags, &sp.dbg_mine, &sp.dbg_theirs);
    if (!err)
        err = cmd ? ((sp.cmdline = strdup(cmd)) ? 0 : ERROR_NOT_ENOUGH_MEMORY) : wv_default_cmdline(app, &sp.cmdline);
    if (!err)
        err = wv_spawn_cwd(&sp, cwd);
    if (!err)
        err = wv_env_build(&sp, env, (flags & CREATE_UNICODE_ENVIRONMENT) != 0);
    for (int i = 0; i < 3; i++)
        sp.std[i] = use_std ? std[i] : NULL;
    if (!err) /* a Linux program serves its channel from now on: its children may act on it */
        (void)wv_chan_serve_once(true);
    if (!err)
        err = wv_spawn_run(&sp, &res);
    if (!err)
        wv_user_put(pi, &res, sizeof(res));
    for (size_t i = 0; i < sp.nx; i++)
        close(sp.xfds[i]);
    if (sp.dbg_mine >= 0)
        close(sp.dbg_mine);
    if (sp.dbg_theirs >= 0)
        close(sp.dbg_theirs);
    free(sp.exe);
    free(sp.cmdline);
    free(sp.cwd);
    wv_env_free(sp.env);
    return err;
}

/* STARTUPINFO's standard handles when it asks for them (its layout is the same in A and W). */
static DWORD wv_startup(const STARTUPINFOA *si, HANDLE std[3], bool *use)
{
    STARTUPINFOA v;
    if (!si || wv_copy(&v, si, sizeof(v)))
        return si ? ERROR_NOACCESS : ERROR_INVALID_PARAMETER;
    *use = (v.dwFlags & STARTF_USESTDHANDLES) != 0;
    std[0] = v.hStdInput, std[1] = v.hStdOutput, std[2] = v.hStdError;
    return 0;
}

BOOL WINAPI CreateProcessA(LPCSTR app, LPSTR cmd, LPSECURITY_ATTRIBUTES psa, LPSECURITY_ATTRIBUTES tsa,
                           BOOL inherit, DWORD flags, LPVOID env, LPCSTR cwd, LPSTARTUPINFOA si,
                           LPPROCESS_INFORMATION pi)
{
    (void)psa, (void)tsa;
    wv_runtime_init();
    HANDLE std[3];
    bool use = false;
    char *a = NULL, *c = NULL, *d = NULL;
    DWORD err = wv_startup(si, std, &use);
    if (!err && app)
        err = wv_user_str(app, &a);
    if (!err && cmd)
        err = wv_user_str(cmd, &c);
    if (!err && cwd)
        err = wv_user_str(cwd, &d);
    if (!err)
        err = wv_create(a, c, d, flags, env, std, use, inherit != FALSE, pi);
    free(a), free(c), free(d);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI CreateProcessW(LPCWSTR app, LPWSTR cmd, LPSECURITY_ATTRIBUTES psa, LPSECURITY_ATTRIBUTES tsa,
                           BOOL inherit, DWORD flags, LPVOID env, LPCWSTR cwd, LPSTARTUPINFOW si,
                           LPPROCESS_INFORMATION pi)
{
    (void)psa, (void)tsa;
    wv_runtime_init();
    HANDLE std[3];
    bool use = false;
    char *a = NULL, *c = NULL, *d = NULL;
    DWORD err = wv_startup((const STARTUPINFOA *)si, std, &use);
    if (!err && app)
        err = wv_user_wstr(app, WV_TEXT_REPLACE, &a);
    if (!err && cmd)
        err = wv_user_wstr(cmd, WV_TEXT_REPLACE, &c);
    if (!err && cwd)
        err = wv_user_wstr(cwd, WV_TEXT_REPLACE, &d);
    if (!err)
        err = wv_create(a, c, d, flags, env, std, use, inherit != FALSE, pi);
    free(a), free(c), free(d);
    return err ? wv_fail(err) : TRUE;
}
