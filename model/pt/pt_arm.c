/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pt_arm.c - AArch64 VMSAv8-64 stage 1 (EL1&0 regime) descriptors with a
 * 4K, 16K or 64K granule and 48-bit output addresses, per the Arm ARM
 * ("VMSAv8-64 translation table format descriptors").
 *
 * bits[1:0]: x0 invalid; 01 block (only where the granule allows one:
 * Arm level 1/2 with 4K, level 2 with 16K and 64K), reserved (invalid) at
 * Arm level 3 and where blocks are not allowed; 11 table, or page at Arm
 * level 3.  Table: address 47:granule, bits 51:48 RES0, PXNTable(59)
 * UXNTable(60) APTable(62:61) NSTable(63).  Block/page: AttrIndx(4:2) NS(5)
 * AP[1](6: EL0 access) AP[2](7: read-only) SH(9:8) AF(10) nG(11) output
 * address 47:block size (lower RES0 bits ignored, as AArch64.BlockBase
 * does) 49:48 RES0, GP(50) DBM(51) Contiguous(52) PXN(53) UXN(54).  RES0
 * address bits 51:48 of a table and 49:48 of a leaf are reported as
 * reserved: an address size fault.  52-bit addresses (LPA, LPA2) are not
 * modelled.
 */
#include "mmusim/pagetable.h"
#include "pt_decode.h"
#include "pt_internal.h"

static void arm_decode(const mmu_pt_format *fmt, unsigned level, uint64_t raw, mmu_pte *pte)
{
    mmusim_pt_arm_decode(fmt, level, raw, pte);
}

static mmu_err arm_encode(const mmu_pt_format *fmt, unsigned level, const mmu_pte *pte,
                          uint64_t *raw)
{
    uint32_t f = pte->flags;
    uint64_t r;
    if (f & MMU_PTE_LEAF) {
        if (!(fmt->leaf_levels & (1u << level)))
            return MMU_EINVAL;
        uint64_t addr = PT_BITS(47, fmt->shift[level]);
        if (pte->paddr & ~addr)
            return MMU_EINVAL;
        r = ARM_VALID | pte->paddr | (level == 0 ? ARM_TYPE : 0);
        int ro;
        if (!(f & MMU_PTE_WRITE))
            ro = 1;
        else if (f & MMU_PTE_DBM)
            ro = !(f & MMU_PTE_DIRTY); /* writable-clean */
        else
            ro = 0;
        if (ro)
            r |= ARM_AP2;
        if (f & MMU_PTE_USER)
            r |= ARM_AP1;
        if (f & MMU_PTE_ACCESSED)
            r |= ARM_AF;
        if (!(f & MMU_PTE_GLOBAL))
            r |= ARM_NG;
        if (f & MMU_PTE_DBM)
            r |= ARM_DBM;
        if (f & MMU_PTE_PXN)
            r |= ARM_PXN;
        if (!(f & MMU_PTE_EXEC))
            r |= ARM_UXN;
    } else {
        if (level == 0)
            return MMU_EINVAL;
        if (pte->paddr & ~PT_BITS(47, fmt->shift[0]))
            return MMU_EINVAL;
        r = ARM_VALID | ARM_TYPE | pte->paddr;
        if (!(f & MMU_PTE_WRITE))
            r |= ARM_APT1;
        if (!(f & MMU_PTE_USER))
            r |= ARM_APT0;
        if (!(f & MMU_PTE_EXEC))
            r |= ARM_UXNT;
        if (f & MMU_PTE_PXN)
            r |= ARM_PXNT;
    }
    *raw = r | pte->other | pte->reserved;
    return MMU_OK;
}

const struct mmu_pt_ops mmusim_pt_arm_ops = {
    .decode = arm_decode,
    .encode = arm_encode,
    MMUSIM_PT_ARM_WALK_FIELDS,
};
