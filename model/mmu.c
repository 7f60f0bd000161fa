/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmu.c - one MMU instance: the TLB hierarchy (levels of arrays looked up
 * in parallel, fill policy between levels) in front of the miss handler.
 *
 * Latency of a translation = the latency of every level looked up (a
 * level's latency is the largest of its arrays') + on a miss in every
 * level, the miss handler's latency.  See docs/timing.md.
 */
#include "mmusim/mmu.h"

#include "memport_internal.h"
#include "mmu_internal.h"
#include "pt_walk_internal.h"
#include "ptemem_internal.h"
#include "tlb_internal.h"
#include "virt_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SIDE_I = 0, SIDE_D = 1 };

typedef struct level {
    uint32_t n;                        /* arrays of this level serving the side */
    uint8_t idx[MMU_MAX_TLB_ARRAYS];   /* their indexes, configuration order */
    uint32_t latency;                  /* max latency of those arrays */
    mmu_tlb *t[MMU_MAX_TLB_ARRAYS];    /* the arrays themselves (mmu.tlb[idx[k]]) */
} level;

/* Where a fill of a level keeps a page of a given size (holder, decided at create). */
typedef struct fill_slot {
    int8_t tlb; /* index in mmu.tlb; -1: no array of the level can keep the page */
    uint8_t ps; /* the size it is kept as (smaller than the page's: splintered) */
} fill_slot;

/*
 * The hit filter: per side, HF_SLOTS pages that hit in level 1, direct-mapped
 * by a hash of the page (at the side's filter granularity, filt_shift: the
 * smallest page size any level-1 array of the side holds, so that every
 * address of a slot's page probes the same sets).  A request for one of them
 * (same page, ASID and privilege, an access type the entry allows) finds
 * exactly the same entries as the full lookup, and repeating that lookup
 * changes no replacement state, if no set that the lookup probed changed
 * since it was recorded.  Every TLB array keeps a change counter per set
 * (tlb_internal.h), bumped by every fill and removal, and by every hit that
 * changes the replacement state (tlb_hit_changes); each slot remembers the
 * counters of the sets its lookup probed (hit_watch).  Any bump also bumps
 * the MMU's tlb_changes; a slot remembers the value it had when its sets were
 * last found unchanged, so the common case checks one counter, and only a
 * slot about to answer compares its sets (filter_still).  Why a repeated hit
 * changes nothing, policy by policy: LRU, the way is still the newest of its
 * set (its stamp is not renewed; stamps are only compared within a set, so
 * the order is the same); PLRU, the same tree bits are set again; NRU, the
 * way's bit is already set and the set is not all ones (a touch leaves it
 * so); SRRIP, RRPV 0 again; FIFO and random, hits change nothing.  Then only
 * the counters need updating, and they are counted per level-1 outcome (which
 * arrays hit) and type, and added when asked for (fold_l1).  See
 * docs/performance.md, "Hit path".
 */
#define HF_BITS 6
#define HF_SLOTS (1u << HF_BITS) /* pages remembered per side */
#define HF_PROBES 6              /* sets a remembered lookup may have probed, at most */
#define HF_ARRAYS 4              /* level-1 arrays of a side the filter serves, at most */

typedef struct hit_filter {
    uint64_t vpn;          /* va >> filt_shift[side]; HF_EMPTY: no page */
    uint64_t key;          /* the request's ASID, privilege and (virtualization) VMID: filter_key */
    uint64_t pbase;        /* the entry's physical page */
    uint64_t pmask;        /* its offset mask */
    uint64_t seen_changes; /* tlb_changes when the watched sets were last found unchanged */
    uint32_t pend;         /* l1_pend row of this slot's level-1 outcome (index of its first counter) */
    uint8_t allow;         /* bit t: access type t may use the entry (permissions, dirty) */
    unsigned char tail[16]; /* the response from latency on (filter_hit) */
} hit_filter;
_Static_assert(sizeof(hit_filter) == 64, "a filter slot is 64 bytes");

/* The sets a slot's lookup probed: their change counters and the values they had. */
typedef struct hit_watch {
    const uint64_t *gen[HF_PROBES];
    uint64_t seen[HF_PROBES];
    uint64_t vpn;  /* the page gen[] was formed for (kept when the slot empties); HF_EMPTY: none */
    uint32_t n;
    int32_t hit;   /* ... and the array and page size where its lookup stopped */
    uint32_t hit_ps;
    /* what filter_rehit needs to repeat the lookup: gen[j] is the set of array t[j] whose first
       entry is base[j], probed for key[j] */
    mmu_tlb *t[HF_PROBES];
    uint64_t key[HF_PROBES];
    uint32_t base[HF_PROBES];
    uint32_t hset, hway;        /* the set and way of the entry (in array hit) */
    uint32_t hag;               /* the entry's tag and global bit (asid_g) */
    uint8_t hj;                 /* gen[hj]: the set where the lookup found the entry */
    uint8_t hflags;             /* the entry's flags */
    uint8_t rehit;              /* filter_rehit may repeat the lookup: every array probed has at
                                   most 32 ways (tlb_set_cands) */
} hit_watch;
_Static_assert(sizeof(hit_watch) == 256, "a watch is 256 bytes (access_stale finds it by the slot's index)");

/* A set a level-1 lookup of a side probes, in lookup order: array, page size. */
typedef struct hf_probe {
    const mmu_tlb *t;
    uint8_t shift;
    uint8_t psidx;
    uint8_t array;
    uint8_t rest; /* the array's probes after this one (a hit here skips them) */
} hf_probe;

#define HF_EMPTY UINT64_MAX

struct mmu {
    uint64_t tlb_changes;  /* bumped with any set change counter of any array */
    uint8_t filt_shift[2]; /* the filter's page granularity per side */
    uint8_t filt_on[2];    /* the side records pages (filter on, at most HF_ARRAYS level-1 arrays) */
    uint8_t n_probes[2];   /* probes[side]: the sets of a level-1 lookup */
    uint8_t rehit_ok[2];   /* every level-1 array of the side has at most 32 ways (filter_rehit) */
    int filt_off;          /* mmu_set_hit_filter(m, 0): nothing is recorded */
    hit_filter filt[2][HF_SLOTS];
    /* filter hits not yet counted, per side, level-1 outcome (bit k: array lv[side][0].idx[k]
       hit) and type (fold_l1) */
    uint64_t l1_pend[2][1u << HF_ARRAYS][MMU_ACCESS_TYPES];
    uint64_t l1_pending[MMU_ACCESS_TYPES]; /* level-1 hits by type not yet in stats and lat (fold_l1) */
    uint64_t miss_pend[2][MMU_ACCESS_TYPES]; /* lookups that missed every level, not yet counted (fold_l1) */
    hf_probe probes[2][MMU_MAX_TLB_ARRAYS * MMU_PAGE_SIZES];
    hit_watch watch[2][HF_SLOTS];
    mmu_tlb *tlb[MMU_MAX_TLB_ARRAYS];
    uint32_t n_tlbs;
    uint32_t n_levels[2];
    level lv[2][MMU_MAX_TLB_LEVELS];
    uint32_t lat_upto[2][MMU_MAX_TLB_LEVELS]; /* latency of a lookup down to level l: the sum of lv[].latency */
    fill_slot hold[2][MMU_MAX_TLB_LEVELS][MMU_PAGE_SIZES]; /* [side][level][page size] */
    /* a walk's non-inclusive fill of a page size, when every level keeps the page as it is:
       the arrays to insert into, level order, NULL-terminated; wsplit: some level splinters it */
    mmu_tlb *wfill[2][MMU_PAGE_SIZES][MMU_MAX_TLB_LEVELS + 1];
    uint8_t wsplit[2][MMU_PAGE_SIZES];
    uint8_t worder[2][MMU_PAGE_SIZES]; /* every array of wfill keeps a recency order (tlb_fill_absent) */
    uint32_t miss_latency;
    uint32_t page_size;  /* fixed walker: every mapping's page size */
    uint32_t fill;
    mmu_stats stats;
    mmu_hist lat[MMU_LAT_CLASSES];
    /* radix mode */
    int radix;
    const mmu_pt_format *fmt;
    mmu_walk_opts opts;
    mmu_walk_opts debug_opts; /* functional: no side effects */
    mmu_pwc *pwc;
    mmu_ptemem *ptemem;
    mmu_walkers *walkers;
    int data_through_caches;
    uint64_t busy_until;      /* latest completion of any walk */
    mmu_mem_port mem;         /* the page tables' memory, as given */
    mmu_mem_port port;        /* what the walker uses: mem, priced by ptemem */
    struct mmusim_walk_setup wsetup; /* mmu_walk's arguments worked out (port_select; native) */
    mmu_fault_handler handler;
    uint64_t *roots;          /* per ASID, 0 = not set (allocated on first use) */
    uint8_t allow[2][64];     /* [priv][TLB entry flags]: access types the entry allows */
    mmu_os *os;               /* the OS model behind the MMU, or NULL */
    mmu_virt *virt;           /* nested paging (virt.enabled), or NULL */
    uint16_t vmid_mask;       /* 0xFFFF with virt, else 0: a request's vmid is ignored natively */
    uint64_t key_mask;        /* filter_key: the bits of asid, priv (and vmid with virt) */
    mmu_err os_err;           /* first error the OS returned */
    /* a page-crossing access watches its first page while the second is translated */
    uint64_t watch_lo, watch_hi; /* inclusive; lo > hi: not watching */
    int watch_hit;               /* an invalidation touched [watch_lo, watch_hi] */
    mmu_config cfg;
    mmu_ptemem_repeat *data_rep; /* the PTE caches' data fast path (ptemem_internal.h), with ptemem */
};

static void detach_os(mmu *m);
static void set_key_mask(mmu *m);
static void fold_l1(const mmu *cm);
static void tlb_sync(void *ctx);
static void filter_setup(mmu *m);
static void fill_setup(mmu *m);
static uint8_t compute_allowed(const mmu *m, unsigned flags, mmu_priv priv);

/* ---- the walker's memory port: the given memory, priced by the PTE memory model ---- */

static uint32_t add_lat(uint64_t a, uint64_t b)
{
    uint64_t x = a + b;
    return x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
}

static uint32_t walk_read(void *ctx, uint64_t pa, uint64_t *v)
{
    mmu *m = ctx;
    uint32_t lat = m->mem.read64 ? m->mem.read64(m->mem.ctx, pa, v) : (*v = 0, 0);
    return add_lat(lat, m->ptemem ? mmu_ptemem_access(m->ptemem, pa, 0, MMU_PTEMEM_SRC_PTE, NULL) : 0);
}

/* walk_read when the memory can read and the PTE memory model prices (port_select). */
static uint32_t walk_read_priced(void *ctx, uint64_t pa, uint64_t *v)
{
    mmu *m = ctx;
    const uint32_t lat = m->mem.read64(m->mem.ctx, pa, v);
    return add_lat(lat, mmu_ptemem_access(m->ptemem, pa, 0, MMU_PTEMEM_SRC_PTE, NULL));
}

