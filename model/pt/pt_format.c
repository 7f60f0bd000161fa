/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pt_format.c - the table of page-table formats and the format-level
 * helpers (lookup by name, index, canonical check, PTE encode/decode
 * dispatch).  Adding a format is adding a descriptor here; the walk loop
 * needs no change.
 */
#include <ctype.h>
#include <stddef.h>

#include "mmusim/pagetable.h"
#include "pt_internal.h"

#define NONE MMU_PAGE_SIZES
#define PSM(x) (1u << MMU_PS_##x)

static const mmu_pt_format formats[] = {
    {
        .name = "x86_64",
        .description = "x86-64 4-level paging (48-bit VA; 4K, 2M, 1G pages)",
        .arch = MMU_PT_ARCH_X86, .levels = 4, .va_bits = 48, .pte_size = 8, .max_pa_bits = 52,
        .ad_default = MMU_AD_HW, .canon = MMU_CANON_SIGN,
        .index_bits = {9, 9, 9, 9}, .shift = {12, 21, 30, 39},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G, NONE},
        .leaf_levels = 0x7, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G),
        .level_names = {"pte", "pde", "pdpte", "pml4e"},
        .ops = &mmusim_pt_x86_ops,
    },
    {
        .name = "x86_64_la57",
        .description = "x86-64 5-level paging, LA57 (57-bit VA; 4K, 2M, 1G pages)",
        .arch = MMU_PT_ARCH_X86, .levels = 5, .va_bits = 57, .pte_size = 8, .max_pa_bits = 52,
        .ad_default = MMU_AD_HW, .canon = MMU_CANON_SIGN,
        .index_bits = {9, 9, 9, 9, 9}, .shift = {12, 21, 30, 39, 48},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G, NONE, NONE},
        .leaf_levels = 0x7, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G),
        .level_names = {"pte", "pde", "pdpte", "pml4e", "pml5e"},
        .ops = &mmusim_pt_x86_ops,
    },
    {
        .name = "sv39",
        .description = "RISC-V Sv39 (39-bit VA; 4K, 2M, 1G pages)",
        .arch = MMU_PT_ARCH_RISCV, .levels = 3, .va_bits = 39, .pte_size = 8, .max_pa_bits = 56,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_SIGN,
        .index_bits = {9, 9, 9}, .shift = {12, 21, 30},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G},
        .leaf_levels = 0x7, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G),
        .level_names = {"l0", "l1", "l2"},
        .ops = &mmusim_pt_riscv_ops,
    },
    {
        .name = "sv48",
        .description = "RISC-V Sv48 (48-bit VA; 4K, 2M, 1G, 512G pages)",
        .arch = MMU_PT_ARCH_RISCV, .levels = 4, .va_bits = 48, .pte_size = 8, .max_pa_bits = 56,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_SIGN,
        .index_bits = {9, 9, 9, 9}, .shift = {12, 21, 30, 39},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G, MMU_PS_512G},
        .leaf_levels = 0xf, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G) | PSM(512G),
        .level_names = {"l0", "l1", "l2", "l3"},
        .ops = &mmusim_pt_riscv_ops,
    },
    {
        .name = "sv57",
        .description = "RISC-V Sv57 (57-bit VA; 4K, 2M, 1G, 512G, 256T pages)",
        .arch = MMU_PT_ARCH_RISCV, .levels = 5, .va_bits = 57, .pte_size = 8, .max_pa_bits = 56,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_SIGN,
        .index_bits = {9, 9, 9, 9, 9}, .shift = {12, 21, 30, 39, 48},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G, MMU_PS_512G, MMU_PS_256T},
        .leaf_levels = 0x1f,
        .page_sizes = PSM(4K) | PSM(2M) | PSM(1G) | PSM(512G) | PSM(256T),
        .level_names = {"l0", "l1", "l2", "l3", "l4"},
        .ops = &mmusim_pt_riscv_ops,
    },
    {
        .name = "aarch64_4k",
        .description = "AArch64 VMSAv8-64 stage 1, 4K granule, 48-bit VA (TTBR0; 4K pages, 2M, 1G blocks)",
        .arch = MMU_PT_ARCH_ARM, .levels = 4, .va_bits = 48, .pte_size = 8, .max_pa_bits = 48,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_ZERO,
        .index_bits = {9, 9, 9, 9}, .shift = {12, 21, 30, 39},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G, NONE},
        .leaf_levels = 0x7, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G),
        .level_names = {"l3", "l2", "l1", "l0"},
        .ops = &mmusim_pt_arm_ops,
    },
    {
        .name = "aarch64_4k_39",
        .description = "AArch64 VMSAv8-64 stage 1, 4K granule, 39-bit VA (TTBR0; 4K pages, 2M, 1G blocks)",
        .arch = MMU_PT_ARCH_ARM, .levels = 3, .va_bits = 39, .pte_size = 8, .max_pa_bits = 48,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_ZERO,
        .index_bits = {9, 9, 9}, .shift = {12, 21, 30},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G},
        .leaf_levels = 0x7, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G),
        .level_names = {"l3", "l2", "l1"},
        .ops = &mmusim_pt_arm_ops,
    },
    {
        .name = "aarch64_16k",
        .description = "AArch64 VMSAv8-64 stage 1, 16K granule, 48-bit VA (TTBR0; 16K pages, 32M blocks)",
        .arch = MMU_PT_ARCH_ARM, .levels = 4, .va_bits = 48, .pte_size = 8, .max_pa_bits = 48,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_ZERO,
        .index_bits = {11, 11, 11, 1}, .shift = {14, 25, 36, 47},
        .page_size = {MMU_PS_16K, MMU_PS_32M, NONE, NONE},
        .leaf_levels = 0x3, .page_sizes = PSM(16K) | PSM(32M),
        .level_names = {"l3", "l2", "l1", "l0"},
        .ops = &mmusim_pt_arm_ops,
    },
    {
        .name = "aarch64_64k",
        .description = "AArch64 VMSAv8-64 stage 1, 64K granule, 48-bit VA (TTBR0; 64K pages, 512M blocks)",
        .arch = MMU_PT_ARCH_ARM, .levels = 3, .va_bits = 48, .pte_size = 8, .max_pa_bits = 48,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_ZERO,
        .index_bits = {13, 13, 6}, .shift = {16, 29, 42},
        .page_size = {MMU_PS_64K, MMU_PS_512M, NONE},
        .leaf_levels = 0x3, .page_sizes = PSM(64K) | PSM(512M),
        .level_names = {"l3", "l2", "l1"},
        .ops = &mmusim_pt_arm_ops,
    },
    /* ---- host stages of nested paging (docs/virtualization.md) ---- */
    {
        .name = "ept",
        .description = "Intel EPT, 4-level (48-bit guest-physical; 4K, 2M, 1G pages)",
        .arch = MMU_PT_ARCH_X86, .levels = 4, .va_bits = 48, .pte_size = 8, .max_pa_bits = 52,
        .ad_default = MMU_AD_HW, .canon = MMU_CANON_ZERO, .host = 1,
        .index_bits = {9, 9, 9, 9}, .shift = {12, 21, 30, 39},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G, NONE},
        .leaf_levels = 0x7, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G),
        .level_names = {"ept_pte", "ept_pde", "ept_pdpte", "ept_pml4e"},
        .ops = &mmusim_pt_ept_ops,
    },
    {
        .name = "ept5",
        .description = "Intel EPT, 5-level (57-bit guest-physical; 4K, 2M, 1G pages)",
        .arch = MMU_PT_ARCH_X86, .levels = 5, .va_bits = 57, .pte_size = 8, .max_pa_bits = 52,
        .ad_default = MMU_AD_HW, .canon = MMU_CANON_ZERO, .host = 1,
        .index_bits = {9, 9, 9, 9, 9}, .shift = {12, 21, 30, 39, 48},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G, NONE, NONE},
        .leaf_levels = 0x7, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G),
        .level_names = {"ept_pte", "ept_pde", "ept_pdpte", "ept_pml4e", "ept_pml5e"},
        .ops = &mmusim_pt_ept_ops,
    },
    {
        .name = "amd_npt",
        .description = "AMD nested paging, 4-level x86-64 entries (48-bit guest-physical, nCR3)",
        .arch = MMU_PT_ARCH_X86, .levels = 4, .va_bits = 48, .pte_size = 8, .max_pa_bits = 52,
        .ad_default = MMU_AD_HW, .canon = MMU_CANON_ZERO, .host = 1,
        .index_bits = {9, 9, 9, 9}, .shift = {12, 21, 30, 39},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G, NONE},
        .leaf_levels = 0x7, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G),
        .level_names = {"npt_pte", "npt_pde", "npt_pdpte", "npt_pml4e"},
        .ops = &mmusim_pt_x86_ops,
    },
    {
        .name = "amd_npt5",
        .description = "AMD nested paging, 5-level x86-64 entries (57-bit guest-physical, nCR3)",
        .arch = MMU_PT_ARCH_X86, .levels = 5, .va_bits = 57, .pte_size = 8, .max_pa_bits = 52,
        .ad_default = MMU_AD_HW, .canon = MMU_CANON_ZERO, .host = 1,
        .index_bits = {9, 9, 9, 9, 9}, .shift = {12, 21, 30, 39, 48},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G, NONE, NONE},
        .leaf_levels = 0x7, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G),
        .level_names = {"npt_pte", "npt_pde", "npt_pdpte", "npt_pml4e", "npt_pml5e"},
        .ops = &mmusim_pt_x86_ops,
    },
    {
        .name = "aarch64_s2_4k",
        .description = "AArch64 stage 2, 4K granule, 48-bit IPA, starting level 0 (4K pages, 2M, 1G blocks)",
        .arch = MMU_PT_ARCH_ARM, .levels = 4, .va_bits = 48, .pte_size = 8, .max_pa_bits = 48,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_ZERO, .host = 1,
        .index_bits = {9, 9, 9, 9}, .shift = {12, 21, 30, 39},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G, NONE},
        .leaf_levels = 0x7, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G),
        .level_names = {"s2_l3", "s2_l2", "s2_l1", "s2_l0"},
        .ops = &mmusim_pt_arm_s2_ops,
    },
    {
        .name = "aarch64_s2_4k_40",
        .description = "AArch64 stage 2, 4K granule, 40-bit IPA, starting level 1, 2 concatenated tables",
        .arch = MMU_PT_ARCH_ARM, .levels = 3, .va_bits = 40, .pte_size = 8, .max_pa_bits = 48,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_ZERO, .host = 1,
        .index_bits = {9, 9, 10}, .shift = {12, 21, 30},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G},
        .leaf_levels = 0x7, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G),
        .level_names = {"s2_l3", "s2_l2", "s2_l1"},
        .ops = &mmusim_pt_arm_s2_ops,
    },
    {
        .name = "aarch64_s2_16k",
        .description = "AArch64 stage 2, 16K granule, 48-bit IPA, starting level 1, 2 concatenated tables",
        .arch = MMU_PT_ARCH_ARM, .levels = 3, .va_bits = 48, .pte_size = 8, .max_pa_bits = 48,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_ZERO, .host = 1,
        .index_bits = {11, 11, 12}, .shift = {14, 25, 36},
        .page_size = {MMU_PS_16K, MMU_PS_32M, NONE},
        .leaf_levels = 0x3, .page_sizes = PSM(16K) | PSM(32M),
        .level_names = {"s2_l3", "s2_l2", "s2_l1"},
        .ops = &mmusim_pt_arm_s2_ops,
    },
    {
        .name = "aarch64_s2_64k",
        .description = "AArch64 stage 2, 64K granule, 48-bit IPA, starting level 1 (64K pages, 512M blocks)",
        .arch = MMU_PT_ARCH_ARM, .levels = 3, .va_bits = 48, .pte_size = 8, .max_pa_bits = 48,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_ZERO, .host = 1,
        .index_bits = {13, 13, 6}, .shift = {16, 29, 42},
        .page_size = {MMU_PS_64K, MMU_PS_512M, NONE},
        .leaf_levels = 0x3, .page_sizes = PSM(64K) | PSM(512M),
        .level_names = {"s2_l3", "s2_l2", "s2_l1"},
        .ops = &mmusim_pt_arm_s2_ops,
    },
    {
        .name = "sv39x4",
        .description = "RISC-V G-stage Sv39x4 (41-bit guest-physical, 16 KiB root; 4K, 2M, 1G pages)",
        .arch = MMU_PT_ARCH_RISCV, .levels = 3, .va_bits = 41, .pte_size = 8, .max_pa_bits = 56,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_ZERO, .host = 1,
        .index_bits = {9, 9, 11}, .shift = {12, 21, 30},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G},
        .leaf_levels = 0x7, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G),
        .level_names = {"g_l0", "g_l1", "g_l2"},
        .ops = &mmusim_pt_riscv_ops,
    },
    {
        .name = "sv48x4",
        .description = "RISC-V G-stage Sv48x4 (50-bit guest-physical, 16 KiB root; 4K, 2M, 1G, 512G pages)",
        .arch = MMU_PT_ARCH_RISCV, .levels = 4, .va_bits = 50, .pte_size = 8, .max_pa_bits = 56,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_ZERO, .host = 1,
        .index_bits = {9, 9, 9, 11}, .shift = {12, 21, 30, 39},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G, MMU_PS_512G},
        .leaf_levels = 0xf, .page_sizes = PSM(4K) | PSM(2M) | PSM(1G) | PSM(512G),
        .level_names = {"g_l0", "g_l1", "g_l2", "g_l3"},
        .ops = &mmusim_pt_riscv_ops,
    },
    {
        .name = "sv57x4",
        .description = "RISC-V G-stage Sv57x4 (59-bit guest-physical, 16 KiB root; 4K .. 256T pages)",
        .arch = MMU_PT_ARCH_RISCV, .levels = 5, .va_bits = 59, .pte_size = 8, .max_pa_bits = 56,
        .ad_default = MMU_AD_FAULT, .canon = MMU_CANON_ZERO, .host = 1,
        .index_bits = {9, 9, 9, 9, 11}, .shift = {12, 21, 30, 39, 48},
        .page_size = {MMU_PS_4K, MMU_PS_2M, MMU_PS_1G, MMU_PS_512G, MMU_PS_256T},
        .leaf_levels = 0x1f,
        .page_sizes = PSM(4K) | PSM(2M) | PSM(1G) | PSM(512G) | PSM(256T),
        .level_names = {"g_l0", "g_l1", "g_l2", "g_l3", "g_l4"},
        .ops = &mmusim_pt_riscv_ops,
    },
};

