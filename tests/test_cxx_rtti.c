/* SPDX-License-Identifier: MIT */
/* test_cxx_rtti.c - msvcrt.dll's C++ classes and RTTI calls (runtime/cxx_exc.c, cxx_rtti.c):
 * exception and its kin through their exported members and vftables, the RTTI those carry
 * (x64, signature 1), type_info's comparisons, __RTtypeid / __RTDynamicCast / __RTCastToVoid on
 * msvcrt's objects and on hand-made RTTI (single, second and virtual bases, as Wine's tests lay
 * them out), and cxxrtti.exe: typeid and dynamic_cast compiled by clang for the MSVC ABI,
 * including the exceptions msvcrt throws. */
#define _GNU_SOURCE
#include "testutil.h"

#include "runtime/runtime.h"

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

TestSuite(cxx_rtti, .timeout = 120);

#define MSABI __attribute__((ms_abi))
struct exc {
    void **vtable;
    char *what;
    int do_free;
};
struct ti {
    void **vtable;
    char *name;
    char mangled[24];
};
typedef void *(MSABI *ctor_fn)(void *, const void *);
typedef void *(MSABI *ctor0_fn)(void *);
typedef void *(MSABI *ctor2_fn)(void *, const void *, int);
typedef void *(MSABI *vdtor_fn)(void *, unsigned);
typedef const char *(MSABI *what_fn)(void *);
typedef int(MSABI *cmp_fn)(const void *, const void *);
typedef void *(MSABI *new_fn)(size_t);
typedef void *(MSABI *typeid_fn)(void *);
typedef void *(MSABI *cast_fn)(void *, int, void *, void *, int);

static void *need(const char *name)
{
    void *p = wv_crt_lookup(name);
    cr_assert_not_null(p, "msvcrt.dll does not export %s", name);
    return p;
}

Test(cxx_rtti, exception_members)
{
    ctor_fn ctor = need("??0exception@@QEAA@AEBQEBD@Z"), copy = need("??0exception@@QEAA@AEBV0@@Z");
    ctor_fn assign = need("??4bad_typeid@@QEAAAEAV0@AEBV0@@Z");
    ctor0_fn dflt = need("??0exception@@QEAA@XZ");
    ctor2_fn noalloc = need("??0exception@@QEAA@AEBQEBDH@Z");
    ctor0_fn dtor = need("??1exception@@UEAA@XZ");
    what_fn what = need("?what@exception@@UEBAPEBDXZ");
    void **vt = need("??_7exception@@6B@");
    const char *text = "An exception name";
    struct exc e, e2, e3;
    cr_assert_eq(ctor(&e, &text), &e);
    cr_assert(e.vtable == vt && e.what != text && !strcmp(e.what, text) && e.do_free == 1);
    copy(&e2, &e);
    cr_assert(e2.vtable == vt && e2.what != e.what && !strcmp(e2.what, text) && e2.do_free == 1);
    memset(&e3, 1, sizeof(e3));
    dflt(&e3);
    cr_assert(e3.vtable == vt && !e3.what && !e3.do_free);
    cr_assert_str_eq(what(&e3), "Unknown exception");
    /* operator= (bad_typeid's) keeps the target's vftable, copies the owned message */
    cr_assert_eq(assign(&e3, &e), &e3);
    cr_assert(e3.vtable == vt && e3.what != e.what && !strcmp(e3.what, text) && e3.do_free == 1);
    cr_assert_eq(what(&e3), e3.what);
    cr_assert_eq(((what_fn)vt[1])(&e3), e3.what, "the vftable's what");
    dtor(&e2);
    dtor(&e3);
    noalloc(&e2, &text, 1); /* shared, not owned: a copy of it shares it too */
    cr_assert(e2.what == text && !e2.do_free);
    copy(&e3, &e2);
    cr_assert(e3.what == text && !e3.do_free);
    dtor(&e);
}

Test(cxx_rtti, deleting_destructors)
{
    new_fn op_new = need("??_U@YAPEAX_K@Z");
    ctor_fn bt = need("??0bad_typeid@@QEAA@PEBD@Z");
    void **vt = need("??_7bad_typeid@@6B@");
    vdtor_fn vdtor = vt[0];
    struct exc *e = op_new(sizeof(*e));
    bt(e, "one");
    cr_assert(e->vtable == vt && !strcmp(e->what, "one") && e->do_free);
    cr_assert_eq(vdtor(e, 0), e); /* destroyed, not freed */
    vdtor(e, 1);                   /* freed (ASan would see a leak or a bad free) */
    size_t *block = op_new(sizeof(size_t) + 4 * sizeof(struct exc));
    block[0] = 3;
    e = (struct exc *)(block + 1);
    for (int i = 0; i < 3; i++)
        bt(&e[i], "many");
    e[3].what = (char *)"not owned", e[3].do_free = 1; /* past the count: untouched */
    cr_assert_eq(vdtor(e, 3), block);
}