/* The native walk's read: walk_read_priced when it applies.  Call whenever m->mem changes. */
static void port_select(mmu *m)
{
    if (m->radix && !m->virt) {
        m->port.read64 = m->mem.read64 && m->ptemem ? walk_read_priced : walk_read;
        /* walk_read_priced of the OS model's memory: the walk reads it and prices directly */
        (void)mmusim_walk_setup(&m->wsetup, m->fmt, &m->port, m->pwc, &m->opts,
                                mmusim_sparse_of_port(&m->mem), m->ptemem);
    }
}

static uint32_t walk_write(void *ctx, uint64_t pa, uint64_t v)
{
    mmu *m = ctx;
    uint32_t lat = m->mem.write64 ? m->mem.write64(m->mem.ctx, pa, v) : 0;
    return add_lat(lat, m->ptemem ? mmu_ptemem_access(m->ptemem, pa, 1, MMU_PTEMEM_SRC_PTE, NULL) : 0);
}

/* Debug walks read the memory as it is, with no pricing (and never write). */
static uint32_t debug_read(void *ctx, uint64_t pa, uint64_t *v)
{
    const mmu *m = ctx;
    if (m->mem.debug_read64)
        (void)m->mem.debug_read64(m->mem.ctx, pa, v);
    else if (m->mem.read64)
        (void)m->mem.read64(m->mem.ctx, pa, v);
    else
        *v = 0;
    return 0;
}

static uint32_t debug_write(void *ctx, uint64_t pa, uint64_t v)
{
    (void)ctx;
    (void)pa;
    (void)v;
    return 0;
}

static mmu_err create_radix(mmu *m, const mmu_config *cfg, char *msg, size_t msglen)
{
    m->radix = 1;
    m->fmt = mmu_pt_format_find(cfg->walker.format);
    mmu_walk_opts_defaults(m->fmt, &m->opts);
    m->opts.ad_mode = (uint8_t)cfg->walker.ad;
    m->opts.pa_bits = (uint8_t)cfg->walker.pa_bits;
    m->debug_opts = m->opts;
    m->debug_opts.flags |= MMU_WALK_FUNCTIONAL;
    /* a debug walk reads the tables as they are: A/D state neither faults nor changes */
    m->debug_opts.ad_mode = MMU_AD_HW;
    mmu_pwc_config pc = cfg->pwc;
    memset(&pc.level[0], 0, sizeof pc.level[0]);
    for (unsigned l = m->fmt->levels; l < MMU_PT_MAX_LEVELS; l++)
        memset(&pc.level[l], 0, sizeof pc.level[l]);
    mmu_walkers_config wc = {cfg->walker.count, cfg->walker.max_inflight, cfg->walker.merge};
    mmu_err e = mmu_pwc_create(&pc, m->fmt, &m->pwc);
    if (e == MMU_OK)
        e = mmu_ptemem_create(&cfg->ptemem, &m->ptemem);
    if (e == MMU_OK)
        e = mmu_walkers_create(&wc, &m->walkers);
    if (e != MMU_OK) {
        if (msg && msglen)
            snprintf(msg, msglen, "walker: %s", mmu_strerror(e));
        return e;
    }
    m->data_through_caches = cfg->ptemem_data && cfg->ptemem.mode == MMU_PTEMEM_CACHE;
    if (m->ptemem)
        m->data_rep = mmu_ptemem_repeat_state(m->ptemem);
    m->port.ctx = m;
    m->port.read64 = walk_read;
    m->port.write64 = walk_write;
    port_select(m);
    if (cfg->virt.enabled) {
        /* nested paging: the guest walk's port translates every guest-physical address */
        e = mmusim_virt_create(m, cfg, m->fmt, m->ptemem, &m->virt, msg, msglen);
        if (e != MMU_OK)
            return e;
        m->port = mmusim_virt_port(m->virt);
        m->vmid_mask = 0xFFFFu;
    }
    return MMU_OK;
}

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
    m->watch_lo = 1; /* not watching */
    mmu_set_hit_filter(m, 1);
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
        m->tlb[i]->changes = &m->tlb_changes;
        m->tlb[i]->sync = tlb_sync;
        m->tlb[i]->sync_ctx = m;
        for (int s = SIDE_I; s <= SIDE_D; s++) {
            uint32_t want = s == SIDE_I ? MMU_SIDE_INSTR : MMU_SIDE_DATA;
            if (!(tc.side & want))
                continue;
            level *l = &m->lv[s][tc.level - 1];
            l->t[l->n] = m->tlb[i];
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
    for (int s = SIDE_I; s <= SIDE_D; s++)
        for (uint32_t l = 0, sum = 0; l < m->n_levels[s]; l++)
            m->lat_upto[s][l] = sum += m->lv[s][l].latency;
    fill_setup(m);
    filter_setup(m);
    if (cfg->walker.mode == MMU_WALKER_RADIX && (e = create_radix(m, cfg, msg, msglen)) != MMU_OK) {
        mmu_destroy(m);
        return e;
    }
    set_key_mask(m);
    for (unsigned p = 0; p < 2; p++)
        for (unsigned f = 0; f < 64; f++)
            m->allow[p][f] = compute_allowed(m, f, (mmu_priv)p);
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
    detach_os(m);
    mmusim_virt_destroy(m->virt);
    mmu_pwc_destroy(m->pwc);
    mmu_ptemem_destroy(m->ptemem);
    mmu_walkers_destroy(m->walkers);
    free(m->roots);
    free(m);
}

const mmu_config *mmu_get_config(const mmu *m)
{
    return &m->cfg;
}

/*
 * The array of level l (0-based) on side s that keeps a page of size ps:
 * the first that holds ps; failing that, the first that holds the largest
 * smaller size, which keeps the part of the page around the address as a
 * smaller page (splintering, as Zen 2 keeps 1G pages as 2M entries): the
 * size it keeps is *kept.  -1 if no array of the level can keep it.
 * Depends on the configuration only: mmu_create tabulates it (mmu.hold).
 */
static int holder(const mmu *m, int s, uint32_t l, unsigned page_size, unsigned *kept)
{
    const level *lv = &m->lv[s][l];
    int best = -1;
    unsigned best_ps = 0;
    *kept = page_size;
    for (uint32_t k = 0; k < lv->n; k++) {
        const mmu_tlb *t = m->tlb[lv->idx[k]];
        uint32_t sizes = t->cfg.page_sizes; /* mmu_tlb_get_config, read in place */
        if (sizes & (1u << page_size))
            return lv->idx[k];
        for (unsigned ps = page_size; ps-- > 0;) {
            if ((sizes & (1u << ps)) && tlb_page_shift(ps) < tlb_page_shift(page_size)) {
                if (best < 0 || tlb_page_shift(ps) > tlb_page_shift(best_ps)) {
                    best = lv->idx[k];
                    best_ps = ps;
                }
                break;
            }
        }
    }
    if (best >= 0)
        *kept = best_ps;
    return best;
}

static void fill_setup(mmu *m)
{
    for (int s = SIDE_I; s <= SIDE_D; s++)
        for (uint32_t l = 0; l < MMU_MAX_TLB_LEVELS; l++)
            for (unsigned ps = 0; ps < MMU_PAGE_SIZES; ps++) {
                unsigned kept = ps;
                int t = l < m->n_levels[s] ? holder(m, s, l, ps, &kept) : -1;
                m->hold[s][l][ps] = (fill_slot){(int8_t)t, (uint8_t)kept};
            }
    for (int s = SIDE_I; s <= SIDE_D; s++)
        for (unsigned ps = 0; ps < MMU_PAGE_SIZES; ps++) {
            unsigned n = 0;
            for (uint32_t l = 0; l < m->n_levels[s]; l++) {
                const fill_slot *h = &m->hold[s][l][ps];
                if (h->tlb < 0)
                    continue;
                if (h->ps != ps)
                    m->wsplit[s][ps] = 1;
                m->wfill[s][ps][n++] = m->tlb[h->tlb];
            }
            m->wfill[s][ps][n] = NULL;
            m->worder[s][ps] = n > 0;
            for (unsigned k = 0; k < n; k++)
                m->worder[s][ps] &= m->wfill[s][ps][k]->order;
        }
}

/* e as slot h keeps it: cut down to h's size around va when that is smaller (in *tmp). */
static inline const mmu_tlb_entry *kept_entry(const fill_slot *h, const mmu_tlb_entry *e, uint64_t va,
                                              mmu_tlb_entry *tmp)
{
    if (h->ps == e->page_size)
        return e;
    uint64_t mask = (UINT64_C(1) << tlb_page_shift(h->ps)) - 1;
    uint64_t vb = va & ~mask;
    *tmp = *e;
    tmp->pbase += vb - e->vbase;
    tmp->vbase = vb;
    tmp->page_size = h->ps;
    return tmp;
}

/* Remove a page evicted from level l from every level above it (inclusive fill). */
static void back_invalidate(mmu *m, uint32_t l, const mmu_tlb_entry *victim)
{
    for (uint32_t i = 0; i < m->n_tlbs; i++)
        if (mmu_tlb_get_config(m->tlb[i])->level - 1 < l)
            (void)mmu_tlb_invalidate_entry(m->tlb[i], victim);
}

/* Insert e at level l of side s and, for exclusive fills, push victims down. */
static void fill_level(mmu *m, int s, uint32_t l, const mmu_tlb_entry *e, uint64_t va)
{
    mmu_tlb_entry cur = *e, victim, tmp;
    for (; l < m->n_levels[s]; l++) {
        const fill_slot *h = &m->hold[s][l][cur.page_size];
        if (h->tlb < 0)
            return; /* no array of this level holds the size: nothing to keep */
        mmu_tlb *t = m->tlb[h->tlb];
        int evicted = 0;
        if (mmu_tlb_insert(t, kept_entry(h, &cur, va, &tmp), &victim, &evicted) != MMU_OK || !evicted)
            return;
        if (m->fill == MMU_FILL_INCLUSIVE && l > 0)
            back_invalidate(m, l, &victim);
        if (m->fill != MMU_FILL_EXCLUSIVE)
            return;
        cur = victim; /* exclusive: the victim moves one level down */
        va = victim.vbase;
    }
}

/* Fill levels [0, upto) after a hit at level upto (or a walk, upto = n_levels).  Inclusive and
   non-inclusive fills insert at each level once (fill_level's first step, written out here). */
static void fill_above(mmu *m, int s, uint32_t upto, const mmu_tlb_entry *e, uint64_t va)
{
    if (m->fill == MMU_FILL_EXCLUSIVE) {
        fill_level(m, s, 0, e, va);
        return;
    }
    const fill_slot *h = &m->hold[s][0][e->page_size];
    mmu_tlb_entry tmp;
    if (m->fill != MMU_FILL_INCLUSIVE) {
        /* non-inclusive: the victims are dropped */
        for (uint32_t l = 0; l < upto; l++, h += MMU_PAGE_SIZES)
            if (h->tlb >= 0) /* (else no array of this level holds the size: nothing to keep) */
                (void)mmu_tlb_insert(m->tlb[h->tlb], kept_entry(h, e, va, &tmp), NULL, NULL);
        return;
    }
    for (uint32_t l = 0; l < upto; l++, h += MMU_PAGE_SIZES) {
        if (h->tlb < 0)
            continue;
        mmu_tlb_entry victim;
        int evicted = 0;
        if (mmu_tlb_insert(m->tlb[h->tlb], kept_entry(h, e, va, &tmp), &victim, &evicted) == MMU_OK &&
            evicted && l > 0)
            back_invalidate(m, l, &victim);
    }
}

