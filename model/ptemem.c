/*
 * ptemem.c - the PTE memory model: fixed latency, or a small L1D/L2/LLC
 * hierarchy with true LRU in front of DRAM (see mmusim/ptemem.h and
 * docs/timing.md for the exact rules).
 *
 * The two models are ops tables chosen by mode.  A cache level is a flat
 * array of sets * ways lines; a line holds its full line address (paddr /
 * line_size), so any number of sets works (set = line address % sets).  True
 * LRU is a per-level access stamp: the victim is the way with the smallest
 * stamp, and an invalid way has stamp 0, so invalid ways are used first,
 * lowest way first.
 */
#include "mmusim/ptemem.h"
#include "msg.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A level's lines, sets * ways, set-major, as separate arrays so that a
   lookup scans the tags alone. */
typedef struct pm_level {
    uint64_t *tag;   /* line address (paddr / line_size) + 1; 0: invalid */
    uint64_t *stamp; /* last use; 0: invalid */
    uint8_t *src;    /* mmu_ptemem_source of the access that filled it */
    size_t last;     /* index of the last line used: looked at before the set */
    uint32_t sets;
    uint32_t ways;
    uint32_t latency;
    uint32_t set_mask; /* sets - 1 when sets is a power of two, else 0 */
    uint8_t id; /* mmu_ptemem_level */
} pm_level;

/*
 * Contract: access returns the latency of one reference and the serving
 * level, updating state and counters; probe has no side effect; reset
 * empties the state (the counters are zeroed by the caller).
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
    uint64_t clock; /* LRU stamp source */
    mmu_ptemem_stats stats;
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

static size_t set_base(const pm_level *lv, uint64_t line)
{
    /* a division per lookup would dominate the per-access cost: mask when we can */
    size_t set = lv->set_mask || lv->sets == 1 ? (size_t)(line & lv->set_mask) : (size_t)(line % lv->sets);
    return set * lv->ways;
}

/* Index of the line in its level, or -1. */
static long find_line(const pm_level *lv, uint64_t line)
{
    if (lv->tag[lv->last] == line + 1) /* the line used last: most accesses */
        return (long)lv->last;
    size_t b = set_base(lv, line);
    for (uint32_t w = 0; w < lv->ways; w++)
        if (lv->tag[b + w] == line + 1)
            return (long)(b + w);
    return -1;
}

static void fill_line(mmu_ptemem *m, pm_level *lv, uint64_t line, mmu_ptemem_source src)
{
    size_t b = set_base(lv, line), v = b;
    for (uint32_t w = 1; w < lv->ways; w++)
        if (lv->stamp[b + w] < lv->stamp[v])
            v = b + w;
    if (lv->stamp[v] != 0) {
        m->stats.evictions[lv->src[v]][lv->id]++;
        if (lv->src[v] == MMU_PTEMEM_SRC_PTE && src == MMU_PTEMEM_SRC_DATA)
            m->stats.pte_evicted_by_data[lv->id]++;
    }
    lv->tag[v] = line + 1;
    lv->stamp[v] = m->clock;
    lv->src[v] = (uint8_t)src;
    lv->last = v;
}

static uint64_t cache_access(mmu_ptemem *m, uint64_t paddr, mmu_ptemem_source src,
                             mmu_ptemem_level *served)
{
    uint64_t line = paddr >> m->line_shift;
    uint64_t lat = 0;
    unsigned i;

    m->clock++;
    for (i = 0; i < m->n_levels; i++) {
        pm_level *lv = &m->level[i];
        lat += lv->latency;
        long hit = find_line(lv, line);
        if (hit >= 0) {
            lv->stamp[hit] = m->clock;
            lv->last = (size_t)hit;
            m->stats.hits[src][lv->id]++;
            break;
        }
        m->stats.misses[src][lv->id]++;
    }
    if (i == m->n_levels) {
        lat += m->cfg.dram_latency;
        *served = MMU_PTEMEM_DRAM;
    } else {
        *served = (mmu_ptemem_level)m->level[i].id;
    }
    /* fill every present level that missed (those above the server) */
    for (unsigned j = 0; j < i; j++)
        fill_line(m, &m->level[j], line, src);
    return lat;
}

static mmu_ptemem_level cache_probe(const mmu_ptemem *m, uint64_t paddr)
{
    uint64_t line = paddr >> m->line_shift;
    for (unsigned i = 0; i < m->n_levels; i++)
        if (find_line(&m->level[i], line) >= 0)
            return (mmu_ptemem_level)m->level[i].id;
    return MMU_PTEMEM_DRAM;
}

static void cache_reset(mmu_ptemem *m)
{
    for (unsigned i = 0; i < m->n_levels; i++) {
        pm_level *lv = &m->level[i];
        size_t n = (size_t)lv->sets * lv->ways;
        memset(lv->tag, 0, n * sizeof *lv->tag);
        memset(lv->stamp, 0, n * sizeof *lv->stamp);
        memset(lv->src, 0, n);
        lv->last = 0;
    }
    m->clock = 0;
}

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
    if (cfg->mode == MMU_PTEMEM_CACHE) {
        while ((1u << m->line_shift) < cfg->line_size)
            m->line_shift++;
        for (unsigned i = 0; i < MMU_PTEMEM_CACHE_LEVELS; i++) {
            const mmu_ptemem_level_config *lc = &cfg->level[i];
            uint64_t lines = level_lines(lc, cfg->line_size);
            if (lines == 0)
                continue;
            pm_level *lv = &m->level[m->n_levels];
            lv->tag = calloc((size_t)lines, sizeof *lv->tag);
            lv->stamp = calloc((size_t)lines, sizeof *lv->stamp);
            lv->src = calloc((size_t)lines, 1);
            m->n_levels++; /* freed by destroy from here on */
            if (lv->tag == NULL || lv->stamp == NULL || lv->src == NULL) {
                mmu_ptemem_destroy(m);
                return MMU_ENOMEM;
            }
            lv->ways = lc->ways;
            lv->sets = (uint32_t)(lines / lc->ways);
            lv->set_mask = (lv->sets & (lv->sets - 1)) == 0 ? lv->sets - 1 : 0;
            lv->latency = lc->latency;
            lv->id = (uint8_t)i;
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
        free(m->level[i].tag);
        free(m->level[i].stamp);
        free(m->level[i].src);
    }
    free(m);
}

const mmu_ptemem_config *mmu_ptemem_get_config(const mmu_ptemem *m)
{
    return &m->cfg;
}

uint64_t mmu_ptemem_access(mmu_ptemem *m, uint64_t paddr, int is_write,
                           mmu_ptemem_source source, mmu_ptemem_level *served)
{
    mmu_ptemem_source src = source == MMU_PTEMEM_SRC_PTE ? MMU_PTEMEM_SRC_PTE
                                                         : MMU_PTEMEM_SRC_DATA;
    mmu_ptemem_level lvl;
    uint64_t lat = m->ops->access(m, paddr, src, &lvl);

    m->stats.accesses[src]++;
    if (is_write)
        m->stats.writes[src]++;
    m->stats.cycles[src] += lat;
    m->stats.served[src][lvl]++;
    if (served != NULL)
        *served = lvl;
    return lat;
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
}

void mmu_ptemem_get_stats(const mmu_ptemem *m, mmu_ptemem_stats *out)
{
    *out = m->stats;
}
