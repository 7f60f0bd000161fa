/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/os.h - the built-in OS model of trace mode: it owns a simulated
 * physical memory, builds one page table per process (ASID) in it, handles
 * page faults (demand paging, clock page replacement, swap, transparent huge
 * pages), shoots down stale translations through callbacks, and keeps
 * per-process figures like psutil's memory_info.
 *
 * In trace mode nothing else owns the page tables, so the MMU asks this
 * model for a process's root (mmu_os_root), walks the tables through the
 * model's memory port (mmu_os_port), and on a fault calls
 * mmu_os_handle_fault, adds the latency it returns, and walks again.
 *
 * Physical memory is cfg->phys_mem bytes of frames of the format's base page
 * size, frame 0 at physical address 0, or the physical ranges the
 * configuration lists (cfg->frame_ranges, cfg->pt_ranges: where a SystemC
 * platform has memory).  Page-table pages occupy frames and are
 * never evicted.  Data frames hold no contents (a trace has no data), so the
 * host memory used grows with the page-table pages and the frames touched,
 * not with the virtual address space.  The model never prints, exits or
 * opens files.  See docs/os-model.md for the exact rules.
 */
#ifndef MMUSIM_OS_H
#define MMUSIM_OS_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/error.h"
#include "mmusim/memport.h"
#include "mmusim/pagetable.h"
#include "mmusim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Returned by mmu_os_root when a process cannot be created. */
#define MMU_OS_NO_ROOT UINT64_MAX

/* Frame allocation policies.  X(name, identifier in configuration files). */
#define MMU_OS_FRAME_ALLOC_MAP(X)  \
    X(SEQUENTIAL, "sequential")    \
    X(RANDOM, "random")

typedef enum mmu_os_frame_alloc {
#define MMU_OS_FA_ENUM_(name, id) MMU_OS_ALLOC_##name,
    MMU_OS_FRAME_ALLOC_MAP(MMU_OS_FA_ENUM_)
#undef MMU_OS_FA_ENUM_
    MMU_OS_ALLOC_POLICIES
} mmu_os_frame_alloc;

/* "sequential", "random"; "?" for an invalid value. */
const char *mmu_os_frame_alloc_name(mmu_os_frame_alloc a);
/* Parse a policy name (case-insensitive); MMU_OS_ALLOC_POLICIES if unknown. */
mmu_os_frame_alloc mmu_os_frame_alloc_parse(const char *name);

/* Physical ranges one list may hold (os.frame_ranges, os.pt_ranges). */
#define MMU_OS_MAX_RANGES 16

/* A physical range [base, base + size) of frames. */
typedef struct mmu_os_range {
    uint64_t base; /* a multiple of the base page size */
    uint64_t size; /* bytes, > 0, a multiple of the base page size */
} mmu_os_range;

/* A list of physical ranges, in the order frames are taken from them. */
typedef struct mmu_os_ranges {
    uint32_t n; /* 0: none */
    mmu_os_range r[MMU_OS_MAX_RANGES];
} mmu_os_ranges;

/*
 * Configuration of the OS model ([os] in a configuration file).  Latency
 * parts are core cycles, except the swap device times, which are µs
 * converted with clock_mhz.  mmu_os_config_defaults() documents each default
 * and docs/os-model.md gives its source.
 */
typedef struct mmu_os_config {
    uint64_t phys_mem;       /* bytes of physical memory (a multiple of the base page size) */
    uint64_t swap_size;      /* bytes of swap; 0 = unlimited */
    uint64_t seed;           /* seed of the random frame allocation */
    uint32_t frame_alloc;    /* mmu_os_frame_alloc */
    uint32_t thp;            /* 1: transparent huge pages on demand faults */
    uint32_t clock_mhz;      /* converts the swap device's µs into cycles */
    uint32_t remote_cores;   /* cores that receive a TLB shootdown IPI (0: single core) */
    uint32_t trap_entry;     /* cycles: exception entry into the kernel */
    uint32_t trap_return;    /* cycles: return to the faulting instruction */
    uint32_t minor_handler;  /* cycles: minor fault: allocate and zero a frame, install the PTE */
    uint32_t zero_frame;     /* cycles: allocate and zero each further frame (page tables, huge-page frames) */
    uint32_t major_handler;  /* cycles: major fault handler software, besides the device read */
    uint32_t ad_handler;     /* cycles: software accessed/dirty update */
    uint32_t evict;          /* cycles: choose and unmap one victim (not its write-back) */
    uint32_t shootdown;      /* cycles per remote core per shootdown */
    double swap_read_us;     /* µs: swap device read of one base page */
    double swap_write_us;    /* µs: swap device write of one base page */
    /*
     * Where frames are (docs/os-model.md, "Physical ranges").  None (the
     * default): frames 0 .. phys_mem-1, page tables and data alike.
     * frame_ranges: every frame lies in these ranges, taken in list order
     * and cut to the first phys_mem bytes of them.  pt_ranges (only with
     * frame_ranges): page-table frames lie in these instead, whole, and
     * data frames in frame_ranges.  Ranges must not overlap.
     */
    mmu_os_ranges frame_ranges;
    mmu_os_ranges pt_ranges;
} mmu_os_config;

