/* SPDX-License-Identifier: MIT */
/* pe.c - PE headers: DOS header, NT headers, optional header, data directories, section table.
 *
 * Invariants after wv_pe_parse() returns 0:
 *   - every section's [va, va + (vsize or raw_size)) rounded to a page is inside SizeOfImage
 *     rounded to a page, sections are in ascending order and do not overlap, none overlaps the
 *     headers;
 *   - every section's raw data [raw_ptr, raw_ptr + raw_size) is inside the buffer (raw_ptr as
 *     Windows maps it: rounded down to a sector, 0 meaning none);
 *   - every data directory (but SECURITY, a file offset) is inside SizeOfImage;
 *   - SizeOfHeaders covers the section table (extended to it) and, aligned, is inside
 *     SizeOfImage; it may pass the end of the buffer (Windows loads such images): the file's
 *     part of the headers is min(SizeOfHeaders, size);
 *   - the entry point is NOT checked (Windows creates such sections): its users check it.
 * Which headers are accepted follows what Windows does with the hand-made images of Wine's
 * kernel32 loader tests (test_Loader's table, as Windows 10 answers).
 * All sums are done in uint64_t from 32-bit fields, so none can wrap. */
#include "pe/pe.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_IMAGE_SIZE 0x80000000ull /* 2 GiB: larger SizeOfImage values are refused */
#define WV_OPT_MAX (112 + 8 * WV_PE_DIR_COUNT) /* the PE32+ optional header with every directory */
#define WV_SECTOR 512u /* section file offsets are rounded down to it, as Windows does */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

DWORD wv_pe_fail(wv_pe *pe, DWORD status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pe->reason, sizeof(pe->reason), fmt, ap);
    va_end(ap);
    pe->status = status;
    return status;
}

static bool pow2(uint32_t x) { return x && !(x & (x - 1)); }
static uint64_t align_up(uint64_t x, uint32_t a) { return (x + a - 1) & ~(uint64_t)(a - 1); }

bool wv_pe_flat(const wv_pe *pe)
{
    return pe->section_alignment < 4096 || (pe->file_alignment & (WV_SECTOR - 1));
}

DWORD wv_pe_status_to_error(DWORD status) { return status ? (DWORD)ERROR_BAD_EXE_FORMAT : 0; }

const char *wv_pe_machine_name(uint16_t machine)
{
    return machine == WV_PE_MACHINE_AMD64 ? "x86-64" : machine == WV_PE_MACHINE_I386 ? "i386" : "unknown";
}

DWORD wv_pe_section_protect(uint32_t c)
{
    static const DWORD table[8] = {
        /* -   */ PAGE_NOACCESS,      /* R   */ PAGE_READONLY,
        /* W   */ PAGE_WRITECOPY,     /* RW  */ PAGE_WRITECOPY,
        /* X   */ PAGE_EXECUTE,       /* RX  */ PAGE_EXECUTE_READ,
        /* WX  */ PAGE_EXECUTE_WRITECOPY, /* RWX */ PAGE_EXECUTE_WRITECOPY,
    };
    unsigned idx = ((c & WV_PE_SCN_MEM_READ) ? 1 : 0) | ((c & WV_PE_SCN_MEM_WRITE) ? 2 : 0) |
                   ((c & WV_PE_SCN_MEM_EXECUTE) ? 4 : 0);
    return table[idx];
}

bool wv_pe_page_aligned(const wv_pe *pe)
{
    for (unsigned i = 0; i < pe->nsections; i++) {
        const wv_pe_section *s = &pe->sections[i];
        if (s->raw_size && ((s->raw_ptr & 4095) || (s->va & 4095)))
            return false;
    }
    return pe->section_alignment >= 4096;
}

/* DOS header and "PE\0\0": returns the offset of the COFF file header. */
static DWORD parse_dos(wv_pe *pe, uint64_t *coff)
{
    if (pe->size == 0)
        return wv_pe_fail(pe, STATUS_INVALID_FILE_FOR_SECTION, "empty file");
    if (pe->size < 64)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_NOT_MZ, "file of %zu bytes is shorter than a DOS header (64)",
                    pe->size);
    if (rd16(pe->data) != 0x5a4d)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_NOT_MZ, "no MZ signature at offset 0");
    uint64_t lfanew = rd32(pe->data + 60);
    if (lfanew + 4 + 20 > pe->size)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_PROTECT,
                    "e_lfanew %#llx: NT headers past the end of the %zu-byte file", (unsigned long long)lfanew,
                    pe->size);
    if (rd16(pe->data + lfanew) == 0x454e) { /* "NE": ne_exetyp (offset 0x36) says which 16-bit OS */
        unsigned exetyp = lfanew + 0x37 <= pe->size ? pe->data[lfanew + 0x36] : 0;
        return wv_pe_fail(pe, exetyp == 2   ? STATUS_INVALID_IMAGE_WIN_16
                              : exetyp == 5 ? STATUS_INVALID_IMAGE_PROTECT
                                            : STATUS_INVALID_IMAGE_NE_FORMAT,
                          "NE (16-bit) executable, ne_exetyp %u", exetyp);
    }
    if (rd32(pe->data + lfanew) != 0x00004550)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_PROTECT, "no PE signature at e_lfanew %#llx",
                    (unsigned long long)lfanew);
    *coff = lfanew + 4;
    return 0;
}

