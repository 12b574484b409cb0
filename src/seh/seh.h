/* SPDX-License-Identifier: MIT */
/* seh.h - structured exception handling for PE code, as Windows x64 does it: function tables
 * (lookup.c: the images' .pdata, tables added at run time), the unwinder (unwind.c: x64 unwind
 * codes, chained info, epilogues), contexts and calls into PE handlers (context.c, in
 * assembly), the frame walk shared by dispatch, unwind and back traces (walk.c), exception
 * dispatch (dispatch.c: vectored handlers, frame handlers, the unhandled-exception filter),
 * unwinding (unwindex.c: RtlUnwindEx) and __C_specific_handler's scope tables (cspecific.c).
 * Above the loader; below the runtime, whose ntdll.dll and kernel32.dll serve these to PE
 * code.  The fault handler (fault/) reaches this layer through wv_fault_pe_hook, set by
 * wv_seh_init: hardware faults whose instruction is in PE code are dispatched here.
 *
 * How a fault in PE code is dispatched (Wine's design on Linux, and Windows' own shape): the
 * SIGSEGV handler builds the EXCEPTION_RECORD and CONTEXT, copies them onto the faulting
 * thread's stack below the faulting frame, points the interrupted context at
 * wv_seh_dispatch_entry and returns.  The dispatcher then runs as ordinary code on the thread's
 * own stack (no signal-handler restrictions: handlers may unwind, raise, run for long), and
 * ends by restoring a CONTEXT (continue) or by an unwind to a handler.  RaiseException from PE
 * code captures its caller's CONTEXT and dispatches the same way.
 *
 * Calls from winvm into PE handlers go through wv_seh_callout, whose frame the walker
 * recognises (struct wv_link): an exception raised inside a handler walks on from the
 * exception the handler was called for (nested exceptions), an unwind that meets an unwind in
 * progress takes it over (collided unwinds), as Windows' RtlpExecuteHandlerForException and
 * RtlpExecuteHandlerForUnwind frames make happen.
 *
 * Locking: function-table lookups take the space lock briefly (never held when PE code runs);
 * the run-time function tables are edited under wv_seh_table_lock (a leaf).
 */
#ifndef WV_SEH_H
#define WV_SEH_H

#include "base/base.h"
#include "mm/mm.h"
#include "fault/fault.h"
#include "loader/loader.h"

#define WV_MSABI __attribute__((ms_abi))

typedef BYTE BOOLEAN;

/* ---- the NT definitions this layer works with (winnt.h values) ---- */
#define EXCEPTION_UNWINDING 0x2
#define EXCEPTION_EXIT_UNWIND 0x4
#define EXCEPTION_STACK_INVALID 0x8
#define EXCEPTION_NESTED_CALL 0x10
#define EXCEPTION_TARGET_UNWIND 0x20
#define EXCEPTION_COLLIDED_UNWIND 0x40
#define EXCEPTION_UNWIND (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND | EXCEPTION_TARGET_UNWIND | EXCEPTION_COLLIDED_UNWIND)

#define UNW_FLAG_NHANDLER 0
#define UNW_FLAG_EHANDLER 1
#define UNW_FLAG_UHANDLER 2
#define UNW_FLAG_CHAININFO 4

#define STATUS_SUCCESS_WV 0u
#define STATUS_INVALID_DISPOSITION 0xC0000026u
#define STATUS_UNWIND 0xC0000027u
#define STATUS_BAD_STACK 0xC0000028u
#define STATUS_INVALID_UNWIND_TARGET 0xC0000029u
#define STATUS_LONGJUMP 0x80000026u
#define STATUS_UNWIND_CONSOLIDATE 0x80000029u
#define STATUS_BAD_FUNCTION_TABLE 0xC00000FFu
#define STATUS_INTEGER_DIVIDE_BY_ZERO 0xC0000094u
#define STATUS_INTEGER_OVERFLOW 0xC0000095u
#define STATUS_ILLEGAL_INSTRUCTION 0xC000001Du
#define STATUS_PRIVILEGED_INSTRUCTION 0xC0000096u
#define STATUS_FLOAT_DIVIDE_BY_ZERO 0xC000008Eu
#define STATUS_FLOAT_INEXACT_RESULT 0xC000008Fu
#define STATUS_FLOAT_INVALID_OPERATION 0xC0000090u
#define STATUS_FLOAT_OVERFLOW 0xC0000091u
#define STATUS_FLOAT_UNDERFLOW 0xC0000093u

typedef enum _EXCEPTION_DISPOSITION {
    ExceptionContinueExecution = 0,
    ExceptionContinueSearch = 1,
    ExceptionNestedException = 2,
    ExceptionCollidedUnwind = 3
} EXCEPTION_DISPOSITION;

