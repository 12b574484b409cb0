/* SPDX-License-Identifier: MIT */
/* procshare.c - what a PE parent and the child it creates share (tests/test_proc_share.c runs
 * it under `winvm run`): a section the parent maps into the child (MapViewOfFile2,
 * NtMapViewOfSection, UnmapViewOfFile2 on the child's handle), unnamed events, a semaphore
 * and a mutex inherited (bInheritHandles), a semaphore duplicated into the child, an event and
 * the parent's process handle the child takes out of the parent (DuplicateHandle with the
 * parent as the source).  Each process prints "ok NAME" or "FAIL NAME ..." per check; the
 * parent exits 0 when all of its passed and the child's exit code was 0.
 *
 * Also "peek PID ADDR LEN EVENT": a child of a Linux program (test_proc_share.c) that opens its
 * parent, reads LEN bytes at ADDR, prints them, and sets the parent's unnamed EVENT taken out
 * of the parent's handle table. */
#include <windows.h>
#include <winternl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

NTSTATUS NTAPI NtMapViewOfSection(HANDLE, HANDLE, PVOID *, ULONG_PTR, SIZE_T, PLARGE_INTEGER, PSIZE_T, DWORD,
                                  ULONG, ULONG);

/* Newer than mingw's import libraries: looked up. */
typedef PVOID(WINAPI *map2_fn)(HANDLE, HANDLE, ULONG64, PVOID, SIZE_T, ULONG, ULONG);
typedef PVOID(WINAPI *numa2_fn)(HANDLE, HANDLE, ULONG64, PVOID, SIZE_T, ULONG, ULONG, ULONG);
typedef BOOL(WINAPI *unmap2_fn)(HANDLE, PVOID, ULONG);
typedef PVOID(WINAPI *map3_fn)(HANDLE, HANDLE, PVOID, ULONG64, SIZE_T, ULONG, ULONG, MEM_EXTENDED_PARAMETER *, ULONG);
static map3_fn MapViewOfFile3_;
static map2_fn MapViewOfFile2_;
static numa2_fn MapViewOfFileNuma2_;
static unmap2_fn UnmapViewOfFile2_;
#define MapViewOfFile2 MapViewOfFile2_
#define UnmapViewOfFile2 UnmapViewOfFile2_

static int failures;

static void check(int cond, const char *name, unsigned long long detail)
{
    if (cond)
        printf("ok %s\n", name);
    else
        printf("FAIL %s (%llu, error %lu)\n", name, detail, (unsigned long)GetLastError()), failures++;
    fflush(stdout);
}

/* The mailbox at the start of the shared section. */
struct mailbox {
    volatile unsigned long long base;   /* the view the parent made in the child */
    volatile unsigned long long dupsem; /* the semaphore duplicated into the child */
    char parent_text[32];
    char child_text[32];
};

#define H(s) ((HANDLE)(ULONG_PTR)_strtoui64((s), NULL, 0))
#define V(h) ((unsigned long long)(ULONG_PTR)(h))

/* ---- the child ---- */

static void child_view(struct mailbox *mb)
{
    char *view = (char *)(ULONG_PTR)mb->base;
    MEMORY_BASIC_INFORMATION m = {0};
    SIZE_T n = VirtualQuery(view, &m, sizeof(m));
    check(n && m.State == MEM_COMMIT && m.Type == MEM_MAPPED && m.Protect == PAGE_READWRITE &&
              m.AllocationBase == view && m.RegionSize == 65536,
          "child_query_agrees", m.State);
    check(!strcmp(view + offsetof(struct mailbox, parent_text), "parent-wrote"), "child_sees_parent_bytes", 0);
    strcpy(view + offsetof(struct mailbox, child_text), "child-wrote");
}

