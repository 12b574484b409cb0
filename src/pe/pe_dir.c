/* SPDX-License-Identifier: MIT */
/* pe_dir.c - walks a parsed image's data directories: imports, delay imports, exports, base
 * relocations, TLS callbacks, and the pages holding fixups.
 *
 * Every read goes through wv_pe_rva_ptr()/wv_pe_rva_str(), which check it against the buffer, so a
 * lie in a table can at worst produce an error.  Loops are bounded by the data they walk and by
 * MAX_ENTRIES, so a hostile file cannot make a walk quadratic. */
#include "pe/pe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES (1u << 20) /* imports, exports or TLS callbacks in one image */
#define MAX_NAME 4096

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* A malformed directory: STATUS_INVALID_IMAGE_FORMAT and the reason. */
#define bad(pe, ...) wv_pe_fail(pe, STATUS_INVALID_IMAGE_FORMAT, __VA_ARGS__)

static const wv_pe_dir *dir(const wv_pe *pe, unsigned i)
{
    static const wv_pe_dir none = {0, 0};
    return i < pe->ndirs && pe->dirs[i].rva && pe->dirs[i].size ? &pe->dirs[i] : &none;
}

/* ---- imports ---- */

/* One thunk (lookup-table entry): by ordinal, or the RVA of a hint/name entry. */
static DWORD import_thunk(wv_pe *pe, wv_pe_import *imp, uint64_t thunk)
{
    uint64_t flag = pe->pe32plus ? 1ull << 63 : 1ull << 31;
    imp->by_ordinal = (thunk & flag) != 0;
    imp->name = NULL;
    imp->hint = imp->ordinal = 0;
    if (imp->by_ordinal) {
        imp->ordinal = (uint16_t)thunk;
        return 0;
    }
    if (thunk >> 31)
        return bad(pe, "import from %s: hint/name RVA %#llx out of range", imp->dll, (unsigned long long)thunk);
    const uint8_t *hn = wv_pe_rva_ptr(pe, thunk, 2);
    imp->name = hn ? wv_pe_rva_str(pe, thunk + 2, MAX_NAME) : NULL;
    if (!imp->name)
        return bad(pe, "import from %s: hint/name at RVA %#llx outside the file", imp->dll,
                   (unsigned long long)thunk);
    imp->hint = rd16(hn);
    return 0;
}

/* All thunks of one DLL: lookup table at ilt, IAT at iat; stops at a zero thunk. */
static DWORD import_dll(wv_pe *pe, wv_pe_import *imp, uint32_t ilt, uint32_t iat, wv_pe_import_fn fn, void *ctx,
                        unsigned *total)
{
    unsigned w = pe->pe32plus ? 8 : 4;
    for (uint64_t i = 0;; i++) {
        const uint8_t *t = wv_pe_rva_ptr(pe, ilt + i * w, w);
        if (!t)
            return bad(pe, "import lookup table of %s runs past its section at RVA %#llx", imp->dll,
                       (unsigned long long)(ilt + i * w));
        uint64_t thunk = w == 8 ? rd64(t) : rd32(t);
        if (thunk == 0)
            return 0;
        if (++*total > MAX_ENTRIES)
            return bad(pe, "more than %u imports", MAX_ENTRIES);
        if ((uint64_t)iat + (i + 1) * w > pe->size_of_image)
            return bad(pe, "IAT of %s runs past SizeOfImage", imp->dll);
        imp->iat_rva = (uint32_t)(iat + i * w);
        DWORD st = import_thunk(pe, imp, thunk);
        if (st)
            return st;
        if (fn && fn(ctx, imp))
            return 1; /* stopped by the caller */
    }
}

/* A delay-import descriptor's fields are RVAs when Attributes bit 0 is set, else VAs. */
static uint64_t delay_rva(const wv_pe *pe, uint32_t attrs, uint32_t v)
{
    return (attrs & 1) || v < pe->image_base ? v : v - pe->image_base;
}

