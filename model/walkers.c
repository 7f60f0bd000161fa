/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * walkers.c - timing of the page-walker pool (see mmusim/walkers.h and
 * docs/timing.md).
 *
 * State: for each walker the cycle from which it is free, and a small table
 * of walks in flight (key, start, done, walker) used to merge requests for
 * the same page.  The rules are those of a dense array scanned in place
 * order: entries that completed before the current issue cycle are retired
 * on every begin (each moving the last entry into its place, in increasing
 * order of place), a lookup takes the lowest matching place, and a full
 * table drops the entry that completes first (the lowest place among
 * equals).  Its capacity is fixed at creation.
 *
 * The entries live in fixed slots (ids) that never move; each keeps its
 * place in the dense array as a number, and at[] maps places to ids (at[0,
 * n) the table, at[n, capacity) the free ids), so a move of the scan is
 * three stores and the other indexes never see it.  Places only decide
 * ties (two entries of one key, from a pending walk, or a full table
 * dropping among equal done cycles), but which entry is where depends on
 * every retirement before, so they are kept exact.  A hash from key to id
 * (chains through the entries) gives a lookup in O(1), and nearly always
 * an empty chain; an order queue, an array of ids sorted by done (ties in
 * any order) with sentinels at both ends, gives the entries to retire, and
 * the run of equal done at its front the one to drop (the lowest place).
 * Walks end nearly in the order they are entered, so keeping it sorted
 * costs a step or two per walk.  Retiring one entry (the common case, done
 * inside begin) moves the last entry into its place; retiring a few sorts
 * their places and replays the scan's moves over them; retiring many uses
 * what the scan amounts to (see retire_before), so the places end up
 * exactly as the scan would leave them.
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
    uint32_t next;   /* the next id of its hash chain, or WK_NONE */
    uint16_t place;  /* in the dense table (see the top of the file), < max_inflight */
    uint16_t walker; /* WK_NO_WALKER: a pending walk (walker UINT32_MAX) */
} wk_walk;         /* 32 bytes */

#define WK_NO_WALKER 0xFFFF

#define WK_NONE 0 /* no entry: ids are 1..max_inflight, e[0] a dummy */
#define WK_SMALL 8 /* retiring at most this many at once replays the scan directly */

/* A node of the order queue: an entry's id and a copy of its done cycle. */
typedef struct wk_node {
    uint64_t done;
    uint32_t id;
} wk_node;

struct mmu_walkers {
    /* what every begin and end reads first */
    uint64_t front_done; /* done of the queue's front node; UINT64_MAX when empty */
    uint64_t max_issue;  /* high-water mark of issue cycles, to count late issues (0 before any) */
    uint64_t first_issue; /* smallest issue counted (UINT64_MAX before any; stats.first_issue) */
    /* hash from key to id: link[c] the first id of chain c (linked through
       wk_walk.next), WK_NONE for none */
    uint32_t *link;
    uint32_t n_chains;   /* a power of two */
    uint32_t hash_shift; /* 64 - log2(n_chains) */
    int open;          /* a grant is open: the fields below until end or cancel */
    uint64_t grant_key, grant_start, grant_issue;
    uint32_t grant_walker;
    uint32_t count, max_inflight, merge; /* the configuration */
    /* the in-flight table (see the top of the file) */
    wk_walk *e;        /* max_inflight entries, by id */
    uint32_t *at;      /* by place: at[0, n_inflight) the table's ids, the rest free ids */
    uint32_t n_inflight;
    wk_node *q;        /* the order queue: q[q_lo, q_hi), sorted by done; sentinels:
                          q[q_lo - 1] with done 0, q[q_hi] with done UINT64_MAX */
    uint32_t q_lo, q_hi;
    uint32_t q_end;    /* 2 * max_inflight: q_hi there, slide the nodes down */
    uint32_t *scratch; /* places retired by one begin */
    uint64_t *bits;    /* by place: 1 for the places retired by one begin (then all 0) */
    uint64_t free_at[MMU_WALKERS_MAX];
    mmu_walkers_stats stats;
    mmu_walkers_config cfg;
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
    uint32_t chains = 4, shift = 62;
    while (chains < 2 * cfg->max_inflight) {
        chains *= 2;
        shift--;
    }
    p->e = calloc((size_t)cfg->max_inflight + 1, sizeof *p->e);
    p->at = calloc(cfg->max_inflight, sizeof *p->at);
    p->link = calloc(chains, sizeof *p->link);
    wk_node *q = calloc(2 * (size_t)cfg->max_inflight + 2, sizeof *p->q);
    p->q = q == NULL ? NULL : q + 1;
    p->scratch = calloc(cfg->max_inflight, sizeof *p->scratch);
    p->bits = calloc((cfg->max_inflight + 63) / 64, sizeof *p->bits);
    if (p->e == NULL || p->at == NULL || p->link == NULL || p->q == NULL || p->scratch == NULL ||
        p->bits == NULL) {
        mmu_walkers_destroy(p);
        return MMU_ENOMEM;
    }
    p->hash_shift = shift;
    p->n_chains = chains;
    p->q_end = 2 * cfg->max_inflight;
    p->cfg = *cfg;
    p->count = cfg->count;
    p->max_inflight = cfg->max_inflight;
    p->merge = cfg->merge;
    for (uint32_t i = 0; i < cfg->max_inflight; i++)
        p->at[i] = i + 1;
    mmu_walkers_reset(p);
    *out = p;
    return MMU_OK;
}

