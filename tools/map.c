/* SPDX-License-Identifier: MIT */
/* map.c - `winvm map [PID|self] [--json]` and `winvm share PID...`: a process's address space
 * as Windows tools (VMMap) show it, and which processes share a section's physical pages.
 *
 * Everything comes from /proc: maps for the regions, pagemap for each page (present, swapped,
 * file-or-shared bit, exclusively-mapped bit, and the frame number when we are root).  It
 * works unprivileged on our own processes, and on processes that never heard of winvm: their
 * mappings are described the way winvm's VirtualQuery describes foreign memory.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "pages.h"
#include "tool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct region {
    uint64_t start, end;
    char perm[5];
    uint64_t offset, inode, dev; /* dev: major << 32 | minor */
    char path[512];
    /* from smaps, KiB */
    uint64_t rss, anon, shared, swap;
};

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

static bool has_suffix(const char *p, const char *suffix)
{
    size_t n = strlen(p), k = strlen(suffix);
    return n > k && !strcasecmp(p + n - k, suffix);
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
    if (has_suffix(g->path, ".img") || has_suffix(g->path, ".dll") || has_suffix(g->path, ".exe"))
        return g->perm[3] == 'p' ? "Image" : "Mapped File";
    if (g->perm[3] == 'p' && g->path[0] == '/' && is_elf(g->path))
        return "Image"; /* an ELF file mapped privately, as foreign.c reports it */
    return "Mapped File";
}

/* Whether path is in winvm's namespace of named objects: /dev/shm/winvm-<uid>[.<n>]/<name>. */
static bool in_namespace(const char *path)
{
    return !strncmp(path, "/dev/shm/winvm-", 15) && strchr(path + 15, '/');
}

/* winvm's named sections are <namespace>/<hex of the name>: show the name. */
static void section_name(const char *path, char *out, size_t cap)
{
    const char *slash = in_namespace(path) ? strchr(path + 15, '/') : NULL;
    out[0] = 0;
    if (!slash)
        return;
    size_t k = 0;
    for (const char *h = slash + 1; h[0] && h[1] && h[0] != ' ' && k + 1 < cap; h += 2) {
        unsigned c;
        if (sscanf(h, "%2x", &c) != 1)
            break;
        out[k++] = (char)c;
    }
    out[k] = 0;
}

/* Reads /proc/PID/smaps (or maps): the kernel walks only populated page tables, so even a
 * process with terabytes of reserved address space (a sanitizer's shadow) is listed quickly. */
static bool read_regions(const char *pid, struct region **out, size_t *n)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%s/smaps", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t cap = 256;
    *out = malloc(cap * sizeof(**out));
    *n = 0;
    char line[1024];
    bool skipping = false; /* the attribute lines of a skipped region are not the previous one's */
    while (*out && fgets(line, sizeof(line), f)) {
        struct region g = {0};
        int used = 0;
        uint64_t kib;
        if (skipping && sscanf(line, "%" SCNx64 "-%" SCNx64, &g.start, &g.end) < 2)
            continue;
        if (*n && sscanf(line, "Rss: %" SCNu64, &kib) == 1)
            (*out)[*n - 1].rss = kib;
        else if (*n && sscanf(line, "Anonymous: %" SCNu64, &kib) == 1)
            (*out)[*n - 1].anon = kib;
        else if (*n && (sscanf(line, "Shared_Clean: %" SCNu64, &kib) == 1 ||
                        sscanf(line, "Shared_Dirty: %" SCNu64, &kib) == 1))
            (*out)[*n - 1].shared += kib;
        else if (*n && sscanf(line, "Swap: %" SCNu64, &kib) == 1)
            (*out)[*n - 1].swap = kib;
        unsigned major = 0, minor = 0;
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n", &g.start,
                   &g.end, g.perm, &g.offset, &major, &minor, &g.inode, &used) < 7)
            continue;
        g.dev = (uint64_t)major << 32 | minor;
        skipping = g.start >= ((uint64_t)1 << 47); /* [vsyscall] */
        if (skipping)
            continue;
        snprintf(g.path, sizeof(g.path), "%s", line + used);
        g.path[strcspn(g.path, "\n")] = 0;
        if (*n == cap)
            *out = realloc(*out, (cap *= 2) * sizeof(**out));
        if (*out)
            (*out)[(*n)++] = g;
    }
    fclose(f);
    return *out != NULL;
}

