/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_walk.c - the table-driven page-table walk over hand-built page
 * tables (built with the PTE encode API in the sparse memory), for every
 * format and page size; every fault cause at every level where it can occur;
 * exact reference counts over a counting memory port, with and without
 * paging-structure caches; accessed/dirty updates and faults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/memport.h"
#include "mmusim/pagetable.h"
#include "mmusim/ptemem.h"
#include "mmusim/pwc.h"
#include "pt_walk_internal.h"

enum {
    V = MMU_PTE_VALID, L = MMU_PTE_LEAF, R = MMU_PTE_READ, W = MMU_PTE_WRITE, X = MMU_PTE_EXEC,
    U = MMU_PTE_USER, G = MMU_PTE_GLOBAL, A = MMU_PTE_ACCESSED, D = MMU_PTE_DIRTY,
    PXN = MMU_PTE_PXN, DBM = MMU_PTE_DBM
};

#define LAT 10 /* cycles per PTE reference */

/* ---- a counting port over the sparse memory ---- */

typedef struct counting_port {
    mmu_mem_port inner;
    unsigned reads;
    unsigned writes;
} counting_port;

static uint32_t count_read(void *ctx, uint64_t paddr, uint64_t *value)
{
    counting_port *c = ctx;
    c->reads++;
    return c->inner.read64(c->inner.ctx, paddr, value);
}

static uint32_t count_write(void *ctx, uint64_t paddr, uint64_t value)
{
    counting_port *c = ctx;
    c->writes++;
    return c->inner.write64(c->inner.ctx, paddr, value);
}

/* ---- a page-table builder using only the public encode API ---- */

typedef struct env {
    const mmu_pt_format *f;
    mmu_sparse_mem *mem;
    counting_port cp;
    mmu_mem_port port;
    uint64_t root;
    uint64_t next;    /* next free table frame */
    uint64_t granule; /* table frame size */
    uint32_t tflags;  /* flags of new table entries */
} env;

static uint32_t default_table_flags(const mmu_pt_format *f)
{
    switch (f->arch) {
    case MMU_PT_ARCH_X86:
        return V | R | W | U | X | A;
    case MMU_PT_ARCH_RISCV:
        return V;
    default:
        return V | R | W | U | X;
    }
}

static env *env_new(const char *name)
{
    env *e = calloc(1, sizeof *e);
    assert_non_null(e);
    e->f = mmu_pt_format_find(name);
    assert_non_null(e->f);
    assert_int_equal(mmu_sparse_mem_create(LAT, &e->mem), MMU_OK);
    e->cp.inner = mmu_sparse_mem_port(e->mem);
    e->port.ctx = &e->cp;
    e->port.read64 = count_read;
    e->port.write64 = count_write;
    e->granule = 1ull << e->f->shift[0];
    e->next = 0x10000000; /* tables from 256 MiB up */
    e->root = e->next;
    e->next += e->granule;
    e->tflags = default_table_flags(e->f);
    return e;
}

static void env_free(env *e)
{
    mmu_sparse_mem_destroy(e->mem);
    free(e);
}

static uint64_t rd(env *e, uint64_t pa)
{
    return mmu_sparse_mem_read64(e->mem, pa);
}

static void wr(env *e, uint64_t pa, uint64_t v)
{
    assert_int_equal(mmu_sparse_mem_write64(e->mem, pa, v), MMU_OK);
}

/* Address of the entry of the given level on va's path (the tables above must exist). */
static uint64_t entry_addr(env *e, uint64_t va, unsigned level)
{
    uint64_t table = e->root;
    for (unsigned l = e->f->levels - 1;; l--) {
        uint64_t pa = table + mmu_pt_index(e->f, l, va) * e->f->pte_size;
        if (l == level)
            return pa;
        mmu_pte p;
        assert_int_equal(mmu_pte_decode(e->f, l, rd(e, pa), &p), MMU_OK);
        assert_true((p.flags & V) && !(p.flags & L));
        table = p.paddr;
    }
}

/* Map va to pa with a leaf at leaf_level; tables are created with e->tflags.  Returns the leaf's address. */
static uint64_t map(env *e, uint64_t va, uint64_t pa, unsigned leaf_level, uint32_t leaf_flags)
{
    const mmu_pt_format *f = e->f;
    uint64_t table = e->root;
    for (unsigned l = f->levels - 1; l > leaf_level; l--) {
        uint64_t ea = table + mmu_pt_index(f, l, va) * f->pte_size;
        mmu_pte p;
        assert_int_equal(mmu_pte_decode(f, l, rd(e, ea), &p), MMU_OK);
        if (!(p.flags & V)) {
            mmu_pte t = {e->next, 0, 0, e->tflags};
            e->next += e->granule;
            uint64_t raw;
            assert_int_equal(mmu_pte_encode(f, l, &t, &raw), MMU_OK);
            wr(e, ea, raw);
            p = t;
        }
        assert_false(p.flags & L);
        table = p.paddr;
    }
    uint64_t ea = table + mmu_pt_index(f, leaf_level, va) * f->pte_size;
    mmu_pte leaf = {pa, 0, 0, leaf_flags | V | L};
    uint64_t raw;
    assert_int_equal(mmu_pte_encode(f, leaf_level, &leaf, &raw), MMU_OK);
    wr(e, ea, raw);
    return ea;
}

/* Set and clear raw bits of the entry of a level on va's path. */
static void poke(env *e, uint64_t va, unsigned level, uint64_t set, uint64_t clear)
{
    uint64_t ea = entry_addr(e, va, level);
    wr(e, ea, (rd(e, ea) | set) & ~clear);
}

static mmu_err walk(env *e, mmu_pwc *pwc, uint64_t va, mmu_access_type t, mmu_priv p,
                    const mmu_walk_opts *o, mmu_walk_result *r)
{
    e->cp.reads = e->cp.writes = 0;
    mmu_err err = mmu_walk(e->f, e->root, &e->port, pwc, va, t, p, 1, o, r);
    if (err == MMU_OK || err == MMU_EFAULT) {
        assert_int_equal(r->reads, e->cp.reads); /* the result counts what the port saw */
        assert_int_equal(r->writes, e->cp.writes);
        assert_int_equal(r->mem_latency, LAT * (e->cp.reads + e->cp.writes));
        assert_int_equal(r->latency, r->mem_latency + r->pwc_latency);
    }
    return err;
}

/* Expect a fault of a cause at a level. */
static void expect_fault(env *e, uint64_t va, mmu_access_type t, mmu_priv p, const mmu_walk_opts *o,
                         mmu_fault cause, int level)
{
    mmu_walk_result r;
    mmu_err err = walk(e, NULL, va, t, p, o, &r);
    if (err != MMU_EFAULT || r.fault != cause || r.fault_level != level)
        fail_msg("%s va 0x%llx type %d priv %d: got err %d fault %s at level %d, want %s at %d",
                 e->f->name, (unsigned long long)va, t, p, err, mmu_fault_id((mmu_fault)r.fault),
                 r.fault_level, mmu_fault_id(cause), level);
    assert_int_equal(r.writes, 0);
}

static void expect_ok(env *e, uint64_t va, mmu_access_type t, mmu_priv p, const mmu_walk_opts *o,
                      mmu_walk_result *out)
{
    mmu_walk_result r;
    mmu_err err = walk(e, NULL, va, t, p, o, &r);
    if (err != MMU_OK)
        fail_msg("%s va 0x%llx type %d priv %d: fault %s at level %d", e->f->name,
                 (unsigned long long)va, t, p, mmu_fault_id((mmu_fault)r.fault), r.fault_level);
    if (out)
        *out = r;
}

/* A test address with a distinct non-zero index at every level; high: upper (sign-extended) half. */
static uint64_t test_va(const mmu_pt_format *f, int high)
{
    uint64_t va = 0xABCull & ((1ull << f->shift[0]) - 1);
    for (unsigned l = 0; l < f->levels; l++) {
        uint64_t idx = (0x5Aull + 37 * l) & ((1ull << f->index_bits[l]) - 1);
        if (idx == 0)
            idx = 1;
        va |= idx << f->shift[l];
    }
    if (high && f->canon == MMU_CANON_SIGN)
        va |= ~0ull << (f->va_bits - 1);
    else
        va &= ~(1ull << (f->va_bits - 1)) & ((1ull << f->va_bits) - 1);
    return va;
}

/* A physical page base for a leaf at a level: 7 pages of that size up, within the PA range. */
static uint64_t test_pa(const mmu_pt_format *f, unsigned level)
{
    return 7ull << f->shift[level];
}

static const uint32_t ALL = R | W | X | U | A | D;

