/* SPDX-License-Identifier: MIT */
/* test_pe.c - the PE parser: real mingw-w64 DLLs checked against objdump's view of them, a
 * hand-built PE32 and PE32+ image, and broken images that must each get the right status. */
#include <criterion/criterion.h>

#include "pe/pe.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* ---- helpers ---- */

static uint8_t *load(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n ? (size_t)n : 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static char *load_text(const char *path)
{
    size_t n;
    char *t = (char *)load(path, &n);
    t = realloc(t, n + 1);
    t[n] = 0;
    return t;
}

/* Value of "Key<whitespace>hex" in objdump -p output. */
static uint64_t od_value(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, key, kl) == 0 && (l[kl] == '\t' || l[kl] == ' '))
            return strtoull(l + kl, NULL, 16);
    cr_assert_fail("objdump output lacks %s", key);
    return 0;
}

static void ws(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void wd(uint8_t *p, uint32_t v) { ws(p, (uint16_t)v), ws(p + 2, (uint16_t)(v >> 16)); }
static void wq(uint8_t *p, uint64_t v) { wd(p, (uint32_t)v), wd(p + 4, (uint32_t)(v >> 32)); }

/* Run every iterator; the return is the first failing status (0 when all pass). */
static int count_cb(void *ctx, const void *x) { (void)x; ++*(unsigned *)ctx; return 0; }
static int tls_count(void *ctx, uint32_t rva) { (void)rva; ++*(unsigned *)ctx; return 0; }
static DWORD walk_all(wv_pe *pe)
{
    unsigned n = 0;
    size_t pages;
    uint32_t list[16];
    DWORD st = wv_pe_imports(pe, false, (wv_pe_import_fn)count_cb, &n);
    if (!st) st = wv_pe_imports(pe, true, (wv_pe_import_fn)count_cb, &n);
    if (!st) st = wv_pe_exports(pe, (wv_pe_export_fn)count_cb, &n);
    if (!st) st = wv_pe_relocs(pe, (wv_pe_reloc_fn)count_cb, &n);
    if (!st) st = wv_pe_tls_callbacks(pe, tls_count, &n);
    if (!st) st = wv_pe_fixup_pages(pe, list, 16, &pages);
    (void)wv_pe_export_name(pe);
    return st;
}

/* ---- a hand-built image: headers 0x200, .text RX @0x1000, .rdata R @0x2000 (export directory),
 * .reloc R @0x3000 (one block: DIR64 at 0x1010, ABSOLUTE padding); FileAlignment 0x200. ---- */
enum { H_LFANEW = 0x40, H_FILE = 0x800, H_IMAGE = 0x4000 };
#define H_COFF (H_LFANEW + 4)
#define H_OPT (H_COFF + 20)

static size_t h_sect(bool plus) { return H_OPT + (plus ? 240 : 224); }

static void h_section(uint8_t *s, const char *name, uint32_t va, uint32_t raw, uint32_t chars)
{
    memcpy(s, name, strlen(name));
    wd(s + 8, 0x100), wd(s + 12, va), wd(s + 16, 0x200), wd(s + 20, raw), wd(s + 36, chars);
}

static void h_exports(uint8_t *f)
{
    uint8_t *e = f + 0x400; /* .rdata raw, RVA 0x2000 */
    wd(e + 12, 0x2080);     /* Name */
    wd(e + 16, 1), wd(e + 20, 1), wd(e + 24, 1);
    wd(e + 28, 0x2040), wd(e + 32, 0x2050), wd(e + 36, 0x2060);
    wd(e + 0x40, 0x1000); /* function RVA */
    wd(e + 0x50, 0x2070); /* name RVA */
    ws(e + 0x60, 0);
    memcpy(e + 0x70, "hfunc", 6);
    memcpy(e + 0x80, "hand.dll", 9);
}

static uint8_t *hand_image(bool plus)
{
    uint8_t *f = calloc(1, H_FILE);
    f[0] = 'M', f[1] = 'Z';
    wd(f + 60, H_LFANEW);
    memcpy(f + H_LFANEW, "PE\0\0", 4);
    ws(f + H_COFF, plus ? WV_PE_MACHINE_AMD64 : WV_PE_MACHINE_I386);
    ws(f + H_COFF + 2, 3);
    ws(f + H_COFF + 16, plus ? 240 : 224);
    ws(f + H_COFF + 18, WV_PE_FILE_EXECUTABLE | WV_PE_FILE_DLL);
    uint8_t *o = f + H_OPT;
    ws(o, plus ? 0x20b : 0x10b);
    wd(o + 16, 0x1000);
    if (plus)
        wq(o + 24, 0x180000000ull);
    else
        wd(o + 28, 0x10000000);
    wd(o + 32, 0x1000), wd(o + 36, 0x200), wd(o + 56, H_IMAGE), wd(o + 60, 0x200);
    ws(o + 70, WV_PE_DLL_DYNAMIC_BASE | WV_PE_DLL_NX_COMPAT);
    uint8_t *dirs = o + (plus ? 112 : 96);
    wd(dirs - 4, 16);
    wd(dirs + 8 * WV_PE_DIR_EXPORT, 0x2000), wd(dirs + 8 * WV_PE_DIR_EXPORT + 4, 0x90);
    wd(dirs + 8 * WV_PE_DIR_BASERELOC, 0x3000), wd(dirs + 8 * WV_PE_DIR_BASERELOC + 4, 12);
    uint8_t *s = f + h_sect(plus);
    h_section(s, ".text", 0x1000, 0x200, WV_PE_SCN_MEM_READ | WV_PE_SCN_MEM_EXECUTE);
    h_section(s + 40, ".rdata", 0x2000, 0x400, WV_PE_SCN_MEM_READ);
    h_section(s + 80, ".reloc", 0x3000, 0x600, WV_PE_SCN_MEM_READ);
    h_exports(f);
    wd(f + 0x600, 0x1000), wd(f + 0x604, 12);
    ws(f + 0x608, (uint16_t)((plus ? WV_PE_REL_DIR64 : WV_PE_REL_HIGHLOW) << 12 | 0x10));
    ws(f + 0x60a, 0); /* ABSOLUTE padding */
    return f;
}

static DWORD parse_fails(wv_pe *pe, const uint8_t *buf, size_t n, DWORD want)
{
    DWORD st = wv_pe_parse(pe, buf, n);
    cr_assert_eq(st, want, "size %zu: status %#x, want %#x (%s)", n, st, want, pe->reason);
    cr_assert(pe->reason[0], "size %zu: no reason given", n);
    return st;
}

/* ---- hand-built images ---- */

Test(pe, hand_pe32plus)
{
    uint8_t *f = hand_image(true);
    wv_pe pe;
    cr_assert_eq(wv_pe_parse(&pe, f, H_FILE), 0, "%s", pe.reason);
    cr_assert(pe.pe32plus);
    cr_assert_eq(pe.machine, WV_PE_MACHINE_AMD64);
    cr_assert_eq(pe.image_base, 0x180000000ull);
    cr_assert_eq(pe.nsections, 3);
    cr_assert_eq(pe.sections[0].protect, PAGE_EXECUTE_READ);
    cr_assert_eq(pe.sections[1].protect, PAGE_READONLY);
    cr_assert_str_eq(wv_pe_export_name(&pe), "hand.dll");
    uint32_t pages[4];
    size_t n;
    cr_assert_eq(wv_pe_fixup_pages(&pe, pages, 4, &n), 0, "%s", pe.reason);
    cr_assert_eq(n, 1);
    cr_assert_eq(pages[0], 1);
    cr_assert(!wv_pe_page_aligned(&pe));
    cr_assert_eq(walk_all(&pe), 0, "%s", pe.reason);
    free(f);
}

Test(pe, hand_pe32_i386)
{
    uint8_t *f = hand_image(false);
    wv_pe pe;
    cr_assert_eq(wv_pe_parse(&pe, f, H_FILE), 0, "%s", pe.reason);
    cr_assert_not(pe.pe32plus);
    cr_assert_eq(pe.machine, 0x14c);
    cr_assert_str_eq(wv_pe_machine_name(pe.machine), "i386");
    cr_assert_eq(pe.image_base, 0x10000000);
    cr_assert_eq(pe.size_of_image, H_IMAGE);
    cr_assert_eq(pe.sections[2].va, 0x3000);
    cr_assert_eq(walk_all(&pe), 0, "%s", pe.reason);
    free(f);
}

Test(pe, protection_table)
{
    const uint32_t R = WV_PE_SCN_MEM_READ, W = WV_PE_SCN_MEM_WRITE, X = WV_PE_SCN_MEM_EXECUTE;
    cr_assert_eq(wv_pe_section_protect(0), PAGE_NOACCESS);
    cr_assert_eq(wv_pe_section_protect(R), PAGE_READONLY);
    cr_assert_eq(wv_pe_section_protect(W), PAGE_WRITECOPY);
    cr_assert_eq(wv_pe_section_protect(R | W), PAGE_WRITECOPY);
    cr_assert_eq(wv_pe_section_protect(X), PAGE_EXECUTE);
    cr_assert_eq(wv_pe_section_protect(R | X), PAGE_EXECUTE_READ);
    cr_assert_eq(wv_pe_section_protect(W | X), PAGE_EXECUTE_WRITECOPY);
    cr_assert_eq(wv_pe_section_protect(R | W | X), PAGE_EXECUTE_WRITECOPY);
    cr_assert_eq(wv_pe_status_to_error(STATUS_INVALID_IMAGE_NOT_MZ), 193);
    cr_assert_eq(wv_pe_status_to_error(STATUS_INVALID_IMAGE_FORMAT), 193);
}

/* ---- broken images ---- */

Test(pe, truncated_every_header_length)
{
    for (int plus = 0; plus < 2; plus++) {
        uint8_t *f = hand_image(plus);
        wv_pe pe;
        for (size_t n = 0; n <= 0x200; n++) {
            DWORD want = n == 0 ? STATUS_INVALID_FILE_FOR_SECTION
                         : n < 64 ? STATUS_INVALID_IMAGE_NOT_MZ
                         : n < H_COFF + 20 ? STATUS_INVALID_IMAGE_PROTECT
                                           : STATUS_INVALID_IMAGE_FORMAT;
            uint8_t *copy = malloc(n ? n : 1); /* exact-size copy: ASan catches any overread */
            memcpy(copy, f, n);
            parse_fails(&pe, copy, n, want);
            free(copy);
        }
        static const size_t inside[] = {0x201, 0x300, 0x3ff, 0x401, 0x5ff, 0x600, 0x7ff};
        for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
            uint8_t *copy = malloc(inside[i]);
            memcpy(copy, f, inside[i]);
            parse_fails(&pe, copy, inside[i], STATUS_INVALID_IMAGE_FORMAT);
            cr_assert(strstr(pe.reason, "past the end"), "%s", pe.reason);
            free(copy);
        }
        free(f);
    }
}

