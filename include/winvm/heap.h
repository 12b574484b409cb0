/* SPDX-License-Identifier: MIT */
/* winvm/heap.h - private heaps (HeapCreate/HeapDestroy/HeapValidate/HeapCompact): blocks that
 * HeapAlloc/HeapReAlloc/HeapSize/HeapFree serve from a heap of its own, all freed at once by
 * HeapDestroy, as SQLite's SQLITE_WIN32_MALLOC and many C runtimes use them.  A heap created
 * with a maximum size (dwMaximumSize != 0) holds at most that many bytes of blocks.  Windows'
 * names, types, constant values and error codes. */
#ifndef WINVM_HEAP_H
#define WINVM_HEAP_H

#ifdef __cplusplus
extern "C" {
#endif

#define HEAP_CREATE_ENABLE_EXECUTE 0x00040000

WINBASEAPI HANDLE WINAPI HeapCreate(DWORD flOptions, SIZE_T dwInitialSize, SIZE_T dwMaximumSize);
/* The process heap cannot be destroyed: FALSE, ERROR_INVALID_HANDLE as for any other
 * handle that names no private heap. */
WINBASEAPI BOOL WINAPI HeapDestroy(HANDLE hHeap);
/* lpMem NULL: the whole heap (every block still its); else that block is one of the heap's. */
WINBASEAPI BOOL WINAPI HeapValidate(HANDLE hHeap, DWORD dwFlags, LPCVOID lpMem);
/* Gives the heap's free memory back to the system; returns the largest free block that stays
 * committed: 0 (with NO_ERROR as the last error), as winvm keeps none. */
WINBASEAPI SIZE_T WINAPI HeapCompact(HANDLE hHeap, DWORD dwFlags);

#ifdef __cplusplus
}
#endif
#endif /* WINVM_HEAP_H */