void mmu_walkers_destroy(mmu_walkers *p)
{
    if (p == NULL)
        return;
    free(p->e);
    free(p->at);
    free(p->link);
    if (p->q != NULL)
        free(p->q - 1);
    free(p->scratch);
    free(p->bits);
    free(p);
}

const mmu_walkers_config *mmu_walkers_get_config(const mmu_walkers *p)
{
    return &p->cfg;
}

static inline void note_cycles(mmu_walkers *p, uint64_t issue, uint64_t done)
{
    if (issue < p->first_issue)
        p->first_issue = issue;
    if (done > p->stats.last_done)
        p->stats.last_done = done;
}

/* ---- the in-flight table and its indexes ---- */

static inline uint32_t chain_of(const mmu_walkers *p, uint64_t key)
{
    return (uint32_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> p->hash_shift);
}

static inline void hash_link(mmu_walkers *p, uint32_t id, uint64_t key)
{
    uint32_t c = chain_of(p, key);
    p->e[id].next = p->link[c];
    p->link[c] = id;
}

/* Take id out of its hash chain. */
static inline void hash_unlink(mmu_walkers *p, uint32_t id)
{
    uint32_t *x = &p->link[chain_of(p, p->e[id].key)];
    while (*x != id) /* chains are short: mostly it is the first */
        x = &p->e[*x].next;
    *x = p->e[id].next;
}

/* From id on along its chain, the entry with key and done >= cycle (any
   done when any_done) at the lowest place, as a scan in place order would
   find; WK_NONE if none. */
static uint32_t chain_find(const mmu_walkers *p, uint32_t id, uint64_t key, uint64_t cycle,
                           int any_done)
{
    uint32_t best = WK_NONE;
    for (; id != WK_NONE; id = p->e[id].next) {
        const wk_walk *w = &p->e[id];
        if (w->key == key && (any_done || w->done >= cycle) &&
            (best == WK_NONE || w->place < p->e[best].place))
            best = id;
    }
    return best;
}

/* The entry a request for key issued at cycle joins, or WK_NONE. */
static inline uint32_t find_walk(const mmu_walkers *p, uint64_t key, uint64_t cycle)
{
    uint32_t id = p->link[chain_of(p, key)];
    return id == WK_NONE ? WK_NONE : chain_find(p, id, key, cycle, 0);
}


/* Move the nodes to the bottom of q when q_hi reached q_end (at most
   max_inflight of them: then max_inflight pushes before the next slide). */
static __attribute__((noinline)) mmu_err q_slide(mmu_walkers *p)
{
    memmove(p->q, p->q + p->q_lo, (size_t)(p->q_hi - p->q_lo + 1) * sizeof *p->q);
    /* q[-1] keeps done 0 */
    p->q_hi -= p->q_lo;
    p->q_lo = 0;
    return MMU_OK;
}

/* Put (done, id) in the order queue, behind every node with a smaller or
   equal done (q_hi < q_end: the caller slides after). */
static inline void q_push(mmu_walkers *p, uint64_t done, uint32_t id)
{
    wk_node *x = p->q + p->q_hi++;
    x[1].done = UINT64_MAX;
    while (x[-1].done > done) { /* walks end nearly in order: a step or two */
        x[0] = x[-1];
        x--;
    }
    *x = (wk_node){ done, id };
    if (done < p->front_done)
        p->front_done = done;
}

/* The index in q of id's node (its done is done): a binary search for the
   run of that done, then a step through the run. */