static inline void record(mmu *m, const mmu_request *req, mmu_response *resp, uint64_t lat64, mmu_lat_class cls)
{
    uint32_t lat = lat64 > UINT32_MAX ? UINT32_MAX : (uint32_t)lat64;
    mmu_hist_add(&m->lat[cls], lat);
    resp->latency = lat;
    resp->done_cycle = req->cycle + lat;
    m->stats.by_type[req->type < MMU_ACCESS_TYPES ? req->type : MMU_READ]++;
    /* (requests and latency_sum are the classes' counts and sums: formed when asked for, fold_l1) */
}

/* Which access types may use a TLB entry with these flags at this privilege. */
static uint8_t allowed_types(const mmu *m, unsigned flags, mmu_priv priv)
{
    return m->allow[priv & 1][flags & 63];
}

static uint8_t compute_allowed(const mmu *m, unsigned flags, mmu_priv priv)
{
    if (!m->radix)
        return (1u << MMU_ACCESS_TYPES) - 1;
    uint8_t allow = 0;
    for (int t = 0; t < MMU_ACCESS_TYPES; t++) {
        if (mmu_pt_check_access(&m->opts, flags, (mmu_access_type)t, priv) != MMU_FAULT_NONE)
            continue;
        if (t == MMU_WRITE && !(flags & MMU_TLB_DIRTY))
            continue; /* a write must walk to set D (or fault) */
        allow |= (uint8_t)(1u << t);
    }
    return allow;
}

static void fail_resp(mmu *m, const mmu_request *req, mmu_response *resp, uint64_t lat,
                      mmu_fault f, int pt_level)
{
    resp->fault = (uint8_t)f;
    resp->fault_level = (int8_t)pt_level;
    resp->outcome = MMU_OUT_FAULT;
    resp->level = 0;
    resp->array = -1;
    resp->paddr = 0;
    resp->page_size = MMU_PAGE_SIZES; /* no mapping */
    m->stats.faults[f]++;
    record(m, req, resp, lat, MMU_LAT_FAULT);
}

static __attribute__((noinline)) int get_root_slow(mmu *m, const mmu_request *req, uint64_t *root)
{
    uint16_t asid = req->asid;
    if (m->virt)
        return mmusim_virt_get_root(m->virt, req->vmid, asid, root);
    if (m->roots && m->roots[asid]) {
        *root = m->roots[asid] - 1;
        return 1;
    }
    if (m->handler.root && m->handler.root(m->handler.ctx, asid, root)) {
        if (mmu_set_root(m, asid, *root) != MMU_OK)
            return 0;
        return 1;
    }
    return 0;
}

/* The root of req's address space: the one set for its ASID (one load natively), else get_root_slow. */
static inline int get_root(mmu *m, const mmu_request *req, uint64_t *root)
{
    if (!m->virt && m->roots) {
        const uint64_t r = m->roots[req->asid];
        if (r) {
            *root = r - 1;
            return 1;
        }
    }
    return get_root_slow(m, req, root);
}

/* The VM of a request: its vmid with virtualization on, 0 natively (whatever the field holds). */
static inline uint16_t req_vmid(const mmu *m, const mmu_request *req)
{
    return req->vmid & m->vmid_mask;
}

/* TLB and PWC tag of a request: asid | vmid << TLB_VMID_SHIFT. */
static inline uint32_t req_tag(const mmu *m, const mmu_request *req)
{
    return req->asid | (uint32_t)req_vmid(m, req) << TLB_VMID_SHIFT;
}

/* The walker pool's key of a walk for va's 4K page: ASID, page and (virtualization) VMID. */
static inline uint64_t walk_key(const mmu *m, const mmu_request *req, uint64_t va)
{
    return mmu_walk_key(req->asid, va >> 12) ^
           ((uint64_t)req_vmid(m, req) * UINT64_C(0x9E3779B97F4A7C15));
}

/* One walk of the page tables for req; counts it.  Returns its duration in cycles. */
static inline __attribute__((always_inline)) uint64_t walk_counted(mmu *m, const mmu_request *req,
                                                                   uint64_t root, uint32_t tag,
                                                                   mmu_walk_result *res, int native)
{
    if (!native && m->virt)
        mmusim_virt_begin(m->virt, req->vmid);
    if (native || !m->virt)
        (void)mmusim_walk_run(&m->wsetup, root, req->vaddr, (mmu_access_type)req->type,
                              (mmu_priv)req->priv, tag, res);
    else
        (void)mmu_walk(m->fmt, root, &m->port, m->pwc, req->vaddr, (mmu_access_type)req->type,
                       (mmu_priv)req->priv, tag, &m->opts, res);
    if (!native && m->virt) /* the final guest-physical address, and the host references in the counts */
        mmusim_virt_end(m->virt, req, res);
    m->stats.walks++;
    m->stats.walk_cycles += res->latency;
    unsigned refs = (unsigned)res->reads + res->writes;
    m->stats.walk_refs[refs > MMU_WALK_REFS_MAX ? MMU_WALK_REFS_MAX : refs]++;
    m->stats.pte_reads += res->reads;
    m->stats.ad_writes += res->writes;
    return res->latency;
}

/* walk_counted, out of line (the rare walks: re-walks, a write joining a walk). */
static __attribute__((noinline)) uint64_t walk_once(mmu *m, const mmu_request *req, uint64_t root,
                                                    mmu_walk_result *res)
{
    return walk_counted(m, req, root, req_tag(m, req), res, 0);
}

static void no_root(mmu_walk_result *res)
{
    memset(res, 0, sizeof *res);
    res->fault = MMU_FAULT_NOT_PRESENT;
    res->fault_level = -1;
    res->pwc_level = res->leaf_level = res->first_level = -1;
}

/* pool_walk when the walk joins one in flight for the same page (g->merged). */
static __attribute__((noinline)) uint64_t pool_join(mmu *m, const mmu_request *req, uint64_t at, uint64_t root,
                                                    const mmu_walk_grant *g, mmu_walk_result *res)
{
    m->stats.walks_merged++;
    uint64_t joined = g->done_cycle > at ? g->done_cycle : at;
    if (req->type != MMU_WRITE) {
        /* the walk in flight gives the answer: read it without side effects or pricing */
        if (m->virt) {
            (void)mmusim_virt_walk_debug(m->virt, &m->debug_opts, root, req, res);
            return joined;
        }
        mmu_mem_port dport = {m, debug_read, debug_write, NULL};
        (void)mmu_walk(m->fmt, root, &dport, NULL, req->vaddr, (mmu_access_type)req->type,
                       (mmu_priv)req->priv, req->asid, &m->debug_opts, res);
        return joined;
    }
    /* a write must set the dirty bit the joined (read) walk left clear: walk once more */
    uint64_t done = at + walk_once(m, req, root, res);
    return done > joined ? done : joined;
}

/*
 * The first walk of a miss, through the walker pool, asked for at cycle
 * `at`: it may queue for a walker, or join a walk in flight for the same
 * page.  Returns the cycle it completes; *res is its result.
 */
static inline __attribute__((always_inline)) uint64_t pool_walk(mmu *m, const mmu_request *req, uint64_t at,
                                                                uint16_t vm, mmu_walk_result *res, int native)
{
    /* walk_key and req_tag with the request's VM vm */
    const uint64_t key = mmu_walk_key(req->asid, req->vaddr >> 12) ^ ((uint64_t)vm * UINT64_C(0x9E3779B97F4A7C15));
    uint64_t root;
    if (!get_root(m, req, &root)) {
        no_root(res);
        return at;
    }
    mmu_walk_grant g;
    if (mmu_walkers_begin(m->walkers, at, key, &g) != MMU_OK)
        mmu_walkers_cancel(m->walkers); /* cannot happen: every begin is ended below */
    if (g.merged)
        return pool_join(m, req, at, root, &g, res);
    uint64_t duration = walk_counted(m, req, root, req->asid | (uint32_t)vm << TLB_VMID_SHIFT, res, native);
    uint64_t done = g.start_cycle + duration;
    if (mmu_walkers_end(m->walkers, key, g.start_cycle, duration, &done) != MMU_OK)
        mmu_walkers_cancel(m->walkers);
    m->stats.walk_queue_cycles += g.queue_cycles;
    if (done > m->busy_until)
        m->busy_until = done;
    return done;
}

/*
 * The walk made again after the fault handler ran, at cycle `at`: by the
 * faulting core itself as it re-executes the access, not through the pool
 * (whose walkers it would otherwise reserve in the future, ahead of requests
 * issued meanwhile).  Requests for the page until it completes join it.
 */
static uint64_t rewalk(mmu *m, const mmu_request *req, uint64_t at, mmu_walk_result *res)
{
    uint64_t root;
    if (!get_root(m, req, &root)) {
        no_root(res);
        return at;
    }
    m->stats.fault_rewalks++;
    uint64_t done = at + walk_once(m, req, root, res);
    mmu_walkers_pending(m->walkers, walk_key(m, req, req->vaddr), done);
    if (done > m->busy_until)
        m->busy_until = done;
    return done;
}

#define WALK_FAILED UINT32_MAX

/*
 * A walk of radix_miss faulted (*res, completing at *t): the fault handler
 * and the walk again, until a walk succeeds (returns the faults handled,
 * *res and *t its) or the fault stays (the response is the fault's:
 * WALK_FAILED).
 */
static __attribute__((noinline)) uint32_t walk_faulted(mmu *m, const mmu_request *req, mmu_response *resp,
                                                       uint64_t *t, mmu_walk_result *res)
{
    unsigned handled = 0;
    for (;;) {
        m->stats.walk_faults[res->fault]++;
        uint64_t cycles = 0;
        if (handled < m->cfg.walker.max_faults && m->handler.fault &&
            m->handler.fault(m->handler.ctx, req, res, &cycles)) {
            handled++;
            resp->page_faults = (uint8_t)handled;
            m->stats.page_faults++;
            m->stats.fault_cycles += cycles;
            *t += cycles;
            *t = rewalk(m, req, *t, res); /* the walk again */
            if (res->fault == MMU_FAULT_NONE)
                return handled;
            continue;
        }
        resp->walk_refs = (uint8_t)(res->reads + res->writes);
        resp->pwc_level = res->pwc_level;
        fail_resp(m, req, resp, *t - req->cycle, (mmu_fault)res->fault, res->fault_level);
        return WALK_FAILED;
    }
}

/* Radix mode, after every TLB level missed (lat cycles spent looking them up; absent: no array
   of side s holds the page: tlb_find_m). */
