/* SPDX-License-Identifier: MIT */
/* ntsect.c - ntsect.exe: ntdll's section calls from PE code (imports of ntdll.dll), and two
 * real processes sharing a named section: the parent creates it with NtCreateSection under
 * \Sessions\1\BaseNamedObjects, a child (ntsect.exe child NAME, made by CreateProcess) opens it
 * with NtOpenSection under \BaseNamedObjects, reads the parent's bytes and writes its own.
 * mingw-w64, default CRT.  Output, one line each ("ok NAME" or "FAIL NAME ..."); exit code =
 * number of failures:
 *   create     NtCreateSection(64 KiB, PAGE_READWRITE, SEC_COMMIT, named) = 0
 *   collide    the same name again without OBJ_OPENIF: STATUS_OBJECT_NAME_COLLISION
 *   openif     with OBJ_OPENIF: STATUS_OBJECT_NAME_EXISTS and a handle
 *   query      NtQuerySection(SectionBasicInformation): SEC_COMMIT, 0x10000, length 24
 *   probe      NtQuerySection(SectionImageInformation) of that data section with a length 64 GiB
 *              past the structure: STATUS_ACCESS_VIOLATION (the whole length is probed first),
 *              with the structure's length: STATUS_SECTION_NOT_IMAGE
 *   map        NtMapViewOfSection(ViewUnmap): 0, base 64 KiB aligned, view size 0x10000 written back
 *   align      a section offset of 1: STATUS_MAPPED_ALIGNMENT
 *   roundpage  AT_ROUND_TO_PAGE (32-bit only): STATUS_INVALID_PARAMETER_9
 *   child      the child opened, mapped and read "parent", wrote "child" at +4096: exit code 0
 *   shared     the parent sees "child" at +4096
 *   unmap      NtUnmapViewOfSection = 0, then STATUS_NOT_MAPPED_VIEW
 *   image      NtCreateSection(SEC_IMAGE) over ntsect.exe, NtQuerySection(SectionImageInformation):
 *              Machine 0x8664, NtMapViewOfSection: 0 or STATUS_IMAGE_NOT_AT_BASE
 *   imageinfo  NtQueryVirtualMemory(MemoryImageInformation) on that view: its base
 *   samefile   NtAreMappedFilesTheSame(view, the running ntsect.exe) = 0
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

typedef LONG NTSTATUS;
typedef struct {
    USHORT Length, MaximumLength;
    PWSTR Buffer;
} USTR;
typedef struct {
    ULONG Length;
    HANDLE RootDirectory;
    USTR *ObjectName;
    ULONG Attributes;
    PVOID SecurityDescriptor, SecurityQualityOfService;
} OATTR;
typedef struct {
    PVOID BaseAddress;
    ULONG Attributes;
    LARGE_INTEGER Size;
} SBI;
typedef struct {
    PVOID TransferAddress;
    ULONG ZeroBits;
    SIZE_T MaximumStackSize, CommittedStackSize;
    ULONG SubSystemType, SubSystemVersion, OperatingSystemVersion;
    USHORT ImageCharacteristics, DllCharacteristics, Machine;
    BOOLEAN ImageContainsCode;
    UCHAR ImageFlags;
    ULONG LoaderFlags, ImageFileSize, CheckSum;
} SII;
typedef struct {
    PVOID ImageBase;
    SIZE_T SizeOfImage;
    ULONG ImageFlags;
} MII;

__declspec(dllimport) NTSTATUS NTAPI NtCreateSection(HANDLE *, ULONG, OATTR *, LARGE_INTEGER *, ULONG, ULONG, HANDLE);
__declspec(dllimport) NTSTATUS NTAPI NtOpenSection(HANDLE *, ULONG, OATTR *);
__declspec(dllimport) NTSTATUS NTAPI NtMapViewOfSection(HANDLE, HANDLE, PVOID *, ULONG_PTR, SIZE_T, LARGE_INTEGER *,
                                                        SIZE_T *, int, ULONG, ULONG);
__declspec(dllimport) NTSTATUS NTAPI NtUnmapViewOfSection(HANDLE, PVOID);
__declspec(dllimport) NTSTATUS NTAPI NtQuerySection(HANDLE, int, PVOID, SIZE_T, SIZE_T *);
__declspec(dllimport) NTSTATUS NTAPI NtQueryVirtualMemory(HANDLE, PVOID, int, PVOID, SIZE_T, SIZE_T *);
__declspec(dllimport) NTSTATUS NTAPI NtAreMappedFilesTheSame(PVOID, PVOID);

#define SELF ((HANDLE)-1)
#define OBJ_OPENIF 0x80

static int failures;

static void check(const char *name, int ok, unsigned long long detail)
{
    if (ok)
        printf("ok %s\n", name);
    else {
        printf("FAIL %s %#llx\n", name, detail);
        failures++;
    }
}

static WCHAR wname[200];
static USTR ustr;
static OATTR oa;

static OATTR *attrs(const char *prefix, const char *name, ULONG flags)
{
    char path[200];
    snprintf(path, sizeof(path), "%s%s", prefix, name);
    int n = MultiByteToWideChar(CP_UTF8, 0, path, -1, wname, 200) - 1;
    ustr = (USTR){(USHORT)(n * 2), (USHORT)(n * 2 + 2), wname};
    oa = (OATTR){sizeof(OATTR), NULL, &ustr, flags, NULL, NULL};
    return &oa;
}

static PVOID map(HANDLE h, SIZE_T *size, NTSTATUS *st)
{
    PVOID p = NULL;
    *size = 0;
    *st = NtMapViewOfSection(h, SELF, &p, 0, 0, NULL, size, 2 /* ViewUnmap */, 0, PAGE_READWRITE);
    return p;
}

