/* SPDX-License-Identifier: MIT */
/* actctx_stack.c - each thread's stack of activated contexts: ActivateActCtx, DeactivateActCtx,
 * GetCurrentActCtx and ntdll's Rtl counterparts, a new thread's inherited activation.
 *
 * The stack is laid out as Windows lays it out, for PE code that reads it through
 * TEB->ActivationContextStackPointer (x64 offset 0x2c8): an ACTIVATION_CONTEXT_STACK whose
 * ActiveFrame is the top RTL_ACTIVATION_CONTEXT_STACK_FRAME, each frame naming the frame below
 * (Previous) and its context.  Each frame holds a reference to its context.  A cookie names
 * one activation: the thread's stack id in the high half, the activation's sequence number in
 * the low, so another thread's cookie, or one already deactivated, is found on no stack.
 *
 * The stack of a fiber other than the thread's first is left when the fiber is deleted (a few
 * dozen bytes; its frames' references with it).
 *
 * Deactivating out of order is an error Windows reports by raising (DeactivateActCtx's
 * documentation): a cookie below the top is STATUS_SXS_EARLY_DEACTIVATION unless
 * DEACTIVATE_ACTCTX_FLAG_FORCE_EARLY_DEACTIVATION pops every frame down to it; a cookie on no
 * frame is STATUS_SXS_INVALID_DEACTIVATION.  The raise starts from the caller's frame
 * (WV_CAPTURING), so its handlers see it as Windows' callers do.
 */
#include "runtime/actctx.h"
#include "runtime/thunk.h"

#include <stdlib.h>

#define WV_TEB_ACTCTX_STACK 0x2c8 /* TEB->ActivationContextStackPointer (x64) */
#define WV_DEACTIVATE_FORCE 1     /* DEACTIVATE_ACTCTX_FLAG_FORCE_EARLY_DEACTIVATION */

struct wv_list_entry {
    struct wv_list_entry *Flink, *Blink;
};

/* RTL_ACTIVATION_CONTEXT_STACK_FRAME, then winvm's cookie for it. */
struct wv_actframe {
    struct wv_actframe *Previous;
    struct wv_actctx *ActivationContext;
    ULONG Flags;
    ULONG_PTR cookie;
};

/* ACTIVATION_CONTEXT_STACK */
struct wv_actstack {
    struct wv_actframe *ActiveFrame;
    struct wv_list_entry FrameListCache;
    ULONG Flags, NextCookieSequenceNumber, StackId;
};

static __thread struct wv_actstack wv_acts_host; /* a thread without a TEB (winvm as a library) */
static ULONG wv_stack_ids; /* atomic: the last StackId given */

static void wv_acts_init(struct wv_actstack *s)
{
    s->StackId = __atomic_add_fetch(&wv_stack_ids, 1, __ATOMIC_RELAXED);
    s->FrameListCache.Flink = s->FrameListCache.Blink = &s->FrameListCache;
}

/* The running stack: the one the TEB points at, made on first use.  A fiber's is its own
 * (fiber.c switches the TEB's pointer with the fiber, as Windows does); a new fiber's starts
 * empty.  NULL without memory. */
static struct wv_actstack *wv_acts_get(void)
{
    char *teb = wv_teb_self();
    if (!teb) {
        if (!wv_acts_host.StackId)
            wv_acts_init(&wv_acts_host);
        return &wv_acts_host;
    }
    struct wv_actstack **slot = (struct wv_actstack **)(teb + WV_TEB_ACTCTX_STACK);
    if (!*slot) {
        struct wv_actstack *s = calloc(1, sizeof(*s));
        if (s)
            wv_acts_init(s);
        *slot = s;
    }
    return *slot;
}

struct wv_actctx *wv_actctx_active(void)
{
    struct wv_actstack *s = wv_acts_get();
    struct wv_actframe *f = s ? s->ActiveFrame : NULL;
    struct wv_actctx *c = f ? f->ActivationContext : NULL;
    wv_actctx_addref(c);
    return c;
}

/* Pushes an activation of c (its reference is the frame's): 0 or the error. */
static DWORD wv_acts_push(struct wv_actctx *c, ULONG_PTR *cookie)
{
    struct wv_actstack *s = wv_acts_get();
    struct wv_actframe *f = s ? malloc(sizeof(*f)) : NULL;
    if (!f)
        return ERROR_NOT_ENOUGH_MEMORY;
    ULONG seq = ++s->NextCookieSequenceNumber;
    if (!seq) /* a cookie is never 0 */
        seq = ++s->NextCookieSequenceNumber;
    *f = (struct wv_actframe){s->ActiveFrame, c, 0, ((ULONG_PTR)s->StackId << 32) | seq};
    s->ActiveFrame = f;
    *cookie = f->cookie;
    return 0;
}

static void wv_acts_pop(struct wv_actstack *s)
{
    struct wv_actframe *f = s->ActiveFrame;
    s->ActiveFrame = f->Previous;
    wv_actctx_release(f->ActivationContext);
    free(f);
}

void wv_actctx_thread_start(struct wv_actctx *c)
{
    ULONG_PTR cookie;
    wv_acts_get();
    if (c && wv_acts_push(c, &cookie))
        wv_actctx_release(c); /* no memory for the frame: the thread starts without it */
}

