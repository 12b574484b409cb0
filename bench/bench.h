/* SPDX-License-Identifier: MIT */
/* bench.h - what the benchmark's parts share (bench.c and bench_mem.h's files: rows 1-11; bench_image.c:
 * the image rows 12-15; bench_rows.c: the rows' numbers and names, --rows; bench_wine.c: the
 * Wine column and row 25, with bench/wine_mem.c, the PE program they run). */
#ifndef WV_BENCH_H
#define WV_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

extern bool quick;
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double now_ns(void);
double median(const double *v, int n);
double bench_quartile(const double *v, int n, int q); /* q = 1 or 3 */
/* Adds the Pss and Rss (KiB) of pid's mappings inside [lo, hi); false when none. */
bool smaps_sum(pid_t pid, uintptr_t lo, uintptr_t hi, double *pss, double *rss);

/* bench_image.c */
void bench_images_run(const char *self);
void bench_images_table(void);
void bench_images_json(FILE *f);
bool bench_images_pass(void);
int bench_image_child_main(int argc, char **argv);

/* bench_nt.c: rows 18-20 */
void bench_nt_run(void);
void bench_nt_table(void);
void bench_nt_json(FILE *f);
bool bench_nt_pass(void);

/* bench_scale.c: rows 25-27 (issue 16) */
void bench_scale_run(void);
void bench_scale_table(void);
void bench_scale_json(FILE *f);
bool bench_scale_pass(void);

/* bench_seh.c: rows 21-22 */
void bench_seh_measure(void);
void bench_seh_table(void);
void bench_seh_json(FILE *f);

/* bench_run.c */
void bench_run_measure(void);
void bench_run_table(void);
void bench_run_json(FILE *f);

/* bench_progs.c: rows 23-24 */
void bench_progs_measure(void);
void bench_progs_table(void);
void bench_progs_json(FILE *f);

/* bench_rows.c: row numbers and names, the --rows filter */
#define BENCH_MAX_ROW 64
struct bench_row {
    int num;
    const char *name, *what;
};
int bench_rows_count(void);
const struct bench_row *bench_row_at(int i);
bool bench_rows_parse(const char *spec, char *bad, size_t bad_cap); /* false: bad names the token */
bool bench_row_on(int num);               /* chosen by --rows (every row without it) */
bool bench_rows_any(int first, int last); /* any of first..last chosen */
void bench_rows_list(FILE *f);

/* bench_wine.c: the memory rows in one PE program under winvm run and wine64; row 25 */
extern bool bench_no_wine;
const char *bench_wine64(void); /* wine64's path, NULL when not installed */
void bench_wine_server(const char *wine64); /* a wineserver up 10 s after its last client */
void bench_wine_measure(void);
double bench_wine_ratio(const char *id); /* winvm/Wine for a row id; NAN when not measured */
void bench_wine_table(void);
void bench_wine_json(FILE *f);
void bench_pe_alloc_measure(void);
void bench_pe_alloc_table(void);
void bench_pe_alloc_json(FILE *f);

#endif
