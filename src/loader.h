/* loader.h - what the loader's two halves share: loader.c (finding, mapping, references,
 * initialisation, the module list) and bind.c (exports, imports, forwarders, static TLS). */
#ifndef WV_LOADER_H
#define WV_LOADER_H

#include "image.h"

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
};

/* The loader lock (recursive: DllMain may load) guards everything below. */
extern pthread_mutex_t wv_loader_lock;
extern struct wv_module *wv_modules;     /* newest first */
extern struct wv_module *wv_main_module; /* the EXE `winvm run` started, if any */
/* DLLs winvm provides itself (kernel32.c, msvcrt.c): a name and an export lookup returning
 * ms_abi functions (or data); their module handle is the entry's address, no image. */
struct wv_builtin {
    const char *name;
    void *(*lookup)(const char *name);
};
/* The builtin DLL of that (normalised) name, or of that handle; NULL when none. */
const struct wv_builtin *wv_builtin_named(const char *name);
const struct wv_builtin *wv_builtin_of(HMODULE h);

/* ---- loader.c ---- */
/* Records why a load failed (winvm_last_load_error); fmt takes two strings. */
void wv_say(const char *fmt, const char *a, const char *b);
/* A malloc'ed copy of name with '/' for '\\' and ".dll" added when it has no extension. */
char *wv_normal_name(const char *name);
struct wv_module *wv_find_base(uintptr_t base);
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
void wv_tls_detach(struct wv_module *m);
/* A new thread's TLS block for m: the template then zero fill (malloc'ed), or NULL. */
void *wv_tls_block(const struct wv_module *m);

#endif
