/* SPDX-License-Identifier: MIT */
/* test_image.c - SEC_IMAGE sections: layout and protections (reference, "Images"), sharing
 * through the page cache and the image cache, relocation by both policies, the cache's
 * safety rules, and bad images.  Images are the mingw-built DLLs of tests/images/; expected
 * values come from the PE parser, itself checked against objdump in test_pe. */
#define _GNU_SOURCE
#include "testutil.h"
#include "pfn.h"
#include "section/section.h"
#include "hooks.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define IMG(name) WINVM_PE_IMAGES "/" name

static char cache_dir[128];

static void need_simple_base(void);

/* Every test gets a fresh, private image cache. */
static void fresh_cache(void)
{
    snprintf(cache_dir, sizeof(cache_dir), "/tmp/winvm-test-cache.%d", (int)getpid());
    mkdir(cache_dir, 0700);
    setenv("WINVM_CACHE_DIR", cache_dir, 1);
    unsetenv("WINVM_IMAGE_SHARING");
    winvm_set_image_sharing(WINVM_IMAGE_SHARING_DEFAULT);
}

static void drop_cache(void)
{
    tu_remove_tree(cache_dir);
}

TestSuite(image, .init = fresh_cache, .fini = drop_cache);

/* The file's bytes and their parse. */
struct pe_file {
    uint8_t *data;
    size_t size;
    wv_pe pe;
};

static void load_file(const char *path, struct pe_file *f)
{
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0, "%s missing (mingw-w64 not installed?)", path);
    struct stat st;
    fstat(fd, &st);
    f->size = (size_t)st.st_size;
    f->data = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0); /* a copy */
    cr_assert_neq(f->data, MAP_FAILED);
    close(fd);
    cr_assert_eq(wv_pe_parse(&f->pe, f->data, f->size), 0, "%s", f->pe.reason);
}

static HANDLE open_section(const char *path)
{
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_EXECUTE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE, "%s: %u", path, GetLastError());
    HANDLE s = CreateFileMappingA(f, NULL, PAGE_EXECUTE_READ | SEC_IMAGE, 0, 0, NULL);
    cr_assert_not_null(s, "%s: %u", path, GetLastError());
    CloseHandle(f);
    return s;
}

static uint8_t *map_image(const char *path, DWORD *err)
{
    HANDLE s = open_section(path);
    SetLastError(SENTINEL);
    uint8_t *p = MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0);
    *err = GetLastError();
    cr_assert_not_null(p, "%s: %u", path, *err);
    CloseHandle(s);
    return p;
}

/* 1 when page p holds a private (anonymous) copy, 0 for a file page or not present. */
static int page_anon(const void *p)
{
    int fd = open("/proc/self/pagemap", O_RDONLY);
    uint64_t ent = 0;
    if (pread(fd, &ent, 8, (off_t)((uintptr_t)p / 4096 * 8)) != 8)
        ent = 0;
    close(fd);
    return (ent >> 63) && !(ent >> 61 & 1);
}

