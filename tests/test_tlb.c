/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_tlb.c - one TLB array: the exact checks of REFERENCE.md (cyclic
 * sweeps, set-associative stride capacity, uniform random hit ratio), every
 * replacement policy against a hand-worked sequence, ASID isolation, global
 * entries, every invalidation kind, multi-size arrays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/config.h"
#include "mmusim/tlb.h"
#include "repl.h"
#include "tlb_internal.h"

#define PAGE 4096u

static mmu_tlb *make(uint32_t entries, uint32_t ways, mmu_repl_policy p)
{
    mmu_tlb_config c;
    mmu_tlb_config_defaults(&c, "t");
    c.entries = entries;
    c.ways = ways;
    c.policy = p;
    c.seed = 1;
    mmu_tlb *t = NULL;
    assert_int_equal(mmu_tlb_create(&c, &t), MMU_OK);
    return t;
}

static mmu_tlb_entry page(uint64_t vpn, uint16_t asid, uint8_t flags)
{
    mmu_tlb_entry e = {vpn * PAGE, (vpn + 0x1000) * PAGE, asid, MMU_PS_4K, flags, 0};
    return e;
}

/* A demand access: lookup, and on a miss insert.  Returns 1 on a hit. */
static int touch(mmu_tlb *t, uint64_t vpn, uint16_t asid)
{
    if (mmu_tlb_lookup(t, vpn * PAGE + 8, asid, MMU_READ, NULL))
        return 1;
    mmu_tlb_entry e = page(vpn, asid, 0);
    assert_int_equal(mmu_tlb_insert(t, &e, NULL, NULL), MMU_OK);
    return 0;
}

static int present(mmu_tlb *t, uint64_t vpn)
{
    return mmu_tlb_probe(t, vpn * PAGE, 0, NULL);
}

static uint64_t misses(const mmu_tlb *t)
{
    const mmu_tlb_stats *s = mmu_tlb_get_stats(t);
    return s->misses[0] + s->misses[1] + s->misses[2];
}

/* Cyclic sweep over n pages, `rounds` times, page stride `stride`; returns misses after round 1. */
static uint64_t sweep(mmu_tlb *t, uint64_t n, uint64_t stride, int rounds)
{
    for (uint64_t i = 0; i < n; i++)
        touch(t, i * stride, 0);
    mmu_tlb_clear_stats(t);
    for (int r = 1; r < rounds; r++)
        for (uint64_t i = 0; i < n; i++)
            touch(t, i * stride, 0);
    return misses(t);
}

static void test_cyclic_fully_associative(void **state)
{
    (void)state;
    for (int p = 0; p < MMU_REPL_POLICIES; p++) {
        mmu_tlb *t = make(64, 64, (mmu_repl_policy)p);
        assert_int_equal(sweep(t, 64, 1, 5), 0); /* N = E: no miss after the first round */
        mmu_tlb_destroy(t);
    }
    /* N > E: every access misses under LRU and FIFO */
    for (int p = MMU_REPL_LRU; p <= MMU_REPL_FIFO; p += MMU_REPL_FIFO - MMU_REPL_LRU) {
        mmu_tlb *t = make(64, 64, (mmu_repl_policy)p);
        assert_int_equal(sweep(t, 65, 1, 5), 4 * 65);
        mmu_tlb_destroy(t);
    }
}

static void test_cyclic_set_associative_below_above(void **state)
{
    (void)state;
    mmu_tlb *t = make(1536, 12, MMU_REPL_LRU); /* 128 sets */
    assert_int_equal(sweep(t, 1536, 1, 3), 0);
    mmu_tlb_destroy(t);
    t = make(1536, 12, MMU_REPL_LRU);
    assert_int_equal(sweep(t, 1537, 1, 3), 2 * 13); /* set 0 holds 13 pages in 12 ways */
    mmu_tlb_destroy(t);
}

/* Apple M1 L1 DTLB: 32 sets x 5 ways holds 80/40/20/10/5 pages at strides 2/4/8/16/32. */
static void test_stride_capacity(void **state)
{
    (void)state;
    const uint32_t sets = 32, ways = 5;
    for (uint64_t k = 1; k <= 64; k *= 2) {
        uint64_t cap = (uint64_t)ways * sets / (k < sets ? k : sets);
        mmu_tlb *t = make(sets * ways, ways, MMU_REPL_LRU);
        assert_int_equal(sweep(t, cap, k, 4), 0);
        mmu_tlb_destroy(t);
        t = make(sets * ways, ways, MMU_REPL_LRU);
        /* one page more than the capacity: the set that overflows misses on every access */
        uint64_t m = sweep(t, cap + 1, k, 4);
        assert_true(m > 0);
        mmu_tlb_destroy(t);
    }
    /* the figures measured on the chip */
    const uint64_t expect[] = {80, 40, 20, 10, 5};
    for (int i = 0; i < 5; i++) {
        uint64_t k = 2u << i;
        assert_int_equal(ways * sets / (k < sets ? k : sets), expect[i]);
        mmu_tlb *t = make(sets * ways, ways, MMU_REPL_LRU);
        assert_int_equal(sweep(t, expect[i], k, 3), 0);
        mmu_tlb_destroy(t);
    }
}