Test(pe, bad_signatures)
{
    uint8_t *f = hand_image(true);
    wv_pe pe;
    f[1] = 'X';
    parse_fails(&pe, f, H_FILE, STATUS_INVALID_IMAGE_NOT_MZ);
    f[1] = 'Z';
    f[H_LFANEW + 1] = 'X';
    parse_fails(&pe, f, H_FILE, STATUS_INVALID_IMAGE_PROTECT);
    f[H_LFANEW + 1] = 'E';
    wd(f + 60, 0xfffffff0); /* e_lfanew far past the file: must not wrap */
    parse_fails(&pe, f, H_FILE, STATUS_INVALID_IMAGE_PROTECT);
    wd(f + 60, H_LFANEW);
    ws(f + H_OPT, 0x10b); /* PE32 magic on an x86-64 machine */
    parse_fails(&pe, f, H_FILE, STATUS_INVALID_IMAGE_FORMAT);
    ws(f + H_OPT, 0x20b);
    ws(f + H_COFF, 0x1c0); /* ARM */
    parse_fails(&pe, f, H_FILE, STATUS_INVALID_IMAGE_FORMAT);
    free(f);
}

Test(pe, sections_out_of_range_or_overlapping)
{
    wv_pe pe;
    uint8_t *f = hand_image(true);
    uint8_t *s = f + h_sect(true);
    wd(s + 40 + 20, 0x10000); /* .rdata raw data past the file */
    parse_fails(&pe, f, H_FILE, STATUS_INVALID_IMAGE_FORMAT);
    cr_assert(strstr(pe.reason, "past the end"), "%s", pe.reason);
    free(f);

    f = hand_image(true);
    s = f + h_sect(true);
    wd(s + 40 + 12, 0x1000); /* .rdata at .text's address */
    parse_fails(&pe, f, H_FILE, STATUS_INVALID_IMAGE_FORMAT);
    cr_assert(strstr(pe.reason, "overlaps"), "%s", pe.reason);
    free(f);

    f = hand_image(true);
    s = f + h_sect(true);
    wd(s + 80 + 12, 0x4000); /* .reloc past SizeOfImage */
    parse_fails(&pe, f, H_FILE, STATUS_INVALID_IMAGE_FORMAT);
    cr_assert(strstr(pe.reason, "SizeOfImage"), "%s", pe.reason);
    free(f);

    f = hand_image(true);
    ws(f + H_COFF + 2, 0xffff); /* huge section count */
    parse_fails(&pe, f, H_FILE, STATUS_INVALID_IMAGE_FORMAT);
    ws(f + H_COFF + 2, 90); /* within Windows' limit, but past the headers */
    parse_fails(&pe, f, H_FILE, STATUS_INVALID_IMAGE_FORMAT);
    free(f);

    f = hand_image(true);
    wd(f + H_OPT + 112 + 8 * WV_PE_DIR_IMPORT, 0xfffffff0); /* directory wrapping past 4 GiB */
    wd(f + H_OPT + 112 + 8 * WV_PE_DIR_IMPORT + 4, 0x100);
    parse_fails(&pe, f, H_FILE, STATUS_INVALID_IMAGE_FORMAT);
    free(f);
}

