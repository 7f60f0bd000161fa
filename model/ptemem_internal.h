/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ptemem_internal.h - the PTE cache model's data fast path, for mmu.c.
 *
 * A data access to the line the first cache level served last is a
 * first-level hit that changes no state: that line is already the most
 * recent of its set, so the LRU order stays as it is (the same rule as the
 * level's own "last line" check in ptemem.c).  The MMU checks this inline
 * after a hit-filter hit and only counts the access; the model adds these
 * counts to its statistics (accesses, writes, cycles, first-level hits and
 * served) whenever they are read, so every count is the same as through
 * mmu_ptemem_access.  docs/performance.md, "Co-simulation front ends".
 */
#ifndef MMUSIM_MODEL_PTEMEM_INTERNAL_H
#define MMUSIM_MODEL_PTEMEM_INTERNAL_H

#include <stdint.h>

#include "mmusim/ptemem.h"

typedef struct mmu_ptemem_repeat {
    uint64_t line;       /* paddr >> line_shift the first level served last; UINT64_MAX: none */
    unsigned line_shift;
    uint64_t reads, writes; /* data accesses counted here, not yet in the statistics */
} mmu_ptemem_repeat;

/* The model's fast-path state (never NULL; in fixed mode, or with no cache level, line stays UINT64_MAX). */
mmu_ptemem_repeat *mmu_ptemem_repeat_state(mmu_ptemem *m);

/* A data access of paddr: counted and 1 when it repeats the first level's last line, else 0
   (nothing done: the caller goes through mmu_ptemem_access). */
static inline int mmu_ptemem_data_repeat(mmu_ptemem_repeat *r, uint64_t paddr, int is_write)
{
    if ((paddr >> r->line_shift) != r->line)
        return 0;
    if (is_write)
        r->writes++;
    else
        r->reads++;
    return 1;
}

#endif /* MMUSIM_MODEL_PTEMEM_INTERNAL_H */