/* A non-power-of-two number of sets: 1280 entries, 5 ways = 256 sets; 3072/12 = 256; 1536/12 = 128; 48/48 = 1; 80/5 = 16 */
static void test_non_power_of_two_sets(void **state)
{
    (void)state;
    mmu_tlb *t = make(60, 5, MMU_REPL_LRU); /* 12 sets */
    assert_int_equal(mmu_tlb_sets(t), 12);
    /* pages 0, 12, 24, ... share set 0: 5 of them fit, 6 do not */
    assert_int_equal(sweep(t, 5, 12, 3), 0);
    mmu_tlb_destroy(t);
    t = make(60, 5, MMU_REPL_LRU);
    assert_int_equal(sweep(t, 6, 12, 3), 12);
    mmu_tlb_destroy(t);
    t = make(60, 5, MMU_REPL_LRU);
    assert_int_equal(sweep(t, 60, 1, 3), 0); /* all 60 consecutive pages spread over the 12 sets */
    mmu_tlb_destroy(t);
}

/* Byte stride s < page size over a footprint beyond reach: miss ratio s / P. */
static void test_byte_stride_miss_ratio(void **state)
{
    (void)state;
    for (uint64_t s = 64; s <= 1024; s *= 4) {
        mmu_tlb *t = make(64, 4, MMU_REPL_LRU);
        uint64_t accesses = 0;
        for (int r = 0; r < 3; r++)
            for (uint64_t a = 0; a < 256 * PAGE; a += s) {
                if (!mmu_tlb_lookup(t, a, 0, MMU_READ, NULL)) {
                    mmu_tlb_entry e = page(a / PAGE, 0, 0);
                    assert_int_equal(mmu_tlb_insert(t, &e, NULL, NULL), MMU_OK);
                }
                accesses++;
            }
        assert_int_equal(misses(t) * PAGE, accesses * s);
        mmu_tlb_destroy(t);
    }
}

/* xorshift64* for the test's own random streams */
static uint64_t rnd(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * UINT64_C(0x2545F4914F6CDD1D);
}

/*
 * Uniform random references over N >= E pages: hit ratio E/N for any demand
 * policy.  With 400k references the standard error is about 0.0007 (0.001
 * with the correlation of successive states); the tolerance is 0.01.
 */
static void test_uniform_random_hit_ratio(void **state)
{
    (void)state;
    const uint64_t n_pages[] = {128, 256, 1024};
    for (int p = 0; p < MMU_REPL_POLICIES; p++) {
        for (int g = 0; g < 2; g++) {
            uint32_t ways = g ? 64 : 8; /* fully associative, and 8 sets of 8 */
            for (int i = 0; i < 3; i++) {
                mmu_tlb *t = make(64, ways, (mmu_repl_policy)p);
                uint64_t x = 12345 + (uint64_t)p, hits = 0, total = 400000;
                for (int w = 0; w < 20000; w++)
                    touch(t, rnd(&x) % n_pages[i], 0);
                for (uint64_t k = 0; k < total; k++)
                    hits += (uint64_t)touch(t, rnd(&x) % n_pages[i], 0);
                double ratio = (double)hits / (double)total;
                double expect = 64.0 / (double)n_pages[i];
                if (ratio < expect - 0.01 || ratio > expect + 0.01)
                    fail_msg("policy %s ways %u N %llu: hit ratio %.4f, expected %.4f",
                             mmu_repl_name((mmu_repl_policy)p), ways,
                             (unsigned long long)n_pages[i], ratio, expect);
                mmu_tlb_destroy(t);
            }
        }
    }
}

/* Hand-worked sequences, one set of 4 ways (3 for the PLRU case): pages A=0, B=1, ... */
enum { A, B, C, D, E, F, G, H };

static void run_seq(mmu_tlb *t, const int *seq, int n)
{
    for (int i = 0; i < n; i++)
        touch(t, (uint64_t)seq[i], 0);
}

static void expect_set(mmu_tlb *t, const int *pages, int n)
{
    assert_int_equal(mmu_tlb_occupancy(t), (uint32_t)n);
    for (int i = 0; i < n; i++)
        if (!present(t, (uint64_t)pages[i]))
            fail_msg("page %c should be present", 'A' + pages[i]);
}

static void test_policy_lru(void **state)
{
    (void)state;
    mmu_tlb *t = make(4, 4, MMU_REPL_LRU);
    run_seq(t, (int[]){A, B, C, D, A, E}, 6);
    expect_set(t, (int[]){A, C, D, E}, 4); /* B was least recently used */
    run_seq(t, (int[]){B}, 1);
    expect_set(t, (int[]){A, B, D, E}, 4); /* then C */
    mmu_tlb_destroy(t);
}

static void test_policy_fifo(void **state)
{
    (void)state;
    mmu_tlb *t = make(4, 4, MMU_REPL_FIFO);
    run_seq(t, (int[]){A, B, C, D, A, E}, 6);
    expect_set(t, (int[]){B, C, D, E}, 4); /* A was filled first; its hit does not count */
    run_seq(t, (int[]){A}, 1);
    expect_set(t, (int[]){A, C, D, E}, 4);
    mmu_tlb_destroy(t);
}

static void test_policy_nru(void **state)
{
    (void)state;
    mmu_tlb *t = make(4, 4, MMU_REPL_NRU);
    /* fills set bits 1111 -> reset to 0001 on D; A hit -> 1001; E takes way 1 (B) */
    run_seq(t, (int[]){A, B, C, D, A, E}, 6);
    expect_set(t, (int[]){A, E, C, D}, 4);
    run_seq(t, (int[]){F}, 1); /* way 2 (C); bits 1111 -> 0010 */
    expect_set(t, (int[]){A, E, F, D}, 4);
    run_seq(t, (int[]){G}, 1); /* way 0 (A) */
    expect_set(t, (int[]){G, E, F, D}, 4);
    mmu_tlb_destroy(t);
}

