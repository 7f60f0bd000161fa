/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlb_internal.h - what the rest of the model needs of tlb.c beyond the
 * public API.
 */
#ifndef MMUSIM_MODEL_TLB_INTERNAL_H
#define MMUSIM_MODEL_TLB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "mmusim/tlb.h"
#include "repl.h"

/*
 * The array's storage, here so that the MMU's per-access path can inline
 * the lookup.  Only tlb.c changes it, apart from tlb_lookup() below.
 */
#define TLB_INVALID UINT64_MAX
/* key = VPN << TLB_PS_BITS | page-size index (MMU_PAGE_SIZES <= 16) */
#define TLB_PS_BITS 4
#define TLB_PS_MASK ((UINT64_C(1) << TLB_PS_BITS) - 1)
_Static_assert(MMU_PAGE_SIZES <= 16, "page-size index must fit TLB_PS_BITS (and psbit)");
#define ASID_GLOBAL (1u << 16)
/* tag = asid | vmid << TLB_VMID_SHIFT (virtualization: docs/virtualization.md); vmid 0 natively */
#define TLB_VMID_SHIFT 17

struct mmu_tlb {
    /* hot fields first */
    uint64_t *key;
    uint32_t *asid_g; /* asid | ASID_GLOBAL */
    uint32_t sets;
    uint32_t ways;
    uint32_t set_mask; /* sets - 1 when sets is a power of two */
    uint8_t pow2;
    uint8_t nsizes;
    uint8_t shift[MMU_PAGE_SIZES];
    uint8_t psidx[MMU_PAGE_SIZES];
    uint32_t ps_valid[MMU_PAGE_SIZES]; /* valid entries per page size: a size with none is not probed */
    uint32_t live;                     /* bit i set when ps_valid[psidx[i]] != 0 (0: the array is empty) */
    uint16_t psbit[MMU_PAGE_SIZES];    /* 1 << i for size psidx[i] (tlb_ps_add, tlb_ps_sub) */
    uint32_t policy;
    uint8_t hit_changes; /* the policy's hit update can change its state (not FIFO, random) */
    uint8_t order;       /* LRU/FIFO of <= 16 ways: a recency order per set (repl.h), not stamps */
    uint8_t ways4;       /* 4, 8, 12 or 16 ways: tlb_set_cands's written-out steps */
    uint32_t full_order; /* entries with a recency-order policy, else UINT32_MAX: mmu_tlb_insert's
                            fast path takes a full array of such a policy */
    /*
     * Per set, a change counter: bumped whenever the set's contents or its
     * replacement state may change (a fill, a removal, a hit that changes
     * the replacement state: tlb_hit_changes), so that the MMU's hit filter can tell that
     * repeating a lookup would find the same entry and change nothing.
     */
    uint64_t *sgen;
    uint64_t *changes; /* bumped with any sgen: own_changes, or the MMU's counter (mmu.c) */
    uint64_t own_changes;
    /* called before the counters are read or cleared: the MMU's hit filter adds the hits it
       served (mmu.c, fold_l1); NULL for an array on its own */
    void (*sync)(void *ctx);
    void *sync_ctx;
    const repl_ops *ops;
    repl_state repl;
    mmu_tlb_stats stats;
    uint64_t *pbase;
    uint8_t *flags;
    uint32_t valid;
    mmu_tlb_config cfg;
};

/* log2 of a page size, without a call (the per-access path uses it). */
static inline unsigned tlb_page_shift(unsigned ps)
{
    static const uint8_t shift[MMU_PAGE_SIZES] = {
#define MMU_PS_SHIFT_(name, sh, text) sh,
        MMU_PAGE_SIZE_MAP(MMU_PS_SHIFT_)
#undef MMU_PS_SHIFT_
    };
    return shift[ps];
}

/* One more valid entry of page size ps. */
static inline void tlb_ps_add(mmu_tlb *t, unsigned ps)
{
    t->ps_valid[ps]++;
    t->live |= t->psbit[ps];
}

/* One valid entry of page size ps fewer. */
static inline void tlb_ps_sub(mmu_tlb *t, unsigned ps)
{
    if (--t->ps_valid[ps] == 0)
        t->live &= ~(uint32_t)t->psbit[ps];
}

/* Set `set` changed (contents or replacement state). */
static inline void tlb_set_changed(mmu_tlb *t, uint32_t set)
{
    t->sgen[set]++;
    (*t->changes)++;
}

