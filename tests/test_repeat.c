/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_repeat.c - the repeat path of a co-simulation front end (mmu.h,
 * docs/qemu.md "Performance"): accesses of a page the hit filter answers,
 * counted with mmu_repeat_ok + mmu_access_repeat (and their data made with
 * mmu_access_data), leave every counter exactly as one mmu_access per
 * access does: the MMU's counters, every TLB array's, the PTE caches' and
 * every latency histogram.  Two MMUs with their own OS model run the same
 * accesses, one each way, and are compared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/mmusim.h"

typedef struct pair {
    mmu *m[2];
    mmu_os *os[2];
    uint64_t cycle;
} pair;

/*
 * Two MMUs with their own OS model: the default configuration (radix, OS
 * model, PTE caches with data on), or with `policy` one 16-entry 4-way array
 * for both sides (code and data pages share its sets).
 */
static void pair_make_with(pair *p, const char *policy)
{
    char msg[256];
    mmu_config c;
    mmu_config_defaults(&c);
    assert_int_equal(c.walker.mode, MMU_WALKER_RADIX);
    assert_true(c.ptemem_data && c.ptemem.mode == MMU_PTEMEM_CACHE);
    if (policy && (mmu_config_set(&c, "tlb.arrays", "u", msg, sizeof msg) != MMU_OK ||
                   mmu_config_set(&c, "tlb.u.entries", "16", msg, sizeof msg) != MMU_OK ||
                   mmu_config_set(&c, "tlb.u.ways", "4", msg, sizeof msg) != MMU_OK ||
                   mmu_config_set(&c, "tlb.u.policy", policy, msg, sizeof msg) != MMU_OK))
        fail_msg("config: %s", msg);
    for (int i = 0; i < 2; i++) {
        if (mmu_create(&c, &p->m[i], msg, sizeof msg) != MMU_OK)
            fail_msg("mmu_create: %s", msg);
        if (mmu_os_create_from_config(&c, &p->os[i], msg, sizeof msg) != MMU_OK)
            fail_msg("os: %s", msg);
        assert_int_equal(mmu_attach_os(p->m[i], p->os[i]), MMU_OK);
    }
    p->cycle = 1000;
}

static void pair_make(pair *p)
{
    pair_make_with(p, NULL);
}

static void pair_free(pair *p)
{
    for (int i = 0; i < 2; i++) {
        mmu_destroy(p->m[i]);
        mmu_os_destroy(p->os[i]);
    }
}

static mmu_request req_of(uint64_t va, mmu_access_type t, uint64_t cycle)
{
    mmu_request r = {va, cycle, 8, 0, (uint8_t)t, MMU_PRIV_USER, 0};
    return r;
}

/* The same access through mmu_access in both (walks, faults: whatever it takes). */
static void both(pair *p, uint64_t va, mmu_access_type t)
{
    p->cycle += 10000000; /* every walk (and page fault) of the access before done by then */
    mmu_request r = req_of(va, t, p->cycle);
    mmu_response a[2], b[2];
    assert_int_equal(mmu_access(p->m[0], &r, a), mmu_access(p->m[1], &r, b));
    assert_int_equal(a[0].paddr, b[0].paddr);
}

/* Every counter of the two MMUs: 1 if all equal. */
static int same(const pair *p)
{
    if (memcmp(mmu_get_stats(p->m[0]), mmu_get_stats(p->m[1]), sizeof(mmu_stats)) != 0)
        return 0;
    for (int c = 0; c < MMU_LAT_CLASSES; c++)
        if (memcmp(mmu_get_latency(p->m[0], (mmu_lat_class)c), mmu_get_latency(p->m[1], (mmu_lat_class)c),
                   sizeof(mmu_hist)) != 0)
            return 0;
    for (uint32_t i = 0; i < mmu_tlb_count(p->m[0]); i++)
        if (memcmp(mmu_tlb_get_stats(mmu_get_tlb(p->m[0], i)), mmu_tlb_get_stats(mmu_get_tlb(p->m[1], i)),
                   sizeof(mmu_tlb_stats)) != 0)
            return 0;
    mmu_ptemem_stats s0, s1;
    mmu_ptemem_get_stats(mmu_get_ptemem(p->m[0]), &s0);
    mmu_ptemem_get_stats(mmu_get_ptemem(p->m[1]), &s1);
    return memcmp(&s0, &s1, sizeof s0) == 0;
}

