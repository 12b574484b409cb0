/* SPDX-License-Identifier: MIT */
/* k32_ext.h - what kernel32.c's calls hand over to other files: private heaps (k32_heap.c)
 * for every heap handle but the process heap's, module paths in Windows' form (k32_modname.c).
 * Private to runtime/.  (ReadFile/WriteFile with an OVERLAPPED: overlap.c.) */
#ifndef WV_RUNTIME_K32_EXT_H
#define WV_RUNTIME_K32_EXT_H

#include "runtime/runtime.h"

LPVOID wv_pheap_alloc(HANDLE heap, DWORD flags, SIZE_T n);
BOOL wv_pheap_free(HANDLE heap, DWORD flags, LPVOID p);
LPVOID wv_pheap_realloc(HANDLE heap, DWORD flags, LPVOID p, SIZE_T n);
SIZE_T wv_pheap_size(HANDLE heap, DWORD flags, LPCVOID p);
/* The live private heaps (HeapCreate's, not yet destroyed), up to cap into out: how many. */
size_t wv_pheap_list(HANDLE *out, size_t cap);


/* kernel32.c: TLS index 0 taken before the program runs, as Windows (XP SP2 on) takes it: a PE
 * program's first TlsAlloc returns 1 and TlsGetValue(0) reads NULL (Wine's kernel32 thread.c
 * test_reserved_tls, run on Windows).  winvm run calls it; a C program keeps every index. */
void wv_tls_reserve_first(void);

/* k32_str.c: ntdll's faces of the thread error mode (its 0x10/0x20/0x40 form). */
WV_MSABI DWORD wv_nt_RtlGetThreadErrorMode(void);
WV_MSABI LONG wv_nt_RtlSetThreadErrorMode(DWORD mode, LPDWORD old);

/* LoadLibrary's file named by an absolute Windows path ("C:\dir\x.dll", "\\?\C:\..."): its
 * host path in *host (k32_modname.c), to be freed; *host NULL for any other name. */
DWORD wv_module_host_name(const char *file, char **host);
/* GetModuleHandle's look-up: a loaded module by name, else, for a Windows path, the module
 * whose file that path names under any name (a hard link: Windows knows modules by file). */
HMODULE wv_module_find(const char *name);

/* module_data.c: LoadLibraryEx as a data file or image resource (flags say which), and
 * FreeLibrary of the handle it gave (ERROR_BAD_EXE_FORMAT when h is none). */
DWORD wv_module_load_data(const char *file, DWORD flags, HMODULE *out);
DWORD wv_module_free_data(HMODULE h);

/* k32_console.c: the one test of a console handle: the terminal behind h (a duplicate
 * descriptor the caller closes) and whether it is the input side; -1 when h is no console. */
int wv_console_fd(HANDLE h, bool *input);
/* k32_conalloc.c: whether the process has a console (FreeConsole detaches it; AllocConsole and
 * AttachConsole attach again).  While it has none, no handle is a console. */
bool wv_console_attached(void);
/* k32_conopen.c: CreateFile of a console name (CONIN$, CONOUT$, CON): false when win is none;
 * else true, *out the handle or INVALID_HANDLE_VALUE, the last error set. */
bool wv_console_createfile(const char *win, DWORD access, DWORD disposition, HANDLE *out);
/* k32_conctrl.c: control events delivered from here on (`winvm run` calls it at the start);
 * whether Ctrl+C is ignored (SetConsoleCtrlHandler(NULL, TRUE), inherited); PE code's
 * SetConsoleCtrlHandler (its routines are ms_abi). */
void wv_console_ctrl_start(void);
bool wv_console_ctrl_c_ignored(void);
BOOL WV_MSABI wv_k32_SetConsoleCtrlHandler(void *fn, BOOL add);

#endif
