/* handle.h - kernel-object handles (handle.c), files (file.c) and sections (section.c). */
#ifndef WV_HANDLE_H
#define WV_HANDLE_H

#include "internal.h"

enum {
    WV_KIND_ANY = 0, /* for wv_handle_get: whatever the handle names */
    WV_KIND_FILE = 1, WV_KIND_SECTION = 2, WV_KIND_THREAD = 3,
    WV_KIND_EVENT = 4, WV_KIND_MUTEX = 5, WV_KIND_SEMAPHORE = 6
};

/* The common head of every object a HANDLE can name. */
struct wv_object {
    int kind;
    int refs;                                          /* handles + views + callers holding it */
    void (*destroy)(struct wv_object *o);              /* at the last reference */
    void (*on_handle)(struct wv_object *o, int delta); /* handle opened/closed (table lock held) */
};

void wv_object_ref(struct wv_object *o);
void wv_object_unref(struct wv_object *o);
/* A new handle holding a reference to o; NULL (and the last error) when the table is full. */
HANDLE wv_handle_new(struct wv_object *o, DWORD access);
/* The object behind h if it is of this kind (or any, WV_KIND_ANY), with a reference the caller
 * must drop. */
struct wv_object *wv_handle_get(HANDLE h, int kind, DWORD *access);

struct wv_file {
    struct wv_object obj;
    int fd;
    DWORD access; /* GENERIC_* / FILE_* rights it was opened with */
};

struct wv_section {
    struct wv_object obj;
    int handles;     /* open handles: the name lives as long as one does */
    int fd;          /* memfd/shm object, or the file */
    uint64_t size;
    off_t data_offset; /* where the data starts in fd (a named section's header first) */
    DWORD protect;   /* the section's base protection */
    DWORD flags;     /* SEC_* */
    bool file_backed;
    char *name;
    uint64_t *commits;  /* SEC_RESERVE: one bit per page, committed (shared with all views) */
    size_t commits_len;
    struct wv_image *image; /* SEC_IMAGE: the PE file and its layout (image.h) */
};


#endif
