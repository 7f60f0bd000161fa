/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virt.c - nested (two-dimensional) paging: the host walk behind the guest
 * walk's memory port, the nested TLB, the host PWC, the host OS model (the
 * hypervisor's memory manager) and its VM exits, and the per-VM guest
 * memories and guest OS models.  docs/virtualization.md.
 *
 * The guest walk (pt_walk.c, unchanged) reads each guest PTE through the
 * port of mmusim_virt_port(): the port translates the PTE's guest-physical
 * address (nested TLB, else a host walk through the host PWC), reads the
 * word from the VM's guest-physical memory, and prices the reference at its
 * host-physical address with the PTE memory model.  mmusim_virt_end then
 * translates the final guest-physical address the same way and folds the
 * host references into the walk's result.  A cold walk of n guest and m host
 * levels thus makes n(m+1) + m = (n+1)(m+1)-1 references.
 *
 * Guest memory holds the guest page tables at guest-physical addresses (the
 * guest OS model's own sparse memory); the host OS model's memory holds the
 * host tables at host-physical addresses.  Data bytes are not copied to
 * host-physical memory: a reference is read from the guest memory and priced
 * at its host-physical address, which is all the model needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmusim/pagetable.h"
#include "pt_internal.h"
#include "tlb_internal.h"
#include "virt_internal.h"

#define MAX_HOST_FAULTS 4 /* host faults one guest-physical translation may resolve */

struct vm;

struct sd_ctx {
    mmu_virt *v;
    uint16_t vmid;
};

struct vm {
    mmu_mem_port mem; /* guest-physical memory */
    mmu_os *os;       /* guest OS model, or NULL */
    int owns_os;
    uint64_t *roots;  /* guest roots by ASID, + 1; NULL until one is set */
    uint64_t host_root; /* + 1; 0 until asked of the host OS */
    struct sd_ctx sd;
};

struct mmu_virt {
    mmu *m;
    mmu_virt_config cfg;
    const mmu_pt_format *gfmt, *hfmt;
    mmu_walk_opts hopts, hdebug;
    mmu_pwc *hpwc;
    mmu_tlb *ntlb; /* NULL: no nested TLB */
    mmu_os *host;
    mmu_mem_port hmem;
    mmu_mem_port hport; /* host walks: host memory priced by ptemem */
    mmu_ptemem *ptemem;
    struct vm *vm[MMU_VIRT_MAX_VMS];
    struct vm *cur;
    uint16_t vmid;
    uint8_t pte_type; /* access type of the host translation of a guest PTE read */
    uint8_t failed;   /* a host translation of this walk failed: its fault cause */
    uint8_t dfailed;  /* the same, in a debug walk */
    uint32_t h_reads, h_writes;
    mmu_virt_stats st;
};

/* One guest-physical -> host-physical translation. */
struct gx {
    uint64_t hpa;
    uint8_t shift; /* log2 of the host page size */
    uint8_t ps;    /* mmu_page_size of the host page */
    uint8_t flags; /* MMU_TLB_* of the host leaf */
};

void mmu_virt_config_defaults(mmu_virt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->host_format, sizeof cfg->host_format, "%s", "ept");
    cfg->host_ad = MMU_AD_DEFAULT;
    cfg->ntlb_entries = 32;
    cfg->ntlb_ways = 32;
    cfg->ntlb_policy = MMU_REPL_LRU;
    cfg->ntlb_latency = 1;
    mmu_pwc_config_defaults(&cfg->host_pwc, mmu_pt_format_find("ept"));
    cfg->exit_cycles = 700;
    cfg->handler_cycles = 3200;
    cfg->entry_cycles = 700;
    cfg->host_mem = UINT64_C(16) << 30;
    cfg->host_swap = 0;
    cfg->host_thp = 0;
}

static uint32_t clamp32(uint64_t x)
{
    return x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
}

/* ---------------------------------------------------------------- host memory port */

