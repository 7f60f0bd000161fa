/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ptemem.c - the PTE memory model: fixed latency, or a small L1D/L2/LLC
 * hierarchy with true LRU in front of DRAM (see mmusim/ptemem.h and
 * docs/timing.md for the exact rules).
 *
 * The two models are ops tables chosen by mode.  A cache level is an array
 * of sets * ways 64-bit entries, set-major; within a set the entries are
 * kept in recency order, the most recently used first, so true LRU needs no
 * stamps: a hit moves its entry to the front, a miss drops the last entry
 * (the LRU line, or an invalid one: invalid entries are always at the back)
 * and puts the new line in front.  An entry packs the line address
 * (paddr / line_size), the source that filled it and a valid bit, so a set's
 * tags are contiguous and a lookup reads one or two host cache lines.  Any
 * number of sets works (set = line address % sets).  Each level remembers
 * the line it served last: that line is at the front of its set, so a repeat
 * costs one compare and no move.
 *
 * The common geometry (at most 16 ways at every present level, as the
 * defaults and the presets) takes a second layout chosen at create time
 * (fast_ops, or fast_mod_ops when a level's sets are not a power of two): a
 * set's entries stay in the ways they were filled in, its recency order is
 * one 64-bit word of 4-bit way numbers (MRU in the low nibble), and a
 * 16-bit tag of each way's line (a hash, and the entry's source and valid
 * bits) sits in the set's block header, so that a lookup compares 16 tags
 * with two SSE2 steps and reads a full entry only where a tag matches.  A
 * hit moves its way's nibble to the front, a miss refills the way of the
 * last nibble (the replaced line's source read from its tag): the same true
 * LRU as the ordered sets, with no entry moved.  It counts only accesses,
 * writes and fills; the other statistics are derived from them when read
 * (fast_stats).  Three levels of power-of-two sets take a straight-line path
 * inlined in mmu_ptemem_access (fast3_access, one copy per source), with
 * narrow headers (8 tags, one SSE2 step) for the first two levels when they
 * have at most 8 ways (fast3n_ops).
 */
#include "mmusim/ptemem.h"
#include "msg.h"
#include "ptemem_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* A level's lines, sets * ways entries, set-major, each set most recently
   used first.  An entry is (line << 2) | (source << 1) | 1, 0 when invalid;
   a line address is below 2^61 (paddr >> line_shift, line_shift >= 3). */
/* The fast layout's per-set block header: the 16-bit tag (line_tag) of each way's line (0 when
   the way was never filled, and past the set's ways; a tag is only a filter, the entry decides)
   and the recency order, the way numbers in 4-bit nibbles, most recent in the low nibble.  The
   set's entries follow it in the same block (pm_ent), in the ways they were filled in, each
   (line << 2) | 3 whatever its source (the tag holds that), so that one compare checks a way. */
typedef struct pm_meta {
    uint16_t tag[16];
    uint64_t order;
    uint64_t pad_[3];
} pm_meta;

#define PM_ORDER_INIT UINT64_C(0xFEDCBA9876543210) /* way k in nibble k: all invalid */
#define PM_FAST_WAYS 16
/* A header's bytes: 16 tags, the order at 32, the entries at 64; or, for the first two levels of
   fast3n_ops (at most 8 ways each), 8 tags, the order at 16 and the entries at 32 (pm_order,
   pm_ent), so that one SSE2 step compares the tags and a 4-way set is one 64-byte block. */
#define PM_HDR_WIDE 64u
#define PM_HDR_NARROW 32u

typedef struct pm_level {
    uint64_t *ent;
    uint64_t last;   /* entry of the line used last (at the front of its set); 0: none */
    uint32_t sets;
    uint32_t ways;
    uint32_t latency;
    uint32_t set_mask; /* sets - 1 when sets is a power of two, else 0 */
    uint8_t id; /* mmu_ptemem_level */
    uint8_t victim_shift; /* fast layout: 4 * (ways - 1), the LRU nibble */
    uint8_t hdr;          /* fast layout: PM_HDR_WIDE or PM_HDR_NARROW */
    pm_meta *meta;        /* fast layout: sets blocks of stride bytes (NULL: ordered layout) */
    size_t stride;        /* fast layout: a header and ways entries, a multiple of 64 bytes */
    uint64_t lat_to;      /* fast layout: the latency of an access this level serves */
    /* fast layout: the fills, by the source filling and the low two bits of the entry it
       replaced (0 invalid, 1 PTE, 3 data); hits, misses and evictions are derived from these
       and from served when the statistics are read (fast_stats) */
    uint64_t fills[MMU_PTEMEM_SOURCES][4];
} pm_level;

#define PM_VALID UINT64_C(1)
#define PM_SRC_BIT UINT64_C(2)

/*
 * Contract: access returns the latency of one reference and the serving
 * level, updating state and counters (NULL for the block layouts, whose
 * references mmu_ptemem_access makes itself: fast_entry); probe has no side
 * effect; reset empties the state (the counters are zeroed by the caller).
 */
typedef struct pm_ops {
    uint64_t (*access)(mmu_ptemem *m, uint64_t paddr, mmu_ptemem_source src,
                       mmu_ptemem_level *served);
    mmu_ptemem_level (*probe)(const mmu_ptemem *m, uint64_t paddr);
    void (*reset)(mmu_ptemem *m);
} pm_ops;

struct mmu_ptemem {
    mmu_ptemem_config cfg;
    const pm_ops *ops;
    unsigned line_shift;
    unsigned n_levels; /* present cache levels, in lookup order */
    pm_level level[MMU_PTEMEM_CACHE_LEVELS];
    mmu_ptemem_stats stats; /* fast layout: only accesses and writes (fast_stats) */
    uint64_t lat_dram;      /* fast layout: the latency of an access DRAM serves */
    uint64_t lat3[4];       /* fast3_ops: the latency of an access served by level k (3: DRAM) */
    uint8_t id3[4];         /* fast3_ops: the mmu_ptemem_level of k */
    mmu_ptemem_repeat rep; /* data repeats of level[0]'s last line, counted apart (ptemem_internal.h) */
    uint8_t plain;          /* 1: model_ops (fixed latency, or the ordered layout) */
};

static const char *const mode_ids[MMU_PTEMEM_MODES] = {
#define MMU_PTEMEM_MODE_ID_(name, id) id,
    MMU_PTEMEM_MODE_MAP(MMU_PTEMEM_MODE_ID_)
#undef MMU_PTEMEM_MODE_ID_
};

static const char *const level_ids[MMU_PTEMEM_LEVELS] = {
#define MMU_PTEMEM_LEVEL_ID_(name, id) id,
    MMU_PTEMEM_LEVEL_MAP(MMU_PTEMEM_LEVEL_ID_)
#undef MMU_PTEMEM_LEVEL_ID_
};

const char *mmu_ptemem_mode_name(mmu_ptemem_mode m)
{
    return (unsigned)m < MMU_PTEMEM_MODES ? mode_ids[m] : "?";
}

static int same_nocase(const char *a, const char *b)
{
    while (*a && *b && tolower((unsigned char)*a) == tolower((unsigned char)*b)) {
        a++;
        b++;
    }
    return *a == 0 && *b == 0;
}

mmu_ptemem_mode mmu_ptemem_mode_parse(const char *name)
{
    if (name == NULL)
        return MMU_PTEMEM_MODES;
    for (unsigned i = 0; i < MMU_PTEMEM_MODES; i++)
        if (same_nocase(mode_ids[i], name))
            return (mmu_ptemem_mode)i;
    return MMU_PTEMEM_MODES;
}

const char *mmu_ptemem_level_name(mmu_ptemem_level l)
{
    return (unsigned)l < MMU_PTEMEM_LEVELS ? level_ids[l] : "?";
}

/* ---- configuration ---- */

void mmu_ptemem_config_defaults(mmu_ptemem_config *cfg)
{
    if (cfg == NULL)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->mode = MMU_PTEMEM_CACHE;
    cfg->fixed_latency = 30;
    cfg->line_size = 64;
    cfg->dram_latency = 200;
    cfg->level[MMU_PTEMEM_L1D] = (mmu_ptemem_level_config){ 32u << 10, 0, 8, 4 };
    cfg->level[MMU_PTEMEM_L2] = (mmu_ptemem_level_config){ 256u << 10, 0, 4, 8 };
    cfg->level[MMU_PTEMEM_LLC] = (mmu_ptemem_level_config){ 8u << 20, 0, 16, 30 };
}

#define cfg_fail(msg, msglen, ...) model_msg(MMU_ECONFIG, msg, msglen, __VA_ARGS__)

/* Lines of a level once checked (size takes precedence when both are set). */
static uint64_t level_lines(const mmu_ptemem_level_config *lc, uint32_t line_size)
{
    return lc->size != 0 ? lc->size / line_size : lc->lines;
}

mmu_err mmu_ptemem_config_check(const mmu_ptemem_config *cfg, char *msg, size_t msglen)
{
    if (msg != NULL && msglen > 0)
        msg[0] = 0;
    if (cfg == NULL)
        return cfg_fail(msg, msglen, "ptemem: no configuration");
    if (cfg->mode >= MMU_PTEMEM_MODES)
        return cfg_fail(msg, msglen, "ptemem.mode (%u) must be fixed (%d) or cache (%d)",
                        (unsigned)cfg->mode, MMU_PTEMEM_FIXED, MMU_PTEMEM_CACHE);
    if (cfg->mode == MMU_PTEMEM_FIXED)
        return MMU_OK;

    uint32_t ls = cfg->line_size;
    if (ls < 8 || ls > 4096 || (ls & (ls - 1)) != 0)
        return cfg_fail(msg, msglen,
                        "ptemem.line_size (%u) must be a power of two between 8 and 4096",
                        (unsigned)ls);
    for (unsigned i = 0; i < MMU_PTEMEM_CACHE_LEVELS; i++) {
        const mmu_ptemem_level_config *lc = &cfg->level[i];
        const char *n = level_ids[i];
        if (lc->size == 0 && lc->lines == 0)
            continue; /* absent */
        if (lc->size % ls != 0)
            return cfg_fail(msg, msglen,
                            "ptemem.%s.size (%llu) must be a multiple of ptemem.line_size (%u)",
                            n, (unsigned long long)lc->size, (unsigned)ls);
        if (lc->size != 0 && lc->lines != 0 && lc->size / ls != lc->lines)
            return cfg_fail(msg, msglen,
                            "ptemem.%s.lines (%u) disagrees with ptemem.%s.size (%llu) / "
                            "ptemem.line_size (%u) = %llu",
                            n, (unsigned)lc->lines, n, (unsigned long long)lc->size,
                            (unsigned)ls, (unsigned long long)(lc->size / ls));
        uint64_t lines = level_lines(lc, ls);
        if (lines > MMU_PTEMEM_MAX_LINES)
            return cfg_fail(msg, msglen, "ptemem.%s.lines (%llu) must be at most %u", n,
                            (unsigned long long)lines, (unsigned)MMU_PTEMEM_MAX_LINES);
        if (lc->ways == 0)
            return cfg_fail(msg, msglen, "ptemem.%s.ways (0) must be at least 1", n);
        if (lines % lc->ways != 0)
            return cfg_fail(msg, msglen, "ptemem.%s.ways (%u) must divide ptemem.%s.lines (%llu)",
                            n, (unsigned)lc->ways, n, (unsigned long long)lines);
    }
    return MMU_OK;
}

/* ---- fixed model ---- */

static uint64_t fixed_access(mmu_ptemem *m, uint64_t paddr, mmu_ptemem_source src,
                             mmu_ptemem_level *served)
{
    (void)paddr;
    (void)src;
    *served = MMU_PTEMEM_DRAM;
    return m->cfg.fixed_latency;
}

static mmu_ptemem_level fixed_probe(const mmu_ptemem *m, uint64_t paddr)
{
    (void)m;
    (void)paddr;
    return MMU_PTEMEM_DRAM;
}

static void fixed_reset(mmu_ptemem *m)
{
    (void)m;
}

/* ---- cache model ---- */

static uint64_t *set_of(const pm_level *lv, uint64_t line)
{
    /* a division per lookup would dominate the per-access cost: mask when we can */
    size_t set = lv->set_mask || lv->sets == 1 ? (size_t)(line & lv->set_mask) : (size_t)(line % lv->sets);
    return lv->ent + set * lv->ways;
}

/* Way of the line in its set (MRU first), or ways.  want = (line << 2) | 3: an
   entry matches when it equals want with the source bit set. */
static uint32_t find_way(const pm_level *lv, const uint64_t *set, uint64_t want)
{
    uint32_t w = 0;
    while (w < lv->ways && (set[w] | PM_SRC_BIT) != want)
        w++;
    return w;
}

/* find_way from way w on (w <= 1: way 0 is scanned again, harmlessly): the search of every
   access.  With SSE2 (every x86-64 host) four ways a step: the low 32-bit halves of four entries
   (which hold the set's index bits and the line's low tag bits) are compared with want's at
   once, and only a way whose half matches is compared in full. */
static inline uint32_t scan_from(const uint64_t *set, uint32_t w, uint32_t ways, uint64_t want)
{
#if defined(__SSE2__)
    if (w <= 1) {
        w = 0;
        const __m128i lo_want = _mm_set1_epi32((int)(uint32_t)want);
        const __m128i sb = _mm_set1_epi32((int)PM_SRC_BIT);
        for (; w + 4 <= ways; w += 4) {
            __m128 a = _mm_castsi128_ps(_mm_loadu_si128((const __m128i *)(set + w)));
            __m128 b = _mm_castsi128_ps(_mm_loadu_si128((const __m128i *)(set + w + 2)));
            __m128i lo = _mm_or_si128(_mm_castps_si128(_mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), sb);
            unsigned mask = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(lo, lo_want)));
            for (; mask != 0; mask &= mask - 1) {
                uint32_t k = w + (uint32_t)__builtin_ctz(mask);
                if ((set[k] | PM_SRC_BIT) == want)
                    return k;
            }
        }
    }
