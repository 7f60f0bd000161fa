/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_virt.c - virtualization: the host-stage formats bit by bit (Intel
 * EPT, AMD nested paging, AArch64 stage 2, RISC-V G-stage), the exact
 * reference counts of a two-dimensional walk for every supported guest/host
 * pair (cold, and warm down to one reference), the latency of a cold 2D walk
 * as the sum of its parts, VMID isolation, hypervisor invalidations, page
 * sizes across the two dimensions, VM exits and double paging.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/mmusim.h"
#include "mmusim/virt.h"

static char msg[512];

static const mmu_pt_format *fmt(const char *name)
{
    const mmu_pt_format *f = mmu_pt_format_find(name);
    assert_non_null(f);
    return f;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1Dull;
}

static mmu_pte dec(const char *f, unsigned level, uint64_t raw)
{
    mmu_pte p;
    assert_int_equal(mmu_pte_decode(fmt(f), level, raw, &p), MMU_OK);
    return p;
}

/* ---------------------------------------------------------------- formats */

static void test_host_format_list(void **state)
{
    (void)state;
    static const char *const host[] = {"ept", "ept5", "amd_npt", "amd_npt5", "aarch64_s2_4k",
                                       "aarch64_s2_4k_40", "aarch64_s2_16k", "aarch64_s2_64k",
                                       "sv39x4", "sv48x4", "sv57x4"};
    for (size_t i = 0; i < sizeof host / sizeof host[0]; i++) {
        const mmu_pt_format *f = fmt(host[i]);
        assert_int_equal(f->host, 1);
        assert_int_equal(f->canon, MMU_CANON_ZERO);
        /* index bits tile the guest-physical address */
        unsigned bits = f->shift[0];
        for (unsigned l = 0; l < f->levels; l++)
            bits += f->index_bits[l];
        assert_int_equal(bits, f->va_bits);
    }
    assert_int_equal(fmt("x86_64")->host, 0);
    /* RISC-V G-stage: a 16 KiB root (2 extra bits), 41/50/59-bit guest-physical */
    assert_int_equal(mmu_pt_table_bytes(fmt("sv39x4"), 2), 16384);
    assert_int_equal(mmu_pt_table_bytes(fmt("sv48x4"), 3), 16384);
    assert_int_equal(mmu_pt_table_bytes(fmt("sv57x4"), 4), 16384);
    assert_int_equal(fmt("sv39x4")->va_bits, 41);
    assert_true(mmu_pt_is_canonical(fmt("sv39x4"), (1ull << 41) - 1));
    assert_false(mmu_pt_is_canonical(fmt("sv39x4"), 1ull << 41));
    /* Arm stage 2: concatenated tables at the starting level */
    assert_int_equal(mmu_pt_table_bytes(fmt("aarch64_s2_4k_40"), 2), 8192);  /* 2 tables */
    assert_int_equal(mmu_pt_table_bytes(fmt("aarch64_s2_16k"), 2), 32768);   /* 2 tables */
    assert_int_equal(mmu_pt_table_bytes(fmt("aarch64_s2_64k"), 2), 512);
    /* a host format is not a guest (walker) format */
    mmu_config c;
    mmu_config_defaults(&c);
    assert_int_equal(mmu_config_set(&c, "walker.format", "ept", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_ECONFIG);
    assert_non_null(strstr(msg, "virt.host_format"));
}

static void test_ept_bits(void **state)
{
    (void)state;
    /* present iff any of R/W/X (bits 2:0) */
    assert_int_equal(dec("ept", 0, 0x1000 | (1u << 8)).flags, 0);
    mmu_pte p = dec("ept", 0, 0x5000 | 1); /* read only */
    assert_int_equal(p.flags & (MMU_PTE_VALID | MMU_PTE_LEAF | MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_EXEC),
                     MMU_PTE_VALID | MMU_PTE_LEAF | MMU_PTE_READ);
    assert_int_equal(p.paddr, 0x5000);
    assert_true(p.flags & MMU_PTE_USER); /* no U/S in EPT: checked as user */
    p = dec("ept", 0, 0x5000 | 4); /* execute only: allowed */
    assert_int_equal(p.flags & (MMU_PTE_READ | MMU_PTE_EXEC), MMU_PTE_EXEC);
    assert_int_equal(p.reserved, 0);
    assert_int_equal(dec("ept", 0, 0x5000 | 2).reserved, 2); /* W without R: misconfiguration */
    /* leaf memory types 2, 3, 7 are reserved; 0 (UC) and 6 (WB) are not */
    assert_int_equal(dec("ept", 0, 0x5000 | 7 | (6u << 3)).reserved, 0);
    assert_int_equal(dec("ept", 0, 0x5000 | 7 | (2u << 3)).reserved, 2u << 3);
    assert_int_equal(dec("ept", 0, 0x5000 | 7 | (7u << 3)).reserved, 7u << 3);
    /* A (8), D (9, leaf) */
    p = dec("ept", 0, 0x5000 | 7 | (1u << 8) | (1u << 9));
    assert_true(p.flags & MMU_PTE_ACCESSED);
    assert_true(p.flags & MMU_PTE_DIRTY);
    p = dec("ept", 1, 0x5000 | 7 | (1u << 8) | (1u << 9)); /* a table entry: D is ignored */
    assert_false(p.flags & MMU_PTE_LEAF);
    assert_false(p.flags & MMU_PTE_DIRTY);
    /* bit 7: 2M leaf in a PDE, 1G in a PDPTE, reserved in a PML4E; table bits 7:3 reserved */
    assert_true(dec("ept", 1, 0x200000 | 7 | 0x80).flags & MMU_PTE_LEAF);
    assert_true(dec("ept", 2, 0x40000000 | 7 | 0x80).flags & MMU_PTE_LEAF);
    p = dec("ept", 3, 0x5000 | 7 | 0x80);
    assert_false(p.flags & MMU_PTE_LEAF);
    assert_int_equal(p.reserved, 0x80);
    assert_int_equal(dec("ept", 2, 0x5000 | 7 | 0x30).reserved, 0x30);
    /* encode(decode(raw)) == raw for every raw, every level, both EPT formats */
    const char *names[] = {"ept", "ept5", "aarch64_s2_4k", "aarch64_s2_16k", "aarch64_s2_64k",
                           "aarch64_s2_4k_40", "sv39x4", "sv57x4", "amd_npt"};
    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
        const mmu_pt_format *f = fmt(names[n]);
        for (int i = 0; i < 20000; i++) {
            unsigned level = (unsigned)(rnd() % f->levels);
            uint64_t raw = rnd();
            if (i & 1)
                raw &= 0x000FFFFFFFFFF7FFull | 0x7ull;
            mmu_pte q;
            uint64_t back = ~raw;
            assert_int_equal(mmu_pte_decode(f, level, raw, &q), MMU_OK);
            assert_int_equal(mmu_pte_encode(f, level, &q, &back), MMU_OK);
            if (back != raw)
                fail_msg("%s level %u: raw %#llx -> %#llx", f->name, level, (unsigned long long)raw,
                         (unsigned long long)back);
        }
    }
}

