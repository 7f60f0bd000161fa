/*
 * mmu_module.cpp - the SystemC/TLM-2.0 MMU module: transactions in,
 * mmu_translate / mmu_access / mmu_translate_debug on the owned C handle,
 * TLM responses, delays and DMI regions out.  The module adds no model
 * logic: latencies, walks, faults and invalidations are the C model's; the
 * module converts cycles to time and back with the clock period, and keeps
 * the transport protocols (AT phases, DMI bookkeeping, registers).
 */
#include "mmusim/systemc/mmu_module.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

extern "C" {
#include "mmusim/io/report.h"
}

using namespace sc_core;
using namespace tlm;

namespace mmusim {
namespace sc {

static const char *const MSG_TYPE = "/mmusim/mmu_module";

mmu_config make_config(std::initializer_list<std::pair<std::string, std::string>> settings)
{
    mmu_config cfg;
    mmu_config_defaults(&cfg);
    char msg[512];
    for (const auto &kv : settings)
        if (mmu_config_set(&cfg, kv.first.c_str(), kv.second.c_str(), msg, sizeof msg) != MMU_OK)
            throw std::invalid_argument(msg);
    if (mmu_config_validate(&cfg, msg, sizeof msg) != MMU_OK)
        throw std::invalid_argument(msg);
    return cfg;
}

static uint64_t page_mask(unsigned page_size)
{
    return (UINT64_C(1) << mmu_page_shift(static_cast<mmu_page_size>(page_size))) - 1;
}

/* No translation: the address is wrong.  A translation that refuses the access: the command is. */
static tlm_response_status fault_status(unsigned cause)
{
    switch (cause) {
    case MMU_FAULT_NOT_PRESENT:
    case MMU_FAULT_NONCANONICAL:
    case MMU_FAULT_RESERVED:
        return TLM_ADDRESS_ERROR_RESPONSE;
    default:
        return TLM_COMMAND_ERROR_RESPONSE;
    }
}

mmu_module::mmu_module(sc_module_name name, const mmu_config &cfg)
    : mmu_module(name, cfg, options())
{
}

mmu_module::mmu_module(sc_module_name name, const mmu_config &cfg, const options &opt)
    : sc_module(name), cpu_socket("cpu_socket"), mem_socket("mem_socket"), ctrl_socket("ctrl_socket"),
      irq("irq"), opt_(opt), req_peq_("req_peq"), down_peq_("down_peq"), up_peq_("up_peq")
{
    char msg[512];
    if (mmu_create(&cfg, &m_, msg, sizeof msg) != MMU_OK) {
        m_ = nullptr;
        std::string text = std::string(this->name()) + ": " + msg;
        SC_REPORT_ERROR(MSG_TYPE, text.c_str());
        throw std::invalid_argument(text);
    }
    period_ = opt.clock_period != SC_ZERO_TIME ? opt.clock_period : sc_time(1e6 / cfg.clock_mhz, SC_PS);
    period_ticks_ = period_.value();
    inv_period_ = 1.0 / static_cast<double>(period_ticks_ ? period_ticks_ : 1);
    if (period_ticks_ == 0) {
        mmu_destroy(m_);
        m_ = nullptr;
        std::string text = std::string(this->name()) + ": the clock period is below the time resolution";
        SC_REPORT_ERROR(MSG_TYPE, text.c_str());
        throw std::invalid_argument(text);
    }

    cpu_socket.register_b_transport(this, &mmu_module::b_transport);
    cpu_socket.register_nb_transport_fw(this, &mmu_module::nb_transport_fw);
    cpu_socket.register_transport_dbg(this, &mmu_module::transport_dbg);
    cpu_socket.register_get_direct_mem_ptr(this, &mmu_module::get_direct_mem_ptr);
    mem_socket.register_nb_transport_bw(this, &mmu_module::nb_transport_bw);
    mem_socket.register_invalidate_direct_mem_ptr(this, &mmu_module::invalidate_direct_mem_ptr);
    ctrl_socket.register_b_transport(this, &mmu_module::ctrl_b_transport);
    ctrl_socket.register_transport_dbg(this, &mmu_module::ctrl_transport_dbg);

    if (cfg.walker.mode == MMU_WALKER_RADIX) {
        use_socket_port();
        if (cfg.os_enabled) {
            ::mmu_os *os = nullptr;
            mmu_err e = mmu_os_create_from_config(&cfg, &os, msg, sizeof msg);
            if (e == MMU_OK) {
                e = attach_os(os);
                if (e != MMU_OK)
                    std::snprintf(msg, sizeof msg, "os: %s", mmu_strerror(e));
            }
            if (e != MMU_OK) {
                mmu_os_destroy(os);
                mmu_destroy(m_);
                m_ = nullptr;
                std::string text = std::string(this->name()) + ": " + msg;
                SC_REPORT_ERROR(MSG_TYPE, text.c_str());
                throw std::invalid_argument(text);
            }
            own_os_ = true;
        }
    }

    SC_HAS_PROCESS(mmu_module);
    SC_THREAD(at_translate_thread);
    SC_METHOD(down_method);
    sensitive << down_peq_.get_event() << down_free_ev_;
    dont_initialize();
    SC_METHOD(up_method);
    sensitive << up_peq_.get_event() << up_free_ev_;
    dont_initialize();
    SC_METHOD(irq_method);
    sensitive << irq_ev_;
    dont_initialize();
}

mmu_module::~mmu_module()
{
    dmi_.clear(); /* no calls upstream: the initiator may be gone already */
    const mmu_err e = attach_os(nullptr); /* cannot fail */
    (void)e;
    mmu_destroy(m_);
}

/* Co-simulation: PTE references go out on mem_socket. */
void mmu_module::use_socket_port()
{
    mode_ = page_table_mode::cosim;
    const mmu_mem_port port = {this, &mmu_module::port_read, &mmu_module::port_write,
                               &mmu_module::port_read_dbg};
    mmu_set_memory(m_, &port);
}

/* ---- translation ---- */

void mmu_module::make_request(const tlm_generic_payload &t, const translation_extension *ext,
                              const sc_time &when, mmu_request &req) const
{
    uint32_t len = t.get_data_length();
    const uint32_t sw = t.get_streaming_width();
    if (sw && sw < len)
        len = sw; /* a streaming burst touches [address, address + width) */
    req.vaddr = t.get_address();
    req.cycle = cycle_of(when);
    req.size = len ? len : 1;
    if (ext) {
        req.asid = ext->asid;
        req.priv = static_cast<uint8_t>(ext->priv);
        req.type = t.is_write() ? MMU_WRITE : ext->fetch ? MMU_FETCH : MMU_READ;
    } else {
        req.asid = opt_.default_asid;
        req.priv = MMU_PRIV_SUPER;
        req.type = t.is_write() ? MMU_WRITE : MMU_READ;
    }
}

/* One translation at a time (see busy_). */
void mmu_module::enter()
{
    while (busy_) {
        waiters_++;
        wait(free_ev_);
        waiters_--;
    }
    busy_ = true;
}

void mmu_module::leave()
{
    busy_ = false;
    if (waiters_)
        free_ev_.notify();
}

/*
 * Translate the access of t issued at now (sc_time_stamp()) + offset; fills
 * x and the extension's results.  Returns the translation latency as time.
 */
sc_time mmu_module::translate(tlm_generic_payload &t, translation_extension *ext, const sc_time &now,
                              const sc_time &offset, xlate &x)
{
    make_request(t, ext, now + offset, x.req);
    port_offset_ = offset;
    x.n = mmu_access(m_, &x.req, x.r);
    const mmu_response &last = x.r[x.n - 1];
    if (x.n == 2) {
        ms_.crossings++;
        x.len0 = static_cast<uint32_t>((x.req.vaddr | page_mask(x.r[0].page_size)) - x.req.vaddr + 1);
    } else {
        x.len0 = x.req.size;
    }
    if (x.req.cycle < ms_.first_cycle)
        ms_.first_cycle = x.req.cycle;
    if (last.done_cycle > ms_.last_cycle)
        ms_.last_cycle = last.done_cycle;
    if (ext) {
        ext->translated = true;
        ext->response = last;
        ext->fault.valid = false;
    }
    return time_of(last.done_cycle - x.req.cycle);
}

/* Answer t with the fault of x, known at sc_time_stamp() + offset. */
void mmu_module::fault(tlm_generic_payload &t, translation_extension *ext, const xlate &x,
                       const sc_time &offset)
{
    const mmu_response &r = x.r[x.n - 1];
    fault_record f;
    f.valid = true;
    f.cause = static_cast<mmu_fault>(r.fault);
    f.vaddr = x.n == 2 ? x.req.vaddr + x.len0 : x.req.vaddr;
    f.level = r.fault_level;
    f.asid = x.req.asid;
    f.type = static_cast<mmu_access_type>(x.req.type);
    f.priv = static_cast<mmu_priv>(x.req.priv);
    f.core_id = ext ? ext->core_id : opt_.core_id;
    f.cycle = r.done_cycle;
    f.time = sc_time_stamp() + offset;
    last_fault_ = f;
    ms_.faults++;
    if (ext)
        ext->fault = f;
    t.set_response_status(fault_status(r.fault));
    irq_pending_ = true;
    irq_ev_.notify(offset);
}

/* Two pages not physically contiguous: each piece goes downstream on its own. */
void mmu_module::forward_split(tlm_generic_payload &t, sc_time &delay, const xlate &x)
{
    const uint64_t va = t.get_address();
    unsigned char *const data = t.get_data_ptr();
    const unsigned len = t.get_data_length();
    const unsigned sw = t.get_streaming_width();
    unsigned char *const be = t.get_byte_enable_ptr();
    const unsigned be_len = t.get_byte_enable_length();
    if ((sw && sw < len) || (be && be_len < len && x.len0 % be_len != 0)) {
        ms_.burst_errors++;
        t.set_response_status(TLM_BURST_ERROR_RESPONSE);
        return;
    }
    ms_.splits++;
    const unsigned len1 = len - x.len0;
    t.set_address(x.r[0].paddr);
    t.set_data_length(x.len0);
    t.set_streaming_width(x.len0);
    if (be && be_len >= len)
        t.set_byte_enable_length(x.len0);
    mem_socket->b_transport(t, delay);
    if (t.is_response_ok()) {
        t.set_address(x.r[1].paddr);
        t.set_data_ptr(data + x.len0);
        t.set_data_length(len1);
        t.set_streaming_width(len1);
        if (be && be_len >= len) {
            t.set_byte_enable_ptr(be + x.len0);
            t.set_byte_enable_length(be_len - x.len0);
        }
        mem_socket->b_transport(t, delay);
    }
    t.set_address(va);
    t.set_data_ptr(data);
    t.set_data_length(len);
    t.set_streaming_width(sw);
    t.set_byte_enable_ptr(be);
    t.set_byte_enable_length(be_len);
}

void mmu_module::b_transport(tlm_generic_payload &t, sc_time &delay)
{
    ms_.b_transport++;
    translation_extension *const ext = t.get_extension<translation_extension>();
    xlate x;
    enter();
    const sc_time start = sc_time_stamp();
    const uint64_t refs = ms_.pte_reads + ms_.pte_writes;
    const sc_time lat = translate(t, ext, start, delay, x);
    leave();
    delay += lat;
    if (ms_.pte_reads + ms_.pte_writes != refs) {
        /* time the memory already spent waiting on PTE references is not added again */
        const sc_time waited = sc_time_stamp() - start;
        delay = delay > waited ? delay - waited : SC_ZERO_TIME;
    }
    if (x.r[x.n - 1].fault != MMU_FAULT_NONE) {
        fault(t, ext, x, delay);
        return;
    }
    if (x.n == 2 && x.r[1].paddr != x.r[0].paddr + x.len0) {
        forward_split(t, delay, x);
        return;
    }
    t.set_address(x.r[0].paddr);
    mem_socket->b_transport(t, delay);
    t.set_address(x.req.vaddr);
}

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

/* ---- debug transport and DMI ---- */

unsigned mmu_module::transport_dbg(tlm_generic_payload &t)
{
    ms_.debug++;
    const translation_extension *const ext = t.get_extension<translation_extension>();
    const uint64_t va = t.get_address();
    unsigned char *const data = t.get_data_ptr();
    const unsigned len = t.get_data_length();
    unsigned done = 0;
    const bool was = debug_walk_;
    debug_walk_ = true;
    while (done < len) {
        mmu_request req;
        make_request(t, ext, sc_time_stamp(), req);
        req.vaddr = va + done;
        req.size = 1;
        mmu_response r;
        if (mmu_translate_debug(m_, &req, &r) != MMU_OK)
            break;
        const uint64_t mask = page_mask(r.page_size);
        const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(len - done, mask - (req.vaddr & mask) + 1));
        t.set_address(r.paddr);
        t.set_data_ptr(data + done);
        t.set_data_length(chunk);
        const unsigned got = mem_socket->transport_dbg(t);
        done += std::min(got, chunk);
        if (got < chunk)
            break;
    }
    debug_walk_ = was;
    t.set_address(va);
    t.set_data_ptr(data);
    t.set_data_length(len);
    return done;
}

/* Largest lookup latency of the level-1 arrays serving fetches or data. */
uint32_t mmu_module::l1_latency(bool fetch) const
{
    const mmu_config *cfg = mmu_get_config(m_);
    const uint32_t side = fetch ? MMU_SIDE_INSTR : MMU_SIDE_DATA;
    uint32_t lat = 0;
    for (uint32_t i = 0; i < cfg->n_tlbs; i++)
        if (cfg->tlb[i].level == 1 && (cfg->tlb[i].side & side))
            lat = std::max(lat, cfg->tlb[i].latency);
    return lat;
}

bool mmu_module::get_direct_mem_ptr(tlm_generic_payload &t, tlm_dmi &dmi)
{
    const translation_extension *const ext = t.get_extension<translation_extension>();
    const bool fetch = ext && ext->fetch;
    mmu_request req;
    make_request(t, ext, sc_time_stamp(), req);
    req.size = 1;
    const uint64_t va = req.vaddr;
    auto deny = [&](uint64_t lo, uint64_t hi) {
        ms_.dmi_denials++;
        dmi.allow_none();
        dmi.set_start_address(lo);
        dmi.set_end_address(hi);
        return false;
    };

    /* Only a page the TLB holds: DMI is a cached translation.  No side effect on the model. */
    mmu_response r;
    if (mmu_translate_debug(m_, &req, &r) != MMU_OK || r.outcome != MMU_OUT_TLB)
        return deny(va & ~UINT64_C(0xFFF), va | UINT64_C(0xFFF));
    const uint64_t mask = page_mask(r.page_size);
    const uint64_t vbase = va & ~mask, pbase = r.paddr & ~mask;

    mmu_request q = req;
    mmu_response rq;
    q.type = fetch ? MMU_FETCH : MMU_READ;
    const bool rd = mmu_translate_debug(m_, &q, &rq) == MMU_OK && rq.outcome == MMU_OUT_TLB && rq.paddr == r.paddr;
    q.type = MMU_WRITE;
    bool wr = mmu_translate_debug(m_, &q, &rq) == MMU_OK && rq.outcome == MMU_OUT_TLB && rq.paddr == r.paddr;
    if (wr) {
        /* writes through DMI bypass the dirty-bit update: only for an entry cached dirty */
        mmu_tlb_entry e;
        const mmu_tlb *tlb = rq.array >= 0 ? mmu_get_tlb(m_, static_cast<uint32_t>(rq.array)) : nullptr;
        wr = tlb && mmu_tlb_probe(tlb, va, req.asid, &e) && (e.flags & MMU_TLB_DIRTY);
    }
    if (!rd && !wr)
        return deny(vbase, vbase | mask);

    t.set_address(r.paddr);
    const bool ok = mem_socket->get_direct_mem_ptr(t, dmi);
    t.set_address(va);
    const uint64_t plo = std::max<uint64_t>(dmi.get_start_address(), pbase);
    const uint64_t phi = std::min<uint64_t>(dmi.get_end_address(), pbase | mask);
    if (plo > phi)
        return deny(vbase, vbase | mask);
    const uint64_t vlo = vbase + (plo - pbase), vhi = vbase + (phi - pbase);
    if (!ok)
        return deny(vlo, vhi);
    unsigned access = 0;
    if (rd && dmi.is_read_allowed())
        access |= tlm_dmi::DMI_ACCESS_READ;
    if (wr && dmi.is_write_allowed())
        access |= tlm_dmi::DMI_ACCESS_WRITE;
    if (!access)
        return deny(vlo, vhi);
    dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (plo - dmi.get_start_address()));
    dmi.set_start_address(vlo);
    dmi.set_end_address(vhi);
    dmi.set_granted_access(static_cast<tlm_dmi::dmi_access_e>(access));
    const sc_time l1 = time_of(l1_latency(fetch));
    dmi.set_read_latency(dmi.get_read_latency() + l1);
    dmi.set_write_latency(dmi.get_write_latency() + l1);
    ms_.dmi_grants++;
    for (const dmi_region &g : dmi_)
        if (g.vstart == vlo && g.vend == vhi && g.asid == req.asid && g.pstart == plo)
            return true;
    dmi_.push_back(dmi_region{vlo, vhi, plo, phi, vbase, vbase | mask, req.asid});
    return true;
}

