/* SPDX-License-Identifier: MIT */
/* test_undname.c - MSVC's name undecorator (runtime/undname*.c): decorated names of every
 * construct against what Windows' undecorator prints, the UNDNAME_* flags, names that are not
 * valid (returned as they are, never a crash), the exports over it (__unDName, __unDNameEx,
 * __std_type_info_name, msvcrt's type_info::name and raw_name), and typeid(T).name() in an
 * MSVC-ABI program (tests/images/cxxtypeid.cpp). */
#define _GNU_SOURCE
#include "testutil.h"

#include "runtime/runtime.h"
#include "runtime/undname.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <winvm/slist.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

TestSuite(undname, .timeout = 120);

struct und_case {
    const char *in, *out;
    unsigned flags;
};

static void expect_all(const struct und_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *s = wv_undname(c[i].in, c[i].flags);
        cr_assert_not_null(s);
        cr_expect_str_eq(s, c[i].out, "%s (flags %#x):\n got %s\nwant %s", c[i].in, c[i].flags, s, c[i].out);
        free(s);
    }
}

static const struct und_case functions[] = {
    {"?get@Counter@app@@QEBAHXZ", "public: int __cdecl app::Counter::get(void)const __ptr64", 0},
    {"??0Counter@app@@QEAA@H@Z", "public: __cdecl app::Counter::Counter(int) __ptr64", 0},
    {"??1Counter@app@@UEAA@XZ", "public: virtual __cdecl app::Counter::~Counter(void) __ptr64", 0},
    {"?reset@Counter@app@@IEAAXXZ", "protected: void __cdecl app::Counter::reset(void) __ptr64", 0},
    {"?make@Counter@app@@SAPEAV12@XZ", "public: static class app::Counter * __ptr64 __cdecl app::Counter::make(void)", 0},
    {"?step@Counter@app@@EEAAXXZ", "private: virtual void __cdecl app::Counter::step(void) __ptr64", 0},
    {"?sum@@YANPEBNI@Z", "double __cdecl sum(double const * __ptr64,unsigned int)", 0},
    {"?fn@@YGXXZ", "void __stdcall fn(void)", 0},
    {"?fv@@YQXXZ", "void __vectorcall fv(void)", 0},
    {"?log@@YAXPEBDZZ", "void __cdecl log(char const * __ptr64,...)", 0},
    {"?cat@@YAPEADPEAD0@Z", "char * __ptr64 __cdecl cat(char * __ptr64,char * __ptr64)", 0},
    {"?w@@YAXPEB_W@Z", "void __cdecl w(wchar_t const * __ptr64)", 0},
    {"?b@@YA_N_J_K@Z", "bool __cdecl b(__int64,unsigned __int64)", 0},
    {"?c@@YAXCDE@Z", "void __cdecl c(signed char,char,unsigned char)", 0},
    {"?f@Item@@W7EAAXXZ", "[thunk]:public: virtual void __cdecl Item::f`adjustor{8}' (void) __ptr64", 0},
    /* a vcall thunk, Windows' stray "' }'" included (Wine's cpp.c records it) */
    {"??_9CView@@$BBII@AE", "[thunk]: __thiscall CView::`vcall'{392,{flat}}' }'", 0},
    {"??_9CView@@$B7AA", "[thunk]: __cdecl CView::`vcall'{8,{flat}}' }'", 0},
    {"?set_handler@@YAP6AXXZP6AXXZ@Z", "void (__cdecl*__cdecl set_handler(void (__cdecl*)(void)))(void)", 0},
};

Test(undname, functions_members_and_calling_conventions)
{
    expect_all(functions, sizeof(functions) / sizeof(functions[0]));
}

