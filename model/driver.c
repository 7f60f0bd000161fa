/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * driver.c - the issue model of a core replaying accesses (driver.h): the
 * one place the issue interval, the outstanding limit and the page-fault
 * stall are written.
 *
 * The outstanding limit is a ring of the completion cycles of the last
 * max_outstanding accesses; the slot about to be reused holds the oldest,
 * which the next access waits for.
 */
#include "mmusim/driver.h"

#include <stdlib.h>

#include "mmusim/mmu.h"
#include "msg.h"

/* struct mmu_driver is in driver.h (for the inline per-access functions). */

void mmu_core_config_defaults(mmu_core_config *c)
{
    c->issue_interval = 1;
    c->max_outstanding = 64;
}

mmu_err mmu_core_config_check(const mmu_core_config *c, char *msg, size_t msglen)
{
    if (c->issue_interval > 1000000)
        return model_msg(MMU_ECONFIG, msg, msglen, "core.issue_interval (%u) must be 0..1000000",
                         c->issue_interval);
    if (c->max_outstanding < 1 || c->max_outstanding > 4096)
        return model_msg(MMU_ECONFIG, msg, msglen, "core.max_outstanding (%u) must be 1..4096",
                         c->max_outstanding);
    return MMU_OK;
}

mmu_err mmu_driver_create(mmu *m, const mmu_core_config *core, mmu_driver **out, char *msg,
                          size_t msglen)
{
    if (!out)
        return MMU_EINVAL;
    *out = NULL;
    if (!core && !m)
        return model_msg(MMU_EINVAL, msg, msglen, "mmu_driver_create: neither an MMU nor a [core] configuration");
    if (!core)
        core = &mmu_get_config(m)->core;
    mmu_err e = mmu_core_config_check(core, msg, msglen);
    if (e != MMU_OK)
        return e;
    mmu_driver *d = calloc(1, sizeof *d + (size_t)core->max_outstanding * sizeof d->done[0]);
    if (!d)
        return model_msg(MMU_ENOMEM, msg, msglen, "mmu_driver_create: out of memory");
    d->done = (uint64_t *)(d + 1); /* the ring follows the struct */
    d->m = m;
    d->window = core->max_outstanding;
    d->interval_cycles = core->issue_interval;
    d->interval = core->issue_interval;
    *out = d;
    return MMU_OK;
}

void mmu_driver_destroy(mmu_driver *d)
{
    free(d);
}

void mmu_driver_reset(mmu_driver *d)
{
    d->next_issue = 0;
    d->pos = 0;
    for (uint32_t i = 0; i < d->window; i++)
        d->done[i] = 0;
}

void mmu_driver_set_ticks_per_cycle(mmu_driver *d, uint64_t ticks_per_cycle)
{
    d->interval = (uint64_t)d->interval_cycles * (ticks_per_cycle ? ticks_per_cycle : 1);
}

uint64_t mmu_driver_next_issue(const mmu_driver *d, int own_cycle, uint64_t cycle)
{
    return mmu_driver_next_issue_inline(d, own_cycle, cycle);
}

void mmu_driver_record(mmu_driver *d, int own_cycle, uint64_t issue, uint64_t done, int page_fault)
{
    mmu_driver_record_inline(d, own_cycle, issue, done, page_fault);
}

int mmu_driver_access(mmu_driver *d, mmu_request *req, int own_cycle, mmu_response resp[2])
{
    return mmu_driver_access_inline(d, req, own_cycle, resp);
}
