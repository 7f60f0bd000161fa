/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os_thp.c - transparent huge pages: mapping a huge page on a demand
 * fault, splitting a present one into base pages, and evicting one whole.
 */
#include <stdlib.h>
#include <string.h>

#include "os_internal.h"

mmu_err mmusim_os_map_huge(mmu_os *os, struct proc *p, uint64_t va, uint64_t pde_pa, uint64_t block,
                        uint32_t prot, int write, struct fctx *fc, struct map_out *mo)
{
    uint64_t R = os->R;
    uint64_t pfn0 = block * R;
    for (uint64_t i = 0; i < R; i += CHUNK_FRAMES)
        if (!mmusim_os_ensure_chunk(os, pfn0 + i))
            return MMU_ENOMEM;
    uint64_t raw;
    mmu_err e = encode(os, 1, frame_pa(os, pfn0), leaf_flags(os, prot, 1, write), &raw);
    if (e == MMU_OK)
        e = write_pte(os, pde_pa, raw);
    if (e != MMU_OK)
        return e;
    uint64_t vbase = va & ~((1ull << os->huge_shift) - 1);
    for (uint64_t i = 0; i < R; i++) {
        mmusim_os_set_used(os, pfn0 + i);
        struct frame *f = frame_at(os, pfn0 + i);
        f->kind = i ? FK_TAIL : FK_HEAD;
        f->asid = p->asid;
        f->vpn = (vbase >> os->shift) + i;
        f->pte_pa = i ? 0 : pde_pa;
    }
    add_rss(p, R);
    p->vms += R;
    p->thp++;
    os->st.thp_mapped++;
    fc->lat.part[MMU_OS_LAT_HANDLER] += os->cfg.minor_handler + (R - 1) * os->cfg.zero_frame;
    mo->kind = MMU_OS_FAULT_MINOR;
    mo->page_size = os->huge_ps;
    mo->vbase = vbase;
    return MMU_OK;
}

/*
 * Split the present huge page whose level-1 leaf is at pde_pa into a table
 * of base pages with the same flags (the huge page stays resident).
 */
mmu_err mmusim_os_split_huge(mmu_os *os, struct proc *p, uint64_t pde_pa, struct fctx *fc)
{
    mmu_pte hp;
    decode(os, 1, read_pte(os, pde_pa), &hp);
    uint64_t pfn0 = pa_frame(os, hp.paddr);
    struct frame *head = frame_at(os, pfn0);
    uint64_t tpa, traw;
    head->flags |= FR_PINNED; /* the table allocation must not evict this page */
    mmu_err e = mmusim_os_alloc_table(os, p, p->asid, fc, &tpa);
    head->flags &= (uint8_t)~FR_PINNED;
    if (e != MMU_OK)
        return e;
    for (uint64_t i = 0; i < os->R; i++) {
        uint64_t raw;
        mmu_pte q = hp;
        q.paddr = hp.paddr + i * os->fs;
        if ((e = mmu_pte_encode(os->fmt, 0, &q, &raw)) != MMU_OK ||
            (e = write_pte(os, tpa + i * os->fmt->pte_size, raw)) != MMU_OK)
            return e;
    }
    if ((e = encode(os, 1, tpa, os->table_flags, &traw)) != MMU_OK ||
        (e = write_pte(os, pde_pa, traw)) != MMU_OK)
        return e;
    uint64_t vbase = head->vpn << os->shift;
    uint8_t soft = head->flags & FR_SOFT_DIRTY;
    for (uint64_t i = 0; i < os->R; i++) {
        struct frame *f = frame_at(os, pfn0 + i);
        f->kind = FK_DATA;
        f->flags = soft;
        f->pte_pa = tpa + i * os->fmt->pte_size;
        f->slot1 = 0;
    }
    os->st.thp_splits++;
    mmusim_os_shootdown(os, fc, p->asid, vbase, os->huge_ps);
    return MMU_OK;
}

/*
 * Evict a huge page whole: its base pages go to swap (all of them if it is
 * dirty, none if it was never written), its frames are freed, and its
 * region becomes a table of not-present base-page entries that come back
 * one by one.  The table takes the huge page's first frame, or a frame of
 * the page-table pool when there is one (os.pt_ranges).
 */
mmu_err mmusim_os_evict_huge(mmu_os *os, uint64_t pfn, struct frame *f, int dirty, struct fctx *fc)
{
    struct proc *p = proc_of(os, f->asid);
    uint64_t R = os->R;
    uint64_t pde_pa = f->pte_pa;
    uint64_t vbase = f->vpn << os->shift;
    uint16_t asid = f->asid;
    const int pool = os->pt_lo != UINT64_MAX;
    uint64_t tpa = frame_pa(os, pfn), pde;
    mmu_err e = pool ? mmusim_os_alloc_table(os, p, asid, NULL, &tpa) : MMU_OK;
    if (e == MMU_OK)
        e = encode(os, 1, tpa, os->table_flags, &pde);
    if (e != MMU_OK)
        return e;
    (void)mmu_sparse_mem_discard(os->mem, tpa, os->fs);
    for (uint64_t i = 0; i < R; i++) {
        uint32_t slot1 = 0;
        if (dirty && (e = mmusim_os_slot_alloc(os, &slot1)) != MMU_OK)
            return e; /* slots taken so far stay allocated; only on host out-of-memory */
        if ((e = write_pte(os, tpa + i * os->fmt->pte_size, marker(slot1))) != MMU_OK)
            return e;
    }
    if ((e = write_pte(os, pde_pa, pde)) != MMU_OK)
        return e;
    for (uint64_t i = pool ? 0 : 1; i < R; i++)
        mmusim_os_free_frame(os, pfn + i);
    if (!pool) {
        memset(f, 0, sizeof *f);
        f->kind = FK_TABLE;
        f->asid = asid;
        os->frames_pt++;
        p->pt++;
    }
    p->rss -= R;
    if (dirty) {
        p->swap += R;
        p->swap_outs += R;
        os->st.writebacks += R;
        fc->writebacks += (uint32_t)R;
        fc->lat.part[MMU_OS_LAT_WRITEBACK] += R * os->swap_write_cyc;
    }
    os->st.evictions++;
    os->st.thp_splits++;
    fc->evictions++;
    fc->tables++;
    fc->lat.part[MMU_OS_LAT_EVICT] += os->cfg.evict;
    fc->lat.part[MMU_OS_LAT_TABLES] += os->cfg.zero_frame;
    mmusim_os_shootdown(os, fc, asid, vbase, os->huge_ps);
    return MMU_OK;
}
