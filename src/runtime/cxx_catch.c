/* SPDX-License-Identifier: MIT */
/* cxx_catch.c - running a C++ catch block, and the exceptions the running ones handle.
 *
 * The frame handler unwinds to the frame of the catch with a STATUS_UNWIND_CONSOLIDATE record
 * whose callback is wv_cxx_catch_cb: RtlUnwindEx runs the destructors of every frame between,
 * restores the target frame's context and calls the callback there, still below the thrower's
 * frames (the thrown object lives on).  The callback calls the catch funclet with the parent
 * function's establisher frame, through a link resuming at the target frame: what the catch
 * throws walks on from the function that holds it, as on Windows.  The funclet returns the
 * address to continue at; the exception object is then destroyed, and the function's two
 * unwind-help words go back to -2 and -1 (its state follows its instruction pointer again).
 *
 * The running catches of a thread are a list, innermost first, each entry in its callback's
 * frame: `throw;` rethrows the innermost's exception.  A catch left by an exception is ended
 * when the unwind passes its funclet's frame (wv_cxx_catch_unwound): its object is destroyed
 * unless that unwind is for the same object (it was rethrown and lives on in another catch).
 * An object is never destroyed while another running catch holds it (a rethrow caught inside
 * the catch that rethrew it): the outermost holder destroys it.  While a catch runs,
 * vcruntime140's __current_exception and __current_exception_context name its exception's
 * record (the entry's copy) and the context it was raised with.
 */
#include "runtime/cxx_int.h"

#include <string.h>

struct wv_cxx_active {
    struct wv_cxx_active *next; /* the catch this one runs inside, or an older one */
    EXCEPTION_RECORD rec;       /* the exception handled (a copy: rethrow's source) */
    uintptr_t sp;               /* where the entry is: the catch funclet's frames are below */
    const CONTEXT *resume;      /* the target frame's context: calls made for it walk on there */
    const struct wv_cxx_catch_call *call; /* what started it (in the frame handler's frame, above) */
    void *saved[2];             /* __current_exception and its context before this catch */
};

static __thread struct wv_cxx_active *wv_cxx_head;

/* vcruntime140's per-thread slots (MSVC's std::current_exception reads them): the record and
 * context of the exception the innermost running catch handles; NULL outside any catch. */
static __thread void *wv_cxx_slot[2];
WV_MSABI void **wv_vc___current_exception(void) { return &wv_cxx_slot[0]; }
WV_MSABI void **wv_vc___current_exception_context(void) { return &wv_cxx_slot[1]; }

/* An entry leaves the list: the slots get back what they held before its catch. */
static void wv_cxx_leave(struct wv_cxx_active *a)
{
    wv_cxx_slot[0] = a->saved[0], wv_cxx_slot[1] = a->saved[1];
}

/* Drops entries below sp: catches whose frames were abandoned without an unwind through them
 * (a frame handler that did not run, a thread that switched stacks). */
static void wv_cxx_prune(uintptr_t sp)
{
    while (wv_cxx_head && wv_cxx_head->sp < sp) {
        wv_cxx_leave(wv_cxx_head);
        wv_cxx_head = wv_cxx_head->next;
    }
}

const EXCEPTION_RECORD *wv_cxx_current(void)
{
    wv_cxx_prune((uintptr_t)__builtin_frame_address(0));
    return wv_cxx_head ? &wv_cxx_head->rec : NULL;
}

const struct wv_cxx_catch_call *wv_cxx_innermost(DWORD64 frame)
{
    wv_cxx_prune(frame);
    return wv_cxx_head ? wv_cxx_head->call : NULL;
}

const struct wv_cxx_catch_call *wv_cxx_running_in(DWORD64 frame)
{
    wv_cxx_prune((uintptr_t)__builtin_frame_address(0));
    for (const struct wv_cxx_active *a = wv_cxx_head; a; a = a->next)
        if (a->call->frame == frame)
            return a->call;
    return NULL;
}

/* Where the catch goes on: FH4's tables may name it (two: the funclet returns which), else
 * the funclet returns the address. */
static DWORD64 wv_cxx_continuation(const struct wv_cxx_catch_call *c, DWORD64 ret)
{
    if (c->cont[1]) {
        if (ret > 1)
            wv_cxx_terminate(); /* not an index of the two: corrupt code or tables */
        return c->cont[ret];
    }
    return c->cont[0] ? c->cont[0] : ret;
}

