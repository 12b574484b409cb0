/* SPDX-License-Identifier: MIT */
/* bench_image.c - rows 12-15: loading a 4 MiB DLL with 51,200 fixups (bench/gen_bigdll.py),
 * against dlopen of the same C code built as an ELF shared object, and what its pages cost.
 *
 *   12  LoadLibraryA + FreeLibrary at the default base    vs dlopen + dlclose    <= 1.5x
 *   13  the same with the base taken, shared policy (warm) vs dlopen + dlclose    <= 1.5x
 *       (the classic policy is measured too, for the record)
 *   14  16 processes with the DLL loaded: total Pss of its pages / one copy        <= 1.05x
 *   15  a child relocating it (classic): private pages == pages with fixups        exactly
 *       (and under shared: 0 private pages)
 * Children are fork+exec'ed copies of winvm-bench (--image-child), so each maps the DLL on its
 * own, as separate programs would.
 */
#define _GNU_SOURCE
#include "bench.h"
#include "winvm.h"
#include "tool.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define IMG_PROCS 16
#define MAX_IMG_ROUNDS 64

typedef unsigned long long(__attribute__((ms_abi)) * big_fn)(void);

struct load_row {
    const char *what;
    double raw[MAX_IMG_ROUNDS], win[MAX_IMG_ROUNDS], ratio[MAX_IMG_ROUNDS];
    double raw_us, win_us, ratio_med;
    bool measured;
};

static struct {
    bool available;
    uint64_t image_base, size_of_image;
    size_t fixup_pages;
    struct load_row dflt, shared, classic;
    double pss_kib, one_copy_kib, pss_ratio;
    bool pss_ok;
    long classic_private, classic_fixups, shared_private;
    bool private_ok;
} R;

#ifdef WINVM_BENCH_BIGDLL
static const char *const big_dll = WINVM_BENCH_BIGDLL, *const big_so = WINVM_BENCH_BIGSO;
#else
static const char *const big_dll = NULL, *const big_so = NULL;
#endif

/* ---- the image's facts, from the parser ---- */

static bool read_facts(void)
{
    int fd = open(big_dll, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return false;
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return false;
    static wv_pe pe;
    bool ok = wv_pe_parse(&pe, p, (size_t)st.st_size) == 0 &&
              wv_pe_fixup_pages(&pe, NULL, 0, &R.fixup_pages) == 0;
    R.image_base = pe.image_base;
    R.size_of_image = (pe.size_of_image + 4095) & ~4095ull;
    munmap(p, (size_t)st.st_size);
    return ok;
}

/* ---- rows 12, 13: load + unload ---- */

static void load_raw(int n)
{
    for (int i = 0; i < n; i++) {
        void *h = dlopen(big_so, RTLD_NOW | RTLD_LOCAL);
        if (!h)
            die("dlopen(%s): %s", big_so, dlerror());
        dlclose(h);
    }
}

static void load_win(int n)
{
    for (int i = 0; i < n; i++) {
        HMODULE h = LoadLibraryA(big_dll);
        if (!h)
            die("LoadLibraryA(%s) failed: error %u", big_dll, GetLastError());
        if (!FreeLibrary(h))
            die("FreeLibrary failed: error %u", GetLastError());
    }
}

/* The DLL's pointers are right wherever it loaded: big_sum() == big_expected(). */
static void verify_loaded(uintptr_t want_base, bool must_be_at)
{
    HMODULE h = LoadLibraryA(big_dll);
    if (!h)
        die("LoadLibraryA(%s) failed: error %u", big_dll, GetLastError());
    if (must_be_at != ((uintptr_t)h == want_base))
        die("bigdll.dll loaded at %p, %s %#lx", (void *)h, must_be_at ? "want" : "must not be at",
            (unsigned long)want_base);
    /* via void (*)(void): GetProcAddress returns a FARPROC, the generic function pointer */
    big_fn sum = (big_fn)(void (*)(void))GetProcAddress(h, "big_sum");
    big_fn expected = (big_fn)(void (*)(void))GetProcAddress(h, "big_expected");
    if (!sum || !expected || sum() != expected())
        die("bigdll.dll at %p: big_sum() does not match big_expected(): a fixup is wrong", (void *)h);
    FreeLibrary(h);
}

static void measure_load(struct load_row *row, int rounds, int iters)
{
    load_raw(2), load_win(2); /* warm: page cache, image cache, dynamic linker */
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        if (r % 2)
            load_win(iters);
        double t1 = now_ns();
        load_raw(iters);
        double t2 = now_ns();
        if (!(r % 2))
            load_win(iters);
        double t3 = now_ns();
        row->raw[r] = (t2 - t1) / iters / 1000;
        row->win[r] = ((t1 - t0) + (t3 - t2)) / iters / 1000;
        row->ratio[r] = row->win[r] / row->raw[r];
    }
    row->raw_us = median(row->raw, rounds);
    row->win_us = median(row->win, rounds);
    row->ratio_med = median(row->ratio, rounds);
    row->measured = true;
}

