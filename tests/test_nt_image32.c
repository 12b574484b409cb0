/* SPDX-License-Identifier: MIT */
/* test_nt_image32.c - an i386 (PE32) image in winvm's 64-bit process, as 64-bit Windows treats
 * one (Wine's test_Loader, its PE32 rounds, run on Windows 10): NtCreateSection(SEC_IMAGE)
 * makes the section and NtQuerySection reports its PE32 fields (machine 0x14c, the 32-bit
 * ImageBase and stack sizes, the .NET header's 32-bit flags); NtMapViewOfSection maps it with
 * its sections' protections and says STATUS_IMAGE_MACHINE_TYPE_MISMATCH when it holds code;
 * the loader refuses it (ERROR_BAD_EXE_FORMAT) and, searching for a DLL by name, passes over it
 * to the next directory's image of its own machine.  The PE32 files are written here. */
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
#define BASE32 0x10000000u

static char dir[] = "/tmp/winvm-image32-XXXXXX";

static void setup(void) { cr_assert_not_null(mkdtemp(dir)); }
static void teardown(void) { tu_remove_tree(dir); }

TestSuite(nt_image32, .init = setup, .fini = teardown);

struct dll32 {
    uint32_t size_of_code, entry, scn_chars;
    bool cor;
    uint16_t cor_minor; /* runtime 2.minor */
    uint32_t cor_flags;
};

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* A PE32 i386 DLL of one section (RVA 0x1000, 0x200 bytes of 0x5a at file offset 0x200). */
static void write_dll32(const struct dll32 *d, const char *path)
{
    static uint8_t f[FILE_SIZE];
    memset(f, 0, sizeof(f));
    f[0] = 'M', f[1] = 'Z';
    put32(f + 0x3c, 0x40);
    uint8_t *nt = f + 0x40, *fh = nt + 4, *opt = fh + 20;
    memcpy(nt, "PE\0\0", 4);
    put16(fh, 0x14c);
    put16(fh + 2, 1);
    put16(fh + 16, 0xe0);   /* SizeOfOptionalHeader: PE32's */
    put16(fh + 18, 0x2102); /* EXECUTABLE_IMAGE | 32BIT_MACHINE | DLL */
    put16(opt, 0x10b);
    put32(opt + 4, d->size_of_code);
    put32(opt + 16, d->entry);
    put32(opt + 28, BASE32);  /* ImageBase (32 bits) */
    put32(opt + 32, 0x1000);  /* SectionAlignment */
    put32(opt + 36, 0x200);   /* FileAlignment */
    put16(opt + 40, 5), put16(opt + 42, 1); /* OS version */
    put16(opt + 48, 5), put16(opt + 50, 2); /* subsystem version */
    put32(opt + 56, IMAGE_SIZE);
    put32(opt + 60, 0x200);   /* SizeOfHeaders */
    put32(opt + 64, 0xc0ffee); /* CheckSum */
    put16(opt + 68, 3);       /* CUI */
    put32(opt + 72, 0x321000), put32(opt + 76, 0x123000); /* stack reserve / commit: 32-bit fields */
    put32(opt + 92, 16);
    if (d->cor)
        put32(opt + 96 + 14 * 8, 0x1000), put32(opt + 96 + 14 * 8 + 4, 0x48);
    uint8_t *sh = opt + 0xe0;
    memcpy(sh, ".text", 5);
    put32(sh + 8, 0x1000), put32(sh + 12, 0x1000);
    put32(sh + 16, 0x200), put32(sh + 20, 0x200);
    put32(sh + 36, d->scn_chars);
    memset(f + 0x200, 0x5a, 0x200);
    if (d->cor) {
        put32(f + 0x200, 0x48);
        put16(f + 0x204, 2), put16(f + 0x206, d->cor_minor);
        put32(f + 0x210, d->cor_flags);
    }
    FILE *out = fopen(path, "wb");
    cr_assert_not_null(out, "%s", path);
    cr_assert_eq(fwrite(f, 1, sizeof(f), out), sizeof(f));
    fclose(out);
}

