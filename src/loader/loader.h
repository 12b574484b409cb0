/* SPDX-License-Identifier: MIT */
/* loader.h - the DLL loader (loader.c: finding, mapping, references, initialisation, the
 * module list; loadex.c: LoadLibraryEx's and LdrLoadDll's loads; search.c and dlldir.c: the
 * search order and the directories PE code sets; bind.c: exports, imports, forwarders, static TLS) and the thread environment
 * PE code sees (teb.c: TEB, PEB).  Above sections; below the Win32 API and the runtime, which
 * registers the DLLs winvm serves itself (kernel32, msvcrt) as builtins.
 *
 * Locking: the loader lock (recursive: DllMain may load) guards the module list and every
 * module; it is taken before the space lock, never under it.
 */
#ifndef WV_LOADER_H
#define WV_LOADER_H

#include "base/base.h"
#include "mm/mm.h"
#include "fault/fault.h"
#include "section/section.h"

#include <pthread.h>

typedef BOOL(__attribute__((ms_abi)) * wv_dllmain_fn)(HINSTANCE, DWORD, LPVOID);
typedef void(__attribute__((ms_abi)) * wv_tls_fn)(PVOID, DWORD, PVOID);

struct wv_module {
    struct wv_module *next;
    char *path;            /* the file it came from */
    const char *name;      /* its file name, inside path */
    uintptr_t base;        /* hInstance */
    struct wv_image *img;  /* the section's image (the view holds the section) */
    int refs;              /* LoadLibrary calls + modules of other units importing it */
    struct wv_module *unit; /* modules importing each other in a loop form one unit (see below) */
    bool attached;         /* DllMain(PROCESS_ATTACH) returned TRUE */
    bool bound;            /* imports bound; not yet initialised when !attached */
    bool is_dll;
    int tls_index;         /* its static TLS slot, or -1 */
    uint64_t tls_start, tls_size, tls_zero; /* its TLS template (a VA in the image) and sizes */
    size_t ndeps;
    struct wv_module **deps; /* what it holds references on (imports, forwarders) */
    void *ldr;               /* its PEB->Ldr entry (peb.c), NULL when not linked */
    const struct wv_builtin *builtin; /* a DLL winvm serves (builtin.c): never unloaded */
    bool pinned;             /* GetModuleHandleEx(PIN): never unloaded, FreeLibrary changes nothing */
};

/* The loader lock (recursive: DllMain may load) guards everything below. */
extern pthread_mutex_t wv_loader_lock;
extern struct wv_module *wv_modules;     /* newest first */
extern struct wv_module *wv_main_module; /* the EXE `winvm run` started, if any */
/* DLLs winvm provides itself (the runtime's kernel32, msvcrt, ...): a name, an export lookup
 * returning ms_abi functions (or data), and the export names in strcmp order (name_at(i),
 * NULL past the end).  Each gets a generated PE image and a module the first time one is named
 * (builtin.c).  The runtime registers them (wv_loader_set_builtins) before it loads anything. */
struct wv_builtin {
    const char *name;
    void *(*lookup)(const char *name);
    const char *(*name_at)(size_t i);
};
/* table: n entries (at most 16), static storage; later calls change nothing. */
void wv_loader_set_builtins(const struct wv_builtin *table, size_t n);
/* The builtin DLL of that normalised name (or system-directory path), or whose module that
 * handle is; NULL when none. */
const struct wv_builtin *wv_builtin_named(const char *name);
const struct wv_builtin *wv_builtin_of(HMODULE h);
/* The name of builtin i ("kernel32.dll"), NULL past the last. */
const char *wv_builtin_name_at(size_t i);
/* bi's module, made (with ntdll's and kernel32's first) when it is not yet.  Takes the loader
 * lock.  0 or a Win32 error. */
DWORD wv_builtin_module(const struct wv_builtin *bi, struct wv_module **out);
/* The address PE code is given for bi's export name (imports, GetProcAddress, forwarders): its
 * stub in the image, ntdll's for a forwarded one, a variable itself.  0, ERROR_PROC_NOT_FOUND
 * (NULL name: by ordinal, not served), or the module's creation error. */
DWORD wv_builtin_proc(const struct wv_builtin *bi, const char *name, void **out);
/* The `ret` of bi's entry point in its image (WV_BI_RET): where a thread inside one of bi's
 * calls is shown to be, as Windows shows one inside a system call at its stub's `ret`.  0, or
 * the module's creation error. */
