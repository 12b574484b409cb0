/* SPDX-License-Identifier: MIT */
/* k32_toolhelp_list.c - a tool help snapshot's process list (TH32CS_SNAPPROCESS,
 * Process32First/Next(W)), thread list (TH32CS_SNAPTHREAD, Thread32First/Next) and heap list
 * (TH32CS_SNAPHEAPLIST, Heap32ListFirst/Next).
 *
 * The heap list is this process's heaps at the call: the process heap first (HF32_DEFAULT),
 * then the live HeapCreate heaps in the order they were made; th32HeapID is the heap's handle,
 * as on Windows, where a heap's handle is its base.  (The blocks of a heap: HeapWalk.
 * Heap32First/Next are not served.)
 *
 * Both are taken, as on Windows, from NtQuerySystemInformation(SystemProcessInformation)
 * (nt/sysproc.c), the one list of processes winvm has: every process the kernel shows, by its
 * Linux pid (the id OpenProcess, EnumProcesses and GetProcessId use), each with its threads by
 * their Linux tids (GetCurrentThreadId's and OpenThread's ids), the main thread first and the
 * rest in the order they were made; its image name is the EXE's file name.  Whatever the
 * snapshot and that call report therefore agree.  The pid given to CreateToolhelp32Snapshot
 * does not narrow these lists (Windows lists every process and every thread whatever it is).
 *
 * An entry whose dwSize is smaller than the structure is refused with ERROR_BAD_LENGTH (what
 * Windows sets, through STATUS_INFO_LENGTH_MISMATCH), the walk not moved; the caller's dwSize is
 * kept.  cntUsage, th32DefaultHeapID, th32ModuleID, dwFlags and tpDeltaPri are 0, as Windows
 * gives them now.
 */
#define _GNU_SOURCE
#include "runtime/toolhelp_int.h"
#include "runtime/k32_ext.h"
#include "nt/nt.h"
#include "winvm/ntsysinfo.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* tlhelp32.h's layouts (x64). */
typedef struct {
    DWORD dwSize, cntUsage, th32ProcessID;
    ULONG_PTR th32DefaultHeapID;
    DWORD th32ModuleID, cntThreads, th32ParentProcessID;
    LONG pcPriClassBase;
    DWORD dwFlags;
    WCHAR szExeFile[MAX_PATH];
} WV_PROCESSENTRY32W;
typedef struct {
    DWORD dwSize, cntUsage, th32ProcessID;
    ULONG_PTR th32DefaultHeapID;
    DWORD th32ModuleID, cntThreads, th32ParentProcessID;
    LONG pcPriClassBase;
    DWORD dwFlags;
    char szExeFile[MAX_PATH];
} WV_PROCESSENTRY32;
typedef struct {
    DWORD dwSize, cntUsage, th32ThreadID, th32OwnerProcessID;
    LONG tpBasePri, tpDeltaPri;
    DWORD dwFlags;
} WV_THREADENTRY32;
_Static_assert(sizeof(WV_PROCESSENTRY32W) == 568, "PROCESSENTRY32W");
_Static_assert(sizeof(WV_PROCESSENTRY32) == 304, "PROCESSENTRY32");
typedef struct {
    SIZE_T dwSize;
    DWORD th32ProcessID;
    ULONG_PTR th32HeapID;
    DWORD dwFlags;
} WV_HEAPLIST32;
_Static_assert(sizeof(WV_THREADENTRY32) == 28, "THREADENTRY32");
_Static_assert(sizeof(WV_HEAPLIST32) == 32, "HEAPLIST32");
#define HF32_DEFAULT 1u

/* SystemProcessInformation into a malloc'ed *out: 0 or the error. */
static DWORD wv_snap_sysproc(char **out)
{
    ULONG len = 1 << 16, need = 0;
    for (;;) { /* the list may grow between the two calls */
        char *buf = malloc(len);
        if (!buf)
            return ERROR_NOT_ENOUGH_MEMORY;
        NTSTATUS st = wv_nt_sysproc(buf, len, &need);
        if (!st) {
            *out = buf;
            return 0;
        }
        free(buf);
        if (st != (NTSTATUS)STATUS_INFO_LENGTH_MISMATCH)
            return RtlNtStatusToDosError(st);
        len = need + (1 << 14);
    }
}

