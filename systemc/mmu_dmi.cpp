/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmu_dmi.cpp - debug transport and DMI regions of the MMU module.
 */
#include "mmusim/systemc/mmu_module.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "module_internal.h"

using namespace sc_core;
using namespace tlm;

namespace mmusim {
namespace sc {

/* ---- debug transport and DMI ---- */

unsigned mmu_module::transport_dbg(tlm_generic_payload &t)
{
    ms_.debug++;
    const translation_extension *const ext = t.get_extension<translation_extension>();
    const uint64_t va = t.get_address();
    unsigned char *const data = t.get_data_ptr();
    const unsigned len = t.get_data_length();
    unsigned done = 0;
    const bool was = debug_walk_;
    debug_walk_ = true;
    while (done < len) {
        mmu_request req;
        make_request(t, ext, sc_time_stamp(), req);
        req.vaddr = va + done;
        req.size = 1;
        mmu_response r;
        if (mmu_translate_debug(m_, &req, &r) != MMU_OK)
            break;
        const uint64_t mask = page_mask(r.page_size);
        const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(len - done, mask - (req.vaddr & mask) + 1));
        t.set_address(r.paddr);
        t.set_data_ptr(data + done);
        t.set_data_length(chunk);
        const unsigned got = mem_socket->transport_dbg(t);
        done += std::min(got, chunk);
        if (got < chunk)
            break;
    }
    debug_walk_ = was;
    t.set_address(va);
    t.set_data_ptr(data);
    t.set_data_length(len);
    return done;
}

/* Largest lookup latency of the level-1 arrays serving fetches or data. */
uint32_t mmu_module::l1_latency(bool fetch) const
{
    const mmu_config *cfg = mmu_get_config(m_);
    const uint32_t side = fetch ? MMU_SIDE_INSTR : MMU_SIDE_DATA;
    uint32_t lat = 0;
    for (uint32_t i = 0; i < cfg->n_tlbs; i++)
        if (cfg->tlb[i].level == 1 && (cfg->tlb[i].side & side))
            lat = std::max(lat, cfg->tlb[i].latency);
    return lat;
}

bool mmu_module::get_direct_mem_ptr(tlm_generic_payload &t, tlm_dmi &dmi)
{
    const translation_extension *const ext = t.get_extension<translation_extension>();
    const bool fetch = ext && ext->fetch;
    mmu_request req;
    make_request(t, ext, sc_time_stamp(), req);
    req.size = 1;
    const uint64_t va = req.vaddr;
    auto deny = [&](uint64_t lo, uint64_t hi) {
        ms_.dmi_denials++;
        dmi.allow_none();
        dmi.set_start_address(lo);
        dmi.set_end_address(hi);
        return false;
    };

    /* Only a page the TLB holds: DMI is a cached translation.  No side effect on the model. */
    mmu_response r;
    if (mmu_translate_debug(m_, &req, &r) != MMU_OK || r.outcome != MMU_OUT_TLB)
        return deny(va & ~UINT64_C(0xFFF), va | UINT64_C(0xFFF));
    const uint64_t mask = page_mask(r.page_size);
    const uint64_t vbase = va & ~mask, pbase = r.paddr & ~mask;

    mmu_request q = req;
    mmu_response rq;
    q.type = fetch ? MMU_FETCH : MMU_READ;
    const bool rd = mmu_translate_debug(m_, &q, &rq) == MMU_OK && rq.outcome == MMU_OUT_TLB && rq.paddr == r.paddr;
    q.type = MMU_WRITE;
    bool wr = mmu_translate_debug(m_, &q, &rq) == MMU_OK && rq.outcome == MMU_OUT_TLB && rq.paddr == r.paddr;
    if (wr) {
        /* writes through DMI bypass the dirty-bit update: only for an entry cached dirty */
        mmu_tlb_entry e;
        const mmu_tlb *tlb = rq.array >= 0 ? mmu_get_tlb(m_, static_cast<uint32_t>(rq.array)) : nullptr;
        /* the TLB tag: ASID, and the VMID from bit 17 under virtualization (docs/virtualization.md) */
        const uint32_t tag = req.asid | (mmu_get_config(m_)->virt.enabled ? uint32_t{req.vmid} << 17 : 0u);
        wr = tlb && mmu_tlb_probe(tlb, va, tag, &e) && (e.flags & MMU_TLB_DIRTY);
    }
    if ((!rd && !wr) || !dmi_watch_vm(req.vmid))
        return deny(vbase, vbase | mask);

    t.set_address(r.paddr);
    const bool ok = mem_socket->get_direct_mem_ptr(t, dmi);
    t.set_address(va);
    const uint64_t plo = std::max<uint64_t>(dmi.get_start_address(), pbase);
    const uint64_t phi = std::min<uint64_t>(dmi.get_end_address(), pbase | mask);
    if (plo > phi)
        return deny(vbase, vbase | mask);
    const uint64_t vlo = vbase + (plo - pbase), vhi = vbase + (phi - pbase);
    if (!ok)
        return deny(vlo, vhi);
    unsigned access = 0;
    if (rd && dmi.is_read_allowed())
        access |= tlm_dmi::DMI_ACCESS_READ;
    if (wr && dmi.is_write_allowed())
        access |= tlm_dmi::DMI_ACCESS_WRITE;
    if (!access)
        return deny(vlo, vhi);
    dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (plo - dmi.get_start_address()));
    dmi.set_start_address(vlo);
    dmi.set_end_address(vhi);
    dmi.set_granted_access(static_cast<tlm_dmi::dmi_access_e>(access));
    const sc_time l1 = time_of(l1_latency(fetch));
    dmi.set_read_latency(dmi.get_read_latency() + l1);
    dmi.set_write_latency(dmi.get_write_latency() + l1);
    ms_.dmi_grants++;
    for (const dmi_region &g : dmi_)
        if (g.vstart == vlo && g.vend == vhi && g.asid == req.asid && g.vmid == req.vmid &&
            g.pstart == plo)
            return true;
    dmi_.push_back(dmi_region{vlo, vhi, plo, phi, vbase, vbase | mask, req.asid, req.vmid});
    return true;
}

/* Invalidate upstream the DMI regions an invalidation covers (conservatively). */
void mmu_module::dmi_drop(mmu_inval_kind kind, uint64_t lo, uint64_t hi, uint16_t asid)
{
    for (size_t i = 0; i < dmi_.size();) {
        const dmi_region g = dmi_[i];
        bool hit;
        switch (kind) {
        case MMU_INVAL_ALL:
            hit = true;
            break;
        case MMU_INVAL_ASID:
            hit = g.asid == asid;
            break;
        default: /* by address: every ASID, as global entries may map it */
            hit = g.page_lo <= hi && lo <= g.page_hi;
            break;
        }
        if (!hit) {
            i++;
            continue;
        }
        dmi_[i] = dmi_.back();
        dmi_.pop_back();
        ms_.dmi_invalidations++;
        cpu_socket->invalidate_direct_mem_ptr(g.vstart, g.vend);
    }
}

void mmu_module::dmi_drop_physical(uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < dmi_.size();) {
        const dmi_region g = dmi_[i];
        if (!(g.pstart <= hi && lo <= g.pend)) {
            i++;
            continue;
        }
        dmi_[i] = dmi_.back();
        dmi_.pop_back();
        ms_.dmi_invalidations++;
        cpu_socket->invalidate_direct_mem_ptr(g.vstart, g.vend);
    }
}

void mmu_module::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end)
{
    dmi_drop_physical(start, end);
}

} // namespace sc
} // namespace mmusim