DWORD wv_pe_imports(wv_pe *pe, bool delay, wv_pe_import_fn fn, void *ctx)
{
    const wv_pe_dir *d = dir(pe, delay ? WV_PE_DIR_DELAY_IMPORT : WV_PE_DIR_IMPORT);
    unsigned dsz = delay ? 32 : 20, total = 0;
    if (!d->rva)
        return 0;
    for (uint64_t off = 0;; off += dsz) {
        const uint8_t *e = wv_pe_rva_ptr(pe, d->rva + off, dsz);
        if (!e)
            return bad(pe, "%simport descriptors run past their section (RVA %#llx)", delay ? "delay " : "",
                       (unsigned long long)(d->rva + off));
        uint32_t attrs = delay ? rd32(e) : 0;
        uint64_t name = delay ? delay_rva(pe, attrs, rd32(e + 4)) : rd32(e + 12);
        uint64_t iat = delay ? delay_rva(pe, attrs, rd32(e + 12)) : rd32(e + 16);
        uint64_t ilt = delay ? delay_rva(pe, attrs, rd32(e + 16)) : rd32(e);
        if (name == 0)
            return 0; /* the all-zero terminator */
        if (ilt == 0)
            ilt = iat;
        wv_pe_import imp = {.delay = delay};
        imp.dll = wv_pe_rva_str(pe, name, MAX_NAME);
        if (!imp.dll)
            return bad(pe, "%simport DLL name at RVA %#llx outside the file", delay ? "delay " : "",
                       (unsigned long long)name);
        if (ilt >= pe->size_of_image || iat >= pe->size_of_image)
            return bad(pe, "import tables of %s outside the image", imp.dll);
        DWORD st = import_dll(pe, &imp, (uint32_t)ilt, (uint32_t)iat, fn, ctx, &total);
        if (st)
            return st == 1 ? 0 : st;
    }
}

/* ---- exports ---- */

typedef struct export_dir {
    uint32_t rva, size, base, nfuncs, nnames;
    const uint8_t *funcs, *names, *ords;
} export_dir;

static DWORD export_load(wv_pe *pe, export_dir *x)
{
    const wv_pe_dir *d = dir(pe, WV_PE_DIR_EXPORT);
    x->rva = d->rva;
    x->size = d->size;
    const uint8_t *e = wv_pe_rva_ptr(pe, d->rva, 40);
    if (!e)
        return bad(pe, "export directory at RVA %#x outside the file", d->rva);
    x->base = rd32(e + 16);
    x->nfuncs = rd32(e + 20);
    x->nnames = rd32(e + 24);
    if (x->nfuncs > MAX_ENTRIES || x->nnames > MAX_ENTRIES)
        return bad(pe, "export counts %u functions / %u names are impossible", x->nfuncs, x->nnames);
    x->funcs = wv_pe_rva_ptr(pe, rd32(e + 28), (uint64_t)x->nfuncs * 4);
    x->names = wv_pe_rva_ptr(pe, rd32(e + 32), (uint64_t)x->nnames * 4);
    x->ords = wv_pe_rva_ptr(pe, rd32(e + 36), (uint64_t)x->nnames * 2);
    if ((x->nfuncs && !x->funcs) || (x->nnames && (!x->names || !x->ords)))
        return bad(pe, "export address/name/ordinal tables (%u/%u entries) run past their section", x->nfuncs,
                   x->nnames);
    return 0;
}

static DWORD export_one(wv_pe *pe, const export_dir *x, uint32_t idx, const char *name, wv_pe_export *out)
{
    out->name = name;
    out->ordinal = x->base + idx;
    out->rva = rd32(x->funcs + 4 * (uint64_t)idx);
    out->forwarder = NULL;
    if (out->rva >= x->rva && out->rva < (uint64_t)x->rva + x->size) {
        out->forwarder = wv_pe_rva_str(pe, out->rva, MAX_NAME);
        if (!out->forwarder)
            return bad(pe, "export ordinal %u: forwarder string at %#x unterminated", out->ordinal, out->rva);
    } else if (out->rva >= pe->size_of_image) {
        return bad(pe, "export ordinal %u: RVA %#x outside SizeOfImage", out->ordinal, out->rva);
    }
    return 0;
}

