/* equiv_lua.c - the C library and kernel32 calls the Lua interpreter makes on Windows, doing
 * what Lua does with them (test_equiv.c): a small line interpreter whose errors longjmp to the
 * innermost protected call (Lua's luaD_throw/luaD_rawrunprotected), numbers read with strtod
 * under the "C" locale and printed "%.14g", scripts opened with fopen then freopen'ed binary
 * (luaL_loadfilex), C modules loaded from the program's own directory with LoadLibraryExA/
 * GetProcAddress after GetModuleFileNameA (loadlib.c; dlopen on Linux), whose errors longjmp
 * out through the module's frames, and os/io's calls: getenv, system, tmpfile, tmpnam, time,
 * clock, gmtime/localtime/mktime/strftime/difftime, signal/raise.  Built for Linux from the same
 * source, it prints the same.
 *
 *   equiv_lua SCRIPT      one statement a line: NAME = EXPR | print EXPR | pcall STATEMENT |
 *                         error TEXT | load MODULE | call FN EXPR | os WHAT (env, date,
 *                         tmpfile, tmpname, execute, signal, wait: until stdin ends)
 *   equiv_lua --exit N    exits with N (os.execute's child) */
#include "equiv_lua.h"

#include <locale.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

struct jmp_chain { jmp_buf b; struct jmp_chain *prev; };
static struct jmp_chain *handler; /* the innermost protected call */
static char errmsg[200];
static const char *self;
static struct { char name[16]; double v; } vars[32];
static int nvars;
static struct { char name[16]; equiv_cfn fn; } fns[8];
static int nfns;
static volatile sig_atomic_t got_signal;

static __attribute__((noreturn)) void throw_error(const char *msg)
{
    snprintf(errmsg, sizeof(errmsg), "%s", msg);
    if (!handler) {
        printf("PANIC: %s\n", msg);
        exit(1);
    }
    longjmp(handler->b, 1);
}

static void reg(const char *name, equiv_cfn fn)
{
    snprintf(fns[nfns].name, sizeof(fns[0].name), "%s", name);
    fns[nfns++].fn = fn;
}

static const struct equiv_api api = {throw_error, reg};

/* ---- expressions: numbers, variables, + - * / and parentheses ---- */
static const char *p;
static double expr(void);

static void skip(void)
{
    while (*p == ' ')
        p++;
}

static double atom(void)
{
    skip();
    if (*p == '(') {
        p++;
        double v = expr();
        skip();
        if (*p++ != ')')
            throw_error("')' expected");
        return v;
    }
    if (*p == '-')
        return p++, -atom();
    char *end;
    double v = strtod(p, &end); /* the "C" locale's '.', as lua_str2number */
    if (end != p)
        return p = end, v;
    char name[16];
    int n = 0;
    while (((*p >= 'a' && *p <= 'z') || *p == '_') && n < 15)
        name[n++] = *p++;
    name[n] = 0;
    for (int i = 0; i < nvars; i++)
        if (!strcmp(vars[i].name, name))
            return vars[i].v;
    char msg[64];
    snprintf(msg, sizeof(msg), "attempt to use undefined '%s'", name);
    throw_error(msg);
}

static double term(void)
{
    double v = atom();
    for (skip(); *p == '*' || *p == '/'; skip()) {
        char op = *p++;
        double r = atom();
        v = op == '*' ? v * r : v / r;
    }
    return v;
}

static double expr(void)
{
    double v = term();
    for (skip(); *p == '+' || *p == '-'; skip()) {
        char op = *p++;
        double r = term();
        v = op == '+' ? v + r : v - r;
    }
    return v;
}

static double eval(const char *s)
{
    p = s;
    double v = expr();
    skip();
    if (*p)
        throw_error("unexpected symbol");
    return v;
}

/* ---- C modules (loadlib.c): NAME.dll / NAME.so beside the program ---- */
/* Kept out of run() (noinline): its buffers would make the frame of run(), which calls setjmp,
 * large, and gcc then sets that frame's frame pointer early (see test_equiv.c). */
static __attribute__((noinline)) void load_module(const char *name)
{
    char path[600], sym[64];
    snprintf(sym, sizeof(sym), "luaopen_%s", name);
#ifdef _WIN32
    char dir[MAX_PATH];
    DWORD n = GetModuleFileNameA(NULL, dir, sizeof(dir)); /* setprogdir: "!" is this directory */
    char *slash = n ? strrchr(dir, '\\') : NULL;
    if (!slash)
        throw_error("GetModuleFileNameA failed");
    *slash = 0;
    snprintf(path, sizeof(path), "%s\\%s.dll", dir, name);
    HMODULE lib = LoadLibraryExA(path, NULL, 0);
    equiv_open open = lib ? (equiv_open)(void (*)(void))GetProcAddress(lib, sym) : NULL;
#else
    char dir[512];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
    dir[n > 0 ? n : 0] = 0;
    char *slash = strrchr(dir, '/');
    if (!slash)
        throw_error("no program directory");
    *slash = 0;
    snprintf(path, sizeof(path), "%s/%s.so", dir, name);
    void *lib = dlopen(path, RTLD_NOW);
    equiv_open open = lib ? (equiv_open)dlsym(lib, sym) : NULL;
#endif
    if (!open)
        throw_error("module not found");
    printf("loaded %s: %d functions\n", name, open(&api));
}

