/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pwc_internal.h - the paging-structure caches' layout (pwc.c) and the two
 * steps the walk loop (pt/pt_walk.c) inlines: the lookup of every level in
 * one pass, which remembers the set of each level that missed, and the fill
 * of a level the walk read, which takes its victim in that set without
 * searching it again.  Same decisions as mmu_pwc_lookup and mmu_pwc_fill.
 */
#ifndef MMUSIM_PWC_INTERNAL_H
#define MMUSIM_PWC_INTERNAL_H

#include <stdint.h>

#include "mmusim/pwc.h"

/* tag = key << 1 | 1 (a key is below 2^63: VA bits above a level's shift of
   at least 1), 0 when invalid: one compare tests the valid bit and the key.
   An invalid entry's stamp is 0 (valid ones have stamps from 1 up), so the
   victim of a fill is the first way with the smallest stamp. */
struct pwc_entry {
    uint64_t tag;
    uint64_t table;
    uint64_t stamp;
    uint32_t asid; /* asid | vmid << 17 (virtualization); the ASID natively */
    uint16_t flags;
};

struct pwc_level {
    struct pwc_entry *e; /* sets * ways; NULL: no cache at this level */
    uint32_t sets;
    uint32_t ways;
    uint32_t valid;
    uint32_t set_mask; /* sets - 1 when sets is a power of two, else 0 (use modulo) */
    uint8_t modulo;    /* sets is not a power of two */
    uint8_t shift;     /* the format's shift of this level */
    uint8_t level;
    mmu_pwc_level_stats *st; /* this level's counters */
    /* The entry the last search found, for its tag and ASID: while gen is
       unchanged (no fill or invalidation at this level since) the set holds
       the same tags, so a lookup of the same tag and ASID finds it again
       without a search. */
    uint64_t gen;
    uint64_t memo_gen;
    uint64_t memo_tag;
    uint32_t memo_asid;
    struct pwc_entry *memo;
};

struct mmu_pwc {
    const mmu_pt_format *fmt;
    mmu_pwc_config cfg;
    struct pwc_level lv[MMU_PT_MAX_LEVELS];
    uint64_t va_mask;
    uint64_t clock;
    uint64_t epoch; /* changed by every fill, invalidation and reset but a walk's own fills */
    uint32_t latency;
    uint32_t ncached;                          /* levels with a cache, */
    struct pwc_level *cached[MMU_PT_MAX_LEVELS]; /* root-most first */
    mmu_pwc_stats stats;
};

/* What the lookup of a walk leaves for its fills: for each cached level
   that missed, its set and the way a fill replaces (the first invalid way,
   else the least recently used: the first way with the smallest stamp). */
struct mmusim_pwc_walk {
    struct pwc_entry *set[MMU_PT_MAX_LEVELS]; /* NULL: the level hit */
    uint32_t victim[MMU_PT_MAX_LEVELS];
    uint64_t epoch;
};

static inline struct pwc_entry *mmusim_pwc_set(const struct pwc_level *lv, uint64_t key)
{
    size_t set = lv->modulo ? (size_t)(key % lv->sets) : (size_t)(key & lv->set_mask);
    return lv->e + set * lv->ways;
}

/* mmu_pwc_lookup, remembering in *w the set and the victim of each level that missed. */
static inline int mmusim_pwc_walk_lookup(mmu_pwc *p, uint64_t vaddr, uint32_t asid,
                                         mmu_pwc_entry *out, struct mmusim_pwc_walk *w)
{
    int deepest = -1;
    const uint64_t va = vaddr & p->va_mask;
    w->epoch = p->epoch;
    struct pwc_entry *found = NULL;
    for (uint32_t i = 0; i < p->ncached; i++) {
        struct pwc_level *lv = p->cached[i];
        const uint64_t key = va >> lv->shift;
        const uint64_t tag = key << 1 | 1;
        lv->st->lookups++;
        struct pwc_entry *e;
        if (lv->memo_tag == tag && lv->memo_asid == asid && lv->memo_gen == lv->gen) {
            e = lv->memo;
        } else {
            struct pwc_entry *s = mmusim_pwc_set(lv, key);
            const uint32_t ways = lv->ways;
            uint64_t min = UINT64_MAX;
            uint32_t v = 0, k;
            for (k = 0; k < ways; k++) {
                if (s[k].tag == tag &&
                    (s[k].asid == asid ||
                     ((s[k].flags & MMU_PTE_GLOBAL) && ((s[k].asid ^ asid) >> 17) == 0)))
                    break;
                uint64_t t = s[k].stamp; /* conditional moves: no branch per way */
                v = t < min ? k : v;
                min = t < min ? t : min;
            }
            if (k == ways) {
                lv->st->misses++;
                w->set[lv->level] = s;
                w->victim[lv->level] = v;
                continue;
            }
            e = &s[k];
            lv->memo = e;
            lv->memo_tag = tag;
            lv->memo_asid = asid;
            lv->memo_gen = lv->gen;
        }
        w->set[lv->level] = NULL;
        lv->st->hits++;
        e->stamp = ++p->clock;
        deepest = (int)lv->level;
        found = e;
    }
    if (found) {
        out->table = found->table;
        out->flags = found->flags;
    }
    return deepest;
}

/* mmu_pwc_fill of a level the walk read after mmusim_pwc_walk_lookup(w). */
static inline void mmusim_pwc_walk_fill(mmu_pwc *p, unsigned level, uint64_t vaddr, uint32_t asid,
                                        uint64_t table, uint16_t flags,
                                        const struct mmusim_pwc_walk *w)
{
    struct pwc_level *lv = &p->lv[level];
    if (!lv->e)
        return;
    struct pwc_entry *s = w->set[level];
    if (!s || w->epoch != p->epoch) {
        mmu_pwc_entry e = {table, flags};
        mmu_pwc_fill(p, level, vaddr, asid, &e);
        return;
    }
    /* the lookup missed: no way holds the key for this ASID */
    struct pwc_entry *victim = &s[w->victim[level]];
    if (victim->tag)
        lv->st->evictions++;
    else
        lv->valid++;
    victim->tag = ((vaddr & p->va_mask) >> lv->shift) << 1 | 1;
    victim->asid = asid;
    victim->table = table;
    victim->flags = flags;
    victim->stamp = ++p->clock;
    lv->st->fills++;
    lv->gen++;
}

#endif /* MMUSIM_PWC_INTERNAL_H */
