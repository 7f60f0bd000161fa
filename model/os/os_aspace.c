/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os_aspace.c - address spaces: one process per ASID with its root table,
 * made on first use, and the OS's own walk of its tables.
 */
#include <stdlib.h>
#include <string.h>

#include "os_internal.h"

/* ---------------------------------------------------------------- processes */

mmu_err mmusim_os_proc_get(mmu_os *os, uint16_t asid, struct proc **out)
{
    struct proc *p = proc_of(os, asid);
    if (p) {
        *out = p;
        return MMU_OK;
    }
    uint32_t **t = &os->asid_idx[asid >> 8];
    if (!*t && !(*t = calloc(256, sizeof **t)))
        return MMU_ENOMEM;
    if (os->nprocs == os->cap_procs) {
        uint32_t cap = os->cap_procs ? os->cap_procs * 2 : 8;
        struct proc **n = realloc(os->procs, cap * sizeof *n);
        if (!n)
            return MMU_ENOMEM;
        os->procs = n;
        os->cap_procs = cap;
    }
    p = calloc(1, sizeof *p);
    if (!p)
        return MMU_ENOMEM;
    p->asid = asid;
    mmu_err e = mmusim_os_alloc_table(os, p, asid, NULL, &p->root);
    if (e != MMU_OK) {
        free(p);
        return e;
    }
    os->procs[os->nprocs++] = p;
    (*t)[asid & 255] = os->nprocs;
    *out = p;
    return MMU_OK;
}

uint64_t mmu_os_root(mmu_os *os, uint16_t asid)
{
    struct proc *p;
    if (!os || mmusim_os_proc_get(os, asid, &p) != MMU_OK)
        return MMU_OS_NO_ROOT;
    return p->root;
}

/* ---------------------------------------------------------------- lookup */

/* Where the OS's own walk of p's tables for va ends: a valid leaf or an invalid entry. */
void mmusim_os_lookup(const mmu_os *os, const struct proc *p, uint64_t va, struct loc *l)
{
    uint64_t table = p->root;
    unsigned level = os->levels - 1;
    for (;;) {
        l->level = level;
        l->pa = table + mmu_pt_index(os->fmt, level, va) * os->fmt->pte_size;
        l->raw = read_pte(os, l->pa);
        decode(os, level, l->raw, &l->pte);
        if (!(l->pte.flags & MMU_PTE_VALID) || (l->pte.flags & MMU_PTE_LEAF) || level == 0)
            return;
        table = l->pte.paddr;
        level--;
    }
}
