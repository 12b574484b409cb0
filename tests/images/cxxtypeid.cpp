/* SPDX-License-Identifier: MIT */
/* cxxtypeid.cpp - typeid(T).name() in an MSVC-ABI program (clang --target=x86_64-pc-windows-msvc,
 * no CRT): type_info::name as vcruntime's header defines it, an inline call of
 * vcruntime140.dll's __std_type_info_name, and msvcrt.dll's exported type_info::name (GetProcAddress).  Prints
 * one "vc: NAME" or "msvcrt: NAME" line a type, then the checks that the name is kept (the same
 * pointer on a second call) and that __std_type_info_destroy_list takes the list.
 * test_undname.c runs it and compares the lines with what Windows prints. */
#include "cxxmsvc_rt.h"

extern "C" const void *const wv_type_info_vftable[1] __asm__("??_7type_info@@6B@") = {0};

struct wv_slist_header { /* SLIST_HEADER: 16 bytes, 16-aligned */
    alignas(16) unsigned long long a, b;
};
struct __std_type_info_data {
    const char *undecorated;
    const char decorated[1];
};
IMPORT const char *__cdecl __std_type_info_name(__std_type_info_data *, wv_slist_header *);
IMPORT void __cdecl __std_type_info_destroy_list(wv_slist_header *);
IMPORT HANDLE __stdcall LoadLibraryA(const char *);
IMPORT void *__stdcall GetProcAddress(HANDLE, const char *);
/* msvcrt.dll's type_info::name, found by name: importing it would bind the inline one below,
 * whose decorated name is the same. */
typedef const char *(__cdecl *msvcrt_name_fn)(const void *);
static msvcrt_name_fn msvcrt_type_info_name;

static wv_slist_header root;

/* As vcruntime_typeinfo.h declares it (the layout the compiler's TypeDescriptors have). */
class type_info {
  public:
    const char *name() const noexcept { return __std_type_info_name(&data, &root); }
    virtual ~type_info() noexcept;
  private:
    mutable __std_type_info_data data;
};
namespace std {
using ::type_info;
}

namespace ns {
struct Widget {
    int x;
};
} // namespace ns
template <class A, class B> struct Pair {
    A a;
    B b;
};
enum Color { red };
namespace {
class Hidden {
};
} // namespace
class Outer {
  public:
    template <int N> struct Inner {
    };
};

static void show(const char *via, const char *name)
{
    out(via);
    out(name ? name : "(null)");
    out("\n");
}

extern "C" void start()
{
    msvcrt_type_info_name = (msvcrt_name_fn)GetProcAddress(LoadLibraryA("msvcrt.dll"), "?name@type_info@@QEBAPEBDXZ");
    if (!msvcrt_type_info_name) {
        out("msvcrt.dll's type_info::name missing\n");
        ExitProcess(99);
    }
    show("vc: ", typeid(int).name());
    show("vc: ", typeid(ns::Widget).name());
    show("vc: ", typeid(Pair<int, ns::Widget *>).name());
    show("vc: ", typeid(const char *).name());
    show("vc: ", typeid(int (*)(double)).name());
    show("vc: ", typeid(Color).name());
    show("vc: ", typeid(Hidden).name());
    show("vc: ", typeid(Outer::Inner<-3>).name());
    show("vc: ", typeid(unsigned long long[4]).name());
    show("msvcrt: ", msvcrt_type_info_name(&typeid(Pair<Color, bool>)));
    show("msvcrt: ", msvcrt_type_info_name(&typeid(ns::Widget &&)));
    const char *first = typeid(ns::Widget).name();
    check("the name is kept: the same pointer again", first == typeid(ns::Widget).name());
    /* SLIST_HEADER on x64: its first 16 bits are the depth */
    check("one list node a name made through vcruntime (9)", (root.a & 0xffff) == 9);
    __std_type_info_destroy_list(&root);
    check("destroy_list empties the list", (root.a & 0xffff) == 0);
    ExitProcess((unsigned)finish());
}
