/* SPDX-License-Identifier: MIT */
/* cxxmsvc_dll.cpp - the DLL side of cxxmsvc.cpp's checks across a module boundary (built by
 * clang for the MSVC ABI, linked against msvcrt.dll's C++ runtime): it throws its own Base
 * (the same decorated name as the EXE's, another TypeDescriptor) through frames that count
 * their destructors, and catches what a callback of the EXE throws. */
#include "cxxmsvc_rt.h"

extern "C" const void *const wv_type_info_vftable[1] __asm__("??_7type_info@@6B@") = {0};

static int guards;

struct Base {
    int v;
    Base(int x) : v(x) {}
    virtual ~Base() {}
    virtual int kind() const { return 3; }
};
struct Guard {
    ~Guard() { guards++; }
};

extern "C" __declspec(dllexport) __declspec(noinline) void dll_throw(int what, int depth)
{
    Guard g;
    if (depth > 0) {
        dll_throw(what, depth - 1);
        return;
    }
    if (what == 0)
        throw Base(11);
    throw 13;
}

extern "C" __declspec(dllexport) int dll_guards(void) { return guards; }

/* Calls cb, which throws the EXE's Derived; caught here as Base (by name: the EXE's Base). */
extern "C" __declspec(dllexport) int dll_catch(void (*cb)(void))
{
    try {
        Guard g;
        cb();
    } catch (Base &b) {
        return b.v;
    } catch (...) {
        return -1;
    }
    return 0;
}

/* A pure virtual call in the DLL: msvcrt.dll's _purecall (runtime error R6025, status 255). */
struct Abstract;
__declspec(noinline) static int call_f(Abstract *a);
struct Abstract {
    Abstract() { call_f(this); }
    virtual int f() = 0;
};
struct Concrete : Abstract {
    int f() override { return 1; }
};
__declspec(noinline) static int call_f(Abstract *a) { return a->f(); }

extern "C" __declspec(dllexport) int dll_purecall(void)
{
    Concrete c;
    return c.f();
}
