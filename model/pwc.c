/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pwc.c - paging-structure caches: per upper page-table level, a
 * set-associative array with true LRU (a per-PWC access counter stamped on
 * every hit and fill; the victim is the lowest invalid way, else the
 * smallest stamp), tagged by ASID with global entries.
 *
 * Set index = key mod sets, where the key is the VA bits va_bits-1 down to
 * the level's shift; sets need not be a power of two.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmusim/pwc.h"
#include "pwc_internal.h"
#include "virt_internal.h"

#define MAX_PWC_ENTRIES (1u << 20)

void mmu_pwc_config_defaults(mmu_pwc_config *cfg, const mmu_pt_format *fmt)
{
    static const mmu_pwc_level_config dflt[MMU_PT_MAX_LEVELS] = {
        {0, 0, 0}, {32, 8, 1}, {8, 4, 1}, {4, 4, 1}, {2, 2, 1}};
    unsigned levels = fmt ? fmt->levels : MMU_PT_MAX_LEVELS;
    memset(cfg, 0, sizeof *cfg);
    for (unsigned l = 1; l < levels && l < MMU_PT_MAX_LEVELS; l++)
        cfg->level[l] = dflt[l];
}

static void level_name(const mmu_pt_format *fmt, unsigned l, char *buf, size_t len)
{
    if (fmt && l < fmt->levels && fmt->level_names[l])
        snprintf(buf, len, "pwc.%s", fmt->level_names[l]);
    else
        snprintf(buf, len, "pwc.level%u", l);
}

mmu_err mmu_pwc_config_check(const mmu_pwc_config *cfg, const mmu_pt_format *fmt, char *msg,
                             size_t msglen)
{
    char name[32];
    char dummy[1];
    if (!msg || msglen == 0) {
        msg = dummy;
        msglen = sizeof dummy;
    }
    msg[0] = 0;
    if (!cfg) {
        snprintf(msg, msglen, "pwc: no configuration");
        return MMU_ECONFIG;
    }
    unsigned levels = fmt ? fmt->levels : MMU_PT_MAX_LEVELS;
    for (unsigned l = 0; l < levels; l++) {
        const mmu_pwc_level_config *c = &cfg->level[l];
        level_name(fmt, l, name, sizeof name);
        if (c->entries == 0)
            continue;
        if (l == 0) {
            snprintf(msg, msglen,
                     "%s.entries (%" PRIu32 ") must be 0: level-0 entries are leaves, cached by the TLB",
                     name, c->entries);
            return MMU_ECONFIG;
        }
        if (c->entries > MAX_PWC_ENTRIES) {
            snprintf(msg, msglen, "%s.entries (%" PRIu32 ") must be at most %u", name, c->entries,
                     MAX_PWC_ENTRIES);
            return MMU_ECONFIG;
        }
        if (c->ways == 0) {
            snprintf(msg, msglen, "%s.ways must be at least 1 when %s.entries (%" PRIu32 ") is not 0",
                     name, name, c->entries);
            return MMU_ECONFIG;
        }
        if (c->ways > c->entries || c->entries % c->ways != 0) {
            snprintf(msg, msglen, "%s.ways (%" PRIu32 ") must divide %s.entries (%" PRIu32 ")", name,
                     c->ways, name, c->entries);
            return MMU_ECONFIG;
        }
    }
    return MMU_OK;
}

mmu_err mmu_pwc_create(const mmu_pwc_config *cfg, const mmu_pt_format *fmt, mmu_pwc **out)
{
    if (!cfg || !fmt || !out)
        return MMU_EINVAL;
    *out = NULL;
    if (mmu_pwc_config_check(cfg, fmt, NULL, 0) != MMU_OK)
        return MMU_ECONFIG;
    mmu_pwc *p = calloc(1, sizeof *p);
    if (!p)
        return MMU_ENOMEM;
    p->fmt = fmt;
    p->cfg = *cfg;
    p->va_mask = fmt->va_bits >= 64 ? ~0ull : (1ull << fmt->va_bits) - 1;
    for (unsigned l = fmt->levels - 1; l >= 1; l--) {
        const mmu_pwc_level_config *c = &cfg->level[l];
        if (c->entries == 0)
            continue;
        p->cached[p->ncached++] = &p->lv[l];
        p->lv[l].e = calloc(c->entries, sizeof *p->lv[l].e);
        if (!p->lv[l].e) {
            mmu_pwc_destroy(p);
            return MMU_ENOMEM;
        }
        p->lv[l].ways = c->ways;
        p->lv[l].sets = c->entries / c->ways;
        if ((p->lv[l].sets & (p->lv[l].sets - 1)) == 0)
            p->lv[l].set_mask = p->lv[l].sets - 1;
        else
            p->lv[l].modulo = 1;
        p->lv[l].shift = fmt->shift[l];
        p->lv[l].level = (uint8_t)l;
        p->lv[l].st = &p->stats.level[l];
        if (c->latency > p->latency)
            p->latency = c->latency;
    }
    *out = p;
    return MMU_OK;
}

