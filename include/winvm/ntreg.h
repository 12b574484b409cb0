/* SPDX-License-Identifier: MIT */
/* ntreg.h - ntdll's registry calls (runtime/ntdll_reg.c, ntdll_regval.c, ntdll_regpath.c) over
 * the one registry advapi32's Reg* calls use (registry.h): a value NtSetValueKey writes is the
 * one RegQueryValueEx reads.  Key handles are handles of the process's table (NtClose,
 * NtDuplicateObject, NtQueryObject: type "Key").  Paths as Windows': \Registry\Machine\...,
 * \Registry\User\<the user's SID>\... (HKEY_CURRENT_USER), \Registry\User\... (HKEY_USERS),
 * or relative to RootDirectory, a key's handle; key names compare without case whatever
 * OBJ_CASE_INSENSITIVE says.  Included by ntdll.h. */
#ifndef WINVM_NTREG_H
#define WINVM_NTREG_H

#define STATUS_CANNOT_DELETE ((NTSTATUS)0xC0000121)
#define STATUS_KEY_DELETED ((NTSTATUS)0xC000017C)
#ifndef STATUS_NO_MORE_ENTRIES
#define STATUS_NO_MORE_ENTRIES ((NTSTATUS)0x8000001A)
#endif
#define REG_OPTION_NON_VOLATILE 0L

typedef enum _KEY_INFORMATION_CLASS {
    KeyBasicInformation = 0,
    KeyNodeInformation = 1,
    KeyFullInformation = 2,
    KeyNameInformation = 3,
} KEY_INFORMATION_CLASS;

typedef enum _KEY_VALUE_INFORMATION_CLASS {
    KeyValueBasicInformation = 0,
    KeyValueFullInformation = 1,
    KeyValuePartialInformation = 2,
} KEY_VALUE_INFORMATION_CLASS;

typedef struct _KEY_BASIC_INFORMATION {
    LARGE_INTEGER LastWriteTime;
    ULONG TitleIndex;
    ULONG NameLength;
    WCHAR Name[1];
} KEY_BASIC_INFORMATION, *PKEY_BASIC_INFORMATION;

typedef struct _KEY_NODE_INFORMATION {
    LARGE_INTEGER LastWriteTime;
    ULONG TitleIndex;
    ULONG ClassOffset;
    ULONG ClassLength;
    ULONG NameLength;
    WCHAR Name[1];
} KEY_NODE_INFORMATION, *PKEY_NODE_INFORMATION;

typedef struct _KEY_FULL_INFORMATION {
    LARGE_INTEGER LastWriteTime;
    ULONG TitleIndex;
    ULONG ClassOffset;
    ULONG ClassLength;
    ULONG SubKeys;
    ULONG MaxNameLen;
    ULONG MaxClassLen;
    ULONG Values;
    ULONG MaxValueNameLen;
    ULONG MaxValueDataLen;
    WCHAR Class[1];
} KEY_FULL_INFORMATION, *PKEY_FULL_INFORMATION;

typedef struct _KEY_NAME_INFORMATION {
    ULONG NameLength;
    WCHAR Name[1];
} KEY_NAME_INFORMATION, *PKEY_NAME_INFORMATION;

typedef struct _KEY_VALUE_BASIC_INFORMATION {
    ULONG TitleIndex;
    ULONG Type;
    ULONG NameLength;
    WCHAR Name[1];
} KEY_VALUE_BASIC_INFORMATION, *PKEY_VALUE_BASIC_INFORMATION;

typedef struct _KEY_VALUE_FULL_INFORMATION {
    ULONG TitleIndex;
    ULONG Type;
    ULONG DataOffset;
    ULONG DataLength;
    ULONG NameLength;
    WCHAR Name[1];
} KEY_VALUE_FULL_INFORMATION, *PKEY_VALUE_FULL_INFORMATION;

typedef struct _KEY_VALUE_PARTIAL_INFORMATION {
    ULONG TitleIndex;
    ULONG Type;
    ULONG DataLength;
    UCHAR Data[1];
} KEY_VALUE_PARTIAL_INFORMATION, *PKEY_VALUE_PARTIAL_INFORMATION;

/* Creates the last component of the path (a missing parent: STATUS_OBJECT_NAME_NOT_FOUND) or
 * opens the existing key; *Disposition REG_CREATED_NEW_KEY or REG_OPENED_EXISTING_KEY.  Class
 * and TitleIndex are not kept; REG_OPTION_VOLATILE keys are kept as the others (not dropped at
 * the end of the session). */
