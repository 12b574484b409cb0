/* SPDX-License-Identifier: MIT */
/* crt2.c - crt2.exe: more of an ordinary C program on mingw-w64's default runtime: file stdio,
 * qsort with a comparator, conversions, ctype, getenv, rand, time.  Run as
 * `winvm run crt2.exe FILE` (FILE: a path it may create and delete).  Expected stdout:
 *   file: 3 lines, last "line 3", size 24   (text mode: CR LF on disk)
 *   sorted: 1 2 3 5 8 13 21
 *   strtol 255 -42 strtod 2.50 atof 0.125 strtoul 4000000000
 *   upper: HELLO, WORLD 9 9
 *   env: WINVM_CRT2=yes
 *   rand in range: yes
 *   time: yes
 * Exit code 0; 1 and a reason on stderr when something fails. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int main(int argc, char **argv)
{
    if (argc < 2)
        return 1;
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        fprintf(stderr, "fopen w failed\n");
        return 1;
    }
    for (int i = 1; i <= 3; i++)
        fprintf(f, "line %d\n", i);
    fclose(f);
    f = fopen(argv[1], "r");
    char line[64], last[64] = "";
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        n++;
        strcpy(last, line);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    remove(argv[1]);
    last[strcspn(last, "\n")] = 0;
    printf("file: %d lines, last \"%s\", size %ld\n", n, last, size);
    int v[] = {13, 2, 8, 1, 21, 5, 3};
    qsort(v, 7, sizeof(int), cmp);
    printf("sorted:");
    for (int i = 0; i < 7; i++)
        printf(" %d", v[i]);
    printf("\n");
    printf("strtol %ld %ld strtod %.2f atof %.3f strtoul %lu\n", strtol("ff", NULL, 16), strtol("-42", NULL, 10),
           strtod("2.5", NULL), atof("0.125"), strtoul("4000000000", NULL, 10));
    char s[] = "hello, world 9";
    int digits = 0;
    for (char *p = s; *p; p++) {
        *p = (char)toupper((unsigned char)*p);
        digits += isdigit((unsigned char)*p) ? 1 : 0;
    }
    printf("upper: %s %d\n", s, digits ? 9 : 0);
    const char *e = getenv("WINVM_CRT2");
    printf("env: WINVM_CRT2=%s\n", e ? e : "(unset)");
    srand(7);
    int ok = 1;
    for (int i = 0; i < 100; i++) {
        int r = rand();
        ok &= r >= 0 && r <= RAND_MAX;
    }
    printf("rand in range: %s\n", ok ? "yes" : "no");
    printf("time: %s\n", time(NULL) > 1600000000 ? "yes" : "no");
    return 0;
}
