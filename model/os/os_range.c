/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os_range.c - operations on ranges of a process's address space: map
 * (protect), prefault and unmap, splitting huge pages partly inside.
 */
#include <stdlib.h>
#include <string.h>

#include "os_internal.h"

/* ---------------------------------------------------------------- ranges */

/* Widen [vaddr, vaddr + bytes) to base pages: [*lo, *hi] inclusive.  Returns 0 if empty. */
static mmu_err norm_range(const mmu_os *os, uint64_t vaddr, uint64_t bytes, uint64_t *lo,
                          uint64_t *hi)
{
    uint64_t last = vaddr + bytes - 1;
    if (last < vaddr)
        return MMU_EINVAL;
    *lo = vaddr & ~(os->fs - 1);
    *hi = last | (os->fs - 1);
    if (!mmu_pt_is_canonical(os->fmt, *lo) || !mmu_pt_is_canonical(os->fmt, *hi))
        return MMU_EINVAL;
    if (os->fmt->canon == MMU_CANON_SIGN &&
        (*lo >> (os->fmt->va_bits - 1)) != (*hi >> (os->fmt->va_bits - 1)))
        return MMU_EINVAL; /* spans the non-canonical hole */
    return MMU_OK;
}

/* The first address after the block of 2^shift bytes holding va; 0 if that wraps. */
static uint64_t block_end(uint64_t va, unsigned shift)
{
    return (va | ((1ull << shift) - 1)) + 1;
}

/* Change the present leaf at l to protection prot; shootdown if it changed. */
static mmu_err reprotect(mmu_os *os, struct proc *p, const struct loc *l, uint64_t va,
                         uint32_t prot, struct fctx *fc)
{
    int a = (l->pte.flags & MMU_PTE_ACCESSED) != 0;
    int d = (l->pte.flags & MMU_PTE_DIRTY) != 0;
    uint64_t raw;
    mmu_err e = encode(os, l->level, l->pte.paddr, leaf_flags(os, prot, a, d), &raw);
    if (e != MMU_OK || raw == l->raw)
        return e;
    if (d && !(prot & MMU_OS_PROT_WRITE)) { /* keep the page's dirtiness in software */
        struct frame *f = frame_at(os, pa_frame(os, l->pte.paddr));
        f->flags |= FR_SOFT_DIRTY;
    }
    if ((e = write_pte(os, l->pa, raw)) != MMU_OK)
        return e;
    mmusim_os_shootdown(os, fc, p->asid, va & ~((1ull << os->fmt->shift[l->level]) - 1),
              os->fmt->page_size[l->level]);
    return MMU_OK;
}

/* Drop the mapping or swap entry at l (a base page, or a huge page wholly inside the range). */
static mmu_err drop(mmu_os *os, struct proc *p, const struct loc *l, uint64_t va, struct fctx *fc)
{
    mmu_err e = write_pte(os, l->pa, 0);
    if (e != MMU_OK)
        return e;
    if (!(l->pte.flags & MMU_PTE_VALID)) { /* a swap entry or a dropped zero page */
        uint32_t slot1 = marker_slot1(l->raw);
        if (slot1) {
            mmusim_os_slot_release(os, slot1);
            p->swap--;
        }
        p->vms--;
        return MMU_OK;
    }
    uint64_t pfn = pa_frame(os, l->pte.paddr);
    uint64_t n = l->level ? os->R : 1;
    for (uint64_t i = 0; i < n; i++) {
        struct frame *f = frame_at(os, pfn + i);
        mmusim_os_slot_release(os, f->slot1);
        mmusim_os_free_frame(os, pfn + i);
    }
    p->rss -= n;
    p->vms -= n;
    mmusim_os_shootdown(os, fc, p->asid, va & ~((1ull << os->fmt->shift[l->level]) - 1),
              os->fmt->page_size[l->level]);
    return MMU_OK;
}

enum { OP_PROTECT, OP_UNMAP, OP_PREFAULT };

