/* SPDX-License-Identifier: MIT */
/* imgcache.c - the per-user image cache: PE files laid out page-aligned, once, so that every
 * process maps the same file pages (and so shares them), whatever the file alignment, and
 * relocated layouts for the shared policy's per-boot base.
 *
 * Where: $WINVM_CACHE_DIR, else $XDG_CACHE_HOME/winvm, else $HOME/.cache/winvm.  The directory
 * is opened once per use without following a final symlink, and checked on that descriptor:
 * a directory, ours, closed to everyone else (0700); every later operation is relative to the
 * descriptor (openat, linkat, unlinkat), so swapping the path afterwards changes nothing.  A
 * directory failing a check is not used: images are private copies (said once on stderr).
 *
 * An entry is <key>-<base>.img (key: 16 hex digits): a header page, then the image as mapped
 * (offset = RVA + one page).  The key hashes the source's identity (device, inode, size,
 * mtime, ctime), and the header repeats it in full.  Invariants checked before any use:
 *   E1 regular file, owned by us, not writable by group or others;
 *   E2 size = header page + SizeOfImage, header matches the source and the base;
 *   E3 mtime equals the stamp in the header: the entry was set to it after its last write,
 *      so any later write (which moves mtime) invalidates it;
 *   E4 the content's checksum equals the header's: a write whose mtime was put back, or a
 *      damaged disk block, is caught too (summed once per process while the entry's ctime
 *      stays: see "entries this process has checked");
 *   E5 every block is allocated (fallocate before the first write): touching a page of the
 *      entry, zero pages included, never needs a block a full disk cannot give.
 * An entry failing E1-E4 is removed and rebuilt.  Publishing: the entry is written whole into
 * an O_TMPFILE, then linked under its final name with linkat, which fails when the name
 * exists: no process sees a partial entry, a killed builder leaves nothing behind, and of
 * builders racing for one entry the first link wins and the others map the winner.  Each use
 * sets the entry's atime (to a minute's grain); when the cache passes $WINVM_CACHE_MAX bytes (default 1 GiB) after
 * an insert, the least recently used entries go first.  Listing, eviction and clearing touch
 * only files named and headed as entries.
 */
#define _GNU_SOURCE
#include "section/section.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WV_CACHE_MAGIC 0x32676d6976767777ull /* "wwvvimg2": E4 and E5 hold */
#define WV_CACHE_DEFAULT_MAX ((uint64_t)1 << 30)

struct wv_cache_header {
    uint64_t magic;
    uint64_t dev, ino, size;
    int64_t mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
    uint64_t base, image_size;
    int64_t stamp_sec, stamp_nsec;
    uint64_t content_sum; /* wv_sum of the image bytes (E4) */
    char source[1024];
};

/* ---- the directory ---- */

#define WV_DIR_MAX 4096

static bool wv_mkdir_private(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST;
}

/* The cache directory's path into dir (WV_DIR_MAX bytes: each caller its own, as threads may
 * ask at once and the environment may change), creating it (and $HOME/.cache) 0700 when
 * missing; false with *why when there is no place for it. */
static bool wv_cache_path(char *dir, const char **why)
{
    const char *env = getenv("WINVM_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
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
        return false;
    }
    wv_mkdir_private(dir);
    return true;
}

/* The cache directory's descriptor, checked on the descriptor itself (see the top); -1 with
 * *why saying why it is not usable (dir then holds the path tried, or ""). */
static int wv_cache_dir(char *dir, const char **why)
{
    *why = NULL;
    if (!wv_cache_path(dir, why))
        return -1;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (dfd < 0) /* only to say why: nothing is done through the path */
        *why = lstat(dir, &st) == 0 && S_ISLNK(st.st_mode) ? "is a symbolic link"
               : errno == ENOTDIR                          ? "is not a directory"
                                                           : "cannot be opened";
    else if (fstat(dfd, &st) != 0 || !S_ISDIR(st.st_mode))
        *why = "is not a directory";
    else if (st.st_uid != geteuid())
        *why = "is owned by another user";
    else if (st.st_mode & 077)
        *why = "is open to group or others (needs mode 0700)";
    if (*why && dfd >= 0) {
        close(dfd);
        dfd = -1;
    }
    return dfd;
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

/* The content checksum (E4): four independent multiply-xor lanes over 64-bit words, so it runs
 * at memory speed (the whole entry is read at each open: see docs/performance.md). */
static uint64_t wv_sum(uint64_t h[4], const uint8_t *p, size_t n)
{
    wv_assert(n % 32 == 0);
    for (size_t i = 0; i < n; i += 32)
        for (int k = 0; k < 4; k++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * k, 8);
            h[k] = (((h[k] << 29) | (h[k] >> 35)) ^ w) * 0x9e3779b97f4a7c15ull;
        }
    return h[0] ^ (h[1] * 3) ^ (h[2] * 5) ^ (h[3] * 7);
}

