/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_ptemem.c - unit tests of the PTE memory model (model/ptemem.c):
 * exact latencies and serving levels of hit/miss sequences, LRU order,
 * non-power-of-two sets, PTE/DATA competition, absent levels, fixed mode,
 * configuration checks, and random hierarchies and streams against a plain
 * stamp-based model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/ptemem.h"

#define L1_LAT 4
#define L2_LAT 10
#define LLC_LAT 30
#define DRAM_LAT 100

/* A tiny hierarchy: L1 4 lines 2-way (2 sets), L2 8 lines 2-way (4 sets),
 * LLC 16 lines 4-way (4 sets), 64-byte lines. */
static void small_config(mmu_ptemem_config *c)
{
    mmu_ptemem_config_defaults(c);
    c->mode = MMU_PTEMEM_CACHE;
    c->line_size = 64;
    c->dram_latency = DRAM_LAT;
    c->level[MMU_PTEMEM_L1D] = (mmu_ptemem_level_config){ 0, 4, 2, L1_LAT };
    c->level[MMU_PTEMEM_L2] = (mmu_ptemem_level_config){ 0, 8, 2, L2_LAT };
    c->level[MMU_PTEMEM_LLC] = (mmu_ptemem_level_config){ 16 * 64, 0, 4, LLC_LAT };
}

static mmu_ptemem *make(const mmu_ptemem_config *c)
{
    mmu_ptemem *m = NULL;
    char msg[200];
    mmu_err e = mmu_ptemem_config_check(c, msg, sizeof msg);
    if (e != MMU_OK)
        fail_msg("config refused: %s", msg);
    assert_int_equal(mmu_ptemem_create(c, &m), MMU_OK);
    assert_non_null(m);
    return m;
}

#define LINE(n) ((uint64_t)(n) * 64u)

/* access a line and check latency and serving level */
static void expect_access(mmu_ptemem *m, uint64_t paddr, mmu_ptemem_source src, uint64_t lat,
                          mmu_ptemem_level lvl)
{
    mmu_ptemem_level got = MMU_PTEMEM_LEVELS;
    uint64_t l = mmu_ptemem_access(m, paddr, 0, src, &got);
    if (l != lat || got != lvl)
        fail_msg("paddr %#llx: got latency %llu at %s, want %llu at %s",
                 (unsigned long long)paddr, (unsigned long long)l, mmu_ptemem_level_name(got),
                 (unsigned long long)lat, mmu_ptemem_level_name(lvl));
}

static void test_hit_miss_sequence(void **state)
{
    (void)state;
    mmu_ptemem_config c;
    small_config(&c);
    mmu_ptemem *m = make(&c);
    const uint64_t A = LINE(64) + 8;

    /* cold: every level looked up, then DRAM */
    expect_access(m, A, MMU_PTEMEM_SRC_PTE, L1_LAT + L2_LAT + LLC_LAT + DRAM_LAT, MMU_PTEMEM_DRAM);
    /* filled in every level */
    assert_int_equal(mmu_ptemem_probe(m, A), MMU_PTEMEM_L1D);
    expect_access(m, A, MMU_PTEMEM_SRC_PTE, L1_LAT, MMU_PTEMEM_L1D);
    expect_access(m, LINE(64) + 56, MMU_PTEMEM_SRC_PTE, L1_LAT, MMU_PTEMEM_L1D); /* same line */

    /* lines 66, 68 share L1 set 0 with line 64 (2 sets): A leaves L1 only.
     * L2 (4 sets): 64, 68 in set 0, 66 in set 2 - A stays. */
    expect_access(m, LINE(66), MMU_PTEMEM_SRC_DATA, L1_LAT + L2_LAT + LLC_LAT + DRAM_LAT,
                  MMU_PTEMEM_DRAM);
    expect_access(m, LINE(68), MMU_PTEMEM_SRC_DATA, L1_LAT + L2_LAT + LLC_LAT + DRAM_LAT,
                  MMU_PTEMEM_DRAM);
    assert_int_equal(mmu_ptemem_probe(m, A), MMU_PTEMEM_L2);
    /* L1 miss + L2 hit = l1 + l2; L1 refilled */
    expect_access(m, A, MMU_PTEMEM_SRC_PTE, L1_LAT + L2_LAT, MMU_PTEMEM_L2);
    assert_int_equal(mmu_ptemem_probe(m, A), MMU_PTEMEM_L1D);

    /* L1 set 0 = {68, 64(MRU)}, L2 set 0 = {68, 64(MRU)}: 72 then 76 evict
     * 68 then 64 from both; LLC set 0 (4 ways) keeps 64, 68, 72, 76. */
    expect_access(m, LINE(72), MMU_PTEMEM_SRC_DATA, L1_LAT + L2_LAT + LLC_LAT + DRAM_LAT,
                  MMU_PTEMEM_DRAM);
    expect_access(m, LINE(76), MMU_PTEMEM_SRC_DATA, L1_LAT + L2_LAT + LLC_LAT + DRAM_LAT,
                  MMU_PTEMEM_DRAM);
    assert_int_equal(mmu_ptemem_probe(m, A), MMU_PTEMEM_LLC);
    assert_int_equal(mmu_ptemem_probe(m, LINE(68)), MMU_PTEMEM_LLC);
    expect_access(m, A, MMU_PTEMEM_SRC_PTE, L1_LAT + L2_LAT + LLC_LAT, MMU_PTEMEM_LLC);
    /* an LLC hit fills L2 and L1, displacing their LRU line 72 */
    expect_access(m, A, MMU_PTEMEM_SRC_PTE, L1_LAT, MMU_PTEMEM_L1D);
    expect_access(m, LINE(72), MMU_PTEMEM_SRC_DATA, L1_LAT + L2_LAT + LLC_LAT, MMU_PTEMEM_LLC);

    mmu_ptemem_stats s;
    mmu_ptemem_get_stats(m, &s);
    assert_int_equal(s.accesses[MMU_PTEMEM_SRC_PTE], 6);
    assert_int_equal(s.accesses[MMU_PTEMEM_SRC_DATA], 5);
    assert_int_equal(s.served[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L1D], 3);
    assert_int_equal(s.served[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L2], 1);
    assert_int_equal(s.served[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_LLC], 1);
    assert_int_equal(s.served[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_DRAM], 1);
    assert_int_equal(s.hits[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L1D], 3);
    assert_int_equal(s.misses[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L1D], 3);
    assert_int_equal(s.hits[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L2], 1);
    assert_int_equal(s.misses[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L2], 2);
    assert_int_equal(s.hits[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_LLC], 1);
    assert_int_equal(s.misses[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_LLC], 1);
    assert_int_equal(s.hits[MMU_PTEMEM_SRC_DATA][MMU_PTEMEM_L2], 0);
    assert_int_equal(s.hits[MMU_PTEMEM_SRC_DATA][MMU_PTEMEM_LLC], 1);
    assert_int_equal(s.misses[MMU_PTEMEM_SRC_DATA][MMU_PTEMEM_L1D], 5);
    assert_int_equal(s.cycles[MMU_PTEMEM_SRC_PTE],
                     3 * L1_LAT + (L1_LAT + L2_LAT) + (L1_LAT + L2_LAT + LLC_LAT) +
                         (L1_LAT + L2_LAT + LLC_LAT + DRAM_LAT));
    /* data fills displaced the PTE line A: twice from L1, once from L2 */
    assert_int_equal(s.pte_evicted_by_data[MMU_PTEMEM_L1D], 2);
    assert_int_equal(s.pte_evicted_by_data[MMU_PTEMEM_L2], 1);
    assert_int_equal(s.pte_evicted_by_data[MMU_PTEMEM_LLC], 0);
    mmu_ptemem_destroy(m);
}

