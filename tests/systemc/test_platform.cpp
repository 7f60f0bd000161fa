/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_platform.cpp - the MMU module in a platform made of generic parts
 * that are not mmusim's: initiators and memories written on
 * tlm_utils::simple_initiator_socket / simple_target_socket, with their own
 * read-back checks, and an interconnect that routes by address to two
 * small memories at fixed ranges:
 *
 *   initiator -> mmu_module -> router -> mem0 [0x0, 0x10000)
 *                                     -> mem1 [0x10000, 0x20000)
 *
 * Scenarios (one per process: test_platform SCENARIO):
 *   default      the default configuration (OS model), transactions without the extension
 *   placed_frames  the OS model with its frames placed in the memories' ranges (os.frame_ranges),
 *                the memories at 0x80000000 and 0x90000000, where unplaced frames would not be
 *   static_map   [map] regions into both memories, the tables in mem1
 *   at           AT: completion never earlier than without the module, a TLB hit later by
 *                exactly the TLB latency, the four phases seen by the initiator
 *   at_completed, at_no_end_req   the same with memories that take the base protocol's
 *                shortcuts (TLM_COMPLETED at once; BEGIN_RESP in place of END_REQ)
 *   starvation   the reports are written when the simulation ends by starvation
 * Exit status 0 if every check passed.
 */
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_get.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "mmusim/mmusim.h"
#include "mmusim/systemc/mmu_module.h"

using namespace sc_core;
using namespace tlm;

static int failures = 0, checks = 0;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        checks++;                                                                         \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                                   \
        }                                                                                 \
    } while (0)

/*
 * ---- a generic memory: LT, AT, debug ----
 * AT, by mode: 0: END_REQ after an accept delay (one request phase at a time), BEGIN_RESP after the
 * latency, held until END_RESP; 1: BEGIN_REQ completed at once (TLM_COMPLETED, the delay annotated);
 * 2: no END_REQ: BEGIN_RESP in its place after accept + latency.
 */
static int memory_mode = 0;

struct gen_memory : sc_module {
    tlm_utils::simple_target_socket<gen_memory> socket;
    std::vector<unsigned char> bytes;
    sc_time accept, latency;
    tlm_utils::peq_with_get<tlm_generic_payload> req_peq, resp_peq;
    bool resp_busy = false;
    sc_event end_resp_ev;
    uint64_t accesses = 0;

    gen_memory(sc_module_name n, size_t size, sc_time acc, sc_time lat)
        : sc_module(n), socket("socket"), bytes(size), accept(acc), latency(lat), req_peq("req_peq"),
          resp_peq("resp_peq")
    {
        socket.register_b_transport(this, &gen_memory::b_transport);
        socket.register_nb_transport_fw(this, &gen_memory::nb_transport_fw);
        socket.register_transport_dbg(this, &gen_memory::transport_dbg);
        SC_HAS_PROCESS(gen_memory);
        SC_THREAD(req_thread);
        SC_THREAD(resp_thread);
    }
    bool access(tlm_generic_payload &t)
    {
        const uint64_t a = t.get_address();
        const unsigned len = t.get_data_length();
        if (a + len > bytes.size()) {
            t.set_response_status(TLM_ADDRESS_ERROR_RESPONSE);
            return false;
        }
        if (t.is_write())
            std::memcpy(&bytes[a], t.get_data_ptr(), len);
        else
            std::memcpy(t.get_data_ptr(), &bytes[a], len);
        t.set_response_status(TLM_OK_RESPONSE);
        return true;
    }
    void b_transport(tlm_generic_payload &t, sc_time &d)
    {
        accesses++;
        access(t);
        d += accept + latency;
    }
    unsigned transport_dbg(tlm_generic_payload &t)
    {
        const uint64_t a = t.get_address();
        const unsigned len = t.get_data_length();
        if (a + len > bytes.size())
            return 0;
        if (t.is_write())
            std::memcpy(&bytes[a], t.get_data_ptr(), len);
        else
            std::memcpy(t.get_data_ptr(), &bytes[a], len);
        return len;
    }
    tlm_sync_enum nb_transport_fw(tlm_generic_payload &t, tlm_phase &ph, sc_time &d)
    {
        if (ph == BEGIN_REQ && memory_mode == 1) {
            accesses++;
            access(t);
            d += accept + latency;
            return TLM_COMPLETED;
        }
        if (ph == BEGIN_REQ) {
            req_peq.notify(t, d);
            return TLM_ACCEPTED;
        }
        if (ph == END_RESP) {
            resp_busy = false;
            end_resp_ev.notify(d);
            return TLM_COMPLETED;
        }
        std::fprintf(stderr, "gen_memory: unexpected phase\n");
        failures++;
        return TLM_COMPLETED;
    }
    void req_thread()
    {
        for (;;) {
            tlm_generic_payload *t = req_peq.get_next_transaction();
            if (!t) {
                wait(req_peq.get_event());
                continue;
            }
            wait(accept);
            accesses++;
            access(*t);
            if (memory_mode == 2) { /* BEGIN_RESP will end the request phase; none other until then */
                resp_peq.notify(*t, latency);
                wait(latency);
                continue;
            }
            tlm_phase ph = END_REQ;
            sc_time d = SC_ZERO_TIME;
            (void)socket->nb_transport_bw(*t, ph, d);
            resp_peq.notify(*t, latency);
        }
    }
    void resp_thread()
    {
        for (;;) {
            tlm_generic_payload *t = resp_peq.get_next_transaction();
            if (!t) {
                wait(resp_peq.get_event());
                continue;
            }
            while (resp_busy)
                wait(end_resp_ev);
            tlm_phase ph = BEGIN_RESP;
            sc_time d = SC_ZERO_TIME;
            const tlm_sync_enum s = socket->nb_transport_bw(*t, ph, d);
            if (s == TLM_ACCEPTED)
                resp_busy = true;
            else if (d != SC_ZERO_TIME)
                wait(d);
        }
    }
};

