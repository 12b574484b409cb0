/* quad.c - libquadmath through Debian's libquadmath-0.dll (test_gccdll.c): square root,
 * exponential and printing of __float128, the same output as the Linux build of this file. */
#include <quadmath.h>
#include <stdio.h>

int main(void)
{
    char b[128];
    __float128 x = sqrtq(2.0Q);
    quadmath_snprintf(b, sizeof(b), "%.33Qg", x);
    printf("sqrt2 %s\n", b);
    quadmath_snprintf(b, sizeof(b), "%Qa", x);
    printf("hex %s\n", b);
    quadmath_snprintf(b, sizeof(b), "%.30Qe", expq(1.0Q));
    printf("e %s\n", b);
    __float128 y = strtoflt128("0.1", NULL) * 3;
    quadmath_snprintf(b, sizeof(b), "%.36Qg", y);
    printf("0.3 %s\n", b);
    return 0;
}
