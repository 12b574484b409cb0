/* SPDX-License-Identifier: MIT */
/* bench_report.c - the machine, the table on stdout and the JSON object. */
#define _GNU_SOURCE
#include "bench_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- machine info ---- */


static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void get_machine(struct machine *m)
{
    if (uname(&m->uts) != 0)
        die("uname failed: %s", strerror(errno));
    m->nproc = sysconf(_SC_NPROCESSORS_ONLN);
    time_t t = time(NULL);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(m->date, sizeof(m->date), "%Y-%m-%dT%H:%M:%SZ", &tm))
        strcpy(m->date, "unknown");
    strcpy(m->cpu, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof(line), f)) {
            char *colon = strchr(line, ':');
            if (strncmp(line, "model name", 10) == 0 && colon) {
                colon++;
                while (*colon == ' ')
                    colon++;
                colon[strcspn(colon, "\n")] = 0;
                snprintf(m->cpu, sizeof(m->cpu), "%s", colon);
                break;
            }
        }
        fclose(f);
    }
}

/* ---- report ---- */



static const char *verdict(bool pass) { return pass ? "PASS" : "FAIL"; }

#define SEP "------------------------------------------------------------------------------------------------------------"

/* The "vs Wine" column: winvm/Wine of the PE program's same operation (bench_wine.c). */
static void wine_cell(const char *id)
{
    double w = bench_wine_ratio(id);
    if (isnan(w))
        printf(" -\n");
    else
        printf(" %6.3fx\n", w);
}

static void print_rows_1_5(const struct results *r)
{
    if (bench_row_on(1)) {
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %-6s", "1. VirtualAlloc+VirtualFree 64 KiB RW",
               r->alloc.raw_ns, r->alloc.win_ns, r->alloc.ratio_med, "<= 1.10x",
               verdict(r->pass_alloc));
        wine_cell("alloc_free_64k");
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "   same, one other winvm reservation live",
               r->alloc_nb.raw_ns, r->alloc_nb.win_ns, r->alloc_nb.ratio_med, "info", "-");
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "   same, raw with MAP_NORESERVE (winvm's flags)",
               r->alloc.alt_ns, r->alloc.win_ns, r->alloc.alt_ratio_med, "info", "-");
    }
    if (bench_row_on(2)) {
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %-6s", "2. VirtualProtect 1 page RW<->RO (per call)",
               r->protect.raw_ns, r->protect.win_ns, r->protect.ratio_med, "<= 1.10x",
               verdict(r->pass_protect));
        wine_cell("protect_1page");
    }
    if (bench_row_on(3)) {
        for (int q = 0; q < NQ; q++) {
            char name[64];
            snprintf(name, sizeof(name), "3. VirtualQuery, %ld live allocations", r->query[q].n);
            printf("%-48s %10s %10.1f %8s %10s  %-6s", name, "-", r->query[q].ns_med, "-",
                   "<= 100 ns", verdict(r->pass_query[q]));
            snprintf(name, sizeof(name), "virtual_query_%ld", r->query[q].n);
            wine_cell(name);
        }
        printf("%-48s %10s %10.1f %8s %10s  %s\n", "   VirtualQuery, 100000 live, 10 queried (hot)", "-",
               r->query_hot.ns_med, "-", "info", "-");
        printf("%-48s %10s %10s %7.3fx %10s  %s\n", "   flatness of the lookup: hot 100000 / N=10", "-",
               "-", r->query_hot_flat, "<= 1.50x", verdict(r->pass_flat));
        printf("%-48s %10s %10s %7.3fx %10s  %s\n", "   cold N=100000 / N=10 (cache misses)", "-", "-",
               r->query_flat, "info", "-");
    }
    if (bench_row_on(4)) {
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %-6s", "4. Reserve 1 GiB, 1000 x commit 1 page, release",
               r->commit.raw_ns, r->commit.win_ns, r->commit.ratio_med, "<= 1.05x",
               verdict(r->pass_commit));
        wine_cell("reserve_1g_commit_1000");
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "   same, one other winvm reservation live",
               r->commit_nb.raw_ns, r->commit_nb.win_ns, r->commit_nb.ratio_med, "info", "-");
    }
    if (bench_row_on(5)) {
        printf("%-48s %9.2fx %9.2fx %7.3fx %10s  %s\n", "5. 2-thread scaling, 64 KiB alloc+free (2T/1T)",
               r->scale.raw_speedup_med, r->scale.win_speedup_med, r->scale.rel_med, "info", "-");
        printf("%-48s %9.2fx %9.2fx %7.3fx %10s  %s\n", "   same, one other winvm reservation live",
               r->scale_nb.raw_speedup_med, r->scale_nb.win_speedup_med, r->scale_nb.rel_med, "info",
               "-");
    }
    if (bench_row_on(5) && bench_row_on(1))
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "1. alloc+free, after a 2nd thread used winvm",
               r->alloc_mt.raw_ns, r->alloc_mt.win_ns, r->alloc_mt.ratio_med, "info", "-");
    if (bench_row_on(5) && bench_row_on(2))
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "2. protect, after a 2nd thread used winvm",
               r->protect_mt.raw_ns, r->protect_mt.win_ns, r->protect_mt.ratio_med, "info", "-");
    if (bench_row_on(5) && bench_row_on(4))
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "4. 1 GiB + 1000 commits, after a 2nd thread",
               r->commit_mt.raw_ns, r->commit_mt.win_ns, r->commit_mt.ratio_med, "info", "-");
}

