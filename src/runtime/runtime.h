/* SPDX-License-Identifier: MIT */
/* runtime.h - what winvm serves to PE code: `winvm run` (run.c), threads (thread.c; suspension
 * and contexts: thread_ctl.c, APCs: apc.c, their shared object: thread_int.h), waits and
 * synchronisation objects (sync.c), kernel32.dll (kernel32.c, k32_crt.c, k32_exports.c and the
 * k32_*.c files by concern: paths, files, locks, directories, find, volumes, environment, time,
 * FormatMessage, console, strings, processes, modules), advapi32.dll (advapi32.c), ntdll.dll
 * (ntdll.c) and msvcrt.dll (msvcrt*.c: msvcrt.c's header lists them; their private header is
 * msvcrt_int.h).  The top layer: it may use every layer below.
 *
 * Locking: the wait lock (sync.c) guards every waitable object's state; it is a leaf (nothing
 * else is taken under it).  Each DLL's own locks (TLS slots, stdio, environment, ...) are leaves
 * too.
 */
#ifndef WV_RUNTIME_H
#define WV_RUNTIME_H

#include "base/base.h"
#include "ob/ob.h"
#include "loader/loader.h"
#include "seh/seh.h"
#include "section/section.h" /* struct wv_file */
#include "tool.h" /* winvm_run is defined here */

#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

/* A DLL's exports served by winvm: sorted by strcmp, found by bisection. */
struct wv_export {
    const char *name;
    void *addr;
};
void *wv_export_find(const struct wv_export *table, size_t n, const char *name);

/* The ms_abi (Windows x64 calling convention) entry point of the kernel32.dll export with
 * this exact, case-sensitive name, as GetProcAddress would find it; NULL when winvm does not
 * provide it. */
void *wv_k32_lookup(const char *name);

/* The i-th export name in the table's (strcmp) order; NULL past the end.  For checks and
 * listings: the loader only needs wv_k32_lookup. */
const char *wv_k32_name_at(size_t i);

/* msvcrt.dll (msvcrt_exports.c): the same for the C runtime's exports (functions and variables). */
void *wv_crt_lookup(const char *name);
const char *wv_crt_name_at(size_t i);
/* ucrtbase.dll and vcruntime140.dll (ucrt_exports.c): msvcrt's implementation, UCRT's names. */
void *wv_ucrt_lookup(const char *name);
const char *wv_ucrt_name_at(size_t i);
void *wv_vc_lookup(const char *name);
const char *wv_vc_name_at(size_t i);
/* vcruntime140_1.dll (ucrt_exports.c): __CxxFrameHandler4. */
void *wv_vc1_lookup(const char *name);
const char *wv_vc1_name_at(size_t i);

/* ---- msvcrt_printf.c: printf reading a Windows va_list with Windows' type sizes ---- */
typedef __builtin_ms_va_list wv_ms_va;
/* Prints to f and flushes it; the length printed, -1 without f or fmt. */
int wv_crt_fprint(FILE *f, const char *fmt, wv_ms_va *ap);
/* Prints into buf, at most cap - 1 bytes and a terminator (none when cap is 0); the length
 * the whole output has. */
int wv_crt_sprint(char *buf, size_t cap, const char *fmt, wv_ms_va *ap);
/* The same, at most cap bytes and no terminator (_vsnprintf's rule). */
int wv_crt_sprint_unterminated(char *buf, size_t cap, const char *fmt, wv_ms_va *ap);
/* The whole output in a malloc'ed buffer (*len its length, no terminator counted), or NULL
 * without memory; wide: a wide function's format (%s %c UTF-16), already in UTF-8. */
char *wv_crt_format_alloc(const char *fmt, wv_ms_va *ap, bool wide, size_t *len);
/* A wide printf's text as UTF-16 in a malloc'ed buffer, *len its units (msvcrt_wprintf.c);
 * wide: %s/%c are UTF-16 (msvcrt's rule, UCRT's legacy one, wsprintfW's), else narrow (UCRT's,
 * C's).  NULL: msvcrt's errno set (EINVAL without fmt, ENOMEM). */