static const struct und_case types[] = {
    /* pointers, references, const and volatile */
    {"?cv@@YAXPEDH@Z", "void __cdecl cv(int const volatile * __ptr64)", 0},
    {"?cp@@YAXQEBD@Z", "void __cdecl cp(char const * __ptr64 const)", 0},
    {"?pp@@YAXPEAPEBD@Z", "void __cdecl pp(char const * __ptr64 * __ptr64)", 0},
    {"?r@@YAXAEAH@Z", "void __cdecl r(int & __ptr64)", 0},
    {"?take@@YAX$$QEAVItem@@@Z", "void __cdecl take(class Item && __ptr64)", 0},
    {"?u@@YAXPEIFAH@Z", "void __cdecl u(int __unaligned * __ptr64 __restrict)", 0},
    /* function and member pointers */
    {"?on@@YAXP6AXH@Z@Z", "void __cdecl on(void (__cdecl*)(int))", 0},
    {"?call@@YAXP8Item@@EAAHXZ@Z", "void __cdecl call(int (__cdecl Item::*)(void) __ptr64)", 0},
    {"?mp@@3PEQItem@@HEQ1@", "int Item::* __ptr64 __ptr64 mp", 0},
    /* arrays */
    {"?grid@@YAXPEAY02H@Z", "void __cdecl grid(int (* __ptr64)[3])", 0},
    /* classes, structs, unions, enums, namespaces */
    {"?e@@YAXW4Mode@ns@@@Z", "void __cdecl e(enum ns::Mode)", 0},
    {"?s@@YAXUPoint@@TBits@@@Z", "void __cdecl s(struct Point,union Bits)", 0},
    {"?helper@?A0x1b2c3d4e@@YAHXZ", "int __cdecl `anonymous namespace'::helper(void)", 0},
    /* templates and back references */
    {"?swap@?$Box@VItem@@@@QEAAXAEAV1@@Z",
     "public: void __cdecl Box<class Item>::swap(class Box<class Item> & __ptr64) __ptr64", 0},
    {"?f@@YAXV?$vector@V?$vector@H@std@@@std@@@Z", "void __cdecl f(class std::vector<class std::vector<int> >)", 0},
    {"?v@?$Arr@H$0BA@@@2HA", "public: static int Arr<int,16>::v", 0},
    {"?n@?$Neg@$0?3@@2HA", "public: static int Neg<-4>::n", 0},
    /* variables */
    {"?count@Counter@app@@0HA", "private: static int app::Counter::count", 0},
    {"?limit@@3_KB", "unsigned __int64 const limit", 0},
    {"?x@?1??f@@YAXXZ@4HA", "int `void __cdecl f(void)'::`2'::x", 0},
};

Test(undname, types_templates_and_back_references)
{
    expect_all(types, sizeof(types) / sizeof(types[0]));
}

static const struct und_case operators[] = {
    {"??Hpt@@QEBA?AU0@AEBU0@@Z", "public: struct pt __cdecl pt::operator+(struct pt const & __ptr64)const __ptr64", 0},
    {"??8pt@@QEBA_NAEBU0@@Z", "public: bool __cdecl pt::operator==(struct pt const & __ptr64)const __ptr64", 0},
    {"??4pt@@QEAAAEAU0@AEBU0@@Z",
     "public: struct pt & __ptr64 __cdecl pt::operator=(struct pt const & __ptr64) __ptr64", 0},
    {"??_U@YAPEAX_K@Z", "void * __ptr64 __cdecl operator new[](unsigned __int64)", 0},
    {"??3@YAXPEAX@Z", "void __cdecl operator delete(void * __ptr64)", 0},
    {"??Bpt@@QEBAHXZ", "public: __cdecl pt::operator int(void)const __ptr64", 0},
    {"??Rfn@@QEAAXH@Z", "public: void __cdecl fn::operator()(int) __ptr64", 0},
    {"??Apt@@QEAAAEAHH@Z", "public: int & __ptr64 __cdecl pt::operator[](int) __ptr64", 0},
    {"??_Gpt@@UEAAPEAXI@Z", "public: virtual void * __ptr64 __cdecl pt::`scalar deleting destructor'(unsigned int) __ptr64", 0},
    /* the compiler's data: vftables, RTTI, string literals */
    {"??_7Item@@6B@", "const Item::`vftable'", 0},
    {"??_7Both@@6BLeft@@@", "const Both::`vftable'{for `Left'}", 0},
    {"??_R0?AVItem@@@8", "class Item `RTTI Type Descriptor'", 0},
    {"??_R4Item@@6B@", "const Item::`RTTI Complete Object Locator'", 0},
    {"??_R1A@?0A@EA@Item@@8", "Item::`RTTI Base Class Descriptor at (0,-1,0,64)'", 0},
    {"??_R2Item@@8", "Item::`RTTI Base Class Array'", 0},
    {"??_R3Item@@8", "Item::`RTTI Class Hierarchy Descriptor'", 0},
    {"??_C@_0M@KPLPPDAC@hello?5world?$AA@", "`string'", 0},
    {"??_C@_1BA@JOHNPKFP@?$AAh?$AAi?$AA?$AA@", "`string'", 0},
};