static void print_rows_6_11(const struct results *r)
{
    if (bench_row_on(6)) {
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %-6s", "6. guard-page hit -> vectored handler -> resume",
               r->guard_hit.raw_ns, r->guard_hit.win_ns, r->guard_hit.ratio_med, "<= 1.20x",
               verdict(r->pass_guard));
        wine_cell("guard_page_hit");
    }
    if (bench_row_on(7))
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "7. access violation caught by winvm_try",
               r->av_try.raw_ns, r->av_try.win_ns, r->av_try.ratio_med, "<= 1.30x",
               verdict(r->pass_av_try));
    if (bench_row_on(8)) {
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %-6s",
               r->watch_kernel ? "8. write watch: 10000 pages + GetWriteWatch+reset"
                               : "8. write watch (kernel path unavailable)",
               r->watch.raw_ns, r->watch.win_ns, r->watch.ratio_med,
               r->watch_kernel ? "info, r28" : "n/a", "-");
        wine_cell("write_watch_10000");
        if (r->watch_fb_ok)
            printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "   same, mprotect fallback (child process)",
                   r->watch_fb.raw_ns, r->watch_fb.win_ns, r->watch_fb.ratio_med, "info", "-");
    }
    if (bench_row_on(9)) {
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %-6s", "9. CreateFileMapping+MapView+Unmap+Close 64 KiB",
               r->section.raw_ns, r->section.win_ns, r->section.ratio_med, "<= 1.30x",
               verdict(r->pass_section));
        wine_cell("section_create_map_64k");
    }
    if (bench_row_on(10)) {
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "10. VirtualQuery, COPY view 1000 pg/500 written, pg 0",
               r->cow.nsg_med, r->cow.ns0_med, r->cow.ratio0_med, "<= 1.50x", verdict(r->pass_cow0));
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "    same, a random page of the view", r->cow.nsg_med,
               r->cow.nsr_med, r->cow.ratior_med, "<= 1.50x", verdict(r->pass_cowr));
        printf("%-48s %10.0f %10.0f %7.3fx %10s  %s\n", "    page 0, against one pread of the page map",
               r->cow.nsp_med, r->cow.ns0_med, r->cow.ns0_med / r->cow.nsp_med, "info", "-");
        printf("%-48s %10s %10.0f %8s %10s  %s\n", "    page 0, a page fault before each query", "-",
               r->cow.nsf_med, "-", "info", "-");
        printf("%-48s %10s %10.0f %8s %10s  %s\n", "    first query after the 500 writes (one call)", "-",
               r->cow.first_ns, "-", "info", "-");
    }
    if (bench_row_on(11)) {
        if (r->pss.ok)
            printf("%-48s %9.0fK %9.0fK %7.3fx %10s  %s\n", "11. 16 processes map one section RO: total PSS",
                   (double)r->pss.bytes / KIB, r->pss.pss_kib, r->pss.ratio, "<= 1.02x",
                   verdict(r->pass_pss));
        else
            printf("%-48s %10s %10s %8s %10s  %s\n", "11. 16 processes map one section RO: total PSS", "-",
                   "-", "-", "<= 1.02x", "FAIL (children failed)");
    }
}

