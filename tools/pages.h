/* SPDX-License-Identifier: MIT */
/* pages.h - what backs each page of another process (pages.c), and drawing it (svg.c). */
#ifndef WINVM_PAGES_H
#define WINVM_PAGES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct page_info {
    bool present;  /* resident (or swapped) */
    bool copy;     /* anonymous: this process's private copy */
    uint64_t pfn;  /* physical frame (root only), else 0 */
    uint64_t frame; /* identity of the physical page: the pfn when known, else (inode, offset)
                     * of the page-cache page for file pages, a unique value for copies */
    unsigned mapcount; /* processes mapping the frame (root: /proc/kpagecount), else 0 */
};

/* Reads pages [start, start + n pages) of pid. 0 or -1 (errno). */
int pages_read(pid_t pid, uint64_t start, size_t n, struct page_info *out);

/* One row of the picture: a process's view of one image. */
struct svg_row {
    const char *label;  /* e.g. "A  pid 123  demolib.dll at 0x7ff0000000" */
    const struct page_info *pages;
    size_t n;
};

/* Draws rows of pages over one row of physical frames, an arrow from each resident page to its
 * frame: frames used by several rows in blue, private copies in orange (the seed's figures).
 * col_label(i) names page i (e.g. its RVA). */
void svg_draw(FILE *f, const char *title, const struct svg_row *rows, size_t nrows,
              const char *(*col_label)(size_t i, void *arg), void *arg);

#endif