Test(cxx_rtti, bad_typeid_and_bad_cast_defaults)
{
    ctor0_fn bt = need("??_Fbad_typeid@@QEAAXXZ"), bc = need("??_Fbad_cast@@QEAAXXZ");
    ctor_fn nr = need("??0__non_rtti_object@@QEAA@PEBD@Z"), bc2 = need("??0bad_cast@@AEAA@PEBQEBD@Z");
    ctor0_fn dtor = need("??1bad_cast@@UEAA@XZ");
    struct exc a, b, c;
    bt(&a);
    cr_assert(a.vtable == need("??_7bad_typeid@@6B@") && !strcmp(a.what, "bad typeid") && a.do_free == 1);
    bc(&b);
    cr_assert(b.vtable == need("??_7bad_cast@@6B@") && !strcmp(b.what, "bad cast") && b.do_free == 1);
    nr(&c, "x");
    cr_assert(c.vtable == need("??_7__non_rtti_object@@6B@") && !strcmp(c.what, "x"));
    dtor(&b);
    const char *m = "private";
    bc2(&b, &m);
    cr_assert(b.vtable == need("??_7bad_cast@@6B@") && !strcmp(b.what, "private"));
    dtor(&a), dtor(&b), dtor(&c);
}

/* The locator of a vftable, signature 1: every reference from base = the COL less its own offset. */
struct col {
    unsigned sig, off, cd, td, chd, self;
};
static const char *names_of(void **vt, char *buf)
{
    struct col *c = vt[-1];
    cr_assert_eq(c->sig, 1u);
    char *base = (char *)c - c->self;
    unsigned *chd = (unsigned *)(base + c->chd);
    unsigned *bases = (unsigned *)(base + chd[3]);
    buf[0] = 0;
    for (unsigned i = 0; i < chd[2]; i++) {
        unsigned *bcd = (unsigned *)(base + bases[i]);
        strcat(buf, base + bcd[0] + 16);
        strcat(buf, " ");
    }
    return buf;
}

Test(cxx_rtti, vftables_carry_rtti)
{
    char buf[256];
    cr_assert_str_eq(names_of(need("??_7exception@@6B@"), buf), ".?AVexception@@ ");
    cr_assert_str_eq(names_of(need("??_7bad_cast@@6B@"), buf), ".?AVbad_cast@@ .?AVexception@@ ");
    cr_assert_str_eq(names_of(need("??_7__non_rtti_object@@6B@"), buf),
                     ".?AV__non_rtti_object@@ .?AVbad_typeid@@ .?AVexception@@ ");
}

Test(cxx_rtti, type_info_members)
{
    cmp_fn eq = need("??8type_info@@QEBAHAEBV0@@Z"), ne = need("??9type_info@@QEBAHAEBV0@@Z");
    cmp_fn before = need("?before@type_info@@QEBAHAEBV1@@Z");
    ctor0_fn dtor = need("??1type_info@@UEAA@XZ");
    struct ti t1 = {NULL, NULL, ".?AVtest1@@"}, t1b = {NULL, NULL, "??AVtest1@@"}, t2 = {NULL, NULL, ".?AVtest2@@"};
    cr_assert(eq(&t1, &t1) == 1 && eq(&t1, &t2) == 0 && eq(&t1, &t1b) == 1, "the first character is not compared");
    cr_assert(ne(&t1, &t1) == 0 && ne(&t2, &t1) == 1);
    cr_assert(before(&t1, &t2) == 1 && before(&t2, &t1) == 0 && before(&t1, &t1) == 0);
    t1.name = malloc(8);
    dtor(&t1); /* frees the undecorated name (ASan: no leak) */
    dtor(&t2);
}