/* ---- a generic router: two targets at fixed ranges, addresses made local ---- */

struct router : sc_module {
    tlm_utils::simple_target_socket<router> in;
    tlm_utils::simple_initiator_socket_tagged<router> out0, out1;
    uint64_t BASE[2] = {0x0, 0x10000};
    uint64_t SIZE[2] = {0x10000, 0x10000};
    std::map<tlm_generic_payload *, std::pair<int, uint64_t>> open; /* AT: target, address */

    explicit router(sc_module_name n) : sc_module(n), in("in"), out0("out0"), out1("out1")
    {
        in.register_b_transport(this, &router::b_transport);
        in.register_nb_transport_fw(this, &router::nb_transport_fw);
        in.register_transport_dbg(this, &router::transport_dbg);
        out0.register_nb_transport_bw(this, &router::nb_transport_bw, 0);
        out1.register_nb_transport_bw(this, &router::nb_transport_bw, 1);
    }
    tlm_utils::simple_initiator_socket_tagged<router> &out(int i) { return i ? out1 : out0; }
    int decode(tlm_generic_payload &t)
    {
        const uint64_t a = t.get_address();
        for (int i = 0; i < 2; i++)
            if (a >= BASE[i] && a + t.get_data_length() <= BASE[i] + SIZE[i]) {
                t.set_address(a - BASE[i]);
                return i;
            }
        return -1;
    }
    void b_transport(tlm_generic_payload &t, sc_time &d)
    {
        const uint64_t a = t.get_address();
        const int i = decode(t);
        if (i < 0) {
            t.set_response_status(TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        out(i)->b_transport(t, d);
        t.set_address(a);
    }
    unsigned transport_dbg(tlm_generic_payload &t)
    {
        const uint64_t a = t.get_address();
        const int i = decode(t);
        const unsigned n = i < 0 ? 0 : out(i)->transport_dbg(t);
        t.set_address(a);
        return n;
    }
    tlm_sync_enum nb_transport_fw(tlm_generic_payload &t, tlm_phase &ph, sc_time &d)
    {
        if (ph == BEGIN_REQ) {
            const uint64_t a = t.get_address();
            const int i = decode(t);
            if (i < 0) {
                std::fprintf(stderr, "router: AT access to 0x%llx outside the map\n", static_cast<unsigned long long>(a));
                failures++;
                t.set_address(a);
                t.set_response_status(TLM_ADDRESS_ERROR_RESPONSE);
                ph = BEGIN_RESP;
                return TLM_UPDATED;
            }
            open[&t] = std::make_pair(i, a);
            return out(i)->nb_transport_fw(t, ph, d);
        }
        const auto it = open.find(&t);
        const int i = it->second.first;
        if (ph == END_RESP)
            open.erase(it);
        return out(i)->nb_transport_fw(t, ph, d);
    }
    tlm_sync_enum nb_transport_bw(int, tlm_generic_payload &t, tlm_phase &ph, sc_time &d)
    {
        if (ph == BEGIN_RESP)
            t.set_address(open[&t].second);
        return in->nb_transport_bw(t, ph, d);
    }
};

/* ---- a generic LT initiator with a quantum keeper and its own read-back checks ---- */

struct lt_initiator : sc_module {
    tlm_utils::simple_initiator_socket<lt_initiator> socket;
    std::vector<uint64_t> addrs; /* 8-byte words written then read back */
    unsigned errors = 0, compared = 0;
    bool stop = true;

    lt_initiator(sc_module_name n, std::vector<uint64_t> a) : sc_module(n), socket("socket"), addrs(std::move(a))
    {
        SC_HAS_PROCESS(lt_initiator);
        SC_THREAD(run);
    }
    static uint64_t pattern(uint64_t a) { return 0xC0DE000000000000ull ^ (a * 0x9E3779B97F4A7C15ull); }
    bool access(tlm_command cmd, uint64_t a, uint64_t &v, tlm_utils::tlm_quantumkeeper &qk)
    {
        unsigned char b[8];
        for (int i = 0; i < 8; i++)
            b[i] = static_cast<unsigned char>(v >> (8 * i));
        tlm_generic_payload t;
        t.set_command(cmd);
        t.set_address(a);
        t.set_data_ptr(b);
        t.set_data_length(8);
        t.set_streaming_width(8);
        t.set_response_status(TLM_INCOMPLETE_RESPONSE);
        sc_time d = qk.get_local_time();
        socket->b_transport(t, d);
        qk.set(d);
        if (qk.need_sync())
            qk.sync();
        if (!t.is_response_ok()) {
            std::fprintf(stderr, "%s: %s at 0x%llx: %s\n", name(), cmd == TLM_READ_COMMAND ? "read" : "write",
                         static_cast<unsigned long long>(a), t.get_response_string().c_str());
            return false;
        }
        v = 0;
        for (int i = 0; i < 8; i++)
            v |= static_cast<uint64_t>(b[i]) << (8 * i);
        return true;
    }
    void run()
    {
        tlm_utils::tlm_quantumkeeper qk;
        qk.reset();
        for (uint64_t a : addrs) {
            uint64_t v = pattern(a);
            if (!access(TLM_WRITE_COMMAND, a, v, qk))
                errors++;
        }
        for (uint64_t a : addrs) {
            uint64_t v = 0;
            compared++;
            if (!access(TLM_READ_COMMAND, a, v, qk) || v != pattern(a)) {
                if (v != pattern(a))
                    std::fprintf(stderr, "%s: read back 0x%llx at 0x%llx, wrote 0x%llx\n", name(),
                                 static_cast<unsigned long long>(v), static_cast<unsigned long long>(a),
                                 static_cast<unsigned long long>(pattern(a)));
                errors++;
            }
        }
        qk.sync();
        if (stop)
            sc_stop();
    }
};

/* ---- a generic AT initiator: pipelined, END_RESP some time after BEGIN_RESP, phases logged ---- */

struct at_initiator : sc_module {
    tlm_utils::simple_initiator_socket<at_initiator> socket;
    struct job {
        uint64_t addr;
        sc_time start; /* no earlier than this */
    };
    std::vector<job> jobs;
    std::vector<tlm_generic_payload> gp;
    std::vector<std::vector<unsigned char>> buf;
    std::vector<sc_time> done; /* END_RESP sent */
    std::map<tlm_generic_payload *, size_t> index;
    unsigned end_req = 0, begin_resp = 0, end_resp = 0, shortcuts = 0;
    bool req_open = false;
    sc_event end_req_ev, resp_ev;
    std::deque<tlm_generic_payload *> resps;
    sc_time resp_delay;

    at_initiator(sc_module_name n, std::vector<job> j, sc_time rd)
        : sc_module(n), socket("socket"), jobs(std::move(j)), gp(jobs.size()), buf(jobs.size(), std::vector<unsigned char>(8)),
          done(jobs.size()), resp_delay(rd)
    {
        socket.register_nb_transport_bw(this, &at_initiator::nb_transport_bw);
        SC_HAS_PROCESS(at_initiator);
        SC_THREAD(send);
        SC_THREAD(respond);
    }
    void send()
    {
        for (size_t i = 0; i < jobs.size(); i++) {
            if (sc_time_stamp() < jobs[i].start)
                wait(jobs[i].start - sc_time_stamp());
            tlm_generic_payload &t = gp[i];
            index[&t] = i;
            t.set_command(TLM_READ_COMMAND);
            t.set_address(jobs[i].addr);
            t.set_data_ptr(buf[i].data());
            t.set_data_length(8);
            t.set_streaming_width(8);
            t.set_response_status(TLM_INCOMPLETE_RESPONSE);
            tlm_phase ph = BEGIN_REQ;
            sc_time d = SC_ZERO_TIME;
            req_open = true;
            const tlm_sync_enum s = socket->nb_transport_fw(t, ph, d);
            if (s == TLM_COMPLETED) { /* done with it when the response would have been: d + resp_delay */
                shortcuts++;
                req_open = false;
                end_resp++;
                done[i] = sc_time_stamp() + d + resp_delay;
                CHECK(t.is_response_ok());
                wait(d);
            } else if (s != TLM_ACCEPTED) {
                shortcuts++;
                req_open = false;
            }
            while (req_open)
                wait(end_req_ev);
        }
    }
    tlm_sync_enum nb_transport_bw(tlm_generic_payload &t, tlm_phase &ph, sc_time &d)
    {
        if (ph == END_REQ) {
            end_req++;
            req_open = false;
            end_req_ev.notify(d);
            return TLM_ACCEPTED;
        }
        if (ph == BEGIN_RESP) {
            begin_resp++;
            if (req_open) { /* BEGIN_RESP in place of END_REQ */
                req_open = false;
                end_req_ev.notify(d);
            }
            resps.push_back(&t);
            resp_ev.notify(d);
            return TLM_ACCEPTED;
        }
        failures++;
        return TLM_COMPLETED;
    }
    void respond()
    {
        for (;;) {
            while (resps.empty())
                wait(resp_ev);
            tlm_generic_payload *t = resps.front();
            resps.pop_front();
            wait(resp_delay);
            tlm_phase ph = END_RESP;
            sc_time d = SC_ZERO_TIME;
            (void)socket->nb_transport_fw(*t, ph, d);
            end_resp++;
            done[index[t]] = sc_time_stamp();
            CHECK(t->is_response_ok());
        }
    }
};

/* ================= scenarios ================= */

static const sc_time NS(1, SC_NS);

/* The platform: initiator -> mmu -> router -> two memories. */
struct platform {
    gen_memory mem0{"mem0", 0x10000, sc_time(2, SC_NS), sc_time(20, SC_NS)};
    gen_memory mem1{"mem1", 0x10000, sc_time(2, SC_NS), sc_time(20, SC_NS)};
    router bus{"bus"};
    std::unique_ptr<mmusim::sc::mmu_module> mmu;
    platform(const mmu_config &cfg, const mmusim::sc::mmu_module::options &opt, uint64_t base0 = 0x0,
             uint64_t base1 = 0x10000)
    {
        bus.BASE[0] = base0;
        bus.BASE[1] = base1;
        bus.out0.bind(mem0.socket);
        bus.out1.bind(mem1.socket);
        mmu.reset(new mmusim::sc::mmu_module("mmu", cfg, opt));
        mmu->mem_socket.bind(bus.in);
    }
    uint64_t word(int m, uint64_t off) const
    {
        uint64_t v = 0;
        const gen_memory &g = m ? mem1 : mem0;
        for (int i = 0; i < 8; i++)
            v |= static_cast<uint64_t>(g.bytes[off + i]) << (8 * i);
        return v;
    }
};

/* The default configuration: a plain initiator's reads and writes succeed (the OS model's frames). */
static void scenario_default()
{
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(100, SC_NS));
    const mmu_config cfg = mmusim::sc::make_config();
    platform p(cfg, mmusim::sc::mmu_module::options());
    std::vector<uint64_t> a;
    for (uint64_t page = 0; page < 3; page++)
        for (uint64_t off = 0; off < 0x1000; off += 0x2F8)
            a.push_back(0x400000 + (page << 12) + (off & ~7ull));
    lt_initiator cpu("cpu", a);
    cpu.socket.bind(p.mmu->cpu_socket);
    sc_start();
    CHECK(cpu.compared == a.size());
    CHECK(cpu.errors == 0);
    CHECK(p.mmu->mod_stats().faults == 0);
    CHECK(p.mmu->stats().page_faults == 3); /* demand paging by the OS model */
    CHECK(p.mmu->mode() == mmusim::sc::page_table_mode::standalone);
}

/*
 * The OS model with placed frames: the memories at 0x80000000 and 0x90000000
 * (where the OS model's default frames, from 0, would find nothing); data
 * frames in both, the first range filled first; page tables in a range of
 * their own in the upper half of mem0 (the OS model's own memory holds them
 * in standalone mode: the range keeps them off the data).
 */
static void scenario_placed_frames()
{
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(100, SC_NS));
    mmu_config cfg = mmusim::sc::make_config({{"os.frame_ranges", "0x80000000+32K"}});
    /* the C++ API: the second data range and the page-table range */
    mmusim::sc::add_frame_range(cfg, 0x90000000, 0x8000);
    mmusim::sc::add_frame_range(cfg, 0x80008000, 0x8000, true);
    char msg[256];
    CHECK(mmu_config_validate(&cfg, msg, sizeof msg) == MMU_OK);
    platform p(cfg, mmusim::sc::mmu_module::options(), 0x80000000, 0x90000000);
    const unsigned pages = 11; /* 8 frames in mem0, the last 3 pages in mem1 */
    std::vector<uint64_t> a;
    for (uint64_t page = 0; page < pages; page++)
        for (uint64_t off = 0; off < 0x1000; off += 0x5F8)
            a.push_back(0x400000 + (page << 12) + (off & ~7ull));
    lt_initiator cpu("cpu", a);
    cpu.socket.bind(p.mmu->cpu_socket);
    sc_start();
    CHECK(cpu.compared == a.size());
    CHECK(cpu.errors == 0);
    CHECK(p.mmu->mod_stats().faults == 0);
    CHECK(p.mmu->stats().page_faults == pages);
    CHECK(p.mmu->mode() == mmusim::sc::page_table_mode::standalone);
    CHECK(p.mem0.accesses + p.mem1.accesses == 2 * a.size()); /* every access reached a memory */
    /* each word is where its frame is: page i in frame i of the ranges, the last pages in mem1 */
    unsigned in_mem1 = 0;
    for (uint64_t va : a) {
        const uint64_t page = (va - 0x400000) >> 12, off = va & 0xFFF;
        const int m = page < 8 ? 0 : 1;
        const uint64_t at = (page < 8 ? page : page - 8) * 0x1000 + off;
        CHECK(p.word(m, at) == lt_initiator::pattern(va));
        in_mem1 += m;
    }
    CHECK(in_mem1 > 0);
    /* the OS model's figures: the ranges' frames, tables in their own range */
    mmu_os_stats st;
    mmu_os_get_stats(p.mmu->os(), &st);
    CHECK(st.frames_total == 24);
    CHECK(st.frames_pt == 4);
    mmu_os_frame_info fi;
    CHECK(mmu_os_frame_info_get(p.mmu->os(), 0x80008000, &fi) == MMU_OK && fi.kind == MMU_OS_FRAME_TABLE);
    CHECK(mmu_os_frame_info_get(p.mmu->os(), 0x90000000, &fi) == MMU_OK && fi.kind == MMU_OS_FRAME_DATA &&
          fi.vaddr == 0x408000);
    CHECK(mmu_os_frame_info_get(p.mmu->os(), 0x4000, &fi) == MMU_EINVAL);
}

