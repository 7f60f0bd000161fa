/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os.c - the built-in OS model of trace mode (include/mmusim/os.h):
 * creation, destruction and the accessors.  The model is a physical frame
 * allocator, one page table per process built in a sparse physical memory,
 * demand paging, clock (second chance) replacement over the accessed bits
 * of the PTEs, swap with slots, transparent huge pages, TLB shootdowns
 * through callbacks, and per-process figures.
 *
 * Why it exists: in trace mode nothing else owns the page tables, so this
 * small OS builds them in whichever format the MMU walks, and answers its
 * page faults with a latency breakdown.  docs/os-model.md states every rule.
 *
 * One file per job: os_config.c (names, defaults, check), os_region.c
 * (protection regions), os_frame.c (frame allocator), os_swap.c (swap
 * slots), os_shootdown.c, os_replace.c (the clock), os_thp.c (huge pages),
 * os_aspace.c (processes and the OS's own walk), os_fault.c (demand paging
 * and the fault handler), os_range.c (map, prefault, unmap), os_stats.c
 * (queries); os_internal.h holds the shared state and helpers.
 */
#include <stdlib.h>
#include <string.h>

#include "os_internal.h"

/* ---------------------------------------------------------------- create / destroy */

/* Number runs of frames for the ranges of l (at most limit frames), from *idx; align: THP blocks. */
static void place(mmu_os *os, const mmu_os_ranges *l, uint64_t limit, int align, uint64_t *idx)
{
    for (uint32_t i = 0; i < l->n && limit; i++) {
        uint64_t pfn = l->r[i].base >> os->shift, n = l->r[i].size >> os->shift;
        if (n > limit)
            n = limit;
        limit -= n;
        if (align) /* a fresh block, then congruent to the physical frame modulo R */
            *idx = (*idx + os->R - 1) / os->R * os->R + pfn % os->R;
        os->map[os->nmap].idx = *idx;
        os->map[os->nmap].n = n;
        os->map[os->nmap].pfn = pfn;
        os->nmap++;
        *idx += n;
    }
}

/* Frame numbering of the configuration's ranges (none: frame i at i << shift). */
static void layout(mmu_os *os, const mmu_os_config *cfg)
{
    os->pt_lo = UINT64_MAX;
    if (!cfg->frame_ranges.n) {
        os->nframes = cfg->phys_mem >> os->shift;
        os->data_hi = os->data_frames = os->nframes;
        return;
    }
    uint64_t idx = 0;
    place(os, &cfg->frame_ranges, cfg->phys_mem >> os->shift, 1, &idx);
    for (unsigned i = 0; i < os->nmap; i++)
        os->data_frames += os->map[i].n;
    os->data_hi = idx;
    if (cfg->pt_ranges.n) {
        unsigned first = os->nmap;
        idx = (idx + 63) & ~63ull;
        os->pt_lo = idx;
        place(os, &cfg->pt_ranges, UINT64_MAX, 0, &idx);
        for (unsigned i = first; i < os->nmap; i++)
            os->pt_frames += os->map[i].n;
        os->pt_hint = os->pt_lo >> 6;
    }
    os->nframes = idx;
}

/* Mark the numbers between the runs of map[] used (padding: never free, never counted). */
static void mark_padding(mmu_os *os)
{
    uint64_t at = 0;
    for (unsigned i = 0; i <= os->nmap; i++) {
        uint64_t end = i < os->nmap ? os->map[i].idx : os->nframes;
        for (; at < end; at++) {
            os->used[at >> 6] |= 1ull << (at & 63);
            uint64_t b = at / os->R;
            if (b < os->nblocks && os->blk_used[b]++ == 0)
                os->blocks_free--;
        }
        if (i < os->nmap)
            at = os->map[i].idx + os->map[i].n;
    }
    while (os->hint < os->nwords && os->used[os->hint] == ~0ull)
        os->hint++;
}

