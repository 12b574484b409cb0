/* SPDX-License-Identifier: MIT */
/* procmem.c - procmem.exe: memory of another process through its own memory manager
 * (docs/processes.md), from PE code under `winvm run`.  mingw-w64 with its C runtime.
 *
 *   procmem parent DIR  runs the checks against `procmem child DIR\addr.txt` children, printing
 *                       "ok NAME" or "FAIL NAME (detail)"; exits with the number of failures;
 *   procmem child FILE  writes its mailbox's address to FILE and serves the parent's commands
 *                       from that mailbox (the parent writes it with WriteProcessMemory): the
 *                       child checks its own view of what the parent did, and acts on the
 *                       parent in turn (the reverse direction);
 *   procmem crash       dereferences NULL (the exit code is the full NTSTATUS);
 *   procmem exit CODE   exits with CODE.
 *
 * Checks: VirtualAllocEx/WriteProcessMemory/VirtualProtectEx/VirtualQueryEx/VirtualFreeEx in
 * the child, seen by the child's own VirtualQuery; WriteProcessMemory into a read-only and an
 * execute page (made writable for the write, restored), ERROR_PARTIAL_COPY with the count at a
 * PAGE_NOACCESS and a free page; each right one by one; the child doing the same in the
 * parent; ReadProcessMemory of an execute-only page; ProcessBasicInformation of the child (its
 * PEB, read back, before and after it ends); the exit code of a crashed child; calls on an
 * ended process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

enum { CMD_NONE, CMD_QUERY, CMD_READ8, CMD_ALLOC_IN_PARENT, CMD_SECTION, CMD_QUIT, CMD_PEB };

struct mailbox {
    volatile LONG cmd, seq, done;
    ULONG_PTR arg[2];
    MEMORY_BASIC_INFORMATION mbi;
    ULONG_PTR result;
    DWORD error;
};

static struct mailbox box;
static int failures;

static void check(const char *name, int ok, const char *detail)
{
    printf(ok ? "ok %s\n" : "FAIL %s (%s)\n", name, detail ? detail : "");
    fflush(stdout);
    failures += !ok;
}

static char detail[128];
#define CHECK(name, cond) check(name, (cond), NULL)
#define CHECK_ERR(name, cond, want) \
    do { BOOL c_ = (cond); DWORD e_ = GetLastError(); snprintf(detail, sizeof detail, "error %lu", e_); \
         check(name, c_ && e_ == (want), detail); } while (0)

/* ---- the child ---- */

static void serve(const char *file)
{
    FILE *f = fopen(file, "w");
    if (!f)
        exit(2);
    fprintf(f, "%p\n", (void *)&box);
    fclose(f);
    for (LONG seen = 0;;) {
        while (box.seq == seen)
            Sleep(1);
        seen = box.seq;
        MemoryBarrier();
        if (box.cmd == CMD_QUERY)
            box.result = VirtualQuery((void *)box.arg[0], &box.mbi, sizeof(box.mbi));
        else if (box.cmd == CMD_READ8)
            memcpy(&box.result, (void *)box.arg[0], 8);
        else if (box.cmd == CMD_ALLOC_IN_PARENT) {
            /* the reverse: the parent's memory, from here */
            HANDLE p = OpenProcess(PROCESS_VM_OPERATION | PROCESS_VM_WRITE | PROCESS_QUERY_INFORMATION, FALSE,
                                   (DWORD)box.arg[0]);
            char *a = p ? VirtualAllocEx(p, NULL, 8192, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE) : NULL;
            DWORD old = 0;
            BOOL ok = a && WriteProcessMemory(p, a, "from child", 11, NULL) &&
                      VirtualProtectEx(p, a, 4096, PAGE_READONLY, &old) && old == PAGE_READWRITE &&
                      VirtualQueryEx(p, a, &box.mbi, sizeof(box.mbi));
            box.error = ok ? 0 : GetLastError();
            box.result = (ULONG_PTR)a;
            if (p)
                CloseHandle(p);
        } else if (box.cmd == CMD_SECTION) {
            /* a section handle the parent gave (inherited or duplicated): read it, write it */
            char *v = MapViewOfFile((HANDLE)box.arg[0], FILE_MAP_WRITE, 0, 0, 0);
            box.error = v ? 0 : GetLastError();
            if (v) {
                memcpy(&box.result, v, 8);
                memcpy(v + 8, "child!", 7);
                UnmapViewOfFile(v);
            }
        } else if (box.cmd == CMD_PEB) { /* its own PEB (TEB + 0x60) and image base */
            ULONG_PTR peb;
            __asm__ volatile("mov %%gs:0x60, %0" : "=r"(peb));
            box.result = box.arg[0] ? (ULONG_PTR)GetModuleHandleA(NULL) : peb;
        } else if (box.cmd == CMD_QUIT)
            exit(0);
        MemoryBarrier();
        box.done = seen;
    }
}

