/* SPDX-License-Identifier: MIT */
/* demo.c - `winvm demo`: a walk-through of reserve/commit/protect/query/guard pages/sections on
 * the MMU, each step shown through VirtualQuery and checked by touching the page in a child
 * process (the MMU, not winvm, decides whether it survives). */
#define _GNU_SOURCE
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *state_name(DWORD s)
{
    return s == MEM_COMMIT ? "commit" : s == MEM_RESERVE ? "reserve" : s == MEM_FREE ? "free" : "?";
}

static const char *type_name(DWORD t)
{
    return t == MEM_PRIVATE ? "private" : t == MEM_MAPPED ? "mapped" : t == MEM_IMAGE ? "image" : "-";
}

static void prot_name(DWORD p, char *buf, size_t n)
{
    static const char *const base[] = {"NOACCESS", "READONLY", "READWRITE", "WRITECOPY", "EXECUTE",
                                       "EXECUTE_READ", "EXECUTE_READWRITE", "EXECUTE_WRITECOPY"};
    if (p == 0) {
        snprintf(buf, n, "-");
        return;
    }
    buf[0] = 0;
    for (int i = 0; i < 8; i++)
        if (p & (1u << i))
            snprintf(buf + strlen(buf), n - strlen(buf), "%s", base[i]);
    if (p & PAGE_GUARD)
        snprintf(buf + strlen(buf), n - strlen(buf), "+GUARD");
    if (p & PAGE_NOCACHE)
        snprintf(buf + strlen(buf), n - strlen(buf), "+NOCACHE");
    if (p & PAGE_WRITECOMBINE)
        snprintf(buf + strlen(buf), n - strlen(buf), "+WRITECOMBINE");
}

static void print_region(const MEMORY_BASIC_INFORMATION *m)
{
    char prot[64], aprot[64];
    prot_name(m->Protect, prot, sizeof(prot));
    prot_name(m->AllocationProtect, aprot, sizeof(aprot));
    printf("  %014lx %10lx  %-7s %-7s %-22s alloc %014lx %s\n", (unsigned long)(uintptr_t)m->BaseAddress,
           (unsigned long)m->RegionSize, state_name(m->State), type_name(m->Type), prot,
           (unsigned long)(uintptr_t)m->AllocationBase, aprot);
}

static void show(const char *what, const void *base, SIZE_T size)
{
    printf("%s\n", what);
    const char *p = base, *end = p + size;
    while (p < end) {
        MEMORY_BASIC_INFORMATION m;
        if (!VirtualQuery(p, &m, sizeof(m)))
            break;
        print_region(&m);
        p = (const char *)m.BaseAddress + m.RegionSize;
    }
}

/* Touches addr in a child process: the MMU, not winvm, decides whether it survives. */
static const char *touch(void *addr, int write)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        if (write)
            *(volatile char *)addr = 1;
        else
            (void)*(volatile char *)addr;
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFSIGNALED(st) ? "faults (SIGSEGV from the MMU)" : "succeeds";
}

