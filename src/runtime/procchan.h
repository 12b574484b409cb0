/* SPDX-License-Identifier: MIT */
/* procchan.h - the control channel of a winvm process (docs/processes.md): how another
 * process of the same user asks this one's own memory manager to allocate, free, protect,
 * query or write its memory, hears its exit code, or ends it.  Private to runtime/.
 *
 * procchan_dir.c: the per-user rendezvous directory and connecting to a process's socket;
 * procchan_serve.c: the target's side (a listening thread, one thread per connection);
 * procchan_call.c: the caller's side (one connection per process object) and the *Ex calls'
 * way up (nt.h's wv_nt_remote).
 */
#ifndef WV_PROCCHAN_H
#define WV_PROCCHAN_H

#include "runtime/runtime.h"

enum wv_chan_op {
    WV_CHAN_ALLOC = 1, /* addr, size, type, protect -> addr */
    WV_CHAN_FREE,      /* addr, size, type */
    WV_CHAN_PROTECT,   /* addr, size, protect -> old */
    WV_CHAN_QUERY,     /* addr -> mbi */
    WV_CHAN_WRITE,     /* addr, len bytes of data (one page at most) -> size written */
    WV_CHAN_WATCH,     /* WV_CHAN_WATCHING once kept, then the exit code (4 bytes) when it ends */
    WV_CHAN_EXIT,      /* protect = exit code; no reply: TerminateProcess */
    WV_CHAN_HANDLE,    /* a struct wv_xfer in data and its descriptor (SCM_RIGHTS) -> addr: the handle */
    WV_CHAN_VIEW,      /* a map (a section and its descriptor) or an unmap (procchan_view.c) -> status */
    WV_CHAN_TAKE,      /* addr: a handle here, protect: access, type: DUPLICATE_* options, size 1: close
                        * only -> xfer and its descriptor (SCM_RIGHTS): DuplicateHandle out of it */
    WV_CHAN_DEBUG,     /* DebugActiveProcess: the debuggee's end of a debug channel (SCM_RIGHTS) */
    WV_CHAN_READ,      /* addr, size (<= WV_CHAN_READ_MAX) -> size copied, and that many bytes after the reply */
    WV_CHAN_VMWRITE,   /* addr, len bytes of data (a page at most), no protection changed -> size written */
    WV_CHAN_THREAD,    /* type: WV_THREAD_*, addr: tid, size: its serial (0: any), protect: exit code ->
                        * old: the call's result; OPEN: size the serial, the end pipe (SCM_RIGHTS) */
    WV_CHAN_IMAGE,     /* -> its EXE's SECTION_IMAGE_INFORMATION after the reply (proc_imginfo.c) */
    WV_CHAN_BASIC,     /* -> addr: its PEB, size: its affinity mask, old: its parent's pid (proc_info.c) */
    WV_CHAN_NTVM,      /* a struct wv_remote_vm in data -> err: the status, addr, size (procchan_ntvm.c) */
    WV_CHAN_JOB,       /* type: WV_JOB_*, a struct wv_job_msg in data -> err (job_chan.c) */
    WV_CHAN_EXENAME,   /* -> size: its length, and its EXE's Win32 path (UTF-8) after the reply (proc_names.c) */
    WV_CHAN_MODULES,   /* -> size: their length, and its module list after the reply (toolhelp_remote.c) */
    WV_CHAN_HCOUNT,    /* -> size: how many handles its table holds (proc_info.c) */
};
/* WV_CHAN_JOB's calls: to a member, the job it is in (JOINED); to the job's process, a member's
 * CreateProcess asking whether it may break away (CHECK) and telling its new child (ADD). */
enum { WV_JOB_JOINED = 1, WV_JOB_CHECK, WV_JOB_ADD };
struct wv_job_msg {
    uint64_t id;         /* the job, unique in its process */
    uint32_t pid, flags; /* JOINED: the job's process; ADD: the child; CHECK, ADD: creation flags */
};

/* WV_CHAN_THREAD's calls (thread_serve.c). */
enum { WV_THREAD_SUSPEND = 1, WV_THREAD_RESUME, WV_THREAD_TERMINATE, WV_THREAD_OPEN,
       /* NtSuspendProcess / NtResumeProcess: every thread of the target (proc_suspend.c) */
       WV_THREAD_SUSPEND_ALL, WV_THREAD_RESUME_ALL,
       /* CreateRemoteThread (data: a struct wv_rthread_new -> addr: tid, size: serial, the end
        * pipe); Get/SetThreadContext (data: a CONTEXT; GET answers one after the reply) */
       WV_THREAD_CREATE, WV_THREAD_GET_CONTEXT, WV_THREAD_SET_CONTEXT };
/* WV_THREAD_CREATE's request: the new thread's start, argument, stack size and flags. */
struct wv_rthread_new {
    uint64_t start, arg, stack;
    uint32_t flags;
};
/* A watcher's first message: its slot is taken (any value; the exit code comes after it). */
#define WV_CHAN_WATCHING 0x57415443u
/* The most one WV_CHAN_READ returns (a SOCK_SEQPACKET message well inside the socket buffer). */
#define WV_CHAN_READ_MAX (64u * 1024)

