/*
 * mmu_cosim.cpp - co-simulation: PTE references of the MMU module on its memory socket.
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

/* ---- co-simulation: PTE references on mem_socket ---- */

uint32_t mmu_module::port_read(void *ctx, uint64_t pa, uint64_t *v)
{
    return static_cast<mmu_module *>(ctx)->pte_access(false, pa, v);
}

/* A read for a walk with no side effects (a joined or debug walk): transport_dbg. */
uint32_t mmu_module::port_read_dbg(void *ctx, uint64_t pa, uint64_t *v)
{
    auto *self = static_cast<mmu_module *>(ctx);
    const bool saved = self->debug_walk_;
    self->debug_walk_ = true;
    (void)self->pte_access(false, pa, v);
    self->debug_walk_ = saved;
    return 0;
}

uint32_t mmu_module::port_write(void *ctx, uint64_t pa, uint64_t v)
{
    return static_cast<mmu_module *>(ctx)->pte_access(true, pa, &v);
}

/*
 * One 8-byte PTE reference (little-endian), at the translation's local
 * time.  Its latency in cycles is what the memory annotated plus what it
 * waited, rounded up.  A reference the memory refuses reads as 0 (not
 * present) and is counted in pte_errors.
 */
uint32_t mmu_module::pte_access(bool write, uint64_t pa, uint64_t *v)
{
    unsigned char buf[8];
    if (write)
        for (int i = 0; i < 8; i++)
            buf[i] = static_cast<unsigned char>(*v >> (8 * i));
    bool ok;
    uint32_t cycles = 0;
    if (debug_walk_) {
        if (write)
            return 0; /* debug walks never write */
        tlm_generic_payload p;
        p.set_command(TLM_READ_COMMAND);
        p.set_address(pa);
        p.set_data_ptr(buf);
        p.set_data_length(8);
        p.set_streaming_width(8);
        ok = mem_socket->transport_dbg(p) == 8;
    } else {
        tlm_generic_payload &p = pte_payload_;
        p.set_command(write ? TLM_WRITE_COMMAND : TLM_READ_COMMAND);
        p.set_address(pa);
        p.set_data_ptr(buf);
        p.set_data_length(8);
        p.set_streaming_width(8);
        p.set_byte_enable_ptr(nullptr);
        p.set_byte_enable_length(0);
        p.set_dmi_allowed(false);
        p.set_response_status(TLM_INCOMPLETE_RESPONSE);
        const sc_time before = sc_time_stamp();
        sc_time d = port_offset_;
        mem_socket->b_transport(p, d);
        const uint64_t spent = (sc_time_stamp() - before).value() + d.value();
        const uint64_t base = port_offset_.value();
        const uint64_t ticks = spent > base ? spent - base : 0;
        const uint64_t c = (ticks + period_ticks_ - 1) / period_ticks_;
        cycles = c > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(c);
        ok = p.is_response_ok();
        if (write)
            ms_.pte_writes++;
        else
            ms_.pte_reads++;
    }
    if (!ok) {
        ms_.pte_errors++;
        if (!write)
            *v = 0;
        return cycles;
    }
    if (!write) {
        uint64_t x = 0;
        for (int i = 0; i < 8; i++)
            x |= static_cast<uint64_t>(buf[i]) << (8 * i);
        *v = x;
    }
    return cycles;
}

} // namespace sc
} // namespace mmusim
