/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/walkers.h - timing of the page-walker pool: a fixed number of
 * walkers that run walks concurrently, a queue in front of them, and the
 * merging of a TLB miss into a walk already in flight for the same page.
 *
 * The pool knows nothing about page tables: the caller (the MMU's translate
 * path) asks when a walk for a page can start, runs the walk itself (which
 * gives its duration), and tells the pool how long it took:
 *
 *     mmu_walk_grant g;
 *     if (mmu_walkers_begin(pool, req->cycle, key, &g) != MMU_OK) ...
 *     if (g.merged) {
 *         done = g.done_cycle;                     // joined a walk in flight
 *     } else {
 *         dur = walk(...);                         // starting at g.start_cycle
 *         mmu_walkers_end(pool, key, g.start_cycle, dur, &done);
 *     }
 *
 * Requests normally arrive in non-decreasing issue order; an earlier issue
 * cycle than a previous one is accepted and handled conservatively (see
 * mmu_walkers_begin).  Exact rules and a worked example: docs/timing.md.
 *
 * The pool never allocates after mmu_walkers_create().
 */
#ifndef MMUSIM_WALKERS_H
#define MMUSIM_WALKERS_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MMU_WALKERS_MAX 64           /* largest walkers.count */
#define MMU_WALKERS_MAX_INFLIGHT 65536 /* largest walkers.max_inflight */

typedef struct mmu_walkers_config {
    uint32_t count;        /* concurrent walkers, 1..MMU_WALKERS_MAX */
    uint32_t max_inflight; /* capacity of the in-flight table used for merging, >= count */
    uint32_t merge;        /* 1: a request for a page whose walk is in flight joins it; 0: never */
} mmu_walkers_config;

/* The answer of mmu_walkers_begin(). */
typedef struct mmu_walk_grant {
    uint64_t start_cycle;  /* new walk: when it may start; merged: start of the joined walk */
    uint64_t done_cycle;   /* merged: completion of the joined walk; new walk: 0 (see end) */
    uint64_t queue_cycles; /* new walk: start_cycle - issue cycle; merged: 0 */
    uint32_t walker;       /* index of the walker that runs (or ran) the walk */
    uint8_t merged;        /* 1: joined a walk in flight, do not call end */
} mmu_walk_grant;

/*
 * Counters.  Walker utilisation = busy_cycles[i] / (last_done - first_issue).
 * walks + merged = requests that were granted and not cancelled.
 */
typedef struct mmu_walkers_stats {
    uint64_t walks;              /* walks recorded by mmu_walkers_end */
    uint64_t merged;             /* requests that joined a walk in flight */
    uint64_t merged_wait_cycles; /* sum over merged requests of done - issue */
    uint64_t queued_walks;       /* walks that waited for a walker (start > issue) */
    uint64_t queue_cycles;       /* sum over walks of start - issue */
    uint64_t max_queue_delay;    /* largest start - issue of a walk */
    uint64_t walk_cycles;        /* sum of walk durations */
    uint64_t late_issues;        /* requests issued earlier than a previous request */
    uint64_t inflight_overflows; /* in-flight entries dropped from a full table before completing */
    uint64_t first_issue;        /* smallest issue cycle counted (0 if none) */
    uint64_t last_done;          /* largest completion cycle counted (0 if none) */
    uint64_t walker_walks[MMU_WALKERS_MAX]; /* walks run by each walker */
    uint64_t busy_cycles[MMU_WALKERS_MAX];  /* cycles each walker was busy */
} mmu_walkers_stats;

typedef struct mmu_walkers mmu_walkers;

/*
 * The key of a page for merging: ASID in bits 63:48, the virtual page number
 * (at the smallest page size, 4K: vaddr >> 12) in bits 47:0; VPN bits 51:48
 * are dropped, which merges no two canonical addresses of a 48- or 57-bit
 * address space.  Any other 64-bit page identity works as well; the pool only
 * compares keys.
 */
static inline uint64_t mmu_walk_key(uint16_t asid, uint64_t vpn)
{
    return ((uint64_t)asid << 48) | (vpn & 0xFFFFFFFFFFFFull);
}

/* Fill *cfg with the defaults: 2 walkers (Intel since Broadwell), 256 in-flight entries, merge on. */
void mmu_walkers_config_defaults(mmu_walkers_config *cfg);

/*
 * Check a configuration.  Returns MMU_OK, or MMU_ECONFIG with a message
 * naming the field written into msg (if msg is non-NULL and msglen > 0),
 * for example "walkers.count (0) must be at least 1".
 */
MMU_MUST_CHECK mmu_err mmu_walkers_config_check(const mmu_walkers_config *cfg, char *msg,
                                                size_t msglen);