/* ---- rows 14, 15: children ---- */

/* Child: loads the DLL (policy, base taken or not, binding or not), reads every readable page,
 * prints base and the count of its private (anonymous) pages, waits for stdin to close. */
int bench_image_child_main(int argc, char **argv)
{
    if (argc != 4)
        die("--image-child DLL POLICY TAKE");
    const char *dll = argv[1];
    DWORD policy = (DWORD)atoi(argv[2]);
    bool take = atoi(argv[3]) != 0;
    winvm_set_image_sharing(policy);
    if (take && !read_facts())
        die("--image-child: cannot parse %s", dll);
    if (take && !VirtualAlloc((void *)(uintptr_t)R.image_base, 4096, MEM_RESERVE, PAGE_NOACCESS))
        die("--image-child: cannot take the base %#llx", (unsigned long long)R.image_base);
    /* Without binding or DllMain: the pages the loader writes are only the fixups'. */
    HMODULE h = LoadLibraryExA(dll, NULL, take ? DONT_RESOLVE_DLL_REFERENCES : 0);
    if (!h)
        die("--image-child: LoadLibrary(%s) failed: error %u", dll, GetLastError());
    const unsigned char *p = (const unsigned char *)h;
    MEMORY_BASIC_INFORMATION m;
    size_t size = 0;
    volatile unsigned sum = 0;
    for (const unsigned char *a = p; VirtualQuery(a, &m, sizeof(m)) && m.AllocationBase == p; a += m.RegionSize) {
        if (m.Protect & (PAGE_READONLY | PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READ |
                         PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY))
            for (size_t o = 0; o < m.RegionSize; o += 4096)
                sum += a[o];
        size += m.RegionSize;
    }
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    long priv = 0;
    for (size_t o = 0; o < size; o += 4096) {
        uint64_t e = 0;
        if (pread(fd, &e, 8, (off_t)(((uintptr_t)p + o) / 4096 * 8)) == 8 && (e >> 63) && !(e >> 61 & 1))
            priv++;
    }
    close(fd);
    printf("%p %zu %ld\n", (const void *)p, size, priv);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    FreeLibrary(h);
    return 0;
}

struct child {
    pid_t pid;
    int to;
    FILE *from;
    uintptr_t base;
    size_t size;
    long priv;
};

static bool child_start(struct child *c, const char *self, DWORD policy, bool take)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
        die("pipe2: %s", strerror(errno));
    char pol[8], tk[8];
    snprintf(pol, sizeof(pol), "%u", policy);
    snprintf(tk, sizeof(tk), "%d", take);
    fflush(stdout);
    c->pid = fork();
    if (c->pid < 0)
        die("fork: %s", strerror(errno));
    if (c->pid == 0) {
        if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
            _exit(127);
        execl(self, self, "--image-child", big_dll, pol, tk, (char *)NULL);
        _exit(127);
    }
    close(in[0]), close(out[1]);
    c->to = in[1];
    c->from = fdopen(out[0], "r");
    void *b = NULL;
    bool ok = c->from && fscanf(c->from, "%p %zu %ld", &b, &c->size, &c->priv) == 3;
    c->base = (uintptr_t)b;
    return ok;
}

