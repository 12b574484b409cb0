/* SPDX-License-Identifier: MIT */
/* inspect.c - `winvm inspect FILE`: what winvm's PE parser sees in an image and how it would map
 * it: headers, sections with their page protection, imports, exports, fixup pages, sharing. */
#include "cli.h"
#include "tool.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *prot_text(DWORD p)
{
    switch (p) {
    case PAGE_NOACCESS: return "NOACCESS";
    case PAGE_READONLY: return "READONLY";
    case PAGE_WRITECOPY: return "WRITECOPY";
    case PAGE_EXECUTE: return "EXECUTE";
    case PAGE_EXECUTE_READ: return "EXECUTE_READ";
    case PAGE_EXECUTE_WRITECOPY: return "EXECUTE_WRITECOPY";
    default: return "?";
    }
}

static void print_headers(const wv_pe *pe)
{
    printf("machine            %#06x (%s), %s\n", pe->machine, wv_pe_machine_name(pe->machine),
           pe->pe32plus ? "PE32+" : "PE32");
    printf("characteristics    %#06x%s%s\n", pe->characteristics,
           pe->characteristics & WV_PE_FILE_DLL ? " DLL" : " EXE",
           pe->characteristics & WV_PE_FILE_RELOCS_STRIPPED ? " RELOCS_STRIPPED" : "");
    printf("dll characteristics %#06x%s%s%s\n", pe->dll_characteristics,
           pe->dll_characteristics & WV_PE_DLL_DYNAMIC_BASE ? " DYNAMIC_BASE" : "",
           pe->dll_characteristics & WV_PE_DLL_NX_COMPAT ? " NX_COMPAT" : "",
           pe->dll_characteristics & WV_PE_DLL_HIGH_ENTROPY_VA ? " HIGH_ENTROPY_VA" : "");
    printf("image base         %#llx\n", (unsigned long long)pe->image_base);
    printf("size of image      %#x\nsize of headers    %#x\n", pe->size_of_image, pe->size_of_headers);
    printf("section alignment  %#x\nfile alignment     %#x\n", pe->section_alignment, pe->file_alignment);
    printf("entry point RVA    %#x\n", pe->entry_rva);
    printf("subsystem          %u (%s)\n", pe->subsystem,
           pe->subsystem == 3 ? "console" : pe->subsystem == 2 ? "GUI" : pe->subsystem == 1 ? "native" : "other");
    printf("stack reserve      %#llx, commit %#llx\n", (unsigned long long)pe->stack_reserve,
           (unsigned long long)pe->stack_commit);
}

static void print_sections(const wv_pe *pe)
{
    printf("\nsections (%u):  name      RVA        vsize      file off   raw size   protection\n", pe->nsections);
    printf("  %-8s  %#-10x %#-10x %#-10x %#-10x %s\n", "(headers)", 0, pe->size_of_headers, 0,
           pe->size_of_headers, "READONLY");
    for (unsigned i = 0; i < pe->nsections; i++) {
        const wv_pe_section *s = &pe->sections[i];
        printf("  %-8s  %#-10x %#-10x %#-10x %#-10x %s\n", s->name, s->va, s->vsize, s->raw_ptr, s->raw_size,
               prot_text(s->protect));
    }
}

static int print_import(void *ctx, const wv_pe_import *imp)
{
    const char **last = ctx;
    if (!*last || strcmp(*last, imp->dll) != 0)
        printf("  %s%s\n", imp->dll, imp->delay ? " (delay-loaded)" : "");
    *last = imp->dll;
    if (imp->by_ordinal)
        printf("    ordinal %u\n", imp->ordinal);
    else
        printf("    %s (hint %u)\n", imp->name, imp->hint);
    return 0;
}

static int print_export(void *ctx, const wv_pe_export *e)
{
    (void)ctx;
    printf("  %5u  %#-10x %s", e->ordinal, e->rva, e->name ? e->name : "(by ordinal)");
    if (e->forwarder)
        printf(" -> %s", e->forwarder);
    printf("\n");
    return 0;
}

static int report(const wv_pe *pe, DWORD st, const char *what)
{
    if (!st)
        return 0;
    printf("  error in %s: status %#x: %s\n", what, st, pe->reason);
    return 1;
}

static int print_tables(wv_pe *pe)
{
    int bad = 0;
    const char *last = NULL;
    printf("\nimports:\n");
    bad |= report(pe, wv_pe_imports(pe, false, print_import, &last), "imports");
    last = NULL;
    bad |= report(pe, wv_pe_imports(pe, true, print_import, &last), "delay imports");
    const char *name = wv_pe_export_name(pe);
    printf("\nexports%s%s:\n", name ? " of " : "", name ? name : "");
    bad |= report(pe, wv_pe_exports(pe, print_export, NULL), "exports");
    return bad;
}

static int print_fixups(wv_pe *pe)
{
    size_t n = 0, max = pe->size_of_image / 4096 + 1;
    uint32_t *pages = calloc(max, sizeof(*pages));
    if (!pages)
        return 1;
    DWORD st = wv_pe_fixup_pages(pe, pages, max, &n);
    printf("\nfixups: %zu of %u pages hold fixups", n, (pe->size_of_image + 4095) / 4096);
    for (size_t i = 0; i < n && i < max; i++)
        printf("%s%#x", i ? ", " : ": RVA ", pages[i] * 4096);
    printf("\n");
    free(pages);
    return report(pe, st, "base relocations");
}

static void print_sharing(const wv_pe *pe)
{
    if (wv_image_direct(pe))
        printf("\nmapping: sections are page-aligned in the file; laid out once in the image cache all\n"
               "         the same (a running image never maps its file), shared from there\n");
    else if (wv_pe_page_aligned(pe))
        printf("\nmapping: page-aligned, but a section's last page shows bytes that are not its own:\n"
               "         laid out once in the image cache, shared from there\n");
    else
        printf("\nmapping: FileAlignment %#x < 4096: laid out once in the image cache, shared from there\n",
               pe->file_alignment);
}

int cli_inspect(int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "usage: winvm inspect FILE\n");
        return 2;
    }
    int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        perror(argv[0]);
        return 1;
    }
    size_t size = (size_t)st.st_size;
    void *map = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (size && map == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    wv_pe *pe = malloc(sizeof(*pe));
    DWORD status = wv_pe_parse(pe, map, size);
    int rc = 0;
    if (status) {
        printf("%s: not a valid image: status %#x (Win32 error %u): %s\n", argv[0], status,
               wv_pe_status_to_error(status), pe->reason);
        rc = 1;
    } else {
        printf("%s: %zu bytes\n", argv[0], size);
        print_headers(pe);
        print_sections(pe);
        rc |= print_tables(pe);
        rc |= print_fixups(pe);
        print_sharing(pe);
    }
    free(pe);
    if (size)
        munmap(map, size);
    return rc;
}
