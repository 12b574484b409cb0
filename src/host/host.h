/* SPDX-License-Identifier: MIT */
/* host.h - the host layer: the only code that asks the Linux kernel about or for mappings
 * (mmap, mprotect, munmap, madvise, /proc/self/maps and pagemap, userfaultfd).  It knows
 * nothing of views or page states: callers above pass addresses, sizes and PROT_* bits.
 * Every function returns 0 or a Win32 error unless it says otherwise.
 */
#ifndef WV_HOST_H
#define WV_HOST_H

/* The functions of the calls a program makes by the thousand (a commit, a protection change):
 * GCC puts them in .text.hot, which the linker gathers into a few pages.  After each syscall
 * this VM's kernel leaves the TLB cold, and every extra code page the call runs through costs
 * a TLB miss, ~14 ns here (docs/performance.md, row 4). */
#define WV_HOT __attribute__((hot))
/* The functions a single-page commit runs through (bench row 4: VirtualAlloc with nt.h's
 * wv_nt_alloc and this header's wv_os_protect inline in it, wv_virtual_commit, wv_space_find,
 * wv_view_update_one), from three layers' files,
 * in one section of one name: GNU ld sorts .text.sorted.* by name right after .text.hot, so
 * they sit side by side in one or two pages instead of being spread over .text.hot's three
 * (a linker without that rule leaves them in .text, where they still sit together). */
#define WV_HOT_PATH __attribute__((hot, section(".text.sorted.winvm_commit")))

#include "base/base.h"

#include <sys/syscall.h>
#include <sys/types.h>

/* ---- mappings (os.c) ---- */
/* What to map: a section's descriptor (shared or private), or NULL for anonymous memory. */
struct wv_backing {
    int fd;
    off_t off;
    bool shared;
};
/* Maps [addr, addr+size) exactly, failing with ERROR_INVALID_ADDRESS if anything is there. */
DWORD wv_os_map_at(uintptr_t addr, size_t size, int prot, const struct wv_backing *b);
/* Maps size bytes 64 KiB-aligned wherever the kernel has room (over-map and trim). */
DWORD wv_os_map_trimmed(size_t size, int prot, const struct wv_backing *b, uintptr_t *out);
/* Maps b (or anonymous memory) over [addr, addr+size) with MAP_FIXED, replacing what is there. */
DWORD wv_os_map_over(uintptr_t addr, size_t size, int prot, const struct wv_backing *b);
DWORD wv_os_unmap(uintptr_t addr, size_t size);
/* Leak checkers (ASan builds) do not scan memory winvm maps, yet PE code keeps its pointers to
 * host allocations there (a critical section's mutex in a DLL's .bss, a malloc'd block in a
 * global): each published view is a root region while it lives.  Nothing in other builds. */
void wv_os_leak_roots(uintptr_t addr, size_t size, bool on);
/* mprotect, issued here rather than through libc's wrapper: on this project's AMD machine
 * (SRSO "Safe RET") every return a thread makes right after a system call is mispredicted,
 * ~11 ns each (docs/performance.md, "Thirteenth session"), so the wrapper's own return costs a
 * commit as much as its work.  Inline, so the kernel returns into the caller itself. */
static inline DWORD wv_os_protect(uintptr_t addr, size_t size, int prot)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "0"((long)SYS_mprotect), "D"(addr), "S"(size), "d"((long)prot)
                     : "rcx", "r11", "memory");
    return __builtin_expect(ret == 0, 1) ? 0 : wv_errno_to_error((int)-ret);
}
/* Drops the contents of [addr, addr+size); the pages read as zero when next accessible. */
void wv_os_discard(uintptr_t addr, size_t size);
/* Lets the kernel drop the pages of [addr, addr+size) under memory pressure until they are
 * next written (MADV_FREE); a range where it cannot is left as it is, silently. */
void wv_os_discard_lazily(uintptr_t addr, size_t size);
/* A hint that [addr, addr+size) will be read soon (read-ahead of its file or swap); holes and
 * foreign mappings in the range are skipped, nothing is mapped or made resident in the page
 * tables, contents and protections are unchanged. */
void wv_os_will_need(uintptr_t addr, size_t size);
/* One inaccessible page at addr that keeps the kernel's page tables above it alive.  Nobody
 * sees it (VirtualQuery reports it free) and nobody meets it: a mapping asked for over it
 * takes its place. */
void wv_os_anchor(uintptr_t addr);
/* Where the anchor page is, or 0. */
uintptr_t wv_os_anchor_page(void);

/* ---- winvm's own memory (os.c): buffers and tables (freed with wv_os_unmap), stacks ---- */
/* Zeroed read-write memory anywhere, counted against the commit limit: for buffers that will
 * be filled.  NULL on failure. */
void *wv_os_alloc(size_t size);
/* The same, not counted against the commit limit (MAP_NORESERVE): for big tables most of
 * whose pages are never touched.  NULL on failure. */
void *wv_os_alloc_sparse(size_t size);
/* A stack of size bytes (MAP_STACK, MAP_NORESERVE) above one inaccessible guard page: its
 * lowest usable byte, or NULL. */
