/* SPDX-License-Identifier: MIT */
/* bench_nt.c - rows 18-20: the NT memory calls against the raw Linux calls they wrap.
 *
 *   18  NtAllocateVirtualMemory + NtFreeVirtualMemory, 64 KiB reserve+commit RW, against
 *       mmap + munmap (and against VirtualAlloc + VirtualFree: the NT layer's own cost).
 *   19  NtProtectVirtualMemory, one page RW <-> RO, against mprotect.
 *   20  QueryWorkingSetEx of 1,000 resident private pages against one pread of their pagemap
 *       entries (the kernel walk the query cannot avoid).  Target <= 1.5x.
 * Rounds alternate raw and winvm batches; ratios are medians of per-round ratios, as in
 * bench.c.
 */
#define _GNU_SOURCE
#include "winvm.h"
#include "winvm/psapi.h"
#include "bench.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NT_ROUNDS 15
#define WS_PAGES 1000
#define TARGET_WS 1.5

struct nt_pair {
    double raw_ns, win_ns, ratio, alt_ratio;
    double q1, q3; /* the per-round ratios' quartiles: the row's noise (bench/compare.py) */
};

static struct nt_pair A, P, W;
static bool pass_ws;

typedef void (*batch_fn)(long iters, void *ctx);

/* Median per-iteration ns of raw and win over alternating rounds, and of alt (vs raw) if any. */
static void measure(batch_fn raw, batch_fn win, batch_fn alt, long iters, void *ctx, struct nt_pair *out)
{
    int rounds = quick ? 5 : NT_ROUNDS;
    double r[NT_ROUNDS], w[NT_ROUNDS], q[NT_ROUNDS], aq[NT_ROUNDS];
    raw(iters / 10 + 1, ctx), win(iters / 10 + 1, ctx); /* warm up */
    for (int k = 0; k < rounds; k++) {
        double t0 = now_ns();
        (k & 1 ? win : raw)(iters, ctx);
        double t1 = now_ns();
        (k & 1 ? raw : win)(iters, ctx);
        double t2 = now_ns();
        r[k] = ((k & 1) ? t2 - t1 : t1 - t0) / iters;
        w[k] = ((k & 1) ? t1 - t0 : t2 - t1) / iters;
        q[k] = w[k] / r[k];
        if (alt) {
            double t3 = now_ns();
            alt(iters, ctx);
            aq[k] = w[k] / ((now_ns() - t3) / iters);
        }
    }
    out->raw_ns = median(r, rounds);
    out->win_ns = median(w, rounds);
    out->ratio = median(q, rounds);
    out->q1 = bench_quartile(q, rounds, 1);
    out->q3 = bench_quartile(q, rounds, 3);
    out->alt_ratio = alt ? median(aq, rounds) : 0;
}

static void alloc_raw(long n, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < n; i++)
        munmap(mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 65536);
}

static void alloc_nt(long n, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < n; i++) {
        void *p = NULL;
        SIZE_T size = 65536;
        if (NtAllocateVirtualMemory(NtCurrentProcess(), &p, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE))
            die("NtAllocateVirtualMemory failed");
        size = 0;
        if (NtFreeVirtualMemory(NtCurrentProcess(), &p, &size, MEM_RELEASE))
            die("NtFreeVirtualMemory failed");
    }
}

static void alloc_win32(long n, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < n; i++)
        VirtualFree(VirtualAlloc(NULL, 65536, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE), 0, MEM_RELEASE);
}

struct prot_ctx {
    char *raw, *win;
};

static void prot_raw(long n, void *ctx)
{
    char *p = ((struct prot_ctx *)ctx)->raw;
    for (long i = 0; i < n; i += 2) {
        mprotect(p, 4096, PROT_READ);
        mprotect(p, 4096, PROT_READ | PROT_WRITE);
    }
}

static void prot_nt(long n, void *ctx)
{
    char *p = ((struct prot_ctx *)ctx)->win;
    ULONG old;
    for (long i = 0; i < n; i += 2) {
        void *a = p;
        SIZE_T s = 4096;
        NtProtectVirtualMemory(NtCurrentProcess(), &a, &s, PAGE_READONLY, &old);
        a = p, s = 4096;
        NtProtectVirtualMemory(NtCurrentProcess(), &a, &s, PAGE_READWRITE, &old);
    }
}

struct ws_ctx {
    char *pages;
    int pagemap;
    uint64_t ent[WS_PAGES];
    PSAPI_WORKING_SET_EX_INFORMATION info[WS_PAGES];
};