static mmu_walk_opts opts_of(const mmu_pt_format *f, uint32_t set, uint32_t clear, unsigned ad)
{
    mmu_walk_opts o;
    mmu_walk_opts_defaults(f, &o);
    o.flags = (o.flags | set) & ~clear;
    o.ad_mode = (uint8_t)ad;
    return o;
}

/* ---- every format, every page size ---- */

static void test_every_page_size(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host)
            continue; /* host-stage formats: tests/test_virt.c */
        for (unsigned lvl = 0; lvl < f->levels; lvl++) {
            if (!(f->leaf_levels & (1u << lvl)))
                continue;
            for (int high = 0; high < 2; high++) {
                env *e = env_new(f->name);
                uint64_t va = test_va(f, high);
                uint64_t pa = test_pa(f, lvl);
                uint64_t leaf = map(e, va, pa, lvl, ALL);
                mmu_walk_result r;
                for (int t = 0; t < MMU_ACCESS_TYPES; t++) {
                    expect_ok(e, va, (mmu_access_type)t, MMU_PRIV_USER, NULL, &r);
                    uint64_t off = va & ((1ull << f->shift[lvl]) - 1);
                    assert_int_equal(r.paddr, pa | off);
                    assert_int_equal(r.pbase, pa);
                    assert_int_equal(r.vbase, va - off);
                    assert_int_equal(r.page_size, f->page_size[lvl]);
                    assert_int_equal(r.page_shift, f->shift[lvl]);
                    assert_int_equal(r.leaf_level, lvl);
                    assert_int_equal(r.first_level, f->levels - 1);
                    assert_int_equal(r.pwc_level, -1);
                    assert_int_equal(r.fault, MMU_FAULT_NONE);
                    assert_int_equal(r.fault_level, -1);
                    assert_int_equal(r.reads, f->levels - lvl);
                    assert_int_equal(r.writes, 0);
                    assert_int_equal(r.read_addr[r.reads - 1], leaf);
                    assert_int_equal(r.pte, rd(e, leaf));
                    assert_int_equal(r.tlb_flags, MMU_TLB_WRITE | MMU_TLB_USER | MMU_TLB_EXEC |
                                                      MMU_TLB_DIRTY | MMU_TLB_READ);
                }
                /* the neighbouring page in the same last table is unmapped */
                if (lvl + 1 < f->levels) {
                    uint64_t other = va ^ (1ull << f->shift[lvl]);
                    expect_fault(e, other, MMU_READ, MMU_PRIV_USER, NULL, MMU_FAULT_NOT_PRESENT,
                                 (int)lvl);
                }
                env_free(e);
            }
        }
    }
}

/* Every PTE the walk reads is the one on va's path, root first. */
static void test_read_addresses(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host)
            continue; /* host-stage formats: tests/test_virt.c */
        env *e = env_new(f->name);
        uint64_t va = test_va(f, 1);
        map(e, va, test_pa(f, 0), 0, ALL);
        mmu_walk_result r;
        expect_ok(e, va, MMU_READ, MMU_PRIV_USER, NULL, &r);
        assert_int_equal(r.reads, f->levels); /* an L-level walk makes exactly L reads */
        assert_int_equal(e->cp.reads, f->levels);
        assert_int_equal(r.read_addr[0],
                         e->root + mmu_pt_index(f, f->levels - 1, va) * f->pte_size);
        for (unsigned k = 0; k < f->levels; k++)
            assert_int_equal(r.read_addr[k], entry_addr(e, va, f->levels - 1 - k));
        assert_int_equal(r.mem_latency, LAT * f->levels);
        env_free(e);
    }
}

/* ---- faults, for every format at every level where they can occur ---- */

static void test_not_present_every_level(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host)
            continue; /* host-stage formats: tests/test_virt.c */
        for (unsigned lvl = 0; lvl < f->levels; lvl++) {
            if (!(f->leaf_levels & (1u << lvl)))
                continue;
            for (unsigned m = lvl; m < f->levels; m++) {
                env *e = env_new(f->name);
                uint64_t va = test_va(f, 0);
                map(e, va, test_pa(f, lvl), lvl, ALL);
                poke(e, va, m, 0, 1); /* bit 0 is P / V / valid in every format */
                mmu_walk_result r;
                assert_int_equal(walk(e, NULL, va, MMU_READ, MMU_PRIV_USER, NULL, &r), MMU_EFAULT);
                assert_int_equal(r.fault, MMU_FAULT_NOT_PRESENT);
                assert_int_equal(r.fault_level, m);
                assert_int_equal(r.reads, f->levels - m);
                assert_int_equal(r.leaf_level, -1);
                assert_int_equal(r.pte, rd(e, entry_addr(e, va, m)));
                env_free(e);
            }
        }
    }
}

/* Reserved bits at every level: x86 above MAXPHYADDR, RISC-V 63:54, Arm RES0 address bits and address size. */
static void test_reserved_every_level(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host)
            continue; /* host-stage formats: tests/test_virt.c */
        for (unsigned lvl = 0; lvl < f->levels; lvl++) {
            if (!(f->leaf_levels & (1u << lvl)))
                continue;
            for (unsigned m = lvl; m < f->levels; m++) {
                for (int variant = 0; variant < 2; variant++) {
                    env *e = env_new(f->name);
                    uint64_t va = test_va(f, 0);
                    map(e, va, test_pa(f, lvl), lvl, ALL);
                    mmu_walk_opts o;
                    mmu_walk_opts_defaults(f, &o);
                    uint64_t bit;
                    if (f->arch == MMU_PT_ARCH_X86) {
                        o.pa_bits = 46; /* MAXPHYADDR 46: bits 51:46 reserved */
                        bit = variant ? 1ull << 51 : 1ull << 46;
                    } else if (f->arch == MMU_PT_ARCH_RISCV) {
                        bit = variant ? 1ull << 63 : 1ull << 54;
                    } else {
                        o.pa_bits = 40; /* PARange 40: an address-size fault */
                        bit = variant ? 1ull << 44 : 1ull << 48;
                    }
                    /* the same entry is fine without the bit */
                    expect_ok(e, va, MMU_READ, MMU_PRIV_USER, &o, NULL);
                    poke(e, va, m, bit, 0);
                    expect_fault(e, va, MMU_READ, MMU_PRIV_USER, &o, MMU_FAULT_RESERVED, (int)m);
                    env_free(e);
                }
            }
        }
    }
}

/* Misaligned superpages: x86 reserved bits 20:13 / 29:13, RISC-V low PPN bits; Arm ignores them. */
static void test_misaligned_superpage(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host)
            continue; /* host-stage formats: tests/test_virt.c */
        for (unsigned lvl = 1; lvl < f->levels; lvl++) {
            if (!(f->leaf_levels & (1u << lvl)))
                continue;
            uint64_t bits[2];
            if (f->arch == MMU_PT_ARCH_X86) {
                bits[0] = 1ull << 13;
                bits[1] = 1ull << (f->shift[lvl] - 1);
            } else if (f->arch == MMU_PT_ARCH_RISCV) {
                bits[0] = 1ull << 10; /* PPN[0] bit 0 */
                bits[1] = 1ull << (10 + f->shift[lvl] - 12 - 1);
            } else {
                bits[0] = 1ull << f->shift[0];
                bits[1] = 1ull << (f->shift[lvl] - 1);
            }
            for (int k = 0; k < 2; k++) {
                env *e = env_new(f->name);
                uint64_t va = test_va(f, 0);
                map(e, va, test_pa(f, lvl), lvl, ALL);
                poke(e, va, lvl, bits[k], 0);
                if (f->arch == MMU_PT_ARCH_ARM) {
                    mmu_walk_result r;
                    expect_ok(e, va, MMU_READ, MMU_PRIV_USER, NULL, &r);
                    assert_int_equal(r.pbase, test_pa(f, lvl)); /* RES0 bits ignored */
                } else {
                    expect_fault(e, va, MMU_READ, MMU_PRIV_USER, NULL, MMU_FAULT_RESERVED, (int)lvl);
                }
                env_free(e);
            }
        }
    }
}

static void test_x86_ps_reserved(void **state)
{
    (void)state;
    const char *names[] = {"x86_64", "x86_64_la57"};
    for (int n = 0; n < 2; n++) {
        env *e = env_new(names[n]);
        uint64_t va = test_va(e->f, 1);
        map(e, va, test_pa(e->f, 0), 0, ALL);
        for (unsigned m = 3; m < e->f->levels; m++) {
            uint64_t ea = entry_addr(e, va, m);
            uint64_t saved = rd(e, ea);
            poke(e, va, m, 0x80, 0); /* PS in a PML4E / PML5E */
            expect_fault(e, va, MMU_READ, MMU_PRIV_USER, NULL, MMU_FAULT_RESERVED, (int)m);
            wr(e, ea, saved);
        }
        expect_ok(e, va, MMU_READ, MMU_PRIV_USER, NULL, NULL);
        env_free(e);
    }
}