static int child(int argc, char **argv)
{
    if (argc < 9)
        return 20;
    HANDLE sec = H(argv[2]), ready = H(argv[3]), go = H(argv[4]), sem = H(argv[5]), mx = H(argv[6]);
    DWORD parent = strtoul(argv[7], NULL, 0);
    struct mailbox *mb = MapViewOfFile(sec, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    check(mb != NULL, "child_inherited_section", 0);
    if (!mb)
        return 21;
    check(WaitForSingleObject(mx, 0) == WAIT_TIMEOUT, "child_mutex_owned_by_parent", 0);
    check(SetEvent(ready), "child_inherited_event", 0);
    check(WaitForSingleObject(sem, 20000) == WAIT_OBJECT_0, "child_inherited_semaphore", 0);
    child_view(mb);
    check(ReleaseSemaphore((HANDLE)(ULONG_PTR)mb->dupsem, 1, NULL), "child_duplicated_semaphore", mb->dupsem);
    SetEvent(ready);
    check(WaitForSingleObject(go, 20000) == WAIT_OBJECT_0, "child_manual_event", 0);
    MEMORY_BASIC_INFORMATION m = {0};
    check(VirtualQuery((void *)(ULONG_PTR)mb->base, &m, sizeof(m)) && m.State == MEM_FREE, "child_view_unmapped",
          m.State);
    check(WaitForSingleObject(mx, 20000) == WAIT_OBJECT_0, "child_mutex_released_by_parent", 0);
    check(ReleaseMutex(mx), "child_mutex_release", 0);
    /* out of the parent: its unnamed event (the handle value after ours), its own process */
    HANDLE hp = OpenProcess(PROCESS_DUP_HANDLE, FALSE, parent), ev = NULL, pp = NULL;
    check(hp != NULL, "child_open_parent", 0);
    check(DuplicateHandle(hp, H(argv[8]), GetCurrentProcess(), &ev, 0, FALSE, DUPLICATE_SAME_ACCESS) && SetEvent(ev),
          "child_take_event_from_parent", 0);
    check(DuplicateHandle(hp, GetCurrentProcess(), GetCurrentProcess(), &pp, PROCESS_QUERY_INFORMATION, FALSE, 0) &&
              GetProcessId(pp) == parent,
          "child_take_parent_pseudo_handle", 0);
    check(!DuplicateHandle(hp, (HANDLE)(ULONG_PTR)0x7ff0, GetCurrentProcess(), &ev, 0, FALSE, 0) &&
              GetLastError() == ERROR_INVALID_HANDLE,
          "child_take_bad_handle", 0);
    return failures ? 1 : 0;
}

/* ---- the parent ---- */

static SECURITY_ATTRIBUTES inherit = {sizeof(inherit), NULL, TRUE};

static BOOL start_child(char *cmd, PROCESS_INFORMATION *pi)
{
    STARTUPINFOA si = {sizeof(si)};
    char self[MAX_PATH];
    GetModuleFileNameA(NULL, self, sizeof(self));
    return CreateProcessA(self, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, pi);
}

/* Rights and bad input of the calls on another process's views. */
static void view_errors(HANDLE sec, DWORD pid)
{
    HANDLE q = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, pid);
    SetLastError(0);
    check(!MapViewOfFile2(sec, q, 0, NULL, 0, 0, PAGE_READWRITE) && GetLastError() == ERROR_ACCESS_DENIED,
          "map_without_vm_operation", 0);
    check(!UnmapViewOfFile2(q, (void *)0x10000, 0) && GetLastError() == ERROR_ACCESS_DENIED,
          "unmap_without_vm_operation", 0);
    check(!MapViewOfFile2(sec, NULL, 0, NULL, 0, 0, PAGE_READWRITE) && GetLastError() == ERROR_INVALID_HANDLE,
          "map_null_process", 0);
    HANDLE p = OpenProcess(PROCESS_VM_OPERATION, FALSE, pid);
    check(!MapViewOfFile2((HANDLE)(ULONG_PTR)0x7ff0, p, 0, NULL, 0, 0, PAGE_READWRITE) &&
              GetLastError() == ERROR_INVALID_HANDLE,
          "map_bad_section", 0);
    check(!MapViewOfFile2(sec, p, 0, NULL, 1 << 20, 0, PAGE_READWRITE), "map_too_large", GetLastError());
    check(!UnmapViewOfFile2(p, (void *)0x10000, 0) && GetLastError() == ERROR_INVALID_ADDRESS,
          "unmap_not_a_view", 0);
    check(!MapViewOfFileNuma2_(sec, p, 0, NULL, 0, 0, PAGE_READWRITE, 1) && GetLastError() == ERROR_INVALID_PARAMETER,
          "numa_node_1", 0);
    void *v = MapViewOfFileNuma2_(sec, p, 0, NULL, 0, 0, PAGE_READONLY, 0);
    check(v && UnmapViewOfFile2(p, v, 0), "numa2_node_0", 0);
    CloseHandle(q), CloseHandle(p);
}