/* Machine and magic must agree: PE32+ for x86-64, PE32 for i386. */
static DWORD check_machine(wv_pe *pe, uint16_t magic)
{
    if (magic != 0x10b && magic != 0x20b)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, "optional header magic %#x is neither PE32 nor PE32+",
                    magic);
    pe->pe32plus = magic == 0x20b;
    if (pe->machine == WV_PE_MACHINE_AMD64 && pe->pe32plus)
        return 0;
    if (pe->machine == WV_PE_MACHINE_I386 && !pe->pe32plus)
        return 0;
    return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, "machine %#x with %s optional header is not supported",
                pe->machine, pe->pe32plus ? "PE32+" : "PE32");
}

/* The optional header: fields whose offsets differ between PE32 and PE32+ are read by layout.
 * o is a zero-padded copy of the WV_OPT_MAX bytes at the optional header: Windows reads its
 * fields whatever SizeOfOptionalHeader says (which only places the section table: 8k demos
 * declare 8 and load), a field past the end of the file reading as zero. */
static DWORD parse_optional(wv_pe *pe, const uint8_t *o)
{
    uint32_t fixed = pe->pe32plus ? 112 : 96;
    pe->entry_rva = rd32(o + 16);
    pe->image_base = pe->pe32plus ? rd64(o + 24) : rd32(o + 28);
    pe->section_alignment = rd32(o + 32);
    pe->file_alignment = rd32(o + 36);
    pe->size_of_image = rd32(o + 56);
    pe->size_of_headers = rd32(o + 60);
    pe->subsystem = rd16(o + 68);
    pe->dll_characteristics = rd16(o + 70);
    pe->stack_reserve = pe->pe32plus ? rd64(o + 72) : rd32(o + 72);
    pe->stack_commit = pe->pe32plus ? rd64(o + 80) : rd32(o + 76);
    uint32_t ndirs = rd32(o + fixed - 4);
    pe->ndirs = ndirs > WV_PE_DIR_COUNT ? WV_PE_DIR_COUNT : ndirs;
    for (uint32_t i = 0; i < pe->ndirs; i++) {
        pe->dirs[i].rva = rd32(o + fixed + 8 * i);
        pe->dirs[i].size = rd32(o + fixed + 8 * i + 4);
    }
    return 0;
}

static DWORD check_layout(wv_pe *pe)
{
    uint32_t sa = pe->section_alignment, fa = pe->file_alignment;
    if (!pow2(sa) || !pow2(fa))
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, "SectionAlignment %#x / FileAlignment %#x not powers of two",
                    sa, fa);
    if (fa > sa)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, "FileAlignment %#x exceeds SectionAlignment %#x", fa, sa);
    if (sa < 4096 && fa != sa)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT,
                    "SectionAlignment %#x below the page size needs FileAlignment equal to it (%#x)", sa, fa);
    if (pe->image_base & 0xffff)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, "ImageBase %#llx is not 64 KiB aligned",
                    (unsigned long long)pe->image_base);
    if (pe->size_of_image == 0 || pe->size_of_image > MAX_IMAGE_SIZE)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, "SizeOfImage %#x is zero or above 2 GiB", pe->size_of_image);
    /* The headers, rounded to SectionAlignment, must fit in the image (Windows since Vista refuses
     * the tiny images XP loaded: Wine's test_Loader table). */
    if (pe->size_of_headers == 0 || align_up(pe->size_of_headers, sa) > pe->size_of_image)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, "SizeOfHeaders %#x is zero or, aligned, past SizeOfImage %#x",
                    pe->size_of_headers, pe->size_of_image);
    /* The entry point is not checked here: Windows creates the section whatever it says (the
     * loader refuses to call one outside the image). */
    return 0;
}

/* Where a section's file data really starts and how long it is, as Windows maps it: a
 * PointerToRawData of 0 means no file data; otherwise the offset is rounded down to a 512-byte
 * sector (the bytes before it in that sector come along: Wine's test_Loader reads the NT headers
 * at a section's RVA + 0x40 when its PointerToRawData is 0x40), and whole sectors are read
 * (the last one's tail too, up to the end of the file).  Flat images are the file as
 * is: nothing moves.  The data must lie inside the file (len fits: raw_size + lead < 2^32 + 512,
 * and the check below bounds it by the file size). */
