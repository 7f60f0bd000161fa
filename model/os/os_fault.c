/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os_fault.c - page faults: the demand mapping of a base page (zeroed, or
 * read back from swap) and the fault handler with its latency breakdown.
 */
#include <stdlib.h>
#include <string.h>

#include "os_internal.h"

/*
 * Map the page holding va, which is not present, as a demand fault of an
 * access that writes or not: install missing tables, a huge page where THP
 * allows, else a base page (zeroed, or read back from swap).  A set, D set
 * on a write.  at: where mmusim_os_lookup of va stopped (an entry not
 * present), with nothing changed since: the map starts there instead of
 * walking down from the root again.
 */
mmu_err mmusim_os_map_page(mmu_os *os, struct proc *p, uint64_t va, int write, struct fctx *fc,
                        struct map_out *mo, const struct loc *at)
{
    uint64_t lo, hi;
    uint32_t prot = mmusim_os_region_prot(p, va, &lo, &hi);
    const unsigned top = at->level;
    uint64_t table = at->pa - mmu_pt_index(os->fmt, top, va) * os->fmt->pte_size;
    mmu_err e;
    memset(mo, 0, sizeof *mo);
    for (unsigned level = top; level > 0; level--) {
        uint64_t pa = table + mmu_pt_index(os->fmt, level, va) * os->fmt->pte_size;
        mmu_pte pte;
        if (level == top)
            pte = at->pte;
        else
            decode(os, level, read_pte(os, pa), &pte);
        if (pte.flags & MMU_PTE_VALID) {
            if (pte.flags & MMU_PTE_LEAF)
                return MMU_EINVAL; /* already mapped: the caller checked */
            table = pte.paddr;
            continue;
        }
        if (level == 1 && os->cfg.thp && os->thp_ok) {
            uint64_t hmask = (1ull << os->huge_shift) - 1;
            uint64_t b = va & ~hmask;
            if (lo <= b && b + hmask <= hi) { /* one protection over the whole aligned region */
                uint64_t block = mmusim_os_find_free_block(os);
                if (block != UINT64_MAX)
                    return mmusim_os_map_huge(os, p, va, pa, block, prot, write, fc, mo);
                mo->fallback = 1;
                os->st.thp_fallbacks++;
            }
        }
        uint64_t tpa, traw;
        if ((e = mmusim_os_alloc_table(os, p, p->asid, fc, &tpa)) != MMU_OK)
            return e;
        if ((e = encode(os, level, tpa, os->table_flags, &traw)) != MMU_OK ||
            (e = write_pte(os, pa, traw)) != MMU_OK)
            return e;
        table = tpa;
    }
    uint64_t pa = table + mmu_pt_index(os->fmt, 0, va) * os->fmt->pte_size;
    uint64_t old = top == 0 ? at->raw : read_pte(os, pa);
    uint32_t slot1 = is_marker(old) ? marker_slot1(old) : 0;
    uint64_t pfn, raw;
    if ((e = mmusim_os_alloc_frame(os, fc, &pfn)) != MMU_OK)
        return e;
    if ((e = encode(os, 0, frame_pa(os, pfn), leaf_flags(os, prot, 1, write), &raw)) != MMU_OK ||
        (e = write_pte(os, pa, raw)) != MMU_OK) {
        mmusim_os_free_frame(os, pfn);
        return e;
    }
    struct frame *f = frame_at(os, pfn);
    f->kind = FK_DATA;
    f->asid = p->asid;
    f->vpn = va >> os->shift;
    f->pte_pa = pa;
    f->slot1 = slot1;
    add_rss(p, 1);
    if (old == 0)
        p->vms++;
    mo->page_size = os->base_ps;
    mo->vbase = va & ~(os->fs - 1);
    if (slot1) {
        p->swap--;
        p->swap_ins++;
        os->st.swap_ins++;
        mo->kind = MMU_OS_FAULT_MAJOR;
        fc->lat.part[MMU_OS_LAT_HANDLER] += os->cfg.major_handler;
        fc->lat.part[MMU_OS_LAT_SWAP_READ] += os->swap_read_cyc;
    } else {
        mo->kind = MMU_OS_FAULT_MINOR;
        fc->lat.part[MMU_OS_LAT_HANDLER] += os->cfg.minor_handler;
    }
    return MMU_OK;
}