static void test_riscv_reserved_encodings(void **state)
{
    (void)state;
    const char *names[] = {"sv39", "sv48", "sv57"};
    for (int n = 0; n < 3; n++) {
        for (unsigned lvl = 0; lvl < 5; lvl++) {
            env *e = env_new(names[n]);
            if (lvl >= e->f->levels) {
                env_free(e);
                continue;
            }
            uint64_t va = test_va(e->f, 1);
            map(e, va, test_pa(e->f, lvl), lvl, ALL);
            /* W=1 R=0 at a leaf of every level */
            poke(e, va, lvl, 0, 0x2);
            expect_fault(e, va, MMU_READ, MMU_PRIV_USER, NULL, MMU_FAULT_RESERVED, (int)lvl);
            if (lvl == 0) {
                /* R=W=X=0 at level 0: a pointer where no table can follow */
                poke(e, va, 0, 0, 0xE);
                expect_fault(e, va, MMU_READ, MMU_PRIV_USER, NULL, MMU_FAULT_RESERVED, 0);
            }
            env_free(e);
            /* a pointer (non-leaf) with U (bit 4), A (6) or D (7) set: reserved, a page fault */
            if (lvl == 0)
                continue;
            for (unsigned bit = 4; bit <= 7; bit++) {
                if (bit == 5) /* G is allowed in a pointer */
                    continue;
                e = env_new(names[n]);
                va = test_va(e->f, 1);
                map(e, va, test_pa(e->f, 0), 0, ALL);
                expect_ok(e, va, MMU_READ, MMU_PRIV_USER, NULL, NULL);
                poke(e, va, lvl, 1ull << bit, 0);
                expect_fault(e, va, MMU_READ, MMU_PRIV_USER, NULL, MMU_FAULT_RESERVED, (int)lvl);
                env_free(e);
            }
        }
    }
}

static void test_arm_descriptor_types(void **state)
{
    (void)state;
    const char *names[] = {"aarch64_4k", "aarch64_4k_39", "aarch64_16k", "aarch64_64k"};
    for (int n = 0; n < 4; n++) {
        env *e = env_new(names[n]);
        const mmu_pt_format *f = e->f;
        uint64_t va = test_va(f, 0);
        map(e, va, test_pa(f, 0), 0, ALL);
        /* 01 at Arm level 3: reserved, a translation fault */
        poke(e, va, 0, 0, 0x2);
        expect_fault(e, va, MMU_READ, MMU_PRIV_USER, NULL, MMU_FAULT_NOT_PRESENT, 0);
        poke(e, va, 0, 0x2, 0);
        expect_ok(e, va, MMU_READ, MMU_PRIV_USER, NULL, NULL);
        /* 01 (block) in a table level where the granule allows no block: invalid */
        for (unsigned m = 1; m < f->levels; m++) {
            if (f->leaf_levels & (1u << m))
                continue;
            uint64_t ea = entry_addr(e, va, m);
            uint64_t saved = rd(e, ea);
            poke(e, va, m, 0, 0x2);
            expect_fault(e, va, MMU_READ, MMU_PRIV_USER, NULL, MMU_FAULT_NOT_PRESENT, (int)m);
            wr(e, ea, saved);
        }
        env_free(e);
    }
}

/* Leaf permissions: write to read-only, user to supervisor, no-execute, at every leaf level. */
static void test_leaf_permissions(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host)
            continue; /* host-stage formats: tests/test_virt.c */
        for (unsigned lvl = 0; lvl < f->levels; lvl++) {
            if (!(f->leaf_levels & (1u << lvl)))
                continue;
            env *e = env_new(f->name);
            uint64_t va = test_va(f, 0);
            uint64_t pa = test_pa(f, lvl);
            mmu_walk_opts nosmap = opts_of(f, 0, MMU_WALK_SMAP, MMU_AD_DEFAULT);
            map(e, va, pa, lvl, R | X | U | A | D);
            expect_fault(e, va, MMU_WRITE, MMU_PRIV_USER, NULL, MMU_FAULT_WRITE_RO, (int)lvl);
            expect_fault(e, va, MMU_WRITE, MMU_PRIV_SUPER, &nosmap, MMU_FAULT_WRITE_RO, (int)lvl);
            expect_ok(e, va, MMU_READ, MMU_PRIV_USER, NULL, NULL);
            map(e, va, pa, lvl, R | W | X | A | D); /* supervisor only */
            expect_fault(e, va, MMU_READ, MMU_PRIV_USER, NULL, MMU_FAULT_USER_SUPER, (int)lvl);
            expect_fault(e, va, MMU_WRITE, MMU_PRIV_USER, NULL, MMU_FAULT_USER_SUPER, (int)lvl);
            expect_fault(e, va, MMU_FETCH, MMU_PRIV_USER, NULL, MMU_FAULT_USER_SUPER, (int)lvl);
            expect_ok(e, va, MMU_WRITE, MMU_PRIV_SUPER, NULL, NULL);
            expect_ok(e, va, MMU_FETCH, MMU_PRIV_SUPER, NULL, NULL);
            map(e, va, pa, lvl, R | W | U | A | D | (f->arch == MMU_PT_ARCH_ARM ? PXN : 0));
            expect_fault(e, va, MMU_FETCH, MMU_PRIV_USER, NULL, MMU_FAULT_NX_FETCH, (int)lvl);
            expect_ok(e, va, MMU_WRITE, MMU_PRIV_USER, NULL, NULL);
            map(e, va, pa, lvl, R | W | A | D | (f->arch == MMU_PT_ARCH_ARM ? PXN : 0));
            expect_fault(e, va, MMU_FETCH, MMU_PRIV_SUPER, NULL, MMU_FAULT_NX_FETCH, (int)lvl);
            env_free(e);
        }
    }
}

/* x86 and Arm: a table entry's limits apply to everything below it, at every table level. */
static void test_table_limits(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host)
            continue; /* host-stage formats: tests/test_virt.c */
        if (f->arch == MMU_PT_ARCH_RISCV)
            continue;
        int x86 = f->arch == MMU_PT_ARCH_X86;
        /* set, clear raw bits for: no write, no user, no user exec, no privileged exec */
        uint64_t nw_set = x86 ? 0 : 1ull << 62, nw_clr = x86 ? 0x2 : 0;
        uint64_t nu_set = x86 ? 0 : 1ull << 61, nu_clr = x86 ? 0x4 : 0;
        uint64_t nx_set = x86 ? 1ull << 63 : 1ull << 60;
        uint64_t npx_set = x86 ? 1ull << 63 : 1ull << 59;
        for (unsigned lvl = 0; lvl < f->levels; lvl++) {
            if (!(f->leaf_levels & (1u << lvl)))
                continue;
            for (unsigned m = lvl + 1; m < f->levels; m++) {
                env *e = env_new(f->name);
                uint64_t va = test_va(f, 0);
                map(e, va, test_pa(f, lvl), lvl, ALL);
                uint64_t ea = entry_addr(e, va, m);
                uint64_t saved = rd(e, ea);
                poke(e, va, m, nw_set, nw_clr);
                expect_fault(e, va, MMU_WRITE, MMU_PRIV_USER, NULL, MMU_FAULT_WRITE_RO, (int)lvl);
                expect_ok(e, va, MMU_READ, MMU_PRIV_USER, NULL, NULL);
                wr(e, ea, saved);
                poke(e, va, m, nu_set, nu_clr);
                expect_fault(e, va, MMU_READ, MMU_PRIV_USER, NULL, MMU_FAULT_USER_SUPER, (int)lvl);
                expect_ok(e, va, MMU_WRITE, MMU_PRIV_SUPER, NULL, NULL);
                wr(e, ea, saved);
                poke(e, va, m, nx_set, 0);
                expect_fault(e, va, MMU_FETCH, MMU_PRIV_USER, NULL, MMU_FAULT_NX_FETCH, (int)lvl);
                wr(e, ea, saved);
                /* a supervisor page below a no-privileged-execute limit */
                map(e, va, test_pa(f, lvl), lvl, R | W | X | A | D);
                expect_ok(e, va, MMU_FETCH, MMU_PRIV_SUPER, NULL, NULL);
                poke(e, va, m, npx_set, 0);
                expect_fault(e, va, MMU_FETCH, MMU_PRIV_SUPER, NULL, MMU_FAULT_NX_FETCH, (int)lvl);
                env_free(e);
            }
        }
    }
}