static void check_layout(const char *path)
{
    struct pe_file f;
    load_file(path, &f);
    NEED_FREE(f.pe.image_base, f.pe.size_of_image);
    DWORD err;
    uint8_t *p = map_image(path, &err);
    cr_assert_eq((uintptr_t)p, f.pe.image_base, "%s not at its preferred base", path);
    cr_assert_eq(err, ERROR_SUCCESS);
    MEMORY_BASIC_INFORMATION m;
    /* Header page: READONLY, the headers' bytes, zero past SizeOfHeaders. */
    cr_assert_eq(VirtualQuery(p, &m, sizeof(m)), sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READONLY);
    cr_assert_eq(m.AllocationProtect, PAGE_EXECUTE_WRITECOPY);
    cr_assert_eq(m.Type, MEM_IMAGE);
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.AllocationBase, p);
    cr_assert_eq(memcmp(p, f.data, f.pe.size_of_headers), 0);
    for (size_t o = f.pe.size_of_headers; o < PAGE; o++)
        cr_assert_eq(p[o], 0, "header byte %#zx not zero", o);
    for (unsigned k = 0; k < f.pe.nsections; k++) {
        const wv_pe_section *s = &f.pe.sections[k];
        cr_assert_eq(VirtualQuery(p + s->va, &m, sizeof(m)), sizeof(m));
        cr_assert_eq(m.Protect, s->protect, "%s: %#x, want %#x", s->name, m.Protect, s->protect);
        cr_assert_eq(m.Type, MEM_IMAGE);
        cr_assert_eq(m.AllocationProtect, PAGE_EXECUTE_WRITECOPY);
        if (!(s->protect & 0xee)) /* NOACCESS / EXECUTE: not readable */
            continue;
        uint32_t fsz = s->vsize && s->vsize < s->raw_size ? s->vsize : s->raw_size;
        cr_assert_eq(memcmp(p + s->va, f.data + s->raw_ptr, fsz), 0, "%s bytes differ", s->name);
        uint32_t span = (uint32_t)wv_page_up(s->vsize ? s->vsize : s->raw_size);
        for (uint32_t o = fsz; o < span; o++)
            cr_assert_eq(p[s->va + o], 0, "%s: byte %#x past the file data not zero", s->name, o);
    }
    cr_assert_eq(VirtualQuery(p + wv_page_up(f.pe.size_of_image), &m, sizeof(m)), sizeof(m));
    cr_assert_neq(m.AllocationBase, p, "the view is SizeOfImage long");
    cr_assert(UnmapViewOfFile(p + PAGE)); /* any address inside the view */
    cr_assert_eq(VirtualQuery(p, &m, sizeof(m)), sizeof(m));
    cr_assert_eq(m.State, MEM_FREE);
}

Test(image, layout_file_alignment_0x200) { check_layout(IMG("simple.dll")); }
Test(image, layout_file_alignment_0x1000) { check_layout(IMG("simple_fa1000.dll")); }
Test(image, layout_not_dynamic_base) { check_layout(IMG("simple_nodyn.dll")); }

/* The page of the first section with this protection. */
static const wv_pe_section *find_section(const struct pe_file *f, DWORD protect)
{
    for (unsigned k = 0; k < f->pe.nsections; k++)
        if (f->pe.sections[k].protect == protect)
            return &f->pe.sections[k];
    cr_assert_fail("no section with protection %#x", protect);
    return NULL;
}

Test(image, written_page_alone_turns_readwrite)
{
    struct pe_file f;
    load_file(IMG("simple.dll"), &f);
    const wv_pe_section *data = find_section(&f, PAGE_WRITECOPY);
    cr_assert_geq(wv_page_up(data->vsize), 2 * PAGE, ".data must span two pages");
    DWORD err;
    uint8_t *p = map_image(IMG("simple.dll"), &err);
    HANDLE s2 = open_section(IMG("simple.dll"));
    uint8_t *q = MapViewOfFile(s2, FILE_MAP_READ, 0, 0, 0); /* a second view, elsewhere */
    cr_assert_not_null(q);
    cr_assert_neq(q, p);
    uint8_t before = q[data->va + PAGE + 5];
    p[data->va + PAGE + 5] ^= 0x5a;
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery(p + data->va + PAGE, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, PAGE, "only the written page");
    VirtualQuery(p + data->va, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_WRITECOPY);
    cr_assert_eq(q[data->va + PAGE + 5], before, "the other view never sees the write");
    cr_assert(page_anon(p + data->va + PAGE));
    /* The file is unchanged. */
    struct pe_file again;
    load_file(IMG("simple.dll"), &again);
    cr_assert_eq(memcmp(again.data, f.data, f.size), 0);
    UnmapViewOfFile(q);
    UnmapViewOfFile(p);
    CloseHandle(s2);
}