static uint32_t q_index(const mmu_walkers *p, uint64_t done, uint32_t id)
{
    uint32_t lo = p->q_lo, hi = p->q_hi;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p->q[mid].done < done)
            lo = mid + 1;
        else
            hi = mid;
    }
    while (p->q[lo].id != id)
        lo++;
    return lo;
}

/* Move the entry at place t into place h (whose id goes to t). */
static inline void move_place(wk_walk *e, uint32_t *at, uint32_t t, uint32_t h)
{
    uint32_t id = at[t], idr = at[h];
    at[h] = id;
    e[id].place = (uint16_t)h;
    at[t] = idr;
}

/* Retire the front entry of the queue alone (the next one is not due): the
   last entry moves into its place. */
static inline void retire_one(mmu_walkers *p)
{
    wk_node *q = p->q + p->q_lo++;
    uint32_t id = q->id;
    hash_unlink(p, id);
    q->done = 0; /* the sentinel below the queue */
    p->front_done = q[1].done;
    uint32_t pl = p->e[id].place, m = --p->n_inflight, idl = p->at[m];
    p->at[pl] = idl;
    p->e[idl].place = (uint16_t)pl;
    p->at[m] = id;
}

/* Retire the entries with done < cycle, at least two (one: retire_one). */
static inline void retire_before(mmu_walkers *p, uint64_t cycle)
{
    wk_walk *e = p->e;
    uint32_t *at = p->at;
    wk_node *q = p->q;
    uint32_t lo = p->q_lo, n = p->n_inflight;
    uint32_t *pls = p->scratch, k = 0;
    do {
        uint32_t id = q[lo++].id;
        hash_unlink(p, id);
        pls[k++] = e[id].place;
    } while (q[lo].done < cycle);
    q[lo - 1].done = 0;
    p->q_lo = lo;
    p->front_done = q[lo].done;
    uint32_t m = n - k;
    p->n_inflight = m;
    if (k == 2) { /* as below, the cases written out */
        uint32_t a = pls[0], b = pls[1];
        if (a > b) {
            a = pls[1];
            b = pls[0];
        }
        if (b < m) { /* two holes: the last entry into a, the one before into b */
            move_place(e, at, n - 1, a);
            move_place(e, at, n - 2, b);
        } else if (a < m) { /* b is n - 2 or n - 1: the other one goes into a */
            move_place(e, at, b == n - 1 ? n - 2 : n - 1, a);
        }
        return;
    }
    if (k <= WK_SMALL) {
        /* Replay the scan: visit the retired places in increasing order,
           move the last entry into each and look at it again. */
        for (uint32_t i = 1; i < k; i++) {
            uint32_t x = pls[i], j = i;
            for (; j > 0 && pls[j - 1] > x; j--)
                pls[j] = pls[j - 1];
            pls[j] = x;
        }
        for (uint32_t j = 0; j < k && pls[j] < n; j++) {
            uint32_t pl = pls[j];
            while (pl < n && e[at[pl]].done < cycle) {
                n--;
                uint32_t idr = at[pl], idl = at[n];
                at[pl] = idl;
                e[idl].place = (uint16_t)pl;
                at[n] = idr;
            }
        }
        return;
    }
    /* Many at once: the scan leaves the entries below m where they were and
       moves the ones at m or above that stay into the retired places below
       m, the highest one into the lowest place and so on.  Do that with a
       bitmap of the retired places. */
    uint64_t *bits = p->bits;
    uint32_t holes = 0; /* retired places below m (as many as staying entries above) */
    for (uint32_t j = 0; j < k; j++) {
        uint32_t pl = pls[j];
        bits[pl >> 6] |= UINT64_C(1) << (pl & 63);
        holes += pl < m;
    }
    uint32_t t = n; /* the staying entries above m, from the top */
    for (uint32_t w = 0; holes > 0; w++) {
        for (uint64_t b = bits[w]; b != 0 && holes > 0; b &= b - 1, holes--) {
            uint32_t h = w * 64 + (uint32_t)__builtin_ctzll(b);
            do
                t--;
            while (bits[t >> 6] & (UINT64_C(1) << (t & 63)));
            move_place(e, at, t, h);
        }
    }
    for (uint32_t j = 0; j < k; j++)
        bits[pls[j] >> 6] = 0;
}

/* Drop the walk that completes first, the lowest place among equals, from
   a full table: the last entry moves into its place. */