/*
 * n accesses of page `page` (types in turn from `types`, offsets spread
 * over its lines): MMU 0 through mmu_access, MMU 1 the first through
 * mmu_access and the rest counted (short: that many fewer counted).
 */
static void run(pair *p, uint64_t page, const mmu_access_type *types, unsigned nt, unsigned n, unsigned short_by)
{
    mmu_repeat_info ri;
    mmu_get_repeat_info(p->m[0], &ri);
    unsigned mask = 0;
    for (unsigned i = 0; i < nt; i++)
        mask |= 1u << types[i];
    uint64_t counted[MMU_ACCESS_TYPES] = {0};
    mmu_repeat_slot slot;
    memset(&slot, 0, sizeof slot);
    for (unsigned i = 0; i < n; i++) {
        const mmu_access_type t = types[i % nt];
        const uint64_t va = page + (i * 200) % 4088;
        p->cycle += 3;
        mmu_request r = req_of(va, t, p->cycle);
        mmu_response a[2], b[2];
        const uint64_t before = *ri.tlb_changes;
        assert_int_equal(mmu_access(p->m[0], &r, a), 1);
        if (i >= nt) { /* a level-1 hit that changed no TLB set */
            assert_int_equal(a[0].outcome, MMU_OUT_TLB);
            assert_int_equal(a[0].level, 1);
            assert_int_equal(*ri.tlb_changes, before);
        }
        if (i < nt) {
            /* the first of each type through the model in both */
            assert_int_equal(mmu_access(p->m[1], &r, b), 1);
            assert_int_equal(b[0].paddr, a[0].paddr);
            if (i == nt - 1)
                assert_int_equal(mmu_repeat_ok(p->m[1], &r, mask, &slot), 1);
            continue;
        }
        counted[t]++;
        if (t != MMU_FETCH)
            mmu_access_data(p->m[1], a[0].paddr, t == MMU_WRITE);
    }
    for (unsigned t = 0; t < MMU_ACCESS_TYPES; t++)
        if (counted[t])
            mmu_access_repeat(&slot, t, counted[t] - (counted[t] >= short_by ? short_by : 0));
}

static void test_repeat_data(void **state)
{
    (void)state;
    pair p;
    pair_make(&p);
    /* map and dirty a few pages, and fill the filter with them */
    for (uint64_t pg = 0x10000000; pg < 0x10006000; pg += 0x1000)
        both(&p, pg, MMU_WRITE);
    both(&p, 0x10002000, MMU_READ);
    assert_true(same(&p));
    static const mmu_access_type rw[] = {MMU_READ, MMU_WRITE, MMU_READ};
    run(&p, 0x10005000, rw, 3, 500, 0);
    assert_true(same(&p));
    /* more after a walk elsewhere, a page read once more */
    both(&p, 0x20000000, MMU_READ);
    both(&p, 0x10004000, MMU_READ);
    static const mmu_access_type r1[] = {MMU_READ};
    run(&p, 0x10004000, r1, 1, 300, 0);
    assert_true(same(&p));
    /* and the comparison sees a count off by one */
    run(&p, 0x10004000, r1, 1, 50, 1);
    assert_false(same(&p));
    pair_free(&p);
}

static void test_repeat_fetch(void **state)
{
    (void)state;
    pair p;
    pair_make(&p);
    both(&p, 0x400000, MMU_FETCH);
    both(&p, 0x401000, MMU_FETCH);
    both(&p, 0x400000, MMU_FETCH);
    static const mmu_access_type f[] = {MMU_FETCH};
    run(&p, 0x400000, f, 1, 1000, 0);
    assert_true(same(&p));
    run(&p, 0x401000, f, 1, 10, 2);
    assert_false(same(&p));
    pair_free(&p);
}

