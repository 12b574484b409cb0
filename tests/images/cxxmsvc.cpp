/* SPDX-License-Identifier: MIT */
/* cxxmsvc.cpp - C++ exceptions in the MSVC ABI (clang --target=x86_64-pc-windows-msvc, linked
 * by lld-link against vcruntime140.dll and kernel32.dll, no CRT): _CxxThrowException and
 * __CxxFrameHandler3 as winvm serves them.  Each check prints "ok NAME" or "FAIL NAME"; the
 * exit code is the number of failures.  Arguments select the endings that end the process:
 * "uncaught" (a throw nothing catches: the unhandled exception 0xE06D7363 ends it), "noexcept"
 * (a throw leaving a noexcept function: its cleanup calls __std_terminate, status 3),
 * "rethrow-none" (throw; outside any catch: unhandled, 0xE06D7363), "purecall" (a pure virtual
 * call: the handler set runs, then abort's status 3), "purecall-dll" (one in the DLL: msvcrt's
 * _purecall, runtime error R6025, status 255).  With "dll", the checks across cxxmsvc_dll.dll
 * run too.  test_cxx_msvc.c runs it. */
#include "cxxmsvc_rt.h"

/* The TypeDescriptors' vftable: MSVC's static runtime library defines it; never called. */
extern "C" const void *const wv_type_info_vftable[1] __asm__("??_7type_info@@6B@") = {0};

static int live, made, copies, guards;

struct Base {
    int v;
    Base(int x) : v(x) { made++, live++; }
    Base(const Base &o) : v(o.v) { copies++, live++; }
    virtual ~Base() { live--; }
    virtual int kind() const { return 1; }
};
struct Derived : Base {
    int w;
    char name[16];
    Derived(int x, int y) : Base(x), w(y) { name[0] = 'd', name[1] = 0; }
    Derived(const Derived &o) : Base(o), w(o.w) { name[0] = o.name[0], name[1] = 0; }
    ~Derived() override {}
    int kind() const override { return 2; }
};
struct Other {
    int x;
    Other() : x(77) {}
    virtual ~Other() {}
};
struct Multi : Base, Other { /* Other's subobject is not at offset 0: the PMD moves the pointer */
    Multi() : Base(5) {}
};
struct Guard {
    ~Guard() { guards++; }
};

__declspec(noinline) static void thrower(int depth, int what)
{
    Guard g;
    if (depth > 0) {
        thrower(depth - 1, what);
        return;
    }
    if (what == 0)
        throw 42;
    if (what == 1)
        throw Derived(7, 8);
    if (what == 2)
        throw Multi();
    throw 2.5;
}

static void t_int()
{
    int got = 0;
    try {
        thrower(0, 0);
    } catch (int v) {
        got = v;
    }
    check("throw int, catch int", got == 42);
}

static void t_base_ref()
{
    live = made = copies = 0;
    int kind = 0, v = 0;
    try {
        thrower(0, 1);
    } catch (Base &b) {
        kind = b.kind(), v = b.v;
    }
    check("catch base by reference", kind == 2 && v == 7);
    check("exception object destroyed after catch", live == 0);
}

static void t_value_copy()
{
    live = made = copies = 0;
    int w = 0;
    try {
        thrower(0, 1);
    } catch (Derived d) {
        w = d.w + (d.name[0] == 'd' ? 100 : 0);
    }
    check("catch by value copy-constructs", w == 108 && copies == 1);
    check("copy and object both destroyed", live == 0);
}

static void t_ellipsis()
{
    int got = 0;
    try {
        thrower(0, 3);
    } catch (int) {
        got = 1;
    } catch (...) {
        got = 2;
    }
    check("catch(...) after a clause that does not match", got == 2);
}

static void t_unwind_count()
{
    guards = 0;
    int at = -1;
    try {
        thrower(5, 0);
    } catch (int) {
        at = guards;
    }
    check("destructors ran in each of 6 frames before the catch", at == 6);
}

