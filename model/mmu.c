/*
 * mmu.c - one MMU instance: the TLB hierarchy (levels of arrays looked up
 * in parallel, fill policy between levels) in front of the miss handler.
 *
 * Latency of a translation = the latency of every level looked up (a
 * level's latency is the largest of its arrays') + on a miss in every
 * level, the miss handler's latency.  See docs/timing.md.
 */
#include "mmusim/mmu.h"

#include "tlb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SIDE_I = 0, SIDE_D = 1 };

typedef struct level {
    uint32_t n;                        /* arrays of this level serving the side */
    uint8_t idx[MMU_MAX_TLB_ARRAYS];   /* their indexes, configuration order */
    uint32_t latency;                  /* max latency of those arrays */
} level;

/*
 * The last level-1 hit of a side.  A request for the same page and ASID
 * finds exactly the same entries if no TLB array's contents changed since
 * (mmu.gen), and repeating the hit changes no replacement state if the array
 * that hit saw no hit, fill or removal since (its touches counter): LRU, the
 * way is still the most recent of its set; PLRU, NRU, SRRIP, the same bits
 * are set again; FIFO, random, nothing.  Then only the counters need
 * updating.  This makes runs of accesses to one page cheap with results
 * identical to the full lookup.  Recorded only when one level-1 array hit.
 */
typedef struct last_hit {
    uint64_t vpn;      /* va >> shift of the page that hit */
    uint64_t pbase;
    uint64_t gen;      /* mmu.gen when recorded */
    uint64_t touches;  /* the hitting array's touches when recorded */
    uint32_t hitmask;  /* bit k: level-1 array lv[side][0].idx[k] hit */
    uint16_t asid;
    uint8_t shift;
    uint8_t page_size;
    int8_t array;
    uint8_t valid;
} last_hit;

struct mmu {
    uint64_t gen;      /* bumped whenever any TLB array's contents change */
    last_hit last[2];
    mmu_tlb *tlb[MMU_MAX_TLB_ARRAYS];
    uint32_t n_tlbs;
    uint32_t n_levels[2];
    level lv[2][MMU_MAX_TLB_LEVELS];
    uint32_t miss_latency;
    uint32_t page_size;  /* fixed walker: every mapping's page size */
    uint32_t fill;
    mmu_stats stats;
    mmu_hist lat[MMU_LAT_CLASSES];
    mmu_config cfg;
};

mmu_err mmu_create(const mmu_config *cfg, mmu **out, char *msg, size_t msglen)
{
    if (!cfg || !out)
        return MMU_EINVAL;
    *out = NULL;
    mmu_err e = mmu_config_validate(cfg, msg, msglen);
    if (e != MMU_OK)
        return e;
    mmu *m = calloc(1, sizeof *m);
    if (!m)
        return MMU_ENOMEM;
    m->cfg = *cfg;
    m->n_tlbs = cfg->n_tlbs;
    for (uint32_t i = 0; i < cfg->n_tlbs; i++) {
        mmu_tlb_config tc = cfg->tlb[i];
        tc.seed = cfg->seed + i;
        e = mmu_tlb_create(&tc, &m->tlb[i]);
        if (e != MMU_OK) {
            if (msg && msglen)
                snprintf(msg, msglen, "tlb.%s: %s", tc.name, mmu_strerror(e));
            mmu_destroy(m);
            return e;
        }
        for (int s = SIDE_I; s <= SIDE_D; s++) {
            uint32_t want = s == SIDE_I ? MMU_SIDE_INSTR : MMU_SIDE_DATA;
            if (!(tc.side & want))
                continue;
            level *l = &m->lv[s][tc.level - 1];
            l->idx[l->n++] = (uint8_t)i;
            if (tc.latency > l->latency)
                l->latency = tc.latency;
            if (tc.level > m->n_levels[s])
                m->n_levels[s] = tc.level;
        }
    }
    m->miss_latency = cfg->walker.latency;
    m->page_size = cfg->walker.page_size;
    m->fill = cfg->fill;
    m->stats.n_levels = m->n_levels[SIDE_D] > m->n_levels[SIDE_I] ? m->n_levels[SIDE_D]
                                                                   : m->n_levels[SIDE_I];
    *out = m;
    return MMU_OK;
}

void mmu_destroy(mmu *m)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < m->n_tlbs; i++)
        mmu_tlb_destroy(m->tlb[i]);
    free(m);
}

const mmu_config *mmu_get_config(const mmu *m)
{
    return &m->cfg;
}

