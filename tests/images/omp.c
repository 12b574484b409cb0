/* omp.c - OpenMP through Debian's libgomp-1.dll (test_gccdll.c): a parallel for with a
 * reduction, a parallel region counting its threads, a critical section and ordered output;
 * the same output as the Linux build of this file when both run with OMP_NUM_THREADS. */
#include <omp.h>
#include <stdio.h>

int main(void)
{
    long long sum = 0;
#pragma omp parallel for reduction(+ : sum) schedule(static)
    for (int i = 0; i < 1000000; i++)
        sum += i % 7;
    int team = 0, ids = 0;
#pragma omp parallel
    {
#pragma omp critical
        {
            team++;
            ids |= 1 << omp_get_thread_num();
        }
    }
    printf("sum %lld\nteam %d ids %#x max %d\n", sum, team, ids, omp_get_max_threads());
#pragma omp parallel for ordered schedule(dynamic, 1)
    for (int i = 0; i < 6; i++) {
#pragma omp ordered
        printf("ordered %d\n", i);
    }
    return 0;
}
