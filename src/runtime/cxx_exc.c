/* SPDX-License-Identifier: MIT */
/* cxx_exc.c - msvcrt.dll's C++ classes: exception and its kin bad_typeid, __non_rtti_object
 * (a bad_typeid) and bad_cast, their vftables and RTTI, type_info's comparisons and destructor,
 * and operator new/delete (and their [] forms).
 *
 * An exception is {vftable; const char *what; int do_free}: a message the object owns
 * (do_free 1, from the char * constructors and the copies of an owning object) is the CRT's
 * malloc and freed by the destructor; exception(const char *const &, int) shares the caller's.
 * operator= keeps the target's vftable (Windows' does: Wine's tests record a default-made
 * exception assigned a bad_typeid still an exception).  Each vftable is {`vector deleting
 * destructor', what}, the complete object locator's pointer before it.
 *
 * The RTTI is the x64 layout, signature 1: every reference a 32-bit offset from one base, the
 * locator's own offset its last field (so a reader finds the base from the locator alone).
 * The base here is the start of wv_rtti (cxx_rtti.h), so all of it is constant data; the
 * ThrowInfo of the exceptions __RTtypeid and __RTDynamicCast throw (cxx_rtti.c) needs function
 * offsets and is made on first use.  The members' `this` and arguments are PE pointers: one that
 * cannot be read or written leaves everything as it was (Windows would fault in the caller).
 */
#include "runtime/cxx_rtti.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define WV_OFF(field) ((DWORD)offsetof(struct wv_rtti_data, field))
#define WV_TD(s) {&wv_ms_type_info_vt[1], NULL, s}
/* A base class descriptor: the type, how many bases it has, at offset 0, not virtual. */
#define WV_BCD(t, n) {WV_OFF(td[t]), n, {0, -1, 0}, 0x40, WV_OFF(chd[t])}
#define WV_CHD(t, n) {0, 0, n, WV_OFF(bases[t])}
#define WV_COL(t) {1, 0, 0, WV_OFF(td[t]), WV_OFF(chd[t]), WV_OFF(col[t])}

extern const void *const wv_ms_type_info_vt[];

struct wv_rtti_data wv_rtti = {
    .td = {WV_TD(".?AVexception@@"), WV_TD(".?AVbad_typeid@@"),
           WV_TD(".?AV__non_rtti_object@@"), WV_TD(".?AVbad_cast@@"),
           WV_TD(".?AVtype_info@@")},
    .bcd = {WV_BCD(WV_RT_EXCEPTION, 0), WV_BCD(WV_RT_BAD_TYPEID, 1), WV_BCD(WV_RT_NON_RTTI, 2),
            WV_BCD(WV_RT_BAD_CAST, 1), WV_BCD(WV_RT_TYPE_INFO, 0)},
    /* each class's bases, itself first, as MSVC lists them (a depth-first walk) */
    .bases = {{WV_OFF(bcd[WV_RT_EXCEPTION])},
              {WV_OFF(bcd[WV_RT_BAD_TYPEID]), WV_OFF(bcd[WV_RT_EXCEPTION])},
              {WV_OFF(bcd[WV_RT_NON_RTTI]), WV_OFF(bcd[WV_RT_BAD_TYPEID]), WV_OFF(bcd[WV_RT_EXCEPTION])},
              {WV_OFF(bcd[WV_RT_BAD_CAST]), WV_OFF(bcd[WV_RT_EXCEPTION])},
              {WV_OFF(bcd[WV_RT_TYPE_INFO])}},
    .chd = {WV_CHD(WV_RT_EXCEPTION, 1), WV_CHD(WV_RT_BAD_TYPEID, 2), WV_CHD(WV_RT_NON_RTTI, 3),
            WV_CHD(WV_RT_BAD_CAST, 2), WV_CHD(WV_RT_TYPE_INFO, 1)},
    .col = {WV_COL(WV_RT_EXCEPTION), WV_COL(WV_RT_BAD_TYPEID), WV_COL(WV_RT_NON_RTTI), WV_COL(WV_RT_BAD_CAST),
            WV_COL(WV_RT_TYPE_INFO)},
};

/* ---- operator new and delete: the CRT's heap (msvcrt's new answers NULL when it is out) ---- */

