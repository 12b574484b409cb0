/* SPDX-License-Identifier: MIT */
/* crt_io.c - crt_io.exe: msvcrt's descriptor and FILE I/O as a mingw-w64 program uses it.
 * Run as `winvm run crt_io.exe DIR` (DIR: an empty directory it may fill and leaves empty).
 * Prints one line per check, "name: values"; test_msvcrt.c compares the whole output.
 * Exit code 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <direct.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <windows.h>

static char path[512];

static const char *at(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) & 3;
    snprintf(buf[k], sizeof(buf[k]), "%s\\%s", path, name); /* a Windows separator */
    return buf[k];
}

/* The bytes of a file, printable: CR as \r, LF as \n. */
static void show(const char *label, const char *name)
{
    int fd = _open(name, _O_RDONLY | _O_BINARY);
    char b[256], out[512];
    int n = _read(fd, b, sizeof(b)), k = 0;
    _close(fd);
    for (int i = 0; i < n; i++)
        k += b[i] == '\r' ? sprintf(out + k, "\\r") : b[i] == '\n' ? sprintf(out + k, "\\n") : sprintf(out + k, "%c", b[i]);
    out[k] = 0;
    printf("%s: %d [%s]\n", label, n, out);
}

static void descriptors(void)
{
    int fd = _open(at("t.txt"), _O_CREAT | _O_TRUNC | _O_WRONLY, _S_IREAD | _S_IWRITE); /* text */
    printf("write text: %d\n", _write(fd, "a\nbc\n", 5));
    _close(fd);
    show("on disk", at("t.txt"));
    fd = _open(at("t.txt"), _O_RDONLY);
    char b[16] = {0};
    int n = _read(fd, b, sizeof(b));
    printf("read text: %d %s\n", n, memcmp(b, "a\nbc\n", 5) ? "differs" : "a\\nbc\\n");
    long long at2 = _lseeki64(fd, 2, SEEK_SET), tell = _telli64(fd), len = _filelengthi64(fd);
    printf("seek: %lld tell %lld length %lld\n", at2, tell, len);
    struct _stat64 st;
    int r = _fstat64(fd, &st);
    printf("fstat: %d size %lld regular %d\n", r, (long long)st.st_size, (st.st_mode & _S_IFMT) == _S_IFREG);
    _close(fd);
    fd = _open(at("b.bin"), _O_CREAT | _O_TRUNC | _O_RDWR | _O_BINARY, _S_IREAD | _S_IWRITE);
    _write(fd, "x\r\ny\n\x1az", 7);
    _lseeki64(fd, 0, SEEK_SET);
    printf("setmode: %s\n", _setmode(fd, _O_TEXT) == _O_BINARY ? "was binary" : "?");
    memset(b, 0, sizeof(b));
    n = _read(fd, b, sizeof(b));
    printf("read text with ctrl-z: %d %s", n, memcmp(b, "x\ny\n", 4) ? "differs" : "x\\ny\\n");
    printf(", then %d\n", _read(fd, b, 4));
    _close(fd);
    show("binary", at("b.bin"));
}

/* Prints a call's result and the errno it left. */
#define ERR(label, call)                                                                    \
    do {                                                                                    \
        errno = 0;                                                                          \
        long long r_ = (long long)(call);                                                   \
        int e_ = errno;                                                                     \
        printf("%s: %lld errno %d\n", label, r_, e_);                                      \
    } while (0)

static void errors(void)
{
    char b[4], longname[400];
    ERR("open missing", _open(at("missing"), _O_RDONLY));
    ERR("close -1", _close(-1));
    ERR("read 999", _read(999, b, 4));
    ERR("write 77", _write(77, "x", 1));
    ERR("lseek 55", _lseeki64(55, 0, SEEK_SET));
    ERR("osfhandle 99", _get_osfhandle(99));
    ERR("setmode 98", _setmode(98, _O_TEXT));
    ERR("open dir", _open(path, _O_RDONLY));
    ERR("unlink dir", _unlink(path));
    ERR("access missing", _access(at("missing"), 0));
    memset(longname, 'n', 300), longname[300] = 0;
    ERR("open long name", _open(at(longname), _O_RDONLY));
    ERR("mkdir existing", _mkdir(path));
    ERR("fopen bad mode", fopen(at("x"), "q"));
    printf("strerror 2: %s\n", strerror(2));
}

static void handles(void)
{
    int fd = _open(at("h.txt"), _O_CREAT | _O_TRUNC | _O_RDWR | _O_BINARY, _S_IREAD | _S_IWRITE);
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    DWORD done = 0;
    BOOL ok = WriteFile(h, "via handle", 10, &done, NULL);
    printf("osfhandle write: %d %lu, same %d\n", ok, done, h == (HANDLE)_get_osfhandle(fd));
    int fd2 = _dup(fd), n;
    printf("dup: %d tell %lld\n", fd2 > 2, _telli64(fd2));
    _close(fd2);
    _close(fd);
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    printf("std handle: %d\n", (HANDLE)_get_osfhandle(1) == out);
    char name[512], b[16] = {0};
    snprintf(name, sizeof(name), "%s/h.txt", path); /* kernel32 takes the host's separator */
    int ofd = _open_osfhandle((intptr_t)CreateFileA(name, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL), _O_RDONLY);
    n = _read(ofd, b, 15);
    printf("open_osfhandle: %d [%s]\n", n, b);
    _close(ofd);
    printf("isatty: %d\n", _isatty(fd) != 0);
}