static uint32_t hport_read(void *ctx, uint64_t hpa, uint64_t *val)
{
    mmu_virt *v = ctx;
    uint64_t lat = v->hmem.read64(v->hmem.ctx, hpa, val);
    if (v->ptemem)
        lat += mmu_ptemem_access(v->ptemem, hpa, 0, MMU_PTEMEM_SRC_PTE, NULL);
    return clamp32(lat);
}

static uint32_t hport_write(void *ctx, uint64_t hpa, uint64_t val)
{
    mmu_virt *v = ctx;
    uint64_t lat = v->hmem.write64(v->hmem.ctx, hpa, val);
    if (v->ptemem)
        lat += mmu_ptemem_access(v->ptemem, hpa, 1, MMU_PTEMEM_SRC_PTE, NULL);
    return clamp32(lat);
}

static uint32_t hdebug_read(void *ctx, uint64_t hpa, uint64_t *val)
{
    const mmu_virt *v = ctx;
    if (v->hmem.debug_read64)
        (void)v->hmem.debug_read64(v->hmem.ctx, hpa, val);
    else
        (void)v->hmem.read64(v->hmem.ctx, hpa, val);
    return 0;
}

static uint32_t no_write(void *ctx, uint64_t pa, uint64_t val)
{
    (void)ctx;
    (void)pa;
    (void)val;
    return 0;
}

/* ---------------------------------------------------------------- VMs */

static void guest_shootdown(void *ctx, uint16_t asid, uint64_t vaddr, mmu_page_size size)
{
    struct sd_ctx *sd = ctx;
    mmusim_mmu_vm_invalidate(sd->v->m, MMU_VINVAL_VMID_GVA, sd->vmid, asid, vaddr,
                             UINT64_C(1) << mmu_page_shift(size));
}

/* A host mapping of VM asid (= vmid) changed: INVEPT / TLBI VMALLS12E1 for that VM. */
static void host_shootdown(void *ctx, uint16_t vmid, uint64_t gpa, mmu_page_size size)
{
    mmu_virt *v = ctx;
    uint64_t bytes = UINT64_C(1) << mmu_page_shift(size);
    if (v->ntlb)
        (void)tlb_invalidate_tag(v->ntlb, vmid, 0xFFFFu, gpa, bytes);
    (void)mmusim_pwc_invalidate_tag(v->hpwc, vmid, ~0u, 1, gpa);
    mmusim_mmu_vm_invalidate(v->m, MMU_VINVAL_GPA, vmid, 0, gpa, bytes);
}

static struct vm *get_vm(mmu_virt *v, uint16_t vmid)
{
    if (vmid >= MMU_VIRT_MAX_VMS)
        return NULL;
    if (!v->vm[vmid]) {
        struct vm *n = calloc(1, sizeof *n);
        if (!n)
            return NULL;
        n->sd.v = v;
        n->sd.vmid = vmid;
        v->vm[vmid] = n;
    }
    return v->vm[vmid];
}

mmu_err mmusim_virt_set_memory(mmu_virt *v, uint16_t vmid, const mmu_mem_port *port)
{
    struct vm *vm = get_vm(v, vmid);
    if (!vm)
        return vmid >= MMU_VIRT_MAX_VMS ? MMU_ERANGE : MMU_ENOMEM;
    if (port)
        vm->mem = *port;
    else
        memset(&vm->mem, 0, sizeof vm->mem);
    return MMU_OK;
}

void mmusim_virt_set_guest_os(mmu_virt *v, mmu_os *os)
{
    struct vm *vm = get_vm(v, 0);
    if (vm)
        vm->os = os;
}