static void test_stage2_bits(void **state)
{
    (void)state;
    /* page (level 0): bits[1:0] = 11; S2AP bit 6 read, bit 7 write; AF 10; XN 54 */
    mmu_pte p = dec("aarch64_s2_4k", 0, 0x7000 | 3 | (1u << 6) | (1u << 10));
    assert_int_equal(p.flags & (MMU_PTE_LEAF | MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_EXEC | MMU_PTE_ACCESSED),
                     MMU_PTE_LEAF | MMU_PTE_READ | MMU_PTE_EXEC | MMU_PTE_ACCESSED);
    p = dec("aarch64_s2_4k", 0, 0x7000 | 3 | (3u << 6) | (1ull << 54));
    assert_true(p.flags & MMU_PTE_WRITE);
    assert_true(p.flags & MMU_PTE_DIRTY);
    assert_false(p.flags & MMU_PTE_EXEC);
    /* DBM (51) with S2AP[1] clear: writable-clean; a hardware dirty update sets S2AP[1] */
    p = dec("aarch64_s2_4k", 0, 0x7000 | 3 | (1u << 6) | (1ull << 51));
    assert_true(p.flags & MMU_PTE_WRITE);
    assert_false(p.flags & MMU_PTE_DIRTY);
    /* blocks: 1G at Arm level 1 and 2M at level 2 with 4K; 32M with 16K; 512M with 64K */
    assert_true(dec("aarch64_s2_4k", 2, 0x40000000 | 1 | (1u << 10)).flags & MMU_PTE_LEAF);
    assert_true(dec("aarch64_s2_16k", 1, 0x2000000 | 1 | (1u << 10)).flags & MMU_PTE_LEAF);
    assert_int_equal(dec("aarch64_s2_16k", 2, 0x1000000000ull | 1).flags, 0); /* no 64G block */
    assert_true(dec("aarch64_s2_64k", 1, 0x20000000 | 1 | (1u << 10)).flags & MMU_PTE_LEAF);
    /* table descriptors carry no permission limits at stage 2; RES0 address bits reserved */
    p = dec("aarch64_s2_4k", 3, 0x9000 | 3 | (0x1Full << 59));
    assert_false(p.flags & MMU_PTE_LEAF);
    assert_int_equal(p.reserved, 0);
    assert_int_equal(dec("aarch64_s2_4k", 3, 0x9000 | 3 | (1ull << 49)).reserved, 1ull << 49);
    /* the walk: stage-2 A/D: an AF-clear page faults (no FEAT_HAFDBS) */
    assert_int_equal(fmt("aarch64_s2_4k")->ad_default, MMU_AD_FAULT);
    assert_int_equal(fmt("ept")->ad_default, MMU_AD_HW);
}

/* EPTP bit 6 clear (A/D mode none): a walk neither writes nor checks A/D. */
static void test_ept_ad_none(void **state)
{
    (void)state;
    const mmu_pt_format *f = fmt("ept");
    mmu_sparse_mem *mem;
    assert_int_equal(mmu_sparse_mem_create(10, &mem), MMU_OK);
    uint64_t t = 0x1000;
    for (int l = 3; l > 0; l--) {
        assert_int_equal(mmu_sparse_mem_write64(mem, t, (t + 0x1000) | 7), MMU_OK); /* index 0 */
        t += 0x1000;
    }
    assert_int_equal(mmu_sparse_mem_write64(mem, t, 0x9000 | 7), MMU_OK); /* A and D clear */
    mmu_mem_port port = mmu_sparse_mem_port(mem);
    mmu_walk_opts o;
    mmu_walk_opts_defaults(f, &o);
    mmu_walk_result r;
    o.ad_mode = MMU_AD_NONE;
    assert_int_equal(mmu_walk(f, 0x1000, &port, NULL, 0x123, MMU_WRITE, MMU_PRIV_USER, 0, &o, &r), MMU_OK);
    assert_int_equal(r.reads, 4);
    assert_int_equal(r.writes, 0);
    assert_int_equal(r.paddr, 0x9123);
    o.ad_mode = MMU_AD_HW; /* EPTP bit 6 set: A in every entry, D in the leaf */
    assert_int_equal(mmu_walk(f, 0x1000, &port, NULL, 0x123, MMU_WRITE, MMU_PRIV_USER, 0, &o, &r), MMU_OK);
    assert_int_equal(r.writes, 4);
    assert_int_equal(mmu_sparse_mem_read64(mem, t), 0x9000 | 7 | (1u << 8) | (1u << 9));
    mmu_sparse_mem_destroy(mem);
}

