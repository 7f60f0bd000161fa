/*
 * tlb_internal.h - what the rest of the model needs of tlb.c beyond the
 * public API.
 */
#ifndef MMUSIM_MODEL_TLB_INTERNAL_H
#define MMUSIM_MODEL_TLB_INTERNAL_H

#include <stddef.h>

#include "mmusim/tlb.h"

/* mmu_tlb_config_check, with the fields named "<label>.<field>" in messages. */
mmu_err tlb_config_check_as(const mmu_tlb_config *c, const char *label, char *msg, size_t msglen);

#endif /* MMUSIM_MODEL_TLB_INTERNAL_H */