/* L1 only, one set of 4 ways: true LRU order */
static void test_lru_order(void **state)
{
    (void)state;
    mmu_ptemem_config c;
    small_config(&c);
    c.level[MMU_PTEMEM_L1D] = (mmu_ptemem_level_config){ 0, 4, 4, 1 };
    c.level[MMU_PTEMEM_L2] = (mmu_ptemem_level_config){ 0, 0, 0, 0 };
    c.level[MMU_PTEMEM_LLC] = (mmu_ptemem_level_config){ 0, 0, 0, 0 };
    c.dram_latency = 10;
    mmu_ptemem *m = make(&c);

    for (unsigned i = 0; i < 4; i++)
        expect_access(m, LINE(i), MMU_PTEMEM_SRC_PTE, 11, MMU_PTEMEM_DRAM);
    for (unsigned i = 0; i < 4; i++) /* invalid ways were used first: nothing evicted */
        assert_int_equal(mmu_ptemem_probe(m, LINE(i)), MMU_PTEMEM_L1D);
    /* touch 0 then 2: LRU order now 1, 3, 0, 2 */
    expect_access(m, LINE(0), MMU_PTEMEM_SRC_PTE, 1, MMU_PTEMEM_L1D);
    expect_access(m, LINE(2), MMU_PTEMEM_SRC_PTE, 1, MMU_PTEMEM_L1D);
    /* probe does not update LRU */
    assert_int_equal(mmu_ptemem_probe(m, LINE(1)), MMU_PTEMEM_L1D);

    const unsigned victims[4] = { 1, 3, 0, 2 };
    for (unsigned k = 0; k < 4; k++) {
        expect_access(m, LINE(10 + k), MMU_PTEMEM_SRC_PTE, 11, MMU_PTEMEM_DRAM);
        assert_int_equal(mmu_ptemem_probe(m, LINE(victims[k])), MMU_PTEMEM_DRAM);
        for (unsigned j = k + 1; j < 4; j++)
            assert_int_equal(mmu_ptemem_probe(m, LINE(victims[j])), MMU_PTEMEM_L1D);
    }
    mmu_ptemem_stats s;
    mmu_ptemem_get_stats(m, &s);
    assert_int_equal(s.evictions[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L1D], 4);
    assert_int_equal(s.evictions[MMU_PTEMEM_SRC_DATA][MMU_PTEMEM_L1D], 0);
    assert_int_equal(s.pte_evicted_by_data[MMU_PTEMEM_L1D], 0); /* PTE lines displaced by PTEs */

    /* a write hit refreshes LRU like a read */
    assert_int_equal(mmu_ptemem_access(m, LINE(10), 1, MMU_PTEMEM_SRC_PTE, NULL), 1);
    expect_access(m, LINE(20), MMU_PTEMEM_SRC_PTE, 11, MMU_PTEMEM_DRAM);
    assert_int_equal(mmu_ptemem_probe(m, LINE(11)), MMU_PTEMEM_DRAM);
    assert_int_equal(mmu_ptemem_probe(m, LINE(10)), MMU_PTEMEM_L1D);
    mmu_ptemem_destroy(m);
}

/* One set of 12 ways whose lines differ only above bit 30 of the line address: the search
   compares the entries' low halves four ways at a time, and every such line matches there;
   only the full compare may tell them apart (each must hit its own way, none another's). */