/* The static map: tables built in mem1, one region in each memory; PTE reads on the bus. */
static void scenario_static_map()
{
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(100, SC_NS));
    mmu_config cfg = mmusim::sc::make_config({{"os.enabled", "off"},
                                               {"map.regions", "0x400000:0x1000:8K:rw, 0x7f0000000000:0x10000:4K:rw:asid=0"},
                                               {"map.table_base", "0x12000"},
                                               {"map.table_size", "56K"}});
    /* the C++ API: one more region, read-only, into mem0 */
    mmusim::sc::add_map_region(cfg, 0x600000, 0x4000, 0x1000, MMU_MAP_READ);
    char msg[256];
    CHECK(mmu_config_validate(&cfg, msg, sizeof msg) == MMU_OK);
    platform p(cfg, mmusim::sc::mmu_module::options());
    std::vector<uint64_t> a;
    for (uint64_t off = 0; off < 0x2000; off += 0x1F8)
        a.push_back(0x400000 + off);
    a.push_back(0x7f0000000000 + 0x40); /* mapped to the other memory */
    lt_initiator cpu("cpu", a);
    cpu.socket.bind(p.mmu->cpu_socket);
    sc_start();
    CHECK(cpu.compared == a.size());
    CHECK(cpu.errors == 0);
    CHECK(p.mmu->mode() == mmusim::sc::page_table_mode::static_map);
    /* the access mapped to mem1 landed there, the others in mem0 */
    CHECK(p.word(1, 0x40) == lt_initiator::pattern(0x7f0000000040));
    CHECK(p.word(0, 0x1000) == lt_initiator::pattern(0x400000));
    CHECK(p.word(0, 0x2000 + 0x1F8 * 9 - 0x1000) == lt_initiator::pattern(0x400000 + 0x1F8 * 9));
    /* real walks of x86-64 tables in mem1: 4 reads for the first walk, read on the bus */
    const mmusim::sc::module_stats &ms = p.mmu->mod_stats();
    CHECK(p.mmu->stats().walks >= 3);
    CHECK(p.mmu->stats().walk_refs[4] >= 1);
    CHECK(ms.pte_reads == p.mmu->stats().pte_reads);
    CHECK(ms.pte_errors == 0);
    CHECK(p.mmu->map_tables().n_roots == 1);
    CHECK(p.mmu->map_tables().tables == 13); /* shared root: 5 tables; ASID 0: 5 + 3 */
    /* a write to the read-only region is refused, a read of it is fine */
    tlm_generic_payload t;
    unsigned char b[8] = {0};
    t.set_command(TLM_WRITE_COMMAND);
    t.set_address(0x600010);
    t.set_data_ptr(b);
    t.set_data_length(8);
    t.set_streaming_width(8);
    sc_time d = SC_ZERO_TIME;
    p.mmu->cpu_socket.get_base_export()->b_transport(t, d);
    CHECK(t.get_response_status() == TLM_COMMAND_ERROR_RESPONSE);
    CHECK(p.mmu->last_fault().cause == MMU_FAULT_WRITE_RO);
    t.set_command(TLM_READ_COMMAND);
    t.set_response_status(TLM_INCOMPLETE_RESPONSE);
    p.mmu->cpu_socket.get_base_export()->b_transport(t, d);
    CHECK(t.get_response_status() == TLM_OK_RESPONSE);
    /* an address no region maps */
    t.set_address(0x800000);
    t.set_response_status(TLM_INCOMPLETE_RESPONSE);
    p.mmu->cpu_socket.get_base_export()->b_transport(t, d);
    CHECK(t.get_response_status() == TLM_ADDRESS_ERROR_RESPONSE);
    /* the PTE references cost what the memory took (no [ptemem] model on top) */
    CHECK(mmu_get_config(p.mmu->handle())->ptemem.mode == MMU_PTEMEM_FIXED);
}