#endif
    while (w < ways && (set[w] | PM_SRC_BIT) != want)
        w++;
    return w;
}

/* The lookup of want (find_way's form) in set of lv, whose first `from` entries do not hold it:
   on a hit the line becomes the set's MRU entry; on a miss it is filled as the MRU entry and the
   LRU entry (the last) leaves, counted as an eviction when valid.  Returns 1 on a hit. */
static inline __attribute__((always_inline)) int level_rest(mmu_ptemem *m, pm_level *lv, uint64_t *set,
                                                            uint64_t want, uint32_t from,
                                                            mmu_ptemem_source src)
{
    const uint64_t line = want >> 2;
    uint32_t w = scan_from(set, from, lv->ways, want);
    int hit = w < lv->ways;
    uint64_t e;
    if (hit) {
        e = set[w];
    } else {
        w = lv->ways - 1;
        uint64_t v = set[w];
        if (v & PM_VALID) {
            unsigned vsrc = (unsigned)((v & PM_SRC_BIT) >> 1);
            m->stats.evictions[vsrc][lv->id]++;
            if (vsrc == MMU_PTEMEM_SRC_PTE && src == MMU_PTEMEM_SRC_DATA)
                m->stats.pte_evicted_by_data[lv->id]++;
        }
        e = (line << 2) | ((uint64_t)src << 1) | PM_VALID;
    }
    memmove(set + 1, set, w * sizeof *set);
    set[0] = e;
    lv->last = e;
    return hit;
}

