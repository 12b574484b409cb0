/* SPDX-License-Identifier: MIT */
/* io_int.h - what the I/O files of the runtime share: one attempt at a read, write or pipe
 * connection that never blocks (uio.c, npipe_io.c), the overlapped requests that wait for one
 * (overlap.c), named pipe ends (npipe.c) and mailslot ends (mailslot.c).  Errors are Win32
 * codes; an OVERLAPPED's Internal gets the NTSTATUS of the same meaning (wv_io_status).
 */
#ifndef WV_RUNTIME_IO_INT_H
#define WV_RUNTIME_IO_INT_H

#include "runtime/runtime.h"
#include <winvm/pipe.h>

#include <sys/socket.h>

enum wv_io_op { WV_IO_READ, WV_IO_WRITE, WV_IO_CONNECT };

/* One request: what it does and how far it got. */
struct wv_io_req {
    enum wv_io_op op;
    void *buf;      /* the caller's buffer (PE memory: may be bad or watched) */
    DWORD n;        /* its size */
    DWORD done;     /* bytes moved so far */
    int64_t off;    /* a file position to use, or -1 for the descriptor's */
    bool first;     /* the first attempt, made by the caller's thread */
    uint64_t deadline; /* CLOCK_MONOTONIC ms a wait for it ends at, 0 none (a mailslot's read) */
};

#define WV_IO_AGAIN ((DWORD)-1) /* an attempt that would block: poll pfd for events */

/* One attempt at r on f: 0 (done), a Win32 error, or WV_IO_AGAIN with *pfd and *events set. */
DWORD wv_io_try(struct wv_file *f, struct wv_io_req *r, int *pfd, short *events);
/* The poll(2) timeout a wait for r may take (-1: no deadline), and the clock it counts in. */
int wv_io_wait_ms(const struct wv_io_req *r);
uint64_t wv_io_now_ms(void);

/* ReadFile, WriteFile and ConnectNamedPipe on f (a reference they drop) when an OVERLAPPED is
 * given or f is a named pipe end: the call's result with its last error set. */
BOOL wv_io_call(struct wv_file *f, HANDLE h, struct wv_io_req *r, LPDWORD count, LPOVERLAPPED ov);

/* ReadFileEx and WriteFileEx on f (a reference they drop): routine, PE code's
 * LPOVERLAPPED_COMPLETION_ROUTINE, is queued as a user APC to the calling thread when the
 * request ends, unless the call fails at once.  The call's result with its last error set. */
BOOL wv_io_call_ex(struct wv_file *f, struct wv_io_req *r, LPOVERLAPPED ov, void *routine);
BOOL WV_MSABI wv_k32_ReadFileEx(HANDLE h, LPVOID buf, DWORD n, LPOVERLAPPED ov, void *routine);
BOOL WV_MSABI wv_k32_WriteFileEx(HANDLE h, LPCVOID buf, DWORD n, LPOVERLAPPED ov, void *routine);
/* apc.c: the calling thread's object (a reference) an I/O completion routine goes to (NULL
 * without memory), and queueing one to it: false when the thread has ended. */
struct wv_object *wv_apc_io_thread(void);
bool wv_apc_queue_io(struct wv_object *thread, void *fn, DWORD err, DWORD count, OVERLAPPED *ov);

/* The NTSTATUS an OVERLAPPED's Internal holds for a Win32 error, and back. */
DWORD wv_io_status(DWORD err);
DWORD wv_io_error_of(DWORD status);

/* uio.c: read(2)/recv(2) and write(2)/send(2) with the caller's buffer.  The kernel cannot
 * write a page a write watch keeps read-only or a no-access page (EFAULT): the bytes then go
 * through a host buffer and a copy that faults as PE code's own access would (the watch sees
 * the write; a bad page is EFAULT, nothing copied).  sock: the fd is a socket (flags used). */
ssize_t wv_uio_read(int fd, void *buf, size_t n, int64_t off, bool sock, int flags);
ssize_t wv_uio_write(int fd, const void *buf, size_t n, int64_t off, bool sock, int flags);

/* ---- iocp.c, iocp_k32.c: I/O completion ports ---- */
/* Queues a packet on a port (WV_KIND_IOCP): false without memory. */
bool wv_iocp_post(struct wv_object *port, ULONG_PTR key, ULONG_PTR value, NTSTATUS status, ULONG_PTR info);
/* f's port (a reference) and key, or NULL. */
struct wv_object *wv_iocp_file_port(struct wv_file *f, ULONG_PTR *key);
/* The port a request of f on ov completes to (a reference) and its key, or NULL: f has none,
 * or ov's hEvent has bit 0 set. */
struct wv_object *wv_iocp_port_of(struct wv_file *f, const OVERLAPPED *ov, ULONG_PTR *key);
/* A request on ov ended (err, count bytes), at_once in the issuing call: its packet posted
 * unless Windows posts none (iocp_k32.c); port's reference (NULL: none) dropped. */
void wv_iocp_io_done(struct wv_object *port, ULONG_PTR key, const OVERLAPPED *ov, DWORD err, DWORD count,
                     bool at_once, const struct wv_file *f);

