/* SPDX-License-Identifier: MIT */
/* debug_int.h - the debug channel between a debuggee's runtime (debug_child.c) and its
 * debugger (debug_parent.c): a SOCK_SEQPACKET socketpair made by CreateProcess, one end kept by
 * the debugger, the other inherited by the child alone (WINVM_DEBUG names its descriptor).
 * Nobody else holds either end, so no other process, of this user or another, can reach it.
 * Private to runtime/. */
#ifndef WV_DEBUG_INT_H
#define WV_DEBUG_INT_H

#include "runtime/runtime.h"

/* One event, child to debugger; the child's reporting thread then blocks for a reply. */
struct wv_dbg_event {
    DWORD code;  /* *_DEBUG_EVENT */
    DWORD tid;
    DWORD value; /* exit code, first chance, string length */
    DWORD pad;
    uint64_t a, b; /* image/DLL base and start address, string address */
    EXCEPTION_RECORD rec;
};

/* Debugger to child: a reply ends the child's wait; the others are read on the way to it.
 * While an event waits, the debugger may read (GET_CONTEXT: the child answers with a
 * wv_dbg_ctx_msg, kind 0 or the error) or write (SET_CONTEXT, the CONTEXT following the
 * message: answered with a DWORD, 0 or the error) the registers of thread `value`: the
 * reporting thread's, or another's as the event froze it (debug_freeze.c). */
enum { WV_DBG_REPLY = 1, WV_DBG_KILL_FLAG, WV_DBG_DETACH, WV_DBG_GET_CONTEXT, WV_DBG_SET_CONTEXT };
struct wv_dbg_msg {
    DWORD kind, value;
};
struct wv_dbg_ctx_msg {
    struct wv_dbg_msg m;
    CONTEXT c;
};

/* debug_child.c: the debuggee's side. */
void wv_debug_child_init(int fd);
void wv_debug_started(uintptr_t exe_base, uintptr_t entry);
void wv_debug_exit(DWORD code);
/* CREATE_THREAD (start routine, TEB) from a new PE thread, EXIT_THREAD (code) at its end. */
void wv_debug_thread(bool create, uintptr_t start, uintptr_t teb, DWORD code);
bool wv_debug_attached(void);
/* kernel32's DebugBreak is ntdll's DbgBreakPoint (a capturing entry: PE code only). */
void WV_MSABI wv_nt_DbgBreakPoint(void);
#define k32_DebugBreak wv_nt_DbgBreakPoint
/* debug_close.c: CloseHandle and NtClose for PE code (capturing entries): a bad handle in a
 * debugged process raises EXCEPTION_INVALID_HANDLE first. */
BOOL WV_MSABI wv_k32_CloseHandle(HANDLE h);
#define k32_CloseHandle wv_k32_CloseHandle
/* debug_parent.c: Get/SetThreadContext of a debuggee's thread tid (thread_ctl.c hands over a
 * child's thread handle) while one of its events waits for ContinueDebugEvent, through its
 * channel: the reporting thread's, or a frozen one's.  0 or the error. */
DWORD wv_debug_context(DWORD pid, DWORD tid, CONTEXT *c, bool set);
/* thread_ctl.c: copies the parts flags names from src to dst. */
void wv_context_merge(CONTEXT *dst, const CONTEXT *src, DWORD flags);
/* debug_child.c: DebugActiveProcess reached this process (its control channel's thread): the
 * channel fd taken, the attach events sent from a thread of their own; 0, or
 * ERROR_ACCESS_DENIED when a debugger is attached already (fd closed). */
DWORD wv_debug_attach(int fd);
/* One event with this thread id (an attach reports threads that were there) and its answer;
 * the breakpoint a debugger breaks in with (first chance, then second: not handled ends the
 * process); from here new threads and DLLs are reported and IsDebuggerPresent says so. */
DWORD wv_debug_event(DWORD tid, DWORD code, uint64_t a, uint64_t b, DWORD value);
void wv_debug_break_in(void);
void wv_debug_mark_started(void);
/* The attach thread, once the program stands still: the channel in use, other reporters held
 * back until wv_debug_attach_end. */
void wv_debug_attach_begin(void);
void wv_debug_attach_end(void);
/* debug_attach.c: the attach events from a thread of their own: 0 or the error. */
DWORD wv_debug_attach_start(void);
/* debug_freeze.c: the program's other threads parked at safe points while the calling
 * thread's event waits (NULL: none to freeze); let go. */
struct wv_freeze *wv_debug_freeze(void);
void wv_debug_thaw(struct wv_freeze *f);
/* Reads or writes (set) the registers of thread tid, one f holds: a frozen thread's as parked
 * (what is set it resumes with when thawed); one not frozen (inside winvm's code: a wait) is
 * read where it stands and not written (ERROR_GEN_FAILURE).  0 or the error. */
DWORD wv_debug_frozen_context(struct wv_freeze *f, DWORD tid, CONTEXT *c, bool set);
/* debug_parent.c: hooks CreateProcess calls (process_create.c). */
DWORD wv_debug_pair(DWORD flags, int *mine, int *theirs);
void wv_debug_adopt(struct wv_process *p, int fd);
/* debug_parent.c: DbgUiConnectToDbg's part of DebugActiveProcess: the caller has a debug object
 * from then on, whether the attach works or not (WaitForDebugEvent times out then). */
void wv_debug_connect(void);

#endif
