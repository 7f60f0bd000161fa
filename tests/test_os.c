/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_os.c - the OS model (include/mmusim/os.h), driven the way the MMU
 * drives it: walk the page table through the OS's port; on a fault call
 * mmu_os_handle_fault; walk again.  Exact fault counts for demand paging,
 * a hand-worked clock sequence, write-back rules, process isolation over a
 * random trace, THP (exact 512x, fallbacks under fragmentation, eviction of
 * a huge page), shootdown callbacks, software A/D (Svade, AArch64 without
 * HAFDBS), a sparse 48-bit footprint, the latency breakdown, protection,
 * prefault/unmap, swap limits and the configuration checker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/config.h"
#include "mmusim/memport.h"
#include "mmusim/mmu.h"
#include "mmusim/os.h"
#include "mmusim/pagetable.h"
#include "mmusim/pwc.h"
#include "mmusim/tlb.h"

#define KB 1024ull
#define MB (1024ull * KB)
#define GB (1024ull * MB)

/* ---- helpers ---- */

typedef struct shot {
    uint16_t asid;
    uint64_t vaddr;
    mmu_page_size size;
} shot;

typedef struct shots {
    shot s[4096];
    unsigned n;
    unsigned total;
} shots;

static void record_shot(void *ctx, uint16_t asid, uint64_t vaddr, mmu_page_size size)
{
    shots *r = ctx;
    if (r->n < sizeof r->s / sizeof r->s[0])
        r->s[r->n++] = (shot){asid, vaddr, size};
    r->total++;
}

static mmu_os *make_os(const char *fname, const mmu_os_config *cfg)
{
    const mmu_pt_format *f = mmu_pt_format_find(fname);
    assert_non_null(f);
    mmu_os_config c;
    if (cfg)
        c = *cfg;
    else
        mmu_os_config_defaults(&c);
    mmu_os *os = NULL;
    char msg[256];
    mmu_err e = mmu_os_config_check(&c, f, msg, sizeof msg);
    if (e != MMU_OK)
        fail_msg("config: %s", msg);
    assert_int_equal(mmu_os_create(&c, f, &os), MMU_OK);
    assert_non_null(os);
    return os;
}

/* Fault kinds seen by one access. */
typedef struct kinds {
    unsigned n[MMU_OS_FAULT_KINDS];
    mmu_os_fault_result last;
    mmu_os_latency sum;
} kinds;

/*
 * One access as the MMU makes it: walk; on a fault let the OS handle it and
 * walk again.  Returns MMU_OK with *w the successful walk, MMU_EFAULT if
 * the OS reported a protection fault, or the OS's error.
 */
static mmu_err touch(mmu_os *os, uint16_t asid, uint64_t va, mmu_access_type t, mmu_priv priv,
                     mmu_walk_result *w, kinds *k)
{
    const mmu_pt_format *f = mmu_os_format(os);
    mmu_walk_result tmp;
    if (!w)
        w = &tmp;
    for (int i = 0; i < 4; i++) {
        uint64_t root = mmu_os_root(os, asid);
        assert_true(root != MMU_OS_NO_ROOT);
        mmu_err e = mmu_walk(f, root, mmu_os_port(os), NULL, va, t, priv, asid, NULL, w);
        if (e == MMU_OK)
            return MMU_OK;
        assert_int_equal(e, MMU_EFAULT);
        mmu_os_fault_result r;
        e = mmu_os_handle_fault(os, asid, va, t, priv, w, &r);
        if (e != MMU_OK)
            return e;
        if (k) {
            k->n[r.kind]++;
            k->last = r;
            for (unsigned p = 0; p < MMU_OS_LAT_PARTS; p++)
                k->sum.part[p] += r.lat.part[p];
            k->sum.total += r.lat.total;
        }
        if (r.kind == MMU_OS_FAULT_PROTECTION)
            return MMU_EFAULT;
    }
    fail_msg("access to 0x%llx did not succeed after 4 faults", (unsigned long long)va);
    return MMU_EINVAL;
}

static void touch_ok(mmu_os *os, uint16_t asid, uint64_t va, mmu_access_type t, kinds *k)
{
    assert_int_equal(touch(os, asid, va, t, MMU_PRIV_USER, NULL, k), MMU_OK);
}

static mmu_os_stats stats(const mmu_os *os)
{
    mmu_os_stats s;
    mmu_os_get_stats(os, &s);
    return s;
}

static mmu_os_proc_stats pstats(const mmu_os *os, uint16_t asid)
{
    mmu_os_proc_stats s;
    assert_int_equal(mmu_os_proc_find(os, asid, &s), MMU_OK);
    return s;
}