/* ---------------------------------------------------------------- faults */

mmu_err mmu_os_handle_fault(mmu_os *os, uint16_t asid, uint64_t vaddr, mmu_access_type type,
                            mmu_priv priv, const mmu_walk_result *walk, mmu_os_fault_result *res)
{
    if (!os || !walk || !res || (unsigned)type >= MMU_ACCESS_TYPES ||
        (priv != MMU_PRIV_USER && priv != MMU_PRIV_SUPER) || walk->fault == MMU_FAULT_NONE ||
        walk->fault >= MMU_FAULT_CAUSES)
        return MMU_EINVAL;
    memset(res, 0, sizeof *res);
    res->cause = walk->fault;
    res->page_size = MMU_PAGE_SIZES;
    struct proc *p;
    mmu_err e = mmusim_os_proc_get(os, asid, &p);
    if (e != MMU_OK)
        return e;
    struct fctx fc;
    memset(&fc, 0, sizeof fc);
    fc.lat.part[MMU_OS_LAT_TRAP_ENTRY] = os->cfg.trap_entry;
    fc.lat.part[MMU_OS_LAT_TRAP_RETURN] = os->cfg.trap_return;
    mmu_os_fault_kind kind = MMU_OS_FAULT_PROTECTION;
    int demand = walk->fault == MMU_FAULT_NOT_PRESENT || walk->fault == MMU_FAULT_ACCESS_DIRTY;
    if (demand && mmu_pt_is_canonical(os->fmt, vaddr)) {
        struct loc l;
        mmusim_os_lookup(os, p, vaddr, &l);
        if (l.pte.flags & MMU_PTE_VALID) { /* present: accessed/dirty, or stale */
            if (leaf_allows(l.pte.flags, type, priv)) {
                int need_a = !(l.pte.flags & MMU_PTE_ACCESSED);
                int need_d = type == MMU_WRITE && !(l.pte.flags & MMU_PTE_DIRTY);
                uint64_t size = 1ull << os->fmt->shift[l.level];
                res->vbase = vaddr & ~(size - 1);
                res->page_size = os->fmt->page_size[l.level];
                if (need_a || need_d) {
                    uint64_t raw;
                    l.pte.flags |= MMU_PTE_ACCESSED | (need_d ? MMU_PTE_DIRTY : 0u);
                    if ((e = mmu_pte_encode(os->fmt, l.level, &l.pte, &raw)) != MMU_OK ||
                        (e = write_pte(os, l.pa, raw)) != MMU_OK)
                        return e;
                    kind = MMU_OS_FAULT_AD_UPDATE;
                    fc.lat.part[MMU_OS_LAT_HANDLER] += os->cfg.ad_handler;
                } else {
                    kind = MMU_OS_FAULT_SPURIOUS;
                }
            }
        } else if (prot_allows(mmusim_os_region_prot(p, vaddr, NULL, NULL), type, priv)) {
            struct map_out mo;
            if ((e = mmusim_os_map_page(os, p, vaddr, type == MMU_WRITE, &fc, &mo, &l)) != MMU_OK)
                return e;
            kind = (mmu_os_fault_kind)mo.kind;
            res->vbase = mo.vbase;
            res->page_size = mo.page_size;
            res->thp_fallback = mo.fallback;
        }
    }
    res->kind = (uint8_t)kind;
    fc.lat.total = 0;
    for (unsigned i = 0; i < MMU_OS_LAT_PARTS; i++) {
        fc.lat.total += fc.lat.part[i];
        os->st.lat.part[i] += fc.lat.part[i];
    }
    os->st.lat.total += fc.lat.total;
    res->lat = fc.lat;
    res->evictions = fc.evictions;
    res->writebacks = fc.writebacks;
    res->tables = fc.tables;
    res->shootdowns = fc.shootdowns;
    os->st.faults[kind]++;
    p->faults[kind]++;
    return MMU_OK;
}