/* The image section of a PE32 DLL written from d (its file handle in *file). */
static HANDLE section32(const struct dll32 *d, HANDLE *file)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/img32.dll", dir);
    write_dll32(d, path);
    *file = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(*file, INVALID_HANDLE_VALUE);
    HANDLE s = NULL;
    cr_assert_eq(NtCreateSection(&s, SECTION_QUERY | SECTION_MAP_READ, NULL, NULL, PAGE_READONLY, SEC_IMAGE,
                                 *file),
                 STATUS_SUCCESS);
    return s;
}

static SECTION_IMAGE_INFORMATION info32(const struct dll32 *d)
{
    HANDLE f, s = section32(d, &f);
    SECTION_IMAGE_INFORMATION ii;
    memset(&ii, 0xcc, sizeof(ii));
    cr_assert_eq(NtQuerySection(s, SectionImageInformation, &ii, sizeof(ii), NULL), STATUS_SUCCESS);
    CloseHandle(s), CloseHandle(f);
    return ii;
}

#define RX 0x60000020u /* CNT_CODE | MEM_EXECUTE | MEM_READ */
#define R 0x40000000u

Test(nt_image32, section_information_from_the_pe32_headers)
{
    struct dll32 d = {.size_of_code = 0x200, .entry = 0x1010, .scn_chars = RX};
    SECTION_IMAGE_INFORMATION ii = info32(&d);
    cr_assert_eq(ii.Machine, 0x14c);
    cr_assert_eq((uintptr_t)ii.TransferAddress, BASE32 + 0x1010);
    cr_assert_eq(ii.MaximumStackSize, 0x321000);
    cr_assert_eq(ii.CommittedStackSize, 0x123000);
    cr_assert_eq(ii.SubSystemType, 3);
    cr_assert_eq(ii.SubSystemMajorVersion, 5);
    cr_assert_eq(ii.SubSystemMinorVersion, 2);
    cr_assert_eq(ii.MajorOperatingSystemVersion, 5);
    cr_assert_eq(ii.MinorOperatingSystemVersion, 1);
    cr_assert_eq(ii.ImageCharacteristics, 0x2102);
    cr_assert_eq(ii.CheckSum, 0xc0ffee);
    cr_assert_eq(ii.ImageFileSize, FILE_SIZE);
    cr_assert_eq(ii.ImageContainsCode, TRUE);
    cr_assert_eq(ii.LoaderFlags, 0);
    d = (struct dll32){.scn_chars = R};
    cr_assert_eq(info32(&d).ImageContainsCode, FALSE);
}

Test(nt_image32, dotnet_flags_of_a_32_bit_image)
{
    struct dll32 d = {.scn_chars = R, .cor = true, .cor_minor = 5, .cor_flags = 1 /* ILONLY */};
    SECTION_IMAGE_INFORMATION ii = info32(&d);
    cr_assert_eq(ii.LoaderFlags, 1);
    cr_assert_eq(ii.ComPlusILOnly, 1);
    cr_assert_eq(ii.ComPlusNativeReady, 1);
    cr_assert_eq(ii.ComPlusPrefer32bit, 0);
    d.cor_flags = 1 | 2; /* 32BITREQUIRED */
    ii = info32(&d);
    cr_assert_eq(ii.ComPlusNativeReady, 0);
    d.cor_flags = 1 | 0x20000; /* 32BITPREFERRED */
    ii = info32(&d);
    cr_assert_eq(ii.ComPlusNativeReady, 1);
    cr_assert_eq(ii.ComPlusPrefer32bit, 1);
    d.cor_minor = 4; /* a runtime before 2.5: none of the three */
    ii = info32(&d);
    cr_assert_eq(ii.LoaderFlags, 1);
    cr_assert_eq(ii.ComPlusILOnly | ii.ComPlusNativeReady | ii.ComPlusPrefer32bit, 0);
}