/* The raw leaf PTE mapping va (following the tables with the public decode). */
static uint64_t leaf_raw(mmu_os *os, uint16_t asid, uint64_t va, unsigned *level)
{
    const mmu_pt_format *f = mmu_os_format(os);
    const mmu_sparse_mem *m = mmu_os_memory(os);
    uint64_t table = mmu_os_root(os, asid);
    for (int l = f->levels - 1; l >= 0; l--) {
        uint64_t raw = mmu_sparse_mem_read64(m, table + mmu_pt_index(f, (unsigned)l, va) * 8);
        mmu_pte p;
        assert_int_equal(mmu_pte_decode(f, (unsigned)l, raw, &p), MMU_OK);
        if (!(p.flags & MMU_PTE_VALID) || (p.flags & MMU_PTE_LEAF) || l == 0) {
            if (level)
                *level = (unsigned)l;
            return raw;
        }
        table = p.paddr;
    }
    return 0;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static const char *const all_formats[] = {"x86_64",     "x86_64_la57", "sv39",       "sv48", "sv57",
                                          "aarch64_4k", "aarch64_4k_39", "aarch64_16k", "aarch64_64k"};

/* ---- configuration ---- */

static void expect_bad(const mmu_os_config *c, const mmu_pt_format *f, const char *needle)
{
    char msg[256] = "";
    assert_int_equal(mmu_os_config_check(c, f, msg, sizeof msg), MMU_ECONFIG);
    if (!strstr(msg, needle))
        fail_msg("message '%s' lacks '%s'", msg, needle);
}

static void test_config_check(void **state)
{
    (void)state;
    const mmu_pt_format *x86 = mmu_pt_format_find("x86_64");
    const mmu_pt_format *a64k = mmu_pt_format_find("aarch64_64k");
    mmu_os_config c, d;
    mmu_os_config_defaults(&d);
    char msg[256];
    assert_int_equal(mmu_os_config_check(&d, NULL, msg, sizeof msg), MMU_OK);
    for (unsigned i = 0; i < sizeof all_formats / sizeof all_formats[0]; i++)
        assert_int_equal(mmu_os_config_check(&d, mmu_pt_format_find(all_formats[i]), NULL, 0), MMU_OK);
    assert_int_equal(d.phys_mem, 4 * GB);
    assert_int_equal(d.trap_entry + d.minor_handler + d.trap_return, 3200);

    c = d;
    c.phys_mem = 4096;
    expect_bad(&c, x86, "os.phys_mem (4096) must be at least 20480");
    c.phys_mem = 4096 * 5 + 1;
    expect_bad(&c, x86, "os.phys_mem (20481) must be a multiple of the base page size (4096)");
    c.phys_mem = 1 * MB + 4096;
    expect_bad(&c, a64k, "os.phys_mem (1052672) must be a multiple of the base page size (65536)");
    c.phys_mem = 1ull << 41;
    expect_bad(&c, x86, "os.phys_mem (2199023255552) must be at most");
    c = d;
    c.swap_size = 100;
    expect_bad(&c, x86, "os.swap_size (100)");
    c = d;
    c.frame_alloc = 2;
    expect_bad(&c, x86, "os.frame_alloc (2)");
    c = d;
    c.thp = 2;
    expect_bad(&c, x86, "os.thp (2) must be 0 or 1");
    c = d;
    c.clock_mhz = 0;
    expect_bad(&c, NULL, "os.clock_mhz (0) must be 1..100000");
    c = d;
    c.remote_cores = 100000;
    expect_bad(&c, x86, "os.remote_cores (100000)");
    c = d;
    c.major_handler = 2000000000u;
    expect_bad(&c, x86, "os.major_handler (2000000000) must be at most");
    c = d;
    c.shootdown = 2000000000u;
    expect_bad(&c, x86, "os.shootdown (2000000000)");
    c = d;
    c.swap_read_us = -1;
    expect_bad(&c, x86, "os.swap_read_us (-1) must be 0..");
    c = d;
    c.swap_write_us = 0.0 / 0.0;
    expect_bad(&c, x86, "os.swap_write_us");
    assert_int_equal(mmu_os_config_check(NULL, x86, NULL, 0), MMU_ECONFIG);

    /* create refuses a bad configuration and bad arguments */
    mmu_os *os = (mmu_os *)&c;
    c = d;
    c.phys_mem = 4096;
    assert_int_equal(mmu_os_create(&c, x86, &os), MMU_ECONFIG);
    assert_null(os);
    assert_int_equal(mmu_os_create(&d, NULL, &os), MMU_EINVAL);

    /* names */
    assert_string_equal(mmu_os_frame_alloc_name(MMU_OS_ALLOC_RANDOM), "random");
    assert_int_equal(mmu_os_frame_alloc_parse("Sequential"), MMU_OS_ALLOC_SEQUENTIAL);
    assert_int_equal(mmu_os_frame_alloc_parse("lowest"), MMU_OS_ALLOC_POLICIES);
    assert_string_equal(mmu_os_fault_kind_name(MMU_OS_FAULT_MAJOR), "major");
    assert_string_equal(mmu_os_fault_kind_name(MMU_OS_FAULT_KINDS), "?");
    assert_string_equal(mmu_os_lat_part_name(MMU_OS_LAT_SWAP_READ), "swap_read");
    assert_string_equal(mmu_os_lat_part_name(MMU_OS_LAT_PARTS), "?");
}

/* ---- demand paging ---- */

/* N distinct pages: exactly N minor faults, then none; vms = rss = N pages. */
static void test_demand_exact(void **state)
{
    (void)state;
    for (unsigned fi = 0; fi < sizeof all_formats / sizeof all_formats[0]; fi++) {
        mmu_os_config c;
        mmu_os_config_defaults(&c);
        c.phys_mem = 256 * MB;
        mmu_os *os = make_os(all_formats[fi], &c);
        const mmu_pt_format *f = mmu_os_format(os);
        uint64_t ps = 1ull << f->shift[0];
        const unsigned N = 300;
        kinds k1 = {0}, k2 = {0};
        for (unsigned i = 0; i < N; i++) /* three clusters far apart */
            touch_ok(os, 7, (uint64_t)(i % 3) * (1ull << 35) + (i / 3) * ps, MMU_READ, &k1);
        assert_int_equal(k1.n[MMU_OS_FAULT_MINOR], N);
        assert_int_equal(k1.n[MMU_OS_FAULT_MAJOR] + k1.n[MMU_OS_FAULT_AD_UPDATE], 0);
        for (unsigned i = 0; i < N; i++)
            touch_ok(os, 7, (uint64_t)(i % 3) * (1ull << 35) + (i / 3) * ps, MMU_READ, &k2);
        for (unsigned kk = 1; kk < MMU_OS_FAULT_KINDS; kk++)
            assert_int_equal(k2.n[kk], 0);
        /* the first writes: software D on Svade/AArch64, hardware on x86 */
        kinds k3 = {0};
        for (unsigned i = 0; i < N; i++)
            touch_ok(os, 7, (uint64_t)(i % 3) * (1ull << 35) + (i / 3) * ps, MMU_WRITE, &k3);
        unsigned expect_ad = f->ad_default == MMU_AD_FAULT ? N : 0;
        assert_int_equal(k3.n[MMU_OS_FAULT_AD_UPDATE], expect_ad);
        assert_int_equal(k3.n[MMU_OS_FAULT_MINOR], 0);
        mmu_os_proc_stats p = pstats(os, 7);
        assert_int_equal(p.vms, N * ps);
        assert_int_equal(p.rss, N * ps);
        assert_int_equal(p.peak_rss, N * ps);
        assert_int_equal(p.faults[MMU_OS_FAULT_MINOR], N);
        assert_int_equal(p.faults[MMU_OS_FAULT_AD_UPDATE], expect_ad);
        mmu_os_stats s = stats(os);
        assert_int_equal(s.frames_used, N + s.frames_pt);
        assert_int_equal(p.pt_bytes, s.frames_pt * ps);
        assert_int_equal(s.evictions, 0);
        mmu_os_destroy(os);
    }
}

/* ---- clock ---- */

/*
 * x86_64, 8 frames: the root (frame 0, made by mmu_os_root), the PDPT (1),
 * the PD (2) and the PT (3) of the first fault, and F = 4 data frames
 * 4..7.  Pages P0..P5 are 4 KiB apart in one 2 MiB region, every access a
 * write (so every victim is dirty and every return is a major fault).  The
 * walks have no TLB, so every access sets A.  New pages are installed with
 * A set.  The hand starts at frame 0 and skips page-table frames.
 *
 *  #  page  result  clock (frame: page A)                         after
 *  1  P0    minor                                                  f4=P0
 *  2  P1    minor                                                  f5=P1
 *  3  P2    minor                                                  f6=P2
 *  4  P3    minor                                                  f7=P3
 *  5  P0    hit     (A already set)
 *  6  P4    minor   f4:P0 1->0 f5:P1 1->0 f6:P2 1->0 f7:P3 1->0,
 *                   f4:P0 0 victim (written)                        f4=P4, hand f5
 *  7  P1    hit     sets P1's A
 *  8  P5    minor   f5:P1 1->0, f6:P2 0 victim (written)            f6=P5, hand f7
 *  9  P0    MAJOR   f7:P3 0 victim (written)                        f7=P0, hand f4
 * 10  P2    MAJOR   f4:P4 1->0, f5:P1 0 victim (written)            f5=P2, hand f6
 * 11  P3    MAJOR   f6:P5 1->0, f7:P0 1->0, f4:P4 0 victim (written) f4=P3, hand f5
 * 12  P1    MAJOR   f5:P2 1->0, f6:P5 0 victim (written)            f6=P1, hand f7
 *
 * Totals: 6 minor, 4 major, 6 evictions, 6 write-backs, victims in order
 * P0 P2 P3 P1 P4 P5, each shot down once with its (asid, vaddr, 4K).
 */
static void test_clock_hand_worked(void **state)
{
    (void)state;
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = 8 * 4096;
    mmu_os *os = make_os("x86_64", &c);
    shots *sh = calloc(1, sizeof *sh);
    assert_int_equal(mmu_os_add_shootdown_target(os, record_shot, sh), MMU_OK);
    const uint64_t base = 0x7f0000000000ull;
    static const unsigned seq[] = {0, 1, 2, 3, 0, 4, 1, 5, 0, 2, 3, 1};
    static const unsigned kind[] = {MMU_OS_FAULT_MINOR, MMU_OS_FAULT_MINOR, MMU_OS_FAULT_MINOR,
                                    MMU_OS_FAULT_MINOR, 0,                  MMU_OS_FAULT_MINOR,
                                    0,                  MMU_OS_FAULT_MINOR, MMU_OS_FAULT_MAJOR,
                                    MMU_OS_FAULT_MAJOR, MMU_OS_FAULT_MAJOR, MMU_OS_FAULT_MAJOR};
    static const unsigned frame[] = {4, 5, 6, 7, 4, 4, 5, 6, 7, 5, 4, 6};
    kinds total = {0};
    for (unsigned i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        kinds k = {0};
        mmu_walk_result w;
        assert_int_equal(touch(os, 1, base + seq[i] * 4096ull, MMU_WRITE, MMU_PRIV_USER, &w, &k),
                         MMU_OK);
        unsigned faults = 0;
        for (unsigned kk = 1; kk < MMU_OS_FAULT_KINDS; kk++) {
            faults += k.n[kk];
            total.n[kk] += k.n[kk];
        }
        if (kind[i]) {
            assert_int_equal(faults, 1);
            assert_int_equal(k.n[kind[i]], 1);
        } else {
            assert_int_equal(faults, 0);
        }
        assert_int_equal(w.pbase, frame[i] * 4096ull);
    }
    assert_int_equal(total.n[MMU_OS_FAULT_MINOR], 6);
    assert_int_equal(total.n[MMU_OS_FAULT_MAJOR], 4);
    mmu_os_stats s = stats(os);
    assert_int_equal(s.evictions, 6);
    assert_int_equal(s.writebacks, 6);
    assert_int_equal(s.swap_ins, 4);
    assert_int_equal(s.frames_pt, 4);
    assert_int_equal(s.frames_used, 8);
    static const unsigned victims[] = {0, 2, 3, 1, 4, 5};
    assert_int_equal(sh->n, 6);
    for (unsigned i = 0; i < 6; i++) {
        assert_int_equal(sh->s[i].asid, 1);
        assert_int_equal(sh->s[i].vaddr, base + victims[i] * 4096ull);
        assert_int_equal(sh->s[i].size, MMU_PS_4K);
    }
    mmu_os_proc_stats p = pstats(os, 1);
    assert_int_equal(p.vms, 6 * 4096);
    assert_int_equal(p.rss, 4 * 4096);
    assert_int_equal(p.swap, 2 * 4096); /* P4, P5 */
    assert_int_equal(p.swap_ins, 4);
    assert_int_equal(p.swap_outs, 6);
    assert_int_equal(p.faults[MMU_OS_FAULT_MAJOR], 4);
    assert_int_equal(s.swap_slots_used, 6); /* every page has been written once */
    mmu_os_destroy(os);
    free(sh);
}

/*
 * Cyclic sweeps over 5 pages with F = 4 data frames (layout as above):
 * every access after the first round faults.  Three rounds:
 *   reads only: 15 minor faults (a clean page never written is dropped and
 *     comes back as a zero page), 11 evictions, 0 write-backs;
 *   writes only: 5 minor + 10 major, 11 evictions, 11 write-backs;
 *   writes, then two rounds of reads: 5 minor + 10 major, 11 evictions,
 *     5 write-backs (round 1: P0; round 2: P1..P4 still dirty from round 1;
 *     P0 was read back and not modified, so its swap copy is kept; round 3:
 *     every victim is clean with a swap copy).
 */
static void sweep_case(mmu_access_type r1, mmu_access_type r23, unsigned minor, unsigned major,
                       unsigned evictions, unsigned writebacks, unsigned slots)
{
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = 8 * 4096;
    mmu_os *os = make_os("x86_64", &c);
    kinds k = {0};
    for (unsigned round = 0; round < 3; round++)
        for (unsigned pg = 0; pg < 5; pg++)
            touch_ok(os, 3, 0x400000 + pg * 4096ull, round ? r23 : r1, &k);
    assert_int_equal(k.n[MMU_OS_FAULT_MINOR], minor);
    assert_int_equal(k.n[MMU_OS_FAULT_MAJOR], major);
    mmu_os_stats s = stats(os);
    assert_int_equal(s.evictions, evictions);
    assert_int_equal(s.writebacks, writebacks);
    assert_int_equal(pstats(os, 3).swap_outs, writebacks);
    assert_int_equal(s.swap_slots_used, slots); /* a page keeps its slot: written again in place */
    mmu_os_destroy(os);
}

static void test_sweep_writebacks(void **state)
{
    (void)state;
    sweep_case(MMU_READ, MMU_READ, 15, 0, 11, 0, 0);
    sweep_case(MMU_WRITE, MMU_WRITE, 5, 10, 11, 11, 5);
    sweep_case(MMU_WRITE, MMU_READ, 5, 10, 11, 5, 5);
}

/* Swap limited to 2 pages: the third dirty victim cannot go anywhere. */
static void test_swap_full(void **state)
{
    (void)state;
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = 8 * 4096;
    c.swap_size = 2 * 4096;
    mmu_os *os = make_os("x86_64", &c);
    for (unsigned pg = 0; pg < 6; pg++)
        touch_ok(os, 1, pg * 4096ull, MMU_WRITE, NULL);
    assert_int_equal(stats(os).swap_slots_used, 2);
    assert_int_equal(touch(os, 1, 6 * 4096ull, MMU_WRITE, MMU_PRIV_USER, NULL, NULL), MMU_EFULL);
    /* a clean page can still be evicted: read P7 after unmapping P5 frees a frame */
    assert_int_equal(mmu_os_unmap(os, 1, 5 * 4096ull, 4096), MMU_OK);
    touch_ok(os, 1, 7 * 4096ull, MMU_READ, NULL);
    mmu_os_destroy(os);
}

/* ---- isolation ---- */

/*
 * Two processes over the same virtual pages, with memory pressure and a
 * random mix of reads, writes and fetches: every successful translation
 * lands in a data frame owned by the process at the right virtual address,
 * and the same address in the two processes never shares a frame.
 */
static void isolation_run(const char *fname, uint32_t alloc, uint32_t thp)
{
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    const mmu_pt_format *f = mmu_pt_format_find(fname);
    uint64_t ps = 1ull << f->shift[0];
    c.phys_mem = 96 * ps;
    c.frame_alloc = alloc;
    c.thp = thp;
    mmu_os *os = make_os(fname, &c);
    uint64_t seed = 0x1234567 + alloc;
    const unsigned pages = 80;
    for (unsigned i = 0; i < 6000; i++) {
        uint16_t asid = (uint16_t)(1 + rnd(&seed) % 2);
        uint64_t va = 0x10000000ull + (rnd(&seed) % pages) * ps + (rnd(&seed) % ps);
        mmu_access_type t = (mmu_access_type)(rnd(&seed) % 3);
        mmu_walk_result w;
        assert_int_equal(touch(os, asid, va, t, MMU_PRIV_USER, &w, NULL), MMU_OK);
        mmu_os_frame_info fi;
        assert_int_equal(mmu_os_frame_info_get(os, w.paddr, &fi), MMU_OK);
        assert_int_equal(fi.kind, MMU_OS_FRAME_DATA);
        assert_int_equal(fi.asid, asid);
        assert_int_equal(fi.vaddr, va);
        /* the other process's translation of the same address, if resident, is elsewhere */
        mmu_walk_opts o;
        mmu_walk_opts_defaults(f, &o);
        o.flags |= MMU_WALK_FUNCTIONAL;
        uint16_t other = asid == 1 ? 2 : 1;
        mmu_walk_result w2;
        if (mmu_walk(f, mmu_os_root(os, other), mmu_os_port(os), NULL, va, MMU_READ, MMU_PRIV_USER,
                     other, &o, &w2) == MMU_OK) {
            assert_true(w2.paddr >> f->shift[0] != w.paddr >> f->shift[0]);
            assert_int_equal(mmu_os_frame_info_get(os, w2.paddr, &fi), MMU_OK);
            assert_int_equal(fi.asid, other);
        }
    }
    mmu_os_stats s = stats(os);
    assert_true(s.evictions > 0);
    mmu_os_proc_stats p1 = pstats(os, 1), p2 = pstats(os, 2);
    assert_int_equal((p1.rss + p2.rss) / ps + s.frames_pt, s.frames_used);
    assert_int_equal((p1.pt_bytes + p2.pt_bytes) / ps, s.frames_pt);
    assert_true(p1.peak_rss >= p1.rss);
    assert_true(p1.faults[MMU_OS_FAULT_MAJOR] > 0 && p2.faults[MMU_OS_FAULT_MAJOR] > 0);
    mmu_os_destroy(os);
}

static void test_isolation(void **state)
{
    (void)state;
    for (unsigned fi = 0; fi < sizeof all_formats / sizeof all_formats[0]; fi++) {
        isolation_run(all_formats[fi], MMU_OS_ALLOC_SEQUENTIAL, 0);
        isolation_run(all_formats[fi], MMU_OS_ALLOC_RANDOM, 0);
    }
}

/*
 * The whole MMU (TLBs, PWC, walker) over the OS model, as `mmusim run`
 * drives it: four processes over the same virtual pages, memory pressure,
 * and one access in eight crossing into the next page.  A global mapping is
 * refused.  After every access each translation it made (both halves of a
 * crossing) matches its own process's page tables as they are now and lands
 * in a data frame of that process; every 250 accesses the page tables of all
 * processes are scanned: no frame is mapped twice (by two processes, or at
 * two addresses).  Before issue 10 the second half's fault could evict the
 * first half's page, and the first half then kept the old frame.
 */
static void mmu_isolation_run(const char *fname)
{
    char m_msg[256];
    mmu_config c;
    mmu_config_defaults(&c);
    assert_int_equal(mmu_config_set(&c, "walker.format", fname, m_msg, sizeof m_msg), MMU_OK);
    const mmu_pt_format *f = mmu_pt_format_find(fname);
    uint64_t ps = 1ull << f->shift[0];
    const unsigned pages = 48, procs = 4;
    c.os.phys_mem = (f->levels * procs + 40) * ps; /* tables of 4 processes and 40 data frames */
    mmu *m;
    mmu_os *os;
    assert_int_equal(mmu_create(&c, &m, m_msg, sizeof m_msg), MMU_OK);
    assert_int_equal(mmu_os_create_from_config(&c, &os, m_msg, sizeof m_msg), MMU_OK);
    assert_int_equal(mmu_attach_os(m, os), MMU_OK);
    const uint64_t base = 0x10000000ull;
    assert_int_equal(mmu_os_map(os, 1, base, ps, MMU_OS_PROT_DEFAULT | MMU_OS_PROT_GLOBAL,
                                MMU_OS_MAP_POPULATE), MMU_EUNSUPPORTED);
    uint64_t seed = 0xabcdef, cycle = 0, crossings = 0;
    uint64_t *owner = calloc(c.os.phys_mem / ps, sizeof *owner); /* frame -> 1 + (asid, page) */
    for (unsigned i = 0; i < 20000; i++) {
        mmu_request req;
        req.asid = (uint16_t)(1 + (i / 1000) % procs); /* time slices of 1000 accesses */
        uint64_t page = rnd(&seed) % pages;
        int cross = rnd(&seed) % 8 == 0 && page + 1 < pages;
        req.vaddr = base + page * ps + (cross ? ps - 4 : rnd(&seed) % (ps - 8));
        req.size = 8;
        req.type = (uint8_t)(rnd(&seed) % 3 == 0 ? MMU_WRITE : MMU_READ);
        req.priv = MMU_PRIV_USER;
        req.vmid = 0;
        req.cycle = cycle;
        mmu_response r[2];
        int n = mmu_access(m, &req, r);
        /* a TLB holding the page as smaller entries (splintered) crosses at their size */
        assert_true(n == 2 || !cross);
        crossings += (uint64_t)cross;
        cycle = r[n - 1].done_cycle + 1;
        for (int j = 0; j < n; j++) {
            mmu_request q = req;
            q.vaddr = j ? (req.vaddr | ((1ull << mmu_page_shift((mmu_page_size)r[0].page_size)) - 1)) + 1
                        : req.vaddr;
            mmu_response w;
            assert_int_equal(r[j].fault, MMU_FAULT_NONE);
            assert_int_equal(mmu_walk_debug(m, &q, &w), MMU_OK);
            if (w.paddr != r[j].paddr)
                fail_msg("%s access %u half %d: 0x%llx -> 0x%llx, page tables now 0x%llx", fname, i, j,
                         (unsigned long long)q.vaddr, (unsigned long long)r[j].paddr,
                         (unsigned long long)w.paddr);
            mmu_os_frame_info fi;
            assert_int_equal(mmu_os_frame_info_get(os, r[j].paddr, &fi), MMU_OK);
            assert_int_equal(fi.kind, MMU_OS_FRAME_DATA);
            assert_int_equal(fi.asid, req.asid);
        }
        if (cross) /* two pages of the format: two frames */
            assert_true(r[0].paddr >> f->shift[0] != r[1].paddr >> f->shift[0]);
        if (i % 250 != 249)
            continue;
        memset(owner, 0, c.os.phys_mem / ps * sizeof *owner);
        for (uint16_t a = 1; a <= procs; a++) {
            for (uint64_t p = 0; p < pages; p++) {
                mmu_request q = {base + p * ps, 0, 1, a, MMU_READ, MMU_PRIV_USER, 0};
                mmu_response w;
                if (mmu_walk_debug(m, &q, &w) != MMU_OK)
                    continue; /* not resident */
                uint64_t fr = w.paddr / ps, who = 1 + ((uint64_t)a << 32 | p);
                if (owner[fr])
                    fail_msg("%s: frame %llu mapped by asid %u page %llu and asid %u page %llu", fname,
                             (unsigned long long)fr, (unsigned)((owner[fr] - 1) >> 32),
                             (unsigned long long)((owner[fr] - 1) & 0xffffffff), a,
                             (unsigned long long)p);
                owner[fr] = who;
            }
        }
    }
    free(owner);
    assert_true(crossings > 300);
    assert_true(stats(os).evictions > 500);
    assert_int_equal(mmu_os_error(m), MMU_OK);
    mmu_destroy(m);
    mmu_os_destroy(os);
}

static void test_isolation_mmu(void **state)
{
    (void)state;
    for (unsigned fi = 0; fi < sizeof all_formats / sizeof all_formats[0]; fi++)
        mmu_isolation_run(all_formats[fi]);
}

/* Same virtual address in two processes: different frames, different roots. */
static void test_two_processes(void **state)
{
    (void)state;
    mmu_os *os = make_os("x86_64", NULL);
    mmu_walk_result a, b;
    assert_int_equal(touch(os, 5, 0x1000, MMU_WRITE, MMU_PRIV_USER, &a, NULL), MMU_OK);
    assert_int_equal(touch(os, 6, 0x1000, MMU_WRITE, MMU_PRIV_USER, &b, NULL), MMU_OK);
    assert_true(a.pbase != b.pbase);
    assert_true(mmu_os_root(os, 5) != mmu_os_root(os, 6));
    assert_int_equal(mmu_os_proc_count(os), 2);
    mmu_os_proc_stats p;
    assert_int_equal(mmu_os_proc_get(os, 0, &p), MMU_OK);
    assert_int_equal(p.asid, 5);
    assert_int_equal(p.root, mmu_os_root(os, 5));
    assert_int_equal(mmu_os_proc_get(os, 1, &p), MMU_OK);
    assert_int_equal(p.asid, 6);
    assert_int_equal(mmu_os_proc_get(os, 2, &p), MMU_ENOTFOUND);
    assert_int_equal(mmu_os_proc_find(os, 99, &p), MMU_ENOTFOUND);
    mmu_os_destroy(os);
}

/* ---- transparent huge pages ---- */

/* Touch every base page of bytes (aligned) once; returns the minor faults, *huge the huge-page hits. */
static unsigned sweep_minor(const char *fname, uint32_t thp, uint64_t phys, uint64_t bytes,
                            uint64_t *huge)
{
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = phys;
    c.thp = thp;
    mmu_os *os = make_os(fname, &c);
    const mmu_pt_format *f = mmu_os_format(os);
    uint64_t ps = 1ull << f->shift[0], hs = 1ull << f->shift[1];
    kinds k = {0};
    unsigned nh = 0;
    for (uint64_t off = 0; off < bytes; off += ps) {
        mmu_walk_result w;
        assert_int_equal(touch(os, 1, 0x40000000ull + off, MMU_READ, MMU_PRIV_USER, &w, &k), MMU_OK);
        nh += w.page_size == f->page_size[1];
    }
    *huge = nh;
    mmu_os_stats s = stats(os);
    assert_int_equal(s.thp_mapped, thp ? bytes / hs : 0);
    assert_int_equal(s.thp_fallbacks, 0);
    assert_int_equal(pstats(os, 1).rss, bytes);
    assert_int_equal(pstats(os, 1).vms, bytes);
    mmu_os_destroy(os);
    return k.n[MMU_OS_FAULT_MINOR];
}

static void test_thp_512x(void **state)
{
    (void)state;
    static const char *const fmts[] = {"x86_64", "sv39", "sv48", "aarch64_4k"};
    for (unsigned i = 0; i < 4; i++) {
        uint64_t huge_on, huge_off;
        unsigned on = sweep_minor(fmts[i], 1, 64 * MB, 16 * MB, &huge_on);
        unsigned off = sweep_minor(fmts[i], 0, 64 * MB, 16 * MB, &huge_off);
        assert_int_equal(on, 8);
        assert_int_equal(off, 8 * 512);
        assert_int_equal(off, 512 * on);
        assert_int_equal(huge_on, 16 * MB / 4096);
        assert_int_equal(huge_off, 0);
    }
    /* the other granules: 32 MiB over 16 KiB (2048x), 512 MiB over 64 KiB (8192x) */
    uint64_t h;
    assert_int_equal(sweep_minor("aarch64_16k", 1, 128 * MB, 64 * MB, &h), 2);
    assert_int_equal(sweep_minor("aarch64_16k", 0, 128 * MB, 64 * MB, &h), 2 * 2048);
    assert_int_equal(sweep_minor("aarch64_64k", 1, 1 * GB, 512 * MB, &h), 1);
    assert_int_equal(sweep_minor("aarch64_64k", 0, 1 * GB, 512 * MB, &h), 8192);
}

/*
 * Fragmentation: process 1 touches 200 base pages in regions where a
 * read-only page makes THP impossible; process 2 then sweeps 8 aligned
 * 2 MiB regions.  Sequential allocation packs process 1's frames into the
 * lowest blocks, so process 2 gets 8 huge pages; random allocation
 * scatters them over the 32 blocks of 64 MiB, so THP falls back.
 */
static void frag_run(uint32_t alloc, uint64_t *mapped, uint64_t *fallbacks)
{
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = 64 * MB;
    c.thp = 1;
    c.frame_alloc = alloc;
    c.seed = 42;
    mmu_os *os = make_os("x86_64", &c);
    for (unsigned r = 0; r < 4; r++)
        assert_int_equal(mmu_os_map(os, 1, 0x80000000ull + r * 2 * MB, 4096,
                                    MMU_OS_PROT_READ | MMU_OS_PROT_USER, 0), MMU_OK);
    kinds k = {0};
    for (unsigned i = 0; i < 200; i++)
        touch_ok(os, 1, 0x80000000ull + (i % 4) * 2 * MB + (1 + i / 4) * 4096ull, MMU_WRITE, &k);
    assert_int_equal(k.n[MMU_OS_FAULT_MINOR], 200);
    assert_int_equal(stats(os).thp_mapped, 0);
    assert_int_equal(stats(os).thp_fallbacks, 0); /* those regions were never eligible */
    kinds k2 = {0};
    for (uint64_t off = 0; off < 16 * MB; off += 4096)
        touch_ok(os, 2, 0x40000000ull + off, MMU_READ, &k2);
    mmu_os_stats s = stats(os);
    *mapped = s.thp_mapped;
    *fallbacks = s.thp_fallbacks;
    assert_int_equal(s.thp_mapped + s.thp_fallbacks, 8); /* one attempt per region */
    assert_int_equal(k2.n[MMU_OS_FAULT_MINOR], s.thp_mapped + s.thp_fallbacks * 512);
    assert_int_equal(pstats(os, 2).thp, s.thp_mapped);
    mmu_os_destroy(os);
}

static void test_thp_fragmentation(void **state)
{
    (void)state;
    uint64_t m, fb;
    frag_run(MMU_OS_ALLOC_SEQUENTIAL, &m, &fb);
    assert_int_equal(m, 8);
    assert_int_equal(fb, 0);
    frag_run(MMU_OS_ALLOC_RANDOM, &m, &fb);
    assert_true(fb >= 4);
    assert_true(m < 8);
}

/*
 * Evicting a huge page (x86_64, 6 MiB = 3 blocks of 512 frames, THP on):
 * frames 0-2 are the root, PDPT and PD; region A gets block 1 (frames
 * 512-1023), region B block 2; region C has no free block (fallback): its
 * PT is frame 3 and its pages C0..C507 frames 4..511, filling memory.
 * C508: the hand clears A of frames 4..511 and the heads 512 and 1024,
 * wraps, and evicts C0 (frame 4).  Touching C1..C507 again sets their A,
 * so for C509 the hand (at 5) clears them and stops on A's head with A
 * clear: A is evicted whole (512 write-backs, it was written), shot down
 * once as a 2 MiB page, and its region becomes a table (frame 512) of
 * swapped-out base pages, which come back one by one as major faults.
 */
static void test_thp_evict(void **state)
{
    (void)state;
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = 6 * MB;
    c.thp = 1;
    mmu_os *os = make_os("x86_64", &c);
    shots *sh = calloc(1, sizeof *sh);
    assert_int_equal(mmu_os_add_shootdown_target(os, record_shot, sh), MMU_OK);
    const uint64_t A = 0x40000000, B = A + 2 * MB, C = A + 4 * MB;
    mmu_walk_result w;
    kinds k = {0};
    assert_int_equal(touch(os, 1, A, MMU_WRITE, MMU_PRIV_USER, &w, &k), MMU_OK);
    assert_int_equal(w.page_size, MMU_PS_2M);
    assert_int_equal(w.pbase, 512 * 4096);
    assert_int_equal(touch(os, 1, B, MMU_WRITE, MMU_PRIV_USER, &w, &k), MMU_OK);
    assert_int_equal(w.pbase, 1024 * 4096);
    for (unsigned i = 0; i < 508; i++)
        touch_ok(os, 1, C + i * 4096ull, MMU_WRITE, &k);
    assert_int_equal(k.last.thp_fallback, 0);
    mmu_os_stats s = stats(os);
    assert_int_equal(s.thp_mapped, 2);
    assert_int_equal(s.thp_fallbacks, 1);
    assert_int_equal(s.frames_used, s.frames_total);
    assert_int_equal(s.evictions, 0);
    touch_ok(os, 1, C + 508 * 4096ull, MMU_WRITE, &k);
    assert_int_equal(sh->n, 1);
    assert_int_equal(sh->s[0].vaddr, C);
    for (unsigned i = 1; i < 508; i++)
        touch_ok(os, 1, C + i * 4096ull, MMU_WRITE, &k);
    touch_ok(os, 1, C + 509 * 4096ull, MMU_WRITE, &k);
    assert_int_equal(sh->n, 2);
    assert_int_equal(sh->s[1].asid, 1);
    assert_int_equal(sh->s[1].vaddr, A);
    assert_int_equal(sh->s[1].size, MMU_PS_2M);
    assert_int_equal(k.last.evictions, 1);
    assert_int_equal(k.last.writebacks, 512);
    assert_int_equal(k.last.tables, 1);
    s = stats(os);
    assert_int_equal(s.evictions, 2);
    assert_int_equal(s.writebacks, 1 + 512);
    assert_int_equal(s.thp_splits, 1);
    assert_int_equal(s.frames_pt, 5);
    mmu_os_proc_stats p = pstats(os, 1);
    assert_int_equal(p.swap, 513 * 4096);
    assert_int_equal(p.vms, (1024 + 510) * 4096ull);
    /* A's pages come back as base pages, by major faults */
    kinds k2 = {0};
    assert_int_equal(touch(os, 1, A + 7 * 4096, MMU_READ, MMU_PRIV_USER, &w, &k2), MMU_OK);
    assert_int_equal(k2.n[MMU_OS_FAULT_MAJOR], 1);
    assert_int_equal(w.page_size, MMU_PS_4K);
    assert_int_equal(k2.last.tables, 0);
    /* B is still a huge page */
    assert_int_equal(touch(os, 1, B + 12345, MMU_READ, MMU_PRIV_USER, &w, NULL), MMU_OK);
    assert_int_equal(w.page_size, MMU_PS_2M);
    mmu_os_destroy(os);
    free(sh);
}

/* ---- accessed/dirty by software ---- */

/*
 * 7 frames on sv39 (root, level-1 and level-0 tables, 4 data frames) or 8
 * on x86_64 / aarch64_4k (4 tables): read P0..P3, read P4 (the clock clears
 * A of P0..P3 and evicts P0), then read P1 (A clear) and write P2 (A and D
 * clear): on Svade and AArch64 without HAFDBS each is one A/D fault; on
 * x86 the walker sets them and no fault is taken.
 */
static void ad_case(const char *fname, unsigned expect_ad)
{
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    const mmu_pt_format *f = mmu_pt_format_find(fname);
    c.phys_mem = (f->levels + 4) * 4096ull;
    mmu_os *os = make_os(fname, &c);
    kinds k = {0};
    for (unsigned pg = 0; pg < 5; pg++)
        touch_ok(os, 1, pg * 4096ull, MMU_READ, &k);
    assert_int_equal(k.n[MMU_OS_FAULT_MINOR], 5);
    assert_int_equal(stats(os).writebacks, 0);
    kinds k2 = {0};
    touch_ok(os, 1, 1 * 4096, MMU_READ, &k2);
    touch_ok(os, 1, 2 * 4096, MMU_WRITE, &k2);
    assert_int_equal(k2.n[MMU_OS_FAULT_AD_UPDATE], expect_ad);
    assert_int_equal(k2.n[MMU_OS_FAULT_MINOR] + k2.n[MMU_OS_FAULT_MAJOR], 0);
    if (expect_ad) {
        assert_int_equal(k2.last.lat.part[MMU_OS_LAT_HANDLER], c.ad_handler);
        assert_int_equal(k2.last.lat.total, c.trap_entry + c.ad_handler + c.trap_return);
    }
    /* the leaf of P2 now has A and D */
    unsigned level;
    mmu_pte p;
    assert_int_equal(mmu_pte_decode(f, 0, leaf_raw(os, 1, 2 * 4096, &level), &p), MMU_OK);
    assert_int_equal(level, 0);
    assert_true(p.flags & MMU_PTE_ACCESSED);
    assert_true(p.flags & MMU_PTE_DIRTY);
    assert_int_equal(pstats(os, 1).faults[MMU_OS_FAULT_AD_UPDATE], expect_ad);
    mmu_os_destroy(os);
}

static void test_ad_software(void **state)
{
    (void)state;
    ad_case("sv39", 2);
    ad_case("sv48", 2);
    ad_case("aarch64_4k", 2);
    ad_case("x86_64", 0);
}

/* ---- sparse footprint ---- */

static void test_sparse_footprint(void **state)
{
    (void)state;
    mmu_os *os = make_os("x86_64", NULL); /* 4 GiB of physical memory */
    uint64_t seed = 99;
    const unsigned N = 2000;
    kinds k = {0};
    for (unsigned i = 0; i < N; i++) {
        uint64_t va = (rnd(&seed) & ((1ull << 47) - 1)) & ~0xfffull; /* user half, 4K pages */
        touch_ok(os, 1, va, MMU_WRITE, &k);
    }
    assert_true(k.n[MMU_OS_FAULT_MINOR] <= N && k.n[MMU_OS_FAULT_MINOR] > N - 5);
    mmu_os_stats s = stats(os);
    size_t pages = mmu_sparse_mem_pages(mmu_os_memory(os));
    assert_int_equal(pages, s.frames_pt); /* only page tables are stored */
    assert_true(s.frames_pt <= 1 + 3 * (uint64_t)N);
    assert_true(s.host_bytes < 64 * MB);
    assert_int_equal(pstats(os, 1).rss, k.n[MMU_OS_FAULT_MINOR] * 4096ull);
    mmu_os_destroy(os);
}

/* ---- latency ---- */

static void test_latency_breakdown(void **state)
{
    (void)state;
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = 8 * 4096;
    c.clock_mhz = 2000;
    c.trap_entry = 11;
    c.trap_return = 13;
    c.minor_handler = 1000;
    c.zero_frame = 7;
    c.major_handler = 5000;
    c.ad_handler = 300;
    c.evict = 77;
    c.shootdown = 50;
    c.remote_cores = 3;
    c.swap_read_us = 2.5;   /* 5000 cycles at 2000 MHz */
    c.swap_write_us = 4.0;  /* 8000 cycles */
    mmu_os *os = make_os("x86_64", &c);
    shots *sh = calloc(1, sizeof *sh);
    assert_int_equal(mmu_os_add_shootdown_target(os, record_shot, sh), MMU_OK);
    assert_int_equal(mmu_os_add_shootdown_target(os, record_shot, sh), MMU_OK); /* two MMUs */
    kinds k = {0};
    mmu_os_latency sum = {{0}, 0};
    /* first fault: PDPT, PD and PT allocated */
    touch_ok(os, 1, 0, MMU_WRITE, &k);
    const mmu_os_latency *l = &k.last.lat;
    assert_int_equal(k.last.kind, MMU_OS_FAULT_MINOR);
    assert_int_equal(k.last.tables, 3);
    assert_int_equal(l->part[MMU_OS_LAT_TRAP_ENTRY], 11);
    assert_int_equal(l->part[MMU_OS_LAT_HANDLER], 1000);
    assert_int_equal(l->part[MMU_OS_LAT_TABLES], 21);
    assert_int_equal(l->part[MMU_OS_LAT_TRAP_RETURN], 13);
    assert_int_equal(l->total, 11 + 1000 + 21 + 13);
    for (unsigned pg = 1; pg < 5; pg++) /* P4 evicts P0 (dirty) */
        touch_ok(os, 1, pg * 4096ull, MMU_WRITE, &k);
    assert_int_equal(k.last.evictions, 1);
    assert_int_equal(l->part[MMU_OS_LAT_EVICT], 77);
    assert_int_equal(l->part[MMU_OS_LAT_WRITEBACK], 8000);
    assert_int_equal(l->part[MMU_OS_LAT_SHOOTDOWN], 150);
    assert_int_equal(l->part[MMU_OS_LAT_SWAP_READ], 0);
    assert_int_equal(l->total, 11 + 1000 + 77 + 8000 + 150 + 13);
    assert_int_equal(sh->n, 2); /* one shootdown, both targets */
    /* P0 again: major, evicting P1 (dirty) */
    touch_ok(os, 1, 0, MMU_READ, &k);
    assert_int_equal(k.last.kind, MMU_OS_FAULT_MAJOR);
    assert_int_equal(l->part[MMU_OS_LAT_HANDLER], 5000);
    assert_int_equal(l->part[MMU_OS_LAT_SWAP_READ], 5000);
    assert_int_equal(l->part[MMU_OS_LAT_EVICT], 77);
    assert_int_equal(l->part[MMU_OS_LAT_WRITEBACK], 8000);
    assert_int_equal(l->part[MMU_OS_LAT_SHOOTDOWN], 150);
    assert_int_equal(l->total, 11 + 5000 + 5000 + 77 + 8000 + 150 + 13);
    for (unsigned p = 0; p < MMU_OS_LAT_PARTS; p++)
        sum.total += l->part[p];
    assert_int_equal(sum.total, l->total);
    /* the global sums are the sums over the faults */
    mmu_os_stats s = stats(os);
    uint64_t parts = 0;
    for (unsigned p = 0; p < MMU_OS_LAT_PARTS; p++) {
        assert_int_equal(s.lat.part[p], k.sum.part[p]);
        parts += s.lat.part[p];
    }
    assert_int_equal(s.lat.total, k.sum.total);
    assert_int_equal(parts, s.lat.total);
    assert_int_equal(s.shootdowns, 2);
    assert_int_equal(s.shootdown_ipis, 6);
    /* clear_stats zeroes counters, keeps the state */
    mmu_os_clear_stats(os);
    s = stats(os);
    assert_int_equal(s.lat.total, 0);
    assert_int_equal(s.evictions, 0);
    assert_int_equal(s.frames_used, 8);
    mmu_os_proc_stats p = pstats(os, 1);
    assert_int_equal(p.faults[MMU_OS_FAULT_MINOR], 0);
    assert_int_equal(p.peak_rss, p.rss);
    assert_int_equal(p.rss, 4 * 4096);
    assert_int_equal(mmu_os_remove_shootdown_target(os, record_shot, sh), MMU_OK);
    assert_int_equal(mmu_os_remove_shootdown_target(os, record_shot, sh), MMU_OK);
    assert_int_equal(mmu_os_remove_shootdown_target(os, record_shot, sh), MMU_ENOTFOUND);
    mmu_os_destroy(os);
    free(sh);
}

/* Default latencies: a cold minor fault in a populated region costs 3200 cycles. */
static void test_latency_defaults(void **state)
{
    (void)state;
    mmu_os *os = make_os("x86_64", NULL);
    kinds k = {0};
    touch_ok(os, 1, 0, MMU_READ, &k);
    touch_ok(os, 1, 4096, MMU_READ, &k);
    assert_int_equal(k.last.lat.total, 3200);
    assert_int_equal(k.last.lat.part[MMU_OS_LAT_SHOOTDOWN], 0); /* remote_cores 0 */
    mmu_os_destroy(os);
}

/* ---- protection ---- */

static void test_protection(void **state)
{
    (void)state;
    for (unsigned fi = 0; fi < sizeof all_formats / sizeof all_formats[0]; fi++) {
        mmu_os_config c;
        mmu_os_config_defaults(&c);
        c.phys_mem = 64 * MB;
        mmu_os *os = make_os(all_formats[fi], &c);
        const mmu_pt_format *f = mmu_os_format(os);
        uint64_t ps = 1ull << f->shift[0];
        const uint64_t RO = 0x100000, SUP = 0x200000, NX = 0x300000, GL = 0x400000;
        shots *sh = calloc(1, sizeof *sh);
        assert_int_equal(mmu_os_add_shootdown_target(os, record_shot, sh), MMU_OK);
        assert_int_equal(mmu_os_map(os, 1, RO, ps, MMU_OS_PROT_READ | MMU_OS_PROT_USER, 0), MMU_OK);
        assert_int_equal(mmu_os_map(os, 1, SUP, ps, MMU_OS_PROT_READ | MMU_OS_PROT_WRITE, 0), MMU_OK);
        assert_int_equal(mmu_os_map(os, 1, NX, ps, MMU_OS_PROT_READ | MMU_OS_PROT_WRITE | MMU_OS_PROT_USER, 0),
                         MMU_OK);
        /* global: refused (no frame is shared between address spaces) */
        assert_int_equal(mmu_os_map(os, 1, GL, ps, MMU_OS_PROT_DEFAULT | MMU_OS_PROT_GLOBAL,
                                    MMU_OS_MAP_POPULATE), MMU_EUNSUPPORTED);
        assert_int_equal(mmu_os_map(os, 1, GL, ps, MMU_OS_PROT_DEFAULT, MMU_OS_MAP_POPULATE), MMU_OK);
        kinds k = {0};
        uint64_t used = stats(os).frames_used;
        /* a write to a read-only region: refused before anything is mapped */
        assert_int_equal(touch(os, 1, RO, MMU_WRITE, MMU_PRIV_USER, NULL, &k), MMU_EFAULT);
        assert_int_equal(k.last.kind, MMU_OS_FAULT_PROTECTION);
        assert_int_equal(stats(os).frames_used, used);
        /* read maps it read-only; a write then faults WRITE_RO in the walk */
        assert_int_equal(touch(os, 1, RO, MMU_READ, MMU_PRIV_USER, NULL, &k), MMU_OK);
        assert_int_equal(touch(os, 1, RO, MMU_WRITE, MMU_PRIV_USER, NULL, &k), MMU_EFAULT);
        assert_int_equal(k.last.cause, MMU_FAULT_WRITE_RO);
        assert_int_equal(k.last.lat.total, c.trap_entry + c.trap_return);
        /* supervisor only */
        assert_int_equal(touch(os, 1, SUP, MMU_READ, MMU_PRIV_USER, NULL, &k), MMU_EFAULT);
        assert_int_equal(touch(os, 1, SUP, MMU_READ, MMU_PRIV_SUPER, NULL, &k), MMU_OK);
        assert_int_equal(touch(os, 1, SUP, MMU_READ, MMU_PRIV_USER, NULL, &k), MMU_EFAULT);
        assert_int_equal(k.last.cause, MMU_FAULT_USER_SUPER);
        /* no-execute */
        assert_int_equal(touch(os, 1, NX, MMU_WRITE, MMU_PRIV_USER, NULL, &k), MMU_OK);
        assert_int_equal(touch(os, 1, NX, MMU_FETCH, MMU_PRIV_USER, NULL, &k), MMU_EFAULT);
        assert_int_equal(k.last.cause, MMU_FAULT_NX_FETCH);
        /* mapped by POPULATE: no fault, and not global */
        mmu_walk_result w;
        kinds kg = {0};
        assert_int_equal(touch(os, 1, GL, MMU_READ, MMU_PRIV_USER, &w, &kg), MMU_OK);
        assert_int_equal(kg.n[MMU_OS_FAULT_MINOR], 0);
        assert_false(w.tlb_flags & MMU_TLB_GLOBAL);
        /* non-canonical (a canonical-zero format's upper addresses too) */
        assert_int_equal(touch(os, 1, 0x8000000000000000ull, MMU_READ, MMU_PRIV_USER, NULL, &k),
                         MMU_EFAULT);
        assert_int_equal(k.last.cause, MMU_FAULT_NONCANONICAL);
        mmu_os_proc_stats p = pstats(os, 1);
        assert_int_equal(p.faults[MMU_OS_FAULT_PROTECTION], 6);
        /* making the NX page executable again changes the PTE now, with a shootdown */
        unsigned n0 = sh->n;
        assert_int_equal(mmu_os_map(os, 1, NX, ps, MMU_OS_PROT_DEFAULT, 0), MMU_OK);
        assert_int_equal(sh->n, n0 + 1);
        assert_int_equal(sh->s[n0].vaddr, NX);
        assert_int_equal(touch(os, 1, NX, MMU_FETCH, MMU_PRIV_USER, NULL, &k), MMU_OK);
        /* a written page made read-only keeps its dirtiness: evicting it writes it back */
        assert_int_equal(mmu_os_map(os, 1, NX, ps, MMU_OS_PROT_READ | MMU_OS_PROT_USER, 0), MMU_OK);
        assert_int_equal(touch(os, 1, NX, MMU_WRITE, MMU_PRIV_USER, NULL, &k), MMU_EFAULT);
        /* bad arguments */
        assert_int_equal(mmu_os_map(os, 1, 0, ps, MMU_OS_PROT_WRITE, 0), MMU_EINVAL);
        assert_int_equal(mmu_os_map(os, 1, 0, ps, MMU_OS_PROT_DEFAULT | 0x100, 0), MMU_EINVAL);
        assert_int_equal(mmu_os_map(os, 1, UINT64_MAX - 10, 100, MMU_OS_PROT_DEFAULT, 0), MMU_EINVAL);
        uint64_t top = f->canon == MMU_CANON_SIGN ? 1ull << (f->va_bits - 1) : 1ull << f->va_bits;
        assert_int_equal(mmu_os_prefault(os, 1, top - ps, 2 * ps), MMU_EINVAL); /* runs past the canonical end */
        mmu_walk_result ok = {0};
        mmu_os_fault_result r;
        assert_int_equal(mmu_os_handle_fault(os, 1, 0, MMU_READ, MMU_PRIV_USER, &ok, &r), MMU_EINVAL);
        mmu_os_destroy(os);
        free(sh);
    }
}

/*
 * The soft-dirty rule on aarch64_4k (8 frames: 4 tables, 4 data): a written
 * page made read-only loses its hardware dirty state (AP[2] set), but the
 * OS remembers it, so evicting it writes it back and it returns by a major
 * fault.
 */
static void test_soft_dirty(void **state)
{
    (void)state;
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = 8 * 4096;
    mmu_os *os = make_os("aarch64_4k", &c);
    touch_ok(os, 1, 0, MMU_WRITE, NULL);
    assert_int_equal(mmu_os_map(os, 1, 0, 4096, MMU_OS_PROT_READ | MMU_OS_PROT_USER, 0), MMU_OK);
    for (unsigned pg = 1; pg < 5; pg++) /* P4 evicts P0 */
        touch_ok(os, 1, pg * 4096ull, MMU_READ, NULL);
    assert_int_equal(stats(os).evictions, 1);
    assert_int_equal(stats(os).writebacks, 1);
    kinds k = {0};
    touch_ok(os, 1, 0, MMU_READ, &k); /* back from swap */
    assert_int_equal(k.n[MMU_OS_FAULT_MAJOR], 1);
    mmu_os_destroy(os);
}

/* ---- prefault and unmap ---- */

static void test_prefault_unmap(void **state)
{
    (void)state;
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = 64 * MB;
    mmu_os *os = make_os("x86_64", &c);
    shots *sh = calloc(1, sizeof *sh);
    assert_int_equal(mmu_os_add_shootdown_target(os, record_shot, sh), MMU_OK);
    assert_int_equal(mmu_os_prefault(os, 1, 0x10000800, 100 * 4096), MMU_OK); /* 101 pages */
    mmu_os_stats s = stats(os);
    for (unsigned kk = 0; kk < MMU_OS_FAULT_KINDS; kk++)
        assert_int_equal(s.faults[kk], 0);
    assert_int_equal(s.lat.total, 0);
    assert_int_equal(pstats(os, 1).rss, 101 * 4096);
    kinds k = {0};
    for (unsigned i = 0; i < 101; i++)
        touch_ok(os, 1, 0x10000000 + i * 4096ull, MMU_READ, &k);
    assert_int_equal(k.n[MMU_OS_FAULT_MINOR], 0);
    /* prefault again is a no-op */
    assert_int_equal(mmu_os_prefault(os, 1, 0x10000000, 101 * 4096), MMU_OK);
    assert_int_equal(pstats(os, 1).rss, 101 * 4096);
    /* unmap 50 pages: freed and shot down; the next touch is a fresh minor fault */
    uint64_t used = stats(os).frames_used;
    assert_int_equal(mmu_os_unmap(os, 1, 0x10000000, 50 * 4096), MMU_OK);
    assert_int_equal(sh->n, 50);
    assert_int_equal(sh->s[49].vaddr, 0x10000000 + 49 * 4096);
    assert_int_equal(stats(os).frames_used, used - 50);
    mmu_os_proc_stats p = pstats(os, 1);
    assert_int_equal(p.rss, 51 * 4096);
    assert_int_equal(p.vms, 51 * 4096);
    touch_ok(os, 1, 0x10000000, MMU_READ, &k);
    assert_int_equal(k.n[MMU_OS_FAULT_MINOR], 1);
    /* unmapping a range with nothing in it, and an empty range */
    assert_int_equal(mmu_os_unmap(os, 1, 0x7f0000000000ull, 1ull << 40), MMU_OK);
    assert_int_equal(mmu_os_unmap(os, 1, 0, 0), MMU_OK);
    mmu_os_destroy(os);
    free(sh);
}

/* THP prefault, and unmapping part of a huge page (split, the rest stays). */
static void test_thp_prefault_split(void **state)
{
    (void)state;
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = 64 * MB;
    c.thp = 1;
    mmu_os *os = make_os("sv39", &c);
    shots *sh = calloc(1, sizeof *sh);
    assert_int_equal(mmu_os_add_shootdown_target(os, record_shot, sh), MMU_OK);
    assert_int_equal(mmu_os_prefault(os, 1, 0x200000, 4 * MB), MMU_OK);
    mmu_os_stats s = stats(os);
    assert_int_equal(s.thp_mapped, 2);
    assert_int_equal(pstats(os, 1).rss, 4 * MB);
    /* unmap 8 KiB inside the first huge page: split, 2 pages dropped */
    assert_int_equal(mmu_os_unmap(os, 1, 0x200000 + 4096, 8192), MMU_OK);
    s = stats(os);
    assert_int_equal(s.thp_splits, 1);
    assert_int_equal(pstats(os, 1).rss, 4 * MB - 8192);
    assert_int_equal(sh->n, 3); /* the 2M page, then two 4K pages */
    assert_int_equal(sh->s[0].size, MMU_PS_2M);
    assert_int_equal(sh->s[1].size, MMU_PS_4K);
    mmu_walk_result w;
    kinds k = {0};
    assert_int_equal(touch(os, 1, 0x200000, MMU_READ, MMU_PRIV_USER, &w, &k), MMU_OK);
    assert_int_equal(w.page_size, MMU_PS_4K);
    assert_int_equal(w.pbase % (2 * MB), 0); /* still the huge page's first frame */
    assert_int_equal(k.n[MMU_OS_FAULT_MINOR], 0);
    assert_int_equal(touch(os, 1, 0x201000, MMU_READ, MMU_PRIV_USER, &w, &k), MMU_OK);
    assert_int_equal(k.n[MMU_OS_FAULT_MINOR], 1);
    /* unmap the whole second huge page: one shootdown of 2M, region eligible again */
    assert_int_equal(mmu_os_unmap(os, 1, 0x400000, 2 * MB), MMU_OK);
    assert_int_equal(sh->s[sh->n - 1].size, MMU_PS_2M);
    assert_int_equal(touch(os, 1, 0x400000, MMU_READ, MMU_PRIV_USER, &w, &k), MMU_OK);
    assert_int_equal(w.page_size, MMU_PS_2M);
    /* protecting part of a huge page splits it too */
    assert_int_equal(mmu_os_map(os, 1, 0x400000, 4096, MMU_OS_PROT_READ | MMU_OS_PROT_USER, 0), MMU_OK);
    assert_int_equal(stats(os).thp_splits, 2);
    assert_int_equal(touch(os, 1, 0x400000, MMU_WRITE, MMU_PRIV_USER, &w, &k), MMU_EFAULT);
    assert_int_equal(touch(os, 1, 0x401000, MMU_WRITE, MMU_PRIV_USER, &w, &k), MMU_OK);
    /* protecting a whole huge page changes its leaf in place: no split, one 2M shootdown */
    assert_int_equal(mmu_os_prefault(os, 1, 0x600000, 2 * MB), MMU_OK);
    unsigned n0 = sh->n;
    assert_int_equal(mmu_os_map(os, 1, 0x600000, 2 * MB, MMU_OS_PROT_READ | MMU_OS_PROT_USER, 0), MMU_OK);
    assert_int_equal(stats(os).thp_splits, 2);
    assert_int_equal(sh->n, n0 + 1);
    assert_int_equal(sh->s[n0].size, MMU_PS_2M);
    assert_int_equal(touch(os, 1, 0x7fffff, MMU_WRITE, MMU_PRIV_USER, &w, &k), MMU_EFAULT);
    assert_int_equal(k.last.cause, MMU_FAULT_WRITE_RO);
    assert_int_equal(touch(os, 1, 0x7fffff, MMU_READ, MMU_PRIV_USER, &w, &k), MMU_OK);
    assert_int_equal(w.page_size, MMU_PS_2M);
    mmu_os_destroy(os);
    free(sh);
}

/* Unmapping swapped-out pages frees their swap slots. */
static void test_unmap_swapped(void **state)
{
    (void)state;
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = 8 * 4096;
    mmu_os *os = make_os("x86_64", &c);
    for (unsigned pg = 0; pg < 8; pg++)
        touch_ok(os, 1, pg * 4096ull, MMU_WRITE, NULL);
    assert_int_equal(stats(os).swap_slots_used, 4);
    assert_int_equal(pstats(os, 1).swap, 4 * 4096);
    assert_int_equal(mmu_os_unmap(os, 1, 0, 8 * 4096), MMU_OK);
    mmu_os_stats s = stats(os);
    assert_int_equal(s.swap_slots_used, 0);
    assert_int_equal(s.frames_used, s.frames_pt);
    mmu_os_proc_stats p = pstats(os, 1);
    assert_int_equal(p.vms, 0);
    assert_int_equal(p.rss, 0);
    assert_int_equal(p.swap, 0);
    mmu_os_destroy(os);
}

/* ---- frame information, memory full of page tables ---- */

static void test_frame_info_and_full(void **state)
{
    (void)state;
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = 5 * 4096;
    mmu_os *os = make_os("x86_64", &c);
    mmu_os_frame_info fi;
    uint64_t root = mmu_os_root(os, 1);
    assert_int_equal(mmu_os_frame_info_get(os, root, &fi), MMU_OK);
    assert_int_equal(fi.kind, MMU_OS_FRAME_TABLE);
    assert_int_equal(mmu_os_frame_info_get(os, 4 * 4096, &fi), MMU_OK);
    assert_int_equal(fi.kind, MMU_OS_FRAME_FREE);
    assert_int_equal(mmu_os_frame_info_get(os, 5 * 4096, &fi), MMU_EINVAL);
    touch_ok(os, 1, 0x1234, MMU_READ, NULL);
    /* a second 1 GiB region needs two more tables: nothing can be evicted for them but the page */
    assert_int_equal(touch(os, 1, 1ull << 30, MMU_READ, MMU_PRIV_USER, NULL, NULL), MMU_EFULL);
    /* a second process cannot even get a root once memory is all tables */
    assert_int_equal(mmu_os_root(os, 2), MMU_OS_NO_ROOT);
    mmu_os_destroy(os);
    mmu_os_destroy(NULL);
}

/* ---- a TLB and paging-structure caches kept coherent by the shootdowns ---- */

typedef struct sim {
    mmu_tlb *tlb;
    mmu_pwc *pwc;
    mmu_walk_opts opts;
    unsigned removed;
} sim;

/* What the MMU's shootdown target does: drop the page from the TLB and the PWC path. */
static void sim_shootdown(void *ctx, uint16_t asid, uint64_t vaddr, mmu_page_size size)
{
    sim *m = ctx;
    (void)size;
    m->removed += mmu_tlb_invalidate(m->tlb, MMU_INVAL_ADDR_ASID, vaddr, asid);
    m->removed += mmu_pwc_invalidate(m->pwc, MMU_INVAL_ADDR_ASID, vaddr, asid);
}

/* Translate through the TLB, walking (with the PWC) on a miss, handling faults. */
static uint64_t sim_translate(mmu_os *os, sim *m, uint16_t asid, uint64_t va, mmu_access_type t)
{
    const mmu_pt_format *f = mmu_os_format(os);
    for (int i = 0; i < 4; i++) {
        mmu_tlb_entry e;
        if (mmu_tlb_lookup(m->tlb, va, asid, t, &e)) {
            assert_int_equal(mmu_pt_check_access(&m->opts, e.flags, t, MMU_PRIV_USER), MMU_FAULT_NONE);
            if (t != MMU_WRITE || (e.flags & MMU_TLB_DIRTY))
                return e.pbase + (va - e.vbase);
        }
        mmu_walk_result w;
        mmu_err err = mmu_walk(f, mmu_os_root(os, asid), mmu_os_port(os), m->pwc, va, t,
                               MMU_PRIV_USER, asid, &m->opts, &w);
        if (err == MMU_OK) {
            mmu_walk_tlb_entry(&w, asid, &e);
            assert_int_equal(mmu_tlb_insert(m->tlb, &e, NULL, NULL), MMU_OK);
            return w.paddr;
        }
        assert_int_equal(err, MMU_EFAULT);
        mmu_os_fault_result r;
        assert_int_equal(mmu_os_handle_fault(os, asid, va, t, MMU_PRIV_USER, &w, &r), MMU_OK);
        assert_true(r.kind != MMU_OS_FAULT_PROTECTION);
    }
    fail_msg("no translation");
    return 0;
}

/*
 * Returns the number of translations that disagreed with a fresh functional
 * walk of the current page tables (the shadow check of the MMU's --check).
 */
static unsigned coherence_run(const char *fname, uint32_t thp, int with_target)
{
    const mmu_pt_format *f = mmu_pt_format_find(fname);
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = thp ? 5 * MB : 64 * 4096;
    c.thp = thp;
    mmu_os *os = make_os(fname, &c);
    sim m;
    memset(&m, 0, sizeof m);
    mmu_tlb_config tc;
    mmu_tlb_config_defaults(&tc, "dtlb");
    tc.entries = tc.ways = 32;
    tc.page_sizes = (1u << MMU_PS_4K) | (1u << MMU_PS_2M);
    assert_int_equal(mmu_tlb_create(&tc, &m.tlb), MMU_OK);
    mmu_pwc_config pc;
    mmu_pwc_config_defaults(&pc, f);
    assert_int_equal(mmu_pwc_create(&pc, f, &m.pwc), MMU_OK);
    mmu_walk_opts_defaults(f, &m.opts);
    if (with_target)
        assert_int_equal(mmu_os_add_shootdown_target(os, sim_shootdown, &m), MMU_OK);
    /* the shadow walk: no side effects, and A/D as if set by hardware (a TLB may
       hold a page whose A the clock cleared: that is not a mismatch) */
    mmu_walk_opts fo = m.opts;
    fo.flags |= MMU_WALK_FUNCTIONAL;
    fo.ad_mode = MMU_AD_HW;
    uint64_t seed = 7;
    unsigned mismatches = 0;
    const uint64_t span = thp ? 8 * MB : 120 * 4096;
    for (unsigned i = 0; i < 20000; i++) {
        uint16_t asid = (uint16_t)(1 + rnd(&seed) % 2);
        /* hot pages most of the time, so the TLB hits and the clock evicts pages it holds */
        uint64_t off = rnd(&seed) % 4 ? rnd(&seed) % (span / 8) : rnd(&seed) % span;
        uint64_t va = 0x40000000ull + off;
        mmu_access_type t = rnd(&seed) % 3 ? MMU_READ : MMU_WRITE;
        uint64_t pa = sim_translate(os, &m, asid, va, t);
        mmu_walk_result w;
        if (mmu_walk(f, mmu_os_root(os, asid), mmu_os_port(os), NULL, va, t, MMU_PRIV_USER, asid,
                     &fo, &w) != MMU_OK || w.paddr != pa) {
            mismatches++;
            continue;
        }
        mmu_os_frame_info fi;
        assert_int_equal(mmu_os_frame_info_get(os, pa, &fi), MMU_OK);
        assert_int_equal(fi.asid, asid);
        assert_int_equal(fi.vaddr, va);
    }
    mmu_os_stats s = stats(os);
    assert_true(s.evictions > 100);
    if (thp)
        assert_true(s.thp_splits > 0);
    if (with_target)
        assert_true(m.removed > 0);
    mmu_os_destroy(os);
    mmu_tlb_destroy(m.tlb);
    mmu_pwc_destroy(m.pwc);
    return mismatches;
}

static void test_tlb_coherence(void **state)
{
    (void)state;
    static const char *const fmts[] = {"x86_64", "sv39", "aarch64_4k"};
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(coherence_run(fmts[i], 0, 1), 0);
        assert_int_equal(coherence_run(fmts[i], 1, 1), 0);
        /* the check has teeth: without the shootdown, stale TLB entries are used */
        assert_true(coherence_run(fmts[i], 0, 0) > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_check),
        cmocka_unit_test(test_demand_exact),
        cmocka_unit_test(test_clock_hand_worked),
        cmocka_unit_test(test_sweep_writebacks),
        cmocka_unit_test(test_swap_full),
        cmocka_unit_test(test_isolation),
        cmocka_unit_test(test_isolation_mmu),
        cmocka_unit_test(test_two_processes),
        cmocka_unit_test(test_thp_512x),
        cmocka_unit_test(test_thp_fragmentation),
        cmocka_unit_test(test_thp_evict),
        cmocka_unit_test(test_ad_software),
        cmocka_unit_test(test_sparse_footprint),
        cmocka_unit_test(test_latency_breakdown),
        cmocka_unit_test(test_latency_defaults),
        cmocka_unit_test(test_protection),
        cmocka_unit_test(test_soft_dirty),
        cmocka_unit_test(test_prefault_unmap),
        cmocka_unit_test(test_thp_prefault_split),
        cmocka_unit_test(test_unmap_swapped),
        cmocka_unit_test(test_frame_info_and_full),
        cmocka_unit_test(test_tlb_coherence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