static mmu_err range_op(mmu_os *os, uint16_t asid, uint64_t vaddr, uint64_t bytes, int op,
                        uint32_t prot)
{
    if (!os)
        return MMU_EINVAL;
    if (bytes == 0)
        return MMU_OK;
    uint64_t lo, hi;
    mmu_err e = norm_range(os, vaddr, bytes, &lo, &hi);
    if (e != MMU_OK)
        return e;
    struct proc *p;
    if ((e = mmusim_os_proc_get(os, asid, &p)) != MMU_OK)
        return e;
    if (op == OP_PROTECT && (e = mmusim_os_region_set(p, lo, hi, prot)) != MMU_OK)
        return e;
    struct fctx fc; /* setup: costs are not charged */
    memset(&fc, 0, sizeof fc);
    uint64_t va = lo;
    for (;;) {
        struct loc l;
        mmusim_os_lookup(os, p, va, &l);
        uint64_t next;
        if (l.pte.flags & MMU_PTE_VALID) {
            next = block_end(va, os->fmt->shift[l.level]);
            if (op != OP_PREFAULT) {
                if (l.level > 0) {
                    uint64_t b = va & ~((1ull << os->fmt->shift[l.level]) - 1);
                    if (b < lo || next - 1 > hi || next == 0) { /* partly inside: split, look again */
                        if (l.level != 1 || (e = mmusim_os_split_huge(os, p, l.pa, &fc)) != MMU_OK)
                            return e != MMU_OK ? e : MMU_EUNSUPPORTED;
                        continue;
                    }
                }
                e = op == OP_PROTECT ? reprotect(os, p, &l, va, prot, &fc) : drop(os, p, &l, va, &fc);
                if (e != MMU_OK)
                    return e;
            }
        } else if (op == OP_PREFAULT) {
            struct map_out mo;
            if ((e = mmusim_os_map_page(os, p, va, 0, &fc, &mo, &l)) != MMU_OK)
                return e;
            next = block_end(va, mo.page_size == os->huge_ps && os->huge_ps != os->base_ps
                                     ? os->huge_shift
                                     : os->shift);
        } else if (l.level > 0) {
            next = block_end(va, os->fmt->shift[l.level]); /* nothing mapped below this entry */
        } else {
            next = block_end(va, os->shift);
            if (op == OP_UNMAP && l.raw != 0 && (e = drop(os, p, &l, va, &fc)) != MMU_OK)
                return e;
        }
        if (next == 0 || next - 1 >= hi)
            return MMU_OK;
        va = next;
    }
}

mmu_err mmu_os_map(mmu_os *os, uint16_t asid, uint64_t vaddr, uint64_t bytes, uint32_t prot,
                   uint32_t flags)
{
    const uint32_t all = MMU_OS_PROT_READ | MMU_OS_PROT_WRITE | MMU_OS_PROT_EXEC |
                         MMU_OS_PROT_USER | MMU_OS_PROT_GLOBAL;
    if (!(prot & MMU_OS_PROT_READ) || (prot & ~all) || (flags & ~(uint32_t)MMU_OS_MAP_POPULATE))
        return MMU_EINVAL;
    if (prot & MMU_OS_PROT_GLOBAL) /* one frame per process: a global TLB entry would leak it */
        return MMU_EUNSUPPORTED;
    mmu_err e = range_op(os, asid, vaddr, bytes, OP_PROTECT, prot);
    if (e == MMU_OK && (flags & MMU_OS_MAP_POPULATE))
        e = range_op(os, asid, vaddr, bytes, OP_PREFAULT, 0);
    return e;
}

mmu_err mmu_os_prefault(mmu_os *os, uint16_t asid, uint64_t vaddr, uint64_t bytes)
{
    return range_op(os, asid, vaddr, bytes, OP_PREFAULT, 0);
}

mmu_err mmu_os_unmap(mmu_os *os, uint16_t asid, uint64_t vaddr, uint64_t bytes)
{
    return range_op(os, asid, vaddr, bytes, OP_UNMAP, 0);
}
