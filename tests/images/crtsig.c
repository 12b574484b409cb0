/* SPDX-License-Identifier: MIT */
/* crtsig.c - msvcrt's signal(SIGINT) on a terminal (tests/test_console.c): sets a handler, prints
 * "ready", waits up to 10 s for it; the handler prints "caught 2 other" (on a thread that is not
 * main's, as Windows' CRT runs it from its console control handler).  Exit 0 when it ran, 7
 * when not. */
#include <signal.h>
#include <stdio.h>
#include <windows.h>

static DWORD main_tid;
static HANDLE done;

static void on_int(int sig)
{
    printf("caught %d %s\n", sig, GetCurrentThreadId() == main_tid ? "main" : "other");
    fflush(stdout);
    SetEvent(done);
}

int main(void)
{
    main_tid = GetCurrentThreadId();
    done = CreateEventA(NULL, TRUE, FALSE, NULL);
    signal(SIGINT, on_int);
    printf("ready\n");
    fflush(stdout);
    return WaitForSingleObject(done, 10000) == WAIT_OBJECT_0 ? 0 : 7;
}
