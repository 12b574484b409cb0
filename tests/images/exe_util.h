/* SPDX-License-Identifier: MIT */
/* exe_util.h - the few helpers the CRT-free test EXEs (tests/images/{args,echo,vm,rtload,tls,
 * av,instance}.c) share in place of a C library: string length, output to the standard
 * output handle (one WriteFile per call), decimal and hexadecimal numbers, "ok NAME" /
 * "FAIL NAME" check lines, and the MSVC C runtime's command-line parser.  Everything is
 * static inline, so a program pays only for what it uses and nothing else is linked.
 *
 * Output formats (the tests match them exactly):
 *   eu_dec(v)   signed decimal, "-" for negatives, no padding ("0", "-12", "42")
 *   eu_hex(v)   "0x" then lowercase hex digits, no leading zeros ("0x0", "0x140000000")
 *   eu_check(name, cond)  writes "ok NAME\n" or "FAIL NAME\n" in one WriteFile and counts
 *                         failures in *eu_failures() (the program's exit code).
 * Only kernel32's GetStdHandle and WriteFile are used here.  Loops that gcc -O2 could turn into
 * calls to strlen/memset/memcpy (which a -nostdlib program lacks) are written so it cannot.
 */
#ifndef WINVM_TEST_EXE_UTIL_H
#define WINVM_TEST_EXE_UTIL_H

#include <windows.h>

/* The empty asm keeps gcc -O2 from turning the loop back into a call to strlen, which a
 * -nostdlib program does not have. */
static inline SIZE_T eu_strlen(const char *s)
{
    SIZE_T n = 0;
    while (s[n]) {
        n++;
        __asm__("" : "+r"(n));
    }
    return n;
}

static inline int eu_streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* Writes n bytes to the standard output handle; FALSE if WriteFile failed or wrote less. */
static inline BOOL eu_write(const void *buf, DWORD n)
{
    DWORD done = 0;
    return WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), buf, n, &done, NULL) && done == n;
}

static inline void eu_puts(const char *s) { eu_write(s, (DWORD)eu_strlen(s)); }

/* Formats into out (at least 24 bytes), returns the length (no terminator written). */
static inline int eu_fmt_hex(char *out, ULONG64 v)
{
    char tmp[16];
    int n = 0, len = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    out[len++] = '0';
    out[len++] = 'x';
    while (n)
        out[len++] = tmp[--n];
    return len;
}

static inline int eu_fmt_dec(char *out, LONG64 sv)
{
    char tmp[20];
    int n = 0, len = 0;
    ULONG64 v = sv < 0 ? 0 - (ULONG64)sv : (ULONG64)sv;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (sv < 0)
        out[len++] = '-';
    while (n)
        out[len++] = tmp[--n];
    return len;
}

static inline void eu_hex(ULONG64 v)
{
    char b[24];
    eu_write(b, (DWORD)eu_fmt_hex(b, v));
}

static inline void eu_dec(LONG64 v)
{
    char b[24];
    eu_write(b, (DWORD)eu_fmt_dec(b, v));
}

/* "PREFIX0x<hex>\n" in one write (prefix up to 100 bytes). */
static inline void eu_line_hex(const char *prefix, ULONG64 v)
{
    char b[128];
    int n = 0;
    while (*prefix && n < 100)
        b[n++] = *prefix++;
    n += eu_fmt_hex(b + n, v);
    b[n++] = '\n';
    eu_write(b, (DWORD)n);
}

static inline int *eu_failures(void)
{
    static int failures;
    return &failures;
}

/* One "ok NAME\n" or "FAIL NAME\n" line (name up to 100 bytes); returns cond. */
static inline int eu_check(const char *name, int cond)
{
    char b[128];
    int n = 0;
    const char *tag = cond ? "ok " : "FAIL ";
    while (*tag)
        b[n++] = *tag++;
    while (*name && n < 110)
        b[n++] = *name++;
    b[n++] = '\n';
    eu_write(b, (DWORD)n);
    if (!cond)
        ++*eu_failures();
    return cond;
}