static void test_policy_srrip(void **state)
{
    (void)state;
    mmu_tlb *t = make(4, 4, MMU_REPL_SRRIP);
    /* RRPV after fills 2222; A hit 0222; E: age to 1333, victim way 1 (B) */
    run_seq(t, (int[]){A, B, C, D, A, E}, 6);
    expect_set(t, (int[]){A, E, C, D}, 4);
    run_seq(t, (int[]){F}, 1); /* 1 2 3 3: way 2 (C) */
    expect_set(t, (int[]){A, E, F, D}, 4);
    run_seq(t, (int[]){G}, 1); /* 1 2 2 3: way 3 (D) */
    expect_set(t, (int[]){A, E, F, G}, 4);
    run_seq(t, (int[]){H}, 1); /* 1 2 2 2 -> 2 3 3 3: way 1 (E) */
    expect_set(t, (int[]){A, H, F, G}, 4);
    mmu_tlb_destroy(t);
}

static void test_policy_plru(void **state)
{
    (void)state;
    mmu_tlb *t = make(4, 4, MMU_REPL_PLRU);
    run_seq(t, (int[]){A, B, C, D, A, E}, 6); /* E replaces C (way 2) */
    expect_set(t, (int[]){A, B, E, D}, 4);
    run_seq(t, (int[]){F}, 1); /* way 1 (B) */
    expect_set(t, (int[]){A, F, E, D}, 4);
    run_seq(t, (int[]){G}, 1); /* way 3 (D) */
    expect_set(t, (int[]){A, F, E, G}, 4);
    mmu_tlb_destroy(t);

    /* 3 ways: the tree has 4 leaves; leaf 3 holds no way and is never chosen */
    t = make(3, 3, MMU_REPL_PLRU);
    run_seq(t, (int[]){A, B, C, D}, 4); /* D replaces A (way 0) */
    expect_set(t, (int[]){D, B, C}, 3);
    run_seq(t, (int[]){E}, 1); /* right subtree, leaf 3 absent: way 2 (C) */
    expect_set(t, (int[]){D, B, E}, 3);
    run_seq(t, (int[]){F}, 1); /* way 1 (B) */
    expect_set(t, (int[]){D, F, E}, 3);
    mmu_tlb_destroy(t);
}