static inline uint32_t tlb_set_of(const mmu_tlb *t, uint64_t vpn)
{
    return t->pow2 ? (uint32_t)(vpn & t->set_mask) : (uint32_t)(vpn % t->sets);
}

static inline int tlb_asid_match(uint32_t asid_g, uint32_t asid)
{
    return (asid_g == asid) | ((asid_g & ASID_GLOBAL) != 0);
}

/*
 * Bit w set when k[w] == key, for the n <= 32 ways of a set: four ways a
 * step, without a branch per way (fewer instructions than one way a step).
 */
static inline uint32_t tlb_match_mask(const uint64_t *k, uint32_t n, uint64_t key)
{
    uint32_t m = 0, w = 0;
    for (; w + 4 <= n; w += 4)
        m |= ((uint32_t)(k[w] == key) | (uint32_t)(k[w + 1] == key) << 1 |
              (uint32_t)(k[w + 2] == key) << 2 | (uint32_t)(k[w + 3] == key) << 3)
             << w;
    for (; w < n; w++)
        m |= (uint32_t)(k[w] == key) << w;
    return m;
}

/*
 * A superset of tlb_match_mask(k, n, key), n <= 32: the ways whose key's low
 * 32 bits are key's (the page number's low bits and the size), to be checked
 * in full.  With SSE2 four ways a step; else exactly tlb_match_mask.
 */
#if defined(__SSE2__)
/* Bit j set when the low half of k[j] is lo's, for 4 ways. */
static inline uint32_t tlb_cands4(const uint64_t *k, __m128i lo)
{
    const __m128 a = _mm_castsi128_ps(_mm_loadu_si128((const __m128i *)k));
    const __m128 b = _mm_castsi128_ps(_mm_loadu_si128((const __m128i *)(k + 2)));
    const __m128i l = _mm_castps_si128(_mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)));
    return (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(l, lo)));
}
#endif

static inline uint32_t tlb_key_cands(const uint64_t *k, uint32_t n, uint64_t key)
{
#if defined(__SSE2__)
    const __m128i lo = _mm_set1_epi32((int)(uint32_t)key);
    uint32_t m = 0, w = 0;
    for (; w + 4 <= n; w += 4)
        m |= tlb_cands4(k + w, lo) << w;
    for (; w < n; w++)
        m |= (uint32_t)((uint32_t)k[w] == (uint32_t)key) << w;
    return m;
#else
    return tlb_match_mask(k, n, key);
#endif
}

/* tlb_key_cands of a set k of t (ways <= 32), with the steps written out for 4, 8, 12 or 16 ways. */
static inline uint32_t tlb_set_cands(const mmu_tlb *t, const uint64_t *k, uint64_t key)
{
#if defined(__SSE2__)
    if (t->ways4) {
        const __m128i lo = _mm_set1_epi32((int)(uint32_t)key);
        const uint32_t n = t->ways;
        uint32_t m = tlb_cands4(k, lo);
        if (n > 4) {
            m |= tlb_cands4(k + 4, lo) << 4;
            if (n > 8) {
                m |= tlb_cands4(k + 8, lo) << 8;
                if (n > 12)
                    m |= tlb_cands4(k + 12, lo) << 12;
            }
        }
        return m;
    }
#endif
    return tlb_key_cands(k, t->ways, key);
}

/*
 * Find the entry mapping vaddr for asid: its set and way; 0 if none.  Then
 * *maybe is left as it was only if, in every set probed (a size t has entries
 * of), no way's key agrees with vaddr's in its low half (tlb_set_cands; sets
 * of more than 32 ways: never): no way holds vaddr's page, of any size t
 * holds, for any owner, and until t changes (its change counter),
 * tlb_fill_absent may insert such a page without a search.
 */
static inline int tlb_find_m(const mmu_tlb *t, uint64_t vaddr, uint32_t asid, uint32_t *set,
                             uint32_t *way, uint32_t *maybe)
{
    /* the sizes with an entry somewhere in the array, smallest first */
    for (uint32_t live = t->live; live; live &= live - 1) {
        const unsigned i = (unsigned)__builtin_ctz(live);
        uint64_t vpn = vaddr >> t->shift[i];
        uint64_t key = (vpn << TLB_PS_BITS) | t->psidx[i];
        uint32_t s = tlb_set_of(t, vpn);
        size_t base = (size_t)s * t->ways;
        const uint64_t *k = t->key + base;
        const uint32_t *ag = t->asid_g + base;
        if (t->ways <= 32) {
            /* small sets: the ways that may hold the key, then the first of them that holds it
               with a matching ASID */
            uint32_t c = tlb_set_cands(t, k, key);
            *maybe |= c;
            for (; c; c &= c - 1) {
                uint32_t w = (uint32_t)__builtin_ctz(c);
                if (k[w] == key && tlb_asid_match(ag[w], asid)) {
                    *set = s;
                    *way = w;
                    return 1;
                }
            }
            continue;
        }
        *maybe = 1;
        for (uint32_t w = 0; w < t->ways; w++) {
            if (k[w] == key && tlb_asid_match(ag[w], asid)) {
                *set = s;
                *way = w;
                return 1;
            }
        }
    }
    return 0;
}

