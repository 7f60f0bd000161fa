/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/pwc.h - paging-structure caches (Intel's PML4E/PDPTE/PDE caches,
 * Arm's walk caches): one small set-associative LRU cache per upper level
 * of a page-table format, tagged by ASID.
 *
 * A PWC entry of level L caches a table entry of level L: its key is the
 * virtual address bits from va_bits-1 down to shift[L] (the bits that chose
 * the path down to and including that entry), its value the physical
 * address of the level L-1 table and the permission limits accumulated
 * from the root down to it.  A hit at level L lets the walk start reading at
 * level L-1; the walk uses the deepest hit, so a hit at level 1 leaves one
 * PTE read.  Level 0 entries are leaves and belong to the TLB, not here.
 *
 * The walk looks every level up in parallel (each level counts a lookup,
 * and a hit or a miss; every hitting entry becomes most recently used) and is
 * charged the largest latency among the levels that have a cache.
 */
#ifndef MMUSIM_PWC_H
#define MMUSIM_PWC_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/error.h"
#include "mmusim/pagetable.h"
#include "mmusim/tlb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One level's cache.  entries == 0: that level has no cache. */
typedef struct mmu_pwc_level_config {
    uint32_t entries; /* total entries */
    uint32_t ways;    /* ways per set; must divide entries; ways == entries: fully associative */
    uint32_t latency; /* cycles of a lookup */
} mmu_pwc_level_config;

/* Configuration, indexed by page-table level; levels at or above the format's levels are ignored. */
typedef struct mmu_pwc_config {
    mmu_pwc_level_config level[MMU_PT_MAX_LEVELS];
} mmu_pwc_config;

/* Counters of one level.  lookups = hits + misses. */
typedef struct mmu_pwc_level_stats {
    uint64_t lookups;
    uint64_t hits;
    uint64_t misses;
    uint64_t fills;         /* entries written (new or refreshed) */
    uint64_t evictions;     /* valid entries displaced by a fill */
    uint64_t invalidations; /* valid entries removed by invalidation */
} mmu_pwc_level_stats;

typedef struct mmu_pwc_stats {
    mmu_pwc_level_stats level[MMU_PT_MAX_LEVELS];
} mmu_pwc_stats;

/* What a PWC entry gives the walk. */
typedef struct mmu_pwc_entry {
    uint64_t table; /* physical address of the next (level-1) table */
    uint16_t flags; /* MMU_PTE_* limits accumulated down to this entry (READ, WRITE, EXEC, USER, PXN, GLOBAL) */
} mmu_pwc_entry;

/*
 * Defaults for a format (ChampSim's sizes): level 1: 32 entries, 8-way;
 * level 2: 8, 4-way; level 3: 4, fully associative; level 4: 2, fully
 * associative; 1 cycle each; nothing above the format's root level.
 */
void mmu_pwc_config_defaults(mmu_pwc_config *cfg, const mmu_pt_format *fmt);

/*
 * Check a configuration.  Fields are named "pwc.<entry name>.<field>" with
 * the format's entry names ("pwc.pde.ways (3) must divide pwc.pde.entries
 * (32)"), or "pwc.level<N>" when fmt is NULL.  On error writes the message
 * into msg (if non-NULL) and returns MMU_ECONFIG.
 */
MMU_MUST_CHECK mmu_err mmu_pwc_config_check(const mmu_pwc_config *cfg, const mmu_pt_format *fmt,
                                            char *msg, size_t msglen);

/*
 * Create empty caches for format fmt (which must outlive the PWC).  The
 * configuration is checked first (MMU_ECONFIG).  The caller owns *out and
 * frees it with mmu_pwc_destroy.
 */
MMU_MUST_CHECK mmu_err mmu_pwc_create(const mmu_pwc_config *cfg, const mmu_pt_format *fmt,
                                      mmu_pwc **out);
void mmu_pwc_destroy(mmu_pwc *p);

/* Invalidate every entry and zero the counters. */
void mmu_pwc_reset(mmu_pwc *p);

/*
 * asid is the ASID, or under virtualization the tag asid | vmid << 17 (a
 * global entry matches every ASID of its VMID).
 *
 * Look vaddr up at every level for asid (global entries match every ASID).
 * Returns the deepest level that hit and copies its entry to *out (if
 * non-NULL), or -1 if no level hit.  Counts lookups, hits and misses and
 * updates LRU.
 */
int mmu_pwc_lookup(mmu_pwc *p, uint64_t vaddr, uint32_t asid, mmu_pwc_entry *out);

/* As mmu_pwc_lookup without any side effect (no counters, no LRU update). */
int mmu_pwc_probe(const mmu_pwc *p, uint64_t vaddr, uint32_t asid, mmu_pwc_entry *out);

/*
 * Cache a table entry of the given level for vaddr and asid (global if
 * e->flags has MMU_PTE_GLOBAL).  An entry with the same key and ASID is
 * refreshed in place; otherwise an invalid way or the LRU way is used.  A
 * level without a cache ignores the call.
 */
void mmu_pwc_fill(mmu_pwc *p, unsigned level, uint64_t vaddr, uint32_t asid,
                  const mmu_pwc_entry *e);

/*
 * Invalidate entries at every level; returns the number removed.
 *   MMU_INVAL_ALL: every entry, global ones too.
 *   MMU_INVAL_ASID: the non-global entries of asid.
 *   MMU_INVAL_ADDR: at each level, the entries on vaddr's path (key equal
 *     to vaddr's), every ASID, global ones too.
 *   MMU_INVAL_ADDR_ASID: as ADDR, but only the entries of asid and global ones.
 * x86 INVLPG drops every PWC entry of the current PCID: use MMU_INVAL_ASID
 * for it (x86 PWC entries are never global).
 */
uint32_t mmu_pwc_invalidate(mmu_pwc *p, mmu_inval_kind kind, uint64_t vaddr, uint32_t asid);

/* Cycles the walk is charged for one lookup: the largest latency of the levels with a cache. */
uint32_t mmu_pwc_latency(const mmu_pwc *p);

/* Valid entries at a level (0 for a level without a cache). */
uint32_t mmu_pwc_occupancy(const mmu_pwc *p, unsigned level);

const mmu_pwc_config *mmu_pwc_get_config(const mmu_pwc *p);
const mmu_pt_format *mmu_pwc_get_format(const mmu_pwc *p);
/* Counters; the pointer stays valid for the PWC's life. */
const mmu_pwc_stats *mmu_pwc_get_stats(const mmu_pwc *p);
void mmu_pwc_clear_stats(mmu_pwc *p);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_PWC_H */
