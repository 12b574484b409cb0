/* SPDX-License-Identifier: MIT */
/* winvm/procview.h - views of a section in any process (MapViewOfFile2, MapViewOfFileNuma2;
 * UnmapViewOfFile2 is in winvm/placeholder.h) and PulseEvent: Windows' names and types
 * (docs/processes.md). */
#ifndef WINVM_PROCVIEW_H
#define WINVM_PROCVIEW_H

#ifdef __cplusplus
extern "C" {
#endif

/* A view of section in process (the current one or a handle with PROCESS_VM_OPERATION);
 * protect is a page protection (PAGE_READWRITE, ...), type 0, MEM_RESERVE or MEM_TOP_DOWN,
 * node NUMA_NO_PREFERRED_NODE ((DWORD)-1, winvm/placeholder.h) or 0 (one node). */
WINBASEAPI PVOID WINAPI MapViewOfFileNuma2(HANDLE section, HANDLE process, ULONGLONG offset, PVOID base, SIZE_T size,
                                           ULONG type, ULONG protect, ULONG node);
WINBASEAPI PVOID WINAPI MapViewOfFile2(HANDLE section, HANDLE process, ULONGLONG offset, PVOID base, SIZE_T size,
                                       ULONG type, ULONG protect);

/* Sets the event, releases the waits present now (a manual-reset event: all of them; an
 * auto-reset event: one), then resets it. */
WINBASEAPI BOOL WINAPI PulseEvent(HANDLE event);

/* A Linux program linked with libwinvm serves its control channel (docs/processes.md) from its
 * first CreateProcess on, so its PE children can OpenProcess it and act on its memory and
 * handles; this call starts it earlier (for a program other processes reach by its pid).
 * Every `winvm run` process serves it from the start.  TRUE (also when it runs already), or
 * FALSE with the last error (no usable per-user directory: ERROR_ACCESS_DENIED). */
WINBASEAPI BOOL winvm_serve_channel(void);

#ifdef __cplusplus
}
#endif

#endif
