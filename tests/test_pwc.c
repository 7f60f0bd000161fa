/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pwc.c - the paging-structure caches on their own: configuration
 * checks and their messages, lookup of the deepest level, ASID and global
 * tagging, LRU replacement (power-of-two and other set counts), every kind
 * of invalidation, counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/pwc.h"
#include "pwc_internal.h"

static const mmu_pt_format *x86(void)
{
    return mmu_pt_format_find("x86_64");
}

/* A VA whose level-l key (VA bits 47:shift[l] of x86_64) is k. */
static uint64_t va_key(unsigned level, uint64_t k)
{
    return k << x86()->shift[level];
}

static mmu_pwc *make(uint32_t e1, uint32_t w1, uint32_t e2, uint32_t w2, uint32_t e3, uint32_t w3)
{
    mmu_pwc_config c;
    memset(&c, 0, sizeof c);
    c.level[1] = (mmu_pwc_level_config){e1, w1, 2};
    c.level[2] = (mmu_pwc_level_config){e2, w2, 3};
    c.level[3] = (mmu_pwc_level_config){e3, w3, 1};
    mmu_pwc *p = NULL;
    assert_int_equal(mmu_pwc_create(&c, x86(), &p), MMU_OK);
    return p;
}

static void fill(mmu_pwc *p, unsigned level, uint64_t va, uint16_t asid, uint64_t table,
                 uint16_t flags)
{
    mmu_pwc_entry e = {table, flags};
    mmu_pwc_fill(p, level, va, asid, &e);
}

