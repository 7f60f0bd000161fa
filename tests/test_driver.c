/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_driver.c - the issue rule of a core replaying accesses (driver.h):
 * the interval, the outstanding limit (the K+1th access waits for the
 * oldest), the page-fault stall, accesses with their own cycles, the rule
 * alone in ticks, and its keys in [core].
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/mmusim.h"

/* One unified fully associative TLB of `lat` cycles in front of the fixed miss handler. */
static mmu *fixed_mmu(uint32_t lat, uint32_t miss)
{
    mmu_config c;
    char msg[256];
    mmu_config_defaults(&c);
    c.walker.mode = MMU_WALKER_FIXED;
    c.walker.latency = miss;
    assert_int_equal(mmu_config_set(&c, "tlb.arrays", "u", msg, sizeof msg), MMU_OK);
    c.tlb[0].entries = c.tlb[0].ways = 64;
    c.tlb[0].latency = lat;
    mmu *m = NULL;
    if (mmu_create(&c, &m, msg, sizeof msg) != MMU_OK)
        fail_msg("mmu_create: %s", msg);
    return m;
}

static mmu_driver *driver(mmu *m, uint32_t interval, uint32_t k)
{
    mmu_core_config core = {interval, k};
    mmu_driver *d = NULL;
    char msg[256];
    if (mmu_driver_create(m, &core, &d, msg, sizeof msg) != MMU_OK)
        fail_msg("mmu_driver_create: %s", msg);
    return d;
}

/* Issue one read of vaddr (no cycle of its own unless own); returns the last response. */
static mmu_response issue(mmu_driver *d, uint64_t vaddr, int own, uint64_t cycle, uint64_t *issued)
{
    mmu_request req = {vaddr, cycle, 1, 0, MMU_READ, MMU_PRIV_USER, 0};
    mmu_response resp[2];
    int k = mmu_driver_access(d, &req, own, resp);
    assert_true(k == 1 || k == 2);
    if (issued)
        *issued = req.cycle;
    return resp[k - 1];
}

/* N accesses at interval I that all hit take exactly N*I cycles (the hit latency being I). */
static void test_interval(void **state)
{
    (void)state;
    const uint32_t I = 3, N = 1000;
    mmu *m = fixed_mmu(I, 30);
    /* the page is in the TLB before the stream starts */
    mmu_request warm = {0x5000, 0, 1, 0, MMU_READ, MMU_PRIV_USER, 0};
    mmu_response wr[2];
    (void)mmu_access(m, &warm, wr);
    mmu_clear_stats(m);
    mmu_driver *d = driver(m, I, 64);
    uint64_t first = 0, last_done = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint64_t at;
        mmu_response r = issue(d, 0x5000 + 8 * (i % 64), 0, 0, &at);
        assert_int_equal(r.outcome, MMU_OUT_TLB);
        assert_int_equal(at, (uint64_t)i * I);
        if (i == 0)
            first = at;
        last_done = r.done_cycle;
    }
    assert_int_equal(last_done - first, (uint64_t)N * I);
    assert_int_equal(mmu_get_stats(m)->level[0].misses, 0);
    mmu_driver_destroy(d);
    mmu_destroy(m);
}

/* With max_outstanding = K and no interval, the K+1th access waits for the oldest (the first). */
static void test_outstanding_oldest(void **state)
{
    (void)state;
    const uint32_t K = 4;
    mmu *m = fixed_mmu(1, 100);
    mmu_driver *d = driver(m, 0, K);
    uint64_t at[2 * K + 1];
    mmu_response r[2 * K + 1];
    /* the first misses (101 cycles), the next K-1 hit the page it filled (1 cycle) */
    for (uint32_t i = 0; i < K; i++) {
        r[i] = issue(d, 0x9000, 0, 0, &at[i]);
        assert_int_equal(at[i], 0);
    }
    assert_int_equal(r[0].done_cycle, 101);
    assert_int_equal(r[1].done_cycle, 1);
    /* the K+1th: every place is taken; it waits for the oldest, not the first to finish */
    r[K] = issue(d, 0x9000, 0, 0, &at[K]);
    assert_int_equal(at[K], r[0].done_cycle);
    /* and the K+2th for the second, already complete: at once (no interval) */
    r[K + 1] = issue(d, 0x9000, 0, 0, &at[K + 1]);
    assert_int_equal(at[K + 1], at[K]);
    mmu_driver_destroy(d);

    /* K = 1: each access waits for the previous one */
    d = driver(m, 0, 1);
    uint64_t a0, a1, a2;
    mmu_response x = issue(d, 0x20000, 0, 0, &a0);
    mmu_response y = issue(d, 0x21000, 0, 0, &a1);
    (void)issue(d, 0x22000, 0, 0, &a2);
    assert_int_equal(a1, x.done_cycle);
    assert_int_equal(a2, y.done_cycle);
    assert_true(a1 > a0);
    mmu_driver_destroy(d);
    mmu_destroy(m);
}