/* The entry at e into p, its threads appended to s->threads (when threads). */
static void wv_snap_entry(struct wv_snapshot *s, const SYSTEM_PROCESS_INFORMATION *e, struct wv_snap_proc *p,
                          bool threads)
{
    memset(p, 0, sizeof(*p));
    p->pid = (DWORD)(uintptr_t)e->UniqueProcessId;
    p->parent = (DWORD)(uintptr_t)e->InheritedFromUniqueProcessId;
    p->threads = e->NumberOfThreads;
    p->priority = e->BasePriority;
    size_t n = e->ImageName.Length / sizeof(WCHAR);
    n = n < MAX_PATH - 1 ? n : MAX_PATH - 1;
    memcpy(p->exe, e->ImageName.Buffer, n * sizeof(WCHAR));
    const SYSTEM_THREAD_INFORMATION *t = (const SYSTEM_THREAD_INFORMATION *)(e + 1);
    for (ULONG i = 0; threads && i < e->NumberOfThreads; i++)
        s->threads[s->thread_walk.n++] = (struct wv_snap_thread){
            .tid = (DWORD)(uintptr_t)t[i].ClientId.UniqueThread, .pid = p->pid, .priority = t[i].BasePriority};
}

DWORD wv_snap_take_lists(struct wv_snapshot *s, bool procs, bool threads)
{
    char *buf = NULL;
    DWORD err = wv_snap_sysproc(&buf);
    if (err)
        return err;
    size_t np = 0, nt = 0;
    for (size_t at = 0;;) { /* the counts first */
        const SYSTEM_PROCESS_INFORMATION *e = (const SYSTEM_PROCESS_INFORMATION *)(buf + at);
        np++, nt += e->NumberOfThreads;
        if (!e->NextEntryOffset)
            break;
        at += e->NextEntryOffset;
    }
    s->procs = procs ? calloc(np, sizeof(*s->procs)) : NULL;
    s->threads = threads ? calloc(nt ? nt : 1, sizeof(*s->threads)) : NULL;
    if ((procs && !s->procs) || (threads && !s->threads))
        return free(buf), ERROR_NOT_ENOUGH_MEMORY; /* the snapshot's destroy frees the rest */
    struct wv_snap_proc scratch;
    for (size_t at = 0;;) {
        const SYSTEM_PROCESS_INFORMATION *e = (const SYSTEM_PROCESS_INFORMATION *)(buf + at);
        wv_snap_entry(s, e, procs ? &s->procs[s->proc_walk.n++] : &scratch, threads);
        if (!e->NextEntryOffset)
            break;
        at += e->NextEntryOffset;
    }
    free(buf);
    return 0;
}

/* The walk at offset walk of the snapshot moved to its next entry: true with the entry's index
 * in *at and the snapshot in *s (a reference the caller drops), or false with the last error
 * set.  size: the caller's dwSize, at least min. */
static bool wv_snap_step(HANDLE h, SIZE_T size, SIZE_T min, size_t walk, bool first, size_t *at,
                         struct wv_snapshot **s)
{
    if (size < min)
        return wv_fail(ERROR_BAD_LENGTH);
    DWORD err = wv_snap_next(h, walk, first, at, s);
    return err ? wv_fail(err) : true;
}

/* The walk's next process into *p, the caller's dwSize (read at size_at, at least min) in
 * *size: true, or false with the last error set. */
static bool wv_snap_proc_at(HANDLE h, const DWORD *size_at, DWORD min, bool first, DWORD *size,
                            struct wv_snap_proc *p)
{
    size_t at;
    struct wv_snapshot *s;
    if (wv_copy(size, size_at, sizeof(*size)))
        return wv_fail(ERROR_NOACCESS);
    if (!wv_snap_step(h, *size, min, offsetof(struct wv_snapshot, proc_walk), first, &at, &s))
        return false;
    *p = s->procs[at];
    wv_object_unref(&s->obj);
    return true;
}

static BOOL wv_snap_process_w(HANDLE h, WV_PROCESSENTRY32W *out, bool first)
{
    DWORD size;
    struct wv_snap_proc p;
    if (!wv_snap_proc_at(h, &out->dwSize, sizeof(WV_PROCESSENTRY32W), first, &size, &p))
        return FALSE;
    WV_PROCESSENTRY32W e = {.dwSize = size, .th32ProcessID = p.pid, .cntThreads = p.threads,
                            .th32ParentProcessID = p.parent, .pcPriClassBase = p.priority};
    memcpy(e.szExeFile, p.exe, sizeof(e.szExeFile));
    return wv_user_put(out, &e, sizeof(e)) ? wv_fail(ERROR_NOACCESS) : TRUE;
}

