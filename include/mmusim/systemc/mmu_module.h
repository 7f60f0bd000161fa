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
 *    requests are accepted at once (END_REQ) so several can be outstanding;
 *    each is translated when it arrives, in arrival order, so their walks
 *    overlap in the C model's walker pool, and goes downstream when its
 *    translation completes.
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
 *    on it, and faults go back to the requester.
 *
 * See docs/systemc.md for the rules in full.
 */
#ifndef MMUSIM_SYSTEMC_MMU_MODULE_H
#define MMUSIM_SYSTEMC_MMU_MODULE_H

#include <cstdint>
#include <cstdio>
#include <deque>
#include <initializer_list>
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
    standalone  /* in the OS model (attach_os); page faults are handled there */
};

/* The module's own counters (the model's are in stats()). */
struct module_stats {
    uint64_t b_transport = 0;  /* LT transactions */
    uint64_t nb_requests = 0;  /* AT transactions (BEGIN_REQ) */
    uint64_t debug = 0;        /* transport_dbg calls */
    uint64_t faults = 0;       /* transactions answered with a fault */
    uint64_t crossings = 0;    /* accesses that spanned two pages */
    uint64_t splits = 0;       /* LT accesses forwarded in two pieces (pages not contiguous) */
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
        /* Core clock period: cycles <-> time.  Zero: 1 / mmu.clock_mhz, rounded to the time resolution. */
        sc_core::sc_time clock_period = sc_core::SC_ZERO_TIME;
        uint16_t default_asid = 0;   /* address space of transactions without the extension */
        uint32_t core_id = 0;        /* core id of fault records of transactions without the extension */
        std::string stats_text;      /* end of simulation: text summary to this file ("-": stdout) */
        std::string stats_json;      /* end of simulation: JSON results to this file */
    };

    tlm_utils::simple_target_socket<mmu_module> cpu_socket;             /* from the CPU */
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

    /* ---- time ---- */
    const sc_core::sc_time &clock_period() const { return period_; }
    /* The cycle a time falls in (floor). */
    uint64_t cycle_of(const sc_core::sc_time &t) const
    {
        const uint64_t v = t.value();
        /* a multiplication by the reciprocal, corrected to the exact floor: no division per transaction */
        uint64_t c = static_cast<uint64_t>(static_cast<double>(v) * inv_period_);
        while (c && c * period_ticks_ > v)
            c--;
        while ((c + 1) * period_ticks_ <= v)
            c++;
        return c;
    }
    sc_core::sc_time time_of(uint64_t cycles) const
    {
        if (cycles != tc_cycles_) { /* most translations take the same few latencies */
            tc_cycles_ = cycles;
            tc_time_ = sc_core::sc_time::from_value(cycles * period_ticks_);
        }
        return tc_time_;
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
    /* Write the reports options.stats_text / stats_json name (end_of_simulation does it). */
    void write_reports() const;

protected:
    void end_of_simulation() override;

private:
    struct at_state {
        uint64_t vaddr;
        uint64_t paddr;
    };
    struct dmi_region {
        uint64_t vstart, vend;     /* granted virtual range */
        uint64_t pstart, pend;     /* the physical range behind it */
        uint64_t page_lo, page_hi; /* the virtual page it lies in */
        uint16_t asid;
    };
    struct xlate {
        mmu_request req;
        mmu_response r[2];
        int n;
        uint32_t len0; /* bytes in the first page */
    };

    /* transport */
    void b_transport(tlm::tlm_generic_payload &t, sc_core::sc_time &delay);
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

    /* AT processes */
    void at_translate_thread();
    void down_method();
    void up_method();
    void irq_method();
    void down_response(tlm::tlm_generic_payload &t, const sc_core::sc_time &d);
    void down_release(tlm::tlm_generic_payload &t, const sc_core::sc_time &d);
    void finish(tlm::tlm_generic_payload &t);

    ::mmu *m_ = nullptr;
    ::mmu_os *os_ = nullptr;
    bool own_os_ = false;
    options opt_;
    workload workload_;
    page_table_mode mode_ = page_table_mode::fixed;
    sc_core::sc_time period_;
    uint64_t period_ticks_ = 1;
    double inv_period_ = 1.0;
    mutable uint64_t tc_cycles_ = 0;
    mutable sc_core::sc_time tc_time_;
    module_stats ms_;

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
    tlm_utils::peq_with_get<tlm::tlm_generic_payload> down_peq_;
    tlm_utils::peq_with_get<tlm::tlm_generic_payload> up_peq_;
    std::deque<tlm::tlm_generic_payload *> down_queue_, up_queue_;
    tlm::tlm_generic_payload *down_busy_ = nullptr; /* waiting for END_REQ downstream */
    tlm::tlm_generic_payload *up_busy_ = nullptr;   /* waiting for END_RESP upstream */
    sc_core::sc_time down_free_at_, up_free_at_;   /* END_REQ / END_RESP annotated into the future */
    sc_core::sc_event down_free_ev_, up_free_ev_;
    std::unordered_map<tlm::tlm_generic_payload *, at_state> at_;

    /* faults and interrupt */
    fault_record last_fault_;
    bool irq_pending_ = false;
    bool irq_enable_ = true;
    sc_core::sc_event irq_ev_;

    /* DMI and registers */
    std::vector<dmi_region> dmi_;
    std::unordered_map<uint16_t, uint64_t> roots_;
    uint64_t reg_asid_ = 0, reg_inval_addr_ = 0;
};

} // namespace sc
} // namespace mmusim

#endif /* MMUSIM_SYSTEMC_MMU_MODULE_H */