void wv_actctx_thread_end(void)
{
    char *teb = wv_teb_self();
    struct wv_actstack *s = teb ? *(struct wv_actstack **)(teb + WV_TEB_ACTCTX_STACK) : &wv_acts_host;
    while (s && s->ActiveFrame)
        wv_acts_pop(s);
    if (teb && s) {
        *(struct wv_actstack **)(teb + WV_TEB_ACTCTX_STACK) = NULL;
        free(s);
    }
}

/* ---- activation ---- */

/* ActivateActCtx's core: NULL activates "no context" (the process default) over the others. */
static DWORD wv_activate(HANDLE h, ULONG_PTR *cookie)
{
    if (!cookie)
        return ERROR_INVALID_PARAMETER;
    struct wv_actctx *c = NULL;
    if (h && !(c = wv_actctx_get(h)))
        return ERROR_INVALID_PARAMETER;
    ULONG_PTR k = 0;
    DWORD err = wv_acts_push(c, &k);
    if (!err && (err = wv_user_put(cookie, &k, sizeof(k)))) {
        wv_acts_pop(wv_acts_get());
        return err;
    }
    if (err)
        wv_actctx_release(c);
    return err;
}

WV_MSABI BOOL k32_ActivateActCtx(HANDLE h, ULONG_PTR *cookie)
{
    DWORD err = wv_activate(h, cookie);
    return err ? wv_fail(err) : TRUE;
}

WV_MSABI LONG wv_nt_RtlActivateActivationContext(ULONG flags, HANDLE h, ULONG_PTR *cookie)
{
    if (flags)
        return (LONG)0xC000000D; /* STATUS_INVALID_PARAMETER: no flag is defined */
    DWORD err = wv_activate(h, cookie);
    return !err ? 0 : err == ERROR_NOACCESS ? (LONG)0xC0000005 : err == ERROR_NOT_ENOUGH_MEMORY ? (LONG)0xC0000017
                                                                                                : (LONG)0xC000000D;
}

/* GetCurrentActCtx's core: the active context with a reference, into the caller's out. */
static DWORD wv_current(HANDLE *out)
{
    if (!out)
        return ERROR_INVALID_PARAMETER;
    struct wv_actctx *c = wv_actctx_active();
    DWORD err = wv_user_put(out, &c, sizeof(c));
    if (err)
        wv_actctx_release(c);
    return err;
}

WV_MSABI BOOL k32_GetCurrentActCtx(HANDLE *out)
{
    DWORD err = wv_current(out);
    return err ? wv_fail(err) : TRUE;
}

WV_MSABI LONG wv_nt_RtlGetActiveActivationContext(HANDLE *out)
{
    DWORD err = wv_current(out);
    return !err ? 0 : err == ERROR_NOACCESS ? (LONG)0xC0000005 : (LONG)0xC000000D;
}

/* ---- deactivation ---- */

/* Pops the activation cookie names: 0, ERROR_INVALID_PARAMETER (FORCE with the top's cookie,
 * as documented; an unknown flag), or a status to raise (*raise set). */
static DWORD wv_deactivate(DWORD flags, ULONG_PTR cookie, DWORD *raise)
{
    *raise = 0;
    if (flags & ~(DWORD)WV_DEACTIVATE_FORCE)
        return ERROR_INVALID_PARAMETER;
    struct wv_actstack *s = wv_acts_get();
    struct wv_actframe *f = s ? s->ActiveFrame : NULL;
    while (f && f->cookie != cookie)
        f = f->Previous;
    if (!f)
        return *raise = WV_STATUS_SXS_INVALID_DEACTIVATION, 0;
    bool top = f == s->ActiveFrame;
    if (top && (flags & WV_DEACTIVATE_FORCE))
        return ERROR_INVALID_PARAMETER;
    if (!top && !(flags & WV_DEACTIVATE_FORCE))
        return *raise = WV_STATUS_SXS_EARLY_DEACTIVATION, 0;
    struct wv_actframe *stop = f->Previous;
    while (s->ActiveFrame != stop)
        wv_acts_pop(s);
    return 0;
}

static WV_MSABI __attribute__((used)) BOOL wv_k32_deactivate_core(DWORD flags, ULONG_PTR cookie, DWORD64 c,
                                                                  DWORD64 d, CONTEXT *ctx, const DWORD64 *stack)
{
    (void)c, (void)d, (void)stack;
    DWORD raise, err = wv_deactivate(flags, cookie, &raise);
    if (raise)
        wv_seh_raise_status(raise, NULL, ctx);
    return err ? wv_fail(err) : TRUE;
}
WV_CAPTURING("k32_DeactivateActCtx", "wv_k32_deactivate_core");

static WV_MSABI __attribute__((used)) void wv_nt_deactivate_core(ULONG flags, ULONG_PTR cookie, DWORD64 c, DWORD64 d,
                                                                 CONTEXT *ctx, const DWORD64 *stack)
{
    (void)c, (void)d, (void)stack;
    DWORD raise;
    wv_deactivate(flags, cookie, &raise);
    if (raise)
        wv_seh_raise_status(raise, NULL, ctx);
}
WV_CAPTURING("wv_nt_RtlDeactivateActivationContext", "wv_nt_deactivate_core");