/* Look want (find_way's form) up in its set of one level (level_rest); the line used last and
   the set's MRU entry are hits that move nothing.  Returns 1 on a hit. */
static int level_access(mmu_ptemem *m, pm_level *lv, uint64_t *set, uint64_t want,
                        mmu_ptemem_source src)
{
    if ((lv->last | PM_SRC_BIT) == want) /* the line used last: already the MRU entry */
        return 1;
    if ((set[0] | PM_SRC_BIT) == want) {
        lv->last = set[0];
        return 1;
    }
    return level_rest(m, lv, set, want, 1, src);
}

static uint64_t cache_access(mmu_ptemem *m, uint64_t paddr, mmu_ptemem_source src,
                             mmu_ptemem_level *served)
{
    uint64_t line = paddr >> m->line_shift;
    uint64_t lat = 0;

    if (m->n_levels == 0) {
        *served = MMU_PTEMEM_DRAM;
        return m->cfg.dram_latency;
    }
    m->rep.line = line; /* level[0]'s last line once this access is done */
    /* a first-level hit on the line used last or on its set's MRU entry moves
       nothing: answered before the lower levels are read */
    pm_level *l0 = &m->level[0];
    const uint64_t want = (line << 2) | PM_SRC_BIT | PM_VALID;
    if ((l0->last | PM_SRC_BIT) == want) {
        m->stats.hits[src][l0->id]++;
        *served = (mmu_ptemem_level)l0->id;
        return l0->latency;
    }
    /* the sets of the levels below the first are read only when the first
       misses, but their addresses are known now: start loading them before
       the first level's set (a host cache miss on a walk-heavy run) */
    uint64_t *set0 = set_of(l0, line);
    uint64_t *set[MMU_PTEMEM_CACHE_LEVELS]; /* kept for the lookups below */
    for (unsigned i = 1; i < m->n_levels; i++) {
        set[i] = set_of(&m->level[i], line);
        __builtin_prefetch(set[i]);
    }
    if ((set0[0] | PM_SRC_BIT) == want) {
        l0->last = set0[0];
        m->stats.hits[src][l0->id]++;
        *served = (mmu_ptemem_level)l0->id;
        return l0->latency;
    }
    /* the rest of the first level's set (its MRU entry is not the line) */
    lat = l0->latency;
    if (level_rest(m, l0, set0, want, 1, src)) {
        m->stats.hits[src][l0->id]++;
        *served = (mmu_ptemem_level)l0->id;
        return lat;
    }
    m->stats.misses[src][l0->id]++;
    /* a level that misses is filled at once: the levels are independent, so
       this is the same as filling them after the level that serves */
    for (unsigned i = 1; i < m->n_levels; i++) {
        pm_level *lv = &m->level[i];
        lat += lv->latency;
        if (level_access(m, lv, set[i], want, src)) {
            m->stats.hits[src][lv->id]++;
            *served = (mmu_ptemem_level)lv->id;
            return lat;
        }
        m->stats.misses[src][lv->id]++;
    }
    *served = MMU_PTEMEM_DRAM;
    return lat + m->cfg.dram_latency;
}

