/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pt_decode.h - the entry decoders of x86-64 (pt_x86.c), RISC-V
 * (pt_riscv.c) and AArch64 stage 1 (pt_arm.c) as inline functions, so that
 * the walk loop (pt_walk.c) decodes those formats without a call per entry.
 * Each architecture's file documents its bits and wraps its decoder in the
 * ops table's decode.
 */
#ifndef MMUSIM_PT_DECODE_H
#define MMUSIM_PT_DECODE_H

#include <stdint.h>

#include "mmusim/pagetable.h"
#include "pt_internal.h"

/* flag if raw has bit set, else 0, without a branch (bit and flag: single bits) */
#define PT_FLAG(raw, bit, flag) ((uint32_t)(((raw) / (bit)) & 1) * (uint32_t)(flag))

/* ---------------------------------------------------------------- x86-64 */

#define X86_P PT_BIT(0)
#define X86_RW PT_BIT(1)
#define X86_US PT_BIT(2)
#define X86_A PT_BIT(5)
#define X86_D PT_BIT(6)
#define X86_PS PT_BIT(7)
#define X86_G PT_BIT(8)
#define X86_XD PT_BIT(63)
#define X86_ADDR PT_BITS(51, 12)
#define X86_ADDR_LARGE PT_BITS(51, 13) /* bit 12 is PAT; 20:13 / 29:13 reserved, caught as misalignment */

/* The walk fields of the x86 ops table (pt_x86.c; pt_walk.c folds them as constants). */
#define MMUSIM_PT_X86_WALK_FIELDS                                                                  \
    .a_set = X86_A, .d_set = X86_D, .d_clear = 0, .walk_flags = MMU_WALK_SMEP | MMU_WALK_SMAP,     \
    .hier_perms = 1, .table_accessed = 1, .split_exec = 0

static inline int mmusim_pt_x86_is_leaf(unsigned level, uint64_t raw)
{
    return level == 0 || (level <= 2 && (raw & X86_PS));
}

static inline void mmusim_pt_x86_decode(unsigned level, uint64_t raw, mmu_pte *pte)
{
    if (!(raw & X86_P)) {
        mmusim_pt_invalid(raw, pte);
        return;
    }
    /* the flags of raw bits 8..1 (RW, US, A; leaf: D, G) from a table, EXEC from XD */
#define X86_F(i, bit, flag) (((i) >> ((bit) - 1) & 1) * (uint32_t)(flag))
#define X86_T(i)                                                                                   \
    (uint16_t)(MMU_PTE_VALID | MMU_PTE_READ | X86_F(i, 1, MMU_PTE_WRITE) | X86_F(i, 2, MMU_PTE_USER) | \
               X86_F(i, 5, MMU_PTE_ACCESSED))
#define X86_L(i) (uint16_t)(X86_T(i) | MMU_PTE_LEAF | X86_F(i, 6, MMU_PTE_DIRTY) | X86_F(i, 8, MMU_PTE_GLOBAL))
#define X86_4(m, i) m(i), m((i) + 1), m((i) + 2), m((i) + 3)
#define X86_16(m, i) X86_4(m, i), X86_4(m, (i) + 4), X86_4(m, (i) + 8), X86_4(m, (i) + 12)
#define X86_64(m, i) X86_16(m, i), X86_16(m, (i) + 16), X86_16(m, (i) + 32), X86_16(m, (i) + 48)
#define X86_256(m) X86_64(m, 0), X86_64(m, 64), X86_64(m, 128), X86_64(m, 192)
    static const uint16_t table_flags[256] = {X86_256(X86_T)};
    static const uint16_t leaf_flags[256] = {X86_256(X86_L)};
#undef X86_F
#undef X86_T
#undef X86_L
#undef X86_4
#undef X86_16
#undef X86_64
#undef X86_256
    const unsigned i = (unsigned)(raw >> 1) & 0xFF;
    const uint32_t exec = PT_FLAG(~raw, X86_XD, MMU_PTE_EXEC);
    pte->reserved = 0;
    uint32_t f;
    uint64_t used = X86_P | X86_RW | X86_US | X86_A | X86_XD;
    uint64_t addr;
    if (mmusim_pt_x86_is_leaf(level, raw)) {
        f = leaf_flags[i] | exec;
        used |= X86_D | X86_G;
        if (level > 0) {
            addr = X86_ADDR_LARGE;
            used |= X86_PS;
        } else {
            addr = X86_ADDR;
        }
    } else {
        f = table_flags[i] | exec;
        addr = X86_ADDR;
        if (raw & X86_PS) { /* PS in a PML4E or PML5E is reserved */
            pte->reserved = X86_PS;
            used |= X86_PS;
        }
    }
    pte->flags = f;
    pte->paddr = raw & addr;
    pte->other = raw & ~(used | addr);
}

/* ---------------------------------------------------------------- RISC-V */

