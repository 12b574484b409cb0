/* SPDX-License-Identifier: MIT */
/* cxx_int.h - the MSVC C++ exception runtime (x64) of msvcrt.dll, ucrtbase.dll and
 * vcruntime140.dll: the data MSVC and clang-cl emit, and what the files share.  Private to
 * runtime/.
 *
 * A throw (cxx_throw.c) raises 0xE06D7363 with four parameters: the magic 0x19930520, the
 * object, its ThrowInfo, the image base its RVAs count from.  __CxxFrameHandler3 (cxx_frame.c)
 * is the language handler of every function with C++ EH: its FuncInfo maps instruction
 * pointers to states, states to destructor funclets (the unwind map) and try blocks to their
 * catch handlers.  A catch is found in phase 1 (cxx_match.c: the thrown object's catchable
 * types against the handler's type), its parameter built, then RtlUnwindEx unwinds to the
 * frame with STATUS_UNWIND_CONSOLIDATE, whose callback (cxx_catch.c) calls the catch funclet
 * on the stack as it stands (the thrown object lives in the thrower's frame, below) and resumes
 * at the continuation it returns.
 *
 * Every table is PE data read with wv_seh_read: a table that cannot be read is treated as
 * absent (the frame is searched no further), as winvm's unwinder treats unreadable unwind info.
 */
#ifndef WV_RUNTIME_CXX_INT_H
#define WV_RUNTIME_CXX_INT_H

#include "runtime/runtime.h"

#define WV_CXX_EXCEPTION 0xE06D7363u
#define WV_CXX_MAGIC_VC6 0x19930520u /* FuncInfo without the ES type list and flags */
#define WV_CXX_MAGIC_VC7 0x19930521u /* + the ES type list */
#define WV_CXX_MAGIC_VC8 0x19930522u /* + EHFlags */
#define WV_CXX_FI_EHS 1u             /* EHFlags: /EHs, only C++ exceptions are caught */
#define WV_CXX_FI_NOEXCEPT 4u        /* EHFlags: a noexcept function */

/* ThrowInfo (attributes: const, volatile, unaligned as the thrown type had). */
#define WV_TI_CONST 1u
#define WV_TI_VOLATILE 2u
#define WV_TI_UNALIGNED 4u
struct wv_throw_info {
    DWORD attributes;
    int destructor;  /* RVA of the object's destructor, 0: none */
    int forward;     /* RVA of a forward-compatibility handler (not used on x64) */
    int catchables;  /* RVA of the CatchableTypeArray */
};

/* PMD: how a pointer to the thrown object becomes one to a base class. */
struct wv_pmd {
    int mdisp; /* the base's offset */
    int pdisp; /* the vbtable pointer's offset, -1: not a virtual base */
    int vdisp; /* the offset in the vbtable of the virtual base's displacement */
};

/* CatchableType. */
#define WV_CT_SIMPLE 1u       /* a scalar or pointer: copied by bytes */
#define WV_CT_BYREFONLY 2u    /* may be caught by reference only */
#define WV_CT_VIRTUALBASE 4u  /* the copy constructor takes the most-derived flag */
struct wv_catchable {
    DWORD properties;
    int type;        /* RVA of the TypeDescriptor */
    struct wv_pmd pmd;
    int size;
    int copy;        /* RVA of the copy constructor, 0: bytes */
};

/* HandlerType (a catch clause). */
#define WV_HT_CONST 1u
#define WV_HT_VOLATILE 2u
#define WV_HT_UNALIGNED 4u
#define WV_HT_REFERENCE 8u
struct wv_handler_type {
    DWORD adjectives;
    int type;        /* RVA of the TypeDescriptor, 0: catch(...) */
    int catch_obj;   /* offset of the catch parameter from the parent's establisher frame, 0: none */
    int handler;     /* RVA of the catch funclet */
    int frame;       /* offset in the funclet's frame where it keeps the parent's frame */
};

struct wv_try_block {
    int low, high, catch_high; /* the try's states, then the catches' up to catch_high */
    int count;
    int handlers;              /* RVA of the HandlerType array */
};