/* Invalidate upstream the DMI regions an invalidation covers (conservatively). */
void mmu_module::dmi_drop(mmu_inval_kind kind, uint64_t lo, uint64_t hi, uint16_t asid)
{
    for (size_t i = 0; i < dmi_.size();) {
        const dmi_region g = dmi_[i];
        bool hit;
        switch (kind) {
        case MMU_INVAL_ALL:
            hit = true;
            break;
        case MMU_INVAL_ASID:
            hit = g.asid == asid;
            break;
        default: /* by address: every ASID, as global entries may map it */
            hit = g.page_lo <= hi && lo <= g.page_hi;
            break;
        }
        if (!hit) {
            i++;
            continue;
        }
        dmi_[i] = dmi_.back();
        dmi_.pop_back();
        ms_.dmi_invalidations++;
        cpu_socket->invalidate_direct_mem_ptr(g.vstart, g.vend);
    }
}

void mmu_module::dmi_drop_physical(uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < dmi_.size();) {
        const dmi_region g = dmi_[i];
        if (!(g.pstart <= hi && lo <= g.pend)) {
            i++;
            continue;
        }
        dmi_[i] = dmi_.back();
        dmi_.pop_back();
        ms_.dmi_invalidations++;
        cpu_socket->invalidate_direct_mem_ptr(g.vstart, g.vend);
    }
}

