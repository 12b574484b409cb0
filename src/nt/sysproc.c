/* SPDX-License-Identifier: MIT */
/* sysproc.c - NtQuerySystemInformation(SystemProcessInformation): every process /proc lists
 * (as Windows lists every process, whoever owns it), each followed by its threads and its
 * name, built in memory first so that a buffer too small changes nothing and is told the
 * length it needs.  A process that ends while the list is read is left out.
 *
 * ImageName is the image file's name without its directory, as Windows gives it: a winvm
 * process's EXE (this process's, or another's asked through its control channel: the hook
 * wv_nt_image_leaf, set by runtime/proc_names.c), else the file /proc/PID/exe links, else (a
 * process whose exe link is private or absent: another user's, a kernel thread) the kernel's
 * name of it (comm).  CreateToolhelp32Snapshot's lists are taken from this list, so the two agree.
 * From /proc/PID/stat, status and task/: the times (CreateTime from the start since boot), the
 * parent, VirtualSize and its peak (VmPeak), WorkingSetSize (resident pages) and its peak
 * (VmHWM), PagefileUsage = PrivatePageCount = VmData (what GetProcessMemoryInfo reports; no
 * peak is kept: PeakPagefileUsage is the same value), PageFaultCount (minor + major),
 * HandleCount the open descriptors (0 for another user's process, whose fd/ is private).
 * BasePriority and the threads' priorities are 8 (normal); a thread's state is Running (2)
 * when the kernel says it runs, else Waiting (5); its StartAddress is not known (NULL).
 * Windows' pseudo processes (the idle process, System) are not listed.
 */
#define _GNU_SOURCE
#include "nt/nt.h"
#include "winvm/ntsysinfo.h"

#include <stdlib.h>
#include <string.h>

enum { WV_SP_NAME_MAX = 260 }; /* MAX_PATH: the longest image name kept */

_Static_assert(sizeof(SYSTEM_PROCESS_INFORMATION) == 0x100, "Windows' x64 layout");
_Static_assert(sizeof(SYSTEM_THREAD_INFORMATION) == 0x50, "Windows' x64 layout");

bool (*wv_nt_image_leaf)(int pid, uint64_t start, char *out, size_t cap);

/* pid's image name (see above) into name (cap bytes): its length. */
static size_t wv_sp_name(int pid, const struct wv_proc_info *pi, WCHAR *name, size_t cap)
{
    char leaf[WV_SP_NAME_MAX * 3 + 1];
    bool known = (wv_nt_image_leaf && wv_nt_image_leaf(pid, pi->start, leaf, sizeof(leaf))) ||
                 wv_proc_exe_leaf(pid, leaf, sizeof(leaf));
    const char *s = known ? leaf : pi->name;
    size_t n = 0;
    wv_utf8_to_utf16(s, strlen(s), name, cap, WV_TEXT_REPLACE, &n);
    return n;
}

struct wv_spbuf {
    char *p;
    size_t n, cap;
};

/* Room for add more bytes (zeroed) at the end: their offset, or SIZE_MAX when out of memory. */
static size_t wv_sp_grow(struct wv_spbuf *b, size_t add)
{
    if (b->n + add > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->n + add)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q)
            return SIZE_MAX;
        b->p = q, b->cap = cap;
    }
    memset(b->p + b->n, 0, add);
    size_t at = b->n;
    b->n += add;
    return at;
}

static LONGLONG wv_sp_ticks(uint64_t ticks, long hz) { return (LONGLONG)(ticks * (10000000 / (uint64_t)hz)); }

static void wv_sp_thread(SYSTEM_THREAD_INFORMATION *t, int pid, const struct wv_proc_info *ti, LONGLONG boot,
                         long hz)
{
    t->KernelTime.QuadPart = wv_sp_ticks(ti->stime, hz);
    t->UserTime.QuadPart = wv_sp_ticks(ti->utime, hz);
    t->CreateTime.QuadPart = boot + wv_sp_ticks(ti->start, hz);
    t->ClientId.UniqueProcess = (HANDLE)(uintptr_t)pid;
    t->ClientId.UniqueThread = (HANDLE)(uintptr_t)ti->pid;
    t->Priority = t->BasePriority = 8;
    t->ThreadState = ti->state == 'R' ? 2 : 5; /* Running, else Waiting */
}