/* Supervisor access to user pages: SMAP/SUM/PAN and SMEP rules. */
static void test_super_user(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host)
            continue; /* host-stage formats: tests/test_virt.c */
        for (unsigned lvl = 0; lvl < f->levels; lvl++) {
            if (!(f->leaf_levels & (1u << lvl)))
                continue;
            int lv = (int)lvl;
            env *e = env_new(f->name);
            uint64_t va = test_va(f, 0);
            map(e, va, test_pa(f, lvl), lvl, ALL);
            mmu_walk_opts smap = opts_of(f, MMU_WALK_SMAP | MMU_WALK_SMEP, 0, MMU_AD_DEFAULT);
            mmu_walk_opts none = opts_of(f, 0, MMU_WALK_SMAP | MMU_WALK_SMEP, MMU_AD_DEFAULT);
            mmu_walk_opts sum = opts_of(f, 0, MMU_WALK_SMAP, MMU_AD_DEFAULT); /* RISC-V SUM=1 */
            expect_fault(e, va, MMU_READ, MMU_PRIV_SUPER, &smap, MMU_FAULT_SUPER_USER, lv);
            expect_fault(e, va, MMU_WRITE, MMU_PRIV_SUPER, &smap, MMU_FAULT_SUPER_USER, lv);
            expect_fault(e, va, MMU_FETCH, MMU_PRIV_SUPER, &smap, MMU_FAULT_SUPER_USER, lv);
            expect_ok(e, va, MMU_READ, MMU_PRIV_SUPER, &sum, NULL);
            expect_ok(e, va, MMU_WRITE, MMU_PRIV_SUPER, &sum, NULL);
            /* SUM does not allow supervisor fetches from user pages */
            expect_fault(e, va, MMU_FETCH, MMU_PRIV_SUPER, &sum, MMU_FAULT_SUPER_USER, lv);
            expect_ok(e, va, MMU_FETCH, MMU_PRIV_SUPER, &none, NULL);
            if (f->arch == MMU_PT_ARCH_ARM) /* PAN off by default */
                expect_ok(e, va, MMU_READ, MMU_PRIV_SUPER, NULL, NULL);
            else /* x86 SMAP on, RISC-V SUM=0 by default */
                expect_fault(e, va, MMU_READ, MMU_PRIV_SUPER, NULL, MMU_FAULT_SUPER_USER, lv);
            expect_fault(e, va, MMU_FETCH, MMU_PRIV_SUPER, NULL, MMU_FAULT_SUPER_USER, lv);
            env_free(e);
        }
    }
}

/* RISC-V execute-only pages and MXR. */
static void test_riscv_no_read(void **state)
{
    (void)state;
    const char *names[] = {"sv39", "sv48", "sv57"};
    for (int n = 0; n < 3; n++) {
        env *e = env_new(names[n]);
        for (unsigned lvl = 0; lvl < e->f->levels; lvl++) {
            uint64_t va = test_va(e->f, 1) ^ (1ull << (e->f->va_bits - 2)); /* a fresh path per level */
            va ^= (uint64_t)lvl << (e->f->shift[e->f->levels - 1]);
            map(e, va, test_pa(e->f, lvl), lvl, X | U | A | D);
            expect_fault(e, va, MMU_READ, MMU_PRIV_USER, NULL, MMU_FAULT_NO_READ, (int)lvl);
            mmu_walk_opts mxr = opts_of(e->f, MMU_WALK_MXR, 0, MMU_AD_DEFAULT);
            expect_ok(e, va, MMU_READ, MMU_PRIV_USER, &mxr, NULL);
            expect_ok(e, va, MMU_FETCH, MMU_PRIV_USER, NULL, NULL);
            expect_fault(e, va, MMU_WRITE, MMU_PRIV_USER, &mxr, MMU_FAULT_WRITE_RO, (int)lvl);
        }
        env_free(e);
    }
}

static void test_noncanonical(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host)
            continue; /* host-stage formats: tests/test_virt.c */
        env *e = env_new(f->name);
        uint64_t va = test_va(f, 0);
        map(e, va, test_pa(f, 0), 0, ALL);
        uint64_t bad[3] = {va | (1ull << f->va_bits), va | (1ull << 63), ~0ull};
        for (int k = 0; k < 3; k++) {
            if (f->canon == MMU_CANON_SIGN && k == 2)
                continue; /* all ones is canonical when sign-extended */
            mmu_walk_result r;
            assert_int_equal(walk(e, NULL, bad[k], MMU_READ, MMU_PRIV_USER, NULL, &r), MMU_EFAULT);
            assert_int_equal(r.fault, MMU_FAULT_NONCANONICAL);
            assert_int_equal(r.fault_level, -1);
            assert_int_equal(r.reads, 0);
            assert_int_equal(r.first_level, -1);
        }
        env_free(e);
    }
}

/* Software-managed A/D (Svade, Arm without FEAT_HAFDBS): faults, no writes. */
static void test_ad_fault_mode(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host)
            continue; /* host-stage formats: tests/test_virt.c */
        mmu_walk_opts o = opts_of(f, 0, 0, MMU_AD_FAULT);
        for (unsigned lvl = 0; lvl < f->levels; lvl++) {
            if (!(f->leaf_levels & (1u << lvl)))
                continue;
            env *e = env_new(f->name);
            uint64_t va = test_va(f, 0);
            uint64_t pa = test_pa(f, lvl);
            uint32_t dirty_clean = f->arch == MMU_PT_ARCH_ARM ? R | W | X | U | A | DBM
                                                               : R | W | X | U | A;
            map(e, va, pa, lvl, R | W | X | U); /* A clear */
            expect_fault(e, va, MMU_READ, MMU_PRIV_USER, &o, MMU_FAULT_ACCESS_DIRTY, (int)lvl);
            expect_fault(e, va, MMU_FETCH, MMU_PRIV_USER, &o, MMU_FAULT_ACCESS_DIRTY, (int)lvl);
            map(e, va, pa, lvl, dirty_clean); /* A set, D clear */
            expect_ok(e, va, MMU_READ, MMU_PRIV_USER, &o, NULL);
            mmu_walk_result r;
            expect_ok(e, va, MMU_READ, MMU_PRIV_USER, &o, &r);
            assert_int_equal(r.tlb_flags & (MMU_TLB_WRITE | MMU_TLB_DIRTY), MMU_TLB_WRITE);
            expect_fault(e, va, MMU_WRITE, MMU_PRIV_USER, &o, MMU_FAULT_ACCESS_DIRTY, (int)lvl);
            map(e, va, pa, lvl, ALL);
            expect_ok(e, va, MMU_WRITE, MMU_PRIV_USER, &o, NULL);
            if (f->arch == MMU_PT_ARCH_ARM) {
                map(e, va, pa, lvl, R | X | U | A); /* AP[2]=1, DBM=0: plain read-only */
                expect_fault(e, va, MMU_WRITE, MMU_PRIV_USER, &o, MMU_FAULT_WRITE_RO, (int)lvl);
            }
            env_free(e);
        }
    }
    /* the architectural defaults: RISC-V and Arm fault, x86 updates */
    env *e = env_new("sv39");
    uint64_t va = test_va(e->f, 0);
    map(e, va, test_pa(e->f, 0), 0, R | W | U);
    expect_fault(e, va, MMU_READ, MMU_PRIV_USER, NULL, MMU_FAULT_ACCESS_DIRTY, 0);
    env_free(e);
    e = env_new("aarch64_4k");
    va = test_va(e->f, 0);
    map(e, va, test_pa(e->f, 0), 0, R | W | U);
    expect_fault(e, va, MMU_READ, MMU_PRIV_USER, NULL, MMU_FAULT_ACCESS_DIRTY, 0);
    env_free(e);
}

/* ---- accessed/dirty by hardware: exact writes ---- */