static DWORD section_file_data(wv_pe *pe, unsigned i, wv_pe_section *s)
{
    if (!s->raw_ptr) { /* zero-filled; SizeOfRawData still sizes a section without VirtualSize */
        if (!s->vsize)
            s->vsize = s->raw_size;
        s->raw_size = 0;
    }
    if (!s->raw_size || wv_pe_flat(pe))
        return 0;
    uint32_t lead = s->raw_ptr & (WV_SECTOR - 1);
    uint64_t start = s->raw_ptr - lead, len = (uint64_t)s->raw_size + lead;
    if (start + len > pe->size)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT,
                    "section %u '%s': raw data [%#x, +%#x) past the end of the %zu-byte file", i, s->name,
                    s->raw_ptr, s->raw_size, pe->size);
    len = align_up(len, WV_SECTOR); /* whole sectors are read: the last one's tail comes along */
    if (start + len > pe->size)
        len = pe->size - start;
    s->raw_ptr = (uint32_t)start;
    s->raw_size = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    return 0;
}

/* One section header: copies it and checks it against the file and the image.  A section must
 * end inside SizeOfImage rounded to a page (Windows: a SizeOfImage that stops short of the last
 * section's alignment is fine, one that stops before its data is not). */
static DWORD parse_section(wv_pe *pe, unsigned i, const uint8_t *h)
{
    wv_pe_section *s = &pe->sections[i];
    memcpy(s->name, h, 8);
    s->name[8] = 0;
    s->vsize = rd32(h + 8);
    s->va = rd32(h + 12);
    s->raw_size = rd32(h + 16);
    s->raw_ptr = rd32(h + 20);
    s->characteristics = rd32(h + 36);
    s->protect = wv_pe_section_protect(s->characteristics);
    DWORD st = section_file_data(pe, i, s);
    if (st)
        return st;
    if (pe->layout) { /* the file's bytes are where the layout put them */
        if (!wv_pe_flat(pe))
            s->raw_ptr = s->va;
        if (s->vsize && s->vsize < s->raw_size)
            s->raw_size = s->vsize;
        if ((uint64_t)s->raw_ptr + s->raw_size > pe->size)
            s->raw_size = s->raw_ptr < pe->size ? (uint32_t)(pe->size - s->raw_ptr) : 0;
    }
    if (s->raw_size && (uint64_t)s->raw_ptr + s->raw_size > pe->size)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT,
                    "section %u '%s': raw data [%#x, +%#x) past the end of the %zu-byte file", i, s->name,
                    s->raw_ptr, s->raw_size, pe->size);
    if (!wv_pe_flat(pe) && (s->va & (pe->section_alignment - 1)))
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, "section %u '%s': VirtualAddress %#x not aligned to %#x", i,
                    s->name, s->va, pe->section_alignment);
    uint64_t span = s->vsize ? s->vsize : s->raw_size;
    uint64_t end = align_up((uint64_t)s->va + span, 4096), limit = align_up(pe->size_of_image, 4096);
    if (end > limit)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, "section %u '%s': [%#x, %#llx) past SizeOfImage %#x", i,
                    s->name, s->va, (unsigned long long)((uint64_t)s->va + span), pe->size_of_image);
    return 0;
}

/* Sections in ascending order, after the headers, not overlapping one another. */
static DWORD check_order(wv_pe *pe)
{
    uint64_t prev_end = wv_pe_flat(pe) ? pe->size_of_headers : align_up(pe->size_of_headers, pe->section_alignment);
    for (unsigned i = 0; i < pe->nsections; i++) {
        const wv_pe_section *s = &pe->sections[i];
        if (s->va < prev_end)
            return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT,
                        "section %u '%s' at %#x overlaps the headers or the previous section (ending %#llx)", i,
                        s->name, s->va, (unsigned long long)prev_end);
        uint64_t span = s->vsize ? s->vsize : s->raw_size;
        prev_end = align_up((uint64_t)s->va + span, pe->section_alignment);
    }
    return 0;
}

static DWORD parse_sections(wv_pe *pe, uint64_t table, unsigned n)
{
    if (n > WV_PE_MAX_SECTIONS)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, "%u sections, more than %d", n, WV_PE_MAX_SECTIONS);
    uint64_t end = table + (uint64_t)n * 40;
    if (end > pe->size)
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, "section table [%#llx, %#llx) past the end of the file",
                    (unsigned long long)table, (unsigned long long)end);
    /* A section table past SizeOfHeaders makes the headers longer (Windows maps it with them),
     * provided it stays inside the image. */
    if (end > align_up(pe->size_of_image, 4096))
        return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, "section table ends at %#llx, past SizeOfImage %#x",
                    (unsigned long long)end, pe->size_of_image);
    if (end > pe->size_of_headers)
        pe->size_of_headers = (uint32_t)end;
    pe->nsections = n;
    for (unsigned i = 0; i < n; i++) {
        DWORD st = parse_section(pe, i, pe->data + table + 40 * (uint64_t)i);
        if (st)
            return st;
    }
    return check_order(pe);
}

