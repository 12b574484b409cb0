/* equiv_kv.c - the Windows calls SQLite's os_win.c makes, doing the work SQLite does with them:
 * a page-based key/value store with a rollback journal (test_equiv.c).  Built for Windows it
 * goes through kernel32 as os_win.c does (CreateFileW, LockFileEx/UnlockFileEx, ReadFile and
 * WriteFile at OVERLAPPED offsets, FlushFileBuffers, SetFilePointerEx/SetEndOfFile,
 * GetFileSizeEx, CreateFileMappingW/MapViewOfFile, GetFullPathNameW, GetTempPathW,
 * GetDiskFreeSpaceW, a private heap, the UTF-8/UTF-16 conversions, FormatMessageW, the clocks,
 * critical sections, DeleteFileW, GetFileAttributesW/ExW, LoadLibraryW/GetProcAddress); built for
 * Linux, through POSIX.  Both print the same.
 *
 *   equiv_kv DB put K V [K V]...  one transaction
 *   equiv_kv DB crash K V ...     the journal and half the pages written, then exit 3
 *   equiv_kv DB get K...          (rolls back a journal left behind first)
 *   equiv_kv DB dump
 *   equiv_kv DB sys               what the system calls say, as checks */
#include "equiv_os.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 512
#define BUCKETS 16
#define SLOTS 5
#define KEYLEN 32
#define VALLEN 64
#define MAGIC 0x4b56574eu

struct slot { char key[KEYLEN], val[VALLEN]; };
struct page { unsigned magic, pgno, used, pad; struct slot s[SLOTS]; };

static struct page *cache[BUCKETS + 1]; /* from the store's heap */
static int dirty[BUCKETS + 1], journaled[BUCKETS + 1];
static kv_file db, jr;
static const char *db_path;
static char jr_path[600];

static unsigned hash(const char *k)
{
    unsigned h = 2166136261u;
    while (*k)
        h = (h ^ (unsigned char)*k++) * 16777619u;
    return 1 + h % BUCKETS;
}

static struct page *page_get(unsigned n)
{
    if (cache[n])
        return cache[n];
    struct page *p = os_alloc(PAGE);
    memset(p, 0, PAGE);
    if (os_read(db, (long long)n * PAGE, p, PAGE) != PAGE || p->magic != MAGIC) {
        memset(p, 0, PAGE);
        p->magic = MAGIC, p->pgno = n;
    }
    return cache[n] = p;
}

/* The original page goes to the journal before the first change (SQLite's rollback journal). */
static void page_write_begin(unsigned n)
{
    struct page *p = page_get(n);
    if (!journaled[n]) {
        if (!jr)
            jr = os_open(jr_path, 1);
        long long at = os_size(jr);
        os_write(jr, at, &n, sizeof(n));
        os_write(jr, at + sizeof(n), p, PAGE);
        journaled[n] = 1;
    }
    dirty[n] = 1;
}

static void put(const char *k, const char *v)
{
    unsigned n = hash(k);
    struct page *p = page_get(n);
    unsigned i = 0;
    while (i < p->used && strcmp(p->s[i].key, k))
        i++;
    if (i == SLOTS) {
        printf("full %s\n", k);
        return;
    }
    page_write_begin(n);
    snprintf(p->s[i].key, KEYLEN, "%s", k);
    snprintf(p->s[i].val, VALLEN, "%s", v);
    if (i == p->used)
        p->used++;
}

/* Journal synced, pages written and synced, journal deleted: the commit point. */
static void commit(int crash_after)
{
    if (jr)
        os_sync(jr);
    int written = 0;
    for (unsigned n = 1; n <= BUCKETS; n++)
        if (dirty[n]) {
            if (crash_after >= 0 && written++ == crash_after) {
                printf("crash\n");
                fflush(stdout);
                os_exit(3);
            }
            os_write(db, (long long)n * PAGE, cache[n], PAGE);
        }
    os_sync(db);
    if (jr)
        os_close(jr), jr = 0, os_delete(jr_path);
}

/* A journal left behind: its pages go back, then it is deleted (SQLite's hot journal). */
static void recover(void)
{
    if (!os_exists(jr_path))
        return;
    kv_file j = os_open(jr_path, 0);
    long long size = os_size(j), at = 0;
    int pages = 0;
    struct page *p = os_alloc(PAGE);
    unsigned n;
    while (at + (long long)sizeof(n) + PAGE <= size) {
        os_read(j, at, &n, sizeof(n));
        os_read(j, at + sizeof(n), p, PAGE);
        os_write(db, (long long)n * PAGE, p, PAGE);
        at += sizeof(n) + PAGE, pages++;
    }
    os_free(p);
    os_sync(db);
    os_close(j);
    os_delete(jr_path);
    printf("rolled back %d pages\n", pages);
}

static void dump(void)
{
    unsigned count = 0;
    for (unsigned n = 1; n <= BUCKETS; n++) {
        struct page *p = page_get(n);
        for (unsigned i = 0; i < p->used; i++, count++)
            printf("%u %s=%s\n", n, p->s[i].key, p->s[i].val);
    }
    printf("%u keys, %lld bytes\n", count, os_size(db));
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return fprintf(stderr, "usage: equiv_kv DB put|crash|get|dump|sys ...\n"), 2;
    db_path = argv[1];
    snprintf(jr_path, sizeof(jr_path), "%s-journal", db_path);
    os_init();
    if (!strcmp(argv[2], "sys"))
        return os_sys_checks(db_path);
    db = os_open(db_path, 1);
    os_lock(db, 0); /* SHARED for reading, then EXCLUSIVE to write, as SQLite's pager */
    recover();
    if (!strcmp(argv[2], "get")) {
        for (int i = 3; i < argc; i++) {
            struct page *p = page_get(hash(argv[i]));
            unsigned k = 0;
            while (k < p->used && strcmp(p->s[k].key, argv[i]))
                k++;
            printf("%s=%s\n", argv[i], k < p->used ? p->s[k].val : "(none)");
        }
    } else if (!strcmp(argv[2], "dump")) {
        dump();
    } else {
        os_unlock(db);
        os_lock(db, 1);
        for (int i = 3; i + 1 < argc; i += 2)
            put(argv[i], argv[i + 1]);
        if (os_size(db) == 0) { /* page 0: the header, a new file's first write */
            static unsigned header[PAGE / sizeof(unsigned)] = {MAGIC, 0, BUCKETS};
            os_write(db, 0, header, PAGE);
        }
        commit(!strcmp(argv[2], "crash") ? 1 : -1);
        printf("committed\n");
    }
    os_unlock(db);
    os_close(db);
    for (unsigned n = 0; n <= BUCKETS; n++)
        if (cache[n])
            os_free(cache[n]);
    os_done();
    return 0;
}
