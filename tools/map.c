/* SPDX-License-Identifier: MIT */
/* map.c - `winvm map [PID|self] [--json]`: a process's address space as Windows tools (VMMap)
 * show it.
 *
 * Everything comes from /proc: maps for the regions, pagemap for each page (present, swapped,
 * file-or-shared bit, exclusively-mapped bit, and the frame number when we are root).  It
 * works unprivileged on our own processes, and on processes that never heard of winvm: their
 * mappings are described the way winvm's VirtualQuery describes foreign memory.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "pages.h"
#include "procmaps.h"
#include "tool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* VMMap's split: private pages are anonymous (copies included); shareable pages belong to a
 * file or shared memory; shared ones are shareable pages mapped by more than one process. */
struct residency {
    uint64_t resident, private_, shareable, shared, swapped;
};

static const char *protect_name(const char *perm, bool file_private)
{
    bool r = perm[0] == 'r', w = perm[1] == 'w', x = perm[2] == 'x';
    if (x)
        return w ? (file_private ? "EXECUTE_WRITECOPY" : "EXECUTE_READWRITE") : r ? "EXECUTE_READ" : "EXECUTE";
    if (w)
        return file_private ? "WRITECOPY" : "READWRITE";
    return r ? "READONLY" : "NOACCESS";
}

static bool is_elf(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char magic[4] = {0};
    bool elf = fd >= 0 && pread(fd, magic, 4, 0) == 4 && !memcmp(magic, "\177ELF", 4);
    if (fd >= 0)
        close(fd);
    return elf;
}

/* The region's type as VMMap names them: Image (executables and libraries, ELF or PE, and
 * image-cache entries), Mapped File, Shareable (shared memory: sections without a file), Heap
 * (the brk heap), Stack (the main thread's, and any region holding a thread's stack pointer:
 * thread is its id, or 0), Private Data (other anonymous memory). */
static const char *type_name(const struct region *g, int thread)
{
    if (thread)
        return "Stack";
    if (!strcmp(g->path, "[vdso]") || !strcmp(g->path, "[vvar]"))
        return "Image";
    if (!strcmp(g->path, "[heap]"))
        return "Heap";
    if (!strncmp(g->path, "[stack", 6))
        return "Stack";
    if (!g->inode)
        return g->perm[3] == 's' ? "Shareable" : "Private Data";
    if (!strncmp(g->path, "/dev/shm/", 9) || !strncmp(g->path, "/memfd:", 7))
        return "Shareable";
    if (maps_has_suffix(g->path, ".img") || maps_has_suffix(g->path, ".dll") || maps_has_suffix(g->path, ".exe"))
        return g->perm[3] == 'p' ? "Image" : "Mapped File";
    if (g->perm[3] == 'p' && g->path[0] == '/' && is_elf(g->path))
        return "Image"; /* an ELF file mapped privately, as foreign.c reports it */
    return "Mapped File";
}

/* ---- thread stacks ---- */

struct thread_sp {
    int tid;
    uint64_t sp;
};

/* Each thread's stack pointer from /proc/PID/task/TID/syscall (its last field but one; the
 * file says "running" for a thread on a CPU, and is unreadable without ptrace rights over the
 * process: those threads are left out).  The number found, at most cap. */
static size_t read_thread_sps(const char *pid, struct thread_sp *out, size_t cap)
{
    char path[96];
    snprintf(path, sizeof(path), "/proc/%s/task", pid);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    size_t n = 0;
    for (struct dirent *e; n < cap && (e = readdir(d));) {
        int tid = atoi(e->d_name);
        if (tid <= 0)
            continue;
        snprintf(path, sizeof(path), "/proc/%s/task/%d/syscall", pid, tid);
        FILE *f = fopen(path, "r");
        char line[512];
        bool got = f && fgets(line, sizeof(line), f);
        if (f)
            fclose(f);
        if (!got || !strncmp(line, "running", 7))
            continue;
        uint64_t v[12];
        int k = 0;
        for (char *t = strtok(line, " \n"); t && k < 12; t = strtok(NULL, " \n"))
            v[k++] = strtoull(t, NULL, 0);
        if (k >= 3)
            out[n++] = (struct thread_sp){tid, v[k - 2]};
    }
    closedir(d);
    return n;
}

/* The thread whose stack pointer lies in [start, end), or 0. */
static int stack_owner(const struct thread_sp *t, size_t nt, uint64_t start, uint64_t end)
{
    for (size_t i = 0; i < nt; i++)
        if (t[i].sp >= start && t[i].sp < end)
            return t[i].tid;
    return 0;
}

/* One row of `winvm map`: a region, or the free gap before one. */
struct row {
    uint64_t base, size;
    const char *state, *type, *protect, *name, *section;
    struct residency r;
    uint64_t allocation; /* its AllocationBase as the process itself says, 0 when unknown */
};

enum map_format { MAP_TEXT, MAP_JSON, MAP_CSV };

