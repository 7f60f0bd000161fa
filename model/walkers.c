/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * walkers.c - timing of the page-walker pool (see mmusim/walkers.h and
 * docs/timing.md).
 *
 * State: for each walker the cycle from which it is free, and a small table
 * of walks in flight (key, start, done, walker) used to merge requests for
 * the same page.  The table is a dense array: entries that completed before
 * the current issue cycle are retired on every begin (each moving the last
 * entry into its place, in increasing order of place), and a full table
 * drops the entry that completes first (the lowest place among equals).  Its
 * capacity is fixed at creation.
 *
 * Two indexes make a lookup O(1) and keep every rule picking the entry a
 * scan of the table would pick: an open-addressing hash from key to place
 * (a lookup takes the lowest matching place), and an order queue, a ring of
 * the places sorted by (done, place), whose front gives the entries to
 * retire and the one to drop.  Walks end nearly in the order they are
 * entered, so keeping the ring sorted costs a step or two per walk (a
 * pending walk's done moving later may cost more; those are rare).
 * Retiring replays the scan's moves over the sorted places of the retired
 * entries only, so the array ends up exactly as the scan would leave it.
 */
#include "mmusim/walkers.h"
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct wk_walk {
    uint64_t key;
    uint64_t start;
    uint64_t done;
    uint32_t walker;
} wk_walk;

#define WK_NONE UINT32_MAX

/* A node of the order queue: an entry's place and a copy of its done cycle. */
typedef struct wk_node {
    uint64_t done;
    uint32_t place;
} wk_node;

struct mmu_walkers {
    mmu_walkers_config cfg;
    uint64_t free_at[MMU_WALKERS_MAX];
    wk_walk *inflight; /* cfg.max_inflight entries, n_inflight used */
    uint32_t n_inflight;
    /* the indexes of inflight (see the top of the file) */
    uint32_t *slot;    /* hash: place + 1; 0: empty; hash_mask + 1 slots */
    uint32_t hash_mask;
    wk_node *q;        /* the order queue: a ring sorted by (done, place) */
    uint32_t q_mask;   /* ring size - 1 (a power of two >= max_inflight) */
    uint32_t q_head, q_n;
    uint32_t *qpos;    /* per place: its index in q, or WK_NONE */
    uint32_t *scratch; /* places retired by one begin */
    /* the grant of the last begin, until end or cancel */
    int open;
    wk_walk grant;
    uint64_t grant_issue;
    /* high-water mark of issue cycles, to count late issues */
    uint64_t max_issue;
    int seen_issue;
    int stats_started; /* first_issue is meaningful */
    mmu_walkers_stats stats;
};

#define cfg_fail(msg, msglen, ...) model_msg(MMU_ECONFIG, msg, msglen, __VA_ARGS__)

void mmu_walkers_config_defaults(mmu_walkers_config *cfg)
{
    if (cfg == NULL)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->count = 2;
    cfg->max_inflight = 256;
    cfg->merge = 1;
}

mmu_err mmu_walkers_config_check(const mmu_walkers_config *cfg, char *msg, size_t msglen)
{
    if (msg != NULL && msglen > 0)
        msg[0] = 0;
    if (cfg == NULL)
        return cfg_fail(msg, msglen, "walkers: no configuration");
    if (cfg->count == 0)
        return cfg_fail(msg, msglen, "walkers.count (0) must be at least 1");
    if (cfg->count > MMU_WALKERS_MAX)
        return cfg_fail(msg, msglen, "walkers.count (%u) must be at most %u",
                        (unsigned)cfg->count, (unsigned)MMU_WALKERS_MAX);
    if (cfg->max_inflight < cfg->count)
        return cfg_fail(msg, msglen,
                        "walkers.max_inflight (%u) must be at least walkers.count (%u)",
                        (unsigned)cfg->max_inflight, (unsigned)cfg->count);
    if (cfg->max_inflight > MMU_WALKERS_MAX_INFLIGHT)
        return cfg_fail(msg, msglen, "walkers.max_inflight (%u) must be at most %u",
                        (unsigned)cfg->max_inflight, (unsigned)MMU_WALKERS_MAX_INFLIGHT);
    if (cfg->merge > 1)
        return cfg_fail(msg, msglen, "walkers.merge (%u) must be 0 or 1", (unsigned)cfg->merge);
    return MMU_OK;
}

mmu_err mmu_walkers_create(const mmu_walkers_config *cfg, mmu_walkers **out)
{
    if (cfg == NULL || out == NULL)
        return MMU_EINVAL;
    *out = NULL;
    if (mmu_walkers_config_check(cfg, NULL, 0) != MMU_OK)
        return MMU_ECONFIG;
    mmu_walkers *p = calloc(1, sizeof *p);
    if (p == NULL)
        return MMU_ENOMEM;
    uint32_t slots = 4;
    while (slots < 2 * cfg->max_inflight)
        slots *= 2;
    p->inflight = calloc(cfg->max_inflight, sizeof *p->inflight);
    p->slot = calloc(slots, sizeof *p->slot);
    uint32_t ring = 1;
    while (ring < cfg->max_inflight)
        ring *= 2;
    p->q = calloc(ring, sizeof *p->q);
    p->qpos = calloc(cfg->max_inflight, sizeof *p->qpos);
    p->scratch = calloc(cfg->max_inflight, sizeof *p->scratch);
    if (p->inflight == NULL || p->slot == NULL || p->q == NULL || p->qpos == NULL ||
        p->scratch == NULL) {
        mmu_walkers_destroy(p);
        return MMU_ENOMEM;
    }
    p->hash_mask = slots - 1;
    p->q_mask = ring - 1;
    p->cfg = *cfg;
    *out = p;
    return MMU_OK;
}

void mmu_walkers_destroy(mmu_walkers *p)
{
    if (p == NULL)
        return;
    free(p->inflight);
    free(p->slot);
    free(p->q);
    free(p->qpos);
    free(p->scratch);
    free(p);
}

const mmu_walkers_config *mmu_walkers_get_config(const mmu_walkers *p)
{
    return &p->cfg;
}

static void note_cycles(mmu_walkers *p, uint64_t issue, uint64_t done)
{
    if (!p->stats_started || issue < p->stats.first_issue)
        p->stats.first_issue = issue;
    p->stats_started = 1;
    if (done > p->stats.last_done)
        p->stats.last_done = done;
}

/* ---- the in-flight table and its indexes ---- */

static uint32_t hash_home(const mmu_walkers *p, uint64_t key)
{
    uint64_t h = key * UINT64_C(0x9E3779B97F4A7C15);
    return (uint32_t)(h >> 32) & p->hash_mask;
}

static void hash_add(mmu_walkers *p, uint32_t place)
{
    uint32_t i = hash_home(p, p->inflight[place].key);
    while (p->slot[i] != 0)
        i = (i + 1) & p->hash_mask;
    p->slot[i] = place + 1;
}

/* The slot holding place (whose entry has key key). */
static uint32_t hash_slot(const mmu_walkers *p, uint64_t key, uint32_t place)
{
    uint32_t i = hash_home(p, key);
    while (p->slot[i] != place + 1)
        i = (i + 1) & p->hash_mask;
    return i;
}

/* Remove the slot of place (backward-shift deletion). */
static void hash_del(mmu_walkers *p, uint64_t key, uint32_t place)
{
    uint32_t hole = hash_slot(p, key, place);
    for (uint32_t j = (hole + 1) & p->hash_mask; p->slot[j] != 0; j = (j + 1) & p->hash_mask) {
        uint32_t home = hash_home(p, p->inflight[p->slot[j] - 1].key);
        /* j may move to hole unless its home lies cyclically in (hole, j] */
        int stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            p->slot[hole] = p->slot[j];
            hole = j;
        }
    }
    p->slot[hole] = 0;
}