/* ---------------------------------------------------------------- the 2D walk */

typedef struct env {
    mmu *m;
    mmu_os *os;
} env;

static mmu_config virt_config(const char *guest, const char *host)
{
    mmu_config c;
    mmu_config_defaults(&c);
    const char *sets[][2] = {
        {"walker.format", guest},       {"virt.enabled", "on"},         {"virt.host_format", host},
        {"tlb.arrays", "l1 l2"},        {"tlb.l1.entries", "16"},       {"tlb.l1.ways", "16"},
        {"tlb.l1.page_sizes", "4K 16K 64K 2M 32M 512M 1G"},            {"tlb.l1.latency", "1"},
        {"tlb.l2.level", "2"},          {"tlb.l2.entries", "64"},       {"tlb.l2.ways", "4"},
        {"tlb.l2.page_sizes", "4K 16K 64K 2M 32M 512M 1G"},            {"tlb.l2.latency", "7"},
        {"ptemem.mode", "fixed"},       {"ptemem.fixed_latency", "100"}, {"ptemem.data", "off"},
        {"os.phys_mem", "64M"},         {"virt.host_mem", "256M"},
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (mmu_config_set(&c, sets[i][0], sets[i][1], msg, sizeof msg) != MMU_OK)
            fail_msg("%s = %s: %s", sets[i][0], sets[i][1], msg);
    return c;
}

/* No host PWC: a host walk of one 2D walk would otherwise hit what an earlier one filled. */
static void no_host_pwc(mmu_config *c)
{
    for (int l = 1; l <= 4; l++) {
        char key[32];
        snprintf(key, sizeof key, "virt.pwc.l%d.entries", l);
        assert_int_equal(mmu_config_set(c, key, "0", msg, sizeof msg), MMU_OK);
    }
}

static env make(const mmu_config *c)
{
    env e;
    if (mmu_create(c, &e.m, msg, sizeof msg) != MMU_OK)
        fail_msg("mmu_create: %s", msg);
    if (mmu_os_create_from_config(c, &e.os, msg, sizeof msg) != MMU_OK)
        fail_msg("os: %s", msg);
    assert_int_equal(mmu_attach_os(e.m, e.os), MMU_OK);
    return e;
}

static void drop(env *e)
{
    mmu_destroy(e->m);
    mmu_os_destroy(e->os);
}

static uint64_t now; /* each request long after the last: no walk in flight to join */

static mmu_response xl(env *e, uint16_t vmid, uint16_t asid, uint64_t va, mmu_access_type t)
{
    now += 100000000;
    mmu_request r = {va, now, 1, asid, (uint8_t)t, MMU_PRIV_USER, vmid};
    mmu_response resp;
    memset(&resp, 0, sizeof resp);
    (void)mmu_translate(e->m, &r, &resp);
    return resp;
}

/* Empty every TLB array of the MMU, and nothing else. */
static void flush_tlbs(mmu *m)
{
    for (uint32_t i = 0; i < mmu_tlb_count(m); i++)
        (void)mmu_tlb_invalidate((mmu_tlb *)mmu_get_tlb(m, i), MMU_INVAL_ALL, 0, 0);
}

static const struct pair {
    const char *guest, *host;
} pairs[] = {
    {"x86_64", "ept"},           {"x86_64_la57", "ept5"},        {"x86_64", "ept5"},
    {"x86_64_la57", "ept"},      {"x86_64", "amd_npt"},          {"x86_64_la57", "amd_npt5"},
    {"sv39", "sv39x4"},          {"sv48", "sv48x4"},             {"sv57", "sv57x4"},
    {"sv39", "sv48x4"},          {"sv48", "sv39x4"},             {"aarch64_4k", "aarch64_s2_4k"},
    {"aarch64_4k", "aarch64_s2_4k_40"}, {"aarch64_4k_39", "aarch64_s2_4k_40"},
    {"aarch64_16k", "aarch64_s2_16k"},  {"aarch64_64k", "aarch64_s2_64k"},
};

/*
 * Cold: after the first access (which faults in both dimensions), every
 * cache emptied: a walk makes exactly (n+1)(m+1)-1 references, and its
 * latency is the sum of the parts (docs/timing.md, "A cold 2D walk").
 */
static void test_cold_counts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        mmu_config c = virt_config(pairs[i].guest, pairs[i].host);
        no_host_pwc(&c);
        env e = make(&c);
        const unsigned n = fmt(pairs[i].guest)->levels, mm = fmt(pairs[i].host)->levels;
        const uint64_t va = 0x12345678;
        mmu_response r = xl(&e, 0, 1, va, MMU_READ);
        assert_int_equal(r.fault, MMU_FAULT_NONE);
        const mmu_virt_stats *vs = mmu_get_virt_stats(e.m);
        assert_non_null(vs);
        assert_true(vs->exits[MMU_OS_FAULT_MINOR] > 0); /* guest memory faulted in on the host */
        uint64_t hpa = r.paddr;
        mmu_virt_invalidate(e.m, MMU_VINVAL_ALL, 0, 0, 0);
        r = xl(&e, 0, 1, va, MMU_READ);
        assert_int_equal(r.fault, MMU_FAULT_NONE);
        assert_int_equal(r.outcome, MMU_OUT_WALK);
        assert_int_equal(r.paddr, hpa);
        unsigned want = (n + 1) * (mm + 1) - 1;
        if (r.walk_refs != want)
            fail_msg("%s over %s: %u references, want %u", pairs[i].guest, pairs[i].host,
                     r.walk_refs, want);
        /* latency: TLB levels (1 + 7), guest PWC lookup, per gPA translated (n + 1) a nested-TLB
           lookup and a host PWC lookup, and 100 cycles per reference */
        const mmu_config *mc = mmu_get_config(e.m);
        uint32_t gpwc = 0, hpwc = 0;
        for (unsigned l = 1; l < n; l++) /* the largest latency of the levels with a cache */
            if (mc->pwc.level[l].entries && mc->pwc.level[l].latency > gpwc)
                gpwc = mc->pwc.level[l].latency;
        for (unsigned l = 1; l < mm; l++)
            if (mc->virt.host_pwc.level[l].entries && mc->virt.host_pwc.level[l].latency > hpwc)
                hpwc = mc->virt.host_pwc.level[l].latency;
        assert_int_equal(hpwc, 0); /* no host PWC here */
        uint32_t lat = 1 + 7 + gpwc + (n + 1) * (mc->virt.ntlb_latency + hpwc) + want * 100;
        if (r.latency != lat)
            fail_msg("%s over %s: latency %u, want %u", pairs[i].guest, pairs[i].host, r.latency, lat);
        drop(&e);
    }
}

