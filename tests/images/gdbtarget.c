/* gdbtarget.c - the debuggee tests/gdbserver_remote.py runs under Debian's gdbserver.exe: work()
 * is where the client puts its breakpoint (called three times, x = 1, 2 on the main thread and
 * 3 on a second thread while the main thread waits for it); the exit code 7 is what the client
 * must see at the end. */
#include <stdio.h>
#include <windows.h>

volatile int counter, third;

__attribute__((noinline)) int work(int x)
{
    counter += x;
    return counter * 2;
}

static DWORD WINAPI second(void *arg)
{
    (void)arg;
    third = work(3);
    return 0;
}

int main(void)
{
    int r = 0;
    for (int i = 1; i <= 2; i++)
        r += work(i);
    HANDLE t = CreateThread(NULL, 0, second, NULL, 0, NULL);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    r += third;
    printf("result %d\n", r);
    return 7;
}
