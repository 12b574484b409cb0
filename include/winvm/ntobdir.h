/* SPDX-License-Identifier: MIT */
/* ntobdir.h - the object namespace (runtime/ntdll_objdir.c over ob/objdir.c): directory and
 * symbolic-link objects, debug objects, Windows' standard tree (\BaseNamedObjects,
 * \Sessions\1\BaseNamedObjects, \KernelObjects, \GLOBAL??, \DosDevices -> \??, ...).
 * Directories, links and debug objects are the calling process's (other processes do not see
 * them); sections, events, mutexes, semaphores and timers named in a BaseNamedObjects are the
 * user's, shared between processes (both BaseNamedObjects directories show the one store).
 * Included by ntdll.h. */
#ifndef WINVM_NTOBDIR_H
#define WINVM_NTOBDIR_H

#define STATUS_MORE_ENTRIES ((NTSTATUS)0x00000105)
#define STATUS_NO_MORE_ENTRIES ((NTSTATUS)0x8000001A)
#define DIRECTORY_QUERY 0x0001
#define DIRECTORY_TRAVERSE 0x0002
#define DIRECTORY_CREATE_OBJECT 0x0004
#define DIRECTORY_CREATE_SUBDIRECTORY 0x0008
#define DIRECTORY_ALL_ACCESS 0x000F000F
#define SYMBOLIC_LINK_QUERY 0x0001
#define SYMBOLIC_LINK_ALL_ACCESS 0x000F0001
#define DEBUG_READ_EVENT 0x0001
#define DEBUG_PROCESS_ASSIGN 0x0002
#define DEBUG_SET_INFORMATION 0x0004
#define DEBUG_QUERY_INFORMATION 0x0008
#define DEBUG_ALL_ACCESS 0x001F000F
#define DEBUG_KILL_ON_CLOSE 0x1

/* One entry of NtQueryDirectoryObject's array (a zeroed entry ends it; the strings follow). */
typedef struct _DIRECTORY_BASIC_INFORMATION {
    UNICODE_STRING ObjectName;
    UNICODE_STRING ObjectTypeName;
} DIRECTORY_BASIC_INFORMATION, *PDIRECTORY_BASIC_INFORMATION;
/* ObjectNameInformation's answer: the name follows the structure (empty for an unnamed object). */
typedef struct _OBJECT_NAME_INFORMATION {
    UNICODE_STRING Name;
} OBJECT_NAME_INFORMATION, *POBJECT_NAME_INFORMATION;

/* A Create without a name makes an unnamed object; an existing name is
 * STATUS_OBJECT_NAME_COLLISION (OBJ_OPENIF: the object, STATUS_OBJECT_NAME_EXISTS; one of
 * another type: STATUS_OBJECT_TYPE_MISMATCH).  Paths: absolute ("\A\B") or relative to
 * RootDirectory (a directory's handle), links followed (an Open of a link does not follow the
 * last one); OBJ_CASE_INSENSITIVE compares ignoring case. */
NTSYSAPI NTSTATUS NTAPI NtCreateDirectoryObject(PHANDLE DirectoryHandle, ACCESS_MASK DesiredAccess,
                                                POBJECT_ATTRIBUTES ObjectAttributes);
NTSYSAPI NTSTATUS NTAPI NtOpenDirectoryObject(PHANDLE DirectoryHandle, ACCESS_MASK DesiredAccess,
                                              POBJECT_ATTRIBUTES ObjectAttributes);
/* The entries from *Context (RestartScan: from the first), one (ReturnSingleEntry) or as many
 * as fit; *Context the next one's index.  STATUS_NO_MORE_ENTRIES at the end,
 * STATUS_BUFFER_TOO_SMALL when not one entry fits (*ReturnLength the size it needs),
 * STATUS_MORE_ENTRIES when some did not fit. */
NTSYSAPI NTSTATUS NTAPI NtQueryDirectoryObject(HANDLE DirectoryHandle, PVOID Buffer, ULONG Length,
                                               BOOLEAN ReturnSingleEntry, BOOLEAN RestartScan, PULONG Context,
                                               PULONG ReturnLength);
NTSYSAPI NTSTATUS NTAPI NtCreateSymbolicLinkObject(PHANDLE LinkHandle, ACCESS_MASK DesiredAccess,
                                                   POBJECT_ATTRIBUTES ObjectAttributes, PUNICODE_STRING LinkTarget);
NTSYSAPI NTSTATUS NTAPI NtOpenSymbolicLinkObject(PHANDLE LinkHandle, ACCESS_MASK DesiredAccess,
                                                 POBJECT_ATTRIBUTES ObjectAttributes);
/* The target into *LinkTarget (NUL-terminated when MaximumLength has room for it), *ReturnedLength
 * its size with the NUL; STATUS_BUFFER_TOO_SMALL when it does not fit. */
NTSYSAPI NTSTATUS NTAPI NtQuerySymbolicLinkObject(HANDLE LinkHandle, PUNICODE_STRING LinkTarget,
                                                  PULONG ReturnedLength);
/* A debug object (Flags: DEBUG_KILL_ON_CLOSE), named in the tree like the others. */
NTSYSAPI NTSTATUS NTAPI NtCreateDebugObject(PHANDLE DebugHandle, ACCESS_MASK DesiredAccess,
                                            POBJECT_ATTRIBUTES ObjectAttributes, ULONG Flags);

#endif
