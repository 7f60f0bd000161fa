/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmu_module.cpp - the SystemC/TLM-2.0 MMU module: transactions in,
 * mmu_translate / mmu_access / mmu_translate_debug on the owned C handle,
 * TLM responses, delays and DMI regions out.  The module adds no model
 * logic: latencies, walks, faults and invalidations are the C model's; the
 * module converts cycles to time and back with the clock period, and keeps
 * the transport protocols (AT phases, DMI bookkeeping, registers).
 * This file: construction, LT transport and control; the rest: see
 * module_internal.h.
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

void add_map_region(mmu_config &cfg, uint64_t vbase, uint64_t pbase, uint64_t size, unsigned perms,
                    mmu_page_size page_size, int asid)
{
    mmu_map_region r{};
    r.vbase = vbase;
    r.pbase = pbase;
    r.size = size;
    r.perms = perms;
    r.page_size = static_cast<uint32_t>(page_size);
    r.global = asid < 0;
    r.asid = static_cast<uint16_t>(asid < 0 ? 0 : asid);
    if (asid > 0xFFFF)
        throw std::invalid_argument("add_map_region: an ASID is 0..65535");
    if (mmu_map_add_region(&cfg.map, &r) != MMU_OK)
        throw std::invalid_argument("map.regions: at most " + std::to_string(MMU_MAP_MAX_REGIONS) + " regions");
}

