/* SPDX-License-Identifier: MIT */
/* bimg.c - bimg.exe: winvm's builtin DLLs seen from PE code as Windows' system DLLs are: a
 * module handle that is an image (DOS and NT headers), its export directory walked by hand
 * giving what GetProcAddress and the import binding give, forwarders to ntdll, the pages as
 * VirtualQuery shows an image's, the module queries (GetModuleFileName, GetModuleInformation,
 * RtlImageNtHeader, LdrFindEntryForAddress, GetModuleHandleEx, EnumProcessModules),
 * PEB->Ldr's three lists, stubs copied elsewhere still calling their functions, and exports
 * called with the direction flag set (as Windows' syscalls take them: NtGetContextThread and
 * GetCurrentDirectoryA give what they give with it clear).  Prints
 * "ok NAME" / "FAIL NAME", exits with the failures (tests/test_builtin_image.c). */
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <psapi.h>

static int failures;

struct ustr { USHORT Length, MaximumLength; WCHAR *Buffer; }; /* UNICODE_STRING */

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static IMAGE_NT_HEADERS64 *nt_of(HMODULE h)
{
    IMAGE_DOS_HEADER *dos = (IMAGE_DOS_HEADER *)h;
    return (IMAGE_NT_HEADERS64 *)((char *)h + dos->e_lfanew);
}

static IMAGE_EXPORT_DIRECTORY *exports_of(HMODULE h, DWORD *size)
{
    IMAGE_DATA_DIRECTORY *d = &nt_of(h)->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT];
    *size = d->Size;
    return d->VirtualAddress ? (IMAGE_EXPORT_DIRECTORY *)((char *)h + d->VirtualAddress) : NULL;
}

/* A shellcode-style resolver: the export's address by walking the directory (forwarders are
 * returned as their strings' addresses, as such code sees them). */
static void *walk(HMODULE h, const char *name, int *forwarded)
{
    DWORD size;
    IMAGE_EXPORT_DIRECTORY *e = exports_of(h, &size);
    char *b = (char *)h;
    DWORD *names = (DWORD *)(b + e->AddressOfNames), *funcs = (DWORD *)(b + e->AddressOfFunctions);
    WORD *ords = (WORD *)(b + e->AddressOfNameOrdinals);
    for (DWORD i = 0; i < e->NumberOfNames; i++)
        if (!strcmp(b + names[i], name)) {
            DWORD rva = funcs[ords[i]];
            DWORD dir = (DWORD)((char *)e - b);
            if (forwarded)
                *forwarded = rva >= dir && rva < dir + size;
            return b + rva;
        }
    return NULL;
}

static void headers(HMODULE k32)
{
    IMAGE_DOS_HEADER *dos = (IMAGE_DOS_HEADER *)k32;
    IMAGE_NT_HEADERS64 *nt = nt_of(k32);
    check("dos_header", dos->e_magic == IMAGE_DOS_SIGNATURE);
    check("nt_headers", nt->Signature == IMAGE_NT_SIGNATURE && nt->FileHeader.Machine == IMAGE_FILE_MACHINE_AMD64 &&
                            (nt->FileHeader.Characteristics & IMAGE_FILE_DLL) &&
                            nt->OptionalHeader.Magic == IMAGE_NT_OPTIONAL_HDR64_MAGIC);
    check("image_base_is_handle", nt->OptionalHeader.ImageBase == (ULONGLONG)(ULONG_PTR)k32);
    DWORD size;
    IMAGE_EXPORT_DIRECTORY *e = exports_of(k32, &size);
    check("export_name", e && !_stricmp((char *)k32 + e->Name, "kernel32.dll"));
    /* names sorted, as the loader's binary search needs */
    DWORD *names = (DWORD *)((char *)k32 + e->AddressOfNames);
    int sorted = e->NumberOfNames > 100;
    for (DWORD i = 1; sorted && i < e->NumberOfNames; i++)
        sorted = strcmp((char *)k32 + names[i - 1], (char *)k32 + names[i]) < 0;
    check("export_names_sorted", sorted);
}

typedef HANDLE(WINAPI *create_file_fn)(LPCSTR, DWORD, DWORD, LPSECURITY_ATTRIBUTES, DWORD, DWORD, HANDLE);