DWORD wv_builtin_ret(const struct wv_builtin *bi, void **out);
/* bi's file, C:\windows\system32\<name> (docs/semantics.md, "The system directory"): a
 * sealed in-memory file holding the bytes its image was made from (file offsets are RVAs, so
 * the file is SizeOfImage long and its ImageBase the preferred one; the stubs hold this
 * process's addresses), shown under the module's path.  Made the first time it is asked for,
 * after the module (made if it is not yet), and kept for the process's life: *fd is the
 * loader's, never closed by the caller.  Takes the loader lock.  0 or a Win32 error. */
DWORD wv_builtin_file(const struct wv_builtin *bi, int *fd);
/* builtin_pe.c: the image bytes (wv_os_alloc'ed, *len of them) of bi for base, kind[i] and
 * addr[i] the kind and address of table entry i of n.  NULL without memory. */
enum { WV_BI_CODE, WV_BI_DATA, WV_BI_FORWARD };
#define WV_BI_TEXT 0x1000u /* .text's RVA */
#define WV_BI_STUBS 16u    /* the first stub's offset in .text (the DllMain before it) */
#define WV_BI_STUB 16u     /* bytes per stub: cld, jmp [rip+1], int3, the target */
#define WV_BI_RET 5u       /* the entry point's ret (mov eax, TRUE; ret), from .text's start */
uint8_t *wv_builtin_pe(const struct wv_builtin *bi, const uint8_t *kind, void *const *addr, size_t n, uintptr_t base,
                       size_t *len);

/* ---- loader.c: what the public module calls (runtime/module.c) do ---- */
/* LoadLibraryEx of file (not NULL; flags validated by the caller).  0 or a Win32 error. */
DWORD wv_loader_load_library(const char *file, DWORD flags, HMODULE *out);
/* LoadLibraryEx's search for a DLL it maps as data (flags: its LOAD_LIBRARY_SEARCH_* bits):
 * *loaded the module when the file found is one already loaded (a reference taken, as
 * LoadLibrary would) or a builtin of that name, else NULL and its host path in path.  0,
 * ERROR_MOD_NOT_FOUND (a name not found), or ERROR_FILE_NOT_FOUND / ERROR_PATH_NOT_FOUND. */
DWORD wv_loader_open_file(const char *file, DWORD flags, HMODULE *loaded, char *path, size_t cap);
/* LdrLoadDll: wv_loader_load_library with the DLL (and its imports) searched for along list
 * (host directories, ':'-separated) instead of the standard order; NULL list: the standard one. */
DWORD wv_loader_load_along(const char *file, const char *list, HMODULE *out);
/* Before a load: the thread's fault handling attached, the exit-time detach registered. */
void wv_loader_begin(void);
/* FreeLibrary: 0 or ERROR_MOD_NOT_FOUND. */
DWORD wv_loader_free(HMODULE h);
/* GetModuleHandle: the module of that name (NULL name: the EXE), or NULL. */
HMODULE wv_loader_find(const char *name);
/* Pins m (loader lock held): it and its unit stay loaded until the process ends, whatever
 * FreeLibrary does (GetModuleHandleEx's PIN, LdrAddRefDll's LDR_ADDREF_DLL_PIN). */
void wv_loader_pin(struct wv_module *m);
/* GetModuleFileName: the module's path (NULL h: the EXE, or this program) into path; false
 * when h is no module. */
bool wv_loader_file_name(HMODULE h, char *path, size_t cap);
/* GetProcAddress: 0 with *out, or ERROR_PROC_NOT_FOUND / ERROR_MOD_NOT_FOUND /
 * ERROR_INVALID_ORDINAL (bind.c). */
DWORD wv_loader_proc(HMODULE h, const char *proc, void **out);

/* ---- relay.c: WINVM_DEBUG=+relay ---- */
/* The address PE code is given for builtin dll's export name at fn: fn itself when the relay
 * channel is off (or fn is data, or a call that reads its caller's frame), else a stub that
 * logs the call and its result around fn. */
void *wv_relay_wrap(const char *dll, const char *name, void *fn);

/* Records why a load failed (winvm_last_load_error); fmt takes two strings. */
void wv_say(const char *fmt, const char *a, const char *b);
/* Forgets this thread's last load error (a new load starts). */
void wv_say_clear(void);
/* Binds a new module's imports (loader.c): 0 or the error, the module then unloaded by the caller. */
DWORD wv_bind_new(struct wv_module *m);
/* Runs m's TLS callbacks for reason (loader.c). */
void wv_call_tls(struct wv_module *m, DWORD reason);
/* The NTSTATUS of this thread's last module file that could not be made an image (as
 * NtCreateSection's for it: wv_image_file_status), 0 when its last map succeeded or failed
 * otherwise: what LdrLoadDll reports for ERROR_BAD_EXE_FORMAT. */
