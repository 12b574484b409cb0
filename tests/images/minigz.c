/* SPDX-License-Identifier: MIT */
/* minigz.c - minigz.exe: what zlib's minigzip does, through Debian's zlib1.dll (imported, found
 * by the loader in Debian's mingw-w64 directories): "minigz c IN OUT.gz" compresses IN with
 * gzopen/gzwrite, "minigz d IN.gz OUT" decompresses with gzopen/gzread; both through the C
 * runtime's fopen/fread/fwrite.  Prints "ok BYTES" (the uncompressed size) and exits 0, or
 * prints the failing step and exits 1. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

static int compress_file(const char *in, const char *out)
{
    FILE *f = fopen(in, "rb");
    gzFile gz = gzopen(out, "wb9");
    if (!f || !gz)
        return printf("open failed\n"), 1;
    char buf[16384];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        if (gzwrite(gz, buf, (unsigned)n) != (int)n)
            return printf("gzwrite failed\n"), 1;
        total += n;
    }
    fclose(f);
    if (gzclose(gz) != Z_OK)
        return printf("gzclose failed\n"), 1;
    printf("ok %zu\n", total);
    return 0;
}

static int decompress_file(const char *in, const char *out)
{
    gzFile gz = gzopen(in, "rb");
    FILE *f = fopen(out, "wb");
    if (!f || !gz)
        return printf("open failed\n"), 1;
    char buf[16384];
    int n;
    size_t total = 0;
    while ((n = gzread(gz, buf, sizeof(buf))) > 0) {
        fwrite(buf, 1, (size_t)n, f);
        total += (size_t)n;
    }
    if (n < 0)
        return printf("gzread failed\n"), 1;
    gzclose(gz);
    fclose(f);
    printf("ok %zu\n", total);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "c") && strcmp(argv[1], "d")))
        return printf("usage: minigz c|d IN OUT\n"), 2;
    printf("zlib %s\n", zlibVersion());
    return argv[1][0] == 'c' ? compress_file(argv[2], argv[3]) : decompress_file(argv[2], argv[3]);
}
