/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_radix.c - the MMU in radix mode: walks of real x86-64 page tables
 * through the memory port, priced by the PTE memory model; reference counts
 * with and without paging-structure-cache hits; the walker pool (N
 * simultaneous misses with W walkers complete in ceil(N/W) walk times,
 * misses to one page make one walk, throughput bound); the fault handler;
 * permission faults on TLB hits; dirty re-walks; splintering; the debug
 * translation's lack of side effects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/mmusim.h"

static const mmu_pt_format *fmt;
static mmu_sparse_mem *mem;
static uint64_t next_frame;

/* A table frame for level `level`, zeroed (the sparse memory reads 0). */
static uint64_t new_table(void)
{
    uint64_t pa = next_frame;
    next_frame += 4096;
    return pa;
}

/*
 * Map va -> pa with a leaf at `leaf_level` (0: 4K, 1: 2M, 2: 1G), creating
 * tables as needed; flags are MMU_PTE_* of the leaf (VALID|LEAF added).
 * Table entries get every permission and A set, so walks make no A writes there.
 */
static void map(uint64_t root, uint64_t va, uint64_t pa, unsigned leaf_level, uint32_t flags)
{
    uint64_t table = root;
    for (int l = fmt->levels - 1; l > (int)leaf_level; l--) {
        uint64_t slot = table + mmu_pt_index(fmt, (unsigned)l, va) * 8;
        mmu_pte pte;
        assert_int_equal(mmu_pte_decode(fmt, (unsigned)l, mmu_sparse_mem_read64(mem, slot), &pte), MMU_OK);
        if (!(pte.flags & MMU_PTE_VALID)) {
            memset(&pte, 0, sizeof pte);
            pte.paddr = new_table();
            pte.flags = MMU_PTE_VALID | MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_USER | MMU_PTE_EXEC |
                        MMU_PTE_ACCESSED;
            uint64_t raw;
            assert_int_equal(mmu_pte_encode(fmt, (unsigned)l, &pte, &raw), MMU_OK);
            assert_int_equal(mmu_sparse_mem_write64(mem, slot, raw), MMU_OK);
        }
        table = pte.paddr;
    }
    mmu_pte leaf = {pa, 0, 0, flags | MMU_PTE_VALID | MMU_PTE_LEAF};
    uint64_t raw;
    assert_int_equal(mmu_pte_encode(fmt, leaf_level, &leaf, &raw), MMU_OK);
    assert_int_equal(mmu_sparse_mem_write64(mem, table + mmu_pt_index(fmt, leaf_level, va) * 8, raw),
                     MMU_OK);
}

#define RW (MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_USER | MMU_PTE_EXEC | MMU_PTE_ACCESSED | MMU_PTE_DIRTY)