static uint64_t splitmix(uint64_t x)
{
    uint64_t z = x + UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void test_policy_random(void **state)
{
    (void)state;
    /* the documented generator: victims = xorshift64*(splitmix64(seed)) % ways */
    mmu_tlb *t = make(4, 4, MMU_REPL_RANDOM);
    run_seq(t, (int[]){A, B, C, D}, 4);
    uint64_t x = splitmix(1);
    int resident[4] = {A, B, C, D};
    for (int i = 0; i < 50; i++) {
        uint32_t way = (uint32_t)(rnd(&x) % 4);
        int newp = E + i;
        touch(t, (uint64_t)newp, 0);
        assert_false(present(t, (uint64_t)resident[way]));
        resident[way] = newp;
        expect_set(t, resident, 4);
    }
    mmu_tlb_destroy(t);
}

static void test_asid_isolation_and_global(void **state)
{
    (void)state;
    mmu_tlb *t = make(64, 4, MMU_REPL_LRU);
    mmu_tlb_entry e = page(7, 1, 0);
    assert_int_equal(mmu_tlb_insert(t, &e, NULL, NULL), MMU_OK);
    assert_true(mmu_tlb_lookup(t, 7 * PAGE, 1, MMU_READ, NULL));
    assert_false(mmu_tlb_lookup(t, 7 * PAGE, 2, MMU_READ, NULL));
    /* the same page for ASID 2 is a separate entry */
    e = page(7, 2, 0);
    e.pbase = 0x999000;
    assert_int_equal(mmu_tlb_insert(t, &e, NULL, NULL), MMU_OK);
    mmu_tlb_entry got;
    assert_true(mmu_tlb_lookup(t, 7 * PAGE + 5, 1, MMU_READ, &got));
    assert_int_equal(got.pbase, (7 + 0x1000) * PAGE);
    assert_true(mmu_tlb_lookup(t, 7 * PAGE + 5, 2, MMU_READ, &got));
    assert_int_equal(got.pbase, 0x999000);
    assert_int_equal(mmu_tlb_occupancy(t), 2);
    /* a global entry hits for every ASID */
    e = page(9, 3, MMU_TLB_GLOBAL);
    assert_int_equal(mmu_tlb_insert(t, &e, NULL, NULL), MMU_OK);
    for (uint16_t a = 0; a < 100; a++)
        assert_true(mmu_tlb_lookup(t, 9 * PAGE, a, MMU_READ, NULL));
    /* random mixed stream: never a hit on another ASID's non-global entry */
    mmu_tlb_reset(t);
    uint64_t x = 99;
    for (int i = 0; i < 20000; i++) {
        uint64_t vpn = rnd(&x) % 96;
        uint16_t asid = (uint16_t)(rnd(&x) % 4);
        mmu_tlb_entry out;
        if (mmu_tlb_lookup(t, vpn * PAGE, asid, MMU_READ, &out)) {
            assert_int_equal(out.asid, asid);
        } else {
            e = page(vpn, asid, 0);
            assert_int_equal(mmu_tlb_insert(t, &e, NULL, NULL), MMU_OK);
        }
    }
    mmu_tlb_destroy(t);
}

static void fill4(mmu_tlb *t)
{
    mmu_tlb_reset(t);
    mmu_tlb_entry e;
    e = page(1, 1, 0);
    assert_int_equal(mmu_tlb_insert(t, &e, NULL, NULL), MMU_OK);
    e = page(1, 2, 0);
    assert_int_equal(mmu_tlb_insert(t, &e, NULL, NULL), MMU_OK);
    e = page(2, 1, 0);
    assert_int_equal(mmu_tlb_insert(t, &e, NULL, NULL), MMU_OK);
    e = page(3, 5, MMU_TLB_GLOBAL);
    assert_int_equal(mmu_tlb_insert(t, &e, NULL, NULL), MMU_OK);
    e = page(1, 7, MMU_TLB_GLOBAL); /* page 1 global too */
    assert_int_equal(mmu_tlb_insert(t, &e, NULL, NULL), MMU_OK);
    assert_int_equal(mmu_tlb_occupancy(t), 5);
}

static void test_invalidation_kinds(void **state)
{
    (void)state;
    mmu_tlb *t = make(64, 8, MMU_REPL_LRU);

    fill4(t);
    assert_int_equal(mmu_tlb_invalidate(t, MMU_INVAL_ALL, 0, 0), 5);
    assert_int_equal(mmu_tlb_occupancy(t), 0);

    fill4(t); /* by ASID 1: pages 1 and 2 of ASID 1; globals stay */
    assert_int_equal(mmu_tlb_invalidate(t, MMU_INVAL_ASID, 0, 1), 2);
    assert_false(mmu_tlb_probe(t, 2 * PAGE, 1, NULL));
    assert_true(mmu_tlb_probe(t, 3 * PAGE, 1, NULL)); /* global */
    assert_true(mmu_tlb_probe(t, 1 * PAGE, 2, NULL)); /* ASID 2's own */

    fill4(t); /* by address: page 1 in every ASID, the global one too */
    assert_int_equal(mmu_tlb_invalidate(t, MMU_INVAL_ADDR, 1 * PAGE + 100, 0), 3);
    assert_int_equal(mmu_tlb_occupancy(t), 2);
    assert_false(mmu_tlb_probe(t, 1 * PAGE, 2, NULL));

    fill4(t); /* by address and ASID 2: ASID 2's page 1 and the global page 1 */
    assert_int_equal(mmu_tlb_invalidate(t, MMU_INVAL_ADDR_ASID, 1 * PAGE, 2), 2);
    assert_int_equal(mmu_tlb_occupancy(t), 3);
    mmu_tlb_entry out;
    assert_true(mmu_tlb_probe(t, 1 * PAGE, 1, &out));
    assert_int_equal(out.asid, 1);
    assert_int_equal(mmu_tlb_get_stats(t)->invalidations, 2); /* reset() clears the counters */
    mmu_tlb_destroy(t);
}

static void test_multi_size_array(void **state)
{
    (void)state;
    mmu_tlb_config c;
    mmu_tlb_config_defaults(&c, "stlb");
    c.entries = 1536;
    c.ways = 12;
    c.page_sizes = (1u << MMU_PS_4K) | (1u << MMU_PS_2M);
    mmu_tlb *t;
    assert_int_equal(mmu_tlb_create(&c, &t), MMU_OK);
    mmu_tlb_entry big = {0x40000000, 0x80000000, 0, MMU_PS_2M, 0, 0};
    assert_int_equal(mmu_tlb_insert(t, &big, NULL, NULL), MMU_OK);
    mmu_tlb_entry out;
    assert_true(mmu_tlb_lookup(t, 0x40000000 + 0x1FFFFF, 0, MMU_READ, &out));
    assert_int_equal(out.page_size, MMU_PS_2M);
    assert_int_equal(out.vbase, 0x40000000);
    assert_false(mmu_tlb_lookup(t, 0x40200000, 0, MMU_READ, NULL));
    mmu_tlb_entry bad = {0, 0, 0, MMU_PS_1G, 0, 0};
    assert_int_equal(mmu_tlb_insert(t, &bad, NULL, NULL), MMU_EINVAL);
    /* 4K and 2M entries for overlapping addresses live side by side */
    mmu_tlb_entry small = {0x40000000, 0x12345000, 0, MMU_PS_4K, 0, 0};
    assert_int_equal(mmu_tlb_insert(t, &small, NULL, NULL), MMU_OK);
    assert_int_equal(mmu_tlb_occupancy(t), 2);
    assert_int_equal(mmu_tlb_invalidate(t, MMU_INVAL_ADDR, 0x40000010, 0), 2);
    mmu_tlb_destroy(t);
}

/* The shadow of a 4K|2M array in test_sizes_vs_shadow: the entries it must hold. */
typedef struct {
    uint64_t vbase;
    uint8_t ps;
} shadow_entry;

static int shadow_find(const shadow_entry *sh, int n, uint64_t vbase, uint8_t ps)
{
    for (int i = 0; i < n; i++)
        if (sh[i].vbase == vbase && sh[i].ps == ps)
            return i;
    return -1;
}

static uint64_t ps_bytes(uint8_t ps)
{
    return ps == MMU_PS_4K ? 0x1000u : 0x200000u;
}

/* Remove every shadow entry covering va; returns how many. */
static int shadow_remove_covering(shadow_entry *sh, int *n, uint64_t va)
{
    int removed = 0;
    for (int i = 0; i < *n;) {
        if (va >= sh[i].vbase && va - sh[i].vbase < ps_bytes(sh[i].ps)) {
            sh[i] = sh[--*n];
            removed++;
        } else {
            i++;
        }
    }
    return removed;
}

/*
 * An array of 4K and 2M entries through random fills, evictions, takes,
 * invalidations and resets, beside a shadow list of what it holds: every
 * probe finds what the shadow says (the smallest size covering the address
 * first), so the per-size counts that let a lookup skip a size with no
 * entries (tlb_find) never skip a size that has one.
 */
static void test_sizes_vs_shadow(void **state)
{
    (void)state;
    mmu_tlb_config c;
    mmu_tlb_config_defaults(&c, "t");
    c.entries = 16;
    c.ways = 4;
    c.page_sizes = (1u << MMU_PS_4K) | (1u << MMU_PS_2M);
    mmu_tlb *t;
    assert_int_equal(mmu_tlb_create(&c, &t), MMU_OK);
    shadow_entry sh[16];
    int n = 0;
    uint64_t x = 88172645463325252ull;
    for (int step = 0; step < 200000; step++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* addresses in 8 2M regions, 4K pages mostly in the first 16 of each */
        uint64_t va = ((x >> 8) & 7) * 0x200000u + ((x >> 11) & 15) * 0x1000u + 8;
        unsigned op = (unsigned)(x % 1000);
        if (op < 700) {
            uint8_t ps = (x >> 20) % 4 == 0 ? MMU_PS_2M : MMU_PS_4K;
            mmu_tlb_entry e = {va & ~(ps_bytes(ps) - 1), 0x100000000ull, 0, ps, 0, 0};
            mmu_tlb_entry victim;
            int evicted = 0;
            assert_int_equal(mmu_tlb_insert(t, &e, &victim, &evicted), MMU_OK);
            if (evicted) {
                int i = shadow_find(sh, n, victim.vbase, victim.page_size);
                assert_true(i >= 0);
                sh[i] = sh[--n];
            }
            if (shadow_find(sh, n, e.vbase, ps) < 0)
                sh[n++] = (shadow_entry){e.vbase, ps};
        } else if (op < 850) {
            mmu_tlb_entry out;
            if (mmu_tlb_take(t, va, 0, &out)) {
                int i = shadow_find(sh, n, out.vbase, out.page_size);
                assert_true(i >= 0);
                sh[i] = sh[--n];
            }
        } else if (op < 990) {
            int want = shadow_remove_covering(sh, &n, va);
            assert_int_equal(mmu_tlb_invalidate(t, MMU_INVAL_ADDR, va, 0), want);
        } else if (op < 995) {
            mmu_tlb_invalidate(t, MMU_INVAL_ALL, 0, 0);
            n = 0;
        } else {
            mmu_tlb_reset(t);
            n = 0;
        }
        assert_int_equal(mmu_tlb_occupancy(t), n);
        for (int i = 0; i < n; i++) {
            mmu_tlb_entry out;
            assert_true(mmu_tlb_probe(t, sh[i].vbase, 0, &out));
            /* the 4K entry at that address, if any, is found first */
            uint8_t first = shadow_find(sh, n, sh[i].vbase, MMU_PS_4K) >= 0 ? MMU_PS_4K : MMU_PS_2M;
            assert_int_equal(out.page_size, first);
        }
        mmu_tlb_entry out;
        int found = mmu_tlb_probe(t, va, 0, &out);
        shadow_entry tmp[16];
        int m = n;
        memcpy(tmp, sh, sizeof tmp);
        assert_int_equal(found, shadow_remove_covering(tmp, &m, va) > 0);
    }
    mmu_tlb_destroy(t);
}

/*
 * LRU and FIFO of at most 16 ways keep a recency order per set instead of
 * time stamps (repl.h): the same victims, and the same answer to "is this
 * way the newest of its set" (tlb_hit_changes), on random streams of fills
 * (the lowest invalid way first, as the array does; else the victim, through
 * the ops or the array's inline evict), hits, refreshes, invalidations and
 * resets, for every number of ways 1..16.
 */
static void test_repl_order_vs_stamps(void **state)
{
    (void)state;
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (int pol = 0; pol < 2; pol++) {
        const mmu_repl_policy p = pol ? MMU_REPL_FIFO : MMU_REPL_LRU;
        for (uint32_t ways = 1; ways <= 16; ways++) {
            const uint32_t sets = 1 + ways % 3;
            const repl_ops *ref = repl_get_ops(p), *ord = repl_ops_for(p, ways);
            assert_true(repl_is_order(ord));
            assert_false(repl_is_order(ref));
            repl_state a, b;
            assert_int_equal(repl_state_init(&a, ref, sets, ways, 1), MMU_OK);
            assert_int_equal(repl_state_init(&b, ord, sets, ways, 1), MMU_OK);
            uint8_t valid[3][16] = {{0}};
            for (int step = 0; step < 20000; step++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                const uint32_t set = (uint32_t)(x >> 40) % sets, w = (uint32_t)(x >> 20) % ways;
                const unsigned op = (unsigned)(x % 100);
                if (op < 45) { /* a fill */
                    uint32_t way = ways;
                    for (uint32_t i = 0; i < ways && way == ways; i++)
                        if (!valid[set][i])
                            way = i;
                    if (way == ways) {
                        way = ref->victim(&a, set);
                        assert_int_equal(ord->victim(&b, set), way);
                        assert_int_equal(repl_order_victim(&b, set), way);
                        if (op & 1) { /* the array's inline form: victim and fill at once */
                            assert_int_equal(repl_order_evict(&b, set), way);
                            ref->fill(&a, set, way);
                            continue;
                        }
                    }
                    ref->fill(&a, set, way);
                    if (op & 1)
                        ord->fill(&b, set, way);
                    else if (p == MMU_REPL_LRU || p == MMU_REPL_FIFO)
                        repl_order_touch(&b, set, way); /* what fill does for both */
                    valid[set][way] = 1;
                } else if (op < 85) { /* a hit (or a refresh: the same call) */
                    if (!valid[set][w])
                        continue;
                    int newest = 1;
                    for (uint32_t i = 0; i < ways; i++)
                        if (a.stamp[(size_t)set * ways + i] > a.stamp[(size_t)set * ways + w])
                            newest = 0;
                    assert_int_equal(repl_order_is_newest(&b, set, w), newest);
                    ref->hit(&a, set, w);
                    ord->hit(&b, set, w);
                } else if (op < 99) {
                    if (!valid[set][w])
                        continue;
                    ref->invalidate(&a, set, w);
                    ord->invalidate(&b, set, w);
                    valid[set][w] = 0;
                } else {
                    ref->reset(&a);
                    ord->reset(&b);
                    memset(valid, 0, sizeof valid);
                }
                /* the order is a permutation of the ways, unused nibbles 0 */
                for (uint32_t s = 0; s < sets; s++) {
                    uint32_t seen = 0;
                    for (uint32_t i = 0; i < ways; i++)
                        seen |= 1u << ((b.order[s] >> (4 * i)) & 15);
                    assert_int_equal(seen, (1u << ways) - 1);
                    assert_true((b.order[s] & ~b.order_mask) == 0);
                }
            }
            repl_state_free(&a);
            repl_state_free(&b);
        }
    }
    assert_ptr_equal(repl_ops_for(MMU_REPL_LRU, 17), repl_get_ops(MMU_REPL_LRU));
    assert_ptr_equal(repl_ops_for(MMU_REPL_PLRU, 8), repl_get_ops(MMU_REPL_PLRU));
}

/* A plain LRU/FIFO array model: per way a page (or -1) and a stamp. */
typedef struct {
    int64_t page[64 * 20];
    uint64_t stamp[64 * 20];
    uint64_t clock;
} plain_tlb;

/*
 * Arrays of 1..20 ways (recency orders up to 16, stamps above), LRU and FIFO,
 * driven by lookups, inserts (with refreshes of a present page),
 * invalidations by address and takes, beside a plain model: every lookup
 * and every victim the same.
 */
static void test_lru_fifo_vs_plain(void **state)
{
    (void)state;
    static plain_tlb pl;
    static const uint32_t shapes[][2] = {{4, 4}, {64, 4}, {48, 12}, {36, 12}, {16, 16}, {32, 16},
                                         {5, 5},  {15, 5}, {8, 1},   {20, 20}, {34, 17}, {7, 7}};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int pol = 0; pol < 2; pol++) {
        const mmu_repl_policy p = pol ? MMU_REPL_FIFO : MMU_REPL_LRU;
        for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
            const uint32_t entries = shapes[sh][0], ways = shapes[sh][1], sets = entries / ways;
            mmu_tlb *t = make(entries, ways, p);
            for (uint32_t i = 0; i < entries; i++) {
                pl.page[i] = -1;
                pl.stamp[i] = 0;
            }
            pl.clock = 0;
            for (int step = 0; step < 30000; step++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                const uint64_t vpn = (x >> 24) % (entries * 2 + 3);
                const uint32_t set = (uint32_t)(vpn % sets);
                int64_t *pg = pl.page + (size_t)set * ways;
                uint64_t *st = pl.stamp + (size_t)set * ways;
                uint32_t at = ways;
                for (uint32_t w = 0; w < ways; w++)
                    if (pg[w] == (int64_t)vpn)
                        at = w;
                const unsigned op = (unsigned)(x % 100);
                if (op < 80) { /* a demand access */
                    const int hit = mmu_tlb_lookup(t, vpn * PAGE, 0, MMU_READ, NULL);
                    assert_int_equal(hit, at < ways);
                    if (hit) {
                        if (p == MMU_REPL_LRU)
                            st[at] = ++pl.clock;
                        continue;
                    }
                }
                if (op < 90) { /* an insert: a fill, or a refresh of a present page */
                    mmu_tlb_entry e = page(vpn, 0, 0), victim;
                    int evicted = 0;
                    assert_int_equal(mmu_tlb_insert(t, &e, &victim, &evicted), MMU_OK);
                    if (at < ways) {
                        assert_false(evicted);
                        if (p == MMU_REPL_LRU)
                            st[at] = ++pl.clock;
                        continue;
                    }
                    uint32_t way = ways;
                    for (uint32_t w = 0; w < ways && way == ways; w++)
                        if (pg[w] < 0)
                            way = w;
                    if (way == ways) {
                        way = 0;
                        for (uint32_t w = 1; w < ways; w++)
                            if (st[w] < st[way])
                                way = w;
                        assert_true(evicted);
                        assert_int_equal(victim.vbase, (uint64_t)pg[way] * PAGE);
                    } else {
                        assert_false(evicted);
                    }
                    pg[way] = (int64_t)vpn;
                    st[way] = ++pl.clock;
                } else if (op < 97) {
                    assert_int_equal(mmu_tlb_invalidate(t, MMU_INVAL_ADDR, vpn * PAGE, 0), at < ways);
                    if (at < ways) {
                        pg[at] = -1;
                        st[at] = 0;
                    }
                } else {
                    assert_int_equal(mmu_tlb_take(t, vpn * PAGE, 0, NULL), at < ways);
                    if (at < ways) {
                        pg[at] = -1;
                        st[at] = 0;
                    }
                }
            }
            mmu_tlb_destroy(t);
        }
    }
}