static void test_config_check(void **state)
{
    (void)state;
    char msg[160];
    mmu_pwc_config c;
    mmu_pwc_config_defaults(&c, x86());
    assert_int_equal(mmu_pwc_config_check(&c, x86(), msg, sizeof msg), MMU_OK);
    assert_int_equal(c.level[0].entries, 0);
    assert_int_equal(c.level[1].entries, 32);
    assert_int_equal(c.level[4].entries, 0); /* no PML5 in 4-level paging */

    c.level[1].entries = 32;
    c.level[1].ways = 3;
    assert_int_equal(mmu_pwc_config_check(&c, x86(), msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, "pwc.pde.ways (3) must divide pwc.pde.entries (32)");
    assert_int_equal(mmu_pwc_config_check(&c, NULL, msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, "pwc.level1.ways (3) must divide pwc.level1.entries (32)");
    mmu_pwc *p = NULL;
    assert_int_equal(mmu_pwc_create(&c, x86(), &p), MMU_ECONFIG);
    assert_null(p);

    c.level[1].ways = 64;
    assert_int_equal(mmu_pwc_config_check(&c, x86(), msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, "pwc.pde.ways (64) must divide pwc.pde.entries (32)");
    c.level[1].ways = 0;
    assert_int_equal(mmu_pwc_config_check(&c, x86(), msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, "pwc.pde.ways must be at least 1 when pwc.pde.entries (32) is not 0");
    c.level[1].entries = 0; /* no cache at this level: ways do not matter */
    assert_int_equal(mmu_pwc_config_check(&c, x86(), msg, sizeof msg), MMU_OK);

    mmu_pwc_config_defaults(&c, x86());
    c.level[0] = (mmu_pwc_level_config){8, 2, 1};
    assert_int_equal(mmu_pwc_config_check(&c, x86(), msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, "pwc.pte.entries (8) must be 0: level-0 entries are leaves, cached by the TLB");

    mmu_pwc_config_defaults(&c, x86());
    c.level[3].entries = 1u << 21;
    c.level[3].ways = 1;
    assert_int_equal(mmu_pwc_config_check(&c, x86(), msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, "pwc.pml4e.entries (2097152) must be at most 1048576");
    assert_int_equal(mmu_pwc_config_check(&c, x86(), NULL, 0), MMU_ECONFIG); /* msg optional */

    /* levels above the format's root are ignored */
    mmu_pwc_config_defaults(&c, x86());
    c.level[4] = (mmu_pwc_level_config){3, 2, 1};
    assert_int_equal(mmu_pwc_config_check(&c, x86(), msg, sizeof msg), MMU_OK);
    c.level[4] = (mmu_pwc_level_config){4, 2, 1};
    const mmu_pt_format *la57 = mmu_pt_format_find("x86_64_la57");
    assert_int_equal(mmu_pwc_config_check(&c, la57, msg, sizeof msg), MMU_OK);
    c.level[4].ways = 3;
    assert_int_equal(mmu_pwc_config_check(&c, la57, msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, "pwc.pml5e.ways (3) must divide pwc.pml5e.entries (4)");

    /* defaults are valid for every format; Arm names its levels the Arm way */
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        mmu_pwc_config_defaults(&c, f);
        assert_int_equal(mmu_pwc_config_check(&c, f, msg, sizeof msg), MMU_OK);
        for (unsigned l = f->levels; l < MMU_PT_MAX_LEVELS; l++)
            assert_int_equal(c.level[l].entries, 0);
    }
    const mmu_pt_format *a = mmu_pt_format_find("aarch64_4k");
    mmu_pwc_config_defaults(&c, a);
    c.level[2].ways = 5;
    assert_int_equal(mmu_pwc_config_check(&c, a, msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, "pwc.l1.ways (5) must divide pwc.l1.entries (8)");
    assert_int_equal(mmu_pwc_config_check(NULL, a, msg, sizeof msg), MMU_ECONFIG);
    assert_int_equal(mmu_pwc_create(NULL, a, &p), MMU_EINVAL);
}

static void test_lookup_deepest(void **state)
{
    (void)state;
    mmu_pwc *p = make(4, 2, 4, 2, 2, 2);
    assert_int_equal(mmu_pwc_latency(p), 3); /* the slowest level, looked up in parallel */
    uint64_t va = 0x00007F1234567ABCull;
    mmu_pwc_entry out;
    assert_int_equal(mmu_pwc_lookup(p, va, 1, &out), -1);
    fill(p, 3, va, 1, 0x3000, MMU_PTE_WRITE);
    assert_int_equal(mmu_pwc_lookup(p, va, 1, &out), 3);
    assert_int_equal(out.table, 0x3000);
    assert_int_equal(out.flags, MMU_PTE_WRITE);
    fill(p, 1, va, 1, 0x1000, MMU_PTE_USER);
    assert_int_equal(mmu_pwc_lookup(p, va, 1, &out), 1);
    assert_int_equal(out.table, 0x1000);
    assert_int_equal(out.flags, MMU_PTE_USER);
    fill(p, 2, va, 1, 0x2000, 0);
    assert_int_equal(mmu_pwc_lookup(p, va, 1, &out), 1); /* still the deepest */
    /* the level-1 key covers 2M: another 4K page in it hits, the next 2M does not */
    assert_int_equal(mmu_pwc_lookup(p, va ^ 0x1FF000, 1, &out), 1);
    assert_int_equal(mmu_pwc_lookup(p, va ^ 0x200000, 1, &out), 2);
    assert_int_equal(out.table, 0x2000);
    assert_int_equal(mmu_pwc_lookup(p, va ^ (1ull << 30), 1, &out), 3);
    assert_int_equal(mmu_pwc_lookup(p, va ^ (1ull << 39), 1, NULL), -1);
    /* upper-half addresses: the key is the VA bits below va_bits */
    uint64_t hi = 0xFFFF800000000000ull | 0x1234000;
    fill(p, 1, hi, 1, 0x9000, 0);
    assert_int_equal(mmu_pwc_lookup(p, hi, 1, &out), 1);
    assert_int_equal(out.table, 0x9000);
    /* refresh in place: same key and ASID */
    fill(p, 1, va, 1, 0x1111000, 0);
    assert_int_equal(mmu_pwc_lookup(p, va, 1, &out), 1);
    assert_int_equal(out.table, 0x1111000);
    assert_int_equal(mmu_pwc_occupancy(p, 1), 2);
    /* a level without a cache (or out of range) ignores fills */
    fill(p, 0, va, 1, 0x1, 0);
    fill(p, 4, va, 1, 0x1, 0);
    assert_int_equal(mmu_pwc_occupancy(p, 0), 0);
    assert_int_equal(mmu_pwc_occupancy(p, 4), 0);
    mmu_pwc_destroy(p);
    mmu_pwc_destroy(NULL);
}

static void test_asid_and_global(void **state)
{
    (void)state;
    mmu_pwc *p = make(8, 8, 0, 0, 0, 0);
    uint64_t va = va_key(1, 5);
    fill(p, 1, va, 1, 0x1000, 0);
    assert_int_equal(mmu_pwc_lookup(p, va, 1, NULL), 1);
    assert_int_equal(mmu_pwc_lookup(p, va, 2, NULL), -1);
    fill(p, 1, va, 2, 0x2000, 0); /* same key, another ASID: a second entry */
    mmu_pwc_entry out;
    assert_int_equal(mmu_pwc_lookup(p, va, 2, &out), 1);
    assert_int_equal(out.table, 0x2000);
    assert_int_equal(mmu_pwc_lookup(p, va, 1, &out), 1);
    assert_int_equal(out.table, 0x1000);
    assert_int_equal(mmu_pwc_occupancy(p, 1), 2);
    uint64_t gva = va_key(1, 6);
    fill(p, 1, gva, 3, 0x3000, MMU_PTE_GLOBAL);
    assert_int_equal(mmu_pwc_lookup(p, gva, 77, &out), 1);
    assert_int_equal(out.table, 0x3000);
    mmu_pwc_destroy(p);
}

static void test_lru(void **state)
{
    (void)state;
    /* 8 entries, 4 ways: 2 sets; keys 0,2,4,6,8 share set 0 */
    mmu_pwc *p = make(8, 4, 0, 0, 0, 0);
    for (uint64_t k = 0; k < 8; k += 2)
        fill(p, 1, va_key(1, k), 1, 0x1000 * (k + 1), 0);
    assert_int_equal(mmu_pwc_occupancy(p, 1), 4);
    assert_int_equal(mmu_pwc_lookup(p, va_key(1, 0), 1, NULL), 1); /* 0 most recent; 2 is LRU */
    fill(p, 1, va_key(1, 8), 1, 0x9000, 0);
    assert_int_equal(mmu_pwc_lookup(p, va_key(1, 2), 1, NULL), -1);
    assert_int_equal(mmu_pwc_lookup(p, va_key(1, 0), 1, NULL), 1);
    assert_int_equal(mmu_pwc_lookup(p, va_key(1, 4), 1, NULL), 1);
    assert_int_equal(mmu_pwc_lookup(p, va_key(1, 6), 1, NULL), 1);
    assert_int_equal(mmu_pwc_lookup(p, va_key(1, 8), 1, NULL), 1);
    /* set 1 untouched */
    assert_int_equal(mmu_pwc_lookup(p, va_key(1, 1), 1, NULL), -1);
    const mmu_pwc_stats *st = mmu_pwc_get_stats(p);
    assert_int_equal(st->level[1].fills, 5);
    assert_int_equal(st->level[1].evictions, 1);
    /* probe has no side effect: 0 stays LRU-ordered behind 4,6,8 */
    uint64_t lookups = st->level[1].lookups;
    assert_int_equal(mmu_pwc_probe(p, va_key(1, 0), 1, NULL), 1);
    assert_int_equal(st->level[1].lookups, lookups);
    fill(p, 1, va_key(1, 10), 1, 0xA000, 0);
    assert_int_equal(mmu_pwc_probe(p, va_key(1, 0), 1, NULL), -1);
    mmu_pwc_destroy(p);

    /* 12 entries, 4 ways: 3 sets, key mod 3; keys 0,3,6,9,12 share set 0 */
    p = make(12, 4, 0, 0, 0, 0);
    for (uint64_t k = 0; k < 12; k += 3)
        fill(p, 1, va_key(1, k), 1, 0x1000, 0);
    for (uint64_t k = 1; k < 12; k += 3)
        fill(p, 1, va_key(1, k), 1, 0x1000, 0);
    assert_int_equal(mmu_pwc_occupancy(p, 1), 8);
    fill(p, 1, va_key(1, 12), 1, 0x1000, 0); /* evicts key 0 */
    assert_int_equal(mmu_pwc_get_stats(p)->level[1].evictions, 1);
    assert_int_equal(mmu_pwc_probe(p, va_key(1, 0), 1, NULL), -1);
    assert_int_equal(mmu_pwc_probe(p, va_key(1, 1), 1, NULL), 1);
    assert_int_equal(mmu_pwc_probe(p, va_key(1, 12), 1, NULL), 1);
    mmu_pwc_destroy(p);

    /* fully associative, 1 entry */
    p = make(1, 1, 0, 0, 0, 0);
    fill(p, 1, va_key(1, 1), 1, 0x1000, 0);
    fill(p, 1, va_key(1, 2), 1, 0x2000, 0);
    assert_int_equal(mmu_pwc_probe(p, va_key(1, 1), 1, NULL), -1);
    assert_int_equal(mmu_pwc_probe(p, va_key(1, 2), 1, NULL), 1);
    mmu_pwc_destroy(p);
}

static void test_invalidate(void **state)
{
    (void)state;
    mmu_pwc *p = make(16, 4, 16, 4, 4, 4);
    uint64_t va = 0x00007F1234567ABCull;
    uint64_t other = va ^ (1ull << 39); /* a different path at every level */
    for (unsigned l = 1; l <= 3; l++) {
        fill(p, l, va, 1, 0x1000, 0);
        fill(p, l, va, 2, 0x2000, 0);
        fill(p, l, other, 1, 0x3000, 0);
    }
    uint64_t gva = va ^ (1ull << 40); /* another path at every level, global */
    for (unsigned l = 1; l <= 3; l++)
        fill(p, l, gva, 1, 0x4000, MMU_PTE_GLOBAL);
    /* by address and ASID: va's entries of ASID 1 (and global ones there: none) */
    assert_int_equal(mmu_pwc_invalidate(p, MMU_INVAL_ADDR_ASID, va, 1), 3);
    assert_int_equal(mmu_pwc_probe(p, va, 1, NULL), -1);
    assert_int_equal(mmu_pwc_probe(p, va, 2, NULL), 1);
    assert_int_equal(mmu_pwc_probe(p, other, 1, NULL), 1);
    /* by address and ASID removes global entries at that address too */
    assert_int_equal(mmu_pwc_invalidate(p, MMU_INVAL_ADDR_ASID, gva, 9), 3);
    assert_int_equal(mmu_pwc_probe(p, gva, 1, NULL), -1);
    for (unsigned l = 1; l <= 3; l++)
        fill(p, l, gva, 1, 0x4000, MMU_PTE_GLOBAL);
    /* by ASID: non-global entries of the ASID, everywhere */
    assert_int_equal(mmu_pwc_invalidate(p, MMU_INVAL_ASID, 0, 1), 3); /* other's */
    assert_int_equal(mmu_pwc_probe(p, other, 1, NULL), -1);
    assert_int_equal(mmu_pwc_probe(p, gva, 1, NULL), 1);
    assert_int_equal(mmu_pwc_probe(p, va, 2, NULL), 1);
    /* by address: every ASID, global ones too */
    fill(p, 1, va, 5, 0x5000, 0);
    assert_int_equal(mmu_pwc_invalidate(p, MMU_INVAL_ADDR, va, 0), 4);
    assert_int_equal(mmu_pwc_probe(p, va, 2, NULL), -1);
    assert_int_equal(mmu_pwc_probe(p, va, 5, NULL), -1);
    assert_int_equal(mmu_pwc_invalidate(p, MMU_INVAL_ADDR, gva, 0), 3);
    /* all */
    for (unsigned l = 1; l <= 3; l++) {
        fill(p, l, va, 1, 0x1000, MMU_PTE_GLOBAL);
        fill(p, l, other, 2, 0x1000, 0);
    }
    assert_int_equal(mmu_pwc_invalidate(p, MMU_INVAL_ALL, 0, 0), 6);
    for (unsigned l = 0; l < MMU_PT_MAX_LEVELS; l++)
        assert_int_equal(mmu_pwc_occupancy(p, l), 0);
    const mmu_pwc_stats *st = mmu_pwc_get_stats(p);
    assert_int_equal(st->level[1].invalidations + st->level[2].invalidations +
                         st->level[3].invalidations,
                     3 + 3 + 3 + 4 + 3 + 6);
    mmu_pwc_destroy(p);
}

static void test_stats_and_reset(void **state)
{
    (void)state;
    mmu_pwc *p = make(4, 4, 0, 0, 4, 4); /* no level-2 cache */
    uint64_t va = 0x1234567000ull;
    assert_int_equal(mmu_pwc_lookup(p, va, 1, NULL), -1);
    fill(p, 1, va, 1, 0x1000, 0);
    fill(p, 2, va, 1, 0x2000, 0); /* ignored */
    fill(p, 3, va, 1, 0x3000, 0);
    assert_int_equal(mmu_pwc_lookup(p, va, 1, NULL), 1);
    assert_int_equal(mmu_pwc_lookup(p, va ^ 0x200000, 1, NULL), 3);
    const mmu_pwc_stats *st = mmu_pwc_get_stats(p);
    assert_int_equal(st->level[1].lookups, 3);
    assert_int_equal(st->level[1].hits, 1);
    assert_int_equal(st->level[1].misses, 2);
    assert_int_equal(st->level[2].lookups, 0);
    assert_int_equal(st->level[3].lookups, 3);
    assert_int_equal(st->level[3].hits, 2);
    assert_int_equal(st->level[3].misses, 1);
    assert_int_equal(st->level[1].fills, 1);
    assert_int_equal(mmu_pwc_latency(p), 2);
    mmu_pwc_clear_stats(p);
    assert_int_equal(st->level[1].lookups, 0);
    assert_int_equal(mmu_pwc_probe(p, va, 1, NULL), 1); /* contents kept */
    mmu_pwc_reset(p);
    assert_int_equal(mmu_pwc_probe(p, va, 1, NULL), -1);
    assert_int_equal(mmu_pwc_occupancy(p, 1), 0);
    assert_int_equal(mmu_pwc_get_config(p)->level[1].entries, 4);
    assert_ptr_equal(mmu_pwc_get_format(p), x86());
    mmu_pwc_destroy(p);

    /* no cache at any level: lookups miss without counting, latency 0 */
    p = make(0, 0, 0, 0, 0, 0);
    assert_int_equal(mmu_pwc_lookup(p, va, 1, NULL), -1);
    assert_int_equal(mmu_pwc_latency(p), 0);
    assert_int_equal(mmu_pwc_get_stats(p)->level[1].lookups, 0);
    mmu_pwc_destroy(p);
}

/* ---- the walk's lookup and fills (pwc_internal.h) against a plain model ---- */

struct ref_entry {
    int valid;
    uint64_t key;
    uint32_t asid;
    uint16_t flags;
    uint64_t table;
    uint64_t stamp;
};

struct ref_pwc {
    struct ref_entry *e[MMU_PT_MAX_LEVELS];
    uint32_t sets[MMU_PT_MAX_LEVELS], ways[MMU_PT_MAX_LEVELS];
    uint64_t clock;
    mmu_pwc_stats st;
};

static uint64_t ref_key(unsigned l, uint64_t va)
{
    return (va & ((1ull << 48) - 1)) >> x86()->shift[l];
}

static struct ref_entry *ref_set(struct ref_pwc *r, unsigned l, uint64_t key)
{
    return r->e[l] + (key % r->sets[l]) * r->ways[l];
}

static int ref_match(const struct ref_entry *x, uint64_t key, uint32_t asid)
{
    return x->valid && x->key == key &&
           (x->asid == asid || ((x->flags & MMU_PTE_GLOBAL) && (x->asid >> 17) == (asid >> 17)));
}

static int ref_lookup(struct ref_pwc *r, uint64_t va, uint32_t asid, mmu_pwc_entry *out)
{
    int deepest = -1;
    for (unsigned l = 3; l >= 1; l--) {
        if (!r->e[l])
            continue;
        r->st.level[l].lookups++;
        uint64_t key = ref_key(l, va);
        struct ref_entry *s = ref_set(r, l, key);
        struct ref_entry *hit = NULL;
        for (uint32_t w = 0; w < r->ways[l] && !hit; w++)
            if (ref_match(&s[w], key, asid))
                hit = &s[w];
        if (!hit) {
            r->st.level[l].misses++;
            continue;
        }
        r->st.level[l].hits++;
        hit->stamp = ++r->clock;
        deepest = (int)l;
        out->table = hit->table;
        out->flags = hit->flags;
    }
    return deepest;
}

static void ref_fill(struct ref_pwc *r, unsigned l, uint64_t va, uint32_t asid, uint64_t table,
                     uint16_t flags)
{
    if (!r->e[l])
        return;
    uint64_t key = ref_key(l, va);
    struct ref_entry *s = ref_set(r, l, key), *v = NULL;
    for (uint32_t w = 0; w < r->ways[l] && !v; w++) /* the same key and ASID: refreshed */
        if (s[w].valid && s[w].key == key && s[w].asid == asid)
            v = &s[w];
    for (uint32_t w = 0; w < r->ways[l] && !v; w++) /* else the first invalid way */
        if (!s[w].valid)
            v = &s[w];
    if (!v) { /* else the least recently used */
        v = &s[0];
        for (uint32_t w = 1; w < r->ways[l]; w++)
            if (s[w].stamp < v->stamp)
                v = &s[w];
        r->st.level[l].evictions++;
    }
    *v = (struct ref_entry){1, key, asid, flags, table, ++r->clock};
    r->st.level[l].fills++;
}

static void ref_invalidate(struct ref_pwc *r, mmu_inval_kind kind, uint64_t va, uint32_t asid)
{
    for (unsigned l = 1; l <= 3; l++) {
        for (uint32_t i = 0; r->e[l] && i < r->sets[l] * r->ways[l]; i++) {
            struct ref_entry *x = &r->e[l][i];
            int g = (x->flags & MMU_PTE_GLOBAL) != 0, on = x->key == ref_key(l, va);
            int hit = kind == MMU_INVAL_ALL ? 1
                      : kind == MMU_INVAL_ASID ? !g && x->asid == asid
                      : kind == MMU_INVAL_ADDR ? on
                                               : on && (g || x->asid == asid);
            if (x->valid && hit) {
                x->valid = 0;
                r->st.level[l].invalidations++;
            }
        }
    }
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A VA on a few paths only, so that keys and sets collide often. */
static uint64_t rnd_va(uint64_t *s)
{
    return (rnd(s) % 3) << 39 | (rnd(s) % 4) << 30 | (rnd(s) % 12) << 21 | (rnd(s) % 512) << 12;
}

static uint32_t rnd_asid(uint64_t *s)
{
    return (uint32_t)(rnd(s) % 3) | (uint32_t)(rnd(s) % 2) << 17;
}

static void test_walk_vs_model(void **state)
{
    (void)state;
    static const uint32_t geo[][6] = {{32, 8, 8, 4, 4, 4}, {6, 2, 3, 3, 0, 0}, {12, 4, 1, 1, 5, 5},
                                      {0, 0, 6, 3, 2, 1}, {24, 3, 4, 2, 2, 2}};
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    for (unsigned g = 0; g < sizeof geo / sizeof geo[0]; g++) {
        mmu_pwc *p = make(geo[g][0], geo[g][1], geo[g][2], geo[g][3], geo[g][4], geo[g][5]);
        struct ref_pwc r;
        memset(&r, 0, sizeof r);
        for (unsigned l = 1; l <= 3; l++) {
            uint32_t n = geo[g][2 * (l - 1)], w = geo[g][2 * (l - 1) + 1];
            if (!n)
                continue;
            r.e[l] = test_calloc(n, sizeof *r.e[l]);
            r.ways[l] = w;
            r.sets[l] = n / w;
        }
        for (unsigned step = 0; step < 20000; step++) {
            uint64_t va = rnd_va(&seed);
            uint32_t asid = rnd_asid(&seed);
            unsigned op = (unsigned)(rnd(&seed) % 20);
            if (op == 0) {
                mmu_inval_kind k = (mmu_inval_kind)(rnd(&seed) % 4);
                (void)mmu_pwc_invalidate(p, k, va, asid);
                ref_invalidate(&r, k, va, asid);
            } else {
                /* a walk: the lookup, then a fill of each level read below the deepest hit */
                struct mmusim_pwc_walk w;
                mmu_pwc_entry e = {0, 0}, re = {0, 0};
                int hit = mmusim_pwc_walk_lookup(p, va, asid, &e, &w);
                assert_int_equal(hit, ref_lookup(&r, va, asid, &re));
                if (hit > 0) {
                    assert_int_equal(e.table, re.table);
                    assert_int_equal(e.flags, re.flags);
                }
                if (op == 1) { /* something between the lookup and the fills */
                    uint64_t va2 = rnd(&seed) % 2 ? va : rnd_va(&seed);
                    mmu_inval_kind k = (mmu_inval_kind)(rnd(&seed) % 4);
                    (void)mmu_pwc_invalidate(p, k, va2, asid);
                    ref_invalidate(&r, k, va2, asid);
                } else if (op == 2) {
                    unsigned l = 1 + (unsigned)(rnd(&seed) % 3);
                    fill(p, l, va, (uint16_t)asid, 0x5000, 0);
                    ref_fill(&r, l, va, (uint16_t)asid, 0x5000, 0);
                }
                for (int l = hit > 0 ? hit - 1 : 3; l >= 1 && rnd(&seed) % 8; l--) {
                    uint64_t table = (rnd(&seed) % 64) << 12;
                    uint16_t flags = (uint16_t)(rnd(&seed) % 2 ? MMU_PTE_GLOBAL : 0) | MMU_PTE_READ;
                    mmusim_pwc_walk_fill(p, (unsigned)l, va, asid, table, flags, &w);
                    ref_fill(&r, (unsigned)l, va, asid, table, flags);
                }
            }
            const mmu_pwc_stats *st = mmu_pwc_get_stats(p);
            for (unsigned l = 1; l <= 3; l++) {
                assert_int_equal(st->level[l].lookups, r.st.level[l].lookups);
                assert_int_equal(st->level[l].hits, r.st.level[l].hits);
                assert_int_equal(st->level[l].misses, r.st.level[l].misses);
                assert_int_equal(st->level[l].fills, r.st.level[l].fills);
                assert_int_equal(st->level[l].evictions, r.st.level[l].evictions);
                assert_int_equal(st->level[l].invalidations, r.st.level[l].invalidations);
                uint32_t valid = 0;
                for (uint32_t i = 0; r.e[l] && i < r.sets[l] * r.ways[l]; i++)
                    valid += (uint32_t)r.e[l][i].valid;
                assert_int_equal(mmu_pwc_occupancy(p, l), valid);
            }
        }
        for (unsigned l = 1; l <= 3; l++)
            test_free(r.e[l]);
        mmu_pwc_destroy(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_check),
        cmocka_unit_test(test_lookup_deepest),
        cmocka_unit_test(test_asid_and_global),
        cmocka_unit_test(test_lru),
        cmocka_unit_test(test_invalidate),
        cmocka_unit_test(test_stats_and_reset),
        cmocka_unit_test(test_walk_vs_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