static void lookups(HMODULE k32, HMODULE nt)
{
    int fwd = -1;
    void *byhand = walk(k32, "CreateFileA", &fwd);
    FARPROC gpa = GetProcAddress(k32, "CreateFileA");
    check("walk_equals_getprocaddress", byhand && !fwd && byhand == (void *)gpa);
    check("getprocaddress_equals_iat", (void *)gpa == (void *)(create_file_fn)CreateFileA);
    MEMORY_BASIC_INFORMATION mbi;
    check("stub_in_image", VirtualQuery(byhand, &mbi, sizeof(mbi)) && mbi.Type == MEM_IMAGE &&
                               mbi.AllocationBase == k32 && mbi.Protect == PAGE_EXECUTE_READ);
    DWORD (WINAPI *pid)(void) = (DWORD (WINAPI *)(void))walk(k32, "GetCurrentProcessId", NULL);
    check("call_through_walk", pid && pid() == GetCurrentProcessId());
    /* a function kernel32 and ntdll share is ntdll's, forwarded */
    void *f = walk(k32, "RtlUnwind", &fwd);
    check("forwarder_string", f && fwd == 1 && !strcmp((char *)f, "NTDLL.RtlUnwind"));
    check("forwarder_resolved", GetProcAddress(k32, "RtlUnwind") == GetProcAddress(nt, "RtlUnwind") &&
                                    (void *)GetProcAddress(nt, "RtlUnwind") == walk(nt, "RtlUnwind", NULL));
    SetLastError(0);
    check("missing_export", !GetProcAddress(k32, "NoSuchExport") && GetLastError() == ERROR_PROC_NOT_FOUND);
}

typedef LONG(NTAPI *nt_close_fn)(HANDLE);

/* A stub's bytes copied elsewhere still call its function, as a copy of a Windows syscall stub
 * does (Wine's ntdll virtual.c test_syscalls copies NtClose's first 32 bytes). */
static void copies(HMODULE k32, HMODULE nt)
{
    char *mem = VirtualAlloc(NULL, 0x1000, MEM_COMMIT, PAGE_EXECUTE_READWRITE);
    void *nt_close = (void *)GetProcAddress(nt, "NtClose");
    if (!mem || !nt_close) {
        check("stub_copy_nt_close", 0), check("stub_copy_unaligned", 0);
        return;
    }
    memcpy(mem, nt_close, 32);
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    LONG first = ((nt_close_fn)mem)(ev), second = ((nt_close_fn)mem)(ev);
    check("stub_copy_nt_close", ev && first == 0 && second == (LONG)0xC0000008); /* STATUS_INVALID_HANDLE */
    memcpy(mem + 0x403, walk(k32, "GetCurrentProcessId", NULL), 32);
    DWORD (WINAPI *pid)(void) = (DWORD (WINAPI *)(void))(mem + 0x403);
    check("stub_copy_unaligned", pid() == GetCurrentProcessId());
    VirtualFree(mem, 0, MEM_RELEASE);
}

static void pages(HMODULE k32)
{
    MEMORY_BASIC_INFORMATION mbi;
    check("header_page", VirtualQuery(k32, &mbi, sizeof(mbi)) && mbi.Type == MEM_IMAGE && mbi.AllocationBase == k32 &&
                             mbi.Protect == PAGE_READONLY && mbi.State == MEM_COMMIT);
    DWORD size;
    IMAGE_EXPORT_DIRECTORY *e = exports_of(k32, &size);
    check("exports_readonly", VirtualQuery(e, &mbi, sizeof(mbi)) && mbi.Protect == PAGE_READONLY &&
                                  mbi.AllocationBase == k32);
    check("header_not_writable", IsBadWritePtr(k32, 1));
}

static void names(HMODULE k32)
{
    char sys[MAX_PATH], want[MAX_PATH], got[MAX_PATH];
    WCHAR gotw[MAX_PATH];
    GetSystemDirectoryA(sys, sizeof(sys));
    snprintf(want, sizeof(want), "%s\\kernel32.dll", sys);
    SetLastError(0xdeadbeef);
    DWORD n = GetModuleFileNameA(k32, got, sizeof(got));
    check("filename_a", n == strlen(want) && !_stricmp(got, want) && GetLastError() == ERROR_SUCCESS);
    n = GetModuleFileNameW(k32, gotw, MAX_PATH);
    char back[MAX_PATH];
    WideCharToMultiByte(CP_ACP, 0, gotw, -1, back, sizeof(back), NULL, NULL);
    check("filename_w", n == strlen(want) && !_stricmp(back, want));
    check("loadlibrary_by_path", LoadLibraryA(want) == k32);
    check("freelibrary_keeps_it", FreeLibrary(k32) && GetModuleHandleA("kernel32") == k32);
    HMODULE from = NULL;
    check("handle_from_address", GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                                                         GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                                                     (LPCSTR)GetProcAddress(k32, "Sleep"), &from) &&
                                      from == k32);
}

