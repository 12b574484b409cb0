/* imgcache.c - the per-user image cache: PE files laid out page-aligned, once, so that every
 * process maps the same file pages (and so shares them), whatever the file alignment, and
 * relocated layouts for the shared policy's per-boot base.
 *
 * Where: $WINVM_CACHE_DIR, else $XDG_CACHE_HOME/winvm, else $HOME/.cache/winvm.  The directory
 * must be ours and closed to everyone else (0700); otherwise the cache is not used and images
 * are private copies (said once on stderr).
 *
 * An entry is <key>-<base>.img: a header page, then the image as mapped (offset = RVA + one
 * page), bss as holes.  The key hashes the source's identity (device, inode, size, mtime,
 * ctime), and the header repeats it in full.  Invariants checked before any use:
 *   - regular file, owned by us, not writable by group or others;
 *   - size = header page + SizeOfImage, header matches the source and the base;
 *   - mtime equals the stamp in the header: the entry was set to it after its last write, so
 *     any later write (which moves mtime) invalidates it.
 * An entry failing any check is removed and rebuilt.  Entries are written whole into an
 * O_TMPFILE and linked under a temporary name, then renamed: no process ever sees a partial
 * entry.  Each use sets the entry's atime; when the cache passes $WINVM_CACHE_MAX bytes
 * (default 1 GiB) after an insert, the least recently used entries go first.
 */
#define _GNU_SOURCE
#include "section/section.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WV_CACHE_MAGIC 0x31676d6976767777ull /* "wwvvimg1" */
#define WV_CACHE_DEFAULT_MAX ((uint64_t)1 << 30)

struct wv_cache_header {
    uint64_t magic;
    uint64_t dev, ino, size;
    int64_t mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
    uint64_t base, image_size;
    int64_t stamp_sec, stamp_nsec;
    char source[1024];
};

/* ---- the directory ---- */

#define WV_DIR_MAX 4096

static bool wv_mkdir_private(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST;
}

/* The cache directory, created 0700 if missing, written into dir (WV_DIR_MAX bytes: each
 * caller its own, as threads may ask at once and the environment may change): dir, or NULL
 * with *why saying why it is not usable (dir then holds the path tried, or ""). */
static const char *wv_cache_dir(char *dir, const char **why)
{
    const char *env = getenv("WINVM_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    *why = NULL;
    dir[0] = 0;
    if (env && *env)
        snprintf(dir, WV_DIR_MAX, "%s", env);
    else if (xdg && *xdg)
        snprintf(dir, WV_DIR_MAX, "%s/winvm", xdg);
    else if (home && *home) {
        snprintf(dir, WV_DIR_MAX, "%s/.cache", home);
        wv_mkdir_private(dir);
        snprintf(dir, WV_DIR_MAX, "%s/.cache/winvm", home);
    } else {
        *why = "no $WINVM_CACHE_DIR, $XDG_CACHE_HOME or $HOME";
        return NULL;
    }
    struct stat st;
    if (lstat(dir, &st) != 0 && (!wv_mkdir_private(dir) || lstat(dir, &st) != 0))
        *why = "cannot be created";
    else if (!S_ISDIR(st.st_mode))
        *why = "is not a directory";
    else if (st.st_uid != geteuid())
        *why = "is owned by another user";
    else if (st.st_mode & 077)
        *why = "is open to group or others (needs mode 0700)";
    return *why ? NULL : dir;
}

/* Says once per process why images are private copies. */
static void wv_cache_warn(const char *dir, const char *why)
{
    static int said;
    if (__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
        return;
    fprintf(stderr, "winvm: image cache %s %s: images are mapped as private copies, not shared\n",
            dir, why);
}

/* ---- entries ---- */

static uint64_t wv_key(const struct stat *st)
{
    uint64_t key[7] = {st->st_dev, st->st_ino, (uint64_t)st->st_size, (uint64_t)st->st_mtim.tv_sec,
                       (uint64_t)st->st_mtim.tv_nsec, (uint64_t)st->st_ctim.tv_sec,
                       (uint64_t)st->st_ctim.tv_nsec};
    return wv_hash(WV_HASH_INIT, key, sizeof(key));
}

static void wv_header_fill(struct wv_cache_header *h, const struct wv_image *img, uint64_t base)
{
    memset(h, 0, sizeof(*h));
    h->magic = WV_CACHE_MAGIC;
    h->dev = img->st.st_dev, h->ino = img->st.st_ino, h->size = (uint64_t)img->st.st_size;
    h->mtime_sec = img->st.st_mtim.tv_sec, h->mtime_nsec = img->st.st_mtim.tv_nsec;
    h->ctime_sec = img->st.st_ctim.tv_sec, h->ctime_nsec = img->st.st_ctim.tv_nsec;
    h->base = base, h->image_size = img->size;
    if (img->path)
        snprintf(h->source, sizeof(h->source), "%s", img->path);
}

/* The entry's descriptor when every invariant holds; -1 otherwise. */
static int wv_entry_open(const char *path, const struct wv_cache_header *want)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    struct wv_cache_header h;
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
              !(st.st_mode & 022) && (uint64_t)st.st_size == WV_PAGE_SIZE + want->image_size &&
              pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) && h.magic == want->magic &&
              h.dev == want->dev && h.ino == want->ino && h.size == want->size &&
              h.mtime_sec == want->mtime_sec && h.mtime_nsec == want->mtime_nsec &&
              h.ctime_sec == want->ctime_sec && h.ctime_nsec == want->ctime_nsec &&
              h.base == want->base && h.image_size == want->image_size &&
              st.st_mtim.tv_sec == h.stamp_sec && st.st_mtim.tv_nsec == h.stamp_nsec;
    if (!ok) {
        close(fd);
        unlink(path); /* stale, modified or foreign: rebuilt by the caller */
        return -1;
    }
    /* Recently used, for eviction; the stamp (mtime) stays. */
    struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    futimens(fd, ts);
    return fd;
}

