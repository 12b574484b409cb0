/* SPDX-License-Identifier: MIT */
/* layout.c - an image's page-aligned layout and its relocation, as pure functions over the file's
 * bytes (no mapping, no state): what the image cache stores, what private copies hold, and the
 * fixups applied in place.  Fuzzed with the parser (fuzz/fuzz_pe.c). */
#include "section/section.h"

#include <string.h>

bool wv_image_flat(const wv_pe *pe)
{
    return wv_pe_flat(pe);
}

/* The extent of section s in the image: [va, va + span) page rounded. */
uint64_t wv_sec_span(const wv_pe_section *s)
{
    return wv_page_up((uint64_t)(s->vsize ? s->vsize : s->raw_size));
}

/* Bytes of section s that come from the file. */
uint64_t wv_sec_filesz(const wv_pe_section *s)
{
    return s->vsize && s->vsize < s->raw_size ? s->vsize : s->raw_size;
}

/* True when every page the image takes from the file can be mapped straight from it: each
 * section starts on a page in the file and in the image, and no page would show bytes that
 * are not the section's (another section's data, or padding that is not zero).  Reads the
 * parsed buffer (pe->data), which must be the whole file. */
bool wv_image_direct(const wv_pe *pe)
{
    if (!wv_pe_page_aligned(pe) || (pe->file_alignment & 511)) /* flat images: the cache */
        return false;
    uint64_t hdr_end = wv_page_up(pe->size_of_headers);
    if (hdr_end > wv_page_up(pe->size))
        return false; /* SizeOfHeaders past the file: a header page past its end would fault */
    for (uint64_t o = pe->size_of_headers; o < hdr_end && o < pe->size; o++)
        if (pe->data[o])
            return false;
    for (unsigned i = 0; i < pe->nsections; i++) {
        const wv_pe_section *s = &pe->sections[i];
        uint64_t fsz = wv_sec_filesz(s), end = s->raw_ptr + wv_page_up(fsz);
        /* The last page's tail must read as zero: the section's own zero padding, or past
         * the end of the file (the kernel zero-fills). */
        if (end > s->raw_ptr + s->raw_size && end < pe->size)
            return false;
        if (end > wv_page_up(pe->size))
            return false; /* a page wholly past the end of the file would fault (SIGBUS) */
        for (uint64_t o = s->raw_ptr + fsz; o < end && o < pe->size; o++)
            if (pe->data[o])
                return false;
        if (s->va < hdr_end)
            return false;
    }
    return true;
}

DWORD wv_image_layout(struct wv_image *img, uint64_t base, uint8_t *buf)
{
    const wv_pe *pe = &img->pe;
    if (wv_image_flat(pe)) { /* the file as it is */
        memcpy(buf, img->file, img->file_size < img->size ? img->file_size : img->size);
        return base == pe->image_base ? 0 : wv_image_fixups(img, base, buf);
    }
    memcpy(buf, img->file, pe->size_of_headers < img->file_size ? pe->size_of_headers : img->file_size);
    for (unsigned k = 0; k < pe->nsections; k++) {
        const wv_pe_section *s = &pe->sections[k];
        uint64_t fsz = wv_sec_filesz(s);
        if (s->raw_ptr + fsz > img->file_size) /* the parser allows a short last section */
            fsz = s->raw_ptr < img->file_size ? img->file_size - s->raw_ptr : 0;
        if (s->va + fsz > img->size)
            fsz = s->va < img->size ? img->size - s->va : 0;
        memcpy(buf + s->va, img->file + s->raw_ptr, fsz);
    }
    return base == pe->image_base ? 0 : wv_image_fixups(img, base, buf);
}

struct wv_fix {
    uint8_t *mem;
    uint64_t size;
    uint64_t delta;
    DWORD err;
};

static int wv_fix_one(void *arg, const wv_pe_reloc *r)
{
    struct wv_fix *f = arg;
    static const uint8_t width[16] = {[WV_PE_REL_HIGH] = 2, [WV_PE_REL_LOW] = 2,
                                      [WV_PE_REL_HIGHLOW] = 4, [WV_PE_REL_DIR64] = 8};
    if (r->type == WV_PE_REL_ABSOLUTE)
        return 0;
    uint64_t at = (uint64_t)r->page_rva + r->offset;
    if (r->type >= 16 || !width[r->type] || at + width[r->type] > f->size) {
        f->err = ERROR_BAD_EXE_FORMAT;
        return 1;
    }
    uint8_t *p = f->mem + at;
    uint64_t v64;
    uint32_t v32;
    uint16_t v16;
    switch (r->type) {
    case WV_PE_REL_DIR64:
        memcpy(&v64, p, 8), v64 += f->delta, memcpy(p, &v64, 8);
        break;
    case WV_PE_REL_HIGHLOW:
        memcpy(&v32, p, 4), v32 += (uint32_t)f->delta, memcpy(p, &v32, 4);
        break;
    case WV_PE_REL_HIGH:
        memcpy(&v16, p, 2), v16 = (uint16_t)(v16 + (uint16_t)(f->delta >> 16)), memcpy(p, &v16, 2);
        break;
    case WV_PE_REL_LOW:
        memcpy(&v16, p, 2), v16 = (uint16_t)(v16 + (uint16_t)f->delta), memcpy(p, &v16, 2);
        break;
    }
    return 0;
}

DWORD wv_image_fixups(struct wv_image *img, uint64_t base, uint8_t *mem)
{
    struct wv_fix f = {mem, img->size, base - img->pe.image_base, 0};
    DWORD st = wv_pe_relocs(&img->pe, wv_fix_one, &f);
    return f.err ? f.err : st ? ERROR_BAD_EXE_FORMAT : 0;
}