/*
 * The defaults: phys_mem 4 GiB, swap unlimited, seed 1, sequential frames,
 * THP off, 3000 MHz, 0 remote cores; trap entry 400, return 400, minor
 * handler 2400 (entry + handler + return = 3200 cycles, the measured median
 * minor fault), zero frame 400, major handler 20000, A/D handler 500, evict
 * 1000, shootdown 4000 per remote core; swap read and write 100 µs (NVMe).
 */
void mmu_os_config_defaults(mmu_os_config *cfg);

/*
 * Check a configuration for format fmt (NULL: the checks that do not
 * depend on the format, with 4 KiB frames and 5 levels).  On error writes a
 * message naming the field ("os.phys_mem (4096) must be at least 20480 ...")
 * into msg (if non-NULL) and returns MMU_ECONFIG.
 */
MMU_MUST_CHECK mmu_err mmu_os_config_check(const mmu_os_config *cfg, const mmu_pt_format *fmt,
                                           char *msg, size_t msglen);

/*
 * Parse a range list: items separated by commas, each BASE+SIZE (BASE an
 * integer, 0x... hexadecimal; SIZE bytes with an optional K, M, G, T suffix,
 * or hexadecimal), e.g. "0x80000000+16M, 0x90000000+8M".  An empty text is
 * an empty list.  field names the list in messages ("os.frame_ranges").
 * Replaces *out on success; on error msg names the field and the item
 * (MMU_EPARSE, MMU_ERANGE).  Page alignment, overlaps and limits are
 * checked by mmu_os_config_check.
 */
MMU_MUST_CHECK mmu_err mmu_os_ranges_parse(mmu_os_ranges *out, const char *text, const char *field,
                                           char *msg, size_t msglen);

/* Append [base, base + size) (checked later by mmu_os_config_check).  MMU_EFULL when full. */
MMU_MUST_CHECK mmu_err mmu_os_ranges_add(mmu_os_ranges *list, uint64_t base, uint64_t size);

/* The list as text that mmu_os_ranges_parse reads back ("" for none). */
void mmu_os_ranges_format(const mmu_os_ranges *list, char *buf, size_t len);

/* Memory protection of a region (a mask).  READ is required. */
enum {
    MMU_OS_PROT_READ = 1u << 0,
    MMU_OS_PROT_WRITE = 1u << 1,
    MMU_OS_PROT_EXEC = 1u << 2,
    MMU_OS_PROT_USER = 1u << 3,   /* clear: supervisor only */
    /* global mapping (TLB entries match every ASID): mmu_os_map refuses it
       (MMU_EUNSUPPORTED), since every process gets its own frames and a global
       entry would hand one process's frame to all (docs/os-model.md) */
    MMU_OS_PROT_GLOBAL = 1u << 4,
    /* what the OS maps where nothing else was said: user, read, write, execute */
    MMU_OS_PROT_DEFAULT = MMU_OS_PROT_READ | MMU_OS_PROT_WRITE | MMU_OS_PROT_EXEC | MMU_OS_PROT_USER
};

/* mmu_os_map flags. */
enum {
    MMU_OS_MAP_POPULATE = 1u << 0 /* map the pages now (as mmu_os_prefault) */
};

/* Kinds of page fault.  X(name, identifier, text). */
#define MMU_OS_FAULT_KIND_MAP(X)                                               \
    X(NONE, "none", "none")                                                   \
    X(MINOR, "minor", "minor: a frame allocated and zeroed")                  \
    X(MAJOR, "major", "major: the page read back from swap")                  \
    X(AD_UPDATE, "ad_update", "accessed/dirty bit set by software")           \
    X(PROTECTION, "protection", "protection or address fault, not handled")   \
    X(SPURIOUS, "spurious", "spurious: the page table already allows the access")

