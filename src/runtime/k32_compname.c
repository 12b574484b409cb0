/* SPDX-License-Identifier: MIT */
/* k32_compname.c - GetComputerNameA/W: the NetBIOS name Windows keeps, here made from the
 * host's name as Windows makes one from a DNS host name: the first label, in capitals, cut to
 * MAX_COMPUTERNAME_LENGTH characters (libgomp reads it for OMP_DISPLAY_ENV and its affinity
 * reports).  Pointers the caller passes are read and written through wv_copy, so a bad one is
 * ERROR_NOACCESS, never a crash. */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "fault/fault.h"

#include <ctype.h>
#include <string.h>
#include <unistd.h>

/* The name in out (MAX_COMPUTERNAME_LENGTH + 1 bytes); its length.  A host without a name
 * (gethostname failing) is "LOCALHOST", as Windows names a machine that was never named. */
static size_t wv_netbios_name(char *out)
{
    char host[256] = "";
    if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
        strcpy(host, "localhost");
    size_t n = 0;
    while (host[n] && host[n] != '.' && n < MAX_COMPUTERNAME_LENGTH) {
        out[n] = (char)toupper((unsigned char)host[n]);
        n++;
    }
    out[n] = 0;
    return n;
}

/* Reads *size; the name and its length; checks the room.  FALSE with the error set. */
static BOOL wv_name_for(LPDWORD size, DWORD *room, char *name, DWORD *len)
{
    if (!size)
        return wv_fail(ERROR_INVALID_PARAMETER);
    if (wv_copy(room, size, sizeof(*room)))
        return wv_fail(ERROR_NOACCESS);
    *len = (DWORD)wv_netbios_name(name);
    if (*room > *len)
        return TRUE;
    DWORD need = *len + 1;
    if (wv_copy(size, &need, sizeof(need)))
        return wv_fail(ERROR_NOACCESS);
    return wv_fail(ERROR_BUFFER_OVERFLOW);
}

BOOL WINAPI GetComputerNameA(LPSTR buf, LPDWORD size)
{
    char name[MAX_COMPUTERNAME_LENGTH + 1];
    DWORD room, len;
    if (!wv_name_for(size, &room, name, &len))
        return FALSE;
    if (!buf || wv_copy(buf, name, len + 1) || wv_copy(size, &len, sizeof(len)))
        return wv_fail(ERROR_NOACCESS);
    return TRUE;
}

BOOL WINAPI GetComputerNameW(LPWSTR buf, LPDWORD size)
{
    char name[MAX_COMPUTERNAME_LENGTH + 1];
    WCHAR wide[MAX_COMPUTERNAME_LENGTH + 1];
    DWORD room, len;
    if (!wv_name_for(size, &room, name, &len))
        return FALSE;
    for (DWORD i = 0; i <= len; i++) /* ASCII: a host name's characters are */
        wide[i] = (unsigned char)name[i];
    if (!buf || wv_copy(buf, wide, (len + 1) * sizeof(WCHAR)) || wv_copy(size, &len, sizeof(len)))
        return wv_fail(ERROR_NOACCESS);
    return TRUE;
}