/*
 * The walk's fill without a search (tlb_fill_absent, model/mmu.c): two arrays
 * run the same random stream of lookups, fills, refreshes, takes,
 * invalidations and resets; on a miss, one fills with mmu_tlb_insert, the
 * other with tlb_fill_absent whenever its lookup (tlb_find_m) left `maybe`
 * at 0, and mmu_tlb_insert otherwise.  Their contents, replacement state,
 * counts and counters must stay equal, and a lookup leaving `maybe` at 0 must
 * be right that no way holds the page at any size.  Arrays of 4, 8, 12 and 16
 * ways (power-of-two sets or not), 5 and 40 ways (never absent), two page
 * sizes, three ASIDs and global entries; LRU, FIFO and PLRU (never filled so).
 */
static void same_arrays(const mmu_tlb *a, const mmu_tlb *b)
{
    const size_t n = (size_t)a->sets * a->ways;
    assert_memory_equal(a->key, b->key, n * sizeof *a->key);
    assert_memory_equal(a->asid_g, b->asid_g, n * sizeof *a->asid_g);
    assert_memory_equal(a->pbase, b->pbase, n * sizeof *a->pbase);
    assert_memory_equal(a->flags, b->flags, n);
    assert_memory_equal(a->sgen, b->sgen, a->sets * sizeof *a->sgen);
    if (a->order)
        assert_memory_equal(a->repl.order, b->repl.order, a->sets * sizeof *a->repl.order);
    assert_int_equal(a->valid, b->valid);
    assert_int_equal(a->live, b->live);
    assert_memory_equal(a->ps_valid, b->ps_valid, sizeof a->ps_valid);
    assert_memory_equal(&a->stats, &b->stats, sizeof a->stats);
    assert_int_equal(a->own_changes, b->own_changes);
}

