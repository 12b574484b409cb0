/* SPDX-License-Identifier: MIT */
/* tebdll.c - tebdll.dll: what a DLL sees of its thread when a Linux C program calls it (the
 * TEB through %gs, its static TLS block, DLL_THREAD_ATTACH/DETACH).  CRT-free (mingw-w64,
 * -nostdlib -shared -e DllEntry), built by tests/CMakeLists.txt; test_attach.c loads it.
 *
 * Its own TLS directory (_tls_used, as tlsdata.c): an 8-byte template "TEBTLS01" and 56 zero
 * bytes, index in _tls_index (initially 0x7777).
 *
 * Exports (all plain C functions, no arguments unless said):
 *   teb_self()        %gs:0x30, the TEB's Self field (NULL when the thread has none... which
 *                     faults: callers make sure it has one)
 *   teb_field(off)    the 8 bytes at TEB + off
 *   tls_block()       this thread's block: ((void **)%gs:0x58)[_tls_index], or NULL
 *   attach_had_teb    int: DllMain(PROCESS_ATTACH) ran with %gs:0x30 non-zero (1) or not (0)
 *   thread_attaches, thread_detaches: int counters of DLL_THREAD_ATTACH / DLL_THREAD_DETACH
 *   last_attach_tid   DWORD: %gs:0x48 (ClientId.UniqueThread) seen by the last THREAD_ATTACH
 */
#include <windows.h>

__attribute__((section(".tls"), used)) unsigned char tls_template[8] = {'T', 'E', 'B', 'T', 'L', 'S', '0', '1'};
ULONG _tls_index = 0x7777;
__attribute__((used)) const IMAGE_TLS_DIRECTORY64 _tls_used = {
    (ULONGLONG)(ULONG_PTR)&tls_template[0], (ULONGLONG)(ULONG_PTR)&tls_template[8],
    (ULONGLONG)(ULONG_PTR)&_tls_index, 0, 56, 0};

__declspec(dllexport) volatile int attach_had_teb = -1;
__declspec(dllexport) volatile int thread_attaches, thread_detaches;
__declspec(dllexport) volatile DWORD last_attach_tid;

static ULONG64 gs_qword(ULONG off)
{
    ULONG64 v;
    __asm__ volatile("movq %%gs:(%1), %0" : "=r"(v) : "r"((ULONG64)off));
    return v;
}

__declspec(dllexport) void *teb_self(void) { return (void *)gs_qword(0x30); }

__declspec(dllexport) ULONG64 teb_field(ULONG off) { return *(volatile ULONG64 *)(gs_qword(0x30) + off); }

__declspec(dllexport) void *tls_block(void)
{
    void **slots = (void **)gs_qword(0x58);
    return slots ? slots[_tls_index] : NULL;
}

BOOL WINAPI DllEntry(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h, (void)reserved;
    if (reason == DLL_PROCESS_ATTACH)
        attach_had_teb = gs_qword(0x30) != 0;
    else if (reason == DLL_THREAD_ATTACH) {
        last_attach_tid = (DWORD)gs_qword(0x48);
        thread_attaches++;
    } else if (reason == DLL_THREAD_DETACH)
        thread_detaches++;
    return TRUE;
}