struct wv_unwind_entry {
    int prev;        /* the enclosing state */
    int action;      /* RVA of the destructor funclet, 0: none */
};

struct wv_ip_state {
    int ip;          /* RVA; the state holds from here to the next entry */
    int state;
};

struct wv_func_info {
    DWORD magic;     /* low 29 bits; the top three are the BBT flags */
    int max_state;
    int unwind_map;
    DWORD try_count;
    int try_map;
    DWORD ip_count;
    int ip_map;
    int unwind_help; /* offset from the frame of the two state words the prologue sets to -2, -1 */
    int es_types;
    DWORD flags;
};

/* ---- cxx_fh4_read.c: __CxxFrameHandler4's compressed tables (FuncInfo4) ---- */
#define WV_FH4_IS_CATCH 0x01u   /* a catch funclet's: dispFrame follows */
#define WV_FH4_SEPARATED 0x02u  /* the IP map RVA is of a table of (segment start, IP map) */
#define WV_FH4_BBT 0x04u        /* BBT flags follow */
#define WV_FH4_UNWIND 0x08u     /* an unwind map RVA follows */
#define WV_FH4_TRY 0x10u        /* a try-block map RVA follows */
#define WV_FH4_EHS 0x20u
#define WV_FH4_NOEXCEPT 0x40u
#define WV_FH4_RESERVED 0x80u   /* a format this runtime does not know */

struct wv_fh4 {                 /* a FuncInfo4 read; the map RVAs are of their first entries */
    BYTE header;
    DWORD unwind_map, unwind_count;
    DWORD try_map, try_count;
    DWORD ip_map, ip_count;
    DWORD frame;                /* catch funclets: the parent's frame is kept at frame + this */
};
struct wv_fh4_try {
    int low, high, catch_high;
    DWORD handlers, count;      /* RVA of the first HandlerType4, how many */
};
struct wv_fh4_unwind {          /* an unwind map entry */
    int prev;                   /* the state it leads to */
    DWORD type;                 /* 0: nothing, 1: destructor of an object, 2: of a pointed-to one, 3: a funclet */
    DWORD action;               /* RVA */
    DWORD object;               /* its frame offset (types 1, 2) */
};
/* Reads the FuncInfo4 at rva for the function (segment) starting at begin (RVA). */
bool wv_fh4_func_info(DWORD64 base, DWORD rva, DWORD begin, struct wv_fh4 *fi);
/* The state at the RVA pc (the function starting at begin): -1 before the first entry. */
int wv_fh4_ip_state(const struct wv_fh4 *fi, DWORD64 base, DWORD begin, DWORD64 pc);
/* Try block i (read in order from the map's start; *pos: the reading position, 0 to start). */
bool wv_fh4_try_next(const struct wv_fh4 *fi, DWORD64 base, DWORD64 *pos, struct wv_fh4_try *t);
/* The next clause of t (*pos as above) as a HandlerType, with its continuation addresses
 * (absolute, 0: none; begin: the function start they may count from). */
bool wv_fh4_clause_next(const struct wv_fh4_try *t, DWORD64 base, DWORD begin, DWORD64 *pos,
                        struct wv_handler_type *h, DWORD64 cont[2]);
/* The unwind map entry of state (false: no such state, a table that cannot be read or whose
 * entry does not lead to an earlier one). */
bool wv_fh4_unwind_entry(const struct wv_fh4 *fi, DWORD64 base, int state, struct wv_fh4_unwind *e);

/* ---- cxx_match.c ---- */
/* The catchable type of the exception (rec: 0xE06D7363's four parameters, read) that the
 * clause h (its RVAs from base) catches: true and *out set, or false. */
bool wv_cxx_match(const EXCEPTION_RECORD *rec, const struct wv_handler_type *h, DWORD64 base,
                  struct wv_catchable *out);
/* A pointer to the object adjusted by pmd (to one of its bases), or 0 for 0. */
DWORD64 wv_cxx_adjust(DWORD64 object, const struct wv_pmd *pmd);
/* Builds h's catch parameter in the parent frame from the object, as type ct (from match). */
void wv_cxx_build_catch(const EXCEPTION_RECORD *rec, const struct wv_handler_type *h, const struct wv_catchable *ct,
                        DWORD64 parent, const CONTEXT *resume);