WCHAR *wv_crt_wformat(const WCHAR *fmt, wv_ms_va *ap, bool wide, size_t *len);

/* ntdll_peb.c: PEB->FastPebLock made and set (once). */
void wv_peb_lock_setup(void);

/* ---- ntdll.c: ntdll.dll, and the exception calls kernel32 exports too (ms_abi) ---- */
void *wv_nt_lookup(const char *name);
const char *wv_nt_name_at(size_t i);
void WV_MSABI wv_nt_RaiseException(DWORD code, DWORD flags, DWORD nargs, const ULONG_PTR *args);
BOOLEAN WV_MSABI wv_nt_RtlAddFunctionTable(PRUNTIME_FUNCTION table, DWORD count, DWORD64 base);
WORD WV_MSABI wv_nt_RtlCaptureStackBackTrace(DWORD skip, DWORD count, PVOID *out, DWORD *hash);
BOOLEAN WV_MSABI wv_nt_RtlDeleteFunctionTable(PRUNTIME_FUNCTION table);
BOOLEAN WV_MSABI wv_nt_RtlInstallFunctionTableCallback(DWORD64 id, DWORD64 base, DWORD length,
                                                       PGET_RUNTIME_FUNCTION_CALLBACK cb, PVOID context,
                                                       LPCWSTR dll);
PRUNTIME_FUNCTION WV_MSABI wv_nt_RtlLookupFunctionEntry(DWORD64 pc, DWORD64 *base, PVOID history);
PVOID WV_MSABI wv_nt_RtlPcToFileHeader(PVOID pc, PVOID *base);
void WV_MSABI wv_nt_RtlRestoreContext(CONTEXT *ctx, EXCEPTION_RECORD *rec);
void WV_MSABI wv_nt_RtlUnwind(PVOID frame, PVOID ip, EXCEPTION_RECORD *rec, PVOID retval);
void WV_MSABI wv_nt_RtlUnwindEx(PVOID frame, PVOID ip, EXCEPTION_RECORD *rec, PVOID retval, CONTEXT *ctx,
                                PVOID history);
PEXCEPTION_ROUTINE WV_MSABI wv_nt_RtlVirtualUnwind(DWORD type, DWORD64 base, DWORD64 pc, PRUNTIME_FUNCTION fe,
                                                   CONTEXT *ctx, PVOID *data, DWORD64 *frame,
                                                   KNONVOLATILE_CONTEXT_POINTERS *ptrs);
WV_MSABI LPTOP_LEVEL_EXCEPTION_FILTER wv_nt_SetUnhandledExceptionFilter(LPTOP_LEVEL_EXCEPTION_FILTER f);
WV_MSABI LONG wv_nt_UnhandledExceptionFilter(EXCEPTION_POINTERS *ep);
/* veh.c: PE code's vectored exception and continue handlers (ntdll's Rtl* names too). */
WV_MSABI PVOID k32_AddVectoredExceptionHandler(ULONG first, void *fn);
WV_MSABI ULONG k32_RemoveVectoredExceptionHandler(PVOID h);
WV_MSABI PVOID k32_AddVectoredContinueHandler(ULONG first, void *fn);
WV_MSABI ULONG k32_RemoveVectoredContinueHandler(PVOID h);
/* kernel32's table (k32_exports.c) names its entries k32_Name: these are ntdll.c's. */
#define k32_RaiseException wv_nt_RaiseException
#define k32_RtlAddFunctionTable wv_nt_RtlAddFunctionTable
#define k32_RtlCaptureContext wv_seh_capture
#define k32_RtlCaptureStackBackTrace wv_nt_RtlCaptureStackBackTrace
#define k32_RtlDeleteFunctionTable wv_nt_RtlDeleteFunctionTable
#define k32_RtlInstallFunctionTableCallback wv_nt_RtlInstallFunctionTableCallback
#define k32_RtlLookupFunctionEntry wv_nt_RtlLookupFunctionEntry
#define k32_RtlPcToFileHeader wv_nt_RtlPcToFileHeader
#define k32_RtlRestoreContext wv_nt_RtlRestoreContext
#define k32_RtlUnwind wv_nt_RtlUnwind
#define k32_RtlUnwindEx wv_nt_RtlUnwindEx
#define k32_RtlVirtualUnwind wv_nt_RtlVirtualUnwind
#define k32_SetUnhandledExceptionFilter wv_nt_SetUnhandledExceptionFilter
#define k32_UnhandledExceptionFilter wv_nt_UnhandledExceptionFilter