static void test_same_low_half(void **state)
{
    (void)state;
    mmu_ptemem_config c;
    small_config(&c);
    c.level[MMU_PTEMEM_L1D] = (mmu_ptemem_level_config){ 0, 12, 12, 1 };
    c.level[MMU_PTEMEM_L2] = (mmu_ptemem_level_config){ 0, 0, 0, 0 };
    c.level[MMU_PTEMEM_LLC] = (mmu_ptemem_level_config){ 0, 0, 0, 0 };
    c.dram_latency = 10;
    mmu_ptemem *m = make(&c);
#define HIGH(k) LINE(5 + ((uint64_t)(k) << 30))
    for (unsigned k = 0; k < 12; k++) /* each a miss, though the low halves equal the others' */
        expect_access(m, HIGH(k), MMU_PTEMEM_SRC_PTE, 11, MMU_PTEMEM_DRAM);
    for (unsigned k = 0; k < 12; k++) /* each a hit (in every position of the order) */
        expect_access(m, HIGH(k), MMU_PTEMEM_SRC_PTE, 1, MMU_PTEMEM_L1D);
    expect_access(m, HIGH(12), MMU_PTEMEM_SRC_PTE, 11, MMU_PTEMEM_DRAM); /* evicts HIGH(0) */
    assert_int_equal(mmu_ptemem_probe(m, HIGH(0)), MMU_PTEMEM_DRAM);
    expect_access(m, HIGH(1), MMU_PTEMEM_SRC_PTE, 1, MMU_PTEMEM_L1D);
    expect_access(m, LINE(5), MMU_PTEMEM_SRC_PTE, 11, MMU_PTEMEM_DRAM); /* HIGH(0) again: evicts HIGH(2) */
    assert_int_equal(mmu_ptemem_probe(m, HIGH(2)), MMU_PTEMEM_DRAM);
#undef HIGH
    mmu_ptemem_stats s;
    mmu_ptemem_get_stats(m, &s);
    assert_int_equal(s.hits[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L1D], 13);
    assert_int_equal(s.misses[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L1D], 14);
    assert_int_equal(s.evictions[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L1D], 2);
    mmu_ptemem_destroy(m);
}

/* One set of 16 ways and 200,000 random lines across the whole address space, each accessed
   twice, with 14 other lines accessed in between: the layout of sets of at most 16 ways
   compares 14-bit hashes of the lines first, and among so many lines many share a hash with a
   line in the set; only the full compare tells them apart (a line must miss unless it is one
   of the 16 most recent).  The same through three levels of one set each: 16 ways at each (the
   straight-line path of three levels), and 8, 8 and 16 ways (the narrow headers of the first
   two levels, where the second access misses them and hits the third level, but for the first
   line's and the second's, and the last ones': fewer lines come in between, not checked). */
static void collisions_in(const mmu_ptemem_config *c, uint64_t miss_lat, uint64_t hit_lat,
                          mmu_ptemem_level hit_lvl, int narrow)
{
    mmu_ptemem *m = make(c);
    enum { N = 200000, GAP = 7 };
    uint64_t *line = malloc(N * sizeof *line);
    assert_non_null(line);
    uint64_t x = 88172645463325252u;
    for (unsigned k = 0; k < N; k++) { /* xorshift64: distinct lines with every high bit */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        line[k] = x & ~(uint64_t)63;
    }
    for (unsigned k = 0; k < N + GAP; k++) {
        if (k < N)
            expect_access(m, line[k], MMU_PTEMEM_SRC_PTE, miss_lat, MMU_PTEMEM_DRAM);
        if (narrow && k == GAP)
            expect_access(m, line[0], MMU_PTEMEM_SRC_PTE, 1, MMU_PTEMEM_L1D);
        else if (narrow && k == GAP + 1)
            expect_access(m, line[1], MMU_PTEMEM_SRC_PTE, 3, MMU_PTEMEM_L2);
        else if (k >= GAP && (!narrow || k < N))
            expect_access(m, line[k - GAP], MMU_PTEMEM_SRC_PTE, hit_lat, hit_lvl);
    }
    free(line);
    mmu_ptemem_destroy(m);
}

static void test_hash_collisions(void **state)
{
    (void)state;
    mmu_ptemem_config c;
    small_config(&c);
    c.level[MMU_PTEMEM_L1D] = (mmu_ptemem_level_config){ 0, 16, 16, 1 };
    c.level[MMU_PTEMEM_L2] = (mmu_ptemem_level_config){ 0, 0, 0, 0 };
    c.level[MMU_PTEMEM_LLC] = (mmu_ptemem_level_config){ 0, 0, 0, 0 };
    c.dram_latency = 10;
    collisions_in(&c, 11, 1, MMU_PTEMEM_L1D, 0);
    c.level[MMU_PTEMEM_L2] = (mmu_ptemem_level_config){ 0, 16, 16, 2 };
    c.level[MMU_PTEMEM_LLC] = (mmu_ptemem_level_config){ 0, 16, 16, 4 };
    collisions_in(&c, 17, 1, MMU_PTEMEM_L1D, 0);
    c.level[MMU_PTEMEM_L1D] = (mmu_ptemem_level_config){ 0, 8, 8, 1 };
    c.level[MMU_PTEMEM_L2] = (mmu_ptemem_level_config){ 0, 8, 8, 2 };
    collisions_in(&c, 17, 7, MMU_PTEMEM_LLC, 1);
}