Test(pe, bad_relocations)
{
    wv_pe pe;
    uint8_t *f = hand_image(true);
    wd(f + 0x600, 0x100000); /* block for a page outside the image */
    cr_assert_eq(wv_pe_parse(&pe, f, H_FILE), 0, "%s", pe.reason);
    cr_assert_eq(wv_pe_relocs(&pe, NULL, NULL), STATUS_INVALID_IMAGE_FORMAT);
    cr_assert(strstr(pe.reason, "outside SizeOfImage"), "%s", pe.reason);
    size_t n;
    cr_assert_eq(wv_pe_fixup_pages(&pe, NULL, 0, &n), STATUS_INVALID_IMAGE_FORMAT);

    wd(f + 0x600, 0x3000);
    ws(f + 0x608, WV_PE_REL_DIR64 << 12 | 0xffc); /* 8 bytes at 0x3ffc: past SizeOfImage 0x4000 */
    cr_assert_eq(wv_pe_parse(&pe, f, H_FILE), 0);
    cr_assert_eq(wv_pe_relocs(&pe, NULL, NULL), STATUS_INVALID_IMAGE_FORMAT);

    ws(f + 0x608, 5 << 12 | 0x10); /* an unsupported type */
    cr_assert_eq(wv_pe_parse(&pe, f, H_FILE), 0);
    cr_assert_eq(wv_pe_relocs(&pe, NULL, NULL), STATUS_INVALID_IMAGE_FORMAT);
    cr_assert(strstr(pe.reason, "type 5"), "%s", pe.reason);

    ws(f + 0x608, WV_PE_REL_DIR64 << 12 | 0x10);
    wd(f + 0x604, 0x1000); /* block size larger than the directory */
    cr_assert_eq(wv_pe_parse(&pe, f, H_FILE), 0);
    cr_assert_eq(wv_pe_relocs(&pe, NULL, NULL), STATUS_INVALID_IMAGE_FORMAT);
    wd(f + 0x604, 4); /* smaller than its own header: would loop forever */
    cr_assert_eq(wv_pe_parse(&pe, f, H_FILE), 0);
    cr_assert_eq(wv_pe_relocs(&pe, NULL, NULL), STATUS_INVALID_IMAGE_FORMAT);
    free(f);
}

