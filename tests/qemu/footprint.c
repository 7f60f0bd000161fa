/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * footprint.c - a guest program with a known memory footprint, for the QEMU
 * plugin's tests (tests/qemu/qemu.sh):
 *
 *   footprint PAGES STEPS [THREADS]
 *
 * (THREADS negative: -THREADS threads, each run to its end before the next
 * starts, the main thread last, so a multi-threaded run is deterministic.)
 *
 * Each of THREADS threads (default 1; the main thread is the first) owns
 * PAGES pages of a page-aligned static buffer, writes one word in each (so a
 * run touches THREADS * PAGES buffer pages more than with PAGES = 0), links
 * them into a cycle that strides far between pages, and follows the cycle for STEPS loads: with more
 * pages than the TLBs map, every step misses.  Built static for each guest
 * architecture.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PAGE 4096
#define MAX_PAGES 16384 /* per thread: 64 MiB */
#define MAX_THREADS 4

static char buf[MAX_THREADS][MAX_PAGES][PAGE] __attribute__((aligned(PAGE)));
static long pages, steps;
static uintptr_t sink[MAX_THREADS];

static void *work(void *arg)
{
    long t = (long)(intptr_t)arg;
    char (*mine)[PAGE] = buf[t];
    /* a cycle through the pages in the order i * stride mod pages: stride a
       prime that does not divide pages, so every page is visited once (no
       memory besides the pages themselves: the footprint stays exact) */
    long stride = (pages % 7919) ? 7919 : 7907;
    for (long i = 0; i < pages; i++)
        *(void **)mine[(i * stride) % pages] = mine[((i + 1) * stride) % pages];
    void *p = pages ? (void *)mine[0] : NULL;
    for (long s = 0; s < steps && p; s++)
        p = *(void **)p;
    sink[t] = (uintptr_t)p;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: footprint PAGES STEPS [THREADS]\n");
        return 2;
    }
    pages = atol(argv[1]);
    steps = atol(argv[2]);
    long threads = argc > 3 ? atol(argv[3]) : 1;
    const int serial = threads < 0;
    if (serial)
        threads = -threads;
    if (pages < 0 || pages > MAX_PAGES || steps < 0 || threads < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "footprint: PAGES 0..%d, STEPS >= 0, THREADS 1..%d\n", MAX_PAGES, MAX_THREADS);
        return 2;
    }
    pthread_t tid[MAX_THREADS];
    for (long t = 1; t < threads; t++)
        if (pthread_create(&tid[t], NULL, work, (void *)(intptr_t)t) != 0) {
            fprintf(stderr, "footprint: cannot create a thread\n");
            return 1;
        } else if (serial) {
            pthread_join(tid[t], NULL);
        }
    work((void *)0);
    for (long t = 1; t < threads && !serial; t++)
        pthread_join(tid[t], NULL);
    return sink[0] == 1; /* never: keeps the chase */
}
