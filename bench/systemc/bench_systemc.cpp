/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_systemc.cpp - transactions per second through the SystemC MMU
 * module: an LT initiator with a tlm_quantumkeeper sends a hit-dominated
 * stream over 48 hot pages (which the 64-entry L1 DTLB holds) through
 *     c-api     mmu_access() on the stream, no SystemC at all;
 *     tlm-bare  initiator -> memory, without the MMU;
 *     tlm-mmu   initiator -> mmu_module -> memory;
 *     mmu-dmi   the same initiator using DMI pointers the MMU grants (per page,
 *               kept by the initiator in a small direct-mapped table; a
 *               b_transport through the MMU when it has none);
 * all in one run, interleaved repetitions, medians printed, and the cost the
 * MMU adds to the bare TLM path (aim: less than 2x; near 1x with DMI).  Two streams:
 *     random    a random hot page each access (every access a full TLB lookup);
 *     seq       8-byte strides through the hot pages (runs of 512 accesses to
 *               a page: the C model's same-page shortcut).
 * The configuration is the default one (radix walker, OS model, PTE cache
 * model with the data accesses passing through it: ptemem.data); extra
 * arguments KEY=VALUE change it; repeat=off turns the module's repeat path
 * off (options::repeat), stream=seq or stream=random runs that stream alone.
 *
 *   bench_systemc [TRANSACTIONS [REPS [KEY=VALUE...]]]   (default 2000000 7)
 */
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "mmusim/mmusim.h"
#include "mmusim/systemc/memory.h"
#include "mmusim/systemc/mmu_module.h"

using namespace sc_core;
using namespace tlm;

namespace {

const uint16_t ASID = 1;

std::vector<uint64_t> make_stream(size_t n, bool seq)
{
    std::vector<uint64_t> v(n);
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v[i] = 0x400000 + (seq ? (i * 8) % (48u << 12) : (((x % 48) << 12) | ((x >> 20) & 0xFF8)));
    }
    return v;
}

/* CPU time of the process's thread (SystemC processes are coroutines on it): robust to a loaded machine. */
double now()
{
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct initiator : sc_module {
    tlm_utils::simple_initiator_socket<initiator> bare;
    tlm_utils::simple_initiator_socket<initiator> via_mmu;
    const std::vector<std::vector<uint64_t>> &streams;
    std::vector<uint64_t> stream;
    mmu *capi;
    unsigned reps;
    std::vector<std::vector<double>> r_capi, r_bare, r_mmu, r_dmi, r_bdmi;

    /* DMI regions granted through the MMU, direct-mapped by virtual page */
    struct dmi_entry {
        uint64_t lo = 1, hi = 0;
        unsigned char *ptr = nullptr;
        sc_time latency;
    };
    dmi_entry dmi[64];
    uint64_t dmi_hits = 0, dmi_misses = 0;

    initiator(sc_module_name n, const std::vector<std::vector<uint64_t>> &s, mmu *c, unsigned reps_)
        : sc_module(n), bare("bare"), via_mmu("via_mmu"), streams(s), capi(c), reps(reps_), r_capi(s.size()),
          r_bare(s.size()), r_mmu(s.size()), r_dmi(s.size()), r_bdmi(s.size())
    {
        via_mmu.register_invalidate_direct_mem_ptr(this, &initiator::invalidate);
        bare.register_invalidate_direct_mem_ptr(this, &initiator::invalidate);
        SC_HAS_PROCESS(initiator);
        SC_THREAD(run);
    }

    void invalidate(sc_dt::uint64 lo, sc_dt::uint64 hi)
    {
        for (dmi_entry &e : dmi)
            if (e.lo <= hi && lo <= e.hi)
                e = dmi_entry();
    }

    /* The stream as reads through DMI pointers where the MMU granted one. */
    double dmi_pass(tlm_utils::simple_initiator_socket<initiator> &sock)
    {
        for (dmi_entry &e : dmi)
            e = dmi_entry();
        tlm_utils::tlm_quantumkeeper qk;
        qk.reset();
        tlm_generic_payload t;
        mmusim::sc::translation_extension ext(ASID, MMU_PRIV_USER);
        t.set_extension(&ext);
        unsigned char buf[8] = {0};
        t.set_data_ptr(buf);
        t.set_data_length(8);
        t.set_streaming_width(8);
        t.set_command(TLM_READ_COMMAND);
        uint64_t errors = 0, sink = 0;
        const double t0 = now();
        for (uint64_t a : stream) {
            dmi_entry &e = dmi[(a >> 12) & 63];
            if (a >= e.lo && a + 8 <= e.hi + 1) { /* in a page (the memory grants more: a 64K block) */
                std::memcpy(buf, e.ptr + (a - e.lo), 8);
                qk.inc(e.latency);
                dmi_hits++;
            } else {
                dmi_misses++;
                t.set_address(a);
                t.set_response_status(TLM_INCOMPLETE_RESPONSE);
                t.set_dmi_allowed(false);
                sc_time d = qk.get_local_time();
                sock->b_transport(t, d);
                qk.set(d);
                errors += !t.is_response_ok();
                tlm_dmi g;
                if (t.is_dmi_allowed() && sock->get_direct_mem_ptr(t, g) && g.is_read_allowed())
                    e = dmi_entry{g.get_start_address(), g.get_end_address(), g.get_dmi_ptr(), g.get_read_latency()};
            }
            sink += buf[0];
            if (qk.need_sync())
                qk.sync();
        }
        const double dt = now() - t0;
        qk.sync();
        t.clear_extension(&ext);
        if (errors || sink == 1) {
            std::fprintf(stderr, "bench_systemc: %llu error responses\n", static_cast<unsigned long long>(errors));
            std::exit(1);
        }
        return static_cast<double>(stream.size()) / dt;
    }

    /* The stream through a socket, LT with a quantum keeper; returns transactions per second. */
    double tlm_pass(tlm_utils::simple_initiator_socket<initiator> &sock, tlm_command cmd)
    {
        tlm_utils::tlm_quantumkeeper qk;
        qk.reset();
        tlm_generic_payload t;
        mmusim::sc::translation_extension ext(ASID, MMU_PRIV_USER);
        t.set_extension(&ext);
        unsigned char buf[8] = {0};
        t.set_data_ptr(buf);
        t.set_data_length(8);
        t.set_streaming_width(8);
        t.set_command(cmd);
        uint64_t errors = 0;
        const double t0 = now();
        for (uint64_t a : stream) {
            t.set_address(a);
            t.set_response_status(TLM_INCOMPLETE_RESPONSE);
            sc_time d = qk.get_local_time();
            sock->b_transport(t, d);
            qk.set(d);
            errors += !t.is_response_ok();
            if (qk.need_sync())
                qk.sync();
        }
        const double dt = now() - t0;
        qk.sync();
        t.clear_extension(&ext);
        if (errors) {
            std::fprintf(stderr, "bench_systemc: %llu error responses\n", static_cast<unsigned long long>(errors));
            std::exit(1);
        }
        return static_cast<double>(stream.size()) / dt;
    }

    double capi_pass()
    {
        mmu_request req = {0, 0, 8, ASID, MMU_READ, MMU_PRIV_USER, 0};
        mmu_response resp[2];
        uint64_t sink = 0, cycle = 0;
        const double t0 = now();
        for (uint64_t a : stream) {
            req.vaddr = a;
            req.cycle = cycle;
            const int n = mmu_access(capi, &req, resp);
            cycle = resp[n - 1].done_cycle + 101; /* as the LT core: translation, then memory */
            sink += resp[0].paddr;
        }
        const double dt = now() - t0;
        if (sink == 1)
            std::printf("\n");
        return static_cast<double>(stream.size()) / dt;
    }

    void run()
    {
        for (size_t k = 0; k < streams.size(); k++) {
            stream = streams[k];
            /* warm-up: first touches fault the pages in, memory blocks get allocated */
            (void)tlm_pass(bare, TLM_WRITE_COMMAND);
            (void)tlm_pass(via_mmu, TLM_WRITE_COMMAND);
            (void)capi_pass();
            for (unsigned r = 0; r < reps; r++) {
                r_capi[k].push_back(capi_pass());
                r_bare[k].push_back(tlm_pass(bare, TLM_READ_COMMAND));
                r_mmu[k].push_back(tlm_pass(via_mmu, TLM_READ_COMMAND));
                r_dmi[k].push_back(dmi_pass(via_mmu));
                r_bdmi[k].push_back(dmi_pass(bare));
            }
        }
        sc_stop();
    }
};

} // namespace

int sc_main(int argc, char **argv)
{
    sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING);
    const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000000;
    const unsigned reps = argc > 2 ? static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10)) : 7;
    if (n == 0 || reps == 0) {
        std::fprintf(stderr, "usage: bench_systemc [TRANSACTIONS [REPS [KEY=VALUE...]]]\n");
        return 2;
    }
    mmu_config cfg;
    mmu_config_defaults(&cfg); /* the default configuration: radix walker, the OS model */
    char msg[256];
    bool repeat = true;
    std::string only; /* stream=NAME: that stream alone */
    for (int i = 3; i < argc; i++) {
        std::string kv = argv[i];
        const size_t eq = kv.find('=');
        if (kv == "repeat=off" || kv == "repeat=on") { /* the module's options::repeat */
            repeat = kv == "repeat=on";
            continue;
        }
        if (kv == "stream=seq" || kv == "stream=random") {
            only = kv.substr(7);
            continue;
        }
        if (eq == std::string::npos ||
            mmu_config_set(&cfg, kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), msg, sizeof msg) != MMU_OK) {
            std::fprintf(stderr, "bench_systemc: %s: %s\n", argv[i], eq == std::string::npos ? "not KEY=VALUE" : msg);
            return 2;
        }
    }
    mmu *capi = nullptr;
    mmu_os *os = nullptr;
    if (mmu_create(&cfg, &capi, msg, sizeof msg) != MMU_OK ||
        (cfg.walker.mode == MMU_WALKER_RADIX && cfg.os_enabled &&
         (mmu_os_create_from_config(&cfg, &os, msg, sizeof msg) != MMU_OK || mmu_attach_os(capi, os) != MMU_OK))) {
        std::fprintf(stderr, "bench_systemc: %s\n", msg);
        return 1;
    }
    const sc_time period(1e6 / cfg.clock_mhz, SC_PS);
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(1, SC_US));
    std::vector<std::vector<uint64_t>> streams;
    std::vector<const char *> names;
    for (const char *name : {"random", "seq"}) {
        if (!only.empty() && only != name)
            continue;
        streams.push_back(make_stream(n, std::string(name) == "seq"));
        names.push_back(name);
    }

    {
        mmusim::sc::memory mem_bare("mem_bare", UINT64_C(1) << 48, period * 100.0);
        mmusim::sc::memory mem_mmu("mem_mmu", UINT64_C(1) << 48, period * 100.0);
        mmusim::sc::mmu_module::options opt;
        opt.clock_period = period;
        opt.repeat = repeat;
        mmusim::sc::mmu_module dut("mmu", cfg, opt);
        initiator init("init", streams, capi, reps);
        init.bare.bind(mem_bare.socket);
        init.via_mmu.bind(dut.cpu_socket);
        dut.mem_socket.bind(mem_mmu.socket);
        sc_start();

        const mmu_stats &s = dut.stats();
        std::printf("bench_systemc LT + quantum keeper (1 us), median of %u x %zu, %.4f%% walks; per transaction:\n",
                    reps, n, 100.0 * static_cast<double>(s.walks) / static_cast<double>(s.requests));
        for (size_t k = 0; k < streams.size(); k++) {
            const double c = median(init.r_capi[k]), b = median(init.r_bare[k]), m = median(init.r_mmu[k]),
                         g = median(init.r_dmi[k]), h = median(init.r_bdmi[k]);
            std::printf("bench_systemc %-6s c-api %5.1f ns  tlm-bare %5.1f ns  tlm-mmu %5.1f ns  mmu/bare %.2fx  "
                        "wrapper %+.1f ns  |  DMI: bare %5.1f ns  mmu %5.1f ns  mmu-dmi/bare-dmi %.2fx  "
                        "mmu-dmi/tlm-bare %.2fx\n",
                        names[k], 1e9 / c, 1e9 / b, 1e9 / m, b / m, 1e9 / m - 1e9 / b - 1e9 / c, 1e9 / h, 1e9 / g,
                        h / g, b / g);
        }
        std::printf("bench_systemc DMI: %llu accesses through pointers, %llu through the MMU; repeat path: %llu of %llu "
                    "LT transactions\n",
                    static_cast<unsigned long long>(init.dmi_hits), static_cast<unsigned long long>(init.dmi_misses),
                    static_cast<unsigned long long>(dut.mod_stats().repeats),
                    static_cast<unsigned long long>(dut.mod_stats().b_transport));
    }
    mmu_destroy(capi);
    mmu_os_destroy(os);
    return 0;
}
