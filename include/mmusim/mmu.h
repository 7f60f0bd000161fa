/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/mmu.h - one MMU instance: a TLB hierarchy in front of a miss
 * handler (the page-table walker), with the translation contract of
 * types.h.  Nothing global: any number of instances can live side by side.
 */
#ifndef MMUSIM_MMU_H
#define MMUSIM_MMU_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/config.h"
#include "mmusim/error.h"
#include "mmusim/hist.h"
#include "mmusim/memport.h"
#include "mmusim/os.h"
#include "mmusim/pagetable.h"
#include "mmusim/ptemem.h"
#include "mmusim/pwc.h"
#include "mmusim/walkers.h"
#include "mmusim/tlb.h"
#include "mmusim/types.h"
#include "mmusim/virt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mmu mmu;

/* Counters of one TLB level (all arrays of the level taken together). */
typedef struct mmu_level_stats {
    uint64_t lookups;
    uint64_t hits;
    uint64_t misses;
} mmu_level_stats;

#define MMU_WALK_REFS_MAX 15 /* references-per-walk histogram: 0..15, the last is "15 or more" */

/* Counters of the whole MMU. */
typedef struct mmu_stats {
    uint64_t requests;                    /* translations asked for */
    uint64_t by_type[MMU_ACCESS_TYPES];   /* translations per access type */
    uint64_t walks;                       /* page walks made: for TLB misses, dirty re-walks and
                                             walks again after page faults (fixed mode: misses in
                                             every level) */
    uint64_t walks_merged;                /* requests that joined a walk in flight */
    uint64_t walk_queue_cycles;           /* cycles walks waited for a free walker */
    uint64_t walk_cycles;                 /* cycles of the walks themselves */
    uint64_t walk_refs[MMU_WALK_REFS_MAX + 1]; /* walks by PTE references made (reads + writes) */
    uint64_t pte_reads;                   /* PTE reads of all walks */
    uint64_t ad_writes;                   /* PTE writes of all walks (accessed/dirty updates) */
    uint64_t dirty_rewalks;               /* writes that hit a TLB entry with D clear and walked */
    uint64_t fault_rewalks;               /* walks made again after the fault handler resolved a fault */
    uint64_t walk_faults[MMU_FAULT_CAUSES]; /* faults found by walks, resolved or not */
    uint64_t page_faults;                 /* faults the fault handler (the OS) resolved */
    uint64_t fault_cycles;                /* cycles the fault handler charged */
    uint64_t faults[MMU_FAULT_CAUSES];    /* translations that ended in a fault, by cause */
    uint64_t latency_sum;                 /* cycles, over all translations */
    uint32_t n_levels;
    mmu_level_stats level[MMU_MAX_TLB_LEVELS];
} mmu_stats;

/*
 * Create an MMU from a configuration (validated first; on error msg says
 * why).  The caller owns *out and frees it with mmu_destroy.
 */
MMU_MUST_CHECK mmu_err mmu_create(const mmu_config *cfg, mmu **out, char *msg, size_t msglen);
void mmu_destroy(mmu *m);

/* The configuration the instance was created with. */
const mmu_config *mmu_get_config(const mmu *m);

/*
 * Translate one address (the page of req->vaddr; req->size is not looked
 * at).  Fills *resp.  Returns MMU_OK, or MMU_EFAULT when resp->fault says
 * the translation faulted.
 */
mmu_err mmu_translate(mmu *m, const mmu_request *req, mmu_response *resp);

/*
 * One memory access: translates the page of the first byte and, when the
 * access's bytes run past the end of that page (by the page size of the
 * mapping found), the page of the last byte as a second translation issued
 * at the cycle the first completed.  resp must have room for 2.  Returns the
 * number of translations made (1 or 2); resp[n-1].done_cycle is when the
 * access's translation is complete.  A fault stops it.  Both translations
 * are valid when the access completes: with the OS model the first page is
 * held resident (mmu_os_hold) while the second page's fault is handled;
 * with another fault handler, a first page invalidated meanwhile is
 * translated again, then the second, at most 4 rounds (resp[0] then covers
 * every round).  docs/os-model.md, "Page-crossing accesses".
 */