static inline __attribute__((always_inline)) mmu_err radix_miss_body(mmu *m, const mmu_request *req,
                                                                      mmu_response *resp, uint32_t lat, int s,
                                                                      int native, int absent)
{
    const uint64_t changes = m->tlb_changes; /* the arrays as the lookups saw them (absent) */
    mmu_walk_result res;
    const uint16_t vm = native ? 0 : req_vmid(m, req);
    uint64_t t = pool_walk(m, req, req->cycle + lat, vm, &res, native);
    uint32_t handled = 0;
    if (__builtin_expect(res.fault != MMU_FAULT_NONE, 0)) {
        handled = walk_faulted(m, req, resp, &t, &res);
        if (handled == WALK_FAILED)
            return MMU_EFAULT;
    }
    /* the walk's TLB entry (mmu_walk_tlb_entry, with the request's VM) */
    const mmu_tlb_entry e = {res.vbase, res.pbase, req->asid, res.page_size, res.tlb_flags, vm};
    if (m->fill == MMU_FILL_NONINCLUSIVE && !m->wsplit[s][e.page_size]) {
        /* fill_above's non-inclusive loop, every level, no page splintered; when no array changed
           since the lookups found the page in none, without a search */
        mmu_tlb *const *to = m->wfill[s][e.page_size];
        if (absent && m->worder[s][e.page_size] && m->tlb_changes == changes) {
            const unsigned shift = tlb_page_shift(e.page_size);
            const uint64_t vpn = e.vbase >> shift;
            const uint32_t ag = ((e.flags & MMU_TLB_GLOBAL) ? (ASID_GLOBAL | e.asid) : e.asid) |
                                (uint32_t)vm << TLB_VMID_SHIFT;
            const uint64_t pbase = e.pbase & ~((UINT64_C(1) << shift) - 1);
            for (; *to; to++)
                if (!tlb_fill_absent(*to, vpn, (vpn << TLB_PS_BITS) | e.page_size, ag, pbase, e.flags,
                                     e.page_size))
                    (void)mmu_tlb_insert(*to, &e, NULL, NULL);
        } else {
            for (; *to; to++)
                (void)mmu_tlb_insert(*to, &e, NULL, NULL);
        }
    } else if (m->fill == MMU_FILL_NONINCLUSIVE) {
        /* fill_above's non-inclusive loop, every level */
        const fill_slot *h = &m->hold[s][0][e.page_size], *end = h + m->n_levels[s] * MMU_PAGE_SIZES;
        mmu_tlb_entry tmp;
        for (; h < end; h += MMU_PAGE_SIZES)
            if (h->tlb >= 0)
                (void)mmu_tlb_insert(m->tlb[h->tlb], kept_entry(h, &e, req->vaddr, &tmp), NULL, NULL);
    } else {
        fill_above(m, s, m->n_levels[s], &e, req->vaddr);
    }
    resp->outcome = MMU_OUT_WALK;
    resp->level = 0;
    resp->array = -1;
    resp->page_size = res.page_size;
    resp->paddr = res.paddr;
    resp->walk_refs = (uint8_t)(res.reads + res.writes);
    resp->pwc_level = res.pwc_level;
    if (handled)
        record(m, req, resp, t - req->cycle, MMU_LAT_FAULT);
    else
        record(m, req, resp, t - req->cycle, MMU_LAT_WALK);
    return MMU_OK;
}

/* radix_miss_body out of line (a write re-walking to set D, mmu_translate's misses). */
static __attribute__((noinline)) mmu_err radix_miss(mmu *m, const mmu_request *req, mmu_response *resp,
                                                    uint32_t lat, int s)
{
    return radix_miss_body(m, req, resp, lat, s, 0, 0);
}

/*
 * What a filter slot is looked up by besides the page: the request's ASID and
 * privilege and, with virtualization, its VMID (what the TLB entries are
 * tagged with, and what the permissions were checked for), read as the one
 * 64-bit word at the request's asid field and masked (key_mask, built from a
 * request with those fields set, so it holds for either byte order).  One
 * load and an AND: the VMID costs the native path nothing.
 */
_Static_assert(offsetof(mmu_request, vmid) + sizeof(uint16_t) <= offsetof(mmu_request, asid) + 8 &&
                   offsetof(mmu_request, priv) < offsetof(mmu_request, asid) + 8 &&
                   offsetof(mmu_request, asid) + 8 <= sizeof(mmu_request),
               "filter_key reads asid .. vmid as one 64-bit word");
static inline uint64_t filter_key(const mmu *m, const mmu_request *req)
{
    uint64_t w;
    memcpy(&w, (const char *)req + offsetof(mmu_request, asid), sizeof w);
    return w & m->key_mask;
}

static void set_key_mask(mmu *m)
{
    mmu_request r;
    memset(&r, 0, sizeof r);
    r.asid = 0xFFFFu;
    r.priv = 0xFFu;
    r.vmid = m->vmid_mask;
    memcpy(&m->key_mask, (const char *)&r + offsetof(mmu_request, asid), sizeof m->key_mask);
}

/* The slot of a page (va >> filt_shift) in its side's filter: a multiplicative hash. */
static inline uint32_t filter_index(uint64_t vpn)
{
    return (uint32_t)((vpn * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - HF_BITS));
}

/*
 * The sets a level-1 lookup of each side probes (every page size of every
 * array, lookup order), the filter's granularity (the smallest of those page
 * sizes: every address of such a page probes the same sets) and whether the
 * side records pages at all; empties the filter.
 */
static void filter_setup(mmu *m)
{
    for (int s = SIDE_I; s <= SIDE_D; s++) {
        const level *lv = &m->lv[s][0];
        unsigned np = 0, fs = 63;
        m->rehit_ok[s] = 1;
        for (uint32_t k = 0; k < lv->n; k++) {
            const mmu_tlb *t = m->tlb[lv->idx[k]];
            if (t->ways > 32)
                m->rehit_ok[s] = 0;
            for (unsigned i = 0; i < t->nsizes; i++) {
                m->probes[s][np++] = (hf_probe){t, t->shift[i], t->psidx[i], lv->idx[k],
                                                (uint8_t)(t->nsizes - 1 - i)};
                if (t->shift[i] < fs)
                    fs = t->shift[i];
            }
        }
        m->n_probes[s] = (uint8_t)np;
        m->filt_shift[s] = (uint8_t)fs;
        m->filt_on[s] = !m->filt_off && m->n_levels[s] > 0 && lv->n <= HF_ARRAYS;
        for (unsigned i = 0; i < HF_SLOTS; i++) {
            m->filt[s][i].vpn = HF_EMPTY;
            m->watch[s][i].vpn = HF_EMPTY;
        }
    }
}

/*
 * Remember in side s's hit filter that req's page hit in level 1 (hitmask:
 * the arrays that hit; e: the entry the first of them gave; allow: the
 * access types that entry allows at req's privilege).  Call after the
 * lookups, once their replacement updates are made.
 */
static void filter_record(mmu *m, int s, const mmu_request *req, uint64_t pbase, unsigned page_size,
                          uint32_t hitmask, int hit, uint8_t allow, size_t hi, uint8_t flags)
{
    const uint64_t va = req->vaddr;
    const uint64_t vpn = va >> m->filt_shift[s];
    const uint32_t i = filter_index(vpn);
    hit_filter *f = &m->filt[s][i];
    hit_watch *w = &m->watch[s][i];
    f->vpn = vpn;
    f->key = filter_key(m, req);
    f->pbase = pbase;
    f->seen_changes = m->tlb_changes;
    f->pend = (uint32_t)(&m->l1_pend[s][hitmask][0] - &m->l1_pend[0][0][0]);
    f->allow = allow;
    w->hflags = flags;
    w->rehit = m->rehit_ok[s];

    if (w->vpn == vpn && w->hit == hit && w->hit_ps == page_size) {
        /* the same page's lookup, stopped at the same place: the same sets, with their counts
           now, and the same response (pmask and tail, formed for this page's entry size) */
        for (unsigned j = 0; j < w->n; j++)
            w->seen[j] = *w->gen[j];
        w->hway = (uint32_t)(hi - w->base[w->hj]);
        w->hag = m->tlb[hit]->asid_g[hi];
        return;
    } else {
        /* the sets the lookup probed: every page size of an array that missed; up to the
           hit's page size in the array that gave the entry (the probe stops there) */
        const hf_probe *p = m->probes[s], *end = p + m->n_probes[s];
        unsigned np = 0;
        for (; p < end; p++) {
            if (np == HF_PROBES) {
                f->vpn = HF_EMPTY; /* too many sets to watch: this page takes the full lookup */
                w->vpn = HF_EMPTY;
                return;
            }
            const uint32_t set = tlb_set_of(p->t, va >> p->shift);
            const uint64_t *g = &p->t->sgen[set];
            w->gen[np] = g;
            w->seen[np] = *g;
            w->t[np] = m->tlb[p->array];
            w->key[np] = ((va >> p->shift) << TLB_PS_BITS) | p->psidx;
            w->base[np] = set * p->t->ways;
            if (p->array == hit && p->psidx == page_size) {
                w->hj = (uint8_t)np;
                w->hset = set;
                p += p->rest;
            }
            np++;
        }
        w->n = np;
        w->vpn = vpn;
        w->hit = hit;
        w->hit_ps = page_size;
        w->hway = (uint32_t)(hi - w->base[w->hj]);
        w->hag = m->tlb[hit]->asid_g[hi];
    }
    f->pmask = (UINT64_C(1) << tlb_page_shift(page_size)) - 1;
    mmu_response r;
    memset(&r, 0, sizeof r);
    r.latency = m->lv[s][0].latency;
    r.fault = MMU_FAULT_NONE;
    r.outcome = MMU_OUT_TLB;
    r.page_size = (uint8_t)page_size;
    r.level = 1;
    r.array = (int8_t)hit;
    r.walk_refs = 0;
    r.pwc_level = -1;
    r.fault_level = -1;
    r.page_faults = 0;
    memcpy(f->tail, (const char *)&r + offsetof(mmu_response, latency), sizeof f->tail);
}

void mmu_set_hit_filter(mmu *m, int on)
{
    m->filt_off = !on;
    filter_setup(m);
}

/* A slot whose page matches, after some TLB change: still valid if none of its sets changed. */
static inline int filter_still(mmu *m, int s, hit_filter *f)
{
    const hit_watch *w = &m->watch[s][f - m->filt[s]];
    for (unsigned j = 0; j < w->n; j++) {
        if (*w->gen[j] != w->seen[j]) {
            f->vpn = HF_EMPTY;
            return 0;
        }
    }
    f->seen_changes = m->tlb_changes;
    return 1;
}

/* The slot of side s for req's page if it answers req exactly as the full lookup would, or NULL. */
static inline hit_filter *filter_find(mmu *m, int s, const mmu_request *req, unsigned t)
{
    const uint64_t vpn = req->vaddr >> m->filt_shift[s];
    hit_filter *f = &m->filt[s][filter_index(vpn)];
    if (f->vpn == vpn && f->key == filter_key(m, req) && ((f->allow >> t) & 1) && req->cycle >= m->busy_until &&
        (f->seen_changes == m->tlb_changes || filter_still(m, s, f)))
        return f;
    return NULL;
}

