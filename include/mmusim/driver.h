/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/driver.h - the issue model of a core replaying accesses that carry
 * no cycles: when each access is issued to the MMU.
 *
 * The rule ([core] in the configuration):
 *   - an access that carries its own cycle is issued at that cycle, never
 *     delayed by the rule (it still takes a slot, below);
 *   - otherwise one access every core.issue_interval cycles after the
 *     previous issue;
 *   - at most core.max_outstanding accesses in flight: an access waits for
 *     the completion of the access max_outstanding places before it (the
 *     oldest, as a core's load/store buffer frees its entries in order);
 *   - a page fault is a trap: the accesses after one that went through a
 *     page fault issue no earlier than its completion.
 *
 * The driver calls mmu_access() (which makes a page-crossing access two
 * translations) and hands back the responses, so the caller keeps its own
 * bookkeeping.  A caller whose accesses complete elsewhere (a TLM initiator)
 * uses the rule alone: mmu_driver_next_issue() and mmu_driver_record().
 *
 * Contract: the driver allocates only at creation; an access costs no
 * allocation and no division.  One driver belongs to one stream of accesses
 * and one thread; drivers are independent of each other.
 *
 * The per-access calls also come as static inline functions
 * (mmu_driver_access_inline and the rule's two halves), for a caller's
 * per-access loop: the same rule, without a call across libraries.
 */
#ifndef MMUSIM_DRIVER_H
#define MMUSIM_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/error.h"
#include "mmusim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mmu mmu;

/* [core]: the issue rule's parameters. */
typedef struct mmu_core_config {
    uint32_t issue_interval;  /* cycles between accesses that carry no cycle (0..1000000) */
    uint32_t max_outstanding; /* accesses in flight at most (1..4096) */
} mmu_core_config;

/* Defaults: one access a cycle, 64 in flight. */
void mmu_core_config_defaults(mmu_core_config *c);

/* Check the values; on error writes a message naming the field and returns MMU_ECONFIG. */
MMU_MUST_CHECK mmu_err mmu_core_config_check(const mmu_core_config *c, char *msg, size_t msglen);

typedef struct mmu_driver mmu_driver;

/*
 * The driver's state, here only so that the inline functions at the end of
 * this header can be compiled into a caller.  Its fields are private (use
 * the functions); a change of this layout is a change of the ABI.
 */
struct mmu_driver {
    mmu *m;
    uint64_t interval;        /* in ticks */
    uint64_t next_issue;      /* earliest issue of the next access without a cycle */
    uint64_t *done;           /* completion of the last `window` accesses (0: none), a ring */
    uint32_t window;          /* max_outstanding */
    uint32_t pos;             /* ring slot of the oldest access */
    uint32_t interval_cycles;
};

/*
 * Create a driver for m with the rule of core (NULL: m's configuration,
 * mmu_get_config(m)->core).  m may be NULL for the rule alone (then only
 * mmu_driver_next_issue and mmu_driver_record may be called).  The caller
 * owns *out (mmu_driver_destroy); m must outlive it.  Returns MMU_OK,
 * MMU_EINVAL (no m and no core), MMU_ECONFIG (with msg), MMU_ENOMEM.
 */
MMU_MUST_CHECK mmu_err mmu_driver_create(mmu *m, const mmu_core_config *core, mmu_driver **out,
                                         char *msg, size_t msglen);
void mmu_driver_destroy(mmu_driver *d);

/* Forget every access: the next one issues at cycle 0 (counters of the MMU are not touched). */
void mmu_driver_reset(mmu_driver *d);

/*
 * Count time in ticks, ticks_per_cycle of them to a core cycle (default 1):
 * for a caller whose clock is finer than the core's, such as a SystemC
 * initiator counting sc_time values.  Only the interval is scaled; every
 * time given to and returned by mmu_driver_next_issue and mmu_driver_record
 * is then in ticks.  mmu_driver_access needs ticks_per_cycle = 1 (the MMU
 * counts cycles).  ticks_per_cycle 0 is taken as 1.
 */
void mmu_driver_set_ticks_per_cycle(mmu_driver *d, uint64_t ticks_per_cycle);

/*
 * One access: sets req->cycle to the issue cycle the rule gives (unless
 * own_cycle: then req->cycle is the access's own and is kept), calls
 * mmu_access and records the completion.  resp must have room for 2.
 * Returns the number of translations made (1 or 2), as mmu_access;
 * resp[n-1].done_cycle is when the access completed.
 */
int mmu_driver_access(mmu_driver *d, mmu_request *req, int own_cycle, mmu_response resp[2]);

/*
 * The rule alone, for a caller that issues the access itself.
 * mmu_driver_next_issue: when the next access may issue (cycle if own_cycle,
 * else the rule's earliest); changes nothing.
 * mmu_driver_record: the next access was issued at `issue` and completed at
 * `done` (a caller that bounds what is in flight itself, and learns
 * completions later, passes done = issue); page_fault: it went through a
 * page fault.  Each access is recorded once, in issue order.
 */
uint64_t mmu_driver_next_issue(const mmu_driver *d, int own_cycle, uint64_t cycle);
void mmu_driver_record(mmu_driver *d, int own_cycle, uint64_t issue, uint64_t done, int page_fault);

/* mmu.h's mmu_access (declared here too: mmu.h includes this header through config.h). */
int mmu_access(mmu *m, const mmu_request *req, mmu_response resp[2]);

/* mmu_driver_next_issue, inline. */
static inline uint64_t mmu_driver_next_issue_inline(const mmu_driver *d, int own_cycle, uint64_t cycle)
{
    if (own_cycle)
        return cycle;
    const uint64_t oldest = d->done[d->pos];
    return oldest > d->next_issue ? oldest : d->next_issue;
}

/* mmu_driver_record, inline. */
static inline void mmu_driver_record_inline(mmu_driver *d, int own_cycle, uint64_t issue, uint64_t done,
                                            int page_fault)
{
    d->done[d->pos] = done;
    if (++d->pos == d->window)
        d->pos = 0;
    d->next_issue = issue + d->interval;
    /* a page fault is a trap: a core issuing at a rate stops until it returns */
    if (!own_cycle && page_fault && done > d->next_issue)
        d->next_issue = done;
}

/* mmu_driver_access, inline. */
static inline int mmu_driver_access_inline(mmu_driver *d, mmu_request *req, int own_cycle, mmu_response resp[2])
{
    req->cycle = mmu_driver_next_issue_inline(d, own_cycle, req->cycle);
    const int k = mmu_access(d->m, req, resp);
    mmu_driver_record_inline(d, own_cycle, req->cycle, resp[k - 1].done_cycle,
                             (resp[0].page_faults | resp[k - 1].page_faults) != 0);
    return k;
}

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_DRIVER_H */