Test(pe, straddling_fixup_marks_two_pages)
{
    wv_pe pe;
    uint8_t *f = hand_image(true);
    ws(f + 0x608, WV_PE_REL_DIR64 << 12 | 0xffc); /* 0x1ffc..0x2003 */
    cr_assert_eq(wv_pe_parse(&pe, f, H_FILE), 0);
    uint32_t pages[4];
    size_t n;
    cr_assert_eq(wv_pe_fixup_pages(&pe, pages, 4, &n), 0, "%s", pe.reason);
    cr_assert_eq(n, 2);
    cr_assert_eq(pages[0], 1);
    cr_assert_eq(pages[1], 2);
    free(f);
}

Test(pe, bad_exports)
{
    wv_pe pe;
    uint8_t *f = hand_image(true);
    wd(f + 0x400 + 20, 0xffffffff); /* NumberOfFunctions */
    cr_assert_eq(wv_pe_parse(&pe, f, H_FILE), 0);
    cr_assert_eq(wv_pe_exports(&pe, NULL, NULL), STATUS_INVALID_IMAGE_FORMAT);
    cr_assert(pe.reason[0]);
    free(f);

    f = hand_image(true);
    wd(f + 0x400 + 20, 0x40); /* 0x40 functions at 0x2040: past the 0x200-byte raw data */
    cr_assert_eq(wv_pe_parse(&pe, f, H_FILE), 0);
    cr_assert_eq(wv_pe_exports(&pe, NULL, NULL), STATUS_INVALID_IMAGE_FORMAT);
    cr_assert(strstr(pe.reason, "past their section"), "%s", pe.reason);
    free(f);

    f = hand_image(true);
    wd(f + 0x400 + 24, 0x10000000); /* NumberOfNames */
    cr_assert_eq(wv_pe_parse(&pe, f, H_FILE), 0);
    cr_assert_eq(wv_pe_exports(&pe, NULL, NULL), STATUS_INVALID_IMAGE_FORMAT);
    free(f);

    f = hand_image(true);
    ws(f + 0x460, 7); /* name ordinal index past NumberOfFunctions */
    cr_assert_eq(wv_pe_parse(&pe, f, H_FILE), 0);
    cr_assert_eq(wv_pe_exports(&pe, NULL, NULL), STATUS_INVALID_IMAGE_FORMAT);
    free(f);

    f = hand_image(true);
    memset(f + 0x470, 'A', 0x190); /* name string runs to the end of .rdata's raw data, unterminated */
    cr_assert_eq(wv_pe_parse(&pe, f, H_FILE), 0);
    cr_assert_eq(wv_pe_exports(&pe, NULL, NULL), STATUS_INVALID_IMAGE_FORMAT);
    free(f);

    f = hand_image(true);
    wd(f + H_OPT + 112 + 8 * WV_PE_DIR_EXPORT, 0x3ff0); /* export directory past SizeOfImage */
    parse_fails(&pe, f, H_FILE, STATUS_INVALID_IMAGE_FORMAT);
    free(f);
}

