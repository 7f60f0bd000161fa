/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_systemc.cpp - the SystemC MMU module driven through its sockets.
 *
 * A test initiator (LT, AT, debug, DMI; and the register socket) drives
 * mmu_module bound to the memory model; a reference C model (mmu.h) with the
 * same configuration, and in co-simulation mode the same page tables in a
 * sparse memory with the same per-reference latency, gets the same
 * requests at the same cycles, and every result the module gives through
 * TLM (translated address, annotated delay, response status, fault record,
 * AT completion times) must equal what the reference says.
 *
 * SystemC elaborates once per process, so each scenario runs in its own
 * process: test_systemc SCENARIO (ctest registers one test per scenario).
 * Exit status 0 if every check passed, 1 otherwise.
 */
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "mmusim/mmusim.h"
#include "mmusim/systemc/bus.h"
#include "mmusim/systemc/memory.h"
#include "mmusim/systemc/mmu_module.h"

using namespace sc_core;
using namespace tlm;
using mmusim::sc::fault_record;
using mmusim::sc::memory;
using mmusim::sc::mmu_module;
using mmusim::sc::translation_extension;

/* ---- checks ---- */

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        checks++;                                                                    \
        if (!(cond)) {                                                               \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                              \
        }                                                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                          \
    do {                                                                                        \
        checks++;                                                                               \
        const unsigned long long va_ = static_cast<unsigned long long>(a);                      \
        const unsigned long long vb_ = static_cast<unsigned long long>(b);                      \
        if (va_ != vb_) {                                                                       \
            std::fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (0x%llx != 0x%llx, %llu != %llu)\n", \
                         __FILE__, __LINE__, #a, #b, va_, vb_, va_, vb_);                       \
            failures++;                                                                         \
        }                                                                                       \
    } while (0)

#define CHECK_TIME(a, b)                                                                         \
    do {                                                                                         \
        checks++;                                                                                \
        const sc_time ta_ = (a), mmusim_ = (b);                                                      \
        if (ta_ != mmusim_) {                                                                        \
            std::fprintf(stderr, "%s:%d: CHECK_TIME failed: %s == %s (%s != %s)\n", __FILE__, __LINE__, \
                         #a, #b, ta_.to_string().c_str(), mmusim_.to_string().c_str());              \
            failures++;                                                                          \
        }                                                                                        \
    } while (0)

/* ---- constants of every scenario ---- */

static const sc_time PERIOD(1, SC_NS); /* 1 GHz: a cycle is a nanosecond */
static const uint64_t MEM_LAT = 20;    /* memory latency, cycles */
static const uint64_t TABLE_BASE = 0x100000;  /* page-table pages from here */
static const uint64_t DATA_BASE = 0x10000000; /* data frames from here */

static sc_time ns(uint64_t n)
{
    return sc_time::from_value(PERIOD.value() * n);
}

/* ---- page tables written into both memories (x86-64, 4K and 2M pages) ---- */

struct page_tables {
    const mmu_pt_format *fmt = mmu_pt_format_find("x86_64");
    std::function<void(uint64_t, uint64_t)> write; /* paddr, 64-bit word */
    std::function<uint64_t(uint64_t)> read;
    uint64_t next = TABLE_BASE;
    uint64_t root = 0;

    uint64_t alloc()
    {
        const uint64_t t = next;
        next += 4096;
        return t;
    }
    void init() { root = alloc(); }

    /* The address of the entry for va at level, allocating tables above it. */
    uint64_t entry(uint64_t va, unsigned level)
    {
        uint64_t table = root;
        for (unsigned l = fmt->levels - 1; l > level; l--) {
            const uint64_t pa = table + 8 * mmu_pt_index(fmt, l, va);
            mmu_pte pte;
            if (mmu_pte_decode(fmt, l, read(pa), &pte) != MMU_OK || !(pte.flags & MMU_PTE_VALID)) {
                std::memset(&pte, 0, sizeof pte);
                pte.paddr = alloc();
                pte.flags = MMU_PTE_VALID | MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_USER | MMU_PTE_EXEC |
                            MMU_PTE_ACCESSED;
                uint64_t raw;
                if (mmu_pte_encode(fmt, l, &pte, &raw) != MMU_OK)
                    std::abort();
                write(pa, raw);
            }
            table = pte.paddr;
        }
        return table + 8 * mmu_pt_index(fmt, level, va);
    }

    /* Map the page of va to pa with MMU_PTE_* flags (VALID and LEAF are added); level 1 = 2M. */
    void map(uint64_t va, uint64_t pa, uint32_t flags, unsigned level = 0)
    {
        mmu_pte pte;
        std::memset(&pte, 0, sizeof pte);
        pte.paddr = pa;
        pte.flags = flags | MMU_PTE_VALID | MMU_PTE_LEAF;
        uint64_t raw;
        if (mmu_pte_encode(fmt, level, &pte, &raw) != MMU_OK)
            std::abort();
        write(entry(va, level), raw);
    }
};

static const uint32_t RW_USER = MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_USER | MMU_PTE_EXEC | MMU_PTE_ACCESSED |
                                MMU_PTE_DIRTY;

/* ---- the test initiator ---- */

/* A register access of len bytes (little-endian) at off through ctrl, an initiator socket bound to a ctrl_socket. */
template <typename Socket>
static tlm_response_status reg_access(Socket &ctrl, tlm_command cmd, uint64_t off, uint64_t &v, unsigned len = 8)
{
    unsigned char b[8] = {0};
    for (unsigned i = 0; i < len; i++)
        b[i] = static_cast<unsigned char>(v >> (8 * i));
    tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(off);
    t.set_data_ptr(b);
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_response_status(TLM_INCOMPLETE_RESPONSE);
    sc_time d = SC_ZERO_TIME;
    ctrl->b_transport(t, d);
    if (cmd == TLM_READ_COMMAND) {
        v = 0;
        for (unsigned i = 0; i < len; i++)
            v |= static_cast<uint64_t>(b[i]) << (8 * i);
    }
    return t.get_response_status();
}

struct tester : sc_module {
    tlm_utils::simple_initiator_socket<tester> socket;
    tlm_utils::simple_initiator_socket<tester> ctrl;
    std::function<void(tester &)> body;
    std::vector<std::pair<uint64_t, uint64_t>> invalidations;

    struct response {
        tlm_generic_payload *t;
        sc_time time;
        uint64_t addr;
        tlm_response_status status;
    };
    std::vector<response> responses;
    tlm_generic_payload *req_busy = nullptr;
    sc_event resp_ev;

    explicit tester(sc_module_name n) : sc_module(n), socket("socket"), ctrl("ctrl")
    {
        socket.register_nb_transport_bw(this, &tester::nb_transport_bw);
        socket.register_invalidate_direct_mem_ptr(this, &tester::invalidate);
        SC_HAS_PROCESS(tester);
        SC_THREAD(run);
    }
    bool stop_at_end = true;
    void run()
    {
        body(*this);
        if (stop_at_end)
            sc_stop();
    }
    void invalidate(sc_dt::uint64 lo, sc_dt::uint64 hi) { invalidations.emplace_back(lo, hi); }
    std::map<tlm_generic_payload *, sc_time> end_req_at; /* END_REQ (or BEGIN_RESP in its place) */
    sc_event end_req_ev;
    tlm_sync_enum nb_transport_bw(tlm_generic_payload &t, tlm_phase &ph, sc_time &d)
    {
        if (req_busy == &t)
            req_busy = nullptr;
        if (!end_req_at.count(&t)) {
            end_req_at[&t] = sc_time_stamp() + d;
            end_req_ev.notify(d);
        }
        if (ph == BEGIN_RESP) {
            responses.push_back(response{&t, sc_time_stamp() + d, t.get_address(), t.get_response_status()});
            resp_ev.notify(SC_ZERO_TIME);
            ph = END_RESP;
            return TLM_COMPLETED;
        }
        return TLM_ACCEPTED;
    }

    /* Register access through the ctrl socket. */
    tlm_response_status reg(tlm_command cmd, uint64_t off, uint64_t &v, unsigned len = 8)
    {
        return reg_access(ctrl, cmd, off, v, len);
    }
    uint64_t reg_read(uint64_t off)
    {
        uint64_t v = 0;
        CHECK_EQ(reg(TLM_READ_COMMAND, off, v), TLM_OK_RESPONSE);
        return v;
    }
    void reg_write(uint64_t off, uint64_t v) { CHECK_EQ(reg(TLM_WRITE_COMMAND, off, v), TLM_OK_RESPONSE); }
};

/* ---- the scenario environment: tester -> mmu -> memory, and the reference ---- */

struct env {
    mmu_config cfg;
    std::unique_ptr<memory> mem;
    std::unique_ptr<mmu_module> dut;
    std::unique_ptr<tester> tb;
    sc_signal<bool> irq{"irq_signal"};
    mmu *ref = nullptr;
    mmu_sparse_mem *refmem = nullptr;
    page_tables pt;
    struct seen {
        uint64_t addr;
        unsigned len;
        bool write;
        sc_time time;
    };
    std::vector<seen> data_seen; /* data accesses at the memory (not PTE references) */
    uint64_t pte_refs_seen = 0;

    explicit env(const mmu_config &c, bool bind_irq = true, bool clock_from_config = false) : cfg(c)
    {
        mem.reset(new memory("mem", UINT64_C(1) << 40, ns(MEM_LAT)));
        mmu_module::options opt;
        if (!clock_from_config)
            opt.clock_period = PERIOD;
        opt.platform_pte_cost = false; /* the reference prices PTEs with [ptemem] on top of the memory */
        dut.reset(new mmu_module("mmu", cfg, opt));
        tb.reset(new tester("tb"));
        tb->socket.bind(dut->cpu_socket);
        tb->ctrl.bind(dut->ctrl_socket);
        dut->mem_socket.bind(mem->socket);
        if (bind_irq)
            dut->irq(irq);
        mem->set_observer([this](const tlm_generic_payload &t, const sc_time &when) {
            if (t.get_address() >= DATA_BASE || cfg.walker.mode == MMU_WALKER_FIXED)
                data_seen.push_back(seen{t.get_address(), t.get_data_length(), t.is_write(), when});
            else
                pte_refs_seen++;
        });
        char msg[256];
        if (mmu_create(&cfg, &ref, msg, sizeof msg) != MMU_OK || mmu_sparse_mem_create(MEM_LAT, &refmem) != MMU_OK) {
            std::fprintf(stderr, "reference: %s\n", msg);
            std::exit(1);
        }
        const mmu_mem_port port = mmu_sparse_mem_port(refmem);
        mmu_set_memory(ref, &port);
        pt.write = [this](uint64_t pa, uint64_t v) {
            mem->write64(pa, v);
            if (mmu_sparse_mem_write64(refmem, pa, v) != MMU_OK)
                std::abort();
        };
        pt.read = [this](uint64_t pa) { return mem->read64(pa); };
    }
    ~env()
    {
        mmu_destroy(ref);
        mmu_sparse_mem_destroy(refmem);
    }

    void set_root(uint16_t asid)
    {
        CHECK_EQ(dut->set_root(asid, pt.root), MMU_OK);
        CHECK_EQ(mmu_set_root(ref, asid, pt.root), MMU_OK);
    }

    /* The reference's answer to the request the module made at sc_time_stamp() + offset. */
    struct answer {
        uint64_t cycle; /* issue cycle */
        int n;          /* translations: 2 when the access crossed a page */
        mmu_response r[2];
        const mmu_response &last() const { return r[n - 1]; }
        uint64_t cycles() const { return last().done_cycle - cycle; } /* total translation latency */
    };
    answer ref_access2(uint64_t va, uint32_t size, uint16_t asid, mmu_access_type type, mmu_priv priv,
                       const sc_time &offset)
    {
        answer a;
        mmu_request req;
        req.vaddr = va;
        req.cycle = (sc_time_stamp() + offset).value() / PERIOD.value();
        req.size = size;
        req.asid = asid;
        req.type = static_cast<uint8_t>(type);
        req.priv = static_cast<uint8_t>(priv);
        req.vmid = 0;
        a.cycle = req.cycle;
        a.n = mmu_access(ref, &req, a.r);
        return a;
    }
    mmu_response ref_access(uint64_t va, uint32_t size, uint16_t asid, mmu_access_type type, mmu_priv priv,
                            const sc_time &offset)
    {
        return ref_access2(va, size, asid, type, priv, offset).last();
    }
};

static void check_same_response(const mmu_response &got, const mmu_response &want)
{
    CHECK_EQ(got.fault, want.fault);
    CHECK_EQ(got.paddr, want.paddr);
    CHECK_EQ(got.latency, want.latency);
    CHECK_EQ(got.done_cycle, want.done_cycle);
    CHECK_EQ(got.outcome, want.outcome);
    CHECK_EQ(got.level, want.level);
    if (want.fault == MMU_FAULT_NONE) /* not set by the model on a fault */
        CHECK_EQ(got.page_size, want.page_size);
    CHECK_EQ(got.walk_refs, want.walk_refs);
    CHECK_EQ(got.pwc_level, want.pwc_level);
    CHECK_EQ(got.fault_level, want.fault_level);
}

/* One LT transaction; the extension is used when ext is non-NULL. */
struct lt_result {
    tlm_response_status status;
    sc_time added;
    uint64_t addr_after;
    unsigned char data[64];
};

static lt_result lt(env &e, uint64_t va, tlm_command cmd, translation_extension *ext, unsigned len = 8,
                    const sc_time &delay0 = SC_ZERO_TIME, const unsigned char *wdata = nullptr)
{
    lt_result r;
    std::memset(r.data, 0, sizeof r.data);
    if (wdata)
        std::memcpy(r.data, wdata, len);
    tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(va);
    t.set_data_ptr(r.data);
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_response_status(TLM_INCOMPLETE_RESPONSE);
    if (ext)
        t.set_extension(ext);
    sc_time d = delay0;
    e.tb->socket->b_transport(t, d);
    if (ext)
        t.clear_extension(ext);
    r.status = t.get_response_status();
    r.added = d - delay0;
    r.addr_after = t.get_address();
    return r;
}

/* One LT transaction through a tester's socket. */
static lt_result lt_plain(tester &tb, uint64_t va, tlm_command cmd, translation_extension *ext, unsigned len = 8)
{
    lt_result r;
    std::memset(r.data, 0, sizeof r.data);
    tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(va);
    t.set_data_ptr(r.data);
    t.set_data_length(len);
    t.set_streaming_width(len);
    t.set_response_status(TLM_INCOMPLETE_RESPONSE);
    t.set_extension(ext);
    sc_time d = SC_ZERO_TIME;
    tb.socket->b_transport(t, d);
    t.clear_extension(ext);
    r.status = t.get_response_status();
    r.added = d;
    r.addr_after = t.get_address();
    return r;
}

/* The physical address of va in the reference (a debug translation). */
static uint64_t want_paddr(const mmu *m, uint64_t va, uint16_t asid)
{
    mmu_request req = {va, 0, 8, asid, MMU_READ, MMU_PRIV_USER, 0};
    mmu_response r;
    CHECK_EQ(mmu_translate_debug(m, &req, &r), MMU_OK);
    return r.paddr;
}

/* An LT access checked against the reference: address, delay, response, status. */
static lt_result lt_checked(env &e, uint64_t va, tlm_command cmd, uint16_t asid, mmu_priv priv, bool fetch = false,
                            unsigned len = 8, const sc_time &offset = SC_ZERO_TIME)
{
    translation_extension ext(asid, priv, fetch, 7);
    const size_t seen_before = e.data_seen.size();
    const env::answer want = e.ref_access2(va, len, asid,
                                           cmd == TLM_WRITE_COMMAND ? MMU_WRITE : fetch ? MMU_FETCH : MMU_READ, priv,
                                           offset);
    const lt_result r = lt(e, va, cmd, &ext, len, offset);
    CHECK(ext.translated);
    check_same_response(ext.response, want.last());
    CHECK_EQ(r.addr_after, va); /* the virtual address is restored */
    if (want.last().fault == MMU_FAULT_NONE) {
        CHECK_EQ(r.status, TLM_OK_RESPONSE);
        CHECK_TIME(r.added, ns(want.cycles() + MEM_LAT));
        CHECK_EQ(e.data_seen.size(), seen_before + 1);
        if (e.data_seen.size() == seen_before + 1) {
            CHECK_EQ(e.data_seen.back().addr, want.r[0].paddr);
            /* the memory sees the access at the issue time plus the translation latency */
            CHECK_TIME(e.data_seen.back().time, sc_time_stamp() + offset + ns(want.cycles()));
        }
        CHECK(!ext.fault.valid);
    } else {
        CHECK_TIME(r.added, ns(want.cycles()));
        CHECK_EQ(e.data_seen.size(), seen_before); /* nothing reached the memory */
        CHECK(ext.fault.valid);
        CHECK_EQ(ext.fault.cause, want.last().fault);
        CHECK_EQ(ext.fault.vaddr, want.n == 2 ? (va | 0xFFF) + 1 : va);
        CHECK_EQ(ext.fault.level, want.last().fault_level);
        CHECK_EQ(ext.fault.asid, asid);
        CHECK_EQ(ext.fault.core_id, 7);
        CHECK_EQ(ext.fault.priv, priv);
        CHECK_EQ(ext.fault.cycle, want.last().done_cycle);
        CHECK_TIME(ext.fault.time, sc_time_stamp() + offset + ns(want.cycles()));
        const fault_record &f = e.dut->last_fault();
        CHECK(f.valid && f.cause == ext.fault.cause && f.vaddr == ext.fault.vaddr);
    }
    return r;
}

static mmu_config radix_config(std::initializer_list<std::pair<std::string, std::string>> extra = {})
{
    /* co-simulation: no OS model, the page tables are the test's */
    mmu_config c = mmusim::sc::make_config({{"walker.mode", "radix"}, {"walker.format", "x86_64"}, {"os.enabled", "off"}});
    char msg[256];
    for (const auto &kv : extra)
        if (mmu_config_set(&c, kv.first.c_str(), kv.second.c_str(), msg, sizeof msg) != MMU_OK) {
            std::fprintf(stderr, "config: %s\n", msg);
            std::exit(1);
        }
    return c;
}

/* A deterministic pseudo-random sequence. */
static uint64_t rnd(uint64_t &x)
{
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

/* ================= scenarios ================= */

/* Fixed walker: hits, misses, reads, writes, fetches; delays and addresses as the C model says. */
static void scenario_lt_fixed()
{
    env e(mmusim::sc::make_config({{"walker.mode", "fixed"}, {"walker.latency", "45"}}));
    e.tb->body = [&e](tester &) {
        uint64_t x = 12345;
        for (int i = 0; i < 600; i++) {
            const uint64_t r = rnd(x);
            const uint64_t page = (r % 8 == 0) ? (r >> 8) % 100000 : r % 40; /* mostly hot pages */
            const uint64_t va = (page << 12) | ((r >> 32) & 0xFF8);
            const int kind = static_cast<int>((r >> 40) % 4);
            lt_checked(e, va, kind == 1 ? TLM_WRITE_COMMAND : TLM_READ_COMMAND, static_cast<uint16_t>((r >> 50) % 3),
                       MMU_PRIV_USER, kind == 2);
            if (i % 50 == 0)
                wait(ns(13)); /* let time pass now and then */
        }
        /* without the extension: a user read (options::default_priv) in the default address space */
        const mmu_response want = e.ref_access(0x5000, 8, 0, MMU_READ, MMU_PRIV_USER, SC_ZERO_TIME);
        const lt_result r = lt(e, 0x5000, TLM_READ_COMMAND, nullptr);
        CHECK_EQ(r.status, TLM_OK_RESPONSE);
        CHECK_TIME(r.added, ns(want.latency + MEM_LAT));
        const mmu_stats &s = e.dut->stats();
        const mmu_stats *rs = mmu_get_stats(e.ref);
        CHECK_EQ(s.requests, rs->requests);
        CHECK_EQ(s.walks, rs->walks);
        CHECK(s.walks > 20);              /* the sequence did miss */
        CHECK(s.walks < s.requests / 2);  /* and mostly hit */
        CHECK_EQ(s.latency_sum, rs->latency_sum);
    };
    sc_start();
}

/* Co-simulation: the walker reads the page tables the test wrote into the SystemC memory. */
static void scenario_lt_cosim()
{
    env e(radix_config());
    e.pt.init();
    for (uint64_t i = 0; i < 64; i++) /* 64 pages, frames out of order */
        e.pt.map(0x400000 + (i << 12), DATA_BASE + (((i * 37) % 64) << 12), RW_USER);
    e.pt.map(0x40000000, DATA_BASE + 0x200000, RW_USER, 1); /* a 2M page */
    /* a page with A and D clear: the walker sets them through the socket */
    e.pt.map(0x7000000, DATA_BASE + 0x800000, MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_USER);
    e.set_root(1);
    for (uint64_t i = 0; i < 64; i++)
        e.mem->write64(DATA_BASE + (((i * 37) % 64) << 12) + 0x18, 0xABCD0000 + i);

    e.tb->body = [&e](tester &) {
        uint64_t x = 777;
        for (int i = 0; i < 400; i++) {
            const uint64_t r = rnd(x);
            const uint64_t va = (r % 5 == 0) ? 0x40000000 + ((r >> 8) & 0x1FFFF8)
                                             : 0x400000 + (((r >> 8) % 64) << 12) + ((r >> 20) & 0xFF8);
            /* issued at a local time offset (temporal decoupling): walks in flight at the
               offset are joined, earlier ones are not */
            lt_checked(e, va, (r >> 30) % 3 == 0 ? TLM_WRITE_COMMAND : TLM_READ_COMMAND, 1, MMU_PRIV_USER, false, 8,
                       ns((r >> 45) % 400));
            if (i % 37 == 0)
                wait(ns(1000));
        }
        /* the data comes from the frame the page tables name */
        translation_extension ext(1, MMU_PRIV_USER);
        const lt_result r = lt(e, 0x400000 + (5 << 12) + 0x18, TLM_READ_COMMAND, &ext);
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v |= static_cast<uint64_t>(r.data[i]) << (8 * i);
        CHECK_EQ(v, 0xABCD0005);
        (void)e.ref_access(0x400000 + (5 << 12) + 0x18, 8, 1, MMU_READ, MMU_PRIV_USER, SC_ZERO_TIME);

        /* A/D updates are PTE writes on the socket, as in the reference (time passes between
           the accesses, so that the write's walk does not join the read's) */
        const uint64_t pte_pa = e.pt.entry(0x7000000, 0);
        wait(ns(10000));
        lt_checked(e, 0x7000010, TLM_READ_COMMAND, 1, MMU_PRIV_USER);
        wait(ns(10000));
        lt_checked(e, 0x7000010, TLM_WRITE_COMMAND, 1, MMU_PRIV_USER);
        CHECK_EQ(e.mem->read64(pte_pa), mmu_sparse_mem_read64(e.refmem, pte_pa));
        mmu_pte pte;
        CHECK_EQ(mmu_pte_decode(e.pt.fmt, 0, e.mem->read64(pte_pa), &pte), MMU_OK);
        CHECK((pte.flags & MMU_PTE_ACCESSED) && (pte.flags & MMU_PTE_DIRTY));

        const mmu_stats &s = e.dut->stats();
        const mmu_stats *rs = mmu_get_stats(e.ref);
        CHECK_EQ(s.walks, rs->walks);
        CHECK_EQ(s.pte_reads, rs->pte_reads);
        CHECK_EQ(s.ad_writes, rs->ad_writes);
        CHECK(s.ad_writes >= 2);
        CHECK(s.walks >= 60);
        /* every PTE reference went out through mem_socket (the C model also re-reads the
           tables for a request that joins a walk in flight: more reads than pte_reads) */
        CHECK(s.walks_merged > 0);
        CHECK(e.dut->mod_stats().pte_reads >= s.pte_reads);
        CHECK_EQ(e.dut->mod_stats().pte_writes, s.ad_writes);
        CHECK_EQ(e.pte_refs_seen, e.dut->mod_stats().pte_reads + e.dut->mod_stats().pte_writes);
        CHECK_EQ(e.dut->mod_stats().pte_errors, 0);
    };
    sc_start();
}

/* Faults: response status, record (module, extension, registers), interrupt, acknowledge. */
static void scenario_faults()
{
    env e(radix_config());
    e.pt.init();
    e.pt.map(0x400000, DATA_BASE, RW_USER);
    e.pt.map(0x401000, DATA_BASE + 0x1000, MMU_PTE_READ | MMU_PTE_USER | MMU_PTE_ACCESSED); /* read-only */
    e.pt.map(0x402000, DATA_BASE + 0x2000, MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_ACCESSED | MMU_PTE_DIRTY); /* kernel */
    e.set_root(2);

    e.tb->body = [&e](tester &tb) {
        CHECK(!e.irq.read());
        CHECK_EQ(tb.reg_read(mmusim::sc::REG_FAULT_STATUS), 0);

        /* not present, at the leaf level (the PT exists: 0x403000 shares it) */
        lt_result r = lt_checked(e, 0x403008, TLM_READ_COMMAND, 2, MMU_PRIV_USER);
        CHECK_EQ(r.status, TLM_ADDRESS_ERROR_RESPONSE);
        const fault_record f = e.dut->last_fault();
        CHECK(f.valid);
        CHECK_EQ(f.cause, MMU_FAULT_NOT_PRESENT);
        CHECK_EQ(f.vaddr, 0x403008);
        CHECK_EQ(f.level, 0);
        CHECK_EQ(f.type, MMU_READ);
        CHECK(e.dut->fault_pending());
        wait(ns(5000));
        CHECK(e.irq.read()); /* the interrupt is up */
        const uint64_t st = tb.reg_read(mmusim::sc::REG_FAULT_STATUS);
        CHECK_EQ(st & 1, 1);
        CHECK_EQ((st >> 8) & 0xFF, MMU_FAULT_NOT_PRESENT);
        CHECK_EQ((st >> 16) & 0xFF, 1); /* level 0, + 1 */
        CHECK_EQ((st >> 24) & 3, MMU_READ);
        CHECK_EQ((st >> 26) & 1, 0); /* user */
        CHECK_EQ((st >> 32) & 0xFFFF, 2);
        CHECK_EQ(tb.reg_read(mmusim::sc::REG_FAULT_ADDR), 0x403008);
        CHECK_EQ(tb.reg_read(mmusim::sc::REG_FAULT_COUNT), 1);
        tb.reg_write(mmusim::sc::REG_FAULT_ACK, 1);
        wait(SC_ZERO_TIME);
        wait(SC_ZERO_TIME);
        CHECK(!e.irq.read());
        CHECK(!e.dut->fault_pending());
        CHECK_EQ(tb.reg_read(mmusim::sc::REG_FAULT_STATUS) & 1, 0);

        /* not present higher up: nothing mapped in that 1G region */
        r = lt_checked(e, 0x7f0000000000, TLM_READ_COMMAND, 2, MMU_PRIV_USER);
        CHECK_EQ(r.status, TLM_ADDRESS_ERROR_RESPONSE);
        CHECK(e.dut->last_fault().level > 0);

        /* write to a read-only page: found by the walk, then by the TLB entry */
        r = lt_checked(e, 0x401010, TLM_WRITE_COMMAND, 2, MMU_PRIV_USER);
        CHECK_EQ(r.status, TLM_COMMAND_ERROR_RESPONSE);
        CHECK_EQ(e.dut->last_fault().cause, MMU_FAULT_WRITE_RO);
        lt_checked(e, 0x401010, TLM_READ_COMMAND, 2, MMU_PRIV_USER); /* fills the TLB */
        r = lt_checked(e, 0x401010, TLM_WRITE_COMMAND, 2, MMU_PRIV_USER);
        CHECK_EQ(r.status, TLM_COMMAND_ERROR_RESPONSE);
        CHECK_EQ(e.dut->last_fault().level, -1); /* on the TLB entry */

        /* user access to a supervisor page; without the extension the same (user by default) */
        r = lt_checked(e, 0x402000, TLM_READ_COMMAND, 2, MMU_PRIV_USER);
        CHECK_EQ(r.status, TLM_COMMAND_ERROR_RESPONSE);
        CHECK_EQ(e.dut->last_fault().cause, MMU_FAULT_USER_SUPER);
        CHECK_EQ(e.dut->set_root(0, e.pt.root), MMU_OK); /* the default address space */
        CHECK_EQ(mmu_set_root(e.ref, 0, e.pt.root), MMU_OK);
        const mmu_response want = e.ref_access(0x402000, 8, 0, MMU_READ, MMU_PRIV_USER, SC_ZERO_TIME);
        r = lt(e, 0x402000, TLM_READ_COMMAND, nullptr);
        CHECK_EQ(r.status, TLM_COMMAND_ERROR_RESPONSE);
        CHECK_EQ(e.dut->last_fault().cause, MMU_FAULT_USER_SUPER);
        CHECK_EQ(e.dut->last_fault().priv, MMU_PRIV_USER);
        CHECK_TIME(r.added, ns(want.latency));

        /* fetch from a page without execute permission */
        e.pt.map(0x404000, DATA_BASE + 0x4000, MMU_PTE_READ | MMU_PTE_USER | MMU_PTE_ACCESSED);
        r = lt_checked(e, 0x404000, TLM_READ_COMMAND, 2, MMU_PRIV_USER, true);
        CHECK_EQ(r.status, TLM_COMMAND_ERROR_RESPONSE);
        CHECK_EQ(e.dut->last_fault().cause, MMU_FAULT_NX_FETCH);

        /* non-canonical */
        r = lt_checked(e, 0x0000900000000000, TLM_READ_COMMAND, 2, MMU_PRIV_USER);
        CHECK_EQ(r.status, TLM_ADDRESS_ERROR_RESPONSE);
        CHECK_EQ(e.dut->last_fault().cause, MMU_FAULT_NONCANONICAL);

        /* an address space without a root */
        r = lt_checked(e, 0x400000, TLM_READ_COMMAND, 9, MMU_PRIV_USER);
        CHECK_EQ(r.status, TLM_ADDRESS_ERROR_RESPONSE);

        /* with the interrupt disabled the line stays low, the record is kept */
        tb.reg_write(mmusim::sc::REG_FAULT_ACK, 1);
        tb.reg_write(mmusim::sc::REG_CTRL, 0);
        lt_checked(e, 0x403000, TLM_READ_COMMAND, 2, MMU_PRIV_USER);
        wait(ns(5000));
        CHECK(!e.irq.read());
        CHECK(e.dut->fault_pending());
        tb.reg_write(mmusim::sc::REG_CTRL, 1);
        wait(ns(1));
        CHECK(e.irq.read());
        e.dut->clear_fault();
        wait(ns(1));
        CHECK(!e.irq.read());
        CHECK_EQ(e.dut->mod_stats().faults, 10);
        CHECK_EQ(tb.reg_read(mmusim::sc::REG_FAULT_COUNT), 10);
    };
    sc_start();
}

/* transport_dbg: data through the translation, no side effect on the model or the page tables. */
static void scenario_debug()
{
    env e(radix_config());
    e.pt.init();
    e.pt.map(0x400000, DATA_BASE + 0x5000, MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_USER); /* A, D clear */
    e.pt.map(0x401000, DATA_BASE + 0x1000, RW_USER);
    e.set_root(1);
    for (uint64_t i = 0; i < 4096; i += 8) {
        e.mem->write64(DATA_BASE + 0x5000 + i, 0x1111000000000000 | i);
        e.mem->write64(DATA_BASE + 0x1000 + i, 0x2222000000000000 | i);
    }

    e.tb->body = [&e](tester &) {
        const uint64_t pte_pa = e.pt.entry(0x400000, 0);
        const uint64_t pte_before = e.mem->read64(pte_pa);
        const mmu_stats before = e.dut->stats();
        std::vector<mmu_tlb_stats> tlb_before;
        for (uint32_t i = 0; i < mmu_tlb_count(e.dut->handle()); i++)
            tlb_before.push_back(*mmu_tlb_get_stats(mmu_get_tlb(e.dut->handle(), i)));
        const uint64_t refs_before = e.pte_refs_seen;

        /* 16 bytes across the page boundary: two translations, two frames */
        unsigned char buf[16];
        translation_extension ext(1, MMU_PRIV_USER);
        tlm_generic_payload t;
        t.set_command(TLM_READ_COMMAND);
        t.set_address(0x400FF8);
        t.set_data_ptr(buf);
        t.set_data_length(16);
        t.set_streaming_width(16);
        t.set_extension(&ext);
        CHECK_EQ(e.tb->socket->transport_dbg(t), 16);
        CHECK_EQ(t.get_address(), 0x400FF8);
        uint64_t lo = 0, hi = 0;
        for (int i = 0; i < 8; i++) {
            lo |= static_cast<uint64_t>(buf[i]) << (8 * i);
            hi |= static_cast<uint64_t>(buf[8 + i]) << (8 * i);
        }
        CHECK_EQ(lo, 0x1111000000000FF8);
        CHECK_EQ(hi, 0x2222000000000000);
        CHECK(!ext.translated); /* debug results are not reported as translations */

        /* a debug write reaches the frame too */
        std::memset(buf, 0x5A, 8);
        t.set_command(TLM_WRITE_COMMAND);
        t.set_address(0x401100);
        t.set_data_length(8);
        t.set_streaming_width(8);
        CHECK_EQ(e.tb->socket->transport_dbg(t), 8);
        CHECK_EQ(e.mem->read64(DATA_BASE + 0x1100), 0x5A5A5A5A5A5A5A5A);

        /* unmapped: nothing transferred */
        t.set_command(TLM_READ_COMMAND);
        t.set_address(0x500000);
        CHECK_EQ(e.tb->socket->transport_dbg(t), 0);
        t.clear_extension(&ext);

        /* nothing changed: counters, TLBs, page tables, no timed PTE reference */
        const mmu_stats &after = e.dut->stats();
        CHECK(std::memcmp(&before, &after, sizeof before) == 0);
        for (uint32_t i = 0; i < mmu_tlb_count(e.dut->handle()); i++)
            CHECK(std::memcmp(&tlb_before[i], mmu_tlb_get_stats(mmu_get_tlb(e.dut->handle(), i)),
                              sizeof tlb_before[i]) == 0);
        CHECK_EQ(e.mem->read64(pte_pa), pte_before);
        CHECK_EQ(e.pte_refs_seen, refs_before);
        CHECK_EQ(e.dut->mod_stats().pte_reads, 0);
        CHECK_EQ(e.dut->last_fault().valid, false);

        /* and the next real access walks exactly as the reference, which saw no debug access */
        lt_checked(e, 0x400010, TLM_READ_COMMAND, 1, MMU_PRIV_USER);
        CHECK_EQ(e.dut->stats().walks, 1);
        mmu_pte pte;
        CHECK_EQ(mmu_pte_decode(e.pt.fmt, 0, e.mem->read64(pte_pa), &pte), MMU_OK);
        CHECK(pte.flags & MMU_PTE_ACCESSED);
    };
    sc_start();
}

/* DMI: per page, narrowed, permissions, latency; invalidated by every kind of invalidation. */
static void scenario_dmi()
{
    env e(radix_config());
    e.pt.init();
    e.pt.map(0x400000, DATA_BASE + 0x3000, MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_USER | MMU_PTE_ACCESSED); /* D clear */
    e.pt.map(0x401000, DATA_BASE + 0x7000, MMU_PTE_READ | MMU_PTE_USER | MMU_PTE_ACCESSED);              /* read-only */
    e.pt.map(0x402000, DATA_BASE + 0x9000, RW_USER);
    e.set_root(1);
    e.mem->write64(DATA_BASE + 0x3123, 0x0123456789ABCDEF);

    e.tb->body = [&e](tester &tb) {
        translation_extension ext(1, MMU_PRIV_USER);
        auto ask = [&](uint64_t va, tlm_dmi &dmi, tlm_command cmd = TLM_READ_COMMAND) {
            tlm_generic_payload t;
            t.set_command(cmd);
            t.set_address(va);
            t.set_extension(&ext);
            dmi.init();
            const bool ok = tb.socket->get_direct_mem_ptr(t, dmi);
            CHECK_EQ(t.get_address(), va);
            t.clear_extension(&ext);
            return ok;
        };
        tlm_dmi dmi;
        /* not in the TLB yet: denied, for that page */
        CHECK(!ask(0x400123, dmi));
        CHECK_EQ(dmi.get_start_address(), 0x400000);
        CHECK_EQ(dmi.get_end_address(), 0x400FFF);
        const mmu_stats before = e.dut->stats();
        CHECK_EQ(before.requests, 0); /* a DMI request is not a translation */

        /* after a read: read-only access (the entry is cached with D clear) */
        lt_checked(e, 0x400100, TLM_READ_COMMAND, 1, MMU_PRIV_USER);
        CHECK(ask(0x400123, dmi));
        CHECK_EQ(dmi.get_start_address(), 0x400000); /* narrowed from the memory's 64K block */
        CHECK_EQ(dmi.get_end_address(), 0x400FFF);
        CHECK(dmi.is_read_allowed());
        CHECK(!dmi.is_write_allowed());
        uint64_t v = 0;
        std::memcpy(&v, dmi.get_dmi_ptr() + 0x123, 8);
        CHECK_EQ(v, 0x0123456789ABCDEF);
        const uint32_t l1 = e.cfg.tlb[mmu_config_find_tlb(&e.cfg, "l1d")].latency;
        CHECK_TIME(dmi.get_read_latency(), ns(MEM_LAT + l1));

        /* after a write (D set by the walk): read and write */
        lt_checked(e, 0x400100, TLM_WRITE_COMMAND, 1, MMU_PRIV_USER);
        CHECK(ask(0x400123, dmi, TLM_WRITE_COMMAND));
        CHECK(dmi.is_read_write_allowed());
        /* a read-only page */
        lt_checked(e, 0x401000, TLM_READ_COMMAND, 1, MMU_PRIV_USER);
        CHECK(ask(0x401000, dmi));
        CHECK(dmi.is_read_allowed() && !dmi.is_write_allowed());
        CHECK_EQ(dmi.get_start_address(), 0x401000);
        /* permissions of the requester: a supervisor is refused a user page (SMAP) */
        ext.priv = MMU_PRIV_SUPER;
        CHECK(!ask(0x401000, dmi));
        ext.priv = MMU_PRIV_USER;

        /* invalidation by address */
        tb.invalidations.clear();
        e.dut->invalidate(MMU_INVAL_ADDR, 0x400800);
        mmu_invalidate(e.ref, MMU_INVAL_ADDR, 0x400800, 0);
        CHECK_EQ(tb.invalidations.size(), 1);
        if (tb.invalidations.size() == 1) {
            CHECK_EQ(tb.invalidations[0].first, 0x400000);
            CHECK_EQ(tb.invalidations[0].second, 0x400FFF);
        }
        CHECK(!ask(0x400123, dmi)); /* the TLB no longer holds it */

        /* invalidation of everything through the register socket */
        lt_checked(e, 0x402000, TLM_WRITE_COMMAND, 1, MMU_PRIV_USER);
        CHECK(ask(0x402000, dmi));
        tb.invalidations.clear();
        tb.reg_write(mmusim::sc::REG_INVAL, MMU_INVAL_ALL);
        mmu_invalidate(e.ref, MMU_INVAL_ALL, 0, 0);
        CHECK_EQ(tb.invalidations.size(), 2); /* 0x401000 and 0x402000 */

        /* the memory's own invalidation, physical, comes out virtual */
        lt_checked(e, 0x402000, TLM_READ_COMMAND, 1, MMU_PRIV_USER);
        CHECK(ask(0x402010, dmi));
        tb.invalidations.clear();
        e.mem->invalidate_dmi(DATA_BASE + 0x9000, DATA_BASE + 0x9FFF);
        CHECK_EQ(tb.invalidations.size(), 1);
        if (tb.invalidations.size() == 1) {
            CHECK_EQ(tb.invalidations[0].first, 0x402000);
            CHECK_EQ(tb.invalidations[0].second, 0x402FFF);
        }

        /* a new root for the address space */
        CHECK(ask(0x402010, dmi));
        tb.invalidations.clear();
        CHECK_EQ(e.dut->set_root(1, e.pt.root + 0x1000000), MMU_OK);
        CHECK_EQ(tb.invalidations.size(), 1);
        CHECK_EQ(e.dut->mod_stats().dmi_invalidations, 5);
    };
    sc_start();
}

/* Approximately timed: overlapping walks in the walker pool, completions as the reference says. */
static void scenario_at()
{
    env e(radix_config({{"walker.count", "2"}}));
    e.pt.init();
    for (uint64_t i = 0; i < 16; i++)
        e.pt.map(0x400000 + (i << 21), DATA_BASE + (i << 12), RW_USER); /* different PTs: no PWC sharing below */
    e.set_root(1);

    e.tb->body = [&e](tester &tb) {
        const unsigned K = 8;
        std::vector<tlm_generic_payload> gp(K);
        std::vector<translation_extension> ext(K, translation_extension(1, MMU_PRIV_USER));
        std::vector<std::vector<unsigned char>> data(K, std::vector<unsigned char>(8));
        /* pages 0..5, page 2 twice (a TLB hit), and an unmapped page */
        const uint64_t va[K] = {0x400000, 0x600000, 0x800000, 0xA00000, 0x800040, 0xC00000, 0xE00000, 0x5000000};
        wait(ns(50));
        std::vector<mmu_response> want(K);
        std::vector<sc_time> sent(K);
        for (unsigned i = 0; i < K; i++) {
            /* one request phase at a time: the next BEGIN_REQ after this one's END_REQ */
            sent[i] = sc_time_stamp();
            want[i] = e.ref_access(va[i], 8, 1, MMU_READ, MMU_PRIV_USER, SC_ZERO_TIME);
            tlm_generic_payload &t = gp[i];
            t.set_command(TLM_READ_COMMAND);
            t.set_address(va[i]);
            t.set_data_ptr(data[i].data());
            t.set_data_length(8);
            t.set_streaming_width(8);
            t.set_response_status(TLM_INCOMPLETE_RESPONSE);
            t.set_extension(&ext[i]);
            tlm_phase ph = BEGIN_REQ;
            sc_time d = SC_ZERO_TIME;
            const tlm_sync_enum s = tb.socket->nb_transport_fw(t, ph, d);
            CHECK_EQ(s, TLM_ACCEPTED); /* END_REQ when the request went downstream */
            while (!tb.end_req_at.count(&t))
                wait(tb.end_req_ev);
            /* the memory accepts at once: END_REQ when the translation completed */
            CHECK_TIME(tb.end_req_at[&t], sent[i] + ns(want[i].latency));
            if (sc_time_stamp() < tb.end_req_at[&t])
                wait(tb.end_req_at[&t] - sc_time_stamp());
        }
        while (tb.responses.size() < K)
            wait(tb.resp_ev);
        for (unsigned i = 0; i < K; i++) {
            check_same_response(ext[i].response, want[i]);
            const tester::response *r = nullptr;
            for (const tester::response &x : tb.responses)
                if (x.t == &gp[i])
                    r = &x;
            CHECK(r != nullptr);
            if (!r)
                continue;
            CHECK_EQ(r->addr, va[i]); /* restored before the response */
            if (want[i].fault != MMU_FAULT_NONE) {
                CHECK_EQ(r->status, TLM_ADDRESS_ERROR_RESPONSE);
                CHECK_TIME(r->time, sent[i] + ns(want[i].latency));
                continue;
            }
            CHECK_EQ(r->status, TLM_OK_RESPONSE);
            /* downstream when the translation completes, back after the memory latency */
            const env::seen *s = nullptr;
            for (const env::seen &x : e.data_seen)
                if (x.addr == want[i].paddr)
                    s = &x;
            CHECK(s != nullptr);
            if (s)
                CHECK_TIME(s->time, sent[i] + ns(want[i].latency));
            CHECK_TIME(r->time, sent[i] + ns(want[i].latency + MEM_LAT));
        }
        CHECK_EQ(want[4].outcome, MMU_OUT_TLB);
        for (unsigned i = 0; i < K; i++)
            gp[i].clear_extension(&ext[i]);
        CHECK_EQ(e.dut->stats().walks, mmu_get_stats(e.ref)->walks);
        CHECK_EQ(e.dut->mod_stats().nb_requests, K);

        /* LT after AT: the same model state */
        lt_checked(e, 0x600008, TLM_READ_COMMAND, 1, MMU_PRIV_USER);
    };
    sc_start();
}

/* LT with a quantum keeper: the annotated delays add up to the reference's latencies. */
static void scenario_quantum()
{
    /* the clock from mmu.clock_mhz: 2000 MHz, 500 ps */
    env e(mmusim::sc::make_config({{"walker.mode", "fixed"}, {"mmu.clock_mhz", "2000"}}), true, true);
    e.tb->body = [&e](tester &tb) {
        CHECK_TIME(e.dut->clock_period(), sc_time(500, SC_PS));
        tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(200, SC_NS));
        tlm_utils::tlm_quantumkeeper qk;
        qk.reset();
        const uint64_t p = 500;                            /* ps per cycle */
        const uint64_t mem_ps = MEM_LAT * 1000; /* the memory annotates 20 ns */
        uint64_t expect_ps = 0;
        uint64_t syncs = 0;
        uint64_t x = 99;
        for (int i = 0; i < 2000; i++) {
            const uint64_t r = rnd(x);
            const uint64_t va = ((r % 10 == 0 ? (r >> 10) % 50000 : r % 30) << 12) | ((r >> 30) & 0xFF8);
            mmu_request req;
            req.vaddr = va;
            req.cycle = expect_ps / p; /* the issue cycle */
            req.size = 8;
            req.asid = 0;
            req.type = MMU_READ;
            req.priv = MMU_PRIV_SUPER;
            req.vmid = 0;
            mmu_response want[2];
            const int n = mmu_access(e.ref, &req, want);
            tlm_generic_payload t;
            unsigned char buf[8];
            t.set_command(TLM_READ_COMMAND);
            t.set_address(va);
            t.set_data_ptr(buf);
            t.set_data_length(8);
            t.set_streaming_width(8);
            sc_time d = qk.get_local_time();
            tb.socket->b_transport(t, d);
            qk.set(d);
            expect_ps += (want[n - 1].done_cycle - req.cycle) * p + mem_ps;
            if (qk.need_sync()) {
                qk.sync();
                syncs++;
            }
            CHECK_TIME(qk.get_current_time(), sc_time(static_cast<double>(expect_ps), SC_PS));
        }
        CHECK(syncs > 10);
        CHECK_EQ(e.dut->stats().requests, mmu_get_stats(e.ref)->requests);
        CHECK_EQ(e.dut->stats().latency_sum, mmu_get_stats(e.ref)->latency_sum);
        CHECK(e.dut->stats().walks > 50);
    };
    sc_start();
}

/*
 * Time and cycles for clocks that are not a whole number of ticks (3000 MHz:
 * 1000/3 ps; 7 MHz: 10^6/7 ps; 99991 MHz: 10^6/99991 ps) and for some that
 * are: cycle_of is the exact floor and ticks_at the exact ceiling, on both
 * sides of where the module leaves 64-bit products for 128-bit ones (and of
 * 2^53, where an earlier version did), against a 128-bit reference.
 */
static void scenario_clock()
{
    const char *const mhz[] = {"3000", "7", "2000", "1", "1024", "2400", "2997", "99991", "100000"};
    for (const char *f : mhz) {
        mmusim::sc::mmu_module dut(("dut" + std::string(f)).c_str(),
                                   mmusim::sc::make_config({{"walker.mode", "fixed"}, {"mmu.clock_mhz", f}}));
        const uint64_t per_us = sc_time(1, SC_US).value(), m = std::strtoull(f, nullptr, 10);
        uint64_t a = per_us, b = m;
        while (b) {
            const uint64_t r = a % b;
            a = b;
            b = r;
        }
        const uint64_t num = per_us / a, den = m / a;
        CHECK_EQ(dut.clock_exact(), den == 1);
        std::vector<uint64_t> vs = {0, 1, num - 1, num, num + 1, 123456789};
        for (uint64_t around : {(UINT64_C(1) << 53) / den, (UINT64_C(1) << 53) / num, UINT64_C(1) << 53,
                                UINT64_MAX / den, (UINT64_MAX - (den - 1)) / num})
            for (uint64_t d = 0; d < 2000; d += 7) {
                vs.push_back(around + d);
                vs.push_back(around - d);
            }
        uint64_t x = 5;
        for (int i = 0; i < 20000; i++) {
            const uint64_t r = rnd(x);
            vs.push_back(r >> (r % 24));
        }
        unsigned bad = 0;
        for (uint64_t v : vs) {
            if (v >= (UINT64_C(1) << 62))
                continue;
            const uint64_t want_c = static_cast<uint64_t>(static_cast<mmusim::sc::u128>(v) * den / num);
            const uint64_t got_c = dut.cycle_of(sc_time::from_value(v));
            const mmusim::sc::u128 t = static_cast<mmusim::sc::u128>(v) * num;
            const mmusim::sc::u128 want_t128 = (t + den - 1) / den;
            if (want_t128 >> 62) /* beyond 64-bit time */
                continue;
            const uint64_t want_t = static_cast<uint64_t>(want_t128);
            const uint64_t got_t = dut.ticks_at(v);
            if (got_c != want_c || got_t != want_t) {
                if (bad++ < 5)
                    std::fprintf(stderr, "%s MHz: v %llu: cycle_of %llu (want %llu), ticks_at %llu (want %llu)\n", f,
                                 static_cast<unsigned long long>(v), static_cast<unsigned long long>(got_c),
                                 static_cast<unsigned long long>(want_c), static_cast<unsigned long long>(got_t),
                                 static_cast<unsigned long long>(want_t));
            }
        }
        CHECK_EQ(bad, 0);
    }
}

/* The register socket: root and invalidation by registers, errors for bad accesses. */
static void scenario_regs()
{
    env e(radix_config(), false); /* irq left unbound: allowed */
    e.pt.init();
    e.pt.map(0x400000, DATA_BASE, RW_USER);

    e.tb->body = [&e](tester &tb) {
        CHECK_EQ(tb.reg_read(mmusim::sc::REG_ID), mmusim::sc::REG_ID_VALUE);
        uint64_t v = 0;
        CHECK_EQ(tb.reg(TLM_READ_COMMAND, mmusim::sc::REG_ID + 4, v, 4), TLM_OK_RESPONSE);
        CHECK_EQ(v, mmusim::sc::REG_ID_VALUE >> 32);
        tb.reg_write(mmusim::sc::REG_ASID, 3);
        tb.reg_write(mmusim::sc::REG_ROOT, e.pt.root);
        CHECK_EQ(tb.reg_read(mmusim::sc::REG_ROOT), e.pt.root);
        CHECK_EQ(mmu_set_root(e.ref, 3, e.pt.root), MMU_OK);
        lt_checked(e, 0x400010, TLM_READ_COMMAND, 3, MMU_PRIV_USER);
        lt_checked(e, 0x400018, TLM_READ_COMMAND, 3, MMU_PRIV_USER); /* a hit */
        CHECK_EQ(tb.reg_read(mmusim::sc::REG_REQUESTS), 2);
        CHECK_EQ(tb.reg_read(mmusim::sc::REG_WALKS), 1);
        /* invalidate the address in ASID 3: the next access walks again (later: not joining the first walk) */
        wait(ns(10000));
        tb.reg_write(mmusim::sc::REG_INVAL_ADDR, 0x400000);
        tb.reg_write(mmusim::sc::REG_INVAL, MMU_INVAL_ADDR_ASID);
        mmu_invalidate(e.ref, MMU_INVAL_ADDR_ASID, 0x400000, 3);
        lt_checked(e, 0x400020, TLM_READ_COMMAND, 3, MMU_PRIV_USER);
        CHECK_EQ(tb.reg_read(mmusim::sc::REG_WALKS), 2);
        /* invalidate the ASID */
        wait(ns(10000));
        tb.reg_write(mmusim::sc::REG_INVAL, MMU_INVAL_ASID);
        mmu_invalidate(e.ref, MMU_INVAL_ASID, 0, 3);
        lt_checked(e, 0x400020, TLM_READ_COMMAND, 3, MMU_PRIV_USER);
        CHECK_EQ(tb.reg_read(mmusim::sc::REG_WALKS), 3);

        /* errors */
        v = 1;
        CHECK_EQ(tb.reg(TLM_WRITE_COMMAND, mmusim::sc::REG_ID, v), TLM_COMMAND_ERROR_RESPONSE);  /* read-only */
        v = 7;
        CHECK_EQ(tb.reg(TLM_WRITE_COMMAND, mmusim::sc::REG_INVAL, v), TLM_COMMAND_ERROR_RESPONSE); /* no such kind */
        v = 0x10000;
        CHECK_EQ(tb.reg(TLM_WRITE_COMMAND, mmusim::sc::REG_ASID, v), TLM_COMMAND_ERROR_RESPONSE);
        CHECK_EQ(tb.reg(TLM_READ_COMMAND, 0x80, v), TLM_ADDRESS_ERROR_RESPONSE);
        CHECK_EQ(tb.reg(TLM_READ_COMMAND, 0x1000, v), TLM_ADDRESS_ERROR_RESPONSE);
        CHECK_EQ(tb.reg(TLM_READ_COMMAND, 0x4, v, 8), TLM_BURST_ERROR_RESPONSE); /* misaligned */
        CHECK_EQ(tb.reg(TLM_READ_COMMAND, 0x0, v, 2), TLM_BURST_ERROR_RESPONSE);
        /* debug reads work, debug writes do nothing */
        unsigned char b[8] = {1, 0, 0, 0, 0, 0, 0, 0};
        tlm_generic_payload t;
        t.set_command(TLM_WRITE_COMMAND);
        t.set_address(mmusim::sc::REG_ASID);
        t.set_data_ptr(b);
        t.set_data_length(8);
        t.set_streaming_width(8);
        CHECK_EQ(tb.ctrl->transport_dbg(t), 0);
        CHECK_EQ(tb.reg_read(mmusim::sc::REG_ASID), 3);
        t.set_command(TLM_READ_COMMAND);
        t.set_address(mmusim::sc::REG_REQUESTS);
        CHECK_EQ(tb.ctrl->transport_dbg(t), 8);
        CHECK_EQ(b[0], 4);
    };
    sc_start();
}

/* Accesses that cross a page: one piece when contiguous, split (LT) or refused (AT) when not. */
static void scenario_crossing()
{
    env e(radix_config());
    e.pt.init();
    e.pt.map(0x400000, DATA_BASE + 0x1000, RW_USER);
    e.pt.map(0x401000, DATA_BASE + 0x2000, RW_USER); /* contiguous */
    e.pt.map(0x402000, DATA_BASE + 0x8000, RW_USER); /* not */
    e.set_root(1);
    for (uint64_t i = 0; i < 0x10000; i += 8)
        e.mem->write64(DATA_BASE + i, 0x3333000000000000 | i);

    e.tb->body = [&e](tester &tb) {
        size_t n0 = e.data_seen.size();
        lt_result r = lt_checked(e, 0x400FFC, TLM_READ_COMMAND, 1, MMU_PRIV_USER, false, 8);
        CHECK_EQ(e.data_seen.size(), n0 + 1);
        CHECK_EQ(e.data_seen.back().addr, DATA_BASE + 0x1FFC);
        CHECK_EQ(e.data_seen.back().len, 8);
        CHECK_EQ(e.dut->mod_stats().crossings, 1);

        /* split: two pieces, each to its frame, the data put together */
        n0 = e.data_seen.size();
        translation_extension ext(1, MMU_PRIV_USER);
        const env::answer want = e.ref_access2(0x401FF8, 16, 1, MMU_READ, MMU_PRIV_USER, SC_ZERO_TIME);
        r = lt(e, 0x401FF8, TLM_READ_COMMAND, &ext, 16);
        CHECK_EQ(want.n, 2);
        CHECK_EQ(r.status, TLM_OK_RESPONSE);
        CHECK_EQ(r.addr_after, 0x401FF8);
        CHECK_EQ(e.data_seen.size(), n0 + 2);
        if (e.data_seen.size() == n0 + 2) {
            CHECK_EQ(e.data_seen[n0].addr, DATA_BASE + 0x2FF8);
            CHECK_EQ(e.data_seen[n0].len, 8);
            CHECK_EQ(e.data_seen[n0 + 1].addr, DATA_BASE + 0x8000);
            CHECK_EQ(e.data_seen[n0 + 1].len, 8);
        }
        CHECK_TIME(r.added, ns(want.cycles() + 2 * MEM_LAT));
        uint64_t lo = 0, hi = 0;
        for (int i = 0; i < 8; i++) {
            lo |= static_cast<uint64_t>(r.data[i]) << (8 * i);
            hi |= static_cast<uint64_t>(r.data[8 + i]) << (8 * i);
        }
        CHECK_EQ(lo, 0x3333000000002FF8);
        CHECK_EQ(hi, 0x3333000000008000);
        CHECK_EQ(e.dut->mod_stats().splits, 1);

        /* the second page faults: the record names its first byte */
        r = lt(e, 0x402FF8, TLM_READ_COMMAND, &ext, 16);
        CHECK_EQ(r.status, TLM_ADDRESS_ERROR_RESPONSE);
        CHECK_EQ(ext.fault.vaddr, 0x403000);

        /* AT splits too: two downstream transactions, one after the other */
        n0 = e.data_seen.size();
        tlm_generic_payload t;
        unsigned char buf[16];
        std::memset(buf, 0, sizeof buf);
        t.set_command(TLM_READ_COMMAND);
        t.set_address(0x401FF8);
        t.set_data_ptr(buf);
        t.set_data_length(16);
        t.set_streaming_width(16);
        t.set_response_status(TLM_INCOMPLETE_RESPONSE);
        t.set_extension(&ext);
        const sc_time t0 = sc_time_stamp();
        tlm_phase ph = BEGIN_REQ;
        sc_time d = SC_ZERO_TIME;
        CHECK_EQ(tb.socket->nb_transport_fw(t, ph, d), TLM_ACCEPTED);
        while (tb.responses.empty())
            wait(tb.resp_ev);
        CHECK_EQ(tb.responses[0].status, TLM_OK_RESPONSE);
        CHECK_EQ(tb.responses[0].addr, 0x401FF8);
        /* the module's own answer (the reference did not see the faulting access above) */
        const uint64_t xlat = ext.response.done_cycle - t0.value() / PERIOD.value();
        CHECK_EQ(ext.response.outcome, MMU_OUT_TLB);
        CHECK_EQ(e.data_seen.size(), n0 + 2);
        if (e.data_seen.size() == n0 + 2) {
            CHECK_EQ(e.data_seen[n0].addr, DATA_BASE + 0x2FF8);
            CHECK_EQ(e.data_seen[n0 + 1].addr, DATA_BASE + 0x8000);
            CHECK_TIME(e.data_seen[n0].time, t0 + ns(xlat));
            CHECK_TIME(e.data_seen[n0 + 1].time, t0 + ns(xlat + MEM_LAT));
        }
        CHECK_TIME(tb.responses[0].time, t0 + ns(xlat + 2 * MEM_LAT));
        lo = hi = 0;
        for (int i = 0; i < 8; i++) {
            lo |= static_cast<uint64_t>(buf[i]) << (8 * i);
            hi |= static_cast<uint64_t>(buf[8 + i]) << (8 * i);
        }
        CHECK_EQ(lo, 0x3333000000002FF8);
        CHECK_EQ(hi, 0x3333000000008000);
        CHECK_EQ(e.dut->mod_stats().splits, 2);
        CHECK_EQ(e.dut->mod_stats().burst_errors, 0);
        t.clear_extension(&ext);
    };
    sc_start();
}

/* Standalone: the module's own OS model resolves page faults exactly as the C model with its OS. */
static void scenario_standalone()
{
    const mmu_config cfg = mmusim::sc::make_config({{"os.phys_mem", "64M"}});
    memory mem("mem", UINT64_C(1) << 40, ns(MEM_LAT));
    mmu_module::options opt;
    opt.clock_period = PERIOD;
    opt.stats_text = "systemc_standalone.txt"; /* written at the end of the simulation */
    opt.stats_json = "systemc_standalone.json";
    std::remove(opt.stats_text.c_str());
    std::remove(opt.stats_json.c_str());
    mmu_module dut("mmu", cfg, opt);
    tester tb("tb");
    tb.socket.bind(dut.cpu_socket);
    tb.ctrl.bind(dut.ctrl_socket);
    dut.mem_socket.bind(mem.socket);
    std::vector<uint64_t> seen;
    mem.set_observer([&](const tlm_generic_payload &t, const sc_time &) { seen.push_back(t.get_address()); });

    char msg[256];
    mmu *ref = nullptr;
    mmu_os *ref_os = nullptr;
    if (mmu_create(&cfg, &ref, msg, sizeof msg) != MMU_OK || mmu_os_create_from_config(&cfg, &ref_os, msg, sizeof msg) != MMU_OK ||
        mmu_attach_os(ref, ref_os) != MMU_OK) {
        std::fprintf(stderr, "reference: %s\n", msg);
        std::exit(1);
    }
    CHECK(dut.mode() == mmusim::sc::page_table_mode::standalone);
    CHECK(dut.os() != nullptr);
    /* a read-only region in both */
    CHECK_EQ(mmu_os_map(dut.os(), 4, 0x600000, 0x10000, MMU_OS_PROT_READ | MMU_OS_PROT_USER, 0), MMU_OK);
    CHECK_EQ(mmu_os_map(ref_os, 4, 0x600000, 0x10000, MMU_OS_PROT_READ | MMU_OS_PROT_USER, 0), MMU_OK);

    tb.body = [&](tester &) {
        uint64_t x = 4242;
        uint64_t faults_seen = 0;
        for (int i = 0; i < 500; i++) {
            const uint64_t r = rnd(x);
            const uint64_t va = (r % 7 == 0 ? 0x600000 + ((r >> 8) % 16 << 12) : 0x400000 + ((r >> 8) % 100 << 12)) +
                                ((r >> 30) & 0xFF8);
            const bool write = (r >> 40) % 3 == 0;
            mmu_request req;
            req.vaddr = va;
            req.cycle = sc_time_stamp().value() / PERIOD.value();
            req.size = 8;
            req.asid = 4;
            req.type = write ? MMU_WRITE : MMU_READ;
            req.priv = MMU_PRIV_USER;
            req.vmid = 0;
            mmu_response want[2];
            const int n = mmu_access(ref, &req, want);
            translation_extension ext(4, MMU_PRIV_USER);
            const size_t n_seen = seen.size();
            const lt_result res = lt_plain(tb, va, write ? TLM_WRITE_COMMAND : TLM_READ_COMMAND, &ext);
            check_same_response(ext.response, want[n - 1]);
            if (want[n - 1].fault == MMU_FAULT_NONE) {
                CHECK_EQ(res.status, TLM_OK_RESPONSE);
                CHECK_EQ(seen.size(), n_seen + 1);
                CHECK_EQ(seen.back(), want[0].paddr); /* the frame the OS gave */
                CHECK_TIME(res.added, ns(want[n - 1].done_cycle - req.cycle + MEM_LAT));
            } else {
                faults_seen++;
                CHECK_EQ(want[n - 1].fault, MMU_FAULT_WRITE_RO); /* the OS resolves everything else */
                CHECK_EQ(res.status, TLM_COMMAND_ERROR_RESPONSE);
                CHECK_TIME(res.added, ns(want[n - 1].done_cycle - req.cycle));
            }
            if (i % 10 == 0)
                wait(ns(5000));
        }
        CHECK(faults_seen > 0);
        CHECK(dut.stats().page_faults > 50); /* demand paging happened */
        CHECK_EQ(dut.stats().page_faults, mmu_get_stats(ref)->page_faults);
        CHECK_EQ(dut.stats().fault_cycles, mmu_get_stats(ref)->fault_cycles);
        CHECK_EQ(dut.stats().latency_sum, mmu_get_stats(ref)->latency_sum);
        CHECK_EQ(dut.mod_stats().pte_reads, 0); /* the page tables are the OS's, not on the socket */
        /* debug transport sees the OS's tables too */
        unsigned char b[8];
        tlm_generic_payload t;
        translation_extension ext(4, MMU_PRIV_USER);
        t.set_command(TLM_READ_COMMAND);
        t.set_address(0x400000);
        t.set_data_ptr(b);
        t.set_data_length(8);
        t.set_streaming_width(8);
        t.set_extension(&ext);
        mem.write64(want_paddr(ref, 0x400000, 4), 0x77);
        CHECK_EQ(tb.socket->transport_dbg(t), 8);
        CHECK_EQ(b[0], 0x77);
        t.clear_extension(&ext);
    };
    sc_start();
    /* the reports of end_of_simulation */
    std::string text;
    if (FILE *f = std::fopen(opt.stats_text.c_str(), "r")) {
        char line[512];
        while (std::fgets(line, sizeof line, f))
            text += line;
        std::fclose(f);
    }
    CHECK(text.find("page faults") != std::string::npos);
    CHECK(text.find("SystemC        LT 500,") != std::string::npos);
    FILE *j = std::fopen(opt.stats_json.c_str(), "r");
    CHECK(j != nullptr);
    if (j)
        std::fclose(j);
    mmu_destroy(ref);
    mmu_os_destroy(ref_os);
}

/* Two MMUs share one OS (two cores of an SoC, through the bus): shared page tables, shootdowns reach both. */
static void scenario_shared_os()
{
    mmu_config cfg = mmusim::sc::make_config({{"os.phys_mem", "64M"}, {"os.remote_cores", "1"}});
    mmu_os *os = nullptr;
    char msg[256];
    if (mmu_os_create_from_config(&cfg, &os, msg, sizeof msg) != MMU_OK) {
        std::fprintf(stderr, "os: %s\n", msg);
        std::exit(1);
    }
    {
        memory mem("mem", UINT64_C(1) << 40, ns(MEM_LAT));
        mmusim::sc::bus interconnect("bus", ns(2));
        interconnect.initiator_socket.bind(mem.socket);
        interconnect.map(0, 0, UINT64_C(1) << 40);
        mmu_module::options opt;
        opt.clock_period = PERIOD;
        mmu_module m0("mmu0", cfg, opt), m1("mmu1", cfg, opt);
        CHECK_EQ(m0.attach_os(os), MMU_OK);
        CHECK_EQ(m1.attach_os(os), MMU_OK);
        tester t0("t0"), t1("t1");
        t0.socket.bind(m0.cpu_socket);
        t1.socket.bind(m1.cpu_socket);
        t0.ctrl.bind(m0.ctrl_socket);
        t1.ctrl.bind(m1.ctrl_socket);
        m0.mem_socket.bind(interconnect.target_socket);
        m1.mem_socket.bind(interconnect.target_socket);
        t1.body = [](tester &) { wait(); }; /* t0 drives both */
        t0.body = [&](tester &) {
            const uint64_t va = 0x10000000;
            translation_extension e0(1, MMU_PRIV_USER), e1(1, MMU_PRIV_USER);
            lt_result r = lt_plain(t0, va, TLM_WRITE_COMMAND, &e0);
            CHECK_EQ(r.status, TLM_OK_RESPONSE);
            CHECK_EQ(m0.stats().page_faults, 1);
            wait(ns(10000));
            r = lt_plain(t1, va + 8, TLM_WRITE_COMMAND, &e1);
            CHECK_EQ(r.status, TLM_OK_RESPONSE);
            CHECK_EQ(m1.stats().page_faults, 0); /* the page table core 0 faulted in */
            CHECK_EQ(e1.response.paddr, e0.response.paddr + 8);
            /* DMI on both cores */
            tlm_dmi dmi;
            tlm_generic_payload t;
            t.set_command(TLM_READ_COMMAND);
            t.set_address(va);
            t.set_extension(&e0);
            CHECK(t0.socket->get_direct_mem_ptr(t, dmi));
            t.clear_extension(&e0);
            t.set_extension(&e1);
            CHECK(t1.socket->get_direct_mem_ptr(t, dmi));
            t.clear_extension(&e1);
            CHECK_EQ(dmi.get_start_address(), va);
            /* the OS drops the page: both TLBs and both DMI regions */
            CHECK_EQ(mmu_os_unmap(os, 1, va, 4096), MMU_OK);
            mmu_os_stats st;
            mmu_os_get_stats(os, &st);
            CHECK_EQ(st.shootdowns, 1);
            CHECK_EQ(t0.invalidations.size(), 1);
            CHECK_EQ(t1.invalidations.size(), 1);
            if (t1.invalidations.size() == 1) {
                CHECK_EQ(t1.invalidations[0].first, va);
                CHECK_EQ(t1.invalidations[0].second, va + 0xFFF);
            }
            wait(ns(10000));
            r = lt_plain(t1, va, TLM_READ_COMMAND, &e1);
            CHECK_EQ(r.status, TLM_OK_RESPONSE);
            CHECK_EQ(m1.stats().page_faults, 1); /* a fresh minor fault on core 1 */
            CHECK_EQ(e1.response.outcome, MMU_OUT_WALK);
            sc_stop();
        };
        t0.stop_at_end = false;
        t1.stop_at_end = false;
        sc_start();
    }
    mmu_os_destroy(os);
}

/* Virtualization: the extension's VMID (and options::default_vmid) pick the VM; same virtual address,
   different VMs, different host frames; fault records and DMI regions are per VM. */
static void scenario_vm()
{
    const mmu_config cfg = mmusim::sc::make_config({{"os.phys_mem", "64M"}, {"virt.enabled", "on"}});
    memory mem("mem", UINT64_C(1) << 40, ns(MEM_LAT));
    mmu_module::options opt;
    opt.clock_period = PERIOD;
    opt.default_asid = 4;
    opt.default_vmid = 1; /* transactions without the extension run in VM 1 */
    mmu_module dut("mmu", cfg, opt);
    tester tb("tb");
    tb.socket.bind(dut.cpu_socket);
    tb.ctrl.bind(dut.ctrl_socket);
    dut.mem_socket.bind(mem.socket);
    std::vector<uint64_t> seen;
    mem.set_observer([&](const tlm_generic_payload &t, const sc_time &) { seen.push_back(t.get_address()); });
    CHECK(dut.mode() == mmusim::sc::page_table_mode::standalone);
    mmu *m = dut.handle();
    mmu_os *os0 = mmu_get_guest_os(m, 0), *os1 = mmu_get_guest_os(m, 1);
    CHECK(os0 != nullptr && os1 != nullptr && os0 != os1);
    if (!os0 || !os1)
        return;
    /* a read-only region in VM 1 only */
    CHECK_EQ(mmu_os_map(os1, 4, 0x600000, 0x10000, MMU_OS_PROT_READ | MMU_OS_PROT_USER, 0), MMU_OK);

    tb.body = [&](tester &) {
        const uint64_t VA = 0x400000;
        auto write = [&](translation_extension *ext, uint64_t v) {
            tlm_generic_payload t;
            unsigned char b[8];
            std::memcpy(b, &v, 8);
            t.set_command(TLM_WRITE_COMMAND);
            t.set_address(VA);
            t.set_data_ptr(b);
            t.set_data_length(8);
            t.set_streaming_width(8);
            t.set_response_status(TLM_INCOMPLETE_RESPONSE);
            if (ext)
                t.set_extension(ext);
            sc_time d = SC_ZERO_TIME;
            tb.socket->b_transport(t, d);
            if (ext)
                t.clear_extension(ext);
            CHECK_EQ(t.get_response_status(), TLM_OK_RESPONSE);
            return seen.empty() ? UINT64_C(0) : seen.back();
        };
        translation_extension e0(4, MMU_PRIV_USER), e1(4, MMU_PRIV_USER);
        e0.vmid = 0;
        e1.vmid = 1;
        const uint64_t p0 = write(&e0, 0xA0A0A0A0);
        const uint64_t p1 = write(&e1, 0xB1B1B1B1);
        CHECK(p0 != p1); /* same virtual address, different VMs: different host frames */
        CHECK_EQ(mem.read64(p0), 0xA0A0A0A0);
        CHECK_EQ(mem.read64(p1), 0xB1B1B1B1);
        CHECK(e0.translated && e1.translated && !e0.fault.valid && !e1.fault.valid);
        CHECK_EQ(e0.response.paddr, p0);
        CHECK_EQ(e1.response.paddr, p1);
        /* each VM's guest OS paged in its own page */
        mmu_os_stats s0, s1;
        mmu_os_get_stats(os0, &s0);
        mmu_os_get_stats(os1, &s1);
        uint64_t n0 = 0, n1 = 0;
        for (int k = 1; k < MMU_OS_FAULT_KINDS; k++) {
            n0 += s0.faults[k];
            n1 += s1.faults[k];
        }
        CHECK(n0 > 0);
        CHECK(n1 > 0);
        CHECK(mmu_get_virt_stats(m) != nullptr && mmu_get_virt_stats(m)->walks >= 2);
        /* without the extension: default_vmid (1), default_asid (4) */
        lt_result r = lt_plain(tb, VA, TLM_READ_COMMAND, nullptr);
        CHECK_EQ(r.status, TLM_OK_RESPONSE);
        CHECK_EQ(seen.back(), p1);
        uint64_t v = 0;
        std::memcpy(&v, r.data, 8);
        CHECK_EQ(v, 0xB1B1B1B1);

        /* a fault in VM 1: the record carries the VMID */
        translation_extension f1(4, MMU_PRIV_USER);
        f1.vmid = 1;
        r = lt_plain(tb, 0x600000, TLM_READ_COMMAND, &f1); /* the OS maps the page read-only */
        CHECK_EQ(r.status, TLM_OK_RESPONSE);
        r = lt_plain(tb, 0x600000, TLM_WRITE_COMMAND, &f1);
        CHECK_EQ(r.status, TLM_COMMAND_ERROR_RESPONSE);
        CHECK(f1.fault.valid);
        CHECK_EQ(f1.fault.cause, MMU_FAULT_WRITE_RO);
        CHECK_EQ(f1.fault.vmid, 1);
        CHECK_EQ(dut.last_fault().vmid, 1);
        CHECK_EQ(dut.last_fault().asid, 4);
        /* the same address in VM 0 is an ordinary demand-paged page */
        translation_extension f0(4, MMU_PRIV_USER);
        r = lt_plain(tb, 0x600000, TLM_WRITE_COMMAND, &f0);
        CHECK_EQ(r.status, TLM_OK_RESPONSE);
        CHECK(!f0.fault.valid);
        CHECK_EQ(dut.last_fault().vmid, 1); /* still VM 1's */

        /* DMI: each VM gets its own frame, never the other's */
        auto ask = [&](translation_extension *ext, tlm_dmi &dmi, uint64_t va = 0x400000) {
            tlm_generic_payload t;
            t.set_command(TLM_READ_COMMAND);
            t.set_address(va);
            t.set_extension(ext);
            dmi.init();
            const bool ok = tb.socket->get_direct_mem_ptr(t, dmi);
            t.clear_extension(ext);
            return ok;
        };
        tlm_dmi d0, d1;
        CHECK(ask(&e0, d0));
        CHECK(ask(&e1, d1));
        CHECK(d0.get_dmi_ptr() != d1.get_dmi_ptr());
        uint64_t v0 = 0, v1 = 0;
        std::memcpy(&v0, d0.get_dmi_ptr(), 8);
        std::memcpy(&v1, d1.get_dmi_ptr(), 8);
        CHECK_EQ(v0, 0xA0A0A0A0);
        CHECK_EQ(v1, 0xB1B1B1B1);
        CHECK(d0.is_write_allowed()); /* written: the entry is cached dirty */
        CHECK(d1.is_write_allowed());
        /* another page: read in VM 0 (cached clean), written in VM 1 (cached dirty); write access
           follows each VM's own TLB entry (the probe is tagged with the VMID) */
        CHECK_EQ(lt_plain(tb, 0x500000, TLM_READ_COMMAND, &e0).status, TLM_OK_RESPONSE);
        CHECK_EQ(lt_plain(tb, 0x500000, TLM_WRITE_COMMAND, &e1).status, TLM_OK_RESPONSE);
        CHECK(ask(&e0, d0, 0x500000));
        CHECK(!d0.is_write_allowed());
        CHECK(ask(&e1, d1, 0x500000));
        CHECK(d1.is_write_allowed());
        CHECK(d0.get_dmi_ptr() != d1.get_dmi_ptr());
        /* a VM never gets DMI from another VM's TLB entry: VM 2 has not touched VA */
        translation_extension e2(4, MMU_PRIV_USER);
        e2.vmid = 2;
        tlm_dmi d2;
        CHECK(!ask(&e2, d2));
        /* VM 1's guest OS unmaps the page: VM 1's region is invalidated upstream */
        const uint64_t inv_before = dut.mod_stats().dmi_invalidations;
        const size_t n_inv = tb.invalidations.size();
        CHECK_EQ(mmu_os_unmap(os1, 4, VA, 4096), MMU_OK);
        CHECK(dut.mod_stats().dmi_invalidations > inv_before);
        CHECK(tb.invalidations.size() > n_inv);
        CHECK(!ask(&e1, d1)); /* no TLB entry any more */
        CHECK(ask(&e0, d0));  /* VM 0's page is still there */
        std::memcpy(&v0, d0.get_dmi_ptr(), 8);
        CHECK_EQ(v0, 0xA0A0A0A0);
    };
    sc_start();
}

/*
 * The LT repeat path (options::repeat): two modules of the same
 * configuration (standalone, data through the PTE caches), one with the
 * repeat path and one without, get the same LT transactions with temporal
 * decoupling (runs through pages, page jumps, page crossings, reads,
 * writes, fetches, two ASIDs and transactions without the extension,
 * privilege changes, protection faults, invalidations through the ctrl
 * registers); every transaction's response, delay, data and extension, and
 * then every statistic and report (text, JSON at the end of simulation)
 * must be the same, and most transactions must have taken the repeat path.
 */
struct dual_tester : sc_module {
    tlm_utils::simple_initiator_socket<dual_tester> sock[2];
    tlm_utils::simple_initiator_socket<dual_tester> ctrl[2];
    std::function<void()> body;
    /* AT: per module, when the transaction in flight saw END_REQ and BEGIN_RESP (ended at once) */
    struct at_seen {
        sc_time end_req, resp;
        bool ended = false, responded = false;
    } seen[2];
    sc_event seen_ev;
    explicit dual_tester(sc_module_name n) : sc_module(n)
    {
        sock[0].register_nb_transport_bw(this, &dual_tester::bw0);
        sock[1].register_nb_transport_bw(this, &dual_tester::bw1);
        SC_HAS_PROCESS(dual_tester);
        SC_THREAD(run);
    }
    tlm_sync_enum bw(int k, tlm_phase &ph, sc_time &d)
    {
        if (!seen[k].ended) {
            seen[k].ended = true;
            seen[k].end_req = sc_time_stamp() + d;
        }
        if (ph == BEGIN_RESP) {
            seen[k].responded = true;
            seen[k].resp = sc_time_stamp() + d;
            seen_ev.notify(SC_ZERO_TIME);
            ph = END_RESP;
            return TLM_COMPLETED;
        }
        return TLM_ACCEPTED;
    }
    tlm_sync_enum bw0(tlm_generic_payload &, tlm_phase &ph, sc_time &d) { return bw(0, ph, d); }
    tlm_sync_enum bw1(tlm_generic_payload &, tlm_phase &ph, sc_time &d) { return bw(1, ph, d); }
    void run()
    {
        body();
        sc_stop();
    }
    void reg_write(int k, uint64_t off, uint64_t v) { CHECK_EQ(reg_access(ctrl[k], TLM_WRITE_COMMAND, off, v), TLM_OK_RESPONSE); }
};

/* The rest of f's contents; closes f ("" if f is NULL). */
static std::string read_and_close(FILE *f)
{
    std::string out;
    if (!f)
        return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        out.append(buf, n);
    std::fclose(f);
    return out;
}

static std::string read_file(const std::string &path)
{
    return read_and_close(std::fopen(path.c_str(), "rb"));
}

static std::string text_report(const mmu_module &m)
{
    FILE *f = std::tmpfile();
    if (f) {
        m.report_text(f);
        std::rewind(f);
    }
    return read_and_close(f);
}

static void check_same_fault(const fault_record &a, const fault_record &b)
{
    CHECK_EQ(a.valid, b.valid);
    if (!a.valid || !b.valid)
        return;
    CHECK_EQ(a.cause, b.cause);
    CHECK_EQ(a.vaddr, b.vaddr);
    CHECK_EQ(a.level, b.level);
    CHECK_EQ(a.asid, b.asid);
    CHECK_EQ(a.vmid, b.vmid);
    CHECK_EQ(a.type, b.type);
    CHECK_EQ(a.priv, b.priv);
    CHECK_EQ(a.core_id, b.core_id);
    CHECK_EQ(a.cycle, b.cycle);
    CHECK_TIME(a.time, b.time);
}

/* fractional: the configuration's clock (clock_mhz, 3000 by default: a period of 1000/3 ps), not 1 ns;
   at: three transactions in four AT (base protocol, one at a time), the others LT */
static void repeat_on_off(const mmu_config &cfg, bool fractional = false, bool at = false)
{
    const bool os = cfg.walker.mode == MMU_WALKER_RADIX && cfg.os_enabled;
    std::unique_ptr<memory> mem[2];
    std::unique_ptr<mmu_module> dut[2];
    /* one pair of names per process: the repeat scenarios are separate tests that ctest runs
       side by side in the same folder */
    const std::string tag = std::to_string(static_cast<long>(getpid()));
    const std::string json_name[2] = {"systemc_repeat_on." + tag + ".json", "systemc_repeat_off." + tag + ".json"};
    const char *const json[2] = {json_name[0].c_str(), json_name[1].c_str()};
    dual_tester tb("tb");
    for (int k = 0; k < 2; k++) {
        mem[k].reset(new memory(k ? "mem_off" : "mem_on", UINT64_C(1) << 40, ns(MEM_LAT)));
        mmu_module::options opt;
        if (!fractional)
            opt.clock_period = PERIOD;
        opt.repeat = k == 0;
        opt.default_asid = 4;
        opt.stats_json = json[k];
        std::remove(json[k]);
        dut[k].reset(new mmu_module(k ? "mmu_off" : "mmu_on", cfg, opt));
        mmu_module::workload w;
        w.name = "repeat";
        dut[k]->set_workload(w);
        tb.sock[k].bind(dut[k]->cpu_socket);
        tb.ctrl[k].bind(dut[k]->ctrl_socket);
        dut[k]->mem_socket.bind(mem[k]->socket);
        /* a read-only region in both address spaces: writes there fault */
        for (uint16_t asid = 4; os && asid <= 5; asid++)
            CHECK_EQ(mmu_os_map(dut[k]->os(), asid, 0x600000, 0x10000, MMU_OS_PROT_READ | MMU_OS_PROT_USER, 0),
                     MMU_OK);
    }
    uint64_t n_tx = 0, n_fault = 0, n_cross = 0, n_inval = 0;
    uint64_t n_counted = 0; /* transactions since the counters were cleared */
    uint64_t n_at = 0;
    tb.body = [&]() {
        tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(1, SC_US));
        tlm_utils::tlm_quantumkeeper qk;
        qk.reset();
        uint64_t x = 2027;
        uint64_t page = 0x400000, off = 0;
        uint16_t asid = 4;
        for (int i = 0; i < 20000; i++) {
            const uint64_t r = rnd(x);
            if (r % 997 == 0) { /* an invalidation through the registers, of both */
                const uint64_t kind = (r >> 12) % 4;
                for (int k = 0; k < 2; k++) {
                    tb.reg_write(k, mmusim::sc::REG_ASID, asid);
                    tb.reg_write(k, mmusim::sc::REG_INVAL_ADDR, page + off);
                    tb.reg_write(k, mmusim::sc::REG_INVAL, kind);
                }
                n_inval++;
            }
            if (r % 331 == 0)
                asid = asid == 4 ? 5 : 4;
            if (r % 61 == 0) { /* another page: mostly 40 pages, sometimes the read-only region */
                page = (r >> 20) % 8 == 0 ? 0x600000 + ((r >> 24) % 16 << 12) : 0x400000 + ((r >> 24) % 40 << 12);
                off = (r >> 32) & 0xFF8;
            }
            const unsigned tsel = (r >> 40) % 10;
            const bool write = tsel < 2, fetch = tsel == 9;
            unsigned len = 8;
            uint64_t va = page + off;
            if ((r >> 44) % 53 == 0) { /* a page crossing */
                va = page + 0xFFD;
                n_cross++;
            } else if ((r >> 44) % 89 == 1) {
                len = 4;
            }
            off = (off + 8) & 0xFF8;
            const bool no_ext = (r >> 50) % 150 == 0;
            const mmu_priv priv = (r >> 52) % 97 == 0 ? MMU_PRIV_SUPER : MMU_PRIV_USER;
            translation_extension ext[2] = {translation_extension(asid, priv, fetch, 7),
                                            translation_extension(asid, priv, fetch, 7)};
            unsigned char data[2][8];
            tlm_generic_payload t[2];
            sc_time d[2];
            const bool use_at = at && (r >> 56) % 4 != 0;
            if (use_at) {
                qk.sync(); /* AT runs in simulated time */
                n_at++;
            }
            for (int k = 0; k < 2; k++) {
                for (unsigned j = 0; j < 8; j++)
                    data[k][j] = write ? static_cast<unsigned char>(i + j) : 0xEE;
                t[k].set_command(write ? TLM_WRITE_COMMAND : TLM_READ_COMMAND);
                t[k].set_address(va);
                t[k].set_data_ptr(data[k]);
                t[k].set_data_length(len);
                t[k].set_streaming_width(len);
                t[k].set_response_status(TLM_INCOMPLETE_RESPONSE);
                if (!no_ext)
                    t[k].set_extension(&ext[k]);
                if (use_at) { /* BEGIN_REQ to both at the same time */
                    tb.seen[k] = dual_tester::at_seen();
                    tlm_phase ph = BEGIN_REQ;
                    d[k] = SC_ZERO_TIME;
                    CHECK_EQ(tb.sock[k]->nb_transport_fw(t[k], ph, d[k]), TLM_ACCEPTED);
                    continue;
                }
                d[k] = qk.get_local_time();
                tb.sock[k]->b_transport(t[k], d[k]);
            }
            if (use_at) {
                while (!tb.seen[0].responded || !tb.seen[1].responded)
                    wait(tb.seen_ev);
                CHECK_TIME(tb.seen[0].end_req, tb.seen[1].end_req);
                CHECK_TIME(tb.seen[0].resp, tb.seen[1].resp);
                wait(ns((r >> 58) % 3)); /* the next one a few cycles later, or at once */
            }
            for (int k = 0; k < 2; k++)
                if (!no_ext)
                    t[k].clear_extension(&ext[k]);
            n_tx++;
            n_counted++;
            n_fault += !t[0].is_response_ok();
            CHECK_EQ(t[0].get_response_status(), t[1].get_response_status());
            CHECK_EQ(t[0].get_address(), va);
            CHECK_EQ(t[1].get_address(), va);
            CHECK_TIME(d[0], d[1]);
            CHECK(std::memcmp(data[0], data[1], sizeof data[0]) == 0);
            CHECK_EQ(ext[0].translated, ext[1].translated);
            CHECK(ext[0].translated || no_ext);
            check_same_response(ext[0].response, ext[1].response);
            CHECK_EQ(ext[0].response.array, ext[1].response.array);
            CHECK_EQ(ext[0].response.page_faults, ext[1].response.page_faults);
            check_same_fault(ext[0].fault, ext[1].fault);
            check_same_fault(dut[0]->last_fault(), dut[1]->last_fault());
            qk.set(d[0]);
            if (qk.need_sync())
                qk.sync();
            if (i == 10000) { /* read halfway, through the module: every count so far is in */
                CHECK(std::memcmp(&dut[0]->stats(), &dut[1]->stats(), sizeof(mmu_stats)) == 0);
                CHECK_EQ(dut[0]->stats().requests, dut[1]->stats().requests);
                CHECK(text_report(*dut[0]) == text_report(*dut[1]));
            }
            if (i == 15000) /* the counters start again, of both (the first cycle with them) */
                for (int k = 0; k < 2; k++)
                    dut[k]->clear_stats();
            if (i == 15000)
                n_counted = 0;
        }
        qk.sync();
    };
    sc_start();
    std::printf("repeat: %" PRIu64 " transactions (%" PRIu64 " AT, %" PRIu64 " faults, %" PRIu64
                " crossings, %" PRIu64 " invalidations), %" PRIu64 " repeats\n",
                n_tx, n_at, n_fault, n_cross, n_inval, dut[0]->mod_stats().repeats);
    CHECK_EQ(n_at > n_tx / 2, at);
    /* the scenario has what it is for */
    CHECK(n_fault > 50 || !os);
    CHECK(n_cross > 50);
    CHECK(n_inval > 5);
    CHECK(dut[0]->mod_stats().repeats > n_counted / 2);
    CHECK_EQ(dut[1]->mod_stats().repeats, 0);
    /* every statistic */
    const mmu_stats &s0 = dut[0]->stats(), &s1 = dut[1]->stats();
    CHECK_EQ(s0.requests, s1.requests);
    CHECK_EQ(s0.latency_sum, s1.latency_sum);
    CHECK_EQ(s0.requests, n_counted + dut[0]->mod_stats().crossings); /* a crossing: two translations */
    CHECK(std::memcmp(&s0, &s1, sizeof s0) == 0);
    mmusim::sc::module_stats m0 = dut[0]->mod_stats(), m1 = dut[1]->mod_stats();
    m0.repeats = m1.repeats = 0;
    CHECK(std::memcmp(&m0, &m1, sizeof m0) == 0);
    for (int c = 0; c < MMU_LAT_CLASSES; c++)
        CHECK(std::memcmp(mmu_get_latency(dut[0]->handle(), static_cast<mmu_lat_class>(c)),
                          mmu_get_latency(dut[1]->handle(), static_cast<mmu_lat_class>(c)), sizeof(mmu_hist)) == 0);
    for (uint32_t i = 0; i < cfg.n_tlbs; i++)
        CHECK(std::memcmp(mmu_tlb_get_stats(mmu_get_tlb(dut[0]->handle(), i)),
                          mmu_tlb_get_stats(mmu_get_tlb(dut[1]->handle(), i)), sizeof(mmu_tlb_stats)) == 0);
    mmu_ptemem_stats p0, p1;
    std::memset(&p0, 0, sizeof p0);
    std::memset(&p1, 0, sizeof p1);
    CHECK_EQ(!mmu_get_ptemem(dut[0]->handle()), !mmu_get_ptemem(dut[1]->handle()));
    if (mmu_get_ptemem(dut[0]->handle()) && mmu_get_ptemem(dut[1]->handle())) {
        mmu_ptemem_get_stats(mmu_get_ptemem(dut[0]->handle()), &p0);
        mmu_ptemem_get_stats(mmu_get_ptemem(dut[1]->handle()), &p1);
        CHECK(std::memcmp(&p0, &p1, sizeof p0) == 0);
    }
    const std::string t0 = text_report(*dut[0]), t1 = text_report(*dut[1]);
    CHECK(!t0.empty() && t0 == t1);
    /* the JSON written at the end of simulation */
    const std::string j0 = read_file(json[0]), j1 = read_file(json[1]);
    CHECK(!j0.empty() && j0 == j1);
    if (t0 != t1 || j0 != j1) {
        std::fprintf(stderr, "--- repeat on:\n%s\n--- repeat off:\n%s\n", t0.c_str(), t1.c_str());
    }
    std::remove(json[0]);
    std::remove(json[1]);
}

/* Standalone (the OS model, data through the PTE caches: mmu_access_data), then the fixed walker. */
static void scenario_repeat()
{
    const mmu_config cfg = mmusim::sc::make_config({{"os.phys_mem", "64M"}});
    CHECK_EQ(cfg.ptemem_data, 1); /* the repeat path's data goes through the PTE caches */
    repeat_on_off(cfg);
}

static void scenario_repeat_fixed()
{
    repeat_on_off(mmusim::sc::make_config({{"walker.mode", "fixed"}, {"tlb.l1d.entries", "16"}}));
}

/* AT and LT transactions: every AT one's END_REQ and BEGIN_RESP times too. */
static void scenario_repeat_at()
{
    repeat_on_off(mmusim::sc::make_config({{"os.phys_mem", "64M"}}), false, true);
}

/* The same with a period that is no whole number of ticks (the latency's time per transaction). */
static void scenario_repeat_clock()
{
    const mmu_config cfg = mmusim::sc::make_config({{"os.phys_mem", "64M"}});
    CHECK_EQ(cfg.clock_mhz, 3000);
    repeat_on_off(cfg, true);
}

/*
 * Reports to a device: written in place, never replaced by a file (a text
 * report used to be renamed over its path: stats_text = "/dev/null" made
 * /dev/null a regular file, as root).  A device node of our own (root only;
 * elsewhere the scenario checks a regular file alone), never the machine's.
 */
static void scenario_report_device()
{
    char dir[] = "/tmp/mmusim-scdev.XXXXXX";
    CHECK(mkdtemp(dir) != nullptr);
    const std::string null_node = std::string(dir) + "/null", file = std::string(dir) + "/r.json";
    const bool have_node = mknod(null_node.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0;
    memory mem("mem", UINT64_C(1) << 32, ns(MEM_LAT));
    mmu_module::options opt;
    opt.clock_period = PERIOD;
    opt.stats_text = have_node ? null_node : std::string(dir) + "/r.txt";
    opt.stats_json = have_node ? null_node : file;
    mmu_module dut("mmu", mmusim::sc::make_config({{"walker.mode", "fixed"}}), opt);
    tester tb("tb");
    tb.socket.bind(dut.cpu_socket);
    tb.ctrl.bind(dut.ctrl_socket);
    dut.mem_socket.bind(mem.socket);
    tb.body = [&](tester &) {
        for (uint64_t i = 0; i < 20; i++)
            CHECK_EQ(lt_plain(tb, 0x1000 + i * 64, TLM_READ_COMMAND, nullptr).status, TLM_OK_RESPONSE);
    };
    sc_start();
    CHECK(dut.write_reports());
    struct stat st;
    if (have_node) {
        CHECK(stat(null_node.c_str(), &st) == 0 && S_ISCHR(st.st_mode));
        unlink(null_node.c_str());
    } else {
        CHECK(stat(opt.stats_text.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0);
        CHECK(stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0);
        unlink(opt.stats_text.c_str());
        unlink(file.c_str());
    }
    CHECK(rmdir(dir) == 0); /* nothing else left: no temporary file beside the node */
}

int sc_main(int argc, char **argv)
{
    sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", SC_DO_NOTHING);
    static const std::map<std::string, void (*)()> scenarios = {
        {"lt_fixed", scenario_lt_fixed}, {"lt_cosim", scenario_lt_cosim}, {"faults", scenario_faults},
        {"debug", scenario_debug},       {"dmi", scenario_dmi},           {"at", scenario_at},
        {"quantum", scenario_quantum},   {"regs", scenario_regs},         {"crossing", scenario_crossing},
        {"standalone", scenario_standalone}, {"shared_os", scenario_shared_os}, {"clock", scenario_clock},
        {"vm", scenario_vm},             {"repeat", scenario_repeat},
        {"repeat_fixed", scenario_repeat_fixed},
        {"repeat_clock", scenario_repeat_clock}, {"repeat_at", scenario_repeat_at}, {"report_device", scenario_report_device},
    };
    if (argc != 2 || !scenarios.count(argv[1])) {
        std::fprintf(stderr, "usage: test_systemc SCENARIO\nscenarios:");
        for (const auto &s : scenarios)
            std::fprintf(stderr, " %s", s.first.c_str());
        std::fprintf(stderr, "\n");
        return 2;
    }
    try {
        scenarios.at(argv[1])();
    } catch (const std::exception &ex) {
        std::fprintf(stderr, "exception: %s\n", ex.what());
        return 1;
    }
    if (sc_get_status() != SC_STOPPED && std::string(argv[1]) != "clock") { /* clock: no simulation */
        std::fprintf(stderr, "the scenario did not run to its end\n");
        failures++;
    }
    std::printf("%s: %d checks, %d failed\n", argv[1], checks, failures);
    return failures ? 1 : 0;
}