void mmu_module::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end)
{
    dmi_drop_physical(start, end);
}

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

/* ---- control ---- */

mmu_err mmu_module::set_root(uint16_t asid, uint64_t root)
{
    const auto it = roots_.find(asid);
    const bool changed = it != roots_.end() && it->second != root;
    const mmu_err e = mmu_set_root(m_, asid, root);
    if (e != MMU_OK)
        return e;
    roots_[asid] = root;
    if (changed)
        dmi_drop(MMU_INVAL_ASID, 0, 0, asid);
    return MMU_OK;
}

void mmu_module::invalidate(mmu_inval_kind kind, uint64_t vaddr, uint16_t asid)
{
    mmu_invalidate(m_, kind, vaddr, asid);
    dmi_drop(kind, vaddr, vaddr, asid);
}

void mmu_module::shootdown(void *ctx, uint16_t asid, uint64_t vaddr, mmu_page_size size)
{
    mmu_module *self = static_cast<mmu_module *>(ctx);
    const uint64_t mask = (UINT64_C(1) << mmu_page_shift(size)) - 1;
    self->dmi_drop(MMU_INVAL_ADDR_ASID, vaddr & ~mask, vaddr | mask, asid);
}

/* Detaching cannot fail (mmu_attach_os with NULL returns MMU_OK). */
static void detach_os(::mmu *m)
{
    const mmu_err e = mmu_attach_os(m, nullptr);
    (void)e;
}