/* Walks the pagemap entries of [start, end) in pid, calling fn for each page. */
static void walk_pages(int pagemap, uint64_t start, uint64_t end,
                       void (*fn)(uint64_t addr, uint64_t ent, void *arg), void *arg)
{
    uint64_t buf[512];
    for (uint64_t a = start; a < end;) {
        size_t n = (size_t)((end - a) / 4096 < 512 ? (end - a) / 4096 : 512);
        ssize_t got = pread(pagemap, buf, n * 8, (off_t)(a / 4096 * 8));
        if (got <= 0)
            return;
        for (size_t i = 0; i < (size_t)got / 8; i++)
            fn(a + i * 4096, buf[i], arg);
        a += (uint64_t)got / 8 * 4096;
    }
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
    section_name(g->path, name, 300);
    const char *shown = name[0] ? name : g->path;
    int thread = stack_owner(sps, nsps, g->start, g->end);
    if (has_suffix(g->path, ".img") && wv_cache_source(g->path, source, sizeof(source))) {
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
    if (!read_regions(pid, &g, &n)) {
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

/* ---- share ---- */

/* A page of a file, known by the file's device and inode: the path a process's maps shows may
 * differ for one file (an unnamed O_TMPFILE's "/#NNN (deleted)", a name since removed). */
struct page_owner {
    uint64_t dev, ino;
    char file[512];
    uint64_t page;     /* page index in the file */
    int pid;
    uint64_t pfn;      /* 0 when unknown (not root) */
    bool copy;         /* anonymous: a private copy, not the file's page */
};

struct share_ctx {
    const struct region *g;
    int pid;
    struct page_owner *out;
    size_t n, cap;
};

static void note_page(uint64_t addr, uint64_t ent, void *arg)
{
    struct share_ctx *c = arg;
    if (!(ent >> 63))
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->out = realloc(c->out, c->cap * sizeof(*c->out));
        if (!c->out)
            exit(1);
    }
    struct page_owner *o = &c->out[c->n++];
    snprintf(o->file, sizeof(o->file), "%s", c->g->path);
    o->dev = c->g->dev, o->ino = c->g->inode;
    o->page = (c->g->offset + (addr - c->g->start)) / 4096;
    if (in_namespace(o->file) && o->page > 0)
        o->page--; /* a named section's data starts after its one-page header */
    o->pid = c->pid;
    o->pfn = ent & ((1ull << 55) - 1);
    o->copy = !(ent >> 61 & 1);
}

static int by_file_page(const void *a, const void *b)
{
    const struct page_owner *x = a, *y = b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino)
        return x->ino < y->ino ? -1 : 1;
    return x->page < y->page ? -1 : x->page > y->page ? 1 : x->pid - y->pid;
}

/* Notes the resident pages each process in pids maps from winvm's named sections (with all,
 * from every file); false, said on stderr, when a process cannot be read. */
static bool collect_pages(int npids, char **pids, bool all, struct share_ctx *c)
{
    for (int i = 0; i < npids; i++) {
        struct region *g;
        size_t n;
        if (!read_regions(pids[i], &g, &n)) {
            fprintf(stderr, "winvm share: cannot read /proc/%s/maps\n", pids[i]);
            return false;
        }
        char path[64];
        snprintf(path, sizeof(path), "/proc/%s/pagemap", pids[i]);
        int pm = open(path, O_RDONLY | O_CLOEXEC);
        for (size_t k = 0; k < n && pm >= 0; k++) {
            if (!g[k].inode || g[k].path[0] != '/')
                continue; /* files and named sections only */
            if (!all && !in_namespace(g[k].path))
                continue;
            c->g = &g[k];
            c->pid = atoi(pids[i]);
            walk_pages(pm, g[k].start, g[k].end, note_page, c);
        }
        if (pm >= 0)
            close(pm);
        free(g);
    }
    return true;
}

/* One file's line: o[0..n) are its pages, sorted by page.  A page is shared when several
 * processes map it without a copy, on one frame as far as we can tell (frames need root). */
static void report_file(const struct page_owner *o, size_t n)
{
    /* The file's name: one that is still a name, when a process shows one */
    const char *file = o[0].file;
    for (size_t k = 0; k < n; k++)
        if (!has_suffix(o[k].file, " (deleted)")) {
            file = o[k].file;
            break;
        }
    char name[300];
    section_name(file, name, sizeof(name));
    size_t pages = 0, shared_all = 0, copies = 0;
    for (size_t k = 0; k < n;) {
        size_t e = k;
        size_t nproc = 0, ncopy = 0;
        uint64_t pfn = 0;
        bool same = true;
        while (e < n && o[e].page == o[k].page) {
            if (o[e].copy)
                ncopy++;
            else {
                if (pfn && o[e].pfn != pfn)
                    same = false;
                pfn = o[e].pfn;
                nproc++;
            }
            e++;
        }
        pages++;
        copies += ncopy;
        if (nproc > 1 && same)
            shared_all++;
        k = e;
    }
    printf("%s%s%s: %zu resident pages, %zu shared by several processes, %zu private copies\n",
           name[0] ? "section \"" : "file ", name[0] ? name : file, name[0] ? "\"" : "",
           pages, shared_all, copies);
    for (size_t k = 0; k < n; k++)
        if (o[k].copy)
            printf("  page %" PRIu64 ": private copy in pid %d\n", o[k].page, o[k].pid);
}

int cli_share(int argc, char **argv)
{
    /* By default winvm's named sections; --all adds every mapped file (libraries too). */
    bool all = argc > 0 && !strcmp(argv[0], "--all");
    argc -= all, argv += all;
    if (argc == 0) {
        fprintf(stderr, "usage: winvm share [--all] PID...\n");
        return 2;
    }
    struct share_ctx c = {0};
    if (!collect_pages(argc, argv, all, &c))
        return 1;
    qsort(c.out, c.n, sizeof(*c.out), by_file_page);
    bool root = geteuid() == 0;
    printf("%s\n", root ? "exact: physical frame numbers (root)"
                        : "from the file/anonymous bits (frame numbers need root)");
    for (size_t i = 0; i < c.n;) {
        size_t j = i;
        while (j < c.n && c.out[j].dev == c.out[i].dev && c.out[j].ino == c.out[i].ino)
            j++;
        report_file(&c.out[i], j - i);
        i = j;
    }
    free(c.out);
    return 0;
}

/* ---- winvm map --svg PID OUT.svg ---- */

static bool is_image_path(const char *p)
{
    size_t n = strlen(p);
    return n > 4 && (!strcasecmp(p + n - 4, ".dll") || !strcasecmp(p + n - 4, ".exe") || !strcmp(p + n - 4, ".img"));
}

/* One row per image the process maps (a DLL or EXE file, or its image-cache entry): its pages
 * and the physical pages behind them (frames when root, else page-cache identity). */
int cli_map_svg(const char *pid, const char *out)
{
    struct region *g;
    size_t n;
    if (!read_regions(pid, &g, &n)) {
        fprintf(stderr, "winvm map: cannot read /proc/%s/maps: %s\n", pid, strerror(errno));
        return 1;
    }
    enum { MAXROWS = 32, MAXPAGES = 256 };
    struct svg_row rows[MAXROWS];
    static struct page_info pages[MAXROWS][MAXPAGES];
    static char labels[MAXROWS][160];
    size_t nrows = 0;
    pid_t p = !strcmp(pid, "self") ? getpid() : (pid_t)atoi(pid);
    for (size_t i = 0; i < n && nrows < MAXROWS; i++) {
        if (!g[i].inode || !is_image_path(g[i].path))
            continue;
        /* An image's mappings are contiguous: gather them into one row. */
        uint64_t start = g[i].start, end = g[i].end;
        while (i + 1 < n && g[i + 1].start == end && g[i + 1].dev == g[i].dev && g[i + 1].inode == g[i].inode)
            end = g[++i].end;
        size_t np = (end - start) / 4096 < MAXPAGES ? (end - start) / 4096 : MAXPAGES;
        if (pages_read(p, start, np, pages[nrows]) != 0)
            continue;
        char source[1024];
        bool cached = wv_cache_source(g[i].path, source, sizeof(source));
        const char *name = cached ? source : g[i].path, *base = strrchr(name, '/');
        snprintf(labels[nrows], sizeof(labels[nrows]), "%.100s at %#llx%s", base ? base + 1 : name,
                 (unsigned long long)start, cached ? " (image cache)" : "");
        rows[nrows] = (struct svg_row){labels[nrows], pages[nrows], np};
        nrows++;
    }
    free(g);
    FILE *f = fopen(out, "w");
    if (!f) {
        fprintf(stderr, "winvm map: cannot write %s: %s\n", out, strerror(errno));
        return 1;
    }
    char title[96];
    snprintf(title, sizeof(title), "process %s: image pages -> physical pages", pid);
    svg_draw(f, title, rows, nrows, NULL, NULL);
    fclose(f);
    printf("%zu images drawn into %s\n", nrows, out);
    return 0;
}
