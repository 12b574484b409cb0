/* SPDX-License-Identifier: MIT */
/* tlsdata.c - tlsdata.exe: STATIC thread-local storage (an IMAGE_TLS_DIRECTORY64 with a data
 * template) in a `winvm run` program, plus the TEB/PEB fields it reaches through %gs.
 * CRT-free (mingw-w64, -nostdlib -e start -Wl,--subsystem,console, -lkernel32 only), built by
 * tests/CMakeLists.txt into WINVM_PE_IMAGES_DIR.  Default EXE layout (ImageBase 0x140000000,
 * DYNAMIC_BASE, .reloc).  Without mingw's CRT there is no tlssup.o, so this file declares the
 * TLS directory _tls_used itself (ld points DataDirectory[9] at the symbol _tls_used):
 *   StartAddressOfRawData = &tls_template[0], EndAddressOfRawData = &tls_template[16]: a
 *     16-byte template in section .tls, bytes 5a 5b 5c 5d 01 02 ... 0c (TLS_TEMPLATE below)
 *   SizeOfZeroFill        = 4096 (so a thread's block is 16 + 4096 bytes)
 *   AddressOfIndex        = &_tls_index, a ULONG in .data initialised to 0x7777 (the loader
 *                           must overwrite it with the image's TLS index)
 *   AddressOfCallBacks    = tls_callbacks: { tls_cb, NULL }
 *   Characteristics       = 0
 * All four addresses are VAs: DIR64 fixups in .rdata (and .data for the callback array).
 *
 * Imports KERNEL32.dll: GetStdHandle, WriteFile, GetModuleHandleA.
 *
 * Output: one line per check, in this order, "ok NAME\n" or "FAIL NAME\n" (nothing else):
 *   tls_index_set     _tls_index != 0x7777 (the loader wrote the index; the EXE usually
 *                     gets 0 on Windows, but any other value is accepted)
 *   tls_pointer       TEB->ThreadLocalStoragePointer (read as %gs:0x58) is non-NULL
 *   tls_block         slot [_tls_index] of that array is non-NULL and is not the template
 *                     itself (the block is a per-thread copy)
 *   tls_template_head the block's first 4 bytes are 5a 5b 5c 5d
 *   tls_template      all 16 template bytes match
 *   tls_zero_fill     the 4096 bytes after them are all 0
 *   tls_writable      writing 0xa5 to the block's first and last bytes (offsets 0 and 4111)
 *                     and reading back works; the image's template (tls_template) is unchanged
 *   tls_callback_once the TLS callback ran exactly once before start(), with reason
 *                     DLL_PROCESS_ATTACH (1)
 *   tls_callback_hmod and its first argument (DllHandle) was the EXE's image base
 *                     (GetModuleHandleA(NULL))
 *   teb_self          %gs:0x30 (NT_TIB.Self) is non-NULL and the TEB's own Self field at that
 *                     address (+0x30) equals it: %gs points at the TEB
 *   teb_tls_field     the TEB's field at +0x58 (read through the Self pointer) equals %gs:0x58
 *   peb               %gs:0x60 (TEB->ProcessEnvironmentBlock) is non-NULL
 *   peb_image_base    PEB->ImageBaseAddress (PEB + 0x10) == GetModuleHandleA(NULL)
 * Exit code: the number of FAIL lines (0 when everything passed).
 * The checks that would dereference a NULL pointer are reported FAIL without doing so.
 */
#include "exe_util.h"

#define TLS_TEMPLATE_SIZE 16
#define TLS_ZERO_FILL 4096
#define TLS_INDEX_UNSET 0x7777

/* The TLS template: the only thing in .tls. */
__attribute__((section(".tls"), used)) unsigned char tls_template[TLS_TEMPLATE_SIZE] = {
    0x5a, 0x5b, 0x5c, 0x5d, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};
static const unsigned char tls_expected[TLS_TEMPLATE_SIZE] = {
    0x5a, 0x5b, 0x5c, 0x5d, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};