/*
 * AT: the same jobs through the MMU (virtual addresses, static map) and
 * without it (physical addresses), in one simulation.
 */
static void scenario_at()
{
    mmu_config cfg = mmusim::sc::make_config({{"os.enabled", "off"},
                                               {"map.regions", "0x400000:0x1000:8K:rw, 0x500000:0x10000:4K:rw"},
                                               {"map.table_base", "0x14000"},
                                               {"map.table_size", "16K"}});
    mmusim::sc::mmu_module::options opt;
    opt.clock_period = NS;
    platform p(cfg, opt);
    gen_memory bare0("bare0", 0x10000, sc_time(2, SC_NS), sc_time(20, SC_NS));
    gen_memory bare1("bare1", 0x10000, sc_time(2, SC_NS), sc_time(20, SC_NS));
    router bare_bus("bare_bus");
    bare_bus.out0.bind(bare0.socket);
    bare_bus.out1.bind(bare1.socket);

    /* a pipelined burst (misses and hits), then isolated accesses to pages the TLB holds */
    std::vector<at_initiator::job> vj, pj;
    const uint64_t va[] = {0x400000, 0x400008, 0x401000, 0x500010, 0x400010, 0x401008, 0x500018, 0x400018};
    const uint64_t pa[] = {0x1000, 0x1008, 0x2000, 0x10010, 0x1010, 0x2008, 0x10018, 0x1018};
    for (int i = 0; i < 8; i++) {
        vj.push_back({va[i], SC_ZERO_TIME});
        pj.push_back({pa[i], SC_ZERO_TIME});
    }
    const int first_isolated = 8;
    for (int i = 0; i < 4; i++) {
        vj.push_back({va[i], sc_time(5000 + 1000 * i, SC_NS)});
        pj.push_back({pa[i], sc_time(5000 + 1000 * i, SC_NS)});
    }
    at_initiator via("via", vj, sc_time(3, SC_NS));
    at_initiator bare("bare", pj, sc_time(3, SC_NS));
    via.socket.bind(p.mmu->cpu_socket);
    bare.socket.bind(bare_bus.in);
    sc_start(sc_time(20, SC_US));

    const size_t n = vj.size();
    CHECK(via.end_resp == n);
    CHECK(bare.end_resp == n);
    /* all four phases, the request phase ended through END_REQ */
    CHECK(via.end_req == n);
    CHECK(via.begin_resp == n);
    CHECK(via.shortcuts == 0);
    for (size_t i = 0; i < n; i++) {
        CHECK(via.done[i] >= bare.done[i]); /* never earlier with the MMU */
        if (via.done[i] < bare.done[i])
            std::fprintf(stderr, "job %zu: %s with the MMU, %s without\n", i, via.done[i].to_string().c_str(),
                         bare.done[i].to_string().c_str());
    }
    /* a TLB hit: later by exactly the level-1 TLB latency (1 cycle of 1 ns) */
    for (size_t i = first_isolated; i < n; i++) {
        CHECK(via.done[i] - bare.done[i] == NS);
        if (via.done[i] - bare.done[i] != NS)
            std::fprintf(stderr, "job %zu: %s later with the MMU\n", i, (via.done[i] - bare.done[i]).to_string().c_str());
    }
    /* the data came back right */
    for (size_t i = 0; i < n; i++)
        CHECK(std::memcmp(via.buf[i].data(), bare.buf[i].data(), 8) == 0);
    /* the downstream response phase was held until the initiator ended it upstream */
    CHECK(!p.mem0.resp_busy && !p.mem1.resp_busy);
}

