/* SPDX-License-Identifier: MIT */
/* reg_store.c - a user's registry on disk: one file, "registry", in the directory of
 * reg_dir.c, read whole under a shared flock of "registry.lock" and, after a change, written
 * whole to a new file renamed over the old one under an exclusive flock, so a reader sees the
 * registry before or after a change and never half of one.  Until something is written no file
 * exists and the seeded keys (below) are served from memory.
 *
 * The format is winvm's own, lines of text:
 *   winvm-registry 1
 *   K <root 0-6> <path, hex of UTF-8> <last write FILETIME, hex>
 *   V <name, hex of UTF-8> <type> <data, hex>      (a value of the key above)
 * Hex keeps every name and byte intact without any quoting. */
#define _GNU_SOURCE
#include "runtime/reg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char wv_reg_magic[] = "winvm-registry 1\n";

static DWORD wv_reg_sz(struct wv_reg *r, struct wv_rkey *k, const char *name, const char *s)
{
    WCHAR *w = wv_utf16(s);
    size_t n = 0;
    while (w && w[n])
        n++;
    DWORD err = w ? wv_reg_set(r, k, name, REG_SZ, w, (DWORD)(n + 1) * sizeof(WCHAR)) : ERROR_NOT_ENOUGH_MEMORY;
    free(w);
    return err;
}

/* What a fresh Windows 10 22H2 answers to the keys console programs and runtimes read. */
static DWORD wv_reg_seed(struct wv_reg *r)
{
    static const char *cv = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
    static const char *sv[][2] = {
        {"ProductName", "Windows 10 Pro"}, {"CurrentVersion", "6.3"}, {"CurrentBuild", "19045"},
        {"CurrentBuildNumber", "19045"},   {"EditionID", "Professional"}, {"ReleaseId", "2009"},
        {"DisplayVersion", "22H2"},        {"CurrentType", "Multiprocessor Free"},
        {"InstallationType", "Client"},
    };
    static const char *env[][2] = {
        {"ComSpec", "C:\\Windows\\system32\\cmd.exe"}, {"OS", "Windows_NT"},
        {"PATHEXT", ".COM;.EXE;.BAT;.CMD"},             {"PROCESSOR_ARCHITECTURE", "AMD64"},
    };
    struct wv_rkey *k = wv_reg_find(r, 2, cv, true, NULL);
    struct wv_rkey *e = wv_reg_find(r, 2, "SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment", true, NULL);
    if (!k || !e || !wv_reg_find(r, 1, "Environment", true, NULL) || !wv_reg_find(r, 1, "Software", true, NULL) ||
        !wv_reg_find(r, 2, "SOFTWARE\\WOW6432Node", true, NULL) || !wv_reg_find(r, 0, "WOW6432Node", true, NULL))
        return ERROR_NOT_ENOUGH_MEMORY; /* the 32-bit views' keys every 64-bit Windows has */
    DWORD err = 0, ten = 10, zero = 0;
    for (size_t i = 0; i < sizeof(sv) / sizeof(sv[0]); i++)
        err |= wv_reg_sz(r, k, sv[i][0], sv[i][1]);
    for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++)
        err |= wv_reg_sz(r, e, env[i][0], env[i][1]);
    err |= wv_reg_set(r, k, "CurrentMajorVersionNumber", REG_DWORD, &ten, 4);
    err |= wv_reg_set(r, k, "CurrentMinorVersionNumber", REG_DWORD, &zero, 4);
    r->dirty = false; /* the seed alone is not a change worth a file */
    return err ? ERROR_NOT_ENOUGH_MEMORY : 0;
}

static int wv_hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes the hex token at *s (ending at a space or newline) into a malloc'ed buffer with a
 * terminator: NULL when malformed. */
static char *wv_unhex(char **s, size_t *len)
{
    size_t n = strcspn(*s, " \n");
    char *out = malloc(n / 2 + 1);
    if (!out || n % 2)
        return free(out), NULL;
    for (size_t i = 0; i < n / 2; i++) {
        int a = wv_hexval((*s)[2 * i]), b = wv_hexval((*s)[2 * i + 1]);
        if (a < 0 || b < 0)
            return free(out), NULL;
        out[i] = (char)(a << 4 | b);
    }
    out[n / 2] = 0;
    *len = n / 2;
    *s += n + ((*s)[n] == ' ');
    return out;
}

/* One line (NUL-terminated, no newline): 0 or ERROR_BADDB. */
static DWORD wv_reg_line(struct wv_reg *r, char *s, struct wv_rkey **cur)
{
    size_t len;
    char *a, *end;
    if (s[0] == 'K' && s[1] == ' ' && s[2] >= '0' && s[2] < '0' + WV_REG_ROOTS && s[3] == ' ') {
        int root = s[2] - '0';
        s += 4;
        if (!(a = wv_unhex(&s, &len)))
            return ERROR_BADDB;
        *cur = wv_reg_find(r, root, a, true, NULL);
        free(a);
        unsigned long long t = strtoull(s, &end, 16);
        if (!*cur)
            return ERROR_NOT_ENOUGH_MEMORY;
        (*cur)->written.dwLowDateTime = (DWORD)t, (*cur)->written.dwHighDateTime = (DWORD)(t >> 32);
        return 0;
    }
    if (s[0] != 'V' || s[1] != ' ' || !*cur)
        return s[0] ? ERROR_BADDB : 0;
    s += 2;
    char *name = wv_unhex(&s, &len);
    unsigned long type = strtoul(s, &end, 10);
    if (!name || *end != ' ')
        return free(name), ERROR_BADDB;
    s = end + 1;
    char *data = wv_unhex(&s, &len);
    FILETIME keep = (*cur)->written;
    DWORD err = data ? wv_reg_set(r, *cur, name, (DWORD)type, data, (DWORD)len) : ERROR_BADDB;
    (*cur)->written = keep;
    free(name), free(data);
    return err;
}