static void wv_sum_init(uint64_t h[4])
{
    for (int k = 0; k < 4; k++)
        h[k] = WV_HASH_INIT + (uint64_t)k;
}

/* The checksum of fd's image bytes (after the header page), read in 64 KiB pieces; false on
 * a short read.  The buffer comes from malloc, which reuses its memory: a fresh mapping per
 * call cost a page fault per page and a TLB flush at munmap (measured: 4 ms of a 21 ms load). */
static bool wv_sum_file(int fd, uint64_t image_size, uint64_t *sum)
{
    enum { CHUNK = 64 << 10 };
    uint8_t *buf = malloc(CHUNK);
    if (!buf)
        return false;
    uint64_t h[4];
    wv_sum_init(h);
    bool ok = true;
    for (uint64_t o = 0; ok && o < image_size; o += CHUNK) {
        size_t n = image_size - o < CHUNK ? (size_t)(image_size - o) : CHUNK;
        ok = pread(fd, buf, n, (off_t)(WV_PAGE_SIZE + o)) == (ssize_t)n;
        if (ok)
            *sum = wv_sum(h, buf, n);
    }
    free(buf);
    return ok;
}

/* ---- entries this process has checked (E4 once per entry and change) ----
 * E4 reads the whole entry: a 4 MiB DLL loaded and freed in a loop read and summed 4 MiB per
 * load (a third of LoadLibrary's time, bench row 12).  An entry whose checksum this process
 * has proven is remembered with its inode and ctime: the kernel sets ctime to now on every
 * write and every attribute change (utimensat included: no one but the clock's owner puts it
 * back), so an entry with the same inode and ctime holds the same bytes as when summed, and E4
 * holds without the read.  A damaged disk block under pages this process already read is the
 * one case this trusts its first read for.  Guarded by wv_checked_lock, a leaf taken with
 * trylock only: a busy lock (or one a fork left held in the child) just means checking again. */
struct wv_checked {
    dev_t dev;
    ino_t ino;
    struct timespec ctime;
    uint64_t content_sum;
};
enum { WV_CHECKED_SLOTS = 32 };
static pthread_mutex_t wv_checked_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wv_checked wv_checked[WV_CHECKED_SLOTS]; /* wv_checked_lock */
static unsigned wv_checked_next;                       /* wv_checked_lock: the slot to reuse next */

static bool wv_checked_same(const struct wv_checked *c, const struct stat *st, uint64_t sum)
{
    return c->dev == st->st_dev && c->ino == st->st_ino && c->ctime.tv_sec == st->st_ctim.tv_sec &&
           c->ctime.tv_nsec == st->st_ctim.tv_nsec && c->content_sum == sum;
}

/* Whether this process proved sum for the entry st describes, unchanged since. */
static bool wv_checked_find(const struct stat *st, uint64_t sum)
{
    bool found = false;
    if (pthread_mutex_trylock(&wv_checked_lock))
        return false;
    for (unsigned i = 0; i < WV_CHECKED_SLOTS && !found; i++)
        found = wv_checked_same(&wv_checked[i], st, sum);
    pthread_mutex_unlock(&wv_checked_lock);
    return found;
}

static void wv_checked_add(const struct stat *st, uint64_t sum)
{
    if (pthread_mutex_trylock(&wv_checked_lock))
        return;
    unsigned i = 0;
    while (i < WV_CHECKED_SLOTS && !(wv_checked[i].dev == st->st_dev && wv_checked[i].ino == st->st_ino))
        i++;
    if (i == WV_CHECKED_SLOTS)
        i = wv_checked_next++ % WV_CHECKED_SLOTS;
    wv_checked[i] = (struct wv_checked){st->st_dev, st->st_ino, st->st_ctim, sum};
    pthread_mutex_unlock(&wv_checked_lock);
}

/* E4 for the entry fd (st its fstat, h its header): proven before by this process and
 * unchanged since, or summed now. */
static bool wv_entry_sum_holds(int fd, const struct stat *st, const struct wv_cache_header *h)
{
    uint64_t sum = 0;
    if (wv_checked_find(st, h->content_sum))
        return true;
    return wv_sum_file(fd, h->image_size, &sum) && sum == h->content_sum;
}

/* An entry used less than this long ago keeps its atime: eviction's order needs no finer
 * grain, and the update would change the entry's ctime (and so cost the next open its E4). */
#define WV_ATIME_GRAIN_SEC 60

