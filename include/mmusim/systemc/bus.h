/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/systemc/bus.h - a simple TLM-2.0 interconnect: any number of
 * initiators, an address map of targets, a fixed latency per request.
 *
 * Each target port gets address ranges (map()); a request is routed by its
 * address and reaches the target with the address relative to the range's
 * base, restored before the initiator sees the response.  LT, AT (phases
 * passed through; the backward path goes to the initiator that sent the
 * request), debug transport, DMI (ranges translated back to bus addresses)
 * and DMI invalidations (broadcast to every initiator) all pass.  An address
 * no range maps is TLM_ADDRESS_ERROR_RESPONSE.  The bus does no arbitration:
 * it relies on targets that accept requests at once (as memory does), so
 * several initiators never hold one target's request phase.
 */
#ifndef MMUSIM_SYSTEMC_BUS_H
#define MMUSIM_SYSTEMC_BUS_H

#include <cstdint>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

namespace mmusim {
namespace sc {

class bus : public sc_core::sc_module {
public:
    tlm_utils::multi_passthrough_target_socket<bus> target_socket;       /* initiators bind here */
    tlm_utils::multi_passthrough_initiator_socket<bus> initiator_socket; /* targets bind here */

    bus(sc_core::sc_module_name name, const sc_core::sc_time &latency = sc_core::SC_ZERO_TIME);

    /* Route [base, base + size) to the target bound as initiator_socket's port-th binding. */
    void map(unsigned port, uint64_t base, uint64_t size);

private:
    struct range {
        unsigned port;
        uint64_t base, size;
    };
    struct route {
        int initiator;
        uint64_t addr;
    };

    const range *decode(uint64_t addr) const;
    void b_transport(int id, tlm::tlm_generic_payload &t, sc_core::sc_time &delay);
    tlm::tlm_sync_enum nb_transport_fw(int id, tlm::tlm_generic_payload &t, tlm::tlm_phase &ph, sc_core::sc_time &d);
    tlm::tlm_sync_enum nb_transport_bw(int id, tlm::tlm_generic_payload &t, tlm::tlm_phase &ph, sc_core::sc_time &d);
    unsigned transport_dbg(int id, tlm::tlm_generic_payload &t);
    bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload &t, tlm::tlm_dmi &dmi);
    void invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end);

    sc_core::sc_time latency_;
    std::vector<range> map_;
    std::unordered_map<tlm::tlm_generic_payload *, route> routes_;
};

} // namespace sc
} // namespace mmusim

#endif /* MMUSIM_SYSTEMC_BUS_H */