mmu_os *mmusim_virt_guest_os(mmu_virt *v, uint16_t vmid)
{
    struct vm *vm = get_vm(v, vmid);
    if (!vm)
        return NULL;
    if (vm->os || vmid == 0)
        return vm->os;
    /* a further VM: a guest OS like VM 0's, in its own guest-physical memory */
    struct vm *vm0 = v->vm[0];
    if (!vm0 || !vm0->os)
        return NULL;
    mmu_os *os;
    if (mmu_os_create(mmu_os_get_config(vm0->os), v->gfmt, &os) != MMU_OK)
        return NULL;
    if (mmu_os_add_shootdown_target(os, guest_shootdown, &vm->sd) != MMU_OK) {
        mmu_os_destroy(os);
        return NULL;
    }
    vm->os = os;
    vm->owns_os = 1;
    vm->mem = *mmu_os_port(os);
    return os;
}

mmu_err mmusim_virt_set_root(mmu_virt *v, uint16_t vmid, uint16_t asid, uint64_t root)
{
    struct vm *vm = get_vm(v, vmid);
    if (!vm)
        return vmid >= MMU_VIRT_MAX_VMS ? MMU_ERANGE : MMU_ENOMEM;
    if (!vm->roots) {
        vm->roots = calloc(UINT32_C(1) << 16, sizeof *vm->roots);
        if (!vm->roots)
            return MMU_ENOMEM;
    }
    if (vm->roots[asid] && vm->roots[asid] != root + 1)
        mmusim_mmu_vm_invalidate(v->m, MMU_VINVAL_VMID_ASID, vmid, asid, 0, 0);
    vm->roots[asid] = root + 1;
    return MMU_OK;
}

int mmusim_virt_get_root(mmu_virt *v, uint16_t vmid, uint16_t asid, uint64_t *root)
{
    struct vm *vm = get_vm(v, vmid);
    if (!vm)
        return 0;
    if (vm->roots && vm->roots[asid]) {
        *root = vm->roots[asid] - 1;
        return 1;
    }
    mmu_os *os = mmusim_virt_guest_os(v, vmid);
    if (!os)
        return 0;
    uint64_t r = mmu_os_root(os, asid);
    if (r == MMU_OS_NO_ROOT || mmusim_virt_set_root(v, vmid, asid, r) != MMU_OK)
        return 0;
    *root = r;
    return 1;
}

static int host_root(mmu_virt *v, struct vm *vm, uint64_t *root)
{
    if (!vm->host_root) {
        uint64_t r = mmu_os_root(v->host, v->vmid);
        if (r == MMU_OS_NO_ROOT)
            return 0;
        vm->host_root = r + 1;
    }
    *root = vm->host_root - 1;
    return 1;
}

/* ---------------------------------------------------------------- create / destroy */

