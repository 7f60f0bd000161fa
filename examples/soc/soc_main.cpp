/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * soc_main.cpp - mmusim-soc, the example SoC: N trace-driven cores, one
 * MMU module per core, a bus and a memory with a latency.
 *
 *   core 0 --> mmu 0 --\
 *   core 1 --> mmu 1 ---+--> bus --> memory
 *   ...                /
 *
 * Fixed walker mode needs no page tables (identity map).  Radix mode (the
 * default configuration) runs standalone: one OS model owns every process's
 * page tables and is shared by all the MMUs (cores running the same ASID share its page tables, and
 * its shootdowns reach every core's TLBs).  At the end each core's MMU
 * prints the same report as `mmusim run` and, with --json, writes the
 * same JSON document.
 */
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "mmusim/systemc/bus.h"
#include "mmusim/systemc/memory.h"
#include "mmusim/systemc/mmu_module.h"
#include "trace_core.h"

extern "C" {
#include "mmusim/io/config_file.h"
}

using namespace sc_core;
using mmusim::sc::bus;
using mmusim::sc::memory;
using mmusim::sc::mmu_module;
using mmusim::soc::trace_core;

namespace {

struct soc_opts {
    mmu_config cfg;
    std::vector<std::string> traces;
    mmusim_format format = MMUSIM_FMT_AUTO;
    unsigned cores = 0;
    unsigned outstanding = 1;
    long long interval = -1;
    double quantum_ns = 1000;
    uint64_t mem_latency = 100;
    uint64_t bus_latency = 2;
    bool separate_asids = false;
    uint64_t max_accesses = 0;
    std::string json;
    bool quiet = false;
};

void usage(FILE *out)
{
    std::fprintf(out,
                 "usage: mmusim-soc [options] TRACE...\n"
                 "  -c, --config FILE     MMU configuration file (as mmusim run)\n"
                 "  -s, --set SEC.KEY=VAL configuration override (repeatable)\n"
                 "  --cores N             cores (default: one per trace; one trace is run by every core)\n"
                 "  --format F            trace format: auto, text, lackey (default auto)\n"
                 "  --outstanding N       transactions in flight per core: 1 = LT with a quantum keeper,\n"
                 "                        more = AT (default 1)\n"
                 "  --interval N          cycles between accesses of a trace without cycles\n"
                 "                        (default core.issue_interval)\n"
                 "  --quantum NS          global quantum of LT cores in ns (default 1000)\n"
                 "  --mem-latency N       memory latency in cycles (default 100)\n"
                 "  --bus-latency N       bus latency in cycles (default 2)\n"
                 "  --separate-asids      core i adds i to its trace's ASIDs (separate processes);\n"
                 "                        by default cores running the same ASID share its page tables\n"
                 "  --max N               at most N accesses per core\n"
                 "  --json PATH           JSON results (PATH, or PATH.coreI.json for several cores)\n"
                 "  -q, --quiet           no report on the terminal\n");
}

bool parse_u64(const char *opt, const char *v, uint64_t &out)
{
    char *end;
    if (!v || !*v || *v == '-') {
        std::fprintf(stderr, "mmusim-soc: %s needs a non-negative integer\n", opt);
        return false;
    }
    out = std::strtoull(v, &end, 10);
    if (*end) {
        std::fprintf(stderr, "mmusim-soc: %s: '%s' is not a non-negative integer\n", opt, v);
        return false;
    }
    return true;
}

/* Returns 0, or the exit status. */
int parse(int argc, char **argv, soc_opts &o)
{
    char err[1024];
    mmu_config_defaults(&o.cfg);
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
        auto need = [&]() {
            if (!v) {
                std::fprintf(stderr, "mmusim-soc: %s needs a value\n", a.c_str());
                return false;
            }
            i++;
            return true;
        };
        uint64_t n;
        if (a == "-h" || a == "--help") {
            usage(stdout);
            std::exit(0);
        } else if (a == "-c" || a == "--config") {
            if (!need())
                return 2;
            if (mmusim_config_load(&o.cfg, v, err, sizeof err) != 0) {
                std::fprintf(stderr, "mmusim-soc: %s\n", err);
                return 1;
            }
        } else if (a == "-s" || a == "--set") {
            if (!need())
                return 2;
            if (mmusim_config_override(&o.cfg, v, err, sizeof err) != 0) {
                std::fprintf(stderr, "mmusim-soc: %s\n", err);
                return 2;
            }
        } else if (a == "--format") {
            if (!need())
                return 2;
            o.format = mmusim_format_parse(v);
            if (o.format == MMUSIM_FMT_COUNT) {
                std::fprintf(stderr, "mmusim-soc: --format: unknown trace format '%s' (auto, lackey, text)\n", v);
                return 2;
            }
        } else if (a == "--cores" || a == "--outstanding" || a == "--interval" || a == "--mem-latency" ||
                   a == "--bus-latency" || a == "--max" || a == "--quantum") {
            if (!need() || !parse_u64(a.c_str(), v, n))
                return 2;
            if ((a == "--cores" || a == "--outstanding" || a == "--quantum") && (n == 0 || n > 4096)) {
                std::fprintf(stderr, "mmusim-soc: %s must be 1..4096\n", a.c_str());
                return 2;
            }
            if (a == "--interval" && n > 1000000) {
                std::fprintf(stderr, "mmusim-soc: --interval must be 0..1000000 (as core.issue_interval)\n");
                return 2;
            }
            if (a == "--cores")
                o.cores = static_cast<unsigned>(n);
            else if (a == "--outstanding")
                o.outstanding = static_cast<unsigned>(n);
            else if (a == "--interval")
                o.interval = static_cast<long long>(n);
            else if (a == "--mem-latency")
                o.mem_latency = n;
            else if (a == "--bus-latency")
                o.bus_latency = n;
            else if (a == "--max")
                o.max_accesses = n;
            else
                o.quantum_ns = static_cast<double>(n);
        } else if (a == "--separate-asids") {
            o.separate_asids = true;
        } else if (a == "--json") {
            if (!need())
                return 2;
            o.json = v;
        } else if (a == "-q" || a == "--quiet") {
            o.quiet = true;
        } else if (a.size() > 1 && a[0] == '-') {
            std::fprintf(stderr, "mmusim-soc: unknown option '%s' (see mmusim-soc --help)\n", a.c_str());
            return 2;
        } else {
            o.traces.push_back(a);
        }
    }
    if (o.traces.empty()) {
        usage(stderr);
        return 2;
    }
    if (o.cores == 0)
        o.cores = static_cast<unsigned>(o.traces.size());
    if (o.traces.size() != 1 && o.traces.size() != o.cores) {
        std::fprintf(stderr, "mmusim-soc: %zu traces for %u cores: give one trace, or one per core\n",
                     o.traces.size(), o.cores);
        return 2;
    }
    if (mmu_config_validate(&o.cfg, err, sizeof err) != MMU_OK) {
        std::fprintf(stderr, "mmusim-soc: invalid configuration: %s\n", err);
        return 2;
    }
    if (o.interval < 0)
        o.interval = o.cfg.core.issue_interval;
    return 0;
}

std::string json_path(const std::string &path, unsigned core, unsigned cores)
{
    if (cores == 1)
        return path;
    std::string base = path;
    const size_t dot = base.rfind('.');
    const size_t slash = base.rfind('/');
    std::string ext;
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
        ext = base.substr(dot);
        base.erase(dot);
    }
    return base + ".core" + std::to_string(core) + (ext.empty() ? ".json" : ext);
}

