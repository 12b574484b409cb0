/* SPDX-License-Identifier: MIT */
/* k32_stackguar.c - SetThreadStackGuarantee: how much of the calling thread's stack is kept for
 * the handlers of its STATUS_STACK_OVERFLOW, in the TEB's GuaranteedStackBytes, where Windows
 * keeps it (Rust's std sets it at every thread's start and treats a failure as fatal).  The
 * overflow's dispatch (fault/stkoflw.c) commits at least this much of the stack for them.
 *
 * Windows' rules (Wine's kernel32 thread.c test_SetThreadStackGuarantee): the request rounds
 * up to whole pages, two pages at least on x64; a smaller request than the current guarantee
 * leaves it as it is and succeeds; 0 only asks; *size always gets the previous guarantee back,
 * a refusal included; a guarantee the stack's reservation cannot hold is ERROR_INVALID_PARAMETER. */
#include "runtime/runtime.h"
#include "runtime/fiber_int.h"

#define WV_GUARANTEE_MIN (2 * WV_PAGE_SIZE) /* x64's floor: 4096 * sizeof(void *) / 4 */

BOOL WINAPI SetThreadStackGuarantee(ULONG *size)
{
    ULONG want;
    uint8_t *teb = wv_teb_self();
    if (!size || wv_copy(&want, size, sizeof(want)))
        return wv_fail(ERROR_NOACCESS);
    if (!teb)
        return wv_fail(ERROR_INVALID_PARAMETER);
    ULONG *cur = (ULONG *)(teb + WV_TEB_GUARANTEED_STACK);
    uintptr_t base = *(uintptr_t *)(teb + WV_TEB_STACK_BASE);
    uintptr_t lo = *(uintptr_t *)(teb + WV_TEB_DEALLOCATION_STACK);
    ULONG prev = *cur;
    if (wv_user_put(size, &prev, sizeof(prev)))
        return wv_fail(ERROR_NOACCESS);
    if (!want)
        return TRUE;
    uint64_t rounded = ((uint64_t)want + WV_PAGE_SIZE - 1) & ~(uint64_t)(WV_PAGE_SIZE - 1);
    if (rounded < WV_GUARANTEE_MIN)
        rounded = WV_GUARANTEE_MIN;
    /* the reservation must hold the guarantee and the page that is never committed below it */
    if (!lo || base <= lo || rounded + WV_PAGE_SIZE > base - lo)
        return wv_fail(ERROR_INVALID_PARAMETER);
    if (rounded > prev)
        *cur = (ULONG)rounded;
    return TRUE;
}