/* Random byte flips of the hand-built images: every result is a status, never a crash. */
Test(pe, random_mutations)
{
    srand(5);
    for (int i = 0; i < 20000; i++) {
        uint8_t *f = hand_image(i & 1);
        for (int k = 1 + rand() % 4; k > 0; k--)
            f[rand() % H_FILE] = (uint8_t)rand();
        wv_pe pe;
        if (wv_pe_parse(&pe, f, H_FILE) == 0)
            (void)walk_all(&pe);
        else
            cr_assert(pe.reason[0]);
        free(f);
    }
}

/* Inputs the fuzzer once crashed on: they must now parse or fail cleanly. */
Test(pe, crashers)
{
    DIR *d = opendir(WINVM_PE_CRASHERS);
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", WINVM_PE_CRASHERS, e->d_name);
        size_t n;
        uint8_t *buf = load(path, &n);
        wv_pe pe;
        if (wv_pe_parse(&pe, buf, n) == 0)
            (void)walk_all(&pe);
        free(buf);
    }
    closedir(d);
}

/* ---- real images built by mingw-w64 ---- */
#ifdef WINVM_PE_IMAGES

typedef struct real {
    uint8_t *buf;
    size_t size;
    char *od; /* objdump -p -h output */
    wv_pe pe;
} real;

static void real_load(real *r, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.dll", WINVM_PE_IMAGES, name);
    r->buf = load(path, &r->size);
    snprintf(path, sizeof(path), "%s/%s.dll.objdump", WINVM_PE_IMAGES, name);
    r->od = load_text(path);
    cr_assert_eq(wv_pe_parse(&r->pe, r->buf, r->size), 0, "%s: %s", name, r->pe.reason);
}

static void real_free(real *r)
{
    free(r->buf);
    free(r->od);
}

