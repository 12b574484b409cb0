/* SPDX-License-Identifier: MIT */
/* test_section_procs.c - one named section, real processes: shared physical pages until a
 * copy-view write, writes through write views seen by all, no stale names after kill -9. */
#define _GNU_SOURCE
#include "pfn.h"
#include "testutil.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAME "winvm-test-procs"


struct report {
    uint64_t pfn_before, pfn_after;
    char seen[32];
};

/* Child: opens the name, maps it for copy, reports the frame of page 0 before and after its
 * own write, and what it reads in page 1 after the parent wrote it. */
static void child(int fd_out, int fd_go)
{
    alarm(20);
    struct report r = {0};
    HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, NAME);
    char *c = h ? MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0) : NULL;
    if (!c)
        _exit(2);
    (void)*(volatile char *)c;
    r.pfn_before = pfn_of(c);
    strcpy(c, "child's copy");
    r.pfn_after = pfn_of(c);
    char go;
    if (read(fd_go, &go, 1) != 1)
        _exit(3);
    snprintf(r.seen, sizeof(r.seen), "%s", c + PAGE);
    MEMORY_BASIC_INFORMATION m;
    if (!VirtualQuery(c, &m, sizeof(m)) || m.Protect != PAGE_READWRITE || m.RegionSize != PAGE)
        _exit(4);
    if (!VirtualQuery(c + PAGE, &m, sizeof(m)) || m.Protect != PAGE_WRITECOPY)
        _exit(5);
    if (write(fd_out, &r, sizeof(r)) != sizeof(r))
        _exit(6);
    _exit(0);
}

Test(section_procs, copy_write_in_a_child_stays_in_the_child)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4 * PAGE, NAME);
    cr_assert_not_null(h);
    char *w = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    strcpy(w, "parent's bytes");
    int out[2], go[2];
    cr_assert_eq(pipe(out), 0);
    cr_assert_eq(pipe(go), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child(out[1], go[0]);
    struct report r;
    /* the child has written its copy once it has read page 0; then the parent writes page 1 */
    usleep(1000);
    strcpy(w + PAGE, "written by parent");
    cr_assert_eq(write(go[1], "g", 1), 1);
    cr_assert_eq(read(out[0], &r, sizeof(r)), (ssize_t)sizeof(r));
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
    cr_assert_str_eq(w, "parent's bytes", "the child's copy-view write reached the section");
    cr_assert_str_eq(r.seen, "written by parent", "a write-view write was not seen");
    uint64_t mine = pfn_of(w);
    if (mine && r.pfn_before) {
        cr_assert_eq(r.pfn_before, mine, "before writing, the child shared the parent's page");
        cr_assert_neq(r.pfn_after, mine, "after writing, the child has its own page");
    }
    UnmapViewOfFile(w);
    CloseHandle(h);
}

Test(section_procs, a_killed_holder_leaves_no_stale_name)
{
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, NAME "-kill");
        if (!h || write(ready[1], "r", 1) != 1)
            _exit(2);
        pause();
        _exit(0);
    }
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1);
    HANDLE seen = OpenFileMappingA(FILE_MAP_READ, FALSE, NAME "-kill");
    cr_assert_not_null(seen, "the child's name is visible while it lives");
    CloseHandle(seen);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    SetLastError(0);
    cr_assert_null(OpenFileMappingA(FILE_MAP_READ, FALSE, NAME "-kill"));
    cr_assert_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
    HANDLE fresh = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, NAME "-kill");
    cr_assert_not_null(fresh);
    cr_assert_eq(GetLastError(), ERROR_SUCCESS, "a dead process's name came back as existing");
    CloseHandle(fresh);
}

Test(section_procs, sec_reserve_commit_in_one_process_reaches_another)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0,
                                  4 * PAGE, NAME "-reserve");
    cr_assert_not_null(h);
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    int ready[2], go[2];
    cr_assert_eq(pipe(ready), 0);
    cr_assert_eq(pipe(go), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(20);
        HANDLE c = OpenFileMappingA(FILE_MAP_READ, FALSE, NAME "-reserve");
        char *r = c ? MapViewOfFile(c, FILE_MAP_READ, 0, 0, 0) : NULL;
        MEMORY_BASIC_INFORMATION m;
        if (!r || !VirtualQuery(r + PAGE, &m, sizeof(m)) || m.State != MEM_RESERVE)
            _exit(2);
        char x;
        if (write(ready[1], "r", 1) != 1 || read(go[0], &x, 1) != 1)
            _exit(3);
        /* committed by the parent meanwhile: the first touch faults, finds the commit, retries */
        if (strcmp(r + PAGE, "from the parent") != 0)
            _exit(4);
        if (!VirtualQuery(r + PAGE, &m, sizeof(m)) || m.State != MEM_COMMIT || m.Protect != PAGE_READONLY)
            _exit(5);
        _exit(0);
    }
    char x;
    cr_assert_eq(read(ready[0], &x, 1), 1);
    cr_assert_not_null(VirtualAlloc(v + PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE));
    strcpy(v + PAGE, "from the parent");
    cr_assert_eq(write(go[1], "g", 1), 1);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
    UnmapViewOfFile(v);
    CloseHandle(h);
}

