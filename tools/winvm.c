/* SPDX-License-Identifier: MIT */
/* winvm - the command-line front end: one table of subcommands, each with its synopsis and
 * help; `--help`/`-h` anywhere before a subcommand's operands prints help on stdout (exit 0);
 * unknown subcommands and options are refused with a one-line hint on stderr (exit 2). */
#define _GNU_SOURCE
#include "cli.h"
#include "tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef WINVM_DEMO_DIR
#define WINVM_DEMO_DIR ""
#endif
#ifndef WINVM_DEMO_INSTALLED
#define WINVM_DEMO_INSTALLED ""
#endif
#ifndef WINVM_VERSION
#define WINVM_VERSION "unknown"
#endif

static int cmd_demo(int argc, char **argv);
static int cmd_map(int argc, char **argv);
static int cmd_share(int argc, char **argv);
static int cmd_inspect(int argc, char **argv);
static int cmd_run(int argc, char **argv);
static int cmd_cache(int argc, char **argv);

struct command {
    const char *name;
    int (*run)(int argc, char **argv); /* the arguments after the name */
    const char *synopsis;
    const char *help;
};

static const struct command commands[] = {
    {"demo", cmd_demo, "demo [sharing [DIR [OUT]]]",
     "Walks through reserve, commit, protect, query, guard pages and sections on the MMU, then\n"
     "(when built with mingw-w64) measures the seed's figures: instances of DIR/app.exe sharing\n"
     "DIR/demolib.dll, copy-on-write per page, relocation copying only fixup pages; results in\n"
     "OUT/sharing.json and OUT/sharing.svg.  `demo sharing` runs the second part only.\n"},
    {"map", cmd_map, "map [PID|self] [--json|--csv] | map --svg PID OUT.svg",
     "A process's address space, VMMap style: each region (and each free gap) with its state,\n"
     "type (Image, Mapped File, Shareable, Heap, Stack, Private Data, Free), protection, and\n"
     "its resident pages split into private, shareable and shared (from /proc/PID/smaps), then\n"
     "totals by type; image-cache entries are named by their DLL.  --json and --csv print the\n"
     "rows for tools; --svg draws its images' pages and the physical pages behind them.\n"},
    {"share", cmd_share, "share [--all] PID...",
     "Which of the given processes share each page of a named section (--all: of any file),\n"
     "and which hold private copies, from their page tables.\n"},
    {"inspect", cmd_inspect, "inspect FILE",
     "A PE image: headers, sections and the page protection each gets, imports, exports, the\n"
     "pages holding fixups, and how it is laid out in the image cache.\n"},
    {"run", cmd_run, "run [--reserve ADDR] APP.exe [ARGS...]",
     "Runs a PE x86-64 console program on the MMU in this process: its DLLs are searched in\n"
     "Windows' order (its directory, the importer's, the current directory, $WINVM_PATH, then\n"
     "Debian's mingw-w64 DLL directories); kernel32, msvcrt and the other system DLLs are winvm's.\n"
     "--reserve takes 64 KiB at ADDR first, so an image wanting that base must relocate.\n"
     "The exit status is the program's.  Arguments after APP.exe are the program's own.\n"},
    {"cache", cmd_cache, "cache ls|clear",
     "The per-user image cache (relocated images shared between processes): `ls` lists its\n"
     "entries with their sizes and sources, `clear` removes them.\n"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
    fprintf(f, "usage: winvm [--help] [--version] COMMAND [ARGS]\n\n"
               "Windows' memory-protection system on the Linux MMU.  Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  winvm %s\n", commands[i].synopsis);
    fprintf(f, "\n`winvm help COMMAND` or `winvm COMMAND --help` says more; man winvm.\n");
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

static int command_help(const struct command *c)
{
    printf("usage: winvm %s\n\n%s", c->synopsis, c->help);
    return 0;
}

/* An argument error: one line naming it and where help is, exit status 2. */
int cli_arg_error(const char *command, const char *fmt, const char *what)
{
    fprintf(stderr, "winvm %s: ", command);
    fprintf(stderr, fmt, what);
    fprintf(stderr, " (see `winvm %s --help`)\n", command);
    return 2;
}

static bool is_help(const char *a) { return !strcmp(a, "--help") || !strcmp(a, "-h"); }

/* The options a command accepts before its operands; anything else starting with '-' is
 * refused.  run's options stop at APP.exe: what follows is the program's. */
static int check_options(const struct command *c, int argc, char **argv, const char *const *known)
{
    for (int i = 0; i < argc; i++) {
        bool ok = argv[i][0] != '-' || !argv[i][1]; /* "-" alone is an operand */
        for (const char *const *k = known; !ok && *k; k++)
            ok = !strcmp(argv[i], *k);
        if (!ok)
            return cli_arg_error(c->name, "unknown option %s", argv[i]);
        if (!strcmp(c->name, "run") && argv[i][0] != '-' && (i == 0 || strcmp(argv[i - 1], "--reserve")))
            break;
    }
    return 0;
}

/* The demo's images: the build tree's when it is still there, else the installed copy. */
static const char *demo_dir(void)
{
    char probe[4096];
    snprintf(probe, sizeof(probe), "%s/app.exe", WINVM_DEMO_DIR);
    if (*WINVM_DEMO_DIR && access(probe, R_OK) == 0)
        return WINVM_DEMO_DIR;
    snprintf(probe, sizeof(probe), "%s/app.exe", WINVM_DEMO_INSTALLED);
    return *WINVM_DEMO_INSTALLED && access(probe, R_OK) == 0 ? WINVM_DEMO_INSTALLED : "";
}

static int cmd_demo(int argc, char **argv)
{
    static const char *const known[] = {NULL};
    int rc = check_options(find_command("demo"), argc, argv, known);
    if (rc)
        return rc;
    if (argc >= 1 && !strcmp(argv[0], "sharing")) {
        if (argc > 3)
            return cli_arg_error("demo", "too many arguments after %s", "sharing");
        const char *dir = argc > 1 ? argv[1] : demo_dir();
        return cli_demo_sharing(dir, argc > 2 ? argv[2] : argc > 1 ? argv[1] : ".");
    }
    if (argc >= 1)
        return cli_arg_error("demo", "unknown argument %s", argv[0]);
    rc = cli_demo_walk();
    const char *dir = demo_dir();
    if (rc == 0 && *dir) /* results next to the images when writable, else here */
        rc = cli_demo_sharing(dir, access(dir, W_OK) == 0 ? dir : ".");
    return rc;
}

static int cmd_map(int argc, char **argv)
{
    static const char *const known[] = {"--json", "--csv", "--svg", NULL};
    int rc = check_options(find_command("map"), argc, argv, known);
    if (rc)
        return rc;
    if (argc >= 1 && !strcmp(argv[0], "--svg")) {
        if (argc != 3)
            return cli_arg_error("map", "%s takes PID and OUT.svg", "--svg");
        return cli_map_svg(argv[1], argv[2]);
    }
    int operands = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--svg"))
            return cli_arg_error("map", "%s comes first and alone: map --svg PID OUT.svg", "--svg");
        operands += strcmp(argv[i], "--json") && strcmp(argv[i], "--csv");
    }
    if (operands > 1)
        return cli_arg_error("map", "%s", "one PID at most");
    return cli_map(argc, argv);
}

static int cmd_share(int argc, char **argv)
{
    static const char *const known[] = {"--all", NULL};
    int rc = check_options(find_command("share"), argc, argv, known);
    if (rc)
        return rc;
    if (argc == 0 || (argc == 1 && !strcmp(argv[0], "--all")))
        return cli_arg_error("share", "%s", "no PID given");
    return cli_share(argc, argv);
}

static int cmd_inspect(int argc, char **argv)
{
    static const char *const known[] = {NULL};
    int rc = check_options(find_command("inspect"), argc, argv, known);
    if (rc)
        return rc;
    if (argc != 1)
        return cli_arg_error("inspect", "%s", argc ? "one FILE only" : "no FILE given");
    return cli_inspect(argc, argv);
}

/* winvm run [--reserve ADDR] APP.exe [ARGS...]: --reserve takes 64 KiB at ADDR first, so a
 * DLL (or the EXE) that wants that base must go elsewhere (the demo's relocation). */
static int cmd_run(int argc, char **argv)
{
    static const char *const known[] = {"--reserve", NULL};
    int rc = check_options(find_command("run"), argc, argv, known);
    if (rc)
        return rc;
    if (argc >= 1 && !strcmp(argv[0], "--reserve")) {
        char *end = NULL;
        uintptr_t at = argc >= 2 ? (uintptr_t)strtoull(argv[1], &end, 0) : 0;
        if (argc < 2 || !end || *end || end == argv[1])
            return cli_arg_error("run", "%s takes an address (0x...)", "--reserve");
        if (!VirtualAlloc((void *)at, 0x10000, MEM_RESERVE, PAGE_NOACCESS)) {
            fprintf(stderr, "winvm run: cannot reserve %#lx: error %u\n", (unsigned long)at, GetLastError());
            return 126;
        }
        argc -= 2, argv += 2;
    }
    if (argc == 0)
        return cli_arg_error("run", "%s", "no program given");
    return winvm_run(argv[0], argc, argv);
}

static int cmd_cache(int argc, char **argv)
{
    static const char *const known[] = {NULL};
    int rc = check_options(find_command("cache"), argc, argv, known);
    if (rc)
        return rc;
    if (argc != 1 || (strcmp(argv[0], "ls") && strcmp(argv[0], "clear")))
        return cli_arg_error("cache", "%s", "say ls or clear");
    if (!strcmp(argv[0], "ls"))
        return winvm_cache_list(stdout) == 0 ? 0 : 1;
    int n = winvm_cache_clear();
    if (n < 0) {
        fprintf(stderr, "winvm: no usable image cache\n");
        return 1;
    }
    printf("removed %d entries\n", n);
    return 0;
}

int main(int argc, char **argv)
{
    winvm_cli_self(); /* CreateProcess in a program run here runs its children with this binary */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *first = argv[1];
    if (is_help(first) || !strcmp(first, "help")) {
        const struct command *c = argc > 2 ? find_command(argv[2]) : NULL;
        if (argc > 2 && !c)
            return cli_arg_error("help", "no command %s", argv[2]);
        if (c)
            return command_help(c);
        usage(stdout);
        return 0;
    }
    if (!strcmp(first, "--version") || !strcmp(first, "-V")) {
        printf("winvm %s\n", WINVM_VERSION);
        return 0;
    }
    const struct command *c = find_command(first);
    if (!c) {
        fprintf(stderr, "winvm: %s '%s' (see `winvm --help`)\n", first[0] == '-' ? "unknown option" : "no command",
                first);
        return 2;
    }
    /* --help among the command's own options (run: before APP.exe only) */
    for (int i = 2; i < argc; i++) {
        if (is_help(argv[i]))
            return command_help(c);
        if (!strcmp(c->name, "run") && argv[i][0] != '-' && strcmp(argv[i - 1], "--reserve"))
            break;
    }
    return c->run(argc - 2, argv + 2);
}
