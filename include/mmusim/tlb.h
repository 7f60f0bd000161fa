/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/tlb.h - one TLB array: a set-associative (or fully associative)
 * store of translations for the page sizes it holds, with a replacement
 * policy, ASID tags and global entries.
 *
 * A TLB hierarchy (levels of arrays, fill policy between them) is built from
 * these arrays by mmu.h.  The array is usable on its own too.
 */
#ifndef MMUSIM_TLB_H
#define MMUSIM_TLB_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/error.h"
#include "mmusim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Replacement policies.  X(name, identifier used in configuration files). */
#define MMU_REPL_MAP(X) \
    X(LRU, "lru")       \
    X(PLRU, "plru")     \
    X(FIFO, "fifo")     \
    X(RANDOM, "random") \
    X(NRU, "nru")       \
    X(SRRIP, "srrip")

typedef enum mmu_repl_policy {
#define MMU_REPL_ENUM_(name, id) MMU_REPL_##name,
    MMU_REPL_MAP(MMU_REPL_ENUM_)
#undef MMU_REPL_ENUM_
    MMU_REPL_POLICIES
} mmu_repl_policy;

/* "lru", ...; "?" for an invalid value. */
const char *mmu_repl_name(mmu_repl_policy p);
/* Parse a policy name; returns MMU_REPL_POLICIES if unknown. */
mmu_repl_policy mmu_repl_parse(const char *name);

/* Which accesses an array serves (a bit mask). */
enum {
    MMU_SIDE_INSTR = 1, /* instruction fetches */
    MMU_SIDE_DATA = 2,  /* loads and stores */
    MMU_SIDE_BOTH = 3   /* unified */
};

#define MMU_NAME_MAX 24

/* Configuration of one TLB array. */
typedef struct mmu_tlb_config {
    char name[MMU_NAME_MAX]; /* for reports: "l1d", "stlb" */
    uint32_t level;          /* 1-based level in a hierarchy */
    uint32_t side;           /* MMU_SIDE_* */
    uint32_t entries;        /* total entries */
    uint32_t ways;           /* ways per set; ways == entries: fully associative */
    uint32_t page_sizes;     /* mask of (1u << mmu_page_size) */
    uint32_t policy;         /* mmu_repl_policy */
    uint32_t latency;        /* cycles of one lookup */
    uint64_t seed;           /* seed of the random policy */
} mmu_tlb_config;

/* Entry flags. */
enum {
    MMU_TLB_GLOBAL = 1u << 0, /* matches every ASID */
    MMU_TLB_WRITE = 1u << 1,  /* writable */
    MMU_TLB_USER = 1u << 2,   /* user accessible */
    MMU_TLB_EXEC = 1u << 3,   /* executable */
    MMU_TLB_DIRTY = 1u << 4,  /* dirty bit was set when cached */
    MMU_TLB_READ = 1u << 5    /* readable */
};

/* A translation as stored in a TLB. */
typedef struct mmu_tlb_entry {
    uint64_t vbase;     /* virtual base of the page (aligned to its size) */
    uint64_t pbase;     /* physical base of the page */
    uint16_t asid;      /* owner address space (ignored if GLOBAL) */
    uint8_t page_size;  /* mmu_page_size */
    uint8_t flags;      /* MMU_TLB_* */
    uint16_t vmid;      /* owner virtual machine (virtualization; 0 natively) */
} mmu_tlb_entry;

/*
 * Counters of one array.  lookups = sum(hits) + sum(misses) + sum(elsewhere).
 * In an MMU, the arrays of a level are looked up in parallel: when one of
 * them hits, the others count the lookup in `elsewhere`, not as a miss, so
 * a miss of an array is a miss of its whole level (a 2M-page array beside a
 * 4K-page one does not count a miss for every 4K hit).  An array used on its
 * own never counts `elsewhere`.
 */
typedef struct mmu_tlb_stats {
    uint64_t hits[MMU_ACCESS_TYPES];
    uint64_t misses[MMU_ACCESS_TYPES];
    uint64_t elsewhere[MMU_ACCESS_TYPES]; /* missed here, hit in another array of the level */
    uint64_t fills;         /* entries written */
    uint64_t evictions;     /* valid entries displaced by a fill */
    uint64_t invalidations; /* valid entries removed by invalidation */
} mmu_tlb_stats;