/* Maps d's section: the status, and the view checked page by page. */
static NTSTATUS map32(const struct dll32 *d, DWORD text_protect)
{
    HANDLE f, s = section32(d, &f);
    void *p = NULL;
    SIZE_T size = 0;
    NTSTATUS st = NtMapViewOfSection(s, SELF, &p, 0, 0, NULL, &size, ViewShare, 0, PAGE_READONLY);
    cr_assert_geq(st, 0, "%#x", (unsigned)st);
    cr_assert_not_null(p);
    cr_assert_eq(size, IMAGE_SIZE);
    MEMORY_BASIC_INFORMATION head = tu_query(p), text = tu_query((char *)p + 0x1000);
    cr_assert_eq(head.Type, MEM_IMAGE);
    cr_assert_eq(head.Protect, PAGE_READONLY);
    cr_assert_eq(head.AllocationProtect, PAGE_EXECUTE_WRITECOPY);
    cr_assert_eq(text.Protect, text_protect);
    cr_assert_eq(memcmp(p, "MZ", 2), 0);
    cr_assert_eq(((unsigned char *)p)[0x1000 + 0x1ff], 0x5a, "the section's bytes at its RVA");
    cr_assert_eq(((unsigned char *)p)[0x1000 + 0x200], 0, "zero past its raw data");
    cr_assert_eq(NtUnmapViewOfSection(SELF, p), STATUS_SUCCESS);
    CloseHandle(s), CloseHandle(f);
    return st;
}

Test(nt_image32, a_view_maps_with_the_sections_protections)
{
    struct dll32 d = {.size_of_code = 0x200, .scn_chars = RX};
    cr_assert_eq(map32(&d, PAGE_EXECUTE_READ), STATUS_IMAGE_MACHINE_TYPE_MISMATCH);
    /* without code it is plain data to this process: no mismatch reported */
    d = (struct dll32){.scn_chars = R};
    NTSTATUS st = map32(&d, PAGE_READONLY);
    cr_assert(st == STATUS_SUCCESS || st == STATUS_IMAGE_NOT_AT_BASE, "%#x", (unsigned)st);
}

Test(nt_image32, loadlibrary_refuses_it)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/lib32.dll", dir);
    struct dll32 d = {.size_of_code = 0x200, .entry = 0x1000, .scn_chars = RX};
    write_dll32(&d, path);
    SetLastError(0xdeadbeef);
    cr_assert_null(LoadLibraryA(path));
    cr_assert_eq(GetLastError(), ERROR_BAD_EXE_FORMAT);
    cr_assert_null(GetModuleHandleA("lib32.dll"));
}

/* dir/a holds an i386 lib32b.dll, dir/b the x86-64 dep.dll under that name: a search by name
 * passes over the first and loads the second; with only the first, the name is an image of the
 * wrong machine (ERROR_BAD_EXE_FORMAT), not a missing module. */
Test(nt_image32, a_search_passes_over_it)
{
    char a[128], b[128], p32[160], p64[160], src[512];
    snprintf(a, sizeof(a), "%s/a", dir), snprintf(b, sizeof(b), "%s/b", dir);
    cr_assert_eq(mkdir(a, 0700), 0);
    cr_assert_eq(mkdir(b, 0700), 0);
    snprintf(p32, sizeof(p32), "%s/lib32b.dll", a);
    struct dll32 d = {.size_of_code = 0x200, .entry = 0x1000, .scn_chars = RX};
    write_dll32(&d, p32);
    char *old = getenv("WINVM_PATH") ? strdup(getenv("WINVM_PATH")) : NULL;
    setenv("WINVM_PATH", a, 1);
    SetLastError(0xdeadbeef);
    cr_assert_null(LoadLibraryA("lib32b.dll"));
    cr_assert_eq(GetLastError(), ERROR_BAD_EXE_FORMAT);
    snprintf(src, sizeof(src), "%s/dep.dll", WINVM_PE_IMAGES);
    snprintf(p64, sizeof(p64), "%s/lib32b.dll", b);
    cr_assert(CopyFileA(src, p64, FALSE), "%u", GetLastError());
    char both[300];
    snprintf(both, sizeof(both), "%s:%s", a, b);
    setenv("WINVM_PATH", both, 1);
    HMODULE h = LoadLibraryA("lib32b.dll");
    cr_assert_not_null(h, "%u (%s)", GetLastError(), winvm_last_load_error());
    char got[512];
    cr_assert_gt(GetModuleFileNameA(h, got, sizeof(got)), 0);
    cr_assert_not_null(strstr(got, "/b/") ? got : strstr(got, "\\b\\"), "%s", got);
    cr_assert(FreeLibrary(h));
    if (old)
        setenv("WINVM_PATH", old, 1), free(old);
    else
        unsetenv("WINVM_PATH");
}