static LONG WINAPI demo_handler(PEXCEPTION_POINTERS ep)
{
    const EXCEPTION_RECORD *r = ep->ExceptionRecord;
    if (r->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION)
        return EXCEPTION_CONTINUE_SEARCH;
    printf("   vectored handler: STATUS_GUARD_PAGE_VIOLATION, %s at %p; continuing\n",
           r->ExceptionInformation[0] == 1 ? "write" : "read", (void *)r->ExceptionInformation[1]);
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void demo_write(void *addr) { *(volatile char *)addr = 1; }

/* Copy-on-write between real processes: a named section, a child with a FILE_MAP_COPY view. */
static int demo_sections(void)
{
    printf("\n8. Sections: CreateFileMapping(\"winvm-demo\", PAGE_READWRITE, 4 pages), a write view here\n");
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4 * 4096, "winvm-demo");
    char *w = h ? MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    if (!w) {
        fprintf(stderr, "section failed: %u\n", GetLastError());
        return 1;
    }
    strcpy(w, "written by the parent");
    strcpy(w + 4096, "page 1, never written by the child");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        HANDLE c = OpenFileMappingA(FILE_MAP_READ, FALSE, "winvm-demo");
        char *v = c ? MapViewOfFile(c, FILE_MAP_COPY, 0, 0, 0) : NULL;
        if (!v)
            _exit(1);
        printf("   child: OpenFileMapping + MapViewOfFile(FILE_MAP_COPY) reads \"%s\"\n", v);
        strcpy(v, "the child's private copy");
        printf("   child: after writing page 0 it reads \"%s\"\n", v);
        show("   child: VirtualQuery of its view: only the written page turned READWRITE", v, 4 * 4096);
        fflush(stdout);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("   parent: page 0 still reads \"%s\": the child's write stayed in the child\n", w);
    printf("   (`winvm share PID...` shows which physical pages processes share)\n");
    UnmapViewOfFile(w);
    CloseHandle(h);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

int cli_demo_walk(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    printf("winvm demo: Windows virtual memory on the Linux MMU\n");
    printf("page size %u, allocation granularity %u, user space %p-%p\n\n", si.dwPageSize,
           si.dwAllocationGranularity, si.lpMinimumApplicationAddress, si.lpMaximumApplicationAddress);

    char *p = VirtualAlloc(NULL, 16 * 4096, MEM_RESERVE, PAGE_READWRITE);
    if (!p) {
        fprintf(stderr, "VirtualAlloc failed: %u\n", GetLastError());
        return 1;
    }
    printf("1. VirtualAlloc(NULL, 64 KiB, MEM_RESERVE, PAGE_READWRITE) = %p (64 KiB aligned)\n", (void *)p);
    show("   VirtualQuery: one reserved region, Protect 0", p, 16 * 4096);
    printf("   reading the reserved page %s\n\n", touch(p, 0));

    VirtualAlloc(p + 4096, 4 * 4096, MEM_COMMIT, PAGE_READWRITE);
    printf("2. VirtualAlloc(base + 4 KiB, 16 KiB, MEM_COMMIT, PAGE_READWRITE): committed pages read zero\n");
    show("   VirtualQuery splits the allocation into regions", p, 16 * 4096);
    strcpy(p + 4096, "hello from a committed page");
    printf("   wrote \"%s\"\n\n", p + 4096);

    DWORD old = 0;
    VirtualProtect(p + 2 * 4096, 4096, PAGE_READONLY, &old);
    printf("3. VirtualProtect(page 2, PAGE_READONLY) returned old protection 0x%x\n", old);
    show("   the read-only page is its own region", p, 16 * 4096);
    printf("   in a child process: writing page 1 %s; writing page 2 %s; reading page 2 %s\n\n",
           touch(p + 4096, 1), touch(p + 2 * 4096, 1), touch(p + 2 * 4096, 0));

    VirtualProtect(p + 3 * 4096, 4096, PAGE_READWRITE | PAGE_GUARD, &old);
    printf("4. VirtualProtect(page 3, PAGE_READWRITE|PAGE_GUARD): a guard page\n");
    show("   reported with PAGE_GUARD", p + 3 * 4096, 4096);
    PVOID h = AddVectoredExceptionHandler(1, demo_handler);
    *(volatile char *)(p + 3 * 4096 + 16) = 7;
    RemoveVectoredExceptionHandler(h);
    show("   the write went through after the handler; the guard is gone (one-shot):",
         p + 3 * 4096, 4096);
    EXCEPTION_RECORD rec;
    DWORD code = winvm_try(demo_write, p + 2 * 4096, &rec);
    printf("   winvm_try(write to the read-only page 2) = 0x%x, %s at %p\n\n", code,
           rec.ExceptionInformation[0] == 1 ? "write" : "read", (void *)rec.ExceptionInformation[1]);

    VirtualFree(p + 4096, 4096, MEM_DECOMMIT);
    VirtualAlloc(p + 4096, 4096, MEM_COMMIT, PAGE_READWRITE);
    printf("5. MEM_DECOMMIT then MEM_COMMIT of page 1: contents discarded, first byte now %d\n\n", p[4096]);

    VirtualFree(p, 0, MEM_RELEASE);
    printf("6. VirtualFree(base, 0, MEM_RELEASE): the range is returned to the kernel\n");
    show("   VirtualQuery now reports free memory", p, 4096);

    SetLastError(0);
    void *bad = VirtualAlloc(NULL, 4096, MEM_COMMIT, PAGE_WRITECOPY);
    printf("\n7. VirtualAlloc(..., PAGE_WRITECOPY) on private memory = %p, GetLastError() = %u "
           "(ERROR_INVALID_PARAMETER)\n", bad, GetLastError());
    return demo_sections();
}