/* The ANSI forms: the name converted to the ANSI code page. */
static BOOL wv_snap_process_a(HANDLE h, WV_PROCESSENTRY32 *out, bool first)
{
    DWORD size;
    struct wv_snap_proc p;
    if (!wv_snap_proc_at(h, &out->dwSize, sizeof(WV_PROCESSENTRY32), first, &size, &p))
        return FALSE;
    WV_PROCESSENTRY32 e = {.dwSize = size, .th32ProcessID = p.pid, .cntThreads = p.threads,
                           .th32ParentProcessID = p.parent, .pcPriClassBase = p.priority};
    WideCharToMultiByte(CP_ACP, 0, p.exe, -1, e.szExeFile, sizeof(e.szExeFile), NULL, NULL);
    return wv_user_put(out, &e, sizeof(e)) ? wv_fail(ERROR_NOACCESS) : TRUE;
}

static BOOL wv_snap_thread(HANDLE h, WV_THREADENTRY32 *out, bool first)
{
    DWORD size;
    if (wv_copy(&size, &out->dwSize, sizeof(size)))
        return wv_fail(ERROR_NOACCESS);
    size_t at;
    struct wv_snapshot *s;
    if (!wv_snap_step(h, size, sizeof(WV_THREADENTRY32), offsetof(struct wv_snapshot, thread_walk), first, &at, &s))
        return FALSE;
    struct wv_snap_thread t = s->threads[at];
    wv_object_unref(&s->obj);
    WV_THREADENTRY32 e = {.dwSize = size, .th32ThreadID = t.tid, .th32OwnerProcessID = t.pid,
                          .tpBasePri = t.priority};
    return wv_user_put(out, &e, sizeof(e)) ? wv_fail(ERROR_NOACCESS) : TRUE;
}

DWORD wv_snap_take_heaps(struct wv_snapshot *s)
{
    for (size_t cap = 16;; cap *= 2) { /* HeapCreate may run meanwhile: until the list fits */
        HANDLE *list = malloc((cap + 1) * sizeof(*list));
        if (!list)
            return ERROR_NOT_ENOUGH_MEMORY;
        size_t n = wv_pheap_list(list + 1, cap);
        if (n > cap) {
            free(list);
            continue;
        }
        list[0] = GetProcessHeap();
        for (size_t i = 1, j = n; i < j; i++, j--) { /* newest first: made creation order */
            HANDLE t = list[i];
            list[i] = list[j], list[j] = t;
        }
        s->heaps = list, s->heap_walk.n = n + 1;
        return 0;
    }
}

static BOOL wv_snap_heaplist(HANDLE h, WV_HEAPLIST32 *out, bool first)
{
    SIZE_T size;
    if (wv_copy(&size, &out->dwSize, sizeof(size)))
        return wv_fail(ERROR_NOACCESS);
    size_t at;
    struct wv_snapshot *s;
    if (!wv_snap_step(h, size, sizeof(WV_HEAPLIST32), offsetof(struct wv_snapshot, heap_walk), first, &at, &s))
        return FALSE;
    WV_HEAPLIST32 e = {.dwSize = size, .th32ProcessID = s->pid, .th32HeapID = (ULONG_PTR)s->heaps[at],
                       .dwFlags = at == 0 ? HF32_DEFAULT : 0};
    wv_object_unref(&s->obj);
    return wv_user_put(out, &e, sizeof(e)) ? wv_fail(ERROR_NOACCESS) : TRUE;
}

BOOL WINAPI Heap32ListFirst(HANDLE h, void *hl) { return wv_snap_heaplist(h, hl, true); }
BOOL WINAPI Heap32ListNext(HANDLE h, void *hl) { return wv_snap_heaplist(h, hl, false); }
BOOL WINAPI Process32FirstW(HANDLE h, void *pe) { return wv_snap_process_w(h, pe, true); }
BOOL WINAPI Process32NextW(HANDLE h, void *pe) { return wv_snap_process_w(h, pe, false); }
BOOL WINAPI Process32First(HANDLE h, void *pe) { return wv_snap_process_a(h, pe, true); }
BOOL WINAPI Process32Next(HANDLE h, void *pe) { return wv_snap_process_a(h, pe, false); }
BOOL WINAPI Thread32First(HANDLE h, void *te) { return wv_snap_thread(h, te, true); }
BOOL WINAPI Thread32Next(HANDLE h, void *te) { return wv_snap_thread(h, te, false); }