void print_table(const struct results *r)
{
    printf("winvm-bench (%s mode)  %s  %s %s  nproc=%ld  %s\n", quick ? "quick" : "full",
           r->machine.date, r->machine.uts.sysname, r->machine.uts.release, r->machine.nproc,
           r->machine.cpu);
    printf("%s\n", SEP);
    printf("%-48s %10s %10s %8s %10s  %-6s %s\n", "operation", "raw ns", "winvm ns", "ratio",
           "target", "result", "vs Wine");
    printf("%s\n", SEP);
    print_rows_1_5(r);
    print_rows_6_11(r);
    printf("%s\n", SEP);
    if (bench_row_on(5))
    printf("Rows 1, 2 and 4 run before any second thread exists; the rows marked 'after a 2nd\n"
               "thread' repeat them once row 5 has run threads, to show a threaded process pays the same.\n");
    if (bench_rows_any(1, 4))
    printf("Ratios: median over %d rounds of the per-round winvm/raw ratio (batches alternate, so\n"
               "drift cancels); ns columns: medians of per-round ns.  Row 1 ns are per alloc+free pair,\n"
               "row 2 per call, row 4 per whole cycle (%.0f / %.0f ns per commit, raw / winvm).\n",
               r->rounds, r->commit.raw_ns / COMMIT_PAGES, r->commit.win_ns / COMMIT_PAGES);
    if (bench_row_on(5))
    printf("Row 5: raw and winvm columns are speedups (2-thread total ops/s over 1-thread ops/s),\n"
               "ratio = winvm speedup / raw speedup.  Pairs/s 1T -> 2T: raw %.0f -> %.0f, winvm %.0f ->\n"
               "%.0f; with a live reservation: raw %.0f -> %.0f, winvm %.0f -> %.0f.\n",
               r->scale.raw1_ops, r->scale.raw2_ops, r->scale.win1_ops, r->scale.win2_ops,
               r->scale_nb.raw1_ops, r->scale_nb.raw2_ops, r->scale_nb.win1_ops, r->scale_nb.win2_ops);
    if (bench_row_on(8))
    printf("Row 8 ns are per cycle (%d page writes + one harvest); raw = SIGSEGV handler that\n"
               "mprotects each page read-write and records it, then one mprotect read-only.  Info:\n"
               "the fault dominates either way; the target is row 28's, against the kernel mechanism.\n",
               WATCH_PAGES);
    if (bench_rows_any(9, 11))
    printf("Row 9 raw: memfd_create + ftruncate + mmap(MAP_SHARED) + munmap + close.  Row 10 ns per\n"
               "VirtualQuery (answers checked).  Which pages are copies is in the view's %d pagemap\n"
               "entries; winvm skips reading them while the process has taken no page fault since it\n"
               "last read the range (a copy needs one), a fact one getrusage tells: that call is row 10's\n"
               "raw column and floor.  The 'page fault before each' line is the cost without the skip.\n"
               "  Row 11: raw = the section's size, winvm = Pss summed over the %d children's\n"
               "views (/proc/PID/smaps), %.0f KiB Rss in all; ratio = total Pss / one copy.\n",
               COW_PAGES, r->pss.procs, r->pss.rss_kib);
    if (quick)
        printf("Quick mode: few iterations, figures are indicative only; targets not enforced.\n");
    printf("%s\n\n", r->all_pass ? "All targets met." : "Some targets missed.");
}

/* "wine_ratio": winvm/Wine of the PE program's same operation (bench_wine.c), or null. */
static void json_wine(FILE *f, const char *id)
{
    double w = bench_wine_ratio(id);
    if (isnan(w))
        fprintf(f, "\"wine_ratio\": null, ");
    else
        fprintf(f, "\"wine_ratio\": %.4f, ", w);
}

static void json_pair(FILE *f, const char *id, const char *op, const struct pair *m,
                      const char *target, int pass, const char *unit)
{
    fprintf(f, "    {\"id\": \"%s\", \"operation\": ", id);
    json_string(f, op);
    fprintf(f, ", \"unit\": \"%s\", \"raw_ns\": %.1f, \"winvm_ns\": %.1f, \"ratio\": %.4f, "
               "\"ratio_min\": %.4f, \"ratio_max\": %.4f, \"ratio_q1\": %.4f, \"ratio_q3\": %.4f, ",
            unit, m->raw_ns, m->win_ns, m->ratio_med, min_of(m->ratio, m->rounds),
            max_of(m->ratio, m->rounds), bench_quartile(m->ratio, m->rounds, 1),
            bench_quartile(m->ratio, m->rounds, 3));
    json_wine(f, id);
    if (m->alt_fn)
        fprintf(f, "\"raw_noreserve_ns\": %.1f, \"ratio_to_raw_noreserve\": %.4f, ", m->alt_ns,
                m->alt_ratio_med);
    fprintf(f, "\"target\": \"%s\", \"pass\": %s, \"rounds\": %d, \"iterations_per_round\": %ld},\n",
            target, pass < 0 ? "null" : pass ? "true" : "false", m->rounds, m->iters);
}

