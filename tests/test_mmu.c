/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_mmu.c - the TLB hierarchy of one MMU: lookup order and latency per
 * level, split instruction/data arrays, page-crossing accesses, and the
 * three fill policies (non-inclusive, inclusive back-invalidation,
 * exclusive victim moves).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/mmusim.h"
#include "mmu_internal.h"

/* The default TLBs in front of the fixed miss handler (identity map, 30 cycles). */
static void fixed_defaults(mmu_config *c)
{
    mmu_config_defaults(c);
    c->walker.mode = MMU_WALKER_FIXED;
}

static mmu *make(const mmu_config *c)
{
    char msg[256];
    mmu *m = NULL;
    mmu_err e = mmu_create(c, &m, msg, sizeof msg);
    if (e != MMU_OK)
        fail_msg("mmu_create: %s", msg);
    return m;
}

static mmu_response go(mmu *m, uint64_t va, mmu_access_type type, uint64_t cycle)
{
    mmu_request r = {va, cycle, 1, 0, (uint8_t)type, MMU_PRIV_USER, 0};
    mmu_response resp;
    assert_int_equal(mmu_translate(m, &r, &resp), MMU_OK);
    return resp;
}

static void test_default_latencies(void **state)
{
    (void)state;
    mmu_config c;
    fixed_defaults(&c);
    mmu *m = make(&c);
    /* default: L1 latency 1, STLB 7, fixed miss 30 */
    mmu_response r = go(m, 0x1234, MMU_READ, 100);
    assert_int_equal(r.outcome, MMU_OUT_WALK);
    assert_int_equal(r.latency, 1 + 7 + 30);
    assert_int_equal(r.done_cycle, 100 + 38);
    assert_int_equal(r.paddr, 0x1234);
    r = go(m, 0x1FFF, MMU_READ, 200);
    assert_int_equal(r.outcome, MMU_OUT_TLB);
    assert_int_equal(r.level, 1);
    assert_int_equal(r.latency, 1);
    /* a fetch of the same page misses the L1 ITLB and hits the unified STLB */
    r = go(m, 0x1000, MMU_FETCH, 300);
    assert_int_equal(r.level, 2);
    assert_int_equal(r.latency, 8);
    assert_string_equal(mmu_tlb_get_config(mmu_get_tlb(m, (uint32_t)r.array))->name, "stlb");
    r = go(m, 0x1000, MMU_FETCH, 400);
    assert_int_equal(r.level, 1);
    assert_string_equal(mmu_tlb_get_config(mmu_get_tlb(m, (uint32_t)r.array))->name, "l1i");
    const mmu_stats *s = mmu_get_stats(m);
    assert_int_equal(s->requests, 4);
    assert_int_equal(s->walks, 1);
    assert_int_equal(s->level[0].lookups, 4);
    assert_int_equal(s->level[0].hits, 2);
    assert_int_equal(s->level[1].lookups, 2);
    assert_int_equal(s->level[1].hits, 1);
    assert_int_equal(s->latency_sum, 38 + 1 + 8 + 1);
    /* l1d_2m is looked up beside l1d: its miss is the level's miss, its other lookup a hit elsewhere */
    const mmu_tlb_stats *big = mmu_tlb_get_stats(mmu_get_tlb(m, 2));
    assert_string_equal(mmu_tlb_get_config(mmu_get_tlb(m, 2))->name, "l1d_2m");
    assert_int_equal(big->misses[MMU_READ], 1);
    assert_int_equal(big->elsewhere[MMU_READ], 1);
    assert_int_equal(big->hits[MMU_READ], 0);
    assert_int_equal(mmu_get_latency(m, MMU_LAT_ALL)->max, 38);
    assert_int_equal(mmu_get_latency(m, MMU_LAT_ALL)->count, 4);
    assert_int_equal(mmu_get_latency(m, MMU_LAT_L2)->count, 1);
    assert_int_equal(mmu_get_latency(m, MMU_LAT_WALK)->sum, 38);
    mmu_destroy(m);
}

static void test_page_crossing(void **state)
{
    (void)state;
    mmu_config c;
    fixed_defaults(&c);
    mmu *m = make(&c);
    mmu_request r = {0x1FFC, 0, 8, 0, MMU_READ, MMU_PRIV_USER, 0};
    mmu_response resp[2];
    assert_int_equal(mmu_access(m, &r, resp), 2);
    assert_int_equal(resp[1].paddr, 0x2000);
    assert_int_equal(resp[1].done_cycle, resp[0].done_cycle + resp[1].latency);
    r.vaddr = 0x1FF8; /* the last 8 bytes of the page: one translation */
    assert_int_equal(mmu_access(m, &r, resp), 1);
    r.vaddr = UINT64_MAX - 3; /* wraps around the address space: one translation */
    assert_int_equal(mmu_access(m, &r, resp), 1);
    assert_int_equal(mmu_get_stats(m)->requests, 4);
    mmu_destroy(m);
}

