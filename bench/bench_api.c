/*
 * bench_api.c - translations per second through the C API (mmu_translate)
 * for the default L1+L2 hierarchy, on a hit-dominated stream and on a
 * miss-heavy stream.  Prints the median of several repetitions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mmusim/mmusim.h"

#define REPS 7

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Addresses of a stream: n of them, from a generator chosen by kind. */
static uint64_t *make_stream(size_t n, int kind)
{
    uint64_t *v = malloc(n * sizeof *v);
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (kind == 0) /* hits: 48 hot pages, a random page each access (fits the 64-entry L1 DTLB) */
            v[i] = ((x % 48) << 12) | ((x >> 20) & 0xFF8);
        else if (kind == 2) /* hits with locality: 8-byte strides through the 48 hot pages */
            v[i] = (i * 8) % (48u << 12);
        else /* misses: uniform over 4M pages (16 GiB), far beyond the STLB's reach */
            v[i] = ((x % (4u << 20)) << 12) | ((x >> 40) & 0xFF8);
    }
    return v;
}

static double run(const char *label, int kind, size_t n)
{
    mmu_config cfg;
    mmu_config_defaults(&cfg);
    char msg[256];
    mmu *m;
    if (mmu_create(&cfg, &m, msg, sizeof msg) != MMU_OK) {
        fprintf(stderr, "bench: %s\n", msg);
        exit(1);
    }
    uint64_t *addr = make_stream(n, kind);
    double rate[REPS];
    uint64_t sink = 0;
    for (int r = 0; r < REPS; r++) {
        mmu_request req = {0, 0, 8, 0, MMU_READ, MMU_PRIV_USER};
        mmu_response resp;
        double t0 = now();
        for (size_t i = 0; i < n; i++) {
            req.vaddr = addr[i];
            req.cycle = i;
            (void)mmu_translate(m, &req, &resp);
            sink += resp.paddr;
        }
        rate[r] = (double)n / (now() - t0);
    }
    const mmu_stats *s = mmu_get_stats(m);
    double walk_pct = 100.0 * (double)s->walks / (double)s->requests;
    qsort(rate, REPS, sizeof rate[0], cmp);
    printf("bench_api %-12s %6.1f M translations/s (median of %d x %zu; min %.1f max %.1f; %.2f%% walks) [%llu]\n",
           label, rate[REPS / 2] / 1e6, REPS, n, rate[0] / 1e6, rate[REPS - 1] / 1e6, walk_pct,
           (unsigned long long)(sink & 1));
    free(addr);
    mmu_destroy(m);
    return rate[REPS / 2];
}

int main(void)
{
    double hit = run("hits-random", 0, 20u << 20);
    run("hits-seq", 2, 20u << 20);
    double miss = run("misses", 1, 4u << 20);
    printf("bench_api hit/miss speed ratio %.2f\n", hit / miss);
    return 0;
}