/*
 * mmu_access_data's first step made by the caller (mmu_get_data_repeat):
 * MMU 0 makes every data access with mmu_access_data, MMU 1 counts those of
 * the line the first cache level served last itself.  `wrong`: count a
 * write as a read (the comparison must see it).  Returns the accesses
 * counted inline.
 */
static unsigned data_run(pair *p, unsigned n, int wrong)
{
    mmu_data_repeat r;
    mmu_get_data_repeat(p->m[1], &r);
    assert_non_null(r.reads);
    assert_non_null(r.writes);
    unsigned inline_n = 0;
    for (unsigned i = 0; i < n; i++) {
        /* runs on one line, hops between lines of one set and of others, both kinds */
        const uint64_t pa = 0x5000000 + (uint64_t)((i / 7) % 5) * 4096 * 64 + (uint64_t)((i / 3) % 4) * 64 + i % 8;
        const int w = (i % 5) == 2;
        mmu_access_data(p->m[0], pa, w);
        if ((pa >> r.line_shift) == *r.line) {
            ++*(w && !wrong ? r.writes : r.reads);
            inline_n++;
        } else {
            mmu_access_data(p->m[1], pa, w);
        }
    }
    return inline_n;
}

static void test_data_repeat(void **state)
{
    (void)state;
    pair p;
    pair_make(&p);
    assert_true(data_run(&p, 2000, 0) > 100);
    assert_true(same(&p));
    assert_true(data_run(&p, 200, 1) > 0);
    assert_false(same(&p)); /* a write counted as a read */
    pair_free(&p);
    /* without data through the PTE caches: never a line, no counters */
    char msg[256];
    mmu_config c;
    mmu_config_defaults(&c);
    c.ptemem_data = 0;
    mmu *m;
    if (mmu_create(&c, &m, msg, sizeof msg) != MMU_OK)
        fail_msg("mmu_create: %s", msg);
    mmu_data_repeat r;
    mmu_get_data_repeat(m, &r);
    assert_null(r.reads);
    assert_null(r.writes);
    assert_true(r.line_shift < 64 && (UINT64_MAX >> r.line_shift) != *r.line);
    mmu_destroy(m);
}

/* When the filter would not answer, mmu_repeat_ok says so. */
static void test_repeat_refused(void **state)
{
    (void)state;
    pair p;
    pair_make(&p);
    mmu_repeat_slot slot;
    memset(&slot, 0, sizeof slot);
    mmu_request r = req_of(0x30000000, MMU_READ, 10);
    assert_int_equal(mmu_repeat_ok(p.m[0], &r, 0, &slot), 0); /* never translated */
    both(&p, 0x30000000, MMU_READ);
    both(&p, 0x30000000, MMU_READ);
    r = req_of(0x30000010, MMU_READ, p.cycle + 10);
    assert_int_equal(mmu_repeat_ok(p.m[0], &r, 0, &slot), 1);
    /* read only so far: the entry's dirty bit is clear, a write must walk */
    assert_int_equal(mmu_repeat_ok(p.m[0], &r, 1u << MMU_WRITE, &slot), 0);
    /* an invalidation of the page: no more */
    mmu_invalidate(p.m[0], MMU_INVAL_ADDR, 0x30000000, 0);
    assert_int_equal(mmu_repeat_ok(p.m[0], &r, 0, &slot), 0);
    pair_free(&p);
}