/* Sections as objdump -h lists them: "Idx Name Size VMA LMA FileOff Algn". */
static void check_sections(const real *r)
{
    const char *l = strstr(r->od, "Idx Name");
    cr_assert_not_null(l);
    unsigned n = 0;
    for (l = strchr(l, '\n') + 1; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        unsigned idx;
        char name[32];
        unsigned long long size, vma, lma, off;
        if (sscanf(l, " %u %31s %llx %llx %llx %llx", &idx, name, &size, &vma, &lma, &off) != 6)
            continue;
        cr_assert_lt(idx, r->pe.nsections);
        const wv_pe_section *s = &r->pe.sections[idx];
        cr_assert_str_eq(s->name, name);
        cr_assert_eq(s->va, vma - r->pe.image_base, "%s va %#x", name, s->va);
        cr_assert_eq(s->raw_ptr, off, "%s raw %#x vs %#llx", name, s->raw_ptr, off);
        n++;
    }
    cr_assert_eq(n, r->pe.nsections);
}

static void check_headers(const real *r)
{
    const wv_pe *pe = &r->pe;
    cr_assert_eq(pe->machine, WV_PE_MACHINE_AMD64);
    cr_assert(pe->pe32plus);
    cr_assert_eq(pe->image_base, od_value(r->od, "ImageBase"));
    cr_assert_eq(pe->size_of_image, od_value(r->od, "SizeOfImage"));
    cr_assert_eq(pe->size_of_headers, od_value(r->od, "SizeOfHeaders"));
    cr_assert_eq(pe->section_alignment, od_value(r->od, "SectionAlignment"));
    cr_assert_eq(pe->file_alignment, od_value(r->od, "FileAlignment"));
    cr_assert_eq(pe->entry_rva, od_value(r->od, "AddressOfEntryPoint"));
    cr_assert_eq(pe->dll_characteristics, od_value(r->od, "DllCharacteristics"));
    cr_assert_eq(pe->characteristics, od_value(r->od, "Characteristics"));
    cr_assert(pe->characteristics & WV_PE_FILE_DLL);
    for (unsigned i = 0; i < 16; i++) {
        char key[16];
        snprintf(key, sizeof(key), "Entry %x", i);
        const char *l = strstr(r->od, key);
        cr_assert_not_null(l);
        unsigned long long rva, size;
        cr_assert_eq(sscanf(l + strlen(key), " %llx %llx", &rva, &size), 2);
        cr_assert_eq(pe->dirs[i].rva, rva, "dir %u", i);
        cr_assert_eq(pe->dirs[i].size, size, "dir %u", i);
    }
    check_sections(r);
}

static const wv_pe_section *find_section(const wv_pe *pe, const char *name)
{
    for (unsigned i = 0; i < pe->nsections; i++)
        if (strcmp(pe->sections[i].name, name) == 0)
            return &pe->sections[i];
    cr_assert_fail("no section %s", name);
    return NULL;
}

Test(pe_real, headers_match_objdump)
{
    static const char *const names[] = {"simple", "simple_fa1000", "simple_nodyn"};
    for (unsigned i = 0; i < 3; i++) {
        real r;
        real_load(&r, names[i]);
        check_headers(&r);
        cr_assert_eq(find_section(&r.pe, ".text")->protect, PAGE_EXECUTE_READ);
        cr_assert_eq(find_section(&r.pe, ".data")->protect, PAGE_WRITECOPY);
        cr_assert_eq(find_section(&r.pe, ".rdata")->protect, PAGE_READONLY);
        cr_assert_eq(find_section(&r.pe, ".bss")->protect, PAGE_WRITECOPY);
        real_free(&r);
    }
}

Test(pe_real, variants)
{
    real r;
    real_load(&r, "simple");
    cr_assert_eq(r.pe.file_alignment, 0x200);
    cr_assert_not(wv_pe_page_aligned(&r.pe));
    cr_assert(r.pe.dll_characteristics & WV_PE_DLL_DYNAMIC_BASE);
    cr_assert(r.pe.dll_characteristics & WV_PE_DLL_NX_COMPAT);
    cr_assert(r.pe.dll_characteristics & WV_PE_DLL_HIGH_ENTROPY_VA);
    real_free(&r);
    real_load(&r, "simple_fa1000");
    cr_assert_eq(r.pe.file_alignment, 0x1000);
    cr_assert_eq(r.pe.image_base, 0x10000000);
    cr_assert(wv_pe_page_aligned(&r.pe));
    real_free(&r);
    real_load(&r, "simple_nodyn");
    cr_assert_not(r.pe.dll_characteristics & WV_PE_DLL_DYNAMIC_BASE);
    cr_assert_eq(r.pe.image_base, 0x180000000ull);
    real_free(&r);
}

