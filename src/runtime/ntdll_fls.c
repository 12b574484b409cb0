/* SPDX-License-Identifier: MIT */
/* ntdll_fls.c - ntdll's fiber-local storage: RtlFlsAlloc, RtlFlsFree, RtlFlsGetValue,
 * RtlFlsSetValue, RtlProcessFlsData, the NTSTATUS faces of fls.c's cores (kernel32's Fls*
 * are the same cores with a last error).
 *
 * As Wine's kernel32 fiber.c records them on Windows: RtlFlsAlloc writes the index and
 * answers STATUS_SUCCESS, or STATUS_NO_MEMORY with the index untouched when none is free;
 * RtlFlsFree of an index not allocated, 0 or out of range is STATUS_INVALID_PARAMETER;
 * RtlFlsGetValue is STATUS_INVALID_PARAMETER (the value untouched) for 0, an index out of
 * range, or a fiber that has no FLS block yet, and reads an index not allocated as its value;
 * RtlFlsSetValue of 0 is STATUS_INVALID_PARAMETER.  RtlProcessFlsData takes a fiber's block
 * (what TEB->FlsData holds): bit 0 of its flags takes the block out of the list FlsFree walks
 * and runs its callbacks, bit 1 frees it (out of the list first: winvm never keeps a freed
 * block listed, where Windows would), the other bits do nothing.  Windows' own layout of
 * these blocks (Windows 10 1809's TEB_FLS_DATA and GLOBAL_FLS_DATA) is not reproduced:
 * docs/semantics.md. */
#include "runtime/fiber_int.h"
#include "runtime/synch_int.h"

static NTSTATUS wv_fls_status(DWORD err)
{
    if (!err)
        return STATUS_SUCCESS;
    return err == ERROR_NOT_ENOUGH_MEMORY ? (NTSTATUS)STATUS_NO_MEMORY : (NTSTATUS)STATUS_INVALID_PARAMETER;
}

WV_FB_ABI NTSTATUS wv_nt_RtlFlsAlloc(PFLS_CALLBACK_FUNCTION cb, DWORD *index)
{
    wv_seg_check();
    DWORD err, i = wv_fls_alloc((void *)cb, true, &err);
    if (err)
        return wv_fls_status(err);
    if (wv_copy(index, &i, sizeof(i))) {
        wv_fls_free(i); /* nothing left allocated by a failed call */
        return STATUS_ACCESS_VIOLATION;
    }
    return STATUS_SUCCESS;
}

WV_FB_ABI NTSTATUS wv_nt_RtlFlsFree(ULONG index)
{
    wv_seg_check();
    return wv_fls_status(wv_fls_free(index));
}

WV_FB_ABI NTSTATUS wv_nt_RtlFlsGetValue(ULONG index, void **value)
{
    wv_seg_check();
    void *v;
    DWORD err = wv_fls_get(index, &v);
    if (err)
        return wv_fls_status(err);
    return wv_copy(value, &v, sizeof(v)) ? STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

WV_FB_ABI NTSTATUS wv_nt_RtlFlsSetValue(ULONG index, void *value)
{
    wv_seg_check();
    return wv_fls_status(wv_fls_set(index, value));
}

WV_FB_ABI void wv_nt_RtlProcessFlsData(void *block, ULONG flags)
{
    wv_seg_check();
    wv_fls_process(block, flags);
}