#define N_FORMATS (sizeof formats / sizeof formats[0])

static int name_eq(const char *a, const char *b)
{
    while (*a && *b && tolower((unsigned char)*a) == tolower((unsigned char)*b)) {
        a++;
        b++;
    }
    return *a == 0 && *b == 0;
}

const mmu_pt_format *mmu_pt_format_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < N_FORMATS; i++)
        if (name_eq(formats[i].name, name))
            return &formats[i];
    return NULL;
}

unsigned mmu_pt_format_count(void)
{
    return (unsigned)N_FORMATS;
}

const mmu_pt_format *mmu_pt_format_get(unsigned i)
{
    return i < N_FORMATS ? &formats[i] : NULL;
}

uint64_t mmu_pt_index(const mmu_pt_format *fmt, unsigned level, uint64_t vaddr)
{
    if (!fmt || level >= fmt->levels)
        return 0;
    return (vaddr >> fmt->shift[level]) & ((1ull << fmt->index_bits[level]) - 1);
}

uint64_t mmu_pt_table_bytes(const mmu_pt_format *fmt, unsigned level)
{
    if (!fmt || level >= fmt->levels)
        return 0;
    return (uint64_t)fmt->pte_size << fmt->index_bits[level];
}

int mmu_pt_is_canonical(const mmu_pt_format *fmt, uint64_t vaddr)
{
    if (fmt->canon == MMU_CANON_ZERO) /* bits 63:va_bits all zero */
        return (vaddr >> fmt->va_bits) == 0;
    /* bits 63:va_bits-1 all equal (copies of bit va_bits-1) */
    uint64_t upper = vaddr >> (fmt->va_bits - 1);
    return upper == 0 || upper == (~0ull >> (fmt->va_bits - 1));
}

mmu_err mmu_pte_decode(const mmu_pt_format *fmt, unsigned level, uint64_t raw, mmu_pte *pte)
{
    if (!fmt || !pte || level >= fmt->levels)
        return MMU_EINVAL;
    fmt->ops->decode(fmt, level, raw, pte);
    return MMU_OK;
}

mmu_err mmu_pte_encode(const mmu_pt_format *fmt, unsigned level, const mmu_pte *pte, uint64_t *raw)
{
    if (!fmt || !pte || !raw || level >= fmt->levels)
        return MMU_EINVAL;
    if (!(pte->flags & MMU_PTE_VALID)) {
        *raw = pte->other | pte->reserved;
        return MMU_OK;
    }
    return fmt->ops->encode(fmt, level, pte, raw);
}

void mmu_walk_opts_defaults(const mmu_pt_format *fmt, mmu_walk_opts *opts)
{
    if (!opts)
        return;
    opts->flags = fmt ? fmt->ops->walk_flags : 0;
    opts->ad_mode = MMU_AD_DEFAULT;
    opts->pa_bits = 0;
}
