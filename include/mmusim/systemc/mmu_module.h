/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/systemc/mmu_module.h - the SystemC/TLM-2.0 MMU: one mmusim
 * instance between a CPU model and the memory system.
 *
 *   CPU --> cpu_socket [ mmu_module ] mem_socket --> interconnect / memory
 *           ctrl_socket (registers)   irq (fault interrupt)
 *
 * The module is a thin wrapper: it owns the C handle (mmu.h), turns a
 * transaction into an mmu_request, the C model's response into a TLM
 * response, and converts cycles and simulated time with the clock period.
 * Every timing and replacement decision is the C model's.
 *
 *  - b_transport (loosely timed): translate at the initiator's local time
 *    (sc_time_stamp() + delay), add the translation latency to the delay,
 *    rewrite the address, forward, restore the virtual address.  Works with
 *    tlm_utils::tlm_quantumkeeper.
 *  - nb_transport_fw/bw (approximately timed, base protocol, four phases):
 *    a request is translated when it arrives and goes downstream when its
 *    translation completes; END_REQ goes back upstream when the downstream
 *    request phase ended, BEGIN_RESP and END_RESP are passed through with
 *    their timing, and backpressure either way is honoured.  An access
 *    that crosses onto a frame not contiguous with the first is split
 *    into two downstream transactions, one after the other.
 *  - transport_dbg: translate with mmu_translate_debug (no timing, no TLB
 *    fill, no A/D update, no fault handling) and forward.
 *  - DMI: granted per page for a page the TLB holds, narrowed to the page
 *    and its permissions, with the level-1 TLB latency added; invalidated
 *    upstream when an invalidation (method, register, OS shootdown, new
 *    root) or the memory's own DMI invalidation covers it.
 *  - Faults: TLM_ADDRESS_ERROR_RESPONSE when there is no translation (not
 *    present, non-canonical, reserved bits), TLM_COMMAND_ERROR_RESPONSE when
 *    the translation refuses the access (permissions, A/D); a fault record
 *    (last_fault(), the extension, the FAULT_* registers) and the irq output.
 *  - Page tables: fixed walker mode (no page tables); standalone (radix
 *    mode with os.enabled, the default configuration): the OS model owns
 *    them and handles page faults (the module's own OS, or one shared by
 *    several modules with attach_os()); co-simulation (radix mode with
 *    os.enabled = off, or attach_os(nullptr)): the tables live in the
 *    memory behind mem_socket, PTE reads and writes are 8-byte transactions
 *    on it, and faults go back to the requester; static map (co-simulation
 *    with [map] regions): the module builds the tables of the regions in
 *    the memory behind mem_socket (at map.table_base, by debug transport,
 *    at the start of simulation) and walks them there.
 *  - A transaction without the extension is a data access (read or write
 *    by its command) of options::default_priv (user) in default_asid.
 *
 * See docs/systemc.md for the rules in full.
 */
#ifndef MMUSIM_SYSTEMC_MMU_MODULE_H
#define MMUSIM_SYSTEMC_MMU_MODULE_H

#include <cstdint>
#include <cstdio>
#include <deque>
#include <initializer_list>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_get.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "mmusim/mmu.h"
#include "mmusim/systemc/extension.h"