/* Registers kernel32 and msvcrt with the loader (once; cheap after). */
void wv_runtime_init(void);

/* ---- k32_user.c: strings and buffers the caller names (a bad pointer is ERROR_NOACCESS) ---- */
/* A malloc'ed copy of the caller's NUL-terminated string s (not NULL): 0, ERROR_NOACCESS or
 * ERROR_NOT_ENOUGH_MEMORY. */
DWORD wv_user_str(const char *s, char **out);
/* Copies units of size `unit` (1 or 2) from s until a zero unit: *out malloc'ed and
 * zero-terminated, *len the units before the terminator.  0, ERROR_NOACCESS or
 * ERROR_NOT_ENOUGH_MEMORY. */
DWORD wv_user_units(const void *s, size_t unit, void **out, size_t *len);
/* The same for a UTF-16 string, converted to UTF-8 (bad: what an unpaired surrogate becomes;
 * strict fails with ERROR_INVALID_NAME). */
DWORD wv_user_wstr(LPCWSTR s, enum wv_text_policy bad, char **out);
/* Windows' string-out convention: s fits in cap units (its terminator included): copied, *ret
 * its length without the terminator; too long: nothing written, *ret the size it needs
 * (terminator included).  The W form converts s (UTF-8) to UTF-16.  0 or ERROR_NOACCESS. */
DWORD wv_out_a(const char *s, LPSTR buf, DWORD cap, DWORD *ret);
DWORD wv_out_w(const char *s, LPWSTR buf, DWORD cap, DWORD *ret);
/* Copies n bytes to the caller's dst: 0 or ERROR_NOACCESS. */
DWORD wv_user_put(void *dst, const void *src, size_t n);

/* ---- k32_path.c: the one mapping between Windows paths and the host's (docs/semantics.md,
 * "Paths"): '\\' becomes '/', "X:\\" (any drive letter) the host's root "/", a "\\\\?\\" prefix is
 * dropped, "NUL" is /dev/null; anything else is relative to the host's current directory. ---- */
/* A malloc'ed host path for the Windows path win: 0, ERROR_PATH_NOT_FOUND (empty),
 * ERROR_BAD_NETPATH (a UNC path), ERROR_NOT_ENOUGH_MEMORY. */
DWORD wv_path_host(const char *win, char **out);
/* The same as text alone: a builtin DLL's file in the system directory stays
 * "/windows/system32/<name>" (the loader knows builtins by that name, not by their file). */
DWORD wv_path_host_name(const char *win, char **out);
DWORD wv_path_host_name_a(LPCSTR win, char **out);
DWORD wv_path_host_name_w(LPCWSTR win, char **out);
/* The same from a caller's A or W string (NULL: ERROR_PATH_NOT_FOUND; bad: ERROR_NOACCESS). */
DWORD wv_path_host_a(LPCSTR win, char **out);
DWORD wv_path_host_w(LPCWSTR win, char **out);
/* k32_search.c: try_in(dir, its length, name) for each non-empty directory of list (separated
 * by sep) until one answers non-NULL: that answer, or NULL. */
char *wv_dir_list_find(const char *list, char sep, const char *name,
                       char *(*try_in)(const char *dir, size_t dirlen, const char *name));