static mmu_ptemem_level cache_probe(const mmu_ptemem *m, uint64_t paddr)
{
    uint64_t line = paddr >> m->line_shift;
    uint64_t want = (line << 2) | PM_SRC_BIT | PM_VALID;
    for (unsigned i = 0; i < m->n_levels; i++) {
        const pm_level *lv = &m->level[i];
        if (find_way(lv, set_of(lv, line), want) < lv->ways)
            return (mmu_ptemem_level)lv->id;
    }
    return MMU_PTEMEM_DRAM;
}

static void cache_reset(mmu_ptemem *m)
{
    for (unsigned i = 0; i < m->n_levels; i++) {
        pm_level *lv = &m->level[i];
        memset(lv->ent, 0, (size_t)lv->sets * lv->ways * sizeof *lv->ent);
        lv->last = 0;
    }
    m->rep.line = UINT64_MAX;
}

/* ---- cache model, fast layout (at most 16 ways) ---- */

/* The 16-bit tag of a line (the same at every level): the top 14 bits of a multiplicative hash,
   so that lines of one set that differ in any bit get unrelated values, above the low two bits of
   the line's entry (the source that filled it, and the valid bit: never the 0 of a way never
   filled, nor of the tags past a set's ways, which stay 0).  So a fill reads the source of the
   entry it replaces from the set's header, not from the entry. */
static inline uint16_t line_tag(uint64_t line, mmu_ptemem_source src)
{
    const unsigned h = (unsigned)((line * UINT64_C(0x9E3779B97F4A7C15)) >> 48);
    return (uint16_t)((h & ~3u) | ((unsigned)src << 1) | (unsigned)PM_VALID);
}

/* Ways of the set whose tag is t, whatever their source (bit k: way k; a superset of the way
   holding the line, and only ways below the set's number of ways); t has its source bit set. */
static inline __attribute__((always_inline)) unsigned tag_ways(const pm_meta *mt, uint16_t t,
                                                                unsigned hdr)
{
#if defined(__SSE2__)
    const __m128i tv = _mm_set1_epi16((short)t);
    const __m128i sb = _mm_set1_epi16((short)PM_SRC_BIT);
    const __m128i a = _mm_or_si128(_mm_load_si128((const __m128i *)mt->tag), sb);
    if (hdr == PM_HDR_NARROW)
        return (unsigned)_mm_movemask_epi8(_mm_packs_epi16(_mm_cmpeq_epi16(a, tv), _mm_setzero_si128()));
    const __m128i b = _mm_or_si128(_mm_load_si128((const __m128i *)(mt->tag + 8)), sb);
    const __m128i eq = _mm_packs_epi16(_mm_cmpeq_epi16(a, tv), _mm_cmpeq_epi16(b, tv));
    return (unsigned)_mm_movemask_epi8(eq);
#else
    unsigned mask = 0;
    for (unsigned k = 0; k < (hdr == PM_HDR_NARROW ? 8u : 16u); k++)
        mask |= (unsigned)((mt->tag[k] | PM_SRC_BIT) == t) << k;
    return mask;
#endif
}

/* order with way p (present in its first ways nibbles) moved to the front. */
static inline uint64_t order_touch(uint64_t order, unsigned p)
{
    const uint64_t ones = UINT64_C(0x1111111111111111);
    const uint64_t x = order ^ (p * ones);  /* a zero nibble where p is */
    const uint64_t z = (x - ones) & ~x & (ones << 3); /* lowest bit set: the first zero nibble */
    /* the nibbles up to p's (the bits up to z's lowest) take the nibbles below them, and p goes
       to the front */
    const uint64_t upto = z ^ (z - 1);
    return order ^ ((order ^ ((order << 4) | p)) & upto);
}