typedef struct exp_seen {
    unsigned total, named, fwd;
    uint32_t hidden_rva, add_rva, table_rva;
} exp_seen;

static int on_export(void *ctx, const wv_pe_export *e)
{
    exp_seen *s = ctx;
    s->total++;
    s->named += e->name != NULL;
    if (e->forwarder) {
        cr_assert_str_eq(e->name, "simple_fwd");
        cr_assert_str_eq(e->forwarder, "KERNEL32.GetTickCount");
        s->fwd++;
    }
    if (!e->name) {
        cr_assert_eq(e->ordinal, 20);
        s->hidden_rva = e->rva;
    } else if (strcmp(e->name, "simple_add") == 0) {
        s->add_rva = e->rva;
    } else if (strcmp(e->name, "simple_table") == 0) {
        s->table_rva = e->rva;
    }
    return 0;
}

static bool in_section(const wv_pe *pe, const char *name, uint32_t rva)
{
    const wv_pe_section *s = find_section(pe, name);
    return rva >= s->va && rva < s->va + s->vsize;
}

Test(pe_real, exports)
{
    real r;
    real_load(&r, "simple");
    exp_seen s = {0};
    cr_assert_eq(wv_pe_exports(&r.pe, on_export, &s), 0, "%s", r.pe.reason);
    cr_assert_eq(s.total, 8); /* simple.def: seven names and one NONAME ordinal */
    cr_assert_eq(s.named, 7);
    cr_assert_eq(s.fwd, 1);
    cr_assert(in_section(&r.pe, ".text", s.hidden_rva));
    cr_assert(in_section(&r.pe, ".text", s.add_rva));
    cr_assert(in_section(&r.pe, ".data", s.table_rva));
    cr_assert_str_eq(wv_pe_export_name(&r.pe), "simple.dll");
    cr_assert_eq(od_value(r.od, "\tExport Address Table"), 8);
    real_free(&r);
}

static int on_import(void *ctx, const wv_pe_import *imp)
{
    unsigned *n = ctx;
    cr_assert_str_eq(imp->dll, "KERNEL32.dll");
    cr_assert_not(imp->by_ordinal);
    cr_assert_str_eq(imp->name, "GetTickCount");
    cr_assert_not(imp->delay);
    ++*n;
    return 0;
}

Test(pe_real, imports)
{
    real r;
    real_load(&r, "simple");
    unsigned n = 0;
    cr_assert_eq(wv_pe_imports(&r.pe, false, on_import, &n), 0, "%s", r.pe.reason);
    cr_assert_eq(n, 1);
    n = 0;
    cr_assert_eq(wv_pe_imports(&r.pe, true, on_import, &n), 0);
    cr_assert_eq(n, 0);
    real_free(&r);
}

typedef struct rel_seen {
    unsigned dir64, absolute;
    uint32_t rvas[256];
} rel_seen;

static int on_reloc(void *ctx, const wv_pe_reloc *rel)
{
    rel_seen *s = ctx;
    if (rel->type == WV_PE_REL_ABSOLUTE) {
        s->absolute++;
        return 0;
    }
    cr_assert_eq(rel->type, WV_PE_REL_DIR64);
    cr_assert_lt(s->dir64, 256);
    s->rvas[s->dir64++] = rel->page_rva + rel->offset;
    return 0;
}

