/* SPDX-License-Identifier: MIT */
/* pe.h - PE/COFF parser and validator: pure code over a memory buffer, no mapping.
 *
 * wv_pe_parse() checks every header field it records: offsets against the buffer size, RVAs
 * against SizeOfImage, with 64-bit arithmetic so that no sum can wrap.  After a successful parse
 * the iterators read only through wv_pe_rva_ptr(), which returns NULL instead of ever pointing
 * outside the buffer.  A malformed file gets a Windows status and a reason string, never a crash.
 * Statuses follow what Wine's get_image_params() returns for the same defect. */
#ifndef WV_PE_H
#define WV_PE_H

#include "winvm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATUS_SUCCESS_PE 0x00000000u
#ifndef STATUS_INVALID_IMAGE_FORMAT
#define STATUS_INVALID_IMAGE_FORMAT 0xC000007Bu    /* anything wrong past the NT headers */
#endif
#ifndef STATUS_INVALID_IMAGE_NOT_MZ
#define STATUS_INVALID_IMAGE_NOT_MZ 0xC000012Fu    /* no DOS header / no "MZ" */
#endif
#ifndef STATUS_INVALID_IMAGE_PROTECT
#define STATUS_INVALID_IMAGE_PROTECT 0xC0000130u   /* "MZ" but no readable "PE\0\0" headers */
#endif
#ifndef STATUS_INVALID_IMAGE_NE_FORMAT
#define STATUS_INVALID_IMAGE_NE_FORMAT 0xC000011Bu  /* "MZ", then an "NE" (16-bit) header */
#endif
#ifndef STATUS_INVALID_IMAGE_WIN_16
#define STATUS_INVALID_IMAGE_WIN_16 0xC0000131u     /* an NE header of a Windows program */
#endif
#ifndef STATUS_INVALID_FILE_FOR_SECTION
#define STATUS_INVALID_FILE_FOR_SECTION 0xC0000020u /* empty file */
#endif
#ifndef STATUS_IMAGE_NOT_AT_BASE
#define STATUS_IMAGE_NOT_AT_BASE 0x40000003u
#endif
#ifndef ERROR_BAD_EXE_FORMAT
#define ERROR_BAD_EXE_FORMAT 193L                  /* what the Win32 layer reports for all of them */
#endif

#define WV_PE_MACHINE_I386 0x014c
#define WV_PE_MACHINE_AMD64 0x8664

#define WV_PE_FILE_RELOCS_STRIPPED 0x0001
#define WV_PE_FILE_EXECUTABLE 0x0002
#define WV_PE_FILE_DLL 0x2000

#define WV_PE_DLL_HIGH_ENTROPY_VA 0x0020
#define WV_PE_DLL_DYNAMIC_BASE 0x0040
#define WV_PE_DLL_NX_COMPAT 0x0100

#define WV_PE_SCN_CNT_UNINIT 0x00000080u
#define WV_PE_SCN_MEM_EXECUTE 0x20000000u
#define WV_PE_SCN_MEM_READ 0x40000000u
#define WV_PE_SCN_MEM_WRITE 0x80000000u

#define WV_PE_MAX_SECTIONS 96 /* Windows' limit */

enum wv_pe_dir_index {
    WV_PE_DIR_EXPORT = 0,
    WV_PE_DIR_IMPORT = 1,
    WV_PE_DIR_RESOURCE = 2,
    WV_PE_DIR_EXCEPTION = 3,
    WV_PE_DIR_SECURITY = 4, /* a file offset, not an RVA */
    WV_PE_DIR_BASERELOC = 5,
    WV_PE_DIR_DEBUG = 6,
    WV_PE_DIR_TLS = 9,
    WV_PE_DIR_LOAD_CONFIG = 10,
    WV_PE_DIR_IAT = 12,
    WV_PE_DIR_DELAY_IMPORT = 13,
    WV_PE_DIR_COUNT = 16
};

enum wv_pe_reloc_type {
    WV_PE_REL_ABSOLUTE = 0,
    WV_PE_REL_HIGH = 1,
    WV_PE_REL_LOW = 2,
    WV_PE_REL_HIGHLOW = 3,
    WV_PE_REL_DIR64 = 10
};

typedef struct wv_pe_section {
    char name[9]; /* NUL-terminated copy of the 8-byte name */
    uint32_t va, vsize, raw_ptr, raw_size, characteristics;
    DWORD protect; /* PAGE_* the section's pages get (reference table) */
} wv_pe_section;

typedef struct wv_pe_dir {
    uint32_t rva, size;
} wv_pe_dir;