/* ---- the parent's side of the mailbox ---- */

struct kid {
    PROCESS_INFORMATION pi;
    struct mailbox *box; /* its address in the child */
    LONG seq;
};

static BOOL start_child(const char *dir, struct kid *k, BOOL inherit)
{
    char path[MAX_PATH], cmd[MAX_PATH + 64], self[MAX_PATH];
    snprintf(path, sizeof(path), "%s\\addr%lu.txt", dir, GetTickCount());
    DeleteFileA(path);
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" child %s", self, path);
    STARTUPINFOA si = {sizeof(si)};
    if (!CreateProcessA(NULL, cmd, NULL, NULL, inherit, 0, NULL, NULL, &si, &k->pi))
        return FALSE;
    k->seq = 0, k->box = NULL;
    for (int i = 0; i < 20000 && !k->box; i++) {
        FILE *f = fopen(path, "r");
        void *p = NULL;
        if (f && fscanf(f, "%p", &p) == 1)
            k->box = p;
        if (f)
            fclose(f);
        if (!k->box)
            Sleep(1);
    }
    return k->box != NULL;
}

/* Runs one command in the child and reads the mailbox back. */
static BOOL ask(struct kid *k, LONG cmd, ULONG_PTR a0, struct mailbox *out)
{
    HANDLE h = k->pi.hProcess;
    LONG seq = ++k->seq;
    if (!WriteProcessMemory(h, (void *)&k->box->cmd, &cmd, sizeof(cmd), NULL) ||
        !WriteProcessMemory(h, (void *)&k->box->arg[0], &a0, sizeof(a0), NULL) ||
        !WriteProcessMemory(h, (void *)&k->box->seq, &seq, sizeof(seq), NULL))
        return FALSE;
    for (int i = 0; i < 20000; i++) {
        if (!ReadProcessMemory(h, k->box, out, sizeof(*out), NULL))
            return FALSE;
        if (out->done == seq)
            return TRUE;
        Sleep(1);
    }
    return FALSE;
}

static void quit(struct kid *k)
{
    struct mailbox m;
    LONG cmd = CMD_QUIT, seq = ++k->seq;
    WriteProcessMemory(k->pi.hProcess, (void *)&k->box->cmd, &cmd, sizeof(cmd), NULL);
    WriteProcessMemory(k->pi.hProcess, (void *)&k->box->seq, &seq, sizeof(seq), NULL);
    (void)m;
    WaitForSingleObject(k->pi.hProcess, 20000);
    CloseHandle(k->pi.hThread);
    CloseHandle(k->pi.hProcess);
}

/* ---- the checks ---- */