mmu_err mmusim_virt_create(mmu *m, const mmu_config *cfg, const mmu_pt_format *gfmt,
                           mmu_ptemem *ptemem, mmu_virt **out, char *msg, size_t msglen)
{
    const mmu_virt_config *vc = &cfg->virt;
    *out = NULL;
    mmu_virt *v = calloc(1, sizeof *v);
    if (!v)
        return MMU_ENOMEM;
    v->m = m;
    v->cfg = *vc;
    v->gfmt = gfmt;
    v->hfmt = mmu_pt_format_find(vc->host_format);
    v->ptemem = ptemem;
    mmu_err e = MMU_OK;
    const char *what = "virt";
    if (!v->hfmt || !v->hfmt->host) {
        e = MMU_ECONFIG;
        what = "virt.host_format";
    }
    mmu_walk_opts_defaults(v->hfmt, &v->hopts);
    v->hopts.ad_mode = (uint8_t)vc->host_ad;
    v->hdebug = v->hopts;
    v->hdebug.flags |= MMU_WALK_FUNCTIONAL;
    v->hdebug.ad_mode = MMU_AD_NONE;
    /* Intel EPT with A/D enabled: guest paging-structure accesses count as writes (EPT D) */
    v->pte_type = MMU_READ;
    if (v->hfmt && v->hfmt->ops == &mmusim_pt_ept_ops &&
        (vc->host_ad == MMU_AD_HW || (vc->host_ad == MMU_AD_DEFAULT && v->hfmt->ad_default == MMU_AD_HW)))
        v->pte_type = MMU_WRITE;
    if (e == MMU_OK) {
        mmu_pwc_config pc = vc->host_pwc;
        memset(&pc.level[0], 0, sizeof pc.level[0]);
        for (unsigned l = v->hfmt->levels; l < MMU_PT_MAX_LEVELS; l++)
            memset(&pc.level[l], 0, sizeof pc.level[l]);
        what = "virt.pwc";
        e = mmu_pwc_create(&pc, v->hfmt, &v->hpwc);
    }
    if (e == MMU_OK && vc->ntlb_entries) {
        mmu_tlb_config tc;
        mmu_tlb_config_defaults(&tc, "ntlb");
        tc.entries = vc->ntlb_entries;
        tc.ways = vc->ntlb_ways;
        tc.policy = vc->ntlb_policy;
        tc.latency = vc->ntlb_latency;
        tc.page_sizes = v->hfmt->page_sizes;
        tc.seed = cfg->seed + 0x4e544c42u;
        what = "virt.ntlb";
        e = mmu_tlb_create(&tc, &v->ntlb);
    }
    if (e == MMU_OK) {
        mmu_os_config oc = cfg->os;
        oc.phys_mem = vc->host_mem;
        oc.swap_size = vc->host_swap;
        oc.thp = vc->host_thp;
        /* os.frame_ranges / pt_ranges place guest-physical frames; host frames start at 0 */
        memset(&oc.frame_ranges, 0, sizeof oc.frame_ranges);
        memset(&oc.pt_ranges, 0, sizeof oc.pt_ranges);
        oc.clock_mhz = cfg->clock_mhz;
        oc.seed = cfg->seed ^ UINT64_C(0x686f7374); /* "host" */
        oc.trap_entry = vc->exit_cycles;
        oc.trap_return = vc->entry_cycles;
        oc.minor_handler = vc->handler_cycles;
        what = "virt (host OS)";
        e = mmu_os_config_check(&oc, v->hfmt, msg, msglen);
        if (e == MMU_OK)
            e = mmu_os_create(&oc, v->hfmt, &v->host);
        if (e == MMU_OK)
            e = mmu_os_add_shootdown_target(v->host, host_shootdown, v);
    }
    if (e != MMU_OK) {
        if (msg && msglen && (e != MMU_ECONFIG || !msg[0]))
            snprintf(msg, msglen, "%s: %s", what, mmu_strerror(e));
        mmusim_virt_destroy(v);
        return e;
    }
    v->hmem = *mmu_os_port(v->host);
    v->hport.ctx = v;
    v->hport.read64 = hport_read;
    v->hport.write64 = hport_write;
    if (!get_vm(v, 0)) {
        mmusim_virt_destroy(v);
        return MMU_ENOMEM;
    }
    v->cur = v->vm[0];
    *out = v;
    return MMU_OK;
}

void mmusim_virt_destroy(mmu_virt *v)
{
    if (!v)
        return;
    for (unsigned i = 0; i < MMU_VIRT_MAX_VMS; i++) {
        struct vm *vm = v->vm[i];
        if (!vm)
            continue;
        if (vm->owns_os) {
            (void)mmu_os_remove_shootdown_target(vm->os, guest_shootdown, &vm->sd);
            mmu_os_destroy(vm->os);
        }
        free(vm->roots);
        free(vm);
    }
    if (v->host)
        (void)mmu_os_remove_shootdown_target(v->host, host_shootdown, v);
    mmu_os_destroy(v->host);
    mmu_pwc_destroy(v->hpwc);
    mmu_tlb_destroy(v->ntlb);
    free(v);
}

/* ---------------------------------------------------------------- translation */

static void gx_from_walk(const mmu_walk_result *h, struct gx *o)
{
    o->hpa = h->paddr;
    o->shift = h->page_shift;
    o->ps = h->page_size;
    o->flags = h->tlb_flags;
}