typedef enum mmu_os_fault_kind {
#define MMU_OS_FK_ENUM_(name, id, text) MMU_OS_FAULT_##name,
    MMU_OS_FAULT_KIND_MAP(MMU_OS_FK_ENUM_)
#undef MMU_OS_FK_ENUM_
    MMU_OS_FAULT_KINDS
} mmu_os_fault_kind;

/* Identifier of a fault kind ("minor"); "?" for an invalid value. */
const char *mmu_os_fault_kind_name(mmu_os_fault_kind k);

/* Parts of a page fault's latency.  X(name, identifier, text). */
#define MMU_OS_LAT_MAP(X)                                                       \
    X(TRAP_ENTRY, "trap_entry", "trap entry")                                  \
    X(HANDLER, "handler", "handler (allocate and zero a frame, swap-in software, A/D update)") \
    X(TABLES, "tables", "allocate and zero page-table frames")                 \
    X(SWAP_READ, "swap_read", "swap device read")                              \
    X(EVICT, "evict", "choose and unmap victims")                              \
    X(WRITEBACK, "writeback", "swap device writes of victims")                 \
    X(SHOOTDOWN, "shootdown", "TLB shootdowns to remote cores")                \
    X(TRAP_RETURN, "trap_return", "trap return")

typedef enum mmu_os_lat_part {
#define MMU_OS_LP_ENUM_(name, id, text) MMU_OS_LAT_##name,
    MMU_OS_LAT_MAP(MMU_OS_LP_ENUM_)
#undef MMU_OS_LP_ENUM_
    MMU_OS_LAT_PARTS
} mmu_os_lat_part;

/* Identifier of a latency part ("trap_entry"); "?" for an invalid value. */
const char *mmu_os_lat_part_name(mmu_os_lat_part p);

/* A latency breakdown in cycles; total is the sum of the parts. */
typedef struct mmu_os_latency {
    uint64_t part[MMU_OS_LAT_PARTS];
    uint64_t total;
} mmu_os_latency;

/* What mmu_os_handle_fault did. */
typedef struct mmu_os_fault_result {
    mmu_os_latency lat;   /* the fault's cost; the walk again is the MMU's */
    uint64_t vbase;       /* virtual base of the page mapped or updated (MINOR, MAJOR, AD_UPDATE) */
    uint32_t evictions;   /* victims evicted to make room */
    uint32_t writebacks;  /* base pages written to swap */
    uint32_t tables;      /* page-table frames allocated */
    uint32_t shootdowns;  /* pages shot down (each sent to every target and remote core) */
    uint8_t kind;         /* mmu_os_fault_kind */
    uint8_t cause;        /* mmu_fault the walk reported */
    uint8_t page_size;    /* mmu_page_size mapped or updated; MMU_PAGE_SIZES if none */
    uint8_t thp_fallback; /* 1: a huge page was wanted, no aligned free run: a base page was mapped */
} mmu_os_fault_result;

/* Per-process figures (bytes are multiples of the base page size). */
typedef struct mmu_os_proc_stats {
    uint64_t root;       /* physical address of the root table */
    uint64_t vms;        /* bytes of virtual pages touched and still mapped, resident or not */
    uint64_t rss;        /* bytes resident now */
    uint64_t peak_rss;   /* largest rss since creation or mmu_os_clear_stats */
    uint64_t swap;       /* bytes whose only copy is in swap now */
    uint64_t pt_bytes;   /* bytes of page-table frames */
    uint64_t faults[MMU_OS_FAULT_KINDS]; /* by kind (index 0 unused) */
    uint64_t swap_ins;   /* base pages read from swap */
    uint64_t swap_outs;  /* base pages written to swap */
    uint64_t thp;        /* huge pages mapped */
    uint16_t asid;
} mmu_os_proc_stats;

/* Global figures. */
typedef struct mmu_os_stats {
    uint64_t frame_bytes;     /* base page size */
    uint64_t frames_total;
    uint64_t frames_used;     /* page tables + data */
    uint64_t frames_pt;       /* page-table frames */
    uint64_t faults[MMU_OS_FAULT_KINDS]; /* by kind, every process */
    uint64_t evictions;       /* victims evicted (a huge page counts once) */
    uint64_t writebacks;      /* base pages written to swap */
    uint64_t swap_ins;        /* base pages read from swap */
    uint64_t swap_slots_used; /* swap slots (base pages) holding a copy now */
    uint64_t swap_slots_peak;
    uint64_t clock_visits;    /* data frames the clock hand examined */
    uint64_t a_cleared;       /* accessed bits cleared by the clock hand */
    uint64_t thp_mapped;      /* huge pages mapped */
    uint64_t thp_fallbacks;   /* huge pages wanted, base page mapped for lack of an aligned free run */
    uint64_t thp_splits;      /* huge pages split (evicted or partly changed) */
    uint64_t shootdowns;      /* pages shot down */
    uint64_t shootdown_ipis;  /* shootdowns x remote_cores */
    uint64_t host_bytes;      /* host memory the model uses now (approximate) */
    mmu_os_latency lat;       /* summed over every fault */
} mmu_os_stats;

