/* SPDX-License-Identifier: MIT */
/* test_nt_image.c - what NtCreateSection(SEC_IMAGE) and NtQuerySection say of an image, as
 * Windows answers (Wine's query_image_section, run on Windows 10): SectionImageInformation's
 * ImageFileSize is the file's size, ImageContainsCode follows the headers and the sections
 * that execute, LoaderFlags and ComPlusILOnly the .NET header; a MaximumSize past the image is
 * STATUS_SECTION_TOO_BIG, one within it is the Size SectionBasicInformation reports.  Small
 * PE32+ DLLs are written here, one header field changed at a time. */
#define _GNU_SOURCE
#include "testutil.h"
#include <winvm/ntdll.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SELF ((HANDLE)(LONG_PTR)-1)
#define FILE_SIZE 0x400
#define IMAGE_SIZE 0x2000

static char cache_dir[] = "/tmp/winvm-ntimage-cache-XXXXXX";

static void setup(void)
{
    /* the image cache on: a cache entry's layout is SizeOfImage long, the file is not */
    cr_assert_not_null(mkdtemp(cache_dir));
    setenv("WINVM_CACHE_DIR", cache_dir, 1);
}

static void teardown(void) { tu_remove_tree(cache_dir); }

TestSuite(nt_image, .init = setup, .fini = teardown);

struct dll {
    uint32_t size_of_code, entry, scn_chars, opt_loader_flags;
    bool cor;                     /* a COM descriptor directory naming the header below */
    uint16_t cor_major, cor_minor; /* the .NET header's runtime version */
    uint32_t cor_flags;
};

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A DLL of one section (RVA 0x1000, its 0x200 bytes at file offset 0x200): the file (FILE_SIZE
 * bytes) at path, and a handle to it. */