/*
 * mmu_repeat_watch across other pages' TLB changes: MMU 0 makes every
 * access with mmu_access; MMU 1 counts an access of a remembered page
 * (mmu_access_repeat, its data with mmu_access_data) while none of the sets
 * its answer rests on changed, and sends every other access to mmu_access,
 * after which it drops the pages whose sets changed (every page after a
 * walk, a fault or a crossing) and remembers a level-1 hit.  A random
 * stream over npages pages a side that share sets (code and data pages,
 * reads and writes).  trust: keep pages across their sets' changes (wrong: the
 * comparison must see it).
 * With hits (the run loop's way, io/replay.c), MMU 1 also: asks
 * mmu_repeat_hit before mmu_access, for a page whose sets changed or one
 * not remembered, and counts the access if it answers (after which, in an
 * LRU array, slot.ordered, the pages on the hit's set stay counted: their
 * seen is brought up to date; else the pages whose sets changed are
 * dropped); and before counting a remembered page whose entry is no longer
 * the newest of its set ((*order & 15) != way), makes the hit's update with
 * mmu_repeat_touch, keeping the pages on that set.  hits 2: without the
 * touches, hits 3: keeping the pages on a set for every policy (both
 * wrong: the comparison must see it; or MMU 0's answer to an access MMU 1
 * counts is not a level-1 hit at the same address: the run stops there,
 * watch_diverged is set).  Returns the accesses counted.
 */
static int watch_diverged;

/* MMU 0 answered an access that MMU 1 counts with a level-1 hit at pa (k, a) */
static int watch_agrees(int k, const mmu_response *a, uint64_t pa, int hits)
{
    if (k == 1 && a[0].outcome == MMU_OUT_TLB && a[0].level == 1 && a[0].paddr == pa)
        return 1;
    if (hits < 2)
        fail_msg("an access counted that MMU 0 answers otherwise (%d translations, outcome %d, level %d)", k,
                 a[0].outcome, a[0].level);
    watch_diverged = 1;
    return 0;
}
#define WATCH_PAGES 4 /* per side */
typedef struct watched {
    uint64_t page, pbase;
    unsigned types, nw;
    int stale; /* (hits) its sets changed: not counted until mmu_repeat_hit answers */
    mmu_repeat_slot slot;
    const uint64_t *gen[4];
    uint64_t seen[4];
} watched;

/* (hits) the pages counted that watch g: still valid after an update of g's set's recency order */
static void watch_reorder(watched w[2][WATCH_PAGES], const uint64_t *g)
{
    for (unsigned q = 0; q < 2 * WATCH_PAGES; q++) {
        watched *z = &w[0][0] + q;
        if (z->types && !z->stale)
            for (unsigned j = 0; j < z->nw; j++)
                if (z->gen[j] == g)
                    z->seen[j] = *g;
    }
}