_Static_assert(offsetof(mmu_response, latency) == 16 && sizeof(mmu_response) == 32,
               "filter_hit copies the response's last 16 bytes");

/* A level-1 hit found by the filter: the response; the counters are added when asked for (fold_l1). */
static inline void filter_hit(mmu *m, const hit_filter *f, const mmu_request *req, unsigned t,
                              mmu_response *resp)
{
    (&m->l1_pend[0][0][0])[f->pend + t]++;
    uint32_t lat;
    memcpy(&lat, f->tail, sizeof lat);
    resp->paddr = f->pbase | (req->vaddr & f->pmask);
    resp->done_cycle = req->cycle + lat;
    memcpy((char *)resp + offsetof(mmu_response, latency), f->tail, sizeof f->tail);
}

static mmu_err translate_full(mmu *m, const mmu_request *req, mmu_response *resp);

/* mmu_translate, inlined into mmu_access: the filter, then the full lookup. */
static inline mmu_err translate(mmu *m, const mmu_request *req, mmu_response *resp)
{
    const unsigned t = req->type < MMU_ACCESS_TYPES ? req->type : MMU_READ;
    const int s = t == MMU_FETCH ? SIDE_I : SIDE_D;
    const hit_filter *f = filter_find(m, s, req, t);
    if (f) {
        filter_hit(m, f, req, t, resp);
        return MMU_OK;
    }
    return translate_full(m, req, resp);
}

mmu_err mmu_translate(mmu *m, const mmu_request *req, mmu_response *resp)
{
    return translate(m, req, resp);
}

/* Level l of side s missed a lookup of this type: each array's count and the level's. */
static void count_level_miss(mmu *m, int s, uint32_t l, mmu_access_type type)
{
    const level *lv = &m->lv[s][l];
    for (uint32_t k = 0; k < lv->n; k++)
        tlb_count(m->tlb[lv->idx[k]], type, 0, 0);
    m->stats.level[l].lookups++;
    m->stats.level[l].misses++;
}

/* The full lookup (every level, then the miss handler): translate_full, inlined into access_full. */
static inline __attribute__((always_inline)) mmu_err translate_full_body(mmu *m, const mmu_request *req,
                                                                         mmu_response *resp, unsigned t,
                                                                         int inline_walk)
{
    const mmu_access_type type = (mmu_access_type)t; /* req->type, MMU_READ if out of range */
    const int s = type == MMU_FETCH ? SIDE_I : SIDE_D;
    const uint64_t va = req->vaddr;
    const uint32_t tag = req_tag(m, req); /* the ASID natively */
    uint32_t lat;
    mmu_tlb_entry e;

    resp->fault = MMU_FAULT_NONE;
    resp->walk_refs = 0;
    resp->pwc_level = -1;
    resp->fault_level = -1;
    resp->page_faults = 0;

    const uint32_t nl = m->n_levels[s];
    uint32_t maybe = 0; /* 0 while no array looked up may hold the page (tlb_find_m) */
    for (uint32_t l = 0; l < nl; l++) {
        const level *lv = &m->lv[s][l];
        uint32_t hitmask = 0;
        size_t hi = 0;
        /* the arrays of a level are looked up in parallel; each counts its
           lookup by the level's outcome (hit, elsewhere in the level, miss) */
        for (uint32_t k = 0; k < lv->n; k++) {
            const size_t i = tlb_lookup_level(lv->t[k], va, tag, &maybe);
            if (i) {
                if (!hitmask)
                    hi = i - 1;
                hitmask |= 1u << k;
            }
        }
        if (!hitmask)
            continue; /* a miss of the level: counted with the levels above once one hits (or miss_pend) */
        const unsigned hk = (unsigned)__builtin_ctz(hitmask); /* the first array that hit gives the entry */
        const int hit = lv->idx[hk];
        const mmu_tlb *ht = lv->t[hk];
        lat = m->lat_upto[s][l];
        for (uint32_t u = 0; u < l; u++)
            count_level_miss(m, s, u, type);
        if (l == 0 && m->filt_on[s]) { /* (filter off: counted one by one, as a reference) */
            const uint8_t allow = allowed_types(m, ht->flags[hi], (mmu_priv)req->priv);
            if (((allow >> type) & 1) && !(m->radix && req->cycle + lat < m->busy_until)) {
                /* the common level-1 hit: its counters (each array's, the level's, record()'s) are
                   added when asked for, with the filter's hits (fold_l1) */
                const unsigned ps = (unsigned)(ht->key[hi] & TLB_PS_MASK);
                const uint64_t pbase = ht->pbase[hi];
                m->l1_pend[s][hitmask][type]++;
                if (m->filt_on[s])
                    filter_record(m, s, req, pbase, ps, hitmask, hit, allow, hi, ht->flags[hi]);
                resp->outcome = MMU_OUT_TLB;
                resp->level = 1;
                resp->array = (int8_t)hit;
                resp->page_size = (uint8_t)ps;
                resp->paddr = pbase | (va & ((UINT64_C(1) << tlb_page_shift(ps)) - 1));
                resp->latency = lat;
                resp->done_cycle = req->cycle + lat;
                return MMU_OK;
            }
        }
        tlb_copy_out(ht, hi, &e);
        for (uint32_t k = 0; k < lv->n; k++)
            tlb_count(m->tlb[lv->idx[k]], type, (hitmask >> k) & 1, 1);
        m->stats.level[l].lookups++;
        m->stats.level[l].hits++;
        uint8_t allow = allowed_types(m, e.flags, (mmu_priv)req->priv);
        if (l == 0 && m->filt_on[s])
            filter_record(m, s, req, e.pbase, e.page_size, hitmask, hit, allow, hi, e.flags);
        if (l > 0) {
            if (m->fill == MMU_FILL_EXCLUSIVE)
                (void)mmu_tlb_take(m->tlb[hit], va, tag, NULL);
            fill_above(m, s, l, &e, va);
        }
        if (!((allow >> type) & 1)) {
            mmu_fault f = mmu_pt_check_access(&m->opts, e.flags, type, (mmu_priv)req->priv);
            if (f != MMU_FAULT_NONE) {
                fail_resp(m, req, resp, lat, f, -1); /* found on the TLB entry, no walk */
                return MMU_EFAULT;
            }
            /* a write to a page cached with D clear: walk to set it */
            m->stats.dirty_rewalks++;
            return radix_miss(m, req, resp, m->lat_upto[s][m->n_levels[s] - 1], s);
        }
        uint64_t total = lat;
        mmu_lat_class cls = (mmu_lat_class)(l + 1);
        if (m->radix && req->cycle + lat < m->busy_until) {
            /* hit on an entry whose walk has not finished: wait for it */
            uint64_t done;
            if (mmu_walkers_inflight(m->walkers, req->cycle + lat, walk_key(m, req, va),
                                     &done) &&
                done > req->cycle + lat) {
                total = done - req->cycle;
                m->stats.walks_merged++;
                cls = MMU_LAT_WALK;
            }
        }
        resp->outcome = MMU_OUT_TLB;
        resp->level = (uint8_t)(l + 1);
        resp->array = (int8_t)hit;
        resp->page_size = e.page_size;
        resp->paddr = e.pbase | (va & ((UINT64_C(1) << tlb_page_shift(e.page_size)) - 1));
        record(m, req, resp, total, cls);
        return MMU_OK;
    }

    /* every level missed: each array's and level's lookup counted when asked for (fold_l1) */
    m->miss_pend[s][type]++;
    lat = nl ? m->lat_upto[s][nl - 1] : 0;
    if (m->radix) /* (inline_walk: access_full's copy has a native walk's code in its own frame) */
        return inline_walk && !m->virt ? radix_miss_body(m, req, resp, lat, s, 1, !maybe)
                                       : radix_miss(m, req, resp, lat, s);

    /* fixed miss handler: identity mapping of walker.page_size pages */
    const unsigned shift = tlb_page_shift(m->page_size);
    e.vbase = va & ~((UINT64_C(1) << shift) - 1);
    e.pbase = e.vbase;
    e.asid = req->asid;
    e.vmid = 0;
    e.page_size = (uint8_t)m->page_size;
    e.flags = MMU_TLB_READ | MMU_TLB_WRITE | MMU_TLB_EXEC | MMU_TLB_USER | MMU_TLB_DIRTY;
    m->stats.walks++;
    lat += m->miss_latency;
    fill_above(m, s, m->n_levels[s], &e, va);
    resp->outcome = MMU_OUT_WALK;
    resp->level = 0;
    resp->array = -1;
    resp->page_size = e.page_size;
    resp->paddr = va;
    record(m, req, resp, lat, MMU_LAT_WALK);
    return MMU_OK;
}

static __attribute__((noinline)) mmu_err translate_full(mmu *m, const mmu_request *req, mmu_response *resp)
{
    return translate_full_body(m, req, resp, req->type < MMU_ACCESS_TYPES ? req->type : MMU_READ, 0);
}

mmu_err mmu_translate_debug(const mmu *m, const mmu_request *req, mmu_response *resp)
{
    const mmu_access_type type = req->type < MMU_ACCESS_TYPES ? (mmu_access_type)req->type : MMU_READ;
    const int s = type == MMU_FETCH ? SIDE_I : SIDE_D;
    memset(resp, 0, sizeof *resp);
    resp->done_cycle = req->cycle;
    resp->array = -1;
    resp->pwc_level = -1;
    resp->fault_level = -1;
    for (uint32_t l = 0; l < m->n_levels[s]; l++) {
        const level *lv = &m->lv[s][l];
        for (uint32_t k = 0; k < lv->n; k++) {
            mmu_tlb_entry e;
            if (!mmu_tlb_probe(m->tlb[lv->idx[k]], req->vaddr, req_tag(m, req), &e))
                continue;
            mmu_fault f = m->radix ? mmu_pt_check_access(&m->opts, e.flags, type, (mmu_priv)req->priv)
                                   : MMU_FAULT_NONE;
            if (f != MMU_FAULT_NONE) {
                resp->fault = (uint8_t)f;
                resp->outcome = MMU_OUT_FAULT;
                return MMU_EFAULT;
            }
            resp->outcome = MMU_OUT_TLB;
            resp->level = (uint8_t)(l + 1);
            resp->array = (int8_t)lv->idx[k];
            resp->page_size = e.page_size;
            resp->paddr = e.pbase | (req->vaddr & ((UINT64_C(1) << tlb_page_shift(e.page_size)) - 1));
            return MMU_OK;
        }
    }
    return mmu_walk_debug(m, req, resp);
}