/* Translate gpa for an access of the given type; returns its cycles.  Sets v->failed on failure. */
static uint32_t xlate(mmu_virt *v, uint64_t gpa, mmu_access_type type, struct gx *o)
{
    uint64_t lat = 0;
    v->st.gpa_xlates++;
    if (v->ntlb) {
        mmu_tlb_entry e;
        lat += v->cfg.ntlb_latency;
        v->st.ntlb_lookups++;
        if (tlb_lookup(v->ntlb, gpa, v->vmid, type, &e) &&
            (type != MMU_WRITE || (e.flags & MMU_TLB_DIRTY))) {
            v->st.ntlb_hits++;
            o->shift = (uint8_t)tlb_page_shift(e.page_size);
            o->ps = e.page_size;
            o->flags = e.flags;
            o->hpa = e.pbase | (gpa & ((UINT64_C(1) << o->shift) - 1));
            return clamp32(lat);
        }
    }
    uint64_t root;
    mmu_walk_result h;
    if (!v->cur || !host_root(v, v->cur, &root)) {
        v->failed = MMU_FAULT_NOT_PRESENT;
        v->st.failed++;
        memset(o, 0, sizeof *o);
        return clamp32(lat);
    }
    for (unsigned tries = 0;; tries++) {
        (void)mmu_walk(v->hfmt, root, &v->hport, v->hpwc, gpa, type, MMU_PRIV_USER, v->vmid,
                       &v->hopts, &h);
        v->st.host_walks++;
        for (unsigned i = 0; i < h.reads; i++)
            if (h.first_level - (int)i >= 0)
                v->st.host_reads[h.first_level - (int)i]++;
        v->st.host_writes += h.writes;
        v->h_reads += h.reads;
        v->h_writes += h.writes;
        lat += h.latency;
        if (h.fault == MMU_FAULT_NONE)
            break;
        /* an EPT violation / stage-2 fault: a VM exit to the hypervisor's memory manager */
        mmu_os_fault_result r;
        if (tries >= MAX_HOST_FAULTS ||
            mmu_os_handle_fault(v->host, v->vmid, gpa, type, MMU_PRIV_USER, &h, &r) != MMU_OK ||
            r.kind == MMU_OS_FAULT_PROTECTION) {
            v->failed = h.fault;
            v->st.failed++;
            memset(o, 0, sizeof *o);
            return clamp32(lat);
        }
        v->st.exits[r.kind]++;
        v->st.exit_cycles += r.lat.total;
        lat += r.lat.total;
    }
    gx_from_walk(&h, o);
    if (v->ntlb) {
        mmu_tlb_entry e;
        mmu_walk_tlb_entry(&h, v->vmid, &e);
        e.flags &= (uint8_t)~MMU_TLB_GLOBAL;
        e.vmid = 0; /* the nested TLB's tag is the VMID in the ASID field */
        (void)mmu_tlb_insert(v->ntlb, &e, NULL, NULL);
    }
    return clamp32(lat);
}

static uint32_t nested_read(void *ctx, uint64_t gpa, uint64_t *val)
{
    mmu_virt *v = ctx;
    struct gx o;
    uint64_t lat = xlate(v, gpa, (mmu_access_type)v->pte_type, &o);
    const struct vm *vm = v->cur;
    if (vm && vm->mem.read64)
        lat += vm->mem.read64(vm->mem.ctx, gpa, val);
    else
        *val = 0;
    if (v->failed)
        *val = 0; /* no host mapping: the guest walk sees an invalid entry */
    else if (v->ptemem)
        lat += mmu_ptemem_access(v->ptemem, o.hpa, 0, MMU_PTEMEM_SRC_PTE, NULL);
    return clamp32(lat);
}

