/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pt_internal.h - private parts of the page-table formats: the per-
 * architecture operations the shared walk loop (pt_walk.c) calls.  Each
 * architecture (pt_x86.c, pt_riscv.c, pt_arm.c) defines one constant ops
 * table; the format descriptors (pt_format.c) point at them.
 */
#ifndef MMUSIM_PT_INTERNAL_H
#define MMUSIM_PT_INTERNAL_H

#include <stdint.h>

#include "mmusim/pagetable.h"
#include "mmusim/tlb.h"

/* Bits hi..lo (inclusive) set. */
#define PT_BITS(hi, lo) ((~0ull >> (63 - (hi))) & ~((1ull << (lo)) - 1))
#define PT_BIT(n) (1ull << (n))

/*
 * Contract: decode and encode implement mmu_pte_decode/mmu_pte_encode for
 * one architecture; the level is already checked (< fmt->levels).  decode
 * must be cheap (the walk calls it once per PTE read) and total: every raw
 * value decodes, and encode(decode(raw)) == raw.  The data fields tell the
 * walk loop how the architecture's accessed/dirty bits and permission
 * limits work.
 */
struct mmu_pt_ops {
    void (*decode)(const mmu_pt_format *fmt, unsigned level, uint64_t raw, mmu_pte *pte);
    mmu_err (*encode)(const mmu_pt_format *fmt, unsigned level, const mmu_pte *pte, uint64_t *raw);
    uint64_t a_set;         /* raw bits set to mark an entry accessed */
    uint64_t d_set;         /* raw bits set to mark a leaf dirty */
    uint64_t d_clear;       /* raw bits cleared to mark a leaf dirty (Arm AP[2]) */
    uint32_t walk_flags;    /* MMU_WALK_* of mmu_walk_opts_defaults */
    uint8_t hier_perms;     /* table entries limit the permissions below them (x86, Arm) */
    uint8_t table_accessed; /* hardware sets A in table entries too (x86) */
    uint8_t split_exec;     /* a non-user leaf is executable unless PXN (Arm) */
};

extern const struct mmu_pt_ops mmusim_pt_x86_ops;
extern const struct mmu_pt_ops mmusim_pt_riscv_ops;
extern const struct mmu_pt_ops mmusim_pt_arm_ops;
extern const struct mmu_pt_ops mmusim_pt_ept_ops;    /* pt_host.c */
extern const struct mmu_pt_ops mmusim_pt_arm_s2_ops; /* pt_host.c */

/* An entry that is not valid: no flags, no address; every bit kept in other. */
static inline void mmusim_pt_invalid(uint64_t raw, mmu_pte *pte)
{
    pte->flags = 0;
    pte->paddr = 0;
    pte->reserved = 0;
    pte->other = raw;
}

/*
 * MMU_TLB_* flags of a leaf with MMU_PTE_* flags f: what mmu_pt_check_access
 * takes.  The walk, TLB hits and the OS model (whose leaf and protection
 * checks go through mmu_pt_check_access too) share this one permission check.
 */
/* The MMU_TLB_* of every combination of MMU_PTE_* bits 8..2 (READ to DIRTY). */
#define PT_TLB_MOVE(f, pte, tlb) ((((f) / (uint32_t)(pte)) & 1u) * (unsigned)(tlb))
#define PT_TLB_OF(f)                                                                             \
    (uint8_t)(PT_TLB_MOVE(f, MMU_PTE_GLOBAL, MMU_TLB_GLOBAL) |                                     \
              PT_TLB_MOVE(f, MMU_PTE_WRITE, MMU_TLB_WRITE) | PT_TLB_MOVE(f, MMU_PTE_USER, MMU_TLB_USER) | \
              PT_TLB_MOVE(f, MMU_PTE_EXEC, MMU_TLB_EXEC) |                                         \
              PT_TLB_MOVE(f, MMU_PTE_DIRTY, MMU_TLB_DIRTY) | PT_TLB_MOVE(f, MMU_PTE_READ, MMU_TLB_READ))
#define PT_TLB_1(i) PT_TLB_OF((uint32_t)(i) << 2)
#define PT_TLB_4(i) PT_TLB_1(i), PT_TLB_1((i) + 1), PT_TLB_1((i) + 2), PT_TLB_1((i) + 3)
#define PT_TLB_16(i) PT_TLB_4(i), PT_TLB_4((i) + 4), PT_TLB_4((i) + 8), PT_TLB_4((i) + 12)
#define PT_TLB_64(i) PT_TLB_16(i), PT_TLB_16((i) + 16), PT_TLB_16((i) + 32), PT_TLB_16((i) + 48)
_Static_assert(MMU_PTE_READ == 1u << 2 && MMU_PTE_WRITE < MMU_PTE_DIRTY && MMU_PTE_EXEC < MMU_PTE_DIRTY &&
                   MMU_PTE_USER < MMU_PTE_DIRTY && MMU_PTE_GLOBAL < MMU_PTE_DIRTY &&
                   MMU_PTE_WRITE > MMU_PTE_READ && MMU_PTE_EXEC > MMU_PTE_READ &&
                   MMU_PTE_USER > MMU_PTE_READ && MMU_PTE_GLOBAL > MMU_PTE_READ && MMU_PTE_DIRTY == 1u << 8,
               "mmusim_pt_tlb_flags indexes its table by MMU_PTE_* bits 8..2");

static inline unsigned mmusim_pt_tlb_flags(uint32_t f)
{
    static const uint8_t tlb[128] = {PT_TLB_64(0), PT_TLB_64(64)};
    return tlb[(f >> 2) & 127];
}

#endif /* MMUSIM_PT_INTERNAL_H */
