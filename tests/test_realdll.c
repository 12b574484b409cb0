/* SPDX-License-Identifier: MIT */
/* test_realdll.c - Debian's own PE DLLs, loaded from a Linux C program by name (found in
 * Debian's mingw-w64 directories, loader/search.c) and called: zlib1.dll (libz-mingw-w64)
 * against the Linux build of the same zlib (zlib1g), byte for byte. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define ZLIB_DLL "/usr/x86_64-w64-mingw32/lib/zlib1.dll"

/* zlib's Windows ABI: uLong is 32 bits there. */
typedef const char *(__attribute__((ms_abi)) * w_version)(void);
typedef uint32_t(__attribute__((ms_abi)) * w_sum)(uint32_t, const uint8_t *, uint32_t);
typedef int(__attribute__((ms_abi)) * w_compress2)(uint8_t *, uint32_t *, const uint8_t *, uint32_t, int);
typedef int(__attribute__((ms_abi)) * w_uncompress)(uint8_t *, uint32_t *, const uint8_t *, uint32_t);
typedef void *(__attribute__((ms_abi)) * w_gzopen)(const char *, const char *);
typedef int(__attribute__((ms_abi)) * w_gzwrite)(void *, const void *, unsigned);
typedef int(__attribute__((ms_abi)) * w_gzread)(void *, void *, unsigned);
typedef int(__attribute__((ms_abi)) * w_gzclose)(void *);
#define AS(type, p) ((type)(void (*)(void))(p))

static char cache_dir[128];

static void setup(void)
{
    snprintf(cache_dir, sizeof(cache_dir), "/tmp/winvm-test-realdll.%d", (int)getpid());
    mkdir(cache_dir, 0700);
    setenv("WINVM_CACHE_DIR", cache_dir, 1);
    unsetenv("WINVM_PATH");
}

static void teardown(void)
{
    tu_remove_tree(cache_dir);
}

TestSuite(realdll, .init = setup, .fini = teardown);

static HMODULE load_zlib(void)
{
    if (access(ZLIB_DLL, R_OK) != 0)
        cr_skip_test("%s is missing: scripts/bootstrap.sh installs libz-mingw-w64", ZLIB_DLL);
    HMODULE h = LoadLibraryA("zlib1.dll"); /* by name: Debian's directory is searched */
    cr_assert_not_null(h, "LoadLibraryA(zlib1.dll): %u (%s)", GetLastError(), winvm_last_load_error());
    char path[512];
    cr_assert_gt(GetModuleFileNameA(h, path, sizeof(path)), 0);
    cr_assert_str_eq(path, ZLIB_DLL);
    return h;
}

/* 4 MiB: half compressible text, half pseudo-random bytes. */
static uint8_t *sample(size_t n)
{
    uint8_t *p = malloc(n);
    cr_assert_not_null(p);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245 + 12345;
        p[i] = i < n / 2 ? (uint8_t)"the quick brown fox jumps over the lazy dog "[i % 44] : (uint8_t)(x >> 16);
    }
    return p;
}

Test(realdll, zlib_checksums_and_compression_match_linux_zlib)
{
    HMODULE h = load_zlib();
    cr_assert_str_eq(AS(w_version, GetProcAddress(h, "zlibVersion"))(), zlibVersion(), "same zlib release");
    size_t n = 4u << 20;
    uint8_t *src = sample(n);
    cr_assert_eq(AS(w_sum, GetProcAddress(h, "crc32"))(0, src, (uint32_t)n), (uint32_t)crc32(0, src, (uInt)n));
    cr_assert_eq(AS(w_sum, GetProcAddress(h, "adler32"))(1, src, (uint32_t)n), (uint32_t)adler32(1, src, (uInt)n));

    uLong cap = compressBound(n);
    uint8_t *mine = malloc(cap), *theirs = malloc(cap), *back = malloc(n);
    uint32_t mine_len = (uint32_t)cap;
    uLong theirs_len = cap;
    cr_assert_eq(AS(w_compress2, GetProcAddress(h, "compress2"))(mine, &mine_len, src, (uint32_t)n, 6), Z_OK);
    cr_assert_eq(compress2(theirs, &theirs_len, src, n, 6), Z_OK);
    cr_assert_eq(mine_len, theirs_len, "compressed sizes");
    cr_assert_eq(memcmp(mine, theirs, mine_len), 0, "compressed bytes");
    uint32_t back_len = (uint32_t)n;
    cr_assert_eq(AS(w_uncompress, GetProcAddress(h, "uncompress"))(back, &back_len, theirs, (uint32_t)theirs_len), Z_OK);
    cr_assert_eq(back_len, n);
    cr_assert_eq(memcmp(back, src, n), 0, "round trip");
    free(src), free(mine), free(theirs), free(back);
    cr_assert(FreeLibrary(h));
}