/* Reports when the simulation ends by starvation (no sc_stop, no end_of_simulation). */
static bool file_has(const std::string &path, const char *what)
{
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return f.good() && ss.str().find(what) != std::string::npos;
}

static void scenario_starvation()
{
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(100, SC_NS));
    const std::string dir = "/tmp/mmusim-test-platform-" + std::to_string(static_cast<long>(getpid()));
    const std::string text = dir + ".txt", json = dir + ".json";
    std::remove(text.c_str());
    std::remove(json.c_str());
    {
        mmusim::sc::mmu_module::options opt;
        opt.stats_text = text;
        opt.stats_json = json;
        platform p(mmusim::sc::make_config(), opt);
        lt_initiator cpu("cpu", {0x400000, 0x400008});
        cpu.stop = false; /* the simulation ends by starvation */
        cpu.socket.bind(p.mmu->cpu_socket);
        sc_start();
        CHECK(cpu.errors == 0);
        CHECK(sc_get_status() != SC_STOPPED);
        CHECK(std::ifstream(text).good() == false); /* not yet: written at destruction */
    }
    CHECK(file_has(text, "translations   4"));
    CHECK(file_has(text, "SystemC        LT 4"));
    CHECK(file_has(json, "\"translations\": 4"));
    std::remove(text.c_str());
    std::remove(json.c_str());
}

int sc_main(int argc, char **argv)
{
    sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", SC_DO_NOTHING);
    sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING);
    const std::string s = argc > 1 ? argv[1] : "";
    if (s == "default")
        scenario_default();
    else if (s == "placed_frames")
        scenario_placed_frames();
    else if (s == "static_map")
        scenario_static_map();
    else if (s == "at")
        scenario_at();
    else if (s == "at_completed") {
        memory_mode = 1;
        scenario_at();
    } else if (s == "at_no_end_req") {
        memory_mode = 2;
        scenario_at();
    }
    else if (s == "starvation")
        scenario_starvation();
    else {
        std::fprintf(stderr, "usage: test_platform default|placed_frames|static_map|at|at_completed|at_no_end_req|starvation\n");
        return 2;
    }
    std::printf("%s: %d checks, %d failed\n", s.c_str(), checks, failures);
    return failures ? 1 : 0;
}
