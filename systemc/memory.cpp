/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memory.cpp - the sparse TLM-2.0 memory with a fixed latency (memory.h).
 */
#include "mmusim/systemc/memory.h"

#include <algorithm>
#include <cstring>

using namespace sc_core;
using namespace tlm;

namespace mmusim {
namespace sc {

memory::memory(sc_module_name name, uint64_t size, const sc_time &latency, bool allow_dmi)
    : sc_module(name), socket("socket"), size_(size), latency_(latency), dmi_(allow_dmi), peq_("peq")
{
    socket.register_b_transport(this, &memory::b_transport);
    socket.register_nb_transport_fw(this, &memory::nb_transport_fw);
    socket.register_transport_dbg(this, &memory::transport_dbg);
    socket.register_get_direct_mem_ptr(this, &memory::get_direct_mem_ptr);
    SC_HAS_PROCESS(memory);
    SC_METHOD(resp_method);
    sensitive << peq_.get_event() << free_ev_;
    dont_initialize();
}

unsigned char *memory::block(uint64_t addr, bool create)
{
    const uint64_t key = addr >> BLOCK_SHIFT;
    if (key == last_key_)
        return last_block_;
    auto it = blocks_.find(key);
    if (it == blocks_.end()) {
        if (!create)
            return nullptr;
        std::unique_ptr<unsigned char[]> b(new unsigned char[BLOCK_SIZE]());
        it = blocks_.emplace(key, std::move(b)).first;
    }
    last_key_ = key;
    last_block_ = it->second.get();
    return last_block_;
}

const unsigned char *memory::block_ro(uint64_t addr) const
{
    const uint64_t key = addr >> BLOCK_SHIFT;
    if (key == last_key_)
        return last_block_;
    const auto it = blocks_.find(key);
    return it == blocks_.end() ? nullptr : it->second.get();
}

void memory::write(uint64_t addr, const void *src, size_t len)
{
    const unsigned char *s = static_cast<const unsigned char *>(src);
    while (len && addr < size_) {
        const size_t off = addr & (BLOCK_SIZE - 1);
        const size_t n = std::min<uint64_t>({len, BLOCK_SIZE - off, size_ - addr});
        std::memcpy(block(addr, true) + off, s, n);
        addr += n;
        s += n;
        len -= n;
    }
}

void memory::read(uint64_t addr, void *dst, size_t len) const
{
    unsigned char *d = static_cast<unsigned char *>(dst);
    while (len) {
        const size_t off = addr & (BLOCK_SIZE - 1);
        const size_t n = std::min<uint64_t>(len, BLOCK_SIZE - off);
        const unsigned char *b = addr < size_ ? block_ro(addr) : nullptr;
        if (b)
            std::memcpy(d, b + off, n);
        else
            std::memset(d, 0, n);
        addr += n;
        d += n;
        len -= n;
    }
}

void memory::write64(uint64_t addr, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = static_cast<unsigned char>(v >> (8 * i));
    write(addr, b, 8);
}

uint64_t memory::read64(uint64_t addr) const
{
    unsigned char b[8];
    read(addr, b, 8);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= static_cast<uint64_t>(b[i]) << (8 * i);
    return v;
}

void memory::invalidate_dmi(uint64_t start, uint64_t end)
{
    socket->invalidate_direct_mem_ptr(start, end);
}

/* Move the data of t; false (and the response status) if it is out of range. */
bool memory::access(tlm_generic_payload &t)
{
    const uint64_t a = t.get_address();
    const unsigned len = t.get_data_length();
    const unsigned sw = t.get_streaming_width() ? t.get_streaming_width() : len;
    const unsigned span = std::min(sw, len);
    unsigned char *p = t.get_data_ptr();
    const unsigned char *be = t.get_byte_enable_ptr();
    const unsigned be_len = t.get_byte_enable_length();
    if (a >= size_ || span > size_ - a) {
        n_.errors++;
        t.set_response_status(TLM_ADDRESS_ERROR_RESPONSE);
        return false;
    }
    if (t.is_read())
        n_.reads++;
    else if (t.is_write())
        n_.writes++;
    const uint64_t off = a & (BLOCK_SIZE - 1);
    if (!be && sw >= len && off + len <= BLOCK_SIZE) {
        /* the common case: one contiguous piece in one block */
        if (t.is_read()) {
            const unsigned char *b = block_ro(a);
            if (b)
                std::memcpy(p, b + off, len);
            else
                std::memset(p, 0, len);
        } else if (t.is_write()) {
            std::memcpy(block(a, true) + off, p, len);
        }
    } else {
        for (unsigned i = 0; i < len; i++) {
            if (be && be_len && be[i % be_len] == TLM_BYTE_DISABLED)
                continue;
            const uint64_t x = a + i % sw;
            if (t.is_read())
                read(x, p + i, 1);
            else if (t.is_write())
                write(x, p + i, 1);
        }
    }
    t.set_dmi_allowed(dmi_);
    t.set_response_status(TLM_OK_RESPONSE);
    return true;
}

void memory::b_transport(tlm_generic_payload &t, sc_time &delay)
{
    if (observer_)
        observer_(t, sc_time_stamp() + delay);
    (void)access(t);
    delay += latency_;
}

tlm_sync_enum memory::nb_transport_fw(tlm_generic_payload &t, tlm_phase &ph, sc_time &d)
{
    if (ph == BEGIN_REQ) {
        if (observer_)
            observer_(t, sc_time_stamp() + d);
        (void)access(t);
        if (t.has_mm())
            t.acquire();
        peq_.notify(t, d + latency_);
        ph = END_REQ;
        return TLM_UPDATED;
    }
    if (ph == END_RESP) {
        if (busy_ == &t) {
            busy_ = nullptr;
            free_at_ = sc_time_stamp() + d;
            free_ev_.notify(d);
        }
        if (t.has_mm())
            t.release();
        return TLM_COMPLETED;
    }
    SC_REPORT_ERROR("/mmusim/memory", "nb_transport_fw: a phase other than BEGIN_REQ or END_RESP");
    return TLM_COMPLETED;
}

/* Responses one at a time (response exclusion rule). */
void memory::resp_method()
{
    while (tlm_generic_payload *t = peq_.get_next_transaction())
        queue_.push_back(t);
    while (!busy_ && !queue_.empty() && sc_time_stamp() >= free_at_) {
        tlm_generic_payload *t = queue_.front();
        queue_.pop_front();
        tlm_phase ph = BEGIN_RESP;
        sc_time d = SC_ZERO_TIME;
        if (socket->nb_transport_bw(*t, ph, d) == TLM_ACCEPTED) {
            busy_ = t;
            return;
        }
        if (t->has_mm())
            t->release();
        if (d != SC_ZERO_TIME) {
            free_at_ = sc_time_stamp() + d;
            free_ev_.notify(d);
            return;
        }
    }
}

unsigned memory::transport_dbg(tlm_generic_payload &t)
{
    n_.debug++;
    const uint64_t a = t.get_address();
    if (a >= size_)
        return 0;
    const unsigned n = static_cast<unsigned>(std::min<uint64_t>(t.get_data_length(), size_ - a));
    if (t.is_read())
        read(a, t.get_data_ptr(), n);
    else if (t.is_write())
        write(a, t.get_data_ptr(), n);
    return n;
}

bool memory::get_direct_mem_ptr(tlm_generic_payload &t, tlm_dmi &dmi)
{
    const uint64_t a = t.get_address();
    const uint64_t lo = a & ~(BLOCK_SIZE - 1);
    const uint64_t hi = std::min(lo + BLOCK_SIZE, size_) - 1;
    if (!dmi_ || a >= size_) {
        dmi.allow_none();
        dmi.set_start_address(a >= size_ ? size_ : 0);
        dmi.set_end_address(a >= size_ ? ~UINT64_C(0) : size_ - 1);
        return false;
    }
    n_.dmi_grants++;
    dmi.set_dmi_ptr(block(a, true));
    dmi.set_start_address(lo);
    dmi.set_end_address(hi);
    dmi.allow_read_write();
    dmi.set_read_latency(latency_);
    dmi.set_write_latency(latency_);
    return true;
}

} // namespace sc
} // namespace mmusim