/*
 * Create a pool: every walker free from cycle 0, no walk in flight, zero
 * counters.  Returns MMU_EINVAL for NULL arguments, MMU_ECONFIG for a
 * configuration the checker refuses, MMU_ENOMEM.  The caller owns *out and
 * frees it with mmu_walkers_destroy.  The configuration is copied.
 */
MMU_MUST_CHECK mmu_err mmu_walkers_create(const mmu_walkers_config *cfg, mmu_walkers **out);

/* Free a pool; NULL is ignored. */
void mmu_walkers_destroy(mmu_walkers *p);

/* The configuration the pool was created with. */
const mmu_walkers_config *mmu_walkers_get_config(const mmu_walkers *p);

/*
 * A TLB miss for page key, issued at issue_cycle, asks for a walk.
 *
 * First the in-flight entries that completed before issue_cycle (done <
 * issue_cycle) are retired.  Then, if merging is on and a walk for key is
 * still in the table (done >= issue_cycle), the request joins it: *out gets
 * merged = 1, its done_cycle, start_cycle and walker; nothing else is to be
 * done (no end call).  Otherwise a new walk is granted: merged = 0,
 * start_cycle = max(issue_cycle, free cycle of the chosen walker),
 * queue_cycles = start_cycle - issue_cycle, and the caller must call
 * mmu_walkers_end (or mmu_walkers_cancel) before the next begin.
 *
 * The chosen walker: among the walkers free at issue_cycle, the one that
 * became free last (lowest index on a tie); if none is free, the one that
 * frees first (lowest index on a tie).
 *
 * Out of order: an issue_cycle earlier than a previous one is accepted
 * (counted in late_issues).  The pool only remembers when each walker next
 * becomes free, so such a request cannot use an idle gap before walks
 * already granted: it waits for a walker as above (never starts before its
 * issue cycle, never overlaps another walk on the same walker).  It joins a
 * walk for its key still in the table even if that walk was granted later;
 * one already retired by a later request is not seen.
 *
 * Returns MMU_OK; MMU_EINVAL for NULL arguments or when a granted walk was
 * neither ended nor cancelled (*out is then untouched).
 */
MMU_MUST_CHECK mmu_err mmu_walkers_begin(mmu_walkers *p, uint64_t issue_cycle, uint64_t key,
                                         mmu_walk_grant *out);

/*
 * Record the walk granted by the last begin: key and start_cycle must be
 * the ones of that grant.  Its walker is busy until start_cycle + duration,
 * which is stored in *done_cycle (if non-NULL), and the walk enters the
 * in-flight table so later requests for key can join it until then.  If the
 * table is full of walks not yet retired, the one that completes first is
 * dropped from it (counted in inflight_overflows; it only loses its chance
 * of being joined).  Returns MMU_OK; MMU_EINVAL if no walk is granted or key
 * or start_cycle differ from the grant; MMU_ERANGE if start_cycle +
 * duration overflows (the grant stays open).
 */
MMU_MUST_CHECK mmu_err mmu_walkers_end(mmu_walkers *p, uint64_t key, uint64_t start_cycle,
                                       uint64_t duration, uint64_t *done_cycle);

/* Drop the walk granted by the last begin, if any: no walker is used, nothing is counted. */
void mmu_walkers_cancel(mmu_walkers *p);

/*
 * Whether a walk for key is in the in-flight table and completes at or
 * after cycle (so a request issued at cycle would join it); if so returns 1
 * and stores its completion cycle in *done_cycle (if non-NULL), else 0.  No
 * side effect.  Useful on a TLB hit to an entry whose walk has not finished.
 */
int mmu_walkers_inflight(const mmu_walkers *p, uint64_t cycle, uint64_t key,
                         uint64_t *done_cycle);

/*
 * Note that the translation of key completes at done_cycle without a walker
 * of the pool (a walk made again by the faulting core after a page fault's
 * handler): requests for key issued until then join it, as they join a walk
 * in flight.  An entry for key already in the table is moved to the later
 * completion.  No walker is used and no walk is counted.  Does nothing when
 * merging is off.
 */
void mmu_walkers_pending(mmu_walkers *p, uint64_t key, uint64_t done_cycle);

/* The cycle from which walker (an index < count) is free; 0 for a bad index. */
uint64_t mmu_walkers_free_cycle(const mmu_walkers *p, uint32_t walker);

/* Free every walker, empty the in-flight table, drop an open grant, zero the counters. */
void mmu_walkers_reset(mmu_walkers *p);

/* Zero the counters; walkers and in-flight walks are kept (for warm-up). */
void mmu_walkers_clear_stats(mmu_walkers *p);

/* Copy the counters to *out. */
void mmu_walkers_get_stats(const mmu_walkers *p, mmu_walkers_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_WALKERS_H */