/* 12 lines, 4 ways: 3 sets; set = line % 3 */
static void test_non_power_of_two_sets(void **state)
{
    (void)state;
    mmu_ptemem_config c;
    small_config(&c);
    c.level[MMU_PTEMEM_L1D] = (mmu_ptemem_level_config){ 12 * 64, 0, 4, 2 };
    c.level[MMU_PTEMEM_L2] = (mmu_ptemem_level_config){ 0, 0, 0, 0 };
    c.level[MMU_PTEMEM_LLC] = (mmu_ptemem_level_config){ 0, 0, 0, 0 };
    c.dram_latency = 50;
    mmu_ptemem *m = make(&c);

    /* lines 1, 2 in sets 1, 2 */
    expect_access(m, LINE(1), MMU_PTEMEM_SRC_PTE, 52, MMU_PTEMEM_DRAM);
    expect_access(m, LINE(2), MMU_PTEMEM_SRC_PTE, 52, MMU_PTEMEM_DRAM);
    /* 0, 3, 6, 9 all map to set 0 and fill it (a mask would spread them) */
    for (unsigned i = 0; i < 4; i++)
        expect_access(m, LINE(3 * i), MMU_PTEMEM_SRC_PTE, 52, MMU_PTEMEM_DRAM);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(mmu_ptemem_probe(m, LINE(3 * i)), MMU_PTEMEM_L1D);
    /* 12 maps to set 0 too and evicts its LRU line, 0 */
    expect_access(m, LINE(12), MMU_PTEMEM_SRC_PTE, 52, MMU_PTEMEM_DRAM);
    assert_int_equal(mmu_ptemem_probe(m, LINE(0)), MMU_PTEMEM_DRAM);
    assert_int_equal(mmu_ptemem_probe(m, LINE(3)), MMU_PTEMEM_L1D);
    assert_int_equal(mmu_ptemem_probe(m, LINE(1)), MMU_PTEMEM_L1D);
    assert_int_equal(mmu_ptemem_probe(m, LINE(2)), MMU_PTEMEM_L1D);
    /* set 1 and 2 still have room: 4, 7, 10 (set 1) do not evict 1 */
    expect_access(m, LINE(4), MMU_PTEMEM_SRC_PTE, 52, MMU_PTEMEM_DRAM);
    expect_access(m, LINE(7), MMU_PTEMEM_SRC_PTE, 52, MMU_PTEMEM_DRAM);
    expect_access(m, LINE(10), MMU_PTEMEM_SRC_PTE, 52, MMU_PTEMEM_DRAM);
    expect_access(m, LINE(1), MMU_PTEMEM_SRC_PTE, 2, MMU_PTEMEM_L1D);
    mmu_ptemem_destroy(m);

    /* direct mapped, 5 sets: 0 and 5 conflict, 0 and 4 do not */
    c.level[MMU_PTEMEM_L1D] = (mmu_ptemem_level_config){ 0, 5, 1, 2 };
    m = make(&c);
    expect_access(m, LINE(0), MMU_PTEMEM_SRC_PTE, 52, MMU_PTEMEM_DRAM);
    expect_access(m, LINE(4), MMU_PTEMEM_SRC_PTE, 52, MMU_PTEMEM_DRAM);
    expect_access(m, LINE(0), MMU_PTEMEM_SRC_PTE, 2, MMU_PTEMEM_L1D);
    expect_access(m, LINE(5), MMU_PTEMEM_SRC_PTE, 52, MMU_PTEMEM_DRAM);
    expect_access(m, LINE(0), MMU_PTEMEM_SRC_PTE, 52, MMU_PTEMEM_DRAM);
    expect_access(m, LINE(4), MMU_PTEMEM_SRC_PTE, 2, MMU_PTEMEM_L1D);
    mmu_ptemem_destroy(m);
}

/* Data sweeps push PTE lines out, level by level. */
static void test_pte_data_competition(void **state)
{
    (void)state;
    mmu_ptemem_config c;
    small_config(&c);
    /* L1 8 lines 2-way, L2 32 lines 4-way, LLC 128 lines 8-way */
    c.level[MMU_PTEMEM_L1D] = (mmu_ptemem_level_config){ 0, 8, 2, L1_LAT };
    c.level[MMU_PTEMEM_L2] = (mmu_ptemem_level_config){ 0, 32, 4, L2_LAT };
    c.level[MMU_PTEMEM_LLC] = (mmu_ptemem_level_config){ 0, 128, 8, LLC_LAT };
    mmu_ptemem *m = make(&c);
    const uint64_t pte = 0x40000000u + 0x18; /* a PTE far from the data */
    const uint64_t data = 0x100000;

    expect_access(m, pte, MMU_PTEMEM_SRC_PTE, L1_LAT + L2_LAT + LLC_LAT + DRAM_LAT,
                  MMU_PTEMEM_DRAM);
    expect_access(m, pte, MMU_PTEMEM_SRC_PTE, L1_LAT, MMU_PTEMEM_L1D);

    /* a sweep of 8 lines (the size of L1) evicts it from L1 */
    for (unsigned i = 0; i < 8; i++)
        (void)mmu_ptemem_access(m, data + LINE(i), 0, MMU_PTEMEM_SRC_DATA, NULL);
    expect_access(m, pte, MMU_PTEMEM_SRC_PTE, L1_LAT + L2_LAT, MMU_PTEMEM_L2);

    /* 32 more lines: out of L2 as well */
    for (unsigned i = 0; i < 32; i++)
        (void)mmu_ptemem_access(m, data + LINE(100 + i), 1, MMU_PTEMEM_SRC_DATA, NULL);
    expect_access(m, pte, MMU_PTEMEM_SRC_PTE, L1_LAT + L2_LAT + LLC_LAT, MMU_PTEMEM_LLC);

    /* 128 more: out of the LLC, back to DRAM */
    for (unsigned i = 0; i < 128; i++)
        (void)mmu_ptemem_access(m, data + LINE(1000 + i), 0, MMU_PTEMEM_SRC_DATA, NULL);
    expect_access(m, pte, MMU_PTEMEM_SRC_PTE, L1_LAT + L2_LAT + LLC_LAT + DRAM_LAT,
                  MMU_PTEMEM_DRAM);

    mmu_ptemem_stats s;
    mmu_ptemem_get_stats(m, &s);
    assert_int_equal(s.served[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L1D], 1);
    assert_int_equal(s.served[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L2], 1);
    assert_int_equal(s.served[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_LLC], 1);
    assert_int_equal(s.served[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_DRAM], 2);
    assert_int_equal(s.accesses[MMU_PTEMEM_SRC_DATA], 8 + 32 + 128);
    assert_int_equal(s.writes[MMU_PTEMEM_SRC_DATA], 32);
    assert_int_equal(s.served[MMU_PTEMEM_SRC_DATA][MMU_PTEMEM_DRAM], 8 + 32 + 128);
    for (unsigned l = 0; l < MMU_PTEMEM_CACHE_LEVELS; l++)
        assert_true(s.pte_evicted_by_data[l] >= 1);
    /* every access looks L1 up; hits + misses add up */
    for (unsigned src = 0; src < MMU_PTEMEM_SOURCES; src++)
        assert_int_equal(s.hits[src][MMU_PTEMEM_L1D] + s.misses[src][MMU_PTEMEM_L1D],
                         s.accesses[src]);
    mmu_ptemem_destroy(m);
}

