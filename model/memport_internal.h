/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memport_internal.h - the sparse memory's layout (memport.c) and its port's
 * 64-bit read, inline, for the walk (pt/pt_walk.c) to read page-table
 * entries with no indirect call when the MMU's memory is this port.
 */
#ifndef MMUSIM_MODEL_MEMPORT_INTERNAL_H
#define MMUSIM_MODEL_MEMPORT_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "mmusim/memport.h"

struct mmusim_sparse_slot {
    uint64_t pfn;  /* page frame number + 1; 0: empty */
    uint8_t *data; /* MMU_SPARSE_PAGE_SIZE bytes */
};

/* The port's reads look here first: the frames they found last, one per
   pfn mod MMUSIM_SPARSE_FRAME_CACHE (present frames only; a removed frame leaves it). */
#define MMUSIM_SPARSE_FRAME_CACHE 256u

struct mmu_sparse_mem {
    struct mmusim_sparse_slot frames[MMUSIM_SPARSE_FRAME_CACHE];
    struct mmusim_sparse_slot *slots;
    size_t nslots; /* power of two */
    size_t npages;
    uint32_t latency;
    mmu_err status;
};

/* The port's read64 past its frame cache (a miss, or a word across two pages). */
uint32_t mmusim_sparse_read64_slow(mmu_sparse_mem *m, uint64_t paddr, uint64_t *value);

/* The sparse memory m behind port p (mmu_sparse_mem_port's), else NULL. */
mmu_sparse_mem *mmusim_sparse_of_port(const mmu_mem_port *p);

/* The port's read64 (mmu_sparse_mem_port): the frame cache inline. */
static inline uint32_t mmusim_sparse_read64(mmu_sparse_mem *m, uint64_t paddr, uint64_t *value)
{
    const uint64_t off = paddr & ((uint64_t)MMU_SPARSE_PAGE_SIZE - 1);
    const uint64_t pfn = paddr >> MMU_SPARSE_PAGE_SHIFT;
    const struct mmusim_sparse_slot *f = &m->frames[pfn % MMUSIM_SPARSE_FRAME_CACHE];
    if (__builtin_expect(f->pfn == pfn + 1 && off <= MMU_SPARSE_PAGE_SIZE - 8, 1)) {
        uint64_t v;
        memcpy(&v, f->data + off, 8);
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap64(v);
#endif
        *value = v;
        return m->latency;
    }
    return mmusim_sparse_read64_slow(m, paddr, value);
}

#endif /* MMUSIM_MODEL_MEMPORT_INTERNAL_H */