/* The block of line's set (pow2: the level's sets are a power of two, as set_of does at run
   time), and its entries. */
static inline __attribute__((always_inline)) pm_meta *fast_set(const pm_level *lv, uint64_t line,
                                                               int pow2)
{
    const size_t set = pow2 ? (size_t)(line & lv->set_mask) : (size_t)(line % lv->sets);
    return (pm_meta *)((char *)lv->meta + set * lv->stride);
}

static inline uint64_t *pm_ent(pm_meta *mt, unsigned hdr)
{
    return (uint64_t *)((char *)mt + hdr);
}

static inline uint64_t *pm_order(pm_meta *mt, unsigned hdr)
{
    return (uint64_t *)((char *)mt + hdr / 2);
}

/* Way of want (find_way's form) in the set, or -1; t: its line_tag with the source bit set. */
static inline __attribute__((always_inline)) int fast_find(const pm_meta *mt, const uint64_t *ent,
                                                           uint64_t want, uint16_t t, unsigned hdr)
{
    for (unsigned mask = tag_ways(mt, t, hdr); mask != 0; mask &= mask - 1) {
        unsigned p = (unsigned)__builtin_ctz(mask);
        if (ent[p] == want)
            return (int)p;
    }
    return -1;
}

/* The fast layout's access; counts only the fills (the caller counts accesses and writes). */
static inline __attribute__((always_inline)) uint64_t fast_access(mmu_ptemem *m, uint64_t paddr,
                                                                  mmu_ptemem_source src,
                                                                  mmu_ptemem_level *served,
                                                                  int pow2)
{
    const uint64_t line = paddr >> m->line_shift;
    pm_level *lv = m->level;
    if (line == m->rep.line) /* the line used last: already the MRU entry of the first level */
        goto hit;
    m->rep.line = line; /* level[0]'s last line once this access is done */
    pm_level *const end = lv + m->n_levels;
    /* the last level's set is read only when the levels above miss (nearly always on a
       walk-heavy run), and is the one least likely to be in the host's caches: start loading
       it first */
    __builtin_prefetch(fast_set(end - 1, line, pow2));
    const uint16_t t = line_tag(line, src);
    const uint16_t twant = t | (uint16_t)PM_SRC_BIT;
    const uint64_t want = (line << 2) | PM_SRC_BIT | PM_VALID;
    const uint64_t e = want; /* (the source is in the tag) */
    /* a level that misses is filled at once: the levels are independent, so this is the same
       as filling them after the level that serves */
    do {
        pm_meta *mt = fast_set(lv, line, pow2);
        uint64_t *ent = pm_ent(mt, PM_HDR_WIDE);
        const int p = fast_find(mt, ent, want, twant, PM_HDR_WIDE);
        if (p >= 0) {
            mt->order = order_touch(mt->order, (unsigned)p);
            goto hit;
        }
        const uint64_t order = mt->order;
        const unsigned v = (unsigned)(order >> lv->victim_shift) & 15u; /* the LRU way */
        lv->fills[src][mt->tag[v] & 3]++; /* the replaced entry's low bits */
        ent[v] = e;
        mt->tag[v] = t;
        mt->order = (order << 4) | v;
    } while (++lv < end);
    if (served != NULL)
        *served = MMU_PTEMEM_DRAM;
    return m->lat_dram;
hit:
    if (served != NULL)
        *served = (mmu_ptemem_level)lv->id;
    return lv->lat_to;
}

/* The fill of line's miss in set mt of lv (fast_access's loop body). */
static inline __attribute__((always_inline)) void fast_fill(pm_level *lv, pm_meta *mt, uint64_t e,
                                                            uint16_t t, mmu_ptemem_source src,
                                                            unsigned hdr)
{
    uint64_t *const o = pm_order(mt, hdr);
    const uint64_t order = *o;
    const unsigned v = (unsigned)(order >> lv->victim_shift) & 15u; /* the LRU way */
    lv->fills[src][mt->tag[v] & 3]++; /* the replaced entry's low bits */
    pm_ent(mt, hdr)[v] = e;
    mt->tag[v] = t;
    *o = (order << 4) | v;
}

/* The hit of way p of mt: its way becomes the most recent (often it already is). */
static inline __attribute__((always_inline)) void fast_touch(pm_meta *mt, unsigned p, unsigned hdr)
{
    uint64_t *const o = pm_order(mt, hdr);
    const uint64_t order = *o;
    if ((order & 15u) != p)
        *o = order_touch(order, p);
}

/* fast_access for exactly three levels with power-of-two sets (the defaults and the presets),
   straight-line: the levels are looked up in order, and the levels above the one that serves
   are filled; when the first level misses, the last level's set (the one least likely to be in
   the host's caches) is prefetched before anything else.  Returns
   the serving level's place (3: DRAM).  h01: the first two levels' header (fast3n_ops: narrow). */
