/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_util.h - what the C benchmarks share: a monotonic clock in seconds
 * and a comparison of doubles for qsort (medians).
 */
#ifndef MMUSIM_BENCH_UTIL_H
#define MMUSIM_BENCH_UTIL_H

#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif
