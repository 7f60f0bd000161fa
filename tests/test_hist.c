/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_hist.c - the latency histogram: exact percentiles below 1024 cycles
 * (nearest rank), the documented error bound above, bucket bounds that tile
 * the whole 64-bit range, merging.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "mmusim/hist.h"

static mmu_hist h, g;

static void test_exact_small(void **state)
{
    (void)state;
    mmu_hist_clear(&h);
    for (uint64_t v = 1; v <= 1000; v++)
        mmu_hist_add(&h, v);
    assert_int_equal(mmu_hist_percentile(&h, 50), 500);
    assert_int_equal(mmu_hist_percentile(&h, 90), 900);
    assert_int_equal(mmu_hist_percentile(&h, 99), 990);
    assert_int_equal(mmu_hist_percentile(&h, 99.9), 999);
    assert_int_equal(mmu_hist_percentile(&h, 100), 1000);
    assert_int_equal(mmu_hist_percentile(&h, 0), 1);
    assert_int_equal(h.max, 1000);
    assert_true(mmu_hist_mean(&h) == 500.5);
    /* nearest rank: 3 values, p50 is the 2nd */
    mmu_hist_clear(&h);
    mmu_hist_add(&h, 7);
    mmu_hist_add(&h, 1);
    mmu_hist_add(&h, 30);
    assert_int_equal(mmu_hist_percentile(&h, 50), 7);
    assert_int_equal(mmu_hist_percentile(&h, 34), 7);
    assert_int_equal(mmu_hist_percentile(&h, 33), 1);
    assert_int_equal(mmu_hist_percentile(&h, 100), 30);
}

static void test_buckets_tile_the_range(void **state)
{
    (void)state;
    assert_int_equal(mmu_hist_bucket_low(0), 0);
    for (unsigned i = 1; i < MMU_HIST_BUCKETS; i++)
        assert_true(mmu_hist_bucket_low(i) == mmu_hist_bucket_high(i - 1) + 1);
    assert_true(mmu_hist_bucket_high(MMU_HIST_BUCKETS - 1) == UINT64_MAX);
    uint64_t x = 1;
    for (int k = 0; k < 100000; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t v = x >> (x & 63);
        unsigned i = mmu_hist_index(v);
        assert_true(mmu_hist_bucket_low(i) <= v && v <= mmu_hist_bucket_high(i));
    }
}

static void test_error_bound_large(void **state)
{
    (void)state;
    uint64_t x = 42;
    for (int trial = 0; trial < 200; trial++) {
        mmu_hist_clear(&h);
        uint64_t vals[101];
        for (int k = 0; k < 101; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            vals[k] = 1024 + x % 10000000;
            mmu_hist_add(&h, vals[k]);
        }
        /* the true median: sort */
        for (int a = 0; a < 101; a++)
            for (int b = a + 1; b < 101; b++)
                if (vals[b] < vals[a]) {
                    uint64_t t = vals[a];
                    vals[a] = vals[b];
                    vals[b] = t;
                }
        uint64_t got = mmu_hist_percentile(&h, 50), truth = vals[50];
        assert_true(got >= truth);
        assert_true((double)(got - truth) <= (double)truth / 64.0);
        assert_int_equal(mmu_hist_percentile(&h, 100), vals[100]);
    }
}

static void test_merge(void **state)
{
    (void)state;
    mmu_hist_clear(&h);
    mmu_hist_clear(&g);
    mmu_hist_add(&h, 5);
    mmu_hist_add(&g, 3);
    mmu_hist_add(&g, 5000);
    mmu_hist_merge(&h, &g);
    assert_int_equal(h.count, 3);
    assert_int_equal(h.min, 3);
    assert_int_equal(h.max, 5000);
    assert_int_equal(h.sum, 5008);
    assert_int_equal(mmu_hist_percentile(&h, 50), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_small),
        cmocka_unit_test(test_buckets_tile_the_range),
        cmocka_unit_test(test_error_bound_large),
        cmocka_unit_test(test_merge),
    };
    return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