namespace mmusim {
namespace sc {

/* Products of cycles and ticks need 128 bits (a GCC/Clang extension, quiet under -pedantic). */
__extension__ typedef unsigned __int128 u128;

/*
 * A configuration: the defaults with key=value settings applied
 * (mmu_config_set names: {"walker.mode", "radix"}, {"tlb.stlb.entries",
 * "2048"}), then validated.  Throws std::invalid_argument naming the key.
 */
mmu_config make_config(std::initializer_list<std::pair<std::string, std::string>> settings = {});

/* Memory-mapped registers of ctrl_socket: 64-bit, little-endian (see docs/systemc.md). */
enum reg : uint64_t {
    REG_ID = 0x00,          /* RO  "MMUS" | version << 32 */
    REG_ASID = 0x08,        /* RW  address space used by ROOT and INVAL */
    REG_ROOT = 0x10,        /* RW  write: set the root table of ASID; read: the root set for ASID */
    REG_INVAL_ADDR = 0x18,  /* RW  virtual address used by INVAL */
    REG_INVAL = 0x20,       /* WO  write an mmu_inval_kind: 0 all, 1 ASID, 2 address, 3 address+ASID */
    REG_FAULT_STATUS = 0x28,/* RO  bit 0 pending; 15:8 cause; 23:16 level+1; 25:24 type; 26 super; 47:32 ASID */
    REG_FAULT_ADDR = 0x30,  /* RO  virtual address of the last fault */
    REG_FAULT_ACK = 0x38,   /* WO  any write: clear pending, lower irq */
    REG_FAULT_COUNT = 0x40, /* RO  faults reported */
    REG_CTRL = 0x48,        /* RW  bit 0: irq enable (1 after reset) */
    REG_REQUESTS = 0x50,    /* RO  translations (mmu_stats.requests) */
    REG_WALKS = 0x58,       /* RO  page walks (mmu_stats.walks) */
    REG_SIZE = 0x100        /* bytes decoded */
};

static constexpr uint64_t REG_ID_VALUE = 0x53554d4dull | (1ull << 32); /* "MMUS", version 1 */

/* Where the page tables live. */
enum class page_table_mode {
    fixed,      /* walker.mode = fixed: no page tables (identity map, fixed miss latency) */
    cosim,      /* in the memory behind mem_socket; faults go back to the requester */
    standalone, /* in the OS model (attach_os); page faults are handled there */
    static_map  /* built from [map] in the memory behind mem_socket; faults go back to the requester */
};

/*
 * Append a region to a configuration's static map ([map]; the module builds
 * its tables): perms of MMU_MAP_READ, _WRITE, _EXEC, _SUPER; asid < 0:
 * global.  Throws std::invalid_argument when the map is full.  The
 * configuration also needs os.enabled = off, map.table_base and
 * map.table_size (make_config checks it).
 */
void add_map_region(mmu_config &cfg, uint64_t vbase, uint64_t pbase, uint64_t size, unsigned perms,
                    mmu_page_size page_size = MMU_PS_4K, int asid = -1);

/*
 * Append a physical range [base, base + size) where the OS model (standalone
 * mode) places its frames: os.frame_ranges, or os.pt_ranges (page-table
 * frames only) with page_tables.  Throws std::invalid_argument when the list
 * is full; make_config / mmu_config_validate check the ranges (aligned,
 * non-empty, no overlap).  See docs/os-model.md, "Physical ranges".
 */
void add_frame_range(mmu_config &cfg, uint64_t base, uint64_t size, bool page_tables = false);

/* The module's own counters (the model's are in stats()). */
struct module_stats {
    uint64_t b_transport = 0;  /* LT transactions */
    uint64_t repeats = 0;      /* LT and AT transactions answered by the repeat path (options::repeat; not in
                                  the reports) */
    uint64_t nb_requests = 0;  /* AT transactions (BEGIN_REQ) */
    uint64_t debug = 0;        /* transport_dbg calls */
    uint64_t faults = 0;       /* transactions answered with a fault */
    uint64_t crossings = 0;    /* accesses that spanned two pages */
    uint64_t splits = 0;       /* accesses forwarded in two pieces (pages not contiguous), LT and AT */
    uint64_t burst_errors = 0; /* accesses refused with TLM_BURST_ERROR_RESPONSE */
    uint64_t pte_reads = 0;    /* co-simulation: PTE reads sent on mem_socket */
    uint64_t pte_writes = 0;   /* co-simulation: PTE writes sent on mem_socket */
    uint64_t pte_errors = 0;   /* co-simulation: PTE references the memory answered with an error */
    uint64_t dmi_grants = 0;
    uint64_t dmi_denials = 0;
    uint64_t dmi_invalidations = 0; /* regions invalidated upstream */
    uint64_t first_cycle = UINT64_MAX; /* issue cycle of the first translation */
    uint64_t last_cycle = 0;          /* completion cycle of the last */
};

class mmu_module : public sc_core::sc_module {
public:
    struct options {
        /* Core clock period: cycles <-> time.  Zero: exactly 1 / mmu.clock_mhz (conversions are exact
           even when the period is not a whole number of time-resolution ticks: see time_at). */
        sc_core::sc_time clock_period = sc_core::SC_ZERO_TIME;
        /* Transactions without the extension: a data access (a read or a write by the command, or a
           fetch when default_fetch and a read) of this privilege in this address space. */
        uint16_t default_asid = 0;
        uint16_t default_vmid = 0;   /* virtual machine (ignored without virtualization) */
        mmu_priv default_priv = MMU_PRIV_USER;
        bool default_fetch = false;
        uint32_t core_id = 0;        /* core id of fault records of transactions without the extension */
        /* Page tables in the platform's memory (co-simulation or static map at construction): a PTE
           reference costs what that memory takes, and the [ptemem] model is not added on top
           (the C model is created with ptemem.mode = fixed, fixed_latency = 0, data = off).
           false: the [ptemem] model prices each reference in addition. */
        bool platform_pte_cost = true;
        /* LT and AT: a transaction in the page the last one translated (same ASID, VMID, privilege and
           access type class, within the page, nothing changed in the TLBs since) is answered from that
           page's translation and counted where the model's hit filter counts it (mmu_access_repeat),
           with the same results, counts, timing and responses as mmu_access would give
           (docs/systemc.md, "The repeat path").  false: every transaction goes through mmu_access. */
        bool repeat = true;
        std::string stats_text;      /* text summary to this file ("-": stdout) */
        std::string stats_json;      /* JSON results to this file */
    };