static void t_nested()
{
    int inner = 0, outer = 0;
    try {
        try {
            thrower(1, 0);
        } catch (double) {
            inner = 1;
        }
    } catch (int v) {
        outer = v;
    }
    check("nested try: inner does not match, outer catches", inner == 0 && outer == 42);
}

static void t_rethrow()
{
    live = made = copies = 0;
    const Base *first = nullptr, *second = nullptr;
    try {
        try {
            thrower(0, 1);
        } catch (Base &b) {
            first = &b;
            throw;
        }
    } catch (Derived &d) {
        second = &d;
    }
    check("rethrow: the same object reaches the outer catch", first && first == second);
    check("rethrown object destroyed once", live == 0 && made == 1);
}

static void t_throw_from_catch()
{
    live = made = copies = 0;
    int got = 0;
    try {
        try {
            thrower(0, 0);
        } catch (int v) {
            throw Derived(v, 1);
        }
    } catch (Base &b) {
        got = b.v;
    }
    check("throw from a catch block caught outside", got == 42);
    check("its object destroyed", live == 0 && made == 1);
}

static void t_try_in_catch()
{
    int a = 0, b = 0;
    try {
        thrower(0, 0);
    } catch (int v) {
        try {
            thrower(2, 1);
        } catch (Base &e) {
            b = e.v;
        }
        a = v;
    }
    check("try inside a catch block", a == 42 && b == 7);
}

static void t_rethrow_inside()
{
    live = made = copies = 0;
    int n = 0;
    try {
        thrower(0, 1);
    } catch (Base &) {
        try {
            throw;
        } catch (Derived &) {
            n++;
        }
        n++;
        check("object alive while its outer catch runs", live == 1);
    }
    check("rethrow caught inside the same catch", n == 2);
    check("object destroyed once at the end", live == 0);
}

static void t_this_adjust()
{
    live = 0;
    int x = 0, v = 0;
    const void *whole = nullptr, *part = nullptr;
    try {
        thrower(0, 2);
    } catch (Other &o) {
        x = o.x, part = &o;
        const Multi &m = static_cast<const Multi &>(o);
        whole = &m, v = m.v;
    }
    check("catch a second base: this adjusted", x == 77 && v == 5 && part != whole);
    check("multiply derived object destroyed", live == 0);
}

static void t_pointer()
{
    Multi m;
    const void *got = nullptr;
    try {
        throw &m;
    } catch (Other *p) {
        got = p;
    }
    check("catch a pointer to a base: adjusted", got == static_cast<Other *>(&m) && got != (void *)&m);
    int which = 0;
    try {
        throw (const char *)"text";
    } catch (char *) {
        which = 1;
    } catch (const char *s) {
        which = s[0] == 't' ? 2 : 3;
    }
    check("const char * is not caught as char *", which == 2);
}

__declspec(noinline) static void catch_and_throw(int rethrow)
{
    Guard g;
    try {
        thrower(1, rethrow ? 1 : 0);
    } catch (int v) {
        Guard in_catch;
        throw Derived(v + 1, 0);
    } catch (Base &) {
        Guard in_catch;
        throw;
    }
}

static void t_across_functions()
{
    live = made = copies = 0;
    guards = 0;
    int v = 0;
    try {
        catch_and_throw(0);
    } catch (Base &b) {
        v = b.v;
    }
    check("a new exception from a catch, caught by the caller", v == 43 && guards == 4 && live == 0);
    guards = made = 0;
    v = 0;
    try {
        catch_and_throw(1);
    } catch (Derived &d) {
        v = d.w;
    }
    check("a rethrow from a catch, caught by the caller", v == 8 && guards == 4 && live == 0 && made == 1);
}