/* L1: 2 entries fully associative; L2: 4 entries direct-mapped (4 sets), unified. */
static void two_level(mmu_config *c, mmu_fill_policy fill, uint32_t l2_ways)
{
    char msg[256];
    fixed_defaults(c);
    assert_int_equal(mmu_config_set(c, "tlb.arrays", "a b", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(c, "tlb.a.entries", "2", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(c, "tlb.a.ways", "2", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(c, "tlb.b.level", "2", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(c, "tlb.b.entries", "4", msg, sizeof msg), MMU_OK);
    c->tlb[1].ways = l2_ways;
    c->fill = fill;
}

static int in(const mmu *m, uint32_t array, uint64_t vpn)
{
    return mmu_tlb_probe(mmu_get_tlb(m, array), vpn << 12, 0, NULL);
}

static void test_fill_noninclusive(void **state)
{
    (void)state;
    mmu_config c;
    two_level(&c, MMU_FILL_NONINCLUSIVE, 1);
    mmu *m = make(&c);
    go(m, 0 << 12, MMU_READ, 0);
    go(m, 4 << 12, MMU_READ, 0); /* same L2 set: evicts page 0 from L2, not from L1 */
    assert_true(in(m, 0, 0));
    assert_false(in(m, 1, 0));
    assert_int_equal(go(m, 0, MMU_READ, 0).level, 1);
    /* L2 hit refills L1 */
    go(m, 1 << 12, MMU_READ, 0);
    go(m, 2 << 12, MMU_READ, 0); /* L1 now {1, 2}; L2 holds 1 and 2 */
    mmu_response r = go(m, 4 << 12, MMU_READ, 0);
    assert_int_equal(r.level, 2);
    assert_true(in(m, 0, 4));
    mmu_destroy(m);
}

static void test_fill_inclusive(void **state)
{
    (void)state;
    mmu_config c;
    two_level(&c, MMU_FILL_INCLUSIVE, 1);
    mmu *m = make(&c);
    go(m, 0 << 12, MMU_READ, 0);
    go(m, 4 << 12, MMU_READ, 0); /* L2 evicts page 0: back-invalidated from L1 */
    assert_false(in(m, 0, 0));
    assert_false(in(m, 1, 0));
    assert_true(in(m, 0, 4));
    assert_int_equal(go(m, 0, MMU_READ, 0).outcome, MMU_OUT_WALK);
    /* inclusion holds after a long random stream */
    uint64_t x = 7;
    for (int i = 0; i < 5000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        go(m, ((x >> 33) % 11) << 12, MMU_READ, 0);
        for (uint64_t p = 0; p < 11; p++)
            if (in(m, 0, p))
                assert_true(in(m, 1, p));
    }
    mmu_destroy(m);
}

static void test_fill_exclusive(void **state)
{
    (void)state;
    mmu_config c;
    two_level(&c, MMU_FILL_EXCLUSIVE, 4);
    mmu *m = make(&c);
    go(m, 0 << 12, MMU_READ, 0);
    go(m, 1 << 12, MMU_READ, 0);
    assert_int_equal(mmu_tlb_occupancy(mmu_get_tlb(m, 1)), 0); /* walks fill L1 only */
    go(m, 2 << 12, MMU_READ, 0); /* L1 victim 0 moves to L2 */
    assert_true(in(m, 1, 0));
    assert_false(in(m, 0, 0));
    mmu_response r = go(m, 0, MMU_READ, 0); /* L2 hit: 0 moves up, L1 victim 1 moves down */
    assert_int_equal(r.level, 2);
    assert_true(in(m, 0, 0));
    assert_false(in(m, 1, 0));
    assert_true(in(m, 1, 1));
    /* no page is ever in both levels */
    uint64_t x = 3;
    for (int i = 0; i < 5000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        go(m, ((x >> 33) % 9) << 12, MMU_READ, 0);
        for (uint64_t p = 0; p < 9; p++)
            assert_false(in(m, 0, p) && in(m, 1, p));
    }
    /* the hierarchy holds 6 distinct pages: a cyclic sweep of 6 stays resident */
    mmu_clear_stats(m);
    for (int round = 0; round < 3; round++)
        for (uint64_t p = 100; p < 106; p++)
            go(m, p << 12, MMU_READ, 0);
    assert_int_equal(mmu_get_stats(m)->walks, 6); /* only the first round walks */
    mmu_destroy(m);
}

static void test_invalidate_all_arrays(void **state)
{
    (void)state;
    mmu_config c;
    fixed_defaults(&c);
    mmu *m = make(&c);
    go(m, 0x5000, MMU_READ, 0);
    go(m, 0x5000, MMU_FETCH, 0);
    mmu_invalidate(m, MMU_INVAL_ADDR, 0x5000, 0);
    for (uint32_t i = 0; i < mmu_tlb_count(m); i++)
        assert_int_equal(mmu_tlb_occupancy(mmu_get_tlb(m, i)), 0);
    assert_int_equal(go(m, 0x5000, MMU_READ, 0).outcome, MMU_OUT_WALK);
    mmu_destroy(m);
}

/*
 * The MMU's same-page shortcut must give exactly what plain lookups give:
 * a unified array driven through mmu_translate with interleaved fetches and
 * data accesses (runs of one page, as real code makes) against the same
 * array type driven by hand, for every policy.
 */
static void test_same_page_shortcut_is_exact(void **state)
{
    (void)state;
    for (int p = 0; p < MMU_REPL_POLICIES; p++) {
        mmu_config c;
        char msg[256];
        fixed_defaults(&c);
        assert_int_equal(mmu_config_set(&c, "tlb.arrays", "u", msg, sizeof msg), MMU_OK);
        c.tlb[0].entries = 16;
        c.tlb[0].ways = 4;
        c.tlb[0].policy = (uint32_t)p;
        mmu *m = make(&c);
        mmu_tlb_config tc = c.tlb[0];
        tc.seed = c.seed; /* array 0 gets mmu.seed + 0 */
        mmu_tlb *ref;
        assert_int_equal(mmu_tlb_create(&tc, &ref), MMU_OK);
        uint64_t x = 11, page_i = 1, page_d = 2;
        for (int i = 0; i < 200000; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            int fetch = (x >> 60) & 1;
            if (((x >> 40) & 7) == 0) { /* now and then, move to another page */
                if (fetch)
                    page_i = (x >> 20) % 40;
                else
                    page_d = (x >> 24) % 40;
            }
            uint64_t va = ((fetch ? page_i : page_d) << 12) | ((x >> 8) & 0xFF8);
            mmu_access_type t = fetch ? MMU_FETCH : MMU_READ;
            mmu_response r = go(m, va, t, 0);
            int hit = mmu_tlb_lookup(ref, va, 0, t, NULL);
            if (!hit) {
                mmu_tlb_entry e = {va & ~0xFFFULL, va & ~0xFFFULL, 0, MMU_PS_4K,
                                   MMU_TLB_READ | MMU_TLB_WRITE | MMU_TLB_EXEC | MMU_TLB_USER |
                                       MMU_TLB_DIRTY, 0};
                assert_int_equal(mmu_tlb_insert(ref, &e, NULL, NULL), MMU_OK);
            }
            if (hit != (r.outcome == MMU_OUT_TLB))
                fail_msg("policy %s access %d: mmu %s, plain array %s", mmu_repl_name((mmu_repl_policy)p),
                         i, r.outcome == MMU_OUT_TLB ? "hit" : "miss", hit ? "hit" : "miss");
        }
        const mmu_tlb_stats *a = mmu_tlb_get_stats(mmu_get_tlb(m, 0)), *b = mmu_tlb_get_stats(ref);
        assert_memory_equal(a->hits, b->hits, sizeof a->hits);
        assert_memory_equal(a->misses, b->misses, sizeof a->misses);
        assert_int_equal(a->evictions, b->evictions);
        mmu_tlb_destroy(ref);
        mmu_destroy(m);
    }
}

/*
 * A request stream with the locality that the level-1 hit filter serves:
 * per side (fetch, data) six recent pages, more than the filter keeps, and
 * now and then a new page; fetches and data interleaved; some writes, some
 * accesses crossing a page, a few in a second ASID.
 */
typedef struct stream {
    uint64_t x;
    uint64_t recent[2][6];
    unsigned npages; /* pages are drawn from [0, npages) */
    int asids;       /* 1: some accesses in ASID 1 */
    unsigned stride; /* page numbers are multiples of it (0: 1): with as many sets, all in one set */
    unsigned hot;    /* recent pages used per side (0: 6): few, and they ping-pong in their sets */
    int vms;         /* 1: some accesses in VM 1 (virtualization) */
} stream;

static uint64_t rnd(stream *st)
{
    st->x = st->x * 6364136223846793005ULL + 1442695040888963407ULL;
    return st->x >> 33;
}

static mmu_request next_request(stream *st)
{
    uint64_t r = rnd(st);
    int fetch = r & 1;
    uint64_t *page = &st->recent[fetch][(r >> 1) % (st->hot ? st->hot : 6)];
    if (((r >> 4) & 7) == 0)
        *page = rnd(st) % st->npages;
    mmu_request q = {0, 0, 8, 0, fetch ? MMU_FETCH : ((r >> 7) & 3) == 0 ? MMU_WRITE : MMU_READ,
                     MMU_PRIV_USER, 0};
    uint64_t off = (r >> 9) & 0xFF8;
    if (((r >> 21) & 63) == 0)
        off = 0xFFC; /* crosses into the next page */
    q.vaddr = 0x400000 + (*page * (st->stride ? st->stride : 1) << 12) + off;
    q.asid = st->asids && ((r >> 27) & 15) == 0;
    q.vmid = st->vms && ((r >> 31) & 7) == 0;
    return q;
}

/* The hit filter against a plain array (mmu_tlb_*), one unified array, every policy, through mmu_access. */
static void test_hit_filter_matches_plain_array(void **state)
{
    (void)state;
    static const uint32_t geometry[][2] = {{4, 4}, {16, 4}, {12, 3}, {8, 1}};
    for (int p = 0; p < MMU_REPL_POLICIES; p++) {
        for (unsigned g = 0; g < sizeof geometry / sizeof geometry[0]; g++) {
            mmu_config c;
            char msg[256];
            fixed_defaults(&c);
            assert_int_equal(mmu_config_set(&c, "tlb.arrays", "u", msg, sizeof msg), MMU_OK);
            c.tlb[0].entries = geometry[g][0];
            c.tlb[0].ways = geometry[g][1];
            c.tlb[0].policy = (uint32_t)p;
            mmu *m = make(&c);
            mmu_tlb_config tc = c.tlb[0];
            tc.seed = c.seed; /* array 0 gets mmu.seed + 0 */
            mmu_tlb *ref;
            assert_int_equal(mmu_tlb_create(&tc, &ref), MMU_OK);
            stream st = {(uint64_t)(p * 7 + g + 1), {{0}}, 3 * geometry[g][0], 0, 0, 0, 0};
            for (int i = 0; i < 100000; i++) {
                mmu_request q = next_request(&st);
                mmu_response resp[2];
                int n = mmu_access(m, &q, resp);
                uint64_t va[2] = {q.vaddr, (q.vaddr | 0xFFF) + 1};
                int want_n = ((q.vaddr + q.size - 1) >> 12) != (q.vaddr >> 12) ? 2 : 1;
                assert_int_equal(n, want_n);
                for (int j = 0; j < n; j++) {
                    int hit = mmu_tlb_lookup(ref, va[j], 0, (mmu_access_type)q.type, NULL);
                    if (!hit) {
                        mmu_tlb_entry e = {va[j] & ~0xFFFULL, va[j] & ~0xFFFULL, 0, MMU_PS_4K,
                                           MMU_TLB_READ | MMU_TLB_WRITE | MMU_TLB_EXEC | MMU_TLB_USER |
                                               MMU_TLB_DIRTY, 0};
                        assert_int_equal(mmu_tlb_insert(ref, &e, NULL, NULL), MMU_OK);
                    }
                    if (hit != (resp[j].outcome == MMU_OUT_TLB))
                        fail_msg("policy %s, %u/%u, access %d: mmu %s, plain array %s",
                                 mmu_repl_name((mmu_repl_policy)p), geometry[g][0], geometry[g][1], i,
                                 resp[j].outcome == MMU_OUT_TLB ? "hit" : "miss", hit ? "hit" : "miss");
                }
            }
            const mmu_tlb_stats *a = mmu_tlb_get_stats(mmu_get_tlb(m, 0)), *b = mmu_tlb_get_stats(ref);
            assert_memory_equal(a, b, sizeof *a);
            mmu_tlb_destroy(ref);
            mmu_destroy(m);
        }
    }
}

static void same_response(const mmu_response *a, const mmu_response *b, int i)
{
    if (a->paddr != b->paddr || a->done_cycle != b->done_cycle || a->latency != b->latency ||
        a->fault != b->fault || a->outcome != b->outcome || a->page_size != b->page_size ||
        a->level != b->level || a->array != b->array || a->walk_refs != b->walk_refs ||
        a->pwc_level != b->pwc_level || a->fault_level != b->fault_level || a->page_faults != b->page_faults)
        fail_msg("access %d: the responses with and without the hit filter differ", i);
}

/* Every counter of two MMUs equal (the MMU's, each array's, the latency histograms). */
static void same_counters(mmu *m[2], const char *what)
{
    if (memcmp(mmu_get_stats(m[0]), mmu_get_stats(m[1]), sizeof(mmu_stats)) != 0)
        fail_msg("%s: the MMU counters differ", what);
    for (uint32_t t = 0; t < mmu_tlb_count(m[0]); t++)
        if (memcmp(mmu_tlb_get_stats(mmu_get_tlb(m[0], t)), mmu_tlb_get_stats(mmu_get_tlb(m[1], t)),
                   sizeof(mmu_tlb_stats)) != 0)
            fail_msg("%s: the counters of TLB array %u differ", what, t);
    for (int cl = 0; cl < MMU_LAT_CLASSES; cl++)
        if (memcmp(mmu_get_latency(m[0], (mmu_lat_class)cl), mmu_get_latency(m[1], (mmu_lat_class)cl),
                   sizeof(mmu_hist)) != 0)
            fail_msg("%s: the latency histograms (%s) differ", what, mmu_lat_class_name((mmu_lat_class)cl));
}

/*
 * Two MMUs, one without the hit filter, given the same stream: everything they say must be equal
 * (an invalidation after an access when rnd & inval_mask is 0; inval_mask 0: none).
 */
static void filter_on_off(const mmu_config *c, stream st, unsigned inval_mask, const char *what)
{
    mmu *m[2];
    mmu_os *os[2] = {NULL, NULL};
    char msg[256];
    for (int k = 0; k < 2; k++) {
        m[k] = make(c);
        if (c->walker.mode == MMU_WALKER_RADIX) {
            if (mmu_os_create_from_config(c, &os[k], msg, sizeof msg) != MMU_OK)
                fail_msg("%s: %s", what, msg);
            assert_int_equal(mmu_attach_os(m[k], os[k]), MMU_OK);
        }
    }
    mmu_set_hit_filter(m[1], 0);
    uint64_t cycle = 0;
    for (int i = 0; i < 60000; i++) {
        mmu_request q = next_request(&st);
        q.cycle = cycle;
        mmu_response r[2][2];
        int n0 = mmu_access(m[0], &q, r[0]);
        int n1 = mmu_access(m[1], &q, r[1]);
        assert_int_equal(n0, n1);
        for (int j = 0; j < n0; j++)
            same_response(&r[0][j], &r[1][j], i);
        cycle = ((rnd(&st) & 3) == 0) ? r[0][n0 - 1].done_cycle : cycle + 1; /* sometimes within a walk */
        if (i == 30000) {
            /* counters asked for mid-run (the filter's are added when asked for), then cleared */
            if (memcmp(mmu_get_stats(m[0]), mmu_get_stats(m[1]), sizeof(mmu_stats)) != 0 ||
                memcmp(mmu_tlb_get_stats(mmu_get_tlb(m[0], 0)), mmu_tlb_get_stats(mmu_get_tlb(m[1], 0)),
                       sizeof(mmu_tlb_stats)) != 0)
                fail_msg("%s: the counters differ mid-run", what);
            for (int k = 0; k < 2; k++)
                mmu_clear_stats(m[k]);
        }
        if (inval_mask && (rnd(&st) & inval_mask) == 0) {
            mmu_inval_kind kind = (mmu_inval_kind)(rnd(&st) & 3);
            uint64_t va = 0x400000 + ((rnd(&st) % st.npages) * (st.stride ? st.stride : 1) << 12);
            for (int k = 0; k < 2; k++)
                mmu_invalidate(m[k], kind, va, q.asid);
        }
    }
    same_counters(m, what);
    /* the TLBs hold the same entries: every page of the stream found in the same array */
    for (unsigned p = 0; p < st.npages + 1; p++) {
        for (int k = 0; k < 2 * MMU_ACCESS_TYPES; k++) {
            mmu_request q = {0x400000 + ((uint64_t)p * (st.stride ? st.stride : 1) << 12), 0, 8, (uint16_t)(k & 1),
                             (uint8_t)(k >> 1), MMU_PRIV_USER, 0};
            mmu_response r[2];
            int e0 = mmu_translate_debug(m[0], &q, &r[0]), e1 = mmu_translate_debug(m[1], &q, &r[1]);
            if (e0 != e1 || r[0].outcome != r[1].outcome || r[0].array != r[1].array || r[0].paddr != r[1].paddr)
                fail_msg("%s: page %u is held differently with and without the hit filter", what, p);
        }
    }
    for (int k = 0; k < 2; k++) {
        mmu_destroy(m[k]);
        mmu_os_destroy(os[k]);
    }
}

/*
 * The hit filter changes nothing: for every policy (all arrays), each fill
 * policy and several hierarchies (split and unified level 1, two arrays of
 * different page sizes in one level, huge pages, page replacement with
 * shootdowns, invalidations, two ASIDs), every response and counter equal.
 */
static void test_hit_filter_is_invisible(void **state)
{
    (void)state;
    char msg[256];
    for (int p = 0; p < MMU_REPL_POLICIES; p++) {
        for (int fill = 0; fill < 3; fill++) {
            for (int h = 0; h < 4; h++) {
                mmu_config c;
                mmu_config_defaults(&c);
                stream st = {(uint64_t)(100 * p + 10 * fill + h + 1), {{0}}, 200, 1, 0, 0, 0};
                if (h == 0) { /* default hierarchy, fixed walker */
                    c.walker.mode = MMU_WALKER_FIXED;
                } else if (h == 1) { /* one small unified level 1 over a unified level 2 */
                    c.walker.mode = MMU_WALKER_FIXED;
                    assert_int_equal(mmu_config_set(&c, "tlb.arrays", "u l2", msg, sizeof msg), MMU_OK);
                    c.tlb[0].entries = 8;
                    c.tlb[0].ways = 2;
                    c.tlb[1].level = 2;
                    c.tlb[1].entries = 32;
                    c.tlb[1].ways = 4;
                } else if (h == 2) { /* radix walker, OS with huge pages: 4K and 2M arrays in level 1 */
                    c.os.thp = 1;
                    c.os.phys_mem = UINT64_C(64) << 20;
                    st.npages = 1024;
                } else { /* radix walker, OS short of memory: evictions and shootdowns */
                    c.os.phys_mem = UINT64_C(512) << 10;
                    st.npages = 300;
                }
                for (uint32_t t = 0; t < c.n_tlbs; t++)
                    c.tlb[t].policy = (uint32_t)p;
                c.fill = (uint32_t)fill;
                char what[96];
                snprintf(what, sizeof what, "policy %s, fill %d, hierarchy %d", mmu_repl_name((mmu_repl_policy)p),
                         fill, h);
                filter_on_off(&c, st, h != 2 ? 511 : 0, what);
            }
        }
    }
}

/*
 * The re-hit (a filter slot whose sets changed: its lookup repeated on them
 * alone, access_stale) changes nothing: streams of few pages per set, so that
 * pages ping-pong in a set and each one's hit moves another's way (every
 * policy), with several arrays per level, huge pages, writes to clean pages,
 * page replacement, two ASIDs and two VMs, invalidations between accesses:
 * every response, counter and entry equal with the filter off.
 */
static void test_hit_filter_rehit_is_invisible(void **state)
{
    (void)state;
    char msg[256];
    for (int p = 0; p < MMU_REPL_POLICIES; p++) {
        for (int h = 0; h < 6; h++) {
            for (unsigned hot = 2; hot <= 3; hot++) {
                mmu_config c;
                mmu_config_defaults(&c);
                stream st = {(uint64_t)(1000 * p + 10 * h + hot), {{0}}, 12, 1, 4, hot, 0};
                unsigned inval = 127;
                if (h == 0) { /* one unified array of 4 sets of 4 ways, fixed walker */
                    c.walker.mode = MMU_WALKER_FIXED;
                    assert_int_equal(mmu_config_set(&c, "tlb.arrays", "u", msg, sizeof msg), MMU_OK);
                    c.tlb[0].entries = 16;
                    c.tlb[0].ways = 4;
                } else if (h == 1) { /* the default hierarchy (l1d beside l1d_2m), fixed walker */
                    c.walker.mode = MMU_WALKER_FIXED;
                    st.stride = 16;
                } else if (h == 2) { /* radix, huge pages: 4K and 2M arrays in level 1, writes to clean pages */
                    c.os.thp = 1;
                    c.os.phys_mem = UINT64_C(64) << 20;
                    st.stride = 16;
                    st.npages = 40;
                    inval = 0;
                } else if (h == 3) { /* radix, short of memory: evictions and shootdowns; 3 ways, odd sets */
                    c.os.phys_mem = UINT64_C(256) << 10;
                    st.npages = 24;
                    st.stride = 5;
                    assert_int_equal(mmu_config_set(&c, "tlb.l1d.entries", "15", msg, sizeof msg), MMU_OK);
                    assert_int_equal(mmu_config_set(&c, "tlb.l1d.ways", "3", msg, sizeof msg), MMU_OK);
                } else if (h == 4) { /* two level-1 arrays of every size, a unified level 2 */
                    c.walker.mode = MMU_WALKER_FIXED;
                    assert_int_equal(mmu_config_set(&c, "tlb.arrays", "a b l2", msg, sizeof msg), MMU_OK);
                    assert_int_equal(mmu_config_set(&c, "tlb.a.entries", "8", msg, sizeof msg), MMU_OK);
                    assert_int_equal(mmu_config_set(&c, "tlb.a.ways", "2", msg, sizeof msg), MMU_OK);
                    assert_int_equal(mmu_config_set(&c, "tlb.b.entries", "16", msg, sizeof msg), MMU_OK);
                    assert_int_equal(mmu_config_set(&c, "tlb.b.ways", "4", msg, sizeof msg), MMU_OK);
                    assert_int_equal(mmu_config_set(&c, "tlb.l2.level", "2", msg, sizeof msg), MMU_OK);
                    assert_int_equal(mmu_config_set(&c, "tlb.l2.entries", "32", msg, sizeof msg), MMU_OK);
                    assert_int_equal(mmu_config_set(&c, "tlb.l2.ways", "4", msg, sizeof msg), MMU_OK);
                } else { /* virtualization: two VMs, nested walks */
                    const char *sets[][2] = {
                        {"virt.enabled", "on"},     {"virt.host_format", "ept"}, {"tlb.arrays", "l1 l2"},
                        {"tlb.l1.entries", "8"},    {"tlb.l1.ways", "4"},        {"tlb.l1.page_sizes", "4K 2M"},
                        {"tlb.l2.level", "2"},      {"tlb.l2.entries", "32"},    {"tlb.l2.ways", "4"},
                        {"tlb.l2.page_sizes", "4K 2M"}, {"os.phys_mem", "64M"},  {"virt.host_mem", "256M"},
                    };
                    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
                        if (mmu_config_set(&c, sets[i][0], sets[i][1], msg, sizeof msg) != MMU_OK)
                            fail_msg("%s = %s: %s", sets[i][0], sets[i][1], msg);
                    st.stride = 2;
                    st.vms = 1;
                }
                for (uint32_t t = 0; t < c.n_tlbs; t++)
                    c.tlb[t].policy = (uint32_t)p;
                char what[96];
                snprintf(what, sizeof what, "re-hit: policy %s, hierarchy %d, %u hot pages",
                         mmu_repl_name((mmu_repl_policy)p), h, hot);
                filter_on_off(&c, st, inval, what);
            }
        }
    }
}


/* One access through mmu_access of both MMUs (the first with the hit filter): the same answer. */
static mmu_response access_both(mmu *m[2], uint64_t va, mmu_access_type type, uint16_t asid, uint64_t cycle)
{
    mmu_request q = {va, cycle, 8, asid, (uint8_t)type, MMU_PRIV_USER, 0};
    mmu_response r[2][2];
    int n0 = mmu_access(m[0], &q, r[0]), n1 = mmu_access(m[1], &q, r[1]);
    assert_int_equal(n0, n1);
    same_response(&r[0][0], &r[1][0], (int)cycle);
    return r[0][0];
}

/* The array of m named name. */
static mmu_tlb *array_named(mmu *m, const char *name)
{
    for (uint32_t t = 0; t < mmu_tlb_count(m); t++)
        if (strcmp(mmu_tlb_get_config(mmu_get_tlb(m, t))->name, name) == 0)
            return (mmu_tlb *)mmu_get_tlb(m, t);
    fail_msg("no array %s", name);
    return NULL;
}

/*
 * The re-hit, case by case, with the TLB arrays changed directly between a
 * page's filter hit and its next access (so that its sets change without a
 * lookup of the page): each change the re-hit must see, and the MMU without
 * the filter as the reference.
 */
static void test_hit_filter_rehit_cases(void **state)
{
    (void)state;
    char msg[256];
    const uint64_t a = 0x40000000, x = 0x30000000;
    const uint8_t all = MMU_TLB_READ | MMU_TLB_WRITE | MMU_TLB_EXEC | MMU_TLB_USER | MMU_TLB_DIRTY;
    for (int c = 0; c < 5; c++) {
        mmu_config cfg;
        mmu_config_defaults(&cfg);
        if (c != 1) {
            cfg.walker.mode = MMU_WALKER_FIXED;
            if (c >= 2) { /* one set of 4 ways */
                assert_int_equal(mmu_config_set(&cfg, "tlb.arrays", "u", msg, sizeof msg), MMU_OK);
                cfg.tlb[0].entries = 4;
                cfg.tlb[0].ways = 4;
            }
        }
        mmu *m[2];
        mmu_os *os[2] = {NULL, NULL};
        for (int k = 0; k < 2; k++) {
            m[k] = make(&cfg);
            if (c == 1) {
                if (mmu_os_create_from_config(&cfg, &os[k], msg, sizeof msg) != MMU_OK)
                    fail_msg("os: %s", msg);
                assert_int_equal(mmu_attach_os(m[k], os[k]), MMU_OK);
            }
        }
        mmu_set_hit_filter(m[1], 0);
        uint64_t cyc = 1000; /* (each access long after the last: no walk in flight) */
        if (c >= 2)
            (void)access_both(m, x, MMU_READ, 0, cyc += 100000000); /* way 0 */
        (void)access_both(m, a, c == 1 ? MMU_WRITE : MMU_READ, 0, cyc += 100000000); /* a walk: way 0 (c >= 2: 1) */
        mmu_response r = access_both(m, a, MMU_READ, 0, cyc += 100000000);
        assert_int_equal(r.level, 1); /* the filter keeps a */
        for (int k = 0; k < 2; k++) {
            mmu_tlb_entry e;
            if (c == 0) { /* a 2M entry over a in l1d_2m: a set that missed now holds the page */
                e = (mmu_tlb_entry){a & ~UINT64_C(0x1FFFFF), a & ~UINT64_C(0x1FFFFF), 0, MMU_PS_2M, all, 0};
                assert_int_equal(mmu_tlb_insert(array_named(m[k], "l1d_2m"), &e, NULL, NULL), MMU_OK);
            } else if (c == 1) { /* a's entry again in the same way, read-only */
                mmu_tlb *l1d = array_named(m[k], "l1d");
                assert_true(mmu_tlb_probe(l1d, a, 0, &e));
                assert_int_equal(mmu_tlb_invalidate_entry(l1d, &e), 1);
                e.flags &= (uint8_t)~(MMU_TLB_WRITE | MMU_TLB_DIRTY);
                assert_int_equal(mmu_tlb_insert(l1d, &e, NULL, NULL), MMU_OK);
            } else {
                mmu_tlb *u = array_named(m[k], "u");
                assert_true(mmu_tlb_probe(u, c == 2 ? x : a, 0, &e));
                assert_int_equal(mmu_tlb_invalidate_entry(u, &e), 1);
                if (c == 2) /* a global entry of a in way 0 (x's), before a's own: it answers first */
                    e = (mmu_tlb_entry){a, 0x7000, 5, MMU_PS_4K, all | MMU_TLB_GLOBAL, 0};
                else if (c == 3) /* in a's way, a page whose key agrees with a's in its low half */
                    e.vbase = a + (UINT64_C(1) << 40);
                else /* a's entry again, in the same way, with another frame */
                    e.pbase = 0x9000;
                assert_int_equal(mmu_tlb_insert(u, &e, NULL, NULL), MMU_OK);
            }
        }
        (void)access_both(m, a, c == 1 ? MMU_WRITE : MMU_READ, 0, cyc += 100000000);
        (void)access_both(m, a, MMU_READ, 0, cyc += 100000000);
        char what[64];
        snprintf(what, sizeof what, "re-hit case %d", c);
        same_counters(m, what);
        for (int k = 0; k < 2; k++) {
            mmu_destroy(m[k]);
            mmu_os_destroy(os[k]);
        }
    }
}

/*
 * The filter must watch every level-1 array a lookup probes, not only the
 * one that hit: here a 4K entry stays in l1d while the page tables change
 * to a 2M page (no invalidation, as software may) and a walk for another
 * page of that 2M range fills l1d_2m; the next lookup of the first page
 * hits both arrays (x86-64 tables written by hand into a sparse memory).
 */
static void test_hit_filter_watches_every_array(void **state)
{
    (void)state;
    enum { P = 1, RW = 2, US = 4, AC = 0x20, DI = 0x40, PS = 0x80 };
    mmu_config c;
    mmu_config_defaults(&c);
    c.os_enabled = 0;
    char msg[256];
    assert_int_equal(mmu_config_set(&c, "pwc.l1.entries", "0", msg, sizeof msg), MMU_OK); /* no cached PDE */
    mmu *m[2];
    mmu_sparse_mem *mem[2];
    for (int k = 0; k < 2; k++) {
        m[k] = make(&c);
        assert_int_equal(mmu_sparse_mem_create(0, &mem[k]), MMU_OK);
        assert_int_equal(mmu_sparse_mem_write64(mem[k], 0x1000, 0x2000 | P | RW | US | AC), MMU_OK);
        assert_int_equal(mmu_sparse_mem_write64(mem[k], 0x2000 + 8, 0x3000 | P | RW | US | AC), MMU_OK);
        assert_int_equal(mmu_sparse_mem_write64(mem[k], 0x3000, 0x4000 | P | RW | US | AC), MMU_OK);
        assert_int_equal(mmu_sparse_mem_write64(mem[k], 0x4000, 0x100000 | P | RW | US | AC | DI), MMU_OK);
        mmu_mem_port port = mmu_sparse_mem_port(mem[k]);
        mmu_set_memory(m[k], &port);
        assert_int_equal(mmu_set_root(m[k], 0, 0x1000), MMU_OK);
    }
    mmu_set_hit_filter(m[1], 0);
    const uint64_t a = 0x40000000, b = 0x40001000;
    for (int k = 0; k < 2; k++) {
        mmu_request q = {a, 0, 8, 0, MMU_READ, MMU_PRIV_USER, 0};
        mmu_response r;
        assert_int_equal(mmu_translate(m[k], &q, &r), MMU_OK); /* walk: a 4K entry in l1d */
        q.cycle = 1000;
        assert_int_equal(mmu_translate(m[k], &q, &r), MMU_OK); /* hit: the filter keeps a */
        assert_int_equal(r.level, 1);
        assert_int_equal(mmu_sparse_mem_write64(mem[k], 0x3000, 0x200000 | P | RW | US | AC | DI | PS), MMU_OK);
        q.vaddr = b;
        q.cycle = 2000;
        assert_int_equal(mmu_translate(m[k], &q, &r), MMU_OK); /* walk: a 2M entry in l1d_2m */
        assert_int_equal(r.page_size, MMU_PS_2M);
        q.vaddr = a;
        q.cycle = 3000;
        assert_int_equal(mmu_translate(m[k], &q, &r), MMU_OK); /* hits l1d and l1d_2m */
        assert_int_equal(r.paddr, 0x100000);
        /* b hits l1d_2m alone; a, in the same 2M page, still hits l1d too: a filter slot
           covers no more than the smallest page size its lookup probed */
        q.vaddr = b;
        q.cycle = 4000;
        assert_int_equal(mmu_translate(m[k], &q, &r), MMU_OK);
        assert_int_equal(r.page_size, MMU_PS_2M);
        q.vaddr = a;
        q.cycle = 5000;
        assert_int_equal(mmu_translate(m[k], &q, &r), MMU_OK);
        assert_int_equal(r.paddr, 0x100000);
        assert_int_equal(r.page_size, MMU_PS_4K);
    }
    const mmu_tlb_stats *l1d_2m = mmu_tlb_get_stats(mmu_get_tlb(m[0], 2));
    assert_string_equal(mmu_tlb_get_config(mmu_get_tlb(m[0], 2))->name, "l1d_2m");
    assert_int_equal(l1d_2m->hits[MMU_READ], 3); /* a, b, a (b walked first) */
    for (uint32_t t = 0; t < mmu_tlb_count(m[0]); t++)
        assert_memory_equal(mmu_tlb_get_stats(mmu_get_tlb(m[0], t)), mmu_tlb_get_stats(mmu_get_tlb(m[1], t)),
                            sizeof(mmu_tlb_stats));
    for (int k = 0; k < 2; k++) {
        mmu_destroy(m[k]);
        mmu_sparse_mem_destroy(mem[k]);
    }
}

static void test_create_rejects_bad_config(void **state)
{
    (void)state;
    mmu_config c;
    char msg[256];
    fixed_defaults(&c);
    c.tlb[3].ways = 5;
    mmu *m = (mmu *)&c;
    assert_int_equal(mmu_create(&c, &m, msg, sizeof msg), MMU_ECONFIG);
    assert_null(m);
    assert_string_equal(msg, "tlb.stlb.ways (5) must divide tlb.stlb.entries (1536)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_latencies),
        cmocka_unit_test(test_page_crossing),
        cmocka_unit_test(test_fill_noninclusive),
        cmocka_unit_test(test_fill_inclusive),
        cmocka_unit_test(test_fill_exclusive),
        cmocka_unit_test(test_invalidate_all_arrays),
        cmocka_unit_test(test_same_page_shortcut_is_exact),
        cmocka_unit_test(test_hit_filter_matches_plain_array),
        cmocka_unit_test(test_hit_filter_is_invisible),
        cmocka_unit_test(test_hit_filter_rehit_is_invisible),
        cmocka_unit_test(test_hit_filter_rehit_cases),
        cmocka_unit_test(test_hit_filter_watches_every_array),
        cmocka_unit_test(test_create_rejects_bad_config),
    };
    return cmocka_run_group_tests_name("mmu", tests, NULL, NULL);
}