static void test_absent_levels(void **state)
{
    (void)state;
    mmu_ptemem_config c;
    small_config(&c);
    c.level[MMU_PTEMEM_L2] = (mmu_ptemem_level_config){ 0, 0, 7, 999 }; /* absent: ways, latency ignored */
    mmu_ptemem *m = make(&c);

    expect_access(m, LINE(0), MMU_PTEMEM_SRC_PTE, L1_LAT + LLC_LAT + DRAM_LAT, MMU_PTEMEM_DRAM);
    /* push line 0 out of L1 set 0 (2 ways, 2 sets) */
    expect_access(m, LINE(2), MMU_PTEMEM_SRC_DATA, L1_LAT + LLC_LAT + DRAM_LAT, MMU_PTEMEM_DRAM);
    expect_access(m, LINE(4), MMU_PTEMEM_SRC_DATA, L1_LAT + LLC_LAT + DRAM_LAT, MMU_PTEMEM_DRAM);
    expect_access(m, LINE(0), MMU_PTEMEM_SRC_PTE, L1_LAT + LLC_LAT, MMU_PTEMEM_LLC);
    mmu_ptemem_stats s;
    mmu_ptemem_get_stats(m, &s);
    for (unsigned src = 0; src < MMU_PTEMEM_SOURCES; src++) {
        assert_int_equal(s.hits[src][MMU_PTEMEM_L2], 0);
        assert_int_equal(s.misses[src][MMU_PTEMEM_L2], 0);
    }
    mmu_ptemem_destroy(m);

    /* no L1: the first lookup is L2 */
    small_config(&c);
    c.level[MMU_PTEMEM_L1D] = (mmu_ptemem_level_config){ 0, 0, 0, 0 };
    m = make(&c);
    expect_access(m, LINE(3), MMU_PTEMEM_SRC_PTE, L2_LAT + LLC_LAT + DRAM_LAT, MMU_PTEMEM_DRAM);
    expect_access(m, LINE(3), MMU_PTEMEM_SRC_PTE, L2_LAT, MMU_PTEMEM_L2);
    mmu_ptemem_destroy(m);

    /* no cache at all: every access costs dram_latency */
    for (unsigned l = 0; l < MMU_PTEMEM_CACHE_LEVELS; l++)
        c.level[l] = (mmu_ptemem_level_config){ 0, 0, 0, 0 };
    m = make(&c);
    expect_access(m, LINE(3), MMU_PTEMEM_SRC_PTE, DRAM_LAT, MMU_PTEMEM_DRAM);
    expect_access(m, LINE(3), MMU_PTEMEM_SRC_PTE, DRAM_LAT, MMU_PTEMEM_DRAM);
    mmu_ptemem_destroy(m);
}

static void test_fixed_mode(void **state)
{
    (void)state;
    mmu_ptemem_config c;
    mmu_ptemem_config_defaults(&c);
    c.mode = MMU_PTEMEM_FIXED;
    c.fixed_latency = 37;
    c.line_size = 3; /* cache parameters are not checked in fixed mode */
    mmu_ptemem *m = make(&c);
    for (unsigned i = 0; i < 5; i++) {
        expect_access(m, 0x1000, MMU_PTEMEM_SRC_PTE, 37, MMU_PTEMEM_DRAM);
        expect_access(m, 0x1000, MMU_PTEMEM_SRC_DATA, 37, MMU_PTEMEM_DRAM);
    }
    assert_int_equal(mmu_ptemem_probe(m, 0x1000), MMU_PTEMEM_DRAM);
    mmu_ptemem_stats s;
    mmu_ptemem_get_stats(m, &s);
    assert_int_equal(s.served[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_DRAM], 5);
    assert_int_equal(s.served[MMU_PTEMEM_SRC_DATA][MMU_PTEMEM_DRAM], 5);
    assert_int_equal(s.cycles[MMU_PTEMEM_SRC_PTE], 5 * 37);
    assert_int_equal(s.hits[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L1D], 0);
    assert_int_equal(s.misses[MMU_PTEMEM_SRC_PTE][MMU_PTEMEM_L1D], 0);
    mmu_ptemem_destroy(m);
}