Test(image, protect_rules)
{
    struct pe_file f;
    load_file(IMG("simple.dll"), &f);
    DWORD err, old = 0;
    uint8_t *p = map_image(IMG("simple.dll"), &err);
    const wv_pe_section *text = find_section(&f, PAGE_EXECUTE_READ);
    const wv_pe_section *rdata = find_section(&f, PAGE_READONLY);
    MEMORY_BASIC_INFORMATION m;
    cr_assert(VirtualProtect(p + rdata->va, PAGE, PAGE_READWRITE, &old));
    cr_assert_eq(old, PAGE_READONLY);
    VirtualQuery(p + rdata->va, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_WRITECOPY, "READWRITE on an image is WRITECOPY");
    cr_assert(VirtualProtect(p + text->va, PAGE, PAGE_EXECUTE_READWRITE, &old));
    cr_assert_eq(old, PAGE_EXECUTE_READ);
    VirtualQuery(p + text->va, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_EXECUTE_WRITECOPY);
    /* Writing the now write-copy page copies it: READWRITE, this process only. */
    uint8_t b = p[rdata->va];
    p[rdata->va] = (uint8_t)(b + 1);
    VirtualQuery(p + rdata->va, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert(VirtualProtect(p + rdata->va, PAGE, PAGE_READONLY, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    cr_assert(tu_write_faults(p + rdata->va));
    cr_assert_eq(p[rdata->va], (uint8_t)(b + 1), "the copy stays");
    /* Committing image pages is refused; nothing changes. */
    ALLOC_FAILS(ERROR_ACCESS_DENIED, p + text->va, PAGE, MEM_COMMIT, PAGE_READWRITE);
    VirtualQuery(p + text->va, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_EXECUTE_WRITECOPY);
    FREE_FAILS(ERROR_INVALID_PARAMETER, p, 0, MEM_RELEASE);
    UnmapViewOfFile(p);
}

/* ---- sharing between processes ---- */

/* Runs fn in a child; returns what it wrote (n words). */
static void in_child(void (*fn)(int out, const void *arg), const void *arg, uint64_t *got, size_t n)
{
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(pfd[0]);
        fn(pfd[1], arg);
        _exit(0);
    }
    close(pfd[1]);
    size_t want = n * sizeof(uint64_t), have = 0;
    while (have < want) {
        ssize_t r = read(pfd[0], (char *)got + have, want - have);
        if (r <= 0)
            break;
        have += (size_t)r;
    }
    close(pfd[0]);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed: %#x", status);
    cr_assert_eq(have, want, "child sent %zu of %zu bytes", have, want);
}

struct share_arg {
    const char *path;
    bool take_base;       /* occupy the preferred base first */
    DWORD policy;
};

#define MAXPAGES 64

/* Child: maps the image, reads every page; sends base, npages, then per page pfn | anon<<63. */
static void child_map(int out, const void *varg)
{
    const struct share_arg *a = varg;
    struct pe_file f;
    load_file(a->path, &f);
    if (a->take_base && tu_range_free(f.pe.image_base, PAGE) &&
        !VirtualAlloc((void *)f.pe.image_base, PAGE, MEM_RESERVE, PAGE_NOACCESS))
        _exit(3);
    winvm_set_image_sharing(a->policy);
    DWORD err;
    uint8_t *p = map_image(a->path, &err);
    uint64_t w[2 + MAXPAGES] = {(uint64_t)(uintptr_t)p, wv_page_up(f.pe.size_of_image) / PAGE};
    for (uint64_t i = 0; i < w[1] && i < MAXPAGES; i++) {
        MEMORY_BASIC_INFORMATION m;
        VirtualQuery(p + i * PAGE, &m, sizeof(m));
        if (m.Protect & 0x66) /* readable */
            (void)*(volatile uint8_t *)(p + i * PAGE);
        w[2 + i] = pfn_of(p + i * PAGE) | (uint64_t)page_anon(p + i * PAGE) << 63;
    }
    if (write(out, w, sizeof(w)) != (ssize_t)sizeof(w))
        _exit(4);
}

static void check_shared(const char *path)
{
    uint64_t a[2 + MAXPAGES], b[2 + MAXPAGES];
    struct share_arg arg = {path, false, WINVM_IMAGE_SHARING_DEFAULT};
    in_child(child_map, &arg, a, 2 + MAXPAGES);
    in_child(child_map, &arg, b, 2 + MAXPAGES);
    cr_assert_eq(a[0], b[0], "both at the preferred base");
    size_t same = 0, readable = 0;
    for (uint64_t i = 0; i < a[1] && i < MAXPAGES; i++) {
        cr_assert_eq(a[2 + i] >> 63, 0, "page %llu is a private copy", (unsigned long long)i);
        if (!(a[2 + i] & ((1ull << 55) - 1)))
            continue; /* not readable, or frames hidden (not root) */
        readable++;
        same += a[2 + i] == b[2 + i];
    }
    if (geteuid() == 0) {
        cr_assert_gt(readable, 0);
        cr_assert_eq(same, readable, "%zu of %zu pages are one frame in both processes", same, readable);
    }
}

Test(image, two_processes_share_every_page_fa0x200) { check_shared(IMG("simple.dll")); }
Test(image, two_processes_share_every_page_fa0x1000) { check_shared(IMG("simple_fa1000.dll")); }

/* Never the PE file itself, even page-aligned: a mapping of it would follow later writes. */
Test(image, page_aligned_image_is_mapped_from_its_cache_entry)
{
    need_simple_base();
    DWORD err;
    const char *paths[2] = {IMG("simple_fa1000.dll"), IMG("simple.dll")};
    for (int k = 0; k < 2; k++) {
        uint8_t *p = map_image(paths[k], &err);
        struct stat dll;
        cr_assert_eq(stat(paths[k], &dll), 0);
        DIR *d = opendir(cache_dir);
        int entries = 0;
        for (struct dirent *e; d && (e = readdir(d));)
            if (e->d_name[0] != '.') {
                struct stat st;
                fstatat(dirfd(d), e->d_name, &st, 0);
                cr_assert_eq(st.st_mode & 0777, 0600);
                cr_assert_eq(st.st_uid, geteuid());
                cr_assert_neq(st.st_ino, dll.st_ino);
                entries++;
            }
        closedir(d);
        cr_assert_eq(entries, k + 1, "%s is laid out once in the cache", paths[k]);
        UnmapViewOfFile(p);
    }
}

/* ---- relocation ---- */

static void expected_fixup_pages(struct pe_file *f, uint64_t *mask)
{
    uint32_t pages[MAXPAGES];
    size_t n = 0;
    cr_assert_eq(wv_pe_fixup_pages(&f->pe, pages, MAXPAGES, &n), 0);
    cr_assert_gt(n, 0);
    *mask = 0;
    for (size_t i = 0; i < n; i++)
        *mask |= 1ull << pages[i];
}

Test(image, classic_relocation_copies_exactly_the_fixup_pages)
{
    struct pe_file f;
    load_file(IMG("simple.dll"), &f);
    uint64_t fix;
    expected_fixup_pages(&f, &fix);
    uint64_t w[2 + MAXPAGES];
    struct share_arg arg = {IMG("simple.dll"), true, WINVM_IMAGE_SHARING_CLASSIC};
    in_child(child_map, &arg, w, 2 + MAXPAGES);
    cr_assert_neq(w[0], f.pe.image_base, "relocated");
    uint64_t anon = 0;
    for (uint64_t i = 0; i < w[1] && i < MAXPAGES; i++)
        anon |= (w[2 + i] >> 63) << i;
    cr_assert_eq(anon, fix, "private pages %#llx, fixup pages %#llx", (unsigned long long)anon,
                 (unsigned long long)fix);
}

Test(image, shared_relocation_is_shared_between_processes)
{
    uint64_t a[2 + MAXPAGES], b[2 + MAXPAGES];
    struct pe_file f;
    load_file(IMG("simple.dll"), &f);
    struct share_arg arg = {IMG("simple.dll"), true, WINVM_IMAGE_SHARING_SHARED};
    in_child(child_map, &arg, a, 2 + MAXPAGES);
    in_child(child_map, &arg, b, 2 + MAXPAGES);
    cr_assert_neq(a[0], f.pe.image_base);
    cr_assert_eq(a[0], b[0], "one base per image per boot");
    for (uint64_t i = 0; i < a[1] && i < MAXPAGES; i++) {
        cr_assert_eq(a[2 + i] >> 63, 0, "page %llu copied", (unsigned long long)i);
        if (geteuid() == 0 && (a[2 + i] & ((1ull << 55) - 1)))
            cr_assert_eq(a[2 + i], b[2 + i], "page %llu not shared", (unsigned long long)i);
    }
}

struct find_export {
    const char *name;
    uint32_t rva;
    int found;
};

static int match_export(void *ctx, const wv_pe_export *e)
{
    struct find_export *w = ctx;
    if (e->name && !strcmp(e->name, w->name))
        w->rva = e->rva, w->found = 1;
    return 0;
}

/* The DIR64 pointers of simple_table point into the view wherever it is. */
static void check_table(const uint8_t *p, struct pe_file *f, uint64_t expect_base)
{
    struct find_export want = {"simple_table", 0, 0};
    cr_assert_eq(wv_pe_exports(&f->pe, match_export, &want), 0);
    cr_assert(want.found);
    uint64_t v[3];
    memcpy(v, p + want.rva, sizeof(v));
    for (int i = 0; i < 3; i++) {
        uint64_t file_v;
        const uint8_t *src = wv_pe_rva_ptr(&f->pe, want.rva + 8u * i, 8);
        memcpy(&file_v, src, 8);
        cr_assert_eq(v[i], file_v - f->pe.image_base + expect_base, "entry %d", i);
    }
}

Test(image, dynamic_base_relocated_at_mapping)
{
    struct pe_file f;
    load_file(IMG("simple.dll"), &f);
    for (DWORD policy = 0; policy < 2; policy++) {
        winvm_set_image_sharing(policy);
        void *block = NULL; /* the base taken: by us, or already (a sanitizer's shadow) */
        if (tu_range_free(f.pe.image_base, PAGE))
            cr_assert_eq((uintptr_t)(block = VirtualAlloc((void *)f.pe.image_base, PAGE, MEM_RESERVE,
                                                          PAGE_NOACCESS)), f.pe.image_base);
        DWORD err;
        uint8_t *p = map_image(IMG("simple.dll"), &err);
        cr_assert_neq((uintptr_t)p, f.pe.image_base);
        cr_assert_eq(err, ERROR_SUCCESS, "a DYNAMIC_BASE image is relocated when mapped");
        check_table(p, &f, (uintptr_t)p);
        UnmapViewOfFile(p);
        if (block)
            VirtualFree(block, 0, MEM_RELEASE);
    }
}

Test(image, not_dynamic_base_reports_not_at_base)
{
    struct pe_file f;
    load_file(IMG("simple_nodyn.dll"), &f);
    if (tu_range_free(f.pe.image_base, PAGE))
        cr_assert_eq((uintptr_t)VirtualAlloc((void *)f.pe.image_base, PAGE, MEM_RESERVE, PAGE_NOACCESS),
                     f.pe.image_base);
    DWORD err;
    uint8_t *p = map_image(IMG("simple_nodyn.dll"), &err);
    cr_assert_eq(err, ERROR_IMAGE_NOT_AT_BASE);
    check_table(p, &f, f.pe.image_base); /* left for the loader */
    cr_assert_eq(wv_image_relocate(wv_image_at((uintptr_t)p), (uintptr_t)p), 0);
    check_table(p, &f, (uintptr_t)p);
    UnmapViewOfFile(p);
}

/* A copy of path with changes: the COFF characteristics or a truncation. */
static void write_variant(const char *path, char *out, size_t cap, uint16_t set_chars, size_t truncate)
{
    struct pe_file f;
    load_file(path, &f);
    snprintf(out, cap, "%s/variant-%d.dll", cache_dir, (int)getpid());
    uint32_t lfanew;
    memcpy(&lfanew, f.data + 60, 4);
    uint16_t ch;
    memcpy(&ch, f.data + lfanew + 4 + 18, 2);
    ch |= set_chars;
    memcpy(f.data + lfanew + 4 + 18, &ch, 2);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_eq(write(fd, f.data, truncate ? truncate : f.size), (ssize_t)(truncate ? truncate : f.size));
    close(fd);
}

/* Windows maps it elsewhere, unrelocated and not at base (Wine's test_image_mapping); the
 * loader is what refuses such a DLL (test_loader). */
Test(image, stripped_relocations_mapped_unrelocated)
{
    char path[256];
    write_variant(IMG("simple_nodyn.dll"), path, sizeof(path), WV_PE_FILE_RELOCS_STRIPPED, 0);
    struct pe_file f;
    load_file(path, &f);
    NEED_FREE(f.pe.image_base, f.pe.size_of_image);
    void *block = VirtualAlloc((void *)f.pe.image_base, PAGE, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(block);
    HANDLE s = open_section(path);
    void *p = MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0);
    cr_assert_not_null(p);
    cr_assert_neq((uintptr_t)p, f.pe.image_base);
    cr_assert_eq(memcmp((char *)p + f.pe.sections[0].va, f.data + f.pe.sections[0].raw_ptr, 16), 0, "laid out, unrelocated");
    UnmapViewOfFile(p);
    VirtualFree(block, 0, MEM_RELEASE);
    p = MapViewOfFile(s, FILE_MAP_READ, 0, 0, 0);
    cr_assert_eq((uintptr_t)p, f.pe.image_base, "at its base it loads");
    UnmapViewOfFile(p);
    CloseHandle(s);
}

Test(image, truncated_files_are_bad_exe_format)
{
    struct pe_file f;
    load_file(IMG("simple.dll"), &f);
    size_t cuts[] = {1, 64, 200, f.pe.size_of_headers, f.size / 2, f.size - 1};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        char path[256];
        write_variant(IMG("simple.dll"), path, sizeof(path), 0, cuts[i]);
        HANDLE fh = CreateFileA(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
        SetLastError(SENTINEL);
        HANDLE s = CreateFileMappingA(fh, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL);
        if (s) { /* a cut inside trailing data the image does not need is a valid file */
            CloseHandle(s);
            CloseHandle(fh);
            continue;
        }
        cr_assert_eq(GetLastError(), ERROR_BAD_EXE_FORMAT, "cut at %zu: %u", cuts[i], GetLastError());
        CloseHandle(fh);
    }
}

/* ---- the cache's safety rules ---- */

static int count_entries(char *first, size_t cap)
{
    DIR *d = opendir(cache_dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strstr(e->d_name, ".img")) {
            if (first && !n)
                snprintf(first, cap, "%s/%s", cache_dir, e->d_name);
            n++;
        }
    if (d)
        closedir(d);
    return n;
}

Test(image, modified_entry_is_rebuilt)
{
    need_simple_base(); /* else a second entry, for the shared base, joins the first */
    DWORD err;
    uint8_t *p = map_image(IMG("simple.dll"), &err);
    UnmapViewOfFile(p);
    char entry[512];
    cr_assert_eq(count_entries(entry, sizeof(entry)), 1);
    /* Someone writes into the entry: a byte of the image in it changes. */
    int fd = open(entry, O_WRONLY);
    cr_assert(pwrite(fd, "X", 1, 4096 + 0x1000) == 1);
    close(fd);
    p = map_image(IMG("simple.dll"), &err);
    char b = 0;
    fd = open(entry, O_RDONLY);
    cr_assert(pread(fd, &b, 1, 4096 + 0x1000) == 1);
    close(fd);
    cr_assert_neq(b, 'X', "rebuilt");
    struct pe_file f;
    load_file(IMG("simple.dll"), &f);
    cr_assert_eq(memcmp(p + 0x1000, f.data + f.pe.sections[0].raw_ptr, 16), 0, "the bytes are the file's");
    UnmapViewOfFile(p);
}

Test(image, foreign_or_open_entry_is_rebuilt)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to give a file away");
    need_simple_base();
    DWORD err;
    uint8_t *p = map_image(IMG("simple.dll"), &err);
    UnmapViewOfFile(p);
    char entry[512];
    cr_assert_eq(count_entries(entry, sizeof(entry)), 1);
    cr_assert_eq(chown(entry, 12345, 12345), 0);
    p = map_image(IMG("simple.dll"), &err);
    struct stat st;
    cr_assert_eq(stat(entry, &st), 0);
    cr_assert_eq(st.st_uid, 0, "another user's entry is replaced by ours");
    UnmapViewOfFile(p);
    cr_assert_eq(chmod(entry, 0666), 0);
    p = map_image(IMG("simple.dll"), &err);
    cr_assert_eq(stat(entry, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "a world-writable entry is not trusted: rebuilt");
    UnmapViewOfFile(p);
}

Test(image, unusable_cache_falls_back_to_private_copies)
{
    cr_assert_eq(chmod(cache_dir, 0755), 0);
    struct pe_file f;
    load_file(IMG("simple.dll"), &f);
    NEED_FREE(f.pe.image_base, f.pe.size_of_image);
    DWORD err;
    uint8_t *p = map_image(IMG("simple.dll"), &err);
    cr_assert_eq((uintptr_t)p, f.pe.image_base);
    cr_assert_eq(count_entries(NULL, 0), 0, "nothing written into an open directory");
    cr_assert_eq(memcmp(p, f.data, f.pe.size_of_headers), 0);
    cr_assert(page_anon(p), "a private copy");
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery(p, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READONLY);
    UnmapViewOfFile(p);
}

Test(image, lru_keeps_the_cache_bounded)
{
    /* Three entries (preferred base + two shared bases) with room for two: the oldest goes. */
    DWORD err;
    uint8_t *p = map_image(IMG("simple.dll"), &err); /* entry 1 */
    UnmapViewOfFile(p);
    char first[512];
    int n0 = count_entries(first, sizeof(first)); /* 2 when the preferred base is taken (shared) */
    cr_assert_geq(n0, 1);
    struct stat st;
    cr_assert_eq(stat(first, &st), 0);
    char max[32]; /* room for n0 + 1.5 entries (every block allocated: fallocate) */
    snprintf(max, sizeof(max), "%lld", (long long)st.st_blocks * 512 * (2 * n0 + 3) / 2);
    setenv("WINVM_CACHE_MAX", max, 1);
    char path[256];
    write_variant(IMG("simple.dll"), path, sizeof(path), 0, 0); /* another identity */
    sleep(1); /* atimes one second apart */
    p = map_image(path, &err); /* entry 2 */
    UnmapViewOfFile(p);
    cr_assert_eq(count_entries(NULL, 0), n0 + 1);
    sleep(1);
    write_variant(IMG("simple_nodyn.dll"), path, sizeof(path), 0, 0);
    p = map_image(path, &err); /* entry 3 (new identity) */
    UnmapViewOfFile(p);
    int n = count_entries(NULL, 0);
    cr_assert_leq(n, n0 + 1, "evicted down to the limit");
    cr_assert_eq(winvm_cache_clear(), n);
    cr_assert_eq(count_entries(NULL, 0), 0);
}

static void need_simple_base(void)
{
    struct pe_file f;
    load_file(IMG("simple.dll"), &f);
    NEED_FREE(f.pe.image_base, f.pe.size_of_image);
    NEED_FREE(0x10000000, 0x10000); /* simple_fa1000.dll's */
}

/* ---- flat images: SectionAlignment below the page size ---- */

Test(image, flat_image_mapped_as_the_file_is)
{
    struct pe_file f;
    load_file(IMG("flat.dll"), &f);
    cr_assert_lt(f.pe.section_alignment, 4096);
    for (int relocate = 0; relocate < 2; relocate++) {
        void *block = NULL;
        if (relocate && tu_range_free(f.pe.image_base, PAGE))
            block = VirtualAlloc((void *)f.pe.image_base, PAGE, MEM_RESERVE, PAGE_NOACCESS);
        DWORD err;
        uint8_t *p = map_image(IMG("flat.dll"), &err);
        MEMORY_BASIC_INFORMATION m;
        cr_assert_eq(VirtualQuery(p, &m, sizeof(m)), sizeof(m));
        cr_assert_eq(m.Protect, PAGE_EXECUTE_WRITECOPY, "every page of a flat image");
        cr_assert_eq(m.RegionSize, wv_page_up(f.pe.size_of_image), "one region");
        cr_assert_eq(m.Type, MEM_IMAGE);
        /* RVA = file offset: the bytes are the file's (fixup-free spans: the headers, .text). */
        cr_assert_eq(memcmp(p, f.data, 0x600), 0);
        struct find_export want = {"flat_table", 0, 0};
        cr_assert_eq(wv_pe_exports(&f.pe, match_export, &want), 0);
        cr_assert(want.found);
        uint64_t entry;
        memcpy(&entry, p + want.rva, 8);
        VirtualQuery((void *)(uintptr_t)entry, &m, sizeof(m));
        cr_assert_eq(m.AllocationBase, p, "its pointers point into the view wherever it is");
        UnmapViewOfFile(p);
        if (block)
            VirtualFree(block, 0, MEM_RELEASE);
    }
}
