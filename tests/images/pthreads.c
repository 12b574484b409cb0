/* SPDX-License-Identifier: MIT */
/* pthreads.c - a program built with the posix thread model (x86_64-w64-mingw32-gcc-posix
 * -pthread): pthread_create/join, a mutex and a condition variable through Debian's
 * libwinpthread-1.dll, and pthread_self on the main thread (a duplicate of
 * GetCurrentThread's pseudo handle).  Prints "sum 40000", "ping-pong 100", "self ok" and
 * exits 0; anything else is a failure. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long sum;
static int turn, rounds;

static void *add(void *arg)
{
    for (int i = 0; i < 10000; i++) {
        pthread_mutex_lock(&lock);
        sum += (long)(size_t)arg;
        pthread_mutex_unlock(&lock);
    }
    return arg;
}

/* Two threads take turns 100 times each, handing over with the condition variable. */
static void *player(void *arg)
{
    int me = (int)(size_t)arg;
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&lock);
        while (turn != me)
            pthread_cond_wait(&cond, &lock);
        turn = !me;
        if (me)
            rounds++;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        if (pthread_create(&t[i], NULL, add, (void *)1) != 0)
            return 1;
    long got = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        if (pthread_join(t[i], &r) != 0)
            return 2;
        got += (long)(size_t)r;
    }
    printf("sum %ld\n", got == 4 ? sum : -1);
    pthread_t a, b;
    pthread_create(&a, NULL, player, (void *)0);
    pthread_create(&b, NULL, player, (void *)1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("ping-pong %d\n", rounds);
    pthread_t self = pthread_self();
    printf("self %s\n", pthread_equal(self, pthread_self()) && !pthread_equal(self, a) ? "ok" : "bad");
    fflush(stdout);
    return 0;
}