/* The MSVC C runtime's (UCRT's parse_command_line) split of a command line into argv.
 *  - argv[0], the program name: up to the first space or tab outside double quotes; quotes
 *    toggle the quoted state and are dropped; backslashes are literal.
 *  - Then each argument, after skipping spaces and tabs:
 *      2n backslashes + '"'   -> n backslashes, and the quote toggles the quoted state
 *                                (except: inside quotes, '""' is one literal '"' and the
 *                                quoted state stays on);
 *      2n+1 backslashes + '"' -> n backslashes and a literal '"';
 *      n backslashes not followed by '"' -> n backslashes;
 *      a space or tab outside quotes ends the argument.
 * The strings are stored in buf (bufsize bytes, NUL-terminated each), pointers in argv (at
 * most maxargs; further arguments are counted but not stored).  Returns the argument count,
 * or -1 if buf is too small. */
static inline int eu_parse_args(const char *p, char *buf, SIZE_T bufsize, char **argv, int maxargs)
{
    SIZE_T o = 0;
    int argc = 0;
#define EU_PUT(c)                                                                           \
    do {                                                                                    \
        if (o >= bufsize)                                                                   \
            return -1;                                                                      \
        buf[o++] = (c);                                                                     \
    } while (0)
    if (!p)
        return 0;
    /* argv[0] */
    {
        int inq = 0;
        if (argc < maxargs)
            argv[argc] = buf + o;
        argc++;
        while (*p && (inq || (*p != ' ' && *p != '\t'))) {
            if (*p == '"')
                inq = !inq;
            else
                EU_PUT(*p);
            p++;
        }
        EU_PUT('\0');
    }
    int inq = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (argc < maxargs)
            argv[argc] = buf + o;
        argc++;
        for (;;) {
            int copy = 1;
            SIZE_T bs = 0;
            while (*p == '\\')
                p++, bs++;
            if (*p == '"') {
                if (bs % 2 == 0) {
                    if (inq && p[1] == '"')
                        p++; /* "" inside quotes: a literal quote */
                    else {
                        copy = 0;
                        inq = !inq;
                    }
                }
                bs /= 2;
            }
            while (bs--)
                EU_PUT('\\');
            if (!*p || (!inq && (*p == ' ' || *p == '\t')))
                break;
            if (copy)
                EU_PUT(*p);
            p++;
        }
        EU_PUT('\0');
    }
#undef EU_PUT
    return argc;
}


/* Programs with frames over 4 KiB need libgcc's x86-64 stack probe, which -nostdlib leaves out:
 * EU_DEFINE_CHKSTK (once, in such a program) defines it as libgcc does (config/i386/cygwin.S):
 * rax = frame size; it touches one word per page from the caller's stack pointer down and keeps
 * every register. */
#define EU_DEFINE_CHKSTK                                                                         \
    __asm__(".text\n"                                                                            \
            ".globl ___chkstk_ms\n"                                                              \
            "___chkstk_ms:\n"                                                                    \
            "  pushq %rcx\n"                                                                     \
            "  pushq %rax\n"                                                                     \
            "  cmpq $0x1000, %rax\n"                                                             \
            "  leaq 24(%rsp), %rcx\n"                                                            \
            "  jb 2f\n"                                                                          \
            "1:\n"                                                                               \
            "  subq $0x1000, %rcx\n"                                                             \
            "  orq $0, (%rcx)\n"                                                                 \
            "  subq $0x1000, %rax\n"                                                             \
            "  cmpq $0x1000, %rax\n"                                                             \
            "  ja 1b\n"                                                                          \
            "2:\n"                                                                               \
            "  subq %rax, %rcx\n"                                                                \
            "  orq $0, (%rcx)\n"                                                                 \
            "  popq %rax\n"                                                                      \
            "  popq %rcx\n"                                                                      \
            "  ret\n");

#endif