static DWORD check_dirs(wv_pe *pe)
{
    static const char *const names[WV_PE_DIR_COUNT] = {
        "export", "import", "resource", "exception", "security", "base relocation", "debug", "architecture",
        "global ptr", "TLS", "load config", "bound import", "IAT", "delay import", "CLR", "reserved"};
    for (uint32_t i = 0; i < pe->ndirs; i++) {
        const wv_pe_dir *d = &pe->dirs[i];
        if ((d->rva == 0 && d->size == 0) || (pe->layout && i == WV_PE_DIR_SECURITY))
            continue;
        uint64_t end = (uint64_t)d->rva + d->size;
        uint64_t limit = i == WV_PE_DIR_SECURITY ? pe->size : pe->size_of_image;
        if (end > limit)
            return wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, "%s directory [%#x, +%#x) past %s %#llx", names[i],
                        d->rva, d->size, i == WV_PE_DIR_SECURITY ? "the file size" : "SizeOfImage",
                        (unsigned long long)limit);
    }
    return 0;
}

static DWORD wv_pe_parse_as(wv_pe *pe, const void *data, size_t size, bool layout);

DWORD wv_pe_parse(wv_pe *pe, const void *data, size_t size)
{
    return wv_pe_parse_as(pe, data, size, false);
}

DWORD wv_pe_parse_layout(wv_pe *pe, const void *data, size_t size)
{
    return wv_pe_parse_as(pe, data, size, true);
}

static DWORD wv_pe_parse_as(wv_pe *pe, const void *data, size_t size, bool layout)
{
    memset(pe, 0, sizeof(*pe));
    pe->layout = layout;
    pe->data = data;
    pe->size = size;
    uint64_t coff = 0;
    DWORD st = parse_dos(pe, &coff);
    if (st)
        return st;
    const uint8_t *f = pe->data + coff;
    pe->machine = rd16(f);
    unsigned nsec = rd16(f + 2);
    pe->timestamp = rd32(f + 4);
    uint32_t opt_size = rd16(f + 16);
    pe->characteristics = rd16(f + 18);
    uint64_t opt = coff + 20; /* <= size: parse_dos checked the file header */
    uint8_t o[WV_OPT_MAX] = {0};
    memcpy(o, pe->data + opt, size - opt < sizeof(o) ? size - opt : sizeof(o));
    if ((st = check_machine(pe, rd16(o))) || (st = parse_optional(pe, o)) ||
        (st = check_layout(pe)) || (st = parse_sections(pe, opt + opt_size, nsec)) || (st = check_dirs(pe)))
        return st;
    return 0;
}

/* ---- RVA translation ---- */

/* Bytes of file data backing rva: pointer and how many contiguous bytes follow (0: none).
 * The headers back [0, SizeOfHeaders); a section backs [va, va + min(vsize, raw_size)). */
static const uint8_t *rva_span(const wv_pe *pe, uint64_t rva, uint64_t *avail)
{
    *avail = 0;
    if (rva >= pe->size_of_image)
        return NULL;
    if (rva < pe->size_of_headers) { /* SizeOfHeaders may pass the end of the file */
        uint64_t in_file = pe->size_of_headers < pe->size ? pe->size_of_headers : pe->size;
        if (rva >= in_file)
            return NULL;
        *avail = in_file - rva;
        return pe->data + rva;
    }
    for (unsigned i = 0; i < pe->nsections; i++) {
        const wv_pe_section *s = &pe->sections[i];
        uint64_t filesz = s->vsize && s->vsize < s->raw_size ? s->vsize : s->raw_size;
        if (rva >= s->va && rva < (uint64_t)s->va + filesz) {
            *avail = (uint64_t)s->va + filesz - rva;
            return pe->data + s->raw_ptr + (rva - s->va); /* raw data inside the buffer: checked */
        }
    }
    return NULL;
}

const uint8_t *wv_pe_rva_ptr(const wv_pe *pe, uint64_t rva, uint64_t len)
{
    uint64_t avail;
    const uint8_t *p = rva_span(pe, rva, &avail);
    return p && len <= avail ? p : NULL;
}

const char *wv_pe_rva_str(const wv_pe *pe, uint64_t rva, size_t max)
{
    uint64_t avail;
    const uint8_t *p = rva_span(pe, rva, &avail);
    if (!p)
        return NULL;
    return memchr(p, 0, avail < max ? avail : max) ? (const char *)p : NULL;
}