Test(undname, operators_vftables_rtti_and_string_literals)
{
    expect_all(operators, sizeof(operators) / sizeof(operators[0]));
}

static const struct und_case flagged[] = {
    {"?get@Counter@app@@QEBAHXZ", "app::Counter::get", WV_UND_NAME_ONLY},
    {"?count@Counter@app@@0HA", "app::Counter::count", WV_UND_NAME_ONLY},
    {"?get@Counter@app@@QEBAHXZ", "int __cdecl app::Counter::get(void)const __ptr64", WV_UND_NO_ACCESS_SPECIFIERS},
    {"?get@Counter@app@@QEBAHXZ", "public: __cdecl app::Counter::get(void)const __ptr64", WV_UND_NO_FUNCTION_RETURNS},
    {"??1Counter@app@@UEAA@XZ", "public: __cdecl app::Counter::~Counter(void) __ptr64", WV_UND_NO_MEMBER_TYPE},
    {"?count@Counter@app@@0HA", "private: int app::Counter::count", WV_UND_NO_MEMBER_TYPE},
    {"?get@Counter@app@@QEBAHXZ", "public: int __cdecl app::Counter::get(void)",
     WV_UND_NO_MS_THISTYPE | WV_UND_NO_CV_THISTYPE},
    {"?sum@@YANPEBNI@Z", "double sum(double const *,unsigned int)", WV_UND_NO_MS_KEYWORDS},
    {"?sum@@YANPEBNI@Z", "double cdecl sum(double const * ptr64,unsigned int)", WV_UND_NO_LEADING_UNDERSCORES},
    {"?sum@@YANPEBNI@Z", "double __cdecl sum(double const * __ptr64,unsigned int)",
     WV_UND_NO_ALLOCATION_MODEL | WV_UND_32_BIT_DECODE},
    /* UNDNAME_NO_ARGUMENTS: the input is a type, as type_info keeps it */
    {"?AVItem@@", "class Item", WV_UND_NO_ARGUMENTS},
    {"PEBD", "char const * __ptr64", WV_UND_NO_ARGUMENTS},
    {"?AU?$pair@HN@std@@", "struct std::pair<int,double>", WV_UND_NO_ARGUMENTS},
    {"?AW4Mode@ns@@", "enum ns::Mode", WV_UND_NO_ARGUMENTS},
    {"P6AHN@Z", "int (__cdecl*)(double)", WV_UND_NO_ARGUMENTS},
    {"?AV<lambda_1>@?1??main@@YAHXZ@", "class `int __cdecl main(void)'::`2'::<lambda_1>", WV_UND_NO_ARGUMENTS},
};

Test(undname, flags)
{
    expect_all(flagged, sizeof(flagged) / sizeof(flagged[0]));
}

/* What is not a valid decorated name comes back as it is. */
Test(undname, invalid_names_come_back_unchanged)
{
    static const char *const bad[] = {
        "", "?", "??", "main", "?f@@YAH", "?f@@YAHX", "??0aa.a@@QEAA@XZ", "?f@@YAXPEA", "?f@@YAX9@Z",
        "?x@@3HQ", "??_R0?AVItem@@", "?$", "?f@@Y", "?f@@YAXV?$c@@Z", "??_C@_9", "?a@@3Y0A",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *s = wv_undname(bad[i], 0);
        cr_assert_not_null(s);
        cr_expect_str_eq(s, bad[i]);
        free(s);
    }
}

/* Every prefix of every name above, and each with one character changed, parse without a
 * crash (ASan/UBSan builds check the memory) and give a string; nesting is bounded. */
