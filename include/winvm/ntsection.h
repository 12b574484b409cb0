/* SPDX-License-Identifier: MIT */
/* winvm/ntsection.h - ntdll's section calls (NtCreateSection, NtMapViewOfSection, ...) and the
 * image and working-set classes of NtQueryVirtualMemory, for C callers; included by
 * winvm/ntdll.h.  Windows' names, types, constant values and statuses.
 *
 * Object names: a section's name is "\BaseNamedObjects\NAME" or
 * "\Sessions\N\BaseNamedObjects\NAME" (what CreateFileMapping's "Global\NAME" and "NAME"
 * become on Windows); both are winvm's one namespace of named sections per user, so a section
 * NtCreateSection names is the one CreateFileMapping and OpenFileMapping see under NAME, in
 * this process and in every other.  winvm has no directory objects: RootDirectory must be
 * NULL, and other paths are STATUS_OBJECT_PATH_NOT_FOUND.
 */
#ifndef WINVM_NTSECTION_H
#define WINVM_NTSECTION_H

#ifdef __cplusplus
extern "C" {
#endif

typedef DWORD ACCESS_MASK;
typedef unsigned char UCHAR;

#define STATUS_OBJECT_NAME_EXISTS ((NTSTATUS)0x40000000)
#define STATUS_OBJECT_TYPE_MISMATCH ((NTSTATUS)0xC0000024)
#define STATUS_OBJECT_NAME_INVALID ((NTSTATUS)0xC0000033)
#define STATUS_OBJECT_NAME_NOT_FOUND ((NTSTATUS)0xC0000034)
#define STATUS_OBJECT_NAME_COLLISION ((NTSTATUS)0xC0000035)
#define STATUS_OBJECT_PATH_NOT_FOUND ((NTSTATUS)0xC000003A)
#define STATUS_OBJECT_PATH_SYNTAX_BAD ((NTSTATUS)0xC000003B)
#define STATUS_SECTION_TOO_BIG ((NTSTATUS)0xC0000040)
#ifndef STATUS_INVALID_FILE_FOR_SECTION /* winvm's PE header has it too */
#define STATUS_INVALID_FILE_FOR_SECTION ((NTSTATUS)0xC0000020)
#endif
#define STATUS_SECTION_NOT_IMAGE ((NTSTATUS)0xC0000049)
#ifndef STATUS_INVALID_IMAGE_FORMAT /* winvm's PE header has it too */
#define STATUS_INVALID_IMAGE_FORMAT ((NTSTATUS)0xC000007B)
#endif
#define STATUS_DISK_FULL ((NTSTATUS)0xC000007F)
#define STATUS_SECTION_NOT_EXTENDED ((NTSTATUS)0xC0000087)
#define STATUS_NOT_SAME_DEVICE ((NTSTATUS)0xC00000D4)
#define STATUS_NAME_TOO_LONG ((NTSTATUS)0xC0000106)
#define STATUS_MAPPED_FILE_SIZE_ZERO ((NTSTATUS)0xC000011E)
#define STATUS_TOO_MANY_OPENED_FILES ((NTSTATUS)0xC000011F)
#ifndef STATUS_INVALID_IMAGE_NOT_MZ /* winvm's PE header has it too */
#define STATUS_INVALID_IMAGE_NOT_MZ ((NTSTATUS)0xC000012F)
#endif

#define ERROR_NOT_SAME_DEVICE 17L
#define ERROR_BAD_PATHNAME 161L

#ifndef SEC_WRITECOMBINE
#define SEC_WRITECOMBINE 0x40000000
#endif
#ifndef SEC_LARGE_PAGES
#define SEC_LARGE_PAGES 0x80000000
#endif
#define AT_ROUND_TO_PAGE 0x40000000
#define MEM_DOS_LIM 0x40000000
#define MEM_UNMAP_WITH_TRANSIENT_BOOST 0x00000001

#define OBJ_INHERIT 0x00000002
#define OBJ_PERMANENT 0x00000010
#define OBJ_EXCLUSIVE 0x00000020
#define OBJ_CASE_INSENSITIVE 0x00000040
#define OBJ_OPENIF 0x00000080
#define OBJ_OPENLINK 0x00000100
#define OBJ_KERNEL_HANDLE 0x00000200
#define OBJ_FORCE_ACCESS_CHECK 0x00000400
#define OBJ_VALID_ATTRIBUTES 0x000007F2

typedef struct _OBJECT_ATTRIBUTES {
    ULONG Length; /* sizeof(OBJECT_ATTRIBUTES) */
    HANDLE RootDirectory;
    PUNICODE_STRING ObjectName;
    ULONG Attributes; /* OBJ_* */
    PVOID SecurityDescriptor;
    PVOID SecurityQualityOfService;
} OBJECT_ATTRIBUTES, *POBJECT_ATTRIBUTES;

#define InitializeObjectAttributes(p, n, a, r, s)                                                  \
    do {                                                                                           \
        (p)->Length = sizeof(OBJECT_ATTRIBUTES);                                                   \
        (p)->RootDirectory = (r);                                                                  \
        (p)->Attributes = (a);                                                                     \
        (p)->ObjectName = (n);                                                                     \
        (p)->SecurityDescriptor = (s);                                                             \
        (p)->SecurityQualityOfService = NULL;                                                      \
    } while (0)

typedef enum _SECTION_INHERIT { ViewShare = 1, ViewUnmap = 2 } SECTION_INHERIT;

typedef enum _SECTION_INFORMATION_CLASS {
    SectionBasicInformation = 0,
    SectionImageInformation = 1,
} SECTION_INFORMATION_CLASS;

typedef struct _SECTION_BASIC_INFORMATION {
    PVOID BaseAddress; /* NULL: a section is mapped where each view goes */
    ULONG Attributes;  /* SEC_COMMIT or SEC_RESERVE (pagefile), SEC_FILE (| SEC_IMAGE), cache flags */
    LARGE_INTEGER Size;
} SECTION_BASIC_INFORMATION, *PSECTION_BASIC_INFORMATION;

typedef struct _SECTION_IMAGE_INFORMATION {
    PVOID TransferAddress; /* the entry point at the preferred base */
    ULONG ZeroBits;
    SIZE_T MaximumStackSize;
    SIZE_T CommittedStackSize;
    ULONG SubSystemType;
    union {
        struct {
            USHORT SubSystemMinorVersion;
            USHORT SubSystemMajorVersion;
        };
        ULONG SubSystemVersion;
    };
    union {
        struct {
            USHORT MajorOperatingSystemVersion;
            USHORT MinorOperatingSystemVersion;
        };
        ULONG OperatingSystemVersion;
    };
    USHORT ImageCharacteristics;
    USHORT DllCharacteristics;
    USHORT Machine;
    BOOLEAN ImageContainsCode;
    union {
        UCHAR ImageFlags;
        struct {
            UCHAR ComPlusNativeReady : 1;
            UCHAR ComPlusILOnly : 1;
            UCHAR ImageDynamicallyRelocated : 1;
            UCHAR ImageMappedFlat : 1;
            UCHAR BaseBelow4gb : 1;
            UCHAR ComPlusPrefer32bit : 1;
            UCHAR Reserved : 2;
        };
    };
    ULONG LoaderFlags;
    ULONG ImageFileSize;
    ULONG CheckSum;
} SECTION_IMAGE_INFORMATION, *PSECTION_IMAGE_INFORMATION;

/* NtQueryVirtualMemory's MemoryImageInformation: the image view holding the address. */
typedef struct _MEMORY_IMAGE_INFORMATION {
    PVOID ImageBase;
    SIZE_T SizeOfImage;
    union {
        ULONG ImageFlags;
        struct {
            ULONG ImagePartialMap : 1;
            ULONG ImageNotExecutable : 1;
            ULONG ImageSigningLevel : 4;
            ULONG Reserved : 26;
        };
    };
} MEMORY_IMAGE_INFORMATION, *PMEMORY_IMAGE_INFORMATION;

/* NtQueryVirtualMemory's MemoryWorkingSetInformation (psapi's QueryWorkingSet): one block per
 * resident page.  Protection is the memory manager's 5-bit code (1 read-only, 2 execute,
 * 3 execute-read, 4 read-write, 5 write-copy, 6 execute-read-write, 7 execute-write-copy;
 * +8 no-cache, +16 guard, +24 write-combine). */
typedef union _MEMORY_WORKING_SET_BLOCK {
    ULONG_PTR Flags;
    struct {
        ULONG_PTR Protection : 5;
        ULONG_PTR ShareCount : 3;
        ULONG_PTR Shared : 1;
        ULONG_PTR Node : 3;
        ULONG_PTR VirtualPage : 52;
    };
} MEMORY_WORKING_SET_BLOCK, *PMEMORY_WORKING_SET_BLOCK;

typedef struct _MEMORY_WORKING_SET_INFORMATION {
    ULONG_PTR NumberOfEntries;
    MEMORY_WORKING_SET_BLOCK WorkingSetInfo[1];
} MEMORY_WORKING_SET_INFORMATION, *PMEMORY_WORKING_SET_INFORMATION;

/* SEC_COMMIT or SEC_RESERVE without a file (MaximumSize required), or over FileHandle (NULL:
 * none); SEC_IMAGE over a PE file.  DesiredAccess is the handle's (SECTION_* or GENERIC_*).
 * An existing name is STATUS_OBJECT_NAME_COLLISION, or with OBJ_OPENIF the section already
 * there and STATUS_OBJECT_NAME_EXISTS (a success). */
NTSYSAPI NTSTATUS NTAPI NtCreateSection(PHANDLE SectionHandle, ACCESS_MASK DesiredAccess,
                                        POBJECT_ATTRIBUTES ObjectAttributes, PLARGE_INTEGER MaximumSize,
                                        ULONG SectionPageProtection, ULONG AllocationAttributes,
                                        HANDLE FileHandle);
NTSYSAPI NTSTATUS NTAPI NtOpenSection(PHANDLE SectionHandle, ACCESS_MASK DesiredAccess,
                                      POBJECT_ATTRIBUTES ObjectAttributes);
/* x64: AT_ROUND_TO_PAGE is STATUS_INVALID_PARAMETER_9 and both the base and the offset are
 * 64 KiB-aligned (STATUS_MAPPED_ALIGNMENT).  CommitSize commits the first bytes of a view of a
 * SEC_RESERVE section.  A view of a SEC_IMAGE section is the whole image: STATUS_SUCCESS at its
 * base, STATUS_IMAGE_NOT_AT_BASE elsewhere. */
NTSYSAPI NTSTATUS NTAPI NtMapViewOfSection(HANDLE SectionHandle, HANDLE ProcessHandle, PVOID *BaseAddress,
                                           ULONG_PTR ZeroBits, SIZE_T CommitSize, PLARGE_INTEGER SectionOffset,
                                           PSIZE_T ViewSize, SECTION_INHERIT InheritDisposition,
                                           ULONG AllocationType, ULONG Win32Protect);
NTSYSAPI NTSTATUS NTAPI NtUnmapViewOfSection(HANDLE ProcessHandle, PVOID BaseAddress);
/* Flags: 0 or MEM_UNMAP_WITH_TRANSIENT_BOOST (a scheduling hint on Windows). */
NTSYSAPI NTSTATUS NTAPI NtUnmapViewOfSectionEx(HANDLE ProcessHandle, PVOID BaseAddress, ULONG Flags);
/* A file-backed section grows to *NewSectionSize (the file with it); *NewSectionSize receives
 * the size after.  A pagefile-backed or image section is STATUS_SECTION_NOT_EXTENDED. */
NTSYSAPI NTSTATUS NTAPI NtExtendSection(HANDLE SectionHandle, PLARGE_INTEGER NewSectionSize);
NTSYSAPI NTSTATUS NTAPI NtQuerySection(HANDLE SectionHandle, SECTION_INFORMATION_CLASS InformationClass,
                                       PVOID InformationBuffer, SIZE_T InformationBufferSize,
                                       PSIZE_T ResultLength);
/* STATUS_SUCCESS when both addresses lie in views of the same image file, or in the same view
 * of a data file; STATUS_NOT_SAME_DEVICE otherwise. */
NTSYSAPI NTSTATUS NTAPI NtAreMappedFilesTheSame(PVOID File1MappedAsAnImage, PVOID File2MappedAsFile);

#ifdef __cplusplus
}
#endif
#endif /* WINVM_NTSECTION_H */