/* Named exports first (in name-table order), then those exported by ordinal only. */
static DWORD export_walk(wv_pe *pe, const export_dir *x, uint8_t *named, wv_pe_export_fn fn, void *ctx)
{
    wv_pe_export out;
    for (uint32_t i = 0; i < x->nnames; i++) {
        uint32_t idx = rd16(x->ords + 2 * (uint64_t)i);
        uint32_t nrva = rd32(x->names + 4 * (uint64_t)i);
        const char *name = wv_pe_rva_str(pe, nrva, MAX_NAME);
        if (idx >= x->nfuncs || !name)
            return bad(pe, "export name %u: ordinal index %u or name RVA %#x invalid", i, idx, nrva);
        named[idx] = 1;
        DWORD st = export_one(pe, x, idx, name, &out);
        if (st)
            return st;
        if (fn && fn(ctx, &out))
            return 0;
    }
    for (uint32_t idx = 0; idx < x->nfuncs; idx++) {
        if (named[idx] || rd32(x->funcs + 4 * (uint64_t)idx) == 0)
            continue; /* named, or a gap in the ordinal range */
        DWORD st = export_one(pe, x, idx, NULL, &out);
        if (st)
            return st;
        if (fn && fn(ctx, &out))
            return 0;
    }
    return 0;
}

DWORD wv_pe_exports(wv_pe *pe, wv_pe_export_fn fn, void *ctx)
{
    if (!dir(pe, WV_PE_DIR_EXPORT)->rva)
        return 0;
    export_dir x = {0}; /* -O3 cannot see that export_load fills it on success */
    DWORD st = export_load(pe, &x);
    if (st)
        return st;
    uint8_t *named = calloc(x.nfuncs ? x.nfuncs : 1, 1); /* nfuncs <= size / 4: the table is in the file */
    if (!named)
        return bad(pe, "out of memory for %u exports", x.nfuncs);
    st = export_walk(pe, &x, named, fn, ctx);
    free(named);
    return st;
}

const char *wv_pe_export_name(const wv_pe *pe)
{
    const wv_pe_dir *d = dir(pe, WV_PE_DIR_EXPORT);
    const uint8_t *e = d->rva ? wv_pe_rva_ptr(pe, d->rva, 40) : NULL;
    return e ? wv_pe_rva_str(pe, rd32(e + 12), MAX_NAME) : NULL;
}

/* ---- base relocations ---- */

static unsigned reloc_width(uint16_t type)
{
    switch (type) {
    case WV_PE_REL_ABSOLUTE: return 0;
    case WV_PE_REL_HIGH: case WV_PE_REL_LOW: return 2;
    case WV_PE_REL_HIGHLOW: return 4;
    case WV_PE_REL_DIR64: return 8;
    default: return 99; /* unknown: refused */
    }
}

/* One block: header (page RVA, size) then size-8 bytes of 16-bit entries. */
static DWORD reloc_block(wv_pe *pe, const uint8_t *b, uint32_t page, uint32_t n, wv_pe_reloc_fn fn, void *ctx)
{
    for (uint32_t i = 0; i < n; i++) {
        uint16_t e = rd16(b + 8 + 2 * i);
        wv_pe_reloc r = {page, (uint16_t)(e >> 12), (uint16_t)(e & 0xfff)};
        unsigned w = reloc_width(r.type);
        if (w == 99)
            return bad(pe, "relocation type %u at page %#x is not supported", r.type, page);
        if (w && (uint64_t)page + r.offset + w > pe->size_of_image)
            return bad(pe, "relocation at %#llx past SizeOfImage %#x", (unsigned long long)page + r.offset,
                       pe->size_of_image);
        if (fn && fn(ctx, &r))
            return 1;
    }
    return 0;
}