/* The view made in the child: queried from here, used there, then unmapped from here. */
static void *view_in_child(HANDLE sec, HANDLE child)
{
    void *base = MapViewOfFile2(sec, child, 0, NULL, 0, 0, PAGE_READWRITE);
    check(base != NULL, "map_into_child", 0);
    MEMORY_BASIC_INFORMATION m = {0};
    check(base && VirtualQueryEx(child, base, &m, sizeof(m)) && m.Type == MEM_MAPPED && m.State == MEM_COMMIT &&
              m.RegionSize == 65536,
          "query_child_view", m.Type);
    PVOID nt = NULL;
    SIZE_T size = 0;
    LARGE_INTEGER off = {{0}};
    NTSTATUS st = NtMapViewOfSection(sec, child, &nt, 0, 0, &off, &size, 2 /* ViewUnmap */, 0, PAGE_READONLY);
    check(st == 0 && nt && size == 65536, "nt_map_into_child", (unsigned long long)st);
    check(nt && UnmapViewOfFile2(child, nt, 0), "unmap_nt_view", 0);
    /* MapViewOfFile3's address requirements travel with the call: placed in [1 GiB, 2 GiB) */
    MEM_ADDRESS_REQUIREMENTS ar = {(PVOID)0x40000000, (PVOID)0x7fffffff, 0};
    MEM_EXTENDED_PARAMETER e = {{0}};
    e.Type = MemExtendedParameterAddressRequirements, e.Pointer = &ar;
    char *v3 = MapViewOfFile3_(sec, child, NULL, 0, 0, 0, PAGE_READWRITE, &e, 1);
    check(v3 && (ULONG_PTR)v3 >= 0x40000000 && (ULONG_PTR)v3 + 65536 <= 0x80000000 &&
              VirtualQueryEx(child, v3, &m, sizeof(m)) && m.AllocationBase == v3 && m.Type == MEM_MAPPED,
          "map3_requirements_in_child", (ULONG_PTR)v3);
    check(v3 && UnmapViewOfFile2(child, v3, 0), "unmap_map3_view", 0);
    return base;
}

