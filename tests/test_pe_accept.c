/* SPDX-License-Identifier: MIT */
/* test_pe_accept.c - which hand-made PE headers the parser accepts and which it refuses with
 * which status, as Windows does (the facts: Wine's kernel32 loader.c test_Loader table and its
 * NtCreateSection checks, as Windows 10 answers them), and where the accepted ones' section
 * data comes from.  Every buffer is an exact-size copy, so ASan catches any read outside. */
#include <criterion/criterion.h>

#include "pe/pe.h"

#include <stdlib.h>
#include <string.h>

static void ws(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void wd(uint8_t *p, uint32_t v) { ws(p, (uint16_t)v), ws(p + 2, (uint16_t)(v >> 16)); }

/* The shape of one image: the NT headers at dos (e_lfanew), a full PE32+ optional header
 * written whatever SizeOfOptionalHeader says, then (nsec) one .rodata section whose raw data
 * (raw_size bytes of 0x5a at raw, when past the headers) backs va; the file padded to at least 268 bytes. */
struct shape {
    uint32_t dos, nsec, opt_size, sa, fa, image, headers;
    uint32_t va, vsize, raw, raw_size;
};

static uint8_t *build(const struct shape *s, size_t *size)
{
    size_t n = 0x2000;
    uint8_t *f = calloc(1, n);
    uint8_t *c = f + s->dos + 4, *o = c + 20;
    uint8_t *sec = o + s->opt_size;
    wd(o + 20, s->dos); /* BaseOfCode: e_lfanew (offset 60) for a 0x10-byte DOS header */
    wd(o + 24, 0x10000000), wd(o + 32, s->sa), wd(o + 36, s->fa);
    wd(o + 56, s->image), wd(o + 60, s->headers);
    ws(o, 0x20b), ws(o + 68, 3);
    memcpy(f + s->dos, "PE\0\0", 4);
    ws(c, WV_PE_MACHINE_AMD64), ws(c + 2, (uint16_t)s->nsec), ws(c + 16, (uint16_t)s->opt_size);
    ws(c + 18, WV_PE_FILE_EXECUTABLE | WV_PE_FILE_DLL);
    size_t end = (size_t)(o - f) + (s->opt_size > 240 ? s->opt_size : 240);
    if (s->nsec) {
        memcpy(sec, ".rodata", 7);
        wd(sec + 8, s->vsize), wd(sec + 12, s->va), wd(sec + 16, s->raw_size), wd(sec + 20, s->raw);
        wd(sec + 36, WV_PE_SCN_MEM_READ);
        if ((size_t)(sec + 40 - f) > end)
            end = (size_t)(sec + 40 - f);
        if (s->raw >= end) /* data of its own; a raw pointer into the headers maps them */
            memset(f + s->raw, 0x5a, s->raw_size);
        if (s->raw + s->raw_size > end)
            end = s->raw + s->raw_size;
    }
    f[0] = 'M', f[1] = 'Z';
    if (s->dos >= 64)
        wd(f + 60, s->dos);
    cr_assert_eq(f[60] | f[61] << 8, s->dos, "the shape's e_lfanew overlaps a field that differs");
    *size = end < 268 ? 268 : end;
    uint8_t *exact = malloc(*size);
    memcpy(exact, f, *size);
    free(f);
    return exact;
}

static DWORD parse(const struct shape *s, wv_pe *pe)
{
    size_t n;
    uint8_t *f = build(s, &n);
    DWORD st = wv_pe_parse(pe, f, n);
    free(f);
    return st;
}

/* Sizes of the template's headers: DOS 0x40, NT 0x108, one section header 0x28. */
#define HDRS (0x40 + 0x108 + 0x28)

Test(pe_accept, image_size_need_not_cover_the_aligned_section)
{
    wv_pe pe;
    struct shape s = {0x40, 1, 240, 0x1000, 0x1000, HDRS + 0x1000, HDRS, 0x1000, 100, 0x40, 10};
    cr_assert_eq(parse(&s, &pe), 0, "%s", pe.reason);
    s.image = HDRS + 0xe00; /* stops before the section's first page: refused */
    cr_assert_eq(parse(&s, &pe), STATUS_INVALID_IMAGE_FORMAT);
    s.image = 0x1f00, s.headers = 0x1000;
    cr_assert_eq(parse(&s, &pe), 0, "%s", pe.reason);
}

Test(pe_accept, raw_pointer_rounded_down_to_a_sector)
{
    wv_pe pe;
    struct shape s = {0x40, 1, 240, 0x1000, 0x200, HDRS + 0x1000, HDRS, 0x1000, 100, 0x40, 10};
    size_t n;
    uint8_t *f = build(&s, &n);
    cr_assert_eq(wv_pe_parse(&pe, f, n), 0, "%s", pe.reason);
    cr_assert_eq(pe.sections[0].raw_ptr, 0);
    cr_assert_eq(pe.sections[0].raw_size, n, "the sector's leading bytes and tail come along, to EOF");
    const uint8_t *p = wv_pe_rva_ptr(&pe, 0x1040, 10);
    cr_assert_eq(p, f + 0x40, "RVA 0x1040 is file offset 0x40");
    cr_assert_null(wv_pe_rva_ptr(&pe, 0x1000 + n - 4, 5), "nothing past the end of the file");
    cr_assert_null(wv_pe_rva_ptr(&pe, 0x1000 + 100, 1), "nothing past VirtualSize");
    free(f);
    s.headers = 0x200;
    cr_assert_eq(parse(&s, &pe), 0, "%s", pe.reason);
}

Test(pe_accept, alignments)
{
    wv_pe pe;
    struct shape s = {0x40, 1, 240, 0x200, 0x1000, HDRS + 0x1000, HDRS, 0x1000, 100, 0x40, 10};
    cr_assert_eq(parse(&s, &pe), STATUS_INVALID_IMAGE_FORMAT, "FileAlignment above SectionAlignment");
    /* A flat image (SectionAlignment below a page): the section at SizeOfHeaders, unaligned. */
    struct shape flat = {0x40, 1, 240, 0x200, 0x200, HDRS + 0x200, HDRS, HDRS, 5, HDRS, 10};
    cr_assert_eq(parse(&flat, &pe), 0, "%s", pe.reason);
    cr_assert(wv_pe_flat(&pe));
}

Test(pe_accept, tiny_images)
{
    wv_pe pe;
    /* The 8k demos' image: 4-byte DOS header, SizeOfOptionalHeader 8, alignments 4. */
    struct shape demo = {0x04, 0, 8, 4, 4, 0x200000, 0x40, 0, 0, 0, 0};
    cr_assert_eq(parse(&demo, &pe), 0, "%s", pe.reason);
    cr_assert_eq(pe.size_of_image, 0x200000);
    /* upack's: a 0x10-byte DOS header, a 0x148-byte optional header. */
    struct shape upack = {0x10, 1, 0x148, 0x1000, 0x200, HDRS + 0x1000, 0x200, 0x1000, 100, 0x10, 10};
    cr_assert_eq(parse(&upack, &pe), 0, "%s", pe.reason);
    /* What XP loaded and Vista on refuse. */
    static const struct shape refused[] = {
        {0x40, 0, 64, 0x200, 0x200, 0xd0, 0xc0, 0, 0, 0, 0},
        {0x40, 0, 64, 0x200, 0x200, 0x1000, 0, 0, 0, 0, 0},
        {0x40, 0, 64, 4, 4, 1, 0, 0, 0, 0, 0},
        {0x40, 0, 64, 0x200, 0x200, 0, 0, 0, 0, 0, 0},
        {0x04, 0, 64, 4, 4, 1, 0, 0, 0, 0, 0},
        {0x40, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        cr_assert_eq(parse(&refused[i], &pe), STATUS_INVALID_IMAGE_FORMAT, "shape %zu", i);
}

Test(pe_accept, section_table_past_size_of_headers)
{
    wv_pe pe;
    /* SizeOfHeaders covers the NT headers but not the section table (Wine's module.c image). */
    struct shape s = {0x40, 1, 240, 0x1000, 0x1000, 0x2000, 0x40 + 0x108, 0x1000, 0, 0, 0x1000};
    cr_assert_eq(parse(&s, &pe), 0, "%s", pe.reason);
    cr_assert_eq(pe.size_of_headers, HDRS, "the headers grow to the table's end");
    cr_assert_eq(pe.sections[0].raw_size, 0, "PointerToRawData 0: no file data");
    cr_assert_eq(pe.sections[0].vsize, 0x1000, "but SizeOfRawData still sizes the section");
    cr_assert_null(wv_pe_rva_ptr(&pe, 0x1000, 1));
}

Test(pe_accept, entry_point_not_checked)
{
    wv_pe pe;
    struct shape s = {0x40, 1, 240, 0x1000, 0x1000, HDRS + 0x1000, HDRS, 0x1000, 100, 0x40, 10};
    size_t n;
    uint8_t *f = build(&s, &n);
    wd(f + 0x40 + 24 + 16, 0x12345678);
    cr_assert_eq(wv_pe_parse(&pe, f, n), 0, "%s", pe.reason);
    cr_assert_eq(pe.entry_rva, 0x12345678);
    free(f);
}

Test(pe_accept, ne_headers)
{
    static const struct {
        uint8_t exetyp;
        DWORD want;
    } t[] = {{0, STATUS_INVALID_IMAGE_NE_FORMAT}, {1, STATUS_INVALID_IMAGE_NE_FORMAT},
             {2, STATUS_INVALID_IMAGE_WIN_16}, {5, STATUS_INVALID_IMAGE_PROTECT}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint8_t f[0x100] = {'M', 'Z'};
        wd(f + 60, 0x40);
        f[0x40] = 'N', f[0x41] = 'E', f[0x40 + 0x36] = t[i].exetyp;
        wv_pe pe;
        cr_assert_eq(wv_pe_parse(&pe, f, sizeof(f)), t[i].want, "ne_exetyp %u", t[i].exetyp);
    }
}