/* The first array of level l (0-based) on side s that holds page size ps, or NULL. */
static mmu_tlb *holder(mmu *m, int s, uint32_t l, unsigned ps)
{
    const level *lv = &m->lv[s][l];
    for (uint32_t k = 0; k < lv->n; k++) {
        mmu_tlb *t = m->tlb[lv->idx[k]];
        if (mmu_tlb_get_config(t)->page_sizes & (1u << ps))
            return t;
    }
    return NULL;
}

/* Remove a page evicted from level l from every level above it (inclusive fill). */
static void back_invalidate(mmu *m, uint32_t l, const mmu_tlb_entry *victim)
{
    m->gen++;
    for (uint32_t i = 0; i < m->n_tlbs; i++)
        if (mmu_tlb_get_config(m->tlb[i])->level - 1 < l)
            (void)mmu_tlb_invalidate_entry(m->tlb[i], victim);
}

/* Insert e at level l of side s and, for exclusive fills, push victims down. */
static void fill_level(mmu *m, int s, uint32_t l, const mmu_tlb_entry *e)
{
    mmu_tlb_entry cur = *e, victim;
    m->gen++;
    for (; l < m->n_levels[s]; l++) {
        mmu_tlb *t = holder(m, s, l, cur.page_size);
        if (!t)
            return; /* no array of this level holds the size: nothing to keep */
        int evicted = 0;
        if (mmu_tlb_insert(t, &cur, &victim, &evicted) != MMU_OK || !evicted)
            return;
        if (m->fill == MMU_FILL_INCLUSIVE && l > 0)
            back_invalidate(m, l, &victim);
        if (m->fill != MMU_FILL_EXCLUSIVE)
            return;
        cur = victim; /* exclusive: the victim moves one level down */
    }
}

/* Fill levels [0, upto) after a hit at level upto (or a walk, upto = n_levels). */
static void fill_above(mmu *m, int s, uint32_t upto, const mmu_tlb_entry *e)
{
    if (m->fill == MMU_FILL_EXCLUSIVE) {
        fill_level(m, s, 0, e);
        return;
    }
    for (uint32_t l = 0; l < upto; l++)
        fill_level(m, s, l, e);
}

static void record(mmu *m, const mmu_request *req, mmu_response *resp, uint32_t lat)
{
    mmu_hist_add(&m->lat[MMU_LAT_ALL], lat);
    mmu_hist_add(&m->lat[resp->outcome == MMU_OUT_TLB     ? resp->level
                         : resp->outcome == MMU_OUT_WALK ? MMU_LAT_WALK
                                                         : MMU_LAT_FAULT],
                 lat);
    resp->latency = lat;
    resp->done_cycle = req->cycle + lat;
    m->stats.requests++;
    m->stats.by_type[req->type < MMU_ACCESS_TYPES ? req->type : MMU_READ]++;
    m->stats.latency_sum += lat;
    if (lat > m->stats.latency_max)
        m->stats.latency_max = lat;
}

