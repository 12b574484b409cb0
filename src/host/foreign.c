/* SPDX-License-Identifier: MIT */
/* foreign.c - VirtualQuery for memory winvm did not allocate.
 *
 * The process also holds its executable, shared libraries, malloc arenas, thread stacks and
 * other runtimes' mappings.  Windows would report those too, so we describe each kernel
 * mapping the way Windows describes the nearest equivalent:
 *   - PROT_NONE private anonymous memory is a reservation (MEM_RESERVE, Protect 0);
 *   - other anonymous private memory is MEM_PRIVATE, committed;
 *   - a private mapping of an ELF file (or the vDSO) is MEM_IMAGE, any other file or shared
 *     memory is MEM_MAPPED; writable private file pages report the WRITECOPY protections;
 *   - the page at 0x7ffe0000 (KUSER_SHARED_DATA, syspage.c), a memfd here, is private, as on
 *     Windows;
 *   - the kernel's mapping start stands in for AllocationBase (the kernel merges neighbours,
 *     so the original call's base is not recorded anywhere).
 */
#define _GNU_SOURCE
#include "host/host.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static DWORD wv_prot_of_host(int prot, bool copy)
{
    static const DWORD table[8] = {
        PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_READWRITE,
        PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_READWRITE,
    };
    DWORD p = table[prot & 7];
    if (copy && p == PAGE_READWRITE)
        return PAGE_WRITECOPY;
    if (copy && p == PAGE_EXECUTE_READWRITE)
        return PAGE_EXECUTE_WRITECOPY;
    return p;
}

static bool wv_is_elf(const char *path)
{
    if (path[0] != '/')
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char magic[4];
    bool elf = pread(fd, magic, 4, 0) == 4 && memcmp(magic, "\177ELF", 4) == 0;
    close(fd);
    return elf;
}

static DWORD wv_type_of(const struct wv_mapping *m)
{
    if (wv_syspage_at(m->start)) /* KUSER_SHARED_DATA: private memory on Windows (syspage.c) */
        return MEM_PRIVATE;
    if (strcmp(m->name, "[vdso]") == 0)
        return MEM_IMAGE;
    if (!m->file)
        return m->shared ? MEM_MAPPED : MEM_PRIVATE;
    if (!m->shared && wv_is_elf(m->name))
        return MEM_IMAGE;
    return MEM_MAPPED;
}

/* wv_proc_mapping, blind to the anchor page (os.c): the mapping holding addr or the first
 * above it, among the mappings a program may see. */
static bool wv_visible_mapping(uintptr_t addr, struct wv_mapping *m)
{
    bool known = wv_proc_mapping(addr, m);
    uintptr_t a = wv_os_anchor_page();
    if (known && a && m->start == a && m->end == a + WV_PAGE_SIZE)
        known = wv_proc_mapping(a + WV_PAGE_SIZE, m);
    return known;
}

uintptr_t wv_foreign_next(uintptr_t addr, uintptr_t end, uintptr_t *map_end)
{
    struct wv_mapping m;
    if (!wv_visible_mapping(addr, &m) || m.start == 0 || m.start >= end)
        return 0;
    *map_end = m.end;
    return m.start > addr ? m.start : addr;
}

void wv_foreign_query(uintptr_t addr, uintptr_t limit, MEMORY_BASIC_INFORMATION *mbi)
{
    uintptr_t base = wv_page_down(addr);
    struct wv_mapping m;
    bool known = wv_visible_mapping(base, &m);

    memset(mbi, 0, sizeof(*mbi));
    mbi->BaseAddress = (PVOID)base;
    if (known && m.start != 0 && m.start <= base && m.end > base) {
        uintptr_t end = m.end < limit ? m.end : limit;
        DWORD type = wv_type_of(&m);
        mbi->AllocationBase = (PVOID)m.start;
        mbi->RegionSize = end - base;
        mbi->Type = type;
        if (type == MEM_PRIVATE && (m.prot & 7) == 0) {
            mbi->State = MEM_RESERVE;
            mbi->AllocationProtect = PAGE_NOACCESS;
        } else {
            mbi->State = MEM_COMMIT;
            mbi->Protect = wv_prot_of_host(m.prot, m.file && !m.shared);
            mbi->AllocationProtect = mbi->Protect;
        }
        return;
    }
    /* Free: up to the next mapping of anyone, or the view that bounds the caller's search. */
    uintptr_t end = limit;
    if (known && m.start != 0 && m.start > base && m.start < end)
        end = m.start;
    mbi->RegionSize = end - base;
    mbi->State = MEM_FREE;
    mbi->Protect = PAGE_NOACCESS;
}