static void test_ad_hw_x86(void **state)
{
    (void)state;
    const char *names[] = {"x86_64", "x86_64_la57"};
    for (int n = 0; n < 2; n++) {
        env *e = env_new(names[n]);
        const mmu_pt_format *f = e->f;
        unsigned lv = f->levels;
        e->tflags = V | R | W | U | X; /* tables with A clear */
        uint64_t va = test_va(f, 1);
        uint64_t leaf = map(e, va, test_pa(f, 0), 0, R | W | X | U);
        mmu_walk_result r;
        /* first read: A set in every entry used, root first: one write per level */
        expect_ok(e, va, MMU_READ, MMU_PRIV_USER, NULL, &r);
        assert_int_equal(r.reads, lv);
        assert_int_equal(r.writes, lv);
        for (unsigned k = 0; k < lv; k++) {
            assert_int_equal(r.write_addr[k], r.read_addr[k]);
            assert_true(rd(e, r.write_addr[k]) & 0x20);
        }
        assert_false(rd(e, leaf) & 0x40); /* no D on a read */
        assert_false(r.tlb_flags & MMU_TLB_DIRTY);
        assert_true(r.pte_flags & MMU_PTE_ACCESSED);
        assert_int_equal(r.pte, rd(e, leaf));
        /* second read: nothing to update */
        expect_ok(e, va, MMU_READ, MMU_PRIV_USER, NULL, &r);
        assert_int_equal(r.writes, 0);
        /* first write: D in the leaf, one write */
        expect_ok(e, va, MMU_WRITE, MMU_PRIV_USER, NULL, &r);
        assert_int_equal(r.writes, 1);
        assert_int_equal(r.write_addr[0], leaf);
        assert_true(rd(e, leaf) & 0x40);
        assert_true(r.tlb_flags & MMU_TLB_DIRTY);
        assert_int_equal(r.mem_latency, LAT * (lv + 1));
        expect_ok(e, va, MMU_WRITE, MMU_PRIV_USER, NULL, &r);
        assert_int_equal(r.writes, 0);
        /* a fresh page under accessed tables, first touched by a write: A and D in one write */
        uint64_t va2 = va ^ (1ull << f->shift[0]);
        uint64_t leaf2 = map(e, va2, test_pa(f, 0) + 0x1000, 0, R | W | X | U);
        expect_ok(e, va2, MMU_WRITE, MMU_PRIV_USER, NULL, &r);
        assert_int_equal(r.writes, 1);
        assert_int_equal(rd(e, leaf2) & 0x60, 0x60);
        /* a faulting walk updates the tables it used but not the leaf */
        uint64_t va3 = va ^ (1ull << f->shift[1]);
        uint64_t leaf3 = map(e, va3, test_pa(f, 0), 0, R | X | U);
        assert_int_equal(walk(e, NULL, va3, MMU_WRITE, MMU_PRIV_USER, NULL, &r), MMU_EFAULT);
        assert_int_equal(r.fault, MMU_FAULT_WRITE_RO);
        assert_int_equal(r.writes, 1); /* the new PDE's A */
        assert_int_equal(r.write_addr[0], entry_addr(e, va3, 1));
        assert_false(rd(e, leaf3) & 0x60);
        /* CR0.WP=0: a supervisor write to a read-only page succeeds and sets A and D at once */
        mmu_walk_opts nowp = opts_of(f, MMU_WALK_NO_WP, MMU_WALK_SMAP, MMU_AD_DEFAULT);
        expect_ok(e, va3, MMU_WRITE, MMU_PRIV_SUPER, &nowp, &r);
        assert_int_equal(r.writes, 1);
        assert_int_equal(rd(e, leaf3) & 0x60, 0x60);
        assert_false(r.tlb_flags & MMU_TLB_WRITE);
        env_free(e);
    }
}

static void test_ad_hw_riscv_arm(void **state)
{
    (void)state;
    const char *names[] = {"sv39", "sv48", "sv57", "aarch64_4k", "aarch64_16k", "aarch64_64k"};
    for (int n = 0; n < 6; n++) {
        env *e = env_new(names[n]);
        const mmu_pt_format *f = e->f;
        int arm = f->arch == MMU_PT_ARCH_ARM;
        uint64_t a_bit = arm ? 1ull << 10 : 1ull << 6;
        mmu_walk_opts hw = opts_of(f, 0, 0, MMU_AD_HW); /* Svadu / FEAT_HAFDBS */
        uint32_t wc = arm ? R | W | X | U | DBM : R | W | X | U; /* writable, clean, not accessed */
        uint64_t va = test_va(f, 0);
        uint64_t leaf = map(e, va, test_pa(f, 0), 0, wc);
        mmu_walk_result r;
        /* first read: A only, one write */
        expect_ok(e, va, MMU_READ, MMU_PRIV_USER, &hw, &r);
        assert_int_equal(r.reads, f->levels);
        assert_int_equal(r.writes, 1);
        assert_int_equal(r.write_addr[0], leaf);
        assert_true(rd(e, leaf) & a_bit);
        assert_false(r.tlb_flags & MMU_TLB_DIRTY);
        assert_true(r.tlb_flags & MMU_TLB_WRITE);
        expect_ok(e, va, MMU_READ, MMU_PRIV_USER, &hw, &r);
        assert_int_equal(r.writes, 0);
        /* first write: D (Arm: AP[2] cleared), one write */
        expect_ok(e, va, MMU_WRITE, MMU_PRIV_USER, &hw, &r);
        assert_int_equal(r.writes, 1);
        mmu_pte p;
        assert_int_equal(mmu_pte_decode(f, 0, rd(e, leaf), &p), MMU_OK);
        assert_true(p.flags & MMU_PTE_DIRTY);
        if (arm)
            assert_false(rd(e, leaf) & (1ull << 7));
        assert_true(r.tlb_flags & MMU_TLB_DIRTY);
        expect_ok(e, va, MMU_WRITE, MMU_PRIV_USER, &hw, &r);
        assert_int_equal(r.writes, 0);
        /* fresh page, first touched by a write: A and D in one write */
        uint64_t leaf2 = map(e, va, test_pa(f, 0), 0, wc);
        expect_ok(e, va, MMU_WRITE, MMU_PRIV_USER, &hw, &r);
        assert_int_equal(r.writes, 1);
        assert_int_equal(mmu_pte_decode(f, 0, rd(e, leaf2), &p), MMU_OK);
        assert_int_equal(p.flags & (A | D), A | D);
        /* Arm: a read-only page without DBM still faults on a write */
        if (arm) {
            map(e, va, test_pa(f, 0), 0, R | X | U);
            expect_fault(e, va, MMU_WRITE, MMU_PRIV_USER, &hw, MMU_FAULT_WRITE_RO, 0);
        }
        env_free(e);
    }
}

/* Functional walks: the same answer, no writes, no PWC traffic. */
static void test_functional(void **state)
{
    (void)state;
    env *e = env_new("x86_64");
    const mmu_pt_format *f = e->f;
    e->tflags = V | R | W | U | X; /* A clear everywhere */
    uint64_t va = test_va(f, 0);
    map(e, va, test_pa(f, 0), 0, R | W | X | U);
    uint64_t before[MMU_PT_MAX_LEVELS];
    for (unsigned l = 0; l < f->levels; l++)
        before[l] = rd(e, entry_addr(e, va, l));
    mmu_pwc_config cfg;
    mmu_pwc_config_defaults(&cfg, f);
    mmu_pwc *pwc = NULL;
    assert_int_equal(mmu_pwc_create(&cfg, f, &pwc), MMU_OK);
    mmu_walk_opts fo = opts_of(f, MMU_WALK_FUNCTIONAL, 0, MMU_AD_DEFAULT);
    mmu_walk_result r;
    assert_int_equal(walk(e, pwc, va, MMU_WRITE, MMU_PRIV_USER, &fo, &r), MMU_OK);
    assert_int_equal(r.reads, f->levels);
    assert_int_equal(r.writes, 0);
    assert_int_equal(r.pwc_latency, 0);
    assert_int_equal(r.pwc_level, -1);
    assert_true(r.tlb_flags & MMU_TLB_DIRTY); /* the answer a real walk would give */
    for (unsigned l = 0; l < f->levels; l++)
        assert_int_equal(rd(e, entry_addr(e, va, l)), before[l]);
    const mmu_pwc_stats *st = mmu_pwc_get_stats(pwc);
    for (unsigned l = 0; l < MMU_PT_MAX_LEVELS; l++) {
        assert_int_equal(st->level[l].lookups, 0);
        assert_int_equal(mmu_pwc_occupancy(pwc, l), 0);
    }
    /* fault mode still faults functionally */
    mmu_walk_opts ff = opts_of(f, MMU_WALK_FUNCTIONAL, 0, MMU_AD_FAULT);
    assert_int_equal(walk(e, pwc, va, MMU_READ, MMU_PRIV_USER, &ff, &r), MMU_EFAULT);
    assert_int_equal(r.fault, MMU_FAULT_ACCESS_DIRTY);
    /* a functional walk works over a read-only port */
    mmu_mem_port ro = {&e->cp, count_read, NULL, NULL};
    assert_int_equal(mmu_walk(f, e->root, &ro, NULL, va, MMU_READ, MMU_PRIV_USER, 1, &fo, &r), MMU_OK);
    assert_int_equal(mmu_walk(f, e->root, &ro, NULL, va, MMU_READ, MMU_PRIV_USER, 1, NULL, &r),
                     MMU_EINVAL); /* hardware A/D needs write64 */
    mmu_pwc_destroy(pwc);
    env_free(e);
}

/* ---- paging-structure caches in the walk ---- */