static void test_fill_absent_vs_insert(void **state)
{
    (void)state;
    static const uint32_t shapes[][2] = {{16, 4}, {24, 4}, {64, 8}, {48, 12}, {36, 12},
                                         {32, 16}, {16, 16}, {10, 5}, {40, 40}};
    static const mmu_repl_policy pols[] = {MMU_REPL_LRU, MMU_REPL_FIFO, MMU_REPL_PLRU};
    uint64_t x = 0x2545F4914F6CDD1Dull, fast = 0;
    for (size_t pi = 0; pi < sizeof pols / sizeof pols[0]; pi++) {
        for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
            mmu_tlb_config c;
            mmu_tlb_config_defaults(&c, "t");
            c.entries = shapes[sh][0];
            c.ways = shapes[sh][1];
            c.policy = pols[pi];
            c.page_sizes = (1u << MMU_PS_4K) | (1u << MMU_PS_2M);
            mmu_tlb *a, *b;
            assert_int_equal(mmu_tlb_create(&c, &a), MMU_OK);
            assert_int_equal(mmu_tlb_create(&c, &b), MMU_OK);
            for (int step = 0; step < 20000; step++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                /* 4 2M regions, 4K pages mostly in the first 64 of each; pages far apart whose
                   keys agree in their low half */
                uint64_t va = ((x >> 8) & 3) * 0x200000u + ((x >> 10) & 63) * 0x1000u + 8;
                if ((x >> 40) % 8 == 0)
                    va += UINT64_C(1) << 44;
                const uint16_t asid = (uint16_t)((x >> 16) % 3);
                const uint8_t ps = (x >> 20) % 5 == 0 ? MMU_PS_2M : MMU_PS_4K;
                const uint8_t flags = (x >> 24) % 7 == 0 ? MMU_TLB_GLOBAL | MMU_TLB_READ : MMU_TLB_READ;
                const uint64_t mask = ps_bytes(ps) - 1;
                const mmu_tlb_entry e = {va & ~mask, (x & ~mask) >> 12, asid, ps, flags, 0};
                const unsigned op = (unsigned)((x >> 32) % 1000);
                if (op < 700) { /* a demand access: a lookup, a fill on a miss */
                    uint32_t sa, wa, sb, wb, ma = 0, mb = 0;
                    const int ha = tlb_find_m(a, va, asid, &sa, &wa, &ma);
                    const int hb = tlb_find_m(b, va, asid, &sb, &wb, &mb);
                    assert_int_equal(ha, hb);
                    if (ha) {
                        assert_int_equal(sa, sb);
                        assert_int_equal(wa, wb);
                        assert_int_equal(tlb_lookup_level(a, va, asid, &ma), tlb_lookup_level(b, va, asid, &mb));
                        continue;
                    }
                    assert_int_equal(ma != 0, mb != 0);
                    if (!mb) { /* no way holds the page, of either size, for any owner */
                        for (size_t i = 0; i < (size_t)b->sets * b->ways; i++)
                            for (unsigned k = 0; k < b->nsizes; k++)
                                assert_true(b->key[i] != ((va >> b->shift[k]) << TLB_PS_BITS | b->psidx[k]));
                    }
                    assert_int_equal(mmu_tlb_insert(a, &e, NULL, NULL), MMU_OK);
                    const unsigned shift = tlb_page_shift(ps);
                    const uint64_t vpn = e.vbase >> shift;
                    const uint32_t ag = (flags & MMU_TLB_GLOBAL) ? (ASID_GLOBAL | asid) : asid;
                    if (!mb && tlb_fill_absent(b, vpn, vpn << TLB_PS_BITS | ps, ag, e.pbase & ~mask, flags, ps))
                        fast++;
                    else
                        assert_int_equal(mmu_tlb_insert(b, &e, NULL, NULL), MMU_OK);
                } else if (op < 800) { /* an insert without a lookup (a refresh when present) */
                    assert_int_equal(mmu_tlb_insert(a, &e, NULL, NULL), MMU_OK);
                    assert_int_equal(mmu_tlb_insert(b, &e, NULL, NULL), MMU_OK);
                } else if (op < 900) {
                    assert_int_equal(mmu_tlb_take(a, va, asid, NULL), mmu_tlb_take(b, va, asid, NULL));
                } else if (op < 990) {
                    assert_int_equal(mmu_tlb_invalidate(a, MMU_INVAL_ADDR_ASID, va, asid),
                                     mmu_tlb_invalidate(b, MMU_INVAL_ADDR_ASID, va, asid));
                } else if (op < 996) {
                    assert_int_equal(mmu_tlb_invalidate(a, MMU_INVAL_ASID, 0, asid),
                                     mmu_tlb_invalidate(b, MMU_INVAL_ASID, 0, asid));
                } else {
                    mmu_tlb_reset(a);
                    mmu_tlb_reset(b);
                }
                same_arrays(a, b);
            }
            mmu_tlb_destroy(a);
            mmu_tlb_destroy(b);
        }
    }
    assert_true(fast > 10000); /* the fast fill was taken, not only the fallback */
}