static mmu_config base_config(void)
{
    mmu_config c;
    char msg[256];
    mmu_config_defaults(&c);
    const char *sets[][2] = {
        {"walker.mode", "radix"},     {"walker.format", "x86_64"}, {"ptemem.mode", "fixed"},
        {"ptemem.fixed_latency", "30"}, {"walker.count", "2"},
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        assert_int_equal(mmu_config_set(&c, sets[i][0], sets[i][1], msg, sizeof msg), MMU_OK);
    return c;
}

static mmu *make(const mmu_config *c, uint64_t *root)
{
    char msg[256];
    mmu *m;
    if (mmu_create(c, &m, msg, sizeof msg) != MMU_OK)
        fail_msg("mmu_create: %s", msg);
    mmu_sparse_mem_clear(mem);
    next_frame = 0x100000;
    *root = new_table();
    mmu_mem_port port = mmu_sparse_mem_port(mem);
    mmu_set_memory(m, &port);
    assert_int_equal(mmu_set_root(m, 0, *root), MMU_OK);
    return m;
}

static mmu_response tr(mmu *m, uint64_t va, mmu_access_type t, uint64_t cycle)
{
    mmu_request r = {va, cycle, 8, 0, (uint8_t)t, MMU_PRIV_USER, 0};
    mmu_response resp;
    (void)mmu_translate(m, &r, &resp);
    return resp;
}

static int setup(void **state)
{
    (void)state;
    fmt = mmu_pt_format_find("x86_64");
    return mmu_sparse_mem_create(0, &mem) == MMU_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mmu_sparse_mem_destroy(mem);
    return 0;
}

static void test_walk_references_and_latency(void **state)
{
    (void)state;
    mmu_config c = base_config();
    uint64_t root;
    mmu *m = make(&c, &root);
    map(root, 0x400000, 0x7000000, 0, RW);
    map(root, 0x401000, 0x7001000, 0, RW);
    mmu_response r = tr(m, 0x400123, MMU_READ, 1000);
    assert_int_equal(r.fault, MMU_FAULT_NONE);
    assert_int_equal(r.outcome, MMU_OUT_WALK);
    assert_int_equal(r.paddr, 0x7000123);
    assert_int_equal(r.walk_refs, 4); /* cold: 4 reads, A and D preset: no write */
    /* TLB levels 1 + 7, PWC lookup 1, 4 references x 30 */
    assert_int_equal(r.latency, 1 + 7 + 1 + 4 * 30);
    assert_int_equal(r.pwc_level, -1);
    /* the next page: the PDE cache gives the page table: 1 reference */
    r = tr(m, 0x401008, MMU_READ, 2000);
    assert_int_equal(r.walk_refs, 1);
    assert_int_equal(r.pwc_level, 1);
    assert_int_equal(r.latency, 1 + 7 + 1 + 30);
    assert_int_equal(r.paddr, 0x7001008);
    r = tr(m, 0x401010, MMU_READ, 3000);
    assert_int_equal(r.outcome, MMU_OUT_TLB);
    const mmu_stats *s = mmu_get_stats(m);
    assert_int_equal(s->walks, 2);
    assert_int_equal(s->pte_reads, 5);
    assert_int_equal(s->walk_refs[4], 1);
    assert_int_equal(s->walk_refs[1], 1);
    mmu_destroy(m);
}

static void test_ad_updates_and_dirty_rewalk(void **state)
{
    (void)state;
    mmu_config c = base_config();
    uint64_t root;
    mmu *m = make(&c, &root);
    map(root, 0x500000, 0x9000000, 0, MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_USER); /* A, D clear */
    mmu_response r = tr(m, 0x500000, MMU_READ, 0);
    assert_int_equal(r.walk_refs, 5); /* 4 reads + the write that sets A */
    assert_int_equal(mmu_get_stats(m)->ad_writes, 1);
    r = tr(m, 0x500008, MMU_READ, 1000);
    assert_int_equal(r.outcome, MMU_OUT_TLB);
    /* a write hits an entry cached with D clear: walk again to set D */
    r = tr(m, 0x500010, MMU_WRITE, 2000);
    assert_int_equal(r.outcome, MMU_OUT_WALK);
    assert_int_equal(mmu_get_stats(m)->dirty_rewalks, 1);
    assert_int_equal(mmu_get_stats(m)->ad_writes, 2);
    r = tr(m, 0x500018, MMU_WRITE, 3000);
    assert_int_equal(r.outcome, MMU_OUT_TLB);
    mmu_destroy(m);
}

static void test_walker_pool_ceil_n_over_w(void **state)
{
    (void)state;
    for (uint32_t w = 1; w <= 4; w++) {
        for (uint32_t n = 1; n <= 9; n++) {
            mmu_config c = base_config();
            c.walker.count = w;
            c.pwc.level[1].entries = c.pwc.level[2].entries = c.pwc.level[3].entries = 0;
            c.pwc.level[1].ways = c.pwc.level[2].ways = c.pwc.level[3].ways = 0;
            uint64_t root;
            mmu *m = make(&c, &root);
            for (uint32_t i = 0; i < n; i++) /* distinct 1G regions: no shared table below the root */
                map(root, (uint64_t)(i + 1) << 30, 0x40000000ULL + i * 4096, 0, RW);
            uint64_t walk = 4 * 30, tlb = 8;
            uint64_t last = 0;
            for (uint32_t i = 0; i < n; i++) {
                mmu_response r = tr(m, (uint64_t)(i + 1) << 30, MMU_READ, 100);
                /* the i-th miss gets a walker after i / w walks */
                assert_int_equal(r.done_cycle, 100 + tlb + (i / w + 1) * walk);
                if (r.done_cycle > last)
                    last = r.done_cycle;
            }
            assert_int_equal(last - 100 - tlb, ((n + w - 1) / w) * walk);
            mmu_destroy(m);
        }
    }
}

static void test_same_page_misses_make_one_walk(void **state)
{
    (void)state;
    mmu_config c = base_config();
    uint64_t root;
    mmu *m = make(&c, &root);
    map(root, 0x600000, 0xA000000, 0, RW);
    mmu_response a = tr(m, 0x600000, MMU_READ, 100);
    mmu_response b = tr(m, 0x600040, MMU_READ, 101); /* while a's walk is in flight */
    mmu_response d = tr(m, 0x600080, MMU_READ, 102);
    assert_int_equal(mmu_get_stats(m)->walks, 1);
    assert_int_equal(mmu_get_stats(m)->walks_merged, 2);
    assert_int_equal(b.done_cycle, a.done_cycle);
    assert_int_equal(d.done_cycle, a.done_cycle);
    /* after it completes: a plain hit */
    mmu_response e = tr(m, 0x6000C0, MMU_READ, a.done_cycle + 1);
    assert_int_equal(e.latency, 1);
    mmu_destroy(m);
}

static void test_throughput_bound(void **state)
{
    (void)state;
    mmu_config c = base_config();
    c.walker.count = 3;
    uint64_t root;
    mmu *m = make(&c, &root);
    for (uint64_t i = 0; i < 2000; i++)
        map(root, (i * 977 % 4000) << 21, i << 12, 0, RW);
    uint64_t first = UINT64_MAX, last = 0;
    for (uint64_t i = 0; i < 2000; i++) {
        mmu_response r = tr(m, (i * 977 % 4000) << 21, MMU_READ, i * 3);
        assert_int_equal(r.fault, MMU_FAULT_NONE);
        if (i * 3 < first)
            first = i * 3;
        if (r.done_cycle > last)
            last = r.done_cycle;
    }
    const mmu_stats *s = mmu_get_stats(m);
    double mean = (double)s->walk_cycles / (double)s->walks;
    double throughput = (double)s->walks / (double)(last - first);
    assert_true(throughput <= 3.0 / mean + 1e-9);
    assert_true(s->walk_queue_cycles > 0); /* one walk every 3 cycles is more than 3 walkers keep up with */
    mmu_destroy(m);
}

static int fault_calls;
static int handler_fault(void *ctx, const mmu_request *req, const mmu_walk_result *w, uint64_t *cycles)
{
    uint64_t root = *(uint64_t *)ctx;
    fault_calls++;
    if (w->fault != MMU_FAULT_NOT_PRESENT)
        return 0;
    map(root, req->vaddr & ~0xFFFULL, 0x20000000ULL + (req->vaddr & ~0xFFFULL), 0, RW);
    *cycles = 5000;
    return 1;
}

static void test_fault_handler(void **state)
{
    (void)state;
    mmu_config c = base_config();
    uint64_t root;
    mmu *m = make(&c, &root);
    mmu_fault_handler h = {&root, NULL, handler_fault};
    mmu_set_fault_handler(m, &h);
    fault_calls = 0;
    mmu_response r = tr(m, 0x12345678, MMU_WRITE, 0);
    assert_int_equal(r.fault, MMU_FAULT_NONE);
    assert_int_equal(r.paddr, 0x20000000ULL + 0x12345678);
    assert_int_equal(fault_calls, 1);
    const mmu_stats *s = mmu_get_stats(m);
    assert_int_equal(s->page_faults, 1);
    assert_int_equal(s->walk_faults[MMU_FAULT_NOT_PRESENT], 1);
    assert_int_equal(s->walks, 2);
    assert_true(r.latency > 5000);
    assert_int_equal(mmu_get_latency(m, MMU_LAT_FAULT)->count, 1);
    /* a protection fault the handler does not resolve reaches the requester */
    map(root, 0x700000, 0x8000000, 0, MMU_PTE_READ | MMU_PTE_USER | MMU_PTE_ACCESSED);
    r = tr(m, 0x700000, MMU_WRITE, 10000);
    assert_int_equal(r.fault, MMU_FAULT_WRITE_RO);
    assert_int_equal(r.outcome, MMU_OUT_FAULT);
    assert_int_equal(r.fault_level, 0);
    assert_int_equal(s->faults[MMU_FAULT_WRITE_RO], 1);
    /* the read fills the TLB; a write then faults on the TLB entry, without a walk */
    r = tr(m, 0x700000, MMU_READ, 20000);
    assert_int_equal(r.fault, MMU_FAULT_NONE);
    uint64_t walks = s->walks;
    r = tr(m, 0x700008, MMU_WRITE, 30000);
    assert_int_equal(r.fault, MMU_FAULT_WRITE_RO);
    assert_int_equal(s->walks, walks);
    /* a supervisor page refuses user access */
    map(root, 0x800000, 0x8001000, 0, MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_ACCESSED | MMU_PTE_DIRTY);
    r = tr(m, 0x800000, MMU_READ, 40000);
    assert_int_equal(r.fault, MMU_FAULT_USER_SUPER);
    mmu_destroy(m);
}

static void test_splinter_1g_into_2m(void **state)
{
    (void)state;
    mmu_config c = base_config();
    uint64_t root;
    mmu *m = make(&c, &root);
    map(root, 0x40000000, 0x80000000, 2, RW); /* a 1G page; no TLB array holds 1G */
    mmu_response r = tr(m, 0x40345678, MMU_READ, 0);
    assert_int_equal(r.page_size, MMU_PS_1G);
    assert_int_equal(r.paddr, 0x80345678);
    r = tr(m, 0x40345FF0, MMU_READ, 1000); /* same 2M piece: a TLB hit */
    assert_int_equal(r.outcome, MMU_OUT_TLB);
    assert_int_equal(r.page_size, MMU_PS_2M);
    assert_int_equal(r.paddr, 0x80345FF0);
    r = tr(m, 0x40745678, MMU_READ, 2000); /* another 2M piece: walks */
    assert_int_equal(r.outcome, MMU_OUT_WALK);
    mmu_destroy(m);
}

static void test_debug_translate_no_side_effects(void **state)
{
    (void)state;
    mmu_config c = base_config();
    uint64_t root;
    mmu *m = make(&c, &root);
    map(root, 0x900000, 0xB000000, 0, MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_USER);
    mmu_request q = {0x900010, 0, 8, 0, MMU_WRITE, MMU_PRIV_USER, 0};
    mmu_response r;
    assert_int_equal(mmu_translate_debug(m, &q, &r), MMU_OK);
    assert_int_equal(r.paddr, 0xB000010);
    const mmu_stats *s = mmu_get_stats(m);
    assert_int_equal(s->requests, 0);
    assert_int_equal(s->walks, 0);
    for (uint32_t i = 0; i < mmu_tlb_count(m); i++)
        assert_int_equal(mmu_tlb_occupancy(mmu_get_tlb(m, i)), 0);
    /* the PTE's A and D bits are still clear */
    uint64_t walker_reads = mmu_get_stats(m)->pte_reads;
    assert_int_equal(walker_reads, 0);
    mmu_response w = tr(m, 0x900010, MMU_WRITE, 0);
    assert_int_equal(w.walk_refs, 5); /* 4 reads + 1 write: the debug walk set nothing */
    q.vaddr = 0xDEAD0000;
    assert_int_equal(mmu_translate_debug(m, &q, &r), MMU_EFAULT);
    assert_int_equal(r.fault, MMU_FAULT_NOT_PRESENT);
    mmu_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_references_and_latency),
        cmocka_unit_test(test_ad_updates_and_dirty_rewalk),
        cmocka_unit_test(test_walker_pool_ceil_n_over_w),
        cmocka_unit_test(test_same_page_misses_make_one_walk),
        cmocka_unit_test(test_throughput_bound),
        cmocka_unit_test(test_fault_handler),
        cmocka_unit_test(test_splinter_1g_into_2m),
        cmocka_unit_test(test_debug_translate_no_side_effects),
    };
    return cmocka_run_group_tests_name("radix", tests, setup, teardown);
}