static void test_pwc_walk_counts(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host)
            continue; /* host-stage formats: tests/test_virt.c */
        env *e = env_new(f->name);
        mmu_pwc_config cfg;
        mmu_pwc_config_defaults(&cfg, f);
        mmu_pwc *pwc = NULL;
        assert_int_equal(mmu_pwc_create(&cfg, f, &pwc), MMU_OK);
        uint64_t va = test_va(f, 1);
        uint64_t leaf = map(e, va, test_pa(f, 0), 0, ALL);
        mmu_walk_result r;
        /* cold: the full walk, every table entry cached on the way */
        assert_int_equal(walk(e, pwc, va, MMU_READ, MMU_PRIV_USER, NULL, &r), MMU_OK);
        assert_int_equal(r.reads, f->levels);
        assert_int_equal(r.pwc_level, -1);
        assert_int_equal(r.pwc_latency, 1);
        /* warm: the level-1 entry gives the last table: exactly 1 read */
        assert_int_equal(walk(e, pwc, va, MMU_READ, MMU_PRIV_USER, NULL, &r), MMU_OK);
        assert_int_equal(r.reads, 1);
        assert_int_equal(r.pwc_level, 1);
        assert_int_equal(r.first_level, 0);
        assert_int_equal(r.read_addr[0], leaf);
        assert_int_equal(r.paddr, test_pa(f, 0) | (va & ((1ull << f->shift[0]) - 1)));
        assert_int_equal(r.latency, LAT + 1);
        /* a page under another level-1 entry of the same level-2 table: 2 reads */
        if (f->levels >= 3) {
            uint64_t va2 = va ^ (1ull << f->shift[1]);
            map(e, va2, test_pa(f, 0), 0, ALL);
            assert_int_equal(walk(e, pwc, va2, MMU_READ, MMU_PRIV_USER, NULL, &r), MMU_OK);
            assert_int_equal(r.reads, 2);
            assert_int_equal(r.pwc_level, 2);
            assert_int_equal(r.first_level, 1);
            const mmu_pwc_stats *st = mmu_pwc_get_stats(pwc);
            assert_int_equal(st->level[1].lookups, 3);
            assert_int_equal(st->level[1].hits, 1);
            assert_int_equal(st->level[2].hits, 2);
        }
        /* another ASID misses; global entries are not made from x86/Arm tables */
        e->cp.reads = 0;
        assert_int_equal(mmu_walk(f, e->root, &e->port, pwc, va, MMU_READ, MMU_PRIV_USER, 2, NULL, &r),
                         MMU_OK);
        assert_int_equal(r.reads, f->levels);
        /* invalidation by ASID: back to a full walk for ASID 1 */
        assert_true(mmu_pwc_invalidate(pwc, MMU_INVAL_ASID, 0, 1) > 0);
        assert_int_equal(walk(e, pwc, va, MMU_READ, MMU_PRIV_USER, NULL, &r), MMU_OK);
        assert_int_equal(r.reads, f->levels);
        /* a PWC made for another format is refused */
        const mmu_pt_format *other = mmu_pt_format_get((i + 1) % mmu_pt_format_count());
        mmu_pwc_config c2;
        mmu_pwc_config_defaults(&c2, other);
        mmu_pwc *p2 = NULL;
        assert_int_equal(mmu_pwc_create(&c2, other, &p2), MMU_OK);
        assert_int_equal(walk(e, p2, va, MMU_READ, MMU_PRIV_USER, NULL, &r), MMU_EINVAL);
        mmu_pwc_destroy(p2);
        mmu_pwc_destroy(pwc);
        env_free(e);
    }
}

/* A large-page leaf: PWC entries only above it; the PWC keeps table limits. */
static void test_pwc_large_page_and_limits(void **state)
{
    (void)state;
    env *e = env_new("x86_64");
    const mmu_pt_format *f = e->f;
    mmu_pwc_config cfg;
    mmu_pwc_config_defaults(&cfg, f);
    mmu_pwc *pwc = NULL;
    assert_int_equal(mmu_pwc_create(&cfg, f, &pwc), MMU_OK);
    uint64_t va = test_va(f, 0);
    map(e, va, test_pa(f, 1), 1, ALL);
    poke(e, va, 3, 0, 0x2); /* PML4E: read-only for everything below */
    mmu_walk_result r;
    assert_int_equal(walk(e, pwc, va, MMU_READ, MMU_PRIV_USER, NULL, &r), MMU_OK);
    assert_int_equal(r.reads, 3);
    assert_int_equal(mmu_pwc_occupancy(pwc, 1), 0); /* the PDE is a leaf */
    assert_int_equal(mmu_pwc_occupancy(pwc, 2), 1);
    assert_int_equal(mmu_pwc_occupancy(pwc, 3), 1);
    assert_int_equal(walk(e, pwc, va, MMU_READ, MMU_PRIV_USER, NULL, &r), MMU_OK);
    assert_int_equal(r.reads, 1);
    assert_int_equal(r.pwc_level, 2);
    assert_int_equal(r.page_size, MMU_PS_2M);
    /* the read-only limit of the PML4E comes from the PWC entry */
    assert_int_equal(walk(e, pwc, va, MMU_WRITE, MMU_PRIV_USER, NULL, &r), MMU_EFAULT);
    assert_int_equal(r.fault, MMU_FAULT_WRITE_RO);
    assert_int_equal(r.reads, 1);
    mmu_pwc_destroy(pwc);
    env_free(e);
}

/* RISC-V: a global table entry makes all mappings below global, in the walk and in the PWC. */
static void test_riscv_global(void **state)
{
    (void)state;
    env *e = env_new("sv48");
    const mmu_pt_format *f = e->f;
    mmu_pwc_config cfg;
    mmu_pwc_config_defaults(&cfg, f);
    mmu_pwc *pwc = NULL;
    assert_int_equal(mmu_pwc_create(&cfg, f, &pwc), MMU_OK);
    uint64_t va = test_va(f, 0);
    map(e, va, test_pa(f, 0), 0, ALL);
    mmu_walk_result r;
    expect_ok(e, va, MMU_READ, MMU_PRIV_USER, NULL, &r);
    assert_false(r.tlb_flags & MMU_TLB_GLOBAL);
    poke(e, va, 2, 0x20, 0); /* G in the level-2 pointer */
    expect_ok(e, va, MMU_READ, MMU_PRIV_USER, NULL, &r);
    assert_true(r.tlb_flags & MMU_TLB_GLOBAL);
    /* cached as global: another ASID hits */
    assert_int_equal(walk(e, pwc, va, MMU_READ, MMU_PRIV_USER, NULL, &r), MMU_OK);
    e->cp.reads = 0;
    assert_int_equal(mmu_walk(f, e->root, &e->port, pwc, va, MMU_READ, MMU_PRIV_USER, 9, NULL, &r),
                     MMU_OK);
    assert_int_equal(r.reads, 1);
    assert_true(r.tlb_flags & MMU_TLB_GLOBAL);
    /* invalidation by ASID keeps global entries */
    assert_int_equal(mmu_pwc_invalidate(pwc, MMU_INVAL_ASID, 0, 1), 1); /* the level-3 entry only */
    assert_int_equal(mmu_walk(f, e->root, &e->port, pwc, va, MMU_READ, MMU_PRIV_USER, 1, NULL, &r),
                     MMU_OK);
    assert_int_equal(r.pwc_level, 1);
    mmu_pwc_destroy(pwc);
    env_free(e);
}

/* ---- results, TLB entries, the access check, arguments ---- */