/* The Windows form of a host path, malloc'ed ("/x/y" -> "C:\\x\\y"); NULL without memory. */
char *wv_path_windows(const char *host);
/* The current directory, Windows form (GetCurrentDirectory's), malloc'ed; NULL without memory. */
char *wv_cwd_windows(void);
/* GetFullPathName's core: win made absolute against the current directory and normalised
 * ("." and ".." resolved), Windows form, malloc'ed; 0 or a Win32 error. */
DWORD wv_path_full(const char *win, char **out);

/* ---- k32_sysdir.c: C:\windows\system32 and the builtin DLLs' files in it ---- */
/* When win names a builtin DLL's file in the system directory: true, and its host path
 * ("/proc/self/fd/N", the loader's sealed copy, made now if it is not yet) in *out or the error
 * in *err.  False for any other path (nothing done). */
bool wv_sysdir_host(const char *win, char **out, DWORD *err);
/* Whether host (a host path the host does not have) is C:\windows or C:\windows\system32. */
bool wv_sysdir_is_dir(const char *host);
/* A path call's error for host: ERROR_PATH_NOT_FOUND becomes ERROR_FILE_NOT_FOUND for a name
 * in one of those directories the host lacks (they exist: the name does not). */
DWORD wv_sysdir_error(const char *host, DWORD err);
/* Entry i of dir when it is one of those directories the host lacks (FindFirstFile lists them:
 * "system32" in C:\windows, the builtins' files in it), NULL past the last or for another. */
const char *wv_sysdir_entry(const char *dir, size_t i);
/* wv_file_stat of a path in those directories, or of one of them: 0 or an errno (ENOENT). */
int wv_sysdir_stat(const char *host, struct stat *st, FILETIME t[3]);
#define WV_WINDOWS_DIR "C:\\windows"
#define WV_SYSTEM_DIR "C:\\windows\\system32"
/* The current directory when SetCurrentDirectory made it one of those directories the host
 * lacks (WV_WINDOWS_DIR or WV_SYSTEM_DIR; the host's is its root "/" meanwhile), else NULL. */
const char *wv_sysdir_cwd(void);
/* WV_WINDOWS_DIR or WV_SYSTEM_DIR when path (Windows or host form) names it, else NULL. */
const char *wv_sysdir_which(const char *path);
/* Makes path (Windows or host form) the current directory when it is one of them: 0, or
 * ERROR_PATH_NOT_FOUND for any other path. */
DWORD wv_sysdir_chdir(const char *path);
/* The host's current directory is the process's again (after a chdir that worked). */
void wv_sysdir_leave(void);

/* ---- k32_time.c: FILETIME (100 ns since 1601-01-01 UTC) <-> host time, in one place ---- */
uint64_t wv_filetime_of(const struct timespec *t);
void wv_filetime_set(FILETIME *ft, uint64_t v);
uint64_t wv_filetime_get(const FILETIME *ft);
/* The host time of a FILETIME value (may be before 1970: negative seconds). */
struct timespec wv_timespec_of(uint64_t ft);

/* ---- kusd.c: KUSER_SHARED_DATA at 0x7ffe0000 ---- */
/* Maps the page and starts its clock (once; later calls return the first one's result). */
DWORD wv_kusd_map(void);
/* The page's SystemTime (FILETIME units), or 0 when it is not mapped. */
uint64_t wv_kusd_system_time(void);

/* ---- k32_file.c ---- */
/* The file object behind h (a reference the caller drops) if it is a file handle; its access
 * in *access when not NULL.  NULL: ERROR_INVALID_HANDLE. */
struct wv_file *wv_file_of(HANDLE h, DWORD *access);
/* SetStdHandle's value for standard handle i (0 input, 1 output, 2 error) into *h: false when
 * the program never replaced it (kernel32.c). */
bool wv_std_replacement(unsigned i, HANDLE *h);
/* stat of path (of fd when path is NULL) and its creation, access and write times, creation
 * being the birth time when the file system keeps one, else the change time.  0 or errno. */