static uint32_t nested_write(void *ctx, uint64_t gpa, uint64_t val)
{
    mmu_virt *v = ctx;
    struct gx o;
    uint64_t lat = xlate(v, gpa, MMU_WRITE, &o);
    const struct vm *vm = v->cur;
    if (v->failed)
        return clamp32(lat);
    if (vm && vm->mem.write64)
        lat += vm->mem.write64(vm->mem.ctx, gpa, val);
    if (v->ptemem)
        lat += mmu_ptemem_access(v->ptemem, o.hpa, 1, MMU_PTEMEM_SRC_PTE, NULL);
    return clamp32(lat);
}

mmu_mem_port mmusim_virt_port(mmu_virt *v)
{
    mmu_mem_port p = {v, nested_read, nested_write, NULL};
    return p;
}

void mmusim_virt_begin(mmu_virt *v, uint16_t vmid)
{
    v->vmid = vmid;
    v->cur = get_vm(v, vmid);
    v->failed = 0;
    v->h_reads = v->h_writes = 0;
}

/* The TLB entry of a 2D translation: the smaller of the guest and host pages (splintering). */
static void combine(mmu_walk_result *res, uint64_t gva, const struct gx *o)
{
    if (o->shift < res->page_shift) {
        res->page_shift = o->shift;
        res->page_size = o->ps;
        res->vbase = gva & ~((UINT64_C(1) << o->shift) - 1);
    }
    res->paddr = o->hpa;
    res->pbase = o->hpa & ~((UINT64_C(1) << res->page_shift) - 1);
    /* no global entries across VMs; a host page not yet dirty keeps writes walking */
    uint8_t f = (uint8_t)(res->tlb_flags & ~MMU_TLB_GLOBAL);
    if (!(o->flags & MMU_TLB_DIRTY))
        f &= (uint8_t)~MMU_TLB_DIRTY;
    res->tlb_flags = f;
}

static uint8_t add8(unsigned a, unsigned b)
{
    return (uint8_t)(a + b > 255 ? 255 : a + b);
}

void mmusim_virt_end(mmu_virt *v, const mmu_request *req, mmu_walk_result *res)
{
    v->st.walks++;
    for (unsigned i = 0; i < res->reads; i++)
        if (res->first_level - (int)i >= 0)
            v->st.guest_reads[res->first_level - (int)i]++;
    v->st.guest_writes += res->writes;
    if (res->fault == MMU_FAULT_NONE && !v->failed) {
        struct gx o;
        res->mem_latency = clamp32((uint64_t)res->mem_latency +
                                   xlate(v, res->paddr, (mmu_access_type)req->type, &o));
        v->st.gpa_final++;
        if (!v->failed)
            combine(res, req->vaddr, &o);
    }
    if (v->failed) {
        res->fault = v->failed;
        res->fault_level = -1;
    }
    res->reads = add8(res->reads, v->h_reads);
    res->writes = add8(res->writes, v->h_writes);
    res->latency = clamp32((uint64_t)res->mem_latency + res->pwc_latency);
    mmu_hist_add(&v->st.latency, res->latency);
}

/* ---------------------------------------------------------------- functional walk */

static int dxlate(mmu_virt *v, uint64_t gpa, mmu_access_type type, struct gx *o)
{
    uint64_t root;
    mmu_walk_result h;
    mmu_mem_port dp = {v, hdebug_read, no_write, NULL};
    if (!v->cur || !v->cur->host_root)
        return 0;
    root = v->cur->host_root - 1;
    (void)mmu_walk(v->hfmt, root, &dp, NULL, gpa, type, MMU_PRIV_USER, v->vmid, &v->hdebug, &h);
    if (h.fault != MMU_FAULT_NONE)
        return 0;
    gx_from_walk(&h, o);
    return 1;
}

/*
 * A guest PTE in a debug walk.  Its host mapping is walked too, but its
 * absence is not a failure: the host may have swapped a guest page-table
 * page out since the TLB entry being checked was made, which leaves that
 * entry valid (the next real walk takes a VM exit for it).
 */