mmu_err mmu_walk_debug(const mmu *m, const mmu_request *req, mmu_response *resp)
{
    const mmu_access_type type = req->type < MMU_ACCESS_TYPES ? (mmu_access_type)req->type : MMU_READ;
    memset(resp, 0, sizeof *resp);
    resp->done_cycle = req->cycle;
    resp->array = -1;
    resp->pwc_level = -1;
    resp->fault_level = -1;
    resp->outcome = MMU_OUT_WALK;
    if (!m->radix) {
        resp->page_size = (uint8_t)m->page_size;
        resp->paddr = req->vaddr;
        return MMU_OK;
    }
    mmu_walk_result res;
    mmu_mem_port dport = {(void *)m, debug_read, debug_write, NULL};
    if (m->virt) {
        uint64_t groot;
        if (!mmusim_virt_get_root(m->virt, req->vmid, req->asid, &groot)) {
            resp->fault = MMU_FAULT_NOT_PRESENT;
            resp->outcome = MMU_OUT_FAULT;
            return MMU_EFAULT;
        }
        (void)mmusim_virt_walk_debug(m->virt, &m->debug_opts, groot, req, &res);
    } else if (!m->roots || !m->roots[req->asid]) {
        resp->fault = MMU_FAULT_NOT_PRESENT;
        resp->outcome = MMU_OUT_FAULT;
        return MMU_EFAULT;
    } else {
        (void)mmu_walk(m->fmt, m->roots[req->asid] - 1, &dport, NULL, req->vaddr, type,
                       (mmu_priv)req->priv, req->asid, &m->debug_opts, &res);
    }
    resp->walk_refs = res.reads;
    if (res.fault != MMU_FAULT_NONE) {
        resp->fault = res.fault;
        resp->fault_level = res.fault_level;
        resp->outcome = MMU_OUT_FAULT;
        return MMU_EFAULT;
    }
    resp->page_size = res.page_size;
    resp->paddr = res.paddr;
    return MMU_OK;
}

/* The access's data through the PTE caches (cache mode with ptemem.data on). */
static void data_access(mmu *m, const mmu_request *req, const mmu_response *resp, int n)
{
    const int w = req->type == MMU_WRITE;
    if (resp[0].fault == MMU_FAULT_NONE)
        (void)mmu_ptemem_access(m->ptemem, resp[0].paddr, w, MMU_PTEMEM_SRC_DATA, NULL);
    if (n == 2 && resp[1].fault == MMU_FAULT_NONE)
        (void)mmu_ptemem_access(m->ptemem, resp[1].paddr, w, MMU_PTEMEM_SRC_DATA, NULL);
}

static int access_cross(mmu *m, const mmu_request *req, mmu_response resp[2]);

/* mmu_access beyond the hit filter: page crossings, every lookup that is not a filter hit. */
static __attribute__((noinline)) int access_full(mmu *m, const mmu_request *req, mmu_response resp[2],
                                                 unsigned t)
{
    int n = 1;
    if (translate_full_body(m, req, &resp[0], t, 1) == MMU_OK) { /* (mmu_access looked in the filter) */
        const uint64_t last = req->vaddr + ((req->size ? req->size : 1) - 1);
        const uint64_t page_end = req->vaddr | ((UINT64_C(1) << tlb_page_shift(resp[0].page_size)) - 1);
        if (last > page_end && last >= req->vaddr)
            n = access_cross(m, req, resp);
    }
    if (m->data_through_caches && t != MMU_FETCH)
        data_access(m, req, resp, n);
    return n;
}


/* The data of an access served by the filter, through the PTE caches (a tail call, off the fast path). */
static __attribute__((noinline)) int access_data(mmu *m, const mmu_request *req, mmu_response resp[2])
{
    data_access(m, req, resp, 1);
    return 1;
}

/*
 * mmu_access when the filter's slot holds the request's page (key, type,
 * cycle) but the TLB changed since the slot was last checked: its sets are
 * compared (filter_still), and if none changed the filter answers.  Else
 * the re-hit (filter_rehit): some watched set changed, commonly because
 * another page's hit or a fill made the entry's way no longer the newest of
 * its set.  The lookup is repeated on the changed sets alone: each that
 * did not give the entry must not hold the page now (no way's key agrees
 * with the page's in its low half, tlb_set_cands: else the full lookup
 * decides; an array that hit too, beside the one that gave the entry, is
 * such a set: unchanged, its repeated hit changes nothing, as in
 * filter_still); the set that gave the entry must still give it first (the
 * same way, key, tag match, physical page and flags; no lower way a
 * candidate), and gets the replacement update the full lookup makes
 * (tlb_hit_update, the same code).  Then the sets' counts are noted, as
 * filter_record does, and the answer and counting are filter_hit's (the
 * full lookup's of a level-1 hit, fold_l1).  Otherwise the slot is emptied
 * and the full lookup made (access_full).
 */
/* tlb_hit_update of a policy without a recency order (filter_rehit; out of its line). */
static __attribute__((noinline)) void rehit_update_other(mmu_tlb *t, uint32_t set, uint32_t way)
{
    tlb_hit_update(t, set, way);
}

static inline __attribute__((always_inline)) int filter_rehit(const hit_filter *f, hit_watch *w)
{
    if (!w->rehit)
        return 0;
    const unsigned n = w->n, hj = w->hj;
    for (unsigned j = 0; j < n; j++) {
        if (j == hj || *w->gen[j] == w->seen[j])
            continue;
        const mmu_tlb *at = w->t[j];
        if (tlb_set_cands(at, at->key + w->base[j], w->key[j]))
            return 0; /* a set that missed may now hold the page */
    }
    if (*w->gen[hj] != w->seen[hj]) {
        mmu_tlb *ht = w->t[hj];
        const uint64_t key = w->key[hj];
        const uint32_t hw = w->hway, set = w->hset;
        const size_t i = (size_t)w->base[hj] + hw;
        const uint32_t c = tlb_set_cands(ht, ht->key + w->base[hj], key);
        /* (c << (31 - hw): way hw's bit on top, the lower ways' below it, the higher ones gone) */
        if ((c << (31 - hw)) != UINT32_C(0x80000000) || ht->key[i] != key || ht->asid_g[i] != w->hag ||
            ht->pbase[i] != f->pbase || ht->flags[i] != w->hflags)
            return 0;
        /* tlb_hit_update, with LRU's recency order written out */
        if (ht->order) {
            if (ht->hit_changes && !repl_order_is_newest(&ht->repl, set, hw)) {
                tlb_set_changed(ht, set);
                repl_order_touch(&ht->repl, set, hw);
            }
        } else {
            rehit_update_other(ht, set, hw);
        }
    }
    for (unsigned j = 0; j < n; j++)
        w->seen[j] = *w->gen[j];
    return 1;
}

static __attribute__((noinline)) int access_stale(mmu *m, const mmu_request *req, mmu_response resp[2],
                                                  hit_filter *f, unsigned t)
{
    hit_watch *w = &m->watch[0][0] + (f - &m->filt[0][0]); /* (the slot's watch, either side) */
    for (unsigned j = 0; j < w->n; j++) {
        if (*w->gen[j] != w->seen[j]) {
            if (!filter_rehit(f, w)) {
                f->vpn = HF_EMPTY;
                return access_full(m, req, resp, t);
            }
            break;
        }
    }
    f->seen_changes = m->tlb_changes;
    filter_hit(m, f, req, t, resp);
    if (m->data_through_caches && t != MMU_FETCH)
        return access_data(m, req, resp);
    return 1;
}

int mmu_access(mmu *m, const mmu_request *req, mmu_response resp[2])
{
    /* the common case first, with only tail calls: a page of the side's filter, no TLB change
       since the slot was last checked, the access within the filter's page (a TLB change since:
       access_stale; everything else: access_full) */
    const unsigned t = req->type < MMU_ACCESS_TYPES ? req->type : MMU_READ;
    const size_t s = t == MMU_FETCH ? SIDE_I : SIDE_D;
    const unsigned fs = m->filt_shift[s];
    const uint64_t vpn = req->vaddr >> fs;
    hit_filter *f = m->filt[s] + filter_index(vpn);
    const uint64_t last = req->vaddr + ((req->size ? req->size : 1) - 1);
    if (((f->vpn ^ vpn) | ((last >> fs) ^ vpn) | (f->key ^ filter_key(m, req))) != 0 ||
        !((f->allow >> t) & 1) || req->cycle < m->busy_until)
        return access_full(m, req, resp, t);
    if (f->seen_changes != m->tlb_changes)
        return access_stale(m, req, resp, f, t);
    filter_hit(m, f, req, t, resp);
    if (m->data_through_caches && s == SIDE_D &&
        !mmu_ptemem_data_repeat(m->data_rep, resp->paddr, req->type == MMU_WRITE))
        return access_data(m, req, resp); /* not the line the first cache level served last */
    return 1;
}

/* Rounds of a page-crossing access whose first page keeps being invalidated. */
#define CROSSING_ROUNDS 4

/*
 * A page-crossing access: the first page's translation, then the second's
 * at the cycle the first completed.  The first page must still be mapped
 * as translated when the access completes: the OS model keeps it resident
 * while the second page's fault is handled (mmu_os_hold), and if anything
 * else invalidates it meanwhile (another fault handler), the first page is
 * translated again after the second, then the second again, at most
 * CROSSING_ROUNDS rounds (docs/os-model.md, "Page-crossing accesses").
 * Called by access_full with resp[0] the first page's translation, when the
 * access goes past that page.
 */
static __attribute__((noinline)) int access_cross(mmu *m, const mmu_request *req, mmu_response resp[2])
{
    mmu_err e;
    uint64_t size = req->size ? req->size : 1;
    uint64_t last = req->vaddr + (size - 1);
    for (int round = 1;; round++) {
        uint64_t page_mask = (UINT64_C(1) << tlb_page_shift(resp[0].page_size)) - 1;
        uint64_t page_end = req->vaddr | page_mask;
        if (last <= page_end || last < req->vaddr)
            return 1;
        mmu_request second = *req;
        second.vaddr = page_end + 1;
        second.cycle = resp[0].done_cycle;
        m->watch_lo = req->vaddr & ~page_mask;
        m->watch_hi = page_end;
        m->watch_hit = 0;
        /* (virtualization: paddr is host-physical; the watch alone keeps the first page valid) */
        if (m->os && !m->virt)
            mmu_os_hold(m->os, resp[0].paddr);
        e = mmu_translate(m, &second, &resp[1]);
        if (m->os && !m->virt)
            mmu_os_release(m->os);
        m->watch_lo = 1;
        m->watch_hi = 0;
        if (e != MMU_OK || !m->watch_hit || round == CROSSING_ROUNDS)
            return 2;
        /* the first page changed under the second's fault: translate it again */
        mmu_request first = *req;
        first.cycle = resp[1].done_cycle;
        unsigned faults = resp[0].page_faults;
        e = mmu_translate(m, &first, &resp[0]);
        uint64_t lat = resp[0].done_cycle - req->cycle; /* the first page's row covers every round */
        resp[0].latency = lat > UINT32_MAX ? UINT32_MAX : (uint32_t)lat;
        faults += resp[0].page_faults;
        resp[0].page_faults = (uint8_t)(faults > 255 ? 255 : faults);
        if (e != MMU_OK)
            return 1;
    }
}


void mmu_invalidate(mmu *m, mmu_inval_kind kind, uint64_t vaddr, uint16_t asid)
{
    m->watch_hit |= m->watch_lo <= m->watch_hi; /* any kind may cover the watched page */
    for (uint32_t i = 0; i < m->n_tlbs; i++)
        (void)mmu_tlb_invalidate(m->tlb[i], kind, vaddr, asid);
    if (m->pwc)
        (void)mmu_pwc_invalidate(m->pwc, kind, vaddr, asid);
}