static unsigned watch_run_hits(pair *p, unsigned n, int trust, uint32_t seed, unsigned npages, int hits)
{
    watched w[2][WATCH_PAGES];
    memset(w, 0, sizeof w);
    unsigned next[2] = {0, 0}, counted = 0, cur[2] = {0, 0};
    mmu_repeat_info ri;
    mmu_get_repeat_info(p->m[1], &ri);
    for (unsigned i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        const unsigned x = seed >> 8;
        const mmu_access_type t = (x & 7) < 3 ? MMU_FETCH : (x & 7) < 6 ? MMU_READ : MMU_WRITE;
        /* per side npages pages, a new one every 32 accesses: code and data pages in the
           same sets of the unified TLB (4 sets of 4 ways: 6 pages a side fit, 10 do not) */
        if ((seed & 0x1f) == 0) /* (the low bits: new every 32 accesses, in a cycle of 32) */
            cur[t == MMU_FETCH] = (x >> 4) % npages;
        const uint64_t page = (t == MMU_FETCH ? 0x400000 : 0x10000000) + (uint64_t)cur[t == MMU_FETCH] * 0x1000;
        const uint64_t va = page + ((x >> 12) % 4000);
        p->cycle += 1 + (x >> 20) % 3;
        mmu_request r = req_of(va, t, p->cycle);
        r.size = 1 + (x >> 24) % 8;
        mmu_response a[2], b[2];
        const int k = mmu_access(p->m[0], &r, a);
        const unsigned s = t == MMU_FETCH;
        watched *hit = NULL;
        for (unsigned j = 0; j < WATCH_PAGES; j++) {
            watched *q = &w[s][j];
            if (q->types && !q->stale && q->page == (va & ~UINT64_C(0xfff)) && ((q->types >> t) & 1) &&
                ((va + r.size - 1) & ~UINT64_C(0xfff)) == q->page)
                hit = q;
        }
        unsigned stale = 0;
        if (hit)
            for (unsigned j = 0; j < hit->nw; j++)
                stale |= *hit->gen[j] != hit->seen[j];
        if (stale && !trust)
            hit = NULL;
        if (hit && hits && (*hit->slot.order & 15) != hit->slot.way) {
            assert_true(hit->slot.ordered);
            if (hits != 2)
                watch_reorder(w, mmu_repeat_touch(p->m[1], &hit->slot));
        }
        const uint64_t tc = *ri.tlb_changes;
        if (!hit && hits) {
            /* mmu_repeat_hit: a page remembered (whose sets changed, or not for this type) or not */
            watched *z = NULL;
            for (unsigned j = 0; j < WATCH_PAGES; j++)
                if (w[s][j].types && w[s][j].page == (va & ~UINT64_C(0xfff)))
                    z = &w[s][j];
            unsigned types = z ? z->types : 0;
            mmu_repeat_slot sl;
            const uint64_t *gen[4];
            uint64_t seen[4], pa;
            unsigned nw = mmu_repeat_hit(p->m[1], &r, types, &sl, gen, seen, 4, &pa);
            if (!nw && types)
                nw = mmu_repeat_hit(p->m[1], &r, types = 0, &sl, gen, seen, 4, &pa);
            if (nw) {
                if (!watch_agrees(k, a, pa, hits))
                    return counted;
                if (!z) {
                    z = &w[s][next[s]];
                    next[s] = (next[s] + 1) % WATCH_PAGES;
                }
                z->slot = sl;
                z->nw = nw;
                memcpy(z->gen, gen, sizeof gen);
                memcpy(z->seen, seen, sizeof seen);
                z->types = types | 1u << t;
                z->stale = 0;
                z->page = va & ~UINT64_C(0xfff);
                z->pbase = pa & ~UINT64_C(0xfff);
                if (*ri.tlb_changes != tc) {
                    if (sl.ordered || hits == 3) {
                        watch_reorder(w, sl.gen);
                    } else {
                        for (unsigned q = 0; q < 2 * WATCH_PAGES; q++) {
                            watched *y = &w[0][0] + q;
                            for (unsigned j = 0; j < y->nw; j++)
                                if (*y->gen[j] != y->seen[j])
                                    y->stale = 1;
                        }
                    }
                }
                hit = z;
            }
        }
        if (hit) {
            if (hits && !watch_agrees(k, a, hit->pbase + (va & 0xfff), hits))
                return counted;
            if (!hits)
                assert_int_equal(k, 1);
            mmu_access_repeat(&hit->slot, t, 1);
            if (t != MMU_FETCH)
                mmu_access_data(p->m[1], hit->pbase + (va & 0xfff), t == MMU_WRITE);
            counted++;
            continue;
        }
        assert_int_equal(mmu_access(p->m[1], &r, b), k);
        assert_int_equal(b[0].paddr, a[0].paddr);
        if (k != 1 || b[0].outcome != MMU_OUT_TLB || b[0].fault != MMU_FAULT_NONE || b[0].page_faults) {
            memset(w, 0, sizeof w); /* a walk, a fault or a crossing */
            continue;
        }
        if (*ri.tlb_changes != tc && !trust)
            for (unsigned q = 0; q < 2 * WATCH_PAGES; q++) {
                watched *z = &w[0][0] + q;
                for (unsigned j = 0; j < z->nw; j++)
                    if (*z->gen[j] != z->seen[j]) {
                        z->types = hits ? z->types : 0;
                        z->stale = 1;
                    }
            }
        if (b[0].level != 1)
            continue;
        watched *z = NULL;
        for (unsigned j = 0; j < WATCH_PAGES; j++)
            if (w[s][j].types && w[s][j].page == (va & ~UINT64_C(0xfff)))
                z = &w[s][j];
        if (!z) {
            z = &w[s][next[s]];
            next[s] = (next[s] + 1) % WATCH_PAGES;
            z->types = 0;
        }
        unsigned types = z->types;
        z->nw = mmu_repeat_watch(p->m[1], &r, types, &z->slot, z->gen, z->seen, 4);
        if (!z->nw && types)
            z->nw = mmu_repeat_watch(p->m[1], &r, types = 0, &z->slot, z->gen, z->seen, 4);
        z->types = z->nw ? types | 1u << t : 0;
        z->stale = 0;
        z->page = va & ~UINT64_C(0xfff);
        z->pbase = b[0].paddr & ~UINT64_C(0xfff);
    }
    return counted;
}