static int child(const char *name)
{
    HANDLE h = NULL;
    SIZE_T size;
    NTSTATUS st = NtOpenSection(&h, 0x6 /* SECTION_MAP_READ | SECTION_MAP_WRITE */,
                                attrs("\\BaseNamedObjects\\", name, 0));
    if (st)
        return 1;
    char *p = map(h, &size, &st);
    if (st || size != 0x10000)
        return 2;
    if (strcmp(p, "parent") != 0)
        return 3;
    strcpy(p + 4096, "child");
    return 0;
}

static void images(void)
{
    char exe[MAX_PATH];
    GetModuleFileNameA(NULL, exe, sizeof(exe));
    HANDLE f = CreateFileA(exe, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL), h = NULL;
    NTSTATUS st = NtCreateSection(&h, 0xF001F, NULL, NULL, PAGE_READONLY, SEC_IMAGE, f);
    SII ii = {0};
    if (!st)
        st = NtQuerySection(h, 1, &ii, sizeof(ii), NULL);
    PVOID v = NULL;
    SIZE_T size = 0;
    if (!st)
        st = NtMapViewOfSection(h, SELF, &v, 0, 0, NULL, &size, 1, 0, PAGE_READONLY);
    check("image", (st == 0 || st == 0x40000003) && ii.Machine == 0x8664 && v, st);
    MII mi = {0};
    NTSTATUS q = NtQueryVirtualMemory(SELF, (char *)v + 0x1000, 6 /* MemoryImageInformation */, &mi, sizeof(mi), NULL);
    check("imageinfo", q == 0 && mi.ImageBase == v && mi.SizeOfImage == size, q);
    NTSTATUS same = NtAreMappedFilesTheSame(v, GetModuleHandleA(NULL));
    check("samefile", same == 0, same);
    NtUnmapViewOfSection(SELF, v);
    CloseHandle(h);
    CloseHandle(f);
}

static void spawn(const char *name, char *p)
{
    char exe[MAX_PATH], cmd[MAX_PATH + 300];
    GetModuleFileNameA(NULL, exe, sizeof(exe));
    snprintf(cmd, sizeof(cmd), "\"%s\" child %s", exe, name);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    DWORD code = 0xdead;
    if (CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        WaitForSingleObject(pi.hProcess, INFINITE);
        GetExitCodeProcess(pi.hProcess, &code);
        CloseHandle(pi.hProcess), CloseHandle(pi.hThread);
    }
    check("child", code == 0, code);
    check("shared", strcmp(p + 4096, "child") == 0, (unsigned char)p[4096]);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "child"))
        return child(argv[2]);
    char name[64];
    snprintf(name, sizeof(name), "winvm-ntsect-%lu", (unsigned long)GetCurrentProcessId());
    LARGE_INTEGER max = {.QuadPart = 0x10000};
    HANDLE h = NULL, h2 = NULL;
    NTSTATUS st = NtCreateSection(&h, 0xF001F, attrs("\\Sessions\\1\\BaseNamedObjects\\", name, 0), &max,
                                  PAGE_READWRITE, SEC_COMMIT, NULL);
    check("create", st == 0 && h, st);
    st = NtCreateSection(&h2, 0xF001F, attrs("\\BaseNamedObjects\\", name, 0), &max, PAGE_READWRITE, SEC_COMMIT, NULL);
    check("collide", st == (NTSTATUS)0xC0000035, st);
    st = NtCreateSection(&h2, 0xF001F, attrs("\\BaseNamedObjects\\", name, OBJ_OPENIF), &max, PAGE_READWRITE,
                         SEC_COMMIT, NULL);
    check("openif", st == 0x40000000 && h2, st);
    CloseHandle(h2);
    SBI sbi = {0};
    SIZE_T len = 0;
    st = NtQuerySection(h, 0, &sbi, sizeof(sbi), &len);
    check("query", st == 0 && sbi.Attributes == SEC_COMMIT && sbi.Size.QuadPart == 0x10000 && len == 24, st);
    char image_info[64]; /* SECTION_IMAGE_INFORMATION: 64 bytes on x86-64 */
    st = NtQuerySection(h, 1, image_info, sizeof(image_info) + ((SIZE_T)0x10000000 << 8), NULL);
    NTSTATUS st2 = NtQuerySection(h, 1, image_info, sizeof(image_info), NULL);
    check("probe", st == (NTSTATUS)0xC0000005 && st2 == (NTSTATUS)0xC0000049, st);
    SIZE_T size;
    char *p = map(h, &size, &st);
    check("map", st == 0 && p && !((ULONG_PTR)p & 0xffff) && size == 0x10000, st);
    PVOID q = NULL;
    LARGE_INTEGER off = {.QuadPart = 1};
    size = 0;
    st = NtMapViewOfSection(h, SELF, &q, 0, 0, &off, &size, 1, 0, PAGE_READWRITE);
    check("align", st == (NTSTATUS)0xC0000220, st);
    q = NULL;
    st = NtMapViewOfSection(h, SELF, &q, 0, 0, NULL, &size, 1, 0x40000000 /* AT_ROUND_TO_PAGE */, PAGE_READWRITE);
    check("roundpage", st == (NTSTATUS)0xC00000F7, st);
    if (p) {
        strcpy(p, "parent");
        spawn(name, p);
    }
    st = NtUnmapViewOfSection(SELF, p);
    NTSTATUS again = NtUnmapViewOfSection(SELF, p);
    check("unmap", st == 0 && again == (NTSTATUS)0xC0000019, again);
    CloseHandle(h);
    images();
    return failures;
}
