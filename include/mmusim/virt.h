/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/virt.h - virtualization: nested (two-dimensional) paging under a
 * hypervisor model.  docs/virtualization.md describes the design.
 *
 * With virtualization on, every request belongs to a virtual machine
 * (mmu_request.vmid).  The guest walk (walker.format) reads guest page
 * tables at guest-physical addresses; each of those addresses, and the
 * final guest-physical address, is translated by a host walk of the VM's
 * host tables (virt.host_format: Intel EPT, AMD nested paging, Arm stage 2,
 * RISC-V G-stage).  The host walk plugs into the guest walk's memory port,
 * so the walk loop stays one loop.  TLB entries map guest-virtual straight
 * to host-physical and are tagged with VMID and ASID; guest PWC entries with
 * VMID and ASID; a nested TLB caches guest-physical -> host-physical; host
 * PWC entries are tagged with the VMID.
 *
 * The host tables are built by a host instance of the OS model (one host
 * "process" per VM, whose virtual addresses are the VM's guest-physical
 * addresses); a host fault is an EPT violation / stage-2 fault: a VM exit
 * priced as exit + hypervisor handler + entry.
 */
#ifndef MMUSIM_VIRT_H
#define MMUSIM_VIRT_H

#include <stdint.h>

#include "mmusim/hist.h"
#include "mmusim/os.h"
#include "mmusim/pagetable.h"
#include "mmusim/pwc.h"
#include "mmusim/tlb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* VMIDs 0 .. MMU_VIRT_MAX_VMS-1. */
#define MMU_VIRT_MAX_VMS 64

/* Configuration: the [virt] section (and [virt.ntlb], [virt.pwc.l1] .. [virt.pwc.l4]). */
typedef struct mmu_virt_config {
    uint32_t enabled;           /* 1: nested paging */
    char host_format[MMU_NAME_MAX]; /* "ept", "ept5", "amd_npt", "aarch64_s2_4k", "sv39x4", ... */
    uint32_t host_ad;           /* mmu_ad_mode of host walks (ept: hardware = EPTP bit 6 set, none = clear) */
    uint32_t ntlb_entries;      /* nested TLB (gPA -> hPA); 0: none */
    uint32_t ntlb_ways;
    uint32_t ntlb_policy;       /* mmu_repl_policy */
    uint32_t ntlb_latency;      /* cycles of a lookup */
    mmu_pwc_config host_pwc;    /* host paging-structure caches, by host level */
    uint32_t exit_cycles;       /* VM exit (hardware world switch out) */
    uint32_t handler_cycles;    /* hypervisor handler of an EPT violation / stage-2 fault */
    uint32_t entry_cycles;      /* VM entry (world switch back in) */
    uint64_t host_mem;          /* bytes of host physical memory */
    uint64_t host_swap;         /* bytes of host swap; 0 = unlimited */
    uint32_t host_thp;          /* 1: host backs guest memory with huge pages where it can */
} mmu_virt_config;

/* Defaults: off; EPT; nested TLB 32 entries fully associative LRU, 1 cycle
   (Zen-like); host PWC as the guest's defaults; exit/handler/entry as
   docs/virtualization.md gives; 16 GiB of host memory; host THP off. */
void mmu_virt_config_defaults(mmu_virt_config *cfg);

/* Counters of the two-dimensional walks. */
typedef struct mmu_virt_stats {
    uint64_t walks;                            /* guest walks made under nested paging */
    uint64_t guest_reads[MMU_PT_MAX_LEVELS];   /* guest PTE reads, by guest level */
    uint64_t guest_writes;                     /* guest PTE writes (A/D) */
    uint64_t host_reads[MMU_PT_MAX_LEVELS];    /* host PTE reads, by host level */
    uint64_t host_writes;                      /* host PTE writes (A/D) */
    uint64_t gpa_xlates;                       /* guest-physical addresses translated (PTE + final) */
    uint64_t gpa_final;                        /* ... of which final (data) addresses */
    uint64_t ntlb_lookups, ntlb_hits;          /* nested TLB */
    uint64_t host_walks;                       /* host walks (nested TLB misses), faults included */
    uint64_t exits[MMU_OS_FAULT_KINDS];        /* VM exits for host faults, by what the host did */
    uint64_t exit_cycles;                      /* cycles of those exits (exit + handler + entry + host work) */
    uint64_t failed;                           /* host translations that failed (host out of memory) */
    mmu_hist latency;                          /* cycles of each 2D walk (guest walk + every host translation) */
} mmu_virt_stats;

/* Invalidation kinds of a hypervisor (mmu_virt_invalidate). */
typedef enum mmu_virt_inval {
    MMU_VINVAL_ALL = 0,       /* everything: TLB, guest PWC, nested TLB, host PWC */
    MMU_VINVAL_VMID = 1,      /* every TLB, guest-PWC, nested-TLB and host-PWC entry of vmid */
    MMU_VINVAL_VMID_ASID = 2, /* TLB and guest-PWC entries of (vmid, asid) */
    MMU_VINVAL_VMID_GVA = 3,  /* TLB entries of (vmid, asid) mapping addr; guest-PWC entries on its path */
    MMU_VINVAL_GPA = 4        /* host level: nested-TLB entries of (vmid, addr as a gPA), vmid's host
                                 PWC, and vmid's TLB entries (they cannot be found by gPA: INVEPT) */
} mmu_virt_inval;

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_VIRT_H */