/* The lowest place whose entry has key and done >= cycle (any done when
   any_done), as a scan in place order would find; WK_NONE if none. */
static uint32_t hash_find(const mmu_walkers *p, uint64_t key, uint64_t cycle, int any_done)
{
    uint32_t best = WK_NONE;
    for (uint32_t i = hash_home(p, key); p->slot[i] != 0; i = (i + 1) & p->hash_mask) {
        uint32_t pl = p->slot[i] - 1;
        const wk_walk *w = &p->inflight[pl];
        if (w->key == key && (any_done || w->done >= cycle) && pl < best)
            best = pl;
    }
    return best;
}

static int node_less(wk_node a, wk_node b)
{
    return a.done < b.done || (a.done == b.done && a.place < b.place);
}

static void q_set(mmu_walkers *p, uint32_t i, wk_node x)
{
    p->q[i] = x;
    p->qpos[x.place] = i;
}

/* Move the node at ring index i towards the front (its key became smaller)
   or the back (larger) until the queue is sorted again. */
static void q_earlier(mmu_walkers *p, uint32_t i)
{
    wk_node x = p->q[i];
    while (i != p->q_head) {
        uint32_t j = (i - 1) & p->q_mask;
        if (!node_less(x, p->q[j]))
            break;
        q_set(p, i, p->q[j]);
        i = j;
    }
    q_set(p, i, x);
}