/* gzopen/gzwrite go through msvcrt's _open/_write/_lseeki64/_close: the file the DLL writes
 * is read back by Linux zlib, and the other way round. */
Test(realdll, zlib_gz_files_through_msvcrt_descriptors)
{
    HMODULE h = load_zlib();
    char path[256];
    snprintf(path, sizeof(path), "%s/sample.gz", cache_dir);
    size_t n = 1u << 20;
    uint8_t *src = sample(n), *back = malloc(n + 1);
    void *gz = AS(w_gzopen, GetProcAddress(h, "gzopen"))(path, "wb");
    cr_assert_not_null(gz, "gzopen for writing");
    cr_assert_eq(AS(w_gzwrite, GetProcAddress(h, "gzwrite"))(gz, src, (unsigned)n), (int)n);
    cr_assert_eq(AS(w_gzclose, GetProcAddress(h, "gzclose"))(gz), Z_OK);
    gzFile lin = gzopen(path, "rb");
    cr_assert_not_null(lin);
    cr_assert_eq(gzread(lin, back, (unsigned)n + 1), (int)n, "Linux zlib reads what the DLL wrote");
    gzclose(lin);
    cr_assert_eq(memcmp(back, src, n), 0);

    memset(back, 0, n);
    snprintf(path, sizeof(path), "%s/linux.gz", cache_dir);
    lin = gzopen(path, "wb");
    cr_assert_eq(gzwrite(lin, src, (unsigned)n), (int)n);
    gzclose(lin);
    gz = AS(w_gzopen, GetProcAddress(h, "gzopen"))(path, "rb");
    cr_assert_not_null(gz, "gzopen for reading");
    cr_assert_eq(AS(w_gzread, GetProcAddress(h, "gzread"))(gz, back, (unsigned)n + 1), (int)n);
    cr_assert_eq(AS(w_gzclose, GetProcAddress(h, "gzclose"))(gz), Z_OK);
    cr_assert_eq(memcmp(back, src, n), 0, "the DLL reads what Linux zlib wrote");
    free(src), free(back);
    cr_assert(FreeLibrary(h));
}

/* ---- Debian's mingw-w64 runtime DLLs, found by name in Debian's directories ---- */

static HMODULE load_debian(const char *name)
{
    HMODULE h = LoadLibraryA(name);
    cr_assert_not_null(h, "LoadLibraryA(%s): %u (%s)", name, GetLastError(), winvm_last_load_error());
    return h;
}

Test(realdll, libstdcxx_demangles)
{
    HMODULE h = load_debian("libstdc++-6.dll");
    typedef char *(__attribute__((ms_abi)) * demangle_fn)(const char *, char *, size_t *, int *);
    demangle_fn demangle = AS(demangle_fn, GetProcAddress(h, "__cxa_demangle"));
    cr_assert_not_null(demangle);
    int status = -9;
    char *s = demangle("_ZNSt6vectorIiSaIiEE9push_backERKi", NULL, NULL, &status);
    cr_assert_eq(status, 0);
    cr_assert_str_eq(s, "std::vector<int, std::allocator<int> >::push_back(int const&)");
    /* malloc'd by the DLL through msvcrt: freed through it too */
    typedef void(__attribute__((ms_abi)) * free_fn)(void *);
    AS(free_fn, GetProcAddress(GetModuleHandleA("msvcrt.dll"), "free"))(s);
    demangle("not a mangled name", NULL, NULL, &status);
    cr_assert_eq(status, -2, "invalid name");
    cr_assert(FreeLibrary(h));
}

