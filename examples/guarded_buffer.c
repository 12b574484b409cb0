/* SPDX-License-Identifier: MIT */
/* guarded_buffer.c - ordinary Windows code: a growable buffer in reserved address space,
 * committed on demand, sealed read-only when done.  It compiles unchanged for Windows (with
 * mingw-w64 against <windows.h>) and for Linux (against winvm's <winvm.h>); `make check`
 * builds and runs it both ways where the compiler is present.
 */
#ifdef _WIN32
#include <windows.h>
#else
#include <winvm.h>
#endif
#include <stdio.h>
#include <string.h>

typedef struct {
    BYTE *base;
    SIZE_T reserved, committed, used;
    DWORD page;
} BUFFER;

static BOOL BufferInit(BUFFER *b, SIZE_T maxSize)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    b->page = si.dwPageSize;
    b->base = (BYTE *)VirtualAlloc(NULL, maxSize, MEM_RESERVE, PAGE_NOACCESS);
    b->reserved = maxSize;
    b->committed = b->used = 0;
    return b->base != NULL;
}

static BOOL BufferAppend(BUFFER *b, const void *data, SIZE_T len)
{
    if (b->used + len > b->reserved) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return FALSE;
    }
    if (b->used + len > b->committed) {
        SIZE_T want = (b->used + len + b->page - 1) / b->page * b->page;
        if (!VirtualAlloc(b->base + b->committed, want - b->committed, MEM_COMMIT, PAGE_READWRITE))
            return FALSE;
        b->committed = want;
    }
    memcpy(b->base + b->used, data, len);
    b->used += len;
    return TRUE;
}

static BOOL BufferSeal(BUFFER *b)
{
    DWORD old;
    return VirtualProtect(b->base, b->committed, PAGE_READONLY, &old) && old == PAGE_READWRITE;
}

int main(void)
{
    BUFFER b;
    MEMORY_BASIC_INFORMATION mbi;
    int i;

    if (!BufferInit(&b, 1 << 20)) {
        printf("VirtualAlloc failed: %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    for (i = 0; i < 1000; i++)
        if (!BufferAppend(&b, "0123456789", 10))
            return 2;
    if (!BufferSeal(&b))
        return 3;
    if (VirtualQuery(b.base, &mbi, sizeof(mbi)) != sizeof(mbi))
        return 4;
    printf("committed %lu bytes in a %lu-byte reservation: State=0x%lx Protect=0x%lx Type=0x%lx\n",
           (unsigned long)mbi.RegionSize, (unsigned long)b.reserved, (unsigned long)mbi.State,
           (unsigned long)mbi.Protect, (unsigned long)mbi.Type);
    if (mbi.RegionSize != 12288 || mbi.State != MEM_COMMIT || mbi.Protect != PAGE_READONLY ||
        mbi.Type != MEM_PRIVATE)
        return 5;
    if (VirtualQuery(b.base + 12288, &mbi, sizeof(mbi)) != sizeof(mbi) || mbi.State != MEM_RESERVE ||
        mbi.Protect != 0)
        return 6;
    if (VirtualAlloc(NULL, 4096, MEM_COMMIT, PAGE_WRITECOPY) || GetLastError() != ERROR_INVALID_PARAMETER)
        return 7;
    return VirtualFree(b.base, 0, MEM_RELEASE) ? 0 : 8;
}
