/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/ptemem.h - the PTE memory model: what one page-table memory
 * reference costs.
 *
 * Two models, chosen by mode:
 *   fixed  every reference costs fixed_latency cycles;
 *   cache  a small data-cache hierarchy (L1D, L2, LLC, each set-associative
 *          with true LRU; a level of size 0 is absent) in front of DRAM.
 *
 * In cache mode the data accesses of a trace pass through the same hierarchy
 * (source MMU_PTEMEM_SRC_DATA), so page-table lines compete with data for
 * space as they do on real chips.  The model has no notion of time: an
 * access returns its latency and the level that served it, and updates the
 * cache state at once.  Exact rules: docs/timing.md.
 *
 * The model never allocates after mmu_ptemem_create().
 */
#ifndef MMUSIM_PTEMEM_H
#define MMUSIM_PTEMEM_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Models.  X(name, identifier used in configuration files). */
#define MMU_PTEMEM_MODE_MAP(X) \
    X(FIXED, "fixed")          \
    X(CACHE, "cache")

typedef enum mmu_ptemem_mode {
#define MMU_PTEMEM_MODE_ENUM_(name, id) MMU_PTEMEM_##name,
    MMU_PTEMEM_MODE_MAP(MMU_PTEMEM_MODE_ENUM_)
#undef MMU_PTEMEM_MODE_ENUM_
    MMU_PTEMEM_MODES
} mmu_ptemem_mode;

/* "fixed", "cache"; "?" for an invalid value. */
const char *mmu_ptemem_mode_name(mmu_ptemem_mode m);
/* Parse a mode name (case-insensitive); returns MMU_PTEMEM_MODES if unknown. */
mmu_ptemem_mode mmu_ptemem_mode_parse(const char *name);

/*
 * Levels that can serve an access.  The first MMU_PTEMEM_CACHE_LEVELS are
 * caches (they index mmu_ptemem_config.level and the per-level counters);
 * MMU_PTEMEM_DRAM is memory.  X(name, identifier).
 */
#define MMU_PTEMEM_LEVEL_MAP(X) \
    X(L1D, "l1d")               \
    X(L2, "l2")                 \
    X(LLC, "llc")               \
    X(DRAM, "dram")

typedef enum mmu_ptemem_level {
#define MMU_PTEMEM_LEVEL_ENUM_(name, id) MMU_PTEMEM_##name,
    MMU_PTEMEM_LEVEL_MAP(MMU_PTEMEM_LEVEL_ENUM_)
#undef MMU_PTEMEM_LEVEL_ENUM_
    MMU_PTEMEM_LEVELS
} mmu_ptemem_level;

#define MMU_PTEMEM_CACHE_LEVELS 3 /* L1D, L2, LLC */

/* "l1d", "l2", "llc", "dram"; "?" for an invalid value. */
const char *mmu_ptemem_level_name(mmu_ptemem_level l);

/* Who makes an access.  The values index the per-source counters. */
typedef enum mmu_ptemem_source {
    MMU_PTEMEM_SRC_PTE = 0,  /* a page-table reference of the walker */
    MMU_PTEMEM_SRC_DATA = 1, /* a data access of the trace */
    MMU_PTEMEM_SOURCES = 2
} mmu_ptemem_source;

/*
 * One cache level.  Give its capacity either in bytes (size) or in lines
 * (lines), or both if they agree; both 0 means the level is absent.
 */
typedef struct mmu_ptemem_level_config {
    uint64_t size;    /* bytes; a multiple of line_size */
    uint32_t lines;   /* lines; alternative to size */
    uint32_t ways;    /* ways per set; must divide the number of lines */
    uint32_t latency; /* cycles added by a lookup of this level, hit or miss */
} mmu_ptemem_level_config;

typedef struct mmu_ptemem_config {
    uint32_t mode;          /* mmu_ptemem_mode */
    uint32_t fixed_latency; /* fixed mode: cycles of every reference */
    uint32_t line_size;     /* cache mode: bytes per line, a power of two in [8, 4096] */
    uint32_t dram_latency;  /* cache mode: cycles added when every cache level missed */
    mmu_ptemem_level_config level[MMU_PTEMEM_CACHE_LEVELS]; /* indexed by mmu_ptemem_level */
} mmu_ptemem_config;

/* Largest number of lines a level may have (1 GiB of 64-byte lines). */
#define MMU_PTEMEM_MAX_LINES (1u << 24)

/*
 * Counters.  Indexed [source][level].  For each source and cache level,
 * hits + misses = lookups of that level (an absent level is never looked
 * up).  served[s][l] counts the accesses of source s answered by level l
 * (served[MMU_PTEMEM_SRC_PTE] is "PTE references served per level"); in
 * fixed mode every access is served by MMU_PTEMEM_DRAM.
 */