static inline __attribute__((always_inline)) unsigned fast3_access(mmu_ptemem *m, uint64_t line,
                                                                   mmu_ptemem_source src,
                                                                   unsigned h01)
{
    pm_level *const l0 = m->level, *const l1 = l0 + 1, *const l2 = l0 + 2;
    pm_meta *const s0 = fast_set(l0, line, 1);
    m->rep.line = line;
    const uint16_t t = line_tag(line, src);
    const uint16_t twant = t | (uint16_t)PM_SRC_BIT;
    const uint64_t want = (line << 2) | PM_SRC_BIT | PM_VALID;
    const uint64_t e = want; /* (the source is in the tag) */
    int p;
    if ((p = fast_find(s0, pm_ent(s0, h01), want, twant, h01)) >= 0) {
        fast_touch(s0, (unsigned)p, h01);
        return 0;
    }
    pm_meta *const s2 = fast_set(l2, line, 1);
    __builtin_prefetch(s2);
    fast_fill(l0, s0, e, t, src, h01);
    pm_meta *const s1 = fast_set(l1, line, 1);
    if ((p = fast_find(s1, pm_ent(s1, h01), want, twant, h01)) >= 0) {
        fast_touch(s1, (unsigned)p, h01);
        return 1;
    }
    fast_fill(l1, s1, e, t, src, h01);
    if ((p = fast_find(s2, pm_ent(s2, PM_HDR_WIDE), want, twant, PM_HDR_WIDE)) >= 0) {
        fast_touch(s2, (unsigned)p, PM_HDR_WIDE);
        return 2;
    }
    fast_fill(l2, s2, e, t, src, PM_HDR_WIDE);
    return 3;
}

/* mmu_ptemem_access with fast3_ops (src a constant in each copy).  A repeat of level[0]'s last
   line, data or not, is a first-level hit that changes no state, counted here as an access (the
   same statistics as the data repeats' counts). */
static inline __attribute__((always_inline)) uint64_t fast3_entry(mmu_ptemem *m, uint64_t line,
                                                                  int is_write,
                                                                  mmu_ptemem_source src,
                                                                  mmu_ptemem_level *served,
                                                                  unsigned h01)
{
    m->stats.accesses[src]++;
    if (is_write)
        m->stats.writes[src]++;
    const unsigned k = line == m->rep.line ? 0 : fast3_access(m, line, src, h01);
    if (served != NULL)
        *served = (mmu_ptemem_level)m->id3[k];
    return m->lat3[k];
}

/* The fast layout's statistics: accesses and writes as counted, the rest derived.  Every miss
   fills one way, so a level's misses are its fills, its hits the accesses that reached it (the
   misses of the level before, or every access for the first) less its misses, and DRAM serves
   the last level's misses; an access's latency is the sum of the levels' it reached (and
   DRAM's when DRAM serves); a fill over a valid entry is an eviction of that entry's source. */
static void fast_stats(const mmu_ptemem *m, mmu_ptemem_stats *out)
{
    for (unsigned s = 0; s < MMU_PTEMEM_SOURCES; s++) {
        uint64_t reach = out->accesses[s], cyc = 0;
        for (unsigned i = 0; i < m->n_levels; i++) {
            const pm_level *lv = &m->level[i];
            const uint64_t *f = lv->fills[s];
            const uint64_t miss = f[0] + f[1] + f[2] + f[3];
            const uint64_t hit = reach - miss;
            out->hits[s][lv->id] = hit;
            out->misses[s][lv->id] = miss;
            out->served[s][lv->id] = hit;
            cyc += hit * lv->lat_to;
            reach = miss;
        }
        out->served[s][MMU_PTEMEM_DRAM] = reach;
        out->cycles[s] = cyc + reach * m->lat_dram;
    }
    for (unsigned i = 0; i < m->n_levels; i++) {
        const pm_level *lv = &m->level[i];
        for (unsigned v = 0; v < MMU_PTEMEM_SOURCES; v++) {
            const unsigned low = v == MMU_PTEMEM_SRC_PTE ? 1 : 3;
            out->evictions[v][lv->id] =
                lv->fills[MMU_PTEMEM_SRC_PTE][low] + lv->fills[MMU_PTEMEM_SRC_DATA][low];
        }
        out->pte_evicted_by_data[lv->id] = lv->fills[MMU_PTEMEM_SRC_DATA][1];
    }
}

/* mmu_ptemem_access in the fast layout (pow2: every level's sets a power of two). */
static inline __attribute__((always_inline)) uint64_t fast_entry(mmu_ptemem *m, uint64_t paddr,
                                                                 int is_write,
                                                                 mmu_ptemem_source source,
                                                                 mmu_ptemem_level *served, int pow2)
{
    const mmu_ptemem_source src = source == MMU_PTEMEM_SRC_PTE ? MMU_PTEMEM_SRC_PTE
                                                               : MMU_PTEMEM_SRC_DATA;
    if (src == MMU_PTEMEM_SRC_DATA && mmu_ptemem_data_repeat(&m->rep, paddr, is_write)) {
        if (served != NULL)
            *served = (mmu_ptemem_level)m->level[0].id;
        return m->level[0].lat_to;
    }
    m->stats.accesses[src]++;
    m->stats.writes[src] += is_write != 0;
    return fast_access(m, paddr, src, served, pow2);
}

static __attribute__((noinline)) uint64_t fast_entry_pow2(mmu_ptemem *m, uint64_t paddr,
                                                          int is_write, mmu_ptemem_source src,
                                                          mmu_ptemem_level *served)
{
    return fast_entry(m, paddr, is_write, src, served, 1);
}

static __attribute__((noinline)) uint64_t fast_entry_mod(mmu_ptemem *m, uint64_t paddr,
                                                         int is_write, mmu_ptemem_source src,
                                                         mmu_ptemem_level *served)
{
    return fast_entry(m, paddr, is_write, src, served, 0);
}

