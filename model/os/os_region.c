/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os_region.c - protection regions of a process: a sorted list of
 * [start, last] runs with their protection (addresses outside every region
 * get MMU_OS_PROT_DEFAULT).
 */
#include <stdlib.h>
#include <string.h>

#include "os_internal.h"

/* ---------------------------------------------------------------- regions */

/*
 * Protection at va, and the run [*lo, *hi] around va where it is the same
 * (a region, or a gap between regions).
 */
uint32_t mmusim_os_region_prot(const struct proc *p, uint64_t va, uint64_t *lo, uint64_t *hi)
{
    size_t a = 0, b = p->nreg; /* first region with start > va is at index b */
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (p->reg[m].start <= va)
            a = m + 1;
        else
            b = m;
    }
    if (a > 0 && va <= p->reg[a - 1].last) {
        if (lo)
            *lo = p->reg[a - 1].start;
        if (hi)
            *hi = p->reg[a - 1].last;
        return p->reg[a - 1].prot;
    }
    if (lo)
        *lo = a > 0 ? p->reg[a - 1].last + 1 : 0;
    if (hi)
        *hi = a < p->nreg ? p->reg[a].start - 1 : UINT64_MAX;
    return MMU_OS_PROT_DEFAULT;
}

/* Give [lo, hi] protection prot (regions with the default protection are not stored). */
mmu_err mmusim_os_region_set(struct proc *p, uint64_t lo, uint64_t hi, uint32_t prot)
{
    struct region *n = malloc((p->nreg + 3) * sizeof *n);
    if (!n)
        return MMU_ENOMEM;
    size_t k = 0;
    int inserted = 0;
#define INSERT_NEW()                                     \
    do {                                                 \
        if (!inserted && prot != MMU_OS_PROT_DEFAULT)    \
            n[k++] = (struct region){lo, hi, prot};      \
        inserted = 1;                                    \
    } while (0)
    for (size_t i = 0; i < p->nreg; i++) {
        struct region r = p->reg[i];
        if (r.last < lo) {
            n[k++] = r;
            continue;
        }
        if (r.start > hi) {
            INSERT_NEW();
            n[k++] = r;
            continue;
        }
        if (r.start < lo) /* the part below the new range */
            n[k++] = (struct region){r.start, lo - 1, r.prot};
        INSERT_NEW();
        if (r.last > hi) /* the part above it */
            n[k++] = (struct region){hi + 1, r.last, r.prot};
    }
    INSERT_NEW();
#undef INSERT_NEW
    /* merge neighbours with the same protection */
    size_t m = 0;
    for (size_t j = 0; j < k; j++) {
        if (m > 0 && n[m - 1].prot == n[j].prot && n[m - 1].last + 1 == n[j].start)
            n[m - 1].last = n[j].last;
        else
            n[m++] = n[j];
    }
    free(p->reg);
    p->reg = n;
    p->nreg = m;
    return MMU_OK;
}
