/* SPDX-License-Identifier: MIT */
// cxxdll.cpp - cxxdll.dll: throws a C++ exception that cxxmain.exe catches (issue 13); both link
// their own copy of the C++ runtime.  cxxdll_throw(v) throws DllErr{v} when v != 0 after a
// local with a destructor; cxxdll_dtors() counts those destructors.
struct DllErr {
    int code;
};
static int dll_dtors;
struct G {
    ~G() { dll_dtors++; }
};
extern "C" __declspec(dllexport) int cxxdll_dtors() { return dll_dtors; }
__declspec(dllexport) void cxxdll_throw(int v)
{
    G g;
    if (v)
        throw DllErr{v};
}
