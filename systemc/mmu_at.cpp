/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmu_at.cpp - the approximately-timed (4-phase base protocol) path of the
 * MMU module.
 *
 *   initiator            module                         downstream
 *   BEGIN_REQ  ------->  translate (latency)
 *                        BEGIN_REQ  ------------------>
 *              <-------  END_REQ    <------------------  END_REQ
 *              <-------  BEGIN_RESP <------------------  BEGIN_RESP
 *   END_RESP   ------->  END_RESP   ------------------>
 *
 * The request phase stays open upstream until the downstream one ended, so
 * the downstream link's backpressure reaches the initiator; the response
 * phase stays open downstream until the initiator ended it upstream.  Every
 * shortcut a base-protocol peer may take (TLM_UPDATED, TLM_COMPLETED,
 * BEGIN_RESP in place of END_REQ) is understood.  Calls that go upstream
 * in response to a downstream event are made from the module's own
 * processes, at the annotated time, never from inside the downstream call.
 *
 * An access crossing onto a frame that is not contiguous with the first is
 * split: two downstream transactions, the second after the first's
 * response; the response upstream is the second's (or the first error).
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

tlm_sync_enum mmu_module::nb_transport_fw(tlm_generic_payload &t, tlm_phase &ph, sc_time &d)
{
    if (ph == BEGIN_REQ) {
        ms_.nb_requests++;
        if (t.has_mm())
            t.acquire();
        at_state &st = at_[&t];
        st = at_state();
        st.vaddr = t.get_address();
        req_peq_.notify(t, d); /* translated when it arrives */
        return TLM_ACCEPTED;   /* END_REQ when the downstream request phase ended */
    }
    if (ph == END_RESP) {
        if (up_busy_ == &t) {
            up_busy_ = nullptr;
            up_free_at_ = sc_time_stamp() + d;
            up_free_ev_.notify(d);
        }
        at_end_resp(t, d);
        return TLM_COMPLETED;
    }
    SC_REPORT_ERROR(MSG_TYPE, "nb_transport_fw: a phase other than BEGIN_REQ or END_RESP");
    return TLM_COMPLETED;
}

/* A payload for a piece of a split access. */
tlm_generic_payload *mmu_module::piece_get()
{
    if (piece_pool_.empty()) {
        pieces_.emplace_back(new tlm_generic_payload());
        return pieces_.back().get();
    }
    tlm_generic_payload *g = piece_pool_.back();
    piece_pool_.pop_back();
    return g;
}

/* END_REQ upstream (the request phase of t ended downstream, or t was answered without going there). */
void mmu_module::at_end_req(tlm_generic_payload &t, at_state &st)
{
    st.req_ended = true;
    tlm_phase ph = END_REQ;
    sc_time d = SC_ZERO_TIME;
    const tlm_sync_enum s = cpu_socket->nb_transport_bw(t, ph, d);
    if (s != TLM_ACCEPTED)
        SC_REPORT_ERROR(MSG_TYPE, "nb_transport_bw (upstream): END_REQ not answered TLM_ACCEPTED");
    if (st.resp_waiting) {
        st.resp_waiting = false;
        up_peq_.notify(t, SC_ZERO_TIME);
    }
}

/*
 * BEGIN_REQ of g downstream; returns when its request phase ended (at that
 * time).  last: g carries t's response upstream; otherwise (the first piece
 * of a split) it also waits for g's response and ends it at once.
 * Returns false if the first piece failed.
 */
bool mmu_module::at_send_down(tlm_generic_payload &g, bool last)
{
    down_wait_ = &g;
    down_end_req_ = down_resp_ = false;
    tlm_phase ph = BEGIN_REQ;
    sc_time d = SC_ZERO_TIME;
    const tlm_sync_enum s = mem_socket->nb_transport_fw(g, ph, d);
    tlm_generic_payload *const parent = last ? (parent_.count(&g) ? parent_[&g] : &g) : nullptr;
    bool respond = false; /* the response came with the call */
    if (s == TLM_UPDATED && ph == END_REQ) {
        down_end_req_ = true;
        down_at_ = sc_time_stamp() + d;
    } else if (s == TLM_UPDATED && ph == BEGIN_RESP) {
        down_end_req_ = down_resp_ = true;
        down_at_ = sc_time_stamp() + d;
        respond = true;
        if (last)
            at_[parent].owe_end_resp = true;
    } else if (s == TLM_COMPLETED) {
        down_end_req_ = down_resp_ = true;
        down_at_ = sc_time_stamp() + d;
        respond = true;
    } else if (s == TLM_UPDATED) {
        SC_REPORT_ERROR(MSG_TYPE, "nb_transport_fw (downstream): unexpected phase returned for BEGIN_REQ");
    }
    while (!down_end_req_)
        wait(down_ev_);
    if (down_at_ > sc_time_stamp())
        wait(down_at_ - sc_time_stamp());
    if (last) {
        down_wait_ = nullptr;
        at_state &st = at_[parent];
        if (respond)
            st.resp_waiting = true;
        return true;
    }
    /* the first piece: its response, ended at once */
    while (!down_resp_)
        wait(down_ev_);
    if (down_at_ > sc_time_stamp())
        wait(down_at_ - sc_time_stamp());
    down_wait_ = nullptr;
    if (s == TLM_UPDATED && ph == BEGIN_RESP) {
        tlm_phase end = END_RESP;
        sc_time z = SC_ZERO_TIME;
        (void)mem_socket->nb_transport_fw(g, end, z);
    }
    return g.is_response_ok();
}