static bool wv_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return false;
        }
        p += n, len -= (size_t)n, off += n;
    }
    return true;
}

/* Writes the layout's non-zero pages (zero ones stay holes: bss costs no disk). */
static bool wv_write_layout(int fd, const uint8_t *buf, uint64_t size)
{
    static const uint8_t zero[4096];
    for (uint64_t o = 0; o < size;) {
        while (o < size && !memcmp(buf + o, zero, WV_PAGE_SIZE))
            o += WV_PAGE_SIZE;
        uint64_t e = o;
        while (e < size && memcmp(buf + e, zero, WV_PAGE_SIZE))
            e += WV_PAGE_SIZE;
        if (e > o && !wv_pwrite_all(fd, buf + o, e - o, (off_t)(WV_PAGE_SIZE + o)))
            return false;
        o = e;
    }
    return true;
}

static void wv_cache_evict(const char *dir);

/* Builds the entry for img at base and publishes it at path; its descriptor or -1. */
static int wv_entry_build(struct wv_image *img, const char *dir, const char *path,
                          struct wv_cache_header *h)
{
    uint8_t *buf = wv_os_alloc(img->size);
    if (!buf)
        return -1;
    int fd = -1;
    if (wv_image_layout(img, h->base, buf) != 0)
        goto out;
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        goto out;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    h->stamp_sec = now.tv_sec - 1; /* any later write moves mtime to now: never equal */
    h->stamp_nsec = (now.tv_nsec ^ (long)getpid() * 7919) % 1000000000;
    char tmp[4400], link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
    struct timespec ts[2] = {{0, UTIME_NOW}, {h->stamp_sec, h->stamp_nsec}};
    if (ftruncate(fd, (off_t)(WV_PAGE_SIZE + img->size)) != 0 || !wv_pwrite_all(fd, h, sizeof(*h), 0) ||
        !wv_write_layout(fd, buf, img->size) || futimens(fd, ts) != 0 ||
        linkat(AT_FDCWD, link, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) != 0) {
        close(fd);
        fd = -1;
        goto out;
    }
    if (rename(tmp, path) != 0)
        unlink(tmp); /* still usable through fd, just not shared */
    else
        wv_cache_evict(dir);
out:
    wv_os_unmap((uintptr_t)buf, img->size);
    return fd;
}

int wv_cache_entry(struct wv_image *img, uint64_t base)
{
    char tried[WV_DIR_MAX];
    const char *why, *dir = wv_cache_dir(tried, &why);
    if (!dir) {
        wv_cache_warn(tried, why);
        return -1;
    }
    char path[4200];
    snprintf(path, sizeof(path), "%s/%016llx-%llx.img", dir, (unsigned long long)wv_key(&img->st),
             (unsigned long long)base);
    struct wv_cache_header h;
    wv_header_fill(&h, img, base);
    int fd = wv_entry_open(path, &h);
    if (fd < 0)
        fd = wv_entry_build(img, dir, path, &h);
    if (fd < 0)
        wv_cache_warn(dir, "cannot hold a new entry");
    return fd;
}