static DWORD wv_reg_parse(struct wv_reg *r, char *text)
{
    if (strncmp(text, wv_reg_magic, sizeof(wv_reg_magic) - 1) != 0)
        return ERROR_BADDB;
    struct wv_rkey *cur = NULL;
    for (char *s = text + sizeof(wv_reg_magic) - 1; *s;) {
        char *nl = strchr(s, '\n');
        if (nl)
            *nl = 0;
        DWORD err = wv_reg_line(r, s, &cur);
        if (err)
            return err;
        s = nl ? nl + 1 : s + strlen(s);
    }
    r->dirty = false;
    return 0;
}

/* Reads the file in dir: 0, ERROR_FILE_NOT_FOUND when there is none, or an error. */
static DWORD wv_reg_read(struct wv_reg *r, int dir)
{
    int fd = openat(dir, "registry", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? ERROR_FILE_NOT_FOUND : wv_errno_to_error(errno);
    struct stat st;
    char *text = NULL;
    DWORD err = ERROR_BADDB;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < (64 << 20) &&
        (text = malloc((size_t)st.st_size + 1)) && read(fd, text, (size_t)st.st_size) == st.st_size) {
        text[st.st_size] = 0;
        err = wv_reg_parse(r, text);
    }
    free(text);
    close(fd);
    return err;
}

static void wv_hex(FILE *f, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", ((const unsigned char *)p)[i]);
}

/* Writes key k (its path is path[0..n)) and everything below it. */
static void wv_reg_emit(FILE *f, int root, struct wv_rkey *k, char *path, size_t n, size_t cap)
{
    uint64_t t = (uint64_t)k->written.dwHighDateTime << 32 | k->written.dwLowDateTime;
    fprintf(f, "K %d ", root);
    wv_hex(f, path, n);
    fprintf(f, " %llx\n", (unsigned long long)t);
    for (struct wv_rval *v = k->vals; v; v = v->next) {
        fputs("V ", f);
        wv_hex(f, v->name, strlen(v->name));
        fprintf(f, " %u ", (unsigned)v->type);
        wv_hex(f, v->data, v->len);
        fputc('\n', f);
    }
    for (struct wv_rkey *c = k->kids; c; c = c->next) {
        size_t m = strlen(c->name), at = n + (n != 0);
        if (at + m >= cap)
            continue; /* deeper than any Windows path (32767): not reachable by name either */
        if (n)
            path[n] = '\\';
        memcpy(path + at, c->name, m);
        wv_reg_emit(f, root, c, path, at + m, cap);
    }
}

/* A new file with the whole registry, renamed over the old one: 0 or a Win32 error. */
static DWORD wv_reg_write(struct wv_reg *r, int dir)
{
    char tmp[64], *path = malloc(65536);
    snprintf(tmp, sizeof(tmp), "registry.%d.tmp", (int)getpid()); /* unique: we hold the lock */
    int fd = path ? openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        DWORD err = path ? wv_errno_to_error(errno) : ERROR_NOT_ENOUGH_MEMORY;
        if (fd >= 0)
            close(fd), unlinkat(dir, tmp, 0);
        return free(path), err;
    }
    fputs(wv_reg_magic, f);
    for (int i = 0; i < WV_REG_ROOTS; i++)
        wv_reg_emit(f, i, &r->root[i], path, 0, 65536);
    free(path);
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    if (ok && renameat(dir, tmp, dir, "registry") == 0)
        return 0;
    DWORD err = wv_errno_to_error(errno);
    unlinkat(dir, tmp, 0);
    return err ? err : ERROR_WRITE_FAULT;
}

static void wv_reg_free(struct wv_reg *r)
{
    for (int i = 0; i < WV_REG_ROOTS; i++)
        wv_reg_key_free(&r->root[i]);
}

DWORD wv_reg_begin(struct wv_reg *r, bool write)
{
    memset(r, 0, sizeof(*r));
    r->lock_fd = -1;
    r->dir_fd = wv_reg_dir(write); /* one descriptor for the lock, the read and the write */
    if (r->dir_fd < 0 && (write || errno != ENOENT))
        return ERROR_ACCESS_DENIED; /* no home of ours to keep it in */
    if (r->dir_fd >= 0) {
        r->lock_fd = openat(r->dir_fd, "registry.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (r->lock_fd < 0) {
            DWORD err = wv_errno_to_error(errno);
            close(r->dir_fd);
            return err;
        }
        while (flock(r->lock_fd, write ? LOCK_EX : LOCK_SH) != 0 && errno == EINTR)
            ;
    }
    DWORD err = r->dir_fd >= 0 ? wv_reg_read(r, r->dir_fd) : ERROR_FILE_NOT_FOUND;
    if (err == ERROR_FILE_NOT_FOUND) {
        wv_reg_free(r);
        err = wv_reg_seed(r);
    }
    if (err) {
        wv_reg_free(r);
        if (r->dir_fd >= 0)
            close(r->lock_fd), close(r->dir_fd);
    }
    return err;
}

DWORD wv_reg_end(struct wv_reg *r)
{
    DWORD err = 0;
    if (r->dirty) /* only a write begins changes, and a write always has its directory */
        err = r->dir_fd >= 0 ? wv_reg_write(r, r->dir_fd) : ERROR_ACCESS_DENIED;
    wv_reg_free(r);
    if (r->dir_fd >= 0)
        close(r->lock_fd), close(r->dir_fd); /* closing the lock drops the flock */
    return err;
}
