/* SPDX-License-Identifier: MIT */
/* nt_objattr.h - the NT name structures the test programs pass to ntdll's object calls
 * (NtCreateEvent, NtOpenTimer, ...), declared once here: mingw's headers lack them outside
 * winternl.h, which declares other things these programs define their own way. */
#ifndef WV_TEST_NT_OBJATTR_H
#define WV_TEST_NT_OBJATTR_H

#include <windows.h>

typedef LONG NTSTATUS;
typedef struct {
    USHORT Length, MaximumLength;
    PWSTR Buffer;
} UNISTR;
typedef struct {
    ULONG Length;
    HANDLE RootDirectory;
    UNISTR *ObjectName;
    ULONG Attributes;
    PVOID SecurityDescriptor, SecurityQualityOfService;
} OBJATTR;

/* IO_STATUS_BLOCK under a short name (the file and completion calls). */
typedef struct {
    union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information;
} IOSB;

#endif