Test(undname, truncated_and_mutated_names_never_crash)
{
    const struct und_case *sets[] = {functions, types, operators, flagged};
    size_t counts[] = {sizeof(functions) / sizeof(*functions), sizeof(types) / sizeof(*types),
                       sizeof(operators) / sizeof(*operators), sizeof(flagged) / sizeof(*flagged)};
    static const char alphabet[] = "?@$0123ABEHPQVYZ_";
    char buf[256];
    for (size_t k = 0; k < 4; k++)
        for (size_t i = 0; i < counts[k]; i++) {
            size_t n = strlen(sets[k][i].in);
            for (size_t cut = 0; cut <= n; cut++) {
                memcpy(buf, sets[k][i].in, cut);
                buf[cut] = 0;
                for (unsigned f = 0; f < 2; f++) {
                    char *s = wv_undname(buf, f ? WV_UND_NO_ARGUMENTS : 0);
                    cr_assert_not_null(s);
                    free(s);
                }
                if (cut < n) {
                    memcpy(buf, sets[k][i].in, n + 1);
                    buf[cut] = alphabet[(cut + i) % (sizeof(alphabet) - 1)];
                    char *s = wv_undname(buf, 0);
                    cr_assert_not_null(s);
                    free(s);
                }
            }
        }
    char deep[8192] = "?f@@YAX";
    for (int i = 0; i < 1500; i++)
        strcat(deep, "PEA");
    strcat(deep, "H@Z");
    char *s = wv_undname(deep, 0);
    cr_assert_str_eq(s, deep, "nesting past the bound is not a valid name");
    free(s);
}

/* ---- the exports ---- */

typedef void *(__attribute__((ms_abi)) * alloc_fn)(size_t);
typedef void(__attribute__((ms_abi)) * free_fn)(void *);
typedef char *(__attribute__((ms_abi)) * undname_fn)(char *, const char *, int, alloc_fn, free_fn, unsigned short);
typedef char *(__attribute__((ms_abi)) * undnameex_fn)(char *, const char *, int, alloc_fn, free_fn, void *,
                                                       unsigned short);
typedef const char *(__attribute__((ms_abi)) * ti_name_fn)(void *, SLIST_HEADER *);
typedef const char *(__attribute__((ms_abi)) * msvcrt_ti_fn)(void *);
typedef void(__attribute__((ms_abi)) * list_fn)(SLIST_HEADER *);

static int allocs;
static void *__attribute__((ms_abi)) t_alloc(size_t n)
{
    allocs++;
    return malloc(n);
}
static void *__attribute__((ms_abi)) t_alloc_fail(size_t n)
{
    (void)n;
    return NULL;
}
static void __attribute__((ms_abi)) t_free(void *p) { free(p); }

Test(undname, unDName_allocates_or_fills_the_buffer)
{
    undname_fn und = (undname_fn)wv_crt_lookup("__unDName");
    undnameex_fn ex = (undnameex_fn)wv_crt_lookup("__unDNameEx");
    cr_assert(und && ex);
    cr_assert_eq((void *)und, wv_ucrt_lookup("__unDName"));
    cr_assert_eq((void *)und, wv_vc_lookup("__unDName"));
    cr_assert_eq((void *)ex, wv_vc_lookup("__unDNameEx"));
    const char *name = "?get@Counter@app@@QEBAHXZ";
    allocs = 0;
    char *s = und(NULL, name, 0, t_alloc, t_free, 0);
    cr_assert_str_eq(s, "public: int __cdecl app::Counter::get(void)const __ptr64");
    cr_assert_eq(allocs, 1, "the result is the caller's allocator's");
    free(s);
    s = ex(NULL, name, 0, t_alloc, t_free, NULL, WV_UND_NAME_ONLY);
    cr_assert_str_eq(s, "app::Counter::get");
    free(s);
    char buf[16];
    memset(buf, 'x', sizeof(buf));
    cr_assert_eq(und(buf, name, sizeof(buf), t_alloc, t_free, 0), buf);
    cr_assert_str_eq(buf, "public: int __c", "cut to the length, terminated");
    cr_assert_eq(und(buf, "?limit@@3_KB", sizeof(buf), t_alloc, t_free, WV_UND_NAME_ONLY), buf);
    cr_assert_str_eq(buf, "limit");
    s = und(NULL, "not decorated", 0, t_alloc, t_free, 0);
    cr_assert_str_eq(s, "not decorated");
    free(s);
    cr_assert_null(und(NULL, NULL, 0, t_alloc, t_free, 0));
    cr_assert_null(und(NULL, (const char *)8, 0, t_alloc, t_free, 0), "unreadable: NULL, no crash");
    cr_assert_null(und(NULL, name, 0, NULL, t_free, 0));
    cr_assert_null(und(NULL, name, 0, t_alloc_fail, t_free, 0));
}

