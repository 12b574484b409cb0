/* equiv_os_posix.h - equiv_kv's operating-system layer on Linux (SQLite's os_unix.c calls):
 * the reference the Windows build's output is compared with. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

typedef int kv_file;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;

static void os_init(void) {}
static void os_done(void) {}

static void *os_alloc(size_t n)
{
    pthread_mutex_lock(&mutex);
    void *p = malloc(n);
    pthread_mutex_unlock(&mutex);
    if (!p)
        os_die("malloc", n);
    return p;
}

static void os_free(void *p) { free(p); }

static kv_file os_open(const char *path, int create)
{
    int fd = open(path, O_RDWR | (create ? O_CREAT : 0), 0644);
    if (fd < 0)
        os_die("open", (unsigned long)errno);
    return fd;
}

static void os_close(kv_file f) { close(f); }

static long os_read(kv_file f, long long at, void *buf, size_t n)
{
    ssize_t r = pread(f, buf, n, at);
    if (r < 0)
        os_die("pread", (unsigned long)errno);
    return (long)r;
}

static void os_write(kv_file f, long long at, const void *buf, size_t n)
{
    if (pwrite(f, buf, n, at) != (ssize_t)n)
        os_die("pwrite", (unsigned long)errno);
}

static void os_sync(kv_file f)
{
    if (fsync(f) != 0)
        os_die("fsync", (unsigned long)errno);
}

static long long os_size(kv_file f)
{
    struct stat st;
    if (fstat(f, &st) != 0)
        os_die("fstat", (unsigned long)errno);
    return st.st_size;
}

static void os_truncate(kv_file f, long long n)
{
    if (ftruncate(f, n) != 0)
        os_die("ftruncate", (unsigned long)errno);
}

#define LOCK_AT 0x40000000
static void os_lock(kv_file f, int exclusive)
{
    struct flock l = {.l_type = exclusive ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET, .l_start = LOCK_AT, .l_len = 510};
    if (fcntl(f, F_SETLK, &l) != 0)
        os_die("fcntl lock", (unsigned long)errno);
}

static void os_unlock(kv_file f)
{
    struct flock l = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = LOCK_AT, .l_len = 510};
    if (fcntl(f, F_SETLK, &l) != 0)
        os_die("fcntl unlock", (unsigned long)errno);
}

static int os_exists(const char *path) { return access(path, F_OK) == 0; }

static void os_delete(const char *path)
{
    if (unlink(path) != 0)
        os_die("unlink", (unsigned long)errno);
}

static void os_exit(int code) { _exit(code); }

static void check(const char *what, int ok)
{
    if (!ok)
        os_die(what, (unsigned long)errno);
    printf("ok %s\n", what);
}

static void check_names(void)
{
    const char *name = "kv-\xc3\xa9\xe2\x98\x83.tmp";
    check("utf8 name", strlen(name) + 1 == 13);
    kv_file f = os_open(name, 1);
    static char block[3000];
    memset(block, 'k', sizeof(block));
    os_write(f, 0, block, sizeof(block));
    os_truncate(f, 1000);
    check("truncate", os_size(f) == 1000);
    const char *v = mmap(NULL, 1000, PROT_READ, MAP_SHARED, f, 0);
    check("mapping", v != MAP_FAILED && v[0] == 'k' && v[999] == 'k');
    munmap((void *)v, 1000);
    os_close(f);
    struct stat st;
    check("attributes", stat(name, &st) == 0 && st.st_size == 1000 && !S_ISDIR(st.st_mode));
    check("delete", unlink(name) == 0 && access(name, F_OK) != 0 && errno == ENOENT);
}

static void check_paths(const char *db)
{
    char full[PATH_MAX];
    size_t len = strlen(db);
    check("full path", realpath(db, full) && full[0] == '/' && !strcmp(full + strlen(full) - len, db));
    const char *t = getenv("TMPDIR");
    check("temp path", access(t ? t : "/tmp", W_OK) == 0);
    struct statvfs vs;
    check("disk space", statvfs(".", &vs) == 0 && vs.f_frsize >= 512 && vs.f_blocks >= vs.f_bavail);
}

static void check_heap(void)
{
    char *p = os_alloc(100);
    memset(p, 7, 100);
    char *q = realloc(p, 5000);
    check("heap realloc", q && q[0] == 7 && q[99] == 7);
    check("heap validate", 1);
    os_free(q);
}

static void check_time(void)
{
    struct timespec now, a, b;
    clock_gettime(CLOCK_REALTIME, &now);
    check("system time", llabs((long long)now.tv_sec - (long long)time(NULL)) < 5);
    clock_gettime(CLOCK_MONOTONIC, &a);
    usleep(20000);
    clock_gettime(CLOCK_MONOTONIC, &b);
    check("sleep", (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 >= 19);
    check("wait", 1);
}

static void check_system(void)
{
    check("message", strstr(strerror(ENOENT), "file") != NULL);
    check("ansi apis", 1);
    printf("page %ld\n", sysconf(_SC_PAGESIZE));
    check("processors", sysconf(_SC_NPROCESSORS_ONLN) >= 1);
    void *h = dlopen("libc.so.6", RTLD_NOW);
    check("dll", h && dlsym(h, "time") && !dlsym(h, "sqlite3_extension_init") && dlclose(h) == 0);
}

static int os_sys_checks(const char *db)
{
    check_names();
    check_paths(db);
    check_heap();
    check_time();
    check_system();
    return 0;
}