static void alloc_write_protect_query(struct kid *k)
{
    HANDLE h = k->pi.hProcess;
    struct mailbox m;
    char *a = VirtualAllocEx(h, NULL, 3 * 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    CHECK("alloc_in_child", a != NULL);
    if (!a)
        return;
    CHECK("child_sees_alloc", ask(k, CMD_QUERY, (ULONG_PTR)a, &m) && m.mbi.State == MEM_COMMIT &&
                                  m.mbi.Protect == PAGE_READWRITE && m.mbi.Type == MEM_PRIVATE &&
                                  m.mbi.AllocationBase == a && m.mbi.RegionSize == 3 * 4096);
    MEMORY_BASIC_INFORMATION q;
    CHECK("queryex_child", VirtualQueryEx(h, a, &q, sizeof(q)) == sizeof(q) && q.State == MEM_COMMIT &&
                               q.AllocationBase == a && q.AllocationProtect == PAGE_READWRITE);
    SIZE_T n = 0;
    CHECK("write_child", WriteProcessMemory(h, a, "12345678", 8, &n) && n == 8);
    CHECK("child_reads_write", ask(k, CMD_READ8, (ULONG_PTR)a, &m) && !memcmp(&m.result, "12345678", 8));
    DWORD old = 0;
    CHECK("protectex_child", VirtualProtectEx(h, a, 4096, PAGE_READONLY, &old) && old == PAGE_READWRITE);
    CHECK("child_sees_readonly", ask(k, CMD_QUERY, (ULONG_PTR)a, &m) && m.mbi.Protect == PAGE_READONLY &&
                                     m.mbi.RegionSize == 4096);
    /* Windows' kernelbase writes a read-only page of another process (made writable, restored) */
    CHECK("write_readonly", WriteProcessMemory(h, a + 2, "AB", 2, &n) && n == 2);
    CHECK("readonly_restored", ask(k, CMD_QUERY, (ULONG_PTR)a, &m) && m.mbi.Protect == PAGE_READONLY);
    CHECK("child_reads_readonly_write", ask(k, CMD_READ8, (ULONG_PTR)a, &m) && !memcmp(&m.result, "12AB5678", 8));
    CHECK("protect_execute", VirtualProtectEx(h, a + 4096, 4096, PAGE_EXECUTE_READ, &old) && old == PAGE_READWRITE);
    CHECK("write_execute", WriteProcessMemory(h, a + 4096, "\xc3", 1, &n) && n == 1);
    CHECK("execute_restored", ask(k, CMD_QUERY, (ULONG_PTR)a + 4096, &m) && m.mbi.Protect == PAGE_EXECUTE_READ);
    CHECK("flush_icache", FlushInstructionCache(h, a + 4096, 1));
    /* a write running into a PAGE_NOACCESS page: what came before it, ERROR_PARTIAL_COPY */
    CHECK("protect_noaccess", VirtualProtectEx(h, a + 8192, 4096, PAGE_NOACCESS, &old));
    char buf[8192];
    memset(buf, 'z', sizeof(buf));
    SetLastError(0);
    n = 1;
    CHECK_ERR("write_partial_noaccess", !WriteProcessMemory(h, a + 4096, buf, sizeof(buf), &n) && n == 4096,
              ERROR_PARTIAL_COPY);
    CHECK("noaccess_unchanged", ask(k, CMD_QUERY, (ULONG_PTR)a + 8192, &m) && m.mbi.Protect == PAGE_NOACCESS);
    /* a PAGE_EXECUTE page reads, as on x86-64 Windows (PROT_EXEC alone would be execute-only on
     * a CPU with protection keys, refused to the kernel's copy and to the target's own read);
     * a read running on into the PAGE_NOACCESS page stops there */
    static char rbuf[12288];
    CHECK("protect_execute_only", VirtualProtectEx(h, a + 4096, 4096, PAGE_EXECUTE, &old) && old == PAGE_EXECUTE_READ);
    CHECK("read_execute_only", ReadProcessMemory(h, a + 4096, rbuf, 4096, &n) && n == 4096 &&
                                   rbuf[0] == 'z' && rbuf[4095] == 'z');
    SetLastError(0);
    n = 1;
    CHECK_ERR("read_partial_noaccess", !ReadProcessMemory(h, a, rbuf, sizeof(rbuf), &n) && n == 8192 &&
                                           !memcmp(rbuf, "12AB5678", 8) && rbuf[8191] == 'z',
              ERROR_PARTIAL_COPY);
    CHECK("freeex_child", VirtualFreeEx(h, a, 0, MEM_RELEASE));
    CHECK("child_sees_free", ask(k, CMD_QUERY, (ULONG_PTR)a, &m) && m.mbi.State == MEM_FREE);
    n = 1;
    CHECK_ERR("write_free", !WriteProcessMemory(h, a, "x", 1, &n) && n == 0, ERROR_PARTIAL_COPY);
    CHECK_ERR("freeex_twice", !VirtualFreeEx(h, a, 0, MEM_RELEASE), ERROR_INVALID_ADDRESS);
    CHECK_ERR("allocex_bad_type", !VirtualAllocEx(h, NULL, 4096, 0x12345, PAGE_READWRITE), ERROR_INVALID_PARAMETER);
    CHECK_ERR("protectex_null_old", !VirtualProtectEx(h, a, 4096, PAGE_READONLY, NULL), ERROR_NOACCESS);
}

/* One right at a time: each call needs its own. */
static void rights(struct kid *k)
{
    DWORD pid = k->pi.dwProcessId, old;
    MEMORY_BASIC_INFORMATION q;
    HANDLE r = OpenProcess(PROCESS_VM_READ, FALSE, pid), o = OpenProcess(PROCESS_VM_OPERATION, FALSE, pid);
    HANDLE qi = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, pid), w = OpenProcess(PROCESS_VM_WRITE, FALSE, pid);
    CHECK("open_rights", r && o && qi && w);
    CHECK_ERR("allocex_needs_operation", !VirtualAllocEx(r, NULL, 4096, MEM_COMMIT, PAGE_READWRITE), ERROR_ACCESS_DENIED);
    char *a = VirtualAllocEx(o, NULL, 4096, MEM_COMMIT, PAGE_READWRITE);
    CHECK("allocex_with_operation", a != NULL);
    CHECK_ERR("queryex_needs_query", !VirtualQueryEx(o, a, &q, sizeof(q)), ERROR_ACCESS_DENIED);
    CHECK("queryex_with_query", VirtualQueryEx(qi, a, &q, sizeof(q)) == sizeof(q) && q.State == MEM_COMMIT);
    CHECK_ERR("protectex_needs_operation", !VirtualProtectEx(qi, a, 4096, PAGE_READONLY, &old), ERROR_ACCESS_DENIED);
    CHECK_ERR("write_needs_operation", !WriteProcessMemory(w, a, "x", 1, NULL), ERROR_ACCESS_DENIED);
    CHECK_ERR("flush_needs_write", !FlushInstructionCache(o, a, 1), ERROR_ACCESS_DENIED);
    CHECK_ERR("freeex_needs_operation", !VirtualFreeEx(w, a, 0, MEM_RELEASE), ERROR_ACCESS_DENIED);
    CHECK("freeex_with_operation", VirtualFreeEx(o, a, 0, MEM_RELEASE));
    CHECK_ERR("allocex_bad_handle", !VirtualAllocEx((HANDLE)(ULONG_PTR)0x7777, NULL, 4096, MEM_COMMIT, PAGE_READWRITE),
              ERROR_INVALID_HANDLE);
    CloseHandle(r), CloseHandle(o), CloseHandle(qi), CloseHandle(w);
}

