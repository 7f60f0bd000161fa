/*
 * mmu_at.cpp - the approximately-timed (4-phase) protocol of the MMU module.
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

/* ---- approximately timed ---- */

tlm_sync_enum mmu_module::nb_transport_fw(tlm_generic_payload &t, tlm_phase &ph, sc_time &d)
{
    if (ph == BEGIN_REQ) {
        ms_.nb_requests++;
        if (t.has_mm())
            t.acquire();
        at_[&t] = at_state{t.get_address(), 0};
        req_peq_.notify(t, d);
        ph = END_REQ; /* accepted at once: the next request may follow */
        return TLM_UPDATED;
    }
    if (ph == END_RESP) {
        if (up_busy_ == &t) {
            up_busy_ = nullptr;
            up_free_at_ = sc_time_stamp() + d;
            up_free_ev_.notify(d);
        }
        finish(t);
        return TLM_COMPLETED;
    }
    SC_REPORT_ERROR(MSG_TYPE, "nb_transport_fw: a phase other than BEGIN_REQ or END_RESP");
    return TLM_COMPLETED;
}

/* Requests in arrival order, each translated when it arrives; they overlap in the walker pool. */
void mmu_module::at_translate_thread()
{
    for (;;) {
        wait(req_peq_.get_event());
        while (tlm_generic_payload *t = req_peq_.get_next_transaction()) {
            translation_extension *const ext = t->get_extension<translation_extension>();
            xlate x;
            enter();
            const sc_time start = sc_time_stamp();
            sc_time lat = translate(*t, ext, start, SC_ZERO_TIME, x);
            leave();
            const sc_time waited = sc_time_stamp() - start;
            lat = lat > waited ? lat - waited : SC_ZERO_TIME;
            if (x.r[x.n - 1].fault != MMU_FAULT_NONE) {
                fault(*t, ext, x, lat);
                up_peq_.notify(*t, lat);
            } else if (x.n == 2 && x.r[1].paddr != x.r[0].paddr + x.len0) {
                ms_.burst_errors++; /* AT does not split: see docs/systemc.md */
                t->set_response_status(TLM_BURST_ERROR_RESPONSE);
                up_peq_.notify(*t, lat);
            } else {
                at_[t].paddr = x.r[0].paddr;
                down_peq_.notify(*t, lat);
            }
        }
    }
}

/* The memory ended the response phase of t (or completed it) at now + d. */
void mmu_module::down_response(tlm_generic_payload &t, const sc_time &d)
{
    auto it = at_.find(&t);
    if (it != at_.end())
        t.set_address(it->second.vaddr);
    up_peq_.notify(t, d);
}

void mmu_module::down_release(tlm_generic_payload &t, const sc_time &d)
{
    if (down_busy_ != &t)
        return;
    down_busy_ = nullptr;
    down_free_at_ = sc_time_stamp() + d;
    down_free_ev_.notify(d);
}

/* Translated requests go downstream one BEGIN_REQ at a time (request exclusion rule). */
void mmu_module::down_method()
{
    while (tlm_generic_payload *t = down_peq_.get_next_transaction())
        down_queue_.push_back(t);
    while (!down_busy_ && !down_queue_.empty() && sc_time_stamp() >= down_free_at_) {
        tlm_generic_payload *t = down_queue_.front();
        down_queue_.pop_front();
        t->set_address(at_[t].paddr);
        tlm_phase ph = BEGIN_REQ;
        sc_time d = SC_ZERO_TIME;
        down_busy_ = t;
        switch (mem_socket->nb_transport_fw(*t, ph, d)) {
        case TLM_ACCEPTED:
            return; /* END_REQ comes on the backward path */
        case TLM_UPDATED:
            if (ph == END_REQ) {
                down_release(*t, d);
            } else if (ph == BEGIN_RESP) {
                down_release(*t, d);
                down_response(*t, d);
                tlm_phase end = END_RESP;
                sc_time d2 = d;
                (void)mem_socket->nb_transport_fw(*t, end, d2);
            } else {
                SC_REPORT_ERROR(MSG_TYPE, "nb_transport_fw (downstream): unexpected phase returned");
            }
            break;
        case TLM_COMPLETED:
            down_release(*t, d);
            down_response(*t, d);
            break;
        }
    }
}

tlm_sync_enum mmu_module::nb_transport_bw(tlm_generic_payload &t, tlm_phase &ph, sc_time &d)
{
    if (ph == END_REQ) {
        down_release(t, d);
        return TLM_ACCEPTED;
    }
    if (ph == BEGIN_RESP) {
        down_release(t, d); /* BEGIN_RESP implies END_REQ */
        down_response(t, d);
        ph = END_RESP;
        return TLM_COMPLETED;
    }
    SC_REPORT_ERROR(MSG_TYPE, "nb_transport_bw: a phase other than END_REQ or BEGIN_RESP");
    return TLM_COMPLETED;
}

/* Responses go upstream one BEGIN_RESP at a time (response exclusion rule). */
void mmu_module::up_method()
{
    while (tlm_generic_payload *t = up_peq_.get_next_transaction())
        up_queue_.push_back(t);
    while (!up_busy_ && !up_queue_.empty() && sc_time_stamp() >= up_free_at_) {
        tlm_generic_payload *t = up_queue_.front();
        up_queue_.pop_front();
        if (t->get_response_status() == TLM_INCOMPLETE_RESPONSE)
            t->set_response_status(TLM_OK_RESPONSE);
        tlm_phase ph = BEGIN_RESP;
        sc_time d = SC_ZERO_TIME;
        const tlm_sync_enum s = cpu_socket->nb_transport_bw(*t, ph, d);
        if (s == TLM_ACCEPTED) {
            up_busy_ = t; /* END_RESP comes on the forward path */
            return;
        }
        if (s == TLM_UPDATED && ph != END_RESP)
            SC_REPORT_ERROR(MSG_TYPE, "nb_transport_bw (upstream): unexpected phase returned");
        finish(*t);
        if (d != SC_ZERO_TIME) {
            up_free_at_ = sc_time_stamp() + d;
            up_free_ev_.notify(d);
            return;
        }
    }
}

void mmu_module::finish(tlm_generic_payload &t)
{
    if (at_.erase(&t) && t.has_mm())
        t.release();
}

} // namespace sc
} // namespace mmusim