void mmu_pwc_destroy(mmu_pwc *p)
{
    if (!p)
        return;
    for (unsigned l = 0; l < MMU_PT_MAX_LEVELS; l++)
        free(p->lv[l].e);
    free(p);
}

void mmu_pwc_reset(mmu_pwc *p)
{
    for (unsigned l = 0; l < MMU_PT_MAX_LEVELS; l++) {
        struct pwc_level *lv = &p->lv[l];
        if (lv->e)
            memset(lv->e, 0, (size_t)lv->sets * lv->ways * sizeof *lv->e);
        lv->valid = 0;
        lv->gen++;
    }
    p->clock = 0;
    p->epoch++;
    memset(&p->stats, 0, sizeof p->stats);
}

static uint64_t key_of(const mmu_pwc *p, unsigned level, uint64_t vaddr)
{
    return (vaddr & p->va_mask) >> p->fmt->shift[level];
}

static struct pwc_entry *set_of(const struct pwc_level *lv, uint64_t key)
{
    return mmusim_pwc_set(lv, key);
}

static uint64_t tag_of(uint64_t key)
{
    return key << 1 | 1;
}

static struct pwc_entry *find(const struct pwc_level *lv, uint64_t key, uint32_t asid)
{
    struct pwc_entry *s = set_of(lv, key);
    const uint64_t tag = tag_of(key);
    for (uint32_t w = 0; w < lv->ways; w++)
        if (s[w].tag == tag &&
            (s[w].asid == asid || ((s[w].flags & MMU_PTE_GLOBAL) && ((s[w].asid ^ asid) >> 17) == 0)))
            return &s[w];
    return NULL;
}

int mmu_pwc_lookup(mmu_pwc *p, uint64_t vaddr, uint32_t asid, mmu_pwc_entry *out)
{
    /* every level is looked up in parallel; the deepest hit wins */
    struct mmusim_pwc_walk w;
    mmu_pwc_entry e = {0, 0};
    int deepest = mmusim_pwc_walk_lookup(p, vaddr, asid, &e, &w);
    if (deepest > 0 && out)
        *out = e;
    return deepest;
}

int mmu_pwc_probe(const mmu_pwc *p, uint64_t vaddr, uint32_t asid, mmu_pwc_entry *out)
{
    for (unsigned l = 1; l < p->fmt->levels; l++) {
        const struct pwc_level *lv = &p->lv[l];
        if (!lv->e)
            continue;
        const struct pwc_entry *e = find(lv, key_of(p, l, vaddr), asid);
        if (e) {
            if (out) {
                out->table = e->table;
                out->flags = e->flags;
            }
            return (int)l;
        }
    }
    return -1;
}

void mmu_pwc_fill(mmu_pwc *p, unsigned level, uint64_t vaddr, uint32_t asid,
                  const mmu_pwc_entry *e)
{
    if (level >= p->fmt->levels || !p->lv[level].e)
        return;
    struct pwc_level *lv = &p->lv[level];
    mmu_pwc_level_stats *st = &p->stats.level[level];
    p->epoch++;
    uint64_t key = key_of(p, level, vaddr);
    const uint64_t tag = tag_of(key);
    struct pwc_entry *s = set_of(lv, key);
    /* one pass: the entry of the same key and ASID (refreshed in place), else
       the lowest invalid way, else the smallest stamp (the lowest way first) */
    struct pwc_entry *victim = NULL;
    uint32_t empty = UINT32_MAX, lru = 0;
    for (uint32_t w = 0; w < lv->ways; w++) {
        if (!s[w].tag) {
            if (empty == UINT32_MAX)
                empty = w;
            continue;
        }
        if (s[w].tag == tag && s[w].asid == asid) {
            victim = &s[w];
            break;
        }
        if (s[w].stamp < s[lru].stamp)
            lru = w;
    }
    if (!victim) {
        if (empty != UINT32_MAX) {
            victim = &s[empty];
            lv->valid++;
        } else {
            victim = &s[lru];
            st->evictions++;
        }
    }
    victim->tag = tag;
    victim->asid = asid;
    victim->table = e->table;
    victim->flags = e->flags;
    victim->stamp = ++p->clock;
    st->fills++;
    lv->gen++;
}