static void test_line_size(void **state)
{
    (void)state;
    mmu_ptemem_config c;
    small_config(&c);
    c.line_size = 128;
    c.level[MMU_PTEMEM_L1D] = (mmu_ptemem_level_config){ 512, 4, 2, L1_LAT }; /* both, agreeing */
    c.level[MMU_PTEMEM_LLC] = (mmu_ptemem_level_config){ 16 * 128, 0, 4, LLC_LAT };
    mmu_ptemem *m = make(&c);
    expect_access(m, 0x1000, MMU_PTEMEM_SRC_PTE, L1_LAT + L2_LAT + LLC_LAT + DRAM_LAT,
                  MMU_PTEMEM_DRAM);
    expect_access(m, 0x107f, MMU_PTEMEM_SRC_PTE, L1_LAT, MMU_PTEMEM_L1D);
    expect_access(m, 0x1080, MMU_PTEMEM_SRC_PTE, L1_LAT + L2_LAT + LLC_LAT + DRAM_LAT,
                  MMU_PTEMEM_DRAM);
    mmu_ptemem_destroy(m);
}

static void test_reset_and_clear(void **state)
{
    (void)state;
    mmu_ptemem_config c;
    small_config(&c);
    mmu_ptemem *m = make(&c);
    mmu_ptemem_stats s;

    (void)mmu_ptemem_access(m, LINE(1), 0, MMU_PTEMEM_SRC_PTE, NULL);
    mmu_ptemem_clear_stats(m);
    mmu_ptemem_get_stats(m, &s);
    assert_int_equal(s.accesses[MMU_PTEMEM_SRC_PTE], 0);
    /* contents kept */
    expect_access(m, LINE(1), MMU_PTEMEM_SRC_PTE, L1_LAT, MMU_PTEMEM_L1D);
    mmu_ptemem_get_stats(m, &s);
    assert_int_equal(s.accesses[MMU_PTEMEM_SRC_PTE], 1);

    mmu_ptemem_reset(m);
    mmu_ptemem_get_stats(m, &s);
    assert_int_equal(s.accesses[MMU_PTEMEM_SRC_PTE], 0);
    assert_int_equal(mmu_ptemem_probe(m, LINE(1)), MMU_PTEMEM_DRAM);
    expect_access(m, LINE(1), MMU_PTEMEM_SRC_PTE, L1_LAT + L2_LAT + LLC_LAT + DRAM_LAT,
                  MMU_PTEMEM_DRAM);
    /* any source value other than PTE counts as DATA */
    (void)mmu_ptemem_access(m, LINE(1), 0, (mmu_ptemem_source)7, NULL);
    mmu_ptemem_get_stats(m, &s);
    assert_int_equal(s.accesses[MMU_PTEMEM_SRC_DATA], 1);
    assert_int_equal(mmu_ptemem_get_config(m)->dram_latency, DRAM_LAT);
    mmu_ptemem_destroy(m);
    mmu_ptemem_destroy(NULL);
}