NTSYSAPI NTSTATUS NTAPI NtCreateKey(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                                    ULONG TitleIndex, PUNICODE_STRING Class, ULONG CreateOptions,
                                    PULONG Disposition);
/* A missing key: STATUS_OBJECT_NAME_NOT_FOUND; no access asked: STATUS_ACCESS_DENIED. */
NTSYSAPI NTSTATUS NTAPI NtOpenKey(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes);
NTSYSAPI NTSTATUS NTAPI NtOpenKeyEx(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess,
                                    POBJECT_ATTRIBUTES ObjectAttributes, ULONG OpenOptions);
/* Deletes the handle's key (needs DELETE); one with subkeys: STATUS_CANNOT_DELETE.  Later calls
 * on handles to it: STATUS_KEY_DELETED. */
NTSYSAPI NTSTATUS NTAPI NtDeleteKey(HANDLE KeyHandle);
/* Every change is on disk when its call returns: nothing is left to flush. */
NTSYSAPI NTSTATUS NTAPI NtFlushKey(HANDLE KeyHandle);
/* The information classes answer as Windows: a Length below the fixed part is
 * STATUS_BUFFER_TOO_SMALL, one that holds the fixed part but not the name (or data) is
 * STATUS_BUFFER_OVERFLOW with what fits written; *ResultLength the whole size either way. */
NTSYSAPI NTSTATUS NTAPI NtQueryKey(HANDLE KeyHandle, KEY_INFORMATION_CLASS KeyInformationClass,
                                   PVOID KeyInformation, ULONG Length, PULONG ResultLength);
/* The Index-th subkey, in the order they were made; past the last: STATUS_NO_MORE_ENTRIES. */
NTSYSAPI NTSTATUS NTAPI NtEnumerateKey(HANDLE KeyHandle, ULONG Index, KEY_INFORMATION_CLASS KeyInformationClass,
                                       PVOID KeyInformation, ULONG Length, PULONG ResultLength);
NTSYSAPI NTSTATUS NTAPI NtSetValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName, ULONG TitleIndex, ULONG Type,
                                      PVOID Data, ULONG DataSize);
NTSYSAPI NTSTATUS NTAPI NtQueryValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName,
                                        KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass,
                                        PVOID KeyValueInformation, ULONG Length, PULONG ResultLength);
NTSYSAPI NTSTATUS NTAPI NtEnumerateValueKey(HANDLE KeyHandle, ULONG Index,
                                            KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass,
                                            PVOID KeyValueInformation, ULONG Length, PULONG ResultLength);
NTSYSAPI NTSTATUS NTAPI NtDeleteValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName);

/* \Registry\User\<SID> with these rights. */
NTSYSAPI NTSTATUS NTAPI RtlOpenCurrentUser(ACCESS_MASK DesiredAccess, PHANDLE KeyHandle);
/* "\REGISTRY\USER\<SID>" into a new string (free with RtlFreeUnicodeString). */
NTSYSAPI NTSTATUS NTAPI RtlFormatCurrentUserKeyPath(PUNICODE_STRING KeyPath);

/* The Rtl helpers: RelativeTo one of these (| RTL_REGISTRY_OPTIONAL), the path below it
 * (RTL_REGISTRY_HANDLE: the path is a key's handle).  Create makes the last component only. */
#define RTL_REGISTRY_ABSOLUTE 0
#define RTL_REGISTRY_SERVICES 1
#define RTL_REGISTRY_CONTROL 2
#define RTL_REGISTRY_WINDOWS_NT 3
#define RTL_REGISTRY_DEVICEMAP 4
#define RTL_REGISTRY_USER 5
#define RTL_REGISTRY_HANDLE 0x40000000
#define RTL_REGISTRY_OPTIONAL 0x80000000
NTSYSAPI NTSTATUS NTAPI RtlCheckRegistryKey(ULONG RelativeTo, LPWSTR Path);
NTSYSAPI NTSTATUS NTAPI RtlCreateRegistryKey(ULONG RelativeTo, LPWSTR Path);
NTSYSAPI NTSTATUS NTAPI RtlWriteRegistryValue(ULONG RelativeTo, LPCWSTR Path, LPCWSTR ValueName, ULONG ValueType,
                                              PVOID ValueData, ULONG ValueLength);

#endif
