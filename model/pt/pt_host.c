/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pt_host.c - host-stage (second-dimension) page-table entries for nested
 * paging: Intel EPT and AArch64 stage 2.  (AMD nested page tables use the
 * ordinary x86-64 entries of pt_x86.c; the RISC-V G-stage uses the Sv39
 * entries of pt_riscv.c.)  docs/virtualization.md lists every bit.
 *
 * Intel EPT (SDM vol. 3C, "EPT Translation Mechanism", tables "Format of
 * an EPT PML4 Entry" ... "Format of an EPT Page-Table Entry"):
 *   R(0) W(1) X(2) (the entry is present iff any of bits 2:0 is set);
 *   leaf: memory type(5:3) ignore-PAT(6) A(8) D(9) user-execute(10, MBEC;
 *   kept in other); bit 7: a leaf in an EPT PDPTE (1G) or PDE (2M),
 *   reserved in a PML4E/PML5E, ignored in a PTE;
 *   table: bits 7:3 reserved, A(8);
 *   address 51:12 (1G/2M: 51:30 / 51:21, the bits below reserved: caught
 *   as a misaligned superpage); bits 63:52 and 11 ignored (63: suppress #VE).
 *   EPT misconfigurations reported as reserved: W=1 with R=0; a leaf memory
 *   type of 2, 3 or 7.  Execute-only (X=1, R=0) is allowed (IA32_VMX_EPT_
 *   VPID_CAP bit 0 is assumed set).  A and D are written only when EPTP
 *   bit 6 enables them (walk A/D mode hardware); with it clear the walk
 *   neither sets nor checks them (A/D mode none).
 *
 * AArch64 stage 2 (Arm ARM D8, "Stage 2 ... descriptors"):
 *   bits[1:0] as stage 1; leaf: MemAttr(5:2) S2AP(7:6: bit 6 read,
 *   bit 7 write) SH(9:8) AF(10) output address 47:granule/block,
 *   49:48 RES0, DBM(51) Contiguous(52) XN(54; bit 53 XN[0] of FEAT_XNX is
 *   kept in other); table: next-level address 47:granule, 51:48 RES0,
 *   bits 63:59 (no hierarchical attributes at stage 2) kept in other.
 *   With DBM=1 and S2AP[1]=0 a page is writable-clean; hardware dirty
 *   state management (VTCR_EL2.HD) sets S2AP[1].
 */
#include "mmusim/pagetable.h"
#include "pt_internal.h"

/* ---------------------------------------------------------------- Intel EPT */

#define EPT_R PT_BIT(0)
#define EPT_W PT_BIT(1)
#define EPT_X PT_BIT(2)
#define EPT_RWX PT_BITS(2, 0)
#define EPT_MT PT_BITS(5, 3)
#define EPT_LARGE PT_BIT(7)
#define EPT_A PT_BIT(8)
#define EPT_D PT_BIT(9)
#define EPT_ADDR PT_BITS(51, 12)
#define EPT_TABLE_RSVD PT_BITS(7, 3)

static int ept_is_leaf(unsigned level, uint64_t raw)
{
    return level == 0 || (level <= 2 && (raw & EPT_LARGE));
}

static void ept_decode(const mmu_pt_format *fmt, unsigned level, uint64_t raw, mmu_pte *pte)
{
    (void)fmt;
    if (!(raw & EPT_RWX)) {
        mmusim_pt_invalid(raw, pte);
        return;
    }
    pte->reserved = 0;
    /* no user/supervisor distinction: every entry is "user", host walks check as user */
    uint32_t f = MMU_PTE_VALID | MMU_PTE_USER;
    if (raw & EPT_R)
        f |= MMU_PTE_READ;
    if (raw & EPT_W)
        f |= MMU_PTE_WRITE;
    if (raw & EPT_X)
        f |= MMU_PTE_EXEC;
    if (raw & EPT_A)
        f |= MMU_PTE_ACCESSED;
    uint64_t used = EPT_RWX | EPT_A;
    if ((raw & (EPT_R | EPT_W)) == EPT_W) /* write without read: misconfiguration */
        pte->reserved |= EPT_W;
    if (ept_is_leaf(level, raw)) {
        f |= MMU_PTE_LEAF;
        if (raw & EPT_D)
            f |= MMU_PTE_DIRTY;
        used |= EPT_D;
        if (level > 0)
            used |= EPT_LARGE;
        uint64_t mt = (raw & EPT_MT) >> 3;
        if (mt == 2 || mt == 3 || mt == 7)
            pte->reserved |= raw & EPT_MT;
    } else {
        pte->reserved |= raw & EPT_TABLE_RSVD;
        used |= EPT_TABLE_RSVD;
    }
    pte->flags = f;
    pte->paddr = raw & EPT_ADDR;
    pte->other = raw & ~(used | EPT_ADDR | pte->reserved);
}

static mmu_err ept_encode(const mmu_pt_format *fmt, unsigned level, const mmu_pte *pte,
                          uint64_t *raw)
{
    (void)fmt;
    uint32_t f = pte->flags;
    int leaf = (f & MMU_PTE_LEAF) != 0;
    if (leaf && level > 2)
        return MMU_EINVAL;
    if (!(f & (MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_EXEC)))
        return MMU_EINVAL; /* no permission at all encodes "not present" */
    if (pte->paddr & ~EPT_ADDR)
        return MMU_EINVAL;
    uint64_t r = pte->paddr;
    if (f & MMU_PTE_READ)
        r |= EPT_R;
    if (f & MMU_PTE_WRITE)
        r |= EPT_W;
    if (f & MMU_PTE_EXEC)
        r |= EPT_X;
    if (f & MMU_PTE_ACCESSED)
        r |= EPT_A;
    if (leaf) {
        if (f & MMU_PTE_DIRTY)
            r |= EPT_D;
        if (level > 0)
            r |= EPT_LARGE;
    }
    *raw = r | pte->other | pte->reserved;
    return MMU_OK;
}

const struct mmu_pt_ops mmusim_pt_ept_ops = {
    .decode = ept_decode,
    .encode = ept_encode,
    .a_set = EPT_A,
    .d_set = EPT_D,
    .d_clear = 0,
    .walk_flags = 0,
    .hier_perms = 1,     /* an access is allowed only if every entry on the path allows it */
    .table_accessed = 1, /* with A/D enabled, A is set in every entry used */
    .split_exec = 0,
};

/* ---------------------------------------------------------------- AArch64 stage 2 */

#define S2_VALID PT_BIT(0)
#define S2_TYPE PT_BIT(1)
#define S2_AP_R PT_BIT(6)
#define S2_AP_W PT_BIT(7)
#define S2_AF PT_BIT(10)
#define S2_DBM PT_BIT(51)
#define S2_XN PT_BIT(54)
#define S2_TABLE_RES0 PT_BITS(51, 48)
#define S2_LEAF_RES0 PT_BITS(49, 48)

static void s2_decode(const mmu_pt_format *fmt, unsigned level, uint64_t raw, mmu_pte *pte)
{
    if (!(raw & S2_VALID)) {
        mmusim_pt_invalid(raw, pte);
        return;
    }
    if ((raw & S2_TYPE) && level > 0) {
        uint64_t addr = PT_BITS(47, fmt->shift[0]);
        pte->flags = MMU_PTE_VALID | MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_EXEC | MMU_PTE_USER;
        pte->paddr = raw & addr;
        pte->reserved = raw & S2_TABLE_RES0;
        pte->other = raw & ~(S2_VALID | S2_TYPE | addr | S2_TABLE_RES0);
        return;
    }
    if (!(raw & S2_TYPE) && !(fmt->leaf_levels & (1u << level) && level > 0)) {
        mmusim_pt_invalid(raw, pte);
        return;
    }
    uint64_t addr = PT_BITS(47, fmt->shift[level]);
    uint32_t f = MMU_PTE_VALID | MMU_PTE_LEAF | MMU_PTE_USER;
    if (raw & S2_AP_R)
        f |= MMU_PTE_READ;
    if (raw & S2_AP_W)
        f |= MMU_PTE_WRITE | MMU_PTE_DIRTY;
    if (raw & S2_DBM)
        f |= MMU_PTE_WRITE | MMU_PTE_DBM;
    if (raw & S2_AF)
        f |= MMU_PTE_ACCESSED;
    if (!(raw & S2_XN))
        f |= MMU_PTE_EXEC;
    pte->flags = f;
    pte->paddr = raw & addr;
    pte->reserved = raw & S2_LEAF_RES0;
    pte->other = raw & ~(S2_VALID | S2_TYPE | addr | S2_LEAF_RES0 | S2_AP_R | S2_AP_W | S2_AF |
                         S2_DBM | S2_XN);
}

static mmu_err s2_encode(const mmu_pt_format *fmt, unsigned level, const mmu_pte *pte,
                         uint64_t *raw)
{
    uint32_t f = pte->flags;
    uint64_t r;
    if (f & MMU_PTE_LEAF) {
        if (!(fmt->leaf_levels & (1u << level)))
            return MMU_EINVAL;
        if (pte->paddr & ~PT_BITS(47, fmt->shift[level]))
            return MMU_EINVAL;
        r = S2_VALID | pte->paddr | (level == 0 ? S2_TYPE : 0);
        if (f & MMU_PTE_READ)
            r |= S2_AP_R;
        if ((f & MMU_PTE_WRITE) && (!(f & MMU_PTE_DBM) || (f & MMU_PTE_DIRTY)))
            r |= S2_AP_W;
        if (f & MMU_PTE_DBM)
            r |= S2_DBM;
        if (f & MMU_PTE_ACCESSED)
            r |= S2_AF;
        if (!(f & MMU_PTE_EXEC))
            r |= S2_XN;
    } else {
        if (level == 0 || (pte->paddr & ~PT_BITS(47, fmt->shift[0])))
            return MMU_EINVAL;
        r = S2_VALID | S2_TYPE | pte->paddr;
    }
    *raw = r | pte->other | pte->reserved;
    return MMU_OK;
}

const struct mmu_pt_ops mmusim_pt_arm_s2_ops = {
    .decode = s2_decode,
    .encode = s2_encode,
    .a_set = S2_AF,
    .d_set = S2_AP_W, /* VTCR_EL2.HD: S2AP[1] set on the first write */
    .d_clear = 0,
    .walk_flags = 0,
    .hier_perms = 0, /* stage-2 table descriptors carry no permission limits */
    .table_accessed = 0,
    .split_exec = 0,
};
