/* SPDX-License-Identifier: MIT */
/* attach.c - Linux threads that call PE code: a TEB for threads winvm did not create.
 *
 * PE code reads its thread's TEB through gs (mingw's CRT and TLS code, __declspec(thread),
 * stack probes, SEH), so every thread that runs it needs one.  winvm's own threads get theirs
 * when they start (`winvm run`, CreateThread).  A Linux thread of a C program that uses PE DLLs
 * is adopted:
 *   - on its first LoadLibrary*, GetModuleHandle* or GetProcAddress call (so the thread that
 *     loads a DLL has a TEB before any DllMain runs, and a thread that looks up a function has
 *     one before it calls it), or explicitly with winvm_thread_attach();
 *   - its TEB describes its own Linux stack; it gets a block of every module's static TLS, and
 *     DLL_THREAD_ATTACH goes to every initialised DLL (it is a thread that "starts" for them);
 *   - when the pthread ends (a key destructor), or at winvm_thread_detach(), DLL_THREAD_DETACH
 *     goes to them in reverse order and the TEB and TLS blocks are freed.
 * A thread that calls a PE function it got from another thread without any of these calls has
 * no TEB: call winvm_thread_attach() first (docs/semantics.md).
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/thread_int.h"
#include "runtime/synch_int.h"
#include "runtime/actctx.h"

#include <limits.h>
#include <stdio.h>
#include <pthread.h>
#include <unistd.h>

static pthread_key_t wv_adopted_key;
static pthread_once_t wv_adopted_once = PTHREAD_ONCE_INIT;
static __thread bool wv_adopted; /* this thread's TEB is attach.c's */

static void wv_adopted_end(void *unused)
{
    (void)unused;
    if (!wv_adopted)
        return;
    WV_TRACE(WV_TRACE_THREAD, "adopted thread detaching");
    wv_fls_thread_end(true); /* its FLS callbacks first, as Windows */
    wv_loader_thread(false);
    wv_actctx_thread_end();
    wv_fls_thread_free();
    wv_teb_destroy();
    wv_adopted = false;
}

static void wv_adopted_key_make(void) { pthread_key_create(&wv_adopted_key, wv_adopted_end); }

/* The calling thread's Linux stack: [lo, hi). */
static DWORD wv_own_stack(uintptr_t *lo, uintptr_t *hi)
{
    pthread_attr_t attr;
    void *addr;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return ERROR_NOT_ENOUGH_MEMORY;
    int rc = pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        return ERROR_NOT_ENOUGH_MEMORY;
    *lo = (uintptr_t)addr;
    *hi = (uintptr_t)addr + size;
    return 0;
}

/* The PEB's process-wide fields the runtime knows (once, after the first TEB made the PEB):
 * the process heap, and the process parameters (image path, command line, current
 * directory, standard handles). */
static pthread_once_t wv_peb_once = PTHREAD_ONCE_INIT;
static const char *wv_peb_image; /* the EXE `winvm run` starts, else NULL: the Linux program */

static void wv_peb_fill_once(void)
{
    char image[PATH_MAX], cwd[PATH_MAX];
    if (wv_peb_image)
        snprintf(image, sizeof(image), "%s", wv_peb_image);
    else if (!wv_loader_file_name(NULL, image, sizeof(image)))
        image[0] = 0;
    if (!getcwd(cwd, sizeof(cwd)))
        cwd[0] = 0;
    wv_peb_set_heap(GetProcessHeap());
    wv_peb_lock_setup(); /* PEB->FastPebLock (ntdll_peb.c) */
    wv_peb_set_params(image, GetCommandLineA(), cwd, GetStdHandle(STD_INPUT_HANDLE),
                      GetStdHandle(STD_OUTPUT_HANDLE), GetStdHandle(STD_ERROR_HANDLE), NULL);
}

void wv_peb_fill(const char *image)
{
    wv_peb_image = image;
    pthread_once(&wv_peb_once, wv_peb_fill_once);
}

DWORD wv_thread_adopt(void)
{
    if (wv_teb_present())
        return 0;
    wv_runtime_init();
    pthread_once(&wv_adopted_once, wv_adopted_key_make);
    uintptr_t lo, hi;
    DWORD err = wv_own_stack(&lo, &hi);
    if (!err)
        err = wv_teb_create(lo, hi);
    if (err)
        return err;
    wv_fault_attach(); /* its alternate signal stack, for faults in PE code */
    wv_thread_self(); /* its thread object, for OpenThread and SuspendThread */
    wv_peb_fill(NULL);
    wv_adopted = true;
    WV_TRACE(WV_TRACE_THREAD, "Linux thread adopted: TEB for stack %#lx-%#lx", (unsigned long)lo, (unsigned long)hi);
    pthread_setspecific(wv_adopted_key, &wv_adopted); /* non-NULL: the destructor runs */
    wv_fls_thread_start();
    wv_actctx_thread_start(NULL);
    wv_loader_thread(true);
    return 0;
}

BOOL WINAPI winvm_thread_attach(void)
{
    DWORD err = wv_thread_adopt();
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI winvm_thread_detach(void)
{
    if (!wv_adopted)
        return wv_fail(ERROR_INVALID_FUNCTION); /* no TEB, or one winvm's own thread needs */
    pthread_setspecific(wv_adopted_key, NULL);
    wv_adopted_end(NULL);
    return TRUE;
}
