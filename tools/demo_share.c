/* SPDX-License-Identifier: MIT */
/* demo_share.c - `winvm demo`'s second part: the seed's scenario on this machine, measured.
 *
 * Five instances of examples/demo/app.exe run at once under `winvm run`, each using
 * demolib.dll:
 *   A, B    at the DLL's base: the same hInstance, every page one physical copy (figure 1);
 *           B writes one byte of a .data page: that page alone becomes B's copy (figure 2)
 *   C       the DLL's base taken, classic relocation: exactly its fixup pages are copies
 *   D, E    the base taken, shared policy: relocated once, shared, no copies
 * Every figure comes from the instances' /proc/PID/pagemap while they wait; the table, a JSON
 * file (tests parse it) and an SVG drawn from the same data are the output. */
#define _GNU_SOURCE
#include "cli.h"
#include "tool.h"
#include "pages.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NINST 5
#define MAXPG 64

struct instance {
    const char *name, *what, *policy;
    bool take_base, write;
    pid_t pid;
    int to;
    FILE *from;
    uint64_t hinstance, dll, wrote, sum;
    struct page_info dll_pages[MAXPG], exe_pages[MAXPG];
    uint64_t dll_copies, exe_copies; /* bit i: page i is a copy */
};

struct image_facts {
    uint64_t base, npages, fixups; /* fixups: bit per page */
};

static bool facts(const char *path, struct image_facts *f)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    static uint8_t buf[1 << 20];
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
    if (fd >= 0)
        close(fd);
    static wv_pe pe;
    uint32_t pages[MAXPG];
    size_t count = 0;
    if (n <= 0 || wv_pe_parse(&pe, buf, (size_t)n) != 0 || wv_pe_fixup_pages(&pe, pages, MAXPG, &count) != 0)
        return false;
    f->base = pe.image_base;
    f->npages = (pe.size_of_image + 4095) / 4096;
    f->fixups = 0;
    for (size_t i = 0; i < count && i < MAXPG; i++)
        f->fixups |= 1ull << pages[i];
    return f->npages <= MAXPG;
}

static bool start(struct instance *in, const char *self, const char *app, uint64_t dll_base, const char *cache)
{
    int to[2], from[2];
    if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0)
        return false;
    in->pid = fork();
    if (in->pid < 0)
        return false;
    if (in->pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        setenv("WINVM_IMAGE_SHARING", in->policy, 1);
        setenv("WINVM_CACHE_DIR", cache, 1);
        char reserve[32];
        snprintf(reserve, sizeof(reserve), "%#llx", (unsigned long long)dll_base);
        const char *argv[8] = {self, "run"};
        int k = 2;
        if (in->take_base)
            argv[k++] = "--reserve", argv[k++] = reserve;
        argv[k++] = app;
        if (in->write)
            argv[k++] = "write";
        argv[k] = NULL;
        execv(self, (char **)argv);
        _exit(127);
    }
    close(to[0]), close(from[1]);
    in->to = to[1];
    in->from = fdopen(from[0], "r");
    char line[256];
    while (in->from && fgets(line, sizeof(line), in->from)) {
        unsigned long long v;
        if (sscanf(line, "hinstance=%llx", &v) == 1)
            in->hinstance = v;
        else if (sscanf(line, "dll=%llx", &v) == 1)
            in->dll = v;
        else if (sscanf(line, "sum=%llx", &v) == 1)
            in->sum = v;
        else if (sscanf(line, "wrote=%llx", &v) == 1)
            in->wrote = v;
        else if (!strncmp(line, "ready", 5))
            return in->hinstance && in->dll;
    }
    return false;
}

