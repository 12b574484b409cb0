/* gdbtarget.c - the debuggee tests/gdbserver_remote.py runs under Debian's gdbserver.exe: work()
 * is where the client puts its breakpoint (called three times, x = 1, 2, 3); the exit code 7
 * is what the client must see at the end. */
#include <stdio.h>

volatile int counter;

__attribute__((noinline)) int work(int x)
{
    counter += x;
    return counter * 2;
}

int main(void)
{
    int r = 0;
    for (int i = 1; i <= 3; i++)
        r += work(i);
    printf("result %d\n", r);
    return 7;
}
