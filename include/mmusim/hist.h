/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/hist.h - a latency histogram: exact for small values, bounded
 * relative error for large ones, with nearest-rank percentiles.
 *
 * Values below MMU_HIST_EXACT (1024 cycles) each have their own bucket, so
 * their percentiles are exact to the cycle.  Larger values fall in buckets
 * 1/64 of a power of two wide (64 per octave): a percentile there is reported
 * as the upper end of its bucket, never below the true value and at most 1/64
 * (1.6 %) above it.  The mean (from the exact sum), the minimum and the
 * maximum are exact.
 */
#ifndef MMUSIM_HIST_H
#define MMUSIM_HIST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MMU_HIST_EXACT 1024u
#define MMU_HIST_SUB_BITS 6u
#define MMU_HIST_BUCKETS (MMU_HIST_EXACT + (64u - 10u) * (1u << MMU_HIST_SUB_BITS))

typedef struct mmu_hist {
    uint64_t count;
    uint64_t sum;
    uint64_t min;
    uint64_t max;
    uint64_t bucket[MMU_HIST_BUCKETS];
} mmu_hist;

/* Empty the histogram. */
void mmu_hist_clear(mmu_hist *h);

/* Bucket index of a value. */
static inline unsigned mmu_hist_index(uint64_t v)
{
    if (v < MMU_HIST_EXACT)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* 10..63 */
    unsigned sub = (unsigned)(v >> (e - MMU_HIST_SUB_BITS)) & ((1u << MMU_HIST_SUB_BITS) - 1u);
    return MMU_HIST_EXACT + (e - 10u) * (1u << MMU_HIST_SUB_BITS) + sub;
}

/* Add one value. */
static inline void mmu_hist_add(mmu_hist *h, uint64_t v)
{
    h->bucket[mmu_hist_index(v)]++;
    h->count++;
    h->sum += v;
    if (v > h->max)
        h->max = v;
    if (v < h->min || h->count == 1)
        h->min = v;
}

/* Smallest and largest value of bucket i. */
uint64_t mmu_hist_bucket_low(unsigned i);
uint64_t mmu_hist_bucket_high(unsigned i);

/*
 * Nearest-rank percentile, p in [0, 100]: the smallest recorded value v such
 * that at least ceil(p/100 * count) values are <= v (p = 0 gives the
 * minimum).  Exact below MMU_HIST_EXACT; above, the upper end of the bucket
 * (capped at the maximum).  0 for an empty histogram.
 */
uint64_t mmu_hist_percentile(const mmu_hist *h, double p);

/* Mean, 0 for an empty histogram. */
double mmu_hist_mean(const mmu_hist *h);

/* dst += src. */
void mmu_hist_merge(mmu_hist *dst, const mmu_hist *src);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_HIST_H */
