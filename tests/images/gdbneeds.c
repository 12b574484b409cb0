/* gdbneeds.c - the rest of what gdbserver.exe imports, as a program sees it: msvcrt's data
 * exports (_environ, _sys_errlist, _sys_nerr), its stream limit, __lconv_init, IsWow64Process,
 * GetSystemWow64DirectoryA, user32's CharLowerBuffA/CharUpperBuffA, and the traps a debugger
 * plants: int3 (EXCEPTION_BREAKPOINT at the int3, the handler's Rip there) and the trap flag
 * (EXCEPTION_SINGLE_STEP after one instruction, the flag cleared).  Lines "name=ok|FAIL",
 * compared by tests/test_winsock.c. */
#include <windows.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int __cdecl __lconv_init(void);

static int fails;
static void check(const char *name, int ok)
{
    printf("%s=%s\n", name, ok ? "ok" : "FAIL");
    fails += !ok;
}

static void crt_vars(void)
{
    int found = 0;
    for (char **e = _environ; e && *e; e++)
        found |= !strcmp(*e, "GDBNEEDS=here");
    check("environ", found);
    _putenv("GDBNEEDS_NEW=1");
    found = 0;
    for (char **e = _environ; e && *e; e++)
        found |= !strcmp(*e, "GDBNEEDS_NEW=1");
    check("environ_after_putenv", found);
    check("sys_nerr", _sys_nerr == 43);
    char **volatile list = _sys_errlist; /* declared char *[1] by mingw */
    check("sys_errlist", !strcmp(list[2], "No such file or directory") && !strcmp(list[2], strerror(2)));
    check("getmaxstdio", _getmaxstdio() == 512);
    check("setmaxstdio_low", _setmaxstdio(19) == -1 && _getmaxstdio() == 512);
    check("setmaxstdio_high", _setmaxstdio(2049) == -1);
    check("setmaxstdio", _setmaxstdio(20) == 20 && _getmaxstdio() == 20);
    FILE *f[20];
    int opened = 0;
    for (int i = 0; i < 20; i++)
        if ((f[i] = fopen("gdbneeds.exe", "rb")))
            opened++;
    check("stream_limit", opened == 17 && errno == EMFILE); /* 3 standard streams + 17 */
    for (int i = 0; i < 20; i++)
        if (f[i])
            fclose(f[i]);
    FILE *again = fopen("gdbneeds.exe", "rb");
    check("stream_after_close", again != NULL);
    fclose(again);
    _setmaxstdio(512);
    check("lconv_before", (unsigned char)localeconv()->frac_digits == 127);
    check("lconv_init", __lconv_init() == 0 && (unsigned char)localeconv()->frac_digits == 255);
}

static void k32_u32(void)
{
    BOOL wow = TRUE;
    check("iswow64_self", IsWow64Process(GetCurrentProcess(), &wow) && !wow);
    SetLastError(0);
    check("iswow64_bad_handle", !IsWow64Process((HANDLE)(ULONG_PTR)0x1234, &wow) && GetLastError() == ERROR_INVALID_HANDLE);
    char dir[MAX_PATH];
    check("syswow64_dir", GetSystemWow64DirectoryA(dir, sizeof(dir)) == 0 && GetLastError() == ERROR_CALL_NOT_IMPLEMENTED);
    char s[] = "MiXeD Case 123";
    check("charlowerbuff", CharLowerBuffA(s, 8) == 8 && !strcmp(s, "mixed case 123"));
    check("charupperbuff", CharUpperBuffA(s, sizeof(s) - 1) == sizeof(s) - 1 && !strcmp(s, "MIXED CASE 123"));
}

static volatile DWORD code;
static volatile void *addr;
static volatile DWORD64 rip;
static volatile DWORD eflags;

static LONG CALLBACK trap_handler(EXCEPTION_POINTERS *ep)
{
    DWORD c = ep->ExceptionRecord->ExceptionCode;
    if (c != EXCEPTION_BREAKPOINT && c != EXCEPTION_SINGLE_STEP)
        return EXCEPTION_CONTINUE_SEARCH;
    code = c, addr = ep->ExceptionRecord->ExceptionAddress;
    rip = ep->ContextRecord->Rip, eflags = ep->ContextRecord->EFlags;
    if (c == EXCEPTION_BREAKPOINT)
        ep->ContextRecord->Rip++; /* past the int3, as Windows handlers must */
    return EXCEPTION_CONTINUE_EXECUTION;
}

extern char int3_at[], step_from[], step_to[];
static void traps(void)
{
    PVOID h = AddVectoredExceptionHandler(1, trap_handler);
    __asm__ volatile(".globl int3_at\nint3_at: int3\n");
    check("int3", code == EXCEPTION_BREAKPOINT && addr == int3_at && rip == (DWORD64)int3_at);
    code = 0;
    /* the trap flag set by popf: the trap comes after the next instruction, at step_to */
    __asm__ volatile("pushfq\n orq $0x100, (%%rsp)\n popfq\n"
                     ".globl step_from\nstep_from: nop\n"
                     ".globl step_to\nstep_to: nop\n" ::: "memory", "cc");
    check("single_step", code == EXCEPTION_SINGLE_STEP && rip == (DWORD64)step_to && addr == step_to &&
                             !(eflags & 0x100));
    RemoveVectoredExceptionHandler(h);
}

int main(void)
{
    crt_vars();
    k32_u32();
    traps();
    printf("fails=%d\n", fails);
    return fails ? 1 : 0;
}