static void files(void)
{
    FILE *f = fopen(at("f.txt"), "w");
    fputs("one\ntwo\n", f);
    fputc('3', f);
    fclose(f);
    show("fopen w", at("f.txt"));
    f = fopen(at("f.txt"), "r");
    char line[32];
    fgets(line, sizeof(line), f);
    long here = ftell(f);
    fpos_t pos;
    fgetpos(f, &pos);
    int c = getc(f);
    ungetc(c, f);
    int again = getc(f);
    printf("ftell after line: %ld pos %lld getc %c again %c\n", here, (long long)pos, c, again);
    fsetpos(f, &pos);
    fgets(line, sizeof(line), f);
    printf("fsetpos: %s", line);
    fseek(f, 0, SEEK_END);
    here = ftell(f);
    printf("end: %ld eof %d\n", here, getc(f) == EOF);
    fclose(f);
    f = fopen(at("f.bin"), "wb+");
    setvbuf(f, NULL, _IOFBF, 64);
    fwrite("ab\ncd", 1, 5, f);
    rewind(f);
    char b[8] = {0};
    int got = (int)fread(b, 1, 5, f);
    printf("wb+: %d [%c%c] %d\n", got, b[0], b[1], b[2] == '\n');
    printf("fileno: %d\n", _fileno(f) > 2);
    fclose(f);
    show("fopen wb", at("f.bin"));
    f = _fdopen(_open(at("f.bin"), _O_RDONLY | _O_BINARY), "rb");
    printf("fdopen: %c\n", fgetc(f));
    fclose(f);
    f = tmpfile();
    fprintf(f, "%d-%s", 42, "tmp");
    fseek(f, 0, SEEK_SET);
    int v = 0;
    char s[8] = {0};
    int r = fscanf(f, "%d-%7s", &v, s);
    printf("tmpfile scanf: %d %d %s\n", r, v, s);
    fclose(f);
}

static void names(void)
{
    struct _stat64 st;
    int r = _stat64(at("f.txt"), &st);
    printf("stat: %d size %lld mode %o\n", r, (long long)st.st_size, st.st_mode);
    r = _stat64(path, &st);
    printf("stat dir: %d dir %d\n", r, (st.st_mode & _S_IFMT) == _S_IFDIR);
    ERR("stat trailing separator", _stat64(at(""), &st));
    printf("access: %d\n", _access(at("f.txt"), 6));
    ERR("rename onto existing", rename(at("f.txt"), at("f.bin")));
    struct __finddata64_t fd;
    intptr_t h = _findfirst64(at("*.TXT"), &fd);
    int n = 0;
    if (h != -1) {
        do
            n++;
        while (_findnext64(h, &fd) == 0);
        _findclose(h);
    }
    printf("find *.TXT: %d\n", n);
    const char *del[] = {"t.txt", "b.bin", "h.txt", "f.txt", "f.bin"};
    int ok = 0;
    for (int i = 0; i < 5; i++)
        ok += _unlink(at(del[i])) == 0;
    printf("unlinked: %d\n", ok);
}

/* The same directory named with a drive letter and backslashes ("C:\\tmp\\..."), as Windows
 * programs spell paths: every name call takes it; a UNC path no host has is ENOENT. */
static void drives(void)
{
    char d[600];
    snprintf(d, sizeof(d), "C:%s\\d.txt", path);
    for (char *c = d; *c; c++)
        if (*c == '/')
            *c = '\\';
    FILE *f = fopen(d, "w");
    int w = f ? fputs("drive", f) >= 0 : 0;
    if (f)
        fclose(f);
    d[0] = 'c';
    int fd = _open(d, _O_RDONLY | _O_BINARY);
    char b[16] = {0};
    int n = fd >= 0 ? _read(fd, b, sizeof(b) - 1) : -1;
    if (fd >= 0)
        _close(fd);
    struct _stat64 st;
    int r = _stat64(d, &st);
    char e[600];
    snprintf(e, sizeof(e), "%.*se.txt", (int)strlen(d) - 5, d);
    int mv = rename(d, e), acc = _access(e, 0), del = _unlink(e);
    printf("drive: fopen %d, open read %d [%s], stat %d size %lld, rename %d, access %d, unlink %d\n",
           w, n, b, r, (long long)st.st_size, mv, acc, del);
    ERR("unc", _open("\\\\nohost\\share\\x.txt", _O_RDONLY));
    /* _getcwd and _fullpath answer as kernel32 does: "C:\\...". */
    char cwd[600], k32[600], full[700], want[700];
    GetCurrentDirectoryA(sizeof(k32), k32);
    int same = _getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, k32);
    snprintf(want, sizeof(want), "%s\\y.txt", k32);
    int rel = _fullpath(full, "x\\..\\.\\y.txt", sizeof(full)) && !strcmp(full, want);
    int abs = _fullpath(full, "c:/a/b/../c", sizeof(full)) && !strcmp(full, "c:\\a\\c");
    wchar_t wfull[700];
    int wide = _wfullpath(wfull, L"/a/./b", 700) && !wcscmp(wfull, L"C:\\a\\b");
    printf("getcwd: drive %d same %d, fullpath relative %d absolute %d [%s] wide %d\n", cwd[1] == ':', same,
           rel, abs, full, wide);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 1;
    snprintf(path, sizeof(path), "%s", argv[1]);
    descriptors();
    errors();
    handles();
    files();
    names();
    drives();
    return 0;
}