static mmu_ptemem_level fast_probe(const mmu_ptemem *m, uint64_t paddr)
{
    const uint64_t line = paddr >> m->line_shift;
    const uint64_t want = (line << 2) | PM_SRC_BIT | PM_VALID;
    for (unsigned i = 0; i < m->n_levels; i++) {
        const pm_level *lv = &m->level[i];
        pm_meta *mt = fast_set(lv, line, 0);
        if (fast_find(mt, pm_ent(mt, lv->hdr), want, line_tag(line, MMU_PTEMEM_SRC_DATA), lv->hdr) >= 0)
            return (mmu_ptemem_level)lv->id;
    }
    return MMU_PTEMEM_DRAM;
}

static void fast_reset(mmu_ptemem *m)
{
    for (unsigned i = 0; i < m->n_levels; i++) {
        pm_level *lv = &m->level[i];
        memset(lv->meta, 0, (size_t)lv->sets * lv->stride);
        for (uint32_t s = 0; s < lv->sets; s++)
            *pm_order((pm_meta *)((char *)lv->meta + (size_t)s * lv->stride), lv->hdr) = PM_ORDER_INIT;
        lv->last = 0;
    }
    m->rep.line = UINT64_MAX;
}

/* The same model and table for both; mmu_ptemem_access tells them apart by address. */
static const pm_ops fast_ops = { NULL, fast_probe, fast_reset };
static const pm_ops fast_mod_ops = { NULL, fast_probe, fast_reset };
static const pm_ops fast3_ops = { NULL, fast_probe, fast_reset };
static const pm_ops fast3n_ops = { NULL, fast_probe, fast_reset };

static const pm_ops model_ops[MMU_PTEMEM_MODES] = {
    [MMU_PTEMEM_FIXED] = { fixed_access, fixed_probe, fixed_reset },
    [MMU_PTEMEM_CACHE] = { cache_access, cache_probe, cache_reset },
};

/* ---- public API ---- */

mmu_err mmu_ptemem_create(const mmu_ptemem_config *cfg, mmu_ptemem **out)
{
    if (cfg == NULL || out == NULL)
        return MMU_EINVAL;
    *out = NULL;
    if (mmu_ptemem_config_check(cfg, NULL, 0) != MMU_OK)
        return MMU_ECONFIG;

    mmu_ptemem *m = calloc(1, sizeof *m);
    if (m == NULL)
        return MMU_ENOMEM;
    m->cfg = *cfg;
    m->ops = &model_ops[cfg->mode];
    m->plain = 1;
    m->rep.line = UINT64_MAX;
    m->rep.line_shift = 63; /* no line (fixed mode, no level): paddr >> 63 is never UINT64_MAX */
    if (cfg->mode == MMU_PTEMEM_CACHE) {
        while ((1u << m->line_shift) < cfg->line_size)
            m->line_shift++;
        for (unsigned i = 0; i < MMU_PTEMEM_CACHE_LEVELS; i++) {
            const mmu_ptemem_level_config *lc = &cfg->level[i];
            uint64_t lines = level_lines(lc, cfg->line_size);
            if (lines == 0)
                continue;
            pm_level *lv = &m->level[m->n_levels];
            lv->ent = calloc((size_t)lines, sizeof *lv->ent);
            m->n_levels++; /* freed by destroy from here on */
            if (lv->ent == NULL) {
                mmu_ptemem_destroy(m);
                return MMU_ENOMEM;
            }
            lv->ways = lc->ways;
            lv->sets = (uint32_t)(lines / lc->ways);
            lv->set_mask = (lv->sets & (lv->sets - 1)) == 0 ? lv->sets - 1 : 0;
            lv->latency = lc->latency;
            lv->id = (uint8_t)i;
        }
        if (m->n_levels)
            m->rep.line_shift = m->line_shift;
        int fast = m->n_levels > 0, pow2 = 1;
        for (unsigned i = 0; i < m->n_levels; i++) {
            fast &= m->level[i].ways <= PM_FAST_WAYS;
            pow2 &= (m->level[i].sets & (m->level[i].sets - 1)) == 0;
        }
        /* three levels, the first two of at most 8 ways: those two take narrow headers */
        const int narrow = fast && pow2 && m->n_levels == 3 && m->level[0].ways <= 8 &&
                           m->level[1].ways <= 8;
        if (fast) {
            for (unsigned i = 0; i < m->n_levels; i++) {
                pm_level *lv = &m->level[i];
                free(lv->ent); /* the entries are in the blocks */
                lv->ent = NULL;
                lv->hdr = (uint8_t)(narrow && i < 2 ? PM_HDR_NARROW : PM_HDR_WIDE);
                lv->stride = lv->hdr == PM_HDR_WIDE
                                 ? (size_t)(PM_HDR_WIDE + ((lv->ways + 7u) & ~7u) * sizeof(uint64_t))
                                 : (size_t)((PM_HDR_NARROW + lv->ways * sizeof(uint64_t) + 31u) & ~31u);
                lv->meta = aligned_alloc(sizeof *lv->meta,
                                         ((size_t)lv->sets * lv->stride + 63u) & ~(size_t)63u);
                if (lv->meta == NULL) {
                    mmu_ptemem_destroy(m);
                    return MMU_ENOMEM;
                }
                lv->victim_shift = (uint8_t)(4 * (lv->ways - 1));
                m->lat_dram += lv->latency;
                lv->lat_to = m->lat_dram;
            }
            m->lat_dram += cfg->dram_latency;
            for (unsigned i = 0; i < 4; i++) {
                m->lat3[i] = i < m->n_levels ? m->level[i].lat_to : m->lat_dram;
                m->id3[i] = i < m->n_levels ? m->level[i].id : (uint8_t)MMU_PTEMEM_DRAM;
            }
            m->plain = 0;
            m->ops = !pow2 ? &fast_mod_ops : narrow ? &fast3n_ops : m->n_levels == 3 ? &fast3_ops : &fast_ops;
            fast_reset(m);
        }
    }
    *out = m;
    return MMU_OK;
}

