/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/config.h - the whole configuration of one MMU instance: a plain
 * struct, a defaults function, a validator, and setters by name.
 *
 * Names mirror the component tree: "mmu.seed", "core.issue_interval",
 * "tlb.fill", "tlb.l1d.entries", "walker.latency".  A configuration file
 * (INI) has one section per component ([mmu], [core], [tlb], [tlb.l1d],
 * [walker]); the testbench
 * reads the file and hands each key to mmu_config_set().  Unknown sections
 * and keys are errors.
 */
#ifndef MMUSIM_CONFIG_H
#define MMUSIM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/driver.h"
#include "mmusim/error.h"
#include "mmusim/os.h"
#include "mmusim/pagetable.h"
#include "mmusim/ptemem.h"
#include "mmusim/pwc.h"
#include "mmusim/static_map.h"
#include "mmusim/tlb.h"
#include "mmusim/virt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MMU_MAX_TLB_ARRAYS 16
#define MMU_MAX_TLB_LEVELS 4

/* Fill policy between TLB levels. */
typedef enum mmu_fill_policy {
    MMU_FILL_NONINCLUSIVE = 0, /* fill every level on the way back; no back-invalidation */
    MMU_FILL_INCLUSIVE = 1,    /* same fills; an eviction from level n removes the page from levels < n */
    MMU_FILL_EXCLUSIVE = 2     /* level 1 is filled; a level-n victim moves to level n+1; a hit moves up */
} mmu_fill_policy;

/* How a TLB miss is resolved. */
typedef enum mmu_walker_mode {
    MMU_WALKER_FIXED = 0, /* identity mapping of walker.page_size pages at walker.latency cycles */
    MMU_WALKER_RADIX = 1  /* a hardware walk of real page tables of walker.format */
} mmu_walker_mode;

typedef struct mmu_walker_config {
    uint32_t mode;      /* mmu_walker_mode */
    uint32_t latency;   /* fixed mode: cycles of one TLB miss */
    uint32_t page_size; /* fixed mode: mmu_page_size of every mapping */
    char format[MMU_NAME_MAX]; /* radix mode: page-table format ("x86_64", "sv39", ...) */
    uint32_t ad;        /* radix mode: mmu_ad_mode (default, hardware, fault) */
    uint32_t pa_bits;   /* radix mode: physical-address width; 0 = the format's widest */
    uint32_t count;     /* concurrent walkers */
    uint32_t merge;     /* 1: a miss to a page whose walk is in flight joins it */
    uint32_t max_inflight; /* walks remembered for merging */
    uint32_t max_faults;   /* page faults one translation may resolve before it gives up */
} mmu_walker_config;

typedef struct mmu_config {
    /* [mmu] */
    uint32_t clock_mhz;      /* converts µs/ns figures into cycles */
    uint64_t seed;           /* seeds every random choice */
    /* [core]: the issue rule of the core replaying accesses (driver.h) */
    mmu_core_config core;
    /* [tlb] */
    uint32_t fill;     /* mmu_fill_policy */
    uint32_t n_tlbs;   /* arrays in use */
    mmu_tlb_config tlb[MMU_MAX_TLB_ARRAYS];
    /* [walker] */
    mmu_walker_config walker;
    /* [pwc.l1] .. [pwc.l4]: paging-structure caches by page-table level (1 = entries
       pointing to leaf tables: x86 PDE cache; 2 = PDPTE; 3 = PML4E; 4 = PML5E).
       Setting walker.format (mmu_config_set) gives every level the format has
       the format's default (mmu_pwc_config_defaults), unless a key of that
       level was set: a 5-level format gets a level-4 (PML5E, Sv57 level 4) cache. */
    mmu_pwc_config pwc;
    uint32_t pwc_set; /* bit l: a [pwc.l<l>] key was set; the format's default no longer applies */
    /* [ptemem], [ptemem.l1d], [ptemem.l2], [ptemem.llc] */
    mmu_ptemem_config ptemem;
    uint32_t ptemem_data; /* 1: the trace's data accesses pass through the PTE caches too */
    /* [os]: the OS model that owns the page tables in trace mode (radix walker) */
    uint32_t os_enabled;
    mmu_os_config os;     /* os.clock_mhz and os.seed follow mmu.clock_mhz and mmu.seed */
    /* [map]: a static map (radix mode without the OS model): page tables built from regions */
    mmu_map_config map;
    /* [virt], [virt.pwc.l1] .. [virt.pwc.l4]: nested paging (docs/virtualization.md) */
    mmu_virt_config virt;
    uint32_t virt_pwc_set; /* bit l: a [virt.pwc.l<l>] key was set */
} mmu_config;

/*
 * The default configuration: Intel Skylake-like TLBs (l1i, l1d, l1d_2m,
 * stlb), misses resolved by radix page walks of x86-64 page tables
 * (walker.mode = radix) with the paging-structure caches and the PTE memory
 * model, and the OS model enabled (os.enabled), which owns the page tables
 * and handles page faults once attached (mmu_os_create_from_config,
 * mmu_attach_os); without an OS every translation faults.  Fixed-latency
 * misses with an identity map are walker.mode = fixed.
 */
void mmu_config_defaults(mmu_config *cfg);

/* Default parameters of a newly declared TLB array called name. */
void mmu_tlb_config_defaults(mmu_tlb_config *t, const char *name);

/*
 * Check the whole configuration.  On error writes a message naming the
 * component and field into msg and returns MMU_ECONFIG.
 */
MMU_MUST_CHECK mmu_err mmu_config_validate(const mmu_config *cfg, char *msg, size_t msglen);

/*
 * Set one value by name.  key is "section.key" ("mmu.seed",
 * "tlb.l1d.ways"); value is text as in a configuration file.  Returns
 * MMU_EUNKNOWN for an unknown section or key, MMU_EPARSE for a malformed
 * value, MMU_ERANGE for a value out of range; msg names the key and says what
 * was wrong.  Setting "tlb.arrays" replaces the list of arrays: arrays that
 * keep their name keep their parameters, new names get the defaults.
 */
MMU_MUST_CHECK mmu_err mmu_config_set(mmu_config *cfg, const char *key, const char *value,
                                      char *msg, size_t msglen);

/* As mmu_config_set with the section and the key apart (as an INI parser gives them). */
MMU_MUST_CHECK mmu_err mmu_config_set2(mmu_config *cfg, const char *section, const char *key,
                                       const char *value, char *msg, size_t msglen);

/*
 * Visit every setting in file order: one call per section start (key ==
 * NULL) and one per key with its value as text and a one-line description.
 * The visitor owns nothing it is given past the call.
 */
typedef void (*mmu_config_visit_fn)(void *ctx, const char *section, const char *key,
                                    const char *value, const char *description);
void mmu_config_foreach(const mmu_config *cfg, mmu_config_visit_fn visit, void *ctx);
/* mmu_config_foreach visits the [virt*] sections only when virt.enabled is on (so results of
   runs without virtualization carry no virt columns); this one visits every section (dumps). */
void mmu_config_foreach_all(const mmu_config *cfg, mmu_config_visit_fn visit, void *ctx);

/* 1 if section names a section of this configuration ("mmu", "tlb.l1d", ...), else 0. */
int mmu_config_has_section(const mmu_config *cfg, const char *section);

/* Find a TLB array by name; returns its index or -1. */
int mmu_config_find_tlb(const mmu_config *cfg, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_CONFIG_H */