/* The child allocates, writes and protects in this process: our own VirtualQuery agrees. */
static void reverse(struct kid *k)
{
    struct mailbox m;
    BOOL ok = ask(k, CMD_ALLOC_IN_PARENT, GetCurrentProcessId(), &m);
    snprintf(detail, sizeof detail, "error %lu", m.error);
    check("child_allocs_in_parent", ok && m.error == 0 && m.result, detail);
    if (!ok || !m.result)
        return;
    MEMORY_BASIC_INFORMATION q;
    char *a = (char *)m.result;
    CHECK("parent_sees_child_alloc", VirtualQuery(a, &q, sizeof(q)) && q.State == MEM_COMMIT &&
                                         q.Protect == PAGE_READONLY && q.AllocationBase == a && !strcmp(a, "from child"));
    CHECK("child_query_matches", m.mbi.Protect == PAGE_READONLY && m.mbi.BaseAddress == a);
    CHECK("parent_frees_child_alloc", VirtualFree(a, 0, MEM_RELEASE));
}

/* A section reaches a child by inheritance and by DuplicateHandle: one section, both see it. */
static void sections(const char *dir)
{
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    HANDLE inh = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 65536, NULL);
    HANDLE dup = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, NULL);
    HANDLE noinh = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, NULL);
    char *vi = MapViewOfFile(inh, FILE_MAP_WRITE, 0, 0, 0), *vd = MapViewOfFile(dup, FILE_MAP_WRITE, 0, 0, 0);
    CHECK("sections_made", inh && dup && noinh && vi && vd);
    if (!vi || !vd)
        return;
    memcpy(vi, "inherit", 8);
    memcpy(vd, "duplict", 8);
    struct kid k;
    struct mailbox m;
    if (!start_child(dir, &k, TRUE)) {
        check("section_child_started", 0, "CreateProcess");
        return;
    }
    BOOL ok = ask(&k, CMD_SECTION, (ULONG_PTR)inh, &m);
    snprintf(detail, sizeof detail, "error %lu", m.error);
    check("inherited_section_same_value", ok && m.error == 0 && !memcmp(&m.result, "inherit", 8), detail);
    CHECK("inherited_section_shared", !strcmp(vi + 8, "child!"));
    ok = ask(&k, CMD_SECTION, (ULONG_PTR)noinh, &m);
    CHECK("not_inheritable_not_passed", ok && m.error == ERROR_INVALID_HANDLE);
    HANDLE in_child = NULL;
    CHECK("duplicate_into_child", DuplicateHandle(GetCurrentProcess(), dup, k.pi.hProcess, &in_child, 0, FALSE,
                                                  DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE) && in_child);
    DWORD flags;
    CHECK_ERR("duplicate_closed_source", !GetHandleInformation(dup, &flags), ERROR_INVALID_HANDLE);
    ok = ask(&k, CMD_SECTION, (ULONG_PTR)in_child, &m);
    snprintf(detail, sizeof detail, "error %lu", m.error);
    check("duplicated_section_in_child", ok && m.error == 0 && !memcmp(&m.result, "duplict", 8), detail);
    CHECK("duplicated_section_shared", !strcmp(vd + 8, "child!"));
    HANDLE ro = NULL, pq = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, k.pi.dwProcessId);
    CHECK_ERR("duplicate_needs_dup_handle", !DuplicateHandle(GetCurrentProcess(), inh, pq, &ro, 0, FALSE,
                                                             DUPLICATE_SAME_ACCESS), ERROR_ACCESS_DENIED);
    HANDLE ev = OpenThread(THREAD_ALL_ACCESS, FALSE, GetCurrentThreadId()); /* threads go (test_proc_thread.c) */
    ro = NULL;
    CHECK("duplicate_thread_into_child", DuplicateHandle(GetCurrentProcess(), ev, k.pi.hProcess, &ro, 0, FALSE,
                                                         DUPLICATE_SAME_ACCESS) && ro != NULL);
    CloseHandle(ev), CloseHandle(pq);
    quit(&k);
    UnmapViewOfFile(vi), UnmapViewOfFile(vd);
    CloseHandle(inh), CloseHandle(noinh);
}

