/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmu_registers.cpp - the register socket of the MMU module.
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

/* ---- registers ---- */

uint64_t mmu_module::ctrl_read(uint64_t off) const
{
    const fault_record &f = last_fault_;
    switch (off) {
    case REG_ID:
        return REG_ID_VALUE;
    case REG_ASID:
        return reg_asid_;
    case REG_ROOT: {
        const auto it = roots_.find(static_cast<uint16_t>(reg_asid_));
        return it == roots_.end() ? 0 : it->second;
    }
    case REG_INVAL_ADDR:
        return reg_inval_addr_;
    case REG_FAULT_STATUS:
        if (!f.valid)
            return 0;
        return (irq_pending_ ? 1u : 0u) | (static_cast<uint64_t>(f.cause) << 8) |
               (static_cast<uint64_t>(f.level + 1) << 16) | (static_cast<uint64_t>(f.type) << 24) |
               (static_cast<uint64_t>(f.priv == MMU_PRIV_SUPER) << 26) | (static_cast<uint64_t>(f.asid) << 32);
    case REG_FAULT_ADDR:
        return f.valid ? f.vaddr : 0;
    case REG_FAULT_COUNT:
        return ms_.faults;
    case REG_CTRL:
        return irq_enable_ ? 1 : 0;
    case REG_REQUESTS:
        return stats().requests;
    case REG_WALKS:
        return stats().walks;
    default:
        return 0; /* write-only */
    }
}

/* Returns false for a write the register refuses (read-only, bad value). */
bool mmu_module::ctrl_write(uint64_t off, uint64_t v)
{
    switch (off) {
    case REG_ASID:
        if (v > 0xFFFF)
            return false;
        reg_asid_ = v;
        return true;
    case REG_ROOT:
        return set_root(static_cast<uint16_t>(reg_asid_), v) == MMU_OK;
    case REG_INVAL_ADDR:
        reg_inval_addr_ = v;
        return true;
    case REG_INVAL:
        if (v > MMU_INVAL_ADDR_ASID)
            return false;
        invalidate(static_cast<mmu_inval_kind>(v), reg_inval_addr_, static_cast<uint16_t>(reg_asid_));
        return true;
    case REG_FAULT_ACK:
        clear_fault();
        return true;
    case REG_CTRL:
        set_irq_enable(v & 1);
        return true;
    default:
        return false; /* read-only */
    }
}

static bool reg_decoded(uint64_t off)
{
    return off < REG_SIZE && off <= REG_WALKS;
}

unsigned mmu_module::ctrl_access(tlm_generic_payload &t, bool debug)
{
    const uint64_t a = t.get_address();
    const unsigned len = t.get_data_length();
    unsigned char *const p = t.get_data_ptr();
    if (t.get_byte_enable_ptr()) {
        t.set_response_status(TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return 0;
    }
    if ((len != 4 && len != 8) || t.get_streaming_width() < len || a % len) {
        t.set_response_status(TLM_BURST_ERROR_RESPONSE);
        return 0;
    }
    const uint64_t off = a & ~UINT64_C(7);
    const unsigned shift = static_cast<unsigned>(a & 4) * 8;
    if (!reg_decoded(off)) {
        t.set_response_status(TLM_ADDRESS_ERROR_RESPONSE);
        return 0;
    }
    if (t.is_read()) {
        const uint64_t v = ctrl_read(off) >> shift;
        for (unsigned i = 0; i < len; i++)
            p[i] = static_cast<unsigned char>(v >> (8 * i));
    } else if (t.is_write()) {
        if (debug)
            return 0; /* debug writes have no side effects: refused */
        uint64_t v = 0;
        for (unsigned i = 0; i < len; i++)
            v |= static_cast<uint64_t>(p[i]) << (8 * i);
        if (shift || !ctrl_write(off, v)) {
            t.set_response_status(TLM_COMMAND_ERROR_RESPONSE);
            return 0;
        }
    }
    t.set_response_status(TLM_OK_RESPONSE);
    return len;
}

void mmu_module::ctrl_b_transport(tlm_generic_payload &t, sc_time &)
{
    (void)ctrl_access(t, false);
}

unsigned mmu_module::ctrl_transport_dbg(tlm_generic_payload &t)
{
    return ctrl_access(t, true);
}

} // namespace sc
} // namespace mmusim