    /* from the CPU (a plain target socket bound to the module's own forward interface: b_transport,
       nb_transport_fw, transport_dbg, get_direct_mem_ptr) */
    tlm::tlm_target_socket<> cpu_socket;
    tlm_utils::simple_initiator_socket<mmu_module> mem_socket;          /* to memory */
    tlm_utils::simple_target_socket_optional<mmu_module> ctrl_socket;   /* registers (may stay unbound) */
    /* Fault interrupt, level: high while a fault is pending (may stay unbound). */
    sc_core::sc_port<sc_core::sc_signal_inout_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND> irq;

    /*
     * Create the C model from cfg (checked first).  A configuration the
     * model refuses is an SC_REPORT_ERROR (which throws by default) naming
     * the field.  Radix mode with os.enabled creates an OS model of the
     * module's own ([os] of cfg): standalone.  Radix mode without it starts
     * in co-simulation: set a root per ASID (set_root).
     */
    mmu_module(sc_core::sc_module_name name, const mmu_config &cfg, const options &opt);
    mmu_module(sc_core::sc_module_name name, const mmu_config &cfg);
    ~mmu_module() override;

    mmu_module(const mmu_module &) = delete;
    mmu_module &operator=(const mmu_module &) = delete;

    /* ---- control ---- */

    /* The root table (CR3/satp/TTBR) of an address space; a new root invalidates the ASID. */
    [[nodiscard]] mmu_err set_root(uint16_t asid, uint64_t root);
    /* Invalidate TLB and paging-structure-cache entries, and DMI regions they cover. */
    void invalidate(mmu_inval_kind kind, uint64_t vaddr = 0, uint16_t asid = 0);

    /*
     * Standalone mode with a given OS model (mmu_os_create_from_config):
     * it owns the page tables (memory, roots, fault handling) and shoots
     * down this MMU's entries and the DMI regions they cover.  Several
     * modules may share one OS (the cores of an SoC); it must outlive them.
     * The module's own OS, if any, is destroyed.  nullptr detaches: back to
     * co-simulation.  Returns MMU_EUNSUPPORTED in fixed walker mode,
     * MMU_EINVAL for an OS of another page-table format, MMU_ENOMEM.
     */
    [[nodiscard]] mmu_err attach_os(::mmu_os *os);
    /* The OS model in use (standalone), or nullptr. */
    ::mmu_os *os() const { return os_; }

