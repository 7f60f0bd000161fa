/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pt_x86.c - x86-64 paging-structure entries (4-level and LA57), per the
 * Intel SDM vol. 3A ch. 4.5: P(0) R/W(1) U/S(2) PWT(3) PCD(4) A(5) D(6, leaf)
 * PS(7: PDPTE/PDE; PAT in a PTE; reserved in PML4E/PML5E) G(8, leaf)
 * PAT(12, 1G/2M leaf) address(51:12, or 51:21 / 51:30 for large pages with
 * bits 20:13 / 29:13 reserved) XD(63).  Bits 62:52 and 11:9 are ignored
 * (62:59 are protection keys when CR4.PKE=1; not modelled).
 */
#include "mmusim/pagetable.h"
#include "pt_decode.h"
#include "pt_internal.h"

static void x86_decode(const mmu_pt_format *fmt, unsigned level, uint64_t raw, mmu_pte *pte)
{
    (void)fmt;
    mmusim_pt_x86_decode(level, raw, pte);
}

static mmu_err x86_encode(const mmu_pt_format *fmt, unsigned level, const mmu_pte *pte,
                          uint64_t *raw)
{
    (void)fmt;
    uint32_t f = pte->flags;
    int leaf = (f & MMU_PTE_LEAF) != 0;
    if (leaf && level > 2)
        return MMU_EINVAL;
    uint64_t addr = leaf && level > 0 ? X86_ADDR_LARGE : X86_ADDR;
    if (pte->paddr & ~addr)
        return MMU_EINVAL;
    uint64_t r = X86_P | pte->paddr;
    if (f & MMU_PTE_WRITE)
        r |= X86_RW;
    if (f & MMU_PTE_USER)
        r |= X86_US;
    if (!(f & MMU_PTE_EXEC))
        r |= X86_XD;
    if (f & MMU_PTE_ACCESSED)
        r |= X86_A;
    if (leaf) {
        if (f & MMU_PTE_DIRTY)
            r |= X86_D;
        if (f & MMU_PTE_GLOBAL)
            r |= X86_G;
        if (level > 0)
            r |= X86_PS;
    }
    *raw = r | pte->other | pte->reserved;
    return MMU_OK;
}

const struct mmu_pt_ops mmusim_pt_x86_ops = {
    .decode = x86_decode,
    .encode = x86_encode,
    MMUSIM_PT_X86_WALK_FIELDS,
};
