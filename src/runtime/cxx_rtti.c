/* SPDX-License-Identifier: MIT */
/* cxx_rtti.c - typeid and dynamic_cast of MSVC-built code: __RTtypeid, __RTCastToVoid and
 * __RTDynamicCast (msvcrt.dll), over the RTTI cxx_rtti.h describes.
 *
 * Windows' msvcrt throws MSVC C++ exceptions of its own classes: typeid of a NULL pointer
 * bad_typeid("Attempted a typeid of NULL pointer!"); an object whose vftable, locator or
 * hierarchy cannot be read (or has a signature other than 0 and 1) __non_rtti_object("Access
 * violation - no RTTI data!"); a failed dynamic_cast to a reference (isReference nonzero)
 * bad_cast("Bad dynamic_cast!").  The exception is raised from the caller's context (each entry
 * captures it, WV_CAPTURING), so the walk starts in the calling function, as a throw there
 * would; the thrown object lives in this frame, below the caller's, until its catch ends.  Its
 * ThrowInfo counts from the start of winvm's own ELF image (__ehdr_start): every function and
 * RTTI block of it lies above.
 *
 * dynamic_cast finds the complete object (the pointer less the locator's offset and, with a
 * cd_offset, the vtordisp displacement stored before the vftable pointer), then the first
 * entry of its class's base array whose type is the target (the same TypeDescriptor or the
 * same decorated name) and which is neither inaccessible nor ambiguous, and applies that base's
 * PMD.  A pointer to void answers the complete object.  NULL casts to NULL.
 */
#include "runtime/cxx_rtti.h"
#include "runtime/thunk.h"

#include <pthread.h>
#include <string.h>

extern const char __ehdr_start[] __attribute__((visibility("hidden")));

enum { WV_TH_BAD_TYPEID, WV_TH_NON_RTTI, WV_TH_BAD_CAST, WV_TH_COUNT };

struct wv_cta { /* CatchableTypeArray */
    int count;
    int types[3];
};
static struct {
    struct wv_throw_info info[WV_TH_COUNT];
    struct wv_cta cta[WV_TH_COUNT];
    struct wv_catchable ct[WV_RT_TYPE_INFO]; /* one a class: exception .. bad_cast */
} wv_rt_throw;
static pthread_once_t wv_rt_once = PTHREAD_ONCE_INIT;

static int wv_rt_rva(const void *p) { return (int)((uintptr_t)p - (uintptr_t)__ehdr_start); }

static void wv_rt_catchable(int cls, void *copy)
{
    struct wv_catchable *c = &wv_rt_throw.ct[cls];
    c->properties = 0;
    c->type = wv_rt_rva(&wv_rtti.td[cls]);
    c->pmd = (struct wv_pmd){0, -1, 0};
    c->size = sizeof(struct wv_exc);
    c->copy = wv_rt_rva(copy);
}

/* A ThrowInfo whose object is of class cls, destroyed by dtor, caught as the n classes of list. */
static void wv_rt_info(int which, void *dtor, const int *list, int n)
{
    wv_rt_throw.info[which] = (struct wv_throw_info){0, wv_rt_rva(dtor), 0, wv_rt_rva(&wv_rt_throw.cta[which])};
    wv_rt_throw.cta[which].count = n;
    for (int i = 0; i < n; i++)
        wv_rt_throw.cta[which].types[i] = wv_rt_rva(&wv_rt_throw.ct[list[i]]);
}

