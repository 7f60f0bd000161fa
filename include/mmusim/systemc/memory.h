/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/systemc/memory.h - a TLM-2.0 memory with a fixed latency: the
 * memory of the example SoC, of the tests and of the benchmark.
 *
 * Storage is sparse: 64 KiB blocks allocated on the first write (or DMI
 * request); untouched memory reads as zero.  Multi-byte values in the
 * backdoor accessors are little-endian.  Loosely timed: b_transport adds
 * the latency to the delay.  Approximately timed: BEGIN_REQ is accepted at
 * once (END_REQ), the data moves then, and BEGIN_RESP follows after the
 * latency; any number of requests can be outstanding.  DMI is granted per
 * block, read and write, with the latency.  Byte enables and streaming
 * widths are honoured.  An access past size() is TLM_ADDRESS_ERROR_RESPONSE.
 */
#ifndef MMUSIM_SYSTEMC_MEMORY_H
#define MMUSIM_SYSTEMC_MEMORY_H

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_get.h>
#include <tlm_utils/simple_target_socket.h>

namespace mmusim {
namespace sc {

class memory : public sc_core::sc_module {
public:
    static constexpr unsigned BLOCK_SHIFT = 16;
    static constexpr uint64_t BLOCK_SIZE = UINT64_C(1) << BLOCK_SHIFT;

    /* Every request as it arrives (LT and AT, not debug), with its arrival time. */
    using observer = std::function<void(const tlm::tlm_generic_payload &, const sc_core::sc_time &)>;

    struct counters {
        uint64_t reads = 0, writes = 0, debug = 0, dmi_grants = 0, errors = 0;
    };

    tlm_utils::simple_target_socket<memory> socket;

    memory(sc_core::sc_module_name name, uint64_t size, const sc_core::sc_time &latency, bool allow_dmi = true);

    uint64_t size() const { return size_; }
    const sc_core::sc_time &latency() const { return latency_; }
    void set_latency(const sc_core::sc_time &t) { latency_ = t; }
    void set_dmi(bool allow) { dmi_ = allow; }
    void set_observer(observer fn) { observer_ = std::move(fn); }
    const counters &stats() const { return n_; }

    /* Backdoor: no timing, no observer.  Addresses past size() are ignored (reads give zeros). */
    void write(uint64_t addr, const void *src, size_t len);
    void read(uint64_t addr, void *dst, size_t len) const;
    void write64(uint64_t addr, uint64_t v);
    uint64_t read64(uint64_t addr) const;
    /* Tell the initiators that DMI pointers into [start, end] are stale. */
    void invalidate_dmi(uint64_t start, uint64_t end);

private:
    void b_transport(tlm::tlm_generic_payload &t, sc_core::sc_time &delay);
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &t, tlm::tlm_phase &ph, sc_core::sc_time &d);
    unsigned transport_dbg(tlm::tlm_generic_payload &t);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload &t, tlm::tlm_dmi &dmi);
    void resp_method();
    bool access(tlm::tlm_generic_payload &t);
    unsigned char *block(uint64_t addr, bool create);
    const unsigned char *block_ro(uint64_t addr) const;

    uint64_t size_;
    sc_core::sc_time latency_;
    bool dmi_;
    observer observer_;
    counters n_;
    std::unordered_map<uint64_t, std::unique_ptr<unsigned char[]>> blocks_;
    uint64_t last_key_ = UINT64_MAX;
    unsigned char *last_block_ = nullptr;

    tlm_utils::peq_with_get<tlm::tlm_generic_payload> peq_;
    std::deque<tlm::tlm_generic_payload *> queue_;
    tlm::tlm_generic_payload *busy_ = nullptr;
    sc_core::sc_time free_at_;
    sc_core::sc_event free_ev_;
};

} // namespace sc
} // namespace mmusim

#endif /* MMUSIM_SYSTEMC_MEMORY_H */