int wv_file_stat(int fd, const char *path, struct stat *st, FILETIME t[3]);
/* Attributes of a host file as Windows reports them (FILE_ATTRIBUTE_*); name: its last
 * component (a leading '.' is FILE_ATTRIBUTE_HIDDEN), or NULL. */
DWORD wv_file_attributes(const struct stat *st, const char *name);

/* ---- k32_find.c, k32_volume.c: the search object FindFirstFile and FindFirstVolume share ---- */
struct wv_find {
    struct wv_object obj; /* WV_KIND_FIND */
    pthread_mutex_t lock; /* next */
    char *dir;            /* the host directory searched */
    char **names;         /* the matching names, in the order they are returned */
    size_t n, next;
    bool volume;          /* a FindFirstVolume search (names unused) */
};
/* A new search object holding one reference, or NULL without memory. */
struct wv_find *wv_find_new(void);

/* ---- k32_msgs.c, k32_format.c: FormatMessage ---- */
/* The system's English text for an error code (CRLF-terminated), or NULL when winvm has none. */
const char *wv_system_message(DWORD code);
/* The i-th code of the table, in ascending order; (DWORD)-1 past the end. */
DWORD wv_system_message_code_at(size_t i);
/* FormatMessageA/W's core; the inserts come from a host va_list (host_va) or a PE caller's
 * (ms_va), or from the DWORD_PTR array either points to with FORMAT_MESSAGE_ARGUMENT_ARRAY. */
DWORD wv_format_message(bool wide, DWORD flags, LPCVOID src, DWORD id, DWORD lang, void *buf,
                        DWORD size, va_list *host_va, __builtin_ms_va_list *ms_va);

/* ---- psapi.c: psapi.dll ---- */
void *wv_ps_lookup(const char *name);
const char *wv_ps_name_at(size_t i);

/* ---- advapi32.c (advapi32_reg.c, reg_*.c: the registry; advapi32_token.c; GetUserName) ---- */
void *wv_advapi_lookup(const char *name);
const char *wv_advapi_name_at(size_t i);
typedef void *WV_HKEY;
__attribute__((ms_abi)) LONG wv_adv_RegOpenKeyExA(WV_HKEY key, LPCSTR sub, DWORD options, DWORD sam, WV_HKEY *out);
__attribute__((ms_abi)) LONG wv_adv_RegOpenKeyExW(WV_HKEY key, LPCWSTR sub, DWORD options, DWORD sam, WV_HKEY *out);
__attribute__((ms_abi)) LONG wv_adv_RegQueryValueExA(WV_HKEY key, LPCSTR name, LPDWORD reserved, LPDWORD type,
                                                     BYTE *data, LPDWORD size);
__attribute__((ms_abi)) LONG wv_adv_RegQueryValueExW(WV_HKEY key, LPCWSTR name, LPDWORD reserved, LPDWORD type,
                                                     BYTE *data, LPDWORD size);
__attribute__((ms_abi)) LONG wv_adv_RegCloseKey(WV_HKEY key);
__attribute__((ms_abi)) BOOL wv_adv_GetUserNameA(LPSTR buf, LPDWORD size);
__attribute__((ms_abi)) BOOL wv_adv_GetUserNameW(LPWSTR buf, LPDWORD size);

/* ---- bcrypt.c, userenv.c: BCryptGenRandom, GetUserProfileDirectoryW (Rust's std imports both) ---- */
DWORD wv_random(BYTE *out, size_t n); /* advapi32.c: the host's pool, into PE memory */
void *wv_bcrypt_lookup(const char *name);
const char *wv_bcrypt_name_at(size_t i);
void *wv_secur32_lookup(const char *name);
const char *wv_secur32_name_at(size_t i);
void *wv_userenv_lookup(const char *name);
/* shell32.c: shell32.dll (SHFileOperation, FindExecutable, SHGetFileInfo, ...) */
void *wv_sh_lookup(const char *name);
const char *wv_sh_name_at(size_t i);
const char *wv_userenv_name_at(size_t i);