/* Whether another running catch holds the object of a. */
static bool wv_cxx_held(const struct wv_cxx_active *a)
{
    for (const struct wv_cxx_active *o = wv_cxx_head; o; o = o->next)
        if (o != a && o->rec.ExceptionInformation[1] == a->rec.ExceptionInformation[1])
            return true;
    return false;
}

static void wv_cxx_unlink(struct wv_cxx_active *a)
{
    for (struct wv_cxx_active **p = &wv_cxx_head; *p; p = &(*p)->next)
        if (*p == a) {
            *p = a->next;
            return;
        }
}

static void wv_cxx_set_help(DWORD64 help)
{
    static const int fresh[2] = {-2, -1};
    if (help)
        (void)wv_copy((void *)(uintptr_t)help, fresh, sizeof(fresh));
}

static WV_MSABI DWORD64 wv_cxx_catch_cb(EXCEPTION_RECORD *consolidate)
{
    struct wv_cxx_catch_call *c = (struct wv_cxx_catch_call *)(uintptr_t)consolidate->ExceptionInformation[1];
    struct wv_cxx_active a = {.sp = (uintptr_t)&a, .resume = &c->target, .call = c};
    memcpy(&a.rec, c->rec, sizeof(a.rec));
    wv_cxx_prune(a.sp);
    a.next = wv_cxx_head;
    wv_cxx_head = &a;
    a.saved[0] = wv_cxx_slot[0], a.saved[1] = wv_cxx_slot[1];
    wv_cxx_slot[0] = &a.rec, wv_cxx_slot[1] = (void *)c->ctx;
    /* In the catch, the parent's state is the funclet's own (by its instruction pointer). */
    static const int fresh = -2;
    if (c->help)
        (void)wv_copy((void *)(uintptr_t)c->help, &fresh, sizeof(fresh));
    DWORD64 cont = wv_cxx_continuation(c, wv_cxx_call(c->funclet, 0, c->parent, 0, &c->target));
    bool held = wv_cxx_held(&a);
    wv_cxx_unlink(&a);
    wv_cxx_leave(&a);
    if (!held && wv_cxx_is_cxx(&a.rec))
        wv_cxx_destroy_object(&a.rec, &c->target);
    wv_cxx_set_help(c->help);
    return cont;
}

struct wv_cxx_catch_call *wv_cxx_catch_of(const EXCEPTION_RECORD *rec)
{
    if (rec->ExceptionCode != STATUS_UNWIND_CONSOLIDATE || rec->NumberParameters != 2 ||
        rec->ExceptionInformation[0] != (uintptr_t)wv_cxx_catch_cb)
        return NULL;
    return (struct wv_cxx_catch_call *)(uintptr_t)rec->ExceptionInformation[1];
}

void wv_cxx_catch(struct wv_cxx_catch_call *c, DWORD64 frame, DWORD64 pc, const CONTEXT *start)
{
    EXCEPTION_RECORD *r = &c->consolidate;
    memset(r, 0, sizeof(*r));
    r->ExceptionCode = STATUS_UNWIND_CONSOLIDATE;
    r->ExceptionFlags = EXCEPTION_NONCONTINUABLE;
    r->NumberParameters = 2;
    r->ExceptionInformation[0] = (uintptr_t)wv_cxx_catch_cb;
    r->ExceptionInformation[1] = (uintptr_t)c;
    wv_seh_unwind(frame, pc, r, 0, &c->target, start);
}

/* The object the unwind carries on: the caught exception's (a catch's unwind), or the
 * unwinding exception's own; a rethrow not yet resolved is the current one. */
static DWORD64 wv_cxx_unwinding_object(const EXCEPTION_RECORD *rec, const struct wv_cxx_active *a)
{
    const struct wv_cxx_catch_call *c = wv_cxx_catch_of(rec);
    if (c)
        rec = c->rec;
    if (!wv_cxx_is_cxx(rec))
        return 0;
    if (!rec->ExceptionInformation[1] && !rec->ExceptionInformation[2])
        return a->rec.ExceptionInformation[1];
    return rec->ExceptionInformation[1];
}

void wv_cxx_catch_unwound(DWORD64 frame, const EXCEPTION_RECORD *unwinding)
{
    wv_cxx_prune(frame);
    struct wv_cxx_active *a = wv_cxx_head;
    if (!a)
        return;
    wv_cxx_head = a->next;
    wv_cxx_leave(a);
    DWORD64 obj = a->rec.ExceptionInformation[1];
    if (!wv_cxx_is_cxx(&a->rec) || wv_cxx_unwinding_object(unwinding, a) == obj || wv_cxx_held(a))
        return;
    wv_cxx_destroy_object(&a->rec, a->resume);
}
