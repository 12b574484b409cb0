/* SPDX-License-Identifier: MIT */
/* cxxrtti.cpp - typeid and dynamic_cast in an MSVC-ABI program (clang
 * --target=x86_64-pc-windows-msvc, no CRT) on msvcrt.dll's __RTtypeid, __RTDynamicCast and
 * __RTCastToVoid, and msvcrt's own classes: the exceptions those throw (bad_typeid,
 * __non_rtti_object, bad_cast) caught by reference, by a base and by value, and exception
 * objects made through msvcrt's exported members (GetProcAddress), whose vftable and RTTI the
 * program's dynamic_cast and typeid read.  One "ok NAME" / "FAIL NAME" line a check
 * (tests/test_cxx_rtti.c). */
#include "cxxmsvc_rt.h"

extern "C" const void *const wv_type_info_vftable[1] __asm__("??_7type_info@@6B@") = {0};
IMPORT HANDLE __stdcall LoadLibraryA(const char *);
IMPORT void *__stdcall GetProcAddress(HANDLE, const char *);

class type_info { /* the layout of a TypeDescriptor */
  public:
    const char *raw() const { return decorated; }
    virtual ~type_info() noexcept;
  private:
    mutable const char *undecorated;
    char decorated[1];
};
namespace std {
using ::type_info;
}

/* msvcrt's classes as its headers declared them: only their layout and virtual functions are
 * used here (objects come from msvcrt); the destructor of a caught copy frees nothing. */
class exception {
  public:
    virtual ~exception() {}
    virtual const char *what() const;
  private:
    const char *m_what;
    int m_do_free;
};
class bad_typeid : public exception {};
class __non_rtti_object : public bad_typeid {};
class bad_cast : public exception {};

/* what() through the vftable, as a call on an object of unknown class makes it. */
static const char *what_of(const exception &e)
{
    const exception *p = &e;
    __asm__("" : "+r"(p));
    return p->what();
}

static bool same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

struct Base {
    virtual ~Base() {}
    int b = 1;
};
struct Left : Base {
    int l = 2;
};
struct Other {
    virtual void f() {}
    int o = 3;
};
struct Both : Left, Other {
    int x = 4;
};

static void __attribute__((noinline)) casts()
{
    Both both;
    Base *base = &both;
    Other *other = &both;
    check("typeid of a base pointer names the complete class", &typeid(*base) == &typeid(Both));
    check("typeid through a second base too", &typeid(*other) == &typeid(Both));
    check("dynamic_cast down", dynamic_cast<Both *>(base) == &both);
    check("dynamic_cast across to the second base", dynamic_cast<Other *>(base) == other);
    check("dynamic_cast back from the second base", dynamic_cast<Left *>(other) == static_cast<Left *>(&both));
    check("dynamic_cast to void * is the complete object", dynamic_cast<void *>(other) == (void *)&both);
    Left left;
    Base *lb = &left;
    check("dynamic_cast to a class the object is not: NULL", dynamic_cast<Both *>(lb) == nullptr);
    Base *none = nullptr;
    check("dynamic_cast of NULL is NULL", dynamic_cast<Both *>(none) == nullptr);
    check("dynamic_cast<void *> of NULL is NULL", dynamic_cast<void *>(none) == nullptr);
}

static void __attribute__((noinline)) throws()
{
    Base *none = nullptr;
    /* the message is compared in the catch: the object (and the copy it owns) goes at its end */
    bool ok = false;
    try {
        (void)typeid(*none);
    } catch (bad_typeid &e) {
        ok = same(what_of(e), "Attempted a typeid of NULL pointer!");
    }
    check("typeid of NULL throws bad_typeid", ok);

    struct {
        const void *vftable;
    } junk = {(const void *)16};
    ok = false;
    try {
        (void)typeid(*reinterpret_cast<Base *>(&junk));
    } catch (__non_rtti_object &e) {
        ok = same(what_of(e), "Access violation - no RTTI data!");
    }
    check("typeid of an object without RTTI throws __non_rtti_object", ok);
    bool as_base = false;
    try {
        (void)dynamic_cast<Both *>(reinterpret_cast<Base *>(&junk));
    } catch (bad_typeid &e) {
        as_base = same(typeid(e).raw(), ".?AV__non_rtti_object@@");
    }
    check("dynamic_cast of it too, caught as its base bad_typeid", as_base);

    Left left;
    Base &ref = left;
    ok = false;
    try {
        (void)dynamic_cast<Both &>(ref);
    } catch (bad_cast e) { /* by value: msvcrt's copy constructor made it */
        ok = same(what_of(e), "Bad dynamic_cast!");
    }
    check("a failed dynamic_cast to a reference throws bad_cast (caught by value)", ok);
    ok = false;
    try {
        (void)dynamic_cast<Both &>(ref);
    } catch (exception &e) {
        ok = same(what_of(e), "Bad dynamic_cast!");
    }
    check("and exception catches it", ok);
}

typedef void *(__cdecl *ctor_fn)(void *, const char *const *);
typedef void *(__cdecl *ctor_str_fn)(void *, const char *);
typedef void *(__cdecl *new_fn)(unsigned long long);

static void __attribute__((noinline)) classes()
{
    HANDLE crt = LoadLibraryA("msvcrt.dll");
    ctor_fn exc_ctor = (ctor_fn)GetProcAddress(crt, "??0exception@@QEAA@AEBQEBD@Z");
    ctor_str_fn bt_ctor = (ctor_str_fn)GetProcAddress(crt, "??0bad_typeid@@QEAA@PEBD@Z");
    new_fn op_new = (new_fn)GetProcAddress(crt, "??2@YAPEAX_K@Z");
    void **vt = (void **)GetProcAddress(crt, "??_7exception@@6B@");
    if (!exc_ctor || !bt_ctor || !op_new || !vt) {
        check("msvcrt exports exception's members", false);
        return;
    }
    const char *text = "an exception";
    exception *e = (exception *)op_new(sizeof(void *) * 3);
    exc_ctor(e, &text);
    check("exception's vftable is the exported one", *(void ***)e == vt);
    check("what() through the vftable", same(what_of(*e), "an exception"));
    check("typeid of msvcrt's exception", same(typeid(*e).raw(), ".?AVexception@@"));
    check("exception is not a bad_typeid", dynamic_cast<bad_typeid *>(e) == nullptr);
    delete e; /* the vector deleting destructor, flags 1 */

    alignas(8) char storage[24];
    exception *b = (exception *)bt_ctor(storage, "a bad typeid");
    check("bad_typeid from msvcrt is one to dynamic_cast", dynamic_cast<bad_typeid *>(b) == (bad_typeid *)storage);
    check("and not a __non_rtti_object", dynamic_cast<__non_rtti_object *>(b) == nullptr);
    const type_info &ti = typeid(*b);
    check("typeid of the type_info msvcrt answers is type_info", same(typeid(ti).raw(), ".?AVtype_info@@"));
    b->~exception();
}

extern "C" void start()
{
    casts();
    throws();
    classes();
    ExitProcess((unsigned)finish());
}