Test(realdll, libgcc_libssp_libatomic_work)
{
    HMODULE gcc = load_debian("libgcc_s_seh-1.dll");
    typedef int(__attribute__((ms_abi)) * popcount_fn)(unsigned long long);
    cr_assert_eq(AS(popcount_fn, GetProcAddress(gcc, "__popcountdi2"))(0xf0f0f0f0f0f0f0f0ull), 32);
    HMODULE ssp = load_debian("libssp-0.dll");
    typedef char *(__attribute__((ms_abi)) * strcpy_chk_fn)(char *, const char *, size_t);
    char buf[16];
    cr_assert_eq(AS(strcpy_chk_fn, GetProcAddress(ssp, "__strcpy_chk"))(buf, "fits", sizeof(buf)), buf);
    cr_assert_str_eq(buf, "fits");
    HMODULE atom = load_debian("libatomic-1.dll");
    typedef unsigned(__attribute__((ms_abi)) * fetch_add_fn)(volatile unsigned *, unsigned, int);
    volatile unsigned v = 40;
    cr_assert_eq(AS(fetch_add_fn, GetProcAddress(atom, "__atomic_fetch_add_4"))(&v, 2, 5), 40u);
    cr_assert_eq(v, 42u);
    cr_assert(FreeLibrary(atom));
    cr_assert(FreeLibrary(ssp));
    cr_assert(FreeLibrary(gcc));
}

/* Debian's libgcrypt-20.dll (with libgpg-error-0.dll): version check and SHA-256 / SHA-1 of
 * known inputs (FIPS 180-2's "abc" vectors). */
Test(realdll, libgcrypt_hashes)
{
    HMODULE h = load_debian("libgcrypt-20.dll");
    typedef const char *(__attribute__((ms_abi)) * check_fn)(const char *);
    typedef void(__attribute__((ms_abi)) * hash_fn)(int, void *, const void *, size_t);
    const char *v = AS(check_fn, GetProcAddress(h, "gcry_check_version"))(NULL);
    cr_assert_not_null(v);
    cr_assert_eq(v[0], '1', "version %s", v);
    unsigned char d[32];
    AS(hash_fn, GetProcAddress(h, "gcry_md_hash_buffer"))(8 /* GCRY_MD_SHA256 */, d, "abc", 3);
    static const unsigned char sha256[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                             0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                             0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    cr_assert_eq(memcmp(d, sha256, 32), 0, "SHA-256(\"abc\")");
    AS(hash_fn, GetProcAddress(h, "gcry_md_hash_buffer"))(2 /* GCRY_MD_SHA1 */, d, "abc", 3);
    static const unsigned char sha1[20] = {0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
                                           0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d};
    cr_assert_eq(memcmp(d, sha1, 20), 0, "SHA-1(\"abc\")");
    cr_assert(FreeLibrary(h));
}

Test(realdll, libwinpthread_mutex)
{
    HMODULE h = load_debian("libwinpthread-1.dll");
    typedef int(__attribute__((ms_abi)) * mutex_fn)(void *);
    typedef int(__attribute__((ms_abi)) * init_fn)(void *, const void *);
    void *m = NULL; /* pthread_mutex_t is a pointer-sized handle in winpthreads */
    cr_assert_eq(AS(init_fn, GetProcAddress(h, "pthread_mutex_init"))(&m, NULL), 0);
    cr_assert_eq(AS(mutex_fn, GetProcAddress(h, "pthread_mutex_lock"))(&m), 0);
    cr_assert_eq(AS(mutex_fn, GetProcAddress(h, "pthread_mutex_trylock"))(&m), 16 /* EBUSY */);
    cr_assert_eq(AS(mutex_fn, GetProcAddress(h, "pthread_mutex_unlock"))(&m), 0);
    cr_assert_eq(AS(mutex_fn, GetProcAddress(h, "pthread_mutex_destroy"))(&m), 0);
    cr_assert(FreeLibrary(h));
}
