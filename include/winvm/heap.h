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

/* PROCESS_HEAP_ENTRY.wFlags */
#define PROCESS_HEAP_REGION 0x0001
#define PROCESS_HEAP_UNCOMMITTED_RANGE 0x0002
#define PROCESS_HEAP_ENTRY_BUSY 0x0004
#define PROCESS_HEAP_SEG_ALLOC 0x0008
#define PROCESS_HEAP_ENTRY_MOVEABLE 0x0010
#define PROCESS_HEAP_ENTRY_DDESHARE 0x0020

typedef struct _PROCESS_HEAP_ENTRY {
    PVOID lpData;
    DWORD cbData;
    BYTE cbOverhead;
    BYTE iRegionIndex;
    WORD wFlags;
    union {
        struct {
            HANDLE hMem;
            DWORD dwReserved[3];
        } Block;
        struct {
            DWORD dwCommittedSize;
            DWORD dwUnCommittedSize;
            LPVOID lpFirstBlock;
            LPVOID lpLastBlock;
        } Region;
    };
} PROCESS_HEAP_ENTRY, *LPPROCESS_HEAP_ENTRY, *PPROCESS_HEAP_ENTRY;

WINBASEAPI HANDLE WINAPI HeapCreate(DWORD flOptions, SIZE_T dwInitialSize, SIZE_T dwMaximumSize);
/* The process heap cannot be destroyed: FALSE, ERROR_INVALID_HANDLE as for any other
 * handle that names no private heap. */
WINBASEAPI BOOL WINAPI HeapDestroy(HANDLE hHeap);
/* lpMem NULL: the whole heap (every block still its); else that block is one of the heap's. */
WINBASEAPI BOOL WINAPI HeapValidate(HANDLE hHeap, DWORD dwFlags, LPCVOID lpMem);
/* Gives the heap's free memory back to the system; returns the largest free block that stays
 * committed: 0 (with NO_ERROR as the last error), as winvm keeps none. */
WINBASEAPI SIZE_T WINAPI HeapCompact(HANDLE hHeap, DWORD dwFlags);
/* Holds the heap's lock: other threads' calls on the heap wait until the holder's HeapUnlock;
 * the holder's own calls go on, and it may lock again (as many HeapUnlocks as HeapLocks).
 * HeapUnlock by a thread that does not hold it: FALSE, ERROR_NOT_OWNER (once the holder, if
 * any, let go).  A handle naming no private heap: ERROR_INVALID_HANDLE.  The process heap is
 * the host allocator's and has no such lock: FALSE, ERROR_NOT_SUPPORTED. */
WINBASEAPI BOOL WINAPI HeapLock(HANDLE hHeap);
WINBASEAPI BOOL WINAPI HeapUnlock(HANDLE hHeap);
/* One entry per call: lpData NULL starts with the heap's region (lpData the heap handle,
 * PROCESS_HEAP_REGION), then each block HeapAlloc returned and HeapFree did not take back,
 * once, PROCESS_HEAP_ENTRY_BUSY, cbData its HeapSize; then FALSE, ERROR_NO_MORE_ITEMS.
 * lpData neither the heap nor one of its blocks: ERROR_INVALID_PARAMETER; a bad entry
 * pointer: ERROR_NOACCESS; the process heap (the host allocator's): ERROR_NOT_SUPPORTED. */
WINBASEAPI BOOL WINAPI HeapWalk(HANDLE hHeap, LPPROCESS_HEAP_ENTRY lpEntry);

#ifdef __cplusplus
}
#endif
#endif /* WINVM_HEAP_H */
