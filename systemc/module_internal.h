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

/*
 * The repeat path (options::repeat; docs/systemc.md, "The repeat path"): t,
 * issued at now (sc_time_stamp()) + delay, whose first byte the caller found
 * in the page rep_ holds (the last translation's, a level-1 hit the model's
 * hit filter answers), of the same
 * ASID, VMID, privilege and an access type answered there, within the page,
 * nothing changed in the TLBs since, at the cycle the filter said yes or
 * later: mmu_access would answer it from the filter.  It is answered here
 * the same way: the physical address page base | offset (*pa), the level-1
 * latency (added to delay), the filter's response in the extension,
 * counted where the filter counts it (mmu_access_repeat, inline: folded
 * into the model's counters whenever they are read).  Returns 0 if t is
 * not a repeat (nothing done), 1 if answered, 2 if answered and its data is
 * still to go through the PTE-cache model (mmu_access_data(m_, *pa,
 * t.is_write()), before the transaction goes on; the first step of
 * mmu_access_data, the line the first level served last, is made here).
 * (No translation is in progress: translate() empties the page before
 * calling the model, and the page is set again only after the model
 * returned, before leave().)
 */
inline int mmu_module::repeat_answer(tlm::tlm_generic_payload &t, translation_extension *ext,
                                     sc_core::sc_time &delay, uint64_t &pa)
{
    const uint64_t va = t.get_address();
    const uint32_t len0 = t.get_data_length();
    const uint32_t sw = t.get_streaming_width();
    const uint32_t len = sw - 1u < len0 ? sw : len0;
    const uint64_t last = va + ((len ? len : 1) - 1);
    unsigned type;
    uint64_t key;
    if (ext) {
        type = t.is_write() ? MMU_WRITE : ext->fetch ? MMU_FETCH : MMU_READ;
        key = ext->asid | static_cast<uint64_t>(ext->vmid) << 16 | static_cast<uint64_t>(ext->priv) << 32;
    } else {
        type = t.is_write() ? MMU_WRITE : opt_.default_fetch ? MMU_FETCH : MMU_READ;
        key = opt_.default_asid | static_cast<uint64_t>(opt_.default_vmid) << 16 |
              static_cast<uint64_t>(opt_.default_priv) << 32;
    }
    if ((((last >> rep_.shift) ^ rep_.vpn) | (key ^ rep_.key) | (*rep_.tlb_changes ^ rep_.changes)) != 0 ||
        !((rep_.types >> type) & 1))
        return 0;
    /* cycle_of and ticks_at without their 128-bit cases (the full path takes those) */
    const uint64_t v = simcontext()->time_stamp().value() + delay.value();
    const uint64_t cycle = div_num_.div(v * den_);
    if (v > max_v_ || cycle < rep_.cycle || cycle + rep_.lat > max_c_)
        return 0;
    ++rep_.slot.pend[type]; /* mmu_access_repeat(&rep_.slot, type, 1) */
    ms_.repeats++;
    pa = rep_.pbase | (va & rep_.mask);
    const uint64_t done = cycle + rep_.lat;
    /* (first_cycle: cycle >= rep_.cycle, which the translation that set the page counted;
       clear_stats empties the page) */
    if (done > ms_.last_cycle)
        ms_.last_cycle = done;
    if (ext) {
        ext->translated = true;
        ext->response = rep_.resp;
        ext->response.paddr = pa;
        ext->response.done_cycle = done;
        ext->fault.valid = false;
    }
    if (den_ == 1) {
        delay += rep_.lat_time; /* rep_.lat periods */
    } else {
        /* ticks_at(done) - ticks_at(cycle): floor or ceil of rep_.lat * num_ / den_ */
        const uint64_t ticks = div_den_.div(done * num_ + (den_ - 1)) - div_den_.div(cycle * num_ + (den_ - 1));
        delay += ticks == rep_.lat_ticks_lo ? rep_.lat_time : rep_.lat_time_hi;
    }
    if (rep_.data) {
        if ((pa >> drep_.line_shift) != *drep_.line)
            return 2;
        ++*(type == MMU_WRITE ? drep_.writes : drep_.reads);
    }
    return 1;
}

/* After translation x (LT or AT, before leave()): remember its page on the second in a row. */
inline void mmu_module::rep_note(const xlate &x)
{
    if (opt_.repeat && x.n == 1) {
        const uint64_t vpn = x.req.vaddr >> rep_.shift;
        if (__builtin_expect(vpn == rep_.last_vpn, 0))
            rep_remember(x);
        else
            rep_.last_vpn = vpn;
    }
}

} // namespace sc
} // namespace mmusim

#endif /* MMUSIM_SYSTEMC_MODULE_INTERNAL_H */