typedef struct mmu_ptemem_stats {
    uint64_t accesses[MMU_PTEMEM_SOURCES];  /* reads + writes */
    uint64_t writes[MMU_PTEMEM_SOURCES];
    uint64_t cycles[MMU_PTEMEM_SOURCES];    /* sum of the latencies returned */
    uint64_t hits[MMU_PTEMEM_SOURCES][MMU_PTEMEM_CACHE_LEVELS];
    uint64_t misses[MMU_PTEMEM_SOURCES][MMU_PTEMEM_CACHE_LEVELS];
    uint64_t served[MMU_PTEMEM_SOURCES][MMU_PTEMEM_LEVELS];
    /* valid lines displaced by a fill, by the source that filled the victim */
    uint64_t evictions[MMU_PTEMEM_SOURCES][MMU_PTEMEM_CACHE_LEVELS];
    /* of those, lines filled by a PTE reference displaced by a DATA fill */
    uint64_t pte_evicted_by_data[MMU_PTEMEM_CACHE_LEVELS];
} mmu_ptemem_stats;

typedef struct mmu_ptemem mmu_ptemem;

/*
 * Fill *cfg with the defaults: cache mode with a Skylake-client-like
 * hierarchy (64-byte lines; L1D 32 KiB 8-way 4 cycles; L2 256 KiB 4-way
 * +8 cycles; LLC 8 MiB 16-way +30 cycles; DRAM +200 cycles) and
 * fixed_latency 30 for fixed mode.
 */
void mmu_ptemem_config_defaults(mmu_ptemem_config *cfg);

/*
 * Check a configuration.  Returns MMU_OK, or MMU_ECONFIG with a message
 * naming the field written into msg (if msg is non-NULL and msglen > 0),
 * for example "ptemem.l2.ways (3) must divide ptemem.l2.lines (1024)".
 * Cache parameters are checked only in cache mode.
 */
MMU_MUST_CHECK mmu_err mmu_ptemem_config_check(const mmu_ptemem_config *cfg, char *msg,
                                               size_t msglen);

/*
 * Create a model with empty caches and zero counters.  Returns MMU_EINVAL
 * for NULL arguments, MMU_ECONFIG for a configuration the checker refuses
 * (use mmu_ptemem_config_check to get the message), MMU_ENOMEM.  The caller
 * owns *out and frees it with mmu_ptemem_destroy.  The configuration is
 * copied.
 */
MMU_MUST_CHECK mmu_err mmu_ptemem_create(const mmu_ptemem_config *cfg, mmu_ptemem **out);

/* Free a model; NULL is ignored. */
void mmu_ptemem_destroy(mmu_ptemem *m);

/* The configuration the model was created with. */
const mmu_ptemem_config *mmu_ptemem_get_config(const mmu_ptemem *m);

/*
 * One memory reference to the line holding paddr (the caller splits an
 * access that crosses a line boundary).  Returns its latency in cycles and
 * stores the level that served it in *served (if non-NULL).
 *
 * Fixed mode: latency = fixed_latency, served = MMU_PTEMEM_DRAM.
 * Cache mode: the present levels are looked up in order L1D, L2, LLC; the
 * latency is the sum of the latencies of the levels looked up, up to and
 * including the one that hits, plus dram_latency if all missed (L1D miss +
 * L2 hit = l1d.latency + l2.latency).  The hit line becomes most recently
 * used in its level; every present level above the serving one is filled
 * (non-inclusive, no back-invalidation), displacing its LRU line.  Writes
 * are write-allocate and cost the same as reads; dirty lines and
 * write-backs are not modelled.  Any source other than MMU_PTEMEM_SRC_PTE
 * counts as MMU_PTEMEM_SRC_DATA.
 */
uint64_t mmu_ptemem_access(mmu_ptemem *m, uint64_t paddr, int is_write,
                           mmu_ptemem_source source, mmu_ptemem_level *served);

/*
 * The first level holding the line of paddr (MMU_PTEMEM_DRAM if none, and
 * always in fixed mode), with no side effect at all.
 */
mmu_ptemem_level mmu_ptemem_probe(const mmu_ptemem *m, uint64_t paddr);

/* Empty every cache (and their LRU state) and zero the counters. */
void mmu_ptemem_reset(mmu_ptemem *m);

/* Zero the counters; the cache contents are kept (for warm-up). */
void mmu_ptemem_clear_stats(mmu_ptemem *m);

/* Copy the counters to *out. */
void mmu_ptemem_get_stats(const mmu_ptemem *m, mmu_ptemem_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_PTEMEM_H */