/* What a physical frame holds. */
typedef enum mmu_os_frame_kind {
    MMU_OS_FRAME_FREE = 0,
    MMU_OS_FRAME_TABLE = 1, /* a page-table page */
    MMU_OS_FRAME_DATA = 2   /* a data page (a base page, or part of a huge page) */
} mmu_os_frame_kind;

typedef struct mmu_os_frame_info {
    uint64_t vaddr;    /* DATA: virtual address of this frame's bytes in its owner */
    uint16_t asid;     /* owner (TABLE, DATA) */
    uint8_t kind;      /* mmu_os_frame_kind */
    uint8_t huge;      /* DATA: part of a huge page */
} mmu_os_frame_info;

/*
 * Contract of a shootdown target: fn(ctx, asid, vaddr, size) must drop every
 * TLB entry of asid (and global entries) that maps vaddr with a page of the
 * given size, and the paging-structure-cache entries on vaddr's path.  It is
 * called synchronously, from inside mmu_os_handle_fault and the mapping
 * calls, after the PTE has changed; it must not call back into the OS.
 */
typedef void (*mmu_os_shootdown_fn)(void *ctx, uint16_t asid, uint64_t vaddr, mmu_page_size size);

typedef struct mmu_os mmu_os;

/*
 * Create an OS for page-table format fmt (which must outlive it).  The
 * configuration is checked first (MMU_ECONFIG).  The caller owns *out and
 * frees it with mmu_os_destroy.  Returns MMU_OK, MMU_EINVAL, MMU_ECONFIG or
 * MMU_ENOMEM.
 */
MMU_MUST_CHECK mmu_err mmu_os_create(const mmu_os_config *cfg, const mmu_pt_format *fmt,
                                     mmu_os **out);

/* Free the OS, its memory and processes (NULL is a no-op). */
void mmu_os_destroy(mmu_os *os);

const mmu_os_config *mmu_os_get_config(const mmu_os *os);
const mmu_pt_format *mmu_os_format(const mmu_os *os);

/*
 * The memory port over the OS's physical memory: 0 cycles per reference
 * (the MMU prices PTE references itself).  The pointer stays valid for the
 * OS's life.
 */
const mmu_mem_port *mmu_os_port(mmu_os *os);

/* The physical memory behind the port (page-table pages only), for inspection. */
const mmu_sparse_mem *mmu_os_memory(const mmu_os *os);

/*
 * Physical address of the root table of process asid, creating the process
 * and its root table on first use (which may evict a page when memory is
 * full).  Returns MMU_OS_NO_ROOT if the process cannot be created (no frame
 * can be freed, or out of host memory).
 */
uint64_t mmu_os_root(mmu_os *os, uint16_t asid);

/*
 * Keep the page in the frame holding paddr resident: the clock passes over
 * it until mmu_os_release.  The MMU holds the first page of a page-crossing
 * access while the second page's fault is handled, so that both
 * translations of the access are still valid when it completes
 * (docs/os-model.md, "Page-crossing accesses").  One page at a time: a new
 * hold replaces the previous one.
 */
void mmu_os_hold(mmu_os *os, uint64_t paddr);
void mmu_os_release(mmu_os *os);

/*
 * Register a shootdown target (one per MMU or core).  Returns MMU_OK,
 * MMU_EINVAL (fn NULL) or MMU_ENOMEM.  The OS keeps fn and ctx, owns neither.
 */
MMU_MUST_CHECK mmu_err mmu_os_add_shootdown_target(mmu_os *os, mmu_os_shootdown_fn fn, void *ctx);

/* Remove a target registered with the same fn and ctx.  Returns MMU_OK or MMU_ENOTFOUND. */
mmu_err mmu_os_remove_shootdown_target(mmu_os *os, mmu_os_shootdown_fn fn, void *ctx);