/* ---- listing, eviction, clearing ---- */

struct wv_entry_info {
    char name[256];
    uint64_t bytes;
    struct timespec atime;
};

static bool wv_is_entry(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && !strcmp(name + n - 4, ".img");
}

/* The entries of dir, oldest use first; *count set; NULL when none or on error. */
static struct wv_entry_info *wv_entries(const char *dir, size_t *count, uint64_t *total)
{
    DIR *d = opendir(dir);
    struct wv_entry_info *list = NULL;
    size_t n = 0, cap = 0;
    *total = 0;
    if (!d)
        return *count = 0, NULL;
    for (struct dirent *e; (e = readdir(d));) {
        struct stat st;
        if (!wv_is_entry(e->d_name) || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            struct wv_entry_info *l = realloc(list, cap * sizeof(*l));
            if (!l)
                break;
            list = l;
        }
        snprintf(list[n].name, sizeof(list[n].name), "%s", e->d_name);
        list[n].bytes = (uint64_t)st.st_blocks * 512;
        list[n].atime = st.st_atim;
        *total += list[n].bytes;
        n++;
    }
    closedir(d);
    for (size_t i = 1; i < n; i++) /* insertion sort by atime: caches hold few entries */
        for (size_t j = i; j > 0; j--) {
            struct timespec a = list[j - 1].atime, b = list[j].atime;
            if (a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec <= b.tv_nsec))
                break;
            struct wv_entry_info t = list[j];
            list[j] = list[j - 1], list[j - 1] = t;
        }
    *count = n;
    return list;
}

static uint64_t wv_cache_max(void)
{
    const char *e = getenv("WINVM_CACHE_MAX");
    return e && *e ? strtoull(e, NULL, 0) : WV_CACHE_DEFAULT_MAX;
}

static void wv_cache_evict(const char *dir)
{
    uint64_t total, max = wv_cache_max();
    size_t n;
    struct wv_entry_info *list = wv_entries(dir, &n, &total);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    /* The newest entry (the one just built) is never evicted, even when alone it is too big. */
    for (size_t i = 0; dfd >= 0 && i + 1 < n && total > max; i++) {
        if (unlinkat(dfd, list[i].name, 0) == 0)
            total -= list[i].bytes;
    }
    if (dfd >= 0)
        close(dfd);
    free(list);
}

bool wv_cache_source(const char *entry, char *out, size_t cap)
{
    struct wv_cache_header h;
    int fd = open(entry, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    bool ok = fd >= 0 && pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) && h.magic == WV_CACHE_MAGIC;
    if (fd >= 0)
        close(fd);
    if (ok) {
        h.source[sizeof(h.source) - 1] = 0;
        snprintf(out, cap, "%s", h.source);
    }
    return ok;
}

int winvm_cache_list(FILE *out)
{
    char tried[WV_DIR_MAX];
    const char *why, *dir = wv_cache_dir(tried, &why);
    if (!dir) {
        fprintf(out, "image cache %s %s\n", tried, why);
        return -1;
    }
    uint64_t total;
    size_t n;
    struct wv_entry_info *list = wv_entries(dir, &n, &total);
    fprintf(out, "image cache %s: %zu entries, %llu KiB on disk (limit %llu KiB)\n", dir, n,
            (unsigned long long)(total / 1024), (unsigned long long)(wv_cache_max() / 1024));
    for (size_t i = n; i-- > 0;) {
        char path[4400];
        struct wv_cache_header h = {0};
        snprintf(path, sizeof(path), "%s/%s", dir, list[i].name);
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
                h.magic = 0;
            close(fd);
        }
        h.source[sizeof(h.source) - 1] = 0;
        fprintf(out, "  %-36s base %#14llx  %6llu KiB  %s\n", list[i].name, (unsigned long long)h.base,
                (unsigned long long)(list[i].bytes / 1024), h.magic == WV_CACHE_MAGIC ? h.source : "(invalid)");
    }
    free(list);
    return 0;
}

int winvm_cache_clear(void)
{
    char tried[WV_DIR_MAX];
    const char *why, *dir = wv_cache_dir(tried, &why);
    if (!dir)
        return -1;
    uint64_t total;
    size_t n;
    struct wv_entry_info *list = wv_entries(dir, &n, &total);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), removed = 0;
    for (size_t i = 0; dfd >= 0 && i < n; i++)
        removed += unlinkat(dfd, list[i].name, 0) == 0;
    if (dfd >= 0)
        close(dfd);
    free(list);
    return removed;
}
