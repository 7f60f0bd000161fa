/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os_stats.c - queries: frame information, the OS-wide and per-process
 * figures, and clearing the counters.
 */
#include <stdlib.h>
#include <string.h>

#include "os_internal.h"

/* ---------------------------------------------------------------- queries */

mmu_err mmu_os_frame_info_get(const mmu_os *os, uint64_t paddr, mmu_os_frame_info *out)
{
    if (!os || !out || pa_frame(os, paddr) >= os->nframes)
        return MMU_EINVAL;
    uint64_t pfn = pa_frame(os, paddr);
    memset(out, 0, sizeof *out);
    const struct frame *f = frame_at(os, pfn);
    if (!f || f->kind == FK_FREE)
        return MMU_OK;
    out->asid = f->asid;
    if (f->kind == FK_TABLE) {
        out->kind = MMU_OS_FRAME_TABLE;
        return MMU_OK;
    }
    out->kind = MMU_OS_FRAME_DATA;
    out->huge = f->kind != FK_DATA;
    out->vaddr = (f->vpn << os->shift) | (paddr & (os->fs - 1));
    return MMU_OK;
}

void mmu_os_get_stats(const mmu_os *os, mmu_os_stats *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!os)
        return;
    *out = os->st;
    out->frame_bytes = os->fs;
    out->frames_total = os->data_frames + os->pt_frames;
    out->frames_used = os->frames_used;
    out->frames_pt = os->frames_pt;
    out->swap_slots_used = os->slots_used;
    out->swap_slots_peak = os->slots_peak;
    uint64_t h = sizeof *os + os->nwords * (sizeof *os->used + sizeof *os->chunk) +
                 os->nchunks * CHUNK_FRAMES * sizeof(struct frame) +
                 os->nblocks * sizeof *os->blk_used + os->cap_slot_free * sizeof *os->slot_free +
                 (uint64_t)mmu_sparse_mem_pages(os->mem) * MMU_SPARSE_PAGE_SIZE +
                 os->cap_procs * sizeof *os->procs + os->cap_tg * sizeof *os->tg;
    for (uint32_t i = 0; i < os->nprocs; i++)
        h += sizeof *os->procs[i] + os->procs[i]->nreg * sizeof(struct region);
    for (unsigned i = 0; i < 256; i++)
        h += os->asid_idx[i] ? 256 * sizeof(uint32_t) : 0;
    out->host_bytes = h;
}

static void fill_proc(const mmu_os *os, const struct proc *p, mmu_os_proc_stats *out)
{
    memset(out, 0, sizeof *out);
    out->asid = p->asid;
    out->root = p->root;
    out->vms = p->vms * os->fs;
    out->rss = p->rss * os->fs;
    out->peak_rss = p->peak * os->fs;
    out->swap = p->swap * os->fs;
    out->pt_bytes = p->pt * os->fs;
    memcpy(out->faults, p->faults, sizeof out->faults);
    out->swap_ins = p->swap_ins;
    out->swap_outs = p->swap_outs;
    out->thp = p->thp;
}

uint32_t mmu_os_proc_count(const mmu_os *os)
{
    return os ? os->nprocs : 0;
}

mmu_err mmu_os_proc_get(const mmu_os *os, uint32_t i, mmu_os_proc_stats *out)
{
    if (!os || !out || i >= os->nprocs)
        return MMU_ENOTFOUND;
    fill_proc(os, os->procs[i], out);
    return MMU_OK;
}

mmu_err mmu_os_proc_find(const mmu_os *os, uint16_t asid, mmu_os_proc_stats *out)
{
    const struct proc *p = os ? proc_of(os, asid) : NULL;
    if (!p || !out)
        return MMU_ENOTFOUND;
    fill_proc(os, p, out);
    return MMU_OK;
}

void mmu_os_clear_stats(mmu_os *os)
{
    if (!os)
        return;
    memset(&os->st, 0, sizeof os->st);
    os->slots_peak = os->slots_used;
    for (uint32_t i = 0; i < os->nprocs; i++) {
        struct proc *p = os->procs[i];
        memset(p->faults, 0, sizeof p->faults);
        p->swap_ins = p->swap_outs = p->thp = 0;
        p->peak = p->rss;
    }
}
