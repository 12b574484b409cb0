/* SPDX-License-Identifier: MIT */
/* fuzz_pe.c - libFuzzer harness for the PE parser: parse, then run every iterator, then lay
 * the image out (layout.c) at its base and relocated, as the image cache would.
 * Built and run by `make fuzz` (clang -fsanitize=fuzzer,address,undefined). */
#include "section/section.h"

#include <stdlib.h>
#include <string.h>

static int on_import(void *ctx, const wv_pe_import *imp)
{
    *(size_t *)ctx += strlen(imp->dll) + (imp->name ? strlen(imp->name) : imp->ordinal);
    return 0;
}

static int on_export(void *ctx, const wv_pe_export *e)
{
    *(size_t *)ctx += (e->name ? strlen(e->name) : 0) + (e->forwarder ? strlen(e->forwarder) : 0) + e->rva;
    return 0;
}

static int on_reloc(void *ctx, const wv_pe_reloc *r)
{
    *(size_t *)ctx += r->page_rva + r->offset + r->type;
    return 0;
}

static int on_tls(void *ctx, uint32_t rva)
{
    *(size_t *)ctx += rva;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that ASan flags a read even one byte past the end. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    static wv_pe pe;
    size_t sink = 0;
    if (wv_pe_parse(&pe, buf, size) == 0) {
        (void)wv_pe_page_aligned(&pe);
        (void)wv_pe_export_name(&pe);
        wv_pe_imports(&pe, false, on_import, &sink);
        wv_pe_imports(&pe, true, on_import, &sink);
        wv_pe_exports(&pe, on_export, &sink);
        wv_pe_relocs(&pe, on_reloc, &sink);
        wv_pe_tls_callbacks(&pe, on_tls, &sink);
        uint32_t pages[64];
        size_t n;
        wv_pe_fixup_pages(&pe, pages, 64, &n);
        (void)wv_image_direct(&pe);
        (void)wv_image_flat(&pe);
        static struct wv_image img;
        img.pe = pe;
        img.file = buf, img.file_size = size;
        img.size = ((uint64_t)pe.size_of_image + 4095) & ~(uint64_t)4095;
        uint8_t *out = img.size <= (64u << 20) ? calloc(1, img.size) : NULL; /* exact: ASan sees overruns */
        if (out) {
            wv_image_layout(&img, pe.image_base, out);
            wv_image_layout(&img, pe.image_base + 0x7fff0000ull, out);
            sink += out[img.size - 1];
            free(out);
        }
    } else if (!pe.reason[0]) {
        abort(); /* every failure must say why */
    }
    free(buf);
    return (int)(sink & 0);
}