/*
 * Warm: with the guest PWC and the nested TLB holding everything but the
 * guest leaf, a walk makes exactly 1 reference (the guest leaf PTE); with
 * only the guest PWC warm (nested TLB and host PWC empty), 1 + 2m: the
 * guest leaf read needs a host walk (m) and so does the data (m).
 */
static void test_warm_counts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        mmu_config c = virt_config(pairs[i].guest, pairs[i].host);
        no_host_pwc(&c);
        env e = make(&c);
        const unsigned mm = fmt(pairs[i].host)->levels;
        const uint64_t va = 0x12345678;
        assert_int_equal(xl(&e, 0, 1, va, MMU_READ).fault, MMU_FAULT_NONE);
        flush_tlbs(e.m);
        mmu_response r = xl(&e, 0, 1, va, MMU_READ);
        assert_int_equal(r.outcome, MMU_OUT_WALK);
        if (r.walk_refs != 1)
            fail_msg("%s over %s warm: %u references, want 1", pairs[i].guest, pairs[i].host, r.walk_refs);
        assert_int_equal(r.pwc_level, 1);
        /* nested TLB and host PWC emptied, guest PWC warm: the leaf (1 + m) and the data (m) */
        flush_tlbs(e.m);
        (void)mmu_tlb_invalidate((mmu_tlb *)mmu_get_nested_tlb(e.m), MMU_INVAL_ALL, 0, 0);
        (void)mmu_pwc_invalidate((mmu_pwc *)mmu_get_host_pwc(e.m), MMU_INVAL_ALL, 0, 0);
        r = xl(&e, 0, 1, va, MMU_READ);
        assert_int_equal(r.pwc_level, 1);
        if (r.walk_refs != 1 + 2 * mm)
            fail_msg("%s over %s, guest PWC warm only: %u references, want %u", pairs[i].guest,
                     pairs[i].host, r.walk_refs, 1 + 2 * mm);
        drop(&e);
    }
}

/*
 * One cache warm at a time (the others off): the nested TLB alone serves
 * every guest-physical address: n references (the guest PTEs); the host PWC
 * alone (all guest-physical pages of this small VM under one host level-1
 * entry) leaves one host reference per host walk: n + (n + 1).
 */
static void test_each_cache_warm(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        const unsigned n = fmt(pairs[i].guest)->levels;
        for (int which = 0; which < 2; which++) {
            mmu_config c = virt_config(pairs[i].guest, pairs[i].host);
            for (int l = 1; l <= 4; l++) {
                char key[32];
                snprintf(key, sizeof key, "pwc.l%d.entries", l);
                assert_int_equal(mmu_config_set(&c, key, "0", msg, sizeof msg), MMU_OK);
            }
            if (which == 0)
                no_host_pwc(&c);
            else
                assert_int_equal(mmu_config_set(&c, "virt.ntlb.entries", "0", msg, sizeof msg), MMU_OK);
            env e = make(&c);
            const uint64_t va = 0x12345678;
            assert_int_equal(xl(&e, 0, 1, va, MMU_READ).fault, MMU_FAULT_NONE);
            flush_tlbs(e.m);
            mmu_response r = xl(&e, 0, 1, va, MMU_READ);
            unsigned want = which == 0 ? n : 2 * n + 1;
            if (r.walk_refs != want)
                fail_msg("%s over %s, only the %s warm: %u references, want %u", pairs[i].guest,
                         pairs[i].host, which == 0 ? "nested TLB" : "host PWC", r.walk_refs, want);
            drop(&e);
        }
    }
}

