/* SPDX-License-Identifier: MIT */
/* fuzz_load.c - libFuzzer harness for the whole load path: each input is written out as a DLL
 * and loaded by the public API, so the file is opened, parsed, mapped, laid out, relocated and
 * unloaded in process (LoadLibraryEx with DONT_RESOLVE_DLL_REFERENCES: no import is bound, no
 * code of the input runs), then loaded fully in a child with a time limit: imports bound
 * against the builtins, static TLS, TLS callbacks and DllMain run.
 *
 * The child runs code the fuzzer made up, so it runs in a sandbox: a seccomp filter refuses
 * (EPERM) every call that could reach outside it (signals to others, exec, new processes,
 * opening files for writing, removing or renaming files, sockets, ptrace, mounts, identity),
 * with a CPU and file-size limit.  A child killed by SIGSEGV/SIGBUS/SIGABRT/SIGILL/SIGFPE, or
 * stopped by a sanitizer, crashed inside winvm (the input's own faults are exceptions, which
 * the child's top-level filter turns into an exit code): the harness aborts so libFuzzer keeps
 * the input.  Coverage is the in-process part's; the
 * child's is lost with it.
 *
 * Built and run by `make fuzz-load` (clang -fsanitize=fuzzer,address,undefined over every
 * source file of libwinvm). */
#define _GNU_SOURCE
#include <winvm.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char fuzz_dir[64];
static unsigned child_every = 1; /* WINVM_FUZZ_CHILD_EVERY: the full load for every Nth input */

#define WV_ASAN_EXIT 86 /* a sanitizer's report in the child: winvm crashed */
#define WV_PE_EXCEPTION 3 /* the input's own code raised an exception nothing handled */

/* Sanitizer reports end the process with a code of their own, told apart from the input's. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "exitcode=86"; }

/* The top-level filter: an exception of the input's code that nothing handled ends the child
 * with WV_PE_EXCEPTION (winvm would otherwise end a host program the way a crash does). */
static LONG WINAPI unhandled(EXCEPTION_POINTERS *ep)
{
    (void)ep;
    _exit(WV_PE_EXCEPTION);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    remove(path);
    return 0;
}

/* The inputs and the image cache go with the process. */
static void remove_fuzz_dir(void) { nftw(fuzz_dir, remove_one, 8, FTW_DEPTH | FTW_PHYS); }

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/winvm-fuzz-load.%d", (int)getpid());
    if (mkdir(fuzz_dir, 0700) != 0 && errno != EEXIST)
        abort();
    char cache[96];
    snprintf(cache, sizeof(cache), "%s/cache", fuzz_dir);
    setenv("WINVM_CACHE_DIR", cache, 1);
    setenv("WINVM_IMAGE_SHARING", "classic", 1); /* no cache entry per input */
    setenv("WINVM_MISSING_IMPORTS", "stub", 1);  /* bind what can be bound, stub the rest */
    const char *every = getenv("WINVM_FUZZ_CHILD_EVERY");
    if (every && atoi(every) >= 0)
        child_every = (unsigned)atoi(every); /* 0: never */
    atexit(remove_fuzz_dir);
    return 0;
}

#define DENY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)
#define ARG_LO(n) offsetof(struct seccomp_data, args[n])

/* Installs the filter: the calls listed fail with EPERM, opens for writing too, clone only
 * makes threads; everything else is allowed (the loader and the runtime need mmap, mprotect,
 * reads, signals to themselves). */
static void sandbox(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        DENY(__NR_kill), DENY(__NR_tkill), DENY(__NR_execve), DENY(__NR_execveat), DENY(__NR_fork),
        DENY(__NR_vfork), DENY(__NR_clone3), DENY(__NR_unlink), DENY(__NR_unlinkat), DENY(__NR_rmdir),
        DENY(__NR_rename), DENY(__NR_renameat), DENY(__NR_renameat2), DENY(__NR_link), DENY(__NR_linkat),
        DENY(__NR_symlink), DENY(__NR_symlinkat), DENY(__NR_truncate), DENY(__NR_chmod), DENY(__NR_fchmodat),
        DENY(__NR_chown), DENY(__NR_fchownat), DENY(__NR_lchown), DENY(__NR_mkdir), DENY(__NR_mkdirat),
        DENY(__NR_creat), DENY(__NR_socket), DENY(__NR_socketpair), DENY(__NR_ptrace),
        DENY(__NR_process_vm_writev), DENY(__NR_mount), DENY(__NR_umount2), DENY(__NR_reboot),
        DENY(__NR_setuid), DENY(__NR_setgid), DENY(__NR_setreuid), DENY(__NR_setresuid), DENY(__NR_setsid),
        DENY(__NR_pidfd_send_signal), DENY(__NR_pidfd_open), DENY(__NR_io_uring_setup), DENY(__NR_bpf),
        DENY(__NR_sethostname), DENY(__NR_kexec_load), DENY(__NR_init_module), DENY(__NR_swapoff),
        DENY(__NR_rt_sigqueueinfo), DENY(__NR_rt_tgsigqueueinfo),
        /* tgkill: only to this process (the runtime signals its own threads) */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_tgkill, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)getpid(), 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        /* clone: threads only */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        /* open/openat: read-only */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_WRONLY | O_RDWR | O_CREAT | O_TRUNC, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_WRONLY | O_RDWR | O_CREAT | O_TRUNC, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof(f) / sizeof(f[0])), f};
    struct rlimit cpu = {2, 3}, fsize = {0, 0}, nofile = {256, 256};
    setrlimit(RLIMIT_CPU, &cpu);
    setrlimit(RLIMIT_FSIZE, &fsize);
    setrlimit(RLIMIT_NOFILE, &nofile);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
        _exit(99); /* never run the input unsandboxed */
}

/* The full load in a sandboxed child; aborts when winvm itself crashed there. */
static void load_in_child(const char *path)
{
    pid_t pid = fork();
    if (pid < 0)
        return;
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL); /* libFuzzer's timeout handler is the parent's business */
        SetUnhandledExceptionFilter(unhandled);
        sandbox();
        alarm(2);
        HMODULE h = LoadLibraryA(path);
        if (h)
            FreeLibrary(h);
        _exit(0);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        if (sig == SIGSEGV || sig == SIGBUS || sig == SIGABRT || sig == SIGILL || sig == SIGFPE) {
            fprintf(stderr, "fuzz_load: the full load died of signal %d\n", sig);
            abort();
        }
    } else if (WEXITSTATUS(st) == WV_ASAN_EXIT) {
        fprintf(stderr, "fuzz_load: a sanitizer stopped the full load\n");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned n;
    char path[128];
    snprintf(path, sizeof(path), "%s/in%u.dll", fuzz_dir, n++ % 64); /* a new file: no stale mapping */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return 0;
    ssize_t w = write(fd, data, size);
    close(fd);
    if (w != (ssize_t)size)
        return 0;
    HMODULE h = LoadLibraryExA(path, NULL, DONT_RESOLVE_DLL_REFERENCES);
    if (h) {
        (void)GetProcAddress(h, "DllMain");
        FreeLibrary(h);
        if (child_every && n % child_every == 0)
            load_in_child(path);
    }
    unlink(path);
    return 0;
}
