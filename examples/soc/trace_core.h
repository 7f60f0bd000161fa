/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_core.h - a trace-driven CPU model for the example SoC: it reads a
 * memory-access trace (any format mmusim reads) and issues one TLM
 * transaction per access, with the translation attributes (ASID, user
 * privilege, instruction fetch, core id) in the MMU's extension.
 *
 * Issue: the core's issue rule (mmusim/driver.h, the one `mmusim run` uses):
 * an access carrying a cycle is issued at that cycle; otherwise one access
 * every `interval` cycles.  Either way no earlier than the core can:
 *   outstanding == 1  loosely timed, an in-order core: b_transport with a
 *                     tlm_quantumkeeper, the next access after the previous
 *                     one completed (in local time);
 *   outstanding  > 1  approximately timed: up to that many transactions in
 *                     flight, base-protocol phases; a transaction's slot frees
 *                     when it completes (in any order), and a page fault does
 *                     not hold back the accesses issued while it is handled
 *                     (its response comes after they issued).
 * A transaction answered with an error (a fault the OS did not resolve)
 * is counted and the core goes on.
 */
#ifndef MMUSIM_SOC_TRACE_CORE_H
#define MMUSIM_SOC_TRACE_CORE_H

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "mmusim/systemc/extension.h"

#include "mmusim/driver.h"
extern "C" {
#include "mmusim/io/trace.h"
}

namespace mmusim {
namespace soc {

class trace_core : public sc_core::sc_module {
public:
    struct options {
        std::string trace;
        mmusim_format format = MMUSIM_FMT_AUTO;
        uint32_t core_id = 0;
        uint16_t asid_offset = 0;      /* added to every access's ASID */
        uint64_t interval = 1;         /* cycles between accesses of a trace without cycles */
        unsigned outstanding = 1;      /* 1: LT; more: AT with that many in flight */
        sc_core::sc_time period;       /* core clock period */
        uint64_t max_accesses = 0;     /* 0: the whole trace */
    };
    struct results {
        uint64_t accesses = 0;
        uint64_t errors = 0;           /* transactions answered with an error status */
        uint64_t instructions = 0;
        std::string format, compression; /* of the trace, as detected */
        sc_core::sc_time finish;       /* when the last transaction completed */
        bool failed = false;           /* the trace could not be read */
        std::string error;
    };

    tlm_utils::simple_initiator_socket<trace_core> socket;

    trace_core(sc_core::sc_module_name name, const options &opt);
    ~trace_core() override;
    trace_core(const trace_core &) = delete;
    trace_core &operator=(const trace_core &) = delete;

    const results &result() const { return res_; }
    bool done() const { return done_; }
    const sc_core::sc_event &done_event() const { return done_ev_; }

private:
    struct slot {
        tlm::tlm_generic_payload gp;
        mmusim::sc::translation_extension ext;
        unsigned char data[64];
    };

    void run();
    void run_lt();
    void run_at();
    bool next(mmusim_access &a);
    void prepare(slot &s, const mmusim_access &a);
    sc_core::sc_time issue_time(const mmusim_access &a) const;
    void complete(tlm::tlm_generic_payload &t);
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload &t, tlm::tlm_phase &ph, sc_core::sc_time &d);

    options opt_;
    results res_;
    mmusim_trace *trace_ = nullptr;
    mmu_driver *drv_ = nullptr;       /* the core's issue rule (no MMU: the rule alone) */
    std::vector<mmusim_access> buf_;
    size_t pos_ = 0, fill_ = 0;
    bool eof_ = false;

    std::vector<slot *> slots_, free_;
    unsigned in_flight_ = 0;
    tlm::tlm_generic_payload *req_busy_ = nullptr;
    sc_core::sc_event slot_ev_, end_req_ev_;
    bool done_ = false;
    sc_core::sc_event done_ev_;
};

} // namespace soc
} // namespace mmusim

#endif /* MMUSIM_SOC_TRACE_CORE_H */