int mmu_access(mmu *m, const mmu_request *req, mmu_response resp[2]);

/* Invalidate TLB entries in every array (and, later, paging-structure caches). */
void mmu_invalidate(mmu *m, mmu_inval_kind kind, uint64_t vaddr, uint16_t asid);

/*
 * Invalidate what maps any byte of [vaddr, vaddr + bytes) in asid (and
 * global entries) in every TLB array, smaller entries of a huge page
 * included, and the paging-structure-cache entries on the range's path.
 * The OS model's shootdowns use it.
 */
void mmu_invalidate_range(mmu *m, uint64_t vaddr, uint64_t bytes, uint16_t asid);

/* Counters; the pointer stays valid for the instance's life, its contents current as of
   this call (ask again after more translations: level-1 hits are added when asked for). */
const mmu_stats *mmu_get_stats(const mmu *m);
/* Zero every counter (for warm-up); contents of TLBs are kept. */
void mmu_clear_stats(mmu *m);

/* Latency classes: every translation counts in MMU_LAT_ALL and in one other. */
typedef enum mmu_lat_class {
    MMU_LAT_ALL = 0,
    MMU_LAT_L1 = 1,   /* hit in a level-1 array */
    MMU_LAT_L2 = 2,   /* hit at level 2 */
    MMU_LAT_L3 = 3,   /* hit at level 3 */
    MMU_LAT_L4 = 4,   /* hit at level 4 */
    MMU_LAT_WALK = 5, /* missed every level, resolved by a walk */
    MMU_LAT_FAULT = 6,/* ended in a fault (or went through a page fault) */
    MMU_LAT_CLASSES = 7
} mmu_lat_class;

/* Short name of a latency class ("all", "l1_hit", ..., "walk", "fault"). */
const char *mmu_lat_class_name(mmu_lat_class c);

/*
 * Translation latency histogram of a class (cycles); valid for the
 * instance's life, its contents current as of this call (ask again after
 * more translations).  MMU_LAT_ALL is the sum of the others, formed when
 * asked; so are the level-1 hits of the hit filter in MMU_LAT_L1.
 */
const mmu_hist *mmu_get_latency(const mmu *m, mmu_lat_class c);

/* ---- Radix mode: page tables in memory ---- */

/*
 * The memory holding the page tables (radix mode).  PTE reads and writes go
 * through it; a reference costs the latency the port returns plus the PTE
 * memory model's ([ptemem]).  The port is copied; what it points to must
 * outlive the MMU.
 */
void mmu_set_memory(mmu *m, const mmu_mem_port *port);

/* The root table's physical address for an address space (CR3, satp, TTBR0 per ASID). */
mmu_err mmu_set_root(mmu *m, uint16_t asid, uint64_t root);

/*
 * What stands behind the MMU when a walk faults: an OS model, or a CPU
 * model that takes the fault.  Both callbacks may be NULL.
 *   root:  asked for the root of an ASID that mmu_set_root never named;
 *          returns 1 and *root, or 0 (the translation faults not-present).
 *   fault: a walk for req faulted as walk says; returns 1 if the fault was
 *          resolved (the walk is then made again) with the cycles the
 *          handling cost in *cycles, or 0 to report the fault to the requester.
 */
typedef struct mmu_fault_handler {
    void *ctx;
    int (*root)(void *ctx, uint16_t asid, uint64_t *root);
    int (*fault)(void *ctx, const mmu_request *req, const mmu_walk_result *walk, uint64_t *cycles);
} mmu_fault_handler;
void mmu_set_fault_handler(mmu *m, const mmu_fault_handler *h);