/*
 * mmu_tlb_insert(t, e, NULL, NULL) of a page no way of t holds (tlb_find_m
 * left *maybe alone for an address of it, and t has not changed since), of
 * a size t holds, when t is full and keeps a recency order (its oldest way
 * is the victim, as mmu_tlb_insert's): returns 1.  Otherwise returns 0 and does
 * nothing (the caller calls mmu_tlb_insert).  The entry comes as the array
 * keeps it: vpn = vbase >> shift, its key, its tag with the global bit (ag),
 * pbase with the offset bits clear, flags, page size ps.
 */
static inline int tlb_fill_absent(mmu_tlb *t, uint64_t vpn, uint64_t key, uint32_t ag, uint64_t pbase,
                                  uint8_t flags, unsigned ps)
{
    if (t->valid != t->full_order)
        return 0;
    const uint32_t set = tlb_set_of(t, vpn);
    const size_t i = (size_t)set * t->ways + repl_order_evict(&t->repl, set);
    const unsigned old = (unsigned)(t->key[i] & TLB_PS_MASK);
    if (old != ps) { /* (the same size: the counts stay) */
        tlb_ps_sub(t, old);
        tlb_ps_add(t, ps);
    }
    t->key[i] = key;
    t->asid_g[i] = ag;
    t->pbase[i] = pbase;
    t->flags[i] = flags;
    t->stats.fills++;
    t->stats.evictions++;
    tlb_set_changed(t, set);
    return 1;
}

/* Find the entry mapping vaddr for asid: its set and way; 0 if none. */
static inline int tlb_find(const mmu_tlb *t, uint64_t vaddr, uint32_t asid, uint32_t *set,
                           uint32_t *way)
{
    uint32_t maybe = 0;
    return tlb_find_m(t, vaddr, asid, set, way, &maybe);
}

static inline void tlb_copy_out(const mmu_tlb *t, size_t i, mmu_tlb_entry *out)
{
    unsigned ps = (unsigned)(t->key[i] & TLB_PS_MASK);
    out->page_size = (uint8_t)ps;
    out->vbase = (t->key[i] >> TLB_PS_BITS) << tlb_page_shift(ps);
    out->pbase = t->pbase[i];
    out->asid = (uint16_t)(t->asid_g[i] & 0xFFFF);
    out->vmid = (uint16_t)(t->asid_g[i] >> TLB_VMID_SHIFT);
    out->flags = t->flags[i];
}

/*
 * Count one lookup of an array that is one of a level's arrays looked up in
 * parallel, by the level's outcome: a hit here, a miss here while the level
 * hit in another array (elsewhere), or a miss of the whole level.  An array
 * alone in its level (or looked up on its own) never counts elsewhere.
 */
static inline void tlb_count(mmu_tlb *t, mmu_access_type type, int hit_here, int level_hit)
{
    /* the row chosen without a branch */
    uint64_t *row = level_hit ? t->stats.elsewhere : t->stats.misses;
    row = hit_here ? t->stats.hits : row;
    row[type]++;
}

/*
 * Would a hit on way `way` of `set` change the replacement state?  When it
 * would not, the MMU's lookup skips the update (and the set's change
 * counter), and every later decision is the same (docs/performance.md, "Hit
 * path"): LRU, the way is already the newest of its set (first in its recency
 * order; with stamps, which are compared only within a set, the largest); PLRU, every node on its path already points away from
 * it; NRU, its bit is already set (a touch never leaves a set of more than
 * one way all ones); SRRIP, its RRPV is already 0; FIFO and random, never.
 */
