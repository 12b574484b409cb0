/* SPDX-License-Identifier: MIT */
// cxxmain.cpp - cxxmain.exe: catches what cxxdll.dll throws (issue 13).  Prints exactly
// "across 7 dtors 1\n" (the DLL's destructor ran once during the unwind), exit status 0.
#include <cstdio>
struct DllErr {
    int code;
};
__declspec(dllimport) void cxxdll_throw(int v);
extern "C" __declspec(dllimport) int cxxdll_dtors();
int main()
{
    try {
        cxxdll_throw(7);
    } catch (const DllErr &e) {
        printf("across %d dtors %d\n", e.code, cxxdll_dtors());
    }
    return 0;
}