mmu_err mmu_translate(mmu *m, const mmu_request *req, mmu_response *resp)
{
    const mmu_access_type type = req->type < MMU_ACCESS_TYPES ? (mmu_access_type)req->type : MMU_READ;
    const int s = type == MMU_FETCH ? SIDE_I : SIDE_D;
    const uint64_t va = req->vaddr;
    uint32_t lat = 0;
    mmu_tlb_entry e;

    resp->fault = MMU_FAULT_NONE;
    resp->walk_refs = 0;
    resp->pwc_level = -1;
    resp->fault_level = -1;

    last_hit *lh = &m->last[s];
    if (lh->valid && lh->gen == m->gen && (va >> lh->shift) == lh->vpn && lh->asid == req->asid &&
        m->tlb[lh->array]->touches == lh->touches) {
        const level *lv = &m->lv[s][0];
        for (uint32_t k = 0; k < lv->n; k++) {
            mmu_tlb *t = m->tlb[lv->idx[k]];
            if (lh->hitmask & (1u << k))
                t->stats.hits[type]++;
            else
                t->stats.misses[type]++;
        }
        m->stats.level[0].lookups++;
        m->stats.level[0].hits++;
        resp->outcome = MMU_OUT_TLB;
        resp->level = 1;
        resp->array = lh->array;
        resp->page_size = lh->page_size;
        resp->paddr = lh->pbase | (va & ((UINT64_C(1) << lh->shift) - 1));
        record(m, req, resp, lv->latency);
        return MMU_OK;
    }

    for (uint32_t l = 0; l < m->n_levels[s]; l++) {
        const level *lv = &m->lv[s][l];
        int hit = -1;
        uint32_t hitmask = 0;
        lat += lv->latency;
        /* the arrays of a level are looked up in parallel: each counts the lookup */
        for (uint32_t k = 0; k < lv->n; k++) {
            if (tlb_lookup(m->tlb[lv->idx[k]], va, req->asid, type, hit < 0 ? &e : NULL)) {
                hitmask |= 1u << k;
                if (hit < 0)
                    hit = lv->idx[k];
            }
        }
        m->stats.level[l].lookups++;
        if (hit >= 0) {
            m->stats.level[l].hits++;
            lh->valid = 0;
            if (l == 0 && (hitmask & (hitmask - 1)) == 0) {
                lh->touches = m->tlb[hit]->touches;
                lh->shift = (uint8_t)tlb_page_shift(e.page_size);
                lh->vpn = va >> lh->shift;
                lh->pbase = e.pbase;
                lh->gen = m->gen;
                lh->hitmask = hitmask;
                lh->asid = req->asid;
                lh->page_size = e.page_size;
                lh->array = (int8_t)hit;
                lh->valid = 1;
            }
            if (l > 0) {
                if (m->fill == MMU_FILL_EXCLUSIVE) {
                    m->gen++;
                    (void)mmu_tlb_take(m->tlb[hit], va, req->asid, NULL);
                }
                fill_above(m, s, l, &e);
            }
            resp->outcome = MMU_OUT_TLB;
            resp->level = (uint8_t)(l + 1);
            resp->array = (int8_t)hit;
            resp->page_size = e.page_size;
            resp->paddr = e.pbase | (va & ((UINT64_C(1) << tlb_page_shift(e.page_size)) - 1));
            record(m, req, resp, lat);
            return MMU_OK;
        }
        m->stats.level[l].misses++;
    }

    /* fixed miss handler: identity mapping of walker.page_size pages */
    const unsigned shift = mmu_page_shift((mmu_page_size)m->page_size);
    e.vbase = va & ~((UINT64_C(1) << shift) - 1);
    e.pbase = e.vbase;
    e.asid = req->asid;
    e.page_size = (uint8_t)m->page_size;
    e.flags = MMU_TLB_READ | MMU_TLB_WRITE | MMU_TLB_EXEC | MMU_TLB_USER | MMU_TLB_DIRTY;
    m->stats.walks++;
    lat += m->miss_latency;
    fill_above(m, s, m->n_levels[s], &e);
    resp->outcome = MMU_OUT_WALK;
    resp->level = 0;
    resp->array = -1;
    resp->page_size = e.page_size;
    resp->paddr = va;
    record(m, req, resp, lat);
    return MMU_OK;
}

int mmu_access(mmu *m, const mmu_request *req, mmu_response resp[2])
{
    mmu_err e = mmu_translate(m, req, &resp[0]);
    if (e != MMU_OK)
        return 1;
    uint64_t size = req->size ? req->size : 1;
    uint64_t last = req->vaddr + (size - 1);
    uint64_t page_mask = (UINT64_C(1) << mmu_page_shift((mmu_page_size)resp[0].page_size)) - 1;
    uint64_t page_end = req->vaddr | page_mask;
    if (last <= page_end || last < req->vaddr)
        return 1;
    mmu_request second = *req;
    second.vaddr = page_end + 1;
    second.cycle = resp[0].done_cycle;
    (void)mmu_translate(m, &second, &resp[1]);
    return 2;
}

void mmu_invalidate(mmu *m, mmu_inval_kind kind, uint64_t vaddr, uint16_t asid)
{
    m->gen++;
    for (uint32_t i = 0; i < m->n_tlbs; i++)
        (void)mmu_tlb_invalidate(m->tlb[i], kind, vaddr, asid);
}

const mmu_stats *mmu_get_stats(const mmu *m)
{
    return &m->stats;
}

void mmu_clear_stats(mmu *m)
{
    uint32_t n = m->stats.n_levels;
    memset(&m->stats, 0, sizeof m->stats);
    memset(m->lat, 0, sizeof m->lat);
    m->stats.n_levels = n;
    for (uint32_t i = 0; i < m->n_tlbs; i++)
        mmu_tlb_clear_stats(m->tlb[i]);
}

const char *mmu_lat_class_name(mmu_lat_class c)
{
    static const char *const names[MMU_LAT_CLASSES] = {"all", "l1_hit", "l2_hit", "l3_hit",
                                                       "l4_hit", "walk", "fault"};
    return (unsigned)c < MMU_LAT_CLASSES ? names[c] : "?";
}

const mmu_hist *mmu_get_latency(const mmu *m, mmu_lat_class c)
{
    return &m->lat[(unsigned)c < MMU_LAT_CLASSES ? c : MMU_LAT_ALL];
}

uint32_t mmu_tlb_count(const mmu *m)
{
    return m->n_tlbs;
}

const mmu_tlb *mmu_get_tlb(const mmu *m, uint32_t index)
{
    return index < m->n_tlbs ? m->tlb[index] : NULL;
}