CRT void *wv_ms_operator_new(size_t n) { return wv_ms_malloc(n); }
CRT void wv_ms_operator_delete(void *p) { free(p); }

/* ---- exception ---- */

static bool wv_exc_get(const struct wv_exc *e, struct wv_exc *out) { return !wv_copy(out, e, sizeof(*out)); }
static bool wv_exc_put(struct wv_exc *e, const struct wv_exc *v) { return !wv_copy(e, v, sizeof(*v)); }

/* Makes *e a class-vt exception whose message is a copy of the PE string what (none: NULL). */
static void wv_exc_make(struct wv_exc *e, const void *const *vt, const char *what)
{
    struct wv_exc v = {vt, NULL, 0, 0};
    char *copy = NULL;
    if (what && wv_user_str(what, &copy))
        return;
    v.what = copy, v.do_free = copy != NULL;
    if (!wv_exc_put(e, &v))
        free(copy);
}

/* A copy of *from's message as an object of the vftable vt holds it (vt NULL: e's own kept). */
static void wv_exc_assign(struct wv_exc *e, const struct wv_exc *from, const void *const *vt)
{
    struct wv_exc f, v;
    if (!wv_exc_get(from, &f) || !wv_exc_get(e, &v))
        return;
    if (vt)
        v.vtable = vt;
    char *copy = NULL;
    if (f.do_free && f.what && wv_user_str(f.what, &copy))
        return;
    const char *old = v.do_free ? v.what : NULL;
    v.what = copy ? copy : f.what, v.do_free = copy != NULL;
    if (!wv_exc_put(e, &v)) {
        free(copy);
        return;
    }
    if (!vt)
        free((void *)old); /* operator=: the message it held goes */
}

static void wv_exc_destroy(struct wv_exc *e, const void *const *vt)
{
    struct wv_exc v;
    if (!wv_exc_get(e, &v))
        return;
    const char *owned = v.do_free ? v.what : NULL;
    v.vtable = vt, v.what = NULL, v.do_free = 0;
    if (wv_exc_put(e, &v))
        free((void *)owned);
}

/* The `vector deleting destructor' every vftable starts with: flags 2, an array whose count is
 * the size_t before it, destroyed last first; flags 1, the memory freed too. */
static void *wv_exc_delete(struct wv_exc *e, unsigned flags, const void *const *vt)
{
    if (flags & 2) {
        size_t *block = (size_t *)e - 1, count;
        if (wv_copy(&count, block, sizeof(count)))
            return e;
        for (size_t i = count; i > 0; i--)
            wv_exc_destroy(e + i - 1, vt);
        if (flags & 1)
            free(block);
        return block;
    }
    wv_exc_destroy(e, vt);
    if (flags & 1)
        free(e);
    return e;
}

CRT const char *wv_ms_exception_what(const struct wv_exc *e)
{
    struct wv_exc v;
    if (!wv_exc_get(e, &v))
        return NULL;
    return v.what ? v.what : "Unknown exception";
}

/* One class's constructors, destructor, assignment and deleting destructor. */
#define WV_EXC_CLASS(cls, vt)                                                                              \
    CRT struct wv_exc *wv_ms_##cls##_ctor_str(struct wv_exc *e, const char *what)                          \
    {                                                                                                      \
        wv_exc_make(e, vt, what);                                                                          \
        return e;                                                                                          \
    }                                                                                                      \
    CRT struct wv_exc *wv_ms_##cls##_copy(struct wv_exc *e, const struct wv_exc *from)                     \
    {                                                                                                      \
        wv_exc_assign(e, from, vt);                                                                        \
        return e;                                                                                          \
    }                                                                                                      \
    CRT struct wv_exc *wv_ms_##cls##_assign(struct wv_exc *e, const struct wv_exc *from)                   \
    {                                                                                                      \
        if (e != from)                                                                                     \
            wv_exc_assign(e, from, NULL);                                                                  \
        return e;                                                                                          \
    }                                                                                                      \
    CRT void wv_ms_##cls##_dtor(struct wv_exc *e) { wv_exc_destroy(e, vt); }                               \
    CRT void *wv_ms_##cls##_vector_dtor(struct wv_exc *e, unsigned flags) { return wv_exc_delete(e, flags, vt); }

