/* SPDX-License-Identifier: MIT */
/* toolhelp_int.h - a tool help snapshot (WV_KIND_SNAPSHOT), shared by k32_toolhelp.c (the
 * snapshot and its modules) and k32_toolhelp_list.c (its processes and threads).  Private to
 * runtime/. */
#ifndef WV_TOOLHELP_INT_H
#define WV_TOOLHELP_INT_H

#include "runtime/runtime.h"

struct wv_snap_mod {
    BYTE *base;
    DWORD size;
    WCHAR path[MAX_PATH];
};

struct wv_snap_proc {
    DWORD pid, parent, threads;
    LONG priority;
    WCHAR exe[MAX_PATH];
};

struct wv_snap_thread {
    DWORD tid, pid;
    LONG priority;
};

/* Each list is walked on its own: its First starts it again, its Next moves it on. */
struct wv_snap_list {
    size_t n, next;
};

struct wv_snapshot {
    struct wv_object obj; /* WV_KIND_SNAPSHOT */
    pthread_mutex_t lock; /* the walks' positions */
    DWORD pid;            /* whose modules */
    struct wv_snap_list mod_walk, proc_walk, thread_walk, heap_walk;
    struct wv_snap_mod *mods;
    struct wv_snap_proc *procs;
    struct wv_snap_thread *threads;
    HANDLE *heaps; /* the process heap first */
};

/* This process's modules into s (k32_toolhelp.c): 0 or the error. */
DWORD wv_snap_modules(struct wv_snapshot *s);
/* toolhelp_remote.c: another winvm process's modules into s, asked of it through its control
 * channel (s->pid set to pid): 0, or ERROR_PARTIAL_COPY when it cannot be asked. */
DWORD wv_snap_remote_modules(struct wv_snapshot *s, DWORD pid);
/* k32_toolhelp_list.c: the process list (procs) and the thread list (threads) into s, from
 * NtQuerySystemInformation(SystemProcessInformation)'s list: 0 or the error. */
DWORD wv_snap_take_lists(struct wv_snapshot *s, bool procs, bool threads);
/* k32_toolhelp_list.c: this process's heaps into s: 0 or the error. */
DWORD wv_snap_take_heaps(struct wv_snapshot *s);
/* The walk's next index into list w of h's snapshot (first: from the start) in *at, the
 * snapshot referenced in *out (the caller unrefs it): 0, ERROR_INVALID_HANDLE or
 * ERROR_NO_MORE_FILES.  The list is picked by offsetof its wv_snap_list in the snapshot. */
DWORD wv_snap_next(HANDLE h, size_t list, bool first, size_t *at, struct wv_snapshot **out);

#endif