/* The radix walker with the OS model: a first touch is a page fault. */
static mmu *radix_mmu(mmu_os **os)
{
    mmu_config c;
    char msg[256];
    mmu_config_defaults(&c);
    mmu *m = NULL;
    if (mmu_create(&c, &m, msg, sizeof msg) != MMU_OK || mmu_os_create_from_config(&c, os, msg, sizeof msg) != MMU_OK)
        fail_msg("create: %s", msg);
    assert_int_equal(mmu_attach_os(m, *os), MMU_OK);
    return m;
}

/* A page fault stalls the stream: the next access issues when the fault's access completes. */
static void test_fault_stall(void **state)
{
    (void)state;
    mmu_os *os;
    mmu *m = radix_mmu(&os);
    mmu_driver *d = driver(m, 2, 64);
    uint64_t a0, a1, a2, a3;
    mmu_request req = {0x400000, 0, 8, 0, MMU_READ, MMU_PRIV_USER, 0};
    mmu_response resp[2];
    int k = mmu_driver_access(d, &req, 0, resp);
    a0 = req.cycle;
    assert_int_equal(a0, 0);
    assert_true(resp[k - 1].page_faults > 0);
    const uint64_t fault_latency = resp[k - 1].latency;
    assert_true(fault_latency > 100); /* trap, handler, return, the walk again */
    /* the next access (a hit on the same page) is held back by the fault's whole latency */
    mmu_response r1 = issue(d, 0x400008, 0, 0, &a1);
    assert_int_equal(a1, a0 + fault_latency);
    assert_int_equal(r1.page_faults, 0);
    /* and then the interval again */
    (void)issue(d, 0x400010, 0, 0, &a2);
    assert_int_equal(a2, a1 + 2);
    /* an access that carries its own cycle is not held back by a fault before it */
    mmu_response r3 = issue(d, 0x800000, 1, a2 + 1, &a3); /* a new page: faults */
    assert_int_equal(a3, a2 + 1);
    assert_true(r3.page_faults > 0);
    uint64_t a4;
    (void)issue(d, 0x800000, 1, a3 + 1, &a4);
    assert_int_equal(a4, a3 + 1);
    /* nor does its fault stall the accesses without cycles after it: they follow the interval */
    uint64_t a5;
    (void)issue(d, 0x800008, 0, 0, &a5);
    assert_int_equal(a5, a4 + 2);
    mmu_driver_destroy(d);
    mmu_destroy(m);
    mmu_os_destroy(os);
}

/* Accesses with their own cycles are issued at them, whatever the interval and the limit. */
static void test_own_cycles(void **state)
{
    (void)state;
    mmu *m = fixed_mmu(1, 500);
    mmu_driver *d = driver(m, 100, 1);
    for (uint64_t i = 0; i < 50; i++) {
        uint64_t at;
        mmu_response r = issue(d, 0x100000 + 0x1000 * i, 1, 3 * i, &at); /* every one misses: 501 cycles */
        assert_int_equal(at, 3 * i);
        assert_int_equal(r.done_cycle, 3 * i + 501);
    }
    /* an access without a cycle after them waits for the last (limit 1; the interval ends sooner) */
    uint64_t at;
    (void)issue(d, 0x100000, 0, 0, &at);
    assert_int_equal(at, 3 * 49 + 501);
    /* reset: a new stream starts at cycle 0 */
    mmu_driver_reset(d);
    (void)issue(d, 0x100000, 0, 0, &at);
    assert_int_equal(at, 0);
    mmu_driver_destroy(d);
    mmu_destroy(m);
}