/* ---- os and io ---- */
static void on_signal(int sig) { got_signal = sig; }

static __attribute__((noinline)) void os_call(const char *what)
{
    if (!strcmp(what, "env")) {
        const char *v = getenv("EQUIV_LUA_VAR");
        printf("env %s\n", v ? v : "(nil)");
    } else if (!strcmp(what, "date")) {
        time_t t = 1000000000; /* 2001-09-09 01:46:40 UTC */
        char b[64];
        strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S %j %A %B", gmtime(&t));
        struct tm lt = *localtime(&t);
        printf("date %s mktime %s diff %.0f\n", b, mktime(&lt) == t ? "ok" : "bad", difftime(t + 3600, t));
        printf("clock %s time %s\n", clock() >= 0 ? "ok" : "bad", time(NULL) > t ? "ok" : "bad");
    } else if (!strcmp(what, "tmpfile")) {
        FILE *f = tmpfile();
        fprintf(f, "%.14g\n", 1.0 / 3);
        rewind(f);
        char b[64] = "";
        printf("tmpfile %s", fgets(b, sizeof(b), f) ? b : "(none)\n");
        fclose(f);
    } else if (!strcmp(what, "tmpname")) {
        char b[L_tmpnam + 64];
#ifdef _WIN32
        int ok = tmpnam(b) != NULL; /* lua_tmpnam on Windows */
#else
        strcpy(b, "/tmp/lua_XXXXXX"); /* lua_tmpnam on POSIX */
        int fd = mkstemp(b), ok = fd >= 0;
        if (ok)
            close(fd), remove(b);
#endif
        printf("tmpname %s\n", ok && strlen(b) > 3 ? "ok" : "bad");
    } else if (!strcmp(what, "execute")) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "%s --exit 7", self);
        fflush(stdout);
        int st = system(cmd);
#ifndef _WIN32
        st = WIFEXITED(st) ? WEXITSTATUS(st) : -1; /* l_inspectstat */
#endif
        printf("shell %s exit %d\n", system(NULL) ? "yes" : "no", st);
    } else if (!strcmp(what, "signal")) {
        signal(SIGINT, on_signal); /* lua.c's laction */
        raise(SIGINT);
        printf("signal %s\n", got_signal == SIGINT ? "SIGINT" : "none");
        signal(SIGINT, SIG_DFL);
    } else if (!strcmp(what, "wait")) { /* the benchmark's Pss row: alive until stdin ends */
        printf("ready\n");
        fflush(stdout);
        while (getchar() != EOF)
            ;
    } else {
        throw_error("unknown os call");
    }
}

/* ---- statements ---- */
static void run(char *line)
{
    char *arg = strchr(line, ' ');
    arg = arg ? arg + 1 : line + strlen(line);
    if (!strncmp(line, "print ", 6)) {
        printf("%.14g\n", eval(arg));
    } else if (!strncmp(line, "error ", 6)) {
        throw_error(arg);
    } else if (!strncmp(line, "pcall ", 6)) {
        struct jmp_chain c = {.prev = handler};
        handler = &c;
        if (setjmp(c.b) == 0)
            run(arg);
        else
            printf("error: %s\n", errmsg);
        handler = c.prev;
    } else if (!strncmp(line, "load ", 5)) {
        load_module(arg);
    } else if (!strncmp(line, "call ", 5)) {
        char *sp = strchr(arg, ' ');
        if (!sp)
            throw_error("call FN EXPR");
        *sp = 0;
        for (int i = 0; i < nfns; i++)
            if (!strcmp(fns[i].name, arg))
                return (void)printf("%.14g\n", fns[i].fn(&api, eval(sp + 1)));
        throw_error("no such function");
    } else if (!strncmp(line, "os ", 3)) {
        os_call(arg);
    } else if (strchr(line, '=')) {
        char *eq = strchr(line, '=');
        int n = 0;
        while (line[n] != ' ' && line + n < eq && n < 15)
            n++;
        line[n] = 0;
        double v = eval(eq + 1);
        int i = 0;
        while (i < nvars && strcmp(vars[i].name, line))
            i++;
        if (i == nvars && nvars < 32)
            snprintf(vars[nvars++].name, sizeof(vars[0].name), "%s", line);
        vars[i].v = v;
    } else if (*line) {
        throw_error("syntax error");
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--exit"))
        return atoi(argv[2]);
    if (argc != 2)
        return fprintf(stderr, "usage: equiv_lua SCRIPT\n"), 2;
    self = argv[0];
    setlocale(LC_ALL, "C");
    printf("decimal point '%s'\n", localeconv()->decimal_point);
    FILE *f = fopen(argv[1], "r");
    if (!f)
        return printf("cannot open %s\n", argv[1]), 1;
    if (getc(f) == '#') /* a first line starting with '#' is skipped, as luaL_loadfilex */
        while (getc(f) != '\n')
            ;
    else
        rewind(f);
    long at = ftell(f);
    f = freopen(argv[1], "rb", f); /* reopened binary, as for a precompiled chunk */
    if (!f || fseek(f, at, SEEK_SET) != 0)
        return printf("freopen failed\n"), 1;
    char line[256];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = 0;
        run(line);
    }
    fclose(f);
    return 0;
}