static void expect_refused(const mmu_ptemem_config *c, const char *want)
{
    char msg[200];
    mmu_ptemem *m = (mmu_ptemem *)&msg; /* must be reset to NULL */
    assert_int_equal(mmu_ptemem_config_check(c, msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, want);
    assert_int_equal(mmu_ptemem_create(c, &m), MMU_ECONFIG);
    assert_null(m);
}

static void test_config_check(void **state)
{
    (void)state;
    mmu_ptemem_config c;
    char msg[200];

    mmu_ptemem_config_defaults(&c);
    assert_int_equal(mmu_ptemem_config_check(&c, msg, sizeof msg), MMU_OK);
    assert_int_equal(c.mode, MMU_PTEMEM_CACHE);
    assert_int_equal(c.level[MMU_PTEMEM_L1D].size, 32768);

    mmu_ptemem_config_defaults(&c);
    c.level[MMU_PTEMEM_L2] = (mmu_ptemem_level_config){ 0, 1024, 3, 10 };
    expect_refused(&c, "ptemem.l2.ways (3) must divide ptemem.l2.lines (1024)");

    mmu_ptemem_config_defaults(&c);
    c.level[MMU_PTEMEM_LLC].ways = 0;
    expect_refused(&c, "ptemem.llc.ways (0) must be at least 1");

    mmu_ptemem_config_defaults(&c);
    c.line_size = 48;
    expect_refused(&c, "ptemem.line_size (48) must be a power of two between 8 and 4096");

    mmu_ptemem_config_defaults(&c);
    c.level[MMU_PTEMEM_L1D].size = 1000;
    expect_refused(&c, "ptemem.l1d.size (1000) must be a multiple of ptemem.line_size (64)");

    mmu_ptemem_config_defaults(&c);
    c.level[MMU_PTEMEM_L1D].lines = 100;
    expect_refused(&c, "ptemem.l1d.lines (100) disagrees with ptemem.l1d.size (32768) / "
                       "ptemem.line_size (64) = 512");

    mmu_ptemem_config_defaults(&c);
    c.level[MMU_PTEMEM_LLC].size = (uint64_t)2 << 30;
    expect_refused(&c, "ptemem.llc.lines (33554432) must be at most 16777216");

    mmu_ptemem_config_defaults(&c);
    c.mode = 9;
    expect_refused(&c, "ptemem.mode (9) must be fixed (0) or cache (1)");

    assert_int_equal(mmu_ptemem_config_check(NULL, NULL, 0), MMU_ECONFIG);
    assert_int_equal(mmu_ptemem_create(NULL, NULL), MMU_EINVAL);

    assert_int_equal(mmu_ptemem_mode_parse("Cache"), MMU_PTEMEM_CACHE);
    assert_int_equal(mmu_ptemem_mode_parse("fixed"), MMU_PTEMEM_FIXED);
    assert_int_equal(mmu_ptemem_mode_parse("lru"), MMU_PTEMEM_MODES);
    assert_string_equal(mmu_ptemem_mode_name(MMU_PTEMEM_FIXED), "fixed");
    assert_string_equal(mmu_ptemem_level_name(MMU_PTEMEM_LLC), "llc");
    assert_string_equal(mmu_ptemem_level_name(MMU_PTEMEM_LEVELS), "?");
}

/* ---- against a plain model: stamps, and the victim the smallest ---- */

/* The cache rules written the simplest way (docs/timing.md): per level a
 * line per way with its last-use stamp (0: invalid) and the source that
 * filled it; a lookup compares every way; the victim is the smallest stamp,
 * the lowest way first; the levels that missed are filled. */
typedef struct ref_level {
    uint32_t sets, ways, lat;
    uint64_t *tag, *stamp;
    uint8_t *src;
} ref_level;

typedef struct ref_cache {
    unsigned shift, n;
    ref_level lv[MMU_PTEMEM_CACHE_LEVELS];
    uint8_t id[MMU_PTEMEM_CACHE_LEVELS];
    uint64_t clock, dram;
    uint64_t hits[2][MMU_PTEMEM_LEVELS], misses[2][MMU_PTEMEM_LEVELS];
    uint64_t evictions[2][MMU_PTEMEM_LEVELS], pte_by_data[MMU_PTEMEM_LEVELS];
} ref_cache;

static long ref_find(const ref_level *lv, uint64_t line)
{
    size_t b = (size_t)(line % lv->sets) * lv->ways;
    for (uint32_t w = 0; w < lv->ways; w++)
        if (lv->stamp[b + w] != 0 && lv->tag[b + w] == line)
            return (long)(b + w);
    return -1;
}

static uint64_t ref_access(ref_cache *r, uint64_t paddr, unsigned src, int *served)
{
    uint64_t line = paddr >> r->shift, lat = 0;
    unsigned i;
    r->clock++;
    for (i = 0; i < r->n; i++) {
        ref_level *lv = &r->lv[i];
        lat += lv->lat;
        long h = ref_find(lv, line);
        if (h >= 0) {
            lv->stamp[h] = r->clock;
            r->hits[src][r->id[i]]++;
            break;
        }
        r->misses[src][r->id[i]]++;
    }
    *served = i == r->n ? MMU_PTEMEM_DRAM : r->id[i];
    if (i == r->n)
        lat += r->dram;
    for (unsigned j = 0; j < i; j++) {
        ref_level *lv = &r->lv[j];
        size_t b = (size_t)(line % lv->sets) * lv->ways, v = b;
        for (uint32_t w = 1; w < lv->ways; w++)
            if (lv->stamp[b + w] < lv->stamp[v])
                v = b + w;
        if (lv->stamp[v] != 0) {
            r->evictions[lv->src[v]][r->id[j]]++;
            if (lv->src[v] == MMU_PTEMEM_SRC_PTE && src == MMU_PTEMEM_SRC_DATA)
                r->pte_by_data[r->id[j]]++;
        }
        lv->tag[v] = line;
        lv->stamp[v] = r->clock;
        lv->src[v] = (uint8_t)src;
    }
    return lat;
}

static uint32_t rnd_state;
static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

/* Random hierarchies (any ways and sets, absent levels, small and wide
 * sets) and streams mixing a few hot lines, set conflicts and addresses up
 * to the top of the 64-bit space: every latency, serving level and count
 * as the plain model gives.  Every other round draws at most 16 ways at every
 * level (and every fourth only power-of-two sets), the geometries the model
 * keeps in its second layout (hashes and a recency word per set); every eighth
 * has three levels, the first two of at most 8 ways (their narrow headers). */
static void test_against_plain_model(void **state)
{
    (void)state;
    rnd_state = 12345;
    for (unsigned round = 0; round < 120; round++) {
        const int fast = round & 1;
        mmu_ptemem_config c;
        mmu_ptemem_config_defaults(&c);
        c.mode = MMU_PTEMEM_CACHE;
        c.line_size = 8u << rnd(6);
        c.dram_latency = 100;
        ref_cache r;
        memset(&r, 0, sizeof r);
        r.shift = (unsigned)__builtin_ctz(c.line_size);
        r.dram = 100;
        for (unsigned i = 0; i < MMU_PTEMEM_CACHE_LEVELS; i++) {
            if (i > 0 && round % 8 != 1 && rnd(4) == 0) {
                c.level[i] = (mmu_ptemem_level_config){ 0, 0, 0, 0 };
                continue;
            }
            uint32_t ways = fast ? 1 + rnd(16) : rnd(8) == 0 ? 257 + rnd(40) : 1 + rnd(20);
            if (round % 8 == 1 && i < 2) /* the narrow headers of three levels */
                ways = 1 + rnd(8);
            uint32_t sets = fast && round % 4 == 1 ? 1u << rnd(7) : 1 + rnd(12);
            c.level[i] = (mmu_ptemem_level_config){ 0, ways * sets, ways, 3 + 7 * i };
            ref_level *lv = &r.lv[r.n];
            lv->sets = sets;
            lv->ways = ways;
            lv->lat = 3 + 7 * i;
            lv->tag = calloc((size_t)ways * sets, sizeof *lv->tag);
            lv->stamp = calloc((size_t)ways * sets, sizeof *lv->stamp);
            lv->src = calloc((size_t)ways * sets, 1);
            r.id[r.n++] = (uint8_t)i;
        }
        mmu_ptemem *m = make(&c);
        uint32_t pool = 4 + rnd(600);
        uint64_t acc[2] = {0, 0}, wr[2] = {0, 0}, cyc[2] = {0, 0}, srv[2][MMU_PTEMEM_LEVELS];
        memset(srv, 0, sizeof srv);
        uint64_t pa = 0;
        for (unsigned k = 0; k < 20000; k++) {
            switch (rnd(5)) {
            case 4: /* the same line again (the data fast path when it is data) */
                pa = (pa & ~(uint64_t)(c.line_size - 1)) | rnd(c.line_size);
                break;
            case 0: /* near the top of the address space */
                pa = UINT64_MAX - (uint64_t)rnd(pool) * c.line_size - rnd(c.line_size);
                break;
            case 1: /* a recent line again */
                pa = (uint64_t)rnd(4) * c.line_size;
                break;
            default:
                pa = (uint64_t)rnd(pool) * c.line_size + rnd(c.line_size);
                break;
            }
            unsigned src = rnd(3) == 0 ? MMU_PTEMEM_SRC_PTE : MMU_PTEMEM_SRC_DATA;
            int is_write = rnd(3) == 0;
            int want_lvl;
            uint64_t want = ref_access(&r, pa, src, &want_lvl);
            acc[src]++;
            wr[src] += (uint64_t)is_write;
            cyc[src] += want;
            srv[src][want_lvl]++;
            mmu_ptemem_level got_lvl;
            uint64_t got = mmu_ptemem_access(m, pa, is_write, (mmu_ptemem_source)src, &got_lvl);
            if (got != want || (int)got_lvl != want_lvl)
                fail_msg("round %u access %u: %llu at %d, want %llu at %d", round, k,
                         (unsigned long long)got, (int)got_lvl, (unsigned long long)want,
                         want_lvl);
            if (rnd(16) == 0) {
                uint64_t q = (uint64_t)rnd(pool) * c.line_size;
                int pl = MMU_PTEMEM_DRAM;
                for (unsigned i = 0; i < r.n && pl == MMU_PTEMEM_DRAM; i++)
                    if (ref_find(&r.lv[i], q >> r.shift) >= 0)
                        pl = r.id[i];
                assert_int_equal(mmu_ptemem_probe(m, q), pl);
            }
        }
        mmu_ptemem_stats st;
        mmu_ptemem_get_stats(m, &st);
        for (unsigned s = 0; s < 2; s++) {
            for (unsigned l = 0; l < MMU_PTEMEM_CACHE_LEVELS; l++) {
                assert_int_equal(st.hits[s][l], r.hits[s][l]);
                assert_int_equal(st.misses[s][l], r.misses[s][l]);
                assert_int_equal(st.evictions[s][l], r.evictions[s][l]);
            }
        }
        for (unsigned l = 0; l < MMU_PTEMEM_CACHE_LEVELS; l++)
            assert_int_equal(st.pte_evicted_by_data[l], r.pte_by_data[l]);
        for (unsigned s = 0; s < 2; s++) {
            assert_int_equal(st.accesses[s], acc[s]);
            assert_int_equal(st.writes[s], wr[s]);
            assert_int_equal(st.cycles[s], cyc[s]);
            for (unsigned l = 0; l < MMU_PTEMEM_LEVELS; l++)
                assert_int_equal(st.served[s][l], srv[s][l]);
        }
        /* cleared counts stay cleared, repeats included; a reset forgets the last line */
        mmu_ptemem_clear_stats(m);
        mmu_ptemem_get_stats(m, &st);
        assert_int_equal(st.accesses[MMU_PTEMEM_SRC_DATA], 0);
        assert_int_equal(st.cycles[MMU_PTEMEM_SRC_DATA], 0);
        (void)mmu_ptemem_access(m, pa, 1, MMU_PTEMEM_SRC_DATA, NULL);
        mmu_ptemem_reset(m);
        mmu_ptemem_level lvl;
        (void)mmu_ptemem_access(m, pa, 0, MMU_PTEMEM_SRC_DATA, &lvl);
        assert_int_equal(lvl, MMU_PTEMEM_DRAM);
        mmu_ptemem_get_stats(m, &st);
        assert_int_equal(st.misses[MMU_PTEMEM_SRC_DATA][r.id[0]], 1);
        assert_int_equal(st.writes[MMU_PTEMEM_SRC_DATA], 0);
        for (unsigned i = 0; i < r.n; i++) {
            free(r.lv[i].tag);
            free(r.lv[i].stamp);
            free(r.lv[i].src);
        }
        mmu_ptemem_destroy(m);
    }
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_miss_sequence),
        cmocka_unit_test(test_lru_order),
        cmocka_unit_test(test_same_low_half),
        cmocka_unit_test(test_hash_collisions),
        cmocka_unit_test(test_non_power_of_two_sets),
        cmocka_unit_test(test_pte_data_competition),
        cmocka_unit_test(test_absent_levels),
        cmocka_unit_test(test_fixed_mode),
        cmocka_unit_test(test_line_size),
        cmocka_unit_test(test_reset_and_clear),
        cmocka_unit_test(test_config_check),
        cmocka_unit_test(test_against_plain_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
