/* SPDX-License-Identifier: MIT */
/* simple.c - a CRT-free test DLL for the PE parser: exports, data, a relocated pointer table, an
 * import from kernel32 and a TLS callback.  Built with mingw-w64 by tests/CMakeLists.txt. */
#include <windows.h>

int simple_counter = 7;
int simple_add(int a, int b) { return a + b; }
int simple_mul(int a, int b) { return a * b; }
int simple_neg(int a) { return -a; }

/* Absolute pointers: each one needs a DIR64 base relocation. */
typedef int (*binop)(int, int);
binop simple_table[3] = {simple_add, simple_mul, simple_add};

char simple_big[3 * 4096] = {1}; /* a multi-page .data section */

DWORD simple_tick(void) { return GetTickCount(); }

static void NTAPI tls_cb(PVOID h, DWORD reason, PVOID r) { (void)h; (void)reason; (void)r; }
int _tls_index = 0;
__attribute__((section(".CRT$XLB"))) PIMAGE_TLS_CALLBACK simple_tls_cb = tls_cb;
__attribute__((section(".CRT$XLA"))) PIMAGE_TLS_CALLBACK tls_start = 0;
__attribute__((section(".CRT$XLZ"))) PIMAGE_TLS_CALLBACK tls_end = 0;
__attribute__((section(".tls"))) char tls_data_start = 0;
__attribute__((section(".tls$ZZZ"))) char tls_data_end = 0;
__attribute__((used)) const IMAGE_TLS_DIRECTORY _tls_used = {
    (ULONG_PTR)&tls_data_start, (ULONG_PTR)&tls_data_end, (ULONG_PTR)&_tls_index, (ULONG_PTR)(&tls_start + 1), 0, 0};

BOOL WINAPI DllEntry(HINSTANCE h, DWORD reason, LPVOID r) { (void)h; (void)reason; (void)r; return TRUE; }

/* Exported by ordinal only (simple.def: @20 NONAME). */
int simple_hidden(void) { return 20; }
