/* SPDX-License-Identifier: MIT */
/* winvm/sysname.h - the computer's and its disk's figures, and the file APIs' code page; the computer's name as Windows reports it (GetComputerName: the NetBIOS
 * name, the host name's first label in capitals, at most MAX_COMPUTERNAME_LENGTH characters).
 * Windows' names, types, constant values and error codes. */
#ifndef WINVM_SYSNAME_H
#define WINVM_SYSNAME_H

#ifdef __cplusplus
extern "C" {
#endif

#define MAX_COMPUTERNAME_LENGTH 15

/* *size: the buffer's size in characters, in; the name's length without the terminator, out.
 * Too small: FALSE, ERROR_BUFFER_OVERFLOW and the size needed with the terminator. */
WINBASEAPI BOOL WINAPI GetComputerNameA(LPSTR lpBuffer, LPDWORD nSize);
WINBASEAPI BOOL WINAPI GetComputerNameW(LPWSTR lpBuffer, LPDWORD nSize);

/* The host file system holding the directory (NULL: the current one) in cluster terms: 512-byte
 * sectors, its fragment size a cluster, counts past 32 bits cut to 0xffffffff. */
WINBASEAPI BOOL WINAPI GetDiskFreeSpaceA(LPCSTR lpRootPathName, LPDWORD lpSectorsPerCluster,
                                         LPDWORD lpBytesPerSector, LPDWORD lpNumberOfFreeClusters,
                                         LPDWORD lpTotalNumberOfClusters);
WINBASEAPI BOOL WINAPI GetDiskFreeSpaceW(LPCWSTR lpRootPathName, LPDWORD lpSectorsPerCluster,
                                         LPDWORD lpBytesPerSector, LPDWORD lpNumberOfFreeClusters,
                                         LPDWORD lpTotalNumberOfClusters);

/* Which code page the A file functions use: ANSI (TRUE, the start) or OEM; both UTF-8 here. */
WINBASEAPI BOOL WINAPI AreFileApisANSI(void);
WINBASEAPI void WINAPI SetFileApisToANSI(void);
WINBASEAPI void WINAPI SetFileApisToOEM(void);

#ifdef __cplusplus
}
#endif
#endif /* WINVM_SYSNAME_H */