static inline int tlb_hit_changes(const mmu_tlb *t, uint32_t set, uint32_t way)
{
    const size_t base = (size_t)set * t->ways;
    switch (t->policy) {
    case MMU_REPL_LRU: {
        if (t->order)
            return !repl_order_is_newest(&t->repl, set, way);
        const uint64_t *st = t->repl.stamp + base, mine = st[way];
        for (uint32_t w = 0; w < t->ways; w++)
            if (st[w] > mine)
                return 1;
        return 0;
    }
    case MMU_REPL_NRU:
        return t->repl.bits[base + way] == 0;
    case MMU_REPL_SRRIP:
        return t->repl.bits[base + way] != 0;
    case MMU_REPL_PLRU: {
        const uint32_t nodes = t->repl.tree_nodes;
        const uint8_t *node = t->repl.bits + (size_t)set * (nodes ? nodes : 1);
        uint32_t i = 0, lo = 0, span = nodes + 1;
        while (i < nodes) {
            span >>= 1;
            if (way < lo + span) { /* left subtree: the node must point right (1) */
                if (node[i] != 1)
                    return 1;
                i = 2 * i + 1;
            } else {
                if (node[i] != 0)
                    return 1;
                lo += span;
                i = 2 * i + 2;
            }
        }
        return 0;
    }
    default:
        return 0;
    }
}

/*
 * The replacement update of a level lookup's hit on way `way` of `set`
 * (tlb_lookup_level; the MMU's re-hit, mmu.c filter_rehit): none when it
 * would change nothing (tlb_hit_changes), else the set's change counter too.
 */
static inline __attribute__((always_inline)) void tlb_hit_update(mmu_tlb *t, uint32_t set, uint32_t way)
{
    if (t->hit_changes) {
        if (t->order) { /* LRU (FIFO's hits change nothing) */
            if (!repl_order_is_newest(&t->repl, set, way)) {
                tlb_set_changed(t, set);
                repl_order_touch(&t->repl, set, way);
            }
        } else if (tlb_hit_changes(t, set, way)) {
            tlb_set_changed(t, set);
            if (t->policy == MMU_REPL_LRU)
                t->repl.stamp[(size_t)set * t->ways + way] = ++t->repl.clock;
            else
                t->ops->hit(&t->repl, set, way);
        }
    }
}

/*
 * Look vaddr up in one array of a level, updating the replacement state on
 * a hit (unless the update would change nothing: tlb_hit_changes); the
 * caller counts the lookup with tlb_count once the level's outcome is known.
 * Returns the entry's index + 1 (set * ways + way; tlb_copy_out), 0 on a miss.
 */
static inline __attribute__((always_inline)) size_t tlb_lookup_level(mmu_tlb *t, uint64_t vaddr, uint32_t asid,
                                                                     uint32_t *maybe)
{
    uint32_t set, way;
    if (!tlb_find_m(t, vaddr, asid, &set, &way, maybe))
        return 0;
    tlb_hit_update(t, set, way);
    return (size_t)set * t->ways + way + 1;
}

/* mmu_tlb_lookup, inline: an array on its own (its own level). */
static inline int tlb_lookup(mmu_tlb *t, uint64_t vaddr, uint32_t asid, mmu_access_type type,
                             mmu_tlb_entry *out)
{
    uint32_t set, way;
    if (!tlb_find(t, vaddr, asid, &set, &way)) {
        tlb_count(t, type, 0, 0);
        return 0;
    }
    tlb_count(t, type, 1, 1);
    if (t->hit_changes)
        tlb_set_changed(t, set);
    if (t->order) {
        if (t->hit_changes) /* LRU; FIFO's hits change nothing */
            repl_order_touch(&t->repl, set, way);
    } else if (t->policy == MMU_REPL_LRU)
        t->repl.stamp[(size_t)set * t->ways + way] = ++t->repl.clock;
    else
        t->ops->hit(&t->repl, set, way);
    if (out)
        tlb_copy_out(t, (size_t)set * t->ways + way, out);
    return 1;
}

/* mmu_tlb_config_check, with the fields named "<label>.<field>" in messages. */
/*
 * Virtualization: remove every entry whose tag matches (asid_g & mask) ==
 * (tag & mask) and, if bytes is not 0, that maps a byte of [vaddr, vaddr +
 * bytes).  Returns the number removed (counted as invalidations).
 */
uint32_t tlb_invalidate_tag(mmu_tlb *t, uint32_t tag, uint32_t mask, uint64_t vaddr, uint64_t bytes);

mmu_err tlb_config_check_as(const mmu_tlb_config *c, const char *label, char *msg, size_t msglen);

#endif /* MMUSIM_MODEL_TLB_INTERNAL_H */