DWORD wv_loader_image_status(void);
/* A malloc'ed copy of name with '/' for '\\' and ".dll" added when it has no extension. */
char *wv_normal_name(const char *name);
/* search.c: opens the DLL name (normalised) in the search order; app_dir the EXE's directory
 * (NULL: the Linux program's), from the importer's (NULL: none).  The fd and its path, or -1. */
int wv_dll_search(const char *name, const char *app_dir, const char *from, char *path, size_t cap);
/* Whether this thread's last wv_dll_search passed over an i386 image (nothing else found: that
 * image is what the name meant, STATUS_INVALID_IMAGE_FORMAT rather than not found). */
bool wv_search_passed_over(void);
struct wv_module *wv_find_base(uintptr_t base);

/* ---- dlldir.c: the search directories PE code sets (all guarded by the loader lock) ---- */
#define WV_SEARCH_FLAGS                                                                              \
    (LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_APPLICATION_DIR | LOAD_LIBRARY_SEARCH_USER_DIRS | \
     LOAD_LIBRARY_SEARCH_SYSTEM32 | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS)
struct wv_user_dir {
    struct wv_user_dir *next;
    char *path; /* host path */
};
extern char *wv_dlldir_shown, *wv_dlldir_host; /* SetDllDirectory's, NULL when none */
extern struct wv_user_dir *wv_user_dirs;       /* AddDllDirectory's, newest first */
extern DWORD wv_search_default;                /* SetDefaultDllDirectories' set, 0: none */
extern DWORD wv_search_now; /* LOAD_LIBRARY_SEARCH_* of the load in progress, 0: standard order */
extern const char *wv_search_list; /* LdrLoadDll's ':'-separated host path of the load in progress */
/* SetDllDirectory: shown (as given) and host NULL to clear. */
DWORD wv_dlldir_set(const char *shown, const char *host);
char *wv_dlldir_get(void); /* malloc'ed, "" when none; NULL: no memory */
DWORD wv_user_dir_add(const char *host, void **cookie);
DWORD wv_user_dir_remove(void *cookie); /* ERROR_INVALID_PARAMETER: no such cookie */
DWORD wv_search_set_default(DWORD flags);
/* The directory a module's imports are searched from first: its own. */
void wv_module_dir(const struct wv_module *m, char *dir, size_t cap);
/* Loads (or references) name, searched from `from` first; *out holds one reference. */
DWORD wv_load(const char *name, const char *from, bool bind, struct wv_module **out);
/* Runs the initialisers of m's graph that have not run, dependencies first. */
DWORD wv_attach(struct wv_module *m, bool static_load, int depth);
/* Drops a reference; the unit goes when none of its members is referenced. */
void wv_mod_unref(struct wv_module *m);
/* Import loops: the unit's representative, whether t is being loaded now, and merging every
 * module loaded since t into t's unit. */
struct wv_module *wv_unit(struct wv_module *m);
bool wv_is_loading(const struct wv_module *t);
void wv_close_loop(struct wv_module *t);
bool wv_add_dep(struct wv_module *m, struct wv_module *dep);

/* ---- bind.c ---- */
/* Binds m's imports and sets up its static TLS slot, the image writable meanwhile. */
DWORD wv_bind(struct wv_module *m, const char *dir);
void wv_static_tls_detach(struct wv_module *m);
/* A new thread's TLS block for m: the template then zero fill (malloc'ed), or NULL. */
void *wv_static_tls_block(const struct wv_module *m);

/* ---- loader.c: the EXE and threads ---- */
/* Loads the EXE at path as the process's main module (GetModuleHandle(NULL)): its imports
 * bound, its DLLs initialised.  0 or a Win32 error; winvm_last_load_error() says why.  The
 * two steps it is made of, as Windows splits them between the kernel and ntdll:
 * wv_loader_map_exe maps the EXE at its base as the main module, nothing bound or run (what
 * NtCreateUserProcess leaves a CREATE_SUSPENDED child with, for its parent to query, read and
 * even unmap); wv_loader_start_exe (LdrInitializeThunk's part) binds its imports and runs the
 * initialisers: ERROR_INVALID_ADDRESS when the image was unmapped meanwhile. */
DWORD wv_loader_load_exe(const char *path, uintptr_t *base);
DWORD wv_loader_map_exe(const char *path, uintptr_t *base);
/* Whether the process has begun its exit: DLL_PROCESS_DETACH for every DLL is running or done
 * (RtlDllShutdownInProgress). */