#define RV_V PT_BIT(0)
#define RV_R PT_BIT(1)
#define RV_W PT_BIT(2)
#define RV_X PT_BIT(3)
#define RV_U PT_BIT(4)
#define RV_G PT_BIT(5)
#define RV_A PT_BIT(6)
#define RV_D PT_BIT(7)
#define RV_RSW PT_BITS(9, 8)
#define RV_PPN PT_BITS(53, 10)
#define RV_RSVD PT_BITS(63, 54)

/* The walk fields of the RISC-V ops table (pt_riscv.c). */
#define MMUSIM_PT_RV_WALK_FIELDS                                                                   \
    .a_set = RV_A, .d_set = RV_D, .d_clear = 0, .walk_flags = MMU_WALK_SMEP | MMU_WALK_SMAP,       \
    .hier_perms = 0, .table_accessed = 0, .split_exec = 0

static inline void mmusim_pt_rv_decode(uint64_t raw, mmu_pte *pte)
{
    if (!(raw & RV_V)) {
        mmusim_pt_invalid(raw, pte);
        return;
    }
    uint32_t f = MMU_PTE_VALID | PT_FLAG(raw, RV_R, MMU_PTE_READ) | PT_FLAG(raw, RV_W, MMU_PTE_WRITE) |
                 PT_FLAG(raw, RV_X, MMU_PTE_EXEC) | (uint32_t)((raw & (RV_R | RV_W | RV_X)) != 0) * MMU_PTE_LEAF |
                 PT_FLAG(raw, RV_U, MMU_PTE_USER) | PT_FLAG(raw, RV_G, MMU_PTE_GLOBAL) |
                 PT_FLAG(raw, RV_A, MMU_PTE_ACCESSED) | PT_FLAG(raw, RV_D, MMU_PTE_DIRTY);
    pte->flags = f;
    pte->paddr = ((raw & RV_PPN) >> 10) << 12;
    pte->reserved = raw & RV_RSVD;
    if ((raw & (RV_R | RV_W)) == RV_W) /* W without R: reserved encoding */
        pte->reserved |= RV_W;
    if (!(raw & (RV_R | RV_W | RV_X))) /* a pointer: D, A and U are reserved (spec: "for non-leaf PTEs") */
        pte->reserved |= raw & (RV_D | RV_A | RV_U);
    pte->other = raw & RV_RSW;
}

/* ---------------------------------------------------------------- AArch64 */

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

/* The walk fields of the AArch64 ops table (pt_arm.c). */
#define MMUSIM_PT_ARM_WALK_FIELDS                                                                  \
    .a_set = ARM_AF, .d_set = 0, .d_clear = ARM_AP2, .walk_flags = MMU_WALK_SMEP, .hier_perms = 1, \
    .table_accessed = 0, .split_exec = 1

static inline void mmusim_pt_arm_decode(const mmu_pt_format *fmt, unsigned level, uint64_t raw, mmu_pte *pte)
{
    if (!(raw & ARM_VALID)) {
        mmusim_pt_invalid(raw, pte);
        return;
    }
    if ((raw & ARM_TYPE) && level > 0) {
        uint64_t addr = PT_BITS(47, fmt->shift[0]);
        uint32_t f = MMU_PTE_VALID | MMU_PTE_READ | PT_FLAG(~raw, ARM_APT1, MMU_PTE_WRITE) |
                     PT_FLAG(~raw, ARM_APT0, MMU_PTE_USER) | PT_FLAG(~raw, ARM_UXNT, MMU_PTE_EXEC) |
                     PT_FLAG(raw, ARM_PXNT, MMU_PTE_PXN);
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
    uint32_t f = MMU_PTE_VALID | MMU_PTE_LEAF | MMU_PTE_READ | PT_FLAG(raw, ARM_AP1, MMU_PTE_USER) |
                 PT_FLAG(~raw, ARM_AP2, MMU_PTE_WRITE | MMU_PTE_DIRTY) |
                 PT_FLAG(raw, ARM_DBM, MMU_PTE_WRITE | MMU_PTE_DBM) |
                 PT_FLAG(raw, ARM_AF, MMU_PTE_ACCESSED) | PT_FLAG(~raw, ARM_NG, MMU_PTE_GLOBAL) |
                 PT_FLAG(~raw, ARM_UXN, MMU_PTE_EXEC) | PT_FLAG(raw, ARM_PXN, MMU_PTE_PXN);
    pte->flags = f;
    pte->paddr = raw & addr;
    pte->reserved = raw & ARM_LEAF_RES0;
    pte->other = raw & ~(ARM_VALID | ARM_TYPE | addr | ARM_LEAF_RES0 | ARM_AP1 | ARM_AP2 | ARM_AF |
                         ARM_NG | ARM_DBM | ARM_PXN | ARM_UXN);
}

#endif /* MMUSIM_PT_DECODE_H */