/*
 * An array holding every page size: one entry of each size and a 4K one
 * inside each, each found by a probe of an address in it (the 4K one first);
 * once the 4K ones are removed, the large ones are found in their place.
 * (Every size must be probed: the mask of sizes with entries has a bit for
 * each of them.)
 */
static void test_every_size(void **state)
{
    (void)state;
    mmu_tlb_config c;
    mmu_tlb_config_defaults(&c, "t");
    c.entries = 32;
    c.ways = 32;
    c.page_sizes = (1u << MMU_PAGE_SIZES) - 1;
    mmu_tlb *t;
    assert_int_equal(mmu_tlb_create(&c, &t), MMU_OK);
    for (unsigned ps = 1; ps < MMU_PAGE_SIZES; ps++) {
        const uint64_t base = (uint64_t)ps << 50;
        mmu_tlb_entry big = {base, 0x1000000000ull, 0, (uint8_t)ps, 0, 0};
        mmu_tlb_entry small = {base + (UINT64_C(1) << mmu_page_shift((mmu_page_size)ps)) / 2, 0x2000, 0,
                               MMU_PS_4K, 0, 0};
        assert_int_equal(mmu_tlb_insert(t, &big, NULL, NULL), MMU_OK);
        assert_int_equal(mmu_tlb_insert(t, &small, NULL, NULL), MMU_OK);
    }
    for (unsigned pass = 0; pass < 2; pass++) {
        for (unsigned ps = 1; ps < MMU_PAGE_SIZES; ps++) {
            const uint64_t base = (uint64_t)ps << 50, size = UINT64_C(1) << mmu_page_shift((mmu_page_size)ps);
            mmu_tlb_entry out;
            assert_int_equal(mmu_tlb_probe(t, base + 5, 0, &out), 1);
            assert_int_equal(out.page_size, ps);
            assert_int_equal(out.vbase, base);
            /* the 4K entry inside it first; once removed, the large one */
            assert_int_equal(mmu_tlb_probe(t, base + size / 2 + 5, 0, &out), 1);
            assert_int_equal(out.page_size, pass == 0 ? MMU_PS_4K : ps);
            if (pass == 0)
                assert_int_equal(mmu_tlb_invalidate_entry(t, &out), 1);
        }
    }
    mmu_tlb_destroy(t);
}

