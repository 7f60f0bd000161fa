/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/memport.h - the memory port through which the walker reads and
 * writes page-table entries, and a sparse physical memory that implements it.
 *
 * A port is a pair of callbacks, each returning the latency of the reference
 * in cycles.  The OS model implements it over its sparse memory; the SystemC
 * module over its initiator socket; tests over counting mocks; a nested
 * (two-dimensional) walker can implement it with a host walk.
 *
 * The sparse memory allocates 4 KiB pages on their first write; untouched
 * memory reads as zero, and memory use grows with the pages touched, not with
 * the address space.  Multi-byte values are little-endian.
 */
#ifndef MMUSIM_MEMPORT_H
#define MMUSIM_MEMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Contract: read64 stores the 64-bit little-endian word at paddr (8-byte
 * aligned when the walker calls it) into *value; write64 stores value at
 * paddr.  Both return the reference's latency in cycles and cannot fail
 * (a port that can fail records the error itself).  ctx is passed back as
 * given; the port owns nothing the walker gives it.  debug_read64 is
 * optional: a read with no side effect and no timing (a SystemC debug
 * transport), used by debug and shadow walks; NULL means read64 serves.
 */
typedef struct mmu_mem_port {
    void *ctx;
    uint32_t (*read64)(void *ctx, uint64_t paddr, uint64_t *value);
    uint32_t (*write64)(void *ctx, uint64_t paddr, uint64_t value);
    uint32_t (*debug_read64)(void *ctx, uint64_t paddr, uint64_t *value);
} mmu_mem_port;

/* Size of a page of the sparse memory. */
#define MMU_SPARSE_PAGE_SHIFT 12
#define MMU_SPARSE_PAGE_SIZE (1u << MMU_SPARSE_PAGE_SHIFT)

typedef struct mmu_sparse_mem mmu_sparse_mem;

/*
 * Create an empty sparse memory whose port prices every reference at
 * latency cycles.  The caller owns *out and frees it with
 * mmu_sparse_mem_destroy.  Returns MMU_ENOMEM or MMU_EINVAL (out NULL).
 */
MMU_MUST_CHECK mmu_err mmu_sparse_mem_create(uint32_t latency, mmu_sparse_mem **out);

/* Free the memory and every page (NULL is a no-op). */
void mmu_sparse_mem_destroy(mmu_sparse_mem *m);

/* Free every page: the whole memory reads as zero again.  Keeps the latency. */
void mmu_sparse_mem_clear(mmu_sparse_mem *m);

/*
 * A port over m (ctx = m).  The port stays valid while m lives.  Its write64
 * allocates a page on first touch; if that allocation fails the write is
 * dropped and mmu_sparse_mem_status() reports MMU_ENOMEM from then on.
 */
mmu_mem_port mmu_sparse_mem_port(mmu_sparse_mem *m);

/* Latency the port charges per reference. */
void mmu_sparse_mem_set_latency(mmu_sparse_mem *m, uint32_t latency);
uint32_t mmu_sparse_mem_latency(const mmu_sparse_mem *m);

/* The 64-bit word at paddr (any alignment); 0 where nothing was written. */
uint64_t mmu_sparse_mem_read64(const mmu_sparse_mem *m, uint64_t paddr);

/* Store a 64-bit word at paddr (any alignment).  Returns MMU_OK or MMU_ENOMEM. */
MMU_MUST_CHECK mmu_err mmu_sparse_mem_write64(mmu_sparse_mem *m, uint64_t paddr, uint64_t value);

/* Copy len bytes at paddr into buf (zeros where untouched).  Returns MMU_OK or MMU_EINVAL. */
mmu_err mmu_sparse_mem_read(const mmu_sparse_mem *m, uint64_t paddr, void *buf, size_t len);

/* Copy len bytes from buf to paddr.  Returns MMU_OK, MMU_EINVAL or MMU_ENOMEM. */
MMU_MUST_CHECK mmu_err mmu_sparse_mem_write(mmu_sparse_mem *m, uint64_t paddr, const void *buf,
                                            size_t len);

/*
 * Zero len bytes at paddr.  Whole pages in the range are freed (they read as
 * zero again); partial pages at the ends are zeroed in place if present.
 * Returns the number of pages freed.
 */
size_t mmu_sparse_mem_discard(mmu_sparse_mem *m, uint64_t paddr, uint64_t len);

/* Number of pages allocated. */
size_t mmu_sparse_mem_pages(const mmu_sparse_mem *m);

/* MMU_OK, or MMU_ENOMEM if a port write was dropped for lack of memory (sticky). */
mmu_err mmu_sparse_mem_status(const mmu_sparse_mem *m);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_MEMPORT_H */