static void queries(HMODULE k32, HMODULE nt)
{
    MODULEINFO mi;
    memset(&mi, 0xaa, sizeof(mi));
    IMAGE_NT_HEADERS64 *h = nt_of(k32);
    check("module_information", GetModuleInformation(GetCurrentProcess(), k32, &mi, sizeof(mi)) &&
                                    mi.lpBaseOfDll == k32 && mi.SizeOfImage == h->OptionalHeader.SizeOfImage &&
                                    mi.EntryPoint == (char *)k32 + h->OptionalHeader.AddressOfEntryPoint &&
                                    mi.EntryPoint != k32);
    PIMAGE_NT_HEADERS(NTAPI * image_nt)(PVOID) = (void *)GetProcAddress(nt, "RtlImageNtHeader");
    check("rtl_image_nt_header", image_nt && (void *)image_nt(k32) == (void *)h);
    LONG(NTAPI * find_entry)(PVOID, void **) = (void *)GetProcAddress(nt, "LdrFindEntryForAddress");
    void *entry = NULL;
    check("ldr_find_entry", find_entry && find_entry((void *)GetProcAddress(k32, "Sleep"), &entry) == 0 && entry &&
                                *(void **)((char *)entry + 0x30) == (void *)k32);
    HMODULE mods[256];
    DWORD need = 0;
    int seen_k32 = 0, seen_nt = 0;
    if (EnumProcessModules(GetCurrentProcess(), mods, sizeof(mods), &need))
        for (DWORD i = 0; i < need / sizeof(HMODULE) && i < 256; i++)
            seen_k32 |= mods[i] == k32, seen_nt |= mods[i] == nt;
    check("enum_process_modules", seen_k32 && seen_nt);
    char base[64];
    check("module_base_name", GetModuleBaseNameA(GetCurrentProcess(), k32, base, sizeof(base)) &&
                                  !_stricmp(base, "kernel32.dll"));
}

/* PEB->Ldr (gs:[0x60] + 0x18), list heads at 0x10, 0x20, 0x30; each link at 0x00, 0x10, 0x20 of
 * its LDR_DATA_TABLE_ENTRY, whose DllBase is at 0x30, SizeOfImage 0x40, FullDllName 0x48,
 * BaseDllName 0x58. */
static int in_list(int which, HMODULE h, const char *base_name, const char *full)
{
    char *peb;
    __asm__("mov %%gs:0x60, %0" : "=r"(peb));
    char *ldr = *(char **)(peb + 0x18);
    LIST_ENTRY *head = (LIST_ENTRY *)(ldr + 0x10 + 0x10 * which);
    for (LIST_ENTRY *l = head->Flink; l != head; l = l->Flink) {
        char *e = (char *)l - 0x10 * which;
        if (*(void **)(e + 0x30) != (void *)h)
            continue;
        struct ustr *fn = (struct ustr *)(e + 0x48), *bn = (struct ustr *)(e + 0x58);
        char f[MAX_PATH] = "", b[64] = "";
        WideCharToMultiByte(CP_ACP, 0, fn->Buffer, fn->Length / 2, f, sizeof(f) - 1, NULL, NULL);
        WideCharToMultiByte(CP_ACP, 0, bn->Buffer, bn->Length / 2, b, sizeof(b) - 1, NULL, NULL);
        return !_stricmp(b, base_name) && !_stricmp(f, full) &&
               *(ULONG *)(e + 0x40) == nt_of(h)->OptionalHeader.SizeOfImage;
    }
    return 0;
}

static void peb_lists(HMODULE k32)
{
    char sys[MAX_PATH], full[MAX_PATH];
    GetSystemDirectoryA(sys, sizeof(sys));
    snprintf(full, sizeof(full), "%s\\kernel32.dll", sys);
    check("ldr_load_order", in_list(0, k32, "kernel32.dll", full));
    check("ldr_memory_order", in_list(1, k32, "kernel32.dll", full));
    check("ldr_init_order", in_list(2, k32, "kernel32.dll", full));
}