/* Two VMs with the same guest-virtual and guest-physical addresses share no entry and no frame. */
static void test_vmid_isolation(void **state)
{
    (void)state;
    mmu_config c = virt_config("x86_64", "ept");
    env e = make(&c);
    const uint64_t va = 0x7000123;
    mmu_response a = xl(&e, 1, 1, va, MMU_WRITE);
    mmu_response b = xl(&e, 2, 1, va, MMU_WRITE);
    assert_int_equal(a.fault, MMU_FAULT_NONE);
    assert_int_equal(b.fault, MMU_FAULT_NONE);
    assert_int_equal(b.outcome, MMU_OUT_WALK); /* VM 1's TLB entry is not VM 2's */
    assert_int_equal(b.pwc_level, -1);         /* nor are VM 1's guest PWC entries, same gVA */
    assert_true(b.page_faults > 0);            /* VM 2's guest OS faulted the page in itself */
    /* the same guest-physical address in both VMs (each guest OS allocates alike) ... */
    mmu_os *g1 = mmu_get_guest_os(e.m, 1), *g2 = mmu_get_guest_os(e.m, 2);
    assert_non_null(g1);
    assert_non_null(g2);
    assert_ptr_not_equal(g1, g2);
    mmu_walk_opts o;
    mmu_walk_opts_defaults(fmt("x86_64"), &o);
    o.flags |= MMU_WALK_FUNCTIONAL;
    mmu_walk_result w1, w2;
    assert_int_equal(mmu_walk(fmt("x86_64"), mmu_os_root(g1, 1), mmu_os_port(g1), NULL, va, MMU_READ,
                              MMU_PRIV_USER, 1, &o, &w1), MMU_OK);
    assert_int_equal(mmu_walk(fmt("x86_64"), mmu_os_root(g2, 1), mmu_os_port(g2), NULL, va, MMU_READ,
                              MMU_PRIV_USER, 1, &o, &w2), MMU_OK);
    assert_int_equal(w1.paddr, w2.paddr);
    /* ... backed by different host frames */
    assert_true((a.paddr >> 12) != (b.paddr >> 12));
    /* the nested TLB holds that gPA once per VM, each with its own frame */
    mmu_tlb_entry n1, n2;
    const mmu_tlb *nt = mmu_get_nested_tlb(e.m);
    assert_true(mmu_tlb_probe(nt, w1.paddr, 1, &n1));
    assert_true(mmu_tlb_probe(nt, w1.paddr, 2, &n2));
    assert_true(n1.pbase != n2.pbase);
    assert_false(mmu_tlb_probe(nt, w1.paddr, 3, NULL));
    /* the host PWC holds that gPA's path once per VM, each into its own host tables */
    mmu_pwc_entry h1, h2;
    const mmu_pwc *hp = mmu_get_host_pwc(e.m);
    assert_true(mmu_pwc_probe(hp, w1.paddr, 1, &h1) >= 1);
    assert_true(mmu_pwc_probe(hp, w1.paddr, 2, &h2) >= 1);
    assert_true(h1.table != h2.table);
    /* the TLB: each VM hits its own entry */
    mmu_response a2 = xl(&e, 1, 1, va, MMU_READ), b2 = xl(&e, 2, 1, va, MMU_READ);
    assert_int_equal(a2.outcome, MMU_OUT_TLB);
    assert_int_equal(b2.outcome, MMU_OUT_TLB);
    assert_int_equal(a2.paddr, a.paddr);
    assert_int_equal(b2.paddr, b.paddr);
    /* guest PWC: VM 3, same gVA, with its own tables: no PWC hit from VM 1 or 2 */
    mmu_response d = xl(&e, 3, 1, va, MMU_READ);
    assert_int_equal(d.fault, MMU_FAULT_NONE);
    assert_true(d.paddr >> 12 != a.paddr >> 12 && d.paddr >> 12 != b.paddr >> 12);
    /* host frames: each VM is a host process of its own */
    mmu_os_proc_stats p1, p2;
    assert_int_equal(mmu_os_proc_find(mmu_get_host_os(e.m), 1, &p1), MMU_OK);
    assert_int_equal(mmu_os_proc_find(mmu_get_host_os(e.m), 2, &p2), MMU_OK);
    assert_true(p1.root != p2.root);
    drop(&e);
}