void *wv_os_stack_alloc(size_t size);
/* Zeroes the resident pages of [p, p+size), memory from wv_os_alloc_sparse: the others read
 * zero already.  Costs a mincore and the pages written, not a pass over the whole range. */
void wv_os_zero_resident(void *p, size_t size);
/* Unmaps a stack from wv_os_stack_alloc, guard page included. */
void wv_os_stack_free(void *stack, size_t size);
/* Writes the shared file pages of [addr, addr+size) back to their file (msync, MS_SYNC). */
DWORD wv_os_flush(uintptr_t addr, size_t size);
/* Whether the page holding addr is in memory (mincore): for a file mapping, whether the file's
 * page is in the page cache, mapped here or not.  Async-signal-safe. */
bool wv_os_cached(uintptr_t addr);
/* Whether the page holding addr is mapped at all (async-signal-safe: the fault handler). */
bool wv_os_mapped(uintptr_t addr);

/* ---- files winvm reads itself (file.c); unmapped with wv_os_unmap ---- */
/* The first size bytes of fd, read-only and private, anywhere; NULL on failure. */
const void *wv_file_map_read(int fd, size_t size);
/* size bytes of fd from off, read-write and shared, anywhere; NULL on failure. */
void *wv_file_map_shared(int fd, off_t off, size_t size);
/* A private read-only copy of fd's first size bytes, read now into anonymous memory: later
 * writes to the file or its truncation neither show nor fault.  NULL when it could not read
 * them all. */
void *wv_file_snapshot(int fd, size_t size);

/* ---- read-only files in memory (memfile.c) ---- */
/* A new file holding bytes (len), sealed against every change, shown under name (a host path,
 * "/windows/system32/kernel32.dll"): its descriptor (close-on-exec), or -1 and errno. */
int wv_memfile_make(const char *name, const void *bytes, size_t len);
/* The name fd's file was made under, when it is one of those (one fstat once any exists;
 * nothing before): whether it was, and fit in cap. */
bool wv_memfile_name(int fd, char *out, size_t cap);
/* Whether fd's file is sealed against writes (a memfd of wv_memfile_make's): a write access
 * to it is refused (ERROR_ACCESS_DENIED), and no image cache entry is made of it. */
bool wv_memfile_sealed(int fd);

/* ---- privdir.c ---- */
/* path as a private directory of this user (made 0700 first when create): its descriptor,
 * verified on the descriptor (a directory, ours, nothing for group or others), or -1 (EACCES
 * when it exists but is not that). */
int wv_private_dir(const char *path, bool create);

/* ---- the page at 0x7ffe0000, KUSER_SHARED_DATA (syspage.c) ---- */
/* Maps one zeroed page read-only at at (ERROR_INVALID_ADDRESS if anything is there) and a
 * writable alias of it anywhere (*rw).  Once per process. */
DWORD wv_syspage_map(uintptr_t at, void **rw);
/* Whether addr is in that page (async-signal-safe: the fault handler). */
bool wv_syspage_at(uintptr_t addr);
/* In a forked child: the page made the child's own copy, at the same addresses. */
DWORD wv_syspage_refork(void);

/* ---- memory winvm does not manage (foreign.c) ---- */
/* Describes addr, which no view contains, as Windows would: free space up to the next
 * mapping (capped at limit), or a foreign mapping reported by the kernel. */
void wv_foreign_query(uintptr_t addr, uintptr_t limit, MEMORY_BASIC_INFORMATION *mbi);
/* Start of the first host mapping at or above addr that overlaps [addr, end), or 0. */
uintptr_t wv_foreign_next(uintptr_t addr, uintptr_t end, uintptr_t *map_end);

/* ---- the kernel's view of this process's mappings (proc.c) ---- */
struct wv_mapping {
    uintptr_t start, end;   /* start == 0: no mapping at or above the address asked */
    int prot;               /* 1 read, 2 write, 4 execute */
    bool shared, file;
    uint64_t inode;
    char name[256];
};
/* The mapping containing addr, or else the first one above it. */
bool wv_proc_mapping(uintptr_t addr, struct wv_mapping *m);
/* The same from /proc/self/maps text, the path taken on kernels without PROCMAP_QUERY. */
bool wv_proc_mapping_text(uintptr_t addr, struct wv_mapping *m);
/* Bit j % 64 of out[j / 64] set when page j of the n pages at addr holds anonymous (private)
 * data, a copy; out has (n + 63) / 64 words.  0 or -1. */
int wv_pagemap_anon(uintptr_t addr, size_t n, uint64_t *out);
/* Bit i of out (n <= 64) set when page i of [addr, addr + n pages) is resident.  0 or -1. */
int wv_pagemap_present(uintptr_t addr, size_t n, uint64_t *out);

/* The path of open descriptor fd (its /proc/self/fd link) into out; false when unknown. */
bool wv_proc_fd_path(int fd, char *out, size_t cap);
/* Raw pagemap entries of the n pages at addr into out (any n).  0 or -1. */
int wv_pagemap_entries(uintptr_t addr, size_t n, uint64_t *out);
/* Map counts of the n page frames pfn[i] (/proc/kpagecount) into out.  -1 when the file cannot
 * be read (it needs CAP_SYS_ADMIN), else 0. */