static void print_row(enum map_format f, const struct row *w, bool first)
{
    char alloc[24] = "", alloc_hex[24] = "";
    if (w->allocation) {
        snprintf(alloc, sizeof(alloc), "%" PRIu64, w->allocation);
        snprintf(alloc_hex, sizeof(alloc_hex), "0x%" PRIx64, w->allocation);
    }
    if (f == MAP_JSON)
        printf("%s\n  {\"base\": %" PRIu64 ", \"size\": %" PRIu64 ", \"allocation_base\": %s, \"state\": \"%s\", "
               "\"type\": \"%s\", \"protect\": \"%s\", \"resident_kib\": %" PRIu64 ", \"private_kib\": %" PRIu64
               ", \"shareable_kib\": %" PRIu64 ", \"shared_kib\": %" PRIu64 ", \"swapped_kib\": %" PRIu64
               ", \"section\": %s%s%s, \"path\": \"%s\"}",
               first ? "" : ",", w->base, w->size, alloc[0] ? alloc : "null", w->state, w->type, w->protect,
               w->r.resident, w->r.private_, w->r.shareable, w->r.shared, w->r.swapped, w->section ? "\"" : "",
               w->section ? w->section : "null", w->section ? "\"" : "", w->name);
    else if (f == MAP_CSV)
        printf("0x%" PRIx64 ",%" PRIu64 ",%s,%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",\"%s\",%s\n",
               w->base, w->size, w->state, w->type, w->protect, w->r.resident, w->r.private_, w->r.shareable,
               w->r.shared, w->name, alloc_hex);
    else
        printf("%014" PRIx64 " %10" PRIx64 "  %-7s %-12s %-18s %8" PRIu64 " %8" PRIu64 " %9" PRIu64 " %8" PRIu64
               "  %s\n",
               w->base, w->size, w->state, w->type, w->protect, w->r.resident, w->r.private_, w->r.shareable,
               w->r.shared, w->name);
}

/* ---- allocations: what the process itself says (VirtualQueryEx through its control
 * channel, or VirtualQuery for this process); nothing for a process winvm does not run ---- */

struct allocs {
    HANDLE process; /* NULL: this process; INVALID_HANDLE_VALUE: not known */
};

static struct allocs open_allocs(const char *pid)
{
    if (!strcmp(pid, "self") || atoi(pid) == (int)getpid())
        return (struct allocs){NULL};
    HANDLE h = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, (DWORD)atoi(pid));
    MEMORY_BASIC_INFORMATION m;
    if (h && !VirtualQueryEx(h, (LPCVOID)0x10000, &m, sizeof(m))) { /* no channel: not a winvm process */
        CloseHandle(h);
        h = NULL;
    }
    return (struct allocs){h ? h : INVALID_HANDLE_VALUE};
}

/* The AllocationBase of the region at addr, 0 when free or not known. */
static uint64_t allocation_of(const struct allocs *a, uint64_t addr)
{
    MEMORY_BASIC_INFORMATION m;
    if (a->process == INVALID_HANDLE_VALUE)
        return 0;
    SIZE_T got = a->process ? VirtualQueryEx(a->process, (LPCVOID)(uintptr_t)addr, &m, sizeof(m))
                            : VirtualQuery((LPCVOID)(uintptr_t)addr, &m, sizeof(m));
    return got && m.State != MEM_FREE ? (uint64_t)(uintptr_t)m.AllocationBase : 0;
}

/* Text only: a heading for an allocation of more than one region, as VMMap's expandable rows. */
static void print_allocation_head(const struct row *rows, size_t i, size_t n)
{
    uint64_t a = rows[i].allocation;
    if (!a || (i > 0 && rows[i - 1].allocation == a) || i + 1 >= n || rows[i + 1].allocation != a)
        return;
    size_t k = i;
    while (k + 1 < n && rows[k + 1].allocation == a)
        k++;
    printf("%014" PRIx64 " %10" PRIx64 "  %-7s allocation of %zu regions\n", a,
           rows[k].base + rows[k].size - a, "alloc", k - i + 1);
}

/* Totals by type, as VMMap's summary: size, committed, and the residency columns. */
struct total {
    const char *type;
    uint64_t size, committed;
    struct residency r;
};

static void add_total(struct total *t, size_t *nt, const struct row *w)
{
    size_t k = 0;
    while (k < *nt && strcmp(t[k].type, w->type))
        k++;
    if (k == *nt)
        t[(*nt)++] = (struct total){.type = w->type};
    t[k].size += w->size;
    t[k].committed += strcmp(w->state, "commit") ? 0 : w->size;
    t[k].r.resident += w->r.resident, t[k].r.private_ += w->r.private_;
    t[k].r.shareable += w->r.shareable, t[k].r.shared += w->r.shared;
}

static void print_totals(const struct total *t, size_t nt)
{
    printf("\n%-14s %14s %14s %8s %8s %9s %8s\n", "totals", "size KiB", "committed KiB", "rss KiB", "private",
           "shareable", "shared");
    for (size_t k = 0; k < nt; k++)
        printf("%-14s %14" PRIu64 " %14" PRIu64 " %8" PRIu64 " %8" PRIu64 " %9" PRIu64 " %8" PRIu64 "\n", t[k].type,
               t[k].size / 1024, t[k].committed / 1024, t[k].r.resident, t[k].r.private_, t[k].r.shareable,
               t[k].r.shared);
}

