/* SPDX-License-Identifier: MIT */
/* winvm/debug.h - the Win32 debug API (docs/debugging.md): debug events with Windows' layout
 * and values, and the calls a debugger and its debuggee make. */
#ifndef WINVM_DEBUG_H
#define WINVM_DEBUG_H

#ifdef __cplusplus
extern "C" {
#endif

#define DEBUG_ONLY_THIS_PROCESS 0x00000002

#define EXCEPTION_DEBUG_EVENT 1
#define CREATE_THREAD_DEBUG_EVENT 2
#define CREATE_PROCESS_DEBUG_EVENT 3
#define EXIT_THREAD_DEBUG_EVENT 4
#define EXIT_PROCESS_DEBUG_EVENT 5
#define LOAD_DLL_DEBUG_EVENT 6
#define UNLOAD_DLL_DEBUG_EVENT 7
#define OUTPUT_DEBUG_STRING_EVENT 8
#define RIP_EVENT 9

#define DBG_EXCEPTION_HANDLED ((DWORD)0x00010001)
#define DBG_CONTINUE ((DWORD)0x00010002)
#define DBG_TERMINATE_PROCESS ((DWORD)0x40010004)
#define DBG_REPLY_LATER ((DWORD)0x40010001)
#define DBG_EXCEPTION_NOT_HANDLED ((DWORD)0x80010001)
/* OutputDebugStringA raises DBG_PRINTEXCEPTION_C {length with the NUL, the string};
 * OutputDebugStringW first DBG_PRINTEXCEPTION_WIDE_C {UTF-16 units with the NUL, the string,
 * the ANSI form's length with the NUL, the ANSI form}, and when nobody continued that, what
 * OutputDebugStringA raises for the ANSI form. */
#define DBG_PRINTEXCEPTION_C ((DWORD)0x40010006)
/* RtlRaiseException of DBG_RIPEXCEPTION {error, type} reaches a debugger as RIP_EVENT with
 * RipInfo {dwError, dwType}, in place of its first chance. */
#define DBG_RIPEXCEPTION ((DWORD)0x40010007)
#define DBG_PRINTEXCEPTION_WIDE_C ((DWORD)0x4001000A)
#ifndef STATUS_BREAKPOINT
#define STATUS_BREAKPOINT ((DWORD)0x80000003)
#endif
#define EXCEPTION_BREAKPOINT STATUS_BREAKPOINT
#ifndef STATUS_SINGLE_STEP
#define STATUS_SINGLE_STEP ((DWORD)0x80000004)
#endif
#define EXCEPTION_SINGLE_STEP STATUS_SINGLE_STEP
#ifndef ERROR_SEM_TIMEOUT
#define ERROR_SEM_TIMEOUT 121L
#endif

typedef struct _EXCEPTION_DEBUG_INFO {
    EXCEPTION_RECORD ExceptionRecord;
    DWORD dwFirstChance;
} EXCEPTION_DEBUG_INFO, *LPEXCEPTION_DEBUG_INFO;

typedef struct _CREATE_THREAD_DEBUG_INFO {
    HANDLE hThread;
    LPVOID lpThreadLocalBase;
    LPTHREAD_START_ROUTINE lpStartAddress;
} CREATE_THREAD_DEBUG_INFO, *LPCREATE_THREAD_DEBUG_INFO;

typedef struct _CREATE_PROCESS_DEBUG_INFO {
    HANDLE hFile;
    HANDLE hProcess;
    HANDLE hThread;
    LPVOID lpBaseOfImage;
    DWORD dwDebugInfoFileOffset;
    DWORD nDebugInfoSize;
    LPVOID lpThreadLocalBase;
    LPTHREAD_START_ROUTINE lpStartAddress;
    LPVOID lpImageName;
    WORD fUnicode;
} CREATE_PROCESS_DEBUG_INFO, *LPCREATE_PROCESS_DEBUG_INFO;

typedef struct _EXIT_THREAD_DEBUG_INFO {
    DWORD dwExitCode;
} EXIT_THREAD_DEBUG_INFO, *LPEXIT_THREAD_DEBUG_INFO;

typedef struct _EXIT_PROCESS_DEBUG_INFO {
    DWORD dwExitCode;
} EXIT_PROCESS_DEBUG_INFO, *LPEXIT_PROCESS_DEBUG_INFO;

typedef struct _LOAD_DLL_DEBUG_INFO {
    HANDLE hFile;
    LPVOID lpBaseOfDll;
    DWORD dwDebugInfoFileOffset;
    DWORD nDebugInfoSize;
    LPVOID lpImageName;
    WORD fUnicode;
} LOAD_DLL_DEBUG_INFO, *LPLOAD_DLL_DEBUG_INFO;

typedef struct _UNLOAD_DLL_DEBUG_INFO {
    LPVOID lpBaseOfDll;
} UNLOAD_DLL_DEBUG_INFO, *LPUNLOAD_DLL_DEBUG_INFO;

typedef struct _OUTPUT_DEBUG_STRING_INFO {
    LPSTR lpDebugStringData;
    WORD fUnicode;
    WORD nDebugStringLength;
} OUTPUT_DEBUG_STRING_INFO, *LPOUTPUT_DEBUG_STRING_INFO;

typedef struct _RIP_INFO {
    DWORD dwError;
    DWORD dwType;
} RIP_INFO, *LPRIP_INFO;

typedef struct _DEBUG_EVENT {
    DWORD dwDebugEventCode;
    DWORD dwProcessId;
    DWORD dwThreadId;
    union {
        EXCEPTION_DEBUG_INFO Exception;
        CREATE_THREAD_DEBUG_INFO CreateThread;
        CREATE_PROCESS_DEBUG_INFO CreateProcessInfo;
        EXIT_THREAD_DEBUG_INFO ExitThread;
        EXIT_PROCESS_DEBUG_INFO ExitProcess;
        LOAD_DLL_DEBUG_INFO LoadDll;
        UNLOAD_DLL_DEBUG_INFO UnloadDll;
        OUTPUT_DEBUG_STRING_INFO DebugString;
        RIP_INFO RipInfo;
    } u;
} DEBUG_EVENT, *LPDEBUG_EVENT;

/* The debugger's side: the debuggees are the children this process created with
 * DEBUG_PROCESS or DEBUG_ONLY_THIS_PROCESS. */
WINBASEAPI BOOL WINAPI WaitForDebugEvent(LPDEBUG_EVENT lpDebugEvent, DWORD dwMilliseconds);
WINBASEAPI BOOL WINAPI WaitForDebugEventEx(LPDEBUG_EVENT lpDebugEvent, DWORD dwMilliseconds);
WINBASEAPI BOOL WINAPI ContinueDebugEvent(DWORD dwProcessId, DWORD dwThreadId, DWORD dwContinueStatus);
WINBASEAPI BOOL WINAPI DebugActiveProcessStop(DWORD dwProcessId);
/* Attaches to a running winvm process of this user (src/runtime/debug_attach.c). */
WINBASEAPI BOOL WINAPI DebugActiveProcess(DWORD dwProcessId);
WINBASEAPI BOOL WINAPI DebugSetProcessKillOnExit(BOOL KillOnExit);
WINBASEAPI BOOL WINAPI CheckRemoteDebuggerPresent(HANDLE hProcess, PBOOL pbDebuggerPresent);
/* The debuggee's side: IsDebuggerPresent, OutputDebugStringA/W (winvm.h); DebugBreak and
 * DbgBreakPoint are served to PE code only. */

#ifdef __cplusplus
}
#endif
#endif