static void test_tlb_flags(void **state)
{
    (void)state;
    env *e = env_new("x86_64");
    const mmu_pt_format *f = e->f;
    uint64_t va = test_va(f, 1);
    map(e, va, test_pa(f, 2), 2, R | W | X | U | A | D | G);
    mmu_walk_result r;
    expect_ok(e, va, MMU_READ, MMU_PRIV_USER, NULL, &r);
    assert_int_equal(r.tlb_flags, MMU_TLB_GLOBAL | MMU_TLB_WRITE | MMU_TLB_USER | MMU_TLB_EXEC |
                                      MMU_TLB_DIRTY | MMU_TLB_READ);
    mmu_tlb_entry t;
    mmu_walk_tlb_entry(&r, 5, &t);
    assert_int_equal(t.vbase, va & ~((1ull << 30) - 1));
    assert_int_equal(t.pbase, test_pa(f, 2));
    assert_int_equal(t.asid, 5);
    assert_int_equal(t.page_size, MMU_PS_1G);
    assert_int_equal(t.flags, r.tlb_flags);
    /* the TLB-hit check agrees with the walk */
    mmu_walk_opts o;
    mmu_walk_opts_defaults(f, &o);
    assert_int_equal(mmu_pt_check_access(&o, t.flags, MMU_WRITE, MMU_PRIV_USER), MMU_FAULT_NONE);
    assert_int_equal(mmu_pt_check_access(&o, t.flags, MMU_READ, MMU_PRIV_SUPER), MMU_FAULT_SUPER_USER);
    assert_int_equal(mmu_pt_check_access(&o, MMU_TLB_READ, MMU_READ, MMU_PRIV_USER), MMU_FAULT_USER_SUPER);
    assert_int_equal(mmu_pt_check_access(&o, MMU_TLB_READ, MMU_WRITE, MMU_PRIV_SUPER), MMU_FAULT_WRITE_RO);
    assert_int_equal(mmu_pt_check_access(&o, MMU_TLB_READ, MMU_FETCH, MMU_PRIV_SUPER), MMU_FAULT_NX_FETCH);
    assert_int_equal(mmu_pt_check_access(&o, MMU_TLB_EXEC, MMU_READ, MMU_PRIV_SUPER), MMU_FAULT_NO_READ);
    o.flags |= MMU_WALK_MXR;
    assert_int_equal(mmu_pt_check_access(&o, MMU_TLB_EXEC, MMU_READ, MMU_PRIV_SUPER), MMU_FAULT_NONE);
    env_free(e);

    /* Arm: nG clear -> global; a user page is executable by EL0 unless UXN */
    e = env_new("aarch64_4k");
    va = test_va(e->f, 0);
    map(e, va, test_pa(e->f, 1), 1, R | W | X | U | A | PXN);
    expect_ok(e, va, MMU_FETCH, MMU_PRIV_USER, NULL, &r);
    assert_int_equal(r.tlb_flags, MMU_TLB_WRITE | MMU_TLB_USER | MMU_TLB_EXEC | MMU_TLB_DIRTY |
                                      MMU_TLB_READ);
    assert_true(r.pte_flags & MMU_PTE_PXN);
    map(e, va, test_pa(e->f, 1), 1, R | W | X | U | A | G);
    expect_ok(e, va, MMU_READ, MMU_PRIV_USER, NULL, &r);
    assert_true(r.tlb_flags & MMU_TLB_GLOBAL);
    env_free(e);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    env *e = env_new("sv39");
    mmu_walk_result r;
    memset(&r, 0x5A, sizeof r);
    uint64_t va = test_va(e->f, 0);
    assert_int_equal(mmu_walk(NULL, e->root, &e->port, NULL, va, MMU_READ, MMU_PRIV_USER, 0, NULL, &r),
                     MMU_EINVAL);
    assert_int_equal(mmu_walk(e->f, e->root, NULL, NULL, va, MMU_READ, MMU_PRIV_USER, 0, NULL, &r),
                     MMU_EINVAL);
    assert_int_equal(mmu_walk(e->f, e->root, &e->port, NULL, va, MMU_READ, MMU_PRIV_USER, 0, NULL, NULL),
                     MMU_EINVAL);
    assert_int_equal(mmu_walk(e->f, e->root, &e->port, NULL, va, MMU_ACCESS_TYPES, MMU_PRIV_USER, 0,
                              NULL, &r),
                     MMU_EINVAL);
    assert_int_equal(mmu_walk(e->f, e->root, &e->port, NULL, va, MMU_READ, (mmu_priv)7, 0, NULL, &r),
                     MMU_EINVAL);
    assert_int_equal(r.reads, 0x5A); /* untouched */
    env_free(e);
}

/*
 * The worked example of docs/page-tables.md: x86_64, CR3 = 0x1000,
 * vaddr 0x00007F12_3456_7ABC, a 4K page at 0x00ABC000, tables at 0x2000,
 * 0x3000, 0x4000, 10-cycle memory, all A/D clear in the leaf.
 */
static void test_worked_example(void **state)
{
    (void)state;
    const mmu_pt_format *f = mmu_pt_format_find("x86_64");
    mmu_sparse_mem *mem = NULL;
    assert_int_equal(mmu_sparse_mem_create(10, &mem), MMU_OK);
    uint64_t va = 0x00007F1234567ABCull;
    assert_int_equal(mmu_pt_index(f, 3, va), 0x0FE);
    assert_int_equal(mmu_pt_index(f, 2, va), 0x048);
    assert_int_equal(mmu_pt_index(f, 1, va), 0x1A2);
    assert_int_equal(mmu_pt_index(f, 0, va), 0x167);
    assert_int_equal(mmu_sparse_mem_write64(mem, 0x1000 + 0x0FE * 8, 0x2027), MMU_OK); /* P RW US A */
    assert_int_equal(mmu_sparse_mem_write64(mem, 0x2000 + 0x048 * 8, 0x3027), MMU_OK);
    assert_int_equal(mmu_sparse_mem_write64(mem, 0x3000 + 0x1A2 * 8, 0x4027), MMU_OK);
    assert_int_equal(mmu_sparse_mem_write64(mem, 0x4000 + 0x167 * 8, 0x8000000000ABC007ull), MMU_OK);
    mmu_mem_port port = mmu_sparse_mem_port(mem);
    mmu_walk_result r;
    assert_int_equal(mmu_walk(f, 0x1000, &port, NULL, va, MMU_WRITE, MMU_PRIV_USER, 1, NULL, &r), MMU_OK);
    assert_int_equal(r.reads, 4);
    assert_int_equal(r.read_addr[0], 0x17F0);
    assert_int_equal(r.read_addr[1], 0x2240);
    assert_int_equal(r.read_addr[2], 0x3D10);
    assert_int_equal(r.read_addr[3], 0x4B38);
    assert_int_equal(r.writes, 1);
    assert_int_equal(r.write_addr[0], 0x4B38);
    assert_int_equal(mmu_sparse_mem_read64(mem, 0x4B38), 0x8000000000ABC067ull);
    assert_int_equal(r.paddr, 0xABCABC);
    assert_int_equal(r.page_size, MMU_PS_4K);
    assert_int_equal(r.mem_latency, 50);
    assert_int_equal(r.tlb_flags, MMU_TLB_WRITE | MMU_TLB_USER | MMU_TLB_DIRTY | MMU_TLB_READ);
    mmu_sparse_mem_destroy(mem);
}


/* ---- the MMU's entry (mmusim_walk_run) against mmu_walk on random walks ---- */

/* One of three identical worlds: tables, PTE cache model and PWC. */
typedef struct world {
    env *e;
    mmu_ptemem *pm;
    mmu_pwc *pwc;
    mmu_mem_port port; /* the sparse memory priced by pm (the MMU's walk_read_priced, walk_write) */
} world;

static uint32_t sat_add(uint32_t a, uint64_t b)
{
    uint64_t x = a + b;
    return x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
}

static uint32_t priced_read(void *ctx, uint64_t pa, uint64_t *v)
{
    world *w = ctx;
    uint32_t lat = w->e->cp.inner.read64(w->e->cp.inner.ctx, pa, v);
    return sat_add(lat, mmu_ptemem_access(w->pm, pa, 0, MMU_PTEMEM_SRC_PTE, NULL));
}

static uint32_t priced_write(void *ctx, uint64_t pa, uint64_t v)
{
    world *w = ctx;
    uint32_t lat = w->e->cp.inner.write64(w->e->cp.inner.ctx, pa, v);
    return sat_add(lat, mmu_ptemem_access(w->pm, pa, 1, MMU_PTEMEM_SRC_PTE, NULL));
}

static uint64_t rnd_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void world_new(world *w, const mmu_pt_format *f)
{
    w->e = env_new(f->name);
    mmu_ptemem_config pc;
    mmu_ptemem_config_defaults(&pc);
    assert_int_equal(mmu_ptemem_create(&pc, &w->pm), MMU_OK);
    mmu_pwc_config wc;
    mmu_pwc_config_defaults(&wc, f);
    for (unsigned l = 0; l < MMU_PT_MAX_LEVELS; l++) /* small: evictions */
        if (wc.level[l].entries)
            wc.level[l].entries = wc.level[l].ways = 2;
    assert_int_equal(mmu_pwc_create(&wc, f, &w->pwc), MMU_OK);
    w->port.ctx = w;
    w->port.read64 = priced_read;
    w->port.write64 = priced_write;
    w->port.debug_read64 = NULL;
}

static void world_free(world *w)
{
    mmu_pwc_destroy(w->pwc);
    mmu_ptemem_destroy(w->pm);
    env_free(w->e);
}

