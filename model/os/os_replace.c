/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os_replace.c - page replacement: the clock (second chance) over the
 * accessed bits of the leaves, and the eviction of a base page to swap.
 */
#include <stdlib.h>
#include <string.h>

#include "os_internal.h"

/* ---------------------------------------------------------------- eviction */

static mmu_err evict_page(mmu_os *os, uint64_t pfn, struct frame *f, int dirty, struct fctx *fc)
{
    struct proc *p = proc_of(os, f->asid);
    uint32_t slot1 = f->slot1;
    int write = 0;
    if (dirty) {
        if (!slot1) {
            mmu_err e = mmusim_os_slot_alloc(os, &slot1);
            if (e != MMU_OK)
                return e;
        }
        write = 1;
    }
    mmu_err e = write_pte(os, f->pte_pa, marker(slot1));
    if (e != MMU_OK)
        return e;
    uint16_t asid = f->asid;
    uint64_t va = f->vpn << os->shift;
    p->rss--;
    if (slot1)
        p->swap++;
    if (write) {
        p->swap_outs++;
        os->st.writebacks++;
        fc->writebacks++;
        fc->lat.part[MMU_OS_LAT_WRITEBACK] += os->swap_write_cyc;
    }
    os->st.evictions++;
    fc->evictions++;
    fc->lat.part[MMU_OS_LAT_EVICT] += os->cfg.evict;
    mmusim_os_free_frame(os, pfn);
    mmusim_os_shootdown(os, fc, asid, va, os->base_ps);
    return MMU_OK;
}

/*
 * The clock (second chance): the hand visits resident data pages in frame
 * order (page-table frames, free frames and the tail frames of huge pages
 * are passed over; a huge page is visited at its first frame).  A page
 * whose leaf has A set gets A cleared (no shootdown) and is passed over;
 * the first with A clear is the victim, unless it needs swap slots that are
 * not there (then it is passed over too).  The hand stops on the frame
 * after the victim.
 */
mmu_err mmusim_os_evict_one(mmu_os *os, struct fctx *fc)
{
    uint64_t slots_left = os->slot_limit - os->slots_used;
    for (uint64_t steps = 0; steps < 2 * os->nframes + 2; steps++) {
        uint64_t pfn = os->hand;
        struct frame *f = frame_at(os, pfn);
        if (!f) { /* a chunk never used: all free */
            uint64_t next = ((pfn >> CHUNK_SHIFT) + 1) << CHUNK_SHIFT;
            os->hand = next >= os->nframes ? 0 : next;
            continue;
        }
        uint64_t next = pfn + (f->kind == FK_HEAD ? os->R : 1);
        os->hand = next >= os->nframes ? 0 : next;
        if ((f->kind != FK_DATA && f->kind != FK_HEAD) || (f->flags & FR_PINNED) || pfn == os->hold_pfn)
            continue;
        os->st.clock_visits++;
        unsigned level = f->kind == FK_HEAD ? 1 : 0;
        uint64_t raw = read_pte(os, f->pte_pa);
        mmu_pte pte;
        decode(os, level, raw, &pte);
        if (pte.flags & MMU_PTE_ACCESSED) {
            uint64_t cleared;
            pte.flags &= ~(uint32_t)MMU_PTE_ACCESSED;
            mmu_err e = mmu_pte_encode(os->fmt, level, &pte, &cleared);
            if (e == MMU_OK)
                e = write_pte(os, f->pte_pa, cleared);
            if (e != MMU_OK)
                return e;
            os->st.a_cleared++;
            continue;
        }
        int dirty = (pte.flags & MMU_PTE_DIRTY) || (f->flags & FR_SOFT_DIRTY);
        uint64_t need = level ? (dirty ? os->R : 0) : (dirty && !f->slot1 ? 1 : 0);
        if (need > slots_left)
            continue;
        return level ? mmusim_os_evict_huge(os, pfn, f, dirty, fc) : evict_page(os, pfn, f, dirty, fc);
    }
    return MMU_EFULL;
}

void mmu_os_hold(mmu_os *os, uint64_t paddr)
{
    if (!os)
        return;
    uint64_t pfn = pa_frame(os, paddr);
    const struct frame *f = pfn < os->nframes ? frame_at(os, pfn) : NULL;
    if (!f || (f->kind != FK_DATA && f->kind != FK_HEAD && f->kind != FK_TAIL)) {
        os->hold_pfn = UINT64_MAX;
        return;
    }
    os->hold_pfn = f->kind == FK_TAIL ? pfn - pfn % os->R : pfn; /* a huge page: its head */
}

void mmu_os_release(mmu_os *os)
{
    if (os)
        os->hold_pfn = UINT64_MAX;
}