int wv_kpagecount(const uint64_t *pfn, size_t n, uint64_t *out);

/* ---- memory counters (meminfo.c), in bytes ---- */
struct wv_proc_mem {
    uint64_t rss, hwm, data, size, swap; /* VmRSS, VmHWM, VmData, VmSize, VmSwap */
    uint64_t faults;                     /* minor + major page faults */
};
struct wv_sys_mem {
    uint64_t total, avail, swap_total, swap_free; /* MemTotal, MemAvailable, Swap* */
    uint64_t committed, commit_limit, cached;     /* Committed_AS, CommitLimit, Cached */
    uint64_t slab_reclaimable, kernel_unreclaimable; /* SReclaimable; SUnreclaim + KernelStack + PageTables */
};
bool wv_proc_memory(struct wv_proc_mem *m);
/* The whole of a small /proc file into buf (NUL-terminated).  False when unreadable or empty. */
bool wv_read_text(const char *path, char *buf, size_t cap);
/* The number after "key:" at the start of a line of text, times 1024 when it is in kB; 0 if
 * absent. */
uint64_t wv_field(const char *text, const char *key);
bool wv_sys_memory(struct wv_sys_mem *m);
/* The processors Windows reports (PEB, GetSystemInfo, SystemBasicInformation, KUSER_SHARED_DATA):
 * the online ones, 1 to 64 (one processor group). */
unsigned wv_sys_processors(void);
/* ---- other processes and threads as /proc shows them (procs.c) ---- */
struct wv_proc_info {
    int pid, ppid;
    char name[64];                 /* the kernel's name of the process (comm) */
    char state;                    /* R running, S sleeping, ... */
    uint64_t start, utime, stime;  /* clock ticks: since boot, in user mode, in the kernel */
    uint64_t vsize, rss, faults;   /* bytes, pages, minor + major faults */
    uint64_t vm_peak, rss_peak, data; /* VmPeak, VmHWM, VmData (0 when status is unreadable) */
    long priority, nice;
    uint32_t handles; /* open descriptors (0 when fd/ is another user's) */
};
/* pid's (or, tid > 0, its thread tid's) stat and status.  False when it is gone. */
bool wv_proc_info_read(int pid, int tid, struct wv_proc_info *p);
/* The pids (or, pid > 0, the thread ids of pid) /proc lists, up to cap into out; returns how
 * many there are (more than cap: out holds the first cap). */
size_t wv_proc_list(int pid, int *out, size_t cap);
/* The file name (no directory) of pid's executable, as /proc/PID/exe links it, into out (cap
 * bytes, terminated): its length, or 0 when it cannot be read (another user's process, a
 * kernel thread) or does not fit. */
size_t wv_proc_exe_leaf(int pid, char *out, size_t cap);
/* Clock ticks per second of /proc's times. */
long wv_proc_ticks(void);
/* Asks the kernel to reclaim the resident pages of [addr, addr + size) now (MADV_PAGEOUT,
 * pageout.c): file pages mapped only here leave memory, anonymous ones go to swap if there is
 * any.  Contents never change.  0 or -1 (a range the kernel will not page out). */
int wv_os_pageout(uintptr_t addr, size_t size);

/* ---- the kernel's own write tracking (uffd.c) ----
 * Linux 6.7+: userfaultfd write protection in asynchronous mode (a write to a protected page
 * just clears the protection, in the kernel, with no signal and no message), read back and
 * re-armed with the PAGEMAP_SCAN ioctl of /proc/self/pagemap; see docs/semantics.md. */
/* True when new write-watch views can be tracked by the kernel.  Decided once, at the first
 * call: false when WINVM_WRITE_WATCH=fallback is set, when the kernel lacks any piece, or when
 * a self-test of the whole round trip fails; false in a child forked afterwards. */
bool wv_uffd_usable(void);

/* Registers [addr, addr+len) with the process's userfaultfd in write-protect mode.  0 or an
 * errno value. */
int wv_uffd_register(uintptr_t addr, size_t len);
void wv_uffd_unregister(uintptr_t addr, size_t len);

/* Write-protects [addr, addr+len): the pages count as not written until the next write.
 * Unpopulated pages get markers, so a read never counts and a first write does.  0 or errno;
 * 0 without doing anything in a forked child, whose mappings are no longer registered. */
int wv_uffd_protect(uintptr_t addr, size_t len);

/* The pages of [*pos, end) written since they were last protected, in address order: at most
 * max of them are stored in out, and *pos moves past the last page examined (just after the
 * last one stored when max was reached).  With reset, exactly the pages stored are protected
 * again in the same walk, atomically with the report.  With out NULL (reset only), every
 * written page of the range is protected and 0 is returned.  Returns the number stored, or
 * -errno.  In a forked child the kernel no longer tracks inherited views: every resident page
 * then counts as written, and reset does nothing. */
long wv_uffd_written(uintptr_t *pos, uintptr_t end, bool reset, void **out, size_t max);

#endif
