// seh_throw.cpp - row 21's program: a C++ exception thrown 10 frames down and caught, timed
// inside the program.  Built twice from this file: by mingw-w64 g++ (runs under `winvm run`,
// timed with QueryPerformanceCounter; the throw goes through RaiseException, the frame walk
// and RtlUnwindEx) and by the host g++ (Linux's own unwinder, clock_gettime).  Prints
// "ns_per_throw N" (the median of 5 batches).
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#ifdef _WIN32
#include <windows.h>
static double now_ns()
{
    static LARGE_INTEGER f;
    if (!f.QuadPart)
        QueryPerformanceFrequency(&f);
    LARGE_INTEGER c;
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart * 1e9 / (double)f.QuadPart;
}
#else
#include <time.h>
static double now_ns()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}
#endif

static volatile int sink;

struct guard { // a destructor in every frame: the unwind has work to do
    ~guard() { sink = sink + 1; }
};

__attribute__((noinline)) static int depth(int n)
{
    guard g;
    if (n == 0)
        throw std::runtime_error("bench");
    return depth(n - 1) + sink;
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 20000;
    double best[5];
    for (int b = 0; b < 5; b++) {
        double t0 = now_ns();
        for (int i = 0; i < iters; i++) {
            try {
                depth(9); // 10 frames: depth(9) .. depth(0)
            } catch (const std::exception &e) {
                sink = sink + 1;
            }
        }
        best[b] = (now_ns() - t0) / iters;
    }
    for (int i = 1; i < 5; i++) // insertion sort: the median is best[2]
        for (int j = i; j > 0 && best[j] < best[j - 1]; j--) {
            double t = best[j];
            best[j] = best[j - 1], best[j - 1] = t;
        }
    printf("ns_per_throw %.1f\n", best[2]);
    return 0;
}
