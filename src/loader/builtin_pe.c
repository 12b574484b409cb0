/* SPDX-License-Identifier: MIT */
/* builtin_pe.c - the bytes of a builtin DLL's PE image (layout: builtin.c): headers as a
 * linker writes them for a 64-bit system DLL, .text with the entry point and the stubs,
 * .rdata with the export directory.  Pure code over a buffer, but for the stubs' targets,
 * this process's addresses of the functions. */
#define _GNU_SOURCE
#include "loader/loader.h"
#include "host/host.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>


struct wv_bi_sizes {
    size_t n, named;       /* table entries; those with a name in the directory */
    size_t strings;        /* export names, forwarders ("NTDLL." + name) and the DLL's name */
    uint32_t text_size, rdata, exp, exp_size, image;
};

static uint32_t wv_page32(size_t v) { return (uint32_t)((v + WV_PAGE_SIZE - 1) & ~(size_t)(WV_PAGE_SIZE - 1)); }

static void wv_bi_measure(const struct wv_builtin *bi, const uint8_t *kind, size_t n, struct wv_bi_sizes *z)
{
    z->n = n, z->named = 0, z->strings = strlen(bi->name) + 1;
    for (size_t i = 0; i < n; i++) {
        if (kind[i] == WV_BI_DATA)
            continue;
        size_t len = strlen(bi->name_at(i)) + 1;
        z->named++;
        z->strings += kind[i] == WV_BI_FORWARD ? len + 6 + len : len;
    }
    z->text_size = (uint32_t)(WV_BI_STUBS + n * WV_BI_STUB);
    z->rdata = WV_BI_TEXT + wv_page32(z->text_size);
    z->exp = z->rdata;
    z->exp_size = (uint32_t)(40 + n * 4 + z->named * 6 + z->strings);
    z->image = z->rdata + wv_page32(z->exp_size);
}

static void wv_put16(uint8_t *p, uint32_t off, uint16_t v) { memcpy(p + off, &v, 2); }
static void wv_put32(uint8_t *p, uint32_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static void wv_put64(uint8_t *p, uint32_t off, uint64_t v) { memcpy(p + off, &v, 8); }

static void wv_bi_section(uint8_t *p, uint32_t at, const char *name, uint32_t rva, uint32_t vsize, uint32_t flags)
{
    memcpy(p + at, name, strlen(name));
    wv_put32(p, at + 8, vsize);
    wv_put32(p, at + 12, rva);
    wv_put32(p, at + 16, wv_page32(vsize)); /* SizeOfRawData */
    wv_put32(p, at + 20, rva);              /* PointerToRawData: offsets are RVAs */
    wv_put32(p, at + 36, flags);
}

/* DOS header, NT headers, section table. */
static void wv_bi_headers(uint8_t *p, const struct wv_bi_sizes *z, uint64_t base)
{
    const uint32_t nt = 0x80, opt = nt + 24;
    p[0] = 'M', p[1] = 'Z';
    wv_put32(p, 0x3c, nt); /* e_lfanew */
    memcpy(p + nt, "PE\0\0", 4);
    wv_put16(p, nt + 4, 0x8664);                 /* Machine: AMD64 */
    wv_put16(p, nt + 6, 2);                      /* NumberOfSections */
    wv_put16(p, nt + 20, 240);                   /* SizeOfOptionalHeader */
    wv_put16(p, nt + 22, 0x2000 | 0x20 | 0x2);   /* DLL, LARGE_ADDRESS_AWARE, EXECUTABLE_IMAGE */
    wv_put16(p, opt, 0x20b);                     /* PE32+ */
    p[opt + 2] = 14;                             /* MajorLinkerVersion */
    wv_put32(p, opt + 4, wv_page32(z->text_size)); /* SizeOfCode */
    wv_put32(p, opt + 8, z->image - z->rdata);   /* SizeOfInitializedData */
    wv_put32(p, opt + 16, WV_BI_TEXT);           /* AddressOfEntryPoint: the DllMain */
    wv_put32(p, opt + 20, WV_BI_TEXT);           /* BaseOfCode */
    wv_put64(p, opt + 24, base);                 /* ImageBase */
    wv_put32(p, opt + 32, WV_PAGE_SIZE);         /* SectionAlignment */
    wv_put32(p, opt + 36, WV_PAGE_SIZE);         /* FileAlignment */
    wv_put16(p, opt + 40, 10), wv_put16(p, opt + 44, 10), wv_put16(p, opt + 48, 10); /* OS, image, subsystem 10.0 */
    wv_put32(p, opt + 56, z->image);             /* SizeOfImage */
    wv_put32(p, opt + 60, WV_PAGE_SIZE);         /* SizeOfHeaders */
    wv_put16(p, opt + 68, 3);                    /* Subsystem: WINDOWS_CUI */
    wv_put16(p, opt + 70, 0x20 | 0x40 | 0x100);  /* HIGH_ENTROPY_VA, DYNAMIC_BASE, NX_COMPAT */
    wv_put64(p, opt + 72, 0x40000), wv_put64(p, opt + 80, 0x1000);   /* stack reserve, commit */
    wv_put64(p, opt + 88, 0x100000), wv_put64(p, opt + 96, 0x1000);  /* heap reserve, commit */
    wv_put32(p, opt + 108, 16);                  /* NumberOfRvaAndSizes */
    wv_put32(p, opt + 112, z->exp);              /* DataDirectory[EXPORT] */
    wv_put32(p, opt + 116, z->exp_size);
    uint32_t sec = opt + 240;
    wv_bi_section(p, sec, ".text", WV_BI_TEXT, z->text_size, 0x60000020);       /* CODE, EXECUTE, READ */
    wv_bi_section(p, sec + 40, ".rdata", z->rdata, z->image - z->rdata, 0x40000040); /* DATA, READ */
}

/* The entry point and the stubs.  Stub i is self-contained: `cld; jmp [rip+1]` over an int3
 * to the target stored in its own last 8 bytes, so a copy of its bytes anywhere else still
 * goes to the function (programs copy ntdll's syscall stubs and call the copy, which works on
 * Windows); no register changed.  The cld: Windows' system calls run with the direction flag
 * clear whatever the caller left in it (the kernel's entry clears it), and a program may call
 * with it set (Wine's ntdll exception tests do, through NtGetContextThread); winvm's C code
 * behind the stub assumes it clear, as the System V ABI does (a backward memcpy otherwise).
 * The int3 after the jmp stops straight-line speculation running into the address. */
static void wv_bi_text(uint8_t *p, const struct wv_builtin *bi, const uint8_t *kind, void *const *addr,
                       const struct wv_bi_sizes *z)
{
    static const uint8_t dllmain[] = {0xb8, 1, 0, 0, 0, 0xc3}; /* mov eax, TRUE; ret (at WV_BI_RET) */
    _Static_assert(WV_BI_RET == sizeof(dllmain) - 1, "wv_builtin_ret names the entry point's ret");
    static const uint8_t jmp[8] = {0xfc, 0xff, 0x25, 1, 0, 0, 0, 0xcc}; /* cld; jmp [rip+1]; int3 */
    memset(p + WV_BI_TEXT, 0xcc, z->text_size);
    memcpy(p + WV_BI_TEXT, dllmain, sizeof(dllmain));
    for (size_t i = 0; i < z->n; i++) {
        if (kind[i] == WV_BI_DATA)
            continue; /* no stub: the variable is given itself, and this stays int3 */
        uint32_t at = (uint32_t)(WV_BI_TEXT + WV_BI_STUBS + i * WV_BI_STUB);
        memcpy(p + at, jmp, sizeof(jmp));
        wv_put64(p, at + 8, (uint64_t)(uintptr_t)wv_relay_wrap(bi->name, bi->name_at(i), addr[i]));
    }
}

/* The name Windows' export directory gives: "KERNEL32.dll" (ntdll, msvcrt, ucrtbase keep theirs). */
static void wv_bi_dll_name(char *out, const char *name)
{
    bool keep = !strcasecmp(name, "ntdll.dll") || !strcasecmp(name, "msvcrt.dll") ||
                !strcasecmp(name, "ucrtbase.dll");
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; name[i]; i++)
        out[i] = keep || (dot && name + i >= dot) ? name[i] : (char)toupper((unsigned char)name[i]);
    out[strlen(name)] = 0;
}