/* A destructor run by an unwind throws and catches inside itself. */
struct Catcher {
    int *seen;
    ~Catcher()
    {
        try {
            thrower(1, 0);
        } catch (int v) {
            *seen = v;
        }
    }
};

__declspec(noinline) static void throw_past_catcher(int *seen)
{
    Catcher c{seen};
    thrower(0, 1);
}

static void t_catch_in_destructor()
{
    int seen = 0, v = 0;
    live = 0;
    try {
        throw_past_catcher(&seen);
    } catch (Base &b) {
        v = b.v;
    }
    check("a destructor catches its own exception during an unwind", seen == 42 && v == 7 && live == 0);
}

/* ---- several threads throwing at once: each its own running catches ---- */
IMPORT HANDLE __stdcall CreateThread(void *, unsigned long long, DWORD(__stdcall *)(void *), void *, DWORD, DWORD *);
IMPORT DWORD __stdcall WaitForSingleObject(HANDLE, DWORD);
IMPORT BOOL __stdcall CloseHandle(HANDLE);

struct Counted {
    int *n;
    ~Counted() { (*n)++; }
};

__declspec(noinline) static void thread_throw(int depth, int *n, int v)
{
    Counted c{n};
    if (depth)
        thread_throw(depth - 1, n, v);
    else
        throw v;
}

static DWORD __stdcall thread_main(void *arg)
{
    int *result = (int *)arg, n = 0, sum = 0, frames = 0;
    for (int i = 0; i < 2000; i++) {
        frames += i % 3 + 1;
        try {
            try {
                thread_throw(i % 3, &n, i);
            } catch (int v) {
                sum += v;
                throw;
            }
        } catch (int v) {
            sum -= v;
        }
    }
    *result = sum == 0 && n == frames; /* every frame's destructor ran once */
    return 0;
}

static void t_threads()
{
    int r[4] = {0, 0, 0, 0};
    HANDLE h[4];
    for (int i = 0; i < 4; i++)
        h[i] = CreateThread(nullptr, 0, thread_main, &r[i], 0, nullptr);
    bool ok = true;
    for (int i = 0; i < 4; i++) {
        ok = ok && h[i] && WaitForSingleObject(h[i], 60000) == 0;
        if (h[i])
            CloseHandle(h[i]);
    }
    for (int i = 0; i < 4; i++)
        ok = ok && r[i] == 1;
    check("four threads throw, rethrow and catch 2000 times each", ok);
}

/* An access violation inside a catch block, handled by an SEH __except further out (/EHs: the
 * catch's destructors are not run for it, but the catch ends and its object is destroyed). */
__declspec(noinline) static void fault_in_catch(volatile int *p)
{
    try {
        thrower(0, 1);
    } catch (Base &) {
        *p = 1;
    }
}

__declspec(noinline) static int seh_around(volatile int *p)
{
    __try {
        fault_in_catch(p);
    } __except (1) {
        return 1;
    }
    return 0;
}

static void t_seh_leaves_catch()
{
    live = made = 0;
    int r = seh_around(nullptr);
    check("an SEH exception leaving a catch ends it, its object destroyed", r == 1 && made == 1 && live == 0);
    int v = 0;
    try {
        thrower(0, 0);
    } catch (int x) {
        v = x;
    }
    check("throw and catch work after it", v == 42);
}

/* vcruntime140's slots name the exception a running catch handles (std::current_exception's
 * source). */
IMPORT void **__cdecl __current_exception(void);
IMPORT void **__cdecl __current_exception_context(void);
struct Record {
    DWORD code, flags;
    void *next, *address;
    DWORD count;
    unsigned long long info[15];
};