    page_table_mode mode() const { return mode_; }

    /* ---- faults ---- */
    const fault_record &last_fault() const { return last_fault_; }
    bool fault_pending() const { return irq_pending_; }
    /* Acknowledge: clear the pending fault and lower irq. */
    void clear_fault();
    void set_irq_enable(bool on);

    /* ---- time ----
     * The period is num/den time-resolution ticks (a fraction in lowest terms: 3000 MHz at 1 ps is
     * 1000/3).  Cycle c starts at time_at(c) = ceil(c * num / den) ticks, so time never drifts:
     * 3000 cycles of 3000 MHz are exactly 1 us.  clock_period() is the period rounded to a tick. */
    const sc_core::sc_time &clock_period() const { return period_; }
    bool clock_exact() const { return den_ == 1; } /* the period is a whole number of ticks */
    /* The cycle a time falls in (floor). */
    uint64_t cycle_of(const sc_core::sc_time &t) const
    {
        const uint64_t v = t.value();
        if (v <= max_v_) /* v * den_ fits in 64 bits (always when den_ == 1) */
            return div_num_.div(v * den_);
        return cycle_of_wide(v);
    }
    /* The start of cycle c, in ticks (ceil(c * num / den)). */
    uint64_t ticks_at(uint64_t c) const
    {
        if (den_ == 1)
            return c * num_;
        if (c <= max_c_) /* c * num_ + den_ - 1 fits in 64 bits */
            return div_den_.div(c * num_ + (den_ - 1));
        return ticks_at_wide(c);
    }
    sc_core::sc_time time_at(uint64_t c) const { return sc_core::sc_time::from_value(ticks_at(c)); }
    /* The time cycles take from cycle 0 (from cycle c: time_at(c + cycles) - time_at(c)). */
    sc_core::sc_time time_of(uint64_t cycles) const { return time_at(cycles); }
    /* Cycles a span of ticks takes, rounded up. */
    uint64_t cycles_in(uint64_t ticks) const
    {
        if (den_ == 1)
            return (ticks + num_ - 1) / num_;
        const u128 x = static_cast<u128>(ticks) * den_;
        return static_cast<uint64_t>((x + num_ - 1) / num_);
    }

    /* ---- statistics ---- */
    const mmu_stats &stats() const { return *mmu_get_stats(m_); }
    const module_stats &mod_stats() const { return ms_; }
    void clear_stats();
    /* The C handle, for everything else in mmu.h (it stays the module's). */
    ::mmu *handle() { return m_; }
    const ::mmu *handle() const { return m_; }
    /* What the reports name as the workload (a trace-driven core sets its trace). */
    struct workload {
        std::string name;                              /* default: the module's name */
        std::string format = "SystemC transactions";
        std::string compression = "none";
        uint64_t instructions = 0;                     /* for walks per 1000 instructions */
    };
    void set_workload(const workload &w) { workload_ = w; }
    /* The testbench's text summary (the same as `mmusim run`) and module counters. */
    void report_text(FILE *out) const;
    /* The testbench's JSON document, written atomically.  Returns false with *err set on failure. */
    bool report_json(const std::string &path, std::string *err) const;
    /*
     * Write the reports options.stats_text / stats_json name, now.  They are also written
     * automatically, once: from end_of_simulation() (after sc_stop()), or, when the simulation
     * never gets there (it ended by starvation, or sc_start(duration) returned), when the module
     * is destroyed.  Returns false if a report could not be written (a warning says why).
     */
    bool write_reports() const;
    /* The tables of the static map, built at the start of simulation (mode() == static_map). */
    const mmu_map_tables &map_tables() const { return map_tables_; }

protected:
    void end_of_elaboration() override;
    void start_of_simulation() override;
    void end_of_simulation() override;

private:
    /* An AT transaction the module holds. */
    struct at_state {
        uint64_t vaddr;
        tlm::tlm_generic_payload *down = nullptr; /* what went downstream last: t, or its second piece */
        tlm::tlm_generic_payload *piece[2] = {nullptr, nullptr}; /* split: the pieces */
        bool owe_end_resp = false; /* the downstream response phase is open (END_RESP to send) */
        bool req_ended = false;    /* END_REQ was sent upstream */
        bool resp_waiting = false; /* the response came before END_REQ was sent upstream */
    };
    struct dmi_region {
        uint64_t vstart, vend;     /* granted virtual range */
        uint64_t pstart, pend;     /* the physical range behind it */
        uint64_t page_lo, page_hi; /* the virtual page it lies in */
        uint16_t asid;
        uint16_t vmid;             /* granted for this VM only */
    };
    struct xlate {
        mmu_request req;
        mmu_response r[2];
        int n;
        uint32_t len0; /* bytes in the first page (set when n == 2) */
    };

