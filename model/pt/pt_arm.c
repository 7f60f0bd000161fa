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
#include "pt_internal.h"

#define ARM_VALID PT_BIT(0)
#define ARM_TYPE PT_BIT(1) /* 1: table or page; 0: block */
#define ARM_AP1 PT_BIT(6)  /* EL0 access */
#define ARM_AP2 PT_BIT(7)  /* read-only */
#define ARM_AF PT_BIT(10)
#define ARM_NG PT_BIT(11)
#define ARM_DBM PT_BIT(51)
#define ARM_PXN PT_BIT(53)
#define ARM_UXN PT_BIT(54)
#define ARM_PXNT PT_BIT(59)
#define ARM_UXNT PT_BIT(60)
#define ARM_APT0 PT_BIT(61) /* no EL0 access below */
#define ARM_APT1 PT_BIT(62) /* no write access below */
#define ARM_TABLE_RES0 PT_BITS(51, 48)
#define ARM_LEAF_RES0 PT_BITS(49, 48)

static void arm_decode(const mmu_pt_format *fmt, unsigned level, uint64_t raw, mmu_pte *pte)
{
    if (!(raw & ARM_VALID)) {
        mmusim_pt_invalid(raw, pte);
        return;
    }
    if ((raw & ARM_TYPE) && level > 0) {
        uint64_t addr = PT_BITS(47, fmt->shift[0]);
        uint32_t f = MMU_PTE_VALID | MMU_PTE_READ;
        if (!(raw & ARM_APT1))
            f |= MMU_PTE_WRITE;
        if (!(raw & ARM_APT0))
            f |= MMU_PTE_USER;
        if (!(raw & ARM_UXNT))
            f |= MMU_PTE_EXEC;
        if (raw & ARM_PXNT)
            f |= MMU_PTE_PXN;
        pte->flags = f;
        pte->paddr = raw & addr;
        pte->reserved = raw & ARM_TABLE_RES0;
        pte->other = raw & ~(ARM_VALID | ARM_TYPE | addr | ARM_TABLE_RES0 | ARM_PXNT | ARM_UXNT |
                             ARM_APT0 | ARM_APT1);
        return;
    }
    if (!(raw & ARM_TYPE) && !(fmt->leaf_levels & (1u << level) && level > 0)) {
        mmusim_pt_invalid(raw, pte); /* block where none is allowed, or 01 at Arm level 3 */
        return;
    }
    uint64_t addr = PT_BITS(47, fmt->shift[level]);
    uint32_t f = MMU_PTE_VALID | MMU_PTE_LEAF | MMU_PTE_READ;
    if (raw & ARM_AP1)
        f |= MMU_PTE_USER;
    if (!(raw & ARM_AP2))
        f |= MMU_PTE_WRITE | MMU_PTE_DIRTY;
    if (raw & ARM_DBM)
        f |= MMU_PTE_WRITE | MMU_PTE_DBM;
    if (raw & ARM_AF)
        f |= MMU_PTE_ACCESSED;
    if (!(raw & ARM_NG))
        f |= MMU_PTE_GLOBAL;
    if (!(raw & ARM_UXN))
        f |= MMU_PTE_EXEC;
    if (raw & ARM_PXN)
        f |= MMU_PTE_PXN;
    pte->flags = f;
    pte->paddr = raw & addr;
    pte->reserved = raw & ARM_LEAF_RES0;
    pte->other = raw & ~(ARM_VALID | ARM_TYPE | addr | ARM_LEAF_RES0 | ARM_AP1 | ARM_AP2 | ARM_AF |
                         ARM_NG | ARM_DBM | ARM_PXN | ARM_UXN);
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
    .a_set = ARM_AF,
    .d_set = 0,
    .d_clear = ARM_AP2,
    .walk_flags = MMU_WALK_SMEP,
    .hier_perms = 1,
    .table_accessed = 0,
    .split_exec = 1,
};
