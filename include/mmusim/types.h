/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/types.h - the translation contract: request, response, access
 * types, page sizes and fault causes shared by every component.
 *
 * Time is counted in core cycles (uint64_t).  A fault is data: it comes back
 * in mmu_response.fault, never as control flow.
 */
#ifndef MMUSIM_TYPES_H
#define MMUSIM_TYPES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kind of access.  The values index per-type counter arrays. */
typedef enum mmu_access_type {
    MMU_READ = 0,
    MMU_WRITE = 1,
    MMU_FETCH = 2, /* instruction fetch */
    MMU_ACCESS_TYPES = 3
} mmu_access_type;

typedef enum mmu_priv {
    MMU_PRIV_USER = 0,
    MMU_PRIV_SUPER = 1
} mmu_priv;

/*
 * Page sizes.  X(name, log2 of the size in bytes, text).  The enum values
 * are bit positions in the page-size masks of TLB arrays.
 */
#define MMU_PAGE_SIZE_MAP(X) \
    X(4K, 12, "4K")          \
    X(8K, 13, "8K")          \
    X(16K, 14, "16K")        \
    X(64K, 16, "64K")        \
    X(2M, 21, "2M")          \
    X(32M, 25, "32M")        \
    X(512M, 29, "512M")      \
    X(1G, 30, "1G")          \
    X(512G, 39, "512G")      \
    X(256T, 48, "256T")

typedef enum mmu_page_size {
#define MMU_PS_ENUM_(name, shift, text) MMU_PS_##name,
    MMU_PAGE_SIZE_MAP(MMU_PS_ENUM_)
#undef MMU_PS_ENUM_
    MMU_PAGE_SIZES
} mmu_page_size;

/* log2 of the size in bytes of a page size; 0 for an invalid value. */
unsigned mmu_page_shift(mmu_page_size ps);
/* "4K", "2M", ...; "?" for an invalid value. */
const char *mmu_page_size_name(mmu_page_size ps);
/* Parse "4K", "2M", "1G" (case-insensitive); returns MMU_PAGE_SIZES if unknown. */
mmu_page_size mmu_page_size_parse(const char *text);

/*
 * Fault causes.  X(name, identifier, text).  MMU_FAULT_NONE means the translation
 * succeeded.
 */
#define MMU_FAULT_MAP(X) \
    X(NONE, "none", "none") \
    X(NOT_PRESENT, "not_present", "not present / invalid") \
    X(WRITE_RO, "write_ro", "write to read-only page") \
    X(USER_SUPER, "user_super", "user access to supervisor page") \
    X(SUPER_USER, "super_user", "supervisor access to user page") \
    X(NX_FETCH, "nx_fetch", "fetch from no-execute page") \
    X(NO_READ, "no_read", "read from a page without read permission") \
    X(NONCANONICAL, "noncanonical", "non-canonical or out-of-range address") \
    X(RESERVED, "reserved", "reserved or misaligned-superpage bits set") \
    X(ACCESS_DIRTY, "access_dirty", "accessed/dirty bit clear (software managed)")

typedef enum mmu_fault {
#define MMU_FAULT_ENUM_(name, id, text) MMU_FAULT_##name,
    MMU_FAULT_MAP(MMU_FAULT_ENUM_)
#undef MMU_FAULT_ENUM_
    MMU_FAULT_CAUSES
} mmu_fault;

/* Text for a fault cause; never NULL. */
const char *mmu_fault_name(mmu_fault f);
/* Short identifier of a fault cause ("not_present"); never NULL. */
const char *mmu_fault_id(mmu_fault f);

/* One translation request. */
typedef struct mmu_request {
    uint64_t vaddr;  /* virtual address of the first byte */
    uint64_t cycle;  /* cycle at which the request is issued */
    uint32_t size;   /* bytes accessed (0 is treated as 1) */
    uint16_t asid;   /* address-space id (PCID/ASID; a process) */
    uint8_t type;    /* mmu_access_type */
    uint8_t priv;    /* mmu_priv */
    uint16_t vmid;   /* virtual machine id (VPID/VMID); used only with virtualization on, 0 otherwise */
} mmu_request;

/* Where a translation was satisfied. */
typedef enum mmu_outcome {
    MMU_OUT_TLB = 0,  /* hit in a TLB array; see mmu_response.level/array */
    MMU_OUT_WALK = 1, /* missed every TLB, resolved by a page walk */
    MMU_OUT_FAULT = 2 /* a fault (see mmu_response.fault) */
} mmu_outcome;

/* The answer to one mmu_request. */
typedef struct mmu_response {
    uint64_t paddr;      /* physical address (valid when fault == NONE) */
    uint64_t done_cycle; /* cycle at which translation completed */
    uint32_t latency;    /* done_cycle - request cycle */
    uint8_t fault;       /* mmu_fault */
    uint8_t outcome;     /* mmu_outcome */
    uint8_t page_size;   /* mmu_page_size of the mapping used; MMU_PAGE_SIZES on a fault */
    uint8_t level;       /* TLB level that hit (1-based), 0 if none */
    int8_t array;        /* index of the TLB array that hit, -1 if none */
    uint8_t walk_refs;   /* page-table memory references made by the walk */
    int8_t pwc_level;    /* paging-structure-cache level that hit, -1 if none */
    int8_t fault_level;  /* page-table level at which the fault was found, -1 */
    uint8_t page_faults; /* page faults the fault handler (the OS) resolved on the way */
} mmu_response;

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_TYPES_H */