static void t_current_exception()
{
    bool in = false, nested = false;
    bool before = *__current_exception() == nullptr;
    try {
        thrower(0, 1);
    } catch (Base &b) {
        const Record *r = (const Record *)*__current_exception();
        in = r && r->code == 0xE06D7363u && r->count == 4 && r->info[0] == 0x19930520 &&
             (const void *)r->info[1] == (const void *)&b && *__current_exception_context() != nullptr;
        try {
            thrower(0, 0);
        } catch (int) {
            const Record *r2 = (const Record *)*__current_exception();
            nested = r2 && r2 != r && *(const int *)r2->info[1] == 42;
        }
        in = in && *__current_exception() == r;
    }
    check("__current_exception names the caught exception's record", before && in && nested);
    check("__current_exception is NULL after the catch", *__current_exception() == nullptr);
}

static void t_loop()
{
    int sum = 0;
    for (int i = 0; i < 1000; i++) {
        try {
            thrower(i % 4, 0);
        } catch (int v) {
            sum += v;
        }
    }
    check("1000 throws and catches", sum == 42000);
}

__declspec(noinline) static void must_not_throw() noexcept { thrower(0, 0); }

/* A pure virtual call: the constructor of the abstract base calls through its own vftable,
 * whose slot is _purecall. */
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
typedef void(__cdecl *purecall_handler)(void);
IMPORT purecall_handler __cdecl _set_purecall_handler(purecall_handler);
static void __cdecl on_purecall() { out("purecall handler\n"); }
static void dll_checks();
extern "C" __declspec(dllimport) int dll_purecall(void);

int main_impl(const char *args)
{
    if (has_arg(args, "uncaught")) {
        out("throwing\n");
        thrower(1, 0);
        out("not reached\n");
        return 50;
    }
    if (has_arg(args, "noexcept")) {
        out("noexcept\n");
        void (*volatile call)() = must_not_throw; /* a call the compiler cannot see is noexcept */
        try { /* the catch is found; the unwind through the noexcept function terminates */
            call();
        } catch (...) {
            out("caught: not reached\n");
        }
        return 50;
    }
    if (has_arg(args, "purecall")) {
        _set_purecall_handler(on_purecall);
        Concrete c;
        out("not reached\n");
        return 50;
    }
    if (has_arg(args, "purecall-dll")) {
        dll_purecall();
        out("not reached\n");
        return 50;
    }
    if (has_arg(args, "rethrow-none")) {
        out("rethrow\n");
        throw;
    }
    t_int();
    t_base_ref();
    t_value_copy();
    t_ellipsis();
    t_unwind_count();
    t_nested();
    t_rethrow();
    t_throw_from_catch();
    t_try_in_catch();
    t_rethrow_inside();
    t_this_adjust();
    t_pointer();
    t_across_functions();
    t_catch_in_destructor();
    t_seh_leaves_catch();
    t_current_exception();
    t_loop();
    t_threads();
    if (has_arg(args, "dll"))
        dll_checks();
    return finish();
}

/* ---- across a DLL (cxxmsvc_dll.dll, msvcrt.dll's runtime) ---- */
extern "C" __declspec(dllimport) void dll_throw(int what, int depth);
extern "C" __declspec(dllimport) int dll_guards(void);
extern "C" __declspec(dllimport) int dll_catch(void (*cb)(void));

static void exe_thrower() { throw Derived(9, 1); }

static void dll_checks()
{
    int v = 0, kind = 0;
    try {
        dll_throw(0, 3);
    } catch (Base &b) {
        v = b.v, kind = b.kind();
    }
    check("the DLL's exception caught by the EXE by base name", v == 11 && kind == 3);
    check("the DLL's frames ran their destructors", dll_guards() == 4);
    int i = 0;
    try {
        dll_throw(1, 0);
    } catch (int x) {
        i = x;
    }
    check("an int thrown in the DLL", i == 13);
    live = made = copies = 0;
    check("the DLL catches the EXE's exception", dll_catch(exe_thrower) == 9);
    check("the DLL's catch destroyed the EXE's object", live == 0 && made == 1);
}

extern "C" void start()
{
    ExitProcess((unsigned)main_impl(GetCommandLineA()));
}