#define MAP_GRANULARITY 0x10000 /* Windows' allocation granularity */

/* The free gap [lo, hi) as VMMap shows it: the part up to the next 64 KiB boundary after an
 * allocation that ends inside a granule is Unusable (no allocation can start there), the rest
 * Free. */
static void print_gap(enum map_format f, uint64_t lo, uint64_t hi, bool first)
{
    uint64_t granule = (lo + MAP_GRANULARITY - 1) & ~(uint64_t)(MAP_GRANULARITY - 1);
    if (granule > hi)
        granule = hi;
    if (granule > lo) {
        struct row unusable = {lo, granule - lo, "free", "Unusable", "NOACCESS", "", NULL, {0}, 0};
        print_row(f, &unusable, first);
        first = false;
    }
    if (hi > granule) {
        struct row free_row = {granule, hi - granule, "free", "Free", "NOACCESS", "", NULL, {0}, 0};
        print_row(f, &free_row, first);
    }
}

/* Region i of g as a row; names go into bufs (two of 1100 bytes). */
static struct row region_row(const struct region *g, const struct thread_sp *sps, size_t nsps, char bufs[2][1100])
{
    /* private: anonymous (copies included); shareable: the file's or shared memory's pages;
     * shared: pages mapped by more than one process (VMMap's three columns) */
    struct residency r = {g->rss, g->anon, g->rss - g->anon, g->shared, g->swap};
    bool file_private = g->inode && g->perm[3] == 'p';
    bool reserved = !g->inode && g->perm[3] == 'p' && !strncmp(g->perm, "---", 3);
    char *name = bufs[0], source[1024];
    maps_section_name(g->path, name, 300);
    const char *shown = name[0] ? name : g->path;
    int thread = stack_owner(sps, nsps, g->start, g->end);
    if (maps_has_suffix(g->path, ".img") && wv_cache_source(g->path, source, sizeof(source))) {
        snprintf(bufs[1], 1100, "%s (image cache)", source);
        shown = bufs[1];
    } else if (thread) {
        snprintf(bufs[1], 1100, "%s%sthread %d", g->path, g->path[0] ? " " : "", thread);
        shown = bufs[1];
    }
    return (struct row){g->start, g->end - g->start, reserved ? "reserve" : "commit", type_name(g, thread),
                        reserved ? "-" : protect_name(g->perm, file_private), shown, name[0] ? name : NULL, r, 0};
}

int cli_map(int argc, char **argv)
{
    const char *pid = "self";
    enum map_format f = MAP_TEXT;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            f = MAP_JSON;
        else if (!strcmp(argv[i], "--csv"))
            f = MAP_CSV;
        else
            pid = argv[i];
    }
    struct region *g;
    size_t n;
    if (!maps_read_regions(pid, &g, &n)) {
        fprintf(stderr, "winvm map: cannot read /proc/%s/smaps: %s\n", pid, strerror(errno));
        return 1;
    }
    struct row *rows = calloc(n ? n : 1, sizeof(*rows));
    char (*names)[2][1100] = calloc(n ? n : 1, sizeof(*names));
    struct thread_sp sps[256];
    size_t nsps = read_thread_sps(pid, sps, sizeof(sps) / sizeof(sps[0]));
    struct allocs al = open_allocs(pid);
    for (size_t i = 0; rows && names && i < n; i++) {
        rows[i] = region_row(&g[i], sps, nsps, names[i]);
        rows[i].allocation = allocation_of(&al, g[i].start);
    }
    if (al.process && al.process != INVALID_HANDLE_VALUE)
        CloseHandle(al.process);
    if (!rows || !names) {
        fprintf(stderr, "winvm map: out of memory\n");
        return free(g), free(rows), free(names), 1;
    }
    if (f == MAP_JSON)
        printf("{\"pid\": \"%s\", \"regions\": [", pid);
    else if (f == MAP_CSV)
        printf("base,size,state,type,protect,resident_kib,private_kib,shareable_kib,shared_kib,name,allocation_base\n");
    else
        printf("%-14s %10s  %-7s %-12s %-18s %8s %8s %9s %8s  %s\n", "base", "size hex", "state", "type",
               "protect", "rss KiB", "private", "shareable", "shared", "name");
    struct total totals[16];
    size_t nt = 0;
    uint64_t prev_end = 0x10000; /* user space starts above the null 64 KiB, as on Windows */
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (g[i].start > prev_end) { /* the free gap before it */
            print_gap(f, prev_end, g[i].start, first);
            first = false;
        }
        if (g[i].end > prev_end)
            prev_end = g[i].end;
        if (f == MAP_TEXT)
            print_allocation_head(rows, i, n);
        print_row(f, &rows[i], first);
        first = false;
        if (nt < sizeof(totals) / sizeof(totals[0]) - 1)
            add_total(totals, &nt, &rows[i]);
    }
    if (f == MAP_JSON)
        printf("\n]}\n");
    else if (f == MAP_TEXT)
        print_totals(totals, nt);
    free(g), free(rows), free(names);
    return 0;
}
