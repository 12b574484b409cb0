/* SPDX-License-Identifier: MIT */
/* cxx_rtti.h - MSVC's x64 RTTI as msvcrt.dll's own classes carry it (cxx_exc.c) and as
 * __RTtypeid, __RTDynamicCast and __RTCastToVoid read it (cxx_rtti.c).  Private to runtime/.
 *
 * An object's vftable is preceded by a pointer to its complete object locator (COL); the COL
 * names the TypeDescriptor (a type_info) and the class hierarchy descriptor, whose array lists
 * a base class descriptor for the class and each of its bases with the PMD that reaches it.
 * References are 32-bit offsets: signature 1, from the base the COL's last field gives (the
 * COL's own offset); signature 0, from the image holding the COL.
 */
#ifndef WV_RUNTIME_CXX_RTTI_H
#define WV_RUNTIME_CXX_RTTI_H

#include "runtime/cxx_int.h"
#include "runtime/msvcrt_int.h"

struct wv_exc { /* exception and every class of its kin */
    const void *const *vtable;
    const char *what;
    int do_free;
    int pad;
};

struct wv_td { /* TypeDescriptor: a type_info */
    const void *vtable;
    char *undecorated;
    char name[24];
};
struct wv_bcd { /* RTTIBaseClassDescriptor */
    DWORD type;
    DWORD contained;     /* how many bases this base has */
    struct wv_pmd where; /* how a pointer to the complete object reaches it */
    DWORD attributes;    /* WV_BCD_* */
    DWORD hierarchy;     /* its class hierarchy descriptor (WV_BCD_HAS_CHD) */
};
#define WV_BCD_NOT_VISIBLE 0x01u
#define WV_BCD_AMBIGUOUS 0x02u
struct wv_chd { /* RTTIClassHierarchyDescriptor */
    DWORD signature;
    DWORD attributes;
    DWORD count;
    DWORD bases; /* its array of base class descriptor references */
};
struct wv_col { /* RTTICompleteObjectLocator */
    DWORD signature;
    DWORD offset;    /* of the vftable pointer in the complete object */
    DWORD cd_offset; /* nonzero: where a vtordisp displacement lies before it */
    DWORD type;
    DWORD hierarchy;
    DWORD self;      /* signature 1: the COL's own offset from the base */
};

enum { WV_RT_EXCEPTION, WV_RT_BAD_TYPEID, WV_RT_NON_RTTI, WV_RT_BAD_CAST, WV_RT_TYPE_INFO, WV_RT_COUNT };

/* msvcrt's classes' RTTI: every reference an offset from this block's start. */
struct wv_rtti_data {
    struct wv_td td[WV_RT_COUNT];
    struct wv_bcd bcd[WV_RT_COUNT];
    DWORD bases[WV_RT_COUNT][3];
    struct wv_chd chd[WV_RT_COUNT];
    struct wv_col col[WV_RT_COUNT];
};
extern struct wv_rtti_data wv_rtti;

/* The classes' vftables (each after its COL pointer) and constructors, destructors. */
extern const void *const wv_ms_exception_vt[], *const wv_ms_bad_typeid_vt[], *const wv_ms_bad_cast_vt[],
    *const wv_ms___non_rtti_object_vt[];
CRT struct wv_exc *wv_ms_bad_typeid_ctor_str(struct wv_exc *e, const char *what);
CRT struct wv_exc *wv_ms___non_rtti_object_ctor_str(struct wv_exc *e, const char *what);
CRT struct wv_exc *wv_ms_bad_cast_ctor_str(struct wv_exc *e, const char *what);
CRT struct wv_exc *wv_ms_bad_typeid_copy(struct wv_exc *e, const struct wv_exc *from);
CRT struct wv_exc *wv_ms___non_rtti_object_copy(struct wv_exc *e, const struct wv_exc *from);
CRT struct wv_exc *wv_ms_bad_cast_copy(struct wv_exc *e, const struct wv_exc *from);
CRT struct wv_exc *wv_ms_exception_copy(struct wv_exc *e, const struct wv_exc *from);
CRT void wv_ms_bad_typeid_dtor(struct wv_exc *e);
CRT void wv_ms___non_rtti_object_dtor(struct wv_exc *e);
CRT void wv_ms_bad_cast_dtor(struct wv_exc *e);
CRT void wv_ms_exception_dtor(struct wv_exc *e);
CRT void *wv_ms_malloc(size_t n);

#endif
