/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * repl.c - the replacement policies: true LRU, tree pseudo-LRU, FIFO,
 * random (seeded xorshift64*), NRU and SRRIP (2-bit, hit priority).
 *
 * The rules are written out in docs/replacement.md; keep the two in step.
 */
#include "repl.h"

#include <stdlib.h>
#include <string.h>

static const char *const repl_names[MMU_REPL_POLICIES] = {
#define MMU_REPL_NAME_(name, id) id,
    MMU_REPL_MAP(MMU_REPL_NAME_)
#undef MMU_REPL_NAME_
};

const char *mmu_repl_name(mmu_repl_policy p)
{
    return (unsigned)p < MMU_REPL_POLICIES ? repl_names[p] : "?";
}

mmu_repl_policy mmu_repl_parse(const char *name)
{
    for (unsigned i = 0; i < MMU_REPL_POLICIES; i++)
        if (strcmp(name, repl_names[i]) == 0)
            return (mmu_repl_policy)i;
    return MMU_REPL_POLICIES;
}

uint64_t repl_splitmix64(uint64_t x)
{
    uint64_t z = x + UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static size_t n_ways(const repl_state *st)
{
    return (size_t)st->sets * st->ways;
}

/* ---- stamps: LRU (hit and fill) and FIFO (fill only) ---- */

static mmu_err stamp_init(repl_state *st)
{
    st->stamp = calloc(n_ways(st), sizeof *st->stamp);
    return st->stamp ? MMU_OK : MMU_ENOMEM;
}

static void stamp_reset(repl_state *st)
{
    memset(st->stamp, 0, n_ways(st) * sizeof *st->stamp);
    st->clock = 0;
}

static void stamp_touch(repl_state *st, uint32_t set, uint32_t way)
{
    st->stamp[(size_t)set * st->ways + way] = ++st->clock;
}

static void stamp_none(repl_state *st, uint32_t set, uint32_t way)
{
    (void)st;
    (void)set;
    (void)way;
}

static uint32_t stamp_victim(repl_state *st, uint32_t set)
{
    const uint64_t *s = st->stamp + (size_t)set * st->ways;
    uint32_t best = 0;
    uint64_t min = s[0];
    for (uint32_t w = 1; w < st->ways; w++) {
        /* no branch per way (the stamps' order is random): conditional moves */
        int lower = s[w] < min;
        min = lower ? s[w] : min;
        best = lower ? w : best;
    }
    return best;
}

static void stamp_invalidate(repl_state *st, uint32_t set, uint32_t way)
{
    st->stamp[(size_t)set * st->ways + way] = 0;
}

/* ---- recency orders: LRU and FIFO of at most 16 ways (repl.h) ---- */

static mmu_err order_init(repl_state *st)
{
    st->lru_shift = 4 * (st->ways - 1);
    st->order_mask = st->ways == 16 ? ~UINT64_C(0) : (UINT64_C(1) << (4 * st->ways)) - 1;
    st->order_reset = 0;
    for (uint32_t w = 0; w < st->ways; w++)
        st->order_reset |= (uint64_t)w << (4 * w);
    st->order = malloc((size_t)st->sets * sizeof *st->order);
    if (!st->order)
        return MMU_ENOMEM;
    for (uint32_t s = 0; s < st->sets; s++)
        st->order[s] = st->order_reset;
    return MMU_OK;
}

static void order_reset(repl_state *st)
{
    /* every way invalid, stamp 0: any order */
    for (uint32_t s = 0; s < st->sets; s++)
        st->order[s] = st->order_reset;
}

static void order_touch(repl_state *st, uint32_t set, uint32_t way)
{
    repl_order_touch(st, set, way);
}

static uint32_t order_victim(repl_state *st, uint32_t set)
{
    return repl_order_victim(st, set);
}

/* way's stamp becomes 0: the oldest of the set */
static void order_invalidate(repl_state *st, uint32_t set, uint32_t way)
{
    const uint64_t o = st->order[set];
    const unsigned p4 = repl_order_pos4(o, way);
    const uint64_t below = (UINT64_C(1) << p4) - 1;
    /* positions above p move down one (the unused nibble above, 0, comes down to ways - 1) */
    st->order[set] = (o & below) | ((o >> 4) & ~below) | ((uint64_t)way << st->lru_shift);
}

/* ---- per-way byte state: NRU bits and SRRIP RRPVs ---- */

static mmu_err bytes_init(repl_state *st)
{
    st->bits = calloc(n_ways(st), 1);
    return st->bits ? MMU_OK : MMU_ENOMEM;
}

static void nru_reset(repl_state *st)
{
    memset(st->bits, 0, n_ways(st));
}

static void nru_touch(repl_state *st, uint32_t set, uint32_t way)
{
    uint8_t *b = st->bits + (size_t)set * st->ways;
    b[way] = 1;
    for (uint32_t w = 0; w < st->ways; w++)
        if (!b[w])
            return;
    /* every bit set: clear all but the one just used */
    memset(b, 0, st->ways);
    b[way] = 1;
}

static uint32_t nru_victim(repl_state *st, uint32_t set)
{
    const uint8_t *b = st->bits + (size_t)set * st->ways;
    for (uint32_t w = 0; w < st->ways; w++)
        if (!b[w])
            return w;
    return 0; /* unreachable: nru_touch never leaves a set all ones */
}

static void nru_invalidate(repl_state *st, uint32_t set, uint32_t way)
{
    st->bits[(size_t)set * st->ways + way] = 0;
}

#define RRPV_MAX 3u
#define RRPV_FILL 2u

static void srrip_reset(repl_state *st)
{
    memset(st->bits, RRPV_MAX, n_ways(st));
}

static mmu_err srrip_init(repl_state *st)
{
    mmu_err e = bytes_init(st);
    if (e == MMU_OK)
        srrip_reset(st);
    return e;
}

static void srrip_hit(repl_state *st, uint32_t set, uint32_t way)
{
    st->bits[(size_t)set * st->ways + way] = 0;
}

static void srrip_fill(repl_state *st, uint32_t set, uint32_t way)
{
    st->bits[(size_t)set * st->ways + way] = RRPV_FILL;
}

static uint32_t srrip_victim(repl_state *st, uint32_t set)
{
    uint8_t *b = st->bits + (size_t)set * st->ways;
    for (;;) {
        for (uint32_t w = 0; w < st->ways; w++)
            if (b[w] >= RRPV_MAX)
                return w;
        for (uint32_t w = 0; w < st->ways; w++)
            b[w]++;
    }
}

static void srrip_invalidate(repl_state *st, uint32_t set, uint32_t way)
{
    st->bits[(size_t)set * st->ways + way] = RRPV_MAX;
}

/* ---- tree pseudo-LRU over the ways rounded up to a power of two ---- */

static mmu_err plru_init(repl_state *st)
{
    uint32_t leaves = 1;
    while (leaves < st->ways)
        leaves <<= 1;
    st->tree_nodes = leaves - 1;
    /* one byte per node; at least one byte per set keeps the arithmetic simple */
    st->bits = calloc((size_t)st->sets * (st->tree_nodes ? st->tree_nodes : 1), 1);
    return st->bits ? MMU_OK : MMU_ENOMEM;
}

static void plru_reset(repl_state *st)
{
    memset(st->bits, 0, (size_t)st->sets * (st->tree_nodes ? st->tree_nodes : 1));
}

static void plru_touch(repl_state *st, uint32_t set, uint32_t way)
{
    uint8_t *node = st->bits + (size_t)set * (st->tree_nodes ? st->tree_nodes : 1);
    uint32_t i = 0, lo = 0, span = st->tree_nodes + 1;
    while (i < st->tree_nodes) {
        span >>= 1;
        if (way < lo + span) { /* way is in the left subtree: point right */
            node[i] = 1;
            i = 2 * i + 1;
        } else {
            node[i] = 0;
            lo += span;
            i = 2 * i + 2;
        }
    }
}

static uint32_t plru_victim(repl_state *st, uint32_t set)
{
    const uint8_t *node = st->bits + (size_t)set * (st->tree_nodes ? st->tree_nodes : 1);
    uint32_t i = 0, lo = 0, span = st->tree_nodes + 1;
    while (i < st->tree_nodes) {
        span >>= 1;
        int right = node[i] != 0;
        /* a subtree holding no real way (leaves >= ways) is never chosen */
        if (right && lo + span >= st->ways)
            right = 0;
        if (right) {
            lo += span;
            i = 2 * i + 2;
        } else {
            i = 2 * i + 1;
        }
    }
    return lo;
}

/* ---- random: xorshift64*, drawn only when the set is full ---- */

static mmu_err random_init(repl_state *st)
{
    st->rng = repl_splitmix64(st->seed);
    if (st->rng == 0)
        st->rng = 1;
    return MMU_OK;
}

static void random_reset(repl_state *st)
{
    (void)random_init(st);
}

static uint32_t random_victim(repl_state *st, uint32_t set)
{
    (void)set;
    uint64_t x = st->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    st->rng = x;
    return (uint32_t)((x * UINT64_C(0x2545F4914F6CDD1D)) % st->ways);
}

static const repl_ops order_lru = {order_init, order_reset, order_touch, order_touch, order_victim,
                                   order_invalidate};
static const repl_ops order_fifo = {order_init, order_reset, stamp_none, order_touch, order_victim,
                                    order_invalidate};

static const repl_ops ops_table[MMU_REPL_POLICIES] = {
    [MMU_REPL_LRU] = {stamp_init, stamp_reset, stamp_touch, stamp_touch, stamp_victim, stamp_invalidate},
    [MMU_REPL_PLRU] = {plru_init, plru_reset, plru_touch, plru_touch, plru_victim, stamp_none},
    [MMU_REPL_FIFO] = {stamp_init, stamp_reset, stamp_none, stamp_touch, stamp_victim, stamp_invalidate},
    [MMU_REPL_RANDOM] = {random_init, random_reset, stamp_none, stamp_none, random_victim, stamp_none},
    [MMU_REPL_NRU] = {bytes_init, nru_reset, nru_touch, nru_touch, nru_victim, nru_invalidate},
    [MMU_REPL_SRRIP] = {srrip_init, srrip_reset, srrip_hit, srrip_fill, srrip_victim, srrip_invalidate},
};

const repl_ops *repl_get_ops(mmu_repl_policy p)
{
    return (unsigned)p < MMU_REPL_POLICIES ? &ops_table[p] : NULL;
}

const repl_ops *repl_ops_for(mmu_repl_policy p, uint32_t ways)
{
    if (ways >= 1 && ways <= 16 && p == MMU_REPL_LRU)
        return &order_lru;
    if (ways >= 1 && ways <= 16 && p == MMU_REPL_FIFO)
        return &order_fifo;
    return repl_get_ops(p);
}

int repl_is_order(const repl_ops *ops)
{
    return ops == &order_lru || ops == &order_fifo;
}

mmu_err repl_state_init(repl_state *st, const repl_ops *ops, uint32_t sets, uint32_t ways,
                        uint64_t seed)
{
    memset(st, 0, sizeof *st);
    st->sets = sets;
    st->ways = ways;
    st->seed = seed;
    return ops->init(st);
}

void repl_state_free(repl_state *st)
{
    free(st->stamp);
    free(st->bits);
    free(st->order);
    st->stamp = NULL;
    st->bits = NULL;
    st->order = NULL;
}
