/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pt_riscv.c - RISC-V Sv39/Sv48/Sv57 page-table entries, per the RISC-V
 * privileged spec ("Sv39: Page-Based 39-bit Virtual-Memory System" and
 * following): V(0) R(1) W(2) X(3) U(4) G(5) A(6) D(7) RSW(9:8) PPN(53:10)
 * reserved(60:54) PBMT(62:61) N(63).  Svpbmt and Svnapot are not modelled:
 * bits 63:54 are reserved and make the entry fault.  R=W=X=0 is a pointer
 * to the next table, in which D, A and U are reserved (set: the walk faults
 * as on any reserved bit); W=1 with R=0 is a reserved encoding.
 */
#include "mmusim/pagetable.h"
#include "pt_decode.h"
#include "pt_internal.h"

static void rv_decode(const mmu_pt_format *fmt, unsigned level, uint64_t raw, mmu_pte *pte)
{
    (void)fmt;
    (void)level;
    mmusim_pt_rv_decode(raw, pte);
}

static mmu_err rv_encode(const mmu_pt_format *fmt, unsigned level, const mmu_pte *pte,
                         uint64_t *raw)
{
    (void)fmt;
    (void)level;
    uint32_t f = pte->flags;
    int rwx = (f & (MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_EXEC)) != 0;
    if (rwx != ((f & MMU_PTE_LEAF) != 0))
        return MMU_EINVAL; /* a leaf needs one of R/W/X; a table has none */
    if (pte->paddr & ~PT_BITS(55, 12))
        return MMU_EINVAL;
    uint64_t r = RV_V | ((pte->paddr >> 12) << 10);
    if (f & MMU_PTE_READ)
        r |= RV_R;
    if (f & MMU_PTE_WRITE)
        r |= RV_W;
    if (f & MMU_PTE_EXEC)
        r |= RV_X;
    if (f & MMU_PTE_USER)
        r |= RV_U;
    if (f & MMU_PTE_GLOBAL)
        r |= RV_G;
    if (f & MMU_PTE_ACCESSED)
        r |= RV_A;
    if (f & MMU_PTE_DIRTY)
        r |= RV_D;
    *raw = r | pte->other | pte->reserved;
    return MMU_OK;
}

const struct mmu_pt_ops mmusim_pt_riscv_ops = {
    .decode = rv_decode,
    .encode = rv_encode,
    MMUSIM_PT_RV_WALK_FIELDS,
};