/* Invalidation kinds: by VMID, VMID+ASID, VMID+gVA, gPA, all. */
static void test_invalidations(void **state)
{
    (void)state;
    mmu_config c = virt_config("x86_64", "ept");
    env e = make(&c);
    const uint64_t va = 0x400000, vb = 0x800000;
    for (uint16_t vm = 1; vm <= 2; vm++)
        for (uint16_t as = 1; as <= 2; as++) {
            assert_int_equal(xl(&e, vm, as, va, MMU_READ).fault, MMU_FAULT_NONE);
            assert_int_equal(xl(&e, vm, as, vb, MMU_READ).fault, MMU_FAULT_NONE);
        }
#define HIT(vm, as, v) (xl(&e, vm, as, v, MMU_READ).outcome == MMU_OUT_TLB)
    assert_true(HIT(1, 1, va) && HIT(1, 2, va) && HIT(2, 1, va) && HIT(2, 2, vb));
    mmu_virt_invalidate(e.m, MMU_VINVAL_VMID_GVA, 1, 1, va);
    assert_false(HIT(1, 1, va)); /* refilled by that walk */
    assert_true(HIT(1, 1, vb) && HIT(1, 2, va) && HIT(2, 1, va));
    mmu_virt_invalidate(e.m, MMU_VINVAL_VMID_ASID, 1, 2, 0);
    assert_false(HIT(1, 2, vb));
    assert_true(HIT(1, 1, vb) && HIT(2, 2, va));
    mmu_virt_invalidate(e.m, MMU_VINVAL_VMID, 2, 0, 0);
    const mmu_tlb *nt = mmu_get_nested_tlb(e.m);
    uint32_t before = mmu_tlb_occupancy(nt);
    assert_true(before > 0);
    assert_false(HIT(2, 1, va));
    assert_true(HIT(1, 1, va));
    mmu_virt_invalidate(e.m, MMU_VINVAL_ALL, 0, 0, 0);
    assert_int_equal(mmu_tlb_occupancy(nt), 0);
    assert_int_equal(mmu_tlb_occupancy(mmu_get_tlb(e.m, 0)), 0);
    assert_false(HIT(1, 1, va));
#undef HIT
    drop(&e);
}

/* Guest huge page over host base pages splinters; host huge pages under guest base pages too. */
static void test_page_sizes(void **state)
{
    (void)state;
    static const struct {
        const char *gthp, *hthp;
        unsigned want;
    } cases[] = {{"on", "off", MMU_PS_4K}, {"off", "on", MMU_PS_4K}, {"on", "on", MMU_PS_2M},
                 {"off", "off", MMU_PS_4K}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mmu_config c = virt_config("x86_64", "ept");
        assert_int_equal(mmu_config_set(&c, "os.thp", cases[i].gthp, msg, sizeof msg), MMU_OK);
        assert_int_equal(mmu_config_set(&c, "virt.host_thp", cases[i].hthp, msg, sizeof msg), MMU_OK);
        env e = make(&c);
        const uint64_t va = 0x40000000 + 0x12345;
        mmu_response r = xl(&e, 0, 1, va, MMU_WRITE);
        assert_int_equal(r.fault, MMU_FAULT_NONE);
        assert_int_equal(r.page_size, cases[i].want);
        /* a neighbour in the same guest 2M page: a TLB hit only if the entry is 2M */
        mmu_response n = xl(&e, 0, 1, va + 0x1000, MMU_READ);
        assert_int_equal(n.fault, MMU_FAULT_NONE);
        assert_int_equal(n.outcome == MMU_OUT_TLB, cases[i].want == MMU_PS_2M);
        /* the functional 2D walk (--check) agrees */
        mmu_request q = {va, 0, 1, 1, MMU_READ, MMU_PRIV_USER, 0};
        mmu_response d;
        assert_int_equal(mmu_walk_debug(e.m, &q, &d), MMU_OK);
        assert_int_equal(d.paddr, r.paddr);
        drop(&e);
    }
}

static uint64_t page_bytes(unsigned ps)
{
    return UINT64_C(1) << mmu_page_shift((mmu_page_size)ps);
}

/* Write the entry `index` of the table at `table` (level `level` of format f) through port. */
static void put(const mmu_mem_port *port, const mmu_pt_format *f, unsigned level, uint64_t table,
                uint64_t index, uint64_t paddr, int leaf)
{
    mmu_pte q = {paddr, 0, 0,
                 MMU_PTE_VALID | MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_EXEC | MMU_PTE_USER |
                     MMU_PTE_ACCESSED | (leaf ? MMU_PTE_LEAF | MMU_PTE_DIRTY : 0u)};
    uint64_t raw;
    if (mmu_pte_encode(f, level, &q, &raw) != MMU_OK)
        fail_msg("%s: cannot encode a level-%u %s to %#llx", f->name, level, leaf ? "leaf" : "table",
                 (unsigned long long)paddr);
    (void)port->write64(port->ctx, table + index * 8, raw);
}

/*
 * Every guest page size (4K, 2M, 1G) over every host page size (4K, 2M,
 * 1G), x86-64 over EPT and over AMD nested paging, with both dimensions'
 * tables built by hand (the host OS model maps at most 2M pages): the
 * host-physical address, the TLB entry's page (the smaller of the two), the
 * nested TLB entry's page (the host page), and the exact references of the
 * cold walk, (n + 1)(m + 1) - 1 with n guest and m host levels walked (a
 * huge page ends its walk early).
 *
 * Guest-physical: tables PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000;
 * va = 1G + off maps gPA 2G + off whatever the guest page size.  Host:
 * gPA x maps hPA 4G + x (gPA [0, 1G) and [2G, 3G) only).
 */
