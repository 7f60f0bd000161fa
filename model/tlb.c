/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlb.c - one TLB array.
 *
 * Storage is structure-of-arrays, sets x ways: a key per way (virtual page
 * number at the entry's page size, shifted left 4, OR the page-size index;
 * TLB_INVALID when empty), the ASID with a global bit, and the payload.  A
 * lookup probes each page size the array holds: set = VPN mod sets (sets
 * need not be a power of two), then compares the keys of that set's ways.
 */
#include "mmusim/tlb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repl.h"
#include "tlb_internal.h"

mmu_err tlb_config_check_as(const mmu_tlb_config *c, const char *n, char *msg, size_t msglen)
{
#define FAIL(...)                                 \
    do {                                          \
        if (msg && msglen)                        \
            snprintf(msg, msglen, __VA_ARGS__);   \
        return MMU_ECONFIG;                       \
    } while (0)
    if (c->entries == 0)
        FAIL("%s.entries must be at least 1", n);
    if (c->entries > (1u << 24))
        FAIL("%s.entries (%u) is more than %u", n, c->entries, 1u << 24);
    if (c->ways == 0)
        FAIL("%s.ways must be at least 1", n);
    if (c->ways > c->entries)
        FAIL("%s.ways (%u) is more than %s.entries (%u)", n, c->ways, n, c->entries);
    if (c->entries % c->ways != 0)
        FAIL("%s.ways (%u) must divide %s.entries (%u)", n, c->ways, n, c->entries);
    if (c->page_sizes == 0 || (c->page_sizes >> MMU_PAGE_SIZES) != 0)
        FAIL("%s.page_sizes must name at least one of 4K 8K 16K 64K 2M 32M 512M 1G", n);
    if (c->policy >= MMU_REPL_POLICIES)
        FAIL("%s.policy (%u) is not a known policy", n, c->policy);
    if (c->side == 0 || c->side > MMU_SIDE_BOTH)
        FAIL("%s.side must be i, d or id", n);
    if (c->level < 1 || c->level > 4)
        FAIL("%s.level (%u) must be 1..4", n, c->level);
    if (c->latency > 100000)
        FAIL("%s.latency (%u) is more than 100000 cycles", n, c->latency);
#undef FAIL
    return MMU_OK;
}

mmu_err mmu_tlb_config_check(const mmu_tlb_config *c, char *msg, size_t msglen)
{
    return tlb_config_check_as(c, c->name[0] ? c->name : "tlb", msg, msglen);
}