/* Every DIR64 fixup objdump lists ("reloc N offset X [RVA] DIR64") is the one we report. */
Test(pe_real, relocations_and_fixup_pages)
{
    real r;
    real_load(&r, "simple");
    rel_seen s = {0};
    cr_assert_eq(wv_pe_relocs(&r.pe, on_reloc, &s), 0, "%s", r.pe.reason);
    unsigned od = 0;
    for (const char *l = strstr(r.od, "DIR64"); l; l = strstr(l + 1, "DIR64")) {
        const char *b = l;
        while (b > r.od && *b != '[')
            b--;
        uint32_t rva = (uint32_t)strtoul(b + 1, NULL, 16);
        cr_assert_lt(od, s.dir64);
        cr_assert_eq(s.rvas[od], rva, "fixup %u: %#x vs objdump %#x", od, s.rvas[od], rva);
        od++;
    }
    cr_assert_eq(od, s.dir64);
    cr_assert_geq(s.dir64, 3); /* at least the three simple_table pointers */
    uint32_t pages[64];
    size_t n;
    cr_assert_eq(wv_pe_fixup_pages(&r.pe, pages, 64, &n), 0);
    cr_assert_geq(n, 1);
    for (unsigned i = 0; i < s.dir64; i++) {
        bool found = false;
        for (size_t k = 0; k < n; k++)
            found |= pages[k] == s.rvas[i] / 4096;
        cr_assert(found, "fixup at %#x not in the page list", s.rvas[i]);
    }
    real_free(&r);
}

static int on_tls(void *ctx, uint32_t rva)
{
    *(uint32_t *)ctx = rva;
    return 0;
}

Test(pe_real, tls_callback)
{
    real r;
    real_load(&r, "simple");
    uint32_t rva = 0;
    cr_assert_eq(wv_pe_tls_callbacks(&r.pe, on_tls, &rva), 0, "%s", r.pe.reason);
    cr_assert(in_section(&r.pe, ".text", rva), "TLS callback at %#x", rva);
    real_free(&r);
}

Test(pe_real, truncated_and_mutated)
{
    real r;
    real_load(&r, "simple");
    wv_pe pe;
    size_t data_end = 0; /* past the last raw data, a COFF symbol table may follow */
    for (unsigned i = 0; i < r.pe.nsections; i++)
        if (r.pe.sections[i].raw_size && r.pe.sections[i].raw_ptr + r.pe.sections[i].raw_size > data_end)
            data_end = r.pe.sections[i].raw_ptr + r.pe.sections[i].raw_size;
    for (size_t n = 0; n < data_end; n += n < r.pe.size_of_headers + 64 ? 1 : 61) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, r.buf, n);
        DWORD st = wv_pe_parse(&pe, copy, n);
        cr_assert_neq(st, 0, "truncated at %zu parsed", n);
        cr_assert(pe.reason[0]);
        free(copy);
    }
    srand(55);
    for (int i = 0; i < 3000; i++) {
        uint8_t *copy = malloc(r.size);
        memcpy(copy, r.buf, r.size);
        for (int k = 1 + rand() % 8; k > 0; k--)
            copy[rand() % r.size] = (uint8_t)rand();
        if (wv_pe_parse(&pe, copy, r.size) == 0)
            (void)walk_all(&pe);
        free(copy);
    }
    real_free(&r);
}

static char *run_cli(const char *args, int *rc)
{
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "%s inspect %s 2>&1", WINVM_CLI, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    static char out[65536];
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = 0;
    *rc = WEXITSTATUS(pclose(p));
    return out;
}

Test(pe_real, cli_inspect)
{
    int rc;
    char *out = run_cli(WINVM_PE_IMAGES "/simple.dll", &rc);
    cr_assert_eq(rc, 0, "%s", out);
    static const char *const want[] = {"PE32+", "DYNAMIC_BASE", ".text", "EXECUTE_READ", "WRITECOPY",
                                       "KERNEL32.dll", "GetTickCount", "simple_add",
                                       "simple_fwd -> KERNEL32.GetTickCount", "(by ordinal)",
                                       "pages hold fixups", "image cache"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        cr_assert(strstr(out, want[i]), "no '%s' in:\n%s", want[i], out);
    out = run_cli(WINVM_PE_IMAGES "/simple_fa1000.dll", &rc);
    cr_assert(strstr(out, "never maps its file"), "%s", out);
    out = run_cli(WINVM_PE_IMAGES "/simple.dll.objdump", &rc);
    cr_assert_eq(rc, 1);
    cr_assert(strstr(out, "0xc000012f") && strstr(out, "193"), "%s", out);
}

#else
Test(pe_real, skipped_without_mingw)
{
    cr_skip_test("x86_64-w64-mingw32-gcc not found: real-image tests skipped");
}
#endif
