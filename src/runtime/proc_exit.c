/* SPDX-License-Identifier: MIT */
/* proc_exit.c - the process's end in Windows' order: ExitProcess, NtTerminateProcess(NULL) and
 * LdrShutdownProcess.
 *
 * ExitProcess (Windows' RtlExitUserProcess) takes the PEB lock and keeps it (a thread holding
 * it keeps the process from ending: Wine's loader.c phase 5 sees the exit hang), then
 * NtTerminateProcess(NULL, code) ends every other thread as TerminateThread does (exit code
 * `code`, no DLL_THREAD_DETACH, their mutexes abandoned, the critical sections they held still
 * held), then LdrShutdownProcess tells every DLL DLL_PROCESS_DETACH with lpReserved non-NULL,
 * and the process ends with the code.  From NtTerminateProcess(NULL) on the process is
 * terminating: a new thread is refused (ERROR_ACCESS_DENIED, STATUS_PROCESS_IS_TERMINATING),
 * and entering a critical section another thread holds (it was ended holding it) ends the
 * process at once with the exit code, as Windows does rather than wait forever (phase 7).
 * All of this for a PE program (`winvm run`); a Linux program's ExitProcess is exit().
 */
#include "runtime/runtime.h"
#include "runtime/thread_int.h"

#include <stdlib.h>
#include <unistd.h>

static int wv_term;       /* atomic: 1 once NtTerminateProcess(NULL) began */
static DWORD wv_term_code; /* its code (set before wv_term) */

/* How long the end of the other threads is waited for: one that cannot reach a safe point
 * (a host call that does not return) is left behind, the process ends around it. */
#define WV_END_WAIT_MS 1000u

bool wv_process_terminating(void) { return __atomic_load_n(&wv_term, __ATOMIC_ACQUIRE) != 0; }

void wv_process_end_now(UINT code)
{
    wv_child_exit(code); /* a CreateProcess parent learns all 32 bits */
    _exit((int)code);    /* no more DLL detach, no atexit: the exit was cut short */
}

/* The critical section's wait found its owner gone while the process terminates. */
void wv_process_cs_orphaned(void)
{
    if (wv_process_terminating())
        wv_process_end_now(__atomic_load_n(&wv_term_code, __ATOMIC_ACQUIRE));
}

void wv_process_end_others(DWORD code)
{
    int no = 0;
    if (__atomic_load_n(&wv_term, __ATOMIC_ACQUIRE) == 0) {
        __atomic_store_n(&wv_term_code, code, __ATOMIC_RELEASE);
        __atomic_compare_exchange_n(&wv_term, &no, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    }
    wv_thread_end_others(code, WV_END_WAIT_MS);
}

WV_MSABI void wv_nt_LdrShutdownProcess(void)
{
    wv_loader_shutdown();
}

/* exit(), not _exit(), at the end: the C runtime's detach is what runs its atexit functions and
 * flushes its streams, and exit() is that on Linux; the DLLs' detach is registered with it
 * (exe.c).  A Linux parent sees the low 8 bits only. */
void WINAPI ExitProcess(UINT code)
{
    /* A Linux program using libwinvm ends as Linux programs do: its threads are its own. */
    if (wv_main_module) {
        wv_peb_lock_hold(); /* held to the end, as Windows */
        wv_process_end_others(code);
    }
    /* The detach (wv_loader_shutdown) runs inside exit(), after the C runtime's onexit
     * functions (msvcrt's exit is this call: on Windows they ran before it), so C++ static
     * destructors still find the TLS a DLL's detach frees. */
    wv_child_exit(code); /* a CreateProcess parent learns all 32 bits (process_child.c) */
    exit((int)code);
}