/* The export directory. */
static void wv_bi_exports(uint8_t *p, const struct wv_builtin *bi, const uint8_t *kind, const struct wv_bi_sizes *z)
{
    uint32_t funcs = z->exp + 40, names = funcs + (uint32_t)(z->n * 4), ords = names + (uint32_t)(z->named * 4);
    uint32_t str = ords + (uint32_t)(z->named * 2);
    wv_put32(p, z->exp + 12, str); /* Name */
    wv_bi_dll_name((char *)p + str, bi->name);
    str += (uint32_t)strlen(bi->name) + 1;
    wv_put32(p, z->exp + 16, 1);                  /* Base: ordinal of entry 0 */
    wv_put32(p, z->exp + 20, (uint32_t)z->n);     /* NumberOfFunctions */
    wv_put32(p, z->exp + 24, (uint32_t)z->named); /* NumberOfNames */
    wv_put32(p, z->exp + 28, funcs), wv_put32(p, z->exp + 32, names), wv_put32(p, z->exp + 36, ords);
    size_t k = 0;
    for (size_t i = 0; i < z->n; i++) {
        const char *name = bi->name_at(i);
        if (kind[i] == WV_BI_DATA)
            continue; /* a gap in the ordinals: RVA 0, no name */
        size_t len = strlen(name) + 1;
        wv_put32(p, names + (uint32_t)(k * 4), str);
        wv_put16(p, ords + (uint32_t)(k * 2), (uint16_t)i);
        memcpy(p + str, name, len);
        str += (uint32_t)len;
        k++;
        uint32_t rva = (uint32_t)(WV_BI_TEXT + WV_BI_STUBS + i * WV_BI_STUB);
        if (kind[i] == WV_BI_FORWARD) { /* an RVA inside the directory is a forwarder string */
            rva = str;
            memcpy(p + str, "NTDLL.", 6);
            memcpy(p + str + 6, name, len);
            str += (uint32_t)(6 + len);
        }
        wv_put32(p, funcs + (uint32_t)(i * 4), rva);
    }
}

uint8_t *wv_builtin_pe(const struct wv_builtin *bi, const uint8_t *kind, void *const *addr, size_t n, uintptr_t base,
                       size_t *len)
{
    struct wv_bi_sizes z;
    wv_bi_measure(bi, kind, n, &z);
    if (n > 0xffff)
        return NULL; /* ordinals are 16 bits */
    uint8_t *p = wv_os_alloc(z.image); /* zeroed */
    if (!p)
        return NULL;
    wv_bi_headers(p, &z, base);
    wv_bi_text(p, bi, kind, addr, &z);
    wv_bi_exports(p, bi, kind, &z);
    *len = z.image;
    return p;
}
