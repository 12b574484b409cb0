/* SPDX-License-Identifier: MIT */
// cxxhello.cpp - cxxhello.exe (Debian's shared libstdc++-6.dll and libgcc_s_seh-1.dll, found by
// the loader in Debian's mingw-w64 directories) and cxxhello_static.exe (the same runtime linked
// in): iostream, string, vector, map, an exception through four frames whose destructors print,
// std::out_of_range from the library itself.  Output (exit code 7):
//   hello ARGC VALUE_OF_B / dtor f0..f3 / caught deep / out_of_range / bad_alloc
#include <iostream>
#include <map>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

struct Noisy {
    std::string name;
    ~Noisy() { std::cout << "dtor " << name << "\n"; }
};

static char *volatile kept;

static int thrower(int depth)
{
    Noisy n{"f" + std::to_string(depth)};
    if (depth == 0)
        throw std::runtime_error("deep");
    return thrower(depth - 1) + 1;
}

int main(int argc, char **argv)
{
    std::vector<std::string> args(argv, argv + argc);
    std::map<std::string, int> m{{"a", 1}, {"b", 2}};
    std::cout << "hello " << args.size() << " " << m["b"] << std::endl;
    try {
        thrower(3);
    } catch (const std::exception &e) {
        std::cout << "caught " << e.what() << "\n";
    }
    try {
        std::vector<int> none;
        return none.at(5);
    } catch (const std::out_of_range &) {
        std::cout << "out_of_range\n";
    }
    try {
        volatile size_t huge = (size_t)1 << 62;
        kept = new char[huge]; /* kept: the allocation may not be elided */
    } catch (const std::bad_alloc &) {
        std::cout << "bad_alloc\n";
    }
    return 7;
}