static uint32_t debug_nested_read(void *ctx, uint64_t gpa, uint64_t *val)
{
    mmu_virt *v = ctx;
    struct gx o;
    const struct vm *vm = v->cur;
    *val = 0;
    (void)dxlate(v, gpa, MMU_READ, &o);
    if (vm && vm->mem.debug_read64)
        (void)vm->mem.debug_read64(vm->mem.ctx, gpa, val);
    else if (vm && vm->mem.read64)
        (void)vm->mem.read64(vm->mem.ctx, gpa, val);
    return 0;
}

mmu_err mmusim_virt_walk_debug(mmu_virt *v, const mmu_walk_opts *gopts, uint64_t groot,
                               const mmu_request *req, mmu_walk_result *res)
{
    struct vm *saved = v->cur;
    uint16_t saved_vmid = v->vmid;
    v->vmid = req->vmid;
    v->cur = req->vmid < MMU_VIRT_MAX_VMS ? v->vm[req->vmid] : NULL;
    v->dfailed = 0;
    mmu_mem_port dp = {v, debug_nested_read, no_write, NULL};
    mmu_access_type type = req->type < MMU_ACCESS_TYPES ? (mmu_access_type)req->type : MMU_READ;
    (void)mmu_walk(v->gfmt, groot, &dp, NULL, req->vaddr, type, (mmu_priv)req->priv,
                   req->asid | (uint32_t)req->vmid << TLB_VMID_SHIFT, gopts, res);
    if (res->fault == MMU_FAULT_NONE && !v->dfailed) {
        struct gx o;
        if (dxlate(v, res->paddr, type, &o))
            combine(res, req->vaddr, &o);
        else
            v->dfailed = MMU_FAULT_NOT_PRESENT;
    }
    if (v->dfailed) {
        res->fault = v->dfailed;
        res->fault_level = -1;
    }
    v->cur = saved;
    v->vmid = saved_vmid;
    return res->fault == MMU_FAULT_NONE ? MMU_OK : MMU_EFAULT;
}

/* ---------------------------------------------------------------- invalidation, figures */

void mmusim_virt_invalidate(mmu_virt *v, mmu_virt_inval kind, uint16_t vmid, uint64_t addr)
{
    switch (kind) {
    case MMU_VINVAL_ALL:
        if (v->ntlb)
            (void)mmu_tlb_invalidate(v->ntlb, MMU_INVAL_ALL, 0, 0);
        (void)mmu_pwc_invalidate(v->hpwc, MMU_INVAL_ALL, 0, 0);
        break;
    case MMU_VINVAL_VMID:
        if (v->ntlb)
            (void)tlb_invalidate_tag(v->ntlb, vmid, 0xFFFFu, 0, 0);
        (void)mmusim_pwc_invalidate_tag(v->hpwc, vmid, ~0u, 0, 0);
        break;
    case MMU_VINVAL_GPA:
        if (v->ntlb)
            (void)tlb_invalidate_tag(v->ntlb, vmid, 0xFFFFu, addr, 1);
        (void)mmusim_pwc_invalidate_tag(v->hpwc, vmid, ~0u, 1, addr);
        break;
    default: /* guest-level kinds touch no host structure */
        break;
    }
}

const mmu_virt_stats *mmusim_virt_stats(const mmu_virt *v)
{
    return &v->st;
}

void mmusim_virt_clear_stats(mmu_virt *v)
{
    memset(&v->st, 0, sizeof v->st);
    mmu_os_clear_stats(v->host); /* the MMU owns the host OS: its figures follow the warm-up */
    mmu_pwc_clear_stats(v->hpwc);
    if (v->ntlb)
        mmu_tlb_clear_stats(v->ntlb);
}

mmu_os *mmusim_virt_host_os(const mmu_virt *v)
{
    return v->host;
}

const mmu_pwc *mmusim_virt_host_pwc(const mmu_virt *v)
{
    return v->hpwc;
}

const mmu_tlb *mmusim_virt_ntlb(const mmu_virt *v)
{
    return v->ntlb;
}