static unsigned watch_run(pair *p, unsigned n, int trust, uint32_t seed, unsigned npages)
{
    return watch_run_hits(p, n, trust, seed, npages, 0);
}

/* watch_run_hits (hits) on a fresh pair for every policy, 6 and 10 pages a side: the counts must
   agree; check then judges the accesses counted. */
static void every_policy(int hits, void (*check)(const char *policy, unsigned np, unsigned counted, unsigned seed))
{
    static const char *const policies[] = {"lru", "fifo", "plru", "nru", "srrip", "random"};
    pair p;
    for (unsigned i = 0; i < sizeof policies / sizeof policies[0]; i++) {
        for (unsigned np = 6; np <= 10; np += 4) {
            pair_make_with(&p, policies[i]);
            const unsigned counted = watch_run_hits(&p, 60000, 0, 7 + i, np, hits);
            if (!same(&p))
                fail_msg("policy %s, %u pages: the counts differ", policies[i], np);
            pair_free(&p);
            check(policies[i], np, counted, 7 + i);
        }
    }
}

static void many_counted(const char *policy, unsigned np, unsigned counted, unsigned seed)
{
    (void)seed;
    if (counted < 5000) /* (the stream repeats pages: many are counted) */
        fail_msg("policy %s, %u pages: %u of 60000 counted", policy, np, counted);
}

static void test_repeat_watch(void **state)
{
    (void)state;
    pair p;
    every_policy(0, many_counted);
    /* the default configuration (two data arrays: a page's answer rests on two sets) */
    pair_make(&p);
    assert_true(watch_run(&p, 60000, 0, 3, 10) > 5000);
    assert_true(same(&p));
    pair_free(&p);
    /* trusting a page after its sets changed: the comparison sees it */
    pair_make_with(&p, "lru");
    (void)watch_run(&p, 60000, 1, 7, 10);
    assert_false(same(&p));
    pair_free(&p);
}

static void more_than_watch(const char *policy, unsigned np, unsigned counted, unsigned seed)
{
    pair p;
    pair_make_with(&p, policy);
    const unsigned plain = watch_run(&p, 60000, 0, seed, np);
    pair_free(&p);
    if (counted <= plain) /* (more are counted than with mmu_repeat_watch alone) */
        fail_msg("policy %s, %u pages: %u counted, %u without hits", policy, np, counted, plain);
}

/* mmu_repeat_hit and mmu_repeat_touch, as the run loop uses them (watch_run_hits). */
static void test_repeat_hit(void **state)
{
    (void)state;
    pair p;
    every_policy(1, more_than_watch);
    pair_make(&p);
    assert_true(watch_run_hits(&p, 60000, 0, 3, 10, 1) > 5000);
    assert_true(same(&p));
    pair_free(&p);
    /* without the touches (LRU), keeping the pages on a set for every policy (PLRU): both seen */
    for (int h = 2; h <= 3; h++) {
        pair_make_with(&p, h == 2 ? "lru" : "plru");
        watch_diverged = 0;
        (void)watch_run_hits(&p, 60000, 0, 7, 10, h);
        assert_true(watch_diverged || !same(&p));
        pair_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repeat_data),
        cmocka_unit_test(test_repeat_fetch),
        cmocka_unit_test(test_repeat_refused),
        cmocka_unit_test(test_data_repeat),
        cmocka_unit_test(test_repeat_watch),
        cmocka_unit_test(test_repeat_hit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