bool wv_loader_exiting(void);
/* LdrShutdownProcess: DLL_PROCESS_DETACH (lpReserved non-NULL) for every initialised DLL, once
 * (exe.c; also at exit()). */
void wv_loader_shutdown(void);
DWORD wv_loader_start_exe(void);
/* A PE thread's start (attach) or end: static TLS blocks, TLS callbacks, DllMain. */
void wv_loader_thread(bool attach);

/* ---- teb.c: the thread environment of threads running PE code ---- */
/* Gives the calling thread (which has none) a TEB (the process's PEB made with the first), gs
 * pointing at it, registered for wv_teb_each_slots. */
DWORD wv_teb_create(uintptr_t stack_lo, uintptr_t stack_hi);
/* Takes it away; the caller has freed its static TLS blocks (wv_loader_thread(false)). */
void wv_teb_destroy(void);
bool wv_teb_present(void);
/* The calling thread's TEB, or NULL. */
void *wv_teb_self(void);
/* This thread's TEB->ThreadLocalStoragePointer (static TLS blocks by slot), or NULL when the
 * thread has no TEB (a Linux thread using winvm as a library). */
void **wv_teb_tls_slots(void);
/* fn(slots of each live TEB, arg), under the TEB list's lock (a leaf): loader lock held. */
void wv_teb_each_slots(void (*fn)(void **slots, void *arg), void *arg);

/* ---- peb.c: the process environment block ---- */
/* Windows 10 22H2, the version GetVersionEx reports for a manifested program: the PEB's and
 * KUSER_SHARED_DATA's (runtime/kusd.c). */
#define WV_OS_MAJOR 10
#define WV_OS_MINOR 0
#define WV_OS_BUILD 19045
DWORD wv_peb_create(void); /* once; later calls return 0 */
void *wv_peb(void);
void wv_peb_set_image(uintptr_t base);
void wv_peb_set_heap(void *heap);
/* PEB->FlsCallback: the table of FLS callbacks by index (runtime/fls.c). */
void wv_peb_set_fls_callbacks(void *table);
/* &PEB->FlsListHead (made empty with the PEB), or NULL before there is a PEB. */
void *wv_peb_fls_list_head(void);
/* PEB->FastPebLock: the critical section RtlAcquirePebLock takes (runtime/ntdll_peb.c). */
void wv_peb_set_lock(void *lock);
/* RTL_USER_PROCESS_PARAMETERS: strings (UTF-8, kept as UTF-16 copies), handles, the
 * environment block (not copied).  Once, before PE code runs. */
void wv_peb_set_params(const char *image_path, const char *command_line, const char *current_dir,
                       HANDLE std_in, HANDLE std_out, HANDLE std_err, const WCHAR *environment);
/* RTL_USER_PROCESS_PARAMETERS' StandardInput (i 0), StandardOutput (1) or StandardError (2):
 * SetStdHandle's record, which code reading the PEB sees. */
void wv_peb_set_std(unsigned i, HANDLE h);
/* PEB->Ldr's lists (loader lock held): a mapped module enters the load and memory order
 * lists; initialised, the initialisation order list; unloaded, none. */
DWORD wv_ldr_link(struct wv_module *m);
void wv_ldr_initialized(struct wv_module *m);
void wv_ldr_set_tls_index(struct wv_module *m);
void wv_ldr_unlink(struct wv_module *m);
/* unload.c: the unload event trace, RTL_UNLOAD_EVENT_TRACE's layout: the last
 * WV_UNLOAD_EVENTS DLLs unlinked (wv_ldr_unlink records each, loader lock held), entry
 * sequence % WV_UNLOAD_EVENTS, a zeroed entry after them. */
#define WV_UNLOAD_EVENTS 64
#define WV_UNLOAD_NAME 32
struct wv_unload_event {
    void *base;
    SIZE_T size;
    ULONG sequence, time_date_stamp, checksum;
    WCHAR name[WV_UNLOAD_NAME];
};
void wv_unload_record(const struct wv_module *m);
struct wv_unload_event *wv_unload_trace(void);
/* RtlGetUnloadEventTraceEx's answer: the entry size, the entry count, and a pointer to the
 * pointer to the first entry. */
void wv_unload_trace_ex(ULONG **size, ULONG **count, void **trace);
/* Set by the runtime of a debugged process: told of each image linked (load) and unlinked. */
extern void (*volatile wv_ldr_debug_hook)(uintptr_t base, bool load);
/* fn(arg) with the Windows x64 convention on the stack whose top is top. */
int wv_call_on_stack(void *fn, void *arg, void *top);

#endif
