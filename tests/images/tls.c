/* SPDX-License-Identifier: MIT */
/* tls.c - tls.exe: thread-local storage slots (TlsAlloc/TlsSetValue/TlsGetValue/TlsFree) from
 * a `winvm run` program.  CRT-free (mingw-w64, -nostdlib -e start -Wl,--subsystem,console,
 * -lkernel32 only), built by tests/CMakeLists.txt into WINVM_PE_IMAGES_DIR.  Default EXE layout
 * (ImageBase 0x140000000, DYNAMIC_BASE, .reloc).  No static TLS (.tls) directory.
 *
 * Imports KERNEL32.dll: GetStdHandle, WriteFile, GetLastError, SetLastError, TlsAlloc,
 * TlsGetValue, TlsSetValue, TlsFree.
 *
 * Output: one line per check, in this order, "ok NAME\n" or "FAIL NAME\n" (nothing else):
 *   alloc          i = TlsAlloc() != TLS_OUT_OF_INDEXES (0xFFFFFFFF)
 *   initial_null   TlsGetValue(i) == NULL with GetLastError() == ERROR_SUCCESS (set to 0
 *                  by the call itself: the last error was 0xDEAD before)
 *   set_get        TlsSetValue(i, 0x1234) succeeds, TlsGetValue(i) == 0x1234, last error 0
 *   second         j = TlsAlloc() != i, reads NULL; after TlsSetValue(j, 0x5678) j reads
 *                  0x5678 and i still 0x1234
 *   set_null       TlsSetValue(i, NULL) succeeds and i reads NULL (j unchanged)
 *   many           100 more indexes: all distinct from each other and from i, j; each set to
 *                  its own value and all read back; all freed successfully
 *   invalid        TlsGetValue(TLS_OUT_OF_INDEXES) == NULL and TlsSetValue(TLS_OUT_OF_INDEXES,
 *                  p) == FALSE, both with ERROR_INVALID_PARAMETER (87)
 *   free           TlsFree(j) succeeds; a second TlsFree(j) fails with ERROR_INVALID_PARAMETER
 *   realloc_zero   after TlsSetValue(i, 0x9999) and TlsFree(i), a new TlsAlloc() (any index)
 *                  reads NULL: freeing clears the slot
 *   exhaust        TlsAlloc until it returns TLS_OUT_OF_INDEXES: between 1000 and 1088 indexes
 *                  (Windows: 64 + 1024 expansion slots, minus what others hold); each freed
 * Exit code: the number of FAIL lines (0 when everything passed).
 */
#include "exe_util.h"

#define TLS_MANY 100
#define TLS_MAX 1088

static DWORD tls_many[TLS_MANY];
static DWORD tls_all[TLS_MAX + 1];

int start(void)
{
    int ok;

    DWORD i = TlsAlloc();
    eu_check("alloc", i != TLS_OUT_OF_INDEXES);

    SetLastError(0xDEAD);
    eu_check("initial_null", TlsGetValue(i) == NULL && GetLastError() == ERROR_SUCCESS);

    SetLastError(0xDEAD);
    ok = TlsSetValue(i, (LPVOID)0x1234) && TlsGetValue(i) == (LPVOID)0x1234 &&
         GetLastError() == ERROR_SUCCESS;
    eu_check("set_get", ok);

    DWORD j = TlsAlloc();
    ok = j != TLS_OUT_OF_INDEXES && j != i && TlsGetValue(j) == NULL &&
         TlsSetValue(j, (LPVOID)0x5678) && TlsGetValue(j) == (LPVOID)0x5678 &&
         TlsGetValue(i) == (LPVOID)0x1234;
    eu_check("second", ok);

    ok = TlsSetValue(i, NULL) && TlsGetValue(i) == NULL && TlsGetValue(j) == (LPVOID)0x5678;
    eu_check("set_null", ok);

    ok = 1;
    for (int k = 0; k < TLS_MANY; k++) {
        tls_many[k] = TlsAlloc();
        ok &= tls_many[k] != TLS_OUT_OF_INDEXES && tls_many[k] != i && tls_many[k] != j;
        for (int l = 0; l < k; l++)
            ok &= tls_many[l] != tls_many[k];
        if (ok)
            ok &= TlsSetValue(tls_many[k], (LPVOID)(ULONG_PTR)(0x10000 + k));
    }
    for (int k = 0; ok && k < TLS_MANY; k++)
        ok &= TlsGetValue(tls_many[k]) == (LPVOID)(ULONG_PTR)(0x10000 + k);
    ok &= TlsGetValue(j) == (LPVOID)0x5678;
    for (int k = 0; k < TLS_MANY; k++)
        if (tls_many[k] != TLS_OUT_OF_INDEXES)
            ok &= TlsFree(tls_many[k]) != 0;
    eu_check("many", ok);

    SetLastError(0);
    ok = TlsGetValue(TLS_OUT_OF_INDEXES) == NULL && GetLastError() == ERROR_INVALID_PARAMETER;
    SetLastError(0);
    ok = ok && !TlsSetValue(TLS_OUT_OF_INDEXES, (LPVOID)1) && GetLastError() == ERROR_INVALID_PARAMETER;
    eu_check("invalid", ok);

    ok = TlsFree(j) != 0;
    SetLastError(0);
    ok = ok && !TlsFree(j) && GetLastError() == ERROR_INVALID_PARAMETER;
    eu_check("free", ok);

    ok = TlsSetValue(i, (LPVOID)0x9999) && TlsFree(i);
    DWORD n = TlsAlloc();
    ok = ok && n != TLS_OUT_OF_INDEXES && TlsGetValue(n) == NULL && TlsFree(n);
    eu_check("realloc_zero", ok);

    int count = 0;
    while (count <= TLS_MAX && (tls_all[count] = TlsAlloc()) != TLS_OUT_OF_INDEXES)
        count++;
    ok = count >= 1000 && count <= TLS_MAX;
    for (int k = 0; k < count; k++)
        ok &= TlsFree(tls_all[k]) != 0;
    eu_check("exhaust", ok);
    return *eu_failures();
}