void mmu_ptemem_destroy(mmu_ptemem *m)
{
    if (m == NULL)
        return;
    for (unsigned i = 0; i < m->n_levels; i++) {
        free(m->level[i].ent);
        free(m->level[i].meta);
    }
    free(m);
}

const mmu_ptemem_config *mmu_ptemem_get_config(const mmu_ptemem *m)
{
    return &m->cfg;
}

/* mmu_ptemem_access of the other models (the ordered layout, fixed latency). */
static __attribute__((noinline)) uint64_t other_entry(mmu_ptemem *m, uint64_t paddr, int is_write,
                                                      mmu_ptemem_source source,
                                                      mmu_ptemem_level *served)
{
    const mmu_ptemem_source src = source == MMU_PTEMEM_SRC_PTE ? MMU_PTEMEM_SRC_PTE
                                                               : MMU_PTEMEM_SRC_DATA;
    mmu_ptemem_level lvl;
    if (src == MMU_PTEMEM_SRC_DATA && mmu_ptemem_data_repeat(&m->rep, paddr, is_write)) {
        if (served != NULL)
            *served = (mmu_ptemem_level)m->level[0].id;
        return m->level[0].latency;
    }
    /* the cache model called directly (inlined), not through the table */
    uint64_t lat = m->ops == &model_ops[MMU_PTEMEM_CACHE] ? cache_access(m, paddr, src, &lvl)
                                                          : m->ops->access(m, paddr, src, &lvl);

    m->stats.accesses[src]++;
    if (is_write)
        m->stats.writes[src]++;
    m->stats.cycles[src] += lat;
    m->stats.served[src][lvl]++;
    if (served != NULL)
        *served = lvl;
    return lat;
}

/* mmu_ptemem_access of the fast layout but fast3n_ops. */
static __attribute__((noinline)) uint64_t fast_entry_other(mmu_ptemem *m, uint64_t paddr,
                                                           int is_write, mmu_ptemem_source source,
                                                           mmu_ptemem_level *served)
{
    if (m->ops == &fast3_ops) {
        const uint64_t line = paddr >> m->line_shift;
        return source == MMU_PTEMEM_SRC_PTE
                   ? fast3_entry(m, line, is_write, MMU_PTEMEM_SRC_PTE, served, PM_HDR_WIDE)
                   : fast3_entry(m, line, is_write, MMU_PTEMEM_SRC_DATA, served, PM_HDR_WIDE);
    }
    return m->ops == &fast_ops       ? fast_entry_pow2(m, paddr, is_write, source, served)
           : m->ops == &fast_mod_ops ? fast_entry_mod(m, paddr, is_write, source, served)
                                     : other_entry(m, paddr, is_write, source, served);
}

uint64_t mmu_ptemem_access(mmu_ptemem *m, uint64_t paddr, int is_write,
                           mmu_ptemem_source source, mmu_ptemem_level *served)
{
    /* three levels of power-of-two sets, the first two narrow, here (fast3_access), the others
       by a tail call, the fixed model and the ordered layout first (each entry makes any source
       other than PTE DATA) */
    if (m->ops == &fast3n_ops) {
        const uint64_t line = paddr >> m->line_shift;
        return source == MMU_PTEMEM_SRC_PTE
                   ? fast3_entry(m, line, is_write, MMU_PTEMEM_SRC_PTE, served, PM_HDR_NARROW)
                   : fast3_entry(m, line, is_write, MMU_PTEMEM_SRC_DATA, served, PM_HDR_NARROW);
    }
    return m->plain ? other_entry(m, paddr, is_write, source, served)
                    : fast_entry_other(m, paddr, is_write, source, served);
}

mmu_ptemem_level mmu_ptemem_probe(const mmu_ptemem *m, uint64_t paddr)
{
    return m->ops->probe(m, paddr);
}

void mmu_ptemem_reset(mmu_ptemem *m)
{
    m->ops->reset(m);
    mmu_ptemem_clear_stats(m);
}

void mmu_ptemem_clear_stats(mmu_ptemem *m)
{
    memset(&m->stats, 0, sizeof m->stats);
    for (unsigned i = 0; i < m->n_levels; i++)
        memset(m->level[i].fills, 0, sizeof m->level[i].fills);
    m->rep.reads = m->rep.writes = 0;
}

void mmu_ptemem_get_stats(const mmu_ptemem *m, mmu_ptemem_stats *out)
{
    *out = m->stats;
    if (m->ops == &fast_ops || m->ops == &fast_mod_ops || m->ops == &fast3_ops || m->ops == &fast3n_ops)
        fast_stats(m, out);
    /* the data repeats counted apart: first-level hits, as cache_access counts them */
    const uint64_t n = m->rep.reads + m->rep.writes;
    if (n) {
        const mmu_ptemem_source d = MMU_PTEMEM_SRC_DATA;
        const pm_level *lv = &m->level[0];
        out->accesses[d] += n;
        out->writes[d] += m->rep.writes;
        out->cycles[d] += n * lv->latency;
        out->hits[d][lv->id] += n;
        out->served[d][lv->id] += n;
    }
}

mmu_ptemem_repeat *mmu_ptemem_repeat_state(mmu_ptemem *m)
{
    return &m->rep;
}
