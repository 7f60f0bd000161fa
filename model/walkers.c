/*
 * walkers.c - timing of the page-walker pool (see mmusim/walkers.h and
 * docs/timing.md).
 *
 * State: for each walker the cycle from which it is free, and a small table
 * of walks in flight (key, start, done, walker) used to merge requests for
 * the same page.  The table is a dense array scanned linearly: entries that
 * completed before the current issue cycle are retired on every begin, so in
 * the normal regime it holds about as many entries as there are walkers plus
 * queued walks.  Its capacity is fixed at creation.
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

struct mmu_walkers {
    mmu_walkers_config cfg;
    uint64_t free_at[MMU_WALKERS_MAX];
    wk_walk *inflight; /* cfg.max_inflight entries, n_inflight used */
    uint32_t n_inflight;
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
    p->inflight = calloc(cfg->max_inflight, sizeof *p->inflight);
    if (p->inflight == NULL) {
        free(p);
        return MMU_ENOMEM;
    }
    p->cfg = *cfg;
    *out = p;
    return MMU_OK;
}

void mmu_walkers_destroy(mmu_walkers *p)
{
    if (p == NULL)
        return;
    free(p->inflight);
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

static void retire_before(mmu_walkers *p, uint64_t cycle)
{
    uint32_t i = 0;
    while (i < p->n_inflight) {
        if (p->inflight[i].done < cycle)
            p->inflight[i] = p->inflight[--p->n_inflight];
        else
            i++;
    }
}

static const wk_walk *find_walk(const mmu_walkers *p, uint64_t key, uint64_t cycle)
{
    for (uint32_t i = 0; i < p->n_inflight; i++)
        if (p->inflight[i].key == key && p->inflight[i].done >= cycle)
            return &p->inflight[i];
    return NULL;
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
        uint32_t first = 0;
        for (uint32_t i = 1; i < p->n_inflight; i++)
            if (p->inflight[i].done < p->inflight[first].done)
                first = i;
        p->inflight[first] = p->inflight[--p->n_inflight];
        p->stats.inflight_overflows++;
    }
    p->inflight[p->n_inflight++] = *walk;
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
    for (uint32_t i = 0; i < p->n_inflight; i++) {
        if (p->inflight[i].key == key) {
            if (done_cycle > p->inflight[i].done)
                p->inflight[i].done = done_cycle;
            return;
        }
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
