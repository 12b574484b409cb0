/* svg.c - the seed's figures drawn from measured pages: each process a row of virtual pages,
 * physical memory a row of frames below, an arrow from every resident page to its frame.
 * Frames several processes map are blue; private copies orange, placed after the shared ones. */
#include "pages.h"

#include <stdlib.h>
#include <string.h>

#define BOX 34
#define GAP 8
#define LEFT 250
#define ROW_H 80

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
    double step = BOX + GAP, fx = LEFT;
    for (size_t k = 0; k < nf; k++, fx += step)
        fr[k].x = fx;
    double width = LEFT + (nf > cols ? nf : cols) * step + 40;
    double height = 70 + nrows * ROW_H + 120;
    double frame_y = 60 + nrows * ROW_H + 30;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "font-family=\"monospace\" font-size=\"11\">\n", width, height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>\n", title);
    fprintf(f, "<text x=\"10\" y=\"40\">blue: one physical page mapped by several processes; orange: a "
               "process's private copy; grey: not resident</text>\n");
    for (size_t i = 0; i < cols && col_label; i++)
        fprintf(f, "<text x=\"%.0f\" y=\"56\" font-size=\"9\">%s</text>\n", LEFT + i * step, col_label(i, arg));
    /* Arrows first, boxes over them: a page's arrow starts under its own box. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t r = 0; r < nrows; r++) {
            double y = 62 + r * ROW_H;
            if (pass == 1)
                fprintf(f, "<text x=\"10\" y=\"%.0f\">%s</text>\n", y + BOX / 2 + 4, rows[r].label);
            for (size_t i = 0; i < rows[r].n; i++) {
                const struct page_info *p = &rows[r].pages[i];
                struct frame *x = p->present ? find(fr, nf, p->frame) : NULL;
                double px = LEFT + i * step;
                if (pass == 0 && x)
                    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" "
                               "stroke-opacity=\"0.45\"/>\n",
                            px + BOX / 2.0, y + BOX, x->x + BOX / 2.0, frame_y, x->copy ? "#c06000" : "#1c4587");
                if (pass == 1) {
                    const char *fill = !x ? "#dddddd" : x->copy ? "#f4a340"
                                       : x->users > 1 || x->mapped > 1 ? "#6fa8dc" : "#cfe2f3";
                    fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" fill=\"%s\" "
                               "stroke=\"black\"/>\n",
                            px, y, BOX, BOX, fill);
                }
            }
        }
    fprintf(f, "<text x=\"10\" y=\"%.0f\" font-weight=\"bold\">physical memory</text>\n", frame_y + BOX / 2 + 4);
    for (size_t k = 0; k < nf; k++)
        fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"black\"/>\n",
                fr[k].x, frame_y, BOX, BOX, fr[k].copy ? "#f4a340" : fr[k].users > 1 || fr[k].mapped > 1 ? "#6fa8dc" : "#cfe2f3");
    fprintf(f, "</svg>\n");
    free(fr);
}