struct ti140 {
    const char *name;
    char mangled[32];
};

Test(undname, std_type_info_name_keeps_the_name_on_the_list)
{
    ti_name_fn name = (ti_name_fn)wv_ucrt_lookup("__std_type_info_name");
    list_fn destroy = (list_fn)wv_ucrt_lookup("__std_type_info_destroy_list");
    cr_assert(name && destroy);
    cr_assert_eq((void *)name, wv_vc_lookup("__std_type_info_name"));
    SLIST_HEADER h;
    InitializeSListHead(&h);
    struct ti140 a = {NULL, ".?AVItem@@"}, b = {NULL, ".PEBD"}, c = {NULL, ".P8test@@EBACXZ"};
    const char *r = name(&a, &h);
    cr_assert_str_eq(r, "class Item");
    cr_assert_eq(a.name, r, "kept in the type_info");
    cr_assert_eq(name(&a, &h), r, "the same pointer next time");
    cr_assert_str_eq(name(&b, &h), "char const * __ptr64");
    cr_assert_str_eq(name(&c, &h), "signed char (__cdecl test::*)(void)const __ptr64");
    cr_assert_eq(QueryDepthSList(&h), 3, "one node a name");
    destroy(&h);
    cr_assert_eq(QueryDepthSList(&h), 0);
    cr_assert_null(name((void *)8, &h), "an unreadable type_info: NULL, no crash");
    struct ti140 d = {NULL, ".?AUWidget@ns@@"};
    cr_assert_null(name(&d, (SLIST_HEADER *)8), "an unusable list: NULL, the type_info unchanged");
    cr_assert_null(d.name);
}

struct ti_msvcrt {
    void *vftable;
    const char *name;
    char mangled[32];
};

Test(undname, msvcrt_type_info_name_and_raw_name)
{
    msvcrt_ti_fn name = (msvcrt_ti_fn)wv_crt_lookup("?name@type_info@@QEBAPEBDXZ");
    msvcrt_ti_fn raw = (msvcrt_ti_fn)wv_crt_lookup("?raw_name@type_info@@QEBAPEBDXZ");
    cr_assert(name && raw);
    cr_assert_null(wv_ucrt_lookup("?name@type_info@@QEBAPEBDXZ"), "ucrtbase.dll does not have msvcrt's");
    struct ti_msvcrt t = {NULL, NULL, ".?AUWidget@ns@@"};
    cr_assert_eq(raw(&t), t.mangled);
    const char *r = name(&t);
    cr_assert_str_eq(r, "struct ns::Widget");
    cr_assert_eq(t.name, r);
    cr_assert_eq(name(&t), r);
    free((void *)t.name); /* the CRT's malloc: msvcrt's type_info destructor frees it */
    cr_assert_null(name((void *)8));
}

/* ---- typeid(T).name() in an MSVC-ABI program ---- */

Test(undname, typeid_names_in_an_msvc_program)
{
    const char *exe = WINVM_PE_IMAGES "/cxxtypeid.exe";
    tu_need_pe(exe, "clang, lld-link or llvm-dlltool missing");
    static char out[8192];
    int st = tu_run_pe(WINVM_PE_IMAGES, NULL, exe, NULL, out, sizeof(out));
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
    cr_assert_str_eq(out, "vc: int\n"
                          "vc: struct ns::Widget\n"
                          "vc: struct Pair<int,struct ns::Widget * __ptr64>\n"
                          "vc: char const * __ptr64\n"
                          "vc: int (__cdecl*)(double)\n"
                          "vc: enum Color\n"
                          "vc: class `anonymous namespace'::Hidden\n"
                          "vc: struct Outer::Inner<-3>\n"
                          "vc: unsigned __int64 [4]\n"
                          "msvcrt: struct Pair<enum Color,bool>\n"
                          "msvcrt: struct ns::Widget\n"
                          "ok the name is kept: the same pointer again\n"
                          "ok one list node a name made through vcruntime (9)\n"
                          "ok destroy_list empties the list\n"
                          "all passed\n");
}
