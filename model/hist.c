/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hist.c - latency histogram: bucket bounds, percentiles, merging.
 */
#include "mmusim/hist.h"

#include <string.h>

void mmu_hist_clear(mmu_hist *h)
{
    memset(h, 0, sizeof *h);
}

uint64_t mmu_hist_bucket_low(unsigned i)
{
    if (i < MMU_HIST_EXACT)
        return i;
    unsigned k = i - MMU_HIST_EXACT;
    unsigned e = 10u + k / (1u << MMU_HIST_SUB_BITS);
    uint64_t sub = k % (1u << MMU_HIST_SUB_BITS);
    return ((UINT64_C(1) << MMU_HIST_SUB_BITS) | sub) << (e - MMU_HIST_SUB_BITS);
}

uint64_t mmu_hist_bucket_high(unsigned i)
{
    if (i < MMU_HIST_EXACT)
        return i;
    unsigned e = 10u + (i - MMU_HIST_EXACT) / (1u << MMU_HIST_SUB_BITS);
    return mmu_hist_bucket_low(i) + ((UINT64_C(1) << (e - MMU_HIST_SUB_BITS)) - 1);
}

uint64_t mmu_hist_percentile(const mmu_hist *h, double p)
{
    if (h->count == 0)
        return 0;
    if (p <= 0.0)
        return h->min;
    if (p > 100.0)
        p = 100.0;
    /* rank = ceil(p/100 * count), computed so that 99.9 % of 1000 is exactly 999 */
    double r = p / 100.0 * (double)h->count;
    uint64_t rank = (uint64_t)r;
    if ((double)rank < r - 1e-9 * (double)h->count)
        rank++;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < MMU_HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen >= rank) {
            uint64_t v = mmu_hist_bucket_high(i);
            if (v > h->max)
                v = h->max;
            if (v < h->min)
                v = h->min;
            return v;
        }
    }
    return h->max;
}

double mmu_hist_mean(const mmu_hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}

void mmu_hist_merge(mmu_hist *dst, const mmu_hist *src)
{
    if (src->count == 0)
        return;
    if (dst->count == 0 || src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    dst->count += src->count;
    dst->sum += src->sum;
    for (unsigned i = 0; i < MMU_HIST_BUCKETS; i++)
        dst->bucket[i] += src->bucket[i];
}