static void wv_rt_throw_init(void)
{
    static const int bt[] = {WV_RT_BAD_TYPEID, WV_RT_EXCEPTION};
    static const int nr[] = {WV_RT_NON_RTTI, WV_RT_BAD_TYPEID, WV_RT_EXCEPTION};
    static const int bc[] = {WV_RT_BAD_CAST, WV_RT_EXCEPTION};
    wv_rt_catchable(WV_RT_EXCEPTION, (void *)wv_ms_exception_copy);
    wv_rt_catchable(WV_RT_BAD_TYPEID, (void *)wv_ms_bad_typeid_copy);
    wv_rt_catchable(WV_RT_NON_RTTI, (void *)wv_ms___non_rtti_object_copy);
    wv_rt_catchable(WV_RT_BAD_CAST, (void *)wv_ms_bad_cast_copy);
    wv_rt_info(WV_TH_BAD_TYPEID, (void *)wv_ms_bad_typeid_dtor, bt, 2);
    wv_rt_info(WV_TH_NON_RTTI, (void *)wv_ms___non_rtti_object_dtor, nr, 3);
    wv_rt_info(WV_TH_BAD_CAST, (void *)wv_ms_bad_cast_dtor, bc, 2);
}

/* Throws a new object of the class `which` names, with message msg, from the caller's ctx. */
static __attribute__((noreturn)) void wv_rt_throw_new(int which, const char *msg, CONTEXT *ctx)
{
    struct wv_exc object;
    pthread_once(&wv_rt_once, wv_rt_throw_init);
    if (which == WV_TH_BAD_TYPEID)
        wv_ms_bad_typeid_ctor_str(&object, msg);
    else if (which == WV_TH_NON_RTTI)
        wv_ms___non_rtti_object_ctor_str(&object, msg);
    else
        wv_ms_bad_cast_ctor_str(&object, msg);
    wv_cxx_raise((uintptr_t)&object, (uintptr_t)&wv_rt_throw.info[which], (uintptr_t)__ehdr_start, ctx);
}

static __attribute__((noreturn)) void wv_rt_no_rtti(CONTEXT *ctx)
{
    wv_rt_throw_new(WV_TH_NON_RTTI, "Access violation - no RTTI data!", ctx);
}

/* An object's RTTI as its vftable names it. */
struct wv_rt_obj {
    struct wv_col col;
    DWORD64 base;     /* what the locator's references count from */
    DWORD64 complete; /* the complete object */
};

static bool wv_rt_locate(DWORD64 obj, struct wv_rt_obj *o)
{
    DWORD64 vt, col;
    memset(o, 0, sizeof(*o));
    if (!wv_seh_read64(&vt, obj) || !wv_seh_read64(&col, vt - 8) ||
        !wv_seh_read(&o->col, col, offsetof(struct wv_col, self)))
        return false;
    if (o->col.signature == 1) {
        if (!wv_seh_read(&o->col.self, col + offsetof(struct wv_col, self), sizeof(o->col.self)))
            return false;
        o->base = col - o->col.self;
    } else if (o->col.signature == 0) {
        PVOID image = NULL;
        wv_nt_RtlPcToFileHeader((PVOID)(uintptr_t)col, &image);
        o->base = (uintptr_t)image;
    }
    if (!o->base)
        return false;
    DWORD64 offset = o->col.offset;
    if (o->col.cd_offset) {
        int vtordisp;
        if (!wv_seh_read(&vtordisp, obj - o->col.cd_offset, sizeof(vtordisp)))
            return false;
        offset += (DWORD64)(int64_t)vtordisp;
    }
    o->complete = obj - offset;
    return true;
}

WV_MSABI __attribute__((used)) DWORD64 wv_rt_typeid_core(DWORD64 obj, DWORD64 rdx, DWORD64 r8, DWORD64 r9,
                                                         CONTEXT *ctx, const DWORD64 *stack)
{
    struct wv_rt_obj o;
    (void)rdx, (void)r8, (void)r9, (void)stack;
    if (!obj)
        wv_rt_throw_new(WV_TH_BAD_TYPEID, "Attempted a typeid of NULL pointer!", ctx);
    if (!wv_rt_locate(obj, &o))
        wv_rt_no_rtti(ctx);
    return o.base + o.col.type;
}
WV_CAPTURING("wv_ms___RTtypeid", "wv_rt_typeid_core");

