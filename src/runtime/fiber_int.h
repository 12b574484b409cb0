/* SPDX-License-Identifier: MIT */
/* fiber_int.h - what fiber.c, fiber_swap.c, fls.c and the export tables share about fibers
 * (private to runtime/). */
#ifndef WV_FIBER_INT_H
#define WV_FIBER_INT_H

#include "runtime/runtime.h"
#include <winvm/ntdll.h>

/* TEB fields a fiber switch changes or reads (x64 offsets, winternl.h's TEB). */
enum {
    WV_TEB_EXCEPTION_LIST = 0x0, WV_TEB_STACK_BASE = 0x8, WV_TEB_STACK_LIMIT = 0x10,
    WV_TEB_FIBER_DATA = 0x20, WV_TEB_ACTCTX_STACK = 0x2c8, WV_TEB_DEALLOCATION_STACK = 0x1478,
    WV_TEB_GUARANTEED_STACK = 0x1748, WV_TEB_ACTIVE_FRAME = 0x17c0, WV_TEB_FLS_DATA = 0x17c8,
    WV_TEB_SAME_FLAGS = 0x17ee, WV_TEB_HAS_FIBER_DATA = 0x4
};

#ifndef FIBER_FLAG_FLOAT_SWITCH
#define FIBER_FLAG_FLOAT_SWITCH 0x1
#endif
#ifndef ERROR_ALREADY_FIBER
#define ERROR_ALREADY_FIBER 1280
#endif
#ifndef ERROR_ALREADY_THREAD
#define ERROR_ALREADY_THREAD 1281
#endif

/* The control state a fiber made with FIBER_FLAG_FLOAT_SWITCH starts with: Windows' thread
 * defaults (thread_int.h). */
#define WV_FIBER_MXCSR 0x1f80u
#define WV_FIBER_X87 0x27fu

/* fiber_swap.c: saves the calling fiber's registers (*save: its stack pointer) and runs the
 * one whose stack pointer is load; fp: bit 0 store the control state, bit 1 load it.  Returns
 * when something switches back. */
void wv_fiber_swap(uintptr_t *save, uintptr_t load, unsigned fp);
/* The first frame of a new fiber below top (its stack's top): its stack pointer. */
uintptr_t wv_fiber_frame(uintptr_t top, void *fiber);

/* fiber.c: the calling thread ends (on its host stack, before its TEB goes): the running
 * fiber's stack is the one the thread frees (wv_stack_lo), a fiber DeleteFiber ended is freed. */
void wv_fiber_thread_end(void);

/* fls.c: the calling fiber's FLS block is TEB->FlsData (a thread's own without a TEB);
 * a switch sets the new fiber's.  wv_fls_fiber_end: a fiber's block ends (DeleteFiber): its
 * callbacks run, then it is freed. */
void *wv_fls_current(void);
void wv_fls_switch(void *block);
void wv_fls_fiber_end(void *block);

/* PE code's entries (ms_abi): kernel32's fiber calls, ntdll's FLS calls. */
#define WV_FB_ABI __attribute__((ms_abi, no_stack_protector))
typedef void(WV_MSABI *wv_fiber_routine)(void *);
WV_FB_ABI void *wv_k32_CreateFiber(SIZE_T stack, wv_fiber_routine start, void *param);
WV_FB_ABI void *wv_k32_CreateFiberEx(SIZE_T commit, SIZE_T reserve, DWORD flags, wv_fiber_routine start, void *param);
WV_FB_ABI void *wv_k32_ConvertThreadToFiber(void *param);
WV_FB_ABI void *wv_k32_ConvertThreadToFiberEx(void *param, DWORD flags);
WV_FB_ABI BOOL wv_k32_ConvertFiberToThread(void);
WV_FB_ABI void wv_k32_SwitchToFiber(void *fiber);
WV_FB_ABI void wv_k32_DeleteFiber(void *fiber);
WV_FB_ABI BOOL wv_k32_IsThreadAFiber(void);
WV_FB_ABI NTSTATUS wv_nt_RtlFlsAlloc(PFLS_CALLBACK_FUNCTION cb, DWORD *index);
WV_FB_ABI NTSTATUS wv_nt_RtlFlsFree(ULONG index);
WV_FB_ABI NTSTATUS wv_nt_RtlFlsGetValue(ULONG index, void **value);
WV_FB_ABI NTSTATUS wv_nt_RtlFlsSetValue(ULONG index, void *value);
WV_FB_ABI void wv_nt_RtlProcessFlsData(void *block, ULONG flags);

#endif
