/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os_shootdown.c - TLB shootdowns: the registered targets (callbacks into
 * the MMUs) and what one shootdown costs.
 */
#include <stdlib.h>
#include <string.h>

#include "os_internal.h"

/* ---------------------------------------------------------------- shootdown */

void mmusim_os_shootdown(mmu_os *os, struct fctx *fc, uint16_t asid, uint64_t va, unsigned ps)
{
    for (size_t i = 0; i < os->ntg; i++)
        os->tg[i].fn(os->tg[i].ctx, asid, va, (mmu_page_size)ps);
    os->st.shootdowns++;
    os->st.shootdown_ipis += os->cfg.remote_cores;
    fc->shootdowns++;
    fc->lat.part[MMU_OS_LAT_SHOOTDOWN] += (uint64_t)os->cfg.remote_cores * os->cfg.shootdown;
}

mmu_err mmu_os_add_shootdown_target(mmu_os *os, mmu_os_shootdown_fn fn, void *ctx)
{
    if (!os || !fn)
        return MMU_EINVAL;
    if (os->ntg == os->cap_tg) {
        size_t cap = os->cap_tg ? os->cap_tg * 2 : 4;
        struct target *n = realloc(os->tg, cap * sizeof *n);
        if (!n)
            return MMU_ENOMEM;
        os->tg = n;
        os->cap_tg = cap;
    }
    os->tg[os->ntg].fn = fn;
    os->tg[os->ntg].ctx = ctx;
    os->ntg++;
    return MMU_OK;
}

mmu_err mmu_os_remove_shootdown_target(mmu_os *os, mmu_os_shootdown_fn fn, void *ctx)
{
    if (!os)
        return MMU_EINVAL;
    for (size_t i = 0; i < os->ntg; i++) {
        if (os->tg[i].fn == fn && os->tg[i].ctx == ctx) {
            memmove(&os->tg[i], &os->tg[i + 1], (os->ntg - i - 1) * sizeof *os->tg);
            os->ntg--;
            return MMU_OK;
        }
    }
    return MMU_ENOTFOUND;
}