Test(cxx_rtti, typeid_and_casts_of_msvcrt_objects)
{
    typeid_fn typeid = need("__RTtypeid");
    typeid_fn to_void = need("__RTCastToVoid");
    cast_fn cast = need("__RTDynamicCast");
    ctor_fn exc = need("??0exception@@QEAA@AEBQEBD@Z"), bt = need("??0bad_typeid@@QEAA@PEBD@Z");
    ctor0_fn dtor = need("??1exception@@UEAA@XZ");
    const char *text = "e";
    struct exc e, b;
    exc(&e, &text);
    bt(&b, "b");
    struct ti *te = typeid(&e), *tb = typeid(&b);
    cr_assert_str_eq(te->mangled, ".?AVexception@@");
    cr_assert_str_eq(tb->mangled, ".?AVbad_typeid@@");
    cr_assert_str_eq(((struct ti *)typeid(te))->mangled, ".?AVtype_info@@");
    cr_assert_eq(to_void(&e), &e);
    cr_assert_null(to_void(NULL));
    cr_assert_eq(cast(&b, 0, NULL, te, 0), &b, "up");
    cr_assert_null(cast(&e, 0, NULL, tb, 0), "down to what it is not");
    cr_assert_null(cast(NULL, 0, NULL, tb, 1));
    dtor(&e), dtor(&b);
}

/* RTTI made by hand as Wine's tests make it: offsets from the block's start (signature 1). */
struct rtti_data {
    struct ti td[2];
    struct {
        unsigned td;
        int contained;
        int mdisp, pdisp, vdisp;
        unsigned attributes;
    } bcd[2];
    unsigned bases[2];
    struct {
        unsigned sig, attr, count, bases;
    } chd;
    struct col col;
};
#define OFF(f) ((unsigned)offsetof(struct rtti_data, f))

Test(cxx_rtti, casts_of_hand_made_rtti)
{
    typeid_fn typeid = need("__RTtypeid");
    cast_fn cast = need("__RTDynamicCast");
    static struct rtti_data child = {
        {{NULL, NULL, "simple_class"}, {NULL, NULL, "child_class"}},
        {{OFF(td[1]), 0, 4, -1, 0, 0}, {OFF(td[0]), 0, 8, -1, 0, 0}},
        {OFF(bcd[0]), OFF(bcd[1])},
        {0, 0, 2, OFF(bases)},
        {1, 0, 0, OFF(td[1]), OFF(chd), OFF(col)},
    };
    static struct rtti_data vbase = {
        {{NULL, NULL, "simple_class"}, {NULL, NULL, "child_class"}},
        {{OFF(td[1]), 0, 0x10, 8, 4, 0}, {OFF(td[0]), 0, 8, -1, 0, 0}},
        {OFF(bcd[0]), OFF(bcd[1])},
        {0, 0, 2, OFF(bases)},
        {1, 0, 0, OFF(td[1]), OFF(chd), OFF(col)},
    };
    struct ti simple = {NULL, NULL, "simple_class"};
    void *child_vt[2] = {&child.col}, *obj[2] = {&child_vt[1]};
    cr_assert_eq(typeid(obj), &child.td[1]);
    cr_assert_eq(cast(obj, 0, NULL, &simple, 0), (char *)obj + 8, "a type of the same name");
    cr_assert_eq(cast(obj, 0, &child.td[0], &child.td[1], 0), (char *)obj + 4);
    void *vb_vt[2] = {&vbase.col};
    int vbtable[2] = {0, 0x100};
    struct {
        void *vt, *vbptr;
        char data[0x110 - sizeof(void *)];
        void *vbthis;
    } vb = {&vb_vt[1], vbtable, {0}, NULL};
    cr_assert_eq(cast(&vb, 0, &vbase.td[0], &vbase.td[1], 0), &vb.vbthis, "through the vbtable");
    struct ti other = {NULL, NULL, "other"};
    cr_assert_null(cast(obj, 0, NULL, &other, 0));
}

Test(cxx_rtti, typeid_and_dynamic_cast_in_an_msvc_program)
{
    const char *exe = WINVM_PE_IMAGES "/cxxrtti.exe";
    tu_need_pe(exe, "clang, lld-link or llvm-dlltool missing");
    static char out[8192];
    int st = tu_run_pe(WINVM_PE_IMAGES, NULL, exe, NULL, out, sizeof(out));
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    static const char *const names[] = {
        "typeid of a base pointer names the complete class", "dynamic_cast across to the second base",
        "dynamic_cast to void * is the complete object", "typeid of NULL throws bad_typeid",
        "typeid of an object without RTTI throws __non_rtti_object",
        "dynamic_cast of it too, caught as its base bad_typeid",
        "a failed dynamic_cast to a reference throws bad_cast (caught by value)", "and exception catches it",
        "exception's vftable is the exported one", "typeid of msvcrt's exception",
        "bad_typeid from msvcrt is one to dynamic_cast", "typeid of the type_info msvcrt answers is type_info",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char line[160];
        snprintf(line, sizeof(line), "ok %s\n", names[i]);
        cr_assert_not_null(strstr(out, line), "\"%s\" missing:\n%s", names[i], out);
    }
    cr_assert_not_null(strstr(out, "all passed"), "%s", out);
}