/*
 * Put an OS model behind the MMU (radix mode; the OS must be for the MMU's
 * page-table format): the MMU walks the OS's page tables, asks it for the
 * root of each ASID, hands it every walk fault (minor and major faults and
 * software A/D updates are resolved and the walk made again; protection
 * faults come back to the requester), and receives its TLB shootdowns.
 * Several MMUs (cores) may share one OS.  The OS must outlive the MMU, or
 * be detached first (mmu_attach_os(m, NULL)).  Returns MMU_OK, MMU_EINVAL
 * (fixed mode, or another format), MMU_ENOMEM.
 */
MMU_MUST_CHECK mmu_err mmu_attach_os(mmu *m, mmu_os *os);

/* The OS attached, or NULL. */
mmu_os *mmu_get_os(const mmu *m);

/*
 * The first error the OS returned while handling a fault (MMU_EFULL: no
 * frame could be freed, every frame holds page tables or swap is full;
 * MMU_ENOMEM), or MMU_OK.  The fault it happened on was reported as a
 * fault.  After MMU_ENOMEM the OS must not be used any more.
 */
mmu_err mmu_os_error(const mmu *m);

/*
 * Create the OS model a configuration describes ([os], with mmu.clock_mhz
 * and mmu.seed, for walker.format).  The caller owns *out.  Returns as
 * mmu_os_create, with a message.
 */
MMU_MUST_CHECK mmu_err mmu_os_create_from_config(const mmu_config *cfg, mmu_os **out, char *msg,
                                                 size_t msglen);

/* The page-table format in use (radix mode), or NULL. */
const mmu_pt_format *mmu_get_format(const mmu *m);
/* Components of radix mode, for their counters (NULL in fixed mode). */
const mmu_pwc *mmu_get_pwc(const mmu *m);
const mmu_ptemem *mmu_get_ptemem(const mmu *m);
const mmu_walkers *mmu_get_walkers(const mmu *m);

/*
 * Translate with no side effect at all: no TLB or PWC change, no counter,
 * no A/D update, no fault handling (the SystemC module's debug transport, a
 * shadow check).  Fills resp (latency 0).  Returns MMU_OK or MMU_EFAULT.
 */
mmu_err mmu_translate_debug(const mmu *m, const mmu_request *req, mmu_response *resp);

/*
 * A functional walk of the page tables as they are now, ignoring every TLB
 * and cache, with no side effect (radix mode; fixed mode gives the identity
 * mapping).  For shadow checks of what the TLBs answer.  Returns MMU_OK or
 * MMU_EFAULT (resp->fault says why).
 */
mmu_err mmu_walk_debug(const mmu *m, const mmu_request *req, mmu_response *resp);

/* The TLB arrays, in configuration order. */
uint32_t mmu_tlb_count(const mmu *m);
const mmu_tlb *mmu_get_tlb(const mmu *m, uint32_t index);

/* ---- virtualization (virt.h, docs/virtualization.md); all need virt.enabled ---- */

/* Hypervisor invalidations (mmu_virt_inval); addr is a guest-virtual or guest-physical address. */
void mmu_virt_invalidate(mmu *m, mmu_virt_inval kind, uint16_t vmid, uint16_t asid, uint64_t addr);

/* The guest-physical memory of VM vmid (the guest tables); VM 0's is mmu_set_memory's.
   MMU_EINVAL without virtualization, MMU_ERANGE for vmid >= MMU_VIRT_MAX_VMS. */
mmu_err mmu_set_vm_memory(mmu *m, uint16_t vmid, const mmu_mem_port *port);

/* The guest root (a guest-physical address) of (vmid, asid); mmu_set_root sets VM 0's. */
mmu_err mmu_set_vm_root(mmu *m, uint16_t vmid, uint16_t asid, uint64_t root);

/* Counters of the 2D walks; NULL without virtualization. */
const mmu_virt_stats *mmu_get_virt_stats(const mmu *m);

/* The host OS model (one process per VM, ASID = VMID); NULL without virtualization. */
mmu_os *mmu_get_host_os(const mmu *m);

/* The guest OS model of VM vmid (VM 0: the attached one; others made on first use). */
mmu_os *mmu_get_guest_os(const mmu *m, uint16_t vmid);