/* Downstream: t (or both pieces) after its translation x. */
void mmu_module::at_forward(tlm_generic_payload &t, at_state &st, const xlate &x)
{
    if (x.n == 1 || x.r[1].paddr == x.r[0].paddr + x.len0) {
        st.down = &t;
        t.set_address(x.r[0].paddr);
        (void)at_send_down(t, true);
        at_end_req(t, st);
        return;
    }
    if (!splittable(t, x)) {
        ms_.burst_errors++;
        t.set_response_status(TLM_BURST_ERROR_RESPONSE);
        at_end_req(t, st);
        up_peq_.notify(t, SC_ZERO_TIME);
        return;
    }
    ms_.splits++;
    unsigned char *const data = t.get_data_ptr();
    const unsigned len = t.get_data_length();
    unsigned char *const be = t.get_byte_enable_ptr();
    const unsigned be_len = t.get_byte_enable_length();
    const unsigned off[2] = {0, x.len0};
    const unsigned n[2] = {x.len0, len - x.len0};
    for (int p = 0; p < 2; p++) {
        tlm_generic_payload *g = piece_get();
        st.piece[p] = g;
        parent_[g] = &t;
        g->set_command(t.get_command());
        g->set_address(x.r[p].paddr);
        g->set_data_ptr(data + off[p]);
        g->set_data_length(n[p]);
        g->set_streaming_width(n[p]);
        if (be && be_len >= len) {
            g->set_byte_enable_ptr(be + off[p]);
            g->set_byte_enable_length(be_len - off[p]);
        } else {
            g->set_byte_enable_ptr(be);
            g->set_byte_enable_length(be_len);
        }
        g->set_dmi_allowed(false);
        g->set_response_status(TLM_INCOMPLETE_RESPONSE);
    }
    st.down = st.piece[0];
    if (!at_send_down(*st.piece[0], false)) {
        t.set_response_status(st.piece[0]->get_response_status());
        st.down = nullptr;
        at_end_req(t, st);
        up_peq_.notify(t, SC_ZERO_TIME);
        return;
    }
    st.down = st.piece[1];
    (void)at_send_down(*st.piece[1], true);
    at_end_req(t, st);
}

/* Requests in arrival order: translate, then downstream; the next waits for this one's END_REQ. */
void mmu_module::at_translate_thread()
{
    for (;;) {
        tlm_generic_payload *t = req_peq_.get_next_transaction();
        if (!t) {
            wait(req_peq_.get_event());
            continue;
        }
        translation_extension *const ext = t->get_extension<translation_extension>();
        xlate x;
        sc_time lat = SC_ZERO_TIME;
        uint64_t pa;
        const int r = (t->get_address() >> rep_.shift) == rep_.vpn ? repeat_answer(*t, ext, lat, pa) : 0;
        if (r) { /* the repeat path (as LT): a level-1 hit of one page, its data now (as mmu_access) */
            if (r == 2)
                mmu_access_data(m_, pa, t->is_write());
            x.req.vaddr = t->get_address();
            x.n = 1;
            x.r[0] = rep_.resp; /* (at_forward reads the physical address, the fault test below none) */
            x.r[0].paddr = pa;
            if (lat > SC_ZERO_TIME)
                wait(lat);
        } else {
            enter();
            const sc_time start = sc_time_stamp();
            lat = translate(*t, ext, start, SC_ZERO_TIME, x);
            rep_note(x);
            leave();
            const sc_time waited = sc_time_stamp() - start;
            if (lat > waited)
                wait(lat - waited);
        }
        at_state &st = at_[t];
        if (x.r[x.n - 1].fault != MMU_FAULT_NONE) {
            fault(*t, ext, x, SC_ZERO_TIME);
            at_end_req(*t, st);
            up_peq_.notify(*t, SC_ZERO_TIME);
            continue;
        }
        at_forward(*t, st, x);
    }
}

