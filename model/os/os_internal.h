/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os_internal.h - the OS model's shared state and helpers, private to
 * model/os/ (the public API is include/mmusim/os.h).  Data structures:
 *   - a bitmap of used frames, with per-64-frame metadata chunks allocated
 *     on first use, and a used-frame count per huge-page-sized aligned
 *     block (a block with count 0 is a free aligned run for THP);
 *   - a swapped-out page is remembered in its not-present PTE, as Linux
 *     does with swap entries: bit 0 clear (invalid in every format), bit 1
 *     set ("known to the OS"), swap slot + 1 from bit 12 up (0: the page was
 *     never written and comes back as a zero page);
 *   - per process: the root, counters, and a sorted list of protection
 *     regions (addresses not in a region get MMU_OS_PROT_DEFAULT).
 * Data frames hold no contents: only page-table pages are stored in the
 * sparse memory, so host memory grows with the page tables, not with the
 * virtual address space.
 */


#ifndef MMUSIM_OS_INTERNAL_H
#define MMUSIM_OS_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "mmusim/os.h"
#include "mmusim/pagetable.h"
#include "pt_internal.h"


#define CHUNK_SHIFT 6
#define CHUNK_FRAMES (1u << CHUNK_SHIFT)
#define MAX_PHYS_MEM (1ull << 40)
#define MAX_CYCLES 1000000000u
#define MAX_US 1e6
#define MAX_REMOTE_CORES 4096u

/* Not-present PTE written by the OS (a "swap entry"): bits 2:0 clear, so that it is
   not present in every format (Intel EPT: R=W=X=0; others: bit 0 clear), bit 3 set. */
#define MARK_KNOWN 0x8ull
#define MARK_SLOT_SHIFT 12

enum { FK_FREE = 0, FK_TABLE, FK_DATA, FK_HEAD, FK_TAIL };
enum { FR_SOFT_DIRTY = 1, FR_PINNED = 2 };

struct frame {
    uint64_t vpn;    /* DATA/HEAD/TAIL: virtual address >> base shift */
    uint64_t pte_pa; /* DATA/HEAD: physical address of the leaf entry */
    uint32_t slot1;  /* swap slot + 1 holding a valid copy of the page; 0: none */
    uint16_t asid;   /* owner */
    uint8_t kind;    /* FK_* */
    uint8_t flags;   /* FR_* */
};

struct region {
    uint64_t start, last; /* inclusive */
    uint32_t prot;
};

struct proc {
    uint64_t root;
    uint64_t vms, rss, peak, swap, pt; /* pages / frames */
    uint64_t faults[MMU_OS_FAULT_KINDS];
    uint64_t swap_ins, swap_outs, thp;
    struct region *reg;
    size_t nreg;
    uint16_t asid;
};

struct target {
    mmu_os_shootdown_fn fn;
    void *ctx;
};

/* What one operation cost and caused. */
struct fctx {
    mmu_os_latency lat;
    uint32_t evictions, writebacks, tables, shootdowns;
};

/* Frames idx .. idx+n-1 are physical frames pfn .. pfn+n-1 (os.frame_ranges, os.pt_ranges). */
struct rmap {
    uint64_t idx, n, pfn;
};

struct mmu_os {
    mmu_os_config cfg;
    const mmu_pt_format *fmt;
    mmu_sparse_mem *mem;
    mmu_mem_port port;
    unsigned levels;
    unsigned shift;      /* base page shift */
    unsigned huge_shift; /* level-1 leaf shift */
    uint64_t fs;         /* frame (base page) size */
    uint64_t R;          /* frames per huge page */
    uint8_t base_ps, huge_ps;
    int thp_ok;          /* the format has level-1 leaves */
    uint32_t table_flags;

    /*
     * Frames are numbered 0 .. nframes-1 (the bitmap's bits).  Without
     * ranges (nmap 0) frame i is at physical address i << shift.  With
     * ranges, map[] places runs of frame numbers in the ranges; numbers
     * between runs are padding (always used, never counted), so that a
     * frame number is congruent to its physical frame modulo R (aligned
     * blocks are aligned huge pages) and the page-table pool starts on a
     * bitmap word.  Data frames are numbers below data_hi; with a
     * separate page-table pool (pt_lo != UINT64_MAX), tables are at
     * pt_lo .. nframes-1.
     */
    uint64_t nframes, nwords;
    uint64_t data_frames;   /* real frames of the data pool (nframes without ranges) */
    uint64_t data_hi;       /* first number past the data pool */
    uint64_t pt_lo;         /* first number of the page-table pool; UINT64_MAX: none (shared) */
    uint64_t pt_frames, pt_used, pt_hint; /* the page-table pool: frames, used, no free word below */
    struct rmap map[2 * MMU_OS_MAX_RANGES];
    unsigned nmap;
    uint64_t *used;         /* bit per frame; bits past nframes set */
    struct frame **chunk;   /* per 64 frames, NULL until first used */
    uint64_t nchunks;       /* allocated chunks */
    uint64_t nblocks;       /* whole aligned blocks of R frames */
    uint32_t *blk_used;     /* used frames per block */
    uint64_t blocks_free;
    uint64_t frames_used, frames_pt;
    uint64_t hint;          /* no free frame below word hint */
    uint64_t hand;          /* clock hand (frame number) */
    uint64_t hold_pfn;      /* first frame of the page mmu_os_hold keeps resident; UINT64_MAX: none */
    uint64_t rng;

