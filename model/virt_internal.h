/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virt_internal.h - what mmu.c needs of virt.c (nested paging) and what
 * virt.c needs of the TLB, PWC and MMU internals.  docs/virtualization.md.
 */
#ifndef MMUSIM_MODEL_VIRT_INTERNAL_H
#define MMUSIM_MODEL_VIRT_INTERNAL_H

#include <stdint.h>

#include "mmusim/mmu.h"
#include "mmusim/virt.h"

typedef struct mmu_virt mmu_virt;

/* pwc.c: remove entries whose tag matches under mask (and, if by_addr, on vaddr's path). */
uint32_t mmusim_pwc_invalidate_tag(mmu_pwc *p, uint32_t tag, uint32_t mask, int by_addr,
                                   uint64_t vaddr);

/* mmu.c: invalidation of the MMU's TLBs and guest PWC for a VM (virt.c calls it on host shootdowns). */
void mmusim_mmu_vm_invalidate(mmu *m, mmu_virt_inval kind, uint16_t vmid, uint16_t asid,
                              uint64_t addr, uint64_t bytes);

/*
 * Create the nested-paging state of MMU m for guest format gfmt: the host
 * OS model, host PWC, nested TLB.  ptemem prices every reference (may be
 * NULL).  msg names the field on error.
 */
mmu_err mmusim_virt_create(mmu *m, const mmu_config *cfg, const mmu_pt_format *gfmt,
                           mmu_ptemem *ptemem, mmu_virt **out, char *msg, size_t msglen);
void mmusim_virt_destroy(mmu_virt *v);

/* The guest walk's memory port (reads guest PTEs at guest-physical addresses). */
mmu_mem_port mmusim_virt_port(mmu_virt *v);
/* The guest memory of VM vmid (default for VM 0: the MMU's memory); guest OS per VM. */
mmu_err mmusim_virt_set_memory(mmu_virt *v, uint16_t vmid, const mmu_mem_port *port);
void mmusim_virt_set_guest_os(mmu_virt *v, mmu_os *os); /* VM 0's guest OS (the attached one) */
mmu_os *mmusim_virt_guest_os(mmu_virt *v, uint16_t vmid); /* created on first use for vmid > 0 */

/* Guest root of (vmid, asid): set, or from the VM's guest OS.  1 if found. */
int mmusim_virt_get_root(mmu_virt *v, uint16_t vmid, uint16_t asid, uint64_t *root);
mmu_err mmusim_virt_set_root(mmu_virt *v, uint16_t vmid, uint16_t asid, uint64_t root);

/* Around one guest walk: begin selects the VM; end translates the final guest-physical
   address, folds the host references into res (reads, writes, latency) and counts. */
void mmusim_virt_begin(mmu_virt *v, uint16_t vmid);
void mmusim_virt_end(mmu_virt *v, const mmu_request *req, mmu_walk_result *res);

/* A functional 2D walk (no side effect, no timing) for --check and debug translations. */
mmu_err mmusim_virt_walk_debug(mmu_virt *v, const mmu_walk_opts *gopts, uint64_t groot,
                               const mmu_request *req, mmu_walk_result *res);

/* Invalidation of the nested TLB and host PWC (the MMU does its own TLBs and guest PWC). */
void mmusim_virt_invalidate(mmu_virt *v, mmu_virt_inval kind, uint16_t vmid, uint64_t addr);

const mmu_virt_stats *mmusim_virt_stats(const mmu_virt *v);
void mmusim_virt_clear_stats(mmu_virt *v);
mmu_os *mmusim_virt_host_os(const mmu_virt *v);
const mmu_pwc *mmusim_virt_host_pwc(const mmu_virt *v);
const mmu_tlb *mmusim_virt_ntlb(const mmu_virt *v);

#endif /* MMUSIM_MODEL_VIRT_INTERNAL_H */
