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
 * LRU and FIFO of at most 16 ways keep, instead of a stamp per way, each
 * set's ways in stamp order (repl_ops_for); the array calls the repl_order_*
 * helpers below directly on its hot paths (tlb.c, tlb_internal.h).
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
    uint64_t *stamp;     /* LRU/FIFO of more than 16 ways: per way */
    uint8_t *bits;       /* NRU bit / SRRIP RRPV per way; PLRU node bits per set */
    /*
     * LRU/FIFO of at most 16 ways: per set, the ways in the order of their
     * stamps, 4 bits each, the newest in the lowest bits (position 0), the
     * oldest at position ways - 1 (bits lru_shift..); nibbles above unused (0).
     * An invalid way has stamp 0 (the oldest), a touch gives the newest stamp.
     */
    uint64_t *order;
    uint64_t order_mask; /* the nibbles of positions 0..ways-1 */
    uint64_t order_reset; /* way p at position p */
    uint32_t lru_shift;  /* 4 * (ways - 1) */
} repl_state;

typedef struct repl_ops {
    mmu_err (*init)(repl_state *st);
    void (*reset)(repl_state *st);
    void (*hit)(repl_state *st, uint32_t set, uint32_t way);
    void (*fill)(repl_state *st, uint32_t set, uint32_t way);
    uint32_t (*victim)(repl_state *st, uint32_t set);
    void (*invalidate)(repl_state *st, uint32_t set, uint32_t way);
} repl_ops;

/* The ops table of a policy; NULL for an invalid value.  LRU and FIFO: with time stamps, for
   any number of ways (the reference repl_ops_for's recency orders are tested against). */
const repl_ops *repl_get_ops(mmu_repl_policy p);

/* The ops table an array of `ways` ways uses: LRU and FIFO of at most 16 ways keep a recency
   order per set (repl_state.order), with the same victims as the stamps; else repl_get_ops(p). */
const repl_ops *repl_ops_for(mmu_repl_policy p, uint32_t ways);

/* Whether ops keeps a recency order (repl_order_* apply). */
int repl_is_order(const repl_ops *ops);

#define REPL_NIBBLES UINT64_C(0x1111111111111111)

/* The bit position (4 * position) of `way` in the recency order o. */
static inline unsigned repl_order_pos4(uint64_t o, uint32_t way)
{
    /* the lowest zero nibble of o ^ way...way (exact: a borrow only runs above a zero nibble) */
    const uint64_t x = o ^ (REPL_NIBBLES * way);
    const uint64_t z = (x - REPL_NIBBLES) & ~x & (REPL_NIBBLES << 3);
    return (unsigned)__builtin_ctzll(z) - 3;
}

/* The oldest way of the set (the victim of a full set). */
static inline uint32_t repl_order_victim(const repl_state *st, uint32_t set)
{
    return (uint32_t)(st->order[set] >> st->lru_shift) & 15;
}

/* Whether way is the newest of its set (an LRU hit on it changes nothing). */
static inline int repl_order_is_newest(const repl_state *st, uint32_t set, uint32_t way)
{
    return (uint32_t)(st->order[set] & 15) == way;
}

/* way becomes the newest of its set. */
static inline void repl_order_touch(repl_state *st, uint32_t set, uint32_t way)
{
    const uint64_t o = st->order[set];
    const unsigned p4 = repl_order_pos4(o, way);
    const uint64_t below = o & ((UINT64_C(1) << p4) - 1);
    const uint64_t upto = (UINT64_C(2) << (p4 + 3)) - 1; /* positions 0..p */
    st->order[set] = (o & ~upto) | (below << 4) | way;
}

/* The oldest way, which becomes the newest: the victim of a full set, filled. */
static inline uint32_t repl_order_evict(repl_state *st, uint32_t set)
{
    const uint64_t o = st->order[set];
    const uint32_t v = (uint32_t)(o >> st->lru_shift) & 15;
    st->order[set] = ((o << 4) & st->order_mask) | v;
    return v;
}

/* Allocate the state of policy p for sets x ways (seed used by random). */
mmu_err repl_state_init(repl_state *st, const repl_ops *ops, uint32_t sets, uint32_t ways,
                        uint64_t seed);
void repl_state_free(repl_state *st);

/* splitmix64, used to seed generators from configuration seeds. */
uint64_t repl_splitmix64(uint64_t x);

#endif /* MMUSIM_MODEL_REPL_H */
