/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_core.cpp - the trace-driven CPU model of the example SoC (trace_core.h).
 */
#include "trace_core.h"

#include <algorithm>
#include <cstring>

#include <tlm_utils/tlm_quantumkeeper.h>

using namespace sc_core;
using namespace tlm;

namespace mmusim {
namespace soc {

static const size_t BATCH = 4096;

trace_core::trace_core(sc_module_name name, const options &opt) : sc_module(name), socket("socket"), opt_(opt)
{
    socket.register_nb_transport_bw(this, &trace_core::nb_transport_bw);
    const unsigned n = std::max(1u, opt_.outstanding);
    for (unsigned i = 0; i < n; i++) {
        slot *s = new slot;
        s->gp.set_extension(&s->ext);
        slots_.push_back(s);
        free_.push_back(s);
    }
    buf_.resize(BATCH);
    char err[1024];
    /* the core's issue rule (driver.h), in sc_time ticks; what is in flight is bounded by the
       slots here (the blocking b_transport in LT), so the driver keeps one */
    mmu_core_config core;
    mmu_core_config_defaults(&core);
    core.issue_interval = opt_.interval > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(opt_.interval);
    core.max_outstanding = 1;
    if (mmu_driver_create(nullptr, &core, &drv_, err, sizeof err) != MMU_OK) {
        drv_ = nullptr;
        res_.failed = true;
        res_.error = err;
    } else {
        mmu_driver_set_ticks_per_cycle(drv_, opt_.period.value());
    }
    if (drv_ && mmusim_trace_open(opt_.trace.c_str(), opt_.format, &trace_, err, sizeof err) < 0) {
        trace_ = nullptr;
        res_.failed = true;
        res_.error = err;
    }
    SC_HAS_PROCESS(trace_core);
    SC_THREAD(run);
}

trace_core::~trace_core()
{
    for (slot *s : slots_) {
        s->gp.clear_extension(&s->ext);
        delete s;
    }
    if (trace_)
        mmusim_trace_close(trace_);
    mmu_driver_destroy(drv_);
}

bool trace_core::next(mmusim_access &a)
{
    if (opt_.max_accesses && res_.accesses >= opt_.max_accesses)
        return false;
    if (pos_ == fill_) {
        if (eof_ || !trace_)
            return false;
        char err[1024];
        const long n = mmusim_trace_read(trace_, buf_.data(), buf_.size(), err, sizeof err);
        if (n < 0) {
            res_.failed = true;
            res_.error = err;
            eof_ = true;
            return false;
        }
        if (n == 0) {
            eof_ = true;
            return false;
        }
        pos_ = 0;
        fill_ = static_cast<size_t>(n);
    }
    a = buf_[pos_++];
    return true;
}

void trace_core::prepare(slot &s, const mmusim_access &a)
{
    tlm_generic_payload &t = s.gp;
    const unsigned len = std::min<uint32_t>(std::max<uint32_t>(a.size, 1), sizeof s.data);
    t.set_command(a.type == MMU_WRITE ? TLM_WRITE_COMMAND : TLM_READ_COMMAND);
    t.set_address(a.vaddr);
    t.set_data_ptr(s.data);
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_byte_enable_ptr(nullptr);
    t.set_byte_enable_length(0);
    t.set_dmi_allowed(false);
    t.set_response_status(TLM_INCOMPLETE_RESPONSE);
    s.ext.asid = static_cast<uint16_t>(a.asid + opt_.asid_offset);
    s.ext.priv = MMU_PRIV_USER;
    s.ext.fetch = a.type == MMU_FETCH;
    s.ext.core_id = opt_.core_id;
}

/* When access a may issue by the core's issue rule (its cycle, or the interval after the previous). */
sc_time trace_core::issue_time(const mmusim_access &a) const
{
    return sc_time::from_value(mmu_driver_next_issue(drv_, a.has_cycle, opt_.period.value() * a.cycle));
}

void trace_core::run()
{
    if (opt_.outstanding <= 1)
        run_lt();
    else
        run_at();
    if (trace_) {
        res_.instructions = mmusim_trace_instructions(trace_);
        res_.format = mmusim_format_name(mmusim_trace_format(trace_));
        res_.compression = mmusim_trace_compression(trace_);
    }
    res_.finish = sc_time_stamp();
    done_ = true;
    done_ev_.notify(SC_ZERO_TIME);
}

void trace_core::run_lt()
{
    tlm_utils::tlm_quantumkeeper qk;
    qk.reset();
    slot &s = *slots_[0];
    mmusim_access a;
    while (next(a)) {
        const sc_time target = issue_time(a);
        const sc_time now = qk.get_current_time();
        if (target > now)
            qk.inc(target - now);
        const sc_time issue = qk.get_current_time();
        prepare(s, a);
        s.ext.translated = false;
        sc_time delay = qk.get_local_time();
        socket->b_transport(s.gp, delay);
        qk.set(delay);
        /* blocking: the access completed when b_transport returned */
        mmu_driver_record(drv_, a.has_cycle, issue.value(), qk.get_current_time().value(),
                          s.ext.translated && s.ext.response.page_faults);
        res_.accesses++;
        if (!s.gp.is_response_ok())
            res_.errors++;
        if (qk.need_sync())
            qk.sync();
    }
    qk.sync();
}

void trace_core::complete(tlm_generic_payload &t)
{
    if (!t.is_response_ok())
        res_.errors++;
    for (slot *s : slots_)
        if (&s->gp == &t)
            free_.push_back(s);
    in_flight_--;
    slot_ev_.notify(SC_ZERO_TIME);
}

void trace_core::run_at()
{
    mmusim_access a;
    while (next(a)) {
        while (free_.empty())
            wait(slot_ev_);
        while (req_busy_)
            wait(end_req_ev_);
        const sc_time target = issue_time(a);
        if (target > sc_time_stamp())
            wait(target - sc_time_stamp());
        /* the completion comes later; the slots bound what is in flight */
        mmu_driver_record(drv_, a.has_cycle, sc_time_stamp().value(), sc_time_stamp().value(), 0);
        slot *s = free_.back();
        free_.pop_back();
        prepare(*s, a);
        in_flight_++;
        res_.accesses++;
        tlm_phase ph = BEGIN_REQ;
        sc_time d = SC_ZERO_TIME;
        switch (socket->nb_transport_fw(s->gp, ph, d)) {
        case TLM_ACCEPTED:
            req_busy_ = &s->gp;
            break;
        case TLM_UPDATED:
            if (ph == BEGIN_RESP) {
                tlm_phase end = END_RESP;
                sc_time d2 = d;
                (void)socket->nb_transport_fw(s->gp, end, d2);
                complete(s->gp);
            }
            if (d != SC_ZERO_TIME)
                wait(d);
            break;
        case TLM_COMPLETED:
            complete(s->gp);
            break;
        }
    }
    while (in_flight_)
        wait(slot_ev_);
}

tlm_sync_enum trace_core::nb_transport_bw(tlm_generic_payload &t, tlm_phase &ph, sc_time &)
{
    if (req_busy_ == &t) {
        req_busy_ = nullptr;
        end_req_ev_.notify(SC_ZERO_TIME);
    }
    if (ph == BEGIN_RESP) {
        complete(t);
        ph = END_RESP;
        return TLM_COMPLETED;
    }
    return TLM_ACCEPTED; /* END_REQ */
}

} // namespace soc
} // namespace mmusim