static void json_scaling(FILE *f, const char *id, const char *op, const struct scaling *s)
{
    fprintf(f, "    {\"id\": \"%s\", \"operation\": ", id);
    json_string(f, op);
    fprintf(f, ", \"unit\": \"alloc+free pairs per second\", \"raw_ops_1t\": %.0f, "
               "\"raw_ops_2t\": %.0f, \"winvm_ops_1t\": %.0f, \"winvm_ops_2t\": %.0f, "
               "\"raw_speedup\": %.4f, \"winvm_speedup\": %.4f, "
               "\"winvm_speedup_over_raw_speedup\": %.4f, \"target\": \"info\", \"pass\": null, "
               "\"rounds\": %d, \"iterations_per_thread\": %ld},\n",
            s->raw1_ops, s->raw2_ops, s->win1_ops, s->win2_ops, s->raw_speedup_med,
            s->win_speedup_med, s->rel_med, s->rounds, s->iters);
}

static void json_query_point(FILE *f, const char *sep, const struct query_result *q, bool pass)
{
    char id[64];
    snprintf(id, sizeof(id), "virtual_query_%ld", q->n);
    fprintf(f, "%s{\"n\": %ld, \"winvm_ns\": %.2f, \"min_ns\": %.2f, \"max_ns\": %.2f, "
               "\"q1_ns\": %.2f, \"q3_ns\": %.2f, ",
            sep, q->n, q->ns_med, min_of(q->ns, q->rounds), max_of(q->ns, q->rounds),
            bench_quartile(q->ns, q->rounds, 1), bench_quartile(q->ns, q->rounds, 3));
    json_wine(f, id);
    fprintf(f, "\"pass\": %s}", pass ? "true" : "false");
}


static void json_rows_1_5(FILE *f, const struct results *r)
{
    if (bench_row_on(1)) {
        json_pair(f, "alloc_free_64k",
                  "VirtualAlloc(NULL, 64 KiB, MEM_RESERVE|MEM_COMMIT, PAGE_READWRITE) + "
                  "VirtualFree(MEM_RELEASE) vs mmap(64 KiB, RW, private anonymous) + munmap",
                  &r->alloc, "ratio <= 1.10", r->pass_alloc, "ns per alloc+free pair");
        json_pair(f, "alloc_free_64k_neighbour",
                  "as alloc_free_64k, with one other winvm reservation (64 KiB, MEM_RESERVE) live",
                  &r->alloc_nb, "info", -1, "ns per alloc+free pair");
    }
    if (bench_row_on(2))
        json_pair(f, "protect_1page",
                  "VirtualProtect 1 page PAGE_READWRITE <-> PAGE_READONLY vs mprotect RW <-> R",
                  &r->protect, "ratio <= 1.10", r->pass_protect, "ns per call");
    if (bench_row_on(4)) {
        json_pair(f, "reserve_1g_commit_1000",
                  "VirtualAlloc(1 GiB, MEM_RESERVE) + 1000 x VirtualAlloc(1 page, MEM_COMMIT) + "
                  "VirtualFree vs mmap(1 GiB, PROT_NONE, MAP_NORESERVE) + 1000 x mprotect + munmap",
                  &r->commit, "ratio <= 1.05", r->pass_commit, "ns per cycle");
        json_pair(f, "reserve_1g_commit_1000_neighbour",
                  "as reserve_1g_commit_1000, with one other winvm reservation (64 KiB) live",
                  &r->commit_nb, "info", -1, "ns per cycle");
    }
    if (bench_row_on(3)) {
        fprintf(f, "    {\"id\": \"virtual_query\", \"operation\": \"VirtualQuery at random addresses "
                   "among N live 64 KiB reservations (every 8th with 4 pages committed)\", "
                   "\"unit\": \"ns per call\", \"target\": \"ns <= %.0f, hot lookup flatness <= %.2f\", "
                   "\"points\": [",
                TARGET_QUERY_NS, TARGET_FLAT);
        for (int q = 0; q < NQ; q++)
            json_query_point(f, q ? ", " : "", &r->query[q], r->pass_query[q]);
        fprintf(f, "], \"flatness_ratio_100000_to_10\": %.4f, \"flatness_pass\": %s, "
                   "\"hot_10_of_100000_ns\": %.2f, \"hot_ratio_to_n10\": %.4f, "
                   "\"rounds\": %d, \"queries_per_round\": %d, \"setup_ns_per_alloc\": %.1f},\n",
                r->query_flat, r->pass_flat ? "true" : "false", r->query_hot.ns_med,
                r->query_hot_flat, r->query[0].rounds, QUERY_ADDRS, r->query_alloc_ns);
    }
    if (bench_row_on(5) && bench_row_on(1))
        json_pair(f, "alloc_free_64k_multithreaded", "as alloc_free_64k, after a second thread used winvm",
                  &r->alloc_mt, "info", -1, "ns per pair");
    if (bench_row_on(5) && bench_row_on(2))
        json_pair(f, "protect_1_page_multithreaded", "as protect_1_page, after a second thread used winvm",
                  &r->protect_mt, "info", -1, "ns per call");
    if (bench_row_on(5) && bench_row_on(4))
        json_pair(f, "reserve_1g_commit_1000_multithreaded",
                  "as reserve_1g_commit_1000, after a second thread used winvm", &r->commit_mt, "info", -1,
                  "ns per cycle");
    if (bench_row_on(5)) {
        json_scaling(f, "scaling_2_threads", "64 KiB alloc+free loops, 2 threads vs 1", &r->scale);
        json_scaling(f, "scaling_2_threads_neighbour",
                     "as scaling_2_threads, with one other winvm reservation live", &r->scale_nb);
    }
}

