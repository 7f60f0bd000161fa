/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * repl.h - replacement policies of TLB arrays (private to the model).
 *
 * Each policy is a const ops table chosen by mmu_repl_policy.  The exact rule
 * of each is documented in docs/replacement.md; the validation suite checks
 * them against an independent model, so any change there must change the
 * document and the reference model too.
 *
 * Contract: the array calls hit() when a lookup hits way w of set s, fill()
 * after it writes an entry into way w, victim() only when every way of the
 * set is valid (the array fills the lowest-index invalid way itself), and
 * invalidate() when it removes the entry of way w.  victim() returns a way
 * index < ways and may change the policy state (SRRIP ageing, random draws).
 */
#ifndef MMUSIM_MODEL_REPL_H
#define MMUSIM_MODEL_REPL_H

#include <stdint.h>

#include "mmusim/error.h"
#include "mmusim/tlb.h"

typedef struct repl_state {
    uint32_t sets;
    uint32_t ways;
    uint32_t tree_nodes; /* PLRU: leaves rounded up to a power of two, minus 1 */
    uint64_t clock;      /* LRU/FIFO: time stamp source */
    uint64_t rng;        /* random: xorshift64* state */
    uint64_t seed;
    uint64_t *stamp;     /* LRU/FIFO: per way */
    uint8_t *bits;       /* NRU bit / SRRIP RRPV per way; PLRU node bits per set */
} repl_state;

typedef struct repl_ops {
    mmu_err (*init)(repl_state *st);
    void (*reset)(repl_state *st);
    void (*hit)(repl_state *st, uint32_t set, uint32_t way);
    void (*fill)(repl_state *st, uint32_t set, uint32_t way);
    uint32_t (*victim)(repl_state *st, uint32_t set);
    void (*invalidate)(repl_state *st, uint32_t set, uint32_t way);
} repl_ops;

/* The ops table of a policy; NULL for an invalid value. */
const repl_ops *repl_get_ops(mmu_repl_policy p);

/* Allocate the state of policy p for sets x ways (seed used by random). */
mmu_err repl_state_init(repl_state *st, const repl_ops *ops, uint32_t sets, uint32_t ways,
                        uint64_t seed);
void repl_state_free(repl_state *st);

/* splitmix64, used to seed generators from configuration seeds. */
uint64_t repl_splitmix64(uint64_t x);

#endif /* MMUSIM_MODEL_REPL_H */