tlm_sync_enum mmu_module::nb_transport_bw(tlm_generic_payload &g, tlm_phase &ph, sc_time &d)
{
    if (ph == END_REQ) {
        if (down_wait_ == &g && !down_end_req_) {
            down_end_req_ = true;
            down_at_ = sc_time_stamp() + d;
            down_ev_.notify(d);
        }
        return TLM_ACCEPTED;
    }
    if (ph != BEGIN_RESP) {
        SC_REPORT_ERROR(MSG_TYPE, "nb_transport_bw: a phase other than END_REQ or BEGIN_RESP");
        return TLM_COMPLETED;
    }
    const auto pit = parent_.find(&g);
    tlm_generic_payload *const t = pit == parent_.end() ? &g : pit->second;
    auto it = at_.find(t);
    const bool first_piece = it != at_.end() && it->second.piece[0] == &g && it->second.piece[1] != nullptr &&
                             it->second.down == &g;
    if (down_wait_ == &g) {
        if (!down_end_req_) { /* BEGIN_RESP implies END_REQ */
            down_end_req_ = true;
            down_at_ = sc_time_stamp() + d;
        }
        if (first_piece) {
            down_resp_ = true;
            down_at_ = sc_time_stamp() + d;
            down_ev_.notify(d);
            ph = END_RESP; /* a piece's response is the module's: ended at once */
            return TLM_COMPLETED;
        }
        down_ev_.notify(d);
    }
    if (it == at_.end()) {
        SC_REPORT_ERROR(MSG_TYPE, "nb_transport_bw: BEGIN_RESP of a transaction the module does not hold");
        ph = END_RESP;
        return TLM_COMPLETED;
    }
    at_state &st = it->second;
    st.owe_end_resp = true; /* held open until the initiator ends it */
    if (st.req_ended)
        up_peq_.notify(*t, d);
    else
        st.resp_waiting = true; /* after END_REQ goes upstream (the translate thread) */
    return TLM_ACCEPTED;
}

/* Responses go upstream one BEGIN_RESP at a time (response exclusion rule), with their timing. */
void mmu_module::up_method()
{
    while (tlm_generic_payload *t = up_peq_.get_next_transaction())
        up_queue_.push_back(t);
    while (!up_busy_ && !up_queue_.empty() && sc_time_stamp() >= up_free_at_) {
        tlm_generic_payload *t = up_queue_.front();
        up_queue_.pop_front();
        auto it = at_.find(t);
        if (it != at_.end()) {
            t->set_address(it->second.vaddr);
            const at_state &st = it->second;
            if (st.piece[1] && st.down == st.piece[1] && t->get_response_status() == TLM_INCOMPLETE_RESPONSE)
                t->set_response_status(st.piece[1]->get_response_status());
        }
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
            SC_REPORT_ERROR(MSG_TYPE, "nb_transport_bw (upstream): unexpected phase returned for BEGIN_RESP");
        at_end_resp(*t, d);
        if (d != SC_ZERO_TIME) {
            up_free_at_ = sc_time_stamp() + d;
            up_free_ev_.notify(d);
            return;
        }
    }
}

/* The initiator ended the response of t at now + d: end it downstream too, and let t go. */
void mmu_module::at_end_resp(tlm_generic_payload &t, const sc_time &d)
{
    auto it = at_.find(&t);
    if (it == at_.end())
        return;
    at_state &st = it->second;
    if (st.owe_end_resp && st.down) {
        st.owe_end_resp = false;
        tlm_phase ph = END_RESP;
        sc_time dd = d;
        (void)mem_socket->nb_transport_fw(*st.down, ph, dd);
    }
    finish(t);
}

void mmu_module::finish(tlm_generic_payload &t)
{
    auto it = at_.find(&t);
    if (it == at_.end())
        return;
    for (tlm_generic_payload *g : it->second.piece) {
        if (!g)
            continue;
        parent_.erase(g);
        g->set_data_ptr(nullptr);
        g->set_byte_enable_ptr(nullptr);
        piece_pool_.push_back(g);
    }
    t.set_address(it->second.vaddr);
    at_.erase(it);
    if (t.has_mm())
        t.release();
}

} // namespace sc
} // namespace mmusim
