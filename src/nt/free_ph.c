/* SPDX-License-Identifier: MIT */
/* free_ph.c - NtFreeVirtualMemory on placeholders: MEM_RELEASE with MEM_PRESERVE_PLACEHOLDER
 * (split a placeholder at any page, or give an allocation that replaced one back to it) and
 * with MEM_COALESCE_PLACEHOLDERS (two or more whole adjacent placeholders become one).  Any
 * range that does not fit those rules is STATUS_CONFLICTING_ADDRESSES and changes nothing
 * (Wine's test_NtAllocateVirtualMemoryEx records each case).
 */
#include "nt/nt.h"

NTSTATUS wv_nt_free_placeholder(uintptr_t addr, SIZE_T size, ULONG type, uintptr_t *start, uintptr_t *end)
{
    *start = wv_page_down(addr);
    *end = wv_page_up(addr + size);
    DWORD err = wv_placeholder_free(addr, size, type);
    wv_debug_validate_at(*start);
    return err == ERROR_INVALID_ADDRESS ? STATUS_CONFLICTING_ADDRESSES : wv_status_of(err);
}
