/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_api.c - translations per second through the C API (mmu_translate)
 * for the default L1+L2 hierarchy, on a hit-dominated stream and on a
 * miss-heavy stream.  Prints the median of several repetitions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mmusim/mmusim.h"

#include "bench_util.h"

#define REPS 7

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
    cfg.walker.mode = MMU_WALKER_FIXED; /* the TLB hierarchy alone, misses at a fixed cost */
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
        mmu_request req = {0, 0, 8, 0, MMU_READ, MMU_PRIV_USER, 0};
        mmu_response resp;
        double t0 = bench_now();
        for (size_t i = 0; i < n; i++) {
            req.vaddr = addr[i];
            req.cycle = i;
            (void)mmu_translate(m, &req, &resp);
            sink += resp.paddr;
        }
        rate[r] = (double)n / (bench_now() - t0);
    }
    const mmu_stats *s = mmu_get_stats(m);
    double walk_pct = 100.0 * (double)s->walks / (double)s->requests;
    qsort(rate, REPS, sizeof rate[0], bench_cmp_double);
    printf("bench_api %-12s %6.1f M translations/s (median of %d x %zu; min %.1f max %.1f; %.2f%% walks) [%llu]\n",
           label, rate[REPS / 2] / 1e6, REPS, n, rate[0] / 1e6, rate[REPS - 1] / 1e6, walk_pct,
           (unsigned long long)(sink & 1));
    free(addr);
    mmu_destroy(m);
    return rate[REPS / 2];
}

/*
 * Walks: every access a walk.  One 1-entry TLB, the OS model holding the
 * page tables of a 256 MiB region (prefaulted: no page fault is timed),
 * uniform random pages over it; default PWC and PTE caches.  Reports
 * translations per second and host nanoseconds per walk, per format.
 */
static void run_walks(const char *format)
{
    mmu_config cfg;
    char msg[256];
    mmu_config_defaults(&cfg);
    const char *sets[][2] = {{"walker.format", format}, {"tlb.arrays", "t"}, {"tlb.t.entries", "1"},
                             {"tlb.t.ways", "1"}, {"ptemem.data", "off"}};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (mmu_config_set(&cfg, sets[i][0], sets[i][1], msg, sizeof msg) != MMU_OK) {
            fprintf(stderr, "bench: %s\n", msg);
            exit(1);
        }
    mmu *m;
    mmu_os *os;
    if (mmu_create(&cfg, &m, msg, sizeof msg) != MMU_OK ||
        mmu_os_create_from_config(&cfg, &os, msg, sizeof msg) != MMU_OK || mmu_attach_os(m, os) != MMU_OK ||
        mmu_os_prefault(os, 0, 0x10000000, 256u << 20) != MMU_OK) {
        fprintf(stderr, "bench: %s: %s\n", format, msg);
        exit(1);
    }
    const uint64_t page = UINT64_C(1) << mmu_page_shift((mmu_page_size)mmu_get_format(m)->page_size[0]);
    const uint64_t pages = (256u << 20) / page;
    const size_t n = 2u << 20;
    uint64_t *addr = malloc(n * sizeof *addr);
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        addr[i] = 0x10000000 + (x % pages) * page + ((x >> 40) % page & ~UINT64_C(7));
    }
    double rate[REPS];
    uint64_t walks0 = 0, sink = 0;
    mmu_request req = {0, 0, 8, 0, MMU_READ, MMU_PRIV_USER, 0};
    for (int r = 0; r < REPS; r++) {
        walks0 = mmu_get_stats(m)->walks;
        mmu_response resp;
        double t0 = bench_now();
        for (size_t i = 0; i < n; i++) {
            req.vaddr = addr[i];
            req.cycle += 1000; /* far apart: no queueing, no merging */
            (void)mmu_translate(m, &req, &resp);
            sink += resp.paddr;
        }
        rate[r] = (double)n / (bench_now() - t0);
    }
    uint64_t walks = mmu_get_stats(m)->walks - walks0;
    qsort(rate, REPS, sizeof rate[0], bench_cmp_double);
    printf("bench_api walks %-12s %6.2f M translations/s, %.0f ns per walk (median of %d x %zu; %.1f%% walks; "
           "%.2f PTE refs/walk; %u faults) [%llu]\n",
           format, rate[REPS / 2] / 1e6, 1e9 / rate[REPS / 2] * (double)n / (double)walks, REPS, n,
           100.0 * (double)walks / (double)n,
           (double)(mmu_get_stats(m)->pte_reads) / (double)mmu_get_stats(m)->walks,
           (unsigned)mmu_get_stats(m)->page_faults, (unsigned long long)(sink & 1));
    free(addr);
    mmu_destroy(m);
    mmu_os_destroy(os);
}

int main(void)
{
    const char *formats[] = {"x86_64", "x86_64_la57", "sv39", "sv48", "sv57", "aarch64_4k", "aarch64_16k",
                             "aarch64_64k"};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        run_walks(formats[i]);
    double hit = run("hits-random", 0, 20u << 20);
    run("hits-seq", 2, 20u << 20);
    double miss = run("misses", 1, 4u << 20);
    printf("bench_api hit/miss speed ratio %.2f\n", hit / miss);
    return 0;
}