#define WV_VT(cls) (&wv_ms_##cls##_vt[1])
WV_EXC_CLASS(exception, WV_VT(exception))
WV_EXC_CLASS(bad_typeid, WV_VT(bad_typeid))
WV_EXC_CLASS(__non_rtti_object, WV_VT(__non_rtti_object))
WV_EXC_CLASS(bad_cast, WV_VT(bad_cast))

const void *const wv_ms_exception_vt[] = {&wv_rtti.col[WV_RT_EXCEPTION], (void *)wv_ms_exception_vector_dtor,
                                          (void *)wv_ms_exception_what};
const void *const wv_ms_bad_typeid_vt[] = {&wv_rtti.col[WV_RT_BAD_TYPEID], (void *)wv_ms_bad_typeid_vector_dtor,
                                           (void *)wv_ms_exception_what};
const void *const wv_ms___non_rtti_object_vt[] = {&wv_rtti.col[WV_RT_NON_RTTI],
                                                  (void *)wv_ms___non_rtti_object_vector_dtor,
                                                  (void *)wv_ms_exception_what};
const void *const wv_ms_bad_cast_vt[] = {&wv_rtti.col[WV_RT_BAD_CAST], (void *)wv_ms_bad_cast_vector_dtor,
                                         (void *)wv_ms_exception_what};

/* exception(const char *const &): the message copied. */
CRT struct wv_exc *wv_ms_exception_ctor(struct wv_exc *e, const char *const *what)
{
    const char *s;
    if (!wv_copy(&s, what, sizeof(s)))
        wv_exc_make(e, WV_VT(exception), s);
    return e;
}
/* exception(const char *const &, int): the caller's message, not owned. */
CRT struct wv_exc *wv_ms_exception_ctor_noalloc(struct wv_exc *e, const char *const *what, int unused)
{
    struct wv_exc v = {WV_VT(exception), NULL, 0, 0};
    (void)unused;
    if (!wv_copy(&v.what, what, sizeof(v.what)))
        wv_exc_put(e, &v);
    return e;
}
CRT struct wv_exc *wv_ms_exception_default(struct wv_exc *e)
{
    static const struct wv_exc v = {WV_VT(exception), NULL, 0, 0};
    wv_exc_put(e, &v);
    return e;
}
CRT struct wv_exc *wv_ms_bad_typeid_default(struct wv_exc *e) { return wv_ms_bad_typeid_ctor_str(e, "bad typeid"); }
CRT struct wv_exc *wv_ms_bad_cast_default(struct wv_exc *e) { return wv_ms_bad_cast_ctor_str(e, "bad cast"); }
/* bad_cast(const char *const &) and its private twin taking const char *const *. */
CRT struct wv_exc *wv_ms_bad_cast_ctor(struct wv_exc *e, const char *const *what)
{
    const char *s;
    if (!wv_copy(&s, what, sizeof(s)))
        wv_exc_make(e, WV_VT(bad_cast), s);
    return e;
}

/* ---- type_info: {vftable; char *undecorated (name()'s, the CRT's malloc); char decorated[]} ---- */

#define WV_TI_DECORATED(ti) ((DWORD64)(uintptr_t)(ti) + 2 * sizeof(void *))

CRT void wv_ms_type_info_dtor(void *ti)
{
    char *name;
    if (!wv_copy(&name, (char *)ti + sizeof(void *), sizeof(name)))
        free(name);
}
CRT void *wv_ms_type_info_scalar_dtor(void *ti, unsigned flags)
{
    wv_ms_type_info_dtor(ti);
    if (flags & 1)
        free(ti);
    return ti;
}
const void *const wv_ms_type_info_vt[] = {&wv_rtti.col[WV_RT_TYPE_INFO], (void *)wv_ms_type_info_scalar_dtor};

/* The decorated names compared past their first character, as Windows' msvcrt does. */
static int wv_ti_order(const void *a, const void *b)
{
    return wv_cxx_strcmp(WV_TI_DECORATED(a) + 1, WV_TI_DECORATED(b) + 1);
}
CRT int wv_ms_type_info_eq(const void *a, const void *b) { return a == b || !wv_ti_order(a, b); }
CRT int wv_ms_type_info_ne(const void *a, const void *b) { return !wv_ms_type_info_eq(a, b); }
CRT int wv_ms_type_info_before(const void *a, const void *b) { return wv_ti_order(a, b) < 0; }