/*
 * Handle the fault a walk reported (walk->fault) for an access of process
 * asid to vaddr.  The OS consults its own page tables, not the walk's
 * details:
 *   NOT_PRESENT, never mapped (or dropped while still the zero page): MINOR:
 *     allocate a frame (evicting one if memory is full), install the PTE
 *     and any missing tables; with cfg->thp a huge page where possible.
 *   NOT_PRESENT, swapped out: MAJOR: read it back into a frame.
 *   ACCESS_DIRTY: AD_UPDATE: set A (and D on a write) in the leaf.
 *   any other cause, or an access the region's protection refuses:
 *     PROTECTION: nothing changes.
 *   already allowed (a stale walk): SPURIOUS.
 * A MINOR or MAJOR install sets A, and D on a write, so the walk, run
 * again, succeeds.  *res gets the kind and the latency breakdown.  Returns
 * MMU_OK (also for PROTECTION), MMU_EINVAL (bad arguments, or walk->fault
 * NONE), MMU_EFULL (no frame can be freed: every frame holds page tables,
 * or swap is full), MMU_ENOMEM (host memory).
 */
MMU_MUST_CHECK mmu_err mmu_os_handle_fault(mmu_os *os, uint16_t asid, uint64_t vaddr,
                                           mmu_access_type type, mmu_priv priv,
                                           const mmu_walk_result *walk, mmu_os_fault_result *res);

/*
 * Mark [vaddr, vaddr + bytes) (widened to base pages) of process asid with
 * protection prot (MMU_OS_PROT_*, READ required): later demand faults map
 * pages with it, and pages already mapped there are changed now (with a
 * shootdown; a huge page partly inside is split first).  With
 * MMU_OS_MAP_POPULATE the pages are then mapped as by mmu_os_prefault.
 * Setup: nothing is charged or counted as a fault.  Returns MMU_OK,
 * MMU_EINVAL (bad prot, a range that wraps or is not canonical),
 * MMU_EUNSUPPORTED (MMU_OS_PROT_GLOBAL: the OS model has no frames shared
 * between address spaces), MMU_EFULL, MMU_ENOMEM.
 */
MMU_MUST_CHECK mmu_err mmu_os_map(mmu_os *os, uint16_t asid, uint64_t vaddr, uint64_t bytes,
                                  uint32_t prot, uint32_t flags);

/*
 * Map every page of [vaddr, vaddr + bytes) not yet resident, before a run:
 * as demand faults would (huge pages with cfg->thp, swapped pages read
 * back, A set, D clear) but without counting a fault or charging latency.
 * Evictions it causes are counted.  Returns as mmu_os_map.
 */
MMU_MUST_CHECK mmu_err mmu_os_prefault(mmu_os *os, uint16_t asid, uint64_t vaddr, uint64_t bytes);

/*
 * Drop every page of [vaddr, vaddr + bytes) (as madvise MADV_DONTNEED):
 * frames and swap copies are freed, with shootdowns; the next touch is a
 * fresh minor fault.  Page tables and region protections stay.  A huge page
 * partly inside is split first.  Returns as mmu_os_map.
 */
MMU_MUST_CHECK mmu_err mmu_os_unmap(mmu_os *os, uint16_t asid, uint64_t vaddr, uint64_t bytes);

/*
 * What the frame holding physical address paddr holds.  Returns MMU_OK or
 * MMU_EINVAL (paddr outside physical memory or out NULL).
 */
mmu_err mmu_os_frame_info_get(const mmu_os *os, uint64_t paddr, mmu_os_frame_info *out);

/* Global figures (a snapshot). */
void mmu_os_get_stats(const mmu_os *os, mmu_os_stats *out);

/* Number of processes, in creation order, and the figures of the i-th. */
uint32_t mmu_os_proc_count(const mmu_os *os);
/* Returns MMU_OK or MMU_ENOTFOUND (i out of range). */
mmu_err mmu_os_proc_get(const mmu_os *os, uint32_t i, mmu_os_proc_stats *out);
/* The figures of process asid.  Returns MMU_OK or MMU_ENOTFOUND. */
mmu_err mmu_os_proc_find(const mmu_os *os, uint16_t asid, mmu_os_proc_stats *out);

/*
 * Zero every counter (faults, evictions, write-backs, swap-ins and -outs,
 * THP and shootdown counts, latency sums) for warm-up; the state (frames,
 * mappings, rss, vms, swap use) stays, and peak rss restarts at rss.
 */
void mmu_os_clear_stats(mmu_os *os);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_OS_H */
