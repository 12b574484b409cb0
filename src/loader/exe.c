/* SPDX-License-Identifier: MIT */
/* exe.c - the EXE `winvm run` starts, and the process's exit: the EXE mapped (its view made
 * before a suspended child waits, so that its parent sees the image), then bound and
 * initialised when it starts (its DLLs' DllMain and TLS callbacks, dependencies first); at
 * exit, DLL_PROCESS_DETACH for every initialised DLL.  Each call takes the loader lock
 * (loader.c) for all it does. */
#define _GNU_SOURCE
#include "loader/loader.h"

#include <pthread.h>
#include <stdlib.h>

static pthread_once_t wv_exit_once = PTHREAD_ONCE_INIT; /* DllMain detach at exit, once */
static volatile bool wv_exiting; /* set for good once the exit's detach starts */

bool wv_loader_exiting(void) { return __atomic_load_n(&wv_exiting, __ATOMIC_ACQUIRE); }

/* At exit, as ExitProcess (LdrShutdownProcess): every initialised DLL gets DLL_PROCESS_DETACH
 * with lpReserved non-NULL (process termination), most recently loaded first; nothing is
 * unmapped.  A second call finds none attached. */
void wv_loader_shutdown(void)
{
    pthread_mutex_lock(&wv_loader_lock);
    __atomic_store_n(&wv_exiting, true, __ATOMIC_RELEASE); /* RtlDllShutdownInProgress: TRUE */
    for (struct wv_module *m = wv_modules; m; m = m->next) {
        uint32_t entry = m->img->pe.entry_rva;
        if (!m->attached)
            continue;
        m->attached = false;
        if (m->is_dll && entry)
            ((wv_dllmain_fn)(m->base + entry))((HINSTANCE)m->base, DLL_PROCESS_DETACH, (LPVOID)1);
        wv_call_tls(m, DLL_PROCESS_DETACH);
    }
    /* The exiting thread's static TLS blocks: nothing runs after this that could use them. */
    void **slots = wv_teb_tls_slots();
    for (struct wv_module *m = wv_modules; slots && m; m = m->next)
        if (m->tls_index >= 0) {
            free(slots[m->tls_index]);
            slots[m->tls_index] = NULL;
        }
    pthread_mutex_unlock(&wv_loader_lock);
}

static void wv_exit_register(void) { atexit(wv_loader_shutdown); }

DWORD wv_loader_map_exe(const char *path, uintptr_t *base)
{
    wv_fault_attach();
    pthread_once(&wv_exit_once, wv_exit_register);
    pthread_mutex_lock(&wv_loader_lock);
    struct wv_module *m = NULL;
    wv_say_clear();
    DWORD err = wv_main_module ? ERROR_INVALID_PARAMETER : wv_load(path, NULL, false, &m);
    if (!err && m->base != m->img->pe.image_base && (m->img->pe.characteristics & WV_PE_FILE_RELOCS_STRIPPED)) {
        wv_say("%s: its base is taken and it cannot be relocated (relocations stripped)%s", path, NULL);
        wv_mod_unref(m); /* a program cannot run unrelocated away from its base */
        err = ERROR_INVALID_ADDRESS;
    }
    if (!err) {
        wv_main_module = m; /* GetModuleHandle(NULL) from here on, DllMains included */
        *base = m->base;
    }
    pthread_mutex_unlock(&wv_loader_lock);
    return err;
}

DWORD wv_loader_start_exe(void)
{
    pthread_mutex_lock(&wv_loader_lock);
    struct wv_module *m = wv_main_module;
    wv_say_clear();
    DWORD err = 0;
    if (!m || m->bound) {
        err = ERROR_INVALID_PARAMETER;
    } else if (wv_image_at(m->base) != m->img) {
        /* Its view was unmapped while the process was suspended (another process's
         * NtUnmapViewOfSection): nothing of it is ours to unmap any more. */
        wv_say("%s: its image was unmapped before it started%s", m->name, NULL);
        err = ERROR_INVALID_ADDRESS;
    } else if ((err = wv_bind_new(m)) != 0 || (err = wv_attach(m, true, 0)) != 0) {
        wv_mod_unref(m);
    }
    pthread_mutex_unlock(&wv_loader_lock);
    return err;
}

DWORD wv_loader_load_exe(const char *path, uintptr_t *base)
{
    DWORD err = wv_loader_map_exe(path, base);
    return err ? err : wv_loader_start_exe();
}

void wv_loader_begin(void)
{
    wv_fault_attach();
    pthread_once(&wv_exit_once, wv_exit_register);
}