ULONG _tls_index = TLS_INDEX_UNSET;

static volatile int tls_cb_calls;
static volatile DWORD tls_cb_reason = 0xffffffff;
static PVOID volatile tls_cb_handle;
static volatile int start_entered;
static volatile int tls_cb_after_start;

static void NTAPI tls_cb(PVOID h, DWORD reason, PVOID reserved)
{
    (void)reserved;
    if (start_entered)
        tls_cb_after_start = 1;
    if (tls_cb_calls++ == 0) {
        tls_cb_reason = reason;
        tls_cb_handle = h;
    }
}

PIMAGE_TLS_CALLBACK tls_callbacks[2] = {tls_cb, 0};

__attribute__((used)) const IMAGE_TLS_DIRECTORY64 _tls_used = {
    (ULONGLONG)(ULONG_PTR)&tls_template[0],
    (ULONGLONG)(ULONG_PTR)&tls_template[TLS_TEMPLATE_SIZE],
    (ULONGLONG)(ULONG_PTR)&_tls_index,
    (ULONGLONG)(ULONG_PTR)tls_callbacks,
    TLS_ZERO_FILL,
    0};

static inline ULONG64 gs_qword(ULONG off)
{
    ULONG64 v;
    __asm__ volatile("movq %%gs:(%1), %0" : "=r"(v) : "r"((ULONG64)off));
    return v;
}

int start(void)
{
    start_entered = 1;
    int ok;
    ULONG index = *(volatile ULONG *)&_tls_index;

    eu_check("tls_index_set", index != TLS_INDEX_UNSET);

    void **tls_array = (void **)gs_qword(0x58);
    eu_check("tls_pointer", tls_array != NULL);

    volatile unsigned char *block = NULL;
    if (tls_array && index != TLS_INDEX_UNSET)
        block = (volatile unsigned char *)tls_array[index];
    eu_check("tls_block", block != NULL && block != tls_template);

    eu_check("tls_template_head",
             block && block[0] == 0x5a && block[1] == 0x5b && block[2] == 0x5c && block[3] == 0x5d);

    ok = block != NULL;
    for (int i = 0; ok && i < TLS_TEMPLATE_SIZE; i++)
        ok = block[i] == tls_expected[i];
    eu_check("tls_template", ok);

    ok = block != NULL;
    for (int i = 0; ok && i < TLS_ZERO_FILL; i++)
        ok = block[TLS_TEMPLATE_SIZE + i] == 0;
    eu_check("tls_zero_fill", ok);

    ok = block != NULL;
    if (ok) {
        block[0] = 0xa5;
        block[TLS_TEMPLATE_SIZE + TLS_ZERO_FILL - 1] = 0xa5;
        ok = block[0] == 0xa5 && block[TLS_TEMPLATE_SIZE + TLS_ZERO_FILL - 1] == 0xa5 &&
             ((volatile unsigned char *)tls_template)[0] == 0x5a;
    }
    eu_check("tls_writable", ok);

    eu_check("tls_callback_once",
             tls_cb_calls == 1 && tls_cb_reason == DLL_PROCESS_ATTACH && !tls_cb_after_start);
    HMODULE self = GetModuleHandleA(NULL);
    eu_check("tls_callback_hmod", tls_cb_calls >= 1 && tls_cb_handle == (PVOID)self);

    ULONG64 teb = gs_qword(0x30);
    eu_check("teb_self", teb != 0 && *(volatile ULONG64 *)(teb + 0x30) == teb);
    eu_check("teb_tls_field", teb != 0 && *(volatile ULONG64 *)(teb + 0x58) == (ULONG64)tls_array);

    ULONG64 peb = gs_qword(0x60);
    eu_check("peb", peb != 0);
    eu_check("peb_image_base", peb != 0 && *(volatile ULONG64 *)(peb + 0x10) == (ULONG64)self);
    return *eu_failures();
}