/* An object handed to another process (handle_xfer.c): a section (not SEC_IMAGE), a file or
 * pipe end, an event, mutex or semaphore, whose state all lives in the descriptor passed beside
 * it, or a process (a pidfd; its pid in size), or a thread (its end pipe; tid in size, serial in
 * offset, its process's pid in protect: thread_serve.c). */
struct wv_xfer {
    uint32_t kind, access, protect, flags; /* flags: SEC_*, or 1 for a pipe end */
    uint64_t size, offset, handle;          /* handle: the value wanted, 0 for any */
    uint32_t file_backed, inherit;
};

struct wv_chan_req {
    uint32_t op, type, protect, len;
    uint64_t addr, size;
    unsigned char data[WV_PAGE_SIZE];
};
#define WV_CHAN_REQ_HEAD offsetof(struct wv_chan_req, data)

struct wv_chan_rep {
    uint32_t err, old;
    uint64_t addr, size;
    MEMORY_BASIC_INFORMATION mbi;
    struct wv_xfer xfer; /* WV_CHAN_TAKE's object */
};

/* ---- procchan_dir.c ---- */
/* The directory's descriptor (verified: a directory, ours, mode 0700, not a symlink; made when
 * missing), opened once; -1 with errno when it cannot be had. */
int wv_chan_dir(void);
/* The socket path of process pid, through the directory's descriptor (/proc/self/fd/N/pPID). */
void wv_chan_path(int dir, pid_t pid, char *buf, size_t cap);
/* A connected SOCK_SEQPACKET socket to pid's channel, the peer proven (SO_PEERCRED) to be pid
 * and of our user: the descriptor, or -1 with errno (ENOENT/ECONNREFUSED: no channel). */
int wv_chan_connect(pid_t pid);
/* The directory lock (procchan_dir.c: names removed, and bound and listened on, under it): a
 * descriptor to give back to wv_chan_dir_unlock, or -1 without the directory. */
int wv_chan_dir_lock(void);
void wv_chan_dir_unlock(int lock);
/* Removes the names of processes that have ended (a serving process's start). */
void wv_chan_sweep(void);

/* ---- procchan_serve.c ---- */
/* Starts serving this process's channel (winvm run, once): 0 or the error. */
DWORD wv_chan_serve_start(void);
/* The same, once per process (later calls return the first one's result); at_exit: the socket
 * is removed at exit (a Linux program, whose exit does not go through ExitProcess). */
DWORD wv_chan_serve_once(bool at_exit);
/* Tells every watcher the exit code and removes the socket; async-signal-safe. */
void wv_chan_exit_notify(DWORD code);
/* WriteProcessMemory's one-page core in the process that owns addr: writes n bytes (within a
 * page) from src, making a read-only or execute page writable for the write and restoring it,
 * as Windows' kernelbase does; 0, or ERROR_NOACCESS when the page is free, reserved,
 * PAGE_NOACCESS or a guard page. */
DWORD wv_chan_write_page(uintptr_t addr, const void *src, size_t n);

/* ---- handle_xfer.c ---- */
/* Describes the object behind h (GetCurrentProcess(): this process; GetCurrentThread(): the
 * calling thread) with *fd a descriptor of the caller's to close: 0 or ERROR_INVALID_HANDLE /
 * ERROR_NOT_SUPPORTED (a kind that lives in this process only: image sections, tokens).  An
 * unnamed event, mutex or semaphore becomes process-shared here. */
DWORD wv_xfer_take(HANDLE h, DWORD access, struct wv_xfer *x, int *fd);
/* The receiving side: a handle for x over fd (taken), at x->handle when not 0. */
DWORD wv_xfer_adopt(const struct wv_xfer *x, int fd, HANDLE *out);
/* Inheritance (CreateProcess with bInheritHandles): the parent's inheritable handles that can
 * go, at most cap, their descriptors (to close) and the WINVM_HANDLES value naming them as
 * descriptors first_fd, first_fd + 1, ... in the child (malloc'ed): how many. */
size_t wv_xfer_inherit(struct wv_xfer *x, int *fds, size_t cap, int first_fd, char **env);
/* The child's side: adopts what WINVM_HANDLES names (then removed from the environment). */
void wv_xfer_inherited(void);
/* Sets ob.h's wv_ob_duplicate_remote (from wv_chan_init). */
void wv_xfer_init(void);

/* ---- thread_serve.c: this process's threads held by other processes ---- */
/* A thread object (o) described for another process, *fd the read end of its end pipe. */
DWORD wv_thread_xfer(struct wv_object *o, struct wv_xfer *x, int *fd);
/* The target's side of WV_CHAN_THREAD: answers on the connection fd. */
void wv_chan_thread_serve(int fd, const struct wv_chan_req *rq);