static void ws_raw(long n, void *ctx)
{
    struct ws_ctx *c = ctx;
    for (long i = 0; i < n; i++)
        if (pread(c->pagemap, c->ent, sizeof(c->ent), (off_t)((uintptr_t)c->pages / 4096 * 8)) != sizeof(c->ent))
            die("pagemap read failed");
}

static void ws_win(long n, void *ctx)
{
    struct ws_ctx *c = ctx;
    for (long i = 0; i < n; i++)
        if (!QueryWorkingSetEx(GetCurrentProcess(), c->info, sizeof(c->info)))
            die("QueryWorkingSetEx failed: %u", GetLastError());
}

void bench_nt_run(void)
{
    progress("18. NtAllocateVirtualMemory+NtFreeVirtualMemory\n");
    measure(alloc_raw, alloc_nt, alloc_win32, quick ? 200 : 2000, NULL, &A);
    progress("19. NtProtectVirtualMemory\n");
    struct prot_ctx pc = {mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                          VirtualAlloc(NULL, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)};
    measure(prot_raw, prot_nt, NULL, quick ? 2000 : 20000, &pc, &P);
    munmap(pc.raw, 4096);
    VirtualFree(pc.win, 0, MEM_RELEASE);
    progress("20. QueryWorkingSetEx, 1000 pages\n");
    static struct ws_ctx wc;
    wc.pages = VirtualAlloc(NULL, WS_PAGES * 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    memset(wc.pages, 1, WS_PAGES * 4096);
    for (int k = 0; k < WS_PAGES; k++)
        wc.info[k].VirtualAddress = wc.pages + k * 4096;
    wc.pagemap = open("/proc/self/pagemap", O_RDONLY);
    if (!wc.pages || wc.pagemap < 0)
        die("row 20: setup failed");
    measure(ws_raw, ws_win, NULL, quick ? 20 : 200, &wc, &W);
    if (!wc.info[0].VirtualAttributes.Valid)
        die("row 20: a written page is not valid");
    close(wc.pagemap);
    VirtualFree(wc.pages, 0, MEM_RELEASE);
    pass_ws = W.ratio <= TARGET_WS;
}

bool bench_nt_pass(void) { return pass_ws; }

void bench_nt_table(void)
{
    printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "18. NtAllocate+NtFreeVirtualMemory 64 KiB RW", A.raw_ns,
           A.win_ns, A.ratio, "info", "-");
    printf("%-48s %10s %10s %7.3fx %10s  %s\n", "    same, against VirtualAlloc+VirtualFree", "-", "-",
           A.alt_ratio, "info", "-");
    printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "19. NtProtectVirtualMemory 1 page RW<->RO", P.raw_ns,
           P.win_ns, P.ratio, "info", "-");
    printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "20. QueryWorkingSetEx 1000 pages / 1 pagemap pread",
           W.raw_ns, W.win_ns, W.ratio, "<= 1.50x", pass_ws ? "PASS" : "FAIL");
}

void bench_nt_json(FILE *f)
{
    fprintf(f, "    {\"id\": \"nt_alloc\", \"operation\": \"NtAllocateVirtualMemory+NtFreeVirtualMemory 64 KiB RW\", "
               "\"raw_ns\": %.1f, \"winvm_ns\": %.1f, \"ratio\": %.3f, \"ratio_q1\": %.4f, \"ratio_q3\": %.4f, "
               "\"ratio_vs_win32\": %.3f},\n",
            A.raw_ns, A.win_ns, A.ratio, A.q1, A.q3, A.alt_ratio);
    fprintf(f, "    {\"id\": \"nt_protect\", \"operation\": \"NtProtectVirtualMemory 1 page RW<->RO\", "
               "\"raw_ns\": %.1f, \"winvm_ns\": %.1f, \"ratio\": %.3f, \"ratio_q1\": %.4f, \"ratio_q3\": %.4f},\n",
            P.raw_ns, P.win_ns, P.ratio, P.q1, P.q3);
    fprintf(f, "    {\"id\": \"working_set_ex\", \"operation\": \"QueryWorkingSetEx 1000 pages vs one pagemap pread\", "
               "\"raw_ns\": %.1f, \"winvm_ns\": %.1f, \"ratio\": %.3f, \"target\": \"ratio <= 1.5\", \"pass\": %s},\n",
            W.raw_ns, W.win_ns, W.ratio, pass_ws ? "true" : "false");
}