static void json_rows_6_11(FILE *f, const struct results *r)
{
    if (bench_row_on(6))
        json_pair(f, "guard_page_hit",
                  "guard-page hit -> vectored handler (EXCEPTION_CONTINUE_EXECUTION) -> access retried, "
                  "page re-armed with VirtualProtect(PAGE_READWRITE|PAGE_GUARD) vs SIGSEGV handler that "
                  "mprotects the page read-write and returns, page re-armed with mprotect(PROT_NONE)",
                  &r->guard_hit, "ratio <= 1.20", r->pass_guard, "ns per hit");
    if (bench_row_on(7))
        json_pair(f, "access_violation_try",
                  "access violation caught by winvm_try vs sigsetjmp + SIGSEGV handler that siglongjmps",
                  &r->av_try, "ratio <= 1.30", r->pass_av_try, "ns per caught fault");
    if (bench_row_on(8))
        json_pair(f, "write_watch_10000",
                  r->watch_kernel
                      ? "10,000 pages written then GetWriteWatch(WRITE_WATCH_FLAG_RESET), kernel path "
                        "(userfaultfd async write-protect + PAGEMAP_SCAN) vs mprotect read-only + "
                        "SIGSEGV handler that mprotects each page read-write and records it"
                      : "as write_watch_10000, but the kernel path was unavailable (fallback measured)",
                  &r->watch, r->watch_kernel ? "info (target: write_watch_uffd, row 28)" : "n/a", -1,
                  "ns per cycle");
    if (r->watch_fb_ok && bench_row_on(8))
        json_pair(f, "write_watch_10000_fallback",
                  "as write_watch_10000, winvm's mprotect + SIGSEGV fallback "
                  "(WINVM_WRITE_WATCH=fallback, measured in a child process)",
                  &r->watch_fb, "info", -1, "ns per cycle");
    if (bench_row_on(9))
        json_pair(f, "section_create_map_64k",
                  "CreateFileMappingA(INVALID_HANDLE_VALUE, PAGE_READWRITE, 64 KiB) + "
                  "MapViewOfFile(FILE_MAP_WRITE) + UnmapViewOfFile + CloseHandle vs memfd_create + "
                  "ftruncate + mmap(MAP_SHARED) + munmap + close",
                  &r->section, "ratio <= 1.30", r->pass_section, "ns per cycle");
    if (bench_row_on(10))
        fprintf(f, "    {\"id\": \"virtual_query_writecopy_view\", \"operation\": \"VirtualQuery on a "
                   "FILE_MAP_COPY view of %d pages with every other page written\", \"unit\": \"ns per "
                   "call\", \"page0_ns\": %.1f, \"page0_min_ns\": %.1f, \"page0_max_ns\": %.1f, "
                   "\"random_page_ns\": %.1f, \"random_min_ns\": %.1f, \"random_max_ns\": %.1f, "
                   "\"page0_after_a_fault_ns\": %.1f, \"first_query_after_writes_ns\": %.1f, "
                   "\"raw_pagemap_pread_ns\": %.1f, \"raw_getrusage_ns\": %.1f, \"ratio\": %.4f, "
                   "\"random_page_ratio\": %.4f, "
                   "\"target\": \"ratio <= 1.5 (query / one getrusage)\", \"pass\": %s, \"rounds\": %d},\n",
                COW_PAGES, r->cow.ns0_med, min_of(r->cow.ns0, r->cow.rounds),
                max_of(r->cow.ns0, r->cow.rounds), r->cow.nsr_med, min_of(r->cow.nsr, r->cow.rounds),
                max_of(r->cow.nsr, r->cow.rounds), r->cow.nsf_med, r->cow.first_ns, r->cow.nsp_med,
                r->cow.nsg_med, r->cow.ratio0_med, r->cow.ratior_med, r->pass_cow0 && r->pass_cowr ? "true" : "false", r->cow.rounds);
    if (bench_row_on(11))
        fprintf(f, "    {\"id\": \"section_shared_pss\", \"operation\": \"%d processes (fork+exec) "
                   "each map one named section FILE_MAP_READ and read every page; Pss of the views "
                   "summed\", \"unit\": \"KiB\", \"section_kib\": %.0f, \"total_pss_kib\": %.0f, "
                   "\"total_rss_kib\": %.0f, \"ratio\": %.4f, \"target\": \"ratio <= 1.02\", "
                   "\"pass\": %s},\n",
                r->pss.procs, (double)r->pss.bytes / KIB, r->pss.pss_kib, r->pss.rss_kib, r->pss.ratio,
                r->pass_pss ? "true" : "false");
}

