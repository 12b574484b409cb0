/* SPDX-License-Identifier: MIT */
/* bench.h - what the benchmark's parts share (bench.c: plumbing and rows 1-11; bench_image.c:
 * the image rows 12-15). */
#ifndef WV_BENCH_H
#define WV_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

extern bool quick;
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double now_ns(void);
double median(const double *v, int n);
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

#endif