static bool child_end(struct child *c)
{
    close(c->to);
    if (c->from)
        fclose(c->from);
    int status;
    return waitpid(c->pid, &status, 0) == c->pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void measure_pss(const char *self)
{
    struct child c[IMG_PROCS];
    bool ok = true;
    int started = 0;
    for (; started < IMG_PROCS && ok; started++)
        ok = child_start(&c[started], self, WINVM_IMAGE_SHARING_DEFAULT, false);
    double rss0 = 0, pss = 0;
    for (int i = 0; ok && i < started; i++) {
        double rss = 0;
        ok = smaps_sum(c[i].pid, c[i].base, c[i].base + c[i].size, &pss, &rss);
        if (i == 0)
            rss0 = rss;
    }
    for (int i = 0; i < started; i++)
        ok = child_end(&c[i]) && ok;
    R.pss_kib = pss;
    R.one_copy_kib = rss0;
    R.pss_ratio = rss0 > 0 ? pss / rss0 : 0;
    R.pss_ok = ok && rss0 > 0;
}

static void measure_private(const char *self)
{
    struct child c;
    bool ok = child_start(&c, self, WINVM_IMAGE_SHARING_CLASSIC, true);
    R.classic_private = c.priv;
    ok = child_end(&c) && ok && c.base != R.image_base;
    struct child s1, s2;
    ok = child_start(&s1, self, WINVM_IMAGE_SHARING_SHARED, true) && ok;
    ok = child_start(&s2, self, WINVM_IMAGE_SHARING_SHARED, true) && ok;
    R.shared_private = s1.priv + s2.priv;
    ok = s1.base == s2.base && ok;
    ok = child_end(&s1) && ok;
    ok = child_end(&s2) && ok;
    R.classic_fixups = (long)R.fixup_pages;
    R.private_ok = ok;
}

void bench_images_run(const char *self)
{
    if (!big_dll || access(big_dll, R_OK) != 0 || access(big_so, R_OK) != 0 || !read_facts()) {
        progress("  12-15. no bigdll.dll (mingw-w64 missing?): image rows left out\n");
        return;
    }
    R.available = true;
    int rounds = quick ? 3 : 5, iters = quick ? 2 : 5; /* a dlopen is ~16 ms */
    progress("  12. LoadLibrary+FreeLibrary of bigdll.dll at its base vs dlopen+dlclose...\n");
    winvm_set_image_sharing(WINVM_IMAGE_SHARING_SHARED);
    verify_loaded((uintptr_t)R.image_base, true);
    measure_load(&R.dflt, rounds, iters);
    progress("  13. the same with its base taken (shared, then classic)...\n");
    void *block = VirtualAlloc((void *)(uintptr_t)R.image_base, 4096, MEM_RESERVE, PAGE_NOACCESS);
    if (!block)
        die("cannot take bigdll.dll's base: error %u", GetLastError());
    verify_loaded((uintptr_t)R.image_base, false);
    measure_load(&R.shared, rounds, iters);
    winvm_set_image_sharing(WINVM_IMAGE_SHARING_CLASSIC);
    verify_loaded((uintptr_t)R.image_base, false);
    measure_load(&R.classic, rounds, iters);
    winvm_set_image_sharing(WINVM_IMAGE_SHARING_DEFAULT);
    VirtualFree(block, 0, MEM_RELEASE);
    progress("  14. %d processes with bigdll.dll loaded...\n", IMG_PROCS);
    measure_pss(self);
    progress("  15. private pages of relocated children...\n");
    measure_private(self);
}

bool bench_images_pass(void)
{
    return !R.available || (R.dflt.ratio_med <= 1.5 && R.shared.ratio_med <= 1.5 && R.pss_ok &&
                            R.pss_ratio <= 1.05 && R.private_ok &&
                            R.classic_private == R.classic_fixups && R.shared_private == 0);
}

void bench_images_table(void)
{
    if (!R.available)
        return;
    printf("\nimages: bigdll.dll, SizeOfImage %llu KiB, %zu pages with fixups\n",
           (unsigned long long)R.size_of_image / 1024, R.fixup_pages);
    printf("%-52s %10s %10s %8s %8s\n", "row", "dlopen us", "winvm us", "ratio", "target");
    const struct load_row *rows[3] = {&R.dflt, &R.shared, &R.classic};
    const char *names[3] = {"12 LoadLibrary+FreeLibrary, default base", "13 same, base taken, shared (warm)",
                            "   same, base taken, classic (info)"};
    for (int i = 0; i < 3; i++)
        printf("%-52s %10.1f %10.1f %7.3fx %8s\n", names[i], rows[i]->raw_us, rows[i]->win_us,
               rows[i]->ratio_med, i < 2 ? "<=1.5x" : "-");
    printf("%-52s %10.0f %10.0f %7.3fx %8s\n", "14 16 processes: Pss KiB (one copy | total)", R.one_copy_kib,
           R.pss_kib, R.pss_ratio, "<=1.05x");
    printf("%-52s %10ld %10ld %8s %8s\n", "15 classic child: private pages (fixup pages | got)", R.classic_fixups,
           R.classic_private, R.classic_private == R.classic_fixups ? "equal" : "DIFFER", "equal");
    printf("%-52s %10s %10ld %8s %8s\n", "   two shared-policy children: private pages", "", R.shared_private,
           "", "0");
}

static void json_load(FILE *f, const char *id, const char *what, const struct load_row *r, const char *target,
                      bool pass)
{
    fprintf(f, "    {\"id\": \"%s\", \"operation\": \"%s\", \"unit\": \"us\", \"raw\": %.2f, \"winvm\": %.2f, "
               "\"ratio\": %.4f, \"target\": \"%s\", \"pass\": %s},\n",
            id, what, r->raw_us, r->win_us, r->ratio_med, target, pass ? "true" : "false");
}

void bench_images_json(FILE *f)
{
    if (!R.available)
        return;
    json_load(f, "image_load_default", "LoadLibraryA+FreeLibrary of bigdll.dll (4 MiB, 51,200 fixups) at its "
              "base vs dlopen+dlclose of the same code as an ELF .so", &R.dflt, "ratio <= 1.5", R.dflt.ratio_med <= 1.5);
    json_load(f, "image_load_relocated_shared", "as image_load_default with the base taken, shared policy, "
              "cache warm", &R.shared, "ratio <= 1.5", R.shared.ratio_med <= 1.5);
    json_load(f, "image_load_relocated_classic", "as image_load_default with the base taken, classic policy "
              "(for the record)", &R.classic, "none", true);
    fprintf(f, "    {\"id\": \"image_pss_16\", \"operation\": \"16 processes (fork+exec) load bigdll.dll "
               "(FileAlignment 0x200) and read every page; Pss of its pages summed / Rss of one\", \"unit\": "
               "\"KiB\", \"one_copy_kib\": %.0f, \"total_pss_kib\": %.0f, \"ratio\": %.4f, \"target\": "
               "\"ratio <= 1.05\", \"pass\": %s},\n",
            R.one_copy_kib, R.pss_kib, R.pss_ratio, R.pss_ok && R.pss_ratio <= 1.05 ? "true" : "false");
    fprintf(f, "    {\"id\": \"image_private_pages\", \"operation\": \"a child with bigdll.dll's base taken "
               "relocates it (classic): its private pages vs the pages with fixups; two shared-policy "
               "children: their private pages\", \"unit\": \"pages\", \"fixup_pages\": %ld, "
               "\"classic_private\": %ld, \"shared_private\": %ld, \"target\": \"classic_private == "
               "fixup_pages, shared_private == 0\", \"pass\": %s},\n",
            R.classic_fixups, R.classic_private, R.shared_private,
            R.private_ok && R.classic_private == R.classic_fixups && R.shared_private == 0 ? "true" : "false");
}