static void test_huge_combinations(void **state)
{
    (void)state;
    static const char *const hosts[] = {"ept", "amd_npt"};
    static const unsigned ps[] = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G};
    const uint64_t G = UINT64_C(1) << 30, H = 4 * G, off = 0x123456, va = G + off;
    const uint64_t gdata = 2 * G + off, want_pa = H + gdata;
    for (size_t hf = 0; hf < sizeof hosts / sizeof hosts[0]; hf++)
        for (unsigned gl = 0; gl < 3; gl++)     /* guest leaf level: 0 4K, 1 2M, 2 1G */
            for (unsigned hl = 0; hl < 3; hl++)   /* host leaf level */
                for (int nt = 0; nt < 2; nt++) {   /* without, with a nested TLB */
                    mmu_config c = virt_config("x86_64", hosts[hf]);
                    no_host_pwc(&c);
                    if (!nt)
                        assert_int_equal(
                            mmu_config_set(&c, "virt.ntlb.entries", "0", msg, sizeof msg), MMU_OK);
                    mmu *m;
                    if (mmu_create(&c, &m, msg, sizeof msg) != MMU_OK)
                        fail_msg("mmu_create: %s", msg);
                    const mmu_pt_format *gf = fmt("x86_64"), *hfm = fmt(hosts[hf]);
                    /* the guest tables, in a guest-physical memory of our own */
                    mmu_sparse_mem *gm;
                    assert_int_equal(mmu_sparse_mem_create(0, &gm), MMU_OK);
                    mmu_mem_port gp = mmu_sparse_mem_port(gm);
                    put(&gp, gf, 3, 0x1000, 0, 0x2000, 0);
                    if (gl == 2)
                        put(&gp, gf, 2, 0x2000, 1, 2 * G, 1);
                    else
                        put(&gp, gf, 2, 0x2000, 1, 0x3000, 0);
                    if (gl == 1)
                        put(&gp, gf, 1, 0x3000, 0, 2 * G, 1);
                    else if (gl == 0) {
                        put(&gp, gf, 1, 0x3000, 0, 0x4000, 0);
                        for (uint64_t i = 0; i < 512; i++)
                            put(&gp, gf, 0, 0x4000, i, 2 * G + i * 4096, 1);
                    }
                    mmu_set_memory(m, &gp);
                    assert_int_equal(mmu_set_root(m, 1, 0x1000), MMU_OK);
                    /* the host tables, in the host OS model's memory, under its root of VM 0 */
                    mmu_os *host = mmu_get_host_os(m);
                    const mmu_mem_port *hp = mmu_os_port(host);
                    const uint64_t root = mmu_os_root(host, 0), T = 0x0E000000;
                    assert_true(root < T || root >= T + 0x5000);
                    put(hp, hfm, 3, root, 0, T, 0);
                    /* PDPT entries 0 (gPA 0 .. 1G: guest tables) and 2 (2G .. 3G: data) */
                    for (uint64_t k = 0; k <= 2; k += 2) {
                        const uint64_t pd = T + 0x1000 * (1 + k / 2), pt = T + 0x1000 * (3 + k / 2);
                        if (hl == 2) {
                            put(hp, hfm, 2, T, k, H + k * G, 1);
                            continue;
                        }
                        put(hp, hfm, 2, T, k, pd, 0);
                        if (hl == 1) {
                            put(hp, hfm, 1, pd, 0, H + k * G, 1);
                            continue;
                        }
                        put(hp, hfm, 1, pd, 0, pt, 0);
                        for (uint64_t i = 0; i < 512; i++)
                            put(hp, hfm, 0, pt, i, H + k * G + i * 4096, 1);
                    }
                    const char *gn = gl == 0 ? "4K" : gl == 1 ? "2M" : "1G";
                    const char *hn = hl == 0 ? "4K" : hl == 1 ? "2M" : "1G";
                    /* the cold walk: n = 4 - gl guest levels, m = 4 - hl host levels */
                    env e = {m, NULL};
                    mmu_response r = xl(&e, 0, 1, va, MMU_READ);
                    if (r.fault != MMU_FAULT_NONE)
                        fail_msg("guest %s over %s %s: fault %d", gn, hosts[hf], hn, (int)r.fault);
                    assert_int_equal(r.outcome, MMU_OUT_WALK);
                    assert_int_equal(r.paddr, want_pa);
                    /* without a nested TLB each of the n + 1 gPAs (n guest tables, the data)
                       takes a host walk; with one, a host page holding several takes one walk:
                       the guest tables (gPA 0x1000 .. 0x4fff) share a host 2M or 1G page, the
                       data has its own */
                    const unsigned n = 4 - gl, mm = 4 - hl;
                    const unsigned hw = nt && hl ? 2 : n + 1, want = n + hw * mm;
                    /* docs/virtualization.md's table, [guest][host] */
                    static const unsigned cold[3][3] = {{24, 19, 14}, {19, 15, 11}, {14, 11, 8}};
                    if (!nt)
                        assert_int_equal(want, cold[gl][hl]);
                    if (r.walk_refs != want)
                        fail_msg("guest %s over %s %s%s: %u references, want %u", gn, hosts[hf], hn,
                                 nt ? " (nested TLB)" : "", r.walk_refs, want);
                    const mmu_virt_stats *vs = mmu_get_virt_stats(m);
                    uint64_t gr = 0, hr = 0;
                    for (unsigned l = 0; l < MMU_PT_MAX_LEVELS; l++)
                        gr += vs->guest_reads[l], hr += vs->host_reads[l];
                    assert_int_equal(gr, n);
                    assert_int_equal(hr, hw * mm);
                    assert_int_equal(vs->guest_reads[gl], 1); /* the guest leaf, at its level */
                    assert_int_equal(vs->host_reads[hl], hw); /* one host leaf per host walk */
                    assert_int_equal(vs->host_walks, hw);
                    assert_int_equal(vs->guest_writes + vs->host_writes, 0); /* A and D preset */
                    assert_int_equal(vs->failed, 0);
                    /* the TLB entry: the smaller page; the nested TLB entry: the host page */
                    const unsigned small = ps[gl < hl ? gl : hl];
                    assert_int_equal(r.page_size, small);
                    mmu_tlb_entry te;
                    assert_int_equal(mmu_tlb_probe(mmu_get_tlb(m, 0), va, 1, &te), 1);
                    assert_int_equal(te.page_size, small);
                    assert_int_equal(te.pbase, want_pa & ~(page_bytes(small) - 1));
                    if (nt) {
                        const mmu_tlb *ntlb = mmu_get_nested_tlb(m);
                        assert_int_equal(mmu_tlb_probe(ntlb, gdata, 0, &te), 1);
                        assert_int_equal(te.page_size, ps[hl]);
                        assert_int_equal(te.pbase, want_pa & ~(page_bytes(ps[hl]) - 1));
                        /* the guest leaf table's gPA */
                        assert_int_equal(mmu_tlb_probe(ntlb, 0x4000 - gl * 0x1000, 0, &te), 1);
                        assert_int_equal(te.page_size, ps[hl]);
                    }
                    /* the next 4K page: a TLB hit iff the entry is 2M or 1G (splintering) */
                    r = xl(&e, 0, 1, va + 0x1000, MMU_READ);
                    assert_int_equal(r.fault, MMU_FAULT_NONE);
                    assert_int_equal(r.paddr, want_pa + 0x1000);
                    assert_int_equal(r.outcome == MMU_OUT_TLB, small != MMU_PS_4K);
                    /* 2M further (still in a 1G page of both): a TLB hit iff the entry is 1G */
                    if (gl == 2 && hl == 2) {
                        r = xl(&e, 0, 1, va + 0x200000, MMU_READ);
                        assert_int_equal(r.fault, MMU_FAULT_NONE);
                        assert_int_equal(r.outcome, MMU_OUT_TLB);
                        assert_int_equal(r.paddr, want_pa + 0x200000);
                    }
                    mmu_destroy(m);
                    mmu_sparse_mem_destroy(gm);
                }
}