/* f(a, b) called with the direction flag set (std), cleared again after it returns. */
static ULONG_PTR call_std(void *f, ULONG_PTR a, ULONG_PTR b)
{
    ULONG_PTR r;
    /* rbx keeps rsp; the call is made with rsp 16-aligned and the 32-byte home area. */
    __asm__ volatile("mov %%rsp, %%rbx\n\tand $-16, %%rsp\n\tsub $32, %%rsp\n\tstd\n\tcall *%3\n\tcld\n\t"
                     "mov %%rbx, %%rsp"
                     : "=a"(r), "+c"(a), "+d"(b)
                     : "r"(f)
                     : "rbx", "r8", "r9", "r10", "r11", "memory", "cc");
    return r;
}

static void direction_flag(HMODULE k32, HMODULE nt)
{
    static CONTEXT c __attribute__((aligned(16)));
    c.ContextFlags = CONTEXT_CONTROL;
    c.Rsp = 0;
    void *get = (void *)GetProcAddress(nt, "NtGetContextThread");
    LONG st = get ? (LONG)call_std(get, (ULONG_PTR)GetCurrentThread(), (ULONG_PTR)&c) : -1;
    check("std_nt_get_context", st == 0 && c.ContextFlags == CONTEXT_CONTROL && c.Rsp);
    char want[MAX_PATH], got[MAX_PATH];
    memset(got, 0, sizeof(got));
    DWORD n = GetCurrentDirectoryA(sizeof(want), want);
    void *cur = (void *)GetProcAddress(k32, "GetCurrentDirectoryA");
    DWORD m = (DWORD)call_std(cur, sizeof(got), (ULONG_PTR)got);
    check("std_current_directory", n && m == n && !strcmp(got, want));
}

/* f(a, b) called with rsp at sp (16-aligned, the 32-byte home area above it), back on the
 * caller's stack after it returns. */
static ULONG_PTR call_on(void *f, ULONG_PTR a, ULONG_PTR b, char *sp)
{
    ULONG_PTR r;
    __asm__ volatile("mov %%rsp, %%rbx\n\tmov %4, %%rsp\n\tcall *%3\n\tmov %%rbx, %%rsp"
                     : "=a"(r), "+c"(a), "+d"(b)
                     : "r"(f), "r"(sp - 32)
                     : "rbx", "r8", "r9", "r10", "r11", "memory", "cc");
    return r;
}

/* NtGetContextThread then NtSetContextThread with what it gave (CONTEXT_CONTROL: the thread
 * returns from the Get again), called from a stack with 2 KiB above an inaccessible page, as
 * Wine's exception.c test_syscall_clobbered_regs calls them: Windows' system calls run on the
 * kernel stack.  winvm's context paths ran on the caller's and faulted below it. */
static void small_stack(HMODULE nt)
{
    void *get = (void *)GetProcAddress(nt, "NtGetContextThread");
    void *set = (void *)GetProcAddress(nt, "NtSetContextThread");
    char *m = VirtualAlloc(NULL, 0x2000, MEM_RESERVE, PAGE_NOACCESS);
    if (!get || !set || !m || !VirtualAlloc(m + 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE)) {
        check("small_stack_get_context", 0);
        check("small_stack_set_context", 0);
        return;
    }
    static CONTEXT c __attribute__((aligned(16)));
    c.ContextFlags = CONTEXT_CONTROL;
    c.Rsp = 0;
    char *sp = m + 0x1000 + 0x800;
    LONG st = (LONG)call_on(get, (ULONG_PTR)GetCurrentThread(), (ULONG_PTR)&c, sp);
    check("small_stack_get_context", st == 0 && c.Rsp == (DWORD64)(sp - 40));
    st = (LONG)call_on(set, (ULONG_PTR)GetCurrentThread(), (ULONG_PTR)&c, sp);
    check("small_stack_set_context", st == 0);
    VirtualFree(m, 0, MEM_RELEASE);
}

int main(void)
{
    HMODULE k32 = GetModuleHandleA("kernel32.dll"), nt = GetModuleHandleA("ntdll.dll");
    check("handles", k32 && nt && k32 != nt);
    if (!k32 || !nt)
        return 1;
    headers(k32);
    lookups(k32, nt);
    copies(k32, nt);
    pages(k32);
    names(k32);
    queries(k32, nt);
    peb_lists(k32);
    direction_flag(k32, nt);
    small_stack(nt);
    return failures;
}