static __attribute__((noinline)) void drop_first(mmu_walkers *p)
{
    wk_node *q = p->q;
    uint32_t best = p->q_lo;
    for (uint32_t i = best + 1; i < p->q_hi && q[i].done == q[best].done; i++)
        if (p->e[q[i].id].place < p->e[q[best].id].place)
            best = i;
    uint32_t id = q[best].id;
    for (uint32_t i = best; i > p->q_lo; i--)
        q[i] = q[i - 1];
    q[p->q_lo++].done = 0;
    p->front_done = p->q[p->q_lo].done;
    hash_unlink(p, id);
    uint32_t pl = p->e[id].place, last = --p->n_inflight;
    uint32_t idl = p->at[last];
    p->at[pl] = idl;
    p->e[idl].place = (uint16_t)pl;
    p->at[last] = id;
    p->stats.inflight_overflows++;
}

/* Enter a walk in a table that is not full. */
static inline __attribute__((always_inline)) void add_room(mmu_walkers *p, uint64_t key,
                                                           uint64_t start, uint64_t done,
                                                           uint32_t walker)
{
    uint32_t pl = p->n_inflight++;
    uint32_t id = p->at[pl];
    wk_walk *e = &p->e[id];
    e->key = key;
    e->start = start;
    e->done = done;
    e->walker = (uint16_t)walker; /* UINT32_MAX: WK_NO_WALKER */
    e->place = (uint16_t)pl;
    hash_link(p, id, key);
    q_push(p, done, id);
}

/* Enter a walk in the in-flight table; a full table drops the walk that completes first. */
static __attribute__((noinline)) mmu_err inflight_add(mmu_walkers *p, uint64_t key, uint64_t start,
                                                      uint64_t done, uint32_t walker)
{
    if (p->n_inflight == p->max_inflight)
        drop_first(p);
    add_room(p, key, start, done, walker);
    return p->q_hi == p->q_end ? q_slide(p) : MMU_OK;
}

/* Among the walkers free at issue the one free last, else the one that
   frees first, the lowest index on a tie: the smallest of issue - free
   (free walkers, at most issue) or free (busy ones, above issue). */
static inline uint64_t walker_key(uint64_t free_at, uint64_t issue)
{
    return free_at <= issue ? issue - free_at : free_at;
}

static inline uint32_t choose_walker(const mmu_walkers *p, uint64_t issue)
{
    if (p->count == 2) /* the default */
        return walker_key(p->free_at[1], issue) < walker_key(p->free_at[0], issue);
    uint32_t best = 0;
    uint64_t f = p->free_at[0];
    uint64_t best_key = f <= issue ? issue - f : f;
    for (uint32_t w = 1; w < p->count; w++) {
        f = p->free_at[w];
        uint64_t key = f <= issue ? issue - f : f;
        if (key < best_key) {
            best_key = key;
            best = w;
        }
    }
    return best;
}

/* Join the walk of entry id. */
static __attribute__((noinline)) mmu_err join(mmu_walkers *p, uint32_t id, uint64_t issue_cycle,
                                              mmu_walk_grant *out)
{
    const wk_walk *w = &p->e[id];
    out->start_cycle = w->start;
    out->done_cycle = w->done;
    out->queue_cycles = 0;
    out->walker = w->walker == WK_NO_WALKER ? UINT32_MAX : w->walker;
    out->merged = 1;
    p->stats.merged++;
    p->stats.merged_wait_cycles += w->done - issue_cycle;
    note_cycles(p, issue_cycle, w->done);
    return MMU_OK;
}

/* begin once the table is retired up to issue_cycle. */
static inline mmu_err grant(mmu_walkers *p, uint64_t issue_cycle, uint64_t key,
                            mmu_walk_grant *out)
{
    uint32_t id = find_walk(p, key, issue_cycle); /* never one when merging is off */
    if (id != WK_NONE)
        return join(p, id, issue_cycle, out);

    uint32_t w = choose_walker(p, issue_cycle);
    uint64_t f = p->free_at[w];
    uint64_t start = f > issue_cycle ? f : issue_cycle;
    p->open = 1;
    p->grant_key = key;
    p->grant_start = start;
    p->grant_issue = issue_cycle;
    p->grant_walker = w;
    out->start_cycle = start;
    out->done_cycle = 0;
    out->queue_cycles = start - issue_cycle;
    out->walker = w;
    out->merged = 0;
    return MMU_OK;
}

static __attribute__((noinline)) mmu_err retire_and_grant(mmu_walkers *p, uint64_t issue_cycle,
                                                          uint64_t key, mmu_walk_grant *out)
{
    retire_before(p, issue_cycle);
    return grant(p, issue_cycle, key, out);
}