typedef struct _RUNTIME_FUNCTION {
    DWORD BeginAddress, EndAddress, UnwindData;
} RUNTIME_FUNCTION, *PRUNTIME_FUNCTION;

struct _DISPATCHER_CONTEXT;
typedef EXCEPTION_DISPOSITION(WV_MSABI *PEXCEPTION_ROUTINE)(EXCEPTION_RECORD *, PVOID, CONTEXT *,
                                                            struct _DISPATCHER_CONTEXT *);

typedef struct _DISPATCHER_CONTEXT {
    DWORD64 ControlPc;
    DWORD64 ImageBase;
    PRUNTIME_FUNCTION FunctionEntry;
    DWORD64 EstablisherFrame;
    DWORD64 TargetIp;
    PCONTEXT ContextRecord;
    PEXCEPTION_ROUTINE LanguageHandler;
    PVOID HandlerData;
    PVOID HistoryTable;
    DWORD ScopeIndex;
    DWORD Fill0;
} DISPATCHER_CONTEXT, *PDISPATCHER_CONTEXT;

/* Where RtlVirtualUnwind found each restored register (NULL: not restored). */
typedef struct _KNONVOLATILE_CONTEXT_POINTERS {
    PM128A FloatingContext[16];
    DWORD64 *IntegerContext[16];
} KNONVOLATILE_CONTEXT_POINTERS, *PKNONVOLATILE_CONTEXT_POINTERS;

typedef PRUNTIME_FUNCTION(WV_MSABI *PGET_RUNTIME_FUNCTION_CALLBACK)(DWORD64 pc, PVOID context);

/* ---- lookup.c: function tables ---- */
/* The function entry covering pc and its image base (RtlLookupFunctionEntry); NULL when pc
 * is in no table, *base then the image base when pc is in an image (a leaf), else 0. */
PRUNTIME_FUNCTION wv_seh_lookup(DWORD64 pc, DWORD64 *base);
/* The same, *image set when the entry is in an image's .pdata (not a run-time table). */
PRUNTIME_FUNCTION wv_seh_lookup_in(DWORD64 pc, DWORD64 *base, bool *image);
/* Whether pc is in PE code: an image, or a range with a function table added at run time. */
bool wv_seh_is_pe(DWORD64 pc);
/* Whether pc is in memory winvm manages (any view: code a program wrote to memory it
 * allocated, without a function table, included). */
bool wv_seh_in_view(DWORD64 pc);
/* RtlPcToFileHeader: the base of the image holding pc, or NULL. */
void *wv_seh_image_base(DWORD64 pc);
BOOLEAN wv_seh_table_add(PRUNTIME_FUNCTION table, DWORD count, DWORD64 base);
BOOLEAN wv_seh_table_delete(PRUNTIME_FUNCTION table);
BOOLEAN wv_seh_table_callback(DWORD64 id, DWORD64 base, DWORD length,
                              PGET_RUNTIME_FUNCTION_CALLBACK cb, PVOID context);

/* ---- unwind.c ---- */
/* RtlVirtualUnwind: unwinds ctx by one frame (in place).  0, or STATUS_BAD_FUNCTION_TABLE
 * (corrupt or unreadable unwind info, ctx unchanged) or STATUS_BAD_STACK (a read of the stack
 * failed).  *handler is the frame's handler of that type (NULL in a prologue or epilogue). */
DWORD wv_seh_virtual_unwind(DWORD type, DWORD64 base, DWORD64 pc, const RUNTIME_FUNCTION *fe, CONTEXT *ctx,
                            PEXCEPTION_ROUTINE *handler, PVOID *data, DWORD64 *frame,
                            KNONVOLATILE_CONTEXT_POINTERS *ptrs);

/* The same unwind in two halves: wv_seh_plan reads and decodes what depends only on pc and
 * memory that does not change while the image stays mapped (the function entry, its unwind
 * info and chain, the code at pc when it is an epilogue); wv_seh_plan_run applies it to a
 * context.  The walker keeps plans per thread and replays them (walk.c). */
struct wv_unwind_op {
    BYTE what, reg; /* an operation of unwind.c's (pop, alloc, set frame, load, load xmm, machine frame) */
    WORD spare;
    DWORD arg;      /* bytes, or an offset from the frame */
};
/* The longest epilogue the x64 ABI allows: lea rsp (7 bytes), eight pops of nonvolatile
 * registers (12), a jmp through memory with REX, SIB and disp32 (8): 27 bytes. */