/* ---- user32.c, ws2_32.c: user32.dll (a process without windows) and Winsock ---- */
void *wv_u32_lookup(const char *name);
const char *wv_u32_name_at(size_t i);
void *wv_ws_lookup(const char *name);
const char *wv_ws_name_at(size_t i);


/* ---- run.c ---- */
/* The command line GetCommandLineA/W return, quoted from argv as Windows quotes it. */
void wv_set_command_line(int argc, char **argv);
/* The program's arguments (winvm run's, else the Linux ones): argc, *argv set. */
int wv_command_args(char ***argv);

/* ---- attach.c ---- */
/* Gives a Linux thread without a TEB one (TLS blocks, DLL_THREAD_ATTACH): 0 or the error. */
DWORD wv_thread_adopt(void);
/* Fills the PEB's heap and process parameters (once; the PEB exists: a TEB was made); image
 * is the EXE's path, NULL for the Linux program's. */
void wv_peb_fill(const char *image);

/* ---- thread.c ---- */
/* The stack every new PE thread gets unless CreateThread asks otherwise (the EXE's headers). */
void wv_thread_set_stack_size(uint64_t reserve, uint64_t commit);
/* A new thread's stack sizes when it names none: the image's (its SizeOfStackReserve and
 * SizeOfStackCommit), or 1 MiB and one page in a process without one. */
void wv_thread_stack_defaults(SIZE_T *reserve, SIZE_T *commit);
/* Whether a thread object has ended (wait lock held). */
bool wv_thread_signalled(struct wv_object *o);
/* A new reference to the calling thread's object (NULL without memory). */
struct wv_object *wv_thread_self_ref(void);
/* thread_remote.c: a thread of another process (WV_KIND_REMOTE_THREAD) */
bool wv_rthread_signalled(struct wv_object *o);
enum { WV_RT_EXIT_CODE, WV_RT_TID, WV_RT_PID, WV_RT_SUSPEND, WV_RT_RESUME, WV_RT_TERMINATE };
/* The call op (WV_RT_*: GetExitCodeThread, GetThreadId, GetProcessIdOfThread, SuspendThread,
 * ResumeThread, TerminateThread with arg the code) on h when h names another process's thread:
 * true, *out the result, *err 0 or the call's error; false when h is no such handle. */
bool wv_rthread_call(HANDLE h, int op, DWORD arg, DWORD *out, DWORD *err);
/* CreateRemoteThread in process p (another): asked of it over its channel (the thread made as
 * its CreateThread makes one), *out a handle to it here (THREAD_ALL_ACCESS), *tid its id: 0 or
 * the error (ERROR_ACCESS_DENIED when p has ended). */
struct wv_process;
DWORD wv_rthread_create(struct wv_process *p, SIZE_T stack, LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags,
                        DWORD *tid, HANDLE *out);
/* Get/SetThreadContext of another process's thread (h: a held thread, a child's main thread),
 * asked of its process: true when h names one, *err 0 or the error. */
bool wv_rthread_context(HANDLE h, CONTEXT *c, bool set, DWORD *err);
bool wv_rthread_is(HANDLE h);

