/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmu_internal.h - what tests need of mmu.c beyond the public API.
 */
#ifndef MMUSIM_MODEL_MMU_INTERNAL_H
#define MMUSIM_MODEL_MMU_INTERNAL_H

#include "mmusim/mmu.h"

/*
 * Turn the level-1 hit filter on (the default) or off.  Off, every
 * translation takes the full lookup; the results must be the same either
 * way (tests/test_mmu.c compares them).  Empties the filter.
 */
void mmu_set_hit_filter(mmu *m, int on);

#endif /* MMUSIM_MODEL_MMU_INTERNAL_H */
