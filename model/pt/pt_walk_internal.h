/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pt_walk_internal.h - the MMU's entry into the walk loop (pt_walk.c).
 *
 * mmu_walk checks its arguments and works out its options on every call;
 * the MMU's walks all share one format, port, PWC and options, so it works
 * them out once (mmusim_walk_setup) and walks with mmusim_walk_run, which
 * gives the same result as mmu_walk with those arguments (tests/test_walk.c
 * compares them on random walks).  When the port is the OS model's sparse
 * memory priced by a PTE memory model (the MMU's walk_read_priced), each
 * PTE read calls the sparse memory's read inline and the model directly.
 */
#ifndef MMUSIM_PT_WALK_INTERNAL_H
#define MMUSIM_PT_WALK_INTERNAL_H

#include <stdint.h>

#include "mmusim/memport.h"
#include "mmusim/pagetable.h"
#include "mmusim/ptemem.h"
#include "mmusim/pwc.h"

struct mmusim_walk_setup {
    const mmu_pt_format *fmt;
    const mmu_mem_port *port; /* A/D writes; reads too when sparse is NULL */
    mmu_pwc *pwc;             /* NULL: none (or a functional walk) */
    mmu_sparse_mem *sparse;   /* non-NULL: reads are sparse's port read ... */
    mmu_ptemem *ptemem;       /* ... priced by ptemem (saturating sum) */
    uint64_t index_mask[MMU_PT_MAX_LEVELS]; /* the index bits of each level, as masks (run only) */
    uint64_t canon_hi;   /* vaddr >> canon_shift is canonical when 0 or this */
    uint32_t oflags;
    unsigned canon_shift;
    unsigned ad;
    unsigned pa_bits;
    int functional;
    int dec; /* which decoder the loop inlines */
};

/*
 * What mmu_walk(fmt, root, port, pwc, ..., opts, res) works out before
 * walking, into *s; sparse and ptemem (both or neither) say that port's
 * read64 is sparse's port read plus mmu_ptemem_access(ptemem, pa, 0,
 * MMU_PTEMEM_SRC_PTE, NULL), saturated.  MMU_EINVAL where mmu_walk would
 * refuse every walk with these arguments.  *s keeps port, not *port.
 */
mmu_err mmusim_walk_setup(struct mmusim_walk_setup *s, const mmu_pt_format *fmt,
                          const mmu_mem_port *port, mmu_pwc *pwc, const mmu_walk_opts *opts,
                          mmu_sparse_mem *sparse, mmu_ptemem *ptemem);

/* mmu_walk with the arguments of s (set up with MMU_OK): the same return value and *res. */
mmu_err mmusim_walk_run(const struct mmusim_walk_setup *s, uint64_t root, uint64_t vaddr,
                        mmu_access_type type, mmu_priv priv, uint32_t asid, mmu_walk_result *res);

#endif /* MMUSIM_PT_WALK_INTERNAL_H */