/* ---- process.c: process objects (docs/semantics.md, "Processes") ---- */
struct wv_process {
    struct wv_object obj; /* WV_KIND_PROCESS */
    pid_t pid;
    bool self;            /* this process: never signalled */
    bool child;           /* made by CreateProcess here: its watcher reaps it */
    bool done;            /* it has ended (wait lock) */
    bool code_known;      /* code holds its exit code (wait lock) */
    bool terminated;      /* TerminateProcess set code (wait lock) */
    DWORD code;
    int pidfd;            /* -1 for this process; a child's is opened before its watcher reaps it */
    int exit_fd;          /* a child's exit-code pipe (read end, non-blocking), else -1 */
    int resume_fd;        /* a suspended child's start pipe (write end) until resumed, else -1 */
    DWORD suspend;        /* the main thread's suspend count (wv_process_lock) */
    int handles;          /* handles to it and to its main thread (atomic) */
    int chan_fd;          /* its control channel (procchan.h) once used, else -1 (chan_lock) */
    int watch_fd;         /* another process's: the channel connection that hears its exit code */
    pthread_mutex_t chan_lock;
    bool vm_chan;         /* the kernel refused process_vm_readv/writev: copy via the channel (atomic) */
    uintptr_t peb, affinity; /* another process's, once its channel told them (proc_info.c; atomic) */
    pid_t parent;            /* its parent's pid, told with them */
    struct wv_process *next; /* the list of children (wv_process_lock) */
};
/* A child's process object for a new Linux child pid (exit_fd, resume_fd as above), its
 * watcher started: a reference the caller owns, or NULL without memory (the fds are then
 * the caller's still). */
struct wv_process *wv_process_child(pid_t pid, int exit_fd, int resume_fd);
/* A handle to the child's main thread (WV_KIND_PROCESS_THREAD), or NULL (table full). */
HANDLE wv_process_thread_handle(struct wv_process *p);
/* A handle naming a debuggee's thread tid (CREATE_THREAD_DEBUG_EVENT's hThread). */
HANDLE wv_process_other_thread_handle(struct wv_process *p, DWORD tid);
/* Whether a process (or child main thread) object has ended (wait lock held). */
bool wv_process_signalled(struct wv_object *o);
/* Whether another process has ended, as its pidfd says at once (its watcher may not have
 * heard yet); false for this process, and for one without a pidfd while not marked done. */
bool wv_process_gone(struct wv_process *p);
/* Whether h is the pseudo handle or a handle to this process. */
bool wv_process_is_self(HANDLE h);
/* A new reference to this process's object (NULL without memory). */
struct wv_object *wv_process_self_ref(void);
/* ResumeThread (THREAD_SUSPEND_RESUME) of a child's main thread that has not started (its
 * start gate: false once it has), GetThreadId/GetProcessIdOfThread (ids, 0 without
 * THREAD_QUERY_(LIMITED_)INFORMATION: ERROR_ACCESS_DENIED set) and GetExitCodeThread on a
 * child's main thread handle: true when h is one (*out set to the call's result). */
bool wv_process_thread_resume(HANDLE h, DWORD *out);
/* proc_suspend.c: SuspendThread (suspend) or ResumeThread of a child's main thread that has
 * started, asked of the child: true when h is such a handle, *out the previous count or -1
 * with the last error set. */
bool wv_process_thread_remote(HANDLE h, bool suspend, DWORD *out);
/* process.c: whether p's main thread is past its start gate (not created suspended, or
 * resumed). */
bool wv_process_started(struct wv_process *p);
/* debug_parent.c: whether this process debugs the process pid (its threads stand at its
 * events: they are not suspended from here). */
bool wv_debug_is_debuggee(DWORD pid);
bool wv_process_thread_query(HANDLE h, DWORD *pid, DWORD *tid);
bool wv_process_thread_exit_code(HANDLE h, LPDWORD code, BOOL *out);
/* The ids of a child's main thread handle, whatever its access (the context calls check theirs). */
bool wv_process_thread_ids(HANDLE h, DWORD *pid, DWORD *tid);
/* The process of a child's thread object (WV_KIND_PROCESS_THREAD), a reference; *tid its id. */
struct wv_process *wv_process_thread_of(struct wv_object *o, DWORD *tid);
/* process.c: TerminateProcess's core on another process (its code; asynchronous, as Windows'):
 * 0, or ERROR_ACCESS_DENIED when it has ended. */
DWORD wv_process_terminate(struct wv_process *p, UINT code);
/* OpenProcess's core: this process, our child's one object, or another process of the user by
 * pid; 0 and a reference in *out, or the error. */