typedef struct {
    LONG ExitStatus;
    PVOID PebBaseAddress;
    ULONG_PTR AffinityMask;
    LONG BasePriority;
    ULONG_PTR UniqueProcessId, InheritedFromUniqueProcessId;
} BASIC_INFO;
typedef LONG(WINAPI *query_fn)(HANDLE, ULONG, PVOID, ULONG, PULONG);

/* NtQueryInformationProcess(ProcessBasicInformation) on the child's handle: its own PEB,
 * readable (ImageBaseAddress at PEB + 0x10), its ids; after it ended, its exit code and the
 * same PEB.  Ends the child (as quit). */
static void basic_info_and_quit(struct kid *k)
{
    query_fn q = (query_fn)GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtQueryInformationProcess");
    HANDLE h = k->pi.hProcess;
    BASIC_INFO b;
    ULONG n = 0;
    struct mailbox peb, base;
    memset(&b, 0xcc, sizeof(b));
    LONG st = q ? q(h, 0, &b, sizeof(b), &n) : -1;
    snprintf(detail, sizeof detail, "status %#lx", (unsigned long)st);
    check("basic_child", st == 0 && n == sizeof(b) && b.ExitStatus == STILL_ACTIVE, detail);
    CHECK("basic_child_ids", b.UniqueProcessId == k->pi.dwProcessId &&
                                 b.InheritedFromUniqueProcessId == GetCurrentProcessId());
    CHECK("basic_child_peb", ask(k, CMD_PEB, 0, &peb) && b.PebBaseAddress && (ULONG_PTR)b.PebBaseAddress == peb.result);
    ULONG_PTR image = 0;
    CHECK("basic_child_peb_image", ask(k, CMD_PEB, 1, &base) &&
                                       ReadProcessMemory(h, (char *)b.PebBaseAddress + 0x10, &image, 8, NULL) &&
                                       image == base.result);
    CHECK("basic_child_length", q && q(h, 0, &b, sizeof(b) - 1, NULL) == (LONG)0xC0000004);
    HANDLE weak = OpenProcess(SYNCHRONIZE, FALSE, k->pi.dwProcessId);
    CHECK("basic_child_needs_query", weak && q && q(weak, 0, &b, sizeof(b), NULL) == (LONG)0xC0000022);
    if (weak)
        CloseHandle(weak);
    LONG cmd = CMD_QUIT, seq = ++k->seq;
    WriteProcessMemory(h, (void *)&k->box->cmd, &cmd, sizeof(cmd), NULL);
    WriteProcessMemory(h, (void *)&k->box->seq, &seq, sizeof(seq), NULL);
    WaitForSingleObject(h, 20000);
    BASIC_INFO e;
    st = q ? q(h, 0, &e, sizeof(e), NULL) : -1;
    snprintf(detail, sizeof detail, "status %#lx exit %#lx", (unsigned long)st, (unsigned long)e.ExitStatus);
    check("basic_child_ended", st == 0 && e.ExitStatus == 0 && (ULONG_PTR)e.PebBaseAddress == peb.result, detail);
    CloseHandle(k->pi.hThread);
    CloseHandle(h);
}