/* The host paging-structure caches and the nested TLB (NULL if none). */
const mmu_pwc *mmu_get_host_pwc(const mmu *m);
const mmu_tlb *mmu_get_nested_tlb(const mmu *m);

/* ---- the repeat path of a co-simulation front end (docs/qemu.md, "Performance") ---- */

/*
 * A front end that sees the same page used again and again (QEMU's plugin)
 * may count those accesses instead of translating each: the model says when
 * its hit filter would answer every access of a page (at the filter's
 * granularity) and where such an answer is counted; the front end adds its
 * counts there in bulk.  The counts are exactly those of one mmu_access per
 * access.
 *   tlb_changes:         changes whenever any TLB set changes (a fill, an
 *                        eviction, an invalidation, a hit that updates the
 *                        replacement state).  Valid for the instance's life.
 *   data_through_caches: loads and stores go through the PTE caches after
 *                        their translation (ptemem.data in cache mode): see
 *                        mmu_access_data.
 *   l1_latency[s]:       a filter hit's latency (level 1) for fetches (s = 0)
 *                        and for loads and stores (s = 1).
 */
typedef struct mmu_repeat_info {
    const uint64_t *tlb_changes;
    int data_through_caches;
    uint32_t l1_latency[2];
} mmu_repeat_info;
void mmu_get_repeat_info(const mmu *m, mmu_repeat_info *out);

/*
 * Where the hit filter counts a hit of one page (mmu_repeat_ok fills it),
 * and the recency of the page's entry: in an LRU array of at most 16 ways,
 * another page's repeated hit in the same set (mmu_repeat_touch) makes the
 * entry no longer the newest of its set without changing what the set
 * holds.  While (*order & 15) == way, a hit of the page changes nothing;
 * when it is not, the page's next access is counted after
 * mmu_repeat_touch(slot), the replacement update its lookup makes.  (Every
 * other policy: *order & 15 is always way; any change is one of the sets'
 * change counters, mmu_repeat_watch.)
 */
typedef struct mmu_repeat_slot {
    uint64_t *pend;  /* by access type: the filter's hits of this slot, not yet folded */
    uint32_t index;  /* the filter slot of the page (filled even when the answer is no) */
    uint32_t shift;  /* the filter's page granularity on this side (log2 bytes) */
    const uint64_t *order; /* the recency order of the entry's set (lowest 4 bits: the newest way) */
    const uint64_t *gen;   /* the change counter of the entry's set (one of mmu_repeat_watch's gens) */
    mmu_tlb *tlb;    /* the array that holds the entry, its set and way */
    uint32_t set, way;
    int ordered;     /* the array is LRU with recency orders: a hit's update (mmu_repeat_touch,
                        mmu_repeat_hit) changes nothing another page's answer rests on */
} mmu_repeat_slot;

/*
 * Would the hit filter answer req's translation now, and every access of
 * req's filter page (req->vaddr >> slot->shift, within it) of req's type and
 * of the types in the mask `types` (bit t: type t) at req's cycle or later,
 * until something changes the TLBs (tlb_changes) or another page takes the
 * page's filter slot (an access of a page with the same slot->index that
 * the filter did not answer)?  If so fills *slot and returns 1, else 0
 * (slot->index and slot->shift are filled either way).  Brings the slot up
 * to date with the TLBs as the next mmu_access would (the same answers
 * follow); nothing else changes.
 */
int mmu_repeat_ok(mmu *m, const mmu_request *req, unsigned types, mmu_repeat_slot *slot);

/*
 * mmu_repeat_ok, and the TLB sets its answer rests on: if mmu_repeat_ok
 * says yes (and fills *slot), fills gens[i] with those sets' change
 * counters (valid for the instance's life) and seen[i] with their values
 * now, and returns how many (at least 1); returns 0 if the answer is no or
 * there are more than max sets.  While every *gens[i] == seen[i], the
 * answer stands even after tlb_changes moved (for every type it was given
 * for, at later cycles), except after a walk: a walk still under way may
 * hold up a level-1 hit (the filter answers no access issued before the
 * last walk completes), so a front end that counts accesses across other
 * pages' TLB changes asks again after any walk.
 */