Test(section_procs, another_user_can_neither_open_nor_map_the_name)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to become another user");
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, PAGE, NAME "-user");
    cr_assert_not_null(h);
    char path[128];
    snprintf(path, sizeof(path), "/dev/shm/winvm-%u/", (unsigned)getuid());
    for (const char *c = NAME "-user"; *c; c++)
        snprintf(path + strlen(path), sizeof(path) - strlen(path), "%02x", (unsigned char)*c);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    cr_assert_eq(st.st_mode & 0777, 0600);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(20);
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        if (OpenFileMappingA(FILE_MAP_READ, FALSE, NAME "-user") != NULL)
            _exit(3); /* the name is per user */
        if (open(path, O_RDONLY) >= 0 || errno != EACCES)
            _exit(4); /* and the object itself is closed to others */
        _exit(0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    CloseHandle(h);
}

struct helper {
    pid_t pid;
    FILE *in, *out;
};

static struct helper spawn(const char *name, const char *tag)
{
    int to[2], from[2];
    cr_assert_eq(pipe(to), 0);
    cr_assert_eq(pipe(from), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(to[0], 0), dup2(from[1], 1);
        close(to[1]), close(from[0]);
        execl(SECTION_HELPER, SECTION_HELPER, name, tag, (char *)NULL);
        _exit(127);
    }
    close(to[0]), close(from[1]);
    return (struct helper){pid, fdopen(to[1], "w"), fdopen(from[0], "r")};
}

static void ask(struct helper *h, unsigned long long v[3], unsigned p[2], char *text)
{
    fprintf(h->in, "?\n");
    fflush(h->in);
    char line[256];
    cr_assert_not_null(fgets(line, sizeof(line), h->out), "helper %d said nothing", (int)h->pid);
    int n = sscanf(line, "%llu %llu %llu %x %x %40[^\n]", &v[0], &v[1], &v[2], &p[0], &p[1], text);
    cr_assert_eq(n, 6, "helper line: %s", line);
}

Test(section_procs, exec_helpers_share_frames_until_each_writes_its_copy)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 3 * PAGE, NAME "-exec");
    char *w = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(w);
    strcpy(w, "parent page 0");
    strcpy(w + PAGE, "parent page 1");
    strcpy(w + 2 * PAGE, "before");
    struct helper a = spawn(NAME "-exec", "copy of a"), b = spawn(NAME "-exec", "copy of b");
    unsigned long long va[3], vb[3];
    unsigned pa[2], pb[2];
    char ta[64], tb[64];
    ask(&a, va, pa, ta);
    ask(&b, vb, pb, tb);
    /* the parent's write view is shared with everyone: both helpers read it */
    strcpy(w + 2 * PAGE, "after, by the parent");
    ask(&a, va, pa, ta);
    ask(&b, vb, pb, tb);
    cr_assert_str_eq(ta, "after, by the parent");
    cr_assert_str_eq(tb, "after, by the parent");
    /* each helper's copy of page 0 is its own; the section still has the parent's bytes */
    cr_assert_str_eq(w, "parent page 0");
    cr_assert_eq(pa[0], PAGE_READWRITE);
    cr_assert_eq(pa[1], PAGE_WRITECOPY);
    cr_assert_eq(pb[0], PAGE_READWRITE);
    uint64_t p0 = pfn_of(w), p1 = pfn_of(w + PAGE);
    if (p0) { /* frame numbers: root only */
        cr_assert_eq(va[0], p0, "helper a shared page 0 before writing");
        cr_assert_eq(vb[0], p0, "helper b shared page 0 before writing");
        cr_assert(va[1] != p0 && vb[1] != p0 && va[1] != vb[1], "each copy is its own frame");
        cr_assert_eq(va[2], p1, "page 1 (never written by a helper) is one frame for all");
        cr_assert_eq(vb[2], p1);
    }
    fclose(a.in), fclose(b.in);
    int st;
    cr_assert_eq(waitpid(a.pid, &st, 0), a.pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cr_assert_eq(waitpid(b.pid, &st, 0), b.pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    fclose(a.out), fclose(b.out);
    UnmapViewOfFile(w);
    CloseHandle(h);
}
