/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * module_internal.h - what the files of the SystemC MMU module share
 * (systemc/): mmu_module.cpp construction, LT transport and control,
 * mmu_at.cpp the approximately-timed protocol, mmu_dmi.cpp debug transport
 * and DMI, mmu_cosim.cpp PTE references on the memory socket,
 * mmu_registers.cpp the register socket, mmu_reports.cpp statistics and
 * reports.
 */
#ifndef MMUSIM_SYSTEMC_MODULE_INTERNAL_H
#define MMUSIM_SYSTEMC_MODULE_INTERNAL_H

#include <cstdint>

#include "mmusim/systemc/mmu_module.h"

namespace mmusim {
namespace sc {

/* The message type of every SC_REPORT of the module. */
static const char *const MSG_TYPE = "/mmusim/mmu_module";

inline uint64_t page_mask(unsigned page_size)
{
    return (UINT64_C(1) << mmu_page_shift(static_cast<mmu_page_size>(page_size))) - 1;
}

/*
 * The per-transaction helpers, inline here so that b_transport and the AT
 * thread compile them into their own bodies (no calls on the hit path).
 */
inline void mmu_module::make_request(const tlm::tlm_generic_payload &t, const translation_extension *ext,
                                     const sc_core::sc_time &when, mmu_request &req) const
{
    const uint32_t len0 = t.get_data_length();
    const uint32_t sw = t.get_streaming_width();
    /* a streaming burst (0 < sw < length) touches [address, address + sw) */
    const uint32_t len = sw - 1u < len0 ? sw : len0;
    req.vaddr = t.get_address();
    req.cycle = cycle_of(when);
    req.size = len ? len : 1;
    if (ext) {
        req.asid = ext->asid;
        req.vmid = ext->vmid;
        req.priv = static_cast<uint8_t>(ext->priv);
        req.type = t.is_write() ? MMU_WRITE : ext->fetch ? MMU_FETCH : MMU_READ;
    } else {
        req.asid = opt_.default_asid;
        req.vmid = opt_.default_vmid;
        req.priv = static_cast<uint8_t>(opt_.default_priv);
        req.type = t.is_write() ? MMU_WRITE : opt_.default_fetch ? MMU_FETCH : MMU_READ;
    }
}

/* One translation at a time (see busy_). */
inline void mmu_module::enter()
{
    while (busy_) {
        waiters_++;
        wait(free_ev_);
        waiters_--;
    }
    busy_ = true;
}

inline void mmu_module::leave()
{
    busy_ = false;
    if (waiters_)
        free_ev_.notify();
}

/*
 * Translate the access of t issued at now (sc_time_stamp()) + offset; fills
 * x and the extension's results.  Returns the translation latency as time.
 */
inline sc_core::sc_time mmu_module::translate(tlm::tlm_generic_payload &t, translation_extension *ext,
                                              const sc_core::sc_time &now, const sc_core::sc_time &offset,
                                              xlate &x)
{
    make_request(t, ext, now + offset, x.req);
    port_offset_ = offset;
    rep_.vpn = UINT64_MAX; /* the repeat page is the last LT translation's (rep_remember) */
    x.n = mmu_access(m_, &x.req, x.r);
    const mmu_response &last = x.r[x.n - 1];
    if (__builtin_expect(x.n == 2, 0)) {
        ms_.crossings++;
        x.len0 = static_cast<uint32_t>((x.req.vaddr | page_mask(x.r[0].page_size)) - x.req.vaddr + 1);
    }
    if (x.req.cycle < ms_.first_cycle)
        ms_.first_cycle = x.req.cycle;
    if (last.done_cycle > ms_.last_cycle)
        ms_.last_cycle = last.done_cycle;
    if (ext) {
        ext->translated = true;
        ext->response = last;
        ext->fault.valid = false;
    }
    const uint64_t ticks = den_ == 1 ? (last.done_cycle - x.req.cycle) * num_
                                     : ticks_at(last.done_cycle) - ticks_at(x.req.cycle);
    if (ticks != lat_ticks_) { /* a hit stream takes the same latency again and again */
        lat_ticks_ = ticks;
        lat_time_ = sc_core::sc_time::from_value(ticks);
    }
    return lat_time_;
}

} // namespace sc
} // namespace mmusim

#endif /* MMUSIM_SYSTEMC_MODULE_INTERNAL_H */