/* Kinds of invalidation. */
typedef enum mmu_inval_kind {
    MMU_INVAL_ALL = 0,       /* every entry, global ones too */
    MMU_INVAL_ASID = 1,      /* non-global entries of one ASID */
    MMU_INVAL_ADDR = 2,      /* entries mapping an address, every ASID */
    MMU_INVAL_ADDR_ASID = 3  /* entries mapping an address in one ASID,
                                and global entries mapping it */
} mmu_inval_kind;

typedef struct mmu_tlb mmu_tlb;

/*
 * Check a TLB array configuration.  On error writes a message naming the
 * field ("stlb.ways (5) must divide stlb.entries (1536)") into msg and
 * returns MMU_ECONFIG.
 */
MMU_MUST_CHECK mmu_err mmu_tlb_config_check(const mmu_tlb_config *cfg, char *msg, size_t msglen);

/* Create an empty array; the caller owns *out and frees it with mmu_tlb_destroy. */
MMU_MUST_CHECK mmu_err mmu_tlb_create(const mmu_tlb_config *cfg, mmu_tlb **out);
void mmu_tlb_destroy(mmu_tlb *t);

/* Invalidate every entry, reset the replacement state and the counters. */
void mmu_tlb_reset(mmu_tlb *t);

/*
 * Look vaddr up for ASID asid.  On a hit returns 1, copies the entry to *out
 * (if non-NULL) and updates the replacement state; on a miss returns 0.
 * Counts a hit or miss of the given access type.
 */
int mmu_tlb_lookup(mmu_tlb *t, uint64_t vaddr, uint16_t asid, mmu_access_type type,
                   mmu_tlb_entry *out);

/* Like mmu_tlb_lookup but with no side effect at all (no counters, no replacement update). */
int mmu_tlb_probe(const mmu_tlb *t, uint64_t vaddr, uint32_t asid, mmu_tlb_entry *out);

/*
 * Insert an entry (its page size must be one the array holds, else
 * MMU_EINVAL).  If an entry for the same page and ASID is present it is
 * overwritten in place.  Otherwise the lowest invalid way of the set is used,
 * or the policy's victim is displaced: *evicted is set to 1 and the victim is
 * copied to *victim (both may be NULL).
 */
mmu_err mmu_tlb_insert(mmu_tlb *t, const mmu_tlb_entry *e, mmu_tlb_entry *victim, int *evicted);

/*
 * Remove the entry that maps vaddr for asid (as a hit of lookup would find
 * it) without counting a lookup; copies it to *out if non-NULL.  Returns 1 if
 * an entry was removed, 0 otherwise.  Used to move entries between levels.
 */
int mmu_tlb_take(mmu_tlb *t, uint64_t vaddr, uint32_t asid, mmu_tlb_entry *out);

/*
 * Invalidate entries; vaddr and asid are used as the kind says.  Returns the
 * number of valid entries removed.
 */
uint32_t mmu_tlb_invalidate(mmu_tlb *t, mmu_inval_kind kind, uint64_t vaddr, uint16_t asid);

/*
 * Invalidate every entry of asid (and every global entry) that maps any byte
 * of [vaddr, vaddr + bytes): pages larger than the range that cover it, and
 * smaller pages inside it (a huge page kept as smaller entries).  Returns
 * the number removed.
 */
uint32_t mmu_tlb_invalidate_range(mmu_tlb *t, uint64_t vaddr, uint64_t bytes, uint16_t asid);

/* Remove the entry for exactly this page (vbase, page size, asid or global). */
int mmu_tlb_invalidate_entry(mmu_tlb *t, const mmu_tlb_entry *e);

const mmu_tlb_config *mmu_tlb_get_config(const mmu_tlb *t);
const mmu_tlb_stats *mmu_tlb_get_stats(const mmu_tlb *t);
void mmu_tlb_clear_stats(mmu_tlb *t);
/* Number of valid entries. */
uint32_t mmu_tlb_occupancy(const mmu_tlb *t);
/* Number of sets (entries / ways). */
uint32_t mmu_tlb_sets(const mmu_tlb *t);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_TLB_H */