typedef struct wv_pe {
    const uint8_t *data; /* the buffer parsed; not owned */
    size_t size;
    uint16_t machine;
    uint32_t timestamp; /* the COFF header's TimeDateStamp */
    bool pe32plus;
    uint16_t characteristics, dll_characteristics, subsystem;
    uint64_t image_base;
    uint32_t size_of_image, size_of_headers, section_alignment, file_alignment;
    uint32_t entry_rva;
    uint64_t stack_reserve, stack_commit; /* SizeOfStackReserve / SizeOfStackCommit */
    uint32_t ndirs; /* NumberOfRvaAndSizes, clamped to 16; dirs past it read {0,0} */
    wv_pe_dir dirs[WV_PE_DIR_COUNT];
    unsigned nsections;
    wv_pe_section sections[WV_PE_MAX_SECTIONS];
    bool layout;      /* parsed as laid out (wv_pe_parse_layout): data is RVA-indexed */
    DWORD status;     /* 0 after a successful parse */
    char reason[160]; /* human-readable cause when status != 0 */
} wv_pe;

/* Parses and validates; returns 0 or a STATUS_*; pe->reason says why. */
DWORD wv_pe_parse(wv_pe *pe, const void *data, size_t size);
/* Parses an image as laid out in memory (data: RVA-indexed, as an image-cache entry holds it;
 * size: the bytes held, SizeOfImage or fewer): the headers are checked as wv_pe_parse checks
 * them; each section's file data is then found at its RVA (raw_ptr = va; a flat image's
 * layout is the file as is, so its raw_ptr stays), raw_size cut to what the buffer holds.
 * The security directory (file offsets, never laid out) is not checked. */
DWORD wv_pe_parse_layout(wv_pe *pe, const void *data, size_t size);
/* Records a defect (pe.c, for pe.c and pe_dir.c): status and the printf-formatted reason;
 * returns status. */
DWORD wv_pe_fail(wv_pe *pe, DWORD status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Win32 error for a parse status (ERROR_BAD_EXE_FORMAT for every image status). */
DWORD wv_pe_status_to_error(DWORD status);
const char *wv_pe_machine_name(uint16_t machine);
/* PAGE_* for IMAGE_SCN_MEM_{READ,WRITE,EXECUTE} characteristics. */
DWORD wv_pe_section_protect(uint32_t characteristics);
/* A flat image (SectionAlignment below the page size, or a FileAlignment not a multiple of 512)
 * is mapped as the file is, RVA = file offset. */
bool wv_pe_flat(const wv_pe *pe);
/* True when every section's file offset is page-aligned, so the file can be mapped straight. */
bool wv_pe_page_aligned(const wv_pe *pe);

/* File bytes backing [rva, rva + len), all inside one section's raw data or the headers;
 * NULL if any byte is outside the file.  Never returns a pointer outside the buffer. */
const uint8_t *wv_pe_rva_ptr(const wv_pe *pe, uint64_t rva, uint64_t len);
/* NUL-terminated string at rva, wholly inside the file (at most max bytes); NULL otherwise. */
const char *wv_pe_rva_str(const wv_pe *pe, uint64_t rva, size_t max);

/* ---- iterators: each calls fn per entry; fn returns nonzero to stop early (status 0).
 * They return 0 or STATUS_INVALID_IMAGE_FORMAT with pe->reason set (pe is written only there). */
typedef struct wv_pe_import {
    const char *dll;  /* DLL name */
    const char *name; /* NULL when by ordinal */
    uint16_t hint, ordinal;
    bool by_ordinal, delay;
    uint32_t iat_rva; /* the slot the loader fills */
} wv_pe_import;
typedef int (*wv_pe_import_fn)(void *ctx, const wv_pe_import *imp);
DWORD wv_pe_imports(wv_pe *pe, bool delay, wv_pe_import_fn fn, void *ctx);

typedef struct wv_pe_export {
    const char *name;      /* NULL for an export by ordinal only */
    uint32_t ordinal;      /* Base + index */
    uint32_t rva;          /* function RVA (or the forwarder string's RVA) */
    const char *forwarder; /* "dll.Function" when the RVA points into the export directory */
} wv_pe_export;
typedef int (*wv_pe_export_fn)(void *ctx, const wv_pe_export *exp);
DWORD wv_pe_exports(wv_pe *pe, wv_pe_export_fn fn, void *ctx);
/* The export directory's DLL name, or NULL. */
const char *wv_pe_export_name(const wv_pe *pe);

typedef struct wv_pe_reloc {
    uint32_t page_rva; /* the block's VirtualAddress */
    uint16_t type;     /* enum wv_pe_reloc_type */
    uint16_t offset;   /* 0..4095 inside the block */
} wv_pe_reloc;
typedef int (*wv_pe_reloc_fn)(void *ctx, const wv_pe_reloc *rel);
DWORD wv_pe_relocs(wv_pe *pe, wv_pe_reloc_fn fn, void *ctx);

typedef int (*wv_pe_tls_fn)(void *ctx, uint32_t callback_rva);
DWORD wv_pe_tls_callbacks(wv_pe *pe, wv_pe_tls_fn fn, void *ctx);

/* Lists the image pages (RVA / 4096, ascending, unique) that hold fixup bytes; writes at most max
 * into pages and the full count into *count. */
DWORD wv_pe_fixup_pages(wv_pe *pe, uint32_t *pages, size_t max, size_t *count);

#endif