static HANDLE write_dll(const struct dll *d, char *path)
{
    static uint8_t f[FILE_SIZE];
    memset(f, 0, sizeof(f));
    f[0] = 'M', f[1] = 'Z';
    put32(f + 0x3c, 0x40);
    uint8_t *nt = f + 0x40, *fh = nt + 4, *opt = fh + 20;
    memcpy(nt, "PE\0\0", 4);
    put16(fh, 0x8664);
    put16(fh + 2, 1);      /* one section */
    put16(fh + 16, 0xf0);  /* SizeOfOptionalHeader */
    put16(fh + 18, 0x2022); /* EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE | DLL */
    put16(opt, 0x20b);
    put32(opt + 4, d->size_of_code);
    put32(opt + 16, d->entry);
    put64(opt + 24, 0x10000000);  /* ImageBase */
    put32(opt + 32, 0x1000);      /* SectionAlignment */
    put32(opt + 36, 0x200);       /* FileAlignment */
    put16(opt + 40, 6), put16(opt + 48, 6); /* OS and subsystem versions */
    put32(opt + 56, IMAGE_SIZE);
    put32(opt + 60, 0x200);       /* SizeOfHeaders */
    put16(opt + 68, 2);           /* GUI */
    put64(opt + 72, 0x100000), put64(opt + 80, 0x1000), put64(opt + 88, 0x100000), put64(opt + 96, 0x1000);
    put32(opt + 104, d->opt_loader_flags);
    put32(opt + 108, 16);
    if (d->cor)
        put32(opt + 112 + 14 * 8, 0x1000), put32(opt + 112 + 14 * 8 + 4, 0x48);
    uint8_t *sh = opt + 0xf0;
    memcpy(sh, ".text", 5);
    put32(sh + 8, 0x1000), put32(sh + 12, 0x1000);  /* VirtualSize, VirtualAddress */
    put32(sh + 16, 0x200), put32(sh + 20, 0x200);   /* SizeOfRawData, PointerToRawData */
    put32(sh + 36, d->scn_chars);
    if (d->cor) { /* IMAGE_COR20_HEADER: cb, versions, MetaData, Flags */
        put32(f + 0x200, 0x48);
        put16(f + 0x204, d->cor_major), put16(f + 0x206, d->cor_minor);
        put32(f + 0x210, d->cor_flags);
    }
    strcpy(path, "/tmp/winvm-ntimage-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, f, sizeof(f)), (ssize_t)sizeof(f));
    HANDLE h = winvm_handle_from_fd(fd, GENERIC_READ);
    close(fd);
    cr_assert_not_null(h);
    return h;
}

static SECTION_IMAGE_INFORMATION image_info(const struct dll *d)
{
    char path[64];
    HANDLE f = write_dll(d, path), s = NULL;
    cr_assert_eq(NtCreateSection(&s, SECTION_QUERY | SECTION_MAP_READ, NULL, NULL, PAGE_READONLY, SEC_IMAGE, f),
                 STATUS_SUCCESS);
    SECTION_IMAGE_INFORMATION ii;
    memset(&ii, 0xcc, sizeof(ii));
    cr_assert_eq(NtQuerySection(s, SectionImageInformation, &ii, sizeof(ii), NULL), STATUS_SUCCESS);
    CloseHandle(s), CloseHandle(f);
    unlink(path);
    return ii;
}

#define RX (0x20000000u | 0x40000000u) /* IMAGE_SCN_MEM_EXECUTE | MEM_READ */
#define R 0x40000000u

Test(nt_image, file_size_is_the_files_not_the_images)
{
    struct dll d = {.scn_chars = R};
    SECTION_IMAGE_INFORMATION ii = image_info(&d);
    cr_assert_eq(ii.ImageFileSize, FILE_SIZE);
    cr_assert_eq(ii.ImageCharacteristics, 0x2022);
    cr_assert_eq(ii.Machine, 0x8664);
    cr_assert_eq(ii.SubSystemType, 2);
    /* a second section of the same file comes from the cache entry now: the same answer */
    ii = image_info(&d);
    cr_assert_eq(ii.ImageFileSize, FILE_SIZE);
}

Test(nt_image, contains_code_by_headers_or_executable_sections)
{
    struct dll d = {.scn_chars = R};
    cr_assert_eq(image_info(&d).ImageContainsCode, FALSE);
    d.scn_chars = RX;
    cr_assert_eq(image_info(&d).ImageContainsCode, TRUE);
    d = (struct dll){.scn_chars = R, .size_of_code = 0x200};
    cr_assert_eq(image_info(&d).ImageContainsCode, TRUE);
    d = (struct dll){.scn_chars = R, .entry = 0x1000};
    cr_assert_eq(image_info(&d).ImageContainsCode, TRUE);
}

Test(nt_image, loader_flags_say_a_dotnet_header_is_there)
{
    /* the optional header's own LoaderFlags field is not what Windows reports */
    struct dll d = {.scn_chars = R, .opt_loader_flags = 7};
    SECTION_IMAGE_INFORMATION ii = image_info(&d);
    cr_assert_eq(ii.LoaderFlags, 0);
    cr_assert_eq(ii.ComPlusILOnly, 0);
    d = (struct dll){.scn_chars = R, .cor = true, .cor_major = 2, .cor_minor = 5, .cor_flags = 1};
    ii = image_info(&d);
    cr_assert_eq(ii.LoaderFlags, 1);
    cr_assert_eq(ii.ComPlusILOnly, 1);
    cr_assert_eq(ii.ComPlusNativeReady, 0); /* a 64-bit image */
    d.cor_minor = 0; /* IL only, but for a runtime before 2.5 */
    ii = image_info(&d);
    cr_assert_eq(ii.LoaderFlags, 1);
    cr_assert_eq(ii.ComPlusILOnly, 0);
}

static LONGLONG basic_size(HANDLE s)
{
    SECTION_BASIC_INFORMATION b;
    cr_assert_eq(NtQuerySection(s, SectionBasicInformation, &b, sizeof(b), NULL), STATUS_SUCCESS);
    cr_assert_eq(b.Attributes, SEC_FILE | SEC_IMAGE);
    return b.Size.QuadPart;
}

Test(nt_image, maximum_size_past_the_image_is_too_big)
{
    char path[64];
    struct dll d = {.scn_chars = R};
    HANDLE f = write_dll(&d, path), s = NULL;
    ACCESS_MASK a = SECTION_QUERY | SECTION_MAP_READ;
    cr_assert_eq(NtCreateSection(&s, a, NULL, NULL, PAGE_READONLY, SEC_IMAGE, f), STATUS_SUCCESS);
    cr_assert_eq(basic_size(s), IMAGE_SIZE);
    CloseHandle(s);
    LARGE_INTEGER max = {.QuadPart = IMAGE_SIZE + 1};
    HANDLE untouched = (HANDLE)(uintptr_t)0x1234;
    s = untouched;
    cr_assert_eq(NtCreateSection(&s, a, NULL, &max, PAGE_READONLY, SEC_IMAGE, f), STATUS_SECTION_TOO_BIG);
    cr_assert_eq(s, untouched);
    /* the file's own size does not matter */
    cr_assert_eq(truncate(path, IMAGE_SIZE + 1), 0);
    cr_assert_eq(NtCreateSection(&s, a, NULL, &max, PAGE_READONLY, SEC_IMAGE, f), STATUS_SECTION_TOO_BIG);
    max.QuadPart = IMAGE_SIZE;
    cr_assert_eq(NtCreateSection(&s, a, NULL, &max, PAGE_READONLY, SEC_IMAGE, f), STATUS_SUCCESS);
    cr_assert_eq(basic_size(s), IMAGE_SIZE);
    CloseHandle(s);
    max.QuadPart = 1; /* within the image: reported as asked, the image maps whole */
    cr_assert_eq(NtCreateSection(&s, a, NULL, &max, PAGE_READONLY, SEC_IMAGE, f), STATUS_SUCCESS);
    cr_assert_eq(basic_size(s), 1);
    void *p = NULL;
    SIZE_T size = 0;
    NTSTATUS st = NtMapViewOfSection(s, SELF, &p, 0, 0, NULL, &size, ViewShare, 0, PAGE_READONLY);
    cr_assert(st == STATUS_SUCCESS || st == STATUS_IMAGE_NOT_AT_BASE, "%#x", (unsigned)st);
    cr_assert_eq(size, IMAGE_SIZE);
    cr_assert_eq(NtUnmapViewOfSection(SELF, p), STATUS_SUCCESS);
    CloseHandle(s), CloseHandle(f);
    unlink(path);
}
