/* SPDX-License-Identifier: MIT */
/* winvm/token.h - access tokens: ntdll's NtOpenProcessToken(Ex), NtOpenThreadToken(Ex),
 * NtQueryInformationToken, NtAdjustPrivilegesToken, NtDuplicateToken, the layer under
 * advapi32's OpenProcessToken, OpenThreadToken, GetTokenInformation, AdjustTokenPrivileges,
 * DuplicateToken(Ex) and LookupPrivilegeValue/Name.  Windows' names, types and constant values.
 * Who a token says the process is: docs/semantics.md, "Tokens".
 */
#ifndef WINVM_TOKEN_H
#define WINVM_TOKEN_H

#include <winvm/ntdll.h>
#include <winvm/ntsection.h> /* OBJECT_ATTRIBUTES */

#ifdef __cplusplus
extern "C" {
#endif

#define TOKEN_ASSIGN_PRIMARY 0x0001
#define TOKEN_DUPLICATE 0x0002
#define TOKEN_IMPERSONATE 0x0004
#ifndef TOKEN_QUERY
#define TOKEN_QUERY 0x0008
#endif
#define TOKEN_QUERY_SOURCE 0x0010
#define TOKEN_ADJUST_PRIVILEGES 0x0020
#define TOKEN_ADJUST_GROUPS 0x0040
#define TOKEN_ADJUST_DEFAULT 0x0080
#define TOKEN_ADJUST_SESSIONID 0x0100
#define TOKEN_ALL_ACCESS 0x000F01FF

#define SE_PRIVILEGE_ENABLED_BY_DEFAULT 0x00000001
#define SE_PRIVILEGE_ENABLED 0x00000002
#define SE_PRIVILEGE_REMOVED 0x00000004
#define SE_PRIVILEGE_USED_FOR_ACCESS 0x80000000

/* GetCurrentProcessToken(), GetCurrentThreadToken(), GetCurrentThreadEffectiveToken() */
#define WV_CURRENT_PROCESS_TOKEN ((HANDLE)(intptr_t)-4)
#define WV_CURRENT_THREAD_TOKEN ((HANDLE)(intptr_t)-5)
#define WV_CURRENT_THREAD_EFFECTIVE_TOKEN ((HANDLE)(intptr_t)-6)

#define STATUS_NOT_ALL_ASSIGNED ((NTSTATUS)0x00000106)
#define STATUS_NO_TOKEN ((NTSTATUS)0xC000007C)
#define STATUS_BAD_IMPERSONATION_LEVEL ((NTSTATUS)0xC00000A5)
#define STATUS_BAD_TOKEN_TYPE ((NTSTATUS)0xC00000A8)
#define STATUS_NO_SUCH_PRIVILEGE ((NTSTATUS)0xC0000060)
#ifndef ERROR_NO_TOKEN
#define ERROR_NO_TOKEN 1008L
#endif
#define ERROR_NOT_ALL_ASSIGNED 1300L
#define ERROR_NO_SUCH_PRIVILEGE 1313L
#define ERROR_BAD_IMPERSONATION_LEVEL 1346L
#define ERROR_BAD_TOKEN_TYPE 1349L

typedef struct _LUID {
    DWORD LowPart;
    LONG HighPart;
} LUID, *PLUID;

typedef struct _LUID_AND_ATTRIBUTES {
    LUID Luid;
    DWORD Attributes;
} __attribute__((packed, aligned(4))) LUID_AND_ATTRIBUTES;

typedef struct _TOKEN_PRIVILEGES {
    DWORD PrivilegeCount;
    LUID_AND_ATTRIBUTES Privileges[1];
} TOKEN_PRIVILEGES, *PTOKEN_PRIVILEGES;

typedef enum _TOKEN_TYPE { TokenPrimary = 1, TokenImpersonation } TOKEN_TYPE;

typedef enum _SECURITY_IMPERSONATION_LEVEL {
    SecurityAnonymous,
    SecurityIdentification,
    SecurityImpersonation,
    SecurityDelegation
} SECURITY_IMPERSONATION_LEVEL;

typedef struct _SECURITY_QUALITY_OF_SERVICE {
    DWORD Length;
    SECURITY_IMPERSONATION_LEVEL ImpersonationLevel;
    BOOLEAN ContextTrackingMode;
    BOOLEAN EffectiveOnly;
} SECURITY_QUALITY_OF_SERVICE;

/* The classes winvm serves (the rest of Windows' TOKEN_INFORMATION_CLASS answers
 * STATUS_INVALID_INFO_CLASS: docs/semantics.md, "Tokens"). */
typedef enum _TOKEN_INFORMATION_CLASS {
    TokenUser = 1,
    TokenPrivileges = 3,
    TokenOwner = 4,
    TokenPrimaryGroup = 5,
    TokenType = 8,
    TokenImpersonationLevel = 9,
    TokenStatistics = 10,
    TokenSessionId = 12,
    TokenElevationType = 18,
    TokenElevation = 20
} TOKEN_INFORMATION_CLASS;

typedef struct _TOKEN_STATISTICS {
    LUID TokenId;
    LUID AuthenticationId;
    LARGE_INTEGER ExpirationTime;
    TOKEN_TYPE TokenType;
    SECURITY_IMPERSONATION_LEVEL ImpersonationLevel;
    DWORD DynamicCharged;
    DWORD DynamicAvailable;
    DWORD GroupCount;
    DWORD PrivilegeCount;
    LUID ModifiedId;
} TOKEN_STATISTICS;

NTSYSAPI NTSTATUS NTAPI NtOpenProcessToken(HANDLE ProcessHandle, ACCESS_MASK DesiredAccess, PHANDLE TokenHandle);
NTSYSAPI NTSTATUS NTAPI NtOpenProcessTokenEx(HANDLE ProcessHandle, ACCESS_MASK DesiredAccess, ULONG HandleAttributes,
                                             PHANDLE TokenHandle);
NTSYSAPI NTSTATUS NTAPI NtOpenThreadToken(HANDLE ThreadHandle, ACCESS_MASK DesiredAccess, BOOLEAN OpenAsSelf,
                                          PHANDLE TokenHandle);
NTSYSAPI NTSTATUS NTAPI NtOpenThreadTokenEx(HANDLE ThreadHandle, ACCESS_MASK DesiredAccess, BOOLEAN OpenAsSelf,
                                            ULONG HandleAttributes, PHANDLE TokenHandle);
NTSYSAPI NTSTATUS NTAPI NtQueryInformationToken(HANDLE TokenHandle, TOKEN_INFORMATION_CLASS TokenInformationClass,
                                                PVOID TokenInformation, ULONG TokenInformationLength,
                                                PULONG ReturnLength);
NTSYSAPI NTSTATUS NTAPI NtAdjustPrivilegesToken(HANDLE TokenHandle, BOOLEAN DisableAllPrivileges,
                                                PTOKEN_PRIVILEGES NewState, ULONG BufferLength,
                                                PTOKEN_PRIVILEGES PreviousState, PULONG ReturnLength);
NTSYSAPI NTSTATUS NTAPI NtDuplicateToken(HANDLE ExistingTokenHandle, ACCESS_MASK DesiredAccess,
                                         POBJECT_ATTRIBUTES ObjectAttributes, BOOLEAN EffectiveOnly,
                                         TOKEN_TYPE TokenType, PHANDLE NewTokenHandle);

#ifdef __cplusplus
}
#endif

#endif