unsigned mmu_repeat_watch(mmu *m, const mmu_request *req, unsigned types, mmu_repeat_slot *slot,
                          const uint64_t **gens, uint64_t *seen, unsigned max);

/*
 * The access req as mmu_access makes it when the hit filter answers it,
 * less its counting and its data: a level-1 hit of a page the filter holds,
 * also after other pages' hits or fills changed the TLB sets its answer
 * rests on (the lookup is then repeated on those sets, and the hit's
 * replacement update made, exactly as mmu_access would).  If so, fills
 * *slot, gens and seen as mmu_repeat_watch does (for req's type and the
 * types of the mask), *paddr with req's physical address, and returns how
 * many sets; the caller counts the access (mmu_access_repeat(slot,
 * req->type, 1)), takes the filter's latency (mmu_repeat_info.l1_latency)
 * and makes its data (mmu_access_data).  The one TLB change it may make is
 * that replacement update, on the entry's set (slot->gen moves; what the
 * set holds is the same; with slot->ordered, the other pages whose sets
 * were unchanged still have the same answers).  Returns 0, changing
 * nothing, if the filter does not answer req (or not for every type of the
 * mask), or its answer rests on more than max sets: make the access with
 * mmu_access.
 */
unsigned mmu_repeat_hit(mmu *m, const mmu_request *req, unsigned types, mmu_repeat_slot *slot,
                        const uint64_t **gens, uint64_t *seen, unsigned max, uint64_t *paddr);

/*
 * Count n accesses of type `type` that slot's page answered (see
 * mmu_repeat_ok): adds exactly what their translations by mmu_access add
 * (the TLB arrays' counters, the level-1 counters and latency histogram,
 * folded when the counters are read).  Sums: any time before the counters
 * are read or cleared, in any order, while the MMU lives.  The accesses'
 * data (loads and stores with data through the PTE caches) is the caller's
 * to make, in order, with mmu_access_data.
 */
void mmu_access_repeat(const mmu_repeat_slot *slot, unsigned type, uint64_t n);

/*
 * The replacement update of a hit of slot's page when its entry is not the
 * newest of its set ((*slot->order & 15) != slot->way; see mmu_repeat_slot),
 * as mmu_access makes it: the entry becomes the newest, and the set's change
 * counter moves.  Returns that counter (one of the page's gens, from
 * mmu_repeat_watch): the pages that watch it and were valid before stay
 * valid (only the order of their set changed) once their seen value is
 * brought up to date.  Call only while the slot's sets are unchanged (but
 * for other such updates), before counting the access.
 */
const uint64_t *mmu_repeat_touch(mmu *m, const mmu_repeat_slot *slot);

/*
 * The data part of a load or store (is_write) that mmu_access makes after
 * the translation, at physical address paddr: through the PTE caches when
 * data goes through them (data_through_caches), else nothing.
 */
void mmu_access_data(mmu *m, uint64_t paddr, int is_write);

/*
 * The first step of mmu_access_data, for a front end to make inline: a data
 * access whose line (paddr >> line_shift) is *line (the line the first PTE
 * cache level served last) is a first-level hit that changes no cache state;
 * mmu_access_data only counts it, in *reads or *writes (folded into the PTE
 * cache statistics when they are read).  So
 *   if ((paddr >> r.line_shift) == *r.line) ++*(is_write ? r.writes : r.reads);
 *   else mmu_access_data(m, paddr, is_write);
 * is the same as mmu_access_data(m, paddr, is_write).  Without data through
 * the PTE caches, *line is never a line (UINT64_MAX, shift 63) and the
 * counters are NULL.  The pointers are valid for the instance's life.
 */
typedef struct mmu_data_repeat {
    const uint64_t *line;
    unsigned line_shift;
    uint64_t *reads, *writes;
} mmu_data_repeat;
void mmu_get_data_repeat(mmu *m, mmu_data_repeat *out);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_MMU_H */
