/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmu_cosim.cpp - co-simulation: PTE references of the MMU module on its
 * memory socket, and the static map's tables built in that memory.
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
        const uint64_t c = cycles_in(ticks);
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

/* ---- static map: the tables built in the memory behind mem_socket ---- */

/* A table word written by debug transport; a write the memory refuses is counted. */
uint32_t mmu_module::map_write(void *ctx, uint64_t pa, uint64_t v)
{
    auto *self = static_cast<mmu_module *>(ctx);
    unsigned char buf[8];
    for (int i = 0; i < 8; i++)
        buf[i] = static_cast<unsigned char>(v >> (8 * i));
    tlm_generic_payload p;
    p.set_command(TLM_WRITE_COMMAND);
    p.set_address(pa);
    p.set_data_ptr(buf);
    p.set_data_length(8);
    p.set_streaming_width(8);
    if (self->mem_socket->transport_dbg(p) != 8 && self->map_errors_++ == 0)
        self->map_error_addr_ = pa;
    return 0;
}

int mmu_module::map_root(void *ctx, uint16_t asid, uint64_t *root)
{
    *root = mmu_map_root(&static_cast<const mmu_module *>(ctx)->map_tables_, asid);
    return 1;
}

/* Every ASID the map does not name walks the global regions' root; faults go to the requester. */
void mmu_module::set_map_handler()
{
    const mmu_fault_handler h = {this, &mmu_module::map_root, nullptr};
    mmu_set_fault_handler(m_, &h);
}

void mmu_module::build_static_map()
{
    map_pending_ = false;
    const mmu_mem_port port = {this, &mmu_module::port_read_dbg, &mmu_module::map_write,
                               &mmu_module::port_read_dbg};
    char msg[512];
    mmu_err e = mmu_map_build(&map_cfg_, mmu_get_format(m_), &port, &map_tables_, msg, sizeof msg);
    if (e == MMU_OK && map_errors_) {
        std::snprintf(msg, sizeof msg,
                      "static map: the memory behind mem_socket refused %llu debug writes of the page tables "
                      "(the first at 0x%llx): map.table_base must name memory that accepts transport_dbg writes",
                      static_cast<unsigned long long>(map_errors_), static_cast<unsigned long long>(map_error_addr_));
        e = MMU_ECONFIG;
    }
    if (e == MMU_OK) {
        for (uint32_t k = 0; k < map_tables_.n_roots && e == MMU_OK; k++)
            e = set_root(map_tables_.asid[k], map_tables_.root[k]);
        if (e != MMU_OK)
            std::snprintf(msg, sizeof msg, "static map: %s", mmu_strerror(e));
    }
    if (e != MMU_OK) {
        const std::string text = std::string(name()) + ": " + msg;
        SC_REPORT_ERROR(MSG_TYPE, text.c_str());
        return;
    }
    set_map_handler();
    mmu_invalidate(m_, MMU_INVAL_ALL, 0, 0);
}

void mmu_module::start_of_simulation()
{
    if (map_pending_ && mode_ == page_table_mode::static_map)
        build_static_map();
}

} // namespace sc
} // namespace mmusim