static void q_later(mmu_walkers *p, uint32_t i)
{
    wk_node x = p->q[i];
    uint32_t back = (p->q_head + p->q_n - 1) & p->q_mask;
    while (i != back) {
        uint32_t j = (i + 1) & p->q_mask;
        if (!node_less(p->q[j], x))
            break;
        q_set(p, i, p->q[j]);
        i = j;
    }
    q_set(p, i, x);
}

static void q_push(mmu_walkers *p, uint64_t done, uint32_t place)
{
    uint32_t i = (p->q_head + p->q_n++) & p->q_mask;
    q_set(p, i, (wk_node){ done, place });
    q_earlier(p, i); /* walks end nearly in order: a step or two at most */
}

/* Take the front node (the earliest done) out; returns its place. */
static uint32_t q_pop(mmu_walkers *p)
{
    uint32_t pl = p->q[p->q_head].place;
    p->qpos[pl] = WK_NONE;
    p->q_head = (p->q_head + 1) & p->q_mask;
    p->q_n--;
    return pl;
}

/* Remove the entry at place: the last entry moves into its place.  Its
   queue node (if any) must be gone already. */
static void table_remove(mmu_walkers *p, uint32_t place)
{
    hash_del(p, p->inflight[place].key, place);
    uint32_t last = --p->n_inflight;
    if (last == place)
        return;
    p->slot[hash_slot(p, p->inflight[last].key, last)] = place + 1;
    p->inflight[place] = p->inflight[last];
    uint32_t h = p->qpos[last];
    p->qpos[place] = h;
    if (h != WK_NONE) {
        p->q[h].place = place;
        q_earlier(p, h); /* its place became smaller */
    }
}

