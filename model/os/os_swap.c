/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os_swap.c - swap slots: a free list over slot numbers, a used count and
 * its peak.  A slot is named slot + 1 in frames and swap entries (0: none).
 */
#include <stdlib.h>
#include <string.h>

#include "os_internal.h"

/* ---------------------------------------------------------------- swap slots */

mmu_err mmusim_os_slot_alloc(mmu_os *os, uint32_t *slot1)
{
    uint32_t s;
    if (os->nslot_free) {
        s = os->slot_free[--os->nslot_free];
    } else {
        if (os->slot_next >= os->cap_slot_free) { /* the free list can hold every slot ever made */
            size_t cap = os->cap_slot_free ? os->cap_slot_free * 2 : 256;
            uint32_t *n = realloc(os->slot_free, cap * sizeof *n);
            if (!n)
                return MMU_ENOMEM;
            os->slot_free = n;
            os->cap_slot_free = cap;
        }
        s = (uint32_t)os->slot_next++;
    }
    os->slots_used++;
    if (os->slots_used > os->slots_peak)
        os->slots_peak = os->slots_used;
    *slot1 = s + 1;
    return MMU_OK;
}

void mmusim_os_slot_release(mmu_os *os, uint32_t slot1)
{
    if (!slot1)
        return;
    os->slot_free[os->nslot_free++] = slot1 - 1;
    os->slots_used--;
}
