/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os_frame.c - the physical frame allocator: a bitmap of used frames,
 * per-64-frame metadata chunks made on first use, used-frame counts per
 * huge-page-sized block (free aligned runs for THP), sequential or random
 * choice, eviction when memory is full, and page-table frames.
 */
#include <stdlib.h>
#include <string.h>

#include "os_internal.h"

/* ---------------------------------------------------------------- frames */

struct frame *mmusim_os_ensure_chunk(mmu_os *os, uint64_t pfn)
{
    struct frame **c = &os->chunk[pfn >> CHUNK_SHIFT];
    if (!*c) {
        *c = calloc(CHUNK_FRAMES, sizeof **c);
        if (!*c)
            return NULL;
        os->nchunks++;
    }
    return &(*c)[pfn & (CHUNK_FRAMES - 1)];
}

void mmusim_os_set_used(mmu_os *os, uint64_t pfn)
{
    os->used[pfn >> 6] |= 1ull << (pfn & 63);
    os->frames_used++;
    if (pfn >= os->pt_lo)
        os->pt_used++;
    uint64_t b = pfn / os->R;
    if (b < os->nblocks && os->blk_used[b]++ == 0)
        os->blocks_free--;
}

void mmusim_os_free_frame(mmu_os *os, uint64_t pfn)
{
    uint64_t w = pfn >> 6;
    os->used[w] &= ~(1ull << (pfn & 63));
    os->frames_used--;
    if (pfn >= os->pt_lo) {
        os->pt_used--;
        if (w < os->pt_hint)
            os->pt_hint = w;
    } else if (w < os->hint) {
        os->hint = w;
    }
    uint64_t b = pfn / os->R;
    if (b < os->nblocks && --os->blk_used[b] == 0)
        os->blocks_free++;
    struct frame *f = frame_at(os, pfn);
    if (f)
        memset(f, 0, sizeof *f);
}

/*
 * A free frame of the pool of numbers [lo, hi) (there is one): the lowest,
 * or the first at or after a random one.  *hint: no free word below it.
 */
static uint64_t find_free(mmu_os *os, uint64_t lo, uint64_t hi, uint64_t *hint)
{
    if (os->cfg.frame_alloc == MMU_OS_ALLOC_SEQUENTIAL) {
        uint64_t w = *hint;
        while (os->used[w] == ~0ull)
            w++;
        *hint = w;
        return (w << 6) + (uint64_t)__builtin_ctzll(~os->used[w]);
    }
    uint64_t wlo = lo >> 6, whi = (hi + 63) >> 6;
    uint64_t start = lo + rng_next(os) % (hi - lo);
    uint64_t w = start >> 6;
    uint64_t free_bits = ~os->used[w] & (~0ull << (start & 63));
    for (uint64_t n = 0; !free_bits && n <= whi - wlo; n++) {
        w = w + 1 == whi ? wlo : w + 1;
        free_bits = ~os->used[w];
    }
    return (w << 6) + (uint64_t)__builtin_ctzll(free_bits);
}

/* Take a frame (from the page-table pool if pt and there is one), evicting one when memory is full. */
static mmu_err alloc_in(mmu_os *os, struct fctx *fc, int pt, uint64_t *pfn)
{
    uint64_t f;
    if (pt && os->pt_lo != UINT64_MAX) { /* table frames are never evicted */
        if (os->pt_used == os->pt_frames)
            return MMU_EFULL;
        f = find_free(os, os->pt_lo, os->nframes, &os->pt_hint);
    } else {
        if (os->frames_used - os->pt_used == os->data_frames) {
            mmu_err e = mmusim_os_evict_one(os, fc);
            if (e != MMU_OK)
                return e;
        }
        f = find_free(os, 0, os->data_hi, &os->hint);
    }
    if (!mmusim_os_ensure_chunk(os, f))
        return MMU_ENOMEM;
    mmusim_os_set_used(os, f);
    *pfn = f;
    return MMU_OK;
}

/* Take a data frame, evicting one when memory is full.  The frame is marked used, kind FK_FREE. */
mmu_err mmusim_os_alloc_frame(mmu_os *os, struct fctx *fc, uint64_t *pfn)
{
    return alloc_in(os, fc, 0, pfn);
}

/* A new, zeroed page-table frame of process p; charged as a table unless fc is NULL. */
mmu_err mmusim_os_alloc_table(mmu_os *os, struct proc *p, uint16_t asid, struct fctx *fc, uint64_t *pa)
{
    struct fctx scratch;
    memset(&scratch, 0, sizeof scratch);
    uint64_t pfn;
    mmu_err e = alloc_in(os, fc ? fc : &scratch, 1, &pfn);
    if (e != MMU_OK)
        return e;
    struct frame *f = frame_at(os, pfn);
    f->kind = FK_TABLE;
    f->asid = asid;
    os->frames_pt++;
    if (p)
        p->pt++;
    *pa = frame_pa(os, pfn);
    (void)mmu_sparse_mem_discard(os->mem, *pa, os->fs); /* zero (it never held entries) */
    if (fc) {
        fc->tables++;
        fc->lat.part[MMU_OS_LAT_TABLES] += os->cfg.zero_frame;
    }
    return MMU_OK;
}

/* A free aligned block of R frames, or UINT64_MAX. */
uint64_t mmusim_os_find_free_block(mmu_os *os)
{
    if (os->blocks_free == 0)
        return UINT64_MAX;
    uint64_t start = os->cfg.frame_alloc == MMU_OS_ALLOC_RANDOM ? rng_next(os) % os->nblocks : 0;
    for (uint64_t n = 0; n < os->nblocks; n++) {
        uint64_t b = start + n < os->nblocks ? start + n : start + n - os->nblocks;
        if (os->blk_used[b] == 0)
            return b;
    }
    return UINT64_MAX;
}