/* Host memory smaller than the guest's: host swapping that the guest never sees (double paging). */
static void test_double_paging(void **state)
{
    (void)state;
    mmu_config c = virt_config("x86_64", "ept");
    assert_int_equal(mmu_config_set(&c, "virt.host_mem", "1M", msg, sizeof msg), MMU_OK);
    env e = make(&c);
    const unsigned pages = 600; /* 2.4 MiB of guest memory touched, 1 MiB of host memory */
    for (int round = 0; round < 2; round++)
        for (unsigned p = 0; p < pages; p++) {
            mmu_response r = xl(&e, 0, 1, 0x10000000 + (uint64_t)p * 4096, MMU_WRITE);
            assert_int_equal(r.fault, MMU_FAULT_NONE);
        }
    mmu_os_stats hs, gs;
    mmu_os_get_stats(mmu_get_host_os(e.m), &hs);
    mmu_os_get_stats(e.os, &gs);
    assert_true(hs.evictions > 0);
    assert_true(hs.writebacks > 0);
    assert_true(hs.swap_ins > 0);
    assert_int_equal(gs.faults[MMU_OS_FAULT_MAJOR], 0); /* the guest sees no swapping */
    assert_int_equal(gs.evictions, 0);
    const mmu_virt_stats *vs = mmu_get_virt_stats(e.m);
    assert_true(vs->exits[MMU_OS_FAULT_MAJOR] > 0);
    assert_true(vs->exit_cycles > 0);
    assert_int_equal(vs->failed, 0);
    /* every translation still agrees with the functional 2D walk */
    for (unsigned p = 0; p < pages; p += 37) {
        uint64_t va = 0x10000000 + (uint64_t)p * 4096;
        mmu_response r = xl(&e, 0, 1, va, MMU_READ), d;
        mmu_request q = {va, 0, 1, 1, MMU_READ, MMU_PRIV_USER, 0};
        assert_int_equal(r.fault, MMU_FAULT_NONE);
        assert_int_equal(mmu_walk_debug(e.m, &q, &d), MMU_OK);
        assert_int_equal(d.paddr, r.paddr);
    }
    drop(&e);
}

/* Virtualization off: a request's vmid is ignored (natively every request is one address space). */
static void test_native_ignores_vmid(void **state)
{
    (void)state;
    mmu_config c = virt_config("x86_64", "ept");
    assert_int_equal(mmu_config_set(&c, "virt.enabled", "off", msg, sizeof msg), MMU_OK);
    env e = make(&c);
    assert_null(mmu_get_virt_stats(e.m));
    mmu_response a = xl(&e, 0, 1, 0x5000, MMU_READ);
    mmu_response b = xl(&e, 7, 1, 0x5000, MMU_READ);
    assert_int_equal(b.outcome, MMU_OUT_TLB);
    assert_int_equal(a.paddr, b.paddr);
    drop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_format_list), cmocka_unit_test(test_ept_bits),
        cmocka_unit_test(test_stage2_bits),      cmocka_unit_test(test_ept_ad_none),
        cmocka_unit_test(test_cold_counts),      cmocka_unit_test(test_warm_counts),
        cmocka_unit_test(test_each_cache_warm),
        cmocka_unit_test(test_vmid_isolation),   cmocka_unit_test(test_invalidations),
        cmocka_unit_test(test_page_sizes),       cmocka_unit_test(test_huge_combinations),
        cmocka_unit_test(test_double_paging),
        cmocka_unit_test(test_native_ignores_vmid),
    };
    return cmocka_run_group_tests_name("virt", tests, NULL, NULL);
}