void mmu_invalidate_range(mmu *m, uint64_t vaddr, uint64_t bytes, uint16_t asid)
{
    if (bytes && vaddr <= m->watch_hi && m->watch_lo <= vaddr + (bytes - 1))
        m->watch_hit = 1;
    for (uint32_t i = 0; i < m->n_tlbs; i++)
        (void)mmu_tlb_invalidate_range(m->tlb[i], vaddr, bytes, asid);
    if (m->pwc)
        (void)mmu_pwc_invalidate(m->pwc, MMU_INVAL_ADDR_ASID, vaddr, asid);
}

void mmu_set_memory(mmu *m, const mmu_mem_port *port)
{
    m->mem = *port;
    port_select(m);
    if (m->virt)
        (void)mmusim_virt_set_memory(m->virt, 0, port);
}

/* ---- virtualization (virt.h) ---- */

#define VMID_MASK (~0u << TLB_VMID_SHIFT)

void mmusim_mmu_vm_invalidate(mmu *m, mmu_virt_inval kind, uint16_t vmid, uint16_t asid,
                              uint64_t addr, uint64_t bytes)
{
    uint32_t tag = asid | (uint32_t)vmid << TLB_VMID_SHIFT;
    uint32_t mask = VMID_MASK | 0xFFFFu;
    m->watch_hit |= m->watch_lo <= m->watch_hi;
    switch (kind) {
    case MMU_VINVAL_ALL:
        for (uint32_t i = 0; i < m->n_tlbs; i++)
            (void)mmu_tlb_invalidate(m->tlb[i], MMU_INVAL_ALL, 0, 0);
        if (m->pwc)
            (void)mmu_pwc_invalidate(m->pwc, MMU_INVAL_ALL, 0, 0);
        break;
    case MMU_VINVAL_VMID:
    case MMU_VINVAL_GPA: /* combined entries cannot be found by gPA: all of the VM's (INVEPT) */
        for (uint32_t i = 0; i < m->n_tlbs; i++)
            (void)tlb_invalidate_tag(m->tlb[i], tag, VMID_MASK, 0, 0);
        if (m->pwc)
            (void)mmusim_pwc_invalidate_tag(m->pwc, tag, VMID_MASK, 0, 0);
        break;
    case MMU_VINVAL_VMID_ASID:
        for (uint32_t i = 0; i < m->n_tlbs; i++)
            (void)tlb_invalidate_tag(m->tlb[i], tag, mask, 0, 0);
        if (m->pwc)
            (void)mmusim_pwc_invalidate_tag(m->pwc, tag, mask, 0, 0);
        break;
    case MMU_VINVAL_VMID_GVA:
        for (uint32_t i = 0; i < m->n_tlbs; i++)
            (void)tlb_invalidate_tag(m->tlb[i], tag, mask, addr, bytes ? bytes : 1);
        if (m->pwc)
            (void)mmusim_pwc_invalidate_tag(m->pwc, tag, mask, 1, addr);
        break;
    }
}

void mmu_virt_invalidate(mmu *m, mmu_virt_inval kind, uint16_t vmid, uint16_t asid, uint64_t addr)
{
    mmusim_mmu_vm_invalidate(m, kind, vmid, asid, addr, 0);
    if (m->virt)
        mmusim_virt_invalidate(m->virt, kind, vmid, addr);
}

mmu_err mmu_set_vm_memory(mmu *m, uint16_t vmid, const mmu_mem_port *port)
{
    if (!m->virt)
        return MMU_EINVAL;
    if (vmid == 0 && port)
        m->mem = *port;
    return mmusim_virt_set_memory(m->virt, vmid, port);
}

mmu_err mmu_set_vm_root(mmu *m, uint16_t vmid, uint16_t asid, uint64_t root)
{
    if (!m->virt)
        return MMU_EINVAL;
    return mmusim_virt_set_root(m->virt, vmid, asid, root);
}

const mmu_virt_stats *mmu_get_virt_stats(const mmu *m)
{
    return m->virt ? mmusim_virt_stats(m->virt) : NULL;
}

mmu_os *mmu_get_host_os(const mmu *m)
{
    return m->virt ? mmusim_virt_host_os(m->virt) : NULL;
}

mmu_os *mmu_get_guest_os(const mmu *m, uint16_t vmid)
{
    return m->virt ? mmusim_virt_guest_os(m->virt, vmid) : (vmid == 0 ? m->os : NULL);
}

const mmu_pwc *mmu_get_host_pwc(const mmu *m)
{
    return m->virt ? mmusim_virt_host_pwc(m->virt) : NULL;
}

const mmu_tlb *mmu_get_nested_tlb(const mmu *m)
{
    return m->virt ? mmusim_virt_ntlb(m->virt) : NULL;
}

mmu_err mmu_set_root(mmu *m, uint16_t asid, uint64_t root)
{
    if (m->virt)
        return mmusim_virt_set_root(m->virt, 0, asid, root);
    if (!m->roots) {
        m->roots = calloc(UINT32_C(1) << 16, sizeof *m->roots);
        if (!m->roots)
            return MMU_ENOMEM;
    }
    /* a new root: what was cached for this ASID is stale */
    if (m->roots[asid] && m->roots[asid] != root + 1)
        mmu_invalidate(m, MMU_INVAL_ASID, 0, asid);
    m->roots[asid] = root + 1;
    return MMU_OK;
}

void mmu_set_fault_handler(mmu *m, const mmu_fault_handler *h)
{
    if (h)
        m->handler = *h;
    else
        memset(&m->handler, 0, sizeof m->handler);
}

const mmu_pt_format *mmu_get_format(const mmu *m)
{
    return m->fmt;
}

const mmu_pwc *mmu_get_pwc(const mmu *m)
{
    return m->pwc;
}

const mmu_ptemem *mmu_get_ptemem(const mmu *m)
{
    return m->ptemem;
}

const mmu_walkers *mmu_get_walkers(const mmu *m)
{
    return m->walkers;
}

const mmu_stats *mmu_get_stats(const mmu *m)
{
    fold_l1(m);
    return &m->stats;
}

void mmu_clear_stats(mmu *m)
{
    uint32_t n = m->stats.n_levels;
    memset(&m->stats, 0, sizeof m->stats);
    memset(m->lat, 0, sizeof m->lat);
    memset(m->l1_pending, 0, sizeof m->l1_pending);
    memset(m->l1_pend, 0, sizeof m->l1_pend);
    memset(m->miss_pend, 0, sizeof m->miss_pend);
    m->stats.n_levels = n;
    if (m->pwc)
        mmu_pwc_clear_stats(m->pwc);
    if (m->ptemem)
        mmu_ptemem_clear_stats(m->ptemem);
    if (m->walkers)
        mmu_walkers_clear_stats(m->walkers);
    if (m->virt)
        mmusim_virt_clear_stats(m->virt);
    for (uint32_t i = 0; i < m->n_tlbs; i++)
        mmu_tlb_clear_stats(m->tlb[i]);
}

const char *mmu_lat_class_name(mmu_lat_class c)
{
    static const char *const names[MMU_LAT_CLASSES] = {"all", "l1_hit", "l2_hit", "l3_hit",
                                                       "l4_hit", "walk", "fault"};
    return (unsigned)c < MMU_LAT_CLASSES ? names[c] : "?";
}

/*
 * Add the level-1 hits the filter served to the counters and the latency
 * histogram: n hits of type t count as n calls of record() with the side's
 * level-1 latency and n level-1 lookups that hit.  The sums are the same
 * in any order, so the figures are exact whenever they are asked for.
 */
static void fold_l1(const mmu *cm)
{
    mmu *m = (mmu *)cm; /* formed when asked for, as MMU_LAT_ALL is */
    /* the filter's hits by level-1 outcome: each array's hit or elsewhere count */
    for (int s = SIDE_I; s <= SIDE_D; s++) {
        const level *lv = &m->lv[s][0];
        if (lv->n > HF_ARRAYS)
            continue; /* (no rows: the side records nothing) */
        for (uint32_t hm = 1; hm < (1u << lv->n); hm++) {
            for (unsigned t = 0; t < MMU_ACCESS_TYPES; t++) {
                const uint64_t n = m->l1_pend[s][hm][t];
                if (n == 0)
                    continue;
                for (uint32_t k = 0; k < lv->n; k++) {
                    mmu_tlb *tl = m->tlb[lv->idx[k]];
                    if ((hm >> k) & 1)
                        tl->stats.hits[t] += n;
                    else
                        tl->stats.elsewhere[t] += n;
                }
                m->l1_pending[t] += n;
                m->l1_pend[s][hm][t] = 0;
            }
        }
    }
    /* the lookups that missed every level of their side */
    for (int s = SIDE_I; s <= SIDE_D; s++) {
        for (unsigned t = 0; t < MMU_ACCESS_TYPES; t++) {
            const uint64_t n = m->miss_pend[s][t];
            if (n == 0)
                continue;
            for (uint32_t l = 0; l < m->n_levels[s]; l++) {
                const level *lv = &m->lv[s][l];
                for (uint32_t k = 0; k < lv->n; k++)
                    m->tlb[lv->idx[k]]->stats.misses[t] += n;
                m->stats.level[l].lookups += n;
                m->stats.level[l].misses += n;
            }
            m->miss_pend[s][t] = 0;
        }
    }
    mmu_hist *h = &m->lat[MMU_LAT_L1];
    for (unsigned t = 0; t < MMU_ACCESS_TYPES; t++) {
        const uint64_t n = m->l1_pending[t];
        if (n == 0)
            continue;
        const uint64_t v = m->lv[t == MMU_FETCH ? SIDE_I : SIDE_D][0].latency;
        /* mmu_hist_add(h, v) n times */
        h->bucket[mmu_hist_index(v)] += n;
        if (h->count == 0 || v < h->min)
            h->min = v;
        if (v > h->max)
            h->max = v;
        h->count += n;
        h->sum += n * v;
        m->stats.by_type[t] += n;
        m->stats.level[0].lookups += n;
        m->stats.level[0].hits += n;
        m->l1_pending[t] = 0;
    }
    /* every request is recorded in one latency class: the requests and their latencies' sum */
    m->stats.requests = 0;
    m->stats.latency_sum = 0;
    for (int k = MMU_LAT_ALL + 1; k < MMU_LAT_CLASSES; k++) {
        m->stats.requests += m->lat[k].count;
        m->stats.latency_sum += m->lat[k].sum;
    }
}

/* A TLB array's counters are asked for: the filter's hits first. */
static void tlb_sync(void *ctx)
{
    fold_l1(ctx);
}