/* The entry's descriptor when E1-E4 hold; -1 otherwise (a failing entry is removed). */
static int wv_entry_open(int dfd, const char *name, const struct wv_cache_header *want)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
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
              st.st_mtim.tv_sec == h.stamp_sec && st.st_mtim.tv_nsec == h.stamp_nsec &&
              wv_entry_sum_holds(fd, &st, &h);
    if (!ok) {
        close(fd);
        unlinkat(dfd, name, 0); /* stale, modified or foreign: rebuilt by the caller */
        return -1;
    }
    /* Recently used, for eviction; the stamp (mtime) stays.  The touch moves ctime: the
     * entry is remembered as checked with the ctime it leaves. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec - st.st_atim.tv_sec >= WV_ATIME_GRAIN_SEC || now.tv_sec < st.st_atim.tv_sec) {
        struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
        if (futimens(fd, ts) != 0 || fstat(fd, &st) != 0)
            return fd;
    }
    wv_checked_add(&st, h.content_sum);
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

static void wv_cache_evict(int dfd);

/* Why the last build failed, for the warning. */
static __thread const char *wv_build_why;

/* Writes the entry for img at base into a new unnamed file in dfd: its descriptor, or -1. */
static int wv_entry_write(struct wv_image *img, int dfd, struct wv_cache_header *h)
{
    uint8_t *buf = wv_os_alloc(img->size);
    if (!buf)
        return -1;
    int fd = -1;
    wv_build_why = "cannot lay the image out";
    if (wv_image_layout(img, h->base, buf) != 0)
        goto out;
    uint64_t lanes[4];
    wv_sum_init(lanes);
    h->content_sum = wv_sum(lanes, buf, img->size);
    wv_build_why = "cannot hold a new entry";
    fd = openat(dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        goto out;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    h->stamp_sec = now.tv_sec - 1; /* any later write moves mtime to now: never equal */
    h->stamp_nsec = (now.tv_nsec ^ (long)getpid() * 7919) % 1000000000;
    struct timespec ts[2] = {{0, UTIME_NOW}, {h->stamp_sec, h->stamp_nsec}};
    int rc = fallocate(fd, 0, 0, (off_t)(WV_PAGE_SIZE + img->size)); /* E5 */
    if (rc != 0 && errno == ENOSPC)
        wv_build_why = "is full";
    if (rc != 0 || !wv_pwrite_all(fd, h, sizeof(*h), 0) || !wv_write_layout(fd, buf, img->size) ||
        futimens(fd, ts) != 0) {
        close(fd);
        fd = -1;
    }
out:
    wv_os_unmap((uintptr_t)buf, img->size);
    return fd;
}

/* The entry just linked as name, opened by that name when it still is fd's inode, so that
 * the builder's mappings carry the entry's name (/proc/PID/maps) as every later user's do, not
 * the unnamed file's "/#NNN (deleted)"; else fd. */
static int wv_entry_named(int dfd, const char *name, int fd)
{
    int named = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat a, b;
    if (named >= 0 && fstat(named, &a) == 0 && fstat(fd, &b) == 0 && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev) {
        close(fd);
        return named;
    }
    if (named >= 0)
        close(named);
    return fd;
}

/* Builds the entry and publishes it as name; the descriptor of the entry in use under that
 * name (ours, or a racing builder's that linked first), or -1. */
static int wv_entry_build(struct wv_image *img, int dfd, const char *name, struct wv_cache_header *h)
{
    int fd = wv_entry_write(img, dfd, h);
    if (fd < 0)
        return -1;
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, link, dfd, name, AT_SYMLINK_FOLLOW) == 0) {
        fd = wv_entry_named(dfd, name, fd);
        wv_cache_evict(dfd);
        return fd;
    }
    if (errno != EEXIST)
        return fd; /* usable through fd, just not shared */
    int winner = wv_entry_open(dfd, name, h);
    if (winner < 0)
        return fd; /* the other entry was not valid (and is gone): ours stays private */
    close(fd);
    return winner;
}

int wv_cache_entry(struct wv_image *img, uint64_t base)
{
    char tried[WV_DIR_MAX];
    const char *why;
    int dfd = wv_cache_dir(tried, &why);
    if (dfd < 0) {
        wv_cache_warn(tried, why);
        return -1;
    }
    char name[64];
    snprintf(name, sizeof(name), "%016llx-%llx.img", (unsigned long long)wv_key(&img->st),
             (unsigned long long)base);
    struct wv_cache_header h;
    wv_header_fill(&h, img, base);
    int fd = wv_entry_open(dfd, name, &h);
    if (fd < 0)
        fd = wv_entry_build(img, dfd, name, &h);
    if (fd < 0)
        wv_cache_warn(tried, wv_build_why);
    close(dfd);
    return fd;
}