DWORD wv_process_open(pid_t pid, struct wv_process **out);
/* job.c: job objects (WV_KIND_JOB), what processes tell them.  A member p ended (its watcher,
 * after `done`); whether a job is signalled (wait lock); CreateProcess's checks: before the
 * child (CREATE_BREAKAWAY_FROM_JOB refused: ERROR_ACCESS_DENIED), and the child p joining this
 * process's job (0, or ERROR_NOT_ENOUGH_QUOTA: the caller ends it); this process's exit. */
void wv_job_process_ended(struct wv_process *p);
bool wv_job_signalled(struct wv_object *o);
DWORD wv_job_create_check(DWORD flags);
DWORD wv_job_create_join(struct wv_process *p, DWORD flags);
void wv_job_exit(void);
/* process_find.c: the host path of the program CreateProcess runs (lpApplicationName, else
 * the command line's first token, searched as Windows does): 0, ERROR_FILE_NOT_FOUND,
 * ERROR_BAD_EXE_FORMAT (not an x86-64 PE program), ERROR_INVALID_PARAMETER (neither given). */
DWORD wv_process_find(const char *app, const char *cmd, char **host);
/* Registers the process handle resolvers with the layers below (wv_runtime_init). */
void wv_process_init(void);

/* ---- process_child.c: the child's side of CreateProcess (winvm run) ---- */
/* Takes over what the parent passed (WINVM_CMDLINE, WINVM_CHILD; removed from the
 * environment), waits while the parent holds it suspended; false when the parent went away
 * before resuming it. */
bool wv_child_start(void);
/* ExitProcess's code, reported to the parent (all 32 bits; Linux keeps only 8). */
void wv_child_exit(UINT code);
/* proc_exit.c: the process's end (ExitProcess there).  Whether NtTerminateProcess(NULL) (or
 * ExitProcess) has begun; every other thread ended with code (NtTerminateProcess(NULL)); the
 * process ended now with code (the parent told, no DLL detach); a critical section's wait that
 * found its owner gone: the process ends when it is terminating. */
bool wv_process_terminating(void);
void wv_process_end_others(DWORD code);
void wv_process_end_now(UINT code) __attribute__((noreturn));
void wv_process_cs_orphaned(void);
/* thread_kill.c: every other thread terminated with code, waited for up to ms. */
void wv_thread_end_others(DWORD code, unsigned ms);
/* ntdll_peb.c: the PEB lock taken by the caller (ExitProcess: never given back). */
void wv_peb_lock_hold(void);
/* Sets the command line verbatim (GetCommandLine) and the arguments Windows' rules read from
 * it (the C runtime's argv). */
void wv_set_command_line_raw(const char *cmdline);

/* ---- sync.c: every waitable object's state is guarded by this lock; changes broadcast ---- */
extern pthread_mutex_t wv_wait_lock;
extern pthread_cond_t wv_wait_cond;
/* CreateThread; pe: start is a PE (ms_abi) function, run with the Windows thread setup. */
HANDLE wv_thread_create(SIZE_T stack, LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags, LPDWORD tid, bool pe);
/* A PE thread on a stack [lo, top) the caller made (ntdll's RtlCreateUserThread): the stack is
 * the thread's from the call on, freed with it or on failure.  NULL and *err (a Win32 code) on
 * failure; sets no last error. */
HANDLE wv_thread_create_on(uintptr_t lo, uintptr_t top, LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags,
                           LPDWORD tid, DWORD *err);
/* A PE thread winvm starts for itself (the worker pool's, a timer queue's: workpool.c), with
 * a stack and TEB as CreateThread's; start is ms_abi.  NULL and *err on failure; sets no last
 * error (the caller's call is not about threads). */
HANDLE wv_thread_spawn(LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD *err);
/* thread_kill.c: a wait's safe point: ends the calling thread when TerminateThread asked
 * (the caller holds no lock); whether it asked. */
void wv_thread_kill_point(void);
bool wv_thread_kill_pending(void);

#endif