uint32_t mmu_pwc_invalidate(mmu_pwc *p, mmu_inval_kind kind, uint64_t vaddr, uint32_t asid)
{
    uint32_t removed = 0;
    p->epoch++;
    for (unsigned l = 1; l < p->fmt->levels; l++) {
        struct pwc_level *lv = &p->lv[l];
        if (!lv->e)
            continue;
        uint64_t key = key_of(p, l, vaddr);
        size_t n = (size_t)lv->sets * lv->ways;
        struct pwc_entry *first = lv->e;
        if (kind == MMU_INVAL_ADDR || kind == MMU_INVAL_ADDR_ASID) {
            first = set_of(lv, key); /* only that set can hold the key */
            n = lv->ways;
        }
        uint32_t here = 0;
        for (size_t i = 0; i < n; i++) {
            struct pwc_entry *e = &first[i];
            if (!e->tag)
                continue;
            int global = (e->flags & MMU_PTE_GLOBAL) != 0;
            int hit;
            switch (kind) {
            case MMU_INVAL_ALL:
                hit = 1;
                break;
            case MMU_INVAL_ASID:
                hit = !global && e->asid == asid;
                break;
            case MMU_INVAL_ADDR:
                hit = e->tag == tag_of(key);
                break;
            case MMU_INVAL_ADDR_ASID:
                hit = e->tag == tag_of(key) && (global || e->asid == asid);
                break;
            default:
                hit = 0;
                break;
            }
            if (hit) {
                e->tag = 0;
                e->stamp = 0;
                here++;
            }
        }
        lv->valid -= here;
        lv->gen++;
        p->stats.level[l].invalidations += here;
        removed += here;
    }
    return removed;
}

uint32_t mmusim_pwc_invalidate_tag(mmu_pwc *p, uint32_t tag, uint32_t mask, int by_addr,
                                   uint64_t vaddr)
{
    uint32_t removed = 0;
    p->epoch++;
    for (unsigned l = 1; l < p->fmt->levels; l++) {
        struct pwc_level *lv = &p->lv[l];
        if (!lv->e)
            continue;
        uint64_t key = key_of(p, l, vaddr);
        size_t n = (size_t)lv->sets * lv->ways;
        uint32_t here = 0;
        for (size_t i = 0; i < n; i++) {
            struct pwc_entry *e = &lv->e[i];
            if (!e->tag || ((e->asid ^ tag) & mask) != 0 || (by_addr && e->tag != tag_of(key)))
                continue;
            e->tag = 0;
            e->stamp = 0;
            here++;
        }
        lv->valid -= here;
        lv->gen++;
        p->stats.level[l].invalidations += here;
        removed += here;
    }
    return removed;
}

uint32_t mmu_pwc_latency(const mmu_pwc *p)
{
    return p->latency;
}

uint32_t mmu_pwc_occupancy(const mmu_pwc *p, unsigned level)
{
    return level < MMU_PT_MAX_LEVELS ? p->lv[level].valid : 0;
}

const mmu_pwc_config *mmu_pwc_get_config(const mmu_pwc *p)
{
    return &p->cfg;
}

const mmu_pt_format *mmu_pwc_get_format(const mmu_pwc *p)
{
    return p->fmt;
}

const mmu_pwc_stats *mmu_pwc_get_stats(const mmu_pwc *p)
{
    return &p->stats;
}

void mmu_pwc_clear_stats(mmu_pwc *p)
{
    memset(&p->stats, 0, sizeof p->stats);
}