mmu_err mmu_module::attach_os(::mmu_os *os)
{
    if (mode_ == page_table_mode::fixed)
        return os ? MMU_EUNSUPPORTED : MMU_OK;
    if (os_) {
        (void)mmu_os_remove_shootdown_target(os_, &mmu_module::shootdown, this);
        detach_os(m_);
        if (own_os_)
            mmu_os_destroy(os_);
        os_ = nullptr;
        own_os_ = false;
        use_socket_port();
        dmi_drop(MMU_INVAL_ALL, 0, 0, 0);
    }
    if (!os)
        return MMU_OK;
    mmu_err e = mmu_attach_os(m_, os);
    if (e == MMU_OK) {
        e = mmu_os_add_shootdown_target(os, &mmu_module::shootdown, this);
        if (e != MMU_OK)
            detach_os(m_);
    }
    if (e != MMU_OK) {
        use_socket_port();
        return e;
    }
    /* what was cached came from other page tables */
    mmu_invalidate(m_, MMU_INVAL_ALL, 0, 0);
    os_ = os;
    mode_ = page_table_mode::standalone;
    return MMU_OK;
}

void mmu_module::clear_fault()
{
    irq_pending_ = false;
    irq_ev_.notify(SC_ZERO_TIME);
}

void mmu_module::set_irq_enable(bool on)
{
    irq_enable_ = on;
    irq_ev_.notify(SC_ZERO_TIME);
}