DWORD wv_pe_relocs(wv_pe *pe, wv_pe_reloc_fn fn, void *ctx)
{
    const wv_pe_dir *d = dir(pe, WV_PE_DIR_BASERELOC);
    if (!d->rva)
        return 0;
    const uint8_t *all = wv_pe_rva_ptr(pe, d->rva, d->size);
    if (!all)
        return bad(pe, "base relocation directory [%#x, +%#x) outside the file", d->rva, d->size);
    for (uint32_t off = 0; d->size - off >= 8;) {
        uint32_t page = rd32(all + off), bsize = rd32(all + off + 4);
        if (bsize < 8 || bsize > d->size - off || (bsize & 1))
            return bad(pe, "relocation block at +%#x has size %#x (directory %#x)", off, bsize, d->size);
        if (page >= pe->size_of_image)
            return bad(pe, "relocation block for page %#x outside SizeOfImage %#x", page, pe->size_of_image);
        DWORD st = reloc_block(pe, all + off, page, (bsize - 8) / 2, fn, ctx);
        if (st)
            return st == 1 ? 0 : st;
        off += bsize;
    }
    return 0;
}

/* ---- fixup pages ---- */

typedef struct fixup_map {
    uint8_t *bits; /* one byte per image page */
} fixup_map;

static int mark_fixup(void *ctx, const wv_pe_reloc *r)
{
    fixup_map *m = ctx;
    unsigned w = reloc_width(r->type);
    if (w == 0)
        return 0;
    uint64_t at = (uint64_t)r->page_rva + r->offset; /* inside SizeOfImage: checked */
    m->bits[at / 4096] = 1;
    m->bits[(at + w - 1) / 4096] = 1; /* a fixup may straddle two pages */
    return 0;
}

DWORD wv_pe_fixup_pages(wv_pe *pe, uint32_t *pages, size_t max, size_t *count)
{
    size_t npages = ((uint64_t)pe->size_of_image + 4095) / 4096;
    fixup_map m = {calloc(npages ? npages : 1, 1)};
    *count = 0;
    if (!m.bits)
        return bad(pe, "out of memory for %zu page flags", npages);
    DWORD st = wv_pe_relocs(pe, mark_fixup, &m);
    for (size_t i = 0; !st && i < npages; i++)
        if (m.bits[i]) {
            if (*count < max)
                pages[*count] = (uint32_t)i;
            ++*count;
        }
    free(m.bits);
    return st;
}

/* ---- TLS callbacks ---- */

DWORD wv_pe_tls_callbacks(wv_pe *pe, wv_pe_tls_fn fn, void *ctx)
{
    const wv_pe_dir *d = dir(pe, WV_PE_DIR_TLS);
    if (!d->rva)
        return 0;
    unsigned w = pe->pe32plus ? 8 : 4;
    const uint8_t *t = wv_pe_rva_ptr(pe, d->rva, pe->pe32plus ? 40 : 24);
    if (!t)
        return bad(pe, "TLS directory at RVA %#x outside the file", d->rva);
    uint64_t cbva = w == 8 ? rd64(t + 24) : rd32(t + 12);
    if (cbva == 0)
        return 0;
    if (cbva < pe->image_base || cbva - pe->image_base >= pe->size_of_image)
        return bad(pe, "TLS callback array VA %#llx outside the image", (unsigned long long)cbva);
    uint64_t arr = cbva - pe->image_base;
    for (uint64_t i = 0; i < MAX_ENTRIES; i++) {
        const uint8_t *p = wv_pe_rva_ptr(pe, arr + i * w, w);
        if (!p)
            return bad(pe, "TLS callback array at RVA %#llx runs past its section", (unsigned long long)arr);
        uint64_t va = w == 8 ? rd64(p) : rd32(p);
        if (va == 0)
            return 0;
        if (va < pe->image_base || va - pe->image_base >= pe->size_of_image)
            return bad(pe, "TLS callback %llu at VA %#llx outside the image", (unsigned long long)i,
                       (unsigned long long)va);
        if (fn && fn(ctx, (uint32_t)(va - pe->image_base)))
            return 0;
    }
    return bad(pe, "more than %u TLS callbacks", MAX_ENTRIES);
}