    uint64_t slot_limit, slot_next, slots_used, slots_peak;
    uint32_t *slot_free;
    size_t nslot_free, cap_slot_free;

    struct proc **procs;
    uint32_t nprocs, cap_procs;
    uint32_t *asid_idx[256]; /* [asid >> 8][asid & 255] = process index + 1 */

    struct target *tg;
    size_t ntg, cap_tg;

    uint64_t swap_read_cyc, swap_write_cyc;
    mmu_os_stats st; /* counters; gauges are filled by mmu_os_get_stats */
};

/* Where the OS's own walk of p's tables for va ends: a valid leaf or an invalid entry. */
struct loc {
    unsigned level; /* level of the entry at pa */
    uint64_t pa;
    uint64_t raw;
    mmu_pte pte;
};

struct map_out {
    uint8_t kind;      /* MMU_OS_FAULT_MINOR or MAJOR */
    uint8_t page_size;
    uint8_t fallback;
    uint64_t vbase;
};

/* ---------------------------------------------------------------- helpers */

static inline uint64_t rng_next(mmu_os *os)
{
    uint64_t z = (os->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t us_to_cycles(double us, uint32_t mhz)
{
    return (uint64_t)(us * (double)mhz + 0.5); /* us >= 0: rounds to nearest */
}

/* Physical address of frame number idx. */
static inline uint64_t frame_pa(const mmu_os *os, uint64_t idx)
{
    if (!os->nmap)
        return idx << os->shift;
    for (unsigned i = 0; i < os->nmap; i++)
        if (idx - os->map[i].idx < os->map[i].n)
            return (os->map[i].pfn + (idx - os->map[i].idx)) << os->shift;
    return UINT64_MAX; /* padding: never handed out */
}

/* Frame number of physical address pa; without ranges pa >> shift, with ranges UINT64_MAX outside them. */
static inline uint64_t pa_frame(const mmu_os *os, uint64_t pa)
{
    uint64_t pfn = pa >> os->shift;
    if (!os->nmap)
        return pfn;
    for (unsigned i = 0; i < os->nmap; i++)
        if (pfn - os->map[i].pfn < os->map[i].n)
            return os->map[i].idx + (pfn - os->map[i].pfn);
    return UINT64_MAX;
}

static inline struct frame *frame_at(const mmu_os *os, uint64_t pfn)
{
    struct frame *c = os->chunk[pfn >> CHUNK_SHIFT];
    return c ? &c[pfn & (CHUNK_FRAMES - 1)] : NULL;
}

static inline int is_marker(uint64_t raw)
{
    return (raw & 7) == 0 && (raw & MARK_KNOWN);
}

static inline uint32_t marker_slot1(uint64_t raw)
{
    return (uint32_t)(raw >> MARK_SLOT_SHIFT);
}

static inline uint64_t marker(uint32_t slot1)
{
    return MARK_KNOWN | ((uint64_t)slot1 << MARK_SLOT_SHIFT);
}

static inline struct proc *proc_of(const mmu_os *os, uint16_t asid)
{
    const uint32_t *t = os->asid_idx[asid >> 8];
    uint32_t i = t ? t[asid & 255] : 0;
    return i ? os->procs[i - 1] : NULL;
}

static inline void add_rss(struct proc *p, uint64_t pages)
{
    p->rss += pages;
    if (p->rss > p->peak)
        p->peak = p->rss;
}

static inline mmu_err write_pte(mmu_os *os, uint64_t pa, uint64_t raw)
{
    return mmu_sparse_mem_write64(os->mem, pa, raw);
}

static inline uint64_t read_pte(const mmu_os *os, uint64_t pa)
{
    return mmu_sparse_mem_read64(os->mem, pa);
}

static inline void decode(const mmu_os *os, unsigned level, uint64_t raw, mmu_pte *p)
{
    if (mmu_pte_decode(os->fmt, level, raw, p) != MMU_OK)
        memset(p, 0, sizeof *p); /* cannot happen: the level is checked */
}

static inline mmu_err encode(const mmu_os *os, unsigned level, uint64_t paddr, uint32_t flags, uint64_t *raw)
{
    mmu_pte p;
    memset(&p, 0, sizeof p);
    p.paddr = paddr;
    p.flags = flags;
    return mmu_pte_encode(os->fmt, level, &p, raw);
}

/* MMU_PTE_* of a leaf with protection prot. */
static inline uint32_t leaf_flags(const mmu_os *os, uint32_t prot, int accessed, int dirty)
{
    uint32_t f = MMU_PTE_VALID | MMU_PTE_LEAF;
    if (prot & MMU_OS_PROT_READ)
        f |= MMU_PTE_READ;
    if (prot & MMU_OS_PROT_WRITE) {
        f |= MMU_PTE_WRITE;
        if (dirty)
            f |= MMU_PTE_DIRTY;
        if (os->fmt->arch == MMU_PT_ARCH_ARM)
            f |= MMU_PTE_DBM; /* writable-clean until written, as Linux arm64 maps */
    }
    if (prot & MMU_OS_PROT_EXEC)
        f |= MMU_PTE_EXEC;
    if (prot & MMU_OS_PROT_USER)
        f |= MMU_PTE_USER;
    if (prot & MMU_OS_PROT_GLOBAL)
        f |= MMU_PTE_GLOBAL;
    if (accessed)
        f |= MMU_PTE_ACCESSED;
    return f;
}

/* MMU_TLB_* flags of protection prot, as a leaf made with it would carry. */
static inline unsigned prot_tlb_flags(uint32_t prot)
{
    unsigned t = 0;
    if (prot & MMU_OS_PROT_READ)
        t |= MMU_TLB_READ;
    if (prot & MMU_OS_PROT_WRITE)
        t |= MMU_TLB_WRITE;
    if (prot & MMU_OS_PROT_EXEC)
        t |= MMU_TLB_EXEC;
    if (prot & MMU_OS_PROT_USER)
        t |= MMU_TLB_USER;
    if (prot & MMU_OS_PROT_GLOBAL)
        t |= MMU_TLB_GLOBAL;
    return t;
}

/*
 * Does protection prot allow the access?  The walk's own check
 * (mmu_pt_check_access), without SMAP/SMEP, MXR or a WP override.
 */
static inline int prot_allows(uint32_t prot, mmu_access_type type, mmu_priv priv)
{
    return mmu_pt_check_access(NULL, prot_tlb_flags(prot), type, priv) == MMU_FAULT_NONE;
}

/* Does a present leaf with MMU_PTE_* flags f allow the access?  The same check. */
static inline int leaf_allows(uint32_t f, mmu_access_type type, mmu_priv priv)
{
    return mmu_pt_check_access(NULL, mmusim_pt_tlb_flags(f), type, priv) == MMU_FAULT_NONE;
}

/* ---------------------------------------------------------------- across files */

/* os_region.c */
uint32_t mmusim_os_region_prot(const struct proc *p, uint64_t va, uint64_t *lo, uint64_t *hi);
mmu_err mmusim_os_region_set(struct proc *p, uint64_t lo, uint64_t hi, uint32_t prot);
/* os_frame.c */
struct frame *mmusim_os_ensure_chunk(mmu_os *os, uint64_t pfn);
void mmusim_os_set_used(mmu_os *os, uint64_t pfn);
void mmusim_os_free_frame(mmu_os *os, uint64_t pfn);
mmu_err mmusim_os_alloc_frame(mmu_os *os, struct fctx *fc, uint64_t *pfn);
mmu_err mmusim_os_alloc_table(mmu_os *os, struct proc *p, uint16_t asid, struct fctx *fc, uint64_t *pa);
uint64_t mmusim_os_find_free_block(mmu_os *os);
/* os_swap.c */
mmu_err mmusim_os_slot_alloc(mmu_os *os, uint32_t *slot1);
void mmusim_os_slot_release(mmu_os *os, uint32_t slot1);
/* os_shootdown.c */
void mmusim_os_shootdown(mmu_os *os, struct fctx *fc, uint16_t asid, uint64_t va, unsigned ps);
/* os_replace.c */
mmu_err mmusim_os_evict_one(mmu_os *os, struct fctx *fc);
/* os_thp.c */
mmu_err mmusim_os_map_huge(mmu_os *os, struct proc *p, uint64_t va, uint64_t pde_pa, uint64_t block,
                           uint32_t prot, int write, struct fctx *fc, struct map_out *mo);
mmu_err mmusim_os_split_huge(mmu_os *os, struct proc *p, uint64_t pde_pa, struct fctx *fc);
mmu_err mmusim_os_evict_huge(mmu_os *os, uint64_t pfn, struct frame *f, int dirty, struct fctx *fc);
/* os_aspace.c */
mmu_err mmusim_os_proc_get(mmu_os *os, uint16_t asid, struct proc **out);
void mmusim_os_lookup(const mmu_os *os, const struct proc *p, uint64_t va, struct loc *l);
/* os_fault.c */
mmu_err mmusim_os_map_page(mmu_os *os, struct proc *p, uint64_t va, int write, struct fctx *fc,
                           struct map_out *mo, const struct loc *at);

#endif /* MMUSIM_OS_INTERNAL_H */