WV_MSABI __attribute__((used)) DWORD64 wv_rt_void_core(DWORD64 obj, DWORD64 rdx, DWORD64 r8, DWORD64 r9,
                                                       CONTEXT *ctx, const DWORD64 *stack)
{
    struct wv_rt_obj o;
    (void)rdx, (void)r8, (void)r9, (void)stack;
    if (!obj)
        return 0;
    if (!wv_rt_locate(obj, &o))
        wv_rt_no_rtti(ctx);
    return o.complete;
}
WV_CAPTURING("wv_ms___RTCastToVoid", "wv_rt_void_core");

/* Whether the TypeDescriptor at td is the one at want (the same, or the same decorated name). */
static bool wv_rt_same_type(DWORD64 td, DWORD64 want)
{
    if (!want)
        return false;
    return td == want || !wv_cxx_strcmp(td + 2 * sizeof(void *), want + 2 * sizeof(void *));
}

/* The base of o's complete object of type dst: 1 found (*out), 0 none, -1 unreadable RTTI. */
static int wv_rt_find(const struct wv_rt_obj *o, DWORD64 dst, DWORD64 *out)
{
    struct wv_chd chd;
    if (!wv_seh_read(&chd, o->base + o->col.hierarchy, sizeof(chd)))
        return -1;
    for (DWORD i = 0; i < chd.count && i < 65536; i++) {
        DWORD ref;
        struct wv_bcd bcd;
        if (!wv_seh_read(&ref, o->base + chd.bases + 4ull * i, sizeof(ref)) ||
            !wv_seh_read(&bcd, o->base + ref, offsetof(struct wv_bcd, hierarchy)))
            return -1;
        if (!wv_rt_same_type(o->base + bcd.type, dst) || (bcd.attributes & (WV_BCD_NOT_VISIBLE | WV_BCD_AMBIGUOUS)))
            continue;
        DWORD64 p = o->complete + (DWORD64)(int64_t)bcd.where.mdisp;
        if (bcd.where.pdisp >= 0) { /* a virtual base: its displacement is in the vbtable */
            DWORD64 vbtable;
            int disp;
            if (!wv_seh_read64(&vbtable, o->complete + (DWORD64)(int64_t)bcd.where.pdisp) ||
                !wv_seh_read(&disp, vbtable + (DWORD64)(int64_t)bcd.where.vdisp, sizeof(disp)))
                return -1;
            p += (DWORD64)(int64_t)bcd.where.pdisp + (DWORD64)(int64_t)disp;
        }
        *out = p;
        return 1;
    }
    return 0;
}

/* __RTDynamicCast(obj, vfdelta, src, dst, isReference): obj points at a vftable pointer (the
 * source subobject vfdelta before it); the first match of dst in the hierarchy answers, as
 * cxx_rtti.c's head says, whatever src is. */
WV_MSABI __attribute__((used)) DWORD64 wv_rt_cast_core(DWORD64 obj, DWORD64 vfdelta, DWORD64 src, DWORD64 dst,
                                                       CONTEXT *ctx, const DWORD64 *stack)
{
    struct wv_rt_obj o;
    DWORD64 found = 0;
    int is_reference = 0;
    (void)vfdelta, (void)src;
    wv_seh_read(&is_reference, (uintptr_t)stack, sizeof(is_reference));
    if (!obj)
        return 0;
    if (!wv_rt_locate(obj, &o))
        wv_rt_no_rtti(ctx);
    int r = wv_rt_find(&o, dst, &found);
    if (r < 0)
        wv_rt_no_rtti(ctx);
    if (!r && is_reference)
        wv_rt_throw_new(WV_TH_BAD_CAST, "Bad dynamic_cast!", ctx);
    return found;
}
WV_CAPTURING("wv_ms___RTDynamicCast", "wv_rt_cast_core");