static void sort_places(uint32_t *v, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t x = v[i], j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Retire the entries with done < cycle.  A scan of the places in order,
   moving the last entry into each retired one's place and looking at that
   place again, would visit only the retired places: replay it over them. */
static void retire_before(mmu_walkers *p, uint64_t cycle)
{
    uint32_t k = 0;
    while (p->q_n > 0 && p->q[p->q_head].done < cycle)
        p->scratch[k++] = q_pop(p);
    if (k == 0)
        return;
    sort_places(p->scratch, k);
    for (uint32_t j = 0; j < k; j++) {
        uint32_t pl = p->scratch[j];
        if (pl >= p->n_inflight)
            break;
        while (pl < p->n_inflight && p->inflight[pl].done < cycle)
            table_remove(p, pl);
    }
}

static const wk_walk *find_walk(const mmu_walkers *p, uint64_t key, uint64_t cycle)
{
    uint32_t pl = hash_find(p, key, cycle, 0);
    return pl == WK_NONE ? NULL : &p->inflight[pl];
}

static uint32_t choose_walker(const mmu_walkers *p, uint64_t issue)
{
    uint32_t best_free = UINT32_MAX; /* free at issue, latest free_at */
    uint32_t first_busy = 0;         /* busy at issue, earliest free_at */
    for (uint32_t w = 0; w < p->cfg.count; w++) {
        uint64_t f = p->free_at[w];
        if (f <= issue) {
            if (best_free == UINT32_MAX || f > p->free_at[best_free])
                best_free = w;
        } else if (f < p->free_at[first_busy] || p->free_at[first_busy] <= issue) {
            first_busy = w;
        }
    }
    return best_free != UINT32_MAX ? best_free : first_busy;
}

mmu_err mmu_walkers_begin(mmu_walkers *p, uint64_t issue_cycle, uint64_t key,
                          mmu_walk_grant *out)
{
    if (p == NULL || out == NULL || p->open)
        return MMU_EINVAL;

    if (p->seen_issue && issue_cycle < p->max_issue)
        p->stats.late_issues++;
    if (!p->seen_issue || issue_cycle > p->max_issue)
        p->max_issue = issue_cycle;
    p->seen_issue = 1;

    retire_before(p, issue_cycle);
    if (p->cfg.merge) {
        const wk_walk *w = find_walk(p, key, issue_cycle);
        if (w != NULL) {
            out->start_cycle = w->start;
            out->done_cycle = w->done;
            out->queue_cycles = 0;
            out->walker = w->walker;
            out->merged = 1;
            p->stats.merged++;
            p->stats.merged_wait_cycles += w->done - issue_cycle;
            note_cycles(p, issue_cycle, w->done);
            return MMU_OK;
        }
    }

    uint32_t w = choose_walker(p, issue_cycle);
    uint64_t start = p->free_at[w] > issue_cycle ? p->free_at[w] : issue_cycle;
    p->open = 1;
    p->grant = (wk_walk){ key, start, 0, w };
    p->grant_issue = issue_cycle;
    out->start_cycle = start;
    out->done_cycle = 0;
    out->queue_cycles = start - issue_cycle;
    out->walker = w;
    out->merged = 0;
    return MMU_OK;
}

/* Enter a walk in the in-flight table; a full table drops the walk that completes first. */
static void inflight_add(mmu_walkers *p, const wk_walk *walk)
{
    if (p->n_inflight == p->cfg.max_inflight) {
        uint32_t first = q_pop(p); /* the earliest done, the lowest place among equals */
        table_remove(p, first);
        p->stats.inflight_overflows++;
    }
    uint32_t pl = p->n_inflight++;
    p->inflight[pl] = *walk;
    hash_add(p, pl);
    q_push(p, walk->done, pl);
}

mmu_err mmu_walkers_end(mmu_walkers *p, uint64_t key, uint64_t start_cycle, uint64_t duration,
                        uint64_t *done_cycle)
{
    if (p == NULL || !p->open || key != p->grant.key || start_cycle != p->grant.start)
        return MMU_EINVAL;
    if (duration > UINT64_MAX - start_cycle)
        return MMU_ERANGE;

    wk_walk walk = p->grant;
    walk.done = start_cycle + duration;
    p->open = 0;
    p->free_at[walk.walker] = walk.done;

    uint64_t queued = walk.start - p->grant_issue;
    p->stats.walks++;
    p->stats.walk_cycles += duration;
    p->stats.queue_cycles += queued;
    if (queued > 0)
        p->stats.queued_walks++;
    if (queued > p->stats.max_queue_delay)
        p->stats.max_queue_delay = queued;
    p->stats.walker_walks[walk.walker]++;
    p->stats.busy_cycles[walk.walker] += duration;
    note_cycles(p, p->grant_issue, walk.done);

    if (p->cfg.merge)
        inflight_add(p, &walk);
    if (done_cycle != NULL)
        *done_cycle = walk.done;
    return MMU_OK;
}

void mmu_walkers_pending(mmu_walkers *p, uint64_t key, uint64_t done_cycle)
{
    if (p == NULL || !p->cfg.merge)
        return;
    uint32_t pl = hash_find(p, key, 0, 1);
    if (pl != WK_NONE) {
        if (done_cycle > p->inflight[pl].done) {
            p->inflight[pl].done = done_cycle;
            p->q[p->qpos[pl]].done = done_cycle;
            q_later(p, p->qpos[pl]);
        }
        return;
    }
    wk_walk walk = {key, done_cycle, done_cycle, UINT32_MAX};
    inflight_add(p, &walk);
}

void mmu_walkers_cancel(mmu_walkers *p)
{
    if (p != NULL)
        p->open = 0;
}

int mmu_walkers_inflight(const mmu_walkers *p, uint64_t cycle, uint64_t key,
                         uint64_t *done_cycle)
{
    const wk_walk *w = find_walk(p, key, cycle);
    if (w == NULL)
        return 0;
    if (done_cycle != NULL)
        *done_cycle = w->done;
    return 1;
}

uint64_t mmu_walkers_free_cycle(const mmu_walkers *p, uint32_t walker)
{
    return walker < p->cfg.count ? p->free_at[walker] : 0;
}

void mmu_walkers_reset(mmu_walkers *p)
{
    memset(p->free_at, 0, sizeof p->free_at);
    p->n_inflight = 0;
    p->q_head = p->q_n = 0;
    memset(p->slot, 0, ((size_t)p->hash_mask + 1) * sizeof *p->slot);
    p->open = 0;
    p->max_issue = 0;
    p->seen_issue = 0;
    mmu_walkers_clear_stats(p);
}

void mmu_walkers_clear_stats(mmu_walkers *p)
{
    memset(&p->stats, 0, sizeof p->stats);
    p->stats_started = 0;
}

void mmu_walkers_get_stats(const mmu_walkers *p, mmu_walkers_stats *out)
{
    *out = p->stats;
}