/* ---- cxx_catch.c: calling a catch ---- */
struct wv_cxx_catch_call {
    EXCEPTION_RECORD consolidate; /* what RtlUnwindEx is given: the callback and this call */
    CONTEXT target;               /* the target frame's context, written by the unwind */
    EXCEPTION_RECORD *rec;        /* the exception caught */
    const CONTEXT *ctx;           /* its context (__current_exception_context) */
    DWORD64 parent;               /* the function's establisher frame (the catch funclet's argument) */
    DWORD64 funclet;              /* the catch funclet */
    DWORD64 help;                 /* the function's unwind-help words, 0: none */
    int low;                      /* the try's first state: the target frame unwinds to it */
    DWORD64 frame;                /* the target frame's establisher frame */
    int search;                   /* FH4: the state an exception leaving the catch is searched at */
    DWORD64 cont[2];              /* FH4: the continuation addresses of the tables, 0: none */
};
/* Whether rec is the consolidation record of a catch call (and which). */
struct wv_cxx_catch_call *wv_cxx_catch_of(const EXCEPTION_RECORD *rec);
/* Unwinds to frame and calls the catch (never returns); start: the unwind's first context. */
__attribute__((noreturn)) void wv_cxx_catch(struct wv_cxx_catch_call *c, DWORD64 frame, DWORD64 pc,
                                            const CONTEXT *start);
/* The catch funclet whose frame is being unwound (frame: its establisher) ends by unwind:
 * its exception object is destroyed unless the unwind is for that object (a rethrow). */
void wv_cxx_catch_unwound(DWORD64 frame, const EXCEPTION_RECORD *unwinding);
/* cxx_throw.c: raises the MSVC C++ exception of object (its ThrowInfo at info, the image base its
 * RVAs count from) at ctx: _CxxThrowException's record, noncontinuable. */
__attribute__((noreturn)) void wv_cxx_raise(uintptr_t object, uintptr_t info, uintptr_t base, CONTEXT *ctx);
/* The innermost running catch whose target frame is frame (an exception raised in the catch
 * reaches that frame from its funclet), or NULL. */
const struct wv_cxx_catch_call *wv_cxx_running_in(DWORD64 frame);
/* The innermost running catch whose funclet's frame (frame) is not abandoned, or NULL. */
const struct wv_cxx_catch_call *wv_cxx_innermost(DWORD64 frame);
/* The exception the innermost running catch handles (rethrow's), or NULL. */
const EXCEPTION_RECORD *wv_cxx_current(void);
/* Calls the exception object's destructor through a link resuming at resume. */
void wv_cxx_destroy_object(const EXCEPTION_RECORD *rec, const CONTEXT *resume);

/* ---- cxx_typeinfo.c ---- */
/* Compares the PE strings at a and b a page-safe piece at a time (strcmp's sign, -1 or 1); a
 * string that stops being readable ends there, before one that goes on. */
int wv_cxx_strcmp(DWORD64 a, DWORD64 b);

/* ---- cxx_throw.c ---- */
/* Calls PE code fn(a, b, c) with the Windows convention through a link whose walk resumes at
 * resume (what it raises walks on from there). */
DWORD64 wv_cxx_call(DWORD64 fn, DWORD64 a, DWORD64 b, DWORD64 c, const CONTEXT *resume);
/* Reads rec's C++ parameters: true for a C++ exception record of the four parameters. */
bool wv_cxx_is_cxx(const EXCEPTION_RECORD *rec);
/* Whether a function compiled with /EHs (its tables' flag) lets rec pass untouched, neither
 * searched nor unwound: anything but a C++ exception, a catch call's consolidation or a
 * longjmp (__CxxFrameHandler3's and 4's rule alike). */
bool wv_cxx_ehs_passes(const EXCEPTION_RECORD *rec);
/* std::terminate: the process ends (abort's way, status 3). */
__attribute__((noreturn)) void wv_cxx_terminate(void);

#endif