#define WV_EPILOG_MAX 32
/* The most operations one RtlVirtualUnwind applies (a chain beyond it is a bad table). */
#define WV_UNWIND_OPS_MAX 256
struct wv_plan {
    DWORD64 lo, hi;             /* the function: where an epilogue's jmp may go */
    PEXCEPTION_ROUTINE handler; /* past the prologue, the handler (flags say of which type) */
    PVOID data;
    BYTE flags;                 /* UNW_FLAG_EHANDLER | UNW_FLAG_UHANDLER of the primary info */
    BYTE frame_reg, frame_off;  /* the frame register (0: none) and its offset / 16 */
    bool fp;                    /* the frame register is set at pc */
    BYTE epilog;                /* nonzero: pc is in an epilogue, code[0..epilog) its bytes */
    BYTE code[WV_EPILOG_MAX];
    unsigned nops, cap;
    struct wv_unwind_op *ops;   /* the caller's room for cap operations */
};
/* 0, STATUS_BAD_FUNCTION_TABLE, or WV_PLAN_FULL when the operations need more than p->cap. */
#define WV_PLAN_FULL 1u
DWORD wv_seh_plan(DWORD64 base, DWORD64 pc, const RUNTIME_FUNCTION *fe, struct wv_plan *p);
/* Applies p (made for pc) to ctx: as wv_seh_virtual_unwind. */
DWORD wv_seh_plan_run(const struct wv_plan *p, DWORD64 pc, DWORD type, CONTEXT *ctx, PEXCEPTION_ROUTINE *handler,
                      PVOID *data, DWORD64 *frame, KNONVOLATILE_CONTEXT_POINTERS *ptrs);
/* Reads n bytes at a, a PE program's memory: false when any byte cannot be read.  Inline:
 * an unwind reads a few bytes at a time, several times per frame. */
static inline bool wv_seh_read(void *dst, DWORD64 a, size_t n)
{
    return a && a + n >= a && wv_copy(dst, (const void *)(uintptr_t)a, n) == 0;
}
/* One 8-byte read (a stack slot): the fixed-size accessor, no length loop. */
static inline bool wv_seh_read64(DWORD64 *dst, DWORD64 a)
{
    uint64_t v;
    if (!a || a + 8 < a || wv_user_get64((const void *)(uintptr_t)a, &v))
        return false;
    *dst = v;
    return true;
}

/* ---- context.c (assembly) ---- */
/* RtlCaptureContext (ms_abi, rcx): the caller's registers, XMM and MXCSR included. */
void WV_MSABI wv_seh_capture(CONTEXT *ctx);
/* Loads every register from ctx (16-byte aligned; checked by the caller) and jumps. */
__attribute__((noreturn)) void wv_seh_restore_raw(const CONTEXT *ctx, const BYTE *xsave);
/* ctx (any alignment, sanitised) restored: RtlRestoreContext without a record. */
__attribute__((noreturn)) void wv_seh_restore(const CONTEXT *ctx);
/* The same, with the AVX state of xsrc's XSTATE area when ctx (a copy of xsrc, or NULL) has
 * CONTEXT_XSTATE: xsrc is read as PE code's (fault/xstate.c). */
__attribute__((noreturn)) void wv_seh_restore_xs(const CONTEXT *ctx, const CONTEXT *xsrc);

/* A call from winvm into PE code that an exception may leave (see the header comment). */
enum wv_link_kind { WV_LINK_DISPATCH = 1, WV_LINK_UNWIND, WV_LINK_PASS };
struct wv_link {
    DISPATCHER_CONTEXT dc;    /* DISPATCH, UNWIND: what the handler was given */
    uint64_t magic;           /* WV_LINK_MAGIC ^ (uintptr_t)this */
    int kind;
    uintptr_t sp;             /* set by wv_seh_callout: its stack pointer at the call */
    const CONTEXT *resume;    /* where a walk goes on past this call (NULL: it ends here) */
    DWORD64 frame;            /* DISPATCH: the establisher frame of the handler's frame */
};
#define WV_LINK_MAGIC 0x57564c494e4b5345ull
/* fn(a, b, c, d) with the Windows convention, through a frame the walker knows. */
DWORD64 wv_seh_callout(void *fn, DWORD64 a, DWORD64 b, DWORD64 c, DWORD64 d, struct wv_link *link);
extern const char wv_seh_callout_ret[];
/* The link a handler's DISPATCHER_CONTEXT belongs to, when winvm made it; else NULL. */
struct wv_link *wv_seh_link_of(DISPATCHER_CONTEXT *dc);
/* A link (zeroed, marked) of that kind resuming at resume. */
void wv_seh_link_init(struct wv_link *l, int kind, const CONTEXT *resume);
/* A walk position just past link's call (only Rip and Rsp: the walker reads the link there). */
void wv_seh_link_position(const struct wv_link *l, CONTEXT *ctx);