mmu_err mmu_os_create(const mmu_os_config *cfg, const mmu_pt_format *fmt, mmu_os **out)
{
    if (!cfg || !fmt || !out)
        return MMU_EINVAL;
    *out = NULL;
    if (mmu_os_config_check(cfg, fmt, NULL, 0) != MMU_OK)
        return MMU_ECONFIG;
    mmu_os *os = calloc(1, sizeof *os);
    if (!os)
        return MMU_ENOMEM;
    os->cfg = *cfg;
    os->fmt = fmt;
    os->levels = fmt->levels;
    os->shift = fmt->shift[0];
    os->fs = 1ull << os->shift;
    os->base_ps = fmt->page_size[0];
    os->thp_ok = fmt->levels > 1 && (fmt->leaf_levels & 2u) != 0;
    os->huge_shift = fmt->levels > 1 ? fmt->shift[1] : os->shift;
    os->huge_ps = fmt->levels > 1 ? fmt->page_size[1] : os->base_ps;
    os->R = 1ull << (os->huge_shift - os->shift);
    switch (fmt->arch) {
    case MMU_PT_ARCH_RISCV: /* a pointer: V only */
        os->table_flags = MMU_PTE_VALID;
        break;
    case MMU_PT_ARCH_X86: /* no limits; A set, as Linux's _PAGE_TABLE */
        os->table_flags = MMU_PTE_VALID | MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_EXEC |
                          MMU_PTE_USER | MMU_PTE_ACCESSED;
        break;
    default: /* no limits */
        os->table_flags = MMU_PTE_VALID | MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_EXEC | MMU_PTE_USER;
        break;
    }
    layout(os, cfg);
    os->nwords = (os->nframes + 63) / 64;
    os->nblocks = os->thp_ok ? os->data_hi / os->R : 0;
    os->blocks_free = os->nblocks;
    os->rng = cfg->seed;
    os->hold_pfn = UINT64_MAX;
    os->slot_limit = cfg->swap_size ? cfg->swap_size >> os->shift : (uint64_t)UINT32_MAX - 1;
    os->swap_read_cyc = us_to_cycles(cfg->swap_read_us, cfg->clock_mhz);
    os->swap_write_cyc = us_to_cycles(cfg->swap_write_us, cfg->clock_mhz);
    os->used = calloc(os->nwords, sizeof *os->used);
    os->chunk = calloc(os->nwords, sizeof *os->chunk);
    os->blk_used = calloc(os->nblocks ? os->nblocks : 1, sizeof *os->blk_used);
    if (!os->used || !os->chunk || !os->blk_used ||
        mmu_sparse_mem_create(0, &os->mem) != MMU_OK) {
        mmu_os_destroy(os);
        return MMU_ENOMEM;
    }
    if (os->nframes & 63) /* frames past the end are never free */
        os->used[os->nwords - 1] = ~0ull << (os->nframes & 63);
    if (os->nmap)
        mark_padding(os);
    os->port = mmu_sparse_mem_port(os->mem);
    *out = os;
    return MMU_OK;
}

void mmu_os_destroy(mmu_os *os)
{
    if (!os)
        return;
    if (os->chunk)
        for (uint64_t i = 0; i < os->nwords; i++)
            free(os->chunk[i]);
    free(os->chunk);
    free(os->used);
    free(os->blk_used);
    free(os->slot_free);
    for (uint32_t i = 0; i < os->nprocs; i++) {
        free(os->procs[i]->reg);
        free(os->procs[i]);
    }
    free(os->procs);
    for (unsigned i = 0; i < 256; i++)
        free(os->asid_idx[i]);
    free(os->tg);
    mmu_sparse_mem_destroy(os->mem);
    free(os);
}

const mmu_os_config *mmu_os_get_config(const mmu_os *os)
{
    return os ? &os->cfg : NULL;
}

const mmu_pt_format *mmu_os_format(const mmu_os *os)
{
    return os ? os->fmt : NULL;
}

const mmu_mem_port *mmu_os_port(mmu_os *os)
{
    return os ? &os->port : NULL;
}

const mmu_sparse_mem *mmu_os_memory(const mmu_os *os)
{
    return os ? os->mem : NULL;
}