mmu_err mmu_tlb_create(const mmu_tlb_config *cfg, mmu_tlb **out)
{
    if (!cfg || !out)
        return MMU_EINVAL;
    *out = NULL;
    if (mmu_tlb_config_check(cfg, NULL, 0) != MMU_OK)
        return MMU_ECONFIG;
    mmu_tlb *t = calloc(1, sizeof *t);
    if (!t)
        return MMU_ENOMEM;
    t->cfg = *cfg;
    t->cfg.name[MMU_NAME_MAX - 1] = 0;
    t->ways = cfg->ways;
    t->sets = cfg->entries / cfg->ways;
    t->pow2 = (t->sets & (t->sets - 1)) == 0;
    t->set_mask = t->sets - 1;
    for (unsigned p = 0; p < MMU_PAGE_SIZES; p++) {
        if (cfg->page_sizes & (1u << p)) {
            t->shift[t->nsizes] = (uint8_t)mmu_page_shift((mmu_page_size)p);
            t->psidx[t->nsizes] = (uint8_t)p;
            t->psbit[p] = (uint16_t)(1u << t->nsizes);
            t->nsizes++;
        }
    }
    size_t n = (size_t)cfg->entries;
    t->key = malloc(n * sizeof *t->key);
    t->asid_g = calloc(n, sizeof *t->asid_g);
    t->pbase = calloc(n, sizeof *t->pbase);
    t->flags = calloc(n, 1);
    t->policy = cfg->policy;
    t->hit_changes = cfg->policy != MMU_REPL_FIFO && cfg->policy != MMU_REPL_RANDOM;
    t->sgen = calloc(t->sets, sizeof *t->sgen);
    t->changes = &t->own_changes;
    t->ops = repl_ops_for((mmu_repl_policy)cfg->policy, t->ways);
    t->order = (uint8_t)repl_is_order(t->ops);
    t->ways4 = (t->ways & 3) == 0 && t->ways <= 16;
    t->full_order = t->order ? cfg->entries : UINT32_MAX; /* valid never reaches UINT32_MAX */
    if (!t->key || !t->asid_g || !t->pbase || !t->flags || !t->sgen ||
        repl_state_init(&t->repl, t->ops, t->sets, t->ways, cfg->seed) != MMU_OK) {
        mmu_tlb_destroy(t);
        return MMU_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        t->key[i] = TLB_INVALID;
    *out = t;
    return MMU_OK;
}

void mmu_tlb_destroy(mmu_tlb *t)
{
    if (!t)
        return;
    repl_state_free(&t->repl);
    free(t->key);
    free(t->asid_g);
    free(t->pbase);
    free(t->flags);
    free(t->sgen);
    free(t);
}

void mmu_tlb_reset(mmu_tlb *t)
{
    size_t n = (size_t)t->sets * t->ways;
    for (size_t i = 0; i < n; i++)
        t->key[i] = TLB_INVALID;
    memset(t->asid_g, 0, n * sizeof *t->asid_g);
    t->valid = 0;
    memset(t->ps_valid, 0, sizeof t->ps_valid);
    t->live = 0;
    for (uint32_t set = 0; set < t->sets; set++)
        tlb_set_changed(t, set);
    t->ops->reset(&t->repl);
    if (t->sync)
        t->sync(t->sync_ctx);
    memset(&t->stats, 0, sizeof t->stats);
}





int mmu_tlb_lookup(mmu_tlb *t, uint64_t vaddr, uint16_t asid, mmu_access_type type,
                   mmu_tlb_entry *out)
{
    return tlb_lookup(t, vaddr, asid, type, out);
}

int mmu_tlb_probe(const mmu_tlb *t, uint64_t vaddr, uint32_t asid, mmu_tlb_entry *out)
{
    uint32_t set, way;
    if (!tlb_find(t, vaddr, asid, &set, &way))
        return 0;
    if (out)
        tlb_copy_out(t, (size_t)set * t->ways + way, out);
    return 1;
}

static void remove_at(mmu_tlb *t, size_t i)
{
    tlb_set_changed(t, (uint32_t)(i / t->ways));
    tlb_ps_sub(t, (unsigned)(t->key[i] & TLB_PS_MASK));
    t->key[i] = TLB_INVALID;
    t->asid_g[i] = 0;
    t->valid--;
    t->ops->invalidate(&t->repl, (uint32_t)(i / t->ways), (uint32_t)(i % t->ways));
}

/* Whether an entry tagged have is e's (owner ag): a global entry is replaced by a global one, a
   non-global one by the same ASID's. */
static inline int same_owner(uint32_t have, uint32_t ag)
{
    return (have & ASID_GLOBAL) ? (ag & ASID_GLOBAL) != 0 : have == ag;
}

static inline void put(mmu_tlb *t, size_t i, uint64_t key, uint32_t ag, const mmu_tlb_entry *e,
                       unsigned shift)
{
    t->key[i] = key;
    t->asid_g[i] = ag;
    t->pbase[i] = e->pbase & ~((UINT64_C(1) << shift) - 1);
    t->flags[i] = e->flags;
    t->stats.fills++;
}

/* mmu_tlb_insert, every case. */
static __attribute__((noinline)) mmu_err insert_any(mmu_tlb *t, const mmu_tlb_entry *e, mmu_tlb_entry *victim,
                                                    int *evicted)
{
    const unsigned ps = e->page_size;
    if (evicted)
        *evicted = 0;
    if (ps >= MMU_PAGE_SIZES || !((t->cfg.page_sizes >> ps) & 1))
        return MMU_EINVAL;
    const unsigned shift = tlb_page_shift(ps);
    const uint64_t vpn = e->vbase >> shift;
    const uint64_t key = (vpn << TLB_PS_BITS) | ps;
    const uint32_t ag = ((e->flags & MMU_TLB_GLOBAL) ? (ASID_GLOBAL | e->asid) : e->asid) |
                        (uint32_t)e->vmid << TLB_VMID_SHIFT;
    const uint32_t set = tlb_set_of(t, vpn);
    const size_t base = (size_t)set * t->ways;
    const uint64_t *k = t->key + base;
    const uint32_t *a = t->asid_g + base;
    uint32_t way;
    if (t->ways <= 32) {
        /* small sets: of the ways that may hold the page (tlb_key_cands), the first holding it for
           the same owner; else, unless the array is full, the first empty way */
        for (uint32_t c = tlb_set_cands(t, k, key); c; c &= c - 1) {
            way = (uint32_t)__builtin_ctz(c);
            if (k[way] == key && same_owner(a[way], ag))
                goto refresh;
        }
        if (t->valid < t->cfg.entries) {
            for (uint32_t c = tlb_set_cands(t, k, TLB_INVALID); c; c &= c - 1) {
                way = (uint32_t)__builtin_ctz(c);
                if (k[way] == TLB_INVALID)
                    goto fill_empty;
            }
        }
    } else {
        uint32_t empty = t->ways;
        for (way = 0; way < t->ways; way++) {
            if (k[way] == key && same_owner(a[way], ag))
                goto refresh; /* same page, same owner: overwrite in place */
            if (empty == t->ways && k[way] == TLB_INVALID)
                empty = way;
        }
        if (empty < t->ways) {
            way = empty;
            goto fill_empty;
        }
    }
    /* a full set: the policy's victim */
    way = t->order ? repl_order_evict(&t->repl, set) /* the victim, already the newest */
                   : t->ops->victim(&t->repl, set);
    if (victim)
        tlb_copy_out(t, base + way, victim);
    if (evicted)
        *evicted = 1;
    t->stats.evictions++;
    tlb_ps_sub(t, (unsigned)(k[way] & TLB_PS_MASK));
    tlb_ps_add(t, ps);
    put(t, base + way, key, ag, e, shift);
    tlb_set_changed(t, set);
    if (!t->order)
        t->ops->fill(&t->repl, set, way);
    return MMU_OK;
fill_empty:
    t->valid++;
    tlb_ps_add(t, ps);
    put(t, base + way, key, ag, e, shift);
    tlb_set_changed(t, set);
    if (t->order)
        repl_order_touch(&t->repl, set, way);
    else
        t->ops->fill(&t->repl, set, way);
    return MMU_OK;
refresh:
    /* the same page and owner, rewritten in place (a re-walk after a write found D clear):
       counts as a use, not a new fill */
    put(t, base + way, key, ag, e, shift);
    tlb_set_changed(t, set);
    t->ops->hit(&t->repl, set, way);
    return MMU_OK;
}

mmu_err mmu_tlb_insert(mmu_tlb *t, const mmu_tlb_entry *e, mmu_tlb_entry *victim, int *evicted)
{
    /* The common case first, with no call: a policy keeping a recency order (LRU, FIFO of <= 16
       ways), a full array (so a full set), a size it holds, and a set that does not hold the page
       (no way's key agrees in its low half): the oldest way is the victim. */
    const unsigned ps = e->page_size;
    if (t->valid == t->full_order && ps < MMU_PAGE_SIZES && ((t->cfg.page_sizes >> ps) & 1)) {
        const unsigned shift = tlb_page_shift(ps);
        const uint64_t vpn = e->vbase >> shift;
        const uint64_t key = (vpn << TLB_PS_BITS) | ps;
        const uint32_t set = tlb_set_of(t, vpn);
        const size_t base = (size_t)set * t->ways;
        if (tlb_set_cands(t, t->key + base, key) == 0) {
            const size_t i = base + repl_order_evict(&t->repl, set);
            if (victim)
                tlb_copy_out(t, i, victim);
            if (evicted)
                *evicted = 1;
            t->stats.evictions++;
            const unsigned old = (unsigned)(t->key[i] & TLB_PS_MASK);
            if (old != ps) { /* (the same size: the counts stay) */
                tlb_ps_sub(t, old);
                tlb_ps_add(t, ps);
            }
            put(t, i, key,
                ((e->flags & MMU_TLB_GLOBAL) ? (ASID_GLOBAL | e->asid) : e->asid) |
                    (uint32_t)e->vmid << TLB_VMID_SHIFT,
                e, shift);
            tlb_set_changed(t, set);
            return MMU_OK;
        }
    }
    return insert_any(t, e, victim, evicted);
}

int mmu_tlb_take(mmu_tlb *t, uint64_t vaddr, uint32_t asid, mmu_tlb_entry *out)
{
    uint32_t set, way;
    if (!tlb_find(t, vaddr, asid, &set, &way))
        return 0;
    size_t i = (size_t)set * t->ways + way;
    if (out)
        tlb_copy_out(t, i, out);
    remove_at(t, i);
    return 1;
}

uint32_t mmu_tlb_invalidate(mmu_tlb *t, mmu_inval_kind kind, uint64_t vaddr, uint16_t asid)
{
    uint32_t n = 0;
    if (kind == MMU_INVAL_ALL || kind == MMU_INVAL_ASID) {
        size_t total = (size_t)t->sets * t->ways;
        for (size_t i = 0; i < total; i++) {
            if (t->key[i] == TLB_INVALID)
                continue;
            if (kind == MMU_INVAL_ASID && t->asid_g[i] != asid)
                continue; /* other ASID, or global */
            remove_at(t, i);
            n++;
        }
    } else {
        for (unsigned s = 0; s < t->nsizes; s++) {
            uint64_t vpn = vaddr >> t->shift[s];
            uint64_t key = (vpn << TLB_PS_BITS) | t->psidx[s];
            size_t base = (size_t)tlb_set_of(t, vpn) * t->ways;
            for (uint32_t w = 0; w < t->ways; w++) {
                if (t->key[base + w] != key)
                    continue;
                if (kind == MMU_INVAL_ADDR_ASID && !tlb_asid_match(t->asid_g[base + w], asid))
                    continue;
                remove_at(t, base + w);
                n++;
            }
        }
    }
    t->stats.invalidations += n;
    return n;
}

/* Whether valid entry i's page overlaps [vaddr, end]. */
static int overlaps(const mmu_tlb *t, size_t i, uint64_t vaddr, uint64_t end)
{
    unsigned sh = tlb_page_shift((unsigned)(t->key[i] & TLB_PS_MASK));
    uint64_t lo = (t->key[i] >> TLB_PS_BITS) << sh, hi = lo + ((UINT64_C(1) << sh) - 1);
    return hi >= vaddr && lo <= end;
}

uint32_t mmu_tlb_invalidate_range(mmu_tlb *t, uint64_t vaddr, uint64_t bytes, uint16_t asid)
{
    if (bytes == 0)
        return 0;
    /* entries at least as large as the range: the probe of each size finds them */
    uint32_t n = 0;
    unsigned smallest = t->shift[0];
    if (bytes <= (UINT64_C(1) << smallest))
        return mmu_tlb_invalidate(t, MMU_INVAL_ADDR_ASID, vaddr, asid);
    /* smaller entries inside the range: look at every entry */
    uint64_t end = vaddr + bytes - 1;
    size_t total = (size_t)t->sets * t->ways;
    for (size_t i = 0; i < total; i++) {
        if (t->key[i] == TLB_INVALID || !tlb_asid_match(t->asid_g[i], asid) || !overlaps(t, i, vaddr, end))
            continue;
        remove_at(t, i);
        n++;
    }
    t->stats.invalidations += n;
    return n;
}

uint32_t tlb_invalidate_tag(mmu_tlb *t, uint32_t tag, uint32_t mask, uint64_t vaddr, uint64_t bytes)
{
    uint32_t n = 0;
    uint64_t end = bytes ? vaddr + (bytes - 1) : 0;
    size_t total = (size_t)t->sets * t->ways;
    for (size_t i = 0; i < total; i++) {
        if (t->key[i] == TLB_INVALID || ((t->asid_g[i] ^ tag) & mask) != 0)
            continue;
        if (bytes && !overlaps(t, i, vaddr, end))
            continue;
        remove_at(t, i);
        n++;
    }
    t->stats.invalidations += n;
    return n;
}

int mmu_tlb_invalidate_entry(mmu_tlb *t, const mmu_tlb_entry *e)
{
    if (e->page_size >= MMU_PAGE_SIZES || !(t->cfg.page_sizes & (1u << e->page_size)))
        return 0;
    uint64_t vpn = e->vbase >> mmu_page_shift((mmu_page_size)e->page_size);
    uint64_t key = (vpn << TLB_PS_BITS) | e->page_size;
    uint32_t ag = ((e->flags & MMU_TLB_GLOBAL) ? ASID_GLOBAL : e->asid) |
                  (uint32_t)e->vmid << TLB_VMID_SHIFT;
    size_t base = (size_t)tlb_set_of(t, vpn) * t->ways;
    for (uint32_t w = 0; w < t->ways; w++) {
        uint32_t have = t->asid_g[base + w];
        if (t->key[base + w] == key &&
            ((ag & ASID_GLOBAL) ? (have & ASID_GLOBAL) != 0 : have == ag)) {
            remove_at(t, base + w);
            t->stats.invalidations++;
            return 1;
        }
    }
    return 0;
}

const mmu_tlb_config *mmu_tlb_get_config(const mmu_tlb *t)
{
    return &t->cfg;
}

const mmu_tlb_stats *mmu_tlb_get_stats(const mmu_tlb *t)
{
    if (t->sync)
        t->sync(t->sync_ctx);
    return &t->stats;
}

void mmu_tlb_clear_stats(mmu_tlb *t)
{
    if (t->sync)
        t->sync(t->sync_ctx);
    memset(&t->stats, 0, sizeof t->stats);
}

uint32_t mmu_tlb_occupancy(const mmu_tlb *t)
{
    return t->valid;
}

uint32_t mmu_tlb_sets(const mmu_tlb *t)
{
    return t->sets;
}
