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
    WV_CHAN_WATCH,     /* no reply: the connection gets the exit code (4 bytes) when it ends */
    WV_CHAN_EXIT,      /* protect = exit code; no reply: TerminateProcess */
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

/* ---- procchan_serve.c ---- */
/* Starts serving this process's channel (winvm run, once): 0 or the error. */
DWORD wv_chan_serve_start(void);
/* Tells every watcher the exit code and removes the socket; async-signal-safe. */
void wv_chan_exit_notify(DWORD code);
/* WriteProcessMemory's one-page core in the process that owns addr: writes n bytes (within a
 * page) from src, making a read-only or execute page writable for the write and restoring it,
 * as Windows' kernelbase does; 0, or ERROR_NOACCESS when the page is free, reserved,
 * PAGE_NOACCESS or a guard page. */
DWORD wv_chan_write_page(uintptr_t addr, const void *src, size_t n);

/* ---- procchan_call.c ---- */
/* One request to p's channel and its reply (the connection made on first use): 0 or the
 * error (ERROR_ACCESS_DENIED when the process has ended or has no channel). */
DWORD wv_chan_call(struct wv_process *p, struct wv_chan_req *rq, struct wv_chan_rep *rp);
/* A connection that hears p's exit code (WV_CHAN_WATCH sent), or -1. */
int wv_chan_watch(pid_t pid);
/* Sends WV_CHAN_EXIT with the code: true when the target took it. */
bool wv_chan_terminate(struct wv_process *p, DWORD code);
/* Sets nt.h's wv_nt_remote (wv_runtime_init). */
void wv_chan_init(void);

#endif