void mmu_module::irq_method()
{
    if (irq.size())
        irq->write(irq_pending_ && irq_enable_);
}

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

/* ---- statistics ---- */

void mmu_module::clear_stats()
{
    mmu_clear_stats(m_);
    ms_ = module_stats();
}

static mmusim_run_info run_info(const char *name, const mmu_module::workload &w, const module_stats &ms,
                            const mmu_stats &s)
{
    mmusim_run_info info;
    std::memset(&info, 0, sizeof info);
    info.trace_path = w.name.empty() ? name : w.name.c_str();
    info.trace_format = w.format.c_str();
    info.compression = w.compression.c_str();
    info.instructions = w.instructions;
    info.accesses = ms.b_transport + ms.nb_requests;
    info.translations = s.requests;
    info.crossings = ms.crossings;
    info.first_cycle = ms.first_cycle == UINT64_MAX ? 0 : ms.first_cycle;
    info.last_cycle = ms.last_cycle;
    info.has_cycles = 1;
    return info;
}

void mmu_module::report_text(FILE *out) const
{
    const mmusim_run_info info = run_info(name(), workload_, ms_, stats());
    mmusim_report_text(out, m_, &info);
    std::fprintf(out,
                 "\nSystemC        LT %llu, AT %llu, debug %llu; faults %llu; page-crossing %llu "
                 "(split %llu, burst errors %llu)\n",
                 static_cast<unsigned long long>(ms_.b_transport), static_cast<unsigned long long>(ms_.nb_requests),
                 static_cast<unsigned long long>(ms_.debug), static_cast<unsigned long long>(ms_.faults),
                 static_cast<unsigned long long>(ms_.crossings), static_cast<unsigned long long>(ms_.splits),
                 static_cast<unsigned long long>(ms_.burst_errors));
    std::fprintf(out, "               issue cycles from simulated time, clock period %s\n",
                 period_.to_string().c_str());
    if (mode_ == page_table_mode::cosim)
        std::fprintf(out, "PTE socket     reads %llu, writes %llu, errors %llu\n",
                     static_cast<unsigned long long>(ms_.pte_reads), static_cast<unsigned long long>(ms_.pte_writes),
                     static_cast<unsigned long long>(ms_.pte_errors));
    std::fprintf(out, "DMI            grants %llu, denials %llu, invalidations %llu\n",
                 static_cast<unsigned long long>(ms_.dmi_grants), static_cast<unsigned long long>(ms_.dmi_denials),
                 static_cast<unsigned long long>(ms_.dmi_invalidations));
}

bool mmu_module::report_json(const std::string &path, std::string *err) const
{
    const mmusim_run_info info = run_info(name(), workload_, ms_, stats());
    char msg[1024];
    if (mmusim_report_json(path.c_str(), m_, &info, msg, sizeof msg) != 0) {
        if (err)
            *err = msg;
        return false;
    }
    return true;
}

void mmu_module::write_reports() const
{
    if (!opt_.stats_text.empty()) {
        if (opt_.stats_text == "-") {
            report_text(stdout);
        } else if (FILE *f = std::fopen(opt_.stats_text.c_str(), "w")) {
            report_text(f);
            if (std::fclose(f) != 0)
                SC_REPORT_WARNING(MSG_TYPE, ("cannot write " + opt_.stats_text).c_str());
        } else {
            SC_REPORT_WARNING(MSG_TYPE, ("cannot open " + opt_.stats_text).c_str());
        }
    }
    std::string err;
    if (!opt_.stats_json.empty() && !report_json(opt_.stats_json, &err))
        SC_REPORT_WARNING(MSG_TYPE, err.c_str());
}

void mmu_module::end_of_simulation()
{
    write_reports();
}

} // namespace sc
} // namespace mmusim
