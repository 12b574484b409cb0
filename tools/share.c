/* SPDX-License-Identifier: MIT */
/* share.c - `winvm share PID...`: which processes share a section's physical pages, and
 * `winvm map --svg`: a process's image pages drawn against the frames behind them. */
#define _GNU_SOURCE
#include "cli.h"
#include "pages.h"
#include "procmaps.h"
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

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
    if (maps_in_namespace(o->file) && o->page > 0)
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
        if (!maps_read_regions(pids[i], &g, &n)) {
            fprintf(stderr, "winvm share: cannot read /proc/%s/maps\n", pids[i]);
            return false;
        }
        char path[64];
        snprintf(path, sizeof(path), "/proc/%s/pagemap", pids[i]);
        int pm = open(path, O_RDONLY | O_CLOEXEC);
        for (size_t k = 0; k < n && pm >= 0; k++) {
            if (!g[k].inode || g[k].path[0] != '/')
                continue; /* files and named sections only */
            if (!all && !maps_in_namespace(g[k].path))
                continue;
            c->g = &g[k];
            c->pid = atoi(pids[i]);
            maps_walk_pages(pm, g[k].start, g[k].end, note_page, c);
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
        if (!maps_has_suffix(o[k].file, " (deleted)")) {
            file = o[k].file;
            break;
        }
    char name[300];
    maps_section_name(file, name, sizeof(name));
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
    if (!maps_read_regions(pid, &g, &n)) {
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