/* ---- walk.c: one frame at a time ---- */
enum wv_step_result { WV_STEP_FRAME, WV_STEP_LINK, WV_STEP_END, WV_STEP_BAD };
struct wv_step {
    DWORD64 pc, base, frame;
    PRUNTIME_FUNCTION fe;
    PEXCEPTION_ROUTINE handler;
    PVOID data;
    struct wv_link *link;     /* WV_STEP_LINK */
};
/* Unwinds ctx (the context inside a frame) to its caller's: FRAME (out filled), LINK (ctx is
 * at wv_seh_callout's return: out->link, ctx unchanged), END (not PE code: the PE frames end
 * here) or BAD (unreadable unwind info or stack, or a stack pointer that does not go up). */
enum wv_step_result wv_seh_step(CONTEXT *ctx, DWORD type, struct wv_step *out);
/* Whether a establisher frame is one this thread's stack can hold. */
bool wv_seh_frame_ok(DWORD64 frame);
/* Where a walk goes on past link (after the nested or collided rules): false at the end. */
bool wv_seh_link_resume(const struct wv_link *link, CONTEXT *ctx);
/* RtlCaptureStackBackTrace from ctx (the caller's context). */
WORD wv_seh_backtrace(CONTEXT *ctx, DWORD skip, DWORD count, PVOID *out, DWORD *hash);

/* ---- dispatch.c ---- */
/* Dispatches rec raised with ctx (PE code's): returns only when continuing is impossible. */
__attribute__((noreturn)) void wv_seh_dispatch(EXCEPTION_RECORD *rec, CONTEXT *ctx);
/* Raises a software exception from PE code whose context is ctx (RaiseException). */
__attribute__((noreturn)) void wv_seh_raise(EXCEPTION_RECORD *rec, CONTEXT *ctx);
/* Set by the runtime of a debugged process (runtime/debug_child.c): reports an exception to
 * the debugger, first chance before any handler and second chance when none handled it;
 * 1 when the debugger continued it (DBG_CONTINUE), 0 when it did not handle it, -1 with no
 * debugger. */
extern int (*volatile wv_seh_debug_hook)(EXCEPTION_RECORD *rec, CONTEXT *ctx, bool first);
/* Set with it: whether a debugger is attached now.  A debugged process's faults in any code of
 * its own memory are dispatched here (the debugger sees them first, as Windows' kernel sends
 * every user-mode exception), not only PE images'. */
extern bool (*volatile wv_seh_debugged_hook)(void);
/* A new noncontinuable exception status, nested on rec, from the context ctx. */
__attribute__((noreturn)) void wv_seh_raise_status(DWORD status, EXCEPTION_RECORD *rec, const CONTEXT *ctx);
/* SetUnhandledExceptionFilter: the process has one filter, PE code's (ms_abi) or a C
 * program's (the host convention), whichever was set last; each call returns the previous
 * one, of either kind. */
typedef LONG(WV_MSABI *wv_pe_filter)(EXCEPTION_POINTERS *);
typedef LONG (*wv_host_filter)(EXCEPTION_POINTERS *);
wv_pe_filter wv_seh_set_filter(wv_pe_filter f);
wv_host_filter wv_seh_set_host_filter(wv_host_filter f);
/* RtlSetUnhandledExceptionFilter: the filter of the frame PE threads start under; it replaces
 * kernel32's UnhandledExceptionFilter there (NULL: no filter; the exception then ends the
 * process as one nothing handled).  No previous value is returned, as on Windows. */
void wv_seh_set_start_filter(wv_pe_filter f);
/* UnhandledExceptionFilter (kernel32): the filter PE code set decides; without one (or when it
 * answers EXCEPTION_CONTINUE_SEARCH) winvm's report is written and the answer is
 * EXCEPTION_EXECUTE_HANDLER, as Windows answers without a debugger after its error report. */
LONG wv_seh_unhandled_filter(EXCEPTION_POINTERS *ep);
/* Sets wv_fault_pe_hook (once). */
void wv_seh_init(void);

/* ---- unwindex.c ---- */
/* RtlUnwindEx from start (the context to unwind from: the caller's, or a link's). */
__attribute__((noreturn)) void wv_seh_unwind(DWORD64 target_frame, DWORD64 target_ip, EXCEPTION_RECORD *rec,
                                             DWORD64 retval, CONTEXT *ctx, const CONTEXT *start);
/* RtlRestoreContext with a record: STATUS_LONGJUMP and STATUS_UNWIND_CONSOLIDATE.  user: NULL,
 * or the caller's CONTEXT, which receives the jump buffer's registers (Windows writes them into
 * the CONTEXT it was given before it resumes). */
__attribute__((noreturn)) void wv_seh_restore_rec(CONTEXT *ctx, EXCEPTION_RECORD *rec, CONTEXT *user);

/* ---- cspecific.c ---- */
EXCEPTION_DISPOSITION WV_MSABI wv_seh_c_specific_handler(EXCEPTION_RECORD *rec, PVOID frame, CONTEXT *ctx,
                                                         DISPATCHER_CONTEXT *dc);

#endif