static void parent(void)
{
    HANDLE sec = CreateFileMappingA(INVALID_HANDLE_VALUE, &inherit, PAGE_READWRITE, 0, 65536, NULL);
    struct mailbox *mb = sec ? MapViewOfFile(sec, FILE_MAP_ALL_ACCESS, 0, 0, 0) : NULL;
    HANDLE ready = CreateEventA(&inherit, FALSE, FALSE, NULL), go = CreateEventA(&inherit, TRUE, FALSE, NULL);
    HANDLE sem = CreateSemaphoreA(&inherit, 0, 5, NULL), mx = CreateMutexA(&inherit, TRUE, NULL);
    HANDLE dupsem = CreateSemaphoreA(NULL, 0, 1, NULL), taken = CreateEventA(NULL, TRUE, FALSE, NULL);
    check(mb && ready && go && sem && mx && dupsem && taken, "create", 0);
    if (!mb)
        return;
    strcpy(mb->parent_text, "parent-wrote");
    char cmd[512];
    PROCESS_INFORMATION pi;
    snprintf(cmd, sizeof(cmd), "procshare child %llu %llu %llu %llu %llu %lu %llu", V(sec), V(ready), V(go), V(sem),
             V(mx), (unsigned long)GetCurrentProcessId(), V(taken));
    check(start_child(cmd, &pi), "create_process", 0);
    check(WaitForSingleObject(ready, 20000) == WAIT_OBJECT_0, "inherited_event_set_by_child", 0);
    view_errors(sec, pi.dwProcessId);
    void *base = view_in_child(sec, pi.hProcess);
    HANDLE remote = NULL;
    check(DuplicateHandle(GetCurrentProcess(), dupsem, pi.hProcess, &remote, 0, FALSE, DUPLICATE_SAME_ACCESS),
          "duplicate_semaphore_into_child", 0);
    mb->base = (ULONG_PTR)base, mb->dupsem = (ULONG_PTR)remote;
    ReleaseSemaphore(sem, 1, NULL);
    check(WaitForSingleObject(dupsem, 20000) == WAIT_OBJECT_0, "duplicated_semaphore_released_by_child", 0);
    check(WaitForSingleObject(ready, 20000) == WAIT_OBJECT_0 && !strcmp(mb->child_text, "child-wrote"),
          "shared_pages_child_wrote", 0);
    check(UnmapViewOfFile2(pi.hProcess, base, 0), "unmap_from_child", 0);
    check(ReleaseMutex(mx), "release_inherited_mutex", 0);
    SetEvent(go);
    check(WaitForSingleObject(taken, 20000) == WAIT_OBJECT_0, "event_taken_and_set_by_child", 0);
    DWORD code = 99;
    check(WaitForSingleObject(pi.hProcess, 20000) == WAIT_OBJECT_0 && GetExitCodeProcess(pi.hProcess, &code) &&
              code == 0,
          "child_passed", code);
    check(WaitForSingleObject(mx, 0) == WAIT_OBJECT_0, "mutex_free_again", 0);
}

/* ---- a Linux parent's child ---- */

static int peek(char **argv)
{
    HANDLE p = OpenProcess(PROCESS_VM_READ | PROCESS_DUP_HANDLE, FALSE, strtoul(argv[2], NULL, 0));
    char buf[64] = {0};
    SIZE_T len = strtoul(argv[4], NULL, 0), n = 0;
    if (!p || len >= sizeof(buf) || !ReadProcessMemory(p, (void *)(ULONG_PTR)_strtoui64(argv[3], NULL, 0), buf, len, &n))
        return 30;
    printf("read=[%s]\n", buf);
    fflush(stdout);
    HANDLE ev = NULL;
    if (!DuplicateHandle(p, H(argv[5]), GetCurrentProcess(), &ev, 0, FALSE, DUPLICATE_SAME_ACCESS) || !SetEvent(ev))
        return 31;
    return 0;
}

int main(int argc, char **argv)
{
    HMODULE k = GetModuleHandleA("kernel32.dll");
    MapViewOfFile2_ = (map2_fn)(void (*)(void))GetProcAddress(k, "MapViewOfFile2");
    MapViewOfFileNuma2_ = (numa2_fn)(void (*)(void))GetProcAddress(k, "MapViewOfFileNuma2");
    UnmapViewOfFile2_ = (unmap2_fn)(void (*)(void))GetProcAddress(k, "UnmapViewOfFile2");
    MapViewOfFile3_ = (map3_fn)(void (*)(void))GetProcAddress(k, "MapViewOfFile3");
    if (!MapViewOfFile2_ || !MapViewOfFileNuma2_ || !UnmapViewOfFile2_ || !MapViewOfFile3_)
        return printf("FAIL exports\n"), 40;
    if (argc >= 2 && !strcmp(argv[1], "child"))
        return child(argc, argv);
    if (argc == 6 && !strcmp(argv[1], "peek"))
        return peek(argv);
    parent();
    return failures ? 1 : 0;
}