void add_frame_range(mmu_config &cfg, uint64_t base, uint64_t size, bool page_tables)
{
    mmu_os_ranges &l = page_tables ? cfg.os.pt_ranges : cfg.os.frame_ranges;
    if (mmu_os_ranges_add(&l, base, size) != MMU_OK)
        throw std::invalid_argument(std::string(page_tables ? "os.pt_ranges" : "os.frame_ranges") + ": at most " +
                                    std::to_string(MMU_OS_MAX_RANGES) + " ranges");
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        const uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

void mmu_module::divider::set(uint64_t d)
{
    if (d <= 1) {
        m = 0;
        s1 = s2 = 0;
        return;
    }
    const unsigned l = 64 - static_cast<unsigned>(__builtin_clzll(d - 1)); /* ceil(log2 d), 1..64 */
    const u128 two_l = static_cast<u128>(1) << l;
    m = static_cast<uint64_t>(((two_l - d) << 64) / d + 1);
    s1 = 1;
    s2 = l - 1;
}

/* cycle_of beyond 64-bit products: floor(v * den / num) in 128 bits. */
uint64_t mmu_module::cycle_of_wide(uint64_t v) const
{
    return static_cast<uint64_t>(static_cast<u128>(v) * den_ / num_);
}

/* ticks_at beyond 64-bit products: ceil(c * num / den) in 128 bits. */
uint64_t mmu_module::ticks_at_wide(uint64_t c) const
{
    return static_cast<uint64_t>((static_cast<u128>(c) * num_ + (den_ - 1)) / den_);
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
      irq("irq"), opt_(opt), req_peq_("req_peq"), up_peq_("up_peq")
{
    char msg[512];
    const bool in_platform = cfg.walker.mode == MMU_WALKER_RADIX && !cfg.os_enabled;
    mmu_config c = cfg;
    if (in_platform && opt.platform_pte_cost) {
        /* the platform's memory prices each PTE reference: no model on top */
        c.ptemem.mode = MMU_PTEMEM_FIXED;
        c.ptemem.fixed_latency = 0;
        c.ptemem_data = 0;
    }
    if (mmu_create(&c, &m_, msg, sizeof msg) != MMU_OK) {
        m_ = nullptr;
        std::string text = std::string(this->name()) + ": " + msg;
        SC_REPORT_ERROR(MSG_TYPE, text.c_str());
        throw std::invalid_argument(text);
    }
    if (opt.clock_period != SC_ZERO_TIME) {
        num_ = opt.clock_period.value();
        den_ = 1;
    } else {
        /* ticks per microsecond / MHz, in lowest terms */
        const uint64_t per_us = sc_time(1, SC_US).value();
        const uint64_t g = gcd64(per_us, cfg.clock_mhz);
        num_ = per_us / g;
        den_ = cfg.clock_mhz / g;
    }
    period_ = sc_time::from_value(num_ / den_);
    if (num_ < den_) {
        mmu_destroy(m_);
        m_ = nullptr;
        std::string text = std::string(this->name()) + ": the clock period is below the time resolution";
        SC_REPORT_ERROR(MSG_TYPE, text.c_str());
        throw std::invalid_argument(text);
    }
    mmu_repeat_info ri;
    mmu_get_repeat_info(m_, &ri);
    rep_.tlb_changes = ri.tlb_changes;
    rep_.data_caches = ri.data_through_caches != 0;
    rep_.l1_latency[0] = ri.l1_latency[0];
    rep_.l1_latency[1] = ri.l1_latency[1];
    mmu_get_data_repeat(m_, &drep_);
    div_num_.set(num_);
    div_den_.set(den_);
    max_v_ = UINT64_MAX / den_;
    max_c_ = (UINT64_MAX - (den_ - 1)) / num_;

    cpu_socket.bind(cpu_fw_);
    mem_socket.register_nb_transport_bw(this, &mmu_module::nb_transport_bw);
    mem_socket.register_invalidate_direct_mem_ptr(this, &mmu_module::invalidate_direct_mem_ptr);
    ctrl_socket.register_b_transport(this, &mmu_module::ctrl_b_transport);
    ctrl_socket.register_transport_dbg(this, &mmu_module::ctrl_transport_dbg);

    if (cfg.walker.mode == MMU_WALKER_RADIX) {
        use_socket_port();
        if (!cfg.os_enabled && cfg.map.n_regions) {
            mode_ = page_table_mode::static_map; /* built at the start of simulation */
            map_cfg_ = cfg.map;
            map_pending_ = true;
        }
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
    SC_METHOD(up_method);
    sensitive << up_peq_.get_event() << up_free_ev_;
    dont_initialize();
    SC_METHOD(irq_method);
    sensitive << irq_ev_;
    dont_initialize();
}

mmu_module::~mmu_module()
{
    if (!auto_reports_done_ && m_)
        write_reports_now(true); /* the simulation never reached end_of_simulation() */
    dmi_.clear(); /* no calls upstream: the initiator may be gone already */
    const mmu_err e = attach_os(nullptr); /* cannot fail */
    (void)e;
    mmu_destroy(m_);
}

/* Co-simulation: PTE references go out on mem_socket. */
void mmu_module::use_socket_port()
{
    mode_ = page_table_mode::cosim;
    rep_.vpn = UINT64_MAX;
    const mmu_mem_port port = {this, &mmu_module::port_read, &mmu_module::port_write,
                               &mmu_module::port_read_dbg};
    mmu_set_memory(m_, &port);
}

/* ---- translation ---- */

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
    f.vmid = x.req.vmid;
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

/* Whether t can be cut at the page boundary: no streaming burst, byte enables that repeat there. */
bool mmu_module::splittable(const tlm_generic_payload &t, const xlate &x) const
{
    const unsigned len = t.get_data_length();
    const unsigned sw = t.get_streaming_width();
    const unsigned char *be = t.get_byte_enable_ptr();
    const unsigned be_len = t.get_byte_enable_length();
    return !((sw && sw < len) || (be && be_len < len && x.len0 % be_len != 0));
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
    if (!splittable(t, x)) {
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

/*
 * An LT transaction whose first byte is in the repeat page (b_transport):
 * answered by the repeat path (repeat_answer) and forwarded, or else the
 * full path.  Out of line, and the rare calls at its ends are tail calls, so
 * that it keeps a small frame.
 */
__attribute__((noinline)) void mmu_module::b_transport_page(tlm_generic_payload &t, sc_time &delay)
{
    translation_extension *const ext = t.get_extension<translation_extension>();
    uint64_t pa;
    const int r = repeat_answer(t, ext, delay, pa);
    if (__builtin_expect(r == 0, 0))
        return b_transport_full(t, delay);
    if (r == 2) /* its data through the PTE-cache model, before it goes on */
        return repeat_data_forward(t, delay, pa, t.is_write());
    const uint64_t va = t.get_address();
    t.set_address(pa);
    down_->b_transport(t, delay);
    t.set_address(va);
}

/* The end of a repeat whose data goes through the PTE-cache model (mmu_access_data). */
__attribute__((noinline)) void mmu_module::repeat_data_forward(tlm_generic_payload &t, sc_time &delay,
                                                               uint64_t pa, bool write)
{
    mmu_access_data(m_, pa, write);
    const uint64_t va = t.get_address();
    t.set_address(pa);
    down_->b_transport(t, delay);
    t.set_address(va);
}

/*
 * After the second LT translation x in a row of one page (b_transport: the
 * first is not asked about, as most pages of a random stream are not used
 * again), a level-1 hit: the page repeats from now on if the model's hit
 * filter answers it (mmu_repeat_ok), with the types it answered there
 * before.
 */
void mmu_module::rep_remember(const xlate &x)
{
    const mmu_response &r = x.r[0];
    if (r.outcome != MMU_OUT_TLB || r.level != 1 || r.fault != MMU_FAULT_NONE || r.page_faults)
        return;
    const uint64_t key =
        x.req.asid | static_cast<uint64_t>(x.req.vmid) << 16 | static_cast<uint64_t>(x.req.priv) << 32;
    /* (types of this side only: fetches and data have filters, TLBs and counters of their own) */
    const unsigned side = x.req.type == MMU_FETCH ? 1u << MMU_FETCH : (1u << MMU_READ | 1u << MMU_WRITE);
    unsigned types = key == rep_.key ? rep_.types & side : 0;
    mmu_repeat_slot sl;
    int ok = mmu_repeat_ok(m_, &x.req, types, &sl);
    if (!ok && types) {
        types = 0;
        ok = mmu_repeat_ok(m_, &x.req, 0, &sl);
    }
    rep_.shift = sl.shift;
    rep_.last_vpn = x.req.vaddr >> sl.shift;
    if (!ok) {
        rep_.types = 0;
        return;
    }
    rep_.vpn = rep_.last_vpn;
    rep_.key = key;
    rep_.types = static_cast<uint8_t>(types | 1u << x.req.type);
    rep_.mask = (UINT64_C(1) << sl.shift) - 1;
    rep_.pbase = r.paddr - (x.req.vaddr & rep_.mask);
    rep_.changes = *rep_.tlb_changes;
    rep_.cycle = x.req.cycle;
    rep_.slot = sl;
    rep_.data = rep_.data_caches && x.req.type != MMU_FETCH;
    rep_.lat = rep_.l1_latency[x.req.type == MMU_FETCH ? 0 : 1];
    /* the latency as time: rep_.lat periods; with a period of no whole ticks, a latency from
       cycle c takes ticks_at(c + lat) - ticks_at(c), the floor or the ceiling of lat * num_ / den_ */
    rep_.lat_ticks_lo = rep_.lat * num_ / den_;
    rep_.lat_time = sc_time::from_value(rep_.lat_ticks_lo);
    rep_.lat_time_hi = sc_time::from_value((rep_.lat * num_ + den_ - 1) / den_);
    /* the filter's response (mmu.c, filter_fill): a level-1 hit of this entry */
    mmu_response f;
    std::memset(&f, 0, sizeof f);
    f.latency = rep_.lat;
    f.fault = MMU_FAULT_NONE;
    f.outcome = MMU_OUT_TLB;
    f.page_size = r.page_size;
    f.level = 1;
    f.array = r.array;
    f.walk_refs = 0;
    f.pwc_level = -1;
    f.fault_level = -1;
    f.page_faults = 0;
    rep_.resp = f;
}

inline void mmu_module::b_transport(tlm_generic_payload &t, sc_time &delay)
{
    ms_.b_transport++;
    /* the repeat page's first byte?  (most transactions of a random stream are not) */
    if ((t.get_address() >> rep_.shift) == rep_.vpn)
        b_transport_page(t, delay);
    else
        b_transport_full(t, delay);
}

/* Any LT transaction but a repeat: out of line, so that the repeat path keeps a small frame. */
__attribute__((noinline)) void mmu_module::b_transport_full(tlm_generic_payload &t, sc_time &delay)
{
    translation_extension *const ext = t.get_extension<translation_extension>();
    xlate x;
    enter();
    const sc_time start = simcontext()->time_stamp(); /* sc_time_stamp(), inline */
    const sc_time lat = translate(t, ext, start, delay, x);
    const int n = x.n;
    const bool faulted = x.r[n - 1].fault != MMU_FAULT_NONE;
    const uint64_t va = x.req.vaddr, pa = x.r[0].paddr;
    rep_note(x);
    leave();
    delay += lat;
    if (__builtin_expect(simcontext()->time_stamp() != start, 0)) {
        /* PTE references on mem_socket waited: the time already spent is not added again */
        const sc_time waited = simcontext()->time_stamp() - start;
        delay = delay > waited ? delay - waited : SC_ZERO_TIME;
    }
    if (__builtin_expect(faulted, 0)) {
        fault(t, ext, x, delay);
        return;
    }
    if (__builtin_expect(n == 2, 0) && x.r[1].paddr != pa + x.len0) {
        forward_split(t, delay, x);
        return;
    }
    t.set_address(pa);
    down_->b_transport(t, delay);
    t.set_address(va);
}

void mmu_module::end_of_elaboration()
{
    down_ = mem_socket.operator->(); /* bound by now: resolved once, not per transaction */
}

/* cpu_socket's forward interface */
void mmu_module::cpu_fw::b_transport(tlm_generic_payload &t, sc_time &d)
{
    m.b_transport(t, d);
}

tlm_sync_enum mmu_module::cpu_fw::nb_transport_fw(tlm_generic_payload &t, tlm_phase &ph, sc_time &d)
{
    return m.nb_transport_fw(t, ph, d);
}

unsigned mmu_module::cpu_fw::transport_dbg(tlm_generic_payload &t)
{
    return m.transport_dbg(t);
}

bool mmu_module::cpu_fw::get_direct_mem_ptr(tlm_generic_payload &t, tlm_dmi &dmi)
{
    return m.get_direct_mem_ptr(t, dmi);
}

/* ---- control ---- */

mmu_err mmu_module::set_root(uint16_t asid, uint64_t root)
{
    const auto it = roots_.find(asid);
    const bool changed = it != roots_.end() && it->second != root;
    rep_.vpn = UINT64_MAX; /* (a root that changes invalidates the ASID: tlb_changes moves anyway) */
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
    rep_.vpn = UINT64_MAX;
    mmu_invalidate(m_, kind, vaddr, asid);
    dmi_drop(kind, vaddr, vaddr, asid);
}

void mmu_module::shootdown(void *ctx, uint16_t asid, uint64_t vaddr, mmu_page_size size)
{
    mmu_module *self = static_cast<mmu_module *>(ctx);
    const uint64_t mask = (UINT64_C(1) << mmu_page_shift(size)) - 1;
    self->dmi_drop(MMU_INVAL_ADDR_ASID, vaddr & ~mask, vaddr | mask, asid);
}

/* A host mapping of VM vmid changed (host swap, unmap): drop every DMI region of that VM. */
void mmu_module::host_shootdown(void *ctx, uint16_t vmid, uint64_t gpa, mmu_page_size size)
{
    (void)gpa;
    (void)size;
    mmu_module *self = static_cast<mmu_module *>(ctx);
    for (size_t i = 0; i < self->dmi_.size();) {
        const dmi_region g = self->dmi_[i];
        if (g.vmid != vmid) {
            i++;
            continue;
        }
        self->dmi_[i] = self->dmi_.back();
        self->dmi_.pop_back();
        self->ms_.dmi_invalidations++;
        self->cpu_socket->invalidate_direct_mem_ptr(g.vstart, g.vend);
    }
}

/* Virtualization: before a DMI grant for VM vmid, make sure the module hears the shootdowns of the
   host OS and of that VM's guest OS (VM 0's is the attached one).  false: it cannot (deny). */
bool mmu_module::dmi_watch_vm(uint16_t vmid)
{
    if (!mmu_get_config(m_)->virt.enabled)
        return true;
    if (vmid >= MMU_VIRT_MAX_VMS)
        return false;
    if (!dmi_watch_host_) {
        ::mmu_os *h = mmu_get_host_os(m_);
        if (!h || mmu_os_add_shootdown_target(h, &mmu_module::host_shootdown, this) != MMU_OK)
            return false;
        dmi_watch_host_ = true;
    }
    if (vmid == 0 || (dmi_watch_vms_ >> vmid & 1))
        return true;
    ::mmu_os *g = mmu_get_guest_os(m_, vmid);
    if (!g || mmu_os_add_shootdown_target(g, &mmu_module::shootdown, this) != MMU_OK)
        return false;
    dmi_watch_vms_ |= UINT64_C(1) << vmid;
    return true;
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
    rep_.vpn = UINT64_MAX;
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

} // namespace sc
} // namespace mmusim
