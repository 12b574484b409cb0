/* SPDX-License-Identifier: MIT */
/* ntdll_file.h - what ntdll's file calls share (ntdll_file.c: NtCreateFile, NtOpenFile;
 * ntdll_fileinfo.c: NtReadFile, NtWriteFile, NtQueryInformationFile). */
#ifndef WV_RUNTIME_NTDLL_FILE_H
#define WV_RUNTIME_NTDLL_FILE_H

#include "runtime/runtime.h"
#include <winvm/ntdll.h>

/* An NtCreateFile request: the rights, FILE_SHARE_*, FILE_SUPERSEDE..FILE_OVERWRITE_IF,
 * FILE_*_FILE options and FILE_ATTRIBUTE_* for a new file. */
struct wv_ntfile_req {
    ACCESS_MASK access;
    ULONG share, disposition, options, attrs;
};

/* NtCreateFile's core: the handle into *out and the IO_STATUS_BLOCK, or the status. */
NTSTATUS wv_ntfile_create(HANDLE *out, const OBJECT_ATTRIBUTES *attr, IO_STATUS_BLOCK *iosb,
                          const struct wv_ntfile_req *r);
/* The place attr names: the host path (*host), or a pipe's or mailslot's Win32 name
 * ("\\\\.\\pipe\\NAME", "\\\\.\\mailslot\\NAME": *pipe), malloc'ed; or the status. */
NTSTATUS wv_ntfile_resolve(const OBJECT_ATTRIBUTES *attr, char **host, char **pipe);
/* The status NT file calls give for a file layer's Win32 error. */
NTSTATUS wv_ntfile_status(DWORD err);

/* ntdll's entries (ms_abi), for ntdll.c's table. */
WV_MSABI NTSTATUS wv_nt_NtCreateFile(HANDLE *out, ACCESS_MASK access, OBJECT_ATTRIBUTES *attr, IO_STATUS_BLOCK *iosb,
                                     LARGE_INTEGER *alloc, ULONG attrs, ULONG share, ULONG disposition, ULONG options,
                                     void *ea, ULONG ea_len);
WV_MSABI NTSTATUS wv_nt_NtOpenFile(HANDLE *out, ACCESS_MASK access, OBJECT_ATTRIBUTES *attr, IO_STATUS_BLOCK *iosb,
                                   ULONG share, ULONG options);
WV_MSABI NTSTATUS wv_nt_NtReadFile(HANDLE h, HANDLE event, void *apc, void *ctx, IO_STATUS_BLOCK *iosb, void *buf,
                                   ULONG n, LARGE_INTEGER *offset, ULONG *key);
WV_MSABI NTSTATUS wv_nt_NtWriteFile(HANDLE h, HANDLE event, void *apc, void *ctx, IO_STATUS_BLOCK *iosb,
                                    const void *buf, ULONG n, LARGE_INTEGER *offset, ULONG *key);
/* ntdll_npipe.c */
WV_MSABI NTSTATUS wv_nt_NtCreateNamedPipeFile(HANDLE *out, ACCESS_MASK access, OBJECT_ATTRIBUTES *attr,
                                             IO_STATUS_BLOCK *iosb, ULONG share, ULONG disposition, ULONG options,
                                             ULONG type, ULONG read_mode, ULONG completion, ULONG max, ULONG in_quota,
                                             ULONG out_quota, LARGE_INTEGER *timeout);
WV_MSABI NTSTATUS wv_nt_NtCreateMailslotFile(HANDLE *out, ACCESS_MASK access, OBJECT_ATTRIBUTES *attr,
                                            IO_STATUS_BLOCK *iosb, ULONG options, ULONG quota, ULONG max,
                                            LARGE_INTEGER *timeout);
WV_MSABI NTSTATUS wv_nt_NtQueryInformationFile(HANDLE h, IO_STATUS_BLOCK *iosb, void *buf, ULONG len, ULONG cls);
/* ntdll_peb.c, ntdll_str.c */
WV_MSABI void wv_nt_RtlAcquirePebLock(void);
WV_MSABI void wv_nt_RtlReleasePebLock(void);
WV_MSABI BOOLEAN wv_nt_RtlDllShutdownInProgress(void);
WV_MSABI NTSTATUS wv_nt_RtlDuplicateUnicodeString(ULONG flags, const UNICODE_STRING *src, PUNICODE_STRING dst);

#endif