    /* cpu_socket's forward interface: calls straight into the module (no simple_target_socket
       hop through member-function pointers); defined in mmu_module.cpp */
    struct cpu_fw final : tlm::tlm_fw_transport_if<> {
        mmu_module &m;
        explicit cpu_fw(mmu_module &mod) : m(mod) {}
        void b_transport(tlm::tlm_generic_payload &t, sc_core::sc_time &d) override;
        tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &t, tlm::tlm_phase &ph,
                                           sc_core::sc_time &d) override;
        unsigned transport_dbg(tlm::tlm_generic_payload &t) override;
        bool get_direct_mem_ptr(tlm::tlm_generic_payload &t, tlm::tlm_dmi &dmi) override;
    };

    /* transport */
    void b_transport(tlm::tlm_generic_payload &t, sc_core::sc_time &delay);
    void b_transport_page(tlm::tlm_generic_payload &t, sc_core::sc_time &delay);
    void b_transport_full(tlm::tlm_generic_payload &t, sc_core::sc_time &delay);
    void repeat_data_forward(tlm::tlm_generic_payload &t, sc_core::sc_time &delay, uint64_t pa, bool write);
    void rep_remember(const xlate &x);
    void rep_note(const xlate &x);
    int repeat_answer(tlm::tlm_generic_payload &t, translation_extension *ext, sc_core::sc_time &delay,
                      uint64_t &pa);
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &t, tlm::tlm_phase &ph, sc_core::sc_time &d);
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload &t, tlm::tlm_phase &ph, sc_core::sc_time &d);
    unsigned transport_dbg(tlm::tlm_generic_payload &t);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload &t, tlm::tlm_dmi &dmi);
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
    void ctrl_b_transport(tlm::tlm_generic_payload &t, sc_core::sc_time &delay);
    unsigned ctrl_transport_dbg(tlm::tlm_generic_payload &t);

    /* helpers */
    void make_request(const tlm::tlm_generic_payload &t, const translation_extension *ext,
                      const sc_core::sc_time &when, mmu_request &req) const;
    sc_core::sc_time translate(tlm::tlm_generic_payload &t, translation_extension *ext, const sc_core::sc_time &now,
                               const sc_core::sc_time &offset, xlate &x);
    void fault(tlm::tlm_generic_payload &t, translation_extension *ext, const xlate &x,
               const sc_core::sc_time &offset);
    void forward_split(tlm::tlm_generic_payload &t, sc_core::sc_time &delay, const xlate &x);
    bool splittable(const tlm::tlm_generic_payload &t, const xlate &x) const;
    void write_reports_now(bool at_exit) const;
    void build_static_map();
    static uint32_t map_write(void *ctx, uint64_t pa, uint64_t v);
    static int map_root(void *ctx, uint16_t asid, uint64_t *root);
    void set_map_handler();
    void enter();
    void leave();
    void use_socket_port();
    unsigned ctrl_access(tlm::tlm_generic_payload &t, bool debug);
    uint64_t ctrl_read(uint64_t off) const;
    bool ctrl_write(uint64_t off, uint64_t v);
    void dmi_drop(mmu_inval_kind kind, uint64_t lo, uint64_t hi, uint16_t asid);
    void dmi_drop_physical(uint64_t lo, uint64_t hi);
    uint32_t l1_latency(bool fetch) const;

    /* co-simulation memory port */
    static uint32_t port_read(void *ctx, uint64_t pa, uint64_t *v);
    static uint32_t port_read_dbg(void *ctx, uint64_t pa, uint64_t *v);
    static uint32_t port_write(void *ctx, uint64_t pa, uint64_t v);
    uint32_t pte_access(bool write, uint64_t pa, uint64_t *v);
    /* standalone shootdowns */
    static void shootdown(void *ctx, uint16_t asid, uint64_t vaddr, mmu_page_size size);
    static void host_shootdown(void *ctx, uint16_t vmid, uint64_t gpa, mmu_page_size size);
    bool dmi_watch_vm(uint16_t vmid);

    /* AT processes */
    void at_translate_thread();
    void up_method();
    void irq_method();
    void at_forward(tlm::tlm_generic_payload &t, at_state &st, const xlate &x);
    bool at_send_down(tlm::tlm_generic_payload &g, bool last);
    void at_end_req(tlm::tlm_generic_payload &t, at_state &st);
    void at_respond(tlm::tlm_generic_payload &t, const sc_core::sc_time &d);
    void at_end_resp(tlm::tlm_generic_payload &t, const sc_core::sc_time &d);
    tlm::tlm_generic_payload *piece_get();
    void finish(tlm::tlm_generic_payload &t);

    cpu_fw cpu_fw_{*this};
    tlm::tlm_blocking_transport_if<> *down_ = nullptr; /* mem_socket's b_transport (end_of_elaboration) */
    ::mmu *m_ = nullptr;
    ::mmu_os *os_ = nullptr;
    bool own_os_ = false;
    /* virtualization: DMI shootdowns registered on the host OS and on the guest OS of VM k (bit k; VM 0's is os_) */
    bool dmi_watch_host_ = false;
    uint64_t dmi_watch_vms_ = 0;
    options opt_;
    workload workload_;
    page_table_mode mode_ = page_table_mode::fixed;
    sc_core::sc_time period_;
    uint64_t num_ = 1, den_ = 1; /* the period in ticks: num / den */
    /* Exact division of any 64-bit value by a constant d without a divide instruction: a
       multiplication by a 64-bit reciprocal, a subtraction and shifts (Granlund and Montgomery,
       "Division by invariant integers using multiplication", 1994, figure 4.1). */
    struct divider {
        uint64_t m = 0;          /* floor(2^64 * (2^l - d) / d) + 1, with l = ceil(log2 d); 0 for d = 1 */
        unsigned s1 = 0, s2 = 0; /* 1 and l - 1; 0 and 0 for d = 1 (then div(n) = n) */
        void set(uint64_t d);
        uint64_t div(uint64_t n) const
        {
            const uint64_t t = static_cast<uint64_t>((static_cast<u128>(m) * n) >> 64);
            return (t + ((n - t) >> s1)) >> s2;
        }
    };
    divider div_num_, div_den_;
    uint64_t max_v_ = 0, max_c_ = 0; /* cycle_of / ticks_at without 128 bits up to these */
    uint64_t cycle_of_wide(uint64_t v) const;
    uint64_t ticks_at_wide(uint64_t c) const;
    uint64_t lat_ticks_ = 0;         /* the last translation latency, and as time */
    sc_core::sc_time lat_time_;
    module_stats ms_;
    mutable bool auto_reports_done_ = false;

    /* The LT repeat path (options::repeat): the page the last LT translation hit in level 1, while
       the model's hit filter answers it (mmu_repeat_ok); valid while *tlb_changes == changes. */
    struct repeat_page {
        bool valid = false;
        bool data_caches = false;   /* loads and stores through the PTE caches (mmu_access_data) */
        bool data = false;          /* data_caches and the page's side is loads and stores */
        uint8_t types = 0;          /* bit t: access type t answered there */
        uint32_t shift = 12;        /* the filter's page granularity */
        uint64_t vpn = UINT64_MAX;  /* va >> shift */
        uint64_t last_vpn = UINT64_MAX; /* the page of the last LT translation (remembered on its second) */
        uint64_t key = 0;           /* ASID | VMID << 16 | privilege << 32 */
        uint64_t pbase = 0, mask = 0;
        uint64_t changes = 0;       /* *tlb_changes when the filter said yes */
        const uint64_t *tlb_changes = nullptr;
        uint32_t l1_latency[2] = {0, 0}; /* the filter's latency: fetches, loads and stores */
        uint64_t cycle = 0;         /* the request cycle the filter said yes at (later ones only) */
        uint32_t lat = 0;           /* the filter's latency on the page's side (cycles) */
        uint64_t lat_ticks_lo = 0;  /* floor(lat * num_ / den_): lat periods in ticks, rounded down */
        sc_core::sc_time lat_time;  /* and as time (the latency when den_ == 1) */
        sc_core::sc_time lat_time_hi; /* ceil(lat * num_ / den_) ticks */
        mmu_repeat_slot slot{};
        mmu_response resp{};        /* the filter's response (paddr and done_cycle set per access) */
    } rep_;
    mmu_data_repeat drep_{};        /* the PTE caches' last data line (mmu_get_data_repeat) */

    /* one translation at a time: the C model is not re-entrant, and a
       co-simulation walk can wait inside the memory */
    bool busy_ = false;
    unsigned waiters_ = 0;
    sc_core::sc_event free_ev_;
    bool debug_walk_ = false;          /* PTE references by transport_dbg */
    sc_core::sc_time port_offset_;     /* local time offset of the translation in progress */
    tlm::tlm_generic_payload pte_payload_;

    /* AT */
    tlm_utils::peq_with_get<tlm::tlm_generic_payload> req_peq_;
    tlm_utils::peq_with_get<tlm::tlm_generic_payload> up_peq_;
    std::deque<tlm::tlm_generic_payload *> up_queue_;
    tlm::tlm_generic_payload *up_busy_ = nullptr;  /* waiting for END_RESP upstream */
    sc_core::sc_time up_free_at_;                  /* END_RESP annotated into the future */
    sc_core::sc_event up_free_ev_;
    /* the downstream request in progress (the translate thread waits for its END_REQ) */
    tlm::tlm_generic_payload *down_wait_ = nullptr;
    bool down_end_req_ = false, down_resp_ = false; /* END_REQ (or BEGIN_RESP) / a piece's response seen */
    sc_core::sc_time down_at_;                     /* when */
    sc_core::sc_event down_ev_;
    std::unordered_map<tlm::tlm_generic_payload *, at_state> at_;
    std::unordered_map<tlm::tlm_generic_payload *, tlm::tlm_generic_payload *> parent_; /* piece -> t */
    std::vector<tlm::tlm_generic_payload *> piece_pool_;
    std::vector<std::unique_ptr<tlm::tlm_generic_payload>> pieces_;

    /* faults and interrupt */
    fault_record last_fault_;
    bool irq_pending_ = false;
    bool irq_enable_ = true;
    sc_core::sc_event irq_ev_;

    /* DMI and registers */
    std::vector<dmi_region> dmi_;
    std::unordered_map<uint16_t, uint64_t> roots_;
    uint64_t reg_asid_ = 0, reg_inval_addr_ = 0;

    /* static map */
    bool map_pending_ = false;
    mmu_map_config map_cfg_{};
    mmu_map_tables map_tables_{};
    uint64_t map_errors_ = 0, map_error_addr_ = 0;
};

} // namespace sc
} // namespace mmusim

#endif /* MMUSIM_SYSTEMC_MMU_MODULE_H */