static bool stop(struct instance *in)
{
    if (in->to >= 0)
        close(in->to);
    if (in->from)
        fclose(in->from);
    int st = 0;
    return in->pid > 0 && waitpid(in->pid, &st, 0) == in->pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static uint64_t copies(const struct page_info *p, size_t n)
{
    uint64_t m = 0;
    for (size_t i = 0; i < n; i++)
        m |= (uint64_t)p[i].copy << i;
    return m;
}

static void rvas(FILE *f, uint64_t mask)
{
    fprintf(f, "[");
    for (int i = 0, first = 1; i < 64; i++)
        if (mask >> i & 1) {
            fprintf(f, "%s%d", first ? "" : ", ", i * 4096);
            first = 0;
        }
    fprintf(f, "]");
}

static void rvas_text(char *out, size_t cap, uint64_t mask)
{
    size_t k = 0;
    out[0] = 0;
    for (int i = 0; i < 64 && k + 12 < cap; i++)
        if (mask >> i & 1)
            k += (size_t)snprintf(out + k, cap - k, "%s%#x", k ? "," : "", i * 4096);
}

/* Pages both instances map to the same frame. */
static size_t same_frames(const struct page_info *a, const struct page_info *b, size_t n)
{
    size_t same = 0;
    for (size_t i = 0; i < n; i++)
        same += a[i].present && b[i].present && !a[i].copy && a[i].frame == b[i].frame;
    return same;
}

static const char *rva_label(size_t i, void *arg)
{
    static char buf[16];
    (void)arg;
    snprintf(buf, sizeof(buf), "%#zx", i * 4096);
    return buf;
}

/* Starts every instance and reads the pages of its DLL and EXE while it waits; on failure
 * the instances are stopped again. */
static bool run_instances(struct instance *in, const char *self, const char *app, const char *cache,
                          const struct image_facts *fd, const struct image_facts *fe)
{
    bool ok = true;
    fflush(stdout);
    for (int i = 0; i < NINST && ok; i++)
        if (!(ok = start(&in[i], self, app, fd->base, cache)))
            fprintf(stderr, "winvm demo: instance %s did not start\n", in[i].name);
    for (int i = 0; i < NINST && ok; i++) {
        ok = pages_read(in[i].pid, in[i].dll, fd->npages, in[i].dll_pages) == 0 &&
             pages_read(in[i].pid, in[i].hinstance, fe->npages, in[i].exe_pages) == 0;
        in[i].dll_copies = copies(in[i].dll_pages, fd->npages);
        in[i].exe_copies = copies(in[i].exe_pages, fe->npages);
    }
    if (!ok)
        for (int i = 0; i < NINST; i++)
            stop(&in[i]);
    return ok;
}

/* The measured facts the seed claims, one per figure. */
struct findings {
    uint64_t written;            /* the DLL page B wrote (bit per page) */
    size_t ab_shared, de_shared; /* DLL pages A and B, D and E map to one frame */
    bool fig1, fig2, classic, shared, same_sum;
};

static void judge(const struct instance *in, const struct image_facts *fd, struct findings *r)
{
    bool same_hinstance = true;
    r->same_sum = true;
    for (int i = 1; i < NINST; i++)
        same_hinstance &= in[i].hinstance == in[0].hinstance, r->same_sum &= in[i].sum == in[0].sum;
    r->written = in[1].wrote ? 1ull << ((in[1].wrote - in[1].dll) / 4096) : 0;
    r->ab_shared = same_frames(in[0].dll_pages, in[1].dll_pages, fd->npages);
    r->de_shared = same_frames(in[3].dll_pages, in[4].dll_pages, fd->npages);
    r->fig1 = same_hinstance && in[0].dll == in[1].dll && in[0].dll_copies == 0;
    r->fig2 = in[1].dll_copies == r->written && r->written;
    r->classic = in[2].dll != fd->base && in[2].dll_copies == fd->fixups;
    r->shared = in[3].dll != fd->base && in[3].dll == in[4].dll && !in[3].dll_copies && !in[4].dll_copies &&
                r->de_shared > 0;
}

static void print_table(const struct instance *in, const struct image_facts *fd, const struct findings *r)
{
    char wtxt[64], ftxt[256], ctxt[256];
    rvas_text(wtxt, sizeof(wtxt), r->written);
    rvas_text(ftxt, sizeof(ftxt), fd->fixups);
    rvas_text(ctxt, sizeof(ctxt), in[2].dll_copies);

    printf("\nThe seed's figures, measured: 5 instances of app.exe using demolib.dll (%llu pages, fixups in "
           "pages %s)\n\n", (unsigned long long)fd->npages, ftxt);
    printf("  %-2s %-32s %-7s %-13s %-15s %-22s %s\n", "", "instance", "pid", "hInstance", "demolib.dll at",
           "DLL pages copied", "EXE pages copied");
    for (int i = 0; i < NINST; i++) {
        char d[128];
        rvas_text(d, sizeof(d), in[i].dll_copies);
        printf("  %-2s %-32s %-7d %#-13llx %#-15llx %-22s %d\n", in[i].name, in[i].what, (int)in[i].pid,
               (unsigned long long)in[i].hinstance, (unsigned long long)in[i].dll, *d ? d : "none",
               __builtin_popcountll(in[i].exe_copies));
    }
    printf("\n  figure 1  A and B: same hInstance, %zu of %llu DLL pages are one physical page in both: %s\n",
           r->ab_shared, (unsigned long long)fd->npages, r->fig1 ? "yes" : "NO");
    printf("  figure 2  B wrote page %s: that page alone is B's copy, A still maps the original: %s\n", wtxt,
           r->fig2 ? "yes" : "NO");
    printf("  classic   C relocated to %#llx: copied pages %s = fixup pages %s: %s\n",
           (unsigned long long)in[2].dll, *ctxt ? ctxt : "none", ftxt, r->classic ? "yes" : "NO");
    printf("  shared    D and E relocated once, to %#llx: no copies, %zu pages shared between them: %s\n",
           (unsigned long long)in[3].dll, r->de_shared, r->shared ? "yes" : "NO");
    printf("  (the EXE's copied page is its import table, bound in every process, as on Windows)\n");
}

/* sharing.json: what the tests check. */
static void write_json(FILE *j, const struct instance *in, const struct image_facts *fd, const struct findings *r)
{
    fprintf(j, "{\n  \"dll_pages\": %llu, \"dll_base\": %llu, \"fixup_pages\": ", (unsigned long long)fd->npages,
            (unsigned long long)fd->base);
    rvas(j, fd->fixups);
    fprintf(j, ",\n  \"instances\": [\n");
    for (int i = 0; i < NINST; i++) {
        fprintf(j, "    {\"name\": \"%s\", \"pid\": %d, \"policy\": \"%s\", \"base_taken\": %s, \"hinstance\": %llu, "
                   "\"dll\": %llu, \"sum\": %llu, \"dll_copied_rvas\": ",
                in[i].name, (int)in[i].pid, in[i].policy, in[i].take_base ? "true" : "false",
                (unsigned long long)in[i].hinstance, (unsigned long long)in[i].dll, (unsigned long long)in[i].sum);
        rvas(j, in[i].dll_copies);
        fprintf(j, ", \"exe_copied_rvas\": ");
        rvas(j, in[i].exe_copies);
        fprintf(j, "}%s\n", i + 1 < NINST ? "," : "");
    }
    fprintf(j, "  ],\n  \"written_rvas\": ");
    rvas(j, r->written);
    fprintf(j, ",\n  \"ab_shared_pages\": %zu, \"de_shared_pages\": %zu,\n", r->ab_shared, r->de_shared);
    fprintf(j, "  \"figure1\": %s, \"figure2\": %s, \"classic_equals_fixups\": %s, \"shared_no_copies\": %s,\n",
            r->fig1 ? "true" : "false", r->fig2 ? "true" : "false", r->classic ? "true" : "false",
            r->shared ? "true" : "false");
    fprintf(j, "  \"same_sum\": %s\n}\n", r->same_sum ? "true" : "false");
}

/* sharing.svg: the DLL's pages in the five processes, drawn from the same data. */
static void write_svg(FILE *s, const struct instance *in, const struct image_facts *fd)
{
    struct svg_row rows[NINST];
    char labels[NINST][96];
    for (int i = 0; i < NINST; i++) {
        snprintf(labels[i], sizeof(labels[i]), "%s pid %d, DLL at %#llx", in[i].name, (int)in[i].pid,
                 (unsigned long long)in[i].dll);
        rows[i] = (struct svg_row){labels[i], in[i].dll_pages, fd->npages};
    }
    svg_draw(s, "demolib.dll in five processes: virtual pages -> physical pages (measured)", rows, NINST,
             rva_label, NULL);
}

int cli_demo_sharing(const char *dir, const char *outdir)
{
    char app[1024], dll[1024], self[1024], cache[1100], path[1200];
    snprintf(app, sizeof(app), "%s/app.exe", dir);
    snprintf(dll, sizeof(dll), "%s/demolib.dll", dir);
    ssize_t sn = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[sn > 0 ? sn : 0] = 0;
    struct image_facts fd, fe;
    if (!facts(dll, &fd) || !facts(app, &fe)) {
        fprintf(stderr, "winvm demo: %s or %s missing or unreadable (built with mingw-w64)\n", app, dll);
        return 1;
    }
    mkdir(outdir, 0755);
    snprintf(cache, sizeof(cache), "%s/cache", outdir);
    mkdir(cache, 0700);
    chmod(cache, 0700);
    struct instance in[NINST] = {
        {"A", "at the DLL's base", "shared", false, false, 0, -1, NULL, 0, 0, 0, 0, {{0}}, {{0}}, 0, 0},
        {"B", "at base, writes one .data byte", "shared", false, true, 0, -1, NULL, 0, 0, 0, 0, {{0}}, {{0}}, 0, 0},
        {"C", "base taken, classic", "classic", true, false, 0, -1, NULL, 0, 0, 0, 0, {{0}}, {{0}}, 0, 0},
        {"D", "base taken, shared", "shared", true, false, 0, -1, NULL, 0, 0, 0, 0, {{0}}, {{0}}, 0, 0},
        {"E", "base taken, shared", "shared", true, false, 0, -1, NULL, 0, 0, 0, 0, {{0}}, {{0}}, 0, 0},
    };
    if (!run_instances(in, self, app, cache, &fd, &fe))
        return 1;
    struct findings r;
    judge(in, &fd, &r);
    print_table(in, &fd, &r);

    snprintf(path, sizeof(path), "%s/sharing.json", outdir);
    FILE *f = fopen(path, "w");
    if (f) {
        write_json(f, in, &fd, &r);
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/sharing.svg", outdir);
    f = fopen(path, "w");
    if (f) {
        write_svg(f, in, &fd);
        fclose(f);
    }
    printf("\n  wrote %s/sharing.json and %s/sharing.svg\n", outdir, outdir);
    bool ok = true;
    for (int i = 0; i < NINST; i++)
        ok = stop(&in[i]) && ok;
    return ok && r.fig1 && r.fig2 && r.classic && r.shared && r.same_sum ? 0 : 1;
}