/* ---- thread_remote.c: another process's threads held here ---- */
/* A remote thread object (o) handed on: its end pipe asked anew of its process. */
DWORD wv_rthread_xfer(struct wv_object *o, struct wv_xfer *x, int *fd);
/* A child's main thread (WV_KIND_PROCESS_THREAD) handed on: its end pipe asked of the child. */
DWORD wv_pthread_xfer(struct wv_object *o, struct wv_xfer *x, int *fd);
/* The receiving side of a thread (x->protect its process's pid): a handle for it, fd taken. */
DWORD wv_rthread_adopt(const struct wv_xfer *x, int fd, HANDLE *out);

/* ---- handle_take.c ---- */
/* The target's side of WV_CHAN_TAKE: answers on the connection fd (with the descriptor). */
void wv_chan_take_serve(int fd, const struct wv_chan_req *rq);
/* DuplicateHandle out of process s (PROCESS_DUP_HANDLE checked) into d (NULL: this one). */
DWORD wv_xfer_take_from(struct wv_process *s, HANDLE src, struct wv_process *d, HANDLE *dst, DWORD access,
                        BOOL inherit, DWORD options);

/* ---- procchan_view.c ---- */
/* The target's side of WV_CHAN_VIEW: the Nt call made here, its status in rp->err. */
void wv_chan_view_serve(const struct wv_chan_req *rq, size_t n, int passed, struct wv_chan_rep *rp);
/* ---- procchan_ntvm.c ---- */
/* The target's side of WV_CHAN_NTVM: the Nt call made here, its status in rp->err. */
void wv_chan_ntvm_serve(const struct wv_chan_req *rq, struct wv_chan_rep *rp);
/* Sets nt.h's wv_nt_remote_vm (from wv_chan_init). */
void wv_chan_ntvm_init(void);
/* Sets nt.h's wv_nt_remote_view (from wv_chan_init). */
void wv_chan_view_init(void);

/* ---- procchan_vm.c ---- */
/* The target's side of WV_CHAN_READ and WV_CHAN_VMWRITE (n: the request's length): false when
 * the connection is to be closed. */
bool wv_chan_vm_serve(int fd, const struct wv_chan_req *rq, size_t n);

/* ---- proc_imginfo.c ---- */
/* The target's side of WV_CHAN_BASIC: what ProcessBasicInformation needs from the process. */
void wv_chan_basic_serve(struct wv_chan_rep *rp);
/* The target's side of WV_CHAN_IMAGE: false when the connection is to be closed. */
bool wv_chan_image_serve(int fd);

/* ---- toolhelp_remote.c ---- */
/* The target's side of WV_CHAN_MODULES: false when the connection is to be closed. */
bool wv_chan_modules_serve(int fd);

/* ---- proc_names.c ---- */
/* The target's side of WV_CHAN_EXENAME: false when the connection is to be closed. */
bool wv_chan_exename_serve(int fd);
/* Sets nt.h's wv_nt_image_leaf (from wv_chan_init). */
void wv_proc_names_init(void);

/* ---- process_vmchan.c ---- */
/* Sets nt.h's wv_nt_process_pid and wv_nt_copy_chan (from wv_process_init); reads
 * WINVM_VM_COPY once ("channel": every copy to another process through its channel). */
void wv_vmchan_init(void);

/* ---- procchan_call.c ---- */
/* One request to p's channel and its reply (the connection made on first use), with a
 * descriptor passed beside it when fd >= 0: 0 or the error (ERROR_ACCESS_DENIED when the
 * process has ended or has no channel). */
DWORD wv_chan_call(struct wv_process *p, struct wv_chan_req *rq, struct wv_chan_rep *rp);
DWORD wv_chan_call_fd(struct wv_process *p, struct wv_chan_req *rq, int fd, struct wv_chan_rep *rp);
/* The same, a descriptor the reply passes in *got (-1: none; the caller's to close). */
DWORD wv_chan_call_io(struct wv_process *p, struct wv_chan_req *rq, int fd, struct wv_chan_rep *rp, int *got);
/* The same for WV_CHAN_READ: the bytes after the reply go to data (cap at most), *got their count. */
DWORD wv_chan_call_data(struct wv_process *p, struct wv_chan_req *rq, struct wv_chan_rep *rp, void *data, size_t cap,
                        size_t *got);
/* Sends len bytes of buf on the connection fd, with pass (a descriptor) beside them when >= 0. */
bool wv_chan_send_fd(int fd, const void *buf, size_t len, int pass);
/* A connection that hears p's exit code (WV_CHAN_WATCH sent), or -1. */
int wv_chan_watch(pid_t pid);
/* Sends WV_CHAN_EXIT with the code: true when the target took it. */
bool wv_chan_terminate(struct wv_process *p, DWORD code);
/* Sets nt.h's wv_nt_remote (wv_runtime_init). */
void wv_chan_init(void);

/* ---- job_chan.c: a WV_CHAN_JOB request served ---- */
void wv_job_chan_serve(const struct wv_chan_req *rq, struct wv_chan_rep *rp);

#endif