int wv_cache_lookup(struct wv_image *img, uint64_t base)
{
    char tried[WV_DIR_MAX];
    const char *why;
    int dfd = wv_cache_dir(tried, &why);
    if (dfd < 0)
        return -1; /* said by wv_cache_entry, when the image is built */
    char name[64];
    snprintf(name, sizeof(name), "%016llx-%llx.img", (unsigned long long)wv_key(&img->st),
             (unsigned long long)base);
    struct wv_cache_header h;
    wv_header_fill(&h, img, base);
    int fd = wv_entry_open(dfd, name, &h);
    close(dfd);
    return fd;
}

/* ---- listing, eviction, clearing ---- */

struct wv_entry_info {
    char name[256];
    char source[1024];
    uint64_t base;
    uint64_t bytes;
    struct timespec atime;
};

/* A name of winvm's making: 16 hex digits, '-', hex digits, ".img". */
static bool wv_is_entry_name(const char *name)
{
    size_t n = strlen(name), i = 0;
    while (i < n && isxdigit((unsigned char)name[i]) && !isupper((unsigned char)name[i]))
        i++;
    if (i != 16 || name[i++] != '-')
        return false;
    size_t digits = i;
    while (i < n && isxdigit((unsigned char)name[i]) && !isupper((unsigned char)name[i]))
        i++;
    return i > digits && !strcmp(name + i, ".img");
}

/* Whether dfd/name is an entry: the name, a regular file of ours, winvm's header. */
static bool wv_is_entry(int dfd, const char *name, struct stat *st, struct wv_cache_header *h)
{
    if (!wv_is_entry_name(name))
        return false;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = fstat(fd, st) == 0 && S_ISREG(st->st_mode) && st->st_uid == geteuid() &&
              pread(fd, h, sizeof(*h), 0) == (ssize_t)sizeof(*h) && h->magic == WV_CACHE_MAGIC;
    close(fd);
    h->source[sizeof(h->source) - 1] = 0;
    return ok;
}

/* The entries of dfd, oldest use first; *count set; NULL when none or on error. */
static struct wv_entry_info *wv_entries(int dfd, size_t *count, uint64_t *total)
{
    int d2 = dup(dfd); /* fdopendir takes the descriptor */
    DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
    struct wv_entry_info *list = NULL;
    size_t n = 0, cap = 0;
    *total = 0;
    if (!d) {
        if (d2 >= 0)
            close(d2);
        return *count = 0, NULL;
    }
    for (struct dirent *e; (e = readdir(d));) {
        struct stat st;
        struct wv_cache_header h;
        if (!wv_is_entry(dfd, e->d_name, &st, &h))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            struct wv_entry_info *l = realloc(list, cap * sizeof(*l));
            if (!l)
                break;
            list = l;
        }
        snprintf(list[n].name, sizeof(list[n].name), "%s", e->d_name);
        snprintf(list[n].source, sizeof(list[n].source), "%s", h.source);
        list[n].base = h.base;
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

static void wv_cache_evict(int dfd)
{
    uint64_t total, max = wv_cache_max();
    size_t n;
    struct wv_entry_info *list = wv_entries(dfd, &n, &total);
    /* The newest entry (the one just built) is never evicted, even when alone it is too big. */
    for (size_t i = 0; i + 1 < n && total > max; i++) {
        if (unlinkat(dfd, list[i].name, 0) == 0)
            total -= list[i].bytes;
    }
    free(list);
}

bool wv_cache_source(const char *entry, char *out, size_t cap)
{
    struct wv_cache_header h;
    int fd = open(entry, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
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
    char dir[WV_DIR_MAX];
    const char *why;
    int dfd = wv_cache_dir(dir, &why);
    if (dfd < 0) {
        fprintf(out, "image cache %s %s\n", dir, why);
        return -1;
    }
    uint64_t total;
    size_t n;
    struct wv_entry_info *list = wv_entries(dfd, &n, &total);
    close(dfd);
    fprintf(out, "image cache %s: %zu entries, %llu KiB on disk (limit %llu KiB)\n", dir, n,
            (unsigned long long)(total / 1024), (unsigned long long)(wv_cache_max() / 1024));
    for (size_t i = n; i-- > 0;)
        fprintf(out, "  %-36s base %#14llx  %6llu KiB  %s\n", list[i].name, (unsigned long long)list[i].base,
                (unsigned long long)(list[i].bytes / 1024), list[i].source);
    free(list);
    return 0;
}

int winvm_cache_clear(void)
{
    char dir[WV_DIR_MAX];
    const char *why;
    int dfd = wv_cache_dir(dir, &why);
    if (dfd < 0)
        return -1;
    uint64_t total;
    size_t n;
    struct wv_entry_info *list = wv_entries(dfd, &n, &total);
    int removed = 0;
    for (size_t i = 0; i < n; i++)
        removed += unlinkat(dfd, list[i].name, 0) == 0;
    close(dfd);
    free(list);
    return removed;
}