/* ---- npipe.c, npipe_io.c ---- */
/* The names this process serves: one listening socket each, shared by its instances. */
struct wv_pname {
    struct wv_pname *next;
    char *name;            /* as given after the prefix */
    int listen_fd;         /* non-blocking */
    int instances, max;
    DWORD pipe_mode;       /* the first instance's PIPE_TYPE_* */
    DWORD access_mode;     /* its PIPE_ACCESS_*, which every instance must share */
    DWORD timeout;         /* its default timeout (WaitNamedPipe) */
};
enum { WV_NP_LISTENING, WV_NP_CONNECTED, WV_NP_DISCONNECTED };
struct wv_npipe {
    pthread_mutex_t lock;  /* state, pipe_mode, the rest of a message (a leaf) */
    struct wv_pname *name; /* a server end's name (npipe.c's lock); NULL: a client end */
    DWORD pipe_mode;       /* PIPE_TYPE_* | PIPE_READMODE_* | PIPE_NOWAIT */
    int state;             /* a server end's; a client end is WV_NP_CONNECTED */
    bool message;          /* a SOCK_SEQPACKET socket: the type is PIPE_TYPE_MESSAGE */
    char *left;            /* the unread rest of a message read in part */
    size_t left_n, left_off;
};
/* The named pipe end f is, or NULL. */
struct wv_npipe *wv_npipe_of(struct wv_file *f);
/* A server end still listening takes a client already waiting, as Windows connects a client's
 * CreateFile at once (ConnectNamedPipe then says ERROR_PIPE_CONNECTED). */
void wv_npipe_adopt(struct wv_file *f, struct wv_npipe *p);
/* The urgent byte DisconnectNamedPipe sends a byte pipe's client (npipe_io.c). */
#define WV_NP_DISCONNECT_MARK 'D'
/* FlushFileBuffers on a named pipe end: waits until the other end has read what this one wrote,
 * as Windows does (a server flushes, then disconnects without losing the client's reply). */
DWORD wv_npipe_flush(struct wv_file *f, struct wv_npipe *p);
/* wv_io_try for a named pipe end. */
DWORD wv_npipe_try(struct wv_file *f, struct wv_npipe *p, struct wv_io_req *r, int *pfd, short *events);
/* PeekNamedPipe on a named pipe end. */
BOOL wv_npipe_peek(struct wv_file *f, struct wv_npipe *p, LPVOID buf, DWORD size, LPDWORD nread, LPDWORD avail,
                   LPDWORD left);
/* A server instance of the pipe name (after the prefix) with the handle's rights, open_mode's
 * PIPE_ACCESS_* and FILE_FLAG_FIRST_PIPE_INSTANCE / FILE_FLAG_OVERLAPPED, pipe_mode's
 * PIPE_TYPE_* | PIPE_READMODE_* | PIPE_NOWAIT (checked by the caller), at most max instances:
 * 0 and *out, or the error (CreateNamedPipe's and NtCreateNamedPipeFile's one core). */
DWORD wv_npipe_make(const char *name, DWORD access, DWORD open_mode, DWORD pipe_mode, DWORD max, DWORD timeout,
                    HANDLE *out);
/* A handle for an end over the socket fd (taken, as p, even on failure): 0 or the error. */
DWORD wv_npipe_handle(int fd, struct wv_npipe *p, DWORD access, DWORD flags, HANDLE *out);
/* CreateFile's client end: true when name is a pipe path (*out the handle or
 * INVALID_HANDLE_VALUE, the last error set). */
bool wv_npipe_createfile(const char *win, DWORD access, DWORD flags, HANDLE *out);
/* Connects to a name's listener, sending hello ('C' a client, 'P' a probe): 0 and *fd (blocking,
 * *message its type), or ERROR_FILE_NOT_FOUND (no server), ERROR_PIPE_BUSY (backlog full). */
DWORD wv_npipe_connect(const char *name, char hello, int *fd, bool *message);
/* The part of a Windows path after "\\\\.\\pipe\\" (any case), or NULL. */
const char *wv_npipe_rest(const char *win);

/* npipe_ns.c: the per-user namespace.  The socket file's name for a pipe name (after the
 * prefix, case folded) into out (40 bytes); a bound or connected AF_UNIX address for it. */
DWORD wv_npipe_sockaddr(const char *name, void *sun, socklen_t *len);
/* Removes the socket file of a name (its last server instance went). */
void wv_npipe_unlink(const char *name);
/* The same for a kind of name: 'p' a pipe, 'm' a mailslot. */
DWORD wv_ns_sockaddr(char kind, const char *name, void *sun, socklen_t *len);
void wv_ns_unlink(char kind, const char *name);
/* The directory's lock, held while a dead server's socket file is replaced: a descriptor for
 * wv_ns_unlock_dir, or -1. */
int wv_ns_lock_dir(void);
void wv_ns_unlock_dir(int fd);

/* ---- mailslot.c, mailslot_io.c ---- */
struct wv_mslot;
/* The mailslot end f is (its server or a client), or NULL. */
struct wv_mslot *wv_mslot_of(struct wv_file *f);
/* wv_io_try for a mailslot end. */
DWORD wv_mslot_try(struct wv_file *f, struct wv_mslot *m, struct wv_io_req *r, int *pfd, short *events);
/* A mailslot named name (after "\\\\.\\mailslot\\"), read messages at most max bytes long
 * (0: any), reads waiting timeout ms (MAILSLOT_WAIT_FOREVER), the handle's rights access and
 * FILE_FLAG_OVERLAPPED in flags: 0 and *out, or the error (CreateMailslot's and
 * NtCreateMailslotFile's one core). */
DWORD wv_mslot_make(const char *name, DWORD max, DWORD timeout, DWORD access, DWORD flags, HANDLE *out);
/* CreateFile's client: true when win is a mailslot path (*out the handle or
 * INVALID_HANDLE_VALUE, the last error set). */
bool wv_mslot_createfile(const char *win, DWORD access, DWORD flags, HANDLE *out);
/* The part of a Windows path after "\\\\.\\mailslot\\" (any case), or NULL. */
const char *wv_mslot_rest(const char *win);

#endif