static void test_run_vs_walk(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (unsigned fi = 0; fi < mmu_pt_format_count(); fi++) {
        const mmu_pt_format *f = mmu_pt_format_get(fi);
        world w[3];
        for (int k = 0; k < 3; k++)
            world_new(&w[k], f);
        /* the same random tables in every world: leaves at levels 0 to 2 */
        uint64_t vas[64];
        for (unsigned i = 0; i < 64; i++) {
            uint64_t va = test_va(f, (int)(rnd_next(&x) & 1));
            for (unsigned l = 0; l < 3 && l < f->levels - 1u; l++)
                va ^= (rnd_next(&x) % 4) << f->shift[l];
            vas[i] = va;
            unsigned leaf = (unsigned)(rnd_next(&x) % 3);
            while (leaf > 0 && (leaf >= f->levels - 1u || f->page_size[leaf] == MMU_PAGE_SIZES))
                leaf--;
            uint64_t pa = (rnd_next(&x) % 32 + 1) << f->shift[leaf];
            uint32_t fl = (R | W | X | U) | ((uint32_t)rnd_next(&x) & (A | D));
            if (rnd_next(&x) % 2)
                fl ^= (uint32_t)rnd_next(&x) & (W | X | U | G | A | D | PXN);
            /* a leaf only where none is on the way yet (an entry of the path is not present) */
            mmu_walk_result r;
            if (mmu_walk(f, w[0].e->root, &w[0].e->cp.inner, NULL, va, MMU_READ, MMU_PRIV_SUPER, 0,
                         &(mmu_walk_opts){MMU_WALK_FUNCTIONAL, MMU_AD_NONE, 0}, &r) == MMU_EFAULT &&
                r.fault == MMU_FAULT_NOT_PRESENT)
                for (int k = 0; k < 3; k++)
                    (void)map(w[k].e, va, pa, leaf, fl);
        }
        unsigned walks = 0, faults = 0, writes = 0;
        uint64_t flip_ea = 0, flip_bit = 0;
        for (unsigned n = 0; n < 3000; n++) {
            if (n % 50 == 49) { /* flip a bit of an entry on a path in every world, the last one back */
                for (int k = 0; k < 3 && flip_bit; k++)
                    wr(w[k].e, flip_ea, rd(w[k].e, flip_ea) ^ flip_bit);
                flip_bit = 0;
                uint64_t va = vas[rnd_next(&x) % 64];
                mmu_walk_result r;
                (void)mmu_walk(f, w[0].e->root, &w[0].e->cp.inner, NULL, va, MMU_READ, MMU_PRIV_SUPER,
                               0, &(mmu_walk_opts){MMU_WALK_FUNCTIONAL, MMU_AD_HW, 0}, &r);
                if (r.reads) {
                    flip_ea = r.read_addr[rnd_next(&x) % r.reads];
                    flip_bit = 1ull << (rnd_next(&x) % 64);
                    for (int k = 0; k < 3; k++)
                        wr(w[k].e, flip_ea, rd(w[k].e, flip_ea) ^ flip_bit);
                }
            }
            if (n % 10 == 5) { /* clear A and D of a leaf in every world */
                mmu_walk_result r;
                const mmu_walk_opts fo = {MMU_WALK_FUNCTIONAL, MMU_AD_NONE, 0};
                if (mmu_walk(f, w[0].e->root, &w[0].e->cp.inner, NULL, vas[rnd_next(&x) % 64], MMU_READ,
                             MMU_PRIV_SUPER, 0, &fo, &r) == MMU_OK) {
                    mmu_pte pte;
                    uint64_t raw, ea = r.read_addr[r.reads - 1];
                    assert_int_equal(mmu_pte_decode(f, (unsigned)r.leaf_level, r.pte, &pte), MMU_OK);
                    pte.flags &= ~(uint32_t)(A | D);
                    if (mmu_pte_encode(f, (unsigned)r.leaf_level, &pte, &raw) == MMU_OK)
                        for (int k = 0; k < 3; k++)
                            wr(w[k].e, ea, raw);
                }
            }
            uint64_t va = vas[rnd_next(&x) % 64];
            if (rnd_next(&x) % 4 == 0)
                va ^= (rnd_next(&x) % 8) << f->shift[0];
            if (rnd_next(&x) % 64 == 0)
                va ^= 1ull << (62 - rnd_next(&x) % 4); /* most likely not canonical */
            mmu_access_type t = (mmu_access_type)(rnd_next(&x) % MMU_ACCESS_TYPES);
            mmu_priv p = rnd_next(&x) & 1 ? MMU_PRIV_USER : MMU_PRIV_SUPER;
            uint32_t asid = (uint32_t)(rnd_next(&x) % 3);
            mmu_walk_opts o;
            mmu_walk_opts_defaults(f, &o);
            o.flags ^= (uint32_t)rnd_next(&x) &
                       (MMU_WALK_SMAP | MMU_WALK_SMEP | MMU_WALK_MXR | MMU_WALK_NO_WP);
            if (rnd_next(&x) % 16 == 0)
                o.flags |= MMU_WALK_FUNCTIONAL;
            o.ad_mode = (uint8_t)(rnd_next(&x) % 4);
            o.pa_bits = rnd_next(&x) % 8 == 0 ? (uint8_t)(30 + rnd_next(&x) % 20) : 0;
            mmu_walk_result r[3];
            mmu_err err[3];
            memset(r, 0x5A, sizeof r);
            err[0] = mmu_walk(f, w[0].e->root, &w[0].port, w[0].pwc, va, t, p, asid, &o, &r[0]);
            for (int k = 1; k < 3; k++) {
                struct mmusim_walk_setup su;
                /* world 1: the sparse memory read inline; world 2: through the port */
                assert_int_equal(mmusim_walk_setup(&su, f, &w[k].port, w[k].pwc, &o,
                                                   k == 1 ? w[k].e->mem : NULL, w[k].pm),
                                 MMU_OK);
                err[k] = mmusim_walk_run(&su, w[k].e->root, va, t, p, asid, &r[k]);
            }
            for (int k = 1; k < 3; k++) {
                assert_int_equal(err[k], err[0]);
                if (memcmp(&r[k], &r[0], sizeof r[0]) != 0)
                    fail_msg("%s walk %u (va 0x%llx): world %d's result differs (fault %d/%d)", f->name,
                             n, (unsigned long long)va, k, r[k].fault, r[0].fault);
            }
            walks++;
            faults += err[0] == MMU_EFAULT;
            writes += r[0].writes;
        }
        /* the side effects: PTE caches, PWCs and memory the same */
        mmu_ptemem_stats s0, s1;
        mmu_ptemem_get_stats(w[0].pm, &s0);
        for (int k = 1; k < 3; k++) {
            mmu_ptemem_get_stats(w[k].pm, &s1);
            assert_memory_equal(&s0, &s1, sizeof s0);
            assert_memory_equal(mmu_pwc_get_stats(w[0].pwc), mmu_pwc_get_stats(w[k].pwc),
                                sizeof(mmu_pwc_stats));
            for (unsigned i = 0; i < 64; i++) {
                mmu_walk_result a, b;
                const mmu_walk_opts fo = {MMU_WALK_FUNCTIONAL, MMU_AD_HW, 0};
                (void)mmu_walk(f, w[0].e->root, &w[0].e->cp.inner, NULL, vas[i], MMU_READ,
                               MMU_PRIV_SUPER, 0, &fo, &a);
                (void)mmu_walk(f, w[k].e->root, &w[k].e->cp.inner, NULL, vas[i], MMU_READ,
                               MMU_PRIV_SUPER, 0, &fo, &b);
                assert_int_equal(a.pte, b.pte);
            }
        }
        /* the walks took every path: successes, faults and A/D writes */
        if (!(faults > 100 && walks - faults > 100 && writes > 10))
            fail_msg("%s: %u walks, %u faults, %u A/D writes: too few of a kind", f->name, walks, faults,
                     writes);
        for (int k = 0; k < 3; k++)
            world_free(&w[k]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_page_size),
        cmocka_unit_test(test_read_addresses),
        cmocka_unit_test(test_not_present_every_level),
        cmocka_unit_test(test_reserved_every_level),
        cmocka_unit_test(test_misaligned_superpage),
        cmocka_unit_test(test_x86_ps_reserved),
        cmocka_unit_test(test_riscv_reserved_encodings),
        cmocka_unit_test(test_arm_descriptor_types),
        cmocka_unit_test(test_leaf_permissions),
        cmocka_unit_test(test_table_limits),
        cmocka_unit_test(test_super_user),
        cmocka_unit_test(test_riscv_no_read),
        cmocka_unit_test(test_noncanonical),
        cmocka_unit_test(test_ad_fault_mode),
        cmocka_unit_test(test_ad_hw_x86),
        cmocka_unit_test(test_ad_hw_riscv_arm),
        cmocka_unit_test(test_functional),
        cmocka_unit_test(test_pwc_walk_counts),
        cmocka_unit_test(test_pwc_large_page_and_limits),
        cmocka_unit_test(test_riscv_global),
        cmocka_unit_test(test_tlb_flags),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_worked_example),
        cmocka_unit_test(test_run_vs_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