/* Stops the simulation when every core is done. */
struct stopper : sc_module {
    std::vector<trace_core *> cores;
    explicit stopper(sc_module_name n) : sc_module(n)
    {
        SC_HAS_PROCESS(stopper);
        SC_THREAD(run);
    }
    void run()
    {
        for (trace_core *c : cores)
            while (!c->done())
                wait(c->done_event());
        sc_stop();
    }
};

} // namespace

int sc_main(int argc, char **argv)
{
    soc_opts o;
    if (const int rc = parse(argc, argv, o))
        return rc;
    sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", SC_DO_NOTHING);
    sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING); /* "stopped by user" */

    const sc_time period(1e6 / o.cfg.clock_mhz, SC_PS);
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(o.quantum_ns, SC_NS));

    /* one OS for every core: shared page tables, shootdowns to every TLB */
    mmu_os *os = nullptr;
    if (o.cfg.walker.mode == MMU_WALKER_RADIX && !o.cfg.os_enabled && o.cfg.map.n_regions) {
        /* a static map: each MMU builds the same tables in the SoC's memory at map.table_base */
    } else if (o.cfg.walker.mode == MMU_WALKER_RADIX) {
        if (!o.cfg.os_enabled) {
            std::fprintf(stderr, "mmusim-soc: radix mode needs the OS model (os.enabled = on) or a static map "
                                 "(map.regions): no software on this SoC writes page tables\n");
            return 2;
        }
        mmu_config oc = o.cfg;
        if (oc.os.remote_cores == 0)
            oc.os.remote_cores = o.cores - 1; /* a shootdown interrupts the other cores */
        char err[1024];
        if (mmu_os_create_from_config(&oc, &os, err, sizeof err) != MMU_OK) {
            std::fprintf(stderr, "mmusim-soc: %s\n", err);
            return 2;
        }
    }

    /* destroyed after the MMUs of the block below, which detach from it */
    const std::unique_ptr<mmu_os, void (*)(mmu_os *)> os_owner(os, mmu_os_destroy);
    int status = 0;
    {
        memory mem("memory", UINT64_MAX, sc_time::from_value(period.value() * o.mem_latency));
        bus interconnect("bus", sc_time::from_value(period.value() * o.bus_latency));
        interconnect.initiator_socket.bind(mem.socket);
        interconnect.map(0, 0, UINT64_MAX);

        std::vector<std::unique_ptr<trace_core>> cores;
        std::vector<std::unique_ptr<mmu_module>> mmus;
        stopper stop("stopper");
        for (unsigned i = 0; i < o.cores; i++) {
            mmu_module::options mo;
            mo.clock_period = period;
            mo.core_id = i;
            mmus.emplace_back(new mmu_module(("mmu" + std::to_string(i)).c_str(), o.cfg, mo));
            if (os && mmus.back()->attach_os(os) != MMU_OK) {
                std::fprintf(stderr, "mmusim-soc: cannot attach the OS model to mmu%u\n", i);
                return 1;
            }
            trace_core::options co;
            co.trace = o.traces.size() == 1 ? o.traces[0] : o.traces[i];
            co.format = o.format;
            co.core_id = i;
            co.asid_offset = static_cast<uint16_t>(o.separate_asids ? i : 0);
            co.interval = static_cast<uint64_t>(o.interval);
            co.outstanding = o.outstanding;
            co.period = period;
            co.max_accesses = o.max_accesses;
            cores.emplace_back(new trace_core(("core" + std::to_string(i)).c_str(), co));
            if (cores.back()->result().failed) {
                std::fprintf(stderr, "mmusim-soc: %s\n", cores.back()->result().error.c_str());
                return 1;
            }
            cores.back()->socket.bind(mmus.back()->cpu_socket);
            mmus.back()->mem_socket.bind(interconnect.target_socket);
            stop.cores.push_back(cores.back().get());
        }

        const auto t0 = std::chrono::steady_clock::now();
        sc_start();
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        uint64_t accesses = 0;
        for (unsigned i = 0; i < o.cores; i++) {
            const trace_core::results &r = cores[i]->result();
            accesses += r.accesses;
            if (r.failed) {
                std::fprintf(stderr, "mmusim-soc: core %u: %s\n", i, r.error.c_str());
                status = 1;
            }
            mmu_module::workload w;
            w.name = o.traces.size() == 1 ? o.traces[0] : o.traces[i];
            w.format = r.format;
            w.compression = r.compression;
            w.instructions = r.instructions;
            mmus[i]->set_workload(w);
            if (!o.quiet) {
                std::printf("%s== core %u: %s ==\n", i ? "\n" : "", i, w.name.c_str());
                mmus[i]->report_text(stdout);
                std::printf("core           accesses %llu, error responses %llu, finished at %s\n",
                            static_cast<unsigned long long>(r.accesses), static_cast<unsigned long long>(r.errors),
                            r.finish.to_string().c_str());
            }
            std::string err;
            if (!o.json.empty() && !mmus[i]->report_json(json_path(o.json, i, o.cores), &err)) {
                std::fprintf(stderr, "mmusim-soc: %s\n", err.c_str());
                status = 1;
            }
        }
        if (!o.quiet)
            std::printf("\nSoC            %u cores, %s, %llu accesses, simulated %s, %.3f s wall, %.0f accesses/s\n",
                        o.cores, o.outstanding > 1 ? "AT" : "LT + quantum keeper",
                        static_cast<unsigned long long>(accesses), sc_time_stamp().to_string().c_str(), wall,
                        wall > 0 ? static_cast<double>(accesses) / wall : 0.0);
    }
    return status;
}