static void test_config_check_messages(void **state)
{
    (void)state;
    mmu_tlb_config c;
    char msg[256];
    mmu_tlb_config_defaults(&c, "stlb");
    c.entries = 1536;
    c.ways = 5;
    assert_int_equal(mmu_tlb_config_check(&c, msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, "stlb.ways (5) must divide stlb.entries (1536)");
    c.ways = 0;
    assert_int_equal(mmu_tlb_config_check(&c, msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, "stlb.ways must be at least 1");
    c.ways = 2048;
    assert_int_equal(mmu_tlb_config_check(&c, msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, "stlb.ways (2048) is more than stlb.entries (1536)");
    mmu_tlb *t;
    assert_int_equal(mmu_tlb_create(&c, &t), MMU_ECONFIG);
    assert_null(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cyclic_fully_associative),
        cmocka_unit_test(test_cyclic_set_associative_below_above),
        cmocka_unit_test(test_stride_capacity),
        cmocka_unit_test(test_non_power_of_two_sets),
        cmocka_unit_test(test_byte_stride_miss_ratio),
        cmocka_unit_test(test_uniform_random_hit_ratio),
        cmocka_unit_test(test_policy_lru),
        cmocka_unit_test(test_policy_fifo),
        cmocka_unit_test(test_policy_nru),
        cmocka_unit_test(test_policy_srrip),
        cmocka_unit_test(test_policy_plru),
        cmocka_unit_test(test_policy_random),
        cmocka_unit_test(test_asid_isolation_and_global),
        cmocka_unit_test(test_invalidation_kinds),
        cmocka_unit_test(test_multi_size_array),
        cmocka_unit_test(test_sizes_vs_shadow),
        cmocka_unit_test(test_repl_order_vs_stamps),
        cmocka_unit_test(test_lru_fifo_vs_plain),
        cmocka_unit_test(test_fill_absent_vs_insert),
        cmocka_unit_test(test_every_size),
        cmocka_unit_test(test_config_check_messages),
    };
    return cmocka_run_group_tests_name("tlb", tests, NULL, NULL);
}