/* The rule alone (no MMU), in ticks of 333 to a cycle, as a SystemC initiator uses it. */
static void test_rule_alone(void **state)
{
    (void)state;
    mmu_core_config core = {4, 2};
    mmu_driver *d = NULL;
    assert_int_equal(mmu_driver_create(NULL, &core, &d, NULL, 0), MMU_OK);
    mmu_driver_set_ticks_per_cycle(d, 333);
    assert_int_equal(mmu_driver_next_issue(d, 0, 0), 0);
    mmu_driver_record(d, 0, 0, 10000, 0);
    assert_int_equal(mmu_driver_next_issue(d, 0, 0), 4 * 333);
    mmu_driver_record(d, 0, 4 * 333, 1500, 0);
    /* two in flight: the third waits for the first (10000) */
    assert_int_equal(mmu_driver_next_issue(d, 0, 0), 10000);
    assert_int_equal(mmu_driver_next_issue(d, 1, 7), 7);
    mmu_driver_record(d, 0, 10000, 10100, 0);
    /* the fourth waits for the second (1500, done): the interval rules */
    assert_int_equal(mmu_driver_next_issue(d, 0, 0), 10000 + 4 * 333);
    /* a fault finishing before the interval ends does not let the next issue sooner */
    mmu_driver_record(d, 0, 11332, 11400, 1);
    assert_int_equal(mmu_driver_next_issue(d, 0, 0), 11332 + 4 * 333);
    mmu_driver_record(d, 0, 12664, 50000, 1);
    assert_int_equal(mmu_driver_next_issue(d, 0, 0), 50000);
    mmu_driver_destroy(d);
    assert_int_equal(mmu_driver_create(NULL, NULL, &d, NULL, 0), MMU_EINVAL);
    core.max_outstanding = 0;
    char msg[256];
    assert_int_equal(mmu_driver_create(NULL, &core, &d, msg, sizeof msg), MMU_ECONFIG);
    assert_non_null(strstr(msg, "core.max_outstanding"));
}

/* [core] holds the keys; the old [mmu] names are refused with the new name. */
static void test_config_keys(void **state)
{
    (void)state;
    mmu_config c;
    char msg[256];
    mmu_config_defaults(&c);
    assert_int_equal(c.core.issue_interval, 1);
    assert_int_equal(c.core.max_outstanding, 64);
    assert_int_equal(mmu_config_set(&c, "core.issue_interval", "7", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "core.max_outstanding", "3", msg, sizeof msg), MMU_OK);
    assert_int_equal(c.core.issue_interval, 7);
    assert_int_equal(c.core.max_outstanding, 3);
    assert_int_equal(mmu_config_set(&c, "core.max_outstanding", "0", msg, sizeof msg), MMU_ERANGE);
    assert_int_equal(mmu_config_set(&c, "mmu.issue_interval", "2", msg, sizeof msg), MMU_EUNKNOWN);
    assert_non_null(strstr(msg, "mmu.issue_interval is now core.issue_interval"));
    assert_int_equal(mmu_config_set2(&c, "mmu", "max_outstanding", "2", msg, sizeof msg), MMU_EUNKNOWN);
    assert_non_null(strstr(msg, "mmu.max_outstanding is now core.max_outstanding"));
    assert_true(mmu_config_has_section(&c, "core"));
    c.core.max_outstanding = 5000;
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_ECONFIG);
    assert_non_null(strstr(msg, "core.max_outstanding"));
    /* an MMU's driver follows its configuration */
    c.core.max_outstanding = 1;
    c.core.issue_interval = 9;
    c.walker.mode = MMU_WALKER_FIXED;
    mmu *m = NULL;
    assert_int_equal(mmu_create(&c, &m, msg, sizeof msg), MMU_OK);
    mmu_driver *d = NULL;
    assert_int_equal(mmu_driver_create(m, NULL, &d, msg, sizeof msg), MMU_OK);
    uint64_t a0, a1;
    mmu_response r = issue(d, 0x1000, 0, 0, &a0); /* a miss: longer than the interval */
    (void)issue(d, 0x1000, 0, 0, &a1);
    assert_true(r.done_cycle > 9);
    assert_int_equal(a1, r.done_cycle);
    mmu_driver_destroy(d);
    mmu_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interval),
        cmocka_unit_test(test_outstanding_oldest),
        cmocka_unit_test(test_fault_stall),
        cmocka_unit_test(test_own_cycles),
        cmocka_unit_test(test_rule_alone),
        cmocka_unit_test(test_config_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