/* The JSON object: every row ends with a comma, so the rows go to a buffer first and the
 * last comma is cut (with --rows any row can be the last). */
void write_json(FILE *f, const struct results *r)
{
    const struct machine *m = &r->machine;
    fprintf(f, "{\n  \"benchmark\": \"winvm-bench\",\n  \"mode\": \"%s\",\n",
            quick ? "quick" : "full");
    fprintf(f, "  \"machine\": {\"uname\": ");
    json_string(f, m->uts.sysname);
    fprintf(f, ", \"release\": ");
    json_string(f, m->uts.release);
    fprintf(f, ", \"version\": ");
    json_string(f, m->uts.version);
    fprintf(f, ", \"arch\": ");
    json_string(f, m->uts.machine);
    fprintf(f, ", \"nproc\": %ld, \"cpu\": ", m->nproc);
    json_string(f, m->cpu);
    fprintf(f, ", \"date\": \"%s\"},\n", m->date);
    fprintf(f, "  \"rows\": [\n");
    char *buf = NULL;
    size_t len = 0;
    FILE *rows = open_memstream(&buf, &len);
    if (!rows)
        die("open_memstream failed");
    json_rows_1_5(rows, r);
    json_rows_6_11(rows, r);
    if (bench_rows_any(1, 9))
        bench_wine_json(rows);
    if (bench_row_on(25))
        bench_pe_alloc_json(rows);
    if (bench_rows_any(12, 15))
        bench_images_json(rows);
    if (bench_rows_any(18, 20))
        bench_nt_json(rows);
    if (bench_rows_any(16, 17))
        bench_run_json(rows);
    if (bench_rows_any(23, 24))
        bench_progs_json(rows);
    if (bench_rows_any(21, 22))
        bench_seh_json(rows);
    if (bench_rows_any(26, 28))
        bench_scale_json(rows);
    if (fclose(rows) != 0)
        die("open_memstream: out of memory");
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == ','))
        len--;
    fprintf(f, "%.*s\n  ],\n  \"seconds_per_row\": {", (int)len, buf);
    free(buf);
    const char *sep = "";
    for (int n = 1; n < BENCH_MAX_ROW; n++)
        if (row_timed[n])
            fprintf(f, "%s\"%d\": %.1f", sep, n, row_seconds[n]), sep = ", ";
    if (row_seconds[BENCH_MAX_ROW] >= 0.1)
        fprintf(f, "%s\"wine\": %.1f", sep, row_seconds[BENCH_MAX_ROW]);
    fprintf(f, "},\n  \"all_pass\": %s\n}\n", r->all_pass ? "true" : "false");
}