const mmu_hist *mmu_get_latency(const mmu *m, mmu_lat_class c)
{
    if ((unsigned)c >= MMU_LAT_CLASSES)
        c = MMU_LAT_ALL;
    fold_l1(m);
    if (c == MMU_LAT_ALL) {
        /* formed on demand: the per-access path adds to one class only */
        mmu_hist *all = (mmu_hist *)&m->lat[MMU_LAT_ALL];
        mmu_hist_clear(all);
        for (int k = MMU_LAT_ALL + 1; k < MMU_LAT_CLASSES; k++)
            mmu_hist_merge(all, &m->lat[k]);
    }
    return &m->lat[c];
}

uint32_t mmu_tlb_count(const mmu *m)
{
    return m->n_tlbs;
}

const mmu_tlb *mmu_get_tlb(const mmu *m, uint32_t index)
{
    return index < m->n_tlbs ? m->tlb[index] : NULL;
}

/* ---- the OS model behind the MMU ---- */

static int os_root(void *ctx, uint16_t asid, uint64_t *root)
{
    mmu *m = ctx;
    uint64_t r = mmu_os_root(m->os, asid);
    if (r == MMU_OS_NO_ROOT) {
        if (m->os_err == MMU_OK)
            m->os_err = MMU_EFULL;
        return 0;
    }
    *root = r;
    return 1;
}

static int os_fault(void *ctx, const mmu_request *req, const mmu_walk_result *w, uint64_t *cycles)
{
    mmu *m = ctx;
    mmu_os_fault_result r;
    mmu_os *os = m->virt ? mmusim_virt_guest_os(m->virt, req->vmid) : m->os;
    if (!os)
        return 0;
    mmu_err e = mmu_os_handle_fault(os, req->asid, req->vaddr, (mmu_access_type)req->type,
                                    (mmu_priv)req->priv, w, &r);
    if (e != MMU_OK) {
        if (m->os_err == MMU_OK)
            m->os_err = e;
        return 0;
    }
    if (r.kind == MMU_OS_FAULT_PROTECTION)
        return 0;
    *cycles = r.lat.total;
    return 1;
}

static void os_shootdown(void *ctx, uint16_t asid, uint64_t vaddr, mmu_page_size size)
{
    /* the whole page: a huge page may be held as smaller entries (splintered) */
    mmu_invalidate_range(ctx, vaddr, UINT64_C(1) << tlb_page_shift(size), asid);
}

static void detach_os(mmu *m)
{
    if (!m->os)
        return;
    (void)mmu_os_remove_shootdown_target(m->os, os_shootdown, m);
    m->os = NULL;
    if (m->virt) { /* VM 0 loses its guest OS and memory too */
        mmusim_virt_set_guest_os(m->virt, NULL);
        (void)mmusim_virt_set_memory(m->virt, 0, NULL);
    }
    mmu_set_fault_handler(m, NULL);
    memset(&m->mem, 0, sizeof m->mem);
    port_select(m);
}

mmu_err mmu_attach_os(mmu *m, mmu_os *os)
{
    detach_os(m);
    if (!os)
        return MMU_OK;
    if (!m->radix || mmu_os_format(os) != m->fmt)
        return MMU_EINVAL;
    mmu_err e = mmu_os_add_shootdown_target(os, os_shootdown, m);
    if (e != MMU_OK)
        return e;
    m->os = os;
    m->os_err = MMU_OK;
    if (m->virt)
        mmusim_virt_set_guest_os(m->virt, os);
    mmu_set_memory(m, mmu_os_port(os));
    mmu_fault_handler h = {m, os_root, os_fault};
    mmu_set_fault_handler(m, &h);
    return MMU_OK;
}

mmu_os *mmu_get_os(const mmu *m)
{
    return m->os;
}

mmu_err mmu_os_error(const mmu *m)
{
    return m->os_err;
}

mmu_err mmu_os_create_from_config(const mmu_config *cfg, mmu_os **out, char *msg, size_t msglen)
{
    mmu_os_config oc = cfg->os;
    oc.clock_mhz = cfg->clock_mhz;
    oc.seed = cfg->seed;
    const mmu_pt_format *fmt = mmu_pt_format_find(cfg->walker.format);
    if (!fmt) {
        if (msg && msglen)
            snprintf(msg, msglen, "walker.format: unknown format '%s'", cfg->walker.format);
        return MMU_ECONFIG;
    }
    mmu_err e = mmu_os_config_check(&oc, fmt, msg, msglen);
    if (e != MMU_OK)
        return e;
    e = mmu_os_create(&oc, fmt, out);
    if (e != MMU_OK && msg && msglen)
        snprintf(msg, msglen, "os: %s", mmu_strerror(e));
    return e;
}

/* ---- the repeat path of co-simulation front ends (mmu.h, docs/qemu.md "Performance") ---- */

void mmu_get_repeat_info(const mmu *m, mmu_repeat_info *out)
{
    memset(out, 0, sizeof *out);
    out->tlb_changes = &m->tlb_changes;
    out->data_through_caches = m->data_through_caches;
    out->l1_latency[0] = m->lv[SIDE_I][0].latency;
    out->l1_latency[1] = m->lv[SIDE_D][0].latency;
}

/* The words (*order & 15) of mmu_repeat_slot for a policy whose repeated hits change nothing
   while the set's change counter stays: always the way. */
static const uint64_t way_word[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* The recency fields of mmu_repeat_slot, from a slot's watch. */
static inline void repeat_recency(mmu_repeat_slot *slot, const hit_watch *w)
{
    mmu_tlb *t = w->t[w->hj];
    slot->tlb = t;
    slot->set = w->hset;
    slot->way = w->hway;
    slot->ordered = t->order && t->hit_changes;
    slot->order = slot->ordered ? &t->repl.order[w->hset] : &way_word[w->hway & 15];
    slot->gen = &t->sgen[w->hset];
}

/* mmu_repeat_ok: the filter's slot that answers req for every type of `types`, or NULL. */
static inline __attribute__((always_inline)) const hit_filter *repeat_slot(mmu *m, const mmu_request *req,
                                                                          unsigned types, mmu_repeat_slot *slot,
                                                                          int *side)
{
    const unsigned t = req->type < MMU_ACCESS_TYPES ? req->type : MMU_READ;
    const int s = t == MMU_FETCH ? SIDE_I : SIDE_D;
    types |= 1u << t;
    const unsigned fs = m->filt_shift[s];
    const uint64_t vpn = req->vaddr >> fs;
    slot->index = filter_index(vpn);
    slot->shift = fs;
    *side = s;
    const uint64_t last = req->vaddr + ((req->size ? req->size : 1) - 1);
    /* mmu_access's test (within the slot's page, filter_find), for every type of the mask */
    const hit_filter *f = m->filt_on[s] && (last >> fs) == vpn ? filter_find(m, s, req, t) : NULL;
    if (!f || (f->allow & types) != types)
        return NULL;
    slot->pend = &m->l1_pend[0][0][0] + f->pend; /* filter_hit's counters, by type */
    repeat_recency(slot, &m->watch[s][slot->index]);
    return f;
}

int mmu_repeat_ok(mmu *m, const mmu_request *req, unsigned types, mmu_repeat_slot *slot)
{
    int s;
    return repeat_slot(m, req, types, slot, &s) != NULL;
}

unsigned mmu_repeat_watch(mmu *m, const mmu_request *req, unsigned types, mmu_repeat_slot *slot,
                          const uint64_t **gens, uint64_t *seen, unsigned max)
{
    int s;
    if (!repeat_slot(m, req, types, slot, &s))
        return 0;
    /* the slot answers: its watch holds the sets of this page's lookup (filter_record) */
    const hit_watch *w = &m->watch[s][slot->index];
    const unsigned n = w->n;
    if (n > max)
        return 0;
    for (unsigned j = 0; j < n; j++) {
        gens[j] = w->gen[j];
        seen[j] = *w->gen[j];
    }
    return n;
}

unsigned mmu_repeat_hit(mmu *m, const mmu_request *req, unsigned types, mmu_repeat_slot *slot,
                        const uint64_t **gens, uint64_t *seen, unsigned max, uint64_t *paddr)
{
    /* mmu_access's first test, for every type of the mask, and its stale slot's (access_stale) */
    const unsigned t = req->type < MMU_ACCESS_TYPES ? req->type : MMU_READ;
    const int s = t == MMU_FETCH ? SIDE_I : SIDE_D;
    types |= 1u << t;
    const unsigned fs = m->filt_shift[s];
    const uint64_t vpn = req->vaddr >> fs;
    const uint32_t idx = filter_index(vpn);
    hit_filter *f = &m->filt[s][idx];
    hit_watch *w = &m->watch[s][idx];
    const uint64_t last = req->vaddr + ((req->size ? req->size : 1) - 1);
    slot->index = idx;
    slot->shift = fs;
    if (!m->filt_on[s] || ((f->vpn ^ vpn) | ((last >> fs) ^ vpn) | (f->key ^ filter_key(m, req))) != 0 ||
        (f->allow & types) != types || req->cycle < m->busy_until || w->n > max)
        return 0;
    if (f->seen_changes != m->tlb_changes) {
        for (unsigned j = 0; j < w->n; j++) {
            if (*w->gen[j] != w->seen[j]) {
                if (!filter_rehit(f, w))
                    return 0; /* (nothing changed: mmu_access makes the full lookup) */
                break;
            }
        }
        f->seen_changes = m->tlb_changes;
    }
    slot->pend = &m->l1_pend[0][0][0] + f->pend;
    repeat_recency(slot, w);
    for (unsigned j = 0; j < w->n; j++) {
        gens[j] = w->gen[j];
        seen[j] = w->seen[j];
    }
    *paddr = f->pbase | (req->vaddr & f->pmask);
    return w->n;
}

const uint64_t *mmu_repeat_touch(mmu *m, const mmu_repeat_slot *slot)
{
    (void)m;
    mmu_tlb *t = slot->tlb;
    /* tlb_hit_update of an LRU array with recency orders */
    if (t->order && t->hit_changes && !repl_order_is_newest(&t->repl, slot->set, slot->way)) {
        tlb_set_changed(t, slot->set);
        repl_order_touch(&t->repl, slot->set, slot->way);
    }
    return &t->sgen[slot->set];
}

void mmu_access_repeat(const mmu_repeat_slot *slot, unsigned type, uint64_t n)
{
    slot->pend[type] += n; /* as n filter_hit calls: folded into every counter when asked for (fold_l1) */
}

void mmu_access_data(mmu *m, uint64_t paddr, int is_write)
{
    /* the line the first cache level served last: counted inline, as mmu_access does */
    if (m->data_through_caches && !mmu_ptemem_data_repeat(m->data_rep, paddr, is_write))
        (void)mmu_ptemem_access(m->ptemem, paddr, is_write, MMU_PTEMEM_SRC_DATA, NULL);
}

void mmu_get_data_repeat(mmu *m, mmu_data_repeat *out)
{
    static const uint64_t no_line = UINT64_MAX;
    memset(out, 0, sizeof *out);
    out->line = &no_line;
    out->line_shift = 63; /* paddr >> 63 is never UINT64_MAX */
    if (m->data_through_caches && m->data_rep) {
        out->line = &m->data_rep->line;
        out->line_shift = m->data_rep->line_shift;
        out->reads = &m->data_rep->reads;
        out->writes = &m->data_rep->writes;
    }
}