/* One process's entry at the end of b; false when out of memory (a process gone is skipped). */
static bool wv_sp_process(struct wv_spbuf *b, int pid, LONGLONG boot, long hz)
{
    struct wv_proc_info pi;
    int tids[512];
    if (!wv_proc_info_read(pid, 0, &pi))
        return true;
    size_t nt = wv_proc_list(pid, tids, sizeof(tids) / sizeof(tids[0]));
    nt = nt > sizeof(tids) / sizeof(tids[0]) ? sizeof(tids) / sizeof(tids[0]) : nt;
    WCHAR pname[WV_SP_NAME_MAX];
    size_t name_len = wv_sp_name(pid, &pi, pname, WV_SP_NAME_MAX - 1);
    size_t size = sizeof(SYSTEM_PROCESS_INFORMATION) + nt * sizeof(SYSTEM_THREAD_INFORMATION) +
                  ((name_len + 1) * sizeof(WCHAR) + 7) / 8 * 8;
    size_t at = wv_sp_grow(b, size);
    if (at == SIZE_MAX)
        return false;
    SYSTEM_PROCESS_INFORMATION *e = (SYSTEM_PROCESS_INFORMATION *)(b->p + at);
    SYSTEM_THREAD_INFORMATION *t = (SYSTEM_THREAD_INFORMATION *)(e + 1);
    ULONG live = 0;
    for (size_t i = 0; i < nt; i++) {
        struct wv_proc_info ti;
        if (wv_proc_info_read(pid, tids[i], &ti))
            wv_sp_thread(&t[live++], pid, &ti, boot, hz);
    }
    e->NextEntryOffset = (ULONG)size; /* the last entry's is cleared by the caller */
    e->NumberOfThreads = e->NumberOfThreadsHighWatermark = live;
    e->CreateTime.QuadPart = boot + wv_sp_ticks(pi.start, hz);
    e->UserTime.QuadPart = wv_sp_ticks(pi.utime, hz);
    e->KernelTime.QuadPart = wv_sp_ticks(pi.stime, hz);
    /* The name: its offset in the entry for now (made a pointer when copied out). */
    WCHAR *name = (WCHAR *)(t + nt);
    memcpy(name, pname, name_len * sizeof(WCHAR));
    e->ImageName.Length = (USHORT)(name_len * sizeof(WCHAR));
    e->ImageName.MaximumLength = (USHORT)((name_len + 1) * sizeof(WCHAR));
    e->ImageName.Buffer = (WCHAR *)(uintptr_t)((char *)name - (char *)e);
    e->BasePriority = 8;
    e->UniqueProcessId = (HANDLE)(uintptr_t)pid;
    e->InheritedFromUniqueProcessId = (HANDLE)(uintptr_t)pi.ppid;
    e->HandleCount = pi.handles;
    e->SessionId = 1;
    e->PeakVirtualSize = pi.vm_peak > pi.vsize ? pi.vm_peak : pi.vsize;
    e->VirtualSize = pi.vsize;
    e->PageFaultCount = (ULONG)pi.faults;
    e->WorkingSetSize = pi.rss * WV_PAGE_SIZE;
    e->PeakWorkingSetSize = pi.rss_peak > e->WorkingSetSize ? pi.rss_peak : e->WorkingSetSize;
    e->PagefileUsage = e->PeakPagefileUsage = e->PrivatePageCount = pi.data;
    return true;
}

NTSTATUS wv_nt_sysproc(void *out, ULONG len, ULONG *need)
{
    size_t cap = 1024, n;
    int *pids = NULL;
    for (;;) { /* the list may grow between two reads */
        int *q = realloc(pids, cap * sizeof(*pids));
        if (!q)
            return free(pids), (NTSTATUS)STATUS_NO_MEMORY;
        pids = q;
        if ((n = wv_proc_list(0, pids, cap)) <= cap)
            break;
        cap = n + 64;
    }
    struct wv_spbuf b = {0};
    LONGLONG boot = wv_nt_boot_time();
    long hz = wv_proc_ticks();
    size_t last = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t before = b.n;
        if (!wv_sp_process(&b, pids[i], boot, hz))
            return free(pids), free(b.p), (NTSTATUS)STATUS_NO_MEMORY;
        if (b.n != before)
            last = before;
    }
    free(pids);
    if (last != SIZE_MAX)
        ((SYSTEM_PROCESS_INFORMATION *)(b.p + last))->NextEntryOffset = 0;
    *need = (ULONG)b.n;
    if (b.n > len) {
        free(b.p);
        return (NTSTATUS)STATUS_INFO_LENGTH_MISMATCH;
    }
    for (size_t at = 0; at < b.n;) { /* each name's offset becomes its address in out */
        SYSTEM_PROCESS_INFORMATION *e = (SYSTEM_PROCESS_INFORMATION *)(b.p + at);
        e->ImageName.Buffer = (WCHAR *)((char *)out + at + (uintptr_t)e->ImageName.Buffer);
        if (!e->NextEntryOffset)
            break;
        at += e->NextEntryOffset;
    }
    wv_nt_out(out, b.p, b.n);
    free(b.p);
    return STATUS_SUCCESS;
}
