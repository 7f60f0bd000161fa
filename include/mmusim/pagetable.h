/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/pagetable.h - page-table formats, PTE encode/decode, and the
 * table-driven page-table walk shared by every format.
 *
 * A format (x86-64 4- and 5-level, RISC-V Sv39/Sv48/Sv57, AArch64 VMSAv8-64
 * with 4K, 16K and 64K granules) is a constant descriptor chosen by name.  One
 * walk loop follows any descriptor: it reads PTEs through a memory port
 * (memport.h), optionally starts below the root after a paging-structure-cache
 * hit (pwc.h), checks every fault cause, updates accessed/dirty bits or faults
 * on them, and fills an mmu_walk_result.  Faults are data.
 *
 * Level numbering (every format): level 0 is the leaf-most level (its entries
 * map base pages), level levels-1 is the root.  x86-64: 0 = PT, 1 = PD,
 * 2 = PDPT, 3 = PML4, 4 = PML5.  RISC-V: level i of the privileged spec.
 * AArch64: level = 3 - (the Arm ARM's lookup level), so the Arm "level 0"
 * root of a 4K/48-bit walk is level 3 here.  See docs/page-tables.md.
 */
#ifndef MMUSIM_PAGETABLE_H
#define MMUSIM_PAGETABLE_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/error.h"
#include "mmusim/memport.h"
#include "mmusim/tlb.h"
#include "mmusim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most levels any format has (x86-64 LA57, Sv57). */
#define MMU_PT_MAX_LEVELS 5

/* Architecture family of a format. */
typedef enum mmu_pt_arch {
    MMU_PT_ARCH_X86 = 0,
    MMU_PT_ARCH_RISCV = 1,
    MMU_PT_ARCH_ARM = 2
} mmu_pt_arch;

/* How the bits of a virtual address above va_bits must look. */
typedef enum mmu_pt_canon {
    MMU_CANON_SIGN = 0, /* copies of bit va_bits-1 (x86-64, RISC-V) */
    MMU_CANON_ZERO = 1  /* all zero (AArch64 TTBR0 region; one root only) */
} mmu_pt_canon;

/* Accessed/dirty handling of a walk. */
typedef enum mmu_ad_mode {
    MMU_AD_DEFAULT = 0, /* the format's architectural default (ad_default) */
    MMU_AD_HW = 1,      /* hardware sets A (and D on a write): a PTE write through the port */
    MMU_AD_FAULT = 2,   /* A clear, or D clear on a write: MMU_FAULT_ACCESS_DIRTY */
    MMU_AD_NONE = 3     /* A/D neither checked nor set (Intel EPT with EPTP bit 6 clear) */
} mmu_ad_mode;

struct mmu_pt_ops; /* private per-architecture operations */

/* A paging-structure cache (pwc.h). */
typedef struct mmu_pwc mmu_pwc;

/*
 * A page-table format.  Every array is indexed by level (0 = leaf-most).
 * Instances are constant and live for the whole program: get them from
 * mmu_pt_format_find() or mmu_pt_format_get(); never build one.
 */
typedef struct mmu_pt_format {
    const char *name;        /* "x86_64", "sv39", "aarch64_4k", ... */
    const char *description; /* one line for reports */
    uint8_t arch;            /* mmu_pt_arch */
    uint8_t levels;          /* 1..MMU_PT_MAX_LEVELS; the root is level levels-1 */
    uint8_t va_bits;         /* virtual-address bits translated */
    uint8_t pte_size;        /* bytes per entry */
    uint8_t max_pa_bits;     /* widest physical address the entries encode */
    uint8_t ad_default;      /* mmu_ad_mode the base architecture uses (HW or FAULT) */
    uint8_t canon;           /* mmu_pt_canon */
    uint8_t host;            /* 1: a host stage of nested paging (EPT, AMD NPT, Arm stage 2, RISC-V
                                G-stage); walks it as a guest-physical -> host-physical map */
    uint8_t index_bits[MMU_PT_MAX_LEVELS]; /* VA bits indexing a table of this level */
    uint8_t shift[MMU_PT_MAX_LEVELS];      /* lowest VA bit of this level's index; a leaf here maps 2^shift bytes */
    uint8_t page_size[MMU_PT_MAX_LEVELS];  /* mmu_page_size of a leaf here; MMU_PAGE_SIZES if none allowed */
    uint32_t leaf_levels;                  /* mask of (1u << level) where a leaf may appear */
    uint32_t page_sizes;                   /* mask of (1u << mmu_page_size) the format maps */
    const char *level_names[MMU_PT_MAX_LEVELS]; /* entry names: "pte", "pde", ... */
    const struct mmu_pt_ops *ops;          /* private */
} mmu_pt_format;

/* Find a format by name (case-insensitive); NULL if unknown. */
const mmu_pt_format *mmu_pt_format_find(const char *name);

/* Number of formats, and the i-th one (NULL past the end), for listings. */
unsigned mmu_pt_format_count(void);
const mmu_pt_format *mmu_pt_format_get(unsigned i);

/* Index of vaddr in a table of the given level. */
uint64_t mmu_pt_index(const mmu_pt_format *fmt, unsigned level, uint64_t vaddr);

/* Bytes of one table of the given level (entries * pte_size; the root may be smaller than a page). */
uint64_t mmu_pt_table_bytes(const mmu_pt_format *fmt, unsigned level);

/* 1 if vaddr passes the format's canonical-address check, else 0. */
int mmu_pt_is_canonical(const mmu_pt_format *fmt, uint64_t vaddr);

/* ---- PTE encode / decode ---- */

/* Format-neutral PTE flags (mmu_pte.flags). */
enum {
    MMU_PTE_VALID = 1u << 0,    /* present / valid */
    MMU_PTE_LEAF = 1u << 1,     /* maps a page or block; clear: points to the next table */
    MMU_PTE_READ = 1u << 2,     /* readable (x86, Arm: every valid entry) */
    MMU_PTE_WRITE = 1u << 3,    /* writable (Arm leaf: AP[2]=0, or DBM=1) */
    MMU_PTE_EXEC = 1u << 4,     /* executable: x86 XD=0, RISC-V X=1, Arm UXN=0; NX is its absence */
    MMU_PTE_USER = 1u << 5,     /* user accessible (x86 U/S, RISC-V U, Arm AP[1]) */
    MMU_PTE_GLOBAL = 1u << 6,   /* global (x86 G, RISC-V G, Arm nG=0) */
    MMU_PTE_ACCESSED = 1u << 7, /* x86 A, RISC-V A, Arm AF */
    MMU_PTE_DIRTY = 1u << 8,    /* x86 D, RISC-V D; Arm: AP[2]=0 (derived, see below) */
    MMU_PTE_PXN = 1u << 9,      /* Arm only: privileged execute-never (PXN, PXNTable) */
    MMU_PTE_DBM = 1u << 10      /* Arm only: dirty bit modifier (bit 51) */
};

/*
 * One PTE, format-neutral.  For a table entry (LEAF clear) the permission
 * flags are the entry's limits on the levels below (x86 R/W, U/S, XD; Arm
 * APTable, UXNTable, PXNTable); RISC-V table entries give their literal bits.
 *
 * Arm leaves: WRITE = (AP[2] == 0 || DBM), DIRTY = (AP[2] == 0): a writable
 * page with DBM=1 and AP[2]=1 is "writable-clean".
 */
typedef struct mmu_pte {
    uint64_t paddr;    /* next table, or the page/block base (a misaligned superpage keeps its low bits) */
    uint64_t reserved; /* raw bits that make the entry malformed (reserved bits, a reserved encoding); 0 if none */
    uint64_t other;    /* every other raw bit (memory attributes, software and ignored bits) */
    uint32_t flags;    /* MMU_PTE_* */
} mmu_pte;

/*
 * Decode the raw entry of a table of the given level.  An invalid entry
 * (and an Arm descriptor of a type reserved at that level) decodes as flags 0
 * with every raw bit in other.  encode(decode(raw)) == raw for every raw.
 * Returns MMU_EINVAL for a bad format or level.
 */
MMU_MUST_CHECK mmu_err mmu_pte_decode(const mmu_pt_format *fmt, unsigned level, uint64_t raw,
                                      mmu_pte *pte);

/*
 * Encode a PTE for a table of the given level into *raw.  other and
 * reserved are ORed in as they are (so tests can build malformed entries);
 * an invalid PTE (VALID clear) encodes as other | reserved.  Flags a format
 * does not have are ignored (READ on x86 and Arm, PXN and DBM outside Arm,
 * DIRTY and GLOBAL in x86 and Arm table entries).  Returns MMU_EINVAL for a
 * bad format or level, an address that does not fit the entry's address field
 * (x86 large pages: bit 12 is PAT), a leaf at a level with no leaf
 * encoding (x86 PML4/PML5, Arm levels without blocks), a RISC-V leaf with no
 * R/W/X or a RISC-V table with one.
 */
MMU_MUST_CHECK mmu_err mmu_pte_encode(const mmu_pt_format *fmt, unsigned level, const mmu_pte *pte,
                                      uint64_t *raw);

/* ---- The walk ---- */

/* Walk option flags (mmu_walk_opts.flags). */
enum {
    MMU_WALK_FUNCTIONAL = 1u << 0, /* no side effects: no A/D writes, no PWC lookup or fill */
    MMU_WALK_SMAP = 1u << 1,       /* supervisor data access to a user page faults
                                      (x86 CR4.SMAP, RISC-V SUM=0, Arm PAN=1) */
    MMU_WALK_SMEP = 1u << 2,       /* supervisor fetch from a user page faults
                                      (x86 CR4.SMEP; always so on RISC-V and Arm) */
    MMU_WALK_MXR = 1u << 3,        /* reads of execute-only pages allowed (RISC-V MXR) */
    MMU_WALK_NO_WP = 1u << 4       /* supervisor writes ignore read-only (x86 CR0.WP=0) */
};

/* Options of a walk.  mmu_walk_opts_defaults() gives the architectural ones. */
typedef struct mmu_walk_opts {
    uint32_t flags;  /* MMU_WALK_* */
    uint8_t ad_mode; /* mmu_ad_mode; MMU_AD_DEFAULT = the format's */
    uint8_t pa_bits; /* physical-address width (x86 MAXPHYADDR, Arm PARange); 0 = max_pa_bits.
                        An entry with an address bit at or above it faults RESERVED. */
} mmu_walk_opts;

/*
 * The architectural defaults of a format: x86-64: SMEP|SMAP, A/D by
 * hardware; RISC-V: SMAP (SUM=0)|SMEP, A/D faults (Svade); AArch64:
 * SMEP (PXN of user pages), A/D faults (no FEAT_HAFDBS); pa_bits 0.
 */
void mmu_walk_opts_defaults(const mmu_pt_format *fmt, mmu_walk_opts *opts);

/* The result of one walk. */
typedef struct mmu_walk_result {
    uint64_t paddr;     /* physical address of vaddr (fault == NONE) */
    uint64_t vbase;     /* virtual base of the page (fault == NONE) */
    uint64_t pbase;     /* physical base of the page (fault == NONE) */
    uint64_t pte;       /* last PTE read: the leaf after its A/D update, or the faulting entry */
    uint64_t read_addr[MMU_PT_MAX_LEVELS];  /* physical address of each PTE read, in order */
    uint64_t write_addr[MMU_PT_MAX_LEVELS]; /* physical address of each PTE written, in order */
    uint32_t mem_latency; /* cycles of the PTE reads and writes, as the port priced them */
    uint32_t pwc_latency; /* cycles of the paging-structure-cache lookup (0 without one) */
    uint32_t latency;     /* mem_latency + pwc_latency */
    uint16_t pte_flags;   /* effective MMU_PTE_* of the leaf (table limits applied) */
    uint8_t fault;        /* mmu_fault; MMU_FAULT_NONE on success */
    int8_t fault_level;   /* level of the entry that faulted; -1 if none or found before any read */
    int8_t leaf_level;    /* level of the leaf; -1 if none reached */
    int8_t pwc_level;     /* level of the PWC entry the walk started from; -1 if none */
    int8_t first_level;   /* level of the first PTE read; -1 if none */
    uint8_t page_size;    /* mmu_page_size of the mapping (fault == NONE) */
    uint8_t page_shift;   /* log2 of the page size */
    uint8_t tlb_flags;    /* MMU_TLB_* for a TLB entry of this mapping */
    uint8_t reads;        /* PTE reads */
    uint8_t writes;       /* PTE writes (A/D updates) */
} mmu_walk_result;

/*
 * Walk the page table rooted at physical address root (the low bits are
 * used as given) for vaddr.  port reads and writes PTEs; pwc (may be NULL)
 * is looked up first and filled with the table entries read, and must have
 * been created for fmt; opts may be NULL (the format's defaults).  The
 * caller owns everything; the walk allocates nothing.
 *
 * Returns MMU_OK with *res filled, MMU_EFAULT when res->fault says the walk
 * faulted (res is filled too), MMU_EINVAL for bad arguments (res untouched).
 * asid tags the PWC entries: the ASID, or asid | vmid << 17 for a guest
 * walk under virtualization, or the VMID for a host walk.
 */
mmu_err mmu_walk(const mmu_pt_format *fmt, uint64_t root, const mmu_mem_port *port, mmu_pwc *pwc,
                 uint64_t vaddr, mmu_access_type type, mmu_priv priv, uint32_t asid,
                 const mmu_walk_opts *opts, mmu_walk_result *res);

/*
 * The permission check of a walk's leaf, on MMU_TLB_* flags, so a TLB hit
 * is checked exactly as the walk checked it.  Returns MMU_FAULT_NONE if the
 * access is permitted.  It does not look at DIRTY: a write that hits an
 * entry without MMU_TLB_DIRTY must walk again (the walk sets D, or faults).
 * Arm: the TLB flags keep one EXEC bit, so a supervisor fetch from a user
 * page is refused by MMU_WALK_SMEP (PXN), not by the entry's PXN bit.
 */
mmu_fault mmu_pt_check_access(const mmu_walk_opts *opts, unsigned tlb_flags, mmu_access_type type,
                              mmu_priv priv);

/* Fill a TLB entry from a successful walk (asid as given). */
void mmu_walk_tlb_entry(const mmu_walk_result *res, uint16_t asid, mmu_tlb_entry *out);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_PAGETABLE_H */