static void crashed(void)
{
    char cmd[MAX_PATH + 16], self[MAX_PATH];
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" crash", self);
    STARTUPINFOA si = {sizeof(si)};
    si.dwFlags = STARTF_USESTDHANDLES; /* its report goes nowhere */
    PROCESS_INFORMATION pi;
    DWORD code = 0;
    BOOL ok = CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi) &&
              WaitForSingleObject(pi.hProcess, 20000) == WAIT_OBJECT_0 && GetExitCodeProcess(pi.hProcess, &code);
    snprintf(detail, sizeof detail, "code %#lx", code);
    check("crash_exit_code", ok && code == 0xC0000005, detail);
    /* calls on an ended process fail, nothing blocks */
    if (ok) {
        SetLastError(0);
        CHECK("allocex_ended_fails", !VirtualAllocEx(pi.hProcess, NULL, 4096, MEM_COMMIT, PAGE_READWRITE) &&
                                         GetLastError() == ERROR_ACCESS_DENIED);
        /* a view into it: STATUS_PROCESS_IS_TERMINATING (its channel is gone with it) */
        typedef LONG(WINAPI * map_fn)(HANDLE, HANDLE, PVOID *, ULONG_PTR, SIZE_T, LARGE_INTEGER *, SIZE_T *, ULONG,
                                      ULONG, ULONG);
        map_fn map = (map_fn)GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtMapViewOfSection");
        HANDLE sec = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL);
        PVOID at = NULL;
        SIZE_T size = 0;
        LONG st = map && sec ? map(sec, pi.hProcess, &at, 0, 0, NULL, &size, 1, 0, PAGE_READWRITE) : -1;
        snprintf(detail, sizeof detail, "status %#lx", (unsigned long)st);
        check("mapview_ended_terminating", st == (LONG)0xC000010A && !at, detail);
        if (sec)
            CloseHandle(sec);
        CloseHandle(pi.hThread), CloseHandle(pi.hProcess);
    }
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "child"))
        serve(argv[2]);
    if (argc >= 2 && !strcmp(argv[1], "crash"))
        *(volatile int *)(ULONG_PTR)8 = 1;
    if (argc >= 3 && !strcmp(argv[1], "exit"))
        return (int)strtoul(argv[2], NULL, 0);
    if (argc >= 3 && !strcmp(argv[1], "sleep")) {
        Sleep(strtoul(argv[2], NULL, 0));
        return 7;
    }
    if (argc < 3 || strcmp(argv[1], "parent"))
        return 100;
    struct kid k;
    BOOL up = start_child(argv[2], &k, FALSE);
    check("child_started", up, "CreateProcess or its mailbox");
    if (!up)
        return 1;
    alloc_write_protect_query(&k);
    rights(&k);
    reverse(&k);
    basic_info_and_quit(&k);
    crashed();
    sections(argv[2]);
    return failures;
}