mmu_err mmu_walkers_begin(mmu_walkers *p, uint64_t issue_cycle, uint64_t key,
                          mmu_walk_grant *out)
{
    if (p == NULL || out == NULL || p->open)
        return MMU_EINVAL;

    if (issue_cycle < p->max_issue)
        p->stats.late_issues++;
    else
        p->max_issue = issue_cycle;

    if (p->front_done < issue_cycle) {
        if (p->q[p->q_lo + 1].done < issue_cycle)
            return retire_and_grant(p, issue_cycle, key, out);
        retire_one(p);
    }
    return grant(p, issue_cycle, key, out);
}

mmu_err mmu_walkers_end(mmu_walkers *p, uint64_t key, uint64_t start_cycle, uint64_t duration,
                        uint64_t *done_cycle)
{
    if (p == NULL || !p->open || key != p->grant_key || start_cycle != p->grant_start)
        return MMU_EINVAL;
    if (duration > UINT64_MAX - start_cycle)
        return MMU_ERANGE;

    uint64_t done = start_cycle + duration;
    uint32_t w = p->grant_walker;
    p->open = 0;
    p->free_at[w] = done;

    /* walks and walk_cycles are the sums of these (see get_stats) */
    p->stats.walker_walks[w]++;
    p->stats.busy_cycles[w] += duration;
    uint64_t queued = start_cycle - p->grant_issue;
    if (queued > p->stats.max_queue_delay)
        p->stats.max_queue_delay = queued;
    p->stats.queue_cycles += queued;
    if (queued > 0)
        p->stats.queued_walks++;
    note_cycles(p, p->grant_issue, done);

    if (done_cycle != NULL)
        *done_cycle = done;
    if (!p->merge)
        return MMU_OK;
    if (p->n_inflight == p->max_inflight)
        return inflight_add(p, key, start_cycle, done, w);
    add_room(p, key, start_cycle, done, w); /* no call before: no registers to save */
    return p->q_hi == p->q_end ? q_slide(p) : MMU_OK;
}

void mmu_walkers_pending(mmu_walkers *p, uint64_t key, uint64_t done_cycle)
{
    if (p == NULL || !p->merge)
        return;
    uint32_t id = chain_find(p, p->link[chain_of(p, key)], key, 0, 1);
    if (id != WK_NONE) {
        wk_walk *e = &p->e[id];
        if (done_cycle > e->done) {
            /* move its node back in the queue past the nodes that end earlier */
            wk_node *q = p->q;
            uint32_t i = q_index(p, e->done, id);
            while (q[i + 1].done < done_cycle) { /* the sentinel stops it */
                q[i] = q[i + 1];
                i++;
            }
            q[i] = (wk_node){ done_cycle, id };
            p->front_done = p->q[p->q_lo].done;
            e->done = done_cycle;
        }
        return;
    }
    (void)inflight_add(p, key, done_cycle, done_cycle, UINT32_MAX);
}

void mmu_walkers_cancel(mmu_walkers *p)
{
    if (p != NULL)
        p->open = 0;
}

int mmu_walkers_inflight(const mmu_walkers *p, uint64_t cycle, uint64_t key,
                         uint64_t *done_cycle)
{
    uint32_t id = find_walk(p, key, cycle);
    if (id == WK_NONE)
        return 0;
    if (done_cycle != NULL)
        *done_cycle = p->e[id].done;
    return 1;
}

uint64_t mmu_walkers_free_cycle(const mmu_walkers *p, uint32_t walker)
{
    return walker < p->count ? p->free_at[walker] : 0;
}

void mmu_walkers_reset(mmu_walkers *p)
{
    memset(p->free_at, 0, sizeof p->free_at);
    p->n_inflight = 0; /* at[] stays a permutation of the ids */
    p->q_lo = p->q_hi = 0;
    p->q[-1].done = 0;
    p->q[0].done = UINT64_MAX;
    p->front_done = UINT64_MAX;
    memset(p->link, 0, (size_t)p->n_chains * sizeof *p->link);
    p->open = 0;
    p->max_issue = 0;
    mmu_walkers_clear_stats(p);
}

void mmu_walkers_clear_stats(mmu_walkers *p)
{
    memset(&p->stats, 0, sizeof p->stats);
    p->first_issue = UINT64_MAX;
}

void mmu_walkers_get_stats(const mmu_walkers *p, mmu_walkers_stats *out)
{
    *out = p->stats;
    for (uint32_t w = 0; w < p->count; w++) {
        out->walks += p->stats.walker_walks[w];
        out->walk_cycles += p->stats.busy_cycles[w];
    }
    /* first_issue is counted by every walk and join */
    out->first_issue = out->walks + out->merged > 0 ? p->first_issue : 0;
}
