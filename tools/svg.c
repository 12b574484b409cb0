/* SPDX-License-Identifier: MIT */
/* svg.c - the seed's figures drawn from measured pages: each process a row of virtual pages,
 * physical memory a row of frames below, an arrow from every resident page to its frame.
 * Frames several processes map are blue; private copies orange, placed after the shared ones. */
#include "pages.h"

#include <stdlib.h>
#include <string.h>

#define BOX 34
#define GAP 8
#define LEFT_MIN 250
#define CHAR_W 7 /* monospace at font-size 11: labels are measured, never overlap the boxes */
#define ROW_H 80

/* The colours of the drawing, and the legend's: one table, so they cannot disagree. */
enum { C_SHARED, C_COPY, C_ALONE, C_ABSENT, C_COUNT };
static const struct {
    const char *fill, *meaning;
} colours[C_COUNT] = {
    [C_SHARED] = {"#6fa8dc", "one physical page, mapped by several processes (or rows)"},
    [C_COPY] = {"#f4a340", "a private copy (written: copy-on-write)"},
    [C_ALONE] = {"#cfe2f3", "resident, mapped here only"},
    [C_ABSENT] = {"#dddddd", "not resident"},
};

struct frame {
    uint64_t id;
    int users;       /* rows mapping it */
    unsigned mapped; /* processes mapping it (kpagecount, root only) */
    bool copy;
    double x;
};

static struct frame *find(struct frame *fr, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (fr[i].id == id)
            return &fr[i];
    return NULL;
}

/* A page's colour: its frame's (NULL: not resident).  Shared only when truly so: several rows
 * here map it, or the kernel counts several mappings (root). */
static int frame_colour(const struct frame *x)
{
    if (!x)
        return C_ABSENT;
    if (x->copy)
        return C_COPY;
    return x->users > 1 || x->mapped > 1 ? C_SHARED : C_ALONE;
}

void svg_draw(FILE *f, const char *title, const struct svg_row *rows, size_t nrows,
              const char *(*col_label)(size_t i, void *arg), void *arg)
{
    size_t cap = 0, nf = 0, cols = 0;
    for (size_t r = 0; r < nrows; r++) {
        cap += rows[r].n;
        cols = rows[r].n > cols ? rows[r].n : cols;
    }
    struct frame *fr = calloc(cap ? cap : 1, sizeof(*fr));
    if (!fr)
        return;
    /* Frames in order of first use, shared ones first (aligned under the pages using them). */
    for (int pass = 0; pass < 2; pass++)
        for (size_t r = 0; r < nrows; r++)
            for (size_t i = 0; i < rows[r].n; i++) {
                const struct page_info *p = &rows[r].pages[i];
                if (!p->present || p->copy != (pass == 1))
                    continue;
                struct frame *x = find(fr, nf, p->frame);
                if (!x) {
                    x = &fr[nf++];
                    x->id = p->frame, x->copy = p->copy;
                }
                x->users++;
                if (p->mapcount > x->mapped)
                    x->mapped = p->mapcount;
            }
    size_t longest = 0;
    for (size_t r = 0; r < nrows; r++)
        longest = strlen(rows[r].label) > longest ? strlen(rows[r].label) : longest;
    double left = (double)(longest * CHAR_W + 20) > LEFT_MIN ? (double)(longest * CHAR_W + 20) : LEFT_MIN;
    double step = BOX + GAP, fx = left;
    for (size_t k = 0; k < nf; k++, fx += step)
        fr[k].x = fx;
    double width = left + (nf > cols ? nf : cols) * step + 40;
    if (width < 760)
        width = 760; /* room for the legend */
    double top = 60 + C_COUNT * 16 + 24; /* title, legend, page axis */
    double height = top + nrows * ROW_H + 120;
    double frame_y = top + nrows * ROW_H + 30;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "font-family=\"monospace\" font-size=\"11\">\n", width, height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>\n", title);
    for (int c = 0; c < C_COUNT; c++) /* the legend: swatches in the drawing's own colours */
        fprintf(f, "<rect x=\"10\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\" stroke=\"black\"/>"
                   "<text x=\"28\" y=\"%d\">%s</text>\n",
                34 + c * 16, colours[c].fill, 44 + c * 16, colours[c].meaning);
    double axis_y = top - 6;
    for (size_t i = 0; i < cols; i++) { /* the page axis: the caller's labels, else offsets */
        char off[32];
        const char *label = col_label ? col_label(i, arg) : (snprintf(off, sizeof(off), "+%zx", i * 0x1000), off);
        if (col_label || i % 4 == 0)
            fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"9\">%s</text>\n", left + i * step, axis_y, label);
    }
    /* Arrows first, boxes over them: a page's arrow starts under its own box. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t r = 0; r < nrows; r++) {
            double y = top + r * ROW_H;
            if (pass == 1)
                fprintf(f, "<text x=\"10\" y=\"%.0f\">%s</text>\n", y + BOX / 2 + 4, rows[r].label);
            for (size_t i = 0; i < rows[r].n; i++) {
                const struct page_info *p = &rows[r].pages[i];
                struct frame *x = p->present ? find(fr, nf, p->frame) : NULL;
                double px = left + i * step;
                if (pass == 0 && x)
                    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" "
                               "stroke-opacity=\"0.45\"/>\n",
                            px + BOX / 2.0, y + BOX, x->x + BOX / 2.0, frame_y, x->copy ? "#c06000" : "#1c4587");
                if (pass == 1)
                    fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" fill=\"%s\" "
                               "stroke=\"black\"/>\n",
                            px, y, BOX, BOX, colours[frame_colour(x)].fill);
            }
        }
    fprintf(f, "<text x=\"10\" y=\"%.0f\" font-weight=\"bold\">physical memory</text>\n", frame_y + BOX / 2 + 4);
    for (size_t k = 0; k < nf; k++)
        fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"black\"/>\n",
                fr[k].x, frame_y, BOX, BOX, colours[frame_colour(&fr[k])].fill);
    fprintf(f, "</svg>\n");
    free(fr);
}
