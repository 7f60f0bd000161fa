/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bus.cpp - the simple TLM-2.0 interconnect (bus.h).
 */
#include "mmusim/systemc/bus.h"

#include <algorithm>

using namespace sc_core;
using namespace tlm;

namespace mmusim {
namespace sc {

bus::bus(sc_module_name name, const sc_time &latency)
    : sc_module(name), target_socket("target_socket"), initiator_socket("initiator_socket"), latency_(latency)
{
    target_socket.register_b_transport(this, &bus::b_transport);
    target_socket.register_nb_transport_fw(this, &bus::nb_transport_fw);
    target_socket.register_transport_dbg(this, &bus::transport_dbg);
    target_socket.register_get_direct_mem_ptr(this, &bus::get_direct_mem_ptr);
    initiator_socket.register_nb_transport_bw(this, &bus::nb_transport_bw);
    initiator_socket.register_invalidate_direct_mem_ptr(this, &bus::invalidate_direct_mem_ptr);
}

void bus::map(unsigned port, uint64_t base, uint64_t size)
{
    map_.push_back(range{port, base, size});
}

const bus::range *bus::decode(uint64_t addr) const
{
    for (const range &r : map_)
        if (addr >= r.base && addr - r.base < r.size)
            return &r;
    return nullptr;
}

void bus::b_transport(int, tlm_generic_payload &t, sc_time &delay)
{
    const uint64_t a = t.get_address();
    const range *r = decode(a);
    if (!r) {
        t.set_response_status(TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    delay += latency_;
    t.set_address(a - r->base);
    initiator_socket[r->port]->b_transport(t, delay);
    t.set_address(a);
}

tlm_sync_enum bus::nb_transport_fw(int id, tlm_generic_payload &t, tlm_phase &ph, sc_time &d)
{
    if (ph == BEGIN_REQ) {
        const uint64_t a = t.get_address();
        const range *r = decode(a);
        if (!r) {
            t.set_response_status(TLM_ADDRESS_ERROR_RESPONSE);
            return TLM_COMPLETED;
        }
        routes_[&t] = route{id, a};
        d += latency_;
        t.set_address(a - r->base);
        const tlm_sync_enum s = initiator_socket[r->port]->nb_transport_fw(t, ph, d);
        if (s == TLM_COMPLETED || (s == TLM_UPDATED && ph == BEGIN_RESP))
            t.set_address(a);
        if (s == TLM_COMPLETED)
            routes_.erase(&t);
        return s;
    }
    /* END_RESP: to the target that answered */
    const range *r = decode(t.get_address());
    if (!r)
        return TLM_COMPLETED;
    const tlm_sync_enum s = initiator_socket[r->port]->nb_transport_fw(t, ph, d);
    routes_.erase(&t);
    return s;
}

tlm_sync_enum bus::nb_transport_bw(int, tlm_generic_payload &t, tlm_phase &ph, sc_time &d)
{
    const auto it = routes_.find(&t);
    if (it == routes_.end()) {
        SC_REPORT_ERROR("/mmusim/bus", "nb_transport_bw: a transaction the bus did not send");
        return TLM_COMPLETED;
    }
    const route rt = it->second;
    if (ph == BEGIN_RESP)
        t.set_address(rt.addr);
    const tlm_sync_enum s = target_socket[rt.initiator]->nb_transport_bw(t, ph, d);
    if (s == TLM_COMPLETED)
        routes_.erase(&t);
    return s;
}

unsigned bus::transport_dbg(int, tlm_generic_payload &t)
{
    const uint64_t a = t.get_address();
    const range *r = decode(a);
    if (!r)
        return 0;
    t.set_address(a - r->base);
    const unsigned n = initiator_socket[r->port]->transport_dbg(t);
    t.set_address(a);
    return n;
}

bool bus::get_direct_mem_ptr(int, tlm_generic_payload &t, tlm_dmi &dmi)
{
    const uint64_t a = t.get_address();
    const range *r = decode(a);
    if (!r) {
        dmi.allow_none();
        dmi.set_start_address(a);
        dmi.set_end_address(a);
        return false;
    }
    t.set_address(a - r->base);
    const bool ok = initiator_socket[r->port]->get_direct_mem_ptr(t, dmi);
    t.set_address(a);
    const uint64_t lo = std::min<uint64_t>(dmi.get_start_address(), r->size - 1);
    const uint64_t hi = std::min<uint64_t>(dmi.get_end_address(), r->size - 1);
    if (ok && dmi.get_dmi_ptr())
        dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (lo - dmi.get_start_address()));
    dmi.set_start_address(r->base + lo);
    dmi.set_end_address(r->base + hi);
    dmi.set_read_latency(dmi.get_read_latency() + latency_);
    dmi.set_write_latency(dmi.get_write_latency() + latency_);
    return ok;
}

void bus::invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end)
{
    for (const range &r : map_) {
        if (r.port != static_cast<unsigned>(id) || start >= r.size)
            continue;
        const uint64_t lo = r.base + start;
        const uint64_t hi = r.base + std::min<uint64_t>(end, r.size - 1);
        for (unsigned i = 0; i < target_socket.size(); i++)
            target_socket[i]->invalidate_direct_mem_ptr(lo, hi);
    }
}

} // namespace sc
} // namespace mmusim
